// Set commands: SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS, SRANDMEMBER, SPOP, SMOVE,
// SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE and SSCAN.
//
// A set is an intset (common/storage/intset.h) while every member is an integer and there
// are at most set-max-intset-entries of them, else a SetTable (common/storage/set_table.h).
// As in Redis 7.0, a set only ever converts from intset to hashtable; only sets built anew
// (store commands, SPOP's rebuild) start again from an intset.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/storage/entry.h"
#include "common/storage/intset.h"
#include "common/storage/set_table.h"
#include "common/util/memory.h"
#include "common/util/strings.h"
#include "server/client.h"
#include "server/command.h"
#include "server/families/families.h"
#include "server/families/value_copy.h"
#include "server/server.h"

namespace ember {
namespace {

// Redis's SPOP_MOVE_STRATEGY_MUL and SRANDMEMBER_SUB_STRATEGY_MUL: the ratios that pick the
// algorithm of SPOP and SRANDMEMBER with a count.
constexpr uint64_t kSpopMoveStrategyMul = 5;
constexpr uint64_t kSrandmemberSubStrategyMul = 3;
// Intsets are capped at 1G entries whatever the configuration says.
constexpr int64_t kIntsetHardLimit = int64_t(1) << 30;

FastRng& Rng() {
  static FastRng rng{(uint64_t(std::random_device{}()) << 32) ^ std::random_device{}()};
  return rng;
}

// A set member as iteration produces it: a string, and for intset members also the integer
// (the string is then its decimal form).
struct Member {
  std::string_view str;
  bool is_int = false;
  int64_t iv = 0;
};

// A set value: its encoding and the pointer an Entry stores (intset blob or SetTable).
struct SetValue {
  Encoding enc = Encoding::kIntset;
  void* ptr = nullptr;

