// Matching a request path and method to an API's operation, as API Gateway
// does: a literal segment beats {param}, which beats a greedy {proxy+} (last
// segment only); a declared method beats ANY. REST APIs resolve the most
// specific resource first and then its method (none: no route); HTTP APIs
// pick the most specific route whose method matches, else `$default`.
// {param} values come back URL-decoded; a greedy {proxy+} value stays as
// the client sent it, as API Gateway passes it. Immutable after construction, so
// thread-safe.
#pragma once

#include "apigateway/api.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lowcloud::apigateway {

struct Match {
    const Operation* operation = nullptr;
    std::map<std::string, std::string> path_parameters;
};

class Router {
public:
    explicit Router(const Api& api);
    // `path` is raw (percent-encoded) and relative to the stage.
    std::optional<Match> match(std::string_view method, std::string_view path) const;
    // Whether some operation's path matches (any method): CORS preflight.
    bool has_path(std::string_view path) const;

private:
    struct Segment {
        enum Kind { literal = 0, param = 1, greedy = 2 } kind;
        std::string text;  // literal text or parameter name
    };
    struct Route {
        const Operation* operation;
        std::vector<Segment> segments;
        bool is_default = false;  // "$default"
    };
    std::optional<std::map<std::string, std::string>> bind(const Route& r, const std::vector<std::string>& parts) const;

    ApiType type_;
    std::vector<Route> routes_;  // most specific first
};

}  // namespace lowcloud::apigateway
