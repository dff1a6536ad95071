// Intset: a sorted array of distinct integers in one allocation, with the exact byte format
// Redis uses (it is also the RDB payload of intset-encoded sets):
//
//   [encoding: uint32 LE][length: uint32 LE][length integers, each `encoding` bytes, LE]
//
// `encoding` is the width of every element (2, 4 or 8 bytes); the whole array is widened
// when a value that does not fit is added, and never narrowed. Elements are kept in
// ascending order, so lookups are binary searches.
//
// An intset is a `uint8_t*` blob allocated with MemAlloc. Functions that may resize it
// return the (possibly moved) blob.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ember::intset {

inline constexpr uint32_t kEnc16 = 2;
inline constexpr uint32_t kEnc32 = 4;
inline constexpr uint32_t kEnc64 = 8;
inline constexpr size_t kHeaderSize = 8;

// The narrowest element width that holds v.
uint32_t ValueEncoding(int64_t v);

// An empty intset with 16-bit elements.
uint8_t* New();
void Free(uint8_t* is);
uint8_t* Dup(const uint8_t* is);

uint32_t Length(const uint8_t* is);
uint32_t Encoding(const uint8_t* is);
// Size of the blob in bytes: header plus elements.
size_t Bytes(const uint8_t* is);

// The element at `pos` (which must be < Length).
int64_t Get(const uint8_t* is, uint32_t pos);

// Binary search: true if v is present (*pos = its index), else false (*pos = where it would
// be inserted). `pos` may be null.
bool Search(const uint8_t* is, int64_t v, uint32_t* pos);
bool Contains(const uint8_t* is, int64_t v);

// Inserts v if absent, widening the encoding when needed. *added (if not null) tells
// whether v was inserted.
uint8_t* Add(uint8_t* is, int64_t v, bool* added);
// Removes v if present. *removed (if not null) tells whether it was.
uint8_t* Remove(uint8_t* is, int64_t v, bool* removed);
// Removes the element at `pos` (< Length).
uint8_t* RemoveAt(uint8_t* is, uint32_t pos);

// Checks an untrusted blob (RDB, RESTORE) of `size` bytes: a known encoding, a length that
// matches the size exactly, at least one element; with `deep`, strictly ascending elements.
bool Validate(const uint8_t* blob, size_t size, bool deep);
// A new intset holding a copy of `size` bytes (the caller validated them).
uint8_t* FromBytes(const void* blob, size_t size);

}  // namespace ember::intset
