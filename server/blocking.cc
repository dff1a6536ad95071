// Clients blocked on keys: wait lists per key (FIFO), the ready-key queue, timeouts, and
// re-execution of blocked commands. See blocking.h.
#include "server/blocking.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/client.h"
#include "server/command.h"
#include "server/server.h"

namespace ember {

namespace {

// Wait lists are keyed by db index and key name in one string.
std::string WaitKey(int db, std::string_view key) {
  std::string k;
  k.reserve(4 + key.size());
  uint32_t d = uint32_t(db);
  k.append(reinterpret_cast<const char*>(&d), 4);
  k.append(key);
  return k;
}

}  // namespace

struct BlockingKeys::Impl {
  using WaitList = std::list<Client*>;

  // One blocked client.
  struct Blocked {
    Client* client;
    int db;
    std::vector<std::string> argv;                                 // the command, for re-execution
    std::vector<std::pair<std::string, WaitList::iterator>> keys;  // wait key -> position
    int64_t timeout_ms;                                            // absolute, 0 = none
    std::multimap<int64_t, uint64_t>::iterator timeout_it;
    TimeoutReply on_timeout;
  };

  Server* server;
  std::unordered_map<uint64_t, Blocked> blocked;      // by client id
  std::unordered_map<std::string, WaitList> waiters;  // wait key -> clients, FIFO
  std::multimap<int64_t, uint64_t> timeouts;          // deadline -> client id
  std::vector<std::pair<int, std::string>> ready;     // signaled keys, in order
  std::unordered_set<std::string> ready_set;          // wait keys already queued
  std::vector<uint64_t> reprocess;  // unblocked clients whose pending input must run

  // Re-execution state.
  bool reexecuting = false;
  bool reblocked = false;
  Client* reexec_client = nullptr;
  std::string serving_key;
  bool in_handle = false;

  void Remove(uint64_t id) {
    auto it = blocked.find(id);
    if (it == blocked.end()) return;
    Blocked& b = it->second;
    for (auto& [wk, pos] : b.keys) {
      auto w = waiters.find(wk);
      if (w == waiters.end()) continue;
      w->second.erase(pos);
      if (w->second.empty()) waiters.erase(w);
    }
    if (b.timeout_ms) timeouts.erase(b.timeout_it);
    b.client->clear(kClientBlocked);
    blocked.erase(it);
  }

  // After a client got its reply: flush it and run what it sent meanwhile.
  void Unblocked(Client* c) {
    server->MarkPendingWrite(c);
    reprocess.push_back(c->id());
  }

  void ReplyTimeout(Client* c, TimeoutReply how) {
    if (how == TimeoutReply::kNull) {
      c->reply().Null();
    } else {
      c->reply().NullArray();
    }
  }

  // Runs the pending requests of clients unblocked since the last call.
  void Reprocess() {
    while (!reprocess.empty()) {
      std::vector<uint64_t> ids;
      ids.swap(reprocess);
      for (uint64_t id : ids) {
        auto it = server->clients().find(id);
        if (it == server->clients().end()) continue;
        Client* c = it->second;
        if (c->has(kClientBlocked) || c->has(kClientCloseAsap)) continue;
        c->ProcessInput();
        server->MarkPendingWrite(c);
      }
    }
  }

  // Re-executes the blocked command of `id` for the ready key. True if it was served.
  bool Reexecute(uint64_t id, const std::string& key) {
    auto it = blocked.find(id);
    if (it == blocked.end()) return false;
    Blocked& b = it->second;
    Client* c = b.client;
    std::vector<std::string_view> views(b.argv.begin(), b.argv.end());
    CmdArgs args(views);
    Command* cmd = server->commands().Lookup(args);
    if (!cmd) return false;
    c->SelectDb(b.db);  // also refreshes the Db pointer (SWAPDB may have moved it)
    reexecuting = true;
    reblocked = false;
    reexec_client = c;
    serving_key = key;
    c->argv = views;
    // Redis counts a blocking command once, when it completes: the call that blocked was not
    // counted, this one is (unless it blocks again).
    server->Call(*c, cmd, args);
    c->argv.clear();
    reexecuting = false;
    reexec_client = nullptr;
    serving_key.clear();
    server->PropagatePending();
    if (reblocked) return false;
    // The command replied: it is done waiting.
    Remove(id);
    Unblocked(c);
    return true;
  }

