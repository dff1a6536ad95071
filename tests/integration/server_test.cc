// ember-server as a user runs it: real process, real sockets, redis-cli.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "common/util/cpus.h"
#include "common/util/sanitizers.h"
#include "tests/integration/server_process.h"

using ember::EncodeCommand;
using ember::RespClient;
using ember::RespValue;
using ember::test::ServerProcess;

namespace {

// Runs a shell command and returns its stdout.
std::string Shell(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (status) *status = st;
  return out;
}

RespValue Must(RespClient& c, const std::vector<std::string>& args) {
  auto r = c.Command(args);
  REQUIRE(r.ok());
  return r.value();
}

}  // namespace

TEST_CASE("server: starts on defaults, logs the lines tools wait for, answers commands") {
  ServerProcess s;
  REQUIRE(s.Start());
  std::string log = s.Log();
  CHECK(log.find(" PID: " + std::to_string(s.pid())) != std::string::npos);
  CHECK(log.find("Ready to accept connections") != std::string::npos);
  RespClient c = s.Connect();
  CHECK(Must(c, {"PING"}).str == "PONG");
  CHECK(Must(c, {"SET", "k", "v"}).str == "OK");
  CHECK(Must(c, {"GET", "k"}).str == "v");
  RespValue info = Must(c, {"INFO", "server"});
  CHECK(info.str.find("redis_version:7.0.15") != std::string::npos);
  CHECK(info.str.find("tcp_port:" + std::to_string(s.port())) != std::string::npos);
  INFO("server log:\n" << s.Log());
}

TEST_CASE("server: redis-cli works against it") {
  ServerProcess s;
  REQUIRE(s.Start());
  std::string cli = "redis-cli -p " + std::to_string(s.port()) + " ";
  CHECK(Shell(cli + "set greeting hello") == "OK\n");
  CHECK(Shell(cli + "get greeting") == "hello\n");
  CHECK(Shell(cli + "incr counter") == "1\n");
  CHECK(Shell(cli + "dbsize") == "2\n");
  CHECK(Shell(cli + "config get maxclients") == "maxclients\n10000\n");
}

TEST_CASE("server: pipelined requests in one write get every reply, in order") {
  ServerProcess s;
  REQUIRE(s.Start());
  RespClient c = s.Connect();
  std::string batch;
  const int n = 5000;
  for (int i = 0; i < n; i++) batch += EncodeCommand({"INCR", "counter"});
  REQUIRE(c.SendRaw(batch).ok());
  for (int i = 1; i <= n; i++) {
    auto r = c.ReadReply();
    REQUIRE(r.ok());
    REQUIRE(r.value().integer == i);
  }
}

TEST_CASE("server: malformed requests get Redis's errors and the connection is closed") {
  ServerProcess s;
  REQUIRE(s.Start());
  struct Case {
    std::string bytes, error;
  } cases[] = {
      {"*abc\r\n", "Protocol error: invalid multibulk length"},
      {"*1\r\n+x\r\n", "Protocol error: expected '$', got '+'"},
      {"*1\r\n$-5\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$600000000\r\n", "Protocol error: invalid bulk length"},
      {"set \"unbalanced\r\n", "Protocol error: unbalanced quotes in request"},
      {std::string(70 * 1024, 'x'), "Protocol error: too big inline request"},
  };
  for (const auto& tc : cases) {
    RespClient c = s.Connect();
    REQUIRE(c.SendRaw(tc.bytes).ok());
    auto r = c.ReadReply();
    REQUIRE(r.ok());
    CHECK(r.value().str == "ERR " + tc.error);
    CHECK(c.WaitClosed(2000));
  }
  // The server is still there.
  RespClient c = s.Connect();
  CHECK(Must(c, {"PING"}).str == "PONG");
  CHECK(s.Alive());
}

TEST_CASE("server: unknown commands, wrong arity and wrong types keep the connection") {
  ServerProcess s;
  REQUIRE(s.Start());
  RespClient c = s.Connect();
  CHECK(Must(c, {"NOSUCH", "a"}).str ==
        "ERR unknown command 'NOSUCH', with args beginning with: 'a' ");
  CHECK(Must(c, {"GET"}).str == "ERR wrong number of arguments for 'get' command");
  CHECK(Must(c, {"LPUSH", "l", "x"}).integer == 1);
  CHECK(Must(c, {"GET", "l"}).str ==
        "WRONGTYPE Operation against a key holding the wrong kind of value");
  CHECK(Must(c, {"CONFIG", "NOSUCH"}).str == "ERR unknown subcommand 'NOSUCH'. Try CONFIG HELP.");
  CHECK(Must(c, {"PING"}).str == "PONG");
}

