/* upgradectl-resume.c - `upgradectl resume EXECUTION_ID [--retry | --skip]`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upgradectl-commands.h"
#include "upgradectl-executor.h"

/**
 * upgctl_cmd_resume:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"resume"`, then the execution id
 *
 * Continues an execution at its breakpoint: `--retry` runs the statement
 * (or step) of the breakpoint again even if it is in doubt, `--skip`
 * records it as skipped and goes on after it.
 *
 * Returns: 0, 1, 2, 3, 5, or 130/143 after SIGINT/SIGTERM (SPEC §9)
 */
int
upgctl_cmd_resume (UpgCtl *ctl, int argc, char **argv)
{
  gboolean retry = FALSE, skip = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRun) run = NULL;
  g_auto(UpgCtlExec) exec = { 0 };
  g_auto(UpgCtlWait) wait = { 0 };
  UpgResumeAction action = UPG_RESUME_ACTION_CONTINUE;
  const GOptionEntry entries[] = {
    { "retry", 0, 0, G_OPTION_ARG_NONE, &retry, N_("Run the statement at the breakpoint again"), NULL },
    { "skip", 0, 0, G_OPTION_ARG_NONE, &skip, N_("Skip the statement at the breakpoint"), NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!upgctl_parse_options (ctl, entries, "resume EXECUTION_ID", &argc, &argv, &error))
    return upgctl_fail (ctl, error);
  if (argc != 2 || (retry && skip))
    {
      g_set_error_literal (&error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           argc != 2 ? _("usage: resume EXECUTION_ID [--retry | --skip]")
                                     : _("--retry and --skip exclude each other"));
      return upgctl_fail (ctl, error);
    }
  if (retry)
    action = UPG_RESUME_ACTION_RETRY;
  else if (skip)
    action = UPG_RESUME_ACTION_SKIP;

  if (!upgctl_exec_init (&exec, ctl, TRUE, &error))
    return upgctl_fail (ctl, error);
  upgctl_wait_init (&wait);
  run = upg_run_new_resume (argv[1], action);
  upg_executor_run_async (exec.executor, run, wait.cancellable, upgctl_wait_done, &wait);
  upg_executor_run_finish (exec.executor, upgctl_wait_run (&wait), &error);
  return upgctl_exec_wait_report (&exec, &wait, run, error);
}
