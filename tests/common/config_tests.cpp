// ConfigReader: typed, located reading of manifest sections.
#include "common/config.hpp"

#include <catch2/catch.hpp>

using lowcloud::ConfigError;
using lowcloud::ConfigReader;
using lowcloud::ConfigSection;

namespace {
ConfigSection section(const std::string& yaml) {
    ConfigSection s;
    s.file = "m.yaml";
    s.base_dir = "/base";
    s.name = "tables";
    s.node = YAML::Load(yaml);
    return s;
}
}  // namespace

TEST_CASE("config: typed values are read", "[config]") {
    auto s = section("name: t\ncount: 12\nflag: true\nfile: data.json\nenv: {A: x}\nmode: fast\n");
    ConfigReader r(s, s.node, "tables[0]");
    CHECK(r.required_string("name") == "t");
    CHECK(r.optional_int("count", 0, 100) == 12);
    CHECK(r.optional_bool("flag") == true);
    CHECK(r.optional_path("file") == std::filesystem::path("/base/data.json"));
    CHECK(r.optional_string_map("env")->at("A") == "x");
    CHECK(r.optional_enum("mode", {"fast", "slow"}) == "fast");
    CHECK_FALSE(r.optional_string("absent"));
    CHECK_NOTHROW(r.finish());
}

TEST_CASE("config: errors name file, line and key", "[config]") {
    const std::vector<std::tuple<const char*, std::string, std::function<void(ConfigReader&)>, std::string>> cases = {
        {"unknown_key", "name: t\nbilling: x\n", [](ConfigReader& r) { r.required_string("name"); r.finish(); },
         "m.yaml:2: tables[0].billing: unknown key"},
        {"missing_required", "other: 1\n", [](ConfigReader& r) { r.required_string("name"); }, "tables[0].name: required key is missing"},
        {"not_an_integer", "count: ten\n", [](ConfigReader& r) { r.optional_int("count", 0, 9); }, "m.yaml:1: tables[0].count: expected an integer, got 'ten'"},
        {"out_of_range", "count: 10\n", [](ConfigReader& r) { r.optional_int("count", 0, 9); }, "must be between 0 and 9"},
        {"not_a_bool", "flag: yes please\n", [](ConfigReader& r) { r.optional_bool("flag"); }, "expected true or false"},
        {"bad_enum", "mode: medium\n", [](ConfigReader& r) { r.optional_enum("mode", {"fast", "slow"}); }, "'medium' is not one of: fast, slow"},
        {"string_expected", "name: [a, b]\n", [](ConfigReader& r) { r.optional_string("name"); }, "tables[0].name: expected a string"},
    };
    for (const auto& [name, yaml, read, fragment] : cases) {
        DYNAMIC_SECTION(name) {
            auto s = section(yaml);
            ConfigReader r(s, s.node, "tables[0]");
            CHECK_THROWS_WITH(read(r), Catch::Contains(fragment));
        }
    }
}

TEST_CASE("config: sections must be lists of mappings", "[config]") {
    CHECK_THROWS_AS(lowcloud::config_sequence(section("a: 1\n")), ConfigError);
    CHECK_THROWS_WITH(lowcloud::config_sequence(section("- 1\n")), Catch::Contains("tables[0]: expected a mapping"));
    CHECK(lowcloud::config_sequence(section("[]")).empty());
}
