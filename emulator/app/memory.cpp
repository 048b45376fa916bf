// Returning freed heap memory to the system (see memory.hpp).
#include "app/memory.hpp"

#include <jemalloc/jemalloc.h>

#include <string>

namespace lowcloud::app {

void release_free_memory() {
    // "arena.<MALLCTL_ARENAS_ALL>.purge": every arena's dirty and muzzy pages.
    static const std::string purge_all = "arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge";
    mallctl(purge_all.c_str(), nullptr, nullptr, nullptr, 0);
}

}  // namespace lowcloud::app
