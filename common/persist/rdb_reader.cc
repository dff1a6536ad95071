#include "common/persist/rdb_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_set>

#include "common/storage/hash_table.h"
#include "common/storage/intset.h"
#include "common/storage/listpack.h"
#include "common/storage/quicklist.h"
#include "common/storage/set_table.h"
#include "common/storage/stream.h"
#include "common/storage/zset.h"
#include "common/util/hash.h"
#include "common/util/memory.h"
#include "common/util/strings.h"
#include "proto/rdb.h"

namespace ember {
namespace {

using namespace proto::rdb;

constexpr size_t kFileChunk = 256 * 1024;
// Old opcode of the 7.0 release candidates: library name, engine, description, code.
constexpr uint8_t kOpFunctionPreGa = 246;
constexpr uint8_t kTypeModulePreGa = 6;
constexpr uint64_t kModuleOpcodeEof = 0;
constexpr uint64_t kModuleOpcodeUint = 2;
// An LZF back reference expands to at most 264 bytes from 3 input bytes.
constexpr uint64_t kLzfMaxRatio = 90;
constexpr size_t kIntsetHardLimit = size_t(1) << 30;

RdbValueLoader loaders[256] = {};

Status Corrupt(std::string msg) { return Status::Corruption(std::move(msg)); }
Status Eof() { return Status::Corruption("Unexpected EOF reading RDB file"); }

uint32_t Le32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
uint16_t Le16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }

std::string ModuleTypeName(uint64_t id) {
  static const char* kCharset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string name(9, ' ');
  id >>= 10;
  for (int j = 8; j >= 0; j--) {
    name[size_t(j)] = kCharset[id & 63];
    id >>= 6;
  }
  return name;
}

// Frees a value by its type and encoding (no registry needed).
void FreeValueByType(ObjType type, Encoding enc, void* ptr) {
  if (!ptr) return;
  switch (type) {
    case ObjType::kString:
      if (enc == Encoding::kRaw) RawString::Destroy(static_cast<RawString*>(ptr));
      break;
    case ObjType::kList:
      delete static_cast<Quicklist*>(ptr);
      break;
    case ObjType::kSet:
      if (enc == Encoding::kIntset) {
        intset::Free(static_cast<uint8_t*>(ptr));
      } else {
        delete static_cast<SetTable*>(ptr);
      }
      break;
    case ObjType::kZSet:
      zset::DestroyValue(ptr, enc);
      break;
    case ObjType::kHash:
      FreeHashValue(ptr, enc);
      break;
    case ObjType::kStream:
      delete static_cast<Stream*>(ptr);
      break;
    default:
      break;
  }
}

// Owns a value under construction; frees it unless released.
struct ValueGuard {
  ObjType type;
  Encoding enc;
  void* ptr;
  ~ValueGuard() { FreeValueByType(type, enc, ptr); }
  void* release() {
    void* p = ptr;
    ptr = nullptr;
    return p;
  }
};

struct BlobGuard {
  uint8_t* p = nullptr;
  ~BlobGuard() {
    if (p) MemFree(p);
  }
  uint8_t* release() {
    uint8_t* r = p;
    p = nullptr;
    return r;
  }
};

// ---- Ziplist ----------------------------------------------------------------------------

constexpr size_t kZlHeader = 10;
constexpr uint8_t kZlEnd = 0xff;

// Walks a ziplist checking every entry (header, prevlen chain, tail offset, count) and
// calls fn(const lp::Value&) per element. False on any inconsistency.
template <typename Fn>
bool WalkZiplist(const uint8_t* zl, size_t size, Fn&& fn) {
  if (size < kZlHeader + 1) return false;
  if (Le32(zl) != size) return false;
  if (zl[size - 1] != kZlEnd) return false;
  uint32_t tail = Le32(zl + 4);
  if (tail > size - 1) return false;
  uint16_t header_count = Le16(zl + 8);
  const uint8_t* end = zl + size - 1;  // the terminator
  const uint8_t* p = zl + kZlHeader;
  const uint8_t* prev = nullptr;
  size_t prev_len = 0, count = 0;
  while (p < end) {
    size_t left = size_t(end - p);
    // prevlen
    size_t prevlen_size, prevlen;
    if (p[0] < 254) {
      prevlen_size = 1;
      prevlen = p[0];
    } else if (p[0] == 254) {
      if (left < 5) return false;
      prevlen_size = 5;
      prevlen = Le32(p + 1);
    } else {
      return false;
    }
    if (prevlen != prev_len) return false;
    if (left < prevlen_size + 1) return false;
    const uint8_t* q = p + prevlen_size;
    left -= prevlen_size;
    uint8_t enc = q[0];
    size_t header, data_len = 0;
    lp::Value v;
    if ((enc & 0xc0) == 0x00) {
      header = 1;
      data_len = enc & 0x3f;
    } else if ((enc & 0xc0) == 0x40) {
      if (left < 2) return false;
      header = 2;
      data_len = (size_t(enc & 0x3f) << 8) | q[1];
    } else if (enc == 0x80) {
      if (left < 5) return false;
      header = 5;
      data_len = (size_t(q[1]) << 24) | (size_t(q[2]) << 16) | (size_t(q[3]) << 8) | q[4];
    } else if ((enc & 0xc0) == 0x80) {
      return false;
    } else {
      header = 1;
      v.is_int = true;
      switch (enc) {
        case 0xc0:
          data_len = 2;
          break;
        case 0xd0:
          data_len = 4;
          break;
        case 0xe0:
          data_len = 8;
          break;
        case 0xf0:
          data_len = 3;
          break;
        case 0xfe:
          data_len = 1;
          break;
        default:
          if (enc >= 0xf1 && enc <= 0xfd) {
            data_len = 0;
            v.ival = int64_t(enc & 0x0f) - 1;
          } else {
            return false;
          }
      }
    }
    if (left < header || left - header < data_len) return false;
    const uint8_t* d = q + header;
    if (v.is_int) {
      switch (enc) {
        case 0xc0:
          v.ival = int16_t(Le16(d));
          break;
        case 0xd0:
          v.ival = int32_t(Le32(d));
          break;
        case 0xe0: {
          uint64_t x = uint64_t(Le32(d)) | (uint64_t(Le32(d + 4)) << 32);
          v.ival = int64_t(x);
          break;
        }
        case 0xf0: {
          uint32_t x = uint32_t(d[0]) << 8 | uint32_t(d[1]) << 16 | uint32_t(d[2]) << 24;
          v.ival = int32_t(x) >> 8;
          break;
        }
        case 0xfe:
          v.ival = int8_t(d[0]);
          break;
        default:
          break;
      }
    } else {
      v.sval = std::string_view(reinterpret_cast<const char*>(d), data_len);
    }
    size_t entry_len = prevlen_size + header + data_len;
    if (!fn(v)) return false;
    prev = p;
    prev_len = entry_len;
    p += entry_len;
    count++;
  }
  if (p != end) return false;
  size_t tail_expected = prev ? size_t(prev - zl) : kZlHeader;
  if (tail != tail_expected) return false;
  if (header_count != UINT16_MAX && header_count != count) return false;
  return true;
}

uint8_t* LpAppendValue(uint8_t* lp, const lp::Value& v) {
  return v.is_int ? lp::AppendInt(lp, v.ival) : lp::Append(lp, v.sval);
}

// Distinct names at even positions of a pairs listpack (hash fields, zset members).
bool PairsHaveNoDups(uint8_t* lp) {
  std::unordered_set<std::string> seen;
  char buf[32];
  size_t i = 0;
  for (uint8_t* p = lp::First(lp); p; p = lp::Next(lp, p), i++) {
    if (i % 2 == 0 && !seen.emplace(lp::Get(p).AsString(buf)).second) return false;
  }
  return i % 2 == 0;
}

}  // namespace

