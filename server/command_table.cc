// CommandTable: registration from Redis's command specs and case-insensitive lookup.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "common/util/strings.h"
#include "server/command.h"
#include "server/commands/command_spec.h"

namespace ember {

namespace {

struct FlagName {
  std::string_view name;
  uint64_t flag;
};

constexpr FlagName kFlagNames[] = {
    {"write", kCmdWrite},
    {"readonly", kCmdReadonly},
    {"denyoom", kCmdDenyOom},
    {"module", kCmdModule},
    {"admin", kCmdAdmin},
    {"pubsub", kCmdPubsub},
    {"noscript", kCmdNoScript},
    {"blocking", kCmdBlocking},
    {"loading", kCmdLoading},
    {"stale", kCmdStale},
    {"skip_monitor", kCmdSkipMonitor},
    {"skip_slowlog", kCmdSkipSlowlog},
    {"asking", kCmdAsking},
    {"fast", kCmdFast},
    {"no_auth", kCmdNoAuth},
    {"may_replicate", kCmdMayReplicate},
    {"sentinel", kCmdSentinel},
    {"only_sentinel", kCmdOnlySentinel},
    {"no_mandatory_keys", kCmdNoMandatoryKeys},
    {"protected", kCmdProtected},
    {"no_async_loading", kCmdNoAsyncLoading},
    {"no_multi", kCmdNoMulti},
    {"movablekeys", kCmdMovableKeys},
    {"allow_busy", kCmdAllowBusy},
};

[[noreturn]] void Fatal(const char* what, std::string_view name) {
  std::fprintf(stderr, "ember: command table: %s: '%.*s'\n", what, int(name.size()), name.data());
  std::abort();
}

// Fills the metadata fields of `cmd` from `spec` (name fields are set by the caller).
void ApplySpec(Command* cmd, const CommandSpec* spec, std::string_view fullname) {
  cmd->spec = spec;
  cmd->arity = spec->arity;
  cmd->first_key = spec->first_key;
  cmd->last_key = spec->last_key;
  cmd->step = spec->step;
  cmd->flags = 0;
  for (const std::string& f : spec->flags) {
    uint64_t bit = ParseCommandFlag(f);
    if (bit == 0) Fatal("unknown flag in command spec", fullname);
    cmd->flags |= bit;
  }
}

}  // namespace

uint64_t ParseCommandFlag(std::string_view name) {
  for (const FlagName& f : kFlagNames) {
    if (EqualsIgnoreCase(f.name, name)) return f.flag;
  }
  return 0;
}

Command* CommandTable::Register(std::string_view fullname, CommandFn fn, uint64_t extra_flags) {
  std::string lower = ToLower(fullname);
  const CommandSpec* spec = FindRedisCommandSpec(lower);
  if (spec == nullptr) Fatal("no Redis command spec for", fullname);

  size_t bar = lower.find('|');
  if (bar == std::string::npos) {
    auto it = cmds_.find(lower);
    if (it != cmds_.end()) {
      Command* existing = it->second.get();
      // The container was created implicitly by a subcommand: allow giving it a handler.
      if (existing->fn == nullptr && !existing->subcommands.empty()) {
        existing->fn = fn;
        existing->flags |= extra_flags;
        return existing;
      }
      Fatal("command registered twice", fullname);
    }
    auto cmd = std::make_unique<Command>();
    cmd->name = lower;
    cmd->fullname = lower;
    ApplySpec(cmd.get(), spec, fullname);
    cmd->flags |= extra_flags;
    cmd->fn = fn;
    Command* raw = cmd.get();
    cmds_.emplace(lower, std::move(cmd));
    index_.emplace(lower, raw);
    return raw;
  }

  std::string parent_name = lower.substr(0, bar);
  std::string sub_name = lower.substr(bar + 1);
  Command* parent = nullptr;
  auto pit = cmds_.find(parent_name);
  if (pit == cmds_.end()) {
    const CommandSpec* parent_spec = FindRedisCommandSpec(parent_name);
    if (parent_spec == nullptr) Fatal("no Redis command spec for container", parent_name);
    auto cmd = std::make_unique<Command>();
    cmd->name = parent_name;
    cmd->fullname = parent_name;
    ApplySpec(cmd.get(), parent_spec, parent_name);
    parent = cmd.get();
    cmds_.emplace(parent_name, std::move(cmd));
    index_.emplace(parent_name, parent);
  } else {
    parent = pit->second.get();
  }
  if (parent->subcommands.count(sub_name)) Fatal("subcommand registered twice", fullname);

  auto sub = std::make_unique<Command>();
  sub->name = sub_name;
  sub->fullname = lower;
  ApplySpec(sub.get(), spec, fullname);
  sub->flags |= extra_flags;
  sub->fn = fn;
  sub->parent = parent;
  Command* raw = sub.get();
  parent->subcommands.emplace(sub_name, std::move(sub));
  return raw;
}

Command* CommandTable::Lookup(CmdArgs args) const {
  if (args.empty()) return nullptr;
  auto it = index_.find(args[0]);
  if (it == index_.end()) return nullptr;
  Command* base = it->second;
  if (base->subcommands.empty() || args.size() == 1) return base;
  auto sit = base->subcommands.find(ToLower(args[1]));
  return sit == base->subcommands.end() ? nullptr : sit->second.get();
}

Command* CommandTable::Find(std::string_view fullname) const {
  // As Redis's lookupCommandBySds: "name" or "container|sub", nothing deeper.
  size_t bar = fullname.find('|');
  std::string_view first = fullname.substr(0, bar);
  auto it = index_.find(first);
  if (bar == std::string_view::npos) return it == index_.end() ? nullptr : it->second;
  std::string_view rest = fullname.substr(bar + 1);
  if (rest.find('|') != std::string_view::npos) return nullptr;
  if (it == index_.end() || it->second->subcommands.empty()) return nullptr;
  auto sit = it->second->subcommands.find(ToLower(rest));
  return sit == it->second->subcommands.end() ? nullptr : sit->second.get();
}

bool CommandTable::Rename(std::string_view from, std::string_view to, std::string* err) {
  auto it = index_.find(from);
  if (it == index_.end()) {
    *err = "No such command in rename-command";
    return false;
  }
  if (!to.empty() && index_.count(to)) {
    *err = "Target command name already exists";
    return false;
  }
  Command* cmd = it->second;
  index_.erase(it);
  if (!to.empty()) index_.emplace(std::string(to), cmd);
  return true;
}

bool CommandTable::IsContainer(std::string_view name) const {
  auto it = index_.find(name);
  return it != index_.end() && !it->second->subcommands.empty();
}

void CommandTable::ResetStats() {
  ForEachIncludingSubs([](Command& c) {
    c.calls = 0;
    c.usec = 0;
    c.rejected_calls = 0;
    c.failed_calls = 0;
    c.latency.reset();
  });
}

}  // namespace ember
