// Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, BLMPOP, ...).
//
// A handler that finds nothing to serve calls Block(); it writes no reply. Writers call
// SignalKeyReady() after adding elements to a key. After each command the dispatcher calls
// HandleReadyKeys(), which re-executes the blocked command of the waiting clients of each
// ready key in FIFO order; a command that still finds nothing simply blocks again (keeping its
// place). Cron calls HandleTimeouts(); disconnects call Unblock().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ember {

class Client;
class Db;
class Server;

class BlockingKeys {
 public:
  explicit BlockingKeys(Server* server);
  ~BlockingKeys();
  BlockingKeys(const BlockingKeys&) = delete;
  BlockingKeys& operator=(const BlockingKeys&) = delete;

  enum class TimeoutReply { kNullArray, kNull };
  // Blocks `c` (currently executing its command) on `keys` of its db until `timeout_ms`
  // (absolute, 0 = forever). The command's arguments are copied for re-execution.
  void Block(Client& c, const std::vector<std::string_view>& keys, int64_t timeout_ms,
             TimeoutReply on_timeout);
  // True while a blocked command is being re-executed (handlers may use it to avoid
  // side effects that only the first execution should have).
  bool reexecuting() const;
  // While re-executing: the command blocked again (it found nothing to serve).
  bool reblocked() const;
  // While re-executing: the ready key being served (in the db of the client). As in Redis
  // 7.0, a client blocked on several keys is served from this key only, and a key that now
  // holds another type (or nothing) leaves the client blocked: handlers block again instead
  // of replying WRONGTYPE for it. Empty when not re-executing.
  std::string_view serving_key() const;

  void SignalKeyReady(int db, std::string_view key);
  // Signals every waited-on key of `db` (FLUSHDB, FLUSHALL, SWAPDB).
  void SignalAllKeys(Db& db);
  void HandleReadyKeys();
  void HandleTimeouts(int64_t now_ms);
  // Removes `c` from every wait list. If `reply_timeout`, sends its timeout reply
  // (CLIENT UNBLOCK TIMEOUT); with `error`, sends that error (CLIENT UNBLOCK ERROR).
  void Unblock(Client& c, bool reply_timeout = false, std::string_view error = {});
  bool IsBlocked(const Client& c) const;
  size_t blocked_clients() const;
  size_t blocked_keys() const;

  struct Impl;

 private:
  Impl* impl_;
};

// Parses a blocking command's timeout in seconds (fractions allowed) as Redis does, replying
// "timeout is not a float or out of range" or "timeout is negative" on error. *deadline_ms
// gets the absolute deadline for Block() (0 = wait forever).
bool ParseBlockTimeout(Client& c, std::string_view arg, int64_t* deadline_ms);

}  // namespace ember
