/* upgradectl-run.c - `upgradectl run --from V --to V --stage STAGE
 *                    [--site ID] [--env JSON] [--component C]`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Also the helpers the execution commands share (upgradectl-executor.h).
 */
#include "config.h"

#include <signal.h>
#include <unistd.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "upgradectl-commands.h"
#include "upgradectl-executor.h"
#include "upg-exit-code.h"
#include "upg-json-private.h"
#include "upg-run-private.h"
#include "upg-report-private.h"

/**
 * upgctl_exec_init:
 * @exec: the state to fill
 * @ctl: the invocation
 * @need_executor: whether the command runs steps (needs the bundle)
 * @error: return location for an error
 *
 * Loads the configuration (`-c`, optional), opens the journal (the
 * configuration's, else `<state-dir>/journal.db`) and, if asked, the
 * bundle and an executor.
 *
 * Returns: %TRUE on success
 */
gboolean
upgctl_exec_init (UpgCtlExec *exec,
                  UpgCtl     *ctl,
                  gboolean    need_executor,
                  GError    **error)
{
  UpgBundle *bundle;

  *exec = (UpgCtlExec) { ctl };
  exec->config = ctl->config_path != NULL ? upg_config_new_from_file (ctl->config_path, error)
                                          : upg_config_new ();
  if (exec->config == NULL)
    return FALSE;
  exec->journal = upg_journal_open_for_site (exec->config, ctl->state_dir, error);
  if (exec->journal == NULL)
    return FALSE;
  if (!need_executor)
    return TRUE;
  bundle = upgctl_get_bundle (ctl, error);
  if (bundle == NULL)
    return FALSE;
  exec->executor = upg_executor_new (exec->config, bundle, exec->journal, ctl->state_dir);
  return TRUE;
}

void
upgctl_exec_clear (UpgCtlExec *exec)
{
  g_clear_object (&exec->executor);
  g_clear_object (&exec->journal);
  g_clear_object (&exec->config);
  g_clear_pointer (&exec->rate_message, g_free);
}

/**
 * upgctl_exec_site:
 * @exec: the state
 * @site_option: (nullable): `--site`
 * @error: return location for an error
 *
 * Returns: (transfer none): `--site`, else the configuration's `site_id`
 */
const char *
upgctl_exec_site (UpgCtlExec *exec,
                  const char *site_option,
                  GError    **error)
{
  const char *site = site_option;

  if (site == NULL || *site == '\0')
    site = upg_config_get_site_id (exec->config);
  if (site == NULL || *site == '\0')
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           _("no site given: pass --site ID or set site_id in the configuration"));
      return NULL;
    }
  if (!upg_config_check_site (exec->config, site, error))
    return NULL;
  return site;
}

/**
 * upgctl_exec_parse_env:
 * @text: (nullable): the value of `--env`
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the JSON object, %NULL without
 *   `--env` or on error (@error set)
 */
JsonObject *
upgctl_exec_parse_env (const char *text,
                       GError    **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) parse_error = NULL;

  if (text == NULL)
    return NULL;
  node = upg_json_load (text, -1, "--env", UPG_ERROR_INVALID_ARGUMENT, &parse_error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("--env: expected a JSON object such as '{\"cluster_id\": \"bj-01\"}', got '%s'%s%s"),
                   text, parse_error != NULL ? ": " : "", parse_error != NULL ? parse_error->message : "");
      return NULL;
    }
  return json_object_ref (json_node_get_object (node));
}

/* ---- waiting for a run while SIGINT and SIGTERM cancel it ------------
 *
 * Without this, Ctrl-C or a service manager's SIGTERM killed upgradectl
 * in the middle of a statement: the execution stayed RUNNING and the site
 * locked until a later run took the stale lock. Here the signal cancels
 * the run's GCancellable instead: the running statement finishes or is
 * cancelled by its database, the execution is journaled INTERRUPTED, the
 * lock is released, and upgradectl exits 130 (SIGINT) or 143 (SIGTERM),
 * as a shell reports a process killed by that signal (SPEC §9). */

