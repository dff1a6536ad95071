// RDB writer and reader: primitives, every type and encoding both ways, encoding choice on
// load, old encodings, opcodes, and corrupted input (errors, never crashes).
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/storage/stream.h"
#include "common/util/hash.h"
#include "proto/rdb.h"
#include "tests/unit/persist/rdb_test_util.h"

namespace {

using namespace ember;
using ember::test::Collected;
using ember::test::Describe;

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(char(x));
  return s;
}

// ---- Primitives ---------------------------------------------------------------------------

TEST_CASE("rdb: length encodings round trip") {
  for (uint64_t len :
       {0ull, 1ull, 63ull, 64ull, 16383ull, 16384ull, 4294967295ull, 4294967296ull, 1ull << 62}) {
    RdbWriter w;
    w.Length(len);
    RdbReader r(w.data());
    uint64_t got = 0;
    REQUIRE(r.ReadLength(&got).ok());
    CHECK(got == len);
    CHECK(r.remaining() == 0);
  }
  RdbWriter w;
  w.Length(300);
  CHECK(w.data() == Bytes({0x41, 0x2c}));
  RdbWriter w2;
  w2.Length(70000);
  CHECK(w2.data() == Bytes({0x80, 0x00, 0x01, 0x11, 0x70}));
}

TEST_CASE("rdb: strings use int and LZF encodings as Redis") {
  struct Case {
    std::string in;
    int first_byte;  // -1: not checked
  };
  std::string longa(100, 'a');
  std::mt19937 rng(7);
  std::string noise(100, '\0');
  for (char& ch : noise) ch = char(rng());
  std::vector<Case> cases = {{"", 0},
                             {"abc", 3},
                             {"-1", 0xc0},
                             {"12345", 0xc1},
                             {"2147483647", 0xc2},
                             {"-2147483648", 0xc2},
                             {"2147483648", 10},
                             {"007", 3},
                             {"+1", 2},
                             {longa, 0xc3},
                             {noise, 0x40}};
  for (const auto& c : cases) {
    RdbWriter w;
    w.String(c.in);
    if (c.first_byte >= 0) CHECK(uint8_t(w.data()[0]) == c.first_byte);
    RdbReader r(w.data());
    std::string out;
    REQUIRE(r.ReadString(&out).ok());
    CHECK(out == c.in);
  }
  // Exact bytes of the int encodings (little endian payloads).
  RdbWriter w;
  w.String("12345");
  CHECK(w.data() == Bytes({0xc1, 0x39, 0x30}));
  // Without compression a long string is stored as is.
  RdbWriter plain(false);
  plain.String(longa);
  CHECK(plain.data().size() == 2 + 100);
}

TEST_CASE("rdb: doubles, binary and the old string form") {
  for (double d : {0.0, -1.5, 3.141592653589793, 1e300, -HUGE_VAL, HUGE_VAL}) {
    RdbWriter w;
    w.BinaryDouble(d);
    REQUIRE(w.data().size() == 8);
    RdbReader r(w.data());
    double got;
    REQUIRE(r.ReadBinaryDouble(&got).ok());
    CHECK(got == d);
  }
  std::string old = Bytes({255, 254, 253, 3}) + "2.5";
  RdbReader r(old);
  double d;
  REQUIRE(r.ReadStringDouble(&d).ok());
  CHECK(d == -HUGE_VAL);
  REQUIRE(r.ReadStringDouble(&d).ok());
  CHECK(d == HUGE_VAL);
  REQUIRE(r.ReadStringDouble(&d).ok());
  CHECK(std::isnan(d));
  REQUIRE(r.ReadStringDouble(&d).ok());
  CHECK(d == 2.5);
  std::string bad = Bytes({3}) + "abc";
  RdbReader rb(bad);
  CHECK_FALSE(rb.ReadStringDouble(&d).ok());
}

TEST_CASE("rdb: lengths and strings past the end are errors") {
  uint64_t len;
  CHECK_FALSE(RdbReader(Bytes({0x80, 0, 0})).ReadLength(&len).ok());
  CHECK_FALSE(RdbReader(Bytes({0x82})).ReadLength(&len).ok());  // unknown length encoding
  std::string s;
  CHECK_FALSE(RdbReader(Bytes({0x05, 'a', 'b'})).ReadString(&s).ok());
  // A string claiming 4 GB in a tiny input fails without allocating it.
  CHECK_FALSE(RdbReader(Bytes({0x80, 0xff, 0xff, 0xff, 0xff, 'a'})).ReadString(&s).ok());
  // LZF claiming a raw size far beyond what its data can expand to.
  CHECK_FALSE(
      RdbReader(Bytes({0xc3, 0x02, 0x80, 0x10, 0x00, 0x00, 0x00, 0x01, 'a'})).ReadString(&s).ok());
  // LZF whose data does not expand to the announced size.
  CHECK_FALSE(RdbReader(Bytes({0xc3, 0x02, 0x05, 0x00, 'a'})).ReadString(&s).ok());
  CHECK_FALSE(RdbReader(Bytes({0xc4})).ReadString(&s).ok());  // unknown string encoding
}

