// cmsgpack for Lua 5.1: MessagePack with lua-cmsgpack 0.4's API and choices (smallest integer
// encoding, float32 when exact, tables with keys 1..n as arrays, 16 levels of nesting).
extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "server/scripting/lua_libs.h"

namespace ember::scripting {
namespace {

constexpr int kMaxNesting = 16;

// Encoding never runs Lua code, so one buffer serves every call (and nothing leaks if a Lua
// error unwinds past it).
std::string g_out;

void PutByte(uint8_t b) { g_out.push_back(char(b)); }

void PutBig(uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) g_out.push_back(char((v >> (8 * i)) & 0xff));
}

void EncodeBytes(const char* s, size_t len) {
  if (len < 32) {
    PutByte(uint8_t(0xa0 | len));
  } else if (len <= 0xff) {
    PutByte(0xd9);
    PutBig(len, 1);
  } else if (len <= 0xffff) {
    PutByte(0xda);
    PutBig(len, 2);
  } else {
    PutByte(0xdb);
    PutBig(len, 4);
  }
  g_out.append(s, len);
}

void EncodeInt(int64_t n) {
  if (n >= 0) {
    if (n <= 127) {
      PutByte(uint8_t(n));
    } else if (n <= 0xff) {
      PutByte(0xcc);
      PutBig(uint64_t(n), 1);
    } else if (n <= 0xffff) {
      PutByte(0xcd);
      PutBig(uint64_t(n), 2);
    } else if (n <= 0xffffffffLL) {
      PutByte(0xce);
      PutBig(uint64_t(n), 4);
    } else {
      PutByte(0xcf);
      PutBig(uint64_t(n), 8);
    }
  } else {
    if (n >= -32) {
      PutByte(uint8_t(n & 0xff));
    } else if (n >= -128) {
      PutByte(0xd0);
      PutBig(uint64_t(n), 1);
    } else if (n >= -32768) {
      PutByte(0xd1);
      PutBig(uint64_t(n), 2);
    } else if (n >= -2147483648LL) {
      PutByte(0xd2);
      PutBig(uint64_t(n), 4);
    } else {
      PutByte(0xd3);
      PutBig(uint64_t(n), 8);
    }
  }
}

void EncodeDouble(double d) {
  float f = float(d);
  if (double(f) == d) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    PutByte(0xca);
    PutBig(bits, 4);
  } else {
    uint64_t bits;
    memcpy(&bits, &d, 8);
    PutByte(0xcb);
    PutBig(bits, 8);
  }
}

void EncodeLength(uint32_t n, uint8_t fix, uint8_t op16, uint8_t op32) {
  if (n <= 15) {
    PutByte(uint8_t(fix | n));
  } else if (n <= 0xffff) {
    PutByte(op16);
    PutBig(n, 2);
  } else {
    PutByte(op32);
    PutBig(n, 4);
  }
}

// A table whose keys are exactly 1..n is an array.
bool IsArray(lua_State* L) {
  int top = lua_gettop(L);
  long count = 0;
  double max = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_settop(L, top);
      return false;
    }
    double n = lua_tonumber(L, -1);
    if (n <= 0 || std::floor(n) != n || std::isinf(n)) {
      lua_settop(L, top);
      return false;
    }
    if (n > max) max = n;
    count++;
  }
  lua_settop(L, top);
  return max == double(count);
}

void EncodeValue(lua_State* L, int level);

void EncodeTable(lua_State* L, int level) {
  luaL_checkstack(L, 3, "cmsgpack: nesting too deep");
  if (IsArray(L)) {
    size_t len = lua_objlen(L, -1);
    EncodeLength(uint32_t(len), 0x90, 0xdc, 0xdd);
    for (size_t j = 1; j <= len; j++) {
      lua_rawgeti(L, -1, int(j));
      EncodeValue(L, level + 1);
      lua_pop(L, 1);
    }
    return;
  }
  uint32_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    n++;
  }
  EncodeLength(n, 0x80, 0xde, 0xdf);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pushvalue(L, -2);
    EncodeValue(L, level + 1);  // key
    lua_pop(L, 1);
    EncodeValue(L, level + 1);  // value
    lua_pop(L, 1);
  }
}

