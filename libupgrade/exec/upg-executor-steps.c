/* upg-executor-steps.c - the steps of one run, and how the run ends
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-executor-checks-private.h"
#include "upg-executor-private.h"
#include "upg-executor-run-private.h"
#include "upg-journal-private.h"

/* Journals, records, logs and signals the end of one step. */
static gboolean
step_done (UpgRunContext *ctx,
           UpgStep       *step,
           UpgStepStatus  status,
           gint64         duration_ms,
           const char    *message,
           GError       **error)
{
  g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
  g_autofree char *took = upg_format_duration (duration_ms);

  if (status != UPG_STEP_STATUS_SKIPPED &&
      !upg_journal_finish_step (ctx->journal, upg_execution_get_id (ctx->execution),
                                upg_step_get_component (step), version, upg_step_get_id (step),
                                status, message, error))
    return FALSE;
  upg_execution_set_step (ctx->execution, upg_step_get_id (step), version, status, duration_ms, message);
  if (status == UPG_STEP_STATUS_SKIPPED)
    upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("[SKIPPED] %s (%s)"), upg_step_get_id (step), message);
  else if (status == UPG_STEP_STATUS_SUCCESS && message != NULL)
    upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("[SUCCESS] %s (%s): %s"), upg_step_get_id (step), took, message);
  else if (status == UPG_STEP_STATUS_SUCCESS)
    upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("[SUCCESS] %s (%s)"), upg_step_get_id (step), took);
  else
    upg_run_context_log_outcome (ctx, G_LOG_LEVEL_MESSAGE, _("[%s] %s (%s): %s"),
                                 upg_step_status_to_string (status), upg_step_get_id (step), took, message);
  upg_executor_emit_step_finished (ctx, step, status, duration_ms, message);
  return TRUE;
}

static gboolean
skip_step (UpgRunContext *ctx,
           UpgStep       *step,
           const char    *reason,
           GError       **error)
{
  g_autofree char *version = upg_version_to_string (upg_step_get_version (step));

  if (!upg_journal_skip_step (ctx->journal, upg_execution_get_id (ctx->execution),
                              upg_step_get_component (step), version, upg_step_get_id (step),
                              upg_step_get_stage (step), reason, error))
    return FALSE;
  return step_done (ctx, step, UPG_STEP_STATUS_SKIPPED, 0, reason, error);
}

static gboolean
run_step_body (UpgRunContext *ctx,
               UpgStep       *step,
               GError       **error)
{
  switch (upg_step_get_kind (step))
    {
    case UPG_STEP_KIND_SQL:
      return upg_sql_runner_run_step (ctx, step, error);
    case UPG_STEP_KIND_COMMAND:
      return upg_command_runner_run_step (ctx, step, error);
    case UPG_STEP_KIND_BATCHED_MIGRATION:
      return upg_batched_migration_runner_run_step (ctx, step, error);
    case UPG_STEP_KIND_BACKUP:
      return upg_backup_runner_run_step (ctx, step, error);
    case UPG_STEP_KIND_VERIFY:
      return upg_verify_runner_run_step (ctx, step, error);
    case UPG_STEP_KIND_HTTP_CHECK:
      return upg_http_check_runner_run_step (ctx, step, error);
    case UPG_STEP_KIND_CONFIG:
      return upg_config_runner_run_step (ctx, step, error);
    case UPG_STEP_KIND_REDIS:
    case UPG_STEP_KIND_REDIS_DELETE_PATTERN:
      return upg_redis_runner_run_step (ctx, step, error);
    case UPG_STEP_KIND_TOOL:
    default:
      return upg_tool_runner_run_step (ctx, step, error);
    }
}

/* Saves the breakpoint of a failed step (before anything reports it). A
 * SQL statement set its details in the execution; other steps stop at
 * the step itself. */