bool ZiplistToListpack(const uint8_t* zl, size_t size, bool pairs, uint8_t** lp_out) {
  uint8_t* lp = lp::New();
  std::unordered_set<std::string> seen;
  size_t i = 0;
  char buf[32];
  bool ok = WalkZiplist(zl, size, [&](const lp::Value& v) {
    if (pairs && i % 2 == 0 && !seen.emplace(v.AsString(buf)).second) return false;
    i++;
    lp = LpAppendValue(lp, v);
    return true;
  });
  if (ok && pairs && i % 2 != 0) ok = false;
  if (!ok) {
    lp::Free(lp);
    return false;
  }
  *lp_out = lp;
  return true;
}

bool ZipmapToListpack(const uint8_t* zm, size_t size, uint8_t** lp_out, size_t* max_len) {
  // [count][len field][len free value free-bytes]...[0xff]
  if (size < 2 || zm[size - 1] != 0xff) return false;
  const uint8_t* end = zm + size - 1;
  const uint8_t* p = zm + 1;
  auto read_len = [&](size_t* len) {
    if (p >= end) return false;
    if (p[0] < 254) {
      *len = p[0];
      p += 1;
      return true;
    }
    if (p[0] == 255 || end - p < 5) return false;
    *len = Le32(p + 1);
    p += 5;
    return true;
  };
  uint8_t* lp = lp::New();
  std::unordered_set<std::string> seen;
  size_t count = 0;
  *max_len = 0;
  bool ok = true;
  while (ok && p < end) {
    size_t flen, vlen;
    if (!read_len(&flen) || size_t(end - p) < flen) {
      ok = false;
      break;
    }
    std::string_view field(reinterpret_cast<const char*>(p), flen);
    p += flen;
    if (!read_len(&vlen) || p >= end) {
      ok = false;
      break;
    }
    size_t free_bytes = *p++;
    if (size_t(end - p) < vlen || size_t(end - p) - vlen < free_bytes) {
      ok = false;
      break;
    }
    std::string_view value(reinterpret_cast<const char*>(p), vlen);
    p += vlen + free_bytes;
    if (!seen.emplace(field).second || !lp::SafeToAdd(lp, flen + vlen)) {
      ok = false;
      break;
    }
    *max_len = std::max({*max_len, flen, vlen});
    lp = lp::Append(lp, field);
    lp = lp::Append(lp, value);
    count++;
  }
  if (ok && (p != end || count == 0 || (zm[0] != 254 && zm[0] != count))) ok = false;
  if (!ok) {
    lp::Free(lp);
    return false;
  }
  *lp_out = lp;
  return true;
}

void RegisterRdbValueLoader(uint8_t rdb_type, RdbValueLoader fn) { loaders[rdb_type] = fn; }

void FreeRdbEntry(Entry* e) {
  if (!e) return;
  FreeValueByType(e->type(), e->encoding(), e->type() == ObjType::kString ? nullptr : e->v.ptr);
  if (e->type() == ObjType::kString) {
    FreeEntry(e);  // strings need no registered destructor
    return;
  }
  e->set_type_encoding(ObjType::kString, Encoding::kInt);
  FreeEntry(e);
}

