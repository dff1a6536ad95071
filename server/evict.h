// maxmemory and key eviction, as Redis 7.0's evict.c: which memory counts, the eviction pool
// fed by sampling, and the eight maxmemory-policy values.
#pragma once

#include <cstddef>

namespace ember {

class Server;

enum class EvictResult {
  kOk,       // under the limit (or no limit)
  kRunning,  // still over, eviction continues from the cron (time budget spent)
  kFail,     // over the limit and nothing may or can be evicted
};

// Used memory as eviction sees it: without replica output buffers and the AOF buffer.
size_t MemoryForEviction(Server& s);

// Installs the keyspace tables' growth check: a table at most 1.618 full does not grow when
// the new bucket array would take memory over maxmemory.
void InstallExpandCheck(Server& s);
// Removes it if `s` installed it (server destruction).
void UninstallExpandCheck(Server& s);

// Evicts keys until used memory is at most maxmemory, within the time budget that
// maxmemory-eviction-tenacity allows. Each eviction deletes the key, propagates DEL (or
// UNLINK with lazyfree-lazy-eviction), fires "evicted" and counts in evicted_keys.
EvictResult PerformEvictions(Server& s);

}  // namespace ember
