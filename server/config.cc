// Ember's configuration: one table describes every Redis 7.0.15 directive (name, alias, type,
// limits, default, flags, and where the value lives). Loading, CONFIG GET, CONFIG SET and
// CONFIG REWRITE are all driven by that table, so a directive the server does not act on yet
// still round-trips exactly as it would on Redis.

#include "server/config.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <iterator>
#include <set>
#include <unordered_map>

#include "common/util/strings.h"

#ifndef EMBER_REDIS_COMPAT_VERSION
#define EMBER_REDIS_COMPAT_VERSION "7.0.15"
#endif

namespace ember {
namespace {

// ---------------------------------------------------------------------------------------------
// Option descriptions.
// ---------------------------------------------------------------------------------------------

// Behaviour flags of a directive.
constexpr uint32_t kImmutable = 1u << 0;    // CONFIG SET refuses it
constexpr uint32_t kSensitive = 1u << 1;    // value redacted from logs / slowlog / monitor
constexpr uint32_t kProtected = 1u << 2;    // CONFIG SET only when enable-protected-configs allows
constexpr uint32_t kDenyLoading = 1u << 3;  // CONFIG SET refused while loading the dataset
constexpr uint32_t kHidden = 1u << 4;       // CONFIG GET lists it only on an exact name
constexpr uint32_t kMultiArg = 1u << 5;     // takes a list of arguments
constexpr uint32_t kVolatile = 1u << 6;     // setting the same value still counts as a change

// How a numeric value is written and parsed.
constexpr uint32_t kNumMemory = 1u << 0;   // accepts 1gb / 5mb / 10k, printed as bytes
constexpr uint32_t kNumPercent = 1u << 1;  // accepts "N%", stored as -N
constexpr uint32_t kNumOctal = 1u << 2;    // parsed and printed in base 8

enum class Kind : uint8_t { kBool, kNumeric, kEnum, kString, kSpecial };

enum class Special : uint8_t {
  kNone,
  kDir,
  kSave,
  kClientOutputBufferLimit,
  kOomScoreAdjValues,
  kNotifyKeyspaceEvents,
  kBind,
  kReplicaOf,
  kLatencyPercentiles,
};

// Extra validation some directives need on top of their type's.
enum class Check : uint8_t {
  kNone,
  kDbFilename,
  kAofFilename,
  kAofDirname,
  kShutdownFlags,
  kHostname,
  kProcTitle,
};

struct EnumItem {
  const char* name;
  int64_t value;
};

struct OptionDef {
  const char* name = nullptr;
  const char* alias = nullptr;
  uint32_t flags = 0;
  Kind kind = Kind::kBool;
  // Numeric: parse flags, bounds, and whether bounds compare as unsigned (C unsigned types).
  uint32_t num_flags = 0;
  bool is_unsigned = false;
  int64_t lower = 0;
  int64_t upper = 0;
  // Defaults: bool / numeric / enum use def_int; strings use def_str (nullptr = unset).
  int64_t def_int = 0;
  const char* def_str = nullptr;
  bool empty_is_null = false;  // an empty string means "unset" (not written by REWRITE)
  bool binary = false;         // SDS-backed in Redis: a NUL byte does not end the value
  std::span<const EnumItem> items;
  Check check = Check::kNone;
  Special special = Special::kNone;
  // The typed Config field holding the value, when there is one.
  bool Config::*bool_field = nullptr;
  int64_t Config::*int_field = nullptr;
  std::string Config::*str_field = nullptr;
};

constexpr int64_t kIntMax = INT_MAX;
constexpr int64_t kIntMin = INT_MIN;
constexpr int64_t kUIntMax = UINT_MAX;
constexpr int64_t kLongMax = LLONG_MAX;  // LP64
constexpr int64_t kULongLongMax = -1;    // UINT64_MAX, compared unsigned

OptionDef Bool(const char* name, const char* alias, uint32_t flags, bool def,
               bool Config::*field = nullptr) {
  OptionDef o;
  o.name = name;
  o.alias = alias;
  o.flags = flags;
  o.kind = Kind::kBool;
  o.def_int = def ? 1 : 0;
  o.bool_field = field;
  return o;
}

// Signed C integer types (int, long, long long, ssize_t, time_t, off_t).
OptionDef Num(const char* name, const char* alias, uint32_t flags, int64_t lower, int64_t upper,
              int64_t def, uint32_t num_flags = 0, int64_t Config::*field = nullptr) {
  OptionDef o;
  o.name = name;
  o.alias = alias;
  o.flags = flags;
  o.kind = Kind::kNumeric;
  o.lower = lower;
  o.upper = upper;
  o.def_int = def;
  o.num_flags = num_flags;
  o.int_field = field;
  return o;
}

// Unsigned C integer types (unsigned int, unsigned long long, size_t): bounds compare unsigned.
OptionDef UNum(const char* name, const char* alias, uint32_t flags, int64_t lower, int64_t upper,
               int64_t def, uint32_t num_flags = 0, int64_t Config::*field = nullptr) {
  OptionDef o = Num(name, alias, flags, lower, upper, def, num_flags, field);
  o.is_unsigned = true;
  return o;
}

OptionDef Str(const char* name, const char* alias, uint32_t flags, bool empty_is_null,
              const char* def, std::string Config::*field = nullptr, Check check = Check::kNone) {
  OptionDef o;
  o.name = name;
  o.alias = alias;
  o.flags = flags;
  o.kind = Kind::kString;
  o.empty_is_null = empty_is_null;
  o.def_str = def;
  o.str_field = field;
  o.check = check;
  return o;
}

OptionDef Enum(const char* name, const char* alias, uint32_t flags, std::span<const EnumItem> items,
               int64_t def, int64_t Config::*int_field = nullptr,
               std::string Config::*name_field = nullptr, Check check = Check::kNone) {
  OptionDef o;
  o.name = name;
  o.alias = alias;
  o.flags = flags;
  o.kind = Kind::kEnum;
  o.items = items;
  o.def_int = def;
  o.int_field = int_field;
  o.str_field = name_field;
  o.check = check;
  return o;
}

OptionDef Spec(const char* name, const char* alias, uint32_t flags, Special special) {
  OptionDef o;
  o.name = name;
  o.alias = alias;
  o.flags = flags;
  o.kind = Kind::kSpecial;
  o.special = special;
  return o;
}

// Enumerations (names and values as in Redis 7.0.15; values only matter for flag sets and
// for which name CONFIG GET prints when two names share a value).
constexpr EnumItem kMaxmemoryPolicy[] = {
    {"volatile-lru", 0}, {"volatile-lfu", 1}, {"volatile-random", 2}, {"volatile-ttl", 3},
    {"allkeys-lru", 4},  {"allkeys-lfu", 5},  {"allkeys-random", 6},  {"noeviction", 7},
};
constexpr EnumItem kSyslogFacility[] = {
    {"user", 8},     {"local0", 128}, {"local1", 136}, {"local2", 144}, {"local3", 152},
    {"local4", 160}, {"local5", 168}, {"local6", 176}, {"local7", 184},
};
constexpr EnumItem kLoglevel[] = {{"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}};
constexpr EnumItem kSupervised[] = {{"upstart", 3}, {"systemd", 2}, {"auto", 1}, {"no", 0}};
constexpr EnumItem kAppendfsync[] = {{"everysec", 2}, {"always", 1}, {"no", 0}};
constexpr EnumItem kShutdownOnSig[] = {
    {"default", 0}, {"save", 1}, {"nosave", 2}, {"now", 4}, {"force", 8}};
constexpr EnumItem kReplDisklessLoad[] = {{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}};
constexpr EnumItem kTlsAuthClients[] = {{"no", 0}, {"yes", 1}, {"optional", 2}};
constexpr EnumItem kOomScoreAdj[] = {{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}};
constexpr EnumItem kAclPubsubDefault[] = {{"allchannels", 8}, {"resetchannels", 0}};
constexpr EnumItem kSanitizeDumpPayload[] = {{"no", 0}, {"yes", 1}, {"clients", 2}};
constexpr EnumItem kProtectedAction[] = {{"no", 0}, {"yes", 1}, {"local", 2}};
constexpr EnumItem kPreferredEndpoint[] = {{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}};
constexpr EnumItem kPropagationError[] = {{"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}};

constexpr int64_t kMB = 1024 * 1024;

std::vector<OptionDef> BuildTable() {
  using C = Config;
  constexpr uint32_t M = 0;  // modifiable
  constexpr uint32_t I = kImmutable;
  std::vector<OptionDef> t;
  // --- yes/no ---
  t.push_back(Bool("rdbchecksum", nullptr, I, true));
  t.push_back(Bool("daemonize", nullptr, I, false, &C::daemonize));
  t.push_back(Bool("io-threads-do-reads", nullptr, I, false));
  t.push_back(Bool("always-show-logo", nullptr, I, false, &C::always_show_logo));
  t.push_back(Bool("protected-mode", nullptr, M, true, &C::protected_mode));
  t.push_back(Bool("rdbcompression", nullptr, M, true));
  t.push_back(Bool("rdb-del-sync-files", nullptr, M, false));
  t.push_back(Bool("activerehashing", nullptr, M, true, &C::activerehashing));
  t.push_back(Bool("stop-writes-on-bgsave-error", nullptr, M, true));
  t.push_back(Bool("set-proc-title", nullptr, I, true));
  t.push_back(Bool("dynamic-hz", nullptr, M, true, &C::dynamic_hz));
  t.push_back(Bool("lazyfree-lazy-eviction", nullptr, M, false, &C::lazyfree_lazy_eviction));
  t.push_back(Bool("lazyfree-lazy-expire", nullptr, M, false, &C::lazyfree_lazy_expire));
  t.push_back(Bool("lazyfree-lazy-server-del", nullptr, M, false));
  t.push_back(Bool("lazyfree-lazy-user-del", nullptr, M, false, &C::lazyfree_lazy_user_del));
  t.push_back(Bool("lazyfree-lazy-user-flush", nullptr, M, false, &C::lazyfree_lazy_user_flush));
  t.push_back(Bool("repl-disable-tcp-nodelay", nullptr, M, false));
  t.push_back(Bool("repl-diskless-sync", nullptr, M, true));
  t.push_back(Bool("aof-rewrite-incremental-fsync", nullptr, M, true));
  t.push_back(Bool("no-appendfsync-on-rewrite", nullptr, M, false));
  t.push_back(Bool("cluster-require-full-coverage", nullptr, M, true));
  t.push_back(Bool("rdb-save-incremental-fsync", nullptr, M, true));
  t.push_back(Bool("aof-load-truncated", nullptr, M, true));
  t.push_back(Bool("aof-use-rdb-preamble", nullptr, M, true));
  t.push_back(Bool("aof-timestamp-enabled", nullptr, M, false));
  t.push_back(Bool("cluster-replica-no-failover", "cluster-slave-no-failover", M, false));
  t.push_back(Bool("replica-lazy-flush", "slave-lazy-flush", M, false));
  t.push_back(Bool("replica-serve-stale-data", "slave-serve-stale-data", M, true));
  t.push_back(Bool("replica-read-only", "slave-read-only", M, true));
  t.push_back(Bool("replica-ignore-maxmemory", "slave-ignore-maxmemory", M, true));
  t.push_back(Bool("jemalloc-bg-thread", nullptr, M, true));
  // Redis built with its bundled jemalloc (as the reference server) accepts "yes" here.
  t.push_back(Bool("activedefrag", nullptr, M, false));
  t.push_back(Bool("syslog-enabled", nullptr, I, false));
  t.push_back(Bool("cluster-enabled", nullptr, I, false));
  t.push_back(Bool("appendonly", nullptr, kDenyLoading, false));
  t.push_back(Bool("cluster-allow-reads-when-down", nullptr, M, false));
  t.push_back(Bool("cluster-allow-pubsubshard-when-down", nullptr, M, true));
  t.push_back(Bool("crash-log-enabled", nullptr, M, true, &C::crash_log_enabled));
  t.push_back(Bool("crash-memcheck-enabled", nullptr, M, true));
  t.push_back(Bool("use-exit-on-panic", nullptr, kHidden, false));
  t.push_back(Bool("disable-thp", nullptr, I, true));
  t.push_back(Bool("cluster-allow-replica-migration", nullptr, M, true));
  t.push_back(Bool("replica-announced", nullptr, M, true));
  t.push_back(Bool("latency-tracking", nullptr, M, true, &C::latency_tracking));
  t.push_back(Bool("aof-disable-auto-gc", nullptr, M, false));
  t.push_back(Bool("replica-ignore-disk-write-errors", nullptr, M, false));

  // --- strings (true = an empty value means unset) ---
  t.push_back(Str("aclfile", nullptr, I, false, ""));
  t.push_back(Str("unixsocket", nullptr, I, true, nullptr, &C::unixsocket));
  t.push_back(Str("pidfile", nullptr, I, true, nullptr, &C::pidfile));
  t.push_back(Str("replica-announce-ip", "slave-announce-ip", M, true, nullptr));
  t.push_back(Str("masteruser", nullptr, kSensitive, true, nullptr));
  t.back().binary = true;
  t.push_back(Str("cluster-announce-ip", nullptr, M, true, nullptr));
  t.push_back(Str("cluster-config-file", nullptr, I, false, "nodes.conf"));
  t.push_back(
      Str("cluster-announce-hostname", nullptr, M, true, nullptr, nullptr, Check::kHostname));
  t.push_back(Str("syslog-ident", nullptr, I, false, "redis"));
  t.push_back(Str("dbfilename", nullptr, kProtected, false, "dump.rdb", &C::dbfilename,
                  Check::kDbFilename));
  t.push_back(
      Str("appendfilename", nullptr, I, false, "appendonly.aof", nullptr, Check::kAofFilename));
  t.push_back(
      Str("appenddirname", nullptr, I, false, "appendonlydir", nullptr, Check::kAofDirname));
  t.push_back(Str("server_cpulist", nullptr, I, true, nullptr));
  t.push_back(Str("bio_cpulist", nullptr, I, true, nullptr));
  t.push_back(Str("aof_rewrite_cpulist", nullptr, I, true, nullptr));
  t.push_back(Str("bgsave_cpulist", nullptr, I, true, nullptr));
  t.push_back(Str("ignore-warnings", nullptr, M, false, ""));
  t.push_back(Str("proc-title-template", nullptr, M, false, "{title} {listen-addr} {server-mode}",
                  nullptr, Check::kProcTitle));
  t.push_back(Str("bind-source-addr", nullptr, M, true, nullptr));
  t.push_back(Str("logfile", nullptr, I, false, "", &C::logfile));
  t.push_back(Str("masterauth", nullptr, kSensitive, true, nullptr));
  t.back().binary = true;
  t.push_back(Str("requirepass", nullptr, kSensitive, true, nullptr, &C::requirepass));
  t.back().binary = true;

  // --- enumerations ---
  t.push_back(Enum("supervised", nullptr, I, kSupervised, 0));
  t.push_back(Enum("syslog-facility", nullptr, I, kSyslogFacility, 128));
  t.push_back(Enum("repl-diskless-load", nullptr, kDenyLoading, kReplDisklessLoad, 0));
  t.push_back(Enum("loglevel", nullptr, M, kLoglevel, 2, nullptr, &C::loglevel));
  t.push_back(
      Enum("maxmemory-policy", nullptr, M, kMaxmemoryPolicy, 7, nullptr, &C::maxmemory_policy));
  t.push_back(Enum("appendfsync", nullptr, M, kAppendfsync, 2));
  t.push_back(Enum("oom-score-adj", nullptr, M, kOomScoreAdj, 0));
  t.push_back(Enum("acl-pubsub-default", nullptr, M, kAclPubsubDefault, 0));
  t.push_back(Enum("sanitize-dump-payload", nullptr, M, kSanitizeDumpPayload, 0));
  t.push_back(Enum("enable-protected-configs", nullptr, I, kProtectedAction, 0,
                   &C::enable_protected_configs));
  t.push_back(
      Enum("enable-debug-command", nullptr, I, kProtectedAction, 0, &C::enable_debug_command));
  t.push_back(
      Enum("enable-module-command", nullptr, I, kProtectedAction, 0, &C::enable_module_command));
  t.push_back(Enum("cluster-preferred-endpoint-type", nullptr, M, kPreferredEndpoint, 0));
  t.push_back(Enum("propagation-error-behavior", nullptr, M, kPropagationError, 0));
  t.push_back(Enum("shutdown-on-sigint", nullptr, kMultiArg, kShutdownOnSig, 0, nullptr, nullptr,
                   Check::kShutdownFlags));
  t.push_back(Enum("shutdown-on-sigterm", nullptr, kMultiArg, kShutdownOnSig, 0, nullptr, nullptr,
                   Check::kShutdownFlags));

  // --- integers (C int) ---
  t.push_back(Num("databases", nullptr, I, 1, kIntMax, 16, 0, &C::databases));
  t.push_back(Num("port", nullptr, M, 0, 65535, 6379, 0, &C::port));
  t.push_back(Num("io-threads", nullptr, I, 1, 128, 1));
  t.push_back(Num("auto-aof-rewrite-percentage", nullptr, M, 0, kIntMax, 100));
  t.push_back(
      Num("cluster-replica-validity-factor", "cluster-slave-validity-factor", M, 0, kIntMax, 10));
  t.push_back(Num("list-max-listpack-size", "list-max-ziplist-size", M, kIntMin, kIntMax, -2, 0,
                  &C::list_max_listpack_size));
  t.push_back(Num("tcp-keepalive", nullptr, M, 0, kIntMax, 300, 0, &C::tcp_keepalive));
  t.push_back(Num("cluster-migration-barrier", nullptr, M, 0, kIntMax, 1));
  t.push_back(Num("active-defrag-cycle-min", nullptr, M, 1, 99, 1));
  t.push_back(Num("active-defrag-cycle-max", nullptr, M, 1, 99, 25));
  t.push_back(Num("active-defrag-threshold-lower", nullptr, M, 0, 1000, 10));
  t.push_back(Num("active-defrag-threshold-upper", nullptr, M, 0, 1000, 100));
  t.push_back(Num("lfu-log-factor", nullptr, M, 0, kIntMax, 10, 0, &C::lfu_log_factor));
  t.push_back(Num("lfu-decay-time", nullptr, M, 0, kIntMax, 1, 0, &C::lfu_decay_time));
  t.push_back(Num("replica-priority", "slave-priority", M, 0, kIntMax, 100));
  t.push_back(Num("repl-diskless-sync-delay", nullptr, M, 0, kIntMax, 5));
  t.push_back(Num("maxmemory-samples", nullptr, M, 1, kIntMax, 5, 0, &C::maxmemory_samples));
  t.push_back(Num("maxmemory-eviction-tenacity", nullptr, M, 0, 100, 10));
  t.push_back(Num("timeout", nullptr, M, 0, kIntMax, 0, 0, &C::timeout));
  t.push_back(Num("replica-announce-port", "slave-announce-port", M, 0, 65535, 0));
  t.push_back(Num("tcp-backlog", nullptr, I, 0, kIntMax, 511, 0, &C::tcp_backlog));
  t.push_back(Num("cluster-port", nullptr, I, 0, 65535, 0));
  t.push_back(Num("cluster-announce-bus-port", nullptr, M, 0, 65535, 0));
  t.push_back(Num("cluster-announce-port", nullptr, M, 0, 65535, 0));
  t.push_back(Num("cluster-announce-tls-port", nullptr, M, 0, 65535, 0));
  t.push_back(Num("repl-timeout", nullptr, M, 1, kIntMax, 60));
  t.push_back(Num("repl-ping-replica-period", "repl-ping-slave-period", M, 1, kIntMax, 10, 0,
                  &C::repl_ping_replica_period));
  t.push_back(Num("list-compress-depth", nullptr, M, 0, kIntMax, 0, 0, &C::list_compress_depth));
  t.push_back(Num("rdb-key-save-delay", nullptr, kHidden, kIntMin, kIntMax, 0));
  t.push_back(Num("key-load-delay", nullptr, kHidden, kIntMin, kIntMax, 0));
  t.push_back(Num("active-expire-effort", nullptr, M, 1, 10, 1, 0, &C::active_expire_effort));
  t.push_back(Num("hz", nullptr, M, 0, kIntMax, 10, 0, &C::hz));
  // Ember's own: hidden from `CONFIG GET *`, which lists exactly what Redis 7.0 lists.
  t.push_back(Num("busy-poll-usec", nullptr, kHidden, 0, 1000000, 20, 0, &C::busy_poll_usec));
  t.push_back(Num("min-replicas-to-write", "min-slaves-to-write", M, 0, kIntMax, 0, 0,
                  &C::min_replicas_to_write));
  t.push_back(Num("min-replicas-max-lag", "min-slaves-max-lag", M, 0, kIntMax, 10, 0,
                  &C::min_replicas_max_lag));
  t.push_back(Num("watchdog-period", nullptr, kHidden, 0, kIntMax, 0));
  t.push_back(Num("shutdown-timeout", nullptr, M, 0, kIntMax, 10, 0, &C::shutdown_timeout));
  t.push_back(Num("repl-diskless-sync-max-replicas", nullptr, M, 0, kIntMax, 0));
  // --- unsigned int ---
  t.push_back(UNum("maxclients", nullptr, M, 1, kUIntMax, 10000, 0, &C::maxclients));
  t.push_back(UNum("unixsocketperm", nullptr, I, 0, 0777, 0, kNumOctal, &C::unixsocketperm));
  t.push_back(UNum("socket-mark-id", nullptr, I, 0, kUIntMax, 0));
  // --- unsigned long (bounds compare signed in Redis) ---
  t.push_back(Num("active-defrag-max-scan-fields", nullptr, M, 1, kLongMax, 1000));
  t.push_back(Num("slowlog-max-len", nullptr, M, 0, kLongMax, 128, 0, &C::slowlog_max_len));
  t.push_back(Num("acllog-max-len", nullptr, M, 0, kLongMax, 128));
  // --- long long ---
  t.push_back(Num("busy-reply-threshold", "lua-time-limit", M, 0, kLongMax, 5000));
  t.push_back(Num("cluster-node-timeout", nullptr, M, 0, kLongMax, 15000));
  t.push_back(Num("slowlog-log-slower-than", nullptr, M, -1, kLongMax, 10000, 0,
                  &C::slowlog_log_slower_than));
  t.push_back(Num("latency-monitor-threshold", nullptr, M, 0, kLongMax, 0, 0,
                  &C::latency_monitor_threshold));
  t.push_back(Num("proto-max-bulk-len", nullptr, M, kMB, kLongMax, 512 * kMB, kNumMemory,
                  &C::proto_max_bulk_len));
  t.push_back(Num("stream-node-max-entries", nullptr, M, 0, kLongMax, 100));
  t.push_back(Num("repl-backlog-size", nullptr, M, 1, kLongMax, kMB, kNumMemory));
  // --- unsigned long long ---
  t.push_back(UNum("maxmemory", nullptr, M, 0, kULongLongMax, 0, kNumMemory, &C::maxmemory));
  t.push_back(UNum("cluster-link-sendbuf-limit", nullptr, M, 0, kULongLongMax, 0, kNumMemory));
  // --- size_t ---
  t.push_back(UNum("hash-max-listpack-entries", "hash-max-ziplist-entries", M, 0, kLongMax, 512, 0,
                   &C::hash_max_listpack_entries));
  t.push_back(
      UNum("set-max-intset-entries", nullptr, M, 0, kLongMax, 512, 0, &C::set_max_intset_entries));
  t.push_back(UNum("zset-max-listpack-entries", "zset-max-ziplist-entries", M, 0, kLongMax, 128, 0,
                   &C::zset_max_listpack_entries));
  t.push_back(UNum("active-defrag-ignore-bytes", nullptr, M, 1, kLongMax, 100 * kMB, kNumMemory));
  t.push_back(UNum("hash-max-listpack-value", "hash-max-ziplist-value", M, 0, kLongMax, 64,
                   kNumMemory, &C::hash_max_listpack_value));
  t.push_back(UNum("stream-node-max-bytes", nullptr, M, 0, kLongMax, 4096, kNumMemory));
  t.push_back(UNum("zset-max-listpack-value", "zset-max-ziplist-value", M, 0, kLongMax, 64,
                   kNumMemory, &C::zset_max_listpack_value));
  t.push_back(UNum("hll-sparse-max-bytes", nullptr, M, 0, kLongMax, 3000, kNumMemory,
                   &C::hll_sparse_max_bytes));
  t.push_back(UNum("tracking-table-max-keys", nullptr, M, 0, kLongMax, 1000000));
  t.push_back(UNum("client-query-buffer-limit", nullptr, M, kMB, kLongMax, 1024 * kMB, kNumMemory,
                   &C::client_query_buffer_limit));
  // --- ssize_t / time_t / off_t ---
  t.push_back(Num("maxmemory-clients", nullptr, M, -100, kLongMax, 0, kNumMemory | kNumPercent));
  t.push_back(Num("repl-backlog-ttl", nullptr, M, 0, kLongMax, 3600));
  t.push_back(Num("auto-aof-rewrite-min-size", nullptr, M, 0, kLongMax, 64 * kMB, kNumMemory));
  t.push_back(
      Num("loading-process-events-interval-bytes", nullptr, kHidden, 1024, kIntMax, 2 * kMB));

  // --- TLS (the reference server is built with TLS) ---
  t.push_back(Num("tls-port", nullptr, M, 0, 65535, 0));
  t.push_back(Num("tls-session-cache-size", nullptr, M, 0, kIntMax, 20 * 1024));
  t.push_back(Num("tls-session-cache-timeout", nullptr, M, 0, kIntMax, 300));
  t.push_back(Bool("tls-cluster", nullptr, M, false));
  t.push_back(Bool("tls-replication", nullptr, M, false));
  t.push_back(Enum("tls-auth-clients", nullptr, M, kTlsAuthClients, 1));
  t.push_back(Bool("tls-prefer-server-ciphers", nullptr, M, false));
  t.push_back(Bool("tls-session-caching", nullptr, M, true));
  t.push_back(Str("tls-cert-file", nullptr, kVolatile, true, nullptr));
  t.push_back(Str("tls-key-file", nullptr, kVolatile, true, nullptr));
  t.push_back(Str("tls-key-file-pass", nullptr, M, true, nullptr));
  t.push_back(Str("tls-client-cert-file", nullptr, kVolatile, true, nullptr));
  t.push_back(Str("tls-client-key-file", nullptr, kVolatile, true, nullptr));
  t.push_back(Str("tls-client-key-file-pass", nullptr, M, true, nullptr));
  t.push_back(Str("tls-dh-params-file", nullptr, kVolatile, true, nullptr));
  t.push_back(Str("tls-ca-cert-file", nullptr, kVolatile, true, nullptr));
  t.push_back(Str("tls-ca-cert-dir", nullptr, kVolatile, true, nullptr));
  t.push_back(Str("tls-protocols", nullptr, M, true, nullptr));
  t.push_back(Str("tls-ciphers", nullptr, M, true, nullptr));
  t.push_back(Str("tls-ciphersuites", nullptr, M, true, nullptr));

  // --- directives with their own syntax ---
  t.push_back(Spec("dir", nullptr, kProtected | kDenyLoading, Special::kDir));
  t.push_back(Spec("save", nullptr, kMultiArg, Special::kSave));
  t.push_back(
      Spec("client-output-buffer-limit", nullptr, kMultiArg, Special::kClientOutputBufferLimit));
  t.push_back(Spec("oom-score-adj-values", nullptr, kMultiArg, Special::kOomScoreAdjValues));
  t.push_back(Spec("notify-keyspace-events", nullptr, M, Special::kNotifyKeyspaceEvents));
  t.push_back(Spec("bind", nullptr, kMultiArg, Special::kBind));
  t.push_back(Spec("replicaof", "slaveof", I | kMultiArg, Special::kReplicaOf));
  t.push_back(
      Spec("latency-tracking-info-percentiles", nullptr, kMultiArg, Special::kLatencyPercentiles));
  return t;
}

struct LookupEntry {
  size_t index;
  bool alias;
};

struct Table {
  std::vector<OptionDef> defs;
  std::unordered_map<std::string, LookupEntry> by_name;  // lowercase name or alias
};

const Table& GetTable() {
  static const Table* table = [] {
    auto* t = new Table;
    t->defs = BuildTable();
    for (size_t i = 0; i < t->defs.size(); ++i) {
      t->by_name.emplace(t->defs[i].name, LookupEntry{i, false});
      if (t->defs[i].alias) t->by_name.emplace(t->defs[i].alias, LookupEntry{i, true});
    }
    return t;
  }();
  return *table;
}

const LookupEntry* FindOption(std::string_view name) {
  const Table& t = GetTable();
  auto it = t.by_name.find(ToLower(name));
  return it == t.by_name.end() ? nullptr : &it->second;
}

// The name a lookup resolved to (the alias when the alias was used).
const char* EntryName(const LookupEntry& e) {
  const OptionDef& o = GetTable().defs[e.index];
  return e.alias ? o.alias : o.name;
}

// ---------------------------------------------------------------------------------------------
// Small text helpers with Redis's exact behaviour.
// ---------------------------------------------------------------------------------------------

std::string TrimSet(std::string_view s, std::string_view set) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && set.find(s[b]) != std::string_view::npos) ++b;
  while (e > b && set.find(s[e - 1]) != std::string_view::npos) --e;
  return std::string(s.substr(b, e - b));
}

// Splits on every occurrence of `sep`, keeping empty pieces; "" gives no pieces (sdssplitlen).
std::vector<std::string> SplitKeepEmpty(std::string_view s, char sep) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == sep) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.emplace_back(s.substr(start));
  return out;
}

// strtoll over the whole string as C sees it (stops at a NUL), with the end position.
long long CStrToLL(const std::string& s, bool* fully_parsed, int base = 10) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, base);
  *fully_parsed = (*end == '\0');
  return v;
}

