// Loads tests/data/redis-7.0.15-types.rdb, written by a real Redis 7.0.15 (see the .txt file
// beside it), and checks every value; then writes it back and checks Ember's bytes load the
// same way.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/unit/persist/rdb_test_util.h"

namespace {

using namespace ember;
using ember::test::Collected;

std::string DataDir() {
  std::string here = __FILE__;  // .../tests/unit/persist/redis_rdb_test.cc
  return here.substr(0, here.rfind("/unit/")) + "/data/";
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string Join(const std::string& prefix, int from, int to, const std::string& suffix = "") {
  std::string out;
  for (int i = from; i <= to; i++) {
    if (i > from) out += ",";
    out += prefix + std::to_string(i) + suffix;
  }
  return out;
}

std::string Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  std::string out;
  for (size_t i = 0; i < v.size(); i++) out += (i ? "," : "") + v[i];
  return out;
}

void CheckRedisDataset(const Collected& c, bool from_redis) {
  auto desc = [&](uint64_t db, const char* key) -> std::string {
    const auto* k = c.Find(db, key);
    return k ? k->desc : std::string("<missing>");
  };
  CHECK(desc(0, "str_raw") == "string:raw:" + std::string(100, 'a'));
  CHECK(desc(0, "str_embstr") == "string:embstr:hello");
  CHECK(desc(0, "str_int") == "string:int:12345");
  CHECK(desc(0, "str_neg") == "string:int:-1");
  CHECK(desc(0, "str_bigint") == "string:int:9223372036854775807");
  CHECK(desc(0, "str_float") == "string:embstr:3.14159");
  CHECK(desc(0, "str_binary") == "string:embstr:" + std::string("bin\0ary\xff\x01", 9));
  CHECK(desc(0, "str_empty") == "string:embstr:");
  CHECK(desc(0, "list_lp") == "list:quicklist:a,b,c,1,2,3,-100,1234567890123");
  CHECK(desc(0, "list_ql") == "list:quicklist:" + Join("element-", 0, 999));
  CHECK(desc(0, "list_plain") == "list:quicklist:small," + std::string(200, 'P') + ",small2");
  CHECK(desc(0, "list_compressed") ==
        "list:quicklist:" + Join("compressible-element-number-", 0, 1999));
  CHECK(desc(0, "set_intset") == "set:intset:-5,1,100000,2,3,4294967296");
  CHECK(desc(0, "set_ht") == "set:hashtable:1,a,b,c");
  std::vector<std::string> ints;
  for (int i = 0; i < 600; i++) ints.push_back(std::to_string(i));
  CHECK(desc(0, "set_big_intset") == "set:hashtable:" + Sorted(ints));
  CHECK(desc(0, "zset_lp") == "zset:listpack:a=1,b=2.5,c=-3,d=10000000000");
  std::vector<std::string> zs;
  for (int i = 0; i < 200; i++)
    zs.push_back("member-" + std::to_string(i) + "=" + std::to_string(i) + ".5");
  CHECK(desc(0, "zset_sl") == "zset:skiplist:" + Sorted(zs));
  CHECK(desc(0, "zset_long_member") == "zset:skiplist:" + std::string(80, 'm') + "=1,short=2");
  CHECK(desc(0, "zset_inf") == "zset:listpack:minus=-inf,plus=inf,zero=0");
  CHECK(desc(0, "hash_lp") == "hash:listpack:f1=v1,f2=2,f3=-3");
  std::vector<std::string> hf;
  for (int i = 0; i < 600; i++) {
    hf.push_back("field-" + std::to_string(i) + "=value-" + std::to_string(i));
  }
  CHECK(desc(0, "hash_ht") == "hash:hashtable:" + Sorted(hf));
  CHECK(desc(0, "hash_long_value") == "hash:hashtable:f=" + std::string(100, 'v') + ",g=short");
  CHECK(desc(0, "str_ttl") == "string:embstr:ttlvalue");
  CHECK(c.Find(0, "str_ttl")->expire == 4102444800000);
  CHECK(desc(0, "hash_ttl") == "hash:listpack:a=1");
  CHECK(c.Find(0, "hash_ttl")->expire == 4102444800000);
  // The reader hands over already expired keys; the server drops them.
  REQUIRE(c.Find(0, "str_expired"));
  CHECK(c.Find(0, "str_expired")->expire < 4102444800000);
  CHECK(desc(1, "db1key") == "string:embstr:one");
  CHECK(desc(1, "db1list") == "list:quicklist:x,y,z");
  CHECK(desc(5, "db5set") == "set:hashtable:m1,m2");
  CHECK(c.keys.size() == 28);
  REQUIRE(c.functions.size() == 1);
  CHECK(c.functions[0] ==
        "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return 1 end)");
  if (from_redis) {
    CHECK(c.aux.at("redis-ver") == "7.0.15");
    CHECK(c.aux.at("redis-bits") == "64");
    CHECK(c.aux.at("aof-base") == "0");
  }
}

TEST_CASE("rdb: a dump written by Redis 7.0.15 loads with every value") {
  std::string file = ReadFile(DataDir() + "redis-7.0.15-types.rdb");
  REQUIRE(file.size() > 1000);
  Collected c;
  for (bool deep : {false, true}) {
    RdbLoadConfig cfg;
    cfg.deep_sanitize = deep;
    Collected each;
    Status st = test::LoadAll(file, &each, cfg);
    REQUIRE_MESSAGE(st.ok(), st.message());
    CheckRedisDataset(each, true);
  }
}

// Re-serializes what was loaded from Redis's file (keeping the loaded encodings) and loads
// Ember's bytes back: the same dataset.
struct Keeper : RdbVisitor {
  std::vector<std::pair<uint64_t, Entry*>> entries;
  std::vector<int64_t> expires;
  std::vector<std::string> functions;
  ~Keeper() override {
    for (auto& [db, e] : entries) FreeRdbEntry(e);
  }
  Status Function(std::string code) override {
    functions.push_back(std::move(code));
    return Status::OK();
  }
  Status Key(uint64_t db, Entry* e, int64_t expire, int64_t, int) override {
    entries.emplace_back(db, e);
    expires.push_back(expire);
    return Status::OK();
  }
};

TEST_CASE("rdb: Ember writes back what it loaded from Redis") {
  std::string file = ReadFile(DataDir() + "redis-7.0.15-types.rdb");
  Keeper k;
  RdbLoadConfig cfg;
  cfg.list_compress_depth = 1;  // as the file was written: inner nodes stay LZF blobs
  {
    RdbReader r(file);
    r.set_config(cfg);
    REQUIRE(r.Load(&k).ok());
  }
  RdbWriter w;
  w.Header();
  w.Aux("redis-ver", "7.0.15");
  for (const auto& f : k.functions) w.Function(f);
  uint64_t current = UINT64_MAX;
  for (size_t i = 0; i < k.entries.size(); i++) {
    if (k.entries[i].first != current) {
      current = k.entries[i].first;
      w.SelectDb(current);
    }
    if (k.expires[i] >= 0) w.ExpireMs(k.expires[i]);
    REQUIRE(w.KeyValue(k.entries[i].second));
  }
  w.Eof();
  Collected c;
  Status st = test::LoadAll(w.data(), &c);
  REQUIRE_MESSAGE(st.ok(), st.message());
  CheckRedisDataset(c, false);
  // Same value encodings as Redis chose: the list with compressed nodes keeps its size.
  CHECK(w.data().size() < file.size() + 1024);
}

}  // namespace
