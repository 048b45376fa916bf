// The emulator's allocator (app/memory.hpp): the binary runs on jemalloc, and
// release_free_memory() hands freed pages back instead of keeping them for
// jemalloc's 10-second decay.
#include "app/memory.hpp"

#include <catch2/catch.hpp>
#include <jemalloc/jemalloc.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

// Dirty bytes (freed, not yet returned) over all arenas, from jemalloc's statistics.
std::size_t dirty_bytes() {
    std::uint64_t epoch = 1;
    std::size_t size = sizeof epoch;
    REQUIRE(mallctl("epoch", &epoch, &size, &epoch, size) == 0);  // refreshes the statistics
    std::size_t pages = 0;
    size = sizeof pages;
    const std::string name = "stats.arenas." + std::to_string(MALLCTL_ARENAS_ALL) + ".pdirty";
    REQUIRE(mallctl(name.c_str(), &pages, &size, nullptr, 0) == 0);
    std::size_t page = 0;
    size = sizeof page;
    REQUIRE(mallctl("arenas.page", &page, &size, nullptr, 0) == 0);
    return pages * page;
}

}  // namespace

TEST_CASE("memory: malloc is jemalloc's", "[memory][allocator]") {
    const char* version = nullptr;
    std::size_t size = sizeof version;
    REQUIRE(mallctl("version", &version, &size, nullptr, 0) == 0);
    CHECK(std::string(version).substr(0, 2) == "5.");
    // jemalloc serves malloc and new (not only its own API): this thread's
    // allocation counter moves with them.
    auto allocated = [] {
        std::uint64_t bytes = 0;
        std::size_t size = sizeof bytes;
        REQUIRE(mallctl("thread.allocated", &bytes, &size, nullptr, 0) == 0);
        return bytes;
    };
    const std::uint64_t before = allocated();
    std::unique_ptr<char[]> block(new char[100000]);
    void* raw = std::malloc(50000);
    // Used, so that the compiler keeps both allocations.
    volatile char* first = block.get();
    volatile char* second = static_cast<char*>(raw);
    first[0] = 'x';
    second[0] = 'x';
    CHECK(allocated() - before >= 150000);
    std::free(raw);
}

TEST_CASE("memory: release_free_memory returns freed pages", "[memory][allocator]") {
    {
        std::vector<std::unique_ptr<std::string>> strings;
        for (int i = 0; i < 100000; ++i) strings.push_back(std::make_unique<std::string>(200, 'x'));
    }
    REQUIRE(dirty_bytes() > 4 * 1024 * 1024);  // ~20 MB freed, kept by the decay (jemalloc's default 10 s)
    lowcloud::app::release_free_memory();
    CHECK(dirty_bytes() == 0);
}
