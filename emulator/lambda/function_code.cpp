// Function code: snapshots of native libraries (hot reload), zip packages
// and configuration updates (see function.hpp).
#include "lambda/function_internal.hpp"

#include "common/encoding.hpp"
#include "common/ids.hpp"
#include "lambda/library.hpp"
#include "lambda/process.hpp"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <fstream>

namespace lowcloud::lambda {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace detail;

namespace {

// Runs `lowcloud runtime --check` on a library; false with the error text
// (what the check wrote on standard error).
bool check_in_child(const std::string& exe, const fs::path& library, const std::string& handler, std::string& error) {
    CommandOptions options;
    options.capture_stderr = true;
    options.environment.emplace();  // none
    auto r = run_command({exe, "runtime", "--check", "--library", library.string(), "--handler", handler}, options);
    if (!r.started) return error = "cannot run " + exe, false;
    error = std::move(r.out);
    while (!error.empty() && error.back() == '\n') error.pop_back();
    return WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0;
}

// Lambda's CodeSha256. Streamed in 1 MB blocks: debug builds of handlers
// are tens of MB, and startup waits for this.
std::string file_sha256_base64(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    std::vector<char> block(1 << 20);
    while (in) {
        in.read(block.data(), static_cast<std::streamsize>(block.size()));
        EVP_DigestUpdate(ctx.get(), block.data(), static_cast<std::size_t>(in.gcount()));
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &n);
    return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), n));
}

// Lambda's LastModified format: 2026-12-03T12:35:26.123+0000.
std::string lambda_time(std::chrono::system_clock::time_point when) {
    auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(when);
    std::time_t t = std::chrono::system_clock::to_time_t(ms);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[48];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03d+0000", static_cast<int>(ms.time_since_epoch().count() % 1000));
    return buf;
}

}  // namespace

Function::Function(FunctionConfig config, const Host& host, Logger& logger, unsigned pool)
    : config_(std::move(config)), pool_(pool), host_(host), logger_(logger) {
    if (config_.package) adopt_package_locked();
    // The interpreter's version is read (a pyenv shim takes ~50 ms) while the
    // function waits for its first invocation, which waits only for the rest.
    if (host_.runtimes) host_.runtimes->prepare(config_.runtime);
}

// Zip code is fixed per configuration: its facts are the package's.
void Function::adopt_package_locked() {
    code_sha256_ = config_.package->sha256;
    code_size_ = config_.package->zip_size;
    revision_id_ = random_uuid();
    last_modified_ = lambda_time(std::chrono::system_clock::now());
    ++code_version_;
}

FunctionConfig Function::config() const {
    std::lock_guard lock(mutex_);
    return config_;
}

void Function::update(FunctionConfig next) {
    std::lock_guard lock(mutex_);
    bool was_library = !config_.package;
    config_ = std::move(next);
    if (host_.runtimes) host_.runtimes->prepare(config_.runtime);
    if (config_.package) {
        adopt_package_locked();
    } else {
        // A library function's configuration changed: same snapshot, new
        // environments (they read timeout, memory and variables at start).
        revision_id_ = random_uuid();
        last_modified_ = lambda_time(std::chrono::system_clock::now());
        if (!was_library) code_version_ = 0;  // back to a library: snapshot it on the next invocation
        else ++code_version_;
    }
    for (auto& [n, env] : environments_)
        if (env->state == Environment::State::idle) stop_environment_locked(*env);
}

void Function::restore_revision(const std::string& revision_id, const std::string& last_modified) {
    std::lock_guard lock(mutex_);
    if (!revision_id.empty()) revision_id_ = revision_id;
    if (!last_modified.empty()) last_modified_ = last_modified;
}

std::string Function::code_sha256() const {
    std::lock_guard lock(mutex_);
    return code_sha256_;
}
std::uint64_t Function::code_size() const {
    std::lock_guard lock(mutex_);
    return code_size_;
}
std::string Function::revision_id() const {
    std::lock_guard lock(mutex_);
    return revision_id_;
}
std::string Function::last_modified() const {
    std::lock_guard lock(mutex_);
    return last_modified_;
}
std::filesystem::path Function::code_path() const {
    std::lock_guard lock(mutex_);
    if (config_.package) return config_.package->dir;
    return snapshot_ ? snapshot_->path : fs::path();
}

