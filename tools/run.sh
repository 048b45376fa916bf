#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and starts the
# emulator on http://127.0.0.1:4566 with the repository's lowcloud.yaml.
# Extra arguments go to `lowcloud serve` (e.g. --in-memory, --port 0).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh RelWithDebInfo
exec build/lowcloud serve --config lowcloud.yaml "$@"
