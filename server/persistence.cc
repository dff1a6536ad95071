#include "server/persistence.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

#include "common/storage/lru.h"
#include "common/util/clock.h"
#include "common/util/hash.h"
#include "common/util/log.h"
#include "common/util/memory.h"
#include "common/util/strings.h"
#include "proto/rdb.h"
#include "server/aof.h"
#include "server/client.h"
#include "server/scripting/scripting.h"
#include "server/server.h"

namespace ember {

// Set by DEBUG SET-SKIP-CHECKSUM-VALIDATION (server_family.cc).
bool DebugSkipChecksumValidation();

namespace {

constexpr int64_t kBgsaveRetryDelayS = 5;  // after a failed background save

std::map<const Server*, RdbState>& States() {
  static std::map<const Server*, RdbState> states;
  return states;
}

int64_t NowS() { return NowMs() / 1000; }

std::string Cwd() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof(buf)) ? std::string(buf) : std::string("unknown");
}

int64_t ConfigInt(Server& s, std::string_view name) {
  int64_t v = 0;
  StringToInt64(s.config().GetOne(name), &v);
  return v;
}

bool ConfigYes(Server& s, std::string_view name) { return s.config().GetOne(name) == "yes"; }

// Private dirty memory of this process (Linux), the copy-on-write measure of a fork child.
uint64_t PrivateDirtyBytes() {
  std::ifstream f("/proc/self/smaps_rollup");
  std::string line;
  uint64_t total = 0;
  while (std::getline(f, line)) {
    if (line.rfind("Private_Dirty:", 0) == 0) total += std::stoull(line.substr(14)) * 1024;
  }
  return total;
}

// What a saving child reports through its pipe.
struct ChildInfo {
  uint64_t keys_processed;
  uint64_t cow_bytes;
  uint8_t final;
};

// Progress of the running child, as the parent last heard it.
struct ChildProgress {
  uint64_t keys_processed = 0;
  uint64_t cow_bytes = 0;
  uint64_t cow_peak = 0;
  int64_t cow_updated_s = 0;
};
std::map<const Server*, ChildProgress>& Progress() {
  static std::map<const Server*, ChildProgress> p;
  return p;
}

// Child-side reporting state.
int g_child_report_fd = -1;
int64_t g_child_last_report_ms = 0;
uint64_t g_child_keys_processed = 0;

void ChildReport(bool final) {
  if (g_child_report_fd < 0) return;
  ChildInfo info{g_child_keys_processed, PrivateDirtyBytes(), uint8_t(final)};
  ssize_t n = write(g_child_report_fd, &info, sizeof(info));
  (void)n;
  g_child_last_report_ms = NowMs();
}

void ReadChildReports(Server& s) {
  RdbState& st = Rdb(s);
  if (st.child_info_fd < 0) return;
  ChildInfo info;
  ChildProgress& p = Progress()[&s];
  while (read(st.child_info_fd, &info, sizeof(info)) == ssize_t(sizeof(info))) {
    p.keys_processed = info.keys_processed;
    p.cow_bytes = info.cow_bytes;
    p.cow_peak = std::max(p.cow_peak, info.cow_bytes);
    p.cow_updated_s = NowS();
    if (info.final) st.last_cow_size = info.cow_bytes;
  }
}

bool FdSink(void* ctx, std::string_view bytes) { return WriteAll(*static_cast<int*>(ctx), bytes); }

std::string TempFileName(pid_t pid) { return "temp-" + std::to_string(pid) + ".rdb"; }

// Empties every database (and the function libraries when `functions`), as Redis's
// emptyData: WATCHers of existing keys are touched.
void EmptyData(Server& s, bool functions) {
  for (int i = 0; i < s.db_count(); i++) {
    s.TouchWatchedKeysInDb(i);
    s.db(i).Clear();
  }
  if (functions) scripting::FlushFunctions(s);
}

// Loads keys into the server as Redis's rdbLoadRio does.
class ServerLoader : public RdbVisitor {
 public:
  // `keep_expired`: an AOF base file keeps keys already expired (the commands that follow
  // may refer to them); a plain RDB load on a master drops them.
  ServerLoader(Server& s, bool allow_dup, bool keep_expired)
      : s_(s), allow_dup_(allow_dup), keep_expired_(keep_expired), now_ms_(NowMs()) {
    key_load_delay_us_ = ConfigInt(s, "key-load-delay");
  }

