#include "server/key_extraction.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "server/command.h"

namespace ember {
namespace {

void Dummy(Client&, CmdArgs) {}

using Ints = std::vector<int>;
using Strings = std::vector<std::string>;

CommandTable& Table() {
  static CommandTable* table = [] {
    auto* t = new CommandTable;
    for (const char* name : {"get",         "mset",        "set",
                             "zunionstore", "eval",        "xread",
                             "xreadgroup",  "sort",        "sort_ro",
                             "lmpop",       "blmpop",      "migrate",
                             "georadius",   "bitfield",    "smove",
                             "del",         "ping",        "publish",
                             "config|get",  "config|set",  "object|encoding",
                             "object|help", "memory|usage"}) {
      t->Register(name, Dummy);
    }
    return t;
  }();
  return *table;
}

// Positions of the keys of `line` (split on spaces; "''" stands for an empty argument).
Ints Keys(std::vector<std::string_view> args, Strings* flags = nullptr) {
  for (auto& a : args) {
    if (a == "''") a = std::string_view();
  }
  const Command* cmd = Table().Lookup(CmdArgs(args));
  REQUIRE(cmd != nullptr);
  return GetKeyPositions(*cmd, CmdArgs(args), flags);
}

// The expected results below are what `redis-cli COMMAND GETKEYSANDFLAGS ...` printed against
// redis-server 7.0.15.

TEST_CASE("key extraction: single key and ranges") {
  Strings flags;
  CHECK(Keys({"GET", "k"}, &flags) == Ints{1});
  CHECK(flags == Strings{"RO access"});

  CHECK(Keys({"MSET", "a", "1", "b", "2", "c", "3"}, &flags) == Ints{1, 3, 5});
  CHECK(flags == Strings{"OW update", "OW update", "OW update"});
  // Missing last value: Redis still reports the three keys.
  CHECK(Keys({"mset", "a", "1", "b", "2", "c"}) == Ints{1, 3, 5});

  CHECK(Keys({"SMOVE", "a", "b", "m"}, &flags) == Ints{1, 2});
  CHECK(flags == Strings{"RW access delete", "RW insert"});
  CHECK(Keys({"DEL", "a", "b", "c"}, &flags) == Ints{1, 2, 3});
  CHECK(flags == Strings{"RM delete", "RM delete", "RM delete"});
}

TEST_CASE("key extraction: SET has variable flags") {
  Strings flags;
  CHECK(Keys({"SET", "k", "v"}, &flags) == Ints{1});
  CHECK(flags == Strings{"OW update"});
  CHECK(Keys({"SET", "k", "v", "EX", "10", "get"}, &flags) == Ints{1});
  CHECK(flags == Strings{"RW access update"});
}

TEST_CASE("key extraction: numkeys commands") {
  Strings flags;
  CHECK(Keys({"ZUNIONSTORE", "dest", "2", "a", "b", "WEIGHTS", "1", "2"}, &flags) == Ints{1, 3, 4});
  CHECK(flags == Strings{"OW update", "RO access", "RO access"});
  // numkeys not valid for the key spec but accepted by atoi: Redis's fallback, no flags,
  // destination last.
  CHECK(Keys({"ZUNIONSTORE", "dest", "02", "a", "b"}, &flags) == Ints{3, 4, 1});
  CHECK(flags == Strings{"", "", ""});
  CHECK(Keys({"ZUNIONSTORE", "dest", "0", "a"}).empty());
  CHECK(Keys({"ZUNIONSTORE", "dest", "3", "a", "b"}).empty());

  CHECK(Keys({"EVAL", "sha", "2", "k1", "k2", "a"}, &flags) == Ints{3, 4});
  CHECK(flags == Strings{"RW access update", "RW access update"});
  CHECK(Keys({"EVAL", "sha", "0"}).empty());
  CHECK(Keys({"EVAL", "sha", "3", "k1", "k2"}).empty());

  CHECK(Keys({"LMPOP", "2", "a", "b", "LEFT"}, &flags) == Ints{2, 3});
  CHECK(flags == Strings{"RW access delete", "RW access delete"});
  // numkeys covering the direction argument: Redis takes it as a key too.
  CHECK(Keys({"LMPOP", "3", "a", "b", "LEFT"}) == Ints{2, 3, 4});
  CHECK(Keys({"LMPOP", "0", "a", "LEFT"}).empty());
  CHECK(Keys({"BLMPOP", "0", "2", "a", "b", "LEFT"}) == Ints{3, 4});
}

TEST_CASE("key extraction: XREAD and XREADGROUP") {
  Strings flags;
  CHECK(Keys({"XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"}, &flags) == Ints{4, 5});
  CHECK(flags == Strings{"RO access", "RO access"});
  CHECK(Keys({"XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0"}) == Ints{4});
  CHECK(Keys({"XREAD", "STREAMS", "streams", "0"}) == Ints{2});
  CHECK(Keys({"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s1", "s2", ">", ">"}) ==
        Ints{7, 8});
}

TEST_CASE("key extraction: SORT") {
  Strings flags;
  CHECK(Keys({"SORT", "k", "STORE", "d"}, &flags) == Ints{1, 3});
  CHECK(flags == Strings{"RO access", "OW update"});
  CHECK(Keys({"SORT", "k"}) == Ints{1});
  CHECK(Keys({"SORT", "k", "STORE"}) == Ints{1});
  CHECK(Keys({"SORT", "k", "LIMIT", "STORE", "d", "x"}) == Ints{1});
  CHECK(Keys({"SORT", "k", "STORE", "a", "STORE", "b"}) == Ints{1, 5});
  CHECK(Keys({"SORT_RO", "k", "BY", "x"}, &flags) == Ints{1});
  CHECK(flags == Strings{"RO access"});
}

TEST_CASE("key extraction: MIGRATE") {
  Strings flags;
  CHECK(Keys({"MIGRATE", "h", "6379", "k", "0", "5000"}, &flags) == Ints{3});
  CHECK(flags == Strings{"RW access delete"});
  CHECK(Keys({"MIGRATE", "h", "6379", "''", "0", "5000", "KEYS", "k1", "k2"}, &flags) ==
        Ints{7, 8});
  CHECK(flags == Strings{"RW access delete", "RW access delete"});
  CHECK(Keys({"MIGRATE", "h", "6379", "''", "0", "5000", "COPY", "REPLACE", "AUTH", "p", "KEYS",
              "k1"}) == Ints{11});
  CHECK(Keys({"MIGRATE", "h", "6379", "''", "0", "5000", "AUTH2", "u", "keys", "KEYS", "k1"}) ==
        Ints{10});
  // A key and KEYS together is a syntax error: no keys.
  CHECK(Keys({"MIGRATE", "h", "6379", "k", "0", "5000", "KEYS", "k1", "k2"}).empty());
}

TEST_CASE("key extraction: GEORADIUS STORE and BITFIELD") {
  Strings flags;
  CHECK(Keys({"GEORADIUS", "g", "0", "0", "1", "km", "STORE", "d", "STOREDIST", "e"}, &flags) ==
        Ints{1, 7, 9});
  CHECK(flags == Strings{"RO access", "OW update", "OW update"});
  CHECK(Keys({"GEORADIUS", "g", "0", "0", "1", "km", "STORE"}) == Ints{1});

  CHECK(Keys({"BITFIELD", "k", "GET", "u8", "0"}, &flags) == Ints{1});
  CHECK(flags == Strings{"RO access"});
  CHECK(Keys({"BITFIELD", "k", "SET", "u8", "0", "1"}, &flags) == Ints{1});
  CHECK(flags == Strings{"RW access update"});
}

TEST_CASE("key extraction: subcommands and commands without keys") {
  Strings flags;
  CHECK(Keys({"OBJECT", "ENCODING", "k"}, &flags) == Ints{2});
  CHECK(flags == Strings{"RO"});
  CHECK(Keys({"memory", "usage", "k"}) == Ints{2});

  const Command* help = Table().Find("object|help");
  REQUIRE(help != nullptr);
  CHECK_FALSE(CommandHasKeys(*help));
  CHECK_FALSE(CommandHasKeys(*Table().Find("ping")));
  CHECK_FALSE(CommandHasKeys(*Table().Find("publish")));
  CHECK_FALSE(CommandHasKeys(*Table().Find("config")));
  CHECK(CommandHasKeys(*Table().Find("get")));
  CHECK(CommandHasKeys(*Table().Find("sort")));
}

TEST_CASE("command table: registration and lookup") {
  CommandTable& t = Table();
  const Command* get = t.Find("get");
  REQUIRE(get != nullptr);
  CHECK(get->name == "get");
  CHECK(get->fullname == "get");
  CHECK(get->arity == 2);
  CHECK(get->flags == (kCmdReadonly | kCmdFast));
  CHECK(get->first_key == 1);
  CHECK(get->last_key == 1);
  CHECK(get->step == 1);
  CHECK(bool(get->fn == &Dummy));
  CHECK(get->spec != nullptr);
  CHECK(get->parent == nullptr);

  const Command* xread = t.Find("XREAD");
  REQUIRE(xread != nullptr);
  CHECK(xread->flags == (kCmdReadonly | kCmdBlocking | kCmdMovableKeys));

  // The container is created implicitly from its spec, without a handler.
  const Command* config = t.Find("config");
  REQUIRE(config != nullptr);
  CHECK(bool(config->fn == nullptr));
  CHECK(config->arity == -2);
  CHECK(config->subcommands.size() == 2);
  CHECK(t.IsContainer("CONFIG"));
  CHECK_FALSE(t.IsContainer("get"));
  CHECK_FALSE(t.IsContainer("nosuch"));

  const Command* cget = t.Find("Config|Get");
  REQUIRE(cget != nullptr);
  CHECK(cget->name == "get");
  CHECK(cget->fullname == "config|get");
  CHECK(cget->parent == config);
  CHECK(cget->arity == -3);
  CHECK(cget->flags == (kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale));

  CHECK(t.Find("config|") == nullptr);
  CHECK(t.Find("config|nosuch") == nullptr);
  CHECK(t.Find("config|get|x") == nullptr);
  CHECK(t.Find("get|x") == nullptr);
  CHECK(t.Find("") == nullptr);
  CHECK(t.Find("config|rewrite") == nullptr);  // Redis has it, but it was not registered

  std::vector<std::string_view> a1 = {"GeT", "k"};
  CHECK(t.Lookup(CmdArgs(a1)) == get);
  std::vector<std::string_view> a2 = {"CONFIG", "GET", "x"};
  CHECK(t.Lookup(CmdArgs(a2)) == cget);
  std::vector<std::string_view> a3 = {"config"};
  CHECK(t.Lookup(CmdArgs(a3)) == config);
  std::vector<std::string_view> a4 = {"config", "nosuch"};
  CHECK(t.Lookup(CmdArgs(a4)) == nullptr);
  std::vector<std::string_view> a5 = {"nosuch"};
  CHECK(t.Lookup(CmdArgs(a5)) == nullptr);
  std::vector<std::string_view> a6;
  CHECK(t.Lookup(CmdArgs(a6)) == nullptr);
  // A plain command ignores what follows its name.
  std::vector<std::string_view> a7 = {"get", "config"};
  CHECK(t.Lookup(CmdArgs(a7)) == get);
}

TEST_CASE("command table: flag names and stats reset") {
  CHECK(ParseCommandFlag("write") == kCmdWrite);
  CHECK(ParseCommandFlag("no_mandatory_keys") == kCmdNoMandatoryKeys);
  CHECK(ParseCommandFlag("movablekeys") == kCmdMovableKeys);
  CHECK(ParseCommandFlag("allow_busy") == kCmdAllowBusy);
  CHECK(ParseCommandFlag("nosuchflag") == 0);

  CommandTable t;
  Command* get = t.Register("get", Dummy, kCmdMayReplicate);
  Command* cget = t.Register("config|get", Dummy);
  CHECK(get->has(kCmdMayReplicate));
  CHECK(get->has(kCmdReadonly));
  get->calls = 5;
  get->usec = 7;
  cget->rejected_calls = 2;
  cget->failed_calls = 3;
  t.ResetStats();
  CHECK(get->calls == 0);
  CHECK(get->usec == 0);
  CHECK(cget->rejected_calls == 0);
  CHECK(cget->failed_calls == 0);
  CHECK(t.all().size() == 2);
}

}  // namespace
}  // namespace ember
