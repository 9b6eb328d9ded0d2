/* upg-sql-runner-statement.c - one statement of a SQL step, exactly once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The connections of a run's targets, and each statement: sent with its
 * timeout and retries, recovered after a crash by its marker, stopped at
 * with a breakpoint. The file loop (upg-sql-runner.c), its blocks and its
 * groups call this file; it calls none of them.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-clickhouse-connection-private.h"
#include "upg-data-source-private.h"
#include "upg-executor-private.h"
#include "upg-journal-batch-private.h"
#include "upg-sql-runner-private.h"
#include "upg-target-lock-private.h"
#include "upg-bundle-scripts-private.h"
#include "upg-sql-splitter-private.h"
#include "upg-sql-statement-private.h"

#define MIN_CONNECTION_RETRIES 3

/*
 * upg_sql_runner_get_connection:
 *
 * The connection to data source @name, opened (with the retries of
 * upg_data_source_open()) on first use and kept for the run; the marker
 * table is created in the target when it is first opened.
 */
UpgConnection *
upg_sql_runner_get_connection (UpgRunContext *ctx,
                               const char    *name,
                               GError       **error)
{
  UpgConfig *config = upg_executor_get_config (ctx->executor);
  UpgDataSource *source;
  g_autoptr(UpgConnection) connection = NULL;
  g_autoptr(GError) local_error = NULL;

  connection = g_hash_table_lookup (ctx->connections, name);
  if (connection != NULL)
    return g_steal_pointer (&connection);

  source = upg_config_lookup_data_source (config, name);
  if (source == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                   _("data source '%s' is not configured"), name);
      return NULL;
    }
  /* Opening connects (with retries): a data source that opens answers. */
  connection = upg_data_source_open (source, ctx->cancellable, &local_error);
  if (connection == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("data source '%s' is not reachable: %s"), name, local_error->message);
      return NULL;
    }
  /* A raw libgda data source (`cnc`) goes through libgda's parser, which
   * cannot run the marker's statements: it gets no marker. ClickHouse
   * has no transaction to hold one, nor a lock: its statements are
   * settled by the server's query log (upg-sql-runner-clickhouse.c). A
   * Redis server takes commands, not statements: the Redis runner
   * journals them. */
  if (upg_data_source_get_cnc (source) != NULL || UPG_IS_CLICKHOUSE_CONNECTION (connection)
      || UPG_IS_REDIS_CLIENT (connection))
    upg_run_context_target (ctx, connection)->no_marker = TRUE;
  /* Runs with separate journals exclude each other in the target. */
  else if (!upg_target_lock_acquire (connection, ctx->site_id,
                                     ctx->execution != NULL ? upg_execution_get_id (ctx->execution) : NULL, error) ||
           !upg_journal_ensure_marker_table (connection, error) ||
           !upg_journal_ensure_intent_table (connection, error))
    return NULL;

  g_hash_table_insert (ctx->connections, g_strdup (name), connection);
  return g_steal_pointer (&connection);
}

static gboolean
has_marker_table (StatementRun *run)
{
  return !upg_run_context_target (run->ctx, run->connection)->no_marker;
}

static void
forget_connection (UpgRunContext *ctx,
                   const char    *name)
{
  UpgConnection *connection = g_hash_table_lookup (ctx->connections, name);

  /* What was known of it goes with it: a new connection may get its address. */
  if (connection != NULL)
    g_hash_table_remove (ctx->targets, connection);
  g_hash_table_remove (ctx->connections, name);
}

/* The data source @statement goes to: its `-- @database:` or the step's. */
const char *
upg_sql_runner_statement_database (UpgSqlStatement *statement,
                                   UpgStep         *step)
{
  const char *routed = upg_sql_statement_get_database (statement);

  return routed != NULL ? routed : upg_step_get_database (step);
}

static char *
first_line_excerpt (const char *text)
{
  g_autofree char *line = g_strndup (text, strcspn (text, "\n"));
  g_autofree char *stripped = g_strdup (g_strstrip (line));

  if (g_utf8_strlen (stripped, -1) <= 80)
    return g_steal_pointer (&stripped);
  return g_strdup_printf ("%.*s…", (int) (g_utf8_offset_to_pointer (stripped, 77) - stripped), stripped);
}

