// One function's environments and invocations (see function.hpp for the
// model): placement, process environments driven by their Runtime API
// calls (runtime_next / runtime_response / runtime_error /
// runtime_init_error), logs, timeouts and idle reaping. In-process workers
// (function_in_process.cpp) take the same path through deliver_locked /
// finish_locked; code and updates are in function_code.cpp.
#include "lambda/function_internal.hpp"

#include "common/encoding.hpp"
#include "common/ids.hpp"
#include "json/json_parse.hpp"
#include "lambda/host.hpp"

#include <signal.h>

#include <algorithm>
#include <cmath>

namespace lowcloud::lambda {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace detail;

namespace {
// How long an answer waits for the lines its handler printed before it to
// reach the invocation's log: drain() returns as soon as they have (a
// handler that keeps printing does not hold it here). 20 ms lost a line now
// and then on a loaded machine, where the reader thread waits for a core.
constexpr std::chrono::milliseconds kLogDrainLimit{2000};
constexpr std::size_t kTailBytes = 4096;
constexpr std::size_t kRecentLines = 1000;

// The Runtime API's answer to a result (or an init error): 202. Held for
// the next invocation when the runtime has already asked for it on the
// same connection (lowcloud's own runtime pipelines its result with the
// next GET /next): both answers then go out in one write.
http::Response result_accepted() {
    http::Response r = http::Response::text(202, R"({"status":"OK"})", "application/json");
    r.hold_for_pipelined = true;
    return r;
}
}  // namespace

Function::~Function() {
    std::vector<std::shared_ptr<Environment>> envs;
    std::vector<std::thread> workers;
    std::vector<std::shared_ptr<ChildProcess>> processes;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto& [n, env] : environments_) {
            if (env->current && !env->current->finished)
                finish_locked(env.get(), env->current, InvokeResult::Status::failed_to_start,
                              error_payload("Runtime.Shutdown", "the emulator is shutting down"));
            stop_environment_locked(*env);
            envs.push_back(env);
        }
        for (auto& inv : backlog_) inv->finished = true;
        envs.insert(envs.end(), retired_.begin(), retired_.end());
        retired_.clear();
        // Workers and processes change hands under the lock: a worker told
        // to stop detaches itself unless its thread was taken here, and a
        // process's exit (on_exit, on its own thread) reads env->process.
        for (auto& env : envs) {
            if (env->process) processes.push_back(std::move(env->process));
            if (!env->worker.joinable()) continue;
            if (env->runaway) env->worker.detach();
            else workers.push_back(std::move(env->worker));
        }
    }
    for (auto& worker : workers) worker.join();
    for (auto& process : processes) {
        process->kill(SIGKILL);
        process.reset();  // joins its threads (their on_exit finds the environment without a process)
    }
    for (auto& env : envs) {
        std::error_code ec;
        if (!env->tmp.empty()) fs::remove_all(env->tmp, ec);
    }
}

void Function::drain() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [n, env] : environments_)
        if (env->state != Environment::State::busy) stop_environment_locked(*env);
}

