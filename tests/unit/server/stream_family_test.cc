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

// [[id, [f, v, ...]], ...] as "id:f=v,f=v" strings.
std::vector<std::string> Entries(const RespValue& v) {
  std::vector<std::string> out;
  for (const auto& e : v.elems) {
    if (e.elems.size() != 2) {
      out.push_back("?");
      continue;
    }
    std::string s = e.elems[0].str + ":";
    if (e.elems[1].is_null()) s += "(nil)";
    for (size_t i = 0; i + 1 < e.elems[1].elems.size(); i += 2) {
      if (i) s += ",";
      s += e.elems[1].elems[i].str + "=" + e.elems[1].elems[i + 1].str;
    }
    out.push_back(s);
  }
  return out;
}

// A field of a map reply (RESP2: flat array of key, value, ...).
const RespValue* Field(const RespValue& v, const std::string& name) {
  for (size_t i = 0; i + 1 < v.elems.size(); i += 2) {
    if (v.elems[i].str == name) return &v.elems[i + 1];
  }
  return nullptr;
}

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

TEST_CASE("streams: XADD, XLEN, XRANGE, TYPE, OBJECT ENCODING") {
  Harness h;
  CHECK(h.Run({"XADD", "s", "1-1", "a", "1", "b", "2"}).str == "1-1");
  CHECK(h.Run({"XADD", "s", "1-*", "a", "3", "b", "4"}).str == "1-2");
  CHECK(h.Run({"XADD", "s", "5", "c", "5"}).str == "5-0");
  CHECK(h.Run({"XLEN", "s"}).integer == 3);
  CHECK(h.Run({"XLEN", "nokey"}).integer == 0);
  CHECK(h.Run({"TYPE", "s"}).str == "stream");
  CHECK(h.Run({"OBJECT", "ENCODING", "s"}).str == "stream");
  CHECK(Entries(h.Run({"XRANGE", "s", "-", "+"})) ==
        std::vector<std::string>{"1-1:a=1,b=2", "1-2:a=3,b=4", "5-0:c=5"});
  CHECK(Entries(h.Run({"XREVRANGE", "s", "+", "-", "COUNT", "2"})) ==
        std::vector<std::string>{"5-0:c=5", "1-2:a=3,b=4"});
  CHECK(Entries(h.Run({"XRANGE", "s", "(1-1", "(5-0"})) == std::vector<std::string>{"1-2:a=3,b=4"});
  // An incomplete end ID means its whole millisecond.
  CHECK(Entries(h.Run({"XRANGE", "s", "(1-1", "(5"})).size() == 2);
  CHECK(Entries(h.Run({"XRANGE", "s", "1", "1"})) ==
        std::vector<std::string>{"1-1:a=1,b=2", "1-2:a=3,b=4"});
  CHECK(h.Run({"XRANGE", "s", "-", "+", "COUNT", "0"}).is_null());
  CHECK(h.Run({"XRANGE", "nokey", "-", "+"}).elems.empty());
  CHECK(h.Run({"XRANGE", "s", "(-", "+"}).str ==
        "ERR Invalid stream ID specified as stream command argument");
  CHECK(h.Run({"XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"}).str ==
        "ERR invalid start ID for the interval");
  CHECK(h.Run({"XRANGE", "s", "-", "(0-0"}).str == "ERR invalid end ID for the interval");
  CHECK(h.Run({"XRANGE", "s", "-", "+", "COUNT"}).str == "ERR syntax error");
  CHECK(h.Run({"XRANGE", "s", "-", "+", "COUNT", "x"}).str ==
        "ERR value is not an integer or out of range");

  // Auto IDs are increasing.
  std::string a = h.Run({"XADD", "t", "*", "f", "v"}).str;
  std::string b = h.Run({"XADD", "t", "*", "f", "v"}).str;
  CHECK(a < b);

  h.Run({"SET", "str", "x"});
  CHECK(h.Run({"XADD", "str", "*", "f", "v"}).str.rfind("WRONGTYPE", 0) == 0);
  CHECK(h.Run({"XLEN", "str"}).str.rfind("WRONGTYPE", 0) == 0);
  CHECK(h.Run({"SCAN", "0", "TYPE", "stream"}).elems[1].elems.size() == 2);
}

