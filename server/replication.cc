// The master side of replication: the propagation queue, the stream fed to replicas and to
// the backlog, full resynchronization (SYNC / PSYNC answered with FULLRESYNC and an RDB
// snapshot) and partial resynchronization (PSYNC answered with +CONTINUE and the backlog).
// docs/design/replication.md describes it.
#include <spdlog/spdlog.h>

#include "common/persist/rdb_writer.h"
#include "common/storage/lru.h"
#include "common/util/clock.h"
#include "common/util/log.h"
#include "common/util/memory.h"
#include "common/util/strings.h"
#include "server/families/families.h"
#include "server/key_extraction.h"
#include "server/persistence.h"
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
  if (!PropagationNeeded()) return;
  also_propagate_.emplace_back(dbid, std::move(argv));
  if (!current_client_) PropagatePending();  // outside a command (active expiry, cron)
}

void Server::PropagatePending(const Command* cmd) {
  if (also_propagate_.empty()) return;
  std::vector<std::pair<int, std::vector<std::string>>> ops;
  ops.swap(also_propagate_);
  // Commands that may expire arbitrary keys are not made atomic with those deletions.
  bool transaction = ops.size() > 1;
  if (!cmd && current_client_) cmd = current_client_->cmd;
  if (cmd && (cmd->fullname == "scan" || cmd->fullname == "randomkey")) transaction = false;
  if (transaction) PropagateNow(ops.front().first, {"MULTI"});
  for (const auto& [db, argv] : ops) PropagateNow(db, argv);
  if (transaction) PropagateNow(ops.back().first, {"EXEC"});
}

void Server::PropagateNow(int dbid, const std::vector<std::string>& argv) {
  aof_->Feed(dbid, argv);
  FeedReplicationStream(dbid, argv);
}

void Server::FeedReplicationStream(int dbid, const std::vector<std::string>& argv) {
  // A replica relays its master's stream instead (ProxyMasterStream).
  if ((replicas_.empty() && !backlog_) || is_replica()) return;
  std::string bytes;
  if (dbid >= 0 && dbid != repl_seldb_) {
    AppendCommand(&bytes, {"SELECT", std::to_string(dbid)});
    repl_seldb_ = dbid;
  }
  AppendCommand(&bytes, argv);
  master_repl_offset_ += int64_t(bytes.size());
  if (backlog_) backlog_->Append(bytes);
  for (Client* r : replicas_) {
    if (!r->has(kClientReplicaOnline)) continue;  // its snapshot will include this
    r->stream_out.append(bytes);
    MarkPendingWrite(r);
  }
}

void Server::ProxyMasterStream(std::string_view bytes) {
  master_repl_offset_ += int64_t(bytes.size());
  if (backlog_) backlog_->Append(bytes);
  for (Client* r : replicas_) {
    if (!r->has(kClientReplicaOnline)) continue;  // its snapshot will include this
    r->stream_out.append(bytes);
    MarkPendingWrite(r);
  }
}

void Server::SetReplicationState(const std::string& replid, int64_t offset) {
  replid_ = replid;
  master_repl_offset_ = offset;
  ClearReplicationId2();
  // The old history is gone: a new backlog starts where the master's snapshot ends.
  backlog_.reset();
  CreateBacklog();
}

void Server::ReplicaOf(const std::string& host, int port, Client* by) {
  // Sub-replicas must resynchronize with the new history; blocked clients learn the role
  // changed (Redis's disconnectAllBlockedClients).
  bool was_master = !is_replica();
  SetLogRole('S');  // log lines say S from here on, as a replica's do in Redis
  DisconnectReplicas();
  std::vector<Client*> blocked;
  for (auto& [id, c] : clients_) {
    if (c->has(kClientBlocked) && blocking_->IsBlocked(*c)) blocked.push_back(c);
  }
  for (Client* c : blocked) {
    blocking_->Unblock(*c, false,
                       "-UNBLOCKED force unblock from blocking operation, instance state "
                       "changed (master -> replica?)");
  }
  // A former master can continue from its own history: the new master may be its promoted
  // replica, which kept our replication id as its replid2.
  // At startup (no client) the state restored from our own RDB plays that part.
  if (by) {
    if (was_master) {
      spdlog::info(
          "Before turning into a replica, using my own master parameters to synthesize a cached "
          "master: I may be able to synchronize with the new master with just a partial "
          "transfer.");
    }
    replica_link_->SetMaster(host, port, was_master);
  } else {
    replica_link_->SetMaster(host, port, rdb_repl_info.restored, rdb_repl_info.db);
  }
  ApplyOomScoreAdj(OomClass::kReplica);
  config_.SetReplicaOf(host, port);
  spdlog::info("REPLICAOF {}:{} enabled (user request from '{}')", host, port,
               by ? ClientInfoLine(*by) : std::string("config"));
}

