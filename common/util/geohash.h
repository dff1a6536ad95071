// Geohash arithmetic for the GEO commands, bit-compatible with Redis 7.0.
//
// A position is stored as a sorted set score: the longitude and the latitude are each scaled
// to 26 bits over [-180, 180] and [-85.05112878, 85.05112878] (the Web Mercator limits) and
// interleaved into a 52-bit integer, latitude in the even bits. Searches cover the query shape
// with the cell that holds its centre plus the eight cells around it, at a step (bits per
// coordinate) chosen from the radius, then filter the candidates by exact distance.
//
// Every formula here follows Redis's floating-point evaluation order so that scores,
// distances and decoded coordinates match it to the last bit.
#pragma once

#include <cstdint>

namespace ember::geo {

inline constexpr uint8_t kStepMax = 26;  // bits per coordinate in a stored score
inline constexpr double kLonMin = -180;
inline constexpr double kLonMax = 180;
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
// Earth's quadratic mean radius (WGS-84), the one Redis measures distances with.
inline constexpr double kEarthRadiusMeters = 6372797.560856;

// A cell: `step` bits per coordinate, interleaved in the low 2*step bits. step 0 with bits 0
// marks an unused (excluded) cell.
struct HashBits {
  uint64_t bits = 0;
  uint8_t step = 0;

  bool IsZero() const { return bits == 0 && step == 0; }
  bool operator==(const HashBits& o) const { return bits == o.bits && step == o.step; }
};

struct Range {
  double min = 0, max = 0;
};

// The coordinates a cell covers.
struct Area {
  HashBits hash;
  Range lon, lat;
};

struct Neighbors {
  HashBits north, east, west, south, north_east, south_east, north_west, south_west;
};

// The ranges scores are encoded over.
inline constexpr Range kLonRange{kLonMin, kLonMax};
inline constexpr Range kLatRange{kLatMin, kLatMax};

// Spreads the bits of `even` over the even bit positions and those of `odd` over the odd ones.
uint64_t Interleave(uint32_t even, uint32_t odd);
// The inverse: even bits in the low 32 bits of the result, odd bits in the high 32.
uint64_t Deinterleave(uint64_t v);

// Encodes a position into a cell of `step` (1..32) bits per coordinate over the given ranges.
// False if the position is outside the ranges or the Web Mercator limits.
bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, uint8_t step,
            HashBits* out);
// Encode over kLonRange/kLatRange.
bool Encode(double lon, double lat, uint8_t step, HashBits* out);

// The area of a cell over the given ranges. False for a zero cell.
bool Decode(const Range& lon_range, const Range& lat_range, const HashBits& hash, Area* out);
bool Decode(const HashBits& hash, Area* out);
// The centre of an area, clamped to the Web Mercator limits.
void AreaCenter(const Area& area, double* lon, double* lat);
// Decodes a cell over kLonRange/kLatRange to its centre. False for a zero cell.
bool DecodeToLonLat(const HashBits& hash, double* lon, double* lat);

// The cell's bits shifted to the 52-bit score scale.
uint64_t Align52(const HashBits& hash);

// The score's integer bits as the C conversion (uint64_t)score yields them on x86-64 (also
// for scores no GEOADD wrote: negative, fractional, huge or NaN), so foreign scores decode to
// the same position Redis reports.
uint64_t ScoreToBits(double score);
// (long long)score as x86-64 computes it (out-of-range values give INT64_MIN).
int64_t ScoreToInt64(double score);
// Decodes a stored score to its position (Redis's decodeGeohash).
bool DecodeScore(double score, double* lon, double* lat);

// The eight cells around `hash`, at the same step.
Neighbors NeighborsOf(const HashBits& hash);

// Great-circle distance in meters (haversine), and the north-south distance between two
// latitudes.
double Distance(double lon1, double lat1, double lon2, double lat2);
double LatDistance(double lat1, double lat2);

// A search shape: a circle of `radius` or a box of `width` x `height`, in units of
// `conversion` meters, centred on (lon, lat).
struct Shape {
  enum Type { kCircle, kBox };
  Type type = kCircle;
  double lon = 0, lat = 0;
  double conversion = 1;
  double radius = 0;
  double width = 0, height = 0;
  // Filled by AreasForShape: min lon, min lat, max lon, max lat.
  double bounds[4] = {0, 0, 0, 0};
};

// The bits per coordinate whose cells are large enough for a search of `meters` around
// latitude `lat`.
uint8_t EstimateStepsByRadius(double meters, double lat);
// The lon/lat bounding box of a shape (min lon, min lat, max lon, max lat).
void BoundingBox(const Shape& shape, double bounds[4]);

// The centre cell and its neighbours that together cover `shape` (neighbours that cannot
// contain a match are zeroed). Sets shape->bounds.
struct SearchAreas {
  HashBits hash;
  Neighbors neighbors;
  Area area;
};
SearchAreas AreasForShape(Shape* shape);

// Whether the position (lon, lat) lies in the shape; *distance receives its distance from the
// centre in meters (set for circles even when outside; for boxes only when inside).
bool InShape(const Shape& shape, double lon, double lat, double* distance);

// Score bounds [min, max) of the elements inside the cell `hash`.
void ScoreRangeOf(const HashBits& hash, uint64_t* min, uint64_t* max);

// The 11-character standard geohash text (base32, [-90, 90] latitude) of a stored score.
// False when the score cannot be decoded.
bool GeohashString(double score, char out[11]);

}  // namespace ember::geo
