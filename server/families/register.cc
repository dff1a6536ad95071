#include "server/command.h"
#include "server/families/families.h"

namespace ember {

void RegisterAllCommands(CommandTable* t) {
  RegisterStringFamily(t);
  RegisterGenericFamily(t);
  RegisterConnectionFamily(t);
  RegisterServerFamily(t);
  RegisterCommandFamily(t);
  RegisterTransactionFamily(t);
  RegisterReplicationFamily(t);
  RegisterHashFamily(t);
  RegisterSetFamily(t);
  RegisterZsetFamily(t);
  RegisterListFamily(t);
  RegisterScriptingFamily(t);
  RegisterBitopsFamily(t);
  RegisterPersistenceFamily(t);
  RegisterStreamFamily(t);
  RegisterPubsubFamily(t);
  RegisterSortFamily(t);
  RegisterGeoFamily(t);
  RegisterAclFamily(t);
  RegisterHllFamily(t);
}

}  // namespace ember
