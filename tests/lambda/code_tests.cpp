// CodeStore: deployment packages stored once, unpacked once, and refused as
// Lambda refuses them. Table of malformed packages with stable names.
#include "lambda/code.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <zip.h>

#include <fstream>

namespace fs = std::filesystem;
using lowcloud::lambda::CodeError;
using lowcloud::lambda::CodeStore;
using lowcloud::lambda::make_zip;
using lowcloud::lambda::ZipEntry;

namespace {

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("lowcloud-code-tests-" + std::to_string(::getpid()) + "-" + std::to_string(++counter()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() {
        std::error_code ec;
        fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(path, ec);
    }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

// A zip with raw entry names and contents, written with libzip directly (so
// names make_zip would never write, like "../x", can be tested).
std::string raw_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
    fs::path file = fs::temp_directory_path() / ("lowcloud-raw-" + std::to_string(::getpid()) + ".zip");
    int error = 0;
    zip_t* z = zip_open(file.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    REQUIRE(z);
    std::vector<std::string> keep;  // zip_source_buffer borrows the bytes until zip_close
    keep.reserve(entries.size());
    for (const auto& [name, content] : entries) {
        keep.push_back(content);
        zip_source_t* src = zip_source_buffer(z, keep.back().data(), keep.back().size(), 0);
        REQUIRE(zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8) >= 0);
    }
    REQUIRE(zip_close(z) == 0);
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    fs::remove(file);
    return bytes;
}

fs::path write_file(const fs::path& p, const std::string& content, fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << content;
    fs::permissions(p, perms);
    return p;
}

}  // namespace

TEST_CASE("code: a zip is unpacked once, addressed by its SHA-256", "[lambda][code]") {
    TempDir src, store_dir;
    auto app = write_file(src.path / "app.py", "def handler(e, c):\n    return 1\n");
    auto boot = write_file(src.path / "bootstrap", "#!/bin/sh\n", fs::perms::owner_all);
    std::string zip = make_zip({ZipEntry{"app.py", app, 0644}, ZipEntry{"bin/bootstrap", boot, 0755}});
    CodeStore store(store_dir.path);
    auto p = store.add_zip(zip);
    CHECK(p.id.size() == 64);
    CHECK(p.sha256 == lowcloud::lambda::sha256_base64(zip));
    CHECK(p.zip_size == zip.size());
    CHECK(fs::exists(p.dir / "app.py"));
    struct stat st {};
    REQUIRE(::stat((p.dir / "bin/bootstrap").c_str(), &st) == 0);
    CHECK((st.st_mode & 0111) != 0);   // executable bit kept
    CHECK((st.st_mode & 0222) == 0);   // unpacked code is read-only
    REQUIRE(::stat((p.dir / "app.py").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0444);

    auto again = store.add_zip(zip);
    CHECK(again.dir == p.dir);
    auto found = store.find(p.id);
    REQUIRE(found);
    CHECK(found->sha256 == p.sha256);
    CHECK_FALSE(store.find(std::string(64, '0')));
}

TEST_CASE("code: a folder zips to the same CodeSha256 every time", "[lambda][code]") {
    TempDir src, store_dir;
    write_file(src.path / "b.py", "b");
    write_file(src.path / "a/x.py", "x");
    CodeStore store(store_dir.path);
    auto one = store.add_directory(src.path);
    auto two = store.add_directory(src.path);
    CHECK(one.sha256 == two.sha256);
    CHECK(fs::exists(one.dir / "a" / "x.py"));
}

TEST_CASE("code: packages Lambda refuses, and nothing is left behind", "[lambda][code]") {
    struct Case {
        const char* name;
        std::string bytes;
        const char* message;
    };
    std::string big(2048, 'z');
    std::vector<Case> cases = {
        {"not a zip", "PK but not really a zip file", "Could not unzip uploaded file. Please check your file, then try to upload again."},
        {"empty bytes", "", "Could not unzip uploaded file. Please check your file, then try to upload again."},
        {"entry with ..", raw_zip({{"../evil.py", "x"}}), "points outside the code folder"},
        {"entry with .. inside", raw_zip({{"lib/../../evil.py", "x"}}), "points outside the code folder"},
        {"absolute entry", raw_zip({{"/etc/evil", "x"}}), "has an absolute path"},
        {"over the unpacked limit", raw_zip({{"a", big}, {"b", big}}), "Unzipped size must be smaller than 3000 bytes"},
    };
    for (const auto& c : cases) {
        SECTION(c.name) {
            TempDir store_dir;
            CodeStore store(store_dir.path, 3000);
            try {
                store.add_zip(c.bytes);
                FAIL("accepted: " << c.name);
            } catch (const CodeError& e) {
                CHECK_THAT(e.what(), Catch::Contains(c.message));
            }
            CHECK(fs::is_empty(store_dir.path));
        }
    }
}

TEST_CASE("code: garbage collection keeps live packages only", "[lambda][code]") {
    TempDir src, store_dir;
    auto f = write_file(src.path / "f", "1");
    auto g = write_file(src.path / "g", "2");
    CodeStore store(store_dir.path);
    auto keep = store.add_zip(make_zip({ZipEntry{"f", f}}));
    auto drop = store.add_zip(make_zip({ZipEntry{"g", g}}));
    store.collect_garbage({keep.id});
    CHECK(store.find(keep.id));
    CHECK_FALSE(store.find(drop.id));
    CHECK_FALSE(fs::exists(drop.zip));
}
