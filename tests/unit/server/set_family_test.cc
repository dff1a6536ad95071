#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "server/command.h"
#include "tests/unit/server/harness.h"

using ember::RespValue;
using ember::test::Harness;

namespace {

std::string Encoding(Harness& h, const std::string& key) {
  return h.Run({"OBJECT", "ENCODING", key}).str;
}

std::vector<std::string> Strings(const RespValue& r) {
  std::vector<std::string> out;
  for (const auto& e : r.elems) out.push_back(e.str);
  return out;
}

std::vector<std::string> Sorted(const RespValue& r) {
  std::vector<std::string> v = Strings(r);
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> SortedList(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Deletes key, then SADDs each member in its own call (as the suite's create_set).
void CreateSet(Harness& h, const std::string& key, const std::vector<std::string>& members) {
  h.Run({"DEL", key});
  for (const auto& m : members) h.Run({"SADD", key, m});
}

std::vector<std::string> Range(int from, int to) {
  std::vector<std::string> v;
  for (int i = from; i < to; i++) v.push_back(std::to_string(i));
  return v;
}

// Pearson chi-square statistic of the counts of each distinct string in `v`.
double ChiSquare(const std::vector<std::string>& v) {
  std::map<std::string, int> counts;
  for (const auto& s : v) counts[s]++;
  double expected = double(v.size()) / double(counts.size());
  double chi = 0;
  for (auto& [s, n] : counts) chi += (n - expected) * (n - expected) / expected;
  return chi;
}

const std::string kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";

}  // namespace

TEST_CASE("sets: basics, both encodings") {
  Harness h;
  CreateSet(h, "s", {"foo"});
  CHECK(Encoding(h, "s") == "hashtable");
  CHECK(h.Run({"SADD", "s", "bar"}).integer == 1);
  CHECK(h.Run({"SADD", "s", "bar"}).integer == 0);
  CHECK(h.Run({"SCARD", "s"}).integer == 2);
  CHECK(h.Run({"SISMEMBER", "s", "foo"}).integer == 1);
  CHECK(h.Run({"SISMEMBER", "s", "bla"}).integer == 0);
  RespValue r = h.Run({"SMISMEMBER", "s", "bla", "foo"});
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].integer == 0);
  CHECK(r.elems[1].integer == 1);
  CHECK(Sorted(h.Run({"SMEMBERS", "s"})) == std::vector<std::string>{"bar", "foo"});

  CreateSet(h, "i", {"17"});
  CHECK(Encoding(h, "i") == "intset");
  CHECK(h.Run({"SADD", "i", "16"}).integer == 1);
  CHECK(h.Run({"SADD", "i", "16"}).integer == 0);
  CHECK(h.Run({"SCARD", "i"}).integer == 2);
  CHECK(h.Run({"SISMEMBER", "i", "16"}).integer == 1);
  CHECK(h.Run({"SISMEMBER", "i", "18"}).integer == 0);
  CHECK(h.Run({"SISMEMBER", "i", "abc"}).integer == 0);
  r = h.Run({"SMISMEMBER", "i", "16", "18", "17"});
  REQUIRE(r.elems.size() == 3);
  CHECK(r.elems[0].integer == 1);
  CHECK(r.elems[1].integer == 0);
  CHECK(r.elems[2].integer == 1);
  CHECK(Strings(h.Run({"SMEMBERS", "i"})) == std::vector<std::string>{"16", "17"});  // sorted

  // Missing keys are empty sets.
  CHECK(h.Run({"SCARD", "none"}).integer == 0);
  CHECK(h.Run({"SISMEMBER", "none", "a"}).integer == 0);
  r = h.Run({"SMISMEMBER", "none", "a", "b"});
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[1].integer == 0);
  CHECK(h.Run({"SMEMBERS", "none"}).elems.empty());
  CHECK(h.Run({"TYPE", "s"}).str == "set");

  CHECK(h.Run({"SADD", "v", "a", "b", "c"}).integer == 3);
  CHECK(h.Run({"SADD", "v", "A", "a", "b", "c", "B"}).integer == 2);
  CHECK(h.Run({"SCARD", "v"}).integer == 5);
}

TEST_CASE("sets: wrong type and arity") {
  Harness h;
  h.Run({"SET", "str", "x"});
  for (auto args : std::vector<std::vector<std::string>>{
           {"SADD", "str", "a"},
           {"SREM", "str", "a"},
           {"SCARD", "str"},
           {"SISMEMBER", "str", "a"},
           {"SMISMEMBER", "str", "a"},
           {"SMEMBERS", "str"},
           {"SPOP", "str"},
           {"SPOP", "str", "2"},
           {"SRANDMEMBER", "str"},
           {"SRANDMEMBER", "str", "2"},
           {"SINTER", "str", "none"},
           {"SINTER", "none", "str"},
           {"SINTERCARD", "1", "str"},
           {"SINTERCARD", "2", "none", "str"},
           {"SUNION", "none", "str"},
           {"SDIFF", "none", "str"},
           {"SDIFF", "str", "none"},
           {"SSCAN", "str", "0"},
           {"SMOVE", "str", "d", "a"},
       }) {
    CAPTURE(args[0]);
    CHECK(h.Run(args).str == kWrongType);
  }
  CHECK(h.Run({"SMISMEMBER", "s"}).str == "ERR wrong number of arguments for 'smismember' command");
  CHECK(h.Run({"SPOP", "s", "1", "2"}).str == "ERR syntax error");
  CHECK(h.Run({"SRANDMEMBER", "s", "1", "2"}).str == "ERR syntax error");
}

