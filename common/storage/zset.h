// Sorted sets: the two encodings Redis uses and what the commands need on top of them.
//
// "skiplist" encoding: a ZSet, i.e. a skiplist ordered by (score, member) whose levels carry
// span counts (so rank lookups are O(log N)) plus a member -> node index. The index is the
// intrusive Dict of common/storage/dict.h and its nodes ARE the skiplist nodes: one allocation
// per element holds the hash chain link, the score, the skiplist links and the member bytes.
//
// "listpack" encoding: member, score, member, score, ... in one listpack (common/storage/
// listpack.h), sorted by score then member. Scores are stored as integers when they are
// integral and fit, else as their "%.17g" text, exactly as Redis writes them (the RDB payload
// is the listpack itself).
//
// On top of both: score ranges ("(1.5", "+inf"), lex ranges ("[a", "(b", "-", "+") and the
// encoding-agnostic operations of Redis's zsetAdd/zsetDel/zsetRank/zsetConvert, which work on
// an Entry of type zset and switch its encoding in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "common/storage/dict.h"
#include "common/storage/entry.h"
#include "common/storage/listpack.h"
#include "common/util/hash.h"

namespace ember::zset {

inline constexpr int kMaxLevel = 32;  // enough for 2^64 elements at p = 1/4

// ---------------------------------------------------------------------------------------------
// Ranges.

// A score interval; min/max are inclusive unless the exclusive flag is set.
struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;

  bool GteMin(double v) const { return minex ? v > min : v >= min; }
  bool LteMax(double v) const { return maxex ? v < max : v <= max; }
  bool Contains(double v) const { return GteMin(v) && LteMax(v); }
  // True if no score can be in the range (min > max, or min == max with an open end).
  bool Empty() const { return min > max || (min == max && (minex || maxex)); }
};

// Parses ZRANGEBYSCORE-style bounds: a float as strtod reads it (so "inf", "-inf", "+inf",
// leading spaces and hex are accepted), optionally prefixed by "(" for an open end. NaN is
// rejected. False on error ("min or max is not a float").
bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* out);

// One end of a lex range: "-" (below everything), "+" (above everything) or a string.
struct LexBound {
  enum Kind : uint8_t { kNegInf, kPosInf, kValue };
  Kind kind = kValue;
  std::string_view value;  // views the argument the range was parsed from
};

// Compares a member with a bound: <0, 0 or >0.
int CompareLex(std::string_view member, const LexBound& b);

struct LexRange {
  LexBound min, max;
  bool minex = false, maxex = false;

  bool GteMin(std::string_view v) const {
    int c = CompareLex(v, min);
    return minex ? c > 0 : c >= 0;
  }
  bool LteMax(std::string_view v) const {
    int c = CompareLex(v, max);
    return maxex ? c < 0 : c <= 0;
  }
  bool Contains(std::string_view v) const { return GteMin(v) && LteMax(v); }
  bool Empty() const;
};

// Parses ZRANGEBYLEX-style bounds: "[x" (inclusive), "(x" (exclusive), "-" or "+". The
// range views the argument bytes, which must outlive it. False on error ("min or max not
// valid string range item").
bool ParseLexRange(std::string_view min, std::string_view max, LexRange* out);

// ---------------------------------------------------------------------------------------------
// Skiplist encoding.

struct ZNode {
  struct Level {
    ZNode* forward;
    uint64_t span;  // elements between this node and `forward` at this level (forward incl.)
  };

  // A member of 4 GiB or more stores kLongLength in `len` and its real length in the 8
  // bytes that precede its bytes.
  static constexpr uint32_t kLongLength = UINT32_MAX;

  ZNode* next;      // member index chain (Dict)
  ZNode* backward;  // previous node at level 0 (nullptr for the first)
  double score;
  uint32_t len;    // member length, or kLongLength
  uint8_t height;  // number of levels
  Level level[];   // `height` levels, then the member bytes

  std::string_view member() const {
    const char* p = reinterpret_cast<const char*>(level + height);
    if (len != kLongLength) return {p, len};
    uint64_t n;
    memcpy(&n, p, sizeof(n));
    return {p + sizeof(n), size_t(n)};
  }
  ZNode* Next() const { return level[0].forward; }
  ZNode* Prev() const { return backward; }
};

struct ZNodeTraits {
  static uint64_t Hash(const ZNode* n) { return HashString(n->member()); }
  static bool Equal(const ZNode* n, std::string_view k) { return n->member() == k; }
};

