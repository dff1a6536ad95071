#include "server/pubsub.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/resp/reply_builder.h"
#include "common/util/hash.h"
#include "common/util/strings.h"
#include "server/client.h"
#include "server/server.h"

namespace ember {
namespace {

struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return size_t(HashString(s)); }
};

// Name -> subscribers in subscription order (messages go out in that order).
using SubscriberMap =
    std::unordered_map<std::string, std::vector<Client*>, NameHash, std::equal_to<>>;

struct PubsubState {
  SubscriberMap channels;
  SubscriberMap patterns;
  SubscriberMap shard_channels;
  // notify-keyspace-events as last parsed, and its flags.
  std::string notify_config;
  int notify_flags = 0;
  bool notify_parsed = false;

  bool empty() const { return channels.empty() && patterns.empty() && shard_channels.empty(); }
  SubscriberMap& map(SubKind kind) {
    switch (kind) {
      case SubKind::kChannel:
        return channels;
      case SubKind::kPattern:
        return patterns;
      case SubKind::kShardChannel:
        return shard_channels;
    }
    return channels;
  }
};

// One state per Server, present only while some client of that server has a subscription,
// so that a Server never sees state left by another one.
std::unordered_map<const Server*, std::unique_ptr<PubsubState>>& Registry() {
  static std::unordered_map<const Server*, std::unique_ptr<PubsubState>> registry;
  return registry;
}

PubsubState* FindState(const Server& s) {
  auto& reg = Registry();
  if (reg.empty()) return nullptr;
  auto it = reg.find(&s);
  return it == reg.end() ? nullptr : it->second.get();
}

PubsubState& GetState(Server& s) {
  auto& slot = Registry()[&s];
  if (!slot) slot = std::make_unique<PubsubState>();
  return *slot;
}

void DropStateIfEmpty(const Server& s) {
  auto& reg = Registry();
  auto it = reg.find(&s);
  if (it != reg.end() && it->second->empty()) reg.erase(it);
}

void RemoveSubscriber(PubsubState* st, SubKind kind, std::string_view name, Client* c) {
  if (st == nullptr) return;
  SubscriberMap& m = st->map(kind);
  auto it = m.find(name);
  if (it == m.end()) return;
  auto& subs = it->second;
  subs.erase(std::remove(subs.begin(), subs.end(), c), subs.end());
  if (subs.empty()) m.erase(it);
}

// Pub/Sub replies reach the client even under CLIENT REPLY OFF/SKIP, as Redis's pushes do.
// The dispatcher drops what the executing command wrote when its client is silenced, so
// for that client they go to the side buffer flushed after its replies (Client::Flush).
std::string* PushBuffer(Client& c) {
  if (c.has(kClientReplica) || c.has(kClientMaster)) return &c.out();  // stream_out is theirs
  bool silenced = c.has(kClientReplyOff) || c.has(kClientReplySkip);
  bool executing = !c.argv.empty();
  // Once pushes wait in the side buffer, later ones follow them there to keep their order.
  if ((silenced && executing) || !c.stream_out.empty()) return &c.stream_out;
  return &c.out();
}

std::string_view SubscribeVerb(SubKind kind) {
  switch (kind) {
    case SubKind::kChannel:
      return "subscribe";
    case SubKind::kPattern:
      return "psubscribe";
    case SubKind::kShardChannel:
      return "ssubscribe";
  }
  return "subscribe";
}

std::string_view UnsubscribeVerb(SubKind kind) {
  switch (kind) {
    case SubKind::kChannel:
      return "unsubscribe";
    case SubKind::kPattern:
      return "punsubscribe";
    case SubKind::kShardChannel:
      return "sunsubscribe";
  }
  return "unsubscribe";
}

