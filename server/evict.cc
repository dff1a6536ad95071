#include "server/evict.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "common/storage/db.h"
#include "common/storage/lru.h"
#include "common/util/clock.h"
#include "common/util/memory.h"
#include "server/server.h"

namespace ember {
namespace {

constexpr size_t kPoolSize = 16;  // Redis's EVPOOL_SIZE

struct PoolSlot {
  uint64_t idle = 0;  // higher = better candidate
  int db = -1;
  std::string key;
};

enum class Policy {
  kNoEviction,
  kAllLru,
  kAllLfu,
  kAllRandom,
  kVolLru,
  kVolLfu,
  kVolRandom,
  kVolTtl
};

Policy ParsePolicy(const std::string& p) {
  if (p == "allkeys-lru") return Policy::kAllLru;
  if (p == "allkeys-lfu") return Policy::kAllLfu;
  if (p == "allkeys-random") return Policy::kAllRandom;
  if (p == "volatile-lru") return Policy::kVolLru;
  if (p == "volatile-lfu") return Policy::kVolLfu;
  if (p == "volatile-random") return Policy::kVolRandom;
  if (p == "volatile-ttl") return Policy::kVolTtl;
  return Policy::kNoEviction;
}

bool AllKeys(Policy p) {
  return p == Policy::kAllLru || p == Policy::kAllLfu || p == Policy::kAllRandom;
}

// The pool survives between calls (keys may have gone meanwhile: checked when picked).
std::array<PoolSlot, kPoolSize>& Pool() {
  static std::array<PoolSlot, kPoolSize> pool;
  return pool;
}

uint64_t IdleScore(Policy p, const Entry* e, int64_t when_ms) {
  switch (p) {
    case Policy::kAllLfu:
    case Policy::kVolLfu:
      return 255 - EntryLfuCount(e);
    case Policy::kVolTtl:
      return std::numeric_limits<uint64_t>::max() - uint64_t(when_ms);
    default:
      return EntryIdleMs(e);
  }
}

// Inserts a candidate, keeping the pool sorted by ascending idle score; when full, a
// candidate better than the worst one replaces it.
void PoolInsert(uint64_t idle, int db, std::string_view key) {
  auto& pool = Pool();
  size_t k = 0;
  while (k < kPoolSize && !pool[k].key.empty() && pool[k].idle < idle) k++;
  if (k == 0 && !pool[kPoolSize - 1].key.empty()) return;  // worse than everything: full
  if (k < kPoolSize && pool[kPoolSize - 1].key.empty()) {
    // Free slot at the end: shift right from k.
    for (size_t j = kPoolSize - 1; j > k; j--) pool[j] = std::move(pool[j - 1]);
  } else {
    // Full: drop the worst (slot 0), shift left up to k-1.
    k--;
    for (size_t j = 0; j < k; j++) pool[j] = std::move(pool[j + 1]);
  }
  pool[k].idle = idle;
  pool[k].db = db;
  pool[k].key.assign(key);
}

void PoolPopulate(Server& s, Policy p, int dbid, int samples) {
  Db& db = s.db(dbid);
  if (AllKeys(p)) {
    db.keys().Sample(s.rng(), size_t(samples), [&](Entry* e) {
      int64_t when = e->has_expire() ? db.GetExpire(e) : -1;
      PoolInsert(IdleScore(p, e, when), dbid, e->key());
    });
  } else {
    db.expires().Sample(s.rng(), size_t(samples), [&](ExpireNode* n) {
      PoolInsert(IdleScore(p, n->entry, n->when_ms), dbid, n->entry->key());
    });
  }
}

// The best key to evict, or false if none.
bool PickKey(Server& s, Policy p, int* dbid, std::string* key) {
  static int next_db = 0;
  int n = s.db_count();
  if (p == Policy::kAllRandom || p == Policy::kVolRandom) {
    for (int i = 0; i < n; i++) {
      int j = (next_db++) % n;
      Db& db = s.db(j);
      if (AllKeys(p)) {
        if (db.size() == 0) continue;
        Entry* e = db.keys().Random(s.rng());
        if (!e) continue;
        *dbid = j;
        key->assign(e->key());
        return true;
      }
      if (db.expires_size() == 0) continue;
      ExpireNode* en = db.expires().Random(s.rng());
      if (!en) continue;
      *dbid = j;
      key->assign(en->entry->key());
      return true;
    }
    return false;
  }
  int samples = int(s.config().maxmemory_samples);
  while (true) {
    size_t total = 0;
    for (int j = 0; j < n; j++) {
      Db& db = s.db(j);
      size_t size = AllKeys(p) ? db.size() : db.expires_size();
      if (size == 0) continue;
      total += size;
      PoolPopulate(s, p, j, samples);
    }
    if (total == 0) return false;
    auto& pool = Pool();
    for (size_t k = kPoolSize; k-- > 0;) {
      if (pool[k].key.empty()) continue;
      PoolSlot slot = std::move(pool[k]);
      pool[k] = PoolSlot{};
      Db& db = s.db(slot.db);
      Entry* e = db.Find(slot.key);
      if (!e || (!AllKeys(p) && !e->has_expire())) continue;  // gone since sampled
      *dbid = slot.db;
      *key = std::move(slot.key);
      return true;
    }
    // Every pooled key was stale: sample again.
  }
}

uint64_t TimeLimitUs(int64_t tenacity) {
  if (tenacity <= 0) tenacity = 0;
  if (tenacity <= 10) return uint64_t(50 * tenacity);
  if (tenacity < 100) return uint64_t(500.0 * std::pow(1.15, double(tenacity - 10)));
  return std::numeric_limits<uint64_t>::max();
}

}  // namespace

namespace {
Server* g_expand_server = nullptr;

bool ExpandAllowed(size_t more_mem, double used_ratio) {
  Server* s = g_expand_server;
  if (!s || used_ratio > 1.618) return true;
  size_t limit = size_t(s->config().maxmemory);
  if (limit == 0) return true;
  if (UsedMemory() + more_mem <= limit) return true;
  return MemoryForEviction(*s) + more_mem <= limit;
}
}  // namespace

void InstallExpandCheck(Server& s) {
  g_expand_server = &s;
  DictExpandAllowedHook() = ExpandAllowed;
}

void UninstallExpandCheck(Server& s) {
  if (g_expand_server != &s) return;
  g_expand_server = nullptr;
  DictExpandAllowedHook() = nullptr;
}

size_t MemoryForEviction(Server& s) {
  size_t used = UsedMemory();
  size_t not_counted = s.aof().buffer_size();
  for (const Client* r : s.replicas()) {
    not_counted += const_cast<Client*>(r)->out().size() + r->stream_out.size();
  }
  return used > not_counted ? used - not_counted : 0;
}

EvictResult PerformEvictions(Server& s) {
  const Config& cfg = s.config();
  if (cfg.maxmemory == 0) return EvictResult::kOk;
  if (s.is_replica() && s.config().GetOne("replica-ignore-maxmemory") == "yes") {
    return EvictResult::kOk;
  }
  // During a pause the dataset stays as it is (writes wait anyway).
  if (s.ClientsArePaused()) return EvictResult::kOk;
  size_t limit = size_t(cfg.maxmemory);
  if (MemoryForEviction(s) <= limit) return EvictResult::kOk;
  Policy p = ParsePolicy(cfg.maxmemory_policy);
  if (p == Policy::kNoEviction) return EvictResult::kFail;
  int64_t tenacity = 10;
  StringToInt64(cfg.GetOne("maxmemory-eviction-tenacity"), &tenacity);
  uint64_t budget = TimeLimitUs(tenacity);
  int64_t start = MonotonicUs();
  bool lazy = cfg.GetOne("lazyfree-lazy-eviction") == "yes";
  EvictResult result = EvictResult::kOk;
  int evicted = 0;
  while (MemoryForEviction(s) > limit) {
    int dbid = -1;
    std::string key;
    if (!PickKey(s, p, &dbid, &key)) {
      result = EvictResult::kFail;
      break;
    }
    Db& db = s.db(dbid);
    int64_t del_start = MonotonicUs();
    s.DeleteKey(db, key, s.config().lazyfree_lazy_eviction);
    s.LatencyAddSampleIfNeeded("eviction-del", (MonotonicUs() - del_start) / 1000);
    s.stats().evicted_keys++;
    s.SignalModifiedKey(db, key);
    s.NotifyKeyspaceEvent(kNotifyEvicted, "evicted", key, dbid);
    s.AlsoPropagate(dbid, {lazy ? "UNLINK" : "DEL", key});
    // Check the clock every 16 keys, as Redis does.
    if ((++evicted & 15) == 0 && uint64_t(MonotonicUs() - start) > budget) {
      result = MemoryForEviction(s) > limit ? EvictResult::kRunning : EvictResult::kOk;
      break;
    }
  }
  s.LatencyAddSampleIfNeeded("eviction-cycle", (MonotonicUs() - start) / 1000);
  return result;
}

}  // namespace ember
