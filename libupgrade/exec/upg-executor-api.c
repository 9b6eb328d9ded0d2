/* upg-executor-api.c - the public entry points of UpgExecutor: runs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-executor-private.h"
#include "upg-journal-confirm-private.h"
#include "upg-executor-run-private.h"
#include "upg-run-private.h"

/* A snapshot of what @run asks: the worker thread reads the request,
 * never the run, whose options belong to the caller's thread. */
UpgRunRequest *
upg_run_request_new (UpgRun *run)
{
  UpgRunRequest *request = g_new0 (UpgRunRequest, 1);
  const UpgVersion *from = upg_run_get_from (run);
  const UpgVersion *to = upg_run_get_to (run);
  JsonObject *env = upg_run_get_env (run);
  const char *via = NULL;

  switch (upg_run_get_kind (run))
    {
    case UPG_RUN_KIND_ROLLBACK:
      request->kind = UPG_RUN_REQUEST_ROLLBACK;
      break;
    case UPG_RUN_KIND_RESUME:
      request->kind = UPG_RUN_REQUEST_RESUME;
      break;
    case UPG_RUN_KIND_RUN:
    default:
      request->kind = UPG_RUN_REQUEST_RUN;
    }
  /* A resume reads what it continues from the journal. */
  if (request->kind != UPG_RUN_REQUEST_RESUME)
    {
      request->from = from != NULL ? upg_version_copy (from) : NULL;
      request->to = to != NULL ? upg_version_copy (to) : NULL;
      request->stage = upg_run_get_stage (run);
      request->site_id = g_strdup (upg_run_get_site_id (run));
      request->component = g_strdup (upg_run_get_component (run));
      request->env = env != NULL ? json_object_ref (env) : NULL;
    }
  request->execution_id = g_strdup (upg_run_get_resume_id (run));
  request->action = upg_run_get_action (run);
  request->accept_changed = upg_run_get_accept_changed (run);
  request->new_execution = upg_run_get_new_execution (run);
  request->forget = upg_run_get_forget (run);
  request->skip_checks = upg_run_get_skip_checks (run);
  request->skipped_by = g_strdup (upg_run_get_skipped_by (run));
  request->confirm = upg_run_get_confirm (run);
  request->confirmed_by = g_strdup (upg_run_get_confirmed_by (run, &via));
  request->confirm_via = g_strdup (via);
  request->checks_func = (gpointer) upg_run_get_checks_func (run, &request->checks_data);
  request->run = g_object_ref (run);
  return request;
}

void
upg_run_request_free (UpgRunRequest *request)
{
  g_clear_pointer (&request->from, upg_version_free);
  g_clear_pointer (&request->to, upg_version_free);
  g_free (request->site_id);
  g_free (request->component);
  g_clear_pointer (&request->env, json_object_unref);
  g_free (request->execution_id);
  g_free (request->skipped_by);
  g_free (request->confirmed_by);
  g_free (request->confirm_via);
  g_clear_pointer (&request->owner_context, g_main_context_unref);
  g_clear_object (&request->run);
  g_free (request);
}

typedef struct
{
  UpgRun       *run;
  UpgExecution *execution;
} RunResult;

static void
run_result_free (gpointer data)
{
  RunResult *result = data;

  g_object_unref (result->run);
  g_clear_object (&result->execution);
  g_free (result);
}

/* Hands the execution to the run, in the caller's main context: queued
 * after the run's last signal and before the GTask's callback. */
static gboolean
set_run_execution (gpointer data)
{
  RunResult *result = data;

  upg_run_set_execution (result->run, result->execution);
  return G_SOURCE_REMOVE;
}

/* The worker-thread side of upg_executor_run_async(). */
static void
request_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  UpgRunRequest *request = task_data;
  RunResult *result = g_new0 (RunResult, 1);
  g_autoptr(GSource) source = NULL;
  GError *error = NULL;

  upg_executor_execute (source_object, request, cancellable, &result->execution, &error);
  /* The execution travels even on failure: the caller needs its
   * breakpoint. */
  result->run = g_object_ref (request->run);
  /* A source, never a call from this thread (g_main_context_invoke()
   * would call it here when the owner context is free): it comes after
   * the run's signals, whose source is due already. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[libupgrade] run end");
  g_source_set_callback (source, set_run_execution, result, run_result_free);
  g_source_attach (source, request->owner_context);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * upg_executor_run_async:
 * @self: an executor
 * @run: what to run: a stage, its rollback, or the resume of an execution
 * @cancellable: (nullable): a #GCancellable: the run stops at the next
 *   statement boundary, with its breakpoint saved (INTERRUPTED), and
 *   fails with %G_IO_ERROR_CANCELLED
 * @callback: (scope async): called when the run stopped
 * @user_data: data for @callback
 *
 * Runs @run in a worker thread: the steps of its stage for the site
 * (%UPG_RUN_KIND_RUN), the stage's `rollback_steps` in reverse order with
 * the same journaling and breakpoints (%UPG_RUN_KIND_ROLLBACK), or the
 * continuation of a failed, in-doubt or interrupted execution at its
 * breakpoint (%UPG_RUN_KIND_RESUME).
 *
 * A run or rollback whose last execution of the same stage, versions and
 * site did not finish (failed, in doubt or interrupted) continues it at
 * its breakpoint instead, unless upg_run_set_new_execution() asked for a
 * new one. A resume is refused with %UPG_ERROR_RESUME_LIMIT after 10
 * resumes, with %UPG_ERROR_NOT_FOUND for an unknown id, and with
 * %UPG_ERROR_DATASOURCE (nothing changed) if a data source of the
 * remaining steps does not answer.
 *
 * The signals of @run are emitted in the thread-default main context of
 * the caller, and #UpgRun:execution is set there before @callback runs. A
 * run runs once: starting it again fails with %UPG_ERROR_INVALID_ARGUMENT.
 * Any number of runs (of different sites) may go on at once on @self.
 */
