/* upg-sql-runner-markers.c - how the SQL runner names and finds the
 * marker that proves a statement committed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A marker is named after the execution and the statement (step, file,
 * sequence), not after a journal record: the records of marked
 * statements are written in batches (upg-journal-batch.c), so after a
 * crash the marker may be all that is left, and it must still be found.
 */
#include "config.h"

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
 * file rather than per statement: the current execution's first, then
 * those of the site's other unfinished executions (@unfinished), whose
 * markers may stand for records lost with a crash.
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
  marker = upg_statement_run_marker (run, execution_id != NULL ? execution_id : upg_execution_get_id (run->ctx->execution));
  if (!upg_journal_has_marker (run->connection, marker, found, error))
    return FALSE;
  /* Journals written before markers were named after their statement
   * named them after the RUNNING record. */
  if (!*found && record != NULL)
    return upg_journal_has_marker (run->connection, record, found, error);
  return TRUE;
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

  if (marked)
    run->marker = upg_journal_marker_id (g_ptr_array_index (run->marker_prefixes, 0),
                                         upg_sql_statement_get_sequence (run->statement));
  run->batched = (marked && run->klass == UPG_STATEMENT_CLASS_ATOMIC) ||
                 run->klass == UPG_STATEMENT_CLASS_SESSION;
}

/* Whether the statement's marker of @prefix is in the target: the
 * markers of a script in an execution are read once per connection. */
static gboolean
marker_in_target (StatementRun *run,
                  const char   *prefix,
                  gboolean     *found,
                  GError      **error)
{
  g_autofree char *marker = upg_journal_marker_id (prefix, upg_sql_statement_get_sequence (run->statement));
  g_autofree char *key = g_strconcat ("upgrade-markers:", prefix, NULL);
  GHashTable *markers = g_object_get_data (G_OBJECT (run->connection), key);

  if (markers == NULL)
    {
      markers = upg_journal_list_markers (run->connection, prefix, error);
      if (markers == NULL)
        return FALSE;
      g_object_set_data_full (G_OBJECT (run->connection), key, markers, (GDestroyNotify) g_hash_table_unref);
    }
  *found = g_hash_table_contains (markers, marker);
  return TRUE;
}

/* Whether the statement's marker is in the target, from this execution or
 * from an unfinished one that may have lost its records. */
gboolean
upg_statement_run_marker_of_any_execution (StatementRun *run,
                                           gboolean     *found,
                                           GError      **error)
{
  *found = FALSE;
  for (guint i = 0; !*found && i < run->marker_prefixes->len; i++)
    if (!marker_in_target (run, g_ptr_array_index (run->marker_prefixes, i), found, error))
      return FALSE;
  return TRUE;
}

