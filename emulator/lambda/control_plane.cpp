// Lambda's control plane (REST JSON, /2015-03-31/functions/...): requests
// are validated as AWS validates them (its error types and messages, from
// the service model and recorded AWS responses), turned into a typed
// FunctionConfig, and applied to the registry synchronously. See
// service.hpp for the model and threading.
#include "common/encoding.hpp"
#include "common/ids.hpp"
#include "lambda/service.hpp"

#include <algorithm>
#include <fstream>
#include <random>
#include <regex>
#include <set>

namespace lowcloud::lambda {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

http::Response json_response(int status, const json& body) {
    http::Response r = http::Response::text(status, body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
    r.set_header("x-amzn-RequestId", random_uuid());
    return r;
}

http::Response no_content() {
    http::Response r;
    r.status = 204;
    r.set_header("x-amzn-RequestId", random_uuid());
    return r;
}

std::string validation_prefix(const std::string& value, const std::string& member) {
    return "1 validation error detected: Value '" + value + "' at '" + member + "' failed to satisfy constraint: ";
}

// Optional typed members of a request body; a wrong type is Lambda's
// SerializationException-like 400.
std::optional<std::string> opt_string(const json& body, const char* key) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) throw ApiError(400, "InvalidRequestContentException", std::string("Could not parse request body into json: ") + key + " must be a string");
    return it->get<std::string>();
}
std::optional<long long> opt_int(const json& body, const char* key) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer()) throw ApiError(400, "InvalidRequestContentException", std::string("Could not parse request body into json: ") + key + " must be an integer");
    return it->get<long long>();
}
bool opt_bool(const json& body, const char* key) {
    auto it = body.find(key);
    return it != body.end() && it->is_boolean() && it->get<bool>();
}

std::string runtime_list() {
    std::string out;
    for (const auto& r : supported_runtimes()) out += (out.empty() ? "" : ", ") + r;
    return out;
}

