// The WAL-gathering VFS (see wal_vfs.hpp): a wrapper of the default VFS
// whose files carry a small header (File) in front of the default VFS's own
// file structure.
#include "storage/wal_vfs.hpp"

#include "storage/sqlite.hpp"

#include <algorithm>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace lowcloud::dynamodb::sqlite {

namespace {

// Held bytes past which a WAL file's writes go out (a larger commit is
// written in 8 MB pieces).
constexpr std::size_t kMaxHeld = 8 * 1024 * 1024;
// The default (unix) VFS writes at most 0x1ffff bytes a call (it masks the
// length: a longer write comes back short, as SQLITE_FULL): held bytes go
// out in pieces of this size.
constexpr std::size_t kMaxWrite = 0x1f000;

struct Registry;

struct State {
    Registry* registry = nullptr;
    bool wal = false;
    // A WAL file's own name; a database file's name + "-wal"; "" otherwise.
    std::string wal_path;
    // WAL files: the bytes held back and where they go (under Registry::mutex).
    std::string held;
    sqlite3_int64 held_offset = 0;
};

// What SQLite allocates (szOsFile bytes) for one open file: this header,
// then the default VFS's file at kHeader.
struct File {
    sqlite3_file base;  // base.pMethods: kMethods (or null when xOpen failed)
    State* state;
};
constexpr int kHeader = (sizeof(File) + 15) & ~15;

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kHeader); }
State& state(sqlite3_file* f) { return *reinterpret_cast<File*>(f)->state; }

struct Registry {
    sqlite3_vfs* real = nullptr;
    sqlite3_vfs vfs{};
    std::mutex mutex;
    std::vector<sqlite3_file*> wal_files;  // open WAL files (under mutex)
};

// Writes what `f` holds back. Precondition: Registry::mutex held.
int write_held(sqlite3_file* f) {
    State& s = state(f);
    if (s.held.empty()) return SQLITE_OK;
    sqlite3_file* r = real(f);
    std::size_t done = 0;
    int rc = SQLITE_OK;
    while (done < s.held.size() && rc == SQLITE_OK) {
        const std::size_t n = std::min(kMaxWrite, s.held.size() - done);
        rc = r->pMethods->xWrite(r, s.held.data() + done, static_cast<int>(n), s.held_offset + static_cast<sqlite3_int64>(done));
        if (rc == SQLITE_OK) done += n;
    }
    // What failed stays held: the next call retries it.
    s.held.erase(0, done);
    s.held_offset += static_cast<sqlite3_int64>(done);
    return rc;
}

// Writes what every WAL file of `f`'s database holds back.
int write_held_all(sqlite3_file* f) {
    const std::string& path = state(f).wal_path;
    if (path.empty()) return SQLITE_OK;
    Registry& reg = *state(f).registry;
    std::lock_guard lock(reg.mutex);
    int rc = SQLITE_OK;
    for (sqlite3_file* wal : reg.wal_files)
        if (state(wal).wal_path == path) {
            int r = write_held(wal);
            if (rc == SQLITE_OK) rc = r;
        }
    return rc;
}

// ---- io methods: held bytes go out first, then the default VFS's method ----

// Before any other use of a WAL file: what its database's WAL files hold.
int settle(sqlite3_file* f) { return state(f).wal ? write_held_all(f) : SQLITE_OK; }

int x_close(sqlite3_file* f) {
    State* s = &state(f);
    int rc = SQLITE_OK;
    if (s->wal) {
        Registry& reg = *s->registry;
        std::lock_guard lock(reg.mutex);
        rc = write_held(f);
        reg.wal_files.erase(std::remove(reg.wal_files.begin(), reg.wal_files.end(), f), reg.wal_files.end());
    }
    sqlite3_file* r = real(f);
    int closed = r->pMethods ? r->pMethods->xClose(r) : SQLITE_OK;
    delete s;
    reinterpret_cast<File*>(f)->state = nullptr;
    return rc != SQLITE_OK ? rc : closed;
}

int x_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
    if (int rc = settle(f); rc != SQLITE_OK) return rc;
    sqlite3_file* r = real(f);
    return r->pMethods->xRead(r, out, amount, offset);
}

