// ACL end to end: users from the command line and from an ACL file, startup errors, and a
// client disconnected when its user is deleted.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/server_process.h"

using ember::RespClient;
using ember::RespValue;
using ember::test::ServerProcess;

namespace {

RespValue AclCmd(RespClient& c, const std::vector<std::string>& args) {
  auto r = c.Command(args);
  REQUIRE(r.ok());
  return r.value();
}

}  // namespace

TEST_CASE("acl: users from the command line restrict the default user") {
  ServerProcess s({"--user", "default", "on", "nopass", "~*", "+@all", "-flushdb", "--user",
                   "alice", "on", ">pw", "~*", "&*", "+@all"});
  REQUIRE(s.Start());
  RespClient c = s.Connect();
  RespValue r = AclCmd(c, {"FLUSHDB"});
  CHECK(r.is_error());
  CHECK(r.str == "NOPERM this user has no permissions to run the 'flushdb' command");
  CHECK(AclCmd(c, {"AUTH", "alice", "pw"}).str == "OK");
  CHECK(AclCmd(c, {"FLUSHDB"}).str == "OK");
  CHECK(AclCmd(c, {"CLIENT", "INFO"}).str.find(" user=alice ") != std::string::npos);
}

TEST_CASE("acl: duplicate users in the config stop the start") {
  ServerProcess s({"--user", "foo", "--user", "foo"});
  CHECK_FALSE(s.Start(3000));
  CHECK(s.Log().find("Duplicate user") != std::string::npos);
}

TEST_CASE("acl: aclfile is loaded at startup, saved and reloaded") {
  ServerProcess s({"--aclfile", "users.acl"});
  {
    std::ofstream f(s.dir() + "/users.acl");
    f << "user default on nopass ~* &* +@all\nuser bob on >bob -@all +@set +acl ~set* &*\n";
  }
  REQUIRE(s.Start());
  RespClient admin = s.Connect();
  RespClient c = s.Connect();
  CHECK(AclCmd(c, {"AUTH", "bob", "bob"}).str == "OK");
  CHECK(AclCmd(c, {"SADD", "set1", "a"}).integer == 1);
  CHECK(AclCmd(c, {"SET", "k", "v"}).is_error());
  CHECK(AclCmd(admin, {"ACL", "SETUSER", "eve", "on", ">eve", "+get", "allkeys"}).str == "OK");
  CHECK(AclCmd(admin, {"ACL", "SAVE"}).str == "OK");
  std::ifstream in(s.dir() + "/users.acl");
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str().find("user eve on #") != std::string::npos);
  // LOAD replaces the users: bob's connection is closed, the default user's stays.
  CHECK(AclCmd(admin, {"ACL", "LOAD"}).str == "OK");
  CHECK_FALSE(c.Command({"PING"}).ok());
  CHECK(AclCmd(admin, {"AUTH", "eve", "eve"}).str == "OK");
  CHECK(AclCmd(admin, {"SET", "k", "v"}).is_error());
}

TEST_CASE("acl: a broken aclfile stops the start with Redis's message") {
  ServerProcess s({"--aclfile", "bad.acl"});
  {
    std::ofstream f(s.dir() + "/bad.acl");
    f << "user alice on\nuser alice off\n";
  }
  CHECK_FALSE(s.Start(3000));
  CHECK(s.Log().find("Duplicate user 'alice' found on line 2") != std::string::npos);
}

TEST_CASE("acl: deleting a user closes its connections") {
  ServerProcess s;
  REQUIRE(s.Start());
  RespClient admin = s.Connect();
  RespClient c = s.Connect();
  CHECK(AclCmd(admin, {"ACL", "SETUSER", "tmp", "on", "nopass", "+@all"}).str == "OK");
  CHECK(AclCmd(c, {"AUTH", "tmp", "x"}).str == "OK");
  CHECK(AclCmd(admin, {"ACL", "DELUSER", "tmp"}).integer == 1);
  CHECK_FALSE(c.Command({"PING"}).ok());
  CHECK(AclCmd(admin, {"PING"}).str == "PONG");
}
