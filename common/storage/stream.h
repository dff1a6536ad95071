// Streams: Redis's append-only log of field/value entries with consumer groups.
//
// Layout (the same as Redis 7.0, because RDB type STREAM_LISTPACKS_2 stores the node
// listpacks verbatim): an ordered map from the ID of each macro node's "master entry" to a
// listpack holding a run of consecutive entries. Each listpack starts with the master entry
//
//   count | deleted | num-fields | field_1 ... field_N | 0
//
// (count = live entries, deleted = entries flagged deleted, the fields of the first entry
// added to the node, and a 0 terminator), followed by the entries
//
//   flags | ms-delta | seq-delta | [num-fields | field_1 | value_1 ... | value_N] | lp-count
//
// where the ID is stored as the difference from the master ID, an entry whose field names
// equal the master's (flag kItemSameFields) stores only its values, and lp-count is the number
// of listpack elements of the entry minus one (so the log can be walked backwards). Deleting
// an entry only sets kItemDeleted; a node is freed when its last live entry goes.
//
// Consumer groups keep the group's pending entries list (PEL: entry ID -> delivery time,
// delivery count, owning consumer) and per consumer the subset of the PEL it owns; both map
// to the same StreamNack objects, owned by the group's PEL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

namespace ember {

// An entry ID: milliseconds and a sequence number, ordered as the pair (ms, seq).
struct StreamID {
  uint64_t ms = 0;
  uint64_t seq = 0;

  friend auto operator<=>(const StreamID&, const StreamID&) = default;
  bool IsZero() const { return ms == 0 && seq == 0; }
  static constexpr StreamID Min() { return {0, 0}; }
  static constexpr StreamID Max() { return {UINT64_MAX, UINT64_MAX}; }

  // The next / previous ID. Incr of the maximum wraps to 0-0 and Decr of 0-0 wraps to the
  // maximum; both then return false.
  bool Incr();
  bool Decr();

  // "<ms>-<seq>" into `buf` (at least kMaxChars bytes); returns the length.
  static constexpr size_t kMaxChars = 42;
  size_t Format(char* buf) const;
  std::string ToString() const;

  // 128-bit big-endian form (Redis's radix tree key and the RDB encoding of IDs).
  void Encode(uint8_t out[16]) const;
  static StreamID Decode(const uint8_t in[16]);
};

// Parses an ID argument as Redis does: "<ms>-<seq>", or "<ms>" alone (the sequence is then
// `missing_seq`). Unless `strict`, "-" and "+" stand for the minimum and maximum IDs. When
// `seq_given` is not null the form "<ms>-*" is accepted too and *seq_given tells whether the
// sequence was given. Returns false if the argument is not a valid ID.
bool ParseStreamID(std::string_view arg, StreamID* id, uint64_t missing_seq, bool strict,
                   bool* seq_given = nullptr);

struct StreamConsumer;

// A delivered, not yet acknowledged entry.
struct StreamNack {
  int64_t delivery_time = 0;           // ms, last delivery
  uint64_t delivery_count = 1;         // deliveries so far
  StreamConsumer* consumer = nullptr;  // owner after the last delivery
};

using StreamPel = std::map<StreamID, StreamNack*>;

struct StreamConsumer {
  std::string name;
  int64_t seen_time = 0;  // ms
  StreamPel pel;          // entries owned by this consumer (NACKs owned by the group)
};

struct StreamCG {
  static constexpr int64_t kInvalidEntriesRead = -1;

  StreamCG() = default;
  ~StreamCG();
  StreamCG(const StreamCG&) = delete;
  StreamCG& operator=(const StreamCG&) = delete;

  StreamID last_id;  // last entry delivered to the group
  int64_t entries_read = kInvalidEntriesRead;
  StreamPel pel;  // owns its NACKs (allocated with new; a loader fills it the same way)
  std::map<std::string, StreamConsumer*, std::less<>> consumers;  // owned

  StreamConsumer* FindConsumer(std::string_view name) const;
  // nullptr if a consumer with that name exists.
  StreamConsumer* CreateConsumer(std::string_view name, int64_t seen_time);
  // Drops the consumer and its pending entries (from the group PEL too).
  void DeleteConsumer(StreamConsumer* consumer);
  // Removes the PEL entry of `id` from the group and its consumer and frees it.
  void DeleteNack(StreamPel::iterator it);
};

class Stream {
 public:
  // Entry flags.
  static constexpr int64_t kItemDeleted = 1 << 0;
  static constexpr int64_t kItemSameFields = 1 << 1;
  // Listpacks are never grown beyond this, whatever stream-node-max-bytes says.
  static constexpr size_t kListpackMaxSize = size_t(1) << 30;
  // Initial allocation of a new node's listpack (capped by stream-node-max-bytes).
  static constexpr size_t kListpackMaxPreallocate = 4096;

  using NodeMap = std::map<StreamID, uint8_t*>;
  using GroupMap = std::map<std::string, StreamCG*, std::less<>>;

  Stream() = default;
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Metadata (7.0).
  uint64_t length = 0;            // live entries
  StreamID last_id;               // last ID ever added (0-0 if none)
  StreamID first_id;              // first live entry (0-0 if empty)
  StreamID max_deleted_entry_id;  // greatest ID removed by XDEL
  uint64_t entries_added = 0;     // all-time count of added entries

