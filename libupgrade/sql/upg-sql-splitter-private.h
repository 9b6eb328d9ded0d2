/* upg-sql-splitter-private.h - splitting the scripts of a bundle
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>


G_BEGIN_DECLS

/* At most this many files are open in one chain of includes. */
#define UPG_SQL_MAX_INCLUDE_DEPTH 16

/*
 * UpgSqlDialectLookup:
 * @database: a data source named by `-- @database:`
 * @dialect: (out): its dialect
 * @user_data: the lookup's data
 *
 * Returns: whether @database is a known data source
 */
typedef gboolean (*UpgSqlDialectLookup) (const char *database,
                                         UpgDialect *dialect,
                                         gpointer    user_data);

GPtrArray *upg_sql_split_script   (const char          *root,
                                   const char          *path,
                                   const char          *file,
                                   UpgDialect           dialect,
                                   UpgSqlDialectLookup  lookup,
                                   gpointer             lookup_data,
                                   GError             **error);
gboolean   upg_sql_config_dialect (const char          *database,
                                   UpgDialect          *dialect,
                                   gpointer             config);


G_END_DECLS
