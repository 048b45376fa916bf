// In-process execution environments: a worker thread per environment runs
// the handler library loaded in the emulator (see function.hpp).
#include "lambda/function_internal.hpp"

#include "lambda/host.hpp"
#include "lambda/library.hpp"

#include "common/spin.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>

namespace lowcloud::lambda {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace detail;

void Function::worker_loop(std::shared_ptr<Environment> env) {
    // A runaway handler's thread owns its Function from the timeout on
    // (tick sets env->keep_alive): declared first, released last, once the
    // lock below is gone; this may run ~Function here, on this thread.
    std::shared_ptr<Function> self;
    std::shared_ptr<Library> library;
    {
        std::lock_guard lock(mutex_);
        library = std::static_pointer_cast<Library>(in_process_library_);
    }
    // host->send; `deadline_ms` is the running call's (0 during init).
    std::int64_t deadline_ms = 0;
    auto send = [this, &deadline_ms](const lowcloud_http_request& request, lowcloud_http_response_fn on_response, void* context) {
        return send_local(request, on_response, context, deadline_ms);
    };
    auto append_output = [&env](std::string_view line) {
        std::lock_guard lock(env->output_mutex);
        env->output.append(line);
        env->output += '\n';
    };
    if (auto init = library->init()) {
        lowcloud_result result;
        result.log = append_output;
        result.send = send;
        int rc = init(host_api(), &result);
        if (result.failed || rc != 0) {
            std::lock_guard lock(mutex_);
            if (env->current && !env->current->finished)
                finish_locked(env.get(), env->current, InvokeResult::Status::function_error,
                              error_payload(result.failed ? result.error_type : "Runtime.InitError",
                                            result.failed ? result.error_message : "lowcloud_init returned " + std::to_string(rc)));
            env->current = nullptr;
            env->state = Environment::State::stopping;
            environments_.erase(env->number);
            if (env->worker.joinable()) env->worker.detach();  // else ~Function took it and joins it
            return;
        }
    }
    std::unique_lock lock(mutex_);
    env->init_ms = ms_between(env->created, now());
    if (env->current && env->current->start == Clock::time_point{}) deliver_locked(*env, env->current);
    else env->state = Environment::State::idle;
    for (;;) {
        if (env->state == Environment::State::returning || env->state == Environment::State::idle) {
            if (env->current && !env->current->finished && env->current->start == Clock::time_point{})
                deliver_locked(*env, env->current);  // reserved while returning
            else env->current = nullptr;
            while (!backlog_.empty() && !env->current) {
                auto inv = backlog_.front();
                backlog_.pop_front();
                if (!inv->finished) deliver_locked(*env, inv);
            }
            if (!env->current) env->state = Environment::State::idle;
        }
        if (host_.spin.count() > 0 && env->state != Environment::State::stopping && env->state != Environment::State::busy) {
            // Poll for the next invocation before sleeping (common/spin.hpp).
            const std::uint64_t seen = env->wakes.load(std::memory_order_acquire);
            lock.unlock();
            spin_until(host_.spin, [&] { return env->wakes.load(std::memory_order_acquire) != seen; });
            lock.lock();
        }
        env->wake.wait(lock, [&] { return env->state == Environment::State::stopping || env->state == Environment::State::busy; });
        if (env->state == Environment::State::stopping) {
            if (env->runaway) {  // timed out before this worker took it: its handler never ran
                self = std::move(env->keep_alive);
                --runaway_handlers_;
            }
            break;
        }
        auto inv = env->current;
        std::string request_id = inv->request_id, name = config_.name, fn_arn = arn(), empty;
        std::string stream = "in-process/" + std::to_string(env->number), group = "/aws/lambda/" + name;
        lowcloud_invocation call{};
        call.struct_size = sizeof call;
        call.payload = inv->request.payload.data();
        call.payload_size = inv->request.payload.size();
        call.request_id = request_id.c_str();
        call.function_name = name.c_str();
        call.function_arn = fn_arn.c_str();
        call.function_version = "$LATEST";
        call.log_group = group.c_str();
        call.log_stream = stream.c_str();
        call.trace_id = empty.c_str();
        call.client_context = inv->request.client_context.c_str();
        call.cognito_identity = empty.c_str();
        call.memory_mb = config_.memory_mb;
        call.deadline_ms = inv->deadline_unix_ms;
        lowcloud_result result;
        result.deadline_ms = inv->deadline_unix_ms;
        deadline_ms = inv->deadline_unix_ms;
        result.log = [&append_output, &request_id](std::string_view line) {
            append_output(request_id + "\tINFO\t" + std::string(line));
        };
        result.send = send;
        lock.unlock();
        int rc = library->handler()(&call, host_api(), &result);
        lock.lock();
        if (env->runaway) {  // timed out meanwhile; the environment was already replaced
            self = std::move(env->keep_alive);
            --runaway_handlers_;
            break;
        }
        if (result.succeeded && result.payload.size() > kMaxResponseBytes)
            finish_locked(env.get(), inv, InvokeResult::Status::function_error,
                          error_payload("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size (6291556 bytes)."));
        else if (result.succeeded) finish_locked(env.get(), inv, InvokeResult::Status::success, std::move(result.payload));
        else
            finish_locked(env.get(), inv, InvokeResult::Status::function_error,
                          error_payload(result.failed ? result.error_type : "Runtime.HandlerError",
                                        result.failed ? result.error_message : "the handler returned " + std::to_string(rc) + " without a result"));
        env->state = Environment::State::returning;
        if (env->version != code_version_) env->state = Environment::State::stopping;
    }
    environments_.erase(env->number);
    if (env->worker.joinable()) env->worker.detach();  // else ~Function took it and joins it
}

namespace {

// The answer to one local request: given once, from any thread (DynamoDB
// answers on the calling thread, before handle() returns). Not a
// std::promise: its set_value() makes a futex call every time, even with
// nobody waiting, and this is on the path of every in-process handler's
// DynamoDB call. A condition variable signals only a thread that waits.
struct LocalAnswer {
    // Held by the Respond: when its last copy goes unanswered, the answer
    // is marked dropped.
    struct Guard {
        explicit Guard(std::shared_ptr<LocalAnswer> a) : answer(std::move(a)) {}
        ~Guard() { answer->settle(std::nullopt); }
        std::shared_ptr<LocalAnswer> answer;
    };
    void give(http::Response r) { settle(std::move(r)); }
    void settle(std::optional<http::Response> r) {
        {
            std::lock_guard lock(mutex);
            if (response || dropped) return;  // exactly once
            if (r) response = std::move(r);
            else dropped = true;
        }
        settled.notify_one();
    }

