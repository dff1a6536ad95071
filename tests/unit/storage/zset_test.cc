#include "common/storage/zset.h"

#include <doctest/doctest.h>

#include <cmath>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/util/memory.h"

using ember::Encoding;
using ember::Entry;
using ember::ObjType;
namespace zset = ember::zset;
namespace lp = ember::lp;

namespace {

// The reference model: elements ordered by (score, member), plus member -> score.
struct Model {
  std::set<std::pair<double, std::string>> ordered;
  std::map<std::string, double> scores;

  void Add(const std::string& m, double s) {
    auto it = scores.find(m);
    if (it != scores.end()) ordered.erase({it->second, m});
    scores[m] = s;
    ordered.insert({s, m});
  }
  bool Remove(const std::string& m) {
    auto it = scores.find(m);
    if (it == scores.end()) return false;
    ordered.erase({it->second, m});
    scores.erase(it);
    return true;
  }
};

std::vector<std::pair<double, std::string>> Contents(const zset::ZSet* zs) {
  std::vector<std::pair<double, std::string>> out;
  for (zset::ZNode* n = zs->First(); n; n = n->Next()) {
    out.emplace_back(n->score, std::string(n->member()));
  }
  return out;
}

std::vector<std::pair<double, std::string>> Contents(Entry* e) {
  std::vector<std::pair<double, std::string>> out;
  zset::ForEach(e, false, [&](std::string_view m, double s) {
    out.emplace_back(s, std::string(m));
    return true;
  });
  return out;
}

// Checks order, back links, ranks and the member index against the model.
void CheckAgainst(zset::ZSet* zs, const Model& m) {
  REQUIRE(zs->size() == m.ordered.size());
  std::vector<std::pair<double, std::string>> want(m.ordered.begin(), m.ordered.end());
  REQUIRE(Contents(zs) == want);
  // Backward links give the reverse order.
  size_t i = want.size();
  for (zset::ZNode* n = zs->Last(); n; n = n->Prev()) {
    REQUIRE(i > 0);
    i--;
    CHECK(n->member() == want[i].second);
  }
  CHECK(i == 0);
  for (size_t r = 0; r < want.size(); r++) {
    zset::ZNode* n = zs->ByRank(r + 1);
    REQUIRE(n != nullptr);
    CHECK(n->member() == want[r].second);
    CHECK(zs->Rank(want[r].first, want[r].second) == r + 1);
    CHECK(zs->Find(want[r].second) == n);
  }
  CHECK(zs->ByRank(0) == nullptr);
  CHECK(zs->ByRank(want.size() + 1) == nullptr);
  CHECK(zs->index().size() == want.size());
}

Entry* NewZ(Encoding enc) { return zset::NewEntryWithEncoding("k", enc); }

void FreeZ(Entry* e) {
  zset::DestroyValue(e->v.ptr, e->encoding());
  ember::MemFree(e);
}

}  // namespace

TEST_CASE("zset: score range parsing") {
  zset::ScoreRange r;
  REQUIRE(zset::ParseScoreRange("1", "(2.5", &r));
  CHECK(r.min == 1);
  CHECK(!r.minex);
  CHECK(r.max == 2.5);
  CHECK(r.maxex);
  CHECK(r.Contains(1));
  CHECK(r.Contains(2.4));
  CHECK(!r.Contains(2.5));
  REQUIRE(zset::ParseScoreRange("-inf", "+inf", &r));
  CHECK(std::isinf(r.min));
  CHECK(r.min < 0);
  CHECK(std::isinf(r.max));
  CHECK(r.max > 0);
  REQUIRE(zset::ParseScoreRange("(-inf", "inf", &r));
  CHECK(r.minex);
  // strtod rules: leading blanks and an empty string are accepted, trailing junk is not.
  CHECK(zset::ParseScoreRange(" 1", "", &r));
  CHECK(r.max == 0);
  CHECK(zset::ParseScoreRange("(", "0x10", &r));
  CHECK(r.minex);
  CHECK(r.max == 16);
  CHECK(!zset::ParseScoreRange("1 ", "2", &r));
  CHECK(!zset::ParseScoreRange("str", "2", &r));
  CHECK(!zset::ParseScoreRange("1", "nan", &r));
  CHECK(!zset::ParseScoreRange("1", "(nan", &r));
  CHECK(!zset::ParseScoreRange("[1", "2", &r));

  REQUIRE(zset::ParseScoreRange("2", "1", &r));
  CHECK(r.Empty());
  REQUIRE(zset::ParseScoreRange("2", "(2", &r));
  CHECK(r.Empty());
  REQUIRE(zset::ParseScoreRange("2", "2", &r));
  CHECK(!r.Empty());
}

