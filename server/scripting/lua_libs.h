// Lua libraries Redis bundles that Debian does not package for Lua 5.1: cmsgpack (MessagePack
// encoding, the API of lua-cmsgpack 0.4) and struct (binary packing, the API of Roberto
// Ierusalimschy's struct 0.2). Each opener returns the library table.
#pragma once

struct lua_State;

namespace ember::scripting {

int OpenCmsgpackLibrary(lua_State* L);
int OpenStructLibrary(lua_State* L);

}  // namespace ember::scripting
