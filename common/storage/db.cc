#include "common/storage/db.h"

#include "common/storage/lru.h"
#include "common/util/clock.h"
#include "common/util/memory.h"

namespace ember {

void Db::Add(Entry* e) {
  e->set_lru(InitialAccessField());
  e->set_has_expire(false);
  keys_.Insert(e, HashString(e->key()));
  if (key_added_) key_added_(key_added_ctx_, id_, e->key());
}

Entry* Db::Set(Entry* fresh, bool keep_ttl) {
  std::string_view key = fresh->key();
  uint64_t h = HashString(key);
  Entry** link = keys_.FindLink(key, h);
  if (!link) {
    fresh->set_lru(InitialAccessField());
    fresh->set_has_expire(false);
    keys_.Insert(fresh, h);
    if (key_added_) key_added_(key_added_ctx_, id_, key);
    return fresh;
  }
  Entry* old = *link;
  fresh->set_lru(old->lru());
  if (old->has_expire()) {
    ExpireNode** elink = expires_.FindLink(key, h);
    if (keep_ttl) {
      (*elink)->entry = fresh;
      fresh->set_has_expire(true);
    } else {
      MemFree(expires_.Unlink(elink, h));
      fresh->set_has_expire(false);
    }
  } else {
    fresh->set_has_expire(false);
  }
  keys_.Replace(link, fresh);
  FreeEntry(old);
  return fresh;
}

Entry* Db::Detach(std::string_view key, int64_t* when_ms) {
  uint64_t h = HashString(key);
  Entry** link = keys_.FindLink(key, h);
  if (!link) return nullptr;
  Entry* e = keys_.Unlink(link, h);
  *when_ms = -1;
  if (e->has_expire()) {
    ExpireNode* n = expires_.Remove(key, h);
    *when_ms = n->when_ms;
    MemFree(n);
    e->set_has_expire(false);
  }
  return e;
}

bool Db::Delete(std::string_view key) {
  int64_t when;
  Entry* e = Detach(key, &when);
  if (!e) return false;
  FreeEntry(e);
  return true;
}

int64_t Db::GetExpire(const Entry* e) {
  if (!e->has_expire()) return -1;
  ExpireNode* n = expires_.Find(e->key(), HashString(e->key()));
  return n ? n->when_ms : -1;
}

void Db::SetExpire(Entry* e, int64_t when_ms) {
  uint64_t h = HashString(e->key());
  if (e->has_expire()) {
    ExpireNode* n = expires_.Find(e->key(), h);
    if (n) {
      n->when_ms = when_ms;
      return;
    }
  }
  auto* n = static_cast<ExpireNode*>(MemAlloc(sizeof(ExpireNode)));
  n->next = nullptr;
  n->entry = e;
  n->when_ms = when_ms;
  expires_.Insert(n, h);
  e->set_has_expire(true);
}

bool Db::Persist(Entry* e) {
  if (!e->has_expire()) return false;
  ExpireNode* n = expires_.Remove(e->key(), HashString(e->key()));
  if (n) MemFree(n);
  e->set_has_expire(false);
  return n != nullptr;
}

void Db::Clear() {
  expires_.ForEach([](ExpireNode* n) { MemFree(n); });
  expires_.Clear();
  keys_.ForEach([](Entry* e) { FreeEntry(e); });
  keys_.Clear();
  avg_ttl_ms = 0;
  expire_cursor = 0;
}

std::unique_ptr<Db> Db::TakeContents() {
  auto old = std::make_unique<Db>(-1);
  Swap(*old);
  return old;
}

void Db::Swap(Db& other) {
  std::swap(keys_, other.keys_);
  std::swap(expires_, other.expires_);
  std::swap(avg_ttl_ms, other.avg_ttl_ms);
  std::swap(expire_cursor, other.expire_cursor);
}

void Db::RehashSome(int64_t budget_us) {
  keys_.RehashFor(budget_us, MonotonicUs);
  expires_.RehashFor(budget_us, MonotonicUs);
}

}  // namespace ember