/* Records the breakpoint in the execution and saves it in the journal
 * (before anything reports the failure), and builds the error the run
 * ends with, of @domain and @code. */
static void
stop_at (StatementRun *run,
         GQuark        domain,
         int           code,
         const char   *error_code,
         const char   *message,
         GError      **error)
{
  UpgSqlStatement *statement = run->statement;
  g_autofree char *excerpt = first_line_excerpt (upg_sql_statement_get_text (statement));
  /* A huge statement's text is stored once, in its record. */
  g_autofree char *stored = upg_sql_statement_dup_stored_text (statement);

  /* The records of the statements before it are written first. */
  upg_statement_run_settle_in_flight (run);
  upg_run_context_save_breakpoint (run->ctx, run->step, upg_sql_statement_get_file (statement),
                                   upg_sql_statement_get_line (statement),
                                   upg_sql_statement_get_sequence (statement), stored, error_code, message);
  /* @message is the server's (or the journal's) own text: only the
   * wording around it is translated. */
  g_set_error (error, domain, code,
               domain == UPG_ERROR && code == UPG_ERROR_IN_DOUBT
               /* Neutral about how to resume: the CLI (--retry/--skip) and
                * HTTP ("action": "retry"/"skip") both show this text. */
               ? _("%s:%u: statement in doubt: %s — %s: %s (check the database, then resume "
                   "with the action retry or skip)")
               : _("%s:%u: statement failed: %s — %s: %s"),
               upg_sql_statement_get_file (statement), upg_sql_statement_get_line (statement),
               excerpt, run->database, message);
}

void
upg_statement_run_stop_at (StatementRun *run,
                           UpgError      code,
                           const char   *error_code,
                           const char   *message,
                           GError      **error)
{
  stop_at (run, UPG_ERROR, code, error_code, message, error);
}

/* As upg_statement_run_stop_at() for a cancelled statement: GIO's
 * cancellation, as every layer reports it. */
void
upg_statement_run_stop_cancelled (StatementRun *run,
                                  const char   *error_code,
                                  const char   *message,
                                  GError      **error)
{
  stop_at (run, G_IO_ERROR, G_IO_ERROR_CANCELLED, error_code, message, error);
}

/**
 * upg_sql_runner_apply_timeout:
 *
 * Sets @step's statement timeout on @connection (of data source
 * @database), only when it changes: it costs a round trip on the
 * servers. A source without a marker table (raw libgda, which offers no
 * statement timeout) is logged once and goes on; elsewhere a failure is
 * an error.
 */
gboolean
upg_sql_runner_apply_timeout (UpgRunContext *ctx,
                              UpgStep       *step,
                              UpgConnection *connection,
                              const char    *database,
                              GError       **error)
{
  guint timeout = upg_run_context_timeout (step);
  UpgRunTarget *target = upg_run_context_target (ctx, connection);

  g_autoptr(GError) local_error = NULL;

  if (target->statement_timeout == timeout)
    return TRUE;
  if (!upg_connection_set_statement_timeout (connection, timeout, &local_error))
    {
      if (!target->no_marker)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, _("%s: no statement timeout: %s"), database,
                           local_error->message);
    }
  target->statement_timeout = timeout;
  return TRUE;
}

/* Opens (or, @fresh, opens again) the connection of @run's data source,
 * with the step's statement timeout. */
gboolean
upg_statement_run_connect (StatementRun *run,
                           gboolean      fresh,
                           GError      **error)
{
  if (fresh)
    forget_connection (run->ctx, run->database);
  run->connection = upg_sql_runner_get_connection (run->ctx, run->database, error);
  return run->connection != NULL &&
         upg_sql_runner_apply_timeout (run->ctx, run->step, run->connection, run->database, error);
}

gboolean
upg_statement_run_has_marker_table (StatementRun *run)
{
  return has_marker_table (run);
}

