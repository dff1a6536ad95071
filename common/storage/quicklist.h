// Quicklist: the list value of Redis 7.0 (encoding "quicklist"). A doubly linked list of
// nodes, each a listpack of several elements ("packed") or a single large element stored as
// is ("plain", for elements at or above the packed threshold). Nodes fill up to
// list-max-listpack-size (negative: a byte budget of 4/8/16/32/64 KB; positive: a number of
// entries, with an 8 KB safety limit), and nodes deeper than list-compress-depth from either
// end are LZF compressed. The node layout and fill/split/merge decisions follow Redis so that
// the RDB form (one listpack per node) comes out the same.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/storage/listpack.h"

namespace ember {

struct QuicklistNode {
  QuicklistNode* prev = nullptr;
  QuicklistNode* next = nullptr;
  // Raw: the listpack (packed) or the element bytes (plain). Compressed: the LZF data.
  uint8_t* entry = nullptr;
  size_t sz = 0;      // bytes of the raw form
  size_t lzf_sz = 0;  // bytes of the LZF data while compressed
  uint32_t count = 0;
  bool plain = false;
  bool compressed = false;
  bool recompress = false;     // decompressed temporarily; compress again when done
  bool dont_compress = false;  // pinned raw during a multi-step update
};

class Quicklist {
 public:
  // An element: an integer or a string viewing into the node (valid until the next change).
  using Value = lp::Value;

  // Position of an element, filled by Iterator::Next.
  struct Entry {
    QuicklistNode* node = nullptr;
    uint8_t* zi = nullptr;  // element inside the node's listpack (the node data if plain)
    int64_t offset = 0;     // index inside the node (negative when counted from its tail)
    Value value;
  };

  // Walks the elements forward (head to tail) or backward. Deleting the current element
  // through DelEntry keeps the iterator usable; any other change invalidates it.
  class Iterator {
   public:
    Iterator() = default;
    ~Iterator() { Release(); }
    Iterator(const Iterator&) = delete;
    Iterator& operator=(const Iterator&) = delete;
    Iterator(Iterator&& o) noexcept { *this = std::move(o); }
    Iterator& operator=(Iterator&& o) noexcept;

    bool valid() const { return ql_ != nullptr; }
    bool Next(Entry* e);
    void SetForward(bool forward) { forward_ = forward; }
    // Recompresses the current node (done by the destructor too).
    void Release();

   private:
    friend class Quicklist;
    Quicklist* ql_ = nullptr;
    QuicklistNode* current_ = nullptr;
    uint8_t* zi_ = nullptr;
    int64_t offset_ = 0;
    bool forward_ = true;
  };

  // fill: list-max-listpack-size; compress: list-compress-depth (clamped as Redis does).
  Quicklist(int fill = -2, int compress = 0);
  ~Quicklist();
  Quicklist(const Quicklist&) = delete;
  Quicklist& operator=(const Quicklist&) = delete;

  void SetOptions(int fill, int compress);
  int fill() const { return fill_; }
  int compress() const { return compress_; }

  // Elements at or above this size get their own plain node (DEBUG
  // QUICKLIST-PACKED-THRESHOLD; 0 restores the 1 GB default). Process-wide, as in Redis.
  static void SetPackedThreshold(size_t bytes);
  static size_t packed_threshold();

  size_t Count() const { return count_; }
  size_t NodeCount() const { return len_; }
  QuicklistNode* head() const { return head_; }
  QuicklistNode* tail() const { return tail_; }

  void PushHead(std::string_view v);
  void PushTail(std::string_view v);
  void Push(std::string_view v, bool head) { head ? PushHead(v) : PushTail(v); }
  // The element at the head or tail (the list must not be empty). Valid until the next change.
  Value Peek(bool head);
  // Removes the head or tail element. False if the list is empty.
  bool PopDiscard(bool head);
  // Pops into `out`. False if the list is empty.
  bool Pop(bool head, std::string* out);

  // Iterators. AtIndex: positioned on `index` (negative counts from the tail); invalid
  // (valid() == false) if out of range.
  Iterator GetIterator(bool forward);
  Iterator GetIteratorAtIndex(int64_t index, bool forward);
  // Reads element `index`; false if out of range.
  bool Index(int64_t index, std::string* out);
  // Calls fn(const Value&) for `count` elements starting at index `first` (0-based from the
  // head; it and count must be in range), toward the tail, or toward the head if `reverse`.
  // The read-only walk of LRANGE: cheaper per element than an Iterator.
  template <typename Fn>
  void ForEachInRange(uint64_t first, uint64_t count, bool reverse, Fn&& fn);

