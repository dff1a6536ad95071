// COMMAND and its subcommands: introspection of the command table in Redis 7.0.15's formats.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/resp/reply_builder.h"
#include "common/util/strings.h"
#include "server/client.h"
#include "server/command.h"
#include "server/commands/command_spec.h"
#include "server/key_extraction.h"
#include "server/server.h"

namespace ember {

void RegisterCommandFamily(CommandTable* t);

namespace {

using Json = nlohmann::ordered_json;

// Command flags COMMAND INFO shows, in Redis's order (may_replicate, sentinel, only_sentinel and
// protected are hidden on purpose, as in Redis).
struct ShownFlag {
  uint64_t flag;
  std::string_view name;
};
constexpr ShownFlag kShownFlags[] = {
    {kCmdWrite, "write"},
    {kCmdReadonly, "readonly"},
    {kCmdDenyOom, "denyoom"},
    {kCmdModule, "module"},
    {kCmdAdmin, "admin"},
    {kCmdPubsub, "pubsub"},
    {kCmdNoScript, "noscript"},
    {kCmdBlocking, "blocking"},
    {kCmdLoading, "loading"},
    {kCmdStale, "stale"},
    {kCmdSkipMonitor, "skip_monitor"},
    {kCmdSkipSlowlog, "skip_slowlog"},
    {kCmdAsking, "asking"},
    {kCmdFast, "fast"},
    {kCmdNoAuth, "no_auth"},
    {kCmdNoMandatoryKeys, "no_mandatory_keys"},
    {kCmdNoAsyncLoading, "no_async_loading"},
    {kCmdNoMulti, "no_multi"},
    {kCmdMovableKeys, "movablekeys"},
    {kCmdAllowBusy, "allow_busy"},
};

// ---- generic JSON -> RESP with Redis's types ----

void StatusSet(ReplyBuilder& rb, const Json& array) {
  rb.SetHeader(int64_t(array.size()));
  for (const Json& v : array) rb.SimpleString(v.get<std::string>());
}

void StatusSet(ReplyBuilder& rb, const std::vector<std::string>& items) {
  rb.SetHeader(int64_t(items.size()));
  for (const std::string& s : items) rb.SimpleString(s);
}

// Strings as bulk, numbers as integers, objects as maps, arrays as arrays. A field named
// "flags" (in any object) is a set of simple strings, as in key specs and arguments.
void WriteValue(ReplyBuilder& rb, const Json& v);

void WriteObject(ReplyBuilder& rb, const Json& obj) {
  rb.MapHeader(int64_t(obj.size()));
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    rb.Bulk(it.key());
    if (it.key() == "flags" && it->is_array()) {
      StatusSet(rb, *it);
    } else {
      WriteValue(rb, *it);
    }
  }
}

void WriteValue(ReplyBuilder& rb, const Json& v) {
  if (v.is_object()) {
    WriteObject(rb, v);
  } else if (v.is_array()) {
    rb.ArrayHeader(int64_t(v.size()));
    for (const Json& e : v) WriteValue(rb, e);
  } else if (v.is_string()) {
    rb.Bulk(v.get_ref<const std::string&>());
  } else if (v.is_number_integer()) {
    rb.Integer(v.get<int64_t>());
  } else if (v.is_boolean()) {
    rb.Integer(v.get<bool>() ? 1 : 0);
  } else if (v.is_null()) {
    rb.Null();
  } else {
    rb.Bulk(v.dump());
  }
}

// ---- COMMAND INFO entry ----

void WriteInfo(ReplyBuilder& rb, const Command* cmd) {
  if (cmd == nullptr) {
    rb.Null();
    return;
  }
  const CommandSpec* spec = cmd->spec;
  rb.ArrayHeader(10);
  rb.Bulk(cmd->fullname);
  rb.Integer(cmd->arity);
  int shown = 0;
  for (const ShownFlag& f : kShownFlags) shown += cmd->has(f.flag) ? 1 : 0;
  rb.SetHeader(shown);
  for (const ShownFlag& f : kShownFlags) {
    if (cmd->has(f.flag)) rb.SimpleString(f.name);
  }
  rb.Integer(cmd->first_key);
  rb.Integer(cmd->last_key);
  rb.Integer(cmd->step);
  if (spec) {
    StatusSet(rb, spec->acl_categories);
    rb.SetHeader(int64_t(spec->tips.size()));
    for (const Json& tip : spec->tips) rb.Bulk(tip.get_ref<const std::string&>());
    rb.SetHeader(int64_t(spec->key_specs.size()));
    for (const Json& ks : spec->key_specs) WriteObject(rb, ks);
  } else {
    rb.SetHeader(0);
    rb.SetHeader(0);
    rb.SetHeader(0);
  }
  if (cmd->subcommands.empty()) {
    rb.SetHeader(0);
  } else {
    rb.ArrayHeader(int64_t(cmd->subcommands.size()));
    for (const auto& [name, sub] : cmd->subcommands) WriteInfo(rb, sub.get());
  }
}

// ---- COMMAND DOCS entry ----

void WriteArguments(ReplyBuilder& rb, const Json& args);

void WriteArgument(ReplyBuilder& rb, const Json& arg) {
  rb.MapHeader(int64_t(arg.size()));
  for (auto it = arg.begin(); it != arg.end(); ++it) {
    rb.Bulk(it.key());
    if (it.key() == "flags") {
      StatusSet(rb, *it);
    } else if (it.key() == "arguments") {
      WriteArguments(rb, *it);
    } else {
      WriteValue(rb, *it);
    }
  }
}

void WriteArguments(ReplyBuilder& rb, const Json& args) {
  rb.ArrayHeader(int64_t(args.size()));
  for (const Json& a : args) WriteArgument(rb, a);
}

void WriteDocs(ReplyBuilder& rb, const Command& cmd) {
  if (cmd.spec == nullptr || !cmd.spec->docs.is_object()) {
    rb.MapHeader(1);
    rb.Bulk("group");
    rb.Bulk("generic");
    return;
  }
  const Json& docs = cmd.spec->docs;
  const bool has_subs = !cmd.subcommands.empty();
  int64_t fields = 0;
  for (auto it = docs.begin(); it != docs.end(); ++it) {
    if (it.key() != "subcommands" || has_subs) fields++;
  }
  rb.MapHeader(fields);
  for (auto it = docs.begin(); it != docs.end(); ++it) {
    const std::string& key = it.key();
    if (key == "subcommands") {
      if (!has_subs) continue;
      rb.Bulk(key);
      // Only the subcommands this server implements.
      rb.MapHeader(int64_t(cmd.subcommands.size()));
      for (const auto& [name, sub] : cmd.subcommands) {
        rb.Bulk(sub->fullname);
        WriteDocs(rb, *sub);
      }
      continue;
    }
    rb.Bulk(key);
    if (key == "doc_flags") {
      StatusSet(rb, *it);
    } else if (key == "history") {
      rb.SetHeader(int64_t(it->size()));
      for (const Json& h : *it) WriteValue(rb, h);
    } else if (key == "arguments") {
      WriteArguments(rb, *it);
    } else {
      WriteValue(rb, *it);
    }
  }
}

// ---- handlers ----

void CommandNoArgs(ReplyBuilder& rb, const CommandTable& table) {
  rb.ArrayHeader(int64_t(table.all().size()));
  for (const auto& [name, cmd] : table.all()) WriteInfo(rb, cmd.get());
}

void CommandInfo(ReplyBuilder& rb, const CommandTable& table, CmdArgs args) {
  if (args.size() == 2) {
    CommandNoArgs(rb, table);
    return;
  }
  rb.ArrayHeader(int64_t(args.size() - 2));
  for (size_t i = 2; i < args.size(); i++) WriteInfo(rb, table.Find(args[i]));
}

void CommandDocs(ReplyBuilder& rb, const CommandTable& table, CmdArgs args) {
  std::vector<const Command*> found;
  if (args.size() == 2) {
    for (const auto& [name, cmd] : table.all()) found.push_back(cmd.get());
  } else {
    for (size_t i = 2; i < args.size(); i++) {
      if (const Command* cmd = table.Find(args[i])) found.push_back(cmd);
    }
  }
  rb.MapHeader(int64_t(found.size()));
  for (const Command* cmd : found) {
    rb.Bulk(cmd->fullname);
    WriteDocs(rb, *cmd);
  }
}

void CommandCount(ReplyBuilder& rb, const CommandTable& table) {
  rb.Integer(int64_t(table.all().size()));
}

enum class ListFilter { kNone, kModule, kAclCat, kPattern };

bool ListFilterPasses(const Command& cmd, ListFilter type, std::string_view arg) {
  switch (type) {
    case ListFilter::kNone:
      return true;
    case ListFilter::kModule:
      return false;  // no modules
    case ListFilter::kAclCat: {
      if (cmd.spec == nullptr) return false;
      for (const std::string& cat : cmd.spec->acl_categories) {
        // Categories are stored as "@name"; the filter takes the bare name.
        if (cat.size() == arg.size() + 1 && EqualsIgnoreCase(std::string_view(cat).substr(1), arg))
          return true;
      }
      return false;
    }
    case ListFilter::kPattern:
      return GlobMatch(arg, cmd.fullname, true);
  }
  return false;
}

void CommandList(ReplyBuilder& rb, const CommandTable& table, CmdArgs args) {
  ListFilter type = ListFilter::kNone;
  std::string_view filter_arg;
  for (size_t i = 2; i < args.size(); i++) {
    const size_t more = args.size() - 1 - i;
    if (EqualsIgnoreCase(args[i], "filterby") && more == 2) {
      std::string_view ft = args[i + 1];
      if (EqualsIgnoreCase(ft, "module")) {
        type = ListFilter::kModule;
      } else if (EqualsIgnoreCase(ft, "aclcat")) {
        type = ListFilter::kAclCat;
      } else if (EqualsIgnoreCase(ft, "pattern")) {
        type = ListFilter::kPattern;
      } else {
        rb.Error("syntax error");
        return;
      }
      filter_arg = args[i + 2];
      i += 2;
    } else {
      rb.Error("syntax error");
      return;
    }
  }
  std::vector<const Command*> out;
  for (const auto& [name, cmd] : table.all()) {
    if (ListFilterPasses(*cmd, type, filter_arg)) out.push_back(cmd.get());
    for (const auto& [sname, sub] : cmd->subcommands) {
      if (ListFilterPasses(*sub, type, filter_arg)) out.push_back(sub.get());
    }
  }
  rb.ArrayHeader(int64_t(out.size()));
  for (const Command* c : out) rb.Bulk(c->fullname);
}

void CommandGetKeys(ReplyBuilder& rb, const CommandTable& table, CmdArgs args, bool with_flags) {
  CmdArgs target = args.subspan(2);
  const Command* cmd = table.Lookup(target);
  if (cmd == nullptr) {
    rb.Error("Invalid command specified");
    return;
  }
  if (!CommandHasKeys(*cmd)) {
    rb.Error("The command has no key arguments");
    return;
  }
  if (!cmd->ArityOk(target.size())) {
    rb.Error("Invalid number of arguments specified for command");
    return;
  }
  std::vector<KeyReference> keys = GetKeys(*cmd, target);
  if (keys.empty()) {
    if (cmd->has(kCmdNoMandatoryKeys)) {
      rb.ArrayHeader(0);
    } else {
      rb.Error("Invalid arguments specified for command");
    }
    return;
  }
  rb.ArrayHeader(int64_t(keys.size()));
  for (const KeyReference& k : keys) {
    if (with_flags) {
      rb.ArrayHeader(2);
      rb.Bulk(target[size_t(k.pos)]);
      StatusSet(rb, KeyFlagNames(k.flags));
    } else {
      rb.Bulk(target[size_t(k.pos)]);
    }
  }
}

void CommandHelp(ReplyBuilder& rb, std::string_view argv0) {
  static constexpr std::string_view kLines[] = {
      "(no subcommand)",
      "    Return information about every command this server implements.",
      "COUNT",
      "    Return the number of commands this server implements.",
      "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
      "    Return the names of all commands and subcommands, optionally filtered.",
      "INFO [<command-name> ...]",
      "    Return information about the given commands (all commands when none are",
      "    given).",
      "DOCS [<command-name> ...]",
      "    Return documentation for the given commands (all commands when none are",
      "    given).",
      "GETKEYS <full-command>",
      "    Return the key names used by a complete command line.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the key names used by a complete command line, with their access",
      "    flags.",
  };
  rb.ArrayHeader(int64_t(std::size(kLines)) + 3);
  rb.SimpleString(ToUpper(argv0) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (std::string_view line : kLines) rb.SimpleString(line);
  rb.SimpleString("HELP");
  rb.SimpleString("    Prints this help.");
}

// ---- CommandFn wrappers ----

void CommandCmd(Client& c, CmdArgs) { CommandNoArgs(c.reply(), c.server().commands()); }
void CommandCountCmd(Client& c, CmdArgs) { CommandCount(c.reply(), c.server().commands()); }
void CommandInfoCmd(Client& c, CmdArgs args) {
  CommandInfo(c.reply(), c.server().commands(), args);
}
void CommandDocsCmd(Client& c, CmdArgs args) {
  CommandDocs(c.reply(), c.server().commands(), args);
}
void CommandListCmd(Client& c, CmdArgs args) {
  CommandList(c.reply(), c.server().commands(), args);
}
void CommandGetKeysCmd(Client& c, CmdArgs args) {
  CommandGetKeys(c.reply(), c.server().commands(), args, false);
}
void CommandGetKeysAndFlagsCmd(Client& c, CmdArgs args) {
  CommandGetKeys(c.reply(), c.server().commands(), args, true);
}
void CommandHelpCmd(Client& c, CmdArgs args) { CommandHelp(c.reply(), args[0]); }

}  // namespace

void RegisterCommandFamily(CommandTable* t) {
  t->Register("command", CommandCmd);
  t->Register("command|count", CommandCountCmd);
  t->Register("command|info", CommandInfoCmd);
  t->Register("command|docs", CommandDocsCmd);
  t->Register("command|list", CommandListCmd);
  t->Register("command|getkeys", CommandGetKeysCmd);
  t->Register("command|getkeysandflags", CommandGetKeysAndFlagsCmd);
  t->Register("command|help", CommandHelpCmd);
}

}  // namespace ember
