// Time as the server sees it. Tests replace the source with a manual clock.
#pragma once

#include <cstdint>

namespace ember {

// Wall-clock milliseconds / microseconds since the Unix epoch (fakeable).
int64_t NowMs();
int64_t NowUs();
// Monotonic microseconds, for measuring durations (not fakeable).
int64_t MonotonicUs();

// Test hook: while set, NowMs/NowUs return this fixed time (in microseconds).
void SetFakeTimeUs(int64_t us);
void ClearFakeTime();

}  // namespace ember
