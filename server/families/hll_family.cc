// HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST.
//
// An HLL is an ordinary string value in Redis's byte format (common/storage/hyperloglog.h).
// Dense objects are updated in place; sparse ones (at most hll-sparse-max-bytes, 3000 by
// default) are copied out, updated and stored back, since an update may resize them.
#include <array>
#include <cstring>
#include <random>
#include <string>

#include "common/storage/hyperloglog.h"
#include "common/util/strings.h"
#include "server/families/families.h"
#include "server/families/string_util.h"
#include "server/server.h"

namespace ember {
namespace {

// The string of an HLL key, or replies WRONGTYPE (another type, or a string that is not an
// HLL) and returns false. `scratch` backs int-encoded strings.
bool HllView(Client& c, Entry* e, char* scratch, std::string_view* out) {
  if (e->type() != ObjType::kString) {
    c.reply().Error(err::kWrongType);
    return false;
  }
  *out = e->StringView(scratch);
  if (!hll::IsHll(*out)) {
    c.reply().Error(hll::kErrNotHll);
    return false;
  }
  return true;
}

// Replaces the value of `e` (a string) with `value`.
void StoreValue(Entry* e, const std::string& value) {
  RawString* r = RawString::Reserve(MakeRaw(e), value.size());
  memcpy(r->data, value.data(), value.size());
  r->len = value.size();
  e->v.ptr = r;
}

uint8_t* MutableBytes(Entry* e) { return reinterpret_cast<uint8_t*>(MakeRaw(e)->data); }

size_t SparseMaxBytes(Client& c) { return size_t(c.server().config().hll_sparse_max_bytes); }

// PFADD key [element ...]
void CmdPfAdd(Client& c, CmdArgs args) {
  Server& s = c.server();
  Entry* e = s.LookupWrite(c, args[1]);
  int64_t updated = 0;
  std::string obj;
  char buf[24];
  if (!e) {
    obj = hll::NewSparse();
    updated++;
  } else {
    std::string_view view;
    if (!HllView(c, e, buf, &view)) return;
    if (hll::EncodingOf(view) == hll::kDense) {
      uint8_t* regs = MutableBytes(e) + hll::kHeaderSize;
      for (size_t j = 2; j < args.size(); j++) updated += hll::DenseAdd(regs, args[j]) ? 1 : 0;
    } else {
      obj.assign(view);
    }
  }
  if (!obj.empty()) {
    size_t max_bytes = SparseMaxBytes(c);
    for (size_t j = 2; j < args.size(); j++) {
      hll::Update u = hll::Add(&obj, args[j], max_bytes);
      if (u == hll::Update::kCorrupt) {
        if (e) StoreValue(e, obj);  // registers set before the damage was found stay set
        c.reply().Error(hll::kErrCorrupt);
        return;
      }
      if (u == hll::Update::kChanged) updated++;
    }
    if (!e) {
      e = Entry::NewRawString(args[1], RawString::Create(obj));
      c.db().Add(e);
    } else if (updated) {
      StoreValue(e, obj);
    }
  }
  if (updated) {
    hll::InvalidateCache(MutableBytes(e));
    s.SignalModifiedKey(c.db(), args[1]);
    s.NotifyKeyspaceEvent(kNotifyString, "pfadd", args[1], c.db_index());
    s.dirty += updated;
  }
  c.reply().Integer(updated ? 1 : 0);
}

// PFCOUNT key [key ...]
void CmdPfCount(Client& c, CmdArgs args) {
  Server& s = c.server();
  char buf[24];
  std::string_view view;
  if (args.size() > 2) {
    // The cardinality of the union; nothing is written.
    std::array<uint8_t, hll::kRegisters> max{};
    for (size_t j = 1; j < args.size(); j++) {
      Entry* e = s.LookupRead(c, args[j]);
      if (!e) continue;
      if (!HllView(c, e, buf, &view)) return;
      if (!hll::MergeInto(view, max.data())) {
        c.reply().Error(hll::kErrCorrupt);
        return;
      }
    }
    c.reply().Integer(int64_t(hll::Estimate(hll::RawHistogram(max.data()))));
    return;
  }
  Entry* e = s.LookupRead(c, args[1]);
  if (!e) {
    c.reply().Integer(0);
    return;
  }
  if (!HllView(c, e, buf, &view)) return;
  const uint8_t* header = reinterpret_cast<const uint8_t*>(view.data());
  uint64_t card;
  if (hll::CacheValid(header)) {
    card = hll::CachedCardinality(header);
  } else {
    bool corrupt = false;
    card = hll::Count(view, &corrupt);
    if (corrupt) {
      c.reply().Error(hll::kErrCorrupt);
      return;
    }
    // Caching the result changes the string: like Redis, a read-only command that signals
    // the key and counts a change, so it reaches replicas and the AOF.
    hll::SetCachedCardinality(MutableBytes(e), card);
    s.SignalModifiedKey(c.db(), args[1]);
    s.dirty++;
  }
  c.reply().Integer(int64_t(card));
}

// PFMERGE destkey [sourcekey ...]. The destination counts as a source.
void CmdPfMerge(Client& c, CmdArgs args) {
  Server& s = c.server();
  char buf[24];
  std::string_view view;
  std::array<uint8_t, hll::kRegisters> max{};
  bool use_dense = false;
  for (size_t j = 1; j < args.size(); j++) {
    Entry* e = s.LookupRead(c, args[j]);
    if (!e) continue;
    if (!HllView(c, e, buf, &view)) return;
    if (hll::EncodingOf(view) == hll::kDense) use_dense = true;
    if (!hll::MergeInto(view, max.data())) {
      c.reply().Error(hll::kErrCorrupt);
      return;
    }
  }
  Entry* e = s.LookupWrite(c, args[1]);
  std::string obj = e ? std::string(e->StringView(buf)) : hll::NewSparse();
  if (use_dense && !hll::SparseToDense(&obj)) {
    c.reply().Error(hll::kErrCorrupt);
    return;
  }
  size_t max_bytes = SparseMaxBytes(c);
  for (uint32_t i = 0; i < hll::kRegisters; i++) {
    if (max[i] == 0) continue;
    if (hll::EncodingOf(obj) == hll::kDense) {
      hll::DenseSetMax(reinterpret_cast<uint8_t*>(obj.data()) + hll::kHeaderSize, i, max[i]);
    } else {
      hll::SparseSetMax(&obj, i, max[i], max_bytes);
    }
  }
  hll::InvalidateCache(reinterpret_cast<uint8_t*>(obj.data()));
  if (e) {
    StoreValue(e, obj);
  } else {
    c.db().Add(Entry::NewRawString(args[1], RawString::Create(obj)));
  }
  s.SignalModifiedKey(c.db(), args[1]);
  // A merge is a mass add: Redis reports it as "pfadd".
  s.NotifyKeyspaceEvent(kNotifyString, "pfadd", args[1], c.db_index());
  s.dirty++;
  c.reply().Ok();
}

// PFDEBUG <GETREG|DECODE|ENCODING|TODENSE> key (exactly: the arity is 3). The key is looked up
// before the subcommand is, as in Redis.
void CmdPfDebug(Client& c, CmdArgs args) {
  Server& s = c.server();
  std::string_view sub = args[1];
  Entry* e = s.LookupWrite(c, args[2]);
  if (!e) {
    c.reply().Error("The specified key does not exist");
    return;
  }
  char buf[24];
  std::string_view view;
  if (!HllView(c, e, buf, &view)) return;
  if (!EqualsIgnoreCase(sub, "getreg") && !EqualsIgnoreCase(sub, "decode") &&
      !EqualsIgnoreCase(sub, "encoding") && !EqualsIgnoreCase(sub, "todense")) {
    c.reply().Error("Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
    return;
  }
  // GETREG and TODENSE convert a sparse value for good (and count it as a change).
  auto to_dense = [&]() -> int {
    if (hll::EncodingOf(view) == hll::kDense) return 0;
    std::string obj(view);
    if (!hll::SparseToDense(&obj)) return -1;
    StoreValue(e, obj);
    view = e->StringView(buf);
    s.dirty++;
    return 1;
  };
  if (EqualsIgnoreCase(sub, "getreg")) {
    if (to_dense() < 0) {
      c.reply().Error(hll::kErrCorrupt);
      return;
    }
    const uint8_t* regs = reinterpret_cast<const uint8_t*>(view.data()) + hll::kHeaderSize;
    c.reply().ArrayHeader(hll::kRegisters);
    for (uint32_t i = 0; i < hll::kRegisters; i++) c.reply().Integer(hll::GetRegister(regs, i));
  } else if (EqualsIgnoreCase(sub, "decode")) {
    if (hll::EncodingOf(view) != hll::kSparse) {
      c.reply().Error("HLL encoding is not sparse");
      return;
    }
    c.reply().Bulk(hll::DecodeSparse(view));
  } else if (EqualsIgnoreCase(sub, "encoding")) {
    c.reply().SimpleString(hll::EncodingOf(view) == hll::kDense ? "dense" : "sparse");
  } else {
    int converted = to_dense();
    if (converted < 0) {
      c.reply().Error(hll::kErrCorrupt);
      return;
    }
    c.reply().Integer(converted);
  }
}

// PFSELFTEST
void CmdPfSelfTest(Client& c, CmdArgs) {
  std::string failure = hll::SelfTest(SparseMaxBytes(c), std::random_device{}());
  if (failure.empty()) {
    c.reply().Ok();
  } else {
    c.reply().Error(failure);
  }
}

}  // namespace

void RegisterHllFamily(CommandTable* t) {
  t->Register("pfadd", CmdPfAdd);
  // Caching the count writes to the key: MAY_REPLICATE (hidden from COMMAND INFO, so not in
  // the JSON spec), so CLIENT PAUSE WRITE and read-only scripts treat it as a write.
  t->Register("pfcount", CmdPfCount, kCmdMayReplicate);
  t->Register("pfmerge", CmdPfMerge);
  t->Register("pfdebug", CmdPfDebug);
  t->Register("pfselftest", CmdPfSelfTest);
}

}  // namespace ember
