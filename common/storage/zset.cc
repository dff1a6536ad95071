#include "common/storage/zset.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>
#include <string>
#include <unordered_set>

#include "common/util/memory.h"
#include "common/util/strings.h"

namespace ember::zset {
namespace {

// ---- Ranges ---------------------------------------------------------------------------------

// strtod over the whole of s (which may contain NUL bytes: strtod stops at the first one, and
// that counts as the end, as in Redis where the argument is a C string).
bool ParseScoreBound(std::string_view s, double* out, bool* ex) {
  *ex = false;
  if (!s.empty() && s[0] == '(') {
    *ex = true;
    s.remove_prefix(1);
  }
  char small[64];
  std::string big;
  const char* p;
  if (s.size() < sizeof(small)) {
    memcpy(small, s.data(), s.size());
    small[s.size()] = '\0';
    p = small;
  } else {
    big.assign(s);
    p = big.c_str();
  }
  char* end = nullptr;
  double v = strtod(p, &end);
  if (end[0] != '\0' || std::isnan(v)) return false;
  *out = v;
  return true;
}

bool ParseLexBound(std::string_view s, LexBound* b, bool* ex) {
  if (s.empty()) return false;
  switch (s[0]) {
    case '+':
      if (s.size() != 1) return false;
      b->kind = LexBound::kPosInf;
      *ex = true;
      return true;
    case '-':
      if (s.size() != 1) return false;
      b->kind = LexBound::kNegInf;
      *ex = true;
      return true;
    case '(':
    case '[':
      b->kind = LexBound::kValue;
      b->value = s.substr(1);
      *ex = s[0] == '(';
      return true;
    default:
      return false;
  }
}

int CompareBounds(const LexBound& a, const LexBound& b) {
  if (a.kind != LexBound::kValue && a.kind == b.kind) return 0;
  if (a.kind == LexBound::kNegInf || b.kind == LexBound::kPosInf) return -1;
  if (a.kind == LexBound::kPosInf || b.kind == LexBound::kNegInf) return 1;
  int c = a.value.compare(b.value);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// ---- Skiplist helpers -----------------------------------------------------------------------

// (score, member) order of the skiplist.
inline bool NodeBefore(const ZNode* n, double score, std::string_view member) {
  return n->score < score || (n->score == score && n->member() < member);
}

// One step of a descent to (score, member): is the next node at level i still before it?
// Meanwhile the node the descent continues from one level down is fetched, so the two
// likely cache misses of the step (this level's next node, the next level's) overlap.
inline bool StepForward(const ZNode* p, int i, double score, std::string_view member) {
  if (i > 0) __builtin_prefetch(p->level[i - 1].forward);
  const ZNode* f = p->level[i].forward;
  return f && NodeBefore(f, score, member);
}

inline bool NodeGteMin(const ZNode* n, const ScoreRange& r) { return r.GteMin(n->score); }
inline bool NodeLteMax(const ZNode* n, const ScoreRange& r) { return r.LteMax(n->score); }
inline bool NodeGteMin(const ZNode* n, const LexRange& r) { return r.GteMin(n->member()); }
inline bool NodeLteMax(const ZNode* n, const LexRange& r) { return r.LteMax(n->member()); }

uint64_t NextRandom() {
  // xorshift64*: fast, and good enough for level coin flips.
  thread_local uint64_t state = [] {
    std::random_device rd;
    uint64_t s = (uint64_t(rd()) << 32) ^ rd();
    return s ? s : 0x9E3779B97F4A7C15ULL;
  }();
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

// ---- Listpack helpers -----------------------------------------------------------------------

inline bool LpGteMin(const uint8_t* eptr, const uint8_t* sptr, const ScoreRange& r) {
  return r.GteMin(LpScore(sptr));
}
inline bool LpLteMax(const uint8_t* eptr, const uint8_t* sptr, const ScoreRange& r) {
  return r.LteMax(LpScore(sptr));
}
inline bool LpGteMin(const uint8_t* eptr, const uint8_t* sptr, const LexRange& r) {
  char buf[32];
  return r.GteMin(LpMember(eptr, buf));
}
inline bool LpLteMax(const uint8_t* eptr, const uint8_t* sptr, const LexRange& r) {
  char buf[32];
  return r.LteMax(LpMember(eptr, buf));
}

// Is some part of the listpack in the range? (checks the two ends only)
template <typename Range>
bool LpIsInRange(uint8_t* lp, const Range& r) {
  if (r.Empty()) return false;
  uint8_t* sptr = lp::Last(lp);
  if (!sptr) return false;
  uint8_t* eptr = lp::Prev(lp, sptr);
  if (!LpGteMin(eptr, sptr, r)) return false;
  eptr = lp::First(lp);
  sptr = lp::Next(lp, eptr);
  return LpLteMax(eptr, sptr, r);
}

template <typename Range>
uint8_t* LpFirstIn(uint8_t* lp, const Range& r) {
  if (!LpIsInRange(lp, r)) return nullptr;
  uint8_t* eptr = lp::First(lp);
  while (eptr) {
    uint8_t* sptr = lp::Next(lp, eptr);
    if (LpGteMin(eptr, sptr, r)) return LpLteMax(eptr, sptr, r) ? eptr : nullptr;
    eptr = lp::Next(lp, sptr);
  }
  return nullptr;
}

template <typename Range>
uint8_t* LpLastIn(uint8_t* lp, const Range& r) {
  if (!LpIsInRange(lp, r)) return nullptr;
  uint8_t* eptr = lp::Seek(lp, -2);
  while (eptr) {
    uint8_t* sptr = lp::Next(lp, eptr);
    if (LpLteMax(eptr, sptr, r)) return LpGteMin(eptr, sptr, r) ? eptr : nullptr;
    eptr = lp::Prev(lp, eptr);
    if (eptr) eptr = lp::Prev(lp, eptr);
  }
  return nullptr;
}

template <typename Range>
uint8_t* LpDeleteIn(uint8_t* lp, const Range& r, size_t* deleted) {
  size_t n = 0;
  uint8_t* eptr = LpFirstIn(lp, r);
  while (eptr) {
    uint8_t* sptr = lp::Next(lp, eptr);
    if (!LpLteMax(eptr, sptr, r)) break;
    lp = lp::Delete(lp, &eptr);
    lp = lp::Delete(lp, &eptr);
    n++;
  }
  if (deleted) *deleted = n;
  return lp;
}

// Redis's double2ll: an integral double that a long long holds exactly.
bool DoubleToInt64(double d, int64_t* out) {
  if (d < double(-INT64_MAX / 2) || d > double(INT64_MAX / 2)) return false;
  auto v = static_cast<int64_t>(d);
  if (double(v) != d) return false;
  *out = v;
  return true;
}

}  // namespace

// ---- Ranges ---------------------------------------------------------------------------------

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* out) {
  return ParseScoreBound(min, &out->min, &out->minex) &&
         ParseScoreBound(max, &out->max, &out->maxex);
}

int CompareLex(std::string_view member, const LexBound& b) {
  switch (b.kind) {
    case LexBound::kNegInf:
      return 1;
    case LexBound::kPosInf:
      return -1;
    default: {
      int c = member.compare(b.value);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
  }
}

bool LexRange::Empty() const {
  int c = CompareBounds(min, max);
  return c > 0 || (c == 0 && (minex || maxex));
}

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* out) {
  return ParseLexBound(min, &out->min, &out->minex) && ParseLexBound(max, &out->max, &out->maxex);
}

// ---- Skiplist -------------------------------------------------------------------------------

int RandomLevel() {
  uint64_t r = NextRandom();
  int level = 1;
  while ((r & 3) == 0 && level < kMaxLevel) {
    level++;
    r >>= 2;
  }
  return level;
}

ZSet* ZSet::Create() {
  void* mem = MemAlloc(sizeof(ZSet));
  auto* zs = new (mem) ZSet();
  size_t hsize = sizeof(ZNode) + kMaxLevel * sizeof(ZNode::Level);
  zs->header_ = static_cast<ZNode*>(MemAlloc(hsize));
  memset(static_cast<void*>(zs->header_), 0, hsize);
  zs->header_->height = kMaxLevel;
  zs->node_bytes_ = MemUsable(zs->header_);
  return zs;
}

void ZSet::Destroy(ZSet* zs) {
  ZNode* n = zs->header_->level[0].forward;
  while (n) {
    ZNode* next = n->level[0].forward;
    MemFree(n);
    n = next;
  }
  MemFree(zs->header_);
  zs->~ZSet();
  MemFree(zs);
}

ZSet* ZSet::Clone() const {
  ZSet* copy = Create();
  // From the largest down: every insertion then stops at the head, O(1) each.
  for (ZNode* n = tail_; n; n = n->backward) copy->Insert(n->score, n->member());
  return copy;
}

size_t ZSet::bytes() const {
  return MemUsable(const_cast<ZSet*>(this)) + node_bytes_ + index_.BucketBytes();
}

void ZSet::LinkNode(ZNode* x) {
  ZNode* update[kMaxLevel];
  uint64_t rank[kMaxLevel];
  double score = x->score;
  std::string_view member = x->member();
  ZNode* p = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (StepForward(p, i, score, member)) {
      rank[i] += p->level[i].span;
      p = p->level[i].forward;
    }
    update[i] = p;
  }
  int height = x->height;
  if (height > level_) {
    for (int i = level_; i < height; i++) {
      rank[i] = 0;
      update[i] = header_;
      update[i]->level[i].span = length_;
    }
    level_ = height;
  }
  for (int i = 0; i < height; i++) {
    x->level[i].forward = update[i]->level[i].forward;
    update[i]->level[i].forward = x;
    x->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
    update[i]->level[i].span = (rank[0] - rank[i]) + 1;
  }
  for (int i = height; i < level_; i++) update[i]->level[i].span++;
  x->backward = update[0] == header_ ? nullptr : update[0];
  if (x->level[0].forward) {
    x->level[0].forward->backward = x;
  } else {
    tail_ = x;
  }
  length_++;
}

void ZSet::FindUpdate(const ZNode* x, std::string_view member, ZNode** update) const {
  ZNode* p = header_;
  for (int i = level_ - 1; i >= 1; i--) {
    while (StepForward(p, i, x->score, member)) p = p->level[i].forward;
    update[i] = p;
  }
  // At level 0 the node before x is known: no walk (its nodes are likely cache misses).
  update[0] = x->backward ? x->backward : header_;
}

void ZSet::UnlinkNode(ZNode* x, ZNode** update) {
  for (int i = 0; i < level_; i++) {
    if (update[i]->level[i].forward == x) {
      update[i]->level[i].span += x->level[i].span - 1;
      update[i]->level[i].forward = x->level[i].forward;
    } else {
      update[i]->level[i].span -= 1;
    }
  }
  if (x->level[0].forward) {
    x->level[0].forward->backward = x->backward;
  } else {
    tail_ = x->backward;
  }
  while (level_ > 1 && header_->level[level_ - 1].forward == nullptr) level_--;
  length_--;
}

void ZSet::FreeNode(ZNode* x) {
  node_bytes_ -= MemUsable(x);
  MemFree(x);
}

ZNode* ZSet::Insert(double score, std::string_view member) {
  int height = RandomLevel();
  bool long_member = member.size() >= ZNode::kLongLength;
  size_t size = sizeof(ZNode) + size_t(height) * sizeof(ZNode::Level) + member.size() +
                (long_member ? sizeof(uint64_t) : 0);
  auto* x = static_cast<ZNode*>(MemAlloc(size));
  x->next = nullptr;
  x->backward = nullptr;
  x->score = score;
  x->height = uint8_t(height);
  char* p = reinterpret_cast<char*>(x->level + height);
  if (long_member) {
    x->len = ZNode::kLongLength;
    uint64_t n = member.size();
    memcpy(p, &n, sizeof(n));
    p += sizeof(n);
  } else {
    x->len = uint32_t(member.size());
  }
  if (!member.empty()) memcpy(p, member.data(), member.size());
  node_bytes_ += MemUsable(x);
  LinkNode(x);
  index_.Insert(x, HashString(member));
  return x;
}

bool ZSet::Delete(std::string_view member) {
  ZNode* x = index_.Remove(member, HashString(member));
  if (!x) return false;
  ZNode* update[kMaxLevel];
  FindUpdate(x, member, update);
  UnlinkNode(x, update);
  FreeNode(x);
  return true;
}

ZNode* ZSet::UpdateScore(ZNode* x, double score) {
  // Still in order at the same place: just change the score.
  if ((x->backward == nullptr || x->backward->score < score) &&
      (x->level[0].forward == nullptr || x->level[0].forward->score > score)) {
    x->score = score;
    return x;
  }
  ZNode* update[kMaxLevel];
  FindUpdate(x, x->member(), update);
  UnlinkNode(x, update);
  x->score = score;
  LinkNode(x);  // same node, same height: the member index is untouched
  return x;
}

uint64_t ZSet::Rank(double score, std::string_view member) const {
  uint64_t rank = 0;
  const ZNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward &&
           (x->level[i].forward->score < score ||
            (x->level[i].forward->score == score && x->level[i].forward->member() <= member))) {
      rank += x->level[i].span;
      x = x->level[i].forward;
    }
    if (x != header_ && x->score == score && x->member() == member) return rank;
  }
  return 0;
}

