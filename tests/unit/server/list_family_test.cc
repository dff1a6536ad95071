#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/util/clock.h"
#include "tests/unit/server/harness.h"

using ember::RespValue;
using ember::test::Harness;

namespace {

std::vector<std::string> Strs(const RespValue& v) {
  std::vector<std::string> out;
  for (const auto& e : v.elems) out.push_back(e.is_null() ? "(nil)" : e.str);
  return out;
}

std::vector<int64_t> Ints(const RespValue& v) {
  std::vector<int64_t> out;
  for (const auto& e : v.elems) out.push_back(e.integer);
  return out;
}

// The reply a (blocked, then served) client has accumulated; empty type kNull if none.
RespValue Pending(ember::Client* c) {
  RespValue v;
  v.str = "<no reply>";
  size_t used = 0;
  if (c->out().empty()) return v;
  if (ember::ParseReply(c->out().data(), c->out().size(), &v, &used) != ember::ReplyParse::kOk) {
    v.type = RespValue::Type::kError;
    v.str = "unparsable: " + c->out();
  }
  c->out().erase(0, used);
  return v;
}

bool NoReply(const RespValue& v) { return v.is_null() && v.str == "<no reply>"; }

}  // namespace

TEST_CASE("lists: push, pop, length, encoding") {
  Harness h;
  CHECK(h.Run({"LPUSH", "l", "a", "b", "c", "d"}).integer == 4);
  CHECK(h.Run({"RPUSH", "l", "0", "1", "2", "3"}).integer == 8);
  CHECK(Strs(h.Run({"LRANGE", "l", "0", "-1"})) ==
        std::vector<std::string>{"d", "c", "b", "a", "0", "1", "2", "3"});
  CHECK(h.Run({"OBJECT", "ENCODING", "l"}).str == "quicklist");
  CHECK(h.Run({"LLEN", "l"}).integer == 8);
  CHECK(h.Run({"LPOP", "l"}).str == "d");
  CHECK(h.Run({"RPOP", "l"}).str == "3");
  CHECK(Strs(h.Run({"LPOP", "l", "2"})) == std::vector<std::string>{"c", "b"});
  CHECK(Strs(h.Run({"RPOP", "l", "2"})) == std::vector<std::string>{"2", "1"});
  CHECK(h.Run({"LPOP", "l", "0"}).elems.empty());
  CHECK(h.Run({"LPOP", "l", "0"}).is_array());
  CHECK(Strs(h.Run({"RPOP", "l", "10"})) == std::vector<std::string>{"0", "a"});
  CHECK(h.Run({"EXISTS", "l"}).integer == 0);
  CHECK(h.Run({"LPOP", "l"}).is_null());
  CHECK(h.Run({"LPOP", "l", "3"}).is_null());
  CHECK(h.Run({"LPOP", "l", "-1"}).str == "ERR value is out of range, must be positive");
  CHECK(h.Run({"LPOP", "l", "x"}).str == "ERR value is out of range, must be positive");
  CHECK(h.Run({"LPOP", "l", "1", "2"}).str == "ERR wrong number of arguments for 'lpop' command");
  CHECK(h.Run({"LPUSHX", "l", "a"}).integer == 0);
  CHECK(h.Run({"RPUSHX", "l", "a"}).integer == 0);
  CHECK(h.Run({"RPUSH", "l", "a"}).integer == 1);
  CHECK(h.Run({"LPUSHX", "l", "b", "c"}).integer == 3);
  CHECK(h.Run({"RPUSHX", "l", "z"}).integer == 4);
  CHECK(Strs(h.Run({"LRANGE", "l", "0", "-1"})) == std::vector<std::string>{"c", "b", "a", "z"});
}