TEST_CASE("sets: intset to hashtable conversions") {
  Harness h;
  CreateSet(h, "s", {"1", "2", "3"});
  CHECK(Encoding(h, "s") == "intset");
  CHECK(h.Run({"SADD", "s", "a"}).integer == 1);
  CHECK(Encoding(h, "s") == "hashtable");
  // Removing the string does not convert back.
  h.Run({"SREM", "s", "a"});
  CHECK(Encoding(h, "s") == "hashtable");

  CreateSet(h, "big", {"213244124402402314402033402"});
  CHECK(Encoding(h, "big") == "hashtable");
  CHECK(h.Run({"SISMEMBER", "big", "213244124402402314402033402"}).integer == 1);

  // Non-canonical integers are strings.
  CreateSet(h, "nc", {"01"});
  CHECK(Encoding(h, "nc") == "hashtable");
  CreateSet(h, "wide", {"-9223372036854775808", "9223372036854775807"});
  CHECK(Encoding(h, "wide") == "intset");

  h.Run({"DEL", "m"});
  for (int i = 0; i < 512; i++) h.Run({"SADD", "m", std::to_string(i)});
  CHECK(Encoding(h, "m") == "intset");
  CHECK(h.Run({"SADD", "m", "512"}).integer == 1);
  CHECK(Encoding(h, "m") == "hashtable");
  CHECK(h.Run({"SCARD", "m"}).integer == 513);
  CHECK(h.Run({"SISMEMBER", "m", "100"}).integer == 1);

  // One variadic SADD crossing the limit.
  std::vector<std::string> args{"SADD", "v"};
  for (auto& s : Range(0, 600)) args.push_back(s);
  CHECK(h.Run(args).integer == 600);
  CHECK(Encoding(h, "v") == "hashtable");
}

TEST_CASE("sets: CONFIG SET set-max-intset-entries applies to the next write") {
  Harness h;
  CreateSet(h, "s", Range(0, 10));
  CHECK(Encoding(h, "s") == "intset");
  CHECK(h.Run({"CONFIG", "SET", "set-max-intset-entries", "10"}).str == "OK");
  CHECK(Encoding(h, "s") == "intset");  // no conversion until written
  h.Run({"SADD", "s", "5"});            // not added: nothing changes
  CHECK(Encoding(h, "s") == "intset");
  h.Run({"SADD", "s", "10"});
  CHECK(Encoding(h, "s") == "hashtable");

  CHECK(h.Run({"CONFIG", "SET", "set-max-intset-entries", "0"}).str == "OK");
  h.Run({"SADD", "z", "1"});
  CHECK(Encoding(h, "z") == "hashtable");
  CHECK(h.Run({"CONFIG", "SET", "set-max-intset-entries", "3"}).str == "OK");
  h.Run({"SADD", "t", "1", "2", "3"});
  CHECK(Encoding(h, "t") == "intset");
  h.Run({"SUNIONSTORE", "u", "t", "t"});
  CHECK(Encoding(h, "u") == "intset");
  h.Run({"SADD", "t2", "4"});
  h.Run({"SUNIONSTORE", "u", "t", "t2"});
  CHECK(Encoding(h, "u") == "hashtable");
}

TEST_CASE("sets: SREM") {
  Harness h;
  CreateSet(h, "s", {"foo", "bar", "ciao"});
  CHECK(h.Run({"SREM", "s", "qux"}).integer == 0);
  CHECK(h.Run({"SREM", "s", "foo"}).integer == 1);
  CHECK(Sorted(h.Run({"SMEMBERS", "s"})) == std::vector<std::string>{"bar", "ciao"});
  CreateSet(h, "i", {"3", "4", "5"});
  CHECK(h.Run({"SREM", "i", "6"}).integer == 0);
  CHECK(h.Run({"SREM", "i", "x"}).integer == 0);
  CHECK(h.Run({"SREM", "i", "4"}).integer == 1);
  CHECK(Strings(h.Run({"SMEMBERS", "i"})) == std::vector<std::string>{"3", "5"});
  h.Run({"SADD", "m", "a", "b", "c", "d"});
  CHECK(h.Run({"SREM", "m", "k", "k", "k"}).integer == 0);
  CHECK(h.Run({"SREM", "m", "b", "d", "x", "y"}).integer == 2);
  h.Run({"SADD", "d", "1", "2", "3"});
  CHECK(h.Run({"SREM", "d", "1", "2", "3", "4", "5", "6", "7", "8"}).integer == 3);
  CHECK(h.Run({"EXISTS", "d"}).integer == 0);
  CHECK(h.Run({"SREM", "none", "a"}).integer == 0);
}