// Memory amount as REWRITE writes it: the largest of gb/mb/kb dividing it exactly.
std::string FormatMemory(int64_t bytes) {
  constexpr int64_t kGb = 1024LL * 1024 * 1024;
  constexpr int64_t kMb = 1024LL * 1024;
  constexpr int64_t kKb = 1024;
  if (bytes && bytes % kGb == 0) return std::to_string(bytes / kGb) + "gb";
  if (bytes && bytes % kMb == 0) return std::to_string(bytes / kMb) + "mb";
  if (bytes && bytes % kKb == 0) return std::to_string(bytes / kKb) + "kb";
  return std::to_string(bytes);
}

std::string Octal(int64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%llo", static_cast<unsigned long long>(v));
  return buf;
}

// "%f" with trailing zeros (and a trailing dot) removed.
std::string FormatPercentile(double d) {
  char buf[512];
  int n = std::snprintf(buf, sizeof(buf), "%f", d);
  std::string s(buf, n > 0 ? static_cast<size_t>(n) : 0);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

std::string CurrentDir() {
  char buf[4096];
  if (getcwd(buf, sizeof(buf)) == nullptr) return "";
  return buf;
}

// redis-server's getAbsolutePath: joins a relative path to the cwd, folding leading "../".
std::string AbsolutePath(std::string_view path) {
  std::string rel = TrimSet(path, " \r\n\t");
  if (!rel.empty() && rel[0] == '/') return rel;
  std::string abs = CurrentDir();
  if (abs.empty()) return rel;
  if (abs.back() != '/') abs.push_back('/');
  while (rel.size() >= 3 && rel.compare(0, 3, "../") == 0) {
    rel.erase(0, 3);
    if (abs.size() > 1) {
      size_t p = abs.find_last_of('/', abs.size() - 2);
      abs.erase(p == std::string::npos ? 0 : p + 1);
    }
  }
  return abs + rel;
}

bool ReadWholeFile(const std::string& path, std::string* out, int* err) {
  FILE* fp = std::fopen(path.c_str(), "r");
  if (fp == nullptr) {
    *err = errno;
    return false;
  }
  char buf[8192];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), fp)) > 0) out->append(buf, n);
  bool failed = std::ferror(fp) != 0;
  int saved = errno;
  std::fclose(fp);
  if (failed) {
    *err = saved;
    return false;
  }
  return true;
}

