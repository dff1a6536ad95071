#include "common/storage/quicklist.h"

#include <doctest/doctest.h>

#include <deque>
#include <random>
#include <string>
#include <vector>

namespace {

using ember::Quicklist;
using ember::QuicklistNode;

std::vector<std::string> Forward(Quicklist& ql) {
  std::vector<std::string> out;
  auto it = ql.GetIterator(true);
  Quicklist::Entry e;
  char buf[32];
  while (it.Next(&e)) out.emplace_back(e.value.AsString(buf));
  return out;
}

std::vector<std::string> Backward(Quicklist& ql) {
  std::vector<std::string> out;
  auto it = ql.GetIterator(false);
  Quicklist::Entry e;
  char buf[32];
  while (it.Next(&e)) out.insert(out.begin(), std::string(e.value.AsString(buf)));
  return out;
}

// Structural invariants: counts, links, node sizes, raw ends and raw nodes within the depth.
void CheckStructure(Quicklist& ql) {
  size_t count = 0, nodes = 0;
  QuicklistNode* prev = nullptr;
  for (QuicklistNode* n = ql.head(); n; n = n->next) {
    REQUIRE(n->prev == prev);
    CHECK(n->count > 0);
    if (!n->compressed && !n->plain) {
      CHECK(ember::lp::Length(n->entry) == n->count);
      CHECK(ember::lp::Bytes(n->entry) == n->sz);
    }
    if (n->plain) CHECK(n->count == 1);
    count += n->count;
    nodes++;
    prev = n;
  }
  CHECK(prev == ql.tail());
  CHECK(count == ql.Count());
  CHECK(nodes == ql.NodeCount());
  if (ql.compress() > 0) {
    int depth = ql.compress();
    QuicklistNode* f = ql.head();
    QuicklistNode* b = ql.tail();
    for (int i = 0; i < depth && f; i++, f = f->next) CHECK_FALSE(f->compressed);
    for (int i = 0; i < depth && b; i++, b = b->prev) CHECK_FALSE(b->compressed);
  } else {
    for (QuicklistNode* n = ql.head(); n; n = n->next) CHECK_FALSE(n->compressed);
  }
}

void CheckEqual(Quicklist& ql, const std::deque<std::string>& model) {
  std::vector<std::string> expect(model.begin(), model.end());
  CHECK(Forward(ql) == expect);
  CHECK(Backward(ql) == expect);
  CheckStructure(ql);
}

std::string RandValue(std::mt19937& rng) {
  switch (rng() % 6) {
    case 0:
      return std::to_string(int64_t(rng()) - 1000000);
    case 1:
      return std::to_string(rng() % 100);
    case 2:
      return std::string(1 + rng() % 60, char('a' + rng() % 26));
    case 3:
      return std::string(200 + rng() % 300, 'r');  // compressible
    case 4:
      return std::string(rng() % 10000, 'L');  // may exceed the node budget
    default: {
      std::string s(30 + rng() % 50, ' ');
      for (char& ch : s) ch = char(rng());
      return s;
    }
  }
}

}  // namespace

TEST_CASE("quicklist: push and pop on both ends, fill by count") {
  Quicklist::SetPackedThreshold(0);
  Quicklist ql(4, 0);
  std::deque<std::string> model;
  for (int i = 0; i < 20; i++) {
    ql.PushTail(std::to_string(i));
    model.push_back(std::to_string(i));
  }
  CHECK(ql.NodeCount() == 5);  // 4 entries per node
  for (int i = 0; i < 6; i++) {
    ql.PushHead("h" + std::to_string(i));
    model.push_front("h" + std::to_string(i));
  }
  CheckEqual(ql, model);
  std::string out;
  CHECK(ql.Pop(true, &out));
  CHECK(out == "h5");
  model.pop_front();
  CHECK(ql.Pop(false, &out));
  CHECK(out == "19");
  model.pop_back();
  CheckEqual(ql, model);
  while (!model.empty()) {
    REQUIRE(ql.Pop(true, &out));
    CHECK(out == model.front());
    model.pop_front();
  }
  CHECK(ql.Count() == 0);
  CHECK(ql.NodeCount() == 0);
  CHECK_FALSE(ql.Pop(true, &out));
}

TEST_CASE("quicklist: size classes bound node bytes") {
  Quicklist::SetPackedThreshold(0);
  for (int fill = -1; fill >= -5; fill--) {
    CAPTURE(fill);
    Quicklist ql(fill, 0);
    for (int i = 0; i < 2000; i++) ql.PushTail(std::string(100, 'x'));
    size_t limit = size_t(4096) << (-fill - 1);
    for (QuicklistNode* n = ql.head(); n; n = n->next) CHECK(n->sz <= limit);
    CHECK(ql.NodeCount() > 1);
  }
  // Count-limited nodes still respect the 8 KB safety limit.
  Quicklist ql(1000, 0);
  for (int i = 0; i < 500; i++) ql.PushTail(std::string(100, 'x'));
  for (QuicklistNode* n = ql.head(); n; n = n->next) CHECK(n->sz <= 8192);
}

