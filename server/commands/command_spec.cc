#include "server/commands/command_spec.h"

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ember {
namespace command_spec_internal {

// Defined in the .cc that server/commands/embed.cmake generates from redis_commands.json.
extern const std::string_view kRedisCommandsJson[];
extern const std::size_t kRedisCommandsJsonChunks;

}  // namespace command_spec_internal

namespace {

using Json = nlohmann::ordered_json;

struct SpecTable {
  std::vector<CommandSpec> commands;
  // Lowercase "name" and "parent|sub" -> spec; points into `commands`, which never changes.
  std::unordered_map<std::string, const CommandSpec*> by_name;
};

std::string EmbeddedJson() {
  using command_spec_internal::kRedisCommandsJson;
  using command_spec_internal::kRedisCommandsJsonChunks;
  std::size_t size = 0;
  for (std::size_t i = 0; i < kRedisCommandsJsonChunks; ++i) size += kRedisCommandsJson[i].size();
  std::string text;
  text.reserve(size);
  for (std::size_t i = 0; i < kRedisCommandsJsonChunks; ++i) text += kRedisCommandsJson[i];
  return text;
}

std::vector<std::string> StringList(const Json& array) {
  std::vector<std::string> out;
  out.reserve(array.size());
  for (const Json& v : array) out.push_back(v.get<std::string>());
  return out;
}

CommandSpec ParseSpec(const Json& j) {
  CommandSpec spec;
  spec.name = j.at("name").get<std::string>();
  spec.arity = j.at("arity").get<int>();
  spec.flags = StringList(j.at("flags"));
  spec.first_key = j.at("first_key").get<int>();
  spec.last_key = j.at("last_key").get<int>();
  spec.step = j.at("step").get<int>();
  spec.acl_categories = StringList(j.at("acl_categories"));
  spec.tips = j.at("tips");
  spec.key_specs = j.at("key_specs");
  spec.docs = j.at("docs");
  for (const Json& sub : j.at("subcommands")) spec.subcommands.push_back(ParseSpec(sub));
  return spec;
}

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

const SpecTable& Table() {
  // Function-local static: initialised exactly once, thread-safe. Never destroyed, so lookups
  // stay valid during static destruction elsewhere.
  static const SpecTable* const table = [] {
    auto* t = new SpecTable;
    try {
      Json all = Json::parse(EmbeddedJson());
      t->commands.reserve(all.size());
      for (const Json& j : all) t->commands.push_back(ParseSpec(j));
    } catch (const std::exception& e) {
      // The JSON is checked in and covered by unit tests; failing here is a build defect.
      std::fprintf(stderr, "ember: embedded redis_commands.json is invalid: %s\n", e.what());
      std::abort();
    }
    for (const CommandSpec& cmd : t->commands) {
      t->by_name.emplace(cmd.name, &cmd);
      for (const CommandSpec& sub : cmd.subcommands) t->by_name.emplace(sub.name, &sub);
    }
    return t;
  }();
  return *table;
}

}  // namespace

const std::vector<CommandSpec>& RedisCommandSpecs() { return Table().commands; }

const CommandSpec* FindRedisCommandSpec(std::string_view name) {
  const SpecTable& table = Table();
  auto it = table.by_name.find(Lowercase(name));
  return it == table.by_name.end() ? nullptr : it->second;
}

}  // namespace ember
