#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/unit/server/harness.h"

using ember::test::Harness;

namespace {

std::vector<std::string> Args(std::vector<std::string> head, const std::string& prefix, int n) {
  for (int i = 0; i < n; i++) head.push_back(prefix + std::to_string(i));
  return head;
}

}  // namespace

TEST_CASE("hll: PFADD creates, reports changes, and stores Redis's bytes") {
  Harness h;
  CHECK(h.Run({"PFADD", "hll"}).integer == 1);
  CHECK(h.Run({"EXISTS", "hll"}).integer == 1);
  CHECK(h.Run({"TYPE", "hll"}).str == "string");
  CHECK(h.Run({"PFADD", "hll"}).integer == 0);
  CHECK(h.Run({"PFCOUNT", "hll"}).integer == 0);
  CHECK(h.Run({"PFADD", "hll", "a", "b", "c"}).integer == 1);
  CHECK(h.Run({"PFADD", "hll", "a", "b", "c"}).integer == 0);
  CHECK(h.Run({"PFADD", "hll", ""}).integer == 1);
  CHECK(h.Run({"PFCOUNT", "hll"}).integer == 4);
  // Redis 7.0.15: PFADD x a b c stores exactly these bytes.
  CHECK(h.Run({"PFADD", "x", "a", "b", "c"}).integer == 1);
  CHECK(h.Run({"GET", "x"}).str ==
        std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a",
                    27));
}

TEST_CASE("hll: PFCOUNT caches in the header and counts as a write") {
  Harness h;
  h.Run({"PFADD", "hll", "a", "b", "c"});
  CHECK(h.Run({"GETRANGE", "hll", "15", "15"}).str == "\x80");
  int64_t dirty = h.server().dirty;
  CHECK(h.Run({"PFCOUNT", "hll"}).integer == 3);
  CHECK(h.server().dirty == dirty + 1);
  CHECK(h.Run({"GETRANGE", "hll", "8", "15"}).str == std::string("\x03\0\0\0\0\0\0\0", 8));
  CHECK(h.Run({"PFCOUNT", "hll"}).integer == 3);  // from the cache: no change
  CHECK(h.server().dirty == dirty + 1);
  CHECK(h.Run({"PFADD", "hll", "a", "b", "c"}).integer == 0);
  CHECK(h.Run({"GETRANGE", "hll", "15", "15"}).str == std::string("\0", 1));
  CHECK(h.Run({"PFADD", "hll", "1", "2", "3"}).integer == 1);
  CHECK(h.Run({"GETRANGE", "hll", "15", "15"}).str == "\x80");
  CHECK(h.Run({"PFCOUNT", "nokey"}).integer == 0);
}

TEST_CASE("hll: sparse to dense promotion follows hll-sparse-max-bytes") {
  Harness h;
  CHECK(h.Run({"CONFIG", "GET", "hll-sparse-max-bytes"}).elems[1].str == "3000");
  h.Run(Args({"PFADD", "s"}, "e", 100));
  CHECK(h.Run({"PFDEBUG", "ENCODING", "s"}).str == "sparse");
  CHECK(h.Run({"CONFIG", "SET", "hll-sparse-max-bytes", "100"}).str == "OK");
  CHECK(h.Run({"CONFIG", "GET", "hll-sparse-max-bytes"}).elems[1].str == "100");
  CHECK(h.Run({"PFADD", "s", "another", "one", "and", "more"}).integer == 1);
  CHECK(h.Run({"PFDEBUG", "ENCODING", "s"}).str == "dense");
  CHECK(h.Run({"STRLEN", "s"}).integer == 12304);
  CHECK(h.Run({"PFCOUNT", "s"}).integer == 104);
}

TEST_CASE("hll: PFDEBUG") {
  Harness h;
  CHECK(h.Run({"PFDEBUG", "GETREG", "nokey"}).str == "ERR The specified key does not exist");
  h.Run({"PFADD", "hll", "a", "b", "c"});
  CHECK(h.Run({"PFDEBUG", "DECODE", "hll"}).str == "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603");
  CHECK(h.Run({"PFDEBUG", "nope", "hll"}).str == "ERR Unknown PFDEBUG subcommand 'nope'");
  CHECK(h.Run({"PFDEBUG", "encoding", "hll", "x"}).str ==
        "ERR wrong number of arguments for 'pfdebug' command");
  auto regs = h.Run({"PFDEBUG", "GETREG", "hll"});
  REQUIRE(regs.elems.size() == 16384);
  int nonzero = 0;
  for (const auto& r : regs.elems) nonzero += r.integer != 0;
  CHECK(nonzero == 3);
  CHECK(h.Run({"PFDEBUG", "ENCODING", "hll"}).str == "dense");  // GETREG converted it
  CHECK(h.Run({"PFDEBUG", "DECODE", "hll"}).str == "ERR HLL encoding is not sparse");
  CHECK(h.Run({"PFDEBUG", "TODENSE", "hll"}).integer == 0);
  h.Run({"PFADD", "h2", "x"});
  CHECK(h.Run({"PFDEBUG", "TODENSE", "h2"}).integer == 1);
  CHECK(h.Run({"PFCOUNT", "h2"}).integer == 1);
  h.Run({"SET", "str", "hello"});
  CHECK(h.Run({"PFDEBUG", "ENCODING", "str"}).str ==
        "WRONGTYPE Key is not a valid HyperLogLog string value.");
}