int x_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
    State& s = state(f);
    sqlite3_file* r = real(f);
    if (!s.wal) return r->pMethods->xWrite(r, data, amount, offset);
    Registry& reg = *s.registry;
    std::lock_guard lock(reg.mutex);
    const auto n = static_cast<std::size_t>(amount);
    if (!s.held.empty() && offset == s.held_offset + static_cast<sqlite3_int64>(s.held.size()) && s.held.size() + n <= kMaxHeld) {
        s.held.append(static_cast<const char*>(data), n);
        return SQLITE_OK;
    }
    if (int rc = write_held(f); rc != SQLITE_OK) return rc;
    if (n > kMaxWrite) return r->pMethods->xWrite(r, data, amount, offset);  // never for a WAL page
    s.held.assign(static_cast<const char*>(data), n);
    s.held_offset = offset;
    return SQLITE_OK;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
    if (int rc = settle(f); rc != SQLITE_OK) return rc;
    sqlite3_file* r = real(f);
    return r->pMethods->xTruncate(r, size);
}

int x_sync(sqlite3_file* f, int flags) {
    if (int rc = settle(f); rc != SQLITE_OK) return rc;
    sqlite3_file* r = real(f);
    return r->pMethods->xSync(r, flags);
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
    if (int rc = settle(f); rc != SQLITE_OK) return rc;
    sqlite3_file* r = real(f);
    return r->pMethods->xFileSize(r, size);
}

int x_lock(sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); }
int x_unlock(sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); }
int x_check_reserved_lock(sqlite3_file* f, int* out) { return real(f)->pMethods->xCheckReservedLock(real(f), out); }

int x_file_control(sqlite3_file* f, int op, void* arg) {
    if (int rc = settle(f); rc != SQLITE_OK) return rc;
    return real(f)->pMethods->xFileControl(real(f), op, arg);
}

int x_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int x_device_characteristics(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }

int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
    sqlite3_file* r = real(f);
    return r->pMethods->iVersion >= 2 ? r->pMethods->xShmMap(r, region, size, extend, out) : SQLITE_IOERR;
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    sqlite3_file* r = real(f);
    return r->pMethods->iVersion >= 2 ? r->pMethods->xShmLock(r, offset, n, flags) : SQLITE_IOERR;
}
// SQLite publishes a commit around this barrier: the frames go to the file first.
void x_shm_barrier(sqlite3_file* f) {
    if (!state(f).wal) (void)write_held_all(f);  // a failure stays held: see the header
    sqlite3_file* r = real(f);
    if (r->pMethods->iVersion >= 2) r->pMethods->xShmBarrier(r);
}
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
    sqlite3_file* r = real(f);
    return r->pMethods->iVersion >= 2 ? r->pMethods->xShmUnmap(r, delete_flag) : SQLITE_OK;
}
int x_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
    sqlite3_file* r = real(f);
    if (int rc = settle(f); rc != SQLITE_OK) return rc;
    if (r->pMethods->iVersion < 3) {
        *out = nullptr;
        return SQLITE_OK;
    }
    return r->pMethods->xFetch(r, offset, amount, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
    sqlite3_file* r = real(f);
    return r->pMethods->iVersion >= 3 ? r->pMethods->xUnfetch(r, offset, p) : SQLITE_OK;
}

const sqlite3_io_methods kMethods = {
    3,         x_close, x_read,      x_write,     x_truncate,   x_sync,     x_file_size, x_lock, x_unlock, x_check_reserved_lock,
    x_file_control, x_sector_size, x_device_characteristics, x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap, x_fetch, x_unfetch,
};

// ---- the VFS: xOpen wraps; everything else is the default VFS's ----

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
    Registry& reg = *static_cast<Registry*>(vfs->pAppData);
    auto* file = reinterpret_cast<File*>(f);
    file->base.pMethods = nullptr;
    sqlite3_file* r = real(f);
    r->pMethods = nullptr;
    State* s = new (std::nothrow) State;
    if (!s) return SQLITE_NOMEM;
    s->registry = &reg;
    int rc = reg.real->xOpen(reg.real, name, r, flags, out_flags);
    if (rc != SQLITE_OK) {
        // SQLite calls xClose only when pMethods is set: close the real
        // file here if the default VFS left it open.
        if (r->pMethods) r->pMethods->xClose(r);
        delete s;
        return rc;
    }
    if (name) {
        s->wal = (flags & SQLITE_OPEN_WAL) != 0;
        if (s->wal) s->wal_path = name;
        else if (flags & SQLITE_OPEN_MAIN_DB) s->wal_path = std::string(name) + "-wal";
    }
    file->state = s;
    file->base.pMethods = &kMethods;
    if (s->wal) {
        std::lock_guard lock(reg.mutex);
        reg.wal_files.push_back(f);
    }
    return SQLITE_OK;
}

