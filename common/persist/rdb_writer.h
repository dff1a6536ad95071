// Serializes values in RDB format (v10, as Redis 7.0 writes it) into a byte buffer that can
// be drained to a file or socket as it grows. The keyspace walk lives with the caller
// (server/persistence.cc, replication, DUMP). Strings, lists, sets, sorted sets and hashes
// are written here in the encodings Redis 7.0.15 uses (QUICKLIST_2, INTSET, SET,
// ZSET_LISTPACK, ZSET_2, HASH_LISTPACK, HASH); other types register a writer
// (RegisterRdbValueWriter). Format notes: docs/design/persistence.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/storage/entry.h"

namespace ember {

class RdbWriter {
 public:
  explicit RdbWriter(bool compress = true) : compress_(compress) {}

  // rdbchecksum no: the trailer is eight zero bytes (loaders then skip the check).
  void set_checksum(bool on) { checksum_ = on; }
  // Output drain: once set, MaybeFlush/Flush hand the buffered bytes to `fn` (which returns
  // false on a write error) and clear the buffer. The CRC covers everything drained.
  using SinkFn = bool (*)(void* ctx, std::string_view bytes);
  void SetSink(SinkFn fn, void* ctx) {
    sink_ = fn;
    sink_ctx_ = ctx;
  }
  // Drains when at least `threshold` bytes are buffered. False after a sink error.
  bool MaybeFlush(size_t threshold = 64 * 1024) {
    return out_.size() < threshold ? !sink_failed_ : Flush();
  }
  bool Flush();
  // Bytes produced so far (drained and buffered).
  uint64_t total_bytes() const { return flushed_ + out_.size(); }

  void Header();  // "REDIS0010"
  void Aux(std::string_view key, std::string_view value);
  void AuxInt(std::string_view key, int64_t value);
  void SelectDb(uint64_t db);
  void ResizeDb(uint64_t keys, uint64_t expires);
  void ExpireMs(int64_t when_ms);
  void Idle(uint64_t seconds);
  void Freq(uint8_t counter);
  void Function(std::string_view library_code);  // RDB_OPCODE_FUNCTION2
  // Type byte, key and value of one entry. False if the value type cannot be written.
  bool KeyValue(const Entry* e);
  // Type byte and value without the key (the body of a DUMP payload).
  bool TypeAndValue(const Entry* e);
  void Eof();  // opcode and CRC64 of everything written (0 with checksums off)

  // Primitives for value writers.
  void Byte(uint8_t b) { out_.push_back(char(b)); }
  void Length(uint64_t len);
  void String(std::string_view s);  // int-encoded or LZF-compressed when that is smaller
  void Int64String(int64_t v);
  void BinaryDouble(double d);
  // An already-compressed LZF blob (a compressed quicklist node) of `raw_len` bytes.
  void LzfBlob(std::string_view compressed, size_t raw_len);
  void Raw(std::string_view bytes) { out_.append(bytes); }

  std::string& data() { return out_; }

 private:
  bool compress_;
  bool checksum_ = true;
  bool sink_failed_ = false;
  SinkFn sink_ = nullptr;
  void* sink_ctx_ = nullptr;
  uint64_t crc_ = 0;      // CRC64 of the drained bytes
  uint64_t flushed_ = 0;  // drained bytes
  std::string out_;
};

// The RDB type byte for an entry's type and encoding, or -1 if it has no RDB form.
int RdbTypeOf(const Entry* e);

// How another value type (streams, modules) writes itself: its RDB type byte, and the
// value that follows the key.
struct RdbValueWriter {
  int (*type_byte)(const Entry* e) = nullptr;
  bool (*value)(RdbWriter& w, const Entry* e) = nullptr;
};
void RegisterRdbValueWriter(ObjType type, RdbValueWriter fns);

}  // namespace ember
