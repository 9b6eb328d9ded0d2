/* upg-sql-runner-records.c - what the SQL runner leaves of a statement:
 * its journal record, its log line and its progress
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A statement that committed with its marker is completed late: its
 * record is queued, its line logged and its progress emitted once the
 * next statement's request is on its way (DeferredCompletion), so that
 * this bookkeeping overlaps the server's work instead of adding to every
 * round trip. Whatever else happens first (a failure, a durable record,
 * another data source, the end of a file) completes it before.
 */
#include "config.h"

#include "upg-executor-private.h"
#include "upg-journal-batch-private.h"
#include "upg-sql-runner-private.h"

void
upg_statement_run_clear (StatementRun *run)
{
  g_free (run->version);
  g_free (run->sqlstate);
  g_free (run->marker);
}

void
upg_statement_run_log (StatementRun       *run,
                       UpgStatementStatus  status,
                       gint64              duration_ms,
                       gint64              rows)
{
  /* The execution log stamps every line itself: no stamp of the
   * journal's, so that the line reads as in SPEC §5. */
  g_autofree char *line = upg_journal_format_statement_line (-1,
                                                             upg_sql_statement_get_file (run->statement),
                                                             upg_sql_statement_get_line (run->statement),
                                                             run->database, status, duration_ms, rows,
                                                             upg_sql_statement_get_text (run->statement));

  upg_run_context_log (run->ctx, status == UPG_STATEMENT_STATUS_FAILED ? G_LOG_LEVEL_MESSAGE
                                                                      : G_LOG_LEVEL_DEBUG, "%s", line);
  upg_executor_emit_statement_finished (run->ctx, run->statement, status, duration_ms);
}

char *
upg_statement_run_begin_record (StatementRun *run,
                                GError      **error)
{
  UpgSqlStatement *s = run->statement;

  return upg_journal_begin_statement (run->ctx->journal, upg_execution_get_id (run->ctx->execution),
                                      run->component, run->version, upg_step_get_id (run->step),
                                      upg_sql_statement_get_file (s), upg_sql_statement_get_line (s),
                                      upg_sql_statement_get_sequence (s), upg_sql_statement_get_text (s),
                                      run->database, error);
}

/* Queues the complete record of the current attempt (batched), finished
 * at @finished_at (journal clock; 0: now). */
static gboolean
queue_record_at (StatementRun       *run,
                 UpgStatementStatus  status,
                 gint64              rows,
                 const char         *code,
                 const char         *message,
                 gint64              finished_at,
                 GError            **error)
{
  UpgSqlStatement *s = run->statement;
  UpgJournalStatementRecord r = {
    upg_execution_get_id (run->ctx->execution), run->component, run->version, upg_step_get_id (run->step),
    upg_sql_statement_get_file (s), upg_sql_statement_get_line (s), upg_sql_statement_get_sequence (s),
    upg_sql_statement_get_text (s), run->database, status, run->started_at, rows, code, message, finished_at,
  };
  g_autofree char *id = upg_journal_queue_statement (run->ctx->journal, &r, error);

  return id != NULL;
}

gboolean
upg_statement_run_queue_record (StatementRun       *run,
                                UpgStatementStatus  status,
                                gint64              rows,
                                const char         *code,
                                const char         *message,
                                GError            **error)
{
  return queue_record_at (run, status, rows, code, message, 0, error);
}

/* Counts the statement as done and says so ("progress"). */
void
upg_statement_run_done (StatementRun *run)
{
  g_autofree char *position = g_strdup_printf ("%s:%u", upg_sql_statement_get_file (run->statement),
                                               upg_sql_statement_get_line (run->statement));

  run->ctx->statements_done++;
  upg_executor_emit_progress (run->ctx, position);
}

/* Hands @run's success over to run->previous, to be completed after the
 * next statement was sent; @run's members go with it. */
void
upg_statement_run_defer (StatementRun *run,
                         gint64        rows,
                         gint64        duration_ms)
{
  DeferredCompletion *d = run->previous;

  g_assert (!d->pending);
  d->run = *run;
  d->run.previous = NULL;
  d->rows = rows;
  d->duration_ms = duration_ms;
  d->finished_at = upg_journal_get_now (run->ctx->journal);
  d->pending = TRUE;
  run->version = NULL;
  run->sqlstate = NULL;
  run->marker = NULL;
}

/*
 * upg_statement_run_settle:
 *
 * Completes the statement before @run, if it waits: queues its record,
 * then logs its line and its progress.
 *
 * Returns: %FALSE if its record could not be queued
 */
gboolean
upg_statement_run_settle (StatementRun  *run,
                          GError       **error)
{
  DeferredCompletion *d = run->previous;
  gboolean ok;

  if (d == NULL || !d->pending)
    return TRUE;
  d->pending = FALSE;
  ok = queue_record_at (&d->run, UPG_STATEMENT_STATUS_SUCCESS, d->rows, NULL, NULL, d->finished_at, error);
  if (ok)
    {
      upg_statement_run_log (&d->run, UPG_STATEMENT_STATUS_SUCCESS, d->duration_ms, d->rows);
      upg_statement_run_done (&d->run);
    }
  upg_statement_run_clear (&d->run);
  return ok;
}

/*
 * upg_statement_run_settle_in_flight:
 *
 * Like upg_statement_run_settle(), while @run's own request is on its
 * way: a failure is kept in run->previous for the runner to report once
 * @run's outcome is known.
 */
void
upg_statement_run_settle_in_flight (StatementRun *run)
{
  g_autoptr(GError) local_error = NULL;

  if (!upg_statement_run_settle (run, &local_error) && run->previous->error == NULL)
    run->previous->error = g_steal_pointer (&local_error);
}

/* Records a statement as not run, with the reason, under a new record:
 * batched, or (@durable) written at once, since an operator's --skip
 * must not be lost (a transaction-control statement is simply skipped
 * again after a crash). */
gboolean
upg_statement_run_record_skipped (StatementRun *run,
                                  const char   *reason,
                                  gboolean      durable,
                                  GError      **error)
{
  run->started_at = upg_journal_get_now (run->ctx->journal);
  if (!upg_statement_run_queue_record (run, UPG_STATEMENT_STATUS_SKIPPED, 0, NULL, reason, error) ||
      (durable && !upg_journal_flush_statements (run->ctx->journal, error)))
    return FALSE;
  upg_run_context_log (run->ctx, G_LOG_LEVEL_INFO, "%s:%u %s SKIPPED (%s)",
                       upg_sql_statement_get_file (run->statement),
                       upg_sql_statement_get_line (run->statement), run->database, reason);
  upg_executor_emit_statement_finished (run->ctx, run->statement, UPG_STATEMENT_STATUS_SKIPPED, 0);
  return TRUE;
}

/* Finishes the durable RUNNING @record, or (batched, @record NULL)
 * queues the attempt's complete record. */
gboolean
upg_statement_run_finish_record (StatementRun       *run,
                                 const char         *record,
                                 UpgStatementStatus  status,
                                 gint64              rows,
                                 const char         *code,
                                 const char         *message,
                                 GError            **error)
{
  if (record == NULL)
    return upg_statement_run_queue_record (run, status, rows, code, message, error);
  /* After a crash, the durable RUNNING record and the marker tell a
   * success: it may wait in the batch. */
  return upg_journal_finish_statement_full (run->ctx->journal, record, status, rows, code, message,
                                            status == UPG_STATEMENT_STATUS_SUCCESS && run->marker != NULL, error);
}
