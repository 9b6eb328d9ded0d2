/* upg-sql-runner-blocks.c - a script's own BEGIN … COMMIT blocks, and
 * files run as one transaction ("transaction": "script"), each as one
 * unit of exactly-once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * SPEC §5 "Units of exactly-once". A block's statements run in one
 * transaction; one marker, named after the block's first statement, is
 * written inside it just before the COMMIT. After a crash the block is
 * therefore either all applied (marker found: every statement is recorded
 * SUCCESS without being sent) or not at all (run again from its BEGIN).
 * On MariaDB and PostgreSQL consecutive statements of a block travel in
 * requests of up to CHUNK_MAX_STATEMENTS (send_chunk()): a large block
 * (zabbix's data.sql) costs a few round trips instead of one each.
 *
 * Records. Nothing of a block is journaled before its outcome is known:
 * - committed: every statement SUCCESS, with its own rows and duration;
 * - failed: the failed statement FAILED with the server's code and
 *   message, and the statements before it, which the rollback undid,
 *   FAILED without a code, saying so ("rolled back: …"). Not SKIPPED nor
 *   SUCCESS: a resume must send them again, and SKIPPED would read as
 *   "done" (it is the status of an operator's --skip). The breakpoint
 *   names the failed statement; the resume runs the block again from its
 *   BEGIN, and `resume --skip` leaves the failed statement out of it;
 * - the script's own ROLLBACK: BEGIN and ROLLBACK SUCCESS, the statements
 *   between SKIPPED ("rolled back by the script"): nothing applied, as
 *   the script says, and nothing to run again.
 *
 * MariaDB/MySQL commit implicitly before DDL (and LOCK TABLES): the
 * server splits the block there, so the engine does the same, and says
 * so in the log: the statements before commit with a marker of their
 * own, the statement runs as a unit of its own (in doubt after a crash,
 * as always for DDL there), and the statements after it run as a new
 * block up to the script's COMMIT. "transaction": "script" is refused
 * there: without transactional DDL a file cannot be one unit.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-bundle-private.h"
#include "upg-data-source-private.h"
#include "upg-journal-batch-private.h"
#include "upg-sql-runner-private.h"
#include "upg-step-private.h"
#include "upg-transaction-pipeline-private.h"

#define MIN_CONNECTION_RETRIES 3

typedef enum {
  ROLE_STATEMENT,   /* sent inside the transaction */
  ROLE_BEGIN,       /* the script's BEGIN, which opens it */
  ROLE_END,         /* the script's COMMIT or ROLLBACK, which ends it */
  ROLE_NOOP,        /* BEGIN/COMMIT in a file run as one transaction */
  ROLE_SKIPPED,     /* skipped by the operator, now or before */
} Role;

typedef struct
{
  FileRun            *file;
  guint               first;
  guint               n;
  gboolean            opens;      /* statement @first is the script's BEGIN */
  UpgTransactionVerb  end;        /* of the last statement; NONE: the engine commits */
  StatementRun       *runs;
  Role               *roles;
  gint64             *rows;
  gint64             *durations;
  UpgStatementStatus *statuses;   /* as the journal has them */
  UpgDialect          dialect;
  char               *marker;
  gboolean            one_by_one; /* no statements in one request (see send_chunk()) */
  gboolean            unparsed;   /* a request was refused as a whole (PostgreSQL) */
} Unit;

/* Statements of a block sent in one request: enough to make the round
 * trips vanish next to the server's work, far below MariaDB's default
 * max_allowed_packet (16 MiB). */
#define CHUNK_MAX_STATEMENTS 1000
#define CHUNK_MAX_BYTES (1024 * 1024)

/* ---- one unit ------------------------------------------------------ */

static void
unit_clear (Unit *u)
{
  for (guint i = 0; i < u->n; i++)
    upg_statement_run_clear (&u->runs[i]);
  g_free (u->runs);
  g_free (u->roles);
  g_free (u->rows);
  g_free (u->durations);
  g_free (u->statuses);
  g_free (u->marker);
}

static const char *
text_of (Unit  *u,
         guint  i)
{
  return upg_sql_statement_get_text (u->runs[i].statement);
}

