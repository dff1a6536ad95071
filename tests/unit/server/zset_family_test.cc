// Sorted set family: every command on both encodings, the conversions between them and the
// error texts of Redis 7.0.15 (what tests/unit/type/zset.tcl checks).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "server/blocking.h"
#include "tests/unit/server/harness.h"

using ember::RespValue;
using ember::test::Harness;

namespace {

const std::string kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";

std::string Enc(Harness& h, const std::string& key) {
  return h.Run({"OBJECT", "ENCODING", key}).str;
}

std::vector<std::string> Strs(const RespValue& r) {
  std::vector<std::string> out;
  for (const auto& e : r.elems) out.push_back(e.str);
  return out;
}

using V = std::vector<std::string>;

// Sets the thresholds so new sorted sets get `encoding` (as the suite's "basics" proc).
void UseEncoding(Harness& h, const std::string& encoding) {
  if (encoding == "listpack") {
    h.Run({"CONFIG", "SET", "zset-max-ziplist-entries", "128"});
    h.Run({"CONFIG", "SET", "zset-max-ziplist-value", "64"});
  } else {
    h.Run({"CONFIG", "SET", "zset-max-ziplist-entries", "0"});
    h.Run({"CONFIG", "SET", "zset-max-ziplist-value", "0"});
  }
}

void CreateZset(Harness& h, const std::string& key, const V& items) {
  h.Run({"DEL", key});
  for (size_t i = 0; i + 1 < items.size(); i += 2) h.Run({"ZADD", key, items[i], items[i + 1]});
}

void CreateDefault(Harness& h) {
  CreateZset(h, "zset",
             {"-inf", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "+inf", "g"});
}

void CreateLex(Harness& h) {
  CreateZset(h, "zset",
             {"0", "alpha", "0", "bar", "0", "cool", "0", "down", "0", "elephant", "0", "foo", "0",
              "great", "0", "hill", "0", "omega"});
}

RespValue ParseOut(ember::Client* c) {
  RespValue v;
  size_t used = 0;
  if (c->out().empty()) {
    v.str = "<no reply>";
    return v;
  }
  REQUIRE(ember::ParseReply(c->out().data(), c->out().size(), &v, &used) == ember::ReplyParse::kOk);
  c->out().erase(0, used);
  return v;
}

}  // namespace

