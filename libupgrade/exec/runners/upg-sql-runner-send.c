/* upg-sql-runner-send.c - sending one statement, with its marker and its
 * transaction, to the target
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An ATOMIC statement commits together with its marker (the proof, after
 * a crash, that it took effect). On MariaDB and PostgreSQL the BEGIN, the
 * statement, the marker and the COMMIT go in one request when the
 * statement allows it (upg-transaction-pipeline.c): one round trip, like
 * the native client's. Otherwise, and on SQLite (no round trips), they
 * are sent one by one.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-journal-batch-private.h"
#include "upg-sql-runner-private.h"
#include "upg-transaction-pipeline-private.h"


/* The server's code of the last failure on @connection, as journaled:
 * PostgreSQL's SQLSTATE, MariaDB's and SQLite's number. */
char *
upg_statement_run_error_code (UpgConnection *connection)
{
  const char *sqlstate = upg_connection_get_last_sqlstate (connection);
  int code = upg_connection_get_last_error_code (connection);

  if (upg_connection_get_dialect (connection) == UPG_DIALECT_POSTGRESQL && sqlstate != NULL)
    return g_strdup (sqlstate);
  if (code != 0)
    return g_strdup_printf ("%d", code);
  return g_strdup (sqlstate);
}

/* The marker's failure is the engine's, not the statement's: say so. */
static void
prefix_marker_error (StatementRun  *run,
                     GError       **error)
{
  g_prefix_error (error, _("writing the statement's marker in '%s' failed: "), run->database);
}

/* Sends the statement, its marker and the transaction in one request.
 * Returns FALSE with *part set when it failed; a statement the server
 * could not parse in that request (UPG_PIPELINE_PART_UNPARSED) has not
 * run. */
static gboolean
send_pipelined (StatementRun     *run,
                const char       *trailer,
                gint64           *rows,
                UpgPipelinePart  *part,
                GError          **error)
{
  UpgTransactionPipeline *pipeline = UPG_TRANSACTION_PIPELINE (run->connection);

  *part = UPG_PIPELINE_PART_BEGIN;
  if (!upg_transaction_pipeline_send (pipeline, upg_sql_statement_get_text (run->statement), trailer, error))
    return FALSE;
  /* The request is on its way: whether it commits is unknown here, as it
   * is between the statement and the COMMIT when they are sent apart. */
  upg_run_context_maybe_crash (run->ctx, UPG_CRASH_AFTER_EXECUTE_BEFORE_COMMIT);
  /* While the server works, the statement before is completed. */
  upg_statement_run_settle_in_flight (run);
  if (upg_transaction_pipeline_receive (pipeline, rows, part, run->ctx->cancellable, error))
    return TRUE;
  if (*part == UPG_PIPELINE_PART_TRAILER)
    prefix_marker_error (run, error);
  return FALSE;
}

/* The marker of a statement that committed on its own: it only spares
 * the operator an "in doubt" if the process dies before the journal says
 * SUCCESS. The statement took effect whatever happens to the marker, so
 * failing to write it is a warning, not the statement's failure (a run
 * again would repeat the statement). */
static void
write_marker_after (StatementRun *run)
{
  g_autoptr(GError) error = NULL;

  if (upg_journal_write_marker (run->connection, run->marker, upg_execution_get_id (run->ctx->execution),
                                upg_statement_run_sha256 (run), &error))
    return;
  upg_run_context_log (run->ctx, G_LOG_LEVEL_MESSAGE,
                       _("%s:%u: the statement took effect, but its marker could not be written in '%s' "
                         "(after a crash now it would be in doubt): %s"),
                       upg_sql_statement_get_file (run->statement), upg_sql_statement_get_line (run->statement),
                       run->database, error->message);
}

/* Whether @run, sent @marked, says first in the target that it is being
 * sent (upg-journal-intents.c): a statement that commits on its own, so
 * that with the journal lost it is in doubt rather than sent again. */
static gboolean
takes_intent (StatementRun *run,
              gboolean      marked)
{
  return marked && run->klass == UPG_STATEMENT_CLASS_AUTOCOMMIT;
}

static gboolean
write_intent (StatementRun  *run,
              GError       **error)
{
  if (upg_journal_write_intent (run->connection, run->marker, upg_execution_get_id (run->ctx->execution), error))
    return TRUE;
  g_prefix_error (error, _("writing that the statement is being sent in '%s' failed: "), run->database);
  return FALSE;
}

/* The intent is settled: the marker says the statement took effect, or
 * the server refused it. Left behind (this fails), it makes a run without
 * the journal's record stop in doubt on the statement, never send it. */
static void
clear_intent (StatementRun *run)
{
  upg_journal_clear_intent (run->connection, run->marker, NULL);
}

/* Sends the statement, then (@marked) its marker, each on its own, in one
 * transaction when @atomic. */