ZNode* ZSet::ByRank(uint64_t rank) const {
  if (rank == 0 || rank > length_) return nullptr;
  uint64_t traversed = 0;
  ZNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward && traversed + x->level[i].span <= rank) {
      traversed += x->level[i].span;
      x = x->level[i].forward;
    }
    if (traversed == rank) return x;
  }
  return nullptr;
}

template <typename Range>
bool ZSet::IsInRange(const Range& r) const {
  if (r.Empty()) return false;
  if (!tail_ || !NodeGteMin(tail_, r)) return false;
  ZNode* first = header_->level[0].forward;
  return first && NodeLteMax(first, r);
}

template <typename Range>
ZNode* ZSet::FirstIn(const Range& r) const {
  if (!IsInRange(r)) return nullptr;
  ZNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward && !NodeGteMin(x->level[i].forward, r)) x = x->level[i].forward;
  }
  x = x->level[0].forward;
  return x && NodeLteMax(x, r) ? x : nullptr;
}

template <typename Range>
ZNode* ZSet::LastIn(const Range& r) const {
  if (!IsInRange(r)) return nullptr;
  ZNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward && NodeLteMax(x->level[i].forward, r)) x = x->level[i].forward;
  }
  return x != header_ && NodeGteMin(x, r) ? x : nullptr;
}

