// Writes RESP2 or RESP3 replies into a byte buffer owned by the caller.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ember {

class ReplyBuilder {
 public:
  // `out` must outlive the builder; replies are appended to it.
  explicit ReplyBuilder(std::string* out, int resp = 2) : out_(out), resp_(resp) {}

  void set_resp(int resp) { resp_ = resp; }
  int resp() const { return resp_; }
  std::string* buffer() { return out_; }
  void set_buffer(std::string* out) { out_ = out; }

  // Called with the error code ("ERR", "WRONGTYPE", ...) of every error reply written.
  using ErrorHook = void (*)(void* ctx, std::string_view code);
  void set_error_hook(ErrorHook hook, void* ctx) {
    error_hook_ = hook;
    error_ctx_ = ctx;
  }

  void SimpleString(std::string_view s);
  void Ok() { Raw("+OK\r\n"); }
  // As Redis's addReplyError: a message starting with '-' carries its own error code
  // ("-WRONGTYPE ..."), one starting with "ERR " is sent as is, anything else gets "ERR "
  // prepended. Newlines are replaced by spaces.
  void Error(std::string_view msg);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  void Null();       // $-1 in RESP2, _ in RESP3
  void NullArray();  // *-1 in RESP2, _ in RESP3
  void ArrayHeader(int64_t n);
  void MapHeader(int64_t n);   // n pairs; RESP2 writes an array of 2n
  void SetHeader(int64_t n);   // RESP2 writes an array
  void PushHeader(int64_t n);  // RESP2 writes an array
  void Double(double d);       // RESP3 ','; RESP2 a bulk string
  void Bool(bool b);           // RESP3 '#'; RESP2 integer 0/1
  void Verbatim(std::string_view s, std::string_view fmt = "txt");  // RESP2 bulk
  void BigNumber(std::string_view digits);                          // RESP2 bulk
  void Raw(std::string_view bytes) { out_->append(bytes); }

  // Reserves room for an array header whose length is known only later.
  size_t DeferredLength();
  void SetDeferredArrayLength(size_t handle, int64_t n);
  void SetDeferredMapLength(size_t handle, int64_t n);
  void SetDeferredSetLength(size_t handle, int64_t n);

 private:
  void Header(char type, int64_t n);
  void SetDeferred(size_t handle, char type, int64_t n);

  std::string* out_;
  int resp_;
  ErrorHook error_hook_ = nullptr;
  void* error_ctx_ = nullptr;
};

}  // namespace ember