TEST_CASE("zset: basics on both encodings") {
  for (std::string enc : {"listpack", "skiplist"}) {
    CAPTURE(enc);
    Harness h;
    UseEncoding(h, enc);
    h.Run({"ZADD", "ztmp", "10", "x"});
    CHECK(Enc(h, "ztmp") == enc);

    // ZADD and score update.
    h.Run({"DEL", "ztmp"});
    h.Run({"ZADD", "ztmp", "10", "x"});
    h.Run({"ZADD", "ztmp", "20", "y"});
    h.Run({"ZADD", "ztmp", "30", "z"});
    CHECK(Strs(h.Run({"ZRANGE", "ztmp", "0", "-1"})) == V{"x", "y", "z"});
    h.Run({"ZADD", "ztmp", "1", "y"});
    CHECK(Strs(h.Run({"ZRANGE", "ztmp", "0", "-1"})) == V{"y", "x", "z"});

    // Errors.
    CHECK(h.Run({"ZADD", "myzset", "nan", "abc"}).str == "ERR value is not a valid float");
    CHECK(h.Run({"ZADD", "myzset", "", "abc"}).str == "ERR value is not a valid float");
    CHECK(h.Run({"ZADD", "ztmp", "xx", "10", "x", "20"}).str == "ERR syntax error");
    CHECK(h.Run({"ZADD", "ztmp", "xx", "10"}).str == "ERR syntax error");
    CHECK(h.Run({"ZADD", "ztmp", "xx", "nx", "10", "x"}).str ==
          "ERR XX and NX options at the same time are not compatible");
    for (V opts : {V{"gt", "nx"}, V{"lt", "nx"}, V{"lt", "gt"}}) {
      CHECK(h.Run({"ZADD", "ztmp", opts[0], opts[1], "10", "x"}).str ==
            "ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    CHECK(h.Run({"ZADD", "ztmp", "INCR", "15", "x", "10", "y"}).str ==
          "ERR INCR option supports a single increment-element pair");
    CHECK(h.Run({"ZINCRBY", "myzset", "10", "a", "20", "b"}).str ==
          "ERR wrong number of arguments for 'zincrby' command");
    h.Run({"DEL", "myzset"});
    CHECK(h.Run({"ZADD", "myzset", "10", "a", "20", "b", "30.badscore", "c"}).str ==
          "ERR value is not a valid float");
    CHECK(h.Run({"EXISTS", "myzset"}).integer == 0);

    // XX / NX / GT / LT / CH.
    h.Run({"DEL", "ztmp"});
    CHECK(h.Run({"ZADD", "ztmp", "xx", "10", "x"}).integer == 0);
    CHECK(h.Run({"TYPE", "ztmp"}).str == "none");
    CHECK(h.Run({"ZADD", "ztmp", "xx", "incr", "10", "x"}).is_null());
    h.Run({"ZADD", "ztmp", "10", "x", "20", "y", "30", "z"});
    CHECK(h.Run({"ZADD", "ztmp", "xx", "5", "foo", "11", "x", "21", "y", "40", "zap"}).integer ==
          0);
    CHECK(h.Run({"ZCARD", "ztmp"}).integer == 3);
    CHECK(h.Run({"ZSCORE", "ztmp", "x"}).str == "11");
    CHECK(
        h.Run({"ZADD", "ztmp", "gt", "ch", "5", "foo", "12", "x", "20", "y", "31", "z"}).integer ==
        3);
    CHECK(h.Run({"ZSCORE", "ztmp", "y"}).str == "21");
    CHECK(
        h.Run({"ZADD", "ztmp", "lt", "ch", "5", "foo", "11", "x", "21", "y", "32", "z"}).integer ==
        1);
    CHECK(h.Run({"ZSCORE", "ztmp", "x"}).str == "11");
    CHECK(h.Run({"ZADD", "ztmp", "nx", "100", "x", "7", "new"}).integer == 1);
    CHECK(h.Run({"ZSCORE", "ztmp", "x"}).str == "11");
    CHECK(h.Run({"ZADD", "ztmp", "ch", "12", "x", "21", "y", "31", "z"}).integer == 1);
    CHECK(h.Run({"ZADD", "ztmp", "12", "x", "21", "y", "31", "z"}).integer == 0);

    // INCR with GT/LT and infinities.
    h.Run({"DEL", "ztmp"});
    h.Run({"ZADD", "ztmp", "28", "x"});
    CHECK(h.Run({"ZADD", "ztmp", "lt", "incr", "1", "x"}).is_null());
    CHECK(h.Run({"ZADD", "ztmp", "gt", "incr", "-1", "x"}).is_null());
    CHECK(h.Run({"ZADD", "ztmp", "gt", "incr", "1", "x"}).str == "29");
    h.Run({"ZADD", "ztmp", "+inf", "x", "-inf", "y"});
    CHECK(h.Run({"ZADD", "ztmp", "lt", "incr", "1", "x"}).is_null());
    CHECK(h.Run({"ZADD", "ztmp", "gt", "incr", "1", "y"}).is_null());
    CHECK(h.Run({"ZSCORE", "ztmp", "x"}).str == "inf");
    CHECK(h.Run({"ZSCORE", "ztmp", "y"}).str == "-inf");
    h.Run({"ZINCRBY", "myzset", "+inf", "abc"});
    CHECK(h.Run({"ZINCRBY", "myzset", "-inf", "abc"}).str ==
          "ERR resulting score is not a number (NaN)");
    CHECK(h.Run({"ZSCORE", "myzset", "abc"}).str == "inf");

    // ZINCRBY.
    h.Run({"DEL", "zset"});
    CHECK(h.Run({"ZINCRBY", "zset", "1", "foo"}).str == "1");
    h.Run({"ZINCRBY", "zset", "2", "foo"});
    h.Run({"ZINCRBY", "zset", "1", "bar"});
    CHECK(Strs(h.Run({"ZRANGE", "zset", "0", "-1"})) == V{"bar", "foo"});
    h.Run({"ZINCRBY", "zset", "10", "bar"});
    h.Run({"ZINCRBY", "zset", "-5", "foo"});
    h.Run({"ZINCRBY", "zset", "-5", "bar"});
    CHECK(Strs(h.Run({"ZRANGE", "zset", "0", "-1"})) == V{"foo", "bar"});
    CHECK(h.Run({"ZSCORE", "zset", "foo"}).str == "-2");
    CHECK(h.Run({"ZSCORE", "zset", "bar"}).str == "6");
    CHECK(h.Run({"ZINCRBY", "zset", "0.5", "bar"}).str == "6.5");

    // Variadic return values.
    h.Run({"DEL", "myzset"});
    CHECK(h.Run({"ZADD", "myzset", "10", "a", "20", "b", "30", "c"}).integer == 3);
    CHECK(h.Run({"ZADD", "myzset", "5", "x", "20", "b", "30", "c"}).integer == 1);
    CHECK(Strs(h.Run({"ZRANGE", "myzset", "0", "-1", "withscores"})) ==
          V{"x", "5", "a", "10", "b", "20", "c", "30"});

    // ZREM.
    h.Run({"DEL", "ztmp"});
    h.Run({"ZADD", "ztmp", "10", "a", "20", "b", "30", "c"});
    CHECK(h.Run({"ZREM", "ztmp", "x", "y", "a", "b", "k"}).integer == 2);
    CHECK(h.Run({"ZREM", "ztmp", "foo", "bar"}).integer == 0);
    CHECK(h.Run({"ZREM", "ztmp", "c", "d"}).integer == 1);
    CHECK(h.Run({"EXISTS", "ztmp"}).integer == 0);
    CHECK(h.Run({"ZREM", "ztmp", "c"}).integer == 0);
    CHECK(h.Run({"ZCARD", "zdoesntexist"}).integer == 0);

    // ZRANGE / ZREVRANGE by rank.
    CreateZset(h, "ztmp", {"1", "a", "2", "b", "3", "c", "4", "d"});
    CHECK(Strs(h.Run({"ZRANGE", "ztmp", "0", "-2"})) == V{"a", "b", "c"});
    CHECK(Strs(h.Run({"ZRANGE", "ztmp", "1", "-1"})) == V{"b", "c", "d"});
    CHECK(Strs(h.Run({"ZRANGE", "ztmp", "-2", "-2"})) == V{"c"});
    CHECK(Strs(h.Run({"ZRANGE", "ztmp", "-5", "1"})) == V{"a", "b"});
    CHECK(Strs(h.Run({"ZRANGE", "ztmp", "5", "-1"})).empty());
    CHECK(Strs(h.Run({"ZRANGE", "ztmp", "1", "5"})) == V{"b", "c", "d"});
    CHECK(Strs(h.Run({"ZRANGE", "ztmp", "0", "-5"})).empty());
    CHECK(Strs(h.Run({"ZREVRANGE", "ztmp", "0", "-1"})) == V{"d", "c", "b", "a"});
    CHECK(Strs(h.Run({"ZREVRANGE", "ztmp", "1", "-2"})) == V{"c", "b"});
    CHECK(Strs(h.Run({"ZREVRANGE", "ztmp", "-5", "1"})) == V{"d", "c"});
    CHECK(Strs(h.Run({"ZREVRANGE", "ztmp", "0", "-1", "withscores"})) ==
          V{"d", "4", "c", "3", "b", "2", "a", "1"});
    CHECK(Strs(h.Run({"ZRANGE", "ztmp", "0", "2", "rev"})) == V{"d", "c", "b"});
    CHECK(Strs(h.Run({"ZRANGE", "ztmp", "2", "0", "rev"})).empty());
    CHECK(Strs(h.Run({"ZRANGE", "nokey", "0", "-1"})).empty());
    CHECK(h.Run({"ZRANGE", "nokey", "0", "-1"}).is_array());

    // ZRANK / ZREVRANK.
    CreateZset(h, "zranktmp", {"10", "x", "20", "y", "30", "z"});
    CHECK(h.Run({"ZRANK", "zranktmp", "x"}).integer == 0);
    CHECK(h.Run({"ZRANK", "zranktmp", "z"}).integer == 2);
    CHECK(h.Run({"ZRANK", "zranktmp", "foo"}).is_null());
    CHECK(h.Run({"ZREVRANK", "zranktmp", "x"}).integer == 2);
    CHECK(h.Run({"ZREVRANK", "zranktmp", "z"}).integer == 0);
    CHECK(h.Run({"ZREVRANK", "nokey", "z"}).is_null());
    h.Run({"ZREM", "zranktmp", "y"});
    CHECK(h.Run({"ZRANK", "zranktmp", "z"}).integer == 1);

    // ZRANGEBYSCORE / ZREVRANGEBYSCORE / ZCOUNT.
    CreateDefault(h);
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "-inf", "2"})) == V{"a", "b", "c"});
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "4", "+inf"})) == V{"e", "f", "g"});
    CHECK(Strs(h.Run({"ZREVRANGEBYSCORE", "zset", "6", "3"})) == V{"f", "e", "d"});
    CHECK(Strs(h.Run({"ZREVRANGEBYSCORE", "zset", "+inf", "4"})) == V{"g", "f", "e"});
    CHECK(h.Run({"ZCOUNT", "zset", "0", "3"}).integer == 3);
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "(-inf", "(2"})) == V{"b"});
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "(4", "(+inf"})) == V{"f"});
    CHECK(Strs(h.Run({"ZREVRANGEBYSCORE", "zset", "(+inf", "(4"})) == V{"f"});
    CHECK(Strs(h.Run({"ZREVRANGEBYSCORE", "zset", "(3", "(0"})) == V{"c", "b"});
    CHECK(h.Run({"ZCOUNT", "zset", "(0", "(3"}).integer == 2);
    CHECK(h.Run({"ZCOUNT", "zset", "-inf", "+inf"}).integer == 7);
    CHECK(h.Run({"ZCOUNT", "nokey", "-inf", "+inf"}).integer == 0);
    h.Run({"ZREM", "zset", "a", "g"});
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "4", "2"})).empty());
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "6", "+inf"})).empty());
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "2", "(2"})).empty());
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "(2.4", "(2.6"})).empty());
    CHECK(Strs(h.Run({"ZREVRANGEBYSCORE", "zset", "-6", "-inf"})).empty());
    CreateDefault(h);
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "0", "3", "withscores"})) ==
          V{"b", "1", "c", "2", "d", "3"});
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "0", "10", "LIMIT", "2", "3"})) == V{"d", "e", "f"});
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "0", "10", "LIMIT", "2", "10"})) ==
          V{"d", "e", "f"});
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "0", "10", "LIMIT", "20", "10"})).empty());
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "0", "10", "LIMIT", "-1", "10"})).empty());
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "0", "10", "LIMIT", "1", "-1"})) ==
          V{"c", "d", "e", "f"});
    CHECK(Strs(h.Run({"ZREVRANGEBYSCORE", "zset", "10", "0", "LIMIT", "2", "3"})) ==
          V{"d", "c", "b"});
    CHECK(Strs(h.Run({"ZRANGEBYSCORE", "zset", "2", "5", "LIMIT", "2", "3", "WITHSCORES"})) ==
          V{"e", "4", "f", "5"});
    CHECK(Strs(h.Run({"ZREVRANGEBYSCORE", "zset", "5", "2", "LIMIT", "2", "3", "WITHSCORES"})) ==
          V{"d", "3", "c", "2"});
    for (V bad : {V{"str", "1"}, V{"1", "str"}, V{"1", "NaN"}}) {
      CHECK(h.Run({"ZRANGEBYSCORE", "fooz", bad[0], bad[1]}).str ==
            "ERR min or max is not a float");
      CHECK(h.Run({"ZREMRANGEBYSCORE", "fooz", bad[0], bad[1]}).str ==
            "ERR min or max is not a float");
      CHECK(h.Run({"ZCOUNT", "fooz", bad[0], bad[1]}).str == "ERR min or max is not a float");
    }

    // Lex ranges.
    CreateLex(h);
    CHECK(Strs(h.Run({"ZRANGEBYLEX", "zset", "-", "[cool"})) == V{"alpha", "bar", "cool"});
    CHECK(Strs(h.Run({"ZRANGEBYLEX", "zset", "[bar", "[down"})) == V{"bar", "cool", "down"});
    CHECK(Strs(h.Run({"ZRANGEBYLEX", "zset", "[g", "+"})) == V{"great", "hill", "omega"});
    CHECK(Strs(h.Run({"ZREVRANGEBYLEX", "zset", "[cool", "-"})) == V{"cool", "bar", "alpha"});
    CHECK(Strs(h.Run({"ZREVRANGEBYLEX", "zset", "+", "[d"})) ==
          V{"omega", "hill", "great", "foo", "elephant", "down"});
    CHECK(h.Run({"ZLEXCOUNT", "zset", "[ele", "[h"}).integer == 3);
    CHECK(Strs(h.Run({"ZRANGEBYLEX", "zset", "(bar", "(down"})) == V{"cool"});
    CHECK(Strs(h.Run({"ZREVRANGEBYLEX", "zset", "+", "(great"})) == V{"omega", "hill"});
    CHECK(h.Run({"ZLEXCOUNT", "zset", "(ele", "(great"}).integer == 2);
    CHECK(Strs(h.Run({"ZRANGEBYLEX", "zset", "(az", "(b"})).empty());
    CHECK(Strs(h.Run({"ZRANGEBYLEX", "zset", "(z", "+"})).empty());
    CHECK(Strs(h.Run({"ZRANGEBYLEX", "zset", "-", "[aaaa"})).empty());
    CHECK(Strs(h.Run({"ZREVRANGEBYLEX", "zset", "[elez", "[elex"})).empty());
    CHECK(Strs(h.Run({"ZREVRANGEBYLEX", "zset", "(hill", "(omega"})).empty());
    CHECK(h.Run({"ZLEXCOUNT", "zset", "-", "+"}).integer == 9);
    CHECK(h.Run({"ZLEXCOUNT", "zset", "+", "-"}).integer == 0);
    CHECK(h.Run({"ZLEXCOUNT", "zset", "+", "[c"}).integer == 0);
    CHECK(h.Run({"ZLEXCOUNT", "zset", "[c", "-"}).integer == 0);
    CHECK(h.Run({"ZLEXCOUNT", "zset", "[bar", "+"}).integer == 8);
    CHECK(h.Run({"ZLEXCOUNT", "zset", "[bar", "(foo"}).integer == 4);
    CHECK(h.Run({"ZLEXCOUNT", "zset", "(bar", "(foo"}).integer == 3);
    CHECK(h.Run({"ZLEXCOUNT", "zset", "-", "(foo"}).integer == 5);
    CHECK(h.Run({"ZLEXCOUNT", "zset", "(maxstring", "+"}).integer == 1);
    CHECK(Strs(h.Run({"ZRANGEBYLEX", "zset", "-", "[cool", "LIMIT", "1", "2"})) ==
          V{"bar", "cool"});
    CHECK(Strs(h.Run({"ZRANGEBYLEX", "zset", "[bar", "[down", "LIMIT", "0", "0"})).empty());
    CHECK(Strs(h.Run({"ZRANGEBYLEX", "zset", "[bar", "[down", "LIMIT", "1", "1"})) == V{"cool"});
    CHECK(Strs(h.Run({"ZREVRANGEBYLEX", "zset", "+", "[d", "LIMIT", "0", "4"})) ==
          V{"omega", "hill", "great", "foo"});
    for (V bad :
         {V{"foo", "bar"}, V{"[foo", "bar"}, V{"foo", "[bar"}, V{"+x", "[bar"}, V{"-x", "[bar"}}) {
      CHECK(h.Run({"ZRANGEBYLEX", "fooz", bad[0], bad[1]}).str ==
            "ERR min or max not valid string range item");
    }
    CHECK(h.Run({"ZLEXCOUNT", "fooz", "a", "b"}).str ==
          "ERR min or max not valid string range item");

    // ZREMRANGEBYSCORE / BYRANK / BYLEX.
    auto remscore = [&](const std::string& min, const std::string& max) {
      CreateZset(h, "zset", {"1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
      return h.Run({"ZREMRANGEBYSCORE", "zset", min, max}).integer;
    };
    CHECK(remscore("2", "4") == 3);
    CHECK(Strs(h.Run({"ZRANGE", "zset", "0", "-1"})) == V{"a", "e"});
    CHECK(remscore("-10", "1") == 1);
    CHECK(remscore("4", "2") == 0);
    CHECK(remscore("(1", "5") == 4);
    CHECK(Strs(h.Run({"ZRANGE", "zset", "0", "-1"})) == V{"a"});
    CHECK(remscore("1", "(5") == 4);
    CHECK(remscore("(1", "(5") == 3);
    CHECK(Strs(h.Run({"ZRANGE", "zset", "0", "-1"})) == V{"a", "e"});
    CHECK(remscore("1", "5") == 5);
    CHECK(h.Run({"EXISTS", "zset"}).integer == 0);
    auto remrank = [&](const std::string& min, const std::string& max) {
      CreateZset(h, "zset", {"1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
      return h.Run({"ZREMRANGEBYRANK", "zset", min, max}).integer;
    };
    CHECK(remrank("1", "3") == 3);
    CHECK(Strs(h.Run({"ZRANGE", "zset", "0", "-1"})) == V{"a", "e"});
    CHECK(remrank("-10", "0") == 1);
    CHECK(remrank("10", "-1") == 0);
    CHECK(remrank("0", "-10") == 0);
    CHECK(remrank("0", "10") == 5);
    CHECK(h.Run({"EXISTS", "zset"}).integer == 0);
    CHECK(h.Run({"ZREMRANGEBYRANK", "zset", "a", "1"}).str ==
          "ERR value is not an integer or out of range");
    CreateLex(h);
    CHECK(h.Run({"ZREMRANGEBYLEX", "zset", "[bar", "(foo"}).integer == 4);
    CHECK(Strs(h.Run({"ZRANGE", "zset", "0", "-1"})) ==
          V{"alpha", "foo", "great", "hill", "omega"});
    CHECK(h.Run({"ZREMRANGEBYLEX", "zset", "-", "+"}).integer == 5);
    CHECK(h.Run({"EXISTS", "zset"}).integer == 0);
    CHECK(Enc(h, "ztmp") == enc);
  }
}

TEST_CASE("zset: ZRANGE options and ZRANGESTORE") {
  for (std::string enc : {"listpack", "skiplist"}) {
    CAPTURE(enc);
    Harness h;
    UseEncoding(h, enc);
    h.Run({"ZADD", "z1", "1", "a", "2", "b", "3", "c", "4", "d"});
    CHECK(h.Run({"ZRANGESTORE", "z2", "z1", "0", "-1"}).integer == 4);
    CHECK(Strs(h.Run({"ZRANGE", "z2", "0", "-1", "withscores"})) ==
          V{"a", "1", "b", "2", "c", "3", "d", "4"});
    CHECK(h.Run({"ZRANGESTORE", "z2", "z1", "1", "2"}).integer == 2);
    CHECK(Strs(h.Run({"ZRANGE", "z2", "0", "-1"})) == V{"b", "c"});
    CHECK(h.Run({"ZRANGESTORE", "z2", "z1", "[b", "[c", "BYLEX"}).integer == 2);
    CHECK(h.Run({"ZRANGESTORE", "z2", "z1", "1", "2", "BYSCORE"}).integer == 2);
    CHECK(Strs(h.Run({"ZRANGE", "z2", "0", "-1", "withscores"})) == V{"a", "1", "b", "2"});
    CHECK(
        h.Run({"ZRANGESTORE", "z2", "z1", "5", "0", "BYSCORE", "REV", "LIMIT", "0", "2"}).integer ==
        2);
    CHECK(Strs(h.Run({"ZRANGE", "z2", "0", "-1", "withscores"})) == V{"c", "3", "d", "4"});
    CHECK(Strs(h.Run({"ZRANGE", "z1", "5", "0", "BYSCORE", "REV", "LIMIT", "0", "2",
                      "WITHSCORES"})) == V{"d", "4", "c", "3"});
    CHECK(Strs(h.Run({"ZRANGE", "z1", "[b", "[c", "BYLEX"})) == V{"b", "c"});
    CHECK(Strs(h.Run({"ZRANGE", "z1", "[c", "[b", "BYLEX", "REV"})) == V{"c", "b"});
    // Missing source, empty ranges: the destination is deleted.
    h.Run({"SET", "str", "x"});
    CHECK(h.Run({"ZRANGESTORE", "z2", "missing", "0", "-1"}).integer == 0);
    CHECK(h.Run({"EXISTS", "z2"}).integer == 0);
    h.Run({"ZADD", "z2", "1", "a"});
    CHECK(h.Run({"ZRANGESTORE", "z2", "str", "0", "-1"}).str == kWrongType);
    CHECK(Strs(h.Run({"ZRANGE", "z2", "0", "-1"})) == V{"a"});
    CHECK(h.Run({"ZRANGESTORE", "z2", "z1", "5", "6"}).integer == 0);
    CHECK(h.Run({"EXISTS", "z2"}).integer == 0);
    h.Run({"ZADD", "z2", "1", "a"});
    CHECK(h.Run({"ZRANGESTORE", "z2", "z1", "[f", "[g", "BYLEX"}).integer == 0);
    CHECK(h.Run({"EXISTS", "z2"}).integer == 0);
    CHECK(h.Run({"ZRANGESTORE", "z2", "z1", "5", "6", "BYSCORE"}).integer == 0);
    // A TTL on the destination is dropped; the source can be the destination.
    h.Run({"ZADD", "z3", "9", "x"});
    h.Run({"EXPIRE", "z3", "100"});
    CHECK(h.Run({"ZRANGESTORE", "z3", "z1", "0", "0"}).integer == 1);
    CHECK(h.Run({"TTL", "z3"}).integer == -1);
    CHECK(h.Run({"ZRANGESTORE", "z1", "z1", "1", "-1"}).integer == 3);
    CHECK(Strs(h.Run({"ZRANGE", "z1", "0", "-1"})) == V{"b", "c", "d"});
    h.Run({"ZADD", "z1", "1", "a"});

    // Syntax errors.
    CHECK(h.Run({"ZRANGESTORE", "z2", "z1", "0", "-1", "limit", "1", "2"}).str ==
          "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
          "BYLEX");
    CHECK(h.Run({"ZRANGESTORE", "z2", "z1", "0", "-1", "WITHSCORES"}).str == "ERR syntax error");
    CHECK(h.Run({"ZRANGE", "z1", "0", "-1", "limit", "1", "2"}).str ==
          "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
          "BYLEX");
    CHECK(h.Run({"ZRANGE", "z1", "0", "-1", "BYLEX", "WITHSCORES"}).str ==
          "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    CHECK(h.Run({"ZRANGEBYLEX", "z1", "-", "+", "WITHSCORES"}).str ==
          "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    CHECK(h.Run({"ZREVRANGE", "z1", "0", "-1", "BYSCORE"}).str == "ERR syntax error");
    CHECK(h.Run({"ZRANGEBYSCORE", "z1", "0", "-1", "REV"}).str == "ERR syntax error");
    CHECK(h.Run({"ZRANGE", "z1", "0", "-1", "BYSCORE", "BYLEX"}).str == "ERR syntax error");
    CHECK(h.Run({"ZRANGE", "z1", "0", "-1", "LIMIT", "1"}).str == "ERR syntax error");
    CHECK(h.Run({"ZRANGE", "z1", "0", "-1", "LIMIT", "x", "1"}).str ==
          "ERR value is not an integer or out of range");
    CHECK(h.Run({"ZRANGE", "z1", "a", "-1"}).str == "ERR value is not an integer or out of range");
    CHECK(h.Run({"ZRANGE", "str", "0", "-1"}).str == kWrongType);

    // RESP3: pairs are nested and scores are doubles.
    h.Run({"HELLO", "3"});
    RespValue r = h.Run({"ZRANGE", "z1", "0", "1", "withscores"});
    REQUIRE(r.elems.size() == 2);
    REQUIRE(r.elems[0].elems.size() == 2);
    CHECK(r.elems[0].elems[0].str == "a");
    CHECK(r.elems[0].elems[1].type == RespValue::Type::kDouble);
    CHECK(r.elems[0].elems[1].str == "1");
    r = h.Run({"ZRANGEBYSCORE", "z1", "-inf", "+inf", "withscores", "limit", "0", "1"});
    REQUIRE(r.elems.size() == 1);
    CHECK(r.elems[0].elems.size() == 2);
    CHECK(h.Run({"ZSCORE", "z1", "a"}).type == RespValue::Type::kDouble);
    CHECK(h.Run({"ZSCORE", "z1", "nope"}).is_null());
  }
}

TEST_CASE("zset: ZRANGESTORE destination encoding") {
  Harness h;
  h.Run({"CONFIG", "SET", "zset-max-listpack-entries", "0"});
  h.Run({"ZADD", "z1", "1", "a"});
  CHECK(h.Run({"ZRANGESTORE", "z2", "z1", "0", "-1"}).integer == 1);
  CHECK(Enc(h, "z2") == "skiplist");
  CHECK(h.Run({"ZRANGESTORE", "z3", "z1", "-inf", "+inf", "BYSCORE"}).integer == 1);
  CHECK(Enc(h, "z3") == "skiplist");
  h.Run({"CONFIG", "SET", "zset-max-listpack-entries", "1"});
  h.Run({"DEL", "z1", "z2", "z3"});
  h.Run({"ZADD", "z1", "1", "a", "2", "b"});
  CHECK(Enc(h, "z1") == "skiplist");
  CHECK(h.Run({"ZRANGESTORE", "z2", "z1", "0", "0"}).integer == 1);
  CHECK(Enc(h, "z2") == "listpack");
  CHECK(h.Run({"ZRANGESTORE", "z3", "z1", "0", "1"}).integer == 2);
  CHECK(Enc(h, "z3") == "skiplist");
  // Long members also make a skiplist.
  h.Run({"CONFIG", "SET", "zset-max-listpack-entries", "128"});
  h.Run({"ZADD", "z4", "1", std::string(65, 'x')});
  CHECK(Enc(h, "z4") == "skiplist");
  CHECK(h.Run({"ZRANGESTORE", "z5", "z4", "0", "-1"}).integer == 1);
  CHECK(Enc(h, "z5") == "skiplist");
}

TEST_CASE("zset: encoding conversions and CONFIG SET thresholds") {
  Harness h;
  // Entries: the 129th member converts.
  for (int i = 0; i < 128; i++) h.Run({"ZADD", "z", std::to_string(i), "m" + std::to_string(i)});
  CHECK(Enc(h, "z") == "listpack");
  h.Run({"ZADD", "z", "1000", "one-more"});
  CHECK(Enc(h, "z") == "skiplist");
  CHECK(h.Run({"ZCARD", "z"}).integer == 129);
  CHECK(h.Run({"ZRANK", "z", "one-more"}).integer == 128);
  // Removing never converts back.
  h.Run({"ZREMRANGEBYRANK", "z", "0", "-2"});
  CHECK(Enc(h, "z") == "skiplist");
  // Value length: 64 bytes stays, 65 converts; at creation too.
  h.Run({"ZADD", "v", "1", std::string(64, 'a')});
  CHECK(Enc(h, "v") == "listpack");
  h.Run({"ZADD", "v", "1", std::string(65, 'a')});
  CHECK(Enc(h, "v") == "skiplist");
  h.Run({"ZADD", "v2", "1", std::string(65, 'a')});
  CHECK(Enc(h, "v2") == "skiplist");
  // Only the first member decides at creation; later ones convert as they come.
  h.Run({"ZADD", "v3", "1", "short", "2", std::string(65, 'a')});
  CHECK(Enc(h, "v3") == "skiplist");
  CHECK(h.Run({"ZCARD", "v3"}).integer == 2);
  // CONFIG SET applies to the next write.
  h.Run({"ZADD", "c", "1", "a", "2", "b", "3", "c"});
  CHECK(Enc(h, "c") == "listpack");
  CHECK(h.Run({"CONFIG", "SET", "zset-max-listpack-entries", "3"}).str == "OK");
  h.Run({"ZADD", "c", "5", "b"});  // an update does not convert
  CHECK(Enc(h, "c") == "listpack");
  h.Run({"ZADD", "c", "4", "d"});
  CHECK(Enc(h, "c") == "skiplist");
  CHECK(Strs(h.Run({"ZRANGE", "c", "0", "-1"})) == V{"a", "c", "d", "b"});
  CHECK(h.Run({"CONFIG", "SET", "zset-max-listpack-value", "2"}).str == "OK");
  h.Run({"ZADD", "d", "1", "ab"});
  CHECK(Enc(h, "d") == "listpack");
  h.Run({"ZADD", "d", "1", "abc"});
  CHECK(Enc(h, "d") == "skiplist");
  CHECK(h.Run({"CONFIG", "GET", "zset-max-ziplist-value"}).elems.at(1).str == "2");
  // ZINCRBY adds like ZADD.
  h.Run({"CONFIG", "SET", "zset-max-listpack-entries", "1"});
  h.Run({"ZINCRBY", "i", "1", "a"});
  CHECK(Enc(h, "i") == "listpack");
  h.Run({"ZINCRBY", "i", "1", "b"});
  CHECK(Enc(h, "i") == "skiplist");
  CHECK(Strs(h.Run({"ZRANGE", "i", "0", "-1", "WITHSCORES"})) == V{"a", "1", "b", "1"});
}

TEST_CASE("zset: score formatting") {
  for (std::string enc : {"listpack", "skiplist"}) {
    CAPTURE(enc);
    Harness h;
    UseEncoding(h, enc);
    h.Run({"ZADD", "z", "0.1", "a", "1e20", "b", "-0", "c", "3.0", "d", "1.5e-300", "e"});
    CHECK(h.Run({"ZSCORE", "z", "a"}).str == "0.10000000000000001");
    CHECK(h.Run({"ZSCORE", "z", "b"}).str == "1e+20");
    CHECK(h.Run({"ZSCORE", "z", "d"}).str == "3");
    CHECK(h.Run({"ZSCORE", "z", "e"}).str == "1.5000000000000001e-300");
    // -0 is stored as the integer 0 in a listpack; a skiplist keeps the sign.
    CHECK(h.Run({"ZSCORE", "z", "c"}).str == (enc == "listpack" ? "0" : "-0"));
    std::string dblmax =
        "17976931348623157081452742373170435679807056752584499659891747680315726078002853"
        "87605895586327668781715404589535143824642343213268894641827684675467035375169860"
        "49910576551282076245490090389328944075868508455133942304583236903222948165808559"
        "332123348274797826204144723168738177180919299881250404026184124858368.0000000000"
        "0000000";
    h.Run({"ZADD", "dbl", dblmax, "dblmax"});
    CHECK(h.Run({"ZSCORE", "dbl", "dblmax"}).str == "1.7976931348623157e+308");
    CHECK(Strs(h.Run({"ZMSCORE", "z", "a", "nope", "d"})) == V{"0.10000000000000001", "", "3"});
    CHECK(h.Run({"ZMSCORE", "z", "a", "nope"}).elems[1].is_null());
    CHECK(h.Run({"ZMSCORE", "nokey", "a"}).elems[0].is_null());
    CHECK(h.Run({"ZMSCORE", "z"}).str == "ERR wrong number of arguments for 'zmscore' command");
  }
}

TEST_CASE("zset: set algebra") {
  for (std::string enc : {"listpack", "skiplist"}) {
    CAPTURE(enc);
    Harness h;
    UseEncoding(h, enc);
    CHECK(h.Run({"ZUNIONSTORE", "dst_key", "1", "zseta"}).integer == 0);
    CHECK(h.Run({"EXISTS", "dst_key"}).integer == 0);
    CHECK(Strs(h.Run({"ZUNION", "1", "zseta"})).empty());
    CHECK(Strs(h.Run({"ZINTER", "1", "zseta"})).empty());
    CHECK(h.Run({"ZINTERCARD", "1", "zseta"}).integer == 0);
    CHECK(h.Run({"ZINTERCARD", "1", "zseta", "limit", "0"}).integer == 0);
    CHECK(Strs(h.Run({"ZDIFF", "1", "zseta"})).empty());

    h.Run({"ZADD", "zseta", "1", "a", "2", "b"});
    h.Run({"ZUNIONSTORE", "zsetc", "2", "zseta", "zsetb"});
    CHECK(Strs(h.Run({"ZRANGE", "zsetc", "0", "-1", "withscores"})) == V{"a", "1", "b", "2"});
    CHECK(Strs(h.Run({"ZUNION", "2", "zseta", "zsetb", "withscores"})) == V{"a", "1", "b", "2"});
    CHECK(Strs(h.Run({"ZINTER", "2", "zseta", "zsetb", "withscores"})).empty());
    CHECK(h.Run({"ZINTERCARD", "2", "zseta", "zsetb"}).integer == 0);
    CHECK(Strs(h.Run({"ZDIFF", "2", "zseta", "zsetb", "withscores"})) == V{"a", "1", "b", "2"});

    h.Run({"DEL", "zseta", "zsetb", "zsetc"});
    h.Run({"ZADD", "zseta", "1", "a", "2", "b", "3", "c"});
    h.Run({"ZADD", "zsetb", "1", "b", "2", "c", "3", "d"});
    CHECK(h.Run({"ZUNIONSTORE", "zsetc", "2", "zseta", "zsetb"}).integer == 4);
    CHECK(Strs(h.Run({"ZRANGE", "zsetc", "0", "-1", "withscores"})) ==
          V{"a", "1", "b", "3", "d", "3", "c", "5"});
    CHECK(Enc(h, "zsetc") == enc);

    h.Run({"ZADD", "zsetd", "1", "1", "2", "2", "3", "3"});
    h.Run({"ZADD", "zsetf", "1", "1", "3", "3", "4", "4"});
    CHECK(Strs(h.Run({"ZUNION", "2", "zsetd", "zsetf", "withscores"})) ==
          V{"1", "2", "2", "2", "4", "4", "3", "6"});
    CHECK(Strs(h.Run({"ZINTER", "2", "zsetd", "zsetf", "withscores"})) == V{"1", "2", "3", "6"});
    CHECK(h.Run({"ZINTERCARD", "2", "zsetd", "zsetf"}).integer == 2);
    CHECK(Strs(h.Run({"ZDIFF", "2", "zsetd", "zsetf", "withscores"})) == V{"2", "2"});

    CHECK(h.Run({"ZUNIONSTORE", "zsetc", "2", "zseta", "zsetb", "weights", "2", "3"}).integer == 4);
    CHECK(Strs(h.Run({"ZRANGE", "zsetc", "0", "-1", "withscores"})) ==
          V{"a", "2", "b", "7", "d", "9", "c", "12"});
    CHECK(Strs(h.Run({"ZINTER", "2", "zseta", "zsetb", "weights", "2", "3", "withscores"})) ==
          V{"b", "7", "c", "12"});
    h.Run({"SADD", "seta", "a", "b", "c"});
    CHECK(h.Run({"ZUNIONSTORE", "zsetc", "2", "seta", "zsetb", "weights", "2", "3"}).integer == 4);
    CHECK(Strs(h.Run({"ZRANGE", "zsetc", "0", "-1", "withscores"})) ==
          V{"a", "2", "b", "5", "c", "8", "d", "9"});
    CHECK(h.Run({"ZINTERSTORE", "zsetc", "2", "seta", "zsetb", "weights", "2", "3"}).integer == 2);
    CHECK(Strs(h.Run({"ZRANGE", "zsetc", "0", "-1", "withscores"})) == V{"b", "5", "c", "8"});
    CHECK(h.Run({"ZDIFFSTORE", "zsetc", "2", "seta", "zsetb"}).integer == 1);
    CHECK(Strs(h.Run({"ZRANGE", "zsetc", "0", "-1", "withscores"})) == V{"a", "1"});
    CHECK(Strs(h.Run({"ZUNION", "2", "zseta", "zsetb", "aggregate", "min", "withscores"})) ==
          V{"a", "1", "b", "1", "c", "2", "d", "3"});
    CHECK(Strs(h.Run({"ZUNION", "2", "zseta", "zsetb", "aggregate", "max", "withscores"})) ==
          V{"a", "1", "b", "2", "c", "3", "d", "3"});
    CHECK(Strs(h.Run({"ZINTER", "2", "zseta", "zsetb", "aggregate", "min", "withscores"})) ==
          V{"b", "1", "c", "2"});
    CHECK(h.Run({"ZINTERSTORE", "zsetc", "2", "zseta", "zsetb", "aggregate", "max"}).integer == 2);
    CHECK(Strs(h.Run({"ZRANGE", "zsetc", "0", "-1", "withscores"})) == V{"b", "2", "c", "3"});
    CHECK(h.Run({"ZINTERCARD", "2", "zseta", "zsetb", "limit", "1"}).integer == 1);
    CHECK(h.Run({"ZINTERCARD", "2", "zseta", "zsetb", "limit", "10"}).integer == 2);

    // Infinities: inf + -inf is 0.
    h.Run({"ZADD", "inf1", "+inf", "key"});
    h.Run({"ZADD", "inf2", "-inf", "key"});
    h.Run({"ZUNIONSTORE", "inf3", "2", "inf1", "inf2"});
    CHECK(h.Run({"ZSCORE", "inf3", "key"}).str == "0");
    h.Run({"ZINTERSTORE", "inf3", "2", "inf1", "inf1"});
    CHECK(h.Run({"ZSCORE", "inf3", "key"}).str == "inf");
    CHECK(h.Run({"ZUNIONSTORE", "inf3", "2", "inf1", "inf2", "weights", "nan", "nan"}).str ==
          "ERR weight value is not a float");
    h.Run({"ZADD", "neg", "-inf", "neginf"});
    h.Run({"ZUNIONSTORE", "out", "1", "neg", "weights", "0"});
    CHECK(Strs(h.Run({"ZRANGE", "out", "0", "-1", "withscores"})) == V{"neginf", "0"});

    // Diff: subtracting a set from itself, both algorithms.
    CHECK(h.Run({"ZDIFFSTORE", "zsetc", "2", "zseta", "zseta"}).integer == 0);
    CHECK(h.Run({"EXISTS", "zsetc"}).integer == 0);
    h.Run({"DEL", "zseta", "zsetb", "zsetc", "zsetd", "zsete"});
    h.Run({"ZADD", "zseta", "1", "a", "2", "b", "3", "c", "5", "e"});
    h.Run({"ZADD", "zsetb", "1", "b"});
    h.Run({"ZADD", "zsetc", "1", "c"});
    h.Run({"ZADD", "zsetd", "1", "d"});
    CHECK(h.Run({"ZDIFFSTORE", "zsete", "4", "zseta", "zsetb", "zsetc", "zsetd"}).integer == 2);
    CHECK(Strs(h.Run({"ZRANGE", "zsete", "0", "-1", "withscores"})) == V{"a", "1", "e", "5"});

    // Mixed sets and sorted sets.
    h.Run({"SADD", "set1", "a"});
    h.Run({"SADD", "set2", "10"});
    CHECK(h.Run({"ZINTERSTORE", "set3", "2", "set1", "set2"}).integer == 0);
    h.Run({"SADD", "one", "100", "101", "102", "103"});
    h.Run({"SADD", "two", "100", "200", "201", "202"});
    h.Run({"ZADD", "three", "1", "500", "1", "501", "1", "502", "1", "503", "1", "100"});
    h.Run({"ZINTERSTORE", "to_here", "3", "one", "two", "three", "WEIGHTS", "0", "0", "1"});
    CHECK(Strs(h.Run({"ZRANGE", "to_here", "0", "-1"})) == V{"100"});

    // Errors.
    h.Run({"SET", "str", "x"});
    CHECK(h.Run({"ZUNION", "2", "zseta", "str"}).str == kWrongType);
    CHECK(h.Run({"ZUNIONSTORE", "foo", "2", "zsetd", "zsetf", "withscores"}).str ==
          "ERR syntax error");
    CHECK(h.Run({"ZINTERSTORE", "foo", "2", "zsetd", "zsetf", "withscores"}).str ==
          "ERR syntax error");
    CHECK(h.Run({"ZDIFFSTORE", "foo", "2", "zsetd", "zsetf", "withscores"}).str ==
          "ERR syntax error");
    CHECK(h.Run({"ZDIFF", "2", "zsetd", "zsetf", "weights", "1", "2"}).str == "ERR syntax error");
    CHECK(h.Run({"ZUNION", "3", "zsetd", "zsetf"}).str == "ERR syntax error");
    CHECK(h.Run({"ZUNION", "x", "zsetd"}).str == "ERR value is not an integer or out of range");
    CHECK(h.Run({"ZUNION", "1", "zsetd", "aggregate", "avg"}).str == "ERR syntax error");
    for (std::string cmd : {"zunion", "zinter", "zdiff", "zintercard"}) {
      CHECK(h.Run({cmd, "0", "key"}).str ==
            "ERR at least 1 input key is needed for '" + cmd + "' command");
    }
    for (std::string cmd : {"zunionstore", "zinterstore", "zdiffstore"}) {
      CHECK(h.Run({cmd, "dst", "0", "key"}).str ==
            "ERR at least 1 input key is needed for '" + cmd + "' command");
    }
    CHECK(h.Run({"ZINTERCARD", "1", "zseta", "zseta"}).str == "ERR syntax error");
    CHECK(h.Run({"ZINTERCARD", "1", "zseta", "LIMIT"}).str == "ERR syntax error");
    CHECK(h.Run({"ZINTERCARD", "1", "zseta", "LIMIT", "-1"}).str == "ERR LIMIT can't be negative");
    CHECK(h.Run({"ZINTERCARD", "1", "zseta", "LIMIT", "a"}).str == "ERR LIMIT can't be negative");
    CHECK(h.Run({"ZINTERCARD", "1", "zseta", "weights", "1"}).str == "ERR syntax error");

    // RESP3 nests the pairs.
    h.Run({"HELLO", "3"});
    RespValue r = h.Run({"ZINTER", "2", "zseta", "zsetb", "withscores"});
    REQUIRE(r.elems.size() == 1);
    CHECK(r.elems[0].elems.size() == 2);
    CHECK(r.elems[0].elems[1].str == "3");
  }
}

TEST_CASE("zset: *STORE destinations get the encoding that fits") {
  Harness h;
  h.Run({"CONFIG", "SET", "zset-max-listpack-entries", "0"});
  h.Run({"ZADD", "a", "1", "x", "2", "y"});
  CHECK(Enc(h, "a") == "skiplist");
  h.Run({"CONFIG", "SET", "zset-max-listpack-entries", "128"});
  h.Run({"ZUNIONSTORE", "u", "1", "a"});
  CHECK(Enc(h, "u") == "listpack");
  h.Run({"ZINTERSTORE", "i", "1", "a"});
  CHECK(Enc(h, "i") == "listpack");
  h.Run({"ZDIFFSTORE", "d", "1", "a"});
  CHECK(Enc(h, "d") == "listpack");
  CHECK(Strs(h.Run({"ZRANGE", "d", "0", "-1", "WITHSCORES"})) == V{"x", "1", "y", "2"});
  h.Run({"CONFIG", "SET", "zset-max-listpack-entries", "1"});
  h.Run({"ZUNIONSTORE", "u", "1", "a"});
  CHECK(Enc(h, "u") == "skiplist");
  h.Run({"CONFIG", "SET", "zset-max-listpack-entries", "128"});
  h.Run({"ZADD", "long", "1", std::string(70, 'z')});
  h.Run({"ZUNIONSTORE", "u", "2", "a", "long"});
  CHECK(Enc(h, "u") == "skiplist");
  CHECK(h.Run({"ZCARD", "u"}).integer == 3);
}

TEST_CASE("zset: pops") {
  for (std::string enc : {"listpack", "skiplist"}) {
    CAPTURE(enc);
    Harness h;
    UseEncoding(h, enc);
    CreateZset(h, "zset", {"1", "a", "2", "b", "3", "c"});
    RespValue r = h.Run({"ZPOPMIN", "zset", "0"});
    CHECK(r.is_array());
    CHECK(r.elems.empty());
    CHECK(h.Run({"ZCARD", "zset"}).integer == 3);
    CHECK(h.Run({"ZPOPMIN", "zset", "-1"}).str == "ERR value is out of range, must be positive");
    CHECK(h.Run({"ZPOPMAX", "zset", "x"}).str == "ERR value is out of range, must be positive");
    CHECK(h.Run({"ZPOPMIN", "zset", "1", "2"}).str == "ERR syntax error");

    h.Run({"DEL", "zset"});
    CHECK(Strs(h.Run({"ZPOPMIN", "zset"})).empty());
    CHECK(h.Run({"ZMPOP", "1", "zset", "MIN"}).is_null());
    CreateZset(h, "zset", {"-1", "a", "1", "b", "2", "c", "3", "d", "4", "e"});
    CHECK(Strs(h.Run({"ZPOPMIN", "zset"})) == V{"a", "-1"});
    CHECK(Strs(h.Run({"ZPOPMAX", "zset"})) == V{"e", "4"});
    r = h.Run({"ZMPOP", "1", "zset", "MIN"});
    REQUIRE(r.elems.size() == 2);
    CHECK(r.elems[0].str == "zset");
    REQUIRE(r.elems[1].elems.size() == 1);
    CHECK(Strs(r.elems[1].elems[0]) == V{"b", "1"});
    r = h.Run({"ZMPOP", "2", "nokey", "zset", "MAX", "COUNT", "10"});
    REQUIRE(r.elems[1].elems.size() == 2);
    CHECK(Strs(r.elems[1].elems[0]) == V{"d", "3"});
    CHECK(Strs(r.elems[1].elems[1]) == V{"c", "2"});
    CHECK(h.Run({"EXISTS", "zset"}).integer == 0);

    CreateZset(h, "z1", {"0", "a", "1", "b", "2", "c", "3", "d"});
    CHECK(Strs(h.Run({"ZPOPMIN", "z1", "2"})) == V{"a", "0", "b", "1"});
    CHECK(Strs(h.Run({"ZPOPMAX", "z1", "2"})) == V{"d", "3", "c", "2"});

    // RESP3: a count nests the pairs, a plain pop does not.
    h.Run({"HELLO", "3"});
    CreateZset(h, "z1", {"0", "a", "1", "b", "2", "c", "3", "d"});
    r = h.Run({"ZPOPMIN", "z1"});
    REQUIRE(r.elems.size() == 2);
    CHECK(r.elems[1].type == RespValue::Type::kDouble);
    r = h.Run({"ZPOPMIN", "z1", "1"});
    REQUIRE(r.elems.size() == 1);
    CHECK(r.elems[0].elems.size() == 2);
    h.Run({"HELLO", "2"});

    h.Run({"SET", "foo", "bar"});
    CHECK(h.Run({"ZPOPMIN", "foo"}).str == kWrongType);
    CHECK(h.Run({"ZPOPMIN", "foo", "0"}).str == kWrongType);
    CHECK(h.Run({"ZMPOP", "1", "foo", "max", "count", "200"}).str == kWrongType);
    CHECK(h.Run({"ZMPOP", "2", "nokey", "foo", "min"}).str == kWrongType);
  }
}

TEST_CASE("zset: ZMPOP/BZMPOP argument errors") {
  Harness h;
  for (std::string cmd : {"zmpop", "bzmpop"}) {
    std::vector<std::string> pre = {cmd};
    if (cmd == "bzmpop") pre.push_back("1");
    auto run = [&](V rest) {
      V args = pre;
      args.insert(args.end(), rest.begin(), rest.end());
      return h.Run(args).str;
    };
    CHECK(run({"0", "myzset", "MIN"}) == "ERR numkeys should be greater than 0");
    CHECK(run({"a", "myzset", "MIN"}) == "ERR numkeys should be greater than 0");
    CHECK(run({"-1", "myzset", "MAX"}) == "ERR numkeys should be greater than 0");
    CHECK(run({"1", "myzset", "bad_where"}) == "ERR syntax error");
    CHECK(run({"1", "myzset", "MIN", "bar_arg"}) == "ERR syntax error");
    CHECK(run({"1", "myzset", "MAX", "MIN"}) == "ERR syntax error");
    CHECK(run({"1", "myzset", "COUNT"}) == "ERR syntax error");
    CHECK(run({"1", "myzset", "MAX", "COUNT", "1", "COUNT", "2"}) == "ERR syntax error");
    CHECK(run({"2", "myzset", "myzset2", "bad_arg"}) == "ERR syntax error");
    CHECK(run({"5", "myzset", "MIN"}) == "ERR syntax error");
    CHECK(run({"1", "myzset", "MIN", "COUNT", "0"}) == "ERR count should be greater than 0");
    CHECK(run({"1", "myzset", "MAX", "COUNT", "a"}) == "ERR count should be greater than 0");
    CHECK(run({"1", "myzset", "MIN", "COUNT", "-1"}) == "ERR count should be greater than 0");
  }
  CHECK(h.Run({"ZMPOP", "1"}).str == "ERR wrong number of arguments for 'zmpop' command");
  CHECK(h.Run({"BZMPOP", "0", "1", "myzset"}).str ==
        "ERR wrong number of arguments for 'bzmpop' command");
  CHECK(h.Run({"BZMPOP", "x", "1", "myzset", "MIN"}).str ==
        "ERR timeout is not a float or out of range");
  CHECK(h.Run({"BZMPOP", "-1", "1", "myzset", "MIN"}).str == "ERR timeout is negative");
  CHECK(h.Run({"BZPOPMIN", "myzset", "-0.5"}).str == "ERR timeout is negative");
}

TEST_CASE("zset: blocking pops") {
  Harness h;
  ember::Client* c2 = h.NewClient();
  // Served at once when there is data.
  h.Run({"ZADD", "zset", "0", "a", "1", "b", "2", "c", "3", "d"});
  CHECK(Strs(h.RunOn(c2, {"BZPOPMIN", "zset", "5"})) == V{"zset", "a", "0"});
  CHECK(Strs(h.RunOn(c2, {"BZPOPMAX", "zset", "5"})) == V{"zset", "d", "3"});
  RespValue r = h.RunOn(c2, {"BZMPOP", "5", "2", "nokey", "zset", "MIN", "COUNT", "5"});
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].str == "zset");
  CHECK(r.elems[1].elems.size() == 2);
  CHECK(h.Run({"EXISTS", "zset"}).integer == 0);

  // Blocks, then a ZADD serves it.
  r = h.RunOn(c2, {"BZPOPMIN", "zset", "0"});
  CHECK(r.str == "<no reply>");
  CHECK(h.server().blocking().IsBlocked(*c2));
  CHECK(h.Run({"ZADD", "zset", "-1", "foo", "1", "bar"}).integer == 2);
  CHECK(Strs(ParseOut(c2)) == V{"zset", "foo", "-1"});
  CHECK(!h.server().blocking().IsBlocked(*c2));
  CHECK(Strs(h.Run({"ZRANGE", "zset", "0", "-1"})) == V{"bar"});
  h.Run({"DEL", "zset"});

  // ZADD + DEL in a transaction does not wake it; a later ZADD does.
  h.RunOn(c2, {"BZMPOP", "0", "1", "zset", "MIN", "COUNT", "1"});
  h.Run({"MULTI"});
  h.Run({"ZADD", "zset", "0", "foo"});
  h.Run({"DEL", "zset"});
  h.Run({"SET", "zset", "str"});
  h.Run({"EXEC"});
  CHECK(ParseOut(c2).str == "<no reply>");
  h.Run({"DEL", "zset"});
  h.Run({"ZADD", "zset", "1", "bar"});
  r = ParseOut(c2);
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].str == "zset");
  CHECK(Strs(r.elems[1].elems[0]) == V{"bar", "1"});

  // Inside MULTI a blocking pop replies at once with a null.
  h.Run({"MULTI"});
  h.Run({"BZPOPMIN", "nokey", "0"});
  r = h.Run({"EXEC"});
  REQUIRE(r.elems.size() == 1);
  CHECK(r.elems[0].is_null());

  // Wrong type.
  h.Run({"SET", "foo", "bar"});
  CHECK(h.RunOn(c2, {"BZPOPMIN", "foo", "1"}).str == kWrongType);
  CHECK(h.RunOn(c2, {"BZMPOP", "1", "2", "nokey", "foo", "min"}).str == kWrongType);

  // Several clients, FIFO, served from the ready key.
  ember::Client* c3 = h.NewClient();
  h.RunOn(c2, {"BZMPOP", "0", "2", "m1", "m2", "MAX", "COUNT", "10"});
  h.RunOn(c3, {"BZMPOP", "0", "2", "m1", "m2", "MIN", "COUNT", "10"});
  h.Run({"MULTI"});
  h.Run({"ZADD", "m1", "1", "a", "2", "b"});
  h.Run({"ZADD", "m2", "1", "a", "2", "b", "3", "c"});
  h.Run({"EXEC"});
  r = ParseOut(c2);
  CHECK(r.elems.at(0).str == "m1");
  CHECK(r.elems.at(1).elems.size() == 2);
  r = ParseOut(c3);
  CHECK(r.elems.at(0).str == "m2");
  CHECK(r.elems.at(1).elems.size() == 3);
}

