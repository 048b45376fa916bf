// The Lambda service: the Invoke API and control-plane calls the AWS CLI uses
// (`/2015-03-31/functions/...`) and the Runtime API (`/2018-06-01/runtime/...`).
//
// Current scope: the service answers as Lambda does for an account with no
// functions (ListFunctions is empty; GetFunction and Invoke answer 404
// ResourceNotFoundException). Declaring functions in the manifest is refused
// at startup until native handlers land, rather than silently ignored.
//
// Thread-safe: handle() may be called from any I/O thread.
#pragma once

#include "common/config.hpp"
#include "common/log.hpp"
#include "http/message.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace lowcloud::lambda {

struct Options {
    std::string region = "us-east-1";
    std::string account_id = "000000000000";
};

class Service {
public:
    Service(Options options, Logger& logger);

    // Parses the manifest's `functions:` section. Throws ConfigError.
    void configure(const ConfigSection& functions);

    void handle(http::Request request, http::Respond respond);

    nlohmann::json health() const;

    // A Lambda service error: JSON {"Type":"User","message":...} with
    // x-amzn-ErrorType and x-amzn-RequestId, as the Lambda API answers.
    static http::Response error(int status, const std::string& type, const std::string& message);

private:
    Options options_;
    Logger& logger_;
};

}  // namespace lowcloud::lambda
