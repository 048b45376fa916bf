#!/usr/bin/env bash
# Test-only dependencies from the npm registry, installed once into
# build/test-deps (or $LOWCLOUD_BUILD_DIR/test-deps): aws-lambda-ric, AWS's
# Node.js runtime interface client, a third-party Runtime API client that
# parses AWS_LAMBDA_RUNTIME_API strictly as host:port
# (tests/integration/test_lambda_runtimes.py). It builds its native part
# (aws-lambda-cpp, curl) with cmake and g++ against this node's headers.
# Idempotent: does nothing when the package is already built.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${LOWCLOUD_BUILD_DIR:-build}/test-deps"
if [ -f "$prefix/node_modules/aws-lambda-ric/rapid-client.node" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "install-test-deps: npm is missing (Debian package nodejs)" >&2; exit 1; }
nodedir=$(dirname "$(dirname "$(command -v node)")")
[ -f "$nodedir/include/node/node.h" ] || { echo "install-test-deps: node's headers are missing under $nodedir/include/node" >&2; exit 1; }
mkdir -p "$prefix"
echo "install-test-deps: building aws-lambda-ric@4.0.2 into $prefix (about a minute)"
npm_config_nodedir="$nodedir" npm install --no-audit --no-fund --loglevel=error --prefix "$prefix" aws-lambda-ric@4.0.2 >/dev/null
[ -f "$prefix/node_modules/aws-lambda-ric/rapid-client.node" ] || { echo "install-test-deps: aws-lambda-ric did not build" >&2; exit 1; }
