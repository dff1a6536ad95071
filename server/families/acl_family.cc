// ACL and its subcommands, as Redis 7.0.15 replies to them. The rules engine is server/acl.h.
#include <openssl/rand.h>
#include <spdlog/fmt/fmt.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/resp/reply_builder.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "server/acl.h"
#include "server/families/families.h"
#include "server/server.h"

namespace ember {
namespace {

constexpr int64_t kGenpassMaxBits = 4096;

void ReplySubcommandSyntaxError(Client& c, CmdArgs args) {
  c.reply().Error(
      fmt::format("unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
                  args[1].substr(0, 128), ToUpper(args[0])));
}

std::string AclFile(Client& c) { return c.server().config().GetOne("aclfile"); }

// LOAD and SAVE without an ACL file.
bool RequireAclFile(Client& c) {
  if (!AclFile(c).empty()) return true;
  c.reply().Error(
      "This Redis instance is not configured to use an ACL file. You may want to specify users "
      "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
      "configuration file set) in order to store users in the Redis configuration.");
  return false;
}

void CmdSetUser(Client& c, CmdArgs args) {
  for (size_t j = 2; j < args.size(); j++) c.RedactArg(int(j));
  std::string_view name = args[2];
  for (char ch : name) {
    if (isspace(static_cast<unsigned char>(ch)) || ch == '\0') {
      return c.reply().Error("Usernames can't contain spaces or null characters");
    }
  }
  std::vector<std::string> rules(args.begin() + 3, args.end());
  auto err = c.server().acl().SetUser(name, rules);
  if (err) return c.reply().Error(*err);
  c.reply().Ok();
}

void CmdDelUser(Client& c, CmdArgs args) {
  for (size_t j = 2; j < args.size(); j++) {
    if (args[j] == "default") return c.reply().Error("The 'default' user cannot be removed");
  }
  int64_t deleted = 0;
  for (size_t j = 2; j < args.size(); j++) {
    if (c.server().acl().DeleteUser(args[j])) deleted++;
  }
  c.reply().Integer(deleted);
}

void ReplySelector(Acl& acl, ReplyBuilder& r, const AclSelector& s) {
  r.Bulk("commands");
  r.Bulk(acl.DescribeCommandRules(s));
  r.Bulk("keys");
  r.Bulk(acl.DescribeKeys(s));
  r.Bulk("channels");
  r.Bulk(acl.DescribeChannels(s));
}

void CmdGetUser(Client& c, CmdArgs args) {
  Acl& acl = c.server().acl();
  ReplyBuilder& r = c.reply();
  AclUser* u = acl.Find(args[2]);
  if (!u) return r.Null();
  r.MapHeader(6);
  r.Bulk("flags");
  std::vector<std::string_view> flags;
  flags.push_back(u->enabled ? "on" : "off");
  if (u->nopass) flags.push_back("nopass");
  if (u->skip_sanitize_payload) flags.push_back("skip-sanitize-payload");
  if (u->sanitize_payload) flags.push_back("sanitize-payload");
  r.SetHeader(int64_t(flags.size()));
  for (auto f : flags) r.Bulk(f);
  r.Bulk("passwords");
  r.ArrayHeader(int64_t(u->passwords.size()));
  for (const std::string& p : u->passwords) r.Bulk(p);
  ReplySelector(acl, r, u->selectors[0]);
  r.Bulk("selectors");
  r.ArrayHeader(int64_t(u->selectors.size()) - 1);
  for (size_t i = 1; i < u->selectors.size(); i++) {
    r.MapHeader(3);
    ReplySelector(acl, r, u->selectors[i]);
  }
}

void CmdList(Client& c, CmdArgs) {
  Acl& acl = c.server().acl();
  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(acl.users().size()));
  for (const auto& [name, u] : acl.users()) r.Bulk("user " + name + " " + acl.Describe(*u));
}

void CmdUsers(Client& c, CmdArgs) {
  Acl& acl = c.server().acl();
  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(acl.users().size()));
  for (const auto& [name, u] : acl.users()) r.Bulk(name);
}

void CmdWhoami(Client& c, CmdArgs) {
  if (c.user == nullptr) return c.reply().Null();
  c.reply().Bulk(c.user->name);
}

void CmdLoad(Client& c, CmdArgs) {
  if (!RequireAclFile(c)) return;
  std::string errors = c.server().acl().LoadFromFile(AclFile(c));
  if (!errors.empty()) return c.reply().Error(errors);
  c.reply().Ok();
}

void CmdSave(Client& c, CmdArgs) {
  if (!RequireAclFile(c)) return;
  if (!c.server().acl().SaveToFile(AclFile(c))) {
    return c.reply().Error(
        "There was an error trying to save the ACLs. Please check the server logs for more "
        "information");
  }
  c.reply().Ok();
}

void CmdCat(Client& c, CmdArgs args) {
  ReplyBuilder& r = c.reply();
  if (args.size() == 2) {
    const auto& names = Acl::CategoryNames();
    r.ArrayHeader(int64_t(names.size()));
    for (auto n : names) r.Bulk(n);
    return;
  }
  if (args.size() != 3) return ReplySubcommandSyntaxError(c, args);
  uint64_t flag = Acl::CategoryFlag(args[2]);
  if (!flag) return r.Error(fmt::format("Unknown category '{}'", args[2].substr(0, 128)));
  std::vector<std::string> cmds = c.server().acl().CommandsInCategory(flag);
  r.ArrayHeader(int64_t(cmds.size()));
  for (const std::string& n : cmds) r.Bulk(n);
}