TEST_CASE("lists: wrong type and missing keys") {
  Harness h;
  h.Run({"SET", "s", "x"});
  const std::string wt = "WRONGTYPE Operation against a key holding the wrong kind of value";
  for (auto cmd : std::vector<std::vector<std::string>>{{"LPUSH", "s", "a"},
                                                        {"RPUSH", "s", "a"},
                                                        {"LLEN", "s"},
                                                        {"LINDEX", "s", "0"},
                                                        {"LRANGE", "s", "0", "-1"},
                                                        {"LPOP", "s"},
                                                        {"LSET", "s", "0", "a"},
                                                        {"LTRIM", "s", "0", "1"},
                                                        {"LREM", "s", "0", "a"},
                                                        {"LPOS", "s", "a"},
                                                        {"LINSERT", "s", "BEFORE", "a", "b"},
                                                        {"RPOPLPUSH", "s", "d"},
                                                        {"LMPOP", "1", "s", "LEFT"},
                                                        {"BLPOP", "s", "0"},
                                                        {"BLMPOP", "0", "1", "s", "LEFT"}}) {
    CAPTURE(cmd[0]);
    CHECK(h.Run(cmd).str == wt);
  }
  CHECK(h.Run({"LLEN", "nokey"}).integer == 0);
  CHECK(h.Run({"LINDEX", "nokey", "0"}).is_null());
  CHECK(h.Run({"LINDEX", "nokey", "abc"}).is_null());  // key checked before the index
  CHECK(h.Run({"LRANGE", "nokey", "0", "-1"}).elems.empty());
  CHECK(h.Run({"LSET", "nokey", "0", "a"}).str == "ERR no such key");
  CHECK(h.Run({"LTRIM", "nokey", "0", "1"}).str == "OK");
  CHECK(h.Run({"LREM", "nokey", "0", "a"}).integer == 0);
  CHECK(h.Run({"LINSERT", "nokey", "BEFORE", "a", "b"}).integer == 0);
  CHECK(h.Run({"LINSERT", "nokey", "middle", "a", "b"}).str == "ERR syntax error");
  CHECK(h.Run({"RPOPLPUSH", "nokey", "d"}).is_null());
}

TEST_CASE("lists: LINDEX, LSET, LINSERT, LREM, LTRIM") {
  Harness h("list-max-listpack-size 4");
  for (int i = 0; i < 20; i++) h.Run({"RPUSH", "l", std::to_string(i)});
  CHECK(h.Run({"LINDEX", "l", "0"}).str == "0");
  CHECK(h.Run({"LINDEX", "l", "-1"}).str == "19");
  CHECK(h.Run({"LINDEX", "l", "13"}).str == "13");
  CHECK(h.Run({"LINDEX", "l", "20"}).is_null());
  CHECK(h.Run({"LINDEX", "l", "-21"}).is_null());
  CHECK(h.Run({"LINDEX", "l", "x"}).str == "ERR value is not an integer or out of range");
  CHECK(h.Run({"LSET", "l", "5", "five"}).str == "OK");
  CHECK(h.Run({"LSET", "l", "-1", "last"}).str == "OK");
  CHECK(h.Run({"LSET", "l", "20", "x"}).str == "ERR index out of range");
  CHECK(h.Run({"LINDEX", "l", "5"}).str == "five");
  CHECK(h.Run({"LINSERT", "l", "BEFORE", "five", "4.5"}).integer == 21);
  CHECK(h.Run({"LINSERT", "l", "after", "last", "end"}).integer == 22);
  CHECK(h.Run({"LINSERT", "l", "AFTER", "nope", "x"}).integer == -1);
  CHECK(h.Run({"LINDEX", "l", "5"}).str == "4.5");
  CHECK(h.Run({"LINDEX", "l", "-1"}).str == "end");
  h.Run({"DEL", "r"});
  h.Run({"RPUSH", "r", "a", "b", "a", "c", "a", "10", "010"});
  CHECK(h.Run({"LREM", "r", "-1", "a"}).integer == 1);
  CHECK(Strs(h.Run({"LRANGE", "r", "0", "-1"})) ==
        std::vector<std::string>{"a", "b", "a", "c", "10", "010"});
  CHECK(h.Run({"LREM", "r", "1", "a"}).integer == 1);
  CHECK(h.Run({"LREM", "r", "0", "10"}).integer == 1);  // int-encoded compare
  CHECK(Strs(h.Run({"LRANGE", "r", "0", "-1"})) == std::vector<std::string>{"b", "a", "c", "010"});
  CHECK(h.Run({"LREM", "r", "0", "zzz"}).integer == 0);
  CHECK(h.Run({"LREM", "r", "0", "b"}).integer == 1);
  CHECK(h.Run({"LTRIM", "r", "1", "-1"}).str == "OK");
  CHECK(Strs(h.Run({"LRANGE", "r", "0", "-1"})) == std::vector<std::string>{"c", "010"});
  CHECK(h.Run({"LTRIM", "r", "5", "10"}).str == "OK");
  CHECK(h.Run({"EXISTS", "r"}).integer == 0);
  h.Run({"RPUSH", "t", "1", "2", "3", "4", "5"});
  CHECK(h.Run({"LTRIM", "t", "0", "-10"}).str == "OK");
  CHECK(h.Run({"EXISTS", "t"}).integer == 0);
  h.Run({"RPUSH", "t", "1", "2", "3", "4", "5"});
  CHECK(h.Run({"LTRIM", "t", "-3", "100"}).str == "OK");
  CHECK(Strs(h.Run({"LRANGE", "t", "0", "-1"})) == std::vector<std::string>{"3", "4", "5"});
  CHECK(h.Run({"LREM", "t", "0", "3"}).integer == 1);
  CHECK(h.Run({"LREM", "t", "0", "4"}).integer == 1);
  CHECK(h.Run({"LREM", "t", "0", "5"}).integer == 1);
  CHECK(h.Run({"EXISTS", "t"}).integer == 0);
}

