/* upg-duration-estimate.h - Estimates how long the steps of a plan take
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_SPI_INSIDE__) && !defined(UPGRADE_SPI_COMPILATION)
#error "Only <upgrade-spi.h> can be included directly."
#endif

#include "upg-check-result.h"
#include "upg-context.h"

#include "upg-spi-version-macros.h"

G_BEGIN_DECLS

#define UPG_TYPE_DURATION_ESTIMATE (upg_duration_estimate_get_type ())

UPG_SPI_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (UpgDurationEstimate, upg_duration_estimate, UPG, DURATION_ESTIMATE, GObject)

/**
 * UpgDurationEstimateInterface:
 * @g_iface: the parent interface
 * @estimate: runs the checks and returns one #UpgCheckResult per item
 *
 * Estimates how long the steps of a plan take.
 */
struct _UpgDurationEstimateInterface
{
  GTypeInterface g_iface;

  GPtrArray *(*estimate) (UpgDurationEstimate  *self,
                    UpgContext    *context,
                    GCancellable  *cancellable,
                    GError       **error);

  /*< private >*/
  gpointer padding[4];
};

UPG_SPI_AVAILABLE_IN_ALL
GPtrArray *upg_duration_estimate_estimate (UpgDurationEstimate  *self,
                      UpgContext    *context,
                      GCancellable  *cancellable,
                      GError       **error);

G_END_DECLS
