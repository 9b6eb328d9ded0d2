/* upg-data-quality.c - Checks the data (and the servers holding it) before an upgrade
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-spi-i18n-private.h"

#include "upg-data-quality.h"
#include "upg-error.h"

/**
 * UpgDataQuality:
 *
 * Checks the data (and the servers holding it) before an upgrade. A plugin type implements it to contribute items to the
 * assessment; the plugin manager runs it in a plugin host process.
 */

G_DEFINE_INTERFACE (UpgDataQuality, upg_data_quality, G_TYPE_OBJECT)

static void
upg_data_quality_default_init (UpgDataQualityInterface *iface)
{
}

/**
 * upg_data_quality_check:
 * @self: an implementation
 * @context: the execution
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Runs the implementation.
 *
 * Returns: (transfer container) (element-type UpgCheckResult): the items
 *   found, or %NULL with @error set
 */
GPtrArray *
upg_data_quality_check (UpgDataQuality  *self,
           UpgContext    *context,
           GCancellable  *cancellable,
           GError       **error)
{
  UpgDataQualityInterface *iface;

  g_return_val_if_fail (UPG_IS_DATA_QUALITY (self), NULL);
  g_return_val_if_fail (UPG_IS_CONTEXT (context), NULL);

  iface = UPG_DATA_QUALITY_GET_IFACE (self);
  if (iface->check == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                   _("%s does not implement %s"), G_OBJECT_TYPE_NAME (self),
                   "UpgDataQuality.check");
      return NULL;
    }
  return iface->check (self, context, cancellable, error);
}