class ZSet {
 public:
  using Index = Dict<ZNode, ZNodeTraits>;

  static ZSet* Create();
  static void Destroy(ZSet* zs);
  // A deep copy with the same contents.
  ZSet* Clone() const;

  size_t size() const { return length_; }
  ZNode* First() const { return header_->level[0].forward; }
  ZNode* Last() const { return tail_; }
  // Memory held (nodes, index buckets and this object), kept up to date on every change.
  size_t bytes() const;

  ZNode* Find(std::string_view member) { return index_.Find(member, HashString(member)); }
  // Adds a member that is known to be absent.
  ZNode* Insert(double score, std::string_view member);
  // Removes a member (from both structures). False if absent.
  bool Delete(std::string_view member);
  // Changes the score of `node` (from Find), moving it if its position changes. Returns the
  // node (the same one: nodes never move in memory).
  ZNode* UpdateScore(ZNode* node, double score);

  // 1-based rank of the element (score, member), 0 if absent. O(log N).
  uint64_t Rank(double score, std::string_view member) const;
  // The element of 1-based rank `rank`, nullptr if out of range. O(log N).
  ZNode* ByRank(uint64_t rank) const;

  ZNode* FirstInRange(const ScoreRange& r) const;
  ZNode* LastInRange(const ScoreRange& r) const;
  ZNode* FirstInRange(const LexRange& r) const;
  ZNode* LastInRange(const LexRange& r) const;

  // Each returns the number of elements removed.
  size_t DeleteRange(const ScoreRange& r);
  size_t DeleteRange(const LexRange& r);
  size_t DeleteRangeByRank(uint64_t start, uint64_t end);  // 1-based, inclusive

  // Shrinks the member index after deletions if it became sparse.
  void ShrinkIndexIfNeeded() { index_.ShrinkIfNeeded(); }
  const Index& index() const { return index_; }
  // ZSCAN over the member index.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    return index_.Scan(cursor, std::forward<Fn>(fn));
  }

 private:
  ZSet() = default;
  ~ZSet() = default;

  template <typename Range>
  bool IsInRange(const Range& r) const;
  template <typename Range>
  ZNode* FirstIn(const Range& r) const;
  template <typename Range>
  ZNode* LastIn(const Range& r) const;
  template <typename Range>
  size_t DeleteIn(const Range& r);

  // The rightmost node before the linked node x at each level (for UnlinkNode).
  void FindUpdate(const ZNode* x, std::string_view member, ZNode** update) const;
  // Unlinks x from the skiplist given the rightmost node before it at each level.
  void UnlinkNode(ZNode* x, ZNode** update);
  // Links an allocated node into the skiplist at its (score, member) position.
  void LinkNode(ZNode* x);
  void FreeNode(ZNode* x);

  ZNode* header_ = nullptr;
  ZNode* tail_ = nullptr;
  uint64_t length_ = 0;
  int level_ = 1;
  size_t node_bytes_ = 0;  // usable bytes of every node, header included
  Index index_;
};

// A random level in [1, kMaxLevel] with P(level > k) = 4^-k, as Redis's zslRandomLevel.
int RandomLevel();

// ---------------------------------------------------------------------------------------------
// Listpack encoding. `eptr` points at a member, `sptr` at the score that follows it.

size_t LpLength(const uint8_t* lp);  // number of (member, score) pairs
double LpScore(const uint8_t* sptr);
// The member's bytes; integers are formatted into scratch (at least 21 bytes).
std::string_view LpMember(const uint8_t* eptr, char* scratch);
// Moves to the next/previous pair; both become nullptr at the end.
void LpNext(uint8_t* lp, uint8_t** eptr, uint8_t** sptr);
void LpPrev(uint8_t* lp, uint8_t** eptr, uint8_t** sptr);
// The member's entry, nullptr if absent; *score receives its score if not null.
uint8_t* LpFind(uint8_t* lp, std::string_view member, double* score);
// Inserts a member known to be absent at its sorted position.
uint8_t* LpInsert(uint8_t* lp, std::string_view member, double score);
// Inserts before the member at eptr (appends if eptr is nullptr), without ordering checks.
uint8_t* LpInsertAt(uint8_t* lp, uint8_t* eptr, std::string_view member, double score);
// Deletes the pair whose member is at eptr.
uint8_t* LpDelete(uint8_t* lp, uint8_t* eptr);

