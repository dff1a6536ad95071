// INFO, CONFIG, SLOWLOG, LATENCY, MEMORY and DEBUG through the in-process harness.
#if __has_include("tests/unit/server/harness.h")

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/unit/server/harness.h"

namespace ember {

namespace {

using test::Harness;
using Type = RespValue::Type;

// A value of an INFO field ("" if absent), as the Tcl suite's getInfoProperty reads it.
std::string InfoField(const std::string& info, const std::string& field) {
  std::string needle = field + ":";
  size_t at = 0;
  while ((at = info.find(needle, at)) != std::string::npos) {
    if (at == 0 || info[at - 1] == '\n') {
      size_t start = at + needle.size();
      return info.substr(start, info.find("\r\n", start) - start);
    }
    at += needle.size();
  }
  return "";
}

void UseResp3(Harness& h) {
  h.client()->resp = 3;
  h.client()->reply().set_resp(3);
}

void EnableDebug(Harness& h) { h.server().config().enable_debug_command = 1; }

TEST_CASE("INFO: version, sections and keyspace") {
  Harness h;
  RespValue r = h.Run({"INFO"});
  REQUIRE(r.type == Type::kBulk);
  CHECK(r.str.rfind("# Server\r\nredis_version:7.0.15\r\n", 0) == 0);
  CHECK(InfoField(r.str, "redis_mode") == "standalone");
  CHECK(!InfoField(r.str, "ember_version").empty());
  CHECK(InfoField(r.str, "run_id") == h.server().run_id);
  CHECK(InfoField(r.str, "role") == "master");
  CHECK(InfoField(r.str, "master_replid").size() == 40);
  CHECK(InfoField(r.str, "mem_allocator") == "libc");
  CHECK(r.str.find("# Keyspace\r\n") != std::string::npos);
  // Default sections leave out commandstats and latencystats; sections are separated by an
  // empty line.
  CHECK(r.str.find("# Commandstats") == std::string::npos);
  CHECK(r.str.find("\r\n\r\n# Clients\r\n") != std::string::npos);
  CHECK(r.str.find("db0:") == std::string::npos);

  REQUIRE(h.Run({"SET", "k", "v"}).str == "OK");
  r = h.Run({"INFO", "keyspace"});
  CHECK(r.str == "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n");

  // Several sections keep Redis's order, whatever the request order; unknown ones are empty.
  r = h.Run({"INFO", "KEYSPACE", "cluster"});
  CHECK(r.str ==
        "# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\n"
        "db0:keys=1,expires=0,avg_ttl=0\r\n");
  CHECK(h.Run({"INFO", "nosuchsection"}).str.empty());

  // "all" includes commandstats; RESP3 replies with a verbatim string.
  UseResp3(h);
  r = h.Run({"INFO", "all"});
  CHECK(r.type == Type::kVerbatim);
  CHECK(r.str.rfind("txt:# Server\r\n", 0) == 0);
  CHECK(r.str.find("# Commandstats\r\n") != std::string::npos);
  CHECK(r.str.find("# Latencystats\r\n") != std::string::npos);
}

TEST_CASE("INFO commandstats and errorstats count calls") {
  Harness h;
  CHECK(h.Run({"CONFIG", "RESETSTAT"}).str == "OK");
  h.Run({"CONFIG", "GET", "maxmemory"});
  h.Run({"CONFIG", "GET", "maxmemory"});
  CHECK(h.Run({"CONFIG", "GET"}).is_error());        // wrong arity: a rejected call
  CHECK(h.Run({"SLOWLOG", "GET", "x"}).is_error());  // a failed call

  std::string info = h.Run({"INFO", "commandstats"}).str;
  CHECK(info.rfind("# Commandstats\r\n", 0) == 0);
  std::string get = InfoField(info, "cmdstat_config|get");
  CHECK(get.rfind("calls=2,usec=", 0) == 0);
  CHECK(get.find(",rejected_calls=1,failed_calls=0") != std::string::npos);
  CHECK(InfoField(info, "cmdstat_slowlog|get").find("failed_calls=1") != std::string::npos);
  CHECK(InfoField(info, "cmdstat_config|resetstat").rfind("calls=1,", 0) == 0);

  info = h.Run({"INFO", "errorstats"}).str;
  CHECK(InfoField(info, "errorstat_ERR") == "count=2");
  CHECK(InfoField(h.Run({"INFO", "stats"}).str, "total_error_replies") == "2");

  CHECK(h.Run({"CONFIG", "RESETSTAT"}).str == "OK");
  CHECK(h.Run({"INFO", "errorstats"}).str == "# Errorstats\r\n");
  info = h.Run({"INFO", "commandstats"}).str;
  CHECK(InfoField(info, "cmdstat_config|get").empty());
  CHECK(InfoField(h.Run({"INFO", "stats"}).str, "total_error_replies") == "0");
}

TEST_CASE("CONFIG GET/SET round trip") {
  Harness h;
  CHECK(h.Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}).str == "OK");
  RespValue r = h.Run({"CONFIG", "GET", "maxmemory-policy"});
  REQUIRE(r.type == Type::kArray);
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].str == "maxmemory-policy");
  CHECK(r.elems[1].str == "allkeys-lru");
  CHECK(h.server().config().maxmemory_policy == "allkeys-lru");

  CHECK(h.Run({"CONFIG", "SET", "slowlog-max-len", "7", "maxmemory", "1mb"}).str == "OK");
  r = h.Run({"CONFIG", "GET", "slowlog-max-len", "maxmemory"});
  CHECK(r.elems.size() == 4);
  CHECK(h.server().config().maxmemory == 1024 * 1024);

  CHECK(h.Run({"CONFIG", "SET", "maxmemory"}).is_error());  // arity
  r = h.Run({"CONFIG", "SET", "maxmemory", "1", "hz"});
  CHECK(r.str == "ERR syntax error");
  r = h.Run({"CONFIG", "SET", "no-such-option", "1"});
  CHECK(r.is_error());
  CHECK(r.str.rfind("ERR ", 0) == 0);
  CHECK(h.Run({"CONFIG", "GET", "no-such-option"}).elems.empty());

  UseResp3(h);
  r = h.Run({"CONFIG", "GET", "maxmemory-policy"});
  CHECK(r.type == Type::kMap);
  CHECK(r.elems.size() == 2);

  r = h.Run({"CONFIG", "REWRITE"});
  CHECK(r.str == "ERR The server is running without a config file");
  r = h.Run({"CONFIG", "HELP"});
  REQUIRE(r.is_array());
  CHECK(r.elems[0].str == "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  CHECK(r.elems.back().str == "    Prints this help.");
}

