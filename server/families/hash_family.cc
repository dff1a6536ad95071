// Hash commands: HSET, HGET and friends, counters, HSCAN, HRANDFIELD.
//
// A hash starts as a listpack of alternating field/value elements and becomes a HashTable
// (common/storage/hash_table.h) once it holds more than hash-max-listpack-entries fields or
// a field or value longer than hash-max-listpack-value bytes. It never converts back, as in
// Redis 7.0. The thresholds are read at every write, so CONFIG SET applies to the next one.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/storage/hash_table.h"
#include "common/storage/listpack.h"
#include "common/util/strings.h"
#include "server/families/families.h"
#include "server/families/value_copy.h"
#include "server/server.h"

namespace ember {
namespace {

// HRANDFIELD: below this ratio of hash size to requested count, copy the hash and drop
// random pairs instead of drawing random pairs until enough distinct ones are found.
constexpr uint64_t kRandSubStrategyMul = 3;
// HRANDFIELD with a negative count draws from a listpack in batches of at most this many.
constexpr size_t kRandSampleLimit = 1000;

uint8_t* Lp(const Entry* e) { return static_cast<uint8_t*>(e->v.ptr); }
HashTable* Ht(const Entry* e) { return static_cast<HashTable*>(e->v.ptr); }
bool IsListpack(const Entry* e) { return e->encoding() == Encoding::kListpack; }
size_t HashLength(const Entry* e) { return HashValueLength(e->v.ptr, e->encoding()); }

// Uniform integer in [0, n).
uint64_t RandomBelow(std::minstd_rand& rng, uint64_t n) {
  return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng);
}

// ---- Encoding ---------------------------------------------------------------------------

void ConvertToHashtable(Entry* e) {
  HashTable* ht = HashTableFromListpack(Lp(e));
  // A listpack that repeats a field (only possible from unsanitized RESTORE data) stays a
  // listpack rather than losing data.
  if (!ht) return;
  lp::Free(Lp(e));
  e->v.ptr = ht;
  e->set_type_encoding(ObjType::kHash, Encoding::kHashtable);
}

bool TooLongForListpack(const Config& cfg, std::string_view s) {
  return s.size() > uint64_t(cfg.hash_max_listpack_value);
}

// Before a multi-pair write: converts a listpack if any argument in args[first, last) is too
// long for it, or if their total could push it past the listpack size limit.
void TryConversion(const Config& cfg, Entry* e, CmdArgs args, size_t first, size_t last) {
  if (!IsListpack(e)) return;
  size_t sum = 0;
  for (size_t i = first; i < last; i++) {
    if (TooLongForListpack(cfg, args[i])) {
      ConvertToHashtable(e);
      return;
    }
    sum += args[i].size();
  }
  if (!lp::SafeToAdd(Lp(e), sum)) ConvertToHashtable(e);
}

// Finds `field`. An integer stored in a listpack is formatted into `scratch` (24 bytes).
bool GetField(Entry* e, std::string_view field, char* scratch, std::string_view* value) {
  return HashGetField(e->v.ptr, e->encoding(), field, scratch, value);
}

bool HasField(Entry* e, std::string_view field) {
  char buf[24];
  std::string_view v;
  return GetField(e, field, buf, &v);
}

// Sets field to value. A listpack converts first if either is too long for it, and after
// the write if it holds too many pairs. True if the field was added, false if updated.
bool SetField(const Config& cfg, Entry* e, std::string_view field, std::string_view value) {
  if (IsListpack(e) && (TooLongForListpack(cfg, field) || TooLongForListpack(cfg, value))) {
    ConvertToHashtable(e);
  }
  if (!IsListpack(e)) return Ht(e)->Set(field, value);
  uint8_t* lp = Lp(e);
  uint8_t* f = lp::Find(lp, lp::First(lp), field, 1);
  bool added = false;
  if (f) {
    uint8_t* v = lp::Next(lp, f);
    lp = lp::Replace(lp, &v, value);
  } else {
    lp = lp::Append(lp, field);
    lp = lp::Append(lp, value);
    added = true;
  }
  e->v.ptr = lp;
  if (lp::Length(lp) / 2 > uint64_t(cfg.hash_max_listpack_entries)) ConvertToHashtable(e);
  return added;
}

bool DeleteField(Entry* e, std::string_view field) {
  if (!IsListpack(e)) return Ht(e)->Delete(field);
  uint8_t* lp = Lp(e);
  uint8_t* f = lp::Find(lp, lp::First(lp), field, 1);
  if (!f) return false;
  lp = lp::Delete(lp, &f);  // the field; f moves to its value
  if (f) lp = lp::Delete(lp, &f);
  e->v.ptr = lp;
  return true;
}

// ---- Lookups ----------------------------------------------------------------------------

// Sets *out to the hash at `key` (nullptr if absent). Replies WRONGTYPE and returns false if
// the key holds another type.
bool ReadHash(Client& c, std::string_view key, Entry** out) {
  Entry* e = c.server().LookupRead(c, key);
  if (e && e->type() != ObjType::kHash) {
    c.reply().Error(err::kWrongType);
    return false;
  }
  *out = e;
  return true;
}

bool WriteHash(Client& c, std::string_view key, Entry** out) {
  Entry* e = c.server().LookupWrite(c, key);
  if (e && e->type() != ObjType::kHash) {
    c.reply().Error(err::kWrongType);
    return false;
  }
  *out = e;
  return true;
}

Entry* CreateHash(Client& c, std::string_view key) {
  Entry* e = Entry::NewObject(key, ObjType::kHash, Encoding::kListpack, lp::New());
  c.db().Add(e);
  return e;
}

void Notify(Client& c, std::string_view event, std::string_view key) {
  Server& s = c.server();
  s.SignalModifiedKey(c.db(), key);
  s.NotifyKeyspaceEvent(kNotifyHash, event, key, c.db_index());
}

// ---- Writes -----------------------------------------------------------------------------

void SetGeneric(Client& c, CmdArgs args, bool reply_count) {
  if (args.size() % 2 == 1) {
    ReplyWrongArity(c);
    return;
  }
  Entry* e;
  if (!WriteHash(c, args[1], &e)) return;
  if (!e) e = CreateHash(c, args[1]);
  const Config& cfg = c.server().config();
  TryConversion(cfg, e, args, 2, args.size());
  int64_t created = 0;
  for (size_t i = 2; i < args.size(); i += 2) {
    created += SetField(cfg, e, args[i], args[i + 1]) ? 1 : 0;
  }
  if (reply_count) {
    c.reply().Integer(created);
  } else {
    c.reply().Ok();
  }
  Notify(c, "hset", args[1]);
  c.server().dirty += int64_t(args.size() - 2) / 2;
}

void CmdHSet(Client& c, CmdArgs args) { SetGeneric(c, args, true); }
void CmdHMSet(Client& c, CmdArgs args) { SetGeneric(c, args, false); }

void CmdHSetNx(Client& c, CmdArgs args) {
  Entry* e;
  if (!WriteHash(c, args[1], &e)) return;
  if (e && HasField(e, args[2])) {
    c.reply().Integer(0);
    return;
  }
  if (!e) e = CreateHash(c, args[1]);
  const Config& cfg = c.server().config();
  TryConversion(cfg, e, args, 2, 4);
  SetField(cfg, e, args[2], args[3]);
  c.reply().Integer(1);
  Notify(c, "hset", args[1]);
  c.server().dirty++;
}

void CmdHDel(Client& c, CmdArgs args) {
  Entry* e;
  if (!WriteHash(c, args[1], &e)) return;
  if (!e) {
    c.reply().Integer(0);
    return;
  }
  Server& s = c.server();
  int64_t deleted = 0;
  bool key_removed = false;
  for (size_t i = 2; i < args.size(); i++) {
    if (!DeleteField(e, args[i])) continue;
    deleted++;
    if (HashLength(e) == 0) {
      s.DeleteKey(c.db(), args[1]);  // signals the modified key
      key_removed = true;
      break;
    }
  }
  if (deleted) {
    if (!key_removed) s.SignalModifiedKey(c.db(), args[1]);
    s.NotifyKeyspaceEvent(kNotifyHash, "hdel", args[1], c.db_index());
    if (key_removed) s.NotifyKeyspaceEvent(kNotifyGeneric, "del", args[1], c.db_index());
    s.dirty += deleted;
  }
  c.reply().Integer(deleted);
}

void CmdHIncrBy(Client& c, CmdArgs args) {
  int64_t incr;
  if (!ParseInt64Arg(c, args[3], &incr)) return;
  Entry* e;
  if (!WriteHash(c, args[1], &e)) return;
  int64_t value = 0;
  char buf[24];
  std::string_view old;
  if (e && GetField(e, args[2], buf, &old) && !StringToInt64(old, &value)) {
    c.reply().Error("hash value is not an integer");
    return;
  }
  if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
      (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
    c.reply().Error(err::kOverflow);
    return;
  }
  value += incr;
  if (!e) e = CreateHash(c, args[1]);
  char out[24];
  SetField(c.server().config(), e, args[2], {out, Int64ToChars(value, out)});
  c.reply().Integer(value);
  Notify(c, "hincrby", args[1]);
  c.server().dirty++;
}

void CmdHIncrByFloat(Client& c, CmdArgs args) {
  long double incr, value = 0;
  if (!StringToLongDouble(args[3], &incr)) {
    c.reply().Error(err::kNotFloat);
    return;
  }
  if (std::isnan(incr) || std::isinf(incr)) {
    c.reply().Error("value is NaN or Infinity");
    return;
  }
  Entry* e;
  if (!WriteHash(c, args[1], &e)) return;
  char buf[24];
  std::string_view old;
  if (e && GetField(e, args[2], buf, &old) && !StringToLongDouble(old, &value)) {
    c.reply().Error("hash value is not a float");
    return;
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    c.reply().Error("increment would produce NaN or Infinity");
    return;
  }
  std::string out = LongDoubleToHumanString(value);
  if (!e) e = CreateHash(c, args[1]);
  SetField(c.server().config(), e, args[2], out);
  c.reply().Bulk(out);
  Notify(c, "hincrbyfloat", args[1]);
  c.server().dirty++;
  // Replicas and the AOF get the result, so float formatting can never make them diverge.
  c.RewritePropagation({"HSET", std::string(args[1]), std::string(args[2]), std::move(out)});
}

// ---- Reads ------------------------------------------------------------------------------

void ReplyField(Client& c, Entry* e, std::string_view field) {
  char buf[24];
  std::string_view v;
  if (e && GetField(e, field, buf, &v)) {
    c.reply().Bulk(v);
  } else {
    c.reply().Null();
  }
}

void CmdHGet(Client& c, CmdArgs args) {
  Entry* e;
  if (!ReadHash(c, args[1], &e)) return;
  ReplyField(c, e, args[2]);
}

void CmdHMGet(Client& c, CmdArgs args) {
  Entry* e;
  if (!ReadHash(c, args[1], &e)) return;
  c.reply().ArrayHeader(int64_t(args.size() - 2));
  for (size_t i = 2; i < args.size(); i++) ReplyField(c, e, args[i]);
}

void CmdHLen(Client& c, CmdArgs args) {
  Entry* e;
  if (!ReadHash(c, args[1], &e)) return;
  c.reply().Integer(e ? int64_t(HashLength(e)) : 0);
}

void CmdHStrLen(Client& c, CmdArgs args) {
  Entry* e;
  if (!ReadHash(c, args[1], &e)) return;
  char buf[24];
  std::string_view v;
  c.reply().Integer(e && GetField(e, args[2], buf, &v) ? int64_t(v.size()) : 0);
}

void CmdHExists(Client& c, CmdArgs args) {
  Entry* e;
  if (!ReadHash(c, args[1], &e)) return;
  c.reply().Integer(e && HasField(e, args[2]) ? 1 : 0);
}

enum : int { kFields = 1, kValues = 2 };

void GetAllGeneric(Client& c, CmdArgs args, int what) {
  Entry* e;
  if (!ReadHash(c, args[1], &e)) return;
  ReplyBuilder& r = c.reply();
  bool pairs = what == (kFields | kValues);
  int64_t n = e ? int64_t(HashLength(e)) : 0;
  if (pairs) {
    r.MapHeader(n);
  } else {
    r.ArrayHeader(n);
  }
  if (!e) return;
  ForEachHashPair(e->v.ptr, e->encoding(), [&](std::string_view f, std::string_view v) {
    if (what & kFields) r.Bulk(f);
    if (what & kValues) r.Bulk(v);
  });
}

void CmdHKeys(Client& c, CmdArgs args) { GetAllGeneric(c, args, kFields); }
void CmdHVals(Client& c, CmdArgs args) { GetAllGeneric(c, args, kValues); }
void CmdHGetAll(Client& c, CmdArgs args) { GetAllGeneric(c, args, kFields | kValues); }

// ---- HSCAN ------------------------------------------------------------------------------

// As SCAN's cursor: strtoul over the whole argument, no leading space, no overflow.
bool ParseCursor(Client& c, std::string_view arg, uint64_t* cursor) {
  std::string buf(arg);
  char* end = nullptr;
  errno = 0;
  unsigned long v = strtoul(buf.c_str(), &end, 10);
  if (isspace(static_cast<unsigned char>(buf.c_str()[0])) || *end != '\0' || errno == ERANGE) {
    c.reply().Error("invalid cursor");
    return false;
  }
  *cursor = v;
  return true;
}

void CmdHScan(Client& c, CmdArgs args) {
  uint64_t cursor;
  if (!ParseCursor(c, args[2], &cursor)) return;
  Entry* e;
  if (!ReadHash(c, args[1], &e)) return;
  ReplyBuilder& r = c.reply();
  if (!e) {
    r.ArrayHeader(2);
    r.Bulk("0");
    r.ArrayHeader(0);
    return;
  }
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
  for (size_t i = 3; i < args.size(); i += 2) {
    bool has_value = i + 1 < args.size();
    if (has_value && EqualsIgnoreCase(args[i], "count")) {
      if (!ParseInt64Arg(c, args[i + 1], &count)) return;
      if (count < 1) {
        r.Error(err::kSyntax);
        return;
      }
    } else if (has_value && EqualsIgnoreCase(args[i], "match")) {
      pattern = args[i + 1];
      use_pattern = pattern != "*";
    } else {
      r.Error(err::kSyntax);
      return;
    }
  }

  char num[24];
  if (IsListpack(e)) {
    // A listpack is small: everything in one reply, and the scan is over.
    uint8_t* lp = Lp(e);
    size_t handle = 0;
    r.ArrayHeader(2);
    r.Bulk("0");
    if (use_pattern) {
      handle = r.DeferredLength();
    } else {
      r.ArrayHeader(int64_t(lp::Length(lp)));
    }
    int64_t n = 0;
    ForEachHashPair(lp, Encoding::kListpack, [&](std::string_view f, std::string_view v) {
      if (use_pattern && !GlobMatch(pattern, f)) return;
      r.Bulk(f);
      r.Bulk(v);
      n += 2;
    });
    if (use_pattern) r.SetDeferredArrayLength(handle, n);
    return;
  }

  // Whole buckets until COUNT pairs, giving up after 10 * 2 * COUNT buckets on a sparse
  // table (Redis counts field and value as two elements of the COUNT it doubles).
  int64_t want = count > INT64_MAX / 2 ? INT64_MAX : count * 2;
  int64_t max_iterations = want > INT64_MAX / 10 ? INT64_MAX : want * 10;
  std::vector<const HashNode*> found;
  HashTable* ht = Ht(e);
  do {
    cursor = ht->Scan(cursor, [&](const HashNode* n) { found.push_back(n); });
  } while (cursor && max_iterations-- && int64_t(found.size()) * 2 < want);
  if (use_pattern) {
    auto keep = std::remove_if(found.begin(), found.end(),
                               [&](const HashNode* n) { return !GlobMatch(pattern, n->field()); });
    found.erase(keep, found.end());
  }
  r.ArrayHeader(2);
  r.Bulk({num, Int64ToChars(int64_t(cursor), num)});
  r.ArrayHeader(int64_t(found.size()) * 2);
  for (const HashNode* n : found) {
    r.Bulk(n->field());
    r.Bulk(n->value());
  }
}

// ---- HRANDFIELD -------------------------------------------------------------------------

// Replies one pair as HRANDFIELD does: the field, then the value WITHVALUES (a two-element
// array per pair in RESP3).
struct PairWriter {
  ReplyBuilder& r;
  bool withvalues;
  bool nested;  // RESP3 and WITHVALUES

