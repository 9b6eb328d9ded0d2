/* upg-journal-executions.c - execution records
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "upg-journal-batch-private.h"
#include "upg-journal-notify-private.h"
#include "upg-journal-private.h"

static const UpgJournalColumn execution_columns[] = {
  { "id", "execution_id", UPG_JOURNAL_COLUMN_TEXT },
  { "site_id", "site", UPG_JOURNAL_COLUMN_TEXT },
  { "component", "component", UPG_JOURNAL_COLUMN_TEXT },
  { "from_version", "from", UPG_JOURNAL_COLUMN_TEXT },
  { "to_version", "to", UPG_JOURNAL_COLUMN_TEXT },
  { "stage", "stage", UPG_JOURNAL_COLUMN_TEXT },
  { "kind", "kind", UPG_JOURNAL_COLUMN_TEXT },
  { "status", "status", UPG_JOURNAL_COLUMN_TEXT },
  { "owner", "owner", UPG_JOURNAL_COLUMN_TEXT },
  { "started_at", "started_at", UPG_JOURNAL_COLUMN_TIME },
  { "finished_at", "finished_at", UPG_JOURNAL_COLUMN_TIME },
  { "resume_count", "resume_count", UPG_JOURNAL_COLUMN_INT },
  { "env", "env", UPG_JOURNAL_COLUMN_JSON },
  { "error", "error", UPG_JOURNAL_COLUMN_TEXT },
  { "rate_step_id", "rate_step_id", UPG_JOURNAL_COLUMN_TEXT },
  { "rate_units", "rate_units", UPG_JOURNAL_COLUMN_TEXT },
  { "rate_measured_milli", "rate_measured_milli", UPG_JOURNAL_COLUMN_INT },
  { "rate_configured_milli", "rate_configured_milli", UPG_JOURNAL_COLUMN_INT },
  { "rate_deviation_percent", "rate_deviation_percent", UPG_JOURNAL_COLUMN_INT },
  { "rate_eta_seconds", "rate_eta_seconds", UPG_JOURNAL_COLUMN_INT },
  { "rate_revised_at", "rate_revised_at", UPG_JOURNAL_COLUMN_TIME },
  { "rate_updated_at", "rate_updated_at", UPG_JOURNAL_COLUMN_TIME },
  { "current_step_id", "current_step_id", UPG_JOURNAL_COLUMN_TEXT },
  { "current_file", "current_file", UPG_JOURNAL_COLUMN_TEXT },
  { "current_line", "current_line", UPG_JOURNAL_COLUMN_INT },
  { "current_sequence", "current_sequence", UPG_JOURNAL_COLUMN_INT },
  { "current_started_at", "current_started_at", UPG_JOURNAL_COLUMN_TIME },
  { "current_done", "current_done", UPG_JOURNAL_COLUMN_INT },
  { "current_total", "current_total", UPG_JOURNAL_COLUMN_INT },
  { "current_eta_seconds", "current_eta_seconds", UPG_JOURNAL_COLUMN_INT },
  { "current_task", "current_task", UPG_JOURNAL_COLUMN_TEXT },
};

/* Forgets the live calibration: it described a step that no longer runs. */
#define RATE_CLEAR " rate_step_id = NULL, rate_units = NULL, rate_measured_milli = NULL," \
                   " rate_configured_milli = NULL, rate_deviation_percent = NULL," \
                   " rate_eta_seconds = NULL, rate_revised_at = NULL, rate_updated_at = NULL"

/* Forgets the statement that was running: whatever stops or restarts the
 * execution ended it. */
#define CURRENT_CLEAR " current_step_id = NULL, current_file = NULL, current_line = NULL," \
                      " current_sequence = NULL, current_started_at = NULL, current_done = NULL," \
                      " current_total = NULL, current_eta_seconds = NULL, current_task = NULL"

