// HyperLogLog representation: byte-for-byte against values a real Redis 7.0.15 stored (see
// tests/data/gen-redis-7.0.15-hll.py), estimation error, sparse <-> dense, corrupt input.
#include "common/storage/hyperloglog.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace hll = ember::hll;

namespace {

struct Golden {
  std::string value;
  uint64_t count;
};

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += char(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

const std::map<std::string, Golden>& Goldens() {
  static const std::map<std::string, Golden> g = [] {
    std::string here = __FILE__;
    std::ifstream f(here.substr(0, here.rfind("/unit/")) + "/data/redis-7.0.15-hll.txt");
    std::map<std::string, Golden> m;
    std::string line;
    while (std::getline(f, line)) {
      std::istringstream ss(line);
      std::string name, hex, count;
      std::getline(ss, name, '\t');
      std::getline(ss, hex, '\t');
      std::getline(ss, count, '\t');
      m[name] = {FromHex(hex), std::stoull(count)};
    }
    return m;
  }();
  return g;
}

std::vector<std::string> Elements(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; i++) v.push_back("ele:" + std::to_string(i));
  return v;
}

std::string Build(const std::vector<std::string>& elements, size_t max_bytes = 3000) {
  std::string h = hll::NewSparse();
  for (const auto& e : elements) REQUIRE(hll::Add(&h, e, max_bytes) != hll::Update::kCorrupt);
  return h;
}

std::vector<uint8_t> Registers(const std::string& obj) {
  std::vector<uint8_t> max(hll::kRegisters, 0);
  REQUIRE(hll::MergeInto(obj, max.data()));
  return max;
}

}  // namespace

TEST_CASE("hll: hashing places elements where Redis does") {
  // Redis 7.0.15: PFADD k a b c; PFDEBUG DECODE k -> "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"
  std::set<std::pair<uint32_t, int>> got;
  for (const char* e : {"a", "b", "c"}) {
    uint32_t idx;
    int run = hll::PatternLength(e, &idx);
    got.insert({idx, run});
  }
  CHECK(got == std::set<std::pair<uint32_t, int>>{{8436, 1}, {12711, 2}, {15780, 1}});
  // Every tail length (len % 8) takes its own path through the hash.
  std::set<uint64_t> hashes;
  for (size_t n = 0; n < 20; n++) {
    std::string s(n, 'q');
    hashes.insert(hll::MurmurHash64A(s.data(), n, hll::kHashSeed));
  }
  CHECK(hashes.size() == 20);
}

TEST_CASE("hll: empty object is Redis's") {
  const auto& g = Goldens();
  REQUIRE(g.count("empty"));
  std::string e = hll::NewSparse();
  // Redis's freshly created HLL has a valid zero cache; PFADD then invalidates it (golden).
  std::string expect = g.at("empty").value;
  hll::InvalidateCache(reinterpret_cast<uint8_t*>(e.data()));
  CHECK(e == expect);
  CHECK(hll::DecodeSparse(e) == "Z:16384");
  CHECK(hll::Count(e, nullptr) == 0);
  CHECK(hll::IsHll(e));
}

TEST_CASE("hll: sparse and dense bytes equal Redis's") {
  const auto& g = Goldens();
  struct Case {
    const char* name;
    std::vector<std::string> elements;
    size_t max_bytes;
  };
  std::vector<std::string> lengths;
  for (int n = 0; n < 40; n++) lengths.push_back(std::string(size_t(n), 'x'));
  std::vector<Case> cases = {
      {"abc", {"a", "b", "c"}, 3000},      {"lengths", lengths, 3000},
      {"n10", Elements(10), 3000},         {"n200", Elements(200), 3000},
      {"n1000", Elements(1000), 3000},     {"n5000", Elements(5000), 3000},
      {"n100000", Elements(100000), 3000}, {"small_max_100", Elements(100), 100}};
  for (const auto& c : cases) {
    CAPTURE(c.name);
    REQUIRE(g.count(c.name));
    std::string h = Build(c.elements, c.max_bytes);
    CHECK(hll::EncodingOf(h) == hll::EncodingOf(g.at(c.name).value));
    CHECK(h.size() == g.at(c.name).value.size());
    CHECK(h == g.at(c.name).value);
    bool corrupt = false;
    CHECK(hll::Count(h, &corrupt) == g.at(c.name).count);
    CHECK_FALSE(corrupt);
  }
}

TEST_CASE("hll: cached cardinality lives in the header as Redis keeps it") {
  const auto& g = Goldens();
  std::string h = g.at("abc").value;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(h.data());
  CHECK_FALSE(hll::CacheValid(p));
  hll::SetCachedCardinality(reinterpret_cast<uint8_t*>(h.data()), 3);
  CHECK(h == g.at("abc_counted").value);
  CHECK(hll::CacheValid(p));
  CHECK(hll::CachedCardinality(p) == 3);
  hll::InvalidateCache(reinterpret_cast<uint8_t*>(h.data()));
  CHECK_FALSE(hll::CacheValid(p));
  CHECK(uint8_t(h[15]) == 0x80);
  CHECK(uint8_t(h[8]) == 3);
}