TEST_CASE("zset: ZRANDMEMBER") {
  for (std::string enc : {"listpack", "skiplist"}) {
    CAPTURE(enc);
    Harness h;
    UseEncoding(h, enc);
    V items = {"1", "a", "2", "b", "3", "c", "4", "d", "5",  "e",
               "6", "f", "7", "g", "7", "h", "9", "i", "10", "j"};
    CreateZset(h, "myzset", items);
    CHECK(Enc(h, "myzset") == enc);
    std::map<std::string, std::string> dict;
    for (size_t i = 0; i < items.size(); i += 2) dict[items[i + 1]] = items[i];

    std::set<std::string> seen;
    for (int i = 0; i < 200; i++) seen.insert(h.Run({"ZRANDMEMBER", "myzset"}).str);
    CHECK(seen.size() == 10);
    CHECK(h.Run({"ZRANDMEMBER", "nokey"}).is_null());
    RespValue r = h.Run({"ZRANDMEMBER", "myzset", "0"});
    CHECK(r.is_array());
    CHECK(r.elems.empty());
    CHECK(h.Run({"ZRANDMEMBER", "nokey", "100"}).is_array());

    // Negative counts repeat, scores belong to their members.
    r = h.Run({"ZRANDMEMBER", "myzset", "-1001", "withscores"});
    REQUIRE(r.elems.size() == 2002);
    for (size_t i = 0; i < r.elems.size(); i += 2) {
      CHECK(dict.at(r.elems[i].str) == r.elems[i + 1].str);
    }
    // Roughly uniform.
    r = h.Run({"ZRANDMEMBER", "myzset", "-1000"});
    std::map<std::string, int> counts;
    for (auto& e : r.elems) counts[e.str]++;
    double chi = 0;
    for (auto& [m, n] : counts) chi += (n - 100.0) * (n - 100.0) / 100.0;
    CHECK(counts.size() == 10);
    CHECK(chi < 40);
    // Whole set, and unique subsets of every path.
    for (int size : {10, 20}) {
      r = h.Run({"ZRANDMEMBER", "myzset", std::to_string(size), "withscores"});
      REQUIRE(r.elems.size() == 20);
      std::set<std::string> u;
      for (size_t i = 0; i < r.elems.size(); i += 2) {
        u.insert(r.elems[i].str);
        CHECK(dict.at(r.elems[i].str) == r.elems[i + 1].str);
      }
      CHECK(u.size() == 10);
    }
    for (int size : {1, 2, 8}) {
      std::set<std::string> all;
      for (int it = 0; it < 200; it++) {
        r = h.Run({"ZRANDMEMBER", "myzset", std::to_string(size)});
        REQUIRE(r.elems.size() == size_t(size));
        std::set<std::string> u;
        for (auto& e : r.elems) {
          CHECK(dict.count(e.str));
          u.insert(e.str);
          all.insert(e.str);
        }
        CHECK(u.size() == size_t(size));
      }
      CHECK(all.size() == 10);
    }
    // RESP3 pairs.
    h.Run({"HELLO", "3"});
    r = h.Run({"ZRANDMEMBER", "myzset", "3", "withscores"});
    REQUIRE(r.elems.size() == 3);
    CHECK(r.elems[1].elems.size() == 2);
    r = h.Run({"ZRANDMEMBER", "myzset", "-3", "withscores"});
    CHECK(r.elems[2].elems.size() == 2);
    h.Run({"HELLO", "2"});
    // Errors.
    CHECK(h.Run({"ZRANDMEMBER", "myzset", "-9223372036854770000", "withscores"}).str ==
          "ERR value is out of range");
    CHECK(h.Run({"ZRANDMEMBER", "myzset", "-9223372036854775808", "withscores"}).str ==
          "ERR value is out of range, value must between -9223372036854775807 and "
          "9223372036854775807");
    CHECK(h.Run({"ZRANDMEMBER", "myzset", "-9223372036854775808"}).str ==
          "ERR value is out of range, value must between -9223372036854775807 and "
          "9223372036854775807");
    CHECK(h.Run({"ZRANDMEMBER", "myzset", "1", "bad"}).str == "ERR syntax error");
    CHECK(h.Run({"ZRANDMEMBER", "myzset", "x"}).str ==
          "ERR value is not an integer or out of range");
  }
}