TEST_CASE("SLOWLOG records commands when the threshold is 0") {
  Harness h;
  CHECK(h.Run({"SLOWLOG", "LEN"}).integer == 0);
  h.Run({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
  h.Run({"SLOWLOG", "RESET"});
  h.Run({"CONFIG", "GET", "port"});
  RespValue r = h.Run({"SLOWLOG", "GET"});
  REQUIRE(r.is_array());
  REQUIRE(r.elems.size() == 2);  // SLOWLOG RESET itself, then CONFIG GET
  const RespValue& e = r.elems[0];
  REQUIRE(e.elems.size() == 6);
  CHECK(e.elems[1].integer > 0);
  CHECK(e.elems[2].integer >= 0);
  REQUIRE(e.elems[3].elems.size() == 3);
  CHECK(e.elems[3].elems[0].str == "CONFIG");
  CHECK(e.elems[3].elems[2].str == "port");
  CHECK(r.elems[1].elems[0].integer < e.elems[0].integer);

  CHECK(h.Run({"SLOWLOG", "GET", "1"}).elems.size() == 1);
  CHECK(h.Run({"SLOWLOG", "GET", "-1"}).elems.size() >= 3);
  CHECK(h.Run({"SLOWLOG", "GET", "-2"}).str == "ERR count should be greater than or equal to -1");
  CHECK(h.Run({"SLOWLOG", "GET", "1", "2"}).str ==
        "ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.");
  CHECK(h.Run({"SLOWLOG", "LEN"}).integer >= 4);
  h.Run({"CONFIG", "SET", "slowlog-log-slower-than", "-1"});
  CHECK(h.Run({"SLOWLOG", "RESET"}).str == "OK");
  CHECK(h.Run({"SLOWLOG", "LEN"}).integer == 0);
}

TEST_CASE("DEBUG PROTOCOL in RESP3 and RESP2") {
  Harness h;
  EnableDebug(h);
  CHECK(h.Run({"DEBUG", "PROTOCOL", "push"}).str == "ERR RESP2 is not supported by this command");
  CHECK(h.Run({"DEBUG", "PROTOCOL", "true"}).integer == 1);
  CHECK(h.Run({"DEBUG", "PROTOCOL", "map"}).type == Type::kArray);

  UseResp3(h);
  RespValue r = h.Run({"DEBUG", "PROTOCOL", "string"});
  CHECK((r.type == Type::kBulk && r.str == "Hello World"));
  CHECK(h.Run({"DEBUG", "PROTOCOL", "integer"}).integer == 12345);
  r = h.Run({"DEBUG", "PROTOCOL", "double"});
  CHECK((r.type == Type::kDouble && r.str == "3.141"));
  r = h.Run({"DEBUG", "PROTOCOL", "bignum"});
  CHECK((r.type == Type::kBigNumber && r.str == "1234567999999999999999999999999999999"));
  CHECK(h.Run({"DEBUG", "PROTOCOL", "null"}).type == Type::kNull);
  r = h.Run({"DEBUG", "PROTOCOL", "array"});
  CHECK((r.type == Type::kArray && r.elems.size() == 3));
  r = h.Run({"DEBUG", "PROTOCOL", "set"});
  CHECK((r.type == Type::kSet && r.elems.size() == 3));
  r = h.Run({"DEBUG", "PROTOCOL", "map"});
  REQUIRE(r.type == Type::kMap);
  REQUIRE(r.elems.size() == 6);
  CHECK(r.elems[3].type == Type::kBool);
  CHECK(r.elems[3].integer == 1);
  r = h.Run({"DEBUG", "PROTOCOL", "true"});
  CHECK((r.type == Type::kBool && r.integer == 1));
  r = h.Run({"DEBUG", "PROTOCOL", "false"});
  CHECK((r.type == Type::kBool && r.integer == 0));
  r = h.Run({"DEBUG", "PROTOCOL", "verbatim"});
  CHECK((r.type == Type::kVerbatim && r.str == "txt:This is a verbatim\nstring"));
  r = h.Run({"DEBUG", "PROTOCOL", "attrib"});
  CHECK((r.type == Type::kBulk && r.str == "Some real reply following the attribute"));
  CHECK(h.client()->out().rfind("|1\r\n$14\r\nkey-popularity\r\n*2\r\n", 0) == 0);
  r = h.Run({"DEBUG", "PROTOCOL", "push"});
  CHECK((r.type == Type::kPush && r.elems.size() == 2));
  CHECK(h.Run({"DEBUG", "PROTOCOL", "nope"}).str.rfind("ERR Wrong protocol type name.", 0) == 0);
}

TEST_CASE("DEBUG subcommands") {
  Harness h;
  RespValue denied = h.Run({"DEBUG", "LOG", "x"});  // enable-debug-command defaults to no
  CHECK(denied.is_error());
  CHECK(denied.str.find("DEBUG command not allowed.") != std::string::npos);
  EnableDebug(h);

  CHECK(h.Run({"DEBUG", "DIGEST"}).str == std::string(40, '0'));
  RespValue r = h.Run({"DEBUG", "POPULATE", "10"});
  CHECK(r.str == "OK");
  CHECK(h.server().db(0).size() == 10);
  CHECK(h.Run({"DEBUG", "POPULATE", "-1"}).str == "ERR value is out of range, must be positive");
  std::string digest = h.Run({"DEBUG", "DIGEST"}).str;
  CHECK(digest.size() == 40);
  CHECK(digest != std::string(40, '0'));
  r = h.Run({"DEBUG", "DIGEST-VALUE", "key:1", "missing"});
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].str != std::string(40, '0'));
  CHECK(r.elems[1].str == std::string(40, '0'));

  r = h.Run({"DEBUG", "OBJECT", "key:3"});
  CHECK(r.type == Type::kString);
  CHECK(r.str.rfind("Value at:0x", 0) == 0);
  CHECK(r.str.find(" refcount:1 encoding:embstr serializedlength:8 lru:") != std::string::npos);
  CHECK(h.Run({"DEBUG", "OBJECT", "missing"}).str == "ERR no such key");

  CHECK(h.Run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}).str == "OK");
  CHECK(!h.server().active_expire_enabled);
  CHECK(h.Run({"DEBUG", "SET-ACTIVE-EXPIRE", "1"}).str == "OK");
  CHECK(h.server().active_expire_enabled);
  CHECK(h.Run({"DEBUG", "SLEEP", "0"}).str == "OK");
  CHECK(h.Run({"DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100"}).str == "OK");
  CHECK(h.Run({"DEBUG", "QUICKLIST-PACKED-THRESHOLD", "5gb"}).is_error());
  CHECK(h.Run({"DEBUG", "CHANGE-REPL-ID"}).str == "OK");
  // DEBUG RELOAD itself (it writes dbfilename in dir): tests/unit/server/persistence_family_test.cc
  CHECK(h.Run({"DEBUG", "RELOAD", "bogus"}).str ==
        "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
  r = h.Run({"DEBUG", "HTSTATS", "0"});
  CHECK(r.str.find("[Dictionary HT]\nHash table 0 stats (main hash table):\n table size: ") !=
        std::string::npos);
  // The keys table may be mid-rehash (split over the main table and the rehashing target);
  // the expires table, after it, is empty.
  std::string keys_part = r.str.substr(0, r.str.find("[Expires HT]"));
  int64_t total = 0;
  for (size_t p = keys_part.find(" number of elements: "); p != std::string::npos;
       p = keys_part.find(" number of elements: ", p + 1)) {
    total += std::stoll(keys_part.substr(p + 21));
  }
  CHECK(total == 10);
  CHECK(h.Run({"DEBUG", "HTSTATS", "99"}).str == "ERR Out of range database");
  CHECK(h.Run({"DEBUG", "NO-SUCH-THING"}).str ==
        "ERR unknown subcommand or wrong number of arguments for 'NO-SUCH-THING'. Try DEBUG "
        "HELP.");
}

