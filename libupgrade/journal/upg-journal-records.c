/* upg-journal-records.c - breakpoints and reports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>

#include <glib/gi18n-lib.h>

#include "upg-journal-private.h"

static const UpgJournalColumn breakpoint_columns[] = {
  { "step_id", "step_id", UPG_JOURNAL_COLUMN_TEXT },
  { "file", "file", UPG_JOURNAL_COLUMN_TEXT },
  { "line", "line", UPG_JOURNAL_COLUMN_INT },
  { "sequence", "sequence", UPG_JOURNAL_COLUMN_INT },
  { "statement", "statement", UPG_JOURNAL_COLUMN_TEXT },
  { "error_code", "error_code", UPG_JOURNAL_COLUMN_TEXT },
  { "error", "error", UPG_JOURNAL_COLUMN_TEXT },
  { "created_at", "created_at", UPG_JOURNAL_COLUMN_TIME },
  { "expires_at", "expires_at", UPG_JOURNAL_COLUMN_TIME },
};

/* A breakpoint in an execution's history: where it stopped and what the
 * operator did about it. */
static const UpgJournalColumn stop_columns[] = {
  { "step_id", "step_id", UPG_JOURNAL_COLUMN_TEXT },
  { "file", "file", UPG_JOURNAL_COLUMN_TEXT },
  { "line", "line", UPG_JOURNAL_COLUMN_INT },
  { "sequence", "sequence", UPG_JOURNAL_COLUMN_INT },
  { "statement", "statement", UPG_JOURNAL_COLUMN_TEXT },
  { "error_code", "error_code", UPG_JOURNAL_COLUMN_TEXT },
  { "error", "error", UPG_JOURNAL_COLUMN_TEXT },
  { "created_at", "stopped_at", UPG_JOURNAL_COLUMN_TIME },
  { "resume_action", "action", UPG_JOURNAL_COLUMN_TEXT },
  { "resumed_by", "resumed_by", UPG_JOURNAL_COLUMN_TEXT },
  { "resumed_at", "resumed_at", UPG_JOURNAL_COLUMN_TIME },
};

/*
 * upg_journal_save_breakpoint:
 * @self: a #UpgJournal
 * @execution_id: the execution that stopped
 * @step_id: the failed step
 * @file: (nullable): the script, relative to the bundle (SQL steps)
 * @line: the failed statement's first line (0 if none)
 * @sequence: the failed statement's sequence (0 if none)
 * @statement: (nullable): the failed statement's text
 * @error_code: (nullable): the server's error code or SQLSTATE
 * @error_message: (nullable): what went wrong
 * @error: return location for a #GError
 *
 * Saves where an execution stopped, durably before returning (call it
 * before reporting the failure). It replaces the execution's previous
 * breakpoint and is kept %UPG_JOURNAL_BREAKPOINT_LIFETIME_MS (7 days).
 *
 * Returns: %TRUE on success; %UPG_ERROR_NOT_FOUND for an unknown execution
 */
gboolean
upg_journal_save_breakpoint (UpgJournal  *self,
                             const char  *execution_id,
                             const char  *step_id,
                             const char  *file,
                             guint        line,
                             guint        sequence,
                             const char  *statement,
                             const char  *error_code,
                             const char  *error_message,
                             GError     **error)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *site = NULL;
  g_autofree char *line_text = g_strdup_printf ("%u", line);
  g_autofree char *sequence_text = g_strdup_printf ("%u", sequence);
  g_autofree char *created = NULL;
  g_autofree char *expires = NULL;
  gint64 now;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (step_id != NULL, FALSE);

  /* Test hook: the disk fills up just as the breakpoint is written (a
   * real full disk cannot be timed to this write without root). */
  if (g_strcmp0 (g_getenv ("UPGRADE_TEST_BREAKPOINT_ENOSPC"), "1") == 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_JOURNAL, "journal: %s", g_strerror (ENOSPC));
      return FALSE;
    }

  UPG_JOURNAL_LOCK (self);
  site = upg_journal_site_of (self, execution_id, error);
  if (site == NULL)
    return FALSE;
  now = upg_journal_get_now (self);
  created = upg_journal_int_text (now);
  expires = upg_journal_int_text (now + UPG_JOURNAL_BREAKPOINT_LIFETIME_MS);
  {
    const char *values[] = { id, execution_id, step_id, file, line_text, sequence_text, statement,
                             error_code, error_message, created, expires };
    const char *execution[] = { execution_id };
    const char *expiry[] = { created };
    /* One active breakpoint per execution: the newest. Breakpoints past
     * their 7 days are deleted here, the one moment the journal writes them. */
    const UpgJournalStatement statements[] = {
      { "UPDATE upgrade_breakpoint SET resolved = 1 WHERE execution_id = ? AND resolved = 0",
        execution, 1 },
      /* A breakpoint resumed from is the execution's history (its
       * report lists it), no longer a place to resume from: kept. */
      { "DELETE FROM upgrade_breakpoint WHERE expires_at <= ? AND resumed_at IS NULL", expiry, 1 },
      { "INSERT INTO upgrade_breakpoint (id, execution_id, step_id, file, line, sequence, statement,"
        " error_code, error, created_at, expires_at, resolved)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)", values, G_N_ELEMENTS (values) },
    };

    return upg_journal_sql_exec_all (self->connection, statements, G_N_ELEMENTS (statements), error);
  }
}

