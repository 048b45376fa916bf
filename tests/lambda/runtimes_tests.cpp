// Runtimes: the Runtime values lowcloud accepts and how environments start.
#include "lambda/runtimes.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace fs = std::filesystem;
using lowcloud::lambda::RuntimeKind;
using lowcloud::lambda::Runtimes;
using lowcloud::lambda::runtime_kind;

TEST_CASE("runtimes: each supported value has its kind", "[lambda][runtimes]") {
    struct Case {
        const char* runtime;
        std::optional<RuntimeKind> kind;
    };
    for (const auto& c : std::vector<Case>{{"python3.8", RuntimeKind::python},
                                           {"python3.13", RuntimeKind::python},
                                           {"nodejs18.x", RuntimeKind::node},
                                           {"nodejs22.x", RuntimeKind::node},
                                           {"provided", RuntimeKind::bootstrap},
                                           {"provided.al2", RuntimeKind::bootstrap},
                                           {"provided.al2023", RuntimeKind::bootstrap},
                                           {"java21", std::nullopt},     // valid on AWS, not run here
                                           {"python2.7", std::nullopt},  // deprecated
                                           {"cobol", std::nullopt}}) {
        INFO(c.runtime);
        CHECK(runtime_kind(c.runtime) == c.kind);
    }
}

TEST_CASE("runtimes: provided without an executable bootstrap is Lambda's init error", "[lambda][runtimes]") {
    fs::path scratch = fs::temp_directory_path() / ("lowcloud-rt-tests-" + std::to_string(::getpid()));
    fs::path code = scratch / "code";
    fs::create_directories(code);
    Runtimes runtimes(scratch, "/bin/true");
    auto missing = runtimes.launch("provided.al2023", code, "", "h");
    CHECK(missing.missing_type == "Runtime.InvalidEntrypoint");
    CHECK_THAT(missing.missing, Catch::StartsWith("Couldn't find valid bootstrap(s): ["));

    std::ofstream(code / "bootstrap") << "#!/bin/sh\n";
    fs::permissions(code / "bootstrap", fs::perms::owner_all);
    auto ok = runtimes.launch("provided.al2023", code, "", "h");
    CHECK(ok.missing.empty());
    CHECK(ok.executable == (code / "bootstrap").string());
    CHECK(std::find(ok.env.begin(), ok.env.end(), "AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023") != ok.env.end());

    auto native = runtimes.launch("", code, "/lib/x.so", "sym");
    CHECK(native.args == std::vector<std::string>{"/bin/true", "runtime", "--library", "/lib/x.so", "--handler", "sym"});
    fs::remove_all(scratch);
}

TEST_CASE("runtimes: the embedded runtime clients are written out", "[lambda][runtimes]") {
    fs::path scratch = fs::temp_directory_path() / ("lowcloud-rt-tests2-" + std::to_string(::getpid()));
    Runtimes runtimes(scratch, "/bin/true");
    CHECK(fs::exists(scratch / "runtime-clients" / "python" / "bootstrap.py"));
    CHECK(fs::exists(scratch / "runtime-clients" / "python" / "lowcloud_endpoints.py"));
    fs::remove_all(scratch);
}

// A version manager's shim (pyenv's is a bash script that execs the
// interpreter it picks): this one logs each run and waits for a gate file,
// so the test can tell whether prepare() waited for it (the shim would give
// up after 10 s and log "timeout").
TEST_CASE("runtimes: python's version is read once, past a shim, on a thread of its own", "[lambda][runtimes]") {
    fs::path scratch = fs::temp_directory_path() / ("lowcloud-rt-tests3-" + std::to_string(::getpid()));
    fs::create_directories(scratch);
    const fs::path shim = scratch / "python3", log = scratch / "runs", gate = scratch / "gate";
    std::ofstream(shim) << "#!/bin/sh\n"
                        << "echo run >> '" << log.string() << "'\n"
                        << "i=0; while [ ! -f '" << gate.string() << "' ]; do\n"
                        << "  if [ $i -ge 1000 ]; then echo timeout >> '" << log.string() << "'; break; fi\n"
                        << "  sleep 0.01; i=$((i+1))\n"
                        << "done\n"
                        << "[ -f '" << gate.string() << "' ] && echo gated >> '" << log.string() << "'\n"
                        << "exec /usr/bin/python3 \"$@\"\n";
    fs::permissions(shim, fs::perms::owner_all);
    const char* before = std::getenv("LOWCLOUD_PYTHON");
    std::string saved = before ? before : "";
    ::setenv("LOWCLOUD_PYTHON", shim.c_str(), 1);
    {
        Runtimes runtimes(scratch, "/bin/true");
        runtimes.prepare("nodejs20.x");  // not Python: nothing to read
        runtimes.prepare("python3.12");
        runtimes.prepare("python3.11");  // started already
        std::ofstream(gate) << "open\n";
        auto launch = runtimes.launch("python3.12", scratch, "", "app.handler");
        CHECK(launch.missing.empty());
        // The interpreter the shim ran, not the shim: environments skip its start-up.
        CHECK(fs::equivalent(launch.executable, "/usr/bin/python3"));
        CHECK_THAT(runtimes.interpreter_version(RuntimeKind::python), Catch::StartsWith("3."));
        runtimes.launch("python3.11", scratch, "", "app.handler");
        std::ifstream in(log);
        std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK(all == "run\ngated\n");  // one run for every launch and version query, not waited for by prepare()
    }
    if (before) ::setenv("LOWCLOUD_PYTHON", saved.c_str(), 1);
    else ::unsetenv("LOWCLOUD_PYTHON");
    fs::remove_all(scratch);
}
