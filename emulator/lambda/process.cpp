// Child processes for execution environments (see process.hpp).
#include "lambda/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <system_error>

namespace lowcloud::lambda {

namespace {

// What every child of the emulator starts with: an empty signal mask (the
// emulator's threads block signals), SIGPIPE, SIGINT and SIGTERM at their
// defaults, and optionally a process group of its own.
class SpawnAttributes {
public:
    explicit SpawnAttributes(bool own_process_group) {
        posix_spawnattr_init(&attr_);
        sigset_t none, defaults;
        sigemptyset(&none);
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGPIPE);
        sigaddset(&defaults, SIGINT);
        sigaddset(&defaults, SIGTERM);
        posix_spawnattr_setsigmask(&attr_, &none);
        posix_spawnattr_setsigdefault(&attr_, &defaults);
        short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
        if (own_process_group) {
            posix_spawnattr_setpgroup(&attr_, 0);
            flags |= POSIX_SPAWN_SETPGROUP;
        }
        posix_spawnattr_setflags(&attr_, flags);
    }
    ~SpawnAttributes() { posix_spawnattr_destroy(&attr_); }
    SpawnAttributes(const SpawnAttributes&) = delete;
    SpawnAttributes& operator=(const SpawnAttributes&) = delete;
    const posix_spawnattr_t* get() const { return &attr_; }

private:
    posix_spawnattr_t attr_;
};

// argv/envp for posix_spawn: pointers into `strings`, null-terminated.
std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::spawn(const std::string& executable, const std::vector<std::string>& args,
                                                  const std::vector<std::string>& environment, OnLine on_line, OnExit on_exit,
                                                  const std::string& working_directory) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
    // Nothing else of the emulator's: Asio's sockets are not close-on-exec,
    // and a child holding the listening socket or a client connection keeps
    // the port bound and connections open after lowcloud has let them go.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (!working_directory.empty()) posix_spawn_file_actions_addchdir_np(&actions, working_directory.c_str());
    SpawnAttributes attr(true);
    std::vector<char*> argv = c_strings(args), envp = c_strings(environment);

