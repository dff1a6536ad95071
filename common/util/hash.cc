// Keyspace hashing, CRC16/CRC64 checksums, LZF compression and SHA1.

#include "common/util/hash.h"

#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <cstring>

namespace ember {

// ---------------------------------------------------------------------------------------------
// Seeded 64-bit hash.
//
// Multiply-fold design: every step multiplies two 64-bit words to a 128-bit product and folds
// the halves together, so each input bit influences every output bit after a couple of steps.
// Secrets derived from the seed enter both factors of every multiply, and the final step XORs
// the product back into its operands so that a zero operand cannot erase the accumulated state.
// All reads stay inside [data, data + len): short inputs are read with overlapping 4-byte or
// single-byte loads instead of one over-long load.
// ---------------------------------------------------------------------------------------------

namespace {

// Odd constants with roughly half their bits set (fractional parts of sqrt(2), sqrt(3), pi).
constexpr uint64_t kK0 = 0x6a09e667f3bcc909ULL;
constexpr uint64_t kK1 = 0xbb67ae8584caa73bULL;
constexpr uint64_t kK2 = 0x243f6a8885a308d3ULL;

constexpr void Mul128(uint64_t a, uint64_t b, uint64_t* lo, uint64_t* hi) {
  unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  *lo = static_cast<uint64_t>(r);
  *hi = static_cast<uint64_t>(r >> 64);
}

constexpr uint64_t Fold(uint64_t a, uint64_t b) {
  uint64_t lo = 0;
  uint64_t hi = 0;
  Mul128(a, b, &lo, &hi);
  return lo ^ hi;
}

// All per-process secrets come from the seed (SplitMix64 steps over it), including the values
// XORed into the left-hand multiplicands: with public constants there, an attacker could send
// the constant itself, zero the product and erase the seeded state (a seed-independent collision).
struct HashKeys {
  uint64_t state;  // Initial accumulator.
  uint64_t lane[3];
};

constexpr uint64_t SplitMix64(uint64_t* x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr HashKeys DeriveKeys(uint64_t seed) {
  uint64_t x = seed ^ kK2;
  HashKeys k{};
  k.state = SplitMix64(&x);
  for (uint64_t& l : k.lane) l = SplitMix64(&x) | 1;  // Odd, hence never zero.
  return k;
}

// Relaxed atomics: set once at startup, read on every hash (a plain load on common CPUs).
// Constant-initialized, so hashing during other translation units' static init is safe.
constexpr HashKeys kDefaultKeys = DeriveKeys(0x5ee1ba5eULL);
constinit std::atomic<uint64_t> g_state{kDefaultKeys.state};
constinit std::atomic<uint64_t> g_lane0{kDefaultKeys.lane[0]};
constinit std::atomic<uint64_t> g_lane1{kDefaultKeys.lane[1]};
constinit std::atomic<uint64_t> g_lane2{kDefaultKeys.lane[2]};

// SWAR ASCII lowercase of the 8 bytes packed in x (bytes >= 0x80 are left alone).
inline uint64_t LowerAscii8(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  const uint64_t low7 = x & (0x7f * kOnes);
  const uint64_t at_least_a = low7 + (0x80 - 'A') * kOnes;   // High bit set where byte >= 'A'.
  const uint64_t above_z = low7 + (0x80 - 'Z' - 1) * kOnes;  // High bit set where byte > 'Z'.
  const uint64_t upper = (at_least_a ^ above_z) & ~x & (0x80 * kOnes);
  return x | (upper >> 2);  // 0x80 >> 2 == 0x20, the case bit.
}

template <bool kNoCase>
inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  if constexpr (kNoCase) v = LowerAscii8(v);
  return v;
}

template <bool kNoCase>
inline uint64_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  uint64_t w = v;
  if constexpr (kNoCase) w = LowerAscii8(w);
  return w;
}

template <bool kNoCase>
inline uint64_t Load8(const uint8_t* p) {
  uint8_t c = *p;
  if constexpr (kNoCase) {
    if (c >= 'A' && c <= 'Z') c = static_cast<uint8_t>(c + 32);
  }
  return c;
}

template <bool kNoCase>
uint64_t HashImpl(const uint8_t* p, size_t len) {
  uint64_t s = g_state.load(std::memory_order_relaxed);
  const uint64_t k0 = g_lane0.load(std::memory_order_relaxed);
  const uint64_t k1 = g_lane1.load(std::memory_order_relaxed);
  const uint64_t k2 = g_lane2.load(std::memory_order_relaxed);
  uint64_t a;
  uint64_t b;
  if (len <= 16) {
    if (len >= 4) {
      // Two overlapping windows from each end cover every byte for lengths 4..16.
      const size_t step = (len >> 3) << 2;  // 0 for len < 8, 4 for len >= 8.
      a = (Load32<kNoCase>(p) << 32) | Load32<kNoCase>(p + step);
      b = (Load32<kNoCase>(p + len - 4) << 32) | Load32<kNoCase>(p + len - 4 - step);
    } else if (len > 0) {
      a = (Load8<kNoCase>(p) << 16) | (Load8<kNoCase>(p + (len >> 1)) << 8) |
          Load8<kNoCase>(p + len - 1);
      b = 0;
    } else {
      a = 0;
      b = 0;
    }
  } else {
    size_t left = len;
    if (left > 48) {
      // Three independent lanes for longer inputs (more multiplies in flight).
      uint64_t s1 = s ^ k1;
      uint64_t s2 = s ^ k2;
      do {
        s = Fold(Load64<kNoCase>(p) ^ k0, Load64<kNoCase>(p + 8) ^ s);
        s1 = Fold(Load64<kNoCase>(p + 16) ^ k1, Load64<kNoCase>(p + 24) ^ s1);
        s2 = Fold(Load64<kNoCase>(p + 32) ^ k2, Load64<kNoCase>(p + 40) ^ s2);
        p += 48;
        left -= 48;
      } while (left > 48);
      s ^= s1 ^ s2;
    }
    while (left > 16) {
      s = Fold(Load64<kNoCase>(p) ^ k0, Load64<kNoCase>(p + 8) ^ s);
      p += 16;
      left -= 16;
    }
    // The last 16 bytes of the input (overlapping what was already consumed if needed).
    a = Load64<kNoCase>(p + left - 16);
    b = Load64<kNoCase>(p + left - 8);
  }
  a ^= k1;
  b ^= s;
  uint64_t lo = 0;
  uint64_t hi = 0;
  Mul128(a, b, &lo, &hi);
  a ^= lo;  // Keep the operands: a zero factor cannot wipe out the state.
  b ^= hi;
  return Fold(a ^ kK0 ^ static_cast<uint64_t>(len), b ^ kK1);
}

}  // namespace

