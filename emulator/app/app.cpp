// Wiring and lifetime of the running emulator (see app.hpp).
#include "app/app.hpp"

#include "apigateway/service.hpp"
#include "app/dispatcher.hpp"
#include "app/manifest.hpp"
#include "app/memory.hpp"
#include "dynamodb/service.hpp"
#include "http/server.hpp"
#include "iam/service.hpp"
#include "lambda/service.hpp"

#include <atomic>
#include <csignal>
#include <functional>
#include <future>
#include <thread>

#ifndef LOWCLOUD_VERSION
#define LOWCLOUD_VERSION "0.0.0"
#endif

namespace lowcloud::app {

namespace {

// Waits for SIGINT/SIGTERM (blocked in all threads) and starts the server's
// graceful shutdown; a second signal exits at once.
class SignalWatcher {
public:
    // `before` runs first on a signal (services release long-polls).
    SignalWatcher(http::Server& server, Logger& logger, std::function<void()> before)
        : before_(std::move(before)), thread_([this, &server, &logger] { watch(server, logger); }) {}
    // Wakes the watcher with a SIGTERM aimed at its thread alone, which it
    // takes as the end of its watch: no polling while the emulator runs.
    ~SignalWatcher() {
        done_ = true;
        pthread_kill(thread_.native_handle(), SIGTERM);
        thread_.join();
    }

private:
    void watch(http::Server& server, Logger& logger) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, nullptr);  // main() blocked them already; this thread relies on it
        bool shutting_down = false;
        while (!done_) {
            int sig = 0;
            if (sigwait(&set, &sig) != 0 || done_) continue;
            if (shutting_down) {
                logger.warn("second signal: exiting without waiting");
                std::_Exit(130);
            }
            shutting_down = true;
            logger.info(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ", shutting down");
            if (before_) before_();
            server.shutdown();
        }
    }

    std::function<void()> before_;
    std::atomic<bool> done_{false};
    std::thread thread_;
};

}  // namespace

int serve(const ServeOptions& options, std::ostream& out, std::ostream& err) {
    Logger logger(options.log_level, err);
    try {
        Manifest manifest = load_manifest(options.config);
        AuthSettings auth = load_auth(manifest.auth, options.auth_mode, options.credentials);

        dynamodb::Options dynamo_options;
        dynamo_options.ttl_interval = std::chrono::milliseconds(static_cast<long long>(options.ttl_interval_seconds * 1000));
        if (!options.in_memory) {
            std::filesystem::create_directories(options.data_dir);
            dynamo_options.data_dir = options.data_dir;
        }
        dynamo_options.spin = std::chrono::microseconds(options.spin_us);
        dynamodb::Service dynamo(dynamo_options, logger);
        lambda::Options lambda_options;
        lambda_options.idle_timeout = std::chrono::seconds(options.lambda_idle_timeout_seconds);
        lambda_options.spin = std::chrono::microseconds(options.spin_us);
        if (!options.in_memory) lambda_options.data_dir = options.data_dir;
        if (auth.sigv4) {
            lambda_options.access_key_id = auth.first_access_key;
            lambda_options.secret_access_key = auth.secrets.at(auth.first_access_key);
        }
        lambda::Service lambda(lambda_options, logger);
        apigateway::ControlPlaneOptions control_options;
        if (!options.in_memory) control_options.data_dir = options.data_dir;
        apigateway::Service apis(logger, lambda, control_options);
        iam::Options iam_options;
        if (!options.in_memory) iam_options.data_dir = options.data_dir;
        iam::Service iam(iam_options, logger);
        // Tables (seeding) and functions (library checks in child processes)
        // are independent: configured side by side, for a shorter startup.
        auto functions = std::async(std::launch::async, [&] { lambda.configure(manifest.functions); });
        try {
            dynamo.configure(manifest.tables);
        } catch (...) {
            functions.wait();
            throw;
        }
        functions.get();
        apis.configure(manifest.apis);

        AuthEnvelopes envelopes{
            [&dynamo](const http::Request& r, const std::string& type, int status, const std::string& message) {
                return dynamo.refuse(r, dynamodb::ApiError("com.amazon.coral.service#" + type, message, status));
            },
            [](const std::string& type, int status, const std::string& message) { return lambda::Service::error(status, type, message); },
            [](const std::string& type, int status, const std::string& message) {
                return apigateway::Service::gateway_response(status, type, message);
            },
            [](const http::Request& r, const std::string& code, int status, const std::string& message) {
                return iam::Service::error(r, status, code, message);
            }};
        Authenticator authenticator(auth, std::move(envelopes));
        Dispatcher dispatcher(logger, Services{dynamo, lambda, apis, iam}, LOWCLOUD_VERSION, authenticator);
        http::ServerOptions server_options;
        server_options.host = options.host;
        server_options.port = options.port;
        server_options.threads = options.threads ? options.threads : std::max(2u, std::thread::hardware_concurrency());
        server_options.idle_timeout = std::chrono::seconds(options.idle_timeout_seconds);
        server_options.spin = std::chrono::microseconds(options.spin_us);
        // Deferred puts applied while the I/O threads wait for requests keep
        // the background thread's slices, which requests wait behind, short.
        server_options.idle_work = [&dynamo] { return dynamo.apply_deferred_while_idle(); };
        std::unique_ptr<http::Server> server;
        try {
            server = std::make_unique<http::Server>(server_options, dispatcher);
        } catch (const std::exception& e) {
            logger.error("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " + e.what());
            return 1;
        }
        std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
        http::Server* srv = server.get();
        lambda.set_endpoint(options.host, server->port(), [srv](const std::string& prefix) { return srv->add_listener(prefix); },
                            [srv](std::uint16_t port) { srv->remove_listener(port); });
        lambda.set_local_handler(&dispatcher);
        lambda.log_functions();
        apis.log_routes("http://" + (options.host == "0.0.0.0" ? std::string("127.0.0.1") : options.host) + ":" + std::to_string(server->port()));
        // Start-up parsed the manifest, the specs and the seed data; what it
        // freed goes back to the system instead of idling in the heap.
        release_free_memory();
        out << "listening on http://" << host << ":" << server->port() << std::endl;
        logger.info(std::string("lowcloud " LOWCLOUD_VERSION " serving DynamoDB, Lambda and API Gateway; manifest: ") +
                    (options.config ? options.config->string() : "none") +
                    "; data: " + (options.in_memory ? "in memory" : options.data_dir.string()) +
                    (auth.sigv4 ? "; requests must be signed (SigV4, " + std::to_string(auth.secrets.size()) + " credential(s))" : ""));
        {
            SignalWatcher signals(*server, logger, [&lambda] { lambda.drain(); });
            server->run();
        }
        // In-flight invocations answer through the server: stop Lambda first.
        apis.shutdown();
        lambda.shutdown();
        server.reset();
        logger.info("stopped");
        return 0;
    } catch (const ConfigError& e) {
        err << "lowcloud: configuration error: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        err << "lowcloud: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace lowcloud::app
