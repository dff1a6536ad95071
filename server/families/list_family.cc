// List commands: pushes and pops, ranges, LINSERT/LSET/LREM/LPOS, LMOVE, LMPOP and the
// blocking variants (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP).
//
// Every list is a Quicklist (OBJECT ENCODING "quicklist"), as in Redis 7.0, which has no
// listpack-encoded list keys. list-max-listpack-size and list-compress-depth are taken from
// the config when a list is created (Redis applies them per list at creation too); the
// plain-node threshold (DEBUG QUICKLIST-PACKED-THRESHOLD, Quicklist::SetPackedThreshold) is
// process-wide.
//
// Blocking: a command that finds nothing calls BlockingKeys::Block and writes no reply. When
// a key it waits on gets elements, the command runs again with blocking().reexecuting() set:
// it then only looks at blocking().serving_key() and treats a key of another type as empty,
// so that the client keeps waiting as Redis 7.0 does.
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "common/storage/quicklist.h"
#include "common/util/strings.h"
#include "server/blocking.h"
#include "server/families/families.h"
#include "server/families/value_copy.h"
#include "server/server.h"

namespace ember {

namespace {

constexpr std::string_view kPositive = "value is out of range, must be positive";

Quicklist* Ql(const Entry* e) { return static_cast<Quicklist*>(e->v.ptr); }

// Looks `key` up for reading or writing. Replies WRONGTYPE and returns false if it holds
// another type; *e is null when the key does not exist.
bool LookupList(Client& c, std::string_view key, bool write, Entry** e) {
  Server& s = c.server();
  *e = write ? s.LookupWrite(c, key) : s.LookupRead(c, key);
  if (*e && (*e)->type() != ObjType::kList) {
    c.reply().Error(err::kWrongType);
    return false;
  }
  return true;
}

Entry* CreateList(Client& c, std::string_view key) {
  const Config& cfg = c.server().config();
  auto* ql = new Quicklist(int(cfg.list_max_listpack_size), int(cfg.list_compress_depth));
  Entry* e = Entry::NewObject(key, ObjType::kList, Encoding::kQuicklist, ql);
  c.db().Add(e);
  return e;
}

// Redis's getLongFromObjectOrReply with a custom message: any parse failure replies `msg`.
bool ParseNonNegative(Client& c, std::string_view arg, std::string_view msg, int64_t* v) {
  if (!StringToInt64(arg, v) || *v < 0) {
    c.reply().Error(msg);
    return false;
  }
  return true;
}

// LEFT / RIGHT (case-insensitive). true = head.
bool ParseWhere(Client& c, std::string_view arg, bool* head) {
  if (EqualsIgnoreCase(arg, "left")) {
    *head = true;
  } else if (EqualsIgnoreCase(arg, "right")) {
    *head = false;
  } else {
    c.reply().Error(err::kSyntax);
    return false;
  }
  return true;
}

void ReplyValue(Client& c, const Quicklist::Value& v) {
  char buf[32];
  c.reply().Bulk(v.AsString(buf));
}

// Inside MULTI/EXEC a blocking command behaves as its non-blocking form with a timeout reply.
bool MustNotBlock(Client& c) { return c.has(kClientMulti); }

// Replies the elements [start, end] (negative indexes from the tail), reversed if asked.
void AddRangeReply(Client& c, Quicklist* ql, int64_t start, int64_t end, bool reverse) {
  int64_t llen = int64_t(ql->Count());
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    c.reply().ArrayHeader(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  int64_t rangelen = end - start + 1;
  c.reply().ArrayHeader(rangelen);
  ql->ForEachInRange(uint64_t(reverse ? end : start), uint64_t(rangelen), reverse,
                     [&](const Quicklist::Value& v) { ReplyValue(c, v); });
}

// After elements were popped: events, deletion of an emptied key, dirty counter.
void ElementsRemoved(Client& c, std::string_view key, bool head, Entry* e, int64_t count) {
  Server& s = c.server();
  int dbid = c.db_index();
  s.NotifyKeyspaceEvent(kNotifyList, head ? "lpop" : "rpop", key, dbid);
  if (Ql(e)->Count() == 0) {
    c.db().Delete(key);
    s.NotifyKeyspaceEvent(kNotifyGeneric, "del", key, dbid);
  }
  s.SignalModifiedKey(c.db(), key);
  s.dirty += count;
}

// Pops up to `count` elements and replies [key, [elements]] (LMPOP / BLMPOP).
void PopRangeWithKey(Client& c, Entry* e, std::string_view key, bool head, int64_t count) {
  Quicklist* ql = Ql(e);
  int64_t llen = int64_t(ql->Count());
  int64_t rangelen = count > llen ? llen : count;
  c.reply().ArrayHeader(2);
  c.reply().Bulk(key);
  AddRangeReply(c, ql, head ? 0 : -rangelen, head ? rangelen - 1 : -1, !head);
  ql->DelRange(head ? 0 : -rangelen, rangelen);
  ElementsRemoved(c, key, head, e, rangelen);
}

// Pushes `value` on `dst` (created if missing) and replies it (LMOVE's push side).
void MoveHandlePush(Client& c, std::string_view dstkey, Entry* dst, std::string_view value,
                    bool head) {
  Server& s = c.server();
  if (!dst) dst = CreateList(c, dstkey);
  s.SignalModifiedKey(c.db(), dstkey);
  Ql(dst)->Push(value, head);
  s.NotifyKeyspaceEvent(kNotifyList, head ? "lpush" : "rpush", dstkey, c.db_index());
  s.blocking().SignalKeyReady(c.db_index(), dstkey);
  c.reply().Bulk(value);
}

// ---- Pushes --------------------------------------------------------------------------------

void Push(Client& c, CmdArgs args, bool head, bool xx) {
  Server& s = c.server();
  Entry* e;
  if (!LookupList(c, args[1], true, &e)) return;
  if (!e) {
    if (xx) return c.reply().Integer(0);
    e = CreateList(c, args[1]);
  }
  Quicklist* ql = Ql(e);
  for (size_t j = 2; j < args.size(); j++) {
    ql->Push(args[j], head);
    s.dirty++;
  }
  c.reply().Integer(int64_t(ql->Count()));
  s.SignalModifiedKey(c.db(), args[1]);
  s.NotifyKeyspaceEvent(kNotifyList, head ? "lpush" : "rpush", args[1], c.db_index());
  s.blocking().SignalKeyReady(c.db_index(), args[1]);
}

void CmdLPush(Client& c, CmdArgs args) { Push(c, args, true, false); }
void CmdRPush(Client& c, CmdArgs args) { Push(c, args, false, false); }
void CmdLPushX(Client& c, CmdArgs args) { Push(c, args, true, true); }
void CmdRPushX(Client& c, CmdArgs args) { Push(c, args, false, true); }

// LINSERT key BEFORE|AFTER pivot element
void CmdLInsert(Client& c, CmdArgs args) {
  bool after;
  if (EqualsIgnoreCase(args[2], "after")) {
    after = true;
  } else if (EqualsIgnoreCase(args[2], "before")) {
    after = false;
  } else {
    return c.reply().Error(err::kSyntax);
  }
  Entry* e;
  if (!LookupList(c, args[1], true, &e)) return;
  if (!e) return c.reply().Integer(0);
  Quicklist* ql = Ql(e);
  bool inserted = false;
  {
    Quicklist::Iterator it = ql->GetIterator(true);
    Quicklist::Entry entry;
    while (it.Next(&entry)) {
      if (entry.value.Equals(args[3])) {
        if (after) {
          ql->InsertAfter(&it, &entry, args[4]);
        } else {
          ql->InsertBefore(&it, &entry, args[4]);
        }
        inserted = true;
        break;
      }
    }
  }
  if (!inserted) return c.reply().Integer(-1);
  Server& s = c.server();
  s.SignalModifiedKey(c.db(), args[1]);
  s.NotifyKeyspaceEvent(kNotifyList, "linsert", args[1], c.db_index());
  s.dirty++;
  c.reply().Integer(int64_t(ql->Count()));
}

// ---- Reads ---------------------------------------------------------------------------------

void CmdLLen(Client& c, CmdArgs args) {
  Entry* e;
  if (!LookupList(c, args[1], false, &e)) return;
  c.reply().Integer(e ? int64_t(Ql(e)->Count()) : 0);
}

void CmdLIndex(Client& c, CmdArgs args) {
  Entry* e;
  if (!LookupList(c, args[1], false, &e)) return;
  if (!e) return c.reply().Null();
  int64_t index;
  if (!ParseInt64Arg(c, args[2], &index)) return;
  Quicklist::Iterator it = Ql(e)->GetIteratorAtIndex(index, false);
  Quicklist::Entry entry;
  if (it.valid() && it.Next(&entry)) {
    ReplyValue(c, entry.value);
  } else {
    c.reply().Null();
  }
}

void CmdLRange(Client& c, CmdArgs args) {
  int64_t start, end;
  if (!ParseInt64Arg(c, args[2], &start) || !ParseInt64Arg(c, args[3], &end)) return;
  Entry* e;
  if (!LookupList(c, args[1], false, &e)) return;
  if (!e) return c.reply().ArrayHeader(0);
  AddRangeReply(c, Ql(e), start, end, false);
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void CmdLPos(Client& c, CmdArgs args) {
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT option
  for (size_t j = 3; j < args.size(); j++) {
    std::string_view opt = args[j];
    bool moreargs = j + 1 < args.size();
    if (EqualsIgnoreCase(opt, "rank") && moreargs) {
      j++;
      if (!ParseInt64Arg(c, args[j], &rank)) return;
      if (rank == 0) {
        return c.reply().Error(
            "RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
      }
    } else if (EqualsIgnoreCase(opt, "count") && moreargs) {
      j++;
      if (!ParseNonNegative(c, args[j], "COUNT can't be negative", &count)) return;
    } else if (EqualsIgnoreCase(opt, "maxlen") && moreargs) {
      j++;
      if (!ParseNonNegative(c, args[j], "MAXLEN can't be negative", &maxlen)) return;
    } else {
      return c.reply().Error(err::kSyntax);
    }
  }
  bool forward = true;
  if (rank < 0) {
    // Negating the smallest value wraps, as it does in Redis; it still means "from the tail".
    rank = int64_t(0 - uint64_t(rank));
    forward = false;
  }
  Entry* e;
  if (!LookupList(c, args[1], false, &e)) return;
  if (!e) {
    if (count != -1) return c.reply().ArrayHeader(0);
    return c.reply().Null();
  }
  ReplyBuilder& r = c.reply();
  size_t deferred = 0;
  if (count != -1) deferred = r.DeferredLength();
  Quicklist* ql = Ql(e);
  int64_t llen = int64_t(ql->Count());
  int64_t index = 0, matches = 0, matchindex = -1, arraylen = 0;
  Quicklist::Iterator it = ql->GetIteratorAtIndex(forward ? 0 : -1, forward);
  Quicklist::Entry entry;
  while (it.Next(&entry) && (maxlen == 0 || index < maxlen)) {
    if (entry.value.Equals(args[2])) {
      matches++;
      matchindex = forward ? index : llen - index - 1;
      if (matches >= rank) {
        if (count != -1) {
          arraylen++;
          r.Integer(matchindex);
          if (count && int64_t(uint64_t(matches) - uint64_t(rank) + 1) >= count) break;
        } else {
          break;
        }
      }
    }
    index++;
    matchindex = -1;  // so that leaving the loop without a match is visible
  }
  it.Release();
  if (count != -1) {
    r.SetDeferredArrayLength(deferred, arraylen);
  } else if (matchindex != -1) {
    r.Integer(matchindex);
  } else {
    r.Null();
  }
}

// ---- Updates -------------------------------------------------------------------------------

void CmdLSet(Client& c, CmdArgs args) {
  Entry* e;
  if (!LookupList(c, args[1], true, &e)) return;
  if (!e) return c.reply().Error(err::kNoSuchKey);
  int64_t index;
  if (!ParseInt64Arg(c, args[2], &index)) return;
  if (!Ql(e)->ReplaceAtIndex(index, args[3])) return c.reply().Error(err::kOutOfRange);
  Server& s = c.server();
  c.reply().Ok();
  s.SignalModifiedKey(c.db(), args[1]);
  s.NotifyKeyspaceEvent(kNotifyList, "lset", args[1], c.db_index());
  s.dirty++;
}

void CmdLTrim(Client& c, CmdArgs args) {
  int64_t start, end;
  if (!ParseInt64Arg(c, args[2], &start) || !ParseInt64Arg(c, args[3], &end)) return;
  Entry* e;
  if (!LookupList(c, args[1], true, &e)) return;
  if (!e) return c.reply().Ok();
  Quicklist* ql = Ql(e);
  int64_t llen = int64_t(ql->Count());
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  int64_t ltrim, rtrim;
  if (start > end || start >= llen) {
    ltrim = llen;  // everything goes
    rtrim = 0;
  } else {
    if (end >= llen) end = llen - 1;
    ltrim = start;
    rtrim = llen - end - 1;
  }
  ql->DelRange(0, ltrim);
  ql->DelRange(-rtrim, rtrim);
  Server& s = c.server();
  int dbid = c.db_index();
  s.NotifyKeyspaceEvent(kNotifyList, "ltrim", args[1], dbid);
  if (ql->Count() == 0) {
    c.db().Delete(args[1]);
    s.NotifyKeyspaceEvent(kNotifyGeneric, "del", args[1], dbid);
  }
  s.SignalModifiedKey(c.db(), args[1]);
  s.dirty += ltrim + rtrim;
  c.reply().Ok();
}

void CmdLRem(Client& c, CmdArgs args) {
  int64_t toremove;
  if (!ParseInt64Arg(c, args[2], &toremove)) return;
  Entry* e;
  if (!LookupList(c, args[1], true, &e)) return;
  if (!e) return c.reply().Integer(0);
  Quicklist* ql = Ql(e);
  Server& s = c.server();
  bool forward = toremove >= 0;
  uint64_t limit = forward ? uint64_t(toremove) : 0 - uint64_t(toremove);
  int64_t removed = 0;
  {
    Quicklist::Iterator it = ql->GetIteratorAtIndex(forward ? 0 : -1, forward);
    Quicklist::Entry entry;
    while (it.Next(&entry)) {
      if (entry.value.Equals(args[3])) {
        ql->DelEntry(&it, &entry);
        s.dirty++;
        removed++;
        if (limit && uint64_t(removed) == limit) break;
      }
    }
  }
  int dbid = c.db_index();
  if (removed) {
    s.SignalModifiedKey(c.db(), args[1]);
    s.NotifyKeyspaceEvent(kNotifyList, "lrem", args[1], dbid);
  }
  if (ql->Count() == 0) {
    c.db().Delete(args[1]);
    s.NotifyKeyspaceEvent(kNotifyGeneric, "del", args[1], dbid);
  }
  c.reply().Integer(removed);
}

// ---- Pops ----------------------------------------------------------------------------------

void Pop(Client& c, CmdArgs args, bool head) {
  if (args.size() > 3) return ReplyWrongArity(c);
  bool hascount = args.size() == 3;
  int64_t count = 0;
  if (hascount && !ParseNonNegative(c, args[2], kPositive, &count)) return;
  Entry* e;
  if (!LookupList(c, args[1], true, &e)) return;
  if (!e) return hascount ? c.reply().NullArray() : c.reply().Null();
  if (hascount && count == 0) return c.reply().ArrayHeader(0);
  Quicklist* ql = Ql(e);
  if (!hascount) {
    ReplyValue(c, ql->Peek(head));
    ql->PopDiscard(head);
    ElementsRemoved(c, args[1], head, e, 1);
    return;
  }
  int64_t llen = int64_t(ql->Count());
  int64_t rangelen = count > llen ? llen : count;
  AddRangeReply(c, ql, head ? 0 : -rangelen, head ? rangelen - 1 : -1, !head);
  ql->DelRange(head ? 0 : -rangelen, rangelen);
  ElementsRemoved(c, args[1], head, e, rangelen);
}

void CmdLPop(Client& c, CmdArgs args) { Pop(c, args, true); }
void CmdRPop(Client& c, CmdArgs args) { Pop(c, args, false); }

// LMOVE / RPOPLPUSH and their blocking forms once the source has elements. `rewrite` names the
// non-blocking command to propagate (nullptr: the command itself).
void MoveGeneric(Client& c, CmdArgs args, bool from_head, bool to_head, const char* rewrite) {
  Entry* src;
  if (!LookupList(c, args[1], true, &src)) return;
  if (!src) return c.reply().Null();
  Entry* dst;
  if (!LookupList(c, args[2], true, &dst)) return;
  Quicklist* sql = Ql(src);
  // Copied out: the push may go to the same list.
  char buf[32];
  std::string value(sql->Peek(from_head).AsString(buf));
  sql->PopDiscard(from_head);
  MoveHandlePush(c, args[2], dst, value, to_head);
  Server& s = c.server();
  int dbid = c.db_index();
  s.NotifyKeyspaceEvent(kNotifyList, from_head ? "lpop" : "rpop", args[1], dbid);
  if (sql->Count() == 0) {
    c.db().Delete(args[1]);
    s.NotifyKeyspaceEvent(kNotifyGeneric, "del", args[1], dbid);
  }
  s.SignalModifiedKey(c.db(), args[1]);
  s.dirty++;
  if (rewrite) {
    std::string cmd(rewrite);
    if (cmd == "LMOVE") {
      // Served after blocking, Redis spells the directions itself; otherwise it keeps the
      // client's arguments.
      bool served = s.blocking().reexecuting();
      c.RewritePropagation({cmd, std::string(args[1]), std::string(args[2]),
                            served ? (from_head ? "left" : "right") : std::string(args[3]),
                            served ? (to_head ? "left" : "right") : std::string(args[4])});
    } else {
      c.RewritePropagation({cmd, std::string(args[1]), std::string(args[2])});
    }
  }
}

void CmdLMove(Client& c, CmdArgs args) {
  bool from_head, to_head;
  if (!ParseWhere(c, args[3], &from_head) || !ParseWhere(c, args[4], &to_head)) return;
  MoveGeneric(c, args, from_head, to_head, nullptr);
}

void CmdRPopLPush(Client& c, CmdArgs args) { MoveGeneric(c, args, false, true, nullptr); }

// Pops from the first non-empty list among `keys` (LMPOP) and replies [key, [elements]], or a
// null array. Propagated as [LR]POP key count.
void MPopGeneric(Client& c, CmdArgs keys, bool head, int64_t count) {
  for (std::string_view key : keys) {
    Entry* e;
    if (!LookupList(c, key, true, &e)) return;
    if (!e || Ql(e)->Count() == 0) continue;
    int64_t llen = int64_t(Ql(e)->Count());
    PopRangeWithKey(c, e, key, head, count);
    c.RewritePropagation(
        {head ? "LPOP" : "RPOP", std::string(key), std::to_string(count > llen ? llen : count)});
    return;
  }
  c.reply().NullArray();
}

// BLPOP / BRPOP (count == -1: single element) and BLMPOP (count > 0).
void BlockingPopGeneric(Client& c, CmdArgs keys, bool head, std::string_view timeout_arg,
                        int64_t count) {
  int64_t deadline;
  if (!ParseBlockTimeout(c, timeout_arg, &deadline)) return;
  BlockingKeys& bk = c.server().blocking();
  bool reexec = bk.reexecuting();
  std::string_view serving = bk.serving_key();
  for (std::string_view key : keys) {
    // Served from the key that became ready only.
    if (reexec && key != serving) continue;
    Entry* e = c.server().LookupWrite(c, key);
    if (!e) continue;
    if (e->type() != ObjType::kList) {
      if (reexec) continue;  // replaced by another type: keep waiting
      return c.reply().Error(err::kWrongType);
    }
    Quicklist* ql = Ql(e);
    int64_t llen = int64_t(ql->Count());
    if (llen == 0) continue;
    if (count != -1) {
      PopRangeWithKey(c, e, key, head, count);
      c.RewritePropagation(
          {head ? "LPOP" : "RPOP", std::string(key), std::to_string(count > llen ? llen : count)});
      return;
    }
    c.reply().ArrayHeader(2);
    c.reply().Bulk(key);
    ReplyValue(c, ql->Peek(head));
    ql->PopDiscard(head);
    ElementsRemoved(c, key, head, e, 1);
    c.RewritePropagation({head ? "LPOP" : "RPOP", std::string(key)});
    return;
  }
  if (MustNotBlock(c)) return c.reply().NullArray();
  std::vector<std::string_view> wait(keys.begin(), keys.end());
  bk.Block(c, wait, deadline, BlockingKeys::TimeoutReply::kNullArray);
}

void CmdBLPop(Client& c, CmdArgs args) {
  BlockingPopGeneric(c, args.subspan(1, args.size() - 2), true, args.back(), -1);
}

void CmdBRPop(Client& c, CmdArgs args) {
  BlockingPopGeneric(c, args.subspan(1, args.size() - 2), false, args.back(), -1);
}

void BlockingMoveGeneric(Client& c, CmdArgs args, bool from_head, bool to_head,
                         std::string_view timeout_arg, const char* rewrite) {
  int64_t deadline;
  if (!ParseBlockTimeout(c, timeout_arg, &deadline)) return;
  BlockingKeys& bk = c.server().blocking();
  Entry* src = c.server().LookupWrite(c, args[1]);
  if (src && src->type() != ObjType::kList) {
    if (!bk.reexecuting()) return c.reply().Error(err::kWrongType);
    src = nullptr;  // replaced by another type while we waited: keep waiting
  }
  if (!src) {
    if (MustNotBlock(c)) return c.reply().Null();
    bk.Block(c, {args[1]}, deadline, BlockingKeys::TimeoutReply::kNullArray);
    return;
  }
  MoveGeneric(c, args, from_head, to_head, rewrite);
}

void CmdBLMove(Client& c, CmdArgs args) {
  bool from_head, to_head;
  if (!ParseWhere(c, args[3], &from_head) || !ParseWhere(c, args[4], &to_head)) return;
  BlockingMoveGeneric(c, args, from_head, to_head, args[5], "LMOVE");
}

void CmdBRPopLPush(Client& c, CmdArgs args) {
  BlockingMoveGeneric(c, args, false, true, args[3], "RPOPLPUSH");
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]; BLMPOP timeout numkeys ...
void MPopCommand(Client& c, CmdArgs args, size_t numkeys_idx, bool blocking) {
  int64_t numkeys;
  if (!StringToInt64(args[numkeys_idx], &numkeys) || numkeys < 1) {
    return c.reply().Error("numkeys should be greater than 0");
  }
  if (uint64_t(numkeys) >= args.size() - numkeys_idx - 1) return c.reply().Error(err::kSyntax);
  size_t where_idx = numkeys_idx + size_t(numkeys) + 1;
  bool head;
  if (!ParseWhere(c, args[where_idx], &head)) return;
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < args.size(); j++) {
    bool moreargs = j + 1 < args.size();
    if (count == -1 && EqualsIgnoreCase(args[j], "count") && moreargs) {
      j++;
      if (!StringToInt64(args[j], &count) || count < 1) {
        return c.reply().Error("count should be greater than 0");
      }
    } else {
      return c.reply().Error(err::kSyntax);
    }
  }
  if (count == -1) count = 1;
  CmdArgs keys = args.subspan(numkeys_idx + 1, size_t(numkeys));
  if (blocking) {
    BlockingPopGeneric(c, keys, head, args[1], count);
  } else {
    MPopGeneric(c, keys, head, count);
  }
}

void CmdLMPop(Client& c, CmdArgs args) { MPopCommand(c, args, 1, false); }
void CmdBLMPop(Client& c, CmdArgs args) { MPopCommand(c, args, 2, true); }

// ---- Value hooks ---------------------------------------------------------------------------

void FreeListValue(void* ptr, Encoding) { delete static_cast<Quicklist*>(ptr); }

void* CloneListValue(const void* ptr, Encoding) {
  return static_cast<const Quicklist*>(ptr)->Dup();
}

size_t ListValueBytes(const void* ptr, Encoding) {
  return static_cast<const Quicklist*>(ptr)->Bytes();
}

}  // namespace

void RegisterListFamily(CommandTable* t) {
  RegisterValueDestructor(ObjType::kList, FreeListValue);
  RegisterValueCloner(ObjType::kList, CloneListValue);
  RegisterValueSizer(ObjType::kList, ListValueBytes);

  t->Register("lpush", CmdLPush);
  t->Register("rpush", CmdRPush);
  t->Register("lpushx", CmdLPushX);
  t->Register("rpushx", CmdRPushX);
  t->Register("linsert", CmdLInsert);
  t->Register("llen", CmdLLen);
  t->Register("lindex", CmdLIndex);
  t->Register("lrange", CmdLRange);
  t->Register("lpos", CmdLPos);
  t->Register("lset", CmdLSet);
  t->Register("ltrim", CmdLTrim);
  t->Register("lrem", CmdLRem);
  t->Register("lpop", CmdLPop);
  t->Register("rpop", CmdRPop);
  t->Register("lmove", CmdLMove);
  t->Register("rpoplpush", CmdRPopLPush);
  t->Register("lmpop", CmdLMPop);
  t->Register("blpop", CmdBLPop);
  t->Register("brpop", CmdBRPop);
  t->Register("blmove", CmdBLMove);
  t->Register("brpoplpush", CmdBRPopLPush);
  t->Register("blmpop", CmdBLMPop);
}

}  // namespace ember