TEST_CASE("zset: lex range parsing and comparisons") {
  zset::LexRange r;
  REQUIRE(zset::ParseLexRange("-", "+", &r));
  CHECK(r.Contains(""));
  CHECK(r.Contains("zzz"));
  CHECK(!r.Empty());
  REQUIRE(zset::ParseLexRange("[b", "(d", &r));
  CHECK(!r.Contains("a"));
  CHECK(r.Contains("b"));
  CHECK(r.Contains("c"));
  CHECK(r.Contains("cz"));
  CHECK(!r.Contains("d"));
  REQUIRE(zset::ParseLexRange("(b", "[b", &r));
  CHECK(r.Empty());
  REQUIRE(zset::ParseLexRange("[b", "[b", &r));
  CHECK(!r.Empty());
  CHECK(r.Contains("b"));
  REQUIRE(zset::ParseLexRange("+", "-", &r));
  CHECK(r.Empty());
  REQUIRE(zset::ParseLexRange("-", "-", &r));
  CHECK(r.Empty());
  REQUIRE(zset::ParseLexRange("[a", "-", &r));
  CHECK(r.Empty());
  REQUIRE(zset::ParseLexRange("[", "(", &r));  // empty strings are valid values
  CHECK(r.Empty());
  CHECK(!zset::ParseLexRange("a", "+", &r));
  CHECK(!zset::ParseLexRange("-x", "+", &r));
  CHECK(!zset::ParseLexRange("-", "+x", &r));
  CHECK(!zset::ParseLexRange("", "+", &r));
  // Bytes compare unsigned, as memcmp.
  REQUIRE(zset::ParseLexRange("(\x7f", "+", &r));
  CHECK(r.Contains("\x80"));
}

TEST_CASE("zset: skiplist insert, delete, update and rank") {
  zset::ZSet* zs = zset::ZSet::Create();
  Model m;
  CheckAgainst(zs, m);
  zs->Insert(2, "b");
  zs->Insert(1, "a");
  zs->Insert(2, "a2");
  zs->Insert(3, "c");
  m.Add("b", 2);
  m.Add("a", 1);
  m.Add("a2", 2);
  m.Add("c", 3);
  CheckAgainst(zs, m);
  CHECK(zs->Rank(2, "a2") == 2);
  CHECK(zs->Rank(2, "zz") == 0);

  // In place (still between its neighbours) and moving updates.
  zset::ZNode* n = zs->Find("b");
  CHECK(zs->UpdateScore(n, 2.5) == n);
  m.Add("b", 2.5);
  CheckAgainst(zs, m);
  zs->UpdateScore(zs->Find("a"), 10);
  m.Add("a", 10);
  CheckAgainst(zs, m);
  zs->UpdateScore(zs->Find("c"), -1);
  m.Add("c", -1);
  CheckAgainst(zs, m);

  CHECK(zs->Delete("a2"));
  CHECK(!zs->Delete("a2"));
  m.Remove("a2");
  CheckAgainst(zs, m);

  zset::ZSet* copy = zs->Clone();
  CheckAgainst(copy, m);
  zset::ZSet::Destroy(copy);

  size_t before = zs->bytes();
  zs->Insert(7, std::string(1000, 'x'));
  CHECK(zs->bytes() >= before + 1000);
  CHECK(zs->Delete(std::string(1000, 'x')));
  CHECK(zs->bytes() == before);
  zset::ZSet::Destroy(zs);
}

