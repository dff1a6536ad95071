// Request dispatch: Redis's processCommand checks, then call() bookkeeping.
#include <spdlog/spdlog.h>

#include "common/resp/client.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/acl.h"
#include "server/evict.h"
#include "server/persistence.h"
#include "server/scripting/scripting.h"
#include "server/server.h"

namespace ember {

namespace {

constexpr size_t kSlowlogMaxArgc = 32;
constexpr size_t kSlowlogMaxString = 128;

std::string UnknownCommandError(CmdArgs args) {
  std::string list;
  for (size_t i = 1; i < args.size() && list.size() < 128; i++) {
    size_t room = 128 - list.size();
    list += "'";
    list.append(args[i].substr(0, room));
    list += "' ";
  }
  std::string_view name = args[0].substr(0, 128);
  return fmt::format("unknown command '{}', with args beginning with: {}", name, list);
}

void CountError(void* ctx, std::string_view code) {
  auto* server = static_cast<Server*>(ctx);
  server->stats().total_error_replies++;
  auto& counts = server->stats().error_counts;
  auto it = counts.find(std::string(code));
  // Redis caps the number of distinct error codes it tracks at 128.
  if (it == counts.end()) {
    if (counts.size() >= 128) return;
    counts.emplace(std::string(code), 1);
  } else {
    it->second++;
  }
}

void CollectErrors(const RespValue& v, std::vector<std::string>* out) {
  if (v.is_error()) out->push_back(v.str);
  for (const RespValue& e : v.elems) CollectErrors(e, out);
}

}  // namespace

void Server::ReportErrorsToMaster(Client& c, size_t mark) {
  // The replies are dropped, but an error here means the replica diverged from its master:
  // log it with the end of the backlog, as Redis does, and stop if told to.
  std::vector<std::string> errors;
  std::string_view replies(c.out().data() + mark, c.out().size() - mark);
  while (!replies.empty()) {
    RespValue v;
    size_t used = 0;
    if (ParseReply(replies.data(), replies.size(), &v, &used) != ReplyParse::kOk) break;
    CollectErrors(v, &errors);
    replies.remove_prefix(used);
  }
  std::string cmdname = c.cmd ? c.cmd->fullname : "<unknown>";
  for (const std::string& e : errors) {
    spdlog::warn(
        "== CRITICAL == This replica is sending an error to its master: '{}' after processing "
        "the command '{}'",
        std::string_view(e).substr(0, 4096), cmdname);
    if (backlog_ && backlog_->histlen() > 0) {
      std::string tail;
      int64_t from = std::max(backlog_->first_offset(), backlog_->end_offset() - 255);
      backlog_->CopyFrom(from, &tail);
      spdlog::warn("Latest backlog is: '{}'", Repr(tail));
    }
    stats_.unexpected_error_replies++;
    std::string behavior = config_.GetOne("propagation-error-behavior");
    if (config_.GetOne("replica-read-only") == "yes" && behavior != "ignore") {
      spdlog::critical(
          "This replica panicked sending an error to its master after processing "
          "the command '{}'",
          cmdname);
      abort();
    }
  }
}

void Server::FeedMonitors(Client& c, int dbid) {
  if (monitors.empty()) return;
  int64_t now = NowUs();
  std::string line = fmt::format("+{}.{:06} [{} ", now / 1000000, now % 1000000, dbid);
  if (c.has(kClientUnixSocket)) {
    line += "unix:" + config_.unixsocket;
  } else if (c.conn()) {
    line += c.conn()->peer();
  } else {
    line += "lua";
  }
  line += "]";
  for (size_t i = 0; i < c.argv.size(); i++) {
    line.push_back(' ');
    bool redacted =
        std::find(c.redacted_args.begin(), c.redacted_args.end(), int(i)) != c.redacted_args.end();
    AppendRepr(&line, redacted ? std::string_view("(redacted)") : c.argv[i]);
  }
  line += "\r\n";
  for (Client* m : monitors) {
    m->out().append(line);
    MarkPendingWrite(m);
  }
}

void Server::Dispatch(Client& c) {
  // The shutdown sequence completed in this loop iteration: nothing more runs.
  if (shutdown_) return;
  CmdArgs args(c.argv);
  ReplyBuilder& r = c.reply();
  r.set_error_hook(CountError, this);
  Command* cmd = commands_.Lookup(args);
  c.cmd = cmd;

  size_t mark = c.out().size();

  // CLIENT REPLY: decided after the command, so that CLIENT REPLY ON is answered.
  auto finish = [&] {
    if (c.has(kClientMaster) && c.out().size() > mark) ReportErrorsToMaster(c, mark);
    // Our master gets no replies at all (+QUEUED inside a MULTI of its stream included: it
    // would answer them as unknown commands); REPLCONF GETACK answers directly.
    if (c.has(kClientReplyOff) || c.has(kClientReplySkip) || c.has(kClientMaster)) {
      c.out().resize(mark);
    }
    // Pub/sub pushes are delivered even with replies off; they wait in stream_out so the
    // truncation above cannot drop them, and go out in order here.
    if (!c.stream_out.empty() && !c.has(kClientReplica) && !c.has(kClientMaster)) {
      c.out().append(c.stream_out);
      c.stream_out.clear();
    }
    c.clear(kClientReplySkip);
    if (c.has(kClientReplySkipNext)) {
      c.clear(kClientReplySkipNext);
      c.set(kClientReplySkip);
    }
  };

  auto reject = [&](std::string_view msg) {
    if (cmd) cmd->rejected_calls++;
    if (c.has(kClientMulti) && cmd && !cmd->parent && cmd->name == "exec") {
      RejectExec(c, msg);  // EXEC itself refused: the transaction goes
    } else {
      if (c.has(kClientMulti)) c.set(kClientDirtyExec);
      r.Error(msg);
    }
    finish();
  };

  if (!cmd) {
    if (commands_.IsContainer(args[0]) && args.size() >= 2) {
      return reject(fmt::format("unknown subcommand '{}'. Try {} HELP.", args[1].substr(0, 128),
                                ToUpper(args[0])));
    }
    return reject(UnknownCommandError(args));
  }
  if (!cmd->ArityOk(args.size())) {
    return reject(fmt::format("wrong number of arguments for '{}' command", cmd->fullname));
  }
  if (cmd->has(kCmdProtected) && cmd->fullname.rfind("debug", 0) == 0) {
    int64_t mode = config_.enable_debug_command;
    bool local = c.has(kClientFake) || (c.conn() && c.conn()->is_loopback());
    if (mode == 0 || (mode == 2 && !local)) {
      return reject(
          "DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
          "you can run it from a local connection, otherwise you need to set this option in "
          "the configuration file, and then restart the server.");
    }
  }
  if (acl_->AuthRequired(c) && !cmd->has(kCmdNoAuth)) {
    return reject("-NOAUTH Authentication required.");
  }
  if (c.has(kClientMulti) && cmd->has(kCmdNoMulti)) {
    c.set(kClientDirtyExec);
    return reject("Command not allowed inside a transaction");
  }
  {
    std::string denied = acl_->CheckClientAndLog(
        c, *cmd, args, c.has(kClientMulti) ? AclContext::kMulti : AclContext::kToplevel);
    if (!denied.empty()) return reject(denied);
  }
  if (c.has(kClientPubsub) && c.resp < 3) {
    static const std::string_view allowed[] = {"ping",         "subscribe",    "ssubscribe",
                                               "unsubscribe",  "sunsubscribe", "psubscribe",
                                               "punsubscribe", "quit",         "reset"};
    std::string_view base = cmd->parent ? cmd->parent->name : cmd->name;
    bool ok = false;
    for (auto a : allowed) ok = ok || base == a;
    if (!ok) {
      return reject(fmt::format(
          "Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
          "allowed in this context",
          cmd->fullname));
    }
  }
  if (loading && !cmd->has(kCmdLoading)) {
    return reject("-LOADING Redis is loading the dataset in memory");
  }
  // What the command may do: scripts by their declared flags, EXEC by what it queued.
  uint64_t flags = scripting::EffectiveCommandFlags(*this, *cmd, args);
  bool deny_stale = !(flags & kCmdStale);
  if (!cmd->parent && cmd->name == "exec") {
    for (const Client::QueuedCommand& q : c.multi_queue) {
      std::vector<std::string_view> qargs(q.argv.begin(), q.argv.end());
      uint64_t qflags = scripting::EffectiveCommandFlags(*this, *q.cmd, qargs);
      flags |= qflags & (kCmdWrite | kCmdMayReplicate | kCmdDenyOom);
      deny_stale = deny_stale || !(qflags & kCmdStale);
    }
  }
  if (config_.maxmemory > 0) {
    bool out_of_memory = Evict() == EvictResult::kFail;
    // Queuing in MULTI takes memory too; DISCARD, EXEC, QUIT and RESET always pass.
    std::string_view base = cmd->parent ? cmd->parent->name : cmd->name;
    bool reject_oom =
        (flags & kCmdDenyOom) || (c.has(kClientMulti) && base != "exec" && base != "discard" &&
                                  base != "quit" && base != "reset");
    if (out_of_memory && reject_oom) {
      return reject("-OOM command not allowed when used memory > 'maxmemory'.");
    }
  }
  if (((flags & kCmdWrite) || cmd->fullname == "ping") && !c.has(kClientMaster)) {
    std::string disk_error;
    if (WritesDeniedByDiskError(*this, &disk_error)) return reject(disk_error);
  }
  if ((flags & kCmdWrite) && !GoodReplicasOk()) {
    return reject("-NOREPLICAS Not enough good replicas to write.");
  }
  if (is_replica() && !c.has(kClientMaster)) {
    if (config_.GetOne("replica-read-only") == "yes" && (flags & kCmdWrite)) {
      return reject("-READONLY You can't write against a read only replica.");
    }
    if (replica_link_->state() != ReplicaLink::State::kConnected &&
        config_.GetOne("replica-serve-stale-data") == "no" && deny_stale) {
      return reject(
          "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
    }
  }
  if (c.has(kClientMulti)) {
    std::string_view base = cmd->parent ? cmd->parent->name : cmd->name;
    if (base != "exec" && base != "discard" && base != "multi" && base != "watch" &&
        base != "quit" && base != "reset") {
      if (cmd->has(kCmdNoMulti)) {
        c.set(kClientDirtyExec);
        return reject("Command not allowed inside a transaction");
      }
      Client::QueuedCommand q;
      q.cmd = cmd;
      q.argv.assign(args.begin(), args.end());
      c.multi_queue.push_back(std::move(q));
      r.SimpleString("QUEUED");
      finish();
      return;
    }
  }
  // The master's stream is held too: a paused replica reads it but applies nothing.
  if (ClientsArePaused() && !c.has(kClientFake)) {
    if (PauseHolds(flags)) {
      c.set(kClientInPause);
      c.out().resize(mark);
      return;
    }
  }

  // Replicas get no replies from us; nor does our master (REPLCONF GETACK answers directly).
  bool was_replica = c.has(kClientReplica) || c.has(kClientMaster);
  int64_t offset_before = master_repl_offset_;
  Call(c, cmd, args);
  PropagatePending(cmd);
  if (master_repl_offset_ != offset_before) c.woff = master_repl_offset_;
  if (!blocking_->reexecuting()) blocking_->HandleReadyKeys();
  if (was_replica) {  // replicas get no replies, nor does our master (its errors are logged)
    if (c.has(kClientMaster) && c.out().size() > mark) ReportErrorsToMaster(c, mark);
    c.out().resize(mark);
  }
  finish();
}

void Server::ExecuteLoaded(Client& c, Command* cmd, CmdArgs args) {
  Client* prev_client = current_client_;
  current_client_ = &c;
  c.cmd = cmd;
  cmd_time_ms_ = NowMs();
  cmd->fn(c, args);
  current_client_ = prev_client;
  also_propagate_.clear();
}

void Server::CountUnblockedCall(Client& c, const std::vector<std::string>& argv, bool failed) {
  std::vector<std::string_view> views(argv.begin(), argv.end());
  Command* cmd = commands_.Lookup(CmdArgs(views));
  if (!cmd) return;
  cmd->calls++;
  if (failed) cmd->failed_calls++;
  stats_.commands_processed++;
  if (config_.latency_tracking) cmd->RecordLatency(0);
  c.last_cmd = cmd;
}

void Server::Call(Client& c, Command* cmd, CmdArgs args) {
  bool nested = current_client_ != nullptr;
  // In-process callers (scripts) reach here without Dispatch: their errors count too.
  c.reply().set_error_hook(CountError, this);
  Client* prev_client = current_client_;
  const Command* prev_cmd = c.cmd;
  current_client_ = &c;
  c.cmd = cmd;
  if (!nested) cmd_time_ms_ = NowMs();
  int64_t dirty_before = dirty;
  int dbid = c.db_index();
  uint64_t errors_before = stats_.total_error_replies;
  uint64_t nested_before = nested_errors_;
  // A nested call (EXEC) must not disturb what the outer command decided to propagate.
  std::vector<std::string> outer_rewrite = std::move(c.propagate_rewrite);
  bool outer_rewritten = c.propagate_rewritten, outer_prevented = c.propagate_prevented;
  c.propagate_rewrite.clear();
  c.propagate_rewritten = false;
  c.propagate_prevented = false;
  // Arguments the command asks to hide (AUTH passwords, ACL SETUSER rules, ...).
  std::vector<int> outer_redacted = std::move(c.redacted_args);
  c.redacted_args.clear();
  bool reexecuted = blocking_->reexecuting();
  int64_t start = MonotonicUs();
  cmd->fn(c, args);
  int64_t duration = MonotonicUs() - start;
  if (dirty > dirty_before && is_replica() && !c.has(kClientMaster)) {
    RememberReplicaKeysWithExpire(c, cmd, args);
  }
  // As Redis's call(): monitors see the command after it ran, with redactions applied.
  if (!cmd->has(kCmdSkipMonitor) && !cmd->has(kCmdAdmin) && !reexecuted) {
    FeedMonitors(c, c.db_index());
  }

  // A command that reset the counter (DEBUG RELOAD, DEBUG LOADAOF) changed nothing to send.
  if (!c.propagate_prevented && (dirty > dirty_before || c.propagate_rewritten) &&
      PropagationNeeded()) {
    if (c.propagate_rewritten) {
      if (!c.propagate_rewrite.empty()) AlsoPropagate(dbid, std::move(c.propagate_rewrite));
    } else {
      AlsoPropagate(dbid, std::vector<std::string>(args.begin(), args.end()));
    }
  }
  c.propagate_rewrite = std::move(outer_rewrite);
  c.propagate_rewritten = outer_rewritten;
  c.propagate_prevented = outer_prevented;

  // A command that blocked is counted when it completes (served, timed out or unblocked).
  bool blocked = blocking_->reexecuting() ? blocking_->reblocked() : c.has(kClientBlocked);
  uint64_t errors = stats_.total_error_replies - errors_before;
  if (!blocked) {
    cmd->calls++;
    cmd->usec += uint64_t(duration);
    if (config_.latency_tracking) cmd->RecordLatency(duration);
    // A command failed if it replied an error itself; errors of the commands it ran (EXEC's
    // queue) count for those commands only.
    if (errors > nested_errors_ - nested_before) cmd->failed_calls++;
    stats_.commands_processed++;
  }
  if (nested) nested_errors_ += errors;
  c.last_cmd = cmd;

  if (!cmd->has(kCmdSkipSlowlog) && config_.slowlog_log_slower_than >= 0 &&
      duration >= config_.slowlog_log_slower_than) {
    SlowlogEntry e;
    e.id = slowlog_next_id++;
    e.time_s = NowMs() / 1000;
    e.duration_us = duration;
    size_t argc = std::min(args.size(), kSlowlogMaxArgc);
    for (size_t i = 0; i < argc; i++) {
      if (std::find(c.redacted_args.begin(), c.redacted_args.end(), int(i)) !=
          c.redacted_args.end()) {
        e.args.emplace_back("(redacted)");
      } else if (argc != args.size() && i == argc - 1) {
        e.args.push_back(fmt::format("... ({} more arguments)", args.size() - argc + 1));
      } else if (args[i].size() > kSlowlogMaxString) {
        e.args.push_back(fmt::format("{}... ({} more bytes)", args[i].substr(0, kSlowlogMaxString),
                                     args[i].size() - kSlowlogMaxString));
      } else {
        e.args.emplace_back(args[i]);
      }
    }
    e.peer = c.conn() ? c.conn()->peer() : "";
    e.name = c.name;
    slowlog.push_front(std::move(e));
    while (slowlog.size() > size_t(std::max<int64_t>(0, config_.slowlog_max_len))) {
      slowlog.pop_back();
    }
  }
  LatencyAddSampleIfNeeded(cmd->has(kCmdFast) ? "fast-command" : "command", duration / 1000);
  c.redacted_args = std::move(outer_redacted);
  current_client_ = prev_client;
  if (nested) c.cmd = prev_cmd;
  if (!nested) cmd_time_ms_ = 0;
}

}  // namespace ember