static gboolean
unit_init (Unit     *u,
           FileRun  *file,
           guint     first,
           guint     last,
           gboolean  opens,
           GError  **error)
{
  UpgRunContext *ctx = file->ctx;
  gboolean script = upg_step_get_script_transaction (file->step);

  *u = (Unit) { file, first, last - first + 1, opens };
  u->runs = g_new0 (StatementRun, u->n);
  u->roles = g_new0 (Role, u->n);
  u->rows = g_new0 (gint64, u->n);
  u->durations = g_new0 (gint64, u->n);
  u->statuses = g_new0 (UpgStatementStatus, u->n);
  for (guint i = 0; i < u->n; i++)
    upg_file_run_init_statement (file, &u->runs[i], first + i);
  /* What opening the data source logs comes after the line of the
   * statement before. */
  if (!upg_statement_run_settle (&u->runs[0], error) ||
      !upg_statement_run_connect (&u->runs[0], FALSE, error))
    return FALSE;
  u->dialect = upg_connection_get_dialect (u->runs[0].connection);
  u->end = script ? UPG_TRANSACTION_VERB_NONE : upg_statement_transaction_verb (text_of (u, u->n - 1), u->dialect);
  if (u->end != UPG_TRANSACTION_VERB_COMMIT && u->end != UPG_TRANSACTION_VERB_ROLLBACK)
    u->end = UPG_TRANSACTION_VERB_NONE;
  /* Named as the first statement's own marker would be (under its own
   * file, when a client include brought it in). */
  u->marker = upg_journal_marker_id (g_ptr_array_index (u->runs[0].marker_prefixes, 0),
                                     upg_sql_statement_get_sequence (u->runs[0].statement));
  for (guint i = 0; i < u->n; i++)
    {
      StatementRun *run = &u->runs[i];
      JsonObject *record = g_hash_table_lookup (run->records,
                                                GUINT_TO_POINTER (upg_sql_statement_get_sequence (run->statement)));
      UpgTransactionVerb verb = upg_statement_transaction_verb (text_of (u, i), u->dialect);

      run->connection = u->runs[0].connection;
      run->klass = upg_statement_classify (text_of (u, i), u->dialect);
      u->statuses[i] = UPG_STATEMENT_STATUS_PENDING;
      if (record != NULL)
        upg_statement_status_from_string (json_object_get_string_member_with_default (record, "status", NULL),
                                          &u->statuses[i]);
      if (i == 0 && opens)
        u->roles[i] = ROLE_BEGIN;
      else if (i == u->n - 1 && u->end != UPG_TRANSACTION_VERB_NONE)
        u->roles[i] = ROLE_END;
      else if (script && (verb == UPG_TRANSACTION_VERB_BEGIN || verb == UPG_TRANSACTION_VERB_COMMIT))
        u->roles[i] = ROLE_NOOP;
      else if (u->statuses[i] == UPG_STATEMENT_STATUS_SKIPPED ||
               (u->statuses[i] == UPG_STATEMENT_STATUS_FAILED && ctx->action == UPG_RESUME_ACTION_SKIP &&
                upg_run_context_is_breakpoint (ctx, file->step, upg_sql_statement_get_file (run->statement),
                                               upg_sql_statement_get_sequence (run->statement))))
        u->roles[i] = ROLE_SKIPPED;
      else
        u->roles[i] = ROLE_STATEMENT;
    }
  return TRUE;
}

static gboolean
unit_done_before (Unit *u)
{
  for (guint i = 0; i < u->n; i++)
    if (u->statuses[i] != UPG_STATEMENT_STATUS_SUCCESS && u->statuses[i] != UPG_STATEMENT_STATUS_SKIPPED)
      return FALSE;
  return TRUE;
}

static void
unit_progress (Unit *u)
{
  for (guint i = 0; i < u->n; i++)
    upg_statement_run_done (&u->runs[i]);
}

/* Done in an earlier run: only the session statements are applied again,
 * their effect having died with the connection. */
