// Sorted set commands: ZADD and friends, ranges by rank/score/lex, pops (and their blocking
// forms), set algebra (ZUNION/ZINTER/ZDIFF and their STORE forms, ZINTERCARD), ZRANDMEMBER
// and ZSCAN.
//
// A sorted set is a listpack while it has at most zset-max-listpack-entries members of at
// most zset-max-listpack-value bytes, else a skiplist + member index (common/storage/zset.h).
// As in Redis 7.0 a value only converts from listpack to skiplist, except that values built
// anew (the *STORE commands) get the encoding that fits their contents.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/storage/entry.h"
#include "common/storage/intset.h"
#include "common/storage/listpack.h"
#include "common/storage/set_table.h"
#include "common/storage/zset.h"
#include "common/util/hash.h"
#include "common/util/strings.h"
#include "server/blocking.h"
#include "server/client.h"
#include "server/command.h"
#include "server/families/families.h"
#include "server/families/value_copy.h"
#include "server/server.h"

namespace ember {
namespace {

using zset::LexRange;
using zset::ScoreRange;
using zset::ZNode;
using zset::ZSet;

constexpr std::string_view kNanErr = "resulting score is not a number (NaN)";
constexpr std::string_view kNotFloatRange = "min or max is not a float";
constexpr std::string_view kNotLexRange = "min or max not valid string range item";
// Redis's ZRANDMEMBER_SUB_STRATEGY_MUL and ZRANDMEMBER_RANDOM_SAMPLE_LIMIT.
constexpr uint64_t kRandSubStrategyMul = 3;
constexpr uint64_t kRandSampleLimit = 1000;

enum class Where { kMin, kMax };

std::mt19937_64& Rng() {
  static std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

zset::Limits GetLimits(Client& c) {
  const Config& cfg = c.server().config();
  return {size_t(cfg.zset_max_listpack_entries), size_t(cfg.zset_max_listpack_value)};
}

// ---- Lookups and key bookkeeping ------------------------------------------------------------

bool CheckZset(Client& c, Entry* e) {
  if (e && e->type() != ObjType::kZSet) {
    c.reply().Error(err::kWrongType);
    return false;
  }
  return true;
}

// Adds a new sorted set entry (its key absent). Db::Add's hook sends the "new" event and
// wakes the clients blocked on the key, as Redis's dbAdd.
void AddZsetKey(Client& c, Entry* e) { c.db().Add(e); }

// Deletes a key that became empty, with its "del" event.
void DeleteEmptyKey(Client& c, std::string_view key) {
  c.db().Delete(key);
  c.server().NotifyKeyspaceEvent(kNotifyGeneric, "del", key, c.db_index());
}

// Stores a computed sorted set `fresh` (an unlinked entry keyed `dst`) as Redis's setKey:
// replaces any value, drops the TTL. Replies with its length and sends `event`.
void StoreResult(Client& c, std::string_view dst, Entry* fresh, std::string_view event) {
  Server& s = c.server();
  Db& db = c.db();
  size_t n = zset::Length(fresh);
  if (n > 0) {
    s.LookupWrite(c, dst);  // expires a stale destination first, as Redis's setKey
    db.Set(fresh, /*keep_ttl=*/false);
    s.SignalModifiedKey(db, dst);
    c.reply().Integer(int64_t(n));
    s.NotifyKeyspaceEvent(kNotifyZset, event, dst, c.db_index());
    s.dirty++;
    return;
  }
  FreeEntry(fresh);
  c.reply().Integer(0);
  if (db.Delete(dst)) {
    s.SignalModifiedKey(db, dst);
    s.NotifyKeyspaceEvent(kNotifyGeneric, "del", dst, c.db_index());
    s.dirty++;
  }
}

// ---- Argument parsing -----------------------------------------------------------------------

// Redis's getLongFromObjectOrReply (long is 64-bit).
bool ParseLong(Client& c, std::string_view s, int64_t* v) { return ParseInt64Arg(c, s, v); }

// Redis's getRangeLongFromObjectOrReply: with `msg` every failure replies msg.
bool ParseRangeLong(Client& c, std::string_view s, int64_t min, int64_t max, int64_t* out,
                    std::string_view msg) {
  int64_t v;
  if (!StringToInt64(s, &v)) {
    c.reply().Error(msg.empty() ? err::kNotInt : msg);
    return false;
  }
  if (v < min || v > max) {
    if (!msg.empty()) {
      c.reply().Error(msg);
    } else {
      c.reply().Error("value is out of range, value must between " + Int64ToString(min) + " and " +
                      Int64ToString(max));
    }
    return false;
  }
  *out = v;
  return true;
}

// Redis's getPositiveLongFromObjectOrReply.
bool ParsePositiveLong(Client& c, std::string_view s, int64_t* out, std::string_view msg = {}) {
  return ParseRangeLong(
      c, s, 0, INT64_MAX, out,
      msg.empty() ? std::string_view("value is out of range, must be positive") : msg);
}

// ---- ZADD / ZINCRBY -------------------------------------------------------------------------

// ParseDoubleArg with a shortcut for the usual plain integer score: up to 15 decimal digits
// (optionally after '-') is below 2^53, so the conversion is exact and equals strtod's.
bool ParseScoreArg(Client& c, std::string_view s, double* out) {
  size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  size_t digits = s.size() - i;
  if (digits > 0 && digits <= 15) {
    int64_t v = 0;
    for (; i < s.size(); i++) {
      unsigned d = unsigned(s[i]) - '0';
      if (d > 9) break;
      v = v * 10 + d;
    }
    if (i == s.size()) {
      *out = s[0] == '-' ? -double(v) : double(v);  // "-0" stays -0.0, as strtod reads it
      return true;
    }
  }
  return ParseDoubleArg(c, s, out);
}

void ZaddGeneric(Client& c, CmdArgs args, int flags) {
  Server& s = c.server();
  std::string_view key = args[1];
  bool ch = false;
  size_t scoreidx = 2;
  for (; scoreidx < args.size(); scoreidx++) {
    std::string_view opt = args[scoreidx];
    // Every option starts with a letter: a score ("12", "-1.5", ".5") ends them at once.
    if (opt.empty() || !isalpha(static_cast<unsigned char>(opt[0]))) break;
    if (EqualsIgnoreCase(opt, "nx")) {
      flags |= zset::kAddNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      flags |= zset::kAddXx;
    } else if (EqualsIgnoreCase(opt, "ch")) {
      ch = true;
    } else if (EqualsIgnoreCase(opt, "incr")) {
      flags |= zset::kAddIncr;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      flags |= zset::kAddGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      flags |= zset::kAddLt;
    } else {
      break;
    }
  }
  bool incr = flags & zset::kAddIncr, nx = flags & zset::kAddNx, xx = flags & zset::kAddXx;
  bool gt = flags & zset::kAddGt, lt = flags & zset::kAddLt;

  size_t elements = args.size() - scoreidx;
  if (elements % 2 || elements == 0) {
    c.reply().Error(err::kSyntax);
    return;
  }
  elements /= 2;
  if (nx && xx) {
    c.reply().Error("XX and NX options at the same time are not compatible");
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    c.reply().Error("GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if (incr && elements > 1) {
    c.reply().Error("INCR option supports a single increment-element pair");
    return;
  }
  // Every score is parsed before anything changes: the command applies fully or not at all.
  double one_score;
  std::vector<double> many;
  double* scores = &one_score;
  if (elements > 1) {
    many.resize(elements);
    scores = many.data();
  }
  for (size_t j = 0; j < elements; j++) {
    if (!ParseScoreArg(c, args[scoreidx + j * 2], &scores[j])) return;
  }

  Entry* e = s.LookupWrite(c, key);
  if (!CheckZset(c, e)) return;
  zset::Limits limits = GetLimits(c);
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  if (!e) {
    if (xx) {
      // No key and XX: nothing to do.
      if (incr) {
        c.reply().Null();
      } else {
        c.reply().Integer(0);
      }
      return;
    }
    e = zset::NewEntry(key, limits, args[scoreidx + 1].size());
    AddZsetKey(c, e);
  }
  bool nan = false;
  for (size_t j = 0; j < elements; j++) {
    double newscore = 0;
    int r = zset::Add(e, scores[j], args[scoreidx + 1 + j * 2], flags, limits, &newscore);
    if (r & zset::kAddedNan) {
      nan = true;
      break;
    }
    if (r & zset::kAdded) added++;
    if (r & zset::kUpdated) updated++;
    if (!(r & zset::kNop)) processed++;
    score = newscore;
  }
  if (nan) {
    c.reply().Error(kNanErr);
  } else {
    s.dirty += added + updated;
    if (incr) {
      if (processed) {
        c.reply().Double(score);
      } else {
        c.reply().Null();
      }
    } else {
      c.reply().Integer(ch ? added + updated : added);
    }
  }
  if (added || updated) {
    s.SignalModifiedKey(c.db(), key);
    s.NotifyKeyspaceEvent(kNotifyZset, incr ? "zincr" : "zadd", key, c.db_index());
  }
}

void CmdZAdd(Client& c, CmdArgs args) { ZaddGeneric(c, args, 0); }
void CmdZIncrBy(Client& c, CmdArgs args) { ZaddGeneric(c, args, zset::kAddIncr); }

// ---- ZREM / ZREMRANGEBY* --------------------------------------------------------------------

void CmdZRem(Client& c, CmdArgs args) {
  Server& s = c.server();
  std::string_view key = args[1];
  Entry* e = s.LookupWrite(c, key);
  if (!e) {
    c.reply().Integer(0);
    return;
  }
  if (!CheckZset(c, e)) return;
  int64_t deleted = 0;
  bool key_removed = false;
  for (size_t j = 2; j < args.size(); j++) {
    if (zset::Delete(e, args[j])) deleted++;
    if (zset::Length(e) == 0) {
      c.db().Delete(key);
      key_removed = true;
      break;
    }
  }
  if (deleted) {
    s.NotifyKeyspaceEvent(kNotifyZset, "zrem", key, c.db_index());
    if (key_removed) s.NotifyKeyspaceEvent(kNotifyGeneric, "del", key, c.db_index());
    s.SignalModifiedKey(c.db(), key);
    s.dirty += deleted;
  }
  c.reply().Integer(deleted);
}

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

void ZremrangeGeneric(Client& c, CmdArgs args, RangeType type) {
  Server& s = c.server();
  std::string_view key = args[1];
  int64_t start = 0, end = 0;
  ScoreRange srange;
  LexRange lrange;
  std::string_view event;
  if (type == RangeType::kRank) {
    event = "zremrangebyrank";
    if (!ParseLong(c, args[2], &start) || !ParseLong(c, args[3], &end)) return;
  } else if (type == RangeType::kScore) {
    event = "zremrangebyscore";
    if (!zset::ParseScoreRange(args[2], args[3], &srange)) {
      c.reply().Error(kNotFloatRange);
      return;
    }
  } else {
    event = "zremrangebylex";
    if (!zset::ParseLexRange(args[2], args[3], &lrange)) {
      c.reply().Error(kNotLexRange);
      return;
    }
  }
  Entry* e = s.LookupWrite(c, key);
  if (!e) {
    c.reply().Integer(0);
    return;
  }
  if (!CheckZset(c, e)) return;
  if (type == RangeType::kRank) {
    int64_t llen = int64_t(zset::Length(e));
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
      c.reply().Integer(0);
      return;
    }
    if (end >= llen) end = llen - 1;
  }
  size_t deleted = 0;
  if (e->encoding() == Encoding::kListpack) {
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    if (type == RangeType::kRank) {
      lp = zset::LpDeleteRangeByRank(lp, uint64_t(start) + 1, uint64_t(end) + 1, &deleted);
    } else if (type == RangeType::kScore) {
      lp = zset::LpDeleteRange(lp, srange, &deleted);
    } else {
      lp = zset::LpDeleteRange(lp, lrange, &deleted);
    }
    e->v.ptr = lp;
  } else {
    auto* zs = static_cast<ZSet*>(e->v.ptr);
    if (type == RangeType::kRank) {
      deleted = zs->DeleteRangeByRank(uint64_t(start) + 1, uint64_t(end) + 1);
    } else if (type == RangeType::kScore) {
      deleted = zs->DeleteRange(srange);
    } else {
      deleted = zs->DeleteRange(lrange);
    }
    zs->ShrinkIndexIfNeeded();
  }
  bool key_removed = false;
  if (zset::Length(e) == 0) {
    c.db().Delete(key);
    key_removed = true;
  }
  if (deleted) {
    s.SignalModifiedKey(c.db(), key);
    s.NotifyKeyspaceEvent(kNotifyZset, event, key, c.db_index());
    if (key_removed) s.NotifyKeyspaceEvent(kNotifyGeneric, "del", key, c.db_index());
  }
  s.dirty += int64_t(deleted);
  c.reply().Integer(int64_t(deleted));
}

void CmdZRemRangeByRank(Client& c, CmdArgs args) { ZremrangeGeneric(c, args, RangeType::kRank); }
void CmdZRemRangeByScore(Client& c, CmdArgs args) { ZremrangeGeneric(c, args, RangeType::kScore); }
void CmdZRemRangeByLex(Client& c, CmdArgs args) { ZremrangeGeneric(c, args, RangeType::kLex); }

// ---- Simple reads ---------------------------------------------------------------------------

void CmdZCard(Client& c, CmdArgs args) {
  Entry* e = c.server().LookupRead(c, args[1]);
  if (!CheckZset(c, e)) return;
  c.reply().Integer(e ? int64_t(zset::Length(e)) : 0);
}

void CmdZScore(Client& c, CmdArgs args) {
  Entry* e = c.server().LookupRead(c, args[1]);
  if (!CheckZset(c, e)) return;
  double score;
  if (!e || !zset::Score(e, args[2], &score)) {
    c.reply().Null();
  } else {
    c.reply().Double(score);
  }
}

void CmdZMScore(Client& c, CmdArgs args) {
  Entry* e = c.server().LookupRead(c, args[1]);
  if (!CheckZset(c, e)) return;
  c.reply().ArrayHeader(int64_t(args.size() - 2));
  for (size_t j = 2; j < args.size(); j++) {
    double score;
    if (!e || !zset::Score(e, args[j], &score)) {
      c.reply().Null();
    } else {
      c.reply().Double(score);
    }
  }
}

void ZrankGeneric(Client& c, CmdArgs args, bool reverse) {
  Entry* e = c.server().LookupRead(c, args[1]);
  if (!e) {
    c.reply().Null();
    return;
  }
  if (!CheckZset(c, e)) return;
  int64_t rank = zset::Rank(e, args[2], reverse);
  if (rank >= 0) {
    c.reply().Integer(rank);
  } else {
    c.reply().Null();
  }
}

void CmdZRank(Client& c, CmdArgs args) { ZrankGeneric(c, args, false); }
void CmdZRevRank(Client& c, CmdArgs args) { ZrankGeneric(c, args, true); }

void CmdZCount(Client& c, CmdArgs args) {
  ScoreRange range;
  if (!zset::ParseScoreRange(args[2], args[3], &range)) {
    c.reply().Error(kNotFloatRange);
    return;
  }
  Entry* e = c.server().LookupRead(c, args[1]);
  if (!e) {
    c.reply().Integer(0);
    return;
  }
  if (!CheckZset(c, e)) return;
  int64_t count = 0;
  if (e->encoding() == Encoding::kListpack) {
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    uint8_t* eptr = zset::LpFirstInRange(lp, range);
    uint8_t* sptr = eptr ? lp::Next(lp, eptr) : nullptr;
    while (eptr && range.LteMax(zset::LpScore(sptr))) {
      count++;
      zset::LpNext(lp, &eptr, &sptr);
    }
  } else {
    auto* zs = static_cast<ZSet*>(e->v.ptr);
    ZNode* first = zs->FirstInRange(range);
    if (first) {
      uint64_t rank = zs->Rank(first->score, first->member());
      count = int64_t(zs->size() - (rank - 1));
      ZNode* last = zs->LastInRange(range);
      if (last) count -= int64_t(zs->size() - zs->Rank(last->score, last->member()));
    }
  }
  c.reply().Integer(count);
}

void CmdZLexCount(Client& c, CmdArgs args) {
  LexRange range;
  if (!zset::ParseLexRange(args[2], args[3], &range)) {
    c.reply().Error(kNotLexRange);
    return;
  }
  Entry* e = c.server().LookupRead(c, args[1]);
  if (!e) {
    c.reply().Integer(0);
    return;
  }
  if (!CheckZset(c, e)) return;
  int64_t count = 0;
  if (e->encoding() == Encoding::kListpack) {
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    uint8_t* eptr = zset::LpFirstInRange(lp, range);
    uint8_t* sptr = eptr ? lp::Next(lp, eptr) : nullptr;
    char buf[32];
    while (eptr && range.LteMax(zset::LpMember(eptr, buf))) {
      count++;
      zset::LpNext(lp, &eptr, &sptr);
    }
  } else {
    auto* zs = static_cast<ZSet*>(e->v.ptr);
    ZNode* first = zs->FirstInRange(range);
    if (first) {
      uint64_t rank = zs->Rank(first->score, first->member());
      count = int64_t(zs->size() - (rank - 1));
      ZNode* last = zs->LastInRange(range);
      if (last) count -= int64_t(zs->size() - zs->Rank(last->score, last->member()));
    }
  }
  c.reply().Integer(count);
}

// ---- ZRANGE and friends ---------------------------------------------------------------------

// Where a range goes: the client (ZRANGE...) or a new sorted set (ZRANGESTORE).
class RangeSink {
 public:
  // A client sink.
  explicit RangeSink(Client& c) : c_(c) {}
  // A store sink for ZRANGESTORE into `dst`.
  RangeSink(Client& c, std::string_view dst) : c_(c), store_(true), dst_(dst) {}

  void EnableScores() {
    withscores_ = true;
    nested_ = c_.reply().resp() > 2;
  }
  bool withscores() const { return withscores_; }

  // `length` < 0 (or 0) when unknown in advance.
  void Begin(int64_t length) {
    if (store_) {
      limits_ = GetLimits(c_);
      Encoding enc =
          length > int64_t(limits_.max_entries) ? Encoding::kSkiplist : Encoding::kListpack;
      dst_entry_ = zset::NewEntryWithEncoding(dst_, enc);
      return;
    }
    if (length > 0) {
      c_.reply().ArrayHeader(withscores_ && !nested_ ? length * 2 : length);
      deferred_ = false;
    } else {
      handle_ = c_.reply().DeferredLength();
      deferred_ = true;
    }
  }

  void Emit(std::string_view member, double score) {
    if (store_) {
      zset::Add(dst_entry_, score, member, 0, limits_, nullptr);
      return;
    }
    ReplyBuilder& r = c_.reply();
    if (nested_) r.ArrayHeader(2);
    r.Bulk(member);
    if (withscores_) r.Double(score);
  }

  void Finalize(size_t count) {
    if (store_) {
      StoreResult(c_, dst_, dst_entry_, "zrangestore");
      return;
    }
    if (!deferred_) return;
    c_.reply().SetDeferredArrayLength(
        handle_, withscores_ && !nested_ ? int64_t(count) * 2 : int64_t(count));
  }

 private:
  Client& c_;
  bool store_ = false;
  bool withscores_ = false;
  bool nested_ = false;
  bool deferred_ = false;
  size_t handle_ = 0;
  std::string_view dst_;
  Entry* dst_entry_ = nullptr;
  zset::Limits limits_;
};

void RangeByRank(RangeSink& sink, Entry* e, int64_t start, int64_t end, bool reverse) {
  int64_t llen = int64_t(zset::Length(e));
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    sink.Begin(0);
    sink.Finalize(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  int64_t rangelen = end - start + 1;
  sink.Begin(rangelen);
  if (e->encoding() == Encoding::kListpack) {
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    uint8_t* eptr = reverse ? lp::Seek(lp, -2 - 2 * start) : lp::Seek(lp, 2 * start);
    uint8_t* sptr = lp::Next(lp, eptr);
    char buf[32];
    for (int64_t i = 0; i < rangelen && eptr; i++) {
      double score = sink.withscores() ? zset::LpScore(sptr) : 0;
      sink.Emit(zset::LpMember(eptr, buf), score);
      if (reverse) {
        zset::LpPrev(lp, &eptr, &sptr);
      } else {
        zset::LpNext(lp, &eptr, &sptr);
      }
    }
  } else {
    auto* zs = static_cast<ZSet*>(e->v.ptr);
    ZNode* ln;
    if (reverse) {
      ln = start > 0 ? zs->ByRank(uint64_t(llen - start)) : zs->Last();
    } else {
      ln = start > 0 ? zs->ByRank(uint64_t(start + 1)) : zs->First();
    }
    for (int64_t i = 0; i < rangelen && ln; i++) {
      sink.Emit(ln->member(), ln->score);
      ln = reverse ? ln->Prev() : ln->Next();
    }
  }
  sink.Finalize(size_t(rangelen));
}

// Score and lex ranges share the walk: find the first element in range from the right end,
// skip `offset`, emit up to `limit` (negative = no limit) while in range.
template <typename Range>
void RangeByScoreOrLex(RangeSink& sink, Entry* e, const Range& range, int64_t offset, int64_t limit,
                       bool reverse) {
  constexpr bool kLex = std::is_same_v<Range, LexRange>;
  sink.Begin(-1);
  size_t rangelen = 0;
  // A negative offset walks past the end of the range in Redis: nothing is returned.
  if (offset < 0 || (!kLex && offset > 0 && uint64_t(offset) >= zset::Length(e))) {
    sink.Finalize(0);
    return;
  }
  auto in_range = [&](std::string_view member, double score) {
    if constexpr (kLex) {
      return reverse ? range.GteMin(member) : range.LteMax(member);
    } else {
      return reverse ? range.GteMin(score) : range.LteMax(score);
    }
  };
  if (e->encoding() == Encoding::kListpack) {
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    uint8_t* eptr = reverse ? zset::LpLastInRange(lp, range) : zset::LpFirstInRange(lp, range);
    uint8_t* sptr = eptr ? lp::Next(lp, eptr) : nullptr;
    for (; eptr && offset > 0; offset--) {
      if (reverse) {
        zset::LpPrev(lp, &eptr, &sptr);
      } else {
        zset::LpNext(lp, &eptr, &sptr);
      }
    }
    char buf[32];
    while (eptr && limit != 0) {
      if (limit > 0) limit--;
      double score = (!kLex || sink.withscores()) ? zset::LpScore(sptr) : 0;
      std::string_view member = zset::LpMember(eptr, buf);
      if (!in_range(member, score)) break;
      rangelen++;
      sink.Emit(member, score);
      if (reverse) {
        zset::LpPrev(lp, &eptr, &sptr);
      } else {
        zset::LpNext(lp, &eptr, &sptr);
      }
    }
  } else {
    auto* zs = static_cast<ZSet*>(e->v.ptr);
    ZNode* ln = reverse ? zs->LastInRange(range) : zs->FirstInRange(range);
    for (; ln && offset > 0; offset--) ln = reverse ? ln->Prev() : ln->Next();
    while (ln && limit != 0) {
      if (limit > 0) limit--;
      if (!in_range(ln->member(), ln->score)) break;
      rangelen++;
      sink.Emit(ln->member(), ln->score);
      ln = reverse ? ln->Prev() : ln->Next();
    }
  }
  sink.Finalize(rangelen);
}

// ZRANGE/ZRANGESTORE and the older Z[REV]RANGE[BYSCORE|BYLEX]. args[argc_start] is the
// source key, followed by min, max and the options.
void ZrangeGeneric(Client& c, CmdArgs args, size_t argc_start, RangeSink& sink, bool store,
                   RangeType type, Direction dir) {
  std::string_view key = args[argc_start];
  size_t minidx = argc_start + 1, maxidx = argc_start + 2;
  bool withscores = false;
  int64_t offset = 0, limit = -1;
  for (size_t j = argc_start + 3; j < args.size(); j++) {
    size_t left = args.size() - j - 1;
    std::string_view opt = args[j];
    if (!store && EqualsIgnoreCase(opt, "withscores")) {
      withscores = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!ParseLong(c, args[j + 1], &offset) || !ParseLong(c, args[j + 2], &limit)) return;
      j += 2;
    } else if (dir == Direction::kAuto && EqualsIgnoreCase(opt, "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "byscore")) {
      type = RangeType::kScore;
    } else {
      c.reply().Error(err::kSyntax);
      return;
    }
  }
  if (dir == Direction::kAuto) dir = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  // As Redis, this tests the parsed count, not whether LIMIT was given.
  if (limit != -1 && type == RangeType::kRank) {
    c.reply().Error(
        "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return;
  }
  if (withscores && type == RangeType::kLex) {
    c.reply().Error("syntax error, WITHSCORES not supported in combination with BYLEX");
    return;
  }
  bool reverse = dir == Direction::kReverse;
  if (reverse && (type == RangeType::kScore || type == RangeType::kLex)) {
    std::swap(minidx, maxidx);  // the range is given as max, min
  }
  int64_t start = 0, end = 0;
  ScoreRange srange;
  LexRange lrange;
  switch (type) {
    case RangeType::kScore:
      if (!zset::ParseScoreRange(args[minidx], args[maxidx], &srange)) {
        c.reply().Error(kNotFloatRange);
        return;
      }
      break;
    case RangeType::kLex:
      if (!zset::ParseLexRange(args[minidx], args[maxidx], &lrange)) {
        c.reply().Error(kNotLexRange);
        return;
      }
      break;
    default:
      if (!ParseLong(c, args[minidx], &start) || !ParseLong(c, args[maxidx], &end)) return;
      break;
  }
  if (withscores || store) sink.EnableScores();

  Entry* e = c.server().LookupRead(c, key);
  if (!e) {
    if (store) {
      sink.Begin(-1);
      sink.Finalize(0);
    } else {
      c.reply().ArrayHeader(0);
    }
    return;
  }
  if (!CheckZset(c, e)) return;
  switch (type) {
    case RangeType::kScore:
      RangeByScoreOrLex(sink, e, srange, offset, limit, reverse);
      break;
    case RangeType::kLex:
      RangeByScoreOrLex(sink, e, lrange, offset, limit, reverse);
      break;
    default:
      RangeByRank(sink, e, start, end, reverse);
      break;
  }
}

void CmdZRange(Client& c, CmdArgs args) {
  RangeSink sink(c);
  ZrangeGeneric(c, args, 1, sink, false, RangeType::kAuto, Direction::kAuto);
}

void CmdZRangeStore(Client& c, CmdArgs args) {
  RangeSink sink(c, args[1]);
  ZrangeGeneric(c, args, 2, sink, true, RangeType::kAuto, Direction::kAuto);
}

void CmdZRevRange(Client& c, CmdArgs args) {
  RangeSink sink(c);
  ZrangeGeneric(c, args, 1, sink, false, RangeType::kRank, Direction::kReverse);
}

void CmdZRangeByScore(Client& c, CmdArgs args) {
  RangeSink sink(c);
  ZrangeGeneric(c, args, 1, sink, false, RangeType::kScore, Direction::kForward);
}

void CmdZRevRangeByScore(Client& c, CmdArgs args) {
  RangeSink sink(c);
  ZrangeGeneric(c, args, 1, sink, false, RangeType::kScore, Direction::kReverse);
}

void CmdZRangeByLex(Client& c, CmdArgs args) {
  RangeSink sink(c);
  ZrangeGeneric(c, args, 1, sink, false, RangeType::kLex, Direction::kForward);
}

void CmdZRevRangeByLex(Client& c, CmdArgs args) {
  RangeSink sink(c);
  ZrangeGeneric(c, args, 1, sink, false, RangeType::kLex, Direction::kReverse);
}

// ---- Pops -----------------------------------------------------------------------------------

// Redis's genericZpopCommand. keys: candidates in order (the first existing one is popped);
// emitkey: the key name is part of the reply; count: -1 for a plain single pop; nested:
// (member, score) pairs as arrays; nil_when_empty: null instead of an empty array when no
// key exists. Rewrites propagation for ZMPOP (`zmpop`).
void GenericZpop(Client& c, CmdArgs keys, Where where, bool emitkey, int64_t count, bool nested,
                 bool nil_when_empty, bool zmpop) {
  Server& s = c.server();
  ReplyBuilder& r = c.reply();
  Entry* e = nullptr;
  std::string_view key;
  for (std::string_view k : keys) {
    e = s.LookupWrite(c, k);
    if (!e) continue;
    if (!CheckZset(c, e)) return;
    key = k;
    break;
  }
  if (!e) {
    if (nil_when_empty) {
      r.NullArray();
    } else {
      r.ArrayHeader(0);
    }
    return;
  }
  if (count == 0) {
    r.ArrayHeader(0);
    return;
  }
  if (count == -1) count = 1;
  int64_t llen = int64_t(zset::Length(e));
  int64_t rangelen = count > llen ? llen : count;
  if (!nested && !emitkey) {
    r.ArrayHeader(rangelen * 2);
  } else if (nested && !emitkey) {
    r.ArrayHeader(rangelen);
  } else if (!nested && emitkey) {
    r.ArrayHeader(rangelen * 2 + 1);
    r.Bulk(key);
  } else {
    r.ArrayHeader(2);
    r.Bulk(key);
    r.ArrayHeader(rangelen);
  }
  std::string member;
  for (int64_t i = 0; i < rangelen; i++) {
    double score;
    if (e->encoding() == Encoding::kListpack) {
      auto* lp = static_cast<uint8_t*>(e->v.ptr);
      uint8_t* eptr = lp::Seek(lp, where == Where::kMax ? -2 : 0);
      char buf[32];
      member.assign(zset::LpMember(eptr, buf));
      score = zset::LpScore(lp::Next(lp, eptr));
      e->v.ptr = zset::LpDelete(lp, eptr);
    } else {
      auto* zs = static_cast<ZSet*>(e->v.ptr);
      ZNode* n = where == Where::kMax ? zs->Last() : zs->First();
      member.assign(n->member());
      score = n->score;
      zs->Delete(member);
    }
    s.dirty++;
    if (i == 0) {
      s.NotifyKeyspaceEvent(kNotifyZset, where == Where::kMax ? "zpopmax" : "zpopmin", key,
                            c.db_index());
      s.SignalModifiedKey(c.db(), key);
    }
    if (nested) r.ArrayHeader(2);
    r.Bulk(member);
    r.Double(score);
  }
  if (e->encoding() == Encoding::kSkiplist) static_cast<ZSet*>(e->v.ptr)->ShrinkIndexIfNeeded();
  if (zset::Length(e) == 0) DeleteEmptyKey(c, key);
  if (zmpop) {
    c.RewritePropagation(
        {where == Where::kMax ? "ZPOPMAX" : "ZPOPMIN", std::string(key), Int64ToString(rangelen)});
  }
}

void ZpopMinMax(Client& c, CmdArgs args, Where where) {
  if (args.size() > 3) {
    c.reply().Error(err::kSyntax);
    return;
  }
  int64_t count = -1;
  if (args.size() == 3 && !ParsePositiveLong(c, args[2], &count)) return;
  bool nested = c.reply().resp() > 2 && count != -1;
  GenericZpop(c, args.subspan(1, 1), where, false, count, nested, false, false);
}

void CmdZPopMin(Client& c, CmdArgs args) { ZpopMinMax(c, args, Where::kMin); }
void CmdZPopMax(Client& c, CmdArgs args) { ZpopMinMax(c, args, Where::kMax); }

// Redis's blockingGenericZpopCommand: pops from the first non-empty key, else blocks. When
// a blocked client is re-executed it is served from the ready key only (as Redis 7.0), and a
// key that holds something else by then leaves it blocked.
void BlockingZpop(Client& c, CmdArgs keys, Where where, std::string_view timeout_arg, int64_t count,
                  bool nested, bool nil_when_empty) {
  Server& s = c.server();
  BlockingKeys& bk = s.blocking();
  int64_t timeout;
  if (!ParseBlockTimeout(c, timeout_arg, &timeout)) return;
  bool reexecuting = bk.reexecuting();
  for (size_t j = 0; j < keys.size(); j++) {
    if (reexecuting && keys[j] != bk.serving_key()) continue;
    Entry* e = s.LookupWrite(c, keys[j]);
    if (!e) continue;
    if (e->type() != ObjType::kZSet) {
      if (reexecuting) continue;
      c.reply().Error(err::kWrongType);
      return;
    }
    int64_t llen = int64_t(zset::Length(e));
    if (llen == 0) continue;
    std::string key(keys[j]);
    GenericZpop(c, keys.subspan(j, 1), where, true, count, nested, nil_when_empty, false);
    std::string_view cmd = where == Where::kMax ? "ZPOPMAX" : "ZPOPMIN";
    if (count == -1) {
      c.RewritePropagation({std::string(cmd), key});
    } else {
      c.RewritePropagation({std::string(cmd), key, Int64ToString(count > llen ? llen : count)});
    }
    return;
  }
  // Clients that must not block (inside MULTI/EXEC) get the timeout reply at once.
  if (c.has(kClientMulti)) {
    c.reply().NullArray();
    return;
  }
  std::vector<std::string_view> block_keys(keys.begin(), keys.end());
  bk.Block(c, block_keys, timeout, BlockingKeys::TimeoutReply::kNullArray);
}

void CmdBZPopMin(Client& c, CmdArgs args) {
  BlockingZpop(c, args.subspan(1, args.size() - 2), Where::kMin, args.back(), -1, false, false);
}

void CmdBZPopMax(Client& c, CmdArgs args) {
  BlockingZpop(c, args.subspan(1, args.size() - 2), Where::kMax, args.back(), -1, false, false);
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] and BZMPOP (timeout first).
void ZmpopGeneric(Client& c, CmdArgs args, size_t numkeys_idx, bool block) {
  int64_t numkeys;
  if (!ParseRangeLong(c, args[numkeys_idx], 1, INT64_MAX, &numkeys,
                      "numkeys should be greater than 0")) {
    return;
  }
  if (numkeys >= int64_t(args.size() - numkeys_idx - 1)) {
    c.reply().Error(err::kSyntax);
    return;
  }
  size_t where_idx = numkeys_idx + size_t(numkeys) + 1;
  Where where;
  if (EqualsIgnoreCase(args[where_idx], "min")) {
    where = Where::kMin;
  } else if (EqualsIgnoreCase(args[where_idx], "max")) {
    where = Where::kMax;
  } else {
    c.reply().Error(err::kSyntax);
    return;
  }
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < args.size(); j++) {
    bool more = j + 1 < args.size();
    if (count == -1 && EqualsIgnoreCase(args[j], "count") && more) {
      j++;
      if (!ParseRangeLong(c, args[j], 1, INT64_MAX, &count, "count should be greater than 0")) {
        return;
      }
    } else {
      c.reply().Error(err::kSyntax);
      return;
    }
  }
  if (count == -1) count = 1;
  CmdArgs keys = args.subspan(numkeys_idx + 1, size_t(numkeys));
  if (block) {
    BlockingZpop(c, keys, where, args[1], count, true, true);
  } else {
    GenericZpop(c, keys, where, true, count, true, true, true);
  }
}

void CmdZMPop(Client& c, CmdArgs args) { ZmpopGeneric(c, args, 1, false); }
void CmdBZMPop(Client& c, CmdArgs args) { ZmpopGeneric(c, args, 2, true); }

// ---- ZUNION / ZINTER / ZDIFF ----------------------------------------------------------------

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// An input of the set algebra: a sorted set, or a set whose members all score 1.
struct Source {
  Entry* e = nullptr;
  double weight = 1.0;
  size_t len = 0;
};

size_t SourceLength(Entry* e) {
  if (!e) return 0;
  if (e->type() == ObjType::kZSet) return zset::Length(e);
  if (e->encoding() == Encoding::kIntset) {
    return intset::Length(static_cast<const uint8_t*>(e->v.ptr));
  }
  return static_cast<SetTable*>(e->v.ptr)->size();
}

// Calls fn(member, score) -> bool for the elements until it returns false: sorted sets from
// the highest element down (as Redis iterates them), sets in their own order with score 1.
template <typename Fn>
void ForEachSource(const Source& src, Fn&& fn) {
  Entry* e = src.e;
  if (!e) return;
  if (e->type() == ObjType::kZSet) {
    zset::ForEach(e, /*reverse=*/true, fn);
  } else if (e->encoding() == Encoding::kIntset) {
    auto* is = static_cast<const uint8_t*>(e->v.ptr);
    uint32_t n = intset::Length(is);
    char buf[24];
    for (uint32_t i = 0; i < n; i++) {
      if (!fn(std::string_view(buf, Int64ToChars(intset::Get(is, i), buf)), 1.0)) return;
    }
  } else {
    static_cast<SetTable*>(e->v.ptr)->ForEachUntil([&](std::string_view m) { return fn(m, 1.0); });
  }
}

// Is `member` in the source? *score receives its (unweighted) score.
bool FindInSource(const Source& src, std::string_view member, double* score) {
  Entry* e = src.e;
  if (!e) return false;
  if (e->type() == ObjType::kZSet) return zset::Score(e, member, score);
  *score = 1.0;
  if (e->encoding() == Encoding::kIntset) {
    int64_t v;
    return StringToInt64(member, &v) && intset::Contains(static_cast<const uint8_t*>(e->v.ptr), v);
  }
  return static_cast<SetTable*>(e->v.ptr)->Contains(member);
}

void AggregateScore(double* target, double val, Aggregate agg) {
  switch (agg) {
    case Aggregate::kSum:
      *target += val;
      // inf + -inf: Redis's convention is 0.
      if (std::isnan(*target)) *target = 0.0;
      break;
    case Aggregate::kMin:
      *target = val < *target ? val : *target;
      break;
    case Aggregate::kMax:
      *target = val > *target ? val : *target;
      break;
  }
}

struct ScoredMember {
  std::string member;
  double score;
};

struct SvHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return HashString(s); }
};

void SortResult(std::vector<ScoredMember>* out) {
  std::sort(out->begin(), out->end(), [](const ScoredMember& a, const ScoredMember& b) {
    return a.score < b.score || (a.score == b.score && a.member < b.member);
  });
}

void Inter(std::vector<Source>& src, Aggregate agg, bool card_only, uint64_t limit,
           std::vector<ScoredMember>* out, uint64_t* cardinality) {
  if (src[0].len == 0) return;
  const Source& first = src[0];
  // Sorted sets are walked in place; nothing is modified while walking.
  auto visit = [&](std::string_view m, double zscore) {
    double score = first.weight * zscore;
    if (std::isnan(score)) score = 0;
    size_t j = 1;
    for (; j < src.size(); j++) {
      double value;
      if (src[j].e == first.e) {
        value = zscore * src[j].weight;
        AggregateScore(&score, value, agg);
      } else if (FindInSource(src[j], m, &value)) {
        value *= src[j].weight;
        AggregateScore(&score, value, agg);
      } else {
        break;
      }
    }
    if (j != src.size()) return true;
    if (card_only) {
      (*cardinality)++;
      if (limit && *cardinality >= limit) return false;  // enough
    } else {
      out->push_back({std::string(m), score});
    }
    return true;
  };
  ForEachSource(first, visit);
}

void Union(std::vector<Source>& src, Aggregate agg, std::vector<ScoredMember>* out) {
  std::unordered_map<std::string, double, SvHash, std::equal_to<>> acc;
  if (!src.empty()) acc.reserve(src.back().len);
  for (const Source& s : src) {
    if (s.len == 0) continue;
    ForEachSource(s, [&](std::string_view m, double zscore) {
      double score = s.weight * zscore;
      if (std::isnan(score)) score = 0;
      auto it = acc.find(m);
      if (it == acc.end()) {
        acc.emplace(std::string(m), score);
      } else {
        AggregateScore(&it->second, score, agg);
      }
      return true;
    });
  }
  out->reserve(acc.size());
  for (auto& [m, score] : acc) out->push_back({m, score});
}

void Diff(std::vector<Source>& src, std::vector<ScoredMember>* out) {
  if (src[0].len == 0) return;
  // Redis's algorithm choice: 1 walks the first set probing the others (N*M), 2 copies the
  // first set and removes everything the others hold (L). A repeated first set empties all.
  uint64_t work1 = 0, work2 = 0;
  for (size_t j = 0; j < src.size(); j++) {
    if (j > 0 && src[j].e == src[0].e) return;
    work1 += src[0].len;
    work2 += src[j].len;
  }
  work1 /= 2;
  if (work1 <= work2) {
    // Probe the biggest sets first: elements are more likely to be found early.
    std::stable_sort(src.begin() + 1, src.end(),
                     [](const Source& a, const Source& b) { return a.len > b.len; });
    ForEachSource(src[0], [&](std::string_view m, double score) {
      for (size_t j = 1; j < src.size(); j++) {
        double v;
        if (FindInSource(src[j], m, &v)) return true;
      }
      out->push_back({std::string(m), score});
      return true;
    });
    return;
  }
  std::unordered_map<std::string, double, SvHash, std::equal_to<>> acc;
  acc.reserve(src[0].len);
  ForEachSource(src[0], [&](std::string_view m, double score) {
    acc.emplace(m, score);
    return true;
  });
  for (size_t j = 1; j < src.size() && !acc.empty(); j++) {
    if (src[j].len == 0) continue;
    ForEachSource(src[j], [&](std::string_view m, double) {
      auto it = acc.find(m);
      if (it != acc.end()) acc.erase(it);
      return !acc.empty();  // nothing left to remove
    });
  }
  out->reserve(acc.size());
  for (auto& [m, score] : acc) out->push_back({m, score});
}

// Builds the destination of a *STORE from sorted (score, member) pairs: a listpack when it
// fits the limits, else a skiplist (Redis's zsetConvertToListpackIfNeeded on the result).
Entry* BuildStoredZset(Client& c, std::string_view dst, const std::vector<ScoredMember>& items) {
  zset::Limits limits = GetLimits(c);
  size_t maxlen = 0, total = 0;
  for (const ScoredMember& it : items) {
    maxlen = std::max(maxlen, it.member.size());
    total += it.member.size();
  }
  bool small = items.size() <= limits.max_entries && maxlen <= limits.max_value &&
               lp::SafeToAdd(nullptr, total);
  Entry* e = zset::NewEntryWithEncoding(dst, small ? Encoding::kListpack : Encoding::kSkiplist);
  if (small) {
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    for (const ScoredMember& it : items) lp = zset::LpInsertAt(lp, nullptr, it.member, it.score);
    e->v.ptr = lp;
  } else {
    auto* zs = static_cast<ZSet*>(e->v.ptr);
    // Inserting from the largest down keeps every insertion at the head.
    for (auto it = items.rbegin(); it != items.rend(); ++it) zs->Insert(it->score, it->member);
  }
  return e;
}

// Redis's zunionInterDiffGenericCommand. `dst` is empty for the non-STORE forms.
void ZsetOpGeneric(Client& c, CmdArgs args, std::string_view dst, bool store, size_t numkeys_idx,
                   SetOp op, bool card_only) {
  Server& s = c.server();
  int64_t setnum;
  if (!ParseLong(c, args[numkeys_idx], &setnum)) return;
  if (setnum < 1) {
    c.reply().Error("at least 1 input key is needed for '" + c.cmd->fullname + "' command");
    return;
  }
  if (setnum > int64_t(args.size() - (numkeys_idx + 1))) {
    c.reply().Error(err::kSyntax);
    return;
  }
  std::vector<Source> src(static_cast<size_t>(setnum));
  size_t j = numkeys_idx + 1;
  for (size_t i = 0; i < src.size(); i++, j++) {
    Entry* e = s.LookupRead(c, args[j]);
    if (e && e->type() != ObjType::kZSet && e->type() != ObjType::kSet) {
      c.reply().Error(err::kWrongType);
      return;
    }
    src[i].e = e;
  }
  Aggregate agg = Aggregate::kSum;
  bool withscores = false;
  uint64_t limit = 0;
  while (j < args.size()) {
    size_t remaining = args.size() - j;
    std::string_view opt = args[j];
    if (op != SetOp::kDiff && !card_only && remaining >= src.size() + 1 &&
        EqualsIgnoreCase(opt, "weights")) {
      j++;
      for (size_t i = 0; i < src.size(); i++, j++) {
        if (!StringToDouble(args[j], &src[i].weight)) {
          c.reply().Error("weight value is not a float");
          return;
        }
      }
    } else if (op != SetOp::kDiff && !card_only && remaining >= 2 &&
               EqualsIgnoreCase(opt, "aggregate")) {
      std::string_view a = args[j + 1];
      if (EqualsIgnoreCase(a, "sum")) {
        agg = Aggregate::kSum;
      } else if (EqualsIgnoreCase(a, "min")) {
        agg = Aggregate::kMin;
      } else if (EqualsIgnoreCase(a, "max")) {
        agg = Aggregate::kMax;
      } else {
        c.reply().Error(err::kSyntax);
        return;
      }
      j += 2;
    } else if (remaining >= 1 && !store && !card_only && EqualsIgnoreCase(opt, "withscores")) {
      withscores = true;
      j++;
    } else if (card_only && remaining >= 2 && EqualsIgnoreCase(opt, "limit")) {
      int64_t l;
      if (!ParsePositiveLong(c, args[j + 1], &l, "LIMIT can't be negative")) return;
      limit = uint64_t(l);
      j += 2;
    } else {
      c.reply().Error(err::kSyntax);
      return;
    }
  }
  for (Source& sr : src) sr.len = SourceLength(sr.e);
  if (op != SetOp::kDiff) {
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.len < b.len; });
  }

