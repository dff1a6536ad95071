#include "common/storage/listpack.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/util/memory.h"

namespace {

namespace lp = ember::lp;

std::string S(const lp::Value& v) {
  char buf[32];
  return std::string(v.AsString(buf));
}

std::vector<std::string> Elements(uint8_t* l) {
  std::vector<std::string> out;
  for (uint8_t* p = lp::First(l); p; p = lp::Next(l, p)) out.push_back(S(lp::Get(p)));
  return out;
}

std::vector<std::string> ElementsBackwards(uint8_t* l) {
  std::vector<std::string> out;
  for (uint8_t* p = lp::Last(l); p; p = lp::Prev(l, p)) out.insert(out.begin(), S(lp::Get(p)));
  return out;
}

std::vector<uint8_t> Raw(const uint8_t* l) { return {l, l + lp::Bytes(l)}; }

// Checks both walking directions, the header count and deep validation.
void CheckConsistent(uint8_t* l, const std::vector<std::string>& expected) {
  CHECK(Elements(l) == expected);
  CHECK(ElementsBackwards(l) == expected);
  CHECK(lp::Length(l) == expected.size());
  CHECK(lp::Validate(l, lp::Bytes(l), true));
}

}  // namespace

TEST_CASE("listpack: empty layout") {
  uint8_t* l = lp::New();
  CHECK(Raw(l) == std::vector<uint8_t>{7, 0, 0, 0, 0, 0, 0xFF});
  CHECK(lp::First(l) == nullptr);
  CHECK(lp::Last(l) == nullptr);
  CHECK(lp::Seek(l, 0) == nullptr);
  CHECK(lp::Seek(l, -1) == nullptr);
  CHECK(lp::Length(l) == 0);
  CHECK(lp::Validate(l, lp::Bytes(l), true));
  lp::Free(l);
}

TEST_CASE("listpack: exact bytes of small entries") {
  uint8_t* l = lp::New();
  l = lp::Append(l, "hello");
  CHECK(Raw(l) == std::vector<uint8_t>{14, 0, 0, 0, 1, 0, 0x85, 'h', 'e', 'l', 'l', 'o', 6, 0xFF});
  lp::Free(l);

  l = lp::New();
  l = lp::Append(l, "127");                                 // 7-bit uint
  l = lp::Append(l, "128");                                 // 13-bit
  l = lp::Append(l, "-1");                                  // 13-bit negative
  l = lp::AppendInt(l, 300);                                // 13-bit
  std::vector<uint8_t> expect = {19,   0,    0, 0,   4, 0,  //
                                 0x7F, 1,                   //
                                 0xC0, 0x80, 2,             //
                                 0xDF, 0xFF, 2,             //
                                 0xC1, 0x2C, 2, 0xFF};
  // Fix the total length in the expectation.
  expect[0] = static_cast<uint8_t>(expect.size());
  CHECK(Raw(l) == expect);
  lp::Free(l);

  l = lp::New();
  l = lp::AppendInt(l, 32767);                                      // 16-bit
  l = lp::AppendInt(l, -8388608);                                   // 24-bit
  l = lp::AppendInt(l, INT32_MAX);                                  // 32-bit
  l = lp::AppendInt(l, INT64_MIN);                                  // 64-bit
  std::vector<uint8_t> expect2 = {0,    0,    0,    0,    4,    0,  //
                                  0xF1, 0xFF, 0x7F, 3,              //
                                  0xF2, 0x00, 0x00, 0x80, 4,        //
                                  0xF3, 0xFF, 0xFF, 0xFF, 0x7F, 5,  //
                                  0xF4, 0,    0,    0,    0,    0, 0, 0, 0x80, 9, 0xFF};
  expect2[0] = static_cast<uint8_t>(expect2.size());
  CHECK(Raw(l) == expect2);
  lp::Free(l);
}