static const UpgJournalColumn step_columns[] = {
  { "step_id", "id", UPG_JOURNAL_COLUMN_TEXT },
  { "component", "component", UPG_JOURNAL_COLUMN_TEXT },
  { "version", "version", UPG_JOURNAL_COLUMN_TEXT },
  { "stage", "stage", UPG_JOURNAL_COLUMN_TEXT },
  { "status", "status", UPG_JOURNAL_COLUMN_TEXT },
  { "started_at", "started_at", UPG_JOURNAL_COLUMN_TIME },
  { "finished_at", "finished_at", UPG_JOURNAL_COLUMN_TIME },
  { "duration_ms", "duration_ms", UPG_JOURNAL_COLUMN_INT },
  { "attempt", "attempt", UPG_JOURNAL_COLUMN_INT },
  { "error", "error", UPG_JOURNAL_COLUMN_TEXT },
  { "skipped_because", "skipped_because", UPG_JOURNAL_COLUMN_TEXT },
  { "undone_by", "undone_by", UPG_JOURNAL_COLUMN_TEXT },
};

static gboolean
require (const char  *value,
         const char  *what,
         GError     **error)
{
  if (value != NULL && *value != '\0')
    return TRUE;
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT, _("journal: %s is required"), _(what));
  return FALSE;
}

/*
 * upg_journal_create_execution:
 * @self: a #UpgJournal
 * @site_id: the site
 * @component: (nullable): the component the execution is limited to, or
 *   %NULL for all
 * @from_version: the version the site is at (canonical text)
 * @to_version: the target version (canonical text)
 * @stage: the stage run
 * @kind: run or rollback
 * @env: (nullable): the environment passed by the caller (`--env`)
 * @error: return location for a #GError
 *
 * Records a new execution, RUNNING and owned by this process (`host:pid`).
 *
 * Returns: (transfer full): the execution's UUID, or %NULL
 */
