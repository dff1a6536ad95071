#include "common/storage/set_table.h"

#include "common/util/memory.h"

namespace ember {

SetTable::~SetTable() {
  table_.ForEach([](SetNode* n) { MemFree(n); });
  table_.Clear();
}

SetNode* SetTable::NewNode(std::string_view m) {
  bool long_len = m.size() >= SetNode::kLongLength;
  size_t prefix = long_len ? sizeof(uint64_t) : 0;
  auto* n = static_cast<SetNode*>(MemAlloc(sizeof(SetNode) + prefix + m.size()));
  n->next = nullptr;
  if (long_len) {
    n->len32 = SetNode::kLongLength;
    uint64_t len = m.size();
    memcpy(n->data, &len, sizeof(len));
  } else {
    n->len32 = uint32_t(m.size());
  }
  if (!m.empty()) memcpy(n->data + prefix, m.data(), m.size());
  return n;
}

void SetTable::FreeNode(SetNode* n) {
  node_bytes_ -= MemUsable(n);
  MemFree(n);
}

bool SetTable::Add(std::string_view m) {
  uint64_t h = HashString(m);
  if (table_.Find(m, h)) return false;
  SetNode* n = NewNode(m);
  node_bytes_ += MemUsable(n);
  table_.Insert(n, h);
  return true;
}

bool SetTable::Remove(std::string_view m) {
  SetNode* n = table_.Remove(m, HashString(m));
  if (!n) return false;
  FreeNode(n);
  table_.ShrinkIfNeeded();
  return true;
}

SetTable* SetTable::Clone() const {
  auto* copy = new SetTable();
  ForEach([&](std::string_view m) {
    SetNode* n = NewNode(m);
    copy->node_bytes_ += MemUsable(n);
    copy->table_.Insert(n, HashString(m));
  });
  return copy;
}

}  // namespace ember