TEST_CASE("zset: skiplist ranges") {
  zset::ZSet* zs = zset::ZSet::Create();
  const char* members[] = {"a", "b", "c", "d", "e", "f", "g"};
  double scores[] = {-INFINITY, 1, 2, 3, 4, 5, INFINITY};
  for (int i = 0; i < 7; i++) zs->Insert(scores[i], members[i]);
  zset::ScoreRange r;
  REQUIRE(zset::ParseScoreRange("(1", "4", &r));
  CHECK(zs->FirstInRange(r)->member() == "c");
  CHECK(zs->LastInRange(r)->member() == "e");
  REQUIRE(zset::ParseScoreRange("2.4", "2.6", &r));
  CHECK(zs->FirstInRange(r) == nullptr);
  CHECK(zs->LastInRange(r) == nullptr);
  REQUIRE(zset::ParseScoreRange("-inf", "-inf", &r));
  CHECK(zs->FirstInRange(r)->member() == "a");
  REQUIRE(zset::ParseScoreRange("(5", "+inf", &r));
  CHECK(zs->FirstInRange(r)->member() == "g");
  CHECK(zs->LastInRange(r)->member() == "g");
  REQUIRE(zset::ParseScoreRange("(1", "(5", &r));
  CHECK(zs->DeleteRange(r) == 3);
  CHECK(zs->size() == 4);
  CHECK(zs->DeleteRangeByRank(2, 3) == 2);
  std::vector<std::pair<double, std::string>> want = {{-INFINITY, "a"}, {INFINITY, "g"}};
  CHECK(Contents(zs) == want);
  zset::ZSet::Destroy(zs);

  zs = zset::ZSet::Create();
  for (const char* m : {"alpha", "bar", "cool", "down", "elephant", "foo"}) zs->Insert(0, m);
  zset::LexRange lr;
  REQUIRE(zset::ParseLexRange("[bar", "(down", &lr));
  CHECK(zs->FirstInRange(lr)->member() == "bar");
  CHECK(zs->LastInRange(lr)->member() == "cool");
  REQUIRE(zset::ParseLexRange("(foo", "+", &lr));
  CHECK(zs->FirstInRange(lr) == nullptr);
  REQUIRE(zset::ParseLexRange("-", "(c", &lr));
  CHECK(zs->DeleteRange(lr) == 2);
  CHECK(zs->First()->member() == "cool");
  CHECK(zs->Find("alpha") == nullptr);
  zset::ZSet::Destroy(zs);
}

TEST_CASE("zset: skiplist random operations match a reference model") {
  std::mt19937_64 rng(12345);
  zset::ZSet* zs = zset::ZSet::Create();
  Model m;
  for (int step = 0; step < 20000; step++) {
    std::string member = "m" + std::to_string(rng() % 600);
    double score = double(rng() % 50) / 2;  // many equal scores
    int op = int(rng() % 10);
    if (op < 5) {
      zset::ZNode* n = zs->Find(member);
      if (n) {
        zs->UpdateScore(n, score);
      } else {
        zs->Insert(score, member);
      }
      m.Add(member, score);
    } else if (op < 8) {
      CHECK(zs->Delete(member) == m.Remove(member));
    } else if (op == 8) {
      // Rank and by-rank lookups.
      auto it = m.scores.find(member);
      if (it != m.scores.end()) {
        uint64_t rank =
            uint64_t(std::distance(m.ordered.begin(), m.ordered.find({it->second, member}))) + 1;
        CHECK(zs->Rank(it->second, member) == rank);
        CHECK(zs->ByRank(rank)->member() == member);
      } else {
        CHECK(zs->Find(member) == nullptr);
      }
    } else {
      // Range deletions, rarely.
      if (rng() % 20 == 0 && !m.ordered.empty()) {
        uint64_t a = rng() % m.ordered.size() + 1;
        uint64_t b = a + rng() % 5;
        std::vector<std::string> victims;
        uint64_t r = 1;
        for (auto& [s, mm] : m.ordered) {
          if (r >= a && r <= b) victims.push_back(mm);
          r++;
        }
        CHECK(zs->DeleteRangeByRank(a, b) == victims.size());
        for (auto& v : victims) m.Remove(v);
      } else if (rng() % 20 == 1) {
        zset::ScoreRange sr;
        sr.min = double(rng() % 50) / 2;
        sr.max = sr.min + double(rng() % 4);
        sr.minex = rng() % 2;
        sr.maxex = rng() % 2;
        std::vector<std::string> victims;
        for (auto& [s, mm] : m.ordered) {
          if (sr.Contains(s)) victims.push_back(mm);
        }
        CHECK(zs->DeleteRange(sr) == victims.size());
        for (auto& v : victims) m.Remove(v);
      }
    }
    if (step % 1000 == 0) CheckAgainst(zs, m);
  }
  CheckAgainst(zs, m);
  // Score ranges against the model.
  for (int i = 0; i < 200; i++) {
    zset::ScoreRange sr;
    sr.min = double(rng() % 50) / 2;
    sr.max = sr.min + double(rng() % 6) / 2;
    sr.minex = rng() % 2;
    sr.maxex = rng() % 2;
    const std::pair<double, std::string>* first = nullptr;
    const std::pair<double, std::string>* last = nullptr;
    for (auto& p : m.ordered) {
      if (!sr.Contains(p.first)) continue;
      if (!first) first = &p;
      last = &p;
    }
    zset::ZNode* f = zs->FirstInRange(sr);
    zset::ZNode* l = zs->LastInRange(sr);
    if (!first) {
      CHECK(f == nullptr);
      CHECK(l == nullptr);
    } else {
      REQUIRE(f != nullptr);
      REQUIRE(l != nullptr);
      CHECK(f->member() == first->second);
      CHECK(l->member() == last->second);
    }
  }
  zset::ZSet::Destroy(zs);
}

