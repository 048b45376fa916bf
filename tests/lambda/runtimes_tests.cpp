// Runtimes: the Runtime values lowcloud accepts and how environments start.
#include "lambda/runtimes.hpp"

#include <catch2/catch.hpp>

#include <fstream>

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
