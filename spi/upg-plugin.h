/* upg-plugin.h - what a plugin's shared object exports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_SPI_INSIDE__) && !defined(UPGRADE_SPI_COMPILATION)
#error "Only <upgrade-spi.h> can be included directly."
#endif

#include <gmodule.h>
#include <glib-object.h>

#include "upg-spi-version.h"

G_BEGIN_DECLS

/**
 * UpgPluginDescriptor:
 * @abi_version: %UPG_SPI_ABI_VERSION as the plugin was built; the manager
 *   refuses any other value. Always the first member, so that every ABI can
 *   read it.
 * @name: the plugin's name, unique among loaded plugins
 * @version: the plugin's own version
 * @component: the product component the plugin belongs to, or %NULL for a
 *   generic plugin
 * @get_types: registers the plugin's types (calling their `_get_type()`
 *   functions) and returns them in a newly allocated array (freed with
 *   g_free()), storing its length in @n_types
 *
 * The description a plugin returns from its entry symbol
 * (%UPG_PLUGIN_ENTRY_SYMBOL). Write it with UPG_PLUGIN_DEFINE().
 */
typedef struct _UpgPluginDescriptor UpgPluginDescriptor;

struct _UpgPluginDescriptor
{
  guint        abi_version;
  const char  *name;
  const char  *version;
  const char  *component;
  GType     *(*get_types) (guint *n_types);

  /*< private >*/
  gpointer     reserved[8];
};

/**
 * UPG_PLUGIN_ENTRY_SYMBOL:
 *
 * The name of the function a plugin exports, of type
 * #UpgPluginGetDescriptorFunc.
 */
#define UPG_PLUGIN_ENTRY_SYMBOL "upg_plugin_get_descriptor"

/**
 * UpgPluginGetDescriptorFunc:
 *
 * The type of a plugin's entry symbol.
 *
 * Returns: (transfer none): the plugin's static descriptor
 */
typedef const UpgPluginDescriptor *(*UpgPluginGetDescriptorFunc) (void);

/**
 * UPG_PLUGIN_DEFINE:
 * @plugin_name: the plugin's name (a string literal)
 * @plugin_version: the plugin's version (a string literal)
 * @plugin_component: (nullable): the component it belongs to, or %NULL
 * @...: the #GType of each type the plugin provides, e.g.
 *   `FT_TYPE_TASK_STORE_MIGRATION`
 *
 * Defines the plugin's entry symbol in one line:
 *
 * ```c
 * UPG_PLUGIN_DEFINE ("taskstore", "1.0.0", "ft", FT_TYPE_TASK_STORE_MIGRATION)
 * ```
 */
#define UPG_PLUGIN_DEFINE(plugin_name, plugin_version, plugin_component, ...)  \
  static GType *                                                              \
  upg_plugin_get_types_ (guint *n_types)                                      \
  {                                                                           \
    GType types[] = { __VA_ARGS__ };                                          \
    *n_types = G_N_ELEMENTS (types);                                          \
    return g_memdup2 (types, sizeof types);                                   \
  }                                                                           \
  G_MODULE_EXPORT const UpgPluginDescriptor *upg_plugin_get_descriptor (void); \
  G_MODULE_EXPORT const UpgPluginDescriptor *                                 \
  upg_plugin_get_descriptor (void)                                            \
  {                                                                           \
    static const UpgPluginDescriptor descriptor = {                           \
      UPG_SPI_ABI_VERSION, plugin_name, plugin_version, plugin_component,     \
      upg_plugin_get_types_, { NULL }                                         \
    };                                                                        \
    return &descriptor;                                                       \
  }

G_END_DECLS
