// Stream commands: XADD, XLEN, XRANGE/XREVRANGE, XDEL, XTRIM, XREAD, consumer groups (XGROUP,
// XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM), XINFO and XSETID.
//
// Values are common/storage/stream.h Streams (OBJECT ENCODING "stream"). Node sizes follow
// stream-node-max-bytes / stream-node-max-entries as read at each XADD.
//
// Blocking (XREAD / XREADGROUP BLOCK): a read that finds nothing blocks on all its keys with
// the command's arguments, "$" IDs replaced by the last ID they stood for, so that re-executing
// the command (blocking().reexecuting()) serves only what arrived after. A re-executed command
// looks at blocking().serving_key() only, as Redis serves a blocked client from the key that
// became ready: XREAD keeps waiting unless that key is a stream with newer entries; XREADGROUP
// also fails when the key is gone or no longer a stream (-UNBLOCKED) or the group was
// destroyed (-NOGROUP).
//
// Propagation follows Redis: XADD propagates the ID it generated (and MAXLEN/MINID "~" as an
// exact "=" trim to what it kept); XREADGROUP, XCLAIM and XAUTOCLAIM propagate their effects as
// XCLAIM ... FORCE JUSTID LASTID, XGROUP SETID and XGROUP CREATECONSUMER commands instead of
// themselves.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/storage/entry.h"
#include "common/storage/stream.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/blocking.h"
#include "server/client.h"
#include "server/command.h"
#include "server/families/families.h"
#include "server/families/value_copy.h"
#include "server/scripting/script.h"
#include "server/server.h"

namespace ember {
namespace {

constexpr std::string_view kInvalidId = "Invalid stream ID specified as stream command argument";
constexpr std::string_view kNoSuchKey = "no such key";
// XREAD BLOCK without COUNT, once served after blocking, returns at most this many entries.
constexpr size_t kBlockedDefaultCount = 1000;

// Reply flags of ReplyWithRange (Redis's STREAM_RWR_*).
enum RangeFlags : int {
  kNoAck = 1 << 0,       // don't create PEL entries
  kRawEntries = 1 << 1,  // no array header around the entries
  kHistory = 1 << 2,     // serve the consumer's own PEL
};

// Where XREADGROUP / XCLAIM propagate their effects.
struct PropInfo {
  std::string_view key;
  std::string_view group;
};

// Small arrays that live on the stack for the common case (a handful of IDs or keys).
template <typename T, size_t N>
class SmallBuf {
 public:
  explicit SmallBuf(size_t n) : p_(inline_) {
    if (n > N) {
      heap_.resize(n);
      p_ = heap_.data();
    }
  }
  T& operator[](size_t i) { return p_[i]; }

