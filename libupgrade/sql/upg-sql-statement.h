/* upg-sql-statement.h - one statement of a migration script
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

#define UPG_TYPE_SQL_STATEMENT (upg_sql_statement_get_type ())

/**
 * UpgSqlStatement:
 *
 * One statement of a SQL script, as the database's native client would send
 * it to the server (see [func@sql_split]).
 *
 * Statements are immutable, reference-counted values. Their file, first
 * line and sequence number are the journal's keys for exactly-once resume.
 */
typedef struct _UpgSqlStatement UpgSqlStatement;

UPG_AVAILABLE_IN_ALL
GType             upg_sql_statement_get_type      (void) G_GNUC_CONST;

UPG_AVAILABLE_IN_ALL
UpgSqlStatement  *upg_sql_statement_new           (const char             *text,
                                                   const char             *file,
                                                   guint                   line,
                                                   guint                   sequence,
                                                   const char             *database,
                                                   const char             *delimiter);
UPG_AVAILABLE_IN_ALL
UpgSqlStatement  *upg_sql_statement_ref           (UpgSqlStatement        *self);
UPG_AVAILABLE_IN_ALL
void              upg_sql_statement_unref         (UpgSqlStatement        *self);

UPG_AVAILABLE_IN_ALL
const char       *upg_sql_statement_get_text      (const UpgSqlStatement  *self);
UPG_AVAILABLE_IN_ALL
const char       *upg_sql_statement_get_file      (const UpgSqlStatement  *self);
UPG_AVAILABLE_IN_ALL
guint             upg_sql_statement_get_line      (const UpgSqlStatement  *self);
UPG_AVAILABLE_IN_ALL
guint             upg_sql_statement_get_sequence  (const UpgSqlStatement  *self);
UPG_AVAILABLE_IN_ALL
const char       *upg_sql_statement_get_database  (const UpgSqlStatement  *self);
UPG_AVAILABLE_IN_ALL
const char       *upg_sql_statement_get_delimiter (const UpgSqlStatement  *self);
UPG_AVAILABLE_IN_ALL
const char       *upg_sql_statement_get_sha256    (const UpgSqlStatement  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgSqlStatement, upg_sql_statement_unref)

G_END_DECLS
