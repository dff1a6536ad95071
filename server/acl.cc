// ACL users, rules, permission checks, the ACL log and the ACL file (Redis 7.0.15 semantics).
#include "server/acl.h"

#include <openssl/evp.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/client.h"
#include "server/commands/command_spec.h"
#include "server/families/families.h"
#include "server/key_extraction.h"
#include "server/server.h"

namespace ember {

struct Acl::CmdInfo {
  std::string fullname;
  uint64_t categories = 0;
  int id = 0;
  int parent = -1;
  std::vector<int> subs;
};

namespace {

constexpr size_t kFutureBit = kAclCommandBits - 1;
constexpr int64_t kLogGroupingMs = 60000;

const std::vector<std::string_view> kCategories = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};

// Texts of Redis's ACLSetUserStringError, by cause.
constexpr std::string_view kErrUnknown = "Unknown command or category name in ACL";
constexpr std::string_view kErrSyntax = "Syntax error";
constexpr std::string_view kErrKeysAfterAll =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have "
    "any effect. Try 'resetkeys' to start with an empty list of patterns";
constexpr std::string_view kErrChannelsAfterAll =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not "
    "have any effect. Try 'resetchannels' to start with an empty list of channels";
constexpr std::string_view kErrNoSuchPass =
    "The password you are trying to remove from the user does not exist";
constexpr std::string_view kErrBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
    "characters";
constexpr std::string_view kErrDuplicateUser =
    "Duplicate user found. A user can only be defined once in config files";
constexpr std::string_view kErrFirstArgOfSub =
    "Allowing first-arg of a subcommand is not supported";

bool HasSpaces(std::string_view s) {
  for (char ch : s) {
    if (isspace(static_cast<unsigned char>(ch)) || ch == '\0') return true;
  }
  return false;
}

bool ValidHash(std::string_view h) {
  if (h.size() != 64) return false;
  for (char ch : h) {
    if (!((ch >= 'a' && ch <= 'f') || (ch >= '0' && ch <= '9'))) return false;
  }
  return true;
}

// Compares two equal-length digests without an early exit.
bool DigestEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (size_t i = 0; i < a.size(); i++) diff |= unsigned(a[i] ^ b[i]);
  return diff == 0;
}

uint64_t CategoriesOf(const CommandSpec& spec) {
  uint64_t flags = 0;
  for (const std::string& c : spec.acl_categories) {
    std::string_view name = c;
    if (!name.empty() && name[0] == '@') name.remove_prefix(1);
    flags |= Acl::CategoryFlag(name);
  }
  return flags;
}

// Which arguments of a pub/sub command are channels (Redis's getChannelsFromCommand); only the
// publish and subscribe ones are checked.
struct ChannelArgs {
  int first = 0;  // 0: none
  int last = 0;   // -1: to the end
  bool pattern = false;
};

ChannelArgs ChannelsOf(const Command& cmd) {
  if (cmd.parent != nullptr) return {};
  const std::string& n = cmd.name;
  if (n == "publish" || n == "spublish") return {1, 1, false};
  if (n == "subscribe" || n == "ssubscribe") return {1, -1, false};
  if (n == "psubscribe") return {1, -1, true};
  return {};
}

bool ChannelAllowedBy(const std::vector<std::string>& list, std::string_view channel,
                      bool is_pattern) {
  for (const std::string& p : list) {
    if (is_pattern ? p == channel : GlobMatch(p, channel)) return true;
  }
  return false;
}

uint32_t PermsForKeyFlags(uint32_t key_flags) {
  uint32_t perms = 0;
  if (key_flags & kKeyAccess) perms |= kAclRead;
  if (key_flags & (kKeyInsert | kKeyDelete | kKeyUpdate)) perms |= kAclWrite;
  return perms;
}

bool SelectorKeyAllowed(const AclSelector& s, std::string_view key, uint32_t perms) {
  if (s.allkeys) return true;
  for (const AclKeyPattern& p : s.patterns) {
    if ((p.perms & perms) != perms) continue;
    if (GlobMatch(p.pattern, key)) return true;
  }
  return false;
}

bool SelectorHasUnrestrictedKeys(const AclSelector& s, uint32_t perms) {
  if (s.allkeys) return true;
  for (const AclKeyPattern& p : s.patterns) {
    if ((p.perms & perms) != perms) continue;
    if (p.pattern == "*") return true;
  }
  return false;
}

std::string PatternString(const AclKeyPattern& p) {
  if (p.perms == kAclAll) return "~" + p.pattern;
  if (p.perms == kAclRead) return "%R~" + p.pattern;
  return "%W~" + p.pattern;
}