TEST_CASE("zset: ZSCAN") {
  for (std::string enc : {"listpack", "skiplist"}) {
    CAPTURE(enc);
    Harness h;
    int count = enc == "listpack" ? 30 : 1000;
    V args = {"ZADD", "zset"};
    for (int j = 0; j < count; j++) {
      args.push_back(std::to_string(j));
      args.push_back("key:" + std::to_string(j));
    }
    h.Run(args);
    CHECK(Enc(h, "zset") == enc);
    std::set<std::string> keys;
    std::string cur = "0";
    do {
      RespValue r = h.Run({"ZSCAN", "zset", cur});
      REQUIRE(r.elems.size() == 2);
      cur = r.elems[0].str;
      auto& items = r.elems[1].elems;
      REQUIRE(items.size() % 2 == 0);
      for (size_t i = 0; i < items.size(); i += 2) {
        CHECK(items[i].str == "key:" + items[i + 1].str);
        keys.insert(items[i].str);
      }
    } while (cur != "0");
    CHECK(keys.size() == size_t(count));
  }
  Harness h;
  h.Run({"ZADD", "mykey", "1", "foo", "2", "fab", "3", "fiz", "10", "foobar"});
  RespValue r = h.Run({"ZSCAN", "mykey", "0", "MATCH", "foo*", "COUNT", "10000"});
  CHECK(Strs(r.elems[1]) == V{"foo", "1", "foobar", "10"});
  h.Run({"CONFIG", "SET", "zset-max-listpack-entries", "0"});
  for (int j = 0; j < 50; j++) {
    h.Run({"ZADD", "tiny", "9.8813129168249309e-323", std::to_string(j)});
  }
  r = h.Run({"ZSCAN", "tiny", "0"});
  CHECK(r.elems[1].elems.at(1).str == "9.8813129168249309e-323");
  CHECK(h.Run({"ZSCAN", "tiny", "0", "COUNT", "0"}).str == "ERR syntax error");
  CHECK(h.Run({"ZSCAN", "tiny", "0", "TYPE", "zset"}).str == "ERR syntax error");
  CHECK(h.Run({"ZSCAN", "tiny", "x"}).str == "ERR invalid cursor");
  r = h.Run({"ZSCAN", "nokey", "0"});
  CHECK(r.elems[0].str == "0");
  CHECK(r.elems[1].elems.empty());
}

