// Copying and re-keying keyspace entries (COPY, MOVE, RENAME).
//
// Strings are copied here; every other type registers a cloner when its module is linked in
// (as values register their destructor with RegisterValueDestructor), so this file never needs
// to know their layout.
#pragma once

#include <string_view>

#include "common/storage/entry.h"

namespace ember {

// Deep-copies a non-string value. Returns nullptr if the value cannot be copied.
using ValueCloner = void* (*)(const void* ptr, Encoding enc);
void RegisterValueCloner(ObjType type, ValueCloner fn);

// A new, unlinked entry holding a deep copy of src's value under `new_key`, with the same type
// and encoding (as Redis's dup functions keep them). The caller owns it. Returns nullptr when
// the type has no cloner registered yet.
Entry* CloneEntryWithKey(const Entry* src, std::string_view new_key);

// Gives the value of `old` (an entry already detached from its Db) a new key without copying
// the value: returns an unlinked entry with new_key, the same type, encoding, value and
// LRU/LFU field; `old` must not be used afterwards (its shell is freed or reused in place).
Entry* RekeyEntry(Entry* old, std::string_view new_key);

}  // namespace ember