// Enum value for the given words; nullopt-like INT64_MIN when a word is unknown.
constexpr int64_t kNoEnum = INT64_MIN;

int64_t EnumValue(std::span<const EnumItem> items, const std::vector<std::string>& args,
                  bool bitflags) {
  if (args.empty() || (!bitflags && args.size() != 1)) return kNoEnum;
  int64_t v = 0;
  for (const std::string& a : args) {
    bool matched = false;
    for (const EnumItem& it : items) {
      if (EqualsIgnoreCase(a, it.name)) {
        v |= it.value;
        matched = true;
      }
    }
    if (!matched) return kNoEnum;
  }
  return v;
}

std::string EnumName(std::span<const EnumItem> items, int64_t value, bool bitflags) {
  std::string names;
  int64_t unmatched = value;
  for (const EnumItem& it : items) {
    if (it.value == value) return it.name;
    if (bitflags && it.value && it.value == (unmatched & it.value)) {
      if (!names.empty()) names += ' ';
      names += it.name;
      unmatched &= ~it.value;
    }
  }
  if (names.empty() || unmatched) return "unknown";
  return names;
}

std::string EnumError(std::span<const EnumItem> items) {
  std::string e = "argument(s) must be one of the following: ";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) e += ", ";
    e += items[i].name;
  }
  if (e.size() > 255) e.resize(255);  // Redis formats into a 256-byte buffer
  return e;
}

