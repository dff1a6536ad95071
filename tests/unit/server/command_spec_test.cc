#include "server/commands/command_spec.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace ember {
namespace {

using Strings = std::vector<std::string>;

// Field names of an ordered_json object, in stored order.
Strings Keys(const nlohmann::ordered_json& object) {
  Strings keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
  return keys;
}

TEST_CASE("command specs: table shape") {
  const std::vector<CommandSpec>& specs = RedisCommandSpecs();
  // `redis-cli COMMAND COUNT` printed 240 against Debian's redis-server 7.0.15 when
  // server/commands/gen_command_specs.py generated server/commands/redis_commands.json.
  CHECK(specs.size() == 240);

  std::size_t subcommands = 0;
  std::set<std::string> names;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const CommandSpec& spec = specs[i];
    if (i > 0) CHECK(specs[i - 1].name < spec.name);
    CHECK(names.insert(spec.name).second);
    CHECK(spec.arity != 0);
    CHECK(spec.tips.is_array());
    CHECK(spec.key_specs.is_array());
    REQUIRE(spec.docs.is_object());
    CHECK(spec.docs.contains("summary"));
    CHECK(FindRedisCommandSpec(spec.name) == &spec);
    for (const CommandSpec& sub : spec.subcommands) {
      ++subcommands;
      CHECK(sub.name.rfind(spec.name + "|", 0) == 0);
      CHECK(sub.subcommands.empty());
      CHECK(FindRedisCommandSpec(sub.name) == &sub);
      // The parent's docs carry the subcommand's docs too, as COMMAND DOCS replies them.
      CHECK(spec.docs.at("subcommands").at(sub.name) == sub.docs);
    }
  }
  // Sum of the subcommand counts in the same COMMAND INFO reply.
  CHECK(subcommands == 126);
}

TEST_CASE("command specs: get") {
  const CommandSpec* get = FindRedisCommandSpec("get");
  REQUIRE(get != nullptr);
  CHECK(get->name == "get");
  CHECK(get->arity == 2);
  CHECK(get->flags == Strings{"readonly", "fast"});
  CHECK(get->first_key == 1);
  CHECK(get->last_key == 1);
  CHECK(get->step == 1);
  CHECK(get->acl_categories == Strings{"@read", "@string", "@fast"});
  CHECK(get->tips.empty());
  CHECK(get->subcommands.empty());
  REQUIRE(get->key_specs.size() == 1);
  CHECK(get->key_specs[0].at("flags") == nlohmann::ordered_json{"RO", "access"});
  CHECK(Keys(get->docs) == Strings{"summary", "since", "group", "complexity", "arguments"});
  CHECK(get->docs.at("summary") == "Get the value of a key");
  CHECK(get->docs.at("since") == "1.0.0");
  CHECK(get->docs.at("group") == "string");
  CHECK(get->docs.at("arguments")[0].at("key_spec_index") == 0);
}

TEST_CASE("command specs: set key spec keeps Redis's field order") {
  const CommandSpec* set = FindRedisCommandSpec("set");
  REQUIRE(set != nullptr);
  CHECK(set->arity == -3);
  CHECK(set->flags == Strings{"write", "denyoom"});
  CHECK(set->acl_categories == Strings{"@write", "@string", "@slow"});
  REQUIRE(set->key_specs.size() == 1);
  const nlohmann::ordered_json& ks = set->key_specs[0];
  CHECK(Keys(ks) == Strings{"notes", "flags", "begin_search", "find_keys"});
  CHECK(ks.at("notes") == "RW and ACCESS due to the optional `GET` argument");
  CHECK(ks.at("flags") == nlohmann::ordered_json{"RW", "access", "update", "variable_flags"});
  const nlohmann::ordered_json& begin = ks.at("begin_search");
  CHECK(Keys(begin) == Strings{"type", "spec"});
  CHECK(begin.at("type") == "index");
  CHECK(begin.at("spec").at("index") == 1);
  const nlohmann::ordered_json& find = ks.at("find_keys");
  CHECK(find.at("type") == "range");
  CHECK(Keys(find.at("spec")) == Strings{"lastkey", "keystep", "limit"});
  CHECK(find.at("spec").at("lastkey") == 0);
  CHECK(find.at("spec").at("keystep") == 1);
  CHECK(find.at("spec").at("limit") == 0);
  CHECK(Keys(set->docs) ==
        Strings{"summary", "since", "group", "complexity", "history", "arguments"});
  CHECK(set->docs.at("history")[0] == nlohmann::ordered_json{"2.6.12",
                                                             "Added the `EX`, `PX`, `NX` and "
                                                             "`XX` options."});
}

