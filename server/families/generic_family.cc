// Type-agnostic keyspace commands: DEL, EXISTS, TYPE, RENAME, MOVE, COPY, the EXPIRE family,
// TTL, PERSIST, KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB/FLUSHALL, SWAPDB, TOUCH and OBJECT.
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <deque>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "common/storage/db.h"
#include "common/storage/entry.h"
#include "common/storage/lru.h"
#include "common/util/strings.h"
#include "server/client.h"
#include "server/command.h"
#include "server/families/families.h"
#include "server/families/value_copy.h"
#include "server/persistence.h"
#include "server/server.h"

namespace ember {
namespace {

constexpr std::string_view kSameObject = "source and destination objects are the same";
constexpr std::string_view kIntRange =
    "value is out of range, value must between -2147483648 and 2147483647";
constexpr std::string_view kLfuIdleError =
    "An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";
constexpr std::string_view kNoLfuFreqError =
    "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to "
    "adjust.";
// Redis's OBJ_SHARED_REFCOUNT and the range of its shared integer objects.
constexpr int64_t kSharedRefcount = INT_MAX;
constexpr int64_t kSharedIntegers = 10000;

// Redis's getIntFromObjectOrReply: a strict int64 that must also fit an int. With `msg`, every
// failure replies msg; without, "not an integer" or the range error.
bool ParseIntArg(Client& c, std::string_view s, int* out, std::string_view msg = {}) {
  int64_t v;
  if (!StringToInt64(s, &v)) {
    c.reply().Error(msg.empty() ? err::kNotInt : msg);
    return false;
  }
  if (v < INT_MIN || v > INT_MAX) {
    c.reply().Error(msg.empty() ? kIntRange : msg);
    return false;
  }
  *out = int(v);
  return true;
}

// A DB index argument as MOVE and COPY parse it: an int, then in range.
bool ParseDbIndex(Client& c, std::string_view s, int* out) {
  if (!ParseIntArg(c, s, out)) return false;
  if (*out < 0 || *out >= c.server().db_count()) {
    c.reply().Error(err::kDbIndex);
    return false;
  }
  return true;
}

// Read lookup that counts hits/misses but leaves the access time alone (LOOKUP_NOTOUCH).
Entry* LookupNoTouch(Client& c, std::string_view key) {
  Server& s = c.server();
  Entry* e = s.LookupReadIn(c.db(), key);
  if (e) {
    s.stats().keyspace_hits++;
  } else {
    s.stats().keyspace_misses++;
  }
  return e;
}

// Adds `e` (unlinked, key absent) to db keeping its LRU/LFU field, as Redis moves the robj.
void AddKeepingAccess(Db& db, Entry* e) {
  uint32_t lru = e->lru();
  db.Add(e);
  e->set_lru(lru);
}

// ----- DEL / UNLINK / EXISTS / TYPE / TOUCH -----

void DelGeneric(Client& c, CmdArgs args, bool lazy) {
  Server& s = c.server();
  Db& db = c.db();
  int64_t deleted = 0;
  for (size_t i = 1; i < args.size(); i++) {
    Entry* e = db.Find(args[i]);
    if (!e) continue;
    // An expired key goes as an expiry, not as a deletion by this command.
    if (s.ExpireIfNeeded(db, e)) continue;
    if (s.DeleteKey(db, args[i], lazy)) {
      s.NotifyKeyspaceEvent(kNotifyGeneric, "del", args[i], db.id());
      s.dirty++;
      deleted++;
    }
  }
  c.reply().Integer(deleted);
}

void CmdDel(Client& c, CmdArgs args) {
  DelGeneric(c, args, c.server().config().lazyfree_lazy_user_del);
}
// Big values are freed by the background thread (server/lazyfree.h).
void CmdUnlink(Client& c, CmdArgs args) { DelGeneric(c, args, true); }

void CmdExists(Client& c, CmdArgs args) {
  int64_t n = 0;
  for (size_t i = 1; i < args.size(); i++) {
    if (LookupNoTouch(c, args[i])) n++;
  }
  c.reply().Integer(n);
}

void CmdType(Client& c, CmdArgs args) {
  Entry* e = LookupNoTouch(c, args[1]);
  c.reply().SimpleString(e ? proto::TypeName(e->type()) : "none");
}

void CmdTouch(Client& c, CmdArgs args) {
  int64_t n = 0;
  for (size_t i = 1; i < args.size(); i++) {
    if (c.server().LookupRead(c, args[i])) n++;
  }
  c.reply().Integer(n);
}

// ----- RENAME / RENAMENX / MOVE / COPY -----

void RenameGeneric(Client& c, CmdArgs args, bool nx) {
  Server& s = c.server();
  Db& db = c.db();
  std::string_view from = args[1], to = args[2];
  if (!s.LookupWrite(c, from)) {
    c.reply().Error(err::kNoSuchKey);
    return;
  }
  if (from == to) {
    if (nx) {
      c.reply().Integer(0);
    } else {
      c.reply().Ok();
    }
    return;
  }
  if (s.LookupWrite(c, to)) {
    if (nx) {
      c.reply().Integer(0);
      return;
    }
    db.Delete(to);
  }
  int64_t when;
  Entry* old = db.Detach(from, &when);
  Entry* e = RekeyEntry(old, to);
  AddKeepingAccess(db, e);
  if (when != -1) db.SetExpire(e, when);
  s.SignalModifiedKey(db, from);
  s.SignalModifiedKey(db, to);
  s.NotifyKeyspaceEvent(kNotifyGeneric, "rename_from", from, db.id());
  s.NotifyKeyspaceEvent(kNotifyGeneric, "rename_to", to, db.id());
  s.dirty++;
  if (nx) {
    c.reply().Integer(1);
  } else {
    c.reply().Ok();
  }
}

void CmdRename(Client& c, CmdArgs args) { RenameGeneric(c, args, false); }
void CmdRenameNx(Client& c, CmdArgs args) { RenameGeneric(c, args, true); }

void CmdMove(Client& c, CmdArgs args) {
  Server& s = c.server();
  std::string_view key = args[1];
  int dbid;
  if (!ParseDbIndex(c, args[2], &dbid)) return;
  Db& src = c.db();
  Db& dst = s.db(dbid);
  if (&src == &dst) {
    c.reply().Error(kSameObject);
    return;
  }
  if (!s.LookupWrite(c, key)) {
    c.reply().Integer(0);
    return;
  }
  Entry* existing = dst.Find(key);
  if (existing && !s.ExpireIfNeeded(dst, existing)) {
    c.reply().Integer(0);
    return;
  }
  int64_t when;
  Entry* e = src.Detach(key, &when);
  AddKeepingAccess(dst, e);
  if (when != -1) dst.SetExpire(e, when);
  s.SignalModifiedKey(src, key);
  s.SignalModifiedKey(dst, key);
  s.NotifyKeyspaceEvent(kNotifyGeneric, "move_from", key, src.id());
  s.NotifyKeyspaceEvent(kNotifyGeneric, "move_to", key, dst.id());
  s.dirty++;
  c.reply().Integer(1);
}

void CmdCopy(Client& c, CmdArgs args) {
  Server& s = c.server();
  Db& src = c.db();
  Db* dst = &src;
  bool replace = false;
  for (size_t j = 3; j < args.size(); j++) {
    size_t additional = args.size() - j - 1;
    if (EqualsIgnoreCase(args[j], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(args[j], "db") && additional >= 1) {
      int dbid;
      if (!ParseDbIndex(c, args[j + 1], &dbid)) return;
      dst = &s.db(dbid);
      j++;
    } else {
      c.reply().Error(err::kSyntax);
      return;
    }
  }
  std::string_view key = args[1], newkey = args[2];
  if (dst == &src && key == newkey) {
    c.reply().Error(kSameObject);
    return;
  }
  Entry* o = s.LookupRead(c, key);
  if (!o) {
    c.reply().Integer(0);
    return;
  }
  int64_t when = src.GetExpire(o);
  bool remove_dst = false;
  Entry* existing = dst->Find(newkey);
  if (existing && !s.ExpireIfNeeded(*dst, existing)) {
    if (!replace) {
      c.reply().Integer(0);
      return;
    }
    remove_dst = true;
  }
  Entry* copy = CloneEntryWithKey(o, newkey);
  if (!copy) {
    // Types whose module has not registered a cloner yet.
    c.reply().Error("unsupported value type");
    return;
  }
  if (remove_dst) dst->Delete(newkey);
  dst->Add(copy);
  if (when != -1) dst->SetExpire(copy, when);
  s.SignalModifiedKey(*dst, newkey);
  s.NotifyKeyspaceEvent(kNotifyGeneric, "copy_to", newkey, dst->id());
  s.dirty++;
  c.reply().Integer(1);
}

// ----- EXPIRE family, TTL family, PERSIST -----

enum ExpireFlag : int { kExpireNx = 1, kExpireXx = 2, kExpireGt = 4, kExpireLt = 8 };

void ReplyInvalidExpire(Client& c) {
  std::string msg = "invalid expire time in '";
  msg += c.cmd ? c.cmd->fullname : std::string("unknown");
  msg += "' command";
  c.reply().Error(msg);
}

bool ParseExpireFlags(Client& c, CmdArgs args, int* flags) {
  bool nx = false, xx = false, gt = false, lt = false;
  for (size_t j = 3; j < args.size(); j++) {
    std::string_view opt = args[j];
    if (EqualsIgnoreCase(opt, "nx")) {
      nx = true;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      xx = true;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      gt = true;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      lt = true;
    } else {
      std::string msg = "Unsupported option ";
      msg.append(opt);
      c.reply().Error(msg);
      return false;
    }
  }
  if (nx && (xx || gt || lt)) {
    c.reply().Error("NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if (gt && lt) {
    c.reply().Error("GT and LT options at the same time are not compatible");
    return false;
  }
  *flags =
      (nx ? kExpireNx : 0) | (xx ? kExpireXx : 0) | (gt ? kExpireGt : 0) | (lt ? kExpireLt : 0);
  return true;
}

// `relative`: the argument is added to the command time; `seconds`: it is in seconds.
void ExpireGeneric(Client& c, CmdArgs args, bool relative, bool seconds) {
  Server& s = c.server();
  Db& db = c.db();
  std::string_view key = args[1];
  int flags = 0;
  if (!ParseExpireFlags(c, args, &flags)) return;
  int64_t when;
  if (!ParseInt64Arg(c, args[2], &when)) return;
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
      ReplyInvalidExpire(c);
      return;
    }
    when *= 1000;
  }
  int64_t now = s.command_time_ms();
  int64_t base = relative ? now : 0;
  if (when > LLONG_MAX - base) {
    ReplyInvalidExpire(c);
    return;
  }
  when += base;

  Entry* e = s.LookupWrite(c, key);
  if (!e) {
    c.reply().Integer(0);
    return;
  }
  if (flags) {
    int64_t current = db.GetExpire(e);
    bool refuse = ((flags & kExpireNx) && current != -1) ||
                  ((flags & kExpireXx) && current == -1) ||
                  ((flags & kExpireGt) && (current == -1 || when <= current)) ||
                  ((flags & kExpireLt) && current != -1 && when >= current);
    if (refuse) {
      c.reply().Integer(0);
      return;
    }
  }
  // A time already past deletes the key (except while loading, when the key is kept with
  // its past TTL for the expiry machinery).
  if (when <= now && !s.loading) {
    s.DeleteKey(db, key);
    s.dirty++;
    s.NotifyKeyspaceEvent(kNotifyGeneric, "del", key, db.id());
    c.RewritePropagation({s.config().lazyfree_lazy_expire ? "UNLINK" : "DEL", std::string(key)});
    c.reply().Integer(1);
    return;
  }
  db.SetExpire(e, when);
  c.reply().Integer(1);
  s.SignalModifiedKey(db, key);
  s.NotifyKeyspaceEvent(kNotifyGeneric, "expire", key, db.id());
  s.dirty++;
  // Replicas and the AOF get an absolute time in milliseconds, whatever the client sent.
  c.RewritePropagation({"PEXPIREAT", std::string(key), std::to_string(when)});
}

void CmdExpire(Client& c, CmdArgs args) { ExpireGeneric(c, args, true, true); }
void CmdPexpire(Client& c, CmdArgs args) { ExpireGeneric(c, args, true, false); }
void CmdExpireAt(Client& c, CmdArgs args) { ExpireGeneric(c, args, false, true); }
void CmdPexpireAt(Client& c, CmdArgs args) { ExpireGeneric(c, args, false, false); }

void TtlGeneric(Client& c, CmdArgs args, bool ms, bool absolute) {
  Entry* e = LookupNoTouch(c, args[1]);
  if (!e) {
    c.reply().Integer(-2);
    return;
  }
  int64_t expire = c.db().GetExpire(e);
  if (expire == -1) {
    c.reply().Integer(-1);
    return;
  }
  int64_t ttl = absolute ? expire : expire - c.server().command_time_ms();
  if (ttl < 0) ttl = 0;
  c.reply().Integer(ms ? ttl : (ttl + 500) / 1000);
}

void CmdTtl(Client& c, CmdArgs args) { TtlGeneric(c, args, false, false); }
void CmdPttl(Client& c, CmdArgs args) { TtlGeneric(c, args, true, false); }
void CmdExpireTime(Client& c, CmdArgs args) { TtlGeneric(c, args, false, true); }
void CmdPexpireTime(Client& c, CmdArgs args) { TtlGeneric(c, args, true, true); }

void CmdPersist(Client& c, CmdArgs args) {
  Server& s = c.server();
  Entry* e = s.LookupWrite(c, args[1]);
  if (!e || !c.db().Persist(e)) {
    c.reply().Integer(0);
    return;
  }
  s.SignalModifiedKey(c.db(), args[1]);
  s.NotifyKeyspaceEvent(kNotifyGeneric, "persist", args[1], c.db().id());
  c.reply().Integer(1);
  s.dirty++;
}

// ----- KEYS / SCAN / RANDOMKEY / DBSIZE -----

void CmdKeys(Client& c, CmdArgs args) {
  Server& s = c.server();
  Db& db = c.db();
  std::string_view pattern = args[1];
  bool all = pattern == "*";
  ReplyBuilder& r = c.reply();
  size_t handle = r.DeferredLength();
  int64_t n = 0;
  // Expired keys are skipped but not deleted: the table is being iterated.
  db.keys().ForEach([&](Entry* e) {
    std::string_view k = e->key();
    if (!all && !GlobMatch(pattern, k)) return;
    if (s.IsExpired(db, e)) return;
    r.Bulk(k);
    n++;
  });
  r.SetDeferredArrayLength(handle, n);
}

// Redis's parseScanCursorOrReply: strtoul in base 10 over the whole argument (so a sign is
// accepted and "-1" wraps), no leading space, no overflow.
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

void CmdScan(Client& c, CmdArgs args) {
  Server& s = c.server();
  Db& db = c.db();
  uint64_t cursor;
  if (!ParseScanCursor(c, args[1], &cursor)) return;

  int64_t count = 10;
  std::string_view pattern, type_name;
  bool use_pattern = false, use_type = false;
  for (size_t i = 2; i < args.size();) {
    size_t left = args.size() - i;
    if (EqualsIgnoreCase(args[i], "count") && left >= 2) {
      if (!ParseInt64Arg(c, args[i + 1], &count)) return;
      if (count < 1) {
        c.reply().Error(err::kSyntax);
        return;
      }
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "match") && left >= 2) {
      pattern = args[i + 1];
      use_pattern = pattern != "*";
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "type") && left >= 2) {
      type_name = args[i + 1];
      use_type = true;
      i += 2;
    } else {
      c.reply().Error(err::kSyntax);
      return;
    }
  }

