#include "common/storage/intset.h"

#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <set>
#include <vector>

namespace is = ember::intset;

namespace {

std::vector<int64_t> Elements(const uint8_t* s) {
  std::vector<int64_t> out;
  for (uint32_t i = 0; i < is::Length(s); i++) out.push_back(is::Get(s, i));
  return out;
}

std::vector<uint8_t> Blob(const uint8_t* s) { return {s, s + is::Bytes(s)}; }

}  // namespace

TEST_CASE("intset: value encodings") {
  CHECK(is::ValueEncoding(0) == is::kEnc16);
  CHECK(is::ValueEncoding(32767) == is::kEnc16);
  CHECK(is::ValueEncoding(-32768) == is::kEnc16);
  CHECK(is::ValueEncoding(32768) == is::kEnc32);
  CHECK(is::ValueEncoding(-32769) == is::kEnc32);
  CHECK(is::ValueEncoding(2147483647) == is::kEnc32);
  CHECK(is::ValueEncoding(-2147483648LL) == is::kEnc32);
  CHECK(is::ValueEncoding(2147483648LL) == is::kEnc64);
  CHECK(is::ValueEncoding(-2147483649LL) == is::kEnc64);
  CHECK(is::ValueEncoding(INT64_MIN) == is::kEnc64);
  CHECK(is::ValueEncoding(INT64_MAX) == is::kEnc64);
}

TEST_CASE("intset: byte format is Redis's") {
  uint8_t* s = is::New();
  CHECK(Blob(s) == std::vector<uint8_t>{2, 0, 0, 0, 0, 0, 0, 0});
  bool added;
  s = is::Add(s, 5, &added);
  CHECK(added);
  s = is::Add(s, -2, &added);
  s = is::Add(s, 0x1234, &added);
  CHECK(Blob(s) == std::vector<uint8_t>{2, 0, 0, 0, 3, 0, 0, 0,  // enc 2, len 3
                                        0xfe, 0xff, 5, 0, 0x34, 0x12});
  s = is::Add(s, 0x12345678, &added);  // upgrade to 32 bits
  CHECK(Blob(s) == std::vector<uint8_t>{4, 0, 0, 0, 4,    0,    0, 0, 0xfe, 0xff, 0xff, 0xff,
                                        5, 0, 0, 0, 0x34, 0x12, 0, 0, 0x78, 0x56, 0x34, 0x12});
  s = is::Add(s, -0x100000000LL, &added);  // upgrade to 64 bits, prepended
  std::vector<uint8_t> b = Blob(s);
  REQUIRE(b.size() == 8 + 5 * 8);
  CHECK(b[0] == 8);
  CHECK(b[4] == 5);
  // -2^32 little-endian: 00 00 00 00 ff ff ff ff
  CHECK(std::vector<uint8_t>(b.begin() + 8, b.begin() + 16) ==
        std::vector<uint8_t>{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff});
  CHECK(Elements(s) == std::vector<int64_t>{-0x100000000LL, -2, 5, 0x1234, 0x12345678});
  CHECK(is::Validate(s, is::Bytes(s), true));
  is::Free(s);
}

TEST_CASE("intset: upgrade 16 -> 32 -> 64 keeps order and values") {
  uint8_t* s = is::New();
  for (int64_t v : {3, 1, 2, -7}) s = is::Add(s, v, nullptr);
  CHECK(is::Encoding(s) == is::kEnc16);
  s = is::Add(s, 65535, nullptr);  // appended
  CHECK(is::Encoding(s) == is::kEnc32);
  CHECK(Elements(s) == std::vector<int64_t>{-7, 1, 2, 3, 65535});
  s = is::Add(s, -4294967296LL, nullptr);  // prepended
  CHECK(is::Encoding(s) == is::kEnc64);
  CHECK(Elements(s) == std::vector<int64_t>{-4294967296LL, -7, 1, 2, 3, 65535});
  // Removing the wide values does not narrow the encoding.
  bool removed;
  s = is::Remove(s, -4294967296LL, &removed);
  CHECK(removed);
  CHECK(is::Encoding(s) == is::kEnc64);
  CHECK(is::Bytes(s) == 8 + 5 * 8);
  // Adding a narrow value into a wide set does not upgrade anything.
  s = is::Add(s, 0, nullptr);
  CHECK(Elements(s) == std::vector<int64_t>{-7, 0, 1, 2, 3, 65535});
  is::Free(s);
}