  Status Aux(std::string_view key, std::string_view value) override {
    std::string v(value);
    if (!key.empty() && key[0] == '%') {
      spdlog::info("RDB '{}': {}", key, value);
    } else if (EqualsIgnoreCase(key, "redis-ver")) {
      spdlog::info("Loading RDB produced by version {}", value);
    } else if (EqualsIgnoreCase(key, "ctime")) {
      int64_t age = NowS() - strtoll(v.c_str(), nullptr, 10);
      spdlog::info("RDB age {} seconds", age < 0 ? 0 : age);
    } else if (EqualsIgnoreCase(key, "used-mem")) {
      spdlog::info("RDB memory usage when created {:.2f} Mb",
                   double(strtoll(v.c_str(), nullptr, 10)) / (1024 * 1024));
    } else if (EqualsIgnoreCase(key, "aof-preamble")) {
      if (strtoll(v.c_str(), nullptr, 10)) spdlog::info("RDB has an AOF tail");
    } else if (EqualsIgnoreCase(key, "aof-base")) {
      if (strtoll(v.c_str(), nullptr, 10)) spdlog::info("RDB is base AOF");
    } else if (EqualsIgnoreCase(key, "repl-id")) {
      s_.rdb_repl_info.id = v;
    } else if (EqualsIgnoreCase(key, "repl-offset")) {
      s_.rdb_repl_info.offset = strtoll(v.c_str(), nullptr, 10);
    } else if (EqualsIgnoreCase(key, "repl-stream-db")) {
      s_.rdb_repl_info.db = int(strtol(v.c_str(), nullptr, 10));
    } else if (!EqualsIgnoreCase(key, "lua") && !EqualsIgnoreCase(key, "redis-bits")) {
      spdlog::trace("Unrecognized RDB AUX field: '{}'", key);
    }
    return Status::OK();
  }

  Status SelectDb(uint64_t db) override {
    if (db >= uint64_t(s_.db_count())) {
      return Status::InvalidArgument(fmt::format(
          "FATAL: Data file was created with a Redis server configured to handle more than "
          "{} databases. Exiting\n",
          s_.db_count()));
    }
    return Status::OK();
  }

  Status Function(std::string code) override {
    std::string err;
    if (!scripting::LoadLibraryCode(s_, code, allow_dup_, &err)) {
      return Status::Corruption("Failed loading library, " + err);
    }
    return Status::OK();
  }

  Status Key(uint64_t dbid, Entry* e, int64_t expire_ms, int64_t lru_idle_s,
             int lfu_freq) override {
    if (!keep_expired_ && expire_ms != -1 && expire_ms < now_ms_) {
      if (s_.feed_expired_on_load) {
        s_.FeedReplicationStream(int(dbid), {s_.config().lazyfree_lazy_expire ? "UNLINK" : "DEL",
                                             std::string(e->key())});
      }
      FreeRdbEntry(e);
      expired++;
    } else {
      Db& db = s_.db(int(dbid));
      if (db.Find(e->key())) {
        if (!allow_dup_) {
          std::string key(e->key());
          FreeRdbEntry(e);
          spdlog::warn("RDB has duplicated key '{}' in DB {}", key, dbid);
          return Status::Corruption("Duplicated key found in RDB file");
        }
        db.Delete(e->key());
      }
      db.Add(e);
      loaded++;
      if (expire_ms != -1) db.SetExpire(e, expire_ms);
      SetLruOrLfu(e, lfu_freq, lru_idle_s);
    }
    if (key_load_delay_us_ > 0) usleep(useconds_t(key_load_delay_us_));
    if (reader_) s_.LoadingAdvance(progress_base_ + reader_->offset());
    return Status::OK();
  }

  // Progress reporting (INFO loading_*, serving clients while loading).
  void set_reader(const RdbReader* r, uint64_t base) {
    reader_ = r;
    progress_base_ = base;
  }

  void EmptyKeySkipped(std::string_view key) override {
    if (empty++ < 10) spdlog::warn("rdbLoadObject skipping empty key: {}", key);
  }

  uint64_t loaded = 0, expired = 0, empty = 0;

