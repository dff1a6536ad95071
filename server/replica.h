// The replica side of replication (REPLICAOF host port): connecting to the master, the
// handshake (PING, AUTH, REPLCONF, PSYNC), the initial RDB transfer, then the command stream
// applied through a client flagged kClientMaster. docs/design/replication.md describes it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/net/connection.h"

namespace ember {

class Client;
class Server;

class ReplicaLink : public Connection::Owner {
 public:
  // Redis's repl_state values, as INFO and ROLE report them.
  enum class State {
    kNone,        // not a replica
    kConnect,     // must connect (next cron)
    kConnecting,  // TCP connect in progress
    kHandshake,   // PING / AUTH / REPLCONF / PSYNC exchange
    kTransfer,    // receiving the RDB
    kConnected,   // streaming
  };

  explicit ReplicaLink(Server& s);
  ~ReplicaLink() override;
  ReplicaLink(const ReplicaLink&) = delete;
  ReplicaLink& operator=(const ReplicaLink&) = delete;

  bool active() const { return state_ != State::kNone; }
  State state() const { return state_; }
  const std::string& host() const { return host_; }
  int port() const { return port_; }
  Client* master() const { return master_; }

  // REPLICAOF host port: drops any current link and connects. `from_self`: we were a master,
  // so our own history (replication id and offset) is what PSYNC asks to continue.
  void SetMaster(const std::string& host, int port, bool from_self = false, int stream_db = 0);
  // Whether our dataset is a point of the master's history that PSYNC could continue from,
  // and the stream's database there.
  bool HistoryPoint(int* stream_db) const;
  // REPLICAOF NO ONE: drops the link; the server becomes a master with a new replication
  // id (the old one stays as replid2 for PSYNC of former siblings).
  void Unset();
  // Once per second: connect attempts, handshake/transfer timeouts, ACKs to the master.
  void Cron();
  // The master client is being freed (link lost).
  void OnMasterFreed(Client* c);
  // REPLCONF GETACK from the master: answers with our processed offset.
  void SendAck();

  // INFO replication lines between role:slave and connected_slaves.
  void AppendInfo(std::string* out) const;
  // ROLE reply state name: connect, connecting, sync, connected, handshake.
  std::string_view RoleState() const;

  // Connection::Owner (handshake and transfer; afterwards the master client owns it).
  uv_buf_t ReadBuffer(size_t suggested) override;
  void OnData(size_t n) override;
  void OnDisconnect() override;

 private:
  enum class Step { kPing, kAuth, kPort, kCapa, kPsync };
  void Connect();
  void OnConnected(Connection* conn, int status);
  void SendStep();
  void HandleLine(std::string_view line);
  bool HandleTransfer();
  void FinishSync(std::string_view rdb);
  // +CONTINUE [replid]: the master continues the stream from our offset.
  void ContinueSync(std::string_view line);
  // The link becomes the master client, reading the stream in database `db`.
  void AttachMasterClient(int db);
  void Drop(bool reconnect);
  void Fail(const std::string& why);

  Server& s_;
  State state_ = State::kNone;
  Step step_ = Step::kPing;
  std::string host_;
  int port_ = 0;
  Connection* conn_ = nullptr;
  Client* master_ = nullptr;
  std::string inbuf_;
  size_t inlen_ = 0;  // bytes of inbuf_ in use
  // Transfer.
  int64_t transfer_size_ = -1;  // -1: length not known yet
  std::string eof_mark_;        // diskless: the 40-byte end marker
  std::string rdb_;
  int64_t transfer_start_s_ = 0;
  int64_t last_io_s_ = 0;
  int64_t link_down_since_s_ = 0;
  int64_t handshake_start_s_ = 0;
  std::string master_replid_;
  int64_t master_initial_offset_ = -1;
  // Whether our dataset is a known point of a replication history (the server's replid and
  // offset), so PSYNC can ask to continue from it: after a link to a master was up, or when a
  // master became a replica. A full resync discards it (Redis's cached master).
  bool psync_possible_ = false;
  int stream_db_ = 0;  // the database the master's stream had selected when the link dropped
};

}  // namespace ember