void SetHashSeed(uint64_t seed) {
  const HashKeys k = DeriveKeys(seed);
  g_state.store(k.state, std::memory_order_relaxed);
  g_lane0.store(k.lane[0], std::memory_order_relaxed);
  g_lane1.store(k.lane[1], std::memory_order_relaxed);
  g_lane2.store(k.lane[2], std::memory_order_relaxed);
}

uint64_t HashBytes(const void* data, size_t len) {
  return HashImpl<false>(static_cast<const uint8_t*>(data), len);
}

uint64_t HashBytesNoCase(const void* data, size_t len) {
  return HashImpl<true>(static_cast<const uint8_t*>(data), len);
}

// ---------------------------------------------------------------------------------------------
// CRC16 (XMODEM: poly 0x1021, init 0, not reflected) and CRC64 (Jones, reflected, init 0,
// no final xor; a previous result can be passed back in to continue).
// ---------------------------------------------------------------------------------------------

namespace {

constexpr std::array<uint16_t, 256> MakeCrc16Table() {
  std::array<uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int k = 0; k < 8; ++k) {
      crc = static_cast<uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    t[i] = crc;
  }
  return t;
}

constexpr std::array<uint16_t, 256> kCrc16Table = MakeCrc16Table();

constexpr uint64_t ReverseBits64(uint64_t v) {
  uint64_t r = 0;
  for (int i = 0; i < 64; ++i) {
    r = (r << 1) | (v & 1);
    v >>= 1;
  }
  return r;
}

constexpr uint64_t kCrc64Poly = 0xad93d23594c935a9ULL;
constexpr uint64_t kCrc64PolyReflected = ReverseBits64(kCrc64Poly);

using Crc64Tables = std::array<std::array<uint64_t, 256>, 8>;