static void
save_breakpoint (UpgRunContext *ctx,
                 UpgStep       *step,
                 const GError  *failure)
{
  UpgExecution *e = ctx->execution;
  const UpgBreakpoint *bp = upg_execution_get_breakpoint (e);
  g_autoptr(GError) error = NULL;

  if (ctx->breakpoint_saved)
    return;
  if (bp == NULL || g_strcmp0 (upg_breakpoint_get_step_id (bp), upg_step_get_id (step)) != 0)
    {
      upg_execution_set_breakpoint (e, upg_step_get_id (step), NULL, 0, 0, NULL,
                                    upg_error_code_nick (failure), failure->message);
      bp = upg_execution_get_breakpoint (e);
    }
  if (!upg_journal_save_breakpoint (ctx->journal, upg_execution_get_id (e), upg_breakpoint_get_step_id (bp),
                                    upg_breakpoint_get_file (bp), upg_breakpoint_get_line (bp),
                                    upg_breakpoint_get_sequence (bp), upg_breakpoint_get_statement (bp),
                                    upg_breakpoint_get_error_code (bp), upg_breakpoint_get_error (bp),
                                    &error))
    {
      upg_run_context_log (ctx, G_LOG_LEVEL_CRITICAL, _("cannot save the breakpoint: %s"), error->message);
      g_free (ctx->breakpoint_lost);
      ctx->breakpoint_lost = g_strdup (error->message);
    }
}

