#include "server/scripting/lua_engine.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/util/clock.h"
#include "common/util/hash.h"
#include "common/util/strings.h"
#include "server/acl.h"
#include "server/client.h"
#include "server/scripting/lua_libs.h"
#include "server/scripting/script.h"
#include "server/server.h"

extern "C" {
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

namespace ember::scripting {

struct LuaEngine::LoadContext {
  int64_t start_us = 0;
  int64_t timeout_ms = 0;
  std::vector<Registered>* functions = nullptr;
};

namespace {

// Registry keys.
constexpr const char* kEngineKey = "ember.engine";
constexpr const char* kRealOfKey = "ember.real_of";        // proxy -> protected table
constexpr const char* kProxyOfKey = "ember.proxy_of";      // protected table -> proxy
constexpr const char* kApparentMtKey = "ember.apparent";   // proxy -> what getmetatable shows
constexpr const char* kRealGlobalsKey = "ember.globals";   // the table globals are read from
constexpr const char* kGlobalsMtKey = "ember.globals_mt";  // FUNCTION: globals proxy metatable
constexpr const char* kLibraryApiKey = "ember.library";    // FUNCTION: globals while loading
constexpr const char* kErrorHandlerKey = "ember.errh";

constexpr const char* kReadonlyError = "Attempt to modify a readonly table";
constexpr int kHookInstructions = 100000;
constexpr int kGcPeriod = 50;

// Redis's log levels (redis.LOG_*).
enum { kLogDebug = 0, kLogVerbose = 1, kLogNotice = 2, kLogWarning = 3 };
// redis.set_repl flags.
enum { kReplNone = 0, kReplAof = 1, kReplReplica = 2, kReplAll = 3 };

// ---------------------------------------------------------------------------------------
// Small helpers

LuaEngine* EngineOf(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kEngineKey);
  auto* e = static_cast<LuaEngine*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return e;
}

int AbsIndex(lua_State* L, int idx) {
  return idx > 0 || idx <= LUA_REGISTRYINDEX ? idx : lua_gettop(L) + idx + 1;
}

// Pushes a Redis error table {err="CODE message"} built from `msg`: "-CODE message" keeps its
// code, anything else gets "ERR" (Redis's luaPushErrorBuff).
void PushError(lua_State* L, std::string_view msg) {
  std::string_view code = "ERR";
  if (!msg.empty() && msg[0] == '-') {
    size_t space = msg.find(' ');
    if (space == std::string_view::npos) {
      msg.remove_prefix(1);
    } else {
      code = msg.substr(1, space - 1);
      msg.remove_prefix(space + 1);
    }
  }
  while (!msg.empty() && (msg.front() == '\r' || msg.front() == '\n')) msg.remove_prefix(1);
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.remove_suffix(1);
  lua_newtable(L);
  lua_pushlstring(L, code.data(), code.size());
  lua_pushliteral(L, " ");
  lua_pushlstring(L, msg.data(), msg.size());
  lua_concat(L, 3);
  lua_setfield(L, -2, "err");
}

void MarkErrorCounted(lua_State* L) {
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, "ignore_error_stats_update");
}

std::string FormatDouble17(double d) {
  char buf[64];
  int n = snprintf(buf, sizeof(buf), "%.17g", d);
  return std::string(buf, size_t(n));
}

int64_t NumberToInt64(double d) {
  // What a C cast gives on x86 for values out of range (Redis casts directly).
  if (std::isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
    return INT64_MIN;
  }
  return int64_t(d);
}

// ---------------------------------------------------------------------------------------
// Read-only tables (see the header for why they are proxies).

bool IsProxy(lua_State* L, int idx) {
  if (!lua_istable(L, idx)) return false;
  idx = AbsIndex(L, idx);
  lua_getfield(L, LUA_REGISTRYINDEX, kRealOfKey);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  bool proxy = !lua_isnil(L, -1);
  lua_pop(L, 2);
  return proxy;
}

// Replaces the value at `idx` with the table it protects, if it is a proxy.
void ReplaceProxyWithReal(lua_State* L, int idx) {
  if (!lua_istable(L, idx)) return;
  idx = AbsIndex(L, idx);
  lua_getfield(L, LUA_REGISTRYINDEX, kRealOfKey);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 2);
    return;
  }
  lua_replace(L, idx);
  lua_pop(L, 1);
}

int ReadonlyNewIndex(lua_State* L) { return luaL_error(L, kReadonlyError); }

int RaiseReadonly(lua_State* L) {
  lua_pushstring(L, kReadonlyError);
  return lua_error(L);
}

int NonexistentGlobal(lua_State* L) {
  if (lua_gettop(L) != 2) {
    return luaL_error(L, "Wrong number of arguments to luaProtectedTableError");
  }
  if (!lua_isstring(L, -1) && !lua_isnumber(L, -1)) {
    return luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
  }
  const char* name = lua_tostring(L, -1);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name);
}

void SetRegistryLink(lua_State* L, const char* registry_table, int key, int value) {
  lua_getfield(L, LUA_REGISTRYINDEX, registry_table);
  lua_pushvalue(L, key);
  lua_pushvalue(L, value);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

// Pushes the proxy protecting the table at `idx`, creating it (and protecting every table the
// table reaches, its metatable included) on first use. A proxy is returned as is.
void PushProtected(lua_State* L, int idx) {
  idx = AbsIndex(L, idx);
  luaL_checkstack(L, 8, "protecting tables");
  if (IsProxy(L, idx)) {
    lua_pushvalue(L, idx);
    return;
  }
  lua_getfield(L, LUA_REGISTRYINDEX, kProxyOfKey);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  if (!lua_isnil(L, -1)) {
    lua_remove(L, -2);
    return;
  }
  lua_pop(L, 2);

  lua_newtable(L);
  int proxy = lua_gettop(L);
  lua_newtable(L);
  lua_pushvalue(L, idx);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_setfield(L, -2, "__newindex");
  lua_setmetatable(L, proxy);
  SetRegistryLink(L, kProxyOfKey, idx, proxy);
  SetRegistryLink(L, kRealOfKey, proxy, idx);

  // Table values are reached through their proxies from now on.
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -1) == LUA_TTABLE) {
      PushProtected(L, -1);  // key value proxy
      lua_pushvalue(L, -3);  // key value proxy key
      lua_insert(L, -2);     // key value key proxy
      lua_rawset(L, idx);    // key value
    }
    lua_pop(L, 1);
  }
  if (lua_getmetatable(L, idx)) {
    int mt = lua_gettop(L);
    PushProtected(L, mt);
    SetRegistryLink(L, kApparentMtKey, proxy, lua_gettop(L));
    lua_pop(L, 2);
  }
}

