// Handler libraries link libstdc++ statically (handlers/CMakeLists.txt), so
// a packaged handler runs on Amazon Linux 2023 (glibc 2.34, no guaranteed
// libstdc++). Debian 12's static libstdc++ seeds std::random_device from
// arc4random, new in glibc 2.36: this hidden definition satisfies it inside
// the library, so the library imports nothing newer than glibc 2.34.
#include <sys/random.h>

#include <cstdint>

extern "C" __attribute__((visibility("hidden"))) std::uint32_t arc4random(void) {
    std::uint32_t v = 0;
    while (getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v)) {
    }
    return v;
}
