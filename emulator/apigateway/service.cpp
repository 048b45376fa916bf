// The API Gateway service: the APIs it serves (manifest and control plane)
// and the first step of every request, locating its API and stage by host
// and path; the rest of the pipeline is in pipeline.cpp (see service.hpp).
#include "apigateway/service.hpp"

#include "apigateway/builtin_responses.hpp"
#include "apigateway/pipeline.hpp"
#include "common/encoding.hpp"
#include "common/ids.hpp"

#include <algorithm>
#include <functional>

namespace lowcloud::apigateway {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

Service::Service(Logger& logger, lambda::Invoker& invoker, ControlPlaneOptions control)
    : logger_(logger), invoker_(invoker), control_options_(control) {
    control_ = std::make_unique<ControlPlane>(std::move(control), logger_,
                                              [this](const std::string& id, const std::string& stage, std::shared_ptr<const Api> api) {
                                                  publish(id, stage, std::move(api));
                                              },
                                              [this](const std::string& domain, std::vector<ControlPlane::Mapping> mappings) {
                                                  std::lock_guard lock(deployed_mutex_);
                                                  if (mappings.empty()) domains_.erase(domain);
                                                  else domains_[domain] = std::move(mappings);
                                              });
}

Service::~Service() { shutdown(); }

void Service::shutdown() {
    // No timeout answers from here on; HTTP backends in flight are
    // abandoned, and calls still waiting let go of their responders (held by
    // their pending timeouts) while the server they belong to still exists.
    auto waiting = deadlines_.stop();
    backend_.stop();
    waiting.clear();
}

void Service::configure(const ConfigSection& section) {
    // load_apis validates the manifest and its specs (errors name file and
    // line); the control plane then applies each API as a script would.
    auto apis = load_apis(section, [this](const std::string& f) { return invoker_.has_function(f); }, logger_);
    // What scripts created comes back first: applying the manifest saves the
    // data dir, which must not lose it.
    control_->restore();
    for (const auto& api : apis) control_->apply_manifest(api);
}

void Service::publish(const std::string& id, const std::string& stage, std::shared_ptr<const Api> api) {
    std::shared_ptr<Deployed> d;
    if (api) {
        d = std::make_shared<Deployed>();
        d->api = *api;
        d->router = std::make_unique<Router>(d->api);
        d->meter = std::make_unique<UsageMeter>(d->api.usage_plans);
    }
    std::string base;
    {
        std::lock_guard lock(deployed_mutex_);
        if (d) deployed_[{id, stage}] = d;
        else deployed_.erase({id, stage});
        std::erase_if(base_paths_, [&](const auto& kv) { return kv.second == std::make_pair(id, stage); });
        if (d)
            for (const auto& b : d->api.base_paths) base_paths_[b] = {id, stage};
        base = base_url_;
    }
    if (d && !base.empty()) log_api_routes(d->api);
}

std::shared_ptr<const Service::Deployed> Service::deployed_stage(const std::string& id, const std::string& stage, bool* known) const {
    std::lock_guard lock(deployed_mutex_);
    if (known) {
        auto it = deployed_.lower_bound({id, ""});
        *known = it != deployed_.end() && it->first.first == id;
    }
    auto it = deployed_.find({id, stage});
    return it == deployed_.end() ? nullptr : it->second;
}

bool Service::serves_host(std::string_view host) const {
    auto colon = host.rfind(':');
    if (colon != std::string_view::npos && host.find(']') == std::string_view::npos) host = host.substr(0, colon);
    std::lock_guard lock(deployed_mutex_);
    return domains_.count(std::string(host)) > 0;
}

bool Service::serves_base_path(std::string_view path) const {
    std::lock_guard lock(deployed_mutex_);
    for (const auto& [b, target] : base_paths_)
        if (path == b || starts_with(path, b + "/")) return true;
    return false;
}

http::Response Service::gateway_response(int status, const std::string& error_type, const std::string& message) {
    return apigateway::gateway_response(status, error_type, message, random_uuid());
}

void Service::log_routes(const std::string& base_url) const {
    std::vector<std::shared_ptr<const Deployed>> deployed;
    {
        std::lock_guard lock(deployed_mutex_);
        base_url_ = base_url;
        for (const auto& [key, d] : deployed_) deployed.push_back(d);
    }
    for (const auto& d : deployed) log_api_routes(d->api);
}

void Service::log_api_routes(const Api& a) const {
    std::string base_url;
    {
        std::lock_guard lock(deployed_mutex_);
        base_url = base_url_;
    }
    std::string host = base_url.substr(base_url.find("://") + 3);
    logger_.info("api " + a.name + " (" + (a.type == ApiType::rest ? "REST" : "HTTP") + " API, id " + a.id + ")");
    for (const auto& op : a.operations) {
        std::string target = !op.unsupported.empty()                                  ? "(not served: " + op.unsupported + ")"
                             : op.integration.kind == IntegrationKind::aws_proxy    ? "-> lambda " + op.function
                             : op.integration.kind == IntegrationKind::aws          ? "-> lambda " + op.function + " (mapping templates)"
                             : op.integration.kind == IntegrationKind::mock         ? "-> mock"
                             : op.integration.kind == IntegrationKind::http_proxy   ? "-> " + op.integration.http_method + " " + op.integration.uri
                                                                                    : "-> " + op.integration.http_method + " " + op.integration.uri + " (mapping templates)";
        for (const auto& b : a.base_paths) logger_.info("  " + op.method + " " + base_url + b + op.path + " " + target);
        for (const auto& [stage, vars] : a.stages) {
            std::string st = stage == "$default" ? "" : "/" + stage;
            logger_.info("  " + op.method + " " + base_url + "/restapis/" + a.id + "/" + stage + "/_user_request_" + op.path + " " + target);
            logger_.info("  " + op.method + " http://" + a.id + ".execute-api." + (starts_with(host, "127.0.0.1") ? "localhost" + host.substr(9) : host) + st +
                         op.path + " " + target);
        }
    }
}

void Service::handle(http::Request request, http::Respond respond) {
    std::string path(request.path());
    if (ControlPlane::owns(path)) return respond(control_->handle(request));
    std::string host(request.header("Host"));
    std::string host_name = host.substr(0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
    constexpr std::string_view suffix = ".execute-api.localhost";

    // A custom domain name: the longest mapped base path wins and is removed.
    std::vector<ControlPlane::Mapping> mappings;
    {
        std::lock_guard lock(deployed_mutex_);
        auto it = domains_.find(host_name);
        if (it != domains_.end()) mappings = it->second;
    }
    if (!mappings.empty()) {
        const ControlPlane::Mapping* best = nullptr;
        for (const auto& mp : mappings) {
            std::string prefix = "/" + mp.base_path;
            bool match = mp.base_path.empty() || path == prefix || starts_with(path, prefix + "/");
            if (match && (!best || mp.base_path.size() > best->base_path.size())) best = &mp;
        }
        if (!best) return respond(gateway_response(403, "ForbiddenException", "Forbidden"));
        std::string api_path = best->base_path.empty() ? path : path.substr(best->base_path.size() + 1);
        if (api_path.empty()) api_path = "/";
        auto staged = deployed_stage(best->api_id, best->stage);
        if (!staged) return respond(gateway_response(403, "ForbiddenException", "Forbidden"));
        return serve(*staged, best->stage, api_path, path, std::move(request), std::move(respond), "", staged);
    }
    // Host {apiId}.execute-api.localhost: /{stage}/{path}, or an HTTP API's $default stage at the root.
    if (host_name.size() > suffix.size() && host_name.substr(host_name.size() - suffix.size()) == suffix) {
        std::string id = host_name.substr(0, host_name.size() - suffix.size());
        auto slash = path.find('/', 1);
        std::string stage = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
        std::string rest = slash == std::string::npos ? "/" : path.substr(slash);
        bool known = false;
        auto staged = stage == "$default" ? nullptr : deployed_stage(id, stage, &known);
        if (!staged) {
            if (auto root = deployed_stage(id, "$default"))
                return serve(*root, "$default", path, path, std::move(request), std::move(respond), path, root);
            known = known || control_->has_api(id);
            return respond(known ? gateway_response(403, "ForbiddenException", "Forbidden") : gateway_response(404, "NotFoundException", "Not Found"));
        }
        return serve(*staged, stage, rest, "/" + stage + rest, std::move(request), std::move(respond), "/" + stage + rest, staged);
    }
    // /restapis/{apiId}/{stage}/_user_request_/{path}
    if (starts_with(path, "/restapis/")) {
        std::string_view rest = std::string_view(path).substr(10);
        auto s1 = rest.find('/');
        std::string id(rest.substr(0, s1));
        if (s1 == std::string_view::npos) return respond(gateway_response(404, "NotFoundException", "Not Found"));
        rest.remove_prefix(s1 + 1);
        auto s2 = rest.find('/');
        std::string stage(rest.substr(0, s2));
        rest.remove_prefix(s2 == std::string_view::npos ? rest.size() : s2);
        if (!starts_with(rest, "/_user_request_")) return respond(gateway_response(404, "NotFoundException", "Not Found"));
        std::string api_path(rest.substr(15));
        if (api_path.empty()) api_path = "/";
        bool known = false;
        auto staged = deployed_stage(id, stage, &known);
        known = known || control_->has_api(id);
        if (!staged) return respond(known ? gateway_response(403, "ForbiddenException", "Forbidden") : gateway_response(404, "NotFoundException", "Not Found"));
        return serve(*staged, stage, api_path, (stage == "$default" ? "" : "/" + stage) + api_path, std::move(request), std::move(respond), "", staged);
    }
    // Base paths at the root (lowcloud.yaml's): the longest matching one wins.
    std::shared_ptr<const Deployed> best;
    std::string best_base, best_stage;
    {
        std::lock_guard lock(deployed_mutex_);
        for (const auto& [b, target] : base_paths_)
            if ((path == b || starts_with(path, b + "/")) && b.size() > best_base.size()) {
                auto it = deployed_.find(target);
                if (it == deployed_.end()) continue;
                best = it->second;
                best_base = b;
                best_stage = target.second;
            }
    }
    if (!best) return respond(gateway_response(404, "NotFoundException", "Not Found"));
    std::string api_path = path.substr(best_base.size());
    if (api_path.empty()) api_path = "/";
    serve(*best, best_stage, api_path, path, std::move(request), std::move(respond), "", best);
}

json Service::health() const {
    json apis = json::object();
    {
        std::lock_guard lock(deployed_mutex_);
        for (const auto& [key, d] : deployed_)
            if (d->api.from_manifest)
                apis[d->api.name] = {{"id", d->api.id}, {"type", d->api.type == ApiType::rest ? "rest" : "http"}, {"operations", d->api.operations.size()}};
    }
    return {{"status", "running"}, {"apis", apis}, {"rest_apis", control_->health()}};
}

}  // namespace lowcloud::apigateway
