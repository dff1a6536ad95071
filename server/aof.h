// The append-only file in Redis 7.0's multi-part layout: the directory `appenddirname`
// holds one base file (RDB or command format), the incremental files written since the last
// rewrite, and a manifest naming them in order. docs/design/persistence.md describes it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/util/status.h"

namespace ember {

class Server;

// One line of the manifest: "file <name> seq <n> type <b|h|i>".
struct AofFileInfo {
  std::string name;
  int64_t seq = 0;
  char type = 0;  // 'b' base, 'h' history (to delete), 'i' incremental
};

struct AofManifest {
  std::optional<AofFileInfo> base;
  std::vector<AofFileInfo> history;
  std::vector<AofFileInfo> incr;
  int64_t curr_base_seq = 0;
  int64_t curr_incr_seq = 0;
  bool dirty = false;

  // The manifest text: base first, then history, then incremental files.
  std::string Format() const;
  // Parses a manifest. On error returns false with Redis's message in `err` and, when the
  // error is on a line, its number and text.
  static bool Parse(std::string_view text, AofManifest* out, std::string* err, int* line_no,
                    std::string* line);
};

// The id of the client that replays AOF files (Redis's CLIENT_ID_AOF).
inline constexpr uint64_t kAofClientId = UINT64_MAX;

// Result of loading AOF files (Redis's AOF_OK, AOF_NOT_EXIST, ...).
enum class AofLoad { kOk, kNotExist, kEmpty, kOpenErr, kFailed, kTruncated };

// fsync and close jobs for a background thread (Redis's bio), so that `appendfsync everysec`
// never stalls the event loop on a slow disk.
class BackgroundFsync {
 public:
  BackgroundFsync();
  ~BackgroundFsync();
  BackgroundFsync(const BackgroundFsync&) = delete;
  BackgroundFsync& operator=(const BackgroundFsync&) = delete;

  void Fsync(int fd);
  void FsyncAndClose(int fd);
  // Fsync jobs queued or running.
  uint64_t pending() const { return pending_.load(); }
  // 0, or the errno of the last failed background fsync (cleared by ClearError).
  int last_error() const { return last_error_.load(); }
  void ClearError() { last_error_ = 0; }

 private:
  struct Job {
    int fd;
    bool close;
  };
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stop_ = false;
  std::atomic<uint64_t> pending_{0};
  std::atomic<int> last_error_{0};
  std::thread thread_;
};

class AppendOnlyFile {
 public:
  enum class State { kOff, kOn, kWaitRewrite };

  explicit AppendOnlyFile(Server& s);
  ~AppendOnlyFile();
  AppendOnlyFile(const AppendOnlyFile&) = delete;
  AppendOnlyFile& operator=(const AppendOnlyFile&) = delete;

  State state() const { return state_; }
  // Re-reads appendfsync, aof-timestamp-enabled and no-appendfsync-on-rewrite (startup and
  // CONFIG SET).
  void ReloadSettings();
  // From the `appendonly` directive at startup.
  void SetInitialState(bool on) { state_ = on ? State::kOn : State::kOff; }

  // ---- Startup (Redis's main: manifest, load, open, delete history) ----
  // Reads the manifest if the directory and file exist. False: a fatal error was logged.
  bool LoadManifestFromDisk();
  // Loads the base and incremental files named by the manifest (migrating an old single
  // appendonly.aof first).
  AofLoad LoadFiles();
  // With AOF on: creates a base file when there is none, opens the last incremental file
  // (or a new one) and persists the manifest. False: fatal, logged.
  bool OpenOnServerStart();
  // Whether the manifest names a file, or an old single appendonly.aof is waiting to be
  // migrated.
  bool AnyFileToLoad() const;
  // Deletes the files the manifest lists as history (unless aof-disable-auto-gc).
  void DeleteHistoryFiles();

  // ---- Writing ----
  // Appends one propagated command (after a SELECT when `dbid` changes) to the buffer.
  void Feed(int dbid, const std::vector<std::string>& argv);
  // Writes the buffer, and fsyncs per `appendfsync`. Called before replies go out.
  void Flush(bool force);
  // Once per cron tick: postponed flushes, write-error retries, automatic and scheduled
  // rewrites, reaping the rewrite child.
  void Cron();

  // ---- Control ----
  // CONFIG SET appendonly yes / no.
  Status Start();
  void Stop();
  // BGREWRITEAOF: forks a child that writes a new base file; new writes go to a new
  // incremental file meanwhile.
  Status RewriteBackground();
  bool ChildRunning() const { return child_pid_ > 0; }
  pid_t child_pid() const { return child_pid_; }
  void KillChild();
  void ScheduleRewrite() {
    rewrite_scheduled_ = true;
    consecutive_failures_ = 0;
  }
  bool rewrite_scheduled() const { return rewrite_scheduled_; }
  size_t buffer_size() const { return buf_.size(); }

  // Shutdown: kills a rewrite child, flushes and fsyncs. False (child left running) when the
  // initial AOF is still being written, unless `force`.
  bool PrepareForShutdown(bool force);

  // Writes must be refused (MISCONF) after a failed write or background fsync; `why` gets
  // the error text.
  bool WriteErrorActive(std::string* why) const;

  // INFO persistence, the aof_* fields.
  void AppendInfo(std::string* out);

  // The dataset in command form (aof-use-rdb-preamble no), for base files.
  bool WriteCommands(int fd);

 private:
  AofLoad LoadSingleFile(const std::string& name);
  bool WriteBaseFile(const std::string& path);
  bool OpenNewIncrForAppend();
  bool PersistManifest(AofManifest& m);
  void UpgradeFromSingleFile();
  void RewriteDone(int exitcode, int bysignal);
  bool RewriteLimited();
  int64_t FileSize(const std::string& name, AofLoad* status) const;
  std::string PathOf(const std::string& name) const;
  std::string TempIncrName() const;

  Server& s_;
  State state_ = State::kOff;
  int fd_ = -1;
  int fsync_policy_ = 2;  // 0 no, 1 always, 2 everysec
  bool timestamps_ = false;
  bool no_fsync_on_rewrite_ = false;
  std::string buf_;
  int selected_db_ = -1;
  AofManifest manifest_;
  int64_t current_size_ = 0;  // aof_current_size
  int64_t rewrite_base_size_ = 0;
  int64_t last_incr_size_ = 0;
  int64_t last_incr_fsync_offset_ = 0;
  int64_t last_fsync_s_ = 0;
  int64_t flush_postponed_start_ = 0;
  int64_t cur_timestamp_ = 0;  // last #TS annotation
  uint64_t delayed_fsync_ = 0;
  bool rewrite_scheduled_ = false;
  pid_t child_pid_ = -1;
  int64_t rewrite_time_start_ = -1;
  int64_t rewrite_time_last_ = -1;
  bool last_bgrewrite_ok_ = true;
  uint64_t rewrites_ = 0;
  uint64_t consecutive_failures_ = 0;
  bool last_write_ok_ = true;
  int last_write_errno_ = 0;
  int64_t last_write_error_log_s_ = 0;
  uint64_t last_cow_size_ = 0;
  int next_delay_minutes_ = 0;
  int64_t next_rewrite_time_ = 0;
  BackgroundFsync bio_;
};

}  // namespace ember
