/* upg-resource-check.c - Checks the host's CPU, memory and disk before an upgrade
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-spi-i18n-private.h"

#include "upg-resource-check.h"
#include "upg-error.h"

/**
 * UpgResourceCheck:
 *
 * Checks the host's CPU, memory and disk before an upgrade. A plugin type implements it to contribute items to the
 * assessment; the plugin manager runs it in a plugin host process.
 */

G_DEFINE_INTERFACE (UpgResourceCheck, upg_resource_check, G_TYPE_OBJECT)

static void
upg_resource_check_default_init (UpgResourceCheckInterface *iface)
{
}

/**
 * upg_resource_check_check:
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
upg_resource_check_check (UpgResourceCheck  *self,
           UpgContext    *context,
           GCancellable  *cancellable,
           GError       **error)
{
  UpgResourceCheckInterface *iface;

  g_return_val_if_fail (UPG_IS_RESOURCE_CHECK (self), NULL);
  g_return_val_if_fail (UPG_IS_CONTEXT (context), NULL);

  iface = UPG_RESOURCE_CHECK_GET_IFACE (self);
  if (iface->check == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                   _("%s does not implement %s"), G_OBJECT_TYPE_NAME (self),
                   "UpgResourceCheck.check");
      return NULL;
    }
  return iface->check (self, context, cancellable, error);
}