void Server::ReplicaOfNoOne(Client* by) {
  if (!is_replica()) return;
  replica_link_->Unset();
  SetLogRole('M');
  config_.SetReplicaOf("", 0);
  ApplyOomScoreAdj(OomClass::kMaster);
  replica_keys_with_expire_.clear();
  // Our history stays valid under the old id up to here, so former siblings that follow us
  // continue with PSYNC; they are disconnected to learn the new id. The next command in the
  // stream selects its database.
  ShiftReplicationId();
  DisconnectReplicas();
  repl_seldb_ = -1;
  no_replicas_since_ms_ = NowMs();
  spdlog::info("MASTER MODE enabled (user request from '{}')",
               by ? ClientInfoLine(*by) : std::string("config"));
}

size_t Server::ReplicasAcked(int64_t offset) const {
  size_t n = 0;
  for (const Client* r : replicas_) {
    if (r->has(kClientReplicaOnline) && r->repl_ack_off >= offset) n++;
  }
  return n;
}

void Server::ReplicaAcked(Client& c, int64_t offset) {
  if (offset > c.repl_ack_off) c.repl_ack_off = offset;
  c.repl_ack_time_ms = NowMs();
  if (!waiters_.empty()) ServeWaiters();
}

void Server::WaitForReplicas(Client& c, int64_t numreplicas, int64_t deadline_ms) {
  size_t acked = ReplicasAcked(c.woff);
  if (acked >= size_t(numreplicas) || c.has(kClientMulti)) {
    c.reply().Integer(int64_t(acked));
    return;
  }
  waiters_.push_back({&c, numreplicas, c.woff, deadline_ms});
  c.set(kClientBlocked);
  // Ask the replicas where they are now rather than waiting for their next periodic ACK.
  if (!getack_pending_) {
    getack_pending_ = true;
    FeedReplicationStream(-1, {"REPLCONF", "GETACK", "*"});
  }
}

void Server::ServeWaiters() {
  getack_pending_ = false;
  if (waiters_.empty()) return;
  int64_t now = NowMs();
  std::vector<Waiter> keep;
  std::vector<Client*> resumed;
  for (const Waiter& w : waiters_) {
    size_t acked = ReplicasAcked(w.offset);
    bool done = acked >= size_t(w.numreplicas);
    bool expired = w.deadline_ms && now >= w.deadline_ms;
    if (!done && !expired) {
      keep.push_back(w);
      continue;
    }
    w.c->clear(kClientBlocked);
    w.c->reply().Integer(int64_t(acked));
    MarkPendingWrite(w.c);
    resumed.push_back(w.c);
  }
  waiters_.swap(keep);
  // Requests pipelined behind WAIT run from the loop, not inside the ACK being handled.
  waiters_resumed_.insert(waiters_resumed_.end(), resumed.begin(), resumed.end());
}

void Server::ResumeWaiters() {
  if (waiters_resumed_.empty()) return;
  std::vector<Client*> batch;
  batch.swap(waiters_resumed_);
  for (Client* c : batch) {
    if (c->has(kClientCloseAsap)) continue;
    c->ProcessInput();
    MarkPendingWrite(c);
  }
}