TEST_CASE("zset: random levels follow p = 1/4") {
  int counts[zset::kMaxLevel + 1] = {};
  for (int i = 0; i < 100000; i++) {
    int l = zset::RandomLevel();
    REQUIRE(l >= 1);
    REQUIRE(l <= zset::kMaxLevel);
    counts[l]++;
  }
  CHECK(counts[1] > 70000);
  CHECK(counts[1] < 80000);
  CHECK(counts[2] > 16000);
  CHECK(counts[2] < 21000);
}

TEST_CASE("zset: listpack pairs sorted by score then member") {
  uint8_t* z = lp::New();
  z = zset::LpInsert(z, "b", 2);
  z = zset::LpInsert(z, "a", 2);
  z = zset::LpInsert(z, "c", 1.5);
  z = zset::LpInsert(z, "10", -0.0);
  z = zset::LpInsert(z, "inf", INFINITY);
  CHECK(zset::LpLength(z) == 5);
  std::vector<std::string> order;
  std::vector<double> scores;
  char buf[32];
  uint8_t* eptr = lp::First(z);
  uint8_t* sptr = lp::Next(z, eptr);
  while (eptr) {
    order.emplace_back(zset::LpMember(eptr, buf));
    scores.push_back(zset::LpScore(sptr));
    zset::LpNext(z, &eptr, &sptr);
  }
  CHECK(order == std::vector<std::string>{"10", "c", "a", "b", "inf"});
  CHECK(scores == std::vector<double>{0, 1.5, 2, 2, INFINITY});
  // Integral scores are stored as integers, others as "%.17g" text; -0 becomes 0.
  uint8_t* p = lp::Next(z, lp::First(z));
  CHECK(lp::Get(p).is_int);
  CHECK(lp::Get(p).ival == 0);
  p = lp::Next(z, lp::Next(z, p));
  CHECK(!lp::Get(p).is_int);
  CHECK(lp::Get(p).sval == "1.5");
  p = lp::Seek(z, -1);
  CHECK(lp::Get(p).sval == "inf");
  // The member "10" is stored as an integer, as Redis does.
  CHECK(lp::Get(lp::First(z)).is_int);

  double s;
  CHECK(zset::LpFind(z, "a", &s) != nullptr);
  CHECK(s == 2);
  CHECK(zset::LpFind(z, "10", &s) != nullptr);
  CHECK(zset::LpFind(z, "2", &s) == nullptr);  // scores are not members
  CHECK(zset::LpFind(z, "zz", &s) == nullptr);
  z = zset::LpDelete(z, zset::LpFind(z, "a", nullptr));
  CHECK(zset::LpLength(z) == 4);
  CHECK(zset::LpFind(z, "a", nullptr) == nullptr);

  zset::ScoreRange r;
  REQUIRE(zset::ParseScoreRange("(0", "2", &r));
  CHECK(zset::LpMember(zset::LpFirstInRange(z, r), buf) == "c");
  CHECK(zset::LpMember(zset::LpLastInRange(z, r), buf) == "b");
  REQUIRE(zset::ParseScoreRange("(2", "(inf", &r));
  CHECK(zset::LpFirstInRange(z, r) == nullptr);
  CHECK(zset::LpLastInRange(z, r) == nullptr);
  size_t deleted;
  REQUIRE(zset::ParseScoreRange("1", "3", &r));
  z = zset::LpDeleteRange(z, r, &deleted);
  CHECK(deleted == 2);
  CHECK(zset::LpLength(z) == 2);
  z = zset::LpDeleteRangeByRank(z, 1, 1, &deleted);
  CHECK(deleted == 1);
  CHECK(zset::LpMember(lp::First(z), buf) == "inf");
  lp::Free(z);

  z = lp::New();
  for (const char* m : {"alpha", "bar", "cool", "down", "elephant"}) z = zset::LpInsert(z, m, 0);
  zset::LexRange lr;
  REQUIRE(zset::ParseLexRange("(alpha", "[down", &lr));
  CHECK(zset::LpMember(zset::LpFirstInRange(z, lr), buf) == "bar");
  CHECK(zset::LpMember(zset::LpLastInRange(z, lr), buf) == "down");
  z = zset::LpDeleteRange(z, lr, &deleted);
  CHECK(deleted == 3);
  CHECK(zset::LpLength(z) == 2);
  lp::Free(z);
}

