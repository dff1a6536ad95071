// Connection family: PING, ECHO, SELECT, HELLO, AUTH, RESET, MONITOR and CLIENT subcommands.
#if __has_include("tests/unit/server/harness.h")

#include <doctest/doctest.h>

#include <string>

#include "server/scripting/scripting.h"
#include "tests/unit/server/harness.h"

using ember::Client;
using ember::RespValue;
using ember::test::Harness;

namespace {

// Errors are compared with their code, as they go on the wire.
bool IsError(const RespValue& r, const std::string& text) { return r.is_error() && r.str == text; }

// The value paired with `key` in a map reply (RESP3 map or RESP2 flat array).
const RespValue* MapGet(const RespValue& r, const std::string& key) {
  for (size_t i = 0; i + 1 < r.elems.size(); i += 2) {
    if (r.elems[i].str == key) return &r.elems[i + 1];
  }
  return nullptr;
}

}  // namespace

TEST_CASE("connection: PING and ECHO") {
  Harness h;
  RespValue r = h.Run({"PING"});
  CHECK(r.type == RespValue::Type::kString);
  CHECK(r.str == "PONG");
  r = h.Run({"PING", "hello"});
  CHECK(r.type == RespValue::Type::kBulk);
  CHECK(r.str == "hello");
  CHECK(IsError(h.Run({"PING", "a", "b"}), "ERR wrong number of arguments for 'ping' command"));
  r = h.Run({"ECHO", "x y"});
  CHECK(r.type == RespValue::Type::kBulk);
  CHECK(r.str == "x y");
  CHECK(h.Run({"ECHO", ""}).str.empty());
  CHECK(IsError(h.Run({"ECHO"}), "ERR wrong number of arguments for 'echo' command"));
}

TEST_CASE("connection: PING in RESP2 pub/sub mode replies with an array") {
  Harness h;
  h.client()->set(ember::kClientPubsub);
  RespValue r = h.Run({"PING"});
  REQUIRE(r.type == RespValue::Type::kArray);
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[0].str == "pong");
  CHECK(r.elems[1].str.empty());
  r = h.Run({"PING", "msg"});
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[1].str == "msg");
}

TEST_CASE("connection: SELECT") {
  Harness h;
  CHECK(h.Run({"SET", "k", "db0"}).str == "OK");
  CHECK(h.Run({"SELECT", "1"}).str == "OK");
  CHECK(h.client()->db_index() == 1);
  CHECK(h.Run({"GET", "k"}).is_null());
  CHECK(IsError(h.Run({"SELECT", "16"}), "ERR DB index is out of range"));
  CHECK(IsError(h.Run({"SELECT", "-1"}), "ERR DB index is out of range"));
  CHECK(IsError(h.Run({"SELECT", "abc"}), "ERR value is not an integer or out of range"));
  CHECK(IsError(h.Run({"SELECT", "4294967296"}), "ERR value is not an integer or out of range"));
  CHECK(IsError(h.Run({"SELECT", "1.5"}), "ERR value is not an integer or out of range"));
  CHECK(h.client()->db_index() == 1);
  CHECK(h.Run({"SELECT", "0"}).str == "OK");
  CHECK(h.Run({"GET", "k"}).str == "db0");
}

