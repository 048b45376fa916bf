// Lambda proxy integration events and responses (see proxy.hpp for the
// contract). Sources for each rule: AWS's documented sample events (REST
// "Input format of a Lambda function for proxy integration", HTTP API
// "Working with AWS Lambda proxy integrations"), events AWS recorded in
// LocalStack's AWS-validated snapshot tests, and real HTTP API events users
// published; rules that no source settles are marked "guess" below.
#include "apigateway/proxy.hpp"

#include "apigateway/builtin_responses.hpp"

#include "common/encoding.hpp"
#include "json/json_parse.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <utility>
#include <vector>

namespace lowcloud::apigateway {

using nlohmann::json;

namespace {

// ---------------------------------------------------------------- text ----

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = ascii_lower(c);
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Replaces every invalid UTF-8 sequence by U+FFFD, so that the event can
// always be serialised (nlohmann::json::dump throws on invalid UTF-8).
std::string valid_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        // Continuation bytes present after the lead byte (at most len - 1).
        std::size_t cont = 0;
        while (cont + 1 < len && i + cont + 1 < s.size() && (static_cast<unsigned char>(s[i + cont + 1]) & 0xC0) == 0x80)
            ++cont;
        bool ok = len > 0 && cont + 1 == len;
        if (ok && len > 1) {
            std::uint32_t cp = c & (0xFF >> (len + 1));
            for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
            static constexpr std::uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
            ok = cp >= min_for_len[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
        }
        if (ok) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";  // one per truncated sequence, else one per byte
            i += (len > 1 && cont + 1 < len) ? cont + 1 : 1;
        }
    }
    return out;
}


// ------------------------------------------------------------- request ----

// One header name with all its values, in arrival order; names compare
// case-insensitively and keep the spelling of their first occurrence.
struct HeaderGroup {
    std::string name;
    std::vector<std::string> values;
};

class HeaderList {
public:
    void add(std::string name, std::string value) {
        for (auto& g : groups_)
            if (http::iequals(g.name, name)) {
                g.values.push_back(std::move(value));
                return;
            }
        groups_.push_back({std::move(name), {std::move(value)}});
    }
    void set(std::string name, std::string value) {
        erase(name);
        groups_.push_back({std::move(name), {std::move(value)}});
    }
    void erase(std::string_view name) {
        std::erase_if(groups_, [&](const HeaderGroup& g) { return http::iequals(g.name, name); });
    }
    const HeaderGroup* find(std::string_view name) const {
        for (const auto& g : groups_)
            if (http::iequals(g.name, name)) return &g;
        return nullptr;
    }
    const std::vector<HeaderGroup>& groups() const { return groups_; }

private:
    std::vector<HeaderGroup> groups_;
};

bool is_hop_by_hop(std::string_view name) {
    for (std::string_view h : {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                               "upgrade"})
        if (http::iequals(name, h)) return true;
    return false;
}

// The header as API Gateway sees it after its own front end: REST APIs sit
// behind CloudFront, which spells these two canonically (recorded by AWS:
// "aUThorization" arrives as "Authorization").
std::string rest_header_name(std::string_view name) {
    if (http::iequals(name, "authorization")) return "Authorization";
    if (http::iequals(name, "user-agent")) return "User-Agent";
    return std::string(name);
}

// The port the client connected to, from Host ("localhost:4566"), else 80.
std::string forwarded_port(std::string_view host) {
    auto colon = host.rfind(':');
    if (colon == std::string_view::npos || host.find(']', colon) != std::string_view::npos) return "80";
    auto port = host.substr(colon + 1);
    if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return "80";
    return std::string(port);
}

