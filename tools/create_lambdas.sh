#!/usr/bin/env bash
# "Creates" the Watches demo's Lambda functions on lowcloud: the counterpart
# of the course's create_lambdas.sh, which ran `aws lambda create-function`
# for each function from a freshly built bundle.
#
# What it really does, and why: the demo's native functions are declared in
# lowcloud.yaml (name, library, handler, timeout, memory, environment), so
# they hot-reload from the build tree. (Functions from zip packages are
# created with `aws lambda create-function` itself: see
# examples/watches-python/create_lambdas.sh and `lowcloud package`.) So this script
#   1. builds the handler libraries: tools/build.sh RelWithDebInfo watches images
#      (build/handlers/watches/libwatches.so and libimages.so);
#   2. asks the running emulator, through the Lambda API with the real AWS CLI
#      (`lambda get-function`), that every function is registered, and prints
#      its library, handler and CodeSha256.
# A function that is missing must be added to lowcloud.yaml and the emulator
# restarted. A library rebuilt while the emulator runs is picked up by the
# function's next invocation (hot reload): see tools/update_lambdas.sh.
#
# Usage: tools/create_lambdas.sh [--no-build] [FUNCTION...]
#   FUNCTION    default: watches-get watches-post images-get
#   --no-build  only check the functions
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
functions=()
while (($#)); do
    case $1 in
        --no-build) build=0; shift ;;
        -h|--help) sed -n '19,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option: $1" >&2; exit 2 ;;
        *) functions+=("$1"); shift ;;
    esac
done
((${#functions[@]})) || functions=(watches-get watches-post images-get)

# CodeSha256 as Lambda computes it: base64 of the SHA-256 of the code.
code_sha256() {
    "$PYTHON" -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.sha256(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"
}

if ((build)); then
    echo "building the handler libraries ($build_type): watches images"
    "$root/tools/build.sh" "$build_type" watches images
fi

echo "checking the functions at $endpoint"
missing=0
for fn in "${functions[@]}"; do
    if ! info=$("$AWS" --endpoint-url "$endpoint" lambda get-function --function-name "$fn" \
            --query '[Configuration.CodeSha256, Configuration.Handler, Configuration.LastModified, Code.Location]' \
            --output text 2>&1); then
        if [[ $info != *ResourceNotFoundException* ]]; then
            echo "cannot ask lowcloud at $endpoint about $fn (is it running?):" >&2
            echo "${info#$'\n'}" >&2
            exit 1
        fi
        echo "$fn: NOT REGISTERED (${info#$'\n'})" >&2
        missing=$((missing + 1))
        continue
    fi
    read -r sha handler modified location <<<"$info"
    library=${location#file://}
    echo "$fn: registered; library $library, handler $handler"
    echo "  CodeSha256 $sha (LastModified $modified)"
    if [[ -r $library ]]; then
        built=$(code_sha256 "$library")
        if [[ $built != "$sha" ]]; then
            echo "  the library on disk is a newer build ($built): the next invocation loads it"
        fi
    else
        echo "  warning: $library does not exist (not built?)" >&2
    fi
done

if ((missing)); then
    echo "$missing function(s) missing: declare them under functions: in lowcloud.yaml and restart lowcloud" >&2
    exit 1
fi
echo "all ${#functions[@]} functions are registered"