char *
upg_journal_create_execution (UpgJournal        *self,
                              const char        *site_id,
                              const char        *component,
                              const char        *from_version,
                              const char        *to_version,
                              UpgStage           stage,
                              UpgExecutionKind   kind,
                              JsonObject        *env,
                              GError           **error)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *owner = NULL;
  g_autofree char *now = NULL;
  g_autofree char *env_text = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  g_return_val_if_fail ((guint) stage < UPG_N_STAGES, NULL);
  g_return_val_if_fail (kind == UPG_EXECUTION_KIND_RUN || kind == UPG_EXECUTION_KIND_ROLLBACK, NULL);

  if (!require (site_id, N_("a site id"), error)
      || !require (from_version, N_("the from version"), error)
      || !require (to_version, N_("the to version"), error))
    return NULL;
  if (env != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), env);

      env_text = json_to_string (node, FALSE);
    }

  UPG_JOURNAL_LOCK (self);
  owner = upg_journal_get_owner (self);
  now = upg_journal_int_text (upg_journal_get_now (self));
  {
    const char *values[] = { id, site_id, component, from_version, to_version,
                             upg_stage_to_string (stage), upg_execution_kind_to_string (kind),
                             upg_execution_status_to_string (UPG_EXECUTION_STATUS_RUNNING),
                             owner, now, env_text };

    if (!upg_journal_sql_exec (self->connection,
                               "INSERT INTO upgrade_execution (id, site_id, component, from_version,"
                               " to_version, stage, kind, status, owner, started_at, resume_count, env)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                               values, G_N_ELEMENTS (values), error))
      return NULL;
  }
  return g_steal_pointer (&id);
}

/*
 * upg_journal_set_execution_status:
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @status: its new status
 * @error_message: (nullable): why it failed, stopped or is in doubt
 * @error: return location for a #GError
 *
 * Sets an execution's status. Any status but RUNNING also sets its end
 * time; RUNNING clears it and makes this process the owner.
 *
 * Returns: %TRUE on success; %UPG_ERROR_NOT_FOUND for an unknown execution
 */
gboolean
upg_journal_set_execution_status (UpgJournal          *self,
                                  const char          *execution_id,
                                  UpgExecutionStatus   status,
                                  const char          *error_message,
                                  GError             **error)
{
  g_autofree char *site = NULL;
  g_autofree char *owner = NULL;
  g_autofree char *finished = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (upg_execution_status_to_string (status) != NULL, FALSE);

  UPG_JOURNAL_LOCK (self);
  site = upg_journal_site_of (self, execution_id, error);
  if (site == NULL)
    return FALSE;
  owner = upg_journal_get_owner (self);
  if (status != UPG_EXECUTION_STATUS_RUNNING)
    finished = upg_journal_int_text (upg_journal_get_now (self));
  {
    const char *values[] = { upg_execution_status_to_string (status), error_message, finished,
                             owner, execution_id };

    /* Nothing remains of a stage that succeeded; a stopped one keeps the
     * last estimate of the step it stopped in, for `status`. */
    return upg_journal_sql_exec (self->connection,
                                 status == UPG_EXECUTION_STATUS_SUCCESS
                                 ? "UPDATE upgrade_execution SET status = ?, error = ?, finished_at = ?,"
                                   " owner = ?," RATE_CLEAR "," CURRENT_CLEAR " WHERE id = ?"
                                 : "UPDATE upgrade_execution SET status = ?, error = ?, finished_at = ?,"
                                   " owner = ?," CURRENT_CLEAR " WHERE id = ?",
                                 values, G_N_ELEMENTS (values), error);
  }
}

/*
 * upg_journal_resume_execution:
 * @self: a #UpgJournal
 * @execution_id: the execution to resume
 * @error: return location for a #GError
 *
 * Counts one more resume of an execution and makes it RUNNING again, owned
 * by this process. At most %UPG_JOURNAL_MAX_RESUMES resumes are allowed;
 * a successful execution cannot be resumed.
 *
 * Returns: the new resume count (≥ 1), or 0 with %UPG_ERROR_RESUME_LIMIT,
 *   %UPG_ERROR_NOT_FOUND, %UPG_ERROR_INVALID_ARGUMENT or, if another
 *   process resumed it at the same moment, %UPG_ERROR_LOCKED
 */
guint
upg_journal_resume_execution (UpgJournal  *self,
                              const char  *execution_id,
                              GError     **error)
{
  guint count = 0;

  return upg_journal_reopen_execution (self, execution_id, TRUE, &count, error) ? count : 0;
}

/*
 * upg_journal_reopen_execution:
 * @self: a #UpgJournal
 * @execution_id: the execution to continue
 * @operator_resume: whether this counts as a resume
 * @resume_count: (out): the resume count after this call
 * @error: return location for a #GError
 *
 * Makes an unfinished execution RUNNING again, owned by this process.
 * Only an operator's resume (@operator_resume: `resume`, or running again
 * after a failure) counts towards %UPG_JOURNAL_MAX_RESUMES; continuing
 * after an interruption (crash, kill, Ctrl-C) does not (SPEC §5).
 *
 * Returns: %TRUE on success; errors as upg_journal_resume_execution()
 */
gboolean
upg_journal_reopen_execution (UpgJournal  *self,
                              const char  *execution_id,
                              gboolean     operator_resume,
                              guint       *resume_count,
                              GError     **error)
{
  g_autoptr(UpgRows) rows = NULL;
  g_autofree char *count_text = NULL;
  g_autofree char *owner = NULL;
  const char *key[] = { execution_id };
  gint64 count, new_count;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);

  UPG_JOURNAL_LOCK (self);
  g_autofree char *site = upg_journal_site_of (self, execution_id, error);
  if (site == NULL)
    return FALSE;
  rows = upg_journal_sql_query (self->connection,
                                "SELECT resume_count, status FROM upgrade_execution WHERE id = ?",
                                key, 1, error);
  if (rows == NULL)
    return FALSE;
  count = upg_rows_get_int (rows, 0, 0, 0);
  if (g_strcmp0 (upg_rows_get_value (rows, 0, 1), "SUCCESS") == 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("execution '%s' already succeeded; there is nothing to resume"), execution_id);
      return FALSE;
    }
  if (operator_resume && count >= UPG_JOURNAL_MAX_RESUMES)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_RESUME_LIMIT,
                   _("execution '%s' was already resumed %d times (at most %d): start a new execution "
                     "with 'upgradectl run --new-execution' (what succeeded is not run again)"),
                   execution_id, (int) count, UPG_JOURNAL_MAX_RESUMES);
      return FALSE;
    }
  new_count = operator_resume ? count + 1 : count;
  count_text = upg_journal_int_text (new_count);
  owner = upg_journal_get_owner (self);
  {
    /* Conditional on the count read: two resumes at once cannot both pass. */
    g_autofree char *old_text = upg_journal_int_text (count);
    const char *values[] = { count_text, owner, execution_id, old_text };

    if (!upg_journal_sql_exec (self->connection,
                               "UPDATE upgrade_execution SET resume_count = ?, status = 'RUNNING',"
                               " owner = ?, finished_at = NULL, error = NULL," RATE_CLEAR "," CURRENT_CLEAR
                               " WHERE id = ? AND resume_count = ?",
                               values, G_N_ELEMENTS (values), error))
      return FALSE;
  }
  g_clear_object (&rows);
  rows = upg_journal_sql_query (self->connection,
                                "SELECT resume_count, owner FROM upgrade_execution WHERE id = ?",
                                key, 1, error);
  if (rows == NULL)
    return FALSE;
  if (upg_rows_get_int (rows, 0, 0, 0) != new_count || g_strcmp0 (upg_rows_get_value (rows, 0, 1), owner) != 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_LOCKED,
                   _("execution '%s' was resumed at the same time by %s"), execution_id,
                   upg_rows_get_value (rows, 0, 1));
      return FALSE;
    }
  *resume_count = (guint) new_count;
  return TRUE;
}