TEST_CASE("listpack: integer width boundaries round trip") {
  std::vector<int64_t> values = {0,
                                 1,
                                 127,
                                 128,
                                 -1,
                                 -4096,
                                 -4097,
                                 4095,
                                 4096,
                                 -32768,
                                 -32769,
                                 32767,
                                 32768,
                                 -8388608,
                                 -8388609,
                                 8388607,
                                 8388608,
                                 INT32_MIN,
                                 int64_t{INT32_MIN} - 1,
                                 INT32_MAX,
                                 int64_t{INT32_MAX} + 1,
                                 INT64_MIN,
                                 INT64_MAX};
  // Expected entry size (encoding + data + backlen) for each value.
  std::vector<size_t> sizes = {2, 2, 2, 3, 3, 3, 4,  3, 4,  4,  5, 4,
                               5, 5, 6, 5, 6, 6, 10, 6, 10, 10, 10};
  REQUIRE(values.size() == sizes.size());
  for (size_t i = 0; i < values.size(); i++) {
    CAPTURE(values[i]);
    // As integer.
    uint8_t* l = lp::New();
    l = lp::AppendInt(l, values[i]);
    CHECK(lp::Bytes(l) == 7 + sizes[i]);
    lp::Value v = lp::Get(lp::First(l));
    CHECK(v.is_int);
    CHECK(v.ival == values[i]);
    // As string: stored as the same integer.
    std::string s = std::to_string(values[i]);
    uint8_t* l2 = lp::New();
    l2 = lp::Append(l2, s);
    CHECK(Raw(l2) == Raw(l));
    CHECK(lp::Get(lp::First(l2)).Equals(s));
    CHECK(S(lp::Get(lp::First(l2))) == s);
    lp::Free(l);
    lp::Free(l2);
  }
}

TEST_CASE("listpack: non-canonical integers stay strings") {
  for (const char* s : {"01", "+1", " 1", "1 ", "-0", "", "-", "9223372036854775808",
                        "-9223372036854775809", "1.0", "0x10"}) {
    CAPTURE(s);
    uint8_t* l = lp::New();
    l = lp::Append(l, s);
    lp::Value v = lp::Get(lp::First(l));
    CHECK_FALSE(v.is_int);
    CHECK(v.sval == s);
    lp::Free(l);
  }
}

TEST_CASE("listpack: string length boundaries") {
  struct Case {
    size_t len;
    size_t header;
    size_t backlen;
  };
  // 63/64 switch 6-bit -> 12-bit; 4095/4096 switch 12-bit -> 32-bit; backlen grows at
  // encoded sizes 128, 16383, 2097151.
  std::vector<Case> cases = {{0, 1, 1},     {1, 1, 1},     {63, 1, 1},      {64, 2, 1},
                             {125, 2, 1},   {126, 2, 2},   {4095, 2, 2},    {4096, 5, 2},
                             {16377, 5, 2}, {16378, 5, 3}, {2097145, 5, 3}, {2097146, 5, 4}};
  for (const Case& c : cases) {
    CAPTURE(c.len);
    std::string s(c.len, 'x');
    if (!s.empty()) s[0] = 'a';
    uint8_t* l = lp::New();
    l = lp::Append(l, "first");
    l = lp::Append(l, s);
    l = lp::Append(l, "last");
    size_t entry = c.header + c.len + c.backlen;
    CHECK(lp::Bytes(l) == 7 + 7 + entry + 6);
    CheckConsistent(l, {"first", s, "last"});
    CHECK(lp::Get(lp::Seek(l, 1)).sval == s);
    CHECK(lp::Get(lp::Seek(l, -2)).sval == s);
    lp::Free(l);
  }
}

