#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/server/harness.h"

using ember::RespValue;
using ember::test::Harness;

namespace {

std::vector<int64_t> Ints(const RespValue& r) {
  std::vector<int64_t> out;
  for (const auto& e : r.elems) out.push_back(e.is_null() ? INT64_MIN : e.integer);
  return out;
}

int BitAt(const std::string& s, int64_t i) {
  if (i < 0 || size_t(i >> 3) >= s.size()) return 0;
  return (uint8_t(s[size_t(i >> 3)]) >> (7 - (i & 7))) & 1;
}

// Redis's index normalization for [start, end] over `total` units.
bool Clamp(int64_t* start, int64_t* end, int64_t total) {
  if (*start < 0) *start += total;
  if (*end < 0) *end += total;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= total) *end = total - 1;
  return *start <= *end;
}

}  // namespace

TEST_CASE("bitops: SETBIT and GETBIT") {
  Harness h;
  CHECK(h.Run({"SETBIT", "k", "7", "1"}).integer == 0);
  CHECK(h.Run({"GET", "k"}).str == "\x01");
  CHECK(h.Run({"SETBIT", "k", "7", "0"}).integer == 1);
  CHECK(h.Run({"SETBIT", "k", "0", "1"}).integer == 0);
  CHECK(h.Run({"GETBIT", "k", "0"}).integer == 1);
  CHECK(h.Run({"GETBIT", "k", "1"}).integer == 0);
  CHECK(h.Run({"GETBIT", "k", "100000"}).integer == 0);
  CHECK(h.Run({"GETBIT", "nokey", "5"}).integer == 0);
  CHECK(h.Run({"SETBIT", "k", "23", "1"}).integer == 0);
  CHECK(h.Run({"STRLEN", "k"}).integer == 3);
  CHECK(h.Run({"OBJECT", "ENCODING", "k"}).str == "raw");

  // int and embstr values become raw strings when modified.
  CHECK(h.Run({"SET", "n", "1"}).str == "OK");  // "1" = 0x31
  CHECK(h.Run({"GETBIT", "n", "2"}).integer == 1);
  CHECK(h.Run({"GETBIT", "n", "7"}).integer == 1);
  CHECK(h.Run({"GETBIT", "n", "8"}).integer == 0);
  CHECK(h.Run({"SETBIT", "n", "6", "1"}).integer == 0);
  CHECK(h.Run({"GET", "n"}).str == "3");
  CHECK(h.Run({"OBJECT", "ENCODING", "n"}).str == "raw");

  CHECK(h.Run({"SETBIT", "k", "-1", "1"}).str ==
        "ERR bit offset is not an integer or out of range");
  CHECK(h.Run({"SETBIT", "k", "x", "1"}).str == "ERR bit offset is not an integer or out of range");
  CHECK(h.Run({"SETBIT", "k", "4294967296", "1"}).str ==
        "ERR bit offset is not an integer or out of range");
  CHECK(h.Run({"GETBIT", "k", "4294967296"}).str ==
        "ERR bit offset is not an integer or out of range");
  CHECK(h.Run({"DEL", "k"}).integer == 1);
  CHECK(h.Run({"SETBIT", "k", "1", "2"}).str == "ERR bit is not an integer or out of range");
  CHECK(h.Run({"SETBIT", "k", "1", "-1"}).str == "ERR bit is not an integer or out of range");
  CHECK(h.Run({"SETBIT", "k", "1", "a"}).str == "ERR bit is not an integer or out of range");
  CHECK(h.Run({"EXISTS", "k"}).integer == 0);
  CHECK(h.Run({"LPUSH", "l", "a"}).integer == 1);
  CHECK(h.Run({"SETBIT", "l", "1", "1"}).str.rfind("WRONGTYPE", 0) == 0);
  CHECK(h.Run({"GETBIT", "l", "1"}).str.rfind("WRONGTYPE", 0) == 0);
  // A smaller proto-max-bulk-len lowers the offset limit.
  CHECK(h.Run({"CONFIG", "SET", "proto-max-bulk-len", "1mb"}).str == "OK");
  CHECK(h.Run({"SETBIT", "k", "8388608", "1"}).str ==
        "ERR bit offset is not an integer or out of range");
  CHECK(h.Run({"SETBIT", "k", "8388607", "1"}).integer == 0);
}