TEST_CASE("hll: merge equals Redis's PFMERGE and PFCOUNT of several keys") {
  const auto& g = Goldens();
  std::vector<uint8_t> max(hll::kRegisters, 0);
  for (const char* k : {"abc", "n200", "n5000"}) REQUIRE(hll::MergeInto(g.at(k).value, max.data()));
  CHECK(hll::Estimate(hll::RawHistogram(max.data())) == g.at("count3").count);

  // PFMERGE into a sparse destination: every non-zero register raised, in register order.
  std::fill(max.begin(), max.end(), 0);
  for (const char* k : {"abc", "n200", "lengths"}) {
    REQUIRE(hll::MergeInto(g.at(k).value, max.data()));
  }
  std::string dest = hll::NewSparse();
  for (uint32_t i = 0; i < hll::kRegisters; i++) {
    if (max[i]) hll::SparseSetMax(&dest, i, max[i], 3000);
  }
  hll::InvalidateCache(reinterpret_cast<uint8_t*>(dest.data()));
  CHECK(dest == g.at("merge_sparse").value);
  CHECK(hll::Count(dest, nullptr) == g.at("merge_sparse").count);
}

TEST_CASE("hll: registers pack six bits each without touching neighbours") {
  std::vector<uint8_t> body(hll::kDenseBodySize, 0);
  std::mt19937 rng(7);
  std::vector<uint8_t> expect(hll::kRegisters);
  for (uint32_t i = 0; i < hll::kRegisters; i++) {
    expect[i] = uint8_t(rng() & 63);
    hll::SetRegister(body.data(), i, expect[i]);
  }
  for (uint32_t i = 0; i < hll::kRegisters; i++)
    REQUIRE(hll::GetRegister(body.data(), i) == expect[i]);
  // Register 1 takes the top two bits of byte 0 and the low four of byte 1.
  std::fill(body.begin(), body.end(), 0);
  hll::SetRegister(body.data(), 1, 63);
  CHECK(body[0] == 0xC0);
  CHECK(body[1] == 0x0F);
  CHECK(body[2] == 0);
  hll::SetRegister(body.data(), hll::kRegisters - 1, 63);
  CHECK(body[hll::kDenseBodySize - 1] == 0xFC);
}

TEST_CASE("hll: estimates stay within Redis's error bound from 1 to 100000") {
  std::string sparse = hll::NewSparse();
  std::string dense = hll::NewSparse();
  REQUIRE(hll::SparseToDense(&dense));
  const double relerr = 1.04 / std::sqrt(double(hll::kRegisters));
  int next = 1;
  for (int n = 1; n <= 100000; n++) {
    std::string e = "elem-" + std::to_string(n);
    hll::Add(&sparse, e, 3000);
    hll::Add(&dense, e, 3000);
    if (n == next || n % 9973 == 0) {
      CAPTURE(n);
      uint64_t a = hll::Count(sparse, nullptr), b = hll::Count(dense, nullptr);
      CHECK(a == b);
      double err = std::fabs(double(a) - n);
      CHECK(err <= std::ceil(relerr * 6 * n) + (n <= 10 ? 1 : 0));
      if (n == next) next = next < 10 ? next + 1 : next * 2;
    }
  }
  CHECK(hll::EncodingOf(sparse) == hll::kDense);
}

TEST_CASE("hll: sparse stays sparse under the limit, promotes above it") {
  std::string h = Build(Elements(100), 3000);
  CHECK(hll::EncodingOf(h) == hll::kSparse);
  CHECK(h.size() <= 3000);
  std::string d = h;
  REQUIRE(hll::SparseToDense(&d));
  CHECK(d.size() == hll::kDenseSize);
  CHECK(Registers(d) == Registers(h));
  CHECK(hll::Count(d, nullptr) == hll::Count(h, nullptr));
  // Promotion because of a register value above 32.
  std::string s = hll::NewSparse();
  CHECK(hll::SparseSetMax(&s, 5, 32, 3000) == hll::Update::kChanged);
  CHECK(hll::EncodingOf(s) == hll::kSparse);
  CHECK(hll::SparseSetMax(&s, 5, 20, 3000) == hll::Update::kUnchanged);
  CHECK(hll::SparseSetMax(&s, 6, 33, 3000) == hll::Update::kChanged);
  CHECK(hll::EncodingOf(s) == hll::kDense);
  CHECK(hll::GetRegister(reinterpret_cast<const uint8_t*>(s.data()) + hll::kHeaderSize, 5) == 32);
  CHECK(hll::GetRegister(reinterpret_cast<const uint8_t*>(s.data()) + hll::kHeaderSize, 6) == 33);
}