  std::vector<ScoredMember> result;
  uint64_t cardinality = 0;
  switch (op) {
    case SetOp::kInter:
      Inter(src, agg, card_only, limit, &result, &cardinality);
      break;
    case SetOp::kUnion:
      Union(src, agg, &result);
      break;
    case SetOp::kDiff:
      Diff(src, &result);
      break;
  }
  if (card_only) {
    c.reply().Integer(int64_t(cardinality));
    return;
  }
  SortResult(&result);
  if (store) {
    std::string_view event = op == SetOp::kUnion   ? "zunionstore"
                             : op == SetOp::kInter ? "zinterstore"
                                                   : "zdiffstore";
    StoreResult(c, dst, BuildStoredZset(c, dst, result), event);
    return;
  }
  ReplyBuilder& r = c.reply();
  bool nested = withscores && r.resp() > 2;
  r.ArrayHeader(int64_t(withscores && !nested ? result.size() * 2 : result.size()));
  for (const ScoredMember& it : result) {
    if (nested) r.ArrayHeader(2);
    r.Bulk(it.member);
    if (withscores) r.Double(it.score);
  }
}

void CmdZUnionStore(Client& c, CmdArgs args) {
  ZsetOpGeneric(c, args, args[1], true, 2, SetOp::kUnion, false);
}
void CmdZInterStore(Client& c, CmdArgs args) {
  ZsetOpGeneric(c, args, args[1], true, 2, SetOp::kInter, false);
}
void CmdZDiffStore(Client& c, CmdArgs args) {
  ZsetOpGeneric(c, args, args[1], true, 2, SetOp::kDiff, false);
}
void CmdZUnion(Client& c, CmdArgs args) {
  ZsetOpGeneric(c, args, {}, false, 1, SetOp::kUnion, false);
}
void CmdZInter(Client& c, CmdArgs args) {
  ZsetOpGeneric(c, args, {}, false, 1, SetOp::kInter, false);
}
void CmdZInterCard(Client& c, CmdArgs args) {
  ZsetOpGeneric(c, args, {}, false, 1, SetOp::kInter, true);
}
void CmdZDiff(Client& c, CmdArgs args) {
  ZsetOpGeneric(c, args, {}, false, 1, SetOp::kDiff, false);
}

