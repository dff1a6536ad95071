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

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// HSET key f0 v0 ... f(n-1) v(n-1), one call.
void Fill(Harness& h, const std::string& key, int n, const std::string& prefix = "f") {
  std::vector<std::string> args{"HSET", key};
  for (int i = 0; i < n; i++) {
    args.push_back(prefix + std::to_string(i));
    args.push_back("v" + std::to_string(i));
  }
  h.Run(args);
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

}  // namespace

TEST_CASE("hashes: basic reads and writes") {
  Harness h;
  CHECK(h.Run({"HSET", "h", "a", "1", "b", "2"}).integer == 2);
  CHECK(h.Run({"HSET", "h", "a", "10", "c", "3"}).integer == 1);
  CHECK(h.Run({"HGET", "h", "a"}).str == "10");
  CHECK(h.Run({"HGET", "h", "zz"}).is_null());
  CHECK(h.Run({"HGET", "nokey", "a"}).is_null());
  CHECK(h.Run({"HLEN", "h"}).integer == 3);
  CHECK(h.Run({"HLEN", "nokey"}).integer == 0);
  CHECK(h.Run({"HMSET", "h", "d", "4"}).str == "OK");
  CHECK(h.Run({"HSETNX", "h", "d", "x"}).integer == 0);
  CHECK(h.Run({"HSETNX", "h", "e", "5"}).integer == 1);
  CHECK(h.Run({"HSETNX", "new", "f", "v"}).integer == 1);
  CHECK(h.Run({"HGET", "h", "e"}).str == "5");
  CHECK(h.Run({"HEXISTS", "h", "e"}).integer == 1);
  CHECK(h.Run({"HEXISTS", "h", "zz"}).integer == 0);
  CHECK(h.Run({"HEXISTS", "nokey", "a"}).integer == 0);
  CHECK(h.Run({"HSTRLEN", "h", "a"}).integer == 2);
  CHECK(h.Run({"HSTRLEN", "h", "zz"}).integer == 0);
  CHECK(h.Run({"HSTRLEN", "nokey", "zz"}).integer == 0);

  RespValue r = h.Run({"HMGET", "h", "a", "zz", "b"});
  REQUIRE(r.elems.size() == 3);
  CHECK(r.elems[0].str == "10");
  CHECK(r.elems[1].is_null());
  CHECK(r.elems[2].str == "2");
  r = h.Run({"HMGET", "nokey", "a", "b"});
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].is_null());

  CHECK(Sorted(Strings(h.Run({"HKEYS", "h"}))) ==
        std::vector<std::string>{"a", "b", "c", "d", "e"});
  CHECK(Sorted(Strings(h.Run({"HVALS", "h"}))) ==
        std::vector<std::string>{"10", "2", "3", "4", "5"});
  r = h.Run({"HGETALL", "h"});
  CHECK(r.elems.size() == 10);
  CHECK(h.Run({"HGETALL", "nokey"}).elems.empty());
  CHECK(h.Run({"HKEYS", "nokey"}).elems.empty());

  CHECK(h.Run({"HDEL", "h", "x", "y"}).integer == 0);
  CHECK(h.Run({"HDEL", "h", "a", "c", "zz"}).integer == 2);
  CHECK(h.Run({"HDEL", "nokey", "a"}).integer == 0);
  CHECK(h.Run({"HDEL", "h", "b", "d", "e", "more"}).integer == 3);
  CHECK(h.Run({"EXISTS", "h"}).integer == 0);  // an empty hash is deleted

  // Integers and their text forms are the same field in a listpack.
  CHECK(h.Run({"HSET", "n", "1", "a", "01", "b", "-5", "c"}).integer == 3);
  CHECK(h.Run({"HGET", "n", "1"}).str == "a");
  CHECK(h.Run({"HGET", "n", "01"}).str == "b");
  CHECK(h.Run({"HSTRLEN", "n", "-5"}).integer == 1);
  CHECK(h.Run({"HSET", "n", "x", "-9223372036854775808"}).integer == 1);
  CHECK(h.Run({"HSTRLEN", "n", "x"}).integer == 20);
}

