/* upg-compatibility.c - Decides whether steps can run while the old version still serves
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-spi-i18n-private.h"

#include "upg-compatibility.h"
#include "upg-error.h"

/**
 * UpgCompatibility:
 *
 * Decides whether steps can run while the old version still serves. A plugin type implements it to contribute items to the
 * assessment; the plugin manager runs it in a plugin host process.
 */

G_DEFINE_INTERFACE (UpgCompatibility, upg_compatibility, G_TYPE_OBJECT)

static void
upg_compatibility_default_init (UpgCompatibilityInterface *iface)
{
}

/**
 * upg_compatibility_check:
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
upg_compatibility_check (UpgCompatibility  *self,
           UpgContext    *context,
           GCancellable  *cancellable,
           GError       **error)
{
  UpgCompatibilityInterface *iface;

  g_return_val_if_fail (UPG_IS_COMPATIBILITY (self), NULL);
  g_return_val_if_fail (UPG_IS_CONTEXT (context), NULL);

  iface = UPG_COMPATIBILITY_GET_IFACE (self);
  if (iface->check == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                   _("%s does not implement %s"), G_OBJECT_TYPE_NAME (self),
                   "UpgCompatibility.check");
      return NULL;
    }
  return iface->check (self, context, cancellable, error);
}
