// The server: databases, clients, the command table and the event loop that drives them.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/busy_poll.h"
#include "common/repl/backlog.h"
#include "common/storage/db.h"
#include "server/aof.h"
#include "server/blocking.h"
#include "server/client.h"
#include "server/command.h"
#include "server/config.h"
#include "server/evict.h"
#include "server/lazyfree.h"
#include "server/replica.h"

namespace ember {

class Acl;
class Server;

// MULTI state (families/transaction_family.cc): DISCARD's reset, and EXEC refused before it
// ran (BUSY, OOM, ...): the transaction is discarded with "-EXECABORT Transaction discarded
// because of: <error>", as Redis's execCommandAbort.
void DiscardTransaction(Client& c);
void RejectExec(Client& c, std::string_view error);

// SHUTDOWN's options (and shutdown-on-sigint / shutdown-on-sigterm).
struct ShutdownFlags {
  bool save = false, nosave = false, now = false, force = false;
};

// Installs the SIGTERM/SIGINT handlers: the shutdown runs from the cron (Server::ShutdownCron);
// a second SIGINT exits at once. Their messages go where SetSignalLogFile (util/crash.h) says.
void InstallShutdownSignalHandlers(const Server& s);
// The last step once the shutdown sequence succeeded: logs and exits the process.
[[noreturn]] void ExitAfterShutdown();

struct SlowlogEntry {
  uint64_t id;
  int64_t time_s;
  int64_t duration_us;
  std::vector<std::string> args;
  std::string peer, name;
};

struct LatencySample {
  int64_t time_s;
  int64_t latency_ms;
};
struct LatencySeries {
  std::deque<LatencySample> samples;  // newest last, at most 160
  int64_t max_ms = 0;
};

struct Stats {
  int64_t start_time_ms = 0;
  uint64_t connections_received = 0;
  uint64_t commands_processed = 0;
  uint64_t rejected_connections = 0;
  uint64_t expired_keys = 0;
  uint64_t expired_stale_perc = 0;
  uint64_t expired_time_cap_reached = 0;
  uint64_t evicted_keys = 0;
  uint64_t total_forks = 0;      // RDB saves and AOF rewrites in a child
  int64_t latest_fork_usec = 0;  // how long the last fork() call took
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;
  uint64_t total_error_replies = 0;
  uint64_t unexpected_error_replies = 0;
  uint64_t client_qbuf_limit_disconnections = 0;
  uint64_t client_outbuf_limit_disconnections = 0;
  uint64_t io_reads = 0;
  uint64_t io_writes = 0;
  uint64_t sync_full = 0;         // full resynchronizations served
  uint64_t sync_partial_ok = 0;   // PSYNCs answered +CONTINUE
  uint64_t sync_partial_err = 0;  // PSYNCs with a replication id that fell back to a full sync
  std::map<std::string, uint64_t> error_counts;  // error code -> count (INFO errorstats)
};

class Server {
 public:
  explicit Server(uv_loop_t* loop);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Config& config() { return config_; }
  CommandTable& commands() { return commands_; }
  uv_loop_t* loop() { return loop_; }
  Stats& stats() { return stats_; }
  Acl& acl() { return *acl_; }

  // Creates the databases and applies the loaded config. Must run before Listen.
  void Init();
  // Binds every configured listener. Returns false (after logging) if none could be bound.
  Status Listen();
  // Runs the loop until SHUTDOWN.
  void Run();
  // Stops the loop after the current iteration.
  void RequestShutdown();
  // Closes the server's own libuv handles (timer, prepare, listeners); the loop must run
  // once more before the Server is destroyed.
  void CloseHandles();

  Db& db(int index) { return *dbs_[size_t(index)]; }
  int db_count() const { return int(dbs_.size()); }

  // Executes one request for `c` with Redis's checks (unknown command, arity, auth, ...).
  void Dispatch(Client& c);
  // Runs a command that passed the checks (Redis's call()): statistics, slowlog, monitors,
  // and queueing its propagation. Nested calls (EXEC) keep the outer command's time.
  void Call(Client& c, Command* cmd, CmdArgs args);
  // A blocked command answered by a timeout or CLIENT UNBLOCK: counted as one call (failed
  // when `failed`), as Redis's updateStatsOnUnblock.
  void CountUnblockedCall(Client& c, const std::vector<std::string>& argv, bool failed);
  // Runs a command replayed from the AOF: no checks, statistics, monitors, slowlog or
  // propagation (Redis runs the command's proc directly).
  void ExecuteLoaded(Client& c, Command* cmd, CmdArgs args);

