// Adaptive busy polling for an event loop: whether to poll once more without blocking
// instead of going to sleep in epoll_wait.
//
// A loop that sleeps between requests makes whoever sends the next request pay for waking it
// (on loopback, the client's CPU runs the wakeup; in a VM that includes an inter-processor
// interrupt). Under heavy load with many clients that cost lands on every few requests. So
// while the load is high, the loop keeps polling with a zero timeout for up to `window`
// microseconds after the last command it ran, and only then sleeps.
//
// "High" means at least one command per window on average over the last sample period (10 ms,
// so polling starts almost as soon as the load does). A lightly loaded or idle server never
// spins: polling only replaces idle time when the next request is likely to arrive within the
// window anyway. A window of 0 turns it off.
#pragma once

#include <cstdint>

namespace ember {

class BusyPoller {
 public:
  explicit BusyPoller(int64_t window_us = 0) : window_us_(window_us) {}

  void set_window(int64_t us) {
    window_us_ = us;
    if (us <= 0) hot_ = false;
  }
  int64_t window() const { return window_us_; }
  bool hot() const { return hot_; }

  // Before each sleep of the loop, with the command counter and a monotonic clock: true to
  // poll without blocking once more. Every kSamplePeriodUs the rate since the previous sample
  // decides whether the load justifies polling at all.
  bool ShouldPoll(uint64_t commands, int64_t now_us) {
    if (commands != last_commands_) {
      last_commands_ = commands;
      last_active_us_ = now_us;
    }
    if (!has_sample_ || now_us < sample_us_ || now_us - sample_us_ >= kSamplePeriodUs) {
      Sample(commands, now_us);
    }
    return hot_ && now_us - last_active_us_ < window_us_;
  }

  static constexpr int64_t kSamplePeriodUs = 10000;

 private:
  void Sample(uint64_t commands, int64_t now_us) {
    if (has_sample_ && now_us > sample_us_ && commands >= sample_commands_) {
      uint64_t n = commands - sample_commands_;
      hot_ = window_us_ > 0 && n * uint64_t(window_us_) >= uint64_t(now_us - sample_us_);
    }
    has_sample_ = true;
    sample_commands_ = commands;
    sample_us_ = now_us;
  }

  int64_t window_us_;
  bool hot_ = false;
  bool has_sample_ = false;
  uint64_t sample_commands_ = 0;
  int64_t sample_us_ = 0;
  uint64_t last_commands_ = 0;
  int64_t last_active_us_ = 0;
};

}  // namespace ember
