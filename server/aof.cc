#include "server/aof.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/persist/rdb_writer.h"
#include "common/storage/db.h"
#include "common/storage/entry.h"
#include "common/storage/hash_table.h"
#include "common/storage/intset.h"
#include "common/storage/quicklist.h"
#include "common/storage/set_table.h"
#include "common/storage/stream.h"
#include "common/storage/zset.h"
#include "common/util/clock.h"
#include "common/util/log.h"
#include "common/util/strings.h"
#include "server/client.h"
#include "server/persistence.h"
#include "server/scripting/scripting.h"
#include "server/server.h"

namespace ember {
namespace {

constexpr std::string_view kBaseSuffix = ".base";
constexpr std::string_view kIncrSuffix = ".incr";
constexpr std::string_view kRdbSuffix = ".rdb";
constexpr std::string_view kAofSuffix = ".aof";
constexpr std::string_view kManifestSuffix = ".manifest";
constexpr std::string_view kTempPrefix = "temp-";
constexpr size_t kManifestMaxLine = 1024;
constexpr size_t kAnnotationMaxLine = 1024;
constexpr int kItemsPerCommand = 64;  // variadic commands in command-form base files
constexpr int kRewriteLimitThreshold = 3;
constexpr int kRewriteLimitMaxMinutes = 60;
constexpr int64_t kWriteErrorLogRateS = 30;

int64_t NowS() { return NowMs() / 1000; }

std::string RewriteTempName(pid_t pid) {
  return "temp-rewriteaof-bg-" + std::to_string(pid) + ".aof";
}

bool FileExists(const std::string& path) {
  struct stat sb;
  return stat(path.c_str(), &sb) == 0 && S_ISREG(sb.st_mode);
}

bool DirExists(const std::string& path) {
  struct stat sb;
  return stat(path.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode);
}

bool CreateDirIfMissing(const std::string& path) {
  return mkdir(path.c_str(), 0755) == 0 || errno == EEXIST;
}

// A manifest name needs quoting when it holds spaces, quotes or unprintable bytes.
bool NeedsRepr(std::string_view s) {
  for (unsigned char ch : s) {
    if (ch <= ' ' || ch >= 127 || ch == '"' || ch == '\'' || ch == '\\') return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && strchr(" \t\r\n", s.front())) s.remove_prefix(1);
  while (!s.empty() && strchr(" \t\r\n", s.back())) s.remove_suffix(1);
  return s;
}

std::string FormatInfo(const AofFileInfo& ai) {
  std::string name = NeedsRepr(ai.name) ? Repr(ai.name) : ai.name;
  return fmt::format("file {} seq {} type {}\n", name, ai.seq, ai.type);
}

// ---- Command-form serialization (RESP arrays of bulk strings) ----

class CommandWriter {
 public:
  explicit CommandWriter(int fd) : fd_(fd) {}
  void Count(size_t n) { out_.append("*").append(std::to_string(n)).append("\r\n"); }
  void Bulk(std::string_view s) {
    out_.append("$").append(std::to_string(s.size())).append("\r\n");
    out_.append(s).append("\r\n");
  }
  void Int(int64_t v) { Bulk(std::to_string(v)); }
  void Double(double d) {
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%.17g", d);
    Bulk(std::string_view(buf, size_t(n)));
  }
  void Id(const StreamID& id) { Bulk(id.ToString()); }
  bool MaybeFlush() { return out_.size() < (1 << 16) || Flush(); }
  bool Flush() {
    bool ok = WriteAll(fd_, out_);
    out_.clear();
    return ok;
  }
  void Raw(std::string_view s) { out_.append(s); }

