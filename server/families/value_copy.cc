#include "server/families/value_copy.h"

#include <cstring>

#include "common/util/memory.h"

namespace ember {
namespace {

ValueCloner cloners[16] = {};

// Bytes stored inline after the key (embstr values only).
size_t InlineBytes(const Entry* e) {
  if (e->type() == ObjType::kString && e->encoding() == Encoding::kEmbstr) {
    return size_t(e->v.embed_len);
  }
  return 0;
}

// An entry shell with the same layout Entry's constructors use: header, key, `extra` bytes.
Entry* AllocShell(std::string_view key, size_t extra) {
  auto* e = static_cast<Entry*>(MemAlloc(sizeof(Entry) + key.size() + extra));
  e->next = nullptr;
  e->key_len_flags = uint32_t(key.size()) & Entry::kKeyLenMask;
  e->meta = 0;
  e->v.i = 0;
  if (!key.empty()) memcpy(e->data, key.data(), key.size());
  return e;
}

}  // namespace

void RegisterValueCloner(ObjType type, ValueCloner fn) { cloners[size_t(type)] = fn; }

Entry* CloneEntryWithKey(const Entry* src, std::string_view new_key) {
  if (src->type() == ObjType::kString) {
    switch (src->encoding()) {
      case Encoding::kInt:
        return Entry::NewInt(new_key, src->v.i);
      case Encoding::kEmbstr: {
        size_t n = InlineBytes(src);
        Entry* e = AllocShell(new_key, n);
        e->set_type_encoding(ObjType::kString, Encoding::kEmbstr);
        e->v.embed_len = n;
        if (n) memcpy(e->data + new_key.size(), src->data + src->key_len(), n);
        return e;
      }
      default: {
        // A raw string stays raw, whatever its length (Redis's dupStringObject).
        const auto* raw = static_cast<const RawString*>(src->v.ptr);
        return Entry::NewRawString(new_key, RawString::Create(raw->view()));
      }
    }
  }
  ValueCloner fn = cloners[size_t(src->type())];
  if (!fn) return nullptr;
  void* copy = fn(src->v.ptr, src->encoding());
  if (!copy) return nullptr;
  Entry* e = Entry::NewObject(new_key, src->type(), src->encoding(), copy);
  return e;
}

Entry* RekeyEntry(Entry* old, std::string_view new_key) {
  size_t extra = InlineBytes(old);
  size_t old_len = old->key_len();
  if (new_key.size() == old_len) {
    // Same layout: overwrite the key bytes in place.
    if (old_len) memmove(old->data, new_key.data(), old_len);
    old->next = nullptr;
    old->set_has_expire(false);
    return old;
  }
  Entry* e = AllocShell(new_key, extra);
  e->meta = old->meta;
  e->v = old->v;
  if (extra) memcpy(e->data + new_key.size(), old->data + old_len, extra);
  // The value now belongs to `e`: free only the old shell.
  MemFree(old);
  return e;
}

}  // namespace ember
