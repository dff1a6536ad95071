#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace ember {

// Redis 7.0.15's metadata for one command or subcommand, as COMMAND INFO and COMMAND DOCS report
// it. The data comes from server/commands/redis_commands.json, dumped from a real redis-server by
// server/commands/gen_command_specs.py and embedded into the binary at build time.
//
// JSON keeps values but not RESP3 wire types. What Redis 7.0.15 sends (RESP2 sends every set and
// map as an array, maps flattened to key, value, ...):
//   COMMAND INFO entry: array [name (bulk), arity (int), flags (set of simple strings),
//     first_key, last_key, step (ints), acl_categories (set of simple strings),
//     tips (set of bulk strings), key_specs (set of maps), subcommands (array of entries, but an
//     empty *set* when the command has no subcommands)].
//   key spec map: keys and string values bulk, numbers ints, "flags" a set of simple strings.
//   COMMAND DOCS map: strings bulk, "doc_flags" a set of simple strings, "history" a set of
//     2-element arrays of bulk strings, "arguments" an array of maps (argument "flags" a set of
//     simple strings, "key_spec_index" an int), "subcommands" a map of name -> docs map.
// Subcommands (and the entries of docs "subcommands") are sorted by name; Redis itself lists
// them in hash-table order, which changes from run to run.
struct CommandSpec {
  std::string name;  // lowercase; subcommands as "parent|sub"
  int arity = 0;
  std::vector<std::string> flags;
  int first_key = 0, last_key = 0, step = 0;
  std::vector<std::string> acl_categories;
  nlohmann::ordered_json tips;       // array
  nlohmann::ordered_json key_specs;  // array of objects, field order as Redis replies
  nlohmann::ordered_json docs;       // object, field order as Redis replies
  std::vector<CommandSpec> subcommands;
};

// All top-level commands of Redis 7.0.15, sorted by name, parsed once (thread-safe static init)
// from the embedded JSON.
const std::vector<CommandSpec>& RedisCommandSpecs();

// Case-insensitive; "config|get" finds a subcommand. nullptr if unknown.
const CommandSpec* FindRedisCommandSpec(std::string_view name);

}  // namespace ember
