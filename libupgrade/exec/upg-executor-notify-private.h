/* upg-executor-notify-private.h - the events a run sends to webhooks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-executor-private.h"

G_BEGIN_DECLS

void upg_executor_notify_execution    (UpgRunContext *ctx);
void upg_executor_notify_confirmation (UpgRunContext *ctx,
                                       UpgPlan       *plan,
                                       GPtrArray     *steps,
                                       const char    *message);

G_END_DECLS