ZNode* ZSet::FirstInRange(const ScoreRange& r) const { return FirstIn(r); }
ZNode* ZSet::LastInRange(const ScoreRange& r) const { return LastIn(r); }
ZNode* ZSet::FirstInRange(const LexRange& r) const { return FirstIn(r); }
ZNode* ZSet::LastInRange(const LexRange& r) const { return LastIn(r); }

template <typename Range>
size_t ZSet::DeleteIn(const Range& r) {
  ZNode* update[kMaxLevel];
  ZNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward && !NodeGteMin(x->level[i].forward, r)) x = x->level[i].forward;
    update[i] = x;
  }
  x = x->level[0].forward;
  size_t removed = 0;
  while (x && NodeLteMax(x, r)) {
    ZNode* next = x->level[0].forward;
    UnlinkNode(x, update);
    std::string_view m = x->member();
    index_.Remove(m, HashString(m));
    FreeNode(x);
    removed++;
    x = next;
  }
  return removed;
}

size_t ZSet::DeleteRange(const ScoreRange& r) { return DeleteIn(r); }
size_t ZSet::DeleteRange(const LexRange& r) { return DeleteIn(r); }

size_t ZSet::DeleteRangeByRank(uint64_t start, uint64_t end) {
  ZNode* update[kMaxLevel];
  uint64_t traversed = 0;
  ZNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward && traversed + x->level[i].span < start) {
      traversed += x->level[i].span;
      x = x->level[i].forward;
    }
    update[i] = x;
  }
  traversed++;
  x = x->level[0].forward;
  size_t removed = 0;
  while (x && traversed <= end) {
    ZNode* next = x->level[0].forward;
    UnlinkNode(x, update);
    std::string_view m = x->member();
    index_.Remove(m, HashString(m));
    FreeNode(x);
    removed++;
    traversed++;
    x = next;
  }
  return removed;
}