// ---- Input --------------------------------------------------------------------------------

RdbReader::RdbReader(std::string_view data)
    : buf_(reinterpret_cast<const uint8_t*>(data.data())), buf_len_(data.size()) {}

RdbReader::RdbReader(int fd, uint64_t size) : fd_(fd), file_left_(size) {}

uint64_t RdbReader::remaining() const { return (buf_len_ - pos_) + file_left_; }

uint64_t RdbReader::RunningCrc() {
  if (crc_pos_ < pos_) {
    crc_ = Crc64(crc_, buf_ + crc_pos_, pos_ - crc_pos_);
    crc_pos_ = pos_;
  }
  return crc_;
}

// Makes at least `want` bytes available in the buffer (file input only).
Status RdbReader::Refill(size_t want) {
  if (fd_ < 0) return Eof();
  RunningCrc();
  size_t keep = buf_len_ - pos_;
  size_t cap = std::max(kFileChunk, want);
  if (storage_.size() < cap) storage_.resize(cap);
  if (keep) memmove(storage_.data(), buf_ + pos_, keep);
  buf_ = storage_.data();
  buf_len_ = keep;
  pos_ = crc_pos_ = 0;
  size_t target = size_t(std::min<uint64_t>(cap, uint64_t(keep) + file_left_));
  while (buf_len_ < target) {
    ssize_t n = read(fd_, storage_.data() + buf_len_, target - buf_len_);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? Status::IOError(strerror(errno)) : Eof();
    buf_len_ += size_t(n);
    file_left_ -= uint64_t(n);
  }
  if (buf_len_ < want) return Eof();
  return Status::OK();
}

Status RdbReader::ReadRaw(void* out, size_t n) {
  if (n > remaining()) return Eof();
  auto* dst = static_cast<uint8_t*>(out);
  while (n > 0) {
    if (pos_ == buf_len_) {
      Status st = Refill(std::min(n, kFileChunk));
      if (!st.ok()) return st;
    }
    size_t take = std::min(n, buf_len_ - pos_);
    memcpy(dst, buf_ + pos_, take);
    pos_ += take;
    dst += take;
    n -= take;
    consumed_ += take;
  }
  return Status::OK();
}

Status RdbReader::ReadByte(uint8_t* b) {
  if (pos_ < buf_len_) {
    *b = buf_[pos_++];
    consumed_++;
    return Status::OK();
  }
  return ReadRaw(b, 1);
}

Status RdbReader::ReadLength(uint64_t* len, bool* encoded) {
  uint8_t b;
  Status st = ReadByte(&b);
  if (!st.ok()) return st;
  *encoded = false;
  int type = (b & 0xc0) >> 6;
  if (type == kEncVal) {
    *encoded = true;
    *len = b & 0x3f;
  } else if (type == kLen6Bit) {
    *len = b & 0x3f;
  } else if (type == kLen14Bit) {
    uint8_t b2;
    if (!(st = ReadByte(&b2)).ok()) return st;
    *len = (uint64_t(b & 0x3f) << 8) | b2;
  } else if (b == kLen32Bit) {
    uint8_t x[4];
    if (!(st = ReadRaw(x, 4)).ok()) return st;
    *len = (uint64_t(x[0]) << 24) | (uint64_t(x[1]) << 16) | (uint64_t(x[2]) << 8) | x[3];
  } else if (b == kLen64Bit) {
    uint8_t x[8];
    if (!(st = ReadRaw(x, 8)).ok()) return st;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | x[i];
    *len = v;
  } else {
    return Corrupt("Unknown length encoding " + std::to_string(type) + " in rdbLoadLen()");
  }
  return Status::OK();
}

Status RdbReader::ReadLength(uint64_t* len) {
  bool encoded;
  Status st = ReadLength(len, &encoded);
  if (st.ok() && encoded) return Corrupt("Unexpected string encoding where a length belongs");
  return st;
}

Status RdbReader::ReadIntString(uint64_t enc, std::string* out) {
  uint8_t x[4];
  int64_t v;
  Status st;
  if (enc == kEncInt8) {
    if (!(st = ReadRaw(x, 1)).ok()) return st;
    v = int8_t(x[0]);
  } else if (enc == kEncInt16) {
    if (!(st = ReadRaw(x, 2)).ok()) return st;
    v = int16_t(Le16(x));
  } else {
    if (!(st = ReadRaw(x, 4)).ok()) return st;
    v = int32_t(Le32(x));
  }
  char buf[24];
  out->assign(buf, Int64ToChars(v, buf));
  return Status::OK();
}

// LZF string: compressed length, raw length, data. Into *out, or a MemAlloc'd *blob.
Status RdbReader::ReadLzf(std::string* out, uint8_t** blob, size_t* blob_len) {
  uint64_t clen, len;
  Status st;
  if (!(st = ReadLength(&clen)).ok() || !(st = ReadLength(&len)).ok()) return st;
  if (clen > remaining()) return Eof();
  if (clen == 0 || len > clen * kLzfMaxRatio + 64) return Corrupt("Invalid LZF compressed string");
  std::string c(clen, '\0');
  if (!(st = ReadRaw(c.data(), clen)).ok()) return st;
  if (out) {
    out->resize(len);
    if (len && LzfDecompress(c.data(), clen, out->data(), len) != len) {
      return Corrupt("Invalid LZF compressed string");
    }
    return Status::OK();
  }
  auto* b = static_cast<uint8_t*>(MemAlloc(len ? len : 1));
  if (len && LzfDecompress(c.data(), clen, b, len) != len) {
    MemFree(b);
    return Corrupt("Invalid LZF compressed string");
  }
  *blob = b;
  *blob_len = len;
  return Status::OK();
}