TEST_CASE("intset: search, duplicates, remove") {
  uint8_t* s = is::New();
  bool added;
  for (int64_t v = 0; v < 100; v += 2) s = is::Add(s, v, &added);
  s = is::Add(s, 10, &added);
  CHECK_FALSE(added);
  CHECK(is::Length(s) == 50);
  uint32_t pos;
  CHECK(is::Search(s, 10, &pos));
  CHECK(pos == 5);
  CHECK_FALSE(is::Search(s, 11, &pos));
  CHECK(pos == 6);
  CHECK_FALSE(is::Search(s, -1, &pos));
  CHECK(pos == 0);
  CHECK_FALSE(is::Search(s, 1000, &pos));
  CHECK(pos == 50);
  CHECK(is::Contains(s, 98));
  CHECK_FALSE(is::Contains(s, 99));
  CHECK_FALSE(is::Contains(s, 1LL << 40));  // wider than the encoding: absent at once

  bool removed;
  s = is::Remove(s, 11, &removed);
  CHECK_FALSE(removed);
  s = is::Remove(s, 1LL << 40, &removed);
  CHECK_FALSE(removed);
  s = is::Remove(s, 0, &removed);
  CHECK(removed);
  s = is::Remove(s, 98, &removed);
  CHECK(removed);
  s = is::Remove(s, 50, &removed);
  CHECK(removed);
  CHECK(is::Length(s) == 47);
  CHECK(is::Get(s, 0) == 2);
  CHECK(is::Get(s, 46) == 96);
  CHECK_FALSE(is::Contains(s, 50));
  s = is::RemoveAt(s, 0);
  CHECK(is::Get(s, 0) == 4);
  while (is::Length(s)) s = is::RemoveAt(s, is::Length(s) - 1);
  CHECK(is::Bytes(s) == 8);
  is::Free(s);
}

TEST_CASE("intset: random operations against std::set") {
  std::mt19937_64 rng(42);
  uint8_t* s = is::New();
  std::set<int64_t> ref;
  for (int i = 0; i < 20000; i++) {
    int64_t v;
    switch (rng() % 3) {
      case 0:
        v = int64_t(rng() % 200) - 100;
        break;
      case 1:
        v = int64_t(rng() % 200000) - 100000;
        break;
      default:
        v = int64_t(rng() % 2000) * 10000000000LL - 10000000000000LL;
        break;
    }
    bool changed;
    if (rng() % 3 == 0) {
      s = is::Remove(s, v, &changed);
      CHECK(changed == (ref.erase(v) == 1));
    } else {
      s = is::Add(s, v, &changed);
      CHECK(changed == ref.insert(v).second);
    }
  }
  CHECK(Elements(s) == std::vector<int64_t>(ref.begin(), ref.end()));
  is::Free(s);
}

TEST_CASE("intset: validation and copies") {
  uint8_t* s = is::New();
  CHECK_FALSE(is::Validate(s, is::Bytes(s), false));  // empty is not a valid payload
  for (int64_t v : {1, 2, 3}) s = is::Add(s, v, nullptr);
  CHECK(is::Validate(s, is::Bytes(s), true));
  CHECK_FALSE(is::Validate(s, is::Bytes(s) - 1, false));
  CHECK_FALSE(is::Validate(s, 4, false));
  uint8_t* d = is::Dup(s);
  CHECK(Blob(d) == Blob(s));
  // Out of order: passes the shallow check only.
  std::vector<uint8_t> bad = Blob(s);
  std::swap(bad[8], bad[10]);
  CHECK(is::Validate(bad.data(), bad.size(), false));
  CHECK_FALSE(is::Validate(bad.data(), bad.size(), true));
  bad[0] = 3;  // unknown encoding
  CHECK_FALSE(is::Validate(bad.data(), bad.size(), false));
  uint8_t* f = is::FromBytes(Blob(s).data(), is::Bytes(s));
  CHECK(Elements(f) == std::vector<int64_t>{1, 2, 3});
  is::Free(f);
  is::Free(d);
  is::Free(s);
}