TEST_CASE("bitops: SETBIT counts dirty only on change") {
  Harness h;
  int64_t d0 = h.server().dirty;
  CHECK(h.Run({"SETBIT", "k", "0", "0"}).integer == 0);  // created
  CHECK(h.server().dirty == d0 + 1);
  CHECK(h.Run({"SETBIT", "k", "0", "0"}).integer == 0);  // no change
  CHECK(h.server().dirty == d0 + 1);
  CHECK(h.Run({"SETBIT", "k", "0", "1"}).integer == 0);
  CHECK(h.Run({"SETBIT", "k", "0", "1"}).integer == 1);
  CHECK(h.server().dirty == d0 + 2);
  CHECK(h.Run({"SETBIT", "k", "90", "0"}).integer == 0);  // grows only
  CHECK(h.server().dirty == d0 + 3);
}

TEST_CASE("bitops: BITCOUNT") {
  Harness h;
  CHECK(h.Run({"BITCOUNT", "nokey"}).integer == 0);
  CHECK(h.Run({"BITCOUNT", "nokey", "a", "b"}).integer == 0);  // as Redis: key first
  CHECK(h.Run({"SET", "s", "foobar"}).str == "OK");
  CHECK(h.Run({"BITCOUNT", "s"}).integer == 26);
  CHECK(h.Run({"BITCOUNT", "s", "0", "0"}).integer == 4);
  CHECK(h.Run({"BITCOUNT", "s", "1", "1"}).integer == 6);
  CHECK(h.Run({"BITCOUNT", "s", "1", "1", "BYTE"}).integer == 6);
  CHECK(h.Run({"BITCOUNT", "s", "5", "30", "BIT"}).integer == 17);
  CHECK(h.Run({"BITCOUNT", "s", "-1", "-2"}).integer == 0);
  CHECK(h.Run({"BITCOUNT", "s", "-1", "-2", "bogus"}).integer == 0);  // shortcut comes first
  CHECK(h.Run({"BITCOUNT", "s", "100", "200"}).integer == 0);
  CHECK(h.Run({"BITCOUNT", "s", "0"}).str == "ERR syntax error");
  CHECK(h.Run({"BITCOUNT", "s", "0", "1", "hello"}).str == "ERR syntax error");
  CHECK(h.Run({"BITCOUNT", "s", "0", "1", "bit", "x"}).str == "ERR syntax error");
  CHECK(h.Run({"BITCOUNT", "s", "a", "1"}).str == "ERR value is not an integer or out of range");
  CHECK(h.Run({"BITCOUNT", "s", "0", "4294967296"}).integer == 26);
  CHECK(h.Run({"SET", "n", "12345"}).str == "OK");
  CHECK(h.Run({"BITCOUNT", "n"}).integer == 17);
  CHECK(h.Run({"SET", "e", ""}).str == "OK");
  CHECK(h.Run({"BITCOUNT", "e"}).integer == 0);
  CHECK(h.Run({"BITCOUNT", "e", "0", "-1", "bit"}).integer == 0);

  // Every range against a bit-by-bit count, over strings long enough for the word loop.
  std::mt19937 rng(7);
  for (int iter = 0; iter < 20; iter++) {
    std::string v(rng() % 70, '\0');
    for (auto& ch : v) ch = char(rng());
    CHECK(h.Run({"SET", "r", v}).str == "OK");
    int64_t len = int64_t(v.size());
    for (int q = 0; q < 30; q++) {
      bool bit = rng() & 1;
      int64_t total = bit ? len * 8 : len;
      int64_t span = total + 5;
      int64_t start = int64_t(rng() % uint64_t(2 * span + 1)) - span;
      int64_t end = int64_t(rng() % uint64_t(2 * span + 1)) - span;
      int64_t expect = 0;
      int64_t s = start, e = end;
      if (!(start < 0 && end < 0 && start > end) && Clamp(&s, &e, total)) {
        int64_t fb = bit ? s : s * 8, lb = bit ? e : e * 8 + 7;
        for (int64_t i = fb; i <= lb; i++) expect += BitAt(v, i);
      }
      RespValue r = h.Run(
          {"BITCOUNT", "r", std::to_string(start), std::to_string(end), bit ? "BIT" : "BYTE"});
      CHECK_MESSAGE(r.integer == expect, v.size(), " ", start, " ", end, " ", bit);
    }
  }
}

