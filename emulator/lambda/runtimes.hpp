// Lambda runtimes: which `Runtime` values lowcloud accepts, and how an
// execution environment of each is started. Every environment speaks the
// Runtime API at AWS_LAMBDA_RUNTIME_API (a bare host:port, as on AWS):
//   - native (a manifest `library:`): `lowcloud runtime --library ...`;
//   - python3.8 .. python3.13: the machine's python3 running lowcloud's
//     runtime client (runtimes/python/bootstrap.py, embedded in the binary
//     and written out under the scratch folder);
//   - nodejs18.x / 20.x / 22.x: the machine's node running
//     runtimes/node/bootstrap.mjs;
//   - provided / provided.al2 / provided.al2023: the package's executable
//     `bootstrap`, as AWS starts it.
// Interpreters are found on the emulator's PATH once (LOWCLOUD_PYTHON and
// LOWCLOUD_NODE override) and their versions read once. Python's is read by
// running it, which also resolves a version manager's shim to the
// interpreter it picks (pyenv's shim is resolved from pyenv's files first
// when it can be, pyenv.hpp: its bash start-up costs 50-230 ms a run);
// prepare() starts that run on a thread of
// its own when a function is created, so that it overlaps the creation and
// whatever comes before the first invocation (an Invoke right after the
// CreateFunction still waits for the rest of it, in launch()).
// Thread-safety: Runtimes is immutable after construction except for the
// lazily read interpreter versions, which are guarded; every method may be
// called from any thread. The destructor waits for a running version read.
#pragma once

#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace lowcloud::lambda {

enum class RuntimeKind { native, python, node, bootstrap };

// Every Runtime value AWS accepts for zip functions today.
const std::vector<std::string>& aws_runtimes();
// The ones lowcloud runs (a subset of aws_runtimes()).
const std::vector<std::string>& supported_runtimes();
// The kind of a supported runtime; nullopt for any other value.
std::optional<RuntimeKind> runtime_kind(const std::string& runtime);

// The content of a runtime-client file built into the binary, by its path
// under emulator/lambda/runtimes/ ("python/lowcloud_endpoints.py"); "" when
// there is none. (`lowcloud env` reuses the botocore endpoint shim.)
std::string_view embedded_runtime_file(std::string_view path);

// How to start one environment.
struct Launch {
    std::string executable;
    std::vector<std::string> args;      // argv, including argv[0]
    std::vector<std::string> env;       // runtime-specific NAME=value additions
    std::string missing;                // non-empty: cannot start, Lambda's init error message
    std::string missing_type;           // its errorType
};

class Runtimes {
public:
    // `scratch`: where the embedded runtime clients are written;
    // `self`: this binary (runs native libraries).
    Runtimes(std::filesystem::path scratch, std::string self);
    ~Runtimes();
    Runtimes(const Runtimes&) = delete;
    Runtimes& operator=(const Runtimes&) = delete;

    // Starts reading the version of the interpreter `runtime` uses (python3.x
    // only: the one that costs a run) unless started already; returns at
    // once. Never throws: without a thread for it, launch() reads it.
    void prepare(const std::string& runtime) const noexcept;

    // The command for an environment of `runtime` (empty for a manifest
    // library) with code in `task_root` and handler `handler`.
    Launch launch(const std::string& runtime, const std::filesystem::path& task_root, const std::filesystem::path& library,
                  const std::string& handler) const;

    // "3.11.2" / "20.19.2" of the interpreter a runtime uses, "" when absent.
    std::string interpreter_version(RuntimeKind kind) const;
    // A one-line warning when `runtime` asks for another version than the
    // machine has (python3.8 on 3.11), else "".
    std::string version_mismatch(const std::string& runtime) const;

private:
    // Starts the Python version read unless started or there is no python3.
    void start_python_read_locked() const;
    // Waits for the Python version read, starting it if need be.
    void await_python() const;

    std::filesystem::path clients_;  // folder with python/ and node/
    std::string self_;
    mutable std::string python_;  // resolved past shims by the version read (under mutex_)
    std::string node_;
    mutable std::mutex mutex_;
    mutable std::optional<std::string> python_version_, node_version_;
    mutable std::shared_future<void> python_read_;  // the version read, once started (under mutex_)
};

}  // namespace lowcloud::lambda
