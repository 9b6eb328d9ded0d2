/* upg-data-quality.h - Checks the data (and the servers holding it) before an upgrade
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

#define UPG_TYPE_DATA_QUALITY (upg_data_quality_get_type ())

UPG_SPI_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (UpgDataQuality, upg_data_quality, UPG, DATA_QUALITY, GObject)

/**
 * UpgDataQualityInterface:
 * @g_iface: the parent interface
 * @check: runs the checks and returns one #UpgCheckResult per item
 *
 * Checks the data (and the servers holding it) before an upgrade.
 */
struct _UpgDataQualityInterface
{
  GTypeInterface g_iface;

  GPtrArray *(*check) (UpgDataQuality  *self,
                    UpgContext    *context,
                    GCancellable  *cancellable,
                    GError       **error);

  /*< private >*/
  gpointer padding[4];
};

UPG_SPI_AVAILABLE_IN_ALL
GPtrArray *upg_data_quality_check (UpgDataQuality  *self,
                      UpgContext    *context,
                      GCancellable  *cancellable,
                      GError       **error);

G_END_DECLS