// ---- Listpack -------------------------------------------------------------------------------

size_t FormatScore(double score, char* buf) {
  int64_t iv;
  if (std::isinf(score)) {
    const char* s = score > 0 ? "inf" : "-inf";
    size_t n = strlen(s);
    memcpy(buf, s, n);
    return n;
  }
  if (DoubleToInt64(score, &iv)) return Int64ToChars(iv, buf);  // also maps -0 to "0"
  // "%.17g", as Redis's d2string.
  auto res = std::to_chars(buf, buf + 32, score, std::chars_format::general, 17);
  return size_t(res.ptr - buf);
}

size_t LpLength(const uint8_t* lp) { return lp::Length(lp) / 2; }

double LpScore(const uint8_t* sptr) {
  lp::Value v = lp::Get(sptr);
  if (v.is_int) return double(v.ival);
  char buf[128];
  size_t n = v.sval.size() < sizeof(buf) - 1 ? v.sval.size() : sizeof(buf) - 1;
  memcpy(buf, v.sval.data(), n);
  buf[n] = '\0';
  return strtod(buf, nullptr);
}

std::string_view LpMember(const uint8_t* eptr, char* scratch) {
  return lp::Get(eptr).AsString(scratch);
}

void LpNext(uint8_t* lp, uint8_t** eptr, uint8_t** sptr) {
  uint8_t* e = lp::Next(lp, *sptr);
  *eptr = e;
  *sptr = e ? lp::Next(lp, e) : nullptr;
}

