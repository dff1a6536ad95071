// Hashes and checksums: keyspace hashing (seeded, flood resistant), CRC16 (cluster slots),
// CRC64 (RDB trailer, Jones polynomial as Redis uses), LZF (RDB string compression).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ember {

// Seeded 64-bit hash for hash tables. The seed is set once at startup from a random source.
void SetHashSeed(uint64_t seed);
uint64_t HashBytes(const void* data, size_t len);
inline uint64_t HashString(std::string_view s) { return HashBytes(s.data(), s.size()); }
// Case-insensitive variant (command table, config names).
uint64_t HashBytesNoCase(const void* data, size_t len);

// CRC16-CCITT (XMODEM) as used for cluster key slots.
uint16_t Crc16(const char* buf, size_t len);
// CRC-64/Jones (reflected, poly 0xad93d23594c935a9) as Redis's crc64, continuing from crc.
uint64_t Crc64(uint64_t crc, const void* data, size_t len);

// LZF (liblzf format). Compress returns 0 if the output would not fit in out_cap.
size_t LzfCompress(const void* in, size_t in_len, void* out, size_t out_cap);
// Returns bytes written, or 0 on corrupt input or not enough room.
size_t LzfDecompress(const void* in, size_t in_len, void* out, size_t out_cap);

// SHA1 of data as 40 lowercase hex chars (OpenSSL).
std::string Sha1Hex(std::string_view data);

}  // namespace ember
