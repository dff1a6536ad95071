// ember-server's configuration: redis.conf syntax, command-line overrides, CONFIG GET/SET/
// REWRITE. Every Redis 7.0 directive is accepted under its name and aliases; the typed fields
// below are the ones the server reads directly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/util/status.h"

namespace ember {

// Keyspace notification classes (notify-keyspace-events letters).
enum NotifyType : int {
  kNotifyKeyspace = 1 << 0,  // K
  kNotifyKeyevent = 1 << 1,  // E
  kNotifyGeneric = 1 << 2,   // g
  kNotifyString = 1 << 3,    // $
  kNotifyList = 1 << 4,      // l
  kNotifySet = 1 << 5,       // s
  kNotifyHash = 1 << 6,      // h
  kNotifyZset = 1 << 7,      // z
  kNotifyExpired = 1 << 8,   // x
  kNotifyEvicted = 1 << 9,   // e
  kNotifyStream = 1 << 10,   // t
  kNotifyKeyMiss = 1 << 11,  // m
  kNotifyLoaded = 1 << 12,   // module only
  kNotifyModule = 1 << 13,   // d
  kNotifyNew = 1 << 14,      // n
};

// notify-keyspace-events: the classes a string of letters enables (-1 for an unknown letter),
// and the canonical string for a set of classes ("A" for all the type classes at once).
int NotifyFlagsFromString(std::string_view s);
std::string NotifyFlagsToString(int flags);

struct ClientBufferLimit {
  int64_t hard = 0;  // bytes, 0 = none
  int64_t soft = 0;
  int64_t soft_seconds = 0;
};

struct SaveParam {
  int64_t seconds;
  int64_t changes;
};

class Config {
 public:
  Config();
  ~Config();
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  // --- Fields the server reads (kept in sync with the option table). ---
  std::vector<std::string> bind{"*", "-::*"};
  int64_t port = 6379;
  std::string unixsocket;
  int64_t unixsocketperm = 0;
  int64_t tcp_backlog = 511;
  int64_t timeout = 0;  // seconds idle before closing a client, 0 = never
  int64_t tcp_keepalive = 300;
  bool protected_mode = true;
  int64_t maxclients = 10000;
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  ClientBufferLimit obuf_limits[3] = {  // normal, replica, pubsub
      {0, 0, 0},
      {256LL * 1024 * 1024, 64LL * 1024 * 1024, 60},
      {32LL * 1024 * 1024, 8LL * 1024 * 1024, 60}};
  std::string requirepass;
  int64_t databases = 16;
  int64_t hz = 10;
  bool dynamic_hz = true;
  std::string loglevel = "notice";  // debug, verbose, notice, warning, nothing
  std::string logfile;
  std::string pidfile;
  bool daemonize = false;
  std::string dir;  // working directory (chdir on set)
  std::string dbfilename = "dump.rdb";
  std::vector<SaveParam> save{{3600, 1}, {300, 100}, {60, 10000}};
  int64_t latency_monitor_threshold = 0;
  int64_t slowlog_log_slower_than = 10000;
  int64_t slowlog_max_len = 128;
  int64_t maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
  int64_t maxmemory_samples = 5;
  int64_t lfu_log_factor = 10;
  int64_t lfu_decay_time = 1;
  int64_t active_expire_effort = 1;
  bool activerehashing = true;
  std::string notify_keyspace_events;  // as given, e.g. "KEA" (CONFIG GET shows "AKE")
  int64_t enable_debug_command = 0;    // 0 no, 1 yes, 2 local
  int64_t enable_protected_configs = 0;
  int64_t enable_module_command = 0;
  bool always_show_logo = false;
  bool crash_log_enabled = true;
  bool latency_tracking = true;
  std::vector<double> latency_tracking_info_percentiles{50, 99, 99.9};
  // Compact-encoding thresholds (types of issue 3).
  int64_t hash_max_listpack_entries = 512;  // 7.0.15's config.c default
  int64_t hash_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t hll_sparse_max_bytes = 3000;  // a sparse HLL longer than this turns dense
  int64_t list_max_listpack_size = -2;
  int64_t list_compress_depth = 0;
  bool lazyfree_lazy_user_flush = false;
  bool lazyfree_lazy_expire = false;
  bool lazyfree_lazy_eviction = false;
  int64_t repl_ping_replica_period = 10;
  int64_t shutdown_timeout = 10;  // seconds a shutdown waits for lagging replicas
  bool lazyfree_lazy_user_del = false;
  int64_t min_replicas_to_write = 0;  // checked on every write: kept typed
  int64_t min_replicas_max_lag = 10;
  int64_t busy_poll_usec = 20;  // Ember: poll this long after a command while busy

  // --- Loading. Errors carry Redis's text; the caller prints and exits. ---
  // Reads redis.conf syntax. `origin` names the source in errors.
  Status LoadFile(const std::string& path);
  Status LoadString(std::string_view text);
  // Command-line: `ember-server [file] [--directive value ...] [-]`. Options after the file
  // are appended as config lines, as redis-server does.
  Status LoadArgs(int argc, char** argv);
  const std::string& config_file() const { return config_file_; }

  // --- Runtime access (CONFIG GET/SET/REWRITE). ---
  // Name/value pairs of every directive matching any glob pattern (names as Redis lists them,
  // aliases included when the pattern matches the alias), in a stable order.
  std::vector<std::pair<std::string, std::string>> Get(std::span<const std::string_view> patterns);
  // Sets all pairs or none. Error text as Redis's CONFIG SET gives it ("ERR ..." or
  // "LOADING ..."). `local_client`: the caller connects over loopback/unix socket (for
  // protected configs under enable-protected-configs local); `loading`: the dataset is being
  // loaded (deny-loading configs are refused).
  Status Set(std::span<const std::pair<std::string_view, std::string_view>> pairs,
             bool local_client = false, bool loading = false);
  // Rewrites the config file keeping comments and unknown lines, as CONFIG REWRITE.
  Status Rewrite();

  // Called after a directive changed at runtime (CONFIG SET), to apply it; an error rolls
  // the change back. Registered by the server.
  using ApplyHook = std::function<Status()>;
  void OnApply(std::string_view name, ApplyHook hook);

  // REPLICAOF at runtime: what CONFIG GET replicaof and CONFIG REWRITE show (host "" = none).
  void SetReplicaOf(const std::string& host, int master_port);

  // True if `name` (any case) is a directive or alias CONFIG GET/SET knows.
  bool IsKnown(std::string_view name) const;
  // CONFIG GET's value for one directive or alias; "" when unknown.
  std::string GetOne(std::string_view name) const;
  // True for directives whose CONFIG SET value must be redacted (requirepass, masterauth, ...).
  bool IsSensitive(std::string_view name) const;
  // rename-command directives: lowercase original name -> new name ("" = command removed).
  const std::map<std::string, std::string>& renamed_commands() const;
  // `user` directives as read (arguments after "user"), for the ACL code to apply.
  const std::vector<std::vector<std::string>>& user_directives() const;
  // CONFIG REWRITE writes the ACL users as "user ..." lines. The ACL code can supply them;
  // without a provider the stored `user` directives are written back.
  using UserLinesProvider = std::function<std::vector<std::string>()>;
  void SetUserLinesProvider(UserLinesProvider provider);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::string config_file_;
};

}  // namespace ember
