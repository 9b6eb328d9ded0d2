/* upg-estimate-private.h - what the assessment revises in an estimate
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-estimate.h"

G_BEGIN_DECLS

/* A backup step's dump speed when the step gives no `rate` and the
 * journal has no earlier backup of its data source to measure one from:
 * bytes of (data + index) per second (docs/backups.md). */
#define UPG_ESTIMATE_DEFAULT_BACKUP_RATE (50.0 * 1024 * 1024)

void upg_estimate_revise_step (UpgEstimate       *self,
                               UpgStep           *step,
                               guint64            seconds,
                               UpgEstimateSource  source);

guint64 upg_estimate_get_step_seconds (UpgEstimate *self,
                                       UpgStep     *step);

G_END_DECLS
