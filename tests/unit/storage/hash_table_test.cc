#include "common/storage/hash_table.h"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/storage/listpack.h"
#include "common/util/memory.h"

using ember::HashNode;
using ember::HashTable;
namespace lp = ember::lp;
using ember::proto::Encoding;

namespace {

std::string Field(int i) { return "field:" + std::to_string(i); }

}  // namespace

TEST_CASE("hash table: set, get, update, delete") {
  HashTable t;
  CHECK(t.empty());
  CHECK(t.Set("a", "1"));
  CHECK(t.Set("b", ""));
  CHECK(t.Set("", "empty field"));
  CHECK_FALSE(t.Set("a", "2"));
  CHECK(t.size() == 3);
  std::string_view v;
  REQUIRE(t.Get("a", &v));
  CHECK(v == "2");
  REQUIRE(t.Get("b", &v));
  CHECK(v.empty());
  REQUIRE(t.Get("", &v));
  CHECK(v == "empty field");
  CHECK_FALSE(t.Get("c", &v));
  CHECK(t.Contains("b"));
  CHECK(t.Delete("b"));
  CHECK_FALSE(t.Delete("b"));
  CHECK_FALSE(t.Contains("b"));
  CHECK(t.size() == 2);
  // Binary-safe fields and values.
  std::string bin("x\0y", 3);
  CHECK(t.Set(bin, bin));
  REQUIRE(t.Get(bin, &v));
  CHECK(v == bin);
  CHECK_FALSE(t.Contains("x"));
}

TEST_CASE("hash table: values grow and shrink, memory is tracked exactly") {
  HashTable t;
  t.Set("f", "short");
  size_t one = t.Bytes();
  std::string_view v;
  {
    std::string big(10000, 'x');
    t.Set("f", big);  // no longer fits: the node is reallocated
    REQUIRE(t.Get("f", &v));
    CHECK(v == big);
    CHECK(t.Bytes() > 10000);
  }
  t.Set("f", "tiny");  // a mostly empty block is given back
  REQUIRE(t.Get("f", &v));
  CHECK(v == "tiny");
  CHECK(t.Bytes() < one + 100);
  t.Set("f", "tinz");  // same size: in place
  REQUIRE(t.Get("f", &v));
  CHECK(v == "tinz");

  // The sizer covers the object, the buckets and every node, and nothing leaks. (No test
  // macros between the measurements: they allocate.)
  size_t before = ember::UsedMemory();
  auto* ht = new HashTable();
  for (int i = 0; i < 1000; i++) ht->Set(Field(i), std::to_string(i));
  for (int i = 0; i < 1000; i += 3) ht->Set(Field(i), std::string(100, 'y'));
  for (int i = 0; i < 1000; i += 7) ht->Delete(Field(i));
  size_t used = ember::UsedMemory() - before;
  size_t bytes = ember::HashValueBytes(ht, Encoding::kHashtable);
  delete ht;
  size_t after = ember::UsedMemory();
  // Nodes are counted by usable size; Dict::BucketBytes counts the bucket arrays by their
  // requested size, which the allocator may round up by a few bytes each.
  CHECK(used >= bytes);
  CHECK(used - bytes <= 32);
  CHECK(after == before);
}

TEST_CASE("hash table: many fields across incremental rehashes, then shrink") {
  HashTable t;
  for (int i = 0; i < 5000; i++) {
    CHECK(t.Set(Field(i), std::to_string(i * 2)));
    if (i % 499 == 0) {
      for (int j = 0; j <= i; j += 37) REQUIRE(t.Contains(Field(j)));
    }
  }
  CHECK(t.size() == 5000);
  size_t buckets = t.dict().buckets();
  for (int i = 0; i < 4990; i++) CHECK(t.Delete(Field(i)));
  CHECK(t.size() == 10);
  // Deleting shrinks a sparse table, as Redis resizes after HDEL.
  for (int i = 0; i < 5000; i++) t.Contains("x");  // lets a pending rehash finish
  CHECK(t.dict().buckets() < buckets);
  for (int i = 4990; i < 5000; i++) {
    std::string_view v;
    REQUIRE(t.Get(Field(i), &v));
    CHECK(v == std::to_string(i * 2));
  }
}