static gboolean
reconnect (StatementRun *run,
           GError      **error)
{
  return upg_statement_run_connect (run, TRUE, error);
}

static gboolean
execute_with_retries (StatementRun *run,
                      GError      **error)
{
  UpgRunContext *ctx = run->ctx;
  guint retries = upg_step_get_retry_count (run->step);
  guint connection_retries = MAX (retries, MIN_CONNECTION_RETRIES);

  for (guint attempt = 0, tries = 0;; attempt++, tries++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *record = NULL;
      g_autofree char *code = NULL;
      gint64 start_us;
      gint64 rows = 0, duration_ms;
      gboolean found, sent;

      /* The journal finds a statement's latest record by its start time in
       * milliseconds: a new attempt must not start in the same one as the
       * attempt it follows. */
      if (tries > 0)
        g_usleep (2 * 1000);
      /* A batched statement's marker alone tells whether it committed: no
       * durable record before it is sent. */
      record = run->batched ? NULL : upg_statement_run_begin_record (run, error);
      start_us = g_get_monotonic_time ();
      run->started_at = upg_journal_get_now (ctx->journal);
      if (record == NULL && !run->batched)
        return FALSE;
      ctx->statements_sent++;
      g_clear_pointer (&run->sqlstate, g_free);
      /* Named after its durable record: the server can be asked about it. */
      if (UPG_IS_CLICKHOUSE_CONNECTION (run->connection))
        upg_clickhouse_connection_set_query_id (UPG_CLICKHOUSE_CONNECTION (run->connection), record);
      upg_statement_run_sending (run);
      sent = upg_statement_run_send (run, TRUE, &rows, &code, &local_error);
      upg_statement_run_came_back (run);
      if (sent)
        {
          duration_ms = (g_get_monotonic_time () - start_us) / 1000;
          if (record == NULL && run->previous != NULL)
            {
              upg_statement_run_defer (run, rows, duration_ms);
              return TRUE;
            }
          if (!upg_statement_run_finish_record (run, record, UPG_STATEMENT_STATUS_SUCCESS, rows, NULL, run->note,
                                                error))
            return FALSE;
          upg_statement_run_log (run, UPG_STATEMENT_STATUS_SUCCESS, duration_ms, rows);
          return TRUE;
        }
      duration_ms = (g_get_monotonic_time () - start_us) / 1000;

      if (g_error_matches (local_error, UPG_ERROR, UPG_ERROR_DATASOURCE))
        {
          /* The connection died: whatever was in flight is unknown until
           * the target is asked again. */
          g_autoptr(GError) reconnect_error = NULL;

          if (!reconnect (run, &reconnect_error) ||
              !upg_statement_run_marker_found (run, NULL, record, &found, &reconnect_error))
            {
              upg_statement_run_finish_record (run, record, UPG_STATEMENT_STATUS_FAILED, 0, NULL,
                                               local_error->message, NULL);
              upg_statement_run_stop_at (run, UPG_ERROR_STEP_FAILED, NULL, reconnect_error->message, error);
              return FALSE;
            }
          if (found)
            {
              if (!upg_statement_run_finish_record (run, record, UPG_STATEMENT_STATUS_SUCCESS, rows, NULL, NULL, error))
                return FALSE;
              upg_statement_run_log (run, UPG_STATEMENT_STATUS_SUCCESS, duration_ms, rows);
              return TRUE;
            }
          if (UPG_IS_CLICKHOUSE_CONNECTION (run->connection))
            {
              gboolean settled, again;

              if (!upg_statement_run_settle_by_server (run, record, &settled, &again, error))
                return FALSE;
              if (settled && !again)
                {
                  upg_statement_run_log (run, UPG_STATEMENT_STATUS_SUCCESS, duration_ms, rows);
                  return TRUE;
                }
              if (settled)
                {
                  /* It failed on the server: as any failure, retried
                   * while attempts remain. */
                  if (attempt < connection_retries)
                    continue;
                  upg_statement_run_stop_at (run, UPG_ERROR_STEP_FAILED, NULL, local_error->message, error);
                  return FALSE;
                }
            }
          if (run->klass == UPG_STATEMENT_CLASS_AUTOCOMMIT)
            {
              upg_statement_run_finish_record (run, record, UPG_STATEMENT_STATUS_IN_DOUBT, 0, NULL,
                                               local_error->message, NULL);
              upg_statement_run_stop_at (run, UPG_ERROR_IN_DOUBT, NULL, local_error->message, error);
              return FALSE;
            }
          if (!upg_statement_run_finish_record (run, record, UPG_STATEMENT_STATUS_FAILED, 0, NULL,
                                                local_error->message, error))
            return FALSE;
          if (attempt < connection_retries)
            {
              upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, _("%s:%u: connection lost (%s); retrying (%u/%u)"),
                                   upg_sql_statement_get_file (run->statement),
                                   upg_sql_statement_get_line (run->statement), local_error->message,
                                   attempt + 1, connection_retries);
              g_usleep ((1UL << attempt) * G_USEC_PER_SEC / 2);  /* back-off, not synchronisation */
              continue;
            }
          upg_statement_run_stop_at (run, UPG_ERROR_STEP_FAILED, NULL, local_error->message, error);
          return FALSE;
        }

      if (!upg_statement_run_finish_record (run, record, UPG_STATEMENT_STATUS_FAILED, 0, code,
                                            local_error->message, error))
        return FALSE;

      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* The server cancelled it (rolled back): the run stops here,
           * INTERRUPTED, and continues with this statement. */
          upg_statement_run_stop_cancelled (run, code, local_error->message, error);
          upg_statement_run_log (run, UPG_STATEMENT_STATUS_FAILED, duration_ms, 0);
          return FALSE;
        }
      if (run->klass == UPG_STATEMENT_CLASS_ATOMIC &&
          g_strcmp0 (run->sqlstate, "25001") == 0)
        {
          /* PostgreSQL refuses this statement inside a transaction block
           * (e.g. REINDEX DATABASE): run it on its own. */
          upg_statement_run_log (run, UPG_STATEMENT_STATUS_FAILED, duration_ms, 0);
          run->klass = UPG_STATEMENT_CLASS_AUTOCOMMIT;
          run->batched = FALSE;  /* in doubt after a crash: RUNNING must be durable */
          attempt--;
          continue;
        }
      if (attempt < retries && upg_error_is_transient (local_error, upg_connection_get_dialect (run->connection),
                                                         run->error_code, run->sqlstate))
        {
          upg_statement_run_log (run, UPG_STATEMENT_STATUS_FAILED, duration_ms, 0);
          continue;
        }

      /* The breakpoint is saved before the failure is reported anywhere. */
      upg_statement_run_stop_at (run, UPG_ERROR_STEP_FAILED, code, local_error->message, error);
      upg_statement_run_log (run, UPG_STATEMENT_STATUS_FAILED, duration_ms, 0);
      return FALSE;
    }
}

