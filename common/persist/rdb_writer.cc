#include "common/persist/rdb_writer.h"

#include <cstring>
#include <vector>

#include "common/storage/hash_table.h"
#include "common/storage/intset.h"
#include "common/storage/listpack.h"
#include "common/storage/quicklist.h"
#include "common/storage/set_table.h"
#include "common/storage/stream.h"
#include "common/storage/zset.h"
#include "common/util/hash.h"
#include "common/util/strings.h"
#include "proto/rdb.h"

namespace ember {
namespace {

RdbValueWriter writers[16] = {};

void AppendLe64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; i++) b[i] = char((v >> (8 * i)) & 0xff);
  out->append(b, 8);
}

std::string_view Blob(const uint8_t* p, size_t n) { return {reinterpret_cast<const char*>(p), n}; }

// ---- Built-in value writers (the value after type byte and key) ---------------------------

// Quicklist: node count, then per node its container and its bytes. Compressed nodes are
// written as the LZF data they already hold, as Redis does.
void WriteList(RdbWriter& w, const Entry* e) {
  const auto* ql = static_cast<const Quicklist*>(e->v.ptr);
  w.Length(ql->NodeCount());
  for (const QuicklistNode* n = ql->head(); n; n = n->next) {
    w.Length(n->plain ? proto::rdb::kQuicklistNodePlain : proto::rdb::kQuicklistNodePacked);
    if (n->compressed) {
      w.LzfBlob(Blob(n->entry, n->lzf_sz), n->sz);
    } else {
      w.String(Blob(n->entry, n->sz));
    }
  }
}

void WriteSet(RdbWriter& w, const Entry* e) {
  if (e->encoding() == Encoding::kIntset) {
    const auto* is = static_cast<const uint8_t*>(e->v.ptr);
    w.String(Blob(is, intset::Bytes(is)));
    return;
  }
  const auto* t = static_cast<const SetTable*>(e->v.ptr);
  w.Length(t->size());
  t->ForEach([&](std::string_view m) { w.String(m); });
}

void WriteZset(RdbWriter& w, const Entry* e) {
  if (e->encoding() == Encoding::kListpack) {
    const auto* lp = static_cast<const uint8_t*>(e->v.ptr);
    w.String(Blob(lp, lp::Bytes(lp)));
    return;
  }
  // Greatest to smallest, so that loading inserts each element at the head.
  const auto* zs = static_cast<const zset::ZSet*>(e->v.ptr);
  w.Length(zs->size());
  for (const zset::ZNode* n = zs->Last(); n; n = n->Prev()) {
    w.String(n->member());
    w.BinaryDouble(n->score);
  }
}

void WriteHash(RdbWriter& w, const Entry* e) {
  if (e->encoding() == Encoding::kListpack) {
    const auto* lp = static_cast<const uint8_t*>(e->v.ptr);
    w.String(Blob(lp, lp::Bytes(lp)));
    return;
  }
  const auto* ht = static_cast<const HashTable*>(e->v.ptr);
  w.Length(ht->size());
  ht->ForEach([&](std::string_view f, std::string_view v) {
    w.String(f);
    w.String(v);
  });
}

void WriteMillis(RdbWriter& w, int64_t ms) {
  std::string b;
  AppendLe64(&b, uint64_t(ms));
  w.Raw(b);
}

void WriteRawId(RdbWriter& w, const StreamID& id) {
  uint8_t raw[16];
  id.Encode(raw);
  w.Raw(Blob(raw, 16));
}

// STREAM_LISTPACKS_2: the node listpacks under their 128-bit master IDs, the metadata, then
// each consumer group with its PEL (IDs, delivery time and count) and its consumers (name,
// seen time and the IDs they own).
void WriteStream(RdbWriter& w, const Entry* e) {
  const auto* s = static_cast<const Stream*>(e->v.ptr);
  w.Length(s->nodes().size());
  for (const auto& [id, lp] : s->nodes()) {
    uint8_t key[16];
    id.Encode(key);
    w.String(Blob(key, 16));
    w.String(Blob(lp, lp::Bytes(lp)));
  }
  w.Length(s->length);
  for (const StreamID* id : {&s->last_id, &s->first_id, &s->max_deleted_entry_id}) {
    w.Length(id->ms);
    w.Length(id->seq);
  }
  w.Length(s->entries_added);
  w.Length(s->groups().size());
  for (const auto& [name, cg] : s->groups()) {
    w.String(name);
    w.Length(cg->last_id.ms);
    w.Length(cg->last_id.seq);
    w.Length(uint64_t(cg->entries_read));
    w.Length(cg->pel.size());
    for (const auto& [id, nack] : cg->pel) {
      WriteRawId(w, id);
      WriteMillis(w, nack->delivery_time);
      w.Length(nack->delivery_count);
    }
    w.Length(cg->consumers.size());
    for (const auto& [cname, consumer] : cg->consumers) {
      w.String(cname);
      WriteMillis(w, consumer->seen_time);
      w.Length(consumer->pel.size());
      for (const auto& [id, nack] : consumer->pel) WriteRawId(w, id);
    }
  }
}

