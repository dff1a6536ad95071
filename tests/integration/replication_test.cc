// Replication between real processes: REPLICAOF handshake and full sync, the live command
// stream, WAIT, read-only replicas, REPLICAOF NO ONE, and interoperability with Debian's
// redis-server 7.0.15 as master (diskless EOF transfer) and as replica.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

using ember::RespClient;
using ember::RespValue;
using ember::test::ServerProcess;

namespace {

constexpr const char* kRedisServer = "/usr/bin/redis-server";

RespValue Cmd(RespClient& c, const std::vector<std::string>& args) {
  auto r = c.Command(args);
  REQUIRE(r.ok());
  return r.value();
}

bool Exists(const std::string& path) {
  struct stat sb;
  return stat(path.c_str(), &sb) == 0;
}

// Polls `pred` for up to `seconds`.
template <typename Pred>
bool WaitFor(Pred pred, int seconds = 15) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

bool LinkUp(RespClient& replica) {
  return Cmd(replica, {"INFO", "replication"}).str.find("master_link_status:up") !=
         std::string::npos;
}

void Attach(RespClient& replica, const ServerProcess& master) {
  CHECK(Cmd(replica, {"REPLICAOF", "127.0.0.1", std::to_string(master.port())}).str == "OK");
  REQUIRE(WaitFor([&] { return LinkUp(replica); }));
}

}  // namespace

TEST_CASE("replication: full sync, live stream, WAIT, read-only replica, NO ONE") {
  ServerProcess master({"--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"});
  REQUIRE(master.Start());
  ServerProcess replica({"--enable-debug-command", "yes"});
  REQUIRE(replica.Start());
  RespClient m = master.Connect();
  RespClient r = replica.Connect();
  Cmd(m, {"SET", "before", "sync"});
  Cmd(m, {"RPUSH", "list", "a", "b", "c"});
  Cmd(r, {"SET", "replica-only", "goes away"});
  CHECK(Cmd(m, {"FUNCTION", "LOAD",
                "#!lua name=lib\nredis.register_function{function_name='f', callback=function() "
                "return 7 end, flags={'no-writes'}}"})
            .str == "lib");
  Attach(r, master);
  CHECK(Cmd(r, {"FCALL_RO", "f", "0"}).integer == 7);  // libraries travel with the snapshot
  CHECK(Cmd(r, {"GET", "before"}).str == "sync");
  CHECK(Cmd(r, {"EXISTS", "replica-only"}).integer == 0);  // the snapshot replaced it

  // The stream: each write reaches the replica; WAIT confirms the acknowledgement.
  Cmd(m, {"SET", "ttl", "v", "EX", "100"});
  Cmd(m, {"INCR", "counter"});
  Cmd(m, {"SELECT", "3"});
  Cmd(m, {"HSET", "h", "f", "v"});
  CHECK(Cmd(m, {"WAIT", "1", "5000"}).integer == 1);
  Cmd(r, {"SELECT", "3"});
  CHECK(Cmd(r, {"HGET", "h", "f"}).str == "v");
  Cmd(m, {"SELECT", "0"});
  Cmd(r, {"SELECT", "0"});
  CHECK(Cmd(r, {"GET", "counter"}).str == "1");
  CHECK(Cmd(r, {"PEXPIRETIME", "ttl"}).integer == Cmd(m, {"PEXPIRETIME", "ttl"}).integer);
  CHECK(Cmd(m, {"DEBUG", "DIGEST"}).str == Cmd(r, {"DEBUG", "DIGEST"}).str);

  // Roles and offsets as Redis reports them.
  RespValue role = Cmd(r, {"ROLE"});
  REQUIRE(role.elems.size() == 5);
  CHECK(role.elems[0].str == "slave");
  CHECK(role.elems[3].str == "connected");
  RespValue mrole = Cmd(m, {"ROLE"});
  REQUIRE(mrole.elems.size() == 3);
  CHECK(mrole.elems[0].str == "master");
  CHECK(mrole.elems[2].elems.size() == 1);
  CHECK(Cmd(m, {"INFO", "replication"})
            .str.find("slave0:ip=127.0.0.1,port=" + std::to_string(replica.port()) +
                      ",state=online") != std::string::npos);

  // Writes are refused on a read-only replica; WAIT is refused too.
  CHECK(Cmd(r, {"SET", "x", "y"}).str == "READONLY You can't write against a read only replica.");
  CHECK(Cmd(r, {"WAIT", "1", "0"}).is_error());

  // Bad arguments.
  CHECK(Cmd(r, {"REPLICAOF", "127.0.0.1", "notaport"}).str == "ERR Invalid master port");
  CHECK(Cmd(r, {"REPLICAOF", "127.0.0.1", std::to_string(master.port())}).str ==
        "OK Already connected to specified master");

  // Promotion: writable, keeps the data.
  CHECK(Cmd(r, {"REPLICAOF", "NO", "ONE"}).str == "OK");
  CHECK(Cmd(r, {"ROLE"}).elems[0].str == "master");
  CHECK(Cmd(r, {"SET", "x", "y"}).str == "OK");
  CHECK(Cmd(r, {"GET", "before"}).str == "sync");
  CHECK(replica.Log().find("MASTER <-> REPLICA sync: Finished with success") != std::string::npos);
}