static gboolean
unit_replay_session (Unit    *u,
                     GError **error)
{
  for (guint i = 0; i < u->n; i++)
    {
      gint64 rows;

      if (u->runs[i].klass == UPG_STATEMENT_CLASS_SESSION && u->statuses[i] == UPG_STATEMENT_STATUS_SUCCESS &&
          !upg_statement_run_send (&u->runs[i], FALSE, &rows, NULL, error))
        return FALSE;
    }
  unit_progress (u);
  return TRUE;
}

/* The unit's marker is in the target: it committed, in this execution
 * (its records lost with a crash) or in another one. */
static gboolean
unit_recover (Unit     *u,
              gboolean *recovered,
              GError  **error)
{
  UpgRunContext *ctx = u->file->ctx;
  const UpgJournalMarkerRow *row;
  gboolean other;
  g_autofree char *reason = NULL;

  *recovered = FALSE;
  if (u->end == UPG_TRANSACTION_VERB_ROLLBACK)
    return TRUE;
  if (!upg_statement_run_marker_of_any_execution (&u->runs[0], recovered, error))
    return FALSE;
  if (!*recovered)
    return TRUE;
  /* As for a statement's own marker: one this execution wrote stands for
   * records lost with a crash; another execution's (a lost journal,
   * another state directory or host) counts as applied there, SKIPPED. */
  row = u->runs[0].marker_row;
  other = row != NULL && row->execution_id != NULL &&
          !g_str_equal (row->execution_id, upg_execution_get_id (ctx->execution));
  if (other)
    {
      upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, _("%s:%u: applied in execution %s per its marker in '%s'; "
                                                       "not sent again"),
                           upg_sql_statement_get_file (u->runs[0].statement),
                           upg_sql_statement_get_line (u->runs[0].statement), row->execution_id,
                           u->runs[0].database);
      reason = g_strdup_printf ("applied in execution %s (the marker of its transaction block was found in the "
                                "target)", row->execution_id);
    }
  else
    upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE,
                         _("%s:%u: transaction block applied before the interruption (marker found)"),
                         upg_sql_statement_get_file (u->runs[0].statement),
                         upg_sql_statement_get_line (u->runs[0].statement));
  for (guint i = 0; i < u->n; i++)
    {
      StatementRun *run = &u->runs[i];

      if (u->statuses[i] == UPG_STATEMENT_STATUS_SUCCESS || u->statuses[i] == UPG_STATEMENT_STATUS_SKIPPED)
        continue;
      run->started_at = upg_journal_get_now (ctx->journal);
      if (!upg_statement_run_queue_record (run, other ? UPG_STATEMENT_STATUS_SKIPPED : UPG_STATEMENT_STATUS_SUCCESS,
                                           -1, NULL,
                                           other ? reason : "applied before an interruption (the marker of its "
                                                            "transaction block was found in the target)", error))
        return FALSE;
    }
  unit_progress (u);
  return TRUE;
}

/* Sends statement @i of the unit (not its end). */
static gboolean
send_one (Unit    *u,
          guint    i,
          GError **error)
{
  StatementRun *run = &u->runs[i];
  UpgRunContext *ctx = u->file->ctx;
  gint64 start_us = g_get_monotonic_time ();
  gboolean ok;

  run->started_at = upg_journal_get_now (ctx->journal);
  ctx->statements_sent++;
  upg_run_context_maybe_crash (ctx, UPG_CRASH_BEFORE_SEND);
  /* SQLite: the engine's BEGIN IMMEDIATE takes the write lock at once,
   * where the script's deferred BEGIN could fail busy later. */
  upg_statement_run_sending (run);
  if (u->roles[i] == ROLE_BEGIN && u->dialect == UPG_DIALECT_SQLITE)
    ok = upg_connection_begin (run->connection, error);
  else
    ok = upg_connection_execute (run->connection, text_of (u, i), &u->rows[i], ctx->cancellable, error);
  upg_statement_run_came_back (run);
  u->durations[i] = (g_get_monotonic_time () - start_us) / 1000;
  if (ok)
    upg_run_context_maybe_crash (ctx, UPG_CRASH_AFTER_EXECUTE_BEFORE_COMMIT);
  return ok;
}

