// Latency histogram with the bucket layout of Redis's HDR histograms (INFO latencystats,
// LATENCY HISTOGRAM): values from 1 ns to 1 s with 2 significant digits, i.e. 128 linear
// sub-buckets per power of two and unit resolution below 256 ns.
//
// Recording is on every command's path, so it is one array increment: the counts live in
// rows of 128, one row per power of two, each allocated on its first sample (a command that
// only ever takes ~1 us touches two or three rows, 1 KB each).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>

namespace ember {

class LatencyHistogram {
 public:
  static constexpr int64_t kMin = 1, kMax = 1000000000;

  void Record(int64_t ns) {
    int32_t idx = IndexFor(std::clamp(ns, kMin, kMax));
    auto& row = rows_[size_t(idx >> kHalfMagnitude)];
    if (!row) row = std::make_unique<uint64_t[]>(kHalfCount);  // zero-filled
    row[idx & (kHalfCount - 1)]++;
    total_++;
  }
  uint64_t total() const { return total_; }

  // The value under which `p` percent of the samples fall (the top of its bucket).
  int64_t ValueAtPercentile(double p) const {
    double q = p < 100.0 ? p : 100.0;
    int64_t want = int64_t(q / 100 * double(total_) + 0.5);
    if (want < 1) want = 1;
    int64_t value = 0;
    uint64_t seen = 0;
    ForEachCount([&](int32_t idx, uint64_t n) {
      seen += n;
      if (int64_t(seen) < want) return true;
      value = ValueAtIndex(idx);
      return false;
    });
    return p == 0.0 ? Lowest(value) : Highest(value);
  }

  // The cumulative distribution at power-of-two steps from 1024 ns, as (microseconds,
  // cumulative count) pairs, each pair only when the count grew since the previous one.
  template <typename Fn>
  void ForEachCdfStep(Fn&& fn) const {
    uint64_t prev = 0, cum = 0;
    int32_t next = 0;  // first index not yet added to `cum`
    for (int64_t level = 1024;; level *= 2) {
      int32_t idx = IndexFor(level);
      bool last = idx >= kCountsLen;
      int64_t top = last ? Highest(ValueAtIndex(kCountsLen - 1)) : Highest(level);
      int32_t end = last ? kCountsLen : idx + 1;
      for (; next < end; next++) cum += CountAt(next);
      if (cum > prev) fn(top / 1000, cum);
      prev = cum;
      if (last || cum == total_) break;
    }
  }

 private:
  static constexpr int kHalfMagnitude = 7;  // sub-bucket half count = 128
  static constexpr int32_t kHalfCount = 1 << kHalfMagnitude;
  static constexpr int64_t kMask = (2 * kHalfCount) - 1;
  static constexpr int kRows = 24;  // 23 powers of two above 256 ns cover 1 s
  static constexpr int32_t kCountsLen = kRows * kHalfCount;

  static int32_t BucketOf(int64_t v) {
    return (64 - __builtin_clzll(uint64_t(v | kMask))) - (kHalfMagnitude + 1);
  }
  static int32_t IndexFor(int64_t v) {
    int32_t b = BucketOf(v);
    int32_t sub = int32_t(v >> b);
    return ((b + 1) << kHalfMagnitude) + (sub - kHalfCount);
  }
  static int64_t ValueAtIndex(int32_t idx) {
    int32_t b = (idx >> kHalfMagnitude) - 1;
    int32_t sub = (idx & (kHalfCount - 1)) + kHalfCount;
    if (b < 0) {
      sub -= kHalfCount;
      b = 0;
    }
    return int64_t(sub) << b;
  }
  static int64_t Lowest(int64_t v) {
    int32_t b = BucketOf(v);
    return (v >> b) << b;
  }
  static int64_t Highest(int64_t v) {
    int32_t b = BucketOf(v);
    int32_t sub = int32_t(v >> b);
    int32_t adjusted = sub >= 2 * kHalfCount ? b + 1 : b;
    return Lowest(v) + (int64_t(1) << adjusted) - 1;
  }

  uint64_t CountAt(int32_t idx) const {
    const auto& row = rows_[size_t(idx >> kHalfMagnitude)];
    return row ? row[idx & (kHalfCount - 1)] : 0;
  }
  // Calls fn(index, count) for the non-empty buckets in value order while it returns true.
  template <typename Fn>
  void ForEachCount(Fn&& fn) const {
    for (int32_t r = 0; r < kRows; r++) {
      if (!rows_[size_t(r)]) continue;
      for (int32_t i = 0; i < kHalfCount; i++) {
        uint64_t n = rows_[size_t(r)][i];
        if (n != 0 && !fn((r << kHalfMagnitude) + i, n)) return;
      }
    }
  }

  std::array<std::unique_ptr<uint64_t[]>, kRows> rows_;
  uint64_t total_ = 0;
};

}  // namespace ember
