// The runtime clients lowcloud ships (emulator/lambda/runtimes/**), embedded
// in the binary at build time (CMake generates the definition), so a copied
// binary needs no source tree. Private to lambda/.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace lowcloud::lambda {

// (path relative to runtimes/, content) of every embedded file.
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_runtime_files();

}  // namespace lowcloud::lambda