/* Whether an earlier attempt of this statement was refused inside a
 * transaction (PostgreSQL SQLSTATE 25001), so that the attempt left RUNNING
 * ran on its own and cannot be judged by the absence of its marker. */
static gboolean
fell_back_to_autocommit (StatementRun *run,
                         GError      **error)
{
  g_autoptr(JsonArray) records = NULL;
  const char *file = upg_sql_statement_get_file (run->statement);
  guint sequence = upg_sql_statement_get_sequence (run->statement);

  if (upg_connection_get_dialect (run->connection) != UPG_DIALECT_POSTGRESQL)
    return FALSE;
  records = upg_journal_list_statements (run->ctx->journal, upg_execution_get_id (run->ctx->execution), error);
  for (guint i = 0; records != NULL && i < json_array_get_length (records); i++)
    {
      JsonObject *r = json_array_get_object_element (records, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (r, "step_id", NULL),
                     upg_step_get_id (run->step)) == 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (r, "file", NULL), file) == 0 &&
          json_object_get_int_member_with_default (r, "sequence", 0) == sequence &&
          g_strcmp0 (json_object_get_string_member_with_default (r, "error_code", NULL), "25001") == 0)
        return TRUE;
    }
  return FALSE;
}

/* The operator's `resume --skip` goes into the target too, as the
 * statement's marker: a run whose journal was lost must not send it
 * again either (the target is the truth). Written before the journal
 * says SKIPPED: a crash between leaves a marker that reads as applied. */
