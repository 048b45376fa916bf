// AWS Signature Version 4 verification and signing (see sigv4.hpp): parsing of
// the Authorization header and of presigned query strings, the canonical
// request, HMAC-SHA256 with OpenSSL, AWS's checks in AWS's order.
#include "common/sigv4.hpp"

#include "common/encoding.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace lowcloud::sigv4 {

namespace {

using std::chrono::sys_seconds;

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key "
    "and signing method. Consult the service documentation for details.";
constexpr std::string_view kUnknownKey = "The security token included in the request is invalid.";
constexpr long long kWeek = 604800;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

char lower_char(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower_char(c);
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower_char(x) == lower_char(y); });
}

// Trimall: no leading or trailing whitespace, runs of whitespace become one space.
std::string trim_all(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool pending_space = false;
    for (char c : trim(s)) {
        if (is_space(c)) {
            pending_space = true;
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

using HeaderList = std::vector<std::pair<std::string_view, std::string_view>>;

std::optional<std::string_view> first_header(const HeaderList& headers, std::string_view name) {
    for (const auto& [n, v] : headers)
        if (iequals(n, name)) return v;
    return std::nullopt;
}

std::string hex(const unsigned char* bytes, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(2 * n, '\0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0x0f];
    }
    return out;
}

std::string sha256_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
    return hex(md, n);
}

std::string hmac(std::string_view key, std::string_view message) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
         message.size(), md, &n);
    return std::string(reinterpret_cast<const char*>(md), n);
}

bool is_hex64(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return hex_value(c) >= 0; });
}

// ---- time ----

std::optional<sys_seconds> make_time(int y, int mo, int d, int h, int mi, int s) {
    using namespace std::chrono;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return std::nullopt;
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    return sys_days{ymd} + hours{h} + minutes{mi} + seconds{s};
}