TEST_CASE("connection: HELLO") {
  Harness h;
  RespValue r = h.Run({"HELLO"});
  REQUIRE(r.type == RespValue::Type::kArray);  // RESP2: a flat array
  CHECK(r.elems.size() == 14);
  REQUIRE(MapGet(r, "proto") != nullptr);
  CHECK(MapGet(r, "proto")->integer == 2);

  r = h.Run({"HELLO", "3"});
  REQUIRE(r.type == RespValue::Type::kMap);
  CHECK(r.elems.size() == 14);
  CHECK(r.elems[0].str == "server");
  CHECK(MapGet(r, "server")->str == "redis");
  CHECK(MapGet(r, "version")->str == "7.0.15");
  CHECK(MapGet(r, "proto")->integer == 3);
  CHECK(MapGet(r, "id")->integer == int64_t(h.client()->id()));
  CHECK(MapGet(r, "mode")->str == "standalone");
  CHECK(MapGet(r, "role")->str == "master");
  CHECK(MapGet(r, "modules")->elems.empty());
  CHECK(h.client()->resp == 3);
  CHECK(h.client()->reply().resp() == 3);
  CHECK(h.Run({"GET", "missing"}).is_null());
  CHECK(h.client()->out() == "_\r\n");  // RESP3 null

  CHECK(IsError(h.Run({"HELLO", "4"}), "NOPROTO unsupported protocol version"));
  CHECK(IsError(h.Run({"HELLO", "1"}), "NOPROTO unsupported protocol version"));
  CHECK(IsError(h.Run({"HELLO", "x"}), "ERR Protocol version is not an integer or out of range"));
  CHECK(IsError(h.Run({"HELLO", "3", "FOO"}), "ERR Syntax error in HELLO option 'FOO'"));
  CHECK(
      IsError(h.Run({"HELLO", "3", "AUTH", "default"}), "ERR Syntax error in HELLO option 'AUTH'"));
  CHECK(IsError(h.Run({"HELLO", "3", "AUTH", "nobody", "pw"}),
                "WRONGPASS invalid username-password pair or user is disabled."));
  CHECK(IsError(h.Run({"HELLO", "2", "SETNAME", "a b"}),
                "ERR Client names cannot contain spaces, newlines or special characters."));

  r = h.Run({"HELLO", "2", "SETNAME", "conn1"});
  CHECK(r.type == RespValue::Type::kArray);
  CHECK(h.client()->resp == 2);
  CHECK(h.client()->name == "conn1");
}

TEST_CASE("connection: AUTH without requirepass") {
  Harness h;
  RespValue r = h.Run({"AUTH", "foo"});
  CHECK(IsError(r,
                "ERR AUTH <password> called without any password configured for the default "
                "user. Are you sure your configuration is correct?"));
  CHECK(IsError(h.Run({"AUTH", "a", "b", "c"}), "ERR syntax error"));
  // The default user needs no password: any password logs it in.
  CHECK(h.Run({"AUTH", "default", "whatever"}).str == "OK");
  CHECK(IsError(h.Run({"AUTH", "someone", "pw"}),
                "WRONGPASS invalid username-password pair or user is disabled."));
}

TEST_CASE("connection: AUTH and HELLO with requirepass") {
  Harness h("requirepass secret\n");
  Client* c = h.NewClient();
  CHECK_FALSE(c->authenticated);
  CHECK(h.RunOn(c, {"GET", "k"}).str.rfind("NOAUTH", 0) == 0);
  CHECK(IsError(h.RunOn(c, {"HELLO", "3"}),
                "NOAUTH HELLO must be called with the client already authenticated, otherwise "
                "the HELLO AUTH <user> <pass> option can be used to authenticate the client "
                "and select the RESP protocol version at the same time"));
  CHECK(c->resp == 2);
  CHECK(IsError(h.RunOn(c, {"AUTH", "wrong"}),
                "WRONGPASS invalid username-password pair or user is disabled."));
  CHECK(h.RunOn(c, {"AUTH", "secret"}).str == "OK");
  CHECK(c->authenticated);
  CHECK(h.RunOn(c, {"RESET"}).str == "RESET");
  CHECK_FALSE(c->authenticated);
  RespValue r = h.RunOn(c, {"HELLO", "3", "AUTH", "default", "secret"});
  CHECK(r.type == RespValue::Type::kMap);
  CHECK(c->authenticated);
}

