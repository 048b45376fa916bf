// Command-line parsing and the top-level command switch (see cli.hpp).
#include "app/cli.hpp"

#include "app/app.hpp"
#include "app/env.hpp"
#include "lambda/code.hpp"
#include "lambda/library.hpp"
#include "lambda/runtime.hpp"
#include "common/spin.hpp"

#include <unistd.h>

#include <fstream>

#include <boost/program_options.hpp>

#include <sstream>

#ifndef LOWCLOUD_VERSION
#define LOWCLOUD_VERSION "0.0.0"
#endif

namespace lowcloud::app {

namespace po = boost::program_options;

namespace {

constexpr const char* kTopHelp =
    "lowcloud " LOWCLOUD_VERSION " - a local emulator of API Gateway, Lambda and DynamoDB\n"
    "\n"
    "Usage: lowcloud <command> [options]\n"
    "\n"
    "Commands:\n"
    "  serve      start the emulator (all services on one port)\n"
    "  env        shell lines pointing AWS CLIs and SDKs at lowcloud: eval \"$(lowcloud env)\"\n"
    "  package    zip a native handler library for provided.al2023 (lowcloud and AWS Lambda)\n"
    "\n"
    "Options:\n"
    "  -h, --help       show help (also: lowcloud <command> --help)\n"
    "  -V, --version    show the version\n";

po::options_description serve_options(ServeOptions& o, std::string& log_level, std::string& config, std::string& data_dir) {
    po::options_description d("Usage: lowcloud serve [options]\n\nOptions");
    d.add_options()
        ("help,h", "show this help")
        ("version,V", "show the version")
        ("port,p", po::value<std::uint16_t>(&o.port)->default_value(4566), "TCP port; 0 picks a free one (printed)")
        ("host", po::value<std::string>(&o.host)->default_value("127.0.0.1"), "address to listen on")
        ("config,c", po::value<std::string>(&config), "manifest file (default: ./lowcloud.yaml when present)")
        ("data-dir", po::value<std::string>(&data_dir)->default_value(".lowcloud"), "where data is persisted")
        ("in-memory", po::bool_switch(&o.in_memory), "keep all data in memory (nothing persisted)")
        ("log-level", po::value<std::string>(&log_level)->default_value("info"), "debug, info, warn, error or off")
        ("threads", po::value<unsigned>(&o.threads)->default_value(0), "I/O threads (0: one per core, at least 2)")
        ("idle-timeout", po::value<unsigned>(&o.idle_timeout_seconds)->default_value(60), "seconds before an idle connection is closed")
        ("spin-us", po::value<unsigned>(&o.spin_us)->default_value(200),
         "microseconds a thread waiting for the next request or invocation polls before it sleeps (0 to 10000; 0: never); a request waiting for the DynamoDB engine polls for at most 20 of them")
        ("ttl-interval", po::value<double>(&o.ttl_interval_seconds)->default_value(1.0, "1"),
         "seconds between DynamoDB TTL sweeps (expired items are deleted); 0 disables")
        ("lambda-idle-timeout", po::value<unsigned>(&o.lambda_idle_timeout_seconds)->default_value(300),
         "seconds before an idle Lambda execution environment is stopped")
        ("auth", po::value<std::string>(&o.auth_mode), "none (default) or sigv4: check AWS Signature V4 on requests")
        ("credentials", po::value<std::vector<std::string>>(&o.credentials)->composing(),
         "ACCESS_KEY_ID:SECRET_ACCESS_KEY accepted with --auth sigv4 (repeatable)");
    return d;
}

std::string describe(const po::options_description& d) {
    std::ostringstream s;
    s << d;
    return s.str();
}

}  // namespace

Command parse_command_line(const std::vector<std::string>& args) {
    Command cmd;
    if (args.empty()) {
        cmd.help = kTopHelp;
        return cmd;
    }
    const std::string& first = args.front();
    if (first == "-h" || first == "--help" || first == "help") {
        cmd.help = kTopHelp;
        return cmd;
    }
    if (first == "-V" || first == "--version") {
        cmd.kind = Command::Kind::version;
        return cmd;
    }
    if (first == "runtime") {
        // Not for users: the process of one Lambda execution environment.
        po::options_description d("Usage: lowcloud runtime --library FILE [--handler SYMBOL] [--check]");
        d.add_options()("library", po::value<std::string>(&cmd.runtime.library)->required(), "handler library (.so)")
            ("handler", po::value<std::string>(&cmd.runtime.handler)->default_value("handler"), "handler symbol")
            ("check", po::bool_switch(&cmd.runtime.check_only), "only check that the library loads");
        po::variables_map vm;
        try {
            po::store(po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end())).options(d).run(), vm);
            po::notify(vm);
        } catch (const po::error& e) {
            throw UsageError(std::string(e.what()));
        }
        cmd.kind = Command::Kind::runtime;
        return cmd;
    }
    if (first == "env") {
        po::options_description d(
            "Usage: eval \"$(lowcloud env [--endpoint URL])\"\n"
            "Prints the shell lines that point AWS clients and deployment scripts at lowcloud: AWS_ENDPOINT_URL, a region,\n"
            "dummy credentials, and shims for clients that ignore AWS_ENDPOINT_URL (an `aws` first on PATH that adds\n"
            "--endpoint-url, a sitecustomize.py on PYTHONPATH for old boto3).\n"
            "Options");
        std::string dir;
        d.add_options()("help,h", "show this help")("endpoint", po::value<std::string>(&cmd.env.endpoint)->default_value(cmd.env.endpoint),
                                                     "lowcloud's URL")("port,p", po::value<unsigned>(), "shorthand for --endpoint http://127.0.0.1:PORT")(
            "region", po::value<std::string>(&cmd.env.region)->default_value(cmd.env.region), "AWS region for clients")(
            "dir", po::value<std::string>(&dir), "where to write the shims (default ~/.cache/lowcloud/env)");
        po::variables_map vm;
        try {
            po::store(po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end())).options(d).run(), vm);
            po::notify(vm);
        } catch (const po::error& e) {
            throw UsageError(std::string(e.what()) + " (try: lowcloud env --help)");
        }
        if (vm.count("help")) {
            cmd.help = describe(d);
            return cmd;
        }
        if (vm.count("port")) cmd.env.endpoint = "http://127.0.0.1:" + std::to_string(vm["port"].as<unsigned>());
        cmd.env.dir = dir;
        cmd.kind = Command::Kind::env;
        return cmd;
    }
    if (first == "package") {
        po::options_description d(
            "Usage: lowcloud package -o FUNCTION.zip LIBRARY.so [FILE|DIR ...]\n"
            "Packages a native handler library as a provided.al2023 zip that runs on lowcloud and, unchanged, on AWS Lambda:\n"
            "the zip holds lowcloud's bootstrap, the library and the extra files. Deploy it with\n"
            "  aws lambda create-function --runtime provided.al2023 --handler LIBRARY.so:SYMBOL --zip-file fileb://FUNCTION.zip ...\n"
            "Options");
        std::string output;
        std::vector<std::string> inputs;
        d.add_options()("help,h", "show this help")("output,o", po::value<std::string>(&output), "the zip to write")(
            "input", po::value<std::vector<std::string>>(&inputs), "the library, then extra files or folders");
        po::positional_options_description pos;
        pos.add("input", -1);
        po::variables_map vm;
        try {
            po::store(po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end())).options(d).positional(pos).run(), vm);
            po::notify(vm);
        } catch (const po::error& e) {
            throw UsageError(std::string(e.what()) + " (try: lowcloud package --help)");
        }
        if (vm.count("help")) {
            cmd.help = describe(d);
            return cmd;
        }
        if (output.empty()) throw UsageError("package: -o FUNCTION.zip is required");
        if (inputs.empty()) throw UsageError("package: name the handler library (.so)");
        cmd.kind = Command::Kind::package;
        cmd.package.output = output;
        for (auto& i : inputs) cmd.package.inputs.emplace_back(i);
        return cmd;
    }
    if (first != "serve") throw UsageError("unknown command '" + first + "' (try: lowcloud --help)");

    std::string log_level, config, data_dir;
    auto desc = serve_options(cmd.serve, log_level, config, data_dir);
    po::variables_map vm;
    try {
        std::vector<std::string> rest(args.begin() + 1, args.end());
        po::store(po::command_line_parser(rest).options(desc).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(std::string(e.what()) + " (try: lowcloud serve --help)");
    }
    if (vm.count("help")) {
        cmd.help = describe(desc);
        return cmd;
    }
    if (vm.count("version")) {
        cmd.kind = Command::Kind::version;
        return cmd;
    }
    cmd.kind = Command::Kind::serve;
    try {
        cmd.serve.log_level = parse_log_level(log_level);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--log-level: ") + e.what());
    }
    if (vm.count("in-memory") && cmd.serve.in_memory && !vm["data-dir"].defaulted())
        throw UsageError("--data-dir and --in-memory exclude each other");
    cmd.serve.data_dir = data_dir;
    if (cmd.serve.spin_us > kMaxSpin.count())
        throw UsageError("--spin-us must be between 0 and " + std::to_string(kMaxSpin.count()) + " microseconds");
    if (cmd.serve.ttl_interval_seconds < 0 || cmd.serve.ttl_interval_seconds > 86400)
        throw UsageError("--ttl-interval must be between 0 and 86400 seconds");
    if (!config.empty()) {
        if (!std::filesystem::exists(config)) throw UsageError("--config: no such file: " + config);
        cmd.serve.config = config;
    } else if (std::filesystem::exists("lowcloud.yaml")) {
        cmd.serve.config = "lowcloud.yaml";
    }
    return cmd;
}

