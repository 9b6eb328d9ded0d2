/* upg-journal-steps.c - step records and tool-step checkpoints
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-journal-private.h"

#define STEP_KEY "execution_id = ? AND component = ? AND version = ? AND step_id = ?"

typedef struct {
  gboolean exists;
  gint64   attempt;
  gint64   started_at;
} StepRow;

static gboolean
check_key (const char  *component,
           const char  *version,
           const char  *step_id,
           GError     **error)
{
  if (component != NULL && version != NULL && step_id != NULL
      && *component != '\0' && *version != '\0' && *step_id != '\0')
    return TRUE;
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               _("journal: a step needs a component, a version and an id (got '%s', '%s', '%s')"),
               component != NULL ? component : "(null)", version != NULL ? version : "(null)",
               step_id != NULL ? step_id : "(null)");
  return FALSE;
}

static gboolean
read_step (UpgJournal  *self,
           const char  *execution_id,
           const char  *component,
           const char  *version,
           const char  *step_id,
           StepRow     *row,
           GError     **error)
{
  const char *values[] = { execution_id, component, version, step_id };
  g_autoptr(UpgRows) rows = upg_journal_sql_query (self->connection,
                                                   "SELECT attempt, started_at FROM step_execution"
                                                   " WHERE " STEP_KEY, values, 4, error);

  if (rows == NULL)
    return FALSE;
  row->exists = upg_rows_get_n_rows (rows) > 0;
  row->attempt = row->exists ? upg_rows_get_int (rows, 0, 0, 0) : 0;
  row->started_at = row->exists ? upg_rows_get_int (rows, 0, 1, -1) : -1;
  return TRUE;
}

typedef struct {
  UpgStepStatus  status;
  gint64         started_at;     /* -1 for none */
  gint64         finished_at;    /* -1 for none */
  gint64         attempt;
  const char    *error;
  const char    *skipped_because;
} StepValues;

static char *
optional_int (gint64 value)
{
  return value >= 0 ? upg_journal_int_text (value) : NULL;
}

/* Inserts the step's row, or updates it if it exists. Only one executor
 * works on an execution (it holds the site lock), so read-then-write is
 * not racy here. */
static gboolean
write_step (UpgJournal        *self,
            const char        *execution_id,
            const char        *component,
            const char        *version,
            const char        *step_id,
            UpgStage           stage,
            const StepValues  *v,
            GError           **error)
{
  g_autofree char *site = upg_journal_site_of (self, execution_id, error);
  g_autofree char *started = optional_int (v->started_at);
  g_autofree char *finished = optional_int (v->finished_at);
  g_autofree char *duration = v->started_at >= 0 && v->finished_at >= 0
                              ? upg_journal_int_text (v->finished_at - v->started_at) : NULL;
  g_autofree char *attempt = upg_journal_int_text (v->attempt);
  const char *status = upg_step_status_to_string (v->status);
  StepRow row;

  if (site == NULL || !read_step (self, execution_id, component, version, step_id, &row, error))
    return FALSE;
  if (row.exists)
    {
      const char *values[] = { status, started, finished, duration, attempt, v->error,
                               v->skipped_because, execution_id, component, version, step_id };

      /* Running it again (an execution continued after a rollback undid
       * this step) starts an outcome no rollback has undone yet. */
      return upg_journal_sql_exec (self->connection,
                                   "UPDATE step_execution SET status = ?, started_at = ?, finished_at = ?,"
                                   " duration_ms = ?, attempt = ?, error = ?, skipped_because = ?,"
                                   " undone_by = NULL WHERE " STEP_KEY, values, G_N_ELEMENTS (values), error);
    }
  {
    const char *key[] = { execution_id };
    g_autoptr(UpgRows) rows = upg_journal_sql_query (self->connection,
                                                     "SELECT COALESCE(MAX(position), 0) + 1"
                                                     " FROM step_execution WHERE execution_id = ?",
                                                     key, 1, error);
    g_autofree char *position = rows != NULL ? upg_journal_int_text (upg_rows_get_int (rows, 0, 0, 1)) : NULL;
    const char *values[] = { execution_id, component, version, step_id, site,
                             upg_stage_to_string (stage), status, position, started, finished,
                             duration, attempt, v->error, v->skipped_because };

    return rows != NULL
           && upg_journal_sql_exec (self->connection,
                                    "INSERT INTO step_execution (execution_id, component, version, step_id,"
                                    " site_id, stage, status, position, started_at, finished_at,"
                                    " duration_ms, attempt, error, skipped_because)"
                                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                    values, G_N_ELEMENTS (values), error);
  }
}

typedef enum {
  RECORD_ADD,      /* PENDING, unless the step has a record already */
  RECORD_BEGIN,    /* RUNNING, one more attempt */
  RECORD_SKIP,     /* SKIPPED because it succeeded earlier */
} RecordMode;

