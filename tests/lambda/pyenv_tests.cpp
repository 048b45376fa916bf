// pyenv shims resolved from pyenv's files, against a fake $PYENV_ROOT: the
// interpreter pyenv itself would pick, or nullopt wherever pyenv's own logic
// is needed (the caller then runs the shim).
#include "lambda/pyenv.hpp"
#include "lambda/runtimes.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace fs = std::filesystem;
using lowcloud::lambda::PyenvContext;
using lowcloud::lambda::resolve_pyenv_shim;

namespace {

void write_executable(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    fs::permissions(p, fs::perms::owner_all);
}

// The shim `pyenv rehash` writes (pyenv 2.3), for `program`.
std::string shim_for(const fs::path& root) {
    return "#!/usr/bin/env bash\nset -e\n[ -n \"$PYENV_DEBUG\" ] && set -x\n\nprogram=\"${0##*/}\"\n\nexport PYENV_ROOT=\"" +
           root.string() + "\"\nexec \"" + root.string() + "/libexec/pyenv\" exec \"$program\" \"$@\"\n";
}

// A fake pyenv root: versions 3.11.7 and 3.12.1 with bin/python3, 3.10.13
// without it, the global version 3.11.7; a project folder with a
// .python-version of 3.12.1 and a folder with none.
struct FakePyenv {
    fs::path scratch = fs::temp_directory_path() / ("lowcloud-pyenv-tests-" + std::to_string(::getpid()));
    fs::path root = scratch / "pyenv";
    fs::path shim = root / "shims" / "python3";
    fs::path plain = scratch / "plain";           // no .python-version above it
    fs::path project = scratch / "project";       // .python-version: 3.12.1
    fs::path nested = project / "src" / "deep";   // inherits project's

    FakePyenv() {
        fs::remove_all(scratch);
        write_executable(shim, shim_for(root));
        for (const char* v : {"3.11.7", "3.12.1"}) write_executable(root / "versions" / v / "bin" / "python3", "#!/bin/sh\n");
        fs::create_directories(root / "versions" / "3.10.13" / "bin");
        std::ofstream(root / "version") << "3.11.7\n";
        fs::create_directories(plain);
        fs::create_directories(nested);
        std::ofstream(project / ".python-version") << "3.12.1\n";
    }
    ~FakePyenv() { fs::remove_all(scratch); }

    fs::path version(const std::string& v) const { return root / "versions" / v / "bin" / "python3"; }
};

PyenvContext in(const fs::path& cwd, std::string version = "", std::string dir = "", std::string hook_path = "") {
    PyenvContext c;
    c.cwd = cwd;
    c.version = std::move(version);
    c.dir = std::move(dir);
    c.hook_path = std::move(hook_path);
    return c;
}

}  // namespace

TEST_CASE("pyenv: a shim resolves to the interpreter pyenv would pick", "[lambda][pyenv]") {
    FakePyenv f;
    struct Case {
        const char* name;
        PyenvContext context;
        std::string version_file;  // written over the project's .python-version when not empty
        std::optional<std::string> expected;  // the version folder, or nullopt: run the shim
    };
    const std::vector<Case> cases = {
        {"global version file", in(f.plain), "", "3.11.7"},
        {"local .python-version in the working directory", in(f.project), "", "3.12.1"},
        {"local .python-version in a parent folder", in(f.nested), "", "3.12.1"},
        {"PYENV_VERSION wins over version files", in(f.plain, "3.12.1"), "", "3.12.1"},
        {"PYENV_DIR searched before the working directory", in(f.plain, "", f.project.string()), "", "3.12.1"},
        {"working directory searched after PYENV_DIR", in(f.project, "", f.plain.string()), "", "3.12.1"},
        {"first name that has the program", in(f.plain, "3.10.13:3.11.7"), "", "3.11.7"},
        {"python- prefix dropped", in(f.plain, "python-3.12.1"), "", "3.12.1"},
        {"comments, blank lines and CRLF skipped", in(f.project), "# pinned\n\n3.12.1 extra words\r\n", "3.12.1"},
        {"several lines: the first installed with the program", in(f.project), "3.10.13\n3.12.1\n", "3.12.1"},
        {"system runs the shim", in(f.plain, "system"), "", std::nullopt},
        {"a prefix needs pyenv's latest: runs the shim", in(f.plain, "3.11"), "", std::nullopt},
        {"not installed runs the shim (pyenv's error)", in(f.plain, "3.9.1"), "", std::nullopt},
        {"a path-like name runs the shim", in(f.plain, "../pyenv/versions/3.11.7"), "", std::nullopt},
        {"an empty version file means system", in(f.project), "\n# nothing\n", std::nullopt},
        {"hooks run the shim", in(f.plain, "", "", "/etc/pyenv.d"), "", std::nullopt},
        {"no version has the program", in(f.plain, "3.10.13"), "", std::nullopt},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        std::ofstream(f.project / ".python-version") << (c.version_file.empty() ? "3.12.1\n" : c.version_file);
        auto got = resolve_pyenv_shim(f.shim, c.context);
        if (c.expected) {
            REQUIRE(got);
            CHECK(*got == f.version(*c.expected));
        } else {
            CHECK(!got);
        }
    }
}

