#include "common/storage/listpack.h"

#include <bit>
#include <cassert>
#include <cstring>

#include "common/util/memory.h"
#include "common/util/strings.h"

namespace ember::lp {

namespace {

constexpr size_t kHeaderSize = 6;
constexpr uint32_t kNumUnknown = 65535;
constexpr uint8_t kEof = 0xFF;
constexpr size_t kMaxSafetySize = size_t{1} << 30;

// Encoding bytes (first byte of an entry).
constexpr uint8_t kEnc6BitStr = 0x80;
constexpr uint8_t kEnc13BitInt = 0xC0;
constexpr uint8_t kEnc12BitStr = 0xE0;
constexpr uint8_t kEnc32BitStr = 0xF0;
constexpr uint8_t kEnc16BitInt = 0xF1;
constexpr uint8_t kEnc24BitInt = 0xF2;
constexpr uint8_t kEnc32BitInt = 0xF3;
constexpr uint8_t kEnc64BitInt = 0xF4;

inline uint32_t GetTotalBytes(const uint8_t* lp) {
  return uint32_t{lp[0]} | uint32_t{lp[1]} << 8 | uint32_t{lp[2]} << 16 | uint32_t{lp[3]} << 24;
}
inline void SetTotalBytes(uint8_t* lp, uint32_t v) {
  lp[0] = v & 0xff;
  lp[1] = (v >> 8) & 0xff;
  lp[2] = (v >> 16) & 0xff;
  lp[3] = (v >> 24) & 0xff;
}
inline uint32_t GetNumElements(const uint8_t* lp) { return uint32_t{lp[4]} | uint32_t{lp[5]} << 8; }
inline void SetNumElements(uint8_t* lp, uint32_t v) {
  lp[4] = v & 0xff;
  lp[5] = (v >> 8) & 0xff;
}

// Encodes an integer with the smallest encoding; returns its length (1..9).
inline size_t EncodeInt(int64_t v, uint8_t* out) {
  if (v >= 0 && v <= 127) {
    out[0] = static_cast<uint8_t>(v);
    return 1;
  }
  uint64_t u = static_cast<uint64_t>(v);  // two's complement; truncation keeps low bits
  if (v >= -4096 && v <= 4095) {
    uint64_t w = u & 0x1FFF;
    out[0] = static_cast<uint8_t>(kEnc13BitInt | (w >> 8));
    out[1] = static_cast<uint8_t>(w & 0xff);
    return 2;
  }
  int bytes;
  if (v >= -32768 && v <= 32767) {
    out[0] = kEnc16BitInt;
    bytes = 2;
  } else if (v >= -8388608 && v <= 8388607) {
    out[0] = kEnc24BitInt;
    bytes = 3;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out[0] = kEnc32BitInt;
    bytes = 4;
  } else {
    out[0] = kEnc64BitInt;
    bytes = 8;
  }
  for (int i = 0; i < bytes; i++) out[1 + i] = static_cast<uint8_t>((u >> (8 * i)) & 0xff);
  return 1 + bytes;
}

inline size_t StringEncodedSize(size_t len) {
  if (len < 64) return 1 + len;
  if (len < 4096) return 2 + len;
  return 5 + len;
}

inline void EncodeString(uint8_t* out, std::string_view s) {
  size_t len = s.size();
  if (len < 64) {
    out[0] = static_cast<uint8_t>(kEnc6BitStr | len);
    out += 1;
  } else if (len < 4096) {
    out[0] = static_cast<uint8_t>(kEnc12BitStr | (len >> 8));
    out[1] = static_cast<uint8_t>(len & 0xff);
    out += 2;
  } else {
    out[0] = kEnc32BitStr;
    for (int i = 0; i < 4; i++) out[1 + i] = static_cast<uint8_t>((len >> (8 * i)) & 0xff);
    out += 5;
  }
  if (len) std::memcpy(out, s.data(), len);
}

// Back-length: the entry length (encoding + data) written so it can be read right to left.
// Returns the number of bytes (1..5); writes only if `buf` is not null.
inline size_t EncodeBacklen(uint8_t* buf, uint64_t l) {
  size_t n;
  if (l <= 127) {
    n = 1;
  } else if (l < 16383) {
    n = 2;
  } else if (l < 2097151) {
    n = 3;
  } else if (l < 268435455) {
    n = 4;
  } else {
    n = 5;
  }
  if (buf) {
    // buf[0] holds the most significant 7-bit group; all but the first byte have bit 7 set.
    for (size_t i = 0; i < n; i++) {
      uint8_t group = static_cast<uint8_t>((l >> (7 * (n - 1 - i))) & 127);
      buf[i] = i == 0 ? group : static_cast<uint8_t>(group | 128);
    }
  }
  return n;
}

// Reads a back-length whose last byte is at `p`. UINT64_MAX if longer than 5 bytes.
inline uint64_t DecodeBacklen(const uint8_t* p) {
  uint64_t val = 0;
  unsigned shift = 0;
  while (true) {
    val |= uint64_t{static_cast<uint8_t>(p[0] & 127)} << shift;
    if (!(p[0] & 128)) break;
    shift += 7;
    p--;
    if (shift > 28) return UINT64_MAX;
  }
  return val;
}

// Length of the encoding + data of the entry at p (without back-length); 0 if invalid.
inline uint32_t EncodedSize(const uint8_t* p) {
  uint8_t b = p[0];
  if ((b & 0x80) == 0) return 1;
  if ((b & 0xC0) == kEnc6BitStr) return 1 + (b & 0x3F);
  if ((b & 0xE0) == kEnc13BitInt) return 2;
  if ((b & 0xF0) == kEnc12BitStr) return 2 + ((uint32_t{b} & 0xF) << 8 | p[1]);
  switch (b) {
    case kEnc16BitInt:
      return 3;
    case kEnc24BitInt:
      return 4;
    case kEnc32BitInt:
      return 5;
    case kEnc64BitInt:
      return 9;
    case kEnc32BitStr:
      return 5 +
             (uint32_t{p[1]} | uint32_t{p[2]} << 8 | uint32_t{p[3]} << 16 | uint32_t{p[4]} << 24);
    case kEof:
      return 1;
    default:
      return 0;
  }
}

// Bytes of the encoding header alone (to check it can be read before reading lengths).
inline uint32_t EncodingHeaderSize(uint8_t b) {
  if ((b & 0x80) == 0 || (b & 0xC0) == kEnc6BitStr || (b & 0xE0) == kEnc13BitInt) return 1;
  if ((b & 0xF0) == kEnc12BitStr) return 2;
  switch (b) {
    case kEnc16BitInt:
    case kEnc24BitInt:
    case kEnc32BitInt:
    case kEnc64BitInt:
    case kEof:
      return 1;
    case kEnc32BitStr:
      return 5;
    default:
      return 0;
  }
}

inline const uint8_t* Skip(const uint8_t* p) {
  uint32_t len = EncodedSize(p);
  return p + len + EncodeBacklen(nullptr, len);
}

// The one primitive behind insertion, replacement and deletion. `where`: 0 before p,
// 1 replace p; (after is turned into before the next element by the callers). `enc` holds
// the encoded element (or nullptr to delete). Returns the new listpack; *newp gets the
// element written (or for deletion the one following, nullptr at the end).
enum Where { kBefore, kReplace };

// The block size to ask for a listpack of `bytes`: above 64 bytes, rounded up to a quarter
// of the power of two below it, as an allocator's size classes (jemalloc's, which Redis uses)
// would. A run of pushes then reallocates once per step instead of once per element, and a
// run of pops gives memory back once per step (see kShrinkSlack).
inline size_t AllocSizeFor(size_t bytes) {
  if (bytes <= 64) return bytes;
  size_t step = std::bit_floor(bytes) / 4;
  return (bytes + step - 1) & ~(step - 1);
}
// A shrinking listpack keeps its block until the block exceeds its size class by this much.
constexpr size_t kShrinkSlack = 32;

uint8_t* InsertEncoded(uint8_t* lp, uint8_t* p, Where where, const uint8_t* intenc,
                       std::string_view str, bool is_int, size_t enclen, bool del, uint8_t** newp) {
  uint8_t backlen[5];
  size_t backlen_size = del ? 0 : EncodeBacklen(backlen, enclen);
  size_t old_bytes = GetTotalBytes(lp);
  size_t replaced = 0;
  if (where == kReplace) {
    replaced = EncodedSize(p);
    replaced += EncodeBacklen(nullptr, replaced);
  }
  size_t poff = p - lp;
  size_t new_bytes = old_bytes + enclen + backlen_size - replaced;
  assert(new_bytes <= UINT32_MAX);

  uint8_t* dst = lp + poff;
  if (new_bytes > old_bytes && new_bytes > MemUsable(lp)) {
    lp = static_cast<uint8_t*>(MemRealloc(lp, AllocSizeFor(new_bytes)));
    dst = lp + poff;
  }
  if (where == kBefore) {
    std::memmove(dst + enclen + backlen_size, dst, old_bytes - poff);
  } else {
    std::memmove(dst + enclen + backlen_size, dst + replaced, old_bytes - poff - replaced);
  }
  if (new_bytes < old_bytes && MemUsable(lp) >= AllocSizeFor(new_bytes) + kShrinkSlack) {
    lp = static_cast<uint8_t*>(MemRealloc(lp, AllocSizeFor(new_bytes)));
    dst = lp + poff;
  }
  if (newp) {
    *newp = dst;
    if (del && dst[0] == kEof) *newp = nullptr;
  }
  if (!del) {
    if (is_int) {
      std::memcpy(dst, intenc, enclen);
    } else {
      EncodeString(dst, str);
    }
    std::memcpy(dst + enclen, backlen, backlen_size);
  }
  if (where != kReplace || del) {
    uint32_t n = GetNumElements(lp);
    if (n != kNumUnknown) SetNumElements(lp, del ? n - 1 : n + 1);
  }
  SetTotalBytes(lp, static_cast<uint32_t>(new_bytes));
  return lp;
}

uint8_t* InsertString(uint8_t* lp, uint8_t* p, Where where, std::string_view s, uint8_t** newp) {
  uint8_t intenc[9];
  int64_t v;
  if (StringToInt64(s, &v)) {
    size_t enclen = EncodeInt(v, intenc);
    return InsertEncoded(lp, p, where, intenc, {}, true, enclen, false, newp);
  }
  return InsertEncoded(lp, p, where, nullptr, s, false, StringEncodedSize(s.size()), false, newp);
}

inline uint8_t* Eof(uint8_t* lp) { return lp + GetTotalBytes(lp) - 1; }

uint8_t* ShrinkToFit(uint8_t* lp) {
  size_t size = GetTotalBytes(lp);
  if (size < MemUsable(lp)) return static_cast<uint8_t*>(MemRealloc(lp, size));
  return lp;
}

// Validates the entry at *pp and advances to the next; *pp becomes nullptr at the EOF.
bool ValidateNext(const uint8_t* lp, const uint8_t** pp, size_t lpbytes) {
  const uint8_t* p = *pp;
  auto out_of_range = [&](const uint8_t* q) {
    return q < lp + kHeaderSize || q > lp + lpbytes - 1;
  };
  if (!p || out_of_range(p)) return false;
  if (*p == kEof) {
    *pp = nullptr;
    return true;
  }
  uint32_t hdr = EncodingHeaderSize(*p);
  if (!hdr) return false;
  if (out_of_range(p + hdr)) return false;
  uint64_t entrylen = EncodedSize(p);
  uint64_t backlen_size = EncodeBacklen(nullptr, entrylen);
  entrylen += backlen_size;
  if (entrylen > lpbytes || out_of_range(p + entrylen)) return false;
  p += entrylen;
  uint64_t prevlen = DecodeBacklen(p - 1);
  if (prevlen == UINT64_MAX || prevlen + backlen_size != entrylen) return false;
  *pp = p;
  return true;
}

}  // namespace

std::string_view Value::AsString(char* scratch) const {
  if (!is_int) return sval;
  size_t n = Int64ToChars(ival, scratch);
  return std::string_view(scratch, n);
}

bool Value::Equals(std::string_view s) const {
  if (!is_int) return sval == s;
  int64_t v;
  return StringToInt64(s, &v) && v == ival;
}

uint8_t* New(size_t capacity) {
  size_t size = capacity > kHeaderSize + 1 ? capacity : kHeaderSize + 1;
  auto* lp = static_cast<uint8_t*>(MemAlloc(size));
  SetTotalBytes(lp, kHeaderSize + 1);
  SetNumElements(lp, 0);
  lp[kHeaderSize] = kEof;
  return lp;
}

void Free(uint8_t* lp) { MemFree(lp); }

uint8_t* Dup(const uint8_t* lp) {
  size_t n = GetTotalBytes(lp);
  auto* copy = static_cast<uint8_t*>(MemAlloc(n));
  std::memcpy(copy, lp, n);
  return copy;
}

size_t Bytes(const uint8_t* lp) { return GetTotalBytes(lp); }

size_t Length(const uint8_t* lp) {
  uint32_t n = GetNumElements(lp);
  if (n != kNumUnknown) return n;
  size_t count = 0;
  const uint8_t* p = lp + kHeaderSize;
  while (p[0] != kEof) {
    count++;
    p = Skip(p);
  }
  return count;
}

uint8_t* First(uint8_t* lp) {
  uint8_t* p = lp + kHeaderSize;
  return p[0] == kEof ? nullptr : p;
}

uint8_t* Last(uint8_t* lp) { return Prev(lp, Eof(lp)); }

uint8_t* Next(uint8_t* lp, uint8_t* p) {
  (void)lp;
  assert(p);
  uint8_t* q = const_cast<uint8_t*>(Skip(p));
  return q[0] == kEof ? nullptr : q;
}

uint8_t* Prev(uint8_t* lp, uint8_t* p) {
  assert(p);
  if (p - lp == static_cast<ptrdiff_t>(kHeaderSize)) return nullptr;
  uint64_t prevlen = DecodeBacklen(p - 1);
  prevlen += EncodeBacklen(nullptr, prevlen);
  return p - prevlen;
}

uint8_t* Seek(uint8_t* lp, int64_t index) {
  bool forward = true;
  uint32_t n = GetNumElements(lp);
  if (n != kNumUnknown) {
    if (index < 0) index += n;
    if (index < 0 || index >= static_cast<int64_t>(n)) return nullptr;
    if (index > static_cast<int64_t>(n) / 2) {
      forward = false;
      index -= n;
    }
  } else if (index < 0) {
    forward = false;
  }
  if (forward) {
    uint8_t* p = First(lp);
    while (index > 0 && p) {
      p = Next(lp, p);
      index--;
    }
    return p;
  }
  uint8_t* p = Last(lp);
  while (index < -1 && p) {
    p = Prev(lp, p);
    index++;
  }
  return p;
}

Value Get(const uint8_t* p) {
  Value v;
  uint8_t b = p[0];
  uint64_t uval;
  unsigned bits;
  if ((b & 0x80) == 0) {
    v.is_int = true;
    v.ival = b & 0x7F;
    return v;
  } else if ((b & 0xC0) == kEnc6BitStr) {
    v.sval = std::string_view(reinterpret_cast<const char*>(p + 1), b & 0x3F);
    return v;
  } else if ((b & 0xE0) == kEnc13BitInt) {
    uval = (uint64_t{b} & 0x1F) << 8 | p[1];
    bits = 13;
  } else if ((b & 0xF0) == kEnc12BitStr) {
    size_t len = (size_t{b} & 0xF) << 8 | p[1];
    v.sval = std::string_view(reinterpret_cast<const char*>(p + 2), len);
    return v;
  } else if (b == kEnc32BitStr) {
    size_t len = size_t{p[1]} | size_t{p[2]} << 8 | size_t{p[3]} << 16 | size_t{p[4]} << 24;
    v.sval = std::string_view(reinterpret_cast<const char*>(p + 5), len);
    return v;
  } else {
    unsigned bytes;
    switch (b) {
      case kEnc16BitInt:
        bytes = 2;
        break;
      case kEnc24BitInt:
        bytes = 3;
        break;
      case kEnc32BitInt:
        bytes = 4;
        break;
      case kEnc64BitInt:
        bytes = 8;
        break;
      default:
        // Not a valid encoding: report a recognisable integer rather than crash.
        v.is_int = true;
        v.ival = static_cast<int64_t>(12345678900000000ULL + b);
        return v;
    }
    uval = 0;
    for (unsigned i = 0; i < bytes; i++) uval |= uint64_t{p[1 + i]} << (8 * i);
    bits = bytes * 8;
  }
  v.is_int = true;
  if (bits < 64 && (uval & (uint64_t{1} << (bits - 1)))) {
    // Sign-extend.
    v.ival = static_cast<int64_t>(uval | ~((uint64_t{1} << bits) - 1));
  } else {
    v.ival = static_cast<int64_t>(uval);
  }
  return v;
}

uint8_t* Append(uint8_t* lp, std::string_view s) {
  return InsertString(lp, Eof(lp), kBefore, s, nullptr);
}

uint8_t* AppendInt(uint8_t* lp, int64_t v) {
  uint8_t intenc[9];
  size_t enclen = EncodeInt(v, intenc);
  return InsertEncoded(lp, Eof(lp), kBefore, intenc, {}, true, enclen, false, nullptr);
}

uint8_t* Prepend(uint8_t* lp, std::string_view s) {
  return InsertString(lp, lp + kHeaderSize, kBefore, s, nullptr);
}

uint8_t* Insert(uint8_t* lp, uint8_t* p, std::string_view s, bool after, uint8_t** newp) {
  if (after) p = const_cast<uint8_t*>(Skip(p));
  return InsertString(lp, p, kBefore, s, newp);
}

uint8_t* Replace(uint8_t* lp, uint8_t** p, std::string_view s) {
  return InsertString(lp, *p, kReplace, s, p);
}

uint8_t* Delete(uint8_t* lp, uint8_t** p) {
  return InsertEncoded(lp, *p, kReplace, nullptr, {}, false, 0, true, p);
}

uint8_t* DeleteRange(uint8_t* lp, int64_t index, size_t count) {
  if (count == 0) return lp;
  uint8_t* p = Seek(lp, index);
  if (!p) return lp;
  uint32_t n = GetNumElements(lp);
  if (n != kNumUnknown) {
    if (index < 0) index += n;
    if (static_cast<size_t>(n - index) <= count) {
      // Everything from p to the end goes: move the terminator.
      p[0] = kEof;
      SetTotalBytes(lp, static_cast<uint32_t>(p - lp + 1));
      SetNumElements(lp, static_cast<uint32_t>(index));
      return ShrinkToFit(lp);
    }
  }
  uint8_t* tail = p;
  size_t deleted = 0;
  while (count--) {
    deleted++;
    tail = const_cast<uint8_t*>(Skip(tail));
    if (tail[0] == kEof) break;
  }
  size_t bytes = GetTotalBytes(lp);
  uint8_t* eof = lp + bytes - 1;
  std::memmove(p, tail, eof - tail + 1);
  SetTotalBytes(lp, static_cast<uint32_t>(bytes - (tail - p)));
  if (n != kNumUnknown) SetNumElements(lp, static_cast<uint32_t>(n - deleted));
  return ShrinkToFit(lp);
}

uint8_t* Find(uint8_t* lp, uint8_t* p, std::string_view s, unsigned skip) {
  (void)lp;
  // Whether `s` has an integer form is computed once, lazily.
  int int_state = 0;  // 0 unknown, 1 integer, -1 not an integer
  int64_t sval = 0;
  unsigned skipcnt = 0;
  while (p && p[0] != kEof) {
    if (skipcnt == 0) {
      Value v = Get(p);
      if (!v.is_int) {
        if (v.sval == s) return p;
      } else {
        if (int_state == 0) {
          int_state = (s.size() < 32 && StringToInt64(s, &sval)) ? 1 : -1;
        }
        if (int_state == 1 && v.ival == sval) return p;
      }
      skipcnt = skip;
    } else {
      skipcnt--;
    }
    p = const_cast<uint8_t*>(Skip(p));
  }
  return nullptr;
}

uint8_t* Merge(uint8_t** first, uint8_t** second) {
  if (!first || !*first || !second || !*second || *first == *second) return nullptr;
  size_t first_bytes = GetTotalBytes(*first);
  size_t second_bytes = GetTotalBytes(*second);
  size_t total_len = Length(*first) + Length(*second);
  if (total_len > kNumUnknown) total_len = kNumUnknown;
  size_t bytes = first_bytes + second_bytes - kHeaderSize - 1;
  assert(bytes < UINT32_MAX);
  bool append = first_bytes >= second_bytes;
  uint8_t* target;
  if (append) {
    // Keep `first`, copy second's entries over its terminator.
    target = static_cast<uint8_t*>(MemRealloc(*first, bytes));
    std::memcpy(target + first_bytes - 1, *second + kHeaderSize, second_bytes - kHeaderSize);
    MemFree(*second);
    *second = nullptr;
    *first = target;
  } else {
    // Keep `second`, shift its entries right and copy first's entries in front.
    target = static_cast<uint8_t*>(MemRealloc(*second, bytes));
    std::memmove(target + first_bytes - 1, target + kHeaderSize, second_bytes - kHeaderSize);
    std::memcpy(target, *first, first_bytes - 1);
    MemFree(*first);
    *first = nullptr;
    *second = target;
  }
  SetNumElements(target, static_cast<uint32_t>(total_len));
  SetTotalBytes(target, static_cast<uint32_t>(bytes));
  return target;
}

bool Validate(const uint8_t* lp, size_t size, bool deep) {
  if (size < kHeaderSize + 1) return false;
  if (GetTotalBytes(lp) != size) return false;
  if (lp[size - 1] != kEof) return false;
  if (!deep) return true;
  uint32_t count = 0;
  uint32_t numele = GetNumElements(lp);
  const uint8_t* p = lp + kHeaderSize;
  while (p && p[0] != kEof) {
    if (!ValidateNext(lp, &p, size)) return false;
    count++;
  }
  if (p != lp + size - 1) return false;
  if (numele != kNumUnknown && numele != count) return false;
  return true;
}

bool SafeToAdd(const uint8_t* lp, size_t add) {
  size_t len = lp ? GetTotalBytes(lp) : 0;
  return len + add <= kMaxSafetySize;
}

}  // namespace ember::lp