TEST_CASE("quicklist: an element over the node budget gets its own listpack node") {
  Quicklist::SetPackedThreshold(0);  // the 1 GB default (other tests may have changed it)
  Quicklist ql(-2, 0);
  ql.PushTail("a");
  ql.PushTail(std::string(10000, 'b'));
  ql.PushTail("c");
  CHECK(ql.NodeCount() == 3);
  CHECK_FALSE(ql.head()->next->plain);  // below the 1 GB packed threshold
}

TEST_CASE("quicklist: plain nodes at the packed threshold") {
  Quicklist::SetPackedThreshold(10);
  Quicklist ql(-2, 0);
  std::deque<std::string> model;
  ql.PushTail("small");
  ql.PushTail("0123456789");  // == threshold: plain
  ql.PushHead("also-large-value");
  model = {"also-large-value", "small", "0123456789"};
  CheckEqual(ql, model);
  CHECK(ql.head()->plain);
  CHECK(ql.tail()->plain);
  // Insert a large element in the middle of a packed node: split around a plain node.
  for (int i = 0; i < 5; i++) {
    ql.PushTail(std::to_string(i));
    model.push_back(std::to_string(i));
  }
  {
    auto it = ql.GetIteratorAtIndex(4, true);
    Quicklist::Entry e;
    REQUIRE(it.Next(&e));
    ql.InsertAfter(&it, &e, "large-element-here");
  }
  model.insert(model.begin() + 5, "large-element-here");
  CheckEqual(ql, model);
  // Replace plain with small, small with plain.
  CHECK(ql.ReplaceAtIndex(0, "tiny"));
  model[0] = "tiny";
  CHECK(ql.ReplaceAtIndex(3, "replaced-with-large"));
  model[3] = "replaced-with-large";
  CheckEqual(ql, model);
  CHECK(ql.ReplaceAtIndex(-1, "another-large-one"));
  model.back() = "another-large-one";
  CheckEqual(ql, model);
  ql.Rotate();
  model.push_front(model.back());
  model.pop_back();
  CheckEqual(ql, model);
  CHECK(ql.DelRange(1, 3));
  model.erase(model.begin() + 1, model.begin() + 4);
  CheckEqual(ql, model);
  Quicklist::SetPackedThreshold(0);
  CHECK(Quicklist::packed_threshold() == (size_t(1) << 30));
}

TEST_CASE("quicklist: compression of inner nodes") {
  Quicklist::SetPackedThreshold(0);
  for (int depth = 1; depth <= 3; depth++) {
    CAPTURE(depth);
    Quicklist ql(-1, depth);
    std::deque<std::string> model;
    for (int i = 0; i < 500; i++) {
      std::string v = "value-" + std::to_string(i) + std::string(100, 'z');
      ql.PushTail(v);
      model.push_back(v);
    }
    size_t compressed = 0;
    for (QuicklistNode* n = ql.head(); n; n = n->next) compressed += n->compressed;
    CHECK(compressed > 0);
    CHECK(compressed <= ql.NodeCount() - 2 * size_t(depth));
    CheckEqual(ql, model);
    // Index lookups land in compressed nodes and leave them compressed.
    std::string out;
    CHECK(ql.Index(250, &out));
    CHECK(out == model[250]);
    CHECK(ql.Index(-250, &out));
    CHECK(out == model[model.size() - 250]);
    CHECK_FALSE(ql.Index(500, &out));
    CHECK_FALSE(ql.Index(-501, &out));
    size_t compressed_after = 0;
    for (QuicklistNode* n = ql.head(); n; n = n->next) compressed_after += n->compressed;
    CHECK(compressed_after == compressed);
    // A copy keeps compressed nodes and contents.
    Quicklist* copy = ql.Dup();
    CheckEqual(*copy, model);
    CHECK(copy->Bytes() == ql.Bytes());
    delete copy;
    // Node data for serialization comes back raw.
    std::string scratch;
    for (QuicklistNode* n = ql.head(); n; n = n->next) {
      std::string_view raw = Quicklist::NodeData(n, &scratch);
      CHECK(raw.size() == n->sz);
      CHECK(ember::lp::Validate(reinterpret_cast<const uint8_t*>(raw.data()), raw.size(), true));
    }
  }
}

TEST_CASE("quicklist: deleting while iterating in both directions") {
  Quicklist::SetPackedThreshold(0);
  for (int forward = 0; forward < 2; forward++) {
    Quicklist ql(3, 1);
    std::deque<std::string> model;
    for (int i = 0; i < 40; i++) {
      std::string v = (i % 3 == 0) ? "x" : std::to_string(i) + std::string(60, 'p');
      ql.PushTail(v);
      model.push_back(v);
    }
    auto it = ql.GetIterator(forward);
    Quicklist::Entry e;
    while (it.Next(&e)) {
      if (e.value.Equals("x")) ql.DelEntry(&it, &e);
    }
    it.Release();
    std::deque<std::string> expect;
    for (auto& v : model) {
      if (v != "x") expect.push_back(v);
    }
    CheckEqual(ql, expect);
  }
}

