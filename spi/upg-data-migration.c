/* upg-data-migration.c - a tool step: migrates data from one layout to another
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-spi-i18n-private.h"

#include "upg-data-migration.h"
#include "upg-error.h"

/**
 * UpgDataMigration:
 *
 * A data migration a tool step runs (`class_name` in a manifest). The
 * plugin manager runs it in a plugin host process; it reports progress
 * through the context, stops between units of work when cancelled and
 * continues from its checkpoint when run again.
 */

G_DEFINE_INTERFACE (UpgDataMigration, upg_data_migration, G_TYPE_OBJECT)

static void
upg_data_migration_default_init (UpgDataMigrationInterface *iface)
{
}

static const char * const action_names[] = { "migrate", "rollback", "cleanup" };

/**
 * upg_migration_action_to_string:
 * @action: an action
 *
 * Gets the name of a migration action.
 *
 * Returns: (transfer none): `migrate`, `rollback` or `cleanup`
 */
const char *
upg_migration_action_to_string (UpgMigrationAction action)
{
  g_return_val_if_fail (action <= UPG_MIGRATION_ACTION_CLEANUP, NULL);
  return action_names[action];
}

/**
 * upg_migration_action_from_string:
 * @text: `migrate`, `rollback` or `cleanup`
 * @action: (out): where to store the action
 * @error: return location for a #GError
 *
 * Parses the name of a migration action.
 *
 * Returns: %TRUE if @text names an action
 */
gboolean
upg_migration_action_from_string (const char          *text,
                                  UpgMigrationAction  *action,
                                  GError             **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (action_names); i++)
    if (g_strcmp0 (text, action_names[i]) == 0)
      {
        *action = (UpgMigrationAction) i;
        return TRUE;
      }
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               _("migration action '%s' is not valid: expected migrate, rollback or cleanup"),
               text ? text : "(null)");
  return FALSE;
}

typedef gboolean (*MigrationFunc) (UpgDataMigration *, UpgContext *, JsonObject *,
                                   GCancellable *, GError **);

static MigrationFunc
lookup (UpgDataMigration   *self,
        UpgMigrationAction  action)
{
  UpgDataMigrationInterface *iface = UPG_DATA_MIGRATION_GET_IFACE (self);

  switch (action)
    {
    case UPG_MIGRATION_ACTION_MIGRATE:
      return iface->migrate;
    case UPG_MIGRATION_ACTION_ROLLBACK:
      return iface->rollback;
    case UPG_MIGRATION_ACTION_CLEANUP:
      return iface->cleanup;
    default:
      return NULL;
    }
}

/**
 * upg_data_migration_supports:
 * @self: a data migration
 * @action: an action
 *
 * Tells whether the migration implements an action (rollback and cleanup are
 * optional).
 *
 * Returns: %TRUE if @self implements @action
 */
gboolean
upg_data_migration_supports (UpgDataMigration   *self,
                             UpgMigrationAction  action)
{
  g_return_val_if_fail (UPG_IS_DATA_MIGRATION (self), FALSE);
  return lookup (self, action) != NULL;
}

/**
 * upg_data_migration_run:
 * @self: a data migration
 * @action: what to do
 * @context: the execution
 * @params: (nullable): the step's `params`
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Runs @action. An action the type does not implement is
 * %UPG_ERROR_PLUGIN, "… does not support rollback".
 *
 * Returns: %TRUE on success
 */
gboolean
upg_data_migration_run (UpgDataMigration    *self,
                        UpgMigrationAction   action,
                        UpgContext          *context,
                        JsonObject          *params,
                        GCancellable        *cancellable,
                        GError             **error)
{
  MigrationFunc func;
  g_autoptr(JsonObject) empty = NULL;

  g_return_val_if_fail (UPG_IS_DATA_MIGRATION (self), FALSE);
  g_return_val_if_fail (UPG_IS_CONTEXT (context), FALSE);

  func = lookup (self, action);
  if (func == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN, _("%s does not support %s"),
                   G_OBJECT_TYPE_NAME (self), upg_migration_action_to_string (action));
      return FALSE;
    }
  if (params == NULL)
    params = empty = json_object_new ();
  return func (self, context, params, cancellable, error);
}

/**
 * upg_data_migration_migrate:
 * @self: a data migration
 * @context: the execution
 * @params: (nullable): the step's `params`
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Migrates the data, see upg_data_migration_run().
 *
 * Returns: %TRUE on success
 */
gboolean
upg_data_migration_migrate (UpgDataMigration  *self,
                            UpgContext        *context,
                            JsonObject        *params,
                            GCancellable      *cancellable,
                            GError           **error)
{
  return upg_data_migration_run (self, UPG_MIGRATION_ACTION_MIGRATE, context, params,
                                 cancellable, error);
}

/**
 * upg_data_migration_rollback:
 * @self: a data migration
 * @context: the execution
 * @params: (nullable): the step's `params`
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Brings the data back to the old layout, see upg_data_migration_run().
 *
 * Returns: %TRUE on success
 */
gboolean
upg_data_migration_rollback (UpgDataMigration  *self,
                             UpgContext        *context,
                             JsonObject        *params,
                             GCancellable      *cancellable,
                             GError           **error)
{
  return upg_data_migration_run (self, UPG_MIGRATION_ACTION_ROLLBACK, context, params,
                                 cancellable, error);
}

/**
 * upg_data_migration_cleanup:
 * @self: a data migration
 * @context: the execution
 * @params: (nullable): the step's `params`
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Removes the old data after success, see upg_data_migration_run().
 *
 * Returns: %TRUE on success
 */
gboolean
upg_data_migration_cleanup (UpgDataMigration  *self,
                            UpgContext        *context,
                            JsonObject        *params,
                            GCancellable      *cancellable,
                            GError           **error)
{
  return upg_data_migration_run (self, UPG_MIGRATION_ACTION_CLEANUP, context, params,
                                 cancellable, error);
}
