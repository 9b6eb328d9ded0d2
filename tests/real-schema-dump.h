/* real-schema-dump.h - a database's schema and data as comparable text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade.h>

G_BEGIN_DECLS

/* The tables the executor keeps in the target database itself, its
 * exactly-once markers and the holder of its lock on the target:
 * artefacts of the engine, not of the scripts, so the dumps leave them
 * (and their indexes, constraints, sequences) out. */
#define REAL_MARKER_TABLE "upgrade_statement_marker"
#define REAL_TARGET_LOCK_TABLE "upgrade_target_lock"
#define REAL_INTENT_TABLE "upgrade_statement_intent"

char *real_schema_dump (UpgConnection *connection,
                        const char    *database);

G_END_DECLS
