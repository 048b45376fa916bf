// Loading lowcloud.yaml: sections split, unknown keys located.
#include "app/manifest.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using lowcloud::ConfigError;
using lowcloud::app::load_manifest;

namespace {
std::filesystem::path write_manifest(const std::string& name, const std::string& text) {
    auto dir = std::filesystem::temp_directory_path() / "lowcloud-manifest-tests";
    std::filesystem::create_directories(dir);
    auto path = dir / name;
    std::ofstream(path) << text;
    return path;
}
}  // namespace

TEST_CASE("manifest: absent file gives empty sections", "[manifest]") {
    auto m = load_manifest(std::nullopt);
    CHECK_FALSE(m.file);
    CHECK_FALSE(m.tables.present());
    CHECK_FALSE(m.functions.present());
    CHECK_FALSE(m.apis.present());
}

TEST_CASE("manifest: sections are split and paths resolve beside the file", "[manifest]") {
    auto path = write_manifest("ok.yaml", "tables:\n  - name: t1\nfunctions: []\n");
    auto m = load_manifest(path);
    CHECK(m.tables.present());
    CHECK(m.tables.node.IsSequence());
    CHECK(m.tables.base_dir == std::filesystem::absolute(path).parent_path());
    CHECK_FALSE(m.apis.present());
}

TEST_CASE("manifest: errors name file, line and key", "[manifest]") {
    const std::vector<std::tuple<const char*, std::string, std::string>> cases = {
        {"unknown_top_level_key", "tables: []\n\nfuntions: []\n", "unknown.yaml:3: funtions: unknown key"},
        {"not_a_mapping", "- a\n- b\n", "the manifest must be a mapping"},
        {"invalid_yaml", "tables: [\n", "invalid YAML"},
    };
    for (const auto& [name, text, fragment] : cases) {
        DYNAMIC_SECTION(name) {
            auto path = write_manifest(std::string(name) == "unknown_top_level_key" ? "unknown.yaml" : std::string(name) + ".yaml", text);
            CHECK_THROWS_WITH(load_manifest(path), Catch::Contains(fragment));
        }
    }
}
