/* upg-execution.c - the state and result of running one stage for one site
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An UpgExecution is a plain value object: the executor fills it while it
 * runs a stage, the CLI and the HTTP service read it (or rebuild it from
 * the journal) and print it with upg_execution_to_json() in the "run form"
 * of SPEC §9.
 */
#include "config.h"

#include "upg-execution-private.h"

/**
 * UpgExecution:
 *
 * The state and result of running one stage (or rolling it back) for one
 * site: its id, status, steps and, when it stopped, its breakpoint. The
 * executor fills it while the stage runs; the journal rebuilds it for
 * `upgradectl status` and the HTTP service. upg_execution_to_json() gives
 * the "run form" of `upgradectl --json run`.
 */
G_DEFINE_FINAL_TYPE (UpgExecution, upg_execution, G_TYPE_OBJECT)

static void
step_result_free (gpointer data)
{
  StepResult *result = data;

  g_free (result->id);
  g_free (result->version);
  g_free (result->message);
  g_free (result);
}

static void
upg_execution_finalize (GObject *object)
{
  UpgExecution *self = UPG_EXECUTION (object);

  g_free (self->id);
  g_clear_pointer (&self->from, upg_version_free);
  g_clear_pointer (&self->to, upg_version_free);
  g_free (self->site_id);
  g_clear_pointer (&self->started, g_date_time_unref);
  g_clear_pointer (&self->finished, g_date_time_unref);
  g_free (self->message);
  g_free (self->rate_message);
  g_clear_pointer (&self->rate, upg_rate_estimate_free);
  upg_execution_reset_current_fields (self);
  g_ptr_array_unref (self->steps);
  g_clear_pointer (&self->notifications, json_array_unref);
  upg_execution_clear_breakpoint (self);
  g_clear_pointer (&self->confirmations, json_array_unref);
  g_clear_pointer (&self->check_skips, json_array_unref);

  G_OBJECT_CLASS (upg_execution_parent_class)->finalize (object);
}

static void
upg_execution_class_init (UpgExecutionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_execution_finalize;
}

static void
upg_execution_init (UpgExecution *self)
{
  self->steps = g_ptr_array_new_with_free_func (step_result_free);
  self->eta_seconds = -1;
}

/*
 * upg_execution_new:
 * @id: the execution's UUID
 * @stage: the stage it runs
 * @from: (nullable): the version the site upgrades from
 * @to: (nullable): the version the site upgrades to
 * @site_id: (nullable): the site
 *
 * Creates an execution in the %UPG_EXECUTION_STATUS_RUNNING state.
 *
 * Returns: (transfer full): a new execution
 */
UpgExecution *
upg_execution_new (const char       *id,
                   UpgStage          stage,
                   const UpgVersion *from,
                   const UpgVersion *to,
                   const char       *site_id)
{
  UpgExecution *self;

  g_return_val_if_fail (id != NULL, NULL);

  self = g_object_new (UPG_TYPE_EXECUTION, NULL);
  self->id = g_strdup (id);
  self->stage = stage;
  self->from = from != NULL ? upg_version_copy (from) : NULL;
  self->to = to != NULL ? upg_version_copy (to) : NULL;
  self->site_id = g_strdup (site_id);
  self->status = UPG_EXECUTION_STATUS_RUNNING;
  return self;
}

/**
 * upg_execution_get_id:
 * @self: an execution
 *
 * Gets the execution's UUID.
 *
 * Returns: (transfer none): the execution's UUID
 */
const char *
upg_execution_get_id (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->id;
}

/**
 * upg_execution_get_status:
 * @self: an execution
 *
 * Gets the execution's state.
 *
 * Returns: the execution's state
 */
UpgExecutionStatus
upg_execution_get_status (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), UPG_EXECUTION_STATUS_FAILED);
  return self->status;
}

/*
 * upg_execution_set_status:
 * @self: an execution
 * @status: the new state
 *
 * Sets the execution's state.
 */
void
upg_execution_set_status (UpgExecution       *self,
                          UpgExecutionStatus  status)
{
  g_return_if_fail (UPG_IS_EXECUTION (self));
  self->status = status;
}

/**
 * upg_execution_get_stage:
 * @self: an execution
 *
 * Gets the stage the execution runs.
 *
 * Returns: the stage the execution runs
 */
UpgStage
upg_execution_get_stage (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), UPG_STAGE_IN_STOP);
  return self->stage;
}