  // Collect whole buckets until COUNT keys, giving up after 10*COUNT buckets on a sparse
  // table. Entries stay valid until filtered: only the one being filtered can be deleted.
  std::vector<Entry*> found;
  int64_t max_iterations = count > INT64_MAX / 10 ? INT64_MAX : count * 10;
  do {
    cursor = db.keys().Scan(cursor, [&](Entry* e) { found.push_back(e); });
  } while (cursor && max_iterations-- && int64_t(found.size()) < count);

  std::vector<std::string_view> out;
  out.reserve(found.size());
  std::deque<std::string> held;  // names of keys deleted but still reported (TYPE none)
  for (Entry* e : found) {
    std::string_view k = e->key();
    if (use_pattern && !GlobMatch(pattern, k)) continue;
    if (use_type) {
      // The type lookup expires the key first: an expired key has type "none".
      bool expired = s.IsExpired(db, e);
      std::string_view t = expired ? std::string_view("none") : proto::TypeName(e->type());
      if (expired) {
        s.stats().keyspace_misses++;
      } else {
        s.stats().keyspace_hits++;
      }
      if (expired) {
        bool keep = EqualsIgnoreCase(type_name, t);
        if (keep) k = held.emplace_back(k);
        s.ExpireIfNeeded(db, e);
        if (keep) out.push_back(k);
        continue;
      }
      if (!EqualsIgnoreCase(type_name, t)) continue;
    }
    if (s.ExpireIfNeeded(db, e)) continue;
    out.push_back(k);
  }

