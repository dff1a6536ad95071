// Reads RDB files (versions 1 to 10, as Redis 7.0.15 does) and DUMP payload bodies: a strict
// streaming reader that returns a Status on any corruption instead of crashing, and never
// reads or allocates past what the input can hold.
//
// Values come back as unlinked keyspace entries in the encodings Redis would pick for them
// under the given thresholds (e.g. a listpack hash with too many fields becomes a hash
// table). Old encodings (ziplists, zipmaps, QUICKLIST v1, old string-encoded scores) are
// converted on the way in. Streams load in both formats (STREAM_LISTPACKS and _2); module
// values are refused unless a loader is registered for their type byte
// (RegisterRdbValueLoader).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/storage/entry.h"
#include "common/util/status.h"

namespace ember {

// What the loader needs from the configuration.
struct RdbLoadConfig {
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;
  int64_t list_compress_depth = 0;
  // sanitize-dump-payload: walk every listpack/intset/ziplist entry and check for duplicate
  // fields. Without it blobs get the header checks only, as in Redis.
  bool deep_sanitize = false;
  // rdbchecksum (and not DEBUG SET-SKIP-CHECKSUM-VALIDATION): verify the CRC64 trailer.
  bool verify_checksum = true;
};

class RdbReader;

// Receives what Load() finds, in file order.
class RdbVisitor {
 public:
  virtual ~RdbVisitor() = default;
  virtual Status Aux(std::string_view key, std::string_view value) { return Status::OK(); }
  virtual Status SelectDb(uint64_t db) { return Status::OK(); }
  virtual Status ResizeDb(uint64_t keys, uint64_t expires) { return Status::OK(); }
  // A function library (RDB_OPCODE_FUNCTION2 payload, or the pre-GA form translated to it).
  virtual Status Function(std::string code) { return Status::OK(); }
  // A key: takes ownership of `e` (free it with FreeRdbEntry if not kept). expire_ms,
  // lru_idle_s and lfu_freq are -1 when the file has none for this key.
  virtual Status Key(uint64_t db, Entry* e, int64_t expire_ms, int64_t lru_idle_s,
                     int lfu_freq) = 0;
  // An empty value (Redis skips these keys, logging the first ten).
  virtual void EmptyKeySkipped(std::string_view key) {}
};

// Loads the value of another type (stream, module) for `key`: a new entry or an error.
using RdbValueLoader = Status (*)(RdbReader& r, uint8_t rdb_type, std::string_view key,
                                  Entry** out);
void RegisterRdbValueLoader(uint8_t rdb_type, RdbValueLoader fn);

class RdbReader {
 public:
  // Reads `data`, which must outlive the reader.
  explicit RdbReader(std::string_view data);
  // Reads from a file descriptor (not owned) holding `size` more bytes.
  RdbReader(int fd, uint64_t size);
  RdbReader(const RdbReader&) = delete;
  RdbReader& operator=(const RdbReader&) = delete;

  void set_config(const RdbLoadConfig& cfg) { cfg_ = cfg; }
  const RdbLoadConfig& config() const { return cfg_; }
  uint64_t offset() const { return consumed_; }
  int version() const { return version_; }

  // The whole file: header, opcodes, keys, EOF and checksum.
  Status Load(RdbVisitor* v);

  // One value of RDB type `type` for `key`, as a new unlinked entry. Empty values (which
  // Redis skips) give Status kNotFound.
  Status ReadObject(uint8_t type, std::string_view key, Entry** out);
  // A value type byte (RESTORE payloads): one Redis knows as an object type.
  Status ReadObjectType(uint8_t* type);
  static bool IsObjectType(uint8_t t);

  // Primitives.
  Status ReadRaw(void* out, size_t n);
  Status ReadByte(uint8_t* b);
  // A length; *encoded tells a special string encoding (then *len is its kind).
  Status ReadLength(uint64_t* len, bool* encoded);
  Status ReadLength(uint64_t* len);  // plain lengths only
  Status ReadString(std::string* out);
  // A string into a MemAlloc'd buffer the caller owns (blobs: listpacks, intsets, ...).
  Status ReadBlob(uint8_t** out, size_t* len);
  Status ReadBinaryDouble(double* d);
  Status ReadStringDouble(double* d);  // the pre-ZSET_2 form
  // Bytes the input can still hold: an upper bound on any length read from it.
  uint64_t remaining() const;

 private:
  Status Refill(size_t want);
  Status ReadHeaderAndVersion();
  Status ReadLzf(std::string* out, uint8_t** blob, size_t* blob_len);
  Status ReadIntString(uint64_t enc, std::string* out);
  uint64_t RunningCrc();

  Status LoadList(uint8_t type, std::string_view key, Entry** out);
  Status LoadSet(std::string_view key, Entry** out);
  Status LoadZset(uint8_t type, std::string_view key, Entry** out);
  Status LoadHash(std::string_view key, Entry** out);
  Status LoadBlobObject(uint8_t type, std::string_view key, Entry** out);
  Status LoadStream(uint8_t type, std::string_view key, Entry** out);
  Status LoadModule(uint8_t type);
  Status ReadMillis(int64_t* ms);

  RdbLoadConfig cfg_;
  // Memory input, or the current buffer of file input.
  const uint8_t* buf_ = nullptr;
  size_t buf_len_ = 0;
  size_t pos_ = 0;
  int fd_ = -1;
  uint64_t file_left_ = 0;  // bytes of the file not yet in the buffer
  std::vector<uint8_t> storage_;
  uint64_t consumed_ = 0;
  uint64_t crc_ = 0;  // CRC64 of the buffer bytes before crc_pos_ and earlier buffers
  size_t crc_pos_ = 0;
  int version_ = 0;
};

// Frees an entry made by the reader (or any string, list, set, sorted set or hash entry)
// without relying on registered destructors.
void FreeRdbEntry(Entry* e);

// Old compact encodings converted to a listpack holding the same elements, after checking
// every entry (false on any inconsistency). With `pairs` the element count must be even and
// the names at even positions distinct (hash and sorted set ziplists). For zipmaps
// *max_len receives the longest field or value.
bool ZiplistToListpack(const uint8_t* zl, size_t size, bool pairs, uint8_t** lp_out);
bool ZipmapToListpack(const uint8_t* zm, size_t size, uint8_t** lp_out, size_t* max_len);

}  // namespace ember
