// One logical database: the key table and the table of keys with a time to live.
//
// Db owns its entries. It knows nothing of time or replication: the server decides when a key
// is expired (lazy lookup, active cycle) and calls Delete. Keys with a TTL carry a flag in
// their entry, so lookups of keys without one never touch the expire table.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string_view>

#include "common/storage/dict.h"
#include "common/storage/entry.h"
#include "common/util/hash.h"

namespace ember {

struct EntryTraits {
  static uint64_t Hash(const Entry* e) { return HashString(e->key()); }
  static bool Equal(const Entry* e, std::string_view k) { return e->key() == k; }
};

struct ExpireNode {
  ExpireNode* next;
  Entry* entry;
  int64_t when_ms;
};

struct ExpireTraits {
  static uint64_t Hash(const ExpireNode* n) { return HashString(n->entry->key()); }
  static bool Equal(const ExpireNode* n, std::string_view k) { return n->entry->key() == k; }
};

using KeyTable = Dict<Entry, EntryTraits>;
using ExpireTable = Dict<ExpireNode, ExpireTraits>;

class Db {
 public:
  explicit Db(int id) : id_(id) {
    keys_.set_expand_checked(true);
    expires_.set_expand_checked(true);
  }
  ~Db() { Clear(); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  Db(Db&&) noexcept = default;
  Db& operator=(Db&&) noexcept = default;

  int id() const { return id_; }
  void set_id(int id) { id_ = id; }
  size_t size() const { return keys_.size(); }
  size_t expires_size() const { return expires_.size(); }

  Entry* Find(std::string_view key) { return keys_.Find(key, HashString(key)); }

  // Adds an entry whose key is absent. Takes ownership.
  void Add(Entry* e);
  // Adds `fresh`, replacing (and freeing) any entry with the same key. The old TTL is kept
  // if keep_ttl, else dropped. Returns fresh.
  Entry* Set(Entry* fresh, bool keep_ttl);
  // Removes and frees. False if absent.
  bool Delete(std::string_view key);
  // Removes without freeing; the TTL (or -1) is returned through *when_ms.
  Entry* Detach(std::string_view key, int64_t* when_ms);

  // -1 when the key has no TTL.
  int64_t GetExpire(const Entry* e);
  void SetExpire(Entry* e, int64_t when_ms);
  // Returns true if a TTL was removed.
  bool Persist(Entry* e);

  // Drops every key.
  void Clear();
  // Moves every key (and TTL) into a new Db, leaving this one empty, in O(1): the caller
  // frees the returned contents, possibly on another thread (FLUSHALL ASYNC).
  std::unique_ptr<Db> TakeContents();
  // Exchanges contents with another db (SWAPDB); ids stay.
  void Swap(Db& other);

  KeyTable& keys() { return keys_; }
  ExpireTable& expires() { return expires_; }

  // Called whenever a key is added (not overwritten), e.g. to wake clients blocked on it.
  using KeyAddedHook = void (*)(void* ctx, int db, std::string_view key);
  void set_key_added_hook(KeyAddedHook fn, void* ctx) {
    key_added_ = fn;
    key_added_ctx_ = ctx;
  }

  std::minstd_rand& rng() { return rng_; }
  // Per-db incremental work (cron): rehash both tables for about budget_us.
  void RehashSome(int64_t budget_us);
  void ShrinkIfNeeded() {
    keys_.ShrinkIfNeeded();
    expires_.ShrinkIfNeeded();
  }

  // Active-expire bookkeeping kept per db, as Redis's avg_ttl and expires_cursor.
  uint64_t expire_cursor = 0;
  int64_t avg_ttl_ms = 0;

 private:
  int id_;
  KeyTable keys_;
  ExpireTable expires_;
  std::minstd_rand rng_{std::random_device{}()};
  KeyAddedHook key_added_ = nullptr;
  void* key_added_ctx_ = nullptr;
};

}  // namespace ember