 private:
  Server& s_;
  bool allow_dup_;
  bool keep_expired_;
  int64_t now_ms_;
  const RdbReader* reader_ = nullptr;
  uint64_t progress_base_ = 0;
  int64_t key_load_delay_us_ = 0;
};

}  // namespace

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(size_t(n));
  }
  return true;
}

void FsyncDirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash ? slash : 1);
  int fd = open(dir.c_str(), O_RDONLY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

RdbState& Rdb(Server& s) { return States()[&s]; }

void InitPersistence(Server& s) {
  States()[&s] = RdbState{};
  Progress()[&s] = ChildProgress{};
}

bool RdbChildRunning(Server& s) { return Rdb(s).child_pid > 0; }

bool HasActiveChild(Server& s) { return RdbChildRunning(s) || s.aof().ChildRunning(); }

void AllowDictResize(Server& s, bool allowed) {
  DictResizeAllowedGlobally() = allowed;  // value tables (sets, hashes, zsets) too
  for (int i = 0; i < s.db_count(); i++) {
    s.db(i).keys().set_resize_allowed(allowed);
    s.db(i).expires().set_resize_allowed(allowed);
  }
}

bool WritesDeniedByDiskError(Server& s, std::string* error) {
  if (!Rdb(s).last_bgsave_ok && !s.config().save.empty() &&
      ConfigYes(s, "stop-writes-on-bgsave-error")) {
    *error = std::string(kMisconfError);
    return true;
  }
  std::string why;
  if (s.aof().WriteErrorActive(&why)) {
    *error = "-MISCONF Errors writing to the AOF file: " + why;
    return true;
  }
  return false;
}

bool RdbCompression(Server& s) { return ConfigYes(s, "rdbcompression"); }

RdbLoadConfig LoadConfigFor(Server& s, Client* restore_client) {
  const Config& cfg = s.config();
  RdbLoadConfig lc;
  lc.hash_max_listpack_entries = cfg.hash_max_listpack_entries;
  lc.hash_max_listpack_value = cfg.hash_max_listpack_value;
  lc.set_max_intset_entries = cfg.set_max_intset_entries;
  lc.zset_max_listpack_entries = cfg.zset_max_listpack_entries;
  lc.zset_max_listpack_value = cfg.zset_max_listpack_value;
  lc.list_max_listpack_size = cfg.list_max_listpack_size;
  lc.list_compress_depth = cfg.list_compress_depth;
  std::string sanitize = s.config().GetOne("sanitize-dump-payload");
  lc.deep_sanitize = sanitize == "yes";
  if (sanitize == "clients") {
    // Loading and the master's RESTOREs are trusted; other clients' payloads are walked.
    lc.deep_sanitize = restore_client && !s.loading && !restore_client->has(kClientMaster);
  }
  lc.verify_checksum = ConfigYes(s, "rdbchecksum") && !DebugSkipChecksumValidation();
  return lc;
}

void SetLruOrLfu(Entry* e, int64_t lfu_freq, int64_t lru_idle_s) {
  if (GetAccessPolicy().lfu) {
    if (lfu_freq >= 0) {
      uint32_t minutes = uint32_t(NowMs() / 1000 / 60) & 0xffff;
      e->set_lru((minutes << 8) | uint32_t(lfu_freq & 0xff));
    }
  } else if (lru_idle_s >= 0) {
    int64_t abs = int64_t(LruClock()) - lru_idle_s % int64_t(kLruClockMax);
    if (abs < 0) abs += kLruClockMax;
    e->set_lru(uint32_t(abs));
  }
}

// ---- Saving -------------------------------------------------------------------------------

bool WriteDataset(Server& s, RdbWriter& w, bool repl, bool child, bool aof_base) {
  w.Header();
  w.Aux("redis-ver", EMBER_REDIS_COMPAT_VERSION);
  w.AuxInt("redis-bits", 64);
  w.AuxInt("ctime", NowS());
  w.AuxInt("used-mem", int64_t(UsedMemory()));
  int stream_db = 0;
  if (repl || s.ReplInfoForRdb(&stream_db)) {
    w.AuxInt("repl-stream-db", stream_db);
    w.Aux("repl-id", s.replid());
    w.AuxInt("repl-offset", s.master_repl_offset());
  }
  w.AuxInt("aof-base", aof_base ? 1 : 0);
  for (const std::string& code : scripting::LibraryCodes(s)) w.Function(code);
  const std::string& policy = s.config().maxmemory_policy;
  bool save_lru = policy.find("lru") != std::string::npos;
  bool save_lfu = policy.find("lfu") != std::string::npos;
  // The in-process snapshot for a replica must not stall the server (Redis forks for it).
  int64_t delay_us = repl ? 0 : ConfigInt(s, "rdb-key-save-delay");
  bool ok = true;
  for (int i = 0; i < s.db_count() && ok; i++) {
    Db& db = s.db(i);
    if (db.size() == 0) continue;
    w.SelectDb(uint64_t(i));
    w.ResizeDb(db.size(), db.expires_size());
    db.keys().ForEach([&](Entry* e) {
      if (!ok) return;
      int64_t when = e->has_expire() ? db.GetExpire(e) : -1;
      if (when >= 0) w.ExpireMs(when);
      if (save_lru) w.Idle(EntryIdleMs(e) / 1000);
      if (save_lfu) w.Freq(uint8_t(EntryLfuCount(e)));
      if (!w.KeyValue(e)) {
        spdlog::warn("Cannot serialize the value of key '{}' (type {})", e->key(),
                     proto::TypeName(e->type()));
        ok = false;
        return;
      }
      if (!w.MaybeFlush()) ok = false;
      if (child) {
        g_child_keys_processed++;
        if (NowMs() - g_child_last_report_ms >= 1000) ChildReport(false);
      }
      if (delay_us > 0) usleep(useconds_t(delay_us));
    });
  }
  if (!ok) return false;
  w.Eof();
  return w.Flush();
}

namespace {

Status SaveRdbImpl(Server& s, bool child) {
  std::string tmp = TempFileName(getpid());
  const std::string& filename = s.config().dbfilename;
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::string err = strerror(errno);
    spdlog::warn("Failed opening the temp RDB file {} (in server root dir {}) for saving: {}", tmp,
                 Cwd(), err);
    return Status::IOError(err);
  }
  RdbWriter w(RdbCompression(s));
  w.set_checksum(ConfigYes(s, "rdbchecksum"));
  w.SetSink(FdSink, &fd);
  const char* op = nullptr;
  if (!WriteDataset(s, w, false, child)) {
    op = "rdbSaveRio";
  } else if (fsync(fd) != 0) {
    op = "fsync";
  }
  if (op) {
    std::string err = errno ? strerror(errno) : "unknown error";
    spdlog::warn("Write error saving DB on disk({}): {}", op, err);
    close(fd);
    unlink(tmp.c_str());
    return Status::IOError(err);
  }
  if (close(fd) != 0) {
    std::string err = strerror(errno);
    spdlog::warn("Write error saving DB on disk(fclose): {}", err);
    unlink(tmp.c_str());
    return Status::IOError(err);
  }
  if (rename(tmp.c_str(), filename.c_str()) == -1) {
    std::string err = strerror(errno);
    spdlog::warn(
        "Error moving temp DB file {} on the final destination {} (in server root dir {}): {}", tmp,
        filename, Cwd(), err);
    unlink(tmp.c_str());
    return Status::IOError(err);
  }
  FsyncDirOf(filename);
  spdlog::info("DB saved on disk");
  s.dirty = 0;
  s.lastsave_s = NowS();
  Rdb(s).last_bgsave_ok = true;
  return Status::OK();
}

void BackgroundSaveDone(Server& s, int exitcode, int bysignal) {
  RdbState& st = Rdb(s);
  if (!bysignal && exitcode == 0) {
    spdlog::info("Background saving terminated with success");
    s.dirty -= st.dirty_before_bgsave;
    s.lastsave_s = NowS();
    st.last_bgsave_ok = true;
  } else if (!bysignal) {
    spdlog::warn("Background saving error");
    st.last_bgsave_ok = false;
  } else {
    spdlog::warn("Background saving terminated by signal {}", bysignal);
    unlink(TempFileName(st.child_pid).c_str());
    // SIGUSR1 is how the server itself stops a child: not an error.
    if (bysignal != SIGUSR1) st.last_bgsave_ok = false;
  }
  st.last_bgsave_time_s = NowS() - st.child_start_s;
}

void ResetChild(Server& s) {
  RdbState& st = Rdb(s);
  if (st.child_info_fd >= 0) close(st.child_info_fd);
  st.child_info_fd = -1;
  st.child_pid = -1;
  st.current_save_keys_total = 0;
  Progress()[&s] = ChildProgress{};
  AllowDictResize(s, true);
}

}  // namespace