TEST_CASE("zset: listpack random operations match a reference model") {
  std::mt19937_64 rng(777);
  Entry* e = NewZ(Encoding::kListpack);
  Model m;
  zset::Limits big{1000000, 1000000};
  for (int step = 0; step < 3000; step++) {
    std::string member = std::to_string(rng() % 80);  // integer-looking members too
    if (rng() % 3 == 0) member = "x" + member;
    double score = double(int64_t(rng() % 21) - 10) / 4;
    if (rng() % 4) {
      zset::Add(e, score, member, 0, big, nullptr);
      m.Add(member, score);
    } else {
      CHECK(zset::Delete(e, member) == m.Remove(member));
    }
  }
  CHECK(e->encoding() == Encoding::kListpack);
  std::vector<std::pair<double, std::string>> want(m.ordered.begin(), m.ordered.end());
  CHECK(Contents(e) == want);
  for (size_t i = 0; i < want.size(); i++) {
    CHECK(zset::Rank(e, want[i].second, false) == int64_t(i));
    CHECK(zset::Rank(e, want[i].second, true) == int64_t(want.size() - 1 - i));
  }
  zset::Convert(e, Encoding::kSkiplist);
  CHECK(e->encoding() == Encoding::kSkiplist);
  CHECK(Contents(e) == want);
  for (size_t i = 0; i < want.size(); i++) {
    CHECK(zset::Rank(e, want[i].second, false) == int64_t(i));
  }
  zset::Convert(e, Encoding::kListpack);
  CHECK(Contents(e) == want);
  FreeZ(e);
}