// Selector definitions may be spread over several arguments ("(+get" "~key)"): joins them with
// spaces. nullopt and `*bad` = index of the opening argument when one is never closed.
std::optional<std::vector<std::string>> MergeSelectorArgs(std::span<const std::string> args,
                                                          size_t* bad) {
  std::vector<std::string> out;
  std::string sel;
  int open = -1;
  for (size_t j = 0; j < args.size(); j++) {
    const std::string& op = args[j];
    if (open == -1 && !op.empty() && op[0] == '(' && op.back() != ')') {
      sel = op;
      open = int(j);
      continue;
    }
    if (open != -1) {
      sel += " ";
      sel += op;
      if (!op.empty() && op.back() == ')') {
        open = -1;
        out.push_back(std::move(sel));
        sel.clear();
      }
      continue;
    }
    out.push_back(op);
  }
  if (open != -1) {
    if (bad) *bad = size_t(open);
    return std::nullopt;
  }
  return out;
}

std::vector<std::string> SplitSpaces(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && isspace(static_cast<unsigned char>(s[i]))) i++;
    size_t j = i;
    while (j < s.size() && !isspace(static_cast<unsigned char>(s[j]))) j++;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string_view Trim(std::string_view s, std::string_view chars) {
  while (!s.empty() && chars.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string AclHashPassword(std::string_view s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; i++) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

Acl::Acl(Server* server) : server_(server) {}
Acl::~Acl() = default;

const std::vector<std::string_view>& Acl::CategoryNames() { return kCategories; }

uint64_t Acl::CategoryFlag(std::string_view name) {
  for (size_t j = 0; j < kCategories.size(); j++) {
    if (EqualsIgnoreCase(kCategories[j], name)) return uint64_t(1) << j;
  }
  return 0;
}

void Acl::Init() {
  cmds_.clear();
  ids_.clear();
  for (const CommandSpec& spec : RedisCommandSpecs()) {
    int id = int(cmds_.size());
    cmds_.push_back(CmdInfo{spec.name, CategoriesOf(spec), id, -1, {}});
    ids_[spec.name] = id;
    for (const CommandSpec& sub : spec.subcommands) {
      int sid = int(cmds_.size());
      cmds_.push_back(CmdInfo{sub.name, CategoriesOf(sub), sid, id, {}});
      cmds_[size_t(id)].subs.push_back(sid);
      ids_[sub.name] = sid;
    }
  }
  server_->commands().ForEachIncludingSubs([this](Command& c) {
    auto it = ids_.find(c.fullname);
    c.acl_id = it == ids_.end() ? -1 : it->second;
  });
  users_.clear();
  auto def = NewUser("default");
  default_user_ = def.get();
  users_.emplace("default", std::move(def));
  std::string err;
  for (std::string_view op : {"+@all", "~*", "&*", "on", "nopass"}) {
    ApplyUserOp(default_user_, op, &err);
  }
}

bool Acl::pubsub_default_all() const {
  return server_->config().GetOne("acl-pubsub-default") == "allchannels";
}

AclSelector Acl::NewSelector(bool root) const {
  AclSelector s;
  s.root = root;
  s.allchannels = pubsub_default_all();
  return s;
}

std::unique_ptr<AclUser> Acl::NewUser(std::string_view name) const {
  auto u = std::make_unique<AclUser>();
  u->name = std::string(name);
  u->selectors.push_back(NewSelector(true));
  return u;
}

AclUser* Acl::Find(std::string_view name) {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second.get();
}

const Acl::CmdInfo* Acl::LookupCmd(std::string_view name) const {
  // As lookupCommandBySds: "name" or "container|sub".
  std::string lower = ToLower(name);
  size_t bar = lower.find('|');
  if (bar != std::string::npos && lower.find('|', bar + 1) != std::string::npos) return nullptr;
  auto it = ids_.find(lower);
  return it == ids_.end() ? nullptr : &cmds_[size_t(it->second)];
}

void Acl::ChangePerm(AclSelector* s, const CmdInfo& ci, bool allow) const {
  s->allowed.set(size_t(ci.id), allow);
  if (!allow) s->allcommands = false;
  s->firstargs.erase(ci.id);
  for (int sub : ci.subs) s->allowed.set(size_t(sub), allow);
}

void Acl::SetCategory(AclSelector* s, uint64_t flag, bool allow) const {
  for (const CmdInfo& ci : cmds_) {
    if (ci.parent != -1) continue;
    if (ci.categories & flag) ChangePerm(s, ci, allow);
    for (int sub : ci.subs) {
      if (cmds_[size_t(sub)].categories & flag) ChangePerm(s, cmds_[size_t(sub)], allow);
    }
  }
}

bool Acl::ApplySelectorOp(AclSelector* s, std::string_view op, std::string* err) {
  auto fail = [&](std::string_view why) {
    *err = std::string(why);
    return false;
  };
  if (EqualsIgnoreCase(op, "allkeys") || op == "~*") {
    s->allkeys = true;
    s->patterns.clear();
  } else if (EqualsIgnoreCase(op, "resetkeys")) {
    s->allkeys = false;
    s->patterns.clear();
  } else if (EqualsIgnoreCase(op, "allchannels") || op == "&*") {
    s->allchannels = true;
    s->channels.clear();
  } else if (EqualsIgnoreCase(op, "resetchannels")) {
    s->allchannels = false;
    s->channels.clear();
  } else if (EqualsIgnoreCase(op, "allcommands") || EqualsIgnoreCase(op, "+@all")) {
    s->allowed.set();
    s->allcommands = true;
    s->firstargs.clear();
  } else if (EqualsIgnoreCase(op, "nocommands") || EqualsIgnoreCase(op, "-@all")) {
    s->allowed.reset();
    s->allcommands = false;
    s->firstargs.clear();
  } else if (op[0] == '~' || op[0] == '%') {
    if (s->allkeys) return fail(kErrKeysAfterAll);
    uint32_t perms = 0;
    size_t offset = 1;
    if (op[0] == '%') {
      for (; offset < op.size(); offset++) {
        char ch = char(toupper(static_cast<unsigned char>(op[offset])));
        if (ch == 'R' && !(perms & kAclRead)) {
          perms |= kAclRead;
        } else if (ch == 'W' && !(perms & kAclWrite)) {
          perms |= kAclWrite;
        } else if (op[offset] == '~') {
          offset++;
          break;
        } else {
          return fail(kErrSyntax);
        }
      }
      if (perms == 0) return fail(kErrSyntax);
    } else {
      perms = kAclAll;
    }
    std::string_view pat = op.substr(std::min(offset, op.size()));
    if (HasSpaces(pat)) return fail(kErrSyntax);
    bool found = false;
    for (AclKeyPattern& p : s->patterns) {
      if (p.pattern == pat) {
        p.perms |= perms;
        found = true;
        break;
      }
    }
    if (!found) s->patterns.push_back(AclKeyPattern{perms, std::string(pat)});
    s->allkeys = false;
  } else if (op[0] == '&') {
    if (s->allchannels) return fail(kErrChannelsAfterAll);
    std::string_view pat = op.substr(1);
    if (HasSpaces(pat)) return fail(kErrSyntax);
    if (std::find(s->channels.begin(), s->channels.end(), pat) == s->channels.end()) {
      s->channels.emplace_back(pat);
    }
    s->allchannels = false;
  } else if (op[0] == '+' && (op.size() < 2 || op[1] != '@')) {
    std::string_view name = op.substr(1);
    size_t bar = name.rfind('|');
    if (bar == std::string_view::npos) {
      const CmdInfo* ci = LookupCmd(name);
      if (!ci) return fail(kErrUnknown);
      ChangePerm(s, *ci, true);
    } else {
      std::string_view base = name.substr(0, bar);
      std::string_view sub = name.substr(bar + 1);
      const CmdInfo* ci = LookupCmd(base);
      if (!ci) return fail(kErrUnknown);
      if (ci->parent != -1) return fail(kErrFirstArgOfSub);
      if (sub.empty()) return fail(kErrSyntax);
      if (!ci->subs.empty()) {
        const CmdInfo* sc = LookupCmd(name);
        if (!sc) return fail(kErrUnknown);
        ChangePerm(s, *sc, true);
      } else {
        spdlog::warn(
            "Deprecation warning: Allowing a first arg of an otherwise blocked command is a "
            "misuse of ACL and may get disabled in the future (offender: +{})",
            name);
        auto& list = s->firstargs[ci->id];
        bool dup = false;
        for (const std::string& a : list) dup = dup || EqualsIgnoreCase(a, sub);
        if (!dup) list.emplace_back(sub);
      }
    }
  } else if (op[0] == '-' && (op.size() < 2 || op[1] != '@')) {
    const CmdInfo* ci = LookupCmd(op.substr(1));
    if (!ci) return fail(kErrUnknown);
    ChangePerm(s, *ci, false);
  } else if ((op[0] == '+' || op[0] == '-') && op[1] == '@') {
    uint64_t flag = CategoryFlag(op.substr(2));
    if (!flag) return fail(kErrUnknown);
    SetCategory(s, flag, op[0] == '+');
  } else {
    return fail(kErrSyntax);
  }
  return true;
}

bool Acl::ApplyUserOp(AclUser* u, std::string_view op, std::string* err) {
  if (op.empty()) return true;
  if (EqualsIgnoreCase(op, "on")) {
    u->enabled = true;
  } else if (EqualsIgnoreCase(op, "off")) {
    u->enabled = false;
  } else if (EqualsIgnoreCase(op, "skip-sanitize-payload")) {
    u->skip_sanitize_payload = true;
    u->sanitize_payload = false;
  } else if (EqualsIgnoreCase(op, "sanitize-payload")) {
    u->skip_sanitize_payload = false;
    u->sanitize_payload = true;
  } else if (EqualsIgnoreCase(op, "nopass")) {
    u->nopass = true;
    u->passwords.clear();
  } else if (EqualsIgnoreCase(op, "resetpass")) {
    u->nopass = false;
    u->passwords.clear();
  } else if (op[0] == '>' || op[0] == '#') {
    std::string hash;
    if (op[0] == '>') {
      hash = AclHashPassword(op.substr(1));
    } else {
      if (!ValidHash(op.substr(1))) {
        *err = std::string(kErrBadHash);
        return false;
      }
      hash = std::string(op.substr(1));
    }
    if (std::find(u->passwords.begin(), u->passwords.end(), hash) == u->passwords.end()) {
      u->passwords.push_back(std::move(hash));
    }
    u->nopass = false;
  } else if (op[0] == '<' || op[0] == '!') {
    std::string hash;
    if (op[0] == '<') {
      hash = AclHashPassword(op.substr(1));
    } else {
      if (!ValidHash(op.substr(1))) {
        *err = std::string(kErrBadHash);
        return false;
      }
      hash = std::string(op.substr(1));
    }
    auto it = std::find(u->passwords.begin(), u->passwords.end(), hash);
    if (it == u->passwords.end()) {
      *err = std::string(kErrNoSuchPass);
      return false;
    }
    u->passwords.erase(it);
  } else if (op[0] == '(' && op.back() == ')') {
    AclSelector s = NewSelector(false);
    for (const std::string& inner : SplitSpaces(op.substr(1, op.size() - 2))) {
      if (!ApplySelectorOp(&s, inner, err)) return false;
    }
    u->selectors.push_back(std::move(s));
  } else if (EqualsIgnoreCase(op, "clearselectors")) {
    u->selectors.resize(1);
  } else if (EqualsIgnoreCase(op, "reset")) {
    for (std::string_view r : {"resetpass", "resetkeys", "resetchannels"}) {
      ApplyUserOp(u, r, err);
    }
    if (pubsub_default_all()) ApplyUserOp(u, "allchannels", err);
    for (std::string_view r : {"off", "sanitize-payload", "clearselectors", "-@all"}) {
      ApplyUserOp(u, r, err);
    }
  } else {
    return ApplySelectorOp(&u->selectors[0], op, err);
  }
  return true;
}

std::optional<std::string> Acl::SetUser(std::string_view name, std::span<const std::string> rules) {
  size_t bad = 0;
  auto merged = MergeSelectorArgs(rules, &bad);
  if (!merged) {
    return fmt::format("Unmatched parenthesis in acl selector starting at '{}'.", rules[bad]);
  }
  AclUser* existing = Find(name);
  // Changes are staged on a copy and applied only if every rule is valid.
  AclUser staged = existing ? *existing : *NewUser(name);
  for (const std::string& op : *merged) {
    std::string err;
    if (!ApplyUserOp(&staged, op, &err)) {
      return fmt::format("Error in ACL SETUSER modifier '{}': {}", op, err);
    }
  }
  if (existing) {
    KillPubsubClientsIfNeeded(staged, existing);
    *existing = std::move(staged);
  } else {
    users_.emplace(std::string(name), std::make_unique<AclUser>(std::move(staged)));
  }
  return std::nullopt;
}

void Acl::DisconnectClientsOf(AclUser* u) {
  std::vector<Client*> victims;
  for (const auto& [id, c] : server_->clients()) {
    if (c->user == u) victims.push_back(c);
  }
  for (Client* c : victims) {
    c->user = default_user_;
    c->authenticated = false;
    if (c == server_->current_client()) {
      c->CloseAfterReply();
    } else {
      server_->FreeClientAsync(c);
    }
  }
}

bool Acl::DeleteUser(std::string_view name) {
  auto it = users_.find(name);
  if (it == users_.end() || it->second.get() == default_user_) return false;
  DisconnectClientsOf(it->second.get());
  users_.erase(it);
  return true;
}

void Acl::KillPubsubClientsIfNeeded(const AclUser& updated, AclUser* original) {
  for (const AclSelector& s : updated.selectors) {
    if (s.allchannels) return;
  }
  std::vector<std::string> upcoming;
  for (const AclSelector& s : updated.selectors) {
    upcoming.insert(upcoming.end(), s.channels.begin(), s.channels.end());
  }
  bool superset = true;
  for (const AclSelector& s : original->selectors) {
    if (s.allchannels) {
      superset = false;
      break;
    }
    for (const std::string& ch : s.channels) {
      if (std::find(upcoming.begin(), upcoming.end(), ch) == upcoming.end()) superset = false;
    }
    if (!superset) break;
  }
  if (superset) return;
  std::vector<Client*> victims;
  for (const auto& [id, c] : server_->clients()) {
    if (c->user != original) continue;
    if (c->pubsub_channels.empty() && c->pubsub_patterns.empty() &&
        c->pubsub_shard_channels.empty()) {
      continue;
    }
    bool kill = false;
    for (const std::string& p : c->pubsub_patterns) {
      kill = kill || !ChannelAllowedBy(upcoming, p, true);
    }
    for (const std::string& ch : c->pubsub_channels) {
      kill = kill || !ChannelAllowedBy(upcoming, ch, false);
    }
    for (const std::string& ch : c->pubsub_shard_channels) {
      kill = kill || !ChannelAllowedBy(upcoming, ch, false);
    }
    if (kill) victims.push_back(c);
  }
  // Freed at the next safe point (before the loop sleeps), not while commands may still
  // reference them.
  for (Client* c : victims) {
    if (c == server_->current_client()) {
      c->CloseAfterReply();
    } else {
      server_->FreeClientAsync(c);
    }
  }
}

// ---- Authentication ----

AclUser* Acl::CheckCredentials(std::string_view name, std::string_view pass) {
  AclUser* u = Find(name);
  if (!u || !u->enabled) return nullptr;
  if (u->nopass) return u;
  std::string hash = AclHashPassword(pass);
  for (const std::string& p : u->passwords) {
    if (DigestEquals(hash, p)) return u;
  }
  return nullptr;
}

bool Acl::Authenticate(Client& c, std::string_view name, std::string_view pass) {
  AclUser* u = CheckCredentials(name, pass);
  if (u) {
    c.authenticated = true;
    c.user = u;
    return true;
  }
  std::string object = c.argv.empty() ? std::string() : std::string(c.argv[0]);
  AddLogEntry(c, AclResult::kDeniedAuth,
              c.has(kClientMulti) ? AclContext::kMulti : AclContext::kToplevel, object, name);
  return false;
}

bool Acl::AuthRequired(const Client& c) const {
  return (!default_user_->nopass || !default_user_->enabled) && !c.authenticated;
}

void Acl::InitClient(Client& c) {
  if (default_user_ == nullptr) {  // before Init: in-process setup
    c.authenticated = true;
    return;
  }
  c.user = default_user_;
  c.authenticated = default_user_->nopass && default_user_->enabled;
}

void Acl::UpdateDefaultUserPassword(std::string_view password) {
  std::string err;
  ApplyUserOp(default_user_, "resetpass", &err);
  if (password.empty()) {
    ApplyUserOp(default_user_, "nopass", &err);
  } else {
    ApplyUserOp(default_user_, ">" + std::string(password), &err);
  }
}

// ---- Permission checks ----

AclResult Acl::CheckSelector(const AclSelector& s, const Command& cmd, CmdArgs args, int* argpos,
                             std::optional<std::vector<std::pair<int, uint32_t>>>* keys) {
  if (!s.allcommands && !cmd.has(kCmdNoAuth)) {
    bool bit = cmd.acl_id >= 0 && s.allowed.test(size_t(cmd.acl_id));
    if (!bit) {
      auto it = cmd.acl_id >= 0 ? s.firstargs.find(cmd.acl_id) : s.firstargs.end();
      if (args.size() < 2 || it == s.firstargs.end()) return AclResult::kDeniedCmd;
      size_t idx = cmd.parent ? 2 : 1;
      if (idx >= args.size()) return AclResult::kDeniedCmd;
      bool match = false;
      for (const std::string& a : it->second) match = match || EqualsIgnoreCase(a, args[idx]);
      if (!match) return AclResult::kDeniedCmd;
    }
  }
  if (!s.allkeys && CommandHasKeys(cmd)) {
    if (!keys->has_value()) {
      std::vector<std::pair<int, uint32_t>> list;
      for (const KeyReference& k : GetKeys(cmd, args)) list.emplace_back(k.pos, k.flags);
      *keys = std::move(list);
    }
    for (const auto& [pos, flags] : **keys) {
      if (!SelectorKeyAllowed(s, args[size_t(pos)], PermsForKeyFlags(flags))) {
        *argpos = pos;
        return AclResult::kDeniedKey;
      }
    }
  }
  if (!s.allchannels) {
    ChannelArgs ch = ChannelsOf(cmd);
    if (ch.first > 0) {
      int last = ch.last < 0 ? int(args.size()) - 1 : std::min(ch.last, int(args.size()) - 1);
      for (int i = ch.first; i <= last; i++) {
        if (!ChannelAllowedBy(s.channels, args[size_t(i)], ch.pattern)) {
          *argpos = i;
          return AclResult::kDeniedChannel;
        }
      }
    }
  }
  return AclResult::kOk;
}

AclResult Acl::CheckCommand(const AclUser* u, const Command& cmd, CmdArgs args, int* argpos) {
  if (u == nullptr) return AclResult::kOk;
  AclResult relevant = AclResult::kDeniedCmd;
  int local = 0, last = 0;
  std::optional<std::vector<std::pair<int, uint32_t>>> keys;
  for (const AclSelector& s : u->selectors) {
    AclResult r = CheckSelector(s, cmd, args, &local, &keys);
    if (r == AclResult::kOk) return r;
    if (int(r) > int(relevant) || (r == relevant && local > last)) {
      relevant = r;
      last = local;
    }
  }
  if (argpos) *argpos = last;
  return relevant;
}

AclResult Acl::CheckChannel(const AclUser* u, std::string_view channel, bool is_pattern) const {
  if (u == nullptr) return AclResult::kOk;
  for (const AclSelector& s : u->selectors) {
    if (s.allchannels || ChannelAllowedBy(s.channels, channel, is_pattern)) return AclResult::kOk;
  }
  return AclResult::kDeniedChannel;
}

AclResult Acl::CheckKey(const AclUser* u, std::string_view key, uint32_t perms) const {
  if (u == nullptr) return AclResult::kOk;
  for (const AclSelector& s : u->selectors) {
    if (SelectorKeyAllowed(s, key, perms)) return AclResult::kOk;
  }
  return AclResult::kDeniedKey;
}

bool Acl::CheckCommandWithUnrestrictedKeys(const AclUser* u, const Command& cmd, CmdArgs args,
                                           uint32_t perms) {
  if (u == nullptr) return true;
  std::optional<std::vector<std::pair<int, uint32_t>>> keys;
  int pos = 0;
  for (const AclSelector& s : u->selectors) {
    if (CheckSelector(s, cmd, args, &pos, &keys) == AclResult::kOk &&
        SelectorHasUnrestrictedKeys(s, perms)) {
      return true;
    }
  }
  return false;
}

std::string Acl::DeniedMessage(AclResult r, const Command& cmd) {
  switch (r) {
    case AclResult::kDeniedCmd:
      return fmt::format("-NOPERM this user has no permissions to run the '{}' command",
                         cmd.fullname);
    case AclResult::kDeniedKey:
      return "-NOPERM this user has no permissions to access one of the keys used as arguments";
    case AclResult::kDeniedChannel:
      return "-NOPERM this user has no permissions to access one of the channels used as "
             "arguments";
    default:
      return "no permission";
  }
}

std::string Acl::CheckClientAndLog(Client& c, const Command& cmd, CmdArgs args, AclContext ctx,
                                   AclResult* result) {
  if (c.has(kClientMaster)) return {};
  int pos = 0;
  AclResult r = CheckCommand(c.user, cmd, args, &pos);
  if (result) *result = r;
  if (r == AclResult::kOk) return {};
  std::string object;
  if (r == AclResult::kDeniedCmd) {
    object = cmd.fullname;
  } else {
    object = std::string(args[size_t(pos)]);
  }
  AddLogEntry(c, r, ctx, std::move(object));
  return DeniedMessage(r, cmd);
}

// ---- Describing users ----

std::string Acl::DescribeCommandRules(const AclSelector& s) {
  std::string rules;
  AclSelector fake;
  std::string err;
  bool additive = !s.allowed.test(kFutureBit);
  rules = additive ? "-@all " : "+@all ";
  ApplySelectorOp(&fake, additive ? "-@all" : "+@all", &err);

  // Greedy choice of categories, then single commands for the remaining differences.
  AclSelector temp;
  temp.allowed = s.allowed;
  std::vector<bool> applied(kCategories.size(), false);
  while (true) {
    int best = -1;
    uint64_t mindiff = UINT64_MAX, maxsame = 0;
    for (size_t j = 0; j < kCategories.size(); j++) {
      if (applied[j]) continue;
      uint64_t flag = uint64_t(1) << j;
      uint64_t on = 0, off = 0;
      for (const CmdInfo& ci : cmds_) {
        if (!(ci.categories & flag)) continue;
        if (temp.allowed.test(size_t(ci.id))) {
          on++;
        } else {
          off++;
        }
      }
      uint64_t diff = additive ? off : on;
      uint64_t same = additive ? on : off;
      if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
        best = int(j);
        mindiff = diff;
        maxsame = same;
      }
    }
    if (best == -1) break;
    uint64_t flag = uint64_t(1) << best;
    SetCategory(&fake, flag, additive);
    SetCategory(&temp, flag, !additive);
    rules += additive ? "+@" : "-@";
    rules += kCategories[size_t(best)];
    rules += " ";
    applied[size_t(best)] = true;
  }

  auto single = [&](const CmdInfo& ci, auto&& self) -> void {
    bool userbit = s.allowed.test(size_t(ci.id));
    bool fakebit = fake.allowed.test(size_t(ci.id));
    if (userbit != fakebit) {
      rules += userbit ? "+" : "-";
      rules += ci.fullname;
      rules += " ";
      ChangePerm(&fake, ci, userbit);
    }
    for (int sub : ci.subs) self(cmds_[size_t(sub)], self);
    if (!userbit) {
      auto it = s.firstargs.find(ci.id);
      if (it != s.firstargs.end()) {
        for (const std::string& a : it->second) {
          rules += "+" + ci.fullname + "|" + a + " ";
        }
      }
    }
  };
  for (const CmdInfo& ci : cmds_) {
    if (ci.parent == -1) single(ci, single);
  }
  if (!rules.empty()) rules.pop_back();
  return rules;
}

std::string Acl::DescribeKeys(const AclSelector& s) const {
  if (s.allkeys) return "~*";
  std::string out;
  for (const AclKeyPattern& p : s.patterns) {
    if (!out.empty()) out += " ";
    out += PatternString(p);
  }
  return out;
}

std::string Acl::DescribeChannels(const AclSelector& s) const {
  if (s.allchannels) return "&*";
  std::string out;
  for (const std::string& ch : s.channels) {
    if (!out.empty()) out += " ";
    out += "&" + ch;
  }
  return out;
}

std::string Acl::Describe(const AclUser& u) {
  std::string res;
  res += u.enabled ? "on " : "off ";
  if (u.nopass) res += "nopass ";
  if (u.skip_sanitize_payload) res += "skip-sanitize-payload ";
  if (u.sanitize_payload) res += "sanitize-payload ";
  for (const std::string& p : u.passwords) res += "#" + p + " ";
  for (const AclSelector& s : u.selectors) {
    std::string d;
    if (s.allkeys) {
      d += "~* ";
    } else {
      for (const AclKeyPattern& p : s.patterns) d += PatternString(p) + " ";
    }
    if (s.allchannels) {
      d += "&* ";
    } else {
      d += "resetchannels ";
      for (const std::string& ch : s.channels) d += "&" + ch + " ";
    }
    d += DescribeCommandRules(s);
    if (s.root) {
      res += d;
    } else {
      res += " (" + d + ")";
    }
  }
  return res;
}

std::vector<std::string> Acl::CommandsInCategory(uint64_t flag) const {
  std::vector<std::string> out;
  for (const CmdInfo& ci : cmds_) {
    if (ci.categories & flag) out.push_back(ci.fullname);
  }
  return out;
}

std::vector<std::string> Acl::ConfigLines() {
  std::vector<std::string> out;
  for (const auto& [name, u] : users_) out.push_back("user " + name + " " + Describe(*u));
  return out;
}

// ---- ACL file and startup ----

std::string Acl::LoadFromFile(const std::string& path) {
  FILE* fp = fopen(path.c_str(), "r");
  if (!fp) {
    return fmt::format("Error loading ACLs, opening file '{}': {}", path, strerror(errno));
  }
  std::string content;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) content.append(buf, n);
  fclose(fp);
  const std::string& fname = path;

  std::map<std::string, std::unique_ptr<AclUser>, std::less<>> loaded;
  std::string errors;
  size_t start = 0;
  int linenum = 0;
  while (start <= content.size()) {
    size_t nl = content.find('\n', start);
    if (nl == std::string::npos) nl = content.size();
    std::string_view line(content.data() + start, nl - start);
    start = nl + 1;
    linenum++;
    line = Trim(line, " \t\r\n");
    if (line.empty()) continue;
    std::vector<std::string> argv;
    size_t p = 0;
    while (true) {
      size_t sp = line.find(' ', p);
      argv.emplace_back(line.substr(p, sp == std::string_view::npos ? sp : sp - p));
      if (sp == std::string_view::npos) break;
      p = sp + 1;
    }
    if (argv[0] != "user" || argv.size() < 2) {
      errors += fmt::format("{}:{} should start with user keyword followed by the username. ",
                            fname, linenum);
      continue;
    }
    if (HasSpaces(argv[1])) {
      errors += fmt::format("'{}:{}: username '{}' contains invalid characters. ", fname, linenum,
                            argv[1]);
      continue;
    }
    if (loaded.count(argv[1])) {
      errors += fmt::format("WARNING: Duplicate user '{}' found on line {}. ", argv[1], linenum);
      continue;
    }
    auto u = NewUser(argv[1]);
    std::span<const std::string> rules(argv.begin() + 2, argv.end());
    auto merged = MergeSelectorArgs(rules, nullptr);
    if (!merged) {
      errors += fmt::format("{}:{}: Unmatched parenthesis in selector definition.", fname, linenum);
      merged.emplace();
    }
    bool syntax_error = false;
    for (std::string& op : *merged) {
      std::string_view trimmed = Trim(op, "\t\r\n");
      std::string err;
      if (!ApplyUserOp(u.get(), trimmed, &err)) {
        if (err == kErrUnknown) {
          errors += fmt::format("{}:{}: Error in applying operation '{}': {}. ", fname, linenum,
                                trimmed, err);
        } else if (!syntax_error) {
          errors += fmt::format("{}:{}: {}. ", fname, linenum, err);
          syntax_error = true;
        }
      }
    }
    loaded.emplace(argv[1], std::move(u));
  }
  if (!errors.empty()) {
    return errors +
           "WARNING: ACL errors detected, no change to the previously active ACL rules "
           "was performed";
  }
  // The default user object stays (clients point at it); it takes the loaded rules.
  auto it = loaded.find("default");
  std::unique_ptr<AclUser> new_default;
  if (it != loaded.end()) {
    new_default = std::move(it->second);
    loaded.erase(it);
  } else {
    new_default = NewUser("default");
    std::string err;
    for (std::string_view op : {"+@all", "~*", "&*", "on", "nopass"}) {
      ApplyUserOp(new_default.get(), op, &err);
    }
  }
  *default_user_ = std::move(*new_default);
  std::vector<std::string> old_names;
  for (const auto& [name, u] : users_) {
    if (u.get() != default_user_) old_names.push_back(name);
  }
  for (const std::string& name : old_names) DeleteUser(name);
  for (auto& [name, u] : loaded) users_.emplace(name, std::move(u));
  return {};
}

