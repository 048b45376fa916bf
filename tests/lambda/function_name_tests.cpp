// split_function_name(): Lambda's FunctionName pattern without std::regex.
// A table of named cases, then every combination of pieces (valid and
// broken) checked against the regex it replaces: same match, same region,
// name and qualifier.
#include "lambda/function_name.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

using lowcloud::lambda::split_function_name;

namespace {

struct Case {
    const char* name;
    const char* text;
    bool matches;
    const char* region = "";
    const char* function = "";
    const char* qualifier = "";
};

const Case kCases[] = {
    {"bare name", "watches-get", true, "", "watches-get"},
    {"name with dots and underscores", "a.b_c-1", true, "", "a.b_c-1"},
    {"name and version", "watches-get:3", true, "", "watches-get", "3"},
    {"name and $LATEST", "watches-get:$LATEST", true, "", "watches-get", "$LATEST"},
    {"partial ARN", "000000000000:function:f", true, "", "f"},
    {"function: prefix only", "function:f", true, "", "f"},
    {"full ARN", "arn:aws:lambda:us-east-1:000000000000:function:f", true, "us-east-1", "f"},
    {"full ARN with alias", "arn:aws:lambda:us-east-1:000000000000:function:f:live", true, "us-east-1", "f", "live"},
    {"GovCloud ARN", "arn:aws-us-gov:lambda:us-gov-west-1:000000000000:function:f", true, "us-gov-west-1", "f"},
    {"ISO region", "arn:aws-iso-b:lambda:us-isob-east-1:000000000000:function:f", true, "us-isob-east-1", "f"},
    {"ARN without partition", "arn::lambda:us-east-1:000000000000:function:f", true, "us-east-1", "f"},
    {"region without ARN", "eu-west-1:000000000000:function:f", true, "eu-west-1", "f"},
    {"region-like name", "us-east-1", true, "", "us-east-1"},
    {"region-like name with qualifier", "us-east-1:f", true, "us-east-1", "f"},
    {"arn as a name", "arn:x", true, "", "arn", "x"},
    {"empty", "", false},
    {"empty name", ":1", false},
    {"empty qualifier", "f:", false},
    {"dot in qualifier", "f:1.0", false},
    {"space", "watches get", false},
    {"short account", "00000000000:function:f", false},
    {"too many pieces", "a:b:c:d:e:f:g:h:i", false},
    {"other service", "arn:aws:s3:us-east-1:000000000000:function:f", false},
    {"$LATEST as a name", "$LATEST", false},
};

const std::regex& lambda_pattern() {
    static const std::regex pattern(
        R"((arn:(aws[a-zA-Z-]*)?:lambda:)?(([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}):)?(\d{12}:)?(function:)?([a-zA-Z0-9\-_\.]+)(:(\$LATEST|[a-zA-Z0-9\-_]+))?)");
    return pattern;
}

}  // namespace

TEST_CASE("function name: table of cases") {
    for (const Case& c : kCases) {
        INFO(c.name << ": " << c.text);
        auto parts = split_function_name(c.text);
        REQUIRE(parts.has_value() == c.matches);
        if (!parts) continue;
        CHECK(parts->region == c.region);
        CHECK(parts->name == c.function);
        CHECK(parts->qualifier == c.qualifier);
    }
}

TEST_CASE("function name: every combination of pieces matches as the regex does") {
    const std::vector<std::string> arns = {"", "arn:aws:lambda:", "arn::lambda:", "arn:aws-cn:lambda:", "arn:aws:s3:", "arn:lambda:", "arn:"};
    const std::vector<std::string> regions = {"", "us-east-1:", "us-gov-west-1:", "us-iso-east-1:", "us-isob-east-1:", "cn-north-1:",
                                              "us-east-12:", "US-east-1:", "useast-1:", "us-east:"};
    const std::vector<std::string> accounts = {"", "000000000000:", "00000000000:", "0000000000000:", "12345678901a:"};
    const std::vector<std::string> functions = {"", "function:", "functions:"};
    const std::vector<std::string> names = {"f", "watches-get", "a.b_c", "us-east-1", "arn", "function", "000000000000", "", "a b", "$LATEST"};
    const std::vector<std::string> qualifiers = {"", ":1", ":$LATEST", ":live-1", ":", ":1.0", ":$latest", ":a:b"};
    std::size_t checked = 0, matched = 0;
    for (const auto& a : arns)
        for (const auto& r : regions)
            for (const auto& c : accounts)
                for (const auto& f : functions)
                    for (const auto& n : names)
                        for (const auto& q : qualifiers) {
                            const std::string text = a + r + c + f + n + q;
                            std::smatch m;
                            const bool expected = std::regex_match(text, m, lambda_pattern());
                            auto parts = split_function_name(text);
                            ++checked;
                            if (parts.has_value() != expected || (expected && (parts->region != m[4].str() || parts->name != m[11].str() ||
                                                                               parts->qualifier != m[13].str()))) {
                                INFO(text);
                                REQUIRE(parts.has_value() == expected);
                                CHECK(parts->region == m[4].str());
                                CHECK(parts->name == m[11].str());
                                CHECK(parts->qualifier == m[13].str());
                            }
                            matched += expected;
                        }
    CHECK(checked == 7 * 10 * 5 * 3 * 10 * 8);
    CHECK(matched > 1000);  // the comparison covers matches, not only refusals
}