// "Root=1-{epoch seconds, hex}-{24 hex digits}", the digits taken from the
// request id so the event stays a pure function of its inputs.
std::string trace_id(const std::string& request_id, std::chrono::system_clock::time_point now) {
    static constexpr char hex[] = "0123456789abcdef";
    auto secs = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
    std::string t;
    for (int shift = 28; shift >= 0; shift -= 4) t += hex[(secs >> shift) & 15];
    std::string digits;
    for (char c : request_id) {
        if (c == '-') continue;
        digits += hex_value(c) >= 0 ? ascii_lower(c) : hex[static_cast<unsigned char>(c) & 15];
        if (digits.size() == 24) break;
    }
    while (digits.size() < 24) digits += '0';
    return "Root=1-" + t + "-" + digits;
}

// The request's headers as the gateway forwards them to the function:
// client headers (minus hop-by-hop, and minus Content-Length for REST) plus
// the X-Forwarded-* and X-Amzn-Trace-Id the gateway adds.
HeaderList forwarded_headers(const http::Request& request, ApiFlavor flavor, const std::string& request_id,
                             std::chrono::system_clock::time_point now) {
    HeaderList list;
    for (const auto& h : request.headers) {
        if (is_hop_by_hop(h.name)) continue;
        if (flavor == ApiFlavor::rest && http::iequals(h.name, "content-length")) continue;
        list.add(flavor == ApiFlavor::rest ? rest_header_name(h.name) : h.name, valid_utf8(h.value));
    }
    if (!request.remote_address.empty()) {
        const auto* xff = list.find("x-forwarded-for");
        std::string value = xff ? xff->values.back() + ", " + request.remote_address : request.remote_address;
        list.set("X-Forwarded-For", std::move(value));
    }
    list.set("X-Forwarded-Port", forwarded_port(request.header("host")));
    list.set("X-Forwarded-Proto", "http");
    if (!list.find("x-amzn-trace-id")) list.set("X-Amzn-Trace-Id", trace_id(request_id, now));
    return list;
}

// Query string pairs, decoded, in order. "a" alone is ("a", "").
std::vector<std::pair<std::string, std::string>> query_pairs(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!query.empty()) {
        auto amp = query.find('&');
        auto part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (part.empty()) continue;
        auto eq = part.find('=');
        auto key = part.substr(0, eq);
        auto value = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
        out.emplace_back(valid_utf8(percent_decode(key, true)), valid_utf8(percent_decode(value, true)));
    }
    return out;
}

std::string_view raw_query(const http::Request& request) {
    auto q = request.query();
    return q.substr(0, q.find('#'));
}

json string_map_or(const std::map<std::string, std::string>& m, json empty) {
    if (m.empty()) return empty;
    json out = json::object();
    for (const auto& [k, v] : m) out[valid_utf8(k)] = valid_utf8(v);
    return out;
}

std::string domain_prefix(std::string_view domain) { return std::string(domain.substr(0, domain.find('.'))); }

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string protocol(const http::Request& request) { return request.version == 10 ? "HTTP/1.0" : "HTTP/1.1"; }

// ------------------------------------------------------------ response ----

enum class Mode { rest_v1, http_v1, http_v2 };

// A header value the function may give: strings, booleans, numbers.
std::optional<std::string> scalar_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_number()) return v.dump();
    return std::nullopt;
}

// statusCode: an integer, or a string holding one (AWS-recorded: "201"
// answers 201, "test" is malformed); 100-599 (range: guess).
std::optional<int> status_code(const json& v) {
    long long n = 0;
    if (v.is_number_integer()) {
        n = v.get<long long>();
    } else if (v.is_number_float()) {
        double d = v.get<double>();
        if (d != static_cast<double>(static_cast<long long>(d))) return std::nullopt;
        n = static_cast<long long>(d);
    } else if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (s.empty() || s.size() > 3 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return std::nullopt;
        n = std::stoll(s);
    } else {
        return std::nullopt;
    }
    if (n < 100 || n > 599) return std::nullopt;
    return static_cast<int>(n);
}