Status RdbReader::ReadString(std::string* out) {
  uint64_t len;
  bool encoded;
  Status st = ReadLength(&len, &encoded);
  if (!st.ok()) return st;
  if (encoded) {
    switch (len) {
      case kEncInt8:
      case kEncInt16:
      case kEncInt32:
        return ReadIntString(len, out);
      case kEncLzf:
        return ReadLzf(out, nullptr, nullptr);
      default:
        return Corrupt("Unknown RDB string encoding type " + std::to_string(len));
    }
  }
  if (len > remaining()) return Eof();
  out->resize(len);
  return ReadRaw(out->data(), len);
}

Status RdbReader::ReadBlob(uint8_t** out, size_t* out_len) {
  uint64_t len;
  bool encoded;
  Status st = ReadLength(&len, &encoded);
  if (!st.ok()) return st;
  if (encoded) {
    if (len == kEncLzf) return ReadLzf(nullptr, out, out_len);
    std::string s;
    if (len == kEncInt8 || len == kEncInt16 || len == kEncInt32) {
      if (!(st = ReadIntString(len, &s)).ok()) return st;
    } else {
      return Corrupt("Unknown RDB string encoding type " + std::to_string(len));
    }
    auto* b = static_cast<uint8_t*>(MemAlloc(s.size()));
    memcpy(b, s.data(), s.size());
    *out = b;
    *out_len = s.size();
    return Status::OK();
  }
  if (len > remaining()) return Eof();
  auto* b = static_cast<uint8_t*>(MemAlloc(len ? len : 1));
  if (!(st = ReadRaw(b, len)).ok()) {
    MemFree(b);
    return st;
  }
  *out = b;
  *out_len = len;
  return Status::OK();
}

Status RdbReader::ReadBinaryDouble(double* d) {
  uint8_t x[8];
  Status st = ReadRaw(x, 8);
  if (!st.ok()) return st;
  uint64_t bits = uint64_t(Le32(x)) | (uint64_t(Le32(x + 4)) << 32);
  memcpy(d, &bits, 8);
  return Status::OK();
}

Status RdbReader::ReadStringDouble(double* d) {
  uint8_t len;
  Status st = ReadByte(&len);
  if (!st.ok()) return st;
  switch (len) {
    case 255:
      *d = -HUGE_VAL;
      return Status::OK();
    case 254:
      *d = HUGE_VAL;
      return Status::OK();
    case 253:
      *d = NAN;
      return Status::OK();
    default:
      break;
  }
  char buf[256];
  if (!(st = ReadRaw(buf, len)).ok()) return st;
  buf[len] = '\0';
  if (sscanf(buf, "%lg", d) != 1) return Corrupt("Invalid double value");
  return Status::OK();
}

// ---- Values -------------------------------------------------------------------------------

bool RdbReader::IsObjectType(uint8_t t) { return t <= 7 || (t >= 9 && t <= 19); }

Status RdbReader::ReadObjectType(uint8_t* type) {
  Status st = ReadByte(type);
  if (!st.ok()) return st;
  if (!IsObjectType(*type)) return Corrupt("Unknown RDB encoding type " + std::to_string(*type));
  return Status::OK();
}

namespace {
Status EmptyKey() { return Status::NotFound("empty key"); }
}  // namespace

Status RdbReader::ReadObject(uint8_t type, std::string_view key, Entry** out) {
  *out = nullptr;
  if (loaders[type]) return loaders[type](*this, type, key, out);
  switch (type) {
    case kTypeString: {
      std::string v;
      Status st = ReadString(&v);
      if (!st.ok()) return st;
      *out = Entry::NewString(key, v);
      return Status::OK();
    }
    case kTypeList:
    case kTypeListQuicklist:
    case kTypeListQuicklist2:
      return LoadList(type, key, out);
    case kTypeSet:
      return LoadSet(key, out);
    case kTypeZset:
    case kTypeZset2:
      return LoadZset(type, key, out);
    case kTypeHash:
      return LoadHash(key, out);
    case kTypeHashZipmap:
    case kTypeListZiplist:
    case kTypeSetIntset:
    case kTypeZsetZiplist:
    case kTypeZsetListpack:
    case kTypeHashZiplist:
    case kTypeHashListpack:
      return LoadBlobObject(type, key, out);
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2:
      return LoadStream(type, key, out);
    case kTypeModulePreGa:
    case kTypeModule2:
      return LoadModule(type);
    default:
      return Corrupt("Unknown RDB encoding type " + std::to_string(type));
  }
}

Status RdbReader::ReadMillis(int64_t* ms) {
  uint8_t x[8];
  Status st = ReadRaw(x, 8);
  if (st.ok()) *ms = int64_t(uint64_t(Le32(x)) | (uint64_t(Le32(x + 4)) << 32));
  return st;
}