// ---- ZRANDMEMBER ----------------------------------------------------------------------------

// One random element: a uniform rank in the skiplist, a uniform pair in the listpack.
void RandomElement(Entry* e, size_t size, std::string* member, double* score) {
  uint64_t idx = Rng()() % size;
  if (e->encoding() == Encoding::kListpack) {
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    uint8_t* eptr = lp::Seek(lp, int64_t(2 * idx));
    char buf[32];
    member->assign(zset::LpMember(eptr, buf));
    *score = zset::LpScore(lp::Next(lp, eptr));
  } else {
    ZNode* n = static_cast<ZSet*>(e->v.ptr)->ByRank(idx + 1);
    member->assign(n->member());
    *score = n->score;
  }
}

void ReplyRandomPair(Client& c, std::string_view member, double score, bool withscores) {
  ReplyBuilder& r = c.reply();
  if (withscores && r.resp() > 2) r.ArrayHeader(2);
  r.Bulk(member);
  if (withscores) r.Double(score);
}

void RandMemberWithCount(Client& c, std::string_view key, int64_t l, bool withscores) {
  Entry* e = c.server().LookupRead(c, key);
  if (!e) {
    c.reply().ArrayHeader(0);
    return;
  }
  if (!CheckZset(c, e)) return;
  ReplyBuilder& r = c.reply();
  uint64_t size = zset::Length(e);
  bool uniq = l >= 0;
  uint64_t count = uniq ? uint64_t(l) : uint64_t(-l);
  if (count == 0) {
    r.ArrayHeader(0);
    return;
  }
  auto& rng = Rng();

  // Case 1: repetitions allowed (negative count) or a single element.
  if (!uniq || count == 1) {
    r.ArrayHeader(int64_t(withscores && r.resp() == 2 ? count * 2 : count));
    if (e->encoding() == Encoding::kSkiplist) {
      auto* zs = static_cast<ZSet*>(e->v.ptr);
      while (count--) {
        ZNode* n = zs->ByRank(rng() % size + 1);
        ReplyRandomPair(c, n->member(), n->score, withscores);
        if (c.ReplyLimitReached()) break;
      }
      return;
    }
    // Listpack: draw a batch of positions, fetch them in one walk, reply in draw order.
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    uint64_t batch = std::min(count, kRandSampleLimit);
    std::vector<std::pair<uint64_t, uint32_t>> picks;  // (pair index, draw order)
    std::vector<uint8_t*> found(batch);
    picks.reserve(batch);
    char buf[32];
    while (count) {
      uint64_t n = std::min(count, batch);
      count -= n;
      picks.clear();
      for (uint64_t i = 0; i < n; i++) picks.push_back({rng() % size, uint32_t(i)});
      std::sort(picks.begin(), picks.end());
      uint8_t* eptr = lp::First(lp);
      uint64_t pos = 0;
      for (auto& [idx, order] : picks) {
        while (pos < idx) {
          eptr = lp::Next(lp, lp::Next(lp, eptr));
          pos++;
        }
        found[order] = eptr;
      }
      for (uint64_t i = 0; i < n; i++) {
        double score = withscores ? zset::LpScore(lp::Next(lp, found[i])) : 0;
        ReplyRandomPair(c, zset::LpMember(found[i], buf), score, withscores);
      }
      if (c.ReplyLimitReached()) break;
    }
    return;
  }

  uint64_t reply_size = count < size ? count : size;
  r.ArrayHeader(int64_t(withscores && r.resp() == 2 ? reply_size * 2 : reply_size));

  // Case 2: at least the whole set: all of it (in Redis's iteration order, highest first).
  if (count >= size) {
    zset::ForEach(e, /*reverse=*/true, [&](std::string_view m, double score) {
      ReplyRandomPair(c, m, score, withscores);
      return true;
    });
    return;
  }

  // Case 3: close to the whole set: copy it and remove random elements down to count.
  if (count * kRandSubStrategyMul > size) {
    std::vector<ScoredMember> all;
    all.reserve(size);
    zset::ForEach(e, true, [&](std::string_view m, double score) {
      all.push_back({std::string(m), score});
      return true;
    });
    while (all.size() > count) {
      size_t victim = rng() % all.size();
      std::swap(all[victim], all.back());
      all.pop_back();
    }
    for (const ScoredMember& it : all) ReplyRandomPair(c, it.member, it.score, withscores);
    return;
  }

  // Case 4: a few elements of a big set.
  if (e->encoding() == Encoding::kListpack) {
    // Selection sampling in one walk: each pair is taken with probability needed/remaining.
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    uint8_t* eptr = lp::First(lp);
    uint8_t* sptr = lp::Next(lp, eptr);
    uint64_t needed = count, remaining = size;
    char buf[32];
    while (needed && eptr) {
      if (rng() % remaining < needed) {
        double score = withscores ? zset::LpScore(sptr) : 0;
        ReplyRandomPair(c, zset::LpMember(eptr, buf), score, withscores);
        needed--;
      }
      remaining--;
      zset::LpNext(lp, &eptr, &sptr);
    }
    return;
  }
  auto* zs = static_cast<ZSet*>(e->v.ptr);
  std::unordered_set<const ZNode*> picked;
  picked.reserve(count);
  while (picked.size() < count) {
    ZNode* n = zs->ByRank(rng() % size + 1);
    if (!picked.insert(n).second) continue;
    ReplyRandomPair(c, n->member(), n->score, withscores);
  }
}

