#include "common/repl/backlog.h"

#include <algorithm>
#include <cstring>

namespace ember {

ReplBacklog::ReplBacklog(size_t capacity, int64_t offset)
    : capacity_(std::max<size_t>(1, capacity)), end_(offset) {}

void ReplBacklog::Append(std::string_view b) {
  end_ += int64_t(b.size());
  if (b.size() >= capacity_) {
    buf_.assign(b.substr(b.size() - capacity_));
    next_ = 0;
    histlen_ = capacity_;
    return;
  }
  if (buf_.size() < capacity_) {  // still growing: the history is buf_ itself
    size_t n = std::min(b.size(), capacity_ - buf_.size());
    buf_.append(b.data(), n);
    b.remove_prefix(n);
    histlen_ = buf_.size();
    next_ = 0;  // meaningful once full: the oldest byte is at 0
  }
  while (!b.empty()) {
    size_t n = std::min(b.size(), capacity_ - next_);
    memcpy(buf_.data() + next_, b.data(), n);
    next_ = (next_ + n) % capacity_;
    b.remove_prefix(n);
  }
}

void ReplBacklog::CopyFrom(int64_t offset, std::string* out) const {
  size_t skip = size_t(offset - first_offset());
  size_t len = histlen_ - skip;
  if (len == 0) return;
  // The oldest byte is at 0 while growing, at next_ once full.
  size_t oldest = buf_.size() < capacity_ ? 0 : next_;
  size_t start = (oldest + skip) % buf_.size();
  size_t first = std::min(len, buf_.size() - start);
  out->append(buf_.data() + start, first);
  out->append(buf_.data(), len - first);
}

void ReplBacklog::Resize(size_t capacity) {
  capacity = std::max<size_t>(1, capacity);
  if (capacity == capacity_) return;
  std::string all;
  if (histlen_ > 0) CopyFrom(first_offset(), &all);
  if (all.size() > capacity) all.erase(0, all.size() - capacity);
  capacity_ = capacity;
  buf_ = std::move(all);
  buf_.shrink_to_fit();
  histlen_ = buf_.size();
  next_ = 0;
}

}  // namespace ember
