// Server introspection and administration: INFO, CONFIG, SLOWLOG, LATENCY, MEMORY, SHUTDOWN
// and the DEBUG subcommands the Redis test suite relies on.
#include <arpa/inet.h>
#include <malloc.h>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <initializer_list>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/persist/rdb_writer.h"
#include "common/storage/db.h"
#include "common/storage/entry.h"
#include "common/storage/hash_table.h"
#include "common/storage/intset.h"
#include "common/storage/listpack.h"
#include "common/storage/lru.h"
#include "common/storage/quicklist.h"
#include "common/storage/set_table.h"
#include "common/storage/stream.h"
#include "common/storage/zset.h"
#include "common/util/clock.h"
#include "common/util/memory.h"
#include "common/util/strings.h"
#include "server/client.h"
#include "server/command.h"
#include "server/config.h"
#include "server/families/families.h"
#include "server/persistence.h"
#include "server/pubsub.h"
#include "server/server.h"

#ifndef EMBER_VERSION
#define EMBER_VERSION "unknown"
#endif

namespace ember {

// --- State DEBUG subcommands set for other subsystems. Not in any header yet: the families
// that need them declare these functions themselves. ---
namespace {
bool g_disable_deny_scripts = false;
bool g_skip_checksum_validation = false;
int64_t g_aof_flush_sleep_us = 0;
// Memory in use when the command table was built (Redis's used_memory_startup).
size_t g_startup_memory = 0;
}  // namespace

// The threshold itself lives in Quicklist (process-wide, as in Redis).
uint64_t DebugQuicklistPackedThreshold() { return Quicklist::packed_threshold(); }
bool DebugDisableDenyScripts() { return g_disable_deny_scripts; }
bool DebugSkipChecksumValidation() { return g_skip_checksum_validation; }
int64_t DebugAofFlushSleepUs() { return g_aof_flush_sleep_us; }

namespace {

template <typename... Args>
void Appendf(std::string* out, fmt::format_string<Args...> f, Args&&... args) {
  fmt::format_to(std::back_inserter(*out), f, std::forward<Args>(args)...);
}

// Replies with an error that must carry the generic "ERR" code even when the text starts
// with an upper-case word (the builder would otherwise take that word as the code).
void ReplyErr(Client& c, std::string_view msg) {
  std::string s = "ERR ";
  s.append(msg);
  c.reply().Error(s);
}

void ReplySubcommandSyntaxError(Client& c, CmdArgs args) {
  c.reply().Error(
      fmt::format("unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
                  args[1].substr(0, 128), ToUpper(args[0])));
}

void ReplyHelp(Client& c, CmdArgs args, std::initializer_list<std::string_view> lines) {
  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(lines.size()) + 3);
  r.SimpleString(
      fmt::format("{} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", ToUpper(args[0])));
  for (std::string_view l : lines) r.SimpleString(l);
  r.SimpleString("HELP");
  r.SimpleString("    Prints this help.");
}

// C's atoi: leading blanks, optional sign, digits; garbage gives 0.
int Atoi(std::string_view s) {
  std::string tmp(s);
  return std::atoi(tmp.c_str());
}

// INFO field values must not contain the characters INFO's format uses.
std::string SafeInfoString(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (ch == '#' || ch == ':' || ch == '\n' || ch == '\r') ch = '_';
  }
  return out;
}

const std::string& MasterReplId(Server& s) { return s.replid(); }

// --------------------------------------------------------------------------------------
// Instantaneous metrics. Redis samples every 100 ms from its cron; with no cron hook here,
// each INFO records a sample and rates are computed over the samples of the last ~1.6 s
// (or, when INFO is rarer than that, since the previous INFO).

struct MetricSample {
  int64_t ms;
  uint64_t ops, in, out;
};
struct MetricRing {
  std::deque<MetricSample> samples;
};
std::map<const Server*, MetricRing>& Rings() {
  static std::map<const Server*, MetricRing> rings;
  return rings;
}

struct Instantaneous {
  int64_t ops_per_sec = 0;
  double in_kbps = 0, out_kbps = 0;
};

Instantaneous SampleInstantaneous(Server& s) {
  constexpr int64_t kWindowMs = 1600;
  MetricRing& ring = Rings()[&s];
  MetricSample now{NowMs(), s.stats().commands_processed, s.stats().net_input_bytes,
                   s.stats().net_output_bytes};
  if (!ring.samples.empty()) {
    const MetricSample& last = ring.samples.back();
    if (now.ops < last.ops || now.in < last.in || now.out < last.out || now.ms < last.ms) {
      ring.samples.clear();  // statistics were reset
    }
  }
  ring.samples.push_back(now);
  // Keep the samples inside the window plus the newest one older than it.
  while (ring.samples.size() > 2 && ring.samples[1].ms <= now.ms - kWindowMs) {
    ring.samples.pop_front();
  }
  while (ring.samples.size() > 64) ring.samples.pop_front();
  Instantaneous r;
  if (ring.samples.size() < 2) return r;
  const MetricSample& base = ring.samples.front();
  int64_t dt = now.ms - base.ms;
  if (dt <= 0) return r;
  r.ops_per_sec = int64_t((now.ops - base.ops) * 1000 / uint64_t(dt));
  r.in_kbps = double((now.in - base.in) * 1000 / uint64_t(dt)) / 1024;
  r.out_kbps = double((now.out - base.out) * 1000 / uint64_t(dt)) / 1024;
  return r;
}

// --------------------------------------------------------------------------------------

// --------------------------------------------------------------------------------------
// Memory accounting shared by INFO memory, MEMORY STATS and MEMORY DOCTOR.

struct DbOverhead {
  int id;
  size_t main, expires;
};

struct MemOverhead {
  size_t total = 0, startup = 0, peak = 0;
  size_t clients_normal = 0, clients_slaves = 0;
  // Replication data written for replicas and not yet taken by their sockets (Redis 7 keeps
  // it in one shared buffer and leaves it out of mem_clients_slaves).
  size_t repl_buffers = 0;
  std::vector<DbOverhead> dbs;
  size_t overhead_total = 0, dataset = 0, total_keys = 0, bytes_per_key = 0;
  float peak_perc = 0, dataset_perc = 0;
  // Process and allocator view. With libc malloc, Redis derives the allocator figures from
  // RSS and used memory, so the allocator ratios are 1 and all slack shows as fragmentation.
  size_t rss = 0, allocator_allocated = 0, allocator_active = 0, allocator_resident = 0;
  float total_frag = 0, allocator_frag = 0, allocator_rss = 0, rss_extra = 0;
  int64_t total_frag_bytes = 0, allocator_frag_bytes = 0, allocator_rss_bytes = 0,
          rss_extra_bytes = 0;
};

size_t ClientMemory(Client& c) {
  return sizeof(Client) + c.query_buffer_capacity() + c.out().capacity() +
         (c.output_bytes() - c.out().size());
}

// used_memory as it was when INFO started, before INFO's own buffers (0: read it now).
size_t g_info_used_memory = 0;

MemOverhead ComputeMemOverhead(Server& s) {
  MemOverhead mh;
  mh.total = g_info_used_memory ? g_info_used_memory : UsedMemory();
  mh.startup = g_startup_memory;
  mh.peak = std::max(PeakMemory(), mh.total);
  mh.rss = ResidentMemory();
  mh.allocator_resident = mh.rss;
  mh.allocator_active = mh.rss;
  mh.allocator_allocated = mh.total;

  auto ratio = [](size_t a, size_t b) { return b ? float(a) / float(b) : 0.0f; };
  mh.total_frag = ratio(mh.rss, mh.total);
  mh.total_frag_bytes = int64_t(mh.rss) - int64_t(mh.total);
  mh.allocator_frag = ratio(mh.allocator_active, mh.allocator_allocated);
  mh.allocator_frag_bytes = int64_t(mh.allocator_active) - int64_t(mh.allocator_allocated);
  mh.allocator_rss = ratio(mh.allocator_resident, mh.allocator_active);
  mh.allocator_rss_bytes = int64_t(mh.allocator_resident) - int64_t(mh.allocator_active);
  mh.rss_extra = ratio(mh.rss, mh.allocator_resident);
  mh.rss_extra_bytes = int64_t(mh.rss) - int64_t(mh.allocator_resident);

  size_t total = mh.startup;
  for (auto& [id, c] : s.clients()) {
    if (c->has(kClientReplica)) {
      size_t pending = c->output_bytes();
      mh.repl_buffers += pending;
      mh.clients_slaves += ClientMemory(*c) - std::min(pending, ClientMemory(*c));
    } else {
      mh.clients_normal += ClientMemory(*c);
    }
  }
  total += mh.clients_normal + mh.clients_slaves + mh.repl_buffers;

  for (int i = 0; i < s.db_count(); i++) {
    Db& db = s.db(i);
    if (db.size() == 0) continue;
    mh.total_keys += db.size();
    DbOverhead o;
    o.id = i;
    // Per key, the entry header (link, lengths, type/LRU, value word) plus its bucket slot;
    // key bytes and values count as dataset.
    o.main = db.size() * sizeof(Entry) + db.keys().BucketBytes();
    o.expires = db.expires_size() * sizeof(ExpireNode) + db.expires().BucketBytes();
    total += o.main + o.expires;
    mh.dbs.push_back(o);
  }
  mh.overhead_total = total;
  mh.dataset = mh.total > total ? mh.total - total : 0;
  mh.peak_perc = mh.peak ? float(mh.total) * 100 / float(mh.peak) : 0;
  size_t net = mh.total > mh.startup ? mh.total - mh.startup : 1;
  mh.dataset_perc = float(mh.dataset) * 100 / float(net);
  mh.bytes_per_key = mh.total_keys ? net / mh.total_keys : 0;
  return mh;
}

size_t TotalSystemMemory() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? size_t(pages) * size_t(page) : 0;
}

// A directive's current value as CONFIG GET prints it ("" if unknown).
std::string ConfigValue(Server& s, std::string_view name) {
  std::string_view pat[] = {name};
  auto pairs = s.config().Get(pat);
  return pairs.empty() ? std::string() : pairs.front().second;
}

// --------------------------------------------------------------------------------------
// INFO sections.

void InfoServer(Server& s, std::string* out) {
  static utsname name;
  static bool have_name = uname(&name) == 0;
  int64_t now_ms = NowMs();
  int64_t uptime = (now_ms - s.stats().start_time_ms) / 1000;
  static const std::string build_id = fmt::format(
      "{:016x}", std::hash<std::string_view>{}(std::string_view("ember-" EMBER_VERSION)));
#if defined(__GNUC__)
  int gcc_major = __GNUC__, gcc_minor = __GNUC_MINOR__, gcc_patch = __GNUC_PATCHLEVEL__;
#else
  int gcc_major = 0, gcc_minor = 0, gcc_patch = 0;
#endif
  Appendf(out,
          "# Server\r\n"
          "redis_version:{}\r\n"
          "ember_version:{}\r\n"
          "redis_git_sha1:00000000\r\n"
          "redis_git_dirty:0\r\n"
          "redis_build_id:{}\r\n"
          "redis_mode:standalone\r\n"
          "os:{} {} {}\r\n"
          "arch_bits:{}\r\n"
          "monotonic_clock:POSIX clock_gettime\r\n"
          "multiplexing_api:epoll\r\n"
          "atomicvar_api:c11-builtin\r\n"
          "gcc_version:{}.{}.{}\r\n"
          "process_id:{}\r\n"
          "process_supervised:no\r\n"
          "run_id:{}\r\n"
          "tcp_port:{}\r\n"
          "server_time_usec:{}\r\n"
          "uptime_in_seconds:{}\r\n"
          "uptime_in_days:{}\r\n"
          "hz:{}\r\n"
          "configured_hz:{}\r\n"
          "lru_clock:{}\r\n"
          "executable:{}\r\n"
          "config_file:{}\r\n"
          "io_threads_active:0\r\n",
          "7.0.15", EMBER_VERSION, build_id, have_name ? name.sysname : "",
          have_name ? name.release : "", have_name ? name.machine : "", sizeof(void*) * 8,
          gcc_major, gcc_minor, gcc_patch, int64_t(getpid()), s.run_id, s.config().port, NowUs(),
          uptime, uptime / (3600 * 24), s.config().hz, s.config().hz, LruClock(), s.executable,
          s.config().config_file());
  if (s.shutdown_initiated()) {
    Appendf(out, "shutdown_in_milliseconds:{}\r\n", s.shutdown_deadline_ms() - NowMs());
  }
}