  uint8_t* is() const { return static_cast<uint8_t*>(ptr); }
  SetTable* ht() const { return static_cast<SetTable*>(ptr); }
  bool intset() const { return enc == Encoding::kIntset; }
};

SetValue Load(const Entry* e) { return {e->encoding(), e->v.ptr}; }

void Store(Entry* e, const SetValue& v) {
  e->set_type_encoding(ObjType::kSet, v.enc);
  e->v.ptr = v.ptr;
}

void FreeSetValue(const SetValue& v) {
  if (v.intset()) {
    intset::Free(v.is());
  } else {
    delete v.ht();
  }
}

SetValue NewIntsetValue() { return {Encoding::kIntset, intset::New()}; }
SetValue NewTableValue() { return {Encoding::kHashtable, new SetTable()}; }

// An empty set of the encoding that can hold `first` (Redis's setTypeCreate).
SetValue NewSetFor(std::string_view first) {
  int64_t v;
  return StringToInt64(first, &v) ? NewIntsetValue() : NewTableValue();
}

size_t SetSize(const SetValue& v) { return v.intset() ? intset::Length(v.is()) : v.ht()->size(); }

size_t MaxIntsetEntries(Client& c) {
  int64_t max = c.server().config().set_max_intset_entries;
  return size_t(std::min(max, kIntsetHardLimit));
}

Member IntMember(int64_t iv, char* buf) {
  return {std::string_view(buf, Int64ToChars(iv, buf)), true, iv};
}

// Converts an intset value to a hash table in place.
void ConvertToTable(SetValue* v) {
  auto* t = new SetTable();
  uint8_t* is = v->is();
  char buf[24];
  for (uint32_t i = 0, n = intset::Length(is); i < n; i++) {
    t->Add({buf, Int64ToChars(intset::Get(is, i), buf)});
  }
  intset::Free(is);
  v->enc = Encoding::kHashtable;
  v->ptr = t;
}

// Adds m (Redis's setTypeAdd): an intset takes integers until it holds more than `max`
// entries, and converts on the first non-integer. True if m was added.
bool SetAdd(SetValue* v, const Member& m, size_t max) {
  if (v->intset()) {
    int64_t iv = m.iv;
    if (m.is_int || StringToInt64(m.str, &iv)) {
      bool added;
      v->ptr = intset::Add(v->is(), iv, &added);
      if (added && intset::Length(v->is()) > max) ConvertToTable(v);
      return added;
    }
    ConvertToTable(v);
  }
  return v->ht()->Add(m.str);
}

bool SetAdd(SetValue* v, std::string_view s, size_t max) { return SetAdd(v, Member{s}, max); }

bool SetRemove(SetValue* v, const Member& m) {
  if (v->intset()) {
    int64_t iv = m.iv;
    if (!m.is_int && !StringToInt64(m.str, &iv)) return false;
    bool removed;
    v->ptr = intset::Remove(v->is(), iv, &removed);
    return removed;
  }
  return v->ht()->Remove(m.str);
}

bool SetRemove(SetValue* v, std::string_view s) { return SetRemove(v, Member{s}); }

bool SetContains(const SetValue& v, const Member& m) {
  if (v.intset()) {
    int64_t iv = m.iv;
    if (!m.is_int && !StringToInt64(m.str, &iv)) return false;
    return intset::Contains(v.is(), iv);
  }
  return v.ht()->Contains(m.str);
}

bool SetContains(const SetValue& v, std::string_view s) { return SetContains(v, Member{s}); }

// Calls fn(const Member&) -> bool for every member until it returns false.
template <typename Fn>
void ForEachMember(const SetValue& v, Fn&& fn) {
  if (v.intset()) {
    char buf[24];
    const uint8_t* is = v.is();
    for (uint32_t i = 0, n = intset::Length(is); i < n; i++) {
      if (!fn(IntMember(intset::Get(is, i), buf))) return;
    }
    return;
  }
  v.ht()->ForEachUntil([&](std::string_view s) { return fn(Member{s}); });
}

// A random member (the set must not be empty). Intset members are formatted into `buf`.
Member RandomMember(const SetValue& v, char* buf) {
  if (v.intset()) {
    uint32_t n = intset::Length(v.is());
    return IntMember(intset::Get(v.is(), uint32_t(Rng()() % n)), buf);
  }
  return Member{v.ht()->RandomNode(Rng())->member()};
}

void ReplyMember(ReplyBuilder& r, const Member& m) { r.Bulk(m.str); }

// ----- registered hooks -----

void DestroySet(void* ptr, Encoding enc) { FreeSetValue({enc, ptr}); }

void* CloneSet(const void* ptr, Encoding enc) {
  if (enc == Encoding::kIntset) return intset::Dup(static_cast<const uint8_t*>(ptr));
  return static_cast<const SetTable*>(ptr)->Clone();
}

size_t SetBytes(const void* ptr, Encoding enc) {
  if (enc == Encoding::kIntset) return MemUsable(const_cast<void*>(ptr));
  return static_cast<const SetTable*>(ptr)->Bytes();
}

// ----- lookups -----

// Looks up `key` for reading; replies WRONGTYPE and returns false if it is not a set.
bool LookupSetRead(Client& c, std::string_view key, Entry** out) {
  Entry* e = c.server().LookupRead(c, key);
  if (e && e->type() != ObjType::kSet) {
    c.reply().Error(err::kWrongType);
    return false;
  }
  *out = e;
  return true;
}

bool LookupSetWrite(Client& c, std::string_view key, Entry** out) {
  Entry* e = c.server().LookupWrite(c, key);
  if (e && e->type() != ObjType::kSet) {
    c.reply().Error(err::kWrongType);
    return false;
  }
  *out = e;
  return true;
}

// Adds a new set entry under `key` (absent) holding `v`.
Entry* AddSetKey(Client& c, std::string_view key, const SetValue& v) {
  Entry* e = Entry::NewObject(key, ObjType::kSet, v.enc, v.ptr);
  c.db().Add(e);  // the "new" event comes from Db::Add's hook
  return e;
}

// Deletes a set key that became empty, with its "del" event.
void DeleteEmptySet(Client& c, std::string_view key) {
  c.db().Delete(key);
  c.server().NotifyKeyspaceEvent(kNotifyGeneric, "del", key, c.db_index());
}

// Redis's getRangeLongFromObjectOrReply: with `msg`, every failure replies msg.
bool ParseRangeArg(Client& c, std::string_view s, int64_t min, int64_t max, int64_t* out,
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
      c.reply().Error("value is out of range, value must between " + std::to_string(min) + " and " +
                      std::to_string(max));
    }
    return false;
  }
  *out = v;
  return true;
}