void Server::RememberReplicaKeysWithExpire(Client& c, Command* cmd, CmdArgs args) {
  for (const KeyReference& k : GetKeys(*cmd, args)) {
    std::string_view key = args[size_t(k.pos)];
    Entry* e = c.db().Find(key);
    if (e && e->has_expire()) replica_keys_with_expire_.insert({c.db_index(), std::string(key)});
  }
}

void Server::ExpireReplicaKeys() {
  int64_t now = NowMs();
  for (auto it = replica_keys_with_expire_.begin(); it != replica_keys_with_expire_.end();) {
    Db& d = db(it->first);
    Entry* e = d.Find(it->second);
    int64_t when = e && e->has_expire() ? d.GetExpire(e) : -1;
    if (when < 0) {
      it = replica_keys_with_expire_.erase(it);
      continue;
    }
    if (when < now) {
      std::string key = it->second;
      DeleteKey(d, key);
      stats_.expired_keys++;
      NotifyKeyspaceEvent(kNotifyExpired, "expired", key, d.id());
      it = replica_keys_with_expire_.erase(it);
      continue;
    }
    ++it;
  }
}

void Server::ChangeReplicationId() {
  static const char* hex = "0123456789abcdef";
  std::random_device rd;
  replid_.resize(40);
  for (auto& ch : replid_) ch = hex[rd() & 15];
}

void Server::ShiftReplicationId(const std::string& id) {
  replid2_ = replid_;
  // The replica that has applied everything up to now asks for the next byte.
  second_replid_offset_ = master_repl_offset_ + 1;
  if (id.empty()) {
    ChangeReplicationId();
  } else {
    replid_ = id;
  }
  spdlog::info(
      "Setting secondary replication ID to {}, valid up to offset: {}. New replication ID is {}",
      replid2_, second_replid_offset_, replid_);
}

void Server::ClearReplicationId2() {
  replid2_.assign(40, '0');
  second_replid_offset_ = -1;
}

void Server::CreateBacklog() {
  int64_t size = 1024 * 1024;
  StringToInt64(config_.GetOne("repl-backlog-size"), &size);
  backlog_ = std::make_unique<ReplBacklog>(size_t(size), master_repl_offset_);
}

int Server::GoodReplicas() const {
  int64_t now_s = NowMs() / 1000;
  int good = 0;
  for (const Client* r : replicas_) {
    if (r->has(kClientReplicaOnline) &&
        now_s - r->repl_ack_time_ms / 1000 <= config_.min_replicas_max_lag) {
      good++;
    }
  }
  return good;
}

bool Server::GoodReplicasOk() const {
  if (config_.min_replicas_to_write == 0 || config_.min_replicas_max_lag == 0) return true;
  return is_replica() || GoodReplicas() >= config_.min_replicas_to_write;
}

void Server::PrepareMasterLoad() {
  master_repl_offset_ = 0;
  CreateBacklog();
  feed_expired_on_load = true;
}

void Server::DropBacklog() {
  backlog_.reset();
  master_repl_offset_ = 0;
  repl_seldb_ = -1;
}

void Server::RestoreMasterHistory(const std::string& replid, int64_t offset) {
  replid2_ = replid;
  second_replid_offset_ = offset + 1;
  // The DELs of keys that expired while we were down follow the saved history.
  master_repl_offset_ += offset;
  if (!backlog_) CreateBacklog();
  backlog_->SetEndOffset(master_repl_offset_);
  no_replicas_since_ms_ = NowMs();
}

bool Server::ReplInfoForRdb(int* stream_db) const {
  if (is_replica()) return replica_link_->HistoryPoint(stream_db);
  if (!backlog_) return false;
  *stream_db = repl_seldb_ < 0 ? 0 : repl_seldb_;
  return true;
}

void Server::DisconnectReplicas() {
  std::vector<Client*> subs = replicas_;
  for (Client* r : subs) r->CloseAsap();
}

