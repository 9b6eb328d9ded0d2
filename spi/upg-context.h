/* upg-context.h - what a plugin learns about the execution it works for
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_SPI_INSIDE__) && !defined(UPGRADE_SPI_COMPILATION)
#error "Only <upgrade-spi.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "upg-connection.h"
#include "upg-stage.h"
#include "upg-version.h"

#include "upg-spi-version-macros.h"

G_BEGIN_DECLS

#define UPG_TYPE_CONTEXT (upg_context_get_type ())

UPG_SPI_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgContext, upg_context, UPG, CONTEXT, GObject)

/**
 * UpgConnectionResolver:
 * @context: the context asked for a connection
 * @name: the data source's name, as in the configuration
 * @user_data: the data given to upg_context_set_connection_resolver()
 * @error: return location for a #GError
 *
 * Opens the named data source. An unknown name is %UPG_ERROR_NOT_FOUND;
 * a source that cannot be reached is %UPG_ERROR_DATASOURCE.
 *
 * Returns: (transfer full) (nullable): the connection, or %NULL with @error set
 */
typedef UpgConnection *(*UpgConnectionResolver) (UpgContext  *context,
                                                 const char  *name,
                                                 gpointer     user_data,
                                                 GError     **error);

/**
 * UpgCheckpointSaver:
 * @context: the context whose checkpoint is saved
 * @checkpoint: the checkpoint, a JSON text chosen by the plugin
 * @user_data: the data given to upg_context_set_checkpoint_saver()
 * @error: return location for a #GError
 *
 * Stores a checkpoint durably (the journal's step checkpoint) before
 * returning, so a plugin may rely on it once upg_context_save_checkpoint()
 * returned %TRUE.
 *
 * Returns: %TRUE once stored
 */
typedef gboolean (*UpgCheckpointSaver) (UpgContext  *context,
                                        const char  *checkpoint,
                                        gpointer     user_data,
                                        GError     **error);

UPG_SPI_AVAILABLE_IN_ALL
UpgContext    *upg_context_new                     (const char         *execution_id);
UPG_SPI_AVAILABLE_IN_ALL
UpgContext    *upg_context_new_from_json           (JsonNode           *node,
                                                    GError            **error);
UPG_SPI_AVAILABLE_IN_ALL
JsonNode      *upg_context_to_json                 (UpgContext         *self);

UPG_SPI_AVAILABLE_IN_ALL
const char    *upg_context_get_execution_id        (UpgContext         *self);
UPG_SPI_AVAILABLE_IN_ALL
UpgVersion    *upg_context_get_from_version        (UpgContext         *self);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_from_version        (UpgContext         *self,
                                                    const UpgVersion   *version);
UPG_SPI_AVAILABLE_IN_ALL
UpgVersion    *upg_context_get_to_version          (UpgContext         *self);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_to_version          (UpgContext         *self,
                                                    const UpgVersion   *version);
UPG_SPI_AVAILABLE_IN_ALL
const char    *upg_context_get_site_id             (UpgContext         *self);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_site_id             (UpgContext         *self,
                                                    const char         *site_id);
UPG_SPI_AVAILABLE_IN_ALL
UpgStage       upg_context_get_stage               (UpgContext         *self);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_stage               (UpgContext         *self,
                                                    UpgStage            stage);
UPG_SPI_AVAILABLE_IN_ALL
const char    *upg_context_get_component           (UpgContext         *self);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_component           (UpgContext         *self,
                                                    const char         *component);
UPG_SPI_AVAILABLE_IN_ALL
const char    *upg_context_get_step_id             (UpgContext         *self);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_step_id             (UpgContext         *self,
                                                    const char         *step_id);
UPG_SPI_AVAILABLE_IN_ALL
const char    *upg_context_get_bundle_dir          (UpgContext         *self);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_bundle_dir          (UpgContext         *self,
                                                    const char         *bundle_dir);
UPG_SPI_AVAILABLE_IN_ALL
JsonObject    *upg_context_get_env                 (UpgContext         *self);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_env                 (UpgContext         *self,
                                                    JsonObject         *env);
UPG_SPI_AVAILABLE_IN_ALL
JsonObject    *upg_context_get_params              (UpgContext         *self);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_params              (UpgContext         *self,
                                                    JsonObject         *params);
UPG_SPI_AVAILABLE_IN_ALL
JsonArray     *upg_context_get_checks              (UpgContext         *self);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_checks              (UpgContext         *self,
                                                    JsonArray          *checks);

UPG_SPI_AVAILABLE_IN_ALL
JsonObject    *upg_context_get_data_sources        (UpgContext         *self);
UPG_SPI_AVAILABLE_IN_ALL
const char    *upg_context_get_data_sources_base_dir (UpgContext       *self);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_data_sources        (UpgContext         *self,
                                                    JsonObject         *definitions,
                                                    const char         *base_dir);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_connection_resolver (UpgContext         *self,
                                                    UpgConnectionResolver resolver,
                                                    gpointer            user_data,
                                                    GDestroyNotify      destroy);
UPG_SPI_AVAILABLE_IN_ALL
UpgConnection *upg_context_get_connection          (UpgContext         *self,
                                                    const char         *name,
                                                    GError            **error);

UPG_SPI_AVAILABLE_IN_ALL
GCancellable  *upg_context_get_cancellable         (UpgContext         *self);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_cancellable         (UpgContext         *self,
                                                    GCancellable       *cancellable);

UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_log                     (UpgContext         *self,
                                                    GLogLevelFlags      level,
                                                    const char         *format,
                                                    ...) G_GNUC_PRINTF (3, 4);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_log_literal             (UpgContext         *self,
                                                    GLogLevelFlags      level,
                                                    const char         *message);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_report_progress         (UpgContext         *self,
                                                    guint64             done,
                                                    guint64             total,
                                                    const char         *message);

UPG_SPI_AVAILABLE_IN_ALL
const char    *upg_context_get_checkpoint          (UpgContext         *self);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_checkpoint          (UpgContext         *self,
                                                    const char         *checkpoint);
UPG_SPI_AVAILABLE_IN_ALL
void           upg_context_set_checkpoint_saver    (UpgContext         *self,
                                                    UpgCheckpointSaver  saver,
                                                    gpointer            user_data,
                                                    GDestroyNotify      destroy);
UPG_SPI_AVAILABLE_IN_ALL
gboolean       upg_context_save_checkpoint         (UpgContext         *self,
                                                    const char         *checkpoint,
                                                    GError            **error);

G_END_DECLS