// ---- Whole files --------------------------------------------------------------------------

struct Dataset {
  std::vector<Entry*> entries;
  std::vector<std::string> descs;
  ~Dataset() {
    for (Entry* e : entries) FreeRdbEntry(e);
  }
  void Add(Entry* e) {
    entries.push_back(e);
    descs.push_back(Describe(e));
  }
};

std::vector<std::string> Numbered(const std::string& prefix, int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; i++) v.push_back(prefix + std::to_string(i));
  return v;
}

void BuildAllTypes(Dataset* d) {
  d->Add(Entry::NewString("s_int", "12345"));
  d->Add(Entry::NewString("s_big", "9223372036854775807"));
  d->Add(Entry::NewString("s_emb", "hello"));
  d->Add(Entry::NewString("s_raw", std::string(300, 'x')));
  d->Add(Entry::NewString("s_bin", std::string("a\0b\xff", 4)));
  d->Add(test::MakeList("l_small", {"a", "1", "-7", "bb"}));
  d->Add(test::MakeList("l_big", Numbered("element-", 3000)));
  d->Add(test::MakeList("l_compressed", Numbered("compress-me-please-", 3000), -2, 1));
  d->Add(test::MakeList("l_fill5", Numbered("", 23), 5));
  Quicklist::SetPackedThreshold(100);
  d->Add(test::MakeList("l_plain", {"x", std::string(150, 'P'), "y", std::string(200, 'Q')}));
  Quicklist::SetPackedThreshold(0);
  d->Add(test::MakeIntset("set_i16", {1, 2, 3, -5}));
  d->Add(test::MakeIntset("set_i32", {1, 100000, -100000}));
  d->Add(test::MakeIntset("set_i64", {1, 1ll << 40, -(1ll << 50)}));
  d->Add(test::MakeSetTable("set_ht", {"a", "b", "c", "12"}));
  d->Add(test::MakeSetTable("set_big", Numbered("m", 700)));
  d->Add(
      test::MakeZset("z_lp", {{1, "a"}, {2.5, "b"}, {-3, "c"}, {1e10, "d"}}, Encoding::kListpack));
  std::vector<std::pair<double, std::string>> many;
  for (int i = 0; i < 300; i++) many.emplace_back(i * 1.25, "member-" + std::to_string(i));
  d->Add(test::MakeZset("z_sl", many, Encoding::kSkiplist));
  d->Add(test::MakeZset("z_inf", {{HUGE_VAL, "p"}, {-HUGE_VAL, "m"}}, Encoding::kListpack));
  d->Add(test::MakeHash("h_lp", {{"f1", "v1"}, {"f2", "2"}, {"f3", "-3"}}, Encoding::kListpack));
  std::vector<std::pair<std::string, std::string>> fields;
  for (int i = 0; i < 700; i++)
    fields.emplace_back("f" + std::to_string(i), "v" + std::to_string(i));
  d->Add(test::MakeHash("h_ht", fields, Encoding::kHashtable));
}

std::string WriteFile(Dataset& d, bool compress = true, bool checksum = true) {
  RdbWriter w(compress);
  w.set_checksum(checksum);
  w.Header();
  w.Aux("redis-ver", "7.0.15");
  w.AuxInt("redis-bits", 64);
  w.Function("#!lua name=lib\nredis.register_function('f', function() return 1 end)");
  w.SelectDb(0);
  w.ResizeDb(d.entries.size(), 1);
  for (size_t i = 0; i < d.entries.size(); i++) {
    if (i == 0) w.ExpireMs(4102444800000);
    if (i == 1) w.Idle(77);
    if (i == 2) w.Freq(42);
    REQUIRE(w.KeyValue(d.entries[i]));
  }
  w.SelectDb(3);
  Entry* other = Entry::NewString("in_db3", "v");
  REQUIRE(w.KeyValue(other));
  FreeRdbEntry(other);
  w.Eof();
  return w.data();
}

