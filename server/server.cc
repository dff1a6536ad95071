#include "server/server.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <fstream>

#include "common/storage/lru.h"
#include "common/util/clock.h"
#include "common/util/cpus.h"
#include "common/util/hash.h"
#include "common/util/log.h"
#include "common/util/memory.h"
#include "common/util/strings.h"
#include "server/acl.h"
#include "server/evict.h"
#include "server/families/families.h"
#include "server/persistence.h"
#include "server/pubsub.h"

namespace ember {
namespace {

constexpr std::string_view kProtectedModeError =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from "
    "the loopback interface. If you want to connect from external computers to Redis you may "
    "adopt one of the following solutions: 1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
    "the same host the server is running, however MAKE SURE Redis is not publicly accessible "
    "from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    "Alternatively you can just disable the protected mode by editing the Redis configuration "
    "file, and setting the protected mode option to 'no', and then restarting the server. 3) "
    "If you started the server manually just for testing, restart it with the "
    "'--protected-mode no' option. 4) Setup a an authentication password for the default "
    "user. NOTE: You only need to do one of the above things in order for the server to start "
    "accepting connections from the outside.\r\n";

// Active expiry tuning, as Redis's defaults (scaled by active-expire-effort).
constexpr int kExpireKeysPerLoop = 20;
constexpr int kExpireFastDurationUs = 1000;
constexpr int kExpireSlowTimePerc = 25;
constexpr int kExpireAcceptableStale = 10;

std::string RandomHex(size_t n) {
  static const char* hex = "0123456789abcdef";
  std::random_device rd;
  std::string s(n, '0');
  for (auto& ch : s) ch = hex[rd() & 15];
  return s;
}

struct ListenerData {
  Server* server;
  bool unix_socket;
};

}  // namespace

Server::Server(uv_loop_t* loop) : loop_(loop), rng_(std::random_device{}()) {
  acl_ = std::make_unique<Acl>(this);
  run_id = RandomHex(40);
  ChangeReplicationId();
  std::random_device rd;
  SetHashSeed((uint64_t(rd()) << 32) | rd());
  stats_.start_time_ms = NowMs();
  lastsave_s = NowMs() / 1000;
  aof_ = std::make_unique<AppendOnlyFile>(*this);
  replica_link_ = std::make_unique<ReplicaLink>(*this);
}

Server::~Server() {
  UninstallExpandCheck(*this);
  std::vector<Client*> all;
  for (auto& [id, c] : clients_) all.push_back(c);
  for (Client* c : all) FreeClient(c);
  FreeClosingClients();
}

void Server::Init() {
  dbs_.clear();
  blocking_ = std::make_unique<BlockingKeys>(this);
  lazyfree_ = std::make_unique<LazyFree>();
  for (int i = 0; i < int(config_.databases); i++) {
    dbs_.push_back(std::make_unique<Db>(i));
    // As Redis's dbAdd: every new key (SET, LPUSH, RENAME, MOVE, COPY, SORT STORE...) gets a
    // "new" event and may be one a client is blocked on.
    dbs_.back()->set_key_added_hook(
        [](void* ctx, int db, std::string_view key) {
          auto* s = static_cast<Server*>(ctx);
          if (!s->loading) s->NotifyKeyspaceEvent(kNotifyNew, "new", key, db);
          s->blocking().SignalKeyReady(db, key);
        },
        this);
  }
  RegisterAllCommands(&commands_);
  for (const auto& [from, to] : config_.renamed_commands()) {
    std::string err;
    if (!commands_.Rename(from, to, &err)) {
      fprintf(stderr,
              "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
              ">>> 'rename-command \"%s\" \"%s\"'\n%s\n",
              from.c_str(), to.c_str(), err.c_str());
      exit(1);
    }
  }
  InitAcl();
  InitPersistence(*this);
  ApplyConfig();
  ApplyOomScoreAdj(OomClass::kCurrentRole);
  aof_->SetInitialState(config_.GetOne("appendonly") == "yes");
  aof_->ReloadSettings();
  for (const char* name : {"appendfsync", "aof-timestamp-enabled", "no-appendfsync-on-rewrite"}) {
    config_.OnApply(name, [this] {
      aof_->ReloadSettings();
      return Status::OK();
    });
  }
  // Listeners move at once; on failure CONFIG SET rolls the values back.
  config_.OnApply("port", [this] {
    if (int(config_.port) == listening_port) return Status::OK();
    if (!RebindTcp(int(config_.port), false).ok()) {
      return Status::IOError("Unable to listen on this port. Check server logs.");
    }
    return Status::OK();
  });
  config_.OnApply("bind", [this] {
    if (!RebindTcp(listening_port, true).ok()) {
      return Status::IOError("Failed to bind to specified addresses.");
    }
    return Status::OK();
  });
  // Turning the AOF's automatic garbage collection back on removes the history kept so far.
  config_.OnApply("aof-disable-auto-gc", [this] {
    if (config_.GetOne("aof-disable-auto-gc") == "no") aof_->DeleteHistoryFiles();
    return Status::OK();
  });
  config_.OnApply("appendonly", [this] {
    if (config_.GetOne("appendonly") == "yes") return aof_->Start();
    aof_->Stop();
    return Status::OK();
  });
  for (const char* name : {"oom-score-adj", "oom-score-adj-values"}) {
    config_.OnApply(name, [this] {
      if (!ApplyOomScoreAdj(OomClass::kCurrentRole)) {
        return Status::IOError("Failed to set current oom_score_adj. Check server logs.");
      }
      return Status::OK();
    });
  }
  config_.OnApply("maxmemory-policy", [this] {
    ApplyConfig();
    return Status::OK();
  });
  config_.OnApply("lfu-log-factor", [this] {
    ApplyConfig();
    return Status::OK();
  });
  config_.OnApply("lfu-decay-time", [this] {
    ApplyConfig();
    return Status::OK();
  });

  uv_timer_init(loop_, &cron_timer_);
  cron_timer_.data = this;
  uv_prepare_init(loop_, &before_sleep_);
  before_sleep_.data = this;
  uv_idle_init(loop_, &evict_idle_);
  uv_idle_init(loop_, &poll_idle_);
  InstallExpandCheck(*this);
  evict_idle_.data = this;
}

void Server::InitAcl() {
  acl_->Init();
  acl_->UpdateDefaultUserPassword(config_.requirepass);
  config_.OnApply("requirepass", [this] {
    acl_->UpdateDefaultUserPassword(config_.requirepass);
    return Status::OK();
  });
  config_.SetUserLinesProvider([this] { return acl_->ConfigLines(); });
  Status st = acl_->LoadAtStartup();
  if (!st.ok()) {
    spdlog::warn("{}", st.message());
    if (st.message().rfind("Aborting", 0) != 0) {
      spdlog::warn("Critical error while loading ACLs. Exiting.");
    }
    spdlog::shutdown();
    exit(1);
  }
}

void Server::ApplyConfig() {
  AccessPolicy& p = GetAccessPolicy();
  p.lfu = config_.maxmemory_policy.find("lfu") != std::string::npos;
  p.lfu_log_factor = int(config_.lfu_log_factor);
  p.lfu_decay_time = int(config_.lfu_decay_time);
}

namespace {
void CloseTcpListener(uv_stream_t* l) {
  uv_close(reinterpret_cast<uv_handle_t*>(l), [](uv_handle_t* h) {
    delete static_cast<ListenerData*>(h->data);
    delete reinterpret_cast<uv_tcp_t*>(h);
  });
}
}  // namespace

Status Server::ListenTcp(int port, std::vector<uv_stream_t*>* out) {
  auto close_all = [](std::vector<uv_stream_t*>& v) {
    for (uv_stream_t* l : v) CloseTcpListener(l);
    v.clear();
  };
  for (const std::string& raw : config_.bind) {
    bool optional = !raw.empty() && raw[0] == '-';
    std::string addr = optional ? raw.substr(1) : raw;
    if (addr == "*") addr = "0.0.0.0";
    if (addr == "::*") addr = "::";
    sockaddr_storage ss;
    int rc;
    if (addr.find(':') != std::string::npos) {
      rc = uv_ip6_addr(addr.c_str(), port, reinterpret_cast<sockaddr_in6*>(&ss));
    } else {
      rc = uv_ip4_addr(addr.c_str(), port, reinterpret_cast<sockaddr_in*>(&ss));
    }
    auto* tcp = new uv_tcp_t;
    uv_tcp_init(loop_, tcp);
    tcp->data = new ListenerData{this, false};
    unsigned flags = addr.find(':') != std::string::npos ? UV_TCP_IPV6ONLY : 0;
    if (rc == 0) rc = uv_tcp_bind(tcp, reinterpret_cast<sockaddr*>(&ss), flags);
    if (rc == 0) {
      rc =
          uv_listen(reinterpret_cast<uv_stream_t*>(tcp), int(config_.tcp_backlog), OnNewConnection);
    }
    if (rc != 0) {
      CloseTcpListener(reinterpret_cast<uv_stream_t*>(tcp));
      if (optional && (rc == UV_EADDRNOTAVAIL || rc == UV_EAFNOSUPPORT)) continue;
      std::string error = fmt::format("Could not create server TCP listening socket {}:{}: {}", raw,
                                      port, uv_strerror(rc));
      spdlog::warn("Warning: {}", error);
      close_all(*out);
      return Status::IOError(error);
    }
    out->push_back(reinterpret_cast<uv_stream_t*>(tcp));
  }
  return Status::OK();
}

Status Server::RebindTcp(int port, bool close_first) {
  // Closes the TCP listeners (the Unix socket stays).
  auto close_old = [this] {
    std::vector<uv_stream_t*> keep;
    for (uv_stream_t* l : listeners_) {
      if (l->type == UV_TCP) {
        CloseTcpListener(l);
      } else {
        keep.push_back(l);
      }
    }
    listeners_.swap(keep);
  };
  // Same port, other addresses: the old sockets must go first (the rollback rebinds them).
  if (close_first) close_old();
  std::vector<uv_stream_t*> fresh;
  if (port != 0) {
    Status st = ListenTcp(port, &fresh);
    if (!st.ok()) return st;
  }
  close_old();  // the new sockets are up
  listeners_.insert(listeners_.end(), fresh.begin(), fresh.end());
  listening_port = port;
  return Status::OK();
}

Status Server::Listen() {
  int bound = 0;
  std::string last_error;
  if (config_.port != 0) {
    std::vector<uv_stream_t*> tcp;
    Status st = ListenTcp(int(config_.port), &tcp);
    if (!st.ok()) return st;
    bound += int(tcp.size());
    listeners_.insert(listeners_.end(), tcp.begin(), tcp.end());
  }
  if (!config_.unixsocket.empty()) {
    unlink(config_.unixsocket.c_str());
    auto* pipe = new uv_pipe_t;
    uv_pipe_init(loop_, pipe, 0);
    pipe->data = new ListenerData{this, true};
    int rc = uv_pipe_bind(pipe, config_.unixsocket.c_str());
    if (rc == 0) {
      rc = uv_listen(reinterpret_cast<uv_stream_t*>(pipe), int(config_.tcp_backlog),
                     OnNewConnection);
    }
    if (rc != 0) {
      last_error = fmt::format("Failed opening Unix socket: {}", uv_strerror(rc));
      spdlog::warn("{}", last_error);
      return Status::IOError(last_error);
    }
    if (config_.unixsocketperm) chmod(config_.unixsocket.c_str(), mode_t(config_.unixsocketperm));
    listeners_.push_back(reinterpret_cast<uv_stream_t*>(pipe));
    bound++;
  }
  if (bound == 0 && config_.port != 0) {
    return Status::IOError("Failed listening on port " + std::to_string(config_.port));
  }
  listening_port = int(config_.port);
  return Status::OK();
}

void Server::Run() {
  uint64_t period = 1000 / uint64_t(std::max<int64_t>(1, config_.hz));
  uv_timer_start(&cron_timer_, OnCron, period, period);
  uv_prepare_start(&before_sleep_, OnBeforeSleep);
  uv_run(loop_, UV_RUN_DEFAULT);
}

void Server::LoadingAdvance(uint64_t loaded_bytes) {
  LoadingProgress& p = loading_progress;
  p.loaded_bytes = loaded_bytes;
  if (!serve_while_loading) return;
  int64_t interval = 2 * 1024 * 1024;
  StringToInt64(config_.GetOne("loading-process-events-interval-bytes"), &interval);
  if (loaded_bytes >= p.last_events_bytes &&
      loaded_bytes - p.last_events_bytes < uint64_t(interval)) {
    return;
  }
  p.last_events_bytes = loaded_bytes;
  // SIGTERM during the load: exit without saving the half-loaded dataset.
  if (ShutdownRequestedWhileLoading()) ExitAfterShutdown();
  // Accept, read and answer what arrived; replies go out at once (the prepare hook that
  // normally flushes them does not run before the loop starts).
  uv_run(loop_, UV_RUN_NOWAIT);
  FlushPendingWrites();
  FreeClosingClients();
}

EvictResult Server::Evict() {
  EvictResult r = PerformEvictions(*this);
  bool running = r == EvictResult::kRunning;
  if (running != evict_idle_active_ && evict_idle_.loop) {
    evict_idle_active_ = running;
    if (running) {
      uv_idle_start(&evict_idle_, [](uv_idle_t* h) {
        auto* s = static_cast<Server*>(h->data);
        (void)s->Evict();
      });
    } else {
      uv_idle_stop(&evict_idle_);
    }
  }
  return r;
}

void Server::CloseHandles() {
  auto close = [](uv_handle_t* h) {
    if (h->loop && !uv_is_closing(h)) uv_close(h, nullptr);
  };
  close(reinterpret_cast<uv_handle_t*>(&cron_timer_));
  close(reinterpret_cast<uv_handle_t*>(&before_sleep_));
  close(reinterpret_cast<uv_handle_t*>(&evict_idle_));
  close(reinterpret_cast<uv_handle_t*>(&poll_idle_));
  for (uv_stream_t* l : listeners_) {
    uv_close(reinterpret_cast<uv_handle_t*>(l), [](uv_handle_t* h) {
      delete static_cast<ListenerData*>(h->data);
      if (h->type == UV_NAMED_PIPE) {
        delete reinterpret_cast<uv_pipe_t*>(h);
      } else {
        delete reinterpret_cast<uv_tcp_t*>(h);
      }
    });
  }
  listeners_.clear();
}

void Server::RequestShutdown() {
  shutdown_ = true;
  uv_stop(loop_);
}

void Server::OnNewConnection(uv_stream_t* listener, int status) noexcept {
  if (status < 0) return;
  auto* d = static_cast<ListenerData*>(listener->data);
  d->server->AcceptClient(listener, d->unix_socket);
}

void Server::AcceptClient(uv_stream_t* listener, bool unix_socket) {
  Connection* conn = Connection::Accept(listener, unix_socket);
  if (!conn) return;
  stats_.connections_received++;
  if (clients_.size() >= size_t(config_.maxclients)) {
    conn->Write("-ERR max number of clients reached\r\n");
    conn->Close(true);
    stats_.rejected_connections++;
    return;
  }
  if (config_.protected_mode && acl_->default_user()->nopass && !conn->is_loopback()) {
    conn->Write(kProtectedModeError);
    conn->Close(true);
    stats_.rejected_connections++;
    return;
  }
  conn->SetNoDelay();
  conn->SetKeepAlive(int(config_.tcp_keepalive));
  Client* c = CreateClient(conn);
  conn->StartReading();
  (void)c;
}

Client* Server::CreateClient(Connection* conn) {
  auto* c = new Client(this, conn, next_client_id_++);
  acl_->InitClient(*c);
  clients_[c->id()] = c;
  return c;
}

void Server::FreeClient(Client* c) {
  if (current_client_ == c) current_client_ = nullptr;
  UnwatchAll(*c);
  PubsubUnsubscribeAll(*c);
  if (blocking_) blocking_->Unblock(*c);
  if (replica_link_) replica_link_->OnMasterFreed(c);
  waiters_.erase(
      std::remove_if(waiters_.begin(), waiters_.end(), [c](const Waiter& w) { return w.c == c; }),
      waiters_.end());
  waiters_resumed_.erase(std::remove(waiters_resumed_.begin(), waiters_resumed_.end(), c),
                         waiters_resumed_.end());
  replicas_.erase(std::remove(replicas_.begin(), replicas_.end(), c), replicas_.end());
  if (c->has(kClientReplica) && replicas_.empty()) no_replicas_since_ms_ = NowMs();
  closing_.erase(std::remove(closing_.begin(), closing_.end(), c), closing_.end());
  clients_.erase(c->id());
  monitors.erase(std::remove(monitors.begin(), monitors.end(), c), monitors.end());
  pending_writes_.erase(std::remove(pending_writes_.begin(), pending_writes_.end(), c),
                        pending_writes_.end());
  shutdown_waiters_.erase(std::remove(shutdown_waiters_.begin(), shutdown_waiters_.end(), c),
                          shutdown_waiters_.end());
  delete c;
}

void Server::FreeClientAsync(Client* c) {
  if (std::find(closing_.begin(), closing_.end(), c) != closing_.end()) return;
  c->set(kClientCloseAsap);
  if (c->conn()) c->conn()->StopReading();
  closing_.push_back(c);
}

void Server::FreeClosingClients() {
  while (!closing_.empty()) {
    std::vector<Client*> batch;
    batch.swap(closing_);
    for (Client* c : batch) FreeClient(c);
  }
}

bool Server::OutputBufferLimitReached(Client& c) {
  if (!c.conn() || c.has(kClientCloseAsap) || c.has(kClientMaster)) return false;
  int cls = 0;  // normal
  if (c.has(kClientReplica) && !c.has(kClientMonitor)) {
    cls = 1;
  } else if (c.has(kClientPubsub)) {
    cls = 2;
  }
  const ClientBufferLimit& l = config_.obuf_limits[cls];
  if (l.hard == 0 && l.soft == 0) return false;
  uint64_t used = c.output_bytes() + c.stream_out.size();
  int64_t hard_bytes = l.hard;
  // A replica may always hold a backlog's worth.
  int64_t backlog = 1024 * 1024;
  StringToInt64(config_.GetOne("repl-backlog-size"), &backlog);
  if (cls == 1 && hard_bytes && hard_bytes < backlog) hard_bytes = backlog;
  bool hard = hard_bytes && used >= uint64_t(hard_bytes);
  bool soft = l.soft && used >= uint64_t(l.soft);
  int64_t now_s = NowMs() / 1000;
  if (soft) {
    if (c.soft_limit_since_ms == 0) {
      c.soft_limit_since_ms = now_s * 1000;
      soft = false;  // first time over the soft limit
    } else if (now_s - c.soft_limit_since_ms / 1000 <= l.soft_seconds) {
      soft = false;
    }
  } else {
    c.soft_limit_since_ms = 0;
  }
  if (!soft && !hard) return false;
  spdlog::warn("Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
               ClientInfoLine(c));
  stats_.client_outbuf_limit_disconnections++;
  std::string().swap(c.out());  // nothing more goes to this client
  c.stream_out.clear();
  c.CloseAsap();
  return true;
}

void Server::MarkPendingWrite(Client* c) {
  if (OutputBufferLimitReached(*c)) return;
  if (c->has(kClientPendingWrite)) return;
  c->set(kClientPendingWrite);
  pending_writes_.push_back(c);
}

void Server::FlushPendingWrites() {
  // A flush can mark more clients (a replica's ACK releasing WAIT): they go in the next round.
  // The two vectors trade places so neither gives up its capacity.
  flushing_.swap(pending_writes_);
  for (Client* c : flushing_) {
    if (c->has(kClientCloseAsap)) continue;
    c->Flush();
  }
  flushing_.clear();
}

void Server::OnBeforeSleep(uv_prepare_t* p) noexcept {
  auto* s = static_cast<Server*>(p->data);
  if (s->active_expire_enabled && !s->is_replica() && !s->ClientsArePaused()) {
    s->ActiveExpireCycle(true);
  }
  s->ResumeWaiters();
  // The AOF is written (and with appendfsync always, synced) before any reply goes out.
  if (s->aof_->state() != AppendOnlyFile::State::kOff) s->aof_->Flush(false);
  s->FlushPendingWrites();
  s->FreeClosingClients();
  s->UpdateBusyPoll();
}

void Server::BacklogCron(int64_t now_ms) {
  if (!backlog_) return;
  int64_t size = 1024 * 1024, ttl = 3600;
  StringToInt64(config_.GetOne("repl-backlog-size"), &size);
  StringToInt64(config_.GetOne("repl-backlog-ttl"), &ttl);
  if (size_t(size) != backlog_->capacity()) backlog_->Resize(size_t(size));
  // A master left without replicas for repl-backlog-ttl seconds drops the backlog, and with
  // it the history: the next replica starts a new one.
  if (!is_replica() && replicas_.empty() && ttl > 0 && no_replicas_since_ms_ > 0 &&
      now_ms - no_replicas_since_ms_ >= ttl * 1000) {
    ChangeReplicationId();
    ClearReplicationId2();
    backlog_.reset();
    spdlog::info("Replication backlog freed after {} seconds without connected replicas.", ttl);
  }
}

void Server::UpdateBusyPoll() {
  // An active idle handle makes libuv poll with a zero timeout instead of sleeping.
  bool poll = busy_poll_.ShouldPoll(stats_.commands_processed, MonotonicUs());
  if (poll == polling_) return;
  polling_ = poll;
  if (poll) {
    uv_idle_start(&poll_idle_, [](uv_idle_t*) {});
  } else {
    uv_idle_stop(&poll_idle_);
  }
}

void Server::OnCron(uv_timer_t* t) noexcept { static_cast<Server*>(t->data)->Cron(); }

void Server::Cron() {
  if (pause_cron) return;
  cron_loops_++;
  ShutdownCron();
  int64_t now = NowMs();
  if (pause_end_ms && now >= pause_end_ms) UnpauseClients();
  blocking_->HandleTimeouts(now);
  // Replicas learn the master is alive from a periodic PING in the stream.
  if (!replicas_.empty() && config_.repl_ping_replica_period > 0 &&
      now - last_replica_ping_ms_ >= config_.repl_ping_replica_period * 1000) {
    last_replica_ping_ms_ = now;
    FeedReplicationStream(-1, {"PING"});
  }
  ClientsCron();
  // Polling only pays when the loop has a CPU to itself: with one CPU (or a quota of less
  // than two) it would take the time the clients on the same CPU need. Checked each second,
  // as the affinity or the cgroup quota can change under a running server.
  if (now / 1000 != busy_poll_checked_s_) {
    busy_poll_checked_s_ = now / 1000;
    busy_poll_cpus_ok_ = AvailableCpus() >= 2;
  }
  busy_poll_.set_window(busy_poll_cpus_ok_ ? config_.busy_poll_usec : 0);
  PersistenceCron(*this);  // BGSAVE child, save points
  aof_->Cron();            // rewrite child, automatic rewrites, postponed flushes
  FullSyncCron(now, now / 1000 != last_replication_cron_s_);
  if (now / 1000 != last_replication_cron_s_) {
    last_replication_cron_s_ = now / 1000;
    replica_link_->Cron();
    BacklogCron(now);
  }
  ServeWaiters();
  if (is_replica()) ExpireReplicaKeys();
  if (active_expire_enabled && !is_replica() && !ClientsArePaused()) ActiveExpireCycle(false);
  for (auto& db : dbs_) {
    db->ShrinkIfNeeded();
    if (config_.activerehashing) db->RehashSome(1000);
  }
  FreeClosingClients();
}

void Server::ClientsCron() {
  int64_t now = NowMs();
  std::vector<Client*> to_close;
  for (auto& [id, c] : clients_) {
    if (config_.timeout > 0 && !c->has(kClientMaster) && !c->has(kClientReplica) &&
        !c->has(kClientBlocked) && !c->has(kClientPubsub) &&
        now - c->last_interaction_ms > config_.timeout * 1000) {
      to_close.push_back(c);
      continue;
    }
    // A soft output limit can expire while nothing new is written to the client.
    if (c->output_bytes() > 0 && OutputBufferLimitReached(*c)) continue;
    // Query buffers are given back after 2 idle seconds, or shrunk to recent use.
    c->ShrinkQueryBuffer(now - c->last_interaction_ms > 2000);
    c->ResizeReplyBuffer(now, reply_buffer_peak_reset_ms, reply_buffer_resizing);
    // Paused clients retry their pending request.
    if (c->has(kClientInPause) && !ClientsArePaused()) {
      c->clear(kClientInPause);
      c->ProcessInput();
      MarkPendingWrite(c);
    }
  }
  for (Client* c : to_close) {
    spdlog::debug("Closing idle client");
    FreeClientAsync(c);
  }
}

bool Server::ApplyOomScoreAdj(OomClass cls) {
  // The score the process had before Ember first changed it: "relative" adds to it, and
  // turning oom-score-adj off restores it.
  static bool adjusted = false;
  static int base = 0;
  int value;
  std::string mode = config_.GetOne("oom-score-adj");
  if (mode != "no") {
    if (!adjusted) {
      std::ifstream in("/proc/self/oom_score_adj");
      if (!(in >> base)) {
        spdlog::warn("Unable to read oom_score_adj: {}", strerror(errno));
        return false;
      }
      adjusted = true;
    }
    std::vector<std::string> values;
    SplitArgs(config_.GetOne("oom-score-adj-values"), &values);
    if (cls == OomClass::kCurrentRole) cls = is_replica() ? OomClass::kReplica : OomClass::kMaster;
    size_t i = size_t(cls);
    value = i < values.size() ? std::atoi(values[i].c_str()) : 0;
    if (mode != "absolute") value += base;
    value = std::clamp(value, -1000, 1000);
  } else if (adjusted) {
    adjusted = false;
    value = base;
  } else {
    return true;
  }
  std::ofstream out("/proc/self/oom_score_adj");
  out << value << "\n";
  out.flush();
  if (!out) {
    spdlog::warn("Unable to write oom_score_adj: {}", strerror(errno));
    return false;
  }
  return true;
}

void Server::SetupForkedChild() {
  signal(SIGUSR1, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  SetLogRole('C');
  ApplyOomScoreAdj(OomClass::kBackgroundChild);
}

void Server::UnpauseClients() {
  pause_end_ms = 0;
  RetryPausedClients();
}

void Server::RetryPausedClients() {
  std::vector<Client*> paused;
  for (auto& [id, c] : clients_) {
    if (c->has(kClientInPause)) paused.push_back(c);
  }
  for (Client* c : paused) {
    c->clear(kClientInPause);
    c->ProcessInput();
    MarkPendingWrite(c);
  }
}

bool Server::ClientsArePaused() const {
  return shutdown_initiated() || (pause_end_ms && NowMs() < pause_end_ms);
}

bool Server::PauseHolds(uint64_t cmd_flags) const {
  bool by_command = pause_end_ms && NowMs() < pause_end_ms;
  if (!by_command && !shutdown_initiated()) return false;
  // The strictest pause wins; waiting for replicas to shut down pauses writes.
  if (by_command && !pause_write_only) return true;
  // WRITE pause: writes and commands that may replicate (EVAL without flags, PUBLISH...).
  return (cmd_flags & (kCmdWrite | kCmdMayReplicate)) != 0;
}

size_t Server::blocked_clients() const {
  // Clients holding a request back during CLIENT PAUSE count too (Redis's postponed clients).
  size_t paused = 0;
  for (const auto& [id, c] : clients_) paused += c->has(kClientInPause) ? 1 : 0;
  return blocking_->blocked_clients() + waiters_.size() + shutdown_waiters_.size() + paused;
}

void Server::ActiveExpireCycle(bool fast) {
  int effort = int(config_.active_expire_effort) - 1;  // 0..9
  int keys_per_loop = kExpireKeysPerLoop + kExpireKeysPerLoop / 4 * effort;
  int64_t fast_duration = kExpireFastDurationUs + kExpireFastDurationUs / 4 * effort;
  int slow_perc = kExpireSlowTimePerc + 2 * effort;
  int acceptable_stale = kExpireAcceptableStale - effort;

  static int64_t last_fast_start = 0;
  int64_t start = MonotonicUs();
  if (fast) {
    // Only when the slow cycle left work, and not more often than twice its duration.
    if (stats_.expired_stale_perc < uint64_t(acceptable_stale)) return;
    if (start < last_fast_start + fast_duration * 2) return;
    last_fast_start = start;
  }
  int64_t limit_us = fast ? fast_duration : 1000000 * slow_perc / config_.hz / 100;
  if (limit_us <= 0) limit_us = 1;

  int dbs_per_call = std::min<int>(16, int(dbs_.size()));
  uint64_t total_sampled = 0, total_expired = 0;
  bool timelimit_exit = false;
  int64_t now_ms = NowMs();
  for (int j = 0; j < dbs_per_call && !timelimit_exit; j++) {
    Db& db = *dbs_[size_t(active_expire_db_ % int(dbs_.size()))];
    active_expire_db_++;
    int iteration = 0;
    while (true) {
      size_t num = db.expires_size();
      if (num == 0) {
        db.avg_ttl_ms = 0;
        break;
      }
      if (num > size_t(keys_per_loop)) num = size_t(keys_per_loop);
      uint64_t sampled = 0, expired = 0;
      int64_t ttl_sum = 0, ttl_samples = 0;
      size_t max_buckets = num * 20, checked_buckets = 0;
      std::vector<std::string> dead;
      while (sampled < num && checked_buckets < max_buckets) {
        db.expire_cursor = db.expires().Scan(db.expire_cursor, [&](ExpireNode* n) {
          sampled++;
          int64_t ttl = n->when_ms - now_ms;
          if (ttl <= 0) {
            dead.emplace_back(n->entry->key());
          } else {
            ttl_sum += ttl;
            ttl_samples++;
          }
        });
        checked_buckets++;
        if (db.expire_cursor == 0) break;
      }
      for (const auto& k : dead) {
        if (DeleteKey(db, k)) {
          expired++;
          stats_.expired_keys++;
          NotifyKeyspaceEvent(kNotifyExpired, "expired", k, db.id());
          AlsoPropagate(db.id(), {config_.lazyfree_lazy_expire ? "UNLINK" : "DEL", k});
        }
      }
      total_expired += expired;
      total_sampled += sampled;
      if (ttl_samples) {
        int64_t avg = ttl_sum / ttl_samples;
        db.avg_ttl_ms = db.avg_ttl_ms ? (db.avg_ttl_ms / 50) * 49 + avg / 50 : avg;
      }
      if ((++iteration & 0xf) == 0 && MonotonicUs() - start > limit_us) {
        timelimit_exit = true;
        stats_.expired_time_cap_reached++;
        break;
      }
      if (sampled == 0 || expired * 100 / sampled <= uint64_t(acceptable_stale)) break;
    }
  }
  double perc = total_sampled ? double(total_expired) / double(total_sampled) * 100 : 0;
  stats_.expired_stale_perc = uint64_t(perc * 0.05 + double(stats_.expired_stale_perc) * 0.95);
  LatencyAddSampleIfNeeded("expire-cycle", (MonotonicUs() - start) / 1000);
}

bool Server::IsExpired(Db& db, const Entry* e) {
  if (!e->has_expire()) return false;
  if (loading) return false;
  int64_t when = db.GetExpire(e);
  if (when < 0) return false;
  int64_t now = cmd_time_ms_ ? cmd_time_ms_ : NowMs();
  return now > when;
}

bool Server::ExpireIfNeeded(Db& db, Entry* e, bool force_delete) {
  if (!IsExpired(db, e)) return false;
  if (is_replica()) {
    // The master decides: its DEL arrives in the stream. Until then the key reads as gone.
    if (current_client_ && current_client_->has(kClientMaster)) return false;
    if (!force_delete) return true;
  }
  // During a pause the dataset stays as it is: the key only reads as gone.
  if (ClientsArePaused()) return true;
  std::string key(e->key());
  DeleteKey(db, key, config_.lazyfree_lazy_expire);
  stats_.expired_keys++;
  NotifyKeyspaceEvent(kNotifyExpired, "expired", key, db.id());
  AlsoPropagate(db.id(), {config_.lazyfree_lazy_expire ? "UNLINK" : "DEL", key});
  return true;
}

Entry* Server::LookupReadIn(Db& db, std::string_view key) {
  Entry* e = db.Find(key);
  if (!e) return nullptr;
  if (ExpireIfNeeded(db, e)) return nullptr;
  return e;
}

Entry* Server::LookupRead(Client& c, std::string_view key) {
  Entry* e = LookupReadIn(c.db(), key);
  if (!e) {
    stats_.keyspace_misses++;
    return nullptr;
  }
  stats_.keyspace_hits++;
  TouchEntry(e);
  return e;
}

Entry* Server::LookupWrite(Client& c, std::string_view key) {
  Entry* e = c.db().Find(key);
  if (e && ExpireIfNeeded(c.db(), e, true)) e = nullptr;
  if (e) TouchEntry(e);
  return e;
}

void Server::SignalModifiedKey(Db& db, std::string_view key) {
  TouchWatchedKey(db.id(), key);
  // Clients blocked on the key re-check it (a deleted stream answers XREADGROUP waiters).
  blocking_->SignalKeyReady(db.id(), key);
}

void Server::NotifyKeyspaceEvent(int type, std::string_view event, std::string_view key, int dbid) {
  PubsubNotifyKeyspaceEvent(*this, type, event, key, dbid);
}

bool Server::DeleteKey(Db& db, std::string_view key, bool lazy) {
  if (!lazy) {
    if (!db.Delete(key)) return false;
  } else {
    int64_t when;
    Entry* e = db.Detach(key, &when);
    if (!e) return false;
    lazyfree_->Free(e);
  }
  SignalModifiedKey(db, key);
  return true;
}

void Server::LatencyAddSampleIfNeeded(std::string_view event, int64_t ms) {
  if (config_.latency_monitor_threshold <= 0 || ms < config_.latency_monitor_threshold) return;
  auto& series = latency_events[std::string(event)];
  int64_t now = NowMs() / 1000;
  if (!series.samples.empty() && series.samples.back().time_s == now) {
    series.samples.back().latency_ms = std::max(series.samples.back().latency_ms, ms);
  } else {
    series.samples.push_back({now, ms});
    if (series.samples.size() > 160) series.samples.pop_front();
  }
  series.max_ms = std::max(series.max_ms, ms);
}

bool ParseInt64Arg(Client& c, std::string_view s, int64_t* v, std::string_view msg) {
  if (StringToInt64(s, v)) return true;
  c.reply().Error(msg);
  return false;
}

bool ParseDoubleArg(Client& c, std::string_view s, double* v) {
  if (StringToDouble(s, v)) return true;
  c.reply().Error(err::kNotFloat);
  return false;
}

void ReplyWrongArity(Client& c) {
  c.reply().Error(fmt::format("wrong number of arguments for '{}' command",
                              c.cmd ? c.cmd->fullname : std::string("unknown")));
}

}  // namespace ember