// [verb, name (or null), count]
void WriteConfirmation(Client& c, std::string_view verb, const std::string_view* name,
                       size_t count) {
  ReplyBuilder r(PushBuffer(c), c.reply().resp());
  r.PushHeader(3);
  r.Bulk(verb);
  if (name != nullptr) {
    r.Bulk(*name);
  } else {
    r.Null();
  }
  r.Integer(int64_t(count));
}

void WriteMessage(Server& s, Client& c, std::string_view kind, const std::string* pattern,
                  std::string_view channel, std::string_view message) {
  ReplyBuilder r(PushBuffer(c), c.reply().resp());
  r.PushHeader(pattern != nullptr ? 4 : 3);
  r.Bulk(kind);
  if (pattern != nullptr) r.Bulk(*pattern);
  r.Bulk(channel);
  r.Bulk(message);
  s.MarkPendingWrite(&c);
}

}  // namespace

size_t PubsubClientCount(const Client& c, SubKind kind) {
  if (kind == SubKind::kShardChannel) return c.pubsub_shard_channels.size();
  return c.pubsub_channels.size() + c.pubsub_patterns.size();
}

size_t PubsubClientTotal(const Client& c) {
  return c.pubsub_channels.size() + c.pubsub_patterns.size() + c.pubsub_shard_channels.size();
}

bool PubsubSubscribe(Client& c, SubKind kind, std::string_view name) {
  bool added;
  if (kind == SubKind::kPattern) {
    auto& pats = c.pubsub_patterns;
    added = std::find(pats.begin(), pats.end(), name) == pats.end();
    if (added) pats.emplace_back(name);
  } else {
    auto& names = kind == SubKind::kChannel ? c.pubsub_channels : c.pubsub_shard_channels;
    added = names.emplace(name).second;
  }
  if (added) {
    SubscriberMap& m = GetState(c.server()).map(kind);
    auto it = m.find(name);
    if (it == m.end()) it = m.emplace(std::string(name), std::vector<Client*>()).first;
    it->second.push_back(&c);
  }
  WriteConfirmation(c, SubscribeVerb(kind), &name, PubsubClientCount(c, kind));
  return added;
}

bool PubsubUnsubscribe(Client& c, SubKind kind, std::string_view name, bool notify) {
  bool removed = false;
  if (kind == SubKind::kPattern) {
    auto& pats = c.pubsub_patterns;
    auto it = std::find(pats.begin(), pats.end(), name);
    if (it != pats.end()) {
      RemoveSubscriber(FindState(c.server()), kind, name, &c);
      pats.erase(it);
      removed = true;
    }
  } else {
    auto& names = kind == SubKind::kChannel ? c.pubsub_channels : c.pubsub_shard_channels;
    auto it = names.find(name);
    if (it != names.end()) {
      RemoveSubscriber(FindState(c.server()), kind, name, &c);
      names.erase(it);
      removed = true;
    }
  }
  if (removed) DropStateIfEmpty(c.server());
  if (notify) WriteConfirmation(c, UnsubscribeVerb(kind), &name, PubsubClientCount(c, kind));
  return removed;
}

size_t PubsubUnsubscribeAllOf(Client& c, SubKind kind, bool notify) {
  PubsubState* st = FindState(c.server());
  // Confirmations report the count left after each removal.
  size_t others = kind == SubKind::kChannel   ? c.pubsub_patterns.size()
                  : kind == SubKind::kPattern ? c.pubsub_channels.size()
                                              : 0;
  size_t n = 0;
  auto leave_all = [&](auto& names) {
    size_t total = names.size();
    for (const std::string& name : names) {
      RemoveSubscriber(st, kind, name, &c);
      n++;
      if (notify) {
        std::string_view v(name);
        WriteConfirmation(c, UnsubscribeVerb(kind), &v, others + total - n);
      }
    }
    names.clear();
  };
  if (kind == SubKind::kPattern) {
    leave_all(c.pubsub_patterns);
  } else if (kind == SubKind::kChannel) {
    leave_all(c.pubsub_channels);
  } else {
    leave_all(c.pubsub_shard_channels);
  }
  if (n > 0) DropStateIfEmpty(c.server());
  if (notify && n == 0) {
    WriteConfirmation(c, UnsubscribeVerb(kind), nullptr, PubsubClientCount(c, kind));
  }
  return n;
}