TEST_CASE("connection: CLIENT SETNAME / GETNAME / ID") {
  Harness h;
  CHECK(h.Run({"CLIENT", "GETNAME"}).is_null());
  CHECK(h.Run({"CLIENT", "SETNAME", "my-name"}).str == "OK");
  CHECK(h.Run({"CLIENT", "GETNAME"}).str == "my-name");
  for (const char* bad : {"a b", "a\nb", "caf\xc3\xa9", "x\x7f"}) {
    CHECK(IsError(h.Run({"CLIENT", "SETNAME", bad}),
                  "ERR Client names cannot contain spaces, newlines or special characters."));
  }
  CHECK(h.Run({"CLIENT", "GETNAME"}).str == "my-name");
  CHECK(h.Run({"CLIENT", "SETNAME", ""}).str == "OK");
  CHECK(h.Run({"CLIENT", "GETNAME"}).is_null());

  RespValue id = h.Run({"CLIENT", "ID"});
  CHECK(id.type == RespValue::Type::kInteger);
  CHECK(id.integer == int64_t(h.client()->id()));
  Client* other = h.NewClient();
  CHECK(h.RunOn(other, {"CLIENT", "ID"}).integer == int64_t(other->id()));
  CHECK(other->id() != h.client()->id());
  CHECK(IsError(h.Run({"CLIENT", "ID", "x"}),
                "ERR wrong number of arguments for 'client|id' command"));
  CHECK(IsError(h.Run({"CLIENT", "NOPE"}), "ERR unknown subcommand 'NOPE'. Try CLIENT HELP."));
}

TEST_CASE("connection: CLIENT LIST and INFO") {
  Harness h;
  CHECK(h.Run({"CLIENT", "SETNAME", "lister"}).str == "OK");
  RespValue r = h.Run({"CLIENT", "INFO"});
  CHECK(r.type == RespValue::Type::kBulk);
  const std::string& line = r.str;
  std::string id = std::to_string(h.client()->id());
  CHECK(line.rfind("id=" + id + " addr=", 0) == 0);
  CHECK(line.find(" name=lister age=") != std::string::npos);
  CHECK(line.find(" flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=") != std::string::npos);
  CHECK(line.find(" cmd=client|info user=default redir=-1 resp=2\n") != std::string::npos);
  CHECK(line.back() == '\n');

  Client* other = h.NewClient();
  r = h.Run({"CLIENT", "LIST"});
  CHECK(r.str.find("id=" + id + " ") != std::string::npos);
  CHECK(r.str.find("id=" + std::to_string(other->id()) + " ") != std::string::npos);
  r = h.Run({"CLIENT", "LIST", "ID", std::to_string(other->id()), "999999"});
  CHECK(r.str.rfind("id=" + std::to_string(other->id()) + " ", 0) == 0);
  CHECK(r.str.find("id=" + id + " ") == std::string::npos);
  CHECK(IsError(h.Run({"CLIENT", "LIST", "ID", "x"}), "ERR Invalid client ID"));
  CHECK(IsError(h.Run({"CLIENT", "LIST", "TYPE", "bogus"}), "ERR Unknown client type 'bogus'"));
  CHECK(IsError(h.Run({"CLIENT", "LIST", "TYPE"}), "ERR syntax error"));
  CHECK(h.Run({"CLIENT", "LIST", "TYPE", "master"}).str.empty());
  CHECK(h.Run({"CLIENT", "LIST", "TYPE", "normal"}).str.find("id=" + id) != std::string::npos);
}

