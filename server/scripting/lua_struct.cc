// struct for Lua 5.1: struct.pack(fmt, ...), struct.unpack(fmt, s [, pos]), struct.size(fmt)
// with the format language of struct 0.2 (as Redis bundles it):
//   < > = endianness, ![n] alignment, x padding, b/B h/H l/L T i[n]/I[n] integers,
//   c[n] fixed strings (c0: length given by the previous value), s zero-terminated strings,
//   f float, d double; spaces are ignored.
extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "server/scripting/lua_libs.h"

namespace ember::scripting {
namespace {

constexpr int kMaxIntSize = 32;
constexpr int kLittle = 0;
constexpr int kBig = 1;

struct NativeAlign {
  char c;
  double d;
};
constexpr int kMaxAlign = int(offsetof(NativeAlign, d));

int NativeEndian() {
  const uint16_t one = 1;
  return *reinterpret_cast<const char*>(&one) ? kLittle : kBig;
}

struct Header {
  int endian;
  int align;
};

bool IsDigit(int c) { return c >= '0' && c <= '9'; }

int GetNum(const char** fmt, int df) {
  if (!IsDigit(**fmt)) return df;
  int a = 0;
  do {
    a = a * 10 + *((*fmt)++) - '0';
  } while (IsDigit(**fmt) && a < (INT32_MAX / 10 - 10));
  return a;
}

size_t OptSize(lua_State* L, char opt, const char** fmt) {
  switch (opt) {
    case 'B':
    case 'b':
      return 1;
    case 'H':
    case 'h':
      return sizeof(short);
    case 'L':
    case 'l':
      return sizeof(long);
    case 'T':
      return sizeof(size_t);
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'x':
      return 1;
    case 'c':
      return size_t(GetNum(fmt, 1));
    case 'i':
    case 'I': {
      int sz = GetNum(fmt, sizeof(int));
      if (sz > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", sz, kMaxIntSize);
      }
      return size_t(sz);
    }
    default:
      return 0;  // other options have no fixed size
  }
}

int GetToAlign(lua_State* L, size_t len, Header* h, int opt, size_t size) {
  size_t align = size;
  if (opt == 'c' || align <= 1 || h->align == 1) return 0;
  if (align > size_t(h->align)) align = size_t(h->align);
  if ((align & (align - 1)) != 0) luaL_argerror(L, 1, "format asks for alignment not power of 2");
  return int((align - (len & (align - 1))) & (align - 1));
}

// Handles the options that change the header. True if `opt` was one of them.
bool Control(lua_State* L, int opt, const char** fmt, Header* h) {
  switch (opt) {
    case ' ':
      return true;
    case '>':
      h->endian = kBig;
      return true;
    case '<':
      h->endian = kLittle;
      return true;
    case '=':
      h->endian = NativeEndian();
      return true;
    case '!': {
      int a = GetNum(fmt, kMaxAlign);
      if ((a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      h->align = a;
      return true;
    }
    default:
      return false;
  }
}

void PutInteger(lua_State* L, luaL_Buffer* b, int arg, int endian, int size) {
  lua_Number n = luaL_checknumber(L, arg);
  uint64_t value = n < 0 ? uint64_t(int64_t(n)) : uint64_t(n);
  char buff[kMaxIntSize];
  // Bytes past 8 repeat the sign.
  char fill = n < 0 ? char(0xff) : 0;
  if (endian == kLittle) {
    for (int i = 0; i < size; i++) {
      buff[i] = i < 8 ? char(value & 0xff) : fill;
      value >>= 8;
    }
  } else {
    for (int i = size - 1; i >= 0; i--) {
      buff[i] = (size - 1 - i) < 8 ? char(value & 0xff) : fill;
      value >>= 8;
    }
  }
  luaL_addlstring(b, buff, size_t(size));
}

void Correctbytes(char* p, int size, int endian) {
  if (endian != NativeEndian()) {
    for (int i = 0; i < size / 2; i++) {
      char t = p[i];
      p[i] = p[size - 1 - i];
      p[size - 1 - i] = t;
    }
  }
}

int Pack(lua_State* L) {
  luaL_Buffer b;
  const char* fmt = luaL_checkstring(L, 1);
  Header h{kLittle, 1};
  int arg = 2;
  size_t totalsize = 0;
  lua_pushnil(L);  // mark to separate the arguments from the buffer
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = OptSize(L, char(opt), &fmt);
    int toalign = GetToAlign(L, totalsize, &h, opt, size);
    totalsize += size_t(toalign);
    while (toalign-- > 0) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I':
        PutInteger(L, &b, arg++, h.endian, int(size));
        break;
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f': {
        float f = float(luaL_checknumber(L, arg++));
        Correctbytes(reinterpret_cast<char*>(&f), int(size), h.endian);
        luaL_addlstring(&b, reinterpret_cast<char*>(&f), size);
        break;
      }
      case 'd': {
        double d = luaL_checknumber(L, arg++);
        Correctbytes(reinterpret_cast<char*>(&d), int(size), h.endian);
        luaL_addlstring(&b, reinterpret_cast<char*>(&d), size);
        break;
      }
      case 'c':
      case 's': {
        size_t l;
        const char* s = luaL_checklstring(L, arg++, &l);
        if (size == 0) size = l;
        luaL_argcheck(L, l >= size, arg, "string too short");
        luaL_addlstring(&b, s, size);
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          size++;
        }
        break;
      }
      default:
        if (!Control(L, opt, &fmt, &h)) luaL_error(L, "invalid format option '%c'", opt);
    }
    totalsize += size;
  }
  luaL_pushresult(&b);
  return 1;
}

