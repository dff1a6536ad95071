// GEO commands: GEOADD, GEODIST, GEOHASH, GEOPOS, GEORADIUS[_RO], GEORADIUSBYMEMBER[_RO],
// GEOSEARCH and GEOSEARCHSTORE.
//
// A geo set is an ordinary sorted set whose scores are 52-bit interleaved geohashes
// (common/util/geohash.h). GEOADD is a ZADD of those scores, and is propagated as one. A
// search covers the query shape with nine geohash cells, reads each cell's score range from
// the sorted set and keeps the points inside the shape, as Redis's georadiusGeneric.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/storage/entry.h"
#include "common/storage/listpack.h"
#include "common/storage/zset.h"
#include "common/util/geohash.h"
#include "common/util/strings.h"
#include "server/client.h"
#include "server/command.h"
#include "server/families/families.h"
#include "server/server.h"

namespace ember {
namespace {

constexpr std::string_view kBadUnit = "unsupported unit provided. please use M, KM, FT, MI";
constexpr std::string_view kBadMember = "could not decode requested zset member";

bool CheckZset(Client& c, Entry* e) {
  if (e && e->type() != ObjType::kZSet) {
    c.reply().Error(err::kWrongType);
    return false;
  }
  return true;
}

zset::Limits GetLimits(Client& c) {
  const Config& cfg = c.server().config();
  return {size_t(cfg.zset_max_listpack_entries), size_t(cfg.zset_max_listpack_value)};
}

// Redis's getDoubleFromObjectOrReply with an optional custom message.
bool ParseDouble(Client& c, std::string_view s, double* out, std::string_view msg = {}) {
  if (StringToDouble(s, out)) return true;
  c.reply().Error(msg.empty() ? err::kNotFloat : msg);
  return false;
}

// Two arguments "longitude latitude", both parsed before the range check.
bool ParseLonLat(Client& c, std::string_view lon_arg, std::string_view lat_arg, double* lon,
                 double* lat) {
  if (!ParseDouble(c, lon_arg, lon) || !ParseDouble(c, lat_arg, lat)) return false;
  if (*lon < geo::kLonMin || *lon > geo::kLonMax || *lat < geo::kLatMin || *lat > geo::kLatMax) {
    // "%f" of a huge double runs to over 300 characters.
    char buf[800];
    snprintf(buf, sizeof(buf), "invalid longitude,latitude pair %f,%f", *lon, *lat);
    c.reply().Error(buf);
    return false;
  }
  return true;
}

// Meters per unit; replies the error and returns a negative value for an unknown unit.
double ParseUnit(Client& c, std::string_view u) {
  if (EqualsIgnoreCase(u, "m")) return 1;
  if (EqualsIgnoreCase(u, "km")) return 1000;
  if (EqualsIgnoreCase(u, "ft")) return 0.3048;
  if (EqualsIgnoreCase(u, "mi")) return 1609.34;
  c.reply().Error(kBadUnit);
  return -1;
}

// "<radius> <unit>".
bool ParseRadius(Client& c, std::string_view radius_arg, std::string_view unit_arg,
                 geo::Shape* shape) {
  double radius;
  if (!ParseDouble(c, radius_arg, &radius, "need numeric radius")) return false;
  if (radius < 0) {
    c.reply().Error("radius cannot be negative");
    return false;
  }
  shape->radius = radius;
  double conversion = ParseUnit(c, unit_arg);
  if (conversion < 0) return false;
  shape->conversion = conversion;
  return true;
}

// "<width> <height> <unit>".
bool ParseBox(Client& c, CmdArgs a, geo::Shape* shape) {
  double width, height;
  if (!ParseDouble(c, a[0], &width, "need numeric width") ||
      !ParseDouble(c, a[1], &height, "need numeric height")) {
    return false;
  }
  if (height < 0 || width < 0) {
    c.reply().Error("height or width cannot be negative");
    return false;
  }
  shape->width = width;
  shape->height = height;
  double conversion = ParseUnit(c, a[2]);
  if (conversion < 0) return false;
  shape->conversion = conversion;
  return true;
}

// The position of a member. False if absent.
bool MemberPosition(Entry* e, std::string_view member, double* lon, double* lat) {
  double score;
  if (!zset::Score(e, member, &score)) return false;
  return geo::DecodeScore(score, lon, lat);
}

// A distance as Redis replies it: a bulk string with exactly four decimals (the value is
// rounded to a multiple of 0.0001 with llrint first).
void ReplyDistance(Client& c, double d) {
  if (d == 0) {
    c.reply().Bulk("0.0000");
    return;
  }
  long long v = llrint(d * 10000.0);
  bool negative = v < 0;
  unsigned long long u =
      negative ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
  std::string out = negative ? "-" : "";
  out += std::to_string(u / 10000);
  char frac[8];
  snprintf(frac, sizeof(frac), ".%04llu", u % 10000);
  out += frac;
  c.reply().Bulk(out);
}

// A coordinate: "%.17Lf" without trailing zeros; a bulk string in RESP2, a double in RESP3.
void ReplyCoordinate(Client& c, double v) {
  std::string text = LongDoubleToHumanString(static_cast<long double>(v));
  if (c.reply().resp() >= 3) {
    c.reply().Raw(",");
    c.reply().Raw(text);
    c.reply().Raw("\r\n");
  } else {
    c.reply().Bulk(text);
  }
}

// ---- GEOADD ---------------------------------------------------------------------------------

// GEOADD key [NX|XX] [CH] longitude latitude member [...]: the coordinates become scores and
// the rest is ZADD (also what replicas and the AOF receive).
void CmdGeoAdd(Client& c, CmdArgs args) {
  Server& s = c.server();
  bool nx = false, xx = false, ch = false;
  size_t longidx = 2;
  for (; longidx < args.size(); longidx++) {
    std::string_view opt = args[longidx];
    if (EqualsIgnoreCase(opt, "nx")) {
      nx = true;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      xx = true;
    } else if (EqualsIgnoreCase(opt, "ch")) {
      ch = true;
    } else {
      break;
    }
  }
  if ((args.size() - longidx) % 3 || (xx && nx)) {
    c.reply().Error(err::kSyntax);
    return;
  }
  size_t elements = (args.size() - longidx) / 3;
  std::vector<std::string> zadd;
  zadd.reserve(longidx + elements * 2);
  zadd.emplace_back("zadd");
  for (size_t i = 1; i < longidx; i++) zadd.emplace_back(args[i]);
  std::vector<double> scores(elements);
  for (size_t i = 0; i < elements; i++) {
    size_t at = longidx + i * 3;
    double lon, lat;
    if (!ParseLonLat(c, args[at], args[at + 1], &lon, &lat)) return;
    geo::HashBits hash;
    geo::Encode(lon, lat, geo::kStepMax, &hash);
    uint64_t bits = geo::Align52(hash);
    scores[i] = double(bits);
    zadd.push_back(std::to_string(bits));
    zadd.emplace_back(args[at + 2]);
  }
  // ZADD's own check: at least one element.
  if (elements == 0) {
    c.reply().Error(err::kSyntax);
    return;
  }

  std::string_view key = args[1];
  Entry* e = s.LookupWrite(c, key);
  if (!CheckZset(c, e)) return;
  zset::Limits limits = GetLimits(c);
  if (!e) {
    if (xx) {
      c.reply().Integer(0);
      return;
    }
    e = zset::NewEntry(key, limits, args[longidx + 2].size());
    c.db().Add(e);
  }
  int flags = (nx ? zset::kAddNx : 0) | (xx ? zset::kAddXx : 0);
  int64_t added = 0, updated = 0;
  for (size_t i = 0; i < elements; i++) {
    double newscore = 0;
    int r = zset::Add(e, scores[i], args[longidx + i * 3 + 2], flags, limits, &newscore);
    if (r & zset::kAdded) added++;
    if (r & zset::kUpdated) updated++;
  }
  s.dirty += added + updated;
  c.reply().Integer(ch ? added + updated : added);
  if (added || updated) {
    s.SignalModifiedKey(c.db(), key);
    s.NotifyKeyspaceEvent(kNotifyZset, "zadd", key, c.db_index());
    c.RewritePropagation(std::move(zadd));
  }
}

// ---- GEODIST / GEOHASH / GEOPOS -------------------------------------------------------------

void CmdGeoDist(Client& c, CmdArgs args) {
  double to_meters = 1;
  if (args.size() == 5) {
    to_meters = ParseUnit(c, args[4]);
    if (to_meters < 0) return;
  } else if (args.size() > 5) {
    c.reply().Error(err::kSyntax);
    return;
  }
  Entry* e = c.server().LookupRead(c, args[1]);
  if (!e) {
    c.reply().Null();
    return;
  }
  if (!CheckZset(c, e)) return;
  double score1, score2;
  if (!zset::Score(e, args[2], &score1) || !zset::Score(e, args[3], &score2)) {
    c.reply().Null();
    return;
  }
  double lon1, lat1, lon2, lat2;
  if (!geo::DecodeScore(score1, &lon1, &lat1) || !geo::DecodeScore(score2, &lon2, &lat2)) {
    c.reply().Null();
    return;
  }
  ReplyDistance(c, geo::Distance(lon1, lat1, lon2, lat2) / to_meters);
}

void CmdGeoHash(Client& c, CmdArgs args) {
  Entry* e = c.server().LookupRead(c, args[1]);
  if (!CheckZset(c, e)) return;
  c.reply().ArrayHeader(int64_t(args.size() - 2));
  for (size_t j = 2; j < args.size(); j++) {
    double score;
    char text[11];
    if (!e || !zset::Score(e, args[j], &score) || !geo::GeohashString(score, text)) {
      c.reply().Null();
    } else {
      c.reply().Bulk(std::string_view(text, sizeof(text)));
    }
  }
}

void CmdGeoPos(Client& c, CmdArgs args) {
  Entry* e = c.server().LookupRead(c, args[1]);
  if (!CheckZset(c, e)) return;
  c.reply().ArrayHeader(int64_t(args.size() - 2));
  for (size_t j = 2; j < args.size(); j++) {
    double lon, lat;
    if (!e || !MemberPosition(e, args[j], &lon, &lat)) {
      c.reply().NullArray();
    } else {
      c.reply().ArrayHeader(2);
      ReplyCoordinate(c, lon);
      ReplyCoordinate(c, lat);
    }
  }
}

// ---- Searches -------------------------------------------------------------------------------

struct GeoPoint {
  double lon, lat;
  double dist;  // meters from the centre, then in the requested unit
  double score;
  std::string member;
};

// Appends the elements with scores in [min, max) that lie in the shape, stopping once `limit`
// points (if not 0) have been gathered.
void PointsInRange(Entry* e, double min, double max, const geo::Shape& shape,
                   std::vector<GeoPoint>* out, size_t limit) {
  zset::ScoreRange range{min, max, /*minex=*/false, /*maxex=*/true};
  auto consider = [&](std::string_view member, double score) {
    GeoPoint p;
    p.dist = 0;
    p.score = score;
    if (geo::DecodeScore(score, &p.lon, &p.lat) && geo::InShape(shape, p.lon, p.lat, &p.dist)) {
      p.member.assign(member);
      out->push_back(std::move(p));
    }
    return !(!out->empty() && limit && out->size() >= limit);
  };
  if (e->encoding() == Encoding::kListpack) {
    auto* lp = static_cast<uint8_t*>(e->v.ptr);
    uint8_t* eptr = zset::LpFirstInRange(lp, range);
    if (!eptr) return;
    uint8_t* sptr = lp::Next(lp, eptr);
    char buf[32];
    while (eptr) {
      double score = zset::LpScore(sptr);
      if (!range.LteMax(score)) break;
      if (!consider(zset::LpMember(eptr, buf), score)) break;
      zset::LpNext(lp, &eptr, &sptr);
    }
    return;
  }
  auto* zs = static_cast<zset::ZSet*>(e->v.ptr);
  for (zset::ZNode* n = zs->FirstInRange(range); n; n = n->Next()) {
    if (!range.LteMax(n->score)) break;
    if (!consider(n->member(), n->score)) break;
  }
}

// Searches the centre cell and its neighbours in Redis's order, skipping a cell equal to the
// last one searched (huge radiuses make neighbours coincide).
void PointsInAreas(Entry* e, const geo::SearchAreas& areas, const geo::Shape& shape,
                   std::vector<GeoPoint>* out, size_t limit) {
  const geo::Neighbors& n = areas.neighbors;
  const geo::HashBits cells[9] = {areas.hash,   n.north,      n.south,      n.east,      n.west,
                                  n.north_east, n.north_west, n.south_east, n.south_west};
  size_t last = 0;  // 0 also means "none yet": the centre is never compared against
  for (size_t i = 0; i < 9; i++) {
    if (cells[i].IsZero()) continue;
    if (last && cells[i] == cells[last]) continue;
    if (!out->empty() && limit && out->size() >= limit) break;
    uint64_t min, max;
    geo::ScoreRangeOf(cells[i], &min, &max);
    PointsInRange(e, double(min), double(max), shape, out, limit);
    last = i;
  }
}

// Orders `v` so that positions [0, keep) hold the `keep` first elements in cmp order, by the
// partial quicksort Redis uses for COUNT (Bentley and McIlroy's three-way partitioning, which
// skips partitions outside the wanted range). Equal elements end up in the same order as in
// Redis, so ties at the COUNT cut-off select the same members. cmp returns <0, 0 or >0.
template <typename Cmp>
void PartialSort(std::vector<GeoPoint>& v, size_t keep, Cmp cmp) {
  size_t want_lo = 0, want_hi = keep - 1;  // inclusive
  auto wanted = [&](size_t lo, size_t len) {
    bool all_left = want_lo < lo && want_hi < lo;
    bool all_right = want_lo >= lo + len && want_hi >= lo + len;
    return !all_left && !all_right;
  };
  auto median = [&](size_t a, size_t b, size_t c) {
    if (cmp(v[a], v[b]) < 0) {
      if (cmp(v[b], v[c]) < 0) return b;
      return cmp(v[a], v[c]) < 0 ? c : a;
    }
    if (cmp(v[b], v[c]) > 0) return b;
    return cmp(v[a], v[c]) < 0 ? a : c;
  };
  auto swap_at = [&](size_t a, size_t b) {
    if (a != b) std::swap(v[a], v[b]);
  };
  auto swap_runs = [&](size_t a, size_t b, size_t n) {
    for (size_t i = 0; i < n; i++) swap_at(a + i, b + i);
  };
  // (base, n) pairs still to sort; the right part is handled next, then the stack.
  std::vector<std::pair<size_t, size_t>> todo{{0, v.size()}};
  while (!todo.empty()) {
    auto [base, n] = todo.back();
    todo.pop_back();
    for (;;) {
      if (n < 7) {
        for (size_t m = base + 1; m < base + n; m++) {
          for (size_t l = m; l > base && cmp(v[l - 1], v[l]) > 0; l--) swap_at(l, l - 1);
        }
        break;
      }
      size_t mid = base + n / 2;
      if (n > 7) {
        size_t first = base, last = base + n - 1;
        if (n > 40) {
          size_t d = n / 8;
          first = median(first, first + d, first + 2 * d);
          mid = median(mid - d, mid, mid + d);
          last = median(last - 2 * d, last - d, last);
        }
        mid = median(first, mid, last);
      }
      swap_at(base, mid);  // the pivot sits at base during the partition
      // [base+1, pa): equal to the pivot; [pa, pb): less; (pc, pd]: greater; (pd, end): equal.
      size_t pa = base + 1, pb = base + 1, pc = base + n - 1, pd = base + n - 1;
      for (;;) {
        int r;
        while (pb <= pc && (r = cmp(v[pb], v[base])) <= 0) {
          if (r == 0) swap_at(pa++, pb);
          pb++;
        }
        while (pb <= pc && (r = cmp(v[pc], v[base])) >= 0) {
          if (r == 0) swap_at(pc, pd--);
          pc--;
        }
        if (pb > pc) break;
        swap_at(pb++, pc--);
      }
      // Move the equal runs from both ends to the middle.
      size_t end = base + n;
      size_t k = std::min(pa - base, pb - pa);
      swap_runs(base, pb - k, k);
      k = std::min(pd - pc, end - pd - 1);
      swap_runs(pb, end - k, k);
      size_t less = pb - pa, greater = pd - pc;
      bool more = false;
      size_t next_base = end - greater;
      if (greater > 1 && wanted(next_base, greater)) more = true;
      if (less > 1 && wanted(base, less)) {
        // Sort the lower part first, as the recursive original does.
        if (more) todo.emplace_back(next_base, greater);
        todo.emplace_back(base, less);
        break;
      }
      if (!more) break;
      base = next_base;
      n = greater;
    }
  }
}

enum SearchFlags : int {
  kFromCoords = 1 << 0,   // GEORADIUS: centre given as longitude latitude
  kFromMember = 1 << 1,   // GEORADIUSBYMEMBER: centre given as a member
  kNoStore = 1 << 2,      // the _RO variants: no STORE/STOREDIST
  kSearch = 1 << 3,       // GEOSEARCH syntax
  kSearchStore = 1 << 4,  // GEOSEARCHSTORE
};

enum class Sort { kNone, kAsc, kDesc };

// Builds the destination of a STORE: a skiplist converted to a listpack when it fits, as
// Redis does.
Entry* BuildStored(Client& c, std::string_view dst, const std::vector<GeoPoint>& points, size_t n,
                   bool storedist) {
  Entry* e = zset::NewEntryWithEncoding(dst, Encoding::kSkiplist);
  auto* zs = static_cast<zset::ZSet*>(e->v.ptr);
  size_t maxlen = 0, total = 0;
  for (size_t i = 0; i < n; i++) {
    const GeoPoint& p = points[i];
    if (zs->Find(p.member)) continue;  // cannot happen: cells never overlap
    maxlen = std::max(maxlen, p.member.size());
    total += p.member.size();
    zs->Insert(storedist ? p.dist : p.score, p.member);
  }
  zset::ConvertToListpackIfNeeded(e, GetLimits(c), maxlen, total);
  return e;
}

// Redis's georadiusGeneric. `src_index` is the source key's argument position.
void SearchGeneric(Client& c, CmdArgs args, size_t src_index, int flags) {
  Server& s = c.server();
  std::string_view storekey;
  bool store = false;
  bool storedist = false;

  Entry* zobj = s.LookupRead(c, args[src_index]);
  if (!CheckZset(c, zobj)) return;

  size_t base_args;
  geo::Shape shape;
  if (flags & kFromCoords) {
    base_args = 6;
    shape.type = geo::Shape::kCircle;
    if (!ParseLonLat(c, args[2], args[3], &shape.lon, &shape.lat)) return;
    if (!ParseRadius(c, args[4], args[5], &shape)) return;
  } else if ((flags & kFromMember) && !zobj) {
    // No source: the options are still parsed, to pick the reply.
    base_args = 5;
  } else if (flags & kFromMember) {
    base_args = 5;
    shape.type = geo::Shape::kCircle;
    if (!MemberPosition(zobj, args[2], &shape.lon, &shape.lat)) {
      c.reply().Error(kBadMember);
      return;
    }
    if (!ParseRadius(c, args[3], args[4], &shape)) return;
  } else {
    base_args = 2;
    if (flags & kSearchStore) {
      base_args = 3;
      storekey = args[1];
      store = true;
    }
  }

  bool withdist = false, withhash = false, withcoords = false;
  bool frommember = false, fromloc = false, byradius = false, bybox = false;
  bool any = false;
  Sort sort = Sort::kNone;
  int64_t count = 0;
  size_t remaining = args.size() > base_args ? args.size() - base_args : 0;
  for (size_t i = 0; i < remaining; i++) {
    std::string_view arg = args[base_args + i];
    bool search = flags & kSearch;
    bool can_store = !(flags & kNoStore) && !search;
    if (EqualsIgnoreCase(arg, "withdist")) {
      withdist = true;
    } else if (EqualsIgnoreCase(arg, "withhash")) {
      withhash = true;
    } else if (EqualsIgnoreCase(arg, "withcoord")) {
      withcoords = true;
    } else if (EqualsIgnoreCase(arg, "any")) {
      any = true;
    } else if (EqualsIgnoreCase(arg, "asc")) {
      sort = Sort::kAsc;
    } else if (EqualsIgnoreCase(arg, "desc")) {
      sort = Sort::kDesc;
    } else if (EqualsIgnoreCase(arg, "count") && i + 1 < remaining) {
      if (!ParseInt64Arg(c, args[base_args + i + 1], &count)) return;
      if (count <= 0) {
        c.reply().Error("COUNT must be > 0");
        return;
      }
      i++;
    } else if (EqualsIgnoreCase(arg, "store") && i + 1 < remaining && can_store) {
      storekey = args[base_args + i + 1];
      store = true;
      storedist = false;
      i++;
    } else if (EqualsIgnoreCase(arg, "storedist") && i + 1 < remaining && can_store) {
      storekey = args[base_args + i + 1];
      store = true;
      storedist = true;
      i++;
    } else if (EqualsIgnoreCase(arg, "storedist") && search && (flags & kSearchStore)) {
      storedist = true;
    } else if (EqualsIgnoreCase(arg, "frommember") && i + 1 < remaining && search && !fromloc) {
      if (zobj && !MemberPosition(zobj, args[base_args + i + 1], &shape.lon, &shape.lat)) {
        c.reply().Error(kBadMember);
        return;
      }
      frommember = true;
      i++;
    } else if (EqualsIgnoreCase(arg, "fromlonlat") && i + 2 < remaining && search && !frommember) {
      if (!ParseLonLat(c, args[base_args + i + 1], args[base_args + i + 2], &shape.lon,
                       &shape.lat)) {
        return;
      }
      fromloc = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "byradius") && i + 2 < remaining && search && !bybox) {
      if (!ParseRadius(c, args[base_args + i + 1], args[base_args + i + 2], &shape)) return;
      shape.type = geo::Shape::kCircle;
      byradius = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "bybox") && i + 3 < remaining && search && !byradius) {
      if (!ParseBox(c, args.subspan(base_args + i + 1, 3), &shape)) return;
      shape.type = geo::Shape::kBox;
      bybox = true;
      i += 3;
    } else {
      c.reply().Error(err::kSyntax);
      return;
    }
  }