bool digits(std::string_view s, int& out) {
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

// 20150830T123600Z, exactly.
std::optional<sys_seconds> parse_iso_basic(std::string_view s) {
    if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
    int y, mo, d, h, mi, sec;
    if (!digits(s.substr(0, 4), y) || !digits(s.substr(4, 2), mo) || !digits(s.substr(6, 2), d) ||
        !digits(s.substr(9, 2), h) || !digits(s.substr(11, 2), mi) || !digits(s.substr(13, 2), sec))
        return std::nullopt;
    return make_time(y, mo, d, h, mi, sec);
}

// RFC 1123 / RFC 2822: "Sun, 30 Aug 2015 12:36:00 GMT" (or a numeric zone, as
// botocore's formatdate writes "-0000").
std::optional<sys_seconds> parse_http_date(std::string_view s) {
    s = trim(s);
    if (auto comma = s.find(','); comma != std::string_view::npos) s = trim(s.substr(comma + 1));
    std::vector<std::string_view> parts;
    while (!s.empty()) {
        auto sp = s.find(' ');
        if (sp != 0) parts.push_back(s.substr(0, sp));
        if (sp == std::string_view::npos) break;
        s.remove_prefix(sp + 1);
    }
    if (parts.size() != 5) return std::nullopt;
    static constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    auto m = std::find(months.begin(), months.end(), parts[1]);
    int d, y, h, mi, sec;
    const auto& t = parts[3];
    if (m == months.end() || !digits(parts[0], d) || !digits(parts[2], y) || parts[2].size() != 4 || t.size() != 8 ||
        t[2] != ':' || t[5] != ':' || !digits(t.substr(0, 2), h) || !digits(t.substr(3, 2), mi) ||
        !digits(t.substr(6, 2), sec))
        return std::nullopt;
    auto time = make_time(y, static_cast<int>(m - months.begin()) + 1, d, h, mi, sec);
    if (!time) return std::nullopt;
    const auto& zone = parts[4];
    if (zone == "GMT" || zone == "UTC" || zone == "UT" || zone == "Z") return time;
    int hh, mm;
    if (zone.size() != 5 || (zone[0] != '+' && zone[0] != '-') || !digits(zone.substr(1, 2), hh) ||
        !digits(zone.substr(3, 2), mm))
        return std::nullopt;
    auto offset = std::chrono::hours{hh} + std::chrono::minutes{mm};
    return zone[0] == '+' ? *time - offset : *time + offset;
}

std::string format_iso_basic(sys_seconds t) {
    using namespace std::chrono;
    auto day_point = floor<days>(t);
    year_month_day ymd{day_point};
    hh_mm_ss hms{t - day_point};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

// "15 min." as AWS writes the window; "30 sec." when not whole minutes.
std::string window_text(std::chrono::seconds window) {
    if (window.count() % 60 == 0) return std::to_string(window.count() / 60) + " min.";
    return std::to_string(window.count()) + " sec.";
}

// ---- canonical pieces ----

struct QueryParam {
    std::string name, value;  // decoded
};

std::vector<QueryParam> parse_query(std::string_view raw) {
    std::vector<QueryParam> out;
    while (!raw.empty()) {
        auto amp = raw.find('&');
        std::string_view pair = raw.substr(0, amp);
        raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        std::string_view name = pair.substr(0, eq);
        std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        out.push_back({percent_decode(name), percent_decode(value)});
    }
    return out;
}

const QueryParam* find_param(const std::vector<QueryParam>& params, std::string_view name) {
    for (const auto& p : params)
        if (p.name == name) return &p;
    return nullptr;
}

// Headers as "name:value\n" lines for `names` (lowercase), from `headers`.
std::string canonical_headers(const HeaderList& headers, const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) {
        out += name;
        out += ':';
        bool first = true;
        for (const auto& [n, v] : headers) {
            if (!iequals(n, name)) continue;
            if (!first) out += ',';
            out += trim_all(v);
            first = false;
        }
        out += '\n';
    }
    return out;
}

std::string join(const std::vector<std::string>& parts, char sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}

std::string canonical_request(std::string_view method, std::string_view path, std::string_view query,
                              bool drop_signature, const HeaderList& headers, const std::vector<std::string>& signed_names,
                              std::string_view payload_hash) {
    std::string out;
    out += method;
    out += '\n';
    out += canonical_uri(path);
    out += '\n';
    out += canonical_query(query, drop_signature);
    out += '\n';
    out += canonical_headers(headers, signed_names);
    out += '\n';
    out += join(signed_names, ';');
    out += '\n';
    out += payload_hash;
    return out;
}

std::string scope_of(std::string_view date8, std::string_view region, std::string_view service) {
    std::string s(date8);
    s += '/';
    s += region;
    s += '/';
    s += service;
    s += '/';
    s += kTerminator;
    return s;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view creq) {
    std::string s(kAlgorithm);
    s += '\n';
    s += amz_date;
    s += '\n';
    s += scope;
    s += '\n';
    s += sha256_hex(creq);
    return s;
}

std::string signature_of(std::string_view secret, std::string_view date8, std::string_view region,
                         std::string_view service, std::string_view sts) {
    std::string key = hmac("AWS4" + std::string(secret), date8);
    key = hmac(key, region);
    key = hmac(key, service);
    key = hmac(key, kTerminator);
    std::string mac = hmac(key, sts);
    return hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::vector<std::string> split_signed_headers(std::string_view list) {
    std::vector<std::string> out;
    while (!list.empty()) {
        auto semi = list.find(';');
        std::string_view name = trim(list.substr(0, semi));
        if (!name.empty()) out.push_back(lower(name));
        if (semi == std::string_view::npos) break;
        list.remove_prefix(semi + 1);
    }
    return out;
}

// ---- verification ----

Verdict fail(Verdict v, Failure failure, std::string message) {
    v.failure = failure;
    v.message = std::move(message);
    return v;
}

// What either form gives the shared checks.
struct Auth {
    std::string algorithm, credential, signed_headers, signature;
    sys_seconds date;
    std::optional<std::chrono::seconds> expires;  // presigned only
};

struct Problem {
    Failure failure;
    std::string message;
};

// Reads the Authorization header form into `auth` (AWS's checks up to the date's format).
std::optional<Problem> read_header_auth(const Request& request, std::string_view raw, Auth& auth) {
    std::string_view a = trim(raw);
    const auto algorithm_end = static_cast<std::size_t>(std::find_if(a.begin(), a.end(), is_space) - a.begin());
    auth.algorithm = a.substr(0, algorithm_end);
    std::optional<std::string> credential, signed_headers, signature;
    // Parameters are separated by commas, by whitespace, or both.
    auto separator = [](char c) { return is_space(c) || c == ','; };
    for (std::string_view rest = a.substr(algorithm_end); !rest.empty();) {
        rest.remove_prefix(static_cast<std::size_t>(std::find_if_not(rest.begin(), rest.end(), separator) - rest.begin()));
        if (rest.empty()) break;
        std::string_view token = rest.substr(0, static_cast<std::size_t>(std::find_if(rest.begin(), rest.end(), separator) - rest.begin()));
        rest.remove_prefix(token.size());
        auto eq = token.find('=');
        if (eq == std::string_view::npos)
            return Problem{Failure::incomplete_signature, "'" + std::string(token) +
                                                              "' not a valid key=value pair (missing equal-sign) in Authorization header: '" +
                                                              std::string(raw) + "'."};
        std::string_view key = token.substr(0, eq), value = token.substr(eq + 1);
        std::optional<std::string>* slot = key == "Credential"      ? &credential
                                           : key == "SignedHeaders" ? &signed_headers
                                           : key == "Signature"     ? &signature
                                                                    : nullptr;
        if (slot && !*slot) *slot = std::string(value);  // the first of repeated parameters counts
    }
    const auto amz_date = first_header(request.headers, "X-Amz-Date");
    const auto date = amz_date ? amz_date : first_header(request.headers, "Date");
    std::string missing;
    for (auto [name, slot] : {std::pair{"Credential", &credential}, std::pair{"Signature", &signature},
                              std::pair{"SignedHeaders", &signed_headers}})
        if (!*slot || (*slot)->empty()) missing += std::string("Authorization header requires '") + name + "' parameter. ";
    if (!date) missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    if (!missing.empty()) return Problem{Failure::incomplete_signature, missing + "Authorization=" + std::string(raw)};
    auto parsed = parse_iso_basic(trim(*date));
    if (!parsed && !amz_date) parsed = parse_http_date(*date);
    if (!parsed)
        return Problem{Failure::incomplete_signature, "Date must be in ISO-8601 'basic format'. Got '" + std::string(*date) +
                                                          "'. See http://en.wikipedia.org/wiki/ISO_8601"};
    auth.credential = *credential;
    auth.signed_headers = *signed_headers;
    auth.signature = *signature;
    auth.date = *parsed;
    return std::nullopt;
}

// Reads the presigned form into `auth` (AWS's checks up to the date's format,
// then S3's checks of X-Amz-Expires).
std::optional<Problem> read_query_auth(const std::vector<QueryParam>& params, Auth& auth) {
    std::string missing;
    for (std::string_view name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"}) {
        const QueryParam* p = find_param(params, name);
        if (!p || p->value.empty()) missing += "AWS query-string parameters must include '" + std::string(name) + "'. ";
    }
    if (!missing.empty()) return Problem{Failure::incomplete_signature, missing + "Re-examine the query-string parameters."};
    const std::string& date = find_param(params, "X-Amz-Date")->value;
    auto parsed = parse_iso_basic(date);
    if (!parsed)
        return Problem{Failure::incomplete_signature,
                       "Date must be in ISO-8601 'basic format'. Got '" + date + "'. See http://en.wikipedia.org/wiki/ISO_8601"};
    if (const QueryParam* e = find_param(params, "X-Amz-Expires")) {
        std::string_view text = e->value;
        const bool negative = text.starts_with('-');
        std::string_view number = text.substr(negative ? 1 : 0);
        if (number.empty() || !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return Problem{Failure::incomplete_signature, "X-Amz-Expires should be a number"};
        if (negative) return Problem{Failure::incomplete_signature, "X-Amz-Expires must be non-negative"};
        unsigned long long value = 0;
        auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
        if (ec != std::errc() || value > static_cast<unsigned long long>(kWeek))
            return Problem{Failure::incomplete_signature, "X-Amz-Expires must be less than a week (in seconds) that is 604800"};
        auth.expires = std::chrono::seconds{static_cast<long long>(value)};
    }
    auth.algorithm = find_param(params, "X-Amz-Algorithm")->value;
    auth.credential = find_param(params, "X-Amz-Credential")->value;
    auth.signed_headers = find_param(params, "X-Amz-SignedHeaders")->value;
    auth.signature = find_param(params, "X-Amz-Signature")->value;
    auth.date = *parsed;
    return std::nullopt;
}

// The date must be within `skew` of now; a presigned request also expires
// after X-Amz-Expires seconds when that is shorter.
std::optional<Problem> check_window(const Auth& auth, sys_seconds now, std::chrono::seconds skew) {
    const std::string date = format_iso_basic(auth.date);
    const auto lifetime = (auth.expires && *auth.expires < skew) ? *auth.expires : skew;
    if (auth.date < now - skew || auth.date + lifetime < now) {
        const auto window = auth.date < now - skew ? skew : lifetime;
        return Problem{Failure::signature_expired, "Signature expired: " + date + " is now earlier than " +
                                                       format_iso_basic(now - window) + " (" + format_iso_basic(now) + " - " +
                                                       window_text(window) + ")"};
    }
    if (auth.date > now + skew)
        return Problem{Failure::signature_expired, "Signature not yet current: " + date + " is still later than " +
                                                       format_iso_basic(now + skew) + " (" + format_iso_basic(now) + " + " +
                                                       window_text(skew) + ")"};
    return std::nullopt;
}

}  // namespace

std::string uri_encode(std::string_view bytes, bool keep_slash) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size());
    for (char ch : bytes) {
        auto c = static_cast<unsigned char>(ch);
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '.' || c == '_' || c == '~' || (keep_slash && c == '/');
        if (unreserved) {
            out += ch;
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 0x0f];
        }
    }
    return out;
}

