/* upg-executor-api.c - the public entry points of UpgExecutor
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-executor-private.h"
#include "upg-executor-run-private.h"

UpgRunRequest *
upg_run_request_new (UpgRunRequestKind  kind,
                     const UpgVersion  *from,
                     const UpgVersion  *to,
                     UpgStage           stage,
                     const char        *site_id,
                     const char        *component,
                     JsonObject        *env)
{
  UpgRunRequest *request = g_new0 (UpgRunRequest, 1);

  request->kind = kind;
  request->from = from != NULL ? upg_version_copy (from) : NULL;
  request->to = to != NULL ? upg_version_copy (to) : NULL;
  request->stage = stage;
  request->site_id = g_strdup (site_id);
  request->component = g_strdup (component);
  request->env = env != NULL ? json_object_ref (env) : NULL;
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
  g_clear_pointer (&request->owner_context, g_main_context_unref);
  g_clear_object (&request->result);
  g_free (request);
}

/**
 * upg_executor_run_stage_async:
 * @self: an executor
 * @from: the version the site is at
 * @to: the version to upgrade to
 * @stage: the stage to run
 * @site_id: (nullable): the site, %NULL for the configuration's `site_id`
 * @component: (nullable): only run this component's steps
 * @env: (nullable): the caller's environment (`--env`), passed to commands
 *   and plugins
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the stage stopped
 * @user_data: data for @callback
 *
 * Runs the steps of @stage for the site in a worker thread. If the last
 * execution of the same stage, versions and site did not finish (failed,
 * in doubt or interrupted), it is continued at its breakpoint instead (a
 * resume). Signals are emitted in the thread-default main context of the
 * caller.
 */
void
upg_executor_run_stage_async (UpgExecutor         *self,
                              const UpgVersion    *from,
                              const UpgVersion    *to,
                              UpgStage             stage,
                              const char          *site_id,
                              const char          *component,
                              JsonObject          *env,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (UPG_IS_EXECUTOR (self));
  g_return_if_fail (from != NULL && to != NULL);

  upg_executor_start_request (self, upg_run_request_new (UPG_RUN_REQUEST_RUN, from, to, stage,
                                                         site_id, component, env),
                              cancellable, callback, user_data, upg_executor_run_stage_async);
}

/**
 * upg_executor_run_stage_finish:
 * @self: an executor
 * @result: the result given to the callback
 * @execution: (out) (optional) (nullable) (transfer full): the execution,
 *   when it succeeded; after a failure, upg_executor_dup_last_execution()
 *   gives it (its breakpoint says where)
 * @error: return location for a #GError: %UPG_ERROR_STEP_FAILED,
 *   %UPG_ERROR_IN_DOUBT, %UPG_ERROR_LOCKED, …
 *
 * Finishes upg_executor_run_stage_async().
 *
 * Returns: %TRUE if every step succeeded or was skipped
 */
gboolean
upg_executor_run_stage_finish (UpgExecutor   *self,
                               GAsyncResult  *result,
                               UpgExecution **execution,
                               GError       **error)
{
  return upg_executor_finish_request (self, result, upg_executor_run_stage_async, execution, error);
}

/**
 * upg_executor_run_stage:
 * @self: an executor
 * @from: the version the site is at
 * @to: the version to upgrade to
 * @stage: the stage to run
 * @site_id: (nullable): the site, %NULL for the configuration's `site_id`
 * @component: (nullable): only run this component's steps
 * @env: (nullable): the caller's environment
 * @cancellable: (nullable): a #GCancellable
 * @execution: (out) (optional) (nullable) (transfer full): the execution,
 *   when it succeeded (see upg_executor_dup_last_execution())
 * @error: return location for a #GError
 *
 * The synchronous form of upg_executor_run_stage_async(): runs in the
 * calling thread and emits signals there.
 *
 * Returns: %TRUE if every step succeeded or was skipped
 */
gboolean
upg_executor_run_stage (UpgExecutor      *self,
                        const UpgVersion *from,
                        const UpgVersion *to,
                        UpgStage          stage,
                        const char       *site_id,
                        const char       *component,
                        JsonObject       *env,
                        GCancellable     *cancellable,
                        UpgExecution    **execution,
                        GError          **error)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), FALSE);
  g_return_val_if_fail (from != NULL && to != NULL, FALSE);

  return upg_executor_run_request_sync (self, upg_run_request_new (UPG_RUN_REQUEST_RUN, from, to, stage,
                                                                   site_id, component, env),
                                        cancellable, execution, error);
}

/**
 * upg_executor_rollback_async:
 * @self: an executor
 * @from: the version the upgrade started from
 * @to: the version the upgrade went to
 * @stage: the stage whose rollback steps run
 * @site_id: (nullable): the site
 * @env: (nullable): the caller's environment
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the rollback stopped
 * @user_data: data for @callback
 *
 * Runs the `rollback_steps` of @stage of the plan from @from to @to, in
 * reverse order, with the same journaling and breakpoints as a run.
 */
void
upg_executor_rollback_async (UpgExecutor         *self,
                             const UpgVersion    *from,
                             const UpgVersion    *to,
                             UpgStage             stage,
                             const char          *site_id,
                             JsonObject          *env,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (UPG_IS_EXECUTOR (self));
  g_return_if_fail (from != NULL && to != NULL);

  upg_executor_start_request (self, upg_run_request_new (UPG_RUN_REQUEST_ROLLBACK, from, to, stage,
                                                         site_id, NULL, env),
                              cancellable, callback, user_data, upg_executor_rollback_async);
}

