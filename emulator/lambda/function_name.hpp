// The FunctionName parameter of Lambda's APIs: a function's name, a partial
// ARN (ACCOUNT:function:NAME) or a full ARN, each with an optional
// :QUALIFIER (a version, an alias or $LATEST). Lambda documents it as the
// regular expression
//
//   (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?
//   (\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?
//
// split_function_name() matches it without std::regex, which cost ~1.5 µs
// per invocation (API Gateway resolves the integration's ARN on every
// request): every piece but the name and the qualifier ends with ':', and
// none of them contains one, so the text splits at its colons and the
// optional pieces are tried in the order the regex's backtracking tries
// them (each present before absent, left to right); the first arrangement
// that fits is the regex's match. tests/lambda/function_name_tests.cpp
// checks it against the regex.
#pragma once

#include <optional>
#include <string_view>

namespace lowcloud::lambda {

struct FunctionNameParts {
    std::string_view region;     // of a full or regional ARN; empty when absent
    std::string_view name;       // never empty
    std::string_view qualifier;  // after the name's ':'; empty when absent
};

// The parts of `text` when the whole of it matches the pattern above (no
// length limit: the caller applies Lambda's), else nullopt. The views point
// into `text`.
std::optional<FunctionNameParts> split_function_name(std::string_view text);

}  // namespace lowcloud::lambda