std::string canonical_uri(std::string_view raw) {
    // botocore's remove_dot_segments: RFC 3986 5.2.4, and empty segments dropped.
    std::vector<std::string_view> segments;
    std::string_view rest = raw;
    while (true) {
        auto slash = rest.find('/');
        std::string_view seg = rest.substr(0, slash);
        if (seg == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!seg.empty() && seg != ".") {
            segments.push_back(seg);
        }
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    std::string path;
    if (!raw.empty() && raw.front() == '/') path += '/';
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (i) path += '/';
        path += segments[i];
    }
    if (!raw.empty() && raw.back() == '/' && !segments.empty()) path += '/';
    if (path.empty()) path = "/";
    return uri_encode(path, true);
}

std::string canonical_query(std::string_view raw, bool drop_signature) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (auto& p : parse_query(raw)) {
        if (drop_signature && p.name == "X-Amz-Signature") continue;
        pairs.emplace_back(uri_encode(p.name), uri_encode(p.value));
    }
    std::sort(pairs.begin(), pairs.end());
    std::string out;
    for (const auto& [n, v] : pairs) {
        if (!out.empty()) out += '&';
        out += n;
        out += '=';
        out += v;
    }
    return out;
}

Options options_for(std::string_view service) {
    Options o;
    o.service = service;
    if (service == "lambda" || service == "apigateway" || service == "execute-api") {
        o.max_skew = std::chrono::minutes{5};
        o.missing_token_message = "Missing Authentication Token";
    }
    return o;
}

