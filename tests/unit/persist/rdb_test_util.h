// Helpers for the RDB tests: build values of every type and encoding directly with the
// storage APIs, describe a value canonically, and collect what a reader loads.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/persist/rdb_reader.h"
#include "common/persist/rdb_writer.h"
#include "common/storage/hash_table.h"
#include "common/storage/intset.h"
#include "common/storage/listpack.h"
#include "common/storage/quicklist.h"
#include "common/storage/set_table.h"
#include "common/storage/zset.h"
#include "common/util/strings.h"

namespace ember::test {

inline Entry* MakeList(std::string_view key, const std::vector<std::string>& items, int fill = -2,
                       int compress = 0) {
  auto* ql = new Quicklist(fill, compress);
  for (const auto& s : items) ql->PushTail(s);
  return Entry::NewObject(key, ObjType::kList, Encoding::kQuicklist, ql);
}

inline Entry* MakeIntset(std::string_view key, const std::vector<int64_t>& items) {
  uint8_t* is = intset::New();
  for (int64_t v : items) is = intset::Add(is, v, nullptr);
  return Entry::NewObject(key, ObjType::kSet, Encoding::kIntset, is);
}

inline Entry* MakeSetTable(std::string_view key, const std::vector<std::string>& items) {
  auto* t = new SetTable();
  for (const auto& s : items) t->Add(s);
  return Entry::NewObject(key, ObjType::kSet, Encoding::kHashtable, t);
}

inline Entry* MakeZset(std::string_view key,
                       const std::vector<std::pair<double, std::string>>& items, Encoding enc) {
  Entry* e = zset::NewEntryWithEncoding(key, enc);
  zset::Limits limits;
  limits.max_entries = enc == Encoding::kListpack ? 1u << 30 : 0;
  limits.max_value = enc == Encoding::kListpack ? 1u << 30 : 0;
  for (const auto& [score, m] : items) {
    double ns;
    zset::Add(e, score, m, 0, limits, &ns);
  }
  return e;
}

inline Entry* MakeHash(std::string_view key,
                       const std::vector<std::pair<std::string, std::string>>& items,
                       Encoding enc) {
  if (enc == Encoding::kListpack) {
    uint8_t* lp = lp::New();
    for (const auto& [f, v] : items) {
      lp = lp::Append(lp, f);
      lp = lp::Append(lp, v);
    }
    return Entry::NewObject(key, ObjType::kHash, Encoding::kListpack, lp);
  }
  auto* ht = new HashTable();
  for (const auto& [f, v] : items) ht->Set(f, v);
  return Entry::NewObject(key, ObjType::kHash, Encoding::kHashtable, ht);
}

// "type:encoding:" followed by the elements (sorted for sets, hashes and sorted sets).
inline std::string Describe(Entry* e) {
  std::string out(proto::TypeName(e->type()));
  out += ":";
  out += proto::EncodingName(e->encoding());
  out += ":";
  std::vector<std::string> parts;
  char buf[64];
  switch (e->type()) {
    case ObjType::kString:
      parts.emplace_back(e->StringView(buf));
      break;
    case ObjType::kList: {
      auto* ql = static_cast<Quicklist*>(e->v.ptr);
      auto it = ql->GetIterator(true);
      Quicklist::Entry item;
      while (it.Next(&item)) parts.emplace_back(item.value.AsString(buf));
      break;
    }
    case ObjType::kSet:
      if (e->encoding() == Encoding::kIntset) {
        auto* is = static_cast<uint8_t*>(e->v.ptr);
        for (uint32_t i = 0; i < intset::Length(is); i++) {
          parts.push_back(std::to_string(intset::Get(is, i)));
        }
      } else {
        static_cast<SetTable*>(e->v.ptr)->ForEach(
            [&](std::string_view m) { parts.emplace_back(m); });
      }
      std::sort(parts.begin(), parts.end());
      break;
    case ObjType::kZSet:
      zset::ForEach(e, false, [&](std::string_view m, double score) {
        parts.push_back(std::string(m) + "=" + DoubleToString(score));
        return true;
      });
      std::sort(parts.begin(), parts.end());
      break;
    case ObjType::kHash:
      ForEachHashPair(e->v.ptr, e->encoding(), [&](std::string_view f, std::string_view v) {
        parts.push_back(std::string(f) + "=" + std::string(v));
      });
      std::sort(parts.begin(), parts.end());
      break;
    default:
      break;
  }
  for (size_t i = 0; i < parts.size(); i++) {
    if (i) out += ",";
    out += parts[i];
  }
  return out;
}

// Everything a Load() call delivers.
struct Collected : RdbVisitor {
  struct Item {
    uint64_t db;
    std::string key, desc;
    int64_t expire, idle;
    int freq;
  };
  std::map<std::string, std::string> aux;
  std::vector<std::string> functions;
  std::vector<Item> keys;
  std::vector<std::string> empty;
  std::vector<std::pair<uint64_t, uint64_t>> resize;

  Status Aux(std::string_view k, std::string_view v) override {
    aux[std::string(k)] = std::string(v);
    return Status::OK();
  }
  Status ResizeDb(uint64_t k, uint64_t e) override {
    resize.emplace_back(k, e);
    return Status::OK();
  }
  Status Function(std::string code) override {
    functions.push_back(std::move(code));
    return Status::OK();
  }
  Status Key(uint64_t db, Entry* e, int64_t expire, int64_t idle, int freq) override {
    keys.push_back({db, std::string(e->key()), Describe(e), expire, idle, freq});
    FreeRdbEntry(e);
    return Status::OK();
  }
  void EmptyKeySkipped(std::string_view k) override { empty.emplace_back(k); }

  const Item* Find(uint64_t db, std::string_view k) const {
    for (const auto& x : keys) {
      if (x.db == db && x.key == k) return &x;
    }
    return nullptr;
  }
};

inline Status LoadAll(std::string_view bytes, Collected* c, const RdbLoadConfig& cfg = {}) {
  RdbReader r(bytes);
  r.set_config(cfg);
  return r.Load(c);
}

}  // namespace ember::test
