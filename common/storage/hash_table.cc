#include "common/storage/hash_table.h"

#include "common/util/memory.h"

namespace ember {
namespace {

bool NeedsWide(size_t flen, size_t vlen) {
  return flen >= HashNode::kWide || vlen >= HashNode::kWide;
}

// Writes field and value into a node allocation of at least NeededBytes.
void FillNode(HashNode* n, std::string_view field, std::string_view value) {
  char* out = n->data;
  if (NeedsWide(field.size(), value.size())) {
    n->field_len = n->value_len = HashNode::kWide;
    uint64_t lens[2] = {field.size(), value.size()};
    std::memcpy(out, lens, sizeof(lens));
    out += sizeof(lens);
  } else {
    n->field_len = uint32_t(field.size());
    n->value_len = uint32_t(value.size());
  }
  if (!field.empty()) std::memcpy(out, field.data(), field.size());
  if (!value.empty()) std::memcpy(out + field.size(), value.data(), value.size());
}

}  // namespace

size_t HashNode::NeededBytes(size_t flen, size_t vlen) {
  size_t n = sizeof(HashNode) + flen + vlen;
  if (NeedsWide(flen, vlen)) n += 2 * sizeof(uint64_t);
  return n;
}

HashNode* HashNode::Create(std::string_view field, std::string_view value) {
  auto* n = static_cast<HashNode*>(MemAlloc(NeededBytes(field.size(), value.size())));
  n->next = nullptr;
  FillNode(n, field, value);
  return n;
}

void HashNode::Destroy(HashNode* n) { MemFree(n); }

HashTable::~HashTable() {
  dict_.ForEach([](HashNode* n) { HashNode::Destroy(n); });
  dict_.Clear();
}

bool HashTable::Set(std::string_view field, std::string_view value) {
  uint64_t h = HashString(field);
  HashNode** link = dict_.FindLink(field, h);
  if (!link) {
    HashNode* n = HashNode::Create(field, value);
    node_bytes_ += MemUsable(n);
    dict_.Insert(n, h);
    return true;
  }
  HashNode* old = *link;
  size_t need = HashNode::NeededBytes(field.size(), value.size());
  size_t have = MemUsable(old);
  // Rewrite the value in place when it fits without leaving most of the block unused.
  if (!old->wide() && !NeedsWide(field.size(), value.size()) && need <= have &&
      have - need <= need) {
    old->value_len = uint32_t(value.size());
    if (!value.empty()) std::memmove(old->data + field.size(), value.data(), value.size());
    return false;
  }
  HashNode* fresh = HashNode::Create(field, value);
  node_bytes_ += MemUsable(fresh);
  node_bytes_ -= have;
  dict_.Replace(link, fresh);
  HashNode::Destroy(old);
  return false;
}

void HashTable::Add(std::string_view field, std::string_view value) {
  HashNode* n = HashNode::Create(field, value);
  node_bytes_ += MemUsable(n);
  dict_.Insert(n, HashString(field));
}

bool HashTable::Delete(std::string_view field) {
  HashNode* n = dict_.Remove(field, HashString(field));
  if (!n) return false;
  node_bytes_ -= MemUsable(n);
  HashNode::Destroy(n);
  dict_.ShrinkIfNeeded();
  return true;
}

HashTable* HashTable::Clone() const {
  auto* copy = new HashTable();
  ForEach([&](std::string_view f, std::string_view v) { copy->Add(f, v); });
  return copy;
}

size_t HashValueLength(const void* ptr, proto::Encoding enc) {
  if (enc == proto::Encoding::kHashtable) return static_cast<const HashTable*>(ptr)->size();
  return lp::Length(static_cast<const uint8_t*>(ptr)) / 2;
}

bool HashGetField(void* ptr, proto::Encoding enc, std::string_view field, char* scratch,
                  std::string_view* value) {
  if (enc == proto::Encoding::kHashtable) return static_cast<HashTable*>(ptr)->Get(field, value);
  auto* lp = static_cast<uint8_t*>(ptr);
  uint8_t* f = lp::Find(lp, lp::First(lp), field, 1);
  if (!f) return false;
  uint8_t* v = lp::Next(lp, f);
  if (!v) return false;
  *value = lp::Get(v).AsString(scratch);
  return true;
}

HashTable* HashTableFromListpack(uint8_t* lp) {
  auto* ht = new HashTable();
  bool dup = false;
  ForEachHashPair(lp, proto::Encoding::kListpack, [&](std::string_view f, std::string_view v) {
    if (dup) return;
    if (ht->Contains(f)) {
      dup = true;
      return;
    }
    ht->Add(f, v);
  });
  if (dup) {
    delete ht;
    return nullptr;
  }
  return ht;
}

void FreeHashValue(void* ptr, proto::Encoding enc) {
  if (enc == proto::Encoding::kHashtable) {
    delete static_cast<HashTable*>(ptr);
  } else {
    lp::Free(static_cast<uint8_t*>(ptr));
  }
}

void* CloneHashValue(const void* ptr, proto::Encoding enc) {
  if (enc == proto::Encoding::kHashtable) return static_cast<const HashTable*>(ptr)->Clone();
  return lp::Dup(static_cast<const uint8_t*>(ptr));
}

size_t HashValueBytes(const void* ptr, proto::Encoding enc) {
  size_t n = MemUsable(const_cast<void*>(ptr));
  if (enc == proto::Encoding::kHashtable) n += static_cast<const HashTable*>(ptr)->Bytes();
  return n;
}

}  // namespace ember