TEST_CASE("connection: CLIENT REPLY OFF / ON / SKIP") {
  Harness h;
  CHECK(h.Run({"CLIENT", "REPLY", "OFF"}).str == "<no reply>");
  CHECK(h.Run({"PING"}).str == "<no reply>");
  CHECK(h.Run({"SET", "k", "v"}).str == "<no reply>");
  CHECK(h.Run({"CLIENT", "REPLY", "ON"}).str == "OK");
  CHECK(h.Run({"GET", "k"}).str == "v");  // the command ran while replies were off

  CHECK(h.Run({"CLIENT", "REPLY", "SKIP"}).str == "<no reply>");
  CHECK(h.Run({"PING", "skipped"}).str == "<no reply>");
  CHECK(h.Run({"PING", "seen"}).str == "seen");

  // ON right after SKIP clears it and replies.
  CHECK(h.Run({"CLIENT", "REPLY", "SKIP"}).str == "<no reply>");
  CHECK(h.Run({"CLIENT", "REPLY", "ON"}).str == "OK");
  CHECK(h.Run({"PING"}).str == "PONG");

  CHECK(IsError(h.Run({"CLIENT", "REPLY", "MAYBE"}), "ERR syntax error"));
}

TEST_CASE("connection: CLIENT KILL argument errors") {
  Harness h;
  CHECK(IsError(h.Run({"CLIENT", "KILL"}),
                "ERR wrong number of arguments for 'client|kill' command"));
  CHECK(IsError(h.Run({"CLIENT", "KILL", "ID", "10", "wrong_arg"}), "ERR syntax error"));
  CHECK(IsError(h.Run({"CLIENT", "KILL", "ID", "str"}), "ERR client-id should be greater than 0"));
  CHECK(IsError(h.Run({"CLIENT", "KILL", "ID", "0"}), "ERR client-id should be greater than 0"));
  CHECK(IsError(h.Run({"CLIENT", "KILL", "TYPE", "wrong_type"}),
                "ERR Unknown client type 'wrong_type'"));
  CHECK(IsError(h.Run({"CLIENT", "KILL", "USER", "wrong_user"}), "ERR No such user 'wrong_user'"));
  CHECK(IsError(h.Run({"CLIENT", "KILL", "SKIPME", "yes_or_no"}), "ERR syntax error"));
  CHECK(IsError(h.Run({"CLIENT", "KILL", "1.2.3.4:5"}), "ERR No such client"));

  // SKIPME defaults to yes. (Killing another client frees it asynchronously; the harness
  // never runs the loop that would free it, so only the caller is killed here.)
  CHECK(h.Run({"CLIENT", "KILL", "ID", std::to_string(h.client()->id())}).integer == 0);
  CHECK(h.Run({"CLIENT", "KILL", "ID", std::to_string(h.client()->id()), "SKIPME", "no"}).integer ==
        1);
  CHECK(h.client()->has(ember::kClientCloseAfterReply));
}

TEST_CASE("connection: CLIENT PAUSE / UNPAUSE") {
  Harness h;
  CHECK(
      IsError(h.Run({"CLIENT", "PAUSE", "abc"}), "ERR timeout is not an integer or out of range"));
  CHECK(IsError(h.Run({"CLIENT", "PAUSE", "-1"}), "ERR timeout is negative"));
  CHECK(IsError(h.Run({"CLIENT", "PAUSE", "100", "READ"}),
                "ERR CLIENT PAUSE mode must be WRITE or ALL"));
  CHECK(h.Run({"CLIENT", "PAUSE", "100000", "WRITE"}).str == "OK");
  CHECK(h.server().pause_end_ms > 0);
  CHECK(h.server().pause_write_only);
  // A later ALL pause makes it stricter; a later WRITE pause does not relax it.
  CHECK(h.Run({"CLIENT", "PAUSE", "10", "ALL"}).str == "OK");
  CHECK_FALSE(h.server().pause_write_only);
  CHECK(h.Run({"CLIENT", "PAUSE", "10", "WRITE"}).str == "OK");
  CHECK_FALSE(h.server().pause_write_only);
  CHECK(h.Run({"CLIENT", "UNPAUSE"}).str == "OK");
  CHECK(h.server().pause_end_ms == 0);
}

