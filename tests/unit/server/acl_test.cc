// ACL: users, rules and their description, permission checks, the ACL log, DRYRUN, redaction
// and the ACL file.
#if __has_include("tests/unit/server/harness.h")

#include "server/acl.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/unit/server/harness.h"

using ember::Client;
using ember::RespValue;
using ember::test::Harness;

namespace {

bool IsError(const RespValue& r, const std::string& text) { return r.is_error() && r.str == text; }

const RespValue* MapGet(const RespValue& r, const std::string& key) {
  for (size_t i = 0; i + 1 < r.elems.size(); i += 2) {
    if (r.elems[i].str == key) return &r.elems[i + 1];
  }
  return nullptr;
}

std::string GetUserField(Harness& h, const std::string& user, const std::string& field) {
  RespValue r = h.Run({"ACL", "GETUSER", user});
  const RespValue* v = MapGet(r, field);
  return v ? v->str : "<missing>";
}

const std::string kNoPermKeys =
    "NOPERM this user has no permissions to access one of the keys used as arguments";
const std::string kWrongPass = "WRONGPASS invalid username-password pair or user is disabled.";

}  // namespace

TEST_CASE("acl: default user, new users start disabled, passwords") {
  Harness h;
  CHECK(h.Run({"ACL", "WHOAMI"}).str == "default");
  CHECK(h.Run({"ACL", "SETUSER", "bob", ">p1"}).str == "OK");
  CHECK(IsError(h.Run({"AUTH", "bob", "p1"}), kWrongPass));
  CHECK(h.Run({"ACL", "SETUSER", "bob", "on", "+acl"}).str == "OK");
  CHECK(h.Run({"AUTH", "bob", "p1"}).str == "OK");
  CHECK(h.Run({"ACL", "WHOAMI"}).str == "bob");
  CHECK(IsError(h.Run({"AUTH", "bob", "nope"}), kWrongPass));
  CHECK(IsError(h.Run({"ACL", "SETUSER", "a b"}),
                "ERR Usernames can't contain spaces or null characters"));
  // A hash is stored as given; a removed password no longer works.
  std::string hash = ember::AclHashPassword("p2");
  CHECK(hash.size() == 64);
  CHECK(h.Run({"ACL", "SETUSER", "bob", "#" + hash, "<p1"}).str == "OK");
  CHECK(IsError(h.Run({"AUTH", "bob", "p1"}), kWrongPass));
  CHECK(h.Run({"AUTH", "bob", "p2"}).str == "OK");
  RespValue bad = h.Run({"ACL", "SETUSER", "bob", "#abc"});
  CHECK(IsError(bad,
                "ERR Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 "
                "characters and contain only lowercase hexadecimal characters"));
}

TEST_CASE("acl: NOPERM for commands, keys and channels") {
  Harness h;
  h.Run({"ACL", "SETUSER", "u", "on", "nopass", "+get", "+set", "+publish", "~k*", "+acl"});
  h.Run({"AUTH", "u", "x"});
  CHECK(h.Run({"SET", "k1", "v"}).str == "OK");
  CHECK(IsError(h.Run({"SET", "other", "v"}), kNoPermKeys));
  CHECK(IsError(h.Run({"DEL", "k1"}),
                "NOPERM this user has no permissions to run the 'del' command"));
  CHECK(IsError(h.Run({"PUBLISH", "ch", "m"}),
                "NOPERM this user has no permissions to access one of the channels used as "
                "arguments"));
  // Denials are logged, the newest first, with Redis's fields.
  RespValue log = h.Run({"ACL", "LOG"});
  REQUIRE(log.elems.size() == 3);
  CHECK(MapGet(log.elems[0], "reason")->str == "channel");
  CHECK(MapGet(log.elems[0], "object")->str == "ch");
  CHECK(MapGet(log.elems[1], "reason")->str == "command");
  CHECK(MapGet(log.elems[1], "object")->str == "del");
  CHECK(MapGet(log.elems[2], "reason")->str == "key");
  CHECK(MapGet(log.elems[2], "username")->str == "u");
  CHECK(MapGet(log.elems[2], "context")->str == "toplevel");
  CHECK(MapGet(log.elems[2], "client-info")->str.find("user=u") != std::string::npos);
  // The same denial again bumps the count instead of adding an entry.
  h.Run({"DEL", "k1"});
  log = h.Run({"ACL", "LOG"});
  CHECK(log.elems.size() == 3);
  CHECK(MapGet(log.elems[0], "count")->integer == 2);
  CHECK(h.Run({"ACL", "LOG", "RESET"}).str == "OK");
  CHECK(h.Run({"ACL", "LOG"}).elems.empty());
}

TEST_CASE("acl: INFO errorstats counts NOPERM as a rejected call") {
  Harness h;
  h.Run({"ACL", "SETUSER", "u", "on", "nopass", "+info"});
  h.Run({"AUTH", "u", "x"});
  CHECK(h.Run({"SET", "a", "b"}).is_error());
  std::string info = h.Run({"INFO", "errorstats"}).str;
  CHECK(info.find("errorstat_NOPERM:count=1") != std::string::npos);
}