  if (store && (withdist || withhash || withcoords)) {
    c.reply().Error(
        std::string((flags & kSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
        " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    return;
  }
  if ((flags & kSearch) && !(frommember || fromloc)) {
    c.reply().Error("exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                    std::string(args[0]));
    return;
  }
  if ((flags & kSearch) && !(byradius || bybox)) {
    c.reply().Error("exactly one of BYRADIUS and BYBOX can be specified for " +
                    std::string(args[0]));
    return;
  }
  if (any && !count) {
    c.reply().Error("the ANY argument requires COUNT argument");
    return;
  }

  if (!zobj) {
    if (store) {
      if (c.db().Delete(storekey)) {
        s.SignalModifiedKey(c.db(), storekey);
        s.NotifyKeyspaceEvent(kNotifyGeneric, "del", storekey, c.db_index());
        s.dirty++;
      }
      c.reply().Integer(0);
    } else {
      c.reply().ArrayHeader(0);
    }
    return;
  }

  // COUNT returns the nearest ones, so it implies ASC unless ANY (the first ones found).
  if (count != 0 && sort == Sort::kNone && !any) sort = Sort::kAsc;

  geo::SearchAreas areas = geo::AreasForShape(&shape);
  std::vector<GeoPoint> points;
  PointsInAreas(zobj, areas, shape, &points, any ? size_t(count) : 0);

  if (points.empty() && !store) {
    c.reply().ArrayHeader(0);
    return;
  }
  size_t returned = (count == 0 || points.size() < uint64_t(count)) ? points.size() : size_t(count);
  if (sort != Sort::kNone) {
    int sign = sort == Sort::kAsc ? 1 : -1;
    auto cmp = [sign](const GeoPoint& a, const GeoPoint& b) {
      return sign * (a.dist > b.dist ? 1 : a.dist == b.dist ? 0 : -1);
    };
    if (returned == points.size()) {
      // Stable, like the merge sort glibc's qsort uses: equal distances keep the search order.
      std::stable_sort(points.begin(), points.end(),
                       [&cmp](const GeoPoint& a, const GeoPoint& b) { return cmp(a, b) < 0; });
    } else {
      PartialSort(points, returned, cmp);
    }
  }
  for (size_t i = 0; i < returned; i++) points[i].dist /= shape.conversion;

  if (!store) {
    int64_t options = int64_t(withdist) + int64_t(withhash) + int64_t(withcoords);
    ReplyBuilder& r = c.reply();
    r.ArrayHeader(int64_t(returned));
    for (size_t i = 0; i < returned; i++) {
      const GeoPoint& p = points[i];
      if (options) r.ArrayHeader(options + 1);
      r.Bulk(p.member);
      if (withdist) ReplyDistance(c, p.dist);
      if (withhash) r.Integer(geo::ScoreToInt64(p.score));
      if (withcoords) {
        r.ArrayHeader(2);
        ReplyCoordinate(c, p.lon);
        ReplyCoordinate(c, p.lat);
      }
    }
    return;
  }

  Db& db = c.db();
  if (returned) {
    Entry* fresh = BuildStored(c, storekey, points, returned, storedist);
    s.LookupWrite(c, storekey);  // expires a stale destination first, as Redis's setKey
    db.Set(fresh, /*keep_ttl=*/false);
    s.SignalModifiedKey(db, storekey);
    s.NotifyKeyspaceEvent(kNotifyZset, (flags & kSearch) ? "geosearchstore" : "georadiusstore",
                          storekey, c.db_index());
    s.dirty += returned;
  } else if (db.Delete(storekey)) {
    s.SignalModifiedKey(db, storekey);
    s.NotifyKeyspaceEvent(kNotifyGeneric, "del", storekey, c.db_index());
    s.dirty++;
  }
  c.reply().Integer(int64_t(returned));
}

void CmdGeoRadius(Client& c, CmdArgs args) { SearchGeneric(c, args, 1, kFromCoords); }
void CmdGeoRadiusRo(Client& c, CmdArgs args) { SearchGeneric(c, args, 1, kFromCoords | kNoStore); }
void CmdGeoRadiusByMember(Client& c, CmdArgs args) { SearchGeneric(c, args, 1, kFromMember); }
void CmdGeoRadiusByMemberRo(Client& c, CmdArgs args) {
  SearchGeneric(c, args, 1, kFromMember | kNoStore);
}
void CmdGeoSearch(Client& c, CmdArgs args) { SearchGeneric(c, args, 1, kSearch); }
void CmdGeoSearchStore(Client& c, CmdArgs args) {
  SearchGeneric(c, args, 2, kSearch | kSearchStore);
}

}  // namespace

void RegisterGeoFamily(CommandTable* t) {
  t->Register("geoadd", CmdGeoAdd);
  t->Register("geodist", CmdGeoDist);
  t->Register("geohash", CmdGeoHash);
  t->Register("geopos", CmdGeoPos);
  t->Register("georadius", CmdGeoRadius);
  t->Register("georadius_ro", CmdGeoRadiusRo);
  t->Register("georadiusbymember", CmdGeoRadiusByMember);
  t->Register("georadiusbymember_ro", CmdGeoRadiusByMemberRo);
  t->Register("geosearch", CmdGeoSearch);
  t->Register("geosearchstore", CmdGeoSearchStore);
}

}  // namespace ember
