/* upg-sql-statement-private.h - the splitter's constructor
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-sql-statement.h"

G_BEGIN_DECLS

UpgSqlStatement *upg_sql_statement_new_take (char  *text,
                                             char  *file,
                                             guint  line,
                                             guint  sequence,
                                             char  *database,
                                             char  *delimiter);

G_END_DECLS
