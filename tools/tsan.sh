#!/usr/bin/env bash
# ThreadSanitizer over the unit tests: builds the Catch2 unit-test binaries
# with -fsanitize=thread into $LOWCLOUD_BUILD_DIR/tsan (build/tsan), then runs
# each one; a data race, a lock-order inversion or a failed test fails the
# script. TSan reports a race when both unsynchronized accesses happen,
# whether or not they collide in that run, so races that crash the test suite
# once in tens of runs are reported far more often. Robustness tooling, not
# CI: the build alone takes about 15 minutes on 2 cores.
#
# Usage: tools/tsan.sh [binary...]
#   (no argument)  every unit-test binary: common_tests abi_tests http_tests
#                  dynamodb_tests lambda_tests apigateway_tests app_tests
#   binary         only these (e.g. lambda_tests)
#
# Tests tagged [allocator] measure the allocator or the resident set (jemalloc
# in the emulator, peak RSS while backfilling); TSan replaces the allocator,
# so they are left out here (the test suite runs them).
set -euo pipefail
cd "$(dirname "$0")/.."

binaries=(common_tests abi_tests http_tests json_tests dynamodb_tests lambda_tests apigateway_tests app_tests)
if [ $# -gt 0 ]; then binaries=("$@"); fi
dir=${LOWCLOUD_BUILD_DIR:-build}/tsan

# tools/build.sh into a directory of its own; CMake takes the sanitizer from
# CFLAGS/CXXFLAGS/LDFLAGS when it first configures the directory.
flags="-fsanitize=thread -O1 -g"
CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS=-fsanitize=thread LOWCLOUD_BUILD_DIR="$dir" \
  tools/build.sh RelWithDebInfo "${binaries[@]}"

failed=()
for b in "${binaries[@]}"; do
  echo "== tsan: $b"
  # exitcode: TSan's status when it reported something, though every test passed.
  if ! TSAN_OPTIONS="halt_on_error=0 exitcode=66 ${TSAN_OPTIONS:-}" "$dir/tests/$b" "~[allocator]"; then
    failed+=("$b")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "tsan.sh: FAILED: ${failed[*]} (a ThreadSanitizer report or a failed test above)" >&2
  exit 1
fi
echo "tsan.sh: no race reported in ${binaries[*]}"
