// A loaded handler library (dlopen RAII) and its resolved ABI entry points
// (handlers/sdk/include/lowcloud/handler.h). Used by the child runtime
// (`lowcloud runtime`) and by in-process execution. Loading a library runs
// its static initializers in the calling process.
// Thread-compatible: a Library is immutable after load.
#pragma once

#include "lowcloud/handler.h"

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace lowcloud::lambda {

// Why a library could not be used, with Lambda's error type:
// Runtime.ImportModuleError (cannot load), Runtime.InvalidEntrypoint (wrong
// or missing ABI version), Runtime.HandlerNotFound (no such symbol).
class LoadError : public std::runtime_error {
public:
    LoadError(std::string type, const std::string& message) : std::runtime_error(message), type_(std::move(type)) {}
    const std::string& type() const { return type_; }

private:
    std::string type_;
};

class Library {
public:
    // Loads `path` (RTLD_NOW | RTLD_LOCAL) and resolves the ABI version, the
    // handler symbol and the optional lowcloud_init. Throws LoadError.
    static std::unique_ptr<Library> load(const std::filesystem::path& path, const std::string& handler_symbol);
    ~Library();
    Library(const Library&) = delete;
    Library& operator=(const Library&) = delete;

    lowcloud_handler_fn handler() const { return handler_; }
    lowcloud_init_fn init() const { return init_; }  // may be null

private:
    Library() = default;
    void* handle_ = nullptr;
    lowcloud_handler_fn handler_ = nullptr;
    lowcloud_init_fn init_ = nullptr;
};

}  // namespace lowcloud::lambda
