// Blocking list commands against the real server, with several connections.
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

int64_t BlockedClients(RespClient& admin) {
  auto r = admin.Command({"INFO", "clients"});
  if (!r.ok()) return -1;
  const std::string& s = r.value().str;
  size_t p = s.find("blocked_clients:");
  if (p == std::string::npos) return -1;
  return std::stoll(s.substr(p + 16));
}

// Polls INFO until `n` clients are blocked (or 5 seconds pass).
bool WaitBlocked(RespClient& admin, int64_t n) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (BlockedClients(admin) == n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

void Send(RespClient& c, const std::vector<std::string>& args) {
  REQUIRE(c.SendRaw(EncodeCommand(args)).ok());
}

RespValue Read(RespClient& c) {
  auto r = c.ReadReply();
  REQUIRE(r.ok());
  return r.value();
}

std::vector<std::string> Strs(const RespValue& v) {
  std::vector<std::string> out;
  for (const auto& e : v.elems) out.push_back(e.str);
  return out;
}

}  // namespace

TEST_CASE("blocking: BLPOP wakes on RPUSH from another client") {
  ServerProcess s;
  REQUIRE(s.Start());
  RespClient admin = s.Connect();
  RespClient c1 = s.Connect();
  Send(c1, {"BLPOP", "q", "0"});
  REQUIRE(WaitBlocked(admin, 1));
  CHECK(admin.Command({"RPUSH", "q", "v"}).value().integer == 1);
  CHECK(Strs(Read(c1)) == std::vector<std::string>{"q", "v"});
  CHECK(admin.Command({"EXISTS", "q"}).value().integer == 0);
  CHECK(BlockedClients(admin) == 0);
  // Requests pipelined behind a blocked command run once it is served.
  Send(c1, {"BRPOP", "q", "0"});
  Send(c1, {"PING"});
  REQUIRE(WaitBlocked(admin, 1));
  admin.Command({"LPUSH", "q", "w"}).value();
  CHECK(Strs(Read(c1)) == std::vector<std::string>{"q", "w"});
  CHECK(Read(c1).str == "PONG");
}

TEST_CASE("blocking: timeout replies nil after about the timeout") {
  ServerProcess s;
  REQUIRE(s.Start());
  RespClient c1 = s.Connect();
  auto start = std::chrono::steady_clock::now();
  Send(c1, {"BLPOP", "q", "0.3"});
  RespValue r = Read(c1);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  CHECK(r.is_null());
  CHECK(ms >= 250);
  CHECK(ms < 3000);
  // BRPOPLPUSH times out the same way.
  Send(c1, {"BRPOPLPUSH", "q", "d", "0.1"});
  CHECK(Read(c1).is_null());
}

TEST_CASE("blocking: waiters are served first come, first served") {
  ServerProcess s;
  REQUIRE(s.Start());
  RespClient admin = s.Connect();
  RespClient c1 = s.Connect();
  RespClient c2 = s.Connect();
  Send(c1, {"BLPOP", "q", "0"});
  REQUIRE(WaitBlocked(admin, 1));
  Send(c2, {"BLPOP", "q", "0"});
  REQUIRE(WaitBlocked(admin, 2));
  CHECK(admin.Command({"RPUSH", "q", "first", "second"}).value().integer == 2);
  CHECK(Strs(Read(c1)) == std::vector<std::string>{"q", "first"});
  CHECK(Strs(Read(c2)) == std::vector<std::string>{"q", "second"});
  CHECK(BlockedClients(admin) == 0);
}

TEST_CASE("blocking: a waiter that disconnects is forgotten") {
  ServerProcess s;
  REQUIRE(s.Start());
  RespClient admin = s.Connect();
  {
    RespClient c1 = s.Connect();
    Send(c1, {"BLPOP", "q", "0"});
    REQUIRE(WaitBlocked(admin, 1));
    c1.Close();
  }
  REQUIRE(WaitBlocked(admin, 0));
  CHECK(admin.Command({"RPUSH", "q", "x"}).value().integer == 1);
  CHECK(admin.Command({"LLEN", "q"}).value().integer == 1);
}

TEST_CASE("blocking: CLIENT UNBLOCK and BLMOVE chains") {
  ServerProcess s;
  REQUIRE(s.Start());
  RespClient admin = s.Connect();
  RespClient c1 = s.Connect();
  RespClient c2 = s.Connect();
  int64_t id = c1.Command({"CLIENT", "ID"}).value().integer;
  Send(c1, {"BLPOP", "q", "0"});
  REQUIRE(WaitBlocked(admin, 1));
  CHECK(admin.Command({"CLIENT", "UNBLOCK", std::to_string(id)}).value().integer == 1);
  CHECK(Read(c1).is_null());
  Send(c1, {"BLPOP", "q", "0"});
  REQUIRE(WaitBlocked(admin, 1));
  CHECK(admin.Command({"CLIENT", "UNBLOCK", std::to_string(id), "ERROR"}).value().integer == 1);
  RespValue err = Read(c1);
  CHECK(err.is_error());
  CHECK(err.str == "UNBLOCKED client unblocked via CLIENT UNBLOCK");

  Send(c2, {"BLPOP", "target", "0"});
  REQUIRE(WaitBlocked(admin, 1));
  Send(c1, {"BLMOVE", "src", "target", "LEFT", "RIGHT", "0"});
  REQUIRE(WaitBlocked(admin, 2));
  admin.Command({"RPUSH", "src", "foo"}).value();
  CHECK(Read(c1).str == "foo");
  CHECK(Strs(Read(c2)) == std::vector<std::string>{"target", "foo"});
  CHECK(admin.Command({"EXISTS", "src", "target"}).value().integer == 0);
}