Status RdbReader::LoadStream(uint8_t type, std::string_view key, Entry** out) {
  auto* s = new Stream();
  ValueGuard guard{ObjType::kStream, Encoding::kStream, s};
  uint64_t nodes;
  Status st = ReadLength(&nodes);
  if (!st.ok()) return st;
  std::string node_key;
  while (nodes--) {
    if (!(st = ReadString(&node_key)).ok()) return st;
    if (node_key.size() != 16)
      return Corrupt("Stream node key entry is not the size of a stream ID");
    BlobGuard lp;
    size_t n;
    if (!(st = ReadBlob(&lp.p, &n)).ok()) return st;
    if (!Stream::ValidateListpack(lp.p, n, cfg_.deep_sanitize)) {
      return Corrupt("Stream listpack integrity check failed.");
    }
    if (!lp::First(lp.p)) return Corrupt("Empty listpack inside stream");
    StreamID master = StreamID::Decode(reinterpret_cast<const uint8_t*>(node_key.data()));
    if (!s->AddNode(master, lp.p)) return Corrupt("Listpack re-added with existing key");
    lp.release();
  }
  auto read_id = [&](StreamID* id) {
    Status r = ReadLength(&id->ms);
    return r.ok() ? ReadLength(&id->seq) : r;
  };
  if (!(st = ReadLength(&s->length)).ok() || !(st = read_id(&s->last_id)).ok()) return st;
  if (type == kTypeStreamListpacks2) {
    if (!(st = read_id(&s->first_id)).ok() || !(st = read_id(&s->max_deleted_entry_id)).ok() ||
        !(st = ReadLength(&s->entries_added)).ok()) {
      return st;
    }
  } else {
    s->max_deleted_entry_id = StreamID{};
    s->entries_added = s->length;
    s->first_id = s->EdgeID(true, true);
  }
  if (s->length && s->nodes().empty()) {
    return Corrupt("Stream length inconsistent with rax entries");
  }
  uint64_t groups;
  if (!(st = ReadLength(&groups)).ok()) return st;
  std::string name;
  while (groups--) {
    StreamID last;
    if (!(st = ReadString(&name)).ok() || !(st = read_id(&last)).ok()) return st;
    int64_t entries_read;
    if (type == kTypeStreamListpacks2) {
      uint64_t v;
      if (!(st = ReadLength(&v)).ok()) return st;
      entries_read = int64_t(v);
    } else {
      entries_read = s->EstimateDistanceFromFirstEverEntry(last);
    }
    StreamCG* cg = s->CreateGroup(name, last, entries_read);
    if (!cg) return Corrupt("Duplicated consumer group name " + name);
    uint64_t pel;
    if (!(st = ReadLength(&pel)).ok()) return st;
    while (pel--) {
      uint8_t raw[16];
      int64_t when;
      uint64_t count;
      if (!(st = ReadRaw(raw, 16)).ok() || !(st = ReadMillis(&when)).ok() ||
          !(st = ReadLength(&count)).ok()) {
        return st;
      }
      StreamID id = StreamID::Decode(raw);
      if (cg->pel.count(id)) {
        return Corrupt("Duplicated global PEL entry loading stream consumer group");
      }
      auto* nack = new StreamNack;
      nack->delivery_time = when;
      nack->delivery_count = count;
      cg->pel.emplace(id, nack);
    }
    uint64_t consumers;
    if (!(st = ReadLength(&consumers)).ok()) return st;
    while (consumers--) {
      int64_t seen;
      if (!(st = ReadString(&name)).ok()) return st;
      StreamConsumer* consumer = cg->CreateConsumer(name, 0);
      if (!consumer) return Corrupt("Duplicate stream consumer detected.");
      if (!(st = ReadMillis(&seen)).ok()) return st;
      consumer->seen_time = seen;
      uint64_t owned;
      if (!(st = ReadLength(&owned)).ok()) return st;
      while (owned--) {
        uint8_t raw[16];
        if (!(st = ReadRaw(raw, 16)).ok()) return st;
        StreamID id = StreamID::Decode(raw);
        auto it = cg->pel.find(id);
        if (it == cg->pel.end()) return Corrupt("Consumer entry not found in group global PEL");
        if (!consumer->pel.emplace(id, it->second).second) {
          return Corrupt("Duplicated consumer PEL entry  loading a stream consumer group");
        }
        it->second->consumer = consumer;
      }
    }
    // Every pending entry needs an owner (Redis checks this only when sanitizing; Ember's
    // commands rely on it, so it is always checked).
    for (const auto& [id, nack] : cg->pel) {
      if (!nack->consumer) return Corrupt("Stream CG PEL entry without consumer");
    }
  }
  *out = Entry::NewObject(key, ObjType::kStream, Encoding::kStream, guard.release());
  return Status::OK();
}

Status RdbReader::LoadModule(uint8_t type) {
  uint64_t id;
  Status st = ReadLength(&id);
  if (!st.ok()) return Corrupt("Short read module id");
  return Status::NotSupported(
      "The RDB file contains module data I can't load: no matching module type '" +
      ModuleTypeName(id) + "'");
}