bool IsBaseName(std::string_view s) {
  return s.find('/') == std::string_view::npos && s.find('\\') == std::string_view::npos;
}

std::string FatalConfigError(std::string_view err, int linenum, std::string_view line,
                             bool with_line) {
  std::string msg = "\n*** FATAL CONFIG FILE ERROR (Redis " EMBER_REDIS_COMPAT_VERSION ") ***\n";
  if (with_line) {
    msg += "Reading the configuration file, at line " + std::to_string(linenum) + "\n";
    msg += ">>> '";
    msg += line;
    msg += "'\n";
  }
  msg += err;
  msg += "\n";
  return msg;
}

constexpr char kRewriteSignature[] = "# Generated by CONFIG REWRITE";
constexpr int kMaxIncludeDepth = 64;

// CONFIG REWRITE's view of the old file.
struct RewriteState {
  std::vector<std::string> lines;
  std::map<std::string, std::deque<size_t>> option_lines;  // option -> line numbers, in order
  std::set<std::string> processed;
  bool needs_signature = true;

  void Replace(const std::string& option, std::string line, bool force) {
    processed.insert(option);
    auto it = option_lines.find(option);
    if (it == option_lines.end() && !force) return;
    if (it != option_lines.end()) {
      size_t n = it->second.front();
      it->second.pop_front();
      if (it->second.empty()) option_lines.erase(it);
      lines[n] = std::move(line);
      return;
    }
    if (needs_signature) {
      lines.emplace_back(kRewriteSignature);
      needs_signature = false;
    }
    lines.push_back(std::move(line));
  }
  void MarkProcessed(const std::string& option) { processed.insert(option); }
};

}  // namespace

constexpr int kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
                           kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream |
                           kNotifyModule;

int NotifyFlagsFromString(std::string_view s) {
  int flags = 0;
  for (char c : s) {
    switch (c) {
      case 'A':
        flags |= kNotifyAll;
        break;
      case 'g':
        flags |= kNotifyGeneric;
        break;
      case '$':
        flags |= kNotifyString;
        break;
      case 'l':
        flags |= kNotifyList;
        break;
      case 's':
        flags |= kNotifySet;
        break;
      case 'h':
        flags |= kNotifyHash;
        break;
      case 'z':
        flags |= kNotifyZset;
        break;
      case 'x':
        flags |= kNotifyExpired;
        break;
      case 'e':
        flags |= kNotifyEvicted;
        break;
      case 'K':
        flags |= kNotifyKeyspace;
        break;
      case 'E':
        flags |= kNotifyKeyevent;
        break;
      case 't':
        flags |= kNotifyStream;
        break;
      case 'm':
        flags |= kNotifyKeyMiss;
        break;
      case 'd':
        flags |= kNotifyModule;
        break;
      case 'n':
        flags |= kNotifyNew;
        break;
      default:
        return -1;
    }
  }
  return flags;
}

std::string NotifyFlagsToString(int flags) {
  std::string s;
  if ((flags & kNotifyAll) == kNotifyAll) {
    s += 'A';
  } else {
    if (flags & kNotifyGeneric) s += 'g';
    if (flags & kNotifyString) s += '$';
    if (flags & kNotifyList) s += 'l';
    if (flags & kNotifySet) s += 's';
    if (flags & kNotifyHash) s += 'h';
    if (flags & kNotifyZset) s += 'z';
    if (flags & kNotifyExpired) s += 'x';
    if (flags & kNotifyEvicted) s += 'e';
    if (flags & kNotifyStream) s += 't';
    if (flags & kNotifyModule) s += 'd';
    if (flags & kNotifyNew) s += 'n';
  }
  if (flags & kNotifyKeyspace) s += 'K';
  if (flags & kNotifyKeyevent) s += 'E';
  if (flags & kNotifyKeyMiss) s += 'm';
  return s;
}

// ---------------------------------------------------------------------------------------------
// Config::Impl
// ---------------------------------------------------------------------------------------------

struct Config::Impl {
  explicit Impl(Config* owner);

  // Values of directives that have no typed field in Config.
  struct Slot {
    int64_t i = 0;
    std::string s;
  };

  Config* cfg;
  std::vector<Slot> slots;
  std::map<size_t, ApplyHook> hooks;
  std::map<std::string, std::string> renamed;
  std::vector<std::vector<std::string>> users;
  UserLinesProvider user_lines;
  std::string masterhost;  // replicaof; empty = none
  int64_t masterport = 0;
  int64_t oom_values[3] = {0, 200, 800};
  bool reading_file = false;  // `save` lines accumulate instead of replacing
  bool save_loaded = false;   // the first `save` of a load has dropped the defaults
  int load_depth = 0;

  const OptionDef& Def(size_t i) const { return GetTable().defs[i]; }

  // Typed access to the stored value.
  int64_t GetInt(size_t i) const;
  void SetInt(size_t i, int64_t v);
  const std::string& GetStr(size_t i) const;
  void SetStr(size_t i, std::string v);

  // Value as CONFIG GET prints it.
  std::string Value(size_t i) const;
  // Applies arguments; returns 0 on error (err set), 1 when changed, 2 when unchanged.
  int Apply(size_t i, const std::vector<std::string>& args, std::string* err);
  // CONFIG SET form: multi-argument directives split the value on single spaces.
  int ApplyValue(size_t i, std::string_view value, std::string* err);
  void RewriteOption(RewriteState& st, size_t i) const;

  int SetSpecial(size_t i, const std::vector<std::string>& args, std::string* err);
  std::string GetSpecial(size_t i) const;
  void RewriteSpecial(RewriteState& st, size_t i) const;
  bool CheckString(Check check, const std::string& v, std::string* err) const;
  bool ProcTitleTemplateValid(const std::string& tpl) const;

  Status LoadText(std::string_view text);
  Status LoadPath(const std::string& path);
  void FinishLoad() const;
  void ClampHz() const {
    if (cfg->hz < 1) cfg->hz = 1;
    if (cfg->hz > 500) cfg->hz = 500;
  }
};

