// MULTI, EXEC, DISCARD, WATCH, UNWATCH. Queueing happens in the dispatcher (dispatch.cc);
// EXEC runs the queue through Server::Call so each command keeps its statistics and its
// propagation, which the dispatcher wraps in MULTI/EXEC.
#include <spdlog/fmt/fmt.h>

#include "server/acl.h"
#include "server/families/families.h"
#include "server/server.h"

namespace ember {

void DiscardTransaction(Client& c) {
  c.multi_queue.clear();
  c.clear(kClientMulti);
  c.clear(kClientDirtyExec);
  c.server().UnwatchAll(c);
}

void RejectExec(Client& c, std::string_view error) {
  DiscardTransaction(c);
  // A "-CODE text" error keeps its code; a plain message follows as it is (as Redis).
  if (!error.empty() && error.front() == '-') error.remove_prefix(1);
  c.reply().Error(fmt::format("-EXECABORT Transaction discarded because of: {}", error));
}

namespace {

void CmdMulti(Client& c, CmdArgs) {
  if (c.has(kClientMulti)) {
    c.reply().Error("MULTI calls can not be nested");
    return;
  }
  c.set(kClientMulti);
  c.reply().Ok();
}

void CmdDiscard(Client& c, CmdArgs) {
  if (!c.has(kClientMulti)) {
    c.reply().Error("DISCARD without MULTI");
    return;
  }
  DiscardTransaction(c);
  c.reply().Ok();
}

// Whether a key that was live when WATCHed is logically expired now.
bool WatchedKeyExpired(Client& c) {
  Server& s = c.server();
  for (const auto& k : c.watched_keys) {
    if (c.watched_expired.count(k)) continue;
    Db& db = s.db(k.first);
    Entry* e = db.Find(k.second);
    if (e != nullptr && s.IsExpired(db, e)) return true;
  }
  return false;
}

void CmdExec(Client& c, CmdArgs) {
  Server& s = c.server();
  c.PreventPropagation();  // the queued commands propagate themselves
  if (!c.has(kClientMulti)) {
    c.reply().Error("EXEC without MULTI");
    return;
  }
  if (c.has(kClientDirtyExec)) {
    DiscardTransaction(c);
    c.reply().Error("-EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  // A watched key that expired since WATCH counts as changed.
  if (!c.has(kClientDirtyCas) && WatchedKeyExpired(c)) c.set(kClientDirtyCas);
  if (c.has(kClientDirtyCas)) {
    DiscardTransaction(c);
    c.reply().NullArray();
    return;
  }
  std::vector<Client::QueuedCommand> queue;
  queue.swap(c.multi_queue);
  c.server().UnwatchAll(c);  // no longer needed: the commands run atomically from here
  c.reply().ArrayHeader(int64_t(queue.size()));
  // c.argv backs the EXEC arguments the dispatcher still holds: keep its storage alive.
  std::vector<std::string_view> exec_argv = std::move(c.argv);
  for (auto& q : queue) {
    std::vector<std::string_view> argv(q.argv.begin(), q.argv.end());
    c.argv = argv;
    // Permissions are checked again: the ACLs may have changed since the command was queued.
    AclResult denied;
    if (!s.acl().CheckClientAndLog(c, *q.cmd, CmdArgs(argv), AclContext::kMulti, &denied).empty()) {
      std::string_view reason = "no permission";
      if (denied == AclResult::kDeniedCmd) {
        reason = "no permission to execute the command or subcommand";
      } else if (denied == AclResult::kDeniedKey) {
        reason = "no permission to touch the specified keys";
      } else if (denied == AclResult::kDeniedChannel) {
        reason = "no permission to access one of the channels used as arguments";
      }
      c.reply().Error(fmt::format(
          "-NOPERM ACLs rules changed between the moment the transaction was accumulated and "
          "the EXEC call. This command is no longer allowed for the following reason: {}",
          reason));
      continue;
    }
    s.Call(c, q.cmd, CmdArgs(argv));
  }
  c.argv = std::move(exec_argv);
  c.clear(kClientMulti);
  c.clear(kClientDirtyExec);
}

void CmdWatch(Client& c, CmdArgs args) {
  if (c.has(kClientMulti)) {
    c.reply().Error("WATCH inside MULTI is not allowed");
    return;
  }
  Server& s = c.server();
  for (size_t i = 1; i < args.size(); i++) {
    std::pair<int, std::string> k{c.db_index(), std::string(args[i])};
    bool already = false;
    for (const auto& w : c.watched_keys) already = already || w == k;
    if (already) continue;
    Entry* e = c.db().Find(args[i]);
    if (e != nullptr && s.IsExpired(c.db(), e)) c.watched_expired.insert(k);
    s.watched_keys[k].push_back(&c);
    c.watched_keys.push_back(std::move(k));
  }
  c.reply().Ok();
}

void CmdUnwatch(Client& c, CmdArgs) {
  c.server().UnwatchAll(c);
  c.reply().Ok();
}

}  // namespace

void RegisterTransactionFamily(CommandTable* t) {
  t->Register("multi", CmdMulti);
  t->Register("exec", CmdExec);
  t->Register("discard", CmdDiscard);
  t->Register("watch", CmdWatch);
  t->Register("unwatch", CmdUnwatch);
}

}  // namespace ember
