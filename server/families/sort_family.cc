// SORT and SORT_RO: sort the elements of a list, set or sorted set, numerically or by byte
// order (ALPHA), optionally by the values of other keys (BY pattern), fetching other keys per
// element (GET pattern), with LIMIT and, for SORT only, storing the result as a list (STORE).
//
// Patterns: the first '*' is replaced by the element; "key->field" (with a non-empty field
// after the '*') reads a hash field instead of a string key; "#" is the element itself. A
// BY pattern without '*' means "do not sort" (lists and sorted sets keep their native order;
// a set is sorted ALPHA anyway when storing or when called from a script, so that the
// result is deterministic for replication).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/storage/hash_table.h"
#include "common/storage/intset.h"
#include "common/storage/quicklist.h"
#include "common/storage/set_table.h"
#include "common/storage/zset.h"
#include "common/util/strings.h"
#include "server/acl.h"
#include "server/families/families.h"
#include "server/scripting/scripting.h"
#include "server/server.h"

namespace ember {

namespace {

constexpr std::string_view kBadDouble = "One or more scores can't be converted into double";

struct SortItem {
  std::string obj;  // the element
  double score = 0;
  bool has_cmp = false;  // ALPHA BY: the looked-up value, if any
  std::string cmp;
};

// Binary comparison (memcmp, then length), as Redis's compareStringObjects.
int BinaryCompare(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  int r = n ? memcmp(a.data(), b.data(), n) : 0;
  if (r) return r;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// Locale collation on NUL-terminated strings (Redis's strcoll path when not storing).
int CollateCompare(const std::string& a, const std::string& b) {
  return strcoll(a.c_str(), b.c_str());
}

// Resolves `pattern` for element `subst`: "#" gives the element; otherwise the first '*' is
// substituted and the resulting string key (or hash field after "->") is read. False when
// there is no '*', the key is missing or of the wrong type, or the field is absent.
bool LookupByPattern(Client& c, std::string_view pattern, std::string_view subst,
                     std::string* out) {
  if (pattern == "#") {
    out->assign(subst);
    return true;
  }
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return false;
  std::string_view field;
  size_t key_end = pattern.size();
  size_t arrow = pattern.find("->", star + 1);
  if (arrow != std::string_view::npos && arrow + 2 < pattern.size()) {
    field = pattern.substr(arrow + 2);
    key_end = arrow;
  }
  std::string key;
  key.reserve(key_end - 1 + subst.size());
  key.append(pattern.substr(0, star));
  key.append(subst);
  key.append(pattern.substr(star + 1, key_end - star - 1));

  Entry* e = c.server().LookupRead(c, key);
  if (!e) return false;
  char scratch[32];
  if (!field.empty()) {
    if (e->type() != ObjType::kHash) return false;
    std::string_view v;
    if (!HashGetField(e->v.ptr, e->encoding(), field, scratch, &v)) return false;
    out->assign(v);
    return true;
  }
  if (e->type() != ObjType::kString) return false;
  out->assign(e->StringView(scratch));
  return true;
}

bool IsScriptClient(Client& c) {
  scripting::Scripting& sc = scripting::GetScripting(c.server());
  return &c == &sc.eval_client() || &c == &sc.function_client();
}

// Loads every element of a set (intset or hashtable encoding).
void LoadSet(Entry* e, std::vector<SortItem>* v) {
  if (e->encoding() == Encoding::kIntset) {
    const auto* is = static_cast<const uint8_t*>(e->v.ptr);
    uint32_t n = intset::Length(is);
    v->reserve(n);
    for (uint32_t i = 0; i < n; i++) {
      SortItem it;
      it.obj = std::to_string(intset::Get(is, i));
      v->push_back(std::move(it));
    }
    return;
  }
  const auto* st = static_cast<const SetTable*>(e->v.ptr);
  v->reserve(st->size());
  st->ForEach([&](std::string_view m) {
    SortItem it;
    it.obj.assign(m);
    v->push_back(std::move(it));
  });
}

void SortGeneric(Client& c, CmdArgs args, bool readonly) {
  Server& s = c.server();
  bool desc = false, alpha = false, dontsort = false;
  int64_t limit_start = 0, limit_count = -1;
  std::string_view sortby;
  bool has_sortby = false;
  std::string_view storekey;
  bool has_store = false;
  std::vector<std::string_view> gets;
  // BY and GET patterns may read any key: they need read access to the whole keyspace.
  bool full_key_access =
      c.cmd == nullptr || s.acl().CheckCommandWithUnrestrictedKeys(c.user, *c.cmd, args, kAclRead);

  for (size_t j = 2; j < args.size(); j++) {
    std::string_view a = args[j];
    size_t left = args.size() - j - 1;
    if (EqualsIgnoreCase(a, "asc")) {
      desc = false;
    } else if (EqualsIgnoreCase(a, "desc")) {
      desc = true;
    } else if (EqualsIgnoreCase(a, "alpha")) {
      alpha = true;
    } else if (EqualsIgnoreCase(a, "limit") && left >= 2) {
      if (!ParseInt64Arg(c, args[j + 1], &limit_start) ||
          !ParseInt64Arg(c, args[j + 2], &limit_count)) {
        return;
      }
      j += 2;
    } else if (!readonly && EqualsIgnoreCase(a, "store") && left >= 1) {
      storekey = args[++j];
      has_store = true;
    } else if (EqualsIgnoreCase(a, "by") && left >= 1) {
      sortby = args[++j];
      has_sortby = true;
      // A constant BY pattern: nothing to sort by.
      dontsort = sortby.find('*') == std::string_view::npos;
      if (!dontsort && !full_key_access) {
        c.reply().Error("BY option of SORT denied due to insufficient ACL permissions.");
        return;
      }
    } else if (EqualsIgnoreCase(a, "get") && left >= 1) {
      if (!full_key_access) {
        c.reply().Error("GET option of SORT denied due to insufficient ACL permissions.");
        return;
      }
      gets.push_back(args[++j]);
    } else {
      c.reply().Error(err::kSyntax);
      return;
    }
  }

  Entry* src = s.LookupRead(c, args[1]);
  if (src && src->type() != ObjType::kSet && src->type() != ObjType::kList &&
      src->type() != ObjType::kZSet) {
    c.reply().Error(err::kWrongType);
    return;
  }
  ObjType type = src ? src->type() : ObjType::kList;

  // A set has no native order: sort it when the result must be deterministic.
  if (dontsort && type == ObjType::kSet && (has_store || IsScriptClient(c))) {
    dontsort = false;
    alpha = true;
    has_sortby = false;
  }

  // As Redis, a sorted set is converted to the skiplist encoding for SORT.
  if (src && type == ObjType::kZSet && src->encoding() != Encoding::kSkiplist) {
    zset::Convert(src, Encoding::kSkiplist);
  }

  int64_t vectorlen = 0;
  if (src) {
    switch (type) {
      case ObjType::kList:
        vectorlen = int64_t(static_cast<Quicklist*>(src->v.ptr)->Count());
        break;
      case ObjType::kSet:
        vectorlen = src->encoding() == Encoding::kIntset
                        ? int64_t(intset::Length(static_cast<const uint8_t*>(src->v.ptr)))
                        : int64_t(static_cast<const SetTable*>(src->v.ptr)->size());
        break;
      default:
        vectorlen = int64_t(zset::Length(src));
        break;
    }
  }

  // LIMIT sanity, bounded by the number of elements.
  int64_t start = std::min(std::max<int64_t>(limit_start, 0), vectorlen);
  limit_count = std::min(std::max<int64_t>(limit_count, -1), vectorlen);
  int64_t end = limit_count < 0 ? vectorlen - 1 : start + limit_count - 1;
  if (start >= vectorlen) {
    start = vectorlen - 1;
    end = vectorlen - 2;
  }
  if (end >= vectorlen) end = vectorlen - 1;

  std::vector<SortItem> vec;
  bool native_range = (type == ObjType::kZSet || type == ObjType::kList) && dontsort;
  if (native_range) {
    // Lists and sorted sets in their own order: read just the requested range.
    int64_t rangelen = end >= start ? end - start + 1 : 0;
    if (rangelen > 0 && src) {
      vec.reserve(size_t(rangelen));
      if (type == ObjType::kList) {
        auto* ql = static_cast<Quicklist*>(src->v.ptr);
        Quicklist::Iterator it =
            ql->GetIteratorAtIndex(desc ? vectorlen - start - 1 : start, !desc);
        Quicklist::Entry qe;
        char buf[32];
        while (int64_t(vec.size()) < rangelen && it.Next(&qe)) {
          SortItem item;
          item.obj.assign(qe.value.AsString(buf));
          vec.push_back(std::move(item));
        }
      } else {
        auto* zs = static_cast<zset::ZSet*>(src->v.ptr);
        zset::ZNode* n;
        if (desc) {
          n = start > 0 ? zs->ByRank(uint64_t(vectorlen - start)) : zs->Last();
        } else {
          n = start > 0 ? zs->ByRank(uint64_t(start + 1)) : zs->First();
        }
        for (int64_t k = 0; k < rangelen && n; k++) {
          SortItem item;
          item.obj.assign(n->member());
          vec.push_back(std::move(item));
          n = desc ? n->Prev() : n->Next();
        }
      }
    }
    end -= start;
    start = 0;
  } else if (src) {
    vec.reserve(size_t(vectorlen));
    if (type == ObjType::kList) {
      auto* ql = static_cast<Quicklist*>(src->v.ptr);
      Quicklist::Iterator it = ql->GetIterator(true);
      Quicklist::Entry qe;
      char buf[32];
      while (it.Next(&qe)) {
        SortItem item;
        item.obj.assign(qe.value.AsString(buf));
        vec.push_back(std::move(item));
      }
    } else if (type == ObjType::kSet) {
      LoadSet(src, &vec);
    } else {
      // Member index order, as Redis walks the zset's dict.
      static_cast<zset::ZSet*>(src->v.ptr)->index().ForEach([&](zset::ZNode* n) {
        SortItem item;
        item.obj.assign(n->member());
        vec.push_back(std::move(item));
      });
    }
  }
  src = nullptr;  // pattern lookups below may expire keys

  bool conversion_error = false;
  if (!dontsort) {
    std::string byval;
    for (SortItem& item : vec) {
      const std::string* val = &item.obj;
      if (has_sortby) {
        if (!LookupByPattern(c, sortby, item.obj, &byval)) continue;
        val = &byval;
      }
      if (alpha) {
        if (has_sortby) {
          item.has_cmp = true;
          item.cmp = *val;
        }
      } else {
        char* eptr;
        errno = 0;
        item.score = strtod(val->c_str(), &eptr);
        if (*eptr != '\0' || errno == ERANGE || std::isnan(item.score)) {
          conversion_error = true;
        }
      }
    }
    // With a conversion error the reply is an error: no need to sort (and NaN scores would
    // not be a strict weak order).
    if (!conversion_error) {
      bool store = has_store;
      auto cmp = [&](const SortItem& a, const SortItem& b) -> int {
        if (!alpha) {
          if (a.score > b.score) return 1;
          if (a.score < b.score) return -1;
          return BinaryCompare(a.obj, b.obj);
        }
        if (has_sortby) {
          if (!a.has_cmp || !b.has_cmp) {
            if (a.has_cmp == b.has_cmp) return 0;
            return a.has_cmp ? 1 : -1;
          }
          return store ? BinaryCompare(a.cmp, b.cmp) : CollateCompare(a.cmp, b.cmp);
        }
        return store ? BinaryCompare(a.obj, b.obj) : CollateCompare(a.obj, b.obj);
      };
      auto less = [&](const SortItem& a, const SortItem& b) {
        int r = cmp(a, b);
        return desc ? r > 0 : r < 0;
      };
      if (has_sortby && (start != 0 || end != int64_t(vec.size()) - 1) && end >= start) {
        // Only [start, end] is needed: select it, then order it.
        auto first = vec.begin() + start;
        auto last = vec.begin() + end + 1;
        if (first != vec.begin()) std::nth_element(vec.begin(), first, vec.end(), less);
        if (last != vec.end()) std::nth_element(first, last - 1, vec.end(), less);
        std::sort(first, last, less);
      } else {
        std::sort(vec.begin(), vec.end(), less);
      }
    }
  }

  int64_t count = end - start + 1;
  if (count < 0) count = 0;
  int64_t outputlen = gets.empty() ? count : int64_t(gets.size()) * count;
  if (conversion_error) {
    c.reply().Error(kBadDouble);
    return;
  }

  std::string val;
  if (!has_store) {
    c.reply().ArrayHeader(outputlen);
    for (int64_t j = start; j <= end; j++) {
      const std::string& elem = vec[size_t(j)].obj;
      if (gets.empty()) c.reply().Bulk(elem);
      for (std::string_view g : gets) {
        if (LookupByPattern(c, g, elem, &val)) {
          c.reply().Bulk(val);
        } else {
          c.reply().Null();
        }
      }
    }
    return;
  }

  Db& db = c.db();
  int dbid = c.db_index();
  if (outputlen) {
    const Config& cfg = s.config();
    auto* ql = new Quicklist(int(cfg.list_max_listpack_size), int(cfg.list_compress_depth));
    for (int64_t j = start; j <= end; j++) {
      const std::string& elem = vec[size_t(j)].obj;
      if (gets.empty()) {
        ql->PushTail(elem);
        continue;
      }
      for (std::string_view g : gets) {
        if (LookupByPattern(c, g, elem, &val)) {
          ql->PushTail(val);
        } else {
          ql->PushTail("");
        }
      }
    }
    s.LookupWrite(c, storekey);  // expires a stale destination first, as setKey does
    db.Set(Entry::NewObject(storekey, ObjType::kList, Encoding::kQuicklist, ql), false);
    s.SignalModifiedKey(db, storekey);
    s.NotifyKeyspaceEvent(kNotifyList, "sortstore", storekey, dbid);
    s.dirty += outputlen;
  } else if (db.Delete(storekey)) {
    s.SignalModifiedKey(db, storekey);
    s.NotifyKeyspaceEvent(kNotifyGeneric, "del", storekey, dbid);
    s.dirty++;
  }
  c.reply().Integer(outputlen);
}

void CmdSort(Client& c, CmdArgs args) { SortGeneric(c, args, false); }
void CmdSortRo(Client& c, CmdArgs args) { SortGeneric(c, args, true); }

}  // namespace

void RegisterSortFamily(CommandTable* t) {
  t->Register("sort", CmdSort);
  t->Register("sort_ro", CmdSortRo);
}

}  // namespace ember
