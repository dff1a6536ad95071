// maxmemory against the real binary: noeviction rejects with OOM, the LRU policy evicts
// until memory is under the limit and keeps the keys in use, volatile policies only take
// keys with a TTL.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

using ember::RespClient;
using ember::RespValue;
using ember::test::ServerProcess;

namespace {

RespValue Cmd(RespClient& c, const std::vector<std::string>& args) {
  auto r = c.Command(args);
  REQUIRE(r.ok());
  return r.value();
}

int64_t Field(RespClient& c, const std::string& section, const std::string& name) {
  std::string s = Cmd(c, {"INFO", section}).str;
  size_t p = s.find("\r\n" + name + ":");
  return p == std::string::npos ? -1 : std::stoll(s.substr(p + name.size() + 3));
}

}  // namespace

TEST_CASE("eviction: noeviction answers OOM and counts it") {
  ServerProcess server;
  REQUIRE(server.Start());
  RespClient c = server.Connect();
  CHECK(Cmd(c, {"CONFIG", "SET", "maxmemory", "1"}).str == "OK");
  CHECK(Cmd(c, {"SET", "a", "b"}).str == "OOM command not allowed when used memory > 'maxmemory'.");
  CHECK(Cmd(c, {"GET", "a"}).is_null());  // reads still work
  CHECK(Cmd(c, {"INFO", "errorstats"}).str.find("errorstat_OOM:count=1") != std::string::npos);
  CHECK(Cmd(c, {"CONFIG", "SET", "maxmemory", "0"}).str == "OK");
  CHECK(Cmd(c, {"SET", "a", "b"}).str == "OK");
}

TEST_CASE("eviction: allkeys-lru frees memory and keeps the recently used keys") {
  ServerProcess server({"--enable-debug-command", "yes"});
  REQUIRE(server.Start());
  RespClient c = server.Connect();
  CHECK(Cmd(c, {"DEBUG", "POPULATE", "50000", "key", "200"}).str == "OK");
  int64_t used = Field(c, "memory", "used_memory");
  REQUIRE(used > 8 * 1024 * 1024);
  // The LRU clock ticks in seconds (as Redis's): let the populated keys age, then touch a few,
  // which makes them the youngest when eviction starts.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  for (int i = 0; i < 20; i++) Cmd(c, {"GET", "key:" + std::to_string(i)});
  int64_t limit = used / 2;
  Cmd(c, {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  Cmd(c, {"CONFIG", "SET", "maxmemory", std::to_string(limit)});
  CHECK(Cmd(c, {"SET", "fresh", "value"}).str == "OK");
  // Eviction goes on in time-boxed steps (slower under sanitizers): poll until it is done.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Field(c, "memory", "used_memory") > limit && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(Field(c, "memory", "used_memory") <= limit + 64 * 1024);
  int64_t dbsize = Cmd(c, {"DBSIZE"}).integer;
  int64_t evicted = Field(c, "stats", "evicted_keys");  // INFO evicts nothing (not denyoom)
  CHECK(evicted > 10000);
  CHECK(dbsize + evicted >= 50001);  // INFO itself may evict first
  int kept = 0;
  for (int i = 0; i < 20; i++) kept += int(Cmd(c, {"EXISTS", "key:" + std::to_string(i)}).integer);
  CHECK(kept >= 18);  // sampling is approximate, as in Redis
  CHECK(Cmd(c, {"GET", "fresh"}).str == "value");
}

TEST_CASE("eviction: volatile-ttl takes keys with a TTL only, soonest first") {
  ServerProcess server({"--enable-debug-command", "yes"});
  REQUIRE(server.Start());
  RespClient c = server.Connect();
  CHECK(Cmd(c, {"DEBUG", "POPULATE", "20000", "key", "200"}).str == "OK");
  for (int i = 0; i < 20000; i += 2) {
    Cmd(c, {"EXPIRE", "key:" + std::to_string(i), std::to_string(1000 + i)});
  }
  int64_t used = Field(c, "memory", "used_memory");
  Cmd(c, {"CONFIG", "SET", "maxmemory-policy", "volatile-ttl"});
  Cmd(c, {"CONFIG", "SET", "maxmemory", std::to_string(used - 512 * 1024)});
  Cmd(c, {"SET", "x", "y"});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Field(c, "stats", "evicted_keys") == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(Field(c, "stats", "evicted_keys") > 0);
  for (int i = 1; i < 20000; i += 2) {
    REQUIRE(Cmd(c, {"EXISTS", "key:" + std::to_string(i)}).integer == 1);  // no TTL: kept
  }
  CHECK(Cmd(c, {"EXISTS", "key:19998"}).integer == 1);  // the longest TTL survives
  // Without volatile keys left to take, writes fail.
  Cmd(c, {"CONFIG", "SET", "maxmemory", "1"});
  Cmd(c, {"PERSIST", "key:19998"});
  for (int i = 0; i < 20000; i += 2) Cmd(c, {"PERSIST", "key:" + std::to_string(i)});
  CHECK(Cmd(c, {"SET", "y", "z"}).str == "OOM command not allowed when used memory > 'maxmemory'.");
}