Config::Impl::Impl(Config* owner) : cfg(owner) {
  const Table& t = GetTable();
  slots.resize(t.defs.size());
  for (size_t i = 0; i < t.defs.size(); ++i) {
    const OptionDef& o = t.defs[i];
    switch (o.kind) {
      case Kind::kBool:
      case Kind::kNumeric:
        SetInt(i, o.def_int);
        break;
      case Kind::kEnum:
        SetInt(i, o.def_int);
        break;
      case Kind::kString:
        SetStr(i, o.def_str ? o.def_str : "");
        break;
      case Kind::kSpecial:
        break;
    }
  }
  // Specials with typed fields start at Redis's defaults too.
  cfg->bind = {"*", "-::*"};
  cfg->save = {{3600, 1}, {300, 100}, {60, 10000}};
  cfg->obuf_limits[0] = {0, 0, 0};
  cfg->obuf_limits[1] = {256 * kMB, 64 * kMB, 60};
  cfg->obuf_limits[2] = {32 * kMB, 8 * kMB, 60};
  cfg->notify_keyspace_events.clear();
  cfg->latency_tracking_info_percentiles = {50, 99, 99.9};
  cfg->dir = CurrentDir();
}

int64_t Config::Impl::GetInt(size_t i) const {
  const OptionDef& o = Def(i);
  if (o.bool_field) return (cfg->*o.bool_field) ? 1 : 0;
  if (o.int_field) return cfg->*o.int_field;
  if (o.kind == Kind::kEnum && o.str_field) {
    const std::string& name = cfg->*o.str_field;
    for (const EnumItem& it : o.items) {
      if (EqualsIgnoreCase(name, it.name)) return it.value;
    }
    return kNoEnum;
  }
  return slots[i].i;
}

void Config::Impl::SetInt(size_t i, int64_t v) {
  const OptionDef& o = Def(i);
  if (o.bool_field) {
    cfg->*o.bool_field = v != 0;
  } else if (o.int_field) {
    cfg->*o.int_field = v;
  } else if (o.kind == Kind::kEnum && o.str_field) {
    cfg->*o.str_field = EnumName(o.items, v, false);
  } else {
    slots[i].i = v;
  }
}

const std::string& Config::Impl::GetStr(size_t i) const {
  const OptionDef& o = Def(i);
  return o.str_field ? cfg->*o.str_field : slots[i].s;
}

void Config::Impl::SetStr(size_t i, std::string v) {
  const OptionDef& o = Def(i);
  if (o.str_field) {
    cfg->*o.str_field = std::move(v);
  } else {
    slots[i].s = std::move(v);
  }
}

std::string Config::Impl::Value(size_t i) const {
  const OptionDef& o = Def(i);
  switch (o.kind) {
    case Kind::kBool:
      return GetInt(i) ? "yes" : "no";
    case Kind::kNumeric: {
      int64_t v = GetInt(i);
      if ((o.num_flags & kNumPercent) && v < 0) return std::to_string(-v) + "%";
      if (o.num_flags & kNumMemory) return std::to_string(static_cast<uint64_t>(v));
      if (o.num_flags & kNumOctal) return Octal(v);
      return std::to_string(v);
    }
    case Kind::kEnum:
      return EnumName(o.items, GetInt(i), (o.flags & kMultiArg) != 0);
    case Kind::kString:
      return GetStr(i);
    case Kind::kSpecial:
      return GetSpecial(i);
  }
  return "";
}

bool Config::Impl::CheckString(Check check, const std::string& v, std::string* err) const {
  switch (check) {
    case Check::kDbFilename:
      if (!IsBaseName(v)) {
        *err = "dbfilename can't be a path, just a filename";
        return false;
      }
      return true;
    case Check::kAofFilename:
      if (v.empty()) {
        *err = "appendfilename can't be empty";
        return false;
      }
      if (!IsBaseName(v)) {
        *err = "appendfilename can't be a path, just a filename";
        return false;
      }
      return true;
    case Check::kAofDirname:
      if (v.empty()) {
        *err = "appenddirname can't be empty";
        return false;
      }
      if (!IsBaseName(v)) {
        *err = "appenddirname can't be a path, just a dirname";
        return false;
      }
      return true;
    case Check::kHostname: {
      std::string_view s(v.c_str());  // C string semantics
      if (s.size() >= 256) {
        *err = "Hostnames must be less than 256 characters";
        return false;
      }
      for (char c : s) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.';
        if (!ok) {
          *err = "Hostnames may only contain alphanumeric characters, hyphens or dots";
          return false;
        }
      }
      return true;
    }
    case Check::kProcTitle:
      if (!ProcTitleTemplateValid(v)) {
        *err = "template format is invalid or contains unknown variables";
        return false;
      }
      return true;
    default:
      return true;
  }
}

// A template is valid when every {variable} is known and the expansion (with an empty title)
// is not blank. "{{" is a literal brace.
bool Config::Impl::ProcTitleTemplateValid(const std::string& tpl_in) const {
  std::string_view tpl(tpl_in.c_str());
  auto lookup = [&](std::string_view name, std::string* out) -> bool {
    if (name == "title") {
      out->clear();
    } else if (name == "listen-addr") {
      const LookupEntry* tls = FindOption("tls-port");
      int64_t tls_port = tls ? GetInt(tls->index) : 0;
      if (cfg->port || tls_port) {
        *out = (cfg->bind.empty() ? std::string("*") : cfg->bind[0]) + ":" +
               std::to_string(cfg->port ? cfg->port : tls_port);
      } else {
        *out = "unixsocket:" + cfg->unixsocket;
      }
    } else if (name == "server-mode") {
      const LookupEntry* ce = FindOption("cluster-enabled");
      *out = (ce && GetInt(ce->index)) ? "[cluster]" : "";
    } else if (name == "config-file") {
      *out = cfg->config_file_.empty() ? "-" : cfg->config_file_;
    } else if (name == "port") {
      *out = std::to_string(cfg->port);
    } else if (name == "tls-port") {
      const LookupEntry* tls = FindOption("tls-port");
      *out = std::to_string(tls ? GetInt(tls->index) : 0);
    } else if (name == "unixsocket") {
      *out = cfg->unixsocket;
    } else {
      return false;
    }
    return true;
  };
  std::string res;
  size_t p = 0;
  while (p < tpl.size()) {
    size_t open = tpl.find('{', p);
    if (open == std::string_view::npos) {
      res += tpl.substr(p);
      break;
    }
    res += tpl.substr(p, open - p);
    size_t name_start = open + 1;
    if (name_start >= tpl.size()) return false;
    if (tpl[name_start] == '{') {
      res += '{';
      p = name_start + 1;
      continue;
    }
    size_t close = tpl.find('}', name_start);
    if (close == std::string_view::npos) return false;
    std::string value;
    if (!lookup(tpl.substr(name_start, close - name_start), &value)) return false;
    res += value;
    p = close + 1;
  }
  return !TrimSet(res, " ").empty();
}

int Config::Impl::Apply(size_t i, const std::vector<std::string>& args, std::string* err) {
  const OptionDef& o = Def(i);
  const bool is_volatile = (o.flags & kVolatile) != 0;
  switch (o.kind) {
    case Kind::kBool: {
      const std::string& a = args.empty() ? std::string() : args[0];
      int64_t yn;
      if (EqualsIgnoreCase(a, "yes")) {
        yn = 1;
      } else if (EqualsIgnoreCase(a, "no")) {
        yn = 0;
      } else {
        *err = "argument must be 'yes' or 'no'";
        return 0;
      }
      if (GetInt(i) != yn) {
        SetInt(i, yn);
        return 1;
      }
      return is_volatile ? 1 : 2;
    }
    case Kind::kNumeric: {
      std::string a = args.empty() ? std::string() : args[0];
      a = std::string(a.c_str());  // C string semantics: a NUL ends the value
      int64_t v = 0;
      bool parsed = false;
      if (o.num_flags & kNumMemory) parsed = ParseMemory(a, &v);
      if (!parsed && (o.num_flags & kNumPercent) && a.size() > 1 && a.back() == '%' &&
          StringToInt64(std::string_view(a).substr(0, a.size() - 1), &v) && v >= 0) {
        v = -v;
        parsed = true;
      }
      if (!parsed && (o.num_flags & kNumOctal)) {
        bool full;
        long long ov = CStrToLL(a, &full, 8);
        if (errno == 0 && full) {
          v = ov;
          parsed = true;
        }
      }
      if (!parsed && o.num_flags == 0) parsed = StringToInt64(a, &v);
      if (!parsed) {
        if ((o.num_flags & kNumMemory) && (o.num_flags & kNumPercent)) {
          *err = "argument must be a memory or percent value";
        } else if (o.num_flags & kNumMemory) {
          *err = "argument must be a memory value";
        } else if (o.num_flags & kNumOctal) {
          *err = "argument couldn't be parsed as an octal number";
        } else {
          *err = "argument couldn't be parsed into an integer";
        }
        return 0;
      }
      // Range check, unsigned for C unsigned types (so "-1" is a huge number there).
      if (o.is_unsigned) {
        auto u = static_cast<uint64_t>(v);
        auto lo = static_cast<uint64_t>(o.lower);
        auto hi = static_cast<uint64_t>(o.upper);
        if (u > hi || u < lo) {
          char buf[256];
          if (o.num_flags & kNumOctal) {
            std::snprintf(buf, sizeof(buf), "argument must be between %llo and %llo inclusive",
                          static_cast<unsigned long long>(lo), static_cast<unsigned long long>(hi));
          } else {
            std::snprintf(buf, sizeof(buf), "argument must be between %llu and %llu inclusive",
                          static_cast<unsigned long long>(lo), static_cast<unsigned long long>(hi));
          }
          *err = buf;
          return 0;
        }
      } else if ((o.num_flags & kNumPercent) && v < 0) {
        if (v < o.lower) {
          *err = "percentage argument must be less or equal to " + std::to_string(-o.lower);
          return 0;
        }
      } else if (v > o.upper || v < o.lower) {
        *err = "argument must be between " + std::to_string(o.lower) + " and " +
               std::to_string(o.upper) + " inclusive";
        return 0;
      }
      if (GetInt(i) != v) {
        SetInt(i, v);
        return 1;
      }
      return is_volatile ? 1 : 2;
    }
    case Kind::kEnum: {
      const bool bitflags = (o.flags & kMultiArg) != 0;
      int64_t v = EnumValue(o.items, args, bitflags);
      if (v == kNoEnum) {
        *err = EnumError(o.items);
        return 0;
      }
      if (o.check == Check::kShutdownFlags && (v & 1) && (v & 2)) {
        *err = "shutdown options SAVE and NOSAVE can't be used simultaneously";
        return 0;
      }
      if (GetInt(i) != v) {
        SetInt(i, v);
        return 1;
      }
      return is_volatile ? 1 : 2;
    }
    case Kind::kString: {
      // Stored as a C string: anything after a NUL byte is lost, as in Redis.
      std::string a = args.empty() ? std::string()
                      : o.binary   ? args[0]
                                   : std::string(args[0].c_str());
      if (!CheckString(o.check, a, err)) return 0;
      if (GetStr(i) != a) {
        SetStr(i, std::move(a));
        return 1;
      }
      return is_volatile ? 1 : 2;
    }
    case Kind::kSpecial:
      return SetSpecial(i, args, err);
  }
  return 0;
}

