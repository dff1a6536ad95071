// Pub/Sub commands and keyspace notifications through the in-process harness.
#if __has_include("tests/unit/server/harness.h")

#include "server/pubsub.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/server/harness.h"

namespace ember {
namespace {

using test::Harness;
using Type = RespValue::Type;

// Every complete reply in `buf` (which is then emptied), as a subscriber reads them.
std::vector<RespValue> Drain(std::string& buf) {
  std::vector<RespValue> out;
  size_t pos = 0;
  while (pos < buf.size()) {
    RespValue v;
    size_t used = 0;
    if (ParseReply(buf.data() + pos, buf.size() - pos, &v, &used) != ReplyParse::kOk) break;
    out.push_back(std::move(v));
    pos += used;
  }
  buf.clear();
  return out;
}
std::vector<RespValue> Drain(Client* c) { return Drain(c->out()); }

// A reply rendered as its elements' text ("message ch hi"; null elements as "(nil)").
std::string Text(const RespValue& v) {
  if (!v.is_array()) return v.type == Type::kInteger ? std::to_string(v.integer) : v.str;
  std::string s;
  for (const RespValue& e : v.elems) {
    if (!s.empty()) s += ' ';
    s += e.is_null()                ? std::string("(nil)")
         : e.type == Type::kInteger ? std::to_string(e.integer)
                                    : e.str;
  }
  return s;
}

std::vector<std::string> Texts(const std::vector<RespValue>& vs) {
  std::vector<std::string> out;
  for (const RespValue& v : vs) out.push_back(Text(v));
  return out;
}

using Lines = std::vector<std::string>;

// Runs a (un)subscribe-style command on `c` and returns every reply it produced.
Lines RunAll(Harness& h, Client* c, std::vector<std::string> args) {
  h.RunOn(c, std::move(args));  // RunOn parses only the first reply; c->out() keeps them all
  return Texts(Drain(c));
}

std::string InfoField(const std::string& info, const std::string& field) {
  std::string needle = "\r\n" + field + ":";
  size_t at = info.find(needle);
  if (at == std::string::npos) return "";
  size_t start = at + needle.size();
  return info.substr(start, info.find("\r\n", start) - start);
}

// c's line of CLIENT LIST, asked by the harness's main client.
std::string ClientLine(Harness& h, Client* c) {
  std::string all = h.Run({"CLIENT", "LIST", "ID", std::to_string(c->id())}).str;
  return all.substr(0, all.find('\n'));
}

TEST_CASE("pubsub: SUBSCRIBE, PUBLISH and UNSUBSCRIBE") {
  Harness h;
  Client* sub = h.NewClient();
  CHECK(RunAll(h, sub, {"SUBSCRIBE", "chan1", "chan2"}) ==
        Lines{"subscribe chan1 1", "subscribe chan2 2"});
  CHECK(sub->has(kClientPubsub));
  CHECK(h.Run({"PUBLISH", "chan1", "hello"}).integer == 1);
  CHECK(h.Run({"PUBLISH", "chan2", "world"}).integer == 1);
  CHECK(h.Run({"PUBLISH", "chan3", "nobody"}).integer == 0);
  CHECK(Texts(Drain(sub)) == Lines{"message chan1 hello", "message chan2 world"});

  CHECK(RunAll(h, sub, {"UNSUBSCRIBE", "chan1"}) == Lines{"unsubscribe chan1 1"});
  CHECK(h.Run({"PUBLISH", "chan1", "hello"}).integer == 0);
  CHECK(sub->has(kClientPubsub));
  CHECK(RunAll(h, sub, {"UNSUBSCRIBE", "chan2"}) == Lines{"unsubscribe chan2 0"});
  CHECK_FALSE(sub->has(kClientPubsub));
  CHECK(h.Run({"PUBLISH", "chan2", "world"}).integer == 0);
  CHECK(Drain(sub).empty());
}

TEST_CASE("pubsub: repeated and unknown names, UNSUBSCRIBE without arguments") {
  Harness h;
  Client* sub = h.NewClient();
  CHECK(RunAll(h, sub, {"SUBSCRIBE", "a", "a", "a"}) ==
        Lines{"subscribe a 1", "subscribe a 1", "subscribe a 1"});
  CHECK(h.Run({"PUBLISH", "a", "x"}).integer == 1);
  Drain(sub);
  CHECK(RunAll(h, sub, {"UNSUBSCRIBE", "foo", "bar"}) ==
        Lines{"unsubscribe foo 1", "unsubscribe bar 1"});
  CHECK(RunAll(h, sub, {"SUBSCRIBE", "b", "c"}) == Lines{"subscribe b 2", "subscribe c 3"});
  Lines all = RunAll(h, sub, {"UNSUBSCRIBE"});
  REQUIRE(all.size() == 3);
  // The count goes down with each confirmation.
  CHECK(all[0].substr(all[0].size() - 2) == " 2");
  CHECK(all[1].substr(all[1].size() - 2) == " 1");
  CHECK(all[2].substr(all[2].size() - 2) == " 0");
  CHECK_FALSE(sub->has(kClientPubsub));
  // Nothing to leave: one confirmation with a null name.
  CHECK(RunAll(h, sub, {"UNSUBSCRIBE"}) == Lines{"unsubscribe (nil) 0"});
  CHECK(RunAll(h, sub, {"PUNSUBSCRIBE"}) == Lines{"punsubscribe (nil) 0"});
  CHECK(RunAll(h, sub, {"SUNSUBSCRIBE"}) == Lines{"sunsubscribe (nil) 0"});
  CHECK(h.Run({"PUBLISH", "a", "x"}).integer == 0);
}

TEST_CASE("pubsub: PSUBSCRIBE and pattern messages") {
  Harness h;
  Client* sub = h.NewClient();
  CHECK(RunAll(h, sub, {"PSUBSCRIBE", "foo.*", "bar.*"}) ==
        Lines{"psubscribe foo.* 1", "psubscribe bar.* 2"});
  CHECK(h.Run({"PUBLISH", "foo.1", "hello"}).integer == 1);
  CHECK(h.Run({"PUBLISH", "bar.1", "hello"}).integer == 1);
  CHECK(h.Run({"PUBLISH", "foo1", "hello"}).integer == 0);
  CHECK(h.Run({"PUBLISH", "barfoo.1", "hello"}).integer == 0);
  CHECK(Texts(Drain(sub)) == Lines{"pmessage foo.* foo.1 hello", "pmessage bar.* bar.1 hello"});
  CHECK(RunAll(h, sub, {"PUNSUBSCRIBE", "foo.*"}) == Lines{"punsubscribe foo.* 1"});
  CHECK(h.Run({"PUBLISH", "foo.1", "hello"}).integer == 0);
  // Patterns leave in subscription order.
  CHECK(RunAll(h, sub, {"PSUBSCRIBE", "a*", "z*"}) == Lines{"psubscribe a* 2", "psubscribe z* 3"});
  CHECK(RunAll(h, sub, {"PUNSUBSCRIBE"}) ==
        Lines{"punsubscribe bar.* 2", "punsubscribe a* 1", "punsubscribe z* 0"});
  CHECK_FALSE(sub->has(kClientPubsub));
}

TEST_CASE("pubsub: channel and pattern subscriptions share one count") {
  Harness h;
  Client* sub = h.NewClient();
  CHECK(RunAll(h, sub, {"SUBSCRIBE", "foo.bar"}) == Lines{"subscribe foo.bar 1"});
  CHECK(RunAll(h, sub, {"PSUBSCRIBE", "foo.*"}) == Lines{"psubscribe foo.* 2"});
  CHECK(h.Run({"PUBLISH", "foo.bar", "hello"}).integer == 2);
  CHECK(Texts(Drain(sub)) == Lines{"message foo.bar hello", "pmessage foo.* foo.bar hello"});
  CHECK(RunAll(h, sub, {"UNSUBSCRIBE"}) == Lines{"unsubscribe foo.bar 1"});
  CHECK(sub->has(kClientPubsub));  // still has a pattern
  CHECK(RunAll(h, sub, {"PUNSUBSCRIBE", "foo.*"}) == Lines{"punsubscribe foo.* 0"});
  CHECK_FALSE(sub->has(kClientPubsub));
}

TEST_CASE("pubsub: several subscribers get every message") {
  Harness h;
  Client* a = h.NewClient();
  Client* b = h.NewClient();
  RunAll(h, a, {"SUBSCRIBE", "chan1"});
  RunAll(h, b, {"SUBSCRIBE", "chan1"});
  Client* p = h.NewClient();
  RunAll(h, p, {"PSUBSCRIBE", "chan*"});
  CHECK(h.Run({"PUBLISH", "chan1", "hello"}).integer == 3);
  CHECK(Texts(Drain(a)) == Lines{"message chan1 hello"});
  CHECK(Texts(Drain(b)) == Lines{"message chan1 hello"});
  CHECK(Texts(Drain(p)) == Lines{"pmessage chan* chan1 hello"});
  // Binary-safe channel and payload.
  std::string bin("x\0y\r\n", 5);
  RunAll(h, a, {"SUBSCRIBE", bin});
  CHECK(h.Run({"PUBLISH", bin, bin}).integer == 1);
  std::vector<RespValue> got = Drain(a);
  REQUIRE(got.size() == 1);
  CHECK(got[0].elems[1].str == bin);
  CHECK(got[0].elems[2].str == bin);
}

TEST_CASE("pubsub: shard channels") {
  Harness h;
  Client* s1 = h.NewClient();
  Client* s2 = h.NewClient();
  CHECK(RunAll(h, s1, {"SSUBSCRIBE", "chan1"}) == Lines{"ssubscribe chan1 1"});
  CHECK(RunAll(h, s1, {"SSUBSCRIBE", "chan2", "chan2"}) ==
        Lines{"ssubscribe chan2 2", "ssubscribe chan2 2"});
  CHECK(s1->has(kClientPubsub));
  CHECK(RunAll(h, s2, {"SUBSCRIBE", "chan1"}) == Lines{"subscribe chan1 1"});
  RunAll(h, s2, {"PSUBSCRIBE", "*"});
  // Shard and global channels are separate namespaces; patterns ignore SPUBLISH.
  CHECK(h.Run({"SPUBLISH", "chan1", "hello"}).integer == 1);
  CHECK(Texts(Drain(s1)) == Lines{"smessage chan1 hello"});
  CHECK(Drain(s2).empty());
  CHECK(h.Run({"PUBLISH", "chan1", "hello"}).integer == 2);
  CHECK(Drain(s1).empty());
  CHECK(Texts(Drain(s2)) == Lines{"message chan1 hello", "pmessage * chan1 hello"});
  // Shard subscriptions have their own count.
  CHECK(RunAll(h, s2, {"SSUBSCRIBE", "x"}) == Lines{"ssubscribe x 1"});
  CHECK(RunAll(h, s2, {"SUNSUBSCRIBE"}) == Lines{"sunsubscribe x 0"});
  CHECK(s2->has(kClientPubsub));
  CHECK(RunAll(h, s1, {"SUNSUBSCRIBE", "chan1", "nope"}) ==
        Lines{"sunsubscribe chan1 1", "sunsubscribe nope 1"});
  CHECK(RunAll(h, s1, {"SUNSUBSCRIBE"}) == Lines{"sunsubscribe chan2 0"});
  CHECK_FALSE(s1->has(kClientPubsub));
  CHECK(h.Run({"SPUBLISH", "chan1", "hello"}).integer == 0);
}

TEST_CASE("pubsub: SSUBSCRIBE is refused inside MULTI, SUBSCRIBE is not") {
  Harness h;
  Client* c = h.NewClient();
  h.RunOn(c, {"MULTI"});
  h.RunOn(c, {"SSUBSCRIBE", "s"});
  std::vector<RespValue> exec;
  h.RunOn(c, {"EXEC"});
  exec = Drain(c);
  REQUIRE(exec.size() == 1);
  REQUIRE(exec[0].elems.size() == 1);
  CHECK(exec[0].elems[0].str == "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  CHECK_FALSE(c->has(kClientPubsub));
  h.RunOn(c, {"MULTI"});
  h.RunOn(c, {"SUBSCRIBE", "ch"});
  h.RunOn(c, {"EXEC"});
  CHECK(c->has(kClientPubsub));
  CHECK(h.Run({"PUBLISH", "ch", "m"}).integer == 1);
}

TEST_CASE("pubsub: RESP2 subscribed mode allows only (un)subscribe, PING, QUIT and RESET") {
  Harness h;
  Client* sub = h.NewClient();
  RunAll(h, sub, {"SUBSCRIBE", "ch"});
  RespValue r = h.RunOn(sub, {"GET", "k"});
  CHECK(r.is_error());
  CHECK(r.str ==
        "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
        "are allowed in this context");
  CHECK(Text(h.RunOn(sub, {"PING"})) == "pong ");
  CHECK(Text(h.RunOn(sub, {"PING", "foo"})) == "pong foo");
  RunAll(h, sub, {"UNSUBSCRIBE", "ch"});
  CHECK(h.RunOn(sub, {"PING"}).str == "PONG");
  CHECK(h.RunOn(sub, {"GET", "k"}).is_null());
}

TEST_CASE("pubsub: RESP3 uses push replies and keeps normal commands available") {
  Harness h;
  Client* sub = h.NewClient();
  h.RunOn(sub, {"HELLO", "3"});
  std::vector<RespValue> got;
  h.RunOn(sub, {"SUBSCRIBE", "ch"});
  got = Drain(sub);
  REQUIRE(got.size() == 1);
  CHECK(got[0].type == Type::kPush);
  CHECK(Text(got[0]) == "subscribe ch 1");
  CHECK(h.RunOn(sub, {"SET", "k", "v"}).str == "OK");
  // Publishing to itself: the push comes before the reply.
  h.RunOn(sub, {"PUBLISH", "ch", "hi"});
  got = Drain(sub);
  REQUIRE(got.size() == 2);
  CHECK(got[0].type == Type::kPush);
  CHECK(Text(got[0]) == "message ch hi");
  CHECK(got[1].type == Type::kInteger);
  CHECK(got[1].integer == 1);
  h.RunOn(sub, {"UNSUBSCRIBE"});
  got = Drain(sub);
  REQUIRE(got.size() == 1);
  CHECK(got[0].type == Type::kPush);
  h.RunOn(sub, {"UNSUBSCRIBE"});
  got = Drain(sub);
  REQUIRE(got.size() == 1);
  CHECK(got[0].elems[1].type == Type::kNull);
}

TEST_CASE("pubsub: confirmations and messages get through CLIENT REPLY OFF and SKIP") {
  Harness h;
  Client* sub = h.NewClient();
  h.RunOn(sub, {"HELLO", "3"});
  h.RunOn(sub, {"CLIENT", "REPLY", "OFF"});
  // Replies are dropped, but the confirmations still arrive, in order.
  CHECK(Text(h.RunOn(sub, {"SUBSCRIBE", "channel"})) == "subscribe channel 1");
  CHECK(Text(h.RunOn(sub, {"PSUBSCRIBE", "ch*"})) == "psubscribe ch* 2");
  sub->out().clear();
  std::string pending;
  CHECK(h.Run({"PUBLISH", "channel", "hello"}).integer == 2);
  pending = sub->out() + sub->stream_out;
  sub->out().clear();
  CHECK(Texts(Drain(pending)) == Lines{"message channel hello", "pmessage ch* channel hello"});
  h.RunOn(sub, {"PING"});  // dropped
  h.RunOn(sub, {"UNSUBSCRIBE", "channel"});
  pending = sub->out() + sub->stream_out;
  sub->stream_out.clear();
  CHECK(Texts(Drain(pending)) == Lines{"unsubscribe channel 1"});

  Client* skip = h.NewClient();
  h.RunOn(skip, {"CLIENT", "REPLY", "SKIP"});
  h.RunOn(skip, {"PSUBSCRIBE", "*"});
  pending = skip->out() + skip->stream_out;
  skip->stream_out.clear();
  CHECK(Texts(Drain(pending)) == Lines{"psubscribe * 1"});
}

TEST_CASE("pubsub: PUBSUB introspection") {
  Harness h;
  Client* a = h.NewClient();
  Client* b = h.NewClient();
  RunAll(h, a, {"SUBSCRIBE", "news.tech", "news.art", "sport"});
  RunAll(h, b, {"SUBSCRIBE", "news.tech"});
  RunAll(h, a, {"PSUBSCRIBE", "foo*", "bar*"});
  RunAll(h, b, {"PSUBSCRIBE", "foo*", "baz*"});
  RunAll(h, b, {"SSUBSCRIBE", "shard1"});

  RespValue r = h.Run({"PUBSUB", "CHANNELS"});
  CHECK(r.elems.size() == 3);
  r = h.Run({"PUBSUB", "CHANNELS", "news.*"});
  std::vector<std::string> names;
  for (auto& e : r.elems) names.push_back(e.str);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"news.art", "news.tech"});
  CHECK(Text(h.Run({"PUBSUB", "NUMSUB", "news.tech", "sport", "none"})) ==
        "news.tech 2 sport 1 none 0");
  CHECK(h.Run({"PUBSUB", "NUMSUB"}).elems.empty());
  CHECK(h.Run({"PUBSUB", "NUMPAT"}).integer == 3);
  CHECK(Text(h.Run({"PUBSUB", "SHARDCHANNELS"})) == "shard1");
  CHECK(h.Run({"PUBSUB", "SHARDCHANNELS", "x*"}).elems.empty());
  CHECK(Text(h.Run({"PUBSUB", "SHARDNUMSUB", "shard1", "news.tech"})) == "shard1 1 news.tech 0");
  CHECK(h.Run({"PUBSUB", "CHANNELS", "a", "b"}).str ==
        "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.");
  CHECK(h.Run({"PUBSUB", "NUMPAT", "x"}).str ==
        "ERR wrong number of arguments for 'pubsub|numpat' command");
  CHECK(h.Run({"PUBSUB", "NOPE"}).str == "ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.");
  r = h.Run({"PUBSUB", "HELP"});
  REQUIRE(r.elems.size() == 14);
  CHECK(r.elems[0].str == "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");

