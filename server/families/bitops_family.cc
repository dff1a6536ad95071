// Bitmap commands over string values: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
// BITFIELD_RO.
//
// Bit 0 of a string is the most significant bit of its first byte. Reads treat a string as
// followed by an endless run of zero bytes; writes grow it with zero bytes as needed.
#include <algorithm>
#include <bit>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "common/util/strings.h"
#include "server/families/families.h"
#include "server/families/string_util.h"
#include "server/server.h"

namespace ember {
namespace {

constexpr std::string_view kBadOffset = "bit offset is not an integer or out of range";
constexpr std::string_view kBadBit = "bit is not an integer or out of range";
constexpr std::string_view kBadType =
    "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 "
    "is.";

// ---------------------------------------------------------------------------------------------
// Bit scanning primitives.

inline uint64_t LoadWord(const uint8_t* p) {
  uint64_t w;
  memcpy(&w, p, sizeof(w));
  return w;
}

// Reorders a word loaded from memory so that the string's first byte is its most significant.
inline uint64_t ToBigEndian(uint64_t w) {
  if constexpr (std::endian::native == std::endian::little) return __builtin_bswap64(w);
  return w;
}

// Number of set bits in p[0, n). Compiled twice: with the POPCNT instruction where the CPU has
// it, and portably otherwise; the loader picks one at startup.
__attribute__((target_clones("popcnt", "default"))) uint64_t PopCount(const uint8_t* p, size_t n) {
  uint64_t a = 0, b = 0, c = 0, d = 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a += uint64_t(__builtin_popcountll(LoadWord(p + i)));
    b += uint64_t(__builtin_popcountll(LoadWord(p + i + 8)));
    c += uint64_t(__builtin_popcountll(LoadWord(p + i + 16)));
    d += uint64_t(__builtin_popcountll(LoadWord(p + i + 24)));
  }
  for (; i + 8 <= n; i += 8) a += uint64_t(__builtin_popcountll(LoadWord(p + i)));
  for (; i < n; i++) b += uint64_t(__builtin_popcount(p[i]));
  return a + b + c + d;
}

// Mask of the bits of a byte from bit `k` (0 = most significant) to the end of the byte.
inline uint8_t FromBit(uint64_t k) { return uint8_t(0xFFu >> (k & 7)); }
// Mask of the bits of a byte from its start up to and including bit `k`.
inline uint8_t UpToBit(uint64_t k) { return uint8_t(0xFFu << (7 - (k & 7))); }

// Set bits in the inclusive bit range [first, last] of p; last < 8 * length of p.
uint64_t CountBits(const uint8_t* p, uint64_t first, uint64_t last) {
  size_t fb = size_t(first >> 3), lb = size_t(last >> 3);
  uint64_t n = PopCount(p + fb, lb - fb + 1);
  n -= uint64_t(__builtin_popcount(p[fb] & uint8_t(~FromBit(first))));
  n -= uint64_t(__builtin_popcount(p[lb] & uint8_t(~UpToBit(last))));
  return n;
}

// Position of the first bit equal to `bit` in the inclusive bit range [first, last] of p, or
// -1 if there is none.
int64_t FindBit(const uint8_t* p, uint64_t first, uint64_t last, int bit) {
  const uint8_t flip = bit ? 0 : 0xFF;  // after xor, we look for a 1
  size_t fb = size_t(first >> 3), lb = size_t(last >> 3);
  uint8_t x = uint8_t(p[fb] ^ flip) & FromBit(first);
  if (fb == lb) x &= UpToBit(last);
  if (x) return int64_t(fb) * 8 + std::countl_zero(x);
  if (fb == lb) return -1;
  // Whole bytes strictly between the edge bytes, a word at a time.
  const uint64_t wflip = bit ? 0 : ~uint64_t(0);
  size_t i = fb + 1;
  for (; i + 8 <= lb; i += 8) {
    uint64_t w = LoadWord(p + i) ^ wflip;
    if (w) return int64_t(i) * 8 + std::countl_zero(ToBigEndian(w));
  }
  for (; i < lb; i++) {
    uint8_t y = p[i] ^ flip;
    if (y) return int64_t(i) * 8 + std::countl_zero(y);
  }
  x = uint8_t(p[lb] ^ flip) & UpToBit(last);
  if (x) return int64_t(lb) * 8 + std::countl_zero(x);
  return -1;
}

// Clamps a [start, end] range given with negative-from-the-end indexes to [0, total-1], as
// Redis's range commands do. The range is empty when start > end afterwards.
void ClampRange(int64_t* start, int64_t* end, int64_t total) {
  if (*start < 0) *start += total;
  if (*end < 0) *end += total;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= total) *end = total - 1;
}

