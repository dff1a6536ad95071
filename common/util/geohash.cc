#include "common/util/geohash.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace ember::geo {
namespace {

// Degrees <-> radians with the constant Redis uses (pi/180 folded at compile time).
constexpr double kRadPerDeg = M_PI / 180.0;
inline double ToRad(double deg) { return deg * kRadPerDeg; }
inline double ToDeg(double rad) { return rad / kRadPerDeg; }

// Half the length of the Web Mercator world, in meters: the radius a step-1 cell spans.
constexpr double kMercatorMax = 20037726.37;

constexpr uint64_t kEvenBits = 0x5555555555555555ULL;  // latitude
constexpr uint64_t kOddBits = 0xaaaaaaaaaaaaaaaaULL;   // longitude

// Spreads the 32 bits of v over the even positions of a 64-bit word.
uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & kEvenBits;
  return x;
}

// Gathers the even-position bits of v into 32 bits.
uint32_t Gather(uint64_t v) {
  uint64_t x = v & kEvenBits;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return uint32_t(x);
}

bool RangeIsZero(const Range& r) { return r.min == 0 && r.max == 0; }

// Moves one cell along the longitude (odd bits) or latitude (even bits), wrapping around at
// the edge of the 2^step grid. The other coordinate's bits are kept as they are.
void Move(HashBits* h, bool lon_axis, int d) {
  if (d == 0 || h->step == 0) return;
  uint64_t cell_mask = ~0ULL >> (64 - h->step * 2);
  uint64_t axis = lon_axis ? kOddBits : kEvenBits;
  uint64_t mine = h->bits & axis;
  uint64_t other = h->bits & ~axis;
  uint64_t low = lon_axis ? 2 : 1;  // the axis's lowest bit
  if (d > 0) {
    // With the other axis's positions set to one, the carry ripples straight through them.
    mine = (mine | (~axis & cell_mask)) + low;
  } else {
    // With them at zero, so does the borrow.
    mine = mine - low;
  }
  h->bits = (mine & axis & cell_mask) | other;
}

}  // namespace

uint64_t Interleave(uint32_t even, uint32_t odd) { return Spread(even) | (Spread(odd) << 1); }

uint64_t Deinterleave(uint64_t v) { return uint64_t(Gather(v)) | (uint64_t(Gather(v >> 1)) << 32); }

bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, uint8_t step,
            HashBits* out) {
  if (step > 32 || step == 0 || RangeIsZero(lat_range) || RangeIsZero(lon_range)) return false;
  if (lon > kLonMax || lon < kLonMin || lat > kLatMax || lat < kLatMin) return false;
  out->bits = 0;
  out->step = step;
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max) {
    return false;
  }
  double lat_off = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_off = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  lat_off *= double(1ULL << step);
  lon_off *= double(1ULL << step);
  out->bits = Interleave(uint32_t(lat_off), uint32_t(lon_off));
  return true;
}

bool Encode(double lon, double lat, uint8_t step, HashBits* out) {
  return Encode(kLonRange, kLatRange, lon, lat, step, out);
}

bool Decode(const Range& lon_range, const Range& lat_range, const HashBits& hash, Area* out) {
  if (hash.IsZero() || RangeIsZero(lat_range) || RangeIsZero(lon_range)) return false;
  out->hash = hash;
  uint64_t sep = Deinterleave(hash.bits);
  double lat_scale = lat_range.max - lat_range.min;
  double lon_scale = lon_range.max - lon_range.min;
  uint32_t ilat = uint32_t(sep);
  uint32_t ilon = uint32_t(sep >> 32);
  double cells = double(1ULL << hash.step);
  // uint32_t arithmetic: the cell after the last one wraps to 0, as in Redis.
  uint32_t ilat_next = ilat + 1;
  uint32_t ilon_next = ilon + 1;
  out->lat.min = lat_range.min + (ilat * 1.0 / cells) * lat_scale;
  out->lat.max = lat_range.min + (ilat_next * 1.0 / cells) * lat_scale;
  out->lon.min = lon_range.min + (ilon * 1.0 / cells) * lon_scale;
  out->lon.max = lon_range.min + (ilon_next * 1.0 / cells) * lon_scale;
  return true;
}