static gboolean
mark_skipped (StatementRun *run,
              GError      **error)
{
  if (run->marker == NULL)
    return TRUE;
  if (upg_journal_write_marker (run->connection, run->marker, upg_execution_get_id (run->ctx->execution),
                                upg_statement_run_sha256 (run), error))
    {
      /* The marker settles it; an intent left beside it is only clutter. */
      upg_journal_clear_intent (run->connection, run->marker, NULL);
      return TRUE;
    }
  g_prefix_error (error, _("writing the marker of the statement skipped by the operator in '%s' failed: "),
                  run->database);
  return FALSE;
}

/* A RUNNING or IN_DOUBT record left by an earlier process. */
static gboolean
recover (StatementRun       *run,
         JsonObject         *record,
         UpgStatementStatus  status,
         gboolean           *run_it,
         GError            **error)
{
  UpgRunContext *ctx = run->ctx;
  const char *id = json_object_get_string_member_with_default (record, "id", NULL);
  const char *execution_id = json_object_get_string_member_with_default (record, "execution_id", NULL);
  gboolean is_bp = upg_run_context_is_breakpoint (ctx, run->step,
                                                  upg_sql_statement_get_file (run->statement),
                                                  upg_sql_statement_get_sequence (run->statement));
  gboolean found;

  *run_it = FALSE;
  if (!upg_statement_run_marker_found (run, execution_id, id, &found, error))
    return FALSE;
  /* Unless the operator already chose for this statement. */
  if (!found && (status == UPG_STATEMENT_STATUS_RUNNING || !is_bp || ctx->action == UPG_RESUME_ACTION_CONTINUE))
    {
      gboolean settled;

      /* ClickHouse: its query log may know (upg-sql-runner-clickhouse.c). */
      if (!upg_statement_run_settle_by_server (run, id, &settled, run_it, error))
        return FALSE;
      if (settled)
        return TRUE;
    }
  if (found)
    {
      upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, _("%s:%u: applied before the interruption (marker found)"),
                           upg_sql_statement_get_file (run->statement),
                           upg_sql_statement_get_line (run->statement));
      return upg_statement_run_finish_record (run, id, UPG_STATEMENT_STATUS_SUCCESS, 0, NULL,
                                              "applied before an interruption (marker found in the target)", error);
    }
  if (run->klass == UPG_STATEMENT_CLASS_SESSION)
    {
      /* Only the session it ran in saw its effect: run it again. */
      *run_it = TRUE;
      return upg_statement_run_finish_record (run, id, UPG_STATEMENT_STATUS_FAILED, 0, NULL,
                                              "interrupted; a session statement is simply run again", error);
    }
  if (status == UPG_STATEMENT_STATUS_RUNNING && run->klass == UPG_STATEMENT_CLASS_ATOMIC)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean fell_back = fell_back_to_autocommit (run, &local_error);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!fell_back)
        {
          *run_it = TRUE;
          return upg_statement_run_finish_record (run, id, UPG_STATEMENT_STATUS_FAILED, 0, NULL,
                                                  "interrupted before commit: not applied (no marker in the target)",
                                                  error);
        }
    }
  if (is_bp && ctx->action == UPG_RESUME_ACTION_SKIP)
    return mark_skipped (run, error) &&
           upg_statement_run_finish_record (run, id, UPG_STATEMENT_STATUS_SKIPPED, 0, NULL,
                                            "in doubt; skipped by the operator (resume --skip)", error);
  if (is_bp && ctx->action == UPG_RESUME_ACTION_RETRY)
    {
      *run_it = TRUE;
      return upg_statement_run_finish_record (run, id, UPG_STATEMENT_STATUS_FAILED, 0, NULL,
                                              "in doubt; run again by the operator (resume --retry)", error);
    }
  if (status == UPG_STATEMENT_STATUS_RUNNING &&
      !upg_statement_run_finish_record (run, id, UPG_STATEMENT_STATUS_IN_DOUBT, 0, NULL,
                                        "interrupted while it ran; it commits on its own, so whether it took"
                                        " effect is unknown", error))
    return FALSE;
  /* The breakpoint's error: what the operator reads before choosing
   * --retry or --skip, in their language (the record above stays as the
   * journal's other notes are). */
  upg_statement_run_stop_at (run, UPG_ERROR_IN_DOUBT, NULL,
                             _("interrupted while it ran; it commits on its own, so whether it took effect is "
                               "unknown"),
                             error);
  return FALSE;
}