TEST_CASE("bitops: BITPOS") {
  Harness h;
  CHECK(h.Run({"BITPOS", "nokey", "0"}).integer == 0);
  CHECK(h.Run({"BITPOS", "nokey", "1"}).integer == -1);
  CHECK(h.Run({"BITPOS", "nokey", "1", "x", "y", "z", "w"}).integer == -1);
  CHECK(h.Run({"BITPOS", "nokey", "2"}).str == "ERR The bit argument must be 1 or 0.");
  CHECK(h.Run({"BITPOS", "nokey", "x"}).str == "ERR value is not an integer or out of range");
  CHECK(h.Run({"SET", "s", "\xff\xf0\x00"}).str == "OK");
  CHECK(h.Run({"BITPOS", "s", "0"}).integer == 12);
  CHECK(h.Run({"SET", "s", std::string("\x00\xff\xf0", 3)}).str == "OK");
  CHECK(h.Run({"BITPOS", "s", "1", "0"}).integer == 8);
  CHECK(h.Run({"BITPOS", "s", "1", "2"}).integer == 16);
  CHECK(h.Run({"BITPOS", "s", "1", "2", "-1", "BYTE"}).integer == 16);
  CHECK(h.Run({"BITPOS", "s", "1", "7", "15", "BIT"}).integer == 8);
  CHECK(h.Run({"BITPOS", "s", "1", "7", "-3", "bit"}).integer == 8);
  CHECK(h.Run({"BITPOS", "s", "1", "0", "1", "x"}).str == "ERR syntax error");
  CHECK(h.Run({"BITPOS", "s", "1", "0", "1", "bit", "x"}).str == "ERR syntax error");
  CHECK(h.Run({"SET", "f", "\xff\xff\xff"}).str == "OK");
  CHECK(h.Run({"BITPOS", "f", "0"}).integer == 24);
  CHECK(h.Run({"BITPOS", "f", "0", "0"}).integer == 24);
  CHECK(h.Run({"BITPOS", "f", "0", "0", "-1"}).integer == -1);
  CHECK(h.Run({"BITPOS", "f", "0", "0", "-1", "bit"}).integer == -1);
  CHECK(h.Run({"BITPOS", "f", "0", "3", "bit"}).str ==  // the 5th argument is the end
        "ERR value is not an integer or out of range");
  CHECK(h.Run({"BITPOS", "f", "0", "3", "-1", "bit"}).integer == -1);
  CHECK(h.Run({"BITPOS", "f", "0", "3"}).integer == -1);
  CHECK(h.Run({"BITPOS", "f", "1", "5", "10"}).integer == -1);
  CHECK(h.Run({"SET", "z", std::string(40, '\0')}).str == "OK");
  CHECK(h.Run({"BITPOS", "z", "1"}).integer == -1);
  CHECK(h.Run({"SET", "e", ""}).str == "OK");
  CHECK(h.Run({"BITPOS", "e", "0"}).integer == -1);
  CHECK(h.Run({"BITPOS", "e", "1"}).integer == -1);
  CHECK(h.Run({"SET", "n", "1"}).str == "OK");  // 0x31
  CHECK(h.Run({"BITPOS", "n", "1"}).integer == 2);

  // Ranges against a bit-by-bit search, over sparse and dense strings.
  std::mt19937 rng(11);
  for (int iter = 0; iter < 40; iter++) {
    std::string v(rng() % 60, '\0');
    bool dense = iter & 1;
    for (auto& ch : v) ch = dense ? '\xff' : '\0';
    for (int k = 0; k < 2 && !v.empty(); k++) {
      size_t i = rng() % (v.size() * 8);
      v[i / 8] = char(uint8_t(v[i / 8]) ^ (0x80 >> (i % 8)));
    }
    CHECK(h.Run({"SET", "r", v}).str == "OK");
    int64_t len = int64_t(v.size());
    for (int q = 0; q < 30; q++) {
      int target = dense ? 0 : 1;
      int form = int(rng() % 4);  // 0: no range, 1: start, 2: start end, 3: start end unit
      bool bit = form == 3 && (rng() & 1);
      int64_t total = bit ? len * 8 : len;
      int64_t span = total + 5;
      int64_t start = int64_t(rng() % uint64_t(2 * span + 1)) - span;
      int64_t end = int64_t(rng() % uint64_t(2 * span + 1)) - span;
      std::vector<std::string> cmd{"BITPOS", "r", std::to_string(target)};
      if (form >= 1) cmd.push_back(std::to_string(start));
      if (form >= 2) cmd.push_back(std::to_string(end));
      if (form == 3) cmd.push_back(bit ? "BIT" : "BYTE");
      int64_t s = form >= 1 ? start : 0, e = form >= 2 ? end : total - 1;
      int64_t expect = -1;
      if (Clamp(&s, &e, total)) {
        int64_t fb = bit ? s : s * 8, lb = bit ? e : e * 8 + 7;
        for (int64_t i = fb; i <= lb && expect < 0; i++) {
          if (BitAt(v, i) == target) expect = i;
        }
        if (expect < 0 && target == 0 && form < 2) expect = lb + 1;
      }
      RespValue r = h.Run(cmd);
      CHECK_MESSAGE(r.integer == expect, v.size(), " ", start, " ", end, " ", form, bit);
    }
  }
}