  void ServeKey(int db, const std::string& key) {
    std::string wk = WaitKey(db, key);
    auto w = waiters.find(wk);
    if (w == waiters.end()) return;
    // The list changes while we serve it: walk a snapshot of the ids, in blocking order.
    std::vector<uint64_t> ids;
    ids.reserve(w->second.size());
    for (Client* c : w->second) ids.push_back(c->id());
    Db& d = server->db(db);
    for (uint64_t id : ids) {
      if (!blocked.count(id)) continue;  // served or gone meanwhile
      bool had_key = d.Find(key) != nullptr;
      Reexecute(id, key);
      // Serving emptied the key: nothing left for the next waiters. (A key that was already
      // gone, deleted or flushed, is offered to every waiter: some reply to that, as
      // XREADGROUP does with -UNBLOCKED.)
      if (had_key && !d.Find(key)) break;
    }
  }
};

BlockingKeys::BlockingKeys(Server* server) : impl_(new Impl) { impl_->server = server; }

BlockingKeys::~BlockingKeys() {
  // Clients still blocked lose the flag; they are being destroyed with the server.
  for (auto& [id, b] : impl_->blocked) b.client->clear(kClientBlocked);
  delete impl_;
}

void BlockingKeys::Block(Client& c, const std::vector<std::string_view>& keys, int64_t timeout_ms,
                         TimeoutReply on_timeout) {
  Impl& im = *impl_;
  if (im.reexecuting && im.reexec_client == &c) {
    // Still nothing to serve: keep the place in line and the original deadline.
    im.reblocked = true;
    return;
  }
  uint64_t id = c.id();
  if (im.blocked.count(id)) im.Remove(id);
  Impl::Blocked b;
  b.client = &c;
  b.db = c.db_index();
  b.argv.assign(c.argv.begin(), c.argv.end());
  b.timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
  b.on_timeout = on_timeout;
  for (std::string_view k : keys) {
    std::string wk = WaitKey(b.db, k);
    bool dup = false;
    for (auto& [have, pos] : b.keys) dup = dup || have == wk;
    if (dup) continue;
    Impl::WaitList& l = im.waiters[wk];
    l.push_back(&c);
    b.keys.emplace_back(std::move(wk), std::prev(l.end()));
  }
  if (b.timeout_ms) b.timeout_it = im.timeouts.emplace(b.timeout_ms, id);
  im.blocked.emplace(id, std::move(b));
  c.set(kClientBlocked);
}

bool BlockingKeys::reblocked() const { return impl_->reblocked; }

bool BlockingKeys::reexecuting() const { return impl_->reexecuting; }

std::string_view BlockingKeys::serving_key() const { return impl_->serving_key; }

void BlockingKeys::SignalAllKeys(Db& db) {
  Impl& im = *impl_;
  std::vector<std::string> keys;
  for (const auto& [wk, list] : im.waiters) {
    uint32_t d;
    memcpy(&d, wk.data(), 4);
    if (int(d) != db.id()) continue;
    keys.push_back(wk.substr(4));
  }
  for (const auto& k : keys) SignalKeyReady(db.id(), k);
}

void BlockingKeys::SignalKeyReady(int db, std::string_view key) {
  Impl& im = *impl_;
  if (im.waiters.empty()) return;
  std::string wk = WaitKey(db, key);
  if (!im.waiters.count(wk)) return;
  if (!im.ready_set.insert(wk).second) return;
  im.ready.emplace_back(db, std::string(key));
}

void BlockingKeys::HandleReadyKeys() {
  Impl& im = *impl_;
  // Nested calls (a reprocessed client's own commands) leave the work to the outer loop.
  if (im.in_handle) return;
  if (im.ready.empty() && im.reprocess.empty()) return;
  im.in_handle = true;
  while (!im.ready.empty() || !im.reprocess.empty()) {
    while (!im.ready.empty()) {
      // Keys signaled while serving this batch (BLMOVE pushes) form the next one.
      std::vector<std::pair<int, std::string>> batch;
      batch.swap(im.ready);
      for (auto& [db, key] : batch) {
        im.ready_set.erase(WaitKey(db, key));
        im.ServeKey(db, key);
      }
    }
    im.Reprocess();
  }
  im.in_handle = false;
}

void BlockingKeys::HandleTimeouts(int64_t now_ms) {
  Impl& im = *impl_;
  while (!im.timeouts.empty() && im.timeouts.begin()->first <= now_ms) {
    uint64_t id = im.timeouts.begin()->second;
    auto it = im.blocked.find(id);
    if (it == im.blocked.end()) {
      im.timeouts.erase(im.timeouts.begin());
      continue;
    }
    Client* c = it->second.client;
    im.ReplyTimeout(c, it->second.on_timeout);
    im.server->CountUnblockedCall(*c, it->second.argv, false);
    im.Remove(id);
    im.Unblocked(c);
  }
  if (!im.in_handle) HandleReadyKeys();
}

void BlockingKeys::Unblock(Client& c, bool reply_timeout, std::string_view error) {
  Impl& im = *impl_;
  auto it = im.blocked.find(c.id());
  if (it == im.blocked.end()) return;
  bool replied = false;
  if (reply_timeout) {
    im.ReplyTimeout(&c, it->second.on_timeout);
    im.server->CountUnblockedCall(c, it->second.argv, false);
    replied = true;
  } else if (!error.empty()) {
    c.reply().Error(error);
    im.server->CountUnblockedCall(c, it->second.argv, true);
    replied = true;
  }
  im.Remove(c.id());
  if (replied) im.Unblocked(&c);
}

bool ParseBlockTimeout(Client& c, std::string_view arg, int64_t* deadline_ms) {
  long double secs;
  if (!StringToLongDouble(arg, &secs)) {
    c.reply().Error("timeout is not a float or out of range");
    return false;
  }
  long double ms = ceill(secs * 1000.0L);
  // Redis converts to a 64-bit integer; values that do not fit come out negative there.
  if (!(ms < 9.2e18L) || ms < 0) {
    c.reply().Error("timeout is negative");
    return false;
  }
  int64_t tval = int64_t(ms);
  if (tval > 0) {
    int64_t now = c.server().command_time_ms();
    if (now == 0) now = NowMs();
    tval = tval > INT64_MAX - now ? INT64_MAX : tval + now;
  }
  *deadline_ms = tval;
  return true;
}

bool BlockingKeys::IsBlocked(const Client& c) const { return impl_->blocked.count(c.id()); }

size_t BlockingKeys::blocked_clients() const { return impl_->blocked.size(); }

size_t BlockingKeys::blocked_keys() const { return impl_->waiters.size(); }

}  // namespace ember
