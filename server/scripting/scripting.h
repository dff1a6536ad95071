// Per-server scripting state: the EVAL script cache (SHA1 -> body) with its interpreter, and
// the FUNCTION libraries with theirs. Also the entry points other subsystems need (INFO
// figures, RDB / replication of function libraries).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/scripting/lua_engine.h"

namespace ember {

class Client;
class Server;

namespace scripting {

struct EvalScript {
  std::string body;
  uint64_t flags = 0;
};

struct Library;

struct Function {
  std::string name;
  std::string description;
  bool has_description = false;
  uint64_t flags = 0;
  int ref = 0;
  Library* library = nullptr;
};

struct Library {
  std::string name;
  std::string code;                                  // the whole payload, shebang included
  std::vector<std::unique_ptr<Function>> functions;  // in registration order
};

// Libraries by name and functions by (case-insensitive) name: Redis's functionsLibCtx.
class LibrarySet {
 public:
  const std::map<std::string, std::unique_ptr<Library>>& libraries() const { return libs_; }
  size_t function_count() const { return functions_.size(); }
  Function* FindFunction(std::string_view name) const;
  Library* FindLibrary(std::string_view name) const;
  void Link(std::unique_ptr<Library> lib);
  std::unique_ptr<Library> Unlink(std::string_view name);
  // Moves every library of `other` in. On a collision nothing changes and *err tells why.
  bool Join(LibrarySet* other, bool replace, LuaEngine* engine, std::string* err);
  void Clear(LuaEngine* engine);

 private:
  std::map<std::string, std::unique_ptr<Library>> libs_;
  std::unordered_map<std::string, Function*> functions_;  // lowercase name
};

class Scripting {
 public:
  explicit Scripting(Server& s);
  ~Scripting();

  Server& server() { return server_; }

  // --- EVAL ---
  LuaEngine& eval_engine() { return *eval_engine_; }
  Client& eval_client() { return *eval_client_; }
  // SHA1 (lowercase) -> script.
  const EvalScript* FindScript(std::string_view sha) const;
  // Compiles and caches `body` unless cached. On failure replies the error to `c` (if any)
  // and returns false.
  bool CreateScript(Client* c, std::string_view body, std::string* sha);
  // SCRIPT FLUSH: a new interpreter and an empty cache.
  void FlushScripts();
  size_t script_count() const { return scripts_.size(); }
  size_t scripts_memory() const;

  // --- FUNCTION ---
  LuaEngine& function_engine() { return *function_engine_; }
  Client& function_client() { return *function_client_; }
  LibrarySet& libraries() { return libraries_; }
  // FUNCTION LOAD into `set`: returns the library name, or "" with *err.
  std::string CreateLibrary(LibrarySet* set, std::string_view code, bool replace,
                            int64_t timeout_ms, std::string* err);
  void FlushLibraries() { libraries_.Clear(function_engine_.get()); }
  size_t functions_memory() const;

 private:
  Server& server_;
  std::unique_ptr<LuaEngine> eval_engine_;
  std::unique_ptr<Client> eval_client_;
  std::unordered_map<std::string, EvalScript> scripts_;
  size_t scripts_bytes_ = 0;
  std::unique_ptr<LuaEngine> function_engine_;
  std::unique_ptr<Client> function_client_;
  LibrarySet libraries_;
};

// The scripting state of `s` (created on first use).
Scripting& GetScripting(Server& s);

// Parses an EVAL shebang ("#!lua flags=no-writes,allow-oom"). Returns false with *err on a
// malformed one; *flags gets kScriptEvalCompat when there is none; *shebang_len the bytes to
// skip (the line feed is kept so that line numbers stay right).
bool ParseEvalShebang(std::string_view body, uint64_t* flags, size_t* shebang_len,
                      std::string* err);

// FUNCTION DUMP's payload (RDB function records, RDB version, CRC64) and FUNCTION RESTORE's
// parsing of it into `set`.
std::string DumpLibraries(Scripting& sc);
bool RestoreLibraries(Scripting& sc, std::string_view payload, LibrarySet* set, std::string* err);

// --- For other subsystems ---
// INFO memory: used_memory_lua (EVAL interpreter), used_memory_scripts_eval,
// number_of_cached_scripts, number_of_functions, number_of_libraries,
// used_memory_vm_functions, used_memory_functions.
struct ScriptingInfo {
  size_t eval_vm_memory = 0;
  size_t eval_scripts_memory = 0;
  size_t cached_scripts = 0;
  size_t functions = 0;
  size_t libraries = 0;
  size_t functions_vm_memory = 0;
  size_t functions_memory = 0;
};
ScriptingInfo GetScriptingInfo(Server& s);
// RDB save / full sync: each library's code, to be written as RDB_OPCODE_FUNCTION2 (245)
// followed by the code as an RDB string.
std::vector<std::string> LibraryCodes(Server& s);
// RDB load: loads one library from its code (replacing one of the same name when `replace`).
bool LoadLibraryCode(Server& s, std::string_view code, bool replace, std::string* err);
// Redis's getCommandFlags: EVAL*, EVALSHA* and FCALL* of a script that declares its flags
// (shebang or register_function) take write / deny-oom / stale from those flags instead of
// the command table's; any other command keeps its own.
uint64_t EffectiveCommandFlags(Server& s, const Command& cmd, CmdArgs args);
// FLUSHALL does not touch functions; DEBUG RELOAD without MERGE drops them first.
void FlushFunctions(Server& s);

}  // namespace scripting
}  // namespace ember
