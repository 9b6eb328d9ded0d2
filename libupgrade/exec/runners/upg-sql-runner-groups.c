/* upg-sql-runner-groups.c - group commit: consecutive statements of one
 * target that commit with their markers share one transaction
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * SPEC §5 "Units of exactly-once" allows the engine to group consecutive
 * transactional statements of one target into one transaction as long as
 * the result, the journal and the breakpoint are those of statement-by-
 * statement execution. A durable server flushes at every commit; the
 * native client commits every statement of an autocommit script, so a
 * group of up to GROUP_MAX_STATEMENTS statements commits in a fraction of
 * its time. On MariaDB and PostgreSQL the group travels in one request
 * (BEGIN, the statements, the markers, COMMIT: upg-transaction-pipeline.c).
 *
 * Markers. Each statement keeps its own marker, named as always after
 * the statement: all of a group's are written by one INSERT inside its
 * transaction, so they commit with the statements or not at all. After
 * a crash, a lost journal or a failure each statement is then judged by
 * its own marker exactly as a statement run alone, whatever grouping the
 * next run makes (the replay after a failure, say, groups differently).
 *
 * Records. Nothing of a group is journaled before it committed (its
 * statements are of the kind whose records are batched anyway,
 * upg-sql-runner.c): then every statement is recorded SUCCESS with its
 * own rows. A group that fails is rolled back and run again statement by
 * statement on the ordinary path, so that the failing statement fails on
 * its own, with its own record, error and breakpoint, and the ones
 * before it commit as they would have. A lost connection is asked first
 * whether the group committed (its first marker).
 *
 * What may join a group: ATOMIC statements (upg-applied-marker.c) of the
 * same data source with a marker table, outside LOCK TABLES and outside
 * a script's own blocks, that the journal does not know and whose marker
 * is not in the target, each exactly one statement for the dialect's
 * splitter. Anything else ends the group and runs as before.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-journal-batch-private.h"
#include "upg-sql-runner-private.h"
#include "upg-sql-statement-private.h"
#include "upg-transaction-pipeline-private.h"

/* Enough to spread the cost of a durable commit; small enough that the
 * replay after a failure stays short and a request stays far below
 * MariaDB's default max_allowed_packet (16 MiB). */
#define GROUP_MAX_STATEMENTS 1000
#define GROUP_MAX_BYTES (1024 * 1024)

typedef struct
{
  FileRun      *file;
  guint         first;
  guint         n;
  StatementRun *runs;
  gint64       *rows;
  gint64        duration_ms;
} Group;

static void
group_clear (Group *g)
{
  for (guint i = 0; i < g->n; i++)
    upg_statement_run_clear (&g->runs[i]);
  g_free (g->runs);
  g_free (g->rows);
}

/* Whether @run (connected, classified) may join a group on @connection. */
static gboolean
may_join (StatementRun  *run,
          UpgConnection *connection,
          gsize         *bytes,
          gboolean      *may,
          GError       **error)
{
  const char *text = upg_sql_statement_get_text (run->statement);
  UpgDialect dialect = upg_connection_get_dialect (connection);
  gboolean found;

  *may = FALSE;
  run->connection = connection;
  run->klass = upg_statement_classify (text, dialect);
  if (run->klass != UPG_STATEMENT_CLASS_ATOMIC || upg_statement_run_tables_locked (run) ||
      g_hash_table_contains (run->records, GUINT_TO_POINTER (upg_sql_statement_get_sequence (run->statement))))
    return TRUE;
  *bytes += strlen (text) + 1;
  if (*bytes > GROUP_MAX_BYTES || !upg_sql_is_one_statement (text, dialect) ||
      (UPG_IS_TRANSACTION_PIPELINE (connection) && !upg_transaction_pipeline_can_carry (connection, text)))
    return TRUE;
  upg_statement_run_plan_journaling (run, TRUE);
  /* Applied in another execution (a lost journal): judged alone. */
  if (!upg_statement_run_marker_of_any_execution (run, &found, error))
    return FALSE;
  *may = !found && run->marker != NULL;
  return TRUE;
}

/* Collects the group that starts at statement @first: *n is 0 or 1 when
 * there is none. */
