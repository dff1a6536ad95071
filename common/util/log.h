// Logging through spdlog in Redis's line format:
//   <pid>:<role> <day> <mon> <year> <hh:mm:ss.mmm> <level char> <message>
// with level chars '.' debug, '-' verbose, '*' notice, '#' warning.
#pragma once

#include <string>

namespace ember {

// role: 'M' master, 'S' replica, 'X' sentinel, 'C' child. `file` empty = stdout.
// Redis levels map to spdlog as debug->trace, verbose->debug, notice->info, warning->warn.
bool SetupLogging(const std::string& file, const std::string& level, char role);
void SetLogLevel(const std::string& level);
void SetLogRole(char role);

}  // namespace ember