TEST_CASE("listpack: insert, replace and delete in the middle") {
  uint8_t* l = lp::New();
  for (int i = 0; i < 5; i++) l = lp::Append(l, "e" + std::to_string(i));
  l = lp::Prepend(l, "head");
  CheckConsistent(l, {"head", "e0", "e1", "e2", "e3", "e4"});

  uint8_t* p = lp::Seek(l, 2);
  uint8_t* newp = nullptr;
  l = lp::Insert(l, p, "before-e1", false, &newp);
  CHECK(lp::Get(newp).sval == "before-e1");
  CHECK(lp::Get(lp::Next(l, newp)).sval == "e1");
  CheckConsistent(l, {"head", "e0", "before-e1", "e1", "e2", "e3", "e4"});

  p = lp::Seek(l, -1);
  l = lp::Insert(l, p, "12345", true, &newp);
  CHECK(lp::Get(newp).is_int);
  CHECK(lp::Next(l, newp) == nullptr);
  CheckConsistent(l, {"head", "e0", "before-e1", "e1", "e2", "e3", "e4", "12345"});

  // Replace with bigger, smaller and integer values.
  p = lp::Seek(l, 3);
  std::string big(5000, 'b');
  l = lp::Replace(l, &p, big);
  CHECK(lp::Get(p).sval == big);
  CheckConsistent(l, {"head", "e0", "before-e1", big, "e2", "e3", "e4", "12345"});
  l = lp::Replace(l, &p, "-7");
  CHECK(lp::Get(p).is_int);
  CHECK(lp::Get(p).ival == -7);
  CheckConsistent(l, {"head", "e0", "before-e1", "-7", "e2", "e3", "e4", "12345"});

  // Delete moves to the following element.
  p = lp::Seek(l, 3);
  l = lp::Delete(l, &p);
  CHECK(lp::Get(p).sval == "e2");
  CheckConsistent(l, {"head", "e0", "before-e1", "e2", "e3", "e4", "12345"});
  p = lp::Last(l);
  l = lp::Delete(l, &p);
  CHECK(p == nullptr);
  CheckConsistent(l, {"head", "e0", "before-e1", "e2", "e3", "e4"});

  l = lp::DeleteRange(l, 1, 2);
  CheckConsistent(l, {"head", "e2", "e3", "e4"});
  l = lp::DeleteRange(l, -2, 100);
  CheckConsistent(l, {"head", "e2"});
  l = lp::DeleteRange(l, 5, 1);  // out of range: nothing
  CheckConsistent(l, {"head", "e2"});
  l = lp::DeleteRange(l, 0, 2);
  CheckConsistent(l, {});
  CHECK(lp::Bytes(l) == 7);
  lp::Free(l);
}

TEST_CASE("listpack: seek with positive and negative indexes") {
  uint8_t* l = lp::New();
  for (int i = 0; i < 101; i++) l = lp::AppendInt(l, i * 1000);
  for (int i = 0; i < 101; i++) {
    CHECK(lp::Get(lp::Seek(l, i)).ival == i * 1000);
    CHECK(lp::Get(lp::Seek(l, i - 101)).ival == i * 1000);
  }
  CHECK(lp::Seek(l, 101) == nullptr);
  CHECK(lp::Seek(l, -102) == nullptr);
  lp::Free(l);
}

TEST_CASE("listpack: find with skip") {
  uint8_t* l = lp::New();
  // field/value pairs where values collide with field names.
  for (const char* s : {"a", "b", "b", "c", "10", "a", "c", "10"}) l = lp::Append(l, s);
  uint8_t* f = lp::First(l);
  CHECK(lp::Find(l, f, "b", 1) == lp::Seek(l, 2));
  CHECK(lp::Find(l, f, "c", 1) == lp::Seek(l, 6));
  CHECK(lp::Find(l, f, "10", 1) == lp::Seek(l, 4));
  CHECK(lp::Find(l, f, "a", 1) == lp::Seek(l, 0));
  CHECK(lp::Find(l, lp::Seek(l, 1), "a", 1) == lp::Seek(l, 5));
  CHECK(lp::Find(l, f, "d", 1) == nullptr);
  CHECK(lp::Find(l, f, "010", 0) == nullptr);
  CHECK(lp::Find(l, f, "c", 0) == lp::Seek(l, 3));
  CHECK(lp::Find(l, f, "10", 0) == lp::Seek(l, 4));
  lp::Free(l);
}

