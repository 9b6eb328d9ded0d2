/* upg-journal-undo.c - steps a later execution reverted stop counting as done
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A step that succeeded once is skipped forever after for its site
 * (upg_journal_find_step_success()), and so is each of its statements
 * (upg_journal_lookup_statement()). A successful rollback reverts the
 * upgrade steps of its stage, so their successes must stop counting, or a
 * new run would skip them and leave the site on the old schema while the
 * journal says it is upgraded. The same holds the other way round: once a
 * run executes its steps again, the earlier rollback's successes are stale.
 *
 * Undoing keeps the history: the step rows keep their status (SUCCESS,
 * or how a started step ended) and gain `undone_by` (the reverting
 * execution); the statement records become
 * UNDONE (their `success_key` is cleared, so the same statement can
 * succeed again) with the same `undone_by`. Only then are the steps'
 * markers deleted from the targets, for every execution that started the
 * step and was not cleaned by an earlier undo
 * (upg_journal_list_step_executions()): see
 * upg_journal_delete_markers() and upg-executor-undo.c.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-journal-private.h"

/* The execution's site and the kind of executions it undoes (a rollback
 * undoes runs, a run undoes rollbacks). */
static gboolean
read_undoer (UpgJournal  *self,
             const char  *execution_id,
             char       **site,
             const char **undone_kind,
             GError     **error)
{
  const char *values[] = { execution_id };
  g_autoptr(UpgRows) rows = upg_journal_sql_query (self->connection,
                                                   "SELECT site_id, kind FROM upgrade_execution WHERE id = ?",
                                                   values, 1, error);
  UpgExecutionKind kind = UPG_EXECUTION_KIND_RUN;

  if (rows == NULL)
    return FALSE;
  if (upg_rows_get_n_rows (rows) == 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("execution '%s' not found in the journal"),
                   execution_id);
      return FALSE;
    }
  if (!upg_execution_kind_from_string (upg_rows_get_value (rows, 0, 1), &kind))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_JOURNAL, _("execution '%s' has an unknown kind '%s'"),
                   execution_id, upg_rows_get_value (rows, 0, 1));
      return FALSE;
    }
  *site = g_strdup (upg_rows_get_value (rows, 0, 0));
  *undone_kind = upg_execution_kind_to_string (kind == UPG_EXECUTION_KIND_ROLLBACK
                                               ? UPG_EXECUTION_KIND_RUN : UPG_EXECUTION_KIND_ROLLBACK);
  return TRUE;
}

/*
 * upg_journal_undo_step:
 * @self: a #UpgJournal
 * @execution_id: the execution that reverted the step: a rollback that
 *   succeeded, or a run executing steps again after a rollback
 * @component: the reverted step's component
 * @version: the reverted step's manifest version (canonical text)
 * @step_id: the reverted step's id
 * @error: return location for a #GError
 *
 * Makes every success of the step at @execution_id's site, in executions
 * of the other kind (a rollback undoes runs, a run undoes rollbacks), stop
 * counting as done: upg_journal_find_step_success() ignores them from now
 * on, and their statement records become %UPG_STATEMENT_STATUS_UNDONE so
 * that each statement is sent again when the step runs again. Records
 * that already succeeded stay in the history, marked `undone_by`
 * @execution_id; so do the step rows of every execution that started the
 * step (see upg_journal_list_step_executions()). One transaction;
 * calling it again changes nothing more.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_undo_step (UpgJournal  *self,
                       const char  *execution_id,
                       const char  *component,
                       const char  *version,
                       const char  *step_id,
                       GError     **error)
{
  g_autofree char *site = NULL;
  const char *undone_kind = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (execution_id != NULL, FALSE);
  g_return_val_if_fail (component != NULL && version != NULL && step_id != NULL, FALSE);

  UPG_JOURNAL_LOCK (self);
  if (!read_undoer (self, execution_id, &site, &undone_kind, error))
    return FALSE;
  {
    const char *values[] = { execution_id, site, component, version, step_id, undone_kind,
                             component, version, step_id };
    /* Every started step row is marked, not only successes: that is
     * how a later undo knows this execution's markers of the step were
     * deleted once this one succeeds (upg_journal_list_step_executions()).
     * A mark left by an undoer that never succeeded is taken over.
     * Statement records are found through the executions that have the
     * step (both indexed), not by scanning them all. Every record still
     * counting as done, or left unsettled (RUNNING, IN_DOUBT) by an
     * execution the rollback made moot, is undone; FAILED ones never
     * counted. */
    const UpgJournalStatement statements[] = {
      { "UPDATE step_execution SET undone_by = ? WHERE site_id = ? AND component = ? AND version = ?"
        " AND step_id = ? AND status NOT IN ('PENDING', 'SKIPPED')"
        " AND (undone_by IS NULL OR undone_by NOT IN (SELECT id FROM upgrade_execution WHERE status = 'SUCCESS'))"
        " AND execution_id IN (SELECT id FROM upgrade_execution WHERE kind = ?)", values, 6 },
      { "UPDATE sql_execution_record SET status = 'UNDONE', success_key = NULL, undone_by = ?"
        " WHERE execution_id IN (SELECT s.execution_id FROM step_execution s"
        " JOIN upgrade_execution e ON e.id = s.execution_id WHERE s.site_id = ? AND s.component = ?"
        " AND s.version = ? AND s.step_id = ? AND e.kind = ?)"
        " AND component = ? AND version = ? AND step_id = ?"
        " AND status IN ('SUCCESS', 'SKIPPED', 'RUNNING', 'IN_DOUBT')", values, 9 },
    };

    return upg_journal_sql_exec_all (self->connection, statements, G_N_ELEMENTS (statements), error);
  }
}

