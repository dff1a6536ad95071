// Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB, as Redis
// 7.0.15 replies to them. Subscriptions and delivery are in server/pubsub.h.
#include <spdlog/fmt/fmt.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/resp/reply_builder.h"
#include "common/util/strings.h"
#include "server/client.h"
#include "server/command.h"
#include "server/families/families.h"
#include "server/pubsub.h"
#include "server/server.h"

namespace ember {
namespace {

void Subscribe(Client& c, CmdArgs args, SubKind kind) {
  for (size_t i = 1; i < args.size(); i++) PubsubSubscribe(c, kind, args[i]);
  c.set(kClientPubsub);
}

void Unsubscribe(Client& c, CmdArgs args, SubKind kind) {
  if (args.size() == 1) {
    PubsubUnsubscribeAllOf(c, kind, true);
  } else {
    for (size_t i = 1; i < args.size(); i++) PubsubUnsubscribe(c, kind, args[i], true);
  }
  if (PubsubClientTotal(c) == 0) c.clear(kClientPubsub);
}

void CmdSubscribe(Client& c, CmdArgs args) { Subscribe(c, args, SubKind::kChannel); }
void CmdPsubscribe(Client& c, CmdArgs args) { Subscribe(c, args, SubKind::kPattern); }

void CmdSsubscribe(Client& c, CmdArgs args) {
  // Inside a transaction a client must get one reply per command (SUBSCRIBE and PSUBSCRIBE
  // are let through there for backward compatibility; SSUBSCRIBE is not).
  if (c.has(kClientMulti)) {
    return c.reply().Error("SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  }
  Subscribe(c, args, SubKind::kShardChannel);
}

void CmdUnsubscribe(Client& c, CmdArgs args) { Unsubscribe(c, args, SubKind::kChannel); }
void CmdPunsubscribe(Client& c, CmdArgs args) { Unsubscribe(c, args, SubKind::kPattern); }
void CmdSunsubscribe(Client& c, CmdArgs args) { Unsubscribe(c, args, SubKind::kShardChannel); }

void Publish(Client& c, CmdArgs args, bool shard) {
  int64_t receivers = PubsubPublish(c.server(), args[1], args[2], shard);
  // Replicas deliver the message to their own subscribers: always propagate, although
  // nothing in the dataset changed.
  c.RewritePropagation(std::vector<std::string>(args.begin(), args.end()));
  c.reply().Integer(receivers);
}

void CmdPublish(Client& c, CmdArgs args) { Publish(c, args, false); }
void CmdSpublish(Client& c, CmdArgs args) { Publish(c, args, true); }

// ---- PUBSUB ----

void ReplySubcommandSyntaxError(Client& c, CmdArgs args) {
  c.reply().Error(
      fmt::format("unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
                  args[1].substr(0, 128), ToUpper(args[0])));
}

void ReplyChannels(Client& c, CmdArgs args, bool shard) {
  if (args.size() > 3) return ReplySubcommandSyntaxError(c, args);
  const std::string_view* pattern = args.size() == 3 ? &args[2] : nullptr;
  std::vector<std::string_view> names = PubsubChannelNames(c.server(), shard, pattern);
  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(names.size()));
  for (std::string_view name : names) r.Bulk(name);
}

void ReplyNumSub(Client& c, CmdArgs args, bool shard) {
  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(args.size() - 2) * 2);
  for (size_t i = 2; i < args.size(); i++) {
    r.Bulk(args[i]);
    r.Integer(int64_t(PubsubNumSubscribers(c.server(), args[i], shard)));
  }
}

void CmdPubsubChannels(Client& c, CmdArgs args) { ReplyChannels(c, args, false); }
void CmdPubsubShardChannels(Client& c, CmdArgs args) { ReplyChannels(c, args, true); }
void CmdPubsubNumSub(Client& c, CmdArgs args) { ReplyNumSub(c, args, false); }
void CmdPubsubShardNumSub(Client& c, CmdArgs args) { ReplyNumSub(c, args, true); }

void CmdPubsubNumPat(Client& c, CmdArgs) {
  c.reply().Integer(int64_t(PubsubServerTotals(c.server()).patterns));
}

void CmdPubsubHelp(Client& c, CmdArgs args) {
  static constexpr std::string_view kLines[] = {
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: "
      "'*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
  };
  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(std::size(kLines)) + 3);
  r.SimpleString(
      fmt::format("{} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", ToUpper(args[0])));
  for (std::string_view line : kLines) r.SimpleString(line);
  r.SimpleString("HELP");
  r.SimpleString("    Prints this help.");
}

}  // namespace

void RegisterPubsubFamily(CommandTable* t) {
  t->Register("subscribe", CmdSubscribe);
  t->Register("unsubscribe", CmdUnsubscribe);
  t->Register("psubscribe", CmdPsubscribe);
  t->Register("punsubscribe", CmdPunsubscribe);
  t->Register("ssubscribe", CmdSsubscribe);
  t->Register("sunsubscribe", CmdSunsubscribe);
  // MAY_REPLICATE is hidden from COMMAND INFO, so it is not in the spec.
  t->Register("publish", CmdPublish, kCmdMayReplicate);
  t->Register("spublish", CmdSpublish, kCmdMayReplicate);
  t->Register("pubsub|channels", CmdPubsubChannels);
  t->Register("pubsub|help", CmdPubsubHelp);
  t->Register("pubsub|numpat", CmdPubsubNumPat);
  t->Register("pubsub|numsub", CmdPubsubNumSub);
  t->Register("pubsub|shardchannels", CmdPubsubShardChannels);
  t->Register("pubsub|shardnumsub", CmdPubsubShardNumSub);
}

}  // namespace ember
