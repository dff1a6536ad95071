// String commands: GET, SET and friends, counters, ranges, LCS.
#include <spdlog/spdlog.h>

#include <climits>
#include <cmath>
#include <cstring>

#include "common/util/strings.h"
#include "server/families/families.h"
#include "server/families/string_util.h"
#include "server/server.h"

namespace ember {
namespace {

constexpr uint32_t kSetNx = 1 << 0, kSetXx = 1 << 1, kSetGet = 1 << 2, kKeepTtl = 1 << 3,
                   kEx = 1 << 4, kPx = 1 << 5, kExAt = 1 << 6, kPxAt = 1 << 7, kPersist = 1 << 8;
constexpr uint32_t kAnyExpire = kEx | kPx | kExAt | kPxAt;

enum class StrCmd { kGet, kSet };

// Parses SET/GETEX options from args[first...]. Replies and returns false on error.
bool ParseStringOptions(Client& c, CmdArgs args, size_t first, StrCmd kind, uint32_t* flags,
                        std::string_view* expire) {
  for (size_t j = first; j < args.size(); j++) {
    std::string_view opt = args[j];
    bool has_next = j + 1 < args.size();
    uint32_t f = *flags;
    if (kind == StrCmd::kSet && EqualsIgnoreCase(opt, "nx") && !(f & kSetXx)) {
      *flags |= kSetNx;
    } else if (kind == StrCmd::kSet && EqualsIgnoreCase(opt, "xx") && !(f & kSetNx)) {
      *flags |= kSetXx;
    } else if (kind == StrCmd::kSet && EqualsIgnoreCase(opt, "get")) {
      *flags |= kSetGet;
    } else if (kind == StrCmd::kSet && EqualsIgnoreCase(opt, "keepttl") &&
               !(f & (kPersist | kAnyExpire))) {
      *flags |= kKeepTtl;
    } else if (kind == StrCmd::kGet && EqualsIgnoreCase(opt, "persist") &&
               !(f & (kAnyExpire | kKeepTtl))) {
      *flags |= kPersist;
    } else if (has_next && !(f & (kKeepTtl | kPersist)) &&
               ((EqualsIgnoreCase(opt, "ex") && !(f & (kExAt | kPx | kPxAt))) ||
                (EqualsIgnoreCase(opt, "px") && !(f & (kEx | kExAt | kPxAt))) ||
                (EqualsIgnoreCase(opt, "exat") && !(f & (kEx | kPx | kPxAt))) ||
                (EqualsIgnoreCase(opt, "pxat") && !(f & (kEx | kExAt | kPx))))) {
      if (EqualsIgnoreCase(opt, "ex"))
        *flags |= kEx;
      else if (EqualsIgnoreCase(opt, "px"))
        *flags |= kPx;
      else if (EqualsIgnoreCase(opt, "exat"))
        *flags |= kExAt;
      else
        *flags |= kPxAt;
      *expire = args[++j];
    } else {
      c.reply().Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

void ReplyExpireError(Client& c) {
  c.reply().Error(fmt::format("invalid expire time in '{}' command", c.cmd->fullname));
}

// Converts an EX/PX/EXAT/PXAT argument to an absolute time in milliseconds.
bool ExpireToAbsoluteMs(Client& c, std::string_view arg, uint32_t flags, int64_t* out) {
  int64_t v;
  if (!ParseInt64Arg(c, arg, &v)) return false;
  bool seconds = flags & (kEx | kExAt);
  if (v <= 0 || (seconds && v > LLONG_MAX / 1000)) {
    ReplyExpireError(c);
    return false;
  }
  if (seconds) v *= 1000;
  if (flags & (kEx | kPx)) {
    int64_t now = c.server().command_time_ms();
    if (v > LLONG_MAX - now) {
      ReplyExpireError(c);
      return false;
    }
    v += now;
  }
  *out = v;
  return true;
}

// Looks up a string for reading; replies WRONGTYPE and returns false for other types.
bool GetString(Client& c, std::string_view key, Entry** out) {
  Entry* e = c.server().LookupRead(c, key);
  if (e && e->type() != ObjType::kString) {
    c.reply().Error(err::kWrongType);
    return false;
  }
  *out = e;
  return true;
}

void ReplyEntryString(Client& c, const Entry* e) {
  char buf[24];
  c.reply().Bulk(e->StringView(buf));
}

// GET-style reply: bulk or null. False if a type error was sent.
bool GetGeneric(Client& c, std::string_view key) {
  Entry* e;
  if (!GetString(c, key, &e)) return false;
  if (!e) {
    c.reply().Null();
  } else {
    ReplyEntryString(c, e);
  }
  return true;
}

void CmdGet(Client& c, CmdArgs args) { GetGeneric(c, args[1]); }

// Stores `value` under `key` as SET does (keeps TTL only if keep_ttl).
Entry* StoreString(Client& c, std::string_view key, std::string_view value, bool keep_ttl) {
  Db& db = c.db();
  Entry* e = db.Set(Entry::NewString(key, value), keep_ttl);
  c.server().SignalModifiedKey(db, key);
  return e;
}

void SetGeneric(Client& c, uint32_t flags, std::string_view key, std::string_view value,
                std::string_view expire, bool reply_int) {
  Server& s = c.server();
  int64_t when = 0;
  if (!expire.empty() || (flags & kAnyExpire)) {
    if (!ExpireToAbsoluteMs(c, expire, flags, &when)) return;
  }
  if (flags & kSetGet) {
    if (!GetGeneric(c, key)) return;
  }
  bool found = s.LookupWrite(c, key) != nullptr;
  if (((flags & kSetNx) && found) || ((flags & kSetXx) && !found)) {
    if (!(flags & kSetGet)) {
      if (reply_int) {
        c.reply().Integer(0);
      } else {
        c.reply().Null();
      }
    }
    return;
  }
  Entry* e = StoreString(c, key, value, flags & kKeepTtl);
  s.dirty++;
  s.NotifyKeyspaceEvent(kNotifyString, "set", key, c.db_index());
  if (flags & kAnyExpire) {
    c.db().SetExpire(e, when);
    s.NotifyKeyspaceEvent(kNotifyGeneric, "expire", key, c.db_index());
    // Replicas and the AOF get an absolute time, whatever form the client used.
    c.RewritePropagation(
        {"SET", std::string(key), std::string(value), "PXAT", std::to_string(when)});
  } else if (flags & kSetGet) {
    std::vector<std::string> argv{"SET", std::string(key), std::string(value)};
    if (flags & kSetNx) argv.push_back("NX");
    if (flags & kSetXx) argv.push_back("XX");
    if (flags & kKeepTtl) argv.push_back("KEEPTTL");
    c.RewritePropagation(std::move(argv));
  }
  if (!(flags & kSetGet)) {
    if (reply_int) {
      c.reply().Integer(1);
    } else {
      c.reply().Ok();
    }
  }
}

void CmdSet(Client& c, CmdArgs args) {
  uint32_t flags = 0;
  std::string_view expire;
  if (args.size() > 3 && !ParseStringOptions(c, args, 3, StrCmd::kSet, &flags, &expire)) return;
  SetGeneric(c, flags, args[1], args[2], expire, false);
}

void CmdSetNx(Client& c, CmdArgs args) { SetGeneric(c, kSetNx, args[1], args[2], {}, true); }

void CmdSetEx(Client& c, CmdArgs args) { SetGeneric(c, kEx, args[1], args[3], args[2], false); }

void CmdPSetEx(Client& c, CmdArgs args) { SetGeneric(c, kPx, args[1], args[3], args[2], false); }

void CmdGetEx(Client& c, CmdArgs args) {
  uint32_t flags = 0;
  std::string_view expire;
  if (!ParseStringOptions(c, args, 2, StrCmd::kGet, &flags, &expire)) return;
  Server& s = c.server();
  Entry* e;
  if (!GetString(c, args[1], &e)) return;
  if (!e) {
    c.reply().Null();
    return;
  }
  int64_t when = 0;
  if ((flags & kAnyExpire) && !ExpireToAbsoluteMs(c, expire, flags, &when)) return;
  ReplyEntryString(c, e);
  Db& db = c.db();
  std::string key(args[1]);
  if ((flags & (kExAt | kPxAt)) && when <= s.command_time_ms()) {
    s.DeleteKey(db, key);
    s.NotifyKeyspaceEvent(kNotifyGeneric, "del", key, c.db_index());
    s.dirty++;
    c.RewritePropagation({s.config().lazyfree_lazy_expire ? "UNLINK" : "DEL", key});
  } else if (flags & kAnyExpire) {
    db.SetExpire(e, when);
    s.SignalModifiedKey(db, key);
    s.NotifyKeyspaceEvent(kNotifyGeneric, "expire", key, c.db_index());
    s.dirty++;
    c.RewritePropagation({"PEXPIREAT", key, std::to_string(when)});
  } else if ((flags & kPersist) && db.Persist(e)) {
    s.SignalModifiedKey(db, key);
    s.NotifyKeyspaceEvent(kNotifyGeneric, "persist", key, c.db_index());
    s.dirty++;
    c.RewritePropagation({"PERSIST", key});
  }
}

void CmdGetDel(Client& c, CmdArgs args) {
  if (!GetGeneric(c, args[1])) return;
  Server& s = c.server();
  if (s.DeleteKey(c.db(), args[1])) {
    s.NotifyKeyspaceEvent(kNotifyGeneric, "del", args[1], c.db_index());
    s.dirty++;
    c.RewritePropagation(
        {s.config().lazyfree_lazy_user_del ? "UNLINK" : "DEL", std::string(args[1])});
  }
}

void CmdGetSet(Client& c, CmdArgs args) {
  if (!GetGeneric(c, args[1])) return;
  StoreString(c, args[1], args[2], false);
  c.server().NotifyKeyspaceEvent(kNotifyString, "set", args[1], c.db_index());
  c.server().dirty++;
  c.RewritePropagation({"SET", std::string(args[1]), std::string(args[2])});
}

void CmdMGet(Client& c, CmdArgs args) {
  c.reply().ArrayHeader(int64_t(args.size() - 1));
  for (size_t i = 1; i < args.size(); i++) {
    Entry* e = c.server().LookupRead(c, args[i]);
    if (!e || e->type() != ObjType::kString) {
      c.reply().Null();
    } else {
      ReplyEntryString(c, e);
    }
  }
}

void MSetGeneric(Client& c, CmdArgs args, bool nx) {
  if (args.size() % 2 == 0) {
    ReplyWrongArity(c);
    return;
  }
  Server& s = c.server();
  if (nx) {
    for (size_t i = 1; i < args.size(); i += 2) {
      if (s.LookupWrite(c, args[i])) {
        c.reply().Integer(0);
        return;
      }
    }
  }
  for (size_t i = 1; i < args.size(); i += 2) {
    StoreString(c, args[i], args[i + 1], false);
    s.NotifyKeyspaceEvent(kNotifyString, "set", args[i], c.db_index());
  }
  s.dirty += int64_t(args.size() - 1) / 2;
  if (nx) {
    c.reply().Integer(1);
  } else {
    c.reply().Ok();
  }
}

void CmdMSet(Client& c, CmdArgs args) { MSetGeneric(c, args, false); }
void CmdMSetNx(Client& c, CmdArgs args) { MSetGeneric(c, args, true); }

void CmdStrlen(Client& c, CmdArgs args) {
  Entry* e;
  if (!GetString(c, args[1], &e)) return;
  c.reply().Integer(e ? int64_t(e->StringLength()) : 0);
}

// True if a string of size + append bytes is allowed (the sum may overflow: that is too big).
bool CheckStringLength(Client& c, int64_t size, int64_t append) {
  int64_t total;
  bool overflow = __builtin_add_overflow(size, append, &total);
  if (!c.has(kClientMaster) && (overflow || total > c.server().config().proto_max_bulk_len)) {
    c.reply().Error("string exceeds maximum allowed size (proto-max-bulk-len)");
    return false;
  }
  return true;
}

void CmdAppend(Client& c, CmdArgs args) {
  Server& s = c.server();
  Entry* e = s.LookupWrite(c, args[1]);
  size_t total;
  if (!e) {
    e = StoreString(c, args[1], args[2], false);
    total = args[2].size();
  } else {
    if (e->type() != ObjType::kString) {
      c.reply().Error(err::kWrongType);
      return;
    }
    total = e->StringLength() + args[2].size();
    if (!CheckStringLength(c, int64_t(e->StringLength()), int64_t(args[2].size()))) return;
    RawString* r = RawString::Reserve(MakeRaw(e), total);
    memcpy(r->data + r->len, args[2].data(), args[2].size());
    r->len = total;
    e->v.ptr = r;
    s.SignalModifiedKey(c.db(), args[1]);
  }
  s.NotifyKeyspaceEvent(kNotifyString, "append", args[1], c.db_index());
  s.dirty++;
  c.reply().Integer(int64_t(total));
}

void CmdSetRange(Client& c, CmdArgs args) {
  Server& s = c.server();
  int64_t offset;
  if (!ParseInt64Arg(c, args[2], &offset)) return;
  if (offset < 0) {
    c.reply().Error("offset is out of range");
    return;
  }
  std::string_view value = args[3];
  Entry* e = s.LookupWrite(c, args[1]);
  if (!e) {
    if (value.empty()) {
      c.reply().Integer(0);
      return;
    }
    if (!CheckStringLength(c, offset, int64_t(value.size()))) return;
    RawString* r = RawString::Create({}, size_t(offset) + value.size());
    memset(r->data, 0, size_t(offset));
    memcpy(r->data + offset, value.data(), value.size());
    r->len = size_t(offset) + value.size();
    e = c.db().Set(Entry::NewRawString(args[1], r), false);
  } else {
    if (e->type() != ObjType::kString) {
      c.reply().Error(err::kWrongType);
      return;
    }
    size_t olen = e->StringLength();
    if (value.empty()) {
      c.reply().Integer(int64_t(olen));
      return;
    }
    if (!CheckStringLength(c, offset, int64_t(value.size()))) return;
    size_t need = std::max(olen, size_t(offset) + value.size());
    RawString* r = RawString::Reserve(MakeRaw(e), need);
    if (size_t(offset) > r->len) memset(r->data + r->len, 0, size_t(offset) - r->len);
    memcpy(r->data + offset, value.data(), value.size());
    r->len = need;
    e->v.ptr = r;
  }
  s.SignalModifiedKey(c.db(), args[1]);
  s.NotifyKeyspaceEvent(kNotifyString, "setrange", args[1], c.db_index());
  s.dirty++;
  c.reply().Integer(int64_t(e->StringLength()));
}

void CmdGetRange(Client& c, CmdArgs args) {
  int64_t start, end;
  if (!ParseInt64Arg(c, args[2], &start) || !ParseInt64Arg(c, args[3], &end)) return;
  Entry* e;
  if (!GetString(c, args[1], &e)) return;
  if (!e) {
    c.reply().Bulk("");
    return;
  }
  char buf[24];
  std::string_view str = e->StringView(buf);
  int64_t len = int64_t(str.size());
  if (start < 0 && end < 0 && start > end) {
    c.reply().Bulk("");
    return;
  }
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) {
    c.reply().Bulk("");
    return;
  }
  c.reply().Bulk(str.substr(size_t(start), size_t(end - start + 1)));
}

void IncrDecr(Client& c, std::string_view key, int64_t incr) {
  Server& s = c.server();
  Entry* e = s.LookupWrite(c, key);
  int64_t value = 0;
  if (e) {
    if (e->type() != ObjType::kString) {
      c.reply().Error(err::kWrongType);
      return;
    }
    if (e->encoding() == Encoding::kInt) {
      value = e->v.i;
    } else {
      char buf[24];
      if (!StringToInt64(e->StringView(buf), &value)) {
        c.reply().Error(err::kNotInt);
        return;
      }
    }
  }
  if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
      (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
    c.reply().Error(err::kOverflow);
    return;
  }
  value += incr;
  if (e && e->encoding() == Encoding::kInt) {
    e->v.i = value;  // in place: same key, same TTL
  } else if (e) {
    c.db().Set(Entry::NewInt(key, value), true);
  } else {
    c.db().Add(Entry::NewInt(key, value));
  }
  s.SignalModifiedKey(c.db(), key);
  s.NotifyKeyspaceEvent(kNotifyString, "incrby", key, c.db_index());
  s.dirty++;
  c.reply().Integer(value);
}

void CmdIncr(Client& c, CmdArgs args) { IncrDecr(c, args[1], 1); }
void CmdDecr(Client& c, CmdArgs args) { IncrDecr(c, args[1], -1); }

void CmdIncrBy(Client& c, CmdArgs args) {
  int64_t v;
  if (!ParseInt64Arg(c, args[2], &v)) return;
  IncrDecr(c, args[1], v);
}

void CmdDecrBy(Client& c, CmdArgs args) {
  int64_t v;
  if (!ParseInt64Arg(c, args[2], &v)) return;
  if (v == LLONG_MIN) {
    c.reply().Error("decrement would overflow");
    return;
  }
  IncrDecr(c, args[1], -v);
}

void CmdIncrByFloat(Client& c, CmdArgs args) {
  Server& s = c.server();
  Entry* e = s.LookupWrite(c, args[1]);
  long double value = 0, incr;
  if (e) {
    if (e->type() != ObjType::kString) {
      c.reply().Error(err::kWrongType);
      return;
    }
    char buf[24];
    if (!StringToLongDouble(e->StringView(buf), &value)) {
      c.reply().Error(err::kNotFloat);
      return;
    }
  }
  if (!StringToLongDouble(args[2], &incr)) {
    c.reply().Error(err::kNotFloat);
    return;
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    c.reply().Error("increment would produce NaN or Infinity");
    return;
  }
  std::string out = LongDoubleToHumanString(value);
  c.db().Set(Entry::NewString(args[1], out), true);
  s.SignalModifiedKey(c.db(), args[1]);
  s.NotifyKeyspaceEvent(kNotifyString, "incrbyfloat", args[1], c.db_index());
  s.dirty++;
  c.reply().Bulk(out);
  // Float formatting could differ on a replica: propagate the result.
  c.RewritePropagation({"SET", std::string(args[1]), out, "KEEPTTL"});
}

void CmdLcs(Client& c, CmdArgs args) {
  Server& s = c.server();
  Entry* ea = s.LookupRead(c, args[1]);
  Entry* eb = s.LookupRead(c, args[2]);
  if ((ea && ea->type() != ObjType::kString) || (eb && eb->type() != ObjType::kString)) {
    c.reply().Error("The specified keys must contain string values");
    return;
  }
  bool getlen = false, getidx = false, withmatchlen = false;
  int64_t minmatchlen = 0;
  for (size_t j = 3; j < args.size(); j++) {
    std::string_view opt = args[j];
    bool more = j + 1 < args.size();
    if (EqualsIgnoreCase(opt, "idx")) {
      getidx = true;
    } else if (EqualsIgnoreCase(opt, "len")) {
      getlen = true;
    } else if (EqualsIgnoreCase(opt, "withmatchlen")) {
      withmatchlen = true;
    } else if (EqualsIgnoreCase(opt, "minmatchlen") && more) {
      if (!ParseInt64Arg(c, args[++j], &minmatchlen)) return;
      if (minmatchlen < 0) minmatchlen = 0;
    } else {
      c.reply().Error(err::kSyntax);
      return;
    }
  }
  if (getlen && getidx) {
    c.reply().Error("If you want both the length and indexes, please just use IDX.");
    return;
  }
  char bufa[24], bufb[24];
  std::string a(ea ? ea->StringView(bufa) : std::string_view());
  std::string b(eb ? eb->StringView(bufb) : std::string_view());
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    c.reply().Error("String too long for LCS");
    return;
  }
  size_t alen = a.size(), blen = b.size();
  unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
  if (cells * sizeof(uint32_t) > uint64_t(s.config().proto_max_bulk_len) ||
      cells > SIZE_MAX / sizeof(uint32_t)) {
    c.reply().Error("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    return;
  }
  std::vector<uint32_t> t(cells, 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return t[j + (blen + 1) * i]; };
  for (size_t i = 1; i <= alen; i++) {
    for (size_t j = 1; j <= blen; j++) {
      if (a[i - 1] == b[j - 1]) {
        at(i, j) = at(i - 1, j - 1) + 1;
      } else {
        at(i, j) = std::max(at(i - 1, j), at(i, j - 1));
      }
    }
  }
  uint32_t idx = at(alen, blen);
  if (getlen) {
    c.reply().Integer(idx);
    return;
  }
  // Walk back from the bottom-right corner, collecting the LCS string and the match ranges.
  std::string result(idx, '\0');
  struct Range {
    size_t a_start, a_end, b_start, b_end;
  };
  std::vector<Range> matches;
  size_t i = alen, j = blen;
  size_t arange_start = alen, arange_end = 0, brange_start = 0, brange_end = 0;
  auto emit = [&] {
    size_t match_len = arange_end - arange_start + 1;
    if (minmatchlen == 0 || match_len >= size_t(minmatchlen)) {
      matches.push_back({arange_start, arange_end, brange_start, brange_end});
    }
    arange_start = alen;
  };
  uint32_t k = idx;
  while (i > 0 && j > 0) {
    bool emit_range = false;
    if (a[i - 1] == b[j - 1]) {
      result[k - 1] = a[i - 1];
      if (arange_start == alen) {
        arange_start = arange_end = i - 1;
        brange_start = brange_end = j - 1;
      } else if (arange_start == i && brange_start == j) {
        arange_start--;  // contiguous: extend the range backwards
        brange_start--;
      } else {
        emit_range = true;
      }
      if (arange_start == 0 || brange_start == 0) emit_range = true;
      i--;
      j--;
      k--;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        i--;
      } else {
        j--;
      }
      if (arange_start != alen) emit_range = true;
    }
    if (emit_range) emit();
  }
  if (!getidx) {
    c.reply().Bulk(result);
    return;
  }
  ReplyBuilder& r = c.reply();
  r.MapHeader(2);
  r.Bulk("matches");
  r.ArrayHeader(int64_t(matches.size()));
  for (const auto& m : matches) {
    r.ArrayHeader(withmatchlen ? 3 : 2);
    r.ArrayHeader(2);
    r.Integer(int64_t(m.a_start));
    r.Integer(int64_t(m.a_end));
    r.ArrayHeader(2);
    r.Integer(int64_t(m.b_start));
    r.Integer(int64_t(m.b_end));
    if (withmatchlen) r.Integer(int64_t(m.a_end - m.a_start + 1));
  }
  r.Bulk("len");
  r.Integer(idx);
}

}  // namespace

void RegisterStringFamily(CommandTable* t) {
  t->Register("get", CmdGet);
  t->Register("set", CmdSet);
  t->Register("setnx", CmdSetNx);
  t->Register("setex", CmdSetEx);
  t->Register("psetex", CmdPSetEx);
  t->Register("getex", CmdGetEx);
  t->Register("getdel", CmdGetDel);
  t->Register("getset", CmdGetSet);
  t->Register("mget", CmdMGet);
  t->Register("mset", CmdMSet);
  t->Register("msetnx", CmdMSetNx);
  t->Register("strlen", CmdStrlen);
  t->Register("append", CmdAppend);
  t->Register("setrange", CmdSetRange);
  t->Register("getrange", CmdGetRange);
  t->Register("substr", CmdGetRange);
  t->Register("incr", CmdIncr);
  t->Register("decr", CmdDecr);
  t->Register("incrby", CmdIncrBy);
  t->Register("decrby", CmdDecrBy);
  t->Register("incrbyfloat", CmdIncrByFloat);
  t->Register("lcs", CmdLcs);
}

}  // namespace ember
