// Lazy freeing, as Redis's lazyfree.c: values that are expensive to free (many allocations)
// are unlinked from the keyspace at once and destroyed by a background thread, so UNLINK,
// FLUSHALL ASYNC and the lazyfree-lazy-* paths never stall the loop on a huge value.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/storage/db.h"
#include "common/storage/entry.h"

namespace ember {

// Roughly how many allocations freeing the value takes (Redis's lazyfreeGetFreeEffort):
// 1 for compact encodings, the element or node count otherwise.
size_t FreeEffort(const Entry* e);

class LazyFree {
 public:
  // Below this effort a value is freed at once: the hand-off would cost more.
  static constexpr size_t kThreshold = 64;

  LazyFree();
  ~LazyFree();  // frees what is still queued, then joins the thread
  LazyFree(const LazyFree&) = delete;
  LazyFree& operator=(const LazyFree&) = delete;

  // Frees an entry already unlinked from its database: in the background when its effort
  // is above kThreshold, now otherwise.
  void Free(Entry* e);
  // Frees a database's former contents (FLUSHALL/FLUSHDB ASYNC, Db::TakeContents) in the
  // background; each key counts as one object.
  void FreeDb(std::unique_ptr<Db> contents);

  // INFO lazyfree_pending_objects / lazyfreed_objects.
  size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  size_t freed() const { return freed_.load(std::memory_order_relaxed); }
  void ResetStats() { freed_.store(0, std::memory_order_relaxed); }

 private:
  struct Job {
    Entry* entry = nullptr;
    std::unique_ptr<Db> db;
    size_t objects = 0;
  };
  void Push(Job job);
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stop_ = false;
  std::atomic<size_t> pending_{0}, freed_{0};
  std::thread thread_;
};

}  // namespace ember
