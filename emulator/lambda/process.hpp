// A child process running one execution environment. Spawned with
// posix_spawn in its own process group with an empty signal mask, stdin
// from /dev/null, stdout+stderr into one pipe and no other descriptor of
// the emulator's (those not close-on-exec included). A reader thread hands each
// output line to `on_line`; a waiter thread reports the exit to `on_exit`
// (after the last line). Both callbacks run on those threads.
//
// Lifetime: never destroy a ChildProcess from inside its own callbacks; the
// destructor kills a running child (SIGKILL) and joins both threads.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace lowcloud::lambda {

class ChildProcess {
public:
    using OnLine = std::function<void(std::string_view line)>;
    // `status` as from waitpid.
    using OnExit = std::function<void(int status)>;

    // Throws std::system_error when the process cannot be started.
    static std::unique_ptr<ChildProcess> spawn(const std::string& executable, const std::vector<std::string>& args,
                                               const std::vector<std::string>& environment, OnLine on_line, OnExit on_exit,
                                               const std::string& working_directory = "");
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    bool exited() const { return exited_; }
    void kill(int signal);

    // Waits up to `limit` until the output the child had written when it was
    // called has been handed to on_line, as complete lines (a last line
    // without its newline stays pending until the newline or the exit), so
    // an invocation's log is complete. It waits for whole read chunks: later
    // output read in the same chunk is waited for too, later chunks are not,
    // so a child that keeps printing does not hold it to the limit. Blocks
    // the calling thread (no polling) until then.
    void drain(std::chrono::milliseconds limit);

    // Peak resident memory of the child (VmHWM) in MB; 0 when unknown.
    std::uint64_t max_memory_mb() const;

    // "signal: segmentation fault" or "exit status 3", as Lambda words it.
    static std::string describe_exit(int status);

private:
    ChildProcess() = default;
    void read_output();

    pid_t pid_ = -1;
    int fd_ = -1;
    int status_fd_ = -1;  // /proc/PID/status, for max_memory_mb()
    OnLine on_line_;
    OnExit on_exit_;
    std::atomic<bool> exited_{false};  // set (under kill_mutex_) before the child is reaped
    std::mutex kill_mutex_;
    // Output accounting for drain(), all under output_mutex_, which the
    // reader also holds across each read(2): under it every byte written so
    // far is either still in the pipe or counted in read_bytes_.
    // delivered_bytes_ follows once a chunk's lines went to on_line, and
    // `delivered` is signalled with it and with eof_.
    std::mutex output_mutex_;
    std::condition_variable delivered_;
    std::uint64_t read_bytes_ = 0;
    std::uint64_t delivered_bytes_ = 0;
    bool eof_ = false;
    std::thread reader_;
    std::thread waiter_;
};

// What a short command printed: `started` false when it could not be run;
// `status` as from waitpid; `out` the captured stream.
struct CommandOutput {
    bool started = false;
    int status = 0;
    std::string out;
};

struct CommandOptions {
    bool capture_stderr = false;  // capture standard error instead of standard output; the other goes to /dev/null
    std::optional<std::vector<std::string>> environment;  // unset: the emulator's own
    std::size_t max_bytes = 64 * 1024;                    // past this, output is read and dropped
};

// Runs argv[0] (a path: no shell, no PATH search) with argv, stdin on
// /dev/null, the signal set-up of ChildProcess::spawn and no other
// descriptor of the emulator's, and waits for it. Blocks the calling thread
// until the command exits; for quick probes (an interpreter's version, a
// library check), not environments.
CommandOutput run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});

}  // namespace lowcloud::lambda
