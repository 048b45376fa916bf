// SigV4 signing for the SDK's requests, with libcrypto found at run time
// (see signing.hpp). The canonical request is the one botocore builds for
// non-S3 services: the path percent-encoded, an empty query, the signed
// headers lowercased and sorted, and the hex SHA-256 of the body.
#include "signing.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace lowcloud::sdk::signing {

namespace {

// OpenSSL 3's signatures, declared here so the SDK needs no OpenSSL headers.
// The digest is fetched once: the one-shot SHA256() and HMAC() look the
// algorithm up in the provider on every call, which cost more than the
// hashing of a request.
using MdFetchFn = void* (*)(void* libctx, const char* algorithm, const char* properties);
using DigestFn = int (*)(const void* data, std::size_t count, unsigned char* md, unsigned int* size, const void* type, void* engine);

struct Crypto {
    DigestFn digest = nullptr;
    void* sha256 = nullptr;  // EVP_MD*, fetched once, kept for the process's life
};

Crypto load() {
    auto from = [](void* handle) {
        Crypto c;
        auto fetch = reinterpret_cast<MdFetchFn>(dlsym(handle, "EVP_MD_fetch"));
        c.digest = reinterpret_cast<DigestFn>(dlsym(handle, "EVP_Digest"));
        if (fetch && c.digest) c.sha256 = fetch(nullptr, "SHA256", nullptr);
        return c;
    };
    if (Crypto c = from(RTLD_DEFAULT); c.sha256) return c;
    for (const char* name : {"libcrypto.so.3", "libcrypto.so"})
        if (void* h = dlopen(name, RTLD_NOW | RTLD_LOCAL))
            if (Crypto c = from(h); c.sha256) return c;  // kept open for the process's life
    return Crypto{};
}

const Crypto& crypto() {
    static const Crypto c = load();
    return c;
}

void sha256(std::string_view data, unsigned char out[32]) {
    unsigned int n = 0;
    crypto().digest(data.data(), data.size(), out, &n, crypto().sha256, nullptr);
}

std::string hex(const unsigned char* bytes, std::size_t n) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(digits[bytes[i] >> 4]);
        out.push_back(digits[bytes[i] & 15]);
    }
    return out;
}

std::string sha256_hex(std::string_view data) {
    unsigned char md[32];
    sha256(data, md);
    return hex(md, sizeof md);
}

// HMAC-SHA256 (RFC 2104) over the fetched digest.
std::string hmac(std::string_view key, std::string_view data) {
    constexpr std::size_t kBlock = 64;
    unsigned char k[kBlock] = {};
    if (key.size() > kBlock) sha256(key, k);
    else std::copy(key.begin(), key.end(), k);
    std::string inner(kBlock + data.size(), '\0'), outer(kBlock + 32, '\0');
    for (std::size_t i = 0; i < kBlock; ++i) {
        inner[i] = static_cast<char>(k[i] ^ 0x36);
        outer[i] = static_cast<char>(k[i] ^ 0x5c);
    }
    std::copy(data.begin(), data.end(), inner.begin() + kBlock);
    sha256(inner, reinterpret_cast<unsigned char*>(outer.data() + kBlock));
    unsigned char md[32];
    sha256(outer, md);
    return std::string(reinterpret_cast<const char*>(md), sizeof md);
}

// The key derived from the secret for one day, region and service: four
// HMACs, the same for every request of the day, so each thread keeps the
// last one it derived. Plain arrays: a thread_local with a destructor would
// keep glibc from unloading the handler library's old snapshots.
std::string signing_key(const std::string& secret, const std::string& date, std::string_view region, std::string_view service) {
    struct Cached {
        char material[512];
        std::size_t size;
        char key[32];
    };
    thread_local Cached cached{};
    std::string material = secret + "\n" + date + "\n" + std::string(region) + "\n" + std::string(service);
    if (cached.size == material.size() && std::memcmp(cached.material, material.data(), material.size()) == 0)
        return std::string(cached.key, sizeof cached.key);
    std::string key = hmac("AWS4" + secret, date);
    key = hmac(key, region);
    key = hmac(key, service);
    key = hmac(key, "aws4_request");
    if (material.size() <= sizeof cached.material && key.size() == sizeof cached.key) {
        std::memcpy(cached.material, material.data(), material.size());
        std::memcpy(cached.key, key.data(), key.size());
        cached.size = material.size();
    }
    return key;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// RFC 3986 encoding of every byte but the unreserved ones and '/'.
std::string encode_path(std::string_view path) {
    std::string out;
    for (unsigned char c : path) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            out.push_back(static_cast<char>(c));
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out.empty() ? "/" : out;
}

}  // namespace

bool available() { return crypto().sha256 != nullptr; }

std::string authorization(std::string_view method, std::string_view path, const std::vector<std::pair<std::string, std::string>>& headers,
                          std::string_view body, const Credentials& credentials, std::string_view region, std::string_view service,
                          const std::string& amz_date) {
    std::vector<std::pair<std::string, std::string>> sorted;
    for (const auto& [name, value] : headers) sorted.emplace_back(lower(name), value);
    std::sort(sorted.begin(), sorted.end());
    std::string signed_headers, canonical_headers;
    for (const auto& [name, value] : sorted) {
        signed_headers += (signed_headers.empty() ? "" : ";") + name;
        canonical_headers += name + ":" + value + "\n";
    }
    const std::string date = amz_date.substr(0, 8);
    const std::string scope = date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
    const std::string prefix = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key + "/" + scope + ", SignedHeaders=" + signed_headers +
                               ", Signature=";
    if (!available()) return prefix + std::string(64, '0');

    const std::string canonical = std::string(method) + "\n" + encode_path(path) + "\n\n" + canonical_headers + "\n" + signed_headers +
                                  "\n" + sha256_hex(body);
    const std::string to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + sha256_hex(canonical);
    const std::string signature = hmac(signing_key(credentials.secret_key, date, region, service), to_sign);
    return prefix + hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());
}

}  // namespace lowcloud::sdk::signing