TEST_CASE("zset: Add flags and conversions") {
  zset::Limits limits{3, 8};
  for (Encoding enc : {Encoding::kListpack, Encoding::kSkiplist}) {
    CAPTURE(int(enc));
    Entry* e = NewZ(enc);
    double ns = 0;
    CHECK(zset::Add(e, 1, "a", 0, limits, &ns) == zset::kAdded);
    CHECK(zset::Add(e, 1, "a", 0, limits, &ns) == 0);  // same score: nothing changes
    CHECK(zset::Add(e, 2, "a", zset::kAddNx, limits, &ns) == zset::kNop);
    CHECK(zset::Add(e, 2, "b", zset::kAddXx, limits, &ns) == zset::kNop);
    CHECK(zset::Add(e, 0, "a", zset::kAddGt, limits, &ns) == zset::kNop);
    CHECK(zset::Add(e, 5, "a", zset::kAddGt, limits, &ns) == zset::kUpdated);
    CHECK(ns == 5);
    CHECK(zset::Add(e, 6, "a", zset::kAddLt, limits, &ns) == zset::kNop);
    CHECK(zset::Add(e, 2, "a", zset::kAddIncr, limits, &ns) == zset::kUpdated);
    CHECK(ns == 7);
    CHECK(zset::Add(e, NAN, "a", 0, limits, &ns) == zset::kAddedNan);
    CHECK(zset::Add(e, INFINITY, "a", 0, limits, &ns) == zset::kUpdated);
    CHECK(zset::Add(e, -INFINITY, "a", zset::kAddIncr, limits, &ns) == zset::kAddedNan);
    double s;
    CHECK(zset::Score(e, "a", &s));
    CHECK(s == INFINITY);
    CHECK(e->encoding() == enc);
    // A member longer than the value limit converts a listpack.
    CHECK(zset::Add(e, 1, "123456789", 0, limits, &ns) == zset::kAdded);
    CHECK(e->encoding() == Encoding::kSkiplist);
    FreeZ(e);
  }
  // Too many entries converts too (checked before adding the 4th).
  Entry* e = NewZ(Encoding::kListpack);
  for (const char* m : {"a", "b", "c"}) zset::Add(e, 1, m, 0, limits, nullptr);
  CHECK(e->encoding() == Encoding::kListpack);
  zset::Add(e, 1, "d", 0, limits, nullptr);
  CHECK(e->encoding() == Encoding::kSkiplist);
  CHECK(zset::Length(e) == 4);
  // Deleting never converts back; an explicit check does when it fits.
  zset::Delete(e, "d");
  CHECK(e->encoding() == Encoding::kSkiplist);
  zset::ConvertToListpackIfNeeded(e, limits, 1, 3);
  CHECK(e->encoding() == Encoding::kListpack);
  CHECK(zset::Length(e) == 3);
  FreeZ(e);

  // NewEntry picks the encoding ZADD would.
  e = zset::NewEntry("k", limits, 8);
  CHECK(e->encoding() == Encoding::kListpack);
  FreeZ(e);
  e = zset::NewEntry("k", limits, 9);
  CHECK(e->encoding() == Encoding::kSkiplist);
  FreeZ(e);
  e = zset::NewEntry("k", zset::Limits{0, 64}, 1);
  CHECK(e->encoding() == Encoding::kSkiplist);
  FreeZ(e);
}

TEST_CASE("zset: clone and size of both encodings") {
  for (Encoding enc : {Encoding::kListpack, Encoding::kSkiplist}) {
    Entry* e = NewZ(enc);
    zset::Limits big{1000, 1000};
    for (int i = 0; i < 50; i++) zset::Add(e, i % 7, "m" + std::to_string(i), 0, big, nullptr);
    void* copy = zset::CloneValue(e->v.ptr, enc);
    Entry* e2 = Entry::NewObject("k2", ObjType::kZSet, enc, copy);
    CHECK(Contents(e2) == Contents(e));
    CHECK(zset::ValueBytes(copy, enc) > 50);
    FreeZ(e2);
    FreeZ(e);
  }
}

TEST_CASE("zset: listpack integrity checks") {
  uint8_t* z = lp::New();
  z = zset::LpInsert(z, "a", 1);
  z = zset::LpInsert(z, "b", 2);
  CHECK(zset::LpValidateIntegrity(z, lp::Bytes(z), true));
  CHECK(zset::LpValidateIntegrity(z, lp::Bytes(z), false));
  // A member appearing twice.
  z = lp::Append(z, "a");
  z = lp::Append(z, "3");
  CHECK(!zset::LpValidateIntegrity(z, lp::Bytes(z), true));
  // An odd number of entries.
  uint8_t* p = lp::Seek(z, -1);
  z = lp::Delete(z, &p);
  p = lp::Seek(z, -1);
  z = lp::Replace(z, &p, "c");
  CHECK(zset::LpValidateIntegrity(z, lp::Bytes(z), true) == false);
  z = lp::Append(z, "4");
  CHECK(zset::LpValidateIntegrity(z, lp::Bytes(z), true));
  CHECK(!zset::LpValidateIntegrity(z, lp::Bytes(z) - 1, false));
  lp::Free(z);
}
