/* upg-sql-runner-clickhouse.c - what became of a ClickHouse statement
 * whose outcome was lost
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ClickHouse has no transactions, so a statement cannot commit together
 * with a marker: a ClickHouse target gets no marker table (and no target
 * lock, which it has no primitive for; the journal's site lock still
 * excludes two runs sharing a journal). Each statement instead gets a
 * durable RUNNING record before it is sent, and is sent with that
 * record's id as its `query_id`. When its outcome is lost (a crash, a
 * kill -9, a dropped connection), the server is asked:
 *
 * - still in `system.processes`: it is waited for (up to the step's
 *   timeout), then asked again;
 * - in `system.query_log` as finished: it is recorded SUCCESS, not sent again;
 * - in `system.query_log` with an exception: it is recorded FAILED with the
 *   server's message and runs again, as a failed statement does on resume;
 * - otherwise (no query log on the server, or no entry left in it): the
 *   server cannot tell, and the statement is in doubt for the operator.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-clickhouse-connection-private.h"
#include "upg-sql-runner-private.h"
#include "upg-wait-private.h"

#define POLL_INTERVAL_MS 500

/*
 * upg_statement_run_ask_server:
 * @run: a statement sent to a ClickHouse target
 * @query_id: the id it was sent with (its RUNNING record's id)
 * @detail: (out) (transfer full): the server's exception, for a failed one
 * @error: return location for a #GError
 *
 * Asks the server, waiting while the statement still runs (up to the
 * step's timeout: still running then is %UPG_CLICKHOUSE_QUERY_RUNNING).
 *
 * Returns: what the server knows; %UPG_CLICKHOUSE_QUERY_UNKNOWN with
 *   @error set when it cannot be asked
 */
static UpgClickHouseQueryState
upg_statement_run_ask_server (StatementRun  *run,
                              const char    *query_id,
                              char         **detail,
                              GError       **error)
{
  UpgClickHouseConnection *ch = UPG_CLICKHOUSE_CONNECTION (run->connection);
  gint64 deadline = g_get_monotonic_time () + (gint64) upg_run_context_timeout (run->step) * G_USEC_PER_SEC;
  gboolean said = FALSE;

  for (;;)
    {
      UpgClickHouseQueryState state = upg_clickhouse_connection_query_state (ch, query_id, detail, error);

      if (state != UPG_CLICKHOUSE_QUERY_RUNNING || g_get_monotonic_time () >= deadline)
        return state;
      if (!said)
        upg_run_context_log (run->ctx, G_LOG_LEVEL_MESSAGE,
                             _("%s:%u: still running on ClickHouse data source '%s' (query_id %s); "
                               "waiting for it to end"),
                             upg_sql_statement_get_file (run->statement),
                             upg_sql_statement_get_line (run->statement), run->database, query_id);
      said = TRUE;
      if (!upg_wait_or_cancel (POLL_INTERVAL_MS, run->ctx->cancellable))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                       _("waiting for statement %s on data source '%s' was cancelled"), query_id, run->database);
          return UPG_CLICKHOUSE_QUERY_UNKNOWN;
        }
    }
}

/*
 * upg_statement_run_settle_by_server:
 * @run: a statement whose RUNNING record @record was left without an outcome
 * @record: that record's id, its `query_id`
 * @settled: (out): whether the server told (the record is then complete)
 * @run_it: (out): whether the statement must be sent again (it failed)
 * @error: return location for a #GError
 *
 * Completes @record from the server's answer when it has one. A
 * statement still running after the step's timeout, or one the server
 * cannot tell about, is left to the in-doubt path (@settled FALSE).
 *
 * Returns: %FALSE on error (the journal could not be written)
 */
gboolean
upg_statement_run_settle_by_server (StatementRun *run,
                                    const char   *record,
                                    gboolean     *settled,
                                    gboolean     *run_it,
                                    GError      **error)
{
  g_autoptr(GError) ask_error = NULL;
  g_autofree char *detail = NULL;
  UpgClickHouseQueryState state;

  *settled = FALSE;
  *run_it = FALSE;
  if (record == NULL || !UPG_IS_CLICKHOUSE_CONNECTION (run->connection))
    return TRUE;

  state = upg_statement_run_ask_server (run, record, &detail, &ask_error);
  if (ask_error != NULL)
    {
      upg_run_context_log (run->ctx, G_LOG_LEVEL_MESSAGE,
                           _("%s:%u: cannot ask ClickHouse data source '%s' what became of the statement: %s"),
                           upg_sql_statement_get_file (run->statement), upg_sql_statement_get_line (run->statement),
                           run->database, ask_error->message);
      return TRUE;
    }
  switch (state)
    {
    case UPG_CLICKHOUSE_QUERY_FINISHED:
      *settled = TRUE;
      upg_run_context_log (run->ctx, G_LOG_LEVEL_MESSAGE,
                           _("%s:%u: applied before the interruption (ClickHouse query log: finished)"),
                           upg_sql_statement_get_file (run->statement), upg_sql_statement_get_line (run->statement));
      return upg_statement_run_finish_record (run, record, UPG_STATEMENT_STATUS_SUCCESS, 0, NULL,
                                              "applied before an interruption (ClickHouse system.query_log: "
                                              "QueryFinish)", error);
    case UPG_CLICKHOUSE_QUERY_FAILED:
      *settled = TRUE;
      *run_it = TRUE;
      upg_run_context_log (run->ctx, G_LOG_LEVEL_MESSAGE,
                           _("%s:%u: failed on the server before the interruption; running it again: %s"),
                           upg_sql_statement_get_file (run->statement), upg_sql_statement_get_line (run->statement),
                           detail);
      return upg_statement_run_finish_record (run, record, UPG_STATEMENT_STATUS_FAILED, 0, NULL, detail, error);
    case UPG_CLICKHOUSE_QUERY_RUNNING:
    case UPG_CLICKHOUSE_QUERY_UNKNOWN:
    default:
      return TRUE;
    }
}