/* Ends the transaction: the marker and the commit, or the script's
 * ROLLBACK. The COMMIT's failure (a deferred constraint, say) is that of
 * the script's COMMIT statement when there is one. */
/* The test-only crash hook names the n-th statement sent: for a
 * statement inside a block, "after commit" is after the block's commit,
 * which is when it is kept. */
static void
maybe_crash_after_commit (UpgRunContext *ctx,
                          guint          sent_before)
{
  upg_sql_runner_maybe_crash_in (ctx, UPG_CRASH_AFTER_COMMIT_BEFORE_JOURNAL, sent_before);
}

static gboolean
send_end (Unit    *u,
          guint    sent_before,
          GError **error)
{
  guint last = u->n - 1;
  StatementRun *run = &u->runs[last];
  UpgRunContext *ctx = u->file->ctx;
  gint64 start_us = g_get_monotonic_time ();
  gboolean ending = u->end != UPG_TRANSACTION_VERB_NONE;

  if (ending)
    {
      run->started_at = upg_journal_get_now (ctx->journal);
      ctx->statements_sent++;
      upg_run_context_maybe_crash (ctx, UPG_CRASH_BEFORE_SEND);
    }
  if (ending)
    upg_run_context_maybe_crash (ctx, UPG_CRASH_AFTER_EXECUTE_BEFORE_COMMIT);
  if (u->end == UPG_TRANSACTION_VERB_ROLLBACK)
    return upg_connection_rollback (run->connection, error);
  /* Its row names the execution, and the text of the block's first
   * statement, which it is named after. */
  if (!upg_journal_write_marker (run->connection, u->marker, upg_execution_get_id (ctx->execution),
                                 upg_statement_run_sha256 (&u->runs[0]), error))
    {
      g_prefix_error (error, _("writing the marker of the transaction block in '%s' failed: "), run->database);
      return FALSE;
    }
  if (!upg_connection_commit (run->connection, error))
    return FALSE;
  if (ending)
    u->durations[last] = (g_get_monotonic_time () - start_us) / 1000;
  maybe_crash_after_commit (ctx, sent_before);
  return TRUE;
}

/* Where the statements from @first that can travel in one request end
 * (exclusive): consecutive statements of the block, each one statement
 * for the dialect's splitter, on a server that takes several in one
 * request. */
static guint
chunk_end (Unit  *u,
           guint  first)
{
  UpgConnection *c = u->runs[0].connection;
  gsize bytes = 0;
  guint k;

  if (u->one_by_one || !UPG_IS_TRANSACTION_PIPELINE (c))
    return first;
  for (k = first; k < u->n && k - first < CHUNK_MAX_STATEMENTS && u->roles[k] == ROLE_STATEMENT; k++)
    {
      bytes += strlen (text_of (u, k)) + 1;
      if (bytes > CHUNK_MAX_BYTES || !upg_transaction_pipeline_can_carry (c, text_of (u, k)))
        break;
    }
  return k;
}

/* Sends statements @first to @end (exclusive) of the unit in one request,
 * inside its open transaction: a round trip for all of them where the
 * native client makes one each. The server runs them in turn and stops at
 * the first failure, whose statement is then *failed. PostgreSQL parses
 * the whole text first: a syntax error anywhere fails it before anything
 * ran, without telling which statement (u->unparsed; the unit is then run
 * again statement by statement, which names it). Each statement is given
 * its share of the time. */