 private:
  T inline_[N];
  std::vector<T> heap_;
  T* p_;
};

Stream* St(const Entry* e) { return static_cast<Stream*>(e->v.ptr); }

// Looks `key` up; replies WRONGTYPE and returns false if it holds another type.
bool LookupStream(Client& c, std::string_view key, bool write, Entry** e) {
  Server& s = c.server();
  *e = write ? s.LookupWrite(c, key) : s.LookupRead(c, key);
  if (*e && (*e)->type() != ObjType::kStream) {
    c.reply().Error(err::kWrongType);
    return false;
  }
  return true;
}

Entry* CreateStream(Client& c, std::string_view key) {
  Entry* e = Entry::NewObject(key, ObjType::kStream, Encoding::kStream, new Stream);
  c.db().Add(e);
  return e;
}

int64_t ConfigInt(Server& s, std::string_view name, int64_t def) {
  int64_t v;
  return StringToInt64(s.config().GetOne(name), &v) ? v : def;
}

Stream::NodeLimits GetLimits(Server& s) {
  Stream::NodeLimits l;
  l.max_bytes = ConfigInt(s, "stream-node-max-bytes", 4096);
  l.max_entries = ConfigInt(s, "stream-node-max-entries", 100);
  return l;
}

void ReplyID(Client& c, const StreamID& id) {
  char buf[StreamID::kMaxChars];
  c.reply().Bulk(std::string_view(buf, id.Format(buf)));
}

// Parses an ID argument, replying Redis's error if it is not one.
bool ParseID(Client& c, std::string_view arg, StreamID* id, uint64_t missing_seq, bool strict,
             bool* seq_given = nullptr) {
  if (ParseStreamID(arg, id, missing_seq, strict, seq_given)) return true;
  c.reply().Error(kInvalidId);
  return false;
}

// A range bound: "(" makes it exclusive (and then "-" / "+" are not accepted).
bool ParseIntervalID(Client& c, std::string_view arg, StreamID* id, bool* exclude,
                     uint64_t missing_seq) {
  *exclude = arg.size() > 1 && arg[0] == '(';
  if (*exclude) return ParseID(c, arg.substr(1), id, missing_seq, true);
  return ParseID(c, arg, id, missing_seq, false);
}

// Range start / end with the exclusive forms applied.
bool ParseRangeStart(Client& c, std::string_view arg, StreamID* id) {
  bool ex;
  if (!ParseIntervalID(c, arg, id, &ex, 0)) return false;
  if (ex && !id->Incr()) {
    c.reply().Error("invalid start ID for the interval");
    return false;
  }
  return true;
}

bool ParseRangeEnd(Client& c, std::string_view arg, StreamID* id) {
  bool ex;
  if (!ParseIntervalID(c, arg, id, &ex, UINT64_MAX)) return false;
  if (ex && !id->Decr()) {
    c.reply().Error("invalid end ID for the interval");
    return false;
  }
  return true;
}

bool ParseLongLong(Client& c, std::string_view arg, int64_t* v,
                   std::string_view msg = err::kNotInt) {
  if (StringToInt64(arg, v)) return true;
  c.reply().Error(msg);
  return false;
}

void ReplySubcommandSyntaxError(Client& c, CmdArgs args) {
  std::string msg = "unknown subcommand or wrong number of arguments for '";
  msg.append(args[1].substr(0, 128));
  msg.append("'. Try ");
  msg.append(ToUpper(args[0]));
  msg.append(" HELP.");
  c.reply().Error(msg);
}

void ReplyHelp(Client& c, CmdArgs args, std::initializer_list<std::string_view> lines) {
  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(lines.size()) + 3);
  r.SimpleString(ToUpper(args[0]) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (std::string_view l : lines) r.SimpleString(l);
  r.SimpleString("HELP");
  r.SimpleString("    Prints this help.");
}

bool InScript(Client& c) {
  scripting::RunContext* run = scripting::CurrentRun(c.server());
  return run && run->client == &c;
}

// ---- Propagation -------------------------------------------------------------------------

// XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n> FORCE JUSTID LASTID <id>:
// recreates the PEL entry on replicas whatever their state.
void PropagateXClaim(Client& c, std::string_view key, const StreamCG* group,
                     std::string_view groupname, std::string_view id, const StreamNack* nack) {
  c.server().AlsoPropagate(
      c.db_index(), {"XCLAIM", std::string(key), std::string(groupname),
                     nack->consumer ? nack->consumer->name : std::string(), "0", std::string(id),
                     "TIME", Int64ToString(nack->delivery_time), "RETRYCOUNT",
                     Int64ToString(int64_t(nack->delivery_count)), "FORCE", "JUSTID", "LASTID",
                     group->last_id.ToString()});
}

// XGROUP SETID <key> <group> <last id> ENTRIESREAD <n> (after a NOACK read or XCLAIM LASTID).
void PropagateGroupID(Client& c, std::string_view key, const StreamCG* group,
                      std::string_view groupname) {
  c.server().AlsoPropagate(
      c.db_index(), {"XGROUP", "SETID", std::string(key), std::string(groupname),
                     group->last_id.ToString(), "ENTRIESREAD", Int64ToString(group->entries_read)});
}

// XGROUP CREATECONSUMER, for consumers created by a NOACK read (nothing else creates them on
// replicas).
void PropagateConsumerCreation(Client& c, std::string_view key, std::string_view groupname,
                               std::string_view consumer) {
  c.server().AlsoPropagate(c.db_index(), {"XGROUP", "CREATECONSUMER", std::string(key),
                                          std::string(groupname), std::string(consumer)});
}

// Creates a consumer with the effects Redis gives it (dirty, keyspace event). nullptr if it
// exists.
StreamConsumer* CreateConsumer(Client& c, StreamCG* group, std::string_view name,
                               std::string_view key) {
  StreamConsumer* consumer = group->CreateConsumer(name, NowMs());
  if (!consumer) return nullptr;
  Server& s = c.server();
  s.dirty++;
  s.NotifyKeyspaceEvent(kNotifyStream, "xgroup-createconsumer", key, c.db_index());
  return consumer;
}

// The consumer, its seen time refreshed, created if missing.
StreamConsumer* LookupOrCreateConsumer(Client& c, StreamCG* group, std::string_view name,
                                       std::string_view key, bool* created) {
  *created = false;
  if (StreamConsumer* consumer = group->FindConsumer(name)) {
    consumer->seen_time = NowMs();
    return consumer;
  }
  *created = true;
  return CreateConsumer(c, group, name, key);
}

// ---- Replies -----------------------------------------------------------------------------

size_t ReplyWithRange(Client& c, Stream* s, const StreamID* start, const StreamID* end,
                      size_t count, bool rev, StreamCG* group, StreamConsumer* consumer, int flags,
                      const PropInfo* spi);

// XREADGROUP with an ID other than ">": the entries of the consumer's own PEL from `start`
// (entries deleted since are reported as [id, nil]).
size_t ReplyFromConsumerPel(Client& c, Stream* s, const StreamID& start, size_t count,
                            StreamConsumer* consumer) {
  ReplyBuilder& r = c.reply();
  size_t handle = r.DeferredLength();
  size_t n = 0;
  int64_t now = NowMs();
  for (auto it = consumer->pel.lower_bound(start);
       it != consumer->pel.end() && (!count || n < count); ++it) {
    const StreamID& id = it->first;
    if (ReplyWithRange(c, s, &id, &id, 1, false, nullptr, nullptr, kRawEntries, nullptr) == 0) {
      r.ArrayHeader(2);
      ReplyID(c, id);
      r.NullArray();
    } else {
      it->second->delivery_time = now;
      it->second->delivery_count++;
    }
    n++;
  }
  r.SetDeferredArrayLength(handle, int64_t(n));
  return n;
}

// Replies the entries in [start, end] (null end = to the last), at most `count` (0 = all),
// as [[id, [field, value, ...]], ...]. With a group and consumer, delivers them: advances the
// group's last ID and read counter, and (unless kNoAck) records them in the PELs, propagating
// each delivery as XCLAIM when `spi` is given. Returns the number of entries.
size_t ReplyWithRange(Client& c, Stream* s, const StreamID* start, const StreamID* end,
                      size_t count, bool rev, StreamCG* group, StreamConsumer* consumer, int flags,
                      const PropInfo* spi) {
  if (group && (flags & kHistory)) return ReplyFromConsumerPel(c, s, *start, count, consumer);
  ReplyBuilder& r = c.reply();
  bool raw = flags & kRawEntries;
  bool noack = flags & kNoAck;
  size_t handle = raw ? 0 : r.DeferredLength();
  bool propagate_last_id = false;
  int64_t now = group ? NowMs() : 0;
  size_t n = 0;
  Stream::Iterator it(s, start, end, rev);
  StreamID id;
  int64_t numfields;
  char idbuf[StreamID::kMaxChars];
  while (it.Next(&id, &numfields)) {
    if (group && id > group->last_id) {
      if (group->entries_read != StreamCG::kInvalidEntriesRead &&
          !s->RangeHasTombstones(&id, nullptr)) {
        group->entries_read++;
      } else if (s->entries_added) {
        group->entries_read = s->EstimateDistanceFromFirstEverEntry(id);
      }
      group->last_id = id;
      if (noack) propagate_last_id = true;
    }
    r.ArrayHeader(2);
    std::string_view idstr(idbuf, id.Format(idbuf));
    r.Bulk(idstr);
    r.ArrayHeader(numfields * 2);
    while (numfields--) {
      std::string_view f, v;
      it.Field(&f, &v);
      r.Bulk(f);
      r.Bulk(v);
    }
    if (group && !noack) {
      auto [pit, inserted] = group->pel.try_emplace(id, nullptr);
      StreamNack* nack;
      if (inserted) {
        nack = new StreamNack;
        nack->delivery_time = now;
        nack->consumer = consumer;
        pit->second = nack;
      } else {
        // Already pending (XGROUP SETID moved the group back): reassign it.
        nack = pit->second;
        if (nack->consumer) nack->consumer->pel.erase(id);
        nack->consumer = consumer;
        nack->delivery_time = now;
        nack->delivery_count = 1;
      }
      consumer->pel.emplace(id, nack);
      if (spi) PropagateXClaim(c, spi->key, group, spi->group, idstr, nack);
    }
    n++;
    if (count && count == n) break;
  }
  if (spi && propagate_last_id) PropagateGroupID(c, spi->key, group, spi->group);
  if (!raw) r.SetDeferredArrayLength(handle, int64_t(n));
  return n;
}

// ---- XADD / XTRIM ------------------------------------------------------------------------

struct AddTrimArgs {
  StreamID id;
  bool id_given = false;
  bool seq_given = false;
  bool no_mkstream = false;
  Stream::TrimArgs trim;
  size_t trim_arg_idx = 0;  // the MAXLEN count / MINID id argument
};

// Options of XADD and XTRIM. For XADD returns the index of the ID argument; -1 after an
// error reply.
int64_t ParseAddTrimArgs(Client& c, CmdArgs args, bool xadd, AddTrimArgs* a) {
  constexpr std::string_view kBoth =
      "syntax error, MAXLEN and MINID options at the same time are not compatible";
  size_t argc = args.size();
  size_t i = 2;
  bool limit_given = false;
  for (; i < argc; i++) {
    size_t moreargs = argc - 1 - i;
    std::string_view opt = args[i];
    if (xadd && opt == "*") {
      break;
    } else if (EqualsIgnoreCase(opt, "maxlen") && moreargs) {
      if (a->trim.strategy != Stream::TrimStrategy::kNone) {
        c.reply().Error(kBoth);
        return -1;
      }
      a->trim.approx = false;
      std::string_view next = args[i + 1];
      if (moreargs >= 2 && next == "~") {
        a->trim.approx = true;
        i++;
      } else if (moreargs >= 2 && next == "=") {
        i++;
      }
      if (!ParseLongLong(c, args[i + 1], &a->trim.maxlen)) return -1;
      if (a->trim.maxlen < 0) {
        c.reply().Error("The MAXLEN argument must be >= 0.");
        return -1;
      }
      i++;
      a->trim.strategy = Stream::TrimStrategy::kMaxLen;
      a->trim_arg_idx = i;
    } else if (EqualsIgnoreCase(opt, "minid") && moreargs) {
      if (a->trim.strategy != Stream::TrimStrategy::kNone) {
        c.reply().Error(kBoth);
        return -1;
      }
      a->trim.approx = false;
      std::string_view next = args[i + 1];
      if (moreargs >= 2 && next == "~") {
        a->trim.approx = true;
        i++;
      } else if (moreargs >= 2 && next == "=") {
        i++;
      }
      if (!ParseID(c, args[i + 1], &a->trim.minid, 0, true)) return -1;
      i++;
      a->trim.strategy = Stream::TrimStrategy::kMinId;
      a->trim_arg_idx = i;
    } else if (EqualsIgnoreCase(opt, "limit") && moreargs) {
      if (!ParseLongLong(c, args[i + 1], &a->trim.limit)) return -1;
      if (a->trim.limit < 0) {
        c.reply().Error("The LIMIT argument must be >= 0.");
        return -1;
      }
      limit_given = true;
      i++;
    } else if (xadd && EqualsIgnoreCase(opt, "nomkstream")) {
      a->no_mkstream = true;
    } else if (xadd) {
      // The ID (or a syntax error).
      if (!ParseID(c, opt, &a->id, 0, true, &a->seq_given)) return -1;
      a->id_given = true;
      break;
    } else {
      c.reply().Error(err::kSyntax);
      return -1;
    }
  }

  if (a->trim.limit && a->trim.strategy == Stream::TrimStrategy::kNone) {
    c.reply().Error("syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return -1;
  }
  if (!xadd && a->trim.strategy == Stream::TrimStrategy::kNone) {
    c.reply().Error("syntax error, XTRIM must be called with a trimming strategy");
    return -1;
  }
  if (c.has(kClientMaster)) {
    // The master already rewrote the trim to be exact.
    a->trim.limit = 0;
  } else if (limit_given) {
    if (!a->trim.approx) {
      c.reply().Error("syntax error, LIMIT cannot be used without the special ~ option");
      return -1;
    }
  } else if (a->trim.approx) {
    // At most 100 nodes' worth of work per call.
    int64_t max_entries = ConfigInt(c.server(), "stream-node-max-entries", 100);
    if (max_entries <= 0) {
      a->trim.limit = 10000;
    } else if (max_entries > 10000) {
      a->trim.limit = 1000000;
    } else {
      a->trim.limit = 100 * max_entries;
    }
  } else {
    a->trim.limit = 0;
  }
  return int64_t(i);
}

// After an approximate trim, replicas get "= <what was kept>" so that they trim the same.
void RewriteTrimArgs(Stream* s, const AddTrimArgs& a, std::vector<std::string>* argv) {
  (*argv)[a.trim_arg_idx - 1] = "=";
  if (a.trim.strategy == Stream::TrimStrategy::kMaxLen) {
    (*argv)[a.trim_arg_idx] = std::to_string(s->length);
  } else {
    (*argv)[a.trim_arg_idx] = s->EdgeID(true, false).ToString();
  }
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ...
void CmdXAdd(Client& c, CmdArgs args) {
  Server& srv = c.server();
  AddTrimArgs a;
  int64_t idpos = ParseAddTrimArgs(c, args, true, &a);
  if (idpos < 0) return;
  size_t field_pos = size_t(idpos) + 1;
  if (field_pos > args.size() || args.size() - field_pos < 2 ||
      (args.size() - field_pos) % 2 == 1) {
    return ReplyWrongArity(c);
  }
  // Checked before the key is created, so that a failing XADD leaves no empty stream.
  if (a.id_given && a.seq_given && a.id.IsZero()) {
    return c.reply().Error("The ID specified in XADD must be greater than 0-0");
  }
  std::string_view key = args[1];
  Entry* e;
  if (!LookupStream(c, key, true, &e)) return;
  if (!e) {
    if (a.no_mkstream) return c.reply().Null();
    e = CreateStream(c, key);
  }
  Stream* s = St(e);
  if (s->last_id == StreamID::Max()) {
    return c.reply().Error(
        "The stream has exhausted the last possible ID, unable to add more items");
  }
  StreamID id;
  Stream::AppendResult res = s->Append(args.subspan(field_pos), a.id_given ? &a.id : nullptr,
                                       a.seq_given, NowMs(), GetLimits(srv), &id);
  if (res == Stream::AppendResult::kTooLarge) {
    return c.reply().Error("Elements are too large to be stored");
  }
  if (res != Stream::AppendResult::kOk) {
    return c.reply().Error(
        "The ID specified in XADD is equal or smaller than the target stream top item");
  }
  char idbuf[StreamID::kMaxChars];
  std::string_view idstr(idbuf, id.Format(idbuf));
  c.reply().Bulk(idstr);

  srv.SignalModifiedKey(c.db(), key);
  srv.NotifyKeyspaceEvent(kNotifyStream, "xadd", key, c.db_index());
  srv.dirty++;

  bool rewrite_trim = false;
  if (a.trim.strategy != Stream::TrimStrategy::kNone) {
    if (s->Trim(a.trim)) srv.NotifyKeyspaceEvent(kNotifyStream, "xtrim", key, c.db_index());
    rewrite_trim = a.trim.approx;
  }
  bool rewrite_id = !a.id_given || !a.seq_given;
  if (rewrite_trim || rewrite_id) {
    std::vector<std::string> argv(args.begin(), args.end());
    if (rewrite_trim) RewriteTrimArgs(s, a, &argv);
    if (rewrite_id) argv[size_t(idpos)] = std::string(idstr);
    c.RewritePropagation(std::move(argv));
  }
  srv.blocking().SignalKeyReady(c.db_index(), key);
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
void CmdXTrim(Client& c, CmdArgs args) {
  Server& srv = c.server();
  AddTrimArgs a;
  if (ParseAddTrimArgs(c, args, false, &a) < 0) return;
  Entry* e;
  if (!LookupStream(c, args[1], true, &e)) return;
  if (!e) return c.reply().Integer(0);
  Stream* s = St(e);
  int64_t deleted = s->Trim(a.trim);
  if (deleted) {
    srv.NotifyKeyspaceEvent(kNotifyStream, "xtrim", args[1], c.db_index());
    if (a.trim.approx) {
      std::vector<std::string> argv(args.begin(), args.end());
      RewriteTrimArgs(s, a, &argv);
      c.RewritePropagation(std::move(argv));
    }
    srv.SignalModifiedKey(c.db(), args[1]);
    srv.dirty += deleted;
  }
  c.reply().Integer(deleted);
}

// ---- XLEN / XRANGE / XDEL ----------------------------------------------------------------

void CmdXLen(Client& c, CmdArgs args) {
  Entry* e;
  if (!LookupStream(c, args[1], false, &e)) return;
  c.reply().Integer(e ? int64_t(St(e)->length) : 0);
}

// XRANGE key start end [COUNT n] / XREVRANGE key end start [COUNT n]
void RangeGeneric(Client& c, CmdArgs args, bool rev) {
  StreamID start, end;
  if (!ParseRangeStart(c, rev ? args[3] : args[2], &start)) return;
  if (!ParseRangeEnd(c, rev ? args[2] : args[3], &end)) return;
  int64_t count = -1;
  for (size_t j = 4; j < args.size(); j++) {
    size_t additional = args.size() - j - 1;
    if (EqualsIgnoreCase(args[j], "count") && additional >= 1) {
      if (!ParseLongLong(c, args[j + 1], &count)) return;
      if (count < 0) count = 0;
      j++;
    } else {
      return c.reply().Error(err::kSyntax);
    }
  }
  Entry* e;
  if (!LookupStream(c, args[1], false, &e)) return;
  if (!e) return c.reply().ArrayHeader(0);
  if (count == 0) return c.reply().NullArray();
  if (count == -1) count = 0;
  ReplyWithRange(c, St(e), &start, &end, size_t(count), rev, nullptr, nullptr, 0, nullptr);
}

void CmdXRange(Client& c, CmdArgs args) { RangeGeneric(c, args, false); }
void CmdXRevRange(Client& c, CmdArgs args) { RangeGeneric(c, args, true); }

// XDEL key id [id ...]
void CmdXDel(Client& c, CmdArgs args) {
  Server& srv = c.server();
  Entry* e;
  if (!LookupStream(c, args[1], true, &e)) return;
  if (!e) return c.reply().Integer(0);
  Stream* s = St(e);
  // All IDs are checked first: the command does all or nothing.
  size_t n = args.size() - 2;
  SmallBuf<StreamID, 8> ids(n);
  for (size_t j = 0; j < n; j++) {
    if (!ParseID(c, args[j + 2], &ids[j], 0, true)) return;
  }
  int64_t deleted = 0;
  bool first_entry = false;
  for (size_t j = 0; j < n; j++) {
    const StreamID& id = ids[j];
    if (!s->DeleteEntry(id)) continue;
    if (id == s->first_id) first_entry = true;
    if (id > s->max_deleted_entry_id) s->max_deleted_entry_id = id;
    deleted++;
  }
  if (deleted) {
    if (s->length == 0) {
      s->first_id = StreamID::Min();
    } else if (first_entry) {
      s->first_id = s->EdgeID(true, true);
    }
    srv.SignalModifiedKey(c.db(), args[1]);
    srv.NotifyKeyspaceEvent(kNotifyStream, "xdel", args[1], c.db_index());
    srv.dirty += deleted;
  }
  c.reply().Integer(deleted);
}

// ---- XREAD / XREADGROUP ------------------------------------------------------------------

// A blocked XREAD / XREADGROUP run again because `serving` became ready: serves it alone.
void ServeBlockedRead(Client& c, CmdArgs args, size_t streams_arg, size_t nstreams, size_t count,
                      bool xreadgroup, std::string_view groupname, std::string_view consumername,
                      bool noack) {
  Server& srv = c.server();
  BlockingKeys& bk = srv.blocking();
  std::string_view serving = bk.serving_key();
  auto keep_waiting = [&] { bk.Block(c, {}, 0, BlockingKeys::TimeoutReply::kNullArray); };
  size_t idx = nstreams;
  for (size_t k = 0; k < nstreams; k++) {
    if (args[streams_arg + k] == serving) {
      idx = k;
      break;
    }
  }
  if (idx == nstreams) return keep_waiting();
  std::string_view key = args[streams_arg + idx];
  Entry* e = srv.LookupReadIn(c.db(), key);
  if (!e || e->type() != ObjType::kStream) {
    if (xreadgroup) return c.reply().Error("-UNBLOCKED the stream key no longer exists");
    return keep_waiting();
  }
  Stream* s = St(e);
  StreamCG* group = nullptr;
  StreamID gt;
  if (xreadgroup) {
    group = s->FindGroup(groupname);
    if (!group) {
      return c.reply().Error(
          "-NOGROUP the consumer group this client was blocked on no longer exists");
    }
    gt = group->last_id;
  } else if (!ParseStreamID(args[streams_arg + nstreams + idx], &gt, 0, true)) {
    return keep_waiting();
  }
  if (!(s->last_id > gt)) return keep_waiting();
  StreamID start = gt;
  start.Incr();
  StreamConsumer* consumer = nullptr;
  if (group) {
    bool created;
    consumer = LookupOrCreateConsumer(c, group, consumername, key, &created);
    if (created && noack) PropagateConsumerCreation(c, key, groupname, consumername);
  }
  ReplyBuilder& r = c.reply();
  if (c.resp == 2) {
    r.ArrayHeader(1);
    r.ArrayHeader(2);
  } else {
    r.MapHeader(1);
  }
  r.Bulk(key);
  PropInfo spi{key, groupname};
  ReplyWithRange(c, s, &start, nullptr, count ? count : kBlockedDefaultCount, false, group,
                 consumer, noack ? kNoAck : 0, &spi);
}

// Blocks on the stream keys. The "$" IDs are replaced by the IDs they meant now, for when the
// command runs again.
void BlockOnStreams(Client& c, CmdArgs args, size_t streams_arg, size_t nstreams,
                    SmallBuf<StreamID, 8>& ids, int64_t timeout) {
  std::vector<std::string_view> keys(args.begin() + ptrdiff_t(streams_arg),
                                     args.begin() + ptrdiff_t(streams_arg + nstreams));
  std::vector<std::string> resolved;
  std::vector<std::pair<size_t, std::string_view>> saved;
  for (size_t k = 0; k < nstreams; k++) {
    size_t pos = streams_arg + nstreams + k;
    if (pos < c.argv.size() && c.argv[pos] == "$") saved.emplace_back(pos, c.argv[pos]);
  }
  resolved.reserve(saved.size());
  for (auto& [pos, orig] : saved) {
    resolved.push_back(ids[pos - streams_arg - nstreams].ToString());
    c.argv[pos] = resolved.back();
  }
  c.server().blocking().Block(c, keys, timeout, BlockingKeys::TimeoutReply::kNullArray);
  for (auto& [pos, orig] : saved) c.argv[pos] = orig;
}

// XREAD [COUNT n] [BLOCK ms] STREAMS key ... id ...
// XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key ... id ...
void ReadGeneric(Client& c, CmdArgs args, bool xreadgroup) {
  Server& srv = c.server();
  // The command is propagated through what it does (XCLAIM, ...), never as itself.
  c.PreventPropagation();
  int64_t timeout = -1;
  int64_t count = 0;
  size_t streams_arg = 0, nstreams = 0;
  bool noack = false;
  bool have_group = false;
  std::string_view groupname, consumername;
  for (size_t i = 1; i < args.size(); i++) {
    size_t moreargs = args.size() - i - 1;
    std::string_view o = args[i];
    if (EqualsIgnoreCase(o, "block") && moreargs) {
      if (InScript(c)) {
        return c.reply().Error(std::string(args[0]) +
                               " command is not allowed with BLOCK option from scripts");
      }
      i++;
      if (!ParseLongLong(c, args[i], &timeout, "timeout is not an integer or out of range")) {
        return;
      }
      if (timeout < 0) return c.reply().Error("timeout is negative");
      if (timeout > 0) {
        int64_t now = NowMs();
        timeout = timeout > INT64_MAX - now ? INT64_MAX : timeout + now;
      }
    } else if (EqualsIgnoreCase(o, "count") && moreargs) {
      i++;
      if (!ParseLongLong(c, args[i], &count)) return;
      if (count < 0) count = 0;
    } else if (EqualsIgnoreCase(o, "streams") && moreargs) {
      streams_arg = i + 1;
      nstreams = args.size() - streams_arg;
      if (nstreams % 2 != 0) {
        return c.reply().Error(
            "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.");
      }
      nstreams /= 2;
      break;
    } else if (EqualsIgnoreCase(o, "group") && moreargs >= 2) {
      if (!xreadgroup) {
        return c.reply().Error(
            "The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
      }
      groupname = args[i + 1];
      consumername = args[i + 2];
      have_group = true;
      i += 2;
    } else if (EqualsIgnoreCase(o, "noack")) {
      if (!xreadgroup) {
        return c.reply().Error(
            "The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
      }
      noack = true;
    } else {
      return c.reply().Error(err::kSyntax);
    }
  }
  if (streams_arg == 0) return c.reply().Error(err::kSyntax);
  if (xreadgroup && !have_group) return c.reply().Error("Missing GROUP option for XREADGROUP");

  if (srv.blocking().reexecuting()) {
    return ServeBlockedRead(c, args, streams_arg, nstreams, size_t(count), xreadgroup, groupname,
                            consumername, noack);
  }

  SmallBuf<StreamID, 8> ids(nstreams);
  SmallBuf<Entry*, 8> entries(nstreams);
  SmallBuf<StreamCG*, 8> groups(xreadgroup ? nstreams : 0);
  for (size_t k = 0; k < nstreams; k++) {
    std::string_view key = args[streams_arg + k];
    std::string_view idarg = args[streams_arg + nstreams + k];
    Entry* e;
    if (!LookupStream(c, key, false, &e)) return;
    entries[k] = e;
    if (xreadgroup) {
      StreamCG* g = e ? St(e)->FindGroup(groupname) : nullptr;
      if (!g) {
        std::string msg = "-NOGROUP No such key '";
        msg.append(key);
        msg.append("' or consumer group '");
        msg.append(groupname);
        msg.append("' in XREADGROUP with GROUP option");
        return c.reply().Error(msg);
      }
      groups[k] = g;
    }
    if (idarg == "$") {
      if (xreadgroup) {
        return c.reply().Error(
            "The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
      }
      ids[k] = e ? St(e)->last_id : StreamID::Min();
    } else if (idarg == ">") {
      if (!xreadgroup) {
        return c.reply().Error(
            "The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
            "<consumer> option.");
      }
      ids[k] = StreamID::Max();  // resolved to the group's last ID below
    } else if (!ParseID(c, idarg, &ids[k], 0, true)) {
      return;
    }
  }

  ReplyBuilder& r = c.reply();
  size_t served = 0;
  size_t handle = 0;
  for (size_t k = 0; k < nstreams; k++) {
    Entry* e = entries[k];
    if (!e) continue;
    Stream* s = St(e);
    StreamID gt = ids[k];
    bool serve = false, history = false;
    if (xreadgroup) {
      if (gt != StreamID::Max()) {
        // An explicit ID reads the consumer's history, right away.
        serve = history = true;
      } else if (s->length && s->LastValidID() > groups[k]->last_id) {
        serve = true;
        gt = groups[k]->last_id;
      }
    } else if (s->length && s->LastValidID() > gt) {
      serve = true;
    }
    if (!serve) continue;
    if (++served == 1) handle = r.DeferredLength();
    StreamID start = gt;
    start.Incr();
    std::string_view key = args[streams_arg + k];
    if (c.resp == 2) r.ArrayHeader(2);
    r.Bulk(key);
    StreamConsumer* consumer = nullptr;
    if (xreadgroup) {
      bool created;
      consumer = LookupOrCreateConsumer(c, groups[k], consumername, key, &created);
      if (created && noack) PropagateConsumerCreation(c, key, groupname, consumername);
    }
    int flags = (noack ? kNoAck : 0) | (history ? kHistory : 0);
    PropInfo spi{key, groupname};
    ReplyWithRange(c, s, &start, nullptr, size_t(count), false, xreadgroup ? groups[k] : nullptr,
                   consumer, flags, &spi);
    if (xreadgroup) srv.dirty++;
  }
  if (served) {
    if (c.resp == 2) {
      r.SetDeferredArrayLength(handle, int64_t(served));
    } else {
      r.SetDeferredMapLength(handle, int64_t(served));
    }
    return;
  }
  if (timeout != -1) {
    // Inside MULTI (or wherever a client can't block) BLOCK times out at once.
    if (c.has(kClientMulti)) return r.NullArray();
    return BlockOnStreams(c, args, streams_arg, nstreams, ids, timeout);
  }
  r.NullArray();
}

void CmdXRead(Client& c, CmdArgs args) { ReadGeneric(c, args, false); }
void CmdXReadGroup(Client& c, CmdArgs args) { ReadGeneric(c, args, true); }

// ---- XGROUP ------------------------------------------------------------------------------

// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n]
// XGROUP SETID key group id|$ [ENTRIESREAD n]
// XGROUP DESTROY key group
// XGROUP CREATECONSUMER key group consumer
// XGROUP DELCONSUMER key group consumer
// XGROUP HELP
void CmdXGroup(Client& c, CmdArgs args) {
  Server& srv = c.server();
  std::string_view opt = args[1];
  size_t argc = args.size();
  Entry* e = nullptr;
  Stream* s = nullptr;
  StreamCG* cg = nullptr;
  bool mkstream = false;
  int64_t entries_read = StreamCG::kInvalidEntriesRead;
  std::string_view grpname;

  if (argc >= 4) {
    bool create = EqualsIgnoreCase(opt, "create");
    bool setid = EqualsIgnoreCase(opt, "setid");
    size_t i = 5;
    while (i < argc) {
      if (create && EqualsIgnoreCase(args[i], "mkstream")) {
        mkstream = true;
        i++;
      } else if ((create || setid) && EqualsIgnoreCase(args[i], "entriesread") && i + 1 < argc) {
        if (!ParseLongLong(c, args[i + 1], &entries_read)) return;
        if (entries_read < 0 && entries_read != StreamCG::kInvalidEntriesRead) {
          return c.reply().Error("value for ENTRIESREAD must be positive or -1");
        }
        i += 2;
      } else {
        return ReplySubcommandSyntaxError(c, args);
      }
    }
    if (!LookupStream(c, args[2], true, &e)) return;
    if (e) s = St(e);
    grpname = args[3];
  }

  if (argc >= 4 && !mkstream) {
    if (!s) {
      return c.reply().Error(
          "The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
          "to use the MKSTREAM option to create an empty stream automatically.");
    }
    cg = s->FindGroup(grpname);
    if (!cg && (EqualsIgnoreCase(opt, "setid") || EqualsIgnoreCase(opt, "createconsumer") ||
                EqualsIgnoreCase(opt, "delconsumer"))) {
      std::string msg = "-NOGROUP No such consumer group '";
      msg.append(grpname);
      msg.append("' for key name '");
      msg.append(args[2]);
      msg.append("'");
      return c.reply().Error(msg);
    }
  }

  int dbid = c.db_index();
  if (argc == 2 && EqualsIgnoreCase(opt, "help")) {
    ReplyHelp(
        c, args,
        {"CREATE <key> <groupname> <id|$> [option]",
         "    Create a new consumer group. Options are:", "    * MKSTREAM",
         "      Create the empty stream if it does not exist.", "    * ENTRIESREAD entries_read",
         "      Set the group's entries_read counter (internal use).",
         "CREATECONSUMER <key> <groupname> <consumer>",
         "    Create a new consumer in the specified group.",
         "DELCONSUMER <key> <groupname> <consumer>", "    Remove the specified consumer.",
         "DESTROY <key> <groupname>", "    Remove the specified group.",
         "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
         "    Set the current group ID and entries_read counter."});
  } else if (EqualsIgnoreCase(opt, "create") && argc >= 5 && argc <= 8) {
    StreamID id;
    if (args[4] == "$") {
      id = s ? s->last_id : StreamID::Min();
    } else if (!ParseID(c, args[4], &id, 0, true)) {
      return;
    }
    if (!s) {
      // MKSTREAM, now that nothing can fail.
      e = CreateStream(c, args[2]);
      s = St(e);
      srv.SignalModifiedKey(c.db(), args[2]);
    }
    if (s->CreateGroup(grpname, id, entries_read)) {
      c.reply().Ok();
      srv.dirty++;
      srv.NotifyKeyspaceEvent(kNotifyStream, "xgroup-create", args[2], dbid);
    } else {
      c.reply().Error("-BUSYGROUP Consumer Group name already exists");
    }
  } else if (EqualsIgnoreCase(opt, "setid") && (argc == 5 || argc == 7)) {
    StreamID id;
    if (args[4] == "$") {
      id = s->last_id;
    } else if (!ParseID(c, args[4], &id, 0, false)) {
      return;
    }
    cg->last_id = id;
    cg->entries_read = entries_read;
    c.reply().Ok();
    srv.dirty++;
    srv.NotifyKeyspaceEvent(kNotifyStream, "xgroup-setid", args[2], dbid);
  } else if (EqualsIgnoreCase(opt, "destroy") && argc == 4) {
    if (cg) {
      s->DestroyGroup(grpname);
      c.reply().Integer(1);
      srv.dirty++;
      srv.NotifyKeyspaceEvent(kNotifyStream, "xgroup-destroy", args[2], dbid);
      // Consumers blocked on the group get -NOGROUP.
      srv.blocking().SignalKeyReady(dbid, args[2]);
    } else {
      c.reply().Integer(0);
    }
  } else if (EqualsIgnoreCase(opt, "createconsumer") && argc == 5) {
    c.reply().Integer(CreateConsumer(c, cg, args[4], args[2]) ? 1 : 0);
  } else if (EqualsIgnoreCase(opt, "delconsumer") && argc == 5) {
    int64_t pending = 0;
    if (StreamConsumer* consumer = cg->FindConsumer(args[4])) {
      pending = int64_t(consumer->pel.size());
      cg->DeleteConsumer(consumer);
      srv.dirty++;
      srv.NotifyKeyspaceEvent(kNotifyStream, "xgroup-delconsumer", args[2], dbid);
    }
    c.reply().Integer(pending);
  } else {
    ReplySubcommandSyntaxError(c, args);
  }
}

// ---- XSETID ------------------------------------------------------------------------------

// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]
void CmdXSetId(Client& c, CmdArgs args) {
  Server& srv = c.server();
  StreamID id, max_xdel_id;
  int64_t entries_added = -1;
  if (!ParseID(c, args[2], &id, 0, true)) return;
  for (size_t i = 3; i < args.size();) {
    size_t moreargs = args.size() - 1 - i;
    std::string_view opt = args[i];
    if (EqualsIgnoreCase(opt, "entriesadded") && moreargs) {
      if (!ParseLongLong(c, args[i + 1], &entries_added)) return;
      if (entries_added < 0) return c.reply().Error("entries_added must be positive");
      i += 2;
    } else if (EqualsIgnoreCase(opt, "maxdeletedid") && moreargs) {
      if (!ParseID(c, args[i + 1], &max_xdel_id, 0, true)) return;
      if (id < max_xdel_id) {
        return c.reply().Error(
            "The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
      }
      i += 2;
    } else {
      return c.reply().Error(err::kSyntax);
    }
  }
  Entry* e;
  if (!LookupStream(c, args[1], true, &e)) return;
  if (!e) return c.reply().Error(kNoSuchKey);
  Stream* s = St(e);
  if (s->length > 0) {
    if (id < s->LastValidID()) {
      return c.reply().Error(
          "The ID specified in XSETID is smaller than the target stream top item");
    }
    if (entries_added != -1 && s->length > uint64_t(entries_added)) {
      return c.reply().Error(
          "The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  s->last_id = id;
  if (entries_added != -1) s->entries_added = uint64_t(entries_added);
  if (!max_xdel_id.IsZero()) s->max_deleted_entry_id = max_xdel_id;
  c.reply().Ok();
  srv.dirty++;
  srv.NotifyKeyspaceEvent(kNotifyStream, "xsetid", args[1], c.db_index());
}

// ---- XACK / XPENDING ---------------------------------------------------------------------

// XACK key group id [id ...]
void CmdXAck(Client& c, CmdArgs args) {
  Server& srv = c.server();
  Entry* e;
  if (!LookupStream(c, args[1], false, &e)) return;
  StreamCG* group = e ? St(e)->FindGroup(args[2]) : nullptr;
  if (!group) return c.reply().Integer(0);
  size_t n = args.size() - 3;
  SmallBuf<StreamID, 8> ids(n);
  for (size_t j = 0; j < n; j++) {
    if (!ParseID(c, args[j + 3], &ids[j], 0, true)) return;
  }
  int64_t acknowledged = 0;
  for (size_t j = 0; j < n; j++) {
    auto it = group->pel.find(ids[j]);
    if (it == group->pel.end()) continue;
    group->DeleteNack(it);
    acknowledged++;
    srv.dirty++;
  }
  c.reply().Integer(acknowledged);
}

std::string NoGroupError(std::string_view key, std::string_view group) {
  std::string msg = "-NOGROUP No such key '";
  msg.append(key);
  msg.append("' or consumer group '");
  msg.append(group);
  msg.append("'");
  return msg;
}

// XPENDING key group [[IDLE min-idle] start end count [consumer]]
void CmdXPending(Client& c, CmdArgs args) {
  size_t argc = args.size();
  bool justinfo = argc == 3;
  StreamID startid, endid;
  int64_t count = 0, minidle = 0;
  std::string_view consumername;
  bool have_consumer = false;
  if (argc != 3 && (argc < 6 || argc > 9)) return c.reply().Error(err::kSyntax);
  if (argc >= 6) {
    size_t startidx = 3;
    if (EqualsIgnoreCase(args[3], "idle")) {
      if (!ParseLongLong(c, args[4], &minidle)) return;
      if (argc < 8) return c.reply().Error(err::kSyntax);
      startidx += 2;
    }
    if (!ParseLongLong(c, args[startidx + 2], &count)) return;
    if (count < 0) count = 0;
    if (!ParseRangeStart(c, args[startidx], &startid)) return;
    if (!ParseRangeEnd(c, args[startidx + 1], &endid)) return;
    if (startidx + 3 < argc) {
      consumername = args[startidx + 3];
      have_consumer = true;
    }
  }
  Entry* e;
  if (!LookupStream(c, args[1], false, &e)) return;
  StreamCG* group = e ? St(e)->FindGroup(args[2]) : nullptr;
  if (!group) return c.reply().Error(NoGroupError(args[1], args[2]));

  ReplyBuilder& r = c.reply();
  if (justinfo) {
    r.ArrayHeader(4);
    r.Integer(int64_t(group->pel.size()));
    if (group->pel.empty()) {
      r.Null();
      r.Null();
      r.NullArray();
      return;
    }
    ReplyID(c, group->pel.begin()->first);
    ReplyID(c, std::prev(group->pel.end())->first);
    int64_t with_pending = 0;
    for (const auto& [name, consumer] : group->consumers) with_pending += !consumer->pel.empty();
    r.ArrayHeader(with_pending);
    for (const auto& [name, consumer] : group->consumers) {
      if (consumer->pel.empty()) continue;
      r.ArrayHeader(2);
      r.Bulk(name);
      char buf[24];
      r.Bulk(std::string_view(buf, Int64ToChars(int64_t(consumer->pel.size()), buf)));
    }
    return;
  }
  StreamConsumer* consumer = nullptr;
  if (have_consumer) {
    consumer = group->FindConsumer(consumername);
    if (!consumer) return r.ArrayHeader(0);
  }
  const StreamPel& pel = consumer ? consumer->pel : group->pel;
  int64_t now = NowMs();
  size_t handle = r.DeferredLength();
  int64_t n = 0;
  for (auto it = pel.lower_bound(startid); count && it != pel.end() && it->first <= endid; ++it) {
    const StreamNack* nack = it->second;
    if (minidle && now - nack->delivery_time < minidle) continue;
    n++;
    count--;
    r.ArrayHeader(4);
    ReplyID(c, it->first);
    r.Bulk(nack->consumer ? std::string_view(nack->consumer->name) : std::string_view());
    int64_t elapsed = now - nack->delivery_time;
    r.Integer(elapsed < 0 ? 0 : elapsed);
    r.Integer(int64_t(nack->delivery_count));
  }
  r.SetDeferredArrayLength(handle, n);
}

// ---- XCLAIM / XAUTOCLAIM -----------------------------------------------------------------

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms-unix-time]
//        [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID id]
void CmdXClaim(Client& c, CmdArgs args) {
  Server& srv = c.server();
  Entry* e;
  if (!LookupStream(c, args[1], false, &e)) return;
  StreamCG* group = e ? St(e)->FindGroup(args[2]) : nullptr;
  if (!group) return c.reply().Error(NoGroupError(args[1], args[2]));
  Stream* s = St(e);
  int64_t minidle;
  if (!ParseLongLong(c, args[4], &minidle, "Invalid min-idle-time argument for XCLAIM")) return;
  if (minidle < 0) minidle = 0;

  // IDs until the first argument that is not one; options follow.
  size_t argc = args.size();
  SmallBuf<StreamID, 8> ids(argc - 5);
  size_t j = 5;
  for (; j < argc; j++) {
    if (!ParseStreamID(args[j], &ids[j - 5], 0, true)) break;
  }
  size_t last_id_arg = j;  // one past the last ID
  int64_t now = NowMs();
  int64_t retrycount = -1, deliverytime = -1;
  bool force = false, justid = false;
  StreamID last_id;
  for (; j < argc; j++) {
    size_t moreargs = argc - 1 - j;
    std::string_view opt = args[j];
    if (EqualsIgnoreCase(opt, "force")) {
      force = true;
    } else if (EqualsIgnoreCase(opt, "justid")) {
      justid = true;
    } else if (EqualsIgnoreCase(opt, "idle") && moreargs) {
      j++;
      if (!ParseLongLong(c, args[j], &deliverytime, "Invalid IDLE option argument for XCLAIM")) {
        return;
      }
      deliverytime = now - deliverytime;
    } else if (EqualsIgnoreCase(opt, "time") && moreargs) {
      j++;
      if (!ParseLongLong(c, args[j], &deliverytime, "Invalid TIME option argument for XCLAIM")) {
        return;
      }
    } else if (EqualsIgnoreCase(opt, "retrycount") && moreargs) {
      j++;
      if (!ParseLongLong(c, args[j], &retrycount,
                         "Invalid RETRYCOUNT option argument for XCLAIM")) {
        return;
      }
    } else if (EqualsIgnoreCase(opt, "lastid") && moreargs) {
      j++;
      if (!ParseID(c, args[j], &last_id, 0, true)) return;
    } else {
      return c.reply().Error("Unrecognized XCLAIM option '" + std::string(opt) + "'");
    }
  }
  c.PreventPropagation();

  bool propagate_last_id = false;
  if (last_id > group->last_id) {
    group->last_id = last_id;
    propagate_last_id = true;
  }
  // A bogus IDLE/TIME (negative or in the future) means now; none means now too.
  if (deliverytime < 0 || deliverytime > now) deliverytime = now;

  ReplyBuilder& r = c.reply();
  size_t handle = r.DeferredLength();
  int64_t n = 0;
  StreamConsumer* consumer = nullptr;
  std::string_view name = args[3];
  for (size_t k = 5; k < last_id_arg; k++) {
    const StreamID& id = ids[k - 5];
    auto pit = group->pel.find(id);
    if (!s->EntryExists(id)) {
      // Gone from the stream: drop it from the PEL (and tell the replicas).
      if (pit != group->pel.end()) {
        PropagateXClaim(c, args[1], group, args[2], args[k], pit->second);
        propagate_last_id = false;
        srv.dirty++;
        group->DeleteNack(pit);
      }
      continue;
    }
    if (force && pit == group->pel.end()) {
      // FORCE creates the PEL entry, owned by nobody yet.
      pit = group->pel.emplace(id, new StreamNack).first;
      pit->second->delivery_time = NowMs();
    }
    if (pit == group->pel.end()) continue;
    StreamNack* nack = pit->second;
    if (nack->consumer && minidle && now - nack->delivery_time < minidle) continue;
    if (!consumer) {
      bool created;
      consumer = LookupOrCreateConsumer(c, group, name, args[1], &created);
    }
    if (nack->consumer != consumer && nack->consumer) nack->consumer->pel.erase(id);
    nack->delivery_time = deliverytime;
    if (retrycount >= 0) {
      nack->delivery_count = uint64_t(retrycount);
    } else if (!justid) {
      nack->delivery_count++;
    }
    if (nack->consumer != consumer) {
      consumer->pel.emplace(id, nack);
      nack->consumer = consumer;
    }
    if (justid) {
      ReplyID(c, id);
    } else {
      ReplyWithRange(c, s, &id, &id, 1, false, nullptr, nullptr, kRawEntries, nullptr);
    }
    n++;
    PropagateXClaim(c, args[1], group, args[2], args[k], nack);
    propagate_last_id = false;
    srv.dirty++;
  }
  if (propagate_last_id) {
    PropagateGroupID(c, args[1], group, args[2]);
    srv.dirty++;
  }
  r.SetDeferredArrayLength(handle, n);
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
void CmdXAutoClaim(Client& c, CmdArgs args) {
  Server& srv = c.server();
  constexpr int64_t kAttemptsFactor = 10;
  int64_t minidle;
  if (!ParseLongLong(c, args[4], &minidle, "Invalid min-idle-time argument for XAUTOCLAIM")) {
    return;
  }
  if (minidle < 0) minidle = 0;
  StreamID startid;
  if (!ParseRangeStart(c, args[5], &startid)) return;
  int64_t count = 100;
  bool justid = false;
  for (size_t j = 6; j < args.size(); j++) {
    size_t moreargs = args.size() - 1 - j;
    if (EqualsIgnoreCase(args[j], "count") && moreargs) {
      constexpr int64_t kMaxCount = INT64_MAX / 16;  // LONG_MAX / max(sizeof(id), factor)
      if (!StringToInt64(args[j + 1], &count) || count < 1 || count > kMaxCount) {
        return c.reply().Error("COUNT must be > 0");
      }
      j++;
    } else if (EqualsIgnoreCase(args[j], "justid")) {
      justid = true;
    } else {
      return c.reply().Error(err::kSyntax);
    }
  }
  Entry* e;
  if (!LookupStream(c, args[1], false, &e)) return;
  StreamCG* group = e ? St(e)->FindGroup(args[2]) : nullptr;
  if (!group) return c.reply().Error(NoGroupError(args[1], args[2]));
  Stream* s = St(e);
  c.PreventPropagation();

  int64_t attempts = count * kAttemptsFactor;
  int64_t now = NowMs();
  std::string_view name = args[3];
  StreamConsumer* consumer = nullptr;
  std::vector<StreamID> claimed, deleted;
  char idbuf[StreamID::kMaxChars];
  auto it = group->pel.lower_bound(startid);
  while (attempts-- > 0 && count > 0 && it != group->pel.end()) {
    StreamID id = it->first;
    StreamNack* nack = it->second;
    std::string_view idstr(idbuf, id.Format(idbuf));
    if (!s->EntryExists(id)) {
      // Gone from the stream: drop it from the PEL and report it.
      PropagateXClaim(c, args[1], group, args[2], idstr, nack);
      srv.dirty++;
      auto next = std::next(it);
      group->DeleteNack(it);
      it = next;
      deleted.push_back(id);
      count--;
      continue;
    }
    if (minidle && now - nack->delivery_time < minidle) {
      ++it;
      continue;
    }
    if (!consumer) {
      bool created;
      consumer = LookupOrCreateConsumer(c, group, name, args[1], &created);
    }
    if (nack->consumer != consumer && nack->consumer) nack->consumer->pel.erase(id);
    nack->delivery_time = now;
    if (!justid) nack->delivery_count++;
    if (nack->consumer != consumer) {
      consumer->pel.emplace(id, nack);
      nack->consumer = consumer;
    }
    claimed.push_back(id);
    count--;
    PropagateXClaim(c, args[1], group, args[2], idstr, nack);
    srv.dirty++;
    ++it;
  }
  // The cursor for the next call: the first PEL entry not looked at.
  StreamID cursor = it == group->pel.end() ? StreamID::Min() : it->first;

  ReplyBuilder& r = c.reply();
  r.ArrayHeader(3);
  ReplyID(c, cursor);
  r.ArrayHeader(int64_t(claimed.size()));
  for (const StreamID& id : claimed) {
    if (justid) {
      ReplyID(c, id);
    } else {
      ReplyWithRange(c, s, &id, &id, 1, false, nullptr, nullptr, kRawEntries, nullptr);
    }
  }
  r.ArrayHeader(int64_t(deleted.size()));
  for (const StreamID& id : deleted) ReplyID(c, id);
}

// ---- XINFO -------------------------------------------------------------------------------

void ReplyLag(Client& c, Stream* s, const StreamCG* cg) {
  int64_t lag;
  if (!s->entries_added) {
    lag = 0;
  } else if (cg->entries_read != StreamCG::kInvalidEntriesRead &&
             !s->RangeHasTombstones(&cg->last_id, nullptr)) {
    lag = int64_t(s->entries_added) - cg->entries_read;
  } else {
    int64_t entries_read = s->EstimateDistanceFromFirstEverEntry(cg->last_id);
    if (entries_read == StreamCG::kInvalidEntriesRead) return c.reply().Null();
    lag = int64_t(s->entries_added) - entries_read;
  }
  c.reply().Integer(lag);
}

void ReplyEntriesRead(Client& c, const StreamCG* cg) {
  if (cg->entries_read != StreamCG::kInvalidEntriesRead) {
    c.reply().Integer(cg->entries_read);
  } else {
    c.reply().Null();
  }
}

// XINFO STREAM key [FULL [COUNT count]]
void XInfoStream(Client& c, CmdArgs args, Stream* s) {
  bool full = true;
  int64_t count = 10;
  size_t optc = args.size() - 3;
  if (optc == 0) {
    full = false;
  } else {
    if (optc != 1 && optc != 3) return ReplySubcommandSyntaxError(c, args);
    if (!EqualsIgnoreCase(args[3], "full")) return ReplySubcommandSyntaxError(c, args);
    if (optc == 3) {
      if (!EqualsIgnoreCase(args[4], "count")) return ReplySubcommandSyntaxError(c, args);
      if (!ParseLongLong(c, args[5], &count)) return;
      if (count < 0) count = 10;
    }
  }
  ReplyBuilder& r = c.reply();
  r.MapHeader(full ? 9 : 10);
  r.Bulk("length");
  r.Integer(int64_t(s->length));
  r.Bulk("radix-tree-keys");
  r.Integer(int64_t(s->nodes().size()));
  r.Bulk("radix-tree-nodes");
  r.Integer(int64_t(s->RadixTreeNodes()));
  r.Bulk("last-generated-id");
  ReplyID(c, s->last_id);
  r.Bulk("max-deleted-entry-id");
  ReplyID(c, s->max_deleted_entry_id);
  r.Bulk("entries-added");
  r.Integer(int64_t(s->entries_added));
  r.Bulk("recorded-first-entry-id");
  ReplyID(c, s->first_id);
  if (!full) {
    r.Bulk("groups");
    r.Integer(int64_t(s->groups().size()));
    StreamID start = StreamID::Min(), end = StreamID::Max();
    r.Bulk("first-entry");
    if (!ReplyWithRange(c, s, &start, &end, 1, false, nullptr, nullptr, kRawEntries, nullptr)) {
      r.Null();
    }
    r.Bulk("last-entry");
    if (!ReplyWithRange(c, s, &start, &end, 1, true, nullptr, nullptr, kRawEntries, nullptr)) {
      r.Null();
    }
    return;
  }
  size_t limit = size_t(count);  // 0 = everything
  r.Bulk("entries");
  ReplyWithRange(c, s, nullptr, nullptr, limit, false, nullptr, nullptr, 0, nullptr);
  r.Bulk("groups");
  r.ArrayHeader(int64_t(s->groups().size()));
  for (const auto& [name, cg] : s->groups()) {
    r.MapHeader(7);
    r.Bulk("name");
    r.Bulk(name);
    r.Bulk("last-delivered-id");
    ReplyID(c, cg->last_id);
    r.Bulk("entries-read");
    ReplyEntriesRead(c, cg);
    r.Bulk("lag");
    ReplyLag(c, s, cg);
    r.Bulk("pel-count");
    r.Integer(int64_t(cg->pel.size()));
    r.Bulk("pending");
    size_t npel = limit && limit < cg->pel.size() ? limit : cg->pel.size();
    r.ArrayHeader(int64_t(npel));
    size_t k = 0;
    for (auto it = cg->pel.begin(); k < npel; ++it, ++k) {
      r.ArrayHeader(4);
      ReplyID(c, it->first);
      const StreamNack* nack = it->second;
      r.Bulk(nack->consumer ? std::string_view(nack->consumer->name) : std::string_view());
      r.Integer(nack->delivery_time);
      r.Integer(int64_t(nack->delivery_count));
    }
    r.Bulk("consumers");
    r.ArrayHeader(int64_t(cg->consumers.size()));
    for (const auto& [cname, consumer] : cg->consumers) {
      r.MapHeader(4);
      r.Bulk("name");
      r.Bulk(cname);
      r.Bulk("seen-time");
      r.Integer(consumer->seen_time);
      r.Bulk("pel-count");
      r.Integer(int64_t(consumer->pel.size()));
      r.Bulk("pending");
      size_t ncpel = limit && limit < consumer->pel.size() ? limit : consumer->pel.size();
      r.ArrayHeader(int64_t(ncpel));
      size_t m = 0;
      for (auto it = consumer->pel.begin(); m < ncpel; ++it, ++m) {
        r.ArrayHeader(3);
        ReplyID(c, it->first);
        r.Integer(it->second->delivery_time);
        r.Integer(int64_t(it->second->delivery_count));
      }
    }
  }
}

// XINFO STREAM | GROUPS | CONSUMERS | HELP
void CmdXInfo(Client& c, CmdArgs args) {
  std::string_view opt = args[1];
  if (EqualsIgnoreCase(opt, "help")) {
    if (args.size() != 2) return ReplySubcommandSyntaxError(c, args);
    return ReplyHelp(
        c, args,
        {"CONSUMERS <key> <groupname>", "    Show consumers of <groupname>.", "GROUPS <key>",
         "    Show the stream consumer groups.", "STREAM <key> [FULL [COUNT <count>]",
         "    Show information about the stream."});
  }
  if (args.size() < 3) return ReplySubcommandSyntaxError(c, args);
  Entry* e;
  if (!LookupStream(c, args[2], false, &e)) return;
  if (!e) return c.reply().Error(kNoSuchKey);
  Stream* s = St(e);
  ReplyBuilder& r = c.reply();
  if (EqualsIgnoreCase(opt, "consumers") && args.size() == 4) {
    StreamCG* cg = s->FindGroup(args[3]);
    if (!cg) {
      std::string msg = "-NOGROUP No such consumer group '";
      msg.append(args[3]);
      msg.append("' for key name '");
      msg.append(args[2]);
      msg.append("'");
      return r.Error(msg);
    }
    int64_t now = NowMs();
    r.ArrayHeader(int64_t(cg->consumers.size()));
    for (const auto& [name, consumer] : cg->consumers) {
      int64_t idle = now - consumer->seen_time;
      r.MapHeader(3);
      r.Bulk("name");
      r.Bulk(name);
      r.Bulk("pending");
      r.Integer(int64_t(consumer->pel.size()));
      r.Bulk("idle");
      r.Integer(idle < 0 ? 0 : idle);
    }
  } else if (EqualsIgnoreCase(opt, "groups") && args.size() == 3) {
    r.ArrayHeader(int64_t(s->groups().size()));
    for (const auto& [name, cg] : s->groups()) {
      r.MapHeader(6);
      r.Bulk("name");
      r.Bulk(name);
      r.Bulk("consumers");
      r.Integer(int64_t(cg->consumers.size()));
      r.Bulk("pending");
      r.Integer(int64_t(cg->pel.size()));
      r.Bulk("last-delivered-id");
      ReplyID(c, cg->last_id);
      r.Bulk("entries-read");
      ReplyEntriesRead(c, cg);
      r.Bulk("lag");
      ReplyLag(c, s, cg);
    }
  } else if (EqualsIgnoreCase(opt, "stream")) {
    XInfoStream(c, args, s);
  } else {
    ReplySubcommandSyntaxError(c, args);
  }
}

// ---- Value hooks -------------------------------------------------------------------------

void FreeStreamValue(void* ptr, Encoding) { delete static_cast<Stream*>(ptr); }

void* CloneStreamValue(const void* ptr, Encoding) { return static_cast<const Stream*>(ptr)->Dup(); }

size_t StreamValueBytes(const void* ptr, Encoding) {
  return static_cast<const Stream*>(ptr)->Bytes();
}

}  // namespace

void RegisterStreamFamily(CommandTable* t) {
  RegisterValueDestructor(ObjType::kStream, FreeStreamValue);
  RegisterValueCloner(ObjType::kStream, CloneStreamValue);
  RegisterValueSizer(ObjType::kStream, StreamValueBytes);

  t->Register("xadd", CmdXAdd);
  t->Register("xlen", CmdXLen);
  t->Register("xrange", CmdXRange);
  t->Register("xrevrange", CmdXRevRange);
  t->Register("xdel", CmdXDel);
  t->Register("xtrim", CmdXTrim);
  t->Register("xread", CmdXRead);
  t->Register("xreadgroup", CmdXReadGroup);
  t->Register("xgroup|create", CmdXGroup);
  t->Register("xgroup|setid", CmdXGroup);
  t->Register("xgroup|destroy", CmdXGroup);
  t->Register("xgroup|createconsumer", CmdXGroup);
  t->Register("xgroup|delconsumer", CmdXGroup);
  t->Register("xgroup|help", CmdXGroup);
  t->Register("xsetid", CmdXSetId);
  t->Register("xack", CmdXAck);
  t->Register("xpending", CmdXPending);
  t->Register("xclaim", CmdXClaim);
  t->Register("xautoclaim", CmdXAutoClaim);
  t->Register("xinfo|stream", CmdXInfo);
  t->Register("xinfo|groups", CmdXInfo);
  t->Register("xinfo|consumers", CmdXInfo);
  t->Register("xinfo|help", CmdXInfo);
}

}  // namespace ember
