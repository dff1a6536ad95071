#include "tests/integration/server_process.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace ember::test {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  socklen_t len = sizeof(sa);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  int port = ntohs(sa.sin_port);
  close(fd);
  return port;
}

ServerProcess::ServerProcess(std::vector<std::string> args, std::string binary)
    : args_(std::move(args)), binary_(std::move(binary)) {
  char tmpl[] = "/tmp/ember-test-XXXXXX";
  dir_ = mkdtemp(tmpl);
  port_ = FreePort();
}

ServerProcess::~ServerProcess() {
  Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool ServerProcess::Start(int timeout_ms) {
  std::vector<std::string> argv = {
      binary_, "--port",    std::to_string(port_), "--bind", "127.0.0.1", "--dir",
      dir_,    "--logfile", dir_ + "/server.log",  "--save", ""};
  argv.insert(argv.end(), args_.begin(), args_.end());
  pid_ = fork();
  if (pid_ == 0) {
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    execv(binary_.c_str(), cargv.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Alive()) break;
    RespClient c;
    if (c.Connect("127.0.0.1", port_, 1000).ok()) {
      auto r = c.Command({"PING"});
      if (r.ok()) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  MESSAGE("server failed to start; log:\n" << Log());
  return false;
}

bool ServerProcess::Alive() {
  if (pid_ <= 0) return false;
  int status;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void ServerProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 500; i++) {
    if (!Alive()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string ServerProcess::Log() const {
  std::ifstream f(dir_ + "/server.log");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

RespClient ServerProcess::Connect() {
  RespClient c;
  REQUIRE(c.Connect("127.0.0.1", port_).ok());
  return c;
}

}  // namespace ember::test