/* Runs one step, unless it succeeded before or the operator skips it. */
static gboolean
run_step (UpgRunContext *ctx,
          UpgStep       *step,
          guint64        later_seconds,
          GError       **error)
{
  g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
  g_autofree char *succeeded_in = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean ok;
  gint64 start;

  succeeded_in = upg_journal_find_step_success (ctx->journal, ctx->site_id, upg_step_get_component (step),
                                                version, upg_step_get_id (step), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (succeeded_in != NULL)
    ctx->statements_done += upg_sql_runner_count (ctx, step);
  if (succeeded_in != NULL && g_str_equal (succeeded_in, upg_execution_get_id (ctx->execution)))
    return TRUE;  /* done earlier in this execution, before the breakpoint */
  if (succeeded_in != NULL)
    {
      g_autofree char *reason = g_strconcat (UPG_JOURNAL_SKIP_ALREADY_SUCCEEDED, succeeded_in, NULL);
      return skip_step (ctx, step, reason, error);
    }
  if (ctx->action == UPG_RESUME_ACTION_SKIP && upg_run_context_is_breakpoint (ctx, step, NULL, 0))
    {
      ctx->statements_done += upg_sql_runner_count (ctx, step);
      /* Journaled in English; reports translate it (upg_report_skip_note()). */
      return skip_step (ctx, step, N_("skipped by the operator (resume --skip)"), error);
    }

  /* Executing an upgrade step makes an earlier rollback of the stage stale. */
  if (!ctx->rollback && !ctx->reverted && !upg_executor_undo_reverted (ctx, error))
    return FALSE;
  if (!upg_journal_begin_step (ctx->journal, upg_execution_get_id (ctx->execution),
                               upg_step_get_component (step), version, upg_step_get_id (step),
                               upg_step_get_stage (step), error))
    return FALSE;
  upg_execution_set_step (ctx->execution, upg_step_get_id (step), version, UPG_STEP_STATUS_RUNNING, 0, NULL);
  upg_executor_emit_step_started (ctx, step);

  start = g_get_monotonic_time ();
  upg_executor_rate_begin_step (ctx, step, later_seconds);
  g_clear_pointer (&ctx->step_result, g_free);
  ok = run_step_body (ctx, step, &local_error);
  upg_executor_rate_end_step (ctx);
  if (ok)
    {
      g_autofree char *result = g_steal_pointer (&ctx->step_result);

      return step_done (ctx, step, UPG_STEP_STATUS_SUCCESS, (g_get_monotonic_time () - start) / 1000, result,
                        error);
    }
  g_clear_pointer (&ctx->step_result, g_free);

  save_breakpoint (ctx, step, local_error);
  step_done (ctx, step, UPG_STEP_STATUS_FAILED, (g_get_monotonic_time () - start) / 1000,
             local_error->message, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/*
 * upg_executor_run_steps:
 *
 * Runs @steps in order and ends the execution: SUCCESS, FAILED,
 * IN_DOUBT or (cancelled) INTERRUPTED, journaled.
 */
gboolean
upg_executor_run_steps (UpgRunContext *ctx,
                        GPtrArray     *steps,
                        GError       **error)
{
  g_autoptr(GError) failure = NULL;
  g_autoptr(GDateTime) now = NULL;
  UpgExecutionStatus status = UPG_EXECUTION_STATUS_SUCCESS;
  const char *id = upg_execution_get_id (ctx->execution);
  guint64 later_seconds = 0;

  for (guint i = 0; i < steps->len; i++)
    later_seconds += upg_estimate_step_seconds (g_ptr_array_index (steps, i), NULL);
  for (guint i = 0; i < steps->len && failure == NULL; i++)
    {
      UpgStep *step = g_ptr_array_index (steps, i);

      /* The ETA counts the configured estimates of the steps still ahead. */
      later_seconds -= MIN (later_seconds, upg_estimate_step_seconds (step, NULL));
      run_step (ctx, step, later_seconds, &failure);
    }
  /* A check stage checks once its declared steps succeeded. */
  if (failure == NULL)
    upg_executor_run_checks (ctx, &failure);
  /* A rollback reverted the stage only if every one of its steps is done. */
  if (failure == NULL && ctx->rollback)
    upg_executor_undo_reverted (ctx, &failure);

  /* The caller's cancellation comes back as GIO's G_IO_ERROR_CANCELLED,
   * whichever layer noticed it first (all of them say so). */
  if (g_error_matches (failure, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autoptr(GError) cancelled = g_steal_pointer (&failure);

      g_set_error (&failure, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the run was cancelled: %s", cancelled->message);
    }
  if (g_error_matches (failure, UPG_ERROR, UPG_ERROR_IN_DOUBT))
    status = UPG_EXECUTION_STATUS_IN_DOUBT;
  else if (g_error_matches (failure, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    status = UPG_EXECUTION_STATUS_INTERRUPTED;
  else if (failure != NULL)
    status = UPG_EXECUTION_STATUS_FAILED;
  /* Without its breakpoint a FAILED execution would read as expired to
   * the next run (SPEC §5: a full disk while saving it must leave the
   * execution resumable): INTERRUPTED continues at the first statement
   * the journal and the markers do not know as done, which is the one
   * that failed. If this write fails too, RUNNING does the same. */
  if (status != UPG_EXECUTION_STATUS_SUCCESS && ctx->breakpoint_lost != NULL)
    {
      g_autoptr(GError) lost = g_steal_pointer (&failure);

      status = UPG_EXECUTION_STATUS_INTERRUPTED;
      g_set_error (&failure, lost->domain, lost->code,
                   _("%s (the breakpoint could not be saved: %s; once that is fixed, run the same command "
                     "again: it continues at this statement)"), lost->message, ctx->breakpoint_lost);
    }

  /* Nothing is left of a finished stage; a stopped one has no estimate. */
  upg_execution_set_progress (ctx->execution, ctx->statements_done, ctx->statements_total,
                              status == UPG_EXECUTION_STATUS_SUCCESS ? 0 : -1);
  now = g_date_time_new_now_utc ();
  upg_execution_set_status (ctx->execution, status);
  upg_execution_set_finished (ctx->execution, now);
  upg_execution_set_message (ctx->execution, failure != NULL ? failure->message : NULL);
  if (status == UPG_EXECUTION_STATUS_SUCCESS)
    {
      upg_execution_clear_breakpoint (ctx->execution);
      if (!upg_journal_resolve_breakpoint (ctx->journal, id, error))
        return FALSE;
    }
  if (!upg_journal_set_execution_status (ctx->journal, id, status, failure != NULL ? failure->message : NULL,
                                         error))
    return FALSE;

  upg_run_context_log_outcome (ctx, status == UPG_EXECUTION_STATUS_SUCCESS ? G_LOG_LEVEL_INFO
                                                                         : G_LOG_LEVEL_MESSAGE,
                               _("execution %s: %s (%u of %u statements)"), upg_execution_status_to_string (status),
                               failure != NULL ? failure->message : _("every step succeeded or was skipped"),
                               ctx->statements_done, ctx->statements_total);
  if (failure == NULL)
    return TRUE;
  if (status == UPG_EXECUTION_STATUS_FAILED && failure->domain == UPG_ERROR &&
      failure->code != UPG_ERROR_STEP_FAILED && failure->code != UPG_ERROR_INVALID_BUNDLE &&
      failure->code != UPG_ERROR_CHECK_FAILED)
    {
      /* Every step failure exits 1 with the breakpoint saved, whatever
       * its cause (timeout, plugin, configuration). Drift is not one: an
       * applied statement's file changed (bad input, exit 2, SPEC §5). */
      g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, "%s", failure->message);
      return FALSE;
    }
  g_propagate_error (error, g_steal_pointer (&failure));
  return FALSE;
}