static gboolean
send_chunk (Unit    *u,
            guint    first,
            guint    end,
            guint   *failed,
            GError **error)
{
  UpgRunContext *ctx = u->file->ctx;
  UpgTransactionPipeline *pipeline = UPG_TRANSACTION_PIPELINE (u->runs[0].connection);
  g_autofree const char **parts = g_new0 (const char *, end - first);
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (gint64));
  guint sent_before = ctx->statements_sent;
  gint64 start_us = g_get_monotonic_time ();
  gint64 started_at = upg_journal_get_now (ctx->journal);
  gboolean ok;

  for (guint k = first; k < end; k++)
    {
      parts[k - first] = text_of (u, k);
      u->runs[k].started_at = started_at;
    }
  ctx->statements_sent += end - first;
  upg_sql_runner_maybe_crash_in (ctx, UPG_CRASH_BEFORE_SEND, sent_before);
  *failed = first;
  if (!upg_transaction_pipeline_send_parts (pipeline, parts, end - first, error))
    return FALSE;
  upg_statement_run_sending (&u->runs[first]);
  ok = upg_transaction_pipeline_receive_parts (pipeline, end - first, FALSE, rows, &u->unparsed,
                                               ctx->cancellable, error);
  upg_statement_run_came_back (&u->runs[first]);
  for (guint k = first; k < first + rows->len && k < end; k++)
    {
      u->rows[k] = g_array_index (rows, gint64, k - first);
      u->durations[k] = (g_get_monotonic_time () - start_us) / 1000 / (end - first);
    }
  if (!ok)
    {
      *failed = MIN (first + rows->len, end - 1);
      u->unparsed = u->unparsed && u->dialect == UPG_DIALECT_POSTGRESQL;
      return FALSE;
    }
  upg_sql_runner_maybe_crash_in (ctx, UPG_CRASH_AFTER_EXECUTE_BEFORE_COMMIT, sent_before);
  return TRUE;
}

/* One attempt: the whole unit in one transaction. On failure *failed is
 * the statement blamed, the transaction is rolled back, and the run of
 * that statement keeps the server's SQLSTATE and code. */
static gboolean
send_unit (Unit    *u,
           guint   *failed,
           char   **code,
           GError **error)
{
  UpgConnection *c = u->runs[0].connection;
  guint sent_before = u->file->ctx->statements_sent;
  gboolean ok = TRUE;

  *failed = 0;
  if (!u->opens)
    ok = upg_connection_begin (c, error);
  for (guint i = 0; ok && i < u->n; i++)
    {
      guint end = chunk_end (u, i);

      *failed = i;
      if (end > i + 1)
        {
          ok = send_chunk (u, i, end, failed, error);
          i = end - 1;
        }
      else if (u->roles[i] == ROLE_BEGIN || u->roles[i] == ROLE_STATEMENT)
        ok = send_one (u, i, error);
    }
  if (ok)
    {
      *failed = u->n - 1;
      ok = send_end (u, sent_before, error);
    }
  if (ok)
    return TRUE;
  *code = upg_statement_run_error_code (c);
  g_free (u->runs[*failed].sqlstate);
  u->runs[*failed].sqlstate = g_strdup (upg_connection_get_last_sqlstate (c));
  u->runs[*failed].error_code = upg_connection_get_last_error_code (c);
  upg_connection_rollback (c, NULL);
  return FALSE;
}

/* Journals and logs the unit's outcome once it is known: @committed, or
 * rolled back by the script's own ROLLBACK. */
static gboolean
unit_finish (Unit     *u,
             gboolean  committed,
             GError  **error)
{
  g_autofree char *rolled_back = NULL;

  if (!committed)
    rolled_back = g_strdup_printf ("rolled back by the script's ROLLBACK at %s:%u",
                                   upg_sql_statement_get_file (u->runs[u->n - 1].statement),
                                   upg_sql_statement_get_line (u->runs[u->n - 1].statement));
  for (guint i = 0; i < u->n; i++)
    {
      StatementRun *run = &u->runs[i];

      if (u->roles[i] == ROLE_SKIPPED)
        continue;
      if (u->roles[i] == ROLE_NOOP)
        {
          if (!upg_statement_run_record_skipped (run, "the file runs as one transaction (\"transaction\": "
                                                      "\"script\")", FALSE, error))
            return FALSE;
        }
      else if (committed || u->roles[i] != ROLE_STATEMENT)
        {
          if (!upg_statement_run_queue_record (run, UPG_STATEMENT_STATUS_SUCCESS, u->rows[i], NULL, NULL, error))
            return FALSE;
          upg_statement_run_log (run, UPG_STATEMENT_STATUS_SUCCESS, u->durations[i], u->rows[i]);
        }
      else
        {
          /* Sent, and undone by the script: journaled when it was sent. */
          if (!upg_statement_run_queue_record (run, UPG_STATEMENT_STATUS_SKIPPED, 0, NULL, rolled_back, error))
            return FALSE;
          upg_statement_run_log (run, UPG_STATEMENT_STATUS_SKIPPED, u->durations[i], 0);
        }
    }
  unit_progress (u);
  return TRUE;
}