TEST_CASE("acl: GETUSER describes command rules with categories") {
  Harness h;
  h.Run({"ACL", "SETUSER", "a", "reset", "+@all", "-@string"});
  CHECK(GetUserField(h, "a", "commands") == "+@all -@string");
  h.Run({"ACL", "SETUSER", "a", "reset", "-@all", "+@hash"});
  CHECK(GetUserField(h, "a", "commands") == "-@all +@hash");
  h.Run({"ACL", "SETUSER", "a", "reset", "+@all", "-client|kill"});
  CHECK(GetUserField(h, "a", "commands") == "+@all -client|kill");
  h.Run({"ACL", "SETUSER", "a", "reset", "+memory|doctor"});
  CHECK(GetUserField(h, "a", "commands") == "-@all +memory|doctor");
  h.Run({"ACL", "SETUSER", "a", "+memory"});
  CHECK(GetUserField(h, "a", "commands") == "-@all +memory");
  h.Run({"ACL", "SETUSER", "a", "reset", "+select|0"});
  CHECK(GetUserField(h, "a", "commands") == "-@all +select|0");
  CHECK(IsError(h.Run({"ACL", "SETUSER", "a", "+config|get|x"}),
                "ERR Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a "
                "subcommand is not supported"));
  CHECK(IsError(h.Run({"ACL", "SETUSER", "a", "+nosuchcmd"}),
                "ERR Error in ACL SETUSER modifier '+nosuchcmd': Unknown command or category "
                "name in ACL"));
  // A failed SETUSER changes nothing.
  CHECK(GetUserField(h, "a", "commands") == "-@all +select|0");
}

TEST_CASE("acl: LIST shows users in config format") {
  Harness h;
  h.Run({"ACL", "SETUSER", "hp", "on", "nopass", "resetchannels", "&foo", "+@all"});
  RespValue list = h.Run({"ACL", "LIST"});
  REQUIRE(list.elems.size() == 2);
  CHECK(list.elems[0].str == "user default on nopass ~* &* +@all");
  CHECK(list.elems[1].str == "user hp on nopass resetchannels &foo +@all");
  CHECK(h.Run({"ACL", "USERS"}).elems.size() == 2);
  CHECK(h.Run({"ACL", "DELUSER", "hp", "nobody"}).integer == 1);
  CHECK(IsError(h.Run({"ACL", "DELUSER", "default"}), "ERR The 'default' user cannot be removed"));
}

TEST_CASE("acl: selectors and read/write key permissions") {
  Harness h;
  h.Run({"ACL", "SETUSER", "s", "on", "nopass", "%R~r*", "%W~w*", "+@all"});
  CHECK(h.Run({"ACL", "DRYRUN", "s", "GET", "r1"}).str == "OK");
  CHECK(h.Run({"ACL", "DRYRUN", "s", "GET", "w1"}).str ==
        "This user has no permissions to access the 'w1' key");
  CHECK(h.Run({"ACL", "DRYRUN", "s", "LPUSH", "w1", "x"}).str == "OK");
  CHECK(h.Run({"ACL", "DRYRUN", "s", "COPY", "r1", "w1"}).str == "OK");
  CHECK(h.Run({"ACL", "DRYRUN", "s", "COPY", "w1", "r1"}).str ==
        "This user has no permissions to access the 'w1' key");
  h.Run({"ACL", "SETUSER", "sel", "on", "nopass", "(+get ~a*)", "(", "+set", "~b*", ")"});
  CHECK(h.Run({"ACL", "DRYRUN", "sel", "GET", "a1"}).str == "OK");
  CHECK(h.Run({"ACL", "DRYRUN", "sel", "SET", "b1", "v"}).str == "OK");
  CHECK(h.Run({"ACL", "DRYRUN", "sel", "SET", "a1", "v"}).str ==
        "This user has no permissions to access the 'a1' key");
  CHECK(h.Run({"ACL", "DRYRUN", "sel", "DEL", "a1"}).str ==
        "This user has no permissions to run the 'del' command");
  RespValue u = h.Run({"ACL", "GETUSER", "sel"});
  REQUIRE(MapGet(u, "selectors") != nullptr);
  CHECK(MapGet(u, "selectors")->elems.size() == 2);
  CHECK(IsError(h.Run({"ACL", "SETUSER", "x", "(+get"}),
                "ERR Unmatched parenthesis in acl selector starting at '(+get'."));
  CHECK(IsError(h.Run({"ACL", "DRYRUN", "nobody", "GET", "a"}), "ERR User 'nobody' not found"));
  CHECK(IsError(h.Run({"ACL", "DRYRUN", "sel", "SET", "a"}),
                "ERR wrong number of arguments for 'set' command"));
  h.Run({"ACL", "SETUSER", "rw", "%R~foo", "%W~foo", "%RW~bar"});
  CHECK(GetUserField(h, "rw", "keys") == "~foo ~bar");
}

