// One client connection: its query buffer, parser, reply buffer and session state.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/connection.h"
#include "common/resp/parser.h"
#include "common/resp/reply_builder.h"

namespace ember {

class Server;
class Db;
struct Command;
struct AclUser;

enum ClientFlag : uint64_t {
  kClientCloseAfterReply = 1 << 0,
  kClientCloseAsap = 1 << 1,
  kClientMonitor = 1 << 2,
  kClientMulti = 1 << 3,
  kClientPubsub = 1 << 4,
  kClientReplyOff = 1 << 5,
  kClientReplySkipNext = 1 << 6,
  kClientReplySkip = 1 << 7,
  kClientNoEvict = 1 << 8,
  kClientProtocolError = 1 << 9,
  kClientUnixSocket = 1 << 10,
  kClientBlocked = 1 << 11,
  kClientMaster = 1 << 12,
  kClientReplica = 1 << 13,
  kClientFake = 1 << 14,  // in-process, no socket (tests, AOF loading)
  kClientDirtyExec = 1 << 15,
  kClientPendingWrite = 1 << 16,
  kClientInPause = 1 << 17,
  kClientDirtyCas = 1ULL << 32,  // a WATCHed key was modified: EXEC fails
  kClientReplicaOnline = 1ULL << 33,
  // Client-side caching (CLIENT TRACKING / CACHING), as Redis's CLIENT_TRACKING_* flags.
  kClientTracking = 1 << 18,
  kClientTrackingBrokenRedir = 1 << 19,
  kClientTrackingBcast = 1 << 20,
  kClientTrackingOptin = 1 << 21,
  kClientTrackingOptout = 1 << 22,
  kClientTrackingCaching = 1 << 23,  // CLIENT CACHING given for the next command
  kClientTrackingNoloop = 1 << 24,
};

class Client : public Connection::Owner {
 public:
  // `conn` may be nullptr for an in-process client; the client then only fills its reply
  // buffer. A connected client owns `conn` until it closes.
  Client(Server* server, Connection* conn, uint64_t id);
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Server& server() { return *server_; }
  ReplyBuilder& reply() { return reply_; }
  Db& db() { return *db_; }
  int db_index() const { return db_index_; }
  void SelectDb(int index);

  uint64_t id() const { return id_; }
  Connection* conn() { return conn_; }
  bool has(uint64_t f) const { return flags_ & f; }
  void set(uint64_t f) { flags_ |= f; }
  void clear(uint64_t f) { flags_ &= ~f; }
  uint64_t flags() const { return flags_; }

  // Executes every complete request in the query buffer (until blocked or closing).
  void ProcessInput();
  // Hands the reply buffer to the socket.
  void Flush();
  // Appends bytes to the query buffer as if read from the socket, and processes them.
  void InjectInput(std::string_view bytes);
  // Schedules the connection to close after pending replies are written (or at once).
  void CloseAfterReply() { set(kClientCloseAfterReply); }
  void CloseAsap();

  std::string& out() { return out_; }
  size_t query_buffer_size() const { return qlen_ - qpos_; }
  size_t query_buffer_capacity() const { return qcap_; }
  size_t query_buffer_free() const { return qcap_ - qlen_; }  // CLIENT LIST qbuf-free
  // Cron: frees the query buffer of a client idle for 2 seconds, or shrinks one much larger
  // than recent use (Redis's clientsCronResizeQueryBuffer); an idle client's large output
  // buffer is given back too.
  void ShrinkQueryBuffer(bool idle);
  size_t output_bytes() const { return out_.size() + (conn_ ? conn_->queued_bytes() : 0); }

  // Replication/AOF: what the executing command propagates. By default its own arguments,
  // if it changed the dataset (server dirty counter moved). A command whose effect differs
  // from its text replaces that (SET EX -> SET PXAT, BLPOP -> LPOP, INCRBYFLOAT -> SET
  // KEEPTTL); PreventPropagation() suppresses it.
  void RewritePropagation(std::vector<std::string> what) {
    propagate_rewrite = std::move(what);
    propagate_rewritten = true;
  }
  void PreventPropagation() { propagate_prevented = true; }
  std::vector<std::string> propagate_rewrite;
  bool propagate_rewritten = false;
  bool propagate_prevented = false;