 private:
  int fd_;
  std::string out_;
};

// Emits `items` (strings) in batches of kItemsPerCommand: "<cmd> key item...".
template <typename ForEachFn>
void WriteBatched(CommandWriter& w, std::string_view cmd, std::string_view key, size_t total,
                  size_t per_item, ForEachFn&& for_each) {
  size_t left = total, in_batch = 0;
  for_each([&](auto&& emit_item) {
    if (in_batch == 0) {
      size_t n = std::min<size_t>(left, kItemsPerCommand);
      w.Count(2 + n * per_item);
      w.Bulk(cmd);
      w.Bulk(key);
      in_batch = n;
    }
    emit_item();
    left--;
    in_batch--;
  });
}

void WriteStream(CommandWriter& w, std::string_view key, Stream* s) {
  if (s->length) {
    Stream::Iterator it(s, nullptr, nullptr, false);
    StreamID id;
    int64_t numfields;
    while (it.Next(&id, &numfields)) {
      w.Count(size_t(3 + numfields * 2));
      w.Bulk("XADD");
      w.Bulk(key);
      w.Id(id);
      while (numfields-- > 0) {
        std::string_view f, v;
        it.Field(&f, &v);
        w.Bulk(f);
        w.Bulk(v);
      }
    }
  } else {
    // An empty stream: add one entry and trim it away at once.
    w.Count(7);
    w.Bulk("XADD");
    w.Bulk(key);
    w.Bulk("MAXLEN");
    w.Bulk("0");
    w.Id(s->last_id);
    w.Bulk("x");
    w.Bulk("y");
  }
  w.Count(7);
  w.Bulk("XSETID");
  w.Bulk(key);
  w.Id(s->last_id);
  w.Bulk("ENTRIESADDED");
  w.Int(int64_t(s->entries_added));
  w.Bulk("MAXDELETEDID");
  w.Id(s->max_deleted_entry_id);
  for (const auto& [gname, g] : s->groups()) {
    w.Count(7);
    w.Bulk("XGROUP");
    w.Bulk("CREATE");
    w.Bulk(key);
    w.Bulk(gname);
    w.Id(g->last_id);
    w.Bulk("ENTRIESREAD");
    w.Int(g->entries_read);
    for (const auto& [cname, consumer] : g->consumers) {
      if (consumer->pel.empty()) {
        w.Count(5);
        w.Bulk("XGROUP");
        w.Bulk("CREATECONSUMER");
        w.Bulk(key);
        w.Bulk(gname);
        w.Bulk(cname);
        continue;
      }
      for (const auto& [pid, nack] : consumer->pel) {
        w.Count(12);
        w.Bulk("XCLAIM");
        w.Bulk(key);
        w.Bulk(gname);
        w.Bulk(cname);
        w.Bulk("0");
        w.Id(pid);
        w.Bulk("TIME");
        w.Int(nack->delivery_time);
        w.Bulk("RETRYCOUNT");
        w.Int(int64_t(nack->delivery_count));
        w.Bulk("JUSTID");
        w.Bulk("FORCE");
      }
    }
  }
}

bool WriteEntry(CommandWriter& w, Entry* e) {
  std::string_view key = e->key();
  char buf[64];
  switch (e->type()) {
    case ObjType::kString:
      w.Count(3);
      w.Bulk("SET");
      w.Bulk(key);
      w.Bulk(e->StringView(buf));
      return true;
    case ObjType::kList: {
      auto* ql = static_cast<Quicklist*>(e->v.ptr);
      WriteBatched(w, "RPUSH", key, ql->Count(), 1, [&](auto&& step) {
        Quicklist::Iterator it = ql->GetIterator(true);
        Quicklist::Entry item;
        while (it.Next(&item)) step([&] { w.Bulk(item.value.AsString(buf)); });
      });
      return true;
    }
    case ObjType::kSet:
      if (e->encoding() == Encoding::kIntset) {
        const auto* is = static_cast<const uint8_t*>(e->v.ptr);
        uint32_t n = intset::Length(is);
        WriteBatched(w, "SADD", key, n, 1, [&](auto&& step) {
          for (uint32_t i = 0; i < n; i++) step([&] { w.Int(intset::Get(is, i)); });
        });
      } else {
        const auto* st = static_cast<const SetTable*>(e->v.ptr);
        WriteBatched(w, "SADD", key, st->size(), 1, [&](auto&& step) {
          st->ForEach([&](std::string_view m) { step([&] { w.Bulk(m); }); });
        });
      }
      return true;
    case ObjType::kZSet:
      WriteBatched(w, "ZADD", key, zset::Length(e), 2, [&](auto&& step) {
        zset::ForEach(e, false, [&](std::string_view member, double score) {
          step([&] {
            w.Double(score);
            w.Bulk(member);
          });
          return true;
        });
      });
      return true;
    case ObjType::kHash: {
      size_t n = 0;
      ForEachHashPair(e->v.ptr, e->encoding(), [&](std::string_view, std::string_view) { n++; });
      WriteBatched(w, "HMSET", key, n, 2, [&](auto&& step) {
        ForEachHashPair(e->v.ptr, e->encoding(), [&](std::string_view f, std::string_view v) {
          step([&] {
            w.Bulk(f);
            w.Bulk(v);
          });
        });
      });
      return true;
    }
    case ObjType::kStream:
      WriteStream(w, key, static_cast<Stream*>(e->v.ptr));
      return true;
    default:
      return false;
  }
}

}  // namespace

// ---- Manifest -----------------------------------------------------------------------------

std::string AofManifest::Format() const {
  std::string out;
  if (base) out += FormatInfo(*base);
  for (const auto& h : history) out += FormatInfo(h);
  for (const auto& i : incr) out += FormatInfo(i);
  return out;
}

bool AofManifest::Parse(std::string_view text, AofManifest* out, std::string* err, int* line_no,
                        std::string* line_out) {
  AofManifest m;
  int64_t maxseq = 0;
  int linenum = 0;
  *line_no = 0;
  line_out->clear();
  size_t pos = 0;
  if (text.empty()) {
    *err = "Found an empty AOF manifest";
    return false;
  }
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view raw =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos + 1);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    linenum++;
    if (raw[0] == '#') continue;
    if (raw.size() > kManifestMaxLine || raw.back() != '\n') {
      *err = "The AOF manifest file contains too long line";
      return false;
    }
    std::string line(Trim(raw));
    *line_no = linenum;
    *line_out = line;
    std::vector<std::string> argv;
    if (line.empty() || !SplitArgs(line, &argv) || argv.size() < 6 || argv.size() % 2) {
      *err = "Invalid AOF manifest file format";
      return false;
    }
    AofFileInfo ai;
    for (size_t i = 0; i < argv.size(); i += 2) {
      if (EqualsIgnoreCase(argv[i], "file")) {
        ai.name = argv[i + 1];
        if (ai.name.find('/') != std::string::npos) {
          *err = "File can't be a path, just a filename";
          return false;
        }
      } else if (EqualsIgnoreCase(argv[i], "seq")) {
        ai.seq = strtoll(argv[i + 1].c_str(), nullptr, 10);
      } else if (EqualsIgnoreCase(argv[i], "type")) {
        ai.type = argv[i + 1].empty() ? 0 : argv[i + 1][0];
      }
    }
    if (ai.name.empty() || !ai.seq || !ai.type) {
      *err = "Invalid AOF manifest file format";
      return false;
    }
    if (ai.type == 'b') {
      if (m.base) {
        *err = "Found duplicate base file information";
        return false;
      }
      m.curr_base_seq = ai.seq;
      m.base = std::move(ai);
    } else if (ai.type == 'h') {
      m.history.push_back(std::move(ai));
    } else if (ai.type == 'i') {
      if (ai.seq <= maxseq) {
        *err = "Found a non-monotonic sequence number";
        return false;
      }
      maxseq = m.curr_incr_seq = ai.seq;
      m.incr.push_back(std::move(ai));
    } else {
      *err = "Unknown AOF file type";
      return false;
    }
  }
  line_out->clear();
  *line_no = 0;
  *out = std::move(m);
  return true;
}

// ---- Background fsync ---------------------------------------------------------------------

BackgroundFsync::BackgroundFsync() : thread_([this] { Run(); }) {}

BackgroundFsync::~BackgroundFsync() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void BackgroundFsync::Fsync(int fd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back({fd, false});
    pending_++;
  }
  cv_.notify_one();
}

void BackgroundFsync::FsyncAndClose(int fd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back({fd, true});
  }
  cv_.notify_one();
}

void BackgroundFsync::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping with nothing left
    Job job = jobs_.front();
    jobs_.pop_front();
    lock.unlock();
    if (fdatasync(job.fd) == -1 && errno != EBADF && errno != EINVAL) {
      last_error_ = errno;
    } else if (!job.close) {
      last_error_ = 0;
    }
    if (job.close) close(job.fd);
    lock.lock();
    if (!job.close) pending_--;
  }
}

// ---- The append-only file -----------------------------------------------------------------

AppendOnlyFile::AppendOnlyFile(Server& s) : s_(s) {}

void AppendOnlyFile::ReloadSettings() {
  const std::string& policy = s_.config().GetOne("appendfsync");
  fsync_policy_ = policy == "always" ? 1 : policy == "everysec" ? 2 : 0;
  timestamps_ = s_.config().GetOne("aof-timestamp-enabled") == "yes";
  no_fsync_on_rewrite_ = s_.config().GetOne("no-appendfsync-on-rewrite") == "yes";
}

AppendOnlyFile::~AppendOnlyFile() {
  if (fd_ >= 0) close(fd_);
}

std::string AppendOnlyFile::PathOf(const std::string& name) const {
  return s_.config().GetOne("appenddirname") + "/" + name;
}

std::string AppendOnlyFile::TempIncrName() const {
  return std::string(kTempPrefix) + s_.config().GetOne("appendfilename") + std::string(kIncrSuffix);
}