TEST_CASE("command specs: keyword key spec (xread)") {
  const CommandSpec* xread = FindRedisCommandSpec("xread");
  REQUIRE(xread != nullptr);
  CHECK(xread->flags == Strings{"readonly", "blocking", "movablekeys"});
  REQUIRE(xread->key_specs.size() == 1);
  const nlohmann::ordered_json& begin = xread->key_specs[0].at("begin_search");
  CHECK(begin.at("type") == "keyword");
  CHECK(Keys(begin.at("spec")) == Strings{"keyword", "startfrom"});
  CHECK(begin.at("spec").at("keyword") == "STREAMS");
  CHECK(begin.at("spec").at("startfrom") == 1);
  CHECK(xread->key_specs[0].at("find_keys").at("spec").at("lastkey") == -1);
}

TEST_CASE("command specs: config subcommands") {
  const CommandSpec* config = FindRedisCommandSpec("config");
  REQUIRE(config != nullptr);
  CHECK(config->arity == -2);
  CHECK(config->flags.empty());
  Strings sub_names;
  for (const CommandSpec& sub : config->subcommands) sub_names.push_back(sub.name);
  CHECK(sub_names ==
        Strings{"config|get", "config|help", "config|resetstat", "config|rewrite", "config|set"});
  CHECK(Keys(config->docs) == Strings{"summary", "since", "group", "complexity", "subcommands"});

  const CommandSpec* get = FindRedisCommandSpec("config|get");
  REQUIRE(get != nullptr);
  CHECK(get == &config->subcommands[0]);
  CHECK(get->name == "config|get");
  CHECK(get->arity == -3);
  CHECK(get->flags == Strings{"admin", "noscript", "loading", "stale"});
  CHECK(get->acl_categories == Strings{"@admin", "@slow", "@dangerous"});
  CHECK(get->docs.at("summary") == "Get the values of configuration parameters");

  const CommandSpec* set = FindRedisCommandSpec("config|set");
  REQUIRE(set != nullptr);
  CHECK(set->arity == -4);
  CHECK(set->tips ==
        nlohmann::ordered_json{"request_policy:all_nodes", "response_policy:all_succeeded"});
}

TEST_CASE("command specs: lookup is case-insensitive and strict") {
  const CommandSpec* get = FindRedisCommandSpec("get");
  REQUIRE(get != nullptr);
  CHECK(FindRedisCommandSpec("GeT") == get);
  CHECK(FindRedisCommandSpec("GET") == get);
  CHECK(FindRedisCommandSpec("CONFIG|GET") == FindRedisCommandSpec("config|get"));
  CHECK(FindRedisCommandSpec("Config|Get") != nullptr);
  CHECK(FindRedisCommandSpec("") == nullptr);
  CHECK(FindRedisCommandSpec("nosuchcommand") == nullptr);
  CHECK(FindRedisCommandSpec("get|x") == nullptr);
  CHECK(FindRedisCommandSpec("config|") == nullptr);
  CHECK(FindRedisCommandSpec("config|nosuch") == nullptr);
  CHECK(FindRedisCommandSpec("config|get|x") == nullptr);
  CHECK(FindRedisCommandSpec("get ") == nullptr);
}

}  // namespace
}  // namespace ember