Status SaveRdb(Server& s) { return SaveRdbImpl(s, false); }

Status BackgroundSave(Server& s) {
  RdbState& st = Rdb(s);
  if (st.child_pid > 0) return Status::InvalidArgument("Background save already in progress");
  if (HasActiveChild(s)) return Status::InvalidArgument("Another child process is active");
  st.saves++;
  st.dirty_before_bgsave = s.dirty;
  st.last_bgsave_try_s = NowS();
  int fds[2] = {-1, -1};
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) fds[0] = fds[1] = -1;
  spdlog::default_logger()->flush();
  int64_t fork_start = MonotonicUs();
  pid_t pid = fork();
  if (pid == 0) {
    // Child: write the snapshot and leave without running any destructor or loop.
    s.SetupForkedChild();
    if (fds[0] >= 0) close(fds[0]);
    g_child_report_fd = fds[1];
    g_child_keys_processed = 0;
    g_child_last_report_ms = NowMs();
    Status r = SaveRdbImpl(s, true);
    if (r.ok()) {
      ChildReport(true);
      uint64_t cow = PrivateDirtyBytes();
      spdlog::info("Fork CoW for RDB: current {} MB, peak {} MB, average {} MB",
                   cow / (1024 * 1024), cow / (1024 * 1024), cow / (1024 * 1024));
    }
    spdlog::default_logger()->flush();
    _exit(r.ok() ? 0 : 1);
  }
  if (fds[1] >= 0) close(fds[1]);
  if (pid < 0) {
    if (fds[0] >= 0) close(fds[0]);
    std::string err = strerror(errno);
    st.last_bgsave_ok = false;
    spdlog::warn("Can't save in background: fork: {}", err);
    return Status::IOError(err);
  }
  s.stats().total_forks++;
  s.stats().latest_fork_usec = MonotonicUs() - fork_start;
  spdlog::info("Background saving started by pid {}", pid);
  st.child_pid = pid;
  st.child_info_fd = fds[0];
  st.child_start_s = NowS();
  uint64_t total = 0;
  for (int i = 0; i < s.db_count(); i++) total += s.db(i).size();
  st.current_save_keys_total = total;
  Progress()[&s] = ChildProgress{};
  AllowDictResize(s, false);
  return Status::OK();
}