TEST_CASE("sets: SINTERCARD arguments") {
  Harness h;
  CHECK(h.Run({"SINTERCARD"}).str == "ERR wrong number of arguments for 'sintercard' command");
  CHECK(h.Run({"SINTERCARD", "1"}).str == "ERR wrong number of arguments for 'sintercard' command");
  CHECK(h.Run({"SINTERCARD", "0", "s"}).str == "ERR numkeys should be greater than 0");
  CHECK(h.Run({"SINTERCARD", "a", "s"}).str == "ERR numkeys should be greater than 0");
  CHECK(h.Run({"SINTERCARD", "2", "s"}).str ==
        "ERR Number of keys can't be greater than number of args");
  CHECK(h.Run({"SINTERCARD", "3", "s", "t"}).str ==
        "ERR Number of keys can't be greater than number of args");
  CHECK(h.Run({"SINTERCARD", "1", "s", "t"}).str == "ERR syntax error");
  CHECK(h.Run({"SINTERCARD", "1", "s", "LIMIT"}).str == "ERR syntax error");
  CHECK(h.Run({"SINTERCARD", "1", "s", "LIMIT", "-1"}).str == "ERR LIMIT can't be negative");
  CHECK(h.Run({"SINTERCARD", "1", "s", "LIMIT", "a"}).str == "ERR LIMIT can't be negative");
  CHECK(h.Run({"SINTERCARD", "1", "none"}).integer == 0);
  CHECK(h.Run({"SINTERCARD", "1", "none", "limit", "10"}).integer == 0);
}

// The suite's generated sets: set1 0..199, set2 195..394, set3 {199 195 1000 2000}, set4
// 5..199, set5 {0}, each plus `large` ("200" for intsets, "foo" for hash tables).
void MakeSuiteSets(Harness& h, const std::string& large) {
  for (int i = 1; i <= 5; i++) h.Run({"DEL", "set" + std::to_string(i)});
  for (int i = 0; i < 200; i++) {
    h.Run({"SADD", "set1", std::to_string(i)});
    h.Run({"SADD", "set2", std::to_string(i + 195)});
  }
  for (const char* v : {"199", "195", "1000", "2000"}) h.Run({"SADD", "set3", v});
  for (int i = 5; i < 200; i++) h.Run({"SADD", "set4", std::to_string(i)});
  h.Run({"SADD", "set5", "0"});
  for (int i = 1; i <= 5; i++) h.Run({"SADD", "set" + std::to_string(i), large});
}

TEST_CASE("sets: SINTER, SUNION, SDIFF and their STORE forms, both encodings") {
  for (std::string type : {"hashtable", "intset"}) {
    CAPTURE(type);
    Harness h;
    std::string large = type == "intset" ? "200" : "foo";
    MakeSuiteSets(h, large);
    for (int i = 1; i <= 5; i++) CHECK(Encoding(h, "set" + std::to_string(i)) == type);

    CHECK(Sorted(h.Run({"SINTER", "set1", "set2"})) ==
          SortedList({"195", "196", "197", "198", "199", large}));
    CHECK(h.Run({"SINTERCARD", "2", "set1", "set2"}).integer == 6);
    CHECK(h.Run({"SINTERCARD", "2", "set1", "set2", "LIMIT", "0"}).integer == 6);
    CHECK(h.Run({"SINTERCARD", "2", "set1", "set2", "limit", "3"}).integer == 3);
    CHECK(h.Run({"SINTERCARD", "2", "set1", "set2", "limit", "10"}).integer == 6);
    CHECK(h.Run({"SINTERSTORE", "res", "set1", "set2"}).integer == 6);
    CHECK(Encoding(h, "res") == type);
    CHECK(Sorted(h.Run({"SMEMBERS", "res"})) ==
          SortedList({"195", "196", "197", "198", "199", large}));

    std::set<std::string> uni;
    for (auto& s : Strings(h.Run({"SMEMBERS", "set1"}))) uni.insert(s);
    for (auto& s : Strings(h.Run({"SMEMBERS", "set2"}))) uni.insert(s);
    std::vector<std::string> expect(uni.begin(), uni.end());
    CHECK(Sorted(h.Run({"SUNION", "set1", "set2"})) == expect);
    CHECK(h.Run({"SUNIONSTORE", "res", "set1", "set2"}).integer == int64_t(expect.size()));
    CHECK(Encoding(h, "res") == type);
    CHECK(Sorted(h.Run({"SMEMBERS", "res"})) == expect);
    CHECK(Sorted(h.Run({"SUNION", "nokey1", "set1", "set2", "nokey2"})) == expect);

    CHECK(Sorted(h.Run({"SINTER", "set1", "set2", "set3"})) == SortedList({"195", "199", large}));
    CHECK(h.Run({"SINTERCARD", "3", "set1", "set2", "set3"}).integer == 3);
    CHECK(h.Run({"SINTERCARD", "3", "set1", "set2", "set3", "limit", "2"}).integer == 2);
    CHECK(h.Run({"SINTERSTORE", "res", "set1", "set2", "set3"}).integer == 3);

    CHECK(Sorted(h.Run({"SDIFF", "set1", "set4"})) ==
          std::vector<std::string>{"0", "1", "2", "3", "4"});
    CHECK(Sorted(h.Run({"SDIFF", "set1", "set4", "set5"})) ==
          std::vector<std::string>{"1", "2", "3", "4"});
    CHECK(h.Run({"SDIFFSTORE", "res", "set1", "set4", "set5"}).integer == 4);
    if (type == "intset") CHECK(Encoding(h, "res") == "intset");
    CHECK(Sorted(h.Run({"SMEMBERS", "res"})) == std::vector<std::string>{"1", "2", "3", "4"});

    std::vector<std::string> s1 = Sorted(h.Run({"SMEMBERS", "set1"}));
    CHECK(Sorted(h.Run({"SINTER", "set1", "set1", "set1"})) == s1);
    CHECK(Sorted(h.Run({"SUNION", "set1", "set1", "set1"})) == s1);
    CHECK(h.Run({"SDIFF", "set1", "set1", "set1"}).elems.empty());
    // Second algorithm of SDIFF: a small first set against big others.
    h.Run({"SADD", "small", "1", "2", "5000", large});
    CHECK(Sorted(h.Run({"SDIFF", "small", "set1", "set4", "set2"})) ==
          std::vector<std::string>{"5000"});
    CHECK(h.Run({"SDIFFSTORE", "res", "small", "set1", "set4", "set2"}).integer == 1);
  }
}