TEST_CASE("rdb: every type and encoding round trips with its encoding") {
  Dataset d;
  BuildAllTypes(&d);
  for (bool compress : {true, false}) {
    std::string file = WriteFile(d, compress);
    CHECK(file.substr(0, 9) == "REDIS0010");
    Collected c;
    RdbLoadConfig cfg;
    cfg.list_compress_depth = 1;
    REQUIRE(test::LoadAll(file, &c, cfg).ok());
    CHECK(c.aux["redis-ver"] == "7.0.15");
    CHECK(c.aux["redis-bits"] == "64");
    REQUIRE(c.functions.size() == 1);
    CHECK(c.functions[0].rfind("#!lua name=lib", 0) == 0);
    REQUIRE(c.keys.size() == d.entries.size() + 1);
    for (size_t i = 0; i < d.entries.size(); i++) {
      const auto* k = c.Find(0, d.entries[i]->key());
      REQUIRE_MESSAGE(k, d.entries[i]->key());
      CHECK_MESSAGE(k->desc == d.descs[i], d.entries[i]->key());
    }
    CHECK(c.keys[0].expire == 4102444800000);
    CHECK(c.keys[1].expire == -1);
    CHECK(c.keys[1].idle == 77);
    CHECK(c.keys[2].freq == 42);
    CHECK(c.keys[3].freq == -1);
    REQUIRE(c.Find(3, "in_db3"));
    CHECK(c.Find(3, "in_db3")->desc == "string:embstr:v");
  }
}

TEST_CASE("rdb: list nodes keep their containers, plain and compressed") {
  Quicklist::SetPackedThreshold(100);
  Entry* e = test::MakeList("l", {"x", std::string(150, 'P'), "y"}, -2, 0);
  Quicklist::SetPackedThreshold(0);
  RdbWriter w;
  REQUIRE(w.TypeAndValue(e));
  const std::string& b = w.data();
  CHECK(uint8_t(b[0]) == proto::rdb::kTypeListQuicklist2);
  CHECK(uint8_t(b[1]) == 3);  // three nodes
  CHECK(uint8_t(b[2]) == proto::rdb::kQuicklistNodePacked);
  RdbReader r(b);
  uint8_t type;
  Entry* back = nullptr;
  REQUIRE(r.ReadObjectType(&type).ok());
  REQUIRE(r.ReadObject(type, "l", &back).ok());
  auto* ql = static_cast<Quicklist*>(back->v.ptr);
  REQUIRE(ql->NodeCount() == 3);
  CHECK(ql->head()->next->plain);
  CHECK(Describe(back) == Describe(e));
  FreeRdbEntry(back);
  FreeRdbEntry(e);

  // Compressed inner nodes are written as the LZF blob they hold.
  Entry* big = test::MakeList("c", Numbered("compress-me-please-", 3000), -2, 1);
  auto* bql = static_cast<Quicklist*>(big->v.ptr);
  REQUIRE(bql->NodeCount() > 2);
  REQUIRE(bql->head()->next->compressed);
  RdbWriter wc;
  REQUIRE(wc.TypeAndValue(big));
  RdbWriter wplain;  // same list uncompressed in memory: the RDB is identical
  Entry* flat = test::MakeList("c", Numbered("compress-me-please-", 3000), -2, 0);
  REQUIRE(wplain.TypeAndValue(flat));
  CHECK(wc.data().size() < 3000 * 10);
  RdbReader rc(wc.data());
  Entry* loaded = nullptr;
  REQUIRE(rc.ReadObjectType(&type).ok());
  REQUIRE(rc.ReadObject(type, "c", &loaded).ok());
  CHECK(Describe(loaded) == Describe(big));
  FreeRdbEntry(loaded);
  FreeRdbEntry(flat);
  FreeRdbEntry(big);
}