void KillRdbChild(Server& s) {
  RdbState& st = Rdb(s);
  if (st.child_pid > 0) kill(st.child_pid, SIGUSR1);
}

void PersistenceCron(Server& s) {
  RdbState& st = Rdb(s);
  int64_t now = NowS();
  MigrateCloseTimedoutSockets();
  if (st.child_pid > 0) {
    ReadChildReports(s);
    int status = 0;
    pid_t r = waitpid(st.child_pid, &status, WNOHANG);
    if (r == st.child_pid) {
      ReadChildReports(s);
      int exitcode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      int bysignal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      BackgroundSaveDone(s, exitcode, bysignal);
      ResetChild(s);
    } else if (r < 0) {
      spdlog::warn("waitpid() returned an error: {}. child_type: RDB, child_pid = {}",
                   strerror(errno), st.child_pid);
      ResetChild(s);
    }
    return;
  }
  if (HasActiveChild(s)) return;  // an AOF rewrite is running
  bool retry_ok = now - st.last_bgsave_try_s > kBgsaveRetryDelayS || st.last_bgsave_ok;
  for (const SaveParam& sp : s.config().save) {
    if (s.dirty >= sp.changes && now - s.lastsave_s > sp.seconds && retry_ok) {
      spdlog::info("{} changes in {} seconds. Saving...", sp.changes, sp.seconds);
      (void)BackgroundSave(s);
      break;
    }
  }
  if (st.child_pid <= 0 && st.bgsave_scheduled && retry_ok) {
    if (BackgroundSave(s).ok()) st.bgsave_scheduled = false;
  }
}

// ---- Loading ------------------------------------------------------------------------------

