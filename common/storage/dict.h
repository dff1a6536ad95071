// An intrusive chained hash table that grows and shrinks by incremental rehashing: while a
// resize is in progress both tables are live and every operation moves a few buckets, so no
// single call pays for the whole table. SCAN uses reverse-binary cursors, which stay valid
// across resizes (each element present for the whole scan is returned at least once).
//
// Node must have a `Node* next` member. Traits provides:
//   static uint64_t Hash(const Node*);        hash of the node's key
//   static bool Equal(const Node*, const K&);  node key equals k
// and the caller passes the key's hash to lookups. The table never owns nodes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <utility>

#include "common/util/memory.h"

namespace ember {

// Process-wide switch: while a fork child holds a copy-on-write snapshot, every table avoids
// resizing (only a badly overloaded one, ratio 5, still grows), as Redis's dict_can_resize.
inline bool& DictResizeAllowedGlobally() {
  static bool allowed = true;
  return allowed;
}

// Optional veto on growing the tables that opt in (the keyspace): called with the bytes the
// new bucket array would take and the current load factor. The server uses it to keep a
// rehash from pushing memory over maxmemory (Redis's dictExpandAllowed).
using DictExpandCheck = bool (*)(size_t more_mem, double used_ratio);
inline DictExpandCheck& DictExpandAllowedHook() {
  static DictExpandCheck hook = nullptr;
  return hook;
}

template <typename Node, typename Traits>
class Dict {
 public:
  Dict() = default;
  ~Dict() { FreeTables(); }
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  Dict(Dict&& o) noexcept { *this = std::move(o); }
  Dict& operator=(Dict&& o) noexcept {
    if (this != &o) {
      FreeTables();
      for (int i = 0; i < 2; i++) {
        t_[i] = o.t_[i];
        o.t_[i] = Table{};
      }
      rehash_idx_ = o.rehash_idx_;
      o.rehash_idx_ = -1;
    }
    return *this;
  }

  size_t size() const { return t_[0].used + t_[1].used; }
  bool empty() const { return size() == 0; }
  bool rehashing() const { return rehash_idx_ >= 0; }
  size_t buckets() const { return t_[0].size + t_[1].size; }
  // Memory of the bucket arrays (the nodes are the owner's).
  size_t BucketBytes() const { return buckets() * sizeof(Node*); }

  // While a child process holds a copy-on-write snapshot, avoid resizing unless the table
  // is badly overloaded (ratio 5), as Redis does.
  void set_resize_allowed(bool allowed) { resize_allowed_ = allowed; }
  // Consult DictExpandAllowedHook() before growing.
  void set_expand_checked(bool checked) { expand_checked_ = checked; }