TEST_CASE("rdb: loading picks encodings like Redis") {
  Dataset d;
  d.Add(test::MakeHash("h", {{"a", "1"}, {"b", "2"}, {"c", "3"}}, Encoding::kListpack));
  d.Add(test::MakeHash("h_small_ht", {{"a", "1"}}, Encoding::kHashtable));
  d.Add(test::MakeHash("h_long", {{"a", std::string(100, 'v')}}, Encoding::kHashtable));
  d.Add(test::MakeZset("z_small_sl", {{1, "a"}, {2, "b"}}, Encoding::kSkiplist));
  d.Add(test::MakeZset("z_lp", {{1, "a"}, {2, "b"}, {3, "c"}}, Encoding::kListpack));
  d.Add(test::MakeIntset("is", {1, 2, 3}));
  d.Add(test::MakeSetTable("st_ints", {"1", "2"}));
  d.Add(test::MakeSetTable("st_mixed", {"1", "x"}));
  std::string file = WriteFile(d);

  Collected defaults;
  REQUIRE(test::LoadAll(file, &defaults).ok());
  CHECK(defaults.Find(0, "h")->desc.rfind("hash:listpack:", 0) == 0);
  // A plain HASH small enough becomes a listpack; one with a long value stays a table.
  CHECK(defaults.Find(0, "h_small_ht")->desc == "hash:listpack:a=1");
  CHECK(defaults.Find(0, "h_long")->desc.rfind("hash:hashtable:", 0) == 0);
  // ZSET_2 values that fit the listpack limits are converted after loading.
  CHECK(defaults.Find(0, "z_small_sl")->desc == "zset:listpack:a=1,b=2");
  CHECK(defaults.Find(0, "st_ints")->desc == "set:intset:1,2");
  CHECK(defaults.Find(0, "st_mixed")->desc == "set:hashtable:1,x");

  RdbLoadConfig small;
  small.hash_max_listpack_entries = 2;
  small.zset_max_listpack_entries = 2;
  small.set_max_intset_entries = 2;
  Collected c;
  REQUIRE(test::LoadAll(file, &c, small).ok());
  CHECK(c.Find(0, "h")->desc == "hash:hashtable:a=1,b=2,c=3");
  CHECK(c.Find(0, "z_lp")->desc == "zset:skiplist:a=1,b=2,c=3");
  CHECK(c.Find(0, "z_small_sl")->desc == "zset:listpack:a=1,b=2");
  CHECK(c.Find(0, "is")->desc == "set:hashtable:1,2,3");
  CHECK(c.Find(0, "st_ints")->desc == "set:intset:1,2");
}

TEST_CASE("rdb: checksum is verified, and skipped when zero or disabled") {
  Dataset d;
  d.Add(Entry::NewString("k", "value-value"));
  std::string file = WriteFile(d);
  Collected ok;
  REQUIRE(test::LoadAll(file, &ok).ok());
  // The trailer is CRC64 of everything before it.
  uint64_t crc = Crc64(0, file.data(), file.size() - 8);
  uint64_t stored;
  memcpy(&stored, file.data() + file.size() - 8, 8);
  CHECK(stored == crc);

  std::string bad = file;
  bad[bad.size() - 3] ^= 0x40;
  Collected c1;
  Status st = test::LoadAll(bad, &c1);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().find("CRC error") != std::string::npos);
  RdbLoadConfig nocheck;
  nocheck.verify_checksum = false;
  Collected c2;
  CHECK(test::LoadAll(bad, &c2, nocheck).ok());

  std::string zero = WriteFile(d, true, false);
  CHECK(zero.substr(zero.size() - 8) == std::string(8, '\0'));
  Collected c3;
  CHECK(test::LoadAll(zero, &c3).ok());
}

TEST_CASE("rdb: streaming writer drains to a sink with the same bytes and CRC") {
  Dataset d;
  BuildAllTypes(&d);
  std::string whole = WriteFile(d);
  std::string drained;
  RdbWriter w;
  w.SetSink(
      [](void* ctx, std::string_view b) {
        static_cast<std::string*>(ctx)->append(b);
        return true;
      },
      &drained);
  w.Header();
  w.Aux("redis-ver", "7.0.15");
  w.AuxInt("redis-bits", 64);
  w.Function("#!lua name=lib\nredis.register_function('f', function() return 1 end)");
  w.SelectDb(0);
  w.ResizeDb(d.entries.size(), 1);
  for (size_t i = 0; i < d.entries.size(); i++) {
    if (i == 0) w.ExpireMs(4102444800000);
    if (i == 1) w.Idle(77);
    if (i == 2) w.Freq(42);
    REQUIRE(w.KeyValue(d.entries[i]));
    REQUIRE(w.MaybeFlush(16));
  }
  w.SelectDb(3);
  Entry* other = Entry::NewString("in_db3", "v");
  REQUIRE(w.KeyValue(other));
  FreeRdbEntry(other);
  w.Eof();
  REQUIRE(w.Flush());
  CHECK(drained == whole);
}

TEST_CASE("rdb: file descriptor input reads the same as memory") {
  Dataset d;
  BuildAllTypes(&d);
  std::string file = WriteFile(d);
  char path[] = "/tmp/ember-rdb-test-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, file.data(), file.size()) == ssize_t(file.size()));
  lseek(fd, 0, SEEK_SET);
  RdbReader r(fd, file.size());
  RdbLoadConfig cfg;
  cfg.list_compress_depth = 1;
  r.set_config(cfg);
  Collected c;
  Status st = r.Load(&c);
  close(fd);
  unlink(path);
  REQUIRE_MESSAGE(st.ok(), st.message());
  CHECK(c.keys.size() == d.entries.size() + 1);
  // Truncated file: an error, not a hang.
  char path2[] = "/tmp/ember-rdb-test-XXXXXX";
  fd = mkstemp(path2);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, file.data(), file.size() / 2) == ssize_t(file.size() / 2));
  lseek(fd, 0, SEEK_SET);
  RdbReader r2(fd, file.size() / 2);
  Collected c2;
  CHECK_FALSE(r2.Load(&c2).ok());
  close(fd);
  unlink(path2);
}

