/* upg-executor-confirm-private.h - the run's check of confirmations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-executor-private.h"
#include "upg-plan.h"

G_BEGIN_DECLS

GPtrArray *upg_executor_unconfirmed_steps (UpgExecutor  *self,
                                           UpgPlan      *plan,
                                           const char   *site_id,
                                           GPtrArray    *steps,
                                           GError      **error);
gboolean   upg_executor_check_confirmed   (UpgExecutor  *self,
                                           UpgPlan      *plan,
                                           const char   *site_id,
                                           UpgStage      stage,
                                           GPtrArray    *steps,
                                           GError      **error);
void       upg_executor_defer_confirmations   (UpgRunContext  *ctx,
                                               UpgPlan        *plan,
                                               const char     *confirmed_by,
                                               const char     *via);
gboolean   upg_executor_journal_confirmations (UpgRunContext  *ctx,
                                               GError        **error);

G_END_DECLS