// Digests recorded from Redis 7.0.15 for the same data (the algorithm is Redis's, so equal
// datasets give equal digests on both servers).
TEST_CASE("DEBUG DIGEST matches Redis") {
  Harness h;
  EnableDebug(h);
  REQUIRE(h.Run({"SET", "foo", "bar"}).str == "OK");
  CHECK(h.Run({"DEBUG", "DIGEST"}).str == "d2ab4820c1be0580ea28efbfe8bfa1dc05bb802a");
  REQUIRE(h.Run({"DEL", "foo"}).integer == 1);
  REQUIRE(h.Run({"HSET", "h", "a", "1", "b", "2"}).integer == 2);
  REQUIRE(h.Run({"SADD", "s1", "1", "2", "3"}).integer == 3);
  REQUIRE(h.Run({"SADD", "s2", "a", "b", "c"}).integer == 3);
  REQUIRE(h.Run({"ZADD", "z", "1", "a", "2.5", "b"}).integer == 2);
  CHECK(h.Run({"DEBUG", "DIGEST"}).str == "d4ac6bb3a7c317c0838c99fcdf016b18bdc83335");
  RespValue r = h.Run({"DEBUG", "DIGEST-VALUE", "h", "s1", "s2", "z"});
  REQUIRE(r.elems.size() == 4);
  CHECK(r.elems[0].str == "6c8f22b3bf510fdcfd6122dd0f908a80e88243bf");
  CHECK(r.elems[1].str == "2a462a3f51a1db89738ebbeef0c47ce1bbc85246");
  CHECK(r.elems[2].str == "593c2414786d75446e97f4ea5d4b731f3313da72");
  CHECK(r.elems[3].str == "c45c5b051acd64070e5ed1a949939d5145f806c5");

  CHECK(h.Run({"DEBUG", "HTSTATS-KEY", "h"}).str ==
        "ERR The value stored at the specified key is not represented using an hash table");
  for (int i = 0; i < 600; i++) h.Run({"SADD", "big", "m" + std::to_string(i)});
  r = h.Run({"DEBUG", "HTSTATS-KEY", "big"});
  // Mid-rehash the members are split between the main table and the rehashing target.
  int64_t total = 0;
  for (size_t p = r.str.find(" number of elements: "); p != std::string::npos;
       p = r.str.find(" number of elements: ", p + 1)) {
    total += std::stoll(r.str.substr(p + 21));
  }
  CHECK(total == 600);
  CHECK(r.str.find("Hash table 0 stats (main hash table):") == 0);
  CHECK(h.Run({"DEBUG", "LISTPACK", "h"}).str == "Listpack structure printed on stdout");
  CHECK(h.Run({"DEBUG", "QUICKLIST", "h"}).str == "ERR Not a quicklist encoded object.");
}