// ---- Opcodes and foreign values -------------------------------------------------------------

TEST_CASE("rdb: header, version and opcodes") {
  Collected c;
  CHECK_FALSE(test::LoadAll("REDIX0010" + Bytes({255}), &c).ok());
  CHECK_FALSE(test::LoadAll("REDIS0011" + Bytes({255}), &c).ok());
  CHECK_FALSE(test::LoadAll("REDIS0000" + Bytes({255}), &c).ok());
  // Version 4 files have no checksum.
  CHECK(test::LoadAll("REDIS0004" + Bytes({255}), &c).ok());
  // Seconds expire (old opcode), then a key.
  std::string f = "REDIS0004" + Bytes({253, 0x10, 0x27, 0, 0, 0, 1, 'k', 1, 'v', 255});
  Collected c2;
  REQUIRE(test::LoadAll(f, &c2).ok());
  REQUIRE(c2.keys.size() == 1);
  CHECK(c2.keys[0].expire == 10000 * 1000);
  // Module values and module aux data are refused with the module's name.
  RdbWriter w;
  w.Header();
  w.Byte(proto::rdb::kTypeModule2);
  w.String("mk");
  w.Length((uint64_t(0) << 10) | 5);
  w.Eof();
  Collected c3;
  Status st = test::LoadAll(w.data(), &c3);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().find("no matching module type 'AAAAAAAAA'") != std::string::npos);
  RdbWriter wa;
  wa.Header();
  wa.Byte(proto::rdb::kOpModuleAux);
  wa.Length(1 << 10);
  wa.Length(2);
  wa.Length(2);
  wa.Eof();
  CHECK_FALSE(test::LoadAll(wa.data(), &c3).ok());
  // Unknown type byte 8.
  RdbWriter wu;
  wu.Header();
  wu.Byte(8);
  wu.String("s");
  wu.Eof();
  CHECK_FALSE(test::LoadAll(wu.data(), &c3).ok());
}

TEST_CASE("rdb: empty values are skipped as Redis does") {
  RdbWriter w;
  w.Header();
  w.Byte(proto::rdb::kTypeSet);
  w.String("empty_set");
  w.Length(0);
  w.Byte(proto::rdb::kTypeString);
  w.String("k");
  w.String("v");
  w.Eof();
  Collected c;
  REQUIRE(test::LoadAll(w.data(), &c).ok());
  CHECK(c.empty == std::vector<std::string>{"empty_set"});
  CHECK(c.keys.size() == 1);
}

TEST_CASE("rdb: duplicates inside values are corruption") {
  RdbWriter w;
  w.Header();
  w.Byte(proto::rdb::kTypeSet);
  w.String("s");
  w.Length(2);
  w.String("a");
  w.String("a");
  w.Eof();
  Collected c;
  CHECK_FALSE(test::LoadAll(w.data(), &c).ok());
  RdbWriter wz;
  wz.Header();
  wz.Byte(proto::rdb::kTypeZset2);
  wz.String("z");
  wz.Length(1);
  wz.String("a");
  wz.BinaryDouble(NAN);
  wz.Eof();
  Status st = test::LoadAll(wz.data(), &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().find("NAN") != std::string::npos);
  RdbWriter wh;
  wh.Header();
  wh.Byte(proto::rdb::kTypeHash);
  wh.String("h");
  wh.Length(2);
  for (int i = 0; i < 2; i++) {
    wh.String("f");
    wh.String("v");
  }
  wh.Eof();
  CHECK_FALSE(test::LoadAll(wh.data(), &c).ok());
}