// Response headers the gateway owns. REST renames them to
// x-amzn-Remapped-<name> (AWS's documented remapping, as seen on the wire);
// HTTP APIs drop the framing ones (guess). Transfer-Encoding never passes.
void own_framing_headers(std::vector<http::Header>& headers, Mode mode) {
    std::vector<http::Header> out;
    for (auto& h : headers) {
        if (http::iequals(h.name, "transfer-encoding")) continue;
        if (mode == Mode::rest_v1) {
            bool remap = false;
            for (std::string_view r : {"authorization", "connection", "content-length", "date", "server",
                                       "www-authenticate"})
                remap = remap || http::iequals(h.name, r);
            if (remap) h.name = "x-amzn-Remapped-" + h.name;
        } else if (http::iequals(h.name, "connection") || http::iequals(h.name, "content-length")) {
            continue;
        }
        out.push_back(std::move(h));
    }
    headers = std::move(out);
}

bool has_key(const json& obj, const char* key) {
    auto it = obj.find(key);
    return it != obj.end() && !it->is_null();
}

// The common reading of a {statusCode, headers, ...} object.
std::optional<http::Response> read_response_object(const json& obj, Mode mode, bool decode_base64) {
    if (mode == Mode::rest_v1) {
        for (const auto& [key, value] : obj.items())
            if (key != "statusCode" && key != "headers" && key != "multiValueHeaders" && key != "body" &&
                key != "isBase64Encoded")
                return std::nullopt;
    }
    http::Response response;
    if (has_key(obj, "statusCode")) {
        auto status = status_code(obj["statusCode"]);
        if (!status) return std::nullopt;
        response.status = *status;
    } else if (mode == Mode::rest_v1) {
        response.status = 200;  // AWS-recorded: {"headers": {...}} answers 200 on REST APIs
    } else {
        return std::nullopt;  // AWS-recorded: HTTP APIs require statusCode
    }

    bool named_content_type = false;  // a null value names a header without sending it
    if (has_key(obj, "headers")) {
        const auto& headers = obj["headers"];
        if (!headers.is_object()) return std::nullopt;
        for (const auto& [name, value] : headers.items()) {
            if (http::iequals(name, "content-type")) named_content_type = true;
            if (value.is_null()) continue;
            auto text = scalar_text(value);
            if (!text) return std::nullopt;
            response.headers.push_back({name, *text});
        }
    }
    if (mode != Mode::http_v2 && has_key(obj, "multiValueHeaders")) {
        const auto& multi = obj["multiValueHeaders"];
        if (!multi.is_object()) return std::nullopt;
        for (const auto& [name, values] : multi.items()) {
            if (values.is_null()) continue;
            if (!values.is_array()) return std::nullopt;  // AWS-recorded: a bare string is malformed
            if (http::iequals(name, "content-type")) named_content_type = true;
            std::erase_if(response.headers, [&](const http::Header& h) { return http::iequals(h.name, name); });
            for (const auto& value : values) {
                if (value.is_null()) continue;
                auto text = scalar_text(value);
                if (!text) return std::nullopt;
                response.headers.push_back({name, *text});
            }
        }
    }
    std::vector<std::string> cookies;
    if (mode == Mode::http_v2 && has_key(obj, "cookies")) {
        const auto& list = obj["cookies"];
        if (!list.is_array()) return std::nullopt;  // AWS-recorded: an object is malformed
        for (const auto& c : list) {
            if (!c.is_string()) return std::nullopt;
            cookies.push_back(c.get<std::string>());
        }
    }
    if (has_key(obj, "body")) {
        if (!obj["body"].is_string()) return std::nullopt;
        response.body = obj["body"].get<std::string>();
    }
    bool base64 = false;
    if (has_key(obj, "isBase64Encoded")) {
        if (!obj["isBase64Encoded"].is_boolean()) return std::nullopt;
        base64 = obj["isBase64Encoded"].get<bool>();
    }
    if (base64 && (mode != Mode::rest_v1 || decode_base64)) {
        auto decoded = base64_decode(response.body);
        if (!decoded) return std::nullopt;
        response.body = std::move(*decoded);
    }

    own_framing_headers(response.headers, mode);
    bool has_content_type = std::any_of(response.headers.begin(), response.headers.end(),
                                        [](const http::Header& h) { return http::iequals(h.name, "content-type"); });
    if (!named_content_type && !has_content_type)
        response.headers.insert(response.headers.begin(),
                                {"Content-Type", mode == Mode::rest_v1 ? "application/json" : "text/plain; charset=utf-8"});
    for (auto& c : cookies) response.add_header("Set-Cookie", std::move(c));
    return response;
}