static gboolean
record_step (UpgJournal   *self,
             const char   *execution_id,
             const char   *component,
             const char   *version,
             const char   *step_id,
             UpgStage      stage,
             RecordMode    mode,
             const char   *skipped_because,
             GError      **error)
{
  StepValues v = { UPG_STEP_STATUS_PENDING, -1, -1, 0, NULL, NULL };
  StepRow row;
  gint64 now;

  if (!check_key (component, version, step_id, error))
    return FALSE;

  UPG_JOURNAL_LOCK (self);
  if (!read_step (self, execution_id, component, version, step_id, &row, error))
    return FALSE;
  now = upg_journal_get_now (self);
  switch (mode)
    {
    case RECORD_ADD:
      if (row.exists)
        return TRUE;
      break;
    case RECORD_BEGIN:
      v.status = UPG_STEP_STATUS_RUNNING;
      v.started_at = now;
      v.attempt = row.attempt + 1;
      break;
    case RECORD_SKIP:
    default:
      v.status = UPG_STEP_STATUS_SKIPPED;
      v.started_at = v.finished_at = now;
      v.attempt = row.attempt;
      v.skipped_because = skipped_because;
      break;
    }
  return write_step (self, execution_id, component, version, step_id, stage, &v, error);
}

/*
 * upg_journal_add_step:
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @component: the step's component
 * @version: the step's manifest version (canonical text)
 * @step_id: the step's id
 * @stage: the step's stage
 * @error: return location for a #GError
 *
 * Records a planned step as PENDING (so that status shows the whole
 * stage), unless the execution already has a record of it.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_add_step (UpgJournal   *self,
                      const char   *execution_id,
                      const char   *component,
                      const char   *version,
                      const char   *step_id,
                      UpgStage      stage,
                      GError      **error)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail ((guint) stage < UPG_N_STAGES, FALSE);
  return record_step (self, execution_id, component, version, step_id, stage, RECORD_ADD, NULL, error);
}

/*
 * upg_journal_begin_step:
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @component: the step's component
 * @version: the step's manifest version (canonical text)
 * @step_id: the step's id
 * @stage: the step's stage
 * @error: return location for a #GError
 *
 * Records that a step starts: RUNNING, its attempt count one higher.
 *
 * Returns: %TRUE on success; %UPG_ERROR_NOT_FOUND for an unknown execution
 */
gboolean
upg_journal_begin_step (UpgJournal   *self,
                        const char   *execution_id,
                        const char   *component,
                        const char   *version,
                        const char   *step_id,
                        UpgStage      stage,
                        GError      **error)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail ((guint) stage < UPG_N_STAGES, FALSE);
  return record_step (self, execution_id, component, version, step_id, stage, RECORD_BEGIN, NULL, error);
}

/*
 * upg_journal_finish_step:
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @component: the step's component
 * @version: the step's manifest version (canonical text)
 * @step_id: the step's id
 * @status: %UPG_STEP_STATUS_SUCCESS or %UPG_STEP_STATUS_FAILED
 * @error_message: (nullable): why it failed
 * @error: return location for a #GError
 *
 * Records the end of a step begun with upg_journal_begin_step(), with its
 * duration.
 *
 * Returns: %TRUE on success; %UPG_ERROR_NOT_FOUND if the step was not begun
 */
gboolean
upg_journal_finish_step (UpgJournal     *self,
                         const char     *execution_id,
                         const char     *component,
                         const char     *version,
                         const char     *step_id,
                         UpgStepStatus   status,
                         const char     *error_message,
                         GError        **error)
{
  g_autofree char *now = NULL;
  g_autofree char *duration = NULL;
  StepRow row;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  if (!check_key (component, version, step_id, error))
    return FALSE;
  if (status != UPG_STEP_STATUS_SUCCESS && status != UPG_STEP_STATUS_FAILED)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("journal: a step finishes as %s or %s, not %s"), "SUCCESS", "FAILED",
                   upg_step_status_to_string (status));
      return FALSE;
    }

  UPG_JOURNAL_LOCK (self);
  if (!read_step (self, execution_id, component, version, step_id, &row, error))
    return FALSE;
  if (!row.exists || row.started_at < 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
                   _("step %s %s %s of execution '%s' was not begun"), component, version, step_id,
                   execution_id);
      return FALSE;
    }
  now = upg_journal_int_text (upg_journal_get_now (self));
  duration = upg_journal_int_text (MAX (0, upg_journal_get_now (self) - row.started_at));
  {
    const char *values[] = { upg_step_status_to_string (status), now, duration, error_message,
                             execution_id, component, version, step_id };

    return upg_journal_sql_exec (self->connection,
                                 "UPDATE step_execution SET status = ?, finished_at = ?, duration_ms = ?,"
                                 " error = ? WHERE " STEP_KEY, values, G_N_ELEMENTS (values), error);
  }
}