  // Replication/AOF feed. Operations queued during a command are sent when it ends, wrapped
  // in MULTI/EXEC when there is more than one (Redis's also_propagate).
  void AlsoPropagate(int dbid, std::vector<std::string> argv);
  // Whether anything consumes propagated commands now (replicas, the AOF), so callers can
  // skip building them.
  bool PropagationNeeded() const {
    return !loading &&
           (!replicas_.empty() || backlog_ || aof_->state() != AppendOnlyFile::State::kOff);
  }
  // `cmd`: the command that queued the operations, when it is no longer executing.
  void PropagatePending(const Command* cmd = nullptr);
  // Full resynchronization of a replica: RDB snapshot, then the live stream. With
  // repl-diskless-sync and a repl-diskless-sync-delay the snapshot waits that long for more
  // replicas to share it (the replica gets newlines meanwhile).
  Status AttachReplica(Client& c, bool psync);
  bool DisklessSync() const;
  // Each cron tick: starts the delayed snapshot when due; once a second (`second`) sends the
  // waiting replicas a newline.
  void FullSyncCron(int64_t now_ms, bool second);
  // Sends one snapshot to every replica waiting for one.
  void StartFullSyncs();
  // PSYNC <replid> <offset>: when our history holds what the replica asks for (the id is ours,
  // or our previous one up to where it ended, and the backlog still has the bytes), answers
  // +CONTINUE and the missing bytes and attaches it; false when a full resync must follow.
  bool TryPartialResync(Client& c, std::string_view replid, int64_t offset);
  const std::string& replid() const { return replid_; }
  const std::string& replid2() const { return replid2_; }
  int64_t second_replid_offset() const { return second_replid_offset_; }
  // A fresh replication id (DEBUG CHANGE-REPL-ID, a new backlog).
  void ChangeReplicationId();
  // The current id becomes replid2, valid up to the current offset, and `id` (random when
  // empty) the current one: a promoted replica's former siblings can still continue.
  void ShiftReplicationId(const std::string& id = "");
  void ClearReplicationId2();
  const ReplBacklog* backlog() const { return backlog_.get(); }
  void CreateBacklog();
  // Closes every replica (they reconnect and learn a changed replication id).
  void DisconnectReplicas();
  // Errors our master's stream produced here (replies it never sees): logged, counted.
  void ReportErrorsToMaster(Client& c, size_t mark);
  // Appends a command to the replication stream (replicas and backlog), with a SELECT first
  // when `dbid` differs from the stream's (-1: no SELECT). DEBUG REPLICATE feeds it directly.
  void FeedReplicationStream(int dbid, const std::vector<std::string>& argv);
  int64_t master_repl_offset() const { return master_repl_offset_; }
  const std::vector<Client*>& replicas() const { return replicas_; }

  // MULTI/EXEC: a write to a watched key makes the watchers' EXEC fail.
  void TouchWatchedKey(int dbid, std::string_view key);
  // FLUSHDB / SWAPDB: touches watched keys of `dbid` that exist there or in `other`.
  void TouchWatchedKeysInDb(int dbid, Db* other = nullptr);
  void UnwatchAll(Client& c);
  std::map<std::pair<int, std::string>, std::vector<Client*>> watched_keys;

