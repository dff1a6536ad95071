#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/util/clock.h"
#include "tests/unit/server/harness.h"

using ember::RespValue;
using ember::test::Harness;

namespace {

constexpr int64_t kT0Us = 1'700'000'000'000'000;  // a fixed wall clock, in microseconds
constexpr int64_t kT0Ms = kT0Us / 1000;

// Fixes the clock for one test and restores the real one after.
struct FakeClock {
  explicit FakeClock(int64_t us = kT0Us) { ember::SetFakeTimeUs(us); }
  ~FakeClock() { ember::ClearFakeTime(); }
  void SetMs(int64_t ms) { ember::SetFakeTimeUs(ms * 1000); }
};

std::vector<std::string> Strings(const RespValue& v) {
  std::vector<std::string> out;
  for (const auto& e : v.elems) out.push_back(e.str);
  return out;
}

// An error reply's text without the "ERR " code, or a marker when the reply is no error.
std::string Err(const RespValue& v) {
  if (!v.is_error()) return "<not an error: " + v.ToString() + ">";
  if (v.str.rfind("ERR ", 0) == 0) return v.str.substr(4);
  return v.str;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("generic: DEL, UNLINK, EXISTS, TYPE, DBSIZE, TOUCH") {
  Harness h;
  CHECK(h.Run({"SET", "a", "1"}).str == "OK");
  CHECK(h.Run({"SET", "b", "2"}).str == "OK");
  CHECK(h.Run({"EXISTS", "a", "b", "a", "nope"}).integer == 3);
  CHECK(h.Run({"TYPE", "a"}).str == "string");
  CHECK(h.Run({"TYPE", "a"}).type == RespValue::Type::kString);
  CHECK(h.Run({"TYPE", "nope"}).str == "none");
  CHECK(h.Run({"DBSIZE"}).integer == 2);
  CHECK(h.Run({"TOUCH", "a", "nope", "b"}).integer == 2);
  CHECK(h.Run({"DEL", "a", "nope", "a"}).integer == 1);
  CHECK(h.Run({"UNLINK", "b"}).integer == 1);
  CHECK(h.Run({"DBSIZE"}).integer == 0);
}

TEST_CASE("generic: TTL and PTTL report -2 and -1") {
  FakeClock clock;
  Harness h;
  CHECK(h.Run({"TTL", "nope"}).integer == -2);
  CHECK(h.Run({"PTTL", "nope"}).integer == -2);
  CHECK(h.Run({"EXPIRETIME", "nope"}).integer == -2);
  CHECK(h.Run({"SET", "k", "v"}).str == "OK");
  CHECK(h.Run({"TTL", "k"}).integer == -1);
  CHECK(h.Run({"PTTL", "k"}).integer == -1);
  CHECK(h.Run({"PEXPIRETIME", "k"}).integer == -1);
  CHECK(h.Run({"PEXPIRE", "k", "1499"}).integer == 1);
  CHECK(h.Run({"PTTL", "k"}).integer == 1499);
  CHECK(h.Run({"TTL", "k"}).integer == 1);  // rounded to the nearest second
  CHECK(h.Run({"PEXPIRETIME", "k"}).integer == kT0Ms + 1499);
  CHECK(h.Run({"EXPIRETIME", "k"}).integer == (kT0Ms + 1499 + 500) / 1000);
  CHECK(h.Run({"PERSIST", "k"}).integer == 1);
  CHECK(h.Run({"PERSIST", "k"}).integer == 0);
  CHECK(h.Run({"PERSIST", "nope"}).integer == 0);
  CHECK(h.Run({"TTL", "k"}).integer == -1);
  // Lazy expiry.
  CHECK(h.Run({"PEXPIRE", "k", "100"}).integer == 1);
  clock.SetMs(kT0Ms + 101);
  CHECK(h.Run({"TTL", "k"}).integer == -2);
  CHECK(h.Run({"EXISTS", "k"}).integer == 0);
}

TEST_CASE("generic: EXPIRE NX/XX/GT/LT") {
  FakeClock clock;
  Harness h;
  CHECK(h.Run({"EXPIRE", "nope", "100"}).integer == 0);
  CHECK(h.Run({"SET", "k", "v"}).str == "OK");

  // No TTL yet: XX and GT refuse, NX and LT accept.
  CHECK(h.Run({"EXPIRE", "k", "100", "XX"}).integer == 0);
  CHECK(h.Run({"EXPIRE", "k", "100", "GT"}).integer == 0);
  CHECK(h.Run({"TTL", "k"}).integer == -1);
  CHECK(h.Run({"EXPIRE", "k", "100", "LT"}).integer == 1);
  CHECK(h.Run({"TTL", "k"}).integer == 100);
  CHECK(h.Run({"PERSIST", "k"}).integer == 1);
  CHECK(h.Run({"EXPIRE", "k", "100", "NX"}).integer == 1);
  CHECK(h.Run({"TTL", "k"}).integer == 100);

  // With a TTL of 100: NX refuses, XX accepts, GT only greater, LT only smaller.
  CHECK(h.Run({"EXPIRE", "k", "200", "NX"}).integer == 0);
  CHECK(h.Run({"EXPIRE", "k", "200", "XX"}).integer == 1);
  CHECK(h.Run({"TTL", "k"}).integer == 200);
  CHECK(h.Run({"EXPIRE", "k", "200", "GT"}).integer == 0);
  CHECK(h.Run({"EXPIRE", "k", "150", "GT"}).integer == 0);
  CHECK(h.Run({"EXPIRE", "k", "300", "GT"}).integer == 1);
  CHECK(h.Run({"EXPIRE", "k", "300", "LT"}).integer == 0);
  CHECK(h.Run({"EXPIRE", "k", "400", "LT"}).integer == 0);
  CHECK(h.Run({"EXPIRE", "k", "50", "LT"}).integer == 1);
  CHECK(h.Run({"TTL", "k"}).integer == 50);
  CHECK(h.Run({"EXPIRE", "k", "60", "xx", "gt"}).integer == 1);
  CHECK(h.Run({"TTL", "k"}).integer == 60);

  // Option errors come before the time is parsed.
  CHECK(Err(h.Run({"EXPIRE", "k", "200", "LT", "GT"})) ==
        "GT and LT options at the same time are not compatible");
  CHECK(Err(h.Run({"EXPIRE", "k", "200", "NX", "GT"})) ==
        "NX and XX, GT or LT options at the same time are not compatible");
  CHECK(Err(h.Run({"EXPIRE", "k", "200", "NX", "LT"})) ==
        "NX and XX, GT or LT options at the same time are not compatible");
  CHECK(Err(h.Run({"EXPIRE", "k", "200", "NX", "XX"})) ==
        "NX and XX, GT or LT options at the same time are not compatible");
  CHECK(Err(h.Run({"EXPIRE", "k", "200", "AB"})) == "Unsupported option AB");
  CHECK(Err(h.Run({"EXPIRE", "k", "x", "AB"})) == "Unsupported option AB");
  CHECK(Err(h.Run({"EXPIRE", "k", ""})) == "value is not an integer or out of range");
  CHECK(h.Run({"TTL", "k"}).integer == 60);
}

TEST_CASE("generic: EXPIRE overflow and times in the past") {
  FakeClock clock;
  Harness h;
  CHECK(h.Run({"SET", "foo", "bar"}).str == "OK");
  for (const char* t : {"9223370399119966", "9223372036854776", "10000000000000000",
                        "18446744073709561", "-9223372036854776", "-9999999999999999"}) {
    CHECK(Err(h.Run({"EXPIRE", "foo", t})) == "invalid expire time in 'expire' command");
  }
  CHECK(Err(h.Run({"PEXPIRE", "foo", "9223372036854770000"})) ==
        "invalid expire time in 'pexpire' command");
  CHECK(h.Run({"TTL", "foo"}).integer == -1);
  CHECK(h.Run({"PEXPIREAT", "foo", "9223372036854770000"}).integer == 1);
  CHECK(h.Run({"PERSIST", "foo"}).integer == 1);

  // A time already past deletes the key and still replies 1.
  int64_t dirty = h.server().dirty;
  CHECK(h.Run({"EXPIRE", "foo", "-10"}).integer == 1);
  CHECK(h.server().dirty == dirty + 1);
  CHECK(h.Run({"EXISTS", "foo"}).integer == 0);
  CHECK(h.Run({"SET", "foo", "bar"}).str == "OK");
  CHECK(h.Run({"EXPIREAT", "foo", std::to_string(kT0Ms / 1000 - 1)}).integer == 1);
  CHECK(h.Run({"EXISTS", "foo"}).integer == 0);
  CHECK(h.Run({"SET", "foo", "bar"}).str == "OK");
  CHECK(h.Run({"PEXPIREAT", "foo", std::to_string(kT0Ms)}).integer == 1);
  CHECK(h.Run({"EXISTS", "foo"}).integer == 0);
  CHECK(h.Run({"SET", "foo", "bar"}).str == "OK");
  CHECK(h.Run({"PEXPIREAT", "foo", std::to_string(kT0Ms + 1)}).integer == 1);
  CHECK(h.Run({"PTTL", "foo"}).integer == 1);
}

TEST_CASE("generic: RENAME and RENAMENX") {
  FakeClock clock;
  Harness h;
  CHECK(Err(h.Run({"RENAME", "nope", "x"})) == "no such key");
  CHECK(Err(h.Run({"RENAME", "nope", "nope"})) == "no such key");
  CHECK(Err(h.Run({"RENAMENX", "nope", "x"})) == "no such key");
  CHECK(h.Run({"SET", "k", "v"}).str == "OK");
  CHECK(h.Run({"RENAME", "k", "k"}).str == "OK");
  CHECK(h.Run({"RENAMENX", "k", "k"}).integer == 0);

  // The TTL moves with the value; short, long and int values all survive.
  CHECK(h.Run({"PEXPIRE", "k", "5000"}).integer == 1);
  CHECK(h.Run({"RENAME", "k", "a-much-longer-key-name"}).str == "OK");
  CHECK(h.Run({"EXISTS", "k"}).integer == 0);
  CHECK(h.Run({"GET", "a-much-longer-key-name"}).str == "v");
  CHECK(h.Run({"PTTL", "a-much-longer-key-name"}).integer == 5000);
  CHECK(h.Run({"RENAME", "a-much-longer-key-name", "z"}).str == "OK");
  CHECK(h.Run({"GET", "z"}).str == "v");
  CHECK(h.Run({"PTTL", "z"}).integer == 5000);

  std::string big(100, 'x');
  CHECK(h.Run({"SET", "raw", big}).str == "OK");
  CHECK(h.Run({"RENAME", "raw", "raw2"}).str == "OK");
  CHECK(h.Run({"GET", "raw2"}).str == big);
  CHECK(h.Run({"OBJECT", "ENCODING", "raw2"}).str == "raw");
  CHECK(h.Run({"SET", "n", "12345"}).str == "OK");
  CHECK(h.Run({"RENAME", "n", "n2"}).str == "OK");
  CHECK(h.Run({"GET", "n2"}).str == "12345");

  // The target's TTL is not inherited; RENAMENX refuses an existing target.
  CHECK(h.Run({"SET", "src", "foo"}).str == "OK");
  CHECK(h.Run({"SET", "dst", "bar"}).str == "OK");
  CHECK(h.Run({"EXPIRE", "dst", "100"}).integer == 1);
  CHECK(h.Run({"RENAMENX", "src", "dst"}).integer == 0);
  CHECK(h.Run({"RENAME", "src", "dst"}).str == "OK");
  CHECK(h.Run({"TTL", "dst"}).integer == -1);
  CHECK(h.Run({"GET", "dst"}).str == "foo");
  CHECK(h.Run({"RENAMENX", "dst", "fresh"}).integer == 1);
  CHECK(h.Run({"GET", "fresh"}).str == "foo");
}

TEST_CASE("generic: COPY") {
  FakeClock clock;
  Harness h;
  CHECK(h.Run({"COPY", "nope", "x"}).integer == 0);
  CHECK(h.Run({"SET", "k", "foobar"}).str == "OK");
  CHECK(Err(h.Run({"COPY", "k", "k"})) == "source and destination objects are the same");
  CHECK(h.Run({"COPY", "k", "c"}).integer == 1);
  CHECK(h.Run({"GET", "c"}).str == "foobar");
  CHECK(h.Run({"SET", "c", "changed"}).str == "OK");
  CHECK(h.Run({"GET", "k"}).str == "foobar");  // independent copies

  // REPLACE, and the TTL is copied.
  CHECK(h.Run({"SET", "other", "hello"}).str == "OK");
  CHECK(h.Run({"COPY", "other", "c"}).integer == 0);
  CHECK(h.Run({"GET", "c"}).str == "changed");
  CHECK(h.Run({"PEXPIRE", "other", "7000"}).integer == 1);
  CHECK(h.Run({"COPY", "other", "c", "REPLACE"}).integer == 1);
  CHECK(h.Run({"GET", "c"}).str == "hello");
  CHECK(h.Run({"PTTL", "c"}).integer == 7000);
  CHECK(h.Run({"COPY", "k", "c", "replace"}).integer == 1);
  CHECK(h.Run({"TTL", "c"}).integer == -1);

  // Other databases.
  CHECK(h.Run({"COPY", "k", "k", "DB", "1"}).integer == 1);
  CHECK(h.Run({"COPY", "k", "k", "DB", "1"}).integer == 0);
  CHECK(Err(h.Run({"COPY", "k", "x", "DB", "16"})) == "DB index is out of range");
  CHECK(Err(h.Run({"COPY", "k", "x", "DB", "-1"})) == "DB index is out of range");
  CHECK(Err(h.Run({"COPY", "k", "x", "DB", "notanumber"})) ==
        "value is not an integer or out of range");
  CHECK(Err(h.Run({"COPY", "k", "x", "DB"})) == "syntax error");
  CHECK(Err(h.Run({"COPY", "k", "x", "FOO"})) == "syntax error");
  h.client()->SelectDb(1);
  CHECK(h.Run({"GET", "k"}).str == "foobar");
  CHECK(h.Run({"DBSIZE"}).integer == 1);
  h.client()->SelectDb(0);

  // Encodings are kept.
  CHECK(h.Run({"SET", "i", "42"}).str == "OK");
  CHECK(h.Run({"COPY", "i", "i2"}).integer == 1);
  CHECK(h.Run({"OBJECT", "ENCODING", "i2"}).str == "int");
  std::string big(60, 'y');
  CHECK(h.Run({"SET", "r", big}).str == "OK");
  CHECK(h.Run({"COPY", "r", "r2"}).integer == 1);
  CHECK(h.Run({"OBJECT", "ENCODING", "r2"}).str == "raw");
  CHECK(h.Run({"GET", "r2"}).str == big);
}

TEST_CASE("generic: MOVE") {
  FakeClock clock;
  Harness h;
  CHECK(h.Run({"SET", "k", "foo"}).str == "OK");
  CHECK(Err(h.Run({"MOVE", "k", "0"})) == "source and destination objects are the same");
  CHECK(Err(h.Run({"MOVE", "k", "notanumber"})) == "value is not an integer or out of range");
  CHECK(Err(h.Run({"MOVE", "k", "16"})) == "DB index is out of range");
  CHECK(Err(h.Run({"MOVE", "k", "99999999999"})) ==
        "value is out of range, value must between -2147483648 and 2147483647");
  CHECK(h.Run({"MOVE", "nope", "1"}).integer == 0);
  CHECK(h.Run({"PEXPIRE", "k", "9000"}).integer == 1);
  CHECK(h.Run({"MOVE", "k", "1"}).integer == 1);
  CHECK(h.Run({"EXISTS", "k"}).integer == 0);
  h.client()->SelectDb(1);
  CHECK(h.Run({"GET", "k"}).str == "foo");
  CHECK(h.Run({"PTTL", "k"}).integer == 9000);
  h.client()->SelectDb(0);
  CHECK(h.Run({"SET", "k", "bar"}).str == "OK");
  CHECK(h.Run({"MOVE", "k", "1"}).integer == 0);
}

TEST_CASE("generic: KEYS pattern") {
  FakeClock clock;
  Harness h;
  for (const char* k : {"foo_a", "foo_b", "foo_c", "key_x", "key_y", "key_z"}) {
    CHECK(h.Run({"SET", k, "hello"}).str == "OK");
  }
  CHECK(Sorted(Strings(h.Run({"KEYS", "foo*"}))) ==
        std::vector<std::string>{"foo_a", "foo_b", "foo_c"});
  CHECK(Sorted(Strings(h.Run({"KEYS", "key_[xy]"}))) == std::vector<std::string>{"key_x", "key_y"});
  CHECK(h.Run({"KEYS", "*"}).elems.size() == 6);
  CHECK(h.Run({"KEYS", "nomatch*"}).elems.empty());
  CHECK(h.Run({"KEYS", "nomatch*"}).type == RespValue::Type::kArray);
  // Expired keys are not listed.
  CHECK(h.Run({"PEXPIRE", "foo_a", "10"}).integer == 1);
  clock.SetMs(kT0Ms + 20);
  CHECK(Sorted(Strings(h.Run({"KEYS", "foo*"}))) == std::vector<std::string>{"foo_b", "foo_c"});
}

TEST_CASE("generic: SCAN iterates every key") {
  Harness h;
  const int n = 1000;
  for (int i = 0; i < n; i++) {
    CHECK(h.Run({"SET", "key:" + std::to_string(i), std::to_string(i)}).str == "OK");
  }
  std::map<std::string, int> seen;
  std::string cursor = "0";
  int rounds = 0;
  do {
    RespValue r = h.Run({"SCAN", cursor, "COUNT", "17"});
    REQUIRE(r.elems.size() == 2);
    cursor = r.elems[0].str;
    for (const auto& k : r.elems[1].elems) seen[k.str]++;
    // Keep the table changing while the scan runs: it must not lose the original keys.
    if (++rounds % 5 == 0) h.Run({"SET", "extra:" + std::to_string(rounds), "x"});
  } while (cursor != "0" && rounds < 100000);
  for (int i = 0; i < n; i++) CHECK(seen.count("key:" + std::to_string(i)) == 1);

  // MATCH and TYPE filter; COUNT and the cursor are validated.
  std::set<std::string> matched;
  cursor = "0";
  do {
    RespValue r = h.Run({"SCAN", cursor, "MATCH", "key:1?", "TYPE", "string"});
    cursor = r.elems[0].str;
    for (const auto& k : r.elems[1].elems) matched.insert(k.str);
  } while (cursor != "0");
  CHECK(matched.size() == 10);
  cursor = "0";
  size_t lists = 0;
  do {
    RespValue r = h.Run({"SCAN", cursor, "TYPE", "list", "COUNT", "100"});
    cursor = r.elems[0].str;
    lists += r.elems[1].elems.size();
  } while (cursor != "0");
  CHECK(lists == 0);
  CHECK(Err(h.Run({"SCAN", "0", "COUNT", "0"})) == "syntax error");
  CHECK(Err(h.Run({"SCAN", "0", "COUNT", "x"})) == "value is not an integer or out of range");
  CHECK(Err(h.Run({"SCAN", "0", "MATCH"})) == "syntax error");
  CHECK(Err(h.Run({"SCAN", "abc"})) == "invalid cursor");
  CHECK(Err(h.Run({"SCAN", " 1"})) == "invalid cursor");
  CHECK(Err(h.Run({"SCAN", "99999999999999999999999"})) == "invalid cursor");
}

TEST_CASE("generic: SCAN skips expired keys") {
  FakeClock clock;
  Harness h;
  for (int i = 0; i < 20; i++) {
    CHECK(h.Run({"SET", "k" + std::to_string(i), "v"}).str == "OK");
    if (i % 2) CHECK(h.Run({"PEXPIRE", "k" + std::to_string(i), "10"}).integer == 1);
  }
  clock.SetMs(kT0Ms + 20);
  std::set<std::string> seen;
  std::string cursor = "0";
  do {
    RespValue r = h.Run({"SCAN", cursor});
    cursor = r.elems[0].str;
    for (const auto& k : r.elems[1].elems) seen.insert(k.str);
  } while (cursor != "0");
  CHECK(seen.size() == 10);
  CHECK(h.Run({"DBSIZE"}).integer == 10);  // expired keys met by SCAN were deleted
}

TEST_CASE("generic: RANDOMKEY") {
  FakeClock clock;
  Harness h;
  CHECK(h.Run({"RANDOMKEY"}).is_null());
  CHECK(h.Run({"SET", "foo", "x"}).str == "OK");
  CHECK(h.Run({"SET", "bar", "y"}).str == "OK");
  std::set<std::string> seen;
  for (int i = 0; i < 200; i++) seen.insert(h.Run({"RANDOMKEY"}).str);
  CHECK(seen == std::set<std::string>{"bar", "foo"});
  // Only expired keys left: they are all deleted, then nil.
  CHECK(h.Run({"PEXPIRE", "foo", "5"}).integer == 1);
  CHECK(h.Run({"PEXPIRE", "bar", "5"}).integer == 1);
  clock.SetMs(kT0Ms + 10);
  CHECK(h.Run({"RANDOMKEY"}).is_null());
  CHECK(h.Run({"DBSIZE"}).integer == 0);
}

TEST_CASE("generic: FLUSHDB, FLUSHALL and the dirty counter") {
  Harness h("save \"\"");
  CHECK(h.Run({"SET", "a", "1"}).str == "OK");
  CHECK(h.Run({"SET", "b", "1"}).str == "OK");
  CHECK(h.Run({"COPY", "a", "a", "DB", "1"}).integer == 1);
  CHECK(Err(h.Run({"FLUSHDB", "foo"})) == "syntax error");
  int64_t dirty = h.server().dirty;
  CHECK(h.Run({"FLUSHDB", "ASYNC"}).str == "OK");
  CHECK(h.server().dirty == dirty + 2);
  CHECK(h.Run({"DBSIZE"}).integer == 0);
  CHECK(h.server().db(1).size() == 1);
  CHECK(h.Run({"FLUSHALL", "SYNC"}).str == "OK");
  CHECK(h.server().db(1).size() == 0);
  CHECK(h.server().dirty > 0);  // no save points: the counter keeps the changes

  Harness saving;  // default save points: FLUSHALL saves and resets the counter
  CHECK(saving.Run({"SET", "a", "1"}).str == "OK");
  CHECK(saving.Run({"FLUSHALL"}).str == "OK");
  CHECK(saving.server().dirty == 0);
}

TEST_CASE("generic: SWAPDB") {
  Harness h;
  CHECK(h.Run({"SET", "a", "in0"}).str == "OK");
  CHECK(h.Run({"COPY", "a", "b", "DB", "1"}).integer == 1);
  CHECK(h.Run({"SWAPDB", "0", "1"}).str == "OK");
  CHECK(h.Run({"GET", "b"}).str == "in0");
  CHECK(h.Run({"EXISTS", "a"}).integer == 0);
  h.client()->SelectDb(1);
  CHECK(h.Run({"GET", "a"}).str == "in0");
  h.client()->SelectDb(0);
  CHECK(h.Run({"SWAPDB", "0", "0"}).str == "OK");
  CHECK(Err(h.Run({"SWAPDB", "x", "1"})) == "invalid first DB index");
  CHECK(Err(h.Run({"SWAPDB", "0", "y"})) == "invalid second DB index");
  CHECK(Err(h.Run({"SWAPDB", "0", "99999999999"})) == "invalid second DB index");
  CHECK(Err(h.Run({"SWAPDB", "0", "16"})) == "DB index is out of range");
  CHECK(Err(h.Run({"SWAPDB", "-1", "0"})) == "DB index is out of range");
}

TEST_CASE("generic: OBJECT") {
  Harness h;
  CHECK(h.Run({"SET", "i", "12345"}).str == "OK");
  CHECK(h.Run({"SET", "e", "hello"}).str == "OK");
  CHECK(h.Run({"SET", "r", std::string(45, 'x')}).str == "OK");
  CHECK(h.Run({"OBJECT", "ENCODING", "i"}).str == "int");
  CHECK(h.Run({"OBJECT", "ENCODING", "e"}).str == "embstr");
  CHECK(h.Run({"OBJECT", "ENCODING", "r"}).str == "raw");
  CHECK(h.Run({"OBJECT", "ENCODING", "nope"}).is_null());
  CHECK(h.Run({"OBJECT", "REFCOUNT", "e"}).integer == 1);
  CHECK(h.Run({"OBJECT", "REFCOUNT", "i"}).integer == 1);
  CHECK(h.Run({"SET", "small", "1"}).str == "OK");
  CHECK(h.Run({"OBJECT", "REFCOUNT", "small"}).integer == 2147483647);
  CHECK(h.Run({"OBJECT", "IDLETIME", "e"}).integer >= 0);
  CHECK(Err(h.Run({"OBJECT", "FREQ", "e"})).rfind("An LFU maxmemory policy is not selected", 0) ==
        0);
  RespValue help = h.Run({"OBJECT", "HELP"});
  REQUIRE(help.elems.size() == 15);
  CHECK(help.elems[0].str == "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  CHECK(help.elems[14].str == "    Prints this help.");
}

TEST_CASE("generic: OBJECT under an LFU policy") {
  Harness h("maxmemory-policy allkeys-lfu");
  CHECK(h.Run({"SET", "k", "v"}).str == "OK");
  CHECK(h.Run({"OBJECT", "FREQ", "k"}).integer >= 0);
  CHECK(Err(h.Run({"OBJECT", "IDLETIME", "k"})).rfind("An LFU maxmemory policy is selected", 0) ==
        0);
}

TEST_CASE("generic: UNLINK and FLUSHALL ASYNC free big values on the lazy-free thread") {
  Harness h;
  ember::LazyFree& lf = h.server().lazyfree();
  auto wait_idle = [&] {
    for (int i = 0; i < 2000 && lf.pending() > 0; i++) usleep(1000);
    return lf.pending() == 0;
  };
  std::vector<std::string> sadd = {"SADD", "big"};
  for (int i = 0; i < 1000; i++) sadd.push_back("m" + std::to_string(i));
  CHECK(h.Run(sadd).integer == 1000);
  CHECK(h.Run({"SADD", "small", "a", "b"}).integer == 2);
  CHECK(h.Run({"UNLINK", "small"}).integer == 1);  // cheap to free: freed at once
  REQUIRE(wait_idle());
  CHECK(lf.freed() == 0);
  CHECK(h.Run({"UNLINK", "big", "missing"}).integer == 1);
  CHECK(h.Run({"EXISTS", "big"}).integer == 0);  // gone from the keyspace at once
  REQUIRE(wait_idle());
  CHECK(lf.freed() == 1);

  // DEL frees in place unless lazyfree-lazy-user-del is set.
  CHECK(h.Run(sadd).integer == 1000);
  CHECK(h.Run({"DEL", "big"}).integer == 1);
  REQUIRE(wait_idle());
  CHECK(lf.freed() == 1);
  CHECK(h.Run({"CONFIG", "SET", "lazyfree-lazy-user-del", "yes"}).str == "OK");
  CHECK(h.Run(sadd).integer == 1000);
  CHECK(h.Run({"DEL", "big"}).integer == 1);
  REQUIRE(wait_idle());
  CHECK(lf.freed() == 2);

  // FLUSHALL ASYNC hands whole databases over: each key counts as one object.
  h.Run({"SET", "a", "1"});
  h.Run({"SELECT", "1"});
  h.Run({"SET", "b", "1"});
  h.Run({"SET", "c", "1"});
  CHECK(h.Run({"FLUSHALL", "ASYNC"}).str == "OK");
  CHECK(h.Run({"DBSIZE"}).integer == 0);
  REQUIRE(wait_idle());
  CHECK(lf.freed() == 5);
  CHECK(h.Run({"FLUSHALL", "LAZY"}).is_error());
  h.Run({"CONFIG", "RESETSTAT"});
  CHECK(lf.freed() == 0);
}
