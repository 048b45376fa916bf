// Content-Encoding decoding (common/compression.hpp): a table of bodies.
#include "common/compression.hpp"

#include <catch2/catch.hpp>

#include <zlib.h>

using lowcloud::decode_content;
using Status = lowcloud::DecodedBody::Status;

namespace {

// window_bits: 15 + 16 gzip, 15 zlib, -15 raw deflate.
std::string compress(const std::string& in, int window_bits) {
    z_stream z{};
    REQUIRE(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&z, in.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}
std::string gzip(const std::string& s) { return compress(s, 15 + 16); }

}  // namespace

TEST_CASE("compression/decode_content_table") {
    const std::string text = R"({"TableName": "t", "Item": {"pk": {"S": "a"}}})";
    struct Case {
        const char* name;
        std::string body;
        const char* encoding;
        Status status;
    };
    const Case cases[] = {
        {"no_encoding", text, "", Status::ok},
        {"identity", text, "identity", Status::ok},
        {"gzip", gzip(text), "gzip", Status::ok},
        {"gzip_any_case_and_spaces", gzip(text), "  GZip ", Status::ok},
        {"two_gzip_members", gzip(text.substr(0, 7)) + gzip(text.substr(7)), "gzip", Status::ok},
        {"deflate_zlib", compress(text, 15), "deflate", Status::ok},
        {"deflate_raw", compress(text, -15), "deflate", Status::ok},
        {"layers_undone_last_first", compress(gzip(text), 15), "gzip, deflate", Status::ok},
        {"unknown", gzip(text), "br", Status::unsupported},
        {"not_gzip", text, "gzip", Status::corrupt},
        {"truncated", gzip(text).substr(0, gzip(text).size() - 1), "gzip", Status::corrupt},
        {"junk_after", gzip(text) + "junk", "gzip", Status::corrupt},
        {"empty", "", "gzip", Status::corrupt},
        {"declared_twice", gzip(text), "gzip, gzip", Status::corrupt},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto d = decode_content(c.body, c.encoding, 1 << 20);
        CHECK(d.status == c.status);
        if (c.status == Status::ok) CHECK(d.body == text);
        else CHECK_FALSE(d.reason.empty());
    }
}

TEST_CASE("compression/a_bomb_stops_at_the_limit") {
    std::string big(8 * 1024 * 1024, ' ');
    std::string bomb = gzip(big);
    REQUIRE(bomb.size() < 64 * 1024);
    auto d = decode_content(bomb, "gzip", 1024 * 1024);
    CHECK(d.status == Status::too_large);
    CHECK(d.body.empty());
    CHECK(decode_content(bomb, "gzip", big.size()).status == Status::ok);
}

// Accept-Encoding negotiation, as DynamoDB answers it (ScyllaDB's Alternator
// test_compressed_response.py, run against DynamoDB).
TEST_CASE("compression/choose_encoding_table") {
    struct Case {
        const char* accept;
        const char* chosen;
    };
    const Case cases[] = {
        {"", ""},
        {"identity", ""},
        {"br", ""},
        {"zstd", ""},
        {"x-gzip", ""},
        {"gzip", "gzip"},
        {"deflate", "deflate"},
        {"gzip, deflate", "gzip"},
        {"br, identity, deflate, gzip", "deflate"},
        {"GZIP, identity", "gzip"},
        {"dog, gzip ,, cat", "gzip"},
        {"gzip;q=0.8, deflate;q=0.5", "gzip"},
        {"br, gzip;q=0, deflate; q = 0.5 , identity;q=0", "deflate"},
        {"*", "gzip"},
        {"*, deflate;q=0.5", "gzip"},
        {"*, deflate", "deflate"},
        {"*, identity", "gzip"},
        {"*, gzip;q=0.5", "deflate"},
        {"gzip ;q=0", ""},
    };
    for (const auto& c : cases) {
        INFO(c.accept);
        CHECK(lowcloud::choose_encoding(c.accept) == c.chosen);
    }
}

TEST_CASE("compression/encode_then_decode") {
    std::string text(10000, 'x');
    for (const char* coding : {"gzip", "deflate"}) {
        INFO(coding);
        std::string packed = lowcloud::encode_content(text, coding);
        CHECK(packed.size() < text.size() / 10);
        auto d = decode_content(packed, coding, 1 << 20);
        CHECK((d.status == Status::ok && d.body == text));
    }
}
