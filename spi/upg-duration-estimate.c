/* upg-duration-estimate.c - Estimates how long the steps of a plan take
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-spi-i18n-private.h"

#include "upg-duration-estimate.h"
#include "upg-error.h"

/**
 * UpgDurationEstimate:
 *
 * Estimates how long the steps of a plan take. A plugin type implements it to contribute items to the
 * assessment; the plugin manager runs it in a plugin host process.
 */

G_DEFINE_INTERFACE (UpgDurationEstimate, upg_duration_estimate, G_TYPE_OBJECT)

static void
upg_duration_estimate_default_init (UpgDurationEstimateInterface *iface)
{
}

/**
 * upg_duration_estimate_estimate:
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
upg_duration_estimate_estimate (UpgDurationEstimate  *self,
           UpgContext    *context,
           GCancellable  *cancellable,
           GError       **error)
{
  UpgDurationEstimateInterface *iface;

  g_return_val_if_fail (UPG_IS_DURATION_ESTIMATE (self), NULL);
  g_return_val_if_fail (UPG_IS_CONTEXT (context), NULL);

  iface = UPG_DURATION_ESTIMATE_GET_IFACE (self);
  if (iface->estimate == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                   _("%s does not implement %s"), G_OBJECT_TYPE_NAME (self),
                   "UpgDurationEstimate.estimate");
      return NULL;
    }
  return iface->estimate (self, context, cancellable, error);
}
