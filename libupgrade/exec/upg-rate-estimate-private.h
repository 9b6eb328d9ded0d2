/* upg-rate-estimate-private.h - making a rate estimate, for the engine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-rate-estimate.h"

G_BEGIN_DECLS

UpgRateEstimate *upg_rate_estimate_new (const char *step_id,
                                        const char *units,
                                        double      measured_rate,
                                        double      configured_rate,
                                        int         deviation_percent,
                                        gint64      eta_seconds,
                                        GDateTime  *revised_at,
                                        GDateTime  *updated_at);

G_END_DECLS