int Config::Impl::ApplyValue(size_t i, std::string_view value, std::string* err) {
  if (Def(i).flags & kMultiArg) return Apply(i, SplitKeepEmpty(value, ' '), err);
  return Apply(i, {std::string(value)}, err);
}

int Config::Impl::SetSpecial(size_t i, const std::vector<std::string>& args, std::string* err) {
  const int argc = static_cast<int>(args.size());
  switch (Def(i).special) {
    case Special::kDir: {
      if (argc != 1) {
        *err = "wrong number of arguments";
        return 0;
      }
      if (chdir(args[0].c_str()) == -1) {
        *err = std::strerror(errno);
        return 0;
      }
      cfg->dir = CurrentDir();
      return 1;
    }
    case Special::kSave: {
      std::vector<std::string> a = args;
      if (a.size() == 1 && a[0].empty()) {
        // A single "" means no snapshots; it drops what is there right away.
        cfg->save.clear();
        a.clear();
      }
      if (a.size() % 2) {
        *err = "Invalid save parameters";
        return 0;
      }
      std::vector<SaveParam> params;
      for (size_t j = 0; j < a.size(); ++j) {
        bool full;
        long long v = CStrToLL(a[j], &full);
        if (!full || (j % 2 == 0 && v < 1) || (j % 2 == 1 && v < 0)) {
          *err = "Invalid save parameters";
          return 0;
        }
      }
      for (size_t j = 0; j < a.size(); j += 2) {
        bool full;
        int64_t seconds = CStrToLL(a[j], &full);
        int64_t changes = static_cast<int>(CStrToLL(a[j + 1], &full));
        params.push_back({seconds, changes});
      }
      // While reading a file, save lines accumulate: only the first one replaces the defaults.
      if (!reading_file) {
        cfg->save.clear();
      } else if (!save_loaded) {
        save_loaded = true;
        cfg->save.clear();
      }
      cfg->save.insert(cfg->save.end(), params.begin(), params.end());
      return 1;
    }
    case Special::kClientOutputBufferLimit: {
      if (argc % 4) {
        *err = "Wrong number of arguments in buffer limit configuration.";
        return 0;
      }
      ClientBufferLimit values[3];
      bool touched[3] = {false, false, false};
      for (int j = 0; j < argc; j += 4) {
        int cls;
        const std::string& name = args[j];
        if (EqualsIgnoreCase(name, "normal")) {
          cls = 0;
        } else if (EqualsIgnoreCase(name, "slave") || EqualsIgnoreCase(name, "replica")) {
          cls = 1;
        } else if (EqualsIgnoreCase(name, "pubsub")) {
          cls = 2;
        } else {
          *err = "Invalid client class specified in buffer limit configuration.";
          return 0;
        }
        int64_t hard, soft;
        bool hard_ok = ParseMemory(std::string(args[j + 1].c_str()), &hard);
        bool soft_ok = ParseMemory(std::string(args[j + 2].c_str()), &soft);
        bool full;
        auto secs = static_cast<int>(CStrToLL(args[j + 3], &full));
        if (!hard_ok || !soft_ok || secs < 0 || !full) {
          *err = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
          return 0;
        }
        values[cls] = {hard, soft, secs};
        touched[cls] = true;
      }
      for (int c = 0; c < 3; ++c) {
        if (touched[c]) cfg->obuf_limits[c] = values[c];
      }
      return 1;
    }
    case Special::kOomScoreAdjValues: {
      if (argc != 3) {
        *err = "wrong number of arguments";
        return 0;
      }
      int64_t values[3];
      for (int j = 0; j < 3; ++j) {
        bool full;
        long long v = CStrToLL(args[j], &full);
        if (!full || v < -2000 || v > 2000) {
          *err = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
          return 0;
        }
        values[j] = v;
      }
      bool changed = false;
      for (int j = 0; j < 3; ++j) {
        if (oom_values[j] != values[j]) {
          oom_values[j] = values[j];
          changed = true;
        }
      }
      return changed ? 1 : 2;
    }
    case Special::kNotifyKeyspaceEvents: {
      if (argc != 1) {
        *err = "wrong number of arguments";
        return 0;
      }
      std::string v(args[0].c_str());
      if (NotifyFlagsFromString(v) == -1) {
        *err = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        return 0;
      }
      cfg->notify_keyspace_events = std::move(v);
      return 1;
    }
    case Special::kBind: {
      if (argc > 16) {
        *err = "Too many bind addresses specified.";
        return 0;
      }
      if (argc == 1 && args[0].empty()) {
        cfg->bind.clear();
      } else {
        cfg->bind = args;
      }
      return 1;
    }
    case Special::kReplicaOf: {
      if (argc != 2) {
        *err = "wrong number of arguments";
        return 0;
      }
      masterhost.clear();
      if (EqualsIgnoreCase(args[0], "no") && EqualsIgnoreCase(args[1], "one")) return 1;
      char* end = nullptr;
      long port = std::strtol(args[1].c_str(), &end, 10);
      if (port < 0 || port > 65535 || *end != '\0') {
        *err = "Invalid master port";
        return 0;
      }
      masterport = port;
      masterhost = args[0];
      return 1;
    }
    case Special::kLatencyPercentiles: {
      std::vector<double> values;
      if (!(argc == 1 && args[0].empty())) {
        for (const std::string& a : args) {
          double d;
          if (!StringToDouble(a, &d)) {
            *err = "Invalid latency-tracking-info-percentiles parameters";
            cfg->latency_tracking_info_percentiles.clear();
            return 0;
          }
          if (d > 100.0 || d < 0.0) {
            *err = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            cfg->latency_tracking_info_percentiles.clear();
            return 0;
          }
          values.push_back(d);
        }
      }
      cfg->latency_tracking_info_percentiles = std::move(values);
      return 1;
    }
    case Special::kNone:
      break;
  }
  *err = "wrong number of arguments";
  return 0;
}

std::string Config::Impl::GetSpecial(size_t i) const {
  std::string out;
  switch (Def(i).special) {
    case Special::kDir:
      return CurrentDir();
    case Special::kSave:
      for (size_t j = 0; j < cfg->save.size(); ++j) {
        if (j) out += ' ';
        out += std::to_string(cfg->save[j].seconds) + " " +
               std::to_string(static_cast<int>(cfg->save[j].changes));
      }
      return out;
    case Special::kClientOutputBufferLimit: {
      static const char* const kNames[3] = {"normal", "slave", "pubsub"};
      for (int c = 0; c < 3; ++c) {
        if (c) out += ' ';
        const ClientBufferLimit& l = cfg->obuf_limits[c];
        out += std::string(kNames[c]) + " " + std::to_string(static_cast<uint64_t>(l.hard)) + " " +
               std::to_string(static_cast<uint64_t>(l.soft)) + " " + std::to_string(l.soft_seconds);
      }
      return out;
    }
    case Special::kOomScoreAdjValues:
      return std::to_string(oom_values[0]) + " " + std::to_string(oom_values[1]) + " " +
             std::to_string(oom_values[2]);
    case Special::kNotifyKeyspaceEvents: {
      int flags = NotifyFlagsFromString(cfg->notify_keyspace_events);
      return NotifyFlagsToString(flags < 0 ? 0 : flags);
    }
    case Special::kBind:
      for (size_t j = 0; j < cfg->bind.size(); ++j) {
        if (j) out += ' ';
        out += cfg->bind[j];
      }
      return out;
    case Special::kReplicaOf:
      if (masterhost.empty()) return "";
      return masterhost + " " + std::to_string(masterport);
    case Special::kLatencyPercentiles:
      for (size_t j = 0; j < cfg->latency_tracking_info_percentiles.size(); ++j) {
        if (j) out += ' ';
        out += FormatPercentile(cfg->latency_tracking_info_percentiles[j]);
      }
      return out;
    case Special::kNone:
      break;
  }
  return out;
}

void Config::Impl::RewriteOption(RewriteState& st, size_t i) const {
  const OptionDef& o = Def(i);
  const std::string name = o.name;
  switch (o.kind) {
    case Kind::kBool: {
      int64_t v = GetInt(i);
      st.Replace(name, name + (v ? " yes" : " no"), v != o.def_int);
      return;
    }
    case Kind::kNumeric: {
      int64_t v = GetInt(i);
      if ((o.num_flags & kNumPercent) && v < 0) {
        st.Replace(name, name + " " + std::to_string(-v) + "%", -v != o.def_int);
      } else if (o.num_flags & kNumMemory) {
        st.Replace(name, name + " " + FormatMemory(v), v != o.def_int);
      } else if (o.num_flags & kNumOctal) {
        st.Replace(name, name + " " + Octal(v), v != o.def_int);
      } else {
        st.Replace(name, name + " " + std::to_string(v), v != o.def_int);
      }
      return;
    }
    case Kind::kEnum: {
      int64_t v = GetInt(i);
      st.Replace(name, name + " " + EnumName(o.items, v, (o.flags & kMultiArg) != 0),
                 v != o.def_int);
      return;
    }
    case Kind::kString: {
      const std::string& v = GetStr(i);
      if (o.empty_is_null && v.empty()) {
        // Unset values must stay absent from the file to stay unset after a restart.
        st.MarkProcessed(name);
        return;
      }
      bool force = !(o.def_str && v == o.def_str);
      st.Replace(name, name + " " + Repr(v), force);
      return;
    }
    case Kind::kSpecial:
      RewriteSpecial(st, i);
      return;
  }
}

