// A key and its value in one allocation: the unit the keyspace hash table links.
//
// Layout: [next][key length + flags][type, encoding, LRU/LFU][value word][key bytes][inline
// string bytes]. Strings of up to kEmbstrMaxLen bytes live inline after the key ("embstr"),
// integers in the value word ("int"), longer strings in a separate RawString ("raw"), and
// every other type behind the value word's pointer. One allocation per key instead of
// Redis's three (dictEntry, key sds, robj) is where most of the per-key memory goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "proto/object.h"

namespace ember {

using proto::Encoding;
using proto::ObjType;

// A heap string that can grow in place (APPEND, SETRANGE).
struct RawString {
  size_t len;
  size_t cap;
  char data[];

  static RawString* Create(std::string_view s, size_t cap = 0);
  // Returns a string with room for at least `need` bytes (may move; frees the old one).
  static RawString* Reserve(RawString* s, size_t need);
  static void Destroy(RawString* s);
  std::string_view view() const { return {data, len}; }
};

// Destructor for non-string values, set by the module that implements each type.
using ValueDestructor = void (*)(void* ptr, Encoding enc);
void RegisterValueDestructor(ObjType type, ValueDestructor fn);
// Bytes a non-string value occupies (MEMORY USAGE, eviction), set by each type's module.
using ValueSizer = size_t (*)(const void* ptr, Encoding enc);
void RegisterValueSizer(ObjType type, ValueSizer fn);

struct Entry {
  Entry* next;
  uint32_t key_len_flags;
  uint32_t meta;  // bits 0-3 type, 4-7 encoding, 8-31 LRU clock or LFU data
  union {
    int64_t i;
    void* ptr;
    uint64_t embed_len;
  } v;
  char data[];

  static constexpr uint32_t kKeyLenMask = (1u << 29) - 1;
  static constexpr uint32_t kHasExpire = 1u << 29;

  std::string_view key() const { return {data, key_len_flags & kKeyLenMask}; }
  size_t key_len() const { return key_len_flags & kKeyLenMask; }
  ObjType type() const { return ObjType(meta & 0xf); }
  Encoding encoding() const { return Encoding((meta >> 4) & 0xf); }
  void set_type_encoding(ObjType t, Encoding e) {
    meta = (meta & ~0xffu) | uint32_t(t) | (uint32_t(e) << 4);
  }
  uint32_t lru() const { return meta >> 8; }
  void set_lru(uint32_t field) { meta = (meta & 0xffu) | (field << 8); }
  bool has_expire() const { return key_len_flags & kHasExpire; }
  void set_has_expire(bool b) {
    key_len_flags = b ? (key_len_flags | kHasExpire) : (key_len_flags & ~kHasExpire);
  }

  // String values. For kInt, `scratch` (21 bytes) holds the digits.
  std::string_view StringView(char* scratch) const;
  // Length of a string value without formatting it.
  size_t StringLength() const;

  // Constructors. The entry owns its value; FreeEntry frees both.
  static Entry* NewString(std::string_view key, std::string_view value);  // picks int/embstr/raw
  static Entry* NewRawString(std::string_view key, RawString* value);
  static Entry* NewInt(std::string_view key, int64_t value);
  static Entry* NewObject(std::string_view key, ObjType type, Encoding enc, void* ptr);
  // The same key with a different value (ownership of the value moves in).
  Entry* CloneKeyWithString(std::string_view value) const;

  // Memory charged to this key: the entry and what its value occupies.
  size_t Bytes() const;
};

void FreeEntry(Entry* e);
// Frees the value only (the entry is about to be reused or freed by the caller).
void FreeValue(Entry* e);

// If `s` is a canonical integer of up to 20 characters, sets *v and returns true (the rule by
// which Redis picks the int encoding).
bool CanEncodeAsInt(std::string_view s, int64_t* v);

}  // namespace ember