  // Changes at an iterator's entry. Delete keeps the iterator usable; insert and replace
  // invalidate it (it must be released or dropped).
  void DelEntry(Iterator* it, Entry* e);
  void InsertBefore(Iterator* it, Entry* e, std::string_view v) { Insert(it, e, v, false); }
  void InsertAfter(Iterator* it, Entry* e, std::string_view v) { Insert(it, e, v, true); }
  void ReplaceEntry(Iterator* it, Entry* e, std::string_view v);
  bool ReplaceAtIndex(int64_t index, std::string_view v);

  // Deletes `count` elements from `start` (negative counts from the tail). False if nothing.
  bool DelRange(int64_t start, int64_t count);
  // Moves the tail element to the head.
  void Rotate();
  // Deep copy with the same nodes (compressed nodes are copied compressed).
  Quicklist* Dup() const;

  // RDB loading: takes ownership of a listpack / plain element as a new tail node.
  void AppendListpack(uint8_t* lp);
  void AppendPlainNode(uint8_t* data, size_t sz);  // data from MemAlloc
  // Raw bytes of a node for serialization; decompresses into `scratch` if needed.
  static std::string_view NodeData(const QuicklistNode* n, std::string* scratch);

  // Memory held by the list (nodes, listpacks, compressed blobs).
  size_t Bytes() const;

 private:
  QuicklistNode* CreateNode();
  QuicklistNode* CreatePlainNode(std::string_view v);
  void InsertNode(QuicklistNode* old_node, QuicklistNode* new_node, bool after);
  void InsertPlainNode(QuicklistNode* old_node, std::string_view v, bool after);
  void DelNode(QuicklistNode* node);
  bool DelIndex(QuicklistNode* node, uint8_t** p);
  bool CompressNodeRaw(QuicklistNode* node);
  bool DecompressNodeRaw(QuicklistNode* node);
  void CompressNode(QuicklistNode* node);
  void DecompressNode(QuicklistNode* node);
  void DecompressNodeForUse(QuicklistNode* node);
  void CompressAround(QuicklistNode* node);
  void Compress(QuicklistNode* node);
  void RecompressOnly(QuicklistNode* node);
  bool NodeAllowInsert(const QuicklistNode* node, size_t sz) const;
  bool NodeAllowMerge(const QuicklistNode* a, const QuicklistNode* b) const;
  QuicklistNode* ListpackMerge(QuicklistNode* a, QuicklistNode* b);
  void MergeNodes(QuicklistNode* center);
  QuicklistNode* SplitNode(QuicklistNode* node, int64_t offset, bool after);
  void Insert(Iterator* it, Entry* e, std::string_view v, bool after);
  static void UpdateSz(QuicklistNode* n) { n->sz = lp::Bytes(n->entry); }

  QuicklistNode* head_ = nullptr;
  QuicklistNode* tail_ = nullptr;
  size_t count_ = 0;  // elements
  size_t len_ = 0;    // nodes
  int fill_ = -2;
  int compress_ = 0;
};

template <typename Fn>
void Quicklist::ForEachInRange(uint64_t first, uint64_t count, bool reverse, Fn&& fn) {
  if (count == 0 || first >= count_) return;
  // The node holding `first` and its offset there, walking from the closer end.
  QuicklistNode* n;
  uint64_t off;
  if (first <= (count_ - 1) / 2) {
    n = head_;
    off = first;
    while (off >= n->count) {
      off -= n->count;
      n = n->next;
    }
  } else {
    n = tail_;
    uint64_t back = count_ - 1 - first;  // elements after `first`
    while (back >= n->count) {
      back -= n->count;
      n = n->prev;
    }
    off = n->count - 1 - back;
  }
  while (n && count > 0) {
    DecompressNodeForUse(n);
    if (n->plain) {
      Value v;
      v.sval = std::string_view(reinterpret_cast<const char*>(n->entry), n->sz);
      fn(static_cast<const Value&>(v));
      count--;
    } else {
      uint8_t* lp = n->entry;
      uint8_t* p = lp::Seek(lp, int64_t(off));
      while (p && count > 0) {
        fn(static_cast<const Value&>(lp::Get(p)));
        count--;
        p = reverse ? lp::Prev(lp, p) : lp::Next(lp, p);
      }
    }
    Compress(n);
    if (reverse) {
      n = n->prev;
      off = n ? n->count - 1 : 0;
    } else {
      n = n->next;
      off = 0;
    }
  }
}

}  // namespace ember
