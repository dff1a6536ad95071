// Logging from signal handlers, and the crash report: on SIGSEGV, SIGBUS, SIGFPE, SIGILL
// and SIGABRT the process writes Redis's "crashed by signal" report with a stack trace to
// its log, then dies of the same signal (so a core dump or the exit status still tells).
// Everything here runs in signal context: only async-signal-safe calls, no allocation.
#pragma once

#include <string>

namespace ember {

// Where handlers write: the log file ("" means standard output). Call at startup.
void SetSignalLogFile(const std::string& path);

// Appends "<pid>:signal-handler (<unix time>) <msg>\n" to the log (Redis's
// serverLogFromHandler format).
void LogFromSignalHandler(const char* msg);

// Installs the crash handlers. `enabled` is read at crash time: when false, the report is
// skipped and the process just dies of the signal (crash-log-enabled no).
void InstallCrashHandlers(const char* program_name, const bool* enabled);

}  // namespace ember
