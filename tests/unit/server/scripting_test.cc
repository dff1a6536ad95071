// Scripting: EVAL / EVALSHA / EVAL_RO, SCRIPT, FCALL and FUNCTION, the Lua sandbox, the
// conversions between replies and Lua values, and effects replication.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/util/hash.h"
#include "tests/unit/server/harness.h"

using ember::RespValue;
using ember::test::Harness;

namespace {

using Type = RespValue::Type;

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

RespValue Eval(Harness& h, const std::string& script, std::vector<std::string> keys = {},
               std::vector<std::string> args = {}) {
  std::vector<std::string> cmd = {"EVAL", script, std::to_string(keys.size())};
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  cmd.insert(cmd.end(), args.begin(), args.end());
  return h.Run(cmd);
}

std::string Library(const std::string& name, const std::string& body) {
  return "#!lua name=" + name + "\n" + body;
}

const RespValue* MapGet(const RespValue& r, const std::string& key) {
  for (size_t i = 0; i + 1 < r.elems.size(); i += 2) {
    if (r.elems[i].str == key) return &r.elems[i + 1];
  }
  return nullptr;
}

}  // namespace

TEST_CASE("scripting: Lua values become replies") {
  Harness h;
  CHECK(Eval(h, "return 'hello'").str == "hello");
  RespValue r = Eval(h, "return 100.5");
  CHECK(r.type == Type::kInteger);
  CHECK(r.integer == 100);
  CHECK(Eval(h, "return -3.9").integer == -3);
  r = Eval(h, "return true");
  CHECK(r.type == Type::kInteger);
  CHECK(r.integer == 1);
  CHECK(Eval(h, "return false").is_null());
  CHECK(Eval(h, "return nil").is_null());
  r = Eval(h, "return {ok='fine'}");
  CHECK(r.type == Type::kString);
  CHECK(r.str == "fine");
  r = Eval(h, "return {err='ERR this is an error'}");
  CHECK(r.is_error());
  CHECK(r.str == "ERR this is an error");
  // As in Redis, the first word becomes the error code.
  r = Eval(h, "return redis.error_reply('My Error')");
  CHECK(r.str == "My Error");
  r = Eval(h, "return redis.error_reply('-CUSTOM thing')");
  CHECK(r.str == "CUSTOM thing");
  CHECK(Eval(h, "return redis.status_reply('x')").str == "x");
  r = Eval(h, "return {1,2,3,'ciao',{1,2}}");
  REQUIRE(r.type == Type::kArray);
  REQUIRE(r.elems.size() == 5);
  CHECK(r.elems[3].str == "ciao");
  CHECK(r.elems[4].elems.size() == 2);
  // Arrays stop at the first nil; other keys are ignored; metatables are not consulted.
  CHECK(Eval(h, "return {1,nil,3}").elems.size() == 1);
  CHECK(Eval(h, "return {a=1}").elems.empty());
  CHECK(Eval(h, "local a = {}; setmetatable(a,{__index=function() foo() end}) return a")
            .elems.empty());
  CHECK(Eval(h, "return _G").elems.empty());
  // Status text has its newlines replaced.
  CHECK(Eval(h, "return {ok='a\\r\\nb'}").str == "a  b");
}

TEST_CASE("scripting: KEYS, ARGV and redis.call") {
  Harness h;
  RespValue r = Eval(h, "return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}", {"a", "b"}, {"c", "d"});
  REQUIRE(r.elems.size() == 4);
  CHECK(r.elems[0].str == "a");
  CHECK(r.elems[3].str == "d");
  CHECK(Eval(h, "return redis.call('set',KEYS[1],ARGV[1])", {"k"}, {"v"}).str == "OK");
  CHECK(h.Run({"GET", "k"}).str == "v");
  CHECK(Eval(h, "return redis.call('get',KEYS[1])", {"k"}).str == "v");
  // Numbers are sent with 17 significant digits.
  CHECK(Eval(h, "redis.call('set','n',9007199254740991) return redis.call('get','n')").str ==
        "9007199254740991");
  r = Eval(h, "local t = redis.call('incr','cnt') return {type(t), t}");
  CHECK(r.elems[0].str == "number");
  CHECK(r.elems[1].integer == 1);
  r = Eval(h, "local t = redis.call('set','x','y') return {type(t), t['ok']}");
  CHECK(r.elems[0].str == "table");
  CHECK(r.elems[1].str == "OK");
  r = Eval(h, "local t = redis.call('get','nosuch') return {type(t), t == false}");
  CHECK(r.elems[0].str == "boolean");
  CHECK(r.elems[1].integer == 1);
  r = Eval(h, "local t = redis.pcall('incr','k') return {type(t), t['err']}");
  CHECK(r.elems[1].str == "ERR value is not an integer or out of range");
  h.Run({"RPUSH", "l", "a", "b", "c"});
  r = Eval(h, "local t = redis.call('lrange','l',0,-1) return {#t, t[1], t[3]}");
  CHECK(r.elems[0].integer == 3);
  CHECK(r.elems[2].str == "c");
  // A command error raised by redis.call ends the script with that error.
  r = Eval(h, "redis.call('incr','k')");
  CHECK(r.is_error());
  CHECK(r.str.rfind("ERR value is not an integer or out of range", 0) == 0);
  // pcall catches it and returns the message.
  r = Eval(h, "local ok, e = pcall(redis.call, 'incr', 'k') return {tostring(ok), e}");
  CHECK(r.elems[0].str == "false");
  CHECK(r.elems[1].str == "ERR value is not an integer or out of range");
}