  BlockingKeys& blocking() { return *blocking_; }
  AppendOnlyFile& aof() { return *aof_; }
  ReplicaLink& replica_link() { return *replica_link_; }
  bool is_replica() const { return replica_link_->active(); }
  // After a full sync: the master's replication id and offset become ours.
  void SetReplicationState(const std::string& replid, int64_t offset);
  // The replication aux fields of the RDB file loaded at startup (repl-id, repl-offset,
  // repl-stream-db). A replica restarted from its own save continues with PSYNC from there.
  struct RdbReplInfo {
    std::string id;
    int64_t offset = -1;
    int db = 0;
    bool restored = false;  // became our replication state (replicaof configured)
  } rdb_repl_info;
  // Whether a save should record our replication state (a master with a backlog, a replica
  // that holds a point of its master's history), and the stream's database then.
  bool ReplInfoForRdb(int* stream_db) const;
  // A master restarted from its own save: its history up to `offset` stays available, as the
  // secondary id, to replicas that followed it.
  void RestoreMasterHistory(const std::string& replid, int64_t offset);
  // Before a master loads its RDB at startup: a backlog receives a DEL for each key found
  // already expired, so replicas that continue after the restart drop those keys too.
  void PrepareMasterLoad();
  // After it, when the file held no history to continue: nothing to keep.
  void DropBacklog();
  bool feed_expired_on_load = false;
  // min-replicas-to-write / min-replicas-max-lag: online replicas whose last ACK is at most
  // max-lag seconds old, and whether there are enough of them for a write (always true on a
  // replica, or when either directive is 0).
  int GoodReplicas() const;
  bool GoodReplicasOk() const;
  // Bytes of the master's stream this replica applied: counted in the offset and passed on
  // unchanged to sub-replicas (Redis's replicationFeedStreamFromMasterStream).
  void ProxyMasterStream(std::string_view bytes);
  // maxmemory: evicts per policy; when the time budget runs out, eviction continues from an
  // idle handle (Redis's evictionTimeProc) until memory is under the limit.
  EvictResult Evict();
  // REPLICAOF host port / NO ONE.
  void ReplicaOf(const std::string& host, int port, Client* by);
  void ReplicaOfNoOne(Client* by);
  // WAIT: blocks `c` until `numreplicas` acknowledged its last write or the deadline (0 =
  // forever) passes; replies the count.
  void WaitForReplicas(Client& c, int64_t numreplicas, int64_t deadline_ms);
  // REPLCONF ACK from a replica.
  void ReplicaAcked(Client& c, int64_t offset);
  size_t ReplicasAcked(int64_t offset) const;

  // Keyspace access with lazy expiry, hit/miss statistics and LRU/LFU updates.
  Entry* LookupRead(Client& c, std::string_view key);
  Entry* LookupWrite(Client& c, std::string_view key);
  Entry* LookupReadIn(Db& db, std::string_view key);  // no client, no stats
  // True if `e` (found in db) is logically expired at the command's time; deletes it.
  // On a replica an expired key is reported missing but left for the master's DEL, unless
  // `force_delete` (write lookups) or the master client is executing.
  bool ExpireIfNeeded(Db& db, Entry* e, bool force_delete = false);
  bool IsExpired(Db& db, const Entry* e);
  // Called after every write to a key (WATCH, client-side caching hook points).
  void SignalModifiedKey(Db& db, std::string_view key);
  // Keyspace notifications (no-op until pub/sub subscribers exist).
  void NotifyKeyspaceEvent(int type, std::string_view event, std::string_view key, int dbid);
  // Deletes a key, counting it as a write. True if it existed.
  bool DeleteKey(Db& db, std::string_view key, bool lazy = false);
  // Background freeing of big values and flushed databases (UNLINK, FLUSHALL ASYNC, ...).
  LazyFree& lazyfree() { return *lazyfree_; }

  // Time fixed at the start of the command being executed (Redis's cmd_time_snapshot).
  int64_t command_time_ms() const { return cmd_time_ms_; }
  int64_t dirty = 0;
  int64_t lastsave_s = 0;

  // Client registry.
  Client* CreateClient(Connection* conn);
  void FreeClient(Client* c);
  // Frees a client at the next safe point (it may be executing now).
  void FreeClientAsync(Client* c);
  const std::map<uint64_t, Client*>& clients() const { return clients_; }
  void MarkPendingWrite(Client* c);
  // client-output-buffer-limit for the client's class (normal, replica, pubsub): when over
  // the hard limit, or over the soft one for longer than its seconds, the client is logged
  // and closed asynchronously. True if it was.
  bool OutputBufferLimitReached(Client& c);
  uint64_t NextClientId() { return next_client_id_++; }
  Client* current_client() { return current_client_; }

  // CLIENT PAUSE (and the write pause while a shutdown waits for replicas).
  int64_t pause_end_ms = 0;
  bool pause_write_only = false;
  // Whether any pause is in effect.
  bool ClientsArePaused() const;
  // Whether a command with these (effective) flags must wait for the pause to end.
  bool PauseHolds(uint64_t cmd_flags) const;
  void UnpauseClients();
  // Paused clients try their pending request again.
  void RetryPausedClients();

