/* upgradectl-rollback.c - `upgradectl rollback --from V --to V --stage STAGE [--site ID]`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upgradectl-commands.h"
#include "upgradectl-executor.h"

/**
 * upgctl_cmd_rollback:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"rollback"`
 *
 * Runs the rollback steps of a stage (newest first), journaled like a run:
 * running it again after a failure continues at the breakpoint.
 *
 * Returns: 0, 1, 2, 3 or 5 (SPEC §9)
 */
int
upgctl_cmd_rollback (UpgCtl *ctl, int argc, char **argv)
{
  return upgctl_exec_run_stage (ctl, argc, argv, TRUE);
}
