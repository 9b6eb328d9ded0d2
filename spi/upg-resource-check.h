/* upg-resource-check.h - Checks the host's CPU, memory and disk before an upgrade
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

#define UPG_TYPE_RESOURCE_CHECK (upg_resource_check_get_type ())

UPG_SPI_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (UpgResourceCheck, upg_resource_check, UPG, RESOURCE_CHECK, GObject)

/**
 * UpgResourceCheckInterface:
 * @g_iface: the parent interface
 * @check: runs the checks and returns one #UpgCheckResult per item
 *
 * Checks the host's CPU, memory and disk before an upgrade.
 */
struct _UpgResourceCheckInterface
{
  GTypeInterface g_iface;

  GPtrArray *(*check) (UpgResourceCheck  *self,
                    UpgContext    *context,
                    GCancellable  *cancellable,
                    GError       **error);

  /*< private >*/
  gpointer padding[4];
};

UPG_SPI_AVAILABLE_IN_ALL
GPtrArray *upg_resource_check_check (UpgResourceCheck  *self,
                      UpgContext    *context,
                      GCancellable  *cancellable,
                      GError       **error);

G_END_DECLS
