#!/usr/bin/env bash
# Installs the Debian packages lowcloud needs to build, run and test.
# Idempotent: only missing packages are installed, and `apt-get update` runs
# only when something is missing. Needs root (or sudo) on Debian 12.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config
  libboost-dev libboost-program-options-dev
  libsqlite3-dev nlohmann-json3-dev catch2 libyaml-cpp-dev rapidjson-dev
  libssl-dev zlib1g-dev libzip-dev libjemalloc-dev libdeflate-dev
  # real clients and tools for the test suite
  awscli python3-boto3 python3-pytest curl zip unzip binutils nodejs
  json-schema-test-suite
  # benchmarks (tools/bench; the peers come from npm)
  wrk jq bc
  # fuzzers (tools/fuzz.sh, the suite's fuzz/smoke): clang, libFuzzer and the sanitizer runtimes
  clang libclang-rt-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
