// The hash table representation of sets ("hashtable" encoding): each member lives in one
// allocation that is also its chain link in the project's incremental-rehashing Dict, so a
// member costs one block instead of Redis's dictEntry plus sds.
//
// Node layout: [next][uint32 length][bytes]; a member of 4 GiB or more stores kLongLength in
// the 32-bit field and its real length in the 8 bytes that follow.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/storage/dict.h"
#include "common/util/hash.h"

namespace ember {

// A fast 64-bit generator (xoshiro256**) for random member picks: a UniformRandomBitGenerator,
// much cheaper per draw than std::mt19937_64 with as good a distribution for this use.
class FastRng {
 public:
  using result_type = uint64_t;
  explicit FastRng(uint64_t seed) {
    for (auto& w : s_) {  // splitmix64 spreads the seed over the state
      seed += 0x9E3779B97F4A7C15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      w = z ^ (z >> 31);
    }
  }
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return UINT64_MAX; }
  result_type operator()() {
    uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }

 private:
  uint64_t s_[4];
};

struct SetNode {
  SetNode* next;
  uint32_t len32;
  char data[];

  static constexpr uint32_t kLongLength = UINT32_MAX;

  std::string_view member() const {
    if (len32 != kLongLength) return {data, len32};
    uint64_t n;
    memcpy(&n, data, sizeof(n));
    return {data + sizeof(n), size_t(n)};
  }
};

struct SetNodeTraits {
  static uint64_t Hash(const SetNode* n) { return HashString(n->member()); }
  static bool Equal(const SetNode* n, std::string_view m) { return n->member() == m; }
};

class SetTable {
 public:
  using Table = Dict<SetNode, SetNodeTraits>;

  SetTable() = default;
  ~SetTable();
  SetTable(const SetTable&) = delete;
  SetTable& operator=(const SetTable&) = delete;

  size_t size() const { return table_.size(); }
  bool empty() const { return table_.empty(); }

  // True if `m` was added (it was absent).
  bool Add(std::string_view m);
  // True if `m` was present and is now removed. Shrinks the table when it gets sparse.
  bool Remove(std::string_view m);
  // Not const: a lookup performs a step of any rehash in progress, as in Redis.
  bool Contains(std::string_view m) { return table_.Find(m, HashString(m)) != nullptr; }

  // Calls fn(std::string_view member) for every member; fn must not modify the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    table_.ForEach([&](SetNode* n) { fn(n->member()); });
  }
  // Calls fn(const SetNode*) for every member.
  template <typename Fn>
  void ForEachNode(Fn&& fn) const {
    table_.ForEach([&](SetNode* n) { fn(static_cast<const SetNode*>(n)); });
  }

  // Calls fn(std::string_view member) -> bool for members until it returns false; returns
  // false if stopped early. Visits every member once (a full cursor pass over an unchanging
  // table); fn must not modify the table.
  template <typename Fn>
  bool ForEachUntil(Fn&& fn) const {
    bool go = true;
    uint64_t cursor = 0;
    do {
      cursor = table_.Scan(cursor, [&](SetNode* n) {
        if (go) go = fn(n->member());
      });
    } while (cursor && go);
    return go;
  }

  // One SSCAN step over the bucket(s) at `cursor`: fn(std::string_view) per member. Returns
  // the next cursor, 0 when done.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    return table_.Scan(cursor, [&](SetNode* n) { fn(n->member()); });
  }

  // A uniformly random member (the table must not be empty).
  //
  // Each try picks a random bucket group (a bucket, plus while rehashing the buckets of the
  // bigger table it expands to, as one SCAN step visits them) and a random slot below the
  // longest group seen; an empty slot means try again. Every member then has the same
  // chance per try. When the table is so sparse that tries would mostly miss, it falls back
  // to Redis's "fair" random key: a reservoir sample of about 20 members from consecutive
  // buckets after a random one, and a pick among them.
  template <typename Rng>
  const SetNode* RandomNode(Rng& rng) {
    if (table_.rehashing()) table_.RehashStep();  // reads move a resize along, as in Redis
    size_t n = size();
    uint64_t buckets = table_.buckets();
    if (buckets != bound_buckets_) {
      bound_buckets_ = buckets;
      group_bound_ = 1;
    }
    uint64_t groups = buckets & (~buckets + 1);  // the smaller table's size
    if (buckets * group_bound_ <= kMaxMissRatio * n) {
      uint64_t tries = 12 * groups * group_bound_ / n + 16;
      while (tries--) {
        // One draw gives both, the group from the low bits and the slot from the high half,
        // unless the table is so big that the two would share bits.
        uint64_t r = rng();
        uint64_t slot = (r >> 32) % group_bound_;
        uint64_t group = (groups >> 32) ? rng() : r;
        uint64_t len = 0;
        SetNode* picked = nullptr;
        table_.Scan(group & (groups - 1), [&](SetNode* node) {
          if (len++ == slot) picked = node;
        });
        if (len > group_bound_) {
          group_bound_ = len;  // a longer group: retry with the wider range
          continue;
        }
        if (picked) return picked;
      }
    }
    return FairRandomNode(rng);
  }

  // A deep copy.
  SetTable* Clone() const;
  // Memory used: the object, its bucket arrays and every member node.
  size_t Bytes() const { return sizeof(SetTable) + table_.BucketBytes() + node_bytes_; }

  // Resizing is limited while a fork child shares memory (see Dict).
  void set_resize_allowed(bool allowed) { table_.set_resize_allowed(allowed); }
  const Table& table() const { return table_; }
  Table& table() { return table_; }

 private:
  static SetNode* NewNode(std::string_view m);
  void FreeNode(SetNode* n);

  // Redis's dictGetFairRandomKey (see RandomNode): about 20 members from consecutive
  // buckets after a random one, walked in memory order, and a pick among them.
  template <typename Rng>
  const SetNode* FairRandomNode(Rng& rng) {
    constexpr uint64_t kSample = 20;
    uint64_t want = std::min<uint64_t>(kSample, size());
    const SetNode* sample[kSample];
    uint64_t seen = 0, empty_run = 0, steps = want * 10;
    uint64_t mask = table_.MaxMask();
    uint64_t i = rng() & mask;
    while (seen < want && steps--) {
      uint64_t before = seen;
      table_.VisitBucket(i, [&](SetNode* node) {
        // Reservoir sampling keeps the tail of a long chain reachable.
        if (seen < want) {
          sample[seen] = node;
        } else if (uint64_t r = rng() % (seen + 1); r < want) {
          sample[r] = node;
        }
        seen++;
      });
      if (seen == before && ++empty_run >= 5 && empty_run > want) {
        i = rng() & mask;
        empty_run = 0;
        continue;
      }
      if (seen != before) empty_run = 0;
      i = (i + 1) & mask;
    }
    if (seen == 0) return table_.Random(rng);
    return sample[rng() % std::min(seen, want)];
  }

  // RandomNode's tries miss a member at most this many times per hit on average.
  static constexpr uint64_t kMaxMissRatio = 64;

  Table table_;
  size_t node_bytes_ = 0;
  uint64_t bound_buckets_ = 0;  // bucket count group_bound_ was learned for
  uint64_t group_bound_ = 1;    // longest bucket group seen by RandomNode
};

}  // namespace ember