void Config::Impl::RewriteSpecial(RewriteState& st, size_t i) const {
  const std::string name = Def(i).name;
  switch (Def(i).special) {
    case Special::kDir: {
      std::string cwd = CurrentDir();
      if (cwd.empty()) {
        st.MarkProcessed(name);
        return;
      }
      st.Replace(name, name + " " + Repr(cwd), true);
      return;
    }
    case Special::kSave:
      if (cfg->save.empty()) {
        st.Replace(name, "save \"\"", true);
      } else {
        for (const SaveParam& p : cfg->save) {
          st.Replace(name,
                     "save " + std::to_string(p.seconds) + " " +
                         std::to_string(static_cast<int>(p.changes)),
                     true);
        }
      }
      st.MarkProcessed(name);
      return;
    case Special::kClientOutputBufferLimit: {
      static const char* const kNames[3] = {"normal", "replica", "pubsub"};
      static const ClientBufferLimit kDefaults[3] = {
          {0, 0, 0}, {256 * kMB, 64 * kMB, 60}, {32 * kMB, 8 * kMB, 60}};
      for (int c = 0; c < 3; ++c) {
        const ClientBufferLimit& l = cfg->obuf_limits[c];
        bool force = l.hard != kDefaults[c].hard || l.soft != kDefaults[c].soft ||
                     l.soft_seconds != kDefaults[c].soft_seconds;
        st.Replace(name,
                   name + " " + kNames[c] + " " + FormatMemory(l.hard) + " " +
                       FormatMemory(l.soft) + " " + std::to_string(l.soft_seconds),
                   force);
      }
      return;
    }
    case Special::kOomScoreAdjValues: {
      static const int64_t kDefaults[3] = {0, 200, 800};
      bool force = false;
      std::string line = name + " ";
      for (int j = 0; j < 3; ++j) {
        if (oom_values[j] != kDefaults[j]) force = true;
        line += std::to_string(oom_values[j]);
        if (j != 2) line += ' ';
      }
      st.Replace(name, line, force);
      return;
    }
    case Special::kNotifyKeyspaceEvents: {
      int flags = NotifyFlagsFromString(cfg->notify_keyspace_events);
      if (flags < 0) flags = 0;
      st.Replace(name, name + " " + Repr(NotifyFlagsToString(flags)), flags != 0);
      return;
    }
    case Special::kBind: {
      if (cfg->bind == std::vector<std::string>{"*", "-::*"}) {
        st.MarkProcessed(name);
        return;
      }
      std::string line = name + " ";
      if (cfg->bind.empty()) {
        line += "\"\"";
      } else {
        for (size_t j = 0; j < cfg->bind.size(); ++j) {
          if (j) line += ' ';
          line += cfg->bind[j];
        }
      }
      st.Replace(name, line, true);
      return;
    }
    case Special::kReplicaOf: {
      const LookupEntry* ce = FindOption("cluster-enabled");
      if ((ce && GetInt(ce->index)) || masterhost.empty()) {
        st.MarkProcessed(name);
        return;
      }
      st.Replace(name, name + " " + masterhost + " " + std::to_string(masterport), true);
      return;
    }
    case Special::kLatencyPercentiles: {
      std::string line = name;
      if (cfg->latency_tracking_info_percentiles.empty()) {
        line += " \"\"";
      } else {
        for (double d : cfg->latency_tracking_info_percentiles) {
          line += ' ';
          line += FormatPercentile(d);
        }
      }
      st.Replace(name, line, true);
      return;
    }
    case Special::kNone:
      return;
  }
}

// Checks Redis runs once a config text has been read.
void Config::Impl::FinishLoad() const { ClampHz(); }

Status Config::Impl::LoadText(std::string_view text) {
  if (load_depth == 0) save_loaded = false;
  if (load_depth >= kMaxIncludeDepth) {
    return Status::InvalidArgument(
        FatalConfigError("Too many nested include directives", 0, "", false));
  }
  ++load_depth;
  struct DepthGuard {
    int& d;
    ~DepthGuard() { --d; }
  } guard{load_depth};

  reading_file = true;
  std::vector<std::string> lines = SplitKeepEmpty(text, '\n');
  std::vector<std::string> argv;
  for (size_t n = 0; n < lines.size(); ++n) {
    const int linenum = static_cast<int>(n) + 1;
    // The line as Redis sees it: a C string, trimmed.
    std::string line = TrimSet(std::string_view(lines[n].c_str()), " \t\r\n");
    if (line.empty() || line[0] == '#') continue;
    auto fail = [&](std::string_view err) {
      reading_file = false;
      return Status::InvalidArgument(FatalConfigError(err, linenum, line, true));
    };
    if (!SplitArgs(line, &argv)) return fail("Unbalanced quotes in configuration line");
    if (argv.empty()) continue;
    std::string directive = ToLower(argv[0]);
    const size_t argc = argv.size();

    if (const LookupEntry* e = FindOption(directive)) {
      const OptionDef& o = GetTable().defs[e->index];
      const bool multi = (o.flags & kMultiArg) != 0;
      if (!multi && argc != 2) return fail("wrong number of arguments");
      std::vector<std::string> args;
      if (multi && argc == 2 && !argv[1].empty()) {
        // One quoted argument holding the whole list, e.g. --save "900 1 300 10".
        if (!SplitArgs(argv[1], &args)) args.clear();
      } else {
        args.assign(argv.begin() + 1, argv.end());
      }
      std::string err;
      if (!Apply(e->index, args, &err)) return fail(err);
      continue;
    }
    // Directives Redis 7.0 still accepts and ignores.
    if ((directive == "list-max-ziplist-entries" || directive == "list-max-ziplist-value" ||
         directive == "lua-replicate-commands") &&
        argc == 2) {
      continue;
    }
    if (directive == "include" && argc == 2) {
      Status s = LoadPath(argv[1]);
      if (!s.ok()) {
        reading_file = false;
        return s;
      }
      // Redis leaves "reading a file" mode when an included file ends, so later `save` lines
      // of the including file replace rather than accumulate. Kept for fidelity.
      continue;
    }
    if (directive == "rename-command" && argc == 3) {
      renamed[ToLower(argv[1])] = argv[2];
      continue;
    }
    if (directive == "user" && argc >= 2) {
      users.emplace_back(argv.begin() + 1, argv.end());
      continue;
    }
    if (directive == "loadmodule" && argc >= 2) {
      return fail("Modules are not supported by this server: can't load module '" + argv[1] + "'");
    }
    if (directive.find('.') != std::string::npos) {
      if (argc < 2) return fail("Module config specified without value");
      return fail("Module configuration '" + argv[0] +
                  "' given, but modules are not supported by this server");
    }
    if (directive == "sentinel") {
      if (argc != 1) return fail("sentinel directive while not in sentinel mode");
      continue;
    }
    return fail("Bad directive or wrong number of arguments");
  }
  reading_file = false;

  auto fatal = [](std::string_view err) {
    return Status::InvalidArgument(FatalConfigError(err, 0, "", false));
  };
  if (!cfg->logfile.empty()) {
    // Fail now if the log file can't be opened, as Redis does.
    FILE* fp = std::fopen(cfg->logfile.c_str(), "a");
    if (fp == nullptr) {
      return fatal(std::string("Can't open the log file: ") + std::strerror(errno));
    }
    std::fclose(fp);
  }
  const LookupEntry* ce = FindOption("cluster-enabled");
  if (ce && GetInt(ce->index) && !masterhost.empty()) {
    return fatal("replicaof directive not allowed in cluster mode");
  }
  FinishLoad();
  return Status::OK();
}

// Reads one file, or every file matching a glob pattern (no match is fine then).
Status Config::Impl::LoadPath(const std::string& path) {
  std::string text;
  auto open_error = [&](const std::string& p, int e) {
    return Status::IOError("Fatal error, can't open config file '" + p + "': " + std::strerror(e));
  };
  if (path.find_first_of("*?[") != std::string::npos) {
    glob_t g;
    if (glob(path.c_str(), 0, nullptr, &g) == 0) {
      for (size_t k = 0; k < g.gl_pathc; ++k) {
        int e = 0;
        std::string p = g.gl_pathv[k];
        if (!ReadWholeFile(p, &text, &e)) {
          globfree(&g);
          return open_error(p, e);
        }
      }
      globfree(&g);
    }
  } else {
    int e = 0;
    if (!ReadWholeFile(path, &text, &e)) return open_error(path, e);
  }
  return LoadText(text);
}

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

Config::Config() : impl_(std::make_unique<Impl>(this)) {}
Config::~Config() = default;

Status Config::LoadFile(const std::string& path) {
  if (config_file_.empty() && path != "-") config_file_ = AbsolutePath(path);
  return impl_->LoadPath(path);
}

Status Config::LoadString(std::string_view text) { return impl_->LoadText(text); }

