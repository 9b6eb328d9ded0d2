/* upg-plugin-manager.h - finds plugins and runs their work in a host process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <gio/gio.h>
#include <upgrade-spi.h>

#include "upg-config.h"
#include "upg-plugin-info.h"

#include "upg-version-macros.h"

G_BEGIN_DECLS


G_END_DECLS

G_BEGIN_DECLS

/**
 * UPG_PLUGIN_HOST_ENV:
 *
 * The environment variable that overrides where the plugin host
 * executable is (the build tree's tests set it).
 */
#define UPG_PLUGIN_HOST_ENV "UPGRADE_PLUGIN_HOST"

#define UPG_TYPE_PLUGIN_MANAGER (upg_plugin_manager_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgPluginManager, upg_plugin_manager, UPG, PLUGIN_MANAGER, GObject)

UPG_AVAILABLE_IN_ALL
const char          *upg_plugin_manager_get_system_directory (void);

UPG_AVAILABLE_IN_ALL
UpgPluginManager    *upg_plugin_manager_new                  (void);
UPG_AVAILABLE_IN_ALL
UpgPluginManager    *upg_plugin_manager_new_for_config       (UpgConfig          *config);
UPG_AVAILABLE_IN_ALL
void                 upg_plugin_manager_set_data_sources     (UpgPluginManager   *self,
                                                              GPtrArray          *sources);
UPG_AVAILABLE_IN_ALL
void                 upg_plugin_manager_add_directory        (UpgPluginManager   *self,
                                                              const char         *directory);
UPG_AVAILABLE_IN_ALL
const char * const  *upg_plugin_manager_get_directories      (UpgPluginManager   *self);
UPG_AVAILABLE_IN_ALL
const char          *upg_plugin_manager_get_host_path        (UpgPluginManager   *self);
UPG_AVAILABLE_IN_ALL
void                 upg_plugin_manager_set_host_path        (UpgPluginManager   *self,
                                                              const char         *path);
UPG_AVAILABLE_IN_ALL
guint                upg_plugin_manager_get_kill_grace       (UpgPluginManager   *self);
UPG_AVAILABLE_IN_ALL
void                 upg_plugin_manager_set_kill_grace       (UpgPluginManager   *self,
                                                              guint               milliseconds);

UPG_AVAILABLE_IN_ALL
gboolean             upg_plugin_manager_scan                 (UpgPluginManager   *self,
                                                              GCancellable       *cancellable,
                                                              GError            **error);
UPG_AVAILABLE_IN_ALL
GPtrArray           *upg_plugin_manager_list_plugins         (UpgPluginManager   *self);
UPG_AVAILABLE_IN_ALL
const char * const  *upg_plugin_manager_get_refused          (UpgPluginManager   *self);
UPG_AVAILABLE_IN_ALL
UpgPluginInfo       *upg_plugin_manager_inspect_file         (UpgPluginManager   *self,
                                                              const char         *path,
                                                              GCancellable       *cancellable,
                                                              GError            **error);
UPG_AVAILABLE_IN_ALL
UpgPluginInfo       *upg_plugin_manager_find_type            (UpgPluginManager   *self,
                                                              const char         *type_name,
                                                              GError            **error);

UPG_AVAILABLE_IN_ALL
void                 upg_plugin_manager_run_migration_async  (UpgPluginManager   *self,
                                                              const char         *type_name,
                                                              UpgMigrationAction  action,
                                                              UpgContext         *context,
                                                              JsonObject         *params,
                                                              guint               timeout_seconds,
                                                              GCancellable       *cancellable,
                                                              GAsyncReadyCallback callback,
                                                              gpointer            user_data);
UPG_AVAILABLE_IN_ALL
gboolean             upg_plugin_manager_run_migration_finish (UpgPluginManager   *self,
                                                              GAsyncResult       *result,
                                                              GError            **error);
UPG_AVAILABLE_IN_ALL
gboolean             upg_plugin_manager_run_migration        (UpgPluginManager   *self,
                                                              const char         *type_name,
                                                              UpgMigrationAction  action,
                                                              UpgContext         *context,
                                                              JsonObject         *params,
                                                              guint               timeout_seconds,
                                                              GCancellable       *cancellable,
                                                              GError            **error);

UPG_AVAILABLE_IN_ALL
void                 upg_plugin_manager_run_checks_async     (UpgPluginManager   *self,
                                                              GType               interface_type,
                                                              UpgContext         *context,
                                                              guint               timeout_seconds,
                                                              GCancellable       *cancellable,
                                                              GAsyncReadyCallback callback,
                                                              gpointer            user_data);
UPG_AVAILABLE_IN_ALL
GPtrArray           *upg_plugin_manager_run_checks_finish    (UpgPluginManager   *self,
                                                              GAsyncResult       *result,
                                                              GError            **error);
UPG_AVAILABLE_IN_ALL
GPtrArray           *upg_plugin_manager_run_checks           (UpgPluginManager   *self,
                                                              GType               interface_type,
                                                              UpgContext         *context,
                                                              guint               timeout_seconds,
                                                              GCancellable       *cancellable,
                                                              GError            **error);

G_END_DECLS