static void
on_signal (UpgCtlWait *wait,
           int         signum)
{
  if (wait->signal == 0)
    {
      wait->signal = signum;
      g_warning (_("%s received: stopping after the current statement (the execution will be INTERRUPTED; "
                   "run the same command again to continue)"), signum == SIGINT ? "SIGINT" : "SIGTERM");
    }
  g_cancellable_cancel (wait->cancellable);
}

static gboolean
on_sigint (gpointer user_data)
{
  on_signal (user_data, SIGINT);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigterm (gpointer user_data)
{
  on_signal (user_data, SIGTERM);
  return G_SOURCE_CONTINUE;
}

/**
 * upgctl_wait_init:
 * @wait: the state to fill
 *
 * Installs the SIGINT and SIGTERM handlers (before the run starts, so that
 * no signal can kill it outright) and a cancellable for the run.
 */
void
upgctl_wait_init (UpgCtlWait *wait)
{
  *wait = (UpgCtlWait) { 0 };
  wait->loop = g_main_loop_new (NULL, FALSE);
  wait->cancellable = g_cancellable_new ();
  wait->sources[0] = g_unix_signal_add (SIGINT, on_sigint, wait);
  wait->sources[1] = g_unix_signal_add (SIGTERM, on_sigterm, wait);
}

/**
 * upgctl_wait_done:
 * @source: the executor
 * @result: the run's result
 * @user_data: the #UpgCtlWait
 *
 * The callback to give the executor's `_async` function.
 */
void
upgctl_wait_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  UpgCtlWait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

/**
 * upgctl_wait_run:
 * @wait: the state
 *
 * Runs the main loop (where the executor emits its signals: progress,
 * steps) until the run finished.
 *
 * Returns: (transfer none): the result to give the `_finish` function
 */
GAsyncResult *
upgctl_wait_run (UpgCtlWait *wait)
{
  if (wait->result == NULL)
    g_main_loop_run (wait->loop);
  return wait->result;
}

/**
 * upgctl_wait_exit_code:
 * @wait: the state
 * @execution: (nullable): the execution
 * @code: the exit code of the outcome
 *
 * Returns: 128 + the signal when one stopped the execution, else @code
 */
int
upgctl_wait_exit_code (UpgCtlWait   *wait,
                       UpgExecution *execution,
                       int           code)
{
  if (wait->signal != 0 && execution != NULL &&
      upg_execution_get_status (execution) == UPG_EXECUTION_STATUS_INTERRUPTED)
    return 128 + wait->signal;
  return code;
}

void
upgctl_wait_clear (UpgCtlWait *wait)
{
  for (guint i = 0; i < G_N_ELEMENTS (wait->sources); i++)
    if (wait->sources[i] != 0)
      g_source_remove (wait->sources[i]);
  g_clear_object (&wait->result);
  g_clear_object (&wait->cancellable);
  g_clear_pointer (&wait->loop, g_main_loop_unref);
}

static void
clear_progress (UpgCtlExec *exec)
{
  if (exec->progress_shown)
    g_printerr ("\r\033[K");
  exec->progress_shown = FALSE;
}

/* The stages whose steps are the assessment's checks (SPEC §3). */
static gboolean
is_check_stage (UpgStage stage)
{
  return stage == UPG_STAGE_RESOURCE_CHECK || stage == UPG_STAGE_BUSINESS_CHECK;
}

static void
step_finished_cb (UpgRun        *run,
                  const char    *step_id,
                  const char    *version,
                  UpgStepStatus  step_status,
                  gint64         duration_ms,
                  const char    *message,
                  UpgCtlExec    *exec)
{
  g_autofree char *took = upg_format_duration (duration_ms);
  const char *status = upg_step_status_to_string (step_status);

  clear_progress (exec);
  g_clear_pointer (&exec->rate_message, g_free);
  if (step_status == UPG_STEP_STATUS_SKIPPED)
    {
      g_autofree char *note = upg_report_skip_note (message);

      g_print ("[%s] %s %s\n", status, step_id, note);
    }
  /* A built-in step's result: the values verified, the health answer.
   * A failed check has no breakpoint to tell why it failed (an unset
   * password variable, the rows found): its line is all the operator
   * sees of it, the engine's own outcome lines being hidden. */
  else if (message != NULL &&
           (step_status == UPG_STEP_STATUS_SUCCESS ||
            (step_status == UPG_STEP_STATUS_FAILED && is_check_stage (upg_run_get_stage (run)))))
    g_print ("[%s] %s (%s): %s\n", status, step_id, took, message);
  else
    g_print ("[%s] %s (%s)\n", status, step_id, took);
}

static void
progress_cb (UpgRun      *run,
             guint        done,
             guint        total,
             const char  *position,
             gint64       eta_seconds,
             UpgCtlExec  *exec)
{
  g_autofree char *eta = eta_seconds < 0 ? g_strdup ("?")
                         : eta_seconds == 0 ? g_strdup ("<1s") : upg_format_duration (eta_seconds * 1000);
  g_autofree char *counts = total > 0 ? g_strdup_printf ("statement %u/%u  ", done, total) : g_strdup ("");

  /* A stage of batched migrations only has no statements to count. */
  g_printerr ("\r\033[K%s%s  ETA %s%s%s%s", counts, position, eta,
              exec->rate_message != NULL ? " (" : "", exec->rate_message != NULL ? exec->rate_message : "",
              exec->rate_message != NULL ? ")" : "");
  exec->progress_shown = TRUE;
}

/* Shown on the progress line until the step ends (SPEC §3); the
 * "progress" that follows carries the revised ETA. */
static void
rate_revised_cb (UpgRun      *run,
                 const char  *step_id,
                 const char  *message,
                 gint64       eta_seconds,
                 UpgCtlExec  *exec)
{
  g_free (exec->rate_message);
  exec->rate_message = g_strdup (message);
}

static void
connect_output (UpgCtlExec *exec,
                UpgRun     *run)
{
  if (exec->ctl->json)
    return;
  upgctl_log_hide_outcomes ();
  g_signal_connect (run, "step-finished", G_CALLBACK (step_finished_cb), exec);
  if (isatty (STDERR_FILENO))
    {
      g_signal_connect (run, "progress", G_CALLBACK (progress_cb), exec);
      g_signal_connect (run, "rate-revised", G_CALLBACK (rate_revised_cb), exec);
    }
}

static void
print_summary (UpgExecution *execution)
{
  const UpgBreakpoint *bp = upg_execution_get_breakpoint (execution);
  const char *code = bp != NULL ? upg_breakpoint_get_error_code (bp) : NULL;
  UpgStage stage = upg_execution_get_stage (execution);

  g_print (_("Execution %s: %s\n"), upg_execution_get_id (execution),
           upg_execution_status_to_string (upg_execution_get_status (execution)));
  if (is_check_stage (stage) && !upg_execution_is_rollback (execution))
    {
      UpgVerdict verdict = upg_execution_get_check_verdict (execution);

      /* TRANSLATORS: the check stage, its verdict (pass, warn, fail) */
      g_print (_("Checks of %s: %s\n"), upg_stage_to_string (stage), upg_verdict_to_string (verdict));
      if (verdict == UPG_VERDICT_FAIL)
        g_print (_("Fix what failed, then run --stage %s again: the later stages are refused until it passes "
                   "(or run them with --skip-checks, journaled).\n"), upg_stage_to_string (stage));
      return;
    }
  if (bp == NULL)
    return;
  if (upg_breakpoint_get_file (bp) != NULL)
    g_print (_("Breakpoint: step %s, %s:%u (statement %u)\n"), upg_breakpoint_get_step_id (bp),
             upg_breakpoint_get_file (bp), upg_breakpoint_get_line (bp), upg_breakpoint_get_sequence (bp));
  else
    g_print (_("Breakpoint: step %s\n"), upg_breakpoint_get_step_id (bp));
  /* The engine's errors start with "ERROR <code>" already: the code is
   * added only when the text does not say it. */
  if (code != NULL && upg_breakpoint_get_error (bp) != NULL)
    {
      g_autofree char *prefix = g_strdup_printf ("ERROR %s", code);

      if (g_str_has_prefix (upg_breakpoint_get_error (bp), prefix))
        code = NULL;
    }
  if (upg_breakpoint_get_error (bp) != NULL)
    g_print (_("Error: %s%s%s%s\n"), upg_breakpoint_get_error (bp), code != NULL ? " (" : "",
             code != NULL ? code : "", code != NULL ? ")" : "");
  g_print (_("Fix the cause, then run the same command again or 'upgradectl resume %s [--retry|--skip]'.\n"),
           upg_execution_get_id (execution));
}

/**
 * upgctl_exec_report:
 * @exec: the state
 * @execution: (nullable): the execution, if one started
 * @error: (nullable): why it stopped, %NULL on success
 *
 * Prints the outcome: with `--json` the run form of the execution (or the
 * error document when no execution started); otherwise a summary.
 *
 * Returns: the exit code
 */
int
upgctl_exec_report (UpgCtlExec   *exec,
                    UpgExecution *execution,
                    const GError *error)
{
  clear_progress (exec);
  if (execution == NULL)
    return error != NULL ? upgctl_fail (exec->ctl, error) : 0;

  if (exec->ctl->json)
    {
      g_autoptr(JsonNode) node = upg_execution_to_json (execution, TRUE);

      upgctl_print_json (exec->ctl, node);
    }
  else
    {
      const UpgBreakpoint *bp = upg_execution_get_breakpoint (execution);

      print_summary (execution);
      /* The summary shows the breakpoint's error already. */
      if (error != NULL && (bp == NULL || upg_breakpoint_get_error (bp) == NULL))
        g_printerr ("upgradectl %s: %s\n", exec->ctl->command, error->message);
    }
  return upg_exit_code_for_error (error);
}

/**
 * upgctl_exec_wait_report:
 * @exec: the state
 * @wait: the wait the run ended in
 * @run: the run, stopped
 * @error: (nullable): why it stopped, %NULL on success
 *
 * Reports the execution of @run, kept by the run even after a failure.
 *
 * Returns: the exit code
 */
int
upgctl_exec_wait_report (UpgCtlExec   *exec,
                         UpgCtlWait   *wait,
                         UpgRun       *run,
                         const GError *error)
{
  UpgExecution *execution = upg_run_get_execution (run);

  return upgctl_wait_exit_code (wait, execution, upgctl_exec_report (exec, execution, error));
}

/* ---- confirmation of steps that need it (SPEC §3) --------------------- */

/**
 * upgctl_confirm_who:
 *
 * Returns: (transfer full): who confirms from this terminal: `user@host`
 */
char *
upgctl_confirm_who (void)
{
  return g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
}

/**
 * upgctl_confirm_refused:
 * @exec: the state
 * @run: the run refused with %UPG_ERROR_CONFIRMATION_REQUIRED
 * @error: its error
 *
 * Reports a run refused because steps need confirmation: the steps of its
 * stage (with `--json` also as `error.steps`) and how to confirm them.
 *
 * Returns: the exit code (6)
 */
int
upgctl_confirm_refused (UpgCtlExec   *exec,
                        UpgRun       *run,
                        const GError *error)
{
  g_autoptr(JsonArray) steps = upg_executor_list_unconfirmed_for_run (exec->executor, run, NULL);
  g_autofree char *from = upg_version_to_string (upg_run_get_from (run));
  g_autofree char *to = upg_version_to_string (upg_run_get_to (run));

  upgctl_detach_child_failed (upg_exit_code_for_error (error), error);
  if (exec->ctl->json)
    {
      g_autoptr(JsonObject) doc = json_object_new ();
      JsonObject *object = json_object_new ();
      g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), doc);

      json_object_set_string_member (object, "code", upg_error_code_nick (error));
      json_object_set_string_member (object, "message", error->message);
      json_object_set_array_member (object, "steps", steps != NULL ? json_array_ref (steps) : json_array_new ());
      json_object_set_object_member (doc, "error", object);
      upgctl_print_json (exec->ctl, root);
    }
  else
    {
      /* The error lists the steps with their reasons already. */
      g_printerr ("upgradectl %s: %s\n", exec->ctl->command, error->message);
      g_printerr (_("Check these steps, then confirm them with 'upgradectl confirm --from %s --to %s --site %s' "
                    "(or --step ID for one), or run again with --confirm.\n"),
                  from, to, upg_run_get_site_id (run));
    }
  return upg_exit_code_for_error (error);
}

