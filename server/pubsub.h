// Pub/Sub: channel, pattern and shard-channel subscriptions, message delivery and keyspace
// notifications. A client's own subscriptions live in Client (pubsub_channels, ...); this
// module keeps the reverse side (name -> subscribers) per Server and writes the pub/sub
// replies (arrays in RESP2, pushes in RESP3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ember {

class Client;
class Server;

enum class SubKind { kChannel, kPattern, kShardChannel };

// Subscribes `c` and writes the confirmation ("subscribe"/"psubscribe"/"ssubscribe", name,
// count). True if the subscription is new.
bool PubsubSubscribe(Client& c, SubKind kind, std::string_view name);
// Unsubscribes `c`; with `notify` writes the confirmation even if `c` was not subscribed.
// True if a subscription was removed. `name` must not point into c's own subscription lists.
bool PubsubUnsubscribe(Client& c, SubKind kind, std::string_view name, bool notify);
// Leaves every subscription of `kind`, confirming each one with `notify` (or a single
// confirmation with a null name when there was none). Returns how many were left.
size_t PubsubUnsubscribeAllOf(Client& c, SubKind kind, bool notify);
// Leaves everything silently and leaves pub/sub mode (RESET, disconnection).
void PubsubUnsubscribeAll(Client& c);

// Subscription counts of one client: SUBSCRIBE/PSUBSCRIBE confirmations report channels +
// patterns, SSUBSCRIBE ones shard channels only.
size_t PubsubClientCount(const Client& c, SubKind kind);
size_t PubsubClientTotal(const Client& c);

// Delivers `message` to the subscribers of `channel` (and, unless sharded, to the matching
// patterns). Returns the number of receivers.
int64_t PubsubPublish(Server& s, std::string_view channel, std::string_view message, bool shard);

// Introspection (PUBSUB, INFO).
struct PubsubTotals {
  size_t channels = 0;
  size_t patterns = 0;
  size_t shard_channels = 0;
};
PubsubTotals PubsubServerTotals(const Server& s);
size_t PubsubNumSubscribers(const Server& s, std::string_view channel, bool shard);
// Active channel names matching `pattern` (all when null). Valid until the next change.
std::vector<std::string_view> PubsubChannelNames(const Server& s, bool shard,
                                                 const std::string_view* pattern);

// Publishes __keyspace@<db>__:<key> -> event and __keyevent@<db>__:<event> -> key as the
// notify-keyspace-events config selects (Server::NotifyKeyspaceEvent).
void PubsubNotifyKeyspaceEvent(Server& s, int type, std::string_view event, std::string_view key,
                               int dbid);

}  // namespace ember