/* A rate in thousandths of a unit per second, as the journal keeps it. */
static char *
milli_text (double rate)
{
  return upg_journal_int_text ((gint64) (rate * 1000.0 + (rate >= 0.0 ? 0.5 : -0.5)));
}

/**
 * upg_journal_set_rate_estimate: (skip)
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @estimate: (nullable): the running step's calibration, or %NULL to
 *   forget it
 * @error: return location for a #GError
 *
 * Records the live calibration of @execution_id's running step (SPEC §3)
 * where `status` of another process reads it (upg_journal_get_execution()
 * members `rate_*`). Written with the pending statement records in one
 * journal transaction, so it costs no commit of its own while a batch
 * waits; callers throttle it (the executor: on a revision, then at most
 * once a second, and when the step ends).
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_set_rate_estimate (UpgJournal                    *self,
                               const char                    *execution_id,
                               const UpgJournalRateEstimate  *estimate,
                               GError                       **error)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  if (!require (execution_id, N_("an execution id"), error))
    return FALSE;

  UPG_JOURNAL_LOCK (self);
  if (estimate == NULL)
    {
      const char *values[] = { execution_id };
      UpgJournalStatement clear = { "UPDATE upgrade_execution SET" RATE_CLEAR " WHERE id = ?", values, 1 };

      return upg_journal_flush_statements_with (self, &clear, error);
    }
  {
    g_autofree char *measured = milli_text (estimate->measured_rate);
    g_autofree char *configured = milli_text (estimate->configured_rate);
    g_autofree char *deviation = upg_journal_int_text (estimate->deviation_percent);
    g_autofree char *eta = estimate->eta_seconds >= 0 ? upg_journal_int_text (estimate->eta_seconds) : NULL;
    g_autofree char *revised = upg_journal_int_text (estimate->revised_at);
    g_autofree char *updated = upg_journal_int_text (estimate->updated_at);
    const char *values[] = { estimate->step_id, estimate->units, measured, configured, deviation, eta,
                             revised, updated, execution_id };
    UpgJournalStatement update = {
      "UPDATE upgrade_execution SET rate_step_id = ?, rate_units = ?, rate_measured_milli = ?,"
      " rate_configured_milli = ?, rate_deviation_percent = ?, rate_eta_seconds = ?,"
      " rate_revised_at = ?, rate_updated_at = ? WHERE id = ?",
      values, G_N_ELEMENTS (values)
    };

    return upg_journal_flush_statements_with (self, &update, error);
  }
}

/**
 * upg_journal_set_current_statement: (skip)
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @current: (nullable): the statement it has been executing for a while,
 *   or %NULL once it ended
 * @error: return location for a #GError
 *
 * Records where a running execution is while one statement takes long
 * (blocked by a lock, a big ALTER), where `status` of another process
 * reads it (upg_journal_get_execution() members `current_*`): statements
 * that commit with their marker leave no RUNNING record while they run.
 * The caller writes it once per statement that runs longer than a
 * second, never once per statement; a new status of the execution clears
 * it too.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_set_current_statement (UpgJournal                       *self,
                                   const char                       *execution_id,
                                   const UpgJournalCurrentStatement *current,
                                   GError                          **error)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  if (!require (execution_id, N_("an execution id"), error))
    return FALSE;

  UPG_JOURNAL_LOCK (self);
  if (current == NULL)
    {
      const char *values[] = { execution_id };

      return upg_journal_sql_exec (self->connection, "UPDATE upgrade_execution SET" CURRENT_CLEAR " WHERE id = ?",
                                   values, 1, error);
    }
  {
    g_autofree char *line = upg_journal_int_text (current->line);
    g_autofree char *sequence = upg_journal_int_text (current->sequence);
    g_autofree char *started = upg_journal_int_text (current->started_at);
    g_autofree char *done = upg_journal_int_text (current->statements_done);
    g_autofree char *total = upg_journal_int_text (current->statements_total);
    g_autofree char *eta = current->eta_seconds >= 0 ? upg_journal_int_text (current->eta_seconds) : NULL;
    const char *values[] = { current->step_id, current->file, line, sequence, started, done, total, eta,
                             current->task, execution_id };

    return upg_journal_sql_exec (self->connection,
                                 "UPDATE upgrade_execution SET current_step_id = ?, current_file = ?,"
                                 " current_line = ?, current_sequence = ?, current_started_at = ?,"
                                 " current_done = ?, current_total = ?, current_eta_seconds = ?,"
                                 " current_task = ?"
                                 " WHERE id = ? AND status = 'RUNNING'",
                                 values, G_N_ELEMENTS (values), error);
  }
}

static JsonArray *
list_steps (UpgJournal  *self,
            const char  *execution_id,
            GError     **error)
{
  g_autofree char *columns = upg_journal_columns_list (step_columns, G_N_ELEMENTS (step_columns));
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM step_execution WHERE execution_id = ?"
                                          " ORDER BY position", columns);
  const char *values[] = { execution_id };
  g_autoptr(UpgRows) rows = upg_journal_sql_query (self->connection, sql, values, 1, error);

  if (rows == NULL)
    return NULL;
  return upg_journal_rows_to_array (rows, step_columns, G_N_ELEMENTS (step_columns));
}

/* Adds "steps" and "breakpoint" to an execution record. */
static JsonObject *
complete_execution (UpgJournal  *self,
                    JsonObject  *execution,
                    GError     **error)
{
  g_autoptr(JsonObject) record = execution;
  const char *id = json_object_get_string_member (record, "execution_id");
  g_autoptr(JsonObject) breakpoint = NULL;
  GError *local_error = NULL;
  JsonArray *steps = list_steps (self, id, error);
  JsonArray *notifications;

  if (steps == NULL)
    return NULL;
  json_object_set_array_member (record, "steps", steps);
  breakpoint = upg_journal_get_breakpoint (self, id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (breakpoint != NULL)
    json_object_set_object_member (record, "breakpoint", g_steal_pointer (&breakpoint));
  else
    json_object_set_null_member (record, "breakpoint");
  /* What `notify` told people about it: `status` shows it with the rest. */
  notifications = upg_journal_list_notifications (self, id, NULL, error);
  if (notifications == NULL)
    return NULL;
  json_object_set_array_member (record, "notifications", notifications);
  return g_steal_pointer (&record);
}

static JsonArray *
select_executions (UpgJournal          *self,
                   const char          *where,
                   const char * const  *values,
                   guint                n_values,
                   guint                limit,
                   GError             **error)
{
  g_autofree char *columns = upg_journal_columns_list (execution_columns,
                                                       G_N_ELEMENTS (execution_columns));
  g_autofree char *limit_text = limit > 0 ? g_strdup_printf (" LIMIT %u", limit) : g_strdup ("");
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM upgrade_execution%s%s"
                                          " ORDER BY started_at DESC, id DESC%s",
                                          columns, where != NULL ? " WHERE " : "",
                                          where != NULL ? where : "", limit_text);
  g_autoptr(UpgRows) rows = upg_journal_sql_query (self->connection, sql, values, n_values, error);

  if (rows == NULL)
    return NULL;
  return upg_journal_rows_to_array (rows, execution_columns, G_N_ELEMENTS (execution_columns));
}