TEST_CASE("hash table: a scan returns every field even while the table grows") {
  HashTable t;
  for (int i = 0; i < 100; i++) t.Set(Field(i), "v");
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int next = 100, steps = 0;
  do {
    cursor = t.Scan(cursor, [&](const HashNode* n) { seen.insert(std::string(n->field())); });
    // Grow between steps, forcing resizes (and rehashing) in the middle of the scan (for
    // a while: a table growing faster than the scan advances is never done).
    if (steps < 60) {
      for (int k = 0; k < 20; k++, next++) t.Set(Field(next), "v");
    }
    steps++;
  } while (cursor != 0);
  CHECK(steps > 1);
  for (int i = 0; i < 100; i++) CHECK(seen.count(Field(i)) == 1);
}

TEST_CASE("hash table: fair random covers every field about evenly") {
  HashTable t;
  for (int i = 0; i < 10; i++) t.Set(Field(i), std::to_string(i));
  std::minstd_rand rng(42);
  std::map<std::string, int> hits;
  for (int i = 0; i < 10000; i++) {
    const HashNode* n = t.FairRandom(rng);
    REQUIRE(n != nullptr);
    hits[std::string(n->field())]++;
  }
  CHECK(hits.size() == 10);
  for (auto& [f, n] : hits) {
    CHECK(n > 800);
    CHECK(n < 1200);
  }
  HashTable empty;
  CHECK(empty.FairRandom(rng) == nullptr);
  CHECK(empty.Random(rng) == nullptr);
}

TEST_CASE("hash table: clone and either-encoding helpers") {
  HashTable t;
  for (int i = 0; i < 300; i++) t.Set(Field(i), std::to_string(i));
  HashTable* copy = t.Clone();
  CHECK(copy->size() == 300);
  t.ForEach([&](std::string_view f, std::string_view v) {
    std::string_view cv;
    REQUIRE(copy->Get(f, &cv));
    CHECK(cv == v);
  });
  CHECK(ember::HashValueLength(copy, Encoding::kHashtable) == 300);
  CHECK(ember::HashValueBytes(copy, Encoding::kHashtable) > copy->Bytes());
  ember::FreeHashValue(copy, Encoding::kHashtable);

  uint8_t* l = lp::New();
  l = lp::Append(l, "a");
  l = lp::Append(l, "1");  // stored as an integer
  l = lp::Append(l, "12345");
  l = lp::Append(l, "text");
  CHECK(ember::HashValueLength(l, Encoding::kListpack) == 2);
  std::vector<std::string> flat;
  ember::ForEachHashPair(l, Encoding::kListpack, [&](std::string_view f, std::string_view v) {
    flat.emplace_back(f);
    flat.emplace_back(v);
  });
  CHECK(flat == std::vector<std::string>{"a", "1", "12345", "text"});
  HashTable* ht = ember::HashTableFromListpack(l);
  REQUIRE(ht != nullptr);
  std::string_view v;
  REQUIRE(ht->Get("12345", &v));
  CHECK(v == "text");
  delete ht;
  auto* dup = static_cast<uint8_t*>(ember::CloneHashValue(l, Encoding::kListpack));
  CHECK(lp::Bytes(dup) == lp::Bytes(l));
  // A listpack that repeats a field cannot become a table.
  dup = lp::Append(dup, "a");
  dup = lp::Append(dup, "2");
  CHECK(ember::HashTableFromListpack(dup) == nullptr);
  lp::Free(dup);
  lp::Free(l);
}

TEST_CASE("hash node: long lengths switch to the wide header") {
  CHECK(HashNode::NeededBytes(3, 4) == sizeof(HashNode) + 7);
  CHECK(HashNode::NeededBytes(3, size_t(UINT32_MAX)) ==
        sizeof(HashNode) + 3 + size_t(UINT32_MAX) + 16);
}