bool Decode(const HashBits& hash, Area* out) { return Decode(kLonRange, kLatRange, hash, out); }

void AreaCenter(const Area& area, double* lon, double* lat) {
  double x = (area.lon.min + area.lon.max) / 2;
  if (x > kLonMax) x = kLonMax;
  if (x < kLonMin) x = kLonMin;
  double y = (area.lat.min + area.lat.max) / 2;
  if (y > kLatMax) y = kLatMax;
  if (y < kLatMin) y = kLatMin;
  *lon = x;
  *lat = y;
}

bool DecodeToLonLat(const HashBits& hash, double* lon, double* lat) {
  Area area;
  if (!Decode(hash, &area)) return false;
  AreaCenter(area, lon, lat);
  return true;
}

uint64_t Align52(const HashBits& hash) { return hash.bits << (52 - hash.step * 2); }

uint64_t ScoreToBits(double score) {
  // x86-64 converts to unsigned by a signed truncation (cvttsd2si), biased by 2^63 for values
  // at or above 2^63; an out-of-range truncation yields 0x8000000000000000.
  constexpr double k2p63 = 9223372036854775808.0;
  constexpr uint64_t kIndefinite = uint64_t(1) << 63;
  if (score >= k2p63) {
    double biased = score - k2p63;
    uint64_t t = biased < k2p63 ? uint64_t(int64_t(biased)) : kIndefinite;
    return t ^ kIndefinite;
  }
  if (std::isnan(score) || score < -k2p63) return kIndefinite;
  return uint64_t(int64_t(score));
}

int64_t ScoreToInt64(double score) {
  constexpr double k2p63 = 9223372036854775808.0;
  if (std::isnan(score) || score >= k2p63 || score < -k2p63) {
    return std::numeric_limits<int64_t>::min();
  }
  return int64_t(score);
}

bool DecodeScore(double score, double* lon, double* lat) {
  HashBits hash{ScoreToBits(score), kStepMax};
  return DecodeToLonLat(hash, lon, lat);
}

Neighbors NeighborsOf(const HashBits& hash) {
  Neighbors n;
  auto moved = [&hash](int dx, int dy) {
    HashBits h = hash;
    Move(&h, /*lon_axis=*/true, dx);
    Move(&h, /*lon_axis=*/false, dy);
    return h;
  };
  n.east = moved(1, 0);
  n.west = moved(-1, 0);
  n.south = moved(0, -1);
  n.north = moved(0, 1);
  n.north_west = moved(-1, 1);
  n.north_east = moved(1, 1);
  n.south_east = moved(1, -1);
  n.south_west = moved(-1, -1);
  return n;
}

double LatDistance(double lat1, double lat2) {
  return kEarthRadiusMeters * std::fabs(ToRad(lat2) - ToRad(lat1));
}

