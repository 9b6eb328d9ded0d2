/* upgradectl-rollback.c - `upgradectl rollback --from V --to V --stage STAGE [--site ID]`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upgradectl-commands.h"
#include "upgradectl-executor.h"

/**
 * upgctl_cmd_rollback:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"rollback"`
 *
 * Runs the rollback steps of a stage (newest first), journaled like a run:
 * running it again after a failure continues at the breakpoint. A
 * rollback that succeeds makes the stage's upgrade steps count as not
 * done, so that the next run executes them again (see upg-executor.c).
 *
 * Returns: 0, 1, 2, 3 or 5 (SPEC §9)
 */
int
upgctl_cmd_rollback (UpgCtl *ctl, int argc, char **argv)
{
  ctl->command_description =
    N_("Runs the rollback steps of stage STAGE of the upgrade FROM → TO, newest first.\n"
       "\n"
       "When every rollback step has succeeded (or had already succeeded), the\n"
       "upgrade steps of that stage no longer count as done for the site: their\n"
       "successes stay in the history, marked as undone by this rollback, and the\n"
       "next `upgradectl run` of the stage executes them again instead of skipping\n"
       "them. Their statement markers are removed from the target databases.\n"
       "\n"
       "A rollback that fails changes none of that: the upgrade steps still count\n"
       "as done; run the rollback again to continue at its breakpoint. Running a\n"
       "rollback that already succeeded skips its steps and changes nothing.\n"
       "Once a run executes the stage's steps again, the rollback's own successes\n"
       "stop counting, so that a later rollback runs its steps again.");
  return upgctl_exec_run_stage (ctl, argc, argv, TRUE);
}