void CmdZRandMember(Client& c, CmdArgs args) {
  if (args.size() >= 3) {
    int64_t l;
    if (!ParseRangeLong(c, args[2], -INT64_MAX, INT64_MAX, &l, {})) return;
    if (args.size() > 4 || (args.size() == 4 && !EqualsIgnoreCase(args[3], "withscores"))) {
      c.reply().Error(err::kSyntax);
      return;
    }
    bool withscores = args.size() == 4;
    if (withscores && (l < -INT64_MAX / 2 || l > INT64_MAX / 2)) {
      c.reply().Error("value is out of range");
      return;
    }
    RandMemberWithCount(c, args[1], l, withscores);
    return;
  }
  Entry* e = c.server().LookupRead(c, args[1]);
  if (!e) {
    c.reply().Null();
    return;
  }
  if (!CheckZset(c, e)) return;
  std::string member;
  double score;
  RandomElement(e, zset::Length(e), &member, &score);
  c.reply().Bulk(member);
}

// ---- ZSCAN ----------------------------------------------------------------------------------

// Redis's parseScanCursorOrReply: strtoul over the whole argument.
bool ParseScanCursor(Client& c, std::string_view arg, uint64_t* cursor) {
  std::string buf(arg);
  const char* p = buf.c_str();
  char* end = nullptr;
  errno = 0;
  unsigned long v = strtoul(p, &end, 10);
  if (isspace(static_cast<unsigned char>(p[0])) || *end != '\0' || errno == ERANGE) {
    c.reply().Error("invalid cursor");
    return false;
  }
  *cursor = v;
  return true;
}