void InfoClients(Server& s, std::string* out) {
  size_t connected = 0, max_in = 0, max_out = 0;
  for (auto& [id, c] : s.clients()) {
    if (c->has(kClientReplica)) continue;
    connected++;
    max_in = std::max(max_in, c->query_buffer_capacity() + c->argv_bytes);
    max_out = std::max(max_out, c->output_bytes());
  }
  Appendf(out,
          "# Clients\r\n"
          "connected_clients:{}\r\n"
          "cluster_connections:0\r\n"
          "maxclients:{}\r\n"
          "client_recent_max_input_buffer:{}\r\n"
          "client_recent_max_output_buffer:{}\r\n"
          "blocked_clients:{}\r\n"
          "tracking_clients:0\r\n"
          "clients_in_timeout_table:0\r\n",
          connected, s.config().maxclients, max_in, max_out, s.blocked_clients());
}

void InfoMemory(Server& s, std::string* out) {
  MemOverhead mh = ComputeMemOverhead(s);
  size_t system = TotalSystemMemory();
  const Config& cfg = s.config();
  Appendf(out,
          "# Memory\r\n"
          "used_memory:{}\r\n"
          "used_memory_human:{}\r\n"
          "used_memory_rss:{}\r\n"
          "used_memory_rss_human:{}\r\n"
          "used_memory_peak:{}\r\n"
          "used_memory_peak_human:{}\r\n"
          "used_memory_peak_perc:{:.2f}%\r\n"
          "used_memory_overhead:{}\r\n"
          "used_memory_startup:{}\r\n"
          "used_memory_dataset:{}\r\n"
          "used_memory_dataset_perc:{:.2f}%\r\n"
          "allocator_allocated:{}\r\n"
          "allocator_active:{}\r\n"
          "allocator_resident:{}\r\n"
          "total_system_memory:{}\r\n"
          "total_system_memory_human:{}\r\n",
          mh.total, BytesToHuman(mh.total), mh.rss, BytesToHuman(mh.rss), mh.peak,
          BytesToHuman(mh.peak), mh.peak_perc, mh.overhead_total, mh.startup, mh.dataset,
          mh.dataset_perc, mh.allocator_allocated, mh.allocator_active, mh.allocator_resident,
          system, BytesToHuman(system));
  // No scripting engine yet: the script and function figures are truthfully zero.
  Appendf(out,
          "used_memory_lua:0\r\n"
          "used_memory_vm_eval:0\r\n"
          "used_memory_lua_human:0B\r\n"
          "used_memory_scripts_eval:0\r\n"
          "number_of_cached_scripts:0\r\n"
          "number_of_functions:0\r\n"
          "number_of_libraries:0\r\n"
          "used_memory_vm_functions:0\r\n"
          "used_memory_vm_total:0\r\n"
          "used_memory_vm_total_human:0B\r\n"
          "used_memory_functions:0\r\n"
          "used_memory_scripts:0\r\n"
          "used_memory_scripts_human:0B\r\n");
  Appendf(out,
          "maxmemory:{}\r\n"
          "maxmemory_human:{}\r\n"
          "maxmemory_policy:{}\r\n"
          "allocator_frag_ratio:{:.2f}\r\n"
          "allocator_frag_bytes:{}\r\n"
          "allocator_rss_ratio:{:.2f}\r\n"
          "allocator_rss_bytes:{}\r\n"
          "rss_overhead_ratio:{:.2f}\r\n"
          "rss_overhead_bytes:{}\r\n"
          "mem_fragmentation_ratio:{:.2f}\r\n"
          "mem_fragmentation_bytes:{}\r\n"
          "mem_not_counted_for_evict:0\r\n"
          "mem_replication_backlog:{}\r\n"
          "mem_total_replication_buffers:{}\r\n"
          "mem_clients_slaves:{}\r\n"
          "mem_clients_normal:{}\r\n"
          "mem_cluster_links:0\r\n"
          "mem_aof_buffer:0\r\n"
          "mem_allocator:libc\r\n"
          "active_defrag_running:0\r\n"
          "lazyfree_pending_objects:{}\r\n"
          "lazyfreed_objects:{}\r\n",
          cfg.maxmemory, BytesToHuman(uint64_t(cfg.maxmemory)), cfg.maxmemory_policy,
          mh.allocator_frag,
          // Redis prints this one unsigned, so a negative difference wraps.
          uint64_t(mh.allocator_frag_bytes), mh.allocator_rss, mh.allocator_rss_bytes, mh.rss_extra,
          mh.rss_extra_bytes, mh.total_frag, mh.total_frag_bytes,
          s.backlog() ? s.backlog()->memory() : 0, mh.repl_buffers, mh.clients_slaves,
          mh.clients_normal, s.lazyfree().pending(), s.lazyfree().freed());
}

void InfoPersistence(Server& s, std::string* out) { AppendPersistenceInfo(s, out); }

void InfoStats(Server& s, std::string* out) {
  const Stats& st = s.stats();
  Instantaneous inst = SampleInstantaneous(s);
  Appendf(out,
          "# Stats\r\n"
          "total_connections_received:{}\r\n"
          "total_commands_processed:{}\r\n"
          "instantaneous_ops_per_sec:{}\r\n"
          "total_net_input_bytes:{}\r\n"
          "total_net_output_bytes:{}\r\n"
          "total_net_repl_input_bytes:0\r\n"
          "total_net_repl_output_bytes:0\r\n"
          "instantaneous_input_kbps:{:.2f}\r\n"
          "instantaneous_output_kbps:{:.2f}\r\n"
          "instantaneous_input_repl_kbps:0.00\r\n"
          "instantaneous_output_repl_kbps:0.00\r\n"
          "rejected_connections:{}\r\n"
          "sync_full:{}\r\n"
          "sync_partial_ok:{}\r\n"
          "sync_partial_err:{}\r\n"
          "expired_keys:{}\r\n"
          "expired_stale_perc:{:.2f}\r\n"
          "expired_time_cap_reached_count:{}\r\n"
          "expire_cycle_cpu_milliseconds:0\r\n"
          "evicted_keys:{}\r\n"
          "evicted_clients:0\r\n"
          "total_eviction_exceeded_time:0\r\n"
          "current_eviction_exceeded_time:0\r\n"
          "keyspace_hits:{}\r\n"
          "keyspace_misses:{}\r\n",
          st.connections_received, st.commands_processed, inst.ops_per_sec, st.net_input_bytes,
          st.net_output_bytes, float(inst.in_kbps), float(inst.out_kbps), st.rejected_connections,
          st.sync_full, st.sync_partial_ok, st.sync_partial_err, st.expired_keys,
          double(st.expired_stale_perc), st.expired_time_cap_reached, st.evicted_keys,
          st.keyspace_hits, st.keyspace_misses);
  PubsubTotals pubsub = PubsubServerTotals(s);
  Appendf(out,
          "pubsub_channels:{}\r\n"
          "pubsub_patterns:{}\r\n"
          "pubsubshard_channels:{}\r\n"
          "latest_fork_usec:{}\r\n"
          "total_forks:{}\r\n"
          "migrate_cached_sockets:{}\r\n"
          "slave_expires_tracked_keys:0\r\n"
          "active_defrag_hits:0\r\n"
          "active_defrag_misses:0\r\n"
          "active_defrag_key_hits:0\r\n"
          "active_defrag_key_misses:0\r\n"
          "total_active_defrag_time:0\r\n"
          "current_active_defrag_time:0\r\n"
          "tracking_total_keys:0\r\n"
          "tracking_total_items:0\r\n"
          "tracking_total_prefixes:0\r\n"
          "unexpected_error_replies:{}\r\n"
          "total_error_replies:{}\r\n"
          "dump_payload_sanitizations:0\r\n"
          "total_reads_processed:{}\r\n"
          "total_writes_processed:{}\r\n"
          "io_threaded_reads_processed:0\r\n"
          "io_threaded_writes_processed:0\r\n"
          "reply_buffer_shrinks:0\r\n"
          "reply_buffer_expands:0\r\n",
          pubsub.channels, pubsub.patterns, pubsub.shard_channels, st.latest_fork_usec,
          st.total_forks, MigrateCachedSockets(), st.unexpected_error_replies,
          st.total_error_replies, st.io_reads, st.io_writes);
}

void InfoReplication(Server& s, std::string* out) {
  std::string backlog = ConfigValue(s, "repl-backlog-size");
  if (backlog.empty()) backlog = "1048576";
  Appendf(out, "# Replication\r\nrole:{}\r\n", s.is_replica() ? "slave" : "master");
  if (s.is_replica()) {
    s.replica_link().AppendInfo(out);
    Appendf(out,
            "slave_priority:{}\r\n"
            "slave_read_only:{}\r\n"
            "replica_announced:{}\r\n",
            ConfigValue(s, "replica-priority"),
            ConfigValue(s, "replica-read-only") == "yes" ? 1 : 0,
            ConfigValue(s, "replica-announced") == "yes" ? 1 : 0);
  }
  Appendf(out, "connected_slaves:{}\r\n", s.replicas().size());
  int64_t min_write = 0, max_lag = 0;
  StringToInt64(ConfigValue(s, "min-replicas-to-write"), &min_write);
  StringToInt64(ConfigValue(s, "min-replicas-max-lag"), &max_lag);
  if (min_write && max_lag) Appendf(out, "min_slaves_good_slaves:{}\r\n", s.GoodReplicas());
  int64_t now_ms = NowMs();
  int n = 0;
  for (Client* rc : s.replicas()) {
    std::string peer = rc->conn() ? rc->conn()->peer() : std::string("?:0");
    Appendf(out, "slave{}:ip={},port={},state={},offset={},lag={}\r\n", n++,
            peer.substr(0, peer.rfind(':')), rc->repl_listening_port,
            rc->has(kClientReplicaOnline) ? "online" : "wait_bgsave", rc->repl_ack_off,
            rc->repl_ack_time_ms ? (now_ms - rc->repl_ack_time_ms) / 1000 : 0);
  }
  const ReplBacklog* b = s.backlog();
  Appendf(out,
          "master_failover_state:no-failover\r\n"
          "master_replid:{}\r\n"
          "master_replid2:{}\r\n"
          "master_repl_offset:{}\r\n"
          "second_repl_offset:{}\r\n"
          "repl_backlog_active:{}\r\n"
          "repl_backlog_size:{}\r\n"
          "repl_backlog_first_byte_offset:{}\r\n"
          "repl_backlog_histlen:{}\r\n",
          MasterReplId(s), s.replid2(), s.master_repl_offset(), s.second_replid_offset(), b ? 1 : 0,
          backlog, b ? b->first_offset() : 0, b ? b->histlen() : 0);
}