void Function::invoke(InvokeRequest request, InvokeDone done) {
    std::unique_lock lock(mutex_);
    std::string error;
    if (stopping_ || !refresh_code_locked(error)) {
        lock.unlock();
        auto colon = error.find(": ");
        InvokeResult r{InvokeResult::Status::function_error, random_uuid(),
                       error_payload(colon == std::string::npos ? "Runtime.ImportModuleError" : error.substr(0, colon),
                                     colon == std::string::npos ? error : error.substr(colon + 2)),
                       ""};
        if (stopping_) r = {InvokeResult::Status::failed_to_start, r.request_id, error_payload("Runtime.Shutdown", "shutting down"), ""};
        return done(std::move(r));
    }
    auto inv = std::make_shared<Invocation>();
    inv->request_id = random_uuid();
    inv->request = std::move(request);
    inv->done = std::move(done);

    // Lambda's placement: the most recently used idle environment, else a
    // new one under the cap, else throttle (sync) or queue (async).
    // An environment that just answered and is on its way back to /next is
    // as good as idle: reserve it rather than start a cold one.
    // Among idle environments, one whose /next waits on this thread (the
    // caller's I/O thread) comes first: the event is written and its result
    // read on this thread, with no hand-off to another one and back. So a
    // serial caller whose requests arrive on different I/O threads may keep
    // one warm environment per I/O thread in use (Lambda promises no
    // placement either); the rest are reaped when idle as before.
    std::shared_ptr<Environment> idle, idle_here, returning;
    const std::thread::id here = std::this_thread::get_id();
    unsigned live = 0;
    for (auto& [n, env] : environments_) {
        if (env->state == Environment::State::stopping) continue;
        ++live;
        if (env->version != code_version_) continue;
        if (env->state == Environment::State::idle) {
            if (!idle || env->last_used > idle->last_used) idle = env;
            if (env->parked_on == here && (!idle_here || env->last_used > idle_here->last_used)) idle_here = env;
        }
        if (env->state == Environment::State::returning && !env->current) returning = env;
    }
    if (idle_here) idle = idle_here;
    bool placed = true;
    if (idle) deliver_locked(*idle, inv);
    else if (returning) returning->current = inv;
    else if (live < config_.concurrency_cap()) placed = spawn_locked(inv) != nullptr;
    else if (inv->request.async) backlog_.push_back(inv);
    else placed = false;

    if (inv->request.async) {
        InvokeDone accepted = inv->done;
        inv->done = nullptr;
        lock.unlock();
        accepted(InvokeResult{InvokeResult::Status::success, inv->request_id, "", ""});
        return;
    }
    if (!placed) {
        inv->finished = true;
        lock.unlock();
        inv->done(InvokeResult{InvokeResult::Status::throttled, inv->request_id, "", ""});
    }
}