/**
 * upg_journal_get_breakpoint:
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @error: return location for a #GError
 *
 * Gets the execution's active breakpoint (`step_id`, `file`, `line`,
 * `sequence`, `statement`, `error_code`, `error`, `created_at`,
 * `expires_at`).
 *
 * Returns: (transfer full) (nullable): the execution's active breakpoint
 *   (`step_id`, `file`, `line`, `sequence`, `statement`, `error_code`,
 *   `error`, `created_at`, `expires_at`), or %NULL (error unset) if it has
 *   none, it was resolved or it expired
 */
JsonObject *
upg_journal_get_breakpoint (UpgJournal  *self,
                            const char  *execution_id,
                            GError     **error)
{
  g_autofree char *columns = upg_journal_columns_list (breakpoint_columns, G_N_ELEMENTS (breakpoint_columns));
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM upgrade_breakpoint WHERE execution_id = ?"
                                          " AND resolved = 0 AND expires_at > ?"
                                          " ORDER BY created_at DESC LIMIT 1", columns);
  g_autofree char *now = NULL;
  g_autoptr(UpgRows) rows = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (execution_id != NULL, NULL);

  UPG_JOURNAL_LOCK (self);
  now = upg_journal_int_text (upg_journal_get_now (self));
  {
    const char *values[] = { execution_id, now };

    rows = upg_journal_sql_query (self->connection, sql, values, 2, error);
  }
  if (rows == NULL || upg_rows_get_n_rows (rows) == 0)
    return NULL;
  return upg_journal_row_to_object (rows, 0, breakpoint_columns, G_N_ELEMENTS (breakpoint_columns));
}

/*
 * upg_journal_resolve_breakpoint:
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @error: return location for a #GError
 *
 * Marks the execution's breakpoint resolved (it resumed past it).
 *
 * Returns: %TRUE on success; %UPG_ERROR_NOT_FOUND for an unknown execution
 */
gboolean
upg_journal_resolve_breakpoint (UpgJournal  *self,
                                const char  *execution_id,
                                GError     **error)
{
  const char *values[] = { execution_id };
  g_autofree char *site = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);

  UPG_JOURNAL_LOCK (self);
  site = upg_journal_site_of (self, execution_id, error);
  return site != NULL
         && upg_journal_sql_exec (self->connection,
                                  "UPDATE upgrade_breakpoint SET resolved = 1"
                                  " WHERE execution_id = ? AND resolved = 0", values, 1, error);
}

