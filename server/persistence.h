// RDB persistence of the server: foreground and fork-based background saves, save points,
// loading at startup and by DEBUG RELOAD, SHUTDOWN saves, and DUMP payloads.
// docs/design/persistence.md describes the format and the snapshot model.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/persist/rdb_reader.h"
#include "common/persist/rdb_writer.h"
#include "common/util/status.h"

namespace ember {

class Client;
class Server;
struct Entry;

// Per-server RDB state (INFO persistence).
struct RdbState {
  pid_t child_pid = -1;
  int64_t child_start_s = 0;  // rdb_save_time_start
  int64_t dirty_before_bgsave = 0;
  int64_t last_bgsave_try_s = 0;
  int64_t last_bgsave_time_s = -1;  // duration of the last background save
  bool bgsave_scheduled = false;
  bool last_bgsave_ok = true;
  uint64_t saves = 0;  // rdb_saves
  uint64_t last_cow_size = 0;
  uint64_t last_load_keys_loaded = 0;
  uint64_t last_load_keys_expired = 0;
  uint64_t current_save_keys_total = 0;
  int child_info_fd = -1;          // read end of the child's report pipe
  uint64_t load_error_offset = 0;  // where the last failed load stopped
};
RdbState& Rdb(Server& s);

// Server::Init: resets the state of this server. Server::Cron: reaps a finished child,
// starts scheduled saves and the ones the `save` points ask for.
void InitPersistence(Server& s);
void PersistenceCron(Server& s);

bool RdbChildRunning(Server& s);
// A fork child of any kind (RDB save or AOF rewrite) is running: only one at a time.
bool HasActiveChild(Server& s);
// Stops (false) or resumes hash table resizing in every database and value table, so that a
// fork child shares as many pages as possible with the parent.
void AllowDictResize(Server& s, bool allowed);
// Foreground save to dbfilename in dir (temp-<pid>.rdb, fsync, rename), as Redis's rdbSave:
// logs "DB saved on disk", resets the change counter and lastsave.
Status SaveRdb(Server& s);
// fork()s a child that runs SaveRdb. Logs "Background saving started by pid N".
Status BackgroundSave(Server& s);
// SIGUSR1 to the saving child (its end is handled by the cron; not an error).
void KillRdbChild(Server& s);

// The whole dataset in RDB form into `w` (header to EOF and checksum), for saves and full
// synchronization. `repl` adds the replication aux fields. False if a value could not be
// serialized or the writer's sink failed. `aof_base` marks an AOF base file (aux aof-base 1).
bool WriteDataset(Server& s, RdbWriter& w, bool repl, bool child, bool aof_base = false);

// Loads an RDB file into the server's databases. Keys already expired are skipped (master).
// `allow_dup` replaces existing keys (DEBUG RELOAD MERGE) instead of failing.
Status LoadRdbFile(Server& s, const std::string& path, bool allow_dup);
// The same from an open file (read from offset 0, `size` bytes at most). `aof_base`: an AOF
// base or preamble, whose expired keys are kept. `consumed` gets the bytes the RDB took.
Status LoadRdbFromFd(Server& s, int fd, uint64_t size, bool allow_dup, bool aof_base,
                     uint64_t* consumed);
// Startup: with appendonly on, loads the AOF files (and opens the AOF for writing), else
// dir/dbfilename if it exists, logging as Redis. False if the server must exit (the reason
// has been logged).
bool LoadDataFromDisk(Server& s);

// The persistence steps of the final shutdown (Server::FinishShutdown): kills a saving
// child, finishes the AOF, and saves when save points are configured (unless `nosave`) or
// `save` is given. False if the AOF or the save failed and `force` is not set (the server
// keeps running).
bool ShutdownPersistence(Server& s, bool save, bool nosave, bool force);
// FLUSHALL: kills a saving child and, with save points configured, writes the empty RDB.
void FlushAllResetRdb(Server& s);
// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: replies to the client.
void DebugReload(Client& c, bool merge, bool noflush, bool nosave);
// Empties every database (and the function libraries when `functions`), touching WATCHed
// keys (Redis's emptyData).
void EmptyDataset(Server& s, bool functions);
// A replica's initial sync: loads an RDB payload held in memory (expired keys are kept; the
// master will delete them).
Status LoadRdbFromMemory(Server& s, std::string_view data);
// DEBUG LOADAOF: flushes the AOF, empties the dataset and replays the AOF files.
void DebugLoadAof(Client& c);

// write(2) until everything is written (EINTR retried). False on error.
bool WriteAll(int fd, std::string_view bytes);
// fsync of the directory holding `path`, so a rename in it is durable.
void FsyncDirOf(const std::string& path);

// Reader settings from the configuration. `restore`: a RESTORE payload from this client
// (sanitize-dump-payload "clients" then means deep validation).
RdbLoadConfig LoadConfigFor(Server& s, Client* restore_client);
bool RdbCompression(Server& s);

// DUMP payload: type byte, value, RDB version (2 bytes LE) and CRC64 (8 bytes LE).
std::string CreateDumpPayload(Server& s, const Entry* e);
// Checks a payload's footer: version <= 10 and CRC (unless checksums are skipped).
bool VerifyDumpPayload(std::string_view payload);
// Sets the LRU/LFU field of a restored or loaded key as Redis's objectSetLRUOrLFU
// (idle in seconds, freq 0..255; -1 = absent).
void SetLruOrLfu(Entry* e, int64_t lfu_freq, int64_t lru_idle_s);

// Redis's writeCommandsDeniedByDiskError: after a failed background save (with save points
// and stop-writes-on-bgsave-error) or a failed AOF write/fsync, write commands and PING from
// clients other than the master are refused; `error` gets the MISCONF reply.
bool WritesDeniedByDiskError(Server& s, std::string* error);
inline constexpr std::string_view kMisconfError =
    "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist "
    "to disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the "
    "RDB error.";

// MIGRATE's connection cache (server/families/persistence_family.cc): INFO's
// migrate_cached_sockets, and the cron closing connections idle for over 10 seconds.
size_t MigrateCachedSockets();
void MigrateCloseTimedoutSockets();

// INFO persistence section.
void AppendPersistenceInfo(Server& s, std::string* out);

}  // namespace ember