    std::mutex mutex;
    std::condition_variable settled;
    std::optional<http::Response> response;  // under mutex
    bool dropped = false;                    // under mutex
};

}  // namespace

int Function::send_local(const lowcloud_http_request& request, lowcloud_http_response_fn on_response, void* context,
                         std::int64_t deadline_ms) const {
    std::optional<detail::LocalHandlerUse> use(std::in_place, host_);
    http::Handler* handler = use->handler();
    if (!handler || !request.endpoint || !request.method || !request.target) return -1;
    if (!detail::is_own_endpoint(host_.runtime_api, request.endpoint)) return -1;

    // From here on the request is the emulator's: whatever happens, the
    // caller gets an answer (never -1, which would send it again over the
    // network), and no exception crosses the C ABI.
    http::Response response;
    try {
        http::Request r;
        r.method = request.method;
        r.target = request.target;
        r.remote_address = "127.0.0.1";
        for (std::size_t i = 0; i < request.header_count; ++i) {
            const lowcloud_header& h = request.headers[i];
            r.headers.push_back({std::string(h.name, h.name_size), std::string(h.value, h.value_size)});
        }
        r.body.assign(request.body ? request.body : "", request.body ? request.body_size : 0);
        const http::Request head = detail::head_of(r);  // for a 504 below
        auto answer = std::make_shared<LocalAnswer>();
        auto guard = std::make_shared<LocalAnswer::Guard>(answer);
        detail::serve_local(*handler, std::move(r), [guard](http::Response out) { guard->answer->give(std::move(out)); });
        guard.reset();  // the handler holds its own copy while it answers
        use.reset();  // not counted while waiting: shutdown need not wait for the answer
        // Not past the invocation's deadline: by then Lambda has failed
        // the invocation, and this thread should be free again.
        std::unique_lock lock(answer->mutex);
        auto settled = [&answer] { return answer->response || answer->dropped; };
        if (deadline_ms > 0 &&
            !answer->settled.wait_until(lock, std::chrono::system_clock::time_point(std::chrono::milliseconds(deadline_ms)), settled)) {
            lock.unlock();
            detail::LocalHandlerUse again(host_);
            const std::string message = "No answer before the invocation's deadline";
            response = again.handler() ? again.handler()->reject(head, 504, message) : http::Response::text(504, message + "\n");
        } else {
            answer->settled.wait(lock, settled);
            if (!answer->response) throw std::runtime_error("the request was dropped unanswered");  // a 500 below
            response = std::move(*answer->response);
        }
    } catch (const std::exception& e) {
        response = http::Response::text(500, std::string("internal error: ") + e.what() + "\n");
    }
    try {
        std::vector<lowcloud_header> headers;
        headers.reserve(response.headers.size());
        for (const auto& h : response.headers) headers.push_back({h.name.data(), h.name.size(), h.value.data(), h.value.size()});
        on_response(context, response.status, headers.data(), headers.size(), response.body.data(), response.body.size());
    } catch (...) {
        on_response(context, 500, nullptr, 0, "", 0);  // out of memory for the headers
    }
    return 0;
}

}  // namespace lowcloud::lambda