// table.insert / table.remove / table.sort / table.setn: refuse proxies, else run the
// original (upvalue 1).
int RefuseProxyWrapper(lua_State* L) {
  if (IsProxy(L, 1)) return RaiseReadonly(L);
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

// table.concat / table.getn / table.maxn: look through proxies.
int SeeThroughWrapper(lua_State* L) {
  ReplaceProxyWithReal(L, 1);
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

// The base functions that bypass metatables, done here (rather than by calling the
// originals) so that their errors read as the originals' do.
int Rawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsProxy(L, 1)) return RaiseReadonly(L);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

int Rawget(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  ReplaceProxyWithReal(L, 1);
  lua_settop(L, 2);
  lua_rawget(L, 1);
  return 1;
}

int Next(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  ReplaceProxyWithReal(L, 1);
  lua_settop(L, 2);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

int Unpack(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  ReplaceProxyWithReal(L, 1);
  int i = luaL_optint(L, 2, 1);
  int e = luaL_opt(L, luaL_checkint, 3, int(lua_objlen(L, 1)));
  if (i > e) return 0;
  int n = e - i + 1;
  if (n <= 0 || !lua_checkstack(L, n)) return luaL_error(L, "too many results to unpack");
  lua_rawgeti(L, 1, i);
  while (i++ < e) lua_rawgeti(L, 1, i);
  return n;
}

int Setmetatable(lua_State* L) {
  int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
  if (IsProxy(L, 1)) return RaiseReadonly(L);
  if (luaL_getmetafield(L, 1, "__metatable")) {
    return luaL_error(L, "cannot change a protected metatable");
  }
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

// pairs(t): the (wrapped) next, t, nil.
int PairsWrapper(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

int IpairsStep(lua_State* L) {
  int i = luaL_checkint(L, 2) + 1;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, 1);
  ReplaceProxyWithReal(L, -1);
  lua_rawgeti(L, -1, i);
  if (lua_isnil(L, -1)) return 0;
  lua_pushinteger(L, i);
  lua_insert(L, -2);
  return 2;
}

int IpairsWrapper(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  lua_pushinteger(L, 0);
  return 3;
}

// getmetatable: what Redis's VM would show; protected metatables come back as proxies.
int GetmetatableWrapper(lua_State* L) {
  luaL_checkany(L, 1);
  if (IsProxy(L, 1)) {
    lua_getfield(L, LUA_REGISTRYINDEX, kApparentMtKey);
    lua_pushvalue(L, 1);
    lua_rawget(L, -2);
    return 1;
  }
  if (!lua_getmetatable(L, 1)) {
    lua_pushnil(L);
    return 1;
  }
  luaL_getmetafield(L, 1, "__metatable");
  if (lua_gettop(L) > 2) return 1;  // the __metatable field
  lua_getfield(L, LUA_REGISTRYINDEX, kProxyOfKey);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  if (!lua_isnil(L, -1)) return 1;
  lua_pop(L, 2);
  return 1;
}

// Binary chunks are refused (Redis's Lua only parses source): loadstring / load give nil and
// the parser's message for the escape byte.
int PushBinaryChunkRefusal(lua_State* L) {
  lua_pushnil(L);
  lua_pushliteral(L, "binary chunks are not allowed: unexpected symbol near '<\\27>'");
  return 2;
}

int LoadstringWrapper(lua_State* L) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  if (len > 0 && s[0] == LUA_SIGNATURE[0]) return PushBinaryChunkRefusal(L);
  const char* name = luaL_optstring(L, 2, s);
  if (luaL_loadbuffer(L, s, len, name) == 0) return 1;
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

int LoadWrapper(lua_State* L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  const char* name = luaL_optstring(L, 2, "=(load)");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (;;) {
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "reader function must return a string");
    if (lua_objlen(L, -1) == 0) {
      lua_pop(L, 1);
      break;
    }
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  size_t len;
  const char* s = lua_tolstring(L, -1, &len);
  if (len > 0 && s[0] == LUA_SIGNATURE[0]) return PushBinaryChunkRefusal(L);
  if (luaL_loadbuffer(L, s, len, name) == 0) return 1;
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

// pcall as Redis replaces it: an error table {err=...} is returned as its message.
int PcallWrapper(lua_State* L) {
  int argc = lua_gettop(L);
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

void WrapGlobal(lua_State* L, int table, const char* name, lua_CFunction wrapper) {
  lua_getfield(L, table, name);
  lua_pushcclosure(L, wrapper, 1);
  lua_setfield(L, table, name);
}

// ---------------------------------------------------------------------------------------
// The scripts' PRNG: the 48-bit linear congruential generator of drand48, as Redis uses, so a
// seeded sequence is the same as Redis's.

uint64_t g_rand48 = 0x1234ABCD330EULL;

int32_t Rand48() {
  g_rand48 = (0x5DEECE66DULL * g_rand48 + 0xB) & ((1ULL << 48) - 1);
  return int32_t(g_rand48 >> 17);
}

void Srand48(int32_t seed) { g_rand48 = (uint64_t(uint32_t(seed)) << 16) | 0x330E; }

int MathRandom(lua_State* L) {
  if (!EngineOf(L)->run()) {
    return luaL_error(L, "math.random can only be called inside a script invocation");
  }
  constexpr int32_t kMax = INT32_MAX;
  lua_Number r = lua_Number(Rand48() % kMax) / lua_Number(kMax);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomseed(lua_State* L) {
  if (!EngineOf(L)->run()) {
    return luaL_error(L, "math.randomseed can only be called inside a script invocation");
  }
  Srand48(luaL_checkint(L, 1));
  return 0;
}

// ---------------------------------------------------------------------------------------
// The redis.* API

// Arguments of redis.call / pcall as strings (numbers as Redis prints them, "%.17g"). Kept
// across calls to avoid allocating; scripts never run nested.
std::vector<std::string> g_argv;
std::vector<std::string_view> g_argv_views;
bool g_call_in_progress = false;

// Fills g_argv from the Lua stack. Returns the error text, or nullptr.
const char* CollectArguments(lua_State* L, int argc) {
  if (g_argv.size() < size_t(argc)) g_argv.resize(size_t(argc));
  g_argv_views.clear();
  for (int j = 1; j <= argc; j++) {
    std::string& arg = g_argv[size_t(j - 1)];
    if (lua_type(L, j) == LUA_TNUMBER) {
      char buf[64];
      int n = snprintf(buf, sizeof(buf), "%.17g", double(lua_tonumber(L, j)));
      arg.assign(buf, size_t(n));
    } else {
      size_t len;
      const char* s = lua_tolstring(L, j, &len);
      if (!s) return "Lua redis lib command arguments must be strings or integers";
      arg.assign(s, len);
    }
    g_argv_views.emplace_back(arg);
  }
  return nullptr;
}

// Runs the command and leaves its converted reply on the stack. Returns true if that is an
// error table (from the command or from the checks).
bool RunRedisCommand(lua_State* L, RunContext* ctx) {
  // Static: a Lua error raised below must not skip a destructor (Lua unwinds with longjmp).
  static std::string err;
  err.clear();
  if (!ScriptCall(ctx, CmdArgs(g_argv_views), &err)) {
    PushError(L, err);
    MarkErrorCounted(L);
    return true;
  }
  std::string& out = ctx->client->out();
  bool is_error = !out.empty() && out[0] == '-';
  if (out.empty() || ReplyToLua(L, out) == 0) {
    lua_pushboolean(L, 0);  // no reply (cannot happen for commands scripts may call)
    is_error = false;
  }
  out.clear();
  return is_error;
}

int RedisGenericCommand(lua_State* L, bool raise) {
  RunContext* ctx = EngineOf(L)->run();
  if (!ctx) {
    PushError(L, "redis.call/pcall can only be called inside a script invocation");
    return lua_error(L);
  }
  int argc = lua_gettop(L);
  if (argc == 0) {
    PushError(L, "Please specify at least one argument for this redis lib call");
    return raise ? lua_error(L) : 1;
  }
  const char* arg_error = CollectArguments(L, argc);
  lua_pop(L, argc);
  if (arg_error) {
    PushError(L, arg_error);
    return raise ? lua_error(L) : 1;
  }
  if (g_call_in_progress) {
    const char* msg =
        "luaRedisGenericCommand() recursive call detected. Are you doing funny stuff with Lua "
        "debug hooks?";
    spdlog::warn("{}", msg);
    PushError(L, msg);
    return 1;
  }
  g_call_in_progress = true;
  bool is_error = RunRedisCommand(L, ctx);
  g_call_in_progress = false;
  if (raise && is_error) return lua_error(L);
  return 1;
}

int RedisCall(lua_State* L) { return RedisGenericCommand(L, true); }
int RedisPcall(lua_State* L) { return RedisGenericCommand(L, false); }

int RedisSha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) {
    PushError(L, "wrong number of arguments");
    return lua_error(L);
  }
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  char digest[41];
  {
    std::string hex = Sha1Hex(std::string_view(s ? s : "", s ? len : 0));
    memcpy(digest, hex.data(), 40);
  }
  lua_pushlstring(L, digest, 40);
  return 1;
}

int RedisErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushError(L, "wrong number or type of arguments");
    return 1;
  }
  size_t len;
  const char* s = lua_tolstring(L, -1, &len);
  if (len > 0 && s[0] == '-') {
    PushError(L, std::string_view(s, len));
  } else {
    lua_pushliteral(L, "-");
    lua_pushvalue(L, 1);
    lua_concat(L, 2);
    size_t n;
    const char* m = lua_tolstring(L, -1, &n);
    PushError(L, std::string_view(m, n));
  }
  return 1;
}

int RedisStatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushError(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "ok");
  return 1;
}

int RedisLog(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) {
    PushError(L, "redis.log() requires two arguments or more.");
    return lua_error(L);
  }
  if (!lua_isnumber(L, 1)) {
    PushError(L, "First argument must be a number (log level).");
    return lua_error(L);
  }
  int level = int(lua_tonumber(L, 1));
  if (level < kLogDebug || level > kLogWarning) {
    PushError(L, "Invalid debug level.");
    return lua_error(L);
  }
  // Glue the arguments with spaces on the Lua side (no C++ temporaries across Lua errors).
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  bool first = true;
  for (int j = 2; j <= argc; j++) {
    size_t len;
    const char* s = lua_tolstring(L, j, &len);
    if (!s) continue;
    if (!first) luaL_addchar(&b, ' ');
    luaL_addlstring(&b, s, len);
    first = false;
  }
  luaL_pushresult(&b);
  size_t len;
  const char* msg = lua_tolstring(L, -1, &len);
  static const spdlog::level::level_enum kLevels[] = {spdlog::level::trace, spdlog::level::debug,
                                                      spdlog::level::info, spdlog::level::warn};
  spdlog::log(kLevels[level], "{}", std::string_view(msg, len));
  return 0;
}

