// A libuv stream (TCP or Unix socket) with buffered writes. Reads go into memory the owner
// provides, so a request parser can work in place.
#pragma once

#include <uv.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace ember {

class Connection {
 public:
  class Owner {
   public:
    virtual ~Owner() = default;
    // Room to read into (at least one byte).
    virtual uv_buf_t ReadBuffer(size_t suggested) = 0;
    // `n` bytes were written at the start of the last ReadBuffer.
    virtual void OnData(size_t n) = 0;
    // The peer closed, or an error occurred. The connection is closing.
    virtual void OnDisconnect() = 0;
  };

  // Accepts a pending connection on `listener`. Returns nullptr on failure.
  static Connection* Accept(uv_stream_t* listener, bool unix_socket);
  // Starts an outgoing TCP connection to host:port (a host name is resolved synchronously,
  // as Redis does). `done(conn, status)` runs once: status 0 when connected, else a libuv
  // error and the connection is already closing. Returns nullptr (and never calls `done`)
  // if the address cannot be resolved or the connect cannot start; *error says why.
  // A non-empty `source_addr` is the local address to connect from (bind-source-addr).
  using ConnectCallback = std::function<void(Connection*, int status)>;
  static Connection* Connect(uv_loop_t* loop, const std::string& host, int port,
                             ConnectCallback done, std::string* error,
                             const std::string& source_addr = "");

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void set_owner(Owner* owner) { owner_ = owner; }
  void StartReading();
  void StopReading();
  bool reading() const { return reading_; }

  // Writes everything: directly when the socket takes it, else queued.
  void Write(std::string_view data);
  // Bytes queued in user space, not yet taken by the kernel.
  size_t queued_bytes() const { return queued_; }

  // Closes once queued writes are done (graceful) or at once. The object deletes itself
  // afterwards; the owner is not called again.
  void Close(bool graceful);
  bool closing() const { return closing_; }

  const std::string& peer() const { return peer_; }
  const std::string& local() const { return local_; }
  bool is_unix() const { return unix_; }
  bool is_loopback() const;
  int fd() const;
  void SetKeepAlive(int seconds);
  void SetNoDelay();

 private:
  explicit Connection(uv_loop_t* loop, bool unix_socket);
  ~Connection() = default;
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf) noexcept;
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void OnWritten(uv_write_t* req, int status) noexcept;
  static void OnClosed(uv_handle_t* h) noexcept;
  static void OnShutdown(uv_shutdown_t* req, int status) noexcept;
  static void OnConnected(uv_connect_t* req, int status) noexcept;
  void FillAddresses();
  void Fail();

  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
    uv_stream_t stream;
    uv_handle_t handle;
  } h_;
  bool unix_;
  bool reading_ = false;
  bool closing_ = false;
  size_t queued_ = 0;
  Owner* owner_ = nullptr;
  std::string peer_, local_;
};

}  // namespace ember