static gboolean
send_apart (StatementRun  *run,
            gboolean       atomic,
            gboolean       marked,
            gint64        *rows,
            GError       **error)
{
  UpgConnection *c = run->connection;
  gboolean intent = takes_intent (run, marked);

  if (atomic && !upg_connection_begin (c, error))
    return FALSE;
  if (intent && !write_intent (run, error))
    return FALSE;
  /* A refusal clears the intent in upg_statement_run_send(), once the
   * server's code is read. */
  if (!upg_connection_execute (c, upg_sql_statement_get_text (run->statement), rows, run->ctx->cancellable, error))
    return FALSE;
  upg_run_context_maybe_crash (run->ctx, UPG_CRASH_AFTER_EXECUTE_BEFORE_COMMIT);
  if (marked && atomic &&
      !upg_journal_write_marker (c, run->marker, upg_execution_get_id (run->ctx->execution),
                                 upg_statement_run_sha256 (run), error))
    {
      prefix_marker_error (run, error);
      return FALSE;
    }
  if (marked && !atomic)
    write_marker_after (run);
  if (intent)
    clear_intent (run);
  return !atomic || upg_connection_commit (c, error);
}

/* MySQL: whether the connection holds tables with LOCK TABLES. */
gboolean
upg_statement_run_tables_locked (StatementRun *run)
{
  return upg_run_context_target (run->ctx, run->connection)->tables_locked;
}

/* Follows LOCK TABLES / UNLOCK TABLES on the connection: while tables are
 * locked a transaction may not start (it would release them, which the
 * native client's session never does) and the marker table, not locked,
 * cannot be written. */
static void
note_table_locks (StatementRun *run)
{
  int change = upg_statement_table_lock_change (upg_sql_statement_get_text (run->statement),
                                                upg_connection_get_dialect (run->connection));

  if (change != 0)
    upg_run_context_target (run->ctx, run->connection)->tables_locked = change > 0;
}

/* The marker INSERT of a statement that can go in one request, or NULL. */
static char *
pipeline_trailer (StatementRun *run,
                  gboolean      marked)
{
  if (!marked || run->klass != UPG_STATEMENT_CLASS_ATOMIC ||
      !upg_transaction_pipeline_can_carry (run->connection, upg_sql_statement_get_text (run->statement)))
    return NULL;
  return upg_journal_marker_insert_sql (run->connection, run->marker, upg_execution_get_id (run->ctx->execution),
                                        upg_statement_run_sha256 (run));
}

/*
 * upg_statement_run_send:
 * @run: the statement
 * @with_marker: whether to write its marker (when it has one)
 * @rows: (out): the rows it changed
 * @code: (out) (optional): on failure, the server's error code
 * @error: return location for a #GError
 *
 * Sends the statement: with its marker in one transaction (ATOMIC) or on
 * its own followed by the marker (AUTOCOMMIT, SESSION). On failure the
 * transaction is rolled back and @run keeps the server's SQLSTATE and
 * error code.
 *
 * Returns: %TRUE if the statement (and its marker) committed
 */
gboolean
upg_statement_run_send (StatementRun  *run,
                        gboolean       with_marker,
                        gint64        *rows,
                        char         **code,
                        GError       **error)
{
  UpgConnection *c = run->connection;
  gboolean atomic = run->klass == UPG_STATEMENT_CLASS_ATOMIC;
  /* A libgda data source has no marker table (no known transaction
   * semantics): its statements are in doubt after a crash. */
  gboolean marked = with_marker && run->marker != NULL;
  g_autofree char *trailer = pipeline_trailer (run, marked);
  GError *apart_error = NULL;

  upg_run_context_maybe_crash (run->ctx, UPG_CRASH_BEFORE_SEND);
  if (trailer != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      UpgPipelinePart part;

      if (send_pipelined (run, trailer, rows, &part, &local_error))
        goto committed;
      if (part != UPG_PIPELINE_PART_UNPARSED)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          goto failed;
        }
      /* Nothing ran: sent alone, the statement fails with the error (and
       * the excerpt of the text) the server gives for it alone. */
      upg_connection_rollback (c, NULL);
    }
  upg_statement_run_settle_in_flight (run);
  if (!send_apart (run, atomic, marked, rows, &apart_error))
    goto failed;

committed:
  /* LOCK and UNLOCK TABLES are session statements. */
  if (run->klass == UPG_STATEMENT_CLASS_SESSION)
    note_table_locks (run);
  upg_run_context_maybe_crash (run->ctx, UPG_CRASH_AFTER_COMMIT_BEFORE_JOURNAL);
  return TRUE;

failed:
  /* Read the server's code before the rollback replaces it. */
  if (code != NULL)
    *code = upg_statement_run_error_code (c);
  run->sqlstate = g_strdup (upg_connection_get_last_sqlstate (c));
  run->error_code = upg_connection_get_last_error_code (c);
  if (atomic)
    upg_connection_rollback (c, NULL);
  /* Refused, it took no effect; a lost connection leaves that unknown,
   * and its intent stays. */
  if (apart_error != NULL && takes_intent (run, marked) &&
      !g_error_matches (apart_error, UPG_ERROR, UPG_ERROR_DATASOURCE))
    clear_intent (run);
  if (apart_error != NULL)
    g_propagate_error (error, apart_error);
  return FALSE;
}
