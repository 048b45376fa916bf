// lowcloud.yaml's APIs applied through the control plane's own operations
// (see ControlPlane::apply_manifest): one model and one serving path for
// APIs from the manifest and from deployment scripts.
#include "apigateway/control_plane.hpp"

#include "apigateway/control_plane_common.hpp"
#include "common/config.hpp"

#include <algorithm>

namespace lowcloud::apigateway {

using nlohmann::json;
using namespace control;

namespace {

std::string lambda_uri(const std::string& function, const std::string& region, const std::string& account) {
    std::string name = function, qualifier;
    // NAME or NAME:QUALIFIER (either may be ${stageVariables.x}, which holds no colon).
    auto colon = name.find(':');
    if (colon != std::string::npos) {
        qualifier = name.substr(colon);
        name = name.substr(0, colon);
    }
    return "arn:aws:apigateway:" + region + ":lambda:path/2015-03-31/functions/arn:aws:lambda:" + region + ":" + account + ":function:" + name +
           qualifier + "/invocations";
}

}  // namespace

void ControlPlane::apply_manifest(const Api& manifest) {
    json doc = manifest.document;
    // `functions:` bindings become the aws_proxy integrations a script would
    // put; HTTP APIs' default payload format is written into each one.
    json& paths = doc["paths"];
    for (const auto& op : manifest.operations) {
        std::string method = op.method == "ANY" ? "x-amazon-apigateway-any-method" : op.method;
        std::transform(method.begin(), method.end(), method.begin(), ::tolower);
        if (!paths.is_object() || !paths.contains(op.path) || !paths[op.path].contains(method)) continue;
        json& o = paths[op.path][method];
        if (!o.contains("x-amazon-apigateway-integration")) {
            if (op.function.empty()) {  // load_apis warned: not served
                paths[op.path].erase(method);
                continue;
            }
            o["x-amazon-apigateway-integration"] = {{"type", "aws_proxy"}, {"httpMethod", "POST"},
                                                    {"uri", lambda_uri(op.function, options_.region, options_.account_id)}};
        }
        json& x = o["x-amazon-apigateway-integration"];
        if (manifest.type == ApiType::http && !x.contains("payloadFormatVersion")) x["payloadFormatVersion"] = op.payload_version == 1 ? "1.0" : "2.0";
    }
    auto settings = std::make_shared<Api>(manifest);
    settings->operations.clear();
    settings->document = nullptr;

    std::lock_guard lock(mutex_);
    try {
        if (manifest.type == ApiType::rest) {
            std::vector<std::string> warnings;
            RestApi api = build_rest_api(doc, "ignore", "EDGE", warnings);
            api.id = manifest.id;
            // Its resources' ids are derived from the API's id and their
            // paths, as that id is from its name: the same at every start
            // (get-resources and the events' requestContext.resourceId).
            std::map<std::string, std::string> renamed;
            for (const auto& [id, r] : api.resources) renamed[id] = derived_resource_id(api.id, r.path);
            std::map<std::string, Resource> resources;
            for (auto [id, r] : api.resources) {
                r.id = renamed[id];
                if (!r.parent_id.empty()) r.parent_id = renamed[r.parent_id];
                resources[r.id] = std::move(r);
            }
            api.resources = std::move(resources);
            api.name = manifest.name;
            api.manifest = settings;
            RestApi& stored = apis_[api.id] = std::move(api);
            for (const auto& [stage, variables] : manifest.stages)
                create_deployment(stored, {{"stageName", stage}, {"variables", variables}, {"description", "from lowcloud.yaml"}});
        } else {
            HttpApi api;
            api.id = manifest.id;
            api.created = iso_now();
            api = import_http(doc.dump(), api);
            api.name = manifest.name;
            api.manifest = settings;
            HttpApi& stored = http_apis_[api.id] = std::move(api);
            for (const auto& [stage, variables] : manifest.stages) {
                stored.stages[stage] = {{"stageName", stage}, {"autoDeploy", true}, {"createdDate", stored.created}, {"lastUpdatedDate", stored.created},
                                        {"stageVariables", variables}, {"defaultRouteSettings", {{"detailedMetricsEnabled", false}}},
                                        {"routeSettings", json::object()}};
                deploy_http_locked(stored, stage);
            }
        }
    } catch (const Error& e) {
        apis_.erase(manifest.id);
        http_apis_.erase(manifest.id);
        throw ConfigError(manifest.spec.string() + ": " + e.message);
    }
}

void ControlPlane::overlay_manifest(const std::shared_ptr<const Api>& manifest, Api& compiled, const std::string& stage) {
    if (!manifest) {
        for (auto& op : compiled.operations) op.check_permission = true;
        return;
    }
    compiled.from_manifest = true;
    compiled.spec = manifest->spec;
    compiled.cors = manifest->cors;
    compiled.api_keys = manifest->api_keys;
    compiled.usage_plans = manifest->usage_plans;
    compiled.binary_media_types = manifest->binary_media_types;
    compiled.gateway_responses = manifest->gateway_responses;
    if (stage == manifest->first_stage()) compiled.base_paths = manifest->base_paths;
}

}  // namespace lowcloud::apigateway
