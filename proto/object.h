// Object types and encodings with Redis's numbering (the RDB type byte and OBJECT ENCODING
// names derive from these).
#pragma once

#include <cstdint>
#include <string_view>

namespace ember::proto {

enum class ObjType : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZSet = 3,
  kHash = 4,
  kModule = 5,
  kStream = 6,
};

enum class Encoding : uint8_t {
  kRaw = 0,
  kInt = 1,
  kHashtable = 2,
  kZipmap = 3,
  kLinkedList = 4,
  kZiplist = 5,
  kIntset = 6,
  kSkiplist = 7,
  kEmbstr = 8,
  kQuicklist = 9,
  kStream = 10,
  kListpack = 11,
};

// Strings up to this length are stored inline with their key ("embstr" in Redis).
inline constexpr size_t kEmbstrMaxLen = 44;

inline std::string_view TypeName(ObjType t) {
  switch (t) {
    case ObjType::kString:
      return "string";
    case ObjType::kList:
      return "list";
    case ObjType::kSet:
      return "set";
    case ObjType::kZSet:
      return "zset";
    case ObjType::kHash:
      return "hash";
    case ObjType::kModule:
      return "module";
    case ObjType::kStream:
      return "stream";
  }
  return "none";
}

inline std::string_view EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kRaw:
      return "raw";
    case Encoding::kInt:
      return "int";
    case Encoding::kHashtable:
      return "hashtable";
    case Encoding::kZipmap:
      return "zipmap";
    case Encoding::kLinkedList:
      return "linkedlist";
    case Encoding::kZiplist:
      return "ziplist";
    case Encoding::kIntset:
      return "intset";
    case Encoding::kSkiplist:
      return "skiplist";
    case Encoding::kEmbstr:
      return "embstr";
    case Encoding::kQuicklist:
      return "quicklist";
    case Encoding::kStream:
      return "stream";
    case Encoding::kListpack:
      return "listpack";
  }
  return "unknown";
}

}  // namespace ember::proto
