// Key extraction: evaluates Redis 7.0 key specs, with Redis's per-command fallbacks for the
// commands whose specs are incomplete, unknown or carry variable flags.
#include "server/key_extraction.h"

#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/util/strings.h"
#include "server/commands/command_spec.h"

namespace ember {

namespace {

constexpr std::string_view kKeyFlagNames[] = {
    "RO",     "RW",     "OW",      "RM",         "access",         "update",
    "insert", "delete", "not_key", "incomplete", "variable_flags",
};

uint32_t ParseKeyFlag(std::string_view name) {
  for (size_t i = 0; i < std::size(kKeyFlagNames); i++) {
    if (kKeyFlagNames[i] == name) return uint32_t(1) << i;
  }
  return 0;
}

// ---- parsed key specs ----

enum class BeginSearch { kUnknown, kIndex, kKeyword };
enum class FindKeys { kUnknown, kRange, kKeynum };

struct KeySpec {
  uint32_t flags = 0;
  BeginSearch bs = BeginSearch::kUnknown;
  int index = 0;        // kIndex
  std::string keyword;  // kKeyword
  int startfrom = 0;    // kKeyword
  FindKeys fk = FindKeys::kUnknown;
  int lastkey = 0, keystep = 0, limit = 0;  // kRange (keystep shared with kKeynum)
  int keynumidx = 0, firstkey = 0;          // kKeynum
};

// The command-specific key finders Redis registers as getkeys_proc in 7.0.15.
enum class Fallback {
  kNone,
  kSort,
  kSortRo,
  kMigrate,
  kGeoradius,
  kXread,
  kSet,
  kBitfield,
  kNumkeysAt1,       // ZUNION/ZINTER/ZDIFF/ZINTERCARD/SINTERCARD/LMPOP/ZMPOP: numkeys key...
  kNumkeysAt2,       // EVAL*/FCALL*/BLMPOP/BZMPOP: x numkeys key...
  kStoreNumkeysAt2,  // Z*STORE: dest numkeys key...
};

struct CommandKeyInfo {
  std::vector<KeySpec> specs;
  Fallback fallback = Fallback::kNone;
  bool has_real_spec = false;  // some spec is not not_key
  bool has_variable_flags = false;
};

int JsonInt(const nlohmann::ordered_json& obj, const char* field) {
  auto it = obj.find(field);
  return it != obj.end() && it->is_number_integer() ? it->get<int>() : 0;
}

KeySpec ParseKeySpec(const nlohmann::ordered_json& j) {
  KeySpec ks;
  if (auto it = j.find("flags"); it != j.end()) {
    for (const auto& f : *it) ks.flags |= ParseKeyFlag(f.get<std::string>());
  }
  if (auto it = j.find("begin_search"); it != j.end() && it->is_object()) {
    std::string type = it->value("type", "");
    const nlohmann::ordered_json empty = nlohmann::ordered_json::object();
    const nlohmann::ordered_json& spec = it->contains("spec") ? it->at("spec") : empty;
    if (type == "index") {
      ks.bs = BeginSearch::kIndex;
      ks.index = JsonInt(spec, "index");
    } else if (type == "keyword") {
      ks.bs = BeginSearch::kKeyword;
      ks.keyword = spec.value("keyword", "");
      ks.startfrom = JsonInt(spec, "startfrom");
    }
  }
  if (auto it = j.find("find_keys"); it != j.end() && it->is_object()) {
    std::string type = it->value("type", "");
    const nlohmann::ordered_json empty = nlohmann::ordered_json::object();
    const nlohmann::ordered_json& spec = it->contains("spec") ? it->at("spec") : empty;
    if (type == "range") {
      ks.fk = FindKeys::kRange;
      ks.lastkey = JsonInt(spec, "lastkey");
      ks.keystep = JsonInt(spec, "keystep");
      ks.limit = JsonInt(spec, "limit");
    } else if (type == "keynum") {
      ks.fk = FindKeys::kKeynum;
      ks.keynumidx = JsonInt(spec, "keynumidx");
      ks.firstkey = JsonInt(spec, "firstkey");
      ks.keystep = JsonInt(spec, "keystep");
    }
  }
  // A zero step would never advance; Redis has none, but stay safe with foreign specs.
  if (ks.keystep <= 0) ks.keystep = 1;
  return ks;
}

Fallback FallbackFor(std::string_view name) {
  static const std::unordered_map<std::string_view, Fallback> kMap = {
      {"sort", Fallback::kSort},
      {"sort_ro", Fallback::kSortRo},
      {"migrate", Fallback::kMigrate},
      {"georadius", Fallback::kGeoradius},
      {"georadiusbymember", Fallback::kGeoradius},
      {"xread", Fallback::kXread},
      {"xreadgroup", Fallback::kXread},
      {"set", Fallback::kSet},
      {"bitfield", Fallback::kBitfield},
      {"zunion", Fallback::kNumkeysAt1},
      {"zinter", Fallback::kNumkeysAt1},
      {"zdiff", Fallback::kNumkeysAt1},
      {"zintercard", Fallback::kNumkeysAt1},
      {"sintercard", Fallback::kNumkeysAt1},
      {"lmpop", Fallback::kNumkeysAt1},
      {"zmpop", Fallback::kNumkeysAt1},
      {"eval", Fallback::kNumkeysAt2},
      {"evalsha", Fallback::kNumkeysAt2},
      {"eval_ro", Fallback::kNumkeysAt2},
      {"evalsha_ro", Fallback::kNumkeysAt2},
      {"fcall", Fallback::kNumkeysAt2},
      {"fcall_ro", Fallback::kNumkeysAt2},
      {"blmpop", Fallback::kNumkeysAt2},
      {"bzmpop", Fallback::kNumkeysAt2},
      {"zunionstore", Fallback::kStoreNumkeysAt2},
      {"zinterstore", Fallback::kStoreNumkeysAt2},
      {"zdiffstore", Fallback::kStoreNumkeysAt2},
  };
  auto it = kMap.find(name);
  return it == kMap.end() ? Fallback::kNone : it->second;
}

CommandKeyInfo BuildInfo(const CommandSpec& spec) {
  CommandKeyInfo info;
  for (const auto& j : spec.key_specs) {
    KeySpec ks = ParseKeySpec(j);
    if (!(ks.flags & kKeyNotKey)) info.has_real_spec = true;
    if (ks.flags & kKeyVariableFlags) info.has_variable_flags = true;
    info.specs.push_back(std::move(ks));
  }
  info.fallback = FallbackFor(spec.name);
  return info;
}

// Parsed once for every Redis command and subcommand; the spec table never changes.
const CommandKeyInfo* InfoFor(const CommandSpec* spec) {
  static const auto* const table = [] {
    auto* t = new std::unordered_map<const CommandSpec*, CommandKeyInfo>;
    for (const CommandSpec& c : RedisCommandSpecs()) {
      t->emplace(&c, BuildInfo(c));
      for (const CommandSpec& s : c.subcommands) t->emplace(&s, BuildInfo(s));
    }
    return t;
  }();
  if (spec == nullptr) return nullptr;
  auto it = table->find(spec);
  return it == table->end() ? nullptr : &it->second;
}

// ---- key specs (Redis's getKeysUsingKeySpecs without GET_KEYSPEC_* search flags) ----

// False when a spec is invalid or incomplete: the caller then falls back.
bool KeysFromSpecs(const std::vector<KeySpec>& specs, CmdArgs args,
                   std::vector<KeyReference>* out) {
  const int argc = int(args.size());
  out->clear();
  for (const KeySpec& spec : specs) {
    if (spec.flags & kKeyNotKey) continue;

    int first = 0;
    if (spec.bs == BeginSearch::kIndex) {
      first = spec.index;
    } else if (spec.bs == BeginSearch::kKeyword) {
      // Scan towards the end (startfrom > 0) or the start (startfrom < 0), never looking at the
      // bound itself (the last argument, or argument 1).
      const bool forward = spec.startfrom > 0;
      const int start = forward ? spec.startfrom : argc + spec.startfrom;
      const int end = forward ? argc - 1 : 1;
      const int dir = start <= end ? 1 : -1;
      for (int i = start; i != end; i += dir) {
        if (i >= argc || i < 1) break;
        if (EqualsIgnoreCase(args[size_t(i)], spec.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (first == 0) continue;  // keyword absent: this spec has no keys
    } else {
      return false;
    }

    int last = 0;
    if (spec.fk == FindKeys::kRange) {
      if (spec.lastkey >= 0) {
        last = first + spec.lastkey;
      } else if (spec.limit == 0) {
        last = argc + spec.lastkey;
      } else {
        last = first + ((argc - first) / spec.limit + spec.lastkey);
      }
    } else if (spec.fk == FindKeys::kKeynum) {
      if (spec.keynumidx >= argc) return false;
      const int numidx = first + spec.keynumidx;
      if (numidx < 0 || numidx >= argc) return false;  // arity rules this out for Redis's own
      int64_t numkeys = 0;
      if (!StringToInt64(args[size_t(numidx)], &numkeys) || numkeys < 0) return false;
      first += spec.firstkey;
      // Redis computes this in int.
      last = int(uint32_t(uint32_t(first) + uint32_t(int32_t(numkeys)) - 1u));
    } else {
      return false;
    }

    if (last >= argc || last < first || first >= argc) return false;
    for (int i = first; i <= last; i += spec.keystep) {
      out->push_back(KeyReference{i, spec.flags});
    }
    if (spec.flags & kKeyIncomplete) return false;
  }
  return true;
}

// ---- command-specific fallbacks (Redis's getkeys_proc functions) ----

int Atoi(std::string_view s) {
  std::string tmp(s);
  return int(std::strtol(tmp.c_str(), nullptr, 10));
}

// [dest] numkeys key... : Redis's genericGetKeys. Flags are not reported.
void NumkeysKeys(int store_ofs, int count_ofs, int first_ofs, CmdArgs args,
                 std::vector<KeyReference>* out) {
  const int argc = int(args.size());
  if (count_ofs >= argc) return;
  const int num = Atoi(args[size_t(count_ofs)]);
  if (num < 1 || num > (argc - first_ofs)) return;
  for (int i = 0; i < num; i++) out->push_back(KeyReference{first_ofs + i, 0});
  if (store_ofs) out->push_back(KeyReference{store_ofs, 0});
}

void SortKeys(CmdArgs args, std::vector<KeyReference>* out) {
  const int argc = int(args.size());
  out->push_back(KeyReference{1, kKeyRO | kKeyAccess});
  int store = 0;
  for (int i = 2; i < argc; i++) {
    std::string_view a = args[size_t(i)];
    if (EqualsIgnoreCase(a, "limit")) {
      i += 2;
    } else if (EqualsIgnoreCase(a, "store") && i + 1 < argc) {
      store = i + 1;  // the last STORE wins, as in SORT itself
    } else if (EqualsIgnoreCase(a, "get") || EqualsIgnoreCase(a, "by")) {
      i += 1;
    }
  }
  if (store) out->push_back(KeyReference{store, kKeyOW | kKeyUpdate});
}

void MigrateKeys(CmdArgs args, std::vector<KeyReference>* out) {
  const int argc = int(args.size());
  int first = 3, num = 1;
  if (argc > 6) {
    for (int i = 6; i < argc; i++) {
      std::string_view a = args[size_t(i)];
      if (EqualsIgnoreCase(a, "keys")) {
        if (!args[3].empty()) {
          num = 0;  // syntax error, left to MIGRATE itself
        } else {
          first = i + 1;
          num = argc - first;
        }
        break;
      }
      if (EqualsIgnoreCase(a, "auth")) {
        i += 1;
      } else if (EqualsIgnoreCase(a, "auth2")) {
        i += 2;
      }
    }
  }
  for (int i = 0; i < num; i++) {
    out->push_back(KeyReference{first + i, kKeyRW | kKeyAccess | kKeyDelete});
  }
}

void GeoradiusKeys(CmdArgs args, std::vector<KeyReference>* out) {
  const int argc = int(args.size());
  int stored = -1;
  for (int i = 5; i < argc; i++) {
    std::string_view a = args[size_t(i)];
    if ((EqualsIgnoreCase(a, "store") || EqualsIgnoreCase(a, "storedist")) && i + 1 < argc) {
      stored = i + 1;
      i++;
    }
  }
  out->push_back(KeyReference{1, 0});
  if (stored != -1) out->push_back(KeyReference{stored, 0});
}

void XreadKeys(CmdArgs args, std::vector<KeyReference>* out) {
  const int argc = int(args.size());
  int streams = -1;
  for (int i = 1; i < argc; i++) {
    std::string_view a = args[size_t(i)];
    if (EqualsIgnoreCase(a, "block") || EqualsIgnoreCase(a, "count")) {
      i++;
    } else if (EqualsIgnoreCase(a, "group")) {
      i += 2;
    } else if (EqualsIgnoreCase(a, "noack")) {
      // no argument
    } else if (EqualsIgnoreCase(a, "streams")) {
      streams = i;
      break;
    } else {
      break;
    }
  }
  if (streams == -1) return;
  int num = argc - streams - 1;
  if (num == 0 || num % 2 != 0) return;
  num /= 2;
  for (int i = streams + 1; i < argc - num; i++) out->push_back(KeyReference{i, 0});
}

void SetKeys(CmdArgs args, std::vector<KeyReference>* out) {
  for (size_t i = 3; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "get")) {
      out->push_back(KeyReference{1, kKeyRW | kKeyAccess | kKeyUpdate});
      return;
    }
  }
  out->push_back(KeyReference{1, kKeyOW | kKeyUpdate});
}

void BitfieldKeys(CmdArgs args, std::vector<KeyReference>* out) {
  const int argc = int(args.size());
  bool readonly = true;
  for (int i = 2; i < argc; i++) {
    const int remaining = argc - i - 1;
    std::string_view a = args[size_t(i)];
    if (EqualsIgnoreCase(a, "get") && remaining >= 2) {
      i += 2;
    } else if ((EqualsIgnoreCase(a, "set") || EqualsIgnoreCase(a, "incrby")) && remaining >= 3) {
      readonly = false;
      break;
    } else if (EqualsIgnoreCase(a, "overflow") && remaining >= 1) {
      i += 1;
    } else {
      readonly = false;  // syntax error: assume a write
      break;
    }
  }
  out->push_back(KeyReference{
      1, readonly ? uint32_t(kKeyRO | kKeyAccess) : uint32_t(kKeyRW | kKeyAccess | kKeyUpdate)});
}

void FallbackKeys(Fallback f, CmdArgs args, std::vector<KeyReference>* out) {
  out->clear();
  switch (f) {
    case Fallback::kNone:
      break;
    case Fallback::kSort:
      SortKeys(args, out);
      break;
    case Fallback::kSortRo:
      out->push_back(KeyReference{1, kKeyRO | kKeyAccess});
      break;
    case Fallback::kMigrate:
      MigrateKeys(args, out);
      break;
    case Fallback::kGeoradius:
      GeoradiusKeys(args, out);
      break;
    case Fallback::kXread:
      XreadKeys(args, out);
      break;
    case Fallback::kSet:
      SetKeys(args, out);
      break;
    case Fallback::kBitfield:
      BitfieldKeys(args, out);
      break;
    case Fallback::kNumkeysAt1:
      NumkeysKeys(0, 1, 2, args, out);
      break;
    case Fallback::kNumkeysAt2:
      NumkeysKeys(0, 2, 3, args, out);
      break;
    case Fallback::kStoreNumkeysAt2:
      NumkeysKeys(1, 2, 3, args, out);
      break;
  }
}

// Commands without a Redis spec (Ember-only): the legacy first/last/step range.
void LegacyRangeKeys(const Command& cmd, CmdArgs args, std::vector<KeyReference>* out) {
  out->clear();
  if (cmd.first_key <= 0) return;
  const int argc = int(args.size());
  const int first = cmd.first_key;
  int last = cmd.last_key < 0 ? argc + cmd.last_key : cmd.last_key;
  const int step = cmd.step > 0 ? cmd.step : 1;
  for (int i = first; i <= last; i += step) {
    if (i >= argc) {
      out->clear();  // wrong number of arguments: no keys
      return;
    }
    out->push_back(KeyReference{i, 0});
  }
}

}  // namespace

std::vector<std::string> KeyFlagNames(uint32_t flags) {
  std::vector<std::string> names;
  for (size_t i = 0; i < std::size(kKeyFlagNames); i++) {
    if (flags & (uint32_t(1) << i)) names.emplace_back(kKeyFlagNames[i]);
  }
  return names;
}

bool CommandHasKeys(const Command& cmd) {
  const CommandKeyInfo* info = InfoFor(cmd.spec);
  if (info == nullptr) return cmd.first_key > 0;
  return info->fallback != Fallback::kNone || info->has_real_spec;
}

std::vector<KeyReference> GetKeys(const Command& cmd, CmdArgs args) {
  std::vector<KeyReference> keys;
  const CommandKeyInfo* info = InfoFor(cmd.spec);
  if (info == nullptr) {
    LegacyRangeKeys(cmd, args, &keys);
    return keys;
  }
  // Key specs are preferred when there are real ones and their flags are reliable.
  if (info->has_real_spec && !info->has_variable_flags) {
    if (KeysFromSpecs(info->specs, args, &keys)) return keys;
  }
  FallbackKeys(info->fallback, args, &keys);
  return keys;
}

std::vector<int> GetKeyPositions(const Command& cmd, CmdArgs args,
                                 std::vector<std::string>* flags_out) {
  std::vector<KeyReference> keys = GetKeys(cmd, args);
  std::vector<int> positions;
  positions.reserve(keys.size());
  if (flags_out) {
    flags_out->clear();
    flags_out->reserve(keys.size());
  }
  for (const KeyReference& k : keys) {
    positions.push_back(k.pos);
    if (flags_out) {
      std::string joined;
      for (const std::string& n : KeyFlagNames(k.flags)) {
        if (!joined.empty()) joined.push_back(' ');
        joined += n;
      }
      flags_out->push_back(std::move(joined));
    }
  }
  return positions;
}

}  // namespace ember
