// dlopen RAII and ABI resolution (see library.hpp).
#include "lambda/library.hpp"

#include <dlfcn.h>

namespace lowcloud::lambda {

std::unique_ptr<Library> Library::load(const std::filesystem::path& path, const std::string& handler_symbol) {
    std::unique_ptr<Library> lib(new Library());
    dlerror();
    lib->handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib->handle_) {
        const char* e = dlerror();
        throw LoadError("Runtime.ImportModuleError", "Unable to load " + path.string() + ": " + (e ? e : "unknown error"));
    }
    auto version = reinterpret_cast<lowcloud_abi_version_fn>(dlsym(lib->handle_, "lowcloud_abi_version"));
    if (!version)
        throw LoadError("Runtime.InvalidEntrypoint",
                        path.string() + " does not export lowcloud_abi_version(); build it against lowcloud/handler.h");
    if (version() != LOWCLOUD_ABI_VERSION)
        throw LoadError("Runtime.InvalidEntrypoint", path.string() + " uses handler ABI version " + std::to_string(version()) +
                                                         "; this lowcloud supports version " + std::to_string(LOWCLOUD_ABI_VERSION));
    lib->handler_ = reinterpret_cast<lowcloud_handler_fn>(dlsym(lib->handle_, handler_symbol.c_str()));
    if (!lib->handler_)
        throw LoadError("Runtime.HandlerNotFound", path.string() + " does not export the handler symbol '" + handler_symbol + "'");
    lib->init_ = reinterpret_cast<lowcloud_init_fn>(dlsym(lib->handle_, "lowcloud_init"));
    return lib;
}

Library::~Library() {
    if (handle_) dlclose(handle_);
}

}  // namespace lowcloud::lambda
