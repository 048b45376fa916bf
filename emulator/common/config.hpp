// Reading lowcloud.yaml strictly. The manifest is split into sections
// (`tables:`, `functions:`, `apis:`), each parsed by the service that owns
// it through a ConfigReader, which knows where every node came from. Any key
// a reader was not asked for, and any value of the wrong type, is a
// ConfigError whose message names the file, the line and the key, e.g.
//   lowcloud.yaml:7: tables[0].billng_mode: unknown key
// so the emulator can refuse to start instead of silently ignoring config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace lowcloud {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One section of the manifest as handed to a service.
struct ConfigSection {
    std::filesystem::path file;      // the manifest, for messages
    std::filesystem::path base_dir;  // relative paths in it resolve here
    YAML::Node node;                 // undefined/null when the section is absent
    std::string name;                // "tables", "functions", "apis"

    bool present() const { return node.IsDefined() && !node.IsNull(); }
};

// A view of one YAML mapping that checks every key gets read exactly by the
// caller's expectations. Call finish() after reading all known keys.
class ConfigReader {
public:
    // `path` is the dotted location for messages, e.g. "tables[0]".
    ConfigReader(const ConfigSection& section, YAML::Node map, std::string path);

    std::string required_string(const std::string& key);
    std::optional<std::string> optional_string(const std::string& key);
    std::optional<long long> optional_int(const std::string& key, long long min, long long max);
    std::optional<bool> optional_bool(const std::string& key);
    // A string that must be one of `allowed`.
    std::optional<std::string> optional_enum(const std::string& key, const std::vector<std::string>& allowed);
    // A file path, resolved against the manifest's folder.
    std::optional<std::filesystem::path> optional_path(const std::string& key);
    std::optional<std::map<std::string, std::string>> optional_string_map(const std::string& key);
    // Raw access for nested structures; marks the key as known.
    YAML::Node node(const std::string& key);
    std::string child_path(const std::string& key) const { return path_ + "." + key; }

    // Throws for the first key that was never asked for.
    void finish() const;

    // An error located at `node`, about `key_path`.
    [[noreturn]] void fail(const YAML::Node& at, const std::string& key_path, const std::string& message) const;

    const ConfigSection& section() const { return section_; }

private:
    const ConfigSection& section_;
    YAML::Node map_;
    std::string path_;
    std::set<std::string> known_;
};

// "file:line: path: message" (line is 1-based).
std::string config_location(const ConfigSection& section, const YAML::Node& at);

// Each element of a section that must be a sequence of mappings.
// Throws ConfigError when it is not a sequence, or an element not a mapping.
std::vector<YAML::Node> config_sequence(const ConfigSection& section);

}  // namespace lowcloud