TEST_CASE("listpack: element count saturates at 65535") {
  uint8_t* l = lp::New();
  for (int i = 0; i < 70000; i++) l = lp::AppendInt(l, i % 100);
  const uint8_t* raw = l;
  CHECK((raw[4] | raw[5] << 8) == 65535);
  CHECK(lp::Length(l) == 70000);
  CHECK(lp::Validate(l, lp::Bytes(l), true));
  CHECK(lp::Get(lp::Seek(l, -1)).ival == 69999 % 100);
  CHECK(lp::Get(lp::Seek(l, 69000)).ival == 0);
  l = lp::DeleteRange(l, 0, 60000);
  CHECK(lp::Length(l) == 10000);
  CHECK(lp::Get(lp::First(l)).ival == 0);
  lp::Free(l);
}

TEST_CASE("listpack: validate rejects corrupted blobs") {
  uint8_t* l = lp::New();
  l = lp::Append(l, "hello");
  l = lp::AppendInt(l, 1000);
  l = lp::Append(l, std::string(200, 'z'));
  std::vector<uint8_t> good = Raw(l);
  lp::Free(l);
  CHECK(lp::Validate(good.data(), good.size(), true));

  auto bad = good;
  CHECK_FALSE(lp::Validate(bad.data(), 5, false));  // too short
  bad[0]++;                                         // total bytes mismatch
  CHECK_FALSE(lp::Validate(bad.data(), bad.size(), false));
  bad = good;
  bad.back() = 0;  // no terminator
  CHECK_FALSE(lp::Validate(bad.data(), bad.size(), false));
  bad = good;
  bad[4] = 2;  // wrong count
  CHECK(lp::Validate(bad.data(), bad.size(), false));
  CHECK_FALSE(lp::Validate(bad.data(), bad.size(), true));
  bad = good;
  bad[4] = 0xFF;  // unknown count is acceptable
  bad[5] = 0xFF;
  CHECK(lp::Validate(bad.data(), bad.size(), true));
  bad = good;
  bad[12] = 7;  // wrong backlen of "hello"
  CHECK_FALSE(lp::Validate(bad.data(), bad.size(), true));
  bad = good;
  bad[6] = 0xF5;  // invalid encoding byte
  CHECK_FALSE(lp::Validate(bad.data(), bad.size(), true));
  bad = good;
  bad[6] = 0x80 | 50;  // string length running past the end
  CHECK_FALSE(lp::Validate(bad.data(), bad.size(), true));
  bad = good;
  bad[16] = 0xE0 | 0xF;  // 12-bit string length past the end
  CHECK_FALSE(lp::Validate(bad.data(), bad.size(), true));

  // Random corruption never crashes validation.
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; i++) {
    bad = good;
    int flips = 1 + rng() % 3;
    for (int j = 0; j < flips; j++) bad[rng() % bad.size()] = static_cast<uint8_t>(rng());
    (void)lp::Validate(bad.data(), bad.size(), true);
  }
}

