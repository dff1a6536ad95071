// Serializes values in RDB format (v10) into a byte buffer. The keyspace walk lives with the
// caller; each value type registers how it writes itself (RegisterRdbValueWriter).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/storage/entry.h"

namespace ember {

class RdbWriter {
 public:
  explicit RdbWriter(bool compress = true) : compress_(compress) {}

  void Header();                     // "REDIS0010"
  void Aux(std::string_view key, std::string_view value);
  void AuxInt(std::string_view key, int64_t value);
  void SelectDb(uint64_t db);
  void ResizeDb(uint64_t keys, uint64_t expires);
  void ExpireMs(int64_t when_ms);
  void Idle(uint64_t seconds);
  void Freq(uint8_t counter);
  // Type byte, key and value of one entry. False if the value type cannot be written.
  bool KeyValue(const Entry* e);
  void Eof();  // opcode and CRC64 of everything written

  // Primitives for value writers.
  void Byte(uint8_t b) { out_.push_back(char(b)); }
  void Length(uint64_t len);
  void String(std::string_view s);  // int-encoded or LZF-compressed when that is smaller
  void Int64String(int64_t v);
  void BinaryDouble(double d);
  void Raw(std::string_view bytes) { out_.append(bytes); }

  std::string& data() { return out_; }

 private:
  bool compress_;
  std::string out_;
};

// Writes the type byte and value of a non-string entry. Registered per type.
using RdbValueWriter = bool (*)(RdbWriter& w, const Entry* e);
void RegisterRdbValueWriter(ObjType type, RdbValueWriter fn);

}  // namespace ember
