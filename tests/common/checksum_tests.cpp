// CRC-32 (common/checksum.hpp): check values of the IEEE polynomial, and the
// same answers as zlib's crc32(), which wrote the journals of earlier
// versions and which botocore's check of x-amz-crc32 matches.
#include "common/checksum.hpp"

#include <catch2/catch.hpp>

#include <zlib.h>

#include <string>

using lowcloud::crc32_of;

TEST_CASE("checksum: CRC-32 check values", "[checksum]") {
    struct Case {
        const char* name;
        std::string bytes;
        std::uint32_t crc;
    };
    const Case cases[] = {
        {"empty", "", 0},
        {"check_string", "123456789", 0xCBF43926u},
        {"quick_brown_fox", "The quick brown fox jumps over the lazy dog", 0x414FA339u},
        {"nul_bytes", std::string(4, '\0'), 0x2144DF1Cu},
    };
    for (const auto& c : cases) DYNAMIC_SECTION(c.name) { CHECK(crc32_of(c.bytes) == c.crc); }
}

TEST_CASE("checksum: CRC-32 equals zlib's at every length and alignment", "[checksum]") {
    std::string data(70000, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
    for (std::size_t offset : {0u, 1u, 3u, 7u}) {
        for (std::size_t length : {0u, 1u, 15u, 16u, 63u, 64u, 220u, 4097u, 65536u}) {
            std::string_view bytes(data.data() + offset, length);
            auto zlib = static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
            INFO("offset " << offset << " length " << length);
            CHECK(crc32_of(bytes) == zlib);
        }
    }
}