/* A statement that commits on its own, sent by @execution_id (its intent
 * is in the target) but not marked, which this journal has no record of:
 * the process died while it ran, and the journal that knew was lost or is
 * elsewhere. In doubt, as with its RUNNING record (recover()); recorded
 * here so that the operator's resume finds it. */
static gboolean
stop_in_doubt_by_intent (StatementRun *run,
                         const char   *execution_id,
                         GError      **error)
{
  g_autofree char *record = upg_statement_run_begin_record (run, error);
  g_autofree char *message = NULL;

  if (record == NULL)
    return FALSE;
  message = g_strdup_printf (_("execution %s sent it and was interrupted, and this journal has no record of how it "
                               "ended; it commits on its own, so whether it took effect is unknown"),
                             execution_id);
  if (!upg_statement_run_finish_record (run, record, UPG_STATEMENT_STATUS_IN_DOUBT, 0, NULL, message, error))
    return FALSE;
  upg_statement_run_stop_at (run, UPG_ERROR_IN_DOUBT, NULL, message, error);
  return FALSE;
}

/* A statement the journal does not have as done, whose marker is in the
 * target: it committed, and its record was lost with a crash (records of
 * marked statements are written in batches). Without a marker, its
 * intent says whether it was sent. */
static gboolean
recover_lost_record (StatementRun *run,
                     gboolean     *recovered,
                     GError      **error)
{
  g_autofree char *sent_by = NULL;

  *recovered = FALSE;
  if (run->marker == NULL || !upg_statement_run_marker_of_any_execution (run, recovered, error))
    return run->marker == NULL;
  if (*recovered)
    return upg_statement_run_record_applied_by_marker (run, error);
  if (run->klass != UPG_STATEMENT_CLASS_AUTOCOMMIT)
    return TRUE;
  if (!upg_journal_find_intent (run->connection, run->marker, &sent_by, error))
    return FALSE;
  return sent_by == NULL || stop_in_doubt_by_intent (run, sent_by, error);
}