void InfoCpu(std::string* out) {
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  Appendf(out,
          "# CPU\r\n"
          "used_cpu_sys:{}.{:06}\r\n"
          "used_cpu_user:{}.{:06}\r\n"
          "used_cpu_sys_children:{}.{:06}\r\n"
          "used_cpu_user_children:{}.{:06}\r\n",
          int64_t(self.ru_stime.tv_sec), int64_t(self.ru_stime.tv_usec),
          int64_t(self.ru_utime.tv_sec), int64_t(self.ru_utime.tv_usec),
          int64_t(children.ru_stime.tv_sec), int64_t(children.ru_stime.tv_usec),
          int64_t(children.ru_utime.tv_sec), int64_t(children.ru_utime.tv_usec));
#ifdef RUSAGE_THREAD
  rusage thread{};
  getrusage(RUSAGE_THREAD, &thread);
  Appendf(out,
          "used_cpu_sys_main_thread:{}.{:06}\r\n"
          "used_cpu_user_main_thread:{}.{:06}\r\n",
          int64_t(thread.ru_stime.tv_sec), int64_t(thread.ru_stime.tv_usec),
          int64_t(thread.ru_utime.tv_sec), int64_t(thread.ru_utime.tv_usec));
#endif
}

void InfoCommandStats(Server& s, std::string* out) {
  out->append("# Commandstats\r\n");
  s.commands().ForEachIncludingSubs([&](const Command& c) {
    if (!c.calls && !c.failed_calls && !c.rejected_calls) return;
    float per_call = c.calls ? float(c.usec) / float(c.calls) : 0.0f;
    Appendf(out,
            "cmdstat_{}:calls={},usec={},usec_per_call={:.2f},rejected_calls={},"
            "failed_calls={}\r\n",
            SafeInfoString(c.fullname), c.calls, c.usec, per_call, c.rejected_calls,
            c.failed_calls);
  });
}

void InfoErrorStats(Server& s, std::string* out) {
  out->append("# Errorstats\r\n");
  for (auto& [code, count] : s.stats().error_counts) {
    Appendf(out, "errorstat_{}:count={}\r\n", SafeInfoString(code), count);
  }
}

// "p50", "p99.9": the percentile as "%f" prints it, trailing zeros and dot removed.
std::string PercentileName(double p) {
  std::string f = fmt::format("{:f}", p);
  if (f.find('.') != std::string::npos) {
    while (f.back() == '0') f.pop_back();
    if (f.back() == '.') f.pop_back();
  }
  return f;
}

void InfoLatencyStats(Server& s, std::string* out) {
  out->append("# Latencystats\r\n");
  if (!s.config().latency_tracking) return;
  const auto& percentiles = s.config().latency_tracking_info_percentiles;
  s.commands().ForEachIncludingSubs([&](const Command& c) {
    if (!c.latency || c.latency->total() == 0) return;
    Appendf(out, "latency_percentiles_usec_{}:", SafeInfoString(c.fullname));
    for (size_t i = 0; i < percentiles.size(); i++) {
      if (i) out->push_back(',');
      Appendf(out, "p{}={:.3f}", PercentileName(percentiles[i]),
              double(c.latency->ValueAtPercentile(percentiles[i])) / 1000.0);
    }
    out->append("\r\n");
  });
}

void InfoKeyspace(Server& s, std::string* out) {
  out->append("# Keyspace\r\n");
  for (int i = 0; i < s.db_count(); i++) {
    Db& db = s.db(i);
    if (db.size() == 0 && db.expires_size() == 0) continue;
    Appendf(out, "db{}:keys={},expires={},avg_ttl={}\r\n", i, db.size(), db.expires_size(),
            db.avg_ttl_ms);
  }
}

// --------------------------------------------------------------------------------------
// INFO

void InfoCmd(Client& c, CmdArgs args) {
  static const char* kDefaults[] = {"server",     "clients",     "memory",  "persistence",
                                    "stats",      "replication", "cpu",     "module_list",
                                    "errorstats", "cluster",     "keyspace"};
  std::vector<std::string> sections;
  bool all = false, everything = false;
  if (args.size() == 1) {
    sections.assign(std::begin(kDefaults), std::end(kDefaults));
  }
  for (size_t i = 1; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "default")) {
      sections.insert(sections.end(), std::begin(kDefaults), std::end(kDefaults));
    } else if (EqualsIgnoreCase(args[i], "all")) {
      all = true;
    } else if (EqualsIgnoreCase(args[i], "everything")) {
      all = everything = true;
    } else {
      sections.push_back(ToLower(args[i]));
    }
  }
  std::string info = c.server().InfoString(sections, all, everything);
  c.reply().Verbatim(info, "txt");
}

// --------------------------------------------------------------------------------------
// CONFIG

void ConfigGetCmd(Client& c, CmdArgs args) {
  auto pairs = c.server().config().Get(args.subspan(2));
  ReplyBuilder& r = c.reply();
  r.MapHeader(int64_t(pairs.size()));
  for (auto& [name, value] : pairs) {
    r.Bulk(name);
    r.Bulk(value);
  }
}

void ConfigSetCmd(Client& c, CmdArgs args) {
  if (args.size() % 2 != 0) {
    c.reply().Error(err::kSyntax);
    return;
  }
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  pairs.reserve((args.size() - 2) / 2);
  for (size_t i = 2; i + 1 < args.size(); i += 2) {
    pairs.emplace_back(args[i], args[i + 1]);
    if (c.server().config().IsSensitive(args[i])) c.RedactArg(int(i + 1));
  }
  bool local = c.has(kClientFake) || (c.conn() && c.conn()->is_loopback());
  Status st = c.server().config().Set(pairs, local, c.server().loading);
  if (st.ok()) {
    c.reply().Ok();
    return;
  }
  const std::string& msg = st.message();
  if (msg.rfind("ERR ", 0) == 0 || msg.rfind("-LOADING ", 0) == 0) {
    c.reply().Error(msg);
  } else {
    ReplyErr(c, msg);
  }
}

void ResetInstantaneous(Server& s) { Rings().erase(&s); }

void ConfigResetStatCmd(Client& c, CmdArgs) {
  Server& s = c.server();
  int64_t start = s.stats().start_time_ms;
  s.stats() = Stats{};
  s.stats().start_time_ms = start;
  s.commands().ResetStats();
  s.lazyfree().ResetStats();
  ResetInstantaneous(s);
  c.reply().Ok();
}

void ConfigRewriteCmd(Client& c, CmdArgs) {
  Config& cfg = c.server().config();
  if (cfg.config_file().empty()) {
    c.reply().Error("The server is running without a config file");
    return;
  }
  Status st = cfg.Rewrite();
  if (!st.ok()) {
    spdlog::warn("CONFIG REWRITE failed: {}", st.message());
    if (st.message().rfind("Rewriting config file", 0) == 0) {
      ReplyErr(c, st.message());
    } else {
      ReplyErr(c, "Rewriting config file: " + st.message());
    }
    return;
  }
  spdlog::warn("CONFIG REWRITE executed with success.");
  c.reply().Ok();
}

void ConfigHelpCmd(Client& c, CmdArgs args) {
  ReplyHelp(
      c, args,
      {"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
       "SET <directive> <value>", "    Set the configuration <directive> to <value>.", "RESETSTAT",
       "    Reset statistics reported by the INFO command.", "REWRITE",
       "    Rewrite the configuration file."});
}

// --------------------------------------------------------------------------------------
// SLOWLOG

void SlowlogGetCmd(Client& c, CmdArgs args) {
  if (args.size() > 3) return ReplySubcommandSyntaxError(c, args);
  Server& s = c.server();
  int64_t count = 10;
  if (args.size() == 3) {
    constexpr std::string_view kMsg = "count should be greater than or equal to -1";
    if (!StringToInt64(args[2], &count) || count < -1) {
      c.reply().Error(kMsg);
      return;
    }
    if (count == -1) count = int64_t(s.slowlog.size());
  }
  size_t n = std::min(size_t(count), s.slowlog.size());
  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(n));
  for (size_t i = 0; i < n; i++) {
    const SlowlogEntry& e = s.slowlog[i];
    r.ArrayHeader(6);
    r.Integer(int64_t(e.id));
    r.Integer(e.time_s);
    r.Integer(e.duration_us);
    r.ArrayHeader(int64_t(e.args.size()));
    for (const std::string& a : e.args) r.Bulk(a);
    r.Bulk(e.peer);
    r.Bulk(e.name);
  }
}

void SlowlogLenCmd(Client& c, CmdArgs) { c.reply().Integer(int64_t(c.server().slowlog.size())); }

void SlowlogResetCmd(Client& c, CmdArgs) {
  c.server().slowlog.clear();
  c.reply().Ok();
}

void SlowlogHelpCmd(Client& c, CmdArgs args) {
  ReplyHelp(c, args,
            {"GET [<count>]",
             "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
             "    Entries are made of:",
             "    id, timestamp, time in microseconds, arguments array, client IP and port,",
             "    client name", "LEN", "    Return the length of the slowlog.", "RESET",
             "    Reset the slowlog."});
}

// --------------------------------------------------------------------------------------
// LATENCY

void LatencyLatestCmd(Client& c, CmdArgs) {
  auto& events = c.server().latency_events;
  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(events.size()));
  for (auto& [name, series] : events) {
    r.ArrayHeader(4);
    r.Bulk(name);
    if (series.samples.empty()) {
      r.Integer(0);
      r.Integer(0);
    } else {
      r.Integer(series.samples.back().time_s);
      r.Integer(series.samples.back().latency_ms);
    }
    r.Integer(series.max_ms);
  }
}

void LatencyHistoryCmd(Client& c, CmdArgs args) {
  auto& events = c.server().latency_events;
  auto it = events.find(std::string(args[2]));
  ReplyBuilder& r = c.reply();
  if (it == events.end()) {
    r.ArrayHeader(0);
    return;
  }
  r.ArrayHeader(int64_t(it->second.samples.size()));
  for (const LatencySample& smp : it->second.samples) {
    r.ArrayHeader(2);
    r.Integer(smp.time_s);
    r.Integer(smp.latency_ms);
  }
}

void LatencyResetCmd(Client& c, CmdArgs args) {
  auto& events = c.server().latency_events;
  int64_t resets = 0;
  if (args.size() == 2) {
    resets = int64_t(events.size());
    events.clear();
  } else {
    for (size_t i = 2; i < args.size(); i++) {
      for (auto it = events.begin(); it != events.end();) {
        if (EqualsIgnoreCase(it->first, args[i])) {
          it = events.erase(it);
          resets++;
        } else {
          ++it;
        }
      }
    }
  }
  c.reply().Integer(resets);
}

// An ASCII sparkline, rendered as Redis's LATENCY GRAPH draws it: `rows` rows of
// "_o#" steps (with '|' below the top step), then the labels printed vertically.
struct SparkSample {
  double value;
  std::string label;
};

void RenderSparkRange(std::string* out, const std::vector<SparkSample>& seq, double min, double max,
                      int rows, size_t offset, size_t len) {
  static constexpr char kFill[] = "_o#";
  constexpr int kCharsetLen = 3;
  constexpr int kLabelMarginTop = 1;
  double relmax = max - min;
  if (relmax == 0) relmax = 1;
  int steps = kCharsetLen * rows;
  bool has_labels = false;
  for (const auto& smp : seq) has_labels = has_labels || !smp.label.empty();
  std::string line(len, ' ');
  for (int row = 0;; row++) {
    bool more = false;
    std::fill(line.begin(), line.end(), ' ');
    for (size_t j = 0; j < len; j++) {
      const SparkSample& smp = seq[j + offset];
      int step = int(double(int((smp.value - min) * steps)) / relmax);
      step = std::clamp(step, 0, steps - 1);
      if (row < rows) {
        more = true;
        int idx = step - (rows - row - 1) * kCharsetLen;
        if (idx >= 0 && idx < kCharsetLen) {
          line[j] = kFill[idx];
        } else if (idx >= kCharsetLen) {
          line[j] = '|';
        }
      } else {
        if (has_labels && row - rows < kLabelMarginTop) {
          more = true;
          break;
        }
        int at = row - rows - kLabelMarginTop;
        if (int(smp.label.size()) > at) {
          more = true;
          line[j] = smp.label[size_t(at)];
        }
      }
    }
    if (!more) break;
    out->append(line);
    out->push_back('\n');
  }
}

