/* upgradectl-commands.h - prototypes of the command functions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upgradectl-common.h"

G_BEGIN_DECLS

#define UPGCTL_COMMAND(name, summary) \
  int upgctl_cmd_##name (UpgCtl *ctl, int argc, char **argv);
#include "upgradectl-command-list.h"
#undef UPGCTL_COMMAND

G_END_DECLS