Status RdbReader::LoadList(uint8_t type, std::string_view key, Entry** out) {
  uint64_t len;
  Status st = ReadLength(&len);
  if (!st.ok()) return st;
  if (len == 0) return EmptyKey();
  auto* ql = new Quicklist(int(cfg_.list_max_listpack_size), int(cfg_.list_compress_depth));
  ValueGuard guard{ObjType::kList, Encoding::kQuicklist, ql};
  if (type == kTypeList) {
    std::string v;
    while (len--) {
      if (!(st = ReadString(&v)).ok()) return st;
      ql->PushTail(v);
    }
  } else {
    while (len--) {
      uint64_t container = kQuicklistNodePacked;
      if (type == kTypeListQuicklist2) {
        if (!(st = ReadLength(&container)).ok()) return st;
        if (container != kQuicklistNodePacked && container != kQuicklistNodePlain) {
          return Corrupt("Quicklist integrity check failed.");
        }
      }
      BlobGuard data;
      size_t n;
      if (!(st = ReadBlob(&data.p, &n)).ok()) return st;
      if (n == 0) return Corrupt("Quicklist node is empty");
      if (container == kQuicklistNodePlain) {
        ql->AppendPlainNode(data.release(), n);
        continue;
      }
      uint8_t* lp;
      if (type == kTypeListQuicklist2) {
        if (!lp::Validate(data.p, n, cfg_.deep_sanitize)) {
          return Corrupt("Listpack integrity check failed.");
        }
        lp = data.release();
      } else if (!ZiplistToListpack(data.p, n, false, &lp)) {
        return Corrupt("Ziplist integrity check failed.");
      }
      if (lp::Length(lp) == 0) {  // skipped silently, as Redis does
        lp::Free(lp);
        continue;
      }
      ql->AppendListpack(lp);
    }
  }
  if (ql->Count() == 0) return EmptyKey();
  *out = Entry::NewObject(key, ObjType::kList, Encoding::kQuicklist, guard.release());
  return Status::OK();
}

Status RdbReader::LoadSet(std::string_view key, Entry** out) {
  uint64_t len;
  Status st = ReadLength(&len);
  if (!st.ok()) return st;
  if (len == 0) return EmptyKey();
  size_t max_entries = size_t(std::max<int64_t>(0, cfg_.set_max_intset_entries));
  max_entries = std::min(max_entries, kIntsetHardLimit);
  ValueGuard v{ObjType::kSet, Encoding::kIntset, nullptr};
  if (len > max_entries) {
    v.enc = Encoding::kHashtable;
    v.ptr = new SetTable();
  } else {
    v.ptr = intset::New();
  }
  std::string m;
  for (uint64_t i = 0; i < len; i++) {
    if (!(st = ReadString(&m)).ok()) return st;
    if (v.enc == Encoding::kIntset) {
      int64_t iv;
      if (StringToInt64(m, &iv)) {
        bool added;
        v.ptr = intset::Add(static_cast<uint8_t*>(v.ptr), iv, &added);
        if (!added) return Corrupt("Duplicate set members detected");
        continue;
      }
      auto* t = new SetTable();
      auto* is = static_cast<uint8_t*>(v.ptr);
      char buf[24];
      for (uint32_t j = 0, n = intset::Length(is); j < n; j++) {
        t->Add({buf, Int64ToChars(intset::Get(is, j), buf)});
      }
      intset::Free(is);
      v.enc = Encoding::kHashtable;
      v.ptr = t;
    }
    if (!static_cast<SetTable*>(v.ptr)->Add(m)) return Corrupt("Duplicate set members detected");
  }
  Encoding enc = v.enc;
  *out = Entry::NewObject(key, ObjType::kSet, enc, v.release());
  return Status::OK();
}

Status RdbReader::LoadZset(uint8_t type, std::string_view key, Entry** out) {
  uint64_t len;
  Status st = ReadLength(&len);
  if (!st.ok()) return st;
  if (len == 0) return EmptyKey();
  zset::ZSet* zs = zset::ZSet::Create();
  ValueGuard guard{ObjType::kZSet, Encoding::kSkiplist, zs};
  size_t maxelelen = 0, totelelen = 0;
  std::string m;
  while (len--) {
    double score;
    if (!(st = ReadString(&m)).ok()) return st;
    st = type == kTypeZset2 ? ReadBinaryDouble(&score) : ReadStringDouble(&score);
    if (!st.ok()) return st;
    if (std::isnan(score)) return Corrupt("Zset with NAN score detected");
    if (zs->Find(m)) return Corrupt("Duplicate zset fields detected");
    maxelelen = std::max(maxelelen, m.size());
    totelelen += m.size();
    zs->Insert(score, m);
  }
  Entry* e = Entry::NewObject(key, ObjType::kZSet, Encoding::kSkiplist, guard.release());
  zset::Limits limits;
  limits.max_entries = size_t(std::max<int64_t>(0, cfg_.zset_max_listpack_entries));
  limits.max_value = size_t(std::max<int64_t>(0, cfg_.zset_max_listpack_value));
  zset::ConvertToListpackIfNeeded(e, limits, maxelelen, totelelen);
  *out = e;
  return Status::OK();
}