std::string LatencyGraph(const std::string& event, const LatencySeries& series) {
  constexpr size_t kCols = 80;
  std::vector<SparkSample> seq;
  int64_t now = NowMs() / 1000;
  int64_t lo = 0, hi = 0;
  double smin = 0, smax = 0;
  for (const LatencySample& smp : series.samples) {
    if (seq.empty()) {
      lo = hi = smp.latency_ms;
      smin = smax = double(smp.latency_ms);
    } else {
      lo = std::min(lo, smp.latency_ms);
      hi = std::max(hi, smp.latency_ms);
      smin = std::min(smin, double(smp.latency_ms));
      smax = std::max(smax, double(smp.latency_ms));
    }
    int64_t ago = now - smp.time_s;
    std::string label;
    if (ago < 60) {
      label = fmt::format("{}s", ago);
    } else if (ago < 3600) {
      label = fmt::format("{}m", ago / 60);
    } else if (ago < 3600 * 24) {
      label = fmt::format("{}h", ago / 3600);
    } else {
      label = fmt::format("{}d", ago / (3600 * 24));
    }
    seq.push_back({double(smp.latency_ms), std::move(label)});
  }
  std::string g = fmt::format("{} - high {} ms, low {} ms (all time high {} ms)\n", event, hi, lo,
                              series.max_ms);
  g.append(kCols, '-');
  g.push_back('\n');
  for (size_t j = 0; j < seq.size(); j += kCols) {
    if (j != 0) g.push_back('\n');
    RenderSparkRange(&g, seq, smin, smax, 4, j, std::min(kCols, seq.size() - j));
  }
  return g;
}

void LatencyGraphCmd(Client& c, CmdArgs args) {
  auto& events = c.server().latency_events;
  auto it = events.find(std::string(args[2]));
  if (it == events.end()) {
    c.reply().Error(fmt::format("No samples available for event '{}'", args[2]));
    return;
  }
  c.reply().Verbatim(LatencyGraph(it->first, it->second), "txt");
}

// Bytes of transparent huge pages mapped anonymously by this process.
int64_t AnonHugePagesBytes() {
  FILE* f = fopen("/proc/self/smaps", "r");
  if (!f) return 0;
  char line[1024];
  int64_t total = 0;
  while (fgets(line, sizeof(line), f)) {
    if (strncmp(line, "AnonHugePages:", 14) == 0) {
      total += strtoll(line + 14, nullptr, 10) * 1024;
    }
  }
  fclose(f);
  return total;
}

std::string LatencyDoctorReport(Server& s) {
  auto& events = s.latency_events;
  const Config& cfg = s.config();
  if (events.empty() && cfg.latency_monitor_threshold == 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
           "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in "
           "order to enable it. If we weren't in a deep space mission I'd suggest to take a "
           "look at https://redis.io/topics/latency-monitor.\n";
  }
  enum Advice {
    kBetterVm,
    kSlowlogEnabled,
    kSlowlogTuning,
    kSlowlogInspect,
    kDiskContention,
    kScheduler,
    kDataWriteback,
    kNoAppendfsync,
    kLocalDisk,
    kSsd,
    kWriteLoadInfo,
    kHz,
    kLargeObjects,
    kMassEviction,
    kRelaxFsync,
    kDisableThp,
    kAdviceCount
  };
  bool advise[kAdviceCount] = {};
  int advices = 0;
  auto add = [&](std::initializer_list<Advice> list) {
    for (Advice a : list) advise[a] = true;
    advices += int(list.size());
  };
  std::string report;
  int eventnum = 0;
  int64_t now = NowMs() / 1000;
  for (auto& [event, series] : events) {
    eventnum++;
    if (eventnum == 1) {
      report +=
          "Dave, I have observed latency spikes in this Redis instance. You don't mind "
          "talking about it, do you Dave?\n\n";
    }
    // Statistics of the retained samples: mean, mean absolute deviation, period.
    int64_t samples = int64_t(series.samples.size());
    uint64_t sum = 0;
    int64_t oldest = 0;
    for (const LatencySample& smp : series.samples) {
      sum += uint64_t(smp.latency_ms);
      if (oldest == 0 || smp.time_s < oldest) oldest = smp.time_s;
    }
    uint64_t avg = samples ? sum / uint64_t(samples) : 0;
    int64_t period = 0;
    if (samples) {
      period = now - oldest;
      if (period == 0) period = 1;
    }
    uint64_t dev = 0;
    for (const LatencySample& smp : series.samples) {
      int64_t d = int64_t(avg) - smp.latency_ms;
      dev += uint64_t(d < 0 ? -d : d);
    }
    uint64_t mad = samples ? dev / uint64_t(samples) : 0;
    Appendf(&report,
            "{}. {}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2f} sec). "
            "Worst all time event {}ms.",
            eventnum, event, samples, avg, mad,
            samples ? double(period) / double(samples) : std::nan(""), series.max_ms);
    std::string ev = ToLower(event);
    if (ev == "fork") {
      // No fork has been measured yet (persistence is not implemented).
      double fork_rate = 0;
      add({kBetterVm});
      Appendf(&report, " Fork rate is {:.2f} GB/sec ({}).", fork_rate, "terrible");
    }
    if (ev == "command") {
      if (cfg.slowlog_log_slower_than < 0) {
        add({kSlowlogEnabled});
      } else if (cfg.slowlog_log_slower_than / 1000 > cfg.latency_monitor_threshold) {
        add({kSlowlogTuning});
      }
      add({kSlowlogInspect, kLargeObjects});
    }
    if (ev == "fast-command") add({kScheduler});
    if (ev == "aof-write-pending-fsync") add({kLocalDisk, kDiskContention, kSsd, kDataWriteback});
    if (ev == "aof-write-active-child") add({kNoAppendfsync, kDataWriteback, kSsd});
    if (ev == "aof-write-alone") add({kLocalDisk, kDataWriteback, kSsd});
    if (ev == "aof-fsync-always") add({kRelaxFsync});
    if (ev == "aof-fstat" || ev == "rdb-unlink-temp-file") add({kDiskContention, kLocalDisk});
    if (ev == "aof-rewrite-diff-write" || ev == "aof-rename") {
      add({kWriteLoadInfo, kDataWriteback, kSsd, kLocalDisk});
    }
    if (ev == "expire-cycle") add({kHz, kLargeObjects});
    if (ev == "eviction-del") add({kLargeObjects});
    if (ev == "eviction-cycle") add({kMassEviction});
    report.push_back('\n');
  }
  if (AnonHugePagesBytes() > 0) add({kDisableThp});

  if (eventnum == 0 && advices == 0) {
    report +=
        "Dave, no latency spike was observed during the lifetime of this Redis instance, "
        "not in the slightest bit. I honestly think you ought to sit down calmly, take a "
        "stress pill, and think things over.\n";
    return report;
  }
  if (eventnum > 0 && advices == 0) {
    report +=
        "\nWhile there are latency events logged, I'm not able to suggest any easy fix. "
        "Please use the Redis community to get some help, providing this report in your "
        "help request.\n";
    return report;
  }
  int64_t suggested = cfg.latency_monitor_threshold * 1000;
  report += "\nI have a few advices for you:\n\n";
  if (advise[kBetterVm]) {
    report +=
        "- If you are using a virtual machine, consider upgrading it with a faster one "
        "using a hypervisior that provides less latency during fork() calls. Xen is known "
        "to have poor fork() performance. Even in the context of the same VM provider, "
        "certain kinds of instances can execute fork faster than others.\n";
  }
  if (advise[kSlowlogEnabled]) {
    Appendf(&report,
            "- There are latency issues with potentially slow commands you are using. Try to "
            "enable the Slow Log Redis feature using the command 'CONFIG SET "
            "slowlog-log-slower-than {}'. If the Slow log is disabled Redis is not able to log "
            "slow commands execution for you.\n",
            suggested);
  }
  if (advise[kSlowlogTuning]) {
    Appendf(&report,
            "- Your current Slow Log configuration only logs events that are slower than your "
            "configured latency monitor threshold. Please use 'CONFIG SET "
            "slowlog-log-slower-than {}'.\n",
            suggested);
  }
  if (advise[kSlowlogInspect]) {
    report +=
        "- Check your Slow Log to understand what are the commands you are running which "
        "are too slow to execute. Please check https://redis.io/commands/slowlog for more "
        "information.\n";
  }
  if (advise[kScheduler]) {
    report +=
        "- The system is slow to execute Redis code paths not containing system calls. "
        "This usually means the system does not provide Redis CPU time to run for long "
        "periods. You should try to:\n"
        "  1) Lower the system load.\n"
        "  2) Use a computer / VM just for Redis if you are running other software in the "
        "same system.\n"
        "  3) Check if you have a \"noisy neighbour\" problem.\n"
        "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic "
        "latency in your system.\n"
        "  5) Check if the problem is allocator-related by recompiling Redis with "
        "MALLOC=libc, if you are using Jemalloc. However this may create fragmentation "
        "problems.\n";
  }
  if (advise[kLocalDisk]) {
    report +=
        "- It is strongly advised to use local disks for persistence, especially if you "
        "are using AOF. Remote disks provided by platform-as-a-service providers are known "
        "to be slow.\n";
  }
  if (advise[kSsd]) {
    report +=
        "- SSD disks are able to reduce fsync latency, and total time needed for "
        "snapshotting and AOF log rewriting (resulting in smaller memory usage). With "
        "extremely high write load SSD disks can be a good option. However Redis should "
        "perform reasonably with high load using normal disks. Use this advice as a last "
        "resort.\n";
  }
  if (advise[kDataWriteback]) {
    report +=
        "- Mounting ext3/4 filesystems with data=writeback can provide a performance "
        "boost compared to data=ordered, however this mode of operation provides less "
        "guarantees, and sometimes it can happen that after a hard crash the AOF file will "
        "have a half-written command at the end and will require to be repaired before "
        "Redis restarts.\n";
  }
  if (advise[kDiskContention]) {
    report +=
        "- Try to lower the disk contention. This is often caused by other disk intensive "
        "processes running in the same computer (including other Redis instances).\n";
  }
  if (advise[kNoAppendfsync]) {
    report +=
        "- Assuming from the point of view of data safety this is viable in your "
        "environment, you could try to enable the 'no-appendfsync-on-rewrite' option, so "
        "that fsync will not be performed while there is a child rewriting the AOF file or "
        "producing an RDB file (the moment where there is high disk contention).\n";
  }
  if (advise[kRelaxFsync] && ConfigValue(s, "appendfsync") == "always") {
    report +=
        "- Your fsync policy is set to 'always'. It is very hard to get good performances "
        "with such a setup, if possible try to relax the fsync policy to 'onesec'.\n";
  }
  if (advise[kWriteLoadInfo]) {
    report +=
        "- Latency during the AOF atomic rename operation or when the final difference is "
        "flushed to the AOF file at the end of the rewrite, sometimes is caused by very "
        "high write load, causing the AOF buffer to get very large. If possible try to "
        "send less commands to accomplish the same work, or use Lua scripts to group "
        "multiple operations into a single EVALSHA call.\n";
  }
  if (advise[kHz] && cfg.hz < 100) {
    report +=
        "- In order to make the Redis keys expiring process more incremental, try to set "
        "the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n";
  }
  if (advise[kLargeObjects]) {
    report +=
        "- Deleting, expiring or evicting (because of maxmemory policy) large objects is "
        "a blocking operation. If you have very large objects that are often deleted, "
        "expired, or evicted, try to fragment those objects into multiple smaller "
        "objects.\n";
  }
  if (advise[kMassEviction]) {
    report +=
        "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of "
        "large objects via sets or sorted sets intersections, STORE option of SORT, Redis "
        "Cluster large keys migrations (RESTORE command), may create sudden memory "
        "pressure forcing the server to block trying to evict keys. \n";
  }
  if (advise[kDisableThp]) {
    report +=
        "- I detected a non zero amount of anonymous huge pages used by your process. "
        "This creates very serious latency events in different conditions, especially "
        "when Redis is persisting on disk. To disable THP support use the command 'echo "
        "never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it "
        "into /etc/rc.local so that the command will be executed again after a reboot. "
        "Note that even if you have already disabled THP, you still need to restart the "
        "Redis process to get rid of the huge pages already created.\n";
  }
  return report;
}

