/* upg-data-migration.h - a tool step: migrates data from one layout to another
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_SPI_INSIDE__) && !defined(UPGRADE_SPI_COMPILATION)
#error "Only <upgrade-spi.h> can be included directly."
#endif

#include "upg-context.h"

#include "upg-spi-version-macros.h"

G_BEGIN_DECLS

#define UPG_TYPE_DATA_MIGRATION (upg_data_migration_get_type ())

UPG_SPI_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (UpgDataMigration, upg_data_migration, UPG, DATA_MIGRATION, GObject)

/**
 * UpgDataMigrationInterface:
 * @g_iface: the parent interface
 * @migrate: migrates the data; required. Reports progress through
 *   upg_context_report_progress(), stops with %G_IO_ERROR_CANCELLED when
 *   @cancellable is cancelled, and continues from
 *   upg_context_get_checkpoint() when run again.
 * @rollback: (nullable): brings the data back to the old layout; %NULL when
 *   the migration cannot be rolled back
 * @cleanup: (nullable): removes what the old version needed once the
 *   upgrade succeeded; %NULL when there is nothing to clean
 *
 * A data migration run by a tool step (`class_name` in a manifest).
 * @params are the step's `params` from the manifest.
 */
struct _UpgDataMigrationInterface
{
  GTypeInterface g_iface;

  gboolean (*migrate)  (UpgDataMigration  *self,
                        UpgContext        *context,
                        JsonObject        *params,
                        GCancellable      *cancellable,
                        GError           **error);
  gboolean (*rollback) (UpgDataMigration  *self,
                        UpgContext        *context,
                        JsonObject        *params,
                        GCancellable      *cancellable,
                        GError           **error);
  gboolean (*cleanup)  (UpgDataMigration  *self,
                        UpgContext        *context,
                        JsonObject        *params,
                        GCancellable      *cancellable,
                        GError           **error);

  /*< private >*/
  gpointer padding[4];
};

/**
 * UpgMigrationAction:
 * @UPG_MIGRATION_ACTION_MIGRATE: upgrade the data
 * @UPG_MIGRATION_ACTION_ROLLBACK: bring the data back to the old layout
 * @UPG_MIGRATION_ACTION_CLEANUP: remove the old data after success
 *
 * What a data migration is asked to do.
 */
typedef enum {
  UPG_MIGRATION_ACTION_MIGRATE,
  UPG_MIGRATION_ACTION_ROLLBACK,
  UPG_MIGRATION_ACTION_CLEANUP,
} UpgMigrationAction;

UPG_SPI_AVAILABLE_IN_ALL
const char *upg_migration_action_to_string   (UpgMigrationAction   action);
UPG_SPI_AVAILABLE_IN_ALL
gboolean    upg_migration_action_from_string (const char          *text,
                                              UpgMigrationAction  *action,
                                              GError             **error);

UPG_SPI_AVAILABLE_IN_ALL
gboolean upg_data_migration_supports  (UpgDataMigration    *self,
                                       UpgMigrationAction   action);
UPG_SPI_AVAILABLE_IN_ALL
gboolean upg_data_migration_run       (UpgDataMigration    *self,
                                       UpgMigrationAction   action,
                                       UpgContext          *context,
                                       JsonObject          *params,
                                       GCancellable        *cancellable,
                                       GError             **error);
UPG_SPI_AVAILABLE_IN_ALL
gboolean upg_data_migration_migrate   (UpgDataMigration    *self,
                                       UpgContext          *context,
                                       JsonObject          *params,
                                       GCancellable        *cancellable,
                                       GError             **error);
UPG_SPI_AVAILABLE_IN_ALL
gboolean upg_data_migration_rollback  (UpgDataMigration    *self,
                                       UpgContext          *context,
                                       JsonObject          *params,
                                       GCancellable        *cancellable,
                                       GError             **error);
UPG_SPI_AVAILABLE_IN_ALL
gboolean upg_data_migration_cleanup   (UpgDataMigration    *self,
                                       UpgContext          *context,
                                       JsonObject          *params,
                                       GCancellable        *cancellable,
                                       GError             **error);

G_END_DECLS
