// Incremental parser for client requests: RESP multibulk arrays and inline commands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ember {

struct RequestLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  bool unauthenticated = false;                // tighter limits before AUTH
  bool from_master = false;                    // a master's stream: no bulk limit, no inline
};

// Parses one request at a time out of a byte range that starts at the request's first byte.
// The parser keeps offsets, not pointers, so the caller may move or grow its buffer between
// calls, as long as the unconsumed bytes keep starting at the same position it passes.
class RequestParser {
 public:
  enum class State { kOk, kNeedMore, kError };

  // On kOk, *consumed is the request's size and args() views into buf (or into the parser
  // for inline requests) until the next Parse/Reset. An empty args() after kOk means an
  // empty request ("*0" or an empty inline line) to be skipped. On kError, error() is
  // Redis's message (without the leading '-').
  State Parse(const char* buf, size_t len, const RequestLimits& limits, size_t* consumed);

  const std::vector<std::string_view>& args() const { return args_; }
  const std::string& error() const { return error_; }
  // For a partially read bulk argument: how many more bytes would complete it (0 if unknown).
  size_t BytesStillNeeded(size_t len) const;
  bool InProgress() const { return multibulk_left_ > 0 || pos_ > 0; }
  void Reset();
  // Gives back the per-argument arrays after a request with very many arguments (kept
  // otherwise, so ordinary requests reuse them). Only between requests.
  void ReleaseLargeArrays();
  // Beyond this many arguments the arrays are not kept between requests.
  static constexpr size_t kKeptArgs = 1024;

 private:
  State ParseInline(const char* buf, size_t len, const RequestLimits& limits, size_t* consumed);
  State Fail(std::string msg);

  // Progress through the current multibulk request.
  size_t pos_ = 0;              // next unread byte, relative to the request start
  int64_t multibulk_left_ = 0;  // arguments still to read
  int64_t bulk_len_ = -1;       // length of the argument being read, -1 if header unread
  std::vector<std::pair<size_t, size_t>> spans_;  // offset, length of each argument read
  std::vector<std::string_view> args_;
  std::vector<std::string> inline_args_;
  std::string error_;
};

}  // namespace ember