  // ---- Entries ----

  // Node size limits (stream-node-max-bytes / stream-node-max-entries; 0 = no limit).
  struct NodeLimits {
    int64_t max_bytes = 4096;
    int64_t max_entries = 100;
  };
  enum class AppendResult { kOk, kIdNotGreater, kSeqExhausted, kTooLarge };
  // Appends an entry of field/value pairs (fv has 2N elements). The ID is generated from
  // `now_ms` when use_id is null; with use_id and !seq_given, the sequence is generated for
  // use_id->ms.
  AppendResult Append(std::span<const std::string_view> fv, const StreamID* use_id, bool seq_given,
                      int64_t now_ms, const NodeLimits& limits, StreamID* added);

  enum class TrimStrategy { kNone, kMaxLen, kMinId };
  struct TrimArgs {
    TrimStrategy strategy = TrimStrategy::kNone;
    bool approx = false;  // only whole nodes are removed
    int64_t limit = 0;    // at most this many entries removed (0 = no limit)
    int64_t maxlen = 0;
    StreamID minid;
  };
  // Removes entries from the head; returns how many. Updates first_id.
  int64_t Trim(const TrimArgs& args);

  // Deletes one live entry (no metadata besides length). False if it does not exist.
  bool DeleteEntry(const StreamID& id);
  bool EntryExists(const StreamID& id);
  // The first or last entry's ID, optionally counting tombstones; when there is none, the
  // maximum ID (first) or 0-0 (last).
  StreamID EdgeID(bool first, bool skip_tombstones);
  // ID of the last live entry (the stream must not be empty).
  StreamID LastValidID();

  // Whether [start, end] (null = unbounded) may contain a deleted entry.
  bool RangeHasTombstones(const StreamID* start, const StreamID* end) const;
  // The logical read counter of `id` (its distance from the first entry ever added), or
  // StreamCG::kInvalidEntriesRead when it cannot be known.
  int64_t EstimateDistanceFromFirstEverEntry(const StreamID& id) const;

  // ---- Consumer groups ----

  StreamCG* FindGroup(std::string_view name) const;
  // nullptr if the group exists.
  StreamCG* CreateGroup(std::string_view name, const StreamID& last_id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);
  const GroupMap& groups() const { return groups_; }

  // ---- Raw access (persistence, introspection) ----

  const NodeMap& nodes() const { return nodes_; }
  // Adds a node listpack (taking ownership) under its master ID; false (nothing taken) if a
  // node with that ID exists. The caller keeps the metadata consistent.
  bool AddNode(const StreamID& master_id, uint8_t* lp);
  // Redis's streamValidateListpackIntegrity: a node listpack read from an untrusted source.
  static bool ValidateListpack(const uint8_t* lp, size_t size, bool deep);

  // Deep copy (COPY).
  Stream* Dup() const;
  // Memory used (MEMORY USAGE).
  size_t Bytes() const;
  // Nodes a Redis radix tree holding the same keys would have (XINFO radix-tree-nodes).
  size_t RadixTreeNodes() const;

  class Iterator;

 private:
  friend class Iterator;
  NodeMap nodes_;
  GroupMap groups_;
};

// Walks the entries with IDs in [start, end] (null = unbounded) forward or backward. Usage:
//   Stream::Iterator it(s, &start, &end, rev);
//   while (it.Next(&id, &numfields)) for (n = 0; n < numfields; n++) it.Field(&f, &v);
// Field views are valid until the next call. The stream must not change during the walk,
// except through RemoveCurrent().
class Stream::Iterator {
 public:
  Iterator(Stream* s, const StreamID* start, const StreamID* end, bool rev);
  void set_skip_tombstones(bool skip) { skip_tombstones_ = skip; }

  bool Next(StreamID* id, int64_t* numfields);
  void Field(std::string_view* field, std::string_view* value);
  // Deletes the entry just returned by Next (its ID is `current`); continue with Next.
  void RemoveCurrent(const StreamID& current);

 private:
  void Seek();
  bool LoadNode();

  Stream* s_;
  StreamID start_, end_;
  bool rev_;
  bool skip_tombstones_ = true;

  NodeMap::iterator next_node_;  // node to load next
  bool has_next_node_ = false;
  NodeMap::iterator node_;        // current node
  uint8_t* lp_ = nullptr;         // current listpack (null: load the next node)
  uint8_t* ele_ = nullptr;        // cursor in lp_
  uint8_t* flags_ptr_ = nullptr;  // flags element of the current entry
  StreamID master_id_;
  int64_t master_fields_count_ = 0;
  uint8_t* master_fields_start_ = nullptr;
  uint8_t* master_fields_ptr_ = nullptr;
  int64_t entry_flags_ = 0;
  int64_t fields_left_ = 0;  // of the current entry, not read through Field()
  bool emitted_ = false;     // Next returned an entry; the cursor is inside it
  bool done_ = false;        // the walk ended
  char field_buf_[24];
  char value_buf_[24];
};

}  // namespace ember
