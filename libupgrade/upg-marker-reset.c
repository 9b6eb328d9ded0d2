/* upg-marker-reset.c - deleting the markers of statements a rollback undid
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A marker (table `upgrade_statement_marker` in the target, column
 * `record_id`) is named after the execution, step, file and sequence that
 * sent a statement (upg_journal_marker_id(); journals from before
 * batching named it after the statement's record). The runner's recovery
 * counts a marker of the current or an unfinished execution as "applied",
 * so once a rollback undid a step in the journal (upg_journal_undo_step(),
 * the intent) its markers must go too, or a run continuing that execution
 * would skip the statements: see "Rollback" in upg-executor.c. Deleting
 * may be repeated and is safe to interrupt: the rollback is journaled
 * SUCCESS only after it.
 */
#include "config.h"

#include "upg-journal-private.h"

/* How many record ids one DELETE names: well under every dialect's limit
 * of bound parameters. */
#define MARKERS_PER_DELETE 100

static gboolean
delete_batch (UpgConnection       *target,
              const char * const  *record_ids,
              guint                n_ids,
              GError             **error)
{
  g_autoptr(GString) sql = g_string_new ("DELETE FROM upgrade_statement_marker WHERE record_id IN (");

  for (guint i = 0; i < n_ids; i++)
    g_string_append (sql, i > 0 ? ", ?" : "?");
  g_string_append_c (sql, ')');
  return upg_journal_sql_exec (target, sql->str, record_ids, n_ids, error);
}

/**
 * upg_journal_delete_markers:
 * @target: a connection to the statements' target database
 * @record_ids: (array zero-terminated=1): the ids of the markers to delete
 *   (the `record_id` column: a marker id, or for markers written before
 *   batching the id of a record from upg_journal_list_undone_statements())
 * @error: return location for a #GError
 *
 * Deletes the markers @record_ids from @target's
 * `upgrade_statement_marker`, if there are any; a missing marker (or a
 * missing marker table) is not an error, so this can be repeated.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_delete_markers (UpgConnection       *target,
                            const char * const  *record_ids,
                            GError             **error)
{
  guint n_ids;

  g_return_val_if_fail (UPG_IS_CONNECTION (target), FALSE);
  g_return_val_if_fail (record_ids != NULL, FALSE);

  n_ids = g_strv_length ((char **) record_ids);
  if (n_ids == 0)
    return TRUE;
  /* A target that never had a statement marked has no table to clean. */
  if (!upg_journal_ensure_marker_table (target, error))
    return FALSE;
  for (guint done = 0; done < n_ids; done += MARKERS_PER_DELETE)
    if (!delete_batch (target, record_ids + done, MIN (MARKERS_PER_DELETE, n_ids - done), error))
      return FALSE;
  return TRUE;
}
