#!/usr/bin/env bash
# Configures and builds lowcloud into build/ (or $LOWCLOUD_BUILD_DIR).
# Usage: tools/build.sh [Release|RelWithDebInfo|Debug] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_type=${1:-RelWithDebInfo}
shift || true
targets=()
for t in "$@"; do targets+=(--target "$t"); done
build_dir=${LOWCLOUD_BUILD_DIR:-build}
jobs=${LOWCLOUD_JOBS:-$(nproc)}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
cmake --build "$build_dir" -j "$jobs" "${targets[@]}"