int RedisSetresp(lua_State* L) {
  RunContext* ctx = EngineOf(L)->run();
  if (!ctx) {
    PushError(L, "redis.setresp can only be called inside a script invocation");
    return lua_error(L);
  }
  if (lua_gettop(L) != 1) {
    PushError(L, "redis.setresp() requires one argument.");
    return lua_error(L);
  }
  int resp = int(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) {
    PushError(L, "RESP version must be 2 or 3.");
    return lua_error(L);
  }
  ctx->client->resp = resp;
  ctx->client->reply().set_resp(resp);
  return 0;
}

int RedisSetRepl(lua_State* L) {
  RunContext* ctx = EngineOf(L)->run();
  if (!ctx) {
    PushError(L, "redis.set_repl can only be called inside a script invocation");
    return lua_error(L);
  }
  if (lua_gettop(L) != 1) {
    PushError(L, "redis.set_repl() requires two arguments.");
    return lua_error(L);
  }
  int flags = int(lua_tonumber(L, -1));
  if ((flags & ~kReplAll) != 0) {
    PushError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    return lua_error(L);
  }
  // Ember has no AOF yet: only the replication stream is affected.
  ctx->propagate = (flags & kReplReplica) != 0;
  return 0;
}

int RedisAclCheckCmd(lua_State* L) {
  RunContext* ctx = EngineOf(L)->run();
  if (!ctx) {
    PushError(L, "redis.acl_check_cmd can only be called inside a script invocation");
    return lua_error(L);
  }
  int argc = lua_gettop(L);
  if (argc == 0) {
    PushError(L, "Please specify at least one argument for this redis lib call");
    return lua_error(L);
  }
  const char* arg_error = CollectArguments(L, argc);
  lua_pop(L, argc);
  if (arg_error) {
    PushError(L, arg_error);
    return lua_error(L);
  }
  Command* cmd = ctx->server->commands().Lookup(CmdArgs(g_argv_views));
  if (!cmd) {
    PushError(L, "Invalid command passed to redis.acl_check_cmd()");
    return lua_error(L);
  }
  int pos = 0;
  AclResult r =
      ctx->server->acl().CheckCommand(ctx->caller->user, *cmd, CmdArgs(g_argv_views), &pos);
  lua_pushboolean(L, r == AclResult::kOk);
  return 1;
}

int RedisBreakpoint(lua_State* L) {
  lua_pushboolean(L, 0);  // not debugging
  return 1;
}

int RedisDebug(lua_State*) { return 0; }

int RedisReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