    std::unique_ptr<ChildProcess> child(new ChildProcess());
    int rc = posix_spawn(&child->pid_, executable.c_str(), &actions, attr.get(), argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (rc != 0) {
        close(pipe_fds[0]);
        throw std::system_error(rc, std::generic_category(), "posix_spawn " + executable);
    }
    child->fd_ = pipe_fds[0];
    // Held from the start: it keeps naming this process even once its pid
    // is reused.
    char status_path[32];
    std::snprintf(status_path, sizeof status_path, "/proc/%d/status", static_cast<int>(child->pid_));
    child->status_fd_ = ::open(status_path, O_RDONLY | O_CLOEXEC);
    child->on_line_ = std::move(on_line);
    child->on_exit_ = std::move(on_exit);
    ChildProcess* self = child.get();
    child->reader_ = std::thread([self] { self->read_output(); });
    child->waiter_ = std::thread([self] {
        // Wait for the exit without reaping first: while the zombie exists
        // its pid (and process group id) cannot be reused, so kill() never
        // signals a stranger's group; exited_ is set before the reaping.
        siginfo_t info{};
        while (waitid(P_PID, static_cast<id_t>(self->pid_), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
        }
        {
            std::lock_guard lock(self->kill_mutex_);
            self->exited_ = true;
        }
        int status = 0;
        while (waitpid(self->pid_, &status, 0) < 0 && errno == EINTR) {
        }
        // Deliver the last output before the exit (bounded: a grandchild
        // could keep the pipe open).
        {
            std::unique_lock lock(self->output_mutex_);
            self->delivered_.wait_for(lock, std::chrono::milliseconds(200), [self] { return self->eof_; });
        }
        self->on_exit_(status);
    });
    return child;
}

void ChildProcess::read_output() {
    std::string pending;
    char buf[8192];
    for (;;) {
        // Waits for output without the lock, then reads under it: drain()
        // sees each byte in the pipe or in read_bytes_, never in between.
        // (Marked after the read, a chunk just taken out of the pipe was
        // neither, and an invocation's last log line went missing now and then.)
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        ssize_t n;
        {
            std::lock_guard lock(output_mutex_);
            n = read(fd_, buf, sizeof buf);
            if (n > 0) read_bytes_ += static_cast<std::uint64_t>(n);
        }
        if (n <= 0) {
            if (n < 0 && errno == EINTR) continue;
            break;
        }
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t start = 0;
        for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1)
            on_line_(std::string_view(pending).substr(start, nl - start));
        pending.erase(0, start);
        {
            std::lock_guard lock(output_mutex_);
            delivered_bytes_ += static_cast<std::uint64_t>(n);
        }
        delivered_.notify_all();
    }
    if (!pending.empty()) on_line_(pending);
    {
        std::lock_guard lock(output_mutex_);
        eof_ = true;
    }
    delivered_.notify_all();
}

void ChildProcess::drain(std::chrono::milliseconds limit) {
    std::unique_lock lock(output_mutex_);  // no read(2) under way: each byte is in the pipe or counted
    int available = 0;
    if (ioctl(fd_, FIONREAD, &available) != 0) available = 0;
    const std::uint64_t target = read_bytes_ + static_cast<std::uint64_t>(std::max(available, 0));
    delivered_.wait_for(lock, limit, [&] { return eof_ || delivered_bytes_ >= target; });
}

void ChildProcess::kill(int signal) {
    // The whole process group: a custom runtime's children (curl waiting on
    // /next) go with it.
    std::lock_guard lock(kill_mutex_);
    if (!exited_ && pid_ > 0) ::kill(-pid_, signal);
}

std::uint64_t ChildProcess::max_memory_mb() const {
    // Read on every invocation (the REPORT line): one pread(2) of the file
    // opened at spawn into a stack buffer (opening it is a third of the cost).
    if (status_fd_ < 0) return 0;
    char buf[4096];
    ssize_t n = ::pread(status_fd_, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;  // exited
    buf[n] = '\0';
    const char* hwm = std::strstr(buf, "\nVmHWM:");
    if (!hwm) return 0;
    return (std::strtoull(hwm + 8, nullptr, 10) + 1023) / 1024;
}

std::string ChildProcess::describe_exit(int status) {
    if (WIFSIGNALED(status)) {
        std::string name = strsignal(WTERMSIG(status));
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return "signal: " + name;
    }
    return "exit status " + std::to_string(WEXITSTATUS(status));
}

ChildProcess::~ChildProcess() {
    kill(SIGKILL);
    if (waiter_.joinable()) waiter_.join();
    if (reader_.joinable()) reader_.join();
    if (fd_ >= 0) close(fd_);
    if (status_fd_ >= 0) close(status_fd_);
}

CommandOutput run_command(const std::vector<std::string>& args, const CommandOptions& options) {
    CommandOutput result;
    if (args.empty()) return result;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return result;  // no other child keeps it open
    const int captured = options.capture_stderr ? 2 : 1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], captured);
    posix_spawn_file_actions_addopen(&actions, 3 - captured, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // as for environments
    SpawnAttributes attr(false);
    std::vector<char*> argv = c_strings(args);
    std::vector<char*> envp = options.environment ? c_strings(*options.environment) : std::vector<char*>{};
    pid_t pid = -1;
    int rc = posix_spawn(&pid, args[0].c_str(), &actions, attr.get(), argv.data(), options.environment ? envp.data() : environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc == 0) {
        char buf[4096];
        for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
            if (n < 0) {
                if (errno == EINTR) continue;
                break;
            }
            std::size_t room = options.max_bytes - result.out.size();
            result.out.append(buf, std::min(room, static_cast<std::size_t>(n)));
        }
        while (waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
        }
        result.started = true;
    }
    close(fds[0]);
    return result;
}

}  // namespace lowcloud::lambda
