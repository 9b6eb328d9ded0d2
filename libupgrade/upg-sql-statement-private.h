/* upg-sql-statement-private.h - the splitter's private API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

#include "upg-sql-statement.h"

G_BEGIN_DECLS

UpgSqlStatement *upg_sql_statement_new_take (char  *text,
                                             char  *file,
                                             guint  line,
                                             guint  sequence,
                                             char  *database,
                                             char  *delimiter);
gboolean         upg_sql_is_one_statement   (const char  *text,
                                             UpgDialect   dialect);

G_END_DECLS
