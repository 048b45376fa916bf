// The emulator's heap: lowcloud runs on jemalloc (linked into the binary, so
// the process runtimes' children, which are the same binary, and the native
// handlers loaded into either, use it too). Its thread caches and per-core
// arenas serve the many small, short-lived allocations of a request (JSON
// trees, strings, headers) on several threads with less contention than
// glibc's malloc. Left alone, jemalloc keeps freed pages for up to 10 s
// before returning them, and only notices the time when something allocates:
// release_free_memory() returns them now.
#pragma once

namespace lowcloud::app {

// Returns the heap's unused pages to the system (every jemalloc arena is
// purged). Thread-safe; costs a few madvise calls per arena, so call it at
// quiet moments (after start-up), not per request.
void release_free_memory();

}  // namespace lowcloud::app