AwsError aws_error(Failure failure, std::string_view service) {
    if (failure == Failure::none) return {"", 200};
    if (service == "iam" || service == "sts") {
        switch (failure) {
            case Failure::missing_token: return {"MissingAuthenticationToken", 403};
            case Failure::incomplete_signature: return {"IncompleteSignature", 400};
            case Failure::unrecognized_client: return {"InvalidClientTokenId", 403};
            default: return {"SignatureDoesNotMatch", 403};
        }
    }
    int status = (service == "lambda" || service == "apigateway" || service == "execute-api") ? 403 : 400;
    switch (failure) {
        case Failure::missing_token: return {"MissingAuthenticationTokenException", status};
        case Failure::incomplete_signature: return {"IncompleteSignatureException", status};
        case Failure::unrecognized_client: return {"UnrecognizedClientException", status};
        default: return {"InvalidSignatureException", status};
    }
}

Verdict verify(const Request& request, const SecretLookup& secret_for, std::chrono::system_clock::time_point now,
               const Options& options) {
    Verdict v;
    const auto params = parse_query(request.query);
    const auto authorization = first_header(request.headers, "Authorization");
    const bool query_auth = find_param(params, "X-Amz-Algorithm") != nullptr;

    if (authorization && query_auth)
        return fail(v, Failure::invalid_signature,
                    "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
    if ((!authorization && !query_auth) || (authorization && !trim(*authorization).starts_with("AWS4-")))
        return fail(v, Failure::missing_token, options.missing_token_message);

    Auth auth;
    v.presigned = !authorization;
    auto problem = authorization ? read_header_auth(request, *authorization, auth) : read_query_auth(params, auth);
    if (!problem) problem = check_window(auth, std::chrono::floor<std::chrono::seconds>(now), options.max_skew);
    if (problem) return fail(v, problem->failure, std::move(problem->message));
    const std::string date_text = format_iso_basic(auth.date);

    const auto signed_names = split_signed_headers(auth.signed_headers);
    if (std::find(signed_names.begin(), signed_names.end(), "host") == signed_names.end())
        return fail(v, Failure::invalid_signature, "'Host' must be a 'SignedHeader' in the AWS Authorization.");
    if (auth.algorithm != kAlgorithm)
        return fail(v, Failure::incomplete_signature,
                    "Unsupported AWS 'algorithm': '" + auth.algorithm + "' (only AWS4-HMAC-SHA256 for now). ");

    // Credential: keyid/date/region/service/aws4_request (trailing slashes ignored).
    std::string_view credential = auth.credential;
    while (credential.ends_with('/')) credential.remove_suffix(1);
    std::vector<std::string_view> scope;
    for (std::string_view rest = credential;;) {
        auto slash = rest.find('/');
        scope.push_back(rest.substr(0, slash));
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    if (scope.size() != 5)
        return fail(v, Failure::incomplete_signature,
                    "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" +
                        auth.credential + "'");
    v.access_key = scope[0];
    v.region = scope[2];
    v.service = scope[3];
    const std::string date8 = date_text.substr(0, 8);
    std::string scope_errors;
    if (scope[2].empty() || (!options.region.empty() && scope[2] != options.region))
        scope_errors += "Credential should be scoped to a valid region, not '" + std::string(scope[2]) + "'. ";
    if (!options.service.empty() && scope[3] != options.service)
        scope_errors += "Credential should be scoped to correct service: '" + options.service + "'. ";
    if (scope[4] != kTerminator)
        scope_errors += "Credential should be scoped with a valid terminator: 'aws4_request', not '" + std::string(scope[4]) + "'. ";
    if (scope[1] != date8)
        scope_errors += "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                        std::string(scope[1]) + "' != '" + date8 + "', from '" + date_text + "'.";
    if (!scope_errors.empty()) return fail(v, Failure::invalid_signature, scope_errors);

    if (auto token = first_header(request.headers, "X-Amz-Security-Token"))
        v.session_token = *token;
    else if (const QueryParam* p = find_param(params, "X-Amz-Security-Token"))
        v.session_token = p->value;

    const auto secret = secret_for ? secret_for(v.access_key) : std::nullopt;
    if (!secret) return fail(v, Failure::unrecognized_client, std::string(kUnknownKey));

    std::string payload_hash;
    if (auto declared = first_header(request.headers, "X-Amz-Content-Sha256")) {
        payload_hash = trim(*declared);
        if (is_hex64(payload_hash) && lower(payload_hash) != sha256_hex(request.body))
            return fail(v, Failure::invalid_signature, std::string(kMismatch));
    } else {
        payload_hash = sha256_hex(request.body);
    }
    v.canonical_request = canonical_request(request.method, request.path, request.query, v.presigned, request.headers,
                                            signed_names, payload_hash);
    v.string_to_sign = string_to_sign(date_text, scope_of(scope[1], scope[2], scope[3]), v.canonical_request);
    const std::string expected = signature_of(*secret, scope[1], scope[2], scope[3], v.string_to_sign);
    if (auth.signature.size() != expected.size() ||
        CRYPTO_memcmp(auth.signature.data(), expected.data(), expected.size()) != 0)
        return fail(v, Failure::invalid_signature, std::string(kMismatch));
    return v;
}

namespace {

// The headers sign() and presign() sign: the request's, minus those botocore
// never signs and those the signer sets itself, plus `extra`.
HeaderList headers_to_sign(const Request& request, const HeaderList& extra) {
    HeaderList out;
    for (const auto& [n, v] : request.headers) {
        bool own = std::any_of(extra.begin(), extra.end(), [&](const auto& e) { return iequals(e.first, n); });
        if (own || iequals(n, "Authorization") || iequals(n, "User-Agent") || iequals(n, "Expect") ||
            iequals(n, "X-Amzn-Trace-Id"))
            continue;
        out.emplace_back(n, v);
    }
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
}

std::vector<std::string> sorted_names(const HeaderList& headers) {
    std::vector<std::string> names;
    for (const auto& [n, v] : headers) names.push_back(lower(n));
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

std::string payload_of(const Request& request) {
    if (auto declared = first_header(request.headers, "X-Amz-Content-Sha256")) return std::string(trim(*declared));
    return sha256_hex(request.body);
}

}  // namespace

Signed sign(const Request& request, const Credentials& credentials, std::string_view region, std::string_view service,
            std::chrono::system_clock::time_point when) {
    Signed s;
    s.amz_date = format_iso_basic(std::chrono::floor<std::chrono::seconds>(when));
    s.query = request.query;
    HeaderList extra = {{"x-amz-date", s.amz_date}};
    if (!credentials.session_token.empty()) extra.emplace_back("x-amz-security-token", credentials.session_token);
    const HeaderList headers = headers_to_sign(request, extra);
    const auto names = sorted_names(headers);
    const std::string date8 = s.amz_date.substr(0, 8);
    s.canonical_request = canonical_request(request.method, request.path, request.query, false, headers, names, payload_of(request));
    const std::string scope = scope_of(date8, region, service);
    s.string_to_sign = string_to_sign(s.amz_date, scope, s.canonical_request);
    s.signature = signature_of(credentials.secret_key, date8, region, service, s.string_to_sign);
    s.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key + "/" + scope +
                      ", SignedHeaders=" + join(names, ';') + ", Signature=" + s.signature;
    return s;
}

Signed presign(const Request& request, const Credentials& credentials, std::string_view region,
               std::string_view service, std::chrono::system_clock::time_point when, std::chrono::seconds expires) {
    if (expires.count() < 1 || expires.count() > kWeek)
        throw std::invalid_argument("presign: expires must be 1..604800 seconds");
    Signed s;
    s.amz_date = format_iso_basic(std::chrono::floor<std::chrono::seconds>(when));
    const HeaderList headers = headers_to_sign(request, {});
    const auto names = sorted_names(headers);
    const std::string date8 = s.amz_date.substr(0, 8);
    const std::string scope = scope_of(date8, region, service);
    s.query = request.query;
    if (!s.query.empty()) s.query += '&';
    s.query += "X-Amz-Algorithm=" + std::string(kAlgorithm) + "&X-Amz-Credential=" +
               uri_encode(credentials.access_key + "/" + scope) + "&X-Amz-Date=" + s.amz_date +
               "&X-Amz-Expires=" + std::to_string(expires.count()) + "&X-Amz-SignedHeaders=" + uri_encode(join(names, ';'));
    if (!credentials.session_token.empty()) s.query += "&X-Amz-Security-Token=" + uri_encode(credentials.session_token);
    s.canonical_request = canonical_request(request.method, request.path, s.query, false, headers, names, payload_of(request));
    s.string_to_sign = string_to_sign(s.amz_date, scope, s.canonical_request);
    s.signature = signature_of(credentials.secret_key, date8, region, service, s.string_to_sign);
    s.query += "&X-Amz-Signature=" + s.signature;
    return s;
}

}  // namespace lowcloud::sigv4
