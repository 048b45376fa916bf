// Private to the control plane's files (control_plane.cpp,
// control_plane_deploy.cpp, control_plane_v2.cpp): its errors, ids, JSON
// answers and the reading of request documents, in one place.
#pragma once

#include "apigateway/control_plane.hpp"
#include "common/encoding.hpp"
#include "common/ids.hpp"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <chrono>
#include <ctime>
#include <regex>
#include <string>
#include <string_view>

namespace lowcloud::apigateway::control {

using Error = ControlPlane::Error;
inline Error not_found(const std::string& m) { return {404, "NotFoundException", m}; }
inline Error bad_request(const std::string& m) { return {400, "BadRequestException", m}; }
inline Error conflict(const std::string& m) { return {409, "ConflictException", m}; }

// API Gateway's ids: lower-case letters and digits (10 for APIs, 6 for resources).
inline std::string lower_id(std::size_t n) {
    std::string id = random_alnum_id(n);
    for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return id;
}

inline long long now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// apigatewayv2's dates: "2026-12-03T10:00:00Z".
inline std::string iso_now() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

inline http::Response reply(int status, const nlohmann::json& body) {
    http::Response r = http::Response::text(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
    r.set_header("x-amzn-RequestId", random_uuid());
    return r;
}

// An answer without a body (DeleteX): 202 for REST APIs' deletes, 204 elsewhere.
inline http::Response empty_reply(int status) {
    http::Response r = reply(status, nlohmann::json::object());
    r.body.clear();
    return r;
}


}  // namespace lowcloud::apigateway::control
