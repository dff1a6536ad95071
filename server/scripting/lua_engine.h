// A Lua 5.1 interpreter set up the way Redis 7.0 sets up its EVAL and FUNCTION interpreters:
// the sandbox (no io/os/package/loadfile/dofile/print, no binary chunks), read-only globals
// ("Attempt to modify a readonly table", "Script attempted to access nonexistent global
// variable"), the `redis` API, the cjson/bit/cmsgpack/struct libraries, and the conversions
// between RESP replies and Lua values.
//
// Redis links a patched Lua with read-only tables built into the VM. Debian's stock Lua 5.1
// has none, so protected tables are emulated: each one is reached through an empty proxy
// whose metatable reads from the real table and refuses writes, and the base functions that
// bypass metatables (rawset, rawget, next, pairs, ipairs, unpack, setmetatable, getmetatable,
// table.insert/remove/sort/concat) see through or refuse proxies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/command.h"

struct lua_State;

namespace ember {

class Client;

namespace scripting {

struct RunContext;

class LuaEngine {
 public:
  enum class Kind { kEval, kFunctions };
  explicit LuaEngine(Kind kind);
  ~LuaEngine();
  LuaEngine(const LuaEngine&) = delete;
  LuaEngine& operator=(const LuaEngine&) = delete;

  Kind kind() const { return kind_; }
  lua_State* state() { return L_; }
  // Bytes the interpreter uses (INFO used_memory_lua / used_memory_vm_functions).
  size_t UsedMemory() const;

  // --- EVAL ---
  // Compiles an EVAL body (from offset `skip`, after the shebang line) as "@user_script" and
  // keeps it under `name` ("f_<sha1>"). On a syntax error returns false with Redis's
  // "Error compiling script (new function): ..." text in *err.
  bool CompileScript(std::string_view body, size_t skip, const std::string& name, std::string* err);
  // Runs the script kept under `name` with KEYS and ARGV set; writes its reply to the caller.
  void CallScript(RunContext* ctx, const std::string& name, CmdArgs keys, CmdArgs args);

  // --- FUNCTION ---
  struct Registered {
    std::string name;
    std::string description;  // empty = none
    bool has_description = false;
    uint64_t flags = 0;
    int ref = 0;  // the callback, in the Lua registry
  };
  // Runs a library's code (after its shebang line) with only the library API visible and
  // collects the functions it registers. `timeout_ms` 0 means none. False with *err (Redis's
  // "Error compiling function: ..." / "Error registering functions: ...") on failure; the
  // functions registered so far are released then.
  bool LoadLibrary(std::string_view code, int64_t timeout_ms, std::vector<Registered>* out,
                   std::string* err);
  // Runs a registered function with (KEYS, ARGV); writes its reply to the caller.
  void CallFunction(RunContext* ctx, int ref, CmdArgs keys, CmdArgs args);
  void ReleaseFunction(int ref);

  // Internal state reached from the Lua C functions.
  struct LoadContext;
  RunContext* run() { return run_; }
  LoadContext* load() { return load_; }

 private:
  void Setup();
  void CallProtected(RunContext* ctx, int nargs);
  // Every call leaves the Lua stack empty; a leftover is logged and dropped.
  void CheckStack();

  Kind kind_;
  lua_State* L_ = nullptr;
  RunContext* run_ = nullptr;
  LoadContext* load_ = nullptr;
};

// Lua value on top of the stack -> reply to `c` (Redis's luaReplyToRedisReply). `script_resp`
// is the protocol the script selected with redis.setresp (it decides how booleans are sent).
// Pops the value.
void LuaToReply(lua_State* L, Client& c, int script_resp);
// Parses the RESP reply in `reply` and pushes it as a Lua value (Redis's conversions).
// Returns the number of bytes parsed (0 if the reply is incomplete; nothing is pushed then).
size_t ReplyToLua(lua_State* L, std::string_view reply);

}  // namespace scripting
}  // namespace ember
