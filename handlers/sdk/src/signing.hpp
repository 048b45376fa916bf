// SigV4 for the handler SDK's requests (private to the SDK). The SDK is
// linked into handler libraries that must need nothing but the base system
// (they run unchanged on AWS Lambda's provided.al2023), so libcrypto is not
// linked: its SHA-256 (EVP_MD_fetch once, EVP_Digest; HMAC is built on it)
// is looked up at run time, in the process
// (lowcloud's runtime and the emulator already have it) or from
// libcrypto.so.3 (Debian 12, Amazon Linux 2023). Without it, requests go out
// with a signature of zeros, which lowcloud accepts unless it runs with
// `--auth sigv4`.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lowcloud::sdk::signing {

struct Credentials {
    std::string access_key, secret_key, session_token;
};

// The Authorization header value for a request whose headers (names
// lowercase-comparable, values as sent, Host included) are all signed.
// `amz_date` is the X-Amz-Date value sent ("20240102T030405Z").
std::string authorization(std::string_view method, std::string_view path, const std::vector<std::pair<std::string, std::string>>& headers,
                          std::string_view body, const Credentials& credentials, std::string_view region, std::string_view service,
                          const std::string& amz_date);

// Whether real signatures can be computed here (libcrypto found).
bool available();

}  // namespace lowcloud::sdk::signing
