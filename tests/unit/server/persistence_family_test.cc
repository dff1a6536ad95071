// SAVE, BGSAVE, LASTSAVE, DUMP, RESTORE, DEBUG RELOAD and INFO persistence, in-process.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "common/util/hash.h"
#include "server/persistence.h"
#include "tests/unit/server/harness.h"

using ember::RespValue;
using ember::test::Harness;

namespace {

// A temporary working directory (the `dir` directive chdirs), restored afterwards.
struct TempDir {
  std::string path, old_cwd;
  TempDir() {
    char buf[4096];
    old_cwd = getcwd(buf, sizeof(buf)) ? buf : "/";
    char tmpl[] = "/tmp/ember-persist-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() {
    if (chdir(old_cwd.c_str()) != 0) {
      // nothing sensible to do
    }
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string config() const { return "dir " + path + "\nsave \"\"\nenable-debug-command yes\n"; }
};

int64_t InfoField(Harness& h, const std::string& name) {
  RespValue r = h.Run({"INFO", "persistence"});
  size_t p = r.str.find(name + ":");
  if (p == std::string::npos) return -999;
  return std::stoll(r.str.substr(p + name.size() + 1));
}

void FillAllTypes(Harness& h) {
  h.Run({"SET", "s", "hello"});
  h.Run({"SET", "n", "12345"});
  h.Run({"SET", "big", std::string(200, 'x')});
  h.Run({"RPUSH", "l", "a", "b", "c", "1"});
  h.Run({"SADD", "si", "1", "2", "3"});
  h.Run({"SADD", "sh", "a", "b"});
  h.Run({"ZADD", "zl", "1", "a", "2.5", "b"});
  for (int i = 0; i < 200; i++) h.Run({"ZADD", "zs", std::to_string(i), "m" + std::to_string(i)});
  h.Run({"HSET", "hl", "f", "v", "g", "1"});
  for (int i = 0; i < 600; i++) h.Run({"HSET", "hh", "f" + std::to_string(i), "v"});
  h.Run({"SET", "ttl", "v"});
  h.Run({"PEXPIREAT", "ttl", "4102444800000"});
  h.Run({"SELECT", "3"});
  h.Run({"SET", "other", "db"});
  h.Run({"SELECT", "0"});
}

TEST_CASE("persistence: DEBUG RELOAD keeps the dataset, its digest and encodings") {
  TempDir dir;
  Harness h(dir.config());
  FillAllTypes(h);
  std::string digest = h.Run({"DEBUG", "DIGEST"}).str;
  CHECK(digest != std::string(40, '0'));
  RespValue r = h.Run({"DEBUG", "RELOAD"});
  REQUIRE_MESSAGE(r.str == "OK", r.str);
  CHECK(h.Run({"DEBUG", "DIGEST"}).str == digest);
  CHECK(h.Run({"OBJECT", "ENCODING", "zs"}).str == "skiplist");
  CHECK(h.Run({"OBJECT", "ENCODING", "zl"}).str == "listpack");
  CHECK(h.Run({"OBJECT", "ENCODING", "hh"}).str == "hashtable");
  CHECK(h.Run({"OBJECT", "ENCODING", "si"}).str == "intset");
  CHECK(h.Run({"PTTL", "ttl"}).integer > 0);
  CHECK(h.Run({"DBSIZE"}).integer == 11);
  CHECK(InfoField(h, "rdb_last_load_keys_loaded") == 12);
  // MERGE NOFLUSH NOSAVE adds the file's keys to what is there.
  h.Run({"SET", "extra", "1"});
  h.Run({"DEL", "s"});
  CHECK(h.Run({"DEBUG", "RELOAD", "MERGE", "NOFLUSH", "NOSAVE"}).str == "OK");
  CHECK(h.Run({"GET", "s"}).str == "hello");
  CHECK(h.Run({"GET", "extra"}).str == "1");
  CHECK(h.Run({"DEBUG", "RELOAD", "BOGUS"}).str ==
        "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
}

TEST_CASE("persistence: SAVE, LASTSAVE and INFO persistence") {
  TempDir dir;
  Harness h(dir.config());
  h.Run({"SET", "a", "1"});
  CHECK(InfoField(h, "rdb_changes_since_last_save") == 1);
  CHECK(h.Run({"SAVE"}).str == "OK");
  CHECK(InfoField(h, "rdb_changes_since_last_save") == 0);
  CHECK(InfoField(h, "rdb_saves") == 1);
  CHECK(h.Run({"LASTSAVE"}).integer > 0);
  struct stat sb;
  CHECK(stat((dir.path + "/dump.rdb").c_str(), &sb) == 0);
  CHECK(h.Run({"BGSAVE", "x"}).str == "ERR syntax error");
}

TEST_CASE("persistence: BGSAVE forks a child and the cron reaps it") {
  TempDir dir;
  Harness h(dir.config());
  h.Run({"SET", "a", "1"});
  h.Run({"SET", "b", "2"});
  REQUIRE(h.Run({"BGSAVE"}).str == "Background saving started");
  CHECK(InfoField(h, "rdb_bgsave_in_progress") == 1);
  CHECK(h.Run({"BGSAVE"}).str == "ERR Background save already in progress");
  CHECK(h.Run({"SAVE"}).str == "ERR Background save already in progress");
  for (int i = 0; i < 500 && ember::RdbChildRunning(h.server()); i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ember::PersistenceCron(h.server());
  }
  CHECK(InfoField(h, "rdb_bgsave_in_progress") == 0);
  CHECK(InfoField(h, "rdb_changes_since_last_save") == 0);
  CHECK(h.Run({"INFO", "persistence"}).str.find("rdb_last_bgsave_status:ok") != std::string::npos);
  h.Run({"FLUSHALL"});
  CHECK(h.Run({"DEBUG", "RELOAD", "NOSAVE"}).str == "OK");
  CHECK(h.Run({"GET", "b"}).str == "2");
}

TEST_CASE("persistence: DUMP and RESTORE") {
  Harness h("enable-debug-command yes");
  h.Run({"SET", "foo", "bar"});
  RespValue dump = h.Run({"DUMP", "foo"});
  REQUIRE(dump.str.size() > 10);
  // type byte, value, version 10, CRC64.
  CHECK(dump.str[0] == 0);
  CHECK(dump.str.substr(dump.str.size() - 10, 2) == std::string("\x0a\x00", 2));
  CHECK(h.Run({"DUMP", "nokey"}).type == RespValue::Type::kNull);
  CHECK(h.Run({"RESTORE", "foo", "0", dump.str}).str == "BUSYKEY Target key name already exists.");
  CHECK(h.Run({"RESTORE", "foo2", "-1", dump.str}).str == "ERR Invalid TTL value, must be >= 0");
  CHECK(h.Run({"RESTORE", "foo2", "0", "xx"}).str ==
        "ERR DUMP payload version or checksum are wrong");
  std::string bad = dump.str;
  bad[1] ^= 1;
  CHECK(h.Run({"RESTORE", "foo2", "0", bad}).str ==
        "ERR DUMP payload version or checksum are wrong");
  CHECK(h.Run({"RESTORE", "foo2", "0", dump.str, "bogus"}).str == "ERR syntax error");
  CHECK(h.Run({"RESTORE", "foo2", "0", dump.str, "IDLETIME", "-1"}).str ==
        "ERR Invalid IDLETIME value, must be >= 0");
  CHECK(h.Run({"RESTORE", "foo2", "0", dump.str, "FREQ", "256"}).str ==
        "ERR Invalid FREQ value, must be >= 0 and <= 255");
  CHECK(h.Run({"RESTORE", "foo2", "5000", dump.str}).str == "OK");
  CHECK(h.Run({"GET", "foo2"}).str == "bar");
  int64_t pttl = h.Run({"PTTL", "foo2"}).integer;
  CHECK(pttl > 3000);
  CHECK(pttl <= 5000);
  CHECK(h.Run({"RESTORE", "foo", "0", dump.str, "REPLACE"}).str == "OK");
  // An absolute time in the past with REPLACE deletes the key.
  CHECK(h.Run({"RESTORE", "foo", "1000", dump.str, "ABSTTL", "REPLACE"}).str == "OK");
  CHECK(h.Run({"EXISTS", "foo"}).integer == 0);
  // A valid footer around a bad body.
  std::string body("\x63\x0a\x00", 3);  // unknown type 99, then the version
  std::string crc(8, '\0');
  uint64_t c = ember::Crc64(0, body.data(), body.size());
  for (int i = 0; i < 8; i++) crc[size_t(i)] = char((c >> (8 * i)) & 0xff);
  CHECK(h.Run({"RESTORE", "x", "0", body + crc}).str == "ERR Bad data format");
}

TEST_CASE("persistence: DUMP/RESTORE round trips every type and encoding") {
  Harness h("enable-debug-command yes");
  FillAllTypes(h);
  for (const char* key : {"s", "n", "big", "l", "si", "sh", "zl", "zs", "hl", "hh"}) {
    std::string before = h.Run({"DEBUG", "DIGEST-VALUE", key}).elems.at(0).str;
    std::string enc = h.Run({"OBJECT", "ENCODING", key}).str;
    std::string payload = h.Run({"DUMP", key}).str;
    REQUIRE(h.Run({"DEL", key}).integer == 1);
    REQUIRE_MESSAGE(h.Run({"RESTORE", key, "0", payload}).str == "OK", key);
    CHECK_MESSAGE(h.Run({"DEBUG", "DIGEST-VALUE", key}).elems.at(0).str == before, key);
    CHECK_MESSAGE(h.Run({"OBJECT", "ENCODING", key}).str == enc, key);
  }
  // Deep sanitization of client payloads rejects a corrupted listpack.
  h.Run({"CONFIG", "SET", "sanitize-dump-payload", "yes"});
  std::string payload = h.Run({"DUMP", "hl"}).str;
  CHECK(h.Run({"RESTORE", "hl2", "0", payload}).str == "OK");
}

TEST_CASE("persistence: RESTORE IDLETIME and FREQ set the access fields") {
  Harness h;
  h.Run({"SET", "foo", "bar"});
  std::string payload = h.Run({"DUMP", "foo"}).str;
  h.Run({"DEL", "foo"});
  h.Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  CHECK(h.Run({"RESTORE", "foo", "0", payload, "IDLETIME", "1000"}).str == "OK");
  int64_t idle = h.Run({"OBJECT", "IDLETIME", "foo"}).integer;
  CHECK(idle >= 1000);
  CHECK(idle <= 1010);
  h.Run({"DEL", "foo"});
  h.Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"});
  CHECK(h.Run({"RESTORE", "foo", "0", payload, "FREQ", "100"}).str == "OK");
  CHECK(h.Run({"OBJECT", "FREQ", "foo"}).integer == 100);
  h.Run({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
}

TEST_CASE("persistence: FLUSHALL with save points writes an empty RDB") {
  TempDir dir;
  Harness h("dir " + dir.path + "\nsave 3600 1\nenable-debug-command yes\n");
  h.Run({"SET", "a", "1"});
  CHECK(h.Run({"FLUSHALL"}).str == "OK");
  CHECK(InfoField(h, "rdb_changes_since_last_save") == 0);
  struct stat sb;
  REQUIRE(stat((dir.path + "/dump.rdb").c_str(), &sb) == 0);
  h.Run({"SET", "b", "1"});
  CHECK(h.Run({"DEBUG", "RELOAD", "NOSAVE"}).str == "OK");
  CHECK(h.Run({"DBSIZE"}).integer == 0);
}

}  // namespace