/* Journals a failed attempt: the failed statement with the server's
 * error, the ones before it as rolled back. */
static gboolean
unit_record_failure (Unit       *u,
                     guint       failed,
                     const char *code,
                     const char *message,
                     GError    **error)
{
  UpgSqlStatement *at = u->runs[failed].statement;
  /* The operator reads it in the report and status: translated. */
  g_autofree char *why = g_strdup_printf (_("rolled back: its transaction block failed at %s:%u"),
                                          upg_sql_statement_get_file (at), upg_sql_statement_get_line (at));

  for (guint i = 0; i <= failed; i++)
    {
      StatementRun *run = &u->runs[i];

      if (u->roles[i] == ROLE_SKIPPED || u->roles[i] == ROLE_NOOP)
        continue;
      if (run->started_at == 0)
        run->started_at = upg_journal_get_now (u->file->ctx->journal);
      if (!upg_statement_run_queue_record (run, UPG_STATEMENT_STATUS_FAILED, 0,
                                           i == failed ? code : NULL, i == failed ? message : why, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
unit_execute (Unit    *u,
              GError **error)
{
  UpgRunContext *ctx = u->file->ctx;
  guint retries = upg_step_get_retry_count (u->file->step);
  guint connection_retries = MAX (retries, MIN_CONNECTION_RETRIES);

  for (guint i = 0; i < u->n; i++)
    if (u->roles[i] == ROLE_SKIPPED && u->statuses[i] != UPG_STATEMENT_STATUS_SKIPPED &&
        !upg_statement_run_record_skipped (&u->runs[i], "failed; skipped by the operator (resume --skip)",
                                           TRUE, error))
      return FALSE;

  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *code = NULL;
      guint failed;
      StatementRun *at;

      if (attempt > 0)
        g_usleep (2 * 1000);  /* a new attempt's records start in a later millisecond */
      for (guint i = 0; i < u->n; i++)
        u->runs[i].started_at = 0;
      if (send_unit (u, &failed, &code, &local_error))
        return unit_finish (u, u->end != UPG_TRANSACTION_VERB_ROLLBACK, error);
      if (u->unparsed && !u->one_by_one)
        {
          /* Nothing ran; sent one by one, the statement at fault fails
           * alone, with its own error. Not an attempt of the unit's. */
          u->one_by_one = TRUE;
          attempt--;
          continue;
        }
      at = &u->runs[failed];

      if (g_error_matches (local_error, UPG_ERROR, UPG_ERROR_DATASOURCE))
        {
          /* The connection died: had the COMMIT gone through, the marker
           * says so. */
          g_autoptr(GError) reconnect_error = NULL;
          gboolean found = FALSE;

          if (upg_statement_run_connect (&u->runs[0], TRUE, &reconnect_error) &&
              (u->end == UPG_TRANSACTION_VERB_ROLLBACK ||
               upg_journal_has_marker (u->runs[0].connection, u->marker, &found, &reconnect_error)))
            {
              for (guint i = 0; i < u->n; i++)
                u->runs[i].connection = u->runs[0].connection;
              if (found)
                return unit_finish (u, TRUE, error);
              if (attempt < connection_retries)
                {
                  upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE,
                                       _("%s:%u: connection lost (%s); running the transaction block again (%u/%u)"),
                                       upg_sql_statement_get_file (at->statement),
                                       upg_sql_statement_get_line (at->statement), local_error->message,
                                       attempt + 1, connection_retries);
                  g_usleep ((1UL << attempt) * G_USEC_PER_SEC / 2);  /* back-off, not synchronisation */
                  continue;
                }
            }
          if (!unit_record_failure (u, failed, NULL, local_error->message, error))
            return FALSE;
          upg_statement_run_stop_at (at, UPG_ERROR_STEP_FAILED, NULL,
                                     reconnect_error != NULL ? reconnect_error->message : local_error->message,
                                     error);
          return FALSE;
        }
      if (!unit_record_failure (u, failed, code, local_error->message, error))
        return FALSE;
      upg_statement_run_log (at, UPG_STATEMENT_STATUS_FAILED, u->durations[failed], 0);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          upg_statement_run_stop_cancelled (at, code, local_error->message, error);
          return FALSE;
        }
      if (attempt < retries && upg_error_is_transient (local_error, u->dialect, at->error_code, at->sqlstate))
        continue;
      /* The breakpoint names the failed statement; the resume runs the
       * block again from its BEGIN. */
      upg_statement_run_stop_at (at, UPG_ERROR_STEP_FAILED, code, local_error->message, error);
      return FALSE;
    }
}

static gboolean
run_unit (FileRun  *file,
          guint     first,
          guint     last,
          gboolean  opens,
          GError  **error)
{
  Unit u;
  gboolean ok, recovered = FALSE;

  ok = unit_init (&u, file, first, last, opens, error);
  if (ok && unit_done_before (&u))
    ok = unit_replay_session (&u, error);
  else if (ok && (ok = unit_recover (&u, &recovered, error)) && !recovered)
    ok = unit_execute (&u, error);
  if (ok && file->previous->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&file->previous->error));
      ok = FALSE;
    }
  unit_clear (&u);
  return ok;
}

