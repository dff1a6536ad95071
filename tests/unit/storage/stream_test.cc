#include "common/storage/stream.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/storage/listpack.h"

namespace {

using ember::Stream;
using ember::StreamCG;
using ember::StreamID;

struct Item {
  StreamID id;
  std::vector<std::string> fv;
  bool operator==(const Item&) const = default;
};

std::vector<Item> Range(Stream& s, const StreamID* start = nullptr, const StreamID* end = nullptr,
                        bool rev = false) {
  std::vector<Item> out;
  Stream::Iterator it(&s, start, end, rev);
  StreamID id;
  int64_t n;
  while (it.Next(&id, &n)) {
    Item item{id, {}};
    while (n--) {
      std::string_view f, v;
      it.Field(&f, &v);
      item.fv.emplace_back(f);
      item.fv.emplace_back(v);
    }
    out.push_back(std::move(item));
  }
  return out;
}

StreamID Add(Stream& s, std::vector<std::string_view> fv, StreamID id,
             Stream::NodeLimits lim = {}) {
  StreamID added;
  REQUIRE(s.Append(fv, &id, true, 0, lim, &added) == Stream::AppendResult::kOk);
  return added;
}

std::vector<std::string> Elements(const uint8_t* lp) {
  std::vector<std::string> out;
  auto* l = const_cast<uint8_t*>(lp);
  char buf[32];
  for (uint8_t* p = ember::lp::First(l); p; p = ember::lp::Next(l, p)) {
    out.emplace_back(ember::lp::Get(p).AsString(buf));
  }
  return out;
}

}  // namespace

TEST_CASE("stream IDs: parse, format, order, increments") {
  StreamID id;
  bool seq_given;
  CHECK(ember::ParseStreamID("123-456", &id, 0, true));
  CHECK(id == StreamID{123, 456});
  CHECK(ember::ParseStreamID("123", &id, 7, true));
  CHECK(id == StreamID{123, 7});
  CHECK(ember::ParseStreamID("-", &id, 0, false));
  CHECK(id == StreamID::Min());
  CHECK(ember::ParseStreamID("+", &id, 0, false));
  CHECK(id == StreamID::Max());
  CHECK_FALSE(ember::ParseStreamID("-", &id, 0, true));
  CHECK_FALSE(ember::ParseStreamID("+", &id, 0, true));
  CHECK(ember::ParseStreamID("5-*", &id, 0, true, &seq_given));
  CHECK_FALSE(seq_given);
  CHECK(id.ms == 5);
  CHECK_FALSE(ember::ParseStreamID("5-*", &id, 0, true));
  CHECK(ember::ParseStreamID("5-1", &id, 0, true, &seq_given));
  CHECK(seq_given);
  CHECK(ember::ParseStreamID("18446744073709551615-18446744073709551615", &id, 0, true));
  CHECK(id == StreamID::Max());
  CHECK_FALSE(ember::ParseStreamID("18446744073709551616", &id, 0, true));
  CHECK_FALSE(ember::ParseStreamID("abc", &id, 0, true));
  CHECK_FALSE(ember::ParseStreamID("", &id, 0, true));
  CHECK_FALSE(ember::ParseStreamID("1--1", &id, 0, true));
  CHECK(ember::ParseStreamID("007-+3", &id, 0, true));  // strtoull forms
  CHECK(id == StreamID{7, 3});
  CHECK_FALSE(ember::ParseStreamID(std::string(128, '1'), &id, 0, true));

  CHECK(StreamID{1, 5} < StreamID{2, 0});
  CHECK(StreamID{1, 5} > StreamID{1, 4});
  CHECK(StreamID{1, 18446744073709551615ULL}.ToString() == "1-18446744073709551615");
  StreamID x{1, UINT64_MAX};
  CHECK(x.Incr());
  CHECK(x == StreamID{2, 0});
  CHECK(x.Decr());
  CHECK(x == StreamID{1, UINT64_MAX});
  StreamID max = StreamID::Max();
  CHECK_FALSE(max.Incr());
  CHECK(max.IsZero());
  StreamID zero;
  CHECK_FALSE(zero.Decr());
  CHECK(zero == StreamID::Max());

  uint8_t buf[16];
  StreamID{0x0102030405060708ULL, 0x1112131415161718ULL}.Encode(buf);
  CHECK(buf[0] == 1);
  CHECK(buf[15] == 0x18);
  CHECK(StreamID::Decode(buf) == StreamID{0x0102030405060708ULL, 0x1112131415161718ULL});
}