std::shared_ptr<Function::Environment> Function::spawn_locked(const std::shared_ptr<Invocation>& reserved) {
    auto env = std::make_shared<Environment>();
    env->created = env->last_used = now();
    env->number = next_environment_++;
    env->version = code_version_;
    if (!config_.package) env->snapshot = snapshot_;
    env->current = reserved;
    std::error_code ec;
    env->tmp = host_.scratch / ("tmp-" + config_.name + "-" + std::to_string(env->number));
    fs::create_directories(env->tmp, ec);
    environments_[env->number] = env;
    try {
        if (config_.isolation == Isolation::in_process) {
            env->worker = std::thread([this, env] { worker_loop(env); });
            return env;
        }
        Launch launch = host_.runtimes->launch(config_.runtime, code_dir_locked(), snapshot_ ? snapshot_->path : fs::path(), config_.handler);
        if (!launch.missing.empty()) throw StartError(launch.missing_type, launch.missing);
        if (!warned_version_ && !config_.runtime.empty()) {
            warned_version_ = true;
            std::string mismatch = host_.runtimes->version_mismatch(config_.runtime);
            if (!mismatch.empty()) logger_.warn("lambda " + config_.name + ": " + mismatch);
        }
        // CloudWatch's stream name: "YYYY/MM/DD/[VERSION]" + 32 hex digits.
        std::string uuid = random_uuid();
        std::erase(uuid, '-');
        std::string stream = utc_timestamp_ms().substr(0, 10) + "/[" + config_.version + "]" + uuid;
        std::replace(stream.begin(), stream.begin() + 10, '-', '/');
        std::string prefix = "/_lowcloud/runtime/" + std::to_string(pool_) + "/" + std::to_string(env->number);
        std::string runtime_api = host_.runtime_api + prefix;
        if (host_.open_runtime_port) {
            env->port = host_.open_runtime_port(prefix);
            if (env->port) runtime_api = host_.runtime_api.substr(0, host_.runtime_api.rfind(':') + 1) + std::to_string(env->port);
        }
        std::vector<std::string> vars = {
            "AWS_LAMBDA_FUNCTION_NAME=" + config_.name,
            "AWS_LAMBDA_FUNCTION_VERSION=" + config_.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + std::to_string(config_.memory_mb),
            "AWS_REGION=" + host_.region,
            "AWS_DEFAULT_REGION=" + host_.region,
            "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + config_.name,
            "AWS_LAMBDA_LOG_STREAM_NAME=" + stream,
            "AWS_LAMBDA_RUNTIME_API=" + runtime_api,
            "AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
            "_HANDLER=" + config_.handler,
            "LAMBDA_TASK_ROOT=" + code_dir_locked().string(),
            "LAMBDA_RUNTIME_DIR=" + fs::path(launch.executable).parent_path().string(),
            "AWS_ACCESS_KEY_ID=" + host_.access_key_id,
            "AWS_SECRET_ACCESS_KEY=" + host_.secret_access_key,
            "AWS_SESSION_TOKEN=test",
            "AWS_ENDPOINT_URL=" + host_.endpoint_url,
            "AWS_ENDPOINT_URL_DYNAMODB=" + host_.endpoint_url,
            "AWS_ENDPOINT_URL_LAMBDA=" + host_.endpoint_url,
            "TMPDIR=" + env->tmp.string(),
            "HOME=" + env->tmp.string(),
            "TZ=:UTC",
            "PATH=/usr/local/bin:/usr/bin:/bin",
            "LANG=C.UTF-8",
        };
        if (host_.spin.count() > 0) vars.push_back("LOWCLOUD_SPIN_US=" + std::to_string(host_.spin.count()));
        if (host_.local_handler.load() && !host_.runtime_api.empty()) vars.push_back(std::string(kEndpointVariable) + "=" + host_.runtime_api);
        vars.insert(vars.end(), launch.env.begin(), launch.env.end());
        for (const auto& [k, v] : config_.environment) vars.push_back(k + "=" + v);
        Environment* raw = env.get();
        unsigned number = env->number;
        // Init Duration counts from here, as Lambda's init phase starts with
        // the runtime: unpacking the code and reading the interpreter's
        // version (once per server) are lowcloud's, not the function's.
        env->created = env->last_used = now();
        env->process = ChildProcess::spawn(launch.executable, launch.args, vars, [this, raw](std::string_view line) { on_line(*raw, line); },
                                           [this, number](int status) { on_exit(number, status); }, code_dir_locked());
    } catch (const StartError& e) {
        environments_.erase(env->number);
        if (env->port && host_.close_runtime_port) host_.close_runtime_port(env->port);
        if (reserved) finish_locked(nullptr, reserved, InvokeResult::Status::function_error, error_payload(e.type, e.what()));
        return nullptr;
    } catch (const std::exception& e) {
        environments_.erase(env->number);
        if (env->port && host_.close_runtime_port) host_.close_runtime_port(env->port);
        if (reserved) finish_locked(nullptr, reserved, InvokeResult::Status::failed_to_start, error_payload("Runtime.StartError", e.what()));
        return nullptr;
    }
    return env;
}

void Function::deliver_locked(Environment& env, const std::shared_ptr<Invocation>& inv) {
    auto current = now();
    inv->start = current;
    inv->deadline = current + config_.timeout;
    inv->deadline_unix_ms = unix_ms_now() + config_.timeout.count();
    if (host_.wake_at) host_.wake_at(inv->deadline);
    env.current = inv;
    env.state = Environment::State::busy;
    env.last_used = current;
    log_line_locked(inv.get(), "START RequestId: " + inv->request_id + " Version: " + config_.version);
    if (config_.isolation == Isolation::in_process) {
        env.wake_worker();
        return;
    }
    http::Response r;
    r.set_header("Content-Type", "application/json");
    r.set_header("Lambda-Runtime-Aws-Request-Id", inv->request_id);
    r.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(inv->deadline_unix_ms));
    r.set_header("Lambda-Runtime-Invoked-Function-Arn", inv->request.invoked_arn.empty() ? arn() : inv->request.invoked_arn);
    r.set_header("Lambda-Runtime-Trace-Id", "Root=1-" + random_uuid().substr(0, 8) + "-" + random_alnum_id(24) + ";Sampled=0");
    if (!inv->request.client_context.empty()) r.set_header("Lambda-Runtime-Client-Context", inv->request.client_context);
    r.body = inv->request.payload;
    http::Respond respond = std::move(env.parked);
    env.parked = nullptr;
    if (respond) respond(std::move(r));
}

