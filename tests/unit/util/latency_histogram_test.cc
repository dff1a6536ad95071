#include "common/util/latency_histogram.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <utility>
#include <vector>

using ember::LatencyHistogram;

namespace {

std::vector<std::pair<int64_t, uint64_t>> Cdf(const LatencyHistogram& h) {
  std::vector<std::pair<int64_t, uint64_t>> steps;
  h.ForEachCdfStep([&](int64_t usec, uint64_t cum) { steps.emplace_back(usec, cum); });
  return steps;
}

}  // namespace

TEST_CASE("latency histogram: exact below 256 ns, two significant digits above") {
  LatencyHistogram h;
  h.Record(100);
  CHECK(h.total() == 1);
  CHECK(h.ValueAtPercentile(0) == 100);
  CHECK(h.ValueAtPercentile(100) == 100);

  LatencyHistogram big;
  big.Record(1000000);  // 1 ms falls in a bucket 4096 ns wide
  CHECK(big.ValueAtPercentile(50) >= 1000000);
  CHECK(big.ValueAtPercentile(50) - big.ValueAtPercentile(0) == 4095);
}

TEST_CASE("latency histogram: percentiles follow the order of the samples' values") {
  LatencyHistogram h;
  for (int i = 0; i < 90; i++) h.Record(2000);
  for (int i = 0; i < 10; i++) h.Record(500000);
  CHECK(h.total() == 100);
  CHECK(h.ValueAtPercentile(50) < 2100);
  CHECK(h.ValueAtPercentile(90) < 2100);
  CHECK(h.ValueAtPercentile(91) >= 500000);
  CHECK(h.ValueAtPercentile(100) >= 500000);
}

TEST_CASE("latency histogram: values out of range are clamped to 1 ns .. 1 s") {
  LatencyHistogram h;
  h.Record(0);
  h.Record(-5);
  h.Record(int64_t(5) * 1000 * 1000 * 1000);
  CHECK(h.total() == 3);
  CHECK(h.ValueAtPercentile(0) == 1);
  CHECK(h.ValueAtPercentile(100) >= 1000000000);
  CHECK(h.ValueAtPercentile(100) < 1010000000);
}

TEST_CASE("latency histogram: the CDF steps by powers of two from 1 us and ends at the total") {
  LatencyHistogram h;
  h.Record(500);   // <= 1024 ns
  h.Record(3000);  // <= 4096 ns
  h.Record(3000);
  h.Record(9000000);  // 9 ms
  auto cdf = Cdf(h);
  REQUIRE(cdf.size() == 3);
  CHECK(cdf[0] == std::pair<int64_t, uint64_t>{1, 1});
  CHECK(cdf[1] == std::pair<int64_t, uint64_t>{4, 3});
  CHECK(cdf[2].first == 16908);  // 9 ms: the step at 2^24 ns, reported as its bucket top
  CHECK(cdf[2].second == 4);
  CHECK(Cdf(LatencyHistogram{}).empty());
}