TEST_CASE("server: a query larger than client-query-buffer-limit closes only that client") {
  ServerProcess s({"--client-query-buffer-limit", "1mb"});
  REQUIRE(s.Start());
  RespClient c = s.Connect();
  // A 4 MB bulk announced and partly sent: the unparsed query grows past the limit.
  std::string head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4194304\r\n";
  REQUIRE(c.SendRaw(head + std::string(2 * 1024 * 1024, 'x')).ok());
  CHECK(c.WaitClosed(5000));
  RespClient other = s.Connect();
  CHECK(Must(other, {"PING"}).str == "PONG");
  CHECK(s.Log().find("max query buffer") != std::string::npos);
}

TEST_CASE("server: config file plus command-line overrides, as redis-server") {
  ServerProcess probe;  // only for its temp dir
  std::string conf = probe.dir() + "/ember.conf";
  {
    std::ofstream f(conf);
    f << "# a comment\nmaxclients 123\nhz 15\ndatabases 4\n";
  }
  int port = ember::test::FreePort();
  std::string log = probe.dir() + "/cfg.log";
  std::string cmd = std::string(EMBER_SERVER_BIN) + " " + conf + " --port " + std::to_string(port) +
                    " --hz 20 --logfile " + log + " --daemonize yes" + " --pidfile " + probe.dir() +
                    "/ember.pid --save ''";
  int st;
  Shell(cmd, &st);
  CHECK(st == 0);
  RespClient c;
  for (int i = 0; i < 200 && !c.Connect("127.0.0.1", port, 200).ok(); i++) usleep(20000);
  REQUIRE(c.connected());
  CHECK(Must(c, {"CONFIG", "GET", "maxclients"}).elems[1].str == "123");
  CHECK(Must(c, {"CONFIG", "GET", "hz"}).elems[1].str == "20");  // argument wins
  CHECK(Must(c, {"SELECT", "3"}).str == "OK");
  CHECK(Must(c, {"SELECT", "4"}).str == "ERR DB index is out of range");
  REQUIRE(c.SendRaw(EncodeCommand({"SHUTDOWN", "NOSAVE"})).ok());
  CHECK(c.WaitClosed(5000));
}

TEST_CASE("server: a bad config line stops startup with Redis's message") {
  ServerProcess probe;
  std::string conf = probe.dir() + "/bad.conf";
  {
    std::ofstream f(conf);
    f << "port 7000\nnosuchdirective 1\n";
  }
  int st;
  std::string out = Shell(std::string(EMBER_SERVER_BIN) + " " + conf + " 2>&1", &st);
  CHECK(st != 0);
  CHECK(out.find("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***") != std::string::npos);
  CHECK(out.find("at line 2") != std::string::npos);
  CHECK(out.find(">>> 'nosuchdirective 1'") != std::string::npos);
  CHECK(out.find("Bad directive or wrong number of arguments") != std::string::npos);
  out = Shell(std::string(EMBER_SERVER_BIN) + " --port notanumber 2>&1", &st);
  CHECK(st != 0);
  CHECK(out.find("argument couldn't be parsed into an integer") != std::string::npos);
}

TEST_CASE("server: --version and --help") {
  int st;
  std::string v = Shell(std::string(EMBER_SERVER_BIN) + " --version", &st);
  CHECK(st == 0);
  CHECK(v.find("redis_version=7.0.15") != std::string::npos);
  std::string h = Shell(std::string(EMBER_SERVER_BIN) + " --help 2>&1", &st);
  CHECK(st == 0);
  CHECK(h.find("Usage:") != std::string::npos);
}