  ReplyBuilder& r = c.reply();
  r.ArrayHeader(2);
  char buf[24];
  r.Bulk({buf, Int64ToChars(int64_t(cursor), buf)});
  r.ArrayHeader(int64_t(out.size()));
  for (std::string_view k : out) r.Bulk(k);
}

void CmdRandomKey(Client& c, CmdArgs) {
  Server& s = c.server();
  Db& db = c.db();
  // Every expired key drawn is deleted, so the loop ends when a live key is found or the
  // table is empty.
  while (true) {
    Entry* e = db.keys().Random(db.rng());
    if (!e) {
      c.reply().Null();
      return;
    }
    if (e->has_expire() && s.ExpireIfNeeded(db, e)) continue;
    c.reply().Bulk(e->key());
    return;
  }
}

void CmdDbSize(Client& c, CmdArgs) { c.reply().Integer(int64_t(c.db().size())); }

// ----- FLUSHDB / FLUSHALL / SWAPDB -----

// ASYNC, SYNC or nothing (lazyfree-lazy-user-flush decides). False after a syntax error.
bool ParseFlushArgs(Client& c, CmdArgs args, bool* async) {
  *async = c.server().config().lazyfree_lazy_user_flush;
  if (args.size() == 1) return true;
  if (args.size() == 2 && EqualsIgnoreCase(args[1], "sync")) {
    *async = false;
    return true;
  }
  if (args.size() == 2 && EqualsIgnoreCase(args[1], "async")) {
    *async = true;
    return true;
  }
  c.reply().Error(err::kSyntax);
  return false;
}