// ---------------------------------------------------------------------------------------------
// Argument parsing.

// A bit offset in [0, proto-max-bulk-len * 8). With `bits` > 0, "#n" means n * bits (BITFIELD).
bool ParseBitOffset(Client& c, std::string_view arg, int bits, uint64_t* out) {
  bool hash = bits > 0 && !arg.empty() && arg[0] == '#';
  int64_t v;
  if (!StringToInt64(hash ? arg.substr(1) : arg, &v)) {
    c.reply().Error(kBadOffset);
    return false;
  }
  if (hash) v = int64_t(uint64_t(v) * uint64_t(bits));  // two's complement wrap, as Redis
  if (v < 0 || (!c.has(kClientMaster) && (v >> 3) >= c.server().config().proto_max_bulk_len)) {
    c.reply().Error(kBadOffset);
    return false;
  }
  *out = uint64_t(v);
  return true;
}

// "BIT" or "BYTE" (case-insensitive); replies a syntax error otherwise.
bool ParseUnit(Client& c, std::string_view arg, bool* is_bit) {
  if (EqualsIgnoreCase(arg, "bit")) {
    *is_bit = true;
  } else if (EqualsIgnoreCase(arg, "byte")) {
    *is_bit = false;
  } else {
    c.reply().Error(err::kSyntax);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Helpers for string access.

// Looks up a key for reading; replies WRONGTYPE and returns false if it is not a string.
bool LookupString(Client& c, std::string_view key, Entry** out) {
  Entry* e = c.server().LookupRead(c, key);
  if (e && e->type() != ObjType::kString) {
    c.reply().Error(err::kWrongType);
    return false;
  }
  *out = e;
  return true;
}

inline const uint8_t* Bytes(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

// Returns `key`'s string (e, or a new key when e is null) as a RawString zero-padded to at
// least `need` bytes. *grown is set when the key was created or lengthened.
RawString* WritableString(Client& c, std::string_view key, Entry* e, size_t need, bool* grown) {
  RawString* r;
  if (!e) {
    r = RawString::Create({}, need);
    memset(r->data, 0, need);
    r->len = need;
    c.db().Add(Entry::NewRawString(key, r));
    *grown = true;
  } else {
    r = MakeRaw(e);
    *grown = r->len < need;
    if (*grown) {
      r = RawString::Reserve(r, need);
      memset(r->data + r->len, 0, need - r->len);
      r->len = need;
      e->v.ptr = r;
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// SETBIT, GETBIT, BITCOUNT, BITPOS.

void CmdSetBit(Client& c, CmdArgs args) {
  uint64_t offset;
  if (!ParseBitOffset(c, args[2], 0, &offset)) return;
  int64_t on;
  if (!ParseInt64Arg(c, args[3], &on, kBadBit)) return;
  if (on & ~int64_t(1)) {
    c.reply().Error(kBadBit);
    return;
  }
  Server& s = c.server();
  Entry* e = s.LookupWrite(c, args[1]);
  if (e && e->type() != ObjType::kString) {
    c.reply().Error(err::kWrongType);
    return;
  }
  bool grown;
  RawString* str = WritableString(c, args[1], e, size_t(offset >> 3) + 1, &grown);
  uint8_t& byte = reinterpret_cast<uint8_t*>(str->data)[offset >> 3];
  uint8_t mask = uint8_t(0x80u >> (offset & 7));
  int old = (byte & mask) ? 1 : 0;
  if (grown || old != on) {
    byte = on ? uint8_t(byte | mask) : uint8_t(byte & ~mask);
    s.SignalModifiedKey(c.db(), args[1]);
    s.NotifyKeyspaceEvent(kNotifyString, "setbit", args[1], c.db_index());
    s.dirty++;
  }
  c.reply().Integer(old);
}

void CmdGetBit(Client& c, CmdArgs args) {
  uint64_t offset;
  if (!ParseBitOffset(c, args[2], 0, &offset)) return;
  Entry* e;
  if (!LookupString(c, args[1], &e)) return;
  int bit = 0;
  if (e) {
    char buf[24];
    std::string_view str = e->StringView(buf);
    if ((offset >> 3) < str.size()) bit = (Bytes(str)[offset >> 3] >> (7 - (offset & 7))) & 1;
  }
  c.reply().Integer(bit);
}

void CmdBitCount(Client& c, CmdArgs args) {
  Entry* e;
  if (!LookupString(c, args[1], &e)) return;
  if (!e) {
    c.reply().Integer(0);
    return;
  }
  char buf[24];
  std::string_view str = e->StringView(buf);
  int64_t len = int64_t(str.size());
  uint64_t first, last;  // inclusive bit range
  if (args.size() == 4 || args.size() == 5) {
    int64_t start, end;
    if (!ParseInt64Arg(c, args[2], &start) || !ParseInt64Arg(c, args[3], &end)) return;
    if (start < 0 && end < 0 && start > end) {
      c.reply().Integer(0);
      return;
    }
    bool is_bit = false;
    if (args.size() == 5 && !ParseUnit(c, args[4], &is_bit)) return;
    ClampRange(&start, &end, is_bit ? len * 8 : len);
    if (start > end) {
      c.reply().Integer(0);
      return;
    }
    first = is_bit ? uint64_t(start) : uint64_t(start) * 8;
    last = is_bit ? uint64_t(end) : uint64_t(end) * 8 + 7;
  } else if (args.size() == 2) {
    if (len == 0) {
      c.reply().Integer(0);
      return;
    }
    first = 0;
    last = uint64_t(len) * 8 - 1;
  } else {
    c.reply().Error(err::kSyntax);
    return;
  }
  c.reply().Integer(int64_t(CountBits(Bytes(str), first, last)));
}

void CmdBitPos(Client& c, CmdArgs args) {
  int64_t bit;
  if (!ParseInt64Arg(c, args[2], &bit)) return;
  if (bit != 0 && bit != 1) {
    c.reply().Error("The bit argument must be 1 or 0.");
    return;
  }
  Entry* e;
  if (!LookupString(c, args[1], &e)) return;
  if (!e) {
    // A missing key is an endless run of zeros.
    c.reply().Integer(bit ? -1 : 0);
    return;
  }
  char buf[24];
  std::string_view str = e->StringView(buf);
  int64_t len = int64_t(str.size());
  bool end_given = false;
  int64_t start, end;
  if (args.size() >= 4 && args.size() <= 6) {
    if (!ParseInt64Arg(c, args[3], &start)) return;
    bool is_bit = false;
    if (args.size() == 6 && !ParseUnit(c, args[5], &is_bit)) return;
    int64_t total = is_bit ? len * 8 : len;
    if (args.size() >= 5) {
      if (!ParseInt64Arg(c, args[4], &end)) return;
      end_given = true;
    } else {
      end = total - 1;
    }
    ClampRange(&start, &end, total);
    if (!is_bit && start <= end) {
      start *= 8;
      end = end * 8 + 7;
    }
  } else if (args.size() == 3) {
    start = 0;
    end = len * 8 - 1;
  } else {
    c.reply().Error(err::kSyntax);
    return;
  }
  if (start > end) {
    c.reply().Integer(-1);
    return;
  }
  int64_t pos = FindBit(Bytes(str), uint64_t(start), uint64_t(end), int(bit));
  // Looking for a clear bit with no explicit end, the string counts as zero-padded: the first
  // bit past the range is the answer.
  if (pos < 0 && bit == 0 && !end_given) pos = end + 1;
  c.reply().Integer(pos);
}

// ---------------------------------------------------------------------------------------------
// BITOP.

enum class BitOp { kAnd, kOr, kXor, kNot };

// dst[0, n) op= src[0, n), a word at a time.
void CombineInto(uint8_t* dst, const uint8_t* src, size_t n, BitOp op) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t a = LoadWord(dst + i), b = LoadWord(src + i);
    a = op == BitOp::kAnd ? (a & b) : op == BitOp::kOr ? (a | b) : (a ^ b);
    memcpy(dst + i, &a, sizeof(a));
  }
  for (; i < n; i++) {
    dst[i] = op == BitOp::kAnd  ? uint8_t(dst[i] & src[i])
             : op == BitOp::kOr ? uint8_t(dst[i] | src[i])
                                : uint8_t(dst[i] ^ src[i]);
  }
}

void CmdBitOp(Client& c, CmdArgs args) {
  std::string_view name = args[1];
  BitOp op;
  if (EqualsIgnoreCase(name, "and")) {
    op = BitOp::kAnd;
  } else if (EqualsIgnoreCase(name, "or")) {
    op = BitOp::kOr;
  } else if (EqualsIgnoreCase(name, "xor")) {
    op = BitOp::kXor;
  } else if (EqualsIgnoreCase(name, "not")) {
    op = BitOp::kNot;
  } else {
    c.reply().Error(err::kSyntax);
    return;
  }
  if (op == BitOp::kNot && args.size() != 4) {
    c.reply().Error("BITOP NOT must be called with a single source key.");
    return;
  }
  Server& s = c.server();
  size_t nsrc = args.size() - 3;
  std::vector<std::string_view> srcs(nsrc);
  std::unique_ptr<char[]> scratch;  // digits of int-encoded sources
  size_t maxlen = 0;
  for (size_t j = 0; j < nsrc; j++) {
    Entry* e;
    if (!LookupString(c, args[j + 3], &e)) return;
    if (!e) continue;
    if (e->encoding() == Encoding::kInt && !scratch) scratch.reset(new char[nsrc * 24]);
    srcs[j] = e->StringView(scratch ? scratch.get() + j * 24 : nullptr);
    maxlen = std::max(maxlen, srcs[j].size());
  }
  std::string_view target = args[2];
  if (maxlen == 0) {
    if (s.DeleteKey(c.db(), target)) {
      s.NotifyKeyspaceEvent(kNotifyGeneric, "del", target, c.db_index());
      s.dirty++;
    }
    c.reply().Integer(0);
    return;
  }
  RawString* r = RawString::Create({}, maxlen);
  r->len = maxlen;
  auto* out = reinterpret_cast<uint8_t*>(r->data);
  // Start from the first source, zero-padded, then fold the others in.
  if (!srcs[0].empty()) memcpy(out, srcs[0].data(), srcs[0].size());
  memset(out + srcs[0].size(), 0, maxlen - srcs[0].size());
  if (op == BitOp::kNot) {
    size_t i = 0;
    for (; i + 8 <= maxlen; i += 8) {
      uint64_t w = ~LoadWord(out + i);
      memcpy(out + i, &w, sizeof(w));
    }
    for (; i < maxlen; i++) out[i] = uint8_t(~out[i]);
  } else {
    for (size_t j = 1; j < nsrc; j++) {
      CombineInto(out, Bytes(srcs[j]), srcs[j].size(), op);
      // Past its end a source is zeros: that clears an AND and leaves OR/XOR unchanged.
      if (op == BitOp::kAnd) memset(out + srcs[j].size(), 0, maxlen - srcs[j].size());
    }
  }
  c.db().Set(Entry::NewRawString(target, r), false);
  s.SignalModifiedKey(c.db(), target);
  s.NotifyKeyspaceEvent(kNotifyString, "set", target, c.db_index());
  s.dirty++;
  c.reply().Integer(int64_t(maxlen));
}

// ---------------------------------------------------------------------------------------------
// BITFIELD and BITFIELD_RO.

enum class FieldOp : uint8_t { kGet, kSet, kIncrBy };
enum class Overflow : uint8_t { kWrap, kSat, kFail };

struct FieldCmd {
  FieldOp op;
  Overflow overflow;
  bool is_signed;
  int bits;         // 1..64 signed, 1..63 unsigned
  uint64_t offset;  // in bits
  int64_t value;    // SET value or INCRBY increment
};

// "i<1-64>" or "u<1-63>". As Redis, the width ends at the first NUL byte.
bool ParseFieldType(Client& c, std::string_view arg, bool* is_signed, int* bits) {
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u')) {
    c.reply().Error(kBadType);
    return false;
  }
  *is_signed = arg[0] == 'i';
  std::string_view digits = arg.substr(1);
  digits = digits.substr(0, digits.find('\0'));
  int64_t n;
  if (!StringToInt64(digits, &n) || n < 1 || n > (*is_signed ? 64 : 63)) {
    c.reply().Error(kBadType);
    return false;
  }
  *bits = int(n);
  return true;
}

// Walks the subcommands in args[2...], calling fn(const FieldCmd&) for each GET/SET/INCRBY.
// Replies with the first parse error and returns false.
template <typename Fn>
bool ForEachFieldCmd(Client& c, CmdArgs args, Fn&& fn) {
  Overflow overflow = Overflow::kWrap;
  for (size_t j = 2; j < args.size(); j++) {
    size_t more = args.size() - j - 1;
    std::string_view sub = args[j];
    FieldCmd cmd{};
    if (EqualsIgnoreCase(sub, "get") && more >= 2) {
      cmd.op = FieldOp::kGet;
    } else if (EqualsIgnoreCase(sub, "set") && more >= 3) {
      cmd.op = FieldOp::kSet;
    } else if (EqualsIgnoreCase(sub, "incrby") && more >= 3) {
      cmd.op = FieldOp::kIncrBy;
    } else if (EqualsIgnoreCase(sub, "overflow") && more >= 1) {
      std::string_view mode = args[++j];
      if (EqualsIgnoreCase(mode, "wrap")) {
        overflow = Overflow::kWrap;
      } else if (EqualsIgnoreCase(mode, "sat")) {
        overflow = Overflow::kSat;
      } else if (EqualsIgnoreCase(mode, "fail")) {
        overflow = Overflow::kFail;
      } else {
        c.reply().Error("Invalid OVERFLOW type specified");
        return false;
      }
      continue;
    } else {
      c.reply().Error(err::kSyntax);
      return false;
    }
    cmd.overflow = overflow;
    if (!ParseFieldType(c, args[j + 1], &cmd.is_signed, &cmd.bits)) return false;
    if (!ParseBitOffset(c, args[j + 2], cmd.bits, &cmd.offset)) return false;
    if (cmd.op != FieldOp::kGet) {
      if (!ParseInt64Arg(c, args[j + 3], &cmd.value)) return false;
      j += 3;
    } else {
      j += 2;
    }
    fn(cmd);
  }
  return true;
}

// Reads `bits` bits at bit `offset` of p[0, len) as an unsigned number; bytes past len read as
// zero.
uint64_t ReadField(const uint8_t* p, size_t len, uint64_t offset, int bits) {
  uint64_t first = offset >> 3, last = (offset + uint64_t(bits) - 1) >> 3;  // at most 9 bytes
  unsigned __int128 acc = 0;
  for (uint64_t i = first; i <= last; i++) acc = (acc << 8) | (i < len ? p[i] : 0);
  int shift = int(last - first + 1) * 8 - int(offset & 7) - bits;
  uint64_t v = uint64_t(acc >> shift);
  return bits == 64 ? v : v & ((uint64_t(1) << bits) - 1);
}

// Writes the low `bits` bits of v at bit `offset` of p (which is long enough).
void WriteField(uint8_t* p, uint64_t offset, int bits, uint64_t v) {
  uint64_t first = offset >> 3, last = (offset + uint64_t(bits) - 1) >> 3;
  unsigned __int128 acc = 0;
  for (uint64_t i = first; i <= last; i++) acc = (acc << 8) | p[i];
  int shift = int(last - first + 1) * 8 - int(offset & 7) - bits;
  unsigned __int128 mask = ((unsigned __int128)1 << bits) - 1;
  acc = (acc & ~(mask << shift)) | ((v & mask) << shift);
  for (uint64_t i = last + 1; i-- > first;) {
    p[i] = uint8_t(acc);
    acc >>= 8;
  }
}

int64_t SignExtend(uint64_t v, int bits) {
  if (bits < 64 && (v >> (bits - 1)) & 1) v |= ~uint64_t(0) << bits;
  return int64_t(v);
}

// Stores `sum` into a field of the given type: returns false (overflow) if it does not fit,
// with *out set to what WRAP or SAT (the mode given) would store; else *out is the sum.
bool FitField(__int128 sum, bool is_signed, int bits, Overflow mode, uint64_t* out) {
  __int128 min, max;
  if (is_signed) {
    max = ((__int128)1 << (bits - 1)) - 1;
    min = -max - 1;
  } else {
    max = ((__int128)1 << bits) - 1;
    min = 0;
  }
  if (sum >= min && sum <= max) {
    *out = uint64_t(sum);
    return true;
  }
  if (mode == Overflow::kSat) {
    *out = uint64_t(sum > max ? max : min);
  } else {
    uint64_t low = uint64_t(sum);  // wrap: keep the low bits
    if (bits < 64) low &= (uint64_t(1) << bits) - 1;
    *out = is_signed ? uint64_t(SignExtend(low, bits)) : low;
  }
  return false;
}

// Two passes over the arguments instead of a list of parsed operations: the first validates
// them and finds the reply length and the farthest bit written, the second executes.
void BitFieldGeneric(Client& c, CmdArgs args, bool read_only_cmd) {
  size_t nops = 0;
  bool writes = false;
  uint64_t highest_bit = 0;
  bool ok = ForEachFieldCmd(c, args, [&](const FieldCmd& f) {
    nops++;
    if (f.op != FieldOp::kGet) {
      writes = true;
      highest_bit = std::max(highest_bit, f.offset + uint64_t(f.bits) - 1);
    }
  });
  if (!ok) return;

  Server& s = c.server();
  Entry* e;
  std::string_view str;  // the value; when writing, long enough for every write
  uint8_t* data = nullptr;
  bool grown = false;
  char buf[24];
  if (!writes) {
    if (!LookupString(c, args[1], &e)) return;
    if (e) str = e->StringView(buf);
  } else {
    if (read_only_cmd) {
      c.reply().Error("BITFIELD_RO only supports the GET subcommand");
      return;
    }
    e = s.LookupWrite(c, args[1]);
    if (e && e->type() != ObjType::kString) {
      c.reply().Error(err::kWrongType);
      return;
    }
    RawString* raw = WritableString(c, args[1], e, size_t(highest_bit >> 3) + 1, &grown);
    data = reinterpret_cast<uint8_t*>(raw->data);
    str = raw->view();
  }

  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(nops));
  int64_t changes = 0;
  ForEachFieldCmd(c, args, [&](const FieldCmd& f) {
    if (f.op == FieldOp::kGet) {
      uint64_t v = ReadField(Bytes(str), str.size(), f.offset, f.bits);
      r.Integer(f.is_signed ? SignExtend(v, f.bits) : int64_t(v));
      return;
    }
    uint64_t raw_old = ReadField(data, str.size(), f.offset, f.bits);
    __int128 old = f.is_signed ? __int128(SignExtend(raw_old, f.bits)) : __int128(raw_old);
    // SET checks the new value alone; an unsigned field takes it as its 64-bit pattern.
    __int128 sum;
    if (f.op == FieldOp::kIncrBy) {
      sum = old + f.value;
    } else {
      sum = f.is_signed ? __int128(f.value) : __int128(uint64_t(f.value));
    }
    uint64_t stored;
    bool fits = FitField(sum, f.is_signed, f.bits, f.overflow, &stored);
    if (!fits && f.overflow == Overflow::kFail) {
      r.Null();
      return;
    }
    int64_t shown = f.op == FieldOp::kIncrBy ? int64_t(stored)
                    : f.is_signed            ? int64_t(old)
                                             : int64_t(raw_old);
    r.Integer(shown);
    uint64_t mask = f.bits == 64 ? ~uint64_t(0) : (uint64_t(1) << f.bits) - 1;
    WriteField(data, f.offset, f.bits, stored);
    if (grown || (stored & mask) != raw_old) changes++;
  });

  if (changes) {
    s.SignalModifiedKey(c.db(), args[1]);
    s.NotifyKeyspaceEvent(kNotifyString, "setbit", args[1], c.db_index());
    s.dirty += changes;
  }
}

void CmdBitField(Client& c, CmdArgs args) { BitFieldGeneric(c, args, false); }
void CmdBitFieldRo(Client& c, CmdArgs args) { BitFieldGeneric(c, args, true); }

}  // namespace

void RegisterBitopsFamily(CommandTable* t) {
  t->Register("setbit", CmdSetBit);
  t->Register("getbit", CmdGetBit);
  t->Register("bitcount", CmdBitCount);
  t->Register("bitpos", CmdBitPos);
  t->Register("bitop", CmdBitOp);
  t->Register("bitfield", CmdBitField);
  t->Register("bitfield_ro", CmdBitFieldRo);
}

}  // namespace ember
