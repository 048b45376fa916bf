// Function code: deployment packages (zip files) stored once and unpacked
// once, addressed by their content. A package's id is the hex SHA-256 of the
// zip; its CodeSha256 is the same digest in base64, as Lambda reports it.
// The store keeps `<root>/<id>.zip` (served back by GetFunction's
// Code.Location) and `<root>/<id>/` (the unpacked code, an environment's
// LAMBDA_TASK_ROOT, files made read-only). Adding the same bytes twice
// reuses the first copy.
//
// Unpacking refuses what Lambda refuses, with AWS's messages where AWS has
// one: bytes that are not a zip, more than 250 MB unpacked (checked from the
// directory and again while writing, so a lying header cannot fill the
// disk), and entries that would land outside the code folder (`..`,
// absolute paths, links pointing out).
//
// Thread-safety: add_* may run concurrently (each unpacks into a private
// folder and renames it into place); find() and collect_garbage() too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lowcloud::lambda {

constexpr std::uint64_t kMaxZipBytes = 50 * 1024 * 1024;    // direct upload
constexpr std::uint64_t kMaxUnpackedBytes = 262144000;      // 250 MB

// A package Lambda would refuse; the message is AWS's
// InvalidParameterValueException text where AWS has one.
class CodeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct CodePackage {
    std::string id;                  // hex SHA-256 of the zip
    std::string sha256;              // base64 of the same digest (CodeSha256)
    std::uint64_t zip_size = 0;      // CodeSize
    std::uint64_t unpacked_size = 0;
    std::filesystem::path dir;       // unpacked code
    std::filesystem::path zip;       // the package as uploaded
};

class CodeStore {
public:
    // `max_unpacked`: Lambda's 250 MB; tests pass a smaller one.
    explicit CodeStore(std::filesystem::path root, std::uint64_t max_unpacked = kMaxUnpackedBytes);

    // Stores and unpacks a zip. Throws CodeError for a package Lambda
    // refuses (nothing is left behind), std::runtime_error for I/O failures.
    CodePackage add_zip(std::string_view zip_bytes);
    // Zips a folder (deterministically: sorted names, fixed times, modes
    // kept) and adds it, so the same folder always has the same CodeSha256.
    CodePackage add_directory(const std::filesystem::path& dir);
    // A package added before (e.g. before a restart), or nullopt.
    std::optional<CodePackage> find(const std::string& id) const;
    // Removes stored packages whose id is not in `live`.
    void collect_garbage(const std::set<std::string>& live) const;

    const std::filesystem::path& root() const { return root_; }

private:
    std::filesystem::path root_;
    std::uint64_t max_unpacked_;
};

// One file to put in a zip: its name inside the zip and where it comes from.
struct ZipEntry {
    std::string name;
    std::filesystem::path source;
    unsigned mode = 0644;  // Unix permissions recorded in the zip
};

// Builds a zip in memory (deflated, fixed timestamps). Throws
// std::runtime_error when a source cannot be read.
std::string make_zip(const std::vector<ZipEntry>& entries);

// The hex SHA-256 and base64 SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);
std::string sha256_base64(std::string_view bytes);

}  // namespace lowcloud::lambda
