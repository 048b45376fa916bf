// `lowcloud env` (see env.hpp).
#include "app/env.hpp"

#include "lambda/runtimes.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace lowcloud::app {

namespace fs = std::filesystem;

namespace {

constexpr const char* kAwsShim = R"SH(#!/bin/sh
# lowcloud's `aws` shim (written by `lowcloud env`): runs the next `aws` on
# PATH with --endpoint-url "$AWS_ENDPOINT_URL", for CLIs that do not read
# that variable themselves (before 2.13). A command that names its own
# --endpoint-url, or an unset AWS_ENDPOINT_URL, passes through unchanged.
case "$0" in */*) self_dir=${0%/*} ;; *) self_dir=. ;; esac
self_dir=$(cd "$self_dir" && pwd)   # shell builtins only: works with any PATH
real=
old_ifs=$IFS; IFS=:
for d in $PATH; do
  [ -z "$d" ] && continue
  [ "$(cd "$d" 2>/dev/null && pwd)" = "$self_dir" ] && continue
  if [ -x "$d/aws" ]; then real="$d/aws"; break; fi
done
IFS=$old_ifs
[ -n "$real" ] || { echo "lowcloud aws shim: no aws command found on PATH" >&2; exit 127; }
for a in "$@"; do
  case "$a" in --endpoint-url|--endpoint-url=*) exec "$real" "$@" ;; esac
done
[ -n "${AWS_ENDPOINT_URL:-}" ] || exec "$real" "$@"
exec "$real" --endpoint-url "$AWS_ENDPOINT_URL" "$@"
)SH";

constexpr const char* kSiteCustomize = R"(# lowcloud (written by `lowcloud env`): botocore older than 1.31 ignores
# AWS_ENDPOINT_URL; this points it at lowcloud for every script.
try:
    import lowcloud_endpoints
    lowcloud_endpoints.install()
except Exception:  # never break the interpreter's start
    pass
)";

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

void write_file(const fs::path& path, std::string_view content, fs::perms perms) {
    fs::create_directories(path.parent_path());
    fs::path tmp = path.string() + ".tmp" + std::to_string(::getpid());
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f.write(content.data(), static_cast<std::streamsize>(content.size()));
        if (!f) throw std::runtime_error("cannot write " + tmp.string());
    }
    fs::permissions(tmp, perms);
    fs::rename(tmp, path);
}

fs::path default_dir() {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "lowcloud" / "env";
    if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "lowcloud" / "env";
    return fs::temp_directory_path() / ("lowcloud-env-" + std::to_string(::getuid()));
}

}  // namespace

int print_env(const EnvCommand& command, std::ostream& out, std::ostream& err) {
    fs::path dir = command.dir.empty() ? default_dir() : fs::absolute(command.dir);
    try {
        write_file(dir / "bin" / "aws", kAwsShim, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                                      fs::perms::others_read | fs::perms::others_exec);
        write_file(dir / "python" / "sitecustomize.py", kSiteCustomize, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
        write_file(dir / "python" / "lowcloud_endpoints.py", lambda::embedded_runtime_file("python/lowcloud_endpoints.py"),
                   fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
    } catch (const std::exception& e) {
        err << "lowcloud env: " << e.what() << "\n";
        return 1;
    }
    std::string bin = (dir / "bin").string(), py = (dir / "python").string();
    out << "# lowcloud: point AWS clients at " << command.endpoint << " (eval \"$(lowcloud env)\")\n"
        << "export AWS_ENDPOINT_URL=" << shell_quote(command.endpoint) << "\n"
        << "export AWS_REGION=" << shell_quote(command.region) << " AWS_DEFAULT_REGION=" << shell_quote(command.region) << "\n"
        << "export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test\n"
        << "unset AWS_SESSION_TOKEN AWS_PROFILE\n"
        << "# for clients that do not read AWS_ENDPOINT_URL (AWS CLI < 2.13, botocore < 1.31):\n"
        << "case \":$PATH:\" in *:" << shell_quote(bin) << ":*) ;; *) export PATH=" << shell_quote(bin) << ":\"$PATH\" ;; esac\n"
        << "case \":${PYTHONPATH:-}:\" in *:" << shell_quote(py) << ":*) ;; *) export PYTHONPATH=" << shell_quote(py)
        << "${PYTHONPATH:+:$PYTHONPATH} ;; esac\n";
    return 0;
}

}  // namespace lowcloud::app