// Empties `db`; with `async` its former contents are freed by the background thread.
void FlushDatabase(Server& s, Db& db, bool async) {
  if (async && db.size() > 0) {
    s.lazyfree().FreeDb(db.TakeContents());
  } else {
    db.Clear();
  }
}

void CmdFlushDb(Client& c, CmdArgs args) {
  bool async;
  if (!ParseFlushArgs(c, args, &async)) return;
  Db& db = c.db();
  c.server().TouchWatchedKeysInDb(c.db_index());
  int64_t removed = int64_t(db.size());
  FlushDatabase(c.server(), db, async);
  c.server().blocking().SignalAllKeys(db);
  c.server().dirty += removed;
  // Propagated even when the db was already empty (Redis's forceCommandPropagation).
  c.RewritePropagation(std::vector<std::string>(args.begin(), args.end()));
  c.reply().Ok();
}

void CmdFlushAll(Client& c, CmdArgs args) {
  bool async;
  if (!ParseFlushArgs(c, args, &async)) return;
  Server& s = c.server();
  int64_t removed = 0;
  for (int i = 0; i < s.db_count(); i++) {
    Db& db = s.db(i);
    removed += int64_t(db.size());
    s.TouchWatchedKeysInDb(i);
    FlushDatabase(s, db, async);
    s.blocking().SignalAllKeys(db);
  }
  s.dirty += removed;
  // A running BGSAVE is stopped; with save points configured the (empty) RDB is written
  // right away, which resets the change counter.
  FlushAllResetRdb(s);
  // Propagated even when nothing was removed or the save reset the counter.
  c.RewritePropagation(std::vector<std::string>(args.begin(), args.end()));
  c.reply().Ok();
}