TEST_CASE("streams: XADD errors and options") {
  Harness h;
  CHECK(h.Run({"XADD", "s", "*", "f"}).str == "ERR wrong number of arguments for 'xadd' command");
  CHECK(h.Run({"XADD", "s", "MAXLEN", "5", "*", "f"}).str ==
        "ERR wrong number of arguments for 'xadd' command");
  CHECK(h.Run({"XADD", "s", "0-0", "f", "v"}).str ==
        "ERR The ID specified in XADD must be greater than 0-0");
  CHECK(h.Run({"EXISTS", "s"}).integer == 0);
  CHECK(h.Run({"XADD", "s", "abc", "f", "v"}).str ==
        "ERR Invalid stream ID specified as stream command argument");
  CHECK(h.Run({"XADD", "s", "+", "f", "v"}).str ==
        "ERR Invalid stream ID specified as stream command argument");
  CHECK(h.Run({"XADD", "s", "5-5", "f", "v"}).str == "5-5");
  CHECK(h.Run({"XADD", "s", "5-5", "f", "v"}).str ==
        "ERR The ID specified in XADD is equal or smaller than the target stream top item");
  CHECK(h.Run({"XADD", "s", "4-*", "f", "v"}).str ==
        "ERR The ID specified in XADD is equal or smaller than the target stream top item");
  CHECK(h.Run({"XADD", "s", "MAXLEN", "-1", "*", "f", "v"}).str ==
        "ERR The MAXLEN argument must be >= 0.");
  CHECK(h.Run({"XADD", "s", "MAXLEN", "1", "MINID", "1", "*", "f", "v"}).str ==
        "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
  CHECK(h.Run({"XADD", "s", "LIMIT", "5", "*", "f", "v"}).str ==
        "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
  CHECK(h.Run({"XADD", "s", "MAXLEN", "5", "LIMIT", "5", "*", "f", "v"}).str ==
        "ERR syntax error, LIMIT cannot be used without the special ~ option");
  CHECK(h.Run({"XADD", "s", "MAXLEN", "5", "LIMIT", "-1", "*", "f", "v"}).str ==
        "ERR The LIMIT argument must be >= 0.");
  CHECK(h.Run({"XADD", "nostream", "NOMKSTREAM", "*", "f", "v"}).is_null());
  CHECK(h.Run({"EXISTS", "nostream"}).integer == 0);
  h.Run({"DEL", "s"});
  h.Run({"XADD", "s", "18446744073709551615-18446744073709551615", "f", "v"});
  CHECK(h.Run({"XADD", "s", "*", "f", "v"}).str ==
        "ERR The stream has exhausted the last possible ID, unable to add more items");

  // MAXLEN exact and approximate, MINID.
  h.Run({"DEL", "s"});
  for (int i = 1; i <= 100; i++) h.Run({"XADD", "s", "MAXLEN", "5", std::to_string(i), "f", "v"});
  CHECK(h.Run({"XLEN", "s"}).integer == 5);
  h.Run({"DEL", "s"});
  for (int i = 1; i <= 1000; i++) {
    h.Run({"XADD", "s", "MAXLEN", "~", "555", std::to_string(i), "f", "v"});
  }
  CHECK(h.Run({"XLEN", "s"}).integer == 600);
  h.Run({"DEL", "s"});
  for (int i = 1; i <= 10; i++) h.Run({"XADD", "s", std::to_string(i), "f", "v"});
  CHECK(h.Run({"XTRIM", "s", "MINID", "=", "4"}).integer == 3);
  CHECK(Entries(h.Run({"XRANGE", "s", "-", "+", "COUNT", "1"})) ==
        std::vector<std::string>{"4-0:f=v"});
  CHECK(h.Run({"XTRIM", "s", "MAXLEN", "2"}).integer == 5);
  CHECK(h.Run({"XTRIM", "s", "foo", "2"}).str == "ERR syntax error");
  CHECK(h.Run({"XTRIM", "s", "LIMIT", "2"}).str ==
        "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
  CHECK(h.Run({"XTRIM", "nokey", "MAXLEN", "2"}).integer == 0);

  // stream-node-max-entries read at each XADD; LIMIT caps approximate trims.
  h.Run({"DEL", "s"});
  h.Run({"CONFIG", "SET", "stream-node-max-entries", "10"});
  for (int i = 1; i <= 100; i++) h.Run({"XADD", "s", std::to_string(i), "f", "v"});
  h.Run({"XADD", "s", "MAXLEN", "~", "55", "LIMIT", "30", "*", "f", "v"});
  CHECK(h.Run({"XLEN", "s"}).integer == 71);
  RespValue info = h.Run({"XINFO", "STREAM", "s"});
  REQUIRE(Field(info, "radix-tree-keys"));
  CHECK(Field(info, "radix-tree-keys")->integer == 8);
}

TEST_CASE("streams: XDEL, XSETID and the 7.0 counters in XINFO STREAM") {
  Harness h;
  for (int i = 1; i <= 5; i++) h.Run({"XADD", "x", std::to_string(i) + "-0", "data", "a"});
  CHECK(h.Run({"XDEL", "x", "2-0", "9-9"}).integer == 1);
  CHECK(h.Run({"XDEL", "x", "1-0", "bad"}).str ==
        "ERR Invalid stream ID specified as stream command argument");
  CHECK(h.Run({"XLEN", "x"}).integer == 4);
  RespValue info = h.Run({"XINFO", "STREAM", "x"});
  CHECK(Field(info, "length")->integer == 4);
  CHECK(Field(info, "max-deleted-entry-id")->str == "2-0");
  CHECK(Field(info, "entries-added")->integer == 5);
  CHECK(Field(info, "recorded-first-entry-id")->str == "1-0");
  CHECK(Field(info, "last-generated-id")->str == "5-0");
  CHECK(Field(info, "groups")->integer == 0);
  CHECK(Field(info, "first-entry")->elems.at(0).str == "1-0");
  CHECK(Field(info, "last-entry")->elems.at(0).str == "5-0");
  CHECK(h.Run({"XDEL", "x", "1-0"}).integer == 1);
  info = h.Run({"XINFO", "STREAM", "x", "FULL"});
  CHECK(Field(info, "recorded-first-entry-id")->str == "3-0");
  CHECK(Entries(*Field(info, "entries")) ==
        std::vector<std::string>{"3-0:data=a", "4-0:data=a", "5-0:data=a"});
  CHECK(h.Run({"XINFO", "STREAM", "x", "FULL", "COUNT"}).str ==
        "ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.");
  CHECK(h.Run({"XINFO", "STREAM", "nokey"}).str == "ERR no such key");

  CHECK(h.Run({"XSETID", "x", "1-0"}).str ==
        "ERR The ID specified in XSETID is smaller than the target stream top item");
  CHECK(h.Run({"XSETID", "x", "9-0", "ENTRIESADDED", "1"}).str ==
        "ERR The entries_added specified in XSETID is smaller than the target stream length");
  CHECK(h.Run({"XSETID", "x", "9-0", "ENTRIESADDED", "-1"}).str ==
        "ERR entries_added must be positive");
  CHECK(h.Run({"XSETID", "x", "9-0", "MAXDELETEDID", "10-0"}).str ==
        "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
  CHECK(h.Run({"XSETID", "x", "9-0", "0"}).str == "ERR syntax error");
  CHECK(h.Run({"XSETID", "nokey", "9-0"}).str == "ERR no such key");
  CHECK(h.Run({"XSETID", "x", "9-0", "ENTRIESADDED", "10", "MAXDELETEDID", "8-0"}).str == "OK");
  info = h.Run({"XINFO", "STREAM", "x"});
  CHECK(Field(info, "last-generated-id")->str == "9-0");
  CHECK(Field(info, "entries-added")->integer == 10);
  CHECK(Field(info, "max-deleted-entry-id")->str == "8-0");
  CHECK(h.Run({"XADD", "x", "9-0", "f", "v"}).str.find("equal or smaller") != std::string::npos);
}

TEST_CASE("streams: consumer groups, XREADGROUP, XACK, XPENDING") {
  Harness h;
  CHECK(h.Run({"XGROUP", "CREATE", "s", "g", "$"}).str ==
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
        "to use the MKSTREAM option to create an empty stream automatically.");
  CHECK(h.Run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}).str == "OK");
  CHECK(h.Run({"XGROUP", "CREATE", "s", "g", "$"}).str ==
        "BUSYGROUP Consumer Group name already exists");
  CHECK(h.Run({"XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "-2"}).str ==
        "ERR value for ENTRIESREAD must be positive or -1");
  CHECK(h.Run({"XGROUP", "CREATE", "s", "g2", "$", "FOO"}).str ==
        "ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.");
  CHECK(h.Run({"XGROUP", "SETID", "s", "nog", "0"}).str ==
        "NOGROUP No such consumer group 'nog' for key name 's'");
  CHECK(h.Run({"XGROUP", "HELP", "x"}).str ==
        "ERR wrong number of arguments for 'xgroup|help' command");

  h.Run({"XADD", "s", "1-0", "a", "1"});
  h.Run({"XADD", "s", "2-0", "b", "2"});
  RespValue r = h.Run({"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"});
  REQUIRE(r.elems.size() == 1);
  CHECK(r.elems[0].elems[0].str == "s");
  CHECK(Entries(r.elems[0].elems[1]) == std::vector<std::string>{"1-0:a=1", "2-0:b=2"});
  h.Run({"XADD", "s", "3-0", "c", "3"});
  r = h.Run({"XREADGROUP", "GROUP", "g", "c2", "COUNT", "10", "STREAMS", "s", ">"});
  CHECK(Entries(r.elems[0].elems[1]) == std::vector<std::string>{"3-0:c=3"});
  // Nothing new: nil.
  CHECK(h.Run({"XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"}).is_null());
  // History of each consumer.
  r = h.Run({"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"});
  CHECK(Entries(r.elems[0].elems[1]) == std::vector<std::string>{"1-0:a=1", "2-0:b=2"});

  // XPENDING summary and extended forms.
  r = h.Run({"XPENDING", "s", "g"});
  REQUIRE(r.elems.size() == 4);
  CHECK(r.elems[0].integer == 3);
  CHECK(r.elems[1].str == "1-0");
  CHECK(r.elems[2].str == "3-0");
  REQUIRE(r.elems[3].elems.size() == 2);
  CHECK(Strs(r.elems[3].elems[0]) == std::vector<std::string>{"c1", "2"});
  r = h.Run({"XPENDING", "s", "g", "-", "+", "10"});
  REQUIRE(r.elems.size() == 3);
  CHECK(r.elems[0].elems[1].str == "c1");
  CHECK(r.elems[0].elems[3].integer == 2);  // delivered twice (history read)
  CHECK(r.elems[2].elems[1].str == "c2");
  CHECK(h.Run({"XPENDING", "s", "g", "-", "+", "10", "c2"}).elems.size() == 1);
  CHECK(h.Run({"XPENDING", "s", "g", "-", "+", "10", "nobody"}).elems.empty());
  CHECK(h.Run({"XPENDING", "s", "g", "(1-0", "(3-0", "10"}).elems.size() == 1);
  CHECK(h.Run({"XPENDING", "s", "g", "IDLE", "99999999", "-", "+", "10"}).elems.empty());
  CHECK(h.Run({"XPENDING", "s", "g", "IDLE", "0", "-"}).str == "ERR syntax error");
  CHECK(h.Run({"XPENDING", "s", "nog"}).str == "NOGROUP No such key 's' or consumer group 'nog'");

  // XACK.
  CHECK(h.Run({"XACK", "s", "g", "1-0", "bad"}).str ==
        "ERR Invalid stream ID specified as stream command argument");
  CHECK(h.Run({"XACK", "s", "g", "1-0", "2-0", "9-0"}).integer == 2);
  CHECK(h.Run({"XACK", "s", "g", "1-0"}).integer == 0);
  CHECK(h.Run({"XACK", "s", "nog", "3-0"}).integer == 0);
  CHECK(h.Run({"XPENDING", "s", "g"}).elems[0].integer == 1);

  // Errors of XREAD / XREADGROUP.
  CHECK(h.Run({"XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"}).str ==
        "NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option");
  CHECK(h.Run({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"})
            .str.find("The $ ID is meaningless") != std::string::npos);
  CHECK(h.Run({"XREADGROUP", "COUNT", "1", "NOACK", "STREAMS", "s", ">"}).str ==
        "ERR Missing GROUP option for XREADGROUP");
  CHECK(h.Run({"XREAD", "STREAMS", "s", ">"}).str ==
        "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
        "<consumer> option.");
  CHECK(h.Run({"XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"}).str ==
        "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
  CHECK(h.Run({"XREAD", "NOACK", "STREAMS", "s", "0"}).str ==
        "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
  CHECK(h.Run({"XREAD", "STREAMS", "s", "t", "0"}).str ==
        "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
        "specified.");
  CHECK(h.Run({"XREAD", "COUNT", "1", "s", "0"}).str == "ERR syntax error");
  CHECK(h.Run({"XREAD", "BLOCK", "-1", "STREAMS", "s", "0"}).str == "ERR timeout is negative");
  CHECK(h.Run({"XREAD", "BLOCK", "x", "STREAMS", "s", "0"}).str ==
        "ERR timeout is not an integer or out of range");

  // XINFO GROUPS / CONSUMERS, CREATECONSUMER / DELCONSUMER / DESTROY.
  r = h.Run({"XINFO", "GROUPS", "s"});
  REQUIRE(r.elems.size() == 1);
  CHECK(Field(r.elems[0], "name")->str == "g");
  CHECK(Field(r.elems[0], "consumers")->integer == 2);
  CHECK(Field(r.elems[0], "pending")->integer == 1);
  CHECK(Field(r.elems[0], "last-delivered-id")->str == "3-0");
  CHECK(Field(r.elems[0], "entries-read")->integer == 3);
  CHECK(Field(r.elems[0], "lag")->integer == 0);
  CHECK(h.Run({"XGROUP", "CREATECONSUMER", "s", "g", "c1"}).integer == 0);
  CHECK(h.Run({"XGROUP", "CREATECONSUMER", "s", "g", "c3"}).integer == 1);
  r = h.Run({"XINFO", "CONSUMERS", "s", "g"});
  CHECK(r.elems.size() == 3);
  CHECK(Field(r.elems[1], "name")->str == "c2");
  CHECK(Field(r.elems[1], "pending")->integer == 1);
  CHECK(h.Run({"XINFO", "CONSUMERS", "s", "nog"}).str ==
        "NOGROUP No such consumer group 'nog' for key name 's'");
  CHECK(h.Run({"XGROUP", "DELCONSUMER", "s", "g", "c2"}).integer == 1);
  CHECK(h.Run({"XPENDING", "s", "g"}).elems[0].integer == 0);
  CHECK(h.Run({"XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0"}).str == "OK");
  r = h.Run({"XREADGROUP", "GROUP", "g", "c1", "NOACK", "STREAMS", "s", ">"});
  CHECK(Entries(r.elems[0].elems[1]).size() == 3);
  CHECK(h.Run({"XPENDING", "s", "g"}).elems[0].integer == 0);
  CHECK(h.Run({"XGROUP", "DESTROY", "s", "g"}).integer == 1);
  CHECK(h.Run({"XGROUP", "DESTROY", "s", "g"}).integer == 0);
}

TEST_CASE("streams: read counter and lag") {
  Harness h;
  for (int i = 1; i <= 5; i++) h.Run({"XADD", "x", std::to_string(i) + "-0", "d", "v"});
  h.Run({"XDEL", "x", "3-0"});
  h.Run({"XGROUP", "CREATE", "x", "g1", "0"});
  auto group = [&] {
    RespValue info = h.Run({"XINFO", "STREAM", "x", "FULL"});
    return Field(info, "groups")->elems.at(0);
  };
  RespValue g = group();
  CHECK(Field(g, "entries-read")->is_null());
  CHECK(Field(g, "lag")->is_null());
  for (int i = 0; i < 3; i++)
    h.Run({"XREADGROUP", "GROUP", "g1", "c", "COUNT", "1", "STREAMS", "x", ">"});
  g = group();
  CHECK(Field(g, "entries-read")->is_null());
  h.Run({"XREADGROUP", "GROUP", "g1", "c", "COUNT", "1", "STREAMS", "x", ">"});
  g = group();
  CHECK(Field(g, "entries-read")->integer == 5);
  CHECK(Field(g, "lag")->integer == 0);
  h.Run({"XADD", "x", "6-0", "d", "v"});
  g = group();
  CHECK(Field(g, "lag")->integer == 1);
}

TEST_CASE("streams: XCLAIM and XAUTOCLAIM") {
  Harness h;
  for (int i = 1; i <= 3; i++) h.Run({"XADD", "x", std::to_string(i) + "-0", "f", "v"});
  h.Run({"XGROUP", "CREATE", "x", "grp", "0"});
  h.Run({"XREADGROUP", "GROUP", "grp", "Alice", "STREAMS", "x", ">"});
  h.Run({"XDEL", "x", "2-0"});
  CHECK(Entries(h.Run({"XCLAIM", "x", "grp", "Bob", "0", "1-0", "2-0", "3-0"})) ==
        std::vector<std::string>{"1-0:f=v", "3-0:f=v"});
  CHECK(h.Run({"XPENDING", "x", "grp", "-", "+", "10", "Alice"}).elems.empty());
  RespValue r = h.Run({"XPENDING", "x", "grp", "-", "+", "10"});
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].elems[1].str == "Bob");
  CHECK(r.elems[0].elems[3].integer == 2);
  CHECK(Strs(h.Run({"XCLAIM", "x", "grp", "Carol", "0", "1-0", "JUSTID"})) ==
        std::vector<std::string>{"1-0"});
  CHECK(h.Run({"XPENDING", "x", "grp", "-", "+", "10"}).elems[0].elems[3].integer == 2);
  CHECK(h.Run({"XCLAIM", "x", "grp", "Carol", "0", "1-0", "RETRYCOUNT", "7", "JUSTID"})
            .elems.size() == 1);
  CHECK(h.Run({"XPENDING", "x", "grp", "-", "+", "10"}).elems[0].elems[3].integer == 7);
  CHECK(h.Run({"XCLAIM", "x", "grp", "Carol", "0", "1-0", "BOGUS"}).str ==
        "ERR Unrecognized XCLAIM option 'BOGUS'");
  CHECK(h.Run({"XCLAIM", "x", "grp", "Carol", "x", "1-0"}).str ==
        "ERR Invalid min-idle-time argument for XCLAIM");
  CHECK(h.Run({"XCLAIM", "x", "grp", "Carol", "0", "1-0", "IDLE", "x"}).str ==
        "ERR Invalid IDLE option argument for XCLAIM");
  CHECK(h.Run({"XCLAIM", "x", "nog", "Carol", "0", "1-0"}).str ==
        "NOGROUP No such key 'x' or consumer group 'nog'");
  // A large min-idle-time claims nothing.
  CHECK(h.Run({"XCLAIM", "x", "grp", "Dave", "100000", "1-0"}).elems.empty());
  // FORCE creates PEL entries for existing entries only; LASTID moves the group.
  h.Run({"XADD", "x", "4-0", "f", "v"});
  CHECK(Strs(h.Run({"XCLAIM", "x", "grp", "Dave", "0", "4-0", "9-0", "FORCE", "JUSTID", "LASTID",
                    "4-0"})) == std::vector<std::string>{"4-0"});
  CHECK(Field(h.Run({"XINFO", "GROUPS", "x"}).elems[0], "last-delivered-id")->str == "4-0");

  // XAUTOCLAIM as an iterator, with deleted entries reported.
  h.Run({"DEL", "x"});
  for (int i = 1; i <= 5; i++) h.Run({"XADD", "x", std::to_string(i) + "-0", "f", "v"});
  h.Run({"XGROUP", "CREATE", "x", "grp", "0"});
  h.Run({"XREADGROUP", "GROUP", "grp", "Alice", "STREAMS", "x", ">"});
  h.Run({"XDEL", "x", "2-0"});
  r = h.Run({"XAUTOCLAIM", "x", "grp", "Bob", "0", "-", "COUNT", "2"});
  REQUIRE(r.elems.size() == 3);
  CHECK(r.elems[0].str == "3-0");
  CHECK(Entries(r.elems[1]) == std::vector<std::string>{"1-0:f=v"});
  CHECK(Strs(r.elems[2]) == std::vector<std::string>{"2-0"});
  r = h.Run({"XAUTOCLAIM", "x", "grp", "Bob", "0", "3-0", "JUSTID"});
  CHECK(r.elems[0].str == "0-0");
  CHECK(Strs(r.elems[1]) == std::vector<std::string>{"3-0", "4-0", "5-0"});
  CHECK(r.elems[2].elems.empty());
  CHECK(h.Run({"XAUTOCLAIM", "x", "grp", "Bob", "0", "-", "COUNT", "0"}).str ==
        "ERR COUNT must be > 0");
  CHECK(h.Run({"XAUTOCLAIM", "x", "grp", "Bob", "0", "-", "COUNT", "8070450532247928833"}).str ==
        "ERR COUNT must be > 0");
  CHECK(h.Run({"XAUTOCLAIM", "x", "nog", "Bob", "0", "-"}).str ==
        "NOGROUP No such key 'x' or consumer group 'nog'");
}

TEST_CASE("streams: blocking XREAD and XREADGROUP") {
  Harness h;
  ember::Client* a = h.NewClient();
  ember::Client* b = h.NewClient();
  h.Run({"XADD", "s", "1-0", "old", "x"});
  // $ means "after what is there now", even once re-executed.
  CHECK(NoReply(h.RunOn(a, {"XREAD", "BLOCK", "0", "STREAMS", "nokey", "s", "$", "$"})));
  CHECK(h.server().blocking().blocked_clients() == 1);
  h.Run({"XADD", "s", "2-0", "new", "y"});
  RespValue r = Pending(a);
  REQUIRE(r.elems.size() == 1);
  CHECK(r.elems[0].elems[0].str == "s");
  CHECK(Entries(r.elems[0].elems[1]) == std::vector<std::string>{"2-0:new=y"});
  CHECK(h.server().blocking().blocked_clients() == 0);

  // Served right away when there is data; MULTI never blocks.
  CHECK(
      Entries(h.RunOn(a, {"XREAD", "BLOCK", "0", "STREAMS", "s", "0"}).elems[0].elems[1]).size() ==
      2);
  h.Run({"MULTI"});
  h.Run({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
  r = h.Run({"EXEC"});
  REQUIRE(r.elems.size() == 1);
  CHECK(r.elems[0].is_null());

  // Another type on the key keeps an XREAD waiting.
  CHECK(NoReply(h.RunOn(a, {"XREAD", "BLOCK", "0", "STREAMS", "k", "$"})));
  h.Run({"LPUSH", "k", "x"});
  CHECK(NoReply(Pending(a)));
  h.Run({"DEL", "k"});
  h.Run({"XADD", "k", "5-0", "f", "v"});
  CHECK(Entries(Pending(a).elems[0].elems[1]) == std::vector<std::string>{"5-0:f=v"});

  // XREADGROUP: served from the group, FIFO among consumers.
  h.Run({"XGROUP", "CREATE", "s", "g", "$"});
  CHECK(NoReply(
      h.RunOn(a, {"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"})));
  CHECK(
      NoReply(h.RunOn(b, {"XREADGROUP", "GROUP", "g", "bob", "BLOCK", "0", "STREAMS", "s", ">"})));
  h.Run({"XADD", "s", "3-0", "f", "1"});
  CHECK(Entries(Pending(a).elems[0].elems[1]) == std::vector<std::string>{"3-0:f=1"});
  CHECK(NoReply(Pending(b)));
  h.Run({"XADD", "s", "4-0", "f", "2"});
  CHECK(Entries(Pending(b).elems[0].elems[1]) == std::vector<std::string>{"4-0:f=2"});
  CHECK(h.Run({"XPENDING", "s", "g"}).elems[0].integer == 2);

  // Destroying the group fails the waiter with NOGROUP.
  CHECK(NoReply(
      h.RunOn(a, {"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"})));
  h.Run({"XGROUP", "DESTROY", "s", "g"});
  CHECK(Pending(a).str == "NOGROUP the consumer group this client was blocked on no longer exists");

  // A key replaced by another type fails it with UNBLOCKED.
  h.Run({"XGROUP", "CREATE", "s", "g", "$"});
  CHECK(NoReply(
      h.RunOn(a, {"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"})));
  h.Run({"MULTI"});
  h.Run({"DEL", "s"});
  h.Run({"SADD", "s", "m"});
  h.Run({"EXEC"});
  CHECK(Pending(a).str == "UNBLOCKED the stream key no longer exists");

  // Timeouts reply nil.
  CHECK(NoReply(h.RunOn(a, {"XREAD", "BLOCK", "10", "STREAMS", "t", "$"})));
  h.server().blocking().HandleTimeouts(ember::NowMs() + 1000);
  CHECK(Pending(a).is_null());
}

TEST_CASE("streams: RESP3 replies, COPY, help, memory") {
  Harness h;
  h.Run({"XADD", "s", "1-0", "f", "v"});
  CHECK(h.Run({"COPY", "s", "s2"}).integer == 1);
  CHECK(Entries(h.Run({"XRANGE", "s2", "-", "+"})) == std::vector<std::string>{"1-0:f=v"});
  h.Run({"XGROUP", "CREATE", "s", "g", "0"});
  h.Run({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"});
  h.Run({"DEL", "s2"});
  CHECK(h.Run({"COPY", "s", "s2"}).integer == 1);
  CHECK(h.Run({"XPENDING", "s2", "g"}).elems[0].integer == 1);
  CHECK(h.Run({"MEMORY", "USAGE", "s"}).integer > 0);
  CHECK(h.Run({"XINFO", "HELP"}).elems.size() == 9);
  CHECK(h.Run({"XGROUP", "HELP"}).elems.size() == 17);

  h.Run({"HELLO", "3"});
  RespValue r = h.Run({"XREAD", "STREAMS", "s", "0"});
  CHECK(r.type == RespValue::Type::kMap);
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].str == "s");
  r = h.Run({"XINFO", "STREAM", "s"});
  CHECK(r.type == RespValue::Type::kMap);
}