namespace {

// Writes the provided.al2023 zip of a native handler (see PackageCommand).
int package(const PackageCommand& p, std::ostream& out, std::ostream& err) {
    namespace fs = std::filesystem;
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    fs::path bootstrap = fs::path(std::string(self, n > 0 ? static_cast<std::size_t>(n) : 0)).parent_path() / "lowcloud-bootstrap";
    if (!fs::exists(bootstrap)) {
        err << "lowcloud package: " << bootstrap << " is missing (build the lowcloud-bootstrap target)\n";
        return 1;
    }
    try {
        const fs::path& library = p.inputs.front();
        if (library.extension() != ".so" || !fs::is_regular_file(library)) {
            err << "lowcloud package: the first input must be a handler library (.so): " << library << "\n";
            return 2;
        }
        lambda::Library::load(library, "lowcloud_abi_version");  // refuses what would fail at init
        std::vector<lambda::ZipEntry> entries = {{"bootstrap", bootstrap, 0755}, {library.filename().string(), library, 0755}};
        for (std::size_t i = 1; i < p.inputs.size(); ++i) {
            const fs::path& in = p.inputs[i];
            if (fs::is_directory(in)) {
                for (auto it = fs::recursive_directory_iterator(in); it != fs::recursive_directory_iterator(); ++it)
                    if (it->is_regular_file())
                        entries.push_back({(in.filename() / fs::relative(it->path(), in)).generic_string(), it->path(), 0644});
            } else if (fs::is_regular_file(in)) {
                entries.push_back({in.filename().string(), in, 0644});
            } else {
                err << "lowcloud package: no such file or folder: " << in << "\n";
                return 2;
            }
        }
        std::string zip = lambda::make_zip(entries);
        std::ofstream f(p.output, std::ios::binary | std::ios::trunc);
        f.write(zip.data(), static_cast<std::streamsize>(zip.size()));
        if (!f) throw std::runtime_error("cannot write " + p.output.string());
        out << "wrote " << p.output.string() << " (" << zip.size() << " bytes, " << entries.size() << " files, CodeSha256 "
            << lambda::sha256_base64(zip) << ")\n"
            << "deploy: aws lambda create-function --runtime provided.al2023 --handler " << library.filename().string()
            << ":SYMBOL --zip-file fileb://" << p.output.string() << " --function-name NAME --role ROLE_ARN\n";
        return 0;
    } catch (const lambda::LoadError& e) {
        err << "lowcloud package: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        err << "lowcloud package: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Command cmd;
    try {
        cmd = parse_command_line(args);
    } catch (const UsageError& e) {
        err << "lowcloud: " << e.what() << "\n";
        return 2;
    }
    switch (cmd.kind) {
        case Command::Kind::help: out << cmd.help; return 0;
        case Command::Kind::version: out << "lowcloud " LOWCLOUD_VERSION "\n"; return 0;
        case Command::Kind::serve: return serve(cmd.serve, out, err);
        case Command::Kind::runtime:
            return lambda::run_runtime({cmd.runtime.library, cmd.runtime.handler, cmd.runtime.check_only});
        case Command::Kind::package: return package(cmd.package, out, err);
        case Command::Kind::env: return print_env(cmd.env, out, err);
    }
    return 2;
}

}  // namespace lowcloud::app
