// The composition root: builds the services from the options and manifest,
// wires them to the HTTP server, serves until SIGINT or SIGTERM, and shuts
// down in order (server drained, then services closed).
#pragma once

#include "app/cli.hpp"

#include <ostream>

namespace lowcloud::app {

// Runs `lowcloud serve`. Prints "listening on http://HOST:PORT" to `out`
// once the port is bound; logs go to `err`. Returns the exit code: 0 after
// a signal-initiated graceful shutdown, 1 when the server cannot start, 2
// for a configuration error. Precondition: SIGINT and SIGTERM are blocked
// in every thread (main() blocks them before anything else starts).
int serve(const ServeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace lowcloud::app
