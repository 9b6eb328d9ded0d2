/* upgradectl-status.c - `upgradectl status [EXECUTION_ID]` and
 *                       `upgradectl history [--site ID]`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-report-private.h"
#include "upgradectl-commands.h"
#include "upgradectl-executor.h"
#include "upg-journal-confirm-private.h"

static void
print_execution_line (UpgExecution *execution)
{
  g_autofree char *from = upg_execution_get_from (execution) != NULL
                          ? upg_version_to_string (upg_execution_get_from (execution)) : g_strdup ("?");
  g_autofree char *to = upg_execution_get_to (execution) != NULL
                        ? upg_version_to_string (upg_execution_get_to (execution)) : g_strdup ("?");
  g_autofree char *started = upg_execution_get_started (execution) != NULL
                             ? g_date_time_format (upg_execution_get_started (execution), "%F %T")
                             : g_strdup ("-");

  guint resumes = upg_execution_get_resume_count (execution);
  /* An execution resumed after failures or kills is still one line; how
   * often it was taken up again is part of its story. */
  g_autofree char *resumed = resumes > 0
    ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "  (resumed %u time)", "  (resumed %u times)", resumes),
                       resumes)
    : g_strdup ("");

  g_print ("%s  %-11s  %-8s %-14s %s → %s  %s%s\n", upg_execution_get_id (execution),
           upg_execution_status_to_string (upg_execution_get_status (execution)),
           upg_execution_is_rollback (execution) ? "rollback" : "run",
           upg_stage_to_string (upg_execution_get_stage (execution)), from, to, started, resumed);
}

/* A rate the way an operator reads it: statements/s, a size/s or the
 * share of a tool step per second. */
static char *
format_rate (double      rate,
             const char *units,
             gboolean    with_units)
{
  g_autofree char *size = NULL;

  if (g_strcmp0 (units, "bytes") == 0)
    {
      size = g_format_size_full ((guint64) (rate + 0.5), G_FORMAT_SIZE_IEC_UNITS);
      return g_strdup_printf ("%s/s", size);
    }
  if (g_strcmp0 (units, "permille") == 0)
    return g_strdup_printf ("%.*f %%/s", rate >= 100.0 ? 0 : rate >= 10.0 ? 1 : 2, rate / 10.0);
  if (!with_units)
    return g_strdup_printf ("%.*f/s", rate >= 100.0 ? 0 : rate >= 1.0 ? 1 : 2, rate);
  /* TRANSLATORS: a measured rate of SQL statements, e.g. "812 statements/s" */
  return g_strdup_printf (_("%.*f statements/s"), rate >= 100.0 ? 0 : rate >= 1.0 ? 1 : 2, rate);
}

/* The live calibration of the running step (or of the step the execution
 * stopped in): what was measured, against what, and the remaining time
 * revised with it, as of when it was computed. */
static void
print_rate (UpgExecution *execution)
{
  g_autoptr(UpgRateEstimate) rate = upg_execution_dup_rate_estimate (execution);
  const char *units;
  gint64 eta;
  GDateTime *updated;
  g_autofree char *measured = NULL, *configured = NULL, *remaining = NULL, *at = NULL;

  if (rate == NULL || upg_execution_get_status (execution) == UPG_EXECUTION_STATUS_SUCCESS)
    return;
  units = upg_rate_estimate_get_units (rate);
  eta = upg_rate_estimate_get_eta_seconds (rate);
  updated = upg_rate_estimate_get_updated_at (rate);
  measured = format_rate (upg_rate_estimate_get_measured_rate (rate), units, TRUE);
  configured = format_rate (upg_rate_estimate_get_configured_rate (rate), units, FALSE);
  remaining = eta < 0 ? g_strdup ("?") : eta == 0 ? g_strdup ("<1s") : upg_format_duration (eta * 1000);
  at = updated != NULL ? g_date_time_format (updated, "%T") : g_strdup ("?");
  if (upg_rate_estimate_get_configured_rate (rate) > 0.0)
    g_print (_("  step %s: measured %s vs configured %s (%+d %%); remaining ≈ %s (revised %s)\n"),
             upg_rate_estimate_get_step_id (rate), measured, configured,
             upg_rate_estimate_get_deviation_percent (rate), remaining, at);
  else
    g_print (_("  step %s: measured %s (no configured rate); remaining ≈ %s (revised %s)\n"),
             upg_rate_estimate_get_step_id (rate), measured, remaining, at);
}

/* The deliveries of the execution's `notify` hooks, one line each, as the
 * report words them. */