TEST_CASE("acl: requirepass is the default user's password") {
  Harness h;
  CHECK(IsError(h.Run({"AUTH", "x"}),
                "ERR AUTH <password> called without any password configured for the default "
                "user. Are you sure your configuration is correct?"));
  CHECK(h.Run({"CONFIG", "SET", "requirepass", "secret"}).str == "OK");
  Client* other = h.NewClient();
  CHECK(IsError(h.RunOn(other, {"GET", "a"}), "NOAUTH Authentication required."));
  CHECK(IsError(h.RunOn(other, {"AUTH", "wrong"}), kWrongPass));
  CHECK(h.RunOn(other, {"AUTH", "secret"}).str == "OK");
  CHECK(h.RunOn(other, {"AUTH", "default", "secret"}).str == "OK");
  CHECK(h.Run({"CONFIG", "SET", "requirepass", ""}).str == "OK");
  CHECK(h.Run({"ACL", "GETUSER", "default"}).str.empty());
  CHECK(GetUserField(h, "default", "commands") == "+@all");
}

TEST_CASE("acl: SLOWLOG redacts ACL SETUSER, AUTH and sensitive CONFIG SET arguments") {
  Harness h;
  h.Run({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
  h.Run({"SLOWLOG", "RESET"});
  h.Run({"ACL", "SETUSER", "u", "+get", ">pw"});
  h.Run({"AUTH", "u", "pw"});
  h.Run({"CONFIG", "SET", "masterauth", "x"});
  RespValue log = h.Run({"SLOWLOG", "GET"});
  REQUIRE(log.elems.size() >= 3);
  auto args_of = [](const RespValue& e) {
    std::string s;
    for (const RespValue& a : e.elems[3].elems) s += (s.empty() ? "" : " ") + a.str;
    return s;
  };
  CHECK(args_of(log.elems[0]) == "CONFIG SET masterauth (redacted)");
  CHECK(args_of(log.elems[1]) == "AUTH (redacted) (redacted)");
  CHECK(args_of(log.elems[2]) == "ACL SETUSER (redacted) (redacted) (redacted)");
}

TEST_CASE("acl: EXEC rechecks permissions of queued commands") {
  Harness h;
  h.Run({"ACL", "SETUSER", "u", "on", "nopass", "+multi", "+exec", "+incr", "~*"});
  Client* admin = h.NewClient();
  h.Run({"AUTH", "u", "x"});
  h.Run({"MULTI"});
  CHECK(h.Run({"INCR", "k"}).str == "QUEUED");
  h.RunOn(admin, {"ACL", "SETUSER", "u", "-incr"});
  RespValue r = h.Run({"EXEC"});
  REQUIRE(r.elems.size() == 1);
  CHECK(r.elems[0].is_error());
  CHECK(r.elems[0].str.rfind("NOPERM ACLs rules changed between the moment the transaction", 0) ==
        0);
  RespValue log = h.RunOn(admin, {"ACL", "LOG"});
  REQUIRE(!log.elems.empty());
  CHECK(MapGet(log.elems[0], "context")->str == "multi");
}

TEST_CASE("acl: CAT lists categories and their commands") {
  Harness h;
  RespValue cats = h.Run({"ACL", "CAT"});
  CHECK(cats.elems.size() == 21);
  CHECK(cats.elems[0].str == "keyspace");
  RespValue tx = h.Run({"ACL", "CAT", "transaction"});
  bool has_multi = false;
  for (const auto& e : tx.elems) has_multi = has_multi || e.str == "multi";
  CHECK(has_multi);
  CHECK(IsError(h.Run({"ACL", "CAT", "nope"}), "ERR Unknown category 'nope'"));
  CHECK(h.Run({"ACL", "GENPASS"}).str.size() == 64);
  CHECK(h.Run({"ACL", "GENPASS", "5"}).str.size() == 2);
  CHECK(h.Run({"ACL", "GENPASS", "0"}).is_error());
}

TEST_CASE("acl: ACL SAVE and LOAD with an ACL file") {
  char tmpl[] = "/tmp/ember-acl-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string path = std::string(tmpl) + "/users.acl";
  {
    std::ofstream f(path);
    f << "user alice on >alice ~* &* +@all\n";
  }
  {
    Harness h("aclfile " + path + "\n");
    CHECK(h.Run({"ACL", "USERS"}).elems.size() == 2);
    CHECK(h.Run({"AUTH", "alice", "alice"}).str == "OK");
    h.Run({"ACL", "SETUSER", "eve", "on", ">eve", "+get", "allkeys"});
    CHECK(h.Run({"ACL", "SAVE"}).str == "OK");
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(ss.str().find("user eve on #") != std::string::npos);
    // A duplicate user makes LOAD fail without changing anything.
    {
      std::ofstream f(path, std::ios::app);
      f << "user eve on nopass\n";
    }
    RespValue r = h.Run({"ACL", "LOAD"});
    CHECK(r.is_error());
    CHECK(r.str.find("Duplicate user 'eve' found") != std::string::npos);
    CHECK(h.Run({"ACL", "USERS"}).elems.size() == 3);
  }
  std::remove(path.c_str());
  rmdir(tmpl);
  Harness plain;
  CHECK(plain.Run({"ACL", "LOAD"}).str.find("not configured to use an ACL file") !=
        std::string::npos);
}

#endif
