/* upg-marker-reset-private.h - deleting markers by marker prefix
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-journal.h"

G_BEGIN_DECLS

gboolean upg_journal_delete_marker_prefixes (UpgConnection       *target,
                                             const char * const  *prefixes,
                                             GError             **error);

G_END_DECLS
