// RESP replies as values, and a small blocking client (used by sentinel, clustermgr and
// tests). Not for the server's hot path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/status.h"

namespace ember {

struct RespValue {
  enum class Type {
    kString,
    kError,
    kInteger,
    kBulk,
    kNull,
    kArray,
    kMap,
    kSet,
    kPush,
    kDouble,
    kBool,
    kBigNumber,
    kVerbatim
  };
  Type type = Type::kNull;
  std::string str;  // simple/bulk/error/verbatim/bignum/double text
  int64_t integer = 0;
  std::vector<RespValue> elems;  // arrays, sets, pushes; maps as key, value, key, value...

  bool is_error() const { return type == Type::kError; }
  bool is_null() const { return type == Type::kNull; }
  bool is_array() const {
    return type == Type::kArray || type == Type::kSet || type == Type::kPush;
  }
  // A readable one-line rendering, for test failure messages.
  std::string ToString() const;
};

enum class ReplyParse { kOk, kNeedMore, kError };
// Parses one reply from buf. On kOk sets *consumed.
ReplyParse ParseReply(const char* buf, size_t len, RespValue* out, size_t* consumed);

// Encodes a request as a RESP array of bulk strings.
std::string EncodeCommand(const std::vector<std::string>& args);

class RespClient {
 public:
  RespClient() = default;
  ~RespClient();
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;
  RespClient(RespClient&& o) noexcept : fd_(o.fd_), buf_(std::move(o.buf_)) { o.fd_ = -1; }

  Status Connect(const std::string& host, int port, int timeout_ms = 5000);
  Status ConnectUnix(const std::string& path, int timeout_ms = 5000);
  bool connected() const { return fd_ >= 0; }
  void Close();

  // Sends a request and waits for its reply.
  Result<RespValue> Command(const std::vector<std::string>& args);
  // Raw I/O, for protocol tests.
  Status SendRaw(std::string_view bytes);
  Result<RespValue> ReadReply();
  // True if the peer closed the connection (reads EOF within timeout_ms).
  bool WaitClosed(int timeout_ms);

 private:
  Status SetTimeout(int ms);
  int fd_ = -1;
  std::string buf_;
};

}  // namespace ember
