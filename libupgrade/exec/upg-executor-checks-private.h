/* upg-executor-checks-private.h - check stages and the stages they guard
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-executor-private.h"
#include "upg-plan.h"

G_BEGIN_DECLS

/* The figure of a check item naming the version of the manifest it came
 * from (upg-check-stage.c sets it); the check is journaled, and shown,
 * under that version, else under the plan's `to`. */
#define UPG_CHECK_MANIFEST_VERSION_FIGURE "manifest_version"

/* A check stage a run went past with `--skip-checks`, and why it had
 * not passed. */
typedef struct
{
  UpgStage  check_stage;
  char     *reason;
} UpgCheckSkip;

gboolean upg_executor_is_check_stage           (UpgStage        stage);
gboolean upg_executor_check_gate               (UpgExecutor    *self,
                                                UpgPlan        *plan,
                                                const char     *site_id,
                                                UpgStage        stage,
                                                gboolean        skip,
                                                GPtrArray     **skips,
                                                GError        **error);
gboolean upg_executor_execution_skipped_checks (UpgExecutor    *self,
                                                const char     *site_id,
                                                const char     *from_text,
                                                const char     *to_text,
                                                const char     *execution_id,
                                                gboolean       *skipped,
                                                GError        **error);
gboolean upg_executor_journal_check_skips      (UpgRunContext  *ctx,
                                                GError        **error);
gboolean upg_executor_run_checks               (UpgRunContext  *ctx,
                                                GError        **error);

G_END_DECLS
