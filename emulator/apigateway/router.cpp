// Route matching with API Gateway's precedence (see router.hpp).
#include "apigateway/router.hpp"

#include "common/encoding.hpp"

#include <algorithm>
#include <cctype>

namespace lowcloud::apigateway {

namespace {
std::vector<std::string> split(std::string_view path) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < path.size()) {
        if (path[start] == '/') {
            ++start;
            continue;
        }
        auto end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        out.emplace_back(path.substr(start, end - start));
        start = end;
    }
    return out;
}
}  // namespace

Router::Router(const Api& api) : type_(api.type) {
    for (const auto& op : api.operations) {
        Route r{&op, {}, op.path == "/$default" || op.path == "$default"};
        for (const auto& part : split(op.path)) {
            if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
                std::string name = part.substr(1, part.size() - 2);
                if (!name.empty() && name.back() == '+') r.segments.push_back({Segment::greedy, name.substr(0, name.size() - 1)});
                else r.segments.push_back({Segment::param, name});
            } else {
                r.segments.push_back({Segment::literal, part});
            }
        }
        routes_.push_back(std::move(r));
    }
    // Most specific first: compare segment kinds left to right (literal <
    // param < greedy), longer literal paths first, then a declared method
    // before ANY.
    std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
        if (a.is_default != b.is_default) return !a.is_default;
        for (std::size_t i = 0; i < std::min(a.segments.size(), b.segments.size()); ++i)
            if (a.segments[i].kind != b.segments[i].kind) return a.segments[i].kind < b.segments[i].kind;
        if (a.segments.size() != b.segments.size()) return a.segments.size() > b.segments.size();
        return (a.operation->method != "ANY") > (b.operation->method != "ANY");
    });
}

std::optional<std::map<std::string, std::string>> Router::bind(const Route& r, const std::vector<std::string>& parts) const {
    std::map<std::string, std::string> params;
    std::size_t i = 0;
    for (; i < r.segments.size(); ++i) {
        const Segment& s = r.segments[i];
        if (s.kind == Segment::greedy) {
            if (i >= parts.size()) return std::nullopt;  // {proxy+} needs at least one segment
            // API Gateway passes a greedy parameter as the client sent it
            // (recorded on AWS: "test%2Balias@gmail.com" stays encoded).
            std::string rest;
            for (std::size_t j = i; j < parts.size(); ++j) rest += (j > i ? "/" : "") + parts[j];
            params[s.text] = rest;
            return params;
        }
        if (i >= parts.size()) return std::nullopt;
        if (s.kind == Segment::literal) {
            if (s.text != parts[i] && s.text != percent_decode(parts[i])) return std::nullopt;
        } else {
            params[s.text] = percent_decode(parts[i]);
        }
    }
    if (i != parts.size()) return std::nullopt;
    return params;
}

std::optional<Match> Router::match(std::string_view method, std::string_view path) const {
    auto parts = split(path);
    if (type_ == ApiType::rest) {
        // The most specific resource, then its method.
        const Route* resource = nullptr;
        std::map<std::string, std::string> params;
        for (const auto& r : routes_) {
            if (r.is_default) continue;
            if (auto p = bind(r, parts)) {
                resource = &r;
                params = std::move(*p);
                break;
            }
        }
        if (!resource) return std::nullopt;
        const Operation* any = nullptr;
        for (const auto& r : routes_) {
            if (r.operation->path != resource->operation->path) continue;
            if (r.operation->method == method) return Match{r.operation, params};
            if (r.operation->method == "ANY") any = r.operation;
        }
        if (any) return Match{any, params};
        return std::nullopt;
    }
    for (const auto& r : routes_) {
        if (r.is_default) continue;
        if (r.operation->method != method && r.operation->method != "ANY") continue;
        if (auto p = bind(r, parts)) return Match{r.operation, *p};
    }
    for (const auto& r : routes_)
        if (r.is_default) return Match{r.operation, {}};
    return std::nullopt;
}

bool Router::has_path(std::string_view path) const {
    auto parts = split(path);
    return std::any_of(routes_.begin(), routes_.end(), [&](const Route& r) { return !r.is_default && bind(r, parts).has_value(); });
}

}  // namespace lowcloud::apigateway
