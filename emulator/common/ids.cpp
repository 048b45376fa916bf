// Random identifiers (see ids.hpp).
#include "common/ids.hpp"

#include <openssl/rand.h>

#include <random>
#include <stdexcept>
#include <vector>

namespace lowcloud {

namespace {
std::mt19937_64& generator() {
    thread_local std::mt19937_64 g = [] {
        std::uint64_t seed[4];
        if (RAND_bytes(reinterpret_cast<unsigned char*>(seed), sizeof seed) != 1) throw std::runtime_error("RAND_bytes failed");
        std::seed_seq seq{seed[0], seed[1], seed[2], seed[3]};
        return std::mt19937_64(seq);
    }();
    return g;
}

// n random bytes into `out`, 8 per draw of the generator.
template <class Byte>
void fill_random(Byte* out, std::size_t n) {
    auto& g = generator();
    for (std::size_t i = 0; i < n; i += 8) {
        std::uint64_t v = g();
        for (std::size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<Byte>(v >> (8 * j));
    }
}

std::vector<unsigned char> random_bytes(std::size_t n) {
    std::vector<unsigned char> bytes(n);
    fill_random(bytes.data(), n);
    return bytes;
}
}  // namespace

std::string random_uuid() {
    auto b = random_bytes(16);
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += hex[b[i] >> 4];
        out += hex[b[i] & 15];
    }
    return out;
}

std::string random_alnum_id(std::size_t length) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    // Drawn into the string itself, no vector (DynamoDB's answers carry one of 52).
    std::string out(length, '\0');
    fill_random(out.data(), length);
    for (auto& c : out) c = alphabet[static_cast<unsigned char>(c) % 36];
    return out;
}

}  // namespace lowcloud
