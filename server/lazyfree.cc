#include "server/lazyfree.h"

#include "common/storage/hash_table.h"
#include "common/storage/quicklist.h"
#include "common/storage/set_table.h"
#include "common/storage/stream.h"
#include "common/storage/zset.h"

namespace ember {

using proto::Encoding;
using proto::ObjType;

size_t FreeEffort(const Entry* e) {
  const void* p = e->v.ptr;
  switch (e->type()) {
    case ObjType::kList:
      return e->encoding() == Encoding::kQuicklist ? static_cast<const Quicklist*>(p)->NodeCount()
                                                   : 1;
    case ObjType::kSet:
      return e->encoding() == Encoding::kHashtable ? static_cast<const SetTable*>(p)->size() : 1;
    case ObjType::kZSet:
      return e->encoding() == Encoding::kSkiplist ? zset::Length(e) : 1;
    case ObjType::kHash:
      return e->encoding() == Encoding::kHashtable ? HashValueLength(p, e->encoding()) : 1;
    case ObjType::kStream: {
      // Every node, and per group its PEL and consumers.
      const auto* s = static_cast<const Stream*>(p);
      size_t effort = s->nodes().size();
      for (const auto& [name, cg] : s->groups()) {
        effort += 1 + cg->pel.size() + cg->consumers.size();
      }
      return effort;
    }
    default:
      return 1;
  }
}

LazyFree::LazyFree() : thread_([this] { Run(); }) {}

LazyFree::~LazyFree() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void LazyFree::Free(Entry* e) {
  if (FreeEffort(e) <= kThreshold) {
    FreeEntry(e);
    return;
  }
  Push(Job{e, nullptr, 1});
}

void LazyFree::FreeDb(std::unique_ptr<Db> contents) {
  size_t n = contents->size();
  Push(Job{nullptr, std::move(contents), n});
}

void LazyFree::Push(Job job) {
  pending_.fetch_add(job.objects, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void LazyFree::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    if (job.entry) FreeEntry(job.entry);
    job.db.reset();
    freed_.fetch_add(job.objects, std::memory_order_relaxed);
    pending_.fetch_sub(job.objects, std::memory_order_relaxed);
    lock.lock();
  }
}

}  // namespace ember
