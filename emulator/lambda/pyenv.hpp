// pyenv shims resolved without running them. A machine whose python3 is
// pyenv's shim (`$PYENV_ROOT/shims/python3`, a bash script that runs
// `pyenv exec python3`) pays pyenv's own start-up, 50-230 ms of bash, for
// every run; Runtimes reads the interpreter the shim picks once and starts
// environments on it. This file picks it the way pyenv does, from files:
//   - the version: PYENV_VERSION (names separated by ':'), else the first
//     `.python-version` found from PYENV_DIR, then the working directory,
//     up to /, else `$PYENV_ROOT/version`; in a file, the first word of
//     each line, '#' lines and empty lines skipped (pyenv version-name,
//     version-file, version-file-read);
//   - the interpreter: `$PYENV_ROOT/versions/<name>/bin/<shim's name>` of
//     the first name that has it (pyenv which), a `python-` prefix dropped
//     when only the bare name is installed.
// Whatever needs pyenv's own logic answers nullopt, and the caller runs the
// shim instead: "system" or no version set, a name that is not an installed
// folder (pyenv resolves "3.11" to the latest 3.11.x), a name with '/' or
// "..", hooks given in PYENV_HOOK_PATH, a file that is not pyenv's shim.
// Pure functions of their arguments and the files they read; any thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace lowcloud::lambda {

// What a shim reads from the process that runs it.
struct PyenvContext {
    std::string version;    // PYENV_VERSION
    std::string dir;        // PYENV_DIR
    std::string root;       // PYENV_ROOT (the shim's own export wins)
    std::string hook_path;  // PYENV_HOOK_PATH
    std::filesystem::path cwd;

    // This process's environment variables and working directory.
    static PyenvContext current();
};

// The interpreter the pyenv shim `executable` would run, or nullopt when
// `executable` is not a pyenv shim or the choice needs pyenv itself (see
// the file comment). Never throws.
std::optional<std::filesystem::path> resolve_pyenv_shim(const std::filesystem::path& executable, const PyenvContext& context);

}  // namespace lowcloud::lambda
