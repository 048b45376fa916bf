// Small helpers of the plain HTTP message values (see message.hpp).
#include "http/message.hpp"

#include <algorithm>

namespace lowcloud::http {

namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view Request::header(std::string_view name) const {
    for (const auto& h : headers)
        if (iequals(h.name, name)) return h.value;
    return {};
}

bool Request::has_header(std::string_view name) const {
    return std::any_of(headers.begin(), headers.end(), [&](const Header& h) { return iequals(h.name, name); });
}

std::string_view Request::path() const {
    std::string_view t = target;
    return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
    std::string_view t = target;
    auto q = t.find('?');
    return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

void Response::set_header(std::string name, std::string value) {
    std::erase_if(headers, [&](const Header& h) { return iequals(h.name, name); });
    if (headers.capacity() == 0) headers.reserve(8);  // a service's answer sets ~5, the server adds its own
    headers.push_back({std::move(name), std::move(value)});
}

void Response::add_header(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
}

std::string_view Response::header(std::string_view name) const {
    for (const auto& h : headers)
        if (iequals(h.name, name)) return h.value;
    return {};
}

Response Response::text(int status, std::string body, std::string content_type) {
    Response r;
    r.status = status;
    r.set_header("Content-Type", std::move(content_type));
    r.body = std::move(body);
    return r;
}

}  // namespace lowcloud::http