  // Shutdown (server/shutdown.cc), as Redis 7.0: lagging replicas get up to shutdown-timeout
  // seconds with writes paused, then the final persistence steps; failures keep the server
  // running. PrepareForShutdown is true when the loop was asked to stop (the caller exits).
  bool PrepareForShutdown(ShutdownFlags flags);
  // SHUTDOWN: `c` blocks until the shutdown fails (error reply) or the process exits.
  void ShutdownOnRequest(Client& c, ShutdownFlags flags);
  bool AbortShutdown();
  bool shutdown_initiated() const { return shutdown_deadline_ms_ != 0; }
  int64_t shutdown_deadline_ms() const { return shutdown_deadline_ms_; }
  // Signals received are acted on here (from the cron, so DEBUG PAUSE-CRON defers them).
  void ShutdownCron();
  // During the startup load: true when a signal asked for the shutdown and it may proceed.
  bool ShutdownRequestedWhileLoading();
  // Clients blocked in BLPOP-style commands, WAIT and SHUTDOWN, or held by CLIENT PAUSE
  // (INFO blocked_clients).
  size_t blocked_clients() const;
  // oom-score-adj: writes the class's value (oom-score-adj-values: master, replica, background
  // child) to /proc/self/oom_score_adj, or restores the original score when turned off.
  enum class OomClass { kMaster = 0, kReplica = 1, kBackgroundChild = 2, kCurrentRole = 3 };
  bool ApplyOomScoreAdj(OomClass cls);
  // In a fork()ed child (BGSAVE, AOF rewrite): default signal actions, the child's log role
  // and OOM score.
  void SetupForkedChild();
  // DEBUG REPLYBUFFER: how often a client's reply-buffer peak restarts (ms, -1 never), and
  // whether the cron resizes reply buffers at all.
  int64_t reply_buffer_peak_reset_ms = 5000;
  bool reply_buffer_resizing = true;
  // DEBUG PAUSE-CRON: the cron does nothing while set.
  bool pause_cron = false;

  // MONITOR: feed a request to monitors.
  std::vector<Client*> monitors;
  void FeedMonitors(Client& c, int dbid);

  // SLOWLOG and LATENCY.
  std::deque<SlowlogEntry> slowlog;
  uint64_t slowlog_next_id = 0;
  std::map<std::string, LatencySeries> latency_events;
  void LatencyAddSampleIfNeeded(std::string_view event, int64_t ms);

  // Active expiry can be disabled by DEBUG SET-ACTIVE-EXPIRE.
  bool active_expire_enabled = true;
  // DEBUG SLEEP-style helpers and loading state for INFO.
  bool loading = false;
  // Startup loading serves clients between chunks (they get -LOADING for most commands):
  // set by main around the initial load, never while a command runs (no nested loop).
  bool serve_while_loading = false;
  struct LoadingProgress {
    int64_t start_s = 0;
    uint64_t total_bytes = 0;
    uint64_t loaded_bytes = 0;
    uint64_t last_events_bytes = 0;
  } loading_progress;
  // Called by loaders as bytes are consumed: runs the event loop once per
  // loading-process-events-interval-bytes when serve_while_loading is set.
  void LoadingAdvance(uint64_t loaded_bytes);

  // INFO text for the given sections (lowercase), Redis's format.
  std::string InfoString(const std::vector<std::string>& sections, bool all, bool everything);

  std::minstd_rand& rng() { return rng_; }
  std::string run_id;
  std::string executable;
  std::vector<std::string> exec_argv;
  // Listening state.
  int listening_port = 0;

 private:
  static void OnCron(uv_timer_t* t) noexcept;
  static void OnBeforeSleep(uv_prepare_t* p) noexcept;
  static void OnNewConnection(uv_stream_t* listener, int status) noexcept;
  void Cron();
  void ActiveExpireCycle(bool fast);
  void ClientsCron();
  void FlushPendingWrites();
  void UpdateBusyPoll();
  // Once a second: repl-backlog-size changes, repl-backlog-ttl.
  void BacklogCron(int64_t now_ms);
  void FreeClosingClients();
  void AcceptClient(uv_stream_t* listener, bool unix_socket);
  void ApplyConfig();
  // Binds every `bind` address on `port` into *out (all or nothing).
  Status ListenTcp(int port, std::vector<uv_stream_t*>* out);
  // CONFIG SET port / bind: opens the new TCP listeners, then closes the old ones.
  Status RebindTcp(int port, bool close_first);
  void InitAcl();