/**
 * upg_execution_get_from:
 * @self: an execution
 *
 * Gets the version the site upgrades from.
 *
 * Returns: (transfer none) (nullable): the version the site upgrades from
 */
const UpgVersion *
upg_execution_get_from (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->from;
}

/**
 * upg_execution_get_to:
 * @self: an execution
 *
 * Gets the version the site upgrades to.
 *
 * Returns: (transfer none) (nullable): the version the site upgrades to
 */
const UpgVersion *
upg_execution_get_to (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->to;
}

/**
 * upg_execution_get_site_id:
 * @self: an execution
 *
 * Gets the site.
 *
 * Returns: (transfer none) (nullable): the site
 */
const char *
upg_execution_get_site_id (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->site_id;
}

/**
 * upg_execution_is_rollback:
 * @self: an execution
 *
 * Tells whether the execution is a rollback.
 *
 * Returns: %TRUE if the execution runs rollback steps
 */
gboolean
upg_execution_is_rollback (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), FALSE);
  return self->rollback;
}

/*
 * upg_execution_set_rollback:
 * @self: an execution
 * @rollback: whether the execution runs rollback steps
 *
 * Marks the execution as a rollback.
 */
void
upg_execution_set_rollback (UpgExecution *self,
                            gboolean      rollback)
{
  g_return_if_fail (UPG_IS_EXECUTION (self));
  self->rollback = rollback;
}

/**
 * upg_execution_get_resume_count:
 * @self: an execution
 *
 * Gets how many times the execution was resumed.
 *
 * Returns: how many times the execution was resumed
 */
guint
upg_execution_get_resume_count (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), 0);
  return self->resume_count;
}

/*
 * upg_execution_set_resume_count:
 * @self: an execution
 * @count: how many times the execution was resumed
 *
 * Sets the resume count.
 */
void
upg_execution_set_resume_count (UpgExecution *self,
                                guint         count)
{
  g_return_if_fail (UPG_IS_EXECUTION (self));
  self->resume_count = count;
}

static void
replace_date (GDateTime **slot,
              GDateTime  *value)
{
  g_clear_pointer (slot, g_date_time_unref);
  *slot = value != NULL ? g_date_time_ref (value) : NULL;
}

/**
 * upg_execution_get_started:
 * @self: an execution
 *
 * Gets when the execution started.
 *
 * Returns: (transfer none) (nullable): when the execution started
 */
GDateTime *
upg_execution_get_started (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->started;
}

/*
 * upg_execution_set_started:
 * @self: an execution
 * @started: (nullable): when the execution started
 *
 * Sets the start time.
 */
void
upg_execution_set_started (UpgExecution *self,
                           GDateTime    *started)
{
  g_return_if_fail (UPG_IS_EXECUTION (self));
  replace_date (&self->started, started);
}

/**
 * upg_execution_get_finished:
 * @self: an execution
 *
 * Gets when the execution finished.
 *
 * Returns: (transfer none) (nullable): when the execution finished
 */
GDateTime *
upg_execution_get_finished (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->finished;
}

/*
 * upg_execution_set_finished:
 * @self: an execution
 * @finished: (nullable): when the execution finished
 *
 * Sets the end time.
 */
void
upg_execution_set_finished (UpgExecution *self,
                            GDateTime    *finished)
{
  g_return_if_fail (UPG_IS_EXECUTION (self));
  replace_date (&self->finished, finished);
}

/**
 * upg_execution_get_message:
 * @self: an execution
 *
 * Gets the error that stopped the execution.
 *
 * Returns: (transfer none) (nullable): the error that stopped the execution
 */
const char *
upg_execution_get_message (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->message;
}

/**
 * upg_execution_get_check_verdict:
 * @self: an execution
 *
 * The verdict of a check stage's execution (`resource_check`,
 * `business_check`, SPEC §3): the worst of its checks, which it journals
 * as steps named `<check>:<id>` (e.g. `data_quality:negative_amount`), a
 * failed check FAILED, one with a warning SUCCESS with a message starting
 * `warn: `. A step that failed makes it %UPG_VERDICT_FAIL too.
 *
 * Returns: %UPG_VERDICT_PASS, %UPG_VERDICT_WARN or %UPG_VERDICT_FAIL;
 *   %UPG_VERDICT_PASS for an execution of another stage that did not fail
 */