// ----- SADD / SREM / SMOVE -----

void CmdSAdd(Client& c, CmdArgs args) {
  Server& s = c.server();
  std::string_view key = args[1];
  Entry* e;
  if (!LookupSetWrite(c, key, &e)) return;
  if (!e) e = AddSetKey(c, key, NewSetFor(args[2]));
  size_t max = MaxIntsetEntries(c);
  SetValue v = Load(e);
  int64_t added = 0;
  for (size_t i = 2; i < args.size(); i++) {
    if (SetAdd(&v, args[i], max)) added++;
  }
  Store(e, v);
  if (added) {
    s.SignalModifiedKey(c.db(), key);
    s.NotifyKeyspaceEvent(kNotifySet, "sadd", key, c.db_index());
  }
  s.dirty += added;
  c.reply().Integer(added);
}

void CmdSRem(Client& c, CmdArgs args) {
  Server& s = c.server();
  std::string_view key = args[1];
  Entry* e;
  if (!LookupSetWrite(c, key, &e)) return;
  if (!e) {
    c.reply().Integer(0);
    return;
  }
  SetValue v = Load(e);
  int64_t deleted = 0;
  bool key_removed = false;
  for (size_t i = 2; i < args.size(); i++) {
    if (!SetRemove(&v, args[i])) continue;
    deleted++;
    if (SetSize(v) == 0) {
      Store(e, v);
      c.db().Delete(key);
      key_removed = true;
      break;
    }
  }
  if (!key_removed) Store(e, v);
  if (deleted) {
    s.SignalModifiedKey(c.db(), key);
    s.NotifyKeyspaceEvent(kNotifySet, "srem", key, c.db_index());
    if (key_removed) s.NotifyKeyspaceEvent(kNotifyGeneric, "del", key, c.db_index());
    s.dirty += deleted;
  }
  c.reply().Integer(deleted);
}

void CmdSMove(Client& c, CmdArgs args) {
  Server& s = c.server();
  std::string_view src_key = args[1], dst_key = args[2], member = args[3];
  Entry* src = s.LookupWrite(c, src_key);
  Entry* dst = s.LookupWrite(c, dst_key);
  if (!src) {
    c.reply().Integer(0);
    return;
  }
  if (src->type() != ObjType::kSet || (dst && dst->type() != ObjType::kSet)) {
    c.reply().Error(err::kWrongType);
    return;
  }
  if (src == dst) {
    c.reply().Integer(SetContains(Load(src), member) ? 1 : 0);
    return;
  }
  SetValue sv = Load(src);
  if (!SetRemove(&sv, member)) {
    Store(src, sv);
    c.reply().Integer(0);
    return;
  }
  Store(src, sv);
  s.NotifyKeyspaceEvent(kNotifySet, "srem", src_key, c.db_index());
  if (SetSize(sv) == 0) DeleteEmptySet(c, src_key);
  if (!dst) dst = AddSetKey(c, dst_key, NewSetFor(member));
  s.SignalModifiedKey(c.db(), src_key);
  s.dirty++;
  SetValue dv = Load(dst);
  bool added = SetAdd(&dv, member, MaxIntsetEntries(c));
  Store(dst, dv);
  if (added) {
    s.dirty++;
    s.SignalModifiedKey(c.db(), dst_key);
    s.NotifyKeyspaceEvent(kNotifySet, "sadd", dst_key, c.db_index());
  }
  c.reply().Integer(1);
}

// ----- SISMEMBER / SMISMEMBER / SCARD -----

void CmdSIsMember(Client& c, CmdArgs args) {
  Entry* e;
  if (!LookupSetRead(c, args[1], &e)) return;
  c.reply().Integer(e && SetContains(Load(e), args[2]) ? 1 : 0);
}

