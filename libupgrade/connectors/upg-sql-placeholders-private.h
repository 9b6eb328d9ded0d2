/* upg-sql-placeholders-private.h - `?` parameters, shared by the backends
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

/**
 * UpgSqlPlaceholderFunc:
 * @index: the placeholder's position, from 0
 * @data: the data given to upg_sql_replace_placeholders()
 *
 * Returns: (transfer full): the text that replaces placeholder @index
 */
typedef char *(*UpgSqlPlaceholderFunc) (guint    index,
                                        gpointer data);

char      *upg_sql_replace_placeholders  (const char             *sql,
                                          UpgDialect              dialect,
                                          UpgSqlPlaceholderFunc   func,
                                          gpointer                data,
                                          guint                  *n_placeholders);
gboolean   upg_sql_check_param_count     (UpgConnection          *conn,
                                          guint                   n_placeholders,
                                          const char            **params,
                                          GError                **error);

G_END_DECLS
