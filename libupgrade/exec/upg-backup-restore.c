/* upg-backup-restore.c - restoring a backup a `backup` step made
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `upgradectl restore BACKUP_ID [--table T] --yes`: the backup's file is
 * checked against the SHA-256 journaled when it was made (a changed or
 * truncated file is never restored), then its data source gets it back
 * through the engine's client (connectors/upg-db-restore.c). Each restore
 * is journaled (upgrade_restore): who, which backup, which table, how it
 * ended.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "upg-backup-restore-private.h"
#include "upg-db-dump-private.h"
#include "upg-path-private.h"

/*
 * upg_backup_record_tables:
 *
 * Returns: (transfer full) (nullable): the tables the backup holds;
 *   %NULL for a whole database
 */
GStrv
upg_backup_record_tables (const UpgBackupRecord *record)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GStrvBuilder) names = NULL;
  JsonArray *array;

  if (record->tables == NULL || (node = json_from_string (record->tables, NULL)) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  array = json_node_get_array (node);
  names = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_strv_builder_add (names, json_array_get_string_element (array, i));
  return g_strv_builder_end (names);
}

static gboolean
check_backup (UpgBackupRecord  *record,
              GError          **error)
{
  g_autofree char *actual = NULL;
  g_autoptr(GError) local_error = NULL;

  if (g_str_equal (record->status, UPG_BACKUP_REMOVED))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
                   _("backup '%s' was removed (retention: \"keep\"); its file is gone"), record->id);
      return FALSE;
    }
  if (!g_str_equal (record->status, UPG_BACKUP_SUCCESS))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("backup '%s' is not complete (%s): it cannot be restored"),
                   record->id, record->status);
      return FALSE;
    }
  actual = upg_path_sha256 (record->path, &local_error);
  if (actual == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED, _("backup '%s': cannot read '%s': %s"), record->id,
                   record->path, local_error->message);
      return FALSE;
    }
  if (g_ascii_strcasecmp (actual, record->sha256) != 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED,
                   _("backup '%s': '%s' has SHA-256 %s, but %s was journaled when it was made: the file changed, "
                     "nothing was restored"), record->id, record->path, actual, record->sha256);
      return FALSE;
    }
  return TRUE;
}

/*
 * upg_backup_restore:
 * @journal: the journal that knows the backup
 * @config: the configuration naming its data source
 * @backup_id: the backup's id (`upgradectl backups`)
 * @table: (nullable): one table, or %NULL for everything the backup holds
 * @restored: (out) (transfer full) (optional): the backup's record
 *
 * Verifies the backup's SHA-256, restores it and journals the restore.
 *
 * Returns: %TRUE if restored
 */
gboolean
upg_backup_restore (UpgJournal        *journal,
                    UpgConfig         *config,
                    const char        *backup_id,
                    const char        *table,
                    GCancellable      *cancellable,
                    UpgBackupRecord  **restored,
                    GError           **error)
{
  g_autoptr(UpgBackupRecord) record = upg_journal_get_backup (journal, backup_id, error);
  g_autofree char *who = NULL, *restore_id = NULL, *work_dir = NULL;
  g_auto(GStrv) tables = NULL;
  g_autoptr(GError) failure = NULL;
  UpgDataSource *source;
  gboolean ok;

  if (record == NULL || !check_backup (record, error))
    return FALSE;
  source = upg_config_lookup_data_source (config, record->database);
  if (source == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                   _("backup '%s' is of data source '%s', which the configuration does not define"), backup_id,
                   record->database);
      return FALSE;
    }
  who = g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
  restore_id = upg_journal_begin_restore (journal, backup_id, table, who, error);
  if (restore_id == NULL)
    return FALSE;
  tables = upg_backup_record_tables (record);
  work_dir = g_dir_make_tmp ("upgrade-restore-XXXXXX", &failure);
  ok = work_dir != NULL &&
       upg_db_restore (source, record->path, (const char * const *) tables, table, work_dir,
                       upg_config_get_secret_env (config), cancellable, &failure);
  if (work_dir != NULL)
    g_rmdir (work_dir);
  if (!upg_journal_finish_restore (journal, restore_id, ok, ok ? NULL : failure->message, error))
    return FALSE;
  if (!ok)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&failure), _("restore of backup '%s' failed: "), backup_id);
      return FALSE;
    }
  if (restored != NULL)
    *restored = g_steal_pointer (&record);
  return TRUE;
}
