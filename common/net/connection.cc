#include "common/net/connection.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>

namespace ember {
namespace {
struct WriteReq {
  uv_write_t req;
  size_t len;
  char data[];
};

std::string FormatAddr(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    port = ntohs(a->sin_port);
    return std::string(ip) + ":" + std::to_string(port);
  }
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
    port = ntohs(a->sin6_port);
    return std::string(ip) + ":" + std::to_string(port);
  }
  return "?:0";
}
}  // namespace

Connection::Connection(uv_loop_t* loop, bool unix_socket) : unix_(unix_socket) {
  if (unix_socket) {
    uv_pipe_init(loop, &h_.pipe, 0);
  } else {
    uv_tcp_init(loop, &h_.tcp);
  }
  h_.handle.data = this;
}

Connection* Connection::Accept(uv_stream_t* listener, bool unix_socket) {
  auto* c = new Connection(listener->loop, unix_socket);
  if (uv_accept(listener, &c->h_.stream) != 0) {
    c->closing_ = true;
    uv_close(&c->h_.handle, OnClosed);
    return nullptr;
  }
  c->FillAddresses();
  return c;
}

namespace {
struct ConnectReq {
  uv_connect_t req;
  Connection::ConnectCallback done;
};
}  // namespace

Connection* Connection::Connect(uv_loop_t* loop, const std::string& host, int port,
                                ConnectCallback done, std::string* error,
                                const std::string& source_addr) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0 || !res) {
    *error = gai_strerror(rc);
    return nullptr;
  }
  auto* c = new Connection(loop, false);
  if (!source_addr.empty()) {
    addrinfo* src = nullptr;
    hints.ai_family = res->ai_family;
    hints.ai_flags = AI_PASSIVE;
    int brc = getaddrinfo(source_addr.c_str(), nullptr, &hints, &src);
    int bst = brc != 0 || !src ? UV_EINVAL : uv_tcp_bind(&c->h_.tcp, src->ai_addr, 0);
    if (src) freeaddrinfo(src);
    if (bst != 0) {
      *error = brc != 0 ? gai_strerror(brc) : uv_strerror(bst);
      freeaddrinfo(res);
      c->closing_ = true;
      uv_close(&c->h_.handle, OnClosed);
      return nullptr;
    }
  }
  auto* r = new ConnectReq{{}, std::move(done)};
  r->req.data = c;
  int st = uv_tcp_connect(&r->req, &c->h_.tcp, res->ai_addr, OnConnected);
  freeaddrinfo(res);
  if (st != 0) {
    *error = uv_strerror(st);
    delete r;
    c->closing_ = true;
    uv_close(&c->h_.handle, OnClosed);
    return nullptr;
  }
  return c;
}

void Connection::OnConnected(uv_connect_t* req, int status) noexcept {
  auto* r = reinterpret_cast<ConnectReq*>(req);
  auto* c = static_cast<Connection*>(req->data);
  ConnectCallback done = std::move(r->done);
  delete r;
  if (status == 0 && !c->closing_) {
    c->FillAddresses();
    done(c, 0);
    return;
  }
  if (!c->closing_) c->Close(false);
  done(c, status == 0 ? UV_ECANCELED : status);
}

void Connection::FillAddresses() {
  if (unix_) {
    char buf[1024];
    size_t len = sizeof(buf);
    peer_ = "/unixsocket:0";
    if (uv_pipe_getsockname(&h_.pipe, buf, &len) == 0) {
      local_ = std::string(buf, len) + ":0";
    }
    return;
  }
  sockaddr_storage ss;
  int len = sizeof(ss);
  if (uv_tcp_getpeername(&h_.tcp, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    peer_ = FormatAddr(ss);
  }
  len = sizeof(ss);
  if (uv_tcp_getsockname(&h_.tcp, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    local_ = FormatAddr(ss);
  }
}

bool Connection::is_loopback() const {
  if (unix_) return true;
  return peer_.rfind("127.", 0) == 0 || peer_.rfind("::1:", 0) == 0;
}

int Connection::fd() const {
  uv_os_fd_t fd = -1;
  uv_fileno(&h_.handle, &fd);
  return fd;
}

void Connection::SetKeepAlive(int seconds) {
  if (!unix_ && seconds > 0) uv_tcp_keepalive(&h_.tcp, 1, unsigned(seconds));
}

void Connection::SetNoDelay() {
  if (!unix_) uv_tcp_nodelay(&h_.tcp, 1);
}

void Connection::StartReading() {
  if (reading_ || closing_) return;
  reading_ = true;
  uv_read_start(&h_.stream, OnAlloc, OnRead);
}

void Connection::StopReading() {
  if (!reading_) return;
  reading_ = false;
  uv_read_stop(&h_.stream);
}

void Connection::OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf) noexcept {
  auto* c = static_cast<Connection*>(h->data);
  if (c->owner_ && !c->closing_) {
    *buf = c->owner_->ReadBuffer(suggested);
  } else {
    *buf = uv_buf_init(nullptr, 0);
  }
}

void Connection::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* c = static_cast<Connection*>(s->data);
  if (nread > 0) {
    if (c->owner_) c->owner_->OnData(size_t(nread));
    return;
  }
  if (nread == 0 || nread == UV_ENOBUFS) return;  // EAGAIN, or owner gave no room
  c->Fail();
}

void Connection::Fail() {
  Owner* o = owner_;
  owner_ = nullptr;
  if (o) o->OnDisconnect();
  Close(false);
}

void Connection::Write(std::string_view data) {
  if (closing_ || data.empty()) return;
  size_t off = 0;
  if (queued_ == 0) {
    uv_buf_t b = uv_buf_init(const_cast<char*>(data.data()), unsigned(data.size()));
    int n = uv_try_write(&h_.stream, &b, 1);
    if (n > 0) off = size_t(n);
    if (n < 0 && n != UV_EAGAIN) {
      Fail();
      return;
    }
    if (off == data.size()) return;
  }
  size_t rest = data.size() - off;
  auto* w = static_cast<WriteReq*>(malloc(sizeof(WriteReq) + rest));
  w->len = rest;
  memcpy(w->data, data.data() + off, rest);
  w->req.data = this;
  uv_buf_t b = uv_buf_init(w->data, unsigned(rest));
  queued_ += rest;
  if (uv_write(&w->req, &h_.stream, &b, 1, OnWritten) != 0) {
    queued_ -= rest;
    free(w);
    Fail();
  }
}

void Connection::OnWritten(uv_write_t* req, int status) noexcept {
  auto* w = reinterpret_cast<WriteReq*>(req);
  auto* c = static_cast<Connection*>(req->data);
  c->queued_ -= w->len;
  free(w);
  if (status < 0 && status != UV_ECANCELED && !c->closing_) c->Fail();
}

void Connection::Close(bool graceful) {
  if (closing_) return;
  closing_ = true;
  owner_ = nullptr;
  StopReading();
  if (graceful && queued_ > 0) {
    auto* req = new uv_shutdown_t;
    req->data = this;
    if (uv_shutdown(req, &h_.stream, OnShutdown) == 0) return;
    delete req;
  }
  uv_close(&h_.handle, OnClosed);
}

void Connection::OnShutdown(uv_shutdown_t* req, int status) noexcept {
  auto* c = static_cast<Connection*>(req->data);
  delete req;
  uv_close(&c->h_.handle, OnClosed);
}

void Connection::OnClosed(uv_handle_t* h) noexcept { delete static_cast<Connection*>(h->data); }

}  // namespace ember