TEST_CASE("scripting: commands refused inside scripts") {
  Harness h;
  CHECK(Contains(Eval(h, "redis.call('nosuchcommand')").str,
                 "Unknown Redis command called from script"));
  CHECK(Contains(Eval(h, "redis.call('get','a','b','c')").str,
                 "Wrong number of args calling Redis command from script"));
  CHECK(Contains(Eval(h, "return redis.pcall('blpop','x',0)").str,
                 "This Redis command is not allowed from script"));
  CHECK(Contains(Eval(h, "return redis.pcall('eval','return 1',0)").str, "not allowed"));
  CHECK(Contains(Eval(h, "return redis.call()").str, "Please specify at least one argument"));
  CHECK(Contains(Eval(h, "return redis.call('get', {})").str,
                 "Lua redis lib command arguments must be strings or integers"));
  RespValue r = h.Run({"EVAL_RO", "return redis.call('del', KEYS[1])", "1", "k"});
  CHECK(r.str.rfind("ERR Write commands are not allowed from read-only scripts.", 0) == 0);
  h.Run({"SET", "foo", "bar"});
  CHECK(h.Run({"EVAL_RO", "return redis.call('get', KEYS[1])", "1", "foo"}).str == "bar");
  // The error reply of a refused command counts once in the statistics.
  uint64_t before = h.server().stats().total_error_replies;
  Eval(h, "redis.call('nosuchcommand')");
  CHECK(h.server().stats().total_error_replies == before + 1);
}

TEST_CASE("scripting: argument errors of EVAL and EVALSHA") {
  Harness h;
  CHECK(h.Run({"EVAL", "return 1", "-1"}).str == "ERR Number of keys can't be negative");
  CHECK(h.Run({"EVAL", "return 1", "2", "a"}).str ==
        "ERR Number of keys can't be greater than number of args");
  CHECK(h.Run({"EVAL", "return 1", "x"}).str == "ERR value is not an integer or out of range");
  CHECK(h.Run({"EVALSHA", "NotValidShaSUM", "0"}).str ==
        "NOSCRIPT No matching script. Please use EVAL.");
  CHECK(h.Run({"EVALSHA", "ffd632c7d33e571e9f24556ebed26c3479a87130", "0"}).str ==
        "NOSCRIPT No matching script. Please use EVAL.");
  RespValue r = h.Run({"EVAL", "return (", "0"});
  CHECK(r.str.rfind("ERR Error compiling script (new function): user_script:1:", 0) == 0);
}

