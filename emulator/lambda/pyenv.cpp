// pyenv shims resolved from pyenv's files (see pyenv.hpp).
#include "lambda/pyenv.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

namespace lowcloud::lambda {

namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// The shim's text when `executable` is pyenv's shim (a script that execs
// `.../libexec/pyenv exec`), else "".
std::string shim_text(const fs::path& executable) {
    std::ifstream in(executable, std::ios::binary);
    if (!in) return "";
    std::string text(4096, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.rfind("#!", 0) != 0 || text.find("/libexec/pyenv\" exec ") == std::string::npos) return "";
    return text;
}

// The value of the shim's `export PYENV_ROOT="..."`, "" when it has none.
std::string exported_root(const std::string& shim) {
    const std::string marker = "\nexport PYENV_ROOT=\"";
    auto at = shim.find(marker);
    if (at == std::string::npos) return "";
    at += marker.size();
    auto end = shim.find('"', at);
    return end == std::string::npos ? "" : shim.substr(at, end - at);
}

// pyenv version-file's search from `dir` up to /.
std::optional<fs::path> local_version_file(fs::path dir) {
    std::error_code ec;
    while (!dir.empty()) {
        fs::path candidate = dir / ".python-version";
        if (fs::is_regular_file(candidate, ec)) return candidate;
        if (dir == dir.root_path()) break;
        dir = dir.parent_path();
    }
    return std::nullopt;
}

// pyenv version-file-read: the first word of each line, empty lines and
// '#' lines skipped.
std::vector<std::string> read_version_file(const fs::path& file) {
    std::vector<std::string> names;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string name;
        if (!(words >> name) || name[0] == '#') continue;
        names.push_back(name);
    }
    return names;
}

bool executable_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

}  // namespace

PyenvContext PyenvContext::current() {
    PyenvContext c;
    c.version = env("PYENV_VERSION");
    c.dir = env("PYENV_DIR");
    c.root = env("PYENV_ROOT");
    c.hook_path = env("PYENV_HOOK_PATH");
    std::error_code ec;
    c.cwd = fs::current_path(ec);
    return c;
}

std::optional<fs::path> resolve_pyenv_shim(const fs::path& executable, const PyenvContext& context) {
    try {
        const std::string shim = shim_text(executable);
        if (shim.empty() || !context.hook_path.empty()) return std::nullopt;
        std::string root_text = exported_root(shim);
        if (root_text.empty()) root_text = context.root;
        const fs::path root = root_text.empty() ? executable.parent_path().parent_path() : fs::path(root_text);

        std::vector<std::string> names;
        if (!context.version.empty()) {
            std::istringstream list(context.version);
            for (std::string name; std::getline(list, name, ':');)
                if (!name.empty()) names.push_back(name);
        } else {
            std::optional<fs::path> file = local_version_file(context.dir.empty() ? context.cwd : fs::path(context.dir));
            if (!file && !context.dir.empty() && fs::path(context.dir) != context.cwd) file = local_version_file(context.cwd);
            names = read_version_file(file ? *file : root / "version");
        }
        if (names.empty()) return std::nullopt;

        const std::string program = executable.filename().string();
        std::error_code ec;
        for (std::string name : names) {
            if (name == "system") return std::nullopt;
            if (name == ".." || name.find('/') != std::string::npos) return std::nullopt;  // could leave versions/
            if (!fs::is_directory(root / "versions" / name, ec) && name.rfind("python-", 0) == 0) name = name.substr(7);
            if (!fs::is_directory(root / "versions" / name, ec)) return std::nullopt;  // pyenv would resolve a prefix
            fs::path candidate = root / "versions" / name / "bin" / program;
            if (executable_file(candidate)) return candidate;
        }
        return std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace lowcloud::lambda
