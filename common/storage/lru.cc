#include "common/storage/lru.h"

#include <random>

#include "common/storage/entry.h"
#include "common/util/clock.h"

namespace ember {
namespace {
AccessPolicy policy;
std::minstd_rand lfu_rng(12345);

uint32_t LfuMinutes() { return uint32_t(NowMs() / 1000 / 60) & 0xffff; }

uint32_t LfuElapsedMinutes(uint32_t ldt) {
  uint32_t now = LfuMinutes();
  return now >= ldt ? now - ldt : 65535 - ldt + now;
}

uint32_t LfuDecayed(uint32_t field) {
  uint32_t ldt = field >> 8, counter = field & 0xff;
  uint32_t periods = policy.lfu_decay_time ? LfuElapsedMinutes(ldt) / policy.lfu_decay_time : 0;
  return periods > counter ? 0 : counter - periods;
}
}  // namespace

AccessPolicy& GetAccessPolicy() { return policy; }

uint32_t LruClock() { return uint32_t(NowMs() / 1000) & kLruClockMax; }

uint32_t InitialAccessField() {
  return policy.lfu ? (LfuMinutes() << 8) | kLfuInitVal : LruClock();
}

void TouchEntry(Entry* e) {
  if (!policy.lfu) {
    e->set_lru(LruClock());
    return;
  }
  uint32_t counter = LfuDecayed(e->lru());
  if (counter < 255) {
    double r = double(lfu_rng() - lfu_rng.min()) / double(lfu_rng.max() - lfu_rng.min());
    double base = counter > kLfuInitVal ? counter - kLfuInitVal : 0;
    double p = 1.0 / (base * policy.lfu_log_factor + 1);
    if (r < p) counter++;
  }
  e->set_lru((LfuMinutes() << 8) | counter);
}

uint64_t EntryIdleMs(const Entry* e) {
  uint32_t now = LruClock(), then = e->lru();
  uint64_t secs = now >= then ? now - then : (kLruClockMax - then) + now;
  return secs * 1000;
}

uint32_t EntryLfuCount(const Entry* e) { return LfuDecayed(e->lru()); }

}  // namespace ember