static void
print_notifications (UpgExecution *execution)
{
  g_autoptr(JsonNode) node = upg_execution_to_json (execution, TRUE);
  JsonObject *object = json_node_get_object (node);
  JsonArray *notifications = json_object_has_member (object, "notifications")
                             ? json_object_get_array_member (object, "notifications") : NULL;

  for (guint i = 0; notifications != NULL && i < json_array_get_length (notifications); i++)
    {
      g_autofree char *line = upg_report_notification_text (json_array_get_object_element (notifications, i));

      g_print (_("  notification: %s\n"), line);
    }
}

/* A journal time as the status lines print times: local, to the second. */
static char *
format_when (const char *iso8601)
{
  g_autoptr(GDateTime) utc = iso8601 != NULL ? g_date_time_new_from_iso8601 (iso8601, NULL) : NULL;
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;

  return local != NULL ? g_date_time_format (local, "%F %T") : g_strdup (iso8601 != NULL ? iso8601 : "?");
}

static const char *
text_member (JsonObject *object,
             const char *name)
{
  const char *text = json_object_get_string_member_with_default (object, name, NULL);

  return text != NULL ? text : "-";
}

/* Confirmations by time, then step id and version: the steps of one
 * `confirm` share its time and come from the journal in no set order, and
 * the same status must read the same twice. */
static gint
compare_confirmations (gconstpointer a,
                       gconstpointer b)
{
  JsonObject *left = *(JsonObject * const *) a, *right = *(JsonObject * const *) b;
  static const char *const keys[] = { "confirmed_at", "step_id", "version" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      int order = g_strcmp0 (json_object_get_string_member_with_default (left, keys[i], NULL),
                             json_object_get_string_member_with_default (right, keys[i], NULL));

      if (order != 0)
        return order;
    }
  return 0;
}

/* Who confirmed the steps that needed it, and who let the execution past
 * checks that had not passed (SPEC §3): part of what happened. */
static void
print_approvals (UpgExecution *execution)
{
  JsonArray *confirmations = upg_execution_get_confirmations (execution);
  JsonArray *skips = upg_execution_get_check_skips (execution);
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();

  for (guint i = 0; confirmations != NULL && i < json_array_get_length (confirmations); i++)
    g_ptr_array_add (sorted, json_array_get_object_element (confirmations, i));
  g_ptr_array_sort (sorted, compare_confirmations);
  for (guint i = 0; i < sorted->len; i++)
    {
      JsonObject *row = sorted->pdata[i];
      g_autofree char *when = format_when (json_object_get_string_member_with_default (row, "confirmed_at", NULL));

      /* TRANSLATORS: step id, its version, who confirmed it (user@host
       * or the HTTP token's name), when, and how (cli, run, api) */
      g_print (_("  confirmed: step %s (%s) by %s at %s (via %s)\n"), text_member (row, "step_id"),
               text_member (row, "version"), text_member (row, "confirmed_by"), when, text_member (row, "via"));
    }
  for (guint i = 0; skips != NULL && i < json_array_get_length (skips); i++)
    {
      JsonObject *row = json_array_get_object_element (skips, i);
      g_autofree char *when = format_when (json_object_get_string_member_with_default (row, "skipped_at", NULL));

      /* TRANSLATORS: the check stage, who skipped it, when, and why it
       * had not passed */
      g_print (_("  checks skipped (--skip-checks): %s by %s at %s: %s\n"), text_member (row, "check_stage"),
               text_member (row, "skipped_by"), when, text_member (row, "reason"));
    }
}

/* Where a running execution is, while one statement takes long (issue
 * #12: blocked by a lock it showed nothing): the statement, since when,
 * the stage's progress and the remaining time estimated when it was
 * sent. */
