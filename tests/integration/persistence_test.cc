// RDB and AOF persistence against the real binaries: SAVE / BGSAVE / SHUTDOWN / SIGTERM then a
// restart in the same directory, a corrupted file at startup, and interoperability with
// Debian's redis-server 7.0.15 both ways (skipped when it is not installed).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

using ember::RespClient;
using ember::RespValue;
using ember::test::ServerProcess;

namespace {

constexpr const char* kRedisServer = "/usr/bin/redis-server";
constexpr const char* kRedisCheckRdb = "/usr/bin/redis-check-rdb";

bool Exists(const std::string& path) {
  struct stat sb;
  return stat(path.c_str(), &sb) == 0;
}

RespValue Cmd(RespClient& c, const std::vector<std::string>& args) {
  auto r = c.Command(args);
  REQUIRE(r.ok());
  return r.value();
}

std::vector<std::string> Strings(const RespValue& v) {
  std::vector<std::string> out;
  for (const auto& e : v.elems) out.push_back(e.str);
  return out;
}

int64_t InfoField(RespClient& c, const std::string& name) {
  std::string s = Cmd(c, {"INFO", "persistence"}).str;
  size_t p = s.find(name + ":");
  return p == std::string::npos ? -999 : std::stoll(s.substr(p + name.size() + 1));
}

// Every type in its compact and its big encoding, a TTL and a second database.
void Fill(RespClient& c) {
  Cmd(c, {"SET", "str", "hello"});
  Cmd(c, {"SET", "num", "42"});
  Cmd(c, {"SET", "long", std::string(500, 'z')});
  Cmd(c, {"RPUSH", "list", "a", "b", "c", "1", "2"});
  std::vector<std::string> big_list = {"RPUSH", "biglist"};
  for (int i = 0; i < 3000; i++) big_list.push_back("item-" + std::to_string(i));
  Cmd(c, big_list);
  Cmd(c, {"SADD", "intset", "1", "2", "3", "-9"});
  Cmd(c, {"SADD", "set", "x", "y", "z"});
  Cmd(c, {"ZADD", "zset", "1", "a", "2.5", "b"});
  std::vector<std::string> big_z = {"ZADD", "bigzset"};
  for (int i = 0; i < 300; i++) {
    big_z.push_back(std::to_string(i));
    big_z.push_back("m" + std::to_string(i));
  }
  Cmd(c, big_z);
  Cmd(c, {"HSET", "hash", "f1", "v1", "f2", "v2"});
  std::vector<std::string> big_h = {"HSET", "bighash"};
  for (int i = 0; i < 700; i++) {
    big_h.push_back("field" + std::to_string(i));
    big_h.push_back("value" + std::to_string(i));
  }
  Cmd(c, big_h);
  Cmd(c, {"SET", "ttl", "v", "PX", "100000000"});
  for (int i = 1; i <= 250; i++) Cmd(c, {"XADD", "stream", std::to_string(i) + "-1", "f", "v"});
  Cmd(c, {"XDEL", "stream", "2-1"});
  Cmd(c, {"XGROUP", "CREATE", "stream", "group", "0"});
  Cmd(c, {"XREADGROUP", "GROUP", "group", "alice", "COUNT", "3", "STREAMS", "stream", ">"});
  Cmd(c, {"SELECT", "7"});
  Cmd(c, {"SET", "seven", "7"});
  Cmd(c, {"SELECT", "0"});
}

void CheckFilled(RespClient& c) {
  CHECK(Cmd(c, {"GET", "str"}).str == "hello");
  CHECK(Cmd(c, {"GET", "long"}).str == std::string(500, 'z'));
  CHECK(Strings(Cmd(c, {"LRANGE", "list", "0", "-1"})) ==
        std::vector<std::string>{"a", "b", "c", "1", "2"});
  CHECK(Cmd(c, {"LLEN", "biglist"}).integer == 3000);
  CHECK(Cmd(c, {"LINDEX", "biglist", "2999"}).str == "item-2999");
  CHECK(Cmd(c, {"SCARD", "intset"}).integer == 4);
  CHECK(Cmd(c, {"OBJECT", "ENCODING", "intset"}).str == "intset");
  CHECK(Cmd(c, {"SISMEMBER", "set", "y"}).integer == 1);
  CHECK(Cmd(c, {"ZSCORE", "zset", "b"}).str == "2.5");
  CHECK(Cmd(c, {"ZCARD", "bigzset"}).integer == 300);
  CHECK(Cmd(c, {"OBJECT", "ENCODING", "bigzset"}).str == "skiplist");
  CHECK(Cmd(c, {"HGET", "hash", "f2"}).str == "v2");
  CHECK(Cmd(c, {"HLEN", "bighash"}).integer == 700);
  CHECK(Cmd(c, {"OBJECT", "ENCODING", "bighash"}).str == "hashtable");
  CHECK(Cmd(c, {"PTTL", "ttl"}).integer > 1000000);
  CHECK(Cmd(c, {"XLEN", "stream"}).integer == 249);
  RespValue pending = Cmd(c, {"XPENDING", "stream", "group"});
  REQUIRE(pending.elems.size() == 4);
  CHECK(pending.elems[0].integer == 3);
  CHECK(pending.elems[1].str == "1-1");
  CHECK(pending.elems[2].str == "4-1");
  Cmd(c, {"SELECT", "7"});
  CHECK(Cmd(c, {"GET", "seven"}).str == "7");
  Cmd(c, {"SELECT", "0"});
}

const std::vector<std::string> kDebug = {"--enable-debug-command", "yes"};

std::vector<std::string> With(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_CASE("persistence: SAVE, restart in the same dir, the data is back") {
  ServerProcess first(kDebug);
  REQUIRE(first.Start());
  std::string digest;
  {
    RespClient c = first.Connect();
    Fill(c);
    digest = Cmd(c, {"DEBUG", "DIGEST"}).str;
    CHECK(Cmd(c, {"SAVE"}).str == "OK");
    CHECK(InfoField(c, "rdb_changes_since_last_save") == 0);
  }
  first.Stop();
  REQUIRE(Exists(first.dir() + "/dump.rdb"));
  ServerProcess second(With(kDebug, {"--dir", first.dir()}));
  REQUIRE(second.Start());
  RespClient c = second.Connect();
  CheckFilled(c);
  CHECK(Cmd(c, {"DEBUG", "DIGEST"}).str == digest);
  CHECK(InfoField(c, "rdb_last_load_keys_loaded") == 14);
  std::string log = second.Log();
  CHECK(log.find("DB loaded from disk") != std::string::npos);
  CHECK(log.find("Done loading RDB, keys loaded: 14, keys expired: 0.") != std::string::npos);
}

TEST_CASE("persistence: BGSAVE in a child, then SIGTERM with save points saves again") {
  ServerProcess first(With(kDebug, {"--save", "3600 1"}));
  REQUIRE(first.Start());
  {
    RespClient c = first.Connect();
    Fill(c);
    CHECK(Cmd(c, {"BGSAVE"}).str == "Background saving started");
    for (int i = 0; i < 200 && InfoField(c, "rdb_bgsave_in_progress") != 0; i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    CHECK(InfoField(c, "rdb_bgsave_in_progress") == 0);
    CHECK(Cmd(c, {"INFO", "persistence"}).str.find("rdb_last_bgsave_status:ok") !=
          std::string::npos);
    CHECK(InfoField(c, "rdb_changes_since_last_save") == 0);
    Cmd(c, {"SET", "after_bgsave", "yes"});
  }
  first.Stop();  // SIGTERM: saves because a save point is configured
  std::string log = first.Log();
  CHECK(log.find("Background saving started by pid") != std::string::npos);
  CHECK(log.find("Background saving terminated with success") != std::string::npos);
  CHECK(log.find("Saving the final RDB snapshot before exiting.") != std::string::npos);
  ServerProcess second(With(kDebug, {"--dir", first.dir()}));
  REQUIRE(second.Start());
  RespClient c = second.Connect();
  CheckFilled(c);
  CHECK(Cmd(c, {"GET", "after_bgsave"}).str == "yes");
}

TEST_CASE("persistence: SHUTDOWN NOSAVE skips the save, a corrupt file stops the start") {
  ServerProcess first(With(kDebug, {"--save", "3600 1"}));
  REQUIRE(first.Start());
  {
    RespClient c = first.Connect();
    Cmd(c, {"SET", "k", "v"});
    Cmd(c, {"SAVE"});
    Cmd(c, {"SET", "k2", "v2"});
    (void)c.SendRaw(ember::EncodeCommand({"SHUTDOWN", "NOSAVE"}));
  }
  for (int i = 0; i < 200 && first.Alive(); i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    ServerProcess again(With(kDebug, {"--dir", first.dir()}));
    REQUIRE(again.Start());
    RespClient c = again.Connect();
    CHECK(Cmd(c, {"GET", "k"}).str == "v");
    CHECK(Cmd(c, {"EXISTS", "k2"}).integer == 0);
  }
  // Corrupt the checksum: the server refuses to start.
  std::string path = first.dir() + "/dump.rdb";
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-8, std::ios::end);
    f.write("foobar00", 8);
  }
  ServerProcess broken(With(kDebug, {"--dir", first.dir()}));
  CHECK_FALSE(broken.Start(3000));
  CHECK(broken.Log().find("CRC error") != std::string::npos);
}

std::string RunCheckRdb(const std::string& path, int* status) {
  std::string cmd = std::string(kRedisCheckRdb) + " " + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (p && fgets(buf, sizeof(buf), p)) out += buf;
  *status = p ? pclose(p) : -1;
  return out;
}

TEST_CASE("persistence: Ember's dump loads in Redis 7.0.15 and Redis's loads in Ember") {
  if (!Exists(kRedisServer) || !Exists(kRedisCheckRdb)) {
    MESSAGE("redis-server / redis-check-rdb not installed: interop test skipped");
    return;
  }
  ServerProcess ember(kDebug);
  REQUIRE(ember.Start());
  std::string digest;
  {
    RespClient c = ember.Connect();
    Fill(c);
    digest = Cmd(c, {"DEBUG", "DIGEST"}).str;
    CHECK(Cmd(c, {"SAVE"}).str == "OK");
  }
  ember.Stop();
  int status;
  std::string check = RunCheckRdb(ember.dir() + "/dump.rdb", &status);
  CHECK_MESSAGE(WIFEXITED(status), check);
  CHECK_MESSAGE(WEXITSTATUS(status) == 0, check);
  CHECK_MESSAGE(check.find("RDB looks OK!") != std::string::npos, check);

  // Redis loads Ember's file: same contents, same DEBUG DIGEST.
  ServerProcess redis(With(kDebug, {"--dir", ember.dir()}), kRedisServer);
  REQUIRE(redis.Start());
  {
    RespClient c = redis.Connect();
    CheckFilled(c);
    CHECK(Cmd(c, {"DEBUG", "DIGEST"}).str == digest);
    // Redis writes it back; Ember loads Redis's file.
    Cmd(c, {"HSET", "from_redis", "a", "1"});
    digest = Cmd(c, {"DEBUG", "DIGEST"}).str;
    CHECK(Cmd(c, {"SAVE"}).str == "OK");
  }
  redis.Stop();
  ServerProcess back(With(kDebug, {"--dir", ember.dir()}));
  REQUIRE(back.Start());
  RespClient c = back.Connect();
  CheckFilled(c);
  CHECK(Cmd(c, {"HGET", "from_redis", "a"}).str == "1");
  CHECK(Cmd(c, {"DEBUG", "DIGEST"}).str == digest);
  // DUMP payloads cross over too.
  std::string payload = Cmd(c, {"DUMP", "bighash"}).str;
  ServerProcess redis2(kDebug, kRedisServer);
  REQUIRE(redis2.Start());
  RespClient r = redis2.Connect();
  CHECK(Cmd(r, {"RESTORE", "bighash", "0", payload}).str == "OK");
  CHECK(Cmd(r, {"HGET", "bighash", "field699"}).str == "value699");
  std::string rpayload = Cmd(r, {"DUMP", "bighash"}).str;
  CHECK(Cmd(c, {"RESTORE", "copy", "0", rpayload}).str == "OK");
  CHECK(Cmd(c, {"HLEN", "copy"}).integer == 700);
}

TEST_CASE("persistence: the committed Redis 7.0.15 dump loads at startup") {
  std::string here = __FILE__;
  std::string data = here.substr(0, here.rfind("/integration/")) + "/data/redis-7.0.15-types.rdb";
  ServerProcess s(With(kDebug, {"--dbfilename", "types.rdb"}));
  std::filesystem::copy_file(data, s.dir() + "/types.rdb");
  REQUIRE(s.Start());
  RespClient c = s.Connect();
  CHECK(Cmd(c, {"DEBUG", "DIGEST"}).str == "47a685bd904a80ad1b76fa4a697807046dacb7b1");
  CHECK(InfoField(c, "rdb_last_load_keys_expired") == 1);
  CHECK(InfoField(c, "rdb_last_load_keys_loaded") == 27);
  CHECK(Cmd(c, {"FCALL", "myfunc", "0"}).integer == 1);
}

}  // namespace