void LatencyDoctorCmd(Client& c, CmdArgs) {
  c.reply().Verbatim(LatencyDoctorReport(c.server()), "txt");
}

// A command has data once its histogram has samples (Redis creates the histogram on the
// first call made while latency-tracking is on).
bool HasLatencyData(const Command& cmd) { return cmd.latency && cmd.latency->total() > 0; }

void ReplyCommandCdf(ReplyBuilder& r, const Command& cmd) {
  r.Bulk(cmd.fullname);
  r.MapHeader(2);
  r.Bulk("calls");
  const LatencyHistogram& h = *cmd.latency;
  r.Integer(int64_t(h.total()));
  r.Bulk("histogram_usec");
  std::vector<std::pair<int64_t, uint64_t>> steps;
  h.ForEachCdfStep([&](int64_t usec, uint64_t cum) { steps.emplace_back(usec, cum); });
  r.MapHeader(int64_t(steps.size()));
  for (auto& [usec, cum] : steps) {
    r.Integer(usec);
    r.Integer(int64_t(cum));
  }
}

void LatencyHistogramCmd(Client& c, CmdArgs args) {
  Server& s = c.server();
  ReplyBuilder& r = c.reply();
  size_t handle = r.DeferredLength();
  int64_t n = 0;
  if (args.size() == 2) {
    s.commands().ForEachIncludingSubs([&](const Command& cmd) {
      if (!HasLatencyData(cmd)) return;
      ReplyCommandCdf(r, cmd);
      n++;
    });
  } else {
    for (size_t i = 2; i < args.size(); i++) {
      const Command* cmd = s.commands().Find(args[i]);
      if (!cmd) continue;
      if (HasLatencyData(*cmd)) {
        ReplyCommandCdf(r, *cmd);
        n++;
      }
      for (auto& [name, sub] : cmd->subcommands) {
        if (!HasLatencyData(*sub)) continue;
        ReplyCommandCdf(r, *sub);
        n++;
      }
    }
  }
  r.SetDeferredMapLength(handle, n);
}

void LatencyHelpCmd(Client& c, CmdArgs args) {
  ReplyHelp(c, args,
            {"DOCTOR", "    Return a human readable latency analysis report.", "GRAPH <event>",
             "    Return an ASCII latency graph for the <event> class.", "HISTORY <event>",
             "    Return time-latency samples for the <event> class.", "LATEST",
             "    Return the latest latency samples for all events.", "RESET [<event> ...]",
             "    Reset latency data of one or more <event> classes.",
             "    (default: reset all data for all event classes)", "HISTOGRAM [COMMAND ...]",
             "    Return a cumulative distribution of latencies in the format of a histogram "
             "for the specified command names.",
             "    If no commands are specified then all histograms are replied."});
}

// --------------------------------------------------------------------------------------
// MEMORY

void MemoryUsageCmd(Client& c, CmdArgs args) {
  for (size_t j = 3; j < args.size(); j++) {
    if (EqualsIgnoreCase(args[j], "samples") && j + 1 < args.size()) {
      int64_t samples;
      if (!ParseInt64Arg(c, args[j + 1], &samples)) return;
      if (samples < 0) {
        c.reply().Error(err::kSyntax);
        return;
      }
      j++;  // Nested values are sampled by their types; strings need no sampling.
    } else {
      c.reply().Error(err::kSyntax);
      return;
    }
  }
  // As Redis: a plain lookup, no expiry and no access-time update.
  Db& db = c.db();
  Entry* e = db.Find(args[2]);
  if (!e) {
    c.reply().Null();
    return;
  }
  size_t usage = e->Bytes();
  size_t keys = db.keys().size();
  if (keys) usage += db.keys().BucketBytes() / keys;  // this key's share of the buckets
  c.reply().Integer(int64_t(usage));
}

void MemoryStatsCmd(Client& c, CmdArgs) {
  MemOverhead mh = ComputeMemOverhead(c.server());
  ReplyBuilder& r = c.reply();
  auto num = [&](std::string_view k, int64_t v) {
    r.Bulk(k);
    r.Integer(v);
  };
  auto dbl = [&](std::string_view k, float v) {
    r.Bulk(k);
    r.Double(double(v));
  };
  r.MapHeader(27 + int64_t(mh.dbs.size()));
  num("peak.allocated", int64_t(mh.peak));
  num("total.allocated", int64_t(mh.total));
  num("startup.allocated", int64_t(mh.startup));
  num("replication.backlog", 0);
  num("clients.slaves", int64_t(mh.clients_slaves));
  num("clients.normal", int64_t(mh.clients_normal));
  num("cluster.links", 0);
  num("aof.buffer", 0);
  num("lua.caches", 0);
  num("functions.caches", 0);
  for (const DbOverhead& o : mh.dbs) {
    r.Bulk(fmt::format("db.{}", o.id));
    r.MapHeader(3);
    num("overhead.hashtable.main", int64_t(o.main));
    num("overhead.hashtable.expires", int64_t(o.expires));
    num("overhead.hashtable.slot-to-keys", 0);
  }
  num("overhead.total", int64_t(mh.overhead_total));
  num("keys.count", int64_t(mh.total_keys));
  num("keys.bytes-per-key", int64_t(mh.bytes_per_key));
  num("dataset.bytes", int64_t(mh.dataset));
  dbl("dataset.percentage", mh.dataset_perc);
  dbl("peak.percentage", mh.peak_perc);
  num("allocator.allocated", int64_t(mh.allocator_allocated));
  num("allocator.active", int64_t(mh.allocator_active));
  num("allocator.resident", int64_t(mh.allocator_resident));
  dbl("allocator-fragmentation.ratio", mh.allocator_frag);
  num("allocator-fragmentation.bytes", mh.allocator_frag_bytes);
  dbl("allocator-rss.ratio", mh.allocator_rss);
  num("allocator-rss.bytes", mh.allocator_rss_bytes);
  dbl("rss-overhead.ratio", mh.rss_extra);
  num("rss-overhead.bytes", mh.rss_extra_bytes);
  dbl("fragmentation", mh.total_frag);
  num("fragmentation.bytes", mh.total_frag_bytes);
}

std::string MemoryDoctorReport(Server& s) {
  MemOverhead mh = ComputeMemOverhead(s);
  bool empty = false, big_peak = false, high_frag = false, high_alloc_frag = false,
       high_proc_rss = false, high_alloc_rss = false, big_client_buf = false;
  int reports = 0;
  if (mh.total < 5 * 1024 * 1024) {
    empty = true;
    reports++;
  } else {
    if (float(mh.peak) / float(mh.total) > 1.5f) {
      big_peak = true;
      reports++;
    }
    if (mh.total_frag > 1.4f && mh.total_frag_bytes > (10 << 20)) {
      high_frag = true;
      reports++;
    }
    if (mh.allocator_frag > 1.1f && mh.allocator_frag_bytes > (10 << 20)) {
      high_alloc_frag = true;
      reports++;
    }
    if (mh.allocator_rss > 1.1f && mh.allocator_rss_bytes > (10 << 20)) {
      high_alloc_rss = true;
      reports++;
    }
    if (mh.rss_extra > 1.1f && mh.rss_extra_bytes > (10 << 20)) {
      high_proc_rss = true;
      reports++;
    }
    size_t clients = 0;
    for (auto& [id, c] : s.clients()) clients += c->has(kClientReplica) ? 0 : 1;
    if (clients && mh.clients_normal / clients > 1024 * 200) {
      big_client_buf = true;
      reports++;
    }
  }
  if (reports == 0) {
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for "
           "what occurs on this base.\n";
  }
  if (empty) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector "
           "can't be used in these conditions. Please, leave for your mission on Earth and fill "
           "it with some data. The new Sam and I will be back to our programming as soon as I "
           "finished rebooting.\n";
  }
  std::string r = "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
  if (big_peak) {
    r += " * Peak memory: In the past this instance used more than 150% the memory that is "
         "currently using. The allocator is normally not able to release memory after a peak, so "
         "you can expect to see a big fragmentation ratio, however this is actually harmless and "
         "is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is "
         "currently bigger than expected, the memory will be used as soon as you fill the Redis "
         "instance with more data. If the memory peak was only occasional and you want to try "
         "to reclaim memory, please try the MEMORY PURGE command, otherwise the only other "
         "option is to shutdown and restart the instance.\n\n";
  }
  if (high_frag) {
    r += " * High total RSS: This instance has a memory fragmentation and RSS overhead greater "
         "than 1.4 (this means that the Resident Set Size of the Redis process is much larger "
         "than the sum of the logical allocations Redis performed). This problem is usually due "
         "either to a large peak memory (check if there is a peak memory entry above in the "
         "report) or may result from a workload that causes the allocator to fragment memory a "
         "lot. If the problem is a large peak memory, then there is no issue. Otherwise, make "
         "sure you are using the Jemalloc allocator and not the default libc malloc. Note: The "
         "currently used allocator is \"libc\".\n\n";
  }
  if (high_alloc_frag) {
    r += " * High allocator fragmentation: This instance has an allocator external "
         "fragmentation greater than 1.1. This problem is usually due either to a large peak "
         "memory (check if there is a peak memory entry above in the report) or may result from "
         "a workload that causes the allocator to fragment memory a lot. You can try enabling "
         "'activedefrag' config option.\n\n";
  }
  if (high_alloc_rss) {
    r += " * High allocator RSS overhead: This instance has an RSS memory overhead is greater "
         "than 1.1 (this means that the Resident Set Size of the allocator is much larger than "
         "the sum what the allocator actually holds). This problem is usually due to a large "
         "peak memory (check if there is a peak memory entry above in the report), you can try "
         "the MEMORY PURGE command to reclaim it.\n\n";
  }
  if (high_proc_rss) {
    r += " * High process RSS overhead: This instance has non-allocator RSS memory overhead is "
         "greater than 1.1 (this means that the Resident Set Size of the Redis process is much "
         "larger than the RSS the allocator holds). This problem may be due to Lua scripts or "
         "Modules.\n\n";
  }
  if (big_client_buf) {
    r += " * Big client buffers: The clients output buffers in this instance are greater than "
         "200K per client (on average). This may result from different causes, like Pub/Sub "
         "clients subscribed to channels bot not receiving data fast enough, so that data piles "
         "on the Redis instance output buffer, or clients sending commands with large replies "
         "or very large sequences of commands in the same pipeline. Please use the CLIENT LIST "
         "command in order to investigate the issue if it causes problems in your instance, or "
         "to understand better why certain clients are using a big amount of memory.\n\n";
  }
  r += "I'm here to keep you safe, Sam. I want to help you.\n";
  return r;
}

