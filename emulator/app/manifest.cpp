// Loading and splitting lowcloud.yaml (see manifest.hpp).
#include "app/manifest.hpp"

#include <fstream>

namespace lowcloud::app {

Manifest load_manifest(const std::optional<std::filesystem::path>& file) {
    Manifest m;
    m.tables.name = "tables";
    m.functions.name = "functions";
    m.apis.name = "apis";
    m.auth.name = "auth";
    if (!file) return m;

    std::filesystem::path path = std::filesystem::absolute(*file).lexically_normal();
    std::ifstream in(path);
    if (!in) throw ConfigError(file->string() + ": cannot read the manifest");
    YAML::Node root;
    try {
        root = YAML::Load(in);
    } catch (const YAML::Exception& e) {
        throw ConfigError(file->string() + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
    }
    m.file = *file;
    for (ConfigSection* s : {&m.tables, &m.functions, &m.apis, &m.auth}) {
        s->file = *file;
        s->base_dir = path.parent_path();
    }
    if (root.IsNull() || !root.IsDefined()) return m;
    if (!root.IsMap()) throw ConfigError(config_location(m.tables, root) + ": the manifest must be a mapping with tables:, functions: and apis:");
    for (const auto& kv : root) {
        const std::string key = kv.first.Scalar();
        if (key == "tables") m.tables.node = kv.second;
        else if (key == "functions") m.functions.node = kv.second;
        else if (key == "apis") m.apis.node = kv.second;
        else if (key == "auth") m.auth.node = kv.second;
        else throw ConfigError(config_location(m.tables, kv.first) + ": " + key + ": unknown key (expected tables, functions, apis or auth)");
    }
    return m;
}

}  // namespace lowcloud::app
