/* upg-command-runner.c - runs the external program of a command step
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The program runs without a shell, in the bundle directory, with the
 * inherited environment (less the configuration's secret variables) plus
 * UPGRADE_EXECUTION_ID, UPGRADE_FROM_VERSION, UPGRADE_TO_VERSION,
 * UPGRADE_SITE_ID, UPGRADE_STAGE, UPGRADE_ENV (JSON)
 * and UPGRADE_BUNDLE_DIR. Its stdout and stderr are appended, line by line
 * and tagged, to the execution's log. Exit status 0 is success. A step
 * `timeout` (seconds) sends SIGTERM, then SIGKILL 5 s later; a command step
 * without `timeout` has no time limit (long backups are normal), but it is
 * killed the same way when the run is cancelled. `retry_count` runs a
 * failed command again that many times.
 *
 * argv[0]: a relative path containing '/' is resolved in the bundle and may
 * not leave it; an absolute path is used as is; a bare name is looked up
 * in PATH.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <signal.h>
#include <string.h>

#include "upg-child-private.h"
#include "upg-executor-private.h"
#include "upg-secret-private.h"

#define KILL_GRACE_SECONDS 5
#define PIPE_DRAIN_SECONDS 2

typedef struct
{
  UpgRunContext  *ctx;
  UpgStep        *step;
  GSubprocess    *process;
  GCancellable   *reads;           /* stops reading when a grandchild keeps a pipe */
  guint           open_streams;
  gboolean        exited;
  gboolean        timed_out;
  gboolean        cancelled;
  GSource        *kill_source;
} CommandRun;

typedef struct
{
  CommandRun *run;
  const char *tag;
} StreamReader;

static void read_next_line (GDataInputStream *stream, StreamReader *reader);

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  StreamReader *reader = user_data;
  GDataInputStream *stream = G_DATA_INPUT_STREAM (source);
  g_autofree char *raw = g_data_input_stream_read_line_finish (stream, result, NULL, NULL);
  g_autofree char *line = NULL;

  if (raw == NULL)
    {
      reader->run->open_streams--;
      g_free (reader);
      return;
    }
  line = g_utf8_make_valid (raw, -1);
  upg_run_context_log (reader->run->ctx, G_LOG_LEVEL_INFO, "%s %s: %s",
                       upg_step_get_id (reader->run->step), reader->tag, line);
  read_next_line (stream, reader);
}

static void
read_next_line (GDataInputStream *stream,
                StreamReader     *reader)
{
  g_data_input_stream_read_line_async (stream, G_PRIORITY_DEFAULT, reader->run->reads,
                                       line_read_cb, reader);
}

static void
start_reading (CommandRun   *run,
               GInputStream *pipe,
               const char   *tag)
{
  g_autoptr(GDataInputStream) stream = g_data_input_stream_new (pipe);
  StreamReader *reader = g_new0 (StreamReader, 1);

  reader->run = run;
  reader->tag = tag;
  run->open_streams++;
  /* The pending read keeps its own reference to the stream. */
  read_next_line (stream, reader);
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  CommandRun *run = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  run->exited = TRUE;
}

static gboolean
force_kill_cb (gpointer user_data)
{
  CommandRun *run = user_data;

  g_subprocess_force_exit (run->process);
  return G_SOURCE_REMOVE;
}

static void
terminate (CommandRun *run)
{
  if (run->exited || run->kill_source != NULL)
    return;
  g_subprocess_send_signal (run->process, SIGTERM);
  run->kill_source = g_timeout_source_new_seconds (KILL_GRACE_SECONDS);
  g_source_set_callback (run->kill_source, force_kill_cb, run, NULL);
  g_source_attach (run->kill_source, g_main_context_get_thread_default ());
}

static gboolean
timeout_cb (gpointer user_data)
{
  CommandRun *run = user_data;

  run->timed_out = TRUE;
  terminate (run);
  return G_SOURCE_REMOVE;
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  CommandRun *run = user_data;

  run->cancelled = TRUE;
  terminate (run);
  return G_SOURCE_REMOVE;
}

static gboolean
drain_timeout_cb (gpointer user_data)
{
  CommandRun *run = user_data;

  g_cancellable_cancel (run->reads);
  return G_SOURCE_REMOVE;
}

