/* upg-sql-statement-private.h - the splitter's private API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

#include "upg-sql-statement.h"

G_BEGIN_DECLS

/* A statement text above this many bytes is stored once, in its journal
 * record; elsewhere its first UPG_SQL_STATEMENT_EXCERPT bytes. */
#define UPG_SQL_STATEMENT_STORED_MAX (64 * 1024)
#define UPG_SQL_STATEMENT_EXCERPT 4096

UpgSqlStatement *upg_sql_statement_new_take (char  *text,
                                             char  *file,
                                             guint  line,
                                             guint  sequence,
                                             char  *database,
                                             char  *delimiter);
gboolean         upg_sql_is_one_statement   (const char  *text,
                                             UpgDialect   dialect);
char            *upg_sql_statement_dup_stored_text (const UpgSqlStatement *self);

G_END_DECLS
