#include "common/util/cpus.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace ember {

double ParseCgroupCpuMax(std::string_view text) {
  size_t sp = text.find(' ');
  if (sp == std::string_view::npos) return 0;
  std::string_view quota = text.substr(0, sp), period = text.substr(sp + 1);
  while (!period.empty() && (period.back() == '\n' || period.back() == ' ')) {
    period.remove_suffix(1);
  }
  long q = 0, p = 0;
  auto rq = std::from_chars(quota.data(), quota.data() + quota.size(), q);
  auto rp = std::from_chars(period.data(), period.data() + period.size(), p);
  if (rq.ec != std::errc() || rq.ptr != quota.data() + quota.size() || rp.ec != std::errc() ||
      rp.ptr != period.data() + period.size() || q <= 0 || p <= 0) {
    return 0;  // "max" (unlimited) or malformed
  }
  return double(q) / double(p);
}

namespace {
// cpu.max of the process's own cgroup (the "0::<path>" line of /proc/self/cgroup).
double CgroupQuota() {
  std::ifstream cg("/proc/self/cgroup");
  std::string line;
  while (std::getline(cg, line)) {
    if (line.rfind("0::", 0) != 0) continue;
    std::ifstream f("/sys/fs/cgroup" + line.substr(3) + "/cpu.max");
    std::stringstream text;
    text << f.rdbuf();
    return f ? ParseCgroupCpuMax(text.str()) : 0;
  }
  return 0;
}
}  // namespace

double AvailableCpus() {
  double cpus = 1;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) cpus = std::max(1, CPU_COUNT(&set));
  double quota = CgroupQuota();
  if (quota > 0) cpus = std::min(cpus, quota);
  return std::max(1.0, cpus);
}

}  // namespace ember
