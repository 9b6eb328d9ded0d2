/* upg-plugin-host-private.h - helpers of the plugin host (child side)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

JsonNode   *upg_plugin_host_describe       (const UpgPluginDescriptor *descriptor,
                                            const GType               *types,
                                            guint                      n_types);
gboolean    upg_plugin_host_owns_type      (const GType               *types,
                                            guint                      n_types,
                                            GType                      type);
const char *upg_plugin_host_check_method   (GType                      iface);
GPtrArray  *upg_plugin_host_call_check     (GObject                   *object,
                                            GType                      iface,
                                            UpgContext                *context,
                                            GCancellable              *cancellable,
                                            GError                   **error);
void        upg_plugin_host_install_resolver (UpgContext              *context,
                                              JsonObject              *passwords);

G_END_DECLS
