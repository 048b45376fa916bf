// ChildProcess: what an execution environment's process starts with.
#include "lambda/process.hpp"

#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

using lowcloud::lambda::ChildProcess;

namespace {

// Runs `sh -c script` and returns its output lines once it has exited.
std::vector<std::string> run_shell(const std::string& script) {
    std::mutex m;
    std::condition_variable cv;
    std::vector<std::string> lines;
    bool done = false;
    auto child = ChildProcess::spawn(
        "/bin/sh", {"sh", "-c", script}, {"PATH=/usr/bin:/bin"},
        [&](std::string_view line) {
            std::lock_guard lock(m);
            lines.emplace_back(line);
        },
        [&](int) {
            std::lock_guard lock(m);
            done = true;
            cv.notify_all();
        });
    std::unique_lock lock(m);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; }));
    return lines;
}

}  // namespace

// Asio opens sockets without close-on-exec: an environment's process kept
// the emulator's listening socket (and client connections) open, so the
// port stayed bound while environments lived on.
TEST_CASE("child_process_inherits_no_descriptor_of_the_emulator", "[process]") {
    int sock = ::socket(AF_INET, SOCK_STREAM, 0);  // like Asio's: not close-on-exec
    REQUIRE(sock >= 0);
    REQUIRE(::dup2(sock, 200) == 200);
    auto lines = run_shell("for fd in 0 1 2 200; do if [ -e /proc/self/fd/$fd ]; then echo open $fd; else echo closed $fd; fi; done");
    ::close(200);
    ::close(sock);
    CHECK(lines == std::vector<std::string>{"open 0", "open 1", "open 2", "closed 200"});
}
