#include "common/util/memory.h"

#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

namespace ember {
namespace {
// Relaxed atomics: threads (background flush, logging) allocate too.
std::atomic<size_t> used{0};
std::atomic<size_t> peak{0};

inline void Count(void* p) {
  if (!p) return;
  size_t size = malloc_usable_size(p);
  size_t now = used.fetch_add(size, std::memory_order_relaxed) + size;
  if (now > peak.load(std::memory_order_relaxed)) peak.store(now, std::memory_order_relaxed);
}
inline void Uncount(void* p) {
  if (p) used.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
}
}  // namespace

namespace internal {
void CountExternal(void* p) { Count(p); }
}  // namespace internal

void* MemAlloc(size_t size) {
  void* p = malloc(size);
  if (!p) throw std::bad_alloc();
  Count(p);
  return p;
}

void* MemRealloc(void* ptr, size_t size) {
  Uncount(ptr);
  void* p = realloc(ptr, size);
  if (!p) throw std::bad_alloc();
  Count(p);
  return p;
}

void MemFree(void* ptr) {
  Uncount(ptr);
  free(ptr);
}

size_t MemUsable(void* ptr) { return malloc_usable_size(ptr); }
size_t UsedMemory() { return used.load(std::memory_order_relaxed); }
size_t PeakMemory() { return peak.load(std::memory_order_relaxed); }
void ResetPeakMemory() { peak.store(UsedMemory(), std::memory_order_relaxed); }

size_t ResidentMemory() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long pages = 0, resident = 0;
  int n = fscanf(f, "%ld %ld", &pages, &resident);
  fclose(f);
  if (n != 2) return 0;
  return size_t(resident) * size_t(sysconf(_SC_PAGESIZE));
}

}  // namespace ember

// Route all of operator new through the accounting wrappers.
void* operator new(size_t size) { return ember::MemAlloc(size ? size : 1); }
void* operator new[](size_t size) { return ember::MemAlloc(size ? size : 1); }
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  void* p = malloc(size ? size : 1);
  if (p) ember::internal::CountExternal(p);
  return p;
}
void operator delete(void* p) noexcept { ember::MemFree(p); }
void operator delete[](void* p) noexcept { ember::MemFree(p); }
void operator delete(void* p, size_t) noexcept { ember::MemFree(p); }
void operator delete[](void* p, size_t) noexcept { ember::MemFree(p); }