std::optional<json> parse_json(std::string_view payload) {
    json parsed = jsonparse::parse_or_discarded(payload);
    if (parsed.is_discarded()) return std::nullopt;
    return parsed;
}

}  // namespace

// ------------------------------------------------------------- helpers ----

std::string clf_time(std::chrono::system_clock::time_point t) {
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday, months[tm.tm_mon],
                  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

// -------------------------------------------------------------- events ----

namespace {

bool is_valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + len > s.size()) return false;
        std::uint32_t cp = c & (0xFF >> (len + 1));
        for (std::size_t k = 1; k < len; ++k) {
            auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (b & 0x3F);
        }
        static constexpr std::uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

// JSON text written directly, for the events sent on every invocation: the
// same text nlohmann::json would write (strings escaped alike, invalid UTF-8
// replaced by nlohmann itself), without building a document first.
class JsonText {
public:
    JsonText& begin_object() { return value_start(), out_ += '{', first_ = true, *this; }
    JsonText& end_object() { return out_ += '}', first_ = false, *this; }
    JsonText& begin_array() { return value_start(), out_ += '[', first_ = true, *this; }
    JsonText& end_array() { return out_ += ']', first_ = false, *this; }
    JsonText& key(std::string_view k) {
        if (!first_) out_ += ',';
        string_text(k);
        out_ += ':';
        after_key_ = true;
        return *this;
    }
    JsonText& string(std::string_view v) { return value_start(), string_text(v), first_ = false, *this; }
    JsonText& null() { return value_start(), out_ += "null", first_ = false, *this; }
    JsonText& boolean(bool b) { return value_start(), out_ += b ? "true" : "false", first_ = false, *this; }
    JsonText& number(std::int64_t n) { return value_start(), out_ += std::to_string(n), first_ = false, *this; }
    // A string member, or null when `v` is absent.
    JsonText& member(std::string_view k, std::string_view v) { return key(k).string(v); }
    JsonText& null_member(std::string_view k) { return key(k).null(); }
    // {k: v...} or null when empty.
    JsonText& string_map(std::string_view k, const std::map<std::string, std::string>& m) {
        key(k);
        if (m.empty()) return null();
        begin_object();
        for (const auto& [name, value] : m) member(name, value);
        return end_object();
    }
    std::string take() { return std::move(out_); }

private:
    void value_start() {
        if (!after_key_ && !first_) out_ += ',';
        after_key_ = false;
    }
    void string_text(std::string_view s) {
        if (!is_valid_utf8(s)) {
            out_ += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
            return;
        }
        append_json_string(out_, s);
    }

    std::string out_;
    bool first_ = true;       // no member or element written yet in the current container
    bool after_key_ = false;  // a key was just written: the value needs no comma
};

}  // namespace