Status LoadRdbFile(Server& s, const std::string& path, bool allow_dup) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return e == ENOENT ? Status::NotFound(strerror(e)) : Status::IOError(strerror(e));
  }
  struct stat sb;
  uint64_t size = fstat(fd, &sb) == 0 ? uint64_t(sb.st_size) : 0;
  Status result = LoadRdbFromFd(s, fd, size, allow_dup, false, nullptr);
  close(fd);
  return result;
}

void EmptyDataset(Server& s, bool functions) { EmptyData(s, functions); }

Status LoadRdbFromMemory(Server& s, std::string_view data) {
  RdbReader reader(data);
  reader.set_config(LoadConfigFor(s, nullptr));
  ServerLoader loader(s, false, true);
  bool was_loading = s.loading;
  s.loading = true;
  Status result = reader.Load(&loader);
  s.loading = was_loading;
  if (!result.ok()) {
    spdlog::warn("Internal error in RDB reading offset {}, function at rdb.c:0 -> {}",
                 reader.offset(), result.message());
    return result;
  }
  spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", loader.loaded,
               loader.expired);
  return Status::OK();
}

Status LoadRdbFromFd(Server& s, int fd, uint64_t size, bool allow_dup, bool aof_base,
                     uint64_t* consumed) {
  if (lseek(fd, 0, SEEK_SET) == -1) return Status::IOError(strerror(errno));
  RdbReader reader(fd, size);
  reader.set_config(LoadConfigFor(s, nullptr));
  ServerLoader loader(s, allow_dup, aof_base);
  bool was_loading = s.loading;
  if (!was_loading) {
    s.loading_progress = Server::LoadingProgress{};
    s.loading_progress.start_s = NowS();
    s.loading_progress.total_bytes = size;
  }
  loader.set_reader(&reader, s.loading_progress.loaded_bytes);
  s.loading = true;
  RdbState& st = Rdb(s);
  st.last_load_keys_loaded = st.last_load_keys_expired = 0;
  Status result = reader.Load(&loader);
  s.loading = was_loading;
  if (consumed) *consumed = reader.offset();
  st.last_load_keys_loaded = loader.loaded;
  st.last_load_keys_expired = loader.expired;
  if (!result.ok()) {
    st.load_error_offset = reader.offset();
    if (result.code() == Status::Code::kCorruption ||
        result.code() == Status::Code::kNotSupported) {
      spdlog::warn("Internal error in RDB reading offset {}, function at rdb.c:0 -> {}",
                   reader.offset(), result.message());
    } else {
      spdlog::warn("{}", result.message());
    }
    return result;
  }
  if (loader.empty) {
    spdlog::warn("Done loading RDB, keys loaded: {}, keys expired: {}, empty keys skipped: {}.",
                 loader.loaded, loader.expired, loader.empty);
  } else {
    spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", loader.loaded,
                 loader.expired);
  }
  return Status::OK();
}

bool LoadDataFromDisk(Server& s) {
  int64_t start = MonotonicUs();
  AppendOnlyFile& aof = s.aof();
  if (!aof.LoadManifestFromDisk()) return false;
  if (aof.state() == AppendOnlyFile::State::kOn) {
    // With the AOF on it alone holds the dataset; an RDB file is not read.
    AofLoad r = aof.LoadFiles();
    if (r == AofLoad::kFailed || r == AofLoad::kOpenErr) return false;
    if (r != AofLoad::kNotExist) {
      spdlog::info("DB loaded from append only file: {:.3f} seconds",
                   double(MonotonicUs() - start) / 1e6);
    }
    if (!aof.OpenOnServerStart()) return false;
    aof.DeleteHistoryFiles();
    return true;
  }
  s.rdb_repl_info = {};
  bool master = s.config().GetOne("replicaof").empty();
  if (master) s.PrepareMasterLoad();
  Status st = LoadRdbFile(s, s.config().dbfilename, false);
  s.feed_expired_on_load = false;
  Server::RdbReplInfo& ri = s.rdb_repl_info;
  bool history =
      st.ok() && ri.id.size() == 40 && ri.offset >= 0 && ri.db >= 0 && ri.db < s.db_count();
  if (master && !history) s.DropBacklog();
  if (st.ok()) {
    spdlog::info("DB loaded from disk: {:.3f} seconds", double(MonotonicUs() - start) / 1e6);
    // A replica's own save is a point of its master's history: continue from it.
    // A master's: its replicas can continue after it restarts (the id becomes replid2).
    if (history && master) {
      s.RestoreMasterHistory(ri.id, ri.offset);
    } else if (history) {
      s.SetReplicationState(ri.id, ri.offset);
      ri.restored = true;
    }
    return true;
  }
  if (st.code() == Status::Code::kNotFound) return true;
  if (st.code() == Status::Code::kIOError) {
    spdlog::warn("Fatal error loading the DB: {}. Exiting.", st.message());
  } else if (st.code() == Status::Code::kInvalidArgument) {
    // Bad signature or version, or more databases than configured (already logged).
    spdlog::warn("Fatal error loading the DB: Invalid argument. Exiting.");
  } else {
    // Redis runs its RDB checker on the file here; its report repeats the error.
    uint64_t offset = Rdb(s).load_error_offset;
    spdlog::warn("--- RDB ERROR DETECTED ---");
    spdlog::warn("[offset {}] Internal error in RDB reading offset {}, function at rdb.c:0 -> {}",
                 offset, offset, st.message());
    spdlog::warn("Terminating server after rdb file reading failure.");
  }
  return false;
}