static GSource *
attach (GSource     *source,
        GSourceFunc  callback,
        gpointer     data)
{
  g_source_set_callback (source, callback, data, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

static void
destroy_source (GSource *source)
{
  if (source != NULL)
    g_source_destroy (source);
}

/* Runs the loop of this thread's private context until the program exited
 * and both pipes are drained (or stayed open PIPE_DRAIN_SECONDS after the
 * exit, held by a grandchild). */
static void
wait_for_process (CommandRun *run)
{
  GMainContext *context = g_main_context_get_thread_default ();
  g_autoptr(GSource) timeout = NULL;
  g_autoptr(GSource) cancel = NULL;
  g_autoptr(GSource) drain = NULL;
  guint seconds = upg_step_get_timeout (run->step);

  g_subprocess_wait_async (run->process, NULL, wait_cb, run);
  if (seconds > 0)
    timeout = attach (g_timeout_source_new_seconds (seconds), timeout_cb, run);
  if (run->ctx->cancellable != NULL)
    cancel = attach (g_cancellable_source_new (run->ctx->cancellable), G_SOURCE_FUNC (cancelled_cb), run);

  while (!run->exited || run->open_streams > 0)
    {
      if (run->exited && drain == NULL)
        drain = attach (g_timeout_source_new_seconds (PIPE_DRAIN_SECONDS), drain_timeout_cb, run);
      g_main_context_iteration (context, TRUE);
    }

  destroy_source (timeout);
  destroy_source (cancel);
  destroy_source (drain);
  destroy_source (run->kill_source);
  g_clear_pointer (&run->kill_source, g_source_unref);
}

static char *
json_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

/*
 * upg_run_context_environ:
 *
 * The environment of a command or a plugin child of this run: the
 * inherited one without the configuration's secret variables
 * (upg_config_get_secret_env()), plus the UPGRADE_* variables.
 */
char **
upg_run_context_environ (UpgRunContext *ctx)
{
  char **env = g_get_environ ();
  g_autofree char *env_json = json_text (ctx->env);
  UpgBundle *bundle = upg_executor_get_bundle (ctx->executor);
  const char * const *secrets = upg_config_get_secret_env (upg_executor_get_config (ctx->executor));

  /* A command is not trusted with the data sources' passwords (SPEC §7):
   * it gets the UPGRADE_* variables, not FT_DB_PASSWORD. */
  for (guint i = 0; secrets[i] != NULL; i++)
    env = g_environ_unsetenv (env, secrets[i]);

  env = g_environ_setenv (env, "UPGRADE_EXECUTION_ID", upg_execution_get_id (ctx->execution), TRUE);
  env = g_environ_setenv (env, "UPGRADE_FROM_VERSION", ctx->from_text, TRUE);
  env = g_environ_setenv (env, "UPGRADE_TO_VERSION", ctx->to_text, TRUE);
  env = g_environ_setenv (env, "UPGRADE_SITE_ID", ctx->site_id, TRUE);
  env = g_environ_setenv (env, "UPGRADE_STAGE", upg_stage_to_string (ctx->stage), TRUE);
  env = g_environ_setenv (env, "UPGRADE_ENV", env_json, TRUE);
  env = g_environ_setenv (env, "UPGRADE_BUNDLE_DIR", upg_bundle_get_path (bundle), TRUE);
  return env;
}

/* The command line as status shows it while the program runs: quoted as
 * a shell would take it, without the password of a URL's user info, nor
 * the value of a secret variable of the configuration written out in an
 * argument (the program does not get those in its environment either). */
static char *
shown_command (UpgRunContext      *ctx,
               const char * const *argv)
{
  const char * const *secrets = upg_config_get_secret_env (upg_executor_get_config (ctx->executor));
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    {
      g_autofree char *arg = upg_secret_scrub_env (argv[i], secrets);
      g_autofree char *quoted = NULL;

      quoted = *arg == '\0' || arg[strcspn (arg, " \t\n'\"\\$`*?[]{}()<>|&;#~")] != '\0'
               ? g_shell_quote (arg) : g_strdup (arg);
      g_string_append_printf (text, "%s%s", i > 0 ? " " : "", quoted);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
resolve_program (UpgRunContext *ctx,
                 UpgStep       *step,
                 const char    *program,
                 GError       **error)
{
  char *found;

  if (g_path_is_absolute (program))
    return g_strdup (program);
  if (strchr (program, '/') != NULL)
    return upg_bundle_resolve_path (upg_executor_get_bundle (ctx->executor), program, error);

  found = g_find_program_in_path (program);
  if (found == NULL)
    g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED,
                 _("step '%s': program '%s' was not found in PATH"), upg_step_get_id (step), program);
  return found;
}

static gboolean
run_once (UpgRunContext *ctx,
          UpgStep       *step,
          GError       **error)
{
  const char * const *command = upg_step_get_command (step);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GCancellable) reads = g_cancellable_new ();
  g_auto(GStrv) env = NULL;
  g_autofree char *program = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) spawn_error = NULL;
  CommandRun run = { ctx, step, NULL, reads };
  gboolean ok;

  if (command == NULL || command[0] == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST,
                   _("step '%s': \"%s\" is empty"), upg_step_get_id (step), "command");
      return FALSE;
    }
  program = resolve_program (ctx, step, command[0], error);
  if (program == NULL)
    return FALSE;
  g_ptr_array_add (argv, program);
  for (guint i = 1; command[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) command[i]);
  g_ptr_array_add (argv, NULL);

  /* Its output is read into the log, never inherited: upgradectl's own
   * stdout is its user's (a --json document, a test's pipe). */
  launcher = upg_child_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  env = upg_run_context_environ (ctx);
  g_subprocess_launcher_set_environ (launcher, env);
  g_subprocess_launcher_set_cwd (launcher, upg_bundle_get_path (upg_executor_get_bundle (ctx->executor)));

  /* A long command (a backup, a wait) is what the run is doing: status
   * shows it as the running "statement", from before the program starts
   * (whatever it tells the world is said while it is shown). */
  {
    g_autofree char *shown = shown_command (ctx, command);

    upg_run_current_begin_task (ctx->current, upg_step_get_id (step), shown, upg_journal_get_now (ctx->journal),
                                ctx->statements_done, ctx->statements_total,
                                upg_execution_get_eta_seconds (ctx->execution));
  }
  run.process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &spawn_error);
  if (run.process == NULL)
    {
      upg_run_current_end (ctx->current);
      g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, _("step '%s': cannot start '%s': %s"),
                   upg_step_get_id (step), command[0], spawn_error->message);
      return FALSE;
    }
  start_reading (&run, g_subprocess_get_stdout_pipe (run.process), "stdout");
  start_reading (&run, g_subprocess_get_stderr_pipe (run.process), "stderr");
  wait_for_process (&run);
  upg_run_current_end (ctx->current);

  ok = FALSE;
  if (run.timed_out)
    g_set_error (error, UPG_ERROR, UPG_ERROR_TIMEOUT,
                 _("step '%s': '%s' exceeded its timeout of %u s and was killed"),
                 upg_step_get_id (step), command[0], upg_step_get_timeout (step));
  else if (run.cancelled)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                 _("step '%s': '%s' was stopped: the run was cancelled"), upg_step_get_id (step), command[0]);
  else if (g_subprocess_get_if_signaled (run.process))
    g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, _("step '%s': '%s' was killed by signal %d"),
                 upg_step_get_id (step), command[0], g_subprocess_get_term_sig (run.process));
  else if (g_subprocess_get_exit_status (run.process) != 0)
    g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, _("step '%s': '%s' exited with status %d"),
                 upg_step_get_id (step), command[0], g_subprocess_get_exit_status (run.process));
  else
    ok = TRUE;

  g_object_unref (run.process);
  return ok;
}

/*
 * upg_command_runner_run_step:
 *
 * Runs the command of @step, again up to its retry_count times if it
 * fails (but not when the run was cancelled).
 */
gboolean
upg_command_runner_run_step (UpgRunContext *ctx,
                             UpgStep       *step,
                             GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  guint retries = upg_step_get_retry_count (step);
  gboolean ok = FALSE;

  g_main_context_push_thread_default (context);
  for (guint attempt = 0; !ok; attempt++)
    {
      g_autoptr(GError) local_error = NULL;

      ok = run_once (ctx, step, &local_error);
      if (ok)
        break;
      if (attempt >= retries || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (local_error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          break;
        }
      upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, "%s; retrying (%u/%u)",
                           local_error->message, attempt + 1, retries);
    }
  g_main_context_pop_thread_default (context);
  return ok;
}