uint8_t* LpFirstInRange(uint8_t* lp, const ScoreRange& r);
uint8_t* LpLastInRange(uint8_t* lp, const ScoreRange& r);
uint8_t* LpFirstInRange(uint8_t* lp, const LexRange& r);
uint8_t* LpLastInRange(uint8_t* lp, const LexRange& r);
uint8_t* LpDeleteRange(uint8_t* lp, const ScoreRange& r, size_t* deleted);
uint8_t* LpDeleteRange(uint8_t* lp, const LexRange& r, size_t* deleted);
uint8_t* LpDeleteRangeByRank(uint8_t* lp, uint64_t start, uint64_t end, size_t* deleted);
// Checks an untrusted sorted set listpack (RDB, RESTORE): the listpack structure, and with
// `deep` an even number of entries and no duplicate member (Redis's
// zsetListpackValidateIntegrity).
bool LpValidateIntegrity(const uint8_t* lp, size_t size, bool deep);

// ---------------------------------------------------------------------------------------------
// Encoding-agnostic operations on an Entry of type zset (Redis's zset* functions).

// Thresholds for the listpack encoding (zset-max-listpack-entries / -value).
struct Limits {
  size_t max_entries = 128;
  size_t max_value = 64;
};

// A fresh empty value: listpack unless the thresholds rule it out for a first member of
// `first_member_len` bytes (as ZADD decides when it creates a key).
Entry* NewEntry(std::string_view key, const Limits& limits, size_t first_member_len);
Entry* NewEntryWithEncoding(std::string_view key, Encoding enc);

size_t Length(const Entry* e);
bool Score(Entry* e, std::string_view member, double* score);
// 0-based rank, -1 if absent.
int64_t Rank(Entry* e, std::string_view member, bool reverse);
bool Delete(Entry* e, std::string_view member);

// ZADD flags in and out.
enum AddFlags : int {
  kAddIncr = 1 << 0,
  kAddNx = 1 << 1,
  kAddXx = 1 << 2,
  kAddGt = 1 << 3,
  kAddLt = 1 << 4,
};
enum AddResult : int {
  kAddedNan = 1 << 0,  // the score (or the incremented one) is NaN: nothing changed
  kAdded = 1 << 1,
  kUpdated = 1 << 2,
  kNop = 1 << 3,  // skipped because of NX/XX/GT/LT
};
// Adds or updates a member as Redis's zsetAdd, converting a listpack to a skiplist first
// when the new member would break the limits. Returns a combination of AddResult (0 when
// the member was re-added with the same score). *newscore receives the resulting score
// when something was added or updated.
int Add(Entry* e, double score, std::string_view member, int flags, const Limits& limits,
        double* newscore);

// Changes the encoding (listpack <-> skiplist) keeping the contents.
void Convert(Entry* e, Encoding to);
// Converts a skiplist value to a listpack if it fits the limits (Redis's
// zsetConvertToListpackIfNeeded, given the longest member and the total member bytes).
void ConvertToListpackIfNeeded(Entry* e, const Limits& limits, size_t maxelelen, size_t totelelen);

// Registration helpers: free, deep-copy and size a value of either encoding.
void DestroyValue(void* ptr, Encoding enc);
void* CloneValue(const void* ptr, Encoding enc);
size_t ValueBytes(const void* ptr, Encoding enc);

// Walks the elements in order (or reverse): fn(member, score) returns false to stop.
template <typename Fn>
void ForEach(Entry* e, bool reverse, Fn&& fn);

// Double to listpack score text / parse back, as Redis's d2string and zzlStrtod.
size_t FormatScore(double score, char* buf);  // buf needs 32 bytes

template <typename Fn>
void ForEach(Entry* e, bool reverse, Fn&& fn) {
  if (e->encoding() == Encoding::kListpack) {
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    uint8_t* eptr = reverse ? lp::Seek(lp, -2) : lp::First(lp);
    uint8_t* sptr = eptr ? lp::Next(lp, eptr) : nullptr;
    char buf[32];
    while (eptr) {
      if (!fn(LpMember(eptr, buf), LpScore(sptr))) return;
      if (reverse) {
        LpPrev(lp, &eptr, &sptr);
      } else {
        LpNext(lp, &eptr, &sptr);
      }
    }
    return;
  }
  auto* zs = static_cast<ZSet*>(e->v.ptr);
  for (ZNode* n = reverse ? zs->Last() : zs->First(); n; n = reverse ? n->Prev() : n->Next()) {
    if (!fn(n->member(), n->score)) return;
  }
}

}  // namespace ember::zset
