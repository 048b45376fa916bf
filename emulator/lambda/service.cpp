// The Lambda service's HTTP surface (see service.hpp).
#include "lambda/service.hpp"

#include "common/ids.hpp"

#include <cctype>

namespace lowcloud::lambda {

namespace {
bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// "/2015-03-31/functions/NAME/invocations" -> NAME (URL-decoded enough for
// names and ARNs, which use only [A-Za-z0-9-_:%]).
std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}
}  // namespace

Service::Service(Options options, Logger& logger) : options_(std::move(options)), logger_(logger) {}

void Service::configure(const ConfigSection& functions) {
    auto entries = config_sequence(functions);
    if (!entries.empty())
        throw ConfigError(config_location(functions, entries.front()) +
                          ": functions[0]: Lambda functions are not supported by this build yet");
}

http::Response Service::error(int status, const std::string& type, const std::string& message) {
    http::Response r;
    r.status = status;
    r.set_header("Content-Type", "application/json");
    r.set_header("x-amzn-RequestId", random_uuid());
    r.set_header("x-amzn-ErrorType", type);
    r.body = nlohmann::json{{"Type", "User"}, {"message", message}}.dump();
    return r;
}

void Service::handle(http::Request request, http::Respond respond) {
    std::string_view path = request.path();
    constexpr std::string_view functions = "/2015-03-31/functions";
    if (starts_with(path, functions) && (path == functions || path == "/2015-03-31/functions/") && request.method == "GET") {
        http::Response r;
        r.set_header("Content-Type", "application/json");
        r.set_header("x-amzn-RequestId", random_uuid());
        r.body = R"({"Functions":[]})";
        return respond(std::move(r));
    }
    if (starts_with(path, "/2015-03-31/functions/")) {
        std::string_view rest = path.substr(functions.size() + 1);
        std::string name = percent_decode(rest.substr(0, rest.find('/')));
        std::string arn = starts_with(name, "arn:") ? name
                                                    : "arn:aws:lambda:" + options_.region + ":" + options_.account_id + ":function:" + name;
        return respond(error(404, "ResourceNotFoundException", "Function not found: " + arn));
    }
    return respond(error(404, "ResourceNotFoundException", "No Lambda resource at " + std::string(path)));
}

nlohmann::json Service::health() const { return {{"status", "running"}, {"functions", 0}}; }

}  // namespace lowcloud::lambda
