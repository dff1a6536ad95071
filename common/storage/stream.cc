#include "common/storage/stream.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>
#include <vector>

#include "common/storage/listpack.h"
#include "common/util/memory.h"
#include "common/util/strings.h"

namespace ember {

namespace {

// An integer element of a stream listpack (stored as an integer, or as digits).
int64_t LpInt(const uint8_t* p) {
  lp::Value v = lp::Get(p);
  if (v.is_int) return v.ival;
  int64_t r = 0;
  StringToInt64(v.sval, &r);
  return r;
}

bool LpIntIfValid(const uint8_t* p, int64_t* out) {
  lp::Value v = lp::Get(p);
  if (v.is_int) {
    *out = v.ival;
    return true;
  }
  return StringToInt64(v.sval, out);
}

uint8_t* LpReplaceInt(uint8_t* lp, uint8_t** p, int64_t v) {
  char buf[24];
  size_t n = Int64ToChars(v, buf);
  return lp::Replace(lp, p, std::string_view(buf, n));
}

uint8_t* LpShrinkToFit(uint8_t* lp) {
  size_t n = lp::Bytes(lp);
  if (n < MemUsable(lp)) return static_cast<uint8_t*>(MemRealloc(lp, n));
  return lp;
}

// The ID of the first or last entry of a node listpack (tombstones included). False if the
// node holds no entry.
bool NodeEdgeID(uint8_t* lp, bool first, const StreamID& master, StreamID* edge) {
  uint8_t* p;
  if (first) {
    p = lp::First(lp);    // count
    p = lp::Next(lp, p);  // deleted
    p = lp::Next(lp, p);  // master field count
    int64_t nfields = LpInt(p);
    p = lp::Next(lp, p);
    for (int64_t i = 0; i < nfields; i++) p = lp::Next(lp, p);
    p = lp::Next(lp, p);  // past the master terminator: flags of the first entry
    if (!p) return false;
  } else {
    p = lp::Last(lp);
    int64_t lp_count = LpInt(p);
    if (lp_count == 0) return false;  // only the master entry
    while (lp_count--) p = lp::Prev(lp, p);
  }
  p = lp::Next(lp, p);  // ms delta
  StreamID id = master;
  id.ms += uint64_t(LpInt(p));
  p = lp::Next(lp, p);
  id.seq += uint64_t(LpInt(p));
  *edge = id;
  return true;
}

// Redis's string2ull: a canonical integer, else what strtoull accepts for the whole string
// (leading blanks, a sign, leading zeros; "-N" wraps around).
bool ParseU64(std::string_view s, uint64_t* out) {
  int64_t ll;
  if (StringToInt64(s, &ll)) {
    if (ll < 0) return false;
    *out = uint64_t(ll);
    return true;
  }
  size_t i = 0, n = s.size();
  while (i < n && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
  bool neg = false;
  if (i < n && (s[i] == '+' || s[i] == '-')) {
    neg = s[i] == '-';
    i++;
  }
  if (i == n) return false;
  uint64_t v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = uint64_t(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = neg ? 0 - v : v;
  return true;
}

size_t FormatU64(uint64_t v, char* buf) {
  char tmp[20];
  size_t n = 0;
  do {
    tmp[n++] = char('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
  return n;
}

}  // namespace

// ---- StreamID ----------------------------------------------------------------------------

bool StreamID::Incr() {
  if (seq != UINT64_MAX) {
    seq++;
    return true;
  }
  if (ms == UINT64_MAX) {
    ms = seq = 0;
    return false;
  }
  ms++;
  seq = 0;
  return true;
}

bool StreamID::Decr() {
  if (seq != 0) {
    seq--;
    return true;
  }
  if (ms == 0) {
    ms = seq = UINT64_MAX;
    return false;
  }
  ms--;
  seq = UINT64_MAX;
  return true;
}

size_t StreamID::Format(char* buf) const {
  size_t n = FormatU64(ms, buf);
  buf[n++] = '-';
  return n + FormatU64(seq, buf + n);
}

std::string StreamID::ToString() const {
  char buf[kMaxChars];
  return std::string(buf, Format(buf));
}

void StreamID::Encode(uint8_t out[16]) const {
  for (int i = 0; i < 8; i++) {
    out[i] = uint8_t(ms >> (56 - 8 * i));
    out[8 + i] = uint8_t(seq >> (56 - 8 * i));
  }
}

StreamID StreamID::Decode(const uint8_t in[16]) {
  StreamID id;
  for (int i = 0; i < 8; i++) {
    id.ms = (id.ms << 8) | in[i];
    id.seq = (id.seq << 8) | in[8 + i];
  }
  return id;
}

bool ParseStreamID(std::string_view arg, StreamID* id, uint64_t missing_seq, bool strict,
                   bool* seq_given) {
  // Redis copies the argument into a 128-byte C string buffer.
  if (arg.size() > 127) return false;
  size_t nul = arg.find('\0');
  if (nul != std::string_view::npos) arg = arg.substr(0, nul);
  if (strict && (arg == "-" || arg == "+")) return false;
  if (seq_given) *seq_given = true;
  if (arg == "-") {
    *id = StreamID::Min();
    return true;
  }
  if (arg == "+") {
    *id = StreamID::Max();
    return true;
  }
  uint64_t ms, seq;
  size_t dash = arg.find('-');
  if (!ParseU64(arg.substr(0, dash), &ms)) return false;
  if (dash != std::string_view::npos) {
    std::string_view rest = arg.substr(dash + 1);
    if (seq_given && rest == "*") {
      seq = 0;
      *seq_given = false;
    } else if (!ParseU64(rest, &seq)) {
      return false;
    }
  } else {
    seq = missing_seq;
  }
  id->ms = ms;
  id->seq = seq;
  return true;
}

// ---- Consumer groups ---------------------------------------------------------------------

StreamCG::~StreamCG() {
  for (auto& [id, nack] : pel) delete nack;
  for (auto& [name, consumer] : consumers) delete consumer;
}

StreamConsumer* StreamCG::FindConsumer(std::string_view name) const {
  auto it = consumers.find(name);
  return it == consumers.end() ? nullptr : it->second;
}

StreamConsumer* StreamCG::CreateConsumer(std::string_view name, int64_t seen_time) {
  auto it = consumers.lower_bound(name);
  if (it != consumers.end() && it->first == name) return nullptr;
  auto* consumer = new StreamConsumer;
  consumer->name.assign(name);
  consumer->seen_time = seen_time;
  consumers.emplace_hint(it, consumer->name, consumer);
  return consumer;
}

void StreamCG::DeleteConsumer(StreamConsumer* consumer) {
  for (auto& [id, nack] : consumer->pel) {
    pel.erase(id);
    delete nack;
  }
  consumers.erase(consumer->name);
  delete consumer;
}

void StreamCG::DeleteNack(StreamPel::iterator it) {
  StreamNack* nack = it->second;
  if (nack->consumer) nack->consumer->pel.erase(it->first);
  pel.erase(it);
  delete nack;
}

// ---- Stream ------------------------------------------------------------------------------

Stream::~Stream() {
  for (auto& [id, lp] : nodes_) lp::Free(lp);
  for (auto& [name, cg] : groups_) delete cg;
}

Stream::AppendResult Stream::Append(std::span<const std::string_view> fv, const StreamID* use_id,
                                    bool seq_given, int64_t now_ms, const NodeLimits& limits,
                                    StreamID* added) {
  StreamID id;
  if (use_id) {
    if (seq_given) {
      id = *use_id;
    } else if (last_id.ms == use_id->ms) {
      // Next sequence of the last ID, which must not wrap into the next millisecond.
      if (last_id.seq == UINT64_MAX) return AppendResult::kSeqExhausted;
      id = last_id;
      id.seq++;
    } else {
      id = *use_id;
    }
  } else {
    uint64_t ms = uint64_t(now_ms);
    if (ms > last_id.ms) {
      id = {ms, 0};
    } else {
      id = last_id;
      id.Incr();
    }
  }
  if (id <= last_id) return AppendResult::kIdNotGreater;

  size_t totelelen = 0;
  for (std::string_view s : fv) totelelen += s.size();
  if (totelelen > kListpackMaxSize) return AppendResult::kTooLarge;

  size_t numfields = fv.size() / 2;
  uint8_t* lp = nullptr;
  NodeMap::iterator tail = nodes_.end();
  if (!nodes_.empty()) {
    tail = std::prev(nodes_.end());
    lp = tail->second;
    size_t node_max_bytes = size_t(limits.max_bytes);
    if (limits.max_bytes <= 0 || node_max_bytes > kListpackMaxSize) {
      node_max_bytes = kListpackMaxSize;
    }
    bool new_node = false;
    if (lp::Bytes(lp) + totelelen >= node_max_bytes) {
      new_node = true;
    } else if (limits.max_entries) {
      uint8_t* p = lp::First(lp);
      int64_t count = LpInt(p) + LpInt(lp::Next(lp, p));  // live + deleted
      if (count >= limits.max_entries) new_node = true;
    }
    if (new_node) {
      tail->second = LpShrinkToFit(lp);
      lp = nullptr;
    }
  }

  int64_t flags = 0;
  StreamID master;
  if (!lp) {
    master = id;
    size_t prealloc = kListpackMaxPreallocate;
    if (limits.max_bytes > 0 && size_t(limits.max_bytes) < prealloc) {
      prealloc = size_t(limits.max_bytes);
    }
    lp = lp::New(prealloc);
    lp = lp::AppendInt(lp, 1);  // live entries: the one being added
    lp = lp::AppendInt(lp, 0);  // deleted entries
    lp = lp::AppendInt(lp, int64_t(numfields));
    for (size_t i = 0; i < numfields; i++) lp = lp::Append(lp, fv[2 * i]);
    lp = lp::AppendInt(lp, 0);  // master entry terminator
    tail = nodes_.emplace_hint(nodes_.end(), id, lp);
    flags |= kItemSameFields;
  } else {
    master = tail->first;
    uint8_t* p = lp::First(lp);
    lp = LpReplaceInt(lp, &p, LpInt(p) + 1);
    p = lp::Next(lp, p);  // deleted
    p = lp::Next(lp, p);  // master field count
    int64_t master_fields = LpInt(p);
    p = lp::Next(lp, p);
    if (int64_t(numfields) == master_fields) {
      int64_t i = 0;
      for (; i < master_fields; i++) {
        if (!lp::Get(p).Equals(fv[size_t(2 * i)])) break;
        p = lp::Next(lp, p);
      }
      if (i == master_fields) flags |= kItemSameFields;
    }
  }

  bool same = flags & kItemSameFields;
  lp = lp::AppendInt(lp, flags);
  lp = lp::AppendInt(lp, int64_t(id.ms - master.ms));
  lp = lp::AppendInt(lp, int64_t(id.seq - master.seq));
  if (!same) lp = lp::AppendInt(lp, int64_t(numfields));
  for (size_t i = 0; i < numfields; i++) {
    if (!same) lp = lp::Append(lp, fv[2 * i]);
    lp = lp::Append(lp, fv[2 * i + 1]);
  }
  int64_t lp_count = int64_t(numfields) + 3;
  if (!same) lp_count += int64_t(numfields) + 1;
  lp = lp::AppendInt(lp, lp_count);
  tail->second = lp;

  length++;
  entries_added++;
  last_id = id;
  if (length == 1) first_id = id;
  if (added) *added = id;
  return AppendResult::kOk;
}

int64_t Stream::Trim(const TrimArgs& args) {
  if (args.strategy == TrimStrategy::kNone) return 0;
  bool by_len = args.strategy == TrimStrategy::kMaxLen;
  uint64_t maxlen = uint64_t(args.maxlen);
  int64_t deleted = 0;
  auto it = nodes_.begin();
  while (it != nodes_.end()) {
    if (by_len && length <= maxlen) break;
    uint8_t* lp = it->second;
    uint8_t* p = lp::First(lp);
    int64_t entries = LpInt(p);
    if (args.limit && deleted + entries > args.limit) break;

    bool remove_node;
    StreamID master = it->first;
    if (by_len) {
      remove_node = length - uint64_t(entries) >= maxlen;
    } else {
      StreamID last;
      NodeEdgeID(lp, false, master, &last);
      remove_node = last < args.minid;
    }
    if (remove_node) {
      lp::Free(lp);
      it = nodes_.erase(it);
      length -= uint64_t(entries);
      deleted += entries;
      continue;
    }
    if (args.approx) break;

    // Flag entries deleted inside this node, from its head.
    int64_t deleted_from_lp = 0;
    p = lp::Next(lp, p);  // deleted
    p = lp::Next(lp, p);  // master field count
    int64_t master_fields = LpInt(p);
    p = lp::Next(lp, p);
    for (int64_t j = 0; j < master_fields; j++) p = lp::Next(lp, p);
    p = lp::Next(lp, p);  // past the master terminator
    while (p) {
      uint8_t* flags_ptr = p;
      int64_t flags = LpInt(p);
      p = lp::Next(lp, p);
      int64_t ms_delta = LpInt(p);
      p = lp::Next(lp, p);
      int64_t seq_delta = LpInt(p);
      p = lp::Next(lp, p);
      bool stop;
      if (by_len) {
        stop = length <= maxlen;
      } else {
        StreamID cur{master.ms + uint64_t(ms_delta), master.seq + uint64_t(seq_delta)};
        stop = cur >= args.minid;
      }
      if (stop) break;
      int64_t to_skip;
      if (flags & kItemSameFields) {
        to_skip = master_fields;
      } else {
        to_skip = LpInt(p) * 2;
        p = lp::Next(lp, p);
      }
      while (to_skip--) p = lp::Next(lp, p);
      p = lp::Next(lp, p);  // past lp-count
      if (!(flags & kItemDeleted)) {
        ptrdiff_t off = p ? p - lp : -1;
        lp = LpReplaceInt(lp, &flags_ptr, flags | kItemDeleted);
        p = off >= 0 ? lp + off : nullptr;
        deleted_from_lp++;
        length--;
      }
    }
    deleted += deleted_from_lp;
    p = lp::First(lp);
    lp = LpReplaceInt(lp, &p, entries - deleted_from_lp);
    p = lp::Next(lp, p);
    int64_t marked = LpInt(p);
    lp = LpReplaceInt(lp, &p, marked + deleted_from_lp);
    it->second = lp;
    break;  // this node had enough to trim
  }

  if (length == 0) {
    first_id = StreamID::Min();
  } else if (deleted) {
    first_id = EdgeID(true, true);
  }
  return deleted;
}

bool Stream::DeleteEntry(const StreamID& id) {
  Iterator it(this, &id, &id, false);
  StreamID cur;
  int64_t numfields;
  if (!it.Next(&cur, &numfields)) return false;
  it.RemoveCurrent(cur);
  return true;
}

bool Stream::EntryExists(const StreamID& id) {
  Iterator it(this, &id, &id, false);
  StreamID cur;
  int64_t numfields;
  return it.Next(&cur, &numfields);
}

StreamID Stream::EdgeID(bool first, bool skip_tombstones) {
  Iterator it(this, nullptr, nullptr, !first);
  it.set_skip_tombstones(skip_tombstones);
  StreamID id;
  int64_t numfields;
  if (!it.Next(&id, &numfields)) return first ? StreamID::Max() : StreamID::Min();
  return id;
}

StreamID Stream::LastValidID() {
  Iterator it(this, nullptr, nullptr, true);
  StreamID id;
  int64_t numfields;
  it.Next(&id, &numfields);
  return id;
}

bool Stream::RangeHasTombstones(const StreamID* start, const StreamID* end) const {
  if (!length || max_deleted_entry_id.IsZero()) return false;
  if (first_id > max_deleted_entry_id) return false;  // the last deletion precedes the head
  StreamID lo = start ? *start : StreamID::Min();
  StreamID hi = end ? *end : StreamID::Max();
  return lo <= max_deleted_entry_id && max_deleted_entry_id <= hi;
}

int64_t Stream::EstimateDistanceFromFirstEverEntry(const StreamID& id) const {
  if (!entries_added) return 0;
  if (!length && id <= last_id) return int64_t(entries_added);
  if (id == last_id) return int64_t(entries_added);
  if (id > last_id) return StreamCG::kInvalidEntriesRead;
  if (max_deleted_entry_id.IsZero() || max_deleted_entry_id < first_id) {
    // No tombstone after the first entry: the count is known at and before the head.
    if (id < first_id) return int64_t(entries_added - length);
    if (id == first_id) return int64_t(entries_added - length + 1);
  }
  return StreamCG::kInvalidEntriesRead;
}

StreamCG* Stream::FindGroup(std::string_view name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second;
}

StreamCG* Stream::CreateGroup(std::string_view name, const StreamID& id, int64_t entries_read) {
  auto it = groups_.lower_bound(name);
  if (it != groups_.end() && it->first == name) return nullptr;
  auto* cg = new StreamCG;
  cg->last_id = id;
  cg->entries_read = entries_read;
  groups_.emplace_hint(it, std::string(name), cg);
  return cg;
}

bool Stream::DestroyGroup(std::string_view name) {
  auto it = groups_.find(name);
  if (it == groups_.end()) return false;
  delete it->second;
  groups_.erase(it);
  return true;
}

bool Stream::AddNode(const StreamID& master_id, uint8_t* lp) {
  return nodes_.emplace(master_id, lp).second;
}

bool Stream::ValidateListpack(const uint8_t* lp, size_t size, bool deep) {
  if (!lp::Validate(lp, size, deep)) return false;
  if (!deep) return true;
  // Every element is well formed: now check the stream layout.
  auto* l = const_cast<uint8_t*>(lp);
  uint8_t* p = lp::First(l);
  int64_t count, deleted_count, master_fields, v;
  if (!p || !LpIntIfValid(p, &count)) return false;
  if (!(p = lp::Next(l, p)) || !LpIntIfValid(p, &deleted_count)) return false;
  if (!(p = lp::Next(l, p)) || !LpIntIfValid(p, &master_fields)) return false;
  for (int64_t j = 0; j < master_fields; j++) {
    if (!(p = lp::Next(l, p))) return false;
  }
  if (!(p = lp::Next(l, p)) || !LpIntIfValid(p, &v) || v != 0) return false;
  p = lp::Next(l, p);
  int64_t entries = count + deleted_count;
  while (entries--) {
    if (!p) return false;
    int64_t flags, fields = master_fields, extra = 3;
    if (!LpIntIfValid(p, &flags)) return false;
    if (!(p = lp::Next(l, p)) || !LpIntIfValid(p, &v)) return false;  // ms delta
    if (!(p = lp::Next(l, p)) || !LpIntIfValid(p, &v)) return false;  // seq delta
    if (!(p = lp::Next(l, p))) return false;
    if (!(flags & kItemSameFields)) {
      if (!LpIntIfValid(p, &fields)) return false;
      for (int64_t j = 0; j < fields; j++) {
        if (!(p = lp::Next(l, p))) return false;
      }
      if (!(p = lp::Next(l, p))) return false;
      extra += fields + 1;
    }
    for (int64_t j = 0; j < fields; j++) {
      if (!p) return false;
      p = lp::Next(l, p);
    }
    if (!p || !LpIntIfValid(p, &v) || v != fields + extra) return false;
    p = lp::Next(l, p);
  }
  return p == nullptr;
}

Stream* Stream::Dup() const {
  auto* copy = new Stream;
  for (const auto& [id, lp] : nodes_)
    copy->nodes_.emplace_hint(copy->nodes_.end(), id, lp::Dup(lp));
  copy->length = length;
  copy->last_id = last_id;
  copy->first_id = first_id;
  copy->max_deleted_entry_id = max_deleted_entry_id;
  copy->entries_added = entries_added;
  for (const auto& [name, cg] : groups_) {
    StreamCG* ncg = copy->CreateGroup(name, cg->last_id, cg->entries_read);
    for (const auto& [id, nack] : cg->pel) {
      auto* n = new StreamNack;
      n->delivery_time = nack->delivery_time;
      n->delivery_count = nack->delivery_count;
      ncg->pel.emplace_hint(ncg->pel.end(), id, n);
    }
    for (const auto& [cname, consumer] : cg->consumers) {
      StreamConsumer* nc = ncg->CreateConsumer(cname, consumer->seen_time);
      for (const auto& [id, nack] : consumer->pel) {
        auto pit = ncg->pel.find(id);
        if (pit == ncg->pel.end()) continue;
        pit->second->consumer = nc;
        nc->pel.emplace_hint(nc->pel.end(), id, pit->second);
      }
    }
  }
  return copy;
}

size_t Stream::Bytes() const {
  // A std::map node: the tree links and colour, then the value.
  constexpr size_t kMapNode = 32;
  size_t n = sizeof(Stream);
  for (const auto& [id, lp] : nodes_)
    n += kMapNode + sizeof(StreamID) + sizeof(void*) + MemUsable(lp);
  for (const auto& [name, cg] : groups_) {
    n += kMapNode + sizeof(std::string) + sizeof(void*) + sizeof(StreamCG) + name.size();
    n += cg->pel.size() * (kMapNode + sizeof(StreamID) + sizeof(void*) + sizeof(StreamNack));
    for (const auto& [cname, consumer] : cg->consumers) {
      n += kMapNode + sizeof(std::string) + sizeof(void*) + sizeof(StreamConsumer) +
           2 * cname.size();
      n += consumer->pel.size() * (kMapNode + sizeof(StreamID) + sizeof(void*));
    }
  }
  return n;
}

size_t Stream::RadixTreeNodes() const {
  // A radix tree of 16-byte keys: a run shared by a set of keys is one (compressed) node, a
  // branch point is one node, and each key ends in a leaf node.
  std::vector<std::array<uint8_t, 16>> keys;
  keys.reserve(nodes_.size());
  for (const auto& [id, lp] : nodes_) {
    keys.emplace_back();
    id.Encode(keys.back().data());
  }
  if (keys.empty()) return 1;
  struct Counter {
    const std::vector<std::array<uint8_t, 16>>& k;
    size_t Count(size_t lo, size_t hi, size_t depth) const {
      if (depth == 16) return 1;
      size_t common = 16 - depth;
      if (hi - lo > 1) {
        common = 0;
        while (depth + common < 16 && k[lo][depth + common] == k[hi - 1][depth + common]) {
          common++;
        }
      }
      if (common > 0) return 1 + Count(lo, hi, depth + common);
      size_t n = 1;
      size_t i = lo;
      while (i < hi) {
        size_t j = i + 1;
        while (j < hi && k[j][depth] == k[i][depth]) j++;
        n += Count(i, j, depth + 1);
        i = j;
      }
      return n;
    }
  };
  return Counter{keys}.Count(0, keys.size(), 0);
}

// ---- Iterator ----------------------------------------------------------------------------

Stream::Iterator::Iterator(Stream* s, const StreamID* start, const StreamID* end, bool rev)
    : s_(s),
      start_(start ? *start : StreamID::Min()),
      end_(end ? *end : StreamID::Max()),
      rev_(rev) {
  Seek();
}

void Stream::Iterator::Seek() {
  lp_ = nullptr;
  ele_ = nullptr;
  fields_left_ = 0;
  emitted_ = false;
  done_ = false;
  NodeMap& m = s_->nodes_;
  has_next_node_ = !m.empty();
  if (m.empty()) return;
  // The node whose master ID is the greatest <= the bound holds the bound, if anything does.
  const StreamID& bound = rev_ ? end_ : start_;
  auto first = rev_ ? std::prev(m.end()) : m.begin();
  if (bound.IsZero()) {
    next_node_ = first;
    return;
  }
  auto it = m.upper_bound(bound);
  next_node_ = it == m.begin() ? first : std::prev(it);
}

bool Stream::Iterator::LoadNode() {
  if (!has_next_node_) return false;
  NodeMap& m = s_->nodes_;
  node_ = next_node_;
  if (rev_) {
    if (node_ == m.begin()) {
      has_next_node_ = false;
    } else {
      next_node_ = std::prev(node_);
    }
  } else {
    next_node_ = std::next(node_);
    has_next_node_ = next_node_ != m.end();
  }
  master_id_ = node_->first;
  lp_ = node_->second;
  ele_ = lp::First(lp_);       // count
  ele_ = lp::Next(lp_, ele_);  // deleted
  ele_ = lp::Next(lp_, ele_);  // master field count
  master_fields_count_ = LpInt(ele_);
  ele_ = lp::Next(lp_, ele_);
  master_fields_start_ = ele_;
  if (!rev_) {
    for (int64_t i = 0; i < master_fields_count_; i++) ele_ = lp::Next(lp_, ele_);
  } else {
    ele_ = lp::Last(lp_);
  }
  return true;
}

bool Stream::Iterator::Next(StreamID* id, int64_t* numfields) {
  if (done_) return false;
  if (lp_ && emitted_) {
    // Move past the entry returned last time, whatever the caller read of it.
    if (!rev_) {
      int64_t skip = fields_left_ * ((entry_flags_ & kItemSameFields) ? 1 : 2);
      while (skip--) ele_ = lp::Next(lp_, ele_);
    } else {
      ele_ = lp::Prev(lp_, flags_ptr_);
    }
    fields_left_ = 0;
  }
  emitted_ = false;
  while (true) {
    if (!lp_ && !LoadNode()) {
      done_ = true;
      return false;
    }
    while (true) {
      if (!rev_) {
        // Past the previous entry's lp-count (or the master terminator).
        ele_ = lp::Next(lp_, ele_);
        if (!ele_) break;
      } else {
        int64_t lp_count = LpInt(ele_);
        if (lp_count == 0) break;  // reached the master entry
        while (lp_count--) ele_ = lp::Prev(lp_, ele_);
      }
      flags_ptr_ = ele_;
      int64_t flags = LpInt(ele_);
      ele_ = lp::Next(lp_, ele_);
      StreamID cur = master_id_;
      cur.ms += uint64_t(LpInt(ele_));
      ele_ = lp::Next(lp_, ele_);
      cur.seq += uint64_t(LpInt(ele_));
      ele_ = lp::Next(lp_, ele_);
      int64_t nf;
      if (flags & kItemSameFields) {
        nf = master_fields_count_;
      } else {
        nf = LpInt(ele_);
        ele_ = lp::Next(lp_, ele_);
      }
      bool visible = !skip_tombstones_ || !(flags & kItemDeleted);
      bool in_range = rev_ ? cur <= end_ : cur >= start_;
      if (in_range && visible) {
        if (rev_ ? cur < start_ : cur > end_) {
          done_ = true;
          return false;
        }
        entry_flags_ = flags;
        master_fields_ptr_ = master_fields_start_;
        fields_left_ = nf;
        emitted_ = true;
        *id = cur;
        *numfields = nf;
        return true;
      }
      if (!rev_) {
        int64_t skip = (flags & kItemSameFields) ? nf : nf * 2;
        while (skip--) ele_ = lp::Next(lp_, ele_);
      } else {
        ele_ = lp::Prev(lp_, flags_ptr_);
      }
    }
    lp_ = nullptr;  // node exhausted
  }
}

void Stream::Iterator::Field(std::string_view* field, std::string_view* value) {
  if (entry_flags_ & kItemSameFields) {
    *field = lp::Get(master_fields_ptr_).AsString(field_buf_);
    master_fields_ptr_ = lp::Next(lp_, master_fields_ptr_);
  } else {
    *field = lp::Get(ele_).AsString(field_buf_);
    ele_ = lp::Next(lp_, ele_);
  }
  *value = lp::Get(ele_).AsString(value_buf_);
  ele_ = lp::Next(lp_, ele_);
  fields_left_--;
}

void Stream::Iterator::RemoveCurrent(const StreamID& current) {
  uint8_t* lp = lp_;
  lp = LpReplaceInt(lp, &flags_ptr_, LpInt(flags_ptr_) | kItemDeleted);
  uint8_t* p = lp::First(lp);
  int64_t live = LpInt(p);
  if (live == 1) {
    // Its last live entry: the whole node goes.
    lp::Free(lp);
    s_->nodes_.erase(node_);
  } else {
    lp = LpReplaceInt(lp, &p, live - 1);
    p = lp::Next(lp, p);
    lp = LpReplaceInt(lp, &p, LpInt(p) + 1);
    node_->second = lp;
  }
  s_->length--;
  if (rev_) {
    end_ = current;
  } else {
    start_ = current;
  }
  Seek();
}

}  // namespace ember
