#include "common/resp/parser.h"

#include <cstring>

#include "common/util/strings.h"
#include "proto/resp.h"

namespace ember {

void RequestParser::Reset() {
  pos_ = 0;
  multibulk_left_ = 0;
  bulk_len_ = -1;
  spans_.clear();
  args_.clear();
}

void RequestParser::ReleaseLargeArrays() {
  if (spans_.capacity() > kKeptArgs) std::vector<std::pair<size_t, size_t>>().swap(spans_);
  if (args_.capacity() > kKeptArgs) std::vector<std::string_view>().swap(args_);
  if (inline_args_.capacity() > kKeptArgs) std::vector<std::string>().swap(inline_args_);
}

RequestParser::State RequestParser::Fail(std::string msg) {
  error_ = std::move(msg);
  return State::kError;
}

size_t RequestParser::BytesStillNeeded(size_t len) const {
  if (bulk_len_ < 0) return 0;
  size_t want = pos_ + size_t(bulk_len_) + 2;
  return want > len ? want - len : 0;
}

RequestParser::State RequestParser::ParseInline(const char* buf, size_t len,
                                                const RequestLimits& limits, size_t* consumed) {
  const char* nl = static_cast<const char*>(memchr(buf, '\n', len));
  if (!nl) {
    if (len > proto::kInlineMaxSize) return Fail("Protocol error: too big inline request");
    return State::kNeedMore;
  }
  size_t line_len = size_t(nl - buf);
  size_t end = line_len + 1;
  if (line_len > 0 && buf[line_len - 1] == '\r') line_len--;
  if (limits.from_master && line_len != 0) {
    return Fail("Protocol error: master using the inline protocol");
  }
  inline_args_.clear();
  if (!SplitArgs(std::string_view(buf, line_len), &inline_args_)) {
    return Fail("Protocol error: unbalanced quotes in request");
  }
  args_.clear();
  for (const auto& a : inline_args_) args_.emplace_back(a);
  *consumed = end;
  return State::kOk;
}

RequestParser::State RequestParser::Parse(const char* buf, size_t len, const RequestLimits& limits,
                                          size_t* consumed) {
  if (pos_ == 0 && multibulk_left_ == 0) {
    if (len == 0) return State::kNeedMore;
    if (buf[0] != '*') return ParseInline(buf, len, limits, consumed);
    const char* cr = static_cast<const char*>(memchr(buf, '\r', len));
    if (!cr) {
      if (len > proto::kInlineMaxSize) return Fail("Protocol error: too big mbulk count string");
      return State::kNeedMore;
    }
    size_t cr_off = size_t(cr - buf);
    if (cr_off + 1 >= len) return State::kNeedMore;  // need the '\n' too
    int64_t n;
    if (!StringToInt64(std::string_view(buf + 1, cr_off - 1), &n) || n > proto::kMaxMultibulkLen) {
      return Fail("Protocol error: invalid multibulk length");
    }
    if (n > proto::kUnauthMaxMultibulkLen && limits.unauthenticated) {
      return Fail("Protocol error: unauthenticated multibulk length");
    }
    pos_ = cr_off + 2;
    spans_.clear();
    args_.clear();
    if (n <= 0) {
      *consumed = pos_;
      pos_ = 0;
      return State::kOk;
    }
    multibulk_left_ = n;
    bulk_len_ = -1;
    spans_.reserve(size_t(n < 1024 ? n : 1024));
  }

  while (multibulk_left_ > 0) {
    if (bulk_len_ < 0) {
      size_t avail = len - pos_;
      const char* p = buf + pos_;
      const char* cr = static_cast<const char*>(memchr(p, '\r', avail));
      if (!cr) {
        if (avail > proto::kInlineMaxSize) {
          return Fail("Protocol error: too big bulk count string");
        }
        return State::kNeedMore;
      }
      size_t cr_off = size_t(cr - p);
      if (cr_off + 1 >= avail) return State::kNeedMore;
      if (p[0] != '$') {
        return Fail(std::string("Protocol error: expected '$', got '") + p[0] + "'");
      }
      int64_t n;
      if (!StringToInt64(std::string_view(p + 1, cr_off - 1), &n) || n < 0 ||
          (!limits.from_master && n > limits.max_bulk_len)) {
        return Fail("Protocol error: invalid bulk length");
      }
      if (n > proto::kUnauthMaxBulkLen && limits.unauthenticated) {
        return Fail("Protocol error: unauthenticated bulk length");
      }
      pos_ += cr_off + 2;
      bulk_len_ = n;
    }
    if (len - pos_ < size_t(bulk_len_) + 2) return State::kNeedMore;
    spans_.emplace_back(pos_, size_t(bulk_len_));
    pos_ += size_t(bulk_len_) + 2;
    bulk_len_ = -1;
    multibulk_left_--;
  }

  args_.clear();
  args_.reserve(spans_.size());
  for (auto [off, n] : spans_) args_.emplace_back(buf + off, n);
  *consumed = pos_;
  pos_ = 0;
  return State::kOk;
}

}  // namespace ember