void CmdSMIsMember(Client& c, CmdArgs args) {
  Entry* e;
  if (!LookupSetRead(c, args[1], &e)) return;
  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(args.size() - 2));
  for (size_t i = 2; i < args.size(); i++) {
    r.Integer(e && SetContains(Load(e), args[i]) ? 1 : 0);
  }
}

void CmdSCard(Client& c, CmdArgs args) {
  Entry* e;
  if (!LookupSetRead(c, args[1], &e)) return;
  c.reply().Integer(e ? int64_t(SetSize(Load(e))) : 0);
}

// ----- SPOP / SRANDMEMBER -----

void SPopWithCount(Client& c, CmdArgs args) {
  Server& s = c.server();
  std::string_view key = args[1];
  int64_t l;
  if (!ParseRangeArg(c, args[2], 0, INT64_MAX, &l, "value is out of range, must be positive")) {
    return;
  }
  uint64_t count = uint64_t(l);
  Entry* e;
  if (!LookupSetWrite(c, key, &e)) return;
  ReplyBuilder& r = c.reply();
  if (!e || count == 0) {
    r.SetHeader(0);
    return;
  }
  SetValue v = Load(e);
  uint64_t size = SetSize(v);
  s.NotifyKeyspaceEvent(kNotifySet, "spop", key, c.db_index());
  s.dirty += int64_t(std::min(count, size));

  // Everything is asked for: reply with the whole set and delete the key.
  if (count >= size) {
    r.SetHeader(int64_t(size));
    ForEachMember(v, [&](const Member& m) {
      ReplyMember(r, m);
      return true;
    });
    DeleteEmptySet(c, key);
    c.RewritePropagation({"DEL", std::string(key)});
    s.SignalModifiedKey(c.db(), key);
    return;
  }

  // Each popped member is propagated as its own "SREM key member" (the command itself is
  // not propagated), as Redis 7.0 does.
  int dbid = c.db_index();
  auto propagate_srem = [&](std::string_view m) {
    s.AlsoPropagate(dbid, {"SREM", std::string(key), std::string(m)});
  };
  r.SetHeader(int64_t(count));
  uint64_t remaining = size - count;
  char buf[24];
  if (remaining * kSpopMoveStrategyMul > count) {
    // Few members asked for: pop random members one by one.
    for (uint64_t i = 0; i < count; i++) {
      if (v.intset()) {
        uint32_t pos = uint32_t(Rng()() % intset::Length(v.is()));
        Member m = IntMember(intset::Get(v.is(), pos), buf);
        ReplyMember(r, m);
        propagate_srem(m.str);
        v.ptr = intset::RemoveAt(v.is(), pos);
      } else {
        std::string m(v.ht()->RandomNode(Rng())->member());
        r.Bulk(m);
        propagate_srem(m);
        v.ht()->Remove(m);
      }
    }
    Store(e, v);
  } else {
    // Most of the set is asked for: move the members that stay into a new set, then reply
    // with (and drop) what is left of the old one.
    size_t max = MaxIntsetEntries(c);
    SetValue kept;
    for (uint64_t i = 0; i < remaining; i++) {
      std::string m(RandomMember(v, buf).str);
      if (!kept.ptr) kept = NewSetFor(m);
      SetAdd(&kept, m, max);
      SetRemove(&v, m);
    }
    ForEachMember(v, [&](const Member& m) {
      ReplyMember(r, m);
      propagate_srem(m.str);
      return true;
    });
    FreeSetValue(v);
    Store(e, kept);  // the key keeps its TTL, as Redis's dbOverwrite
  }
  c.PreventPropagation();
  s.SignalModifiedKey(c.db(), key);
}

