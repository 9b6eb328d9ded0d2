/* upg-tool-runner.c - runs the plugin migration of a tool step
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A tool step (`class_name`) runs the UpgDataMigration of a loaded plugin
 * through the plugin manager, in the plugin host child process: `migrate`
 * for an upgrade, `rollback` for a rollback step. The plugin's checkpoint
 * is stored in the journal (step checkpoint of this execution), so a run
 * that was interrupted or failed starts again from it when the execution
 * continues. Its log lines go to the execution's log, tagged with the
 * step. `timeout` limits one attempt; `retry_count` retries a failed one.
 *
 * While it runs, status shows it as the run's current task (as a command
 * step's command line): `plugin NAME tool CLASS`, and once the plugin
 * reported progress, its last `(done/total)` (`(done/?)` when the plugin
 * does not know the total). The task is not translated: it is journaled
 * and read by `status` in other processes and locales, like a command
 * line; the plugin's progress message is left out (the log has it), as
 * free text from a plugin may be long or hold what status should not.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-executor-private.h"
#include "upg-plugin-manager.h"

typedef struct
{
  UpgRunContext *ctx;
  UpgStep       *step;
  char          *version;
  char          *task;         /* `plugin NAME tool CLASS`, what status shows */
} ToolRun;

static gboolean
save_checkpoint (UpgContext  *context,
                 const char  *checkpoint,
                 gpointer     user_data,
                 GError     **error)
{
  ToolRun *run = user_data;

  return upg_journal_set_checkpoint (run->ctx->journal, upg_execution_get_id (run->ctx->execution),
                                     upg_step_get_component (run->step), run->version,
                                     upg_step_get_id (run->step), checkpoint, error);
}

static gboolean
on_log (UpgContext *context,
        guint       level,
        const char *message,
        ToolRun    *run)
{
  upg_run_context_log (run->ctx, G_LOG_LEVEL_INFO, "%s plugin: %s", upg_step_get_id (run->step), message);
  return TRUE;
}

/* Status shows the progress before the log says it: whoever read the
 * log line and asks `status` sees at least that much. */
static void
on_progress (UpgContext *context,
             guint64     done,
             guint64     total,
             const char *message,
             ToolRun    *run)
{
  g_autofree char *task = total > 0
                          ? g_strdup_printf ("%s (%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT ")", run->task, done,
                                             total)
                          : g_strdup_printf ("%s (%" G_GUINT64_FORMAT "/?)", run->task, done);

  upg_run_current_set_task (run->ctx->current, task);
  upg_run_context_log (run->ctx, G_LOG_LEVEL_DEBUG, "%s progress %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT "%s%s",
                       upg_step_get_id (run->step), done, total, message != NULL ? ": " : "",
                       message != NULL ? message : "");
  upg_executor_emit_tool_progress (run->ctx, run->step, done, total);
}

static UpgContext *
tool_context (ToolRun  *run,
              GError  **error)
{
  UpgRunContext *ctx = run->ctx;
  g_autoptr(UpgContext) context = upg_context_new (upg_execution_get_id (ctx->execution));
  g_autoptr(UpgVersion) from = upg_version_parse (ctx->from_text, NULL);
  g_autoptr(UpgVersion) to = upg_version_parse (ctx->to_text, NULL);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *checkpoint = NULL;

  checkpoint = upg_journal_get_checkpoint (ctx->journal, upg_execution_get_id (ctx->execution),
                                           upg_step_get_component (run->step), run->version,
                                           upg_step_get_id (run->step), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  upg_context_set_from_version (context, from);
  upg_context_set_to_version (context, to);
  upg_context_set_site_id (context, ctx->site_id);
  upg_context_set_stage (context, ctx->stage);
  upg_context_set_component (context, upg_step_get_component (run->step));
  upg_context_set_step_id (context, upg_step_get_id (run->step));
  upg_context_set_bundle_dir (context, upg_bundle_get_path (upg_executor_get_bundle (ctx->executor)));
  upg_context_set_env (context, ctx->env);
  if (upg_step_get_params (run->step) != NULL)
    upg_context_set_params (context, upg_step_get_params (run->step));
  upg_context_set_cancellable (context, ctx->cancellable);
  if (checkpoint != NULL)
    {
      upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, "%s: resuming from checkpoint %s",
                           upg_step_get_id (run->step), checkpoint);
      upg_context_set_checkpoint (context, checkpoint);
    }
  upg_context_set_checkpoint_saver (context, save_checkpoint, run, NULL);
  g_signal_connect (context, "log", G_CALLBACK (on_log), run);
  g_signal_connect (context, "progress", G_CALLBACK (on_progress), run);
  return g_steal_pointer (&context);
}

/*
 * upg_tool_runner_run_step:
 *
 * Runs the migration of @step's class in the plugin host.
 */
gboolean
upg_tool_runner_run_step (UpgRunContext *ctx,
                          UpgStep       *step,
                          GError       **error)
{
  const char *class_name = upg_step_get_class_name (step);
  g_autoptr(UpgPluginManager) manager = upg_executor_dup_plugin_manager (ctx->executor);
  g_autoptr(UpgPluginInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  ToolRun run = { ctx, step, upg_version_to_string (upg_step_get_version (step)), NULL };
  guint retries = upg_step_get_retry_count (step);
  gboolean ok = FALSE;

  info = upg_plugin_manager_find_type (manager, class_name, &local_error);
  if (info == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN, _("step '%s': no plugin provides class '%s' (%s)"),
                   upg_step_get_id (step), class_name, local_error->message);
      g_free (run.version);
      return FALSE;
    }
  run.task = g_strdup_printf ("plugin %s tool %s", upg_plugin_info_get_name (info), class_name);

  for (guint attempt = 0; !ok; attempt++)
    {
      g_autoptr(UpgContext) context = tool_context (&run, error);

      g_clear_error (&local_error);
      if (context == NULL)
        break;
      /* From before the plugin host starts, like a command's program. */
      upg_run_current_begin_task (ctx->current, upg_step_get_id (step), run.task, upg_journal_get_now (ctx->journal),
                                  ctx->statements_done, ctx->statements_total,
                                  upg_execution_get_eta_seconds (ctx->execution));
      ok = upg_plugin_manager_run_migration (manager, class_name,
                                             ctx->rollback ? UPG_MIGRATION_ACTION_ROLLBACK
                                                           : UPG_MIGRATION_ACTION_MIGRATE,
                                             context, upg_step_get_params (step), upg_step_get_timeout (step),
                                             ctx->cancellable, &local_error);
      upg_run_current_end (ctx->current);
      if (ok)
        break;
      if (attempt >= retries || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), _("step '%s': "),
                                      upg_step_get_id (step));
          break;
        }
      upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, "%s: %s; retrying (%u/%u)", upg_step_get_id (step),
                           local_error->message, attempt + 1, retries);
    }
  g_free (run.version);
  g_free (run.task);
  return ok;
}