Status Config::LoadArgs(int argc, char** argv) {
  if (argc < 2) return Status::OK();
  int j = 1;
  std::string file;
  bool from_stdin = false;
  if (argv[1][0] != '-') {
    config_file_ = AbsolutePath(argv[1]);
    file = config_file_;
    j = 2;
  }
  // Options become config lines ("port 7000\n") read after the file and stdin.
  std::string options;
  bool last_had_value = true;
  auto is_dashdash = [](const char* s) { return s[0] == '-' && s[1] == '-'; };
  for (; j < argc; ++j) {
    const char* a = argv[j];
    if (a[0] == '-' && a[1] == '\0' && (j == 1 || j == argc - 1)) {
      from_stdin = true;
    } else if (last_had_value && is_dashdash(a)) {
      if (!options.empty()) options += "\n";
      options += a + 2;
      options += " ";
      std::vector<std::string> parts;
      if (!SplitArgs(a, &parts)) parts.clear();
      if (parts.size() == 1) {
        // A bare option name: its value is the next argument...
        last_had_value = false;
        const bool next_is_option = j != argc - 1 && is_dashdash(argv[j + 1]);
        if (EqualsIgnoreCase(a, "--save") && (next_is_option || j == argc - 1)) {
          // ...except that a bare --save means `save ""`.
          options += "\"\"";
          last_had_value = true;
        } else if (EqualsIgnoreCase(a, "--sentinel") && (next_is_option || j == argc - 1)) {
          last_had_value = true;
        }
      } else {
        last_had_value = true;  // "--port 6380" as one argument
      }
    } else {
      options += Repr(a);
      options += " ";
      last_had_value = true;
    }
  }

  std::string text;
  if (!file.empty()) {
    int e = 0;
    if (!ReadWholeFile(file, &text, &e)) {
      return Status::IOError("Fatal error, can't open config file '" + file +
                             "': " + std::strerror(e));
    }
  }
  if (from_stdin) {
    text.append(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  text += "\n";
  text += options;
  return impl_->LoadText(text);
}

std::vector<std::pair<std::string, std::string>> Config::Get(
    std::span<const std::string_view> patterns) {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;  // lowercase names already listed
  const Table& t = GetTable();
  for (std::string_view pat : patterns) {
    if (pat.find_first_of("[*?") == std::string_view::npos) {
      // A plain name: exact (case-insensitive) lookup, hidden options included; the reply
      // carries the name as the client spelled it.
      std::string lower = ToLower(pat);
      if (seen.count(lower)) continue;
      const LookupEntry* e = FindOption(pat);
      if (!e) continue;
      seen.insert(lower);
      out.emplace_back(std::string(pat), impl_->Value(e->index));
      continue;
    }
    for (size_t i = 0; i < t.defs.size(); ++i) {
      const OptionDef& o = t.defs[i];
      if (o.flags & kHidden) continue;
      for (const char* name : {o.name, o.alias}) {
        if (!name || seen.count(name)) continue;
        if (GlobMatch(pat, name, true)) {
          seen.insert(name);
          out.emplace_back(name, impl_->Value(i));
        }
      }
    }
  }
  return out;
}

Status Config::Set(std::span<const std::pair<std::string_view, std::string_view>> pairs,
                   bool local_client, bool loading) {
  auto failed = [](std::string_view name, std::string_view why) {
    std::string msg = "ERR CONFIG SET failed (possibly related to argument '";
    msg += name;
    msg += "')";
    if (!why.empty()) {
      msg += " - ";
      msg += why;
    }
    return Status::InvalidArgument(msg);
  };
  const Table& t = GetTable();
  std::vector<LookupEntry> found;
  found.reserve(pairs.size());
  // Validate every name first: the first problem found is the one reported.
  for (const auto& [name, value] : pairs) {
    const LookupEntry* e = FindOption(name);
    if (!e) {
      return Status::InvalidArgument(
          "ERR Unknown option or number of arguments for CONFIG SET - '" + std::string(name) + "'");
    }
    const OptionDef& o = t.defs[e->index];
    if (o.flags & kImmutable) return failed(name, "can't set immutable config");
    if (o.flags & kProtected) {
      int64_t allow = enable_protected_configs;
      if (!(allow == 1 || (allow == 2 && local_client))) {
        return failed(name, "can't set protected config");
      }
    }
    if (loading && (o.flags & kDenyLoading)) {
      return Status::InvalidArgument("-LOADING Redis is loading the dataset in memory");
    }
    for (const LookupEntry& prev : found) {
      // The name and its alias count as different parameters, as in Redis.
      if (prev.index == e->index && prev.alias == e->alias) {
        return failed(name, "duplicate parameter");
      }
    }
    found.push_back(*e);
  }

  std::vector<std::string> old_values;
  old_values.reserve(found.size());
  for (const LookupEntry& e : found) old_values.push_back(impl_->Value(e.index));
  auto restore = [&](size_t count) {
    std::string ignored;
    for (size_t k = 0; k < count; ++k) impl_->ApplyValue(found[k].index, old_values[k], &ignored);
  };

  std::vector<size_t> to_apply;  // positions in `found` whose hook must run
  bool hz_changed = false;
  for (size_t k = 0; k < found.size(); ++k) {
    std::string err;
    int res = impl_->ApplyValue(found[k].index, pairs[k].second, &err);
    if (res == 0) {
      restore(k + 1);
      return failed(EntryName(found[k]), err);
    }
    if (res == 1) {
      if (std::string_view(t.defs[found[k].index].name) == "hz") hz_changed = true;
      bool listed = false;
      for (size_t p : to_apply) listed |= found[p].index == found[k].index;
      if (!listed) to_apply.push_back(k);
    }
  }
  // Redis clamps hz into [1, 500] when applying it.
  if (hz_changed) impl_->ClampHz();

  for (size_t p : to_apply) {
    auto hook = impl_->hooks.find(found[p].index);
    if (hook == impl_->hooks.end() || !hook->second) continue;
    Status s = hook->second();
    if (!s.ok()) {
      restore(found.size());
      for (size_t q : to_apply) {
        auto h = impl_->hooks.find(found[q].index);
        if (h != impl_->hooks.end() && h->second) (void)h->second();
      }
      return failed(EntryName(found[p]), s.message());
    }
  }
  return Status::OK();
}

Status Config::Rewrite() {
  if (config_file_.empty()) {
    return Status::InvalidArgument("ERR The server is running without a config file");
  }
  auto io_error = [](int e) {
    return Status::IOError(std::string("ERR Rewriting config file: ") + std::strerror(e));
  };

  // Step 1: the old file, line by line, with the lines each known directive occupies.
  RewriteState st;
  std::string old;
  int e = 0;
  if (!ReadWholeFile(config_file_, &old, &e) && e != ENOENT) return io_error(e);
  std::vector<std::string> raw = SplitKeepEmpty(old, '\n');
  std::vector<std::string> argv;
  for (const std::string& r : raw) {
    std::string line = TrimSet(std::string_view(r.c_str()), "\r\n\t ");
    if (line.empty() || line[0] == '#') {
      if (st.needs_signature && line == kRewriteSignature) st.needs_signature = false;
      st.lines.push_back(std::move(line));
      continue;
    }
    bool parsed = SplitArgs(line, &argv) && !argv.empty();
    std::string directive = parsed ? ToLower(argv[0]) : std::string();
    const LookupEntry* entry = parsed ? FindOption(directive) : nullptr;
    if (!parsed || (!entry && directive != "include" && directive != "rename-command" &&
                    directive != "user" && directive != "loadmodule" && directive != "sentinel")) {
      // Unparsable or unknown here: kept, but commented out.
      st.lines.push_back("# ??? " + line);
      continue;
    }
    if (entry) directive = GetTable().defs[entry->index].name;  // aliases map to the name
    st.option_lines[directive].push_back(st.lines.size());
    st.lines.push_back(std::move(line));
  }

  // Step 2: every directive's current value replaces or extends its lines.
  const Table& t = GetTable();
  for (size_t i = 0; i < t.defs.size(); ++i) impl_->RewriteOption(st, i);
  const LookupEntry* aclfile = FindOption("aclfile");
  if (aclfile && !impl_->GetStr(aclfile->index).empty()) {
    st.MarkProcessed("user");
  } else if (impl_->user_lines) {
    for (std::string& line : impl_->user_lines()) st.Replace("user", std::move(line), true);
  } else {
    for (const auto& u : impl_->users) {
      std::string line = "user";
      for (const std::string& a : u) line += " " + a;
      st.Replace("user", line, true);
    }
  }
  st.MarkProcessed("user");
  st.MarkProcessed("loadmodule");

  // Step 3: blank lines of rewritten directives that are no longer used.
  for (auto& [option, nums] : st.option_lines) {
    if (!st.processed.count(option)) continue;
    for (size_t n : nums) st.lines[n].clear();
  }

  // Step 4: join, folding runs of empty lines into one.
  std::string content;
  bool was_empty = false;
  for (const std::string& line : st.lines) {
    if (line.empty()) {
      if (was_empty) continue;
      was_empty = true;
    } else {
      was_empty = false;
    }
    content += line;
    content += '\n';
  }

  // Step 5: write a temporary file beside the target and rename it over.
  std::string tmp = config_file_ + ".XXXXXX";
  int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd == -1) return io_error(errno);
  size_t off = 0;
  while (off < content.size()) {
    ssize_t w = write(fd, content.data() + off, content.size() - off);
    if (w <= 0) {
      if (w < 0 && errno == EINTR) continue;
      int saved = w < 0 ? errno : EIO;
      close(fd);
      unlink(tmp.c_str());
      return io_error(saved);
    }
    off += static_cast<size_t>(w);
  }
  mode_t mask = umask(0);
  umask(mask);
  int fail_errno = 0;
  if (fsync(fd) == -1 || fchmod(fd, 0644 & ~mask) == -1 ||
      rename(tmp.c_str(), config_file_.c_str()) == -1) {
    fail_errno = errno;
  }
  close(fd);
  if (fail_errno) {
    unlink(tmp.c_str());
    return io_error(fail_errno);
  }
  // Make the rename durable.
  std::string parent = config_file_.substr(0, config_file_.find_last_of('/') + 1);
  int dfd = open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_CLOEXEC);
  if (dfd != -1) {
    (void)fsync(dfd);
    close(dfd);
  }
  return Status::OK();
}

void Config::OnApply(std::string_view name, ApplyHook hook) {
  if (const LookupEntry* e = FindOption(name)) impl_->hooks[e->index] = std::move(hook);
}

bool Config::IsKnown(std::string_view name) const { return FindOption(name) != nullptr; }

void Config::SetReplicaOf(const std::string& host, int master_port) {
  impl_->masterhost = host;
  impl_->masterport = master_port;
}

std::string Config::GetOne(std::string_view name) const {
  const LookupEntry* e = FindOption(name);
  return e ? impl_->Value(e->index) : std::string();
}

bool Config::IsSensitive(std::string_view name) const {
  const LookupEntry* e = FindOption(name);
  return e && (GetTable().defs[e->index].flags & kSensitive);
}

const std::map<std::string, std::string>& Config::renamed_commands() const {
  return impl_->renamed;
}

const std::vector<std::vector<std::string>>& Config::user_directives() const {
  return impl_->users;
}

void Config::SetUserLinesProvider(UserLinesProvider provider) {
  impl_->user_lines = std::move(provider);
}

}  // namespace ember