static gboolean
group_collect (Group    *g,
               FileRun  *file,
               guint     first,
               GError  **error)
{
  StatementRun *head;
  gsize bytes = 0;
  guint end = MIN (file->statements->len, first + GROUP_MAX_STATEMENTS);

  *g = (Group) { file, first, 0 };
  g->runs = g_new0 (StatementRun, end - first);
  upg_file_run_init_statement (file, &g->runs[0], first);
  head = &g->runs[0];
  /* What opening a data source logs comes after the line of the
   * statement before. */
  if (!upg_statement_run_settle (head, error) || !upg_statement_run_connect (head, FALSE, error))
    {
      upg_statement_run_clear (head);
      return FALSE;
    }
  if (!upg_statement_run_has_marker_table (head))
    {
      upg_statement_run_clear (head);
      return TRUE;
    }
  for (guint k = first; k < end; k++)
    {
      StatementRun *run = &g->runs[k - first];
      gboolean may;

      if (k > first)
        upg_file_run_init_statement (file, run, k);
      if (k > first && g_strcmp0 (run->database, head->database) != 0)
        {
          upg_statement_run_clear (run);
          break;
        }
      if (!may_join (run, head->connection, &bytes, &may, error))
        {
          upg_statement_run_clear (run);
          return FALSE;
        }
      if (!may)
        {
          upg_statement_run_clear (run);
          break;
        }
      g->n++;
    }
  g->rows = g_new0 (gint64, MAX (g->n, 1));
  return TRUE;
}

/* BEGIN, the statements, their markers and COMMIT in one request. */
static gboolean
send_pipelined (Group       *g,
                const char  *markers,
                guint        sent_before,
                GError     **error)
{
  UpgConnection *c = g->runs[0].connection;
  UpgTransactionPipeline *pipeline = UPG_TRANSACTION_PIPELINE (c);
  g_autofree const char **parts = g_new0 (const char *, g->n + 3);
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (gint64));
  gboolean unparsed;

  parts[0] = upg_connection_get_dialect (c) == UPG_DIALECT_MYSQL ? "START TRANSACTION" : "BEGIN";
  for (guint i = 0; i < g->n; i++)
    parts[i + 1] = upg_sql_statement_get_text (g->runs[i].statement);
  parts[g->n + 1] = markers;
  parts[g->n + 2] = "COMMIT";
  if (!upg_transaction_pipeline_send_parts (pipeline, parts, g->n + 3, error))
    return FALSE;
  /* On its way: whether it commits is unknown here. */
  upg_sql_runner_maybe_crash_in (g->file->ctx, UPG_CRASH_AFTER_EXECUTE_BEFORE_COMMIT, sent_before);
  if (!upg_transaction_pipeline_receive_parts (pipeline, g->n + 3, TRUE, rows, &unparsed,
                                               g->file->ctx->cancellable, error))
    return FALSE;
  for (guint i = 0; i < g->n; i++)
    g->rows[i] = g_array_index (rows, gint64, i + 1);
  return TRUE;
}

/* SQLite: nothing to gain from one request; one transaction. */
static gboolean
send_apart (Group       *g,
            const char  *markers,
            guint        sent_before,
            GError     **error)
{
  UpgConnection *c = g->runs[0].connection;

  if (!upg_connection_begin (c, error))
    return FALSE;
  for (guint i = 0; i < g->n; i++)
    if (!upg_connection_execute (c, upg_sql_statement_get_text (g->runs[i].statement), &g->rows[i],
                                 g->file->ctx->cancellable, error))
      return FALSE;
  upg_sql_runner_maybe_crash_in (g->file->ctx, UPG_CRASH_AFTER_EXECUTE_BEFORE_COMMIT, sent_before);
  return upg_connection_execute (c, markers, NULL, NULL, error) && upg_connection_commit (c, error);
}

/* One attempt: the group committed, or nothing of it did (rolled back). */
static gboolean
group_send (Group   *g,
            GError **error)
{
  UpgRunContext *ctx = g->file->ctx;
  UpgConnection *c = g->runs[0].connection;
  g_autofree const char **ids = g_new0 (const char *, g->n);
  g_autofree const char **shas = g_new0 (const char *, g->n);
  g_autofree char *markers = NULL;
  guint sent_before = ctx->statements_sent;
  gint64 start_us = g_get_monotonic_time ();
  gint64 started_at = upg_journal_get_now (ctx->journal);
  gboolean ok;

  for (guint i = 0; i < g->n; i++)
    {
      ids[i] = g->runs[i].marker;
      shas[i] = upg_statement_run_sha256 (&g->runs[i]);
      g->runs[i].started_at = started_at;
    }
  markers = upg_journal_markers_insert_sql (c, ids, shas, g->n, upg_execution_get_id (ctx->execution));
  if (markers == NULL)
    {
      /* Not a value the INSERT can hold: run one by one, bound. */
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_JOURNAL,
                           _("the markers of the statements cannot be written in one INSERT"));
      return FALSE;
    }
  ctx->statements_sent += g->n;
  upg_sql_runner_maybe_crash_in (ctx, UPG_CRASH_BEFORE_SEND, sent_before);
  upg_statement_run_sending (&g->runs[0]);
  if (UPG_IS_TRANSACTION_PIPELINE (c))
    ok = send_pipelined (g, markers, sent_before, error);
  else
    ok = send_apart (g, markers, sent_before, error);
  upg_statement_run_came_back (&g->runs[0]);
  g->duration_ms = (g_get_monotonic_time () - start_us) / 1000;
  if (ok)
    upg_sql_runner_maybe_crash_in (g->file->ctx, UPG_CRASH_AFTER_COMMIT_BEFORE_JOURNAL, sent_before);
  else if (!g_error_matches (*error, UPG_ERROR, UPG_ERROR_DATASOURCE))
    upg_connection_rollback (c, NULL);
  return ok;
}