void LpPrev(uint8_t* lp, uint8_t** eptr, uint8_t** sptr) {
  uint8_t* s = lp::Prev(lp, *eptr);
  *sptr = s;
  *eptr = s ? lp::Prev(lp, s) : nullptr;
  if (!*eptr) *sptr = nullptr;
}

uint8_t* LpFind(uint8_t* lp, std::string_view member, double* score) {
  uint8_t* eptr = lp::First(lp);
  if (!eptr) return nullptr;
  eptr = lp::Find(lp, eptr, member, 1);
  if (eptr && score) *score = LpScore(lp::Next(lp, eptr));
  return eptr;
}

uint8_t* LpInsertAt(uint8_t* lp, uint8_t* eptr, std::string_view member, double score) {
  char buf[40];
  std::string_view text(buf, FormatScore(score, buf));
  if (!eptr) {
    lp = lp::Append(lp, member);
    return lp::Append(lp, text);
  }
  uint8_t* sptr = nullptr;
  lp = lp::Insert(lp, eptr, member, false, &sptr);
  return lp::Insert(lp, sptr, text, true, nullptr);
}

uint8_t* LpInsert(uint8_t* lp, std::string_view member, double score) {
  char buf[32];
  uint8_t* eptr = lp::First(lp);
  while (eptr) {
    uint8_t* sptr = lp::Next(lp, eptr);
    double s = LpScore(sptr);
    if (s > score || (s == score && LpMember(eptr, buf) > member)) {
      return LpInsertAt(lp, eptr, member, score);
    }
    eptr = lp::Next(lp, sptr);
  }
  return LpInsertAt(lp, nullptr, member, score);
}

uint8_t* LpDelete(uint8_t* lp, uint8_t* eptr) {
  uint8_t* p = eptr;
  lp = lp::Delete(lp, &p);
  return lp::Delete(lp, &p);
}

uint8_t* LpFirstInRange(uint8_t* lp, const ScoreRange& r) { return LpFirstIn(lp, r); }
uint8_t* LpLastInRange(uint8_t* lp, const ScoreRange& r) { return LpLastIn(lp, r); }
uint8_t* LpFirstInRange(uint8_t* lp, const LexRange& r) { return LpFirstIn(lp, r); }
uint8_t* LpLastInRange(uint8_t* lp, const LexRange& r) { return LpLastIn(lp, r); }

