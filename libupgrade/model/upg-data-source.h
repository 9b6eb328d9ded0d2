/* upg-data-source.h - one configured data source
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

#define UPG_TYPE_DATA_SOURCE (upg_data_source_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgDataSource, upg_data_source, UPG, DATA_SOURCE, GObject)

UPG_AVAILABLE_IN_ALL
UpgDataSource  *upg_data_source_new_from_json  (const char      *name,
                                                JsonObject      *object,
                                                const char      *base_dir,
                                                GError         **error);
UPG_AVAILABLE_IN_ALL
UpgDataSource  *upg_data_source_new_sqlite     (const char      *name,
                                                const char      *path);

UPG_AVAILABLE_IN_ALL
const char     *upg_data_source_get_name       (UpgDataSource   *self);
UPG_AVAILABLE_IN_ALL
const char     *upg_data_source_get_provider   (UpgDataSource   *self);
UPG_AVAILABLE_IN_ALL
UpgDialect      upg_data_source_get_dialect    (UpgDataSource   *self);
UPG_AVAILABLE_IN_ALL
const char     *upg_data_source_get_host       (UpgDataSource   *self);
UPG_AVAILABLE_IN_ALL
guint           upg_data_source_get_port       (UpgDataSource   *self);
UPG_AVAILABLE_IN_ALL
const char     *upg_data_source_get_socket     (UpgDataSource   *self);
UPG_AVAILABLE_IN_ALL
const char     *upg_data_source_get_database   (UpgDataSource   *self);
UPG_AVAILABLE_IN_ALL
const char     *upg_data_source_get_user       (UpgDataSource   *self);
UPG_AVAILABLE_IN_ALL
const char     *upg_data_source_get_path       (UpgDataSource   *self);
UPG_AVAILABLE_IN_ALL
char           *upg_data_source_describe       (UpgDataSource   *self);

UPG_AVAILABLE_IN_ALL
UpgConnection  *upg_data_source_open           (UpgDataSource   *self,
                                                GCancellable    *cancellable,
                                                GError         **error);

G_END_DECLS