Status RdbReader::LoadHash(std::string_view key, Entry** out) {
  uint64_t len;
  Status st = ReadLength(&len);
  if (!st.ok()) return st;
  if (len == 0) return EmptyKey();
  size_t max_entries = size_t(std::max<int64_t>(0, cfg_.hash_max_listpack_entries));
  size_t max_value = size_t(std::max<int64_t>(0, cfg_.hash_max_listpack_value));
  ValueGuard v{ObjType::kHash, Encoding::kListpack, nullptr};
  if (len > max_entries) {
    v.enc = Encoding::kHashtable;
    v.ptr = new HashTable();
  } else {
    v.ptr = lp::New();
  }
  std::unordered_set<std::string> fields;
  std::string f, val;
  while (len > 0) {
    len--;
    if (!(st = ReadString(&f)).ok() || !(st = ReadString(&val)).ok()) return st;
    if (v.enc == Encoding::kListpack) {
      auto* lp = static_cast<uint8_t*>(v.ptr);
      if (f.size() > max_value || val.size() > max_value ||
          !lp::SafeToAdd(lp, f.size() + val.size())) {
        HashTable* ht = HashTableFromListpack(lp);
        if (!ht) return Corrupt("Hash with dup elements");
        lp::Free(lp);
        v.enc = Encoding::kHashtable;
        v.ptr = ht;
      } else {
        if (!fields.insert(f).second) return Corrupt("Hash with dup elements");
        lp = lp::Append(lp, f);
        v.ptr = lp = lp::Append(lp, val);
        continue;
      }
    }
    if (!static_cast<HashTable*>(v.ptr)->Set(f, val)) {
      return Corrupt("Duplicate hash fields detected");
    }
  }
  Encoding enc = v.enc;
  *out = Entry::NewObject(key, ObjType::kHash, enc, v.release());
  return Status::OK();
}

Status RdbReader::LoadBlobObject(uint8_t type, std::string_view key, Entry** out) {
  BlobGuard blob;
  size_t n;
  Status st = ReadBlob(&blob.p, &n);
  if (!st.ok()) return st;
  const bool deep = cfg_.deep_sanitize;
  switch (type) {
    case kTypeSetIntset: {
      if (!intset::Validate(blob.p, n, deep)) return Corrupt("Intset integrity check failed.");
      uint8_t* is = intset::FromBytes(blob.p, n);
      Entry* e = Entry::NewObject(key, ObjType::kSet, Encoding::kIntset, is);
      if (int64_t(intset::Length(is)) > cfg_.set_max_intset_entries) {
        auto* t = new SetTable();
        char buf[24];
        for (uint32_t j = 0, cnt = intset::Length(is); j < cnt; j++) {
          t->Add({buf, Int64ToChars(intset::Get(is, j), buf)});
        }
        intset::Free(is);
        e->set_type_encoding(ObjType::kSet, Encoding::kHashtable);
        e->v.ptr = t;
      }
      *out = e;
      return Status::OK();
    }
    case kTypeListZiplist: {
      auto* ql = new Quicklist(int(cfg_.list_max_listpack_size), int(cfg_.list_compress_depth));
      ValueGuard guard{ObjType::kList, Encoding::kQuicklist, ql};
      char buf[24];
      bool ok = WalkZiplist(blob.p, n, [&](const lp::Value& v) {
        ql->PushTail(v.AsString(buf));
        return true;
      });
      if (!ok) return Corrupt("List ziplist integrity check failed.");
      if (ql->Count() == 0) return EmptyKey();
      *out = Entry::NewObject(key, ObjType::kList, Encoding::kQuicklist, guard.release());
      return Status::OK();
    }
    case kTypeZsetZiplist:
    case kTypeZsetListpack: {
      uint8_t* lp;
      if (type == kTypeZsetZiplist) {
        if (!ZiplistToListpack(blob.p, n, true, &lp)) {
          return Corrupt("Zset ziplist integrity check failed.");
        }
      } else {
        if (!zset::LpValidateIntegrity(blob.p, n, deep)) {
          return Corrupt("Zset listpack integrity check failed.");
        }
        lp = blob.release();
      }
      Entry* e = Entry::NewObject(key, ObjType::kZSet, Encoding::kListpack, lp);
      size_t len = zset::LpLength(lp);
      if (len == 0) {
        FreeRdbEntry(e);
        return EmptyKey();
      }
      if (int64_t(len) > cfg_.zset_max_listpack_entries) zset::Convert(e, Encoding::kSkiplist);
      *out = e;
      return Status::OK();
    }
    case kTypeHashZipmap:
    case kTypeHashZiplist:
    case kTypeHashListpack: {
      uint8_t* lp;
      size_t max_len = 0;
      if (type == kTypeHashZipmap) {
        if (!ZipmapToListpack(blob.p, n, &lp, &max_len)) {
          return Corrupt("Zipmap integrity check failed.");
        }
      } else if (type == kTypeHashZiplist) {
        if (!ZiplistToListpack(blob.p, n, true, &lp)) {
          return Corrupt("Hash ziplist integrity check failed.");
        }
      } else {
        if (!lp::Validate(blob.p, n, deep) || (deep && !PairsHaveNoDups(blob.p))) {
          return Corrupt("Hash listpack integrity check failed.");
        }
        lp = blob.release();
      }
      ValueGuard guard{ObjType::kHash, Encoding::kListpack, lp};
      size_t len = lp::Length(lp) / 2;
      if (len == 0) return EmptyKey();
      bool convert = int64_t(len) > cfg_.hash_max_listpack_entries ||
                     (type == kTypeHashZipmap && int64_t(max_len) > cfg_.hash_max_listpack_value);
      if (convert) {
        HashTable* ht = HashTableFromListpack(lp);
        if (!ht) return Corrupt("Listpack corruption detected: listpack with dup elements");
        *out = Entry::NewObject(key, ObjType::kHash, Encoding::kHashtable, ht);
        return Status::OK();
      }
      *out = Entry::NewObject(key, ObjType::kHash, Encoding::kListpack, guard.release());
      return Status::OK();
    }
    default:
      return Corrupt("Unknown RDB encoding type " + std::to_string(type));
  }
}

// ---- Whole file ---------------------------------------------------------------------------

