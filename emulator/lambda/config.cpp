// Parsing the manifest's `functions:` section (see config.hpp).
#include "lambda/config.hpp"

#include "lambda/runtimes.hpp"

#include <regex>
#include <set>

namespace lowcloud::lambda {

std::vector<FunctionConfig> parse_functions(const ConfigSection& section) {
    std::vector<FunctionConfig> out;
    std::set<std::string> names;
    auto nodes = config_sequence(section);
    static const std::regex name_pattern("[a-zA-Z0-9_-]{1,64}");
    static const std::regex env_key_pattern("[a-zA-Z][a-zA-Z0-9_]*");
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        std::string path = "functions[" + std::to_string(i) + "]";
        ConfigReader r(section, nodes[i], path);
        FunctionConfig f;
        f.name = r.required_string("name");
        if (!std::regex_match(f.name, name_pattern))
            r.fail(r.node("name"), r.child_path("name"), "must be 1-64 characters of [a-zA-Z0-9_-]");
        if (!names.insert(f.name).second) r.fail(r.node("name"), r.child_path("name"), "duplicate function " + f.name);
        f.from_manifest = true;
        auto library = r.optional_path("library");
        auto code = r.optional_path("code");
        if (library && code) r.fail(r.node("code"), r.child_path("code"), "give either library or code, not both");
        if (!library && !code) r.fail(nodes[i], r.child_path("library"), "required key is missing (or give code: and runtime:)");
        if (library) {
            f.library = *library;
            f.handler = r.optional_string("handler").value_or("handler");
        } else {
            f.code_source = *code;
            auto runtime = r.optional_string("runtime");
            if (!runtime) r.fail(nodes[i], r.child_path("runtime"), "required with code:");
            if (!runtime_kind(*runtime)) {
                std::string valid;
                for (const auto& v : supported_runtimes()) valid += (valid.empty() ? "" : ", ") + v;
                r.fail(r.node("runtime"), r.child_path("runtime"), "unknown runtime '" + *runtime + "'; lowcloud runs " + valid);
            }
            f.runtime = *runtime;
            auto handler = r.optional_string("handler");
            if (!handler) r.fail(nodes[i], r.child_path("handler"), "required with code:");
            f.handler = *handler;
        }
        if (auto d = r.optional_string("description")) f.description = *d;
        f.timeout = std::chrono::milliseconds(1000 * r.optional_int("timeout", 1, 900).value_or(3));
        f.memory_mb = static_cast<unsigned>(r.optional_int("memory", 128, 10240).value_or(128));
        if (auto c = r.optional_int("reserved_concurrency", 1, 1000)) f.reserved_concurrency = static_cast<unsigned>(*c);
        f.isolation = r.optional_enum("isolation", {"process", "in-process"}).value_or("process") == "process" ? Isolation::process
                                                                                                              : Isolation::in_process;
        if (f.isolation == Isolation::in_process && !f.runtime.empty())
            r.fail(r.node("isolation"), r.child_path("isolation"), "in-process isolation is for native libraries only");
        f.environment = r.optional_string_map("environment").value_or(std::map<std::string, std::string>{});
        for (const auto& [k, v] : f.environment)
            if (!std::regex_match(k, env_key_pattern))
                r.fail(r.node("environment"), r.child_path("environment") + "." + k, "not a valid environment variable name");
        r.finish();
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace lowcloud::lambda