void CmdZScan(Client& c, CmdArgs args) {
  uint64_t cursor;
  if (!ParseScanCursor(c, args[2], &cursor)) return;
  Entry* e = c.server().LookupRead(c, args[1]);
  ReplyBuilder& r = c.reply();
  if (!e) {
    r.ArrayHeader(2);
    r.Bulk("0");
    r.ArrayHeader(0);
    return;
  }
  if (!CheckZset(c, e)) return;
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
  for (size_t i = 3; i < args.size();) {
    size_t left = args.size() - i;
    if (EqualsIgnoreCase(args[i], "count") && left >= 2) {
      if (!ParseLong(c, args[i + 1], &count)) return;
      if (count < 1) {
        r.Error(err::kSyntax);
        return;
      }
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "match") && left >= 2) {
      pattern = args[i + 1];
      use_pattern = pattern != "*";
      i += 2;
    } else {
      r.Error(err::kSyntax);
      return;
    }
  }
  // (member, score text) pairs.
  std::vector<std::pair<std::string, std::string>> items;
  if (e->encoding() == Encoding::kListpack) {
    // Small: everything in one call, the score as stored.
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    char mbuf[32], sbuf[32];
    for (uint8_t* p = lp::First(lp); p;) {
      uint8_t* sp = lp::Next(lp, p);
      items.emplace_back(std::string(lp::Get(p).AsString(mbuf)),
                         std::string(lp::Get(sp).AsString(sbuf)));
      p = lp::Next(lp, sp);
    }
    cursor = 0;
  } else {
    auto* zs = static_cast<ZSet*>(e->v.ptr);
    int64_t max_iterations = count > INT64_MAX / 10 ? INT64_MAX : count * 10;
    do {
      cursor = zs->Scan(cursor, [&](const ZNode* n) {
        items.emplace_back(std::string(n->member()), DoubleToString(n->score));
      });
    } while (cursor && max_iterations-- && int64_t(items.size()) < count);
  }
  size_t kept = 0;
  for (auto& it : items) {
    if (use_pattern && !GlobMatch(pattern, it.first)) continue;
    if (&items[kept] != &it) items[kept] = std::move(it);
    kept++;
  }
  r.ArrayHeader(2);
  char buf[24];
  r.Bulk({buf, Int64ToChars(int64_t(cursor), buf)});
  r.ArrayHeader(int64_t(kept * 2));
  for (size_t i = 0; i < kept; i++) {
    r.Bulk(items[i].first);
    r.Bulk(items[i].second);
  }
}

}  // namespace

