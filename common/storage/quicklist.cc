#include "common/storage/quicklist.h"

#include <cstring>
#include <utility>

#include "common/util/hash.h"
#include "common/util/memory.h"

namespace ember {

namespace {

// Byte budgets of the negative fill levels -1..-5.
constexpr size_t kOptimizationLevel[] = {4096, 8192, 16384, 32768, 65536};
// A node limited by count never grows past this many bytes.
constexpr size_t kSizeSafetyLimit = 8192;
// Overestimate of what one element adds to a listpack besides its bytes.
constexpr size_t kSizeEstimateOverhead = 8;
// Nodes smaller than this are not worth compressing; compression must save at least
// kMinCompressImprove bytes to be kept.
constexpr size_t kMinCompressBytes = 48;
constexpr size_t kMinCompressImprove = 8;
constexpr int kFillMax = (1 << 15) - 1;
constexpr int kCompressMax = (1 << 16) - 1;
constexpr size_t kDefaultPackedThreshold = size_t{1} << 30;

size_t g_packed_threshold = kDefaultPackedThreshold;

inline bool IsLargeElement(size_t sz) { return sz >= g_packed_threshold; }

bool SizeMeetsOptimizationRequirement(size_t sz, int fill) {
  if (fill >= 0) return false;
  size_t offset = size_t(-fill) - 1;
  if (offset < sizeof(kOptimizationLevel) / sizeof(kOptimizationLevel[0])) {
    return sz <= kOptimizationLevel[offset];
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Options

Quicklist::Quicklist(int fill, int compress) { SetOptions(fill, compress); }

Quicklist::~Quicklist() {
  QuicklistNode* n = head_;
  while (n) {
    QuicklistNode* next = n->next;
    MemFree(n->entry);
    delete n;
    n = next;
  }
}

void Quicklist::SetOptions(int fill, int compress) {
  if (fill > kFillMax) fill = kFillMax;
  if (fill < -5) fill = -5;
  if (compress > kCompressMax) compress = kCompressMax;
  if (compress < 0) compress = 0;
  fill_ = fill;
  compress_ = compress;
}

void Quicklist::SetPackedThreshold(size_t bytes) {
  g_packed_threshold = bytes == 0 ? kDefaultPackedThreshold : bytes;
}

size_t Quicklist::packed_threshold() { return g_packed_threshold; }

// ---------------------------------------------------------------------------------------
// Nodes and compression

QuicklistNode* Quicklist::CreateNode() { return new QuicklistNode(); }

QuicklistNode* Quicklist::CreatePlainNode(std::string_view v) {
  QuicklistNode* n = CreateNode();
  n->entry = static_cast<uint8_t*>(MemAlloc(v.size() ? v.size() : 1));
  if (!v.empty()) std::memcpy(n->entry, v.data(), v.size());
  n->plain = true;
  n->sz = v.size();
  n->count = 1;
  return n;
}

bool Quicklist::CompressNodeRaw(QuicklistNode* node) {
  if (node->dont_compress) return false;
  // Head and tail stay raw (the depth rules never pick them).
  if (!node->prev || !node->next) return false;
  node->recompress = false;
  if (node->sz < kMinCompressBytes) return false;
  auto* buf = static_cast<uint8_t*>(MemAlloc(node->sz));
  size_t n = LzfCompress(node->entry, node->sz, buf, node->sz);
  if (n == 0 || n + kMinCompressImprove >= node->sz) {
    MemFree(buf);
    return false;
  }
  buf = static_cast<uint8_t*>(MemRealloc(buf, n));
  MemFree(node->entry);
  node->entry = buf;
  node->lzf_sz = n;
  node->compressed = true;
  return true;
}

bool Quicklist::DecompressNodeRaw(QuicklistNode* node) {
  node->recompress = false;
  auto* buf = static_cast<uint8_t*>(MemAlloc(node->sz ? node->sz : 1));
  if (LzfDecompress(node->entry, node->lzf_sz, buf, node->sz) == 0) {
    MemFree(buf);
    return false;
  }
  MemFree(node->entry);
  node->entry = buf;
  node->lzf_sz = 0;
  node->compressed = false;
  return true;
}

void Quicklist::CompressNode(QuicklistNode* node) {
  if (node && !node->compressed) CompressNodeRaw(node);
}

void Quicklist::DecompressNode(QuicklistNode* node) {
  if (node && node->compressed) DecompressNodeRaw(node);
}

void Quicklist::DecompressNodeForUse(QuicklistNode* node) {
  if (node && node->compressed) {
    DecompressNodeRaw(node);
    node->recompress = true;
  }
}

// Makes the nodes within the depth from both ends raw and compresses `node` (if outside it)
// and the first node past the depth on each side.
void Quicklist::CompressAround(QuicklistNode* node) {
  if (len_ == 0) return;
  if (compress_ == 0 || len_ < size_t(compress_) * 2) return;
  QuicklistNode* forward = head_;
  QuicklistNode* reverse = tail_;
  int depth = 0;
  bool in_depth = false;
  while (depth++ < compress_) {
    DecompressNode(forward);
    DecompressNode(reverse);
    if (forward == node || reverse == node) in_depth = true;
    // The two sides met: everything is within the depth.
    if (forward == reverse || forward->next == reverse) return;
    forward = forward->next;
    reverse = reverse->prev;
  }
  if (!in_depth) CompressNode(node);
  CompressNode(forward);
  CompressNode(reverse);
}

void Quicklist::Compress(QuicklistNode* node) {
  if (node->recompress) {
    CompressNode(node);
  } else {
    CompressAround(node);
  }
}

void Quicklist::RecompressOnly(QuicklistNode* node) {
  if (node->recompress) CompressNode(node);
}

void Quicklist::InsertNode(QuicklistNode* old_node, QuicklistNode* new_node, bool after) {
  if (after) {
    new_node->prev = old_node;
    if (old_node) {
      new_node->next = old_node->next;
      if (old_node->next) old_node->next->prev = new_node;
      old_node->next = new_node;
    }
    if (tail_ == old_node) tail_ = new_node;
  } else {
    new_node->next = old_node;
    if (old_node) {
      new_node->prev = old_node->prev;
      if (old_node->prev) old_node->prev->next = new_node;
      old_node->prev = new_node;
    }
    if (head_ == old_node) head_ = new_node;
  }
  if (len_ == 0) head_ = tail_ = new_node;
  len_++;
  if (old_node) Compress(old_node);
  Compress(new_node);
}

void Quicklist::InsertPlainNode(QuicklistNode* old_node, std::string_view v, bool after) {
  InsertNode(old_node, CreatePlainNode(v), after);
  count_++;
}

void Quicklist::DelNode(QuicklistNode* node) {
  if (node->next) node->next->prev = node->prev;
  if (node->prev) node->prev->next = node->next;
  if (node == tail_) tail_ = node->prev;
  if (node == head_) head_ = node->next;
  len_--;
  count_ -= node->count;
  // Nodes may have moved into the depth from either end.
  CompressAround(nullptr);
  MemFree(node->entry);
  delete node;
}

// Deletes the element at *p of `node` (raw). True if the whole node went away; otherwise *p
// moves to the following element.
bool Quicklist::DelIndex(QuicklistNode* node, uint8_t** p) {
  if (node->plain) {
    DelNode(node);
    return true;
  }
  bool gone = false;
  node->entry = lp::Delete(node->entry, p);
  node->count--;
  if (node->count == 0) {
    gone = true;
    DelNode(node);
  } else {
    UpdateSz(node);
  }
  count_--;
  return gone;
}

bool Quicklist::NodeAllowInsert(const QuicklistNode* node, size_t sz) const {
  if (!node) return false;
  if (node->plain || IsLargeElement(sz)) return false;
  size_t new_sz = node->sz + sz + kSizeEstimateOverhead;
  if (SizeMeetsOptimizationRequirement(new_sz, fill_)) return true;
  if (new_sz > kSizeSafetyLimit) return false;
  return int(node->count) < fill_;
}

bool Quicklist::NodeAllowMerge(const QuicklistNode* a, const QuicklistNode* b) const {
  if (!a || !b) return false;
  if (a->plain || b->plain) return false;
  // Approximate merged size: one header and terminator less.
  size_t merge_sz = a->sz + b->sz - 11;
  if (SizeMeetsOptimizationRequirement(merge_sz, fill_)) return true;
  if (merge_sz > kSizeSafetyLimit) return false;
  return int(a->count + b->count) <= fill_;
}

// ---------------------------------------------------------------------------------------
// Push / pop

void Quicklist::PushHead(std::string_view v) {
  if (IsLargeElement(v.size())) {
    InsertPlainNode(head_, v, false);
    return;
  }
  if (NodeAllowInsert(head_, v.size())) {
    head_->entry = lp::Prepend(head_->entry, v);
    UpdateSz(head_);
  } else {
    QuicklistNode* node = CreateNode();
    node->entry = lp::Prepend(lp::New(), v);
    UpdateSz(node);
    InsertNode(head_, node, false);
  }
  count_++;
  head_->count++;
}

void Quicklist::PushTail(std::string_view v) {
  if (IsLargeElement(v.size())) {
    InsertPlainNode(tail_, v, true);
    return;
  }
  if (NodeAllowInsert(tail_, v.size())) {
    tail_->entry = lp::Append(tail_->entry, v);
    UpdateSz(tail_);
  } else {
    QuicklistNode* node = CreateNode();
    node->entry = lp::Append(lp::New(), v);
    UpdateSz(node);
    InsertNode(tail_, node, true);
  }
  count_++;
  tail_->count++;
}

Quicklist::Value Quicklist::Peek(bool head) {
  QuicklistNode* node = head ? head_ : tail_;
  if (node->plain) {
    Value v;
    v.sval = std::string_view(reinterpret_cast<const char*>(node->entry), node->sz);
    return v;
  }
  return lp::Get(lp::Seek(node->entry, head ? 0 : -1));
}

bool Quicklist::PopDiscard(bool head) {
  if (count_ == 0) return false;
  QuicklistNode* node = head ? head_ : tail_;
  if (node->plain) {
    DelIndex(node, nullptr);
    return true;
  }
  uint8_t* p = lp::Seek(node->entry, head ? 0 : -1);
  DelIndex(node, &p);
  return true;
}

bool Quicklist::Pop(bool head, std::string* out) {
  if (count_ == 0) return false;
  char buf[32];
  out->assign(Peek(head).AsString(buf));
  return PopDiscard(head);
}

void Quicklist::AppendListpack(uint8_t* lp) {
  QuicklistNode* node = CreateNode();
  node->entry = lp;
  node->count = uint32_t(lp::Length(lp));
  node->sz = lp::Bytes(lp);
  InsertNode(tail_, node, true);
  count_ += node->count;
}

void Quicklist::AppendPlainNode(uint8_t* data, size_t sz) {
  QuicklistNode* node = CreateNode();
  node->entry = data;
  node->count = 1;
  node->sz = sz;
  node->plain = true;
  InsertNode(tail_, node, true);
  count_ += 1;
}

std::string_view Quicklist::NodeData(const QuicklistNode* n, std::string* scratch) {
  if (!n->compressed) return {reinterpret_cast<const char*>(n->entry), n->sz};
  scratch->resize(n->sz);
  size_t got = LzfDecompress(n->entry, n->lzf_sz, scratch->data(), n->sz);
  scratch->resize(got);
  return *scratch;
}

size_t Quicklist::Bytes() const {
  size_t total = sizeof(Quicklist);
  for (const QuicklistNode* n = head_; n; n = n->next) {
    total += sizeof(QuicklistNode) + (n->compressed ? n->lzf_sz : n->sz);
  }
  return total;
}

// ---------------------------------------------------------------------------------------
// Iteration

Quicklist::Iterator& Quicklist::Iterator::operator=(Iterator&& o) noexcept {
  if (this != &o) {
    Release();
    ql_ = o.ql_;
    current_ = o.current_;
    zi_ = o.zi_;
    offset_ = o.offset_;
    forward_ = o.forward_;
    o.ql_ = nullptr;
    o.current_ = nullptr;
    o.zi_ = nullptr;
  }
  return *this;
}

void Quicklist::Iterator::Release() {
  if (ql_ && current_) ql_->Compress(current_);
  ql_ = nullptr;
  current_ = nullptr;
  zi_ = nullptr;
}

bool Quicklist::Iterator::Next(Entry* e) {
  *e = Entry();
  if (!ql_) return false;
  while (current_) {
    e->node = current_;
    bool plain = current_->plain;
    if (!zi_) {
      ql_->DecompressNodeForUse(current_);
      zi_ = plain ? current_->entry : lp::Seek(current_->entry, offset_);
    } else if (plain) {
      zi_ = nullptr;
    } else if (forward_) {
      zi_ = lp::Next(current_->entry, zi_);
      offset_++;
    } else {
      zi_ = lp::Prev(current_->entry, zi_);
      offset_--;
    }
    e->zi = zi_;
    e->offset = offset_;
    if (zi_) {
      if (plain) {
        e->value = Value();
        e->value.sval =
            std::string_view(reinterpret_cast<const char*>(current_->entry), current_->sz);
      } else {
        e->value = lp::Get(zi_);
      }
      return true;
    }
    // This node is done: recompress it and move on.
    ql_->Compress(current_);
    if (forward_) {
      current_ = current_->next;
      offset_ = 0;
    } else {
      current_ = current_->prev;
      offset_ = -1;
    }
    zi_ = nullptr;
  }
  e->node = nullptr;
  return false;
}

Quicklist::Iterator Quicklist::GetIterator(bool forward) {
  Iterator it;
  it.ql_ = this;
  it.forward_ = forward;
  it.current_ = forward ? head_ : tail_;
  it.offset_ = forward ? 0 : -1;
  return it;
}

Quicklist::Iterator Quicklist::GetIteratorAtIndex(int64_t idx, bool forward_dir) {
  Iterator it;
  bool forward = idx >= 0;
  uint64_t index = forward ? uint64_t(idx) : uint64_t(-(idx + 1));
  if (index >= count_) return it;
  // Walk from whichever end is closer.
  bool seek_forward = forward;
  uint64_t seek_index = index;
  if (index > (count_ - 1) / 2) {
    seek_forward = !forward;
    seek_index = count_ - 1 - index;
  }
  QuicklistNode* n = seek_forward ? head_ : tail_;
  uint64_t accum = 0;
  while (n) {
    if (accum + n->count > seek_index) break;
    accum += n->count;
    n = seek_forward ? n->next : n->prev;
  }
  if (!n) return it;
  // Express accum as if we had walked in the requested direction.
  if (seek_forward != forward) accum = count_ - n->count - accum;
  it = GetIterator(forward_dir);
  it.current_ = n;
  if (forward) {
    it.offset_ = int64_t(index - accum);
  } else {
    it.offset_ = -int64_t(index) - 1 + int64_t(accum);
  }
  return it;
}

bool Quicklist::Index(int64_t index, std::string* out) {
  Iterator it = GetIteratorAtIndex(index, false);
  if (!it.valid()) return false;
  Entry e;
  if (!it.Next(&e)) return false;
  char buf[32];
  out->assign(e.value.AsString(buf));
  return true;
}

// ---------------------------------------------------------------------------------------
// Updates at an entry

void Quicklist::DelEntry(Iterator* it, Entry* e) {
  QuicklistNode* prev = e->node->prev;
  QuicklistNode* next = e->node->next;
  bool deleted_node = DelIndex(e->node, &e->zi);
  it->zi_ = nullptr;
  if (deleted_node) {
    if (it->forward_) {
      it->current_ = next;
      it->offset_ = 0;
    } else {
      it->current_ = prev;
      it->offset_ = -1;
    }
  }
  // Otherwise the offset already names the following element (or runs off the node).
}

void Quicklist::ReplaceEntry(Iterator* it, Entry* e, std::string_view v) {
  QuicklistNode* node = e->node;
  if (!node->plain && !IsLargeElement(v.size())) {
    node->entry = lp::Replace(node->entry, &e->zi, v);
    UpdateSz(node);
    Compress(node);
  } else if (node->plain) {
    if (IsLargeElement(v.size())) {
      MemFree(node->entry);
      node->entry = static_cast<uint8_t*>(MemAlloc(v.size() ? v.size() : 1));
      if (!v.empty()) std::memcpy(node->entry, v.data(), v.size());
      node->sz = v.size();
      Compress(node);
    } else {
      InsertAfter(it, e, v);
      DelNode(node);
    }
  } else {
    // A large value replacing a packed element: it goes into its own plain node after the
    // element, then the element is removed.
    node->dont_compress = true;
    InsertAfter(it, e, v);
    if (node->count == 1) {
      DelNode(node);
    } else {
      uint8_t* p = lp::Seek(node->entry, -1);
      DelIndex(node, &p);
      node->dont_compress = false;
      Compress(node);
      if (node->next) Compress(node->next);
    }
  }
  // The iterator may no longer be used; forget its position (the nodes were recompressed).
  it->current_ = nullptr;
  it->zi_ = nullptr;
}

bool Quicklist::ReplaceAtIndex(int64_t index, std::string_view v) {
  Iterator it = GetIteratorAtIndex(index, false);
  if (!it.valid()) return false;
  Entry e;
  if (!it.Next(&e)) return false;
  ReplaceEntry(&it, &e, v);
  return true;
}

QuicklistNode* Quicklist::ListpackMerge(QuicklistNode* a, QuicklistNode* b) {
  DecompressNode(a);
  DecompressNode(b);
  if (!lp::Merge(&a->entry, &b->entry)) return nullptr;
  QuicklistNode* keep = a->entry ? a : b;
  QuicklistNode* nokeep = a->entry ? b : a;
  keep->count = uint32_t(lp::Length(keep->entry));
  UpdateSz(keep);
  nokeep->count = 0;
  DelNode(nokeep);
  Compress(keep);
  return keep;
}

// Tries to merge (prev->prev, prev), (next, next->next), (prev, center), (center, next).
void Quicklist::MergeNodes(QuicklistNode* center) {
  QuicklistNode *prev = nullptr, *prev_prev = nullptr, *next = nullptr, *next_next = nullptr;
  if (center->prev) {
    prev = center->prev;
    if (center->prev->prev) prev_prev = center->prev->prev;
  }
  if (center->next) {
    next = center->next;
    if (center->next->next) next_next = center->next->next;
  }
  if (NodeAllowMerge(prev, prev_prev)) ListpackMerge(prev_prev, prev);
  if (NodeAllowMerge(next, next_next)) ListpackMerge(next, next_next);
  QuicklistNode* target;
  if (NodeAllowMerge(center, center->prev)) {
    target = ListpackMerge(center->prev, center);
  } else {
    target = center;
  }
  if (target && NodeAllowMerge(target, target->next)) ListpackMerge(target, target->next);
}

// Splits `node` at `offset`. after: the node keeps [0, offset] and the returned node gets
// the rest; otherwise the returned node gets [0, offset) and the node keeps the rest.
QuicklistNode* Quicklist::SplitNode(QuicklistNode* node, int64_t offset, bool after) {
  QuicklistNode* new_node = CreateNode();
  new_node->entry = lp::Dup(node->entry);
  if (offset < 0) offset = int64_t(node->count) + offset;
  int64_t orig_start = after ? offset + 1 : 0;
  size_t orig_extent = after ? SIZE_MAX : size_t(offset);
  int64_t new_start = after ? 0 : offset;
  size_t new_extent = after ? size_t(offset + 1) : SIZE_MAX;

  node->entry = lp::DeleteRange(node->entry, orig_start, orig_extent);
  node->count = uint32_t(lp::Length(node->entry));
  UpdateSz(node);
  new_node->entry = lp::DeleteRange(new_node->entry, new_start, new_extent);
  new_node->count = uint32_t(lp::Length(new_node->entry));
  UpdateSz(new_node);
  return new_node;
}

void Quicklist::Insert(Iterator* it, Entry* e, std::string_view v, bool after) {
  QuicklistNode* node = e->node;
  size_t sz = v.size();
  if (!node) {
    // No reference node: the list is empty.
    if (IsLargeElement(sz)) {
      InsertPlainNode(tail_, v, after);
      return;
    }
    QuicklistNode* new_node = CreateNode();
    new_node->entry = lp::Prepend(lp::New(), v);
    UpdateSz(new_node);
    InsertNode(nullptr, new_node, after);
    new_node->count++;
    count_++;
    return;
  }

  bool full = !NodeAllowInsert(node, sz);
  bool at_tail = false, at_head = false, avail_next = false, avail_prev = false;
  if (after && (e->offset == int64_t(node->count) - 1 || e->offset == -1)) {
    at_tail = true;
    if (NodeAllowInsert(node->next, sz)) avail_next = true;
  }
  if (!after && (e->offset == 0 || e->offset == -int64_t(node->count))) {
    at_head = true;
    if (NodeAllowInsert(node->prev, sz)) avail_prev = true;
  }

  if (IsLargeElement(sz)) {
    if (node->plain || (at_tail && after) || (at_head && !after)) {
      InsertPlainNode(node, v, after);
    } else {
      DecompressNodeForUse(node);
      QuicklistNode* new_node = SplitNode(node, e->offset, after);
      QuicklistNode* entry_node = CreatePlainNode(v);
      InsertNode(node, entry_node, after);
      InsertNode(entry_node, new_node, after);
      count_++;
    }
    it->current_ = nullptr;
    it->zi_ = nullptr;
    return;
  }

  QuicklistNode* new_node = nullptr;
  if (!full) {
    DecompressNodeForUse(node);
    node->entry = lp::Insert(node->entry, e->zi, v, after, nullptr);
    node->count++;
    UpdateSz(node);
    RecompressOnly(node);
  } else if (at_tail && avail_next && after) {
    // Full, but the next node has room: prepend there.
    new_node = node->next;
    DecompressNodeForUse(new_node);
    new_node->entry = lp::Prepend(new_node->entry, v);
    new_node->count++;
    UpdateSz(new_node);
    RecompressOnly(new_node);
    RecompressOnly(node);
  } else if (at_head && avail_prev && !after) {
    // Full, but the previous node has room: append there.
    new_node = node->prev;
    DecompressNodeForUse(new_node);
    new_node->entry = lp::Append(new_node->entry, v);
    new_node->count++;
    UpdateSz(new_node);
    RecompressOnly(new_node);
    RecompressOnly(node);
  } else if ((at_tail && !avail_next && after) || (at_head && !avail_prev && !after)) {
    // Full at an edge with no room next door: a new node.
    new_node = CreateNode();
    new_node->entry = lp::Prepend(lp::New(), v);
    new_node->count++;
    UpdateSz(new_node);
    InsertNode(node, new_node, after);
  } else {
    // Full in the middle: split and put the element at the edge of the new half.
    DecompressNodeForUse(node);
    new_node = SplitNode(node, e->offset, after);
    if (after) {
      new_node->entry = lp::Prepend(new_node->entry, v);
    } else {
      new_node->entry = lp::Append(new_node->entry, v);
    }
    new_node->count++;
    UpdateSz(new_node);
    InsertNode(node, new_node, after);
    MergeNodes(node);
  }
  count_++;
  it->current_ = nullptr;
  it->zi_ = nullptr;
}

// ---------------------------------------------------------------------------------------
// Ranges, rotation, copies

bool Quicklist::DelRange(int64_t start, int64_t count) {
  if (count <= 0) return false;
  uint64_t extent = uint64_t(count);
  if (start >= 0 && extent > count_ - uint64_t(start)) {
    extent = count_ - uint64_t(start);
  } else if (start < 0 && extent > uint64_t(-start)) {
    extent = uint64_t(-start);
  }
  QuicklistNode* node;
  int64_t offset;
  {
    Iterator it = GetIteratorAtIndex(start, false);
    if (!it.valid()) return false;
    node = it.current_;
    offset = it.offset_;
  }
  while (extent) {
    QuicklistNode* next = node->next;
    uint64_t del;
    bool delete_entire_node = false;
    if (offset == 0 && extent >= node->count) {
      delete_entire_node = true;
      del = node->count;
    } else if (offset >= 0 && extent + uint64_t(offset) >= node->count) {
      del = node->count - uint64_t(offset);
    } else if (offset < 0) {
      // First node, negative offset: delete from there to the node's tail at most.
      del = uint64_t(-offset);
      if (del > extent) del = extent;
    } else {
      del = extent;
    }
    if (delete_entire_node || node->plain) {
      DelNode(node);
    } else {
      DecompressNodeForUse(node);
      node->entry = lp::DeleteRange(node->entry, offset, del);
      UpdateSz(node);
      node->count -= uint32_t(del);
      count_ -= del;
      if (node->count == 0) {
        DelNode(node);
      } else {
        RecompressOnly(node);
      }
    }
    extent -= del;
    node = next;
    offset = 0;
  }
  return true;
}

void Quicklist::Rotate() {
  if (count_ <= 1) return;
  if (tail_->plain) {
    // Move the whole plain node to the front.
    QuicklistNode* new_head = tail_;
    QuicklistNode* new_tail = tail_->prev;
    head_->prev = new_head;
    new_tail->next = nullptr;
    new_head->next = head_;
    new_head->prev = nullptr;
    head_ = new_head;
    tail_ = new_tail;
    // The new tail may have been a compressed inner node (Redis leaves it so; we restore the
    // raw-ends invariant).
    CompressAround(nullptr);
    return;
  }
  char buf[32];
  std::string value(lp::Get(lp::Seek(tail_->entry, -1)).AsString(buf));
  PushHead(value);
  uint8_t* p = lp::Seek(tail_->entry, -1);
  DelIndex(tail_, &p);
}

Quicklist* Quicklist::Dup() const {
  auto* copy = new Quicklist(fill_, compress_);
  for (const QuicklistNode* cur = head_; cur; cur = cur->next) {
    QuicklistNode* node = copy->CreateNode();
    size_t bytes = cur->compressed ? cur->lzf_sz : cur->sz;
    node->entry = static_cast<uint8_t*>(MemAlloc(bytes ? bytes : 1));
    std::memcpy(node->entry, cur->entry, bytes);
    node->count = cur->count;
    node->sz = cur->sz;
    node->lzf_sz = cur->lzf_sz;
    node->compressed = cur->compressed;
    node->plain = cur->plain;
    copy->count_ += node->count;
    copy->InsertNode(copy->tail_, node, true);
  }
  return copy;
}

}  // namespace ember