void CmdSPop(Client& c, CmdArgs args) {
  if (args.size() == 3) {
    SPopWithCount(c, args);
    return;
  }
  if (args.size() > 3) {
    c.reply().Error(err::kSyntax);
    return;
  }
  Server& s = c.server();
  std::string_view key = args[1];
  Entry* e;
  if (!LookupSetWrite(c, key, &e)) return;
  if (!e) {
    c.reply().Null();
    return;
  }
  SetValue v = Load(e);
  char buf[24];
  std::string member(RandomMember(v, buf).str);
  SetRemove(&v, member);
  Store(e, v);
  s.NotifyKeyspaceEvent(kNotifySet, "spop", key, c.db_index());
  c.RewritePropagation({"SREM", std::string(key), member});
  c.reply().Bulk(member);
  if (SetSize(v) == 0) DeleteEmptySet(c, key);
  s.SignalModifiedKey(c.db(), key);
  s.dirty++;
}

void SRandMemberWithCount(Client& c, CmdArgs args) {
  int64_t l;
  if (!ParseRangeArg(c, args[2], -INT64_MAX, INT64_MAX, &l, {})) return;
  bool unique = l >= 0;
  uint64_t count = unique ? uint64_t(l) : uint64_t(-l);
  Entry* e;
  if (!LookupSetRead(c, args[1], &e)) return;
  ReplyBuilder& r = c.reply();
  if (!e || count == 0) {
    r.ArrayHeader(0);
    return;
  }
  SetValue v = Load(e);
  uint64_t size = SetSize(v);
  char buf[24];

  // Repeats allowed (or a single member): independent draws, in random order.
  if (!unique || count == 1) {
    r.ArrayHeader(int64_t(count));
    while (count--) {
      ReplyMember(r, RandomMember(v, buf));
      if (c.ReplyLimitReached()) break;
    }
    return;
  }

  // At least the whole set asked for: the whole set.
  if (count >= size) {
    r.ArrayHeader(int64_t(size));
    ForEachMember(v, [&](const Member& m) {
      ReplyMember(r, m);
      return true;
    });
    return;
  }

  r.ArrayHeader(int64_t(count));
  FastRng& rng = Rng();
  if (count * kSrandmemberSubStrategyMul > size) {
    // Close to the whole set: take every member and keep a random `count` of them (a
    // partial Fisher-Yates shuffle), O(size).
    if (v.intset()) {
      std::vector<int64_t> all(size);
      for (uint32_t i = 0; i < size; i++) all[i] = intset::Get(v.is(), i);
      for (uint64_t i = 0; i < count; i++) {
        std::swap(all[i], all[i + rng() % (size - i)]);
        ReplyMember(r, IntMember(all[i], buf));
      }
    } else {
      std::vector<const SetNode*> all;
      all.reserve(size);
      v.ht()->ForEachNode([&](const SetNode* n) { all.push_back(n); });
      for (uint64_t i = 0; i < count; i++) {
        std::swap(all[i], all[i + rng() % (size - i)]);
        r.Bulk(all[i]->member());
      }
    }
    return;
  }

  // A small part of a big set: random draws until `count` distinct members, O(count).
  if (v.intset()) {
    std::unordered_set<uint32_t> picked;
    picked.reserve(count);
    while (picked.size() < count) {
      uint32_t pos = uint32_t(rng() % size);
      if (picked.insert(pos).second) ReplyMember(r, IntMember(intset::Get(v.is(), pos), buf));
    }
  } else {
    std::unordered_set<const SetNode*> picked;
    picked.reserve(count);
    while (picked.size() < count) {
      const SetNode* n = v.ht()->RandomNode(rng);
      if (picked.insert(n).second) r.Bulk(n->member());
    }
  }
}

void CmdSRandMember(Client& c, CmdArgs args) {
  if (args.size() == 3) {
    SRandMemberWithCount(c, args);
    return;
  }
  if (args.size() > 3) {
    c.reply().Error(err::kSyntax);
    return;
  }
  Entry* e;
  if (!LookupSetRead(c, args[1], &e)) return;
  if (!e) {
    c.reply().Null();
    return;
  }
  char buf[24];
  ReplyMember(c.reply(), RandomMember(Load(e), buf));
}

// ----- SINTER / SINTERCARD / SINTERSTORE / SMEMBERS -----

struct Source {
  Entry* e = nullptr;  // null: the key does not exist (an empty set)
  SetValue v;
  size_t size() const { return e ? SetSize(v) : 0; }
};

