// The replication backlog: the newest bytes of the replication stream, kept so that a replica
// that lost its link can continue from where it stopped (PSYNC answered with +CONTINUE)
// instead of loading a whole snapshot again.
//
// Offsets are Redis's: the stream's bytes are numbered from 1, `end_offset()` is the
// master_repl_offset (bytes ever appended), and a replica that has applied N bytes asks for
// N + 1. Memory grows with the history up to `capacity` and is then reused as a ring.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ember {

class ReplBacklog {
 public:
  // `offset`: the master_repl_offset when the backlog is created (the next byte is offset+1).
  ReplBacklog(size_t capacity, int64_t offset);

  void Append(std::string_view bytes);
  // Changes the capacity, keeping the newest bytes that fit.
  void Resize(size_t capacity);
  // Renumbers the history so that it ends at `offset` (the offset was rebased).
  void SetEndOffset(int64_t offset) { end_ = offset; }

  size_t capacity() const { return capacity_; }
  size_t histlen() const { return histlen_; }
  int64_t end_offset() const { return end_; }
  // Offset of the oldest byte held (INFO repl_backlog_first_byte_offset).
  int64_t first_offset() const { return end_ - int64_t(histlen_) + 1; }
  // Whether a replica asking for `offset` (its applied bytes + 1) can continue from here.
  bool Covers(int64_t offset) const { return offset >= first_offset() && offset <= end_ + 1; }
  // Appends to *out the bytes from `offset` to the end; `offset` must be covered.
  void CopyFrom(int64_t offset, std::string* out) const;
  // Bytes of memory held.
  size_t memory() const { return buf_.capacity(); }

 private:
  size_t capacity_;
  std::string buf_;  // grows to capacity_, then wraps
  size_t next_ = 0;  // where the next byte goes once buf_ is full
  size_t histlen_ = 0;
  int64_t end_;
};

}  // namespace ember