void RegisterZsetFamily(CommandTable* t) {
  RegisterValueDestructor(ObjType::kZSet, zset::DestroyValue);
  RegisterValueCloner(ObjType::kZSet, zset::CloneValue);
  RegisterValueSizer(ObjType::kZSet, zset::ValueBytes);

  t->Register("zadd", CmdZAdd);
  t->Register("zincrby", CmdZIncrBy);
  t->Register("zrem", CmdZRem);
  t->Register("zcard", CmdZCard);
  t->Register("zcount", CmdZCount);
  t->Register("zlexcount", CmdZLexCount);
  t->Register("zscore", CmdZScore);
  t->Register("zmscore", CmdZMScore);
  t->Register("zrank", CmdZRank);
  t->Register("zrevrank", CmdZRevRank);
  t->Register("zrange", CmdZRange);
  t->Register("zrangestore", CmdZRangeStore);
  t->Register("zrevrange", CmdZRevRange);
  t->Register("zrangebyscore", CmdZRangeByScore);
  t->Register("zrevrangebyscore", CmdZRevRangeByScore);
  t->Register("zrangebylex", CmdZRangeByLex);
  t->Register("zrevrangebylex", CmdZRevRangeByLex);
  t->Register("zremrangebyrank", CmdZRemRangeByRank);
  t->Register("zremrangebyscore", CmdZRemRangeByScore);
  t->Register("zremrangebylex", CmdZRemRangeByLex);
  t->Register("zpopmin", CmdZPopMin);
  t->Register("zpopmax", CmdZPopMax);
  t->Register("bzpopmin", CmdBZPopMin);
  t->Register("bzpopmax", CmdBZPopMax);
  t->Register("zmpop", CmdZMPop);
  t->Register("bzmpop", CmdBZMPop);
  t->Register("zunion", CmdZUnion);
  t->Register("zinter", CmdZInter);
  t->Register("zdiff", CmdZDiff);
  t->Register("zunionstore", CmdZUnionStore);
  t->Register("zinterstore", CmdZInterStore);
  t->Register("zdiffstore", CmdZDiffStore);
  t->Register("zintercard", CmdZInterCard);
  t->Register("zrandmember", CmdZRandMember);
  t->Register("zscan", CmdZScan);
}

}  // namespace ember
