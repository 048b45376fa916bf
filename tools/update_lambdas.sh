#!/usr/bin/env bash
# Updates the Watches demo's Lambda functions on lowcloud: the counterpart of
# the course's update_lambdas.sh, which ran `aws lambda update-function-code`
# with a freshly built bundle.
#
# On lowcloud there is nothing to upload (UpdateFunctionCode is not
# implemented): a function runs the library named in lowcloud.yaml, and hot
# reload picks up a rebuilt library at the function's next invocation
# (in-flight calls finish on the old code; a build that cannot load fails that
# one invocation and the old code keeps serving). So this script
#   1. reads each function's CodeSha256 (`lambda get-function`, real AWS CLI);
#   2. rebuilds the handler libraries: tools/build.sh RelWithDebInfo watches images;
#   3. prints, per function, the CodeSha256 of the new build next to the one in
#      use. GetFunction reports the code in use, so it shows the new
#      CodeSha256 only once an invocation has loaded it; with --invoke the
#      script invokes each function once with the payload {} (a handler should
#      reject that as bad input, so nothing is written) and then shows the
#      CodeSha256 GetFunction reports.
#
# Usage: tools/update_lambdas.sh [--invoke] [--no-build] [FUNCTION...]
#   FUNCTION    default: watches-get watches-post images-get
#
# Environment: AWS (default /usr/bin/aws), PYTHON (default /usr/bin/python3),
# LOWCLOUD_ENDPOINT (default http://127.0.0.1:4566), BUILD_TYPE (default
# RelWithDebInfo), AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (default test),
# AWS_DEFAULT_REGION (default us-east-1).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
AWS=${AWS:-/usr/bin/aws}
PYTHON=${PYTHON:-/usr/bin/python3}
endpoint=${LOWCLOUD_ENDPOINT:-http://127.0.0.1:4566}
build_type=${BUILD_TYPE:-RelWithDebInfo}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
export AWS_PAGER=""

build=1
invoke=0
functions=()
while (($#)); do
    case $1 in
        --invoke) invoke=1; shift ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '20,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option: $1" >&2; exit 2 ;;
        *) functions+=("$1"); shift ;;
    esac
done
((${#functions[@]})) || functions=(watches-get watches-post images-get)

aws_() { "$AWS" --endpoint-url "$endpoint" "$@"; }

# CodeSha256 as Lambda computes it: base64 of the SHA-256 of the code.
code_sha256() {
    "$PYTHON" -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.sha256(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"
}

# Prints "CodeSha256 LIBRARY" for a function, or fails with the CLI's error.
function_code() {
    local info sha location
    info=$(aws_ lambda get-function --function-name "$1" \
        --query '[Configuration.CodeSha256, Code.Location]' --output text 2>&1) || { echo "${info#$'\n'}" >&2; return 1; }
    read -r sha location <<<"$info"
    echo "$sha ${location#file://}"
}

declare -A before library
for fn in "${functions[@]}"; do
    if ! code=$(function_code "$fn"); then
        echo "$fn: not registered at $endpoint (declare it in lowcloud.yaml; is lowcloud running?)" >&2
        exit 1
    fi
    before[$fn]=${code%% *}
    library[$fn]=${code#* }
done

if ((build)); then
    echo "rebuilding the handler libraries ($build_type): watches images"
    "$root/tools/build.sh" "$build_type" watches images
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/update_lambdas.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
status=0
for fn in "${functions[@]}"; do
    lib=${library[$fn]}
    if [[ ! -r $lib ]]; then
        echo "$fn: $lib does not exist" >&2
        status=1
        continue
    fi
    built=$(code_sha256 "$lib")
    if [[ $built == "${before[$fn]}" ]]; then
        echo "$fn: unchanged, CodeSha256 $built"
        continue
    fi
    echo "$fn: new build of $lib"
    echo "  CodeSha256 in use ${before[$fn]}, new build $built"
    if ((!invoke)); then
        echo "  hot reload: the next invocation of $fn loads the new build"
        continue
    fi
    if ! out=$(aws_ lambda invoke --function-name "$fn" --cli-binary-format raw-in-base64-out \
            --payload '{}' --query FunctionError --output text "$tmp/response.json" 2>&1); then
        echo "  invoke failed: ${out#$'\n'}" >&2
        status=1
        continue
    fi
    [[ $out == None ]] || echo "  (the invocation with {} ended in a function error, $out: expected for bad input)"
    now=$(function_code "$fn") || { status=1; continue; }
    now=${now%% *}
    if [[ $now == "$built" ]]; then
        echo "  hot reload: after one invocation GetFunction reports CodeSha256 $now"
    else
        echo "  hot reload did not take the new build: GetFunction still reports $now (see the emulator's log)" >&2
        status=1
    fi
done
exit "$status"