TEST_CASE("hashes: errors") {
  Harness h;
  h.Run({"SET", "s", "v"});
  const std::string wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";
  const std::vector<std::vector<std::string>> cmds = {
      {"HSET", "s", "a", "1"},  {"HSETNX", "s", "a", "1"},
      {"HGET", "s", "a"},       {"HMGET", "s", "a"},
      {"HDEL", "s", "a"},       {"HLEN", "s"},
      {"HSTRLEN", "s", "a"},    {"HEXISTS", "s", "a"},
      {"HKEYS", "s"},           {"HVALS", "s"},
      {"HGETALL", "s"},         {"HINCRBY", "s", "a", "1"},
      {"HSCAN", "s", "0"},      {"HRANDFIELD", "s"},
      {"HRANDFIELD", "s", "2"}, {"HINCRBYFLOAT", "s", "a", "1"}};
  for (const auto& cmd : cmds) {
    INFO(cmd[0]);
    CHECK(h.Run(cmd).str == wrongtype);
  }
  CHECK(h.Run({"HSET", "h", "a", "1", "b"}).str ==
        "ERR wrong number of arguments for 'hset' command");
  CHECK(h.Run({"HMSET", "h", "a", "1", "b"}).str ==
        "ERR wrong number of arguments for 'hmset' command");
  CHECK(h.Run({"HSET", "h", "a"}).str == "ERR wrong number of arguments for 'hset' command");
  CHECK(h.Run({"EXISTS", "h"}).integer == 0);
}

TEST_CASE("hashes: HINCRBY and HINCRBYFLOAT") {
  Harness h;
  CHECK(h.Run({"HINCRBY", "h", "n", "2"}).integer == 2);
  CHECK(h.Run({"HINCRBY", "h", "n", "-5"}).integer == -3);
  CHECK(h.Run({"HSET", "h", "big", "17179869184"}).integer == 1);
  CHECK(h.Run({"HINCRBY", "h", "big", "17179869184"}).integer == 34359738368);
  CHECK(h.Run({"HINCRBY", "h", "n", "x"}).str == "ERR value is not an integer or out of range");
  h.Run({"HSET", "h", "sp", " 11"});
  CHECK(h.Run({"HINCRBY", "h", "sp", "1"}).str == "ERR hash value is not an integer");
  h.Run({"HSET", "h", "sp", "11 "});
  CHECK(h.Run({"HINCRBY", "h", "sp", "1"}).str == "ERR hash value is not an integer");
  h.Run({"HSET", "h", "o", "-9223372036854775484"});
  CHECK(h.Run({"HINCRBY", "h", "o", "-1"}).integer == -9223372036854775807LL + 322);
  CHECK(h.Run({"HINCRBY", "h", "o", "-10000"}).str == "ERR increment or decrement would overflow");
  h.Run({"HSET", "h", "max", "9223372036854775807"});
  CHECK(h.Run({"HINCRBY", "h", "max", "1"}).str == "ERR increment or decrement would overflow");

  CHECK(h.Run({"HINCRBYFLOAT", "f", "x", "2.5"}).str == "2.5");
  CHECK(h.Run({"HINCRBYFLOAT", "f", "x", "3.5"}).str == "6");
  CHECK(h.Run({"HINCRBY", "f", "x", "1"}).integer == 7);  // "6" is an integer again
  CHECK(h.Run({"HINCRBYFLOAT", "f", "y", "1.23"}).str == "1.23");
  CHECK(h.Run({"HINCRBYFLOAT", "f", "y", "0.77"}).str == "2");
  CHECK(h.Run({"HINCRBYFLOAT", "f", "y", "-0.1"}).str == "1.9");
  CHECK(h.Run({"HINCRBYFLOAT", "f", "z", "17179869184"}).str == "17179869184");
  CHECK(h.Run({"HINCRBYFLOAT", "f", "x", "abc"}).str == "ERR value is not a valid float");
  CHECK(h.Run({"HINCRBYFLOAT", "f", "x", "+inf"}).str == "ERR value is NaN or Infinity");
  CHECK(h.Run({"HINCRBYFLOAT", "hfoo", "x", "+inf"}).str == "ERR value is NaN or Infinity");
  CHECK(h.Run({"EXISTS", "hfoo"}).integer == 0);
  h.Run({"HSET", "f", "sp", " 11"});
  CHECK(h.Run({"HINCRBYFLOAT", "f", "sp", "1"}).str == "ERR hash value is not a float");
  h.Run({"HSET", "f", "nul", std::string("1\0002", 3)});
  CHECK(h.Run({"HINCRBYFLOAT", "f", "nul", "1"}).str == "ERR hash value is not a float");
  h.Run({"HSET", "f", "huge", "1e4932"});
  CHECK(h.Run({"HINCRBYFLOAT", "f", "huge", "1e4932"}).str ==
        "ERR increment would produce NaN or Infinity");
}

