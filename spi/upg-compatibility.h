/* upg-compatibility.h - Decides whether steps can run while the old version still serves
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

#define UPG_TYPE_COMPATIBILITY (upg_compatibility_get_type ())

UPG_SPI_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (UpgCompatibility, upg_compatibility, UPG, COMPATIBILITY, GObject)

/**
 * UpgCompatibilityInterface:
 * @g_iface: the parent interface
 * @check: runs the checks and returns one #UpgCheckResult per item
 *
 * Decides whether steps can run while the old version still serves.
 */
struct _UpgCompatibilityInterface
{
  GTypeInterface g_iface;

  GPtrArray *(*check) (UpgCompatibility  *self,
                    UpgContext    *context,
                    GCancellable  *cancellable,
                    GError       **error);

  /*< private >*/
  gpointer padding[4];
};

UPG_SPI_AVAILABLE_IN_ALL
GPtrArray *upg_compatibility_check (UpgCompatibility  *self,
                      UpgContext    *context,
                      GCancellable  *cancellable,
                      GError       **error);

G_END_DECLS
