/* upg-config-private.h - what the library and its programs share about configurations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-config.h"

G_BEGIN_DECLS

/* upg-config-members.c */
void upg_config_check_members (UpgConfig *self,
                               GPtrArray *problems);

G_END_DECLS