TEST_CASE("sets: SDIFF edge cases") {
  Harness h;
  h.Run({"SADD", "set2", "1", "2", "3", "4"});
  h.Run({"SADD", "set3", "a", "b", "c", "d"});
  CHECK(h.Run({"SDIFF", "set1", "set2", "set3"}).elems.empty());
  h.Run({"SADD", "same", "a", "b", "c", "1", "2", "3", "4", "5", "6"});
  CHECK(h.Run({"SDIFF", "same", "same"}).elems.empty());
  h.Run({"DEL", "set1", "set2", "set3"});
  h.Run({"SADD", "set1", "a", "b", "c"});
  h.Run({"SADD", "set2", "b", "c", "d"});
  CHECK(Strings(h.Run({"SDIFF", "set1", "set2", "set3"})) == std::vector<std::string>{"a"});
  CHECK(h.Run({"SDIFF", "set3", "set2", "set1"}).elems.empty());

  // Random sets against a reference computation.
  std::mt19937 rng(11);
  for (int round = 0; round < 50; round++) {
    int num_sets = int(rng() % 10) + 1;
    std::vector<std::string> args{"SDIFF"};
    std::set<std::string> expect;
    for (int i = 0; i < num_sets; i++) {
      std::string key = "f" + std::to_string(i);
      h.Run({"DEL", key});
      args.push_back(key);
      int n = int(rng() % 100);
      for (int k = 0; k < n; k++) {
        std::string v = rng() % 2 ? std::to_string(rng() % 200) : "s" + std::to_string(rng() % 200);
        h.Run({"SADD", key, v});
        if (i == 0) {
          expect.insert(v);
        } else {
          expect.erase(v);
        }
      }
    }
    CHECK(Sorted(h.Run(args)) == std::vector<std::string>(expect.begin(), expect.end()));
  }
}

TEST_CASE("sets: STORE commands and the destination key") {
  Harness h;
  h.Run({"SET", "key1", "x"});
  for (const char* cmd : {"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"}) {
    CAPTURE(cmd);
    h.Run({"DEL", "set1", "set2", "set3"});
    CHECK(h.Run({cmd, "set3", "key1", "noset"}).str == kWrongType);
    CHECK(h.Run({"EXISTS", "set3"}).integer == 0);
    CHECK(h.Run({cmd, "set3", "noset", "key1"}).str == kWrongType);
    h.Run({"SADD", "set1", "a", "b", "c"});
    h.Run({"SADD", "set2", "b", "c", "d"});
    h.Run({"SADD", "set3", "e"});
    CHECK(h.Run({cmd, "set3", "key1", "set2", "noset"}).str == kWrongType);
    CHECK(h.Run({cmd, "set3", "set1", "key1", "set2"}).str == kWrongType);
    CHECK(Strings(h.Run({"SMEMBERS", "set3"})) == std::vector<std::string>{"e"});

    // An empty result deletes the destination, whatever it held.
    h.Run({"SET", "setres", "xxx"});
    CHECK(h.Run({cmd, "setres", "foo111", "bar222"}).integer == 0);
    CHECK(h.Run({"EXISTS", "setres"}).integer == 0);
  }
  h.Run({"DEL", "set1", "set2", "set3"});
  h.Run({"SADD", "set3", "a", "b", "c"});
  CHECK(h.Run({"SDIFFSTORE", "set3", "set1", "set2"}).integer == 0);
  CHECK(h.Run({"EXISTS", "set3"}).integer == 0);
  h.Run({"SADD", "set1", "a", "b", "c"});
  CHECK(h.Run({"SDIFFSTORE", "set3", "set1", "set2"}).integer == 3);
  CHECK(Sorted(h.Run({"SMEMBERS", "set3"})) == std::vector<std::string>{"a", "b", "c"});
  h.Run({"SADD", "set3", "a"});
  CHECK(h.Run({"SDIFFSTORE", "set3", "set2", "set1"}).integer == 0);
  CHECK(h.Run({"EXISTS", "set3"}).integer == 0);
  h.Run({"SADD", "set3", "a", "b", "c"});
  CHECK(h.Run({"SINTERSTORE", "set3", "set1", "set2"}).integer == 0);
  CHECK(h.Run({"EXISTS", "set3"}).integer == 0);
  h.Run({"SADD", "set3", "e", "f"});
  CHECK(h.Run({"SUNIONSTORE", "set3", "set1", "set2"}).integer == 3);
  CHECK(Sorted(h.Run({"SMEMBERS", "set3"})) == std::vector<std::string>{"a", "b", "c"});

  // The destination may be a source; a TTL on it is dropped.
  h.Run({"SADD", "d", "1", "2"});
  h.Run({"EXPIRE", "d", "100"});
  CHECK(h.Run({"SUNIONSTORE", "d", "d", "set1"}).integer == 5);
  CHECK(h.Run({"TTL", "d"}).integer == -1);
  CHECK(Encoding(h, "d") == "hashtable");

  // Same integers, different encodings.
  h.Run({"DEL", "set1", "set2"});
  h.Run({"SADD", "set1", "1", "2", "3"});
  h.Run({"SADD", "set2", "1", "2", "3", "a"});
  h.Run({"SREM", "set2", "a"});
  CHECK(Encoding(h, "set1") == "intset");
  CHECK(Encoding(h, "set2") == "hashtable");
  CHECK(Sorted(h.Run({"SINTER", "set1", "set2"})) == std::vector<std::string>{"1", "2", "3"});
  // An intersection of integers stored from a hashtable source is an intset again.
  CHECK(h.Run({"SINTERSTORE", "r", "set2", "set1"}).integer == 3);
  CHECK(Encoding(h, "r") == "intset");
}