TEST_CASE("listpack: random operations against a vector model") {
  std::mt19937 rng(42);
  uint8_t* l = lp::New();
  std::vector<std::string> model;
  auto rand_value = [&]() -> std::string {
    switch (rng() % 4) {
      case 0:
        return std::to_string(static_cast<int64_t>(rng()) - 2000000000LL);
      case 1:
        return std::to_string(rng() % 200);
      case 2:
        return std::string(rng() % 100, 'a' + rng() % 26);
      default:
        return std::string(rng() % 5000, 'q');
    }
  };
  for (int step = 0; step < 3000; step++) {
    int op = rng() % 6;
    if (op <= 1 || model.empty()) {
      std::string v = rand_value();
      if (op == 0) {
        l = lp::Append(l, v);
        model.push_back(v);
      } else {
        l = lp::Prepend(l, v);
        model.insert(model.begin(), v);
      }
    } else if (op == 2) {
      size_t i = rng() % model.size();
      std::string v = rand_value();
      bool after = rng() % 2;
      uint8_t* p = lp::Seek(l, static_cast<int64_t>(i));
      l = lp::Insert(l, p, v, after, nullptr);
      model.insert(model.begin() + i + (after ? 1 : 0), v);
    } else if (op == 3) {
      size_t i = rng() % model.size();
      uint8_t* p = lp::Seek(l, static_cast<int64_t>(i));
      std::string v = rand_value();
      l = lp::Replace(l, &p, v);
      model[i] = v;
    } else if (op == 4) {
      size_t i = rng() % model.size();
      uint8_t* p = lp::Seek(l, static_cast<int64_t>(i) - static_cast<int64_t>(model.size()));
      l = lp::Delete(l, &p);
      model.erase(model.begin() + i);
    } else {
      size_t i = rng() % model.size();
      size_t n = rng() % 4;
      l = lp::DeleteRange(l, static_cast<int64_t>(i), n);
      model.erase(model.begin() + i, model.begin() + std::min(model.size(), i + n));
    }
    if (step % 100 == 0) CheckConsistent(l, model);
  }
  CheckConsistent(l, model);
  uint8_t* d = lp::Dup(l);
  CHECK(Raw(d) == Raw(l));
  lp::Free(d);
  lp::Free(l);
}

TEST_CASE("listpack: safe to add") {
  uint8_t* l = lp::New();
  CHECK(lp::SafeToAdd(l, 1000));
  CHECK(lp::SafeToAdd(nullptr, size_t{1} << 30));
  CHECK_FALSE(lp::SafeToAdd(l, size_t{1} << 30));
  lp::Free(l);
}

TEST_CASE("listpack: merge keeps order whichever side is larger") {
  for (int big_first = 0; big_first < 2; big_first++) {
    CAPTURE(big_first);
    uint8_t* a = lp::New();
    uint8_t* b = lp::New();
    std::vector<std::string> expect;
    for (int i = 0; i < (big_first ? 50 : 3); i++) {
      a = lp::Append(a, "a" + std::to_string(i));
      expect.push_back("a" + std::to_string(i));
    }
    for (int i = 0; i < (big_first ? 3 : 50); i++) {
      b = lp::AppendInt(b, i);
      expect.push_back(std::to_string(i));
    }
    uint8_t* m = lp::Merge(&a, &b);
    REQUIRE(m != nullptr);
    CHECK((big_first ? a : b) == m);
    CHECK((big_first ? b : a) == nullptr);
    CheckConsistent(m, expect);
    lp::Free(m);
  }
  uint8_t* a = lp::New();
  CHECK(lp::Merge(&a, &a) == nullptr);
  lp::Free(a);
}

TEST_CASE("listpack: blocks grow and shrink in size-class steps") {
  uint8_t* lp = ember::lp::New();
  std::string v(30, 'v');
  int moves = 0;
  for (int i = 0; i < 300; i++) {
    uint8_t* before = lp;
    lp = ember::lp::Append(lp, v);
    moves += lp != before;
    size_t bytes = ember::lp::Bytes(lp);
    // Never more than a quarter step (plus allocator rounding) above what it holds.
    CHECK(ember::MemUsable(lp) <= bytes + bytes / 4 + 64);
  }
  CHECK(moves < 60);  // not one reallocation per element
  CHECK(ember::lp::Length(lp) == 300);
  size_t full = ember::MemUsable(lp);
  // Pops from the head: memory is given back as the listpack shrinks.
  for (int i = 0; i < 290; i++) {
    uint8_t* p = ember::lp::First(lp);
    lp = ember::lp::Delete(lp, &p);
  }
  CHECK(ember::lp::Length(lp) == 10);
  CHECK(ember::MemUsable(lp) < full / 8);
  CHECK(ember::MemUsable(lp) <= ember::lp::Bytes(lp) + ember::lp::Bytes(lp) / 4 + 64);
  uint8_t* p = ember::lp::First(lp);
  CHECK(ember::lp::Get(p).sval == v);
  ember::lp::Free(lp);
}