TEST_CASE("server: requirepass, AUTH and the unauthenticated limits") {
  ServerProcess s({"--requirepass", "s3cret"});
  REQUIRE(s.Start());
  RespClient c;
  REQUIRE(c.Connect("127.0.0.1", s.port()).ok());
  CHECK(Must(c, {"GET", "k"}).str == "NOAUTH Authentication required.");
  CHECK(Must(c, {"AUTH", "wrong"}).str ==
        "WRONGPASS invalid username-password pair or user is disabled.");
  CHECK(Must(c, {"AUTH", "s3cret"}).str == "OK");
  CHECK(Must(c, {"SET", "k", "v"}).str == "OK");
  // Before AUTH, a request of more than 10 arguments is a protocol error.
  RespClient d;
  REQUIRE(d.Connect("127.0.0.1", s.port()).ok());
  std::vector<std::string> big(11, "x");
  REQUIRE(d.SendRaw(EncodeCommand(big)).ok());
  auto r = d.ReadReply();
  REQUIRE(r.ok());
  CHECK(r.value().str == "ERR Protocol error: unauthenticated multibulk length");
  CHECK(d.WaitClosed(2000));
}

TEST_CASE("server: unix socket listener") {
  ServerProcess probe;
  std::string sock = probe.dir() + "/ember.sock";
  ServerProcess s({"--unixsocket", sock, "--unixsocketperm", "700"});
  REQUIRE(s.Start());
  RespClient c;
  REQUIRE(c.ConnectUnix(sock).ok());
  CHECK(Must(c, {"PING"}).str == "PONG");
  RespValue list = Must(c, {"CLIENT", "INFO"});
  CHECK(list.str.find("flags=U") != std::string::npos);
}

TEST_CASE("server: maxclients rejects extra connections with Redis's error") {
  ServerProcess s({"--maxclients", "2"});
  REQUIRE(s.Start());
  RespClient a = s.Connect();
  // Wait until the start-up probe's connection is gone: only `a` is connected.
  bool alone = false;
  for (int i = 0; i < 200 && !alone; i++) {
    alone = Must(a, {"INFO", "clients"}).str.find("connected_clients:1\r\n") != std::string::npos;
    if (!alone) usleep(10000);
  }
  REQUIRE(alone);
  RespClient b = s.Connect();
  CHECK(Must(a, {"PING"}).str == "PONG");
  CHECK(Must(b, {"PING"}).str == "PONG");
  RespClient extra;
  REQUIRE(extra.Connect("127.0.0.1", s.port()).ok());
  auto r = extra.ReadReply();
  REQUIRE(r.ok());
  CHECK(r.value().str == "ERR max number of clients reached");
}

TEST_CASE("server: idle clients are closed after timeout") {
  ServerProcess s({"--timeout", "1"});
  REQUIRE(s.Start());
  RespClient c = s.Connect();
  CHECK(Must(c, {"PING"}).str == "PONG");
  CHECK(c.WaitClosed(5000));
}

TEST_CASE("server: SIGTERM shuts down cleanly") {
  ServerProcess s;
  REQUIRE(s.Start());
  pid_t pid = s.pid();
  kill(pid, SIGTERM);
  bool gone = false;
  for (int i = 0; i < 300 && !gone; i++) {
    gone = !s.Alive();
    usleep(10000);
  }
  CHECK(gone);
  CHECK(s.Log().find("ready to exit, bye bye") != std::string::npos);
}

// The sanitizer builds keep AddressSanitizer's own SIGSEGV report instead of Ember's.
constexpr bool kAsan = ember::kAddressSanitizer;

TEST_CASE("server: a crash writes a report with a stack trace and dies of the signal") {
  if (kAsan) return;
  ServerProcess s({"--enable-debug-command", "yes"});
  REQUIRE(s.Start());
  {
    RespClient c = s.Connect();
    (void)c.SendRaw(EncodeCommand({"DEBUG", "SEGFAULT"}));
    CHECK(c.WaitClosed(5000));
  }
  bool gone = false;
  for (int i = 0; i < 300 && !gone; i++) {
    gone = !s.Alive();
    usleep(10000);
  }
  CHECK(gone);
  std::string log = s.Log();
  CHECK(log.find("=== Ember BUG REPORT START") != std::string::npos);
  CHECK(log.find("Ember crashed by signal: 11") != std::string::npos);
  size_t trace = log.find("------ STACK TRACE ------");
  REQUIRE(trace != std::string::npos);
  // -rdynamic: frames of our own code are named.
  CHECK(log.find("ember6Server8Dispatch", trace) != std::string::npos);
  CHECK(log.find("BUG REPORT END") != std::string::npos);
}