double Distance(double lon1, double lat1, double lon2, double lat2) {
  double lon1r = ToRad(lon1);
  double lon2r = ToRad(lon2);
  double v = std::sin((lon2r - lon1r) / 2);
  // Same meridian: the haversine reduces to the latitude difference.
  if (v == 0.0) return LatDistance(lat1, lat2);
  double lat1r = ToRad(lat1);
  double lat2r = ToRad(lat2);
  double u = std::sin((lat2r - lat1r) / 2);
  double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

uint8_t EstimateStepsByRadius(double meters, double lat) {
  if (meters == 0) return 26;
  int step = 1;
  while (meters < kMercatorMax) {
    meters *= 2;
    step++;
  }
  step -= 2;  // one cell less precise so the radius fits in the common cases
  // Cells shrink in meters towards the poles: widen them there.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return uint8_t(step);
}

void BoundingBox(const Shape& shape, double bounds[4]) {
  bool circle = shape.type == Shape::kCircle;
  double height = shape.conversion * (circle ? shape.radius : shape.height / 2);
  double width = shape.conversion * (circle ? shape.radius : shape.width / 2);
  double lat_delta = ToDeg(height / kEarthRadiusMeters);
  double lon_delta_top = ToDeg(width / kEarthRadiusMeters / std::cos(ToRad(shape.lat + lat_delta)));
  double lon_delta_bottom =
      ToDeg(width / kEarthRadiusMeters / std::cos(ToRad(shape.lat - lat_delta)));
  // The edge nearer the pole is the wider one in degrees: north in the northern hemisphere,
  // south in the southern.
  bool south = shape.lat < 0;
  double lon_delta = south ? lon_delta_bottom : lon_delta_top;
  bounds[0] = shape.lon - lon_delta;
  bounds[1] = shape.lat - lat_delta;
  bounds[2] = shape.lon + lon_delta;
  bounds[3] = shape.lat + lat_delta;
}

SearchAreas AreasForShape(Shape* shape) {
  BoundingBox(*shape, shape->bounds);
  double min_lon = shape->bounds[0], min_lat = shape->bounds[1];
  double max_lon = shape->bounds[2], max_lat = shape->bounds[3];

  // A box is covered by the circle through its corners.
  double radius_meters = shape->type == Shape::kCircle
                             ? shape->radius
                             : std::sqrt((shape->width / 2) * (shape->width / 2) +
                                         (shape->height / 2) * (shape->height / 2));
  radius_meters *= shape->conversion;

  SearchAreas out;
  int steps = EstimateStepsByRadius(radius_meters, shape->lat);
  auto compute = [&](int step) {
    Encode(kLonRange, kLatRange, shape->lon, shape->lat, uint8_t(step), &out.hash);
    out.neighbors = NeighborsOf(out.hash);
    Decode(kLonRange, kLatRange, out.hash, &out.area);
  };
  compute(steps);

  // Near a cell edge the neighbours may not reach the bounding box: one step coarser then.
  bool decrease = false;
  {
    Area north, south, east, west;
    Decode(kLonRange, kLatRange, out.neighbors.north, &north);
    Decode(kLonRange, kLatRange, out.neighbors.south, &south);
    Decode(kLonRange, kLatRange, out.neighbors.east, &east);
    Decode(kLonRange, kLatRange, out.neighbors.west, &west);
    if (north.lat.max < max_lat) decrease = true;
    if (south.lat.min > min_lat) decrease = true;
    if (east.lon.max < max_lon) decrease = true;
    if (west.lon.min > min_lon) decrease = true;
  }
  if (steps > 1 && decrease) {
    steps--;
    compute(steps);
  }

  // Drop the neighbours on a side the bounding box does not reach.
  if (steps >= 2) {
    Neighbors& n = out.neighbors;
    if (out.area.lat.min < min_lat) n.south = n.south_west = n.south_east = HashBits{};
    if (out.area.lat.max > max_lat) n.north = n.north_east = n.north_west = HashBits{};
    if (out.area.lon.min < min_lon) n.west = n.south_west = n.north_west = HashBits{};
    if (out.area.lon.max > max_lon) n.east = n.south_east = n.north_east = HashBits{};
  }
  return out;
}

bool InShape(const Shape& shape, double lon, double lat, double* distance) {
  if (shape.type == Shape::kCircle) {
    *distance = Distance(shape.lon, shape.lat, lon, lat);
    return *distance <= shape.radius * shape.conversion;
  }
  double width_m = shape.width * shape.conversion;
  double height_m = shape.height * shape.conversion;
  // The latitude test is the cheap one: first.
  if (LatDistance(lat, shape.lat) > height_m / 2) return false;
  if (Distance(lon, lat, shape.lon, lat) > width_m / 2) return false;
  *distance = Distance(shape.lon, shape.lat, lon, lat);
  return true;
}

void ScoreRangeOf(const HashBits& hash, uint64_t* min, uint64_t* max) {
  *min = Align52(hash);
  HashBits next = hash;
  next.bits++;
  *max = Align52(next);
}

bool GeohashString(double score, char out[11]) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double lon, lat;
  if (!DecodeScore(score, &lon, &lat)) return false;
  // Stored scores use latitudes within the Mercator limits; the standard text is over
  // [-90, 90].
  HashBits hash;
  Encode(Range{-180, 180}, Range{-90, 90}, lon, lat, 26, &hash);
  for (int i = 0; i < 10; i++) out[i] = kAlphabet[(hash.bits >> (52 - (i + 1) * 5)) & 0x1f];
  out[10] = '0';  // 52 bits fill ten characters; the eleventh is always zero
  return true;
}

}  // namespace ember::geo