UpgVerdict
upg_execution_get_check_verdict (UpgExecution *self)
{
  UpgVerdict verdict = UPG_VERDICT_PASS;

  g_return_val_if_fail (UPG_IS_EXECUTION (self), UPG_VERDICT_FAIL);
  if (self->status != UPG_EXECUTION_STATUS_SUCCESS && self->status != UPG_EXECUTION_STATUS_RUNNING)
    return UPG_VERDICT_FAIL;
  for (guint i = 0; i < self->steps->len; i++)
    {
      StepResult *step = g_ptr_array_index (self->steps, i);

      if (step->status == UPG_STEP_STATUS_FAILED)
        return UPG_VERDICT_FAIL;
      if (step->status == UPG_STEP_STATUS_SUCCESS && step->message != NULL &&
          g_str_has_prefix (step->message, UPG_EXECUTION_CHECK_WARN_PREFIX))
        verdict = UPG_VERDICT_WARN;
    }
  return verdict;
}

/*
 * upg_execution_set_message:
 * @self: an execution
 * @message: (nullable): the error that stopped the execution
 *
 * Sets the execution's message.
 */
void
upg_execution_set_message (UpgExecution *self,
                           const char   *message)
{
  g_return_if_fail (UPG_IS_EXECUTION (self));
  g_free (self->message);
  self->message = g_strdup (message);
}

static StepResult *
find_step (UpgExecution *self,
           const char   *step_id,
           const char   *version)
{
  for (guint i = 0; i < self->steps->len; i++)
    {
      StepResult *result = g_ptr_array_index (self->steps, i);

      if (g_strcmp0 (result->id, step_id) == 0 && g_strcmp0 (result->version, version) == 0)
        return result;
    }
  return NULL;
}

/*
 * upg_execution_set_step:
 * @self: an execution
 * @step_id: the step's id
 * @version: (nullable): the version of the manifest declaring the step
 * @status: the step's state
 * @duration_ms: how long the step ran, in milliseconds
 * @message: (nullable): why it failed or was skipped
 *
 * Adds the step (in the order steps are first set) or updates it.
 */
void
upg_execution_set_step (UpgExecution  *self,
                        const char    *step_id,
                        const char    *version,
                        UpgStepStatus  status,
                        gint64         duration_ms,
                        const char    *message)
{
  StepResult *result;

  g_return_if_fail (UPG_IS_EXECUTION (self));
  g_return_if_fail (step_id != NULL);

  result = find_step (self, step_id, version);
  if (result == NULL)
    {
      result = g_new0 (StepResult, 1);
      result->id = g_strdup (step_id);
      result->version = g_strdup (version);
      g_ptr_array_add (self->steps, result);
    }
  result->status = status;
  result->duration_ms = duration_ms;
  g_free (result->message);
  result->message = g_strdup (message);
}

/**
 * upg_execution_get_n_steps:
 * @self: an execution
 *
 * Gets the number of steps recorded.
 *
 * Returns: the number of steps recorded
 */
guint
upg_execution_get_n_steps (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), 0);
  return self->steps->len;
}

static StepResult *
step_at (UpgExecution *self,
         guint         index)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  g_return_val_if_fail (index < self->steps->len, NULL);
  return g_ptr_array_index (self->steps, index);
}

/**
 * upg_execution_get_step_id:
 * @self: an execution
 * @index: a step index, below upg_execution_get_n_steps()
 *
 * Gets the step's id.
 *
 * Returns: (transfer none): the step's id
 */
const char *
upg_execution_get_step_id (UpgExecution *self,
                           guint         index)
{
  StepResult *result = step_at (self, index);
  return result != NULL ? result->id : NULL;
}

/**
 * upg_execution_get_step_status:
 * @self: an execution
 * @index: a step index
 *
 * Gets the step's state.
 *
 * Returns: the step's state
 */
UpgStepStatus
upg_execution_get_step_status (UpgExecution *self,
                               guint         index)
{
  StepResult *result = step_at (self, index);
  return result != NULL ? result->status : UPG_STEP_STATUS_FAILED;
}

/**
 * upg_execution_get_step_message:
 * @self: an execution
 * @index: a step index
 *
 * Gets why the step failed or was skipped.
 *
 * Returns: (transfer none) (nullable): why the step failed or was skipped
 */
const char *
upg_execution_get_step_message (UpgExecution *self,
                                guint         index)
{
  StepResult *result = step_at (self, index);
  return result != NULL ? result->message : NULL;
}

/**
 * upg_execution_get_step_duration_ms:
 * @self: an execution
 * @index: a step index
 *
 * Gets how long the step ran, in milliseconds.
 *
 * Returns: how long the step ran, in milliseconds
 */
