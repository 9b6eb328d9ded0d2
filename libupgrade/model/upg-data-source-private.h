/* upg-data-source-private.h - what connectors need and nobody else may see
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-data-source.h"
#include "upg-json-private.h"

G_BEGIN_DECLS

UpgDataSource *upg_data_source_new_from_json_at  (const UpgJsonCtx  *ctx,
                                                  const char        *path,
                                                  const char        *name,
                                                  JsonObject        *object,
                                                  const char        *base_dir,
                                                  GError           **error);
char          *upg_data_source_dup_password      (UpgDataSource     *self,
                                                  GError           **error);
void           upg_data_source_set_password      (UpgDataSource     *self,
                                                  const char        *password);
const char    *upg_data_source_get_cnc           (UpgDataSource     *self);
const char    *upg_data_source_get_auth          (UpgDataSource     *self);
const char    *upg_data_source_get_password_env  (UpgDataSource     *self);
const char    *upg_data_source_get_password_file (UpgDataSource     *self);
const char    *upg_data_source_get_url           (UpgDataSource     *self);
const char * const *upg_data_source_get_settings (UpgDataSource     *self);
gboolean       upg_data_source_is_redis          (UpgDataSource     *self);
guint          upg_data_source_get_redis_db      (UpgDataSource     *self);
guint          upg_data_source_get_connect_timeout (UpgDataSource   *self);

G_END_DECLS
