#include "server/replica.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/client.h"
#include "server/persistence.h"
#include "server/server.h"

namespace ember {
namespace {

constexpr size_t kEofMarkLen = 40;
constexpr size_t kReadChunk = 16 * 1024;

int64_t NowS() { return NowMs() / 1000; }

std::string Encode(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

int64_t ConfigInt(Server& s, std::string_view name, int64_t def) {
  int64_t v = def;
  StringToInt64(s.config().GetOne(name), &v);
  return v;
}

}  // namespace

ReplicaLink::ReplicaLink(Server& s) : s_(s) {}

ReplicaLink::~ReplicaLink() {
  if (conn_) conn_->Close(false);
}

void ReplicaLink::SetMaster(const std::string& host, int port, bool from_self, int stream_db) {
  Drop(false);
  if (from_self) {
    psync_possible_ = true;
    stream_db_ = stream_db;  // a promoted master selects a database before its first command
  }
  host_ = host;
  port_ = port;
  state_ = State::kConnect;
  link_down_since_s_ = 0;
  spdlog::info("Connecting to MASTER {}:{}", host_, port_);
  Connect();
}

void ReplicaLink::Unset() {
  Drop(false);
  psync_possible_ = false;
  host_.clear();
  port_ = 0;
  state_ = State::kNone;
}

void ReplicaLink::Drop(bool reconnect) {
  if (conn_) {
    conn_->Close(false);  // its owner (this) is not called again
    conn_ = nullptr;
  }
  if (master_) {
    Client* m = master_;
    master_ = nullptr;
    stream_db_ = m->db_index();
    psync_possible_ = true;
    m->CloseAsap();
    link_down_since_s_ = NowS();
  }
  inbuf_.clear();
  inlen_ = 0;
  rdb_.clear();
  transfer_size_ = -1;
  eof_mark_.clear();
  if (state_ != State::kNone) state_ = reconnect ? State::kConnect : State::kNone;
}

void ReplicaLink::Fail(const std::string& why) {
  spdlog::warn("{}", why);
  Drop(true);
}

void ReplicaLink::Connect() {
  std::string err;
  Connection* c = Connection::Connect(
      s_.loop(), host_, port_, [this](Connection* conn, int status) { OnConnected(conn, status); },
      &err, s_.config().GetOne("bind-source-addr"));
  if (!c) {
    spdlog::warn("Unable to connect to MASTER: {}", err);
    state_ = State::kConnect;  // retried by the cron
    return;
  }
  conn_ = c;
  state_ = State::kConnecting;
  handshake_start_s_ = NowS();
  spdlog::info("MASTER <-> REPLICA sync started");
}

void ReplicaLink::OnConnected(Connection* conn, int status) {
  if (conn != conn_) return;  // a link dropped while connecting
  if (status != 0) {
    conn_ = nullptr;  // already closing
    spdlog::warn("Error condition on socket for SYNC: {}", uv_strerror(status));
    state_ = State::kConnect;
    return;
  }
  spdlog::info("Non blocking connect for SYNC fired the event.");
  conn->set_owner(this);
  conn->StartReading();
  state_ = State::kHandshake;
  step_ = Step::kPing;
  last_io_s_ = NowS();
  SendStep();
}

void ReplicaLink::SendStep() {
  std::vector<std::string> cmd;
  switch (step_) {
    case Step::kPing:
      cmd = {"PING"};
      break;
    case Step::kAuth: {
      std::string pass = s_.config().GetOne("masterauth");
      if (pass.empty()) {
        step_ = Step::kPort;
        return SendStep();
      }
      std::string user = s_.config().GetOne("masteruser");
      cmd = user.empty() ? std::vector<std::string>{"AUTH", pass}
                         : std::vector<std::string>{"AUTH", user, pass};
      break;
    }
    case Step::kPort: {
      int64_t port = ConfigInt(s_, "replica-announce-port", 0);
      if (port == 0) port = s_.listening_port;
      cmd = {"REPLCONF", "listening-port", std::to_string(port)};
      break;
    }
    case Step::kCapa:
      cmd = {"REPLCONF", "capa", "eof", "capa", "psync2"};
      break;
    case Step::kPsync:
      if (psync_possible_) {
        std::string offset = std::to_string(s_.master_repl_offset() + 1);
        spdlog::info("Trying a partial resynchronization (request {}:{}).", s_.replid(), offset);
        cmd = {"PSYNC", s_.replid(), offset};
      } else {
        spdlog::info("Partial resynchronization not possible (no cached master)");
        cmd = {"PSYNC", "?", "-1"};
      }
      break;
  }
  conn_->Write(Encode(cmd));
}

void ReplicaLink::HandleLine(std::string_view line) {
  bool err = !line.empty() && line[0] == '-';
  switch (step_) {
    case Step::kPing:
      if (err && line.rfind("-NOAUTH", 0) != 0 && line.rfind("-NOPERM", 0) != 0 &&
          line.rfind("-ERR operation not permitted", 0) != 0) {
        return Fail(fmt::format("Error reply to PING from master: '{}'", line));
      }
      spdlog::info("Master replied to PING, replication can continue...");
      step_ = Step::kAuth;
      return SendStep();
    case Step::kAuth:
      if (err) return Fail(fmt::format("Unable to AUTH to MASTER: {}", line));
      step_ = Step::kPort;
      return SendStep();
    case Step::kPort:
      if (err) {
        spdlog::info("(Non critical) Master does not understand REPLCONF listening-port: {}", line);
      }
      step_ = Step::kCapa;
      return SendStep();
    case Step::kCapa:
      if (err) spdlog::info("(Non critical) Master does not understand REPLCONF capa: {}", line);
      step_ = Step::kPsync;
      return SendStep();
    case Step::kPsync: {
      if (line.rfind("+FULLRESYNC", 0) == 0) {
        std::vector<std::string> parts;
        if (!SplitArgs(line, &parts) || parts.size() < 3 || parts[1].size() != 40) {
          return Fail("Master replied with wrong +FULLRESYNC syntax.");
        }
        master_replid_ = parts[1];
        master_initial_offset_ = strtoll(parts[2].c_str(), nullptr, 10);
        psync_possible_ = false;  // our history is about to be replaced
        spdlog::info("Full resync from master: {}:{}", master_replid_, master_initial_offset_);
        state_ = State::kTransfer;
        transfer_size_ = -1;
        transfer_start_s_ = NowS();
        rdb_.clear();
        return;
      }
      if (line.rfind("+CONTINUE", 0) == 0) return ContinueSync(line);
      if (line.rfind("-NOMASTERLINK", 0) == 0 || line.rfind("-LOADING", 0) == 0) {
        spdlog::info("Master is currently unable to PSYNC but should be in the future: {}", line);
        return Drop(true);
      }
      return Fail(fmt::format("Unexpected reply to PSYNC from master: {}", line));
    }
  }
}

uv_buf_t ReplicaLink::ReadBuffer(size_t) {
  if (inbuf_.size() - inlen_ < kReadChunk) inbuf_.resize(inlen_ + kReadChunk);
  return uv_buf_init(inbuf_.data() + inlen_, unsigned(inbuf_.size() - inlen_));
}

void ReplicaLink::OnData(size_t n) {
  inlen_ += n;
  last_io_s_ = NowS();
  size_t pos = 0;
  while (pos < inlen_ && conn_) {
    if (state_ == State::kHandshake) {
      std::string_view rest(inbuf_.data() + pos, inlen_ - pos);
      size_t nl = rest.find('\n');
      if (nl == std::string_view::npos) break;
      std::string_view line = rest.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      pos += nl + 1;
      if (!line.empty()) HandleLine(std::string(line));
      if (state_ == State::kConnected) {  // +CONTINUE: what follows is the stream
        std::string leftover(inbuf_.data() + pos, inlen_ - pos);
        inlen_ = 0;
        if (master_ && !leftover.empty()) master_->InjectInput(leftover);
        return;
      }
    } else if (state_ == State::kTransfer) {
      std::string_view rest(inbuf_.data() + pos, inlen_ - pos);
      if (transfer_size_ < 0 && eof_mark_.empty()) {
        // Newlines are the master's keepalive while it prepares the snapshot.
        if (rest[0] == '\n') {
          pos++;
          continue;
        }
        size_t nl = rest.find('\n');
        if (nl == std::string_view::npos) break;
        std::string_view line = rest.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos += nl + 1;
        if (line[0] == '-') {
          return Fail(fmt::format("MASTER aborted replication with an error: {}", line.substr(1)));
        }
        if (line[0] != '$') {
          return Fail(fmt::format(
              "Bad protocol from MASTER, the first byte is not '$' (we received '{}'), are you "
              "sure the host and port are right?",
              line));
        }
        if (line.size() >= 5 + kEofMarkLen && line.substr(1, 4) == "EOF:") {
          eof_mark_ = std::string(line.substr(5, kEofMarkLen));
          spdlog::info(
              "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk");
        } else {
          transfer_size_ = strtoll(std::string(line.substr(1)).c_str(), nullptr, 10);
          spdlog::info("MASTER <-> REPLICA sync: receiving {} bytes from master to disk",
                       transfer_size_);
        }
        continue;
      }
      if (transfer_size_ >= 0) {
        size_t want = size_t(transfer_size_) - rdb_.size();
        size_t take = std::min(want, rest.size());
        rdb_.append(rest.data(), take);
        pos += take;
        if (rdb_.size() == size_t(transfer_size_)) {
          std::string leftover(inbuf_.data() + pos, inlen_ - pos);
          inlen_ = 0;
          std::string rdb = std::move(rdb_);
          rdb_.clear();
          FinishSync(rdb);
          if (master_ && !leftover.empty()) master_->InjectInput(leftover);
          return;
        }
      } else {
        rdb_.append(rest.data(), rest.size());
        pos += rest.size();
        if (rdb_.size() >= kEofMarkLen &&
            rdb_.compare(rdb_.size() - kEofMarkLen, kEofMarkLen, eof_mark_) == 0) {
          rdb_.resize(rdb_.size() - kEofMarkLen);
          inlen_ = 0;
          std::string rdb = std::move(rdb_);
          rdb_.clear();
          FinishSync(rdb);
          SendAck();  // the master starts the stream on this first ACK
          return;
        }
      }
    } else {
      break;
    }
  }
  if (!conn_) return;
  // Keep the unconsumed tail at the front.
  if (pos > 0) {
    memmove(inbuf_.data(), inbuf_.data() + pos, inlen_ - pos);
    inlen_ -= pos;
  }
}

void ReplicaLink::OnDisconnect() {
  conn_ = nullptr;  // closing itself
  spdlog::warn("Error condition on socket for SYNC: Connection lost");
  Drop(true);
}

void ReplicaLink::FinishSync(std::string_view rdb) {
  spdlog::info("MASTER <-> REPLICA sync: Flushing old data");
  EmptyDataset(s_, true);
  spdlog::info("MASTER <-> REPLICA sync: Loading DB in memory");
  Status st = LoadRdbFromMemory(s_, rdb);
  if (!st.ok()) {
    EmptyDataset(s_, true);
    return Fail("Failed trying to load the MASTER synchronization DB from socket");
  }
  s_.SetReplicationState(master_replid_, master_initial_offset_);
  // Sub-replicas followed the history just replaced.
  s_.DisconnectReplicas();
  AttachMasterClient(0);
  spdlog::info("MASTER <-> REPLICA sync: Finished with success");
  // The AOF restarts from the new dataset.
  if (s_.aof().state() != AppendOnlyFile::State::kOff) {
    s_.aof().Stop();
    if (!s_.aof().Start().ok()) {
      spdlog::warn(
          "Failed enabling the AOF after successful master synchronization! Trying it again in "
          "one second.");
    }
  }
}

bool ReplicaLink::HistoryPoint(int* stream_db) const {
  if (master_) {
    *stream_db = master_->db_index();
    return true;
  }
  *stream_db = stream_db_;
  return psync_possible_;
}

void ReplicaLink::AttachMasterClient(int db) {
  Client* c = s_.CreateClient(conn_);
  c->set(kClientMaster);
  c->authenticated = true;
  c->user = nullptr;  // the master's commands are not subject to ACLs
  c->SelectDb(db);
  conn_ = nullptr;  // the master client owns the connection now
  master_ = c;
  state_ = State::kConnected;
  link_down_since_s_ = 0;
}

void ReplicaLink::ContinueSync(std::string_view line) {
  spdlog::info("Successful partial resynchronization with master.");
  std::string_view id = line.substr(std::string_view("+CONTINUE").size());
  while (!id.empty() && id.front() == ' ') id.remove_prefix(1);
  while (!id.empty() && (id.back() == ' ' || id.back() == '\r')) id.remove_suffix(1);
  if (id.size() == 40 && id != s_.replid()) {
    // The master's history continues ours under a new id (it was promoted): ours becomes the
    // secondary id, and our own replicas reconnect to learn the new one.
    s_.ShiftReplicationId(std::string(id));
    spdlog::info("Master replication ID changed to {}", id);
    s_.DisconnectReplicas();
  }
  if (!s_.backlog()) s_.CreateBacklog();
  AttachMasterClient(stream_db_);
  spdlog::info("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
}

void ReplicaLink::SendAck() {
  if (!master_ || !master_->conn()) return;
  master_->conn()->Write(Encode({"REPLCONF", "ACK", std::to_string(s_.master_repl_offset())}));
}

void ReplicaLink::OnMasterFreed(Client* c) {
  if (c != master_) return;
  master_ = nullptr;
  stream_db_ = c->db_index();
  psync_possible_ = true;  // the dataset is the history up to our offset: try to continue
  spdlog::info("Connection with master lost.");
  link_down_since_s_ = NowS();
  if (state_ != State::kNone) state_ = State::kConnect;
}

void ReplicaLink::Cron() {
  if (state_ == State::kNone) return;
  int64_t now = NowS();
  int64_t timeout = ConfigInt(s_, "repl-timeout", 60);
  switch (state_) {
    case State::kConnect:
      spdlog::info("Connecting to MASTER {}:{}", host_, port_);
      Connect();
      break;
    case State::kConnecting:
      if (now - handshake_start_s_ > timeout) Fail("Timeout connecting to the MASTER...");
      break;
    case State::kHandshake:
      // A master delaying a diskless transfer keeps the handshake alive with newlines.
      if (now - last_io_s_ > timeout) Fail("Timeout connecting to the MASTER...");
      break;
    case State::kTransfer:
      if (now - last_io_s_ > timeout) {
        Fail(
            "Timeout receiving bulk data from MASTER... If the problem persists try to set the "
            "'repl-timeout' parameter in redis.conf to a larger value.");
      }
      break;
    case State::kConnected:
      if (master_ && now - master_->last_interaction_ms / 1000 > timeout) {
        spdlog::warn("MASTER timeout: no data nor PING received...");
        Drop(true);
        break;
      }
      SendAck();
      break;
    case State::kNone:
      break;
  }
}

std::string_view ReplicaLink::RoleState() const {
  switch (state_) {
    case State::kConnect:
      return "connect";
    case State::kConnecting:
      return "connecting";
    case State::kHandshake:
      return "handshake";
    case State::kTransfer:
      return "sync";
    case State::kConnected:
      return "connected";
    case State::kNone:
      break;
  }
  return "unknown";
}

void ReplicaLink::AppendInfo(std::string* out) const {
  int64_t now = NowS();
  bool up = state_ == State::kConnected;
  int64_t last_io = master_ ? now - master_->last_interaction_ms / 1000 : -1;
  out->append(
      fmt::format("master_host:{}\r\n"
                  "master_port:{}\r\n"
                  "master_link_status:{}\r\n"
                  "master_last_io_seconds_ago:{}\r\n"
                  "master_sync_in_progress:{}\r\n"
                  "slave_read_repl_offset:{}\r\n"
                  "slave_repl_offset:{}\r\n",
                  host_, port_, up ? "up" : "down", last_io, state_ == State::kTransfer ? 1 : 0,
                  // Read from the master but not applied yet (held by a CLIENT PAUSE).
                  s_.master_repl_offset() + int64_t(master_ ? master_->query_buffer_size() : 0),
                  s_.master_repl_offset()));
  if (state_ == State::kTransfer) {
    int64_t total = transfer_size_;
    int64_t read = int64_t(rdb_.size());
    double perc = total > 0 ? double(read) * 100 / double(total) : 0;
    out->append(
        fmt::format("master_sync_total_bytes:{}\r\n"
                    "master_sync_read_bytes:{}\r\n"
                    "master_sync_left_bytes:{}\r\n"
                    "master_sync_perc:{:.2f}\r\n"
                    "master_sync_last_io_seconds_ago:{}\r\n",
                    total, read, total > 0 ? total - read : -1, perc, now - last_io_s_));
  }
  if (!up) {
    out->append(fmt::format("master_link_down_since_seconds:{}\r\n",
                            link_down_since_s_ ? now - link_down_since_s_ : -1));
  }
}

}  // namespace ember
