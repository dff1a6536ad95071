#include "common/storage/set_table.h"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/util/memory.h"

using ember::SetNode;
using ember::SetTable;

namespace {

std::set<std::string> Members(const SetTable& t) {
  std::set<std::string> out;
  t.ForEach([&](std::string_view m) { out.emplace(m); });
  return out;
}

}  // namespace

TEST_CASE("set table: add, contains, remove") {
  SetTable t;
  CHECK(t.empty());
  CHECK(t.Add("a"));
  CHECK(t.Add("b"));
  CHECK_FALSE(t.Add("a"));
  CHECK(t.Add(""));  // the empty string is a member like any other
  CHECK(t.size() == 3);
  CHECK(t.Contains("a"));
  CHECK(t.Contains(""));
  CHECK_FALSE(t.Contains("c"));
  CHECK(t.Remove("a"));
  CHECK_FALSE(t.Remove("a"));
  CHECK(Members(t) == std::set<std::string>{"", "b"});
  std::string binary("x\0y", 3);
  CHECK(t.Add(binary));
  CHECK(t.Contains(binary));
  CHECK_FALSE(t.Contains("x"));
}

TEST_CASE("set table: many members across rehashes, then shrink") {
  SetTable t;
  for (int i = 0; i < 10000; i++) REQUIRE(t.Add("m:" + std::to_string(i)));
  CHECK(t.size() == 10000);
  for (int i = 0; i < 10000; i += 7) CHECK(t.Contains("m:" + std::to_string(i)));
  size_t buckets_full = t.table().buckets();
  for (int i = 0; i < 9990; i++) REQUIRE(t.Remove("m:" + std::to_string(i)));
  CHECK(t.size() == 10);
  // Finish any shrink in progress: the table got much smaller.
  while (t.table().rehashing()) t.table().RehashStep(100);
  CHECK(t.table().buckets() < buckets_full / 10);
  std::set<std::string> expect;
  for (int i = 9990; i < 10000; i++) expect.insert("m:" + std::to_string(i));
  CHECK(Members(t) == expect);
}

TEST_CASE("set table: scan returns every member, including during a rehash") {
  SetTable t;
  for (int i = 0; i < 1000; i++) t.Add(std::to_string(i) + "x");
  // Start a resize so the scan crosses both tables.
  for (int i = 1000; i < 1100; i++) t.Add(std::to_string(i) + "x");
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = t.Scan(cursor, [&](std::string_view m) { seen.emplace(m); });
    calls++;
  } while (cursor != 0);
  CHECK(calls > 1);
  CHECK(seen == Members(t));
  CHECK(seen.size() == 1100);

  size_t n = 0;
  CHECK_FALSE(t.ForEachUntil([&](std::string_view) { return ++n < 10; }));
  CHECK(n == 10);
  n = 0;
  CHECK(t.ForEachUntil([&](std::string_view) { return ++n > 0; }));
  CHECK(n == 1100);
}

TEST_CASE("set table: random members are roughly uniform") {
  SetTable t;
  const int kMembers = 30;
  for (int i = 0; i < kMembers; i++) t.Add("e" + std::to_string(i));
  std::mt19937_64 rng(7);
  std::map<std::string, int> hits;
  const int kDraws = 30000;
  for (int i = 0; i < kDraws; i++) hits[std::string(t.RandomNode(rng)->member())]++;
  CHECK(hits.size() == size_t(kMembers));
  double expected = double(kDraws) / kMembers, chi2 = 0;
  for (auto& [m, n] : hits) chi2 += (n - expected) * (n - expected) / expected;
  // df = 29: 73 is a 1e-5 tail, as the conformance suite uses.
  CHECK(chi2 < 73);
}

TEST_CASE("set table: long members, clone and memory accounting") {
  SetTable t;
  size_t before = t.Bytes();
  t.Add(std::string(1000, 'z'));
  CHECK(t.Bytes() >= before + 1000);
  t.Add("small");
  SetTable* copy = t.Clone();
  CHECK(Members(*copy) == Members(t));
  // Usable sizes of equal requests may differ by a few bytes (allocator chunk reuse).
  CHECK(copy->Bytes() + 64 > t.Bytes());
  CHECK(t.Bytes() + 64 > copy->Bytes());
  copy->Remove("small");
  CHECK(t.Contains("small"));
  delete copy;

  // A node for a member that needs the 64-bit length form reads back correctly (built by
  // hand to avoid allocating 4 GiB).
  alignas(SetNode) unsigned char raw[sizeof(SetNode) + 8 + 4];
  auto* n = reinterpret_cast<SetNode*>(raw);
  n->len32 = SetNode::kLongLength;
  uint64_t len = 4;
  memcpy(n->data, &len, 8);
  memcpy(n->data + 8, "abcd", 4);
  CHECK(n->member() == "abcd");
}

TEST_CASE("set table: FastRng draws spread evenly and picks uniformly") {
  ember::FastRng a(1), b(2);
  CHECK(a() != b());
  // Each of 16 low-bit buckets and 16 high-bit buckets gets about 1/16 of the draws.
  ember::FastRng rng(42);
  int low[16] = {}, high[16] = {};
  const int kDraws = 64000;
  for (int i = 0; i < kDraws; i++) {
    uint64_t r = rng();
    low[r & 15]++;
    high[r >> 60]++;
  }
  for (int i = 0; i < 16; i++) {
    CHECK(low[i] > kDraws / 16 * 9 / 10);
    CHECK(high[i] > kDraws / 16 * 9 / 10);
  }
  // RandomNode with it over a table of a few hundred members: chi-square as above.
  SetTable t;
  const int kMembers = 300;
  for (int i = 0; i < kMembers; i++) t.Add("m" + std::to_string(i));
  std::map<std::string, int> hits;
  const int kPicks = 300000;
  for (int i = 0; i < kPicks; i++) hits[std::string(t.RandomNode(rng)->member())]++;
  CHECK(hits.size() == size_t(kMembers));
  double expected = double(kPicks) / kMembers, chi2 = 0;
  for (auto& [m, n] : hits) chi2 += (n - expected) * (n - expected) / expected;
  // df = 299: mean 299, sd about 24.5; 420 is far in the tail.
  CHECK(chi2 < 420);
}
