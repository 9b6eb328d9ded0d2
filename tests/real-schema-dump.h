/* real-schema-dump.h - a database's schema and data as comparable text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade.h>

G_BEGIN_DECLS

/* The table the executor writes its exactly-once markers to, in the
 * target database itself: an artefact of the engine, not of the scripts,
 * so the dumps leave it (and its index, constraint, sequence) out. */
#define REAL_MARKER_TABLE "upgrade_statement_marker"

char *real_schema_dump (UpgConnection *connection,
                        const char    *database);

G_END_DECLS