void Function::log_line_locked(Invocation* inv, const std::string& line) {
    if (inv) inv->log += line + "\n";
    recent_logs_.push_back(line);
    if (recent_logs_.size() > kRecentLines) recent_logs_.pop_front();
    if (logger_.enabled(LogLevel::info)) logger_.info("lambda " + config_.name + " " + line);
}

void Function::on_line(Environment& env, std::string_view line) {
    std::lock_guard lock(env.output_mutex);
    env.output.append(line);
    env.output += '\n';
}

void Function::Handoff::run() {
    if (!done || !result) return;
    InvokeDone call = std::move(done);
    done = nullptr;
    call(std::move(*result));
}

Function::Handoff::~Handoff() {
    try {
        run();
    } catch (...) {  // a caller's callback that throws while the stack unwinds: nothing left to tell
    }
}

void Function::finish_locked(Environment* env, const std::shared_ptr<Invocation>& inv, InvokeResult::Status status, std::string payload,
                             Handoff* handoff) {
    if (inv->finished) return;
    inv->finished = true;
    if (env) {
        std::string output;
        {
            std::lock_guard lock(env->output_mutex);
            output.swap(env->output);
        }
        for (std::size_t at = 0; at < output.size();) {  // newline-terminated lines (on_line, append_output)
            std::size_t end = output.find('\n', at);
            if (end == std::string::npos) end = output.size();
            log_line_locked(inv.get(), output.substr(at, end - at));
            at = end + 1;
        }
    }
    if (inv->start != Clock::time_point{}) {
        double duration = ms_between(inv->start, inv->answered.value_or(now()));
        log_line_locked(inv.get(), "END RequestId: " + inv->request_id);
        std::string report = "REPORT RequestId: " + inv->request_id + "\tDuration: " + fixed2(duration) +
                             " ms\tBilled Duration: " + std::to_string(static_cast<long long>(std::ceil(duration))) +
                             " ms\tMemory Size: " + std::to_string(config_.memory_mb) + " MB\tMax Memory Used: " +
                             std::to_string(handoff && handoff->max_memory_mb ? *handoff->max_memory_mb
                                            : env && env->process ? env->process->max_memory_mb() : 0) +
                             " MB";
        if (env && !env->init_reported && env->init_ms >= 0) {
            report += "\tInit Duration: " + fixed2(env->init_ms) + " ms";
            env->init_reported = true;
        }
        log_line_locked(inv.get(), report);
    }
    if (inv->request.async) {
        if (status != InvokeResult::Status::success && inv->attempt < 2) {
            auto retry = std::make_shared<Invocation>(*inv);
            retry->attempt++;
            retry->finished = false;
            retry->log.clear();
            retry->start = {};
            retry->answered.reset();
            retries_.emplace_back(now() + std::chrono::milliseconds(100 * (1 << retry->attempt)), retry);
            if (host_.wake_at) host_.wake_at(retries_.back().first);
        }
        return;
    }
    InvokeResult result{status, inv->request_id, std::move(payload), ""};
    if (inv->request.tail) result.log_tail = inv->log.size() > kTailBytes ? inv->log.substr(inv->log.size() - kTailBytes) : inv->log;
    if (!inv->done) return;
    if (!handoff) return inv->done(std::move(result));
    handoff->done = std::move(inv->done);  // called once: the invocation is finished
    handoff->result = std::move(result);
}

std::shared_ptr<Function::Environment> Function::find_locked(unsigned env) const {
    auto it = environments_.find(env);
    return it == environments_.end() ? nullptr : it->second;
}

fs::path Function::code_dir_locked() const {
    return config_.package ? config_.package->dir : config_.library.parent_path();
}

