#include "server/client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "common/util/clock.h"
#include "common/util/memory.h"
#include "proto/resp.h"
#include "server/acl.h"
#include "server/server.h"

namespace ember {

Client::Client(Server* server, Connection* conn, uint64_t id)
    : server_(server), conn_(conn), id_(id), reply_(&out_, 2) {
  SelectDb(0);
  ctime_ms = NowMs();
  last_interaction_ms = ctime_ms;
  rbuf_peak_reset_ms = ctime_ms;
  if (conn_) {
    out_.reserve(rbuf_size);
    conn_->set_owner(this);
    if (conn_->is_unix()) set(kClientUnixSocket);
  } else {
    set(kClientFake);
  }
}

Client::~Client() {
  if (conn_) conn_->Close(false);
  if (qbuf_) MemFree(qbuf_);
}

void Client::SelectDb(int index) {
  db_index_ = index;
  db_ = &server_->db(index);
}

void Client::CloseAsap() {
  set(kClientCloseAsap);
  server_->FreeClientAsync(this);
}

uv_buf_t Client::ReadBuffer(size_t suggested) {
  // Read straight to the end of a large bulk argument when one is in progress.
  size_t want = proto::kIoBufLen;
  size_t still = parser_.BytesStillNeeded(qlen_ - qpos_);
  if (still > want) want = still;
  if (qcap_ - qlen_ < want) {
    // Compact first: the unparsed bytes move to the front.
    if (qpos_ > 0) {
      memmove(qbuf_, qbuf_ + qpos_, qlen_ - qpos_);
      qlen_ -= qpos_;
      qpos_ = 0;
    }
    if (qcap_ - qlen_ < want) {
      size_t cap = qlen_ + want;
      if (cap < qcap_ * 2 && still == 0) cap = qcap_ * 2;
      qbuf_ = static_cast<char*>(qbuf_ ? MemRealloc(qbuf_, cap) : MemAlloc(cap));
      qcap_ = cap;
    }
  }
  return uv_buf_init(qbuf_ + qlen_, unsigned(qcap_ - qlen_));
}

void Client::OnData(size_t n) {
  qlen_ += n;
  server_->stats_.net_input_bytes += n;
  server_->stats_.io_reads++;
  last_interaction_ms = NowMs();
  if (query_buffer_size() > qpeak_) qpeak_ = query_buffer_size();
  ProcessInput();
  if (has(kClientCloseAsap)) return;
  // The limit counts bytes still waiting to become a request.
  if (query_buffer_size() > size_t(server_->config().client_query_buffer_limit)) {
    spdlog::warn("Closing client that reached max query buffer length (qbuf={})",
                 query_buffer_size());
    server_->stats_.client_qbuf_limit_disconnections++;
    CloseAsap();
    return;
  }
  server_->MarkPendingWrite(this);
}

void Client::OnDisconnect() {
  conn_ = nullptr;  // the connection closes itself
  server_->FreeClientAsync(this);
}

void Client::ProcessInput() {
  RequestLimits limits;
  limits.max_bulk_len = server_->config().proto_max_bulk_len;
  limits.from_master = has(kClientMaster);
  while (qpos_ < qlen_) {
    if (has(kClientBlocked) || has(kClientCloseAfterReply) || has(kClientCloseAsap)) break;
    limits.unauthenticated = server_->acl().AuthRequired(*this);
    size_t consumed = 0;
    auto st = parser_.Parse(qbuf_ + qpos_, qlen_ - qpos_, limits, &consumed);
    if (st == RequestParser::State::kNeedMore) break;
    if (st == RequestParser::State::kError) {
      reply_.Error(parser_.error());
      server_->stats_.total_error_replies++;
      spdlog::debug("Protocol error ({}) from client id={}", parser_.error(), id_);
      set(kClientProtocolError);
      CloseAfterReply();
      qpos_ = qlen_;
      parser_.Reset();
      break;
    }
    const auto& a = parser_.args();
    if (!a.empty()) {
      argv.assign(a.begin(), a.end());
      ExecuteRequest();
      argv.clear();
      // A request with a huge argument count (SADD of 100,000 members) must not pin its
      // argument arrays for the life of the connection.
      if (argv.capacity() > RequestParser::kKeptArgs) {
        std::vector<std::string_view>().swap(argv);
        parser_.ReleaseLargeArrays();
      }
      // A paused client keeps the request: Dispatch sets kClientInPause and we retry later.
      if (has(kClientInPause)) {
        parser_.Reset();
        break;
      }
    }
    // What the master sent is counted in the replication offset and relayed as is; a
    // transaction only once it is complete, so that a link lost inside it leaves the offset
    // before the MULTI (the queued commands die with the client; PSYNC asks for them again).
    if (has(kClientMaster)) {
      std::string_view bytes(qbuf_ + qpos_, consumed);
      if (has(kClientMulti) || !master_multi.empty()) {
        master_multi.append(bytes);
        if (!has(kClientMulti)) {
          server_->ProxyMasterStream(master_multi);
          master_multi.clear();
        }
      } else {
        server_->ProxyMasterStream(bytes);
      }
    }
    qpos_ += consumed;
  }
  if (qpos_ == qlen_) {
    qpos_ = qlen_ = 0;
  }
}

void Client::ExecuteRequest() { server_->Dispatch(*this); }

void Client::InjectInput(std::string_view bytes) {
  while (!bytes.empty() && !has(kClientCloseAsap)) {
    uv_buf_t b = ReadBuffer(bytes.size());
    size_t n = std::min(bytes.size(), size_t(b.len));
    if (n == 0) return;
    memcpy(b.base, bytes.data(), n);
    bytes.remove_prefix(n);
    OnData(n);
  }
}

void Client::ResizeReplyBuffer(int64_t now_ms, int64_t peak_reset_ms, bool resizing) {
  if (resizing) {
    // Shrink to the peak when less than half was used; double when it was filled.
    if (rbuf_size / 2 >= kReplyBufferMin && rbuf_peak < rbuf_size / 2) {
      rbuf_size = std::max(kReplyBufferMin, rbuf_peak + 1);
    } else if (rbuf_size < kReplyBufferMax && rbuf_peak == rbuf_size) {
      rbuf_size = std::min(kReplyBufferMax, rbuf_size * 2);
    }
    // A negative period never resets the peak.
    if (peak_reset_ms >= 0 && now_ms - rbuf_peak_reset_ms >= peak_reset_ms) {
      rbuf_peak = std::min(out_.size(), rbuf_size);
      rbuf_peak_reset_ms = now_ms;
    }
  }
  // Between flushes the buffer's allocation follows rbuf_size (a big reply's growth is given
  // back here rather than after every flush).
  if (conn_ && out_.empty() && out_.capacity() != rbuf_size) {
    std::string fresh;
    fresh.reserve(rbuf_size);
    out_.swap(fresh);
  }
}

void Client::ShrinkQueryBuffer(bool idle) {
  size_t unparsed = qlen_ - qpos_;
  if (!qbuf_) {
    qpeak_ = unparsed;
    return;
  }
  constexpr size_t kResizeThreshold = 32 * 1024;
  if (idle && unparsed == 0) {
    MemFree(qbuf_);
    qbuf_ = nullptr;
    qcap_ = qpos_ = qlen_ = 0;
  } else if (qcap_ > kResizeThreshold && qcap_ / 2 > qpeak_ && !parser_.InProgress()) {
    // Keep the unparsed bytes, give back the rest.
    if (qpos_ > 0) {
      memmove(qbuf_, qbuf_ + qpos_, unparsed);
      qlen_ = unparsed;
      qpos_ = 0;
    }
    size_t cap = std::max(qpeak_, unparsed);
    if (cap == 0) cap = 1;
    qbuf_ = static_cast<char*>(MemRealloc(qbuf_, cap));
    qcap_ = cap;
  }
  qpeak_ = unparsed;
}

bool Client::ReplyLimitReached() {
  if (has(kClientCloseAsap)) return true;
  if (out_.size() < next_limit_check_) return false;
  next_limit_check_ = out_.size() + 64 * 1024;
  return server_->OutputBufferLimitReached(*this);
}

void Client::Flush() {
  clear(kClientPendingWrite);
  next_limit_check_ = 0;
  if (!stream_out.empty()) {
    out_.append(stream_out);
    stream_out.clear();
  }
  if (!out_.empty()) {
    if (conn_ && !conn_->closing()) {
      server_->stats_.net_output_bytes += out_.size();
      server_->stats_.io_writes++;
      conn_->Write(out_);
    }
    rbuf_peak = std::max(rbuf_peak, std::min(out_.size(), rbuf_size));
    // A pipelining client reuses its buffer: giving a large one back to the heap after every
    // flush made each batch regrow it (and the heap top shrink and grow with brk). Only a
    // very large buffer goes at once; the cron brings the rest back to rbuf_size.
    if (out_.capacity() > 1024 * 1024) {
      std::string().swap(out_);
    } else {
      out_.clear();
    }
  }
  if (has(kClientCloseAfterReply) && conn_) {
    conn_->Close(true);
    conn_ = nullptr;
    server_->FreeClientAsync(this);
  }
}

}  // namespace ember
