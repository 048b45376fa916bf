// Runtime values and environment launch commands (see runtimes.hpp).
#include "lambda/runtimes.hpp"

#include "lambda/process.hpp"
#include "lambda/pyenv.hpp"
#include "lambda/runtime_clients.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>

namespace lowcloud::lambda {

namespace fs = std::filesystem;

const std::vector<std::string>& aws_runtimes() {
    // botocore's Runtime enum (deprecated values included: AWS still
    // validates against them, and refuses creation with its own message).
    static const std::vector<std::string> v = {
        "nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "java8",
        "java8.al2", "java11", "python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "dotnetcore1.0",
        "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "nodejs4.3-edge", "go1.x", "ruby2.5",
        "ruby2.7", "provided", "provided.al2", "nodejs18.x", "python3.10", "java17", "ruby3.2", "ruby3.3", "ruby3.4",
        "python3.11", "nodejs20.x", "provided.al2023", "python3.12", "java21", "python3.13", "nodejs22.x"};
    return v;
}

const std::vector<std::string>& supported_runtimes() {
    static const std::vector<std::string> v = {"nodejs18.x", "nodejs20.x",   "nodejs22.x",   "provided",   "provided.al2",
                                               "provided.al2023", "python3.8", "python3.9", "python3.10", "python3.11",
                                               "python3.12", "python3.13"};
    return v;
}

std::optional<RuntimeKind> runtime_kind(const std::string& runtime) {
    const auto& s = supported_runtimes();
    if (std::find(s.begin(), s.end(), runtime) == s.end()) return std::nullopt;
    if (runtime.rfind("python", 0) == 0) return RuntimeKind::python;
    if (runtime.rfind("nodejs", 0) == 0) return RuntimeKind::node;
    return RuntimeKind::bootstrap;
}

std::string_view embedded_runtime_file(std::string_view path) {
    for (const auto& [name, content] : embedded_runtime_files())
        if (name == path) return content;
    return {};
}

namespace {

// The interpreter `name`, or the one the variable names (a path, or a name
// looked up on PATH like `name`); "" when none is found.
std::string find_on_path(const char* override_var, std::string name) {
    if (const char* o = std::getenv(override_var); o && *o) {
        if (std::strchr(o, '/')) return o;
        name = o;
    }
    const char* path = std::getenv("PATH");
    std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= p.size()) {
        auto colon = p.find(':', start);
        std::string dir = p.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        if (!dir.empty()) {
            std::string candidate = dir + "/" + name;
            if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        }
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    return "";
}

// First line a command prints on stdout, "" when it cannot run. No shell:
// interpreter paths with quotes or spaces are fine.
std::string first_line(const std::vector<std::string>& argv) {
    CommandOptions options;
    options.max_bytes = 4096;
    std::string out = run_command(argv, options).out;
    out = out.substr(0, out.find('\n'));
    while (!out.empty() && out.back() == '\r') out.pop_back();
    return out;
}

}  // namespace

Runtimes::Runtimes(fs::path scratch, std::string self)
    : clients_(std::move(scratch) / "runtime-clients"), self_(std::move(self)) {
    python_ = find_on_path("LOWCLOUD_PYTHON", "python3");
    node_ = find_on_path("LOWCLOUD_NODE", "node");
    for (const auto& [name, content] : embedded_runtime_files()) {
        fs::path target = clients_ / std::string(name);
        fs::create_directories(target.parent_path());
        std::ofstream out(target, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
    }
}

Runtimes::~Runtimes() {
    std::shared_future<void> read;
    {
        std::lock_guard lock(mutex_);
        read = python_read_;
    }
    if (read.valid()) read.wait();
}

void Runtimes::prepare(const std::string& runtime) const noexcept {
    if (runtime_kind(runtime) != RuntimeKind::python) return;
    try {
        std::lock_guard lock(mutex_);
        start_python_read_locked();
    } catch (const std::exception&) {
        // No thread to run it on: the first launch reads it (and reports).
    }
}

void Runtimes::start_python_read_locked() const {
    if (python_read_.valid() || python_.empty()) return;
    // One run tells the version and the real interpreter: a version
    // manager's shim (pyenv) would add its own start-up to every cold start,
    // so environments run what it resolves to. -S: no site import (7 ms a
    // run instead of 30; neither answer depends on it).
    // A read that cannot run leaves the version "" and python3 as found
    // (what an interpreter that printed nothing would leave).
    // A pyenv shim is resolved from pyenv's files first when it can be
    // (pyenv.hpp): the shim's bash start-up cost 230 ms of the first Python
    // invoke after the server started, on a machine where Python itself
    // starts in 77.
    python_read_ = std::async(std::launch::async, [this, found = python_] {
                       std::string line;
                       try {
                           std::string python = found;
                           if (auto real = resolve_pyenv_shim(found, PyenvContext::current())) python = real->string();
                           line = first_line({python, "-S", "-c", "import sys;print('%d.%d.%d' % sys.version_info[:3], sys.executable)"});
                       } catch (const std::exception&) {
                       }
                       auto space = line.find(' ');
                       std::lock_guard lock(mutex_);
                       python_version_ = line.substr(0, space);
                       if (space != std::string::npos && ::access(line.c_str() + space + 1, X_OK) == 0) python_ = line.substr(space + 1);
                   }).share();
}

void Runtimes::await_python() const {
    std::shared_future<void> read;
    {
        std::lock_guard lock(mutex_);
        start_python_read_locked();
        read = python_read_;
    }
    if (read.valid()) read.wait();
}

std::string Runtimes::interpreter_version(RuntimeKind kind) const {
    if (kind == RuntimeKind::python) {
        await_python();
        std::lock_guard lock(mutex_);
        return python_version_.value_or("");
    }
    std::lock_guard lock(mutex_);
    if (kind == RuntimeKind::node) {
        if (!node_version_) {
            std::string v = node_.empty() ? "" : first_line({node_, "--version"});
            node_version_ = v.empty() || v[0] != 'v' ? v : v.substr(1);
        }
        return *node_version_;
    }
    return "";
}

std::string Runtimes::version_mismatch(const std::string& runtime) const {
    auto kind = runtime_kind(runtime);
    if (!kind || (*kind != RuntimeKind::python && *kind != RuntimeKind::node)) return "";
    std::string have = interpreter_version(*kind);
    if (have.empty()) return "";
    if (*kind == RuntimeKind::python) {
        std::string want = runtime.substr(6);  // "3.12"
        if (have == want || have.rfind(want + ".", 0) == 0) return "";
        return runtime + " runs on this machine's Python " + have + " (" + python_ + "), not Python " + want;
    }
    std::string want = runtime.substr(6, runtime.size() - 8);  // "20"
    if (have.rfind(want + ".", 0) == 0) return "";
    return runtime + " runs on this machine's Node.js " + have + " (" + node_ + "), not Node.js " + want;
}

Launch Runtimes::launch(const std::string& runtime, const fs::path& task_root, const fs::path& library, const std::string& handler) const {
    Launch l;
    if (runtime.empty()) {
        l.executable = self_;
        l.args = {self_, "runtime", "--library", library.string(), "--handler", handler};
        return l;
    }
    auto kind = runtime_kind(runtime);
    l.env.push_back("AWS_EXECUTION_ENV=AWS_Lambda_" + runtime);
    if (kind == RuntimeKind::python) {
        await_python();  // resolves python_ once
        std::string python;
        {
            std::lock_guard lock(mutex_);
            python = python_;
        }
        if (python.empty()) return l.missing_type = "Runtime.Unavailable", l.missing = "python3 was not found on this machine's PATH", l;
        l.executable = python;
        l.args = {python, "-u", (clients_ / "python" / "bootstrap.py").string()};
        l.env.push_back("PYTHONUNBUFFERED=1");
        // The code folder is read-only and shared, as on AWS: no bytecode
        // written (a cache prefix would also recompile the whole stdlib once).
        l.env.push_back("PYTHONDONTWRITEBYTECODE=1");
        return l;
    }
    if (kind == RuntimeKind::node) {
        if (node_.empty()) return l.missing_type = "Runtime.Unavailable", l.missing = "node was not found on this machine's PATH", l;
        fs::path entry = clients_ / "node" / "bootstrap.mjs";
        if (!fs::exists(entry)) entry = clients_ / "node" / "bootstrap.js";
        l.executable = node_;
        l.args = {node_, entry.string()};
        l.env.push_back("NODE_PATH=" + task_root.string() + "/node_modules");
        return l;
    }
    fs::path bootstrap = task_root / "bootstrap";
    struct stat st{};
    if (::stat(bootstrap.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
        l.missing_type = "Runtime.InvalidEntrypoint";
        l.missing = "Couldn't find valid bootstrap(s): [" + bootstrap.string() + "]";
        return l;
    }
    l.executable = bootstrap.string();
    l.args = {bootstrap.string()};
    return l;
}

}  // namespace lowcloud::lambda