TEST_CASE("replication: a replica reconnects after its master restarts") {
  ServerProcess master({"--repl-diskless-sync-delay", "0"});
  REQUIRE(master.Start());
  ServerProcess replica({"--repl-timeout", "5"});
  REQUIRE(replica.Start());
  RespClient r = replica.Connect();
  Attach(r, master);
  {
    RespClient m = master.Connect();
    Cmd(m, {"SET", "k", "1"});
    CHECK(Cmd(m, {"WAIT", "1", "5000"}).integer == 1);
  }
  master.Kill();
  REQUIRE(WaitFor([&] { return !LinkUp(r); }));
  CHECK(Cmd(r, {"INFO", "replication"}).str.find("master_link_down_since_seconds:") !=
        std::string::npos);
  CHECK(Cmd(r, {"GET", "k"}).str == "1");  // stale data is served by default
}

namespace {

// An INFO field's value ("" when absent).
std::string InfoValue(RespClient& c, const std::string& section, const std::string& name) {
  std::string s = Cmd(c, {"INFO", section}).str;
  size_t p = s.find("\n" + name + ":");
  if (p == std::string::npos) return "";
  p += name.size() + 2;
  return s.substr(p, s.find('\r', p) - p);
}

}  // namespace

TEST_CASE("replication: bind-source-addr is the address a replica connects from") {
  ServerProcess master({"--repl-diskless-sync-delay", "0"});
  REQUIRE(master.Start());
  ServerProcess replica({"--bind-source-addr", "127.0.0.2"});
  REQUIRE(replica.Start());
  RespClient r = replica.Connect();
  Attach(r, master);
  RespClient m = master.Connect();
  CHECK(InfoValue(m, "replication", "slave0").find("ip=127.0.0.2,") != std::string::npos);
}

namespace {

// Attaches the replica, syncs k=1, then stops the replica (SIGSTOP) and increments k on the
// master: the replica cannot acknowledge it, so it lags until SIGCONT.
void MakeReplicaLag(ServerProcess& master, ServerProcess& replica, RespClient& r, RespClient& m) {
  Attach(r, master);
  Cmd(m, {"SET", "k", "1"});
  REQUIRE(Cmd(m, {"WAIT", "1", "5000"}).integer == 1);
  kill(replica.pid(), SIGSTOP);
  Cmd(m, {"INCR", "k"});
}

}  // namespace

