#include "common/resp/client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/util/strings.h"

namespace ember {
namespace {

ReplyParse ParseLine(const char* buf, size_t len, size_t* line_end) {
  const void* cr = memchr(buf, '\r', len);
  if (!cr) return ReplyParse::kNeedMore;
  size_t off = size_t(static_cast<const char*>(cr) - buf);
  if (off + 1 >= len) return ReplyParse::kNeedMore;
  *line_end = off;
  return ReplyParse::kOk;
}

}  // namespace

std::string RespValue::ToString() const {
  switch (type) {
    case Type::kNull:
      return "(nil)";
    case Type::kInteger:
      return "(integer) " + std::to_string(integer);
    case Type::kError:
      return "(error) " + str;
    case Type::kBool:
      return integer ? "(true)" : "(false)";
    case Type::kArray:
    case Type::kSet:
    case Type::kPush:
    case Type::kMap: {
      std::string s = type == Type::kMap ? "{" : "[";
      for (size_t i = 0; i < elems.size(); i++) {
        if (i) s += ", ";
        s += elems[i].ToString();
      }
      return s + (type == Type::kMap ? "}" : "]");
    }
    default:
      return "\"" + str + "\"";
  }
}

ReplyParse ParseReply(const char* buf, size_t len, RespValue* out, size_t* consumed) {
  if (len == 0) return ReplyParse::kNeedMore;
  size_t le;
  ReplyParse st = ParseLine(buf, len, &le);
  if (st != ReplyParse::kOk) return st;
  std::string_view line(buf + 1, le - 1);
  size_t pos = le + 2;
  char t = buf[0];
  auto aggregate = [&](RespValue::Type type, int64_t n) -> ReplyParse {
    out->type = type;
    out->elems.clear();
    if (n < 0) {
      out->type = RespValue::Type::kNull;
      *consumed = pos;
      return ReplyParse::kOk;
    }
    for (int64_t i = 0; i < n; i++) {
      RespValue v;
      size_t used;
      ReplyParse r = ParseReply(buf + pos, len - pos, &v, &used);
      if (r != ReplyParse::kOk) return r;
      pos += used;
      out->elems.push_back(std::move(v));
    }
    *consumed = pos;
    return ReplyParse::kOk;
  };
  int64_t n = 0;
  switch (t) {
    case '+':
      out->type = RespValue::Type::kString;
      out->str = line;
      break;
    case '-':
      out->type = RespValue::Type::kError;
      out->str = line;
      break;
    case ',':
      out->type = RespValue::Type::kDouble;
      out->str = line;
      break;
    case '(':
      out->type = RespValue::Type::kBigNumber;
      out->str = line;
      break;
    case '_':
      out->type = RespValue::Type::kNull;
      break;
    case '#':
      out->type = RespValue::Type::kBool;
      out->integer = line == "t";
      break;
    case ':':
      out->type = RespValue::Type::kInteger;
      if (!StringToInt64(line, &out->integer)) return ReplyParse::kError;
      break;
    case '$':
    case '=':
    case '!': {
      if (!StringToInt64(line, &n)) return ReplyParse::kError;
      if (n < 0) {
        out->type = RespValue::Type::kNull;
        break;
      }
      if (len - pos < size_t(n) + 2) return ReplyParse::kNeedMore;
      out->type = t == '$'   ? RespValue::Type::kBulk
                  : t == '=' ? RespValue::Type::kVerbatim
                             : RespValue::Type::kError;
      out->str.assign(buf + pos, size_t(n));
      pos += size_t(n) + 2;
      break;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      if (!StringToInt64(line, &n)) return ReplyParse::kError;
      RespValue::Type type = t == '*'   ? RespValue::Type::kArray
                             : t == '~' ? RespValue::Type::kSet
                             : t == '>' ? RespValue::Type::kPush
                                        : RespValue::Type::kMap;
      ReplyParse r = aggregate(type, t == '%' || t == '|' ? n * 2 : n);
      if (r != ReplyParse::kOk || t != '|') return r;
      // An attribute precedes the real reply: skip it and parse what follows.
      size_t used;
      size_t at = *consumed;
      r = ParseReply(buf + at, len - at, out, &used);
      if (r == ReplyParse::kOk) *consumed = at + used;
      return r;
    }
    default:
      return ReplyParse::kError;
  }
  *consumed = pos;
  return ReplyParse::kOk;
}

std::string EncodeCommand(const std::vector<std::string>& args) {
  std::string s = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) {
    s += "$" + std::to_string(a.size()) + "\r\n";
    s += a;
    s += "\r\n";
  }
  return s;
}

RespClient::~RespClient() { Close(); }

void RespClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  buf_.clear();
}

Status RespClient::SetTimeout(int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  return Status::OK();
}

Status RespClient::Connect(const std::string& host, int port, int timeout_ms) {
  Close();
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) {
    return Status::IOError("cannot resolve " + host);
  }
  Status st = Status::IOError("cannot connect to " + host + ":" + std::to_string(port));
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      fd_ = fd;
      int one = 1;
      setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      st = SetTimeout(timeout_ms);
      break;
    }
    close(fd);
  }
  freeaddrinfo(res);
  return st;
}

Status RespClient::ConnectUnix(const std::string& path, int timeout_ms) {
  Close();
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    close(fd);
    return Status::IOError("cannot connect to " + path);
  }
  fd_ = fd;
  return SetTimeout(timeout_ms);
}

Status RespClient::SendRaw(std::string_view bytes) {
  if (fd_ < 0) return Status::IOError("not connected");
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(std::string("send: ") + strerror(errno));
    }
    off += size_t(n);
  }
  return Status::OK();
}

Result<RespValue> RespClient::ReadReply() {
  if (fd_ < 0) return Status::IOError("not connected");
  while (true) {
    RespValue v;
    size_t used;
    ReplyParse r = ParseReply(buf_.data(), buf_.size(), &v, &used);
    if (r == ReplyParse::kOk) {
      buf_.erase(0, used);
      return v;
    }
    if (r == ReplyParse::kError) return Status::Corruption("bad reply");
    char tmp[16384];
    ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
    if (n == 0) return Status::IOError("connection closed");
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(std::string("recv: ") + strerror(errno));
    }
    buf_.append(tmp, size_t(n));
  }
}

Result<RespValue> RespClient::Command(const std::vector<std::string>& args) {
  Status st = SendRaw(EncodeCommand(args));
  if (!st.ok()) return st;
  return ReadReply();
}

bool RespClient::WaitClosed(int timeout_ms) {
  if (fd_ < 0) return true;
  pollfd p{fd_, POLLIN, 0};
  int64_t waited = 0;
  while (waited < timeout_ms) {
    int r = poll(&p, 1, 50);
    waited += 50;
    if (r > 0) {
      char tmp[4096];
      ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
      if (n == 0) return true;
      if (n < 0 && errno != EAGAIN && errno != EINTR) return true;
      if (n > 0) buf_.append(tmp, size_t(n));
    }
  }
  return false;
}

}  // namespace ember