TEST_CASE("lists: LRANGE edge cases") {
  Harness h;
  h.Run({"RPUSH", "l", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"});
  CHECK(Strs(h.Run({"LRANGE", "l", "1", "-2"})) ==
        std::vector<std::string>{"2", "3", "4", "5", "6", "7", "8", "9"});
  CHECK(Strs(h.Run({"LRANGE", "l", "-3", "-1"})) == std::vector<std::string>{"8", "9", "10"});
  CHECK(Strs(h.Run({"LRANGE", "l", "-100", "1"})) == std::vector<std::string>{"1", "2"});
  CHECK(h.Run({"LRANGE", "l", "6", "2"}).elems.empty());
  CHECK(h.Run({"LRANGE", "l", "0", "-20"}).elems.empty());
  CHECK(h.Run({"LRANGE", "l", "0", "100"}).elems.size() == 10);
  CHECK(h.Run({"LRANGE", "l", "a", "1"}).str == "ERR value is not an integer or out of range");
}

TEST_CASE("lists: LPOS") {
  Harness h;
  h.Run({"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"});
  CHECK(h.Run({"LPOS", "l", "a"}).integer == 0);
  CHECK(h.Run({"LPOS", "l", "c"}).integer == 2);
  CHECK(h.Run({"LPOS", "l", "c", "RANK", "1"}).integer == 2);
  CHECK(h.Run({"LPOS", "l", "c", "RANK", "2"}).integer == 6);
  CHECK(h.Run({"LPOS", "l", "c", "RANK", "4"}).is_null());
  CHECK(h.Run({"LPOS", "l", "c", "RANK", "-1"}).integer == 7);
  CHECK(h.Run({"LPOS", "l", "c", "RANK", "-2"}).integer == 6);
  CHECK(h.Run({"LPOS", "l", "c", "RANK", "0"}).str ==
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
        "or use negative to start from the end of the list");
  CHECK(Ints(h.Run({"LPOS", "l", "c", "COUNT", "2"})) == std::vector<int64_t>{2, 6});
  CHECK(Ints(h.Run({"LPOS", "l", "c", "COUNT", "0"})) == std::vector<int64_t>{2, 6, 7});
  CHECK(Ints(h.Run({"LPOS", "l", "c", "COUNT", "0", "RANK", "2"})) == std::vector<int64_t>{6, 7});
  CHECK(Ints(h.Run({"LPOS", "l", "c", "COUNT", "2", "RANK", "-1"})) == std::vector<int64_t>{7, 6});
  CHECK(h.Run({"LPOS", "l", "x", "COUNT", "0"}).elems.empty());
  CHECK(h.Run({"LPOS", "l", "x", "COUNT", "0"}).is_array());
  CHECK(h.Run({"LPOS", "l", "x"}).is_null());
  CHECK(h.Run({"LPOS", "nokey", "x"}).is_null());
  CHECK(h.Run({"LPOS", "nokey", "x", "COUNT", "1"}).is_array());
  CHECK(h.Run({"LPOS", "l", "1"}).integer == 3);
  CHECK(h.Run({"LPOS", "l", "c", "MAXLEN", "2"}).is_null());
  CHECK(h.Run({"LPOS", "l", "c", "MAXLEN", "3"}).integer == 2);
  CHECK(Ints(h.Run({"LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7"})) == std::vector<int64_t>{2, 6});
  CHECK(h.Run({"LPOS", "l", "c", "COUNT", "-1"}).str == "ERR COUNT can't be negative");
  CHECK(h.Run({"LPOS", "l", "c", "MAXLEN", "-1"}).str == "ERR MAXLEN can't be negative");
  CHECK(h.Run({"LPOS", "l", "c", "RANK"}).str == "ERR syntax error");
  CHECK(h.Run({"LPOS", "l", "c", "FOO", "1"}).str == "ERR syntax error");
}

TEST_CASE("lists: LMOVE and RPOPLPUSH") {
  Harness h;
  h.Run({"RPUSH", "src", "a", "b", "c", "d"});
  h.Run({"RPUSH", "dst", "x"});
  CHECK(h.Run({"RPOPLPUSH", "src", "dst"}).str == "d");
  CHECK(h.Run({"LMOVE", "src", "dst", "LEFT", "RIGHT"}).str == "a");
  CHECK(h.Run({"LMOVE", "src", "dst", "left", "left"}).str == "b");
  CHECK(Strs(h.Run({"LRANGE", "dst", "0", "-1"})) == std::vector<std::string>{"b", "d", "x", "a"});
  CHECK(h.Run({"LMOVE", "src", "new", "RIGHT", "RIGHT"}).str == "c");
  CHECK(h.Run({"EXISTS", "src"}).integer == 0);
  CHECK(Strs(h.Run({"LRANGE", "new", "0", "-1"})) == std::vector<std::string>{"c"});
  CHECK(h.Run({"LMOVE", "new", "dst", "UP", "LEFT"}).str == "ERR syntax error");
  // Same list: rotation.
  h.Run({"RPUSH", "rot", "1", "2", "3"});
  CHECK(h.Run({"RPOPLPUSH", "rot", "rot"}).str == "3");
  CHECK(Strs(h.Run({"LRANGE", "rot", "0", "-1"})) == std::vector<std::string>{"3", "1", "2"});
  CHECK(h.Run({"LMOVE", "rot", "rot", "LEFT", "RIGHT"}).str == "3");
  h.Run({"DEL", "one"});
  h.Run({"RPUSH", "one", "x"});
  CHECK(h.Run({"RPOPLPUSH", "one", "one"}).str == "x");
  CHECK(Strs(h.Run({"LRANGE", "one", "0", "-1"})) == std::vector<std::string>{"x"});
  // Wrong destination type: nothing moves.
  h.Run({"SET", "str", "v"});
  CHECK(h.Run({"RPOPLPUSH", "rot", "str"}).is_error());
  CHECK(h.Run({"LLEN", "rot"}).integer == 3);
}

TEST_CASE("lists: LMPOP") {
  Harness h;
  CHECK(h.Run({"LMPOP", "0", "l", "LEFT"}).str == "ERR numkeys should be greater than 0");
  CHECK(h.Run({"LMPOP", "x", "l", "LEFT"}).str == "ERR numkeys should be greater than 0");
  CHECK(h.Run({"LMPOP", "2", "l", "LEFT"}).str == "ERR syntax error");
  CHECK(h.Run({"LMPOP", "1", "l", "MIDDLE"}).str == "ERR syntax error");
  CHECK(h.Run({"LMPOP", "1", "l", "LEFT", "COUNT", "0"}).str ==
        "ERR count should be greater than 0");
  CHECK(h.Run({"LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "2"}).str == "ERR syntax error");
  CHECK(h.Run({"LMPOP", "1", "l", "LEFT"}).is_null());
  h.Run({"RPUSH", "b", "1", "2", "3"});
  RespValue r = h.Run({"LMPOP", "2", "a", "b", "RIGHT", "COUNT", "2"});
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].str == "b");
  CHECK(Strs(r.elems[1]) == std::vector<std::string>{"3", "2"});
  r = h.Run({"LMPOP", "2", "a", "b", "LEFT", "COUNT", "10"});
  CHECK(Strs(r.elems[1]) == std::vector<std::string>{"1"});
  CHECK(h.Run({"EXISTS", "b"}).integer == 0);
}

TEST_CASE("lists: blocking commands without waiting") {
  Harness h;
  h.Run({"RPUSH", "l", "a", "b", "c"});
  CHECK(Strs(h.Run({"BLPOP", "nokey", "l", "0"})) == std::vector<std::string>{"l", "a"});
  CHECK(Strs(h.Run({"BRPOP", "l", "0"})) == std::vector<std::string>{"l", "c"});
  CHECK(h.Run({"BRPOPLPUSH", "l", "d", "0"}).str == "b");
  CHECK(h.Run({"EXISTS", "l"}).integer == 0);
  CHECK(h.Run({"BLMOVE", "d", "e", "LEFT", "RIGHT", "0"}).str == "b");
  CHECK(h.Run({"BLPOP", "l", "-1"}).str == "ERR timeout is negative");
  CHECK(h.Run({"BLPOP", "l", "abc"}).str == "ERR timeout is not a float or out of range");
  CHECK(h.Run({"BLPOP", "l", "inf"}).str == "ERR timeout is negative");
  CHECK(h.Run({"BLMOVE", "l", "e", "UP", "RIGHT", "0"}).str == "ERR syntax error");
  CHECK(h.Run({"BLMPOP", "-1", "1", "l", "LEFT"}).str == "ERR timeout is negative");
  // Inside MULTI they never block.
  CHECK(h.Run({"MULTI"}).str == "OK");
  h.Run({"BLPOP", "l", "0"});
  h.Run({"BRPOPLPUSH", "l", "x", "0"});
  h.Run({"BLMPOP", "0", "1", "l", "LEFT"});
  RespValue r = h.Run({"EXEC"});
  REQUIRE(r.elems.size() == 3);
  CHECK(r.elems[0].is_null());
  CHECK(r.elems[1].is_null());
  CHECK(r.elems[2].is_null());
}

TEST_CASE("lists: blocked clients are served in order") {
  Harness h;
  ember::Client* a = h.NewClient();
  ember::Client* b = h.NewClient();
  CHECK(NoReply(h.RunOn(a, {"BLPOP", "q", "0"})));
  CHECK(NoReply(h.RunOn(b, {"BLPOP", "q", "0"})));
  CHECK(h.server().blocking().blocked_clients() == 2);
  CHECK(h.Run({"RPUSH", "q", "1"}).integer == 1);
  CHECK(Strs(Pending(a)) == std::vector<std::string>{"q", "1"});
  CHECK(NoReply(Pending(b)));
  CHECK(h.Run({"EXISTS", "q"}).integer == 0);
  CHECK(h.Run({"RPUSH", "q", "2", "3"}).integer == 2);
  CHECK(Strs(Pending(b)) == std::vector<std::string>{"q", "2"});
  CHECK(h.Run({"LRANGE", "q", "0", "-1"}).elems.size() == 1);
  CHECK(h.server().blocking().blocked_clients() == 0);

  // MULTI/EXEC: served once with the final state.
  h.Run({"DEL", "q"});
  CHECK(NoReply(h.RunOn(a, {"BLPOP", "q", "0"})));
  h.Run({"MULTI"});
  h.Run({"LPUSH", "q", "a"});
  h.Run({"LPUSH", "q", "b"});
  h.Run({"LPUSH", "q", "c"});
  h.Run({"EXEC"});
  CHECK(Strs(Pending(a)) == std::vector<std::string>{"q", "c"});

  // LPUSH + DEL + SET inside MULTI does not wake the client; it keeps waiting.
  h.Run({"DEL", "q"});
  CHECK(NoReply(h.RunOn(a, {"BLPOP", "q", "0"})));
  h.Run({"MULTI"});
  h.Run({"LPUSH", "q", "a"});
  h.Run({"DEL", "q"});
  h.Run({"SET", "q", "foo"});
  h.Run({"EXEC"});
  CHECK(NoReply(Pending(a)));
  h.Run({"DEL", "q"});
  h.Run({"LPUSH", "q", "b"});
  CHECK(Strs(Pending(a)) == std::vector<std::string>{"q", "b"});
}

TEST_CASE("lists: BLMOVE chains and wrong destination types") {
  Harness h;
  ember::Client* a = h.NewClient();
  ember::Client* b = h.NewClient();
  // Linked moves: list1 -> list2 -> list3.
  CHECK(NoReply(h.RunOn(a, {"BLMOVE", "list1", "list2", "RIGHT", "LEFT", "0"})));
  CHECK(NoReply(h.RunOn(b, {"BLMOVE", "list2", "list3", "LEFT", "RIGHT", "0"})));
  h.Run({"RPUSH", "list1", "foo"});
  CHECK(Pending(a).str == "foo");
  CHECK(Pending(b).str == "foo");
  CHECK(h.Run({"EXISTS", "list1", "list2"}).integer == 0);
  CHECK(Strs(h.Run({"LRANGE", "list3", "0", "-1"})) == std::vector<std::string>{"foo"});

  // Circular.
  h.Run({"DEL", "list1", "list2", "list3"});
  CHECK(NoReply(h.RunOn(a, {"BRPOPLPUSH", "list1", "list2", "0"})));
  CHECK(NoReply(h.RunOn(b, {"BRPOPLPUSH", "list2", "list1", "0"})));
  h.Run({"RPUSH", "list1", "foo"});
  CHECK(Pending(a).str == "foo");
  CHECK(Pending(b).str == "foo");
  CHECK(Strs(h.Run({"LRANGE", "list1", "0", "-1"})) == std::vector<std::string>{"foo"});
  CHECK(h.Run({"EXISTS", "list2"}).integer == 0);

  // A BLPOP on the target is served by the BLMOVE's push.
  h.Run({"DEL", "list1", "target"});
  CHECK(NoReply(h.RunOn(b, {"BLPOP", "target", "0"})));
  CHECK(NoReply(h.RunOn(a, {"BLMOVE", "list1", "target", "LEFT", "RIGHT", "0"})));
  h.Run({"RPUSH", "list1", "foo"});
  CHECK(Pending(a).str == "foo");
  CHECK(Strs(Pending(b)) == std::vector<std::string>{"target", "foo"});
  CHECK(h.Run({"EXISTS", "target"}).integer == 0);

  // Wrong destination type: the first waiter gets WRONGTYPE, the next one is served.
  h.Run({"SET", "t1", "nolist"});
  CHECK(NoReply(h.RunOn(a, {"BRPOPLPUSH", "blist", "t1", "0"})));
  CHECK(NoReply(h.RunOn(b, {"BRPOPLPUSH", "blist", "t2", "0"})));
  h.Run({"LPUSH", "blist", "foo"});
  CHECK(Pending(a).str.rfind("WRONGTYPE", 0) == 0);
  CHECK(Pending(b).str == "foo");
  CHECK(Strs(h.Run({"LRANGE", "t2", "0", "-1"})) == std::vector<std::string>{"foo"});
}

TEST_CASE("lists: BLMPOP with several waiters") {
  Harness h;
  std::vector<ember::Client*> c;
  for (int i = 0; i < 4; i++) c.push_back(h.NewClient());
  CHECK(NoReply(h.RunOn(c[0], {"BLMPOP", "0", "2", "b1", "b2", "LEFT", "COUNT", "1"})));
  CHECK(NoReply(h.RunOn(c[1], {"BLMPOP", "0", "2", "b1", "b2", "RIGHT", "COUNT", "10"})));
  CHECK(NoReply(h.RunOn(c[2], {"BLMPOP", "0", "2", "b1", "b2", "LEFT", "COUNT", "10"})));
  CHECK(NoReply(h.RunOn(c[3], {"BLMPOP", "0", "2", "b1", "b2", "RIGHT", "COUNT", "1"})));
  h.Run({"MULTI"});
  h.Run({"LPUSH", "b1", "a", "b", "c", "d", "e"});
  h.Run({"LPUSH", "b2", "1", "2", "3", "4", "5"});
  h.Run({"EXEC"});
  RespValue r0 = Pending(c[0]), r1 = Pending(c[1]), r2 = Pending(c[2]);
  REQUIRE(r0.elems.size() == 2);
  CHECK(r0.elems[0].str == "b1");
  CHECK(Strs(r0.elems[1]) == std::vector<std::string>{"e"});
  CHECK(Strs(r1.elems[1]) == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(r2.elems[0].str == "b2");
  CHECK(Strs(r2.elems[1]) == std::vector<std::string>{"5", "4", "3", "2", "1"});
  CHECK(NoReply(Pending(c[3])));
  h.Run({"LPUSH", "b2", "1", "2", "3"});
  RespValue r3 = Pending(c[3]);
  CHECK(Strs(r3.elems[1]) == std::vector<std::string>{"1"});
}

TEST_CASE("lists: timeouts, CLIENT UNBLOCK and disconnects") {
  Harness h;
  ember::Client* a = h.NewClient();
  CHECK(NoReply(h.RunOn(a, {"BLPOP", "q", "0.5"})));
  auto& bk = h.server().blocking();
  bk.HandleTimeouts(ember::NowMs());
  CHECK(NoReply(Pending(a)));
  bk.HandleTimeouts(ember::NowMs() + 1000);
  RespValue r = Pending(a);
  CHECK(r.is_null());
  CHECK(a->out().empty());
  CHECK(bk.blocked_clients() == 0);

  CHECK(NoReply(h.RunOn(a, {"BRPOPLPUSH", "q", "d", "0"})));
  std::string id = std::to_string(a->id());
  CHECK(h.Run({"CLIENT", "UNBLOCK", id}).integer == 1);
  CHECK(Pending(a).is_null());
  CHECK(h.Run({"CLIENT", "UNBLOCK", id}).integer == 0);
  CHECK(NoReply(h.RunOn(a, {"BLPOP", "q", "0"})));
  CHECK(h.Run({"CLIENT", "UNBLOCK", id, "ERROR"}).integer == 1);
  CHECK(Pending(a).str == "UNBLOCKED client unblocked via CLIENT UNBLOCK");
  CHECK(h.Run({"CLIENT", "UNBLOCK", "asd"}).str == "ERR value is not an integer or out of range");

  ember::Client* b = h.NewClient();
  CHECK(NoReply(h.RunOn(a, {"BLPOP", "q", "0"})));
  CHECK(NoReply(h.RunOn(b, {"BLPOP", "q", "0"})));
  h.server().FreeClient(a);  // disconnect
  CHECK(bk.blocked_clients() == 1);
  h.Run({"RPUSH", "q", "x"});
  CHECK(Strs(Pending(b)) == std::vector<std::string>{"q", "x"});
}

TEST_CASE("lists: plain nodes via the packed threshold") {
  Harness h("enable-debug-command yes");
  CHECK(h.Run({"DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1b"}).str == "OK");
  h.Run({"RPUSH", "l", "aaaa", "bbbb", "cccc"});
  h.Run({"LPUSH", "l", "head"});
  CHECK(h.Run({"LINSERT", "l", "AFTER", "bbbb", "mid"}).integer == 5);
  CHECK(h.Run({"LSET", "l", "0", "new"}).str == "OK");
  CHECK(Strs(h.Run({"LRANGE", "l", "0", "-1"})) ==
        std::vector<std::string>{"new", "aaaa", "bbbb", "mid", "cccc"});
  CHECK(h.Run({"LPOS", "l", "mid"}).integer == 3);
  CHECK(h.Run({"LREM", "l", "0", "bbbb"}).integer == 1);
  CHECK(h.Run({"LMOVE", "l", "l2", "LEFT", "LEFT"}).str == "new");
  CHECK(h.Run({"LTRIM", "l", "1", "-1"}).str == "OK");
  CHECK(Strs(h.Run({"LRANGE", "l", "0", "-1"})) == std::vector<std::string>{"mid", "cccc"});
  CHECK(h.Run({"DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"}).str == "OK");
}

TEST_CASE("lists: COPY keeps the list and its encoding") {
  Harness h("list-compress-depth 1\nlist-max-listpack-size 2");
  for (int i = 0; i < 50; i++) h.Run({"RPUSH", "l", std::string(60, char('a' + i % 26))});
  CHECK(h.Run({"COPY", "l", "c"}).integer == 1);
  CHECK(h.Run({"OBJECT", "ENCODING", "c"}).str == "quicklist");
  CHECK(h.Run({"LRANGE", "c", "0", "-1"}).elems.size() == 50);
  CHECK(h.Run({"LINDEX", "c", "25"}).str == std::string(60, char('a' + 25)));
  CHECK(h.Run({"MEMORY", "USAGE", "l"}).integer > 0);
}

TEST_CASE("lists: compressed nodes with inserts, trims and sets (regular and plain)") {
  Harness h("list-compress-depth 2\nlist-max-listpack-size 1\nenable-debug-command yes");
  auto rep = [](char ch) { return std::string(500, ch); };
  for (const char* threshold : {"0", "1b"}) {
    CAPTURE(threshold);
    h.Run({"FLUSHALL"});
    CHECK(h.Run({"DEBUG", "QUICKLIST-PACKED-THRESHOLD", threshold}).str == "OK");
    for (char ch : {'a', 'b', 'c', 'd'}) h.Run({"LPUSH", "list1", rep(ch)});
    for (char ch : {'e', 'f', 'g', 'j'}) h.Run({"LINSERT", "list1", "AFTER", rep('d'), rep(ch)});
    for (char ch : {'d', 'j', 'g', 'f', 'e', 'c', 'b', 'a'}) {
      CHECK(h.Run({"LPOP", "list1"}).str == rep(ch));
    }
    h.Run({"LPUSH", "list2", rep('a')});
    h.Run({"LINSERT", "list2", "AFTER", rep('a'), rep('b')});
    h.Run({"RPUSH", "list2", rep('c')});
    CHECK(h.Run({"LINDEX", "list2", "1"}).str == rep('b'));
    CHECK(h.Run({"LTRIM", "list2", "1", "-1"}).str == "OK");
    CHECK(h.Run({"LLEN", "list2"}).integer == 2);
    h.Run({"LPUSH", "list3", rep('a')});
    CHECK(h.Run({"LSET", "list3", "0", rep('b')}).str == "OK");
    CHECK(h.Run({"LINDEX", "list3", "0"}).str == rep('b'));
    h.Run({"LPUSH", "list3", rep('c')});
    CHECK(h.Run({"LSET", "list3", "0", rep('d')}).str == "OK");
    CHECK(h.Run({"LINDEX", "list3", "0"}).str == rep('d'));
  }
  h.Run({"DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"});
}