TEST_CASE("replication: shutdown waits for a lagging replica; SHUTDOWN ABORT cancels it") {
  ServerProcess master({"--shutdown-timeout", "60", "--repl-diskless-sync-delay", "0"});
  REQUIRE(master.Start());
  ServerProcess replica;
  REQUIRE(replica.Start());
  RespClient r = replica.Connect();
  RespClient m = master.Connect();
  MakeReplicaLag(master, replica, r, m);

  // SHUTDOWN waits (the client blocks, writes are paused) until SHUTDOWN ABORT, which
  // answers the waiting client with an error.
  RespClient waiting = master.Connect();
  REQUIRE(waiting.SendRaw(ember::EncodeCommand({"SHUTDOWN"})).ok());
  CHECK(WaitFor([&] { return !InfoValue(m, "server", "shutdown_in_milliseconds").empty(); }));
  CHECK(InfoValue(m, "clients", "blocked_clients") == "1");
  CHECK(Cmd(m, {"GET", "k"}).str == "2");  // reads still run during the wait
  CHECK(Cmd(m, {"SHUTDOWN", "ABORT"}).str == "OK");
  auto reply = waiting.ReadReply();
  REQUIRE(reply.ok());
  CHECK(reply.value().str == "ERR Errors trying to SHUTDOWN. Check logs.");
  CHECK(Cmd(m, {"SHUTDOWN", "ABORT"}).str == "ERR No shutdown in progress.");
  CHECK(Cmd(m, {"SET", "after-abort", "1"}).str == "OK");  // the write pause is lifted
  CHECK(master.Log().find("Shutdown manually aborted.") != std::string::npos);

  // SIGTERM: the same wait, from the cron; the replica resumes, catches up, and only then
  // does the master exit.
  Cmd(m, {"INCR", "k"});
  kill(master.pid(), SIGTERM);
  CHECK(WaitFor([&] { return !InfoValue(m, "server", "shutdown_in_milliseconds").empty(); }));
  CHECK(master.Alive());
  kill(replica.pid(), SIGCONT);
  CHECK(WaitFor([&] { return !master.Alive(); }, 30));
  CHECK(Cmd(r, {"GET", "k"}).str == "3");
  CHECK(Cmd(r, {"GET", "after-abort"}).str == "1");
  std::string log = master.Log();
  CHECK(log.find("Waiting for replicas before shutting down.") != std::string::npos);
  CHECK(log.find("1 of 1 replicas are in sync when shutting down.") != std::string::npos);
  CHECK(log.find("ready to exit, bye bye") != std::string::npos);
}

TEST_CASE("replication: shutdown gives up on a replica after shutdown-timeout") {
  ServerProcess master({"--shutdown-timeout", "1", "--repl-diskless-sync-delay", "0"});
  REQUIRE(master.Start());
  ServerProcess replica;
  REQUIRE(replica.Start());
  RespClient r = replica.Connect();
  RespClient m = master.Connect();
  MakeReplicaLag(master, replica, r, m);
  kill(master.pid(), SIGTERM);
  CHECK(WaitFor([&] { return !master.Alive(); }, 20));
  kill(replica.pid(), SIGCONT);
  std::string log = master.Log();
  CHECK(log.find("Lagging replica") != std::string::npos);
  CHECK(log.find("0 of 1 replicas are in sync when shutting down.") != std::string::npos);
}

TEST_CASE("replication: Ember replicates from Redis 7.0.15 and Redis from Ember") {
  if (!Exists(kRedisServer)) {
    MESSAGE("redis-server not installed: skipped");
    return;
  }
  SUBCASE("Redis master (diskless sync), Ember replica") {
    ServerProcess redis({"--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes"},
                        kRedisServer);
    REQUIRE(redis.Start());
    ServerProcess ember({"--enable-debug-command", "yes"});
    REQUIRE(ember.Start());
    RespClient m = redis.Connect();
    RespClient r = ember.Connect();
    Cmd(m, {"SET", "a", "1"});
    Cmd(m, {"ZADD", "z", "1", "x", "2", "y"});
    Attach(r, redis);
    Cmd(m, {"INCR", "a"});
    Cmd(m, {"XADD", "s", "1-1", "f", "v"});
    CHECK(Cmd(m, {"WAIT", "1", "5000"}).integer == 1);
    CHECK(Cmd(r, {"GET", "a"}).str == "2");
    CHECK(Cmd(m, {"DEBUG", "DIGEST"}).str == Cmd(r, {"DEBUG", "DIGEST"}).str);
  }
  SUBCASE("Ember master, Redis replica") {
    ServerProcess ember({"--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"});
    REQUIRE(ember.Start());
    ServerProcess redis({"--enable-debug-command", "yes"}, kRedisServer);
    REQUIRE(redis.Start());
    RespClient m = ember.Connect();
    RespClient r = redis.Connect();
    Cmd(m, {"SET", "a", "1"});
    Cmd(m, {"HSET", "h", "f", "v"});
    Attach(r, ember);
    Cmd(m, {"INCR", "a"});
    Cmd(m, {"LPUSH", "l", "x"});
    CHECK(Cmd(m, {"WAIT", "1", "5000"}).integer == 1);
    CHECK(Cmd(r, {"GET", "a"}).str == "2");
    CHECK(Cmd(m, {"DEBUG", "DIGEST"}).str == Cmd(r, {"DEBUG", "DIGEST"}).str);
  }
}