TEST_CASE("hashes: HINCRBYFLOAT propagates as HSET with the result") {
  Harness h;
  ember::Command* cmd = h.server().commands().Find("hincrbyfloat");
  REQUIRE(cmd != nullptr);
  ember::Client& c = *h.client();
  std::vector<std::string_view> args{"HINCRBYFLOAT", "h", "f", "1.5"};
  c.cmd = cmd;
  c.propagate_rewritten = false;
  cmd->fn(c, args);
  CHECK(c.propagate_rewritten);
  CHECK(c.propagate_rewrite == std::vector<std::string>{"HSET", "h", "f", "1.5"});
  c.propagate_rewrite.clear();
  c.propagate_rewritten = false;
  c.cmd = nullptr;
}

TEST_CASE("hashes: listpack converts to hashtable at the entries threshold") {
  Harness h;
  Fill(h, "h", 512);
  CHECK(Encoding(h, "h") == "listpack");
  CHECK(h.Run({"HSET", "h", "f0", "updated"}).integer == 0);  // an update adds nothing
  CHECK(Encoding(h, "h") == "listpack");
  CHECK(h.Run({"HSET", "h", "one-more", "v"}).integer == 1);
  CHECK(Encoding(h, "h") == "hashtable");
  CHECK(h.Run({"HLEN", "h"}).integer == 513);
  CHECK(h.Run({"HGET", "h", "f0"}).str == "updated");
  CHECK(h.Run({"HGET", "h", "f511"}).str == "v511");
  // Never back, even when it becomes small.
  for (int i = 0; i < 510; i++) h.Run({"HDEL", "h", "f" + std::to_string(i)});
  CHECK(h.Run({"HLEN", "h"}).integer == 3);
  CHECK(Encoding(h, "h") == "hashtable");

  // HINCRBY adding a field past the limit converts too.
  Fill(h, "c", 512);
  CHECK(h.Run({"HINCRBY", "c", "counter", "1"}).integer == 1);
  CHECK(Encoding(h, "c") == "hashtable");
  // One HSET adding many pairs converts once it crosses the limit.
  Fill(h, "m", 600);
  CHECK(Encoding(h, "m") == "hashtable");
  CHECK(h.Run({"HLEN", "m"}).integer == 600);
}

TEST_CASE("hashes: listpack converts to hashtable at the value-length threshold") {
  Harness h;
  std::string v64(64, 'x'), v65(65, 'x');
  h.Run({"HSET", "a", "f", v64});
  CHECK(Encoding(h, "a") == "listpack");
  h.Run({"HSET", "a", "g", v65});
  CHECK(Encoding(h, "a") == "hashtable");
  CHECK(h.Run({"HGET", "a", "f"}).str == v64);
  CHECK(h.Run({"HGET", "a", "g"}).str == v65);

  h.Run({"HSET", "b", v64, "1"});
  CHECK(Encoding(h, "b") == "listpack");
  h.Run({"HSET", "b", v65, "1"});  // long field
  CHECK(Encoding(h, "b") == "hashtable");

  h.Run({"HSET", "c", "f", "1"});
  CHECK(h.Run({"HSETNX", "c", "f", v65}).integer == 0);  // no write, no conversion
  CHECK(Encoding(h, "c") == "listpack");
  CHECK(h.Run({"HSETNX", "c", "g", v65}).integer == 1);
  CHECK(Encoding(h, "c") == "hashtable");

  h.Run({"HSET", "d", "f", "1"});
  h.Run({"HMSET", "d", "f", v65});  // an update that is too long converts
  CHECK(Encoding(h, "d") == "hashtable");
  CHECK(h.Run({"HGET", "d", "f"}).str == v65);
}