void SetNumberField(lua_State* L, const char* name, lua_Number v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

void SetFunctionField(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
}

int VersionNumber() {
  int major = 0, minor = 0, patch = 0;
  sscanf(EMBER_REDIS_COMPAT_VERSION, "%d.%d.%d", &major, &minor, &patch);
  return (major << 16) | (minor << 8) | patch;
}

// redis.log, redis.LOG_*, redis.REDIS_VERSION(_NUM) on the table on top.
void AddLogAndVersion(lua_State* L) {
  SetFunctionField(L, "log", RedisLog);
  SetNumberField(L, "LOG_DEBUG", kLogDebug);
  SetNumberField(L, "LOG_VERBOSE", kLogVerbose);
  SetNumberField(L, "LOG_NOTICE", kLogNotice);
  SetNumberField(L, "LOG_WARNING", kLogWarning);
  SetNumberField(L, "REDIS_VERSION_NUM", VersionNumber());
  lua_pushstring(L, EMBER_REDIS_COMPAT_VERSION);
  lua_setfield(L, -2, "REDIS_VERSION");
}

// Pushes the runtime `redis` table.
void PushRedisApi(lua_State* L, bool eval) {
  lua_newtable(L);
  SetFunctionField(L, "call", RedisCall);
  SetFunctionField(L, "pcall", RedisPcall);
  AddLogAndVersion(L);
  SetFunctionField(L, "setresp", RedisSetresp);
  SetFunctionField(L, "sha1hex", RedisSha1hex);
  SetFunctionField(L, "error_reply", RedisErrorReply);
  SetFunctionField(L, "status_reply", RedisStatusReply);
  SetFunctionField(L, "set_repl", RedisSetRepl);
  SetNumberField(L, "REPL_NONE", kReplNone);
  SetNumberField(L, "REPL_AOF", kReplAof);
  SetNumberField(L, "REPL_SLAVE", kReplReplica);
  SetNumberField(L, "REPL_REPLICA", kReplReplica);
  SetNumberField(L, "REPL_ALL", kReplAll);
  SetFunctionField(L, "acl_check_cmd", RedisAclCheckCmd);
  if (eval) {
    SetFunctionField(L, "breakpoint", RedisBreakpoint);
    SetFunctionField(L, "debug", RedisDebug);
    SetFunctionField(L, "replicate_commands", RedisReplicateCommands);
  }
}

// ---------------------------------------------------------------------------------------
// FUNCTION LOAD: redis.register_function

bool ValidFunctionName(std::string_view name) {
  if (name.empty()) return false;
  for (char ch : name) {
    if (!isalnum(static_cast<unsigned char>(ch)) && ch != '_') return false;
  }
  return true;
}

// Adds a function to the library being loaded; the callback is on top of the stack and is
// consumed. Returns the error text, or nullptr.
const char* AddRegisteredFunction(lua_State* L, LuaEngine::LoadContext* lc, const char* name,
                                  size_t name_len, const char* desc, size_t desc_len,
                                  uint64_t flags);

const char* ReadFlags(lua_State* L, uint64_t* flags) {
  // The flags table is on top.
  uint64_t f = 0;
  for (int j = 1;; j++) {
    lua_pushnumber(L, j);
    lua_gettable(L, -2);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    if (!lua_isstring(L, -1)) {
      lua_pop(L, 1);
      return "unknown flag given";
    }
    size_t len;
    const char* s = lua_tolstring(L, -1, &len);
    uint64_t bit = ScriptFlagByName(std::string_view(s, len), true);
    lua_pop(L, 1);
    if (!bit) return "unknown flag given";
    f |= bit;
  }
  *flags = f;
  return nullptr;
}

const char* RegisterNamed(lua_State* L, LuaEngine::LoadContext* lc) {
  if (!lua_istable(L, 1)) {
    return "calling redis.register_function with a single argument is only applicable to Lua "
           "table (representing named arguments).";
  }
  constexpr int kName = 2, kDesc = 3, kCallback = 4;
  lua_settop(L, 1);
  lua_pushnil(L);
  lua_pushnil(L);
  lua_pushnil(L);
  uint64_t flags = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    if (!lua_isstring(L, -2)) {
      return "named argument key given to redis.register_function is not a string";
    }
    lua_pushvalue(L, -2);  // converting a copy keeps the iteration key intact
    const char* key = lua_tostring(L, -1);
    int which = 0;
    if (strcasecmp(key, "function_name") == 0) {
      which = kName;
    } else if (strcasecmp(key, "description") == 0) {
      which = kDesc;
    } else if (strcasecmp(key, "callback") == 0) {
      which = kCallback;
    } else if (strcasecmp(key, "flags") != 0) {
      return "unknown argument given to redis.register_function";
    }
    lua_pop(L, 1);
    if (which == kName && !lua_isstring(L, -1)) {
      return "function_name argument given to redis.register_function must be a string";
    }
    if (which == kDesc && !lua_isstring(L, -1)) {
      return "description argument given to redis.register_function must be a string";
    }
    if (which == kCallback && !lua_isfunction(L, -1)) {
      return "callback argument given to redis.register_function must be a function";
    }
    if (which == 0) {
      if (!lua_istable(L, -1)) {
        return "flags argument to redis.register_function must be a table representing "
               "function flags";
      }
      const char* e = ReadFlags(L, &flags);
      if (e) return e;
      lua_pop(L, 1);
    } else {
      lua_replace(L, which);
    }
  }
  if (lua_isnil(L, kName)) return "redis.register_function must get a function name argument";
  if (lua_isnil(L, kCallback)) return "redis.register_function must get a callback argument";
  size_t name_len, desc_len = 0;
  const char* name = lua_tolstring(L, kName, &name_len);
  const char* desc = lua_isnil(L, kDesc) ? nullptr : lua_tolstring(L, kDesc, &desc_len);
  lua_pushvalue(L, kCallback);
  return AddRegisteredFunction(L, lc, name, name_len, desc, desc_len, flags);
}

const char* RegisterPositional(lua_State* L, LuaEngine::LoadContext* lc) {
  if (!lua_isstring(L, 1)) return "first argument to redis.register_function must be a string";
  if (!lua_isfunction(L, 2)) return "second argument to redis.register_function must be a function";
  size_t name_len;
  const char* name = lua_tolstring(L, 1, &name_len);
  lua_pushvalue(L, 2);
  return AddRegisteredFunction(L, lc, name, name_len, nullptr, 0, 0);
}

const char* AddRegisteredFunction(lua_State* L, LuaEngine::LoadContext* lc, const char* name,
                                  size_t name_len, const char* desc, size_t desc_len,
                                  uint64_t flags) {
  std::string_view n(name, name_len);
  if (!ValidFunctionName(n)) {
    lua_pop(L, 1);
    return "Library names can only contain letters, numbers, or underscores(_) and must be at "
           "least one character long";
  }
  for (const auto& f : *lc->functions) {
    if (f.name == n) {
      lua_pop(L, 1);
      return "Function already exists in the library";
    }
  }
  LuaEngine::Registered r;
  r.name.assign(name, name_len);
  if (desc) {
    r.description.assign(desc, desc_len);
    r.has_description = true;
  }
  r.flags = flags;
  r.ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lc->functions->push_back(std::move(r));
  return nullptr;
}

