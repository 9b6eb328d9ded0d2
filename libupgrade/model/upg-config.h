/* upg-config.h - the site configuration (upgrade.json)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include "upg-data-source.h"

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

G_DECLARE_FINAL_TYPE (UpgConfig, upg_config, UPG, CONFIG, GObject)

UpgConfig          *upg_config_new                     (void);
UpgConfig          *upg_config_new_from_file           (const char  *path,
                                                        GError     **error);

const char         *upg_config_get_path                (UpgConfig   *self);
const char         *upg_config_get_site_id             (UpgConfig   *self);
const char * const *upg_config_get_sites               (UpgConfig   *self);
gboolean            upg_config_check_site              (UpgConfig   *self,
                                                        const char  *site_id,
                                                        GError     **error);
const char * const *upg_config_get_secret_env          (UpgConfig   *self);
JsonObject         *upg_config_get_env                 (UpgConfig   *self);
GPtrArray          *upg_config_get_data_sources        (UpgConfig   *self);
UpgDataSource      *upg_config_lookup_data_source      (UpgConfig   *self,
                                                        const char  *name);
UpgDataSource      *upg_config_get_journal             (UpgConfig   *self);
const char * const *upg_config_get_plugin_dirs         (UpgConfig   *self);
const char         *upg_config_get_service_listen      (UpgConfig   *self);
const char         *upg_config_get_service_token_file  (UpgConfig   *self);
guint64             upg_config_get_service_max_body    (UpgConfig   *self);
guint64             upg_config_get_service_idle_timeout (UpgConfig  *self);
gboolean            upg_config_get_service_metrics_public (UpgConfig *self);

G_END_DECLS
