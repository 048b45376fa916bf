// Strict, located reading of manifest sections (see config.hpp).
#include "common/config.hpp"

namespace lowcloud {

std::string config_location(const ConfigSection& section, const YAML::Node& at) {
    std::string where = section.file.string();
    auto mark = at.Mark();
    if (mark.line >= 0) {
        where += ':';
        where += std::to_string(mark.line + 1);
    }
    return where;
}

ConfigReader::ConfigReader(const ConfigSection& section, YAML::Node map, std::string path)
    : section_(section), map_(std::move(map)), path_(std::move(path)) {
    if (!map_.IsMap()) fail(map_, path_, "expected a mapping");
}

void ConfigReader::fail(const YAML::Node& at, const std::string& key_path, const std::string& message) const {
    throw ConfigError(config_location(section_, at.IsDefined() ? at : map_) + ": " + key_path + ": " + message);
}

YAML::Node ConfigReader::node(const std::string& key) {
    known_.insert(key);
    const YAML::Node& map = map_;  // const access: never inserts the key
    return map[key];
}

std::optional<std::string> ConfigReader::optional_string(const std::string& key) {
    YAML::Node n = node(key);
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    if (!n.IsScalar()) fail(n, child_path(key), "expected a string");
    return n.Scalar();
}

std::string ConfigReader::required_string(const std::string& key) {
    auto value = optional_string(key);
    if (!value || value->empty()) fail(map_, child_path(key), "required key is missing");
    return *value;
}

std::optional<long long> ConfigReader::optional_int(const std::string& key, long long min, long long max) {
    auto text = optional_string(key);
    if (!text) return std::nullopt;
    YAML::Node n = node(key);
    std::size_t used = 0;
    long long value = 0;
    try {
        value = std::stoll(*text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text->size()) fail(n, child_path(key), "expected an integer, got '" + *text + "'");
    if (value < min || value > max)
        fail(n, child_path(key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return value;
}

std::optional<bool> ConfigReader::optional_bool(const std::string& key) {
    auto text = optional_string(key);
    if (!text) return std::nullopt;
    if (*text == "true") return true;
    if (*text == "false") return false;
    fail(node(key), child_path(key), "expected true or false, got '" + *text + "'");
}

std::optional<std::string> ConfigReader::optional_enum(const std::string& key, const std::vector<std::string>& allowed) {
    auto text = optional_string(key);
    if (!text) return std::nullopt;
    for (const auto& a : allowed)
        if (a == *text) return text;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    fail(node(key), child_path(key), "'" + *text + "' is not one of: " + list);
}

std::optional<std::filesystem::path> ConfigReader::optional_path(const std::string& key) {
    auto text = optional_string(key);
    if (!text) return std::nullopt;
    std::filesystem::path p(*text);
    return p.is_absolute() ? p : section_.base_dir / p;
}

std::optional<std::map<std::string, std::string>> ConfigReader::optional_string_map(const std::string& key) {
    YAML::Node n = node(key);
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    if (!n.IsMap()) fail(n, child_path(key), "expected a mapping of names to strings");
    std::map<std::string, std::string> out;
    for (const auto& kv : n) {
        if (!kv.second.IsScalar()) fail(kv.second, child_path(key) + "." + kv.first.Scalar(), "expected a string");
        out[kv.first.Scalar()] = kv.second.Scalar();
    }
    return out;
}

void ConfigReader::finish() const {
    for (const auto& kv : map_) {
        const std::string key = kv.first.Scalar();
        if (!known_.count(key)) fail(kv.first, child_path(key), "unknown key");
    }
}

std::vector<YAML::Node> config_sequence(const ConfigSection& section) {
    std::vector<YAML::Node> out;
    if (!section.present()) return out;
    if (!section.node.IsSequence())
        throw ConfigError(config_location(section, section.node) + ": " + section.name + ": expected a list");
    for (const auto& element : section.node) {
        if (!element.IsMap())
            throw ConfigError(config_location(section, element) + ": " + section.name + "[" +
                              std::to_string(out.size()) + "]: expected a mapping");
        out.push_back(element);
    }
    return out;
}

}  // namespace lowcloud
