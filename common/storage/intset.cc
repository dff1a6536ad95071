#include "common/storage/intset.h"

#include <bit>
#include <cassert>
#include <cstring>

#include "common/util/memory.h"

namespace ember::intset {
namespace {

// Little-endian loads and stores of the header fields and elements (unaligned-safe).
template <typename T>
T LoadLe(const uint8_t* p) {
  T v;
  memcpy(&v, p, sizeof(T));
  if constexpr (std::endian::native == std::endian::big) {
    if constexpr (sizeof(T) == 2) v = T(__builtin_bswap16(uint16_t(v)));
    if constexpr (sizeof(T) == 4) v = T(__builtin_bswap32(uint32_t(v)));
    if constexpr (sizeof(T) == 8) v = T(__builtin_bswap64(uint64_t(v)));
  }
  return v;
}

template <typename T>
void StoreLe(uint8_t* p, T v) {
  if constexpr (std::endian::native == std::endian::big) {
    if constexpr (sizeof(T) == 2) v = T(__builtin_bswap16(uint16_t(v)));
    if constexpr (sizeof(T) == 4) v = T(__builtin_bswap32(uint32_t(v)));
    if constexpr (sizeof(T) == 8) v = T(__builtin_bswap64(uint64_t(v)));
  }
  memcpy(p, &v, sizeof(T));
}

uint8_t* Contents(uint8_t* is) { return is + kHeaderSize; }
const uint8_t* Contents(const uint8_t* is) { return is + kHeaderSize; }

void SetEncoding(uint8_t* is, uint32_t enc) { StoreLe<uint32_t>(is, enc); }
void SetLength(uint8_t* is, uint32_t len) { StoreLe<uint32_t>(is + 4, len); }

int64_t GetEncoded(const uint8_t* is, uint32_t pos, uint32_t enc) {
  const uint8_t* p = Contents(is) + size_t(pos) * enc;
  switch (enc) {
    case kEnc64:
      return LoadLe<int64_t>(p);
    case kEnc32:
      return LoadLe<int32_t>(p);
    default:
      return LoadLe<int16_t>(p);
  }
}

void SetAt(uint8_t* is, uint32_t pos, int64_t v) {
  uint32_t enc = Encoding(is);
  uint8_t* p = Contents(is) + size_t(pos) * enc;
  switch (enc) {
    case kEnc64:
      StoreLe<int64_t>(p, v);
      break;
    case kEnc32:
      StoreLe<int32_t>(p, int32_t(v));
      break;
    default:
      StoreLe<int16_t>(p, int16_t(v));
      break;
  }
}

// Reallocates for `len` elements of the current encoding.
uint8_t* Resize(uint8_t* is, uint32_t len) {
  size_t bytes = kHeaderSize + size_t(len) * Encoding(is);
  return static_cast<uint8_t*>(MemRealloc(is, bytes));
}

// Moves elements [from, length) so they start at `to` (within the allocation).
void MoveTail(uint8_t* is, uint32_t from, uint32_t to) {
  uint32_t enc = Encoding(is);
  size_t bytes = size_t(Length(is) - from) * enc;
  memmove(Contents(is) + size_t(to) * enc, Contents(is) + size_t(from) * enc, bytes);
}

// Widens every element to the encoding of v and adds v, which lies outside the current
// range: below every element if negative, above every element otherwise.
uint8_t* UpgradeAndAdd(uint8_t* is, int64_t v) {
  uint32_t old_enc = Encoding(is);
  uint32_t len = Length(is);
  uint32_t offset = v < 0 ? 1 : 0;
  SetEncoding(is, ValueEncoding(v));
  is = Resize(is, len + 1);
  // Back to front, so no element is overwritten before it is read.
  for (uint32_t i = len; i-- > 0;) SetAt(is, i + offset, GetEncoded(is, i, old_enc));
  SetAt(is, offset ? 0 : len, v);
  SetLength(is, len + 1);
  return is;
}

}  // namespace

uint32_t ValueEncoding(int64_t v) {
  if (v < INT32_MIN || v > INT32_MAX) return kEnc64;
  if (v < INT16_MIN || v > INT16_MAX) return kEnc32;
  return kEnc16;
}

uint8_t* New() {
  auto* is = static_cast<uint8_t*>(MemAlloc(kHeaderSize));
  SetEncoding(is, kEnc16);
  SetLength(is, 0);
  return is;
}

void Free(uint8_t* is) { MemFree(is); }

uint8_t* Dup(const uint8_t* is) { return FromBytes(is, Bytes(is)); }

uint32_t Length(const uint8_t* is) { return LoadLe<uint32_t>(is + 4); }
uint32_t Encoding(const uint8_t* is) { return LoadLe<uint32_t>(is); }
size_t Bytes(const uint8_t* is) { return kHeaderSize + size_t(Length(is)) * Encoding(is); }

int64_t Get(const uint8_t* is, uint32_t pos) {
  assert(pos < Length(is));
  return GetEncoded(is, pos, Encoding(is));
}

bool Search(const uint8_t* is, int64_t v, uint32_t* pos) {
  uint32_t len = Length(is);
  uint32_t unused;
  if (!pos) pos = &unused;
  if (len == 0) {
    *pos = 0;
    return false;
  }
  // Values outside the range need no search (appends and prepends are common).
  if (v > Get(is, len - 1)) {
    *pos = len;
    return false;
  }
  if (v < Get(is, 0)) {
    *pos = 0;
    return false;
  }
  uint32_t lo = 0, hi = len;  // the answer lies in [lo, hi)
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int64_t cur = Get(is, mid);
    if (cur < v) {
      lo = mid + 1;
    } else if (cur > v) {
      hi = mid;
    } else {
      *pos = mid;
      return true;
    }
  }
  *pos = lo;
  return false;
}

