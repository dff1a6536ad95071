// The "hashtable" encoding of a hash key: a field -> value map in the intrusive,
// incrementally rehashed Dict. Each field/value pair is one node allocation
// ([next][field length][value length][field bytes][value bytes]), where Redis spends a
// dictEntry and two sds strings.
//
// Small hashes use a listpack of alternating field/value elements instead (see
// server/families/hash_family.cc); the helpers at the end of this file read a hash value of
// either encoding for modules that do not care which one it has (RDB, DEBUG DIGEST, AOF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/storage/dict.h"
#include "common/storage/listpack.h"
#include "common/util/hash.h"
#include "proto/object.h"

namespace ember {

struct HashNode {
  HashNode* next;
  // Lengths of up to 4 GiB - 2 are stored here; when either is longer both fields hold
  // kWide and the real 64-bit lengths lead the data.
  uint32_t field_len;
  uint32_t value_len;
  char data[];

  static constexpr uint32_t kWide = UINT32_MAX;

  bool wide() const { return field_len == kWide; }
  std::string_view field() const {
    if (!wide()) return {data, field_len};
    uint64_t lens[2];
    std::memcpy(lens, data, sizeof(lens));
    return {data + sizeof(lens), size_t(lens[0])};
  }
  std::string_view value() const {
    if (!wide()) return {data + field_len, value_len};
    uint64_t lens[2];
    std::memcpy(lens, data, sizeof(lens));
    return {data + sizeof(lens) + lens[0], size_t(lens[1])};
  }

  // Allocation size needed for a node holding field and value.
  static size_t NeededBytes(size_t flen, size_t vlen);
  // A new unlinked node (MemAlloc).
  static HashNode* Create(std::string_view field, std::string_view value);
  static void Destroy(HashNode* n);
};

struct HashNodeTraits {
  static uint64_t Hash(const HashNode* n) { return HashString(n->field()); }
  static bool Equal(const HashNode* n, std::string_view f) { return n->field() == f; }
};

class HashTable {
 public:
  using Table = Dict<HashNode, HashNodeTraits>;

  HashTable() = default;
  ~HashTable();
  HashTable(const HashTable&) = delete;
  HashTable& operator=(const HashTable&) = delete;

  size_t size() const { return dict_.size(); }
  bool empty() const { return dict_.empty(); }

  // The node holding `field`, or nullptr. The node stays valid until the table is modified.
  const HashNode* Find(std::string_view field) { return dict_.Find(field, HashString(field)); }
  bool Get(std::string_view field, std::string_view* value) {
    const HashNode* n = Find(field);
    if (!n) return false;
    *value = n->value();
    return true;
  }
  bool Contains(std::string_view field) { return Find(field) != nullptr; }

  // Sets field to value. Returns true if the field was added, false if it was updated.
  bool Set(std::string_view field, std::string_view value);
  // Adds a field known to be absent (conversion from a listpack, loading).
  void Add(std::string_view field, std::string_view value);
  // Removes a field; shrinks the table when it becomes sparse. True if it existed.
  bool Delete(std::string_view field);

  // Calls fn(field, value) for every pair; fn must not modify the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    dict_.ForEach([&](const HashNode* n) { fn(n->field(), n->value()); });
  }

  // One HSCAN step: calls fn(const HashNode*) for the nodes of the bucket(s) at `cursor`
  // and returns the next cursor (0 when done). Every pair present for the whole scan is
  // reported at least once, even while the table grows or shrinks between steps.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    return dict_.Scan(cursor, [&](const HashNode* n) { fn(n); });
  }

  // A random pair (nullptr if empty) with a fairer distribution than a random bucket:
  // samples a run of up to kFairSample nodes and picks one of them uniformly, as Redis's
  // dictGetFairRandomKey.
  template <typename Rng>
  const HashNode* FairRandom(Rng& rng) {
    if (dict_.empty()) return nullptr;
    const HashNode* picked[kFairSample];
    size_t want = dict_.size() < kFairSample ? dict_.size() : kFairSample;
    size_t n = 0;
    dict_.Sample(rng, want, [&](HashNode* node) {
      if (n < want) picked[n++] = node;
    });
    if (n == 0) return dict_.Random(rng);
    return picked[uint64_t(rng()) % n];
  }
  // A random pair by random bucket, then random chain element.
  template <typename Rng>
  const HashNode* Random(Rng& rng) {
    return dict_.Random(rng);
  }

  // A deep copy (same contents; the table layout may differ).
  HashTable* Clone() const;

  // Memory of the buckets and the nodes (the HashTable object itself not included).
  size_t Bytes() const { return dict_.BucketBytes() + node_bytes_; }

  const Table& dict() const { return dict_; }

 private:
  static constexpr size_t kFairSample = 15;

  Table dict_;
  size_t node_bytes_ = 0;  // usable bytes of all nodes
};

// ---- Either encoding ------------------------------------------------------------------

// Number of pairs of a hash value stored as `enc` (kListpack or kHashtable).
size_t HashValueLength(const void* ptr, proto::Encoding enc);

// Looks up `field` in a hash value of either encoding (SORT BY/GET use it too). An integer
// stored in a listpack is formatted into `scratch` (24 bytes). False if absent.
bool HashGetField(void* ptr, proto::Encoding enc, std::string_view field, char* scratch,
                  std::string_view* value);

// Calls fn(field, value) for every pair of a hash value of either encoding. Listpack
// integers are formatted into a scratch buffer that is valid during the call only.
template <typename Fn>
void ForEachHashPair(void* ptr, proto::Encoding enc, Fn&& fn) {
  if (enc == proto::Encoding::kHashtable) {
    static_cast<const HashTable*>(ptr)->ForEach(fn);
    return;
  }
  auto* lp = static_cast<uint8_t*>(ptr);
  char fbuf[24], vbuf[24];
  for (uint8_t* p = lp::First(lp); p;) {
    uint8_t* vp = lp::Next(lp, p);
    if (!vp) break;
    std::string_view f = lp::Get(p).AsString(fbuf);
    std::string_view v = lp::Get(vp).AsString(vbuf);
    fn(f, v);
    p = lp::Next(lp, vp);
  }
}

// A hashtable holding the pairs of a listpack-encoded hash (the listpack is not freed).
// Returns nullptr if the listpack repeats a field (corrupt data).
HashTable* HashTableFromListpack(uint8_t* lp);

// Frees, copies and measures (all the memory it occupies) a hash value of either encoding:
// the type's registered destructor, cloner and sizer. Hashtables are allocated with new.
void FreeHashValue(void* ptr, proto::Encoding enc);
void* CloneHashValue(const void* ptr, proto::Encoding enc);
size_t HashValueBytes(const void* ptr, proto::Encoding enc);

}  // namespace ember
