// RESP2/RESP3 wire constants. See https://github.com/redis/redis-specifications (RESP3).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ember::proto {

// First byte of each RESP value.
inline constexpr char kSimpleString = '+';
inline constexpr char kError = '-';
inline constexpr char kInteger = ':';
inline constexpr char kBulkString = '$';
inline constexpr char kArray = '*';
// RESP3 only.
inline constexpr char kNull = '_';
inline constexpr char kDouble = ',';
inline constexpr char kBoolean = '#';
inline constexpr char kBlobError = '!';
inline constexpr char kVerbatim = '=';
inline constexpr char kBigNumber = '(';
inline constexpr char kMap = '%';
inline constexpr char kSetType = '~';
inline constexpr char kAttribute = '|';
inline constexpr char kPush = '>';

// Limits Redis enforces on requests.
inline constexpr size_t kInlineMaxSize = 64 * 1024;      // inline line, or a count line
inline constexpr size_t kIoBufLen = 16 * 1024;           // usual read size
inline constexpr size_t kBigArgSize = 32 * 1024;         // bulk read straight into its own buffer
inline constexpr int64_t kMaxMultibulkLen = 2147483647;  // INT_MAX
inline constexpr int64_t kUnauthMaxMultibulkLen = 10;
inline constexpr int64_t kUnauthMaxBulkLen = 16384;
inline constexpr int64_t kDefaultProtoMaxBulkLen = 512LL * 1024 * 1024;

}  // namespace ember::proto