// Slice-by-8 tables: t[0] is the classic byte table; t[k][b] advances t[k-1][b] by one more
// zero byte, so eight table lookups process one 64-bit word.
constexpr Crc64Tables MakeCrc64Tables() {
  Crc64Tables t{};
  for (unsigned i = 0; i < 256; ++i) {
    uint64_t crc = i;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ kCrc64PolyReflected : crc >> 1;
    t[0][i] = crc;
  }
  for (unsigned i = 0; i < 256; ++i) {
    for (int k = 1; k < 8; ++k) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
  }
  return t;
}

constexpr Crc64Tables kCrc64Tables = MakeCrc64Tables();

inline uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

}  // namespace

uint16_t Crc16(const char* buf, size_t len) {
  uint16_t crc = 0;
  for (size_t i = 0; i < len; ++i) {
    uint8_t idx = static_cast<uint8_t>((crc >> 8) ^ static_cast<uint8_t>(buf[i]));
    crc = static_cast<uint16_t>((crc << 8) ^ kCrc16Table[idx]);
  }
  return crc;
}

uint64_t Crc64(uint64_t crc, const void* data, size_t len) {
  const auto& t = kCrc64Tables;
  const uint8_t* p = static_cast<const uint8_t*>(data);
  while (len >= 8) {
    crc ^= LoadLe64(p);
    crc = t[7][crc & 0xff] ^ t[6][(crc >> 8) & 0xff] ^ t[5][(crc >> 16) & 0xff] ^
          t[4][(crc >> 24) & 0xff] ^ t[3][(crc >> 32) & 0xff] ^ t[2][(crc >> 40) & 0xff] ^
          t[1][(crc >> 48) & 0xff] ^ t[0][crc >> 56];
    p += 8;
    len -= 8;
  }
  while (len-- > 0) crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

// ---------------------------------------------------------------------------------------------
// LZF (liblzf stream format).
//
// The stream is a sequence of chunks, each starting with a control byte c:
//   c < 32:  a literal run; the next c + 1 bytes are copied to the output.
//   c >= 32: a back reference. n = c >> 5 (1..7); if n == 7 one more byte is added to n.
//            Then one byte o; the distance back from the output position is
//            ((c & 31) << 8 | o) + 1 (1..8192), and n + 2 bytes (3..264) are copied from there,
//            byte by byte, so the source may overlap the bytes being written.
// ---------------------------------------------------------------------------------------------

namespace {

constexpr size_t kLzfMaxLiteral = 32;
constexpr size_t kLzfMaxOffset = (1 << 13) - 1;  // Encoded offset; distance is offset + 1.
constexpr size_t kLzfMinMatch = 3;
constexpr size_t kLzfMaxMatch = 7 + 255 + 2;  // 264.
constexpr int kLzfHashBits = 13;

inline uint32_t Lzf3Bytes(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16;
}

inline uint32_t LzfHash(uint32_t v, int bits) { return (v * 0x9e3779b1U) >> (32 - bits); }

// Appends in[from, to) as literal runs of at most 32 bytes. False if out of room.
bool LzfEmitLiterals(const uint8_t* in, size_t from, size_t to, uint8_t* out, size_t cap,
                     size_t* op) {
  while (from < to) {
    size_t run = to - from < kLzfMaxLiteral ? to - from : kLzfMaxLiteral;
    if (cap - *op < run + 1) return false;
    out[(*op)++] = static_cast<uint8_t>(run - 1);
    std::memcpy(out + *op, in + from, run);
    *op += run;
    from += run;
  }
  return true;
}

}  // namespace

size_t LzfCompress(const void* in_data, size_t in_len, void* out_data, size_t out_cap) {
  const uint8_t* in = static_cast<const uint8_t*>(in_data);
  uint8_t* out = static_cast<uint8_t*>(out_data);
  // Positions are kept as 32-bit values; larger inputs are reported as "does not fit", which
  // callers already handle by storing the data uncompressed.
  if (in_len == 0 || in_len >= UINT32_MAX) return 0;

  // Two-way hash buckets of recent positions (stored + 1; 0 means empty), sized to the input.
  // Keeping the previous occupant as well lets a long match win over a nearer short one
  // (typically a run of equal bytes inside a longer repeated pattern).
  int bits = 8;
  while (bits < kLzfHashBits && (size_t{1} << bits) < in_len) ++bits;
  uint32_t table[size_t{1} << kLzfHashBits][2];
  std::memset(table, 0, sizeof(table[0]) << bits);
  auto insert = [&](size_t pos, uint32_t h) {
    table[h][1] = table[h][0];
    table[h][0] = static_cast<uint32_t>(pos + 1);
  };

  size_t ip = 0;
  size_t anchor = 0;  // First input byte not yet emitted.
  size_t op = 0;
  while (ip + kLzfMinMatch <= in_len) {
    const uint32_t cur = Lzf3Bytes(in + ip);
    const uint32_t h = LzfHash(cur, bits);
    const size_t max_len = in_len - ip < kLzfMaxMatch ? in_len - ip : kLzfMaxMatch;
    size_t best_len = 0;
    size_t best_ref = 0;
    for (int way = 0; way < 2; ++way) {
      size_t cand = table[h][way];
      if (cand == 0 || ip - cand > kLzfMaxOffset) break;  // Older way is even further away.
      size_t ref = cand - 1;
      if (Lzf3Bytes(in + ref) != cur) continue;
      size_t len = kLzfMinMatch;
      while (len < max_len && in[ref + len] == in[ip + len]) ++len;
      if (len > best_len) {
        best_len = len;
        best_ref = ref;
      }
    }
    insert(ip, h);
    if (best_len == 0) {
      ++ip;
      continue;
    }

    if (!LzfEmitLiterals(in, anchor, ip, out, out_cap, &op)) return 0;
    size_t off = ip - best_ref - 1;  // 0..8191
    size_t code = best_len - 2;      // 1..262
    if (out_cap - op < (code < 7 ? 2u : 3u)) return 0;
    if (code < 7) {
      out[op++] = static_cast<uint8_t>((code << 5) | (off >> 8));
    } else {
      out[op++] = static_cast<uint8_t>((7 << 5) | (off >> 8));
      out[op++] = static_cast<uint8_t>(code - 7);
    }
    out[op++] = static_cast<uint8_t>(off & 0xff);

    // Index only the last two positions of the match, so the data right after it can refer
    // back into it. Indexing every position is slower and, by evicting older entries, tends
    // to find shorter matches on repetitive data.
    const size_t end = ip + best_len;
    for (size_t k = end - 2; k < end && k + kLzfMinMatch <= in_len; ++k) {
      insert(k, LzfHash(Lzf3Bytes(in + k), bits));
    }
    ip = end;
    anchor = end;
  }
  if (!LzfEmitLiterals(in, anchor, in_len, out, out_cap, &op)) return 0;
  return op;
}

size_t LzfDecompress(const void* in_data, size_t in_len, void* out_data, size_t out_cap) {
  const uint8_t* in = static_cast<const uint8_t*>(in_data);
  uint8_t* out = static_cast<uint8_t*>(out_data);
  size_t ip = 0;
  size_t op = 0;
  while (ip < in_len) {
    size_t ctrl = in[ip++];
    if (ctrl < 32) {
      size_t run = ctrl + 1;
      if (in_len - ip < run || out_cap - op < run) return 0;
      std::memcpy(out + op, in + ip, run);
      ip += run;
      op += run;
      continue;
    }
    size_t len = ctrl >> 5;
    if (len == 7) {
      if (ip >= in_len) return 0;
      len += in[ip++];
    }
    if (ip >= in_len) return 0;
    size_t dist = ((ctrl & 0x1f) << 8 | in[ip++]) + 1;
    len += 2;
    if (dist > op || out_cap - op < len) return 0;
    const uint8_t* src = out + op - dist;
    uint8_t* dst = out + op;
    if (dist >= len) {
      std::memcpy(dst, src, len);
    } else {
      for (size_t k = 0; k < len; ++k) dst[k] = src[k];  // Overlap: repeats the last dist bytes.
    }
    op += len;
  }
  return op;
}

// ---------------------------------------------------------------------------------------------
// SHA1.
// ---------------------------------------------------------------------------------------------

std::string Sha1Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &md_len, EVP_sha1(), nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<size_t>(md_len) * 2, '\0');
  for (unsigned int i = 0; i < md_len; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 0xf];
  }
  return out;
}

}  // namespace ember