TEST_CASE("LATENCY and MEMORY") {
  Harness h;
  EnableDebug(h);
  CHECK(h.Run({"LATENCY", "LATEST"}).elems.empty());
  CHECK(h.Run({"LATENCY", "DOCTOR"}).str.rfind("I'm sorry, Dave", 0) == 0);
  h.Run({"CONFIG", "SET", "latency-monitor-threshold", "1"});
  h.Run({"DEBUG", "SLEEP", "0.01"});
  RespValue r = h.Run({"LATENCY", "LATEST"});
  REQUIRE(r.elems.size() == 1);
  CHECK(r.elems[0].elems[0].str == "command");
  CHECK(r.elems[0].elems[3].integer >= 10);
  CHECK(h.Run({"LATENCY", "HISTORY", "command"}).elems.size() == 1);
  CHECK(h.Run({"LATENCY", "HISTORY", "nope"}).elems.empty());
  r = h.Run({"LATENCY", "GRAPH", "command"});
  CHECK(r.str.rfind("command - high ", 0) == 0);
  CHECK(h.Run({"LATENCY", "GRAPH", "nope"}).str == "ERR No samples available for event 'nope'");
  CHECK(h.Run({"LATENCY", "DOCTOR"}).str.find("1. command: 1 latency spikes") != std::string::npos);
  CHECK(h.Run({"LATENCY", "RESET", "COMMAND"}).integer == 1);
  CHECK(h.Run({"LATENCY", "RESET"}).integer == 0);

  h.Run({"CONFIG", "RESETSTAT"});
  r = h.Run({"LATENCY", "HISTOGRAM"});
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].str == "config|resetstat");
  CHECK(r.elems[1].elems[0].str == "calls");
  CHECK(r.elems[1].elems[1].integer == 1);
  // A container name covers its subcommands; unknown names are skipped.
  r = h.Run({"LATENCY", "HISTOGRAM", "config", "blabla"});
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].str == "config|resetstat");

  CHECK(h.Run({"MEMORY", "USAGE", "missing"}).type == Type::kNull);
  h.Run({"DEBUG", "POPULATE", "1"});
  r = h.Run({"MEMORY", "USAGE", "key:0"});
  CHECK(r.type == Type::kInteger);
  CHECK(r.integer >= 24);
  CHECK(h.Run({"MEMORY", "USAGE", "key:0", "SAMPLES", "-1"}).str == "ERR syntax error");
  CHECK(h.Run({"MEMORY", "USAGE", "key:0", "SAMPLES"}).str == "ERR syntax error");
  r = h.Run({"MEMORY", "STATS"});
  REQUIRE(r.is_array());
  CHECK(r.elems.size() == 2 * 28);  // 27 fields and db.0
  CHECK(r.elems[0].str == "peak.allocated");
  CHECK(h.Run({"MEMORY", "PURGE"}).str == "OK");
  CHECK(!h.Run({"MEMORY", "DOCTOR"}).str.empty());
}

