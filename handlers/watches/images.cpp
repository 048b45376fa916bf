// Lambda handler of the Image v1 service (API Gateway REST proxy events):
//   get_image  GET /watch/{sku} -> 200 image/png (base64 in the proxy
//              response, isBase64Encoded; the gateway turns it into bytes
//              for binary media types) with Expires, Cache-Control and a
//              strong ETag; 304 when If-None-Match carries that ETag;
//              404 {"message": "Image not found"} when there is no image.
// Images are read from $IMAGES_DIR/<sku>.png, by default
// $LAMBDA_TASK_ROOT/images (the build bundles fixtures/images/ next to the
// library, as a deployment package would). With in-process isolation,
// where per-function variables do not exist, set IMAGES_DIR in the
// emulator's environment. SKUs with '/' or a leading '.' never reach the disk.
#include <lowcloud/lambda.hpp>

#include <openssl/evp.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>

namespace {

using nlohmann::json;
using lowcloud::sdk::Context;

constexpr int kMaxAgeSeconds = 86400;

std::optional<std::string> read_image(const std::string& sku) {
    if (sku.empty() || sku[0] == '.' || sku.find('/') != std::string::npos || sku.find('\0') != std::string::npos) return std::nullopt;
    const char* dir = std::getenv("IMAGES_DIR");
    const char* root = std::getenv("LAMBDA_TASK_ROOT");
    std::string folder = dir && *dir ? dir : std::string(root && *root ? root : ".") + "/images";
    std::string path = folder + "/" + sku + ".png";
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string base64(const std::string& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// A strong validator: the first 16 bytes of the image's SHA-256, in hex.
std::string etag(const std::string& bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest, &n, EVP_sha256(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (unsigned int i = 0; i < 16 && i < n; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out + "\"";
}

// IMF-fixdate, e.g. "Wed, 02 Dec 2026 10:00:00 GMT".
std::string http_date(std::chrono::system_clock::time_point t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

std::string header(const json& event, const std::string& lower_name) {
    const json& headers = event.value("headers", json());
    if (!headers.is_object()) return {};
    for (const auto& [name, value] : headers.items()) {
        std::string n = name;
        for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (n == lower_name && value.is_string()) return value.get<std::string>();
    }
    return {};
}

json handle_get_image(const json& event, Context&) {
    const json& params = event.value("pathParameters", json());
    std::string sku = params.is_object() && params.contains("sku") && params["sku"].is_string() ? params["sku"].get<std::string>() : "";
    auto image = read_image(sku);
    if (!image)
        return {{"statusCode", 404}, {"headers", {{"Content-Type", "application/json"}}}, {"body", R"({"message": "Image not found"})"}, {"isBase64Encoded", false}};
    std::string tag = etag(*image);
    json headers = {{"Cache-Control", "public, max-age=" + std::to_string(kMaxAgeSeconds)},
                    {"Expires", http_date(std::chrono::system_clock::now() + std::chrono::seconds(kMaxAgeSeconds))},
                    {"ETag", tag}};
    std::string if_none_match = header(event, "if-none-match");
    if (!if_none_match.empty() && (if_none_match == tag || if_none_match == "*" || if_none_match.find(tag) != std::string::npos))
        return {{"statusCode", 304}, {"headers", headers}, {"body", ""}, {"isBase64Encoded", false}};
    headers["Content-Type"] = "image/png";
    return {{"statusCode", 200}, {"headers", headers}, {"body", base64(*image)}, {"isBase64Encoded", true}};
}

}  // namespace

LOWCLOUD_HANDLER(get_image, handle_get_image)