/**
 * upg_executor_rollback_finish:
 * @self: an executor
 * @result: the result given to the callback
 * @execution: (out) (optional) (nullable) (transfer full): the execution,
 *   when it succeeded (see upg_executor_dup_last_execution())
 * @error: return location for a #GError
 *
 * Finishes upg_executor_rollback_async().
 *
 * Returns: %TRUE if every rollback step succeeded or was skipped
 */
gboolean
upg_executor_rollback_finish (UpgExecutor   *self,
                              GAsyncResult  *result,
                              UpgExecution **execution,
                              GError       **error)
{
  return upg_executor_finish_request (self, result, upg_executor_rollback_async, execution, error);
}

/**
 * upg_executor_rollback:
 * @self: an executor
 * @from: the version the upgrade started from
 * @to: the version the upgrade went to
 * @stage: the stage whose rollback steps run
 * @site_id: (nullable): the site
 * @env: (nullable): the caller's environment
 * @cancellable: (nullable): a #GCancellable
 * @execution: (out) (optional) (nullable) (transfer full): the execution,
 *   when it succeeded (see upg_executor_dup_last_execution())
 * @error: return location for a #GError
 *
 * The synchronous form of upg_executor_rollback_async().
 *
 * Returns: %TRUE if every rollback step succeeded or was skipped
 */
gboolean
upg_executor_rollback (UpgExecutor      *self,
                       const UpgVersion *from,
                       const UpgVersion *to,
                       UpgStage          stage,
                       const char       *site_id,
                       JsonObject       *env,
                       GCancellable     *cancellable,
                       UpgExecution    **execution,
                       GError          **error)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), FALSE);
  g_return_val_if_fail (from != NULL && to != NULL, FALSE);

  return upg_executor_run_request_sync (self, upg_run_request_new (UPG_RUN_REQUEST_ROLLBACK, from, to,
                                                                   stage, site_id, NULL, env),
                                        cancellable, execution, error);
}

static UpgRunRequest *
resume_request_new (const char      *execution_id,
                    UpgResumeAction  action)
{
  UpgRunRequest *request = upg_run_request_new (UPG_RUN_REQUEST_RESUME, NULL, NULL, 0, NULL, NULL, NULL);

  request->execution_id = g_strdup (execution_id);
  request->action = action;
  return request;
}

/**
 * upg_executor_resume_async:
 * @self: an executor
 * @execution_id: the execution to resume
 * @action: what to do with the statement or step at the breakpoint
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the execution stopped
 * @user_data: data for @callback
 *
 * Continues a failed, in-doubt or interrupted execution at its breakpoint.
 * Refused with %UPG_ERROR_RESUME_LIMIT after 10 resumes, with
 * %UPG_ERROR_NOT_FOUND for an unknown id or a breakpoint older than 7
 * days, and with %UPG_ERROR_DATASOURCE (nothing changed) if a data source
 * of the remaining steps does not answer.
 */
void
upg_executor_resume_async (UpgExecutor         *self,
                           const char          *execution_id,
                           UpgResumeAction      action,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (UPG_IS_EXECUTOR (self));
  g_return_if_fail (execution_id != NULL);

  upg_executor_start_request (self, resume_request_new (execution_id, action),
                              cancellable, callback, user_data, upg_executor_resume_async);
}

/**
 * upg_executor_resume_finish:
 * @self: an executor
 * @result: the result given to the callback
 * @execution: (out) (optional) (nullable) (transfer full): the execution,
 *   when it succeeded (see upg_executor_dup_last_execution())
 * @error: return location for a #GError
 *
 * Finishes upg_executor_resume_async().
 *
 * Returns: %TRUE if the execution finished successfully
 */
gboolean
upg_executor_resume_finish (UpgExecutor   *self,
                            GAsyncResult  *result,
                            UpgExecution **execution,
                            GError       **error)
{
  return upg_executor_finish_request (self, result, upg_executor_resume_async, execution, error);
}

/**
 * upg_executor_resume:
 * @self: an executor
 * @execution_id: the execution to resume
 * @action: what to do with the statement or step at the breakpoint
 * @cancellable: (nullable): a #GCancellable
 * @execution: (out) (optional) (nullable) (transfer full): the execution,
 *   when it succeeded (see upg_executor_dup_last_execution())
 * @error: return location for a #GError
 *
 * The synchronous form of upg_executor_resume_async().
 *
 * Returns: %TRUE if the execution finished successfully
 */
gboolean
upg_executor_resume (UpgExecutor      *self,
                     const char       *execution_id,
                     UpgResumeAction   action,
                     GCancellable     *cancellable,
                     UpgExecution    **execution,
                     GError          **error)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), FALSE);
  g_return_val_if_fail (execution_id != NULL, FALSE);

  return upg_executor_run_request_sync (self, resume_request_new (execution_id, action),
                                        cancellable, execution, error);
}

/**
 * upg_executor_load_execution:
 * @self: an executor
 * @execution_id: (nullable): an execution's UUID, or %NULL for the latest
 *   execution of the configuration's site
 * @error: return location for a #GError (%UPG_ERROR_NOT_FOUND)
 *
 * Reads an execution back from the journal, for `status`.
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