bool Server::TryPartialResync(Client& c, std::string_view replid, int64_t offset) {
  std::string who = c.conn() ? c.conn()->peer() : std::string("(in-process)");
  bool ours = replid == replid_;
  bool previous = replid == replid2_ && offset <= second_replid_offset_;
  if (!ours && !previous) {
    if (replid == "?") {
      spdlog::info("Full resync requested by replica {}", who);
    } else if (replid != replid2_) {
      spdlog::info(
          "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for "
          "'{}', my replication IDs are '{}' and '{}')",
          replid, replid_, replid2_);
    } else {
      spdlog::info(
          "Partial resynchronization not accepted: Requested offset for second ID was {}, but I "
          "can reply up to {}",
          offset, second_replid_offset_);
    }
    return false;
  }
  if (!backlog_ || !backlog_->Covers(offset)) {
    spdlog::info(
        "Unable to partial resync with replica {} for lack of backlog (Replica request was: {}).",
        who, offset);
    if (offset > master_repl_offset_) {
      spdlog::warn(
          "Warning: replica {} tried to PSYNC with an offset that is greater than the master "
          "replication offset.",
          who);
    }
    return false;
  }
  c.set(kClientReplica);
  c.set(kClientReplicaOnline);
  c.repl_ack_time_ms = NowMs();
  c.out().append(c.repl_capa_psync2 ? "+CONTINUE " + replid_ + "\r\n" : "+CONTINUE\r\n");
  size_t before = c.out().size();
  backlog_->CopyFrom(offset, &c.out());
  if (replicas_.empty()) last_replica_ping_ms_ = NowMs();
  replicas_.push_back(&c);
  MarkPendingWrite(&c);
  stats_.sync_partial_ok++;
  spdlog::info(
      "Partial resynchronization request from {} accepted. Sending {} bytes of backlog starting "
      "from offset {}.",
      who, c.out().size() - before, offset);
  return true;
}

Status Server::AttachReplica(Client& c, bool psync) {
  if (c.has(kClientReplica)) return Status::OK();
  if (replicas_.empty() && !backlog_) {
    // A master's first replica: a new history, kept in a new backlog.
    ChangeReplicationId();
    ClearReplicationId2();
    CreateBacklog();
    spdlog::info("Replication backlog created, my new replication IDs are '{}' and '{}'", replid_,
                 replid2_);
  }
  stats_.sync_full++;
  // Waiting for the snapshot (INFO state=wait_bgsave): it gets no stream until then.
  c.set(kClientReplica);
  c.repl_wait_since_ms = NowMs();
  c.repl_fullresync_line = psync;
  if (replicas_.empty()) last_replica_ping_ms_ = NowMs();  // first PING one period from now
  replicas_.push_back(&c);
  int64_t delay = 0;
  StringToInt64(config_.GetOne("repl-diskless-sync-delay"), &delay);
  if (!DisklessSync() || delay <= 0) StartFullSyncs();
  return Status::OK();
}

bool Server::DisklessSync() const { return config_.GetOne("repl-diskless-sync") == "yes"; }

void Server::FullSyncCron(int64_t now_ms, bool second) {
  int64_t oldest = 0;
  int64_t waiting = 0;
  for (Client* r : replicas_) {
    if (!r->repl_wait_since_ms) continue;
    waiting++;
    if (!oldest || r->repl_wait_since_ms < oldest) oldest = r->repl_wait_since_ms;
    // Newlines keep the replica's handshake alive while the transfer is delayed.
    if (second) {
      r->out().push_back('\n');
      MarkPendingWrite(r);
    }
  }
  if (!waiting) return;
  // A diskless transfer waits repl-diskless-sync-delay seconds for more replicas to join it,
  // or until repl-diskless-sync-max-replicas of them are waiting.
  int64_t delay = 5, max_replicas = 0;
  StringToInt64(config_.GetOne("repl-diskless-sync-delay"), &delay);
  StringToInt64(config_.GetOne("repl-diskless-sync-max-replicas"), &max_replicas);
  if (now_ms - oldest >= delay * 1000 || (max_replicas > 0 && waiting >= max_replicas)) {
    StartFullSyncs();
  }
}