/* Journals, logs and counts every statement of the committed group; @rows
 * known (FALSE: its answers were lost with the connection). */
static gboolean
group_finish (Group    *g,
              gboolean  rows_known,
              GError  **error)
{
  for (guint i = 0; i < g->n; i++)
    {
      StatementRun *run = &g->runs[i];
      gint64 rows = rows_known ? g->rows[i] : -1;
      /* The server answers the group at once: each statement is given
       * its share of the time. */
      gint64 duration_ms = g->duration_ms / g->n;

      if (!upg_statement_run_queue_record (run, UPG_STATEMENT_STATUS_SUCCESS, rows, NULL, NULL, error))
        return FALSE;
      upg_statement_run_log (run, UPG_STATEMENT_STATUS_SUCCESS, duration_ms, MAX (rows, 0));
      upg_statement_run_done (run);
    }
  return TRUE;
}

/* After a failed attempt: whether the group committed all the same (the
 * connection died after the COMMIT went through). */
static gboolean
group_committed (Group    *g,
                 GError   *failure,
                 gboolean *committed)
{
  g_autoptr(GError) error = NULL;
  StatementRun *head = &g->runs[0];

  *committed = FALSE;
  if (!g_error_matches (failure, UPG_ERROR, UPG_ERROR_DATASOURCE))
    return TRUE;
  if (!upg_statement_run_connect (head, TRUE, &error) ||
      !upg_journal_has_marker (head->connection, head->marker, committed, &error))
    {
      /* The statement-by-statement run meets the same and reports it. */
      g_debug ("cannot ask whether the group committed: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

/*
 * upg_file_run_group:
 * @file: the file being run
 * @first: the statement a group would start at
 * @last: (out): the group's last statement, when it ran
 * @grouped: (out): whether statements @first to *@last ran as a group
 * @error: return location for a #GError
 *
 * Runs the statements from @first that can share one transaction (see
 * above) as one group, when there are at least two of them.
 *
 * Returns: %FALSE on failure (then a breakpoint names the failed
 *   statement, as upg_file_run_statement() leaves it)
 */
gboolean
upg_file_run_group (FileRun   *file,
                    guint      first,
                    guint     *last,
                    gboolean  *grouped,
                    GError   **error)
{
  UpgRunContext *ctx = file->ctx;
  g_autoptr(GError) failure = NULL;
  gboolean ok, committed;
  Group g;
  g_autofree char *file_name = NULL, *group_error = NULL;
  guint line;

  *grouped = FALSE;
  if (!group_collect (&g, file, first, error))
    {
      group_clear (&g);
      return FALSE;
    }
  if (g.n < 2)
    {
      group_clear (&g);
      return TRUE;
    }
  *grouped = TRUE;
  *last = first + g.n - 1;
  if (group_send (&g, &failure) || (group_committed (&g, failure, &committed) && committed))
    {
      ok = group_finish (&g, failure == NULL, error);
      group_clear (&g);
      return ok;
    }
  /* The error itself is reported once, by the statement that fails
   * when they run one by one; only when none does is it said here. */
  file_name = g_strdup (upg_sql_statement_get_file (g.runs[0].statement));
  line = upg_sql_statement_get_line (g.runs[0].statement);
  group_error = g_strdup (failure->message);
  upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE,
                       _("%s:%u: the %u statements from here ran as one transaction, which failed; "
                         "it was rolled back, and they run again one by one"), file_name, line, g.n);
  group_clear (&g);
  for (guint k = first; k <= *last; k++)
    {
      if (g_cancellable_set_error_if_cancelled (ctx->cancellable, error) ||
          !upg_file_run_statement (file, k, NULL, error))
        return FALSE;
    }
  upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE,
                       _("%s:%u: one by one, the statements succeeded; as one transaction they had failed: %s"),
                       file_name, line, group_error);
  return TRUE;
}