void MemoryDoctorCmd(Client& c, CmdArgs) {
  c.reply().Verbatim(MemoryDoctorReport(c.server()), "txt");
}

void MemoryMallocStatsCmd(Client& c, CmdArgs) {
  c.reply().Bulk("Stats not supported for the current allocator");
}

void MemoryPurgeCmd(Client& c, CmdArgs) {
  malloc_trim(0);  // glibc: give free heap pages back to the system
  c.reply().Ok();
}

void MemoryHelpCmd(Client& c, CmdArgs args) {
  ReplyHelp(c, args,
            {"DOCTOR", "    Return memory problems reports.", "MALLOC-STATS",
             "    Return internal statistics report from the memory allocator.", "PURGE",
             "    Attempt to purge dirty pages for reclamation by the allocator.", "STATS",
             "    Return information about the memory usage of the server.",
             "USAGE <key> [SAMPLES <count>]",
             "    Return memory in bytes used by <key> and its value. Nested values are",
             "    sampled up to <count> times (default: 5, 0 means sample all)."});
}

// --------------------------------------------------------------------------------------
// SHUTDOWN

void ShutdownCmd(Client& c, CmdArgs args) {
  bool nosave = false, save = false, now = false, force = false, abort = false;
  for (size_t i = 1; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "nosave")) {
      nosave = true;
    } else if (EqualsIgnoreCase(args[i], "save")) {
      save = true;
    } else if (EqualsIgnoreCase(args[i], "now")) {
      now = true;
    } else if (EqualsIgnoreCase(args[i], "force")) {
      force = true;
    } else if (EqualsIgnoreCase(args[i], "abort")) {
      abort = true;
    } else {
      c.reply().Error(err::kSyntax);
      return;
    }
  }
  if ((abort && (nosave || save || now || force)) || (nosave && save)) {
    c.reply().Error(err::kSyntax);
    return;
  }
  Server& s = c.server();
  if (abort) {
    if (s.AbortShutdown()) {
      c.reply().Ok();
    } else {
      c.reply().Error("No shutdown in progress.");
    }
    return;
  }
  if (!now && c.has(kClientMulti)) {
    ReplyErr(c, "SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
    return;
  }
  // The client waits (blocked) while lagging replicas catch up; no reply when the process
  // exits, "Errors trying to SHUTDOWN" when the save fails or the shutdown is aborted.
  s.ShutdownOnRequest(c, ShutdownFlags{.save = save, .nosave = nosave, .now = now, .force = force});
}

// --------------------------------------------------------------------------------------
// DEBUG

void Sha1(const void* data, size_t len, unsigned char out[20]) {
  SHA1(static_cast<const unsigned char*>(data), len, out);
}

// digest ^= SHA1(data): order-independent accumulation.
void XorDigest(unsigned char digest[20], const void* data, size_t len) {
  unsigned char h[20];
  Sha1(data, len, h);
  for (int i = 0; i < 20; i++) digest[i] ^= h[i];
}

// digest = SHA1(digest ^ SHA1(data)): order-dependent accumulation.
void MixDigest(unsigned char digest[20], const void* data, size_t len) {
  XorDigest(digest, data, len);
  unsigned char h[20];
  Sha1(digest, 20, h);
  memcpy(digest, h, 20);
}

// Adds `e` (type, value, TTL flag) to `digest` the way Redis's DEBUG DIGEST combines them,
// so equal datasets give equal digests (order-free for sets, hashes and sorted sets).
void DigestEntry(Db& db, Entry* e, unsigned char digest[20]) {
  uint32_t type = htonl(uint32_t(e->type()));
  MixDigest(digest, &type, sizeof(type));
  char buf[64];
  switch (e->type()) {
    case ObjType::kString: {
      std::string_view v = e->StringView(buf);
      MixDigest(digest, v.data(), v.size());
      break;
    }
    case ObjType::kList:
      if (e->encoding() == Encoding::kQuicklist) {
        auto* ql = static_cast<Quicklist*>(e->v.ptr);
        Quicklist::Iterator it = ql->GetIterator(true);
        Quicklist::Entry item;
        while (it.Next(&item)) {
          std::string_view v = item.value.AsString(buf);
          MixDigest(digest, v.data(), v.size());
        }
      }
      break;
    case ObjType::kSet:
      if (e->encoding() == Encoding::kIntset) {
        const auto* is = static_cast<const uint8_t*>(e->v.ptr);
        for (uint32_t i = 0, n = intset::Length(is); i < n; i++) {
          size_t len = Int64ToChars(intset::Get(is, i), buf);
          XorDigest(digest, buf, len);
        }
      } else if (e->encoding() == Encoding::kHashtable) {
        static_cast<const SetTable*>(e->v.ptr)->ForEach(
            [&](std::string_view m) { XorDigest(digest, m.data(), m.size()); });
      }
      break;
    case ObjType::kZSet:
      zset::ForEach(e, false, [&](std::string_view member, double score) {
        unsigned char d[20] = {};
        MixDigest(d, member.data(), member.size());
        int n = snprintf(buf, sizeof(buf), "%.17g", score);
        MixDigest(d, buf, size_t(n));
        XorDigest(digest, d, 20);
        return true;
      });
      break;
    case ObjType::kHash:
      ForEachHashPair(e->v.ptr, e->encoding(), [&](std::string_view f, std::string_view v) {
        unsigned char d[20] = {};
        MixDigest(d, f.data(), f.size());
        MixDigest(d, v.data(), v.size());
        XorDigest(digest, d, 20);
      });
      break;
    case ObjType::kStream: {
      // Entries in order: "<ms>.<seq>", then each field and value (groups do not count).
      Stream::Iterator it(static_cast<Stream*>(e->v.ptr), nullptr, nullptr, false);
      StreamID id;
      int64_t numfields;
      while (it.Next(&id, &numfields)) {
        std::string itemid = std::to_string(id.ms) + "." + std::to_string(id.seq);
        MixDigest(digest, itemid.data(), itemid.size());
        while (numfields-- > 0) {
          std::string_view f, v;
          it.Field(&f, &v);
          MixDigest(digest, f.data(), f.size());
          MixDigest(digest, v.data(), v.size());
        }
      }
      break;
    }
    default:
      break;  // modules: only the type code counts
  }
  if (e->has_expire() && db.GetExpire(e) != -1) XorDigest(digest, "!!expire!!", 10);
}

std::string Hex(const unsigned char d[20]) {
  static const char* kHex = "0123456789abcdef";
  std::string s(40, '0');
  for (int i = 0; i < 20; i++) {
    s[size_t(2 * i)] = kHex[d[i] >> 4];
    s[size_t(2 * i + 1)] = kHex[d[i] & 15];
  }
  return s;
}

std::string DatasetDigest(Server& s) {
  unsigned char final_digest[20] = {};
  for (int i = 0; i < s.db_count(); i++) {
    Db& db = s.db(i);
    if (db.size() == 0) continue;
    uint32_t id = htonl(uint32_t(i));
    MixDigest(final_digest, &id, sizeof(id));
    db.keys().ForEach([&](Entry* e) {
      unsigned char d[20] = {};
      std::string_view k = e->key();
      MixDigest(d, k.data(), k.size());
      DigestEntry(db, e, d);
      XorDigest(final_digest, d, 20);
    });
  }
  return Hex(final_digest);
}

// Bytes of the value's RDB serialization (what DUMP/SAVE write for it, LZF included when
// rdbcompression is on): the entry's record minus its type byte and key.
size_t SerializedLength(Server& s, const Entry* e) {
  bool compress = ConfigValue(s, "rdbcompression") != "no";
  RdbWriter record(compress), key(compress);
  if (!record.KeyValue(e)) return 0;  // no RDB writer registered for this type yet
  key.String(e->key());
  return record.data().size() - 1 - key.data().size();
}

// Redis shares integer objects 0..9999 unless an LRU/LFU maxmemory policy needs per-key
// access fields; a shared object reports INT_MAX references.
int64_t RefCount(Server& s, const Entry* e) {
  if (e->type() == ObjType::kString && e->encoding() == Encoding::kInt && e->v.i >= 0 &&
      e->v.i < 10000) {
    const Config& cfg = s.config();
    bool per_key = cfg.maxmemory_policy.find("lru") != std::string::npos ||
                   cfg.maxmemory_policy.find("lfu") != std::string::npos;
    if (cfg.maxmemory == 0 || !per_key) return 2147483647;
  }
  return 1;
}

void DebugObject(Client& c, std::string_view key) {
  Entry* e = c.db().Find(key);
  if (!e) {
    c.reply().Error(err::kNoSuchKey);
    return;
  }
  std::string extra;
  if (e->encoding() == Encoding::kQuicklist) {
    const auto* ql = static_cast<const Quicklist*>(e->v.ptr);
    size_t raw = 0;
    for (const QuicklistNode* n = ql->head(); n; n = n->next) raw += n->sz;
    double avg = ql->NodeCount() ? double(ql->Count()) / double(ql->NodeCount()) : 0;
    extra = fmt::format(
        " ql_nodes:{} ql_avg_node:{:.2f} ql_listpack_max:{} ql_compressed:{} "
        "ql_uncompressed_size:{}",
        ql->NodeCount(), avg, ql->fill(), ql->compress() != 0 ? 1 : 0, raw);
  }
  c.reply().SimpleString(fmt::format(
      "Value at:{} refcount:{} encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}{}",
      fmt::ptr(e), RefCount(c.server(), e), proto::EncodingName(e->encoding()),
      SerializedLength(c.server(), e), e->lru(), EntryIdleMs(e) / 1000, extra));
}