/* The first execution of @array with its steps and breakpoint, %NULL
 * without error when there is none. */
static JsonObject *
first_complete (UpgJournal  *self,
                JsonArray   *array,
                GError     **error)
{
  g_autoptr(JsonArray) owned = array;

  if (owned == NULL || json_array_get_length (owned) == 0)
    return NULL;
  return complete_execution (self, json_object_ref (json_array_get_object_element (owned, 0)), error);
}

/**
 * upg_journal_get_execution:
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @error: return location for a #GError
 *
 * Gets the execution with its `steps` and its active `breakpoint`.
 *
 * Returns: (transfer full): the execution with its `steps` (in the order
 *   they were recorded) and its active `breakpoint` (or null), or %NULL
 *   with %UPG_ERROR_NOT_FOUND
 */
JsonObject *
upg_journal_get_execution (UpgJournal  *self,
                           const char  *execution_id,
                           GError     **error)
{
  const char *values[] = { execution_id };
  GError *local_error = NULL;
  JsonObject *record;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  if (!require (execution_id, N_("an execution id"), error))
    return NULL;

  UPG_JOURNAL_LOCK (self);
  record = first_complete (self, select_executions (self, "id = ?", values, 1, 1, &local_error),
                           &local_error);
  if (record == NULL && local_error == NULL)
    g_set_error (&local_error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
                 _("execution '%s' not found in the journal"), execution_id);
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return record;
}

