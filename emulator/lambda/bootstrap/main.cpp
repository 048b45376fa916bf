// lowcloud-bootstrap: the `bootstrap` of a packaged native function (a
// provided.al2023 zip made by `lowcloud package`). AWS Lambda, or lowcloud,
// starts it with AWS_LAMBDA_RUNTIME_API, LAMBDA_TASK_ROOT and _HANDLER;
// _HANDLER is "libNAME.so:symbol", or just "symbol" when the package holds
// one library. It loads the library and serves invocations over the
// Runtime API (lambda/runtime.hpp), exactly as `lowcloud runtime` does.
// Linked with static libstdc++ and libgcc so it needs only glibc (<= 2.34,
// Amazon Linux 2023's) at run time.
#include "lambda/runtime.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

int main() {
    namespace fs = std::filesystem;
    const char* root_env = std::getenv("LAMBDA_TASK_ROOT");
    const char* handler_env = std::getenv("_HANDLER");
    fs::path root = root_env && *root_env ? root_env : fs::current_path();
    std::string handler = handler_env ? handler_env : "";
    lowcloud::lambda::RuntimeOptions options;
    auto colon = handler.rfind(':');
    if (colon != std::string::npos) {
        options.library = (root / handler.substr(0, colon)).string();
        options.handler = handler.substr(colon + 1);
    } else {
        options.handler = handler.empty() ? "handler" : handler;
        for (const auto& entry : fs::directory_iterator(root)) {
            if (entry.path().extension() != ".so") continue;
            if (!options.library.empty()) {
                std::cerr << "lowcloud-bootstrap: " << root << " holds several libraries; set the handler to LIBRARY.so:SYMBOL\n";
                options.library.clear();
                break;
            }
            options.library = entry.path().string();
        }
        if (options.library.empty()) options.library = (root / "handler.so").string();
    }
    return lowcloud::lambda::run_runtime(options);
}

// Debian 12's static libstdc++ seeds std::random_device (used by Asio inside
// the HTTP client) from arc4random, new in glibc 2.36. Defined here, the
// binary does not import it and still loads on glibc 2.34.
#include <sys/random.h>

extern "C" uint32_t arc4random(void) {
    uint32_t v = 0;
    while (getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v)) {
    }
    return v;
}