int RedisRegisterFunction(lua_State* L) {
  LuaEngine::LoadContext* lc = EngineOf(L)->load();
  if (!lc) {
    PushError(L, "redis.register_function can only be called on FUNCTION LOAD command");
    return lua_error(L);
  }
  int argc = lua_gettop(L);
  const char* err;
  if (argc < 1 || argc > 2) {
    err = "wrong number of arguments to redis.register_function";
  } else if (argc == 1) {
    err = RegisterNamed(L, lc);
  } else {
    err = RegisterPositional(L, lc);
  }
  if (err) {
    PushError(L, err);
    return lua_error(L);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
// Hooks

void InstructionHook(lua_State* L, lua_Debug*) {
  LuaEngine* e = EngineOf(L);
  if (LuaEngine::LoadContext* lc = e->load()) {
    int64_t elapsed_ms = (MonotonicUs() - lc->start_us) / 1000;
    if (lc->timeout_ms > 0 && elapsed_ms > lc->timeout_ms) {
      lua_sethook(L, InstructionHook, LUA_MASKLINE, 0);
      PushError(L, "FUNCTION LOAD timeout");
      lua_error(L);
    }
    return;
  }
  RunContext* ctx = e->run();
  if (!ctx) return;
  if (ScriptInterrupt(ctx)) {
    spdlog::warn("Lua script killed by user with SCRIPT KILL.");
    // From now on every line raises again, so pcall cannot keep the script alive.
    lua_sethook(L, InstructionHook, LUA_MASKLINE, 0);
    PushError(L, "Script killed by user with SCRIPT KILL...");
    lua_error(L);
  }
}

// The error handler every script runs under: adds where the error happened (the caller of a
// C function rather than the C function itself) and turns plain messages into error tables.
constexpr const char* kErrorHandlerSource =
    "local getinfo = debug.getinfo\n"
    "return function(e)\n"
    "  local where = getinfo(2, 'nSl')\n"
    "  if where and where.what == 'C' then where = getinfo(3, 'nSl') end\n"
    "  if type(e) ~= 'table' then e = {err = 'ERR ' .. tostring(e)} end\n"
    "  if where then\n"
    "    e['source'] = where.source\n"
    "    e['line'] = where.currentline\n"
    "  end\n"
    "  return e\n"
    "end\n";

void PushArray(lua_State* L, CmdArgs elems) {
  lua_createtable(L, int(elems.size()), 0);
  for (size_t j = 0; j < elems.size(); j++) {
    lua_pushlstring(L, elems[j].data(), elems[j].size());
    lua_rawseti(L, -2, int(j + 1));
  }
}

// Writes an error reply without counting it again in the error statistics (the command that
// failed inside the script already did); the script's command still counts as failed.
void ReplyErrorNoStats(Client& c, std::string_view msg) {
  std::string line;
  line.reserve(msg.size() + 8);
  line.push_back('-');
  if (!msg.empty() && msg[0] == '-') {
    line.append(msg.substr(1));
  } else if (msg.substr(0, 4) == "ERR ") {
    line.append(msg);
  } else {
    line.append("ERR ").append(msg);
  }
  for (char& ch : line) {
    if (ch == '\r' || ch == '\n') ch = ' ';
  }
  line.append("\r\n");
  c.reply().Raw(line);
  if (c.cmd) const_cast<Command*>(c.cmd)->failed_calls++;
}

struct ErrorInfo {
  std::string msg, source, line;
  bool has_msg = false, has_source = false, has_line = false, ignore_stats = false;
};

// Reads an error value (on top) the way Redis's luaExtractErrorInformation does.
ErrorInfo ExtractErrorInfo(lua_State* L) {
  ErrorInfo info;
  if (lua_isstring(L, -1)) {
    info.msg = std::string("ERR ") + lua_tostring(L, -1);
    info.has_msg = true;
  }
  // Raw reads: this also runs outside any protected call, where a metamethod raising an
  // error would abort the process.
  auto field = [&](const char* name, std::string* out, bool* has) {
    lua_pushstring(L, name);
    lua_rawget(L, -2);
    if (lua_isstring(L, -1)) {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      out->assign(s, len);
      *has = true;
    }
    lua_pop(L, 1);
  };
  if (lua_istable(L, -1)) {
    field("err", &info.msg, &info.has_msg);
    field("source", &info.source, &info.has_source);
    field("line", &info.line, &info.has_line);
    lua_pushliteral(L, "ignore_error_stats_update");
    lua_rawget(L, -2);
    if (lua_isboolean(L, -1)) info.ignore_stats = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  return info;
}

// ---------------------------------------------------------------------------------------
// Reply (RESP) -> Lua

class ReplyReader {
 public:
  ReplyReader(lua_State* L, const char* p, const char* end) : L_(L), p_(p), end_(end) {}
  // Parses one value, pushing it when `push`. False if the reply is incomplete or malformed.
  bool Value(bool push);
  const char* pos() const { return p_; }

 private:
  bool Line(std::string_view* line) {
    const char* cr = static_cast<const char*>(memchr(p_, '\r', size_t(end_ - p_)));
    if (!cr || cr + 1 >= end_ || cr[1] != '\n') return false;
    *line = std::string_view(p_ + 1, size_t(cr - p_ - 1));
    p_ = cr + 2;
    return true;
  }
  bool Length(std::string_view line, int64_t* n) { return StringToInt64(line, n); }
  bool Blob(int64_t n, std::string_view* out) {
    if (n < 0 || end_ - p_ < n + 2) return false;
    *out = std::string_view(p_, size_t(n));
    p_ += n + 2;
    return true;
  }
  void Grow(int n) { luaL_checkstack(L_, n, "reply too deep for the Lua stack"); }

  lua_State* L_;
  const char* p_;
  const char* end_;
};

bool ReplyReader::Value(bool push) {
  if (p_ >= end_) return false;
  char type = *p_;
  std::string_view line;
  if (!Line(&line)) return false;
  int64_t n = 0;
  switch (type) {
    case '+':
      if (push) {
        Grow(3);
        lua_newtable(L_);
        lua_pushlstring(L_, line.data(), line.size());
        lua_setfield(L_, -2, "ok");
      }
      return true;
    case '-':
      if (push) {
        Grow(4);
        PushError(L_, std::string_view(line.data() - 1, line.size() + 1));  // with the '-'
        MarkErrorCounted(L_);
      }
      return true;
    case ':':
      if (!Length(line, &n)) return false;
      if (push) {
        Grow(1);
        lua_pushnumber(L_, lua_Number(n));
      }
      return true;
    case '$': {
      if (!Length(line, &n)) return false;
      if (n < 0) {
        if (push) {
          Grow(1);
          lua_pushboolean(L_, 0);
        }
        return true;
      }
      std::string_view blob;
      if (!Blob(n, &blob)) return false;
      if (push) {
        Grow(1);
        lua_pushlstring(L_, blob.data(), blob.size());
      }
      return true;
    }
    case '*':
    case '>':
      if (!Length(line, &n)) return false;
      if (n < 0) {
        if (push) {
          Grow(1);
          lua_pushboolean(L_, 0);
        }
        return true;
      }
      if (push) {
        Grow(2);
        lua_createtable(L_, int(n), 0);
      }
      for (int64_t j = 0; j < n; j++) {
        if (!Value(push)) return false;
        if (push) lua_rawseti(L_, -2, int(j + 1));
      }
      return true;
    case '%':
      if (!Length(line, &n)) return false;
      if (push) {
        Grow(3);
        lua_newtable(L_);
        lua_pushliteral(L_, "map");
        lua_newtable(L_);
      }
      for (int64_t j = 0; j < n; j++) {
        if (!Value(push) || !Value(push)) return false;
        if (push) lua_settable(L_, -3);
      }
      if (push) lua_settable(L_, -3);
      return true;
    case '~':
      if (!Length(line, &n)) return false;
      if (push) {
        Grow(3);
        lua_newtable(L_);
        lua_pushliteral(L_, "set");
        lua_newtable(L_);
      }
      for (int64_t j = 0; j < n; j++) {
        if (!Value(push)) return false;
        if (push) {
          Grow(1);
          lua_pushboolean(L_, 1);
          lua_settable(L_, -3);
        }
      }
      if (push) lua_settable(L_, -3);
      return true;
    case '|':  // attributes are not shown to scripts
      if (!Length(line, &n)) return false;
      for (int64_t j = 0; j < n; j++) {
        if (!Value(false) || !Value(false)) return false;
      }
      return Value(push);
    case '_':
      if (push) {
        Grow(1);
        lua_pushnil(L_);
      }
      return true;
    case '#':
      if (push) {
        Grow(1);
        lua_pushboolean(L_, line == "t");
      }
      return true;
    case ',': {
      double d = 0;
      if (line == "inf" || line == "+inf") {
        d = HUGE_VAL;
      } else if (line == "-inf") {
        d = -HUGE_VAL;
      } else if (line == "nan" || line == "-nan") {
        d = NAN;
      } else {
        d = strtod(std::string(line).c_str(), nullptr);
      }
      if (push) {
        Grow(3);
        lua_newtable(L_);
        lua_pushnumber(L_, d);
        lua_setfield(L_, -2, "double");
      }
      return true;
    }
    case '(':
      if (push) {
        Grow(3);
        lua_newtable(L_);
        lua_pushlstring(L_, line.data(), line.size());
        lua_setfield(L_, -2, "big_number");
      }
      return true;
    case '=': {
      if (!Length(line, &n)) return false;
      std::string_view blob;
      if (!Blob(n, &blob)) return false;
      if (push) {
        Grow(5);
        std::string_view format = blob.substr(0, 3);
        std::string_view text = blob.size() >= 4 ? blob.substr(4) : std::string_view();
        lua_newtable(L_);
        lua_newtable(L_);
        lua_pushlstring(L_, text.data(), text.size());
        lua_setfield(L_, -2, "string");
        lua_pushlstring(L_, format.data(), format.size());
        lua_setfield(L_, -2, "format");
        lua_setfield(L_, -2, "verbatim_string");
      }
      return true;
    }
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------
// Lua -> reply

std::string MapNewlines(const char* s, size_t len) {
  std::string out(s, len);
  for (char& ch : out) {
    if (ch == '\r' || ch == '\n') ch = ' ';
  }
  return out;
}

void ReplyDouble(Client& c, double d) {
  std::string text;
  if (std::isinf(d)) {
    text = d > 0 ? "inf" : "-inf";
  } else {
    text = FormatDouble17(d);
  }
  if (c.reply().resp() >= 3) {
    c.reply().Raw(",");
    c.reply().Raw(text);
    c.reply().Raw("\r\n");
  } else {
    c.reply().Bulk(text);
  }
}

// True if the table on top has field `name` (raw) of Lua type `type`; it is then pushed.
bool RawField(lua_State* L, const char* name, int type) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  if (lua_type(L, -1) == type) return true;
  lua_pop(L, 1);
  return false;
}

}  // namespace

void LuaToReply(lua_State* L, Client& c, int script_resp) {
  ReplyBuilder& r = c.reply();
  if (!lua_checkstack(L, 4)) {
    r.Error("reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      r.Bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) {
          r.Integer(1);
        } else {
          r.Null();
        }
      } else {
        r.Bool(lua_toboolean(L, -1));
      }
      break;
    case LUA_TNUMBER:
      r.Integer(NumberToInt64(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE: {
      if (RawField(L, "err", LUA_TSTRING)) {
        lua_pop(L, 1);
        ErrorInfo info = ExtractErrorInfo(L);
        std::string msg = "-" + info.msg;
        if (info.ignore_stats) {
          ReplyErrorNoStats(c, msg);
        } else {
          r.Error(msg);
        }
        break;
      }
      if (RawField(L, "ok", LUA_TSTRING)) {
        size_t len;
        const char* s = lua_tolstring(L, -1, &len);
        r.SimpleString(MapNewlines(s, len));
        lua_pop(L, 1);
        break;
      }
      if (RawField(L, "double", LUA_TNUMBER)) {
        ReplyDouble(c, lua_tonumber(L, -1));
        lua_pop(L, 1);
        break;
      }
      if (RawField(L, "big_number", LUA_TSTRING)) {
        size_t len;
        const char* s = lua_tolstring(L, -1, &len);
        r.BigNumber(MapNewlines(s, len));
        lua_pop(L, 1);
        break;
      }
      if (RawField(L, "verbatim_string", LUA_TTABLE)) {
        lua_pushliteral(L, "format");
        lua_rawget(L, -2);
        lua_pushliteral(L, "string");
        lua_rawget(L, -3);
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
          size_t flen, slen;
          const char* f = lua_tolstring(L, -2, &flen);
          const char* s = lua_tolstring(L, -1, &slen);
          r.Verbatim(std::string_view(s, slen), std::string_view(f, std::min<size_t>(flen, 3)));
          lua_pop(L, 3);
          break;
        }
        lua_pop(L, 3);
      }
      if (RawField(L, "map", LUA_TTABLE)) {
        size_t handle = r.DeferredLength();
        int64_t n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pushvalue(L, -2);
          LuaToReply(L, c, script_resp);  // key
          LuaToReply(L, c, script_resp);  // value
          n++;
        }
        r.SetDeferredMapLength(handle, n);
        lua_pop(L, 1);
        break;
      }
      if (RawField(L, "set", LUA_TTABLE)) {
        size_t handle = r.DeferredLength();
        int64_t n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          LuaToReply(L, c, script_resp);
          n++;
        }
        r.SetDeferredSetLength(handle, n);
        lua_pop(L, 1);
        break;
      }
      size_t handle = r.DeferredLength();
      int64_t n = 0;
      for (int j = 1;; j++) {
        lua_rawgeti(L, -1, j);
        if (lua_isnil(L, -1)) {
          lua_pop(L, 1);
          break;
        }
        LuaToReply(L, c, script_resp);
        n++;
      }
      r.SetDeferredArrayLength(handle, n);
      break;
    }
    default:
      r.Null();
  }
  lua_pop(L, 1);
}

size_t ReplyToLua(lua_State* L, std::string_view reply) {
  ReplyReader reader(L, reply.data(), reply.data() + reply.size());
  // Validate first so that nothing is pushed for an incomplete reply.
  if (!reader.Value(false)) return 0;
  ReplyReader pusher(L, reply.data(), reply.data() + reply.size());
  pusher.Value(true);
  return size_t(pusher.pos() - reply.data());
}

// ---------------------------------------------------------------------------------------
// LuaEngine

LuaEngine::LuaEngine(Kind kind) : kind_(kind) {
  L_ = luaL_newstate();
  Setup();
}

LuaEngine::~LuaEngine() {
  if (L_) lua_close(L_);
}

size_t LuaEngine::UsedMemory() const {
  return size_t(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024 + size_t(lua_gc(L_, LUA_GCCOUNTB, 0));
}

namespace {

void OpenLibrary(lua_State* L, const char* name, lua_CFunction open, bool set_global) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  if (set_global && lua_istable(L, -1)) {
    lua_setglobal(L, name);
  } else {
    lua_pop(L, 1);
  }
}

// Pushes {__index = NonexistentGlobal}.
void PushStrictMetatable(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, NonexistentGlobal);
  lua_setfield(L, -2, "__index");
}

}  // namespace

