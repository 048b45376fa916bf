// A Lambda function as declared in lowcloud.yaml:
//
//   functions:
//     - name: watches-get
//       library: build/handlers/watches/libwatches.so   # relative to the manifest
//       handler: get_watch          # exported C symbol (default "handler")
//       timeout: 3                  # seconds, 1-900 (default 3)
//       memory: 128                 # MB, 128-10240 (default 128)
//       reserved_concurrency: 4     # max environments at once (default 10)
//       isolation: process          # or in-process
//       environment: {TABLE: project1}
#pragma once

#include "common/config.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lowcloud::lambda {

enum class Isolation { process, in_process };

struct FunctionConfig {
    std::string name;
    std::filesystem::path library;
    std::string handler = "handler";
    std::chrono::milliseconds timeout{3000};
    unsigned memory_mb = 128;
    std::optional<unsigned> reserved_concurrency;
    Isolation isolation = Isolation::process;
    std::map<std::string, std::string> environment;

    // Environments allowed at once: the reserved concurrency, or 10.
    unsigned concurrency_cap() const { return reserved_concurrency.value_or(10); }
};

// Parses the `functions:` section. Throws ConfigError (file, line, key).
// Does not check the libraries; the service does that at startup.
std::vector<FunctionConfig> parse_functions(const ConfigSection& section);

}  // namespace lowcloud::lambda
