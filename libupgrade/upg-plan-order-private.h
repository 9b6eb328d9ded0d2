/* upg-plan-order-private.h - ordering a stage's steps by depends_on
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-step.h"

G_BEGIN_DECLS

GPtrArray *upg_plan_order_steps (GPtrArray   *candidates,
                                 GHashTable  *stage_of_id,
                                 GHashTable  *known_ids,
                                 GError     **error);

G_END_DECLS
