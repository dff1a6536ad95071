#include "server/command.h"
#include "server/families/families.h"

namespace ember {

void RegisterAllCommands(CommandTable* t) {
  RegisterStringFamily(t);
  RegisterGenericFamily(t);
  RegisterConnectionFamily(t);
  RegisterServerFamily(t);
  RegisterCommandFamily(t);
}

}  // namespace ember
