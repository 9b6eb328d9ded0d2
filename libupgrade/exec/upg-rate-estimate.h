/* upg-rate-estimate.h - a step's measured rate and the revised remaining time, as a value
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <glib-object.h>

#include "upg-version-macros.h"

G_BEGIN_DECLS

#define UPG_TYPE_RATE_ESTIMATE (upg_rate_estimate_get_type ())

typedef struct _UpgRateEstimate UpgRateEstimate;

UPG_AVAILABLE_IN_ALL
GType            upg_rate_estimate_get_type              (void) G_GNUC_CONST;

UPG_AVAILABLE_IN_ALL
UpgRateEstimate *upg_rate_estimate_copy                  (const UpgRateEstimate *self);
UPG_AVAILABLE_IN_ALL
void             upg_rate_estimate_free                  (UpgRateEstimate       *self);

UPG_AVAILABLE_IN_ALL
const char      *upg_rate_estimate_get_step_id           (const UpgRateEstimate *self);
UPG_AVAILABLE_IN_ALL
const char      *upg_rate_estimate_get_units             (const UpgRateEstimate *self);
UPG_AVAILABLE_IN_ALL
double           upg_rate_estimate_get_measured_rate     (const UpgRateEstimate *self);
UPG_AVAILABLE_IN_ALL
double           upg_rate_estimate_get_configured_rate   (const UpgRateEstimate *self);
UPG_AVAILABLE_IN_ALL
int              upg_rate_estimate_get_deviation_percent (const UpgRateEstimate *self);
UPG_AVAILABLE_IN_ALL
gint64           upg_rate_estimate_get_eta_seconds       (const UpgRateEstimate *self);
UPG_AVAILABLE_IN_ALL
GDateTime       *upg_rate_estimate_get_revised_at        (const UpgRateEstimate *self);
UPG_AVAILABLE_IN_ALL
GDateTime       *upg_rate_estimate_get_updated_at        (const UpgRateEstimate *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgRateEstimate, upg_rate_estimate_free)

G_END_DECLS