TEST_CASE("rdb: streams round trip with their consumer groups") {
  auto* s = new Stream();
  Stream::NodeLimits limits;
  limits.max_entries = 3;
  for (int i = 0; i < 10; i++) {
    std::string v = std::to_string(i);
    std::vector<std::string_view> fv = {"field", v, "other", "x"};
    StreamID id{1000 + uint64_t(i), 0}, added;
    REQUIRE(s->Append(fv, &id, true, 0, limits, &added) == Stream::AppendResult::kOk);
  }
  REQUIRE(s->DeleteEntry(StreamID{1003, 0}));
  s->length = 9;
  s->max_deleted_entry_id = StreamID{1003, 0};
  StreamCG* cg = s->CreateGroup("group", StreamID{1005, 0}, 5);
  StreamConsumer* alice = cg->CreateConsumer("alice", 12345);
  cg->CreateConsumer("bob", 777);
  for (uint64_t ms : {1001, 1002}) {
    auto* nack = new StreamNack;
    nack->delivery_time = 5000 + int64_t(ms);
    nack->delivery_count = ms - 999;
    nack->consumer = alice;
    cg->pel.emplace(StreamID{ms, 0}, nack);
    alice->pel.emplace(StreamID{ms, 0}, nack);
  }
  s->CreateGroup("empty", StreamID{}, StreamCG::kInvalidEntriesRead);
  Entry* e = Entry::NewObject("st", ObjType::kStream, Encoding::kStream, s);
  RdbWriter w;
  REQUIRE(w.TypeAndValue(e));
  CHECK(uint8_t(w.data()[0]) == proto::rdb::kTypeStreamListpacks2);
  RdbReader r(w.data());
  RdbLoadConfig deep;
  deep.deep_sanitize = true;
  r.set_config(deep);
  uint8_t type;
  Entry* back = nullptr;
  REQUIRE(r.ReadObjectType(&type).ok());
  Status st = r.ReadObject(type, "st", &back);
  REQUIRE_MESSAGE(st.ok(), st.message());
  CHECK(r.remaining() == 0);
  auto* b = static_cast<Stream*>(back->v.ptr);
  CHECK(b->length == 9);
  CHECK(b->nodes().size() == s->nodes().size());
  CHECK(b->last_id == StreamID{1009, 0});
  CHECK(b->first_id == s->first_id);
  CHECK(b->max_deleted_entry_id == StreamID{1003, 0});
  CHECK(b->entries_added == s->entries_added);
  REQUIRE(b->groups().size() == 2);
  StreamCG* bg = b->FindGroup("group");
  REQUIRE(bg);
  CHECK(bg->last_id == StreamID{1005, 0});
  CHECK(bg->entries_read == 5);
  CHECK(b->FindGroup("empty")->entries_read == StreamCG::kInvalidEntriesRead);
  REQUIRE(bg->pel.size() == 2);
  StreamConsumer* ba = bg->FindConsumer("alice");
  REQUIRE(ba);
  CHECK(ba->seen_time == 12345);
  CHECK(ba->pel.size() == 2);
  CHECK(bg->pel.at(StreamID{1002, 0})->consumer == ba);
  CHECK(bg->pel.at(StreamID{1002, 0})->delivery_count == 3);
  CHECK(bg->pel.at(StreamID{1002, 0})->delivery_time == 6002);
  CHECK(bg->FindConsumer("bob")->pel.empty());
  // Same bytes when written again.
  RdbWriter w2;
  REQUIRE(w2.TypeAndValue(back));
  CHECK(w2.data() == w.data());
  // Every truncation fails cleanly.
  for (size_t n = 1; n < w.data().size(); n++) {
    RdbReader t(std::string_view(w.data()).substr(0, n));
    Entry* x = nullptr;
    REQUIRE(t.ReadObjectType(&type).ok());
    CHECK_FALSE(t.ReadObject(type, "st", &x).ok());
  }
  FreeRdbEntry(back);
  FreeRdbEntry(e);
}

// ---- Old encodings ------------------------------------------------------------------------

// A ziplist of strings (< 64 bytes) and integers, in Redis's format.
std::string Ziplist(const std::vector<std::string>& items) {
  std::string body;
  size_t prevlen = 0;
  std::vector<size_t> offsets;
  for (const auto& s : items) {
    std::string e;
    if (prevlen < 254) {
      e.push_back(char(prevlen));
    } else {
      e.push_back(char(254));
      uint32_t p = uint32_t(prevlen);
      e.append(reinterpret_cast<char*>(&p), 4);
    }
    int64_t v;
    if (StringToInt64(s, &v) && v >= 0 && v <= 12) {
      e.push_back(char(0xf1 + v));
    } else if (StringToInt64(s, &v) && v >= INT16_MIN && v <= INT16_MAX) {
      e.push_back(char(0xc0));
      int16_t x = int16_t(v);
      e.append(reinterpret_cast<char*>(&x), 2);
    } else if (StringToInt64(s, &v)) {
      e.push_back(char(0xe0));
      e.append(reinterpret_cast<char*>(&v), 8);
    } else {
      e.push_back(char(s.size()));
      e += s;
    }
    offsets.push_back(10 + body.size());
    body += e;
    prevlen = e.size();
  }
  uint32_t total = uint32_t(10 + body.size() + 1);
  uint32_t tail = offsets.empty() ? 10 : uint32_t(offsets.back());
  uint16_t count = uint16_t(items.size());
  std::string zl;
  zl.append(reinterpret_cast<char*>(&total), 4);
  zl.append(reinterpret_cast<char*>(&tail), 4);
  zl.append(reinterpret_cast<char*>(&count), 2);
  zl += body;
  zl.push_back(char(0xff));
  return zl;
}

