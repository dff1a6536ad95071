#include "common/storage/dict.h"

#include <doctest/doctest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/storage/db.h"

namespace {

struct Node {
  Node* next = nullptr;
  uint64_t key;
};
struct NodeTraits {
  static uint64_t Hash(const Node* n) { return n->key * 0x9E3779B97F4A7C15ULL; }
  static bool Equal(const Node* n, uint64_t k) { return n->key == k; }
};
using IntDict = ember::Dict<Node, NodeTraits>;
uint64_t H(uint64_t k) { return k * 0x9E3779B97F4A7C15ULL; }

}  // namespace

TEST_CASE("dict: insert, find, remove across incremental rehashes") {
  IntDict d;
  std::vector<Node> nodes(5000);
  for (uint64_t i = 0; i < nodes.size(); i++) {
    nodes[i].key = i;
    d.Insert(&nodes[i], H(i));
    // Every key inserted so far is findable even while a rehash is in progress.
    if (i % 97 == 0) {
      for (uint64_t j = 0; j <= i; j += 13) REQUIRE(d.Find(j, H(j)) == &nodes[j]);
    }
  }
  CHECK(d.size() == 5000);
  CHECK(d.Find(uint64_t(99999), H(99999)) == nullptr);
  for (uint64_t i = 0; i < 5000; i += 2) CHECK(d.Remove(i, H(i)) == &nodes[i]);
  CHECK(d.size() == 2500);
  for (uint64_t i = 0; i < 5000; i++) {
    CHECK((d.Find(i, H(i)) != nullptr) == (i % 2 == 1));
  }
}

TEST_CASE("dict: a resize never moves more than a few buckets per operation") {
  IntDict d;
  std::vector<Node> nodes(1 << 16);
  for (uint64_t i = 0; i < nodes.size(); i++) {
    nodes[i].key = i;
    d.Insert(&nodes[i], H(i));
  }
  // Right after crossing a power of two the table is rehashing, not rehashed.
  Node extra;
  extra.key = 1 << 20;
  d.Insert(&extra, H(extra.key));
  CHECK(d.rehashing());
  CHECK(d.Find(extra.key, H(extra.key)) == &extra);
}

TEST_CASE("dict: SCAN returns every element present for the whole scan, during growth") {
  IntDict d;
  std::vector<Node> nodes(3000);
  for (uint64_t i = 0; i < 1000; i++) {
    nodes[i].key = i;
    d.Insert(&nodes[i], H(i));
  }
  std::set<uint64_t> seen;
  uint64_t cursor = 0;
  uint64_t next_insert = 1000;
  do {
    cursor = d.Scan(cursor, [&](Node* n) { seen.insert(n->key); });
    // Grow the table while scanning.
    for (int k = 0; k < 20 && next_insert < nodes.size(); k++, next_insert++) {
      nodes[next_insert].key = next_insert;
      d.Insert(&nodes[next_insert], H(next_insert));
    }
  } while (cursor != 0);
  for (uint64_t i = 0; i < 1000; i++) CHECK(seen.count(i) == 1);
}

TEST_CASE("dict: random and sample return members") {
  IntDict d;
  std::vector<Node> nodes(100);
  for (uint64_t i = 0; i < nodes.size(); i++) {
    nodes[i].key = i;
    d.Insert(&nodes[i], H(i));
  }
  std::minstd_rand rng(1);
  std::set<uint64_t> picked;
  for (int i = 0; i < 2000; i++) picked.insert(d.Random(rng)->key);
  CHECK(picked.size() > 90);  // roughly uniform: nearly all keys seen
  size_t n = d.Sample(rng, 10, [&](Node* node) { CHECK(node->key < 100); });
  CHECK(n == 10);
}

TEST_CASE("db: set, overwrite, TTL bookkeeping") {
  ember::Db db(0);
  db.Add(ember::Entry::NewString("a", "1"));
  db.Add(ember::Entry::NewString("b", "hello"));
  REQUIRE(db.size() == 2);
  ember::Entry* a = db.Find("a");
  REQUIRE(a);
  CHECK(a->encoding() == ember::Encoding::kInt);
  CHECK(db.Find("b")->encoding() == ember::Encoding::kEmbstr);
  db.SetExpire(a, 12345);
  CHECK(db.GetExpire(a) == 12345);
  CHECK(db.expires_size() == 1);
  // Overwrite keeping the TTL moves it to the new entry.
  ember::Entry* a2 = db.Set(ember::Entry::NewString("a", std::string(100, 'x')), true);
  CHECK(a2->encoding() == ember::Encoding::kRaw);
  CHECK(db.GetExpire(a2) == 12345);
  // Overwrite without keep_ttl drops it.
  ember::Entry* a3 = db.Set(ember::Entry::NewString("a", "v"), false);
  CHECK(db.GetExpire(a3) == -1);
  CHECK(db.expires_size() == 0);
  CHECK(db.Delete("a"));
  CHECK_FALSE(db.Delete("a"));
  CHECK(db.size() == 1);
}

TEST_CASE("db: strings pick Redis's encodings") {
  using ember::Encoding;
  auto enc = [](std::string_view v) {
    ember::Entry* e = ember::Entry::NewString("k", v);
    Encoding r = e->encoding();
    char buf[24];
    CHECK(e->StringView(buf) == v);
    ember::FreeEntry(e);
    return r;
  };
  CHECK(enc("12345") == Encoding::kInt);
  CHECK(enc("-9223372036854775808") == Encoding::kInt);
  CHECK(enc("9223372036854775808") == Encoding::kEmbstr);
  CHECK(enc("012") == Encoding::kEmbstr);
  CHECK(enc(std::string(44, 'x')) == Encoding::kEmbstr);
  CHECK(enc(std::string(45, 'x')) == Encoding::kRaw);
}