/*
 * upg_journal_note_resume:
 * @self: a #UpgJournal
 * @execution_id: the execution being resumed
 * @action: what is done at its breakpoint: `retry`, `skip` or `continue`
 *   (run again as planned)
 * @error: return location for a #GError
 *
 * Records who resumed from the execution's active breakpoint, when and how,
 * so that its reports say what was retried or skipped and why (the
 * breakpoint's error). Nothing is recorded when it has no active
 * breakpoint (continuing after an interruption).
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_note_resume (UpgJournal  *self,
                         const char  *execution_id,
                         const char  *action,
                         GError     **error)
{
  g_autofree char *by = NULL;
  g_autofree char *now = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (execution_id != NULL && action != NULL, FALSE);

  UPG_JOURNAL_LOCK (self);
  by = g_strdup_printf ("%s@%s", g_get_user_name (), self->host);
  now = upg_journal_int_text (upg_journal_get_now (self));
  {
    const char *values[] = { action, by, now, execution_id, now };

    return upg_journal_sql_exec (self->connection,
                                 "UPDATE upgrade_breakpoint SET resume_action = ?, resumed_by = ?, resumed_at = ?"
                                 " WHERE execution_id = ? AND resolved = 0 AND expires_at > ?",
                                 values, G_N_ELEMENTS (values), error);
  }
}

/*
 * upg_journal_list_stops:
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @error: return location for a #GError
 *
 * Lists every breakpoint the execution stopped at, oldest first, with
 * what the operator did about it: `step_id`, `file`, `line`, `sequence`,
 * `statement`, `error_code`, `error`, `stopped_at`, and `action`,
 * `resumed_by`, `resumed_at` (null while not resumed from). Unresumed
 * breakpoints past their 7 days are gone.
 *
 * Returns: (transfer full): the stops, or %NULL with @error set
 */
JsonArray *
upg_journal_list_stops (UpgJournal  *self,
                        const char  *execution_id,
                        GError     **error)
{
  g_autofree char *columns = upg_journal_columns_list (stop_columns, G_N_ELEMENTS (stop_columns));
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM upgrade_breakpoint WHERE execution_id = ?"
                                          " ORDER BY created_at, id", columns);
  const char *values[] = { execution_id };
  g_autoptr(UpgRows) rows = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (execution_id != NULL, NULL);

  UPG_JOURNAL_LOCK (self);
  rows = upg_journal_sql_query (self->connection, sql, values, 1, error);
  if (rows == NULL)
    return NULL;
  return upg_journal_rows_to_array (rows, stop_columns, G_N_ELEMENTS (stop_columns));
}

/*
 * upg_journal_store_report:
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @format: the report's format (`text`, `json`, `markdown`, `html`)
 * @body: the report
 * @error: return location for a #GError
 *
 * Stores an execution's report in one format, replacing an earlier one.
 *
 * Returns: %TRUE on success; %UPG_ERROR_NOT_FOUND for an unknown execution
 */
gboolean
upg_journal_store_report (UpgJournal  *self,
                          const char  *execution_id,
                          const char  *format,
                          const char  *body,
                          GError     **error)
{
  g_autofree char *site = NULL;
  g_autofree char *now = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (format != NULL && body != NULL, FALSE);

  UPG_JOURNAL_LOCK (self);
  site = upg_journal_site_of (self, execution_id, error);
  if (site == NULL)
    return FALSE;
  now = upg_journal_int_text (upg_journal_get_now (self));
  {
    const char *key[] = { execution_id, format };
    const char *values[] = { execution_id, format, body, now };
    /* Delete-then-insert: the one replace that reads the same on every dialect. */
    const UpgJournalStatement statements[] = {
      { "DELETE FROM upgrade_report WHERE execution_id = ? AND format = ?", key, 2 },
      { "INSERT INTO upgrade_report (execution_id, format, body, created_at) VALUES (?, ?, ?, ?)",
        values, 4 },
    };

    return upg_journal_sql_exec_all (self->connection, statements, G_N_ELEMENTS (statements), error);
  }
}

/**
 * upg_journal_get_report:
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @format: the report's format
 * @error: return location for a #GError
 *
 * Gets the stored report.
 *
 * Returns: (transfer full): the stored report, or %NULL with
 *   %UPG_ERROR_NOT_FOUND
 */
char *
upg_journal_get_report (UpgJournal  *self,
                        const char  *execution_id,
                        const char  *format,
                        GError     **error)
{
  const char *values[] = { execution_id, format };
  g_autoptr(UpgRows) rows = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (execution_id != NULL && format != NULL, NULL);

  UPG_JOURNAL_LOCK (self);
  rows = upg_journal_sql_query (self->connection,
                                "SELECT body FROM upgrade_report WHERE execution_id = ? AND format = ?",
                                values, 2, error);
  if (rows == NULL)
    return NULL;
  if (upg_rows_get_n_rows (rows) == 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
                   _("no %s report for execution '%s' in the journal"), format, execution_id);
      return NULL;
    }
  return g_strdup (upg_rows_get_value (rows, 0, 0));
}