std::vector<std::string> LpItems(uint8_t* lp) {
  std::vector<std::string> out;
  char buf[32];
  for (uint8_t* p = lp::First(lp); p; p = lp::Next(lp, p)) {
    out.emplace_back(lp::Get(p).AsString(buf));
  }
  return out;
}

TEST_CASE("rdb: ziplists convert to listpacks after a full check") {
  std::vector<std::string> items = {"a", "5", "300", "-70000", "9000000000", "hello world"};
  std::string zl = Ziplist(items);
  uint8_t* lp = nullptr;
  REQUIRE(ZiplistToListpack(reinterpret_cast<const uint8_t*>(zl.data()), zl.size(), false, &lp));
  CHECK(LpItems(lp) == items);
  lp::Free(lp);
  // Pairs: odd count or duplicate names are refused.
  REQUIRE(ZiplistToListpack(reinterpret_cast<const uint8_t*>(zl.data()), zl.size(), true, &lp));
  lp::Free(lp);
  std::string odd = Ziplist({"a", "1", "b"});
  CHECK_FALSE(
      ZiplistToListpack(reinterpret_cast<const uint8_t*>(odd.data()), odd.size(), true, &lp));
  std::string dup = Ziplist({"a", "1", "a", "2"});
  CHECK_FALSE(
      ZiplistToListpack(reinterpret_cast<const uint8_t*>(dup.data()), dup.size(), true, &lp));
  // Every single-byte corruption is either refused or yields a consistent listpack.
  for (size_t i = 0; i < zl.size(); i++) {
    for (int bit = 0; bit < 8; bit++) {
      std::string bad = zl;
      bad[i] ^= char(1 << bit);
      uint8_t* out = nullptr;
      if (ZiplistToListpack(reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), false,
                            &out)) {
        CHECK(lp::Validate(out, lp::Bytes(out), true));
        lp::Free(out);
      }
    }
  }
}

TEST_CASE("rdb: old list, hash and zset encodings load") {
  RdbWriter w(false);
  w.Header();
  w.Byte(proto::rdb::kTypeListZiplist);
  w.String("lz");
  w.String(Ziplist({"a", "2", "c"}));
  w.Byte(proto::rdb::kTypeListQuicklist);
  w.String("lq");
  w.Length(2);
  w.String(Ziplist({"x", "y"}));
  w.String(Ziplist({"100000", "z"}));
  w.Byte(proto::rdb::kTypeHashZiplist);
  w.String("hz");
  w.String(Ziplist({"f", "v", "g", "7"}));
  w.Byte(proto::rdb::kTypeZsetZiplist);
  w.String("zz");
  w.String(Ziplist({"a", "1", "b", "2.5"}));
  // Zipmap: count, then len field len free value.
  std::string zm = Bytes({2, 1, 'f', 2, 0, 'v', '1', 2, 'g', 'g', 1, 1, 'w', 'x', 0xff});
  w.Byte(proto::rdb::kTypeHashZipmap);
  w.String("hm");
  w.String(zm);
  // Pre-ZSET_2 scores.
  w.Byte(proto::rdb::kTypeZset);
  w.String("zold");
  w.Length(2);
  w.String("m1");
  w.Raw(Bytes({3}) + "1.5");
  w.String("m2");
  w.Raw(Bytes({254}));
  w.Eof();
  Collected c;
  Status st = test::LoadAll(w.data(), &c);
  REQUIRE_MESSAGE(st.ok(), st.message());
  CHECK(c.Find(0, "lz")->desc == "list:quicklist:a,2,c");
  CHECK(c.Find(0, "lq")->desc == "list:quicklist:x,y,100000,z");
  CHECK(c.Find(0, "hz")->desc == "hash:listpack:f=v,g=7");
  CHECK(c.Find(0, "zz")->desc == "zset:listpack:a=1,b=2.5");
  CHECK(c.Find(0, "hm")->desc == "hash:listpack:f=v1,gg=w");
  CHECK(c.Find(0, "zold")->desc == "zset:listpack:m1=1.5,m2=inf");
}

// ---- Corruption ---------------------------------------------------------------------------