TEST_CASE("zset: wrong types, COPY, MEMORY USAGE and notifications bookkeeping") {
  Harness h;
  h.Run({"SET", "str", "x"});
  for (V cmd :
       {V{"ZADD", "str", "1", "a"}, V{"ZINCRBY", "str", "1", "a"}, V{"ZREM", "str", "a"},
        V{"ZCARD", "str"}, V{"ZSCORE", "str", "a"}, V{"ZMSCORE", "str", "a"},
        V{"ZRANK", "str", "a"}, V{"ZRANGE", "str", "0", "1"}, V{"ZRANGEBYSCORE", "str", "0", "1"},
        V{"ZRANGEBYLEX", "str", "-", "+"}, V{"ZCOUNT", "str", "0", "1"},
        V{"ZLEXCOUNT", "str", "-", "+"}, V{"ZREMRANGEBYRANK", "str", "0", "1"},
        V{"ZRANDMEMBER", "str"}, V{"ZRANDMEMBER", "str", "2"}, V{"ZSCAN", "str", "0"}}) {
    CAPTURE(cmd[0]);
    CHECK(h.Run(cmd).str == kWrongType);
  }
  for (std::string enc : {"listpack", "skiplist"}) {
    UseEncoding(h, enc);
    h.Run({"DEL", "src", "dst"});
    h.Run({"ZADD", "src", "1", "a", "2", "b", "3", "c"});
    CHECK(h.Run({"COPY", "src", "dst"}).integer == 1);
    CHECK(Enc(h, "dst") == enc);
    h.Run({"ZADD", "src", "10", "a"});
    CHECK(Strs(h.Run({"ZRANGE", "dst", "0", "-1", "WITHSCORES"})) ==
          V{"a", "1", "b", "2", "c", "3"});
    CHECK(h.Run({"MEMORY", "USAGE", "dst"}).integer > 0);
  }
  // Dirty counter: ZADD counts added + updated elements.
  int64_t before = h.server().dirty;
  h.Run({"ZADD", "cnt", "1", "a", "2", "b"});
  CHECK(h.server().dirty - before == 2);
  before = h.server().dirty;
  h.Run({"ZADD", "cnt", "1", "a", "3", "b"});
  CHECK(h.server().dirty - before == 1);
  before = h.server().dirty;
  h.Run({"ZPOPMIN", "cnt", "5"});
  CHECK(h.server().dirty - before == 2);
}