static void
print_current (UpgExecution *execution)
{
  GDateTime *started = upg_execution_get_current_started (execution);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *running = NULL;
  gint64 eta = upg_execution_get_eta_seconds (execution);

  if (upg_execution_get_status (execution) != UPG_EXECUTION_STATUS_RUNNING ||
      upg_execution_get_current_step_id (execution) == NULL)
    return;
  running = started != NULL ? upg_format_duration (MAX (0, g_date_time_difference (now, started) / 1000))
                            : g_strdup ("?");
  if (upg_execution_get_current_task (execution) != NULL)
    /* TRANSLATORS: step, what it runs (a command line, a migration's batch), duration */
    g_print (_("  running: step %s, %s, for %s\n"), upg_execution_get_current_step_id (execution),
             upg_execution_get_current_task (execution), running);
  else
    g_print (_("  running: step %s, %s:%u (statement %u of its file), for %s\n"),
             upg_execution_get_current_step_id (execution), upg_execution_get_current_file (execution),
             upg_execution_get_current_line (execution), upg_execution_get_current_sequence (execution), running);
  if (upg_execution_get_statements_total (execution) > 0)
    {
      g_autofree char *remaining = eta < 0 ? g_strdup ("?") : upg_format_duration (eta * 1000);

      /* TRANSLATORS: "progress: 3/10 statements of the stage; remaining ≈ 2m (…)" */
      g_print (_("  progress: %u/%u statements of the stage; remaining ≈ %s (estimated when the statement "
                 "was sent)\n"),
               upg_execution_get_statements_done (execution), upg_execution_get_statements_total (execution),
               remaining);
    }
}

/* A step's status as the operator reads it beside the execution's: the
 * journal keeps a killed run's step RUNNING (its recovery reads it so),
 * but no process runs it any more; and the step that stopped an IN_DOUBT
 * execution is in doubt, not merely failed. */
static const char *
shown_step_status (UpgExecution *execution,
                   guint         i)
{
  UpgExecutionStatus run_status = upg_execution_get_status (execution);
  UpgStepStatus status = upg_execution_get_step_status (execution, i);
  const UpgBreakpoint *bp = upg_execution_get_breakpoint (execution);

  if (status == UPG_STEP_STATUS_RUNNING && run_status != UPG_EXECUTION_STATUS_RUNNING)
    return upg_execution_status_to_string (run_status);
  if (status == UPG_STEP_STATUS_FAILED && run_status == UPG_EXECUTION_STATUS_IN_DOUBT && bp != NULL &&
      g_strcmp0 (upg_breakpoint_get_step_id (bp), upg_execution_get_step_id (execution, i)) == 0)
    return upg_execution_status_to_string (run_status);
  return upg_step_status_to_string (status);
}

static void
print_status (UpgExecution *execution)
{
  const UpgBreakpoint *bp = upg_execution_get_breakpoint (execution);

  print_execution_line (execution);
  for (guint i = 0; i < upg_execution_get_n_steps (execution); i++)
    {
      const char *message = upg_execution_get_step_message (execution, i);

      g_print ("  [%s] %s%s%s%s\n", shown_step_status (execution, i),
               upg_execution_get_step_id (execution, i), message != NULL ? " (" : "",
               message != NULL ? message : "", message != NULL ? ")" : "");
    }
  /* A command or tool step has no file, line nor statement: not "-:0". */
  if (bp != NULL && upg_breakpoint_get_file (bp) != NULL)
    g_print (_("  breakpoint: step %s %s:%u (statement %u): %s\n"), upg_breakpoint_get_step_id (bp),
             upg_breakpoint_get_file (bp), upg_breakpoint_get_line (bp), upg_breakpoint_get_sequence (bp),
             upg_breakpoint_get_error (bp) != NULL ? upg_breakpoint_get_error (bp) : "");
  else if (bp != NULL)
    g_print (_("  breakpoint: step %s: %s\n"), upg_breakpoint_get_step_id (bp),
             upg_breakpoint_get_error (bp) != NULL ? upg_breakpoint_get_error (bp) : "");
  print_approvals (execution);
  print_current (execution);
  print_rate (execution);
  print_notifications (execution);
}

/* SPEC §9: `status` exits with the code its execution's state maps to, so
 * that a script can test it like the run. INTERRUPTED has no signal on
 * record (a crash or kill -9 leaves it too), so it takes 130, the code
 * of an interrupted run; RUNNING is not a failure (yet). */
static int
status_exit_code (UpgExecutionStatus status)
{
  switch (status)
    {
    case UPG_EXECUTION_STATUS_FAILED:
      return 1;
    case UPG_EXECUTION_STATUS_IN_DOUBT:
      return 5;
    case UPG_EXECUTION_STATUS_INTERRUPTED:
      return 130;
    case UPG_EXECUTION_STATUS_RUNNING:
    case UPG_EXECUTION_STATUS_SUCCESS:
    default:
      return 0;
    }
}

/* An execution left RUNNING by a process of this host that no longer
 * runs (kill -9, a crash, a reboot) is INTERRUPTED, as `run` and a
 * restarted service take it: shown as RUNNING, "running … for 7s" and
 * exit 0, it had the operator wait for a process that is gone. Marking
 * is best effort: a journal that cannot be written still shows what it
 * holds. */