TEST_CASE("hashes: CONFIG SET of the thresholds applies to the next write") {
  Harness h;
  CHECK(h.Run({"CONFIG", "SET", "hash-max-listpack-entries", "4"}).str == "OK");
  Fill(h, "h", 4);
  CHECK(Encoding(h, "h") == "listpack");
  h.Run({"HSET", "h", "x", "y"});
  CHECK(Encoding(h, "h") == "hashtable");

  CHECK(h.Run({"CONFIG", "SET", "hash-max-ziplist-entries", "0"}).str == "OK");  // alias
  h.Run({"HSET", "z", "a", "b"});
  CHECK(Encoding(h, "z") == "hashtable");
  CHECK(h.Run({"CONFIG", "SET", "hash-max-listpack-entries", "512"}).str == "OK");

  // As Redis's "HINCRBYFLOAT over hash-max-listpack-value encoded with a listpack".
  CHECK(h.Run({"CONFIG", "SET", "hash-max-listpack-value", "8"}).str == "OK");
  h.Run({"HSET", "small", "tmp", "0"});
  h.Run({"HSET", "big", "tmp", "0"});
  h.Run({"HINCRBYFLOAT", "small", "tmp", "0.000005"});
  h.Run({"HINCRBYFLOAT", "big", "tmp", "0.0000005"});
  CHECK(Encoding(h, "small") == "listpack");
  CHECK(Encoding(h, "big") == "hashtable");
  h.Run({"DEL", "small", "big"});
  h.Run({"HINCRBYFLOAT", "small", "abcdefgh", "1"});
  h.Run({"HINCRBYFLOAT", "big", "abcdefghi", "1"});
  CHECK(Encoding(h, "small") == "listpack");
  CHECK(Encoding(h, "big") == "hashtable");
}

TEST_CASE("hashes: HSCAN") {
  Harness h;
  // Listpack: everything at once, cursor 0, whatever the cursor and COUNT.
  Fill(h, "lp", 30, "key:");
  RespValue r = h.Run({"HSCAN", "lp", "0", "COUNT", "1"});
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].str == "0");
  CHECK(r.elems[1].elems.size() == 60);
  r = h.Run({"HSCAN", "lp", "12345"});
  CHECK(r.elems[0].str == "0");
  CHECK(r.elems[1].elems.size() == 60);

  r = h.Run({"HSCAN", "nokey", "0"});
  CHECK(r.elems[0].str == "0");
  CHECK(r.elems[1].elems.empty());
  CHECK(h.Run({"HSCAN", "lp", "x"}).str == "ERR invalid cursor");
  CHECK(h.Run({"HSCAN", "lp", "0", "COUNT", "0"}).str == "ERR syntax error");
  CHECK(h.Run({"HSCAN", "lp", "0", "COUNT", "x"}).str ==
        "ERR value is not an integer or out of range");
  CHECK(h.Run({"HSCAN", "lp", "0", "TYPE", "hash"}).str == "ERR syntax error");
  CHECK(h.Run({"HSCAN", "lp", "0", "MATCH"}).str == "ERR syntax error");

  // MATCH filters on the field, and pairs stay together.
  h.Run({"HMSET", "pat", "foo", "1", "fab", "2", "fiz", "3", "foobar", "10", "1", "a", "2", "b"});
  r = h.Run({"HSCAN", "pat", "0", "MATCH", "foo*", "COUNT", "10000"});
  CHECK(Sorted(Strings(r.elems[1])) == std::vector<std::string>{"1", "10", "foo", "foobar"});

  // Hashtable: a full iteration returns every field, with its value, while the hash grows.
  Fill(h, "ht", 1000, "key:");
  CHECK(Encoding(h, "ht") == "hashtable");
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0, added = 0;
  do {
    r = h.Run({"HSCAN", "ht", cursor});
    REQUIRE(r.elems.size() == 2);
    cursor = r.elems[0].str;
    const auto& items = r.elems[1].elems;
    REQUIRE(items.size() % 2 == 0);
    for (size_t i = 0; i < items.size(); i += 2) {
      if (items[i].str.rfind("key:", 0) == 0) {
        CHECK(items[i + 1].str == "v" + items[i].str.substr(4));
      }
      seen.insert(items[i].str);
    }
    // Grow (for a while: a hash growing faster than the scan advances is never done).
    for (int k = 0; k < 30 && added < 3000; k++, added++) {
      h.Run({"HSET", "ht", "new:" + std::to_string(added), "x"});
    }
    calls++;
  } while (cursor != "0");
  CHECK(calls > 10);
  for (int i = 0; i < 1000; i++) CHECK(seen.count("key:" + std::to_string(i)) == 1);

  // MATCH on a hashtable, and COUNT bounds a step.
  r = h.Run({"HSCAN", "ht", "0", "COUNT", "5"});
  CHECK(r.elems[1].elems.size() <= 40);  // whole buckets, about 5 pairs
  seen.clear();
  cursor = "0";
  do {
    r = h.Run({"HSCAN", "ht", cursor, "MATCH", "key:99*", "COUNT", "100"});
    cursor = r.elems[0].str;
    for (size_t i = 0; i < r.elems[1].elems.size(); i += 2) seen.insert(r.elems[1].elems[i].str);
  } while (cursor != "0");
  CHECK(seen == std::set<std::string>{"key:99", "key:990", "key:991", "key:992", "key:993",
                                      "key:994", "key:995", "key:996", "key:997", "key:998",
                                      "key:999"});
}