TEST_CASE("sets: SPOP") {
  for (auto contents : std::vector<std::vector<std::string>>{{"a", "b", "c"}, {"1", "2", "3"}}) {
    Harness h;
    CreateSet(h, "s", contents);
    std::vector<std::string> got;
    for (int i = 0; i < 3; i++) got.push_back(h.Run({"SPOP", "s"}).str);
    CHECK(SortedList(got) == contents);
    CHECK(h.Run({"SCARD", "s"}).integer == 0);
    CHECK(h.Run({"EXISTS", "s"}).integer == 0);
    CHECK(h.Run({"SPOP", "s"}).is_null());

    CreateSet(h, "s", contents);
    got.clear();
    for (int i = 0; i < 3; i++) {
      RespValue r = h.Run({"SPOP", "s", "1"});
      REQUIRE(r.elems.size() == 1);
      got.push_back(r.elems[0].str);
    }
    CHECK(SortedList(got) == contents);
  }

  Harness h;
  CHECK(h.Run({"SPOP", "s", "-1"}).str == "ERR value is out of range, must be positive");
  CHECK(h.Run({"SPOP", "s", "x"}).str == "ERR value is out of range, must be positive");
  CHECK(h.Run({"SPOP", "nonexisting", "100"}).elems.empty());
  CHECK(h.Run({"SPOP", "nonexisting", "100"}).is_array());

  std::vector<std::string> letters;
  for (char ch = 'a'; ch <= 'z'; ch++) letters.push_back(std::string(1, ch));
  for (auto contents : {letters, Range(1, 27)}) {
    CreateSet(h, "s", contents);
    std::vector<std::string> all;
    for (const char* n : {"11", "9", "0", "4", "1", "0", "1", "0"}) {
      for (auto& s : Strings(h.Run({"SPOP", "s", n}))) all.push_back(s);
    }
    CHECK(SortedList(all) == SortedList(contents));
    CHECK(h.Run({"SCARD", "s"}).integer == 0);
  }

  CreateSet(h, "s", Range(1, 21));
  CHECK(Encoding(h, "s") == "intset");
  int expect = 20;
  for (int n : {1, 2, 3, 10, 10, 1}) {
    h.Run({"SPOP", "s", std::to_string(n)});
    expect = std::max(0, expect - n);
    CHECK(h.Run({"SCARD", "s"}).integer == expect);
  }

  // The three code paths: everything, a few members, most members.
  for (std::string extra : {"", "x"}) {
    std::vector<std::string> content = Range(1, 21);
    if (!extra.empty()) content.push_back(extra);
    for (int n : {30, 2, 18}) {
      CAPTURE(n);
      CreateSet(h, "s", content);
      std::vector<std::string> res = Strings(h.Run({"SPOP", "s", std::to_string(n)}));
      CHECK(res.size() == std::min<size_t>(size_t(n), content.size()));
      std::vector<std::string> left = Strings(h.Run({"SMEMBERS", "s"}));
      CHECK(left.size() == content.size() - res.size());
      res.insert(res.end(), left.begin(), left.end());
      CHECK(SortedList(res) == SortedList(content));
    }
  }

  // A TTL survives SPOP's rebuild of the set.
  CreateSet(h, "t", Range(0, 100));
  h.Run({"EXPIRE", "t", "100"});
  h.Run({"SPOP", "t", "90"});
  CHECK(h.Run({"SCARD", "t"}).integer == 10);
  CHECK(h.Run({"TTL", "t"}).integer > 0);
}