TEST_CASE("scripting: the script cache") {
  Harness h;
  std::string body = "return redis.call('get',KEYS[1])";
  std::string sha = ember::Sha1Hex(body);
  CHECK(h.Run({"SCRIPT", "LOAD", body}).str == sha);
  h.Run({"SET", "mykey", "myval"});
  CHECK(h.Run({"EVALSHA", sha, "1", "mykey"}).str == "myval");
  std::string upper = sha;
  for (char& ch : upper) ch = char(toupper(ch));
  CHECK(h.Run({"EVALSHA", upper, "1", "mykey"}).str == "myval");
  RespValue r = h.Run({"SCRIPT", "EXISTS", sha, upper, "ffd632c7d33e571e9f24556ebed26c3479a87130"});
  REQUIRE(r.elems.size() == 3);
  CHECK(r.elems[0].integer == 1);
  CHECK(r.elems[1].integer == 1);
  CHECK(r.elems[2].integer == 0);
  CHECK(h.Run({"SCRIPT", "FLUSH"}).str == "OK");
  CHECK(h.Run({"SCRIPT", "EXISTS", sha}).elems[0].integer == 0);
  CHECK(h.Run({"SCRIPT", "FLUSH", "ASYNC"}).str == "OK");
  CHECK(h.Run({"SCRIPT", "FLUSH", "bad"}).str == "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  // EVAL caches too.
  Eval(h, "return 7");
  CHECK(h.Run({"SCRIPT", "EXISTS", ember::Sha1Hex("return 7")}).elems[0].integer == 1);
  CHECK(h.Run({"SCRIPT", "KILL"}).str == "NOTBUSY No scripts in execution right now.");
  CHECK(h.Run({"SCRIPT", "DEBUG", "maybe"}).str == "ERR Use SCRIPT DEBUG YES/SYNC/NO");
  CHECK(h.Run({"SCRIPT", "DEBUG", "NO"}).str == "OK");
  CHECK(h.Run({"SCRIPT", "HELP"}).elems.size() == 17);
}

TEST_CASE("scripting: sandbox and read-only globals") {
  Harness h;
  CHECK(Contains(Eval(h, "return a").str,
                 "Script attempted to access nonexistent global variable 'a'"));
  CHECK(Contains(Eval(h, "a = 10").str, "Attempt to modify a readonly table"));
  CHECK(Contains(Eval(h, "setmetatable(_G, {})").str, "Attempt to modify a readonly table"));
  CHECK(Contains(Eval(h, "local g = getmetatable(_G) g.__index = {}").str,
                 "Attempt to modify a readonly table"));
  CHECK(Contains(Eval(h, "redis = function() return 1 end").str,
                 "Attempt to modify a readonly table"));
  CHECK(Contains(Eval(h, "_G = {}").str, "Attempt to modify a readonly table"));
  CHECK(Contains(Eval(h, "redis.call = function() return 1 end").str,
                 "Attempt to modify a readonly table"));
  CHECK(Contains(Eval(h, "cjson.encode = function() return 1 end").str,
                 "Attempt to modify a readonly table"));
  CHECK(Contains(Eval(h, "cmsgpack.pack = 1").str, "Attempt to modify a readonly table"));
  CHECK(Contains(Eval(h, "bit.lshift = 1").str, "Attempt to modify a readonly table"));
  CHECK(Contains(Eval(h, "string.upper = 1").str, "Attempt to modify a readonly table"));
  CHECK(Contains(Eval(h, "rawset(_G, 'x', 1)").str, "Attempt to modify a readonly table"));
  CHECK(Contains(Eval(h, "rawset(redis, 'x', 1)").str, "Attempt to modify a readonly table"));
  CHECK(Contains(Eval(h, "table.insert(redis, 1)").str, "Attempt to modify a readonly table"));
  CHECK(
      Contains(Eval(h, "getmetatable('').__index = {}").str, "Attempt to modify a readonly table"));
  for (const char* name :
       {"print", "loadfile", "dofile", "os", "io", "require", "package", "debug"}) {
    CHECK(Contains(Eval(h, std::string("return ") + name + " ~= nil").str,
                   std::string("nonexistent global variable '") + name + "'"));
  }
  CHECK(Contains(Eval(h, "return loadstring(string.dump(function() return 1 end))()").str,
                 "attempt to call a nil value"));
  // Reading through the protection still works.
  CHECK(Eval(h, "return rawget(redis, 'call') ~= nil").integer == 1);
  CHECK(Eval(h, "local n = 0 for k in pairs(redis) do n = n + 1 end return n > 10").integer == 1);
  CHECK(Eval(h, "return ('abc'):upper()").str == "ABC");
  CHECK(Eval(h, "return loadstring('return 5')()").integer == 5);
  CHECK(Eval(h, "local t = {} rawset(t, 'a', 1) table.insert(t, 2) return {t.a, t[1]}")
            .elems.size() == 2);
  CHECK(Eval(h, "return type(getmetatable(_G))").str == "table");
  // Globals a script may not add are refused; KEYS/ARGV of the previous run are replaced.
  Eval(h, "return 1", {"k1"});
  CHECK(Eval(h, "return #KEYS").integer == 0);
}

TEST_CASE("scripting: redis API helpers") {
  Harness h;
  CHECK(Eval(h, "return redis.sha1hex('')").str == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(Eval(h, "return redis.sha1hex('Pizza & Mandolino')").str ==
        "74822d82031af7493c20eefa13bd07ec4fada82f");
  CHECK(Contains(Eval(h, "redis.sha1hex()").str, "wrong number of arguments"));
  CHECK(Eval(h, "return redis.replicate_commands()").integer == 1);
  CHECK(Eval(h, "return redis.breakpoint()").is_null());
  CHECK(Eval(h, "redis.debug('x') return 1").integer == 1);
  CHECK(Eval(h, "redis.set_repl(redis.REPL_ALL) return 1").integer == 1);
  CHECK(Contains(Eval(h, "redis.set_repl(12345)").str, "Invalid replication flags"));
  CHECK(Contains(Eval(h, "redis.setresp(4)").str, "RESP version must be 2 or 3."));
  CHECK(Eval(h, "redis.log(redis.LOG_DEBUG, 'hello', 'there') return 1").integer == 1);
  CHECK(Contains(Eval(h, "redis.log(99, 'x')").str, "Invalid debug level."));
  CHECK(Eval(h, "return redis.REDIS_VERSION").str == "7.0.15");
  CHECK(Eval(h, "return redis.REDIS_VERSION_NUM").integer == 0x07000f);
  CHECK(Eval(h, "return redis.acl_check_cmd('set','xx',1)").integer == 1);
  CHECK(Contains(Eval(h, "return redis.acl_check_cmd('invalid-cmd','arg')").str,
                 "Invalid command passed to redis.acl_check_cmd()"));
  // The PRNG can be seeded; unseeded it keeps going.
  std::string seeded = "math.randomseed(ARGV[1]); return tostring(math.random())";
  CHECK(Eval(h, seeded, {}, {"10"}).str == Eval(h, seeded, {}, {"10"}).str);
  CHECK(Eval(h, seeded, {}, {"10"}).str != Eval(h, seeded, {}, {"20"}).str);
  CHECK(Eval(h, "return tostring(math.random())").str !=
        Eval(h, "return tostring(math.random())").str);
}

TEST_CASE("scripting: bundled libraries") {
  Harness h;
  CHECK(Eval(h, "return table.concat(cjson.decode('[0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10]'), ' ')")
            .str == "0 -5000 -1 0.0003 1023.2 0");
  CHECK(Eval(h, "return cjson.encode({1,2,'x'})").str == "[1,2,\"x\"]");
  CHECK(Eval(h, "return bit.bor(1,2,4,8,16,32,64,128)").integer == 255);
  CHECK(Eval(h, "return bit.tohex(255)").str == "000000ff");
  auto hex = [&](const std::string& expr) {
    return Eval(h, "local e = " + expr +
                       " local s = '' for i = 1, #e do s = s .. string.format('%02x', "
                       "string.byte(e, i)) end return s")
        .str;
  };
  CHECK(hex("cmsgpack.pack(0.1)") == "cb3fb999999999999a");
  CHECK(hex("cmsgpack.pack(-1099511627776)") == "d3ffffff0000000000");
  CHECK(hex("cmsgpack.pack({1,2,3})") == "93010203");
  CHECK(hex("cmsgpack.pack({a=1})") == "81a16101");
  CHECK(hex("cmsgpack.pack(true, false, nil)") == "c3c2c0");
  CHECK(hex("cmsgpack.pack(1.5)") == "ca3fc00000");
  RespValue r = Eval(h,
                     "local t = cmsgpack.unpack(cmsgpack.pack({s='x', n=-5, a={1,2}})) "
                     "return {t.s, t.n, #t.a}");
  CHECK(r.elems[0].str == "x");
  CHECK(r.elems[1].integer == -5);
  CHECK(r.elems[2].integer == 2);
  r = Eval(h,
           "local e = cmsgpack.pack('a', 'b') local o1, v1 = cmsgpack.unpack_limit(e, 1, 0) "
           "local o2, v2 = cmsgpack.unpack_limit(e, 1, o1) return {o1, v1, o2, v2}");
  CHECK(r.elems[0].integer == 2);
  CHECK(r.elems[1].str == "a");
  CHECK(r.elems[2].integer == -1);
  CHECK(r.elems[3].str == "b");
  CHECK(Contains(Eval(h, "return cmsgpack.unpack('\\205')").str, "Missing bytes in input."));
  r = Eval(h,
           "local a, b, pos = struct.unpack('>i2I4', struct.pack('>i2I4', -2, 7)) "
           "return {a, b, pos, struct.size('>i2I4')}");
  CHECK(r.elems[0].integer == -2);
  CHECK(r.elems[1].integer == 7);
  CHECK(r.elems[2].integer == 7);
  CHECK(r.elems[3].integer == 6);
  CHECK(Eval(h, "return struct.unpack('s', struct.pack('s', 'hi'))").str == "hi");
}

TEST_CASE("scripting: RESP3 conversions") {
  Harness h;
  h.Run({"HSET", "hash", "field", "value"});
  // A RESP2 script sees the map as a flat array.
  RespValue r = Eval(h, "return redis.call('hgetall', KEYS[1])", {"hash"});
  CHECK(r.type == Type::kArray);
  CHECK(r.elems.size() == 2);
  // RESP3: {map=...} in Lua; back to the RESP2 caller as an array.
  r = Eval(h, "redis.setresp(3) local m = redis.call('hgetall', KEYS[1]) return m.map.field",
           {"hash"});
  CHECK(r.str == "value");
  r = Eval(h, "redis.setresp(3) return redis.call('hgetall', KEYS[1])", {"hash"});
  CHECK(r.type == Type::kArray);
  CHECK(r.elems.size() == 2);
  h.Run({"HELLO", "3"});
  r = Eval(h, "redis.setresp(3) return redis.call('hgetall', KEYS[1])", {"hash"});
  CHECK(r.type == Type::kMap);
  REQUIRE(r.elems.size() == 2);
  CHECK(r.elems[1].str == "value");
  // Booleans follow the script's protocol.
  r = Eval(h, "return true");
  CHECK(r.type == Type::kInteger);
  r = Eval(h, "redis.setresp(3) return true");
  CHECK(r.type == Type::kBool);
  CHECK(Eval(h, "return false").is_null());
  r = Eval(h, "return {double=3.5}");
  CHECK(r.type == Type::kDouble);
  CHECK(r.str == "3.5");
  r = Eval(h, "return {big_number='123\\r\\n4'}");
  CHECK(r.type == Type::kBigNumber);
  CHECK(r.str == "123  4");
  r = Eval(h, "return {verbatim_string={format='txt', string='hi'}}");
  CHECK(r.type == Type::kVerbatim);
  r = Eval(h, "return {set={a=true}}");
  CHECK(r.type == Type::kSet);
  CHECK(r.elems.size() == 1);
  r = Eval(h, "return {map={a=1}}");
  CHECK(r.type == Type::kMap);
  h.Run({"HELLO", "2"});
  r = Eval(h, "return {double=0.1}");
  CHECK(r.type == Type::kBulk);
  CHECK(r.str == "0.10000000000000001");
  r = Eval(h, "return {set={a=true}}");
  CHECK(r.type == Type::kArray);
  // RESP3 nulls become nil, RESP3 doubles {double=...}.
  r = Eval(h, "redis.setresp(3) local v = redis.call('get','nosuch') return v == nil");
  CHECK(r.integer == 1);
}

TEST_CASE("scripting: shebang flags") {
  Harness h;
  RespValue r = Eval(h, "#!lua flags=no-writes\nreturn redis.call('set','x','1')");
  CHECK(Contains(r.str, "Write commands are not allowed from read-only scripts"));
  CHECK(Eval(h, "#!lua flags=no-writes\nreturn redis.call('get','x')").is_null());
  CHECK(Eval(h, "#!lua\nreturn redis.call('set','x','1')").str == "OK");
  r = h.Run({"EVAL_RO", "#!lua\nreturn 1", "0"});
  CHECK(r.str == "ERR Can not execute a script with write flag using *_ro command.");
  CHECK(h.Run({"EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"}).integer == 1);
  CHECK(Eval(h, "#!lua flags=bad\nreturn 1").str == "ERR Unexpected flag in script shebang: bad");
  CHECK(Eval(h, "#!python\nreturn 1").str == "ERR Unexpected engine in script shebang: #!python");
  CHECK(Eval(h, "#!lua foo=bar\nreturn 1").str == "ERR Unknown lua shebang option: foo=bar");
  CHECK(Eval(h, "#!lua").str == "ERR Invalid script shebang");
  // Line numbers are kept: the error is on line 2.
  CHECK(Contains(Eval(h, "#!lua\nreturn nosuch").str, "user_script:2:"));
}

TEST_CASE("scripting: commands see the script's database and fixed time") {
  Harness h("enable-debug-command yes");
  h.Run({"SELECT", "10"});
  h.Run({"SET", "mykey", "this is DB 10"});
  CHECK(Eval(h, "return redis.pcall('get',KEYS[1])", {"mykey"}).str == "this is DB 10");
  Eval(h, "return redis.pcall('select','9')");
  CHECK(h.Run({"GET", "mykey"}).str == "this is DB 10");
  h.Run({"SELECT", "0"});
  CHECK(Contains(Eval(h, "redis.call('DEBUG','SLEEP','0')").str,
                 "This Redis command is not allowed from script"));
  REQUIRE(h.Run({"DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1"}).str == "OK");
  CHECK(Eval(h,
             "redis.call('SET','key','value','PX','1') redis.call('DEBUG','SLEEP','0.01') "
             "return redis.call('EXISTS','key')")
            .integer == 1);
  h.Run({"DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0"});
}

TEST_CASE("scripting: effects are replicated, wrapped in MULTI/EXEC") {
  Harness h;
  h.Run({"CONFIG", "SET", "repl-diskless-sync-delay", "0"});  // the snapshot goes out at once
  ember::Client* replica = h.NewClient();
  REQUIRE(h.server().AttachReplica(*replica, false).ok());
  replica->stream_out.clear();
  Eval(h, "redis.call('set','a','1') redis.call('incr','a')");
  std::string& s = replica->stream_out;
  CHECK(Contains(s, "MULTI"));
  CHECK(Contains(s, "$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n"));
  CHECK(Contains(s, "$4\r\nincr\r\n$1\r\na\r\n"));
  CHECK(Contains(s, "EXEC"));
  CHECK(!Contains(s, "EVAL"));
  s.clear();
  // One write: no transaction. Reads: nothing.
  Eval(h, "redis.call('set','b','1') redis.call('get','b')");
  CHECK(!Contains(s, "MULTI"));
  CHECK(Contains(s, "$3\r\nset\r\n$1\r\nb\r\n"));
  s.clear();
  Eval(h, "return redis.call('get','b')");
  CHECK(s.empty());
  // redis.set_repl(REPL_NONE) keeps a write out of the stream.
  Eval(h,
       "redis.call('set','c','1') redis.set_repl(redis.REPL_NONE) redis.call('set','d','2') "
       "redis.set_repl(redis.REPL_ALL) redis.call('set','e','3')");
  CHECK(Contains(s, "$1\r\nc\r\n"));
  CHECK(!Contains(s, "$1\r\nd\r\n"));
  CHECK(Contains(s, "$1\r\ne\r\n"));
  CHECK(h.Run({"GET", "d"}).str == "2");
  // The command statistics count the script's commands.
  RespValue info = h.Run({"INFO", "commandstats"});
  CHECK(Contains(info.str, "cmdstat_set:"));
}

TEST_CASE("functions: load, call, list, delete") {
  Harness h;
  std::string code =
      Library("mylib", "redis.register_function('f1', function(keys, args) return args[1] end)");
  CHECK(h.Run({"FUNCTION", "LOAD", code}).str == "mylib");
  CHECK(h.Run({"FCALL", "f1", "0", "hi"}).str == "hi");
  CHECK(h.Run({"FCALL", "F1", "0", "hi"}).str == "hi");
  CHECK(h.Run({"FUNCTION", "LOAD", code}).str == "ERR Library 'mylib' already exists");
  CHECK(h.Run({"FUNCTION", "LOAD", "REPLACE", code}).str == "mylib");
  CHECK(h.Run({"FUNCTION", "LOAD", "foo", code}).str == "ERR Unknown option given: foo");
  CHECK(h.Run({"FCALL", "nosuch", "0"}).str == "ERR Function not found");
  CHECK(h.Run({"FCALL", "f1", "x"}).str == "ERR Bad number of keys provided");
  CHECK(h.Run({"FCALL", "f1", "3", "a"}).str ==
        "ERR Number of keys can't be greater than number of args");
  CHECK(h.Run({"FCALL", "f1", "-1"}).str == "ERR Number of keys can't be negative");

  RespValue r = h.Run({"FUNCTION", "LIST"});
  REQUIRE(r.elems.size() == 1);
  const RespValue& lib = r.elems[0];
  CHECK(MapGet(lib, "library_name")->str == "mylib");
  CHECK(MapGet(lib, "engine")->str == "LUA");
  const RespValue* fns = MapGet(lib, "functions");
  REQUIRE(fns->elems.size() == 1);
  CHECK(MapGet(fns->elems[0], "name")->str == "f1");
  CHECK(MapGet(fns->elems[0], "description")->is_null());
  CHECK(MapGet(fns->elems[0], "flags")->elems.empty());
  CHECK(MapGet(lib, "library_code") == nullptr);
  r = h.Run({"FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "my*"});
  REQUIRE(r.elems.size() == 1);
  CHECK(MapGet(r.elems[0], "library_code")->str == code);
  CHECK(h.Run({"FUNCTION", "LIST", "LIBRARYNAME", "x*"}).elems.empty());
  CHECK(h.Run({"FUNCTION", "LIST", "bad"}).str == "ERR Unknown argument bad");
  CHECK(h.Run({"FUNCTION", "LIST", "LIBRARYNAME"}).str ==
        "ERR library name argument was not given");

  r = h.Run({"FUNCTION", "STATS"});
  CHECK(MapGet(r, "running_script")->is_null());
  const RespValue* lua = MapGet(*MapGet(r, "engines"), "LUA");
  CHECK(MapGet(*lua, "libraries_count")->integer == 1);
  CHECK(MapGet(*lua, "functions_count")->integer == 1);

  CHECK(h.Run({"FUNCTION", "DELETE", "nosuch"}).str == "ERR Library not found");
  CHECK(h.Run({"FUNCTION", "DELETE", "mylib"}).str == "OK");
  CHECK(h.Run({"FCALL", "f1", "0"}).str == "ERR Function not found");
  CHECK(h.Run({"FUNCTION", "KILL"}).str == "NOTBUSY No scripts in execution right now.");
  CHECK(h.Run({"FUNCTION", "FLUSH", "bad"}).str ==
        "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
  CHECK(h.Run({"FUNCTION", "FLUSH", "sync", "x"}).str ==
        "ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.");
}

TEST_CASE("functions: library metadata and registration errors") {
  Harness h;
  auto load = [&](const std::string& code) { return h.Run({"FUNCTION", "LOAD", "REPLACE", code}); };
  CHECK(load("return 1").str == "ERR Missing library metadata");
  CHECK(load("#!lua name=x").str == "ERR Invalid library metadata");
  CHECK(load("#!lua\nreturn 1").str == "ERR Library name was not given");
  CHECK(load("#!lua name=a name=b\nreturn 1").str ==
        "ERR Invalid metadata value, name argument was given multiple times");
  CHECK(load("#!lua name=a foo=bar\nreturn 1").str == "ERR Invalid metadata value given: foo=bar");
  CHECK(load("#! name=test\nreturn 1").str == "ERR Engine '' not found");
  CHECK(load("#!bad_engine name=test\nreturn 1").str == "ERR Engine 'bad_engine' not found");
  CHECK(Contains(load("#!lua name=bad-name\nreturn 1").str,
                 "Library names can only contain letters, numbers, or underscores(_)"));
  CHECK(load(Library("t", "return 1")).str == "ERR No functions registered");
  CHECK(Contains(load(Library("t", "bad script")).str, "Error compiling function"));
  CHECK(Contains(load(Library("t", "redis.register_function()")).str,
                 "wrong number of arguments to redis.register_function"));
  CHECK(Contains(load(Library("t", "redis.register_function('f1')")).str,
                 "calling redis.register_function with a single argument is only applicable"));
  CHECK(Contains(load(Library("t", "redis.register_function(nil, function() end)")).str,
                 "first argument to redis.register_function must be a string"));
  CHECK(Contains(load(Library("t", "redis.register_function('f', 'x')")).str,
                 "second argument to redis.register_function must be a function"));
  CHECK(Contains(load(Library("t", "redis.register_function('a-b', function() end)")).str,
                 "Library names can only contain"));
  CHECK(Contains(load(Library("t",
                              "redis.register_function('f', function() end) "
                              "redis.register_function('f', function() end)"))
                     .str,
                 "Function already exists in the library"));
  CHECK(Contains(load(Library("t", "redis.register_function{function_name='f'}")).str,
                 "redis.register_function must get a callback argument"));
  CHECK(Contains(load(Library("t", "redis.register_function{callback=function() end}")).str,
                 "redis.register_function must get a function name argument"));
  CHECK(Contains(load(Library("t",
                              "redis.register_function{function_name='f', "
                              "callback=function() end, flags={'unknown'}}"))
                     .str,
                 "unknown flag given"));
  CHECK(Contains(load(Library("t",
                              "redis.register_function{function_name='f', "
                              "callback=function() end, some_unknown=1}"))
                     .str,
                 "unknown argument given to redis.register_function"));
  // Only the library API is visible while loading.
  CHECK(Contains(load(Library("t", "return math.random()")).str,
                 "attempted to access nonexistent global variable 'math'"));
  CHECK(Contains(load(Library("t", "return redis.call('ping')")).str,
                 "attempted to access nonexistent global variable 'call'"));
  CHECK(Contains(load(Library("t", "a = 1")).str, "Attempt to modify a readonly table"));
  CHECK(Contains(load(Library("t", "local a = 1 while true do a = a + 1 end")).str,
                 "FUNCTION LOAD timeout"));
  // Named arguments with a description and flags.
  CHECK(load(Library("t",
                     "redis.register_function{function_name='f1', callback=function() "
                     "return 'hello' end, description='some desc', flags={'no-writes', "
                     "'allow-oom'}}"))
            .str == "t");
  RespValue r = h.Run({"FUNCTION", "LIST"});
  const RespValue& fn = MapGet(r.elems[0], "functions")->elems[0];
  CHECK(MapGet(fn, "description")->str == "some desc");
  CHECK(MapGet(fn, "flags")->elems.size() == 2);
  // A failed REPLACE keeps the old library.
  CHECK(Contains(load(Library("t", "error('x')")).str, "Error registering functions"));
  CHECK(h.Run({"FCALL", "f1", "0"}).str == "hello");
  // Function names are unique across libraries.
  CHECK(load(Library("t2", "redis.register_function('F1', function() end)")).str ==
        "ERR Function F1 already exists");
}

TEST_CASE("functions: runtime environment and flags") {
  Harness h;
  auto load = [&](const std::string& code) { return h.Run({"FUNCTION", "LOAD", "REPLACE", code}); };
  load(Library("lib1",
               "local function ping() return redis.call('ping') end\n"
               "redis.register_function('f1', function(keys, args) return ping() end)\n"
               "redis.register_function('set', function(keys, args) "
               "return redis.call('set', keys[1], args[1]) end)\n"
               "redis.register_function{function_name='ro', callback=function(keys) "
               "return redis.call('set', keys[1], 'x') end, flags={'no-writes'}}\n"
               "redis.register_function('reg', function() "
               "redis.register_function('g', function() end) end)\n"
               "redis.register_function('glob', function() mt = 1 end)\n"));
  CHECK(h.Run({"FCALL", "f1", "0"}).str == "PONG");
  CHECK(h.Run({"FCALL", "set", "1", "k", "v"}).str == "OK");
  CHECK(h.Run({"GET", "k"}).str == "v");
  CHECK(Contains(h.Run({"FCALL", "ro", "1", "k"}).str,
                 "Write commands are not allowed from read-only scripts"));
  CHECK(h.Run({"FCALL_RO", "set", "1", "k", "v"}).str ==
        "ERR Can not execute a script with write flag using *_ro command.");
  CHECK(Contains(h.Run({"FCALL", "reg", "0"}).str,
                 "attempt to call field 'register_function' (a nil value)"));
  CHECK(Contains(h.Run({"FCALL", "glob", "0"}).str, "Attempt to modify a readonly table"));
  RespValue r = h.Run({"FCALL", "nosuch", "0"});
  CHECK(r.str == "ERR Function not found");
}

TEST_CASE("functions: dump and restore") {
  Harness h;
  std::string code =
      Library("test", "redis.register_function('test', function() return 'hello' end)");
  REQUIRE(h.Run({"FUNCTION", "LOAD", code}).str == "test");
  std::string payload = h.Run({"FUNCTION", "DUMP"}).str;
  CHECK(h.Run({"FUNCTION", "DELETE", "test"}).str == "OK");
  CHECK(h.Run({"FUNCTION", "RESTORE", payload}).str == "OK");
  CHECK(h.Run({"FCALL", "test", "0"}).str == "hello");
  CHECK(Contains(h.Run({"FUNCTION", "RESTORE", payload}).str, "Library test already exists"));
  CHECK(h.Run({"FUNCTION", "RESTORE", payload, "REPLACE"}).str == "OK");
  CHECK(h.Run({"FUNCTION", "RESTORE", payload, "FLUSH"}).str == "OK");
  CHECK(h.Run({"FUNCTION", "RESTORE", payload, "bad"}).str ==
        "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
  CHECK(h.Run({"FUNCTION", "RESTORE", "bad_payload"}).str ==
        "ERR DUMP payload version or checksum are wrong");
  CHECK(h.Run({"FUNCTION", "RESTORE", "a", "b", "c"}).str ==
        "ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP.");
  CHECK(h.Run({"FUNCTION", "FLUSH"}).str == "OK");
  CHECK(h.Run({"FUNCTION", "LIST"}).elems.empty());
  CHECK(h.Run({"FUNCTION", "RESTORE", payload}).str == "OK");
  CHECK(h.Run({"FCALL", "test", "0"}).str == "hello");
  // A collision of function names fails the whole restore.
  h.Run({"FUNCTION", "FLUSH"});
  h.Run({"FUNCTION", "LOAD",
         Library("other", "redis.register_function('test', function() return 1 end)")});
  CHECK(h.Run({"FUNCTION", "RESTORE", payload}).str == "ERR Function test already exists");
  CHECK(h.Run({"FCALL", "test", "0"}).integer == 1);
  CHECK(h.Run({"FUNCTION", "HELP"}).elems.size() > 10);
}

TEST_CASE("scripting: a stale replica runs allow-stale functions, not their stale commands") {
  Harness h;
  REQUIRE(h.Run({"FUNCTION", "LOAD",
                 "#!lua name=stale\n"
                 "redis.register_function{function_name='plain', callback=function() return 1 "
                 "end, flags={'no-writes'}}\n"
                 "redis.register_function{function_name='ok', callback=function() return 2 end, "
                 "flags={'allow-stale', 'no-writes'}}\n"
                 "redis.register_function{function_name='get', callback=function() return "
                 "redis.call('get', 'x') end, flags={'allow-stale', 'no-writes'}}"})
              .str == "stale");
  h.Run({"CONFIG", "SET", "replica-serve-stale-data", "no"});
  h.Run({"REPLICAOF", "127.0.0.1", "1"});  // nobody there: the link stays down
  RespValue r = h.Run({"FCALL", "plain", "0"});
  CHECK(r.is_error());
  CHECK(r.str.rfind("MASTERDOWN", 0) == 0);
  CHECK(h.Run({"FCALL", "ok", "0"}).integer == 2);
  r = h.Run({"FCALL", "get", "0"});
  CHECK(r.is_error());
  CHECK(r.str.find("Can not execute the command on a stale replica") != std::string::npos);
  h.Run({"REPLICAOF", "NO", "ONE"});
  CHECK(h.Run({"FCALL", "get", "0"}).is_null());
}
