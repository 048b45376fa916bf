// split_function_name(): Lambda's FunctionName pattern matched piece by
// piece (see function_name.hpp for why the pieces are colon-separated
// segments and in which order the optional ones are tried).
#include "lambda/function_name.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace lowcloud::lambda {

namespace {

bool lower(char c) { return c >= 'a' && c <= 'z'; }
bool letter(char c) { return lower(c) || (c >= 'A' && c <= 'Z'); }
bool digit(char c) { return c >= '0' && c <= '9'; }

// (aws[a-zA-Z-]*)? : the partition of an ARN, possibly empty.
bool partition_ok(std::string_view s) {
    if (s.empty()) return true;
    return s.substr(0, 3) == "aws" && std::ranges::all_of(s.substr(3), [](char c) { return letter(c) || c == '-'; });
}

// -[a-z]+-\d{1} : the end of a region.
bool region_tail_ok(std::string_view s) {
    if (s.size() < 4 || s[0] != '-' || !digit(s.back()) || s[s.size() - 2] != '-') return false;
    return std::ranges::all_of(s.substr(1, s.size() - 3), lower);
}

// [a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}
bool region_ok(std::string_view s) {
    if (s.size() < 2 || !lower(s[0]) || !lower(s[1])) return false;
    std::string_view rest = s.substr(2);
    if (region_tail_ok(rest)) return true;
    if (rest.substr(0, 4) == "-gov" && region_tail_ok(rest.substr(4))) return true;
    if (rest.substr(0, 4) == "-iso") {
        if (rest.size() > 4 && lower(rest[4]) && region_tail_ok(rest.substr(5))) return true;
        if (region_tail_ok(rest.substr(4))) return true;
    }
    return false;
}

bool name_ok(std::string_view s) {
    return !s.empty() && std::ranges::all_of(s, [](char c) { return letter(c) || digit(c) || c == '-' || c == '_' || c == '.'; });
}

// \$LATEST|[a-zA-Z0-9-_]+
bool qualifier_ok(std::string_view s) {
    return s == "$LATEST" || (!s.empty() && std::ranges::all_of(s, [](char c) { return letter(c) || digit(c) || c == '-' || c == '_'; }));
}

}  // namespace

std::optional<FunctionNameParts> split_function_name(std::string_view text) {
    // At most 3 (arn:partition:lambda) + region + account + function + name + qualifier.
    constexpr std::size_t kMaxSegments = 8;
    std::array<std::string_view, kMaxSegments> segments;
    std::size_t count = 0;
    for (std::size_t start = 0;;) {
        if (count == kMaxSegments) return std::nullopt;
        std::size_t colon = text.find(':', start);
        segments[count++] = text.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
        if (colon == std::string_view::npos) break;
        start = colon + 1;
    }
    // Bits, most significant first: arn, region, account, function:, qualifier;
    // from all present down to none, the regex's order.
    for (int mask = 31; mask >= 0; --mask) {
        const bool arn = mask & 16, region = mask & 8, account = mask & 4, function = mask & 2, qualifier = mask & 1;
        if (3 * arn + region + account + function + 1 + qualifier != static_cast<int>(count)) continue;
        std::size_t i = 0;
        if (arn && !(segments[0] == "arn" && partition_ok(segments[1]) && segments[2] == "lambda")) continue;
        i += arn ? 3 : 0;
        FunctionNameParts parts;
        if (region) {
            if (!region_ok(segments[i])) continue;
            parts.region = segments[i++];
        }
        if (account && !(segments[i].size() == 12 && std::ranges::all_of(segments[i], digit))) continue;
        i += account;
        if (function && segments[i] != "function") continue;
        i += function;
        if (!name_ok(segments[i])) continue;
        parts.name = segments[i++];
        if (qualifier) {
            if (!qualifier_ok(segments[i])) continue;
            parts.qualifier = segments[i];
        }
        return parts;
    }
    return std::nullopt;
}

}  // namespace lowcloud::lambda