gint64
upg_execution_get_step_duration_ms (UpgExecution *self,
                                    guint         index)
{
  StepResult *result = step_at (self, index);
  return result != NULL ? result->duration_ms : 0;
}


/*
 * upg_execution_set_breakpoint:
 * @self: an execution
 * @step_id: the step that stopped
 * @file: (nullable): the SQL file, relative to the bundle
 * @line: the statement's first line in @file
 * @sequence: the statement's sequence number in @file (from 1)
 * @statement: (nullable): the statement's text
 * @error_code: (nullable): the database's error code or SQLSTATE
 * @error: (nullable): the error message
 *
 * Records where the execution stopped.
 */
void
upg_execution_set_breakpoint (UpgExecution *self,
                              const char   *step_id,
                              const char   *file,
                              guint         line,
                              guint         sequence,
                              const char   *statement,
                              const char   *error_code,
                              const char   *error)
{
  g_return_if_fail (UPG_IS_EXECUTION (self));

  upg_execution_clear_breakpoint (self);
  self->breakpoint = upg_breakpoint_new (step_id, file, line, sequence, statement, error_code, error);
}

/*
 * upg_execution_clear_breakpoint:
 * @self: an execution
 *
 * Forgets the breakpoint (the execution went on past it).
 */
void
upg_execution_clear_breakpoint (UpgExecution *self)
{
  g_return_if_fail (UPG_IS_EXECUTION (self));

  g_clear_pointer (&self->breakpoint, upg_breakpoint_free);
}

/**
 * upg_execution_get_breakpoint:
 * @self: an execution
 *
 * Gets where the execution stopped. The breakpoint belongs to @self and
 * lasts until @self goes on past it (a resume that gets further) or is
 * finalized: copy it with upg_breakpoint_copy() to keep it longer.
 *
 * Returns: (transfer none) (nullable): the breakpoint, or %NULL when the
 *   execution did not stop at one
 */
const UpgBreakpoint *
upg_execution_get_breakpoint (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->breakpoint;
}

/**
 * upg_execution_has_breakpoint:
 * @self: an execution
 *
 * Tells whether the execution stopped at a breakpoint (see
 * upg_execution_get_breakpoint()).
 *
 * Returns: %TRUE if the execution stopped at a breakpoint
 */
gboolean
upg_execution_has_breakpoint (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), FALSE);
  return self->breakpoint != NULL;
}

/**
 * upg_execution_get_breakpoint_step_id:
 * @self: an execution
 *
 * Gets the step of the breakpoint.
 *
 * Returns: (transfer none) (nullable): the step of the breakpoint
 *
 * Deprecated: 1.0: Use upg_execution_get_breakpoint() and
 *   upg_breakpoint_get_step_id().
 */
const char *
upg_execution_get_breakpoint_step_id (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->breakpoint != NULL ? upg_breakpoint_get_step_id (self->breakpoint) : NULL;
}

/**
 * upg_execution_get_breakpoint_file:
 * @self: an execution
 *
 * Gets the file of the breakpoint.
 *
 * Returns: (transfer none) (nullable): the file of the breakpoint
 *
 * Deprecated: 1.0: Use upg_execution_get_breakpoint() and
 *   upg_breakpoint_get_file().
 */
const char *
upg_execution_get_breakpoint_file (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->breakpoint != NULL ? upg_breakpoint_get_file (self->breakpoint) : NULL;
}

/**
 * upg_execution_get_breakpoint_line:
 * @self: an execution
 *
 * Gets the first line of the statement of the breakpoint.
 *
 * Returns: the first line of the statement of the breakpoint
 *
 * Deprecated: 1.0: Use upg_execution_get_breakpoint() and
 *   upg_breakpoint_get_line().
 */
guint
upg_execution_get_breakpoint_line (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), 0);
  return self->breakpoint != NULL ? upg_breakpoint_get_line (self->breakpoint) : 0;
}

/**
 * upg_execution_get_breakpoint_sequence:
 * @self: an execution
 *
 * Gets the sequence number of the statement of the breakpoint.
 *
 * Returns: the sequence number of the statement of the breakpoint
 *
 * Deprecated: 1.0: Use upg_execution_get_breakpoint() and
 *   upg_breakpoint_get_sequence().
 */
guint
upg_execution_get_breakpoint_sequence (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), 0);
  return self->breakpoint != NULL ? upg_breakpoint_get_sequence (self->breakpoint) : 0;
}

