#include "common/storage/hyperloglog.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

namespace ember::hll {
namespace {

constexpr double kAlphaInf = 0.721347520444481703680;  // 1 / (2 ln 2)
constexpr uint32_t kIndexMask = kRegisters - 1;

inline uint8_t* Bytes(std::string* s) { return reinterpret_cast<uint8_t*>(s->data()); }
inline const uint8_t* Bytes(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

// ---------------------------------------------------------------------------------------------
// Sparse opcodes.

enum class OpKind : uint8_t { kZero, kXzero, kVal };

struct Op {
  OpKind kind;
  uint8_t value;  // VAL only
  uint8_t size;   // bytes the opcode occupies (2 for XZERO)
  uint32_t len;   // registers it covers
};

// Decodes the opcode at p (p < end). An XZERO cut short by the end of the body reads its
// missing second byte as 0, as Redis does (its strings are followed by a zero byte).
inline Op DecodeOp(const uint8_t* p, const uint8_t* end) {
  uint8_t b = *p;
  if ((b & 0xc0) == 0) return {OpKind::kZero, 0, 1, uint32_t(b & 0x3f) + 1};
  if ((b & 0xc0) == 0x40) {
    uint32_t lo = p + 1 < end ? p[1] : 0;
    return {OpKind::kXzero, 0, 2, ((uint32_t(b & 0x3f) << 8) | lo) + 1};
  }
  return {OpKind::kVal, uint8_t(((b >> 2) & 0x1f) + 1), 1, uint32_t(b & 0x3) + 1};
}

inline bool IsVal(uint8_t b) { return b & 0x80; }
inline uint8_t ValOp(uint32_t value, uint32_t len) {
  return uint8_t(0x80 | ((value - 1) << 2) | (len - 1));
}
// Appends a ZERO or, for runs longer than a ZERO holds, an XZERO.
inline uint8_t* PutZeroRun(uint8_t* out, uint32_t len) {
  if (len > kSparseZeroMaxLen) {
    *out++ = uint8_t(0x40 | ((len - 1) >> 8));
    *out++ = uint8_t((len - 1) & 0xff);
  } else {
    *out++ = uint8_t(len - 1);
  }
  return out;
}

// Calls fn(op, first_register) for each opcode of a sparse body and returns the number of
// registers covered. With `stop_on_overflow`, stops before the first VAL that would go past
// the last register and returns more than kRegisters: the body is corrupt. (Redis 7.0.15's
// source stops there and accepts the body if it ended exactly at the last register; the
// CVE-2025-32023 fix, which Debian's 7.0.15 carries, rejects it, and so do we.)
template <typename Fn>
uint64_t ForEachOp(std::string_view obj, bool stop_on_overflow, Fn fn) {
  const uint8_t* p = Bytes(obj) + kHeaderSize;
  const uint8_t* end = Bytes(obj) + obj.size();
  uint64_t idx = 0;
  while (p < end) {
    Op op = DecodeOp(p, end);
    if (op.kind == OpKind::kVal && stop_on_overflow && idx + op.len > kRegisters) {
      return idx + op.len;
    }
    fn(op, idx);
    idx += op.len;
    p += op.size;
  }
  return idx;
}

// Sparse -> dense, then the register update that did not fit the sparse form.
Update Promote(std::string* obj, uint32_t index, uint8_t count) {
  if (!SparseToDense(obj)) return Update::kCorrupt;
  DenseSetMax(Bytes(obj) + kHeaderSize, index, count);
  return Update::kChanged;
}

// Ertl's sigma and tau, iterated until the sum stops changing.
double Sigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double y = 1.0, z = x, prev;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (prev != z);
  return z;
}

double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0, z = 1.0 - x, prev;
  do {
    x = std::sqrt(x);
    prev = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (prev != z);
  return z / 3.0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Hashing.

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  const uint8_t* data = static_cast<const uint8_t*>(key);
  // Redis passes the seed as an unsigned int and the length as an int.
  uint64_t h = uint64_t(uint32_t(seed)) ^ (uint64_t(int64_t(int(len))) * m);
  const uint8_t* end = data + (len - (len & 7));
  for (; data != end; data += 8) {
    uint64_t k;
    memcpy(&k, data, 8);
    if constexpr (std::endian::native == std::endian::big) k = __builtin_bswap64(k);
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  size_t tail = len & 7;
  if (tail) {
    for (size_t i = tail; i-- > 0;) h ^= uint64_t(data[i]) << (8 * i);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

uint8_t PatternLength(std::string_view element, uint32_t* index) {
  uint64_t hash = MurmurHash64A(element.data(), element.size(), kHashSeed);
  *index = uint32_t(hash & kIndexMask);
  hash >>= kP;
  hash |= uint64_t(1) << kQ;  // bounds the run at kQ + 1
  return uint8_t(std::countr_zero(hash) + 1);
}

// ---------------------------------------------------------------------------------------------
// Header.

std::string NewSparse() {
  std::string s(kHeaderSize, '\0');
  memcpy(s.data(), "HYLL", 4);
  s[4] = char(kSparse);
  uint8_t body[2 * ((kRegisters + kSparseXzeroMaxLen - 1) / kSparseXzeroMaxLen)];
  uint8_t* p = body;
  for (uint32_t left = kRegisters; left > 0;) {
    uint32_t n = std::min(left, kSparseXzeroMaxLen);
    p = PutZeroRun(p, n);
    left -= n;
  }
  s.append(reinterpret_cast<const char*>(body), size_t(p - body));
  return s;
}

bool IsHll(std::string_view obj) {
  if (obj.size() < kHeaderSize) return false;
  if (obj.substr(0, 4) != "HYLL") return false;
  uint8_t enc = uint8_t(obj[4]);
  if (enc > kSparse) return false;
  if (enc == kDense && obj.size() != kDenseSize) return false;
  return true;
}

bool CacheValid(const uint8_t* obj) { return (obj[15] & 0x80) == 0; }

uint64_t CachedCardinality(const uint8_t* obj) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; i--) card = (card << 8) | obj[8 + i];
  return card;
}

void SetCachedCardinality(uint8_t* obj, uint64_t card) {
  for (int i = 0; i < 8; i++) obj[8 + i] = uint8_t(card >> (8 * i));
}

void InvalidateCache(uint8_t* obj) { obj[15] |= 0x80; }

// ---------------------------------------------------------------------------------------------
// Dense.

uint8_t GetRegister(const uint8_t* regs, uint32_t i) {
  uint32_t byte = i * kBits / 8, shift = i * kBits & 7;
  unsigned v = unsigned(regs[byte]) >> shift;
  if (shift > 8 - kBits) v |= unsigned(regs[byte + 1]) << (8 - shift);
  return uint8_t(v & kRegisterMax);
}

void SetRegister(uint8_t* regs, uint32_t i, uint8_t v) {
  uint32_t byte = i * kBits / 8, shift = i * kBits & 7;
  regs[byte] = uint8_t((regs[byte] & ~(unsigned(kRegisterMax) << shift)) | (unsigned(v) << shift));
  if (shift > 8 - kBits) {
    unsigned back = 8 - shift;
    regs[byte + 1] =
        uint8_t((regs[byte + 1] & ~(unsigned(kRegisterMax) >> back)) | (unsigned(v) >> back));
  }
}

bool DenseSetMax(uint8_t* regs, uint32_t i, uint8_t count) {
  if (count <= GetRegister(regs, i)) return false;
  SetRegister(regs, i, count);
  return true;
}

bool DenseAdd(uint8_t* regs, std::string_view element) {
  uint32_t index;
  uint8_t count = PatternLength(element, &index);
  return DenseSetMax(regs, index, count);
}

// ---------------------------------------------------------------------------------------------
// Sparse.

bool SparseToDense(std::string* obj) {
  if (EncodingOf(*obj) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  memcpy(dense.data(), obj->data(), kHeaderSize);  // magic and cache
  dense[4] = char(kDense);
  uint8_t* regs = Bytes(&dense) + kHeaderSize;
  uint64_t n = ForEachOp(*obj, true, [&](const Op& op, uint64_t first) {
    if (op.kind != OpKind::kVal) return;
    for (uint32_t k = 0; k < op.len; k++) SetRegister(regs, uint32_t(first + k), op.value);
  });
  if (n != kRegisters) return false;
  *obj = std::move(dense);
  return true;
}

Update SparseSetMax(std::string* obj, uint32_t index, uint8_t count, size_t sparse_max_bytes) {
  if (count > kSparseValMax) return Promote(obj, index, count);

  // Find the opcode covering `index`, and the one before it.
  const uint8_t* base = Bytes(*obj);
  size_t end = obj->size();
  size_t pos = kHeaderSize, prev = 0;
  bool has_prev = false, found = false;
  uint64_t first = 0;
  Op op{};
  while (pos < end) {
    op = DecodeOp(base + pos, base + end);
    if (index <= first + op.len - 1) {
      found = true;
      break;
    }
    prev = pos;
    has_prev = true;
    pos += op.size;
    first += op.len;
  }
  if (!found) return Update::kCorrupt;

  uint8_t* p = Bytes(obj);
  if (op.kind == OpKind::kVal && op.value >= count) return Update::kUnchanged;
  if ((op.kind == OpKind::kVal || op.kind == OpKind::kZero) && op.len == 1) {
    p[pos] = ValOp(count, 1);  // the opcode covers just this register
  } else {
    // Split the opcode into up to three: what precedes the register, the register, what
    // follows it (XZERO-VAL-XZERO at worst: 5 bytes).
    uint8_t seq[5], *n = seq;
    uint64_t last = first + op.len - 1;
    uint32_t before = uint32_t(index - first), after = uint32_t(last - index);
    if (op.kind == OpKind::kVal) {
      if (before) *n++ = ValOp(op.value, before);
      *n++ = ValOp(count, 1);
      if (after) *n++ = ValOp(op.value, after);
    } else {
      if (before) n = PutZeroRun(n, before);
      *n++ = ValOp(count, 1);
      if (after) n = PutZeroRun(n, after);
    }
    size_t seqlen = size_t(n - seq);
    size_t oldlen = std::min<size_t>(op.size, end - pos);
    int64_t delta = int64_t(seqlen) - int64_t(op.size);
    if (delta > 0 && obj->size() + size_t(delta) > sparse_max_bytes) {
      return Promote(obj, index, count);
    }
    // An XZERO cut short by the end lacks a byte: Redis still counts it as two, so the string
    // grows one byte less and the sequence loses its last byte.
    size_t missing = op.size - oldlen;
    obj->replace(pos, oldlen, reinterpret_cast<const char*>(seq), seqlen - missing);
    p = Bytes(obj);
    end = obj->size();
  }

  // Merge runs of equal VALs around the change, scanning a few opcodes from the previous one.
  size_t q = has_prev ? prev : kHeaderSize;
  for (int scan = 5; q < end && scan-- > 0;) {
    if (!IsVal(p[q])) {
      q += DecodeOp(p + q, p + end).size;
      continue;
    }
    if (q + 1 < end && IsVal(p[q + 1])) {
      Op a = DecodeOp(p + q, p + end), b = DecodeOp(p + q + 1, p + end);
      if (a.value == b.value && a.len + b.len <= kSparseValMaxLen) {
        p[q + 1] = ValOp(a.value, a.len + b.len);
        obj->erase(q, 1);
        p = Bytes(obj);
        end = obj->size();
        continue;  // the merged opcode may merge with the next one too
      }
    }
    q++;
  }
  InvalidateCache(p);
  return Update::kChanged;
}

Update Add(std::string* obj, std::string_view element, size_t sparse_max_bytes) {
  switch (EncodingOf(*obj)) {
    case kDense:
      return DenseAdd(Bytes(obj) + kHeaderSize, element) ? Update::kChanged : Update::kUnchanged;
    case kSparse: {
      uint32_t index;
      uint8_t count = PatternLength(element, &index);
      return SparseSetMax(obj, index, count, sparse_max_bytes);
    }
    default:
      return Update::kCorrupt;
  }
}

// ---------------------------------------------------------------------------------------------
// Counting and merging.

bool ComputeHistogram(std::string_view obj, Histogram* h) {
  h->fill(0);
  if (EncodingOf(obj) == kDense) {
    const uint8_t* regs = Bytes(obj) + kHeaderSize;
    for (uint32_t i = 0; i < kRegisters; i++) (*h)[GetRegister(regs, i)]++;
    return true;
  }
  uint64_t n = ForEachOp(obj, false, [&](const Op& op, uint64_t) {
    (*h)[op.kind == OpKind::kVal ? op.value : 0] += op.len;
  });
  return n == kRegisters;
}

Histogram RawHistogram(const uint8_t* max) {
  Histogram h{};
  for (uint32_t i = 0; i < kRegisters; i++) h[max[i] & 63]++;
  return h;
}

uint64_t Estimate(const Histogram& h) {
  const double m = kRegisters;
  double z = m * Tau((m - h[kQ + 1]) / m);
  for (int j = kQ; j >= 1; j--) {
    z += h[j];
    z *= 0.5;
  }
  z += m * Sigma(h[0] / m);
  return uint64_t(std::llround(kAlphaInf * m * m / z));
}

uint64_t Count(std::string_view obj, bool* corrupt) {
  Histogram h;
  if (!ComputeHistogram(obj, &h) && corrupt) *corrupt = true;
  return Estimate(h);
}

bool MergeInto(std::string_view obj, uint8_t* max) {
  if (EncodingOf(obj) == kDense) {
    const uint8_t* regs = Bytes(obj) + kHeaderSize;
    for (uint32_t i = 0; i < kRegisters; i++) max[i] = std::max(max[i], GetRegister(regs, i));
    return true;
  }
  uint64_t n = ForEachOp(obj, true, [&](const Op& op, uint64_t first) {
    if (op.kind != OpKind::kVal) return;
    for (uint32_t k = 0; k < op.len; k++) {
      uint8_t& r = max[first + k];
      r = std::max(r, op.value);
    }
  });
  return n == kRegisters;
}

std::string DecodeSparse(std::string_view obj) {
  std::string out;
  ForEachOp(obj, false, [&](const Op& op, uint64_t) {
    if (!out.empty()) out += ' ';
    switch (op.kind) {
      case OpKind::kZero:
        out += "z:" + std::to_string(op.len);
        break;
      case OpKind::kXzero:
        out += "Z:" + std::to_string(op.len);
        break;
      case OpKind::kVal:
        out += "v:" + std::to_string(op.value) + "," + std::to_string(op.len);
        break;
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Self test.

std::string SelfTest(size_t sparse_max_bytes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string dense(kDenseSize, '\0');
  uint8_t* regs = Bytes(&dense) + kHeaderSize;
  uint8_t expect[kRegisters];

  // Registers keep what was written and do not disturb their neighbours.
  for (int cycle = 0; cycle < 1000; cycle++) {
    uint64_t bits = 0;
    for (uint32_t i = 0; i < kRegisters; i++) {
      if (i % 10 == 0) bits = rng();
      expect[i] = uint8_t(bits & kRegisterMax);
      bits >>= kBits;
      SetRegister(regs, i, expect[i]);
    }
    for (uint32_t i = 0; i < kRegisters; i++) {
      uint8_t got = GetRegister(regs, i);
      if (got != expect[i]) {
        return "TESTFAILED Register " + std::to_string(i) + " should be " +
               std::to_string(expect[i]) + " but is " + std::to_string(got);
      }
    }
  }

  // Estimation error within 6 standard errors at 1, 10, ..., 10^7 distinct elements, with a
  // dense and a sparse HLL fed the same elements agreeing exactly.
  memset(regs, 0, kDenseBodySize);
  std::string sparse = NewSparse();
  const double relerr = 1.04 / std::sqrt(double(kRegisters));
  const uint64_t salt = rng();
  uint64_t checkpoint = 1;
  for (uint64_t j = 1; j <= 10000000; j++) {
    uint64_t ele = j ^ salt;
    std::string_view ev(reinterpret_cast<const char*>(&ele), sizeof(ele));
    DenseAdd(regs, ev);
    Add(&sparse, ev, sparse_max_bytes);
    if (j != checkpoint) continue;
    if (j < sparse_max_bytes / 2 && EncodingOf(sparse) != kSparse) {
      return "TESTFAILED sparse encoding not used";
    }
    uint64_t card = Count(dense, nullptr);
    if (card != Count(sparse, nullptr)) return "TESTFAILED dense/sparse disagree";
    int64_t abserr = int64_t(checkpoint) - int64_t(card);
    if (abserr < 0) abserr = -abserr;
    uint64_t maxerr = uint64_t(std::ceil(relerr * 6 * double(checkpoint)));
    if (j == 10) maxerr = 1;  // collisions make larger errors likely at this size
    if (abserr > int64_t(maxerr)) {
      return "TESTFAILED Too big error. card:" + std::to_string(checkpoint) +
             " abserr:" + std::to_string(abserr);
    }
    checkpoint *= 10;
  }
  return "";
}

}  // namespace ember::hll