  uv_loop_t* loop_;
  Config config_;
  CommandTable commands_;
  Stats stats_;
  std::vector<std::unique_ptr<Db>> dbs_;
  std::unique_ptr<BlockingKeys> blocking_;
  std::unique_ptr<LazyFree> lazyfree_;
  std::unique_ptr<AppendOnlyFile> aof_;
  std::unique_ptr<ReplicaLink> replica_link_;
  struct Waiter {
    Client* c;
    int64_t numreplicas;
    int64_t offset;
    int64_t deadline_ms;
  };
  std::vector<Waiter> waiters_;
  bool getack_pending_ = false;
  std::vector<Client*> waiters_resumed_;  // released WAIT clients with input to process
  // Replies to WAIT clients whose replicas acknowledged enough, or whose time is up.
  void ServeWaiters();
  void ResumeWaiters();
  // Writable replica: keys written locally with a TTL, expired by the replica itself.
  std::set<std::pair<int, std::string>> replica_keys_with_expire_;
  void RememberReplicaKeysWithExpire(Client& c, Command* cmd, CmdArgs args);
  void ExpireReplicaKeys();
  int64_t last_replication_cron_s_ = 0;
  std::unique_ptr<Acl> acl_;
  std::map<uint64_t, Client*> clients_;
  std::vector<Client*> pending_writes_;
  std::vector<Client*> flushing_;  // the batch FlushPendingWrites is writing
  // Shutdown state (server/shutdown.cc).
  bool ReadyToShutdown() const;
  bool FinishShutdown();
  void CancelShutdown();
  ShutdownFlags shutdown_flags_;
  int64_t shutdown_deadline_ms_ = 0;  // set while waiting for replicas
  std::vector<Client*> shutdown_waiters_;
  std::vector<Client*> closing_;
  uint64_t next_client_id_ = 1;
  Client* current_client_ = nullptr;
  int64_t cmd_time_ms_ = 0;
  std::minstd_rand rng_;

  // One propagated operation to the AOF and the replicas.
  void PropagateNow(int dbid, const std::vector<std::string>& argv);

  std::vector<std::pair<int, std::vector<std::string>>> also_propagate_;
  std::vector<Client*> replicas_;
  std::string replid_;
  std::string replid2_ = std::string(40, '0');
  int64_t second_replid_offset_ = -1;
  int64_t master_repl_offset_ = 0;
  std::unique_ptr<ReplBacklog> backlog_;
  int64_t no_replicas_since_ms_ = 0;  // for repl-backlog-ttl
  int repl_seldb_ = -1;
  int64_t last_replica_ping_ms_ = 0;
  uint64_t nested_errors_ = 0;  // error replies produced by nested calls (EXEC's commands)

  uv_timer_t cron_timer_;
  uv_prepare_t before_sleep_;
  uv_idle_t evict_idle_{};
  // Keeps the loop polling (zero timeout) while busy-poll-usec says so; see busy_poll.h.
  uv_idle_t poll_idle_{};
  BusyPoller busy_poll_;
  bool polling_ = false;
  bool busy_poll_cpus_ok_ = false;
  int64_t busy_poll_checked_s_ = -1;
  bool evict_idle_active_ = false;
  std::vector<uv_stream_t*> listeners_;
  int64_t cron_loops_ = 0;
  size_t clients_cron_cursor_ = 0;
  int active_expire_db_ = 0;
  bool shutdown_ = false;

  friend class Client;
};

// The error texts every family uses.
namespace err {
inline constexpr std::string_view kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kSyntax = "syntax error";
inline constexpr std::string_view kNotInt = "value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "value is not a valid float";
inline constexpr std::string_view kOverflow = "increment or decrement would overflow";
inline constexpr std::string_view kNoSuchKey = "no such key";
inline constexpr std::string_view kOutOfRange = "index out of range";
inline constexpr std::string_view kDbIndex = "DB index is out of range";
inline constexpr std::string_view kInvalidExpire = "invalid expire time in '%s' command";
}  // namespace err

// Argument helpers shared by the families. Each replies with Redis's error and returns false.
bool ParseInt64Arg(Client& c, std::string_view s, int64_t* v, std::string_view msg = err::kNotInt);
bool ParseDoubleArg(Client& c, std::string_view s, double* v);
// "wrong number of arguments for '<cmd>' command"
void ReplyWrongArity(Client& c);

}  // namespace ember
