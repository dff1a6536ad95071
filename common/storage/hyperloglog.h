// HyperLogLog in Redis's exact byte format, so that HLL values (which are plain strings) move
// between Ember and Redis through DUMP/RESTORE, RDB files and replication unchanged.
//
// An HLL object is a string:
//
//   [ "HYLL" ][ encoding: 1 byte ][ 3 zero bytes ][ cached cardinality: 8 bytes LE ][ body ]
//
// The cached cardinality is valid only while the top bit of its last byte is clear. The body
// holds 16384 registers (the register a value hashes to is the low 14 bits of its 64-bit
// MurmurHash64A; the register keeps the longest run "0...01" seen in the other 50 bits, 1..51):
//
//  - dense (encoding 0): 6 bits per register, packed from the least significant bit of each
//    byte upwards; the body is exactly 12288 bytes.
//  - sparse (encoding 1): a run-length code over the registers, opcode by opcode:
//      00xxxxxx            ZERO:  xxxxxx+1 (1..64) registers at 0
//      01xxxxxx yyyyyyyy   XZERO: xxxxxxyyyyyyyy+1 (1..16384) registers at 0
//      1vvvvvxx            VAL:   xx+1 (1..4) registers at vvvvv+1 (1..32)
//    A sparse HLL becomes dense when a register needs a value above 32, or when an update
//    would make the string longer than `hll-sparse-max-bytes`.
//
// Functions taking a `std::string*` work on a whole object and may change its encoding;
// functions taking `uint8_t* regs` work in place on a dense body (object + kHeaderSize). None
// of them reads or writes outside the buffer they are given, whatever its contents: corrupt
// objects are reported, never trusted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ember::hll {

inline constexpr int kP = 14;                     // register index bits
inline constexpr int kQ = 64 - kP;                // bits left for the run of zeroes
inline constexpr uint32_t kRegisters = 1u << kP;  // 16384
inline constexpr int kBits = 6;                   // bits per dense register
inline constexpr uint8_t kRegisterMax = (1u << kBits) - 1;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseBodySize = (kRegisters * kBits + 7) / 8;  // 12288
inline constexpr size_t kDenseSize = kHeaderSize + kDenseBodySize;
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;
inline constexpr uint64_t kHashSeed = 0xadc83b19ULL;
inline constexpr uint8_t kSparseValMax = 32;  // largest value a VAL opcode holds
inline constexpr uint32_t kSparseValMaxLen = 4;
inline constexpr uint32_t kSparseZeroMaxLen = 64;
inline constexpr uint32_t kSparseXzeroMaxLen = 16384;

// Replies Redis gives for a corrupt body and for a string that is not an HLL.
inline constexpr std::string_view kErrCorrupt = "-INVALIDOBJ Corrupted HLL object detected";
inline constexpr std::string_view kErrNotHll =
    "-WRONGTYPE Key is not a valid HyperLogLog string value.";

// MurmurHash2, 64-bit variant, reading the input as little-endian words on every host.
uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed);

// The register `element` maps to (*index) and its run length "0...01" (1..kQ+1).
uint8_t PatternLength(std::string_view element, uint32_t* index);

// An empty HLL: sparse, cached cardinality 0 (valid).
std::string NewSparse();

// Redis's header check (done before every use): at least a header, the magic, a known
// encoding, and exactly kDenseSize bytes if dense. The sparse body is not checked here.
bool IsHll(std::string_view obj);
// Encoding byte of an object that passed IsHll.
inline uint8_t EncodingOf(std::string_view obj) { return uint8_t(obj[4]); }

// The cached cardinality in the header of `obj` (kHeaderSize bytes at least).
bool CacheValid(const uint8_t* obj);
uint64_t CachedCardinality(const uint8_t* obj);
void SetCachedCardinality(uint8_t* obj, uint64_t card);
void InvalidateCache(uint8_t* obj);

// Dense registers; `regs` is a kDenseBodySize-byte body, i < kRegisters, v <= kRegisterMax.
uint8_t GetRegister(const uint8_t* regs, uint32_t i);
void SetRegister(uint8_t* regs, uint32_t i, uint8_t v);
// Raises register i to `count` if it is lower; true if it changed.
bool DenseSetMax(uint8_t* regs, uint32_t i, uint8_t count);
bool DenseAdd(uint8_t* regs, std::string_view element);

enum class Update { kCorrupt = -1, kUnchanged = 0, kChanged = 1 };

// Raises register `index` of the sparse object to `count` if it is lower, splitting and
// re-merging opcodes in place. Promotes `obj` to dense when `count` exceeds kSparseValMax or
// the string would grow beyond `sparse_max_bytes`. A change invalidates the sparse cache
// (the caller invalidates it for dense, as Redis's PFADD does).
Update SparseSetMax(std::string* obj, uint32_t index, uint8_t count, size_t sparse_max_bytes);
// Adds `element` to `obj` (either encoding; must pass IsHll).
Update Add(std::string* obj, std::string_view element, size_t sparse_max_bytes);

// Rewrites a sparse object as dense, keeping the header (cache included). A dense object is
// left alone. False, with `obj` unchanged, if the sparse body does not describe exactly
// kRegisters registers.
bool SparseToDense(std::string* obj);

// Number of registers at each value. Values above kQ + 1 (only in a corrupt dense body) are
// counted but ignored by Estimate.
using Histogram = std::array<uint32_t, 64>;
// False if a sparse body does not describe exactly kRegisters registers.
bool ComputeHistogram(std::string_view obj, Histogram* h);
// One byte per register (the form PFCOUNT with several keys and PFMERGE merge into).
Histogram RawHistogram(const uint8_t* max);
// Ertl's improved estimator ("New cardinality estimation algorithms for HyperLogLog
// sketches", 2017), which Redis 7 uses, rounded to the nearest integer.
uint64_t Estimate(const Histogram& h);
// Histogram + Estimate; *corrupt is set when the sparse body is invalid.
uint64_t Count(std::string_view obj, bool* corrupt);

// max[i] = max(max[i], register i of obj) for all registers; `max` has kRegisters bytes. False
// if a sparse body is invalid (max may then be partly updated).
bool MergeInto(std::string_view obj, uint8_t* max);

// PFDEBUG DECODE's text for a sparse body: "Z:16384", "z:3 v:2,1 ...", space-separated.
std::string DecodeSparse(std::string_view obj);

// PFSELFTEST: checks register packing and estimation error up to 10^7 elements (sparse and
// dense side by side). Returns "" on success, else the error reply ("TESTFAILED ...").
std::string SelfTest(size_t sparse_max_bytes, uint64_t seed);

}  // namespace ember::hll
