// lowcloud.yaml, the manifest: which tables, functions and APIs to serve.
// The app only splits it into its sections (tables, functions, apis, auth) and rejects anything else;
// each service parses its own section (common/config.hpp).
#pragma once

#include "common/config.hpp"

#include <filesystem>
#include <optional>

namespace lowcloud::app {

struct Manifest {
    std::optional<std::filesystem::path> file;  // none: no manifest, all sections empty
    ConfigSection tables;
    ConfigSection functions;
    ConfigSection apis;
    ConfigSection auth;  // opt-in request signing (app/auth.hpp)
};

// Loads and splits the manifest. An absent file gives an empty Manifest
// (`file` unset). Throws ConfigError for unreadable YAML, a top level that
// is not a mapping, or an unknown top-level key.
Manifest load_manifest(const std::optional<std::filesystem::path>& file);

}  // namespace lowcloud::app
