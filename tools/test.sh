#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs the
# whole suite through ctest: Catch2 unit tests, the integration tests that
# drive the real binary with boto3 and the AWS CLI, and the fuzzers' 20-second
# smoke.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh RelWithDebInfo
# The fuzz targets, with clang into build/fuzz (incremental), so that ctest's
# fuzz/smoke only runs them.
tools/fuzz.sh --build-only
tools/install-test-deps.sh
cd "${LOWCLOUD_BUILD_DIR:-build}"
ctest --output-on-failure -j "${LOWCLOUD_TEST_JOBS:-2}" "$@"