TEST_CASE("connection: what a WRITE pause holds, scripts judged by their declared flags") {
  Harness h;
  ember::Server& s = h.server();
  ember::CommandTable& t = s.commands();
  auto flags = [&](std::vector<std::string> argv) {
    std::vector<std::string_view> views(argv.begin(), argv.end());
    return ember::scripting::EffectiveCommandFlags(s, *t.Lookup(views), views);
  };
  CHECK_FALSE(s.ClientsArePaused());
  CHECK_FALSE(s.PauseHolds(ember::kCmdWrite));
  CHECK(h.Run({"CLIENT", "PAUSE", "100000", "WRITE"}).str == "OK");
  CHECK(s.ClientsArePaused());
  CHECK(s.PauseHolds(flags({"SET", "k", "v"})));
  CHECK_FALSE(s.PauseHolds(flags({"GET", "k"})));
  CHECK(s.PauseHolds(flags({"PUBLISH", "ch", "m"})));            // may replicate
  CHECK(s.PauseHolds(flags({"EVAL", "return 1", "0"})));         // no shebang: may replicate
  CHECK(s.PauseHolds(flags({"EVAL", "#!lua\nreturn 1", "0"})));  // declared, not no-writes
  CHECK_FALSE(s.PauseHolds(flags({"EVAL", "#!lua flags=no-writes\nreturn 1", "0"})));
  CHECK(h.Run({"FUNCTION", "LOAD",
               "#!lua name=lib\nredis.register_function{function_name='ro', callback=function() "
               "return 1 end, flags={'no-writes'}}\nredis.register_function('rw', function() "
               "return 2 end)"})
            .str == "lib");
  CHECK_FALSE(s.PauseHolds(flags({"FCALL", "ro", "0"})));
  CHECK(s.PauseHolds(flags({"FCALL", "rw", "0"})));
  CHECK(h.Run({"CLIENT", "PAUSE", "100000", "ALL"}).str == "OK");
  CHECK(s.PauseHolds(flags({"GET", "k"})));
  CHECK(h.Run({"CLIENT", "UNPAUSE"}).str == "OK");
  CHECK_FALSE(s.PauseHolds(flags({"SET", "k", "v"})));
}