void CmdSwapDb(Client& c, CmdArgs args) {
  Server& s = c.server();
  int id1, id2;
  if (!ParseIntArg(c, args[1], &id1, "invalid first DB index")) return;
  if (!ParseIntArg(c, args[2], &id2, "invalid second DB index")) return;
  if (id1 < 0 || id1 >= s.db_count() || id2 < 0 || id2 >= s.db_count()) {
    c.reply().Error(err::kDbIndex);
    return;
  }
  if (id1 != id2) {
    s.TouchWatchedKeysInDb(id1, &s.db(id2));
    s.TouchWatchedKeysInDb(id2, &s.db(id1));
    s.db(id1).Swap(s.db(id2));
    // Clients blocked on keys that exist after the swap can be served now.
    s.blocking().SignalAllKeys(s.db(id1));
    s.blocking().SignalAllKeys(s.db(id2));
  }
  s.dirty++;
  c.reply().Ok();
}

// ----- OBJECT -----

Entry* ObjectLookupOrReply(Client& c, std::string_view key) {
  Entry* e = LookupNoTouch(c, key);
  if (!e) c.reply().Null();
  return e;
}

// Redis shares the objects of the integers 0..9999 (refcount INT_MAX) unless maxmemory is set
// with an LRU/LFU policy, which needs a private access field per key.
bool IsSharedInteger(Server& s, const Entry* e) {
  if (e->type() != ObjType::kString || e->encoding() != Encoding::kInt) return false;
  if (e->v.i < 0 || e->v.i >= kSharedIntegers) return false;
  const std::string& policy = s.config().maxmemory_policy;
  bool lru_or_lfu =
      policy.find("lru") != std::string::npos || policy.find("lfu") != std::string::npos;
  return s.config().maxmemory == 0 || !lru_or_lfu;
}

