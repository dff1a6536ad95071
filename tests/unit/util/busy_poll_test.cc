#include "common/net/busy_poll.h"

#include <doctest/doctest.h>

#include "common/util/cpus.h"

namespace ember {

namespace {
constexpr int64_t kPeriod = BusyPoller::kSamplePeriodUs;
}

TEST_CASE("busy poll: idle and light loads never poll") {
  BusyPoller p(20);
  CHECK_FALSE(p.ShouldPoll(0, 0));  // the first call only takes a sample
  // 100 commands in a sample period of 10 ms: one per 100 us.
  CHECK_FALSE(p.ShouldPoll(100, kPeriod));
  CHECK_FALSE(p.hot());
  CHECK_FALSE(p.ShouldPoll(101, kPeriod + 5));
  // A long sleep, then one command.
  CHECK_FALSE(p.ShouldPoll(102, 10 * 1000000));
}

TEST_CASE("busy poll: a busy loop polls for the window after its last command") {
  BusyPoller p(20);
  CHECK_FALSE(p.ShouldPoll(0, 0));
  // 1000 commands in 10 ms, one per 10 us: hot.
  CHECK(p.ShouldPoll(1000, kPeriod));
  CHECK(p.hot());
  CHECK(p.ShouldPoll(1000, kPeriod + 19));        // nothing new, still inside the window
  CHECK_FALSE(p.ShouldPoll(1000, kPeriod + 20));  // window over: sleep
  CHECK(p.ShouldPoll(1001, kPeriod + 500));       // a new command opens a new window
  // The load drops to 10 commands in the next period: polling stops at the next sample.
  CHECK_FALSE(p.ShouldPoll(1010, 2 * kPeriod));
  CHECK_FALSE(p.hot());
}

TEST_CASE("busy poll: the window sets the rate threshold, and 0 turns it off") {
  BusyPoller p(0);
  p.ShouldPoll(0, 0);
  CHECK_FALSE(p.ShouldPoll(100000, kPeriod));  // very busy, but off
  CHECK_FALSE(p.hot());
  p.set_window(200);  // one command per 200 us is now enough: 60 in 10 ms
  CHECK(p.ShouldPoll(100060, 2 * kPeriod));
  p.set_window(0);
  CHECK_FALSE(p.hot());
  CHECK_FALSE(p.ShouldPoll(100061, 2 * kPeriod + 1));
  // A counter that went backwards (CONFIG RESETSTAT) is not read as a huge rate.
  p.set_window(20);
  CHECK_FALSE(p.ShouldPoll(5, 3 * kPeriod));
  CHECK_FALSE(p.hot());
}

TEST_CASE("cgroup cpu.max quota") {
  CHECK(ParseCgroupCpuMax("200000 100000\n") == doctest::Approx(2.0));
  CHECK(ParseCgroupCpuMax("50000 100000") == doctest::Approx(0.5));
  CHECK(ParseCgroupCpuMax("max 100000\n") == 0);
  CHECK(ParseCgroupCpuMax("") == 0);
  CHECK(ParseCgroupCpuMax("12x 100000") == 0);
  CHECK(ParseCgroupCpuMax("100000 0") == 0);
  CHECK(AvailableCpus() >= 1);
}

}  // namespace ember