// ---- Shutdown, FLUSHALL, DEBUG RELOAD -----------------------------------------------------

bool ShutdownPersistence(Server& s, bool save, bool nosave, bool force) {
  RdbState& st = Rdb(s);
  if (st.child_pid > 0) {
    spdlog::warn("There is a child saving an .rdb. Killing it!");
    kill(st.child_pid, SIGUSR1);
    unlink(TempFileName(st.child_pid).c_str());
    int status;
    waitpid(st.child_pid, &status, 0);
    ResetChild(s);
  }
  if (!s.aof().PrepareForShutdown(force)) return false;
  if ((!s.config().save.empty() && !nosave) || save) {
    spdlog::info("Saving the final RDB snapshot before exiting.");
    if (!SaveRdb(s).ok()) {
      if (!force) {
        spdlog::warn("Error trying to save the DB, can't exit.");
        return false;
      }
      spdlog::warn("Error trying to save the DB. Exit anyway.");
    }
  }
  return true;
}

void FlushAllResetRdb(Server& s) {
  KillRdbChild(s);
  if (!s.config().save.empty()) (void)SaveRdb(s);
}

void DebugReload(Client& c, bool merge, bool noflush, bool nosave) {
  Server& s = c.server();
  if (!nosave && !SaveRdb(s).ok()) {
    c.reply().Error("-ERR");
    return;
  }
  if (!noflush) EmptyData(s, true);
  Status st = LoadRdbFile(s, s.config().dbfilename, merge);
  if (!st.ok()) {
    // Redis exits here; Ember keeps running but drops what the bad file may have added.
    EmptyData(s, false);
    c.reply().Error("Error trying to load the RDB dump");
    return;
  }
  spdlog::warn("DB reloaded by DEBUG RELOAD");
  c.reply().Ok();
}

void DebugLoadAof(Client& c) {
  Server& s = c.server();
  AppendOnlyFile& aof = s.aof();
  if (aof.state() == AppendOnlyFile::State::kOn) aof.Flush(true);
  if (!aof.LoadManifestFromDisk() || !aof.AnyFileToLoad()) {
    // Redis exits here; Ember refuses and keeps the dataset.
    c.reply().Error("Error trying to load the AOF files, check the server logs");
    return;
  }
  EmptyData(s, true);
  aof.DeleteHistoryFiles();
  AofLoad r = aof.LoadFiles();
  if (r != AofLoad::kOk && r != AofLoad::kEmpty && r != AofLoad::kTruncated) {
    // Redis exits here; Ember keeps running empty rather than serve half a dataset.
    EmptyData(s, false);
    c.reply().Error("Error trying to load the AOF files, check the server logs");
    return;
  }
  s.dirty = 0;  // nothing of this is propagated
  spdlog::warn("Append Only File loaded by DEBUG LOADAOF");
  c.reply().Ok();
}

// ---- DUMP payloads ------------------------------------------------------------------------