// ---- AOF ------------------------------------------------------------------------------------

namespace {

constexpr const char* kRedisCheckAof = "/usr/bin/redis-check-aof";

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void WaitRewriteDone(RespClient& c) {
  for (int i = 0; i < 400 && (InfoField(c, "aof_rewrite_in_progress") != 0 ||
                              InfoField(c, "aof_rewrite_scheduled") != 0);
       i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  CHECK(InfoField(c, "aof_rewrite_in_progress") == 0);
}

int RunStatus(const std::string& cmd) {
  int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

}  // namespace

// With appendfsync always the AOF is written before each reply (everysec may postpone a
// write while a background fsync runs, as Redis does, so a SIGKILL can lose it).
TEST_CASE("aof: every acknowledged write survives SIGKILL and is replayed at restart") {
  ServerProcess first(With(kDebug, {"--appendonly", "yes", "--appendfsync", "always"}));
  REQUIRE(first.Start());
  std::string digest;
  {
    RespClient c = first.Connect();
    Fill(c);
    Cmd(c, {"SET", "gone", "x", "PX", "1"});  // expired on replay: PXAT in the past
    Cmd(c, {"MULTI"});
    Cmd(c, {"INCR", "counter"});
    Cmd(c, {"INCR", "counter"});
    Cmd(c, {"EXEC"});
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    Cmd(c, {"DEL", "gone"});
    digest = Cmd(c, {"DEBUG", "DIGEST"}).str;
    CHECK(InfoField(c, "aof_enabled") == 1);
  }
  first.Kill();
  std::string dir = first.dir() + "/appendonlydir/";
  CHECK(ReadFile(dir + "appendonly.aof.manifest") ==
        "file appendonly.aof.1.base.rdb seq 1 type b\n"
        "file appendonly.aof.1.incr.aof seq 1 type i\n");
  // The incr file is plain RESP commands, expiry as absolute time.
  std::string incr = ReadFile(dir + "appendonly.aof.1.incr.aof");
  CHECK(incr.rfind("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n", 0) == 0);
  CHECK(incr.find("$4\r\nPXAT\r\n") != std::string::npos);
  CHECK(incr.find("*1\r\n$5\r\nMULTI\r\n") != std::string::npos);

  ServerProcess second(With(kDebug, {"--dir", first.dir(), "--appendonly", "yes"}));
  REQUIRE(second.Start());
  RespClient c = second.Connect();
  CheckFilled(c);
  CHECK(Cmd(c, {"GET", "counter"}).str == "2");
  CHECK(Cmd(c, {"DEBUG", "DIGEST"}).str == digest);
  std::string log = second.Log();
  CHECK(log.find("DB loaded from incr file appendonly.aof.1.incr.aof") != std::string::npos);
  CHECK(log.find("DB loaded from append only file") != std::string::npos);
  CHECK(log.find("Opening AOF incr file appendonly.aof.1.incr.aof on server start") !=
        std::string::npos);
  // DEBUG LOADAOF replays the same files in place.
  CHECK(Cmd(c, {"DEBUG", "LOADAOF"}).str == "OK");
  CHECK(Cmd(c, {"DEBUG", "DIGEST"}).str == digest);
}

TEST_CASE("aof: BGREWRITEAOF in both base formats, then restart") {
  for (const char* preamble : {"yes", "no"}) {
    CAPTURE(preamble);
    ServerProcess first(With(kDebug, {"--appendonly", "yes", "--aof-use-rdb-preamble", preamble}));
    REQUIRE(first.Start());
    std::string digest;
    {
      RespClient c = first.Connect();
      Fill(c);
      CHECK(Cmd(c, {"BGREWRITEAOF"}).str == "Background append only file rewriting started");
      WaitRewriteDone(c);
      CHECK(Cmd(c, {"INFO", "persistence"}).str.find("aof_last_bgrewrite_status:ok") !=
            std::string::npos);
      Cmd(c, {"SET", "after_rewrite", "yes"});
      digest = Cmd(c, {"DEBUG", "DIGEST"}).str;
    }
    first.Stop();
    std::string dir = first.dir() + "/appendonlydir/";
    std::string ext = std::string(preamble) == "yes" ? "rdb" : "aof";
    CHECK(ReadFile(dir + "appendonly.aof.manifest") ==
          "file appendonly.aof.2.base." + ext + " seq 2 type b\n" +
              "file appendonly.aof.2.incr.aof seq 2 type i\n");
    CHECK_FALSE(Exists(dir + "appendonly.aof.1.incr.aof"));  // history removed
    CHECK_FALSE(Exists(dir + "appendonly.aof.1.base." + ext));
    if (Exists(kRedisCheckAof)) {
      CHECK(RunStatus(std::string(kRedisCheckAof) + " " + dir +
                      "appendonly.aof.manifest >/dev/null 2>&1") == 0);
    }
    ServerProcess second(With(kDebug, {"--dir", first.dir(), "--appendonly", "yes"}));
    REQUIRE(second.Start());
    RespClient c = second.Connect();
    CheckFilled(c);
    CHECK(Cmd(c, {"GET", "after_rewrite"}).str == "yes");
    CHECK(Cmd(c, {"DEBUG", "DIGEST"}).str == digest);
  }
}

TEST_CASE("aof: CONFIG SET appendonly yes writes a base of the live data") {
  ServerProcess first(kDebug);
  REQUIRE(first.Start());
  std::string digest;
  {
    RespClient c = first.Connect();
    Fill(c);
    CHECK(InfoField(c, "aof_enabled") == 0);
    CHECK(Cmd(c, {"CONFIG", "SET", "appendfsync", "always"}).str == "OK");
    CHECK(Cmd(c, {"CONFIG", "SET", "appendonly", "yes"}).str == "OK");
    WaitRewriteDone(c);
    Cmd(c, {"SET", "later", "1"});
    digest = Cmd(c, {"DEBUG", "DIGEST"}).str;
  }
  first.Kill();
  ServerProcess second(With(kDebug, {"--dir", first.dir(), "--appendonly", "yes"}));
  REQUIRE(second.Start());
  RespClient c = second.Connect();
  CheckFilled(c);
  CHECK(Cmd(c, {"DEBUG", "DIGEST"}).str == digest);
}

TEST_CASE("aof: a truncated tail loads with aof-load-truncated, and stops the start without") {
  ServerProcess first(With(kDebug, {"--appendonly", "yes", "--appendfsync", "always"}));
  REQUIRE(first.Start());
  {
    RespClient c = first.Connect();
    Cmd(c, {"SET", "a", "1"});
    Cmd(c, {"SET", "b", "2"});
  }
  first.Kill();
  std::string incr = first.dir() + "/appendonlydir/appendonly.aof.1.incr.aof";
  {
    std::ofstream f(incr, std::ios::app | std::ios::binary);
    f << "*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$2\r\n3";  // cut in the middle of an argument
  }
  {
    ServerProcess strict(
        With(kDebug, {"--dir", first.dir(), "--appendonly", "yes", "--aof-load-truncated", "no"}));
    CHECK_FALSE(strict.Start(3000));
    CHECK(strict.Log().find("Unexpected end of file reading the append only file") !=
          std::string::npos);
  }
  ServerProcess lenient(With(kDebug, {"--dir", first.dir(), "--appendonly", "yes"}));
  REQUIRE(lenient.Start());
  RespClient c = lenient.Connect();
  CHECK(Cmd(c, {"GET", "b"}).str == "2");
  CHECK(Cmd(c, {"EXISTS", "c"}).integer == 0);
  CHECK(lenient.Log().find("AOF appendonly.aof.1.incr.aof loaded anyway because "
                           "aof-load-truncated is enabled") != std::string::npos);
  Cmd(c, {"SET", "c", "after"});  // appended after the truncation point
  CHECK(ReadFile(incr).find("$5\r\nafter\r\n") != std::string::npos);
}

TEST_CASE("aof: a bad manifest stops the start with Redis's message") {
  ServerProcess first(With(kDebug, {"--appendonly", "yes"}));
  REQUIRE(first.Start());
  first.Stop();
  {
    std::ofstream f(first.dir() + "/appendonlydir/appendonly.aof.manifest");
    f << "file appendonly.aof.1.base.rdb seq 1 type x\n";
  }
  ServerProcess second(With(kDebug, {"--dir", first.dir(), "--appendonly", "yes"}));
  CHECK_FALSE(second.Start(3000));
  CHECK(second.Log().find("Unknown AOF file type") != std::string::npos);
}

TEST_CASE("aof: Redis 7.0.15 loads Ember's AOF directory and Ember loads Redis's") {
  if (!Exists(kRedisServer)) {
    MESSAGE("redis-server not installed: skipped");
    return;
  }
  ServerProcess ember(With(kDebug, {"--appendonly", "yes"}));
  REQUIRE(ember.Start());
  std::string digest;
  {
    RespClient c = ember.Connect();
    Fill(c);
    CHECK(Cmd(c, {"BGREWRITEAOF"}).str == "Background append only file rewriting started");
    WaitRewriteDone(c);
    Cmd(c, {"RPUSH", "tail", "1", "2"});
    digest = Cmd(c, {"DEBUG", "DIGEST"}).str;
  }
  ember.Stop();
  {
    ServerProcess redis(With(kDebug, {"--dir", ember.dir(), "--appendonly", "yes"}), kRedisServer);
    REQUIRE(redis.Start());
    RespClient c = redis.Connect();
    CHECK(Cmd(c, {"DEBUG", "DIGEST"}).str == digest);
    Cmd(c, {"SET", "from_redis", "1"});
    digest = Cmd(c, {"DEBUG", "DIGEST"}).str;
  }
  ServerProcess again(With(kDebug, {"--dir", ember.dir(), "--appendonly", "yes"}));
  REQUIRE(again.Start());
  RespClient c = again.Connect();
  CHECK(Cmd(c, {"DEBUG", "DIGEST"}).str == digest);
}
