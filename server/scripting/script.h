// What every script invocation shares, whatever the engine (Redis's script.c): the run
// context, the checks applied before a script runs and to each command it calls, SCRIPT KILL /
// FUNCTION KILL, and what happens while a script runs longer than busy-reply-threshold.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/command.h"

namespace ember {

class Client;
class Server;

namespace scripting {

// Script flags (shebang "#!lua flags=..." for EVAL, `flags` of redis.register_function).
enum ScriptFlag : uint64_t {
  kScriptNoWrites = 1 << 0,
  kScriptAllowOom = 1 << 1,
  kScriptAllowStale = 1 << 2,
  kScriptNoCluster = 1 << 3,
  kScriptAllowCrossSlot = 1 << 4,
  kScriptEvalCompat = 1 << 5,  // an EVAL script without a shebang: pre-7.0 behavior
};

struct ScriptFlagName {
  std::string_view name;
  uint64_t flag;
};
// In the order FUNCTION LIST shows them.
inline constexpr ScriptFlagName kScriptFlagNames[] = {
    {"no-writes", kScriptNoWrites},
    {"allow-oom", kScriptAllowOom},
    {"allow-stale", kScriptAllowStale},
    {"no-cluster", kScriptNoCluster},
    {"allow-cross-slot-keys", kScriptAllowCrossSlot},
};
// Case-sensitive for shebangs, case-insensitive for register_function (as Redis).
uint64_t ScriptFlagByName(std::string_view name, bool nocase);

// The replies a busy server gives (Redis's shared.slowevalerr / slowscripterr).
inline constexpr std::string_view kBusyEvalError =
    "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kBusyFunctionError =
    "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

// One script invocation.
struct RunContext {
  Server* server = nullptr;
  Client* caller = nullptr;  // the client that sent EVAL / FCALL
  Client* client = nullptr;  // the in-process client the script's commands run on
  std::string funcname;      // SHA1 for EVAL, the function name for FCALL
  bool eval_mode = true;
  bool read_only = false;  // EVAL_RO / FCALL_RO or a no-writes script
  bool allow_oom = false;
  bool oom = false;          // used memory was over maxmemory when the script started
  bool write_dirty = false;  // a write command already ran: the script can't be killed
  bool timed_out = false;    // ran past busy-reply-threshold: others get -BUSY
  bool killed = false;       // SCRIPT KILL / FUNCTION KILL asked it to stop
  bool propagate = true;     // redis.set_repl: the replication stream gets the effects
  int64_t start_us = 0;      // monotonic
  int64_t busy_threshold_ms = 0;
  int64_t last_poll_us = 0;
};

// The running script of `s`, or nullptr.
RunContext* CurrentRun(Server& s);

// Checks that a script with `flags` may run now for `caller` (Redis's scriptPrepareForRun),
// replying the error to the caller when not, then fills `ctx` and makes it current.
bool PrepareForRun(RunContext* ctx, Server& s, Client& caller, Client& script_client,
                   std::string funcname, uint64_t flags, bool ro, bool eval_mode);
// Ends the run: the caller's own command is not propagated (its effects were).
void ResetRun(RunContext* ctx);

// Runs `argv` for the script on ctx->client with Redis's checks for commands called from
// scripts. On a rejection returns false with *err set (no reply written); otherwise the reply
// is in the script client's output buffer.
bool ScriptCall(RunContext* ctx, CmdArgs argv, std::string* err);

// SCRIPT KILL (is_eval) / FUNCTION KILL.
void KillScript(Client& c, bool is_eval);

// Called from the engine's instruction hook: when the script has run past the threshold,
// serves other clients (they get -BUSY, or run SCRIPT KILL / FUNCTION KILL / SHUTDOWN NOSAVE
// and the other commands Redis allows while busy). Returns true if the script must stop.
bool ScriptInterrupt(RunContext* ctx);

// Milliseconds the current script has been running.
int64_t RunDurationMs(const RunContext& ctx);

}  // namespace scripting
}  // namespace ember
