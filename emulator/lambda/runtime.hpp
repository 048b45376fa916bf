// `lowcloud runtime`: the process an execution environment runs. It loads a
// handler library and serves invocations over the Lambda Runtime API at
// $AWS_LAMBDA_RUNTIME_API, exactly like a custom runtime's `bootstrap`:
// GET /2018-06-01/runtime/invocation/next, call the handler, POST
// .../response or .../error; a library that cannot be loaded or an init
// hook that fails is reported to /runtime/init/error. Handler log lines go
// to stdout, which the emulator collects per invocation. The process exits
// when the Runtime API goes away (the emulator stopped) and dies with its
// parent.
#pragma once

#include <string>

namespace lowcloud::lambda {

struct RuntimeOptions {
    std::string library;
    std::string handler = "handler";
    bool check_only = false;  // load, resolve symbols, exit 0 or 1 with the error on stderr
};

// Returns the process exit code.
int run_runtime(const RuntimeOptions& options);

}  // namespace lowcloud::lambda