namespace {

// A replica of `master_bin` run by `replica_bin` loses its link, is restarted from its own
// save, and then takes over as master with the old master following it: each time the
// other side continues from the backlog (+CONTINUE) instead of sending a snapshot.
void CheckPartialResyncs(const char* master_bin, const char* replica_bin) {
  ServerProcess master({"--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes"},
                       master_bin);
  REQUIRE(master.Start());
  ServerProcess replica({"--replicaof", "127.0.0.1 " + std::to_string(master.port()),
                         "--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes"},
                        replica_bin);
  REQUIRE(replica.Start());
  INFO("master log:\n" << master.Log() << "\nreplica log:\n" << replica.Log());
  RespClient m = master.Connect();
  RespClient r = replica.Connect();
  REQUIRE(WaitFor([&] { return LinkUp(r); }));
  Cmd(m, {"SET", "a", "1"});
  Cmd(m, {"SELECT", "3"});  // the stream's database must survive each resumption
  Cmd(m, {"SET", "b", "2"});
  CHECK(Cmd(m, {"WAIT", "1", "5000"}).integer == 1);
  CHECK(InfoValue(m, "stats", "sync_full") == "1");

  // 1. The link drops; writes go on meanwhile.
  CHECK(Cmd(r, {"CLIENT", "KILL", "TYPE", "master"}).integer == 1);
  Cmd(m, {"SET", "c", "3"});
  Cmd(m, {"MULTI"});
  Cmd(m, {"INCR", "counter"});
  Cmd(m, {"INCR", "counter"});
  Cmd(m, {"EXEC"});
  REQUIRE(WaitFor([&] { return InfoValue(m, "stats", "sync_partial_ok") == "1"; }));
  CHECK(Cmd(m, {"WAIT", "1", "5000"}).integer == 1);
  Cmd(r, {"SELECT", "3"});
  CHECK(Cmd(r, {"GET", "c"}).str == "3");
  CHECK(Cmd(r, {"GET", "counter"}).str == "2");

  // 2. The replica restarts from its own save (repl-id and repl-offset in the RDB).
  CHECK(Cmd(r, {"SAVE"}).str == "OK");
  replica.Stop();
  Cmd(m, {"SET", "while-down", "yes"});
  REQUIRE(replica.Start());
  RespClient r2 = replica.Connect();
  REQUIRE(WaitFor([&] { return InfoValue(m, "stats", "sync_partial_ok") == "2"; }));
  CHECK(Cmd(m, {"WAIT", "1", "5000"}).integer == 1);
  Cmd(r2, {"SELECT", "3"});
  CHECK(Cmd(r2, {"GET", "while-down"}).str == "yes");
  CHECK(InfoValue(m, "stats", "sync_full") == "1");

  // 3. Failover: the replica is promoted and the old master follows it.
  std::string old_id = InfoValue(m, "replication", "master_replid");
  CHECK(Cmd(r2, {"REPLICAOF", "NO", "ONE"}).str == "OK");
  CHECK(InfoValue(r2, "replication", "master_replid2") == old_id);
  Cmd(r2, {"SET", "after-failover", "1"});
  CHECK(Cmd(m, {"REPLICAOF", "127.0.0.1", std::to_string(replica.port())}).str == "OK");
  REQUIRE(WaitFor([&] { return InfoValue(r2, "stats", "sync_partial_ok") == "1"; }));
  CHECK(InfoValue(r2, "stats", "sync_full") == "0");
  CHECK(Cmd(r2, {"WAIT", "1", "5000"}).integer == 1);
  CHECK(Cmd(m, {"GET", "after-failover"}).str == "1");
  // The old master took the new id and keeps its own as the secondary one.
  CHECK(InfoValue(m, "replication", "master_replid") ==
        InfoValue(r2, "replication", "master_replid"));
  CHECK(InfoValue(m, "replication", "master_replid2") == old_id);
  CHECK(Cmd(m, {"DEBUG", "DIGEST"}).str == Cmd(r2, {"DEBUG", "DIGEST"}).str);
}

}  // namespace

TEST_CASE("replication: partial resynchronization after a lost link, a restart, a failover") {
  CheckPartialResyncs(EMBER_SERVER_BIN, EMBER_SERVER_BIN);
}

TEST_CASE("replication: partial resynchronization with Redis 7.0.15 on either side") {
  if (!Exists(kRedisServer)) {
    MESSAGE("redis-server not installed: skipped");
    return;
  }
  SUBCASE("Redis master, Ember replica") { CheckPartialResyncs(kRedisServer, EMBER_SERVER_BIN); }
  SUBCASE("Ember master, Redis replica") { CheckPartialResyncs(EMBER_SERVER_BIN, kRedisServer); }
}