std::string Function::arn() const {
    return "arn:aws:lambda:" + host_.region + ":" + host_.account_id + ":function:" + config_.name;
}

std::string Function::version_arn() const { return arn() + ":" + config_.version; }

void Function::check_library() {
    std::lock_guard lock(mutex_);
    std::string error;
    if (!refresh_code_locked(error))
        throw std::runtime_error("function " + config_.name + ": library " + config_.library.string() + ": " + error);
}

// Snapshots and checks the library when it changed since the last look.
bool Function::refresh_code_locked(std::string& error) {
    if (config_.package) return true;  // zip code changes only through update()
    // One stat() per invocation on the hot path; the rest only on a change.
    struct stat st {};
    const bool stated = ::stat(config_.library.c_str(), &st) == 0;
    const std::int64_t stat_ns = stated ? std::int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec : -1;
    if (stated && code_version_ && stat_ns == code_stat_ns_ && std::uintmax_t(st.st_size) == code_size_) return true;
    std::error_code ec;
    auto mtime = fs::last_write_time(config_.library, ec);
    auto size = ec ? 0 : fs::file_size(config_.library, ec);
    if (ec) return error = "Runtime.ImportModuleError: cannot read " + config_.library.string() + ": " + ec.message(), false;
    if (code_version_ && mtime == code_mtime_ && size == code_size_) {
        code_stat_ns_ = stat_ns;  // the library changed under the first stat: the next check is one stat again
        return true;
    }
    std::string stamp = std::to_string(mtime.time_since_epoch().count()) + "/" + std::to_string(size);
    // A build already rejected: the previous code keeps serving (the one
    // invocation that found the broken build failed with its error).
    if (stamp == rejected_code_) return code_version_ ? true : (error = rejected_error_, false);

    fs::create_directories(host_.scratch, ec);
    // A new name for each snapshot: an environment may still run an older
    // one (code_version_ restarts when a zip function goes back to a library).
    auto snapshot = std::make_shared<const Snapshot>(host_.scratch / (config_.name + "-p" + std::to_string(pool_) + "-v" +
                                                                     std::to_string(++snapshots_made_) + ".so"));
    fs::copy_file(config_.library, snapshot->path, fs::copy_options::overwrite_existing, ec);
    if (ec) return error = "Runtime.ImportModuleError: cannot copy " + config_.library.string() + ": " + ec.message(), false;
    std::shared_ptr<void> loaded;
    bool ok;
    if (config_.isolation == Isolation::in_process) {
        try {
            loaded = std::shared_ptr<Library>(Library::load(snapshot->path, config_.handler));
            ok = true;
        } catch (const LoadError& e) {
            error = e.type() + ": " + e.what();
            ok = false;
        }
    } else {
        ok = check_in_child(host_.executable, snapshot->path, config_.handler, error);
    }
    if (!ok) {
        rejected_code_ = stamp;
        rejected_error_ = error;
        if (code_version_) logger_.warn("lambda " + config_.name + ": the new build of " + config_.library.string() +
                                        " cannot be used (" + error + "); the previous code keeps serving");
        return false;
    }
    if (code_version_) logger_.info("lambda " + config_.name + ": reloaded " + config_.library.string());
    // The previous snapshot's file goes with the last environment started on it.
    snapshot_ = std::move(snapshot);
    code_sha256_ = file_sha256_base64(snapshot_->path);
    revision_id_ = random_uuid();
    last_modified_ = lambda_time(std::chrono::time_point_cast<std::chrono::system_clock::duration>(std::chrono::file_clock::to_sys(mtime)));
    in_process_library_ = loaded;
    code_mtime_ = mtime;
    code_stat_ns_ = stat_ns;
    code_size_ = size;
    ++code_version_;
    rejected_code_.clear();
    // Idle environments run the old code: stop them. Busy ones stop after
    // their invocation (runtime_next sees the old version).
    for (auto& [n, env] : environments_)
        if (env->state == Environment::State::idle) stop_environment_locked(*env);
    return true;
}

}  // namespace lowcloud::lambda
