// The "rebuilt" handler of the hot-reload tests: same symbol, new behaviour.
#include <lowcloud/lambda.hpp>

namespace {
nlohmann::json version(const nlohmann::json&, lowcloud::sdk::Context&) { return {{"version", 2}}; }
}  // namespace

LOWCLOUD_HANDLER(handler, version)