TEST_CASE("stream: Redis listpack layout (master entry, same-fields compression, deltas)") {
  Stream s;
  Add(s, {"a", "1", "b", "x"}, {100, 0});
  Add(s, {"a", "2", "b", "y"}, {100, 1});
  Add(s, {"c", "3"}, {105, 2});
  REQUIRE(s.nodes().size() == 1);
  const uint8_t* lp = s.nodes().begin()->second;
  CHECK(Elements(lp) == std::vector<std::string>{
                            // master: count, deleted, fields, names, terminator
                            "3", "0", "2", "a", "b", "0",
                            // same fields: flags, ms delta, seq delta, values, lp-count
                            "2", "0", "0", "1", "x", "5", "2", "0", "1", "2", "y", "5",
                            // own fields: flags, deltas, num fields, field, value, lp-count
                            "0", "5", "2", "1", "c", "3", "6"});
  CHECK(Stream::ValidateListpack(lp, ember::lp::Bytes(lp), true));
  CHECK(s.length == 3);
  CHECK(s.entries_added == 3);
  CHECK(s.first_id == StreamID{100, 0});
  CHECK(s.last_id == StreamID{105, 2});
}

TEST_CASE("stream: append IDs and errors") {
  Stream s;
  Stream::NodeLimits lim;
  StreamID added;
  std::vector<std::string_view> fv{"f", "v"};
  // Auto IDs from the clock, sequence when the clock doesn't move.
  REQUIRE(s.Append(fv, nullptr, false, 1000, lim, &added) == Stream::AppendResult::kOk);
  CHECK(added == StreamID{1000, 0});
  REQUIRE(s.Append(fv, nullptr, false, 1000, lim, &added) == Stream::AppendResult::kOk);
  CHECK(added == StreamID{1000, 1});
  REQUIRE(s.Append(fv, nullptr, false, 999, lim, &added) == Stream::AppendResult::kOk);
  CHECK(added == StreamID{1000, 2});
  // Explicit and partial IDs.
  StreamID use{1000, 2};
  CHECK(s.Append(fv, &use, true, 0, lim, &added) == Stream::AppendResult::kIdNotGreater);
  use = {1000, 0};
  REQUIRE(s.Append(fv, &use, false, 0, lim, &added) == Stream::AppendResult::kOk);
  CHECK(added == StreamID{1000, 3});
  use = {2000, 0};
  REQUIRE(s.Append(fv, &use, false, 0, lim, &added) == Stream::AppendResult::kOk);
  CHECK(added == StreamID{2000, 0});
  use = {1, 0};
  CHECK(s.Append(fv, &use, false, 0, lim, &added) == Stream::AppendResult::kIdNotGreater);
  use = {3000, UINT64_MAX};
  REQUIRE(s.Append(fv, &use, true, 0, lim, &added) == Stream::AppendResult::kOk);
  use = {3000, 0};
  CHECK(s.Append(fv, &use, false, 0, lim, &added) == Stream::AppendResult::kSeqExhausted);
  CHECK(s.length == 6);
}

TEST_CASE("stream: nodes split by entries and bytes; iteration both ways") {
  Stream s;
  Stream::NodeLimits lim{4096, 10};
  std::vector<Item> expect;
  for (uint64_t i = 1; i <= 95; i++) {
    std::string v = "v" + std::to_string(i);
    std::vector<std::string_view> fv{"item", v};
    if (i % 7 == 0) fv = {"other", v, "x", "y"};
    Add(s, fv, {i, i}, lim);
    Item it{{i, i}, {}};
    for (auto f : fv) it.fv.emplace_back(f);
    expect.push_back(it);
  }
  CHECK(s.nodes().size() == 10);
  CHECK(Range(s) == expect);
  auto rev = Range(s, nullptr, nullptr, true);
  std::reverse(rev.begin(), rev.end());
  CHECK(rev == expect);
  StreamID a{10, 0}, b{20, 20};
  auto sub = Range(s, &a, &b);
  REQUIRE(sub.size() == 11);
  CHECK(sub.front().id == StreamID{10, 10});
  CHECK(sub.back().id == StreamID{20, 20});
  auto rsub = Range(s, &a, &b, true);
  REQUIRE(rsub.size() == 11);
  CHECK(rsub.front().id == StreamID{20, 20});
  for (const auto& [id, lp] : s.nodes()) {
    CHECK(Stream::ValidateListpack(lp, ember::lp::Bytes(lp), true));
  }

  // stream-node-max-bytes: a node is closed once it would reach the limit.
  Stream t;
  Stream::NodeLimits small{100, 0};
  std::string big(60, 'x');
  for (uint64_t i = 1; i <= 5; i++) Add(t, {"f", big}, {i, 0}, small);
  CHECK(t.nodes().size() == 5);
  CHECK(Range(t).size() == 5);
}