/**
 * upg_execution_get_breakpoint_statement:
 * @self: an execution
 *
 * Gets the statement of the breakpoint.
 *
 * Returns: (transfer none) (nullable): the statement of the breakpoint
 *
 * Deprecated: 1.0: Use upg_execution_get_breakpoint() and
 *   upg_breakpoint_get_statement().
 */
const char *
upg_execution_get_breakpoint_statement (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->breakpoint != NULL ? upg_breakpoint_get_statement (self->breakpoint) : NULL;
}

/**
 * upg_execution_get_breakpoint_error_code:
 * @self: an execution
 *
 * Gets the database's error code or SQLSTATE.
 *
 * Returns: (transfer none) (nullable): the database's error code or SQLSTATE
 *
 * Deprecated: 1.0: Use upg_execution_get_breakpoint() and
 *   upg_breakpoint_get_error_code().
 */
const char *
upg_execution_get_breakpoint_error_code (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->breakpoint != NULL ? upg_breakpoint_get_error_code (self->breakpoint) : NULL;
}

/**
 * upg_execution_get_breakpoint_error:
 * @self: an execution
 *
 * Gets the error of the breakpoint.
 *
 * Returns: (transfer none) (nullable): the error of the breakpoint
 *
 * Deprecated: 1.0: Use upg_execution_get_breakpoint() and
 *   upg_breakpoint_get_error().
 */
const char *
upg_execution_get_breakpoint_error (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->breakpoint != NULL ? upg_breakpoint_get_error (self->breakpoint) : NULL;
}

/*
 * upg_execution_set_progress:
 * @self: an execution
 * @statements_done: statements finished so far in this stage
 * @statements_total: statements of the stage
 * @eta_seconds: estimated seconds left, or -1 if unknown
 *
 * Records the progress of the running stage.
 */
void
upg_execution_set_progress (UpgExecution *self,
                            guint         statements_done,
                            guint         statements_total,
                            gint64        eta_seconds)
{
  g_return_if_fail (UPG_IS_EXECUTION (self));
  self->statements_done = statements_done;
  self->statements_total = statements_total;
  self->eta_seconds = eta_seconds;
}

/**
 * upg_execution_get_statements_done:
 * @self: an execution
 *
 * Gets statements finished so far.
 *
 * Returns: statements finished so far
 */
guint
upg_execution_get_statements_done (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), 0);
  return self->statements_done;
}

/**
 * upg_execution_get_statements_total:
 * @self: an execution
 *
 * Gets statements of the stage.
 *
 * Returns: statements of the stage
 */
guint
upg_execution_get_statements_total (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), 0);
  return self->statements_total;
}

/**
 * upg_execution_get_eta_seconds:
 * @self: an execution
 *
 * Gets the estimated seconds left, or -1 if unknown.
 *
 * Returns: the estimated seconds left, or -1 if unknown
 */
gint64
upg_execution_get_eta_seconds (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), -1);
  return self->eta_seconds;
}

/*
 * upg_execution_set_rate_message:
 * @self: an execution
 * @message: (nullable): the live calibration's revision message, %NULL
 *   when the running step's configured rate still holds
 *
 * Records that the measured rate of the running step replaced the
 * configured one (SPEC §3).
 */
void
upg_execution_set_rate_message (UpgExecution *self,
                                const char   *message)
{
  g_return_if_fail (UPG_IS_EXECUTION (self));
  g_free (self->rate_message);
  self->rate_message = g_strdup (message);
}

/**
 * upg_execution_get_rate_message:
 * @self: an execution
 *
 * Gets the revision message of the running step, e.g.
 *
 * Returns: (transfer none) (nullable): the revision message of the running
 *   (or last run) step, e.g. `actual rate +12 % vs estimate, remaining
 *   revised`; %NULL while its configured rate holds
 */
const char *
upg_execution_get_rate_message (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->rate_message;
}

/**
 * upg_format_duration:
 * @ms: a duration in milliseconds
 *
 * Formats a duration the way the CLI and the logs show step times:
 * `850ms`, `12.5s`, `2m30s`, `1h05m`.
 *
 * Returns: (transfer full): the text
 */
char *
upg_format_duration (gint64 ms)
{
  if (ms < 1000)
    return g_strdup_printf ("%" G_GINT64_FORMAT "ms", ms);
  if (ms < 60000)
    return g_strdup_printf ("%.1fs", ms / 1000.0);
  if (ms < 3600000)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s", ms / 60000, (ms / 1000) % 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT "h%02" G_GINT64_FORMAT "m", ms / 3600000, (ms / 60000) % 60);
}