TEST_CASE("sets: SPOP propagation") {
  Harness h;
  ember::Command* cmd = h.server().commands().Find("spop");
  REQUIRE(cmd != nullptr);
  ember::Client& c = *h.client();
  auto run = [&](std::vector<std::string_view> args) {
    c.cmd = cmd;
    c.propagate_rewritten = false;
    c.propagate_prevented = false;
    c.propagate_rewrite.clear();
    c.out().clear();
    cmd->fn(c, args);
  };
  h.Run({"SADD", "s", "a"});
  run({"SPOP", "s"});
  CHECK(c.propagate_rewritten);
  CHECK(c.propagate_rewrite == std::vector<std::string>{"SREM", "s", "a"});

  h.Run({"SADD", "s", "a", "b"});
  run({"SPOP", "s", "5"});
  CHECK(c.propagate_rewrite == std::vector<std::string>{"DEL", "s"});

  h.Run({"SADD", "s", "a", "b", "c", "d"});
  run({"SPOP", "s", "2"});  // propagated as one SREM per member instead of SPOP
  CHECK(c.propagate_prevented);
  c.propagate_rewrite.clear();
  c.propagate_rewritten = false;
  c.propagate_prevented = false;
  c.cmd = nullptr;
}

TEST_CASE("sets: SPOP encodings after popping most of a set") {
  Harness h;
  // SPOP rebuilds the kept members into a new set, which starts from an intset.
  std::vector<std::string> args{"SADD", "s", "x"};
  for (auto& s : Range(0, 20)) args.push_back(s);
  h.Run(args);
  CHECK(Encoding(h, "s") == "hashtable");
  bool saw_intset = false;
  for (int i = 0; i < 50 && !saw_intset; i++) {
    h.Run({"DEL", "s"});
    h.Run(args);
    h.Run({"SPOP", "s", "20"});  // one member kept
    std::string m = Strings(h.Run({"SMEMBERS", "s"}))[0];
    CHECK(Encoding(h, "s") == (m == "x" ? "hashtable" : "intset"));
    saw_intset = m != "x";
  }
  CHECK(saw_intset);
}

