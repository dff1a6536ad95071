#include "common/util/crash.h"

#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <ctime>

namespace ember {
namespace {

char g_logfile[4096];  // "" logs to stdout
const char* g_program = "Ember";
const bool* g_enabled = nullptr;

int OpenLog() {
  if (g_logfile[0] == '\0') return STDOUT_FILENO;
  return open(g_logfile, O_APPEND | O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
}

void CloseLog(int fd) {
  if (fd != STDOUT_FILENO) close(fd);
}

void Put(int fd, const char* s, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w <= 0) return;
    s += w;
    n -= size_t(w);
  }
}
void Put(int fd, const char* s) { Put(fd, s, strlen(s)); }

// Decimal (or, with `base` 16, hex) digits of `v`, without allocating.
void PutNumber(int fd, uint64_t v, unsigned base = 10) {
  char buf[24];
  char* end = buf + sizeof(buf);
  char* p = end;
  do {
    *--p = "0123456789abcdef"[v % base];
    v /= base;
  } while (v != 0);
  Put(fd, p, size_t(end - p));
}

void PutPrefix(int fd) {
  PutNumber(fd, uint64_t(getpid()));
  Put(fd, ":signal-handler (");
  PutNumber(fd, uint64_t(time(nullptr)));
  Put(fd, ") ");
}

void OnCrash(int sig, siginfo_t* info, void*) {
  if (g_enabled == nullptr || *g_enabled) {
    int fd = OpenLog();
    if (fd != -1) {
      Put(fd, "\n\n=== ");
      Put(fd, g_program);
      Put(fd, " BUG REPORT START: Cut & paste starting from here ===\n");
      PutPrefix(fd);
      Put(fd, g_program);
      Put(fd, " crashed by signal: ");
      PutNumber(fd, uint64_t(sig));
      Put(fd, ", si_code: ");
      if (info->si_code < 0) Put(fd, "-");
      PutNumber(fd, uint64_t(info->si_code < 0 ? -int64_t(info->si_code) : info->si_code));
      Put(fd, "\n");
      if (sig == SIGSEGV || sig == SIGBUS) {
        PutPrefix(fd);
        Put(fd, "Accessing address: 0x");
        PutNumber(fd, uint64_t(reinterpret_cast<uintptr_t>(info->si_addr)), 16);
        Put(fd, "\n");
      }
      Put(fd, "\n------ STACK TRACE ------\n\n");
      void* frames[100];
      int n = backtrace(frames, 100);
      backtrace_symbols_fd(frames, n, fd);
      Put(fd, "\n=== ");
      Put(fd, g_program);
      Put(fd, " BUG REPORT END. Make sure to include from START to END. ===\n\n");
      CloseLog(fd);
    }
  }
  // Die of the same signal, with the default action (core dump where enabled).
  struct sigaction dfl {};
  sigemptyset(&dfl.sa_mask);
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, nullptr);
  raise(sig);
}

}  // namespace

void SetSignalLogFile(const std::string& path) {
  size_t n = std::min(path.size(), sizeof(g_logfile) - 1);
  memcpy(g_logfile, path.data(), n);
  g_logfile[n] = '\0';
}

void LogFromSignalHandler(const char* msg) {
  int fd = OpenLog();
  if (fd == -1) return;
  PutPrefix(fd);
  Put(fd, msg);
  Put(fd, "\n");
  CloseLog(fd);
}

void InstallCrashHandlers(const char* program_name, const bool* enabled) {
  g_program = program_name;
  g_enabled = enabled;
  // backtrace() loads libgcc on its first call, which allocates: do that now, not in a crash.
  void* warm[1];
  (void)backtrace(warm, 1);
  struct sigaction act {};
  sigemptyset(&act.sa_mask);
  act.sa_flags = SA_NODEFER | SA_RESETHAND | SA_SIGINFO;
  act.sa_sigaction = OnCrash;
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(sig, &act, nullptr);
}

}  // namespace ember
