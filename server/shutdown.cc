// Shutdown sequence, as Redis 7.0: SHUTDOWN and SIGTERM/SIGINT first let lagging replicas
// catch up (up to shutdown-timeout seconds, writes paused), then persist and exit; a failed
// save or an unfinished initial AOF keeps the server running; SHUTDOWN ABORT cancels.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <string>

#include "common/util/clock.h"
#include "common/util/crash.h"
#include "common/util/strings.h"
#include "server/persistence.h"
#include "server/server.h"

namespace ember {
namespace {

// Set by the signal handler, read by the cron (never written elsewhere while it can run).
volatile sig_atomic_t g_shutdown_asap = 0;
volatile sig_atomic_t g_last_signal = 0;
const bool* g_loading = nullptr;
// Signal-safe formatting: decimal digits of `v` at the end of `buf`, returns the start.
char* FormatUnsigned(uint64_t v, char* end) {
  char* p = end;
  do {
    *--p = char('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return p;
}

void OnShutdownSignal(int sig) {
  const char* msg = sig == SIGINT ? "Received SIGINT scheduling shutdown..."
                                  : "Received SIGTERM scheduling shutdown...";
  // A second Ctrl+C means now: no final save, no waiting for replicas.
  if (g_shutdown_asap && sig == SIGINT) {
    LogFromSignalHandler("You insist... exiting now.");
    char name[64] = "temp-";
    char digits[24];
    char* end = digits + sizeof(digits);
    char* p = FormatUnsigned(uint64_t(getpid()), end);
    size_t n = strlen(name);
    memcpy(name + n, p, size_t(end - p));
    memcpy(name + n + size_t(end - p), ".rdb", 5);
    unlink(name);  // the synchronous save's temp file (the process works in `dir`)
    _exit(1);
  }
  if (g_loading != nullptr && *g_loading) {
    msg = "Received shutdown signal during loading, scheduling shutdown.";
  }
  LogFromSignalHandler(msg);
  g_shutdown_asap = 1;
  g_last_signal = sig;
}

// shutdown-on-sigint / shutdown-on-sigterm: "default" or words among save, nosave, now, force.
ShutdownFlags FlagsForSignal(Server& s, int sig) {
  ShutdownFlags f;
  std::vector<std::string> words;
  if (!SplitArgs(s.config().GetOne(sig == SIGINT ? "shutdown-on-sigint" : "shutdown-on-sigterm"),
                 &words)) {
    return f;
  }
  for (const std::string& w : words) {
    if (EqualsIgnoreCase(w, "save")) f.save = true;
    if (EqualsIgnoreCase(w, "nosave")) f.nosave = true;
    if (EqualsIgnoreCase(w, "now")) f.now = true;
    if (EqualsIgnoreCase(w, "force")) f.force = true;
  }
  return f;
}

}  // namespace

void InstallShutdownSignalHandlers(const Server& s) {
  g_loading = &s.loading;
  struct sigaction act {};
  sigemptyset(&act.sa_mask);
  act.sa_flags = 0;
  act.sa_handler = OnShutdownSignal;
  sigaction(SIGTERM, &act, nullptr);
  sigaction(SIGINT, &act, nullptr);
}

bool Server::ReadyToShutdown() const {
  for (const Client* r : replicas_) {
    if (r->repl_ack_off != master_repl_offset_) return false;
  }
  return true;
}

bool Server::PrepareForShutdown(ShutdownFlags flags) {
  if (shutdown_initiated()) return false;
  // Never overwrite the dump with a half-loaded dataset.
  if (loading) {
    flags.save = false;
    flags.nosave = true;
  }
  shutdown_flags_ = flags;
  spdlog::warn("User requested shutdown...");
  if (!flags.now && config_.shutdown_timeout != 0 && !ReadyToShutdown()) {
    // Ask the replicas where they are now (a paused stream would not carry it), then pause
    // writes: setting the deadline is what starts the wait.
    if (!ClientsArePaused()) FeedReplicationStream(-1, {"REPLCONF", "GETACK", "*"});
    shutdown_deadline_ms_ = NowMs() + config_.shutdown_timeout * 1000;
    spdlog::info("Waiting for replicas before shutting down.");
    return false;
  }
  return FinishShutdown();
}

bool Server::FinishShutdown() {
  int replicas = 0, lagging = 0;
  int64_t now_s = NowMs() / 1000;
  for (Client* r : replicas_) {
    replicas++;
    if (r->repl_ack_off == master_repl_offset_) continue;
    lagging++;
    bool online = r->has(kClientReplicaOnline);
    spdlog::warn(
        "Lagging replica {} reported offset {} behind master, lag={}, state={}.",
        r->conn() ? r->conn()->peer() : std::string("?"), master_repl_offset_ - r->repl_ack_off,
        online ? now_s - r->repl_ack_time_ms / 1000 : 0, online ? "online" : "wait_bgsave");
  }
  if (replicas > 0) {
    spdlog::info("{} of {} replicas are in sync when shutting down.", replicas - lagging, replicas);
  }
  if (!ShutdownPersistence(*this, shutdown_flags_.save, shutdown_flags_.nosave,
                           shutdown_flags_.force)) {
    spdlog::warn("Errors trying to shut down the server. Check the logs for more information.");
    CancelShutdown();
    return false;
  }
  if (!config_.pidfile.empty()) {
    spdlog::info("Removing the pid file.");
    unlink(config_.pidfile.c_str());
  }
  // Best effort: what the replicas have not been sent yet goes out before the exit.
  for (Client* r : replicas_) MarkPendingWrite(r);
  FlushPendingWrites();
  RequestShutdown();
  return true;
}

void Server::CancelShutdown() {
  bool writes_paused = shutdown_initiated();  // the wait for replicas pauses writes
  g_shutdown_asap = 0;
  g_last_signal = 0;
  shutdown_flags_ = {};
  shutdown_deadline_ms_ = 0;
  std::vector<Client*> waiting;
  waiting.swap(shutdown_waiters_);
  for (Client* c : waiting) {
    c->clear(kClientBlocked);
    c->reply().Error("Errors trying to SHUTDOWN. Check logs.");
    MarkPendingWrite(c);
    // The SHUTDOWN that failed at once is still executing and is counted by Call; the ones
    // that waited are counted now, and their pipelined requests run from the loop.
    if (c == current_client_) continue;
    CountUnblockedCall(*c, {"shutdown"}, true);
    waiters_resumed_.push_back(c);
  }
  if (writes_paused) RetryPausedClients();
}

bool Server::AbortShutdown() {
  if (shutdown_initiated()) {
    CancelShutdown();
  } else if (g_shutdown_asap) {
    g_shutdown_asap = 0;  // a signal asked for it, the cron has not acted yet
  } else {
    return false;
  }
  spdlog::info("Shutdown manually aborted.");
  return true;
}

void Server::ShutdownOnRequest(Client& c, ShutdownFlags flags) {
  c.set(kClientBlocked);
  shutdown_waiters_.push_back(&c);
  // Ready now: the loop stops and the process exits without replying. Otherwise the client
  // waits for the replicas (or got its error from CancelShutdown already).
  PrepareForShutdown(flags);
}

void Server::ShutdownCron() {
  if (g_shutdown_asap && !shutdown_initiated()) {
    int sig = g_last_signal;
    if (PrepareForShutdown(FlagsForSignal(*this, sig))) return;
    if (!shutdown_initiated()) {
      spdlog::warn(
          "SIGTERM received but errors trying to shut down the server, check the logs for more "
          "information");
      g_shutdown_asap = 0;
      g_last_signal = 0;
    }
  } else if (shutdown_initiated()) {
    if (NowMs() >= shutdown_deadline_ms_ || ReadyToShutdown()) FinishShutdown();
  }
}

void ExitAfterShutdown() {
  spdlog::warn("Ember is now ready to exit, bye bye...");
  spdlog::shutdown();
  // Without tearing down the keyspace: the OS reclaims the memory faster.
  _exit(0);
}

bool Server::ShutdownRequestedWhileLoading() {
  if (!g_shutdown_asap) return false;
  if (PrepareForShutdown(ShutdownFlags{.nosave = true})) return true;
  spdlog::warn(
      "SIGTERM received but errors trying to shut down the server, check the logs for more "
      "information");
  g_shutdown_asap = 0;
  g_last_signal = 0;
  return false;
}

}  // namespace ember
