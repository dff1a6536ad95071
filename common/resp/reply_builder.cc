#include "common/resp/reply_builder.h"

#include <cmath>

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
}  // namespace

void ReplyBuilder::Header(char type, int64_t n) {
  char buf[24];
  buf[0] = type;
  size_t len = 1 + Int64ToChars(n, buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
  out_->append(buf, len);
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
  Header(proto::kBulkString, int64_t(s.size()));
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::Null() { Raw(resp_ >= 3 ? "_\r\n" : "$-1\r\n"); }
void ReplyBuilder::NullArray() { Raw(resp_ >= 3 ? "_\r\n" : "*-1\r\n"); }
void ReplyBuilder::ArrayHeader(int64_t n) { Header(proto::kArray, n); }

void ReplyBuilder::MapHeader(int64_t n) {
  if (resp_ >= 3) {
    Header(proto::kMap, n);
  } else {
    Header(proto::kArray, n * 2);
  }
}

void ReplyBuilder::SetHeader(int64_t n) { Header(resp_ >= 3 ? proto::kSetType : proto::kArray, n); }
void ReplyBuilder::PushHeader(int64_t n) {
  Header(resp_ >= 3 ? proto::kPush : proto::kArray, n);
}

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
  buf[0] = type;
  size_t len = 1 + Int64ToChars(n, buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
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