void LuaEngine::Setup() {
  lua_State* L = L_;
  bool eval = kind_ == Kind::kEval;
  lua_pushlightuserdata(L, this);
  lua_setfield(L, LUA_REGISTRYINDEX, kEngineKey);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kRealOfKey);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kProxyOfKey);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kApparentMtKey);

  // Libraries: no io, os or package; no dofile, loadfile or print.
  OpenLibrary(L, "", luaopen_base, false);
  OpenLibrary(L, LUA_TABLIBNAME, luaopen_table, false);
  OpenLibrary(L, LUA_STRLIBNAME, luaopen_string, false);
  OpenLibrary(L, LUA_MATHLIBNAME, luaopen_math, false);
  OpenLibrary(L, LUA_DBLIBNAME, luaopen_debug, false);
  OpenLibrary(L, "cjson", luaopen_cjson, true);
  OpenLibrary(L, "struct", OpenStructLibrary, true);
  OpenLibrary(L, "cmsgpack", OpenCmsgpackLibrary, true);
  OpenLibrary(L, "bit", luaopen_bit, true);
  for (const char* name : {"dofile", "loadfile", "print"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }

  // Base functions that would see (or change) what the read-only proxies hide.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  int g = lua_gettop(L);
  SetFunctionField(L, "rawset", Rawset);
  SetFunctionField(L, "rawget", Rawget);
  SetFunctionField(L, "next", Next);
  SetFunctionField(L, "unpack", Unpack);
  SetFunctionField(L, "setmetatable", Setmetatable);
  lua_getfield(L, g, "next");
  lua_pushcclosure(L, PairsWrapper, 1);
  lua_setfield(L, g, "pairs");
  lua_pushcfunction(L, IpairsStep);
  lua_pushcclosure(L, IpairsWrapper, 1);
  lua_setfield(L, g, "ipairs");
  lua_pushcfunction(L, GetmetatableWrapper);
  lua_setfield(L, g, "getmetatable");
  lua_pushcfunction(L, LoadstringWrapper);
  lua_setfield(L, g, "loadstring");
  lua_pushcfunction(L, LoadWrapper);
  lua_setfield(L, g, "load");
  lua_pushcfunction(L, PcallWrapper);
  lua_setfield(L, g, "pcall");
  lua_getfield(L, g, "table");
  int t = lua_gettop(L);
  WrapGlobal(L, t, "insert", RefuseProxyWrapper);
  WrapGlobal(L, t, "remove", RefuseProxyWrapper);
  WrapGlobal(L, t, "sort", RefuseProxyWrapper);
  WrapGlobal(L, t, "setn", RefuseProxyWrapper);
  WrapGlobal(L, t, "concat", SeeThroughWrapper);
  WrapGlobal(L, t, "getn", SeeThroughWrapper);
  WrapGlobal(L, t, "maxn", SeeThroughWrapper);
  lua_pop(L, 1);

  // The redis API and the scripts' PRNG.
  PushRedisApi(L, eval);
  lua_setfield(L, g, "redis");
  lua_getfield(L, g, "math");
  SetFunctionField(L, "random", MathRandom);
  SetFunctionField(L, "randomseed", MathRandomseed);
  lua_pop(L, 1);

  // The error handler keeps the debug library to itself.
  if (luaL_loadbuffer(L, kErrorHandlerSource, strlen(kErrorHandlerSource), "@err_handler_def") ||
      lua_pcall(L, 0, 1, 0)) {
    spdlog::error("Lua error handler setup failed: {}", lua_tostring(L, -1));
    lua_pop(L, 1);
    lua_pushnil(L);
  }
  if (eval) {
    lua_pushvalue(L, -1);
    lua_setfield(L, g, "__redis__err__handler");
  }
  lua_setfield(L, LUA_REGISTRYINDEX, kErrorHandlerKey);
  lua_pushnil(L);
  lua_setfield(L, g, "debug");

  // Reading an undefined global is an error; then everything reachable becomes read-only.
  PushStrictMetatable(L);
  lua_setmetatable(L, g);
  lua_pushvalue(L, g);
  lua_setfield(L, LUA_REGISTRYINDEX, kRealGlobalsKey);
  lua_pushliteral(L, "");
  if (lua_getmetatable(L, -1)) {  // the strings' metatable
    PushProtected(L, -1);
    lua_pop(L, 2);
  }
  lua_pop(L, 1);

  if (eval) {
    PushProtected(L, g);
    lua_replace(L, LUA_GLOBALSINDEX);
    lua_pop(L, 1);  // g
    return;
  }

  // FUNCTION: while a library loads, globals show only the library API (redis with
  // register_function, log and the version); afterwards the runtime globals.
  lua_newtable(L);  // library globals
  int lib = lua_gettop(L);
  lua_newtable(L);
  SetFunctionField(L, "register_function", RedisRegisterFunction);
  AddLogAndVersion(L);
  PushStrictMetatable(L);
  lua_setmetatable(L, -2);
  lua_setfield(L, lib, "redis");
  PushStrictMetatable(L);
  lua_setmetatable(L, lib);
  PushProtected(L, lib);
  lua_pop(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, kLibraryApiKey);

  PushProtected(L, g);  // what _G names
  int protected_g = lua_gettop(L);
  // The globals table the code sees: an empty proxy reading from the real globals.
  lua_newtable(L);
  int proxy = lua_gettop(L);
  lua_newtable(L);
  lua_pushvalue(L, g);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_setfield(L, -2, "__newindex");
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kGlobalsMtKey);
  lua_setmetatable(L, proxy);
  lua_newtable(L);  // what rawget sees through the proxy: nothing
  SetRegistryLink(L, kRealOfKey, proxy, lua_gettop(L));
  lua_pop(L, 1);
  lua_newtable(L);  // what getmetatable(globals) shows
  lua_pushvalue(L, protected_g);
  lua_setfield(L, -2, "__index");
  PushProtected(L, -1);
  SetRegistryLink(L, kApparentMtKey, proxy, lua_gettop(L));
  lua_pop(L, 2);
  lua_pushvalue(L, proxy);
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_pop(L, 3);  // proxy, protected_g, g
}