// Encodes the value on top (left there).
void EncodeValue(lua_State* L, int level) {
  int t = lua_type(L, -1);
  if (t == LUA_TTABLE && level == kMaxNesting) t = LUA_TNIL;
  switch (t) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      EncodeBytes(s, len);
      break;
    }
    case LUA_TBOOLEAN:
      PutByte(lua_toboolean(L, -1) ? 0xc3 : 0xc2);
      break;
    case LUA_TNUMBER: {
      double d = lua_tonumber(L, -1);
      if (!std::isinf(d) && !std::isnan(d) && d >= -9223372036854775808.0 &&
          d < 9223372036854775808.0 && double(int64_t(d)) == d) {
        EncodeInt(int64_t(d));
      } else {
        EncodeDouble(d);
      }
      break;
    }
    case LUA_TTABLE:
      EncodeTable(L, level);
      break;
    default:
      PutByte(0xc0);
  }
}

int Pack(lua_State* L) {
  int n = lua_gettop(L);
  if (n == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  g_out.clear();
  for (int i = 1; i <= n; i++) {
    lua_pushvalue(L, i);
    EncodeValue(L, 0);
    lua_pop(L, 1);
  }
  lua_pushlstring(L, g_out.data(), g_out.size());
  if (g_out.capacity() > 1 << 20) std::string().swap(g_out);
  return 1;
}

// ---- decoding ----

struct Cursor {
  const unsigned char* p;
  size_t left;
  int err;  // 0, kEof or kBadFormat
};
constexpr int kEof = 1;
constexpr int kBadFormat = 2;

bool Need(Cursor* c, size_t n) {
  if (c->left < n) {
    c->err = kEof;
    return false;
  }
  return true;
}

uint64_t ReadBig(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = (v << 8) | p[i];
  return v;
}

void Decode(lua_State* L, Cursor* c);

void DecodeString(lua_State* L, Cursor* c, size_t header, size_t len) {
  if (!Need(c, header + len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c->p + header), len);
  c->p += header + len;
  c->left -= header + len;
}

void DecodeArray(lua_State* L, Cursor* c, size_t header, uint64_t n) {
  c->p += header;
  c->left -= header;
  lua_newtable(L);
  for (uint64_t i = 1; i <= n; i++) {
    Decode(L, c);
    if (c->err) return;
    lua_rawseti(L, -2, int(i));
  }
}

void DecodeMap(lua_State* L, Cursor* c, size_t header, uint64_t n) {
  c->p += header;
  c->left -= header;
  lua_newtable(L);
  for (uint64_t i = 0; i < n; i++) {
    Decode(L, c);
    if (c->err) return;
    Decode(L, c);
    if (c->err) return;
    lua_settable(L, -3);
  }
}

void Decode(lua_State* L, Cursor* c) {
  luaL_checkstack(L, 3, "cmsgpack: nesting too deep");
  if (!Need(c, 1)) return;
  unsigned char b = c->p[0];
  auto fixed = [&](size_t total) -> const unsigned char* {
    if (!Need(c, total)) return nullptr;
    const unsigned char* p = c->p + 1;
    c->p += total;
    c->left -= total;
    return p;
  };
  const unsigned char* p;
  switch (b) {
    case 0xc0:
      fixed(1);
      lua_pushnil(L);
      return;
    case 0xc2:
    case 0xc3:
      fixed(1);
      lua_pushboolean(L, b == 0xc3);
      return;
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: {
      int bytes = 1 << (b - 0xcc);
      if (!(p = fixed(size_t(1 + bytes)))) return;
      lua_pushnumber(L, lua_Number(ReadBig(p, bytes)));
      return;
    }
    case 0xd0:
      if (!(p = fixed(2))) return;
      lua_pushnumber(L, int8_t(p[0]));
      return;
    case 0xd1:
      if (!(p = fixed(3))) return;
      lua_pushnumber(L, int16_t(ReadBig(p, 2)));
      return;
    case 0xd2:
      if (!(p = fixed(5))) return;
      lua_pushnumber(L, int32_t(ReadBig(p, 4)));
      return;
    case 0xd3:
      if (!(p = fixed(9))) return;
      lua_pushnumber(L, lua_Number(int64_t(ReadBig(p, 8))));
      return;
    case 0xca: {
      if (!(p = fixed(5))) return;
      uint32_t bits = uint32_t(ReadBig(p, 4));
      float f;
      memcpy(&f, &bits, 4);
      lua_pushnumber(L, f);
      return;
    }
    case 0xcb: {
      if (!(p = fixed(9))) return;
      uint64_t bits = ReadBig(p, 8);
      double d;
      memcpy(&d, &bits, 8);
      lua_pushnumber(L, d);
      return;
    }
    case 0xd9:
    case 0xc4:
      if (!Need(c, 2)) return;
      DecodeString(L, c, 2, c->p[1]);
      return;
    case 0xda:
    case 0xc5:
      if (!Need(c, 3)) return;
      DecodeString(L, c, 3, size_t(ReadBig(c->p + 1, 2)));
      return;
    case 0xdb:
    case 0xc6:
      if (!Need(c, 5)) return;
      DecodeString(L, c, 5, size_t(ReadBig(c->p + 1, 4)));
      return;
    case 0xdc:
      if (!Need(c, 3)) return;
      DecodeArray(L, c, 3, ReadBig(c->p + 1, 2));
      return;
    case 0xdd:
      if (!Need(c, 5)) return;
      DecodeArray(L, c, 5, ReadBig(c->p + 1, 4));
      return;
    case 0xde:
      if (!Need(c, 3)) return;
      DecodeMap(L, c, 3, ReadBig(c->p + 1, 2));
      return;
    case 0xdf:
      if (!Need(c, 5)) return;
      DecodeMap(L, c, 5, ReadBig(c->p + 1, 4));
      return;
    default:
      break;
  }
  if (b <= 0x7f) {
    fixed(1);
    lua_pushnumber(L, b);
  } else if (b >= 0xe0) {
    fixed(1);
    lua_pushnumber(L, int8_t(b));
  } else if ((b & 0xe0) == 0xa0) {
    DecodeString(L, c, 1, b & 0x1f);
  } else if ((b & 0xf0) == 0x90) {
    DecodeArray(L, c, 1, b & 0x0f);
  } else if ((b & 0xf0) == 0x80) {
    DecodeMap(L, c, 1, b & 0x0f);
  } else {
    c->err = kBadFormat;
  }
}

int UnpackFull(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  bool all = limit == 0 && offset == 0;
  if (offset < 0 || limit < 0) {
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                      int(offset), int(len));
  }
  if (size_t(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", int(offset), int(len));
  }
  if (all) limit = INT_MAX;
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - size_t(offset), 0};
  int count = 0;
  for (; c.left > 0 && count < limit; count++) {
    Decode(L, &c);
    if (c.err == kEof) return luaL_error(L, "Missing bytes in input.");
    if (c.err == kBadFormat) return luaL_error(L, "Bad data format in input.");
  }
  if (!all) {
    lua_checkstack(L, 1);
    lua_pushinteger(L, c.left == 0 ? -1 : lua_Integer(len - c.left));
    lua_insert(L, 2);
    count++;
  }
  return count;
}

int Unpack(lua_State* L) { return UnpackFull(L, 0, 0); }

int UnpackOne(lua_State* L) {
  lua_Integer offset = luaL_optinteger(L, 2, 0);
  lua_settop(L, 1);
  return UnpackFull(L, 1, offset);
}

int UnpackLimit(lua_State* L) {
  lua_Integer limit = luaL_checkinteger(L, 2);
  lua_Integer offset = luaL_optinteger(L, 3, 0);
  lua_settop(L, 1);
  return UnpackFull(L, limit, offset);
}

}  // namespace

int OpenCmsgpackLibrary(lua_State* L) {
  static const luaL_Reg kFuncs[] = {{"pack", Pack},
                                    {"unpack", Unpack},
                                    {"unpack_one", UnpackOne},
                                    {"unpack_limit", UnpackLimit},
                                    {nullptr, nullptr}};
  lua_newtable(L);
  luaL_register(L, nullptr, kFuncs);
  lua_pushliteral(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushliteral(L, "MessagePack C implementation for Lua");
  lua_setfield(L, -2, "_DESCRIPTION");
  return 1;
}

}  // namespace ember::scripting
