// Storing and unpacking deployment packages (see code.hpp), on libzip.
#include "lambda/code.hpp"

#include "common/encoding.hpp"
#include "common/ids.hpp"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <fstream>
#include <memory>

namespace lowcloud::lambda {

namespace fs = std::filesystem;

namespace {

constexpr const char* kNotAZip = "Could not unzip uploaded file. Please check your file, then try to upload again.";
constexpr time_t kZipTime = 315532800;  // 1980-01-01, the earliest time a zip can record

std::string digest(std::string_view bytes) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(bytes.data(), bytes.size(), out, &n, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<const char*>(out), n);
}

struct ZipCloser {
    void operator()(zip_t* z) const { zip_discard(z); }
};
using ZipHandle = std::unique_ptr<zip_t, ZipCloser>;

struct ZipFileCloser {
    void operator()(zip_file_t* f) const { zip_fclose(f); }
};

// A zip entry's name made safe, or an error: no absolute paths, no `..`.
std::string checked_name(const std::string& name) {
    if (name.empty() || name[0] == '/' || name.find('\\') != std::string::npos)
        throw CodeError("Could not unzip uploaded file: the entry '" + name + "' has an absolute path.");
    fs::path p(name);
    for (const auto& part : p)
        if (part == "..") throw CodeError("Could not unzip uploaded file: the entry '" + name + "' points outside the code folder (..).");
    return name;
}

void write_all(const fs::path& path, std::string_view data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

// Read-only modes for unpacked code, executable bits kept.
void make_read_only(const fs::path& dir) {
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
        if (it->is_symlink() || !it->is_regular_file()) continue;
        struct stat st{};
        if (::stat(it->path().c_str(), &st) != 0) continue;
        ::chmod(it->path().c_str(), (st.st_mode & 0111) ? 0555 : 0444);
    }
}

void unpack(std::string_view bytes, const fs::path& into, std::uint64_t limit, std::uint64_t& unpacked) {
    if (bytes.size() < 22) throw CodeError(kNotAZip);  // shorter than a zip's end record
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (!source) throw CodeError(kNotAZip);
    ZipHandle z(zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error));
    if (!z) {
        zip_source_free(source);
        throw CodeError(kNotAZip);
    }
    zip_int64_t count = zip_get_num_entries(z.get(), 0);
    // Declared sizes first: a bomb is refused before anything is written.
    std::uint64_t declared = 0;
    for (zip_int64_t i = 0; i < count; ++i) {
        zip_stat_t st;
        if (zip_stat_index(z.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0) throw CodeError(kNotAZip);
        declared += (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
        if (declared > limit) throw CodeError("Unzipped size must be smaller than " + std::to_string(limit) + " bytes");
    }
    unpacked = 0;
    std::vector<char> block(1 << 16);
    for (zip_int64_t i = 0; i < count; ++i) {
        auto index = static_cast<zip_uint64_t>(i);
        const char* raw = zip_get_name(z.get(), index, 0);
        if (!raw) throw CodeError(kNotAZip);
        std::string name = checked_name(raw);
        zip_uint8_t os = 0;
        zip_uint32_t attributes = 0;
        zip_file_get_external_attributes(z.get(), index, 0, &os, &attributes);
        unsigned mode = os == ZIP_OPSYS_UNIX ? (attributes >> 16) : 0;
        fs::path target = into / name;
        if (name.back() == '/' || S_ISDIR(mode)) {
            fs::create_directories(target);
            continue;
        }
        fs::create_directories(target.parent_path());
        std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen_index(z.get(), index, 0));
        if (!f) throw CodeError(kNotAZip);
        std::string content;
        bool is_link = S_ISLNK(mode);
        std::ofstream out;
        if (!is_link) out.open(target, std::ios::binary | std::ios::trunc);
        for (;;) {
            zip_int64_t n = zip_fread(f.get(), block.data(), block.size());
            if (n < 0) throw CodeError(kNotAZip);
            if (n == 0) break;
            unpacked += static_cast<std::uint64_t>(n);
            if (unpacked > limit) throw CodeError("Unzipped size must be smaller than " + std::to_string(limit) + " bytes");
            if (is_link) content.append(block.data(), static_cast<std::size_t>(n));
            else out.write(block.data(), n);
        }
        if (is_link) {
            fs::path link(content);
            bool escapes = link.is_absolute();
            for (const auto& part : link) escapes = escapes || part == "..";
            if (escapes) throw CodeError("Could not unzip uploaded file: the link '" + name + "' points outside the code folder.");
            fs::create_symlink(link, target);
            continue;
        }
        if (!out) throw std::runtime_error("cannot write " + target.string());
        out.close();
        ::chmod(target.c_str(), (mode & 0111) ? 0755 : 0644);
    }
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
    static const char* hex = "0123456789abcdef";
    std::string d = digest(bytes), out;
    for (unsigned char c : d) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

std::string sha256_base64(std::string_view bytes) { return base64_encode(digest(bytes)); }

CodeStore::CodeStore(fs::path root, std::uint64_t max_unpacked) : root_(std::move(root)), max_unpacked_(max_unpacked) {
    fs::create_directories(root_);
}

std::optional<CodePackage> CodeStore::find(const std::string& id) const {
    CodePackage p;
    p.id = id;
    p.dir = root_ / id;
    p.zip = root_ / (id + ".zip");
    std::error_code ec;
    if (!fs::is_directory(p.dir, ec) || !fs::is_regular_file(p.zip, ec)) return std::nullopt;
    p.zip_size = fs::file_size(p.zip, ec);
    std::ifstream in(p.zip, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    p.sha256 = sha256_base64(bytes);
    for (auto it = fs::recursive_directory_iterator(p.dir, ec); it != fs::recursive_directory_iterator(); ++it)
        if (it->is_regular_file()) p.unpacked_size += it->file_size();
    return p;
}

CodePackage CodeStore::add_zip(std::string_view bytes) {
    if (bytes.size() > kMaxZipBytes)
        throw CodeError("Zipped size must be smaller than " + std::to_string(kMaxZipBytes) + " bytes");
    CodePackage p;
    p.id = sha256_hex(bytes);
    p.sha256 = sha256_base64(bytes);
    p.zip_size = bytes.size();
    p.dir = root_ / p.id;
    p.zip = root_ / (p.id + ".zip");
    std::error_code ec;
    if (fs::is_directory(p.dir, ec) && fs::is_regular_file(p.zip, ec)) {
        for (auto it = fs::recursive_directory_iterator(p.dir, ec); it != fs::recursive_directory_iterator(); ++it)
            if (it->is_regular_file()) p.unpacked_size += it->file_size();
        return p;
    }
    fs::path staging = root_ / (".staging-" + random_uuid());
    fs::create_directories(staging);
    try {
        unpack(bytes, staging, max_unpacked_, p.unpacked_size);
    } catch (...) {
        fs::remove_all(staging, ec);
        throw;
    }
    make_read_only(staging);
    fs::path zip_staging = root_ / (".staging-" + random_uuid() + ".zip");
    write_all(zip_staging, bytes);
    fs::rename(zip_staging, p.zip);
    fs::rename(staging, p.dir, ec);
    if (ec) fs::remove_all(staging, ec);  // another thread put the same code in place first
    return p;
}

CodePackage CodeStore::add_directory(const fs::path& dir) {
    std::vector<ZipEntry> entries;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
        if (!it->is_regular_file()) continue;
        struct stat st{};
        ::stat(it->path().c_str(), &st);
        entries.push_back({fs::relative(it->path(), dir).generic_string(), it->path(), (st.st_mode & 0111) ? 0755u : 0644u});
    }
    std::sort(entries.begin(), entries.end(), [](const ZipEntry& a, const ZipEntry& b) { return a.name < b.name; });
    return add_zip(make_zip(entries));
}

void CodeStore::collect_garbage(const std::set<std::string>& live) const {
    std::error_code ec;
    for (auto it = fs::directory_iterator(root_, ec); it != fs::directory_iterator(); ++it) {
        std::string name = it->path().filename().string();
        std::string id = name.size() > 4 && name.ends_with(".zip") ? name.substr(0, name.size() - 4) : name;
        if (id.size() != 64 || live.count(id)) continue;
        // Unpacked files are read-only; their folders are not.
        fs::remove_all(it->path(), ec);
    }
}

std::string make_zip(const std::vector<ZipEntry>& entries) {
    fs::path path = fs::temp_directory_path() / ("lowcloud-zip-" + random_uuid() + ".zip");
    int error = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    if (!z) throw std::runtime_error("cannot create a zip at " + path.string());
    for (const auto& e : entries) {
        zip_source_t* src = zip_source_file(z, e.source.c_str(), 0, -1);
        zip_int64_t index = src ? zip_file_add(z, e.name.c_str(), src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) : -1;
        if (index < 0) {
            if (src) zip_source_free(src);
            zip_discard(z);
            throw std::runtime_error("cannot add " + e.source.string() + " to a zip");
        }
        auto i = static_cast<zip_uint64_t>(index);
        zip_file_set_external_attributes(z, i, 0, ZIP_OPSYS_UNIX, (0100000u | e.mode) << 16);
        zip_file_set_mtime(z, i, kZipTime, 0);
    }
    if (zip_close(z) != 0) {
        zip_discard(z);
        throw std::runtime_error("cannot write the zip " + path.string());
    }
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::error_code ec;
    fs::remove(path, ec);
    return bytes;
}

}  // namespace lowcloud::lambda
