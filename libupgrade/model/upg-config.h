/* upg-config.h - the site configuration (upgrade.json)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include "upg-data-source.h"

#include "upg-version-macros.h"

G_BEGIN_DECLS

/**
 * UPG_CONFIG_DEFAULT_MAX_BODY:
 *
 * `service.max_body` when the configuration says nothing: the largest
 * request body the HTTP service reads, in bytes (1 MiB).
 */
#define UPG_CONFIG_DEFAULT_MAX_BODY     (1024 * 1024)

/**
 * UPG_CONFIG_DEFAULT_IDLE_TIMEOUT:
 *
 * `service.idle_timeout` when the configuration says nothing: the seconds
 * a client connection of the HTTP service may stay idle or stall (30).
 */
#define UPG_CONFIG_DEFAULT_IDLE_TIMEOUT 30

#define UPG_TYPE_CONFIG (upg_config_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgConfig, upg_config, UPG, CONFIG, GObject)

UPG_AVAILABLE_IN_ALL
UpgConfig          *upg_config_new                     (void);
UPG_AVAILABLE_IN_ALL
UpgConfig          *upg_config_new_from_file           (const char  *path,
                                                        GError     **error);

UPG_AVAILABLE_IN_ALL
const char         *upg_config_get_path                (UpgConfig   *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_config_get_site_id             (UpgConfig   *self);
UPG_AVAILABLE_IN_ALL
const char * const *upg_config_get_sites               (UpgConfig   *self);
UPG_AVAILABLE_IN_ALL
gboolean            upg_config_check_site              (UpgConfig   *self,
                                                        const char  *site_id,
                                                        GError     **error);
UPG_AVAILABLE_IN_ALL
const char * const *upg_config_get_secret_env          (UpgConfig   *self);
UPG_AVAILABLE_IN_ALL
JsonObject         *upg_config_get_env                 (UpgConfig   *self);
UPG_AVAILABLE_IN_ALL
GPtrArray          *upg_config_get_data_sources        (UpgConfig   *self);
UPG_AVAILABLE_IN_ALL
UpgDataSource      *upg_config_lookup_data_source      (UpgConfig   *self,
                                                        const char  *name);
UPG_AVAILABLE_IN_ALL
UpgDataSource      *upg_config_get_journal             (UpgConfig   *self);
UPG_AVAILABLE_IN_ALL
const char * const *upg_config_get_plugin_dirs         (UpgConfig   *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_config_get_service_listen      (UpgConfig   *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_config_get_service_token_file  (UpgConfig   *self);
UPG_AVAILABLE_IN_ALL
guint64             upg_config_get_service_max_body    (UpgConfig   *self);
UPG_AVAILABLE_IN_ALL
guint64             upg_config_get_service_idle_timeout (UpgConfig  *self);
UPG_AVAILABLE_IN_ALL
gboolean            upg_config_get_service_metrics_public (UpgConfig *self);

G_END_DECLS