// Looks up every key for reading. False (after replying WRONGTYPE) if one is not a set.
bool LoadSources(Client& c, CmdArgs keys, std::vector<Source>* out) {
  out->resize(keys.size());
  for (size_t i = 0; i < keys.size(); i++) {
    Entry* e;
    if (!LookupSetRead(c, keys[i], &e)) return false;
    (*out)[i].e = e;
    if (e) (*out)[i].v = Load(e);
  }
  return true;
}

// Stores a computed set under `dst` (SINTERSTORE, SUNIONSTORE, SDIFFSTORE): a non-empty
// result replaces the key (dropping its TTL); an empty one deletes it.
void StoreResult(Client& c, std::string_view dst, const SetValue& v, std::string_view event) {
  Server& s = c.server();
  Db& db = c.db();
  size_t n = SetSize(v);
  if (n > 0) {
    s.LookupWrite(c, dst);  // expires a stale destination first, as Redis's setKey
    db.Set(Entry::NewObject(dst, ObjType::kSet, v.enc, v.ptr), /*keep_ttl=*/false);
    s.SignalModifiedKey(db, dst);
    c.reply().Integer(int64_t(n));
    s.NotifyKeyspaceEvent(kNotifySet, event, dst, c.db_index());
    s.dirty++;
    return;
  }
  FreeSetValue(v);
  c.reply().Integer(0);
  if (db.Delete(dst)) {
    s.dirty++;
    s.SignalModifiedKey(db, dst);
    s.NotifyKeyspaceEvent(kNotifyGeneric, "del", dst, c.db_index());
  }
}

// dst empty: reply with the members; card_only: count them, stopping at `limit` (0 = none).
void SInterGeneric(Client& c, CmdArgs keys, std::string_view dst, bool store, bool card_only,
                   uint64_t limit) {
  std::vector<Source> sets;
  if (!LoadSources(c, keys, &sets)) return;
  ReplyBuilder& r = c.reply();
  bool any_empty = std::any_of(sets.begin(), sets.end(), [](const Source& s) { return !s.e; });
  if (any_empty) {
    if (store) {
      StoreResult(c, dst, NewIntsetValue(), "sinterstore");
    } else if (card_only) {
      r.Integer(0);
    } else {
      r.SetHeader(0);
    }
    return;
  }
  std::sort(sets.begin(), sets.end(),
            [](const Source& a, const Source& b) { return a.size() < b.size(); });

  SetValue result;
  size_t max = 0;
  size_t handle = 0;
  if (store) {
    result = NewIntsetValue();
    max = MaxIntsetEntries(c);
  } else if (!card_only) {
    handle = r.DeferredLength();
  }
  uint64_t cardinality = 0;
  const Source& first = sets[0];
  ForEachMember(first.v, [&](const Member& m) {
    for (size_t j = 1; j < sets.size(); j++) {
      if (sets[j].e == first.e) continue;
      if (!SetContains(sets[j].v, m)) return true;
    }
    if (card_only) {
      cardinality++;
      return !(limit && cardinality >= limit);
    }
    if (store) {
      SetAdd(&result, m, max);
    } else {
      ReplyMember(r, m);
      cardinality++;
    }
    return true;
  });

  if (card_only) {
    r.Integer(int64_t(cardinality));
  } else if (store) {
    StoreResult(c, dst, result, "sinterstore");
  } else {
    r.SetDeferredSetLength(handle, int64_t(cardinality));
  }
}

void CmdSInter(Client& c, CmdArgs args) { SInterGeneric(c, args.subspan(1), {}, false, false, 0); }

void CmdSInterStore(Client& c, CmdArgs args) {
  SInterGeneric(c, args.subspan(2), args[1], true, false, 0);
}

