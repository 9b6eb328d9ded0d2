/* upg-sql-runner-private.h - one statement on its way through the SQL
 * runner, and how its marker is named and found
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-executor-private.h"

G_BEGIN_DECLS

typedef struct
{
  UpgRunContext     *ctx;
  UpgStep           *step;
  UpgSqlStatement   *statement;
  const char        *database;
  UpgConnection     *connection;     /* unowned: in ctx->connections */
  UpgStatementClass  klass;
  const char        *component;
  char              *version;
  char              *sqlstate;       /* of the last failure */
  int                error_code;     /* of the last failure */
  char              *marker;         /* its marker's id; NULL: not marked */
  gboolean           batched;        /* no durable RUNNING record (see plan_journaling) */
  gint64             started_at;     /* of the attempt, journal clock (ms) */
  GPtrArray         *unfinished;     /* ids of the site's unfinished executions */
  GHashTable        *records;        /* of its file: sequence → journal record */
} StatementRun;

char     *upg_statement_run_marker             (StatementRun  *run,
                                                const char    *execution_id);
void      upg_statement_run_plan_journaling    (StatementRun  *run,
                                                gboolean       has_marker_table);
gboolean  upg_statement_run_marker_found       (StatementRun  *run,
                                                const char    *execution_id,
                                                const char    *record,
                                                gboolean      *found,
                                                GError       **error);
gboolean  upg_statement_run_marker_of_any_execution (StatementRun  *run,
                                                     gboolean      *found,
                                                     GError       **error);

gboolean  upg_statement_run_tables_locked      (StatementRun  *run);
gboolean  upg_statement_run_send               (StatementRun  *run,
                                                gboolean       with_marker,
                                                gint64        *rows,
                                                char         **code,
                                                GError       **error);

G_END_DECLS