/* A detached child (upgradectl-detach.c) tells its parent once the
 * execution started: it holds the site's lock. */
static void
detached_started_cb (UpgRun      *run,
                     const char  *execution_id,
                     gpointer     user_data)
{
  upgctl_detach_child_started (execution_id, upg_run_get_site_id (run));
}

/* The options of `run` a detached child gets (not --env: on its stdin). */
static char **
detach_args (const char *from_text, const char *to_text, const char *stage_text, const char *site_option,
             const char *component, gboolean accept_changed, gboolean new_execution, gboolean confirm,
             gboolean skip_checks)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **args;

  g_strv_builder_add_many (builder, "--from", from_text, "--to", to_text, "--stage", stage_text, NULL);
  if (site_option != NULL)
    g_strv_builder_add_many (builder, "--site", site_option, NULL);
  if (component != NULL)
    g_strv_builder_add_many (builder, "--component", component, NULL);
  if (accept_changed)
    g_strv_builder_add (builder, "--accept-changed");
  if (new_execution)
    g_strv_builder_add (builder, "--new-execution");
  if (confirm)
    g_strv_builder_add (builder, "--confirm");
  if (skip_checks)
    g_strv_builder_add (builder, "--skip-checks");
  args = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return args;
}

static int
run_stage (UpgCtl   *ctl,
           int       argc,
           char    **argv,
           gboolean  rollback)
{
  g_autofree char *from_text = NULL, *to_text = NULL, *stage_text = NULL;
  g_autofree char *site_option = NULL, *env_text = NULL, *component = NULL;
  gboolean accept_changed = FALSE;
  gboolean new_execution = FALSE;
  gboolean confirm = FALSE;
  gboolean skip_checks = FALSE;
  gboolean forget = FALSE;
  gboolean detach = FALSE;
  gboolean detached_child = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgVersion) from = NULL;
  g_autoptr(UpgVersion) to = NULL;
  g_autoptr(JsonObject) env = NULL;
  g_autoptr(UpgRun) run = NULL;
  g_auto(UpgCtlExec) exec = { 0 };
  g_auto(UpgCtlWait) wait = { 0 };
  const char *site;
  UpgStage stage;
  int code;
  const GOptionEntry rollback_entries[] = {
    { "forget", 0, 0, G_OPTION_ARG_NONE, &forget,
      N_("Steps that succeeded and have no rollback steps no longer count as done (their effect stays)"), NULL },
    G_OPTION_ENTRY_NULL
  };
  GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text, N_("Version the site is at"), N_("V") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to_text, N_("Version to upgrade to"), N_("V") },
    { "stage", 0, 0, G_OPTION_ARG_STRING, &stage_text, N_("Stage to run"), N_("STAGE") },
    { "site", 0, 0, G_OPTION_ARG_STRING, &site_option,
      N_("Site (default: the configuration's site_id)"), N_("ID") },
    { "env", 0, 0, G_OPTION_ARG_STRING, &env_text, N_("Environment passed to commands and plugins"),
      N_("JSON") },
    { "component", 0, 0, G_OPTION_ARG_STRING, &component, N_("Only this component's steps"), N_("C") },
    { "accept-changed", 0, 0, G_OPTION_ARG_NONE, &accept_changed,
      N_("Proceed when applied statements changed in their files (journals who accepted it)"), NULL },
    { "new-execution", 0, 0, G_OPTION_ARG_NONE, &new_execution,
      N_("Start a new execution instead of continuing the unfinished one (after the resume limit)"), NULL },
    { "confirm", 0, 0, G_OPTION_ARG_NONE, &confirm,
      N_("Confirm every step of the plan that needs manual confirmation (journaled as you)"), NULL },
    { "skip-checks", 0, 0, G_OPTION_ARG_NONE, &skip_checks,
      N_("Run this stage although its check stages have not passed (journaled as you, with why)"), NULL },
    { "detach", 0, 0, G_OPTION_ARG_NONE, &detach,
      N_("Return once the run started; it goes on in the background (log in the state directory)"), NULL },
    { "detached-child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &detached_child, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  if (rollback)
    {
      /* rollback has no --component … --skip-checks, but --forget */
      entries[5] = rollback_entries[0];
      entries[6] = rollback_entries[1];
    }
  if (!upgctl_parse_options (ctl, entries, rollback ? "rollback" : "run", &argc, &argv, &error) ||
      !upgctl_expect_no_arguments (argc, argv, &error))
    return upgctl_fail (ctl, error);
  if ((from = upgctl_parse_version ("--from", from_text, &error)) == NULL ||
      (to = upgctl_parse_version ("--to", to_text, &error)) == NULL)
    return upgctl_fail (ctl, error);
  if (stage_text == NULL)
    {
      g_set_error_literal (&error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT, _("--stage STAGE is required"));
      return upgctl_fail (ctl, error);
    }
  if (!upg_stage_from_string (stage_text, &stage, &error))
    {
      g_prefix_error (&error, "--stage: ");
      return upgctl_fail (ctl, error);
    }
  if (detached_child)
    {
      g_clear_pointer (&env_text, g_free);
      if (!upgctl_detach_child_init (&env_text, &error))
        return upgctl_fail (ctl, error);
    }
  env = upgctl_exec_parse_env (env_text, &error);
  if (error != NULL)
    return upgctl_fail (ctl, error);
  if (detach && !detached_child)
    {
      g_auto(GStrv) args = detach_args (from_text, to_text, stage_text, site_option, component, accept_changed,
                                        new_execution, confirm, skip_checks);

      return upgctl_detach_run (ctl, (const char * const *) args, env_text);
    }
  if (!upgctl_exec_init (&exec, ctl, TRUE, &error) ||
      (site = upgctl_exec_site (&exec, site_option, &error)) == NULL)
    return upgctl_fail (ctl, error);

  run = upg_run_new (rollback ? UPG_RUN_KIND_ROLLBACK : UPG_RUN_KIND_RUN, from, to, stage);
  upg_run_set_site_id (run, site);
  upg_run_set_component (run, component);
  upg_run_set_env (run, env);
  upg_run_set_accept_changed (run, accept_changed);
  upg_run_set_new_execution (run, new_execution);
  upg_run_set_forget (run, forget);
  if (skip_checks)
    {
      g_autofree char *who = upgctl_confirm_who ();

      upg_run_set_skip_checks (run, TRUE, who);
    }
  /* Journaled by the executor once the run starts, not here: a run
   * refused on the way (bad script or data source, check gate, lock)
   * must leave nothing confirmed for the next plain run to go ahead on. */
  if (confirm)
    {
      g_autofree char *who = upgctl_confirm_who ();

      upg_run_set_confirm (run, TRUE, who, "run");
    }
  upg_check_stage_attach (exec.executor, run);
  connect_output (&exec, run);
  if (detached_child)
    g_signal_connect (run, "execution-started", G_CALLBACK (detached_started_cb), NULL);
  upgctl_wait_init (&wait);
  upg_executor_run_async (exec.executor, run, wait.cancellable, upgctl_wait_done, &wait);
  upg_executor_run_finish (exec.executor, upgctl_wait_run (&wait), &error);
  if (g_error_matches (error, UPG_ERROR, UPG_ERROR_CONFIRMATION_REQUIRED) && upg_run_get_execution (run) == NULL)
    return upgctl_confirm_refused (&exec, run, error);
  code = upgctl_exec_wait_report (&exec, &wait, run, error);
  /* A check stage that passed with warnings exits 4 (SPEC §9). */
  if (code == 0 && upg_run_get_execution (run) != NULL &&
      upg_execution_get_check_verdict (upg_run_get_execution (run)) == UPG_VERDICT_WARN)
    code = 4;
  return code;
}

/* Shared by run and rollback. */
int
upgctl_exec_run_stage (UpgCtl   *ctl,
                       int       argc,
                       char    **argv,
                       gboolean  rollback)
{
  int code = run_stage (ctl, argc, argv, rollback);

  /* A detached child that never started tells its parent (no-op else). */
  upgctl_detach_child_failed (code, NULL);
  return code;
}

/**
 * upgctl_cmd_run:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"run"`
 *
 * Runs a stage for a site; running it again after a failure continues at
 * the breakpoint.
 *
 * Returns: 0, 1 (a step failed), 2, 3 (locked), 5 (in doubt) or 6 (steps
 *   need confirmation: nothing ran)
 */
int
upgctl_cmd_run (UpgCtl *ctl, int argc, char **argv)
{
  return upgctl_exec_run_stage (ctl, argc, argv, FALSE);
}