sqlite3_vfs* real_vfs(sqlite3_vfs* vfs) { return static_cast<Registry*>(vfs->pAppData)->real; }

int x_delete(sqlite3_vfs* v, const char* name, int sync_dir) { return real_vfs(v)->xDelete(real_vfs(v), name, sync_dir); }
int x_access(sqlite3_vfs* v, const char* name, int flags, int* out) { return real_vfs(v)->xAccess(real_vfs(v), name, flags, out); }
int x_full_pathname(sqlite3_vfs* v, const char* name, int n, char* out) { return real_vfs(v)->xFullPathname(real_vfs(v), name, n, out); }
void* x_dl_open(sqlite3_vfs* v, const char* name) { return real_vfs(v)->xDlOpen(real_vfs(v), name); }
void x_dl_error(sqlite3_vfs* v, int n, char* out) { real_vfs(v)->xDlError(real_vfs(v), n, out); }
void (*x_dl_sym(sqlite3_vfs* v, void* h, const char* sym))(void) { return real_vfs(v)->xDlSym(real_vfs(v), h, sym); }
void x_dl_close(sqlite3_vfs* v, void* h) { real_vfs(v)->xDlClose(real_vfs(v), h); }
int x_randomness(sqlite3_vfs* v, int n, char* out) { return real_vfs(v)->xRandomness(real_vfs(v), n, out); }
int x_sleep(sqlite3_vfs* v, int us) { return real_vfs(v)->xSleep(real_vfs(v), us); }
int x_current_time(sqlite3_vfs* v, double* out) { return real_vfs(v)->xCurrentTime(real_vfs(v), out); }
int x_get_last_error(sqlite3_vfs* v, int n, char* out) { return real_vfs(v)->xGetLastError(real_vfs(v), n, out); }
int x_current_time_int64(sqlite3_vfs* v, sqlite3_int64* out) { return real_vfs(v)->xCurrentTimeInt64(real_vfs(v), out); }
int x_set_system_call(sqlite3_vfs* v, const char* name, sqlite3_syscall_ptr p) { return real_vfs(v)->xSetSystemCall(real_vfs(v), name, p); }
sqlite3_syscall_ptr x_get_system_call(sqlite3_vfs* v, const char* name) { return real_vfs(v)->xGetSystemCall(real_vfs(v), name); }
const char* x_next_system_call(sqlite3_vfs* v, const char* name) { return real_vfs(v)->xNextSystemCall(real_vfs(v), name); }

}  // namespace

const char* gathering_vfs() {
    // SQLite's list of VFSes is the process's: the registration (and the
    // registry it points to) lives as long as the process.
    static const char* const name = [] {
        configure();  // before SQLite initializes (sqlite3_vfs_find does)
        auto* reg = new Registry;
        reg->real = sqlite3_vfs_find(nullptr);
        sqlite3_vfs& v = reg->vfs;
        v.iVersion = std::min(reg->real->iVersion, 3);
        v.szOsFile = kHeader + reg->real->szOsFile;
        v.mxPathname = reg->real->mxPathname;
        v.zName = "lowcloud-wal-gathering";
        v.pAppData = reg;
        v.xOpen = x_open;
        v.xDelete = x_delete;
        v.xAccess = x_access;
        v.xFullPathname = x_full_pathname;
        v.xDlOpen = x_dl_open;
        v.xDlError = x_dl_error;
        v.xDlSym = x_dl_sym;
        v.xDlClose = x_dl_close;
        v.xRandomness = x_randomness;
        v.xSleep = x_sleep;
        v.xCurrentTime = x_current_time;
        v.xGetLastError = x_get_last_error;
        v.xCurrentTimeInt64 = x_current_time_int64;
        v.xSetSystemCall = x_set_system_call;
        v.xGetSystemCall = x_get_system_call;
        v.xNextSystemCall = x_next_system_call;
        sqlite3_vfs_register(&v, 0);
        return v.zName;
    }();
    return name;
}

int check_wal(sqlite3* db) {
    sqlite3_file* f = nullptr;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f || f->pMethods != &kMethods) return SQLITE_OK;
    return write_held_all(f);
}

}  // namespace lowcloud::dynamodb::sqlite
