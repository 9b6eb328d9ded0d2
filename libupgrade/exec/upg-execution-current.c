/* upg-execution-current.c - the statement an execution is executing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Issue #12: while one statement runs long (blocked by another session's
 * lock, a big ALTER), `status` must say where the execution is and since
 * when, not only once the statement ended. The run keeps it in memory
 * (upg-run-current.c) and, past a second, in the journal, from which
 * another process rebuilds it here.
 */
#include "config.h"

#include "upg-execution-private.h"

/*
 * upg_execution_set_current_statement:
 * @self: an execution
 * @step_id: (nullable): the running statement's step, %NULL: none runs
 * @file: (nullable): its file
 * @line: its first line in @file
 * @sequence: its position in @file, from 1
 * @started: (nullable): when it was sent
 *
 * Records the statement the execution is executing, or (@step_id %NULL)
 * that none is.
 */
void
upg_execution_set_current_statement (UpgExecution *self,
                                     const char   *step_id,
                                     const char   *file,
                                     guint         line,
                                     guint         sequence,
                                     GDateTime    *started)
{
  g_return_if_fail (UPG_IS_EXECUTION (self));
  upg_execution_reset_current_fields (self);
  if (step_id == NULL)
    return;
  self->current_step_id = g_strdup (step_id);
  self->current_file = g_strdup (file);
  self->current_line = line;
  self->current_sequence = sequence;
  self->current_started = started != NULL ? g_date_time_ref (started) : NULL;
}

/**
 * upg_execution_get_current_step_id:
 * @self: an execution
 *
 * Gets the step of the statement the execution is executing: of a run in
 * this process at once, of a run in another process (read back from the
 * journal) once the statement ran longer than a second.
 *
 * Returns: (nullable): the step id, or %NULL when no statement is known
 *   to run
 */
const char *
upg_execution_get_current_step_id (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->current_step_id;
}

/**
 * upg_execution_get_current_file:
 * @self: an execution
 *
 * Gets the file of the statement the execution is executing.
 *
 * Returns: (nullable): the bundle-relative file, or %NULL when no
 *   statement is known to run
 */
const char *
upg_execution_get_current_file (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->current_file;
}

/**
 * upg_execution_get_current_line:
 * @self: an execution
 *
 * Gets the first line of the statement the execution is executing.
 *
 * Returns: the line in its file, 0 when no statement is known to run
 */
guint
upg_execution_get_current_line (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), 0);
  return self->current_line;
}

/**
 * upg_execution_get_current_sequence:
 * @self: an execution
 *
 * Gets the position in its file of the statement the execution is
 * executing.
 *
 * Returns: the position from 1, 0 when no statement is known to run
 */
guint
upg_execution_get_current_sequence (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), 0);
  return self->current_sequence;
}

/**
 * upg_execution_get_current_started:
 * @self: an execution
 *
 * Gets when the statement the execution is executing was sent.
 *
 * Returns: (nullable) (transfer none): when it was sent, or %NULL when no
 *   statement is known to run
 */
GDateTime *
upg_execution_get_current_started (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->current_started;
}

/*
 * upg_execution_set_current_task:
 * @task: (nullable): what the running step is doing when it is not a
 *   statement of a file
 *
 * Completes upg_execution_set_current_statement() (which clears it) for
 * a command step or a batched migration's batch.
 */
void
upg_execution_set_current_task (UpgExecution *self,
                                const char   *task)
{
  g_return_if_fail (UPG_IS_EXECUTION (self));
  g_free (self->current_task);
  self->current_task = g_strdup (task);
}

/**
 * upg_execution_get_current_task:
 * @self: an execution
 *
 * Gets what the execution is running when that is not a statement of a
 * file (upg_execution_get_current_file() is %NULL then): the command line
 * of a command step, with passwords cut, the batch of a batched
 * migration (table and key range), or the plugin and class of a tool
 * step (`plugin NAME tool CLASS`, then its last progress `(done/total)`).
 *
 * Returns: (nullable): the task, or %NULL when a statement of a file or
 *   nothing is known to run
 */
const char *
upg_execution_get_current_task (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->current_task;
}