int64_t AppendOnlyFile::FileSize(const std::string& name, AofLoad* status) const {
  struct stat sb;
  if (stat(PathOf(name).c_str(), &sb) == -1) {
    if (status) *status = errno == ENOENT ? AofLoad::kNotExist : AofLoad::kOpenErr;
    spdlog::warn("Unable to obtain the AOF file {} length. stat: {}", name, strerror(errno));
    return 0;
  }
  if (status) *status = AofLoad::kOk;
  return int64_t(sb.st_size);
}

bool AppendOnlyFile::PersistManifest(AofManifest& m) {
  if (!m.dirty) return true;
  const std::string& filename = s_.config().GetOne("appendfilename");
  std::string name = filename + std::string(kManifestSuffix);
  std::string tmp_name = std::string(kTempPrefix) + name;
  std::string path = PathOf(name), tmp_path = PathOf(tmp_name);
  int fd = open(tmp_path.c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
  if (fd == -1) {
    spdlog::warn("Can't open the AOF manifest file {}: {}", tmp_name, strerror(errno));
    return false;
  }
  bool ok = true;
  if (!WriteAll(fd, m.Format())) {
    spdlog::warn("Error trying to write the temporary AOF manifest file {}: {}", tmp_name,
                 strerror(errno));
    ok = false;
  } else if (fdatasync(fd) == -1) {
    spdlog::warn("Fail to fsync the temp AOF file {}: {}.", tmp_name, strerror(errno));
    ok = false;
  } else if (rename(tmp_path.c_str(), path.c_str()) != 0) {
    spdlog::warn("Error trying to rename the temporary AOF manifest file {} into {}: {}", tmp_name,
                 name, strerror(errno));
    ok = false;
  }
  close(fd);
  if (!ok) return false;
  FsyncDirOf(PathOf(name));
  m.dirty = false;
  return true;
}

bool AppendOnlyFile::LoadManifestFromDisk() {
  manifest_ = AofManifest{};
  const std::string& dirname = s_.config().GetOne("appenddirname");
  if (!DirExists(dirname)) {
    spdlog::debug("The AOF directory {} doesn't exist", dirname);
    return true;
  }
  std::string name = s_.config().GetOne("appendfilename") + std::string(kManifestSuffix);
  std::string path = PathOf(name);
  if (!FileExists(path)) {
    spdlog::debug("The AOF manifest file {} doesn't exist", name);
    return true;
  }
  FILE* fp = fopen(path.c_str(), "r");
  if (!fp) {
    spdlog::warn("Fatal error: can't open the AOF manifest file {} for reading: {}", path,
                 strerror(errno));
    return false;
  }
  std::string text;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) text.append(chunk, n);
  bool read_error = ferror(fp);
  fclose(fp);
  std::string err, line;
  int line_no = 0;
  if (read_error) {
    err = "Read AOF manifest failed";
  } else if (AofManifest::Parse(text, &manifest_, &err, &line_no, &line)) {
    return true;
  }
  spdlog::warn("\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
  if (line_no) {
    spdlog::warn("Reading the manifest file, at line {}\n", line_no);
    spdlog::warn(">>> '{}'\n", line);
  }
  spdlog::warn("{}\n", err);
  return false;
}

void AppendOnlyFile::UpgradeFromSingleFile() {
  const std::string& filename = s_.config().GetOne("appendfilename");
  const std::string& dirname = s_.config().GetOne("appenddirname");
  if (!CreateDirIfMissing(dirname)) {
    spdlog::warn("Can't open or create append-only dir {}: {}", dirname, strerror(errno));
    exit(1);
  }
  manifest_.base = AofFileInfo{filename, 1, 'b'};
  manifest_.curr_base_seq = 1;
  manifest_.dirty = true;
  if (!PersistManifest(manifest_)) exit(1);
  if (rename(filename.c_str(), PathOf(filename).c_str()) == -1) {
    spdlog::warn("Error trying to move the old AOF file {} into dir {}: {}", filename, dirname,
                 strerror(errno));
    exit(1);
  }
  spdlog::info("Successfully migrated an old-style AOF file ({}) into the AOF directory ({}).",
               filename, dirname);
}

bool AppendOnlyFile::AnyFileToLoad() const {
  return manifest_.base || !manifest_.incr.empty() ||
         FileExists(s_.config().GetOne("appendfilename"));
}

AofLoad AppendOnlyFile::LoadFiles() {
  const std::string& filename = s_.config().GetOne("appendfilename");
  const std::string& dirname = s_.config().GetOne("appenddirname");
  // An appendonly.aof in the working directory comes from Redis before 7.0: move it in.
  if (FileExists(filename)) {
    bool no_dir = !DirExists(dirname);
    bool nothing = !manifest_.base && manifest_.incr.empty();
    bool only_old_base = manifest_.base && manifest_.incr.empty() &&
                         manifest_.base->name == filename && !FileExists(PathOf(filename));
    if (no_dir || nothing || only_old_base) UpgradeFromSingleFile();
  }
  if (!manifest_.base && manifest_.incr.empty()) return AofLoad::kNotExist;

  size_t total_num = (manifest_.base ? 1 : 0) + manifest_.incr.size();
  int64_t total_size = 0;
  AofLoad status = AofLoad::kOk;
  if (manifest_.base) {
    total_size += FileSize(manifest_.base->name, &status);
    if (status != AofLoad::kOk) return status == AofLoad::kNotExist ? AofLoad::kFailed : status;
  }
  for (const auto& ai : manifest_.incr) {
    total_size += FileSize(ai.name, &status);
    if (status != AofLoad::kOk) return status == AofLoad::kNotExist ? AofLoad::kFailed : status;
  }
  if (total_size == 0) return AofLoad::kEmpty;

  bool was_loading = s_.loading;
  if (!was_loading) {
    s_.loading_progress = Server::LoadingProgress{};
    s_.loading_progress.start_s = NowMs() / 1000;
    s_.loading_progress.total_bytes = uint64_t(total_size);
  }
  s_.loading = true;
  AofLoad ret = AofLoad::kOk;
  size_t num = 0;
  int64_t base_size = 0;
  auto load_one = [&](const std::string& name, const char* kind) {
    bool last = ++num == total_num;
    int64_t start = MonotonicUs();
    ret = LoadSingleFile(name);
    if (ret == AofLoad::kOk || (ret == AofLoad::kTruncated && last)) {
      spdlog::info("DB loaded from {} file {}: {:.3f} seconds", kind, name,
                   double(MonotonicUs() - start) / 1e6);
    }
    if (ret == AofLoad::kEmpty && std::string_view(kind) == "incr") ret = AofLoad::kOk;
    if (ret == AofLoad::kTruncated && !last) {
      ret = AofLoad::kFailed;
      spdlog::warn("Fatal error: the truncated file is not the last file");
    }
    return ret != AofLoad::kOpenErr && ret != AofLoad::kFailed;
  };
  bool ok = true;
  if (manifest_.base) {
    base_size = FileSize(manifest_.base->name, nullptr);
    ok = load_one(manifest_.base->name, "base");
  }
  for (size_t i = 0; ok && i < manifest_.incr.size(); i++) {
    ok = load_one(manifest_.incr[i].name, "incr");
  }
  if (ok) {
    current_size_ = total_size;
    rewrite_base_size_ = base_size;
  }
  s_.loading = was_loading;
  return ret;
}

AofLoad AppendOnlyFile::LoadSingleFile(const std::string& name) {
  std::string path = PathOf(name);
  FILE* fp = fopen(path.c_str(), "r");
  if (!fp) {
    int en = errno;
    struct stat sb;
    if (stat(path.c_str(), &sb) == 0 || errno != ENOENT) {
      spdlog::warn("Fatal error: can't open the append log file {} for reading: {}", name,
                   strerror(en));
      return AofLoad::kOpenErr;
    }
    spdlog::warn("The append log file {} doesn't exist: {}", name, strerror(errno));
    return AofLoad::kNotExist;
  }
  struct stat sb;
  if (fstat(fileno(fp), &sb) != -1 && sb.st_size == 0) {
    fclose(fp);
    return AofLoad::kEmpty;
  }
  // Commands run below must not be fed back into the file being read.
  State saved_state = state_;
  state_ = State::kOff;
  Client fake(&s_, nullptr, kAofClientId);
  fake.set(kClientFake);
  fake.authenticated = true;
  AofLoad ret = AofLoad::kOk;
  off_t valid_up_to = 0, valid_before_multi = 0;
  bool format_error = false, read_error = false;
  std::vector<std::string> args;
  std::vector<std::string_view> views;

  char sig[5];
  if (fread(sig, 1, 5, fp) == 5 && memcmp(sig, "REDIS", 5) == 0) {
    bool old_style = name == s_.config().GetOne("appendfilename");
    if (old_style) {
      spdlog::info("Reading RDB preamble from AOF file...");
    } else {
      spdlog::info("Reading RDB base file on AOF loading...");
    }
    uint64_t consumed = 0;
    Status st = LoadRdbFromFd(s_, fileno(fp), uint64_t(sb.st_size), false, true, &consumed);
    if (!st.ok()) {
      if (old_style) {
        spdlog::warn("Error reading the RDB preamble of the AOF file {}, AOF loading aborted",
                     name);
      } else {
        spdlog::warn("Error reading the RDB base file {}, AOF loading aborted", name);
      }
      fclose(fp);
      state_ = saved_state;
      return AofLoad::kFailed;
    }
    if (fseeko(fp, off_t(consumed), SEEK_SET) == -1) read_error = true;
    valid_up_to = off_t(consumed);
    if (old_style) spdlog::info("Reading the remaining AOF tail...");
  } else if (fseeko(fp, 0, SEEK_SET) == -1) {
    read_error = true;
  }

  char buf[kAnnotationMaxLine];
  uint64_t loops = 0;
  uint64_t progress_base = s_.loading_progress.loaded_bytes;
  int64_t key_load_delay = 0;
  StringToInt64(s_.config().GetOne("key-load-delay"), &key_load_delay);
  while (!read_error && !format_error) {
    if (!fgets(buf, sizeof(buf), fp)) {
      if (!feof(fp)) read_error = true;
      break;
    }
    if (buf[0] == '#') continue;  // annotations (#TS:...)
    if (buf[0] != '*') {
      format_error = true;
      break;
    }
    if (buf[1] == '\0') {
      read_error = true;
      break;
    }
    long argc = strtol(buf + 1, nullptr, 10);
    if (argc < 1) {
      format_error = true;
      break;
    }
    args.clear();
    for (long j = 0; j < argc; j++) {
      if (!fgets(buf, sizeof(buf), fp)) {
        read_error = true;
        break;
      }
      if (buf[0] != '$') {
        format_error = true;
        break;
      }
      long len = strtol(buf + 1, nullptr, 10);
      if (len < 0) {
        format_error = true;
        break;
      }
      std::string arg(size_t(len), '\0');
      if (len && fread(arg.data(), size_t(len), 1, fp) != 1) {
        read_error = true;
        break;
      }
      char crlf[2];
      if (fread(crlf, 2, 1, fp) != 1) {
        read_error = true;
        break;
      }
      args.push_back(std::move(arg));
    }
    if (read_error || format_error) break;

    views.assign(args.begin(), args.end());
    CmdArgs cargs(views);
    Command* cmd = s_.commands().Lookup(cargs);
    if (!cmd) {
      spdlog::warn("Unknown command '{}' reading the append only file {}", args[0], name);
      ret = AofLoad::kFailed;
      break;
    }
    std::string_view base = cmd->parent ? cmd->parent->name : cmd->name;
    if (base == "multi") valid_before_multi = valid_up_to;
    fake.argv = views;
    if (fake.has(kClientMulti) && base != "exec") {
      fake.multi_queue.push_back({cmd, args});
    } else {
      s_.ExecuteLoaded(fake, cmd, cargs);
    }
    fake.out().clear();
    fake.argv.clear();
    valid_up_to = ftello(fp);
    if (key_load_delay > 0) usleep(useconds_t(key_load_delay));
    if ((++loops & 1023) == 0) s_.LoadingAdvance(progress_base + uint64_t(valid_up_to));
  }

  if (ret == AofLoad::kOk && !read_error && !format_error && fake.has(kClientMulti)) {
    spdlog::warn("Revert incomplete MULTI/EXEC transaction in AOF file {}", name);
    valid_up_to = valid_before_multi;
    read_error = true;  // handled as an unexpected end of file
  }
  if (ret == AofLoad::kOk && read_error) {
    if (!feof(fp) && !fake.has(kClientMulti)) {
      spdlog::warn("Unrecoverable error reading the append only file {}: {}", name,
                   strerror(errno));
      ret = AofLoad::kFailed;
    } else {
      ret = AofLoad::kFailed;
      if (s_.config().GetOne("aof-load-truncated") == "yes") {
        spdlog::warn("!!! Warning: short read while loading the AOF file {}!!!", name);
        spdlog::warn("!!! Truncating the AOF {} at offset {} !!!", name, int64_t(valid_up_to));
        if (truncate(path.c_str(), valid_up_to) == -1) {
          spdlog::warn("Error truncating the AOF file {}: {}", name, strerror(errno));
        } else if (fd_ != -1 && lseek(fd_, 0, SEEK_END) == -1) {
          spdlog::warn("Can't seek the end of the AOF file {}: {}", name, strerror(errno));
        } else {
          spdlog::warn("AOF {} loaded anyway because aof-load-truncated is enabled", name);
          ret = AofLoad::kTruncated;
        }
      }
      if (ret == AofLoad::kFailed) {
        spdlog::warn(
            "Unexpected end of file reading the append only file {}. You can: 1) Make a backup "
            "of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) "
            "Alternatively you can set the 'aof-load-truncated' configuration option to yes "
            "and restart the server.",
            name);
      }
    }
  } else if (ret == AofLoad::kOk && format_error) {
    spdlog::warn(
        "Bad file format reading the append only file {}: make a backup of your AOF file, then "
        "use ./redis-check-aof --fix <filename.manifest>",
        name);
    ret = AofLoad::kFailed;
  }
  fake.multi_queue.clear();
  fake.clear(kClientMulti);
  fclose(fp);
  state_ = saved_state;
  return ret;
}

// ---- Base files ---------------------------------------------------------------------------

bool AppendOnlyFile::WriteCommands(int fd) {
  CommandWriter w(fd);
  if (s_.config().GetOne("aof-timestamp-enabled") == "yes") {
    w.Raw(fmt::format("#TS:{}\r\n", int64_t(time(nullptr))));
  }
  for (const std::string& code : scripting::LibraryCodes(s_)) {
    w.Count(3);
    w.Bulk("FUNCTION");
    w.Bulk("LOAD");
    w.Bulk(code);
  }
  int64_t delay_us = 0;
  StringToInt64(s_.config().GetOne("rdb-key-save-delay"), &delay_us);
  bool ok = true;
  for (int i = 0; i < s_.db_count() && ok; i++) {
    Db& db = s_.db(i);
    if (db.size() == 0) continue;
    w.Count(2);
    w.Bulk("SELECT");
    w.Int(i);
    db.keys().ForEach([&](Entry* e) {
      if (!ok) return;
      if (!WriteEntry(w, e)) {
        spdlog::warn("Cannot rewrite the value of key '{}' (type {})", e->key(),
                     proto::TypeName(e->type()));
        ok = false;
        return;
      }
      int64_t when = e->has_expire() ? db.GetExpire(e) : -1;
      if (when != -1) {
        w.Count(3);
        w.Bulk("PEXPIREAT");
        w.Bulk(e->key());
        w.Int(when);
      }
      if (!w.MaybeFlush()) ok = false;
      if (delay_us > 0) usleep(useconds_t(delay_us));
    });
  }
  return ok && w.Flush();
}

bool AppendOnlyFile::WriteBaseFile(const std::string& path) {
  std::string tmp = "temp-rewriteaof-" + std::to_string(getpid()) + ".aof";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    spdlog::warn("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): {}",
                 strerror(errno));
    return false;
  }
  bool ok;
  if (s_.config().GetOne("aof-use-rdb-preamble") == "yes") {
    RdbWriter w(RdbCompression(s_));
    w.set_checksum(s_.config().GetOne("rdbchecksum") == "yes");
    w.SetSink([](void* ctx, std::string_view b) { return WriteAll(*static_cast<int*>(ctx), b); },
              &fd);
    ok = WriteDataset(s_, w, false, false, true);
  } else {
    ok = WriteCommands(fd);
  }
  if (ok && fsync(fd) != 0) ok = false;
  if (close(fd) != 0) ok = false;
  if (!ok) {
    spdlog::warn("Write error writing append only file on disk: {}", strerror(errno));
    unlink(tmp.c_str());
    return false;
  }
  if (rename(tmp.c_str(), path.c_str()) == -1) {
    spdlog::warn("Error moving temp append only file on the final destination: {}",
                 strerror(errno));
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

bool AppendOnlyFile::OpenOnServerStart() {
  if (state_ != State::kOn) return true;
  const std::string& dirname = s_.config().GetOne("appenddirname");
  const std::string& filename = s_.config().GetOne("appendfilename");
  if (!CreateDirIfMissing(dirname)) {
    spdlog::warn("Can't open or create append-only dir {}: {}", dirname, strerror(errno));
    return false;
  }
  bool had_incr = !manifest_.incr.empty();
  if (!manifest_.base && !had_incr) {
    // An empty dataset still gets a base file, so the manifest always names one.
    std::string name =
        fmt::format("{}.{}{}{}", filename, ++manifest_.curr_base_seq, kBaseSuffix,
                    s_.config().GetOne("aof-use-rdb-preamble") == "yes" ? kRdbSuffix : kAofSuffix);
    manifest_.base = AofFileInfo{name, manifest_.curr_base_seq, 'b'};
    manifest_.dirty = true;
    if (!WriteBaseFile(PathOf(name))) return false;
    spdlog::info("Creating AOF base file {} on server start", name);
  }
  if (manifest_.incr.empty()) {
    std::string name =
        fmt::format("{}.{}{}{}", filename, ++manifest_.curr_incr_seq, kIncrSuffix, kAofSuffix);
    manifest_.incr.push_back({name, manifest_.curr_incr_seq, 'i'});
    manifest_.dirty = true;
  }
  const std::string& incr = manifest_.incr.back().name;
  fd_ = open(PathOf(incr).c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ == -1) {
    spdlog::warn("Can't open the append-only file {}: {}", incr, strerror(errno));
    return false;
  }
  if (!PersistManifest(manifest_)) return false;
  last_incr_size_ = FileSize(incr, nullptr);
  last_incr_fsync_offset_ = last_incr_size_;
  if (had_incr) {
    spdlog::info("Opening AOF incr file {} on server start", incr);
  } else {
    spdlog::info("Creating AOF incr file {} on server start", incr);
  }
  return true;
}

void AppendOnlyFile::DeleteHistoryFiles() {
  if (manifest_.history.empty() || s_.config().GetOne("aof-disable-auto-gc") == "yes") return;
  for (const auto& h : manifest_.history) {
    spdlog::info("Removing the history file {} in the background", h.name);
    unlink(PathOf(h.name).c_str());
  }
  manifest_.history.clear();
  manifest_.dirty = true;
  (void)PersistManifest(manifest_);
}

// ---- Feeding and flushing -----------------------------------------------------------------

void AppendOnlyFile::Feed(int dbid, const std::vector<std::string>& argv) {
  if (state_ == State::kOff) return;
  // While waiting for the first rewrite, only a running rewrite child makes the buffered
  // commands useful (they go to the temporary incremental file).
  if (state_ == State::kWaitRewrite && child_pid_ <= 0) return;
  if (timestamps_) {
    int64_t now = NowS();
    if (cur_timestamp_ < now) {
      cur_timestamp_ = now;
      buf_.append(fmt::format("#TS:{}\r\n", now));
    }
  }
  if (dbid != selected_db_) {
    std::string db = std::to_string(dbid);
    buf_.append("*2\r\n$6\r\nSELECT\r\n$").append(std::to_string(db.size())).append("\r\n");
    buf_.append(db).append("\r\n");
    selected_db_ = dbid;
  }
  buf_.append("*").append(std::to_string(argv.size())).append("\r\n");
  for (const auto& a : argv) {
    buf_.append("$").append(std::to_string(a.size())).append("\r\n");
    buf_.append(a).append("\r\n");
  }
}

void AppendOnlyFile::Flush(bool force) {
  if (fd_ < 0) return;
  int fsync_policy = fsync_policy_;
  int64_t now = NowS();
  bool sync_in_progress = false;
  if (buf_.empty()) {
    // Data written but not yet synced (writes stopped within the second) still gets synced.
    bool unsynced = last_incr_fsync_offset_ != last_incr_size_;
    if (fsync_policy == 2 && unsynced && now > last_fsync_s_ && bio_.pending() == 0) {
      // fall through to the fsync below
    } else if (fsync_policy == 1 && unsynced) {
      // fall through
    } else {
      return;
    }
  } else {
    if (fsync_policy == 2) sync_in_progress = bio_.pending() != 0;
    if (fsync_policy == 2 && !force && sync_in_progress) {
      if (flush_postponed_start_ == 0) {
        flush_postponed_start_ = now;
        return;
      }
      if (now - flush_postponed_start_ < 2) return;
      delayed_fsync_++;
      spdlog::info(
          "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer "
          "without waiting for fsync to complete, this may slow down Redis.");
    }
    int64_t start = MonotonicUs();
    ssize_t total = 0;
    const char* p = buf_.data();
    size_t left = buf_.size();
    int write_errno = 0;
    while (left) {
      ssize_t n = write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        write_errno = errno;
        break;
      }
      total += n;
      p += n;
      left -= size_t(n);
    }
    int64_t latency_ms = (MonotonicUs() - start) / 1000;
    if (sync_in_progress) {
      s_.LatencyAddSampleIfNeeded("aof-write-pending-fsync", latency_ms);
    } else if (HasActiveChild(s_)) {
      s_.LatencyAddSampleIfNeeded("aof-write-active-child", latency_ms);
    } else {
      s_.LatencyAddSampleIfNeeded("aof-write-alone", latency_ms);
    }
    s_.LatencyAddSampleIfNeeded("aof-write", latency_ms);
    flush_postponed_start_ = 0;
    if (size_t(total) != buf_.size()) {
      bool can_log = now - last_write_error_log_s_ > kWriteErrorLogRateS;
      if (can_log) last_write_error_log_s_ = now;
      if (total == 0 && write_errno) {
        if (can_log) spdlog::warn("Error writing to the AOF file: {}", strerror(write_errno));
        last_write_errno_ = write_errno;
      } else {
        if (can_log) {
          spdlog::warn("Short write while writing to the AOF file: (nwritten={}, expected={})",
                       int64_t(total), buf_.size());
        }
        if (ftruncate(fd_, last_incr_size_) == -1) {
          if (can_log) {
            spdlog::warn(
                "Could not remove short write from the append-only file.  Redis may refuse to "
                "load the AOF the next time it starts.  ftruncate: {}",
                strerror(errno));
          }
        } else {
          total = 0;  // the partial write is gone
        }
        last_write_errno_ = ENOSPC;
      }
      if (fsync_policy == 1) {
        spdlog::warn(
            "Can't recover from AOF write error when the AOF fsync policy is 'always'. "
            "Exiting...");
        exit(1);
      }
      last_write_ok_ = false;
      if (total > 0) {
        current_size_ += total;
        last_incr_size_ += total;
        buf_.erase(0, size_t(total));
      }
      return;  // retried from the cron
    }
    if (!last_write_ok_) {
      spdlog::warn("AOF write error looks solved, Redis can write again.");
      last_write_ok_ = true;
    }
    current_size_ += total;
    last_incr_size_ += total;
    if (buf_.capacity() < 4000) {
      buf_.clear();
    } else {
      std::string().swap(buf_);
    }
  }

  if (no_fsync_on_rewrite_ && HasActiveChild(s_)) return;
  if (fsync_policy == 1) {
    int64_t start = MonotonicUs();
    if (fdatasync(fd_) == -1) {
      spdlog::warn(
          "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. "
          "Exiting...",
          strerror(errno));
      exit(1);
    }
    s_.LatencyAddSampleIfNeeded("aof-fsync-always", (MonotonicUs() - start) / 1000);
    last_incr_fsync_offset_ = last_incr_size_;
    last_fsync_s_ = now;
  } else if (fsync_policy == 2 && now > last_fsync_s_) {
    if (!sync_in_progress) {
      bio_.Fsync(fd_);
      last_incr_fsync_offset_ = last_incr_size_;
    }
    last_fsync_s_ = now;
  }
}

bool AppendOnlyFile::WriteErrorActive(std::string* why) const {
  if (state_ == State::kOff) return false;
  if (!last_write_ok_) {
    *why = strerror(last_write_errno_);
    return true;
  }
  if (int e = bio_.last_error()) {
    *why = strerror(e);
    return true;
  }
  return false;
}

// ---- Rewrites -----------------------------------------------------------------------------

bool AppendOnlyFile::OpenNewIncrForAppend() {
  if (state_ == State::kOff) return true;
  std::string name;
  AofManifest temp = manifest_;
  if (state_ == State::kWaitRewrite) {
    name = TempIncrName();
  } else {
    name = fmt::format("{}.{}{}{}", s_.config().GetOne("appendfilename"), ++temp.curr_incr_seq,
                       kIncrSuffix, kAofSuffix);
    temp.incr.push_back({name, temp.curr_incr_seq, 'i'});
    temp.dirty = true;
  }
  int newfd = open(PathOf(name).c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
  if (newfd == -1) {
    spdlog::warn("Can't open the append-only file {}: {}", name, strerror(errno));
    return false;
  }
  if (state_ == State::kOn && !PersistManifest(temp)) {
    close(newfd);
    return false;
  }
  spdlog::info("Creating AOF incr file {} on background rewrite", name);
  if (fd_ != -1) {
    bio_.FsyncAndClose(fd_);
    last_fsync_s_ = NowS();
  }
  fd_ = newfd;
  last_incr_size_ = 0;
  last_incr_fsync_offset_ = 0;
  if (state_ == State::kOn) manifest_ = std::move(temp);
  return true;
}

Status AppendOnlyFile::RewriteBackground() {
  if (HasActiveChild(s_)) return Status::InvalidArgument("child active");
  const std::string& dirname = s_.config().GetOne("appenddirname");
  if (!CreateDirIfMissing(dirname)) {
    spdlog::warn("Can't open or create append-only dir {}: {}", dirname, strerror(errno));
    last_bgrewrite_ok_ = false;
    return Status::IOError(strerror(errno));
  }
  selected_db_ = -1;  // the next command fed starts with a SELECT
  Flush(true);
  if (!OpenNewIncrForAppend()) {
    last_bgrewrite_ok_ = false;
    return Status::IOError("cannot open a new incr file");
  }
  rewrites_++;
  spdlog::default_logger()->flush();
  int64_t fork_start = MonotonicUs();
  pid_t pid = fork();
  if (pid == 0) {
    s_.SetupForkedChild();
    std::string tmp = RewriteTempName(getpid());
    bool ok = WriteBaseFile(tmp);
    if (ok) spdlog::info("Successfully created the temporary AOF base file {}", tmp);
    spdlog::default_logger()->flush();
    _exit(ok ? 0 : 1);
  }
  if (pid < 0) {
    last_bgrewrite_ok_ = false;
    spdlog::warn("Can't rewrite append only file in background: fork: {}", strerror(errno));
    return Status::IOError(strerror(errno));
  }
  s_.stats().total_forks++;
  s_.stats().latest_fork_usec = MonotonicUs() - fork_start;
  spdlog::info("Background append only file rewriting started by pid {}", pid);
  child_pid_ = pid;
  rewrite_scheduled_ = false;
  rewrite_time_start_ = NowS();
  AllowDictResize(s_, false);
  return Status::OK();
}

void AppendOnlyFile::RewriteDone(int exitcode, int bysignal) {
  if (!bysignal && exitcode == 0) {
    spdlog::info("Background AOF rewrite terminated with success");
    std::string tmp = RewriteTempName(child_pid_);
    AofManifest temp = manifest_;
    if (temp.base) {
      temp.base->type = 'h';
      temp.history.insert(temp.history.begin(), *temp.base);
    }
    std::string base_name = fmt::format(
        "{}.{}{}{}", s_.config().GetOne("appendfilename"), ++temp.curr_base_seq, kBaseSuffix,
        s_.config().GetOne("aof-use-rdb-preamble") == "yes" ? kRdbSuffix : kAofSuffix);
    temp.base = AofFileInfo{base_name, temp.curr_base_seq, 'b'};
    temp.dirty = true;
    std::string base_path = PathOf(base_name);
    bool failed = false;
    std::string new_incr_path;
    if (rename(tmp.c_str(), base_path.c_str()) == -1) {
      spdlog::warn("Error trying to rename the temporary AOF base file {} into {}: {}", tmp,
                   base_path, strerror(errno));
      failed = true;
    } else {
      spdlog::info("Successfully renamed the temporary AOF base file {} into {}", tmp, base_name);
    }
    if (!failed && state_ == State::kWaitRewrite) {
      std::string temp_incr = TempIncrName();
      std::string incr_name = fmt::format("{}.{}{}{}", s_.config().GetOne("appendfilename"),
                                          ++temp.curr_incr_seq, kIncrSuffix, kAofSuffix);
      temp.incr.push_back({incr_name, temp.curr_incr_seq, 'i'});
      new_incr_path = PathOf(incr_name);
      if (rename(PathOf(temp_incr).c_str(), new_incr_path.c_str()) == -1) {
        spdlog::warn("Error trying to rename the temporary AOF incr file {} into {}: {}",
                     PathOf(temp_incr), new_incr_path, strerror(errno));
        unlink(base_path.c_str());
        failed = true;
      } else {
        spdlog::info("Successfully renamed the temporary AOF incr file {} into {}", temp_incr,
                     incr_name);
      }
    }
    if (!failed) {
      // Every incremental file but the one being written is now covered by the new base.
      size_t keep = fd_ != -1 && !temp.incr.empty() ? 1 : 0;
      while (temp.incr.size() > keep) {
        AofFileInfo h = temp.incr.front();
        h.type = 'h';
        temp.history.insert(temp.history.begin(), h);
        temp.incr.erase(temp.incr.begin());
      }
      if (!PersistManifest(temp)) {
        unlink(base_path.c_str());
        if (!new_incr_path.empty()) unlink(new_incr_path.c_str());
        failed = true;
      }
    }
    if (failed) {
      last_bgrewrite_ok_ = false;
      consecutive_failures_++;
    } else {
      manifest_ = std::move(temp);
      if (state_ != State::kOff) {
        current_size_ = FileSize(base_name, nullptr) + last_incr_size_;
        rewrite_base_size_ = current_size_;
      }
      DeleteHistoryFiles();
      last_bgrewrite_ok_ = true;
      consecutive_failures_ = 0;
      spdlog::info("Background AOF rewrite finished successfully");
      if (state_ == State::kWaitRewrite) state_ = State::kOn;
    }
  } else if (!bysignal) {
    last_bgrewrite_ok_ = false;
    consecutive_failures_++;
    spdlog::warn("Background AOF rewrite terminated with error");
  } else {
    // SIGUSR1 is how the server stops its own child: not an error.
    if (bysignal != SIGUSR1) {
      last_bgrewrite_ok_ = false;
      consecutive_failures_++;
    }
    spdlog::warn("Background AOF rewrite terminated by signal {}", bysignal);
  }
  unlink(RewriteTempName(child_pid_).c_str());
  unlink(("temp-rewriteaof-" + std::to_string(child_pid_) + ".aof").c_str());
  if (state_ == State::kWaitRewrite) {
    // The rewrite failed: what accumulated for it is useless now.
    buf_.clear();
    if (fd_ != -1) {
      close(fd_);
      fd_ = -1;
    }
    spdlog::info("Removing the temp incr aof file {} in the background", TempIncrName());
    unlink(PathOf(TempIncrName()).c_str());
  }
  rewrite_time_last_ = NowS() - rewrite_time_start_;
  rewrite_time_start_ = -1;
  child_pid_ = -1;
  AllowDictResize(s_, true);
  // Still waiting to switch the AOF on: try again.
  if (state_ == State::kWaitRewrite) rewrite_scheduled_ = true;
}

bool AppendOnlyFile::RewriteLimited() {
  if (consecutive_failures_ < uint64_t(kRewriteLimitThreshold)) {
    next_delay_minutes_ = 0;
    next_rewrite_time_ = 0;
    return false;
  }
  int64_t now = NowS();
  if (next_rewrite_time_ != 0) {
    if (now < next_rewrite_time_) return true;
    next_rewrite_time_ = 0;
    return false;
  }
  next_delay_minutes_ = next_delay_minutes_ == 0 ? 1 : next_delay_minutes_ * 2;
  if (next_delay_minutes_ > kRewriteLimitMaxMinutes) next_delay_minutes_ = kRewriteLimitMaxMinutes;
  next_rewrite_time_ = now + next_delay_minutes_ * 60;
  spdlog::warn(
      "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {} "
      "minutes",
      next_delay_minutes_);
  return true;
}

void AppendOnlyFile::KillChild() {
  if (child_pid_ <= 0) return;
  spdlog::info("Killing running AOF rewrite child: {}", child_pid_);
  if (kill(child_pid_, SIGUSR1) != -1) {
    int status;
    while (waitpid(child_pid_, &status, 0) == -1 && errno == EINTR) {
    }
  }
  unlink(RewriteTempName(child_pid_).c_str());
  unlink(("temp-rewriteaof-" + std::to_string(child_pid_) + ".aof").c_str());
  child_pid_ = -1;
  rewrite_time_start_ = -1;
  AllowDictResize(s_, true);
}

void AppendOnlyFile::Cron() {
  if (child_pid_ > 0) {
    int status = 0;
    pid_t r = waitpid(child_pid_, &status, WNOHANG);
    if (r == child_pid_) {
      int exitcode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      int bysignal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      RewriteDone(exitcode, bysignal);
    } else if (r < 0) {
      spdlog::warn("waitpid() returned an error: {}. child_type: AOF, child_pid = {}",
                   strerror(errno), child_pid_);
      child_pid_ = -1;
      rewrite_time_start_ = -1;
      AllowDictResize(s_, true);
    }
  }
  if (!HasActiveChild(s_) && rewrite_scheduled_ && !RewriteLimited()) {
    (void)RewriteBackground();
  }
  if (state_ == State::kOn && !HasActiveChild(s_)) {
    int64_t perc = 0, min_size = 0;
    StringToInt64(s_.config().GetOne("auto-aof-rewrite-percentage"), &perc);
    StringToInt64(s_.config().GetOne("auto-aof-rewrite-min-size"), &min_size);
    if (perc && current_size_ > min_size) {
      int64_t base = rewrite_base_size_ ? rewrite_base_size_ : 1;
      int64_t growth = current_size_ * 100 / base - 100;
      if (growth >= perc && !RewriteLimited()) {
        spdlog::info("Starting automatic rewriting of AOF on {}% growth", growth);
        (void)RewriteBackground();
      }
    }
  }
  if (state_ == State::kOn && flush_postponed_start_) Flush(false);
  if (state_ == State::kOn && !last_write_ok_) Flush(false);
}

Status AppendOnlyFile::Start() {
  if (state_ != State::kOff) return Status::OK();
  state_ = State::kWaitRewrite;
  if (HasActiveChild(s_) && child_pid_ <= 0) {
    rewrite_scheduled_ = true;
    spdlog::warn(
        "AOF was enabled but there is already another background operation. An AOF background "
        "was scheduled to start when possible.");
  } else if (s_.current_client() && s_.current_client()->has(kClientMulti)) {
    rewrite_scheduled_ = true;
    spdlog::warn(
        "AOF was enabled during a transaction. An AOF background was scheduled to start when "
        "possible.");
  } else {
    if (child_pid_ > 0) {
      spdlog::warn(
          "AOF was enabled but there is already an AOF rewriting in background. Stopping "
          "background AOF and starting a rewrite now.");
      KillChild();
    }
    if (!RewriteBackground().ok()) {
      state_ = State::kOff;
      spdlog::warn(
          "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. "
          "Check the above logs for more info about the error.");
      return Status::IOError("Unable to turn on AOF. Check server logs.");
    }
  }
  last_fsync_s_ = NowS();
  if (bio_.last_error()) {
    spdlog::warn("AOF reopen, just ignore the AOF fsync error in bio job");
    bio_.ClearError();
  }
  if (!last_write_ok_) {
    spdlog::warn("AOF reopen, just ignore the last error.");
    last_write_ok_ = true;
  }
  return Status::OK();
}

void AppendOnlyFile::Stop() {
  if (state_ == State::kOff) return;
  Flush(true);
  if (fd_ != -1) {
    if (fdatasync(fd_) == -1) {
      spdlog::warn("Fail to fsync the AOF file: {}", strerror(errno));
    } else {
      last_fsync_s_ = NowS();
    }
    close(fd_);
  }
  fd_ = -1;
  selected_db_ = -1;
  state_ = State::kOff;
  rewrite_scheduled_ = false;
  last_incr_size_ = 0;
  last_incr_fsync_offset_ = 0;
  KillChild();
  std::string().swap(buf_);
}

bool AppendOnlyFile::PrepareForShutdown(bool force) {
  if (child_pid_ > 0) {
    // Without the initial rewrite there is no AOF yet: exiting would lose the dataset.
    if (state_ == State::kWaitRewrite) {
      if (!force) {
        spdlog::warn("Writing initial AOF, can't exit.");
        return false;
      }
      spdlog::warn("Writing initial AOF. Exit anyway.");
    }
    spdlog::warn("There is a child rewriting the AOF. Killing it!");
    KillChild();
  }
  if (state_ == State::kOff) return true;
  spdlog::info("Calling fsync() on the AOF file.");
  Flush(true);
  if (fd_ != -1 && fdatasync(fd_) == -1) {
    spdlog::warn("Fail to fsync the AOF file: {}.", strerror(errno));
  }
  return true;
}

void AppendOnlyFile::AppendInfo(std::string* out) {
  int64_t now = NowS();
  out->append(
      fmt::format("aof_enabled:{}\r\n"
                  "aof_rewrite_in_progress:{}\r\n"
                  "aof_rewrite_scheduled:{}\r\n"
                  "aof_last_rewrite_time_sec:{}\r\n"
                  "aof_current_rewrite_time_sec:{}\r\n"
                  "aof_last_bgrewrite_status:{}\r\n"
                  "aof_rewrites:{}\r\n"
                  "aof_rewrites_consecutive_failures:{}\r\n"
                  "aof_last_write_status:{}\r\n"
                  "aof_last_cow_size:{}\r\n"
                  "module_fork_in_progress:0\r\n"
                  "module_fork_last_cow_size:0\r\n",
                  state_ != State::kOff ? 1 : 0, child_pid_ > 0 ? 1 : 0, rewrite_scheduled_ ? 1 : 0,
                  rewrite_time_last_, child_pid_ > 0 ? now - rewrite_time_start_ : -1,
                  last_bgrewrite_ok_ ? "ok" : "err", rewrites_, consecutive_failures_,
                  last_write_ok_ && !bio_.last_error() ? "ok" : "err", last_cow_size_));
  if (state_ == State::kOff) return;
  out->append(
      fmt::format("aof_current_size:{}\r\n"
                  "aof_base_size:{}\r\n"
                  "aof_pending_rewrite:{}\r\n"
                  "aof_buffer_length:{}\r\n"
                  "aof_pending_bio_fsync:{}\r\n"
                  "aof_delayed_fsync:{}\r\n",
                  current_size_, rewrite_base_size_, rewrite_scheduled_ ? 1 : 0, buf_.size(),
                  bio_.pending(), delayed_fsync_));
}

}  // namespace ember
