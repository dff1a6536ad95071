// Allocation accounting. Every heap allocation of the process (malloc through these
// wrappers, and all of operator new) is counted, so used_memory is exact and cheap to read.
#pragma once

#include <cstddef>

namespace ember {

void* MemAlloc(size_t size);
void* MemRealloc(void* ptr, size_t size);
void MemFree(void* ptr);
// Usable size of a block returned by MemAlloc/MemRealloc.
size_t MemUsable(void* ptr);

// Bytes currently allocated (usable sizes, as Redis's used_memory).
size_t UsedMemory();
// Peak of UsedMemory since start or last ResetPeakMemory.
size_t PeakMemory();
void ResetPeakMemory();
// Resident set size of the process, read from /proc/self/statm.
size_t ResidentMemory();

namespace internal {
// Counts a block obtained from malloc() directly (nothrow new).
void CountExternal(void* p);
}  // namespace internal

}  // namespace ember