static void
mark_dead_executions (UpgCtlExec *exec)
{
  g_autoptr(GError) error = NULL;

  if (upg_journal_mark_interrupted (exec->journal, &error) == G_MAXUINT)
    g_debug ("executions of dead processes not marked INTERRUPTED: %s", error->message);
}

/**
 * upgctl_cmd_status:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"status"`, then an optional execution id
 *
 * Shows one execution (the latest of the site without an id) in the run
 * form.
 *
 * Returns: the code of the execution's state (0 SUCCESS or RUNNING,
 *   1 FAILED, 5 IN_DOUBT, 130 INTERRUPTED), or 2 for an unknown execution
 */
int
upgctl_cmd_status (UpgCtl *ctl, int argc, char **argv)
{
  g_autofree char *site_option = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(UpgExecution) execution = NULL;
  g_auto(UpgCtlExec) exec = { 0 };
  const GOptionEntry entries[] = {
    { "site", 0, 0, G_OPTION_ARG_STRING, &site_option,
      N_("Site whose latest execution to show (default: the configuration's site_id)"), N_("ID") },
    G_OPTION_ENTRY_NULL
  };

  if (!upgctl_parse_options (ctl, entries, "status [EXECUTION_ID]", &argc, &argv, &error))
    return upgctl_fail (ctl, error);
  if (argc > 2)
    {
      g_set_error_literal (&error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT, _("usage: status [EXECUTION_ID]"));
      return upgctl_fail (ctl, error);
    }
  if (!upgctl_exec_init (&exec, ctl, FALSE, &error))
    return upgctl_fail (ctl, error);
  mark_dead_executions (&exec);

  if (argc == 2)
    record = upg_journal_get_execution (exec.journal, argv[1], &error);
  else
    {
      const char *site = upgctl_exec_site (&exec, site_option, &error);

      if (site != NULL)
        record = upg_journal_get_latest_execution (exec.journal, site, &error);
    }
  if (record == NULL && error == NULL)
    g_set_error (&error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
                 argc == 2 ? _("execution '%s' is not in the journal") : _("no execution in the journal%s"),
                 argc == 2 ? argv[1] : "");
  if (record == NULL || !upg_journal_add_execution_approvals (exec.journal, record, &error) ||
      (execution = upg_execution_new_from_journal (record, &error)) == NULL)
    return upgctl_fail (ctl, error);

  if (ctl->json)
    {
      g_autoptr(JsonNode) node = upg_execution_to_json (execution, TRUE);

      upgctl_print_json (ctl, node);
    }
  else
    print_status (execution);
  return status_exit_code (upg_execution_get_status (execution));
}

/**
 * upgctl_cmd_history:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"history"`
 *
 * Lists the executions of a site, newest first, as
 * `{"executions": [run form without steps…]}`.
 *
 * Returns: 0 or the exit code of the error
 */
int
upgctl_cmd_history (UpgCtl *ctl, int argc, char **argv)
{
  g_autofree char *site_option = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) records = NULL;
  g_autoptr(JsonArray) out = json_array_new ();
  g_auto(UpgCtlExec) exec = { 0 };
  const char *site;
  const GOptionEntry entries[] = {
    { "site", 0, 0, G_OPTION_ARG_STRING, &site_option,
      N_("Site (default: the configuration's site_id)"), N_("ID") },
    G_OPTION_ENTRY_NULL
  };

  if (!upgctl_parse_options (ctl, entries, "history", &argc, &argv, &error) ||
      !upgctl_expect_no_arguments (argc, argv, &error) ||
      !upgctl_exec_init (&exec, ctl, FALSE, &error) ||
      (site = upgctl_exec_site (&exec, site_option, &error)) == NULL)
    return upgctl_fail (ctl, error);
  mark_dead_executions (&exec);
  if ((records = upg_journal_list_executions (exec.journal, site, 0, &error)) == NULL)
    return upgctl_fail (ctl, error);

  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      g_autoptr(UpgExecution) execution =
        upg_execution_new_from_journal (json_array_get_object_element (records, i), &error);

      if (execution == NULL)
        return upgctl_fail (ctl, error);
      if (ctl->json)
        json_array_add_element (out, upg_execution_to_json (execution, FALSE));
      else
        print_execution_line (execution);
    }
  if (ctl->json)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);

      json_object_set_array_member (object, "executions", json_array_ref (out));
      json_node_set_object (root, object);
      upgctl_print_json (ctl, root);
    }
  else if (json_array_get_length (records) == 0)
    g_print (_("No executions for site %s\n"), site);
  return 0;
}
