#include "common/util/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>

namespace ember {
namespace {
std::atomic<char> log_role{'M'};

class RedisLevelFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    char c = '*';
    switch (msg.level) {
      case spdlog::level::trace:
        c = '.';
        break;
      case spdlog::level::debug:
        c = '-';
        break;
      case spdlog::level::info:
        c = '*';
        break;
      default:
        c = '#';
        break;
    }
    dest.push_back(c);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<RedisLevelFlag>();
  }
};

class RoleFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    dest.push_back(log_role.load());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<RoleFlag>();
  }
};
}  // namespace

void SetLogLevel(const std::string& level) {
  spdlog::level::level_enum l = spdlog::level::info;
  if (level == "debug")
    l = spdlog::level::trace;
  else if (level == "verbose")
    l = spdlog::level::debug;
  else if (level == "notice")
    l = spdlog::level::info;
  else if (level == "warning")
    l = spdlog::level::warn;
  else if (level == "nothing")
    l = spdlog::level::off;
  spdlog::set_level(l);
}

void SetLogRole(char role) { log_role = role; }

bool SetupLogging(const std::string& file, const std::string& level, char role) {
  log_role = role;
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (file.empty()) {
      logger = spdlog::stdout_logger_mt("ember");
    } else {
      logger = spdlog::basic_logger_mt("ember", file);
    }
  } catch (const spdlog::spdlog_ex& e) {
    fprintf(stderr, "Can't open the log file: %s\n", e.what());
    return false;
  }
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<RedisLevelFlag>('*').add_flag<RoleFlag>('&');
  formatter->set_pattern("%P:%& %d %b %Y %H:%M:%S.%e %* %v");
  logger->set_formatter(std::move(formatter));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  SetLogLevel(level);
  return true;
}

}  // namespace ember
