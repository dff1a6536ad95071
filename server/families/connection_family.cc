// Connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT, MONITOR and CLIENT with
// its subcommands, as Redis 7.0.15 replies to them.
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "common/resp/reply_builder.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/acl.h"
#include "server/client.h"
#include "server/command.h"
#include "server/families/families.h"
#include "server/pubsub.h"
#include "server/server.h"

#ifndef EMBER_REDIS_COMPAT_VERSION
#define EMBER_REDIS_COMPAT_VERSION "7.0.15"
#endif

namespace ember {
namespace {

// Error texts. A leading '-' names the error code (ReplyBuilder::Error).
constexpr std::string_view kWrongPass =
    "-WRONGPASS invalid username-password pair or user is disabled.";
constexpr std::string_view kAuthWithoutPassword =
    "ERR AUTH <password> called without any password configured for the default user. Are "
    "you sure your configuration is correct?";
constexpr std::string_view kHelloNoAuth =
    "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
    "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
    "protocol version at the same time";
constexpr std::string_view kBadClientName =
    "Client names cannot contain spaces, newlines or special characters.";
constexpr std::string_view kDbOutOfRange = "ERR DB index is out of range";

// AUTH <password> authenticates as this user.
constexpr std::string_view kDefaultUser = "default";

// Size of one reply-list node in Redis; `oll` in CLIENT LIST counts queued bytes in these.
constexpr size_t kReplyChunkBytes = 16 * 1024;

// ---- State owned by other families ----
// Subscriptions belong to the pub/sub family (server/pubsub.h) and queued commands to MULTI;
// these functions are the only places this file reads or clears them.

struct SessionCounts {
  int64_t channels = 0;
  int64_t patterns = 0;
  int64_t shard_channels = 0;
  int64_t queued = 0;         // commands queued by MULTI
  uint64_t queued_bytes = 0;  // their argument bytes
};

SessionCounts CountsOf(const Client& c) {
  SessionCounts counts;
  counts.channels = int64_t(c.pubsub_channels.size());
  counts.patterns = int64_t(c.pubsub_patterns.size());
  counts.shard_channels = int64_t(c.pubsub_shard_channels.size());
  return counts;
}

// RESET: leaves every channel, shard channel and pattern without notifying the client.
void UnsubscribeAllSilently(Client& c) { PubsubUnsubscribeAll(c); }

// ---- Clients and their description ----

enum class ClientType { kNormal, kReplica, kPubsub, kMaster };

ClientType TypeOf(const Client& c) {
  if (c.has(kClientMaster)) return ClientType::kMaster;
  // A monitor counts as a normal client.
  if (c.has(kClientReplica) && !c.has(kClientMonitor)) return ClientType::kReplica;
  if (c.has(kClientPubsub)) return ClientType::kPubsub;
  return ClientType::kNormal;
}

bool ParseClientType(std::string_view name, ClientType* type) {
  if (EqualsIgnoreCase(name, "normal")) {
    *type = ClientType::kNormal;
  } else if (EqualsIgnoreCase(name, "slave") || EqualsIgnoreCase(name, "replica")) {
    *type = ClientType::kReplica;
  } else if (EqualsIgnoreCase(name, "pubsub")) {
    *type = ClientType::kPubsub;
  } else if (EqualsIgnoreCase(name, "master")) {
    *type = ClientType::kMaster;
  } else {
    return false;
  }
  return true;
}

// "ip:port" of the peer; "<unixsocket>:0" for Unix sockets, "?:0" when unknown.
std::string PeerId(Client& c) {
  if (c.has(kClientUnixSocket)) return c.server().config().unixsocket + ":0";
  if (c.conn() == nullptr || c.conn()->peer().empty()) return "?:0";
  return c.conn()->peer();
}

// The local address the client connected to, in the same format.
std::string SockName(Client& c) {
  if (c.has(kClientUnixSocket)) return c.server().config().unixsocket + ":0";
  if (c.conn() == nullptr || c.conn()->local().empty()) return "?:0";
  return c.conn()->local();
}

Client* FindClient(Server& s, uint64_t id) {
  auto it = s.clients().find(id);
  return it == s.clients().end() ? nullptr : it->second;
}

// One CLIENT LIST line (without the newline), field by field as Redis prints it.
void AppendClientInfo(std::string* out, Client& c) {
  Server& s = c.server();

  char flags[24];
  char* p = flags;
  if (c.has(kClientReplica) || c.has(kClientMonitor)) *p++ = c.has(kClientMonitor) ? 'O' : 'S';
  if (c.has(kClientMaster)) *p++ = 'M';
  if (c.has(kClientPubsub)) *p++ = 'P';
  if (c.has(kClientMulti)) *p++ = 'x';
  if (c.has(kClientBlocked)) *p++ = 'b';
  if (c.has(kClientTracking)) *p++ = 't';
  if (c.has(kClientTrackingBrokenRedir)) *p++ = 'R';
  if (c.has(kClientTrackingBcast)) *p++ = 'B';
  if (c.has(kClientCloseAfterReply)) *p++ = 'c';
  if (c.has(kClientCloseAsap)) *p++ = 'A';
  if (c.has(kClientUnixSocket)) *p++ = 'U';
  if (c.has(kClientNoEvict)) *p++ = 'e';
  if (p == flags) *p++ = 'N';
  *p = '\0';

  char events[3];
  p = events;
  Connection* conn = c.conn();
  if (conn != nullptr && !conn->closing()) {
    if (conn->reading()) *p++ = 'r';
    if (conn->queued_bytes() > 0) *p++ = 'w';
  }
  *p = '\0';

  size_t argv_mem = 0;
  for (std::string_view a : c.argv) argv_mem += a.size();
  SessionCounts counts = CountsOf(c);
  size_t queued = conn != nullptr ? conn->queued_bytes() : 0;
  size_t reply_chunks = (queued + kReplyChunkBytes - 1) / kReplyChunkBytes;
  size_t prefix_mem = 0;
  for (const std::string& prefix : c.tracking_prefixes) prefix_mem += prefix.size();
  size_t total_mem = queued + c.query_buffer_capacity() + sizeof(Client) + c.out().capacity() +
                     argv_mem + c.argv.size() * sizeof(std::string_view) + counts.queued_bytes +
                     prefix_mem;

  int64_t now_s = NowMs() / 1000;
  // The command being executed shows as the last one, as in Redis.
  const Command* shown = (&c == s.current_client() && c.cmd != nullptr) ? c.cmd : c.last_cmd;
  std::string_view last_cmd = shown ? std::string_view(shown->fullname) : "NULL";

  fmt::format_to(std::back_inserter(*out),
                 "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} "
                 "psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} "
                 "rbs={} rbp={} obl={} oll={} omem={} tot-mem={} events={} cmd={} user={} "
                 "redir={} resp={}",
                 c.id(), PeerId(c), SockName(c), conn != nullptr ? conn->fd() : -1, c.name,
                 now_s - c.ctime_ms / 1000, now_s - c.last_interaction_ms / 1000, flags,
                 c.db_index(), counts.channels, counts.patterns, counts.shard_channels,
                 c.has(kClientMulti) ? counts.queued : -1, c.query_buffer_size(),
                 c.query_buffer_free(), argv_mem, counts.queued_bytes, c.rbuf_size,
                 std::max(c.rbuf_peak, std::min(c.out().size(), c.rbuf_size)), c.out().size(),
                 reply_chunks, queued, total_mem, events, last_cmd,
                 c.user != nullptr ? std::string_view(c.user->name) : "(superuser)",
                 c.has(kClientTracking) ? int64_t(c.tracking_redirect) : int64_t(-1), c.resp);
}

// ---- Shared pieces ----

// Redis's reply for a subcommand called with arguments it does not take.
void ReplySubcommandSyntaxError(Client& c, CmdArgs args) {
  c.reply().Error(
      fmt::format("unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
                  args[1].substr(0, 128), ToUpper(args[0])));
}

// Checks a user/password pair with the ACLs and authenticates `c` on success (a failure is
// logged in the ACL LOG and leaves the client's authentication state as it was).
bool Authenticate(Client& c, std::string_view user, std::string_view pass) {
  return c.server().acl().Authenticate(c, user, pass);
}

// Names are printable ASCII without spaces, so CLIENT LIST lines split on spaces.
// An empty name removes the name. Replies with the error and returns false if invalid.
bool SetNameOrReply(Client& c, std::string_view name) {
  for (char ch : name) {
    auto u = static_cast<unsigned char>(ch);
    if (u < '!' || u > '~') {
      c.reply().Error(kBadClientName);
      return false;
    }
  }
  c.name.assign(name);
  return true;
}

void DisableTracking(Client& c) {
  c.tracking_prefixes.clear();
  c.clear(kClientTracking | kClientTrackingBrokenRedir | kClientTrackingBcast |
          kClientTrackingOptin | kClientTrackingOptout | kClientTrackingCaching |
          kClientTrackingNoloop);
}

// ---- PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT, MONITOR ----

void CmdPing(Client& c, CmdArgs args) {
  if (args.size() > 2) return ReplyWrongArity(c);
  ReplyBuilder& r = c.reply();
  if (c.has(kClientPubsub) && c.resp == 2) {
    // A RESP2 subscriber can only read arrays.
    r.ArrayHeader(2);
    r.Bulk("pong");
    r.Bulk(args.size() == 2 ? args[1] : std::string_view());
  } else if (args.size() == 1) {
    r.SimpleString("PONG");
  } else {
    r.Bulk(args[1]);
  }
}

void CmdEcho(Client& c, CmdArgs args) { c.reply().Bulk(args[1]); }

void CmdQuit(Client& c, CmdArgs) {
  c.reply().Ok();
  c.CloseAfterReply();
}

void CmdReset(Client& c, CmdArgs) {
  if (c.has(kClientReplica) || c.has(kClientMaster)) {
    return c.reply().Error("can only reset normal client connections");
  }
  Server& s = c.server();
  if (c.has(kClientMonitor)) {
    s.monitors.erase(std::remove(s.monitors.begin(), s.monitors.end(), &c), s.monitors.end());
    c.clear(kClientMonitor);
  }
  DisableTracking(c);
  c.SelectDb(0);
  c.resp = 2;
  c.reply().set_resp(2);
  s.acl().InitClient(c);
  DiscardTransaction(c);  // as DISCARD: the queue and the WATCHed keys go
  UnsubscribeAllSilently(c);
  c.name.clear();
  // CLIENT REPLY SKIP already in effect still applies to this reply, as in Redis.
  c.clear(kClientPubsub | kClientReplyOff | kClientReplySkipNext);
  c.reply().SimpleString("RESET");
}

void CmdHello(Client& c, CmdArgs args) {
  ReplyBuilder& r = c.reply();
  int64_t version = 0;
  size_t j = 1;
  if (args.size() >= 2) {
    if (!StringToInt64(args[1], &version)) {
      return r.Error("Protocol version is not an integer or out of range");
    }
    if (version < 2 || version > 3) return r.Error("-NOPROTO unsupported protocol version");
    j = 2;
  }
  // Options take effect one by one: a later error keeps what earlier options did.
  for (; j < args.size(); j++) {
    size_t more = args.size() - 1 - j;
    if (EqualsIgnoreCase(args[j], "auth") && more >= 2) {
      c.RedactArg(int(j + 1));
      c.RedactArg(int(j + 2));
      if (!Authenticate(c, args[j + 1], args[j + 2])) return r.Error(kWrongPass);
      j += 2;
    } else if (EqualsIgnoreCase(args[j], "setname") && more >= 1) {
      if (!SetNameOrReply(c, args[j + 1])) return;
      j++;
    } else {
      return r.Error(fmt::format("Syntax error in HELLO option '{}'", args[j]));
    }
  }
  if (!c.authenticated) return r.Error(kHelloNoAuth);

  if (version != 0) {
    c.resp = int(version);
    r.set_resp(int(version));
  }
  r.MapHeader(7);
  r.Bulk("server");
  r.Bulk("redis");
  r.Bulk("version");
  r.Bulk(EMBER_REDIS_COMPAT_VERSION);
  r.Bulk("proto");
  r.Integer(c.resp);
  r.Bulk("id");
  r.Integer(int64_t(c.id()));
  r.Bulk("mode");
  r.Bulk("standalone");  // TODO(cluster): "cluster" when cluster mode is enabled
  r.Bulk("role");
  r.Bulk("master");  // TODO(replication): "replica" when replicating from a master
  r.Bulk("modules");
  r.ArrayHeader(0);
}

void CmdAuth(Client& c, CmdArgs args) {
  ReplyBuilder& r = c.reply();
  if (args.size() > 3) return r.Error(err::kSyntax);
  c.RedactArg(1);
  std::string_view user = kDefaultUser;
  std::string_view pass;
  if (args.size() == 2) {
    // The one-argument form is refused when the default user needs no password.
    if (c.server().acl().default_user()->nopass) return r.Error(kAuthWithoutPassword);
    pass = args[1];
  } else {
    user = args[1];
    pass = args[2];
    c.RedactArg(2);
  }
  if (Authenticate(c, user, pass)) {
    r.Ok();
  } else {
    r.Error(kWrongPass);
  }
}

void CmdSelect(Client& c, CmdArgs args) {
  int64_t id;
  if (!StringToInt64(args[1], &id) || id < INT_MIN || id > INT_MAX) {
    return c.reply().Error(err::kNotInt);
  }
  if (id < 0 || id >= c.server().db_count()) return c.reply().Error(kDbOutOfRange);
  c.SelectDb(int(id));
  c.reply().Ok();
}

void CmdMonitor(Client& c, CmdArgs) {
  // Inside EXEC the client expects one reply per command (Redis's "deny blocking" state).
  if (c.has(kClientMulti)) {
    return c.reply().Error("ERR MONITOR isn't allowed for DENY BLOCKING client");
  }
  // Already a monitor (or a replica): ignored, without a reply.
  if (c.has(kClientReplica) || c.has(kClientMonitor)) return;
  c.set(kClientMonitor);
  c.server().monitors.push_back(&c);
  c.reply().Ok();
}

// ---- CLIENT ----

constexpr std::string_view kClientHelp[] = {
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
};

void CmdClientHelp(Client& c, CmdArgs args) {
  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(std::size(kClientHelp)) + 3);
  r.SimpleString(
      fmt::format("{} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", ToUpper(args[0])));
  for (std::string_view line : kClientHelp) r.SimpleString(line);
  r.SimpleString("HELP");
  r.SimpleString("    Prints this help.");
}

void CmdClientId(Client& c, CmdArgs) { c.reply().Integer(int64_t(c.id())); }

void CmdClientInfo(Client& c, CmdArgs) {
  std::string text;
  AppendClientInfo(&text, c);
  text.push_back('\n');
  c.reply().Verbatim(text, "txt");
}

void CmdClientList(Client& c, CmdArgs args) {
  Server& s = c.server();
  ReplyBuilder& r = c.reply();
  std::string text;
  if (args.size() == 4 && EqualsIgnoreCase(args[2], "type")) {
    ClientType type;
    if (!ParseClientType(args[3], &type)) {
      return r.Error(fmt::format("Unknown client type '{}'", args[3]));
    }
    for (const auto& [id, cl] : s.clients()) {
      if (TypeOf(*cl) != type) continue;
      AppendClientInfo(&text, *cl);
      text.push_back('\n');
    }
  } else if (args.size() > 3 && EqualsIgnoreCase(args[2], "id")) {
    // In the order given; unknown IDs are skipped.
    for (size_t j = 3; j < args.size(); j++) {
      int64_t id;
      if (!StringToInt64(args[j], &id)) return r.Error("Invalid client ID");
      Client* cl = FindClient(s, uint64_t(id));
      if (cl == nullptr) continue;
      AppendClientInfo(&text, *cl);
      text.push_back('\n');
    }
  } else if (args.size() != 2) {
    return r.Error(err::kSyntax);
  } else {
    for (const auto& [id, cl] : s.clients()) {
      AppendClientInfo(&text, *cl);
      text.push_back('\n');
    }
  }
  r.Verbatim(text, "txt");
}

// The dispatcher drops replies while kClientReplyOff or kClientReplySkip is set after the
// command; kClientReplySkipNext turns into kClientReplySkip for the following command.
void CmdClientReply(Client& c, CmdArgs args) {
  std::string_view mode = args[2];
  if (EqualsIgnoreCase(mode, "on")) {
    c.clear(kClientReplySkip | kClientReplyOff);
    c.reply().Ok();
  } else if (EqualsIgnoreCase(mode, "off")) {
    c.set(kClientReplyOff);
  } else if (EqualsIgnoreCase(mode, "skip")) {
    if (!c.has(kClientReplyOff)) c.set(kClientReplySkipNext);
  } else {
    c.reply().Error(err::kSyntax);
  }
}

void CmdClientNoEvict(Client& c, CmdArgs args) {
  if (EqualsIgnoreCase(args[2], "on")) {
    c.set(kClientNoEvict);
  } else if (EqualsIgnoreCase(args[2], "off")) {
    c.clear(kClientNoEvict);
  } else {
    return c.reply().Error(err::kSyntax);
  }
  c.reply().Ok();
}

void CmdClientKill(Client& c, CmdArgs args) {
  Server& s = c.server();
  ReplyBuilder& r = c.reply();
  bool old_form = args.size() == 3;
  std::string_view addr, laddr;
  bool by_addr = false, by_laddr = false, by_type = false;
  ClientType type = ClientType::kNormal;
  AclUser* by_user = nullptr;
  uint64_t id = 0;
  bool skipme = true;

  if (old_form) {
    // CLIENT KILL <addr>: may kill the caller itself.
    addr = args[2];
    by_addr = true;
    skipme = false;
  } else {
    for (size_t i = 2; i < args.size(); i += 2) {
      std::string_view opt = args[i];
      if (i + 1 >= args.size()) return r.Error(err::kSyntax);
      std::string_view val = args[i + 1];
      if (EqualsIgnoreCase(opt, "id")) {
        int64_t v;
        if (!StringToInt64(val, &v) || v < 1) {
          return r.Error("client-id should be greater than 0");
        }
        id = uint64_t(v);
      } else if (EqualsIgnoreCase(opt, "type")) {
        if (!ParseClientType(val, &type)) {
          return r.Error(fmt::format("Unknown client type '{}'", val));
        }
        by_type = true;
      } else if (EqualsIgnoreCase(opt, "addr")) {
        addr = val;
        by_addr = true;
      } else if (EqualsIgnoreCase(opt, "laddr")) {
        laddr = val;
        by_laddr = true;
      } else if (EqualsIgnoreCase(opt, "user")) {
        by_user = s.acl().Find(val);
        if (by_user == nullptr) return r.Error(fmt::format("No such user '{}'", val));
      } else if (EqualsIgnoreCase(opt, "skipme")) {
        if (EqualsIgnoreCase(val, "yes")) {
          skipme = true;
        } else if (EqualsIgnoreCase(val, "no")) {
          skipme = false;
        } else {
          return r.Error(err::kSyntax);
        }
      } else {
        return r.Error(err::kSyntax);
      }
    }
  }

  int64_t killed = 0;
  bool close_self = false;
  for (const auto& [cid, cl] : s.clients()) {
    // A client already being closed is gone as far as commands can tell.
    if (cl->has(kClientCloseAsap)) continue;
    if (by_addr && PeerId(*cl) != addr) continue;
    if (by_laddr && SockName(*cl) != laddr) continue;
    if (by_type && TypeOf(*cl) != type) continue;
    if (id != 0 && cl->id() != id) continue;
    if (by_user != nullptr && cl->user != by_user) continue;
    if (cl == &c) {
      if (skipme) continue;
      close_self = true;
    } else {
      // Freed at the next safe point; it stops reading at once.
      s.FreeClientAsync(cl);
    }
    killed++;
  }

  if (old_form) {
    if (killed == 0) {
      r.Error("No such client");
    } else {
      r.Ok();
    }
  } else {
    r.Integer(killed);
  }
  // Only after the reply is queued, so the caller still receives it.
  if (close_self) c.CloseAfterReply();
}

void CmdClientUnblock(Client& c, CmdArgs args) {
  if (args.size() > 4) return ReplySubcommandSyntaxError(c, args);
  if (args.size() == 4 && !EqualsIgnoreCase(args[3], "timeout") &&
      !EqualsIgnoreCase(args[3], "error")) {
    return c.reply().Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
  }
  int64_t id;
  if (!ParseInt64Arg(c, args[2], &id)) return;
  Client* target = FindClient(c.server(), uint64_t(id));
  BlockingKeys& bk = c.server().blocking();
  if (!target || !bk.IsBlocked(*target)) return c.reply().Integer(0);
  // The target gets its timeout reply, or an error with ERROR; it then runs what it sent
  // meanwhile.
  if (args.size() == 4 && EqualsIgnoreCase(args[3], "error")) {
    bk.Unblock(*target, false, "-UNBLOCKED client unblocked via CLIENT UNBLOCK");
  } else {
    bk.Unblock(*target, true);
  }
  c.reply().Integer(1);
}

void CmdClientSetName(Client& c, CmdArgs args) {
  if (SetNameOrReply(c, args[2])) c.reply().Ok();
}

void CmdClientGetName(Client& c, CmdArgs) {
  if (c.name.empty()) {
    c.reply().Null();
  } else {
    c.reply().Bulk(c.name);
  }
}

void CmdClientUnpause(Client& c, CmdArgs) {
  c.server().UnpauseClients();
  c.reply().Ok();
}

void CmdClientPause(Client& c, CmdArgs args) {
  if (args.size() > 4) return ReplySubcommandSyntaxError(c, args);
  bool write_only = false;
  if (args.size() == 4) {
    if (EqualsIgnoreCase(args[3], "write")) {
      write_only = true;
    } else if (!EqualsIgnoreCase(args[3], "all")) {
      return c.reply().Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
    }
  }
  int64_t timeout;
  if (!ParseInt64Arg(c, args[2], &timeout, "timeout is not an integer or out of range")) return;
  if (timeout < 0) return c.reply().Error("timeout is negative");

  Server& s = c.server();
  int64_t now = NowMs();
  int64_t end = timeout > 0 ? now + timeout : 0;
  if (s.pause_end_ms != 0 && now < s.pause_end_ms) {
    // A pause in effect keeps the later end and the more restrictive mode.
    end = std::max(end, s.pause_end_ms);
    write_only = write_only && s.pause_write_only;
  }
  s.pause_end_ms = end;
  s.pause_write_only = write_only;
  c.reply().Ok();
}

// Replies with an error if a BCAST prefix overlaps one the client follows or another one given.
bool CheckPrefixesOrReply(Client& c, const std::vector<std::string_view>& prefixes) {
  auto overlap = [](std::string_view a, std::string_view b) {
    size_t n = std::min(a.size(), b.size());
    return a.substr(0, n) == b.substr(0, n);
  };
  for (size_t i = 0; i < prefixes.size(); i++) {
    for (const std::string& existing : c.tracking_prefixes) {
      if (overlap(existing, prefixes[i])) {
        c.reply().Error(fmt::format(
            "Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client "
            "must not overlap.",
            prefixes[i], existing));
        return false;
      }
    }
    for (size_t j = i + 1; j < prefixes.size(); j++) {
      if (overlap(prefixes[i], prefixes[j])) {
        c.reply().Error(fmt::format(
            "Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single "
            "client must not overlap.",
            prefixes[i], prefixes[j]));
        return false;
      }
    }
  }
  return true;
}

// CLIENT TRACKING keeps the client's tracking mode. TODO(tracking): the invalidation side
// (remembering keys read, sending invalidations on SignalModifiedKey) is not implemented yet.
void CmdClientTracking(Client& c, CmdArgs args) {
  ReplyBuilder& r = c.reply();
  int64_t redirect = 0;
  uint64_t options = 0;
  std::vector<std::string_view> prefixes;
  for (size_t j = 3; j < args.size(); j++) {
    bool more = j + 1 < args.size();
    std::string_view opt = args[j];
    if (EqualsIgnoreCase(opt, "redirect") && more) {
      j++;
      if (redirect != 0) return r.Error("ERR A client can only redirect to a single other client");
      if (!ParseInt64Arg(c, args[j], &redirect)) return;
      if (FindClient(c.server(), uint64_t(redirect)) == nullptr) {
        return r.Error("The client ID you want redirect to does not exist");
      }
    } else if (EqualsIgnoreCase(opt, "bcast")) {
      options |= kClientTrackingBcast;
    } else if (EqualsIgnoreCase(opt, "optin")) {
      options |= kClientTrackingOptin;
    } else if (EqualsIgnoreCase(opt, "optout")) {
      options |= kClientTrackingOptout;
    } else if (EqualsIgnoreCase(opt, "noloop")) {
      options |= kClientTrackingNoloop;
    } else if (EqualsIgnoreCase(opt, "prefix") && more) {
      prefixes.push_back(args[++j]);
    } else {
      return r.Error(err::kSyntax);
    }
  }

  if (EqualsIgnoreCase(args[2], "on")) {
    bool bcast = options & kClientTrackingBcast;
    if (!bcast && !prefixes.empty()) {
      return r.Error("ERR PREFIX option requires BCAST mode to be enabled");
    }
    if (c.has(kClientTracking) && c.has(kClientTrackingBcast) != bcast) {
      return r.Error(
          "You can't switch BCAST mode on/off before disabling tracking for this client, and "
          "then re-enabling it with a different mode.");
    }
    if (bcast && (options & (kClientTrackingOptin | kClientTrackingOptout))) {
      return r.Error("ERR OPTIN and OPTOUT are not compatible with BCAST");
    }
    if ((options & kClientTrackingOptin) && (options & kClientTrackingOptout)) {
      return r.Error("You can't specify both OPTIN mode and OPTOUT mode");
    }
    if (((options & kClientTrackingOptin) && c.has(kClientTrackingOptout)) ||
        ((options & kClientTrackingOptout) && c.has(kClientTrackingOptin))) {
      return r.Error(
          "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
          "then re-enabling it with a different mode.");
    }
    if (bcast && !CheckPrefixesOrReply(c, prefixes)) return;

    c.set(kClientTracking);
    c.clear(kClientTrackingBrokenRedir | kClientTrackingBcast | kClientTrackingOptin |
            kClientTrackingOptout | kClientTrackingNoloop);
    c.tracking_redirect = uint64_t(redirect);
    if (bcast) {
      c.set(kClientTrackingBcast);
      if (prefixes.empty()) c.tracking_prefixes.emplace();
      for (std::string_view prefix : prefixes) c.tracking_prefixes.emplace(prefix);
    }
    c.set(options & (kClientTrackingOptin | kClientTrackingOptout | kClientTrackingNoloop));
  } else if (EqualsIgnoreCase(args[2], "off")) {
    DisableTracking(c);
  } else {
    return r.Error(err::kSyntax);
  }
  r.Ok();
}

void CmdClientCaching(Client& c, CmdArgs args) {
  ReplyBuilder& r = c.reply();
  if (!c.has(kClientTracking)) {
    return r.Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
        "or OPTOUT mode enabled");
  }
  if (EqualsIgnoreCase(args[2], "yes")) {
    if (!c.has(kClientTrackingOptin)) {
      return r.Error(
          "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
    }
  } else if (EqualsIgnoreCase(args[2], "no")) {
    if (!c.has(kClientTrackingOptout)) {
      return r.Error(
          "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
    }
  } else {
    return r.Error(err::kSyntax);
  }
  c.set(kClientTrackingCaching);
  r.Ok();
}

void CmdClientGetRedir(Client& c, CmdArgs) {
  c.reply().Integer(c.has(kClientTracking) ? int64_t(c.tracking_redirect) : -1);
}

void CmdClientTrackingInfo(Client& c, CmdArgs) {
  ReplyBuilder& r = c.reply();
  std::string_view flags[8];
  size_t n = 0;
  flags[n++] = c.has(kClientTracking) ? "on" : "off";
  if (c.has(kClientTrackingBcast)) flags[n++] = "bcast";
  if (c.has(kClientTrackingOptin)) {
    flags[n++] = "optin";
    if (c.has(kClientTrackingCaching)) flags[n++] = "caching-yes";
  }
  if (c.has(kClientTrackingOptout)) {
    flags[n++] = "optout";
    if (c.has(kClientTrackingCaching)) flags[n++] = "caching-no";
  }
  if (c.has(kClientTrackingNoloop)) flags[n++] = "noloop";
  if (c.has(kClientTrackingBrokenRedir)) flags[n++] = "broken_redirect";

  r.MapHeader(3);
  r.Bulk("flags");
  r.SetHeader(int64_t(n));
  for (size_t i = 0; i < n; i++) r.Bulk(flags[i]);
  r.Bulk("redirect");
  r.Integer(c.has(kClientTracking) ? int64_t(c.tracking_redirect) : -1);
  r.Bulk("prefixes");
  r.ArrayHeader(int64_t(c.tracking_prefixes.size()));
  for (const std::string& prefix : c.tracking_prefixes) r.Bulk(prefix);
}

}  // namespace

std::string ClientInfoLine(Client& c) {
  std::string out;
  AppendClientInfo(&out, c);
  return out;
}

void RegisterConnectionFamily(CommandTable* t) {
  t->Register("ping", CmdPing);
  t->Register("echo", CmdEcho);
  t->Register("quit", CmdQuit);
  t->Register("reset", CmdReset);
  t->Register("hello", CmdHello);
  t->Register("auth", CmdAuth);
  t->Register("select", CmdSelect);
  t->Register("monitor", CmdMonitor);
  t->Register("client|caching", CmdClientCaching);
  t->Register("client|getname", CmdClientGetName);
  t->Register("client|getredir", CmdClientGetRedir);
  t->Register("client|help", CmdClientHelp);
  t->Register("client|id", CmdClientId);
  t->Register("client|info", CmdClientInfo);
  t->Register("client|kill", CmdClientKill);
  t->Register("client|list", CmdClientList);
  t->Register("client|no-evict", CmdClientNoEvict);
  t->Register("client|pause", CmdClientPause);
  t->Register("client|reply", CmdClientReply);
  t->Register("client|setname", CmdClientSetName);
  t->Register("client|tracking", CmdClientTracking);
  t->Register("client|trackinginfo", CmdClientTrackingInfo);
  t->Register("client|unblock", CmdClientUnblock);
  t->Register("client|unpause", CmdClientUnpause);
}

}  // namespace ember