TEST_CASE("sets: SRANDMEMBER") {
  Harness h;
  for (auto contents : std::vector<std::vector<std::string>>{{"a", "b", "c"}, {"1", "2", "3"}}) {
    CreateSet(h, "s", contents);
    std::set<std::string> seen;
    for (int i = 0; i < 100; i++) seen.insert(h.Run({"SRANDMEMBER", "s"}).str);
    CHECK(std::vector<std::string>(seen.begin(), seen.end()) == contents);
  }
  CHECK(h.Run({"SRANDMEMBER", "nonexisting"}).is_null());
  RespValue r = h.Run({"SRANDMEMBER", "s", "0"});
  CHECK((r.is_array() && r.elems.empty()));
  r = h.Run({"SRANDMEMBER", "nonexisting_key", "100"});
  CHECK((r.is_array() && r.elems.empty()));
  CHECK(h.Run({"SRANDMEMBER", "s", "-9223372036854775808"}).str ==
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  CHECK(h.Run({"SRANDMEMBER", "s", "x"}).str == "ERR value is not an integer or out of range");

  std::vector<std::string> names{
      "1",        "5",        "10",       "50",       "125",     "50000",      "33959417",
      "4775547",  "MARY",     "PATRICIA", "LINDA",    "BARBARA", "ELIZABETH",  "JENNIFER",
      "MARIA",    "SUSAN",    "MARGARET", "DOROTHY",  "LISA",    "NANCY",      "KAREN",
      "BETTY",    "HELEN",    "SANDRA",   "DONNA",    "CAROL",   "RUTH",       "SHARON",
      "MICHELLE", "LAURA",    "SARAH",    "KIMBERLY", "DEBORAH", "JESSICA",    "SHIRLEY",
      "CYNTHIA",  "ANGELA",   "MELISSA",  "BRENDA",   "AMY",     "ANNA",       "REBECCA",
      "VIRGINIA", "KATHLEEN", "12098459", "427716",   "483706",  "2726473884", "72615637475",
      "65434162"};
  for (auto contents : {names, Range(0, 50)}) {
    CreateSet(h, "s", contents);
    std::set<std::string> all(contents.begin(), contents.end());
    REQUIRE(all.size() == 50);
    // Negative count: repeats allowed.
    std::vector<std::string> res = Strings(h.Run({"SRANDMEMBER", "s", "-100"}));
    CHECK(res.size() == 100);
    for (auto& e : res) CHECK(all.count(e) == 1);
    // Whole set.
    for (const char* n : {"50", "100"}) {
      res = Strings(h.Run({"SRANDMEMBER", "s", n}));
      CHECK(SortedList(res) == std::vector<std::string>(all.begin(), all.end()));
    }
    // Most of the set, then a small part of it: distinct members, all reached eventually.
    for (int size : {45, 5}) {
      std::set<std::string> seen;
      for (int i = 0; i < 1000 && seen.size() < all.size(); i++) {
        res = Strings(h.Run({"SRANDMEMBER", "s", std::to_string(size)}));
        REQUIRE(res.size() == size_t(size));
        CHECK(std::set<std::string>(res.begin(), res.end()).size() == size_t(size));
        for (auto& e : res) {
          CHECK(all.count(e) == 1);
          seen.insert(e);
        }
      }
      CHECK(seen == all);
    }
  }
}

TEST_CASE("sets: SRANDMEMBER and SPOP distributions are roughly uniform") {
  Harness h;
  std::vector<std::string> mixed{"1",    "5",        "10",    "50",      "125",
                                 "MARY", "PATRICIA", "LINDA", "BARBARA", "ELIZABETH"};
  for (auto contents : {mixed, Range(0, 10)}) {
    CreateSet(h, "s", contents);
    // df = 9: 40 is a 1e-5 tail.
    CHECK(ChiSquare(Strings(h.Run({"SRANDMEMBER", "s", "-1000"}))) < 40);
    for (int size : {8, 2}) {
      std::vector<std::string> all;
      for (int i = 0; i < 1000 / size; i++) {
        for (auto& e : Strings(h.Run({"SRANDMEMBER", "s", std::to_string(size)}))) {
          all.push_back(e);
        }
      }
      CHECK(ChiSquare(all) < 40);
    }
    std::vector<std::string> popped;
    for (int i = 0; i < 300; i++) {
      h.Run({"DEL", "p"});
      std::vector<std::string> args{"SADD", "p"};
      args.insert(args.end(), contents.begin(), contents.end());
      h.Run(args);
      popped.push_back(h.Run({"SPOP", "p"}).str);
      for (auto& e : Strings(h.Run({"SPOP", "p", "2"}))) popped.push_back(e);
      for (auto& e : Strings(h.Run({"SPOP", "p", "6"}))) popped.push_back(e);
    }
    CHECK(ChiSquare(popped) < 40);
  }

  // A big hash table set: draws reach every member about equally.
  CHECK(h.Run({"CONFIG", "SET", "set-max-intset-entries", "0"}).str == "OK");
  std::vector<std::string> args{"SADD", "big"};
  for (int i = 0; i < 30; i++) args.push_back("m:" + std::to_string(i));
  h.Run(args);
  std::vector<std::string> all;
  for (int i = 0; i < 1000; i++) {
    for (auto& e : Strings(h.Run({"SRANDMEMBER", "big", "10"}))) all.push_back(e);
  }
  CHECK(ChiSquare(all) < 73);  // df = 29
}

TEST_CASE("sets: SMOVE") {
  Harness h;
  auto setup = [&] {
    h.Run({"DEL", "myset3", "myset4"});
    CreateSet(h, "myset1", {"1", "a", "b"});
    CreateSet(h, "myset2", {"2", "3", "4"});
    REQUIRE(Encoding(h, "myset1") == "hashtable");
    REQUIRE(Encoding(h, "myset2") == "intset");
  };
  setup();
  CHECK(h.Run({"SMOVE", "myset1", "myset2", "a"}).integer == 1);
  CHECK(Sorted(h.Run({"SMEMBERS", "myset1"})) == std::vector<std::string>{"1", "b"});
  CHECK(Sorted(h.Run({"SMEMBERS", "myset2"})) == std::vector<std::string>{"2", "3", "4", "a"});
  CHECK(Encoding(h, "myset2") == "hashtable");
  setup();
  CHECK(h.Run({"SMOVE", "myset1", "myset2", "1"}).integer == 1);
  CHECK(Sorted(h.Run({"SMEMBERS", "myset2"})) == std::vector<std::string>{"1", "2", "3", "4"});
  CHECK(Encoding(h, "myset2") == "intset");
  setup();
  CHECK(h.Run({"SMOVE", "myset2", "myset1", "2"}).integer == 1);
  CHECK(Sorted(h.Run({"SMEMBERS", "myset1"})) == std::vector<std::string>{"1", "2", "a", "b"});
  CHECK(Sorted(h.Run({"SMEMBERS", "myset2"})) == std::vector<std::string>{"3", "4"});
  setup();
  CHECK(h.Run({"SMOVE", "myset1", "myset2", "foo"}).integer == 0);
  CHECK(h.Run({"SMOVE", "myset1", "myset1", "foo"}).integer == 0);
  CHECK(h.Run({"SMOVE", "myset1", "myset1", "a"}).integer == 1);
  CHECK(h.Run({"SMOVE", "noset", "myset2", "foo"}).integer == 0);
  CHECK(Sorted(h.Run({"SMEMBERS", "myset1"})) == std::vector<std::string>{"1", "a", "b"});
  setup();
  CHECK(h.Run({"SMOVE", "myset1", "myset3", "a"}).integer == 1);
  CHECK(Encoding(h, "myset3") == "hashtable");
  setup();
  CHECK(h.Run({"SMOVE", "myset2", "myset3", "2"}).integer == 1);
  CHECK(Encoding(h, "myset3") == "intset");
  CHECK(Strings(h.Run({"SMEMBERS", "myset3"})) == std::vector<std::string>{"2"});
  h.Run({"SET", "x", "10"});
  CHECK(h.Run({"SMOVE", "x", "myset2", "foo"}).str == kWrongType);
  CHECK(h.Run({"SMOVE", "myset2", "x", "foo"}).str == kWrongType);
  CHECK(h.Run({"SMOVE", "noset", "x", "foo"}).integer == 0);  // missing source first
  // The last member moved deletes the source.
  h.Run({"DEL", "one"});
  h.Run({"SADD", "one", "z"});
  CHECK(h.Run({"SMOVE", "one", "myset1", "z"}).integer == 1);
  CHECK(h.Run({"EXISTS", "one"}).integer == 0);
}

TEST_CASE("sets: SMOVE only touches the destination when the member is added") {
  Harness h;
  h.Run({"SADD", "srcset", "a", "b"});
  h.Run({"SADD", "dstset", "a"});
  CHECK(h.Run({"WATCH", "dstset"}).str == "OK");
  CHECK(h.Run({"MULTI"}).str == "OK");
  h.Run({"SADD", "dstset", "c"});
  ember::Client* other = h.NewClient();
  CHECK(h.RunOn(other, {"SMOVE", "srcset", "dstset", "a"}).integer == 1);
  RespValue r = h.Run({"EXEC"});
  CHECK(r.is_array());
  CHECK(h.Run({"SCARD", "dstset"}).integer == 2);
}

TEST_CASE("sets: SSCAN") {
  Harness h;
  h.Run({"SADD", "i", "1", "2", "3", "10"});
  RespValue r = h.Run({"SSCAN", "i", "0"});
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].str == "0");
  CHECK(Strings(r.elems[1]) == std::vector<std::string>{"1", "2", "3", "10"});
  r = h.Run({"SSCAN", "i", "0", "MATCH", "1*", "COUNT", "1"});
  CHECK(r.elems[0].str == "0");
  CHECK(Strings(r.elems[1]) == std::vector<std::string>{"1", "10"});

  r = h.Run({"SSCAN", "none", "0"});
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].str == "0");
  CHECK(r.elems[1].elems.empty());

  CHECK(h.Run({"SSCAN", "i", "abc"}).str == "ERR invalid cursor");
  CHECK(h.Run({"SSCAN", "i", "0", "COUNT", "0"}).str == "ERR syntax error");
  CHECK(h.Run({"SSCAN", "i", "0", "COUNT", "x"}).str ==
        "ERR value is not an integer or out of range");
  CHECK(h.Run({"SSCAN", "i", "0", "TYPE", "set"}).str == "ERR syntax error");
  CHECK(h.Run({"SSCAN", "i", "0", "MATCH"}).str == "ERR syntax error");

  std::set<std::string> expect;
  std::vector<std::string> args{"SADD", "h"};
  for (int i = 0; i < 1000; i++) {
    args.push_back("m" + std::to_string(i));
    expect.insert(args.back());
  }
  h.Run(args);
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    r = h.Run({"SSCAN", "h", cursor, "COUNT", "20"});
    REQUIRE(r.elems.size() == 2);
    cursor = r.elems[0].str;
    for (auto& m : Strings(r.elems[1])) seen.insert(m);
    calls++;
  } while (cursor != "0");
  CHECK(seen == expect);
  CHECK(calls > 10);

  seen.clear();
  cursor = "0";
  do {
    r = h.Run({"SSCAN", "h", cursor, "MATCH", "m99*"});
    cursor = r.elems[0].str;
    for (auto& m : Strings(r.elems[1])) seen.insert(m);
  } while (cursor != "0");
  CHECK(seen == std::set<std::string>{"m99", "m990", "m991", "m992", "m993", "m994", "m995", "m996",
                                      "m997", "m998", "m999"});
}