/**
 * upg_journal_list_undone_statements:
 * @self: a #UpgJournal
 * @execution_id: the execution that undid steps (see upg_journal_undo_step())
 * @error: return location for a #GError
 *
 * Lists the statement records @execution_id undid, so that their markers
 * can be deleted from the targets.
 *
 * Returns: (transfer full): objects `{"id", "database", "execution_id", "site_id",
 *   "component", "version", "step_id", "file", "sequence"}` (the record,
 *   its target data source, `null` if it had none, and the statement's
 *   identity in the execution that ran it), or %NULL on error
 */
JsonArray *
upg_journal_list_undone_statements (UpgJournal  *self,
                                    const char  *execution_id,
                                    GError     **error)
{
  static const UpgJournalColumn columns[] = {
    { "id", "id", UPG_JOURNAL_COLUMN_TEXT },
    { "database_name", "database", UPG_JOURNAL_COLUMN_TEXT },
    { "execution_id", "execution_id", UPG_JOURNAL_COLUMN_TEXT },
    { "site_id", "site_id", UPG_JOURNAL_COLUMN_TEXT },
    { "component", "component", UPG_JOURNAL_COLUMN_TEXT },
    { "version", "version", UPG_JOURNAL_COLUMN_TEXT },
    { "step_id", "step_id", UPG_JOURNAL_COLUMN_TEXT },
    { "file", "file", UPG_JOURNAL_COLUMN_TEXT },
    { "sequence", "sequence", UPG_JOURNAL_COLUMN_INT },
  };
  g_autofree char *list = upg_journal_columns_list (columns, G_N_ELEMENTS (columns));
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM sql_execution_record WHERE undone_by = ?"
                                          " ORDER BY database_name, id", list);
  const char *values[] = { execution_id };
  g_autoptr(UpgRows) rows = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (execution_id != NULL, NULL);

  UPG_JOURNAL_LOCK (self);
  rows = upg_journal_sql_query (self->connection, sql, values, 1, error);
  if (rows == NULL)
    return NULL;
  return upg_journal_rows_to_array (rows, columns, G_N_ELEMENTS (columns));
}

/*
 * upg_journal_list_step_executions:
 *
 * The executions of @execution_id's site, of the kind it undoes (see
 * upg_journal_undo_step()), that started the step, whatever its outcome
 * (a crashed one may have committed statements, with their markers, whose
 * batched records were lost), and whose markers of the step no undo that
 * succeeded has deleted yet. Those markers are what must go for the step
 * to be sent again (upg-executor-undo.c).
 *
 * Returns: (transfer full) (element-type utf8): execution ids, or %NULL
 *   on error
 */
GPtrArray *
upg_journal_list_step_executions (UpgJournal  *self,
                                  const char  *execution_id,
                                  const char  *component,
                                  const char  *version,
                                  const char  *step_id,
                                  GError     **error)
{
  g_autofree char *site = NULL;
  const char *undone_kind = NULL;
  g_autoptr(UpgRows) rows = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);

  UPG_JOURNAL_LOCK (self);
  if (!read_undoer (self, execution_id, &site, &undone_kind, error))
    return NULL;
  {
    const char *values[] = { site, component, version, step_id, undone_kind };

    /* A step never started (PENDING, SKIPPED) sent nothing; one undone
     * by an execution that succeeded had its markers deleted by it (it
     * is journaled SUCCESS only after that), unless it ran again since
     * (running it clears `undone_by`). */
    rows = upg_journal_sql_query (self->connection,
                                  "SELECT s.execution_id FROM step_execution s"
                                  " JOIN upgrade_execution e ON e.id = s.execution_id"
                                  " LEFT JOIN upgrade_execution u ON u.id = s.undone_by"
                                  " WHERE s.site_id = ? AND s.component = ? AND s.version = ?"
                                  " AND s.step_id = ? AND e.kind = ?"
                                  " AND s.status NOT IN ('PENDING', 'SKIPPED')"
                                  " AND (u.id IS NULL OR u.status <> 'SUCCESS')"
                                  " ORDER BY s.execution_id",
                                  values, G_N_ELEMENTS (values), error);
  }
  return rows != NULL ? upg_journal_rows_first_column (rows) : NULL;
}