  std::string info = h.Run({"INFO", "stats"}).str;
  CHECK(InfoField(info, "pubsub_channels") == "3");
  CHECK(InfoField(info, "pubsub_patterns") == "3");
  CHECK(InfoField(info, "pubsubshard_channels") == "1");

  PubsubTotals t = PubsubServerTotals(h.server());
  CHECK(t.channels == 3);
  CHECK(t.patterns == 3);
  CHECK(t.shard_channels == 1);
}

TEST_CASE("pubsub: CLIENT LIST counts, RESET and disconnection drop subscriptions") {
  Harness h;
  Client* a = h.NewClient();
  RunAll(h, a, {"SUBSCRIBE", "c1", "c2"});
  RunAll(h, a, {"PSUBSCRIBE", "p*"});
  RunAll(h, a, {"SSUBSCRIBE", "s1"});
  // (CLIENT INFO itself is refused to a RESP2 subscriber.)
  std::string info = ClientLine(h, a);
  CHECK(info.find(" flags=P ") != std::string::npos);
  CHECK(info.find(" sub=2 psub=1 ssub=1 ") != std::string::npos);

  CHECK(h.RunOn(a, {"RESET"}).str == "RESET");
  CHECK_FALSE(a->has(kClientPubsub));
  CHECK(h.Run({"PUBLISH", "c1", "x"}).integer == 0);
  CHECK(h.Run({"PUBSUB", "NUMPAT"}).integer == 0);
  CHECK(h.Run({"PUBSUB", "SHARDNUMSUB", "s1"}).elems[1].integer == 0);
  info = ClientLine(h, a);
  CHECK(info.find(" flags=N ") != std::string::npos);
  CHECK(info.find(" sub=0 psub=0 ssub=0 ") != std::string::npos);

  Client* b = h.NewClient();
  RunAll(h, b, {"SUBSCRIBE", "c1"});
  RunAll(h, b, {"PSUBSCRIBE", "*"});
  RunAll(h, b, {"SSUBSCRIBE", "s1"});
  CHECK(h.Run({"PUBLISH", "c1", "x"}).integer == 2);
  h.server().FreeClient(b);
  CHECK(h.Run({"PUBLISH", "c1", "x"}).integer == 0);
  CHECK(h.Run({"SPUBLISH", "s1", "x"}).integer == 0);
  PubsubTotals t = PubsubServerTotals(h.server());
  CHECK(t.channels + t.patterns + t.shard_channels == 0);
}

TEST_CASE("pubsub: PUBLISH reaches the replication stream") {
  Harness h;
  h.Run({"CONFIG", "SET", "repl-diskless-sync-delay", "0"});  // the snapshot goes out at once
  Client* replica = h.NewClient();
  h.RunOn(replica, {"SYNC"});
  replica->out().clear();
  replica->stream_out.clear();
  CHECK(h.Run({"PUBLISH", "ch", "payload"}).integer == 0);
  CHECK(h.Run({"SPUBLISH", "sch", "payload2"}).integer == 0);
  std::string stream = replica->out() + replica->stream_out;
  CHECK(stream.find("$7\r\nPUBLISH\r\n$2\r\nch\r\n$7\r\npayload\r\n") != std::string::npos);
  CHECK(stream.find("$8\r\nSPUBLISH\r\n$3\r\nsch\r\n$8\r\npayload2\r\n") != std::string::npos);
  CHECK(h.server().commands().Find("publish")->has(kCmdMayReplicate));
}

TEST_CASE("keyspace notifications: keyspace and keyevent channels") {
  Harness h;
  Client* sub = h.NewClient();
  RunAll(h, sub, {"PSUBSCRIBE", "*"});
  // Off by default.
  h.Run({"SET", "foo", "bar"});
  CHECK(Drain(sub).empty());

  h.Run({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  h.Run({"SET", "foo", "bar"});
  CHECK(Texts(Drain(sub)) ==
        Lines{"pmessage * __keyspace@0__:foo set", "pmessage * __keyevent@0__:set foo"});

  h.Run({"CONFIG", "SET", "notify-keyspace-events", "KA"});
  h.Run({"SELECT", "9"});
  h.Run({"SET", "foo", "bar"});
  CHECK(Texts(Drain(sub)) == Lines{"pmessage * __keyspace@9__:foo set"});

  h.Run({"CONFIG", "SET", "notify-keyspace-events", "EA"});
  h.Run({"SET", "foo", "bar"});
  CHECK(Texts(Drain(sub)) == Lines{"pmessage * __keyevent@9__:set foo"});

  // A class without K or E publishes nothing.
  h.Run({"CONFIG", "SET", "notify-keyspace-events", "A"});
  h.Run({"SET", "foo", "bar"});
  CHECK(Drain(sub).empty());
}

TEST_CASE("keyspace notifications: classes mask events") {
  Harness h;
  Client* sub = h.NewClient();
  RunAll(h, sub, {"SUBSCRIBE", "__keyevent@0__:lpush", "__keyevent@0__:set"});
  h.Run({"CONFIG", "SET", "notify-keyspace-events", "El"});
  h.Run({"SET", "foo", "bar"});
  h.Run({"LPUSH", "mylist", "a"});
  CHECK(Texts(Drain(sub)) == Lines{"message __keyevent@0__:lpush mylist"});
}

TEST_CASE("keyspace notifications: generic events") {
  Harness h;
  Client* sub = h.NewClient();
  RunAll(h, sub, {"PSUBSCRIBE", "__keyevent@*"});
  h.Run({"CONFIG", "SET", "notify-keyspace-events", "Eg"});
  h.Run({"SET", "foo", "bar"});
  h.Run({"EXPIRE", "foo", "100"});
  h.Run({"PERSIST", "foo"});
  h.Run({"RENAME", "foo", "bar"});
  h.Run({"COPY", "bar", "baz"});
  h.Run({"MOVE", "baz", "1"});
  h.Run({"DEL", "bar"});
  CHECK(Texts(Drain(sub)) == Lines{
                                 "pmessage __keyevent@* __keyevent@0__:expire foo",
                                 "pmessage __keyevent@* __keyevent@0__:persist foo",
                                 "pmessage __keyevent@* __keyevent@0__:rename_from foo",
                                 "pmessage __keyevent@* __keyevent@0__:rename_to bar",
                                 "pmessage __keyevent@* __keyevent@0__:copy_to baz",
                                 "pmessage __keyevent@* __keyevent@0__:move_from baz",
                                 "pmessage __keyevent@* __keyevent@1__:move_to baz",
                                 "pmessage __keyevent@* __keyevent@0__:del bar",
                             });
  // 'n' is not part of 'A'.
  h.Run({"CONFIG", "SET", "notify-keyspace-events", "EA"});
  h.Run({"RENAME", "missing", "x"});
  h.Run({"SET", "a", "1"});
  h.Run({"RENAME", "a", "b"});
  for (const std::string& line : Texts(Drain(sub))) CHECK(line.find(":new ") == std::string::npos);
  h.Run({"CONFIG", "SET", "notify-keyspace-events", "En"});
  h.Run({"RENAME", "b", "c"});
  CHECK(Texts(Drain(sub)) == Lines{"pmessage __keyevent@* __keyevent@0__:new c"});
}

TEST_CASE("keyspace notifications: expired keys") {
  Harness h;
  Client* sub = h.NewClient();
  RunAll(h, sub, {"SUBSCRIBE", "__keyevent@0__:expired"});
  h.Run({"CONFIG", "SET", "notify-keyspace-events", "Ex"});
  h.Run({"SET", "foo", "bar", "PX", "1"});
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(h.Run({"GET", "foo"}).is_null());
  CHECK(Texts(Drain(sub)) == Lines{"message __keyevent@0__:expired foo"});
}

}  // namespace
}  // namespace ember

#endif
