/* upg-sql-runner-markers.c - how the SQL runner names and finds the
 * marker that proves a statement committed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A marker is named after the statement (site, component, version, step,
 * file, sequence: upg_journal_statement_key_prefix()), not after a
 * journal record or an execution: the records of marked statements are
 * written in batches (upg-journal-batch.c), so after a crash the marker
 * may be all that is left, and a run whose journal does not know the
 * statement at all (journal lost, another state directory, another host)
 * must still find it: the target is the truth (SPEC §5). Markers of
 * older versions were named after the execution too; those of this
 * execution and of the site's unfinished ones are still looked for.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-journal-batch-private.h"
#include "upg-sql-runner-private.h"

/* The id of the statement's marker when it ran in @execution_id. */
char *
upg_statement_run_marker (StatementRun *run,
                          const char   *execution_id)
{
  UpgSqlStatement *s = run->statement;
  g_autofree char *prefix = upg_journal_marker_prefix (execution_id, run->component, run->version,
                                                       upg_step_get_id (run->step),
                                                       upg_sql_statement_get_file (s));

  return upg_journal_marker_id (prefix, upg_sql_statement_get_sequence (s));
}

/*
 * upg_statement_run_file_prefixes:
 *
 * The marker prefixes of the file of @run's statement, computed once per
 * file rather than per statement: the statement identity's first (what
 * new markers are named after), then the execution-named ones of older
 * versions, of the current execution and of the site's other unfinished
 * executions (@unfinished), whose markers may stand for records lost
 * with a crash.
 *
 * Returns: (transfer full) (element-type utf8): the prefixes
 */
GPtrArray *
upg_statement_run_file_prefixes (UpgRunContext *ctx,
                                 UpgStep       *step,
                                 const char    *version,
                                 const char    *file,
                                 GPtrArray     *unfinished)
{
  const char *current = upg_execution_get_id (ctx->execution);
  GPtrArray *prefixes = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (prefixes, upg_journal_statement_key_prefix (ctx->site_id, upg_step_get_component (step),
                                                               version, upg_step_get_id (step), file));
  g_ptr_array_add (prefixes, upg_journal_marker_prefix (current, upg_step_get_component (step), version,
                                                        upg_step_get_id (step), file));
  for (guint i = 0; unfinished != NULL && i < unfinished->len; i++)
    if (!g_str_equal (g_ptr_array_index (unfinished, i), current))
      g_ptr_array_add (prefixes, upg_journal_marker_prefix (g_ptr_array_index (unfinished, i),
                                                            upg_step_get_component (step), version,
                                                            upg_step_get_id (step), file));
  return prefixes;
}

/* What is known about a statement whose outcome was lost (crash or lost
 * connection): whether its marker, from @execution_id (NULL: the current
 * one), is in the target. Without a marker an ATOMIC statement never
 * committed; anything else is in doubt. */
gboolean
upg_statement_run_marker_found (StatementRun *run,
                                const char   *execution_id,
                                const char   *record,
                                gboolean     *found,
                                GError      **error)
{
  g_autofree char *marker = NULL;

  *found = FALSE;
  if (run->marker == NULL)
    return TRUE;
  if (!upg_journal_has_marker (run->connection, run->marker, found, error))
    return FALSE;
  if (*found)
    return TRUE;
  /* Written by a version that named markers after the execution. */
  marker = upg_statement_run_marker (run, execution_id != NULL ? execution_id : upg_execution_get_id (run->ctx->execution));
  if (!upg_journal_has_marker (run->connection, marker, found, error))
    return FALSE;
  /* Journals written before markers were named after their statement
   * named them after the RUNNING record. */
  if (!*found && record != NULL)
    return upg_journal_has_marker (run->connection, record, found, error);
  return TRUE;
}

/* The SHA-256 of the statement's text, computed once per run of it. */
const char *
upg_statement_run_sha256 (StatementRun *run)
{
  if (run->sha256[0] == '\0')
    upg_sql_statement_sha256_into (run->statement, run->sha256);
  return run->sha256;
}

/* Names the statement's marker, and decides whether its records can be
 * batched: statements that commit together with their marker (the marker
 * is the proof after a crash) and session statements (run again after a
 * crash anyway). Everything else keeps its durable RUNNING record, which
 * is what makes "in doubt" detectable. */
void
upg_statement_run_plan_journaling (StatementRun *run,
                                   gboolean      has_marker_table)
{
  gboolean marked = (run->klass == UPG_STATEMENT_CLASS_ATOMIC || run->klass == UPG_STATEMENT_CLASS_AUTOCOMMIT) &&
                    has_marker_table;

  /* Its row names the execution and the text it stands for: the writers
   * are given them (upg_statement_run_sha256()). */
  if (marked)
    run->marker = upg_journal_marker_id (g_ptr_array_index (run->marker_prefixes, 0),
                                         upg_sql_statement_get_sequence (run->statement));
  run->batched = (marked && run->klass == UPG_STATEMENT_CLASS_ATOMIC) ||
                 run->klass == UPG_STATEMENT_CLASS_SESSION;
}