void LuaEngine::CallProtected(RunContext* ctx, int nargs) {
  lua_State* L = L_;
  Client& caller = *ctx->caller;
  // The error handler sits below the function and its arguments.
  g_call_in_progress = false;  // in case a Lua error unwound a redis.call last time
  int err = lua_pcall(L, nargs, 1, -(nargs + 2));
  static int gc_count = 0;
  if (++gc_count == kGcPeriod) {
    lua_gc(L, LUA_GCSTEP, kGcPeriod);
    gc_count = 0;
  }
  if (!err) {
    LuaToReply(L, caller, ctx->client->resp);
    return;
  }
  if (!lua_istable(L, -1)) {
    const char* msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
    std::string text(msg);
    if (text.size() > 100) text.resize(100);
    caller.reply().Error(fmt::format("Error running script {}, {}\n", ctx->funcname, text));
  } else {
    ErrorInfo info = ExtractErrorInfo(L);
    std::string msg = "-" + (info.has_msg ? info.msg : std::string("ERR unknown error"));
    if (info.has_line && info.has_source) {
      msg += fmt::format(" script: {}, on {}:{}.", ctx->funcname, info.source, info.line);
    }
    if (info.ignore_stats) {
      ReplyErrorNoStats(caller, msg);
    } else {
      caller.reply().Error(msg);
    }
  }
  lua_pop(L, 1);
}