/**
 * upg_journal_list_executions:
 * @self: a #UpgJournal
 * @site_id: (nullable): only this site's executions, or %NULL for all
 * @limit: at most this many, or 0 for all
 * @error: return location for a #GError
 *
 * Lists the executions the journal recorded.
 *
 * Returns: (transfer full): executions newest first, without steps, or
 *   %NULL on error
 */
JsonArray *
upg_journal_list_executions (UpgJournal  *self,
                             const char  *site_id,
                             guint        limit,
                             GError     **error)
{
  const char *values[] = { site_id };

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  UPG_JOURNAL_LOCK (self);
  return select_executions (self, site_id != NULL ? "site_id = ?" : NULL,
                            values, site_id != NULL ? 1 : 0, limit, error);
}

/**
 * upg_journal_get_latest_execution:
 * @self: a #UpgJournal
 * @site_id: (nullable): only this site's executions, or %NULL for all
 * @error: return location for a #GError
 *
 * Gets the newest execution with its steps and breakpoint.
 *
 * Returns: (transfer full): the newest execution with its steps and
 *   breakpoint, or %NULL with %UPG_ERROR_NOT_FOUND when there is none
 */
JsonObject *
upg_journal_get_latest_execution (UpgJournal  *self,
                                  const char  *site_id,
                                  GError     **error)
{
  GError *local_error = NULL;
  JsonObject *record;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  UPG_JOURNAL_LOCK (self);
  record = first_complete (self, upg_journal_list_executions (self, site_id, 1, &local_error),
                           &local_error);
  if (record == NULL && local_error == NULL && site_id != NULL)
    g_set_error (&local_error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
                 _("no execution of site '%s' in the journal"), site_id);
  else if (record == NULL && local_error == NULL)
    g_set_error_literal (&local_error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("no execution in the journal"));
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return record;
}