std::string event_v1_text(const http::Request& request, const RouteMatch& match, const std::string& request_id,
                          std::chrono::system_clock::time_point now) {
    const bool rest = match.flavor == ApiFlavor::rest;
    HeaderList headers = forwarded_headers(request, match.flavor, request_id, now);
    std::map<std::string, std::vector<std::string>> query;  // sorted and merged by name, as a JSON object
    for (auto& [k, v] : query_pairs(raw_query(request))) query[k].push_back(std::move(v));

    JsonText j;
    j.begin_object();
    j.member("resource", match.resource);
    j.member("path", valid_utf8(match.path));
    j.member("httpMethod", request.method);
    j.key("headers");
    if (headers.groups().empty()) j.null();
    else {
        j.begin_object();
        for (const auto& g : headers.groups()) j.member(g.name, g.values.back());
        j.end_object();
    }
    j.key("multiValueHeaders");
    if (headers.groups().empty()) j.null();
    else {
        j.begin_object();
        for (const auto& g : headers.groups()) {
            j.key(g.name).begin_array();
            for (const auto& v : g.values) j.string(v);
            j.end_array();
        }
        j.end_object();
    }
    j.key("queryStringParameters");
    if (query.empty()) j.null();
    else {
        j.begin_object();
        for (const auto& [k, values] : query) j.member(k, values.back());
        j.end_object();
    }
    j.key("multiValueQueryStringParameters");
    if (query.empty()) j.null();
    else {
        j.begin_object();
        for (const auto& [k, values] : query) {
            j.key(k).begin_array();
            for (const auto& v : values) j.string(v);
            j.end_array();
        }
        j.end_object();
    }
    std::map<std::string, std::string> path_parameters, stage_variables;
    for (const auto& [k, v] : match.path_parameters) path_parameters[valid_utf8(k)] = valid_utf8(v);
    for (const auto& [k, v] : match.stage_variables) stage_variables[valid_utf8(k)] = valid_utf8(v);
    j.string_map("pathParameters", path_parameters);
    j.string_map("stageVariables", stage_variables);

    j.key("requestContext").begin_object();
    j.member("accountId", match.account_id);
    j.member("apiId", match.api_id);
    if (rest) j.member("deploymentId", match.deployment_id);
    j.member("domainName", match.domain_name);
    j.member("domainPrefix", domain_prefix(match.domain_name));
    j.member("extendedRequestId", rest ? extended_request_id(request_id) : request_id);
    j.member("httpMethod", request.method);
    j.key("identity").begin_object();
    j.null_member("accessKey");
    j.null_member("accountId");
    if (rest && !match.api_key.empty()) {
        j.member("apiKey", valid_utf8(match.api_key));
        j.member("apiKeyId", match.api_key_id);
    }
    j.null_member("caller");
    if (!rest) j.null_member("cognitoAmr");  // real HTTP API 1.0 events carry it
    j.null_member("cognitoAuthenticationProvider");
    j.null_member("cognitoAuthenticationType");
    j.null_member("cognitoIdentityId");
    j.null_member("cognitoIdentityPoolId");
    j.null_member("principalOrgId");
    j.member("sourceIp", request.remote_address);
    j.null_member("user");
    if (rest && !request.has_header("user-agent")) j.null_member("userAgent");  // guess
    else j.member("userAgent", valid_utf8(request.header("user-agent")));
    j.null_member("userArn");
    j.end_object();
    j.member("path", valid_utf8(match.stage_path));
    j.member("protocol", protocol(request));
    j.member("requestId", request_id);
    j.member("requestTime", clf_time(now));
    j.key("requestTimeEpoch").number(epoch_ms(now));
    j.member("resourceId", rest ? match.resource_id : match.route_key);
    j.member("resourcePath", match.resource);
    j.member("stage", match.stage);
    j.end_object();

    if (request.body.empty()) {
        j.null_member("body");
        j.key("isBase64Encoded").boolean(false);
    } else {
        j.member("body", match.binary ? base64_encode(request.body) : valid_utf8(request.body));
        j.key("isBase64Encoded").boolean(match.binary);
    }
    if (!rest) j.member("version", "1.0");
    j.end_object();
    return j.take();
}

json event_v1(const http::Request& request, const RouteMatch& match, const std::string& request_id,
              std::chrono::system_clock::time_point now) {
    return jsonparse::parse(event_v1_text(request, match, request_id, now));
}

