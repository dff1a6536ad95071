#include "common/storage/entry.h"

#include <cassert>

#include "common/util/memory.h"
#include "common/util/strings.h"

namespace ember {
namespace {
ValueDestructor destructors[16] = {};
ValueSizer sizers[16] = {};

Entry* AllocEntry(std::string_view key, size_t extra) {
  auto* e = static_cast<Entry*>(MemAlloc(sizeof(Entry) + key.size() + extra));
  e->next = nullptr;
  e->key_len_flags = uint32_t(key.size()) & Entry::kKeyLenMask;
  e->meta = 0;
  e->v.i = 0;
  if (!key.empty()) memcpy(e->data, key.data(), key.size());
  return e;
}
}  // namespace

RawString* RawString::Create(std::string_view s, size_t cap) {
  if (cap < s.size()) cap = s.size();
  auto* r = static_cast<RawString*>(MemAlloc(sizeof(RawString) + cap));
  r->cap = MemUsable(r) - sizeof(RawString);
  r->len = s.size();
  if (!s.empty()) memcpy(r->data, s.data(), s.size());
  return r;
}

RawString* RawString::Reserve(RawString* s, size_t need) {
  if (s->cap >= need) return s;
  // Grow geometrically below 1 MB, then by 1 MB, as sds does.
  size_t cap = need < 1024 * 1024 ? need * 2 : need + 1024 * 1024;
  auto* r = static_cast<RawString*>(MemRealloc(s, sizeof(RawString) + cap));
  r->cap = MemUsable(r) - sizeof(RawString);
  return r;
}

void RawString::Destroy(RawString* s) { MemFree(s); }

void RegisterValueDestructor(ObjType type, ValueDestructor fn) { destructors[size_t(type)] = fn; }

void RegisterValueSizer(ObjType type, ValueSizer fn) { sizers[size_t(type)] = fn; }

bool CanEncodeAsInt(std::string_view s, int64_t* v) {
  return s.size() <= 20 && StringToInt64(s, v);
}

std::string_view Entry::StringView(char* scratch) const {
  switch (encoding()) {
    case Encoding::kInt:
      return {scratch, Int64ToChars(v.i, scratch)};
    case Encoding::kEmbstr:
      return {data + key_len(), size_t(v.embed_len)};
    default:
      return static_cast<const RawString*>(v.ptr)->view();
  }
}

size_t Entry::StringLength() const {
  char buf[24];
  switch (encoding()) {
    case Encoding::kInt:
      return Int64ToChars(v.i, buf);
    case Encoding::kEmbstr:
      return size_t(v.embed_len);
    default:
      return static_cast<const RawString*>(v.ptr)->len;
  }
}

Entry* Entry::NewString(std::string_view key, std::string_view value) {
  int64_t iv;
  if (CanEncodeAsInt(value, &iv)) return NewInt(key, iv);
  if (value.size() <= proto::kEmbstrMaxLen) {
    Entry* e = AllocEntry(key, value.size());
    e->set_type_encoding(ObjType::kString, Encoding::kEmbstr);
    e->v.embed_len = value.size();
    if (!value.empty()) memcpy(e->data + key.size(), value.data(), value.size());
    return e;
  }
  return NewRawString(key, RawString::Create(value));
}

Entry* Entry::NewRawString(std::string_view key, RawString* value) {
  Entry* e = AllocEntry(key, 0);
  e->set_type_encoding(ObjType::kString, Encoding::kRaw);
  e->v.ptr = value;
  return e;
}

Entry* Entry::NewInt(std::string_view key, int64_t value) {
  Entry* e = AllocEntry(key, 0);
  e->set_type_encoding(ObjType::kString, Encoding::kInt);
  e->v.i = value;
  return e;
}

Entry* Entry::NewObject(std::string_view key, ObjType type, Encoding enc, void* ptr) {
  Entry* e = AllocEntry(key, 0);
  e->set_type_encoding(type, enc);
  e->v.ptr = ptr;
  return e;
}

Entry* Entry::CloneKeyWithString(std::string_view value) const { return NewString(key(), value); }

size_t Entry::Bytes() const {
  size_t n = MemUsable(const_cast<Entry*>(this));
  if (type() == ObjType::kString) {
    if (encoding() == Encoding::kRaw) n += MemUsable(v.ptr);
  } else if (ValueSizer fn = sizers[size_t(type())]) {
    n += fn(v.ptr, encoding());
  }
  return n;
}

void FreeValue(Entry* e) {
  if (e->type() == ObjType::kString) {
    if (e->encoding() == Encoding::kRaw) RawString::Destroy(static_cast<RawString*>(e->v.ptr));
    return;
  }
  ValueDestructor fn = destructors[size_t(e->type())];
  assert(fn && "no destructor registered for type");
  if (fn) fn(e->v.ptr, e->encoding());
}

void FreeEntry(Entry* e) {
  FreeValue(e);
  MemFree(e);
}

}  // namespace ember