std::string CreateDumpPayload(Server& s, const Entry* e) {
  RdbWriter w(RdbCompression(s));
  if (!w.TypeAndValue(e)) return {};
  std::string& out = w.data();
  out.push_back(char(proto::rdb::kVersion & 0xff));
  out.push_back(char((proto::rdb::kVersion >> 8) & 0xff));
  uint64_t crc = Crc64(0, out.data(), out.size());
  for (int i = 0; i < 8; i++) out.push_back(char((crc >> (8 * i)) & 0xff));
  return std::move(out);
}

bool VerifyDumpPayload(std::string_view p) {
  if (p.size() < 10) return false;
  const auto* footer = reinterpret_cast<const uint8_t*>(p.data() + p.size() - 10);
  unsigned version = footer[0] | (unsigned(footer[1]) << 8);
  if (version > unsigned(proto::rdb::kVersion)) return false;
  if (DebugSkipChecksumValidation()) return true;
  uint64_t crc = Crc64(0, p.data(), p.size() - 8);
  for (int i = 0; i < 8; i++) {
    if (footer[2 + i] != uint8_t(crc >> (8 * i))) return false;
  }
  return true;
}

// ---- INFO ---------------------------------------------------------------------------------

namespace {

// The loading_* fields Redis shows while loading.
std::string LoadingInfo(Server& s) {
  if (!s.loading) return "";
  const Server::LoadingProgress& p = s.loading_progress;
  int64_t elapsed = NowS() - p.start_s;
  double perc = p.total_bytes ? double(p.loaded_bytes) * 100 / double(p.total_bytes) : 0;
  int64_t eta = 1;
  if (elapsed && p.loaded_bytes) {
    double rate = double(p.loaded_bytes) / double(elapsed);
    eta = int64_t(double(p.total_bytes - std::min(p.total_bytes, p.loaded_bytes)) / rate);
  }
  return fmt::format(
      "loading_start_time:{}\r\n"
      "loading_total_bytes:{}\r\n"
      "loading_rdb_used_mem:0\r\n"
      "loading_loaded_bytes:{}\r\n"
      "loading_loaded_perc:{:.2f}\r\n"
      "loading_eta_seconds:{}\r\n",
      p.start_s, p.total_bytes, p.loaded_bytes, perc, eta);
}

}  // namespace

void AppendPersistenceInfo(Server& s, std::string* out) {
  RdbState& st = Rdb(s);
  ReadChildReports(s);
  const ChildProgress& p = Progress()[&s];
  bool child = st.child_pid > 0;
  int64_t now = NowS();
  double fork_perc = 0;
  if (child && st.current_save_keys_total) {
    fork_perc = double(p.keys_processed) * 100.0 / double(st.current_save_keys_total);
  }
  out->append(fmt::format(
      "# Persistence\r\n"
      "loading:{}\r\n"
      "async_loading:0\r\n"
      "current_cow_peak:{}\r\n"
      "current_cow_size:{}\r\n"
      "current_cow_size_age:{}\r\n"
      "current_fork_perc:{:.2f}\r\n"
      "current_save_keys_processed:{}\r\n"
      "current_save_keys_total:{}\r\n"
      "rdb_changes_since_last_save:{}\r\n"
      "rdb_bgsave_in_progress:{}\r\n"
      "rdb_last_save_time:{}\r\n"
      "rdb_last_bgsave_status:{}\r\n"
      "rdb_last_bgsave_time_sec:{}\r\n"
      "rdb_current_bgsave_time_sec:{}\r\n"
      "rdb_saves:{}\r\n"
      "rdb_last_cow_size:{}\r\n"
      "rdb_last_load_keys_expired:{}\r\n"
      "rdb_last_load_keys_loaded:{}\r\n",
      s.loading ? 1 : 0, child ? p.cow_peak : 0, child ? p.cow_bytes : 0,
      child && p.cow_updated_s ? now - p.cow_updated_s : 0, fork_perc, child ? p.keys_processed : 0,
      child ? st.current_save_keys_total : 0, s.dirty, child ? 1 : 0, s.lastsave_s,
      st.last_bgsave_ok ? "ok" : "err", st.last_bgsave_time_s, child ? now - st.child_start_s : -1,
      st.saves, st.last_cow_size, st.last_load_keys_expired, st.last_load_keys_loaded));
  s.aof().AppendInfo(out);
  out->append(LoadingInfo(s));
}

}  // namespace ember