TEST_CASE("connection: CLIENT TRACKING state") {
  Harness h;
  CHECK(h.Run({"CLIENT", "GETREDIR"}).integer == -1);
  CHECK(IsError(h.Run({"CLIENT", "CACHING", "YES"}),
                "ERR CLIENT CACHING can be called only when the client is in tracking mode "
                "with OPTIN or OPTOUT mode enabled"));
  CHECK(IsError(h.Run({"CLIENT", "TRACKING", "ON", "PREFIX", "a"}),
                "ERR PREFIX option requires BCAST mode to be enabled"));
  CHECK(IsError(h.Run({"CLIENT", "TRACKING", "ON", "REDIRECT", "99999"}),
                "ERR The client ID you want redirect to does not exist"));
  CHECK(IsError(h.Run({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "ab", "PREFIX", "a"}),
                "ERR Prefix 'ab' overlaps with another provided prefix 'a'. Prefixes for a "
                "single client must not overlap."));
  CHECK(h.Run({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "b"}).str == "OK");
  CHECK(h.Run({"CLIENT", "GETREDIR"}).integer == 0);
  RespValue info = h.Run({"CLIENT", "TRACKINGINFO"});
  REQUIRE(MapGet(info, "flags") != nullptr);
  CHECK(MapGet(info, "flags")->elems.size() == 2);
  REQUIRE(MapGet(info, "prefixes")->elems.size() == 2);
  CHECK(MapGet(info, "prefixes")->elems[0].str == "a");
  CHECK(IsError(h.Run({"CLIENT", "TRACKING", "ON"}),
                "ERR You can't switch BCAST mode on/off before disabling tracking for this "
                "client, and then re-enabling it with a different mode."));
  CHECK(h.Run({"CLIENT", "TRACKING", "OFF"}).str == "OK");
  CHECK(h.Run({"CLIENT", "TRACKING", "ON", "OPTIN"}).str == "OK");
  CHECK(h.Run({"CLIENT", "CACHING", "YES"}).str == "OK");
  CHECK(IsError(h.Run({"CLIENT", "CACHING", "NO"}),
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."));
  CHECK(h.Run({"RESET"}).str == "RESET");
  CHECK(h.Run({"CLIENT", "GETREDIR"}).integer == -1);
}

TEST_CASE("connection: MONITOR, RESET, QUIT, UNBLOCK, HELP") {
  Harness h;
  Client* m = h.NewClient();
  CHECK(h.RunOn(m, {"MONITOR"}).str == "OK");
  CHECK(m->has(ember::kClientMonitor));
  CHECK(h.server().monitors.size() == 1);
  CHECK(h.RunOn(m, {"MONITOR"}).str == "<no reply>");  // already monitoring: ignored
  CHECK(h.Run({"SET", "a", "b"}).str == "OK");
  CHECK(m->out().find("\"SET\" \"a\" \"b\"") != std::string::npos);

  CHECK(h.RunOn(m, {"SELECT", "3"}).is_error() == false);
  CHECK(m->db_index() == 3);
  CHECK(h.RunOn(m, {"CLIENT", "SETNAME", "n"}).is_error() == false);
  CHECK(m->name == "n");
  h.RunOn(m, {"HELLO", "3"});
  CHECK(m->resp == 3);
  h.RunOn(m, {"RESET"});
  // The monitor still sees its own RESET before the reply.
  CHECK(m->out().size() >= 8);
  CHECK(m->out().substr(m->out().size() - 8) == "+RESET\r\n");
  CHECK_FALSE(m->has(ember::kClientMonitor));
  CHECK(h.server().monitors.empty());
  CHECK(m->db_index() == 0);
  CHECK(m->resp == 2);
  CHECK(m->reply().resp() == 2);
  CHECK(m->name.empty());

  CHECK(h.Run({"CLIENT", "UNBLOCK", "1"}).integer == 0);
  CHECK(IsError(h.Run({"CLIENT", "UNBLOCK", "1", "MAYBE"}),
                "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
  CHECK(IsError(h.Run({"CLIENT", "UNBLOCK", "x"}), "ERR value is not an integer or out of range"));

  RespValue help = h.Run({"client", "help"});
  REQUIRE(help.type == RespValue::Type::kArray);
  CHECK(help.elems.front().str ==
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  CHECK(help.elems.back().str == "    Prints this help.");

  CHECK(h.Run({"QUIT"}).str == "OK");
  CHECK(h.client()->has(ember::kClientCloseAfterReply));
}

#endif  // __has_include("tests/unit/server/harness.h")

TEST_CASE("connection: the reply buffer size follows the peak use, as Redis 7.0") {
  Harness h;
  ember::Client* c = h.NewClient();
  CHECK(c->rbuf_size == 16 * 1024);
  c->rbuf_peak = 100;  // little used: shrinks to the peak (at least 1 KB)
  c->ResizeReplyBuffer(1000, 5000, true);
  CHECK(c->rbuf_size == 1024);
  c->rbuf_peak = 1024;  // filled: doubles, up to 16 KB
  c->ResizeReplyBuffer(2000, 5000, true);
  CHECK(c->rbuf_size == 2048);
  c->rbuf_peak = 2048;
  c->ResizeReplyBuffer(3000, -1, false);  // resizing off: unchanged
  CHECK(c->rbuf_size == 2048);
  c->ResizeReplyBuffer(3000, -1, true);
  CHECK(c->rbuf_size == 4096);
  CHECK(c->rbuf_peak == 2048);  // -1: the peak is never reset
  c->ResizeReplyBuffer(c->rbuf_peak_reset_ms + 100, 100, true);
  CHECK(c->rbuf_peak == 0);  // the period passed: reset to what the buffer holds now
}
