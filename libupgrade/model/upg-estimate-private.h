/* upg-estimate-private.h - what the assessment revises in an estimate,
 * and the rounding the estimate and the rate tracker share
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

/* Rounds a positive figure up to whole units (seconds), without libm,
 * which the library does not link for this: the estimate's volume
 * seconds and the rate tracker's ETA round alike. */
static inline guint64
upg_estimate_ceil_positive (double value)
{
  guint64 whole = (guint64) value;

  return (double) whole < value ? whole + 1 : whole;
}

void upg_estimate_revise_step (UpgEstimate       *self,
                               UpgStep           *step,
                               guint64            seconds,
                               UpgEstimateSource  source);

guint64 upg_estimate_get_step_seconds (UpgEstimate *self,
                                       UpgStep     *step);

G_END_DECLS
