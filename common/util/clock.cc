#include "common/util/clock.h"

#include <time.h>

namespace ember {
namespace {
int64_t fake_us = -1;
}

int64_t NowUs() {
  if (fake_us >= 0) return fake_us;
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t NowMs() { return NowUs() / 1000; }

int64_t MonotonicUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

void SetFakeTimeUs(int64_t us) { fake_us = us; }
void ClearFakeTime() { fake_us = -1; }

}  // namespace ember
