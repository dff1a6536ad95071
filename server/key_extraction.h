// Which arguments of a command are keys, as Redis 7.0's getKeysFromCommandWithSpecs finds them
// (COMMAND GETKEYS / GETKEYSANDFLAGS, and later cluster slot checks and ACL key checks).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/command.h"

namespace ember {

// Per-key access flags (Redis's CMD_KEY_*), listed here in the order Redis prints them.
enum KeyFlag : uint32_t {
  kKeyRO = 1 << 0,
  kKeyRW = 1 << 1,
  kKeyOW = 1 << 2,
  kKeyRM = 1 << 3,
  kKeyAccess = 1 << 4,
  kKeyUpdate = 1 << 5,
  kKeyInsert = 1 << 6,
  kKeyDelete = 1 << 7,
  kKeyNotKey = 1 << 8,
  kKeyIncomplete = 1 << 9,
  kKeyVariableFlags = 1 << 10,
};

// Flag names ("RO", "access", ...) set in `flags`, in Redis's order.
std::vector<std::string> KeyFlagNames(uint32_t flags);

struct KeyReference {
  int pos;         // index into args (args[0] is the command name)
  uint32_t flags;  // KeyFlag bits; 0 when Redis's fallback key finder gives none
};

// Redis's doesCommandHaveKeys: false means COMMAND GETKEYS replies "The command has no key
// arguments" (no key spec other than not_key ones, and no command-specific key finder).
bool CommandHasKeys(const Command& cmd);

// The keys of `args` (args[0] is the command name; for a subcommand args[1] is its name).
// Key specs are used when complete; otherwise the command-specific logic Redis uses (SORT,
// MIGRATE, numkeys commands, XREAD, ...). Empty if there are none or the arguments are invalid.
std::vector<KeyReference> GetKeys(const Command& cmd, CmdArgs args);

// Positions only. When `flags_out` is given, it is cleared and gets one entry per returned
// position: that key's flag names joined by single spaces in Redis's order (e.g.
// "RW access update"), or "" when Redis reports no flags for it.
std::vector<int> GetKeyPositions(const Command& cmd, CmdArgs args,
                                 std::vector<std::string>* flags_out = nullptr);

}  // namespace ember
