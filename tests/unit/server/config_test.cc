#include "server/config.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ember {
namespace {

using Pair = std::pair<std::string_view, std::string_view>;

Status SetPairs(Config& c, std::initializer_list<Pair> pairs, bool local = false) {
  std::vector<Pair> v(pairs);
  return c.Set(v, local);
}

std::vector<std::pair<std::string, std::string>> GetPatterns(
    Config& c, std::initializer_list<std::string_view> patterns) {
  std::vector<std::string_view> v(patterns);
  return c.Get(v);
}

// A scratch directory removed at the end; the working directory is restored too because
// `dir` chdirs.
struct TempDir {
  std::string path;
  std::string saved_cwd;
  TempDir() {
    char tpl[] = "/tmp/ember_config_test.XXXXXX";
    char* p = mkdtemp(tpl);
    REQUIRE(p != nullptr);
    path = p;
    char buf[4096];
    REQUIRE(getcwd(buf, sizeof(buf)) != nullptr);
    saved_cwd = buf;
  }
  ~TempDir() {
    if (chdir(saved_cwd.c_str()) != 0) std::perror("chdir");
    std::string cmd = "rm -rf '" + path + "'";
    if (std::system(cmd.c_str()) != 0) std::perror("rm");
  }
  std::string File(const std::string& name, const std::string& content) const {
    std::string p = path + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("config: defaults are Redis 7.0.15's") {
  Config c;
  CHECK(c.port == 6379);
  CHECK(c.hash_max_listpack_entries == 512);
  CHECK(c.set_max_intset_entries == 512);
  CHECK(c.zset_max_listpack_entries == 128);
  CHECK(c.GetOne("hash-max-ziplist-entries") == "512");
  CHECK(c.GetOne("save") == "3600 1 300 100 60 10000");
  CHECK(c.GetOne("client-output-buffer-limit") ==
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  CHECK(c.GetOne("bind") == "* -::*");
  CHECK(c.GetOne("latency-tracking-info-percentiles") == "50 99 99.9");
  CHECK(c.GetOne("oom-score-adj-values") == "0 200 800");
  CHECK(c.GetOne("proc-title-template") == "{title} {listen-addr} {server-mode}");
  CHECK(c.GetOne("maxmemory-policy") == "noeviction");
  CHECK(c.GetOne("shutdown-on-sigint") == "default");
  CHECK(c.GetOne("syslog-facility") == "local0");
  CHECK(c.GetOne("tls-auth-clients") == "yes");
  CHECK(c.GetOne("acl-pubsub-default") == "resetchannels");
  CHECK(c.GetOne("active-defrag-ignore-bytes") == "104857600");
  CHECK(c.GetOne("unixsocketperm") == "0");
  CHECK(c.GetOne("notify-keyspace-events") == "");
  CHECK(c.GetOne("replicaof") == "");
  CHECK(c.GetOne("no-such-thing") == "");
  // `CONFIG GET *` on redis-server 7.0.15 lists 192 names (aliases included, hidden excluded).
  std::vector<std::string_view> all{"*"};
  CHECK(c.Get(all).size() == 192);
  CHECK(c.IsKnown("SLAVEOF"));
  CHECK(c.IsKnown("use-exit-on-panic"));
  CHECK_FALSE(c.IsKnown("include"));
  CHECK(c.IsSensitive("requirepass"));
  CHECK(c.IsSensitive("masterauth"));
  CHECK_FALSE(c.IsSensitive("port"));
}

TEST_CASE("config: LoadString fills typed fields") {
  Config c;
  Status s = c.LoadString(
      "# a comment\n"
      "PORT 7000\n"
      "  bind 127.0.0.1 ::1  \r\n"
      "\n"
      "timeout 30\n"
      "tcp-keepalive 60\n"
      "protected-mode no\n"
      "requirepass \"s3cret pass\"\n"
      "maxmemory 100mb\n"
      "maxmemory-policy ALLKEYS-LRU\n"
      "loglevel warning\n"
      "databases 4\n"
      "hash-max-ziplist-entries 256\n"
      "zset-max-ziplist-value 1kb\n"
      "list-max-ziplist-size -3\n"
      "slave-serve-stale-data no\n"
      "notify-keyspace-events KEA\n"
      "enable-debug-command local\n"
      "unixsocketperm 700\n"
      "lazyfree-lazy-user-del yes\n"
      "latency-tracking-info-percentiles \"50 99.99\"\n"
      "list-max-ziplist-entries 512\n"
      "rename-command FLUSHALL \"\"\n"
      "rename-command config myconfig\n"
      "user alice on >pw ~* +@all\n"
      "sentinel\n");
  REQUIRE_MESSAGE(s.ok(), s.message());
  CHECK(c.port == 7000);
  CHECK(c.bind == std::vector<std::string>{"127.0.0.1", "::1"});
  CHECK(c.timeout == 30);
  CHECK(c.tcp_keepalive == 60);
  CHECK_FALSE(c.protected_mode);
  CHECK(c.requirepass == "s3cret pass");
  CHECK(c.maxmemory == 100LL * 1024 * 1024);
  CHECK(c.maxmemory_policy == "allkeys-lru");
  CHECK(c.loglevel == "warning");
  CHECK(c.databases == 4);
  CHECK(c.hash_max_listpack_entries == 256);
  CHECK(c.zset_max_listpack_value == 1024);
  CHECK(c.list_max_listpack_size == -3);
  CHECK(c.GetOne("replica-serve-stale-data") == "no");
  CHECK(c.notify_keyspace_events == "KEA");
  CHECK(c.GetOne("notify-keyspace-events") == "AKE");
  CHECK(c.enable_debug_command == 2);
  CHECK(c.GetOne("enable-debug-command") == "local");
  CHECK(c.unixsocketperm == 0700);
  CHECK(c.GetOne("unixsocketperm") == "700");
  CHECK(c.lazyfree_lazy_user_del);
  CHECK(c.latency_tracking_info_percentiles == std::vector<double>{50, 99.99});
  CHECK(c.renamed_commands().at("flushall").empty());
  CHECK(c.renamed_commands().at("config") == "myconfig");
  REQUIRE(c.user_directives().size() == 1);
  CHECK(c.user_directives()[0] == std::vector<std::string>{"alice", "on", ">pw", "~*", "+@all"});
}

TEST_CASE("config: fatal error text") {
  Config c;
  Status s = c.LoadString("port 7000\n\n  foo bar  \nport 7001\n");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() ==
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
        "Reading the configuration file, at line 3\n"
        ">>> 'foo bar'\n"
        "Bad directive or wrong number of arguments\n");
  CHECK(c.port == 7000);  // loading stopped at the bad line

  auto reason = [](std::string_view text) {
    Config cfg;
    Status st = cfg.LoadString(text);
    REQUIRE_FALSE(st.ok());
    std::string m = st.message();
    m.pop_back();  // trailing newline
    return m.substr(m.rfind('\n') + 1);
  };
  CHECK(reason("daemonize maybe") == "argument must be 'yes' or 'no'");
  CHECK(reason("timeout abc") == "argument couldn't be parsed into an integer");
  CHECK(reason("port 70000") == "argument must be between 0 and 65535 inclusive");
  CHECK(reason("maxmemory lots") == "argument must be a memory value");
  CHECK(reason("maxmemory-clients x") == "argument must be a memory or percent value");
  CHECK(reason("maxmemory-clients 200%") == "percentage argument must be less or equal to 100");
  CHECK(reason("hash-max-listpack-entries -1") ==
        "argument must be between 0 and 9223372036854775807 inclusive");
  CHECK(reason("maxclients 0") == "argument must be between 1 and 4294967295 inclusive");
  CHECK(reason("unixsocketperm 999") == "argument couldn't be parsed as an octal number");
  CHECK(reason("unixsocketperm 1000") == "argument must be between 0 and 777 inclusive");
  CHECK(reason("port 1 2") == "wrong number of arguments");
  CHECK(reason("port \"7000") == "Unbalanced quotes in configuration line");
  CHECK(reason("maxmemory-policy lru") ==
        "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
        "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
  CHECK(reason("save 900") == "Invalid save parameters");
  CHECK(reason("save 0 1") == "Invalid save parameters");
  CHECK(reason("notify-keyspace-events KEQ") ==
        "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  CHECK(reason("client-output-buffer-limit master 1 1 1") ==
        "Invalid client class specified in buffer limit configuration.");
  CHECK(reason("client-output-buffer-limit normal 1 1") ==
        "Wrong number of arguments in buffer limit configuration.");
  CHECK(reason("client-output-buffer-limit normal 1x 1 1") ==
        "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
  CHECK(reason("oom-score-adj-values 0 200 3000") ==
        "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
  CHECK(reason("shutdown-on-sigterm save nosave") ==
        "shutdown options SAVE and NOSAVE can't be used simultaneously");
  CHECK(reason("dbfilename a/b.rdb") == "dbfilename can't be a path, just a filename");
  CHECK(reason("replicaof 127.0.0.1 99999") == "Invalid master port");
  CHECK(reason("latency-tracking-info-percentiles 101") ==
        "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
  CHECK(reason("sentinel monitor m 127.0.0.1 6379 2") ==
        "sentinel directive while not in sentinel mode");
  CHECK(reason("loadmodule /x/m.so").find("not supported") != std::string::npos);

  // Errors found after reading every line carry no line information.
  Config c2;
  Status s2 = c2.LoadString("logfile /nonexistent-dir/x.log\n");
  REQUIRE_FALSE(s2.ok());
  CHECK(s2.message() ==
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
        "Can't open the log file: No such file or directory\n");
}

TEST_CASE("config: memory units") {
  Config c;
  REQUIRE(c.LoadString("maxmemory 1gb\nproto-max-bulk-len 2MB\nrepl-backlog-size 10k\n").ok());
  CHECK(c.maxmemory == 1073741824LL);
  CHECK(c.proto_max_bulk_len == 2LL * 1024 * 1024);
  CHECK(c.GetOne("repl-backlog-size") == "10000");
  REQUIRE(SetPairs(c, {{"maxmemory", "3m"}, {"client-query-buffer-limit", "2gb"}}).ok());
  CHECK(c.maxmemory == 3000000);
  CHECK(c.GetOne("client-query-buffer-limit") == "2147483648");
  REQUIRE(SetPairs(c, {{"maxmemory-clients", "10%"}}).ok());
  CHECK(c.GetOne("maxmemory-clients") == "10%");
  REQUIRE(SetPairs(c, {{"maxmemory-clients", "1mb"}}).ok());
  CHECK(c.GetOne("maxmemory-clients") == "1048576");
  Status s = SetPairs(c, {{"proto-max-bulk-len", "1000"}});
  CHECK(s.message() ==
        "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument "
        "must be between 1048576 and 9223372036854775807 inclusive");
}

TEST_CASE("config: save parsing and formatting") {
  Config c;
  // The first save line of a load replaces the defaults, later ones append.
  REQUIRE(c.LoadString("save 900 1\nsave 300 10 60 10000\n").ok());
  CHECK(c.GetOne("save") == "900 1 300 10 60 10000");
  REQUIRE(c.save.size() == 3);
  CHECK(c.save[0].seconds == 900);
  CHECK(c.save[0].changes == 1);

  Config d;
  REQUIRE(d.LoadString("save \"\"\n").ok());
  CHECK(d.save.empty());
  CHECK(d.GetOne("save") == "");

  Config e;
  REQUIRE(e.LoadString("save \"\"\nsave 100 1\n").ok());
  CHECK(e.GetOne("save") == "100 1");

  // CONFIG SET replaces the whole list.
  REQUIRE(SetPairs(c, {{"save", "10 20"}}).ok());
  CHECK(c.GetOne("save") == "10 20");
  REQUIRE(SetPairs(c, {{"save", ""}}).ok());
  CHECK(c.save.empty());
  CHECK(SetPairs(c, {{"save", "10  20"}}).message() ==
        "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters");
}

TEST_CASE("config: include and save quirk") {
  TempDir tmp;
  std::string inc = tmp.File("inc.conf", "save 900 1\nmaxclients 50\n");
  Config c;
  REQUIRE(c.LoadString("save 100 1\ninclude " + inc + "\nsave 200 2\nsave 300 3\n").ok());
  CHECK(c.maxclients == 50);
  // As redis-server 7.0.15: after an included file ends, each save line replaces the list.
  CHECK(c.GetOne("save") == "300 3");

  Config bad;
  Status s = bad.LoadString("include " + tmp.path + "/missing.conf\n");
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() == "Fatal error, can't open config file '" + tmp.path +
                           "/missing.conf': No such file or directory");
  // A glob with no match is fine.
  Config g;
  CHECK(g.LoadString("include " + tmp.path + "/conf.d/*.conf\n").ok());
}

TEST_CASE("config: command-line arguments") {
  TempDir tmp;
  std::string file = tmp.File("redis.conf", "port 7000\nmaxmemory 10mb\n");
  REQUIRE(chdir(tmp.path.c_str()) == 0);
  std::vector<std::string> args{
      "ember-server", "redis.conf", "--port",    "7001", "--save",        "--maxmemory-policy",
      "allkeys-lfu",  "--bind",     "127.0.0.1", "::1",  "--requirepass", "a b\"c"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  Config c;
  Status s = c.LoadArgs(static_cast<int>(argv.size()), argv.data());
  REQUIRE_MESSAGE(s.ok(), s.message());
  CHECK(c.config_file() == file);
  CHECK(c.port == 7001);
  CHECK(c.maxmemory == 10 * 1024 * 1024);
  CHECK(c.save.empty());
  CHECK(c.maxmemory_policy == "allkeys-lfu");
  CHECK(c.bind == std::vector<std::string>{"127.0.0.1", "::1"});
  CHECK(c.requirepass == "a b\"c");

  // No file; "--port 7002" given as one argument; the trailing --save means save "".
  std::vector<std::string> args2{"ember-server", "--port 7002", "--save"};
  std::vector<char*> argv2;
  for (auto& a : args2) argv2.push_back(a.data());
  Config d;
  REQUIRE(d.LoadArgs(static_cast<int>(argv2.size()), argv2.data()).ok());
  CHECK(d.config_file().empty());
  CHECK(d.port == 7002);
  CHECK(d.save.empty());

  // Errors in options report their line in the combined text (file + "\n" + options).
  std::vector<std::string> args3{"ember-server", "redis.conf", "--port", "x"};
  std::vector<char*> argv3;
  for (auto& a : args3) argv3.push_back(a.data());
  Config e;
  Status se = e.LoadArgs(static_cast<int>(argv3.size()), argv3.data());
  CHECK(se.message() ==
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
        "Reading the configuration file, at line 4\n"
        ">>> 'port \"x\"'\n"
        "argument couldn't be parsed into an integer\n");
}

TEST_CASE("config: CONFIG SET is all-or-nothing") {
  Config c;
  Status s = SetPairs(c, {{"maxmemory", "1mb"}, {"timeout", "notanumber"}});
  CHECK(s.message() ==
        "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be "
        "parsed into an integer");
  CHECK(c.maxmemory == 0);
  CHECK(c.timeout == 0);

  REQUIRE(SetPairs(c, {{"maxmemory", "1mb"}, {"TIMEOUT", "5"}}).ok());
  CHECK(c.maxmemory == 1048576);
  CHECK(c.timeout == 5);

  // Errors detected before any value is applied.
  CHECK(SetPairs(c, {{"maxmemory", "1"}, {"nosuch", "1"}}).message() ==
        "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
  CHECK(SetPairs(c, {{"maxmemory", "1"}, {"MAXMEMORY", "2"}}).message() ==
        "ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter");
  CHECK(SetPairs(c, {{"daemonize", "yes"}}).message() ==
        "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable "
        "config");
  CHECK(SetPairs(c, {{"dir", "/tmp"}}).message() ==
        "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
  CHECK(c.maxmemory == 1048576);
  // A name and its alias are distinct parameters (Redis accepts this, the last one wins).
  REQUIRE(
      SetPairs(c, {{"hash-max-ziplist-entries", "1"}, {"hash-max-listpack-entries", "2"}}).ok());
  CHECK(c.hash_max_listpack_entries == 2);
  // An error under an alias names the alias.
  CHECK(SetPairs(c, {{"slave-read-only", "x"}}).message() ==
        "ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument must "
        "be 'yes' or 'no'");
  std::vector<Pair> loading{{"appendonly", "yes"}};
  CHECK(c.Set(loading, false, true).message() == "-LOADING Redis is loading the dataset in memory");

  // Protected configs: allowed with enable-protected-configs yes, or local for local clients.
  TempDir tmp;
  Config p;
  REQUIRE(p.LoadString("enable-protected-configs local\n").ok());
  CHECK_FALSE(SetPairs(p, {{"dbfilename", "x.rdb"}}, false).ok());
  REQUIRE(SetPairs(p, {{"dbfilename", "x.rdb"}, {"dir", tmp.path}}, true).ok());
  CHECK(p.dbfilename == "x.rdb");
  char buf[4096];
  REQUIRE(getcwd(buf, sizeof(buf)) != nullptr);
  CHECK(p.GetOne("dir") == std::string(buf));
  CHECK(p.dir == std::string(buf));

  // hz is clamped into [1, 500] when set.
  REQUIRE(SetPairs(c, {{"hz", "1000"}}).ok());
  CHECK(c.hz == 500);
}

TEST_CASE("config: apply hooks roll back on failure") {
  Config c;
  int port_calls = 0;
  int mm_calls = 0;
  c.OnApply("port", [&] {
    ++port_calls;
    return c.port == 1234 ? Status::InvalidArgument("Unable to listen on this port.")
                          : Status::OK();
  });
  c.OnApply("maxmemory", [&] {
    ++mm_calls;
    return Status::OK();
  });
  Status s = SetPairs(c, {{"maxmemory", "5mb"}, {"port", "1234"}});
  CHECK(s.message() ==
        "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this "
        "port.");
  CHECK(c.port == 6379);
  CHECK(c.maxmemory == 0);
  CHECK(mm_calls == 2);  // applied, then re-applied after the rollback
  CHECK(port_calls == 2);

  // Unchanged values don't run their hook.
  port_calls = 0;
  REQUIRE(SetPairs(c, {{"port", "6379"}}).ok());
  CHECK(port_calls == 0);
  REQUIRE(SetPairs(c, {{"port", "6380"}}).ok());
  CHECK(port_calls == 1);
}

TEST_CASE("config: GET patterns and aliases") {
  Config c;
  auto r = GetPatterns(c, {"maxmemory*"});
  std::vector<std::string> names;
  for (auto& [k, v] : r) names.push_back(k);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"maxmemory", "maxmemory-clients",
                                          "maxmemory-eviction-tenacity", "maxmemory-policy",
                                          "maxmemory-samples"});
  // Alias matched by a glob, case-insensitively.
  r = GetPatterns(c, {"SLAVE-PRI*"});
  REQUIRE(r.size() == 1);
  CHECK(r[0] == std::pair<std::string, std::string>{"slave-priority", "100"});
  // Plain names answer with the spelling given; duplicates are dropped.
  r = GetPatterns(c, {"Port", "port", "slaveof", "replicaof"});
  REQUIRE(r.size() == 3);
  CHECK(r[0] == std::pair<std::string, std::string>{"Port", "6379"});
  CHECK(r[1].first == "slaveof");
  CHECK(r[2].first == "replicaof");
  // Hidden options need their exact name.
  CHECK(GetPatterns(c, {"use-exit-*"}).empty());
  CHECK(GetPatterns(c, {"use-exit-on-panic"}).size() == 1);
  // Overlapping patterns list each name once.
  auto a = GetPatterns(c, {"*", "port"});
  CHECK(a.size() == 192);
  // Values format as Redis does.
  REQUIRE(SetPairs(c, {{"notify-keyspace-events", "Exg$KA"},
                       {"shutdown-on-sigint", "nosave now"},
                       {"oom-score-adj", "relative"}})
              .ok());
  CHECK(c.GetOne("notify-keyspace-events") == "AKE");
  CHECK(c.GetOne("shutdown-on-sigint") == "nosave now");
  CHECK(c.GetOne("oom-score-adj") == "yes");
  REQUIRE(SetPairs(c, {{"notify-keyspace-events", "lgKm"}}).ok());
  CHECK(c.GetOne("notify-keyspace-events") == "glKm");
  REQUIRE(SetPairs(c, {{"client-output-buffer-limit", "replica 1gb 512mb 30 normal 1k 2 3"}}).ok());
  CHECK(c.GetOne("client-output-buffer-limit") ==
        "normal 1000 2 3 slave 1073741824 536870912 30 pubsub 33554432 8388608 60");
  CHECK(c.obuf_limits[1].hard == 1073741824);
  CHECK(c.obuf_limits[0].soft_seconds == 3);
}

TEST_CASE("config: REWRITE keeps the file's shape and reloads to the same values") {
  TempDir tmp;
  std::string path = tmp.File("redis.conf",
                              "# top comment\n"
                              "port 7000\n"
                              "  maxmemory 100mb\n"
                              "list-max-ziplist-entries 512\n"
                              "hash-max-ziplist-entries 300\n"
                              "save 900 1\n"
                              "save 300 10\n"
                              "rename-command FLUSHALL \"\"\n"
                              "appendonly no\n"
                              "client-output-buffer-limit pubsub 64mb 16mb 60\n"
                              "\n\n\n"
                              "# trailing comment\n");
  Config c;
  Config none;
  CHECK(none.Rewrite().message() == "ERR The server is running without a config file");

  REQUIRE(c.LoadFile(path).ok());
  CHECK(c.config_file() == path);
  REQUIRE(SetPairs(c, {{"maxmemory", "1gb"},
                       {"notify-keyspace-events", "KEA"},
                       {"maxmemory-clients", "10%"},
                       {"save", "1 2 3 4"},
                       {"requirepass", "p w\"d"},
                       {"slave-priority", "7"}})
              .ok());
  REQUIRE(c.Rewrite().ok());
  std::string out = ReadFile(path);
  char cwd[4096];
  REQUIRE(getcwd(cwd, sizeof(cwd)) != nullptr);
  std::string expected_head =
      "# top comment\n"
      "port 7000\n"
      "maxmemory 1gb\n"
      "# ??? list-max-ziplist-entries 512\n"
      "hash-max-listpack-entries 300\n"
      "save 1 2\n"
      "save 3 4\n"
      "rename-command FLUSHALL \"\"\n"
      "appendonly no\n"
      "client-output-buffer-limit normal 0 0 0\n"
      "\n"
      "# trailing comment\n"
      "\n"
      "# Generated by CONFIG REWRITE\n";
  CHECK(out.substr(0, expected_head.size()) == expected_head);
  CHECK(out.find("\nmaxmemory-clients 10%\n") != std::string::npos);
  CHECK(out.find("\nnotify-keyspace-events \"AKE\"\n") != std::string::npos);
  CHECK(out.find("\nrequirepass \"p w\\\"d\"\n") != std::string::npos);
  CHECK(out.find("\nreplica-priority 7\n") != std::string::npos);
  CHECK(out.find("\nclient-output-buffer-limit pubsub 64mb 16mb 60\n") != std::string::npos);
  CHECK(out.find("\ndir \"" + std::string(cwd) + "\"\n") != std::string::npos);
  CHECK(out.find("\nlatency-tracking-info-percentiles 50 99 99.9\n") != std::string::npos);
  CHECK(out.find("bind") == std::string::npos);     // default bind is not written
  CHECK(out.find("timeout") == std::string::npos);  // defaults not in the file stay out

  // Reloading the rewritten file gives the same values for every directive.
  Config d;
  REQUIRE(d.LoadFile(path).ok());
  std::vector<std::string_view> all{"*"};
  CHECK(d.Get(all) == c.Get(all));
  CHECK(d.renamed_commands().at("flushall").empty());

  // Like redis-server 7.0.15, a second rewrite hands the old pubsub line to the (default)
  // replica class and appends pubsub again; a third adds a trailing blank line; then the
  // file is stable. Values are the same throughout.
  REQUIRE(d.Rewrite().ok());
  std::string second = ReadFile(path);
  CHECK(second.find("\nclient-output-buffer-limit replica 256mb 64mb 60\n") != std::string::npos);
  CHECK(second.size() >= 2);
  CHECK(second.substr(second.size() - 2) == "0\n");
  REQUIRE(d.Rewrite().ok());
  std::string third = ReadFile(path);
  CHECK(third == second + "\n");
  REQUIRE(d.Rewrite().ok());
  CHECK(ReadFile(path) == third);
  Config e;
  REQUIRE(e.LoadFile(path).ok());
  CHECK(e.Get(all) == c.Get(all));

  // Back to a default value: lines of that directive are removed.
  REQUIRE(SetPairs(d, {{"maxmemory", "0"}, {"save", ""}}).ok());
  REQUIRE(d.Rewrite().ok());
  std::string out2 = ReadFile(path);
  CHECK(out2.find("maxmemory 0\n") != std::string::npos);  // kept: it was in the file
  CHECK(out2.find("save \"\"\n") != std::string::npos);
  CHECK(out2.find("save 1 2") == std::string::npos);
}

}  // namespace
}  // namespace ember