void Server::StartFullSyncs() {
  std::vector<Client*> waiting;
  for (Client* r : replicas_) {
    if (r->repl_wait_since_ms) waiting.push_back(r);
  }
  if (waiting.empty()) return;
  // One snapshot for every waiting replica: the same a save writes (aux fields with the
  // replication id and offset, function libraries, keys with TTLs and LRU/LFU), in memory.
  RdbWriter w(RdbCompression(*this));
  if (!WriteDataset(*this, w, true, false)) {
    for (Client* r : waiting) {
      r->out().append("-ERR a value type cannot be serialized for replication yet\r\n");
      r->CloseAfterReply();
      MarkPendingWrite(r);
      r->repl_wait_since_ms = 0;
    }
    return;
  }
  spdlog::info("Starting BGSAVE for SYNC with target: {}",
               DisklessSync() ? "replicas sockets" : "disk");
  const std::string& rdb = w.data();
  int64_t now = NowMs();
  for (Client* r : waiting) {
    if (r->repl_fullresync_line) {
      r->out().append(fmt::format("+FULLRESYNC {} {}\r\n", replid_, master_repl_offset_));
    }
    r->out().append("$").append(std::to_string(rdb.size())).append("\r\n");
    r->out().append(rdb);
    r->repl_wait_since_ms = 0;
    r->set(kClientReplicaOnline);
    r->repl_ack_time_ms = now;  // no false lag before its first ACK
    MarkPendingWrite(r);
    spdlog::info("Synchronization with replica {} succeeded",
                 r->conn() ? r->conn()->peer() : std::string("(in-process)"));
  }
  repl_seldb_ = -1;  // the stream starts with a SELECT
}

void Server::TouchWatchedKey(int dbid, std::string_view key) {
  if (watched_keys.empty()) return;
  auto it = watched_keys.find({dbid, std::string(key)});
  if (it == watched_keys.end()) return;
  bool exists = db(dbid).Find(key) != nullptr;
  for (Client* c : it->second) {
    // Deleting a key that was already expired when WATCHed changes nothing logically.
    auto exp = c->watched_expired.find(it->first);
    if (exp != c->watched_expired.end() && !exists) {
      c->watched_expired.erase(exp);
      continue;
    }
    c->set(kClientDirtyCas);
  }
}

void Server::TouchWatchedKeysInDb(int dbid, Db* other) {
  for (auto& [k, clients] : watched_keys) {
    if (k.first != dbid) continue;
    Entry* in_emptied = db(dbid).Find(k.second);
    Entry* in_other = other ? other->Find(k.second) : nullptr;
    if (!in_emptied && !in_other) continue;
    for (Client* c : clients) {
      auto exp = c->watched_expired.find(k);
      if (exp != c->watched_expired.end()) {
        if (!in_other) {  // the expired key is gone: no logical change
          c->watched_expired.erase(exp);
          continue;
        }
        if (IsExpired(*other, in_other)) continue;  // still (another) expired key
      } else if (!in_emptied && IsExpired(*other, in_other)) {
        c->watched_expired.insert(k);  // a missing key replaced by an expired one
        continue;
      }
      c->set(kClientDirtyCas);
    }
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
  c.watched_expired.clear();
  c.clear(kClientDirtyCas);
}

}  // namespace ember

