/* upgrade-embed.c - embedding libupgrade in a C program
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   upgrade-embed [--confirm] BUNDLE CONFIG FROM TO STAGE [STATE_DIR]
 *
 * Loads a bundle and a site configuration (upgrade.json), plans FROM → TO
 * for the configuration's site, prints the steps of STAGE, then runs that
 * stage asynchronously in a GMainLoop, printing the executor's signals as
 * they come (steps started and finished, statement progress). A step
 * without (or with an unmet) compatible_version runs only once a person
 * confirmed it: --confirm does, as the user at this host (journaled).
 * Exits with the upgradectl codes: 0 success, 1 a step failed (breakpoint
 * saved), 2 bad input, 3 the site is locked, 5 a statement is in doubt,
 * 6 steps need confirmation (nothing ran).
 *
 * The journal is the configuration's, else STATE_DIR/journal.db (STATE_DIR
 * defaults to upg_resolve_state_dir()'s: $UPGRADE_STATE_DIR, else
 * /var/lib/upgrade for root, $XDG_STATE_HOME/upgrade otherwise). Built in-tree by examples/embed/meson.build;
 * against an installed libupgrade:
 *
 *   cc upgrade-embed.c $(pkg-config --cflags --libs upgrade-1) -o upgrade-embed
 */
#include <stdio.h>
#include <stdlib.h>

#include <upgrade.h>

/* The exit codes are this program's choice; these are upgradectl's
 * (SPEC §9), by error code. */
static int
exit_code (const GError *error)
{
  if (error->domain != UPG_ERROR)
    return (error->domain == G_FILE_ERROR || error->domain == G_KEY_FILE_ERROR) ? 2 : 1;
  switch ((UpgError) error->code)
    {
    case UPG_ERROR_INVALID_ARGUMENT:
    case UPG_ERROR_INVALID_VERSION:
    case UPG_ERROR_INVALID_STAGE:
    case UPG_ERROR_INVALID_MANIFEST:
    case UPG_ERROR_INVALID_BUNDLE:
    case UPG_ERROR_INVALID_CONFIG:
    case UPG_ERROR_PLAN:
    case UPG_ERROR_NOT_FOUND:
    case UPG_ERROR_ABI_MISMATCH:
      return 2;
    case UPG_ERROR_LOCKED:
      return 3;
    case UPG_ERROR_IN_DOUBT:
      return 5;
    case UPG_ERROR_CONFIRMATION_REQUIRED:
      return 6;
    default:
      return 1;
    }
}

typedef struct {
  GMainLoop    *loop;
  GError       *error;
} Wait;

static void
on_step_started (UpgRun      *run,
                 const char  *step_id,
                 const char  *version,
                 gpointer     user_data)
{
  printf ("step %s (%s) started\n", step_id, version);
}

static void
on_step_finished (UpgRun        *run,
                  const char    *step_id,
                  const char    *version,
                  UpgStepStatus  status,
                  gint64         duration_ms,
                  const char    *message,
                  gpointer       user_data)
{
  printf ("step %s (%s) %s in %" G_GINT64_FORMAT " ms%s%s\n", step_id, version,
          upg_step_status_to_string (status),
          duration_ms, message != NULL ? ": " : "", message != NULL ? message : "");
}

static void
on_progress (UpgRun      *run,
             guint        done,
             guint        total,
             const char  *position,
             gint64       eta_seconds,
             gpointer     user_data)
{
  printf ("progress %u/%u %s\n", done, total, position);
}

static void
on_finished (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Wait *wait = user_data;

  /* A failed run keeps its execution (its breakpoint) too. */
  upg_executor_run_finish (UPG_EXECUTOR (source), result, &wait->error);
  g_main_loop_quit (wait->loop);
}