uint8_t* LpDeleteRange(uint8_t* lp, const ScoreRange& r, size_t* deleted) {
  return LpDeleteIn(lp, r, deleted);
}
uint8_t* LpDeleteRange(uint8_t* lp, const LexRange& r, size_t* deleted) {
  return LpDeleteIn(lp, r, deleted);
}

uint8_t* LpDeleteRangeByRank(uint8_t* lp, uint64_t start, uint64_t end, size_t* deleted) {
  uint64_t num = end - start + 1;
  if (deleted) *deleted = num;
  return lp::DeleteRange(lp, int64_t(2 * (start - 1)), size_t(2 * num));
}

bool LpValidateIntegrity(const uint8_t* lp, size_t size, bool deep) {
  if (!lp::Validate(lp, size, deep)) return false;
  if (!deep) return true;
  auto* z = const_cast<uint8_t*>(lp);
  std::unordered_set<std::string> members;
  size_t count = 0;
  char buf[32];
  for (uint8_t* p = lp::First(z); p; p = lp::Next(z, p), count++) {
    if (count % 2 == 0 && !members.emplace(LpMember(p, buf)).second) return false;
  }
  return count % 2 == 0;
}

// ---- Encoding-agnostic ----------------------------------------------------------------------

Entry* NewEntryWithEncoding(std::string_view key, Encoding enc) {
  void* ptr = enc == Encoding::kListpack ? static_cast<void*>(lp::New())
                                         : static_cast<void*>(ZSet::Create());
  return Entry::NewObject(key, ObjType::kZSet, enc, ptr);
}

Entry* NewEntry(std::string_view key, const Limits& limits, size_t first_member_len) {
  bool big = limits.max_entries == 0 || limits.max_value < first_member_len;
  return NewEntryWithEncoding(key, big ? Encoding::kSkiplist : Encoding::kListpack);
}

size_t Length(const Entry* e) {
  if (e->encoding() == Encoding::kListpack) return LpLength(static_cast<uint8_t*>(e->v.ptr));
  return static_cast<ZSet*>(e->v.ptr)->size();
}

bool Score(Entry* e, std::string_view member, double* score) {
  if (e->encoding() == Encoding::kListpack) {
    return LpFind(static_cast<uint8_t*>(e->v.ptr), member, score) != nullptr;
  }
  ZNode* n = static_cast<ZSet*>(e->v.ptr)->Find(member);
  if (!n) return false;
  *score = n->score;
  return true;
}

int64_t Rank(Entry* e, std::string_view member, bool reverse) {
  int64_t len = int64_t(Length(e));
  int64_t rank;  // 1-based
  if (e->encoding() == Encoding::kListpack) {
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    rank = 1;
    uint8_t* eptr = lp::First(lp);
    while (eptr) {
      if (lp::Get(eptr).Equals(member)) break;
      rank++;
      eptr = lp::Next(lp, eptr);
      if (eptr) eptr = lp::Next(lp, eptr);
    }
    if (!eptr) return -1;
  } else {
    auto* zs = static_cast<ZSet*>(e->v.ptr);
    ZNode* n = zs->Find(member);
    if (!n) return -1;
    rank = int64_t(zs->Rank(n->score, member));
  }
  return reverse ? len - rank : rank - 1;
}

bool Delete(Entry* e, std::string_view member) {
  if (e->encoding() == Encoding::kListpack) {
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    uint8_t* eptr = LpFind(lp, member, nullptr);
    if (!eptr) return false;
    e->v.ptr = LpDelete(lp, eptr);
    return true;
  }
  auto* zs = static_cast<ZSet*>(e->v.ptr);
  if (!zs->Delete(member)) return false;
  zs->ShrinkIndexIfNeeded();
  return true;
}