namespace ember {
namespace {

void CmdSync(Client& c, CmdArgs args) {
  Server& s = c.server();
  bool psync = EqualsIgnoreCase(args[0], "psync");
  if (c.has(kClientReplica)) return;  // already attached: ignore, as Redis does
  if (c.has(kClientMulti)) {
    c.reply().Error("Replica can't interact with the keyspace");
    return;
  }
  if (s.is_replica() && s.replica_link().state() != ReplicaLink::State::kConnected) {
    c.reply().Error("-NOMASTERLINK Can't SYNC while not connected with my master");
    return;
  }
  if (psync) {
    int64_t offset = 0;
    if (!ParseInt64Arg(c, args[2], &offset)) return;
    if (s.TryPartialResync(c, args[1], offset)) return;
    if (args[1] != "?") s.stats().sync_partial_err++;
  }
  Status st = s.AttachReplica(c, psync);
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
      // Acknowledgements get no reply.
      int64_t off = 0;
      if (c.has(kClientReplica) && EqualsIgnoreCase(opt, "ack") &&
          StringToInt64(args[i + 1], &off)) {
        c.server().ReplicaAcked(c, off);
      }
      return;
    }
    if (EqualsIgnoreCase(opt, "getack")) {
      // Only the master asks; the answer goes straight to it.
      if (c.has(kClientMaster)) c.server().replica_link().SendAck();
      return;
    }
    if (EqualsIgnoreCase(opt, "capa")) {
      if (EqualsIgnoreCase(args[i + 1], "psync2")) c.repl_capa_psync2 = true;
      continue;
    }
    if (EqualsIgnoreCase(opt, "listening-port")) {
      int64_t port = 0;
      if (!StringToInt64(args[i + 1], &port)) {
        c.reply().Error(err::kNotInt);
        return;
      }
      c.repl_listening_port = port;
      continue;
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

void CmdReplicaof(Client& c, CmdArgs args) {
  Server& s = c.server();
  if (EqualsIgnoreCase(args[1], "no") && EqualsIgnoreCase(args[2], "one")) {
    s.ReplicaOfNoOne(&c);
    c.reply().Ok();
    return;
  }
  if (c.has(kClientReplica)) {
    c.reply().Error("Command is not valid when client is a replica.");
    return;
  }
  int64_t port = 0;
  if (!StringToInt64(args[2], &port) || port < 0 || port > 65535) {
    c.reply().Error("Invalid master port");
    return;
  }
  ReplicaLink& link = s.replica_link();
  if (link.active() && EqualsIgnoreCase(link.host(), args[1]) && link.port() == port) {
    spdlog::info(
        "REPLICAOF would result into synchronization with the master we are already connected "
        "with. No operation performed.");
    c.reply().SimpleString("OK Already connected to specified master");
    return;
  }
  s.ReplicaOf(std::string(args[1]), int(port), &c);
  c.reply().Ok();
}

void CmdRole(Client& c, CmdArgs) {
  Server& s = c.server();
  ReplyBuilder& r = c.reply();
  if (!s.is_replica()) {
    r.ArrayHeader(int64_t(3));
    r.Bulk("master");
    r.Integer(s.master_repl_offset());
    size_t online = 0;
    for (Client* rc : s.replicas()) online += rc->has(kClientReplicaOnline) ? 1 : 0;
    r.ArrayHeader(int64_t(online));
    for (Client* rc : s.replicas()) {
      if (!rc->has(kClientReplicaOnline)) continue;
      std::string peer = rc->conn() ? rc->conn()->peer() : std::string("?:0");
      r.ArrayHeader(int64_t(3));
      r.Bulk(peer.substr(0, peer.rfind(':')));
      r.Bulk(std::to_string(rc->repl_listening_port));
      r.Bulk(std::to_string(rc->repl_ack_off));
    }
    return;
  }
  ReplicaLink& link = s.replica_link();
  r.ArrayHeader(int64_t(5));
  r.Bulk("slave");
  r.Bulk(link.host());
  r.Integer(link.port());
  r.Bulk(link.RoleState());
  r.Integer(link.master() ? s.master_repl_offset() : -1);
}

void CmdWait(Client& c, CmdArgs args) {
  Server& s = c.server();
  if (s.is_replica()) {
    c.reply().Error(
        "WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a "
        "replica is configured to be writable (which is not the default) writes to replicas "
        "are just local and are not propagated.");
    return;
  }
  int64_t numreplicas = 0, timeout = 0;
  if (!ParseInt64Arg(c, args[1], &numreplicas)) return;
  if (!StringToInt64(args[2], &timeout)) {
    c.reply().Error("timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    c.reply().Error("timeout is negative");
    return;
  }
  s.WaitForReplicas(c, numreplicas, timeout ? NowMs() + timeout : 0);
}

}  // namespace

void RegisterReplicationFamily(CommandTable* t) {
  t->Register("replicaof", CmdReplicaof);
  t->Register("slaveof", CmdReplicaof);
  t->Register("role", CmdRole);
  t->Register("wait", CmdWait);
  t->Register("sync", CmdSync);
  t->Register("psync", CmdSync);
  t->Register("replconf", CmdReplconf);
}

}  // namespace ember