static gboolean
run_statement (StatementRun *run,
               GError      **error)
{
  UpgRunContext *ctx = run->ctx;
  UpgSqlStatement *s = run->statement;
  g_autoptr(JsonObject) record = NULL;
  UpgStatementStatus status = UPG_STATEMENT_STATUS_PENDING;
  gboolean run_it = TRUE;
  gboolean tables_locked;

  /* What opening another data source logs comes after the line of the
   * statement before. */
  if (run->previous != NULL && run->previous->pending &&
      g_strcmp0 (run->previous->run.database, run->database) != 0 &&
      !upg_statement_run_settle (run, error))
    return FALSE;
  if (!upg_statement_run_connect (run, FALSE, error))
    return FALSE;
  run->klass = upg_statement_classify (upg_sql_statement_get_text (s),
                                       has_marker_table (run)
                                         ? upg_connection_get_dialect (run->connection) : UPG_DIALECT_OTHER);
  tables_locked = upg_statement_run_tables_locked (run);
  if (tables_locked && run->klass == UPG_STATEMENT_CLASS_ATOMIC)
    /* Under LOCK TABLES each statement commits on its own, unmarked. */
    run->klass = UPG_STATEMENT_CLASS_AUTOCOMMIT;
  upg_statement_run_plan_journaling (run, has_marker_table (run) && !tables_locked);

  record = g_hash_table_lookup (run->records, GUINT_TO_POINTER (upg_sql_statement_get_sequence (s)));
  if (record != NULL)
    {
      json_object_ref (record);
      upg_statement_status_from_string (json_object_get_string_member_with_default (record, "status", NULL),
                                        &status);
    }
  /* A new statement that commits with its marker completes the one before
   * it once it is sent (upg-sql-runner-send.c); anything else first. */
  if ((record != NULL || !run->batched || run->klass != UPG_STATEMENT_CLASS_ATOMIC) &&
      !upg_statement_run_settle (run, error))
    return FALSE;

  if (status == UPG_STATEMENT_STATUS_SUCCESS || status == UPG_STATEMENT_STATUS_SKIPPED)
    {
      /* Done before; a session statement's effect died with its
       * connection, so it is applied again (not journaled twice). */
      gint64 rows;
      return run->klass != UPG_STATEMENT_CLASS_SESSION || upg_statement_run_send (run, FALSE, &rows, NULL, error);
    }
  if (run->klass == UPG_STATEMENT_CLASS_TRANSACTION_CONTROL)
    /* Outside any block (upg-sql-runner-blocks.c): a stray COMMIT, a
     * SAVEPOINT with nothing to save. */
    return upg_statement_run_record_skipped (run, "transaction control: the engine commits each statement atomically"
                                                  " with its marker", FALSE, error);
  if ((status == UPG_STATEMENT_STATUS_RUNNING || status == UPG_STATEMENT_STATUS_IN_DOUBT) &&
      !recover (run, record, status, &run_it, error))
    return FALSE;
  if (status != UPG_STATEMENT_STATUS_RUNNING && status != UPG_STATEMENT_STATUS_IN_DOUBT)
    {
      gboolean recovered;

      if (!recover_lost_record (run, &recovered, error))
        return FALSE;
      run_it = !recovered;
    }
  if (!run_it)
    return TRUE;
  if (status == UPG_STATEMENT_STATUS_FAILED && ctx->action == UPG_RESUME_ACTION_SKIP &&
      upg_run_context_is_breakpoint (ctx, run->step, upg_sql_statement_get_file (s),
                                     upg_sql_statement_get_sequence (s)))
    return mark_skipped (run, error) &&
           upg_statement_run_record_skipped (run, "failed; skipped by the operator (resume --skip)", TRUE, error);
  return execute_with_retries (run, error);
}

/* A statement of @file, ready to run as statement @index. */
void
upg_file_run_init_statement (FileRun      *file,
                             StatementRun *run,
                             guint         index)
{
  *run = (StatementRun) { file->ctx, file->step, g_ptr_array_index (file->statements, index), NULL };
  run->database = upg_sql_runner_statement_database (run->statement, file->step);
  run->component = upg_step_get_component (file->step);
  run->version = g_strdup (file->version);
  run->marker_prefixes = file->prefixes;
  run->records = file->records;
  if (!g_str_equal (upg_sql_statement_get_file (run->statement), file->file))
    {
      run->marker_prefixes = g_hash_table_lookup (file->included_prefixes, upg_sql_statement_get_file (run->statement));
      run->records = g_hash_table_lookup (file->included_records, upg_sql_statement_get_file (run->statement));
    }
  run->previous = file->previous;
}

/* Runs statement @index of @file as a unit of its own; @note (or NULL)
 * is journaled with its success. */
gboolean
upg_file_run_statement (FileRun     *file,
                        guint        index,
                        const char  *note,
                        GError     **error)
{
  DeferredCompletion *previous = file->previous;
  StatementRun run;
  gboolean ok;

  upg_file_run_init_statement (file, &run, index);
  run.note = note;
  ok = run_statement (&run, error);
  upg_statement_run_clear (&run);
  if (ok && previous->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&previous->error));
      return FALSE;
    }
  if (!ok)
    return FALSE;
  if (!previous->pending || previous->run.statement != run.statement)
    upg_statement_run_done (&run);
  return TRUE;
}
