#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/unit/server/harness.h"

using ember::RespValue;
using ember::test::Harness;

namespace {

std::vector<std::string> Strs(const RespValue& r) {
  std::vector<std::string> out;
  for (const auto& e : r.elems) out.push_back(e.is_null() ? "<nil>" : e.str);
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("SORT numeric and alpha on a list") {
  Harness h;
  h.Run({"RPUSH", "l", "3", "1", "10", "2"});
  CHECK(Strs(h.Run({"SORT", "l"})) == V{"1", "2", "3", "10"});
  CHECK(Strs(h.Run({"SORT", "l", "DESC"})) == V{"10", "3", "2", "1"});
  CHECK(Strs(h.Run({"SORT", "l", "ALPHA"})) == V{"1", "10", "2", "3"});
  CHECK(Strs(h.Run({"SORT", "l", "LIMIT", "1", "2"})) == V{"2", "3"});
  CHECK(Strs(h.Run({"SORT", "l", "LIMIT", "10", "2"})).empty());
  CHECK(Strs(h.Run({"SORT", "missing"})).empty());
}

TEST_CASE("SORT errors") {
  Harness h;
  h.Run({"SET", "s", "x"});
  CHECK(h.Run({"SORT", "s"}).str.rfind("WRONGTYPE", 0) == 0);
  h.Run({"RPUSH", "l", "a", "1"});
  CHECK(h.Run({"SORT", "l"}).str == "ERR One or more scores can't be converted into double");
  CHECK(h.Run({"SORT", "l", "FOO"}).str == "ERR syntax error");
  CHECK(h.Run({"SORT", "l", "LIMIT", "x", "1"}).str ==
        "ERR value is not an integer or out of range");
  CHECK(h.Run({"SORT_RO", "l", "STORE", "d"}).str == "ERR syntax error");
}

TEST_CASE("SORT BY and GET patterns") {
  Harness h;
  h.Run({"RPUSH", "l", "a", "b", "c"});
  h.Run({"SET", "w_a", "3"});
  h.Run({"SET", "w_b", "1"});
  h.Run({"SET", "w_c", "2"});
  h.Run({"HSET", "h_a", "f", "30"});
  h.Run({"HSET", "h_b", "f", "10"});
  h.Run({"HSET", "h_c", "f", "20"});
  CHECK(Strs(h.Run({"SORT", "l", "BY", "w_*"})) == V{"b", "c", "a"});
  CHECK(Strs(h.Run({"SORT", "l", "BY", "h_*->f", "DESC"})) == V{"a", "c", "b"});
  CHECK(Strs(h.Run({"SORT", "l", "BY", "w_*", "GET", "#", "GET", "h_*->f", "GET", "nope_*"})) ==
        V{"b", "10", "<nil>", "c", "20", "<nil>", "a", "30", "<nil>"});
  CHECK(Strs(h.Run({"SORT", "l", "BY", "nosort", "DESC"})) == V{"c", "b", "a"});
  CHECK(Strs(h.Run({"SORT", "l", "BY", "nosort", "LIMIT", "1", "1"})) == V{"b"});
  CHECK(Strs(h.Run({"SORT", "l", "ALPHA", "GET", "const"})) == V{"<nil>", "<nil>", "<nil>"});
}

TEST_CASE("SORT STORE") {
  Harness h;
  h.Run({"SADD", "s", "5", "2", "9"});
  CHECK(h.Run({"SORT", "s", "STORE", "d"}).integer == 3);
  CHECK(Strs(h.Run({"LRANGE", "d", "0", "-1"})) == V{"2", "5", "9"});
  CHECK(h.Run({"TYPE", "d"}).str == "list");
  // A constant BY with STORE on a set still sorts (ALPHA).
  h.Run({"SADD", "t", "b", "c", "a"});
  CHECK(h.Run({"SORT", "t", "BY", "nosort", "STORE", "d"}).integer == 3);
  CHECK(Strs(h.Run({"LRANGE", "d", "0", "-1"})) == V{"a", "b", "c"});
  // Empty result deletes the destination.
  CHECK(h.Run({"SORT", "missing", "STORE", "d"}).integer == 0);
  CHECK(h.Run({"EXISTS", "d"}).integer == 0);
}

TEST_CASE("SORT sorted set") {
  Harness h;
  h.Run({"ZADD", "z", "1", "c", "2", "a", "3", "b"});
  CHECK(Strs(h.Run({"SORT", "z", "BY", "nosort"})) == V{"c", "a", "b"});
  CHECK(Strs(h.Run({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"})) == V{"a", "c"});
  CHECK(Strs(h.Run({"SORT", "z", "ALPHA"})) == V{"a", "b", "c"});
  CHECK(h.Run({"OBJECT", "ENCODING", "z"}).str == "skiplist");
}