TEST_CASE("stream: delete entries, tombstones, edges") {
  Stream s;
  Stream::NodeLimits lim{4096, 3};
  for (uint64_t i = 1; i <= 7; i++) Add(s, {"f", std::to_string(i)}, {i, 0}, lim);
  CHECK(s.nodes().size() == 3);
  CHECK(s.DeleteEntry({2, 0}));
  CHECK_FALSE(s.DeleteEntry({2, 0}));
  CHECK_FALSE(s.EntryExists({2, 0}));
  CHECK(s.EntryExists({3, 0}));
  CHECK(s.length == 6);
  // Deleting every entry of the second node frees it.
  CHECK(s.DeleteEntry({4, 0}));
  CHECK(s.DeleteEntry({5, 0}));
  CHECK(s.DeleteEntry({6, 0}));
  CHECK(s.nodes().size() == 2);
  CHECK(s.length == 3);
  std::vector<uint64_t> ms;
  for (const auto& item : Range(s)) ms.push_back(item.id.ms);
  CHECK(ms == std::vector<uint64_t>{1, 3, 7});
  CHECK(s.EdgeID(true, true) == StreamID{1, 0});
  CHECK(s.LastValidID() == StreamID{7, 0});
  CHECK(s.DeleteEntry({7, 0}));
  CHECK(s.LastValidID() == StreamID{3, 0});
  CHECK(s.EdgeID(false, true) == StreamID{3, 0});
  CHECK(s.DeleteEntry({1, 0}));
  CHECK(s.EdgeID(true, true) == StreamID{3, 0});
  CHECK(s.EdgeID(true, false) == StreamID{1, 0});  // tombstones count when asked
  // The header counts of the first node: 1 live, 2 deleted.
  auto el = Elements(s.nodes().begin()->second);
  CHECK(el[0] == "1");
  CHECK(el[1] == "2");
  CHECK(s.DeleteEntry({3, 0}));
  CHECK(s.nodes().empty());
  CHECK(s.EdgeID(true, true) == StreamID::Max());
  CHECK(s.EdgeID(false, true) == StreamID::Min());
}

TEST_CASE("stream: trimming by length and by ID, exact and approximate") {
  auto make = [](Stream& s, int n) {
    for (int i = 1; i <= n; i++) Add(s, {"f", "v"}, {uint64_t(i), 0}, {4096, 10});
  };
  {
    Stream s;
    make(s, 100);
    Stream::TrimArgs t;
    t.strategy = Stream::TrimStrategy::kMaxLen;
    t.maxlen = 55;
    t.approx = true;
    CHECK(s.Trim(t) == 40);  // whole nodes only
    CHECK(s.length == 60);
    t.approx = false;
    CHECK(s.Trim(t) == 5);
    CHECK(s.length == 55);
    CHECK(s.first_id == StreamID{46, 0});
    CHECK(Range(s).front().id == StreamID{46, 0});
  }
  {
    Stream s;
    make(s, 100);
    Stream::TrimArgs t;
    t.strategy = Stream::TrimStrategy::kMaxLen;
    t.maxlen = 0;
    t.approx = true;
    t.limit = 30;
    CHECK(s.Trim(t) == 30);
    CHECK(s.length == 70);
  }
  {
    Stream s;
    make(s, 100);
    Stream::TrimArgs t;
    t.strategy = Stream::TrimStrategy::kMinId;
    t.minid = {35, 0};
    CHECK(s.Trim(t) == 34);
    CHECK(s.length == 66);
    CHECK(s.first_id == StreamID{35, 0});
    t.minid = {1000, 0};
    t.approx = true;
    CHECK(s.Trim(t) == 66);
    CHECK(s.length == 0);
    CHECK(s.first_id == StreamID::Min());
    CHECK(s.nodes().empty());
  }
}

TEST_CASE("stream: read counters, tombstones and lag estimates") {
  Stream s;
  for (uint64_t i = 1; i <= 5; i++) Add(s, {"f", "v"}, {i, 0});
  CHECK(s.EstimateDistanceFromFirstEverEntry({0, 0}) == 0);
  CHECK(s.EstimateDistanceFromFirstEverEntry({1, 0}) == 1);
  CHECK(s.EstimateDistanceFromFirstEverEntry({5, 0}) == 5);
  CHECK(s.EstimateDistanceFromFirstEverEntry({6, 0}) == StreamCG::kInvalidEntriesRead);
  CHECK(s.EstimateDistanceFromFirstEverEntry({3, 0}) == StreamCG::kInvalidEntriesRead);
  CHECK_FALSE(s.RangeHasTombstones(nullptr, nullptr));
  s.DeleteEntry({3, 0});
  s.max_deleted_entry_id = {3, 0};
  CHECK(s.RangeHasTombstones(nullptr, nullptr));
  StreamID four{4, 0};
  CHECK_FALSE(s.RangeHasTombstones(&four, nullptr));
  CHECK(s.EstimateDistanceFromFirstEverEntry({1, 0}) == StreamCG::kInvalidEntriesRead);
}

