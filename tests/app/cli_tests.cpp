// Command-line parsing: a table of argument lists and what they mean.
#include "app/cli.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using lowcloud::app::Command;
using lowcloud::app::parse_command_line;
using lowcloud::app::UsageError;

TEST_CASE("cli: defaults of serve", "[cli]") {
    Command c = parse_command_line({"serve"});
    CHECK(c.kind == Command::Kind::serve);
    CHECK(c.serve.port == 4566);
    CHECK(c.serve.host == "127.0.0.1");
    CHECK(c.serve.data_dir == ".lowcloud");
    CHECK_FALSE(c.serve.in_memory);
    CHECK(c.serve.log_level == lowcloud::LogLevel::info);
}

TEST_CASE("cli: serve options", "[cli]") {
    Command c = parse_command_line({"serve", "--port", "0", "--host", "0.0.0.0", "--in-memory", "--log-level", "warn", "--threads", "3"});
    CHECK(c.serve.port == 0);
    CHECK(c.serve.host == "0.0.0.0");
    CHECK(c.serve.in_memory);
    CHECK(c.serve.log_level == lowcloud::LogLevel::warn);
    CHECK(c.serve.threads == 3);
    CHECK(c.serve.spin_us == 200);
    CHECK(parse_command_line({"serve", "--spin-us", "0"}).serve.spin_us == 0);
    CHECK(parse_command_line({"serve", "--spin-us", "10000"}).serve.spin_us == 10000);
}

TEST_CASE("cli: help and version everywhere", "[cli]") {
    const std::vector<std::pair<std::vector<std::string>, Command::Kind>> cases = {
        {{}, Command::Kind::help},
        {{"--help"}, Command::Kind::help},
        {{"-h"}, Command::Kind::help},
        {{"--version"}, Command::Kind::version},
        {{"-V"}, Command::Kind::version},
        {{"serve", "--help"}, Command::Kind::help},
        {{"serve", "--version"}, Command::Kind::version},
    };
    for (const auto& [args, kind] : cases) CHECK(parse_command_line(args).kind == kind);
    CHECK(parse_command_line({"serve", "--help"}).help.find("--in-memory") != std::string::npos);
}

TEST_CASE("cli: usage errors", "[cli]") {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"frobnicate"}, "unknown command 'frobnicate'"},
        {{"serve", "--port", "70000"}, "port"},
        {{"serve", "--bogus"}, "bogus"},
        {{"serve", "--log-level", "loud"}, "unknown log level 'loud'"},
        {{"serve", "--config", "/nonexistent/lowcloud.yaml"}, "no such file"},
        {{"serve", "--in-memory", "--data-dir", "/tmp/x"}, "exclude each other"},
        {{"serve", "--spin-us", "10001"}, "--spin-us must be between 0 and 10000 microseconds"},
        {{"serve", "--spin-us", "-1"}, "spin-us"},
    };
    for (const auto& [args, fragment] : cases) {
        INFO(fragment);
        CHECK_THROWS_WITH(parse_command_line(args), Catch::Contains(fragment));
    }
}

TEST_CASE("cli: run_cli exit codes", "[cli]") {
    std::ostringstream out, err;
    CHECK(lowcloud::app::run_cli({"--version"}, out, err) == 0);
    CHECK(out.str().rfind("lowcloud ", 0) == 0);
    CHECK(lowcloud::app::run_cli({"nope"}, out, err) == 2);
    CHECK(err.str().find("unknown command") != std::string::npos);
}