TEST_CASE("bitops: BITOP") {
  Harness h;
  CHECK(h.Run({"SET", "a", "\x01\x02\xff\xff"}).str == "OK");
  CHECK(h.Run({"SET", "b", "\x01\x02\xff"}).str == "OK");
  CHECK(h.Run({"BITOP", "AND", "d", "a", "b"}).integer == 4);
  CHECK(h.Run({"GET", "d"}).str == std::string("\x01\x02\xff\x00", 4));
  CHECK(h.Run({"BITOP", "or", "d", "a", "b"}).integer == 4);
  CHECK(h.Run({"GET", "d"}).str == "\x01\x02\xff\xff");
  CHECK(h.Run({"BITOP", "XOR", "d", "a", "b"}).integer == 4);
  CHECK(h.Run({"GET", "d"}).str == std::string("\x00\x00\x00\xff", 4));
  CHECK(h.Run({"OBJECT", "ENCODING", "d"}).str == "raw");
  CHECK(h.Run({"BITOP", "NOT", "d", "a"}).integer == 4);
  CHECK(h.Run({"GET", "d"}).str == std::string("\xfe\xfd\x00\x00", 4));
  CHECK(h.Run({"BITOP", "and", "d", "nokey", "a"}).integer == 4);
  CHECK(h.Run({"GET", "d"}).str == std::string(4, '\0'));
  // Same key as source and destination.
  CHECK(h.Run({"BITOP", "not", "a", "a"}).integer == 4);
  CHECK(h.Run({"GET", "a"}).str == std::string("\xfe\xfd\x00\x00", 4));
  // Integer-encoded sources.
  CHECK(h.Run({"SET", "i1", "1"}).str == "OK");
  CHECK(h.Run({"SET", "i2", "2"}).str == "OK");
  CHECK(h.Run({"BITOP", "xor", "d", "i1", "i2", "i1"}).integer == 1);
  CHECK(h.Run({"GET", "d"}).str == "2");
  // Empty result deletes the destination (and drops its TTL with it).
  CHECK(h.Run({"EXPIRE", "d", "100"}).integer == 1);
  CHECK(h.Run({"BITOP", "or", "d", "nokey", "nokey2"}).integer == 0);
  CHECK(h.Run({"EXISTS", "d"}).integer == 0);
  CHECK(h.Run({"SET", "d", "x"}).str == "OK");
  CHECK(h.Run({"EXPIRE", "d", "100"}).integer == 1);
  CHECK(h.Run({"BITOP", "or", "d", "b"}).integer == 3);
  CHECK(h.Run({"TTL", "d"}).integer == -1);
  // Errors.
  CHECK(h.Run({"BITOP", "nand", "d", "a"}).str == "ERR syntax error");
  CHECK(h.Run({"BITOP", "NOT", "d", "a", "b"}).str ==
        "ERR BITOP NOT must be called with a single source key.");
  CHECK(h.Run({"LPUSH", "l", "x"}).integer == 1);
  CHECK(h.Run({"BITOP", "xor", "d", "a", "l"}).str.rfind("WRONGTYPE", 0) == 0);

  // Random inputs against a byte-by-byte reference.
  std::mt19937 rng(3);
  for (int iter = 0; iter < 30; iter++) {
    int nsrc = 1 + int(rng() % 6);
    std::vector<std::string> vals;
    std::vector<std::string> cmd{"BITOP", "", "dst"};
    const char* ops[] = {"AND", "OR", "XOR", "NOT"};
    int op = int(rng() % 4);
    if (op == 3) nsrc = 1;
    cmd[1] = ops[op];
    size_t maxlen = 0;
    for (int j = 0; j < nsrc; j++) {
      std::string v(rng() % 100, '\0');
      for (auto& ch : v) ch = char(rng() % 4 == 0 ? 0xff : rng());
      vals.push_back(v);
      maxlen = std::max(maxlen, v.size());
      std::string key = "src" + std::to_string(j);
      CHECK(h.Run({"SET", key, v}).str == "OK");
      cmd.push_back(key);
    }
    std::string expect(maxlen, '\0');
    for (size_t i = 0; i < maxlen; i++) {
      auto at = [&](int j) { return i < vals[size_t(j)].size() ? uint8_t(vals[size_t(j)][i]) : 0; };
      uint8_t x = at(0);
      if (op == 3) x = uint8_t(~x);
      for (int j = 1; j < nsrc; j++) {
        x = op == 0 ? uint8_t(x & at(j)) : op == 1 ? uint8_t(x | at(j)) : uint8_t(x ^ at(j));
      }
      expect[i] = char(x);
    }
    CHECK(h.Run(cmd).integer == int64_t(maxlen));
    if (maxlen) CHECK(h.Run({"GET", "dst"}).str == expect);
  }
}

