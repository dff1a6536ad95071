#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/unit/server/harness.h"

using ember::RespValue;
using ember::test::Harness;

namespace {

std::vector<std::string> Strs(const RespValue& r) {
  std::vector<std::string> out;
  for (const auto& e : r.elems) out.push_back(e.is_null() ? "<nil>" : e.str);
  return out;
}

using V = std::vector<std::string>;

void AddSicily(Harness& h) {
  h.Run({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
         "Catania"});
}

}  // namespace

TEST_CASE("GEOADD stores Redis's geohash scores") {
  Harness h;
  CHECK(h.Run({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
               "Catania"})
            .integer == 2);
  CHECK(h.Run({"ZSCORE", "Sicily", "Palermo"}).str == "3479099956230698");
  CHECK(h.Run({"ZSCORE", "Sicily", "Catania"}).str == "3479447370796909");
  CHECK(h.Run({"OBJECT", "ENCODING", "Sicily"}).str == "listpack");
  // Re-adding the same position changes nothing; CH counts updates.
  CHECK(h.Run({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo"}).integer == 0);
  CHECK(h.Run({"GEOADD", "Sicily", "CH", "13.5", "38.115556", "Palermo"}).integer == 1);
  CHECK(h.Run({"GEOADD", "Sicily", "NX", "1", "1", "Palermo", "2", "2", "x"}).integer == 1);
  CHECK(h.Run({"GEOADD", "Sicily", "XX", "1", "1", "Palermo", "2", "2", "y"}).integer == 0);
  CHECK(h.Run({"ZCARD", "Sicily"}).integer == 3);
  CHECK(h.Run({"GEOADD", "none", "XX", "1", "1", "a"}).integer == 0);
  CHECK(h.Run({"EXISTS", "none"}).integer == 0);
}

TEST_CASE("GEOADD errors") {
  Harness h;
  CHECK(h.Run({"GEOADD", "k", "200", "100", "a"}).str ==
        "ERR invalid longitude,latitude pair 200.000000,100.000000");
  CHECK(h.Run({"GEOADD", "k", "x", "1", "a"}).str == "ERR value is not a valid float");
  CHECK(h.Run({"GEOADD", "k", "NX", "XX", "1", "1", "a"}).str == "ERR syntax error");
  CHECK(h.Run({"GEOADD", "k", "1", "1", "a", "2"}).str == "ERR syntax error");
  CHECK(h.Run({"GEOADD", "k", "CH", "CH", "CH"}).str == "ERR syntax error");
  CHECK(h.Run({"EXISTS", "k"}).integer == 0);
  h.Run({"SET", "s", "v"});
  CHECK(h.Run({"GEOADD", "s", "1", "1", "a"}).str.rfind("WRONGTYPE", 0) == 0);
  // Coordinates are checked before the key's type.
  CHECK(h.Run({"GEOADD", "s", "181", "1", "a"}).str.rfind("ERR invalid longitude", 0) == 0);
}

TEST_CASE("GEOPOS GEOHASH GEODIST") {
  Harness h;
  AddSicily(h);
  RespValue pos = h.Run({"GEOPOS", "Sicily", "Palermo", "nope"});
  REQUIRE(pos.elems.size() == 2);
  CHECK(Strs(pos.elems[0]) == V{"13.36138933897018433", "38.11555639549629859"});
  CHECK(pos.elems[1].is_null());
  CHECK(Strs(h.Run({"GEOHASH", "Sicily", "Palermo", "Catania", "nope"})) ==
        V{"sqc8b49rny0", "sqdtr74hyu0", "<nil>"});
  CHECK(Strs(h.Run({"GEOHASH", "missing", "a"})) == V{"<nil>"});
  CHECK(h.Run({"GEODIST", "Sicily", "Palermo", "Catania"}).str == "166274.1516");
  CHECK(h.Run({"GEODIST", "Sicily", "Palermo", "Catania", "km"}).str == "166.2742");
  CHECK(h.Run({"GEODIST", "Sicily", "Palermo", "Palermo"}).str == "0.0000");
  CHECK(h.Run({"GEODIST", "Sicily", "Palermo", "nope"}).is_null());
  CHECK(h.Run({"GEODIST", "missing", "a", "b"}).is_null());
  CHECK(h.Run({"GEODIST", "Sicily", "Palermo", "Catania", "yd"}).str ==
        "ERR unsupported unit provided. please use M, KM, FT, MI");
  CHECK(h.Run({"GEODIST", "Sicily", "a", "b", "km", "x"}).str == "ERR syntax error");
}

TEST_CASE("GEORADIUS and GEOSEARCH replies") {
  Harness h;
  AddSicily(h);
  RespValue r = h.Run(
      {"GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH", "ASC"});
  REQUIRE(r.elems.size() == 2);
  REQUIRE(r.elems[0].elems.size() == 4);
  CHECK(r.elems[0].elems[0].str == "Catania");
  CHECK(r.elems[0].elems[1].str == "56.4413");
  CHECK(r.elems[0].elems[2].integer == 3479447370796909LL);
  CHECK(Strs(r.elems[0].elems[3]) == V{"15.08726745843887329", "37.50266842333162032"});
  CHECK(r.elems[1].elems[0].str == "Palermo");
  CHECK(r.elems[1].elems[1].str == "190.4424");

  CHECK(Strs(h.Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "DESC"})) ==
        V{"Palermo", "Catania"});
  CHECK(Strs(h.Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1"})) ==
        V{"Catania"});
  CHECK(Strs(h.Run({"GEORADIUS", "Sicily", "15", "37", "100", "km"})) == V{"Catania"});
  CHECK(Strs(h.Run({"GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km"})) ==
        V{"Palermo", "Catania"});
  CHECK(Strs(h.Run({"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km",
                    "ASC"})) == V{"Catania", "Palermo"});
  CHECK(Strs(h.Run({"GEOSEARCH", "Sicily", "FROMMEMBER", "Catania", "BYRADIUS", "1", "km"})) ==
        V{"Catania"});
  CHECK(Strs(h.Run({"GEOSEARCH", "missing", "FROMMEMBER", "x", "BYRADIUS", "1", "km"})).empty());
}

TEST_CASE("GEO search errors") {
  Harness h;
  AddSicily(h);
  CHECK(h.Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "0"}).str ==
        "ERR COUNT must be > 0");
  CHECK(h.Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "ANY"}).str ==
        "ERR the ANY argument requires COUNT argument");
  CHECK(h.Run({"GEORADIUS", "Sicily", "15", "37", "-1", "km"}).str ==
        "ERR radius cannot be negative");
  CHECK(h.Run({"GEORADIUS", "Sicily", "15", "37", "x", "km"}).str == "ERR need numeric radius");
  CHECK(h.Run({"GEORADIUS", "Sicily", "15", "37", "1", "km", "STORE", "d", "WITHDIST"}).str ==
        "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD "
        "options");
  CHECK(h.Run({"GEORADIUS_RO", "Sicily", "15", "37", "1", "km", "STORE", "d"}).str ==
        "ERR syntax error");
  CHECK(h.Run({"GEORADIUSBYMEMBER", "Sicily", "nope", "1", "km"}).str ==
        "ERR could not decode requested zset member");
  CHECK(h.Run({"geosearch", "Sicily", "BYRADIUS", "1", "km", "ASC", "WITHDIST"}).str ==
        "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch");
  CHECK(h.Run({"GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "BYBOX", "1",
               "1", "km"})
            .str == "ERR syntax error");
  CHECK(h.Run({"GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "COUNT", "1"}).str ==
        "ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH");
  CHECK(h.Run({"GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "-1", "km"}).str ==
        "ERR height or width cannot be negative");
  CHECK(h.Run({"GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km",
               "WITHDIST"})
            .str ==
        "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
  h.Run({"SET", "s", "v"});
  CHECK(h.Run({"GEOSEARCH", "s", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"})
            .str.rfind("WRONGTYPE", 0) == 0);
}

TEST_CASE("GEORADIUS STORE and GEOSEARCHSTORE write sorted sets") {
  Harness h;
  AddSicily(h);
  CHECK(h.Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "d"}).integer == 2);
  CHECK(h.Run({"ZSCORE", "d", "Palermo"}).str == "3479099956230698");
  CHECK(h.Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "d", "COUNT", "1"})
            .integer == 1);
  CHECK(h.Run({"ZSCORE", "d", "Catania"}).str == "56.441257870158204");
  CHECK(h.Run({"ZCARD", "d"}).integer == 1);
  CHECK(h.Run({"GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km",
               "STOREDIST"})
            .integer == 2);
  CHECK(h.Run({"ZCARD", "d"}).integer == 2);
  CHECK(h.Run({"TYPE", "d"}).str == "zset");
  // No match (or no source) deletes the destination.
  CHECK(h.Run({"GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"})
            .integer == 0);
  CHECK(h.Run({"EXISTS", "d"}).integer == 0);
  h.Run({"SET", "d", "x"});
  CHECK(h.Run({"GEORADIUSBYMEMBER", "missing", "m", "1", "km", "STORE", "d"}).integer == 0);
  CHECK(h.Run({"EXISTS", "d"}).integer == 0);
}

TEST_CASE("GEO replies in RESP3") {
  Harness h;
  AddSicily(h);
  h.Run({"HELLO", "3"});
  RespValue pos = h.Run({"GEOPOS", "Sicily", "Palermo", "nope"});
  REQUIRE(pos.elems.size() == 2);
  REQUIRE(pos.elems[0].elems.size() == 2);
  CHECK(pos.elems[0].elems[0].type == RespValue::Type::kDouble);
  CHECK(pos.elems[0].elems[0].str == "13.36138933897018433");
  CHECK(pos.elems[1].is_null());
  CHECK(h.Run({"GEODIST", "Sicily", "Palermo", "Catania"}).type == RespValue::Type::kBulk);
}

TEST_CASE("GEORADIUS COUNT picks the same members as Redis among equal distances") {
  Harness h;
  // 50 members on two spots: a COUNT cut-off falls among equal distances, where the order
  // depends on the partial quicksort.
  std::vector<std::string> add{"GEOADD", "tie"};
  for (int i = 0; i < 50; i++) {
    add.push_back(i % 3 == 0 ? "15.1" : "15");
    add.push_back("37");
    add.push_back("m" + std::to_string(i));
  }
  CHECK(h.Run(add).integer == 50);
  CHECK(Strs(h.Run({"GEORADIUS", "tie", "15", "37", "100", "km", "COUNT", "7", "ASC"})) ==
        V{"m25", "m10", "m11", "m13", "m14", "m16", "m17"});
  CHECK(Strs(h.Run({"GEORADIUS", "tie", "15", "37", "100", "km", "COUNT", "5", "DESC"})) ==
        V{"m9", "m12", "m15", "m18", "m21"});
}

TEST_CASE("GEOADD propagates as ZADD with the scores") {
  Harness h;
  ember::Command* cmd = h.server().commands().Find("geoadd");
  REQUIRE(cmd != nullptr);
  ember::Client& c = *h.client();
  auto run = [&](std::vector<std::string_view> args) {
    c.cmd = cmd;
    c.propagate_rewrite.clear();
    c.propagate_rewritten = false;
    cmd->fn(c, args);
    c.cmd = nullptr;
  };
  run({"GEOADD", "Sicily", "CH", "13.361389", "38.115556", "Palermo"});
  CHECK(c.propagate_rewritten);
  CHECK(c.propagate_rewrite ==
        std::vector<std::string>{"zadd", "Sicily", "CH", "3479099956230698", "Palermo"});
  // Nothing changed: nothing to propagate.
  run({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo"});
  CHECK_FALSE(c.propagate_rewritten);
  c.propagate_rewrite.clear();
}
