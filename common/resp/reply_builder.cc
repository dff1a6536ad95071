#include "common/resp/reply_builder.h"

#include <cmath>
#include <cstring>

#include "common/util/strings.h"
#include "proto/resp.h"

namespace ember {
namespace {
// A placeholder long enough for any header: type, up to 20 digits, CRLF.
constexpr size_t kDeferredWidth = 24;

// Strips the '-' of a message that names its own code; reports whether it has one.
bool TakeErrorCode(std::string_view* msg) {
  if (!msg->empty() && (*msg)[0] == '-') {
    msg->remove_prefix(1);
    return true;
  }
  return msg->substr(0, 4) == "ERR ";
}

// Writes type, the decimal n and CRLF at buf (room for 24 bytes); returns the length.
inline size_t FormatHeader(char* buf, char type, int64_t n) {
  buf[0] = type;
  size_t len;
  if (n >= 0 && n < 10) {  // the common short cases without the general conversion
    buf[1] = char('0' + n);
    len = 2;
  } else if (n >= 10 && n < 100) {
    buf[1] = char('0' + n / 10);
    buf[2] = char('0' + n % 10);
    len = 3;
  } else {
    len = 1 + Int64ToChars(n, buf + 1);
  }
  buf[len++] = '\r';
  buf[len++] = '\n';
  return len;
}
}  // namespace

void ReplyBuilder::Header(char type, int64_t n) {
  char buf[24];
  out_->append(buf, FormatHeader(buf, type, n));
}

void ReplyBuilder::SimpleString(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::Error(std::string_view msg) {
  out_->push_back('-');
  bool has_code = TakeErrorCode(&msg);
  if (!has_code) out_->append("ERR ");
  if (error_hook_) error_hook_(error_ctx_, has_code ? msg.substr(0, msg.find(' ')) : "ERR");
  size_t start = out_->size();
  out_->append(msg);
  for (size_t i = start; i < out_->size(); i++) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n");
}

void ReplyBuilder::Integer(int64_t v) { Header(proto::kInteger, v); }

void ReplyBuilder::Bulk(std::string_view s) {
  // A short string is framed on the stack and appended once (one capacity check instead
  // of three: list, set and hash replies are mostly such strings).
  constexpr size_t kSmall = 200;
  if (s.size() <= kSmall) {
    char buf[kSmall + 32];
    size_t len = FormatHeader(buf, proto::kBulkString, int64_t(s.size()));
    if (!s.empty()) memcpy(buf + len, s.data(), s.size());
    len += s.size();
    buf[len++] = '\r';
    buf[len++] = '\n';
    out_->append(buf, len);
    return;
  }
  Header(proto::kBulkString, int64_t(s.size()));
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::Null() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}
void ReplyBuilder::NullArray() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}
void ReplyBuilder::ArrayHeader(int64_t n) { Header(proto::kArray, n); }

void ReplyBuilder::MapHeader(int64_t n) {
  if (resp_ >= 3) {
    Header(proto::kMap, n);
  } else {
    Header(proto::kArray, n * 2);
  }
}

void ReplyBuilder::SetHeader(int64_t n) { Header(resp_ >= 3 ? proto::kSetType : proto::kArray, n); }
void ReplyBuilder::PushHeader(int64_t n) { Header(resp_ >= 3 ? proto::kPush : proto::kArray, n); }

void ReplyBuilder::Double(double d) {
  if (resp_ >= 3) {
    out_->push_back(proto::kDouble);
    if (std::isinf(d)) {
      out_->append(d > 0 ? "inf" : "-inf");
    } else {
      out_->append(DoubleToString(d));
    }
    out_->append("\r\n");
  } else {
    Bulk(DoubleToString(d));
  }
}

void ReplyBuilder::Bool(bool b) {
  if (resp_ >= 3) {
    Raw(b ? "#t\r\n" : "#f\r\n");
  } else {
    Raw(b ? ":1\r\n" : ":0\r\n");
  }
}

void ReplyBuilder::Verbatim(std::string_view s, std::string_view fmt) {
  if (resp_ < 3) return Bulk(s);
  Header(proto::kVerbatim, int64_t(s.size() + fmt.size() + 1));
  out_->append(fmt);
  out_->push_back(':');
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::BigNumber(std::string_view digits) {
  if (resp_ < 3) return Bulk(digits);
  out_->push_back(proto::kBigNumber);
  out_->append(digits);
  out_->append("\r\n");
}

size_t ReplyBuilder::DeferredLength() {
  size_t at = out_->size();
  out_->append(kDeferredWidth, ' ');
  return at;
}

void ReplyBuilder::SetDeferred(size_t handle, char type, int64_t n) {
  char buf[24];
  size_t len = FormatHeader(buf, type, n);
  out_->replace(handle, kDeferredWidth, buf, len);
}

void ReplyBuilder::SetDeferredArrayLength(size_t handle, int64_t n) {
  SetDeferred(handle, proto::kArray, n);
}
void ReplyBuilder::SetDeferredMapLength(size_t handle, int64_t n) {
  if (resp_ >= 3) {
    SetDeferred(handle, proto::kMap, n);
  } else {
    SetDeferred(handle, proto::kArray, n * 2);
  }
}
void ReplyBuilder::SetDeferredSetLength(size_t handle, int64_t n) {
  SetDeferred(handle, resp_ >= 3 ? proto::kSetType : proto::kArray, n);
}

}  // namespace ember
