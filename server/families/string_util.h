// Helpers shared by the families that modify string values in place (strings, bitmaps).
#pragma once

#include "common/storage/entry.h"

namespace ember {

// Makes the entry's string a growable RawString (Redis turns embstr/int into raw on
// modification) and returns it.
inline RawString* MakeRaw(Entry* e) {
  if (e->encoding() == Encoding::kRaw) return static_cast<RawString*>(e->v.ptr);
  char buf[24];
  RawString* r = RawString::Create(e->StringView(buf));
  e->v.ptr = r;
  e->set_type_encoding(ObjType::kString, Encoding::kRaw);
  return r;
}

}  // namespace ember
