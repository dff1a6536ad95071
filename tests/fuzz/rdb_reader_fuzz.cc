// libFuzzer target: the RDB reader fed arbitrary bytes, as a whole file and as a DUMP payload
// body, with deep sanitization and without the checksum (so the parser itself is exercised).
// It must never crash or read out of bounds, and every value it accepts must be walkable.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/persist/rdb_reader.h"
#include "common/storage/hash_table.h"
#include "common/storage/intset.h"
#include "common/storage/quicklist.h"
#include "common/storage/set_table.h"
#include "common/storage/stream.h"
#include "common/storage/zset.h"

namespace {

using namespace ember;

// Touches every element of a loaded value.
size_t Walk(Entry* e) {
  size_t n = 0;
  char buf[64];
  switch (e->type()) {
    case ObjType::kString:
      n += e->StringView(buf).size();
      break;
    case ObjType::kList: {
      auto* ql = static_cast<Quicklist*>(e->v.ptr);
      auto it = ql->GetIterator(true);
      Quicklist::Entry item;
      while (it.Next(&item)) n += item.value.AsString(buf).size();
      break;
    }
    case ObjType::kSet:
      if (e->encoding() == Encoding::kIntset) {
        auto* is = static_cast<uint8_t*>(e->v.ptr);
        for (uint32_t i = 0; i < intset::Length(is); i++) n += size_t(intset::Get(is, i) & 1);
      } else {
        static_cast<SetTable*>(e->v.ptr)->ForEach([&](std::string_view m) { n += m.size(); });
      }
      break;
    case ObjType::kZSet:
      zset::ForEach(e, false, [&](std::string_view m, double) {
        n += m.size();
        return true;
      });
      break;
    case ObjType::kHash:
      ForEachHashPair(e->v.ptr, e->encoding(),
                      [&](std::string_view f, std::string_view v) { n += f.size() + v.size(); });
      break;
    case ObjType::kStream: {
      Stream::Iterator it(static_cast<Stream*>(e->v.ptr), nullptr, nullptr, false);
      StreamID id;
      int64_t numfields;
      while (it.Next(&id, &numfields)) {
        while (numfields-- > 0) {
          std::string_view f, v;
          it.Field(&f, &v);
          n += f.size() + v.size();
        }
      }
      break;
    }
    default:
      break;
  }
  return n;
}

struct Sink : RdbVisitor {
  size_t total = 0;
  Status Key(uint64_t, Entry* e, int64_t, int64_t, int) override {
    total += Walk(e);
    FreeRdbEntry(e);
    return Status::OK();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  RdbLoadConfig cfg;
  cfg.deep_sanitize = true;
  cfg.verify_checksum = false;
  cfg.list_compress_depth = size % 3;
  cfg.hash_max_listpack_entries = 1 + int64_t(size % 8);
  {
    RdbReader r(in);
    r.set_config(cfg);
    Sink sink;
    (void)r.Load(&sink);
  }
  {
    // As a RESTORE payload body: type byte and value.
    RdbReader r(in);
    r.set_config(cfg);
    uint8_t type;
    Entry* e = nullptr;
    if (r.ReadObjectType(&type).ok() && r.ReadObject(type, "k", &e).ok() && e) {
      volatile size_t n = Walk(e);
      (void)n;
      FreeRdbEntry(e);
    }
  }
  return 0;
}
