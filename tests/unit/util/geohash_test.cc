#include "common/util/geohash.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>

using namespace ember::geo;

TEST_CASE("geohash interleave round trip") {
  CHECK(Interleave(1, 0) == 1);
  CHECK(Interleave(0, 1) == 2);
  CHECK(Interleave(0xFFFFFFFFu, 0) == 0x5555555555555555ULL);
  CHECK(Interleave(0, 0xFFFFFFFFu) == 0xAAAAAAAAAAAAAAAAULL);
  uint64_t v = Interleave(0x12345678u, 0x9ABCDEF0u);
  uint64_t d = Deinterleave(v);
  CHECK(uint32_t(d) == 0x12345678u);
  CHECK(uint32_t(d >> 32) == 0x9ABCDEF0u);
}

TEST_CASE("geohash encodes the scores Redis stores") {
  HashBits h;
  REQUIRE(Encode(13.361389, 38.115556, kStepMax, &h));
  CHECK(Align52(h) == 3479099956230698ULL);
  REQUIRE(Encode(15.087269, 37.502669, kStepMax, &h));
  CHECK(Align52(h) == 3479447370796909ULL);
  // Out of the Mercator limits.
  CHECK_FALSE(Encode(181, 0, kStepMax, &h));
  CHECK_FALSE(Encode(0, 85.06, kStepMax, &h));
  CHECK_FALSE(Encode(0, 0, 0, &h));
}

TEST_CASE("geohash decodes a score to the cell centre") {
  double lon, lat;
  REQUIRE(DecodeScore(3479099956230698.0, &lon, &lat));
  CHECK(lon == doctest::Approx(13.361389338970184).epsilon(1e-15));
  CHECK(lat == doctest::Approx(38.115556395496299).epsilon(1e-15));
  // A score no GEOADD could write still decodes, clamped to the limits.
  REQUIRE(DecodeScore(-5, &lon, &lat));
  CHECK(lon <= kLonMax);
  CHECK(lat <= kLatMax);
}

TEST_CASE("geohash text and distance match Redis") {
  char text[11];
  REQUIRE(GeohashString(3479099956230698.0, text));
  CHECK(std::string(text, 11) == "sqc8b49rny0");
  REQUIRE(GeohashString(3479447370796909.0, text));
  CHECK(std::string(text, 11) == "sqdtr74hyu0");

  double lon1, lat1, lon2, lat2;
  DecodeScore(3479099956230698.0, &lon1, &lat1);
  DecodeScore(3479447370796909.0, &lon2, &lat2);
  double d = Distance(lon1, lat1, lon2, lat2);
  CHECK(std::llrint(d * 10000) == 1662741516LL);  // GEODIST replies 166274.1516
  // Same meridian: the latitude-only formula.
  CHECK(Distance(10, 0, 10, 1) == LatDistance(0, 1));
}

TEST_CASE("geohash neighbours wrap around the grid") {
  HashBits h{0, 2};  // the south-west corner cell of a 4x4 grid
  Neighbors n = NeighborsOf(h);
  auto lon_of = [](HashBits b) { return uint32_t(Deinterleave(b.bits) >> 32); };
  auto lat_of = [](HashBits b) { return uint32_t(Deinterleave(b.bits)); };
  CHECK(lon_of(n.east) == 1);
  CHECK(lat_of(n.east) == 0);
  CHECK(lon_of(n.west) == 3);
  CHECK(lat_of(n.north) == 1);
  CHECK(lat_of(n.south) == 3);
  CHECK(lon_of(n.north_east) == 1);
  CHECK(lat_of(n.north_east) == 1);
  CHECK(lon_of(n.south_west) == 3);
  CHECK(lat_of(n.south_west) == 3);
  HashBits mid{Interleave(2, 2), 2};
  Neighbors m = NeighborsOf(mid);
  CHECK(lon_of(m.west) == 1);
  CHECK(lat_of(m.west) == 2);
  CHECK(lat_of(m.south) == 1);
  CHECK(lon_of(m.south) == 2);
}

TEST_CASE("geohash search step and areas") {
  CHECK(EstimateStepsByRadius(0, 0) == 26);
  CHECK(EstimateStepsByRadius(100000, 0) == 7);
  CHECK(EstimateStepsByRadius(100000, 70) == 6);
  CHECK(EstimateStepsByRadius(100000, 85) == 5);
  CHECK(EstimateStepsByRadius(1e9, 0) == 1);

  Shape s;
  s.lon = 15;
  s.lat = 37;
  s.radius = 200;
  s.conversion = 1000;
  SearchAreas a = AreasForShape(&s);
  CHECK(a.hash.step >= 1);
  CHECK(s.bounds[0] < 15);
  CHECK(s.bounds[2] > 15);
  CHECK(s.bounds[1] < 37);
  CHECK(s.bounds[3] > 37);
  double dist = 0;
  CHECK(InShape(s, 15.087269, 37.502669, &dist));
  CHECK(dist == doctest::Approx(56441.3).epsilon(1e-5));
  s.radius = 100;  // Palermo is 190 km away
  CHECK_FALSE(InShape(s, 13.361389, 38.115556, &dist));

  Shape box = s;
  box.type = Shape::kBox;
  box.width = 400;
  box.height = 400;
  CHECK(InShape(box, 13.361389, 38.115556, &dist));
  box.height = 100;
  CHECK_FALSE(InShape(box, 13.361389, 38.115556, &dist));
}

TEST_CASE("geohash score conversions as x86-64 casts") {
  CHECK(ScoreToBits(3.7) == 3);
  CHECK(ScoreToBits(-1) == UINT64_MAX);
  CHECK(ScoreToBits(NAN) == (uint64_t(1) << 63));
  CHECK(ScoreToBits(INFINITY) == 0);
  CHECK(ScoreToBits(1e19) == 10000000000000000000ULL);
  CHECK(ScoreToInt64(1e300) == INT64_MIN);
  CHECK(ScoreToInt64(-2.5) == -2);
}
