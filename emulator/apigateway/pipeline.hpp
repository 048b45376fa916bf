// Private to the API Gateway service: the state of one request as it moves
// through Service's pipeline (pipeline.cpp) and integrations
// (integrations.cpp). Each step reads what earlier steps filled in.
#pragma once

#include "apigateway/router.hpp"
#include "apigateway/service.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace lowcloud::apigateway {

struct Service::Call {
    // Given (locate: Service::handle).
    const Api* api = nullptr;
    const Deployed* deployed = nullptr;
    std::shared_ptr<const Deployed> keep;  // a control-plane stage, alive while the call is
    std::string stage, api_path, stage_path, raw_path;
    http::Request request;
    bool rest = true;
    std::string request_id, domain_name, origin;

    // route
    std::optional<Match> match;
    const Operation* op = nullptr;
    // check_api_key
    std::string api_key;  // when the method requires one
    // resolve_target
    std::string function;  // with stage variables resolved

    // complete
    std::mutex mutex;
    bool done = false;
    http::Respond respond;
    std::optional<Deadlines::Ticket> deadline;  // under mutex: set by integrate before the integration starts

    const std::map<std::string, std::string>& stage_variables() const { return api->stages.at(stage); }
    std::string label() const { return "api " + api->name + " " + (op ? op->method + " " + op->path : request.method + " " + api_path); }
};

}  // namespace lowcloud::apigateway