TEST_CASE("server: crash-log-enabled no skips the report") {
  if (kAsan) return;
  ServerProcess s({"--enable-debug-command", "yes", "--crash-log-enabled", "no"});
  REQUIRE(s.Start());
  {
    RespClient c = s.Connect();
    (void)c.SendRaw(EncodeCommand({"DEBUG", "SEGFAULT"}));
    CHECK(c.WaitClosed(5000));
  }
  for (int i = 0; i < 300 && s.Alive(); i++) usleep(10000);
  CHECK(!s.Alive());
  CHECK(s.Log().find("BUG REPORT START") == std::string::npos);
}

TEST_CASE("server: CONFIG SET port moves the listener, and rolls back when the port is taken") {
  ServerProcess server;
  REQUIRE(server.Start());
  RespClient c = server.Connect();
  // Hold a port with a plain listening socket so binding it fails.
  int holder = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(holder >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(listen(holder, 1) == 0);
  socklen_t len = sizeof(addr);
  getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &len);
  int busy = ntohs(addr.sin_port);
  RespValue r = Must(c, {"CONFIG", "SET", "maxmemory", "10000001", "port", std::to_string(busy)});
  CHECK(r.str ==
        "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this "
        "port. Check server logs.");
  CHECK(Must(c, {"CONFIG", "GET", "maxmemory"}).elems[1].str == "0");  // rolled back
  RespClient again;
  REQUIRE(again.Connect("127.0.0.1", server.port()).ok());
  CHECK(Must(again, {"PING"}).str == "PONG");

  int fresh = ember::test::FreePort();
  CHECK(Must(c, {"CONFIG", "SET", "port", std::to_string(fresh)}).str == "OK");
  RespClient moved;
  REQUIRE(moved.Connect("127.0.0.1", fresh).ok());
  CHECK(Must(moved, {"PING"}).str == "PONG");
  RespClient old;
  CHECK_FALSE(old.Connect("127.0.0.1", server.port(), 500).ok());
  CHECK(Must(moved, {"CONFIG", "GET", "port"}).elems[1].str == std::to_string(fresh));
  close(holder);
}

TEST_CASE("server: rename-command hides the old name and answers to the new one") {
  ServerProcess server({"--rename-command", "flushdb", "badger", "--rename-command", "keys", ""});
  REQUIRE(server.Start());
  RespClient c = server.Connect();
  Must(c, {"SET", "k", "v"});
  CHECK(Must(c, {"FLUSHDB"}).str.rfind("ERR unknown command 'FLUSHDB'", 0) == 0);
  CHECK(Must(c, {"KEYS", "*"}).is_error());
  CHECK(Must(c, {"BADGER"}).str == "OK");
  CHECK(Must(c, {"DBSIZE"}).integer == 0);
  ServerProcess bad({"--rename-command", "nosuchcommand", "x"});
  CHECK_FALSE(bad.Start(3000));  // a fatal config error, as Redis
}

TEST_CASE("server: clients are served while the dataset loads, with -LOADING") {
  ServerProcess first({"--enable-debug-command", "yes", "--rdbcompression", "no"});
  REQUIRE(first.Start());
  {
    RespClient c = first.Connect();
    CHECK(Must(c, {"DEBUG", "POPULATE", "20000", "key", "1000"}).str == "OK");
    CHECK(Must(c, {"SAVE"}).str == "OK");
  }
  first.Stop();
  ServerProcess second({"--dir", first.dir(), "--key-load-delay", "100",
                        "--loading-process-events-interval-bytes", "1024"});
  // Start() waits for PING to answer, which it does (PING is allowed while loading).
  REQUIRE(second.Start());
  RespClient c = second.Connect();
  std::string info = Must(c, {"INFO", "persistence"}).str;
  CHECK(info.find("loading:1\r\n") != std::string::npos);
  CHECK(info.find("loading_loaded_perc:") != std::string::npos);
  CHECK(Must(c, {"GET", "key:1"}).str == "LOADING Redis is loading the dataset in memory");
  CHECK(Must(c, {"CONFIG", "SET", "loglevel", "debug"}).str == "OK");
  CHECK(Must(c, {"CONFIG", "SET", "dir", "/tmp"}).is_error());
}

TEST_CASE("server: client-output-buffer-limit closes a client over its class's hard limit") {
  ServerProcess server;
  REQUIRE(server.Start());
  RespClient c = server.Connect();
  CHECK(Must(c, {"SET", "big", std::string(2 * 1024 * 1024, 'x')}).str == "OK");
  CHECK(Must(c, {"CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0"}).str == "OK");
  RespClient reader = server.Connect();
  auto r = reader.Command({"GET", "big"});
  CHECK_FALSE(r.ok());  // the connection was closed instead of answering
  CHECK(Must(c, {"CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0"}).str == "OK");
  RespClient again = server.Connect();
  CHECK(Must(again, {"STRLEN", "big"}).integer == 2 * 1024 * 1024);
  CHECK(server.Log().find("scheduled to be closed ASAP for overcoming of output buffer limits") !=
        std::string::npos);
}