TEST_CASE("bitops: BITFIELD basics") {
  Harness h;
  CHECK(Ints(h.Run({"BITFIELD", "b", "SET", "i8", "0", "-100"})) == std::vector<int64_t>{0});
  CHECK(Ints(h.Run({"BITFIELD", "b", "SET", "i8", "0", "101"})) == std::vector<int64_t>{-100});
  CHECK(Ints(h.Run({"BITFIELD", "b", "GET", "i8", "0"})) == std::vector<int64_t>{101});
  CHECK(Ints(h.Run({"BITFIELD", "b", "set", "u8", "0", "255", "incrby", "u8", "0", "100", "get",
                    "u8", "0"})) == std::vector<int64_t>{101, 99, 99});
  CHECK(h.Run({"BITFIELD", "b"}).elems.empty());
  CHECK(h.Run({"BITFIELD", "b"}).is_array());
  CHECK(h.Run({"DEL", "b"}).integer == 1);
  h.Run({"BITFIELD", "b", "SET", "u8", "#0", "65", "SET", "u8", "#1", "66"});
  h.Run({"BITFIELD", "b", "SET", "u8", "#2", "67"});
  CHECK(h.Run({"GET", "b"}).str == "ABC");
  CHECK(Ints(h.Run({"BITFIELD", "b", "GET", "u4", "#1", "GET", "i64", "0", "GET", "u63", "1"})) ==
        std::vector<int64_t>{1, 0x4142430000000000, 0x4142430000000000});
  // Unaligned fields spanning nine bytes.
  CHECK(Ints(h.Run({"BITFIELD", "w", "SET", "i64", "5", "-2", "GET", "i64", "5", "GET", "u5", "0",
                    "GET", "u2", "67"})) == std::vector<int64_t>{0, -2, 0, 2});
  CHECK(h.Run({"STRLEN", "w"}).integer == 9);
  CHECK(h.Run({"GET", "w"}).str == std::string("\x07\xff\xff\xff\xff\xff\xff\xff\xf0", 9));
  // Overflow modes.
  h.Run({"SET", "o", "\x64"});  // 100
  CHECK(Ints(h.Run({"BITFIELD", "o", "OVERFLOW", "WRAP", "INCRBY", "u8", "0", "257"})) ==
        std::vector<int64_t>{101});
  CHECK(Ints(h.Run({"BITFIELD", "o",      "OVERFLOW", "SAT", "INCRBY", "u8",     "0",
                    "257",      "INCRBY", "u8",       "0",   "-300",   "INCRBY", "i8",
                    "0",        "-200",   "INCRBY",   "i8",  "0",      "900"})) ==
        std::vector<int64_t>{255, 0, -128, 127});
  CHECK(Ints(h.Run({"BITFIELD", "o",   "OVERFLOW", "FAIL", "INCRBY", "i8",  "0",
                    "1",        "SET", "u8",       "0",    "256",    "SET", "u8",
                    "0",        "-1",  "INCRBY",   "u8",   "0",      "1"})) ==
        std::vector<int64_t>{INT64_MIN, INT64_MIN, INT64_MIN, 128});
  CHECK(Ints(h.Run({"BITFIELD", "o", "OVERFLOW", "SAT", "SET", "u8", "0", "-1", "SET", "i4", "0",
                    "-100", "GET", "u8", "0"})) == std::vector<int64_t>{128, -1, 0x8f});
  CHECK(Ints(h.Run({"BITFIELD", "o", "SET", "i8", "0", "300", "SET", "u8", "0", "-1"})) ==
        std::vector<int64_t>{-113, 44});
  CHECK(Ints(h.Run({"BITFIELD", "o", "GET", "u8", "0"})) == std::vector<int64_t>{255});
  CHECK(Ints(h.Run({"BITFIELD", "m", "OVERFLOW", "WRAP", "SET", "i64", "0", "9223372036854775807",
                    "INCRBY", "i64", "0", "1"})) == std::vector<int64_t>{0, INT64_MIN});
  CHECK(Ints(h.Run({"BITFIELD", "m", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-1"})) ==
        std::vector<int64_t>{INT64_MIN});
  CHECK(
      h.Run({"BITFIELD", "m", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "-1"}).elems[0].is_null());
  CHECK(Ints(h.Run({"BITFIELD", "m", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "1"})) ==
        std::vector<int64_t>{INT64_MIN + 1});
  // Integer-encoded strings read through their digits.
  h.Run({"SET", "n", "1"});
  CHECK(Ints(h.Run({"BITFIELD", "n", "GET", "u1", "0", "GET", "u8", "0"})) ==
        std::vector<int64_t>{0, 0x31});
  // A write op turns the key into a raw string.
  CHECK(Ints(h.Run({"BITFIELD", "n", "SET", "u8", "8", "50"})) == std::vector<int64_t>{0});
  CHECK(h.Run({"GET", "n"}).str == "12");
  CHECK(h.Run({"OBJECT", "ENCODING", "n"}).str == "raw");
}

TEST_CASE("bitops: BITFIELD errors and BITFIELD_RO") {
  Harness h;
  const std::string bad_type =
      "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
      "i64 is.";
  CHECK(h.Run({"BITFIELD", "b", "GET", "u64", "0"}).str == bad_type);
  CHECK(h.Run({"BITFIELD", "b", "GET", "i65", "0"}).str == bad_type);
  CHECK(h.Run({"BITFIELD", "b", "GET", "i0", "0"}).str == bad_type);
  CHECK(h.Run({"BITFIELD", "b", "GET", "x8", "0"}).str == bad_type);
  CHECK(h.Run({"BITFIELD", "b", "GET", "i08", "0"}).str == bad_type);
  CHECK(h.Run({"BITFIELD", "b", "GET", "", "0"}).str == bad_type);
  CHECK(h.Run({"BITFIELD", "b", "GET", "i8", "-1"}).str ==
        "ERR bit offset is not an integer or out of range");
  CHECK(h.Run({"BITFIELD", "b", "GET", "i8", "#"}).str ==
        "ERR bit offset is not an integer or out of range");
  CHECK(h.Run({"BITFIELD", "b", "GET", "i8", "4294967296"}).str ==
        "ERR bit offset is not an integer or out of range");
  CHECK(h.Run({"BITFIELD", "b", "GET", "i8", "#536870912"}).str ==
        "ERR bit offset is not an integer or out of range");
  CHECK(h.Run({"BITFIELD", "b", "SET", "i8", "0", "x"}).str ==
        "ERR value is not an integer or out of range");
  CHECK(h.Run({"BITFIELD", "b", "GET", "i8"}).str == "ERR syntax error");
  CHECK(h.Run({"BITFIELD", "b", "SET", "i8", "0"}).str == "ERR syntax error");
  CHECK(h.Run({"BITFIELD", "b", "FOO"}).str == "ERR syntax error");
  CHECK(h.Run({"BITFIELD", "b", "OVERFLOW"}).str == "ERR syntax error");
  CHECK(h.Run({"BITFIELD", "b", "OVERFLOW", "BAD"}).str == "ERR Invalid OVERFLOW type specified");
  CHECK(h.Run({"EXISTS", "b"}).integer == 0);
  // A failed FAIL still creates the key, as Redis does, but counts no change.
  int64_t d0 = h.server().dirty;
  CHECK(Ints(h.Run({"BITFIELD", "b", "OVERFLOW", "FAIL", "SET", "u2", "0", "9"})) ==
        std::vector<int64_t>{INT64_MIN});
  CHECK(h.Run({"EXISTS", "b"}).integer == 1);
  CHECK(h.server().dirty == d0);
  CHECK(h.Run({"LPUSH", "l", "x"}).integer == 1);
  CHECK(h.Run({"BITFIELD", "l", "GET", "u8", "0"}).str.rfind("WRONGTYPE", 0) == 0);
  CHECK(h.Run({"BITFIELD", "l", "SET", "u8", "0", "1"}).str.rfind("WRONGTYPE", 0) == 0);
  CHECK(h.Run({"BITFIELD", "l"}).str.rfind("WRONGTYPE", 0) == 0);

  CHECK(h.Run({"SET", "r", "\x10"}).str == "OK");
  CHECK(Ints(h.Run({"BITFIELD_RO", "r", "GET", "u4", "0", "GET", "u4", "#1"})) ==
        std::vector<int64_t>{1, 0});
  CHECK(h.Run({"BITFIELD_RO", "r"}).elems.empty());
  CHECK(h.Run({"BITFIELD_RO", "r", "SET", "u8", "0", "1"}).str ==
        "ERR BITFIELD_RO only supports the GET subcommand");
  CHECK(h.Run({"BITFIELD_RO", "l", "INCRBY", "u8", "0", "1"}).str ==
        "ERR BITFIELD_RO only supports the GET subcommand");
  CHECK(h.Run({"BITFIELD_RO", "r", "OVERFLOW", "FAIL", "GET", "u8", "0"}).elems.size() == 1);
}

TEST_CASE("bitops: BITFIELD dirty counting") {
  Harness h;
  int64_t d0 = h.server().dirty;
  h.Run({"BITFIELD", "f", "SET", "i5", "0", "0"});  // created
  CHECK(h.server().dirty == d0 + 1);
  h.Run({"BITFIELD", "f", "SET", "i5", "0", "0"});  // unchanged
  CHECK(h.server().dirty == d0 + 1);
  h.Run({"BITFIELD", "f", "SET", "i5", "0", "1", "SET", "i5", "0", "1", "INCRBY", "i5", "0", "1"});
  CHECK(h.server().dirty == d0 + 3);
  h.Run({"BITFIELD", "f", "SET", "i5", "90", "0", "SET", "i5", "0", "2"});  // grows: both count
  CHECK(h.server().dirty == d0 + 5);
  h.Run({"BITFIELD", "f", "GET", "i5", "0"});
  CHECK(h.server().dirty == d0 + 5);
}

TEST_CASE("bitops: BITFIELD wrap and overflow against a reference") {
  Harness h;
  std::mt19937_64 rng(5);
  for (int iter = 0; iter < 2000; iter++) {
    int bits = 1 + int(rng() % 64);
    bool sign = (rng() & 1) || bits == 64;
    __int128 range = (__int128)1 << bits;
    __int128 min = sign ? -range / 2 : 0, max = min + range - 1;
    auto pick = [&]() -> int64_t {
      __int128 v = min * 2 + __int128(rng() % uint64_t(std::min<__int128>(range * 2, INT64_MAX)));
      if (v > INT64_MAX) v = INT64_MAX;
      if (v < INT64_MIN) v = INT64_MIN;
      return int64_t(v);
    };
    int64_t value = pick(), incr = pick();
    std::string type = (sign ? "i" : "u") + std::to_string(bits);
    std::string off = std::to_string(rng() % 20);
    h.Run({"DEL", "k"});
    RespValue r = h.Run({"BITFIELD", "k", "OVERFLOW", "FAIL", "SET", type, off,
                         std::to_string(value), "INCRBY", type, off, std::to_string(incr)});
    REQUIRE(r.elems.size() == 2);
    bool set_fails = !sign && value < 0 ? true : (value > max || value < min);
    CHECK_MESSAGE(r.elems[0].is_null() == set_fails, type, " ", value);
    if (!set_fails) {
      __int128 sum = (__int128)value + incr;
      bool incr_fails = sum > max || sum < min;
      CHECK_MESSAGE(r.elems[1].is_null() == incr_fails, type, " ", value, "+", incr);
      if (!incr_fails) CHECK(r.elems[1].integer == int64_t(sum));
    }
    // WRAP: the result is the sum modulo 2^bits, shifted into the type's range.
    h.Run({"DEL", "k"});
    r = h.Run({"BITFIELD", "k", "SET", type, off, std::to_string(value), "INCRBY", type, off,
               std::to_string(incr), "GET", type, off});
    REQUIRE(r.elems.size() == 3);
    __int128 expect = ((__int128)value + incr - min) % range;
    if (expect < 0) expect += range;
    expect += min;
    CHECK_MESSAGE(r.elems[2].integer == int64_t(expect), type, " ", value, "+", incr);
    CHECK(r.elems[1].integer == int64_t(expect));
  }
}
