#include "common/net/busy_poll.h"

#include <doctest/doctest.h>

#include "common/util/cpus.h"

namespace ember {

TEST_CASE("busy poll: idle and light loads never poll") {
  BusyPoller p(20);
  CHECK_FALSE(p.ShouldPoll(0, 0));  // no sample yet
  p.Sample(0, 0);
  p.Sample(1000, 100000);  // 1000 commands in 100 ms: one per 100 us
  CHECK_FALSE(p.hot());
  CHECK_FALSE(p.ShouldPoll(1001, 100005));
  p.Sample(1000, 200000);  // idle
  CHECK_FALSE(p.ShouldPoll(1000, 200001));
}

TEST_CASE("busy poll: a busy loop polls for the window after its last command") {
  BusyPoller p(20);
  p.Sample(0, 0);
  p.Sample(10000, 100000);  // one command per 10 us
  CHECK(p.hot());
  CHECK(p.ShouldPoll(10001, 100000));
  CHECK(p.ShouldPoll(10001, 100019));        // nothing new, still inside the window
  CHECK_FALSE(p.ShouldPoll(10001, 100020));  // window over: sleep
  CHECK(p.ShouldPoll(10002, 100500));        // a new command opens a new window
  // The load drops: the next sample turns polling off.
  p.Sample(10100, 200000);
  CHECK_FALSE(p.hot());
  CHECK_FALSE(p.ShouldPoll(10101, 200001));
}

TEST_CASE("busy poll: a zero window turns it off, and the rate threshold follows the window") {
  BusyPoller p(0);
  p.Sample(0, 0);
  p.Sample(1000000, 100000);
  CHECK_FALSE(p.hot());
  CHECK_FALSE(p.ShouldPoll(1000001, 100001));
  p.set_window(200);  // one command per 200 us is now enough
  p.Sample(1000600, 200000);
  CHECK(p.hot());
  p.set_window(0);
  CHECK_FALSE(p.hot());
  // Counters going backwards (CONFIG RESETSTAT) do not count as load.
  p.set_window(20);
  p.Sample(5, 300000);
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