  template <typename K>
  Node* Find(const K& key, uint64_t hash) {
    if (size() == 0) return nullptr;
    if (rehashing()) RehashStep();
    for (int i = 0; i < 2; i++) {
      if (!t_[i].size) continue;
      for (Node* n = t_[i].slots[hash & t_[i].mask()]; n; n = n->next) {
        if (Traits::Equal(n, key)) return n;
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }

  // Returns the link that points at the node with `key` (so the caller can replace or unlink
  // it), or nullptr.
  template <typename K>
  Node** FindLink(const K& key, uint64_t hash) {
    if (size() == 0) return nullptr;
    if (rehashing()) RehashStep();
    for (int i = 0; i < 2; i++) {
      if (!t_[i].size) continue;
      for (Node** link = &t_[i].slots[hash & t_[i].mask()]; *link; link = &(*link)->next) {
        if (Traits::Equal(*link, key)) return link;
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }

  // Inserts a node whose key is known to be absent.
  void Insert(Node* node, uint64_t hash) {
    if (rehashing()) RehashStep();
    ExpandIfNeeded();
    Table& t = rehashing() ? t_[1] : t_[0];
    Node** slot = &t.slots[hash & t.mask()];
    node->next = *slot;
    *slot = node;
    t.used++;
  }

  // Replaces the node at `link` (from FindLink) with `fresh`, which takes its place.
  void Replace(Node** link, Node* fresh) {
    fresh->next = (*link)->next;
    *link = fresh;
  }

  // Unlinks the node at `link` (from FindLink, with no table operation in between).
  Node* Unlink(Node** link, uint64_t hash) {
    Node* n = *link;
    *link = n->next;
    n->next = nullptr;
    // Which table held it: t_[1] if the link lies in its bucket chain, else t_[0].
    if (rehashing() && t_[1].size && InChain(t_[1], hash, link)) {
      t_[1].used--;
    } else {
      t_[0].used--;
    }
    return n;
  }

  template <typename K>
  Node* Remove(const K& key, uint64_t hash) {
    Node** link = FindLink(key, hash);
    return link ? Unlink(link, hash) : nullptr;
  }

  // Shrinks when less than 1/10 full (call after deletions, e.g. from a cron).
  void ShrinkIfNeeded() {
    if (rehashing() || !resize_allowed_ || !DictResizeAllowedGlobally()) return;
    size_t n = t_[0].used;
    if (t_[0].size > kInitialSize && n * 100 / t_[0].size < 10) Resize(n);
  }

  // Moves up to n buckets from the old table to the new one. Returns false when done.
  bool RehashStep(size_t n = 1) {
    if (!rehashing()) return false;
    size_t empty_visits = n * 10;
    while (n-- && t_[0].used) {
      while (t_[0].slots[rehash_idx_] == nullptr) {
        rehash_idx_++;
        if (--empty_visits == 0) return true;
      }
      Node* e = t_[0].slots[rehash_idx_];
      while (e) {
        Node* next = e->next;
        Node** slot = &t_[1].slots[Traits::Hash(e) & t_[1].mask()];
        e->next = *slot;
        *slot = e;
        t_[0].used--;
        t_[1].used++;
        e = next;
      }
      t_[0].slots[rehash_idx_++] = nullptr;
    }
    if (t_[0].used == 0) {
      MemFree(t_[0].slots);
      t_[0] = t_[1];
      t_[1] = Table{};
      rehash_idx_ = -1;
      return false;
    }
    return true;
  }

  // Rehashes for about `us` microseconds' worth of steps (100 buckets per step).
  template <typename NowFn>
  void RehashFor(int64_t budget_us, NowFn now_us) {
    int64_t start = now_us();
    while (RehashStep(100)) {
      if (now_us() - start > budget_us) break;
    }
  }

  // Calls fn(node) for every node; fn must not modify the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (int i = 0; i < 2; i++) {
      for (size_t b = 0; b < t_[i].size; b++) {
        for (Node* n = t_[i].slots[b]; n;) {
          Node* next = n->next;
          fn(n);
          n = next;
        }
      }
    }
  }

  // One SCAN step: calls fn(node) for the nodes of the bucket(s) at `cursor` and returns the
  // next cursor (0 when the scan is complete).
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    if (size() == 0) return 0;
    if (!rehashing()) {
      const Table& t = t_[0];
      EmitBucket(t, cursor & t.mask(), fn);
      return NextCursor(cursor, t.mask());
    }
    // Visit the cursor's bucket in the small table, then every bucket of the large table
    // that expands it.
    const Table* small = &t_[0];
    const Table* large = &t_[1];
    if (small->size > large->size) std::swap(small, large);
    uint64_t m0 = small->mask(), m1 = large->mask();
    EmitBucket(*small, cursor & m0, fn);
    do {
      EmitBucket(*large, cursor & m1, fn);
      cursor = NextCursor(cursor, m1);
    } while (cursor & (m0 ^ m1));
    return cursor;
  }

  // Per-table view for statistics (DEBUG HTSTATS): table 0 is the main table, table 1 the
  // rehashing target (size 0 when not rehashing). fn(chain length) for every bucket.
  size_t TableBuckets(int t) const { return t_[t].size; }
  size_t TableUsed(int t) const { return t_[t].used; }
  template <typename Fn>
  void ForEachChainLength(int t, Fn&& fn) const {
    for (size_t i = 0; i < t_[t].size; i++) {
      size_t len = 0;
      for (const Node* n = t_[t].slots[i]; n; n = n->next) len++;
      fn(len);
    }
  }

  // Index mask covering the bigger table: bucket indexes for VisitBucket.
  uint64_t MaxMask() const {
    uint64_t m = t_[0].mask();
    if (t_[1].size && t_[1].mask() > m) m = t_[1].mask();
    return m;
  }
  // Calls fn(node) for the nodes of bucket `i` of each table that has such a bucket (while
  // rehashing, the old table's buckets below the rehash index are empty). Walking i upward
  // over MaxMask() visits every node once, in memory order, as Sample does.
  template <typename Fn>
  void VisitBucket(uint64_t i, Fn&& fn) const {
    for (int j = 0; j < 2; j++) {
      if (i < t_[j].size) EmitBucket(t_[j], i, fn);
    }
  }

  // A random node (nullptr if empty), roughly uniform: random bucket, then random chain
  // element.
  template <typename Rng>
  Node* Random(Rng& rng) {
    if (size() == 0) return nullptr;
    if (rehashing()) RehashStep();
    Node* head = nullptr;
    while (!head) {
      if (rehashing()) {
        size_t total = t_[0].size + t_[1].size;
        size_t r = rehash_idx_ + rng() % (total - size_t(rehash_idx_));
        head = r >= t_[0].size ? t_[1].slots[r - t_[0].size] : t_[0].slots[r];
      } else {
        head = t_[0].slots[rng() & t_[0].mask()];
      }
    }
    size_t len = 0;
    for (Node* n = head; n; n = n->next) len++;
    size_t pick = rng() % len;
    while (pick--) head = head->next;
    return head;
  }

  // Samples up to `count` nodes from consecutive buckets starting at a random one, as
  // Redis's dictGetSomeKeys (used by eviction and active expiry). Calls fn(node).
  template <typename Rng, typename Fn>
  size_t Sample(Rng& rng, size_t count, Fn&& fn) {
    if (size() == 0 || count == 0) return 0;
    if (count > size()) count = size();
    for (size_t j = 0; j < count && rehashing(); j++) RehashStep();
    size_t max_steps = count * 10, seen = 0;
    size_t tables = rehashing() ? 2 : 1;
    size_t maxmask = t_[0].mask();
    if (tables > 1 && t_[1].mask() > maxmask) maxmask = t_[1].mask();
    size_t i = rng() & maxmask;
    size_t empty_run = 0;
    while (seen < count && max_steps--) {
      for (size_t j = 0; j < tables; j++) {
        if (tables == 2 && j == 0 && i < size_t(rehash_idx_)) {
          if (i >= t_[1].size)
            i = size_t(rehash_idx_);
          else
            continue;
        }
        if (i >= t_[j].size) continue;
        Node* n = t_[j].slots[i];
        if (!n) {
          if (++empty_run >= 5 && empty_run > count) {
            i = rng() & maxmask;
            empty_run = 0;
          }
        } else {
          empty_run = 0;
          while (n && seen < count) {
            fn(n);
            seen++;
            n = n->next;
          }
        }
      }
      i = (i + 1) & maxmask;
    }
    return seen;
  }

  // Drops all buckets (the caller frees the nodes first, e.g. with ForEach).
  void Clear() {
    FreeTables();
    rehash_idx_ = -1;
  }

 private:
  static constexpr size_t kInitialSize = 4;

  struct Table {
    Node** slots = nullptr;
    size_t size = 0;
    size_t used = 0;
    uint64_t mask() const { return size ? size - 1 : 0; }
  };

  static uint64_t NextCursor(uint64_t v, uint64_t mask) {
    // Increment the reversed cursor, counting only the bits of the mask.
    v |= ~mask;
    v = Rev(v);
    v++;
    return Rev(v);
  }
  static uint64_t Rev(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
  }

  template <typename Fn>
  static void EmitBucket(const Table& t, uint64_t idx, Fn& fn) {
    for (Node* n = t.slots[idx]; n;) {
      Node* next = n->next;
      fn(n);
      n = next;
    }
  }

  static bool InChain(const Table& t, uint64_t hash, Node** link) {
    Node** l = &t.slots[hash & t.mask()];
    if (l == link) return true;
    for (Node* n = *l; n; n = n->next) {
      if (&n->next == link) return true;
    }
    return false;
  }

  void ExpandIfNeeded() {
    if (rehashing()) return;
    if (t_[0].size == 0) {
      Resize(kInitialSize);
      return;
    }
    bool allowed = resize_allowed_ && DictResizeAllowedGlobally();
    if (t_[0].used >= t_[0].size && (allowed || t_[0].used / t_[0].size > 5)) {
      if (expand_checked_ && DictExpandAllowedHook()) {
        size_t next = kInitialSize;
        while (next < t_[0].used + 1) next <<= 1;
        double ratio = double(t_[0].used) / double(t_[0].size);
        if (!DictExpandAllowedHook()(next * sizeof(Node*), ratio)) return;
      }
      Resize(t_[0].used + 1);
    }
  }

  void Resize(size_t want) {
    size_t n = kInitialSize;
    while (n < want) n <<= 1;
    if (n == t_[0].size) return;
    Table t;
    t.size = n;
    t.slots = static_cast<Node**>(MemAlloc(n * sizeof(Node*)));
    for (size_t i = 0; i < n; i++) t.slots[i] = nullptr;
    if (t_[0].slots == nullptr) {
      t_[0] = t;
      return;
    }
    t_[1] = t;
    rehash_idx_ = 0;
  }

  void FreeTables() {
    for (auto& t : t_) {
      if (t.slots) MemFree(t.slots);
      t = Table{};
    }
  }

  Table t_[2];
  int64_t rehash_idx_ = -1;
  bool resize_allowed_ = true;
  bool expand_checked_ = false;
};

}  // namespace ember
