// Compressed request bodies (HTTP Content-Encoding), decoded with zlib, and
// the choice and encoding of compressed responses (Accept-Encoding). Decoding:
// "gzip" (RFC 1952; several members one after the other read as one
// stream), "deflate" (the zlib format of RFC 1950, or raw RFC 1951 as some
// clients send it) and "identity", case-insensitive, as a comma-separated
// list applied in order (so the last listed is undone first). The output is
// capped at `limit` bytes while it is produced, so a small bomb never
// allocates more than that. Pure function, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lowcloud {

struct DecodedBody {
    enum class Status { ok, unsupported, corrupt, too_large } status = Status::ok;
    std::string body;    // ok: the decoded bytes
    std::string reason;  // otherwise: what went wrong, for the error message
};

// `content_encoding`: the header's value ("" or "identity": the body as is).
DecodedBody decode_content(std::string body, std::string_view content_encoding, std::size_t limit);

// The response encoding an Accept-Encoding header asks for among gzip and
// deflate: the highest q-value wins (q=0 refuses), a name listed beats "*",
// ties go to the first listed, and "*" alone means gzip. "" : identity
// (nothing acceptable, or no header).
std::string choose_encoding(std::string_view accept_encoding);

// `body` compressed as "gzip" or "deflate" (the zlib format).
std::string encode_content(std::string_view body, std::string_view encoding);

}  // namespace lowcloud
