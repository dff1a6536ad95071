// How much CPU the process may use: the CPUs its affinity mask allows, capped by a cgroup v2
// CPU quota (containers started with --cpus, systemd's CPUQuota=).
#pragma once

#include <string_view>

namespace ember {

// CPUs' worth of time available to the calling thread (at least 1).
double AvailableCpus();

// The quota in a cgroup v2 `cpu.max` file ("200000 100000" is 2 CPUs); 0 when unlimited
// ("max 100000") or unreadable.
double ParseCgroupCpuMax(std::string_view text);

}  // namespace ember