void CmdObjectRefcount(Client& c, CmdArgs args) {
  Entry* e = ObjectLookupOrReply(c, args[2]);
  if (!e) return;
  c.reply().Integer(IsSharedInteger(c.server(), e) ? kSharedRefcount : 1);
}

void CmdObjectEncoding(Client& c, CmdArgs args) {
  Entry* e = ObjectLookupOrReply(c, args[2]);
  if (!e) return;
  c.reply().Bulk(proto::EncodingName(e->encoding()));
}

void CmdObjectIdletime(Client& c, CmdArgs args) {
  Entry* e = ObjectLookupOrReply(c, args[2]);
  if (!e) return;
  if (GetAccessPolicy().lfu) {
    c.reply().Error(kLfuIdleError);
    return;
  }
  c.reply().Integer(int64_t(EntryIdleMs(e) / 1000));
}

void CmdObjectFreq(Client& c, CmdArgs args) {
  Entry* e = ObjectLookupOrReply(c, args[2]);
  if (!e) return;
  if (!GetAccessPolicy().lfu) {
    c.reply().Error(kNoLfuFreqError);
    return;
  }
  c.reply().Integer(int64_t(EntryLfuCount(e)));
}

void CmdObjectHelp(Client& c, CmdArgs args) {
  static constexpr std::string_view kLines[] = {
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(std::size(kLines)) + 1);
  r.SimpleString(ToUpper(args[0]) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (std::string_view line : kLines) r.SimpleString(line);
}

}  // namespace

void RegisterGenericFamily(CommandTable* t) {
  t->Register("del", CmdDel);
  t->Register("unlink", CmdUnlink);
  t->Register("exists", CmdExists);
  t->Register("type", CmdType);
  t->Register("touch", CmdTouch);
  t->Register("rename", CmdRename);
  t->Register("renamenx", CmdRenameNx);
  t->Register("move", CmdMove);
  t->Register("copy", CmdCopy);
  t->Register("expire", CmdExpire);
  t->Register("pexpire", CmdPexpire);
  t->Register("expireat", CmdExpireAt);
  t->Register("pexpireat", CmdPexpireAt);
  t->Register("ttl", CmdTtl);
  t->Register("pttl", CmdPttl);
  t->Register("expiretime", CmdExpireTime);
  t->Register("pexpiretime", CmdPexpireTime);
  t->Register("persist", CmdPersist);
  t->Register("keys", CmdKeys);
  t->Register("scan", CmdScan);
  t->Register("randomkey", CmdRandomKey);
  t->Register("dbsize", CmdDbSize);
  t->Register("flushdb", CmdFlushDb);
  t->Register("flushall", CmdFlushAll);
  t->Register("swapdb", CmdSwapDb);
  t->Register("object|encoding", CmdObjectEncoding);
  t->Register("object|freq", CmdObjectFreq);
  t->Register("object|idletime", CmdObjectIdletime);
  t->Register("object|refcount", CmdObjectRefcount);
  t->Register("object|help", CmdObjectHelp);
}

}  // namespace ember