bool Contains(const uint8_t* is, int64_t v) {
  return ValueEncoding(v) <= Encoding(is) && Search(is, v, nullptr);
}

uint8_t* Add(uint8_t* is, int64_t v, bool* added) {
  if (added) *added = true;
  if (ValueEncoding(v) > Encoding(is)) return UpgradeAndAdd(is, v);
  uint32_t pos;
  if (Search(is, v, &pos)) {
    if (added) *added = false;
    return is;
  }
  uint32_t len = Length(is);
  is = Resize(is, len + 1);
  if (pos < len) MoveTail(is, pos, pos + 1);
  SetAt(is, pos, v);
  SetLength(is, len + 1);
  return is;
}

uint8_t* RemoveAt(uint8_t* is, uint32_t pos) {
  uint32_t len = Length(is);
  assert(pos < len);
  if (pos + 1 < len) MoveTail(is, pos + 1, pos);
  SetLength(is, len - 1);
  return Resize(is, len - 1);
}

uint8_t* Remove(uint8_t* is, int64_t v, bool* removed) {
  uint32_t pos;
  bool found = ValueEncoding(v) <= Encoding(is) && Search(is, v, &pos);
  if (removed) *removed = found;
  return found ? RemoveAt(is, pos) : is;
}

bool Validate(const uint8_t* blob, size_t size, bool deep) {
  if (size < kHeaderSize) return false;
  uint32_t enc = Encoding(blob);
  if (enc != kEnc16 && enc != kEnc32 && enc != kEnc64) return false;
  uint64_t count = Length(blob);
  if (kHeaderSize + count * enc != size) return false;
  if (count == 0) return false;
  if (!deep) return true;
  int64_t prev = Get(blob, 0);
  for (uint32_t i = 1; i < count; i++) {
    int64_t cur = Get(blob, i);
    if (cur <= prev) return false;
    prev = cur;
  }
  return true;
}

uint8_t* FromBytes(const void* blob, size_t size) {
  auto* is = static_cast<uint8_t*>(MemAlloc(size));
  memcpy(is, blob, size);
  return is;
}

}  // namespace ember::intset