lua_Number GetInteger(const char* buff, int endian, bool issigned, int size) {
  uint64_t l = 0;
  if (endian == kBig) {
    for (int i = 0; i < size; i++) l = (l << 8) | uint8_t(buff[i]);
  } else {
    for (int i = size - 1; i >= 0; i--) l = (l << 8) | uint8_t(buff[i]);
  }
  if (!issigned) return lua_Number(l);
  int bits = size >= 8 ? 64 : size * 8;
  if (bits < 64) {
    uint64_t mask = ~uint64_t(0) << (bits - 1);
    if (l & mask) l |= mask;
  }
  return lua_Number(int64_t(l));
}

int Unpack(lua_State* L) {
  Header h{kLittle, 1};
  const char* fmt = luaL_checkstring(L, 1);
  size_t ld;
  const char* data = luaL_checklstring(L, 2, &ld);
  size_t pos = size_t(luaL_optinteger(L, 3, 1)) - 1;
  int n = 0;
  luaL_argcheck(L, pos <= ld, 3, "offset must be 1 or greater");
  while (*fmt) {
    int opt = *fmt++;
    size_t size = OptSize(L, char(opt), &fmt);
    pos += size_t(GetToAlign(L, pos, &h, opt, size));
    luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I': {
        bool issigned = islower(opt);
        lua_pushnumber(L, GetInteger(data + pos, h.endian, issigned, int(size)));
        n++;
        break;
      }
      case 'x':
        break;
      case 'f': {
        float f;
        memcpy(&f, data + pos, size);
        Correctbytes(reinterpret_cast<char*>(&f), int(sizeof(f)), h.endian);
        lua_pushnumber(L, f);
        n++;
        break;
      }
      case 'd': {
        double d;
        memcpy(&d, data + pos, size);
        Correctbytes(reinterpret_cast<char*>(&d), int(sizeof(d)), h.endian);
        lua_pushnumber(L, d);
        n++;
        break;
      }
      case 'c':
        if (size == 0) {
          if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = size_t(lua_tonumber(L, -1));
          lua_pop(L, 1);
          n--;
          luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        n++;
        break;
      case 's': {
        const char* e = static_cast<const char*>(memchr(data + pos, '\0', ld - pos));
        if (e == nullptr) luaL_error(L, "unfinished string in data");
        size = size_t(e - (data + pos) + 1);
        lua_pushlstring(L, data + pos, size - 1);
        n++;
        break;
      }
      default:
        if (!Control(L, opt, &fmt, &h)) luaL_error(L, "invalid format option '%c'", opt);
    }
    pos += size;
  }
  lua_pushinteger(L, lua_Integer(pos) + 1);
  return n + 1;
}

int Size(lua_State* L) {
  Header h{kLittle, 1};
  const char* fmt = luaL_checkstring(L, 1);
  size_t pos = 0;
  while (*fmt) {
    int opt = *fmt++;
    size_t size = OptSize(L, char(opt), &fmt);
    pos += size_t(GetToAlign(L, pos, &h, opt, size));
    if (opt == 's') {
      luaL_argerror(L, 1, "options 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "options 'c0' has no fixed size");
    }
    if (!isalnum(opt)) Control(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushinteger(L, lua_Integer(pos));
  return 1;
}

}  // namespace

int OpenStructLibrary(lua_State* L) {
  static const luaL_Reg kFuncs[] = {
      {"pack", Pack}, {"unpack", Unpack}, {"size", Size}, {nullptr, nullptr}};
  lua_newtable(L);
  luaL_register(L, nullptr, kFuncs);
  return 1;
}

}  // namespace ember::scripting
