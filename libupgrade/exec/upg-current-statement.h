/* upg-current-statement.h - what an execution is running now, as a value
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <glib-object.h>

#include "upg-version-macros.h"

G_BEGIN_DECLS

#define UPG_TYPE_CURRENT_STATEMENT (upg_current_statement_get_type ())

typedef struct _UpgCurrentStatement UpgCurrentStatement;

UPG_AVAILABLE_IN_ALL
GType                upg_current_statement_get_type            (void) G_GNUC_CONST;

UPG_AVAILABLE_IN_ALL
UpgCurrentStatement *upg_current_statement_copy                (const UpgCurrentStatement *self);
UPG_AVAILABLE_IN_ALL
void                 upg_current_statement_free                (UpgCurrentStatement       *self);

UPG_AVAILABLE_IN_ALL
const char          *upg_current_statement_get_step_id         (const UpgCurrentStatement *self);
UPG_AVAILABLE_IN_ALL
const char          *upg_current_statement_get_file            (const UpgCurrentStatement *self);
UPG_AVAILABLE_IN_ALL
const char          *upg_current_statement_get_task            (const UpgCurrentStatement *self);
UPG_AVAILABLE_IN_ALL
guint                upg_current_statement_get_line            (const UpgCurrentStatement *self);
UPG_AVAILABLE_IN_ALL
guint                upg_current_statement_get_sequence        (const UpgCurrentStatement *self);
UPG_AVAILABLE_IN_ALL
GDateTime           *upg_current_statement_get_started         (const UpgCurrentStatement *self);
UPG_AVAILABLE_IN_ALL
gint64               upg_current_statement_get_running_seconds (const UpgCurrentStatement *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgCurrentStatement, upg_current_statement_free)

G_END_DECLS
