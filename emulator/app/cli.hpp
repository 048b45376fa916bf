// The `lowcloud` command line: subcommands and their options, parsed with
// Boost.Program_options. Parsing is separate from running so it is tested
// on its own.
//
//   lowcloud [--help | --version]
//   lowcloud serve [--port N] [--host H] [--config FILE] [--data-dir DIR |
//                   --in-memory] [--log-level L] [--threads N] [--idle-timeout S]
//                   [--ttl-interval S]
#pragma once

#include "common/log.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace lowcloud::app {

struct ServeOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 4566;
    std::optional<std::filesystem::path> config;  // resolved: none when no manifest
    std::filesystem::path data_dir = ".lowcloud";
    bool in_memory = false;
    LogLevel log_level = LogLevel::info;
    unsigned threads = 0;  // 0: one per core, at least 2
    unsigned idle_timeout_seconds = 60;
    unsigned spin_us = 200;  // how long a waiting thread polls before it sleeps (common/spin.hpp); 0: never
    double ttl_interval_seconds = 1.0;  // DynamoDB TTL sweep period; 0 disables
    unsigned lambda_idle_timeout_seconds = 300;  // idle execution environments stop after this
    std::string auth_mode;                 // --auth: "none", "sigv4" or "" (the manifest decides)
    std::vector<std::string> credentials;  // --credentials KEY:SECRET, repeatable
};

struct RuntimeCommand {
    std::string library;
    std::string handler = "handler";
    bool check_only = false;
};

// `lowcloud package -o out.zip LIBRARY.so [FILE|DIR ...]`
struct PackageCommand {
    std::filesystem::path output;
    std::vector<std::filesystem::path> inputs;  // the library first
};

// `lowcloud env [--endpoint URL]`: shell lines that point unchanged AWS
// scripts at lowcloud (see env.cpp).
struct EnvCommand {
    std::string endpoint = "http://127.0.0.1:4566";
    std::string region = "us-east-1";
    std::filesystem::path dir;  // where the shims go ("" : a per-user cache folder)
};

struct Command {
    // runtime: the hidden `lowcloud runtime` an execution environment runs.
    enum class Kind { serve, help, version, runtime, package, env } kind = Kind::help;
    ServeOptions serve;
    RuntimeCommand runtime;
    PackageCommand package;
    EnvCommand env;
    std::string help;  // the text to print for Kind::help
};

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses argv (without the program name). Throws UsageError with a message
// fit for the user. `--config` defaults to ./lowcloud.yaml when that exists.
Command parse_command_line(const std::vector<std::string>& args);

// Parses and runs; returns the process exit code (0 ok, 1 failure at run
// time, 2 usage or configuration error).
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace lowcloud::app
