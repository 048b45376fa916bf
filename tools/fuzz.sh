#!/usr/bin/env bash
# The fuzzers (issue #15): configures and builds the libFuzzer targets of
# tests/fuzz with clang into $LOWCLOUD_BUILD_DIR/fuzz (build/fuzz), then runs
# each target in turn. The 10-minute run per target is robustness tooling, not
# CI; the test suite runs the 20-second smoke (ctest's fuzz/smoke).
#
# Usage: tools/fuzz.sh [--smoke | --seconds N | --build-only] [target...]
#   (no option)   each target for 600 s
#   --smoke       20 s in all, split between the targets (what ctest runs)
#   --seconds N   each target for N s
#   --build-only  configure and build only (tools/test.sh's build step)
#   target        dynamodb_request, expression (default: both)
#
# Each target starts from its committed seeds (tests/fuzz/corpus/<target>/)
# plus what earlier runs found (build/fuzz/corpus/<target>/, kept between
# runs; the smoke uses the seeds alone). On a finding (crash, sanitizer
# report, 5xx, timeout, leak) the exit status is non-zero and the
# reproducer's path is printed; replay it with
#   build/fuzz/fuzz_<target> <reproducer>
# (LOWCLOUD_FUZZ_VERBOSE=1 shows each request's answer).
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(dynamodb_request expression)
mode=run
seconds=600
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) mode=smoke ;;
    --seconds) seconds=${2:?--seconds needs a number}; shift ;;
    --build-only) mode=build ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [ -f "tests/fuzz/$t.cpp" ] || { echo "fuzz.sh: no fuzz target '$t' (targets: ${all_targets[*]})" >&2; exit 2; }
done

build_dir=${LOWCLOUD_BUILD_DIR:-build}/fuzz
jobs=${LOWCLOUD_JOBS:-$(nproc)}

# clang and libFuzzer come from Debian's clang and libclang-rt-dev
# (tools/install-deps.sh installs them).
cxx=${LOWCLOUD_FUZZ_CXX:-$(command -v clang++ || true)}
if [ -z "$cxx" ] || ! [ -x "$cxx" ]; then
  echo "fuzz.sh: FAILED: clang++ not found (${cxx:-not on PATH}); the fuzzers need clang with libFuzzer." >&2
  echo "         Install it with tools/install-deps.sh (Debian packages clang libclang-rt-dev)," >&2
  echo "         or point LOWCLOUD_FUZZ_CXX at a clang++." >&2
  exit 1
fi
probe=$(mktemp -d)  # scratch: the libFuzzer probe, the smoke's corpus
trap 'rm -rf "$probe"' EXIT
printf '#include <cstddef>\n#include <cstdint>\nextern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }\n' >"$probe/probe.cpp"
if ! "$cxx" -fsanitize=fuzzer,address,undefined "$probe/probe.cpp" -o "$probe/probe" 2>"$probe/log"; then
  echo "fuzz.sh: FAILED: $cxx cannot link -fsanitize=fuzzer,address,undefined (libFuzzer or the sanitizer" >&2
  echo "         runtimes are missing). Install them with tools/install-deps.sh (Debian package libclang-rt-dev)." >&2
  sed 's/^/         /' "$probe/log" >&2
  exit 1
fi

# Configure once; later builds re-configure by themselves when CMake files change.
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DLOWCLOUD_FUZZ=ON -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Fuzz >/dev/null
fi
build_targets=()
for t in "${targets[@]}"; do build_targets+=(--target "fuzz_$t"); done
cmake --build "$build_dir" -j "$jobs" "${build_targets[@]}"
[ "$mode" != build ] || exit 0

if [ "$mode" = smoke ]; then
  seconds=$((20 / ${#targets[@]}))
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  # The smoke starts from the seeds alone (a corpus grown by long runs would
  # take longer than its budget to replay); longer runs keep what they find.
  corpus="$build_dir/corpus/$t"
  [ "$mode" != smoke ] || corpus="$probe/corpus-$t"
  findings="$build_dir/findings/$t"
  mkdir -p "$corpus" "$findings"
  max_len=8192
  [ "$t" != dynamodb_request ] || max_len=16384
  echo "fuzz.sh: $t for ${seconds} s (corpus $corpus, seeds tests/fuzz/corpus/$t)"
  log="$build_dir/$t.log"
  status=0
  "$build_dir/fuzz_$t" "$corpus" "tests/fuzz/corpus/$t" \
    -dict="tests/fuzz/$t.dict" -max_total_time="$seconds" -max_len="$max_len" -timeout=30 -rss_limit_mb=4096 \
    -artifact_prefix="$findings/" -print_final_stats=1 >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log" >&2
    reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "fuzz.sh: FINDING in $t (exit $status); full log: $log" >&2
    if [ -n "$reproducer" ]; then
      echo "fuzz.sh: reproducer: $reproducer" >&2
      echo "fuzz.sh: replay with: $build_dir/fuzz_$t $reproducer" >&2
    fi
    failed+=("$t")
  else
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added)|^#[0-9]+ +DONE' "$log" | sed "s/^/fuzz.sh: $t: /"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: FAILED: findings in ${failed[*]} (see above); each becomes a named regression test" >&2
  exit 1
fi
echo "fuzz.sh: no findings"