void CmdSInterCard(Client& c, CmdArgs args) {
  int64_t numkeys;
  if (!ParseRangeArg(c, args[1], 1, INT64_MAX, &numkeys, "numkeys should be greater than 0")) {
    return;
  }
  if (numkeys > int64_t(args.size()) - 2) {
    c.reply().Error("Number of keys can't be greater than number of args");
    return;
  }
  int64_t limit = 0;
  for (size_t j = 2 + size_t(numkeys); j < args.size(); j++) {
    bool more = j + 1 < args.size();
    if (EqualsIgnoreCase(args[j], "limit") && more) {
      if (!ParseRangeArg(c, args[++j], 0, INT64_MAX, &limit, "LIMIT can't be negative")) return;
    } else {
      c.reply().Error(err::kSyntax);
      return;
    }
  }
  SInterGeneric(c, args.subspan(2, size_t(numkeys)), {}, false, true, uint64_t(limit));
}

// ----- SUNION / SUNIONSTORE / SDIFF / SDIFFSTORE -----

enum class SetOp { kUnion, kDiff };

void SUnionDiffGeneric(Client& c, CmdArgs keys, std::string_view dst, bool store, SetOp op) {
  std::vector<Source> sets;
  if (!LoadSources(c, keys, &sets)) return;
  ReplyBuilder& r = c.reply();
  bool same_set = false;
  for (size_t j = 1; j < sets.size(); j++) {
    if (sets[0].e && sets[j].e == sets[0].e) same_set = true;
  }

  // SDIFF: iterating the first set and probing the others costs about size(first) * number
  // of sets; building the first set and removing every other set's members costs the sum of
  // the sizes. The first is cheaper per step, so it gets a factor-2 advantage.
  bool diff_probe = true;
  if (op == SetOp::kDiff && sets[0].e && !same_set) {
    int64_t probe_work = 0, remove_work = 0;
    for (const Source& s : sets) {
      if (!s.e) continue;
      probe_work += int64_t(sets[0].size());
      remove_work += int64_t(s.size());
    }
    probe_work /= 2;
    diff_probe = probe_work <= remove_work;
    if (diff_probe && sets.size() > 1) {
      // Probe the biggest sets first: a member found early is rejected early.
      std::sort(sets.begin() + 1, sets.end(),
                [](const Source& a, const Source& b) { return a.size() > b.size(); });
    }
  }

  size_t max = MaxIntsetEntries(c);
  if (op == SetOp::kDiff && diff_probe && sets[0].e && !same_set && !store) {
    // The members of the first set are distinct already: reply as they are found.
    size_t handle = r.DeferredLength();
    int64_t n = 0;
    ForEachMember(sets[0].v, [&](const Member& m) {
      for (size_t j = 1; j < sets.size(); j++) {
        if (sets[j].e && SetContains(sets[j].v, m)) return true;
      }
      ReplyMember(r, m);
      n++;
      return true;
    });
    r.SetDeferredSetLength(handle, n);
    return;
  }

  SetValue result = NewIntsetValue();
  if (op == SetOp::kUnion) {
    for (const Source& s : sets) {
      if (!s.e) continue;
      ForEachMember(s.v, [&](const Member& m) {
        SetAdd(&result, m, max);
        return true;
      });
    }
  } else if (same_set || !sets[0].e) {
    // A set minus itself, or nothing minus anything: empty.
  } else if (diff_probe) {
    ForEachMember(sets[0].v, [&](const Member& m) {
      for (size_t j = 1; j < sets.size(); j++) {
        if (sets[j].e && SetContains(sets[j].v, m)) return true;
      }
      SetAdd(&result, m, max);
      return true;
    });
  } else {
    for (size_t j = 0; j < sets.size(); j++) {
      if (!sets[j].e) continue;
      ForEachMember(sets[j].v, [&](const Member& m) {
        if (j == 0) {
          SetAdd(&result, m, max);
        } else {
          SetRemove(&result, m);
        }
        return true;
      });
      if (SetSize(result) == 0) break;
    }
  }

  if (store) {
    StoreResult(c, dst, result, op == SetOp::kUnion ? "sunionstore" : "sdiffstore");
    return;
  }
  r.SetHeader(int64_t(SetSize(result)));
  ForEachMember(result, [&](const Member& m) {
    ReplyMember(r, m);
    return true;
  });
  FreeSetValue(result);
}