TEST_CASE("hll: PFMERGE and multi-key PFCOUNT") {
  Harness h;
  h.Run({"PFADD", "h1", "a", "b", "c"});
  h.Run({"PFADD", "h2", "b", "c", "d"});
  h.Run({"PFADD", "h3", "c", "d", "e"});
  CHECK(h.Run({"PFCOUNT", "h1", "h2", "h3", "missing"}).integer == 5);
  CHECK(h.Run({"PFMERGE", "dst", "h1", "h2", "h3"}).str == "OK");
  CHECK(h.Run({"PFCOUNT", "dst"}).integer == 5);
  CHECK(h.Run({"PFDEBUG", "ENCODING", "dst"}).str == "sparse");
  // A dense source makes the destination dense; the destination is also a source.
  h.Run({"PFDEBUG", "TODENSE", "h3"});
  h.Run({"PFADD", "dst", "f"});
  CHECK(h.Run({"PFMERGE", "dst", "h3"}).str == "OK");
  CHECK(h.Run({"PFDEBUG", "ENCODING", "dst"}).str == "dense");
  CHECK(h.Run({"PFCOUNT", "dst"}).integer == 6);
  CHECK(h.Run({"PFMERGE", "empty"}).str == "OK");
  CHECK(h.Run({"PFCOUNT", "empty"}).integer == 0);
}

TEST_CASE("hll: type errors and corrupt values") {
  Harness h;
  h.Run({"SET", "foo", "bar"});
  h.Run({"LPUSH", "list", "x"});
  const std::string not_hll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
  CHECK(h.Run({"PFADD", "foo", "1"}).str == not_hll);
  CHECK(h.Run({"PFCOUNT", "foo"}).str == not_hll);
  CHECK(h.Run({"PFMERGE", "bar", "foo"}).str == not_hll);
  CHECK(h.Run({"PFMERGE", "foo", "bar"}).str == not_hll);
  CHECK(h.Run({"PFADD", "list", "1"}).str.rfind("WRONGTYPE Operation against", 0) == 0);
  CHECK(h.Run({"PFCOUNT", "list", "foo"}).str.rfind("WRONGTYPE Operation against", 0) == 0);

  h.Run({"PFADD", "hll", "a", "b", "c"});
  h.Run({"APPEND", "hll", "hello"});
  CHECK(h.Run({"PFCOUNT", "hll"}).str == "INVALIDOBJ Corrupted HLL object detected");
  CHECK(h.Run({"PFCOUNT", "hll", "hll"}).str == "INVALIDOBJ Corrupted HLL object detected");
  CHECK(h.Run({"PFMERGE", "d", "hll"}).str == "INVALIDOBJ Corrupted HLL object detected");
  CHECK(h.Run({"EXISTS", "d"}).integer == 0);

  h.Run({"DEL", "hll"});
  h.Run({"PFADD", "hll", "a", "b", "c"});
  h.Run({"SETRANGE", "hll", "4", std::string("\0", 1)});  // dense with a sparse length
  CHECK(h.Run({"PFCOUNT", "hll"}).str == not_hll);
  h.Run({"SETRANGE", "hll", "0", "0123"});
  CHECK(h.Run({"PFADD", "hll", "z"}).str == not_hll);
}

TEST_CASE("hll: PFSELFTEST") {
  Harness h;
  CHECK(h.Run({"PFSELFTEST"}).str == "OK");
}

TEST_CASE("hll: PFCOUNT may replicate: read-only scripts refuse it, COMMAND INFO hides it") {
  Harness h;
  h.Run({"PFADD", "k", "a"});
  auto r = h.Run({"EVAL_RO", "return redis.call('pfcount', KEYS[1])", "1", "k"});
  CHECK(r.is_error());
  CHECK(r.str.rfind("ERR Write commands are not allowed from read-only scripts.", 0) == 0);
  auto info = h.Run({"COMMAND", "INFO", "pfcount"});
  REQUIRE(info.elems.size() == 1);
  REQUIRE(info.elems[0].elems.size() > 2);
  const auto& flags = info.elems[0].elems[2].elems;
  REQUIRE(flags.size() == 1);
  CHECK(flags[0].str == "readonly");
}
