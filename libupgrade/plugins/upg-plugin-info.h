/* upg-plugin-info.h - what the plugin manager knows about one plugin file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <json-glib/json-glib.h>
#include <upgrade-spi.h>

#include "upg-version-macros.h"

G_BEGIN_DECLS

#define UPG_TYPE_PLUGIN_INFO (upg_plugin_info_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgPluginInfo, upg_plugin_info, UPG, PLUGIN_INFO, GObject)

UPG_AVAILABLE_IN_ALL
UpgPluginInfo       *upg_plugin_info_new_from_json      (const char     *path,
                                                         JsonNode       *node,
                                                         GError        **error);
UPG_AVAILABLE_IN_ALL
JsonNode            *upg_plugin_info_to_json            (UpgPluginInfo  *self);

UPG_AVAILABLE_IN_ALL
const char          *upg_plugin_info_get_name           (UpgPluginInfo  *self);
UPG_AVAILABLE_IN_ALL
const char          *upg_plugin_info_get_version        (UpgPluginInfo  *self);
UPG_AVAILABLE_IN_ALL
const char          *upg_plugin_info_get_component      (UpgPluginInfo  *self);
UPG_AVAILABLE_IN_ALL
const char          *upg_plugin_info_get_path           (UpgPluginInfo  *self);
UPG_AVAILABLE_IN_ALL
guint                upg_plugin_info_get_abi_version    (UpgPluginInfo  *self);

UPG_AVAILABLE_IN_ALL
const char * const  *upg_plugin_info_get_type_names     (UpgPluginInfo  *self);
UPG_AVAILABLE_IN_ALL
gboolean             upg_plugin_info_has_type           (UpgPluginInfo  *self,
                                                         const char     *type_name);
UPG_AVAILABLE_IN_ALL
const char * const  *upg_plugin_info_get_interfaces     (UpgPluginInfo  *self,
                                                         const char     *type_name);
UPG_AVAILABLE_IN_ALL
gboolean             upg_plugin_info_implements         (UpgPluginInfo  *self,
                                                         const char     *type_name,
                                                         const char     *interface_name);
UPG_AVAILABLE_IN_ALL
gboolean             upg_plugin_info_supports           (UpgPluginInfo  *self,
                                                         const char     *type_name,
                                                         UpgMigrationAction action);

G_END_DECLS
