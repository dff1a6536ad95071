#include "server/scripting/scripting.h"

#include <cstring>

#include "common/persist/rdb_writer.h"
#include "common/util/hash.h"
#include "common/util/strings.h"
#include "server/client.h"
#include "server/scripting/script.h"
#include "server/server.h"

namespace ember {

// DEBUG SET-SKIP-CHECKSUM-VALIDATION (server_family.cc).
bool DebugSkipChecksumValidation();

namespace scripting {
namespace {

constexpr uint8_t kRdbOpcodeFunction2 = 245;
constexpr uint16_t kRdbVersion = 10;

std::unique_ptr<Client> NewScriptClient(Server& s) {
  auto c = std::make_unique<Client>(&s, nullptr, s.NextClientId());
  c->authenticated = true;
  return c;
}

bool ValidLibraryName(std::string_view name) {
  if (name.empty()) return false;
  for (char ch : name) {
    if (!isalnum(static_cast<unsigned char>(ch)) && ch != '_') return false;
  }
  return true;
}

void ReleaseLibrary(Library* lib, LuaEngine* engine) {
  for (auto& f : lib->functions) engine->ReleaseFunction(f->ref);
}

// ---- RDB strings (FUNCTION RESTORE) ----

bool ReadLength(std::string_view in, size_t* pos, uint64_t* len, bool* encoded) {
  if (*pos >= in.size()) return false;
  uint8_t b = uint8_t(in[(*pos)++]);
  *encoded = false;
  switch (b >> 6) {
    case 0:
      *len = b & 0x3f;
      return true;
    case 1:
      if (*pos >= in.size()) return false;
      *len = (uint64_t(b & 0x3f) << 8) | uint8_t(in[(*pos)++]);
      return true;
    case 2: {
      int bytes = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
      if (bytes == 0 || *pos + size_t(bytes) > in.size()) return false;
      uint64_t v = 0;
      for (int i = 0; i < bytes; i++) v = (v << 8) | uint8_t(in[(*pos)++]);
      *len = v;
      return true;
    }
    default:
      *encoded = true;
      *len = b & 0x3f;
      return true;
  }
}

bool ReadRdbString(std::string_view in, size_t* pos, std::string* out) {
  uint64_t len;
  bool encoded;
  if (!ReadLength(in, pos, &len, &encoded)) return false;
  if (!encoded) {
    if (*pos + len > in.size()) return false;
    out->assign(in.substr(*pos, len));
    *pos += len;
    return true;
  }
  if (len <= 2) {  // integers, little endian
    size_t bytes = size_t(1) << len;
    if (*pos + bytes > in.size()) return false;
    int64_t v = 0;
    for (size_t i = 0; i < bytes; i++) v |= int64_t(uint8_t(in[*pos + i])) << (8 * i);
    if (bytes == 1) v = int8_t(v);
    if (bytes == 2) v = int16_t(v);
    if (bytes == 4) v = int32_t(v);
    *pos += bytes;
    *out = Int64ToString(v);
    return true;
  }
  if (len != 3) return false;  // LZF
  uint64_t clen, ulen;
  if (!ReadLength(in, pos, &clen, &encoded) || encoded) return false;
  if (!ReadLength(in, pos, &ulen, &encoded) || encoded) return false;
  if (*pos + clen > in.size()) return false;
  out->resize(ulen);
  if (ulen > 0 && LzfDecompress(in.data() + *pos, clen, out->data(), ulen) != ulen) return false;
  *pos += clen;
  return true;
}

std::string ToLowerAscii(std::string_view s) { return ToLower(s); }

}  // namespace

// ---------------------------------------------------------------------------------------
// LibrarySet

Function* LibrarySet::FindFunction(std::string_view name) const {
  auto it = functions_.find(ToLowerAscii(name));
  return it == functions_.end() ? nullptr : it->second;
}

Library* LibrarySet::FindLibrary(std::string_view name) const {
  auto it = libs_.find(std::string(name));
  return it == libs_.end() ? nullptr : it->second.get();
}

void LibrarySet::Link(std::unique_ptr<Library> lib) {
  for (auto& f : lib->functions) functions_[ToLowerAscii(f->name)] = f.get();
  std::string name = lib->name;
  libs_[name] = std::move(lib);
}

std::unique_ptr<Library> LibrarySet::Unlink(std::string_view name) {
  auto it = libs_.find(std::string(name));
  if (it == libs_.end()) return nullptr;
  std::unique_ptr<Library> lib = std::move(it->second);
  libs_.erase(it);
  for (auto& f : lib->functions) functions_.erase(ToLowerAscii(f->name));
  return lib;
}

bool LibrarySet::Join(LibrarySet* other, bool replace, LuaEngine* engine, std::string* err) {
  std::vector<std::unique_ptr<Library>> replaced;
  auto revert = [&] {
    for (auto& lib : replaced) Link(std::move(lib));
  };
  for (auto& [name, lib] : other->libs_) {
    if (!FindLibrary(name)) continue;
    if (!replace) {
      *err = "Library " + name + " already exists";
      return false;
    }
    replaced.push_back(Unlink(name));
  }
  for (auto& [lname, f] : other->functions_) {
    if (functions_.count(lname)) {
      *err = "Function " + f->name + " already exists";
      revert();
      return false;
    }
  }
  for (auto& [name, lib] : other->libs_) Link(std::move(lib));
  other->libs_.clear();
  other->functions_.clear();
  for (auto& lib : replaced) ReleaseLibrary(lib.get(), engine);
  return true;
}

void LibrarySet::Clear(LuaEngine* engine) {
  for (auto& [name, lib] : libs_) ReleaseLibrary(lib.get(), engine);
  libs_.clear();
  functions_.clear();
}

// ---------------------------------------------------------------------------------------
// Scripting

Scripting::Scripting(Server& s) : server_(s) {
  eval_engine_ = std::make_unique<LuaEngine>(LuaEngine::Kind::kEval);
  eval_client_ = NewScriptClient(s);
  function_engine_ = std::make_unique<LuaEngine>(LuaEngine::Kind::kFunctions);
  function_client_ = NewScriptClient(s);
}

Scripting::~Scripting() { libraries_.Clear(function_engine_.get()); }

const EvalScript* Scripting::FindScript(std::string_view sha) const {
  auto it = scripts_.find(ToLowerAscii(sha));
  return it == scripts_.end() ? nullptr : &it->second;
}

bool Scripting::CreateScript(Client* c, std::string_view body, std::string* sha) {
  *sha = Sha1Hex(body);
  if (scripts_.count(*sha)) return true;
  uint64_t flags = 0;
  size_t shebang_len = 0;
  std::string err;
  if (!ParseEvalShebang(body, &flags, &shebang_len, &err) ||
      !eval_engine_->CompileScript(body, shebang_len, "f_" + *sha, &err)) {
    if (c) c->reply().Error(err);
    return false;
  }
  EvalScript& s = scripts_[*sha];
  s.body.assign(body);
  s.flags = flags;
  scripts_bytes_ += body.size() + sha->size();
  return true;
}

void Scripting::FlushScripts() {
  scripts_.clear();
  scripts_bytes_ = 0;
  eval_engine_ = std::make_unique<LuaEngine>(LuaEngine::Kind::kEval);
}

size_t Scripting::scripts_memory() const {
  return scripts_bytes_ + scripts_.size() * (sizeof(EvalScript) + 64);
}

size_t Scripting::functions_memory() const {
  size_t n = 0;
  for (const auto& [name, lib] : libraries_.libraries()) {
    n += sizeof(Library) + lib->name.size() + lib->code.size();
    for (const auto& f : lib->functions) {
      n += sizeof(Function) + f->name.size() + f->description.size() + 64;
    }
  }
  return n;
}

std::string Scripting::CreateLibrary(LibrarySet* set, std::string_view code, bool replace,
                                     int64_t timeout_ms, std::string* err) {
  if (code.substr(0, 2) != "#!") {
    *err = "Missing library metadata";
    return "";
  }
  size_t eol = code.find('\n');
  if (eol == std::string_view::npos) {
    *err = "Invalid library metadata";
    return "";
  }
  std::vector<std::string> parts;
  if (!SplitArgs(code.substr(0, eol), &parts) || parts.empty()) {
    *err = "Invalid library metadata";
    return "";
  }
  std::string engine = parts[0].substr(2);
  std::string name;
  bool has_name = false;
  for (size_t i = 1; i < parts.size(); i++) {
    if (parts[i].size() >= 5 &&
        EqualsIgnoreCase(std::string_view(parts[i]).substr(0, 5), "name=")) {
      if (has_name) {
        *err = "Invalid metadata value, name argument was given multiple times";
        return "";
      }
      name = parts[i].substr(5);
      has_name = true;
      continue;
    }
    *err = "Invalid metadata value given: " + parts[i];
    return "";
  }
  if (!has_name) {
    *err = "Library name was not given";
    return "";
  }
  if (!ValidLibraryName(name)) {
    *err =
        "Library names can only contain letters, numbers, or underscores(_) and must be at least "
        "one character long";
    return "";
  }
  if (!EqualsIgnoreCase(engine, "lua")) {
    *err = "Engine '" + engine + "' not found";
    return "";
  }
  std::unique_ptr<Library> old;
  if (set->FindLibrary(name)) {
    if (!replace) {
      *err = "Library '" + name + "' already exists";
      return "";
    }
    old = set->Unlink(name);
  }
  std::vector<LuaEngine::Registered> regs;
  auto fail = [&]() -> std::string {
    for (const auto& r : regs) function_engine_->ReleaseFunction(r.ref);
    if (old) set->Link(std::move(old));
    return "";
  };
  if (!function_engine_->LoadLibrary(code.substr(eol), timeout_ms, &regs, err)) return fail();
  if (regs.empty()) {
    *err = "No functions registered";
    return fail();
  }
  for (const auto& r : regs) {
    if (set->FindFunction(r.name)) {
      *err = "Function " + r.name + " already exists";
      return fail();
    }
  }
  auto lib = std::make_unique<Library>();
  lib->name = name;
  lib->code.assign(code);
  for (auto& r : regs) {
    auto f = std::make_unique<Function>();
    f->name = std::move(r.name);
    f->description = std::move(r.description);
    f->has_description = r.has_description;
    f->flags = r.flags;
    f->ref = r.ref;
    f->library = lib.get();
    lib->functions.push_back(std::move(f));
  }
  set->Link(std::move(lib));
  if (old) ReleaseLibrary(old.get(), function_engine_.get());
  return name;
}

// ---------------------------------------------------------------------------------------

Scripting& GetScripting(Server& s) {
  struct Holder {
    std::string run_id;
    std::unique_ptr<Scripting> state;
  };
  static std::unordered_map<Server*, Holder> registry;
  Holder& h = registry[&s];
  // A new server at the address of a destroyed one (unit tests) starts afresh.
  if (!h.state || h.run_id != s.run_id) {
    h.state.reset();
    h.state = std::make_unique<Scripting>(s);
    h.run_id = s.run_id;
  }
  return *h.state;
}

bool ParseEvalShebang(std::string_view body, uint64_t* flags, size_t* shebang_len,
                      std::string* err) {
  *flags = kScriptEvalCompat;
  *shebang_len = 0;
  if (body.substr(0, 2) != "#!") return true;
  size_t eol = body.find('\n');
  if (eol == std::string_view::npos) {
    *err = "Invalid script shebang";
    return false;
  }
  std::vector<std::string> parts;
  if (!SplitArgs(body.substr(0, eol), &parts) || parts.empty()) {
    *err = "Invalid engine in script shebang";
    return false;
  }
  if (parts[0] != "#!lua") {
    *err = "Unexpected engine in script shebang: " + parts[0];
    return false;
  }
  uint64_t f = 0;
  for (size_t i = 1; i < parts.size(); i++) {
    std::string_view part = parts[i];
    if (part.substr(0, 6) != "flags=") {
      *err = "Unknown lua shebang option: " + parts[i];
      return false;
    }
    part.remove_prefix(6);
    // Split on commas, keeping empty pieces (an empty piece is an unknown flag, as in Redis).
    if (part.empty()) continue;
    size_t start = 0;
    while (true) {
      size_t comma = part.find(',', start);
      std::string_view name = part.substr(start, comma == part.npos ? part.npos : comma - start);
      uint64_t bit = ScriptFlagByName(name, false);
      if (!bit) {
        *err = "Unexpected flag in script shebang: " + std::string(name);
        return false;
      }
      f |= bit;
      if (comma == part.npos) break;
      start = comma + 1;
    }
  }
  *flags = f;
  *shebang_len = eol;
  return true;
}

std::string DumpLibraries(Scripting& sc) {
  RdbWriter w(true);
  for (const auto& [name, lib] : sc.libraries().libraries()) {
    w.Byte(kRdbOpcodeFunction2);
    w.String(lib->code);
  }
  std::string& out = w.data();
  out.push_back(char(kRdbVersion & 0xff));
  out.push_back(char(kRdbVersion >> 8));
  uint64_t crc = Crc64(0, out.data(), out.size());
  for (int i = 0; i < 8; i++) out.push_back(char((crc >> (8 * i)) & 0xff));
  return std::move(out);
}

bool RestoreLibraries(Scripting& sc, std::string_view payload, LibrarySet* set, std::string* err) {
  if (payload.size() < 10) {
    *err = "DUMP payload version or checksum are wrong";
    return false;
  }
  const char* footer = payload.data() + payload.size() - 10;
  uint16_t version = uint16_t(uint8_t(footer[0]) | (uint8_t(footer[1]) << 8));
  bool ok = version <= kRdbVersion;
  if (ok && !DebugSkipChecksumValidation()) {
    uint64_t crc = Crc64(0, payload.data(), payload.size() - 8);
    for (int i = 0; i < 8; i++) ok = ok && uint8_t(footer[2 + i]) == uint8_t(crc >> (8 * i));
  }
  if (!ok) {
    *err = "DUMP payload version or checksum are wrong";
    return false;
  }
  std::string_view body = payload.substr(0, payload.size() - 10);
  size_t pos = 0;
  while (pos < body.size()) {
    uint8_t type = uint8_t(body[pos++]);
    if (type != kRdbOpcodeFunction2) {
      *err =
          type == 246 ? "old function payloads are not supported" : "given type is not a function";
      return false;
    }
    std::string code;
    if (!ReadRdbString(body, &pos, &code)) {
      *err = "Failed loading library payload";
      return false;
    }
    if (sc.CreateLibrary(set, code, false, 0, err).empty()) return false;
  }
  return true;
}

ScriptingInfo GetScriptingInfo(Server& s) {
  Scripting& sc = GetScripting(s);
  ScriptingInfo info;
  info.eval_vm_memory = sc.eval_engine().UsedMemory();
  info.eval_scripts_memory = sc.scripts_memory();
  info.cached_scripts = sc.script_count();
  info.functions = sc.libraries().function_count();
  info.libraries = sc.libraries().libraries().size();
  info.functions_vm_memory = sc.function_engine().UsedMemory();
  info.functions_memory = sc.functions_memory();
  return info;
}

std::vector<std::string> LibraryCodes(Server& s) {
  std::vector<std::string> out;
  for (const auto& [name, lib] : GetScripting(s).libraries().libraries()) out.push_back(lib->code);
  return out;
}

bool LoadLibraryCode(Server& s, std::string_view code, bool replace, std::string* err) {
  Scripting& sc = GetScripting(s);
  return !sc.CreateLibrary(&sc.libraries(), code, replace, 0, err).empty();
}

void FlushFunctions(Server& s) { GetScripting(s).FlushLibraries(); }

uint64_t EffectiveCommandFlags(Server& s, const Command& cmd, CmdArgs args) {
  uint64_t flags = cmd.flags;
  std::string_view name = cmd.name;
  if (cmd.parent != nullptr || name.empty() || (name[0] != 'e' && name[0] != 'f')) return flags;
  bool eval = name == "eval" || name == "eval_ro";
  bool evalsha = name == "evalsha" || name == "evalsha_ro";
  bool fcall = name == "fcall" || name == "fcall_ro";
  if ((!eval && !evalsha && !fcall) || args.size() < 2) return flags;
  uint64_t script_flags = 0;
  if (eval) {
    size_t len;
    std::string err;
    if (!ParseEvalShebang(args[1], &script_flags, &len, &err)) return flags;
  } else if (evalsha) {
    const EvalScript* script = GetScripting(s).FindScript(args[1]);
    if (script == nullptr) return flags;
    script_flags = script->flags;
  } else {
    const Function* fn = GetScripting(s).libraries().FindFunction(args[1]);
    if (fn == nullptr) return flags;
    script_flags = fn->flags;
  }
  if (script_flags & kScriptEvalCompat) return flags;  // no shebang: the command's flags
  // Declared flags replace the command's write, deny-oom and stale flags; they also say
  // whether it writes, so may-replicate no longer applies.
  flags &= ~uint64_t(kCmdStale | kCmdDenyOom | kCmdWrite | kCmdMayReplicate);
  if (!(script_flags & (kScriptAllowOom | kScriptNoWrites))) flags |= kCmdDenyOom;
  if (!(script_flags & kScriptNoWrites)) flags |= kCmdWrite;
  if (script_flags & kScriptAllowStale) flags |= kCmdStale;
  return flags;
}

}  // namespace scripting
}  // namespace ember
