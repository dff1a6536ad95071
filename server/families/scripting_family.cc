// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT *, FCALL, FCALL_RO and FUNCTION *: Lua 5.1
// scripting as Redis 7.0 has it. The interpreter, sandbox and conversions live in
// server/scripting/; this file holds the command handlers.
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "common/util/strings.h"
#include "server/families/families.h"
#include "server/scripting/script.h"
#include "server/scripting/scripting.h"
#include "server/server.h"

namespace ember {
namespace {

using scripting::Function;
using scripting::GetScripting;
using scripting::Library;
using scripting::LibrarySet;
using scripting::RunContext;
using scripting::Scripting;

constexpr std::string_view kNoScriptError = "-NOSCRIPT No matching script. Please use EVAL.";
constexpr int64_t kFunctionLoadTimeoutMs = 500;

void ReplyHelpLines(Client& c, std::string_view cmd,
                    std::initializer_list<std::string_view> lines) {
  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(lines.size()) + 3);
  r.SimpleString(ToUpper(cmd) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (auto line : lines) r.SimpleString(line);
  r.SimpleString("HELP");
  r.SimpleString("    Print this help.");
}

void ReplySubcommandSyntaxError(Client& c, CmdArgs args) {
  c.reply().Error(
      fmt::format("unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
                  args[1].substr(0, 128), ToUpper(args[0])));
}

// Parses numkeys and checks it against the arguments. `bad_number` is the error for a
// non-integer (EVAL and FCALL word it differently).
bool ParseNumKeys(Client& c, CmdArgs args, std::string_view bad_number, int64_t* numkeys) {
  if (!StringToInt64(args[2], numkeys)) {
    c.reply().Error(bad_number);
    return false;
  }
  if (*numkeys > int64_t(args.size()) - 3) {
    c.reply().Error("Number of keys can't be greater than number of args");
    return false;
  }
  if (*numkeys < 0) {
    c.reply().Error("Number of keys can't be negative");
    return false;
  }
  return true;
}

// ---- EVAL ----

void EvalGeneric(Client& c, CmdArgs args, bool evalsha, bool ro) {
  Server& s = c.server();
  // EVAL is skip_monitor: it is fed here so that it shows before the commands it runs.
  s.FeedMonitors(c, c.db_index());
  if (evalsha && args[1].size() != 40) {
    c.reply().Error(kNoScriptError);
    return;
  }
  int64_t numkeys;
  if (!ParseNumKeys(c, args, err::kNotInt, &numkeys)) return;
  Scripting& sc = GetScripting(s);
  std::string sha;
  const scripting::EvalScript* script = nullptr;
  if (evalsha) {
    sha = ToLower(args[1]);
    script = sc.FindScript(sha);
    if (!script) {
      c.reply().Error(kNoScriptError);
      return;
    }
  } else {
    if (!sc.CreateScript(&c, args[1], &sha)) return;
    script = sc.FindScript(sha);
  }
  RunContext ctx;
  if (!scripting::PrepareForRun(&ctx, s, c, sc.eval_client(), sha, script->flags, ro, true)) {
    return;
  }
  CmdArgs keys = args.subspan(3, size_t(numkeys));
  CmdArgs argv = args.subspan(3 + size_t(numkeys));
  sc.eval_engine().CallScript(&ctx, "f_" + sha, keys, argv);
  scripting::ResetRun(&ctx);
}

void CmdEval(Client& c, CmdArgs args) { EvalGeneric(c, args, false, false); }
void CmdEvalRo(Client& c, CmdArgs args) { EvalGeneric(c, args, false, true); }
void CmdEvalsha(Client& c, CmdArgs args) { EvalGeneric(c, args, true, false); }
void CmdEvalshaRo(Client& c, CmdArgs args) { EvalGeneric(c, args, true, true); }

// ---- SCRIPT ----

void CmdScriptHelp(Client& c, CmdArgs args) {
  ReplyHelpLines(
      c, args[0],
      {"DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
       "EXISTS <sha1> [<sha1> ...]",
       "    Return information about the existence of the scripts in the script cache.",
       "FLUSH [ASYNC|SYNC]", "    Flush the Lua scripts cache. Very dangerous on replicas.",
       "    When called without the optional mode argument, the behavior is determined "
       "by the",
       "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
       "    * ASYNC: Asynchronously flush the scripts cache.",
       "    * SYNC: Synchronously flush the scripts cache.", "KILL",
       "    Kill the currently executing Lua script.", "LOAD <script>",
       "    Load a script into the scripts cache without executing it."});
}

void CmdScriptFlush(Client& c, CmdArgs args) {
  if (args.size() == 3 && !EqualsIgnoreCase(args[2], "sync") &&
      !EqualsIgnoreCase(args[2], "async")) {
    c.reply().Error("SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  if (args.size() > 3) {
    c.reply().Error("SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  // ASYNC frees the old interpreter at once too: there is no background freeing thread.
  GetScripting(c.server()).FlushScripts();
  c.reply().Ok();
}

void CmdScriptExists(Client& c, CmdArgs args) {
  Scripting& sc = GetScripting(c.server());
  c.reply().ArrayHeader(int64_t(args.size()) - 2);
  for (size_t i = 2; i < args.size(); i++) c.reply().Integer(sc.FindScript(args[i]) ? 1 : 0);
}

void CmdScriptLoad(Client& c, CmdArgs args) {
  std::string sha;
  if (!GetScripting(c.server()).CreateScript(&c, args[2], &sha)) return;
  c.reply().Bulk(sha);
}

void CmdScriptKill(Client& c, CmdArgs) { scripting::KillScript(c, true); }

void CmdScriptDebug(Client& c, CmdArgs args) {
  if (EqualsIgnoreCase(args[2], "no")) {
    c.reply().Ok();
    return;
  }
  if (!EqualsIgnoreCase(args[2], "yes") && !EqualsIgnoreCase(args[2], "sync")) {
    c.reply().Error("Use SCRIPT DEBUG YES/SYNC/NO");
    return;
  }
  c.reply().Error("SCRIPT DEBUG is not supported yet: the Lua debugger is not implemented");
}

// ---- FCALL ----

void FcallGeneric(Client& c, CmdArgs args, bool ro) {
  Server& s = c.server();
  s.FeedMonitors(c, c.db_index());
  Scripting& sc = GetScripting(s);
  Function* f = sc.libraries().FindFunction(args[1]);
  if (!f) {
    c.reply().Error("Function not found");
    return;
  }
  int64_t numkeys;
  if (!ParseNumKeys(c, args, "Bad number of keys provided", &numkeys)) return;
  RunContext ctx;
  if (!scripting::PrepareForRun(&ctx, s, c, sc.function_client(), f->name, f->flags, ro, false)) {
    return;
  }
  CmdArgs keys = args.subspan(3, size_t(numkeys));
  CmdArgs argv = args.subspan(3 + size_t(numkeys));
  sc.function_engine().CallFunction(&ctx, f->ref, keys, argv);
  scripting::ResetRun(&ctx);
}

void CmdFcall(Client& c, CmdArgs args) { FcallGeneric(c, args, false); }
void CmdFcallRo(Client& c, CmdArgs args) { FcallGeneric(c, args, true); }

// ---- FUNCTION ----

void CmdFunctionLoad(Client& c, CmdArgs args) {
  bool replace = false;
  size_t pos = 2;
  while (pos < args.size() - 1) {
    std::string_view opt = args[pos++];
    if (EqualsIgnoreCase(opt, "replace")) {
      replace = true;
      continue;
    }
    c.reply().Error(fmt::format("Unknown option given: {}", opt));
    return;
  }
  if (pos >= args.size()) {
    c.reply().Error("Function code is missing");
    return;
  }
  Scripting& sc = GetScripting(c.server());
  std::string err;
  int64_t timeout = c.has(kClientMaster) ? 0 : kFunctionLoadTimeoutMs;
  std::string name = sc.CreateLibrary(&sc.libraries(), args[pos], replace, timeout, &err);
  if (name.empty()) {
    c.reply().Error(err);
    return;
  }
  c.server().dirty++;
  c.reply().Bulk(name);
}

void CmdFunctionDelete(Client& c, CmdArgs args) {
  Scripting& sc = GetScripting(c.server());
  std::unique_ptr<Library> lib = sc.libraries().Unlink(args[2]);
  if (!lib) {
    c.reply().Error("Library not found");
    return;
  }
  for (auto& f : lib->functions) sc.function_engine().ReleaseFunction(f->ref);
  c.server().dirty++;
  c.reply().Ok();
}

void CmdFunctionFlush(Client& c, CmdArgs args) {
  if (args.size() > 3) {
    ReplySubcommandSyntaxError(c, args);
    return;
  }
  if (args.size() == 3 && !EqualsIgnoreCase(args[2], "sync") &&
      !EqualsIgnoreCase(args[2], "async")) {
    c.reply().Error("FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  GetScripting(c.server()).FlushLibraries();
  c.server().dirty++;
  c.reply().Ok();
}

void CmdFunctionKill(Client& c, CmdArgs) { scripting::KillScript(c, false); }

void ReplyFunctionFlags(Client& c, uint64_t flags) {
  int64_t n = 0;
  for (const auto& f : scripting::kScriptFlagNames) n += (flags & f.flag) ? 1 : 0;
  c.reply().SetHeader(n);
  for (const auto& f : scripting::kScriptFlagNames) {
    if (flags & f.flag) c.reply().SimpleString(f.name);
  }
}

void CmdFunctionList(Client& c, CmdArgs args) {
  bool with_code = false;
  bool has_pattern = false;
  std::string_view pattern;
  for (size_t i = 2; i < args.size(); i++) {
    if (!with_code && EqualsIgnoreCase(args[i], "withcode")) {
      with_code = true;
      continue;
    }
    if (!has_pattern && EqualsIgnoreCase(args[i], "libraryname")) {
      if (i >= args.size() - 1) {
        c.reply().Error("library name argument was not given");
        return;
      }
      pattern = args[++i];
      has_pattern = true;
      continue;
    }
    c.reply().Error(fmt::format("Unknown argument {}", args[i]));
    return;
  }
  ReplyBuilder& r = c.reply();
  const auto& libs = GetScripting(c.server()).libraries().libraries();
  std::vector<const Library*> shown;
  for (const auto& [name, lib] : libs) {
    if (has_pattern && !GlobMatch(pattern, lib->name, true)) continue;
    shown.push_back(lib.get());
  }
  r.ArrayHeader(int64_t(shown.size()));
  for (const Library* lib : shown) {
    r.MapHeader(with_code ? 4 : 3);
    r.Bulk("library_name");
    r.Bulk(lib->name);
    r.Bulk("engine");
    r.Bulk("LUA");
    r.Bulk("functions");
    r.ArrayHeader(int64_t(lib->functions.size()));
    for (const auto& f : lib->functions) {
      r.MapHeader(3);
      r.Bulk("name");
      r.Bulk(f->name);
      r.Bulk("description");
      if (f->has_description) {
        r.Bulk(f->description);
      } else {
        r.Null();
      }
      r.Bulk("flags");
      ReplyFunctionFlags(c, f->flags);
    }
    if (with_code) {
      r.Bulk("library_code");
      r.Bulk(lib->code);
    }
  }
}

void CmdFunctionStats(Client& c, CmdArgs) {
  Server& s = c.server();
  RunContext* run = scripting::CurrentRun(s);
  if (run && run->eval_mode) {
    c.reply().Error(scripting::kBusyEvalError);
    return;
  }
  ReplyBuilder& r = c.reply();
  Scripting& sc = GetScripting(s);
  r.MapHeader(2);
  r.Bulk("running_script");
  if (!run) {
    r.Null();
  } else {
    r.MapHeader(3);
    r.Bulk("name");
    r.Bulk(run->funcname);
    r.Bulk("command");
    r.ArrayHeader(int64_t(run->caller->argv.size()));
    for (auto a : run->caller->argv) r.Bulk(a);
    r.Bulk("duration_ms");
    r.Integer(scripting::RunDurationMs(*run));
  }
  r.Bulk("engines");
  r.MapHeader(1);
  r.Bulk("LUA");
  r.MapHeader(2);
  r.Bulk("libraries_count");
  r.Integer(int64_t(sc.libraries().libraries().size()));
  r.Bulk("functions_count");
  r.Integer(int64_t(sc.libraries().function_count()));
}

void CmdFunctionDump(Client& c, CmdArgs) {
  c.reply().Bulk(scripting::DumpLibraries(GetScripting(c.server())));
}

void CmdFunctionRestore(Client& c, CmdArgs args) {
  if (args.size() > 4) {
    ReplySubcommandSyntaxError(c, args);
    return;
  }
  enum { kAppend, kReplace, kFlush } policy = kAppend;
  if (args.size() == 4) {
    if (EqualsIgnoreCase(args[3], "append")) {
      policy = kAppend;
    } else if (EqualsIgnoreCase(args[3], "replace")) {
      policy = kReplace;
    } else if (EqualsIgnoreCase(args[3], "flush")) {
      policy = kFlush;
    } else {
      c.reply().Error(
          "Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      return;
    }
  }
  Scripting& sc = GetScripting(c.server());
  LibrarySet restored;
  std::string err;
  bool ok = scripting::RestoreLibraries(sc, args[2], &restored, &err);
  if (ok) {
    if (policy == kFlush) sc.FlushLibraries();
    ok = sc.libraries().Join(&restored, policy == kReplace, &sc.function_engine(), &err);
  }
  restored.Clear(&sc.function_engine());
  if (!ok) {
    c.reply().Error(err);
    return;
  }
  c.server().dirty++;
  c.reply().Ok();
}

void CmdFunctionHelp(Client& c, CmdArgs args) {
  ReplyHelpLines(
      c, args[0],
      {"LOAD [REPLACE] <FUNCTION CODE>",
       "    Create a new library with the given library name and code.",
       "DELETE <LIBRARY NAME>",
       "    Delete the given library.",
       "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
       "    Return general information on all the libraries:",
       "    * Library name",
       "    * The engine used to run the Library",
       "    * Library description",
       "    * Functions list",
       "    * Library code (if WITHCODE is given)",
       "    It also possible to get only function that matches a pattern using LIBRARYNAME "
       "argument.",
       "STATS",
       "    Return information about the current function running:",
       "    * Function name",
       "    * Command used to run the function",
       "    * Duration in MS that the function is running",
       "    If no function is running, return nil",
       "    In addition, returns a list of available engines.",
       "KILL",
       "    Kill the current running function.",
       "FLUSH [ASYNC|SYNC]",
       "    Delete all the libraries.",
       "    When called without the optional mode argument, the behavior is determined by the",
       "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
       "    * ASYNC: Asynchronously flush the libraries.",
       "    * SYNC: Synchronously flush the libraries.",
       "DUMP",
       "    Return a serialized payload representing the current libraries, can be restored "
       "using FUNCTION RESTORE command",
       "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
       "    Restore the libraries represented by the given payload, it is possible to give a "
       "restore policy to",
       "    control how to handle existing libraries (default APPEND):",
       "    * FLUSH: delete all existing libraries.",
       "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
       "abort.",
       "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
       "replace the old",
       "      libraries with the new libraries (notice that even on this option there is a "
       "chance of failure",
       "      in case of functions name collision with another library)."});
}

}  // namespace

void RegisterScriptingFamily(CommandTable* t) {
  // may-replicate is hidden from COMMAND INFO, so the spec dump does not carry it.
  t->Register("eval", CmdEval, kCmdMayReplicate);
  t->Register("eval_ro", CmdEvalRo);
  t->Register("evalsha", CmdEvalsha, kCmdMayReplicate);
  t->Register("evalsha_ro", CmdEvalshaRo);
  t->Register("script|help", CmdScriptHelp);
  t->Register("script|flush", CmdScriptFlush);
  t->Register("script|exists", CmdScriptExists);
  t->Register("script|load", CmdScriptLoad);
  t->Register("script|kill", CmdScriptKill);
  t->Register("script|debug", CmdScriptDebug);
  t->Register("fcall", CmdFcall, kCmdMayReplicate);
  t->Register("fcall_ro", CmdFcallRo);
  t->Register("function|load", CmdFunctionLoad);
  t->Register("function|delete", CmdFunctionDelete);
  t->Register("function|flush", CmdFunctionFlush);
  t->Register("function|kill", CmdFunctionKill);
  t->Register("function|list", CmdFunctionList);
  t->Register("function|stats", CmdFunctionStats);
  t->Register("function|dump", CmdFunctionDump);
  t->Register("function|restore", CmdFunctionRestore);
  t->Register("function|help", CmdFunctionHelp);
}

}  // namespace ember