json event_v2(const http::Request& request, const RouteMatch& match, const std::string& request_id,
              std::chrono::system_clock::time_point now) {
    HeaderList headers = forwarded_headers(request, ApiFlavor::http, request_id, now);
    json cookies = json::array();
    json header_map = json::object();
    for (const auto& g : headers.groups()) {
        if (http::iequals(g.name, "cookie")) {
            for (const auto& value : g.values) {
                std::string_view rest = value;
                while (!rest.empty()) {
                    auto semi = rest.find(';');
                    auto part = trim(rest.substr(0, semi));
                    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
                    if (!part.empty()) cookies.push_back(std::string(part));
                }
            }
            continue;
        }
        std::string joined;
        for (std::size_t i = 0; i < g.values.size(); ++i) joined += (i ? "," : "") + g.values[i];
        header_map[lower(g.name)] = std::move(joined);
    }
    json query = json::object();
    for (auto& [k, v] : query_pairs(raw_query(request))) {
        if (query.contains(k)) query[k] = query[k].get<std::string>() + "," + v;
        else query[k] = v;
    }
    std::string raw_path = valid_utf8(match.raw_path.empty() ? match.path : match.raw_path);

    json event = {
        {"version", "2.0"},
        {"routeKey", match.route_key},
        {"rawPath", raw_path},
        {"rawQueryString", valid_utf8(raw_query(request))},
        {"headers", std::move(header_map)},
        {"requestContext",
         {
             {"accountId", match.account_id},
             {"apiId", match.api_id},
             {"domainName", match.domain_name},
             {"domainPrefix", domain_prefix(match.domain_name)},
             {"http",
              {
                  {"method", request.method},
                  {"path", raw_path},
                  {"protocol", protocol(request)},
                  {"sourceIp", request.remote_address},
                  {"userAgent", valid_utf8(request.header("user-agent"))},
              }},
             {"requestId", request_id},
             {"routeKey", match.route_key},
             {"stage", match.stage},
             {"time", clf_time(now)},
             {"timeEpoch", epoch_ms(now)},
         }},
        {"isBase64Encoded", false},
    };
    if (!cookies.empty()) event["cookies"] = std::move(cookies);
    if (!query.empty()) event["queryStringParameters"] = std::move(query);
    if (!match.path_parameters.empty()) event["pathParameters"] = string_map_or(match.path_parameters, nullptr);
    if (!match.stage_variables.empty()) event["stageVariables"] = string_map_or(match.stage_variables, nullptr);
    if (!request.body.empty()) {
        event["body"] = match.binary ? base64_encode(request.body) : valid_utf8(request.body);
        event["isBase64Encoded"] = match.binary;
    }
    return event;
}

// ----------------------------------------------------------- responses ----

std::optional<http::Response> response_v1(std::string_view payload, ApiFlavor flavor, bool decode_base64) {
    auto parsed = parse_json(payload);
    if (!parsed || !parsed->is_object()) return std::nullopt;
    return read_response_object(*parsed, flavor == ApiFlavor::rest ? Mode::rest_v1 : Mode::http_v1, decode_base64);
}

std::optional<http::Response> response_v2(std::string_view payload) {
    auto parsed = parse_json(payload);
    if (!parsed) return std::nullopt;
    if (parsed->is_object()) {
        if (has_key(*parsed, "statusCode")) return read_response_object(*parsed, Mode::http_v2, true);
        if (parsed->contains("errorMessage")) return std::nullopt;  // AWS-recorded: treated as a function error
    }
    http::Response response;
    response.status = 200;
    response.set_header("Content-Type", "application/json");
    response.body = parsed->is_string() ? parsed->get<std::string>() : std::string(payload);
    return response;
}

void add_request_id_headers(http::Response& response, ApiFlavor flavor, const std::string& request_id) {
    if (flavor == ApiFlavor::rest) {
        response.set_header("x-amzn-RequestId", request_id);
        response.set_header("x-amz-apigw-id", extended_request_id(request_id));
    } else {
        response.set_header("Apigw-Requestid", request_id);
    }
}

}  // namespace lowcloud::apigateway