TEST_CASE("latency histograms: INFO latencystats and LATENCY HISTOGRAM") {
  Harness h;
  Command* set = h.server().commands().Find("set");
  REQUIRE(set != nullptr);
  CHECK(h.Run({"INFO", "latencystats"}).str == "# Latencystats\r\n");
  set->RecordLatency(42);
  set->RecordLatency(3);
  // The values Redis's HDR histogram gives for 3 us and 42 us samples.
  std::string info = h.Run({"INFO", "latencystats"}).str;
  CHECK(InfoField(info, "latency_percentiles_usec_set") == "p50=3.007,p99=42.239,p99.9=42.239");
  RespValue r = h.Run({"LATENCY", "HISTOGRAM", "set"});
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].str == "set");
  const RespValue& cdf = r.elems[1];
  REQUIRE(cdf.elems.size() == 4);
  CHECK(cdf.elems[1].integer == 2);
  const RespValue& buckets = cdf.elems[3];
  REQUIRE(buckets.elems.size() == 4);
  CHECK(buckets.elems[0].integer == 4);
  CHECK(buckets.elems[1].integer == 1);
  CHECK(buckets.elems[2].integer == 66);
  CHECK(buckets.elems[3].integer == 2);

  h.Run({"CONFIG", "SET", "latency-tracking-info-percentiles", "0 50 100"});
  info = h.Run({"INFO", "latencystats"}).str;
  CHECK(InfoField(info, "latency_percentiles_usec_set") == "p0=2.992,p50=3.007,p100=42.239");
  h.Run({"CONFIG", "SET", "latency-tracking", "no"});
  CHECK(h.Run({"INFO", "latencystats"}).str == "# Latencystats\r\n");
  h.Run({"CONFIG", "SET", "latency-tracking", "yes"});
  h.Run({"CONFIG", "RESETSTAT"});
  CHECK(InfoField(h.Run({"INFO", "latencystats"}).str, "latency_percentiles_usec_set").empty());
}