void Function::stop_environment_locked(Environment& env) {
    env.state = Environment::State::stopping;
    if (env.port && host_.close_runtime_port) {
        host_.close_runtime_port(env.port);
        env.port = 0;
    }
    if (env.parked) {
        http::Respond respond = std::move(env.parked);
        env.parked = nullptr;
        respond(http::Response::text(410, R"({"errorMessage":"environment stopped"})", "application/json"));
    }
    // lowcloud's runtimes exit on the 410; a custom bootstrap may just ask
    // again (a bash loop with curl): the process group goes, as on AWS.
    if (env.process) env.process->kill(SIGKILL);
    env.wake_worker();
}

void Function::place_locked(const std::shared_ptr<Invocation>& inv) {
    std::shared_ptr<Environment> idle;
    unsigned live = 0;
    for (auto& [n, env] : environments_) {
        if (env->state == Environment::State::stopping) continue;
        ++live;
        if (env->version == code_version_ && env->state == Environment::State::idle && (!idle || env->last_used > idle->last_used)) idle = env;
    }
    if (idle) return deliver_locked(*idle, inv);
    if (live < config_.concurrency_cap()) {
        spawn_locked(inv);
        return;
    }
    backlog_.push_front(inv);
}

void Function::runtime_next(unsigned number, http::Respond respond) {
    std::lock_guard lock(mutex_);
    auto env = find_locked(number);
    if (!env || stopping_ || env->state == Environment::State::stopping || env->version != code_version_) {
        std::shared_ptr<Invocation> reserved;
        if (env) {
            env->state = Environment::State::stopping;
            if (env->process) env->process->kill(SIGKILL);
            // An invocation reserved for it while it was returning (before
            // new code arrived) goes to another environment, not down with it.
            if (env->current && !env->current->finished && env->current->start == Clock::time_point{}) reserved = env->current;
            env->current = nullptr;
        }
        respond(http::Response::text(410, R"({"errorMessage":"environment stopped"})", "application/json"));
        if (reserved && stopping_)
            finish_locked(nullptr, reserved, InvokeResult::Status::failed_to_start, error_payload("Runtime.Shutdown", "the emulator is shutting down"));
        else if (reserved)
            place_locked(reserved);
        return;
    }
    if (env->state == Environment::State::starting) env->init_ms = ms_between(env->created, now());
    env->parked = std::move(respond);
    env->parked_on = std::this_thread::get_id();
    if (env->current && !env->current->finished && env->current->start == Clock::time_point{}) return deliver_locked(*env, env->current);
    env->current = nullptr;
    while (!backlog_.empty()) {
        auto inv = backlog_.front();
        backlog_.pop_front();
        if (!inv->finished) return deliver_locked(*env, inv);
    }
    env->state = Environment::State::idle;
    env->last_used = now();
}

std::shared_ptr<Function::Environment> Function::environment_for_result(unsigned number, const std::string& request_id,
                                                                       const http::Respond& respond, Handoff& handoff) {
    std::shared_ptr<Environment> env;
    std::shared_ptr<ChildProcess> process;
    {
        std::lock_guard lock(mutex_);
        env = find_locked(number);
        if (!env || !env->current || env->current->request_id != request_id) {
            respond(http::Response::text(400, R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})", "application/json"));
            return nullptr;
        }
        // Answered now: the drain below counts neither in Duration nor
        // towards the timeout.
        if (!env->current->answered) env->current->answered = now();
        process = env->process;
    }
    // Every line the handler printed before answering belongs to this invocation.
    if (process) {
        process->drain(kLogDrainLimit);
        // A read of /proc/PID/status (the kernel formats all of it): ~4 us,
        // which under the mutex every other environment's answer waited for.
        handoff.max_memory_mb = process->max_memory_mb();
    }
    return env;
}