  // MULTI/EXEC: queued commands (arguments copied) and watched keys.
  struct QueuedCommand {
    Command* cmd;
    std::vector<std::string> argv;
  };
  std::vector<QueuedCommand> multi_queue;
  std::vector<std::pair<int, std::string>> watched_keys;  // (db, key)
  // Watched keys that were already logically expired when WATCHed: their deletion by expiry
  // is no change (Redis's watchedKey.expired).
  std::set<std::pair<int, std::string>> watched_expired;

  // A replica's outgoing replication stream (flushed after replies, which replicas don't get).
  std::string stream_out;
  // Replication: a replica's last acknowledged offset (REPLCONF ACK) and time, its listening
  // port; for any client, the master offset after its last propagated write (WAIT).
  int64_t repl_ack_off = 0;
  int64_t repl_ack_time_ms = 0;
  int64_t repl_listening_port = 0;
  bool repl_capa_psync2 = false;      // REPLCONF capa psync2: +CONTINUE carries the replid
  int64_t repl_wait_since_ms = 0;     // a replica waiting for its snapshot since then (0: not)
  bool repl_fullresync_line = false;  // it asked with PSYNC: +FULLRESYNC precedes the snapshot
  std::string master_multi;           // the master's stream of a transaction not yet complete
  int64_t woff = 0;

  // Connection::Owner
  uv_buf_t ReadBuffer(size_t suggested) override;
  void OnData(size_t n) override;
  void OnDisconnect() override;

  // Session state read and written by commands.
  int resp = 2;
  bool authenticated = false;
  AclUser* user = nullptr;  // nullptr: may run anything (in-process clients)
  // Arguments of the executing command that SLOWLOG and MONITOR show as "(redacted)".
  std::vector<int> redacted_args;
  void RedactArg(int i) { redacted_args.push_back(i); }
  std::string name;
  std::string lib_name, lib_ver;
  int64_t ctime_ms = 0;
  int64_t last_interaction_ms = 0;
  const Command* last_cmd = nullptr;  // CLIENT LIST cmd= ("NULL" before the first)
  const Command* cmd = nullptr;       // command being executed
  int64_t soft_limit_since_ms = 0;
  // Reply buffer sizing, as Redis 7.0's static reply buffer: the capacity the reply buffer
  // is kept at between flushes (CLIENT LIST rbs; 16 KB at first, 1 KB..16 KB as the cron
  // adapts it to the peak use of the last reply-buffer-peak-reset-time, rbp).
  static constexpr size_t kReplyBufferMin = 1024, kReplyBufferMax = 16 * 1024;
  size_t rbuf_size = kReplyBufferMax;
  size_t rbuf_peak = 0;
  size_t next_limit_check_ = 0;  // reply size at which ReplyLimitReached checks again
  int64_t rbuf_peak_reset_ms = 0;
  // For replies built in a long loop (HRANDFIELD with a huge count): true once the client is
  // over its output buffer limit and being closed, so the loop can stop. The limit is
  // checked every 64 KB of reply.
  bool ReplyLimitReached();
  // Cron: adapts rbuf_size and, when the buffer is empty, its allocation.
  void ResizeReplyBuffer(int64_t now_ms, int64_t peak_reset_ms, bool resizing);
  std::vector<std::string_view> argv;  // request being executed
  size_t argv_bytes = 0;
  // CLIENT TRACKING: where invalidations go (0 = this connection) and, in BCAST mode, the
  // key prefixes followed (sorted; "" when BCAST was given without PREFIX).
  uint64_t tracking_redirect = 0;
  std::set<std::string> tracking_prefixes;
  // Pub/Sub subscriptions; server/pubsub.h keeps the name -> subscribers side.
  std::set<std::string, std::less<>> pubsub_channels;
  std::set<std::string, std::less<>> pubsub_shard_channels;
  std::vector<std::string> pubsub_patterns;  // in subscription order

 private:
  void ExecuteRequest();

  Server* server_;
  Connection* conn_;
  uint64_t id_;
  uint64_t flags_ = 0;
  int db_index_ = 0;
  Db* db_ = nullptr;

  char* qbuf_ = nullptr;  // query buffer: bytes [qpos_, qlen_) are unparsed
  size_t qcap_ = 0, qpos_ = 0, qlen_ = 0;
  size_t qpeak_ = 0;  // largest unparsed size since the last shrink
  RequestParser parser_;

  std::string out_;
  ReplyBuilder reply_;
};

}  // namespace ember