void CmdGenpass(Client& c, CmdArgs args) {
  if (args.size() > 3) return ReplySubcommandSyntaxError(c, args);
  int64_t bits = 256;
  if (args.size() == 3 && !ParseInt64Arg(c, args[2], &bits)) return;
  if (bits <= 0 || bits > kGenpassMaxBits) {
    return c.reply().Error(fmt::format(
        "ACL GENPASS argument must be the number of bits for the output password, a positive "
        "number up to {}",
        kGenpassMaxBits));
  }
  size_t chars = size_t((bits + 3) / 4);
  std::vector<unsigned char> raw((chars + 1) / 2);
  RAND_bytes(raw.data(), int(raw.size()));
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : raw) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 15]);
  }
  out.resize(chars);
  c.reply().Bulk(out);
}

void CmdLog(Client& c, CmdArgs args) {
  if (args.size() > 3) return ReplySubcommandSyntaxError(c, args);
  Acl& acl = c.server().acl();
  ReplyBuilder& r = c.reply();
  int64_t count = 10;
  if (args.size() == 3) {
    if (EqualsIgnoreCase(args[2], "reset")) {
      acl.log().clear();
      return r.Ok();
    }
    if (!ParseInt64Arg(c, args[2], &count)) return;
    if (count < 0) count = 0;
  }
  auto& log = acl.log();
  if (size_t(count) > log.size()) count = int64_t(log.size());
  r.ArrayHeader(count);
  int64_t now = NowMs();
  for (int64_t i = 0; i < count; i++) {
    const AclLogEntry& e = log[size_t(i)];
    r.MapHeader(7);
    r.Bulk("count");
    r.Integer(int64_t(e.count));
    r.Bulk("reason");
    switch (e.reason) {
      case AclResult::kDeniedCmd:
        r.Bulk("command");
        break;
      case AclResult::kDeniedKey:
        r.Bulk("key");
        break;
      case AclResult::kDeniedChannel:
        r.Bulk("channel");
        break;
      case AclResult::kDeniedAuth:
        r.Bulk("auth");
        break;
      default:
        r.Bulk("unknown");
    }
    r.Bulk("context");
    switch (e.context) {
      case AclContext::kToplevel:
        r.Bulk("toplevel");
        break;
      case AclContext::kMulti:
        r.Bulk("multi");
        break;
      case AclContext::kLua:
        r.Bulk("lua");
        break;
    }
    r.Bulk("object");
    r.Bulk(e.object);
    r.Bulk("username");
    r.Bulk(e.username);
    r.Bulk("age-seconds");
    r.Double(double(now - e.ctime_ms) / 1000);
    r.Bulk("client-info");
    r.Bulk(e.client_info);
  }
}

void CmdDryrun(Client& c, CmdArgs args) {
  Server& s = c.server();
  Acl& acl = s.acl();
  ReplyBuilder& r = c.reply();
  AclUser* u = acl.Find(args[2]);
  if (!u) return r.Error(fmt::format("User '{}' not found", args[2]));
  CmdArgs cargs = args.subspan(3);
  Command* cmd = s.commands().Lookup(cargs);
  if (!cmd) return r.Error(fmt::format("Command '{}' not found", args[3]));
  if (!cmd->ArityOk(cargs.size())) {
    return r.Error(fmt::format("wrong number of arguments for '{}' command", cmd->fullname));
  }
  int pos = 0;
  AclResult res = acl.CheckCommand(u, *cmd, cargs, &pos);
  switch (res) {
    case AclResult::kOk:
      return r.Ok();
    case AclResult::kDeniedCmd:
      return r.Bulk(
          fmt::format("This user has no permissions to run the '{}' command", cmd->fullname));
    case AclResult::kDeniedKey:
      return r.Bulk(
          fmt::format("This user has no permissions to access the '{}' key", cargs[size_t(pos)]));
    default:
      return r.Bulk(fmt::format("This user has no permissions to access the '{}' channel",
                                cargs[size_t(pos)]));
  }
}

void CmdHelp(Client& c, CmdArgs) {
  static const std::string_view kLines[] = {
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the "
      "command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
  };
  ReplyBuilder& r = c.reply();
  r.ArrayHeader(int64_t(std::size(kLines)) + 3);
  r.SimpleString("ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (auto line : kLines) r.SimpleString(line);
  r.SimpleString("HELP");
  r.SimpleString("    Print this help.");
}

}  // namespace

void RegisterAclFamily(CommandTable* t) {
  t->Register("acl|setuser", CmdSetUser);
  t->Register("acl|deluser", CmdDelUser);
  t->Register("acl|getuser", CmdGetUser);
  t->Register("acl|list", CmdList);
  t->Register("acl|users", CmdUsers);
  t->Register("acl|whoami", CmdWhoami);
  t->Register("acl|load", CmdLoad);
  t->Register("acl|save", CmdSave);
  t->Register("acl|cat", CmdCat);
  t->Register("acl|genpass", CmdGenpass);
  t->Register("acl|log", CmdLog);
  t->Register("acl|dryrun", CmdDryrun);
  t->Register("acl|help", CmdHelp);
}

}  // namespace ember