TEST_CASE("sets: RESP3 replies") {
  Harness h;
  h.Run({"HELLO", "3"});
  h.Run({"SADD", "s", "a", "b"});
  CHECK(h.Run({"SMEMBERS", "s"}).type == RespValue::Type::kSet);
  CHECK(h.Run({"SMEMBERS", "none"}).type == RespValue::Type::kSet);
  CHECK(h.Run({"SINTER", "s", "s"}).type == RespValue::Type::kSet);
  CHECK(h.Run({"SUNION", "s"}).type == RespValue::Type::kSet);
  CHECK(h.Run({"SDIFF", "s"}).type == RespValue::Type::kSet);
  CHECK(h.Run({"SPOP", "none", "2"}).type == RespValue::Type::kSet);
  CHECK(h.Run({"SRANDMEMBER", "s", "2"}).type == RespValue::Type::kArray);
  CHECK(h.Run({"SRANDMEMBER", "none", "2"}).type == RespValue::Type::kArray);
  CHECK(h.Run({"SPOP", "s", "1"}).type == RespValue::Type::kSet);
  CHECK(h.Run({"SPOP", "s", "5"}).type == RespValue::Type::kSet);
  CHECK(h.Run({"SPOP", "s"}).is_null());
}

TEST_CASE("sets: COPY keeps the encoding, MEMORY USAGE counts members") {
  Harness h;
  h.Run({"SADD", "i", "1", "2", "3"});
  std::vector<std::string> args{"SADD", "h"};
  for (int i = 0; i < 100; i++) args.push_back("member-" + std::to_string(i));
  h.Run(args);
  CHECK(h.Run({"COPY", "i", "i2"}).integer == 1);
  CHECK(h.Run({"COPY", "h", "h2"}).integer == 1);
  CHECK(Encoding(h, "i2") == "intset");
  CHECK(Encoding(h, "h2") == "hashtable");
  CHECK(Strings(h.Run({"SMEMBERS", "i2"})) == std::vector<std::string>{"1", "2", "3"});
  CHECK(h.Run({"SCARD", "h2"}).integer == 100);
  h.Run({"SREM", "h2", "member-1"});
  CHECK(h.Run({"SISMEMBER", "h", "member-1"}).integer == 1);
  RespValue mu = h.Run({"MEMORY", "USAGE", "h"});
  if (mu.type == RespValue::Type::kInteger) CHECK(mu.integer > 100 * 8);
}