void CmdSUnion(Client& c, CmdArgs args) {
  SUnionDiffGeneric(c, args.subspan(1), {}, false, SetOp::kUnion);
}
void CmdSUnionStore(Client& c, CmdArgs args) {
  SUnionDiffGeneric(c, args.subspan(2), args[1], true, SetOp::kUnion);
}
void CmdSDiff(Client& c, CmdArgs args) {
  SUnionDiffGeneric(c, args.subspan(1), {}, false, SetOp::kDiff);
}
void CmdSDiffStore(Client& c, CmdArgs args) {
  SUnionDiffGeneric(c, args.subspan(2), args[1], true, SetOp::kDiff);
}

// ----- SSCAN -----

// Redis's parseScanCursorOrReply: strtoul over the whole argument (a sign is accepted and
// "-1" wraps), no leading space, no overflow.
bool ParseScanCursor(Client& c, std::string_view arg, uint64_t* cursor) {
  std::string buf(arg);
  const char* p = buf.c_str();
  char* end = nullptr;
  errno = 0;
  unsigned long long v = strtoull(p, &end, 10);
  if (isspace(static_cast<unsigned char>(p[0])) || *end != '\0' || errno == ERANGE) {
    c.reply().Error("invalid cursor");
    return false;
  }
  *cursor = v;
  return true;
}

void CmdSScan(Client& c, CmdArgs args) {
  uint64_t cursor;
  if (!ParseScanCursor(c, args[2], &cursor)) return;
  Entry* e;
  if (!LookupSetRead(c, args[1], &e)) return;
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
  for (size_t i = 3; i < args.size();) {
    size_t left = args.size() - i;
    if (EqualsIgnoreCase(args[i], "count") && left >= 2) {
      if (!ParseInt64Arg(c, args[i + 1], &count)) return;
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

  SetValue v = Load(e);
  std::vector<std::string_view> found;
  std::vector<std::string> ints;  // backing store for intset members
  if (v.intset()) {
    // A compact set is returned whole in one call, with cursor 0.
    uint32_t n = intset::Length(v.is());
    ints.reserve(n);
    for (uint32_t i = 0; i < n; i++) ints.push_back(Int64ToString(intset::Get(v.is(), i)));
    for (const std::string& s : ints) found.push_back(s);
    cursor = 0;
  } else {
    // Whole buckets until COUNT members, giving up after 10*COUNT buckets.
    int64_t max_iterations = count > INT64_MAX / 10 ? INT64_MAX : count * 10;
    do {
      cursor = v.ht()->Scan(cursor, [&](std::string_view m) { found.push_back(m); });
    } while (cursor && max_iterations-- && int64_t(found.size()) < count);
  }
  if (use_pattern) {
    std::erase_if(found, [&](std::string_view m) { return !GlobMatch(pattern, m); });
  }
  r.ArrayHeader(2);
  char buf[24];
  r.Bulk({buf, Int64ToChars(int64_t(cursor), buf)});
  r.ArrayHeader(int64_t(found.size()));
  for (std::string_view m : found) r.Bulk(m);
}

}  // namespace

void RegisterSetFamily(CommandTable* t) {
  RegisterValueDestructor(ObjType::kSet, DestroySet);
  RegisterValueCloner(ObjType::kSet, CloneSet);
  RegisterValueSizer(ObjType::kSet, SetBytes);

  t->Register("sadd", CmdSAdd);
  t->Register("srem", CmdSRem);
  t->Register("smove", CmdSMove);
  t->Register("sismember", CmdSIsMember);
  t->Register("smismember", CmdSMIsMember);
  t->Register("scard", CmdSCard);
  t->Register("spop", CmdSPop);
  t->Register("srandmember", CmdSRandMember);
  t->Register("sinter", CmdSInter);
  t->Register("smembers", CmdSInter);
  t->Register("sintercard", CmdSInterCard);
  t->Register("sinterstore", CmdSInterStore);
  t->Register("sunion", CmdSUnion);
  t->Register("sunionstore", CmdSUnionStore);
  t->Register("sdiff", CmdSDiff);
  t->Register("sdiffstore", CmdSDiffStore);
  t->Register("sscan", CmdSScan);
}

}  // namespace ember