int Add(Entry* e, double score, std::string_view member, int flags, const Limits& limits,
        double* newscore) {
  bool incr = flags & kAddIncr, nx = flags & kAddNx, xx = flags & kAddXx;
  bool gt = flags & kAddGt, lt = flags & kAddLt;
  if (std::isnan(score)) return kAddedNan;

  if (e->encoding() == Encoding::kListpack) {
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    double cur;
    uint8_t* eptr = LpFind(lp, member, &cur);
    if (eptr) {
      if (nx) return kNop;
      if (incr) {
        score += cur;
        if (std::isnan(score)) return kAddedNan;
      }
      if ((lt && score >= cur) || (gt && score <= cur)) return kNop;
      if (newscore) *newscore = score;
      if (score != cur) {
        lp = LpDelete(lp, eptr);
        e->v.ptr = LpInsert(lp, member, score);
        return kUpdated;
      }
      return 0;
    }
    if (xx) return kNop;
    if (LpLength(lp) + 1 > limits.max_entries || member.size() > limits.max_value ||
        !lp::SafeToAdd(lp, member.size())) {
      Convert(e, Encoding::kSkiplist);
    } else {
      e->v.ptr = LpInsert(lp, member, score);
      if (newscore) *newscore = score;
      return kAdded;
    }
  }

  auto* zs = static_cast<ZSet*>(e->v.ptr);
  ZNode* n = zs->Find(member);
  if (n) {
    if (nx) return kNop;
    double cur = n->score;
    if (incr) {
      score += cur;
      if (std::isnan(score)) return kAddedNan;
    }
    if ((lt && score >= cur) || (gt && score <= cur)) return kNop;
    if (newscore) *newscore = score;
    if (score != cur) {
      zs->UpdateScore(n, score);
      return kUpdated;
    }
    return 0;
  }
  if (xx) return kNop;
  zs->Insert(score, member);
  if (newscore) *newscore = score;
  return kAdded;
}

void Convert(Entry* e, Encoding to) {
  if (e->encoding() == to) return;
  if (to == Encoding::kSkiplist) {
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    ZSet* zs = ZSet::Create();
    char buf[32];
    uint8_t* eptr = lp::First(lp);
    uint8_t* sptr = eptr ? lp::Next(lp, eptr) : nullptr;
    while (eptr) {
      zs->Insert(LpScore(sptr), LpMember(eptr, buf));
      LpNext(lp, &eptr, &sptr);
    }
    lp::Free(lp);
    e->v.ptr = zs;
    e->set_type_encoding(ObjType::kZSet, Encoding::kSkiplist);
  } else {
    auto* zs = static_cast<ZSet*>(e->v.ptr);
    uint8_t* lp = lp::New();
    for (ZNode* n = zs->First(); n; n = n->Next()) {
      lp = LpInsertAt(lp, nullptr, n->member(), n->score);
    }
    ZSet::Destroy(zs);
    e->v.ptr = lp;
    e->set_type_encoding(ObjType::kZSet, Encoding::kListpack);
  }
}

void ConvertToListpackIfNeeded(Entry* e, const Limits& limits, size_t maxelelen, size_t totelelen) {
  if (e->encoding() == Encoding::kListpack) return;
  auto* zs = static_cast<ZSet*>(e->v.ptr);
  if (zs->size() <= limits.max_entries && maxelelen <= limits.max_value &&
      lp::SafeToAdd(nullptr, totelelen)) {
    Convert(e, Encoding::kListpack);
  }
}

void DestroyValue(void* ptr, Encoding enc) {
  if (enc == Encoding::kListpack) {
    lp::Free(static_cast<uint8_t*>(ptr));
  } else {
    ZSet::Destroy(static_cast<ZSet*>(ptr));
  }
}

void* CloneValue(const void* ptr, Encoding enc) {
  if (enc == Encoding::kListpack) return lp::Dup(static_cast<const uint8_t*>(ptr));
  return static_cast<const ZSet*>(ptr)->Clone();
}

size_t ValueBytes(const void* ptr, Encoding enc) {
  if (enc == Encoding::kListpack) return MemUsable(const_cast<void*>(ptr));
  return static_cast<const ZSet*>(ptr)->bytes();
}

}  // namespace ember::zset
