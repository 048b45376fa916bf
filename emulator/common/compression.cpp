// Content-Encoding decoding with zlib (see compression.hpp).
#include "common/compression.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace lowcloud {

namespace {

std::string lower_trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// One layer. window_bits: 15 + 16 gzip, 15 zlib, -15 raw deflate.
DecodedBody inflate_layer(const std::string& in, int window_bits, bool members, std::size_t limit) {
    DecodedBody out;
    if (in.empty()) return {DecodedBody::Status::corrupt, "", "the body is empty"};
    z_stream z{};
    if (inflateInit2(&z, window_bits) != Z_OK) return {DecodedBody::Status::corrupt, "", "zlib failed to start"};
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    std::vector<char> chunk(64 * 1024);
    int rc = Z_OK;
    for (;;) {
        z.next_out = reinterpret_cast<Bytef*>(chunk.data());
        z.avail_out = static_cast<uInt>(chunk.size());
        rc = inflate(&z, Z_NO_FLUSH);
        std::size_t produced = chunk.size() - z.avail_out;
        if (out.body.size() + produced > limit) {
            inflateEnd(&z);
            return {DecodedBody::Status::too_large, "", "the decoded body exceeds " + std::to_string(limit) + " bytes"};
        }
        out.body.append(chunk.data(), produced);
        if (rc == Z_STREAM_END) {
            if (members && z.avail_in > 0) {  // another gzip member follows
                if (inflateReset(&z) != Z_OK) break;
                continue;
            }
            break;
        }
        if (rc != Z_OK) break;
        if (z.avail_in == 0 && produced == 0) {  // input ended inside the stream
            rc = Z_BUF_ERROR;
            break;
        }
    }
    bool trailing = z.avail_in > 0;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) return {DecodedBody::Status::corrupt, "", rc == Z_BUF_ERROR ? "the compressed body is truncated" : "the compressed body is corrupt"};
    if (trailing) return {DecodedBody::Status::corrupt, "", "bytes follow the end of the compressed body"};
    return out;
}

}  // namespace

DecodedBody decode_content(std::string body, std::string_view content_encoding, std::size_t limit) {
    std::vector<std::string> layers;
    while (true) {
        auto comma = content_encoding.find(',');
        std::string name = lower_trimmed(content_encoding.substr(0, comma));
        if (!name.empty() && name != "identity") layers.push_back(name);
        if (comma == std::string_view::npos) break;
        content_encoding.remove_prefix(comma + 1);
    }
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
        DecodedBody d;
        if (*it == "gzip" || *it == "x-gzip") {
            d = inflate_layer(body, 15 + 16, true, limit);
        } else if (*it == "deflate") {
            d = inflate_layer(body, 15, false, limit);
            if (d.status == DecodedBody::Status::corrupt) {  // raw deflate, without the zlib wrapper
                DecodedBody raw = inflate_layer(body, -15, false, limit);
                if (raw.status != DecodedBody::Status::corrupt) d = std::move(raw);
            }
        } else {
            return {DecodedBody::Status::unsupported, "", "unsupported Content-Encoding '" + *it + "' (gzip and deflate are)"};
        }
        if (d.status != DecodedBody::Status::ok) return d;
        body = std::move(d.body);
    }
    if (body.size() > limit) return {DecodedBody::Status::too_large, "", "the body exceeds " + std::to_string(limit) + " bytes"};
    return {DecodedBody::Status::ok, std::move(body), ""};
}

std::string choose_encoding(std::string_view accept) {
    struct Offer {
        std::string name;
        double q;
        std::size_t order;
    };
    std::vector<Offer> offers;
    std::size_t order = 0;
    while (!accept.empty()) {
        auto comma = accept.find(',');
        std::string_view item = accept.substr(0, comma);
        accept.remove_prefix(comma == std::string_view::npos ? accept.size() : comma + 1);
        auto semi = item.find(';');
        std::string name = lower_trimmed(item.substr(0, semi));
        if (name.empty()) continue;
        double q = 1.0;
        if (semi != std::string_view::npos) {
            std::string params = lower_trimmed(item.substr(semi + 1));
            params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
            if (params.rfind("q=", 0) == 0) q = std::atof(params.c_str() + 2);
        }
        offers.push_back({name, q, order++});
    }
    auto quality = [&](const std::string& coding) -> std::pair<double, std::size_t> {  // q, and how it was named (0 listed, 1 by *)
        for (const auto& o : offers)
            if (o.name == coding) return {o.q, o.order};
        for (const auto& o : offers)
            if (o.name == "*") return {o.q, offers.size() + (coding == "gzip" ? 0 : 1)};  // * prefers gzip
        return {0.0, 0};
    };
    std::string best;
    std::pair<double, std::size_t> best_rank{0.0, 0};
    for (const char* coding : {"gzip", "deflate"}) {
        auto rank = quality(coding);
        if (rank.first <= 0) continue;
        if (best.empty() || rank.first > best_rank.first || (rank.first == best_rank.first && rank.second < best_rank.second)) {
            best = coding;
            best_rank = rank;
        }
    }
    return best;
}

std::string encode_content(std::string_view body, std::string_view encoding) {
    z_stream z{};
    int window_bits = encoding == "gzip" ? 15 + 16 : 15;
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::string(body);
    std::string out(deflateBound(&z, body.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
    z.avail_in = static_cast<uInt>(body.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

}  // namespace lowcloud