void Function::runtime_response(unsigned number, const std::string& request_id, std::string body, http::Respond respond) {
    Handoff handoff;
    auto env = environment_for_result(number, request_id, respond, handoff);
    if (!env) return;
    {
        std::lock_guard lock(mutex_);
        auto inv = env->current;
        if (!inv || inv->request_id != request_id) return respond(result_accepted());
        if (body.size() > kMaxResponseBytes) {
            finish_locked(env.get(), inv, InvokeResult::Status::function_error,
                          error_payload("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size (6291556 bytes)."),
                          &handoff);
            respond(http::Response::text(413, R"({"errorMessage":"payload too large","errorType":"RequestEntityTooLarge"})", "application/json"));
        } else {
            finish_locked(env.get(), inv, InvokeResult::Status::success, std::move(body), &handoff);
            respond(result_accepted());
        }
        env->current = nullptr;
        if (env->state == Environment::State::busy) env->state = Environment::State::returning;
    }
    handoff.run();
}

void Function::runtime_error(unsigned number, const std::string& request_id, std::string body, const std::string& type, http::Respond respond) {
    Handoff handoff;
    auto env = environment_for_result(number, request_id, respond, handoff);
    if (!env) return;
    // A body that is not Lambda's error object becomes one; parsed before
    // the mutex, as the answer's peak memory is read.
    if (!jsonparse::parse_or_discarded(body).is_object()) body = error_payload(type.empty() ? "Runtime.Unknown" : type, body);
    {
        std::lock_guard lock(mutex_);
        auto inv = env->current;
        if (inv && inv->request_id == request_id) {
            finish_locked(env.get(), inv, InvokeResult::Status::function_error, std::move(body), &handoff);
            env->current = nullptr;
            if (env->state == Environment::State::busy) env->state = Environment::State::returning;
        }
        respond(result_accepted());
    }
    handoff.run();
}

void Function::runtime_init_error(unsigned number, std::string body, const std::string& type, http::Respond respond) {
    std::shared_ptr<Environment> env;
    std::shared_ptr<ChildProcess> process;
    {
        std::lock_guard lock(mutex_);
        env = find_locked(number);
        if (env) process = env->process;
    }
    if (process) process->drain(kLogDrainLimit);
    std::lock_guard lock(mutex_);
    if (env && env->current && !env->current->finished) {
        json parsed = json::parse(body, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_object()) body = error_payload(type.empty() ? "Runtime.InitError" : type, body);
        finish_locked(env.get(), env->current, InvokeResult::Status::function_error, std::move(body));
    }
    if (env) {
        env->current = nullptr;
        env->state = Environment::State::stopping;
    }
    respond(result_accepted());
}

void Function::on_exit(unsigned number, int status) {
    std::lock_guard lock(mutex_);
    auto env = find_locked(number);
    if (!env) return;
    if (env->current && !env->current->finished)
        finish_locked(env.get(), env->current, InvokeResult::Status::function_error,
                      error_payload("Runtime.ExitError", "RequestId: " + env->current->request_id +
                                                             " Error: Runtime exited with error: " + ChildProcess::describe_exit(status)));
    env->current = nullptr;
    stop_environment_locked(*env);
    environments_.erase(number);
    retired_.push_back(env);
    if (host_.wake_at) host_.wake_at(now());
    // Queued async work gets a fresh environment.
    while (!backlog_.empty() && !stopping_) {
        auto inv = backlog_.front();
        backlog_.pop_front();
        if (inv->finished) continue;
        spawn_locked(inv);
        break;
    }
}