bool WriteValue(RdbWriter& w, const Entry* e) {
  switch (e->type()) {
    case ObjType::kString:
      if (e->encoding() == Encoding::kInt) {
        w.Int64String(e->v.i);
      } else {
        char buf[24];
        w.String(e->StringView(buf));
      }
      return true;
    case ObjType::kList:
      if (e->encoding() != Encoding::kQuicklist) return false;
      WriteList(w, e);
      return true;
    case ObjType::kSet:
      WriteSet(w, e);
      return true;
    case ObjType::kZSet:
      WriteZset(w, e);
      return true;
    case ObjType::kHash:
      WriteHash(w, e);
      return true;
    case ObjType::kStream:
      if (e->encoding() != Encoding::kStream) return false;
      WriteStream(w, e);
      return true;
    default: {
      const RdbValueWriter& fns = writers[size_t(e->type())];
      return fns.value && fns.value(w, e);
    }
  }
}

}  // namespace

void RegisterRdbValueWriter(ObjType type, RdbValueWriter fns) { writers[size_t(type)] = fns; }

int RdbTypeOf(const Entry* e) {
  using namespace proto::rdb;
  switch (e->type()) {
    case ObjType::kString:
      return kTypeString;
    case ObjType::kList:
      return e->encoding() == Encoding::kQuicklist ? kTypeListQuicklist2 : -1;
    case ObjType::kSet:
      if (e->encoding() == Encoding::kIntset) return kTypeSetIntset;
      return e->encoding() == Encoding::kHashtable ? kTypeSet : -1;
    case ObjType::kZSet:
      if (e->encoding() == Encoding::kListpack) return kTypeZsetListpack;
      return e->encoding() == Encoding::kSkiplist ? kTypeZset2 : -1;
    case ObjType::kHash:
      if (e->encoding() == Encoding::kListpack) return kTypeHashListpack;
      return e->encoding() == Encoding::kHashtable ? kTypeHash : -1;
    case ObjType::kStream:
      return e->encoding() == Encoding::kStream ? kTypeStreamListpacks2 : -1;
    default: {
      const RdbValueWriter& fns = writers[size_t(e->type())];
      return fns.type_byte ? fns.type_byte(e) : -1;
    }
  }
}

bool RdbWriter::Flush() {
  if (out_.empty() || sink_failed_) return !sink_failed_;
  if (!sink_) return true;
  if (checksum_) crc_ = Crc64(crc_, out_.data(), out_.size());
  flushed_ += out_.size();
  if (!sink_(sink_ctx_, out_)) sink_failed_ = true;
  out_.clear();
  return !sink_failed_;
}

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
    uint16_t x = uint16_t(int16_t(v));
    Byte(uint8_t(x & 0xff));
    Byte(uint8_t(x >> 8));
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    Byte(uint8_t((kEncVal << 6) | kEncInt32));
    uint32_t x = uint32_t(int32_t(v));
    for (int i = 0; i < 4; i++) Byte(uint8_t((x >> (8 * i)) & 0xff));
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
      LzfBlob({buf.data(), n}, s.size());
      return;
    }
  }
  Length(s.size());
  out_.append(s);
}

void RdbWriter::LzfBlob(std::string_view compressed, size_t raw_len) {
  Byte(uint8_t((proto::rdb::kEncVal << 6) | proto::rdb::kEncLzf));
  Length(compressed.size());
  Length(raw_len);
  out_.append(compressed);
}

void RdbWriter::BinaryDouble(double d) {
  uint64_t bits;
  memcpy(&bits, &d, 8);
  AppendLe64(&out_, bits);
}

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
  AppendLe64(&out_, uint64_t(when_ms));
}

void RdbWriter::Idle(uint64_t seconds) {
  Byte(proto::rdb::kOpIdle);
  Length(seconds);
}

void RdbWriter::Freq(uint8_t counter) {
  Byte(proto::rdb::kOpFreq);
  Byte(counter);
}

void RdbWriter::Function(std::string_view library_code) {
  Byte(proto::rdb::kOpFunction2);
  String(library_code);
}

bool RdbWriter::KeyValue(const Entry* e) {
  int type = RdbTypeOf(e);
  if (type < 0) return false;
  Byte(uint8_t(type));
  String(e->key());
  return WriteValue(*this, e);
}

bool RdbWriter::TypeAndValue(const Entry* e) {
  int type = RdbTypeOf(e);
  if (type < 0) return false;
  Byte(uint8_t(type));
  return WriteValue(*this, e);
}

void RdbWriter::Eof() {
  Byte(proto::rdb::kOpEof);
  uint64_t crc = 0;
  if (checksum_) crc = Crc64(crc_, out_.data(), out_.size());
  AppendLe64(&out_, crc);
}

}  // namespace ember