TEST_CASE("replication: backlog fields, a PSYNC the backlog cannot serve, NOMASTERLINK") {
  ServerProcess master({"--repl-backlog-size", "16384", "--repl-diskless-sync-delay", "0"});
  REQUIRE(master.Start());
  RespClient m = master.Connect();
  CHECK(InfoValue(m, "replication", "repl_backlog_active") == "0");
  ServerProcess replica;
  REQUIRE(replica.Start());
  RespClient r = replica.Connect();
  Attach(r, master);
  CHECK(InfoValue(m, "replication", "repl_backlog_active") == "1");
  CHECK(InfoValue(m, "replication", "repl_backlog_size") == "16384");
  std::string id = InfoValue(m, "replication", "master_replid");
  // More than the backlog holds passes while a raw client asks to continue from offset 1.
  std::string big(1000, 'x');
  for (int i = 0; i < 40; i++) Cmd(m, {"SET", "k" + std::to_string(i), big});
  CHECK(InfoValue(m, "replication", "repl_backlog_histlen") == "16384");
  CHECK(std::stoll(InfoValue(m, "replication", "repl_backlog_first_byte_offset")) > 1);
  // (The replica's own REPLICAOF already asked to continue its history as a master: an error.)
  int64_t errors = std::stoll(InfoValue(m, "stats", "sync_partial_err"));
  RespClient fake = master.Connect();
  REQUIRE(fake.SendRaw(ember::EncodeCommand({"PSYNC", id, "1"})).ok());
  auto line = fake.ReadReply();
  REQUIRE(line.ok());
  CHECK(line.value().str.rfind("FULLRESYNC " + id, 0) == 0);
  CHECK(std::stoll(InfoValue(m, "stats", "sync_partial_err")) == errors + 1);
  // A replica that has no link to its own master cannot feed a sub-replica.
  CHECK(Cmd(r, {"REPLICAOF", "127.0.0.1", "1"}).str == "OK");
  RespValue e = Cmd(r, {"PSYNC", "?", "-1"});
  CHECK(e.str == "NOMASTERLINK Can't SYNC while not connected with my master");
  RespValue bad = Cmd(m, {"PSYNC", id, "notanumber"});
  CHECK(bad.is_error());
}

TEST_CASE("replication: a diskless full sync waits repl-diskless-sync-delay for more replicas") {
  ServerProcess master({"--repl-diskless-sync-delay", "2"});
  REQUIRE(master.Start());
  ServerProcess a, b;
  REQUIRE(a.Start());
  REQUIRE(b.Start());
  INFO("master log:\n" << master.Log());
  RespClient m = master.Connect();
  RespClient ra = a.Connect();
  RespClient rb = b.Connect();
  Cmd(m, {"SET", "k", "v"});
  auto start = std::chrono::steady_clock::now();
  CHECK(Cmd(ra, {"REPLICAOF", "127.0.0.1", std::to_string(master.port())}).str == "OK");
  CHECK(Cmd(rb, {"REPLICAOF", "127.0.0.1", std::to_string(master.port())}).str == "OK");
  // Both wait for the one snapshot, the replicas still in their handshake.
  REQUIRE(WaitFor([&] {
    std::string info = Cmd(m, {"INFO", "replication"}).str;
    return info.find("slave1:") != std::string::npos &&
           info.find("state=wait_bgsave") != std::string::npos;
  }));
  CHECK(Cmd(ra, {"ROLE"}).elems.at(3).str == "handshake");
  Cmd(m, {"SET", "during", "wait"});  // goes out in the snapshot, not the stream
  REQUIRE(WaitFor([&] { return LinkUp(ra) && LinkUp(rb); }));
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(1500));
  std::string log = master.Log();
  size_t first = log.find("Starting BGSAVE for SYNC");
  CHECK(first != std::string::npos);
  CHECK(log.find("Starting BGSAVE for SYNC", first + 1) == std::string::npos);
  CHECK(InfoValue(m, "stats", "sync_full") == "2");
  CHECK(Cmd(m, {"WAIT", "2", "5000"}).integer == 2);
  CHECK(Cmd(ra, {"GET", "during"}).str == "wait");
  CHECK(Cmd(rb, {"GET", "k"}).str == "v");
}
