// MULTI / EXEC / WATCH through the in-process harness.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/util/clock.h"
#include "tests/unit/server/harness.h"

using ember::RespValue;
using ember::test::Harness;

namespace {

constexpr int64_t kT0Ms = 1'700'000'000'000;

// Fixes the clock for one test and restores the real one after.
struct FakeClock {
  FakeClock() { SetMs(kT0Ms); }
  ~FakeClock() { ember::ClearFakeTime(); }
  void SetMs(int64_t ms) { ember::SetFakeTimeUs(ms * 1000); }
};

bool ExecRan(const RespValue& r) { return r.is_array() && !r.is_null(); }

}  // namespace

TEST_CASE("transactions: WATCH and keys that expire") {
  FakeClock clock;
  Harness h;
  // Already expired when WATCHed: its deletion by expiry is no change.
  h.Run({"SET", "stale", "v", "PX", "100"});
  clock.SetMs(kT0Ms + 200);
  CHECK(h.Run({"WATCH", "stale"}).str == "OK");
  CHECK(h.Run({"GET", "stale"}).is_null());  // lazily expired (deleted) here
  h.Run({"MULTI"});
  h.Run({"PING"});
  CHECK(ExecRan(h.Run({"EXEC"})));

  // Live when WATCHed, expired by EXEC: the transaction fails.
  h.Run({"SET", "live", "v", "PX", "100"});
  CHECK(h.Run({"WATCH", "live"}).str == "OK");
  clock.SetMs(kT0Ms + 400);
  h.Run({"MULTI"});
  h.Run({"PING"});
  CHECK(h.Run({"EXEC"}).is_null());

  // FLUSHDB of a db whose only watched key was already expired changes nothing.
  h.Run({"SET", "stale2", "v", "PX", "100"});
  clock.SetMs(kT0Ms + 600);
  CHECK(h.Run({"WATCH", "stale2"}).str == "OK");
  CHECK(h.Run({"FLUSHDB"}).str == "OK");
  h.Run({"MULTI"});
  h.Run({"PING"});
  CHECK(ExecRan(h.Run({"EXEC"})));

  // A live watched key that is overwritten still fails the EXEC.
  h.Run({"SET", "k", "1"});
  CHECK(h.Run({"WATCH", "k"}).str == "OK");
  h.Run({"SET", "k", "2"});
  h.Run({"MULTI"});
  h.Run({"PING"});
  CHECK(h.Run({"EXEC"}).is_null());
}

TEST_CASE("transactions: an EXEC refused before it runs discards the transaction") {
  Harness h;
  ember::Client* other = h.NewClient();
  CHECK(h.Run({"MULTI"}).str == "OK");
  CHECK(h.Run({"SET", "k", "v"}).str == "QUEUED");
  CHECK(h.RunOn(other, {"CONFIG", "SET", "maxmemory", "1"}).str == "OK");
  RespValue r = h.Run({"EXEC"});
  REQUIRE(r.is_error());
  CHECK(r.str ==
        "EXECABORT Transaction discarded because of: OOM command not allowed when used memory > "
        "'maxmemory'.");
  CHECK(h.RunOn(other, {"CONFIG", "SET", "maxmemory", "0"}).str == "OK");
  // No longer in MULTI: commands run at once.
  CHECK(h.Run({"PING"}).str == "PONG");
  CHECK(h.Run({"EXISTS", "k"}).integer == 0);
}

TEST_CASE("transactions: RESET forgets the queue and the WATCHed keys") {
  Harness h;
  h.Run({"SET", "k", "1"});
  CHECK(h.Run({"WATCH", "k"}).str == "OK");
  h.Run({"MULTI"});
  h.Run({"INCR", "k"});
  CHECK(h.Run({"RESET"}).str == "RESET");
  h.Run({"SET", "k", "5"});  // touching k must no longer matter
  h.Run({"MULTI"});
  h.Run({"PING"});
  RespValue r = h.Run({"EXEC"});
  REQUIRE(ExecRan(r));
  CHECK(r.elems.size() == 1);  // only the PING: the INCR queued before RESET is gone
  CHECK(h.Run({"GET", "k"}).str == "5");
}
