// Per-key access bookkeeping for eviction and OBJECT IDLETIME/FREQ: 24 bits per key holding
// either an LRU clock (seconds resolution, wraps) or, in LFU mode, 16 bits of minutes and an
// 8-bit logarithmic access counter, as Redis keeps them.
#pragma once

#include <cstdint>

namespace ember {

struct Entry;

struct AccessPolicy {
  bool lfu = false;  // maxmemory-policy is an *-lfu policy
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;  // minutes per counter decrement
};
AccessPolicy& GetAccessPolicy();

inline constexpr uint32_t kLruClockMax = (1u << 24) - 1;
inline constexpr uint32_t kLfuInitVal = 5;

uint32_t LruClock();  // current clock, seconds resolution
// Value for a fresh key in the current mode.
uint32_t InitialAccessField();
// Records an access (LRU clock update, or LFU decay + probabilistic increment).
void TouchEntry(Entry* e);
// Milliseconds since the last access (LRU mode).
uint64_t EntryIdleMs(const Entry* e);
// LFU counter after applying decay (LFU mode).
uint32_t EntryLfuCount(const Entry* e);

}  // namespace ember