TEST_CASE("hashes: HRANDFIELD argument checks") {
  Harness h;
  h.Run({"HSET", "h", "a", "1"});
  CHECK(h.Run({"HRANDFIELD", "nokey"}).is_null());
  RespValue r = h.Run({"HRANDFIELD", "nokey", "100"});
  CHECK(r.type == RespValue::Type::kArray);
  CHECK(r.elems.empty());
  CHECK(h.client()->out() == "*0\r\n");
  r = h.Run({"HRANDFIELD", "h", "0"});
  CHECK(h.client()->out() == "*0\r\n");
  CHECK(h.Run({"HRANDFIELD", "h"}).str == "a");
  CHECK(h.Run({"HRANDFIELD", "h", "-9223372036854770000", "withvalues"}).str ==
        "ERR value is out of range");
  CHECK(h.Run({"HRANDFIELD", "h", "-9223372036854775808", "withvalues"}).str ==
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  CHECK(h.Run({"HRANDFIELD", "h", "-9223372036854775808"}).str ==
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  CHECK(h.Run({"HRANDFIELD", "h", "x"}).str == "ERR value is not an integer or out of range");
  CHECK(h.Run({"HRANDFIELD", "h", "1", "foo"}).str == "ERR syntax error");
  CHECK(h.Run({"HRANDFIELD", "h", "1", "withvalues", "x"}).str == "ERR syntax error");
  r = h.Run({"HRANDFIELD", "h", "1", "WITHVALUES"});
  CHECK(Strings(r) == std::vector<std::string>{"a", "1"});
}

TEST_CASE("hashes: HRANDFIELD cases, both encodings") {
  for (bool big : {false, true}) {
    std::string enc_name = big ? "hashtable" : "listpack";
    INFO(enc_name);
    Harness h;
    h.Run({"CONFIG", "SET", "hash-max-listpack-value", "10"});
    std::map<std::string, std::string> contents;
    std::vector<std::string> args{"HSET", "h"};
    for (int i = 0; i < 10; i++) {
      std::string f = (i < 5 ? std::string(1, char('a' + i)) : std::to_string(i + 1));
      std::string v = (i < 5 ? std::to_string(i + 1) : std::string(1, char('a' + i)));
      if (big && i == 9) f = std::string(80, 'z');
      contents[f] = v;
      args.push_back(f);
      args.push_back(v);
    }
    h.Run(args);
    CHECK(Encoding(h, "h") == (big ? "hashtable" : "listpack"));

    // Single field: every field eventually.
    std::set<std::string> singles;
    for (int i = 0; i < 200; i++) singles.insert(h.Run({"HRANDFIELD", "h"}).str);
    CHECK(singles.size() == 10);

    // Negative count: repetitions, exact length, uniform.
    CHECK(h.Run({"HRANDFIELD", "h", "-20"}).elems.size() == 20);
    CHECK(h.Run({"HRANDFIELD", "h", "-1001"}).elems.size() == 1001);
    RespValue r = h.Run({"HRANDFIELD", "h", "-1001", "WITHVALUES"});
    REQUIRE(r.elems.size() == 2002);
    for (size_t i = 0; i < r.elems.size(); i += 2) {
      REQUIRE(contents.count(r.elems[i].str));
      CHECK(contents[r.elems[i].str] == r.elems[i + 1].str);
    }
    std::vector<std::string> many = Strings(h.Run({"HRANDFIELD", "h", "-1000"}));
    CHECK(ChiSquare(many) < 40);
    CHECK(std::set<std::string>(many.begin(), many.end()).size() == 10);

    // Count >= size: the whole hash.
    for (const char* n : {"10", "20"}) {
      std::vector<std::string> all = Strings(h.Run({"HRANDFIELD", "h", n}));
      CHECK(all.size() == 10);
      CHECK(std::set<std::string>(all.begin(), all.end()).size() == 10);
      r = h.Run({"HRANDFIELD", "h", n, "WITHVALUES"});
      CHECK(r.elems.size() == 20);
    }

    // Almost all (copy and remove) and few (random picks): distinct fields, all eventually,
    // evenly.
    for (int size : {8, 2}) {
      std::vector<std::string> picked;
      for (int it = 0; it < 1000 / size; it++) {
        if (it % 2) {
          std::vector<std::string> got = Strings(h.Run({"HRANDFIELD", "h", std::to_string(size)}));
          REQUIRE(got.size() == size_t(size));
          CHECK(std::set<std::string>(got.begin(), got.end()).size() == size_t(size));
          picked.insert(picked.end(), got.begin(), got.end());
        } else {
          r = h.Run({"HRANDFIELD", "h", std::to_string(size), "WITHVALUES"});
          REQUIRE(r.elems.size() == size_t(size) * 2);
          for (size_t i = 0; i < r.elems.size(); i += 2) {
            CHECK(contents[r.elems[i].str] == r.elems[i + 1].str);
            picked.push_back(r.elems[i].str);
          }
        }
      }
      CHECK(std::set<std::string>(picked.begin(), picked.end()).size() == 10);
      CHECK(ChiSquare(picked) < 40);
    }

    // RESP3: WITHVALUES pairs are two-element arrays.
    CHECK(h.Run({"HELLO", "3"}).type == RespValue::Type::kMap);
    for (const char* n : {"3", "-3", "10", "8", "1"}) {
      INFO(n);
      r = h.Run({"HRANDFIELD", "h", n, "WITHVALUES"});
      REQUIRE(r.elems.size() == size_t(std::abs(std::stoi(n))));
      for (const auto& pair : r.elems) {
        REQUIRE(pair.elems.size() == 2);
        CHECK(contents[pair.elems[0].str] == pair.elems[1].str);
      }
      r = h.Run({"HRANDFIELD", "h", n});
      CHECK(r.elems.size() == size_t(std::abs(std::stoi(n))));
      CHECK(r.elems[0].type == RespValue::Type::kBulk);
    }
    r = h.Run({"HGETALL", "h"});
    CHECK(r.type == RespValue::Type::kMap);
    CHECK(h.Run({"HGETALL", "nokey"}).type == RespValue::Type::kMap);
  }
}

TEST_CASE("hashes: COPY, MEMORY USAGE and keyspace interplay") {
  Harness h;
  Fill(h, "lp", 10);
  Fill(h, "ht", 1000);
  CHECK(h.Run({"COPY", "lp", "lp2"}).integer == 1);
  CHECK(h.Run({"COPY", "ht", "ht2"}).integer == 1);
  CHECK(Encoding(h, "lp2") == "listpack");
  CHECK(Encoding(h, "ht2") == "hashtable");
  h.Run({"DEL", "lp", "ht"});
  CHECK(h.Run({"HLEN", "lp2"}).integer == 10);
  CHECK(h.Run({"HLEN", "ht2"}).integer == 1000);
  CHECK(h.Run({"HGET", "ht2", "f999"}).str == "v999");
  RespValue small = h.Run({"MEMORY", "USAGE", "lp2"});
  RespValue large = h.Run({"MEMORY", "USAGE", "ht2"});
  if (!small.is_error()) {
    CHECK(small.integer > 0);
    CHECK(large.integer > small.integer * 10);
  }
  CHECK(h.Run({"TYPE", "ht2"}).str == "hash");
}