TEST_CASE("server: oom-score-adj sets the process's OOM score by role and restores it") {
  auto score = [](pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/oom_score_adj");
    int v = -99999;
    in >> v;
    return v;
  };
  int inherited = score(getpid());
  ServerProcess s({"--oom-score-adj", "absolute", "--oom-score-adj-values", "10 20 30"});
  REQUIRE(s.Start());
  CHECK(score(s.pid()) == 10);
  RespClient c = s.Connect();
  CHECK(Must(c, {"REPLICAOF", "127.0.0.1", "1"}).str == "OK");  // nobody there: still a replica
  CHECK(score(s.pid()) == 20);
  CHECK(Must(c, {"REPLICAOF", "NO", "ONE"}).str == "OK");
  CHECK(score(s.pid()) == 10);
  CHECK(Must(c, {"CONFIG", "SET", "oom-score-adj-values", "15 20 30"}).str == "OK");
  CHECK(score(s.pid()) == 15);
  CHECK(Must(c, {"CONFIG", "SET", "oom-score-adj", "relative"}).str == "OK");
  CHECK(score(s.pid()) == std::min(1000, inherited + 15));
  CHECK(Must(c, {"CONFIG", "SET", "oom-score-adj", "no"}).str == "OK");
  CHECK(score(s.pid()) == inherited);
  RespValue bad = Must(c, {"CONFIG", "SET", "oom-score-adj-values", "2001 0 0"});
  CHECK(bad.is_error());
}

TEST_CASE("server: busy polling engages under load and stops when the load does") {
  auto status_field = [](pid_t pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
    }
    return -1LL;
  };
  auto cpu_ms = [](pid_t pid) {  // user + system time of the main thread
    std::ifstream in("/proc/" + std::to_string(pid) + "/schedstat");
    long long ns = 0;
    in >> ns;
    return ns / 1000000;
  };
  ServerProcess s;
  REQUIRE(s.Start());
  INFO("server log:\n" << s.Log());
  RespClient c = s.Connect();
  CHECK(Must(c, {"CONFIG", "GET", "busy-poll-usec"}).elems.at(1).str == "20");
  RespValue bad = Must(c, {"CONFIG", "SET", "busy-poll-usec", "-1"});
  CHECK(bad.str.find("argument must be between 0 and 1000000 inclusive") != std::string::npos);

  // Sleeps of the event loop per request, from its voluntary context switches, with 50
  // clients sending one request at a time.
  std::string bench = "redis-benchmark -p " + std::to_string(s.port()) +
                      " -c 50 -n 200000 -t get -P 1 -q >/dev/null 2>&1";
  auto sleeps_per_request = [&](const std::string& usec) {
    CHECK(Must(c, {"CONFIG", "SET", "busy-poll-usec", usec}).str == "OK");
    long long before = status_field(s.pid(), "voluntary_ctxt_switches");
    int status = -1;
    Shell(bench, &status);
    CHECK(status == 0);
    return double(status_field(s.pid(), "voluntary_ctxt_switches") - before) / 200000;
  };
  double polling = sleeps_per_request("20");
  double sleeping = sleeps_per_request("0");
  MESSAGE("event-loop sleeps per request: " << polling << " polling, " << sleeping << " not");
  // Polling needs a second CPU, and there must be sleeps to save: when the server is the
  // bottleneck (sanitizers, a busy machine) it seldom sleeps either way (measured 0.017 per
  // request once in CI), and the comparison says nothing.
  if (!kAsan && ember::AvailableCpus() >= 2 && sleeping >= 0.03) {
    CHECK(polling * 1.5 < sleeping);
  }

  // Once the load is gone the loop sleeps again: an idle second costs next to no CPU.
  CHECK(Must(c, {"CONFIG", "SET", "busy-poll-usec", "20"}).str == "OK");
  int status = -1;
  Shell(bench, &status);
  CHECK(status == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  long long t0 = cpu_ms(s.pid());
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(cpu_ms(s.pid()) - t0 < 150);
}
