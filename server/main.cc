// ember-server: `ember-server [configfile] [--directive value ...]`, as redis-server.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <cstdio>
#include <cxxopts.hpp>
#include <fstream>

#include "common/util/crash.h"
#include "common/util/log.h"
#include "common/util/sanitizers.h"
#include "common/util/strings.h"
#include "server/persistence.h"
#include "server/server.h"

namespace {

void PrintVersion() {
  printf("Ember server v=%s redis_version=%s bits=64 malloc=libc\n", EMBER_VERSION,
         EMBER_REDIS_COMPAT_VERSION);
}

void PrintUsage() {
  fprintf(stderr,
          "Usage: ./ember-server [/path/to/redis.conf] [options] [-]\n"
          "       ./ember-server - (read config from stdin)\n"
          "       ./ember-server -v or --version\n"
          "       ./ember-server -h or --help\n\n"
          "Examples:\n"
          "       ./ember-server (run the server with default config)\n"
          "       ./ember-server /etc/redis/6379.conf\n"
          "       ./ember-server --port 7777\n"
          "       ./ember-server /etc/myredis.conf --loglevel verbose -\n"
          "       ./ember-server /etc/myredis.conf --loglevel verbose\n\n");
}

// Handles -h/--help and -v/--version; everything else is redis.conf-style config.
bool HandleInfoFlags(int argc, char** argv, int* exit_code) {
  if (argc < 2) return false;
  std::string first = argv[1];
  if (first != "-h" && first != "--help" && first != "-v" && first != "--version") return false;
  try {
    cxxopts::Options opts("ember-server", "Ember, a Redis-compatible data server");
    opts.allow_unrecognised_options();
    opts.add_options()("h,help", "Show usage")("v,version", "Show version");
    auto res = opts.parse(argc, argv);
    if (res.count("version")) {
      PrintVersion();
    } else {
      PrintUsage();
    }
    *exit_code = 0;
  } catch (const std::exception& e) {
    fprintf(stderr, "%s\n", e.what());
    *exit_code = 1;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int code;
  if (HandleInfoFlags(argc, argv, &code)) return code;
  signal(SIGPIPE, SIG_IGN);

  uv_loop_t* loop = uv_default_loop();
  auto server = std::make_unique<ember::Server>(loop);
  ember::Config& cfg = server->config();
  ember::Status st = cfg.LoadArgs(argc, argv);
  if (!st.ok()) {
    fprintf(stderr, "%s", st.message().c_str());
    if (st.message().empty() || st.message().back() != '\n') fputc('\n', stderr);
    return 1;
  }
  if (cfg.daemonize && cfg.logfile.empty()) cfg.logfile = "/dev/null";
  if (cfg.daemonize) {
    if (daemon(1, 0) != 0) {
      perror("daemon");
      return 1;
    }
  }
  if (!ember::SetupLogging(cfg.logfile, cfg.loglevel, 'M')) return 1;
  ember::SetSignalLogFile(cfg.logfile);
  ember::InstallShutdownSignalHandlers(*server);
  // AddressSanitizer reports SIGSEGV itself.
  if (!ember::kAddressSanitizer) ember::InstallCrashHandlers("Ember", &cfg.crash_log_enabled);
  server->executable = argv[0];
  for (int i = 0; i < argc; i++) server->exec_argv.emplace_back(argv[i]);

  spdlog::warn("oO0OoO0OoO0Oo Ember is starting oO0OoO0OoO0Oo");
  spdlog::warn("Ember version={}, redis_version={}, bits=64, pid={}, just started", EMBER_VERSION,
               EMBER_REDIS_COMPAT_VERSION, getpid());
  if (cfg.config_file().empty()) {
    spdlog::warn(
        "Warning: no config file specified, using the default config. In order to specify a "
        "config file use {} /path/to/redis.conf",
        argv[0]);
  } else {
    spdlog::warn("Configuration loaded");
  }
  server->Init();
  ember::Status ls = server->Listen();
  if (!ls.ok()) {
    spdlog::warn("{}", ls.message());
    return 1;
  }
  spdlog::info("Ember {} (Redis {} compatible), standalone mode, port {}, PID: {}", EMBER_VERSION,
               EMBER_REDIS_COMPAT_VERSION, cfg.port, getpid());
  if (!cfg.pidfile.empty()) {
    std::ofstream pf(cfg.pidfile);
    if (pf) pf << getpid() << "\n";
  }
  spdlog::info("Server initialized");
  server->serve_while_loading = true;
  bool loaded = ember::LoadDataFromDisk(*server);
  server->serve_while_loading = false;
  if (!loaded) {
    spdlog::shutdown();
    return 1;
  }
  spdlog::info("Ready to accept connections");
  {
    std::vector<std::string> master;
    if (ember::SplitArgs(cfg.GetOne("replicaof"), &master) && master.size() == 2) {
      server->ReplicaOf(master[0], std::stoi(master[1]), nullptr);
    }
  }

  server->Run();  // until SHUTDOWN or a signal completed the shutdown sequence
  ember::ExitAfterShutdown();
}