TEST_CASE("SHUTDOWN argument checks") {
  Harness h;
  CHECK(h.Run({"SHUTDOWN", "bogus"}).str == "ERR syntax error");
  CHECK(h.Run({"SHUTDOWN", "SAVE", "NOSAVE"}).str == "ERR syntax error");
  CHECK(h.Run({"SHUTDOWN", "ABORT", "NOW"}).str == "ERR syntax error");
  CHECK(h.Run({"SHUTDOWN", "ABORT"}).str == "ERR No shutdown in progress.");
  CHECK(h.Run({"SHUTDOWN", "NOSAVE"}).str == "<no reply>");
  // The loop was asked to stop: consume that request so the harness can close the loop.
  uv_run(h.server().loop(), UV_RUN_NOWAIT);
}

TEST_CASE("TIME returns seconds and microseconds as bulk strings") {
  Harness h;
  RespValue r = h.Run({"TIME"});
  REQUIRE(r.type == Type::kArray);
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].type == Type::kBulk);
  CHECK(r.elems[1].type == Type::kBulk);
  int64_t secs = 0, usecs = -1;
  CHECK(StringToInt64(r.elems[0].str, &secs));
  CHECK(StringToInt64(r.elems[1].str, &usecs));
  CHECK(secs > 1600000000);
  CHECK(usecs >= 0);
  CHECK(usecs < 1000000);
}

}  // namespace
}  // namespace ember

#endif  // __has_include("tests/unit/server/harness.h")
