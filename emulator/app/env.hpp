// `lowcloud env`: what a shell needs so that deployment scripts written for
// AWS run unchanged against lowcloud. Used as `eval "$(lowcloud env)"`.
// It prints `export` lines for the endpoint (AWS_ENDPOINT_URL), a region and
// dummy credentials, and, for clients too old to read AWS_ENDPOINT_URL
// (AWS CLI < 2.13, botocore < 1.31, such as Debian 12's CLI 2.9 and boto3
// 1.26), two shims written to a folder of its own:
//   - bin/aws: put first on PATH; runs the real `aws` (the next one on PATH)
//     with --endpoint-url $AWS_ENDPOINT_URL unless the command gives one;
//   - python/sitecustomize.py: put on PYTHONPATH; makes botocore honour
//     AWS_ENDPOINT_URL[_SERVICE] (lowcloud_endpoints.py, as in functions).
// Newer clients read AWS_ENDPOINT_URL themselves; the shims change nothing
// for them.
#pragma once

#include "app/cli.hpp"

#include <ostream>

namespace lowcloud::app {

// Writes the shims and prints the export lines to `out`. Returns the exit
// code (1 when the shim folder cannot be written, with the reason on `err`).
int print_env(const EnvCommand& command, std::ostream& out, std::ostream& err);

}  // namespace lowcloud::app