// Members shared by CreateFunction and UpdateFunctionConfiguration.
void apply_configuration(FunctionConfig& c, const json& body) {
    static const std::regex role_pattern(R"(arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+)");
    static const std::regex env_name(R"([a-zA-Z]([a-zA-Z0-9_])+)");
    if (auto role = opt_string(body, "Role")) {
        if (!std::regex_match(*role, role_pattern))
            throw ApiError::validation(validation_prefix(*role, "role") +
                                       "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
        c.role = *role;
    }
    if (auto runtime = opt_string(body, "Runtime")) {
        const auto& all = aws_runtimes();
        if (std::find(all.begin(), all.end(), *runtime) == all.end() || !runtime_kind(*runtime))
            throw ApiError::invalid("Value " + *runtime + " at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [" +
                                    runtime_list() + "] or be a valid ARN");
        c.runtime = *runtime;
    }
    if (auto handler = opt_string(body, "Handler")) {
        if (handler->empty() || handler->size() > 128 || std::any_of(handler->begin(), handler->end(), [](unsigned char ch) { return std::isspace(ch); }))
            throw ApiError::validation(validation_prefix(*handler, "handler") + "Member must satisfy regular expression pattern: [^\\s]+");
        c.handler = *handler;
    }
    if (auto d = opt_string(body, "Description")) {
        if (d->size() > 256) throw ApiError::validation(validation_prefix(*d, "description") + "Member must have length less than or equal to 256");
        c.description = *d;
    }
    if (auto t = opt_int(body, "Timeout")) {
        if (*t < 1) throw ApiError::validation(validation_prefix(std::to_string(*t), "timeout") + "Member must have value greater than or equal to 1");
        if (*t > 900) throw ApiError::validation(validation_prefix(std::to_string(*t), "timeout") + "Member must have value less than or equal to 900");
        c.timeout = std::chrono::seconds(*t);
    }
    if (auto m = opt_int(body, "MemorySize")) {
        if (*m < 128) throw ApiError::validation(validation_prefix(std::to_string(*m), "memorySize") + "Member must have value greater than or equal to 128");
        if (*m > 10240) throw ApiError::validation(validation_prefix(std::to_string(*m), "memorySize") + "Member must have value less than or equal to 10240");
        c.memory_mb = static_cast<unsigned>(*m);
    }
    if (auto e = body.find("Environment"); e != body.end() && e->is_object()) {
        std::map<std::string, std::string> vars;
        std::size_t bytes = 0;
        json given = e->value("Variables", json::object());
        for (const auto& [k, v] : given.items()) {
            if (!std::regex_match(k, env_name))
                throw ApiError::validation(validation_prefix(k, "environment.variables") + "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
            if (!v.is_string()) throw ApiError(400, "InvalidRequestContentException", "Could not parse request body into json: environment variable values must be strings");
            vars[k] = v.get<std::string>();
            bytes += k.size() + vars[k].size();
        }
        if (bytes > 4096)
            throw ApiError::invalid("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: " +
                                    json(vars).dump());
        c.environment = std::move(vars);
    }
}

void check_architectures(FunctionConfig& c, const json& body) {
    auto a = body.find("Architectures");
    if (a == body.end() || a->is_null()) return;
    if (!a->is_array() || a->size() != 1 || !(*a)[0].is_string() || ((*a)[0] != "x86_64" && (*a)[0] != "arm64"))
        throw ApiError::validation(validation_prefix(a->dump(), "architectures") + "Member must have length less than or equal to 1, Member must satisfy enum value set: [x86_64, arm64]");
    c.architecture = (*a)[0].get<std::string>();
}

// Code.ZipFile (base64), or AWS's refusal of what lowcloud cannot fetch.
std::string zip_bytes(const json& code, const char* where) {
    if (code.contains("S3Bucket") || code.contains("S3Key"))
        throw ApiError::invalid(std::string("lowcloud cannot read code from S3 (") + where +
                                "): upload the package directly with ZipFile (aws lambda ... --zip-file fileb://function.zip)");
    if (code.contains("ImageUri")) throw ApiError::invalid("lowcloud runs zip packages only: container images (ImageUri) are not supported; use ZipFile");
    auto zip = code.find("ZipFile");
    if (zip == code.end() || !zip->is_string() || zip->get<std::string>().empty()) throw ApiError::invalid("Please provide a source for function code.");
    auto decoded = base64_decode(zip->get<std::string>());
    if (!decoded) throw ApiError::invalid("Could not unzip uploaded file. Please check your file, then try to upload again.");
    return std::move(*decoded);
}

// A configuration as a list item: without the state members (as AWS lists).
json list_item(json c) {
    for (const char* k : {"State", "StateReason", "StateReasonCode", "LastUpdateStatus", "RuntimeVersionConfig"}) c.erase(k);
    return c;
}

// A fingerprint of what PublishVersion compares: code and configuration.
std::string fingerprint(const Function& f) {
    json c = f.configuration();
    for (const char* k : {"FunctionArn", "Version", "RevisionId", "LastModified", "State", "LastUpdateStatus"}) c.erase(k);
    return c.dump();
}

nlohmann::ordered_json policy_document(const nlohmann::ordered_json& statements) {
    nlohmann::ordered_json doc = nlohmann::ordered_json::object();
    doc["Version"] = "2012-10-17";
    doc["Id"] = "default";
    doc["Statement"] = statements;
    return doc;
}

}  // namespace

void Service::control_plane(std::string_view path, const http::Request& request, http::Respond& respond) {
    json body = json::object();
    if ((request.method == "POST" || request.method == "PUT") && !request.body.empty() && !starts_with(path.substr(path.rfind('/')), "/invocations")) {
        body = json::parse(request.body, nullptr, false);
        if (body.is_discarded() || !body.is_object())
            throw ApiError(400, "InvalidRequestContentException", "Could not parse request body into json: the body is not a JSON object");
    }
    if (path == "/2016-08-19/account-settings" || path == "/2016-08-19/account-settings/") return respond(account_settings());
    if (starts_with(path, "/2017-03-31/tags/")) return respond(tags_api(percent_decode(path.substr(17)), request, body));
    for (std::string_view prefix : {"/2017-10-31/functions/", "/2019-09-30/functions/"}) {
        if (starts_with(path, prefix) && path.ends_with("/concurrency")) {
            std::string_view name = path.substr(prefix.size(), path.size() - prefix.size() - 12);
            return respond(concurrency_api(parse_target(percent_decode(name), ""), request, body));
        }
    }
    constexpr std::string_view functions = "/2015-03-31/functions";
    if (!starts_with(path, functions)) throw ApiError(404, "UnknownOperationException", "Unknown operation " + request.method + " " + std::string(path));
    std::string_view rest = path.substr(functions.size());
    if (rest.empty() || rest == "/") {
        if (request.method == "POST") return respond(create_function(body));
        if (request.method == "GET") return respond(list_functions(request));
        throw ApiError(405, "MethodNotAllowed", request.method + " is not allowed on " + std::string(path));
    }
    rest.remove_prefix(1);
    auto slash = rest.find('/');
    std::string name_or_arn = percent_decode(rest.substr(0, slash));
    std::string_view action = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    Target t = parse_target(name_or_arn, query_parameter(request.query(), "Qualifier"));
    const std::string& m = request.method;

    if (action == "/invocations" && m == "POST") {
        std::shared_ptr<Function> f;
        std::string version;
        {
            std::shared_lock lock(mutex_);
            f = resolve_locked(t, &version);
        }
        return invoke_api(f, version, function_arn(t.name, t.qualifier), request, std::move(respond));
    }
    if ((action.empty() || action == "/") && m == "GET") return respond(get_function(t, false));
    if ((action.empty() || action == "/") && m == "DELETE") return respond(delete_function(t));
    if (action == "/configuration" && m == "GET") return respond(get_function(t, true));
    if (action == "/configuration" && m == "PUT") return respond(update_configuration(t, body));
    if (action == "/code" && m == "PUT") return respond(update_code(t, body));
    if (action == "/versions" && m == "POST") return respond(publish_version(t, body));
    if (action == "/versions" && m == "GET") return respond(list_versions(t, request));
    if (starts_with(action, "/aliases")) return respond(alias_api(t, action.substr(8), request, body));
    if (starts_with(action, "/policy")) return respond(policy_api(t, action.substr(7), request, body));
    throw ApiError(404, "UnknownOperationException", "Unknown operation " + m + " " + std::string(path));
}

http::Response Service::create_function(const json& body) {
    auto name = opt_string(body, "FunctionName");
    if (!name) throw ApiError::validation("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null");
    // CreateFunction answers a plain name over 64 characters as
    // InvalidParameterValueException (a bad pattern stays a ValidationException).
    if (name->size() > 64 && name->rfind("arn:", 0) != 0 && name->find(':') == std::string::npos)
        throw ApiError::invalid("1 validation error detected: Value '" + *name +
                                "' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64");
    Target t = parse_target(*name, "");
    if (!opt_string(body, "Role"))
        throw ApiError::validation("1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null");
    FunctionConfig c;
    c.name = t.name;
    c.handler.clear();
    apply_configuration(c, body);
    check_architectures(c, body);
    if (body.value("PackageType", "Zip") != "Zip") throw ApiError::invalid("lowcloud runs zip packages only: PackageType Image is not supported");
    if (c.runtime.empty() || c.handler.empty())
        throw ApiError::invalid("Runtime and Handler are mandatory parameters for functions created with deployment packages.");
    // Started here, not only by the Function (constructed once the package
    // is stored): the read then also overlaps decoding and storing the zip.
    runtimes_->prepare(c.runtime);
    auto code = body.find("Code");
    if (code == body.end() || !code->is_object()) throw ApiError::invalid("Please provide a source for function code.");
    std::string zip = zip_bytes(*code, "Code.S3Bucket");
    {
        std::shared_lock lock(mutex_);
        if (functions_.count(c.name)) throw ApiError::conflict("Function already exist: " + c.name);
    }
    try {
        c.package = code_->add_zip(zip);
    } catch (const CodeError& e) {
        throw ApiError::invalid(e.what());
    }
    auto f = make_function(c);
    std::map<std::string, std::string> tags;
    if (auto tg = body.find("Tags"); tg != body.end() && tg->is_object())
        for (const auto& [k, v] : tg->items()) tags[k] = v.is_string() ? v.get<std::string>() : v.dump();
    std::unique_lock lock(mutex_);
    if (functions_.count(c.name)) throw ApiError::conflict("Function already exist: " + c.name);
    Record& r = functions_[c.name];
    r.latest = f;
    r.tags = std::move(tags);
    json out = f->configuration();
    if (opt_bool(body, "Publish")) {
        FunctionConfig v = c;
        v.version = std::to_string(r.next_version);
        auto version = std::make_shared<Function>(v, host_, logger_, next_pool_++);
        pools_[version->pool()] = version;
        r.versions[r.next_version++] = version;
        r.published_fingerprint = fingerprint(*f);
        out = version->configuration();
    }
    save_locked();
    logger_.info("lambda function " + c.name + " created (" + c.runtime + ", " + std::to_string(c.package->zip_size) + " bytes, handler " + c.handler + ")");
    return json_response(201, out);
}

http::Response Service::update_code(const Target& t, const json& body) {
    std::shared_ptr<Function> f;
    {
        std::unique_lock lock(mutex_);
        Record& r = record_locked(t);
        if (r.updating)
            throw ApiError::conflict("The operation cannot be performed at this time. An update is in progress for resource: " + function_arn(t.name));
        if (auto rev = opt_string(body, "RevisionId"); rev && *rev != r.latest->revision_id()) throw ApiError::precondition();
        r.updating = true;
        f = r.latest;
    }
    auto done = [&] {
        std::unique_lock lock(mutex_);
        if (auto it = functions_.find(t.name); it != functions_.end()) it->second.updating = false;
    };
    CodePackage package;
    FunctionConfig c;
    try {
        std::string zip = zip_bytes(body, "S3Bucket");
        c = f->config();
        check_architectures(c, body);
        package = code_->add_zip(zip);
    } catch (const CodeError& e) {
        done();
        throw ApiError::invalid(e.what());
    } catch (...) {
        done();
        throw;
    }
    if (opt_bool(body, "DryRun")) {
        done();
        json out = f->configuration();
        out["CodeSha256"] = package.sha256;
        out["CodeSize"] = package.zip_size;
        return json_response(200, out);
    }
    if (c.runtime.empty()) c.runtime = "provided.al2023";  // a native library function now runs its package's bootstrap
    c.package = package;
    c.library.clear();
    c.isolation = Isolation::process;
    f->update(c);
    done();
    logger_.info("lambda function " + t.name + " code updated (" + std::to_string(package.zip_size) + " bytes)");
    if (opt_bool(body, "Publish")) return publish_version(Target{t.name, ""}, json::object());
    std::unique_lock lock(mutex_);
    save_locked();
    return json_response(200, f->configuration());
}

http::Response Service::update_configuration(const Target& t, const json& body) {
    std::unique_lock lock(mutex_);
    Record& r = record_locked(t);
    if (r.updating)
        throw ApiError::conflict("The operation cannot be performed at this time. An update is in progress for resource: " + function_arn(t.name));
    if (auto rev = opt_string(body, "RevisionId"); rev && *rev != r.latest->revision_id()) throw ApiError::precondition();
    FunctionConfig c = r.latest->config();
    std::string old_runtime = c.runtime;
    apply_configuration(c, body);
    if (!old_runtime.empty() || body.contains("Runtime")) {
        if (!c.package && !c.runtime.empty() && old_runtime.empty())
            throw ApiError::invalid("lowcloud: " + t.name + " is a native library from lowcloud.yaml; update its code with a zip before changing its runtime");
    }
    r.latest->update(c);
    save_locked();
    return json_response(200, r.latest->configuration());
}

http::Response Service::get_function(const Target& t, bool configuration_only) {
    std::shared_ptr<Function> f;
    json tags;
    std::optional<unsigned> reserved;
    {
        std::shared_lock lock(mutex_);
        Record& r = record_locked(t);
        if (!t.qualifier.empty() && t.qualifier != "$LATEST" && !r.aliases.count(t.qualifier)) {
            auto it = std::find_if(r.versions.begin(), r.versions.end(), [&](auto& v) { return std::to_string(v.first) == t.qualifier; });
            if (it == r.versions.end()) throw ApiError::not_found("Function not found: " + function_arn(t.name, t.qualifier));
        }
        f = resolve_locked(Target{t.name, t.qualifier.empty() || r.aliases.count(t.qualifier) == 0 ? t.qualifier : r.aliases[t.qualifier].version});
        tags = r.tags;
        reserved = r.reserved_concurrency;
    }
    json c = f->configuration();
    if (!t.qualifier.empty()) c["FunctionArn"] = function_arn(t.name, t.qualifier);
    if (configuration_only) return json_response(200, c);
    json out = {{"Configuration", c}};
    FunctionConfig config = f->config();
    std::string id;
    if (config.package) {
        id = config.package->id;
    } else {
        id = library_package(*f, config).id;
    }
    out["Code"] = {{"RepositoryType", "S3"}, {"Location", host_.endpoint_url + "/_lowcloud/lambda/code/" + id + ".zip"}};
    if (!tags.empty()) out["Tags"] = tags;
    if (reserved) out["Concurrency"] = {{"ReservedConcurrentExecutions", *reserved}};
    return json_response(200, out);
}

// A native library as a package (Code.Location, published versions): zipped
// and stored once per code version, not on every call.
CodePackage Service::library_package(const Function& f, const FunctionConfig& config) {
    std::string key = f.code_sha256();
    {
        std::lock_guard lock(library_packages_mutex_);
        auto it = library_packages_.find(key);
        if (it != library_packages_.end()) return it->second;
    }
    CodePackage p = code_->add_zip(make_zip({ZipEntry{config.library.filename().string(), f.code_path(), 0755}}));
    std::lock_guard lock(library_packages_mutex_);
    library_packages_[key] = p;
    return p;
}

http::Response Service::delete_function(const Target& t) {
    std::shared_ptr<Function> doomed;
    std::vector<std::shared_ptr<Function>> versions;
    {
        std::unique_lock lock(mutex_);
        Record& r = record_locked(t);
        if (t.qualifier == "$LATEST") throw ApiError::invalid("$LATEST version cannot be deleted without deleting the function.");
        if (!t.qualifier.empty()) {
            char* end = nullptr;
            unsigned long n = std::strtoul(t.qualifier.c_str(), &end, 10);
            auto it = *end ? r.versions.end() : r.versions.find(static_cast<unsigned>(n));
            if (it == r.versions.end()) throw ApiError::not_found("Function not found: " + function_arn(t.name, t.qualifier));
            std::string users;
            for (const auto& [a, alias] : r.aliases)
                if (alias.version == t.qualifier) users += (users.empty() ? "" : ", ") + a;
            if (!users.empty())
                throw ApiError::conflict("Unable to delete version because the following aliases reference it: [" + users + "]");
            doomed = it->second;
            pools_.erase(doomed->pool());
            r.versions.erase(it);
            r.policies.erase(t.qualifier);
        } else {
            doomed = r.latest;
            pools_.erase(doomed->pool());
            for (auto& [n, v] : r.versions) {
                pools_.erase(v->pool());
                versions.push_back(v);
            }
            functions_.erase(t.name);
            logger_.info("lambda function " + t.name + " deleted");
        }
        save_locked();
    }
    doomed->drain();
    for (auto& v : versions) v->drain();
    return no_content();
}

http::Response Service::list_functions(const http::Request& request) {
    std::string version = query_parameter(request.query(), "FunctionVersion");
    if (!version.empty() && version != "ALL")
        throw ApiError::validation(validation_prefix(version, "functionVersion") + "Member must satisfy enum value set: [ALL]");
    std::string marker = query_parameter(request.query(), "Marker");
    std::string max = query_parameter(request.query(), "MaxItems");
    long limit = 50;
    if (!max.empty()) {
        char* end = nullptr;
        limit = std::strtol(max.c_str(), &end, 10);
        if (*end || limit < 1 || limit > 10000)
            throw ApiError::validation(validation_prefix(max, "maxItems") + "Member must have value " +
                                       (limit < 1 ? "greater than or equal to 1" : "less than or equal to 10000"));
        limit = std::min(limit, 50L);
    }
    // Every entry in order, each with a stable key the marker names.
    std::vector<std::pair<std::string, json>> all;
    {
        std::shared_lock lock(mutex_);
        for (const auto& [name, r] : functions_) {
            json c = list_item(r.latest->configuration());
            if (version == "ALL") c["FunctionArn"] = function_arn(name, "$LATEST");
            all.emplace_back(name + ":0", c);
            if (version == "ALL")
                for (const auto& [n, v] : r.versions) {
                    char key[16];
                    std::snprintf(key, sizeof key, "%010u", n);
                    all.emplace_back(name + ":" + key, list_item(v->configuration()));
                }
        }
    }
    std::string start = marker.empty() ? "" : base64_decode(marker).value_or("");
    json items = json::array();
    json out = json::object();
    for (const auto& [key, c] : all) {
        if (!start.empty() && key < start) continue;
        if (static_cast<long>(items.size()) == limit) {
            out["NextMarker"] = base64_encode(key);
            break;
        }
        items.push_back(c);
    }
    out["Functions"] = items;
    return json_response(200, out);
}

http::Response Service::publish_version(const Target& t, const json& body) {
    std::unique_lock lock(mutex_);
    Record& r = record_locked(t);
    if (auto rev = opt_string(body, "RevisionId"); rev && *rev != r.latest->revision_id()) throw ApiError::precondition();
    if (auto sha = opt_string(body, "CodeSha256"); sha && *sha != r.latest->code_sha256())
        throw ApiError::invalid("CodeSHA256 (" + *sha + ") is different from current CodeSHA256 in $LATEST (" + r.latest->code_sha256() +
                                "). Please try again with the CodeSHA256 in $LATEST.");
    // Nothing changed since the last version: AWS returns that version.
    std::string current = fingerprint(*r.latest);
    if (!r.versions.empty() && current == r.published_fingerprint) return json_response(201, r.versions.rbegin()->second->configuration());
    FunctionConfig c = r.latest->config();
    c.version = std::to_string(r.next_version);
    if (auto d = opt_string(body, "Description")) c.description = *d;
    if (!c.package) {
        // A native library: the version keeps an immutable copy.
        if (r.latest->code_path().empty())
            throw ApiError::conflict("The operation cannot be performed at this time. The function's code has not been loaded yet; invoke it once first.");
        c.library = library_package(*r.latest, c).dir / c.library.filename();
    }
    auto v = std::make_shared<Function>(c, host_, logger_, next_pool_++);
    pools_[v->pool()] = v;
    r.versions[r.next_version++] = v;
    r.published_fingerprint = current;
    save_locked();
    return json_response(201, v->configuration());
}

http::Response Service::list_versions(const Target& t, const http::Request& request) {
    std::shared_lock lock(mutex_);
    Record& r = record_locked(t);
    json items = json::array();
    json latest = list_item(r.latest->configuration());
    latest["FunctionArn"] = function_arn(t.name, "$LATEST");
    items.push_back(latest);
    for (const auto& [n, v] : r.versions) items.push_back(list_item(v->configuration()));
    std::string marker = query_parameter(request.query(), "Marker");
    std::size_t from = marker.empty() ? 0 : std::strtoul(base64_decode(marker).value_or("0").c_str(), nullptr, 10);
    std::string max = query_parameter(request.query(), "MaxItems");
    std::size_t limit = max.empty() ? 50 : std::min<std::size_t>(50, std::max(1ul, std::strtoul(max.c_str(), nullptr, 10)));
    json page = json::array(), out = json::object();
    for (std::size_t i = from; i < items.size() && page.size() < limit; ++i) page.push_back(items[i]);
    if (from + page.size() < items.size()) out["NextMarker"] = base64_encode(std::to_string(from + page.size()));
    out["Versions"] = page;
    return json_response(200, out);
}

http::Response Service::alias_api(const Target& t, std::string_view rest, const http::Request& request, const json& body) {
    static const std::regex alias_pattern(R"((?!^[0-9]+$)([a-zA-Z0-9\-_]+))");
    std::unique_lock lock(mutex_);
    Record& r = record_locked(Target{t.name, ""});
    auto alias_json = [&](const std::string& name, const Alias& a) {
        json j = {{"AliasArn", function_arn(t.name, name)}, {"Name", name}, {"FunctionVersion", a.version}, {"Description", a.description},
                  {"RevisionId", a.revision_id}};
        if (!a.weights.empty()) j["RoutingConfig"] = {{"AdditionalVersionWeights", a.weights}};
        return j;
    };
    auto check_version = [&](const std::string& v) {
        if (v == "$LATEST") return;
        bool ok = !v.empty() && std::all_of(v.begin(), v.end(), ::isdigit) && r.versions.count(static_cast<unsigned>(std::stoul(v)));
        if (!ok) throw ApiError::not_found("Function not found: " + function_arn(t.name, v));
    };
    auto read_routing = [&](Alias& a) {
        auto rc = body.find("RoutingConfig");
        if (rc == body.end() || !rc->is_object()) return;
        a.weights.clear();
        auto w = rc->value("AdditionalVersionWeights", json::object());
        if (w.size() > 1) throw ApiError::invalid("Number of items in AdditionalVersionWeights cannot be greater than 1");
        for (const auto& [v, weight] : w.items()) {
            if (!weight.is_number() || weight.get<double>() < 0 || weight.get<double>() > 1)
                throw ApiError::validation(validation_prefix("{" + v + "=" + weight.dump() + "}", "routingConfig.additionalVersionWeights") +
                                           "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]");
            if (v == a.version) throw ApiError::invalid("Invalid function version " + v + ". Function version " + v + " is already included in routing configuration.");
            if (a.version == "$LATEST") throw ApiError::invalid("$LATEST is not supported for an alias pointing to more than 1 version");
            check_version(v);
            a.weights[v] = weight.get<double>();
        }
    };
    const std::string& m = request.method;
    if (rest.empty() || rest == "/") {
        if (m == "POST") {
            std::string name = opt_string(body, "Name").value_or("");
            if (!std::regex_match(name, alias_pattern) || name.size() > 128)
                throw ApiError::validation(validation_prefix(name, "name") + "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
            if (r.aliases.count(name)) throw ApiError::conflict("Alias already exists: " + function_arn(t.name, name));
            Alias a;
            a.version = opt_string(body, "FunctionVersion").value_or("");
            check_version(a.version);
            a.description = opt_string(body, "Description").value_or("");
            a.revision_id = random_uuid();
            read_routing(a);
            r.aliases[name] = a;
            save_locked();
            return json_response(201, alias_json(name, a));
        }
        if (m == "GET") {
            std::string filter = query_parameter(request.query(), "FunctionVersion");
            json items = json::array();
            for (const auto& [name, a] : r.aliases)
                if (filter.empty() || a.version == filter) items.push_back(alias_json(name, a));
            return json_response(200, {{"Aliases", items}});
        }
    } else {
        std::string name = percent_decode(rest.substr(1));
        auto it = r.aliases.find(name);
        if (m == "DELETE") {
            if (it != r.aliases.end()) {
                r.aliases.erase(it);
                r.policies.erase(name);
                save_locked();
            }
            return no_content();
        }
        if (it == r.aliases.end()) throw ApiError::not_found("Cannot find alias arn: " + function_arn(t.name, name));
        if (m == "GET") return json_response(200, alias_json(name, it->second));
        if (m == "PUT") {
            Alias a = it->second;
            if (auto rev = opt_string(body, "RevisionId"); rev && *rev != a.revision_id) throw ApiError::precondition();
            if (auto v = opt_string(body, "FunctionVersion")) {
                check_version(*v);
                a.version = *v;
            }
            if (auto d = opt_string(body, "Description")) a.description = *d;
            read_routing(a);
            a.revision_id = random_uuid();
            it->second = a;
            save_locked();
            return json_response(200, alias_json(name, a));
        }
    }
    throw ApiError(405, "MethodNotAllowed", m + " is not allowed on aliases");
}

http::Response Service::policy_api(const Target& t, std::string_view rest, const http::Request& request, const json& body) {
    static const std::regex sid_pattern(R"([a-zA-Z0-9\-_]{1,100})");
    std::unique_lock lock(mutex_);
    auto fit = functions_.find(t.name);
    if (fit == functions_.end()) {
        if (request.method == "DELETE") throw ApiError::not_found("No policy found for: " + function_arn(t.name, t.qualifier));
        throw ApiError::not_found("Function not found: " + function_arn(t.name, t.qualifier));
    }
    Record& r = fit->second;
    const std::string& q = t.qualifier;
    if (!q.empty() && q != "$LATEST" && !r.aliases.count(q)) {
        bool version = std::all_of(q.begin(), q.end(), ::isdigit) && r.versions.count(static_cast<unsigned>(std::stoul(q)));
        if (!version) {
            if (std::all_of(q.begin(), q.end(), ::isdigit)) throw ApiError::not_found("Function not found: " + function_arn(t.name, q));
            throw ApiError::not_found("Cannot find alias arn: " + function_arn(t.name, q));
        }
    }
    using ojson = nlohmann::ordered_json;
    ojson& statements = r.policies[q];
    if (statements.is_null()) statements = ojson::array();
    if (request.method == "POST" && (rest.empty() || rest == "/")) {
        if (q == "$LATEST") throw ApiError::invalid("We currently do not support adding policies for $LATEST.");
        if (auto rev = opt_string(body, "RevisionId"); rev && *rev != r.latest->revision_id()) throw ApiError::precondition();
        std::string sid = opt_string(body, "StatementId").value_or("");
        if (!std::regex_match(sid, sid_pattern))
            throw ApiError::validation(validation_prefix(sid, "statementId") + "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)");
        std::string action = opt_string(body, "Action").value_or("");
        static const std::regex action_pattern(R"((lambda:[*]|lambda:[a-zA-Z]+|[*]))");
        if (!std::regex_match(action, action_pattern))
            throw ApiError::validation(validation_prefix(action, "action") + "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])");
        std::string principal = opt_string(body, "Principal").value_or("");
        ojson p;
        static const std::regex account(R"(\d{12})"), iam_arn(R"(arn:aws[a-zA-Z-]*:iam::\d{12}:.+)");
        if (principal == "*") p = "*";
        else if (principal.ends_with(".amazonaws.com")) p = ojson{{"Service", principal}};
        else if (std::regex_match(principal, account)) p = ojson{{"AWS", "arn:aws:iam::" + principal + ":root"}};
        else if (std::regex_match(principal, iam_arn)) p = ojson{{"AWS", principal}};
        else throw ApiError::invalid("The provided principal was invalid. Please check the principal and try again.");
        for (const auto& s : statements)
            if (s.value("Sid", "") == sid)
                throw ApiError::conflict("The statement id (" + sid + ") provided already exists. Please provide a new statement id, or remove the existing statement.");
        ojson statement = ojson::object();
        statement["Sid"] = sid;
        statement["Effect"] = "Allow";
        statement["Principal"] = p;
        statement["Action"] = action;
        statement["Resource"] = function_arn(t.name, q);
        ojson condition = ojson::object();
        ojson equals = ojson::object();
        if (auto v = opt_string(body, "FunctionUrlAuthType")) equals["lambda:FunctionUrlAuthType"] = *v;
        if (auto v = opt_string(body, "PrincipalOrgID")) equals["aws:PrincipalOrgID"] = *v;
        if (auto v = opt_string(body, "SourceAccount")) equals["AWS:SourceAccount"] = *v;
        if (auto v = opt_string(body, "EventSourceToken")) equals["lambda:EventSourceToken"] = *v;
        if (!equals.empty()) condition["StringEquals"] = equals;
        if (auto v = opt_string(body, "SourceArn")) condition["ArnLike"] = ojson{{"AWS:SourceArn", *v}};
        if (!condition.empty()) statement["Condition"] = condition;
        statements.push_back(statement);
        save_locked();
        return json_response(201, {{"Statement", statement.dump()}});
    }
    if (request.method == "GET" && (rest.empty() || rest == "/")) {
        if (statements.empty()) throw ApiError::not_found("The resource you requested does not exist.");
        return json_response(200, {{"Policy", policy_document(statements).dump()}, {"RevisionId", r.latest->revision_id()}});
    }
    if (request.method == "DELETE" && rest.size() > 1) {
        std::string sid = percent_decode(rest.substr(1));
        if (statements.empty()) throw ApiError::not_found("No policy is associated with the given resource.");
        if (auto rev = query_parameter(request.query(), "RevisionId"); !rev.empty() && rev != r.latest->revision_id()) throw ApiError::precondition();
        auto it = std::find_if(statements.begin(), statements.end(), [&](const ojson& s) { return s.value("Sid", "") == sid; });
        if (it == statements.end()) throw ApiError::not_found("Statement " + sid + " is not found in resource policy.");
        statements.erase(it);
        save_locked();
        return no_content();
    }
    throw ApiError(405, "MethodNotAllowed", request.method + " is not allowed on policies");
}

http::Response Service::tags_api(const std::string& arn, const http::Request& request, const json& body) {
    static const std::regex taggable(R"(arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:function:[a-zA-Z0-9\-_\.]+(:[a-zA-Z0-9$\-_]+)?)");
    if (!std::regex_match(arn, taggable))
        throw ApiError::validation(validation_prefix(arn, "resource") + "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
    Target t = parse_target(arn, "");
    std::unique_lock lock(mutex_);
    Record& r = record_locked(Target{t.name, ""});
    if (!t.qualifier.empty()) throw ApiError::invalid("Tags on function aliases and versions are not supported. Please specify a function ARN.");
    if (request.method == "GET") return json_response(200, {{"Tags", r.tags}});
    if (request.method == "POST") {
        auto tags = body.find("Tags");
        if (tags == body.end() || !tags->is_object() || tags->empty()) throw ApiError::invalid("An error occurred and the request cannot be processed.");
        auto next = r.tags;
        for (const auto& [k, v] : tags->items()) next[k] = v.is_string() ? v.get<std::string>() : v.dump();
        if (next.size() > 50) throw ApiError::invalid("Number of tags exceeds resource tag limit.");
        r.tags = std::move(next);
        save_locked();
        return no_content();
    }
    if (request.method == "DELETE") {
        std::vector<std::string> keys;
        std::string_view q = request.query();
        while (!q.empty()) {
            auto amp = q.find('&');
            std::string_view pair = q.substr(0, amp);
            if (starts_with(pair, "tagKeys=")) keys.push_back(percent_decode(pair.substr(8)));
            if (amp == std::string_view::npos) break;
            q.remove_prefix(amp + 1);
        }
        if (keys.empty()) throw ApiError::validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
        for (const auto& k : keys) r.tags.erase(k);
        save_locked();
        return no_content();
    }
    throw ApiError(405, "MethodNotAllowed", request.method + " is not allowed on tags");
}

http::Response Service::account_settings() const {
    std::shared_lock lock(mutex_);
    std::uint64_t total = 0, count = 0;
    for (const auto& [name, r] : functions_) {
        ++count;
        total += r.latest->code_size();
        for (const auto& [n, v] : r.versions) total += v->code_size();
    }
    return json_response(200, {{"AccountLimit",
                                {{"TotalCodeSize", 80530636800ull},
                                 {"CodeSizeUnzipped", kMaxUnpackedBytes},
                                 {"CodeSizeZipped", kMaxZipBytes},
                                 {"ConcurrentExecutions", 1000},
                                 {"UnreservedConcurrentExecutions", 1000}}},
                               {"AccountUsage", {{"TotalCodeSize", total}, {"FunctionCount", count}}}});
}

http::Response Service::concurrency_api(const Target& t, const http::Request& request, const json& body) {
    std::unique_lock lock(mutex_);
    Record& r = record_locked(Target{t.name, ""});
    if (request.method == "GET")
        return json_response(200, r.reserved_concurrency ? json{{"ReservedConcurrentExecutions", *r.reserved_concurrency}} : json::object());
    FunctionConfig c = r.latest->config();
    if (request.method == "PUT") {
        auto n = opt_int(body, "ReservedConcurrentExecutions");
        if (!n || *n < 0 || *n > 1000)
            throw ApiError::validation(validation_prefix(n ? std::to_string(*n) : "null", "reservedConcurrentExecutions") + "Member must have value greater than or equal to 0");
        if (*n == 0) throw ApiError::invalid("lowcloud: a reserved concurrency of 0 (throttle every call) is not supported");
        r.reserved_concurrency = static_cast<unsigned>(*n);
        c.reserved_concurrency = r.reserved_concurrency;
        r.latest->update(c);
        save_locked();
        return json_response(200, {{"ReservedConcurrentExecutions", *n}});
    }
    if (request.method == "DELETE") {
        r.reserved_concurrency.reset();
        c.reserved_concurrency.reset();
        r.latest->update(c);
        save_locked();
        return no_content();
    }
    throw ApiError(405, "MethodNotAllowed", request.method + " is not allowed on concurrency");
}

}  // namespace lowcloud::lambda