TEST_CASE("zset: skiplist stress matches a sorted model") {
  Harness h;
  UseEncoding(h, "skiplist");
  std::mt19937 rng(42);
  std::map<std::string, double> model;
  for (int k = 0; k < 2000; k++) {
    std::string m = std::to_string(k % 100);
    if (rng() % 5 == 0) {
      h.Run({"ZREM", "myzset", m});
      model.erase(m);
    } else {
      double score = double(rng() % 1000) / 7;
      char buf[64];
      snprintf(buf, sizeof(buf), "%.17g", score);
      h.Run({"ZADD", "myzset", buf, m});
      model[m] = score;
    }
    int64_t card = h.Run({"ZCARD", "myzset"}).integer;
    REQUIRE(card == int64_t(model.size()));
    if (card > 0) {
      int64_t index = int64_t(rng() % uint64_t(card));
      std::string ele =
          h.Run({"ZRANGE", "myzset", std::to_string(index), std::to_string(index)}).elems.at(0).str;
      CHECK(h.Run({"ZRANK", "myzset", ele}).integer == index);
    }
  }
  std::vector<std::pair<double, std::string>> want;
  for (auto& [m, s] : model) want.push_back({s, m});
  std::sort(want.begin(), want.end());
  V names;
  for (auto& p : want) names.push_back(p.second);
  CHECK(Strs(h.Run({"ZRANGE", "myzset", "0", "-1"})) == names);
  std::reverse(names.begin(), names.end());
  CHECK(Strs(h.Run({"ZREVRANGE", "myzset", "0", "-1"})) == names);
}

