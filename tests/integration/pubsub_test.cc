// Pub/Sub and keyspace notifications against the real server, with several connections.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

using ember::EncodeCommand;
using ember::RespClient;
using ember::RespValue;
using ember::test::ServerProcess;

namespace {

void Send(RespClient& c, const std::vector<std::string>& args) {
  REQUIRE(c.SendRaw(EncodeCommand(args)).ok());
}

RespValue Read(RespClient& c) {
  auto r = c.ReadReply();
  REQUIRE(r.ok());
  return r.value();
}

// "message ch hi", integers in decimal, nulls as "(nil)".
std::string Text(const RespValue& v) {
  std::string s;
  for (const RespValue& e : v.elems) {
    if (!s.empty()) s += ' ';
    s += e.is_null()                           ? std::string("(nil)")
         : e.type == RespValue::Type::kInteger ? std::to_string(e.integer)
                                               : e.str;
  }
  return s;
}

int64_t NumSub(RespClient& c, const std::string& channel) {
  RespValue r = c.Command({"PUBSUB", "NUMSUB", channel}).value();
  return r.elems.size() == 2 ? r.elems[1].integer : -1;
}

}  // namespace

TEST_CASE("pubsub: messages reach a subscriber on another connection") {
  ServerProcess s;
  REQUIRE(s.Start());
  RespClient pub = s.Connect();
  RespClient sub = s.Connect();
  Send(sub, {"SUBSCRIBE", "chan1", "chan2"});
  CHECK(Text(Read(sub)) == "subscribe chan1 1");
  CHECK(Text(Read(sub)) == "subscribe chan2 2");
  Send(sub, {"PSUBSCRIBE", "chan*"});
  CHECK(Text(Read(sub)) == "psubscribe chan* 3");

  CHECK(pub.Command({"PUBLISH", "chan1", "hello"}).value().integer == 2);
  CHECK(Text(Read(sub)) == "message chan1 hello");
  CHECK(Text(Read(sub)) == "pmessage chan* chan1 hello");

  // In RESP2 subscribed mode other commands are refused; PING answers as an array.
  Send(sub, {"GET", "x"});
  RespValue err = Read(sub);
  CHECK(err.is_error());
  Send(sub, {"PING"});
  CHECK(Text(Read(sub)) == "pong ");

  Send(sub, {"UNSUBSCRIBE"});
  Send(sub, {"PUNSUBSCRIBE"});
  std::vector<std::string> got;
  for (int i = 0; i < 3; i++) got.push_back(Text(Read(sub)));
  CHECK(got.back() == "punsubscribe chan* 0");
  CHECK(pub.Command({"PUBLISH", "chan1", "hello"}).value().integer == 0);
  CHECK(sub.Command({"PING"}).value().str == "PONG");
}

TEST_CASE("pubsub: RESP3 pushes and shard channels") {
  ServerProcess s;
  REQUIRE(s.Start());
  RespClient pub = s.Connect();
  RespClient sub = s.Connect();
  REQUIRE(sub.Command({"HELLO", "3"}).ok());
  Send(sub, {"SSUBSCRIBE", "shard"});
  RespValue r = Read(sub);
  CHECK(r.type == RespValue::Type::kPush);
  CHECK(Text(r) == "ssubscribe shard 1");
  // RESP3 clients keep running ordinary commands.
  CHECK(sub.Command({"SET", "k", "v"}).value().str == "OK");
  CHECK(pub.Command({"SPUBLISH", "shard", "m"}).value().integer == 1);
  r = Read(sub);
  CHECK(r.type == RespValue::Type::kPush);
  CHECK(Text(r) == "smessage shard m");
  CHECK(pub.Command({"PUBLISH", "shard", "m"}).value().integer == 0);
}

TEST_CASE("pubsub: a closed subscriber is forgotten") {
  ServerProcess s;
  REQUIRE(s.Start());
  RespClient admin = s.Connect();
  {
    RespClient sub = s.Connect();
    Send(sub, {"SUBSCRIBE", "gone"});
    Read(sub);
    CHECK(NumSub(admin, "gone") == 1);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (NumSub(admin, "gone") != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(NumSub(admin, "gone") == 0);
  CHECK(admin.Command({"PUBLISH", "gone", "x"}).value().integer == 0);
}

TEST_CASE("pubsub: keyspace notifications, also under CLIENT REPLY OFF") {
  ServerProcess s;
  REQUIRE(s.Start());
  RespClient admin = s.Connect();
  RespClient sub = s.Connect();
  REQUIRE(admin.Command({"CONFIG", "SET", "notify-keyspace-events", "KEA"}).ok());
  Send(sub, {"CLIENT", "REPLY", "OFF"});
  Send(sub, {"PSUBSCRIBE", "*"});
  CHECK(Text(Read(sub)) == "psubscribe * 1");
  REQUIRE(admin.Command({"SELECT", "3"}).ok());
  REQUIRE(admin.Command({"LPUSH", "mylist", "a"}).ok());
  CHECK(Text(Read(sub)) == "pmessage * __keyspace@3__:mylist lpush");
  CHECK(Text(Read(sub)) == "pmessage * __keyevent@3__:lpush mylist");
  REQUIRE(admin.Command({"SET", "foo", "bar", "PX", "50"}).ok());
  CHECK(Text(Read(sub)) == "pmessage * __keyspace@3__:foo set");
  CHECK(Text(Read(sub)) == "pmessage * __keyevent@3__:set foo");
  CHECK(Text(Read(sub)) == "pmessage * __keyspace@3__:foo expire");
  CHECK(Text(Read(sub)) == "pmessage * __keyevent@3__:expire foo");
  // Active expiry publishes "expired" without any client touching the key.
  CHECK(Text(Read(sub)) == "pmessage * __keyspace@3__:foo expired");
  CHECK(Text(Read(sub)) == "pmessage * __keyevent@3__:expired foo");
  std::string info = admin.Command({"INFO", "stats"}).value().str;
  CHECK(info.find("\r\npubsub_patterns:1\r\n") != std::string::npos);
}

TEST_CASE("pubsub: PUBLISH on a master reaches the replica's subscribers") {
  ServerProcess master({"--repl-diskless-sync-delay", "0"});
  REQUIRE(master.Start());
  ServerProcess replica;
  REQUIRE(replica.Start());
  RespClient r = replica.Connect();
  RespValue reply = r.Command({"REPLICAOF", "127.0.0.1", std::to_string(master.port())}).value();
  REQUIRE_FALSE(reply.is_error());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool linked = false;
  while (!linked && std::chrono::steady_clock::now() < deadline) {
    std::string info = r.Command({"INFO", "replication"}).value().str;
    linked = info.find("master_link_status:up") != std::string::npos;
    if (!linked) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(linked);
  RespClient sub = replica.Connect();
  Send(sub, {"SSUBSCRIBE", "chan1"});
  CHECK(Text(Read(sub)) == "ssubscribe chan1 1");
  Send(sub, {"SUBSCRIBE", "chan2"});
  CHECK(Text(Read(sub)) == "subscribe chan2 1");
  RespClient m = master.Connect();
  CHECK(m.Command({"SPUBLISH", "chan1", "hello"}).value().integer == 0);
  CHECK(Text(Read(sub)) == "smessage chan1 hello");
  CHECK(m.Command({"PUBLISH", "chan2", "world"}).value().integer == 0);
  CHECK(Text(Read(sub)) == "message chan2 world");
}
