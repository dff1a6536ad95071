// The master side of replication: the propagation queue, the stream fed to replicas, and
// full resynchronization (SYNC / PSYNC answered with FULLRESYNC and an RDB snapshot).
// Partial resynchronization from a backlog and the replica side arrive with the replication
// issue; docs/design/replication.md describes the plan.
#include <spdlog/spdlog.h>

#include "common/persist/rdb_writer.h"
#include "common/storage/lru.h"
#include "common/util/clock.h"
#include "common/util/memory.h"
#include "common/util/strings.h"
#include "server/families/families.h"
#include "server/server.h"

namespace ember {
namespace {

void AppendCommand(std::string* out, const std::vector<std::string>& argv) {
  out->append("*").append(std::to_string(argv.size())).append("\r\n");
  for (const auto& a : argv) {
    out->append("$").append(std::to_string(a.size())).append("\r\n");
    out->append(a).append("\r\n");
  }
}

}  // namespace

void Server::AlsoPropagate(int dbid, std::vector<std::string> argv) {
  // Nothing is propagated while loading, nor when nobody consumes the stream.
  if (loading || (replicas_.empty() && aof_->state() == AppendOnlyFile::State::kOff)) return;
  also_propagate_.emplace_back(dbid, std::move(argv));
  if (!current_client_) PropagatePending();  // outside a command (active expiry, cron)
}

void Server::PropagatePending() {
  if (also_propagate_.empty()) return;
  std::vector<std::pair<int, std::vector<std::string>>> ops;
  ops.swap(also_propagate_);
  // Commands that may expire arbitrary keys are not made atomic with those deletions.
  bool transaction = ops.size() > 1;
  if (current_client_ && current_client_->cmd) {
    const std::string& n = current_client_->cmd->fullname;
    if (n == "scan" || n == "randomkey") transaction = false;
  }
  if (transaction) PropagateNow(ops.front().first, {"MULTI"});
  for (const auto& [db, argv] : ops) PropagateNow(db, argv);
  if (transaction) PropagateNow(ops.back().first, {"EXEC"});
}

void Server::PropagateNow(int dbid, const std::vector<std::string>& argv) {
  aof_->Feed(dbid, argv);
  FeedReplicationStream(dbid, argv);
}

void Server::FeedReplicationStream(int dbid, const std::vector<std::string>& argv) {
  if (replicas_.empty()) return;
  std::string bytes;
  if (dbid >= 0 && dbid != repl_seldb_) {
    AppendCommand(&bytes, {"SELECT", std::to_string(dbid)});
    repl_seldb_ = dbid;
  }
  AppendCommand(&bytes, argv);
  master_repl_offset_ += int64_t(bytes.size());
  for (Client* r : replicas_) {
    r->stream_out.append(bytes);
    MarkPendingWrite(r);
  }
}

void Server::ChangeReplicationId() {
  static const char* hex = "0123456789abcdef";
  std::random_device rd;
  replid_.resize(40);
  for (auto& ch : replid_) ch = hex[rd() & 15];
}

Status Server::AttachReplica(Client& c, bool psync) {
  if (c.has(kClientReplica)) return Status::OK();
  RdbWriter w(true);
  w.Header();
  w.Aux("redis-ver", EMBER_REDIS_COMPAT_VERSION);
  w.AuxInt("redis-bits", 64);
  w.AuxInt("ctime", NowMs() / 1000);
  w.AuxInt("used-mem", int64_t(UsedMemory()));
  w.AuxInt("repl-stream-db", 0);
  w.Aux("repl-id", replid_);
  w.AuxInt("repl-offset", master_repl_offset_);
  w.AuxInt("aof-base", 0);
  for (auto& db : dbs_) {
    if (db->size() == 0) continue;
    w.SelectDb(uint64_t(db->id()));
    w.ResizeDb(db->size(), db->expires_size());
    bool ok = true;
    db->keys().ForEach([&](Entry* e) {
      if (!ok) return;
      int64_t when = db->GetExpire(e);
      if (when >= 0) w.ExpireMs(when);
      ok = w.KeyValue(e);
    });
    if (!ok) return Status::NotSupported("a value type cannot be serialized for replication yet");
  }
  w.Eof();
  std::string& rdb = w.data();
  if (psync) {
    c.out().append(fmt::format("+FULLRESYNC {} {}\r\n", replid_, master_repl_offset_));
  }
  c.out().append("$").append(std::to_string(rdb.size())).append("\r\n");
  c.out().append(rdb);
  c.set(kClientReplica);
  c.set(kClientReplicaOnline);
  if (replicas_.empty()) last_replica_ping_ms_ = NowMs();  // first PING one period from now
  replicas_.push_back(&c);
  repl_seldb_ = -1;  // the stream starts with a SELECT
  spdlog::info("Synchronization with replica {} succeeded",
               c.conn() ? c.conn()->peer() : std::string("(in-process)"));
  return Status::OK();
}

void Server::TouchWatchedKey(int dbid, std::string_view key) {
  if (watched_keys.empty()) return;
  auto it = watched_keys.find({dbid, std::string(key)});
  if (it == watched_keys.end()) return;
  for (Client* c : it->second) c->set(kClientDirtyCas);
}

void Server::TouchWatchedKeysInDb(int dbid, Db* other) {
  for (auto& [k, clients] : watched_keys) {
    if (k.first != dbid) continue;
    if (!db(dbid).Find(k.second) && !(other && other->Find(k.second))) continue;
    for (Client* c : clients) c->set(kClientDirtyCas);
  }
}

void Server::UnwatchAll(Client& c) {
  for (const auto& k : c.watched_keys) {
    auto it = watched_keys.find(k);
    if (it == watched_keys.end()) continue;
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), &c), v.end());
    if (v.empty()) watched_keys.erase(it);
  }
  c.watched_keys.clear();
  c.clear(kClientDirtyCas);
}

}  // namespace ember

namespace ember {
namespace {

void CmdSync(Client& c, CmdArgs args) {
  bool psync = EqualsIgnoreCase(args[0], "psync");
  if (c.has(kClientReplica)) return;  // already attached: ignore, as Redis does
  if (c.has(kClientMulti)) {
    c.reply().Error("Replica can't interact with the keyspace");
    return;
  }
  Status st = c.server().AttachReplica(c, psync);
  if (!st.ok()) c.reply().Error(st.message());
}

void CmdReplconf(Client& c, CmdArgs args) {
  if (args.size() % 2 == 0) {
    c.reply().Error(err::kSyntax);
    return;
  }
  for (size_t i = 1; i < args.size(); i += 2) {
    std::string_view opt = args[i];
    if (EqualsIgnoreCase(opt, "ack") || EqualsIgnoreCase(opt, "fack")) {
      return;  // acknowledgements get no reply
    }
    if (!EqualsIgnoreCase(opt, "listening-port") && !EqualsIgnoreCase(opt, "ip-address") &&
        !EqualsIgnoreCase(opt, "capa") && !EqualsIgnoreCase(opt, "getack") &&
        !EqualsIgnoreCase(opt, "rdb-only")) {
      c.reply().Error(fmt::format("Unrecognized REPLCONF option: {}", opt));
      return;
    }
  }
  c.reply().Ok();
}

}  // namespace

void RegisterReplicationFamily(CommandTable* t) {
  t->Register("sync", CmdSync);
  t->Register("psync", CmdSync);
  t->Register("replconf", CmdReplconf);
}

}  // namespace ember
