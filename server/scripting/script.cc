#include "server/scripting/script.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "common/resp/parser.h"
#include "common/util/clock.h"
#include "common/util/memory.h"
#include "common/util/strings.h"
#include "server/acl.h"
#include "server/persistence.h"
#include "server/replica.h"
#include "server/server.h"

namespace ember {

// DEBUG SET-DISABLE-DENY-SCRIPTS (server_family.cc).
bool DebugDisableDenyScripts();

namespace scripting {
namespace {

// Only one script runs at a time in the process.
RunContext* g_current = nullptr;

// The command whose propagation a script suppressed (redis.set_repl), see CallWithoutPropagation.
Command* g_unpropagated = nullptr;

// How often a timed-out script looks at the other clients' sockets.
constexpr int64_t kBusyPollIntervalUs = 2000;
constexpr size_t kBusyPeekBytes = 64 * 1024;

// Counts an error reply the way the dispatcher's error hook does (INFO errorstats).
void CountError(Server& s, std::string_view code) {
  s.stats().total_error_replies++;
  auto& counts = s.stats().error_counts;
  auto it = counts.find(std::string(code));
  if (it == counts.end()) {
    if (counts.size() >= 128) return;
    counts.emplace(std::string(code), 1);
  } else {
    it->second++;
  }
}

void NoPropagateTrampoline(Client& c, CmdArgs args) {
  g_unpropagated->fn(c, args);
  c.PreventPropagation();
}

// Runs `cmd` through Server::Call with its propagation suppressed. Call resets the client's
// propagation flags before the handler runs, so the handler is wrapped: a stand-in command
// with the same metadata whose handler runs the real one and then prevents propagation. The
// statistics the stand-in collected are moved to the real command.
void CallWithoutPropagation(Server& s, Client& c, Command* cmd, CmdArgs argv) {
  Command shadow;
  shadow.name = cmd->name;
  shadow.fullname = cmd->fullname;
  shadow.arity = cmd->arity;
  shadow.flags = cmd->flags;
  shadow.first_key = cmd->first_key;
  shadow.last_key = cmd->last_key;
  shadow.step = cmd->step;
  shadow.spec = cmd->spec;
  shadow.parent = cmd->parent;
  shadow.fn = NoPropagateTrampoline;
  Command* prev = g_unpropagated;
  g_unpropagated = cmd;
  s.Call(c, &shadow, argv);
  g_unpropagated = prev;
  cmd->calls += shadow.calls;
  cmd->usec += shadow.usec;
  cmd->failed_calls += shadow.failed_calls;
  cmd->rejected_calls += shadow.rejected_calls;
}

bool UsedMemoryOverLimit(Server& s) {
  int64_t limit = s.config().maxmemory;
  return limit > 0 && UsedMemory() > size_t(limit);
}

std::string UnknownCommandText(CmdArgs args) {
  std::string list;
  for (size_t i = 1; i < args.size() && list.size() < 128; i++) {
    list += "'";
    list.append(args[i].substr(0, 128 - list.size()));
    list += "' ";
  }
  return fmt::format("unknown command '{}', with args beginning with: {}", args[0].substr(0, 128),
                     list);
}

// One request another client sent while the script is busy (Redis's processCommand with a
// timed-out script: most commands are refused with -BUSY).
void ServeBusyRequest(RunContext* ctx, Client& c, const std::vector<std::string>& request) {
  Server& s = *ctx->server;
  std::vector<std::string_view> views(request.begin(), request.end());
  CmdArgs args(views);
  ReplyBuilder& r = c.reply();
  Command* cmd = s.commands().Lookup(args);
  auto reject = [&](std::string_view msg) {
    if (cmd) cmd->rejected_calls++;
    if (c.has(kClientMulti) && cmd && !cmd->parent && cmd->name == "exec") {
      RejectExec(c, msg);
      return;
    }
    if (c.has(kClientMulti)) c.set(kClientDirtyExec);
    r.Error(msg);
  };
  if (!cmd) {
    if (s.commands().IsContainer(args[0]) && args.size() >= 2) {
      return reject(fmt::format("unknown subcommand '{}'. Try {} HELP.", args[1].substr(0, 128),
                                ToUpper(args[0])));
    }
    return reject(UnknownCommandText(args));
  }
  if (!cmd->ArityOk(args.size())) {
    return reject(fmt::format("wrong number of arguments for '{}' command", cmd->fullname));
  }
  if (s.acl().AuthRequired(c) && !cmd->has(kCmdNoAuth)) {
    return reject("-NOAUTH Authentication required.");
  }
  {
    std::string denied = s.acl().CheckClientAndLog(
        c, *cmd, args, c.has(kClientMulti) ? AclContext::kMulti : AclContext::kToplevel);
    if (!denied.empty()) return reject(denied);
  }
  std::string_view busy = ctx->eval_mode ? kBusyEvalError : kBusyFunctionError;
  if (!cmd->has(kCmdAllowBusy)) return reject(busy);
  if (cmd->name == "shutdown" && !cmd->parent) {
    bool nosave = false;
    for (size_t i = 1; i < args.size(); i++) nosave = nosave || EqualsIgnoreCase(args[i], "nosave");
    // Only SHUTDOWN NOSAVE stops a busy server; the script is abandoned with it.
    if (!nosave) return reject(busy);
    ctx->killed = true;
  }
  c.argv = views;
  s.Call(c, cmd, args);
  c.argv.clear();
}

// Reads the complete requests waiting on `c`'s socket without disturbing a partial one (it
// stays in the kernel for the event loop to read after the script) and serves them.
void PollClient(RunContext* ctx, Client& c, std::vector<char>& buf) {
  int fd = c.conn()->fd();
  if (fd < 0) return;
  ssize_t n = recv(fd, buf.data(), buf.size(), MSG_PEEK | MSG_DONTWAIT);
  if (n <= 0) return;
  RequestLimits limits;
  limits.max_bulk_len = ctx->server->config().proto_max_bulk_len;
  limits.unauthenticated = ctx->server->acl().AuthRequired(c);
  std::vector<std::vector<std::string>> requests;
  size_t used = 0;
  while (used < size_t(n)) {
    RequestParser parser;
    size_t consumed = 0;
    auto st = parser.Parse(buf.data() + used, size_t(n) - used, limits, &consumed);
    if (st != RequestParser::State::kOk) break;
    const auto& a = parser.args();
    if (!a.empty()) requests.emplace_back(a.begin(), a.end());
    used += consumed;
  }
  if (used == 0) return;
  // Consume exactly the bytes of the complete requests.
  size_t left = used;
  while (left > 0) {
    ssize_t got = recv(fd, buf.data(), left, MSG_DONTWAIT);
    if (got <= 0) break;
    left -= size_t(got);
  }
  ctx->server->stats().net_input_bytes += used;
  c.last_interaction_ms = NowMs();
  for (const auto& req : requests) {
    ServeBusyRequest(ctx, c, req);
    if (c.has(kClientCloseAfterReply) || c.has(kClientCloseAsap)) break;
  }
  c.Flush();
}

// Redis's processEventsWhileBlocked, reduced to what a busy script needs: pending replies are
// written and other clients' requests are answered (mostly -BUSY). New connections wait for
// the script to end.
void ProcessEventsWhileBusy(RunContext* ctx) {
  Server& s = *ctx->server;
  std::vector<uint64_t> ids;
  ids.reserve(s.clients().size());
  for (const auto& [id, c] : s.clients()) ids.push_back(id);
  std::vector<char> buf(kBusyPeekBytes);
  for (uint64_t id : ids) {
    auto it = s.clients().find(id);
    if (it == s.clients().end()) continue;
    Client* c = it->second;
    if (c == ctx->caller || c->conn() == nullptr || c->conn()->closing()) continue;
    // Replies produced before the script started still wait for the loop's before-sleep
    // flush: send them now (the caller's are left alone, its command is still running).
    if (!c->has(kClientCloseAsap) && (!c->out().empty() || !c->stream_out.empty())) c->Flush();
    if (c->conn() == nullptr || c->conn()->closing()) continue;
    if (c->has(kClientCloseAsap) || c->has(kClientCloseAfterReply) || c->has(kClientBlocked) ||
        c->has(kClientReplica) || c->has(kClientMaster) || c->has(kClientInPause)) {
      continue;
    }
    // A partial request in the client's own buffer must be completed by its next read.
    if (c->query_buffer_size() > 0) continue;
    PollClient(ctx, *c, buf);
  }
}

}  // namespace

uint64_t ScriptFlagByName(std::string_view name, bool nocase) {
  for (const auto& f : kScriptFlagNames) {
    if (nocase ? EqualsIgnoreCase(f.name, name) : f.name == name) return f.flag;
  }
  return 0;
}

RunContext* CurrentRun(Server& s) {
  return g_current && g_current->server == &s ? g_current : nullptr;
}

bool PrepareForRun(RunContext* ctx, Server& s, Client& caller, Client& script_client,
                   std::string funcname, uint64_t flags, bool ro, bool eval_mode) {
  bool oom = UsedMemoryOverLimit(s);
  if (!(flags & kScriptEvalCompat)) {
    // Ember runs neither cluster mode nor the replica side yet: no-cluster, allow-stale and
    // the read-only-replica checks have nothing to refuse.
    if (!(flags & kScriptNoWrites)) {
      if (ro) {
        caller.reply().Error("Can not execute a script with write flag using *_ro command.");
        return false;
      }
    }
    if (oom && !(flags & (kScriptAllowOom | kScriptNoWrites))) {
      caller.reply().Error(
          "-OOM allow-oom flag is not set on the script, can not run it when used memory > "
          "'maxmemory'");
      return false;
    }
  }
  ctx->server = &s;
  ctx->caller = &caller;
  ctx->client = &script_client;
  ctx->funcname = std::move(funcname);
  ctx->eval_mode = eval_mode;
  ctx->oom = oom;
  script_client.SelectDb(caller.db_index());
  script_client.user = caller.user;
  script_client.resp = 2;
  script_client.reply().set_resp(2);
  if (caller.has(kClientMulti)) script_client.set(kClientMulti);
  ctx->start_us = MonotonicUs();
  ctx->read_only = ro || (!(flags & kScriptEvalCompat) && (flags & kScriptNoWrites));
  ctx->allow_oom = !(flags & kScriptEvalCompat) && (flags & kScriptAllowOom);
  int64_t threshold = 0;
  if (!StringToInt64(s.config().GetOne("busy-reply-threshold"), &threshold)) threshold = 5000;
  ctx->busy_threshold_ms = threshold;
  g_current = ctx;
  return true;
}

void ResetRun(RunContext* ctx) {
  ctx->client->clear(kClientMulti);
  if (ctx->timed_out) {
    spdlog::warn("Script{} finished after {} milliseconds.", ctx->killed ? " (killed)" : "",
                 RunDurationMs(*ctx));
  }
  ctx->caller->PreventPropagation();
  if (g_current == ctx) g_current = nullptr;
}

int64_t RunDurationMs(const RunContext& ctx) { return (MonotonicUs() - ctx.start_us) / 1000; }

bool ScriptCall(RunContext* ctx, CmdArgs argv, std::string* err) {
  Server& s = *ctx->server;
  Client& c = *ctx->client;
  Command* cmd = s.commands().Lookup(argv);
  auto fail = [&](std::string msg) {
    // Rejections count as errors of the command (Redis's afterErrorReply + rejected_calls).
    std::string_view code = "ERR";
    if (!msg.empty() && msg[0] == '-') {
      size_t space = msg.find(' ');
      code = std::string_view(msg).substr(1, space == std::string::npos ? space : space - 1);
    }
    CountError(s, code);
    if (cmd) cmd->rejected_calls++;
    *err = std::move(msg);
    return false;
  };
  if (!cmd || !cmd->ArityOk(argv.size())) {
    return fail(cmd ? "Wrong number of args calling Redis command from script"
                    : "Unknown Redis command called from script");
  }
  if (!DebugDisableDenyScripts() && cmd->has(kCmdNoScript)) {
    return fail("This Redis command is not allowed from script");
  }
  if (!ctx->caller->has(kClientMaster)) {
    int pos = 0;
    AclResult r = s.acl().CheckCommand(c.user, *cmd, argv, &pos);
    if (r != AclResult::kOk) {
      std::string object =
          r == AclResult::kDeniedCmd ? cmd->fullname : std::string(argv[size_t(pos)]);
      s.acl().AddLogEntry(*ctx->caller, r, AclContext::kLua, std::move(object),
                          c.user ? std::string_view(c.user->name) : std::string_view());
      std::string_view why =
          r == AclResult::kDeniedCmd   ? "can't run this command or subcommand"
          : r == AclResult::kDeniedKey ? "can't access at least one of the keys mentioned in the "
                                         "command arguments"
          : r == AclResult::kDeniedChannel ? "can't publish to the channel mentioned in the command"
                                           : "lacking the permissions for the command";
      return fail("The user executing the script " + std::string(why));
    }
  }
  // A replica cut from its master that does not serve stale data runs only what may run
  // while stale (the script itself got here by declaring allow-stale).
  if (s.is_replica() && s.replica_link().state() != ReplicaLink::State::kConnected &&
      s.config().GetOne("replica-serve-stale-data") == "no" && !cmd->has(kCmdStale)) {
    return fail("Can not execute the command on a stale replica");
  }
  if (ctx->read_only && (cmd->has(kCmdWrite) || cmd->has(kCmdMayReplicate))) {
    return fail("Write commands are not allowed from read-only scripts.");
  }
  if (!ctx->allow_oom && s.config().maxmemory > 0 && !ctx->caller->has(kClientMaster) &&
      !ctx->write_dirty && ctx->oom && cmd->has(kCmdDenyOom)) {
    return fail("-OOM command not allowed when used memory > 'maxmemory'.");
  }
  // The server's state can refuse a script's first write (after one, failing would leave
  // it half done): a read-only replica, a failed save, too few good replicas.
  if (cmd->has(kCmdWrite) && !ctx->write_dirty && !ctx->caller->has(kClientMaster)) {
    if (s.is_replica() && s.config().GetOne("replica-read-only") == "yes") {
      return fail("-READONLY You can't write against a read only replica.");
    }
    std::string disk_error;
    if (WritesDeniedByDiskError(s, &disk_error)) return fail(disk_error);
    if (!s.GoodReplicasOk()) return fail("-NOREPLICAS Not enough good replicas to write.");
  }
  if (cmd->has(kCmdWrite)) ctx->write_dirty = true;

  c.argv.assign(argv.begin(), argv.end());
  if (ctx->propagate) {
    s.Call(c, cmd, argv);
  } else {
    CallWithoutPropagation(s, c, cmd, argv);
  }
  c.argv.clear();
  // Blocking commands are refused from scripts (noscript); never leave the client blocked.
  if (c.has(kClientBlocked)) s.blocking().Unblock(c);
  return true;
}

void KillScript(Client& c, bool is_eval) {
  RunContext* r = CurrentRun(c.server());
  if (!r) {
    c.reply().Error("-NOTBUSY No scripts in execution right now.");
    return;
  }
  if (r->caller->has(kClientMaster)) {
    c.reply().Error(
        "-UNKILLABLE The busy script was sent by a master instance in the context of "
        "replication and cannot be killed.");
    return;
  }
  if (r->write_dirty) {
    c.reply().Error(
        "-UNKILLABLE Sorry the script already executed write commands against the dataset. You "
        "can either wait the script termination or kill the server in a hard way using the "
        "SHUTDOWN NOSAVE command.");
    return;
  }
  if (is_eval && !r->eval_mode) {
    c.reply().Error(kBusyFunctionError);
    return;
  }
  if (!is_eval && r->eval_mode) {
    c.reply().Error(kBusyEvalError);
    return;
  }
  r->killed = true;
  c.reply().Ok();
}

bool ScriptInterrupt(RunContext* ctx) {
  int64_t now = MonotonicUs();
  if (!ctx->timed_out) {
    int64_t elapsed_ms = (now - ctx->start_us) / 1000;
    if (elapsed_ms < ctx->busy_threshold_ms) return false;
    spdlog::warn(
        "Slow script detected: still in execution after {} milliseconds. You can try killing "
        "the script using the {} command. Script name is: {}.",
        elapsed_ms, ctx->eval_mode ? "SCRIPT KILL" : "FUNCTION KILL", ctx->funcname);
    ctx->timed_out = true;
  } else if (now - ctx->last_poll_us < kBusyPollIntervalUs) {
    return ctx->killed;
  }
  ctx->last_poll_us = now;
  ProcessEventsWhileBusy(ctx);
  return ctx->killed;
}

}  // namespace scripting
}  // namespace ember
