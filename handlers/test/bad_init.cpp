// A handler library whose init hook fails: every invocation reports the
// init error.
#include <lowcloud/lambda.hpp>

namespace {
void setup() { throw lowcloud::sdk::Error("ConfigError", "TABLE is not set"); }
nlohmann::json echo(const nlohmann::json& event, lowcloud::sdk::Context&) { return event; }
}  // namespace

LOWCLOUD_INIT(setup)
LOWCLOUD_HANDLER(handler, echo)
