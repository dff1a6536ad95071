#include "common/persist/rdb_writer.h"

#include <cstring>
#include <vector>

#include "common/util/hash.h"
#include "common/util/strings.h"
#include "proto/rdb.h"

namespace ember {
namespace {
RdbValueWriter writers[16] = {};
}

void RegisterRdbValueWriter(ObjType type, RdbValueWriter fn) { writers[size_t(type)] = fn; }

void RdbWriter::Header() {
  char buf[16];
  snprintf(buf, sizeof(buf), "%s%04d", proto::rdb::kMagic, proto::rdb::kVersion);
  out_.append(buf);
}

void RdbWriter::Length(uint64_t len) {
  if (len < (1 << 6)) {
    Byte(uint8_t(len));
  } else if (len < (1 << 14)) {
    Byte(uint8_t((proto::rdb::kLen14Bit << 6) | (len >> 8)));
    Byte(uint8_t(len & 0xff));
  } else if (len <= UINT32_MAX) {
    Byte(proto::rdb::kLen32Bit);
    uint32_t be = __builtin_bswap32(uint32_t(len));
    out_.append(reinterpret_cast<const char*>(&be), 4);
  } else {
    Byte(proto::rdb::kLen64Bit);
    uint64_t be = __builtin_bswap64(len);
    out_.append(reinterpret_cast<const char*>(&be), 8);
  }
}

void RdbWriter::Int64String(int64_t v) {
  using namespace proto::rdb;
  if (v >= INT8_MIN && v <= INT8_MAX) {
    Byte(uint8_t((kEncVal << 6) | kEncInt8));
    Byte(uint8_t(int8_t(v)));
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    Byte(uint8_t((kEncVal << 6) | kEncInt16));
    int16_t x = int16_t(v);
    out_.append(reinterpret_cast<const char*>(&x), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    Byte(uint8_t((kEncVal << 6) | kEncInt32));
    int32_t x = int32_t(v);
    out_.append(reinterpret_cast<const char*>(&x), 4);
  } else {
    char buf[24];
    size_t n = Int64ToChars(v, buf);
    Length(n);
    out_.append(buf, n);
  }
}

void RdbWriter::String(std::string_view s) {
  // Integers that fit in 32 bits are stored as integers (Redis tries strings of <= 11 chars).
  int64_t v;
  if (s.size() <= 11 && StringToInt64(s, &v) && v >= INT32_MIN && v <= INT32_MAX) {
    Int64String(v);
    return;
  }
  if (compress_ && s.size() > 20) {
    std::vector<char> buf(s.size());
    size_t n = LzfCompress(s.data(), s.size(), buf.data(), s.size() - 4);
    if (n > 0) {
      Byte(uint8_t((proto::rdb::kEncVal << 6) | proto::rdb::kEncLzf));
      Length(n);
      Length(s.size());
      out_.append(buf.data(), n);
      return;
    }
  }
  Length(s.size());
  out_.append(s);
}

void RdbWriter::BinaryDouble(double d) { out_.append(reinterpret_cast<const char*>(&d), 8); }

void RdbWriter::Aux(std::string_view key, std::string_view value) {
  Byte(proto::rdb::kOpAux);
  String(key);
  String(value);
}

void RdbWriter::AuxInt(std::string_view key, int64_t value) {
  Byte(proto::rdb::kOpAux);
  String(key);
  Int64String(value);
}

void RdbWriter::SelectDb(uint64_t db) {
  Byte(proto::rdb::kOpSelectDb);
  Length(db);
}

void RdbWriter::ResizeDb(uint64_t keys, uint64_t expires) {
  Byte(proto::rdb::kOpResizeDb);
  Length(keys);
  Length(expires);
}

void RdbWriter::ExpireMs(int64_t when_ms) {
  Byte(proto::rdb::kOpExpireTimeMs);
  out_.append(reinterpret_cast<const char*>(&when_ms), 8);
}

void RdbWriter::Idle(uint64_t seconds) {
  Byte(proto::rdb::kOpIdle);
  Length(seconds);
}

void RdbWriter::Freq(uint8_t counter) {
  Byte(proto::rdb::kOpFreq);
  Byte(counter);
}

bool RdbWriter::KeyValue(const Entry* e) {
  if (e->type() == ObjType::kString) {
    Byte(proto::rdb::kTypeString);
    String(e->key());
    char buf[24];
    if (e->encoding() == Encoding::kInt) {
      Int64String(e->v.i);
    } else {
      String(e->StringView(buf));
    }
    return true;
  }
  RdbValueWriter fn = writers[size_t(e->type())];
  if (!fn) return false;
  // The type writer emits the type byte first, then the key and value.
  return fn(*this, e);
}

void RdbWriter::Eof() {
  Byte(proto::rdb::kOpEof);
  uint64_t crc = Crc64(0, out_.data(), out_.size());
  out_.append(reinterpret_cast<const char*>(&crc), 8);
}

}  // namespace ember
