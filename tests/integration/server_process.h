// Starts a real server binary on a free port in a fresh temporary directory, waits for it
// by polling, and stops it. The log is printed when a test using it fails.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/resp/client.h"

namespace ember::test {

// A port nobody listens on now (bind to 0, read it back). Never 6379.
int FreePort();

class ServerProcess {
 public:
  // `args` are extra `--directive value` arguments.
  explicit ServerProcess(std::vector<std::string> args = {}, std::string binary = EMBER_SERVER_BIN);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Launches and waits until PING answers (or the process died / timeout).
  bool Start(int timeout_ms = 10000);
  void Stop();
  // SIGKILL, for crash-safety tests.
  void Kill();
  bool Alive();
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  std::string Log() const;
  RespClient Connect();

 private:
  std::vector<std::string> args_;
  std::string binary_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace ember::test