/* The markers of the statement's script in its target, read once per
 * connection with one indexed lookup (upg_journal_list_markers()). */
static GHashTable *
file_markers (StatementRun  *run,
              GError       **error)
{
  UpgRunTarget *target = upg_run_context_target (run->ctx, run->connection);
  const char *prefix = g_ptr_array_index (run->marker_prefixes, 0);
  GHashTable *markers;

  if (target->markers == NULL)
    target->markers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_hash_table_unref);
  markers = g_hash_table_lookup (target->markers, prefix);
  if (markers != NULL)
    return markers;
  markers = upg_journal_list_markers (run->connection, run->marker_prefixes, error);
  if (markers != NULL)
    g_hash_table_insert (target->markers, g_strdup (prefix), markers);
  return markers;
}

/* Whether the statement's marker is in the target, from any execution
 * (named after the statement) or from this or an unfinished one of older
 * versions; run->marker_row is then what the marker's row says. */
gboolean
upg_statement_run_marker_of_any_execution (StatementRun *run,
                                           gboolean     *found,
                                           GError      **error)
{
  GHashTable *markers;

  *found = FALSE;
  run->marker_row = NULL;
  markers = file_markers (run, error);
  if (markers == NULL)
    return FALSE;
  for (guint i = 0; !*found && i < run->marker_prefixes->len; i++)
    {
      g_autofree char *marker = upg_journal_marker_id (g_ptr_array_index (run->marker_prefixes, i),
                                                       upg_sql_statement_get_sequence (run->statement));

      run->marker_row = g_hash_table_lookup (markers, marker);
      *found = run->marker_row != NULL;
    }
  return TRUE;
}

/*
 * upg_statement_run_record_applied_by_marker:
 *
 * Journals a statement the journal did not have as done but whose marker
 * upg_statement_run_marker_of_any_execution() found: the target says it
 * committed. A marker of this execution (or of an older version) stands
 * for a record lost with a crash; one of another execution is what a
 * lost journal, another state directory or another host left: counted
 * as applied, SKIPPED, naming that execution.
 */
gboolean
upg_statement_run_record_applied_by_marker (StatementRun  *run,
                                            GError       **error)
{
  const UpgJournalMarkerRow *row = run->marker_row;
  const char *file = upg_sql_statement_get_file (run->statement);
  guint line = upg_sql_statement_get_line (run->statement);
  g_autofree char *reason = NULL;

  if (!upg_statement_run_settle (run, error))
    return FALSE;
  run->started_at = upg_journal_get_now (run->ctx->journal);
  if (row == NULL || row->execution_id == NULL ||
      g_str_equal (row->execution_id, upg_execution_get_id (run->ctx->execution)))
    {
      upg_run_context_log (run->ctx, G_LOG_LEVEL_MESSAGE, _("%s:%u: applied before the interruption (marker found)"),
                           file, line);
      return upg_statement_run_queue_record (run, UPG_STATEMENT_STATUS_SUCCESS, -1, NULL,
                                             "applied before an interruption (marker found in the target)", error);
    }
  /* Drift seen by the marker alone (the journal that knew the text is
   * gone): refused like the journal's (upg-journal-drift.c). */
  if (row->sha256 != NULL && !g_str_equal (row->sha256, upg_statement_run_sha256 (run)))
    {
      if (!run->ctx->accept_changed)
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                       _("%s:%u: applied in execution %s with sha256 %s (per its marker in '%s'), the file now has"
                         " sha256 %s: run --accept-changed to accept the new text"),
                       file, line, row->execution_id, row->sha256, run->database,
                       upg_statement_run_sha256 (run));
          return FALSE;
        }
      reason = g_strdup_printf ("applied in execution %s (marker found in the target) with sha256 %s; the changed"
                                " text was accepted by %s@%s (--accept-changed)", row->execution_id, row->sha256,
                                g_get_user_name (), g_get_host_name ());
    }
  upg_run_context_log (run->ctx, G_LOG_LEVEL_MESSAGE,
                       _("%s:%u: applied in execution %s per its marker in '%s'; not sent again"),
                       file, line, row->execution_id, run->database);
  if (reason == NULL)
    reason = g_strdup_printf ("applied in execution %s (marker found in the target)", row->execution_id);
  return upg_statement_run_queue_record (run, UPG_STATEMENT_STATUS_SKIPPED, -1, NULL, reason, error);
}