std::chrono::steady_clock::time_point Function::tick() {
    std::vector<std::shared_ptr<Environment>> retired;
    auto next = Clock::time_point::max();
    {
        std::lock_guard lock(mutex_);
        auto current = now();
        for (auto& [n, env] : environments_) {
            auto inv = env->current;
            if (env->state == Environment::State::busy && inv && !inv->finished && !inv->answered && current > inv->deadline) {
                std::string message = utc_timestamp_ms() + " " + inv->request_id + " Task timed out after " +
                                      fixed2(std::chrono::duration<double>(config_.timeout).count()) + " seconds";
                finish_locked(env.get(), inv, InvokeResult::Status::function_error, error_payload("", message));
                env->current = nullptr;
                if (env->process) {
                    env->process->kill(SIGKILL);
                    env->state = Environment::State::stopping;
                } else {
                    // A thread cannot be killed: the handler runs on, reported
                    // in health; the environment is replaced.
                    env->runaway = true;
                    env->keep_alive = weak_from_this().lock();  // the worker holds it until the handler returns
                    ++runaway_handlers_;
                    env->state = Environment::State::stopping;
                    logger_.warn("lambda " + config_.name + ": in-process handler exceeded its timeout and cannot be stopped");
                }
            } else if (env->state == Environment::State::idle && current - env->last_used > host_.idle_timeout) {
                stop_environment_locked(*env);
            }
        }
        for (auto it = retries_.begin(); it != retries_.end();) {
            if (it->first > current || stopping_) {
                ++it;
                continue;
            }
            backlog_.push_back(it->second);
            it = retries_.erase(it);
            unsigned live = 0;
            for (auto& [n, env] : environments_) live += env->state != Environment::State::stopping;
            if (live < config_.concurrency_cap()) {
                auto inv = backlog_.back();
                backlog_.pop_back();
                spawn_locked(inv);
            }
        }
        // In-process environments stopped by tick (runaway/idle) leave the map here.
        for (auto it = environments_.begin(); it != environments_.end();) {
            if (!it->second->process && it->second->state == Environment::State::stopping && it->second->runaway) {
                if (it->second->worker.joinable()) it->second->worker.detach();
                it = environments_.erase(it);
            } else {
                ++it;
            }
        }
        retired.swap(retired_);
        for (auto& [n, env] : environments_)
            if (env->state == Environment::State::busy && env->current && !env->current->finished && !env->current->answered)
                next = std::min(next, env->current->deadline);
        for (const auto& [at, inv] : retries_) next = std::min(next, at);
    }
    for (auto& env : retired) {
        env->process.reset();  // joins its threads; never from inside them
        std::error_code ec;
        fs::remove_all(env->tmp, ec);
    }
    return next;
}

json Function::configuration() const {
    std::lock_guard lock(mutex_);
    json env_vars = json::object();
    for (const auto& [k, v] : config_.environment) env_vars[k] = v;
    json out = {
        {"FunctionName", config_.name},
        {"FunctionArn", config_.version == "$LATEST" ? arn() : arn() + ":" + config_.version},
        {"Runtime", config_.runtime.empty() ? "provided.al2023" : config_.runtime},
        {"Role", config_.role.empty() ? "arn:aws:iam::" + host_.account_id + ":role/lowcloud-lambda" : config_.role},
        {"Handler", config_.handler},
        {"CodeSize", code_size_},
        {"Description", config_.description},
        {"Timeout", std::chrono::duration_cast<std::chrono::seconds>(config_.timeout).count()},
        {"MemorySize", config_.memory_mb},
        {"LastModified", last_modified_},
        {"CodeSha256", code_sha256_},
        {"Version", config_.version},
        {"TracingConfig", {{"Mode", "PassThrough"}}},
        {"RevisionId", revision_id_},
        {"State", "Active"},
        {"LastUpdateStatus", "Successful"},
        {"PackageType", "Zip"},
        {"Architectures", {config_.architecture}},
        {"EphemeralStorage", {{"Size", 512}}},
        {"SnapStart", {{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}}},
        {"LoggingConfig", {{"LogFormat", "Text"}, {"LogGroup", "/aws/lambda/" + config_.name}}},
    };
    if (!config_.environment.empty()) out["Environment"] = {{"Variables", env_vars}};
    return out;
}

json Function::health() const {
    std::lock_guard lock(mutex_);
    unsigned busy = 0;
    for (const auto& [n, env] : environments_) busy += env->state == Environment::State::busy;
    return {{"isolation", config_.isolation == Isolation::process ? "process" : "in-process"},
            {"runtime", config_.runtime.empty() ? "native" : config_.runtime},
            {"code_size", code_size_},
            {"last_modified", last_modified_},
            {"environments", environments_.size()},
            {"busy", busy},
            {"queued", backlog_.size()},
            {"runaway_handlers", runaway_handlers_}};
}

std::vector<std::string> Function::recent_logs() const {
    std::lock_guard lock(mutex_);
    return {recent_logs_.begin(), recent_logs_.end()};
}

}  // namespace lowcloud::lambda