TEST_CASE("rdb: every truncation of a file is an error") {
  Dataset d;
  d.Add(Entry::NewString("s", std::string(60, 'a')));
  d.Add(test::MakeList("l", {"a", "b", "1"}));
  d.Add(test::MakeIntset("i", {1, 2}));
  d.Add(test::MakeSetTable("st", {"x", "y"}));
  d.Add(test::MakeZset("zl", {{1, "a"}}, Encoding::kListpack));
  d.Add(test::MakeZset("zs", {{1, "a"}, {2, "b"}}, Encoding::kSkiplist));
  d.Add(test::MakeHash("hl", {{"f", "v"}}, Encoding::kListpack));
  d.Add(test::MakeHash("hh", {{"f", "v"}}, Encoding::kHashtable));
  std::string file = WriteFile(d);
  for (size_t n = 0; n < file.size(); n++) {
    Collected c;
    CHECK_FALSE(test::LoadAll(std::string_view(file).substr(0, n), &c).ok());
  }
}

TEST_CASE("rdb: bit flips give errors or consistent values, never crashes") {
  Dataset d;
  d.Add(Entry::NewString("s", std::string(60, 'a')));
  d.Add(test::MakeList("l", Numbered("e", 40)));
  d.Add(test::MakeIntset("i", {1, 2, 70000}));
  d.Add(test::MakeSetTable("st", {"x", "y"}));
  d.Add(test::MakeZset("zl", {{1, "a"}, {2, "b"}}, Encoding::kListpack));
  d.Add(test::MakeZset("zs", {{1, "a"}, {2, "b"}}, Encoding::kSkiplist));
  d.Add(test::MakeHash("hl", {{"f", "v"}, {"g", "w"}}, Encoding::kListpack));
  d.Add(test::MakeHash("hh", {{"f", "v"}}, Encoding::kHashtable));
  std::string file = WriteFile(d);
  RdbLoadConfig cfg;
  cfg.deep_sanitize = true;
  cfg.verify_checksum = false;  // exercise the parser, not just the CRC
  std::mt19937 rng(1234);
  int accepted = 0;
  for (size_t i = 9; i < file.size(); i++) {
    for (int k = 0; k < 3; k++) {
      std::string bad = file;
      bad[i] ^= char(1 << (rng() % 8));
      Collected c;  // Describe() walks every loaded value
      if (test::LoadAll(bad, &c, cfg).ok()) accepted++;
    }
  }
  // With the checksum on, every flip is caught (at the end of the file: keys before it are
  // delivered first, so the visitor still needs deep validation to walk them safely).
  int caught = 0, total = 0;
  RdbLoadConfig checked;
  checked.deep_sanitize = true;
  for (size_t i = 9; i < file.size(); i += 7) {
    std::string bad = file;
    bad[i] ^= 0x10;
    Collected c;
    total++;
    if (!test::LoadAll(bad, &c, checked).ok()) caught++;
  }
  CHECK(caught == total);
  MESSAGE("corrupted files accepted without checksum: " << accepted);
}

TEST_CASE("rdb: blobs are validated") {
  // An intset blob whose length field disagrees with its size.
  uint8_t* is = intset::New();
  is = intset::Add(is, 5, nullptr);
  std::string blob(reinterpret_cast<char*>(is), intset::Bytes(is));
  intset::Free(is);
  blob[4] = 7;
  RdbWriter w;
  w.Header();
  w.Byte(proto::rdb::kTypeSetIntset);
  w.String("i");
  w.String(blob);
  w.Eof();
  Collected c;
  Status st = test::LoadAll(w.data(), &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "Intset integrity check failed.");
  // A hash listpack with a duplicate field: caught by deep sanitization.
  uint8_t* lp = lp::New();
  for (const char* s : {"f", "1", "f", "2"}) lp = lp::Append(lp, s);
  std::string lblob(reinterpret_cast<char*>(lp), lp::Bytes(lp));
  lp::Free(lp);
  RdbWriter wh;
  wh.Header();
  wh.Byte(proto::rdb::kTypeHashListpack);
  wh.String("h");
  wh.String(lblob);
  wh.Eof();
  RdbLoadConfig deep;
  deep.deep_sanitize = true;
  Collected c2;
  st = test::LoadAll(wh.data(), &c2, deep);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "Hash listpack integrity check failed.");
  // A listpack whose size header lies.
  lblob[0] = char(lblob[0] + 1);
  RdbWriter wl;
  wl.Header();
  wl.Byte(proto::rdb::kTypeListQuicklist2);
  wl.String("l");
  wl.Length(1);
  wl.Length(2);
  wl.String(lblob);
  wl.Eof();
  st = test::LoadAll(wl.data(), &c2);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "Listpack integrity check failed.");
}

}  // namespace
