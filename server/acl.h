// Access control lists, as Redis 7.0.15 has them: users with passwords and selectors (command,
// key and channel permissions), the permission check run before every command, the ACL log and
// the ACL file. Command ids and categories come from Redis's command specs, so rules may name
// every Redis command, including the ones Ember does not implement.
#pragma once

#include <bitset>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/status.h"
#include "server/command.h"

namespace ember {

class Client;
class Server;

// Redis's ACL_* check results; the order matters (a later value is the more relevant error).
enum class AclResult : int {
  kOk = 0,
  kDeniedCmd = 1,
  kDeniedKey = 2,
  kDeniedAuth = 3,
  kDeniedChannel = 4
};

// Where a denied command ran (ACL LOG "context").
enum class AclContext : int { kToplevel, kMulti, kLua };

// Key pattern permissions.
inline constexpr uint32_t kAclRead = 1;
inline constexpr uint32_t kAclWrite = 2;
inline constexpr uint32_t kAclAll = kAclRead | kAclWrite;

// Command bitmap size; the last bit is set only by +@all ("may run future commands").
inline constexpr size_t kAclCommandBits = 1024;

struct AclKeyPattern {
  uint32_t perms;  // kAclRead / kAclWrite
  std::string pattern;
};

// One set of permissions. A user may run a command if any of its selectors allows it.
struct AclSelector {
  bool root = false;
  bool allkeys = false;
  bool allchannels = false;
  bool allcommands = false;
  std::bitset<kAclCommandBits> allowed;
  // Command id -> first arguments allowed although the command itself is not (+select|0).
  std::map<int, std::vector<std::string>> firstargs;
  std::vector<AclKeyPattern> patterns;
  std::vector<std::string> channels;
};

struct AclUser {
  std::string name;
  bool enabled = false;
  bool nopass = false;
  bool sanitize_payload = false;
  bool skip_sanitize_payload = false;
  std::vector<std::string> passwords;  // SHA-256 hex digests
  std::vector<AclSelector> selectors;  // [0] is the root selector
};

struct AclLogEntry {
  uint64_t count = 1;
  AclResult reason;
  AclContext context;
  std::string object;
  std::string username;
  int64_t ctime_ms;
  std::string client_info;
};

class Acl {
 public:
  explicit Acl(Server* server);
  ~Acl();
  Acl(const Acl&) = delete;
  Acl& operator=(const Acl&) = delete;

  // Assigns command ids (from the specs) and links the registered commands to them. Must run
  // after the command table is filled; creates the default user.
  void Init();

  // Startup: `user` directives of the config, then the ACL file. Errors are Redis's log text.
  Status LoadAtStartup();

  AclUser* default_user() { return default_user_; }
  AclUser* Find(std::string_view name);
  const std::map<std::string, std::unique_ptr<AclUser>, std::less<>>& users() const {
    return users_;
  }

  // ACL SETUSER: applies `rules` to the user (created when missing) all or nothing. Returns the
  // error text (without "ERR ") on failure. Pub/sub clients of the user that lose channel
  // permissions are disconnected.
  std::optional<std::string> SetUser(std::string_view name, std::span<const std::string> rules);
  // Removes a user and disconnects its clients. False if there is no such user.
  bool DeleteUser(std::string_view name);

  // The user `name` if the password is right and the user enabled; nullptr otherwise.
  AclUser* CheckCredentials(std::string_view name, std::string_view pass);
  // AUTH / HELLO AUTH: authenticates `c` or logs the failure. True on success.
  bool Authenticate(Client& c, std::string_view name, std::string_view pass);
  // Redis's authRequired(): the client must still AUTH before running commands.
  bool AuthRequired(const Client& c) const;
  // New clients' state (user and authenticated flag).
  void InitClient(Client& c);
  // requirepass: sets the default user's only password, or nopass when empty.
  void UpdateDefaultUserPassword(std::string_view password);

  // Permission checks. A null user may do anything. `argpos` gets the offending argument.
  AclResult CheckCommand(const AclUser* u, const Command& cmd, CmdArgs args, int* argpos);
  AclResult CheckChannel(const AclUser* u, std::string_view channel, bool is_pattern) const;
  AclResult CheckKey(const AclUser* u, std::string_view key, uint32_t perms) const;
  // True if some selector allows the command and `perms` on every key (SORT BY/GET).
  bool CheckCommandWithUnrestrictedKeys(const AclUser* u, const Command& cmd, CmdArgs args,
                                        uint32_t perms);
  // Checks c.cmd with c's user; on denial logs it and returns the NOPERM error reply text.
  // Returns "" when allowed.
  std::string CheckClientAndLog(Client& c, const Command& cmd, CmdArgs args, AclContext ctx,
                                AclResult* result = nullptr);

  // "on nopass ..." as ACL LIST shows it (without "user <name> ").
  std::string Describe(const AclUser& u);
  std::string DescribeCommandRules(const AclSelector& s);
  std::string DescribeKeys(const AclSelector& s) const;
  std::string DescribeChannels(const AclSelector& s) const;

  // Categories, in Redis's order.
  static const std::vector<std::string_view>& CategoryNames();
  static uint64_t CategoryFlag(std::string_view name);
  // Full names of the commands and subcommands in `flag`'s category.
  std::vector<std::string> CommandsInCategory(uint64_t flag) const;

  // ACL file. Load returns "" or Redis's error text; Save returns false on I/O errors.
  std::string LoadFromFile(const std::string& path);
  bool SaveToFile(const std::string& path);
  // The `user ...` lines CONFIG REWRITE writes.
  std::vector<std::string> ConfigLines();

  // ACL LOG.
  void AddLogEntry(Client& c, AclResult reason, AclContext ctx, std::string object,
                   std::string_view username = {});
  std::deque<AclLogEntry>& log() { return log_; }

  // The NOPERM reply text for a denial at the top level.
  static std::string DeniedMessage(AclResult r, const Command& cmd);

 private:
  struct CmdInfo;
  std::unique_ptr<AclUser> NewUser(std::string_view name) const;
  AclSelector NewSelector(bool root) const;
  // Redis's ACLSetUser/ACLSetSelector: false and `*err` (the reason text) on failure.
  bool ApplyUserOp(AclUser* u, std::string_view op, std::string* err);
  bool ApplySelectorOp(AclSelector* s, std::string_view op, std::string* err);
  void ChangePerm(AclSelector* s, const CmdInfo& ci, bool allow) const;
  void SetCategory(AclSelector* s, uint64_t flag, bool allow) const;
  const CmdInfo* LookupCmd(std::string_view name) const;
  AclResult CheckSelector(const AclSelector& s, const Command& cmd, CmdArgs args, int* argpos,
                          std::optional<std::vector<std::pair<int, uint32_t>>>* keys);
  void KillPubsubClientsIfNeeded(const AclUser& updated, AclUser* original);
  void DisconnectClientsOf(AclUser* u);
  bool pubsub_default_all() const;

  Server* server_;
  std::vector<CmdInfo> cmds_;                    // indexed by id
  std::map<std::string, int, std::less<>> ids_;  // fullname -> id
  std::map<std::string, std::unique_ptr<AclUser>, std::less<>> users_;
  AclUser* default_user_ = nullptr;
  std::deque<AclLogEntry> log_;
};

// Lowercase hex SHA-256 of `s`.
std::string AclHashPassword(std::string_view s);

}  // namespace ember