TEST_CASE("hll: sparse opcodes split and merge") {
  std::string s = hll::NewSparse();
  hll::SparseSetMax(&s, 100, 3, 3000);
  CHECK(hll::DecodeSparse(s) == "Z:100 v:3,1 Z:16283");
  hll::SparseSetMax(&s, 101, 3, 3000);
  CHECK(hll::DecodeSparse(s) == "Z:100 v:3,2 Z:16282");
  hll::SparseSetMax(&s, 0, 1, 3000);
  CHECK(hll::DecodeSparse(s) == "v:1,1 Z:99 v:3,2 Z:16282");
  hll::SparseSetMax(&s, 102, 3, 3000);
  hll::SparseSetMax(&s, 103, 3, 3000);
  hll::SparseSetMax(&s, 104, 3, 3000);  // a VAL holds at most 4 registers
  CHECK(hll::DecodeSparse(s) == "v:1,1 Z:99 v:3,4 v:3,1 Z:16279");
  hll::SparseSetMax(&s, 102, 5, 3000);  // splits a VAL run, then merges the tail
  CHECK(hll::DecodeSparse(s) == "v:1,1 Z:99 v:3,2 v:5,1 v:3,2 Z:16279");
  hll::SparseSetMax(&s, 170, 2, 3000);
  CHECK(hll::DecodeSparse(s) == "v:1,1 Z:99 v:3,2 v:5,1 v:3,2 Z:65 v:2,1 Z:16213");
  hll::SparseSetMax(&s, 110, 1, 3000);
  CHECK(hll::DecodeSparse(s) == "v:1,1 Z:99 v:3,2 v:5,1 v:3,2 z:5 v:1,1 z:59 v:2,1 Z:16213");
  hll::SparseSetMax(&s, 110, 2, 3000);  // a one-register VAL is updated in place
  CHECK(hll::DecodeSparse(s) == "v:1,1 Z:99 v:3,2 v:5,1 v:3,2 z:5 v:2,1 z:59 v:2,1 Z:16213");
}

TEST_CASE("hll: header checks are Redis's") {
  std::string h = hll::NewSparse();
  CHECK(hll::IsHll(h));
  CHECK_FALSE(hll::IsHll(h.substr(0, 15)));
  std::string bad = h;
  bad[0] = '0';
  CHECK_FALSE(hll::IsHll(bad));
  bad = h;
  bad[4] = 'x';
  CHECK_FALSE(hll::IsHll(bad));
  bad = h;
  bad[4] = 0;  // dense with a sparse length
  CHECK_FALSE(hll::IsHll(bad));
  REQUIRE(hll::SparseToDense(&h));
  CHECK(hll::IsHll(h));
  CHECK_FALSE(hll::IsHll(h + "x"));
}

TEST_CASE("hll: corrupt sparse bodies are rejected without reading past the end") {
  const auto& g = Goldens();
  std::string h = g.at("n200").value;
  bool corrupt = false;
  hll::Count(h + "hello", &corrupt);
  CHECK(corrupt);
  std::string t = h + "hello";
  CHECK_FALSE(hll::SparseToDense(&t));
  CHECK(t == h + "hello");
  std::vector<uint8_t> max(hll::kRegisters, 0);
  CHECK_FALSE(hll::MergeInto(h + "hello", max.data()));
  // A body too short, an XZERO cut in half, an empty body.
  std::string shortened = h.substr(0, h.size() - 3);
  corrupt = false;
  hll::Count(shortened, &corrupt);
  CHECK(corrupt);
  std::string cut = h.substr(0, hll::kHeaderSize) + "\x7f";
  corrupt = false;
  hll::Count(cut, &corrupt);
  CHECK(corrupt);
  // All registers covered by an XZERO, then a VAL past the end: corrupt for every reader
  // (as in Redis with the CVE-2025-32023 fix; 7.0.15's source let PFMERGE accept it).
  std::string overflow = h.substr(0, hll::kHeaderSize) + "\x7f\xff\xf1";
  corrupt = false;
  hll::Count(overflow, &corrupt);
  CHECK(corrupt);
  std::fill(max.begin(), max.end(), 0);
  CHECK_FALSE(hll::MergeInto(overflow, max.data()));
  CHECK_FALSE(hll::SparseToDense(&overflow));
  std::string empty = h.substr(0, hll::kHeaderSize);
  CHECK(hll::SparseSetMax(&empty, 3, 1, 3000) == hll::Update::kCorrupt);

  // Random damage: any outcome but a crash or an out-of-bounds access (run under ASan).
  std::mt19937 rng(42);
  for (int round = 0; round < 2000; round++) {
    std::string v = Build(Elements(int(rng() % 3000)));
    for (int k = 0; k < 5; k++) {
      v[hll::kHeaderSize + rng() % (v.size() - hll::kHeaderSize)] = char(rng());
      if (rng() & 1) break;
    }
    if (!hll::IsHll(v)) continue;
    bool bad = false;
    hll::Count(v, &bad);
    std::fill(max.begin(), max.end(), 0);
    hll::MergeInto(v, max.data());
    if (hll::EncodingOf(v) == hll::kSparse) hll::DecodeSparse(v);
    for (int k = 0; k < 10; k++) {
      if (hll::Add(&v, "more" + std::to_string(k), 3000) == hll::Update::kCorrupt) break;
    }
    hll::SparseToDense(&v);
  }
}

TEST_CASE("hll: self test passes") { CHECK(hll::SelfTest(3000, 1) == ""); }
