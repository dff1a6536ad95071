#include <doctest/doctest.h>

#include "common/util/clock.h"
#include "tests/unit/server/harness.h"

using ember::RespValue;
using ember::test::Harness;

TEST_CASE("strings: SET/GET and options") {
  Harness h;
  CHECK(h.Run({"SET", "k", "v"}).str == "OK");
  CHECK(h.Run({"GET", "k"}).str == "v");
  CHECK(h.Run({"GET", "missing"}).is_null());
  CHECK(h.Run({"SET", "k", "w", "NX"}).is_null());
  CHECK(h.Run({"SET", "k", "w", "XX", "GET"}).str == "v");
  CHECK(h.Run({"GET", "k"}).str == "w");
  CHECK(h.Run({"SET", "nx", "1", "XX"}).is_null());
  CHECK(h.Run({"SET", "k", "v", "NX", "XX"}).str == "ERR syntax error");
  CHECK(h.Run({"SET", "k", "v", "EX", "10", "PX", "100"}).str == "ERR syntax error");
  CHECK(h.Run({"SET", "k", "v", "EX", "0"}).str == "ERR invalid expire time in 'set' command");
  CHECK(h.Run({"SET", "k", "v", "EX", "abc"}).str == "ERR value is not an integer or out of range");
  CHECK(h.Run({"SET", "k", "v", "EX", "9223372036854775"}).str ==
        "ERR invalid expire time in 'set' command");
  CHECK(h.Run({"GET"}).str == "ERR wrong number of arguments for 'get' command");
}

TEST_CASE("strings: TTLs follow a fake clock") {
  Harness h;
  ember::SetFakeTimeUs(1'000'000'000'000'000);
  CHECK(h.Run({"SET", "k", "v", "PX", "1500"}).str == "OK");
  CHECK(h.Run({"PTTL", "k"}).integer == 1500);
  CHECK(h.Run({"SET", "k2", "v", "KEEPTTL"}).str == "OK");
  ember::SetFakeTimeUs(1'000'000'000'000'000 + 1'000'000);
  CHECK(h.Run({"GET", "k"}).str == "v");
  ember::SetFakeTimeUs(1'000'000'000'000'000 + 2'000'000);
  CHECK(h.Run({"GET", "k"}).is_null());  // lazily expired
  CHECK(h.Run({"EXISTS", "k"}).integer == 0);
  ember::ClearFakeTime();
}

TEST_CASE("strings: counters") {
  Harness h;
  CHECK(h.Run({"INCR", "c"}).integer == 1);
  CHECK(h.Run({"INCRBY", "c", "41"}).integer == 42);
  CHECK(h.Run({"DECRBY", "c", "2"}).integer == 40);
  CHECK(h.Run({"OBJECT", "ENCODING", "c"}).str == "int");
  CHECK(h.Run({"SET", "big", "9223372036854775807"}).str == "OK");
  CHECK(h.Run({"INCR", "big"}).str == "ERR increment or decrement would overflow");
  CHECK(h.Run({"SET", "s", "abc"}).str == "OK");
  CHECK(h.Run({"INCR", "s"}).str == "ERR value is not an integer or out of range");
  CHECK(h.Run({"DECRBY", "c", "-9223372036854775808"}).str == "ERR decrement would overflow");
  CHECK(h.Run({"INCRBYFLOAT", "f", "10.5"}).str == "10.5");
  CHECK(h.Run({"INCRBYFLOAT", "f", "0.1"}).str == "10.6");
  CHECK(h.Run({"INCRBYFLOAT", "f", "5.0e3"}).str == "5010.60000000000000009");  // as Redis
  CHECK(h.Run({"INCRBYFLOAT", "f", "nan"}).str == "ERR value is not a valid float");
}

TEST_CASE("strings: APPEND, SETRANGE, GETRANGE, STRLEN") {
  Harness h;
  CHECK(h.Run({"APPEND", "a", "hello"}).integer == 5);
  CHECK(h.Run({"APPEND", "a", " world"}).integer == 11);
  CHECK(h.Run({"OBJECT", "ENCODING", "a"}).str == "raw");
  CHECK(h.Run({"GETRANGE", "a", "0", "4"}).str == "hello");
  CHECK(h.Run({"GETRANGE", "a", "-5", "-1"}).str == "world");
  CHECK(h.Run({"GETRANGE", "a", "5", "3"}).str == "");
  CHECK(h.Run({"SETRANGE", "a", "6", "WORLD"}).integer == 11);
  CHECK(h.Run({"GET", "a"}).str == "hello WORLD");
  CHECK(h.Run({"SETRANGE", "z", "3", "x"}).integer == 4);
  CHECK(h.Run({"GET", "z"}).str == std::string("\0\0\0x", 4));
  CHECK(h.Run({"SETRANGE", "z", "-1", "x"}).str == "ERR offset is out of range");
  CHECK(h.Run({"SETRANGE", "z", "536870911", "xx"}).str ==
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  CHECK(h.Run({"STRLEN", "a"}).integer == 11);
  CHECK(h.Run({"STRLEN", "nope"}).integer == 0);
}

TEST_CASE("strings: multi-key and misc") {
  Harness h;
  CHECK(h.Run({"MSET", "a", "1", "b", "2"}).str == "OK");
  RespValue r = h.Run({"MGET", "a", "b", "c"});
  REQUIRE(r.elems.size() == 3);
  CHECK(r.elems[0].str == "1");
  CHECK(r.elems[2].is_null());
  CHECK(h.Run({"MSETNX", "c", "3", "a", "x"}).integer == 0);
  CHECK(h.Run({"MSET", "a"}).str == "ERR wrong number of arguments for 'mset' command");
  CHECK(h.Run({"GETSET", "a", "9"}).str == "1");
  CHECK(h.Run({"GETDEL", "a"}).str == "9");
  CHECK(h.Run({"GET", "a"}).is_null());
  CHECK(h.Run({"SETNX", "b", "x"}).integer == 0);
  CHECK(h.Run({"SET", "x", "ohmytext"}).str == "OK");
  CHECK(h.Run({"SET", "y", "mynewtext"}).str == "OK");
  CHECK(h.Run({"LCS", "x", "y"}).str == "mytext");
  CHECK(h.Run({"LCS", "x", "y", "LEN"}).integer == 6);
  RespValue idx = h.Run({"LCS", "x", "y", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"});
  REQUIRE(idx.elems.size() == 4);
  CHECK(idx.elems[1].elems.size() == 1);
  CHECK(idx.elems[3].integer == 6);
}