void DebugProtocol(Client& c, std::string_view name) {
  ReplyBuilder& r = c.reply();
  if (EqualsIgnoreCase(name, "string")) {
    r.Bulk("Hello World");
  } else if (EqualsIgnoreCase(name, "integer")) {
    r.Integer(12345);
  } else if (EqualsIgnoreCase(name, "double")) {
    r.Double(3.141);
  } else if (EqualsIgnoreCase(name, "bignum")) {
    r.BigNumber("1234567999999999999999999999999999999");
  } else if (EqualsIgnoreCase(name, "null")) {
    r.Null();
  } else if (EqualsIgnoreCase(name, "array")) {
    r.ArrayHeader(3);
    for (int j = 0; j < 3; j++) r.Integer(j);
  } else if (EqualsIgnoreCase(name, "set")) {
    r.SetHeader(3);
    for (int j = 0; j < 3; j++) r.Integer(j);
  } else if (EqualsIgnoreCase(name, "map")) {
    r.MapHeader(3);
    for (int j = 0; j < 3; j++) {
      r.Integer(j);
      r.Bool(j == 1);
    }
  } else if (EqualsIgnoreCase(name, "attrib")) {
    if (c.resp >= 3) {
      r.Raw("|1\r\n");
      r.Bulk("key-popularity");
      r.ArrayHeader(2);
      r.Bulk("key:123");
      r.Integer(90);
    }
    r.Bulk("Some real reply following the attribute");
  } else if (EqualsIgnoreCase(name, "push")) {
    if (c.resp < 3) {
      ReplyErr(c, "RESP2 is not supported by this command");
      return;
    }
    r.PushHeader(2);
    r.Bulk("server-cpu-usage");
    r.Integer(42);
    r.Bulk("Some real reply following the push reply");
  } else if (EqualsIgnoreCase(name, "true")) {
    r.Bool(true);
  } else if (EqualsIgnoreCase(name, "false")) {
    r.Bool(false);
  } else if (EqualsIgnoreCase(name, "verbatim")) {
    r.Verbatim("This is a verbatim\nstring", "txt");
  } else {
    r.Error(
        "Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
  }
}

void DebugPopulate(Client& c, CmdArgs args) {
  // Both a non-integer and a negative number get the "must be positive" error.
  constexpr std::string_view kPositive = "value is out of range, must be positive";
  int64_t count;
  if (!StringToInt64(args[2], &count) || count < 0) {
    c.reply().Error(kPositive);
    return;
  }
  int64_t valsize = 0;
  if (args.size() == 5 && (!StringToInt64(args[4], &valsize) || valsize < 0)) {
    c.reply().Error(kPositive);
    return;
  }
  std::string_view prefix = args.size() >= 4 ? args[3] : std::string_view("key");
  Server& s = c.server();
  Db& db = c.db();
  std::string key, val;
  for (int64_t j = 0; j < count; j++) {
    key.assign(prefix);
    Appendf(&key, ":{}", j);
    if (key.size() > 127) key.resize(127);  // Redis formats into a 128-byte buffer
    if (s.LookupReadIn(db, key)) continue;
    val.clear();
    Appendf(&val, "value:{}", j);
    if (valsize > 0) val.resize(size_t(valsize), '\0');
    db.Add(Entry::NewString(key, val));
    s.SignalModifiedKey(db, key);
  }
  c.reply().Ok();
}

std::string TableStats(int index, const char* which, size_t size, size_t used,
                       const std::vector<size_t>& chains) {
  constexpr size_t kVec = 50;
  if (used == 0) {
    return fmt::format("Hash table {} stats ({}):\nNo stats available for empty dictionaries\n",
                       index, which);
  }
  size_t clvector[kVec] = {};
  size_t slots = 0, maxchain = 0, total = 0;
  for (size_t len : chains) {
    if (len == 0) {
      clvector[0]++;
      continue;
    }
    slots++;
    clvector[len < kVec ? len : kVec - 1]++;
    maxchain = std::max(maxchain, len);
    total += len;
  }
  std::string out = fmt::format(
      "Hash table {} stats ({}):\n"
      " table size: {}\n"
      " number of elements: {}\n"
      " different slots: {}\n"
      " max chain length: {}\n"
      " avg chain length (counted): {:.2f}\n"
      " avg chain length (computed): {:.2f}\n"
      " Chain length distribution:\n",
      index, which, size, used, slots, maxchain, float(total) / float(slots),
      float(used) / float(slots));
  for (size_t i = 0; i < kVec - 1; i++) {
    if (clvector[i] == 0) continue;
    Appendf(&out, "   {}: {} ({:.2f}%)\n", i, clvector[i], float(clvector[i]) / float(size) * 100);
  }
  return out;
}

// Chain lengths bucket by bucket, for the main table and, during a rehash, the target.
template <typename Table>
std::string DictStats(const Table& t) {
  std::string out;
  for (int i = 0; i < 2; i++) {
    if (i == 1 && t.TableBuckets(1) == 0) break;
    std::vector<size_t> chains;
    if (t.TableUsed(i) > 0) {
      chains.reserve(t.TableBuckets(i));
      t.ForEachChainLength(i, [&](size_t len) { chains.push_back(len); });
    }
    out += TableStats(i, i == 0 ? "main hash table" : "rehashing target", t.TableBuckets(i),
                      t.TableUsed(i), chains);
  }
  return out;
}

void DebugHtStats(Client& c, std::string_view arg) {
  int64_t dbid;
  if (!ParseInt64Arg(c, arg, &dbid)) return;
  Server& s = c.server();
  if (dbid < 0 || dbid >= s.db_count()) {
    c.reply().Error("Out of range database");
    return;
  }
  Db& db = s.db(int(dbid));
  std::string out = "[Dictionary HT]\n";
  out += DictStats(db.keys());
  out += "[Expires HT]\n";
  out += DictStats(db.expires());
  c.reply().Verbatim(out, "txt");
}

void DebugHelp(Client& c, CmdArgs args) {
  ReplyHelp(
      c, args,
      {"AOF-FLUSH-SLEEP <microsec>",
       "    Server will sleep before flushing the AOF, this is used for testing.",
       "ASSERT",
       "    Crash by assertion failed.",
       "CHANGE-REPL-ID",
       "    Change the replication IDs of the instance.",
       "    Dangerous: should be used only for testing the replication subsystem.",
       "CONFIG-REWRITE-FORCE-ALL",
       "    Like CONFIG REWRITE but writes all configuration options, including",
       "    keywords not listed in original configuration file or default values.",
       "CRASH-AND-RECOVER [<milliseconds>]",
       "    Hard crash and restart after a <milliseconds> delay (default 0).",
       "DIGEST",
       "    Output a hex signature representing the current DB content.",
       "DIGEST-VALUE <key> [<key> ...]",
       "    Output a hex signature of the values of all the specified keys.",
       "ERROR <string>",
       "    Return a Redis protocol error with <string> as message. Useful for clients",
       "    unit tests to simulate Redis errors.",
       "LEAK <string>",
       "    Create a memory leak of the input string.",
       "LOG <message>",
       "    Write <message> to the server log.",
       "HTSTATS <dbid>",
       "    Return hash table statistics of the specified Redis database.",
       "HTSTATS-KEY <key>",
       "    Like HTSTATS but for the hash table stored at <key>'s value.",
       "LOADAOF",
       "    Flush the AOF buffers on disk and reload the AOF in memory.",
       "REPLICATE <string>",
       "    Replicates the provided string to replicas, allowing data divergence.",
       "OBJECT <key>",
       "    Show low level info about `key` and associated value.",
       "DROP-CLUSTER-PACKET-FILTER <packet-type>",
       "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
       "OOM",
       "    Crash the server simulating an out-of-memory error.",
       "PANIC",
       "    Crash the server simulating a panic.",
       "POPULATE <count> [<prefix>] [<size>]",
       "    Create <count> string keys named key:<num>. If <prefix> is specified then",
       "    it is used instead of the 'key' prefix. These are not propagated to",
       "    replicas. Cluster slots are not respected so keys not belonging to the",
       "    current node can be created in cluster mode.",
       "PROTOCOL <type>",
       "    Reply with a test value of the specified type. <type> can be: string,",
       "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
       "    true, false.",
       "RELOAD [option ...]",
       "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
       "    * MERGE: conflicting keys will be loaded from RDB.",
       "    * NOFLUSH: the existing database will not be removed before load, but",
       "      conflicting keys will generate an exception and kill the server.",
       "    * NOSAVE: the database will be loaded from an existing RDB file.",
       "    Examples:",
       "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
       "      the database.",
       "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
       "      existing RDB file.",
       "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
       "      file to the database.",
       "RESTART [<milliseconds>]",
       "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
       "SDSLEN <key>",
       "    Show low level SDS string info representing `key` and value.",
       "SEGFAULT",
       "    Crash the server with sigsegv.",
       "SET-ACTIVE-EXPIRE <0|1>",
       "    Setting it to 0 disables expiring keys in background when they are not",
       "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
       "    default.",
       "QUICKLIST-PACKED-THRESHOLD <size>",
       "    Sets the threshold for elements to be inserted as plain vs packed nodes",
       "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
       "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
       "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
       "SLEEP <seconds>",
       "    Stop the server for <seconds>. Decimals allowed.",
       "STRINGMATCH-TEST",
       "    Run a fuzz tester against the stringmatchlen() function.",
       "STRUCTSIZE",
       "    Return the size of different Redis core C structures.",
       "LISTPACK <key>",
       "    Show low level info about the listpack encoding of <key>.",
       "QUICKLIST <key> [<0|1>]",
       "    Show low level info about the quicklist encoding of <key>.",
       "    The optional argument (0 by default) sets the level of detail",
       "CLIENT-EVICTION",
       "    Show low level client eviction pools info (maxmemory-clients).",
       "PAUSE-CRON <0|1>",
       "    Stop periodic cron job processing.",
       "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
       "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
       "    In case NEVER is provided the last observed peak will never be reset",
       "    In case RESET is provided the peak reset time will be restored to the default value",
       "REPLYBUFFER RESIZING <0|1>",
       "    Enable or disable the reply buffer resize cron job",
       "CLUSTERLINK KILL <to|from|all> <node-id>",
       "    Kills the link based on the direction to/from (both) with the provided node."});
}

// DEBUG LISTPACK / QUICKLIST: a readable dump of the encoding on the server's stdout.
void PrintListpack(uint8_t* lp) {
  char buf[24];
  std::string out =
      fmt::format("{{total bytes {}}} {{num entries {}}}\n", lp::Bytes(lp), lp::Length(lp));
  size_t index = 0;
  for (uint8_t* p = lp::First(lp); p; p = lp::Next(lp, p), index++) {
    lp::Value v = lp::Get(p);
    Appendf(&out, "{{\n\taddr: {}\n\tindex: {}\n\t{}: {}\n}}\n", fmt::ptr(p), index,
            v.is_int ? "int" : "string", v.AsString(buf));
  }
  out += "{end}\n\n";
  fwrite(out.data(), 1, out.size(), stdout);
  fflush(stdout);
}

void PrintQuicklist(const Quicklist* ql, bool full) {
  std::string out = fmt::format(
      "{{count : {}}}\n{{len : {}}}\n{{fill : {}}}\n{{compress : {}}}\n{{packed_threshold : "
      "{}}}\n",
      ql->Count(), ql->NodeCount(), ql->fill(), ql->compress(), Quicklist::packed_threshold());
  size_t i = 0;
  for (const QuicklistNode* n = ql->head(); n; n = n->next, i++) {
    Appendf(&out,
            "{{quicklist node({})\n{{container : {}, encoding: {}, size: {}, count: {}, "
            "recompress: {}, attempted_compress: {}}}\n",
            i, n->plain ? "PLAIN" : "PACKED", n->compressed ? "LZF" : "RAW", n->sz, n->count,
            n->recompress ? 1 : 0, n->compressed ? 1 : 0);
    if (full && !n->plain) {
      std::string scratch;
      std::string_view data = Quicklist::NodeData(n, &scratch);
      std::string copy(data);
      auto* lp = reinterpret_cast<uint8_t*>(copy.data());
      char buf[24];
      size_t index = 0;
      for (uint8_t* p = lp::First(lp); p; p = lp::Next(lp, p), index++) {
        Appendf(&out, "\t{}: {}\n", index, lp::Get(p).AsString(buf));
      }
    }
    out += "}\n";
  }
  fwrite(out.data(), 1, out.size(), stdout);
  fflush(stdout);
}

// Random patterns and strings through GlobMatch: it must not crash or hang.
void StringmatchFuzz() {
  std::minstd_rand rng(std::random_device{}());
  static const char kAlphabet[] = "*?[]^-\\abc";
  std::string pat, str;
  for (int i = 0; i < 100000; i++) {
    pat.resize(rng() % 64);
    for (char& ch : pat) ch = (rng() % 2) ? kAlphabet[rng() % 10] : char(rng() % 256);
    str.resize(rng() % 64);
    for (char& ch : str) ch = char(rng() % 256);
    (void)GlobMatch(pat, str, rng() % 2);
  }
}

void DebugCmd(Client& c, CmdArgs args) {
  Server& s = c.server();
  ReplyBuilder& r = c.reply();
  std::string_view sub = args[1];
  size_t argc = args.size();
  auto is = [&](std::string_view name) { return EqualsIgnoreCase(sub, name); };

  if (argc == 2 && is("help")) {
    DebugHelp(c, args);
  } else if (is("segfault")) {
    spdlog::warn("DEBUG SEGFAULT called");
    std::raise(SIGSEGV);
  } else if (is("panic") || is("assert")) {
    spdlog::warn("DEBUG {} called at Unix time {}", ToUpper(sub), NowMs() / 1000);
    std::abort();
  } else if (is("log") && argc == 3) {
    spdlog::warn("DEBUG LOG: {}", args[2]);
    r.Ok();
  } else if (is("leak") && argc == 3) {
    (void)new std::string(args[2]);  // deliberately never freed
    r.Ok();
  } else if (is("reload")) {
    for (size_t j = 2; j < argc; j++) {
      if (!EqualsIgnoreCase(args[j], "merge") && !EqualsIgnoreCase(args[j], "noflush") &&
          !EqualsIgnoreCase(args[j], "nosave")) {
        ReplyErr(c, "DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
        return;
      }
    }
    bool merge = false, noflush = false, nosave = false;
    for (size_t j = 2; j < argc; j++) {
      merge |= EqualsIgnoreCase(args[j], "merge");
      noflush |= EqualsIgnoreCase(args[j], "noflush");
      nosave |= EqualsIgnoreCase(args[j], "nosave");
    }
    DebugReload(c, merge, noflush, nosave);
  } else if (is("loadaof")) {
    DebugLoadAof(c);
  } else if (is("object") && argc == 3) {
    DebugObject(c, args[2]);
  } else if (is("listpack") && argc == 3) {
    Entry* e = s.LookupReadIn(c.db(), args[2]);
    if (!e) {
      r.Error(err::kNoSuchKey);
    } else if (e->encoding() != Encoding::kListpack) {
      r.Error("Not a listpack encoded object.");
    } else {
      PrintListpack(static_cast<uint8_t*>(e->v.ptr));
      r.SimpleString("Listpack structure printed on stdout");
    }
  } else if (is("quicklist") && (argc == 3 || argc == 4)) {
    Entry* e = s.LookupReadIn(c.db(), args[2]);
    if (!e) {
      r.Error(err::kNoSuchKey);
    } else if (e->encoding() != Encoding::kQuicklist) {
      r.Error("Not a quicklist encoded object.");
    } else {
      PrintQuicklist(static_cast<const Quicklist*>(e->v.ptr), argc == 4 && Atoi(args[3]) != 0);
      r.SimpleString("Quicklist structure printed on stdout");
    }
  } else if (is("populate") && argc >= 3 && argc <= 5) {
    DebugPopulate(c, args);
  } else if (is("digest") && argc == 2) {
    r.SimpleString(DatasetDigest(s));
  } else if (is("digest-value")) {
    r.ArrayHeader(int64_t(argc - 2));
    for (size_t j = 2; j < argc; j++) {
      unsigned char d[20] = {};
      // A debug command sees logically expired keys too.
      if (Entry* e = c.db().Find(args[j])) DigestEntry(c.db(), e, d);
      r.SimpleString(Hex(d));
    }
  } else if (is("protocol") && argc == 3) {
    DebugProtocol(c, args[2]);
  } else if (is("sleep") && argc == 3) {
    std::string arg(args[2]);
    double secs = strtod(arg.c_str(), nullptr);
    if (secs > 0) {  // negative or NaN: no sleep (nanosleep would refuse it)
      int64_t us = secs < 1e12 ? int64_t(secs * 1000000) : int64_t(1e18);
      timespec ts{time_t(us / 1000000), long((us % 1000000) * 1000)};
      nanosleep(&ts, nullptr);
    }
    r.Ok();
  } else if (is("set-active-expire") && argc == 3) {
    s.active_expire_enabled = Atoi(args[2]) != 0;
    r.Ok();
  } else if (is("quicklist-packed-threshold") && argc == 3) {
    int64_t sz;
    if (!ParseMemory(args[2], &sz) || uint64_t(sz) > (1ULL << 32) - (1ULL << 20)) {
      r.Error("argument must be a memory value bigger than 1 and smaller than 4gb");
    } else {
      Quicklist::SetPackedThreshold(size_t(sz));  // 0 restores the default
      r.Ok();
    }
  } else if (is("set-skip-checksum-validation") && argc == 3) {
    g_skip_checksum_validation = Atoi(args[2]) != 0;
    r.Ok();
  } else if (is("aof-flush-sleep") && argc == 3) {
    g_aof_flush_sleep_us = Atoi(args[2]);
    r.Ok();
  } else if (is("error") && argc == 3) {
    std::string e = "-";
    e.append(args[2]);
    for (char& ch : e) {
      if (ch == '\r' || ch == '\n') ch = ' ';
    }
    e += "\r\n";
    // Written verbatim, as Redis does: not counted in the error statistics.
    r.Raw(e);
  } else if (is("htstats") && argc == 3) {
    DebugHtStats(c, args[2]);
  } else if (is("htstats-key") && argc == 3) {
    Entry* e = s.LookupReadIn(c.db(), args[2]);
    std::string stats;
    if (e && e->encoding() == Encoding::kHashtable && e->type() == ObjType::kSet) {
      stats = DictStats(static_cast<SetTable*>(e->v.ptr)->table());
    } else if (e && e->encoding() == Encoding::kHashtable && e->type() == ObjType::kHash) {
      stats = DictStats(static_cast<HashTable*>(e->v.ptr)->dict());
    } else if (e && e->encoding() == Encoding::kSkiplist) {
      stats = DictStats(static_cast<zset::ZSet*>(e->v.ptr)->index());
    }
    if (!e) {
      r.Error(err::kNoSuchKey);
    } else if (stats.empty()) {
      r.Error("The value stored at the specified key is not represented using an hash table");
    } else {
      r.Verbatim(stats, "txt");
    }
  } else if (is("replicate") && argc >= 3) {
    // Feeds a raw command to the replicas (and backlog) as if it had been propagated.
    s.FeedReplicationStream(-1, std::vector<std::string>(args.begin() + 2, args.end()));
    c.reply().Ok();
  } else if (is("change-repl-id") && argc == 2) {
    spdlog::warn("Changing replication IDs after receiving DEBUG change-repl-id");
    c.server().ChangeReplicationId();
    c.server().ClearReplicationId2();
    r.Ok();
  } else if (is("stringmatch-test") && argc == 2) {
    StringmatchFuzz();
    r.SimpleString("Apparently Redis did not crash: test passed");
  } else if (is("set-disable-deny-scripts") && argc == 3) {
    g_disable_deny_scripts = Atoi(args[2]) != 0;
    r.Ok();
  } else if (is("config-rewrite-force-all") && argc == 2) {
    Status st = s.config().Rewrite();
    if (!st.ok()) {
      ReplyErr(c, "CONFIG-REWRITE-FORCE-ALL failed: " + st.message());
    } else {
      r.Ok();
    }
  } else if (is("pause-cron") && argc == 3) {
    c.server().pause_cron = Atoi(args[2]) != 0;
    r.Ok();
  } else if (is("replybuffer") && argc == 4) {
    if (EqualsIgnoreCase(args[2], "peak-reset-time")) {
      if (EqualsIgnoreCase(args[3], "never")) {
        c.server().reply_buffer_peak_reset_ms = -1;
      } else if (EqualsIgnoreCase(args[3], "reset")) {
        c.server().reply_buffer_peak_reset_ms = 5000;
      } else {
        int64_t ms;
        if (!ParseInt64Arg(c, args[3], &ms)) return;
        c.server().reply_buffer_peak_reset_ms = ms;
      }
    } else if (EqualsIgnoreCase(args[2], "resizing")) {
      c.server().reply_buffer_resizing = Atoi(args[3]) != 0;
    } else {
      ReplySubcommandSyntaxError(c, args);
      return;
    }
    r.Ok();
  } else {
    ReplySubcommandSyntaxError(c, args);
  }
}

}  // namespace

// --------------------------------------------------------------------------------------

std::string Server::InfoString(const std::vector<std::string>& sections, bool all,
                               bool everything) {
  if (everything) all = true;
  auto wants = [&](std::string_view name) {
    return all || std::find(sections.begin(), sections.end(), name) != sections.end();
  };
  g_info_used_memory = UsedMemory();
  std::string info;
  info.reserve(4096);
  int emitted = 0;
  auto section = [&](std::string_view name, auto&& fill) {
    if (!wants(name)) return;
    if (emitted++) info.append("\r\n");
    fill();
  };
  section("server", [&] { InfoServer(*this, &info); });
  section("clients", [&] { InfoClients(*this, &info); });
  section("memory", [&] { InfoMemory(*this, &info); });
  section("persistence", [&] { InfoPersistence(*this, &info); });
  section("stats", [&] { InfoStats(*this, &info); });
  section("replication", [&] { InfoReplication(*this, &info); });
  section("cpu", [&] { InfoCpu(&info); });
  if (wants("module_list") || wants("modules")) {
    if (emitted++) info.append("\r\n");
    info.append("# Modules\r\n");
  }
  section("commandstats", [&] { InfoCommandStats(*this, &info); });
  section("errorstats", [&] { InfoErrorStats(*this, &info); });
  section("latencystats", [&] { InfoLatencyStats(*this, &info); });
  section("cluster", [&] { info.append("# Cluster\r\ncluster_enabled:0\r\n"); });
  section("keyspace", [&] { InfoKeyspace(*this, &info); });
  g_info_used_memory = 0;
  return info;
}

void TimeCmd(Client& c, CmdArgs) {
  int64_t us = NowUs();
  c.reply().ArrayHeader(2);
  c.reply().Bulk(std::to_string(us / 1000000));
  c.reply().Bulk(std::to_string(us % 1000000));
}

void RegisterServerFamily(CommandTable* t) {
  g_startup_memory = UsedMemory();

  t->Register("info", InfoCmd);
  t->Register("time", TimeCmd);

  t->Register("config|get", ConfigGetCmd);
  t->Register("config|set", ConfigSetCmd);
  t->Register("config|resetstat", ConfigResetStatCmd);
  t->Register("config|rewrite", ConfigRewriteCmd);
  t->Register("config|help", ConfigHelpCmd);

  t->Register("slowlog|get", SlowlogGetCmd);
  t->Register("slowlog|len", SlowlogLenCmd);
  t->Register("slowlog|reset", SlowlogResetCmd);
  t->Register("slowlog|help", SlowlogHelpCmd);

  t->Register("latency|latest", LatencyLatestCmd);
  t->Register("latency|history", LatencyHistoryCmd);
  t->Register("latency|reset", LatencyResetCmd);
  t->Register("latency|graph", LatencyGraphCmd);
  t->Register("latency|doctor", LatencyDoctorCmd);
  t->Register("latency|histogram", LatencyHistogramCmd);
  t->Register("latency|help", LatencyHelpCmd);

  t->Register("memory|usage", MemoryUsageCmd);
  t->Register("memory|stats", MemoryStatsCmd);
  t->Register("memory|doctor", MemoryDoctorCmd);
  t->Register("memory|malloc-stats", MemoryMallocStatsCmd);
  t->Register("memory|purge", MemoryPurgeCmd);
  t->Register("memory|help", MemoryHelpCmd);

  t->Register("shutdown", ShutdownCmd);
  // DEBUG is protected (enable-debug-command) in Redis; the flag is hidden from COMMAND
  // output, so the spec dump does not carry it.
  t->Register("debug", DebugCmd, kCmdProtected);
}

}  // namespace ember