TEST_CASE("stream: consumer groups, PELs and deep copies") {
  Stream s;
  for (uint64_t i = 1; i <= 3; i++) Add(s, {"f", "v"}, {i, 0});
  StreamCG* g = s.CreateGroup("g", {0, 0}, StreamCG::kInvalidEntriesRead);
  REQUIRE(g);
  CHECK_FALSE(s.CreateGroup("g", {0, 0}, 0));
  CHECK(s.FindGroup("g") == g);
  ember::StreamConsumer* alice = g->CreateConsumer("alice", 10);
  REQUIRE(alice);
  CHECK_FALSE(g->CreateConsumer("alice", 10));
  for (uint64_t i = 1; i <= 2; i++) {
    auto* nack = new ember::StreamNack;
    nack->consumer = alice;
    nack->delivery_time = 100;
    g->pel.emplace(StreamID{i, 0}, nack);
    alice->pel.emplace(StreamID{i, 0}, nack);
  }
  std::unique_ptr<Stream> copy(s.Dup());
  StreamCG* cg = copy->FindGroup("g");
  REQUIRE(cg);
  CHECK(cg->pel.size() == 2);
  auto* calice = cg->FindConsumer("alice");
  REQUIRE(calice);
  CHECK(calice != alice);
  CHECK(calice->pel.size() == 2);
  CHECK(cg->pel.begin()->second->consumer == calice);
  CHECK(cg->pel.begin()->second != g->pel.begin()->second);
  CHECK(Range(*copy) == Range(s));

  g->DeleteNack(g->pel.find({1, 0}));
  CHECK(g->pel.size() == 1);
  CHECK(alice->pel.size() == 1);
  g->DeleteConsumer(alice);
  CHECK(g->pel.empty());
  CHECK(g->consumers.empty());
  CHECK(s.DestroyGroup("g"));
  CHECK_FALSE(s.DestroyGroup("g"));
  CHECK(copy->FindGroup("g")->pel.size() == 2);
  CHECK(s.Bytes() > 0);
}

TEST_CASE("stream: radix tree node count and fuzzed ranges") {
  Stream s;
  CHECK(s.RadixTreeNodes() == 1);
  Add(s, {"f", "v"}, {1, 0});
  CHECK(s.RadixTreeNodes() == 2);

  std::mt19937_64 rng(7);
  Stream t;
  std::vector<StreamID> ids;
  uint64_t ms = 1;
  for (int i = 0; i < 2000; i++) {
    ms += rng() % 3;
    StreamID id{ms, uint64_t(i)};
    Add(t, {"item", std::to_string(i)}, id, {4096, 50});
    ids.push_back(id);
  }
  for (int round = 0; round < 200; round++) {
    StreamID a = ids[rng() % ids.size()], b = ids[rng() % ids.size()];
    if (b < a) std::swap(a, b);
    auto got = Range(t, &a, &b);
    size_t expect = 0;
    for (const auto& id : ids) expect += id >= a && id <= b;
    CHECK(got.size() == expect);
    auto rgot = Range(t, &a, &b, true);
    CHECK(rgot.size() == expect);
  }
  // Random deletes keep counts and order consistent.
  std::shuffle(ids.begin(), ids.end(), rng);
  for (size_t i = 0; i < ids.size(); i++) {
    REQUIRE(t.DeleteEntry(ids[i]));
    if (i % 250 == 0) CHECK(Range(t).size() == ids.size() - i - 1);
  }
  CHECK(t.length == 0);
  CHECK(t.nodes().empty());
}

TEST_CASE("stream: listpack validation rejects broken layouts") {
  Stream s;
  Add(s, {"a", "1"}, {1, 0});
  Add(s, {"b", "2"}, {2, 0});
  const uint8_t* lp = s.nodes().begin()->second;
  CHECK(Stream::ValidateListpack(lp, ember::lp::Bytes(lp), true));
  // A listpack whose lp-count does not match.
  uint8_t* bad = ember::lp::New();
  for (int64_t v : {1, 0, 1}) bad = ember::lp::AppendInt(bad, v);
  bad = ember::lp::Append(bad, "a");
  bad = ember::lp::AppendInt(bad, 0);
  for (int64_t v : {2, 0, 0}) bad = ember::lp::AppendInt(bad, v);
  bad = ember::lp::Append(bad, "1");
  bad = ember::lp::AppendInt(bad, 9);
  CHECK_FALSE(Stream::ValidateListpack(bad, ember::lp::Bytes(bad), true));
  CHECK(Stream::ValidateListpack(bad, ember::lp::Bytes(bad), false));
  ember::lp::Free(bad);
}