void PubsubUnsubscribeAll(Client& c) {
  if (PubsubClientTotal(c) > 0) {
    PubsubUnsubscribeAllOf(c, SubKind::kChannel, false);
    PubsubUnsubscribeAllOf(c, SubKind::kShardChannel, false);
    PubsubUnsubscribeAllOf(c, SubKind::kPattern, false);
  }
  c.clear(kClientPubsub);
}

int64_t PubsubPublish(Server& s, std::string_view channel, std::string_view message, bool shard) {
  PubsubState* st = FindState(s);
  if (st == nullptr) return 0;
  int64_t receivers = 0;
  SubscriberMap& direct = shard ? st->shard_channels : st->channels;
  if (auto it = direct.find(channel); it != direct.end()) {
    std::string_view kind = shard ? "smessage" : "message";
    for (Client* c : it->second) {
      WriteMessage(s, *c, kind, nullptr, channel, message);
      receivers++;
    }
  }
  if (shard) return receivers;  // shard channels ignore patterns
  for (auto& [pattern, subs] : st->patterns) {
    if (!GlobMatch(pattern, channel)) continue;
    for (Client* c : subs) {
      WriteMessage(s, *c, "pmessage", &pattern, channel, message);
      receivers++;
    }
  }
  return receivers;
}

PubsubTotals PubsubServerTotals(const Server& s) {
  PubsubTotals t;
  if (PubsubState* st = FindState(s)) {
    t.channels = st->channels.size();
    t.patterns = st->patterns.size();
    t.shard_channels = st->shard_channels.size();
  }
  return t;
}

size_t PubsubNumSubscribers(const Server& s, std::string_view channel, bool shard) {
  PubsubState* st = FindState(s);
  if (st == nullptr) return 0;
  const SubscriberMap& m = shard ? st->shard_channels : st->channels;
  auto it = m.find(channel);
  return it == m.end() ? 0 : it->second.size();
}

std::vector<std::string_view> PubsubChannelNames(const Server& s, bool shard,
                                                 const std::string_view* pattern) {
  std::vector<std::string_view> names;
  PubsubState* st = FindState(s);
  if (st == nullptr) return names;
  for (const auto& [name, subs] : shard ? st->shard_channels : st->channels) {
    if (pattern == nullptr || GlobMatch(*pattern, name)) names.emplace_back(name);
  }
  return names;
}

void PubsubNotifyKeyspaceEvent(Server& s, int type, std::string_view event, std::string_view key,
                               int dbid) {
  PubsubState* st = FindState(s);
  // Nobody could receive it (keyspace events never go to shard channels).
  if (st == nullptr || (st->channels.empty() && st->patterns.empty())) return;
  const std::string& config = s.config().notify_keyspace_events;
  if (!st->notify_parsed || st->notify_config != config) {
    st->notify_config = config;
    st->notify_flags = std::max(0, NotifyFlagsFromString(config));  // CONFIG SET validated it
    st->notify_parsed = true;
  }
  int flags = st->notify_flags;
  if ((flags & type) == 0) return;

  char db[24];
  std::string_view dbs(db, Int64ToChars(dbid, db));
  std::string channel;
  if (flags & kNotifyKeyspace) {
    channel.reserve(16 + dbs.size() + key.size());
    channel.append("__keyspace@").append(dbs).append("__:").append(key);
    PubsubPublish(s, channel, event, false);
  }
  if (flags & kNotifyKeyevent) {
    channel.clear();
    channel.append("__keyevent@").append(dbs).append("__:").append(event);
    PubsubPublish(s, channel, key, false);
  }
}

}  // namespace ember
