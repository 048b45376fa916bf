// A Lambda function's configuration, from lowcloud.yaml or the control plane.
// In lowcloud.yaml:
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
//     - name: watches-py                  # or code from a zip or a folder:
//       code: examples/watches-python/    # relative to the manifest
//       runtime: python3.12
//       handler: server.read
#pragma once

#include "common/config.hpp"
#include "lambda/code.hpp"

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
    std::string version = "$LATEST";              // or "1", "2"... for published versions
    std::string runtime;                          // "" : a native `library` (reported as provided.al2023)
    std::filesystem::path library;                // native manifest library (watched for rebuilds)
    std::optional<CodePackage> package;           // zip code (control plane, manifest `code:`)
    std::filesystem::path code_source;            // manifest `code:` as written (zip or folder)
    std::string role;                             // "" : lowcloud's default role ARN
    std::string description;
    std::string architecture = "x86_64";
    bool from_manifest = false;
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
