// The command table: one entry per command and subcommand with Redis's metadata.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/util/hash.h"
#include "common/util/latency_histogram.h"
#include "common/util/strings.h"

namespace ember {

class Client;
struct CommandSpec;

using CmdArgs = std::span<const std::string_view>;
using CommandFn = void (*)(Client& c, CmdArgs args);

// Command flags, as Redis names them in COMMAND INFO.
enum CommandFlag : uint64_t {
  kCmdWrite = 1 << 0,
  kCmdReadonly = 1 << 1,
  kCmdDenyOom = 1 << 2,
  kCmdModule = 1 << 3,
  kCmdAdmin = 1 << 4,
  kCmdPubsub = 1 << 5,
  kCmdNoScript = 1 << 6,
  kCmdBlocking = 1 << 7,
  kCmdLoading = 1 << 8,
  kCmdStale = 1 << 9,
  kCmdSkipMonitor = 1 << 10,
  kCmdSkipSlowlog = 1 << 11,
  kCmdAsking = 1 << 12,
  kCmdFast = 1 << 13,
  kCmdNoAuth = 1 << 14,
  kCmdMayReplicate = 1 << 15,
  kCmdSentinel = 1 << 16,
  kCmdOnlySentinel = 1 << 17,
  kCmdNoMandatoryKeys = 1 << 18,
  kCmdProtected = 1 << 19,
  kCmdNoAsyncLoading = 1 << 20,
  kCmdNoMulti = 1 << 21,
  kCmdMovableKeys = 1 << 22,
  kCmdAllowBusy = 1 << 23,
};

uint64_t ParseCommandFlag(std::string_view name);

struct Command {
  std::string name;      // lowercase, e.g. "get" or "get" for the subcommand "config|get"
  std::string fullname;  // "config|get" for subcommands
  int arity = 0;
  uint64_t flags = 0;
  int first_key = 0, last_key = 0, step = 0;
  CommandFn fn = nullptr;
  const CommandSpec* spec = nullptr;  // Redis's metadata for COMMAND replies
  Command* parent = nullptr;
  int acl_id = -1;  // bit of the command in ACL bitmaps (server/acl.h), set by Acl::Init
  std::map<std::string, std::unique_ptr<Command>> subcommands;

  // Statistics (INFO commandstats), and the latency histogram (INFO latencystats, LATENCY
  // HISTOGRAM), created on the first call recorded while latency-tracking is on.
  uint64_t calls = 0, usec = 0, rejected_calls = 0, failed_calls = 0;
  std::unique_ptr<LatencyHistogram> latency;

  void RecordLatency(int64_t usec_taken) {
    if (!latency) latency = std::make_unique<LatencyHistogram>();
    latency->Record(usec_taken * 1000);
  }

  bool has(uint64_t f) const { return flags & f; }
  bool ArityOk(size_t argc) const {
    return arity > 0 ? argc == size_t(arity) : argc >= size_t(-arity);
  }
};

class CommandTable {
 public:
  // Registers `fullname` ("get", "config|get"). Metadata comes from Redis's spec for that
  // name; `extra_flags` adds Ember-only flags. A container command with subcommands is
  // registered implicitly when its first subcommand is.
  Command* Register(std::string_view fullname, CommandFn fn, uint64_t extra_flags = 0);
  // Looks up argv[0] (and argv[1] for container commands). Returns nullptr if unknown.
  Command* Lookup(CmdArgs args) const;
  Command* Find(std::string_view fullname) const;
  bool IsContainer(std::string_view name) const;
  // rename-command: `from` answers to `to` from now on ("" removes it). The command keeps
  // its own name in stats and COMMAND output, as Redis. Returns false with Redis's message.
  bool Rename(std::string_view from, std::string_view to, std::string* err);

  const std::map<std::string, std::unique_ptr<Command>>& all() const { return cmds_; }
  template <typename Fn>
  void ForEachIncludingSubs(Fn&& fn) const {
    for (auto& [n, c] : cmds_) {
      fn(*c);
      for (auto& [sn, s] : c->subcommands) fn(*s);
    }
  }
  void ResetStats();

 private:
  struct NoCaseHash {
    using is_transparent = void;
    // The table's names are fixed at startup and lookups cannot add entries, so a keyed
    // hash buys nothing here: FNV-1a over the ASCII-lowercased bytes.
    size_t operator()(std::string_view s) const {
      uint64_t h = 14695981039346656037ull;
      for (unsigned char ch : s) {
        unsigned lower = (ch >= 'A' && ch <= 'Z') ? ch | 0x20u : ch;
        h = (h ^ lower) * 1099511628211ull;
      }
      return size_t(h);
    }
  };
  struct NoCaseEq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return EqualsIgnoreCase(a, b); }
  };
  std::map<std::string, std::unique_ptr<Command>> cmds_;
  std::unordered_map<std::string, Command*, NoCaseHash, NoCaseEq> index_;
};

// Fills `table` with every command family.
void RegisterAllCommands(CommandTable* table);

}  // namespace ember
