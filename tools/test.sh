#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs the
# whole suite (Catch2 unit tests and the integration tests that drive the
# real binary with boto3 and the AWS CLI) through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh RelWithDebInfo
tools/install-test-deps.sh
cd "${LOWCLOUD_BUILD_DIR:-build}"
ctest --output-on-failure -j "${LOWCLOUD_TEST_JOBS:-2}" "$@"