  void Write(std::string_view f, std::string_view v) {
    if (nested) r.ArrayHeader(2);
    r.Bulk(f);
    if (withvalues) r.Bulk(v);
  }
  // A listpack pair given by its field element.
  void WriteLp(uint8_t* lp, uint8_t* fp) {
    char fbuf[24], vbuf[24];
    std::string_view f = lp::Get(fp).AsString(fbuf);
    std::string_view v;
    if (withvalues) v = lp::Get(lp::Next(lp, fp)).AsString(vbuf);
    Write(f, v);
  }
};

// `count` random pairs of a listpack holding `pairs` pairs, with repetitions, in random
// order: draws the pair indexes, walks the listpack once in index order, and stores each
// pair's field element at the position it was drawn for.
void ListpackRandomPairs(uint8_t* lp, size_t pairs, size_t count, std::minstd_rand& rng,
                         std::vector<uint8_t*>* out) {
  struct Pick {
    uint64_t index;
    size_t order;
  };
  std::vector<Pick> picks(count);
  for (size_t i = 0; i < count; i++) picks[i] = {RandomBelow(rng, pairs), i};
  std::sort(picks.begin(), picks.end(),
            [](const Pick& a, const Pick& b) { return a.index < b.index; });
  out->resize(count);
  uint8_t* p = lp::First(lp);
  uint64_t at = 0;
  for (const Pick& pick : picks) {
    while (at < pick.index) {
      p = lp::Next(lp, lp::Next(lp, p));
      at++;
    }
    (*out)[pick.order] = p;
  }
}

void RandFieldWithCount(Client& c, std::string_view key, int64_t l, bool withvalues) {
  Entry* e;
  if (!ReadHash(c, key, &e)) return;
  ReplyBuilder& r = c.reply();
  if (!e) {
    r.ArrayHeader(0);
    return;
  }
  uint64_t size = HashLength(e);
  bool uniq = l >= 0;
  uint64_t count = uniq ? uint64_t(l) : uint64_t(-l);
  if (count == 0) {
    r.ArrayHeader(0);
    return;
  }
  std::minstd_rand& rng = c.server().rng();
  bool resp3 = r.resp() > 2;
  PairWriter w{r, withvalues, withvalues && resp3};
  uint64_t per_pair = withvalues && !resp3 ? 2 : 1;

  // Repetitions allowed (or a single pair): independent draws, in random order.
  if (!uniq || count == 1) {
    r.ArrayHeader(int64_t(count * per_pair));
    if (!IsListpack(e)) {
      HashTable* ht = Ht(e);
      while (count--) {
        const HashNode* n = ht->FairRandom(rng);
        w.Write(n->field(), n->value());
        if (c.ReplyLimitReached()) break;
      }
      return;
    }
    uint8_t* lp = Lp(e);
    std::vector<uint8_t*> picked;
    while (count) {
      size_t batch = count > kRandSampleLimit ? kRandSampleLimit : size_t(count);
      count -= batch;
      ListpackRandomPairs(lp, size, batch, rng, &picked);
      for (uint8_t* p : picked) w.WriteLp(lp, p);
      if (c.ReplyLimitReached()) break;
    }
    return;
  }

  uint64_t reply_size = count < size ? count : size;
  r.ArrayHeader(int64_t(reply_size * per_pair));

  // At least the whole hash requested: all of it.
  if (count >= size) {
    ForEachHashPair(e->v.ptr, e->encoding(),
                    [&](std::string_view f, std::string_view v) { w.Write(f, v); });
    return;
  }

  // Most of the hash requested: take every pair and drop random ones until `count` remain.
  if (count * kRandSubStrategyMul > size) {
    if (IsListpack(e)) {
      uint8_t* lp = Lp(e);
      std::vector<uint8_t*> all;
      all.reserve(size);
      for (uint8_t* p = lp::First(lp); p; p = lp::Next(lp, lp::Next(lp, p))) all.push_back(p);
      while (all.size() > count) {
        size_t victim = RandomBelow(rng, all.size());
        all[victim] = all.back();
        all.pop_back();
      }
      for (uint8_t* p : all) w.WriteLp(lp, p);
    } else {
      std::vector<const HashNode*> all;
      all.reserve(size);
      Ht(e)->dict().ForEach([&](const HashNode* n) { all.push_back(n); });
      while (all.size() > count) {
        size_t victim = RandomBelow(rng, all.size());
        all[victim] = all.back();
        all.pop_back();
      }
      for (const HashNode* n : all) w.Write(n->field(), n->value());
    }
    return;
  }

  // A small part of the hash requested.
  if (IsListpack(e)) {
    // Selection sampling over one walk: each pair is taken with probability
    // (still needed) / (still available), which yields `count` distinct uniform pairs.
    uint8_t* lp = Lp(e);
    uint64_t needed = count, available = size;
    for (uint8_t* p = lp::First(lp); p && needed; p = lp::Next(lp, lp::Next(lp, p))) {
      if (RandomBelow(rng, available) < needed) {
        w.WriteLp(lp, p);
        needed--;
      }
      available--;
    }
    return;
  }
  HashTable* ht = Ht(e);
  std::unordered_set<const HashNode*> seen;
  seen.reserve(count);
  while (seen.size() < count) {
    const HashNode* n = ht->FairRandom(rng);
    if (!seen.insert(n).second) continue;
    w.Write(n->field(), n->value());
  }
}

void CmdHRandField(Client& c, CmdArgs args) {
  if (args.size() >= 3) {
    int64_t l;
    if (!ParseInt64Arg(c, args[2], &l)) return;
    if (l < -LLONG_MAX) {
      c.reply().Error(
          "value is out of range, value must between -9223372036854775807 and "
          "9223372036854775807");
      return;
    }
    bool withvalues = false;
    if (args.size() > 4 || (args.size() == 4 && !EqualsIgnoreCase(args[3], "withvalues"))) {
      c.reply().Error(err::kSyntax);
      return;
    }
    if (args.size() == 4) {
      withvalues = true;
      if (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2) {
        c.reply().Error("value is out of range");
        return;
      }
    }
    RandFieldWithCount(c, args[1], l, withvalues);
    return;
  }
  Entry* e;
  if (!ReadHash(c, args[1], &e)) return;
  if (!e) {
    c.reply().Null();
    return;
  }
  std::minstd_rand& rng = c.server().rng();
  if (!IsListpack(e)) {
    c.reply().Bulk(Ht(e)->FairRandom(rng)->field());
    return;
  }
  uint8_t* lp = Lp(e);
  uint8_t* p = lp::Seek(lp, int64_t(RandomBelow(rng, HashLength(e)) * 2));
  char buf[24];
  c.reply().Bulk(lp::Get(p).AsString(buf));
}

}  // namespace

void RegisterHashFamily(CommandTable* t) {
  RegisterValueDestructor(ObjType::kHash, FreeHashValue);
  RegisterValueCloner(ObjType::kHash, CloneHashValue);
  RegisterValueSizer(ObjType::kHash, HashValueBytes);

  t->Register("hset", CmdHSet);
  t->Register("hsetnx", CmdHSetNx);
  t->Register("hmset", CmdHMSet);
  t->Register("hget", CmdHGet);
  t->Register("hmget", CmdHMGet);
  t->Register("hdel", CmdHDel);
  t->Register("hlen", CmdHLen);
  t->Register("hstrlen", CmdHStrLen);
  t->Register("hexists", CmdHExists);
  t->Register("hkeys", CmdHKeys);
  t->Register("hvals", CmdHVals);
  t->Register("hgetall", CmdHGetAll);
  t->Register("hincrby", CmdHIncrBy);
  t->Register("hincrbyfloat", CmdHIncrByFloat);
  t->Register("hscan", CmdHScan);
  t->Register("hrandfield", CmdHRandField);
}

}  // namespace ember