void
upg_executor_run_async (UpgExecutor         *self,
                        UpgRun              *run,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  UpgRunRequest *request;

  g_return_if_fail (UPG_IS_EXECUTOR (self));
  g_return_if_fail (UPG_IS_RUN (run));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, upg_executor_run_async);
  if (!upg_run_start (run, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* A cancelled run still ends with its own error and execution
   * (INTERRUPTED), not GTask's generic "Operation was cancelled". */
  g_task_set_check_cancellable (task, FALSE);
  request = upg_run_request_new (run);
  request->owner_context = g_main_context_ref_thread_default ();
  g_task_set_task_data (task, request, (GDestroyNotify) upg_run_request_free);
  g_task_run_in_thread (task, request_thread);
}

/**
 * upg_executor_run_finish:
 * @self: an executor
 * @result: the result given to the callback
 * @error: return location for a #GError: %UPG_ERROR_STEP_FAILED,
 *   %UPG_ERROR_IN_DOUBT, %UPG_ERROR_LOCKED, …
 *
 * Finishes upg_executor_run_async(). Whether it succeeded or not, the
 * execution is upg_run_get_execution() of the run.
 *
 * Returns: %TRUE if every step succeeded or was skipped
 */
gboolean
upg_executor_run_finish (UpgExecutor  *self,
                         GAsyncResult *result,
                         GError      **error)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == upg_executor_run_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * upg_executor_run:
 * @self: an executor
 * @run: what to run (see upg_executor_run_async())
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of upg_executor_run_async(): runs in the calling
 * thread and emits the signals of @run there. When it returns,
 * upg_run_get_execution() gives the execution, whether it succeeded or
 * not.
 *
 * Returns: %TRUE if every step succeeded or was skipped
 */
gboolean
upg_executor_run (UpgExecutor  *self,
                  UpgRun       *run,
                  GCancellable *cancellable,
                  GError      **error)
{
  UpgRunRequest *request;
  g_autoptr(UpgExecution) result = NULL;
  gboolean acquired;
  gboolean ok;

  g_return_val_if_fail (UPG_IS_EXECUTOR (self), FALSE);
  g_return_val_if_fail (UPG_IS_RUN (run), FALSE);

  if (!upg_run_start (run, error))
    return FALSE;
  request = upg_run_request_new (run);
  request->owner_context = g_main_context_ref_thread_default ();
  /* Owning the caller's context makes every signal run at once, even from
   * code that pushes its own thread-default context while it waits (the
   * plugin manager relaying a plugin's logs and progress); otherwise those
   * would wait for the caller to iterate its context, after the run. */
  acquired = g_main_context_acquire (request->owner_context);
  ok = upg_executor_execute (self, request, cancellable, &result, error);
  if (acquired)
    g_main_context_release (request->owner_context);
  upg_run_request_free (request);
  /* Here, not through the context: the caller may read it right away. */
  upg_run_set_execution (run, result);
  return ok;
}

/**
 * upg_executor_load_execution:
 * @self: an executor
 * @execution_id: (nullable): an execution's UUID, or %NULL for the latest
 *   execution of the configuration's site
 * @error: return location for a #GError (%UPG_ERROR_NOT_FOUND)
 *
 * Reads an execution back from the journal, for `status`, with the
 * confirmations of its steps and the checks skipped for it
 * (upg_execution_get_confirmations(), upg_execution_get_check_skips()).
 *
 * Returns: (transfer full): the execution, or %NULL
 */
UpgExecution *
upg_executor_load_execution (UpgExecutor *self,
                             const char  *execution_id,
                             GError     **error)
{
  UpgJournal *journal = upg_executor_get_journal (self);
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (UPG_IS_EXECUTOR (self), NULL);

  if (execution_id != NULL)
    record = upg_journal_get_execution (journal, execution_id, &local_error);
  else
    record = upg_journal_get_latest_execution (journal, upg_config_get_site_id (upg_executor_get_config (self)),
                                               &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (record == NULL)
    {
      if (execution_id != NULL)
        g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("execution '%s' is not in the journal"), execution_id);
      else
        g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("no execution in the journal yet"));
      return NULL;
    }
  if (!upg_journal_add_execution_approvals (journal, record, error))
    return NULL;
  return upg_execution_new_from_journal (record, error);
}

/**
 * upg_executor_mark_interrupted:
 * @self: an executor
 * @error: return location for a #GError
 *
 * For a service that restarts: marks the executions that this host left
 * RUNNING with a dead owner as INTERRUPTED, so that `run` or `resume`
 * continues them.
 *
 * Returns: how many executions were marked, 0 on error
 */
guint
upg_executor_mark_interrupted (UpgExecutor *self,
                               GError     **error)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), 0);
  return upg_journal_mark_interrupted (upg_executor_get_journal (self), error);
}