/**
 * upg_journal_find_last_execution:
 * @self: a #UpgJournal
 * @site_id: the site
 * @from_version: the from version (canonical text)
 * @to_version: the to version (canonical text)
 * @stage: the stage
 * @kind: run or rollback
 * @error: return location for a #GError
 *
 * Finds the newest execution of the same command, e.g. to continue a
 * failed one when the operator runs the same command again.
 *
 * Returns: (transfer full) (nullable): the execution with its steps and
 *   breakpoint, or %NULL (error unset) when there is none
 */
JsonObject *
upg_journal_find_last_execution (UpgJournal        *self,
                                 const char        *site_id,
                                 const char        *from_version,
                                 const char        *to_version,
                                 UpgStage           stage,
                                 UpgExecutionKind   kind,
                                 GError           **error)
{
  const char *values[] = { site_id, from_version, to_version, upg_stage_to_string (stage),
                           upg_execution_kind_to_string (kind) };

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  if (!require (site_id, N_("a site id"), error)
      || !require (from_version, N_("the from version"), error)
      || !require (to_version, N_("the to version"), error))
    return NULL;
  g_return_val_if_fail (values[3] != NULL && values[4] != NULL, NULL);

  UPG_JOURNAL_LOCK (self);
  return first_complete (self,
                         select_executions (self, "site_id = ? AND from_version = ? AND to_version = ?"
                                            " AND stage = ? AND kind = ?",
                                            values, G_N_ELEMENTS (values), 1, error),
                         error);
}

/* Parses `host:pid`; the host may itself contain ':' (IPv6), the pid not. */
static gboolean
parse_owner (const char  *owner,
             char       **host,
             gint64      *pid)
{
  const char *colon = owner != NULL ? strrchr (owner, ':') : NULL;

  if (colon == NULL
      || !g_ascii_string_to_signed (colon + 1, 10, 1, G_MAXINT, pid, NULL))
    return FALSE;
  *host = g_strndup (owner, colon - owner);
  return TRUE;
}

/**
 * upg_journal_mark_interrupted:
 * @self: a #UpgJournal
 * @error: return location for a #GError
 *
 * For a service that restarts: every RUNNING execution owned by a process
 * of this host that no longer runs becomes INTERRUPTED (resumable).
 * Executions owned by other hosts are left alone: their owner's liveness
 * cannot be known from here.
 *
 * Returns: how many executions were marked, or %G_MAXUINT on error
 */
guint
upg_journal_mark_interrupted (UpgJournal  *self,
                              GError     **error)
{
  g_autoptr(UpgRows) rows = NULL;
  g_autofree char *now = NULL;
  guint marked = 0;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), G_MAXUINT);

  UPG_JOURNAL_LOCK (self);
  rows = upg_journal_sql_query (self->connection,
                                "SELECT id, owner FROM upgrade_execution WHERE status = 'RUNNING'",
                                NULL, 0, error);
  if (rows == NULL)
    return G_MAXUINT;
  now = upg_journal_int_text (upg_journal_get_now (self));
  for (guint i = 0; i < upg_rows_get_n_rows (rows); i++)
    {
      const char *owner = upg_rows_get_value (rows, i, 1);
      g_autofree char *host = NULL;
      g_autofree char *message = NULL;
      gint64 pid = 0;

      if (!parse_owner (owner, &host, &pid) || !upg_journal_owner_is_dead (self, host, pid))
        continue;
      message = g_strdup_printf ("interrupted: the process that ran it (%s) stopped", owner);
      {
        const char *values[] = { message, now, upg_rows_get_value (rows, i, 0) };

        /* Still RUNNING: another restarted instance may have marked it. */
        if (!upg_journal_sql_exec (self->connection,
                                   "UPDATE upgrade_execution SET status = 'INTERRUPTED', error = ?,"
                                   " finished_at = ? WHERE id = ? AND status = 'RUNNING'",
                                   values, G_N_ELEMENTS (values), error))
          return G_MAXUINT;
      }
      marked++;
    }
  return marked;
}
