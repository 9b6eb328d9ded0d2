/* upg-current-statement.c - what an execution is running now, as a value
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The run keeps the statement its worker thread is sending in memory
 * (upg-run-current.c), for the service's status. Embedders (a CI/CD
 * agent's Python script through GObject introspection) ask the same of
 * their UpgRun: a copy taken under the run's lock, which stays as it was
 * when taken while the run goes on (like UpgBreakpoint).
 */
#include "config.h"

#include "upg-run-private.h"

/**
 * UpgCurrentStatement:
 *
 * The statement an execution was sending to its database when asked
 * (upg_run_dup_current_statement()): its step, file, first line,
 * sequence number in the file, when it was sent and how long it had
 * been running then. A command step's program and a batched migration's
 * batch are shown the same way, with a task instead of a file.
 */
struct _UpgCurrentStatement
{
  char      *step_id;
  char      *file;
  char      *task;
  guint      line;
  guint      sequence;
  GDateTime *started;
  gint64     running_seconds;
};

G_DEFINE_BOXED_TYPE (UpgCurrentStatement, upg_current_statement, upg_current_statement_copy,
                     upg_current_statement_free)

/**
 * upg_current_statement_copy:
 * @self: a current statement
 *
 * Copies @self.
 *
 * Returns: (transfer full): a copy of @self, to free with
 *   upg_current_statement_free()
 */
UpgCurrentStatement *
upg_current_statement_copy (const UpgCurrentStatement *self)
{
  UpgCurrentStatement *copy;

  g_return_val_if_fail (self != NULL, NULL);
  copy = g_new0 (UpgCurrentStatement, 1);
  copy->step_id = g_strdup (self->step_id);
  copy->file = g_strdup (self->file);
  copy->task = g_strdup (self->task);
  copy->line = self->line;
  copy->sequence = self->sequence;
  copy->started = self->started != NULL ? g_date_time_ref (self->started) : NULL;
  copy->running_seconds = self->running_seconds;
  return copy;
}

/**
 * upg_current_statement_free:
 * @self: (nullable): a current statement
 *
 * Frees @self.
 */
void
upg_current_statement_free (UpgCurrentStatement *self)
{
  if (self == NULL)
    return;
  g_free (self->step_id);
  g_free (self->file);
  g_free (self->task);
  g_clear_pointer (&self->started, g_date_time_unref);
  g_free (self);
}

/**
 * upg_current_statement_get_step_id:
 * @self: a current statement
 *
 * Gets the id of the step the statement belongs to.
 *
 * Returns: the step id
 */
const char *
upg_current_statement_get_step_id (const UpgCurrentStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->step_id;
}

/**
 * upg_current_statement_get_file:
 * @self: a current statement
 *
 * Gets the file the statement comes from.
 *
 * Returns: (nullable): the file, relative to the bundle, or %NULL when
 *   what runs is not a statement of a file
 *   (upg_current_statement_get_task())
 */
const char *
upg_current_statement_get_file (const UpgCurrentStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->file;
}

/**
 * upg_current_statement_get_task:
 * @self: a current statement
 *
 * Gets what runs when it is not a statement of a file: the command line
 * of a command step (passwords cut), the batch of a batched migration
 * (its table and key range), or the plugin and class of a tool step
 * (`plugin NAME tool CLASS`, then its last progress `(done/total)`). Its
 * line and sequence are 0 then.
 *
 * Returns: (nullable): the task, or %NULL for a statement of a file
 */
const char *
upg_current_statement_get_task (const UpgCurrentStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->task;
}

/**
 * upg_current_statement_get_line:
 * @self: a current statement
 *
 * Gets the statement's first line in its file.
 *
 * Returns: the line, from 1; 0 for a task
 */
guint
upg_current_statement_get_line (const UpgCurrentStatement *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->line;
}

/**
 * upg_current_statement_get_sequence:
 * @self: a current statement
 *
 * Gets the statement's position in its file.
 *
 * Returns: the position, from 1; 0 for a task
 */
guint
upg_current_statement_get_sequence (const UpgCurrentStatement *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->sequence;
}

/**
 * upg_current_statement_get_started:
 * @self: a current statement
 *
 * Gets when the statement was sent.
 *
 * Returns: (transfer none): when it was sent, in UTC
 */
GDateTime *
upg_current_statement_get_started (const UpgCurrentStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->started;
}

/**
 * upg_current_statement_get_running_seconds:
 * @self: a current statement
 *
 * Gets how long the statement had been running when @self was taken
 * (upg_run_dup_current_statement()): a copy does not change while the
 * run goes on.
 *
 * Returns: whole seconds, 0 or more
 */
gint64
upg_current_statement_get_running_seconds (const UpgCurrentStatement *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->running_seconds;
}

/**
 * upg_run_dup_current_statement:
 * @self: a run
 *
 * Gets the statement the run's execution is sending to its database now,
 * or what runs instead when that is not a statement of a file (a command
 * step's program, a batched migration's batch: a task).
 * The run's worker thread updates it as it goes, without writing
 * anything: any thread may ask, as often as it likes (a run in another
 * process is seen through the journal instead, `upgradectl status`).
 *
 * Returns: (transfer full) (nullable): a copy of the statement running
 *   now, or %NULL while none is (between statements, before the run
 *   started its steps and after it ended)
 */
UpgCurrentStatement *
upg_run_dup_current_statement (UpgRun *self)
{
  g_autofree char *step_id = NULL, *file = NULL, *task = NULL;
  guint line = 0, sequence = 0;
  gint64 started_at_ms = 0, running_ms = 0;
  UpgCurrentStatement *current;

  g_return_val_if_fail (UPG_IS_RUN (self), NULL);
  if (!upg_run_current_get (upg_run_get_current (self), &step_id, &file, &task, &line, &sequence, &started_at_ms,
                            &running_ms))
    return NULL;
  current = g_new0 (UpgCurrentStatement, 1);
  current->step_id = g_steal_pointer (&step_id);
  current->file = g_steal_pointer (&file);
  current->task = g_steal_pointer (&task);
  current->line = line;
  current->sequence = sequence;
  current->started = upg_journal_date_time_from_ms (started_at_ms);
  current->running_seconds = MAX (running_ms, 0) / 1000;
  return current;
}
