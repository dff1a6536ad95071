// Persistence commands: SAVE, BGSAVE, LASTSAVE, DUMP, RESTORE and MIGRATE (DUMP + RESTORE
// over a cached connection to another server). The RDB machinery is in server/persistence.cc.
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/persist/rdb_reader.h"
#include "common/storage/lru.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/client.h"
#include "server/command.h"
#include "server/families/families.h"
#include "server/persistence.h"
#include "server/server.h"

namespace ember {
namespace {

constexpr std::string_view kBusyKey = "-BUSYKEY Target key name already exists.";

// ----- SAVE / BGSAVE / LASTSAVE -----

void CmdSave(Client& c, CmdArgs args) {
  Server& s = c.server();
  if (RdbChildRunning(s)) {
    c.reply().Error("Background save already in progress");
    return;
  }
  Rdb(s).saves++;
  if (SaveRdb(s).ok()) {
    c.reply().Ok();
  } else {
    c.reply().Error("-ERR");
  }
}

void CmdBgsave(Client& c, CmdArgs args) {
  if (args.size() > 1) {
    if (args.size() != 2 || !EqualsIgnoreCase(args[1], "schedule")) {
      c.reply().Error(err::kSyntax);
      return;
    }
  }
  Server& s = c.server();
  bool schedule = args.size() == 2;
  // Queued commands only run inside EXEC: there the save waits for the transaction to end
  // (Redis's in_exec).
  bool in_exec = c.has(kClientMulti);
  if (RdbChildRunning(s)) {
    c.reply().Error("Background save already in progress");
  } else if (HasActiveChild(s) || in_exec) {
    if (schedule || in_exec) {
      Rdb(s).bgsave_scheduled = true;
      c.reply().SimpleString("Background saving scheduled");
    } else {
      c.reply().Error(
          "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE "
          "in order to schedule a BGSAVE whenever possible.");
    }
  } else if (BackgroundSave(s).ok()) {
    c.reply().SimpleString("Background saving started");
  } else {
    c.reply().Error("-ERR");
  }
}

void CmdBgrewriteaof(Client& c, CmdArgs) {
  Server& s = c.server();
  AppendOnlyFile& aof = s.aof();
  if (aof.ChildRunning()) {
    c.reply().Error("Background append only file rewriting already in progress");
  } else if (HasActiveChild(s) || c.has(kClientMulti)) {
    aof.ScheduleRewrite();
    c.reply().SimpleString("Background append only file rewriting scheduled");
  } else if (aof.RewriteBackground().ok()) {
    c.reply().SimpleString("Background append only file rewriting started");
  } else {
    c.reply().Error(
        "Can't execute an AOF background rewriting. Please check the server logs for more "
        "information.");
  }
}

void CmdLastSave(Client& c, CmdArgs args) { c.reply().Integer(c.server().lastsave_s); }

// ----- DUMP / RESTORE -----

void CmdDump(Client& c, CmdArgs args) {
  Entry* e = c.server().LookupRead(c, args[1]);
  if (!e) {
    c.reply().Null();
    return;
  }
  c.reply().Bulk(CreateDumpPayload(c.server(), e));
}

void CmdRestore(Client& c, CmdArgs args) {
  Server& s = c.server();
  bool replace = false, absttl = false;
  int64_t lfu_freq = -1, lru_idle = -1;
  for (size_t j = 4; j < args.size(); j++) {
    size_t additional = args.size() - j - 1;
    if (EqualsIgnoreCase(args[j], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(args[j], "absttl")) {
      absttl = true;
    } else if (EqualsIgnoreCase(args[j], "idletime") && additional >= 1 && lfu_freq == -1) {
      if (!ParseInt64Arg(c, args[j + 1], &lru_idle)) return;
      if (lru_idle < 0) {
        c.reply().Error("Invalid IDLETIME value, must be >= 0");
        return;
      }
      j++;
    } else if (EqualsIgnoreCase(args[j], "freq") && additional >= 1 && lru_idle == -1) {
      if (!ParseInt64Arg(c, args[j + 1], &lfu_freq)) return;
      if (lfu_freq < 0 || lfu_freq > 255) {
        c.reply().Error("Invalid FREQ value, must be >= 0 and <= 255");
        return;
      }
      j++;
    } else {
      c.reply().Error(err::kSyntax);
      return;
    }
  }
  std::string_view key = args[1];
  if (!replace && s.LookupWrite(c, key)) {
    c.reply().Error(kBusyKey);
    return;
  }
  int64_t ttl;
  if (!ParseInt64Arg(c, args[2], &ttl)) return;
  if (ttl < 0) {
    c.reply().Error("Invalid TTL value, must be >= 0");
    return;
  }
  std::string_view payload = args[3];
  if (!VerifyDumpPayload(payload)) {
    c.reply().Error("DUMP payload version or checksum are wrong");
    return;
  }
  RdbReader reader(payload);
  RdbLoadConfig cfg = LoadConfigFor(s, &c);
  reader.set_config(cfg);
  uint8_t type;
  Entry* e = nullptr;
  Status st = reader.ReadObjectType(&type);
  if (st.ok()) st = reader.ReadObject(type, key, &e);
  if (!st.ok() || !e) {
    // Logged at verbose level only, as Redis does for RESTORE payloads.
    if (st.code() != Status::Code::kNotFound) {
      spdlog::debug("Internal error in RDB reading offset 0, function at rdb.c:0 -> {}",
                    st.message());
    }
    c.reply().Error("Bad data format");
    return;
  }
  Db& db = c.db();
  bool deleted = replace && s.DeleteKey(db, key);
  int64_t now = s.command_time_ms();
  if (ttl && !absttl) ttl += now;
  if (ttl && ttl <= NowMs() && !s.loading) {
    // Already expired: nothing is created; a replaced key is simply deleted.
    if (deleted) {
      c.RewritePropagation({"DEL", std::string(key)});
      s.NotifyKeyspaceEvent(kNotifyGeneric, "del", key, c.db_index());
      s.dirty++;
    }
    FreeRdbEntry(e);
    c.reply().Ok();
    return;
  }
  db.Add(e);
  if (ttl) {
    db.SetExpire(e, ttl);
    if (!absttl) {
      // Propagated with the absolute time.
      std::vector<std::string> argv(args.begin(), args.end());
      argv[2] = std::to_string(ttl);
      argv.emplace_back("ABSTTL");
      c.RewritePropagation(std::move(argv));
    }
  }
  SetLruOrLfu(e, lfu_freq, lru_idle);
  s.SignalModifiedKey(db, key);
  s.NotifyKeyspaceEvent(kNotifyGeneric, "restore", key, c.db_index());
  c.reply().Ok();
  s.dirty++;
}

// ----- MIGRATE -----

constexpr size_t kMigrateCacheItems = 64;
constexpr int64_t kMigrateCacheTtlS = 10;

struct MigrateSocket {
  int fd = -1;
  int64_t last_dbid = -1;
  int64_t last_use_s = 0;
};

std::map<std::string, MigrateSocket>& MigrateCache() {
  static std::map<std::string, MigrateSocket> cache;
  return cache;
}

bool WaitFd(int fd, short events, int64_t deadline_ms) {
  while (true) {
    int64_t left = deadline_ms - NowMs();
    if (left <= 0) {
      errno = ETIMEDOUT;
      return false;
    }
    pollfd p{fd, events, 0};
    int r = poll(&p, 1, int(left));
    if (r > 0) return true;
    if (r == 0) {
      errno = ETIMEDOUT;
      return false;
    }
    if (errno != EINTR) return false;
  }
}

int BlockingConnect(const std::string& host, const std::string& port, int64_t timeout_ms) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  int64_t deadline = NowMs() + timeout_ms;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (r == 0) break;
    if (errno == EINPROGRESS && WaitFd(fd, POLLOUT, deadline)) {
      int soerr = 0;
      socklen_t len = sizeof(soerr);
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0) break;
    }
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  return fd;
}

bool SyncWrite(int fd, std::string_view data, int64_t timeout_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(size_t(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (!WaitFd(fd, POLLOUT, deadline)) return false;
  }
  return true;
}

// Reads one reply line (without CRLF). False on error, timeout or EOF.
bool SyncReadLine(int fd, std::string* line, int64_t timeout_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  line->clear();
  while (true) {
    char ch;
    ssize_t n = read(fd, &ch, 1);
    if (n == 1) {
      if (ch == '\n') {
        if (!line->empty() && line->back() == '\r') line->pop_back();
        return true;
      }
      if (line->size() < 1024) line->push_back(ch);
      continue;
    }
    if (n == 0) return false;
    if (errno != EAGAIN && errno != EINTR) return false;
    if (!WaitFd(fd, POLLIN, deadline)) return false;
  }
}

void MigrateCloseSocket(const std::string& name) {
  auto& cache = MigrateCache();
  auto it = cache.find(name);
  if (it == cache.end()) return;
  close(it->second.fd);
  cache.erase(it);
}

MigrateSocket* MigrateGetSocket(Client& c, const std::string& host, const std::string& port,
                                int64_t timeout) {
  auto& cache = MigrateCache();
  std::string name = host + ":" + port;
  auto it = cache.find(name);
  if (it != cache.end()) {
    it->second.last_use_s = NowMs() / 1000;
    return &it->second;
  }
  if (cache.size() == kMigrateCacheItems) {
    auto victim = cache.begin();
    std::advance(victim, c.server().rng()() % cache.size());
    close(victim->second.fd);
    cache.erase(victim);
  }
  int fd = BlockingConnect(host, port, timeout);
  if (fd < 0) {
    c.reply().Error("-IOERR error or timeout connecting to the client");
    return nullptr;
  }
  MigrateSocket& cs = cache[name];
  cs.fd = fd;
  cs.last_dbid = -1;
  cs.last_use_s = NowMs() / 1000;
  return &cs;
}

void AppendBulk(std::string* out, std::string_view s) {
  out->append("$").append(std::to_string(s.size())).append("\r\n");
  out->append(s).append("\r\n");
}

void CmdMigrate(Client& c, CmdArgs args) {
  Server& s = c.server();
  bool copy = false, replace = false;
  std::string username, password;
  bool has_password = false, has_username = false;
  size_t first_key = 3, num_keys = 1;
  for (size_t j = 6; j < args.size(); j++) {
    size_t moreargs = args.size() - 1 - j;
    if (EqualsIgnoreCase(args[j], "copy")) {
      copy = true;
    } else if (EqualsIgnoreCase(args[j], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(args[j], "auth")) {
      if (!moreargs) {
        c.reply().Error(err::kSyntax);
        return;
      }
      c.RedactArg(int(j + 1));
      password = std::string(args[++j]);
      has_password = true;
    } else if (EqualsIgnoreCase(args[j], "auth2")) {
      if (moreargs < 2) {
        c.reply().Error(err::kSyntax);
        return;
      }
      c.RedactArg(int(j + 1));
      c.RedactArg(int(j + 2));
      username = std::string(args[++j]);
      password = std::string(args[++j]);
      has_username = has_password = true;
    } else if (EqualsIgnoreCase(args[j], "keys")) {
      if (!args[3].empty()) {
        c.reply().Error(
            "When using MIGRATE KEYS option, the key argument must be set to the empty string");
        return;
      }
      first_key = j + 1;
      num_keys = args.size() - j - 1;
      break;
    } else {
      c.reply().Error(err::kSyntax);
      return;
    }
  }
  int64_t timeout, dbid;
  if (!ParseInt64Arg(c, args[5], &timeout) || !ParseInt64Arg(c, args[4], &dbid)) return;
  if (timeout <= 0) timeout = 1000;

  std::vector<std::string> keys;
  for (size_t j = 0; j < num_keys; j++) {
    if (s.LookupRead(c, args[first_key + j])) keys.emplace_back(args[first_key + j]);
  }
  if (keys.empty()) {
    c.reply().SimpleString("NOKEY");
    return;
  }
  std::string host(args[1]), port(args[2]), name = host + ":" + port;
  bool may_retry = true;
  while (true) {
    bool write_error = false;
    MigrateSocket* cs = MigrateGetSocket(c, host, port, timeout);
    if (!cs) return;
    std::string cmd;
    if (has_password) {
      cmd.append(has_username ? "*3\r\n" : "*2\r\n");
      AppendBulk(&cmd, "AUTH");
      if (has_username) AppendBulk(&cmd, username);
      AppendBulk(&cmd, password);
    }
    bool select = cs->last_dbid != dbid;
    if (select) {
      cmd.append("*2\r\n");
      AppendBulk(&cmd, "SELECT");
      AppendBulk(&cmd, std::to_string(dbid));
    }
    std::vector<std::string> sent;
    Db& db = c.db();
    for (const std::string& k : keys) {
      Entry* e = db.Find(k);
      if (!e) continue;
      int64_t ttl = 0;
      int64_t expireat = e->has_expire() ? db.GetExpire(e) : -1;
      if (expireat != -1) {
        ttl = expireat - NowMs();
        if (ttl < 0) continue;
        if (ttl < 1) ttl = 1;
      }
      sent.push_back(k);
      cmd.append(replace ? "*5\r\n" : "*4\r\n");
      AppendBulk(&cmd, "RESTORE");
      AppendBulk(&cmd, k);
      AppendBulk(&cmd, std::to_string(ttl));
      AppendBulk(&cmd, CreateDumpPayload(s, e));
      if (replace) AppendBulk(&cmd, "REPLACE");
    }
    errno = 0;
    bool socket_error = false;
    std::string r0, r1, r2;
    if (!SyncWrite(cs->fd, cmd, timeout)) {
      write_error = true;
      socket_error = true;
    } else if ((has_password && !SyncReadLine(cs->fd, &r0, timeout)) ||
               (select && !SyncReadLine(cs->fd, &r1, timeout))) {
      socket_error = true;
    }
    if (!socket_error) {
      bool error_from_target = false;
      std::vector<std::string> del_argv{"DEL"};
      size_t j = 0;
      for (; j < sent.size(); j++) {
        if (!SyncReadLine(cs->fd, &r2, timeout)) {
          socket_error = true;
          break;
        }
        bool failed = (has_password && !r0.empty() && r0[0] == '-') ||
                      (select && !r1.empty() && r1[0] == '-') || (!r2.empty() && r2[0] == '-');
        if (failed) {
          if (!error_from_target) {
            cs->last_dbid = -1;
            const std::string& eb = (has_password && !r0.empty() && r0[0] == '-') ? r0
                                    : (select && !r1.empty() && r1[0] == '-')     ? r1
                                                                                  : r2;
            error_from_target = true;
            c.reply().Error("Target instance replied with error: " + eb.substr(1));
          }
        } else if (!copy) {
          if (s.DeleteKey(db, sent[j])) {
            s.NotifyKeyspaceEvent(kNotifyGeneric, "del", sent[j], c.db_index());
            s.dirty++;
          }
          del_argv.push_back(sent[j]);
        }
      }
      if (!error_from_target && socket_error && j == 0 && may_retry && errno != ETIMEDOUT) {
        MigrateCloseSocket(name);
        may_retry = false;
        continue;
      }
      if (socket_error) MigrateCloseSocket(name);
      if (!copy) {
        if (del_argv.size() > 1) {
          c.RewritePropagation(std::move(del_argv));
        } else {
          c.PreventPropagation();
        }
      }
      if (!socket_error) {
        if (!error_from_target) {
          // The entry may have been freed by a retry above; look it up again.
          if (MigrateSocket* again = MigrateGetSocket(c, host, port, timeout)) {
            again->last_dbid = dbid;
          }
          c.reply().Ok();
        }
        return;
      }
      if (error_from_target) return;
      // Socket error after some progress: report, no retry.
      c.reply().Error(std::string("-IOERR error or timeout ") +
                      (write_error ? "writing" : "reading") + " to target instance");
      return;
    }
    MigrateCloseSocket(name);
    if (errno != ETIMEDOUT && may_retry) {
      may_retry = false;
      continue;
    }
    c.reply().Error(std::string("-IOERR error or timeout ") +
                    (write_error ? "writing" : "reading") + " to target instance");
    return;
  }
}

}  // namespace

size_t MigrateCachedSockets() { return MigrateCache().size(); }

void MigrateCloseTimedoutSockets() {
  auto& cache = MigrateCache();
  int64_t now = NowMs() / 1000;
  for (auto it = cache.begin(); it != cache.end();) {
    if (now - it->second.last_use_s > kMigrateCacheTtlS) {
      close(it->second.fd);
      it = cache.erase(it);
    } else {
      ++it;
    }
  }
}

void RegisterPersistenceFamily(CommandTable* t) {
  t->Register("save", CmdSave);
  t->Register("bgsave", CmdBgsave);
  t->Register("bgrewriteaof", CmdBgrewriteaof);
  t->Register("lastsave", CmdLastSave);
  t->Register("dump", CmdDump);
  t->Register("restore", CmdRestore);
  t->Register("migrate", CmdMigrate);
}

}  // namespace ember
