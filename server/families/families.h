// One Register function per command family; RegisterAllCommands calls them in order.
#pragma once

namespace ember {

class CommandTable;

void RegisterStringFamily(CommandTable* t);
void RegisterGenericFamily(CommandTable* t);     // keys: DEL, EXPIRE, SCAN, OBJECT, ...
void RegisterConnectionFamily(CommandTable* t);  // PING, AUTH, HELLO, SELECT, CLIENT, ...
void RegisterServerFamily(CommandTable* t);      // INFO, CONFIG, DEBUG, SLOWLOG, LATENCY, ...
void RegisterCommandFamily(CommandTable* t);     // COMMAND and its subcommands

}  // namespace ember