Status RdbReader::ReadHeaderAndVersion() {
  char buf[10] = {};
  Status st = ReadRaw(buf, 9);
  if (!st.ok()) return st;
  if (memcmp(buf, kMagic, 5) != 0) {
    return Status::InvalidArgument("Wrong signature trying to load DB from file");
  }
  for (int i = 5; i < 9; i++) {
    if (buf[i] < '0' || buf[i] > '9') {
      return Status::InvalidArgument("Can't handle RDB format version " + std::string(buf + 5));
    }
  }
  version_ = atoi(buf + 5);
  if (version_ < 1 || version_ > kVersion) {
    return Status::InvalidArgument("Can't handle RDB format version " + std::to_string(version_));
  }
  return Status::OK();
}

Status RdbReader::Load(RdbVisitor* v) {
  Status st = ReadHeaderAndVersion();
  if (!st.ok()) return st;
  uint64_t db = 0;
  int64_t expire = -1, lru_idle = -1;
  int lfu_freq = -1;
  while (true) {
    uint8_t type;
    if (!(st = ReadByte(&type)).ok()) return st;
    switch (type) {
      case kOpExpireTime: {
        uint8_t x[4];
        if (!(st = ReadRaw(x, 4)).ok()) return st;
        expire = int64_t(int32_t(Le32(x))) * 1000;
        continue;
      }
      case kOpExpireTimeMs: {
        uint8_t x[8];
        if (!(st = ReadRaw(x, 8)).ok()) return st;
        expire = int64_t(uint64_t(Le32(x)) | (uint64_t(Le32(x + 4)) << 32));
        continue;
      }
      case kOpFreq: {
        uint8_t b;
        if (!(st = ReadByte(&b)).ok()) return st;
        lfu_freq = b;
        continue;
      }
      case kOpIdle: {
        uint64_t idle;
        if (!(st = ReadLength(&idle)).ok()) return st;
        lru_idle = int64_t(std::min<uint64_t>(idle, INT64_MAX));
        continue;
      }
      case kOpEof:
        break;
      case kOpSelectDb:
        if (!(st = ReadLength(&db)).ok() || !(st = v->SelectDb(db)).ok()) return st;
        continue;
      case kOpResizeDb: {
        uint64_t keys, expires;
        if (!(st = ReadLength(&keys)).ok() || !(st = ReadLength(&expires)).ok()) return st;
        if (!(st = v->ResizeDb(keys, expires)).ok()) return st;
        continue;
      }
      case kOpAux: {
        std::string k, val;
        if (!(st = ReadString(&k)).ok() || !(st = ReadString(&val)).ok()) return st;
        if (!(st = v->Aux(k, val)).ok()) return st;
        continue;
      }
      case kOpModuleAux: {
        uint64_t id, when_opcode, when;
        if (!(st = ReadLength(&id)).ok() || !(st = ReadLength(&when_opcode)).ok() ||
            !(st = ReadLength(&when)).ok()) {
          return st;
        }
        if (when_opcode != kModuleOpcodeUint) return Corrupt("bad when_opcode");
        (void)kModuleOpcodeEof;
        return Status::NotSupported(
            "The RDB file contains AUX module data I can't load: no matching module '" +
            ModuleTypeName(id) + "'");
      }
      case kOpFunction2: {
        std::string code;
        if (!(st = ReadString(&code)).ok()) {
          return Corrupt("Failed loading library, Failed loading library payload");
        }
        if (!(st = v->Function(std::move(code))).ok()) return st;
        continue;
      }
      case kOpFunctionPreGa: {
        std::string name, engine, desc, blob;
        uint64_t has_desc;
        if (!(st = ReadString(&name)).ok() || !(st = ReadString(&engine)).ok() ||
            !(st = ReadLength(&has_desc)).ok() || (has_desc && !(st = ReadString(&desc)).ok()) ||
            !(st = ReadString(&blob)).ok()) {
          return Corrupt("Failed loading library, " + st.message());
        }
        std::string code = "#!" + engine + " name=" + name + "\n" + blob;
        if (!(st = v->Function(std::move(code))).ok()) return st;
        continue;
      }
      default: {
        std::string key;
        if (!(st = ReadString(&key)).ok()) return st;
        if (!IsObjectType(type))
          return Corrupt("Unknown RDB encoding type " + std::to_string(type));
        Entry* e = nullptr;
        st = ReadObject(type, key, &e);
        if (st.code() == Status::Code::kNotFound) {
          v->EmptyKeySkipped(key);
        } else if (!st.ok()) {
          return st;
        } else if (!(st = v->Key(db, e, expire, lru_idle, lfu_freq)).ok()) {
          return st;
        }
        expire = lru_idle = -1;
        lfu_freq = -1;
        continue;
      }
    }
    break;  // EOF opcode
  }
  if (version_ >= 5) {
    uint64_t expected = fd_ >= 0 ? RunningCrc() : Crc64(0, buf_, pos_);
    uint8_t x[8];
    if (!(st = ReadRaw(x, 8)).ok()) return st;
    uint64_t got = uint64_t(Le32(x)) | (uint64_t(Le32(x + 4)) << 32);
    if (cfg_.verify_checksum && got != 0 && got != expected) {
      char msg[160];
      snprintf(msg, sizeof(msg),
               "Wrong RDB checksum expected: (%llx) but got (%llx). RDB CRC error",
               static_cast<unsigned long long>(expected), static_cast<unsigned long long>(got));
      return Corrupt(msg);
    }
  }
  return Status::OK();
}

}  // namespace ember