TEST_CASE("ZADD: integer scores read as strtod reads them") {
  Harness h;
  CHECK(h.Run({"ZADD", "z", "007", "a", "-0", "b", "-42", "c"}).integer == 3);
  CHECK(h.Run({"ZSCORE", "z", "a"}).str == "7");
  CHECK(h.Run({"ZSCORE", "z", "b"}).str == "0");  // a listpack stores -0 as 0, as Redis
  h.Run({"CONFIG", "SET", "zset-max-listpack-entries", "0"});
  CHECK(h.Run({"ZADD", "big", "-0", "b"}).integer == 1);
  CHECK(h.Run({"ZSCORE", "big", "b"}).str == "-0");  // a skiplist keeps the sign
  h.Run({"CONFIG", "SET", "zset-max-listpack-entries", "128"});
  CHECK(h.Run({"ZSCORE", "z", "c"}).str == "-42");
  // 15 digits take the shortcut, 16 and more go through strtod; both are exact here.
  CHECK(h.Run({"ZADD", "z", "999999999999999", "d", "9007199254740993", "e"}).integer == 2);
  CHECK(h.Run({"ZSCORE", "z", "d"}).str == "999999999999999");
  CHECK(h.Run({"ZSCORE", "z", "e"}).str == "9007199254740992");
  for (const char* bad : {"-", "", "12a", "1 ", " 1", "--1", "0x"}) {
    CHECK(h.Run({"ZADD", "z", bad, "x"}).str == "ERR value is not a valid float");
  }
  CHECK(h.Run({"ZADD", "z", "+5", "f", "1e3", "g", "0x10", "h"}).integer == 3);
  CHECK(h.Run({"ZSCORE", "z", "f"}).str == "5");
  CHECK(h.Run({"ZSCORE", "z", "g"}).str == "1000");
  CHECK(h.Run({"ZSCORE", "z", "h"}).str == "16");
  // Options still parse (letters), and a score never looks like one.
  CHECK(h.Run({"ZADD", "z", "XX", "CH", "8", "a"}).integer == 1);
  CHECK(h.Run({"ZADD", "z", "nx", "inf", "i"}).integer == 1);
  CHECK(h.Run({"ZSCORE", "z", "i"}).str == "inf");
}