bool LuaEngine::CompileScript(std::string_view body, size_t skip, const std::string& name,
                              std::string* err) {
  std::string_view code = body.substr(std::min(skip, body.size()));
  if (!code.empty() && code[0] == LUA_SIGNATURE[0]) {
    *err = "Error compiling script (new function): user_script:1: unexpected symbol near '<\\27>'";
    return false;
  }
  if (luaL_loadbuffer(L_, code.data(), code.size(), "@user_script")) {
    *err = fmt::format("Error compiling script (new function): {}", lua_tostring(L_, -1));
    lua_pop(L_, 1);
    return false;
  }
  lua_setfield(L_, LUA_REGISTRYINDEX, name.c_str());
  return true;
}

void LuaEngine::CallScript(RunContext* ctx, const std::string& name, CmdArgs keys, CmdArgs args) {
  lua_State* L = L_;
  lua_getfield(L, LUA_REGISTRYINDEX, kErrorHandlerKey);
  lua_getfield(L, LUA_REGISTRYINDEX, name.c_str());
  run_ = ctx;
  if (ctx->busy_threshold_ms > 0) lua_sethook(L, InstructionHook, LUA_MASKCOUNT, kHookInstructions);
  lua_getfield(L, LUA_REGISTRYINDEX, kRealGlobalsKey);
  PushArray(L, keys);
  lua_setfield(L, -2, "KEYS");
  PushArray(L, args);
  lua_setfield(L, -2, "ARGV");
  lua_pop(L, 1);
  CallProtected(ctx, 0);
  lua_pop(L, 1);  // the error handler
  lua_sethook(L, nullptr, 0, 0);
  run_ = nullptr;
  CheckStack();
}

void LuaEngine::CheckStack() {
  if (lua_gettop(L_) != 0) {
    spdlog::warn("Lua stack not balanced after a script: {} values left", lua_gettop(L_));
    lua_settop(L_, 0);
  }
}

void LuaEngine::CallFunction(RunContext* ctx, int ref, CmdArgs keys, CmdArgs args) {
  lua_State* L = L_;
  lua_getfield(L, LUA_REGISTRYINDEX, kErrorHandlerKey);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  run_ = ctx;
  if (ctx->busy_threshold_ms > 0) lua_sethook(L, InstructionHook, LUA_MASKCOUNT, kHookInstructions);
  PushArray(L, keys);
  PushArray(L, args);
  CallProtected(ctx, 2);
  lua_pop(L, 1);
  lua_sethook(L, nullptr, 0, 0);
  run_ = nullptr;
  CheckStack();
}

void LuaEngine::ReleaseFunction(int ref) { luaL_unref(L_, LUA_REGISTRYINDEX, ref); }

bool LuaEngine::LoadLibrary(std::string_view code, int64_t timeout_ms, std::vector<Registered>* out,
                            std::string* err) {
  lua_State* L = L_;
  lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsMtKey);
  int mt = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, kLibraryApiKey);
  lua_setfield(L, mt, "__index");
  bool ok = false;
  if (!code.empty() && code[0] == LUA_SIGNATURE[0]) {
    *err = "Error compiling function: user_function:1: unexpected symbol near '<\\27>'";
  } else if (luaL_loadbuffer(L, code.data(), code.size(), "@user_function")) {
    *err = fmt::format("Error compiling function: {}", lua_tostring(L, -1));
    lua_pop(L, 1);
  } else {
    LoadContext lc;
    lc.start_us = MonotonicUs();
    lc.timeout_ms = timeout_ms;
    lc.functions = out;
    load_ = &lc;
    lua_sethook(L, InstructionHook, LUA_MASKCOUNT, kHookInstructions);
    if (lua_pcall(L, 0, 0, 0)) {
      ErrorInfo info = ExtractErrorInfo(L);
      *err = fmt::format("Error registering functions: {}", info.msg);
      lua_pop(L, 1);
    } else {
      ok = true;
    }
    lua_sethook(L, nullptr, 0, 0);
    load_ = nullptr;
  }
  if (!ok) {
    for (const auto& f : *out) luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
    out->clear();
  }
  lua_getfield(L, LUA_REGISTRYINDEX, kRealGlobalsKey);
  lua_setfield(L, mt, "__index");
  lua_pop(L, 1);
  CheckStack();
  return ok;
}

}  // namespace ember::scripting
