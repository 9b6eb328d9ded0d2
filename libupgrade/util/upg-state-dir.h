/* upg-state-dir.h - where the journal, logs and backups live
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <glib.h>

#include "upg-version-macros.h"

G_BEGIN_DECLS

UPG_AVAILABLE_IN_ALL
char        *upg_resolve_state_dir (const char  *state_dir);
UPG_AVAILABLE_IN_ALL
gboolean     upg_ensure_state_dir  (const char  *state_dir,
                                    GError     **error);

G_END_DECLS