/*
 * upg_journal_skip_step:
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @component: the step's component
 * @version: the step's manifest version (canonical text)
 * @step_id: the step's id
 * @stage: the step's stage
 * @skipped_because: (nullable): the execution in which it already
 *   succeeded (from upg_journal_find_step_success())
 * @error: return location for a #GError
 *
 * Records a step as SKIPPED, reported as `SKIPPED (already succeeded in
 * <execution>)`.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_skip_step (UpgJournal   *self,
                       const char   *execution_id,
                       const char   *component,
                       const char   *version,
                       const char   *step_id,
                       UpgStage      stage,
                       const char   *skipped_because,
                       GError      **error)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail ((guint) stage < UPG_N_STAGES, FALSE);
  return record_step (self, execution_id, component, version, step_id, stage, RECORD_SKIP,
                      skipped_because, error);
}

/*
 * upg_journal_find_step_success:
 * @self: a #UpgJournal
 * @site_id: the site
 * @component: the step's component
 * @version: the step's manifest version (canonical text)
 * @step_id: the step's id
 * @error: return location for a #GError
 *
 * Finds whether a step already succeeded for the same (site, component,
 * version, step id) in any execution: such a step is skipped (SPEC §3).
 * A success a later execution undid (upg_journal_undo_step(): a rollback
 * that reverted the step) does not count.
 *
 * Returns: (transfer full) (nullable): the id of the execution where it
 *   (last) succeeded, or %NULL (error unset) if it never did
 */
char *
upg_journal_find_step_success (UpgJournal  *self,
                               const char  *site_id,
                               const char  *component,
                               const char  *version,
                               const char  *step_id,
                               GError     **error)
{
  const char *values[] = { site_id, component, version, step_id };
  g_autoptr(UpgRows) rows = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  if (site_id == NULL || !check_key (component, version, step_id, error))
    {
      if (site_id == NULL)
        g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT, _("journal: a site id is required"));
      return NULL;
    }

  UPG_JOURNAL_LOCK (self);
  rows = upg_journal_sql_query (self->connection,
                                "SELECT execution_id FROM step_execution WHERE site_id = ?"
                                " AND component = ? AND version = ? AND step_id = ? AND status = 'SUCCESS'"
                                " AND undone_by IS NULL ORDER BY finished_at DESC LIMIT 1", values, 4, error);
  if (rows == NULL || upg_rows_get_n_rows (rows) == 0)
    return NULL;
  return g_strdup (upg_rows_get_value (rows, 0, 0));
}

/*
 * upg_journal_set_checkpoint:
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @component: the step's component
 * @version: the step's manifest version (canonical text)
 * @step_id: the step's id
 * @checkpoint: (nullable): the tool's checkpoint (opaque text, often
 *   JSON), or %NULL to clear it
 * @error: return location for a #GError
 *
 * Stores a resumable tool step's checkpoint, durably, on the step's record
 * (begun with upg_journal_begin_step()).
 *
 * Returns: %TRUE on success; %UPG_ERROR_NOT_FOUND if the step has no record
 */
gboolean
upg_journal_set_checkpoint (UpgJournal  *self,
                            const char  *execution_id,
                            const char  *component,
                            const char  *version,
                            const char  *step_id,
                            const char  *checkpoint,
                            GError     **error)
{
  const char *values[] = { checkpoint, execution_id, component, version, step_id };
  StepRow row;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  if (!check_key (component, version, step_id, error))
    return FALSE;

  UPG_JOURNAL_LOCK (self);
  if (!read_step (self, execution_id, component, version, step_id, &row, error))
    return FALSE;
  if (!row.exists)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
                   _("step %s %s %s of execution '%s' has no record to hold a checkpoint"),
                   component, version, step_id, execution_id);
      return FALSE;
    }
  return upg_journal_sql_exec (self->connection,
                               "UPDATE step_execution SET checkpoint = ? WHERE " STEP_KEY,
                               values, G_N_ELEMENTS (values), error);
}

/**
 * upg_journal_get_checkpoint:
 * @self: a #UpgJournal
 * @execution_id: the execution asking (its site is used)
 * @component: the step's component
 * @version: the step's manifest version (canonical text)
 * @step_id: the step's id
 * @error: return location for a #GError
 *
 * Finds the newest checkpoint of the same step at the same site, in this
 * or an earlier execution, so that a resumed or re-run tool continues
 * where it stopped. The checkpoint of a step a later execution undid (a
 * rollback) no longer counts: the step runs again from the start.
 *
 * Returns: (transfer full) (nullable): the checkpoint, or %NULL (error
 *   unset) if there is none
 */
char *
upg_journal_get_checkpoint (UpgJournal  *self,
                            const char  *execution_id,
                            const char  *component,
                            const char  *version,
                            const char  *step_id,
                            GError     **error)
{
  g_autofree char *site = NULL;
  g_autoptr(UpgRows) rows = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  if (!check_key (component, version, step_id, error))
    return NULL;

  UPG_JOURNAL_LOCK (self);
  site = upg_journal_site_of (self, execution_id, error);
  if (site == NULL)
    return NULL;
  {
    const char *values[] = { site, component, version, step_id };

    rows = upg_journal_sql_query (self->connection,
                                  "SELECT checkpoint FROM step_execution WHERE site_id = ?"
                                  " AND component = ? AND version = ? AND step_id = ?"
                                  " AND checkpoint IS NOT NULL AND undone_by IS NULL"
                                  " ORDER BY started_at DESC LIMIT 1",
                                  values, 4, error);
  }
  if (rows == NULL || upg_rows_get_n_rows (rows) == 0)
    return NULL;
  return g_strdup (upg_rows_get_value (rows, 0, 0));
}