TEST_CASE("quicklist: random operations against a deque model") {
  struct Config {
    int fill, depth;
    size_t threshold;
  };
  std::vector<Config> configs = {{-2, 0, 0},   {4, 0, 0}, {-1, 1, 0},   {3, 2, 0},
                                 {-2, 1, 500}, {1, 1, 0}, {-5, 4, 2000}};
  for (const Config& cfg : configs) {
    CAPTURE(cfg.fill);
    CAPTURE(cfg.depth);
    CAPTURE(cfg.threshold);
    Quicklist::SetPackedThreshold(cfg.threshold);
    std::mt19937 rng(cfg.fill * 100 + cfg.depth);
    Quicklist ql(cfg.fill, cfg.depth);
    std::deque<std::string> model;
    for (int step = 0; step < 1500; step++) {
      int op = int(rng() % 10);
      if (op <= 2 || model.empty()) {
        std::string v = RandValue(rng);
        bool head = rng() % 2;
        ql.Push(v, head);
        head ? model.push_front(v) : model.push_back(v);
      } else if (op == 3) {
        bool head = rng() % 2;
        std::string out;
        REQUIRE(ql.Pop(head, &out));
        CHECK(out == (head ? model.front() : model.back()));
        head ? model.pop_front() : model.pop_back();
      } else if (op == 4 || op == 5) {
        int64_t idx = int64_t(rng() % model.size());
        bool after = rng() % 2;
        std::string v = RandValue(rng);
        int64_t lookup = (rng() % 2) ? idx : idx - int64_t(model.size());
        auto it = ql.GetIteratorAtIndex(lookup, rng() % 2);
        Quicklist::Entry e;
        REQUIRE(it.Next(&e));
        if (after) {
          ql.InsertAfter(&it, &e, v);
        } else {
          ql.InsertBefore(&it, &e, v);
        }
        model.insert(model.begin() + idx + (after ? 1 : 0), v);
      } else if (op == 6) {
        int64_t idx = int64_t(rng() % model.size());
        std::string v = RandValue(rng);
        REQUIRE(ql.ReplaceAtIndex(idx, v));
        model[size_t(idx)] = v;
      } else if (op == 7) {
        int64_t start = int64_t(rng() % model.size());
        int64_t n = int64_t(rng() % 8);
        bool neg = rng() % 2;
        int64_t s = neg ? start - int64_t(model.size()) : start;
        ql.DelRange(s, n);
        size_t end = std::min(model.size(), size_t(start + n));
        model.erase(model.begin() + start, model.begin() + int64_t(end));
      } else if (op == 8) {
        ql.Rotate();
        if (model.size() > 1) {
          model.push_front(model.back());
          model.pop_back();
        }
      } else {
        int64_t idx = int64_t(rng() % model.size());
        std::string out;
        REQUIRE(ql.Index(idx, &out));
        CHECK(out == model[size_t(idx)]);
      }
      if (step % 150 == 0) CheckEqual(ql, model);
    }
    CheckEqual(ql, model);
  }
  Quicklist::SetPackedThreshold(0);
}

TEST_CASE("quicklist: ForEachInRange reads every range both ways") {
  // Small nodes (fill 3), plain nodes among them, and compressed inner nodes.
  for (int depth : {0, 1}) {
    CAPTURE(depth);
    Quicklist::SetPackedThreshold(100);
    Quicklist ql(3, depth);
    std::vector<std::string> model;
    for (int i = 0; i < 40; i++) {
      // Integers, compressible strings, and every 7th a plain node.
      std::string v = i % 7 == 3 ? std::string(120, char('a' + i % 26)) : std::to_string(i * 37);
      if (i % 2) v += std::string(60, 'q');
      ql.PushTail(v);
      model.push_back(v);
    }
    size_t compressed = 0;
    for (QuicklistNode* n = ql.head(); n; n = n->next) compressed += n->compressed;
    CHECK((depth == 0) == (compressed == 0));
    const uint64_t len = model.size();
    for (uint64_t first = 0; first < len; first++) {
      for (uint64_t count : {uint64_t(1), uint64_t(2), uint64_t(5), len}) {
        for (bool reverse : {false, true}) {
          uint64_t avail = reverse ? first + 1 : len - first;
          uint64_t n = count < avail ? count : avail;
          std::vector<std::string> got;
          char buf[32];
          ql.ForEachInRange(first, n, reverse,
                            [&](const Quicklist::Value& v) { got.emplace_back(v.AsString(buf)); });
          std::vector<std::string> want;
          for (uint64_t k = 0; k < n; k++) want.push_back(model[reverse ? first - k : first + k]);
          CHECK(got == want);
        }
      }
    }
    // Compressed nodes are compressed again after the walk.
    size_t after = 0;
    for (QuicklistNode* n = ql.head(); n; n = n->next) after += n->compressed;
    CHECK(after == compressed);
  }
  Quicklist::SetPackedThreshold(0);
}