TEST_CASE("pyenv: the shim's exported PYENV_ROOT wins over the environment's", "[lambda][pyenv]") {
    FakePyenv f;
    PyenvContext c = in(f.plain);
    c.root = "/nonexistent";
    auto got = resolve_pyenv_shim(f.shim, c);
    REQUIRE(got);
    CHECK(*got == f.version("3.11.7"));
}

TEST_CASE("pyenv: anything but pyenv's shim is not resolved", "[lambda][pyenv]") {
    FakePyenv f;
    CHECK(!resolve_pyenv_shim("/usr/bin/python3", in(f.plain)));
    CHECK(!resolve_pyenv_shim(f.root / "missing", in(f.plain)));
    write_executable(f.root / "shims" / "other", "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n");
    CHECK(!resolve_pyenv_shim(f.root / "shims" / "other", in(f.plain)));
}

// The bug this fixes: with pyenv's shim first on PATH, the first Python
// invoke after the server started waited for the shim's bash start-up
// (230 ms on the benchmark host). The shim here logs any run; the version it
// resolves to is a script answering as Python's version read does.
TEST_CASE("runtimes: a pyenv shim on the way to python3 is never run", "[lambda][runtimes][pyenv]") {
    FakePyenv f;
    const fs::path log = f.scratch / "shim-runs";
    // A shim that logs: pyenv's text with a logging line before the exec.
    std::string text = shim_for(f.root);
    text.insert(text.find("exec "), "echo run >> '" + log.string() + "'\n");
    write_executable(f.shim, text);
    const fs::path real = f.version("3.11.7");
    write_executable(real, "#!/bin/sh\necho '3.11.7 " + real.string() + "'\n");

    const char* before = std::getenv("LOWCLOUD_PYTHON");
    std::string saved = before ? before : "";
    const char* pyenv_version = std::getenv("PYENV_VERSION");
    std::string saved_version = pyenv_version ? pyenv_version : "";
    ::setenv("LOWCLOUD_PYTHON", f.shim.c_str(), 1);
    ::setenv("PYENV_VERSION", "3.11.7", 1);
    {
        lowcloud::lambda::Runtimes runtimes(f.scratch / "rt", "/bin/true");
        auto launch = runtimes.launch("python3.11", f.scratch, "", "app.handler");
        CHECK(launch.executable == real.string());
        CHECK(runtimes.interpreter_version(lowcloud::lambda::RuntimeKind::python) == "3.11.7");
    }
    CHECK(!fs::exists(log));
    if (before) ::setenv("LOWCLOUD_PYTHON", saved.c_str(), 1);
    else ::unsetenv("LOWCLOUD_PYTHON");
    if (pyenv_version) ::setenv("PYENV_VERSION", saved_version.c_str(), 1);
    else ::unsetenv("PYENV_VERSION");
}