bool Acl::SaveToFile(const std::string& path) {
  std::string out;
  for (const std::string& line : ConfigLines()) out += line + "\n";
  std::string tmp = fmt::format("{}.tmp-{}-{}", path, getpid(), NowMs());
  FILE* fp = fopen(tmp.c_str(), "w");
  if (!fp) {
    spdlog::warn("Opening temp ACL file for ACL SAVE: {}", strerror(errno));
    return false;
  }
  bool ok = fwrite(out.data(), 1, out.size(), fp) == out.size();
  ok = (fclose(fp) == 0) && ok;
  if (!ok) {
    spdlog::warn("Writing ACL file for ACL SAVE: {}", strerror(errno));
    unlink(tmp.c_str());
    return false;
  }
  if (rename(tmp.c_str(), path.c_str()) == -1) {
    spdlog::warn("Renaming ACL file for ACL SAVE: {}", strerror(errno));
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

Status Acl::LoadAtStartup() {
  const auto& users = server_->config().user_directives();
  std::string aclfile = server_->config().GetOne("aclfile");
  // Validation as when the config is read: duplicates and syntax errors (unknown commands are
  // reported when the rules are applied below).
  std::vector<std::string> seen;
  for (const auto& def : users) {
    if (def.empty()) continue;
    std::string line = "user";
    for (const std::string& a : def) line += " " + a;
    if (std::find(seen.begin(), seen.end(), def[0]) != seen.end()) {
      return Status::InvalidArgument(
          fmt::format("Error in user declaration '{}': {}", line, kErrDuplicateUser));
    }
    seen.push_back(def[0]);
    auto fake = NewUser(def[0]);
    std::span<const std::string> rules(def.begin() + 1, def.end());
    auto merged = MergeSelectorArgs(rules, nullptr);
    if (!merged) {
      return Status::InvalidArgument(fmt::format("Error in user declaration '{}': {}", line,
                                                 "Unmatched parenthesis in acl selector"));
    }
    for (const std::string& op : *merged) {
      std::string err;
      if (!ApplyUserOp(fake.get(), op, &err) && err != kErrUnknown) {
        return Status::InvalidArgument(
            fmt::format("Error in user declaration '{}': {}", line, err));
      }
    }
  }
  if (!aclfile.empty() && !users.empty()) {
    return Status::InvalidArgument(
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file "
        "path is invalid. This setup is very likely to lead to configuration errors and security "
        "holes, please define either an ACL file or declare users directly in your redis.conf, "
        "but not both.");
  }
  for (const auto& def : users) {
    if (def.empty()) continue;
    if (HasSpaces(def[0])) return Status::InvalidArgument("Spaces not allowed in ACL usernames");
    AclUser* u = Find(def[0]);
    std::string err;
    if (u) {
      ApplyUserOp(u, "reset", &err);
    } else {
      auto nu = NewUser(def[0]);
      u = nu.get();
      users_.emplace(def[0], std::move(nu));
    }
    std::span<const std::string> rules(def.begin() + 1, def.end());
    auto merged = MergeSelectorArgs(rules, nullptr);
    for (const std::string& op : *merged) {
      if (!ApplyUserOp(u, op, &err)) {
        return Status::InvalidArgument(fmt::format(
            "Error loading ACL rule '{}' for the user named '{}': {}", op, def[0], err));
      }
    }
    if (!u->enabled) {
      spdlog::info(
          "The user '{}' is disabled (there is no 'on' modifier in the user description). Make "
          "sure this is not a configuration error.",
          def[0]);
    }
  }
  if (!aclfile.empty()) {
    std::string errors = LoadFromFile(aclfile);
    if (!errors.empty()) {
      return Status::InvalidArgument("Aborting Redis startup because of ACL errors: " + errors);
    }
  }
  return Status::OK();
}

// ---- ACL LOG ----

void Acl::AddLogEntry(Client& c, AclResult reason, AclContext ctx, std::string object,
                      std::string_view username) {
  AclLogEntry e;
  e.reason = reason;
  e.context = ctx;
  e.object = std::move(object);
  if (!username.empty() || reason == AclResult::kDeniedAuth) {
    e.username = std::string(username);
  } else {
    e.username = c.user ? c.user->name : std::string();
  }
  e.ctime_ms = NowMs();
  e.client_info = ClientInfoLine(c);
  for (size_t i = 0; i < log_.size() && i < 10; i++) {
    AclLogEntry& cur = log_[i];
    if (cur.reason == e.reason && cur.context == e.context &&
        std::llabs(cur.ctime_ms - e.ctime_ms) <= kLogGroupingMs && cur.object == e.object &&
        cur.username == e.username) {
      AclLogEntry moved = std::move(cur);
      log_.erase(log_.begin() + long(i));
      moved.client_info = std::move(e.client_info);
      moved.ctime_ms = e.ctime_ms;
      moved.count++;
      log_.push_front(std::move(moved));
      return;
    }
  }
  log_.push_front(std::move(e));
  int64_t max_len = 128;
  if (!StringToInt64(server_->config().GetOne("acllog-max-len"), &max_len)) max_len = 128;
  while (int64_t(log_.size()) > std::max<int64_t>(0, max_len)) log_.pop_back();
}

}  // namespace ember
