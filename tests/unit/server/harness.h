// Runs commands against an in-process Server through a fake client (no sockets), and
// returns parsed replies: `Harness h; auto r = h.Run({"SET", "k", "v"});`.
#pragma once

#include <uv.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "common/resp/client.h"
#include "server/server.h"

namespace ember::test {

class Harness {
 public:
  // `config` lines in redis.conf syntax are applied before Init.
  explicit Harness(const std::string& config = "") {
    uv_loop_init(&loop_);
    server_ = std::make_unique<Server>(&loop_);
    if (!config.empty()) {
      Status st = server_->config().LoadString(config);
      if (!st.ok()) throw std::runtime_error(st.message());
    }
    server_->Init();
    client_ = server_->CreateClient(nullptr);
  }
  ~Harness() {
    server_->CloseHandles();
    uv_run(&loop_, UV_RUN_DEFAULT);  // runs the close callbacks
    server_.reset();
    uv_loop_close(&loop_);
  }

  RespValue Run(std::vector<std::string> args) { return RunOn(client_, std::move(args)); }

  RespValue RunOn(Client* c, std::vector<std::string> args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    c->argv = views;
    c->out().clear();
    server_->Dispatch(*c);
    c->argv.clear();
    RespValue v;
    size_t used = 0;
    if (c->out().empty()) {
      v.type = RespValue::Type::kNull;
      v.str = "<no reply>";
      return v;
    }
    if (ParseReply(c->out().data(), c->out().size(), &v, &used) != ReplyParse::kOk) {
      v.type = RespValue::Type::kError;
      v.str = "unparsable reply: " + c->out();
    }
    return v;
  }

  // A second client on the same server.
  Client* NewClient() { return server_->CreateClient(nullptr); }
  Server& server() { return *server_; }
  Client* client() { return client_; }

 private:
  uv_loop_t loop_;
  std::unique_ptr<Server> server_;
  Client* client_;
};

}  // namespace ember::test
