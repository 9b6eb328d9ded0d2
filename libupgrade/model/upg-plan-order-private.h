/* upg-plan-order-private.h - ordering a stage's steps by depends_on
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-manifest.h"
#include "upg-step.h"

G_BEGIN_DECLS

GPtrArray *upg_plan_order_steps (GPtrArray   *candidates,
                                 GHashTable  *stage_of_id,
                                 GHashTable  *known_ids,
                                 GError     **error);

char      *upg_plan_component_problem (UpgManifest *manifest);

G_END_DECLS