static void
print_plan (UpgPlan  *plan,
            UpgStage  stage)
{
  GPtrArray *steps = upg_plan_get_steps (plan, stage);

  printf ("plan %s: %u step%s in %s\n",
          upg_plan_get_mode (plan) == UPG_PLAN_MODE_ROLLING ? "rolling" : "stop-service",
          steps->len, steps->len == 1 ? "" : "s", upg_stage_to_string (stage));
  for (guint i = 0; i < steps->len; i++)
    {
      UpgStep *step = steps->pdata[i];
      g_autofree char *version = upg_version_to_string (upg_step_get_version (step));

      printf ("  %s (%s, %s)\n", upg_step_get_id (step), version,
              upg_step_kind_to_string (upg_step_get_kind (step)));
    }
}

/* Runs @stage in a main loop; returns the exit code. */
static int
run_stage (UpgExecutor      *executor,
           const UpgVersion *from,
           const UpgVersion *to,
           UpgStage          stage,
           const char       *site,
           gboolean          confirm)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(UpgRun) run = upg_run_new (UPG_RUN_KIND_RUN, from, to, stage);
  Wait wait = { loop, NULL };
  UpgExecution *execution;
  int code = 0;

  upg_run_set_site_id (run, site);
  /* Journaled by the executor when the run starts (as the user at this
   * host): a run refused before, e.g. locked, confirms nothing. */
  upg_run_set_confirm (run, confirm, NULL, "embed");
  g_signal_connect (run, "step-started", G_CALLBACK (on_step_started), NULL);
  g_signal_connect (run, "step-finished", G_CALLBACK (on_step_finished), NULL);
  g_signal_connect (run, "progress", G_CALLBACK (on_progress), NULL);
  upg_executor_run_async (executor, run, NULL, on_finished, &wait);
  g_main_loop_run (loop);

  execution = upg_run_get_execution (run);
  if (execution != NULL)
    printf ("execution %s: %s\n", upg_execution_get_id (execution),
            upg_execution_status_to_string (upg_execution_get_status (execution)));
  if (wait.error != NULL)
    {
      fprintf (stderr, "upgrade-embed: %s\n", wait.error->message);
      code = exit_code (wait.error);
    }
  g_clear_error (&wait.error);
  return code;
}

static int
fail (GError *error)
{
  int code = exit_code (error);

  fprintf (stderr, "upgrade-embed: %s\n", error->message);
  g_error_free (error);
  return code;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(UpgBundle) bundle = NULL;
  g_autoptr(UpgConfig) config = NULL;
  g_autoptr(UpgVersion) from = NULL;
  g_autoptr(UpgVersion) to = NULL;
  g_autoptr(UpgPlan) plan = NULL;
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(UpgExecutor) executor = NULL;
  g_autofree char *state_dir = NULL;
  gboolean confirm = argc > 1 && g_str_equal (argv[1], "--confirm");
  const char *site;
  UpgStage stage;
  GError *error = NULL;

  if (confirm)
    {
      argv++;
      argc--;
    }
  if (argc < 6 || argc > 7)
    {
      fprintf (stderr, "usage: upgrade-embed [--confirm] BUNDLE CONFIG FROM TO STAGE [STATE_DIR]\n");
      return 2;
    }
  state_dir = upg_resolve_state_dir (argc > 6 ? argv[6] : NULL);
  if ((bundle = upg_bundle_new_for_path (argv[1], &error)) == NULL ||
      (config = upg_config_new_from_file (argv[2], &error)) == NULL ||
      (from = upg_version_parse (argv[3], &error)) == NULL ||
      (to = upg_version_parse (argv[4], &error)) == NULL ||
      !upg_stage_from_string (argv[5], &stage, &error))
    return fail (error);

  site = upg_config_get_site_id (config);
  if ((plan = upg_plan_new (bundle, from, to, site, &error)) == NULL)
    return fail (error);
  print_plan (plan, stage);

  if ((journal = upg_journal_open_for_site (config, state_dir, &error)) == NULL)
    return fail (error);
  executor = upg_executor_new (config, bundle, journal, state_dir);
  return run_stage (executor, from, to, stage, site, confirm);
}
