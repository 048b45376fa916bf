#!/usr/bin/env bash
# Configures and builds lowcloud into build/ (or $LOWCLOUD_BUILD_DIR).
# Usage: tools/build.sh [Release|RelWithDebInfo|Debug]
set -euo pipefail
cd "$(dirname "$0")/.."
build_type=${1:-RelWithDebInfo}
build_dir=${LOWCLOUD_BUILD_DIR:-build}
jobs=${LOWCLOUD_JOBS:-$(nproc)}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
cmake --build "$build_dir" -j "$jobs"