/* MariaDB/MySQL commit the open transaction before DDL, LOCK TABLES and
 * the like: statement @index ends the block there. */
static gboolean
commits_implicitly (FileRun *file,
                    guint    index)
{
  const char *text = upg_sql_statement_get_text (g_ptr_array_index (file->statements, index));

  return upg_statement_classify (text, UPG_DIALECT_MYSQL) == UPG_STATEMENT_CLASS_AUTOCOMMIT ||
         upg_statement_table_lock_change (text, UPG_DIALECT_MYSQL) != 0;
}

/*
 * upg_file_run_block:
 *
 * Runs statements @first to @last of @file, a block that
 * upg_file_run_block_end() found, as one unit (MariaDB/MySQL: split
 * where the server commits implicitly).
 */
gboolean
upg_file_run_block (FileRun  *file,
                    guint     first,
                    guint     last,
                    GError  **error)
{
  UpgSqlStatement *begin = g_ptr_array_index (file->statements, first);
  /* A block opened by a COMMIT AND CHAIN has no BEGIN of its own. */
  gboolean opens = upg_sql_runner_statement_verb (file->ctx, file->step, begin) == UPG_TRANSACTION_VERB_BEGIN;
  guint from = first;

  if (upg_step_get_script_transaction (file->step))
    return run_unit (file, first, last, FALSE, error);
  if (upg_sql_runner_statement_dialect (file->ctx, file->step, begin) == UPG_DIALECT_MYSQL)
    for (guint k = opens ? first + 1 : first; k < last; k++)
      {
        UpgSqlStatement *s = g_ptr_array_index (file->statements, k);
        g_autofree char *note = NULL;

        if (!commits_implicitly (file, k))
          continue;
        if (k > from && !run_unit (file, from, k - 1, from == first && opens, error))
          return FALSE;
        upg_run_context_log (file->ctx, G_LOG_LEVEL_MESSAGE,
                             _("%s:%u: the server commits the transaction opened at line %u before this statement "
                               "(implicit commit): the statements before it are committed, it runs on its own, "
                               "and the statements after it run as a new transaction"),
                             upg_sql_statement_get_file (s), upg_sql_statement_get_line (s),
                             upg_sql_statement_get_line (begin));
        /* The journal says it too, with the statement's record. */
        note = g_strdup_printf ("implicit commit: the server committed the transaction block opened at %s:%u "
                                "before this statement; the statements after it ran as a new transaction",
                                upg_sql_statement_get_file (begin), upg_sql_statement_get_line (begin));
        if (!upg_file_run_statement (file, k, note, error))
          return FALSE;
        from = k + 1;
      }
  return run_unit (file, from, last, from == first && opens, error);
}
