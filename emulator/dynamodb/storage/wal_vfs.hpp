// A SQLite VFS that gathers a commit's WAL writes into one write(2). SQLite
// writes each page of a commit to the WAL as two writes (the 24-byte frame
// header, then the page): on the benchmark host a commit of 500 frames took
// 2.0 ms that way against 0.2 ms as one write, all of it under the engine's
// mutex that requests wait on.
//
// The VFS wraps the default one. A WAL file's writes that continue the last
// one are kept in memory (up to 8 MB) and written as one when anything else
// happens to the file, and before SQLite publishes the frames to other
// connections: SQLite publishes a commit by rewriting the wal-index header
// in shared memory around a memory barrier (xShmBarrier on the database
// file), and that barrier first writes out what every WAL file of that
// database holds back. Any read of a WAL file does the same first, so no
// connection (the checkpointer's included) ever reads a region whose bytes
// are still held. A write that fails there cannot be reported to SQLite
// (the barrier returns nothing): the bytes stay held, every later call on
// that WAL file retries them and fails until they are written, and
// check_wal() reports the failure to the committer, which then treats its
// commit as failed (storage.cpp: the operation journal keeps the writes).
// Files other than WAL files pass through unchanged.
// Thread-safety: any thread; one mutex guards every held buffer.
#pragma once

#include <sqlite3.h>

namespace lowcloud::dynamodb::sqlite {

// The VFS's name for sqlite3_open_v2, registered (not as the default) on
// the first call.
const char* gathering_vfs();

// Writes what the WAL of `db`'s main database holds back; SQLITE_OK, or the
// error of the write that failed (then still held). SQLITE_OK for a
// connection not opened on gathering_vfs().
int check_wal(sqlite3* db);

}  // namespace lowcloud::dynamodb::sqlite
