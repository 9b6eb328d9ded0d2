/* upg-journal-backups.c - the journal's record of backups and restores
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `upgrade_backup` (schema version 6) holds one row per dump a `backup`
 * step started: written RUNNING before the dump tool runs and finished
 * SUCCESS (size, SHA-256, row counts) only once the file is complete and
 * renamed into place, so that a row left RUNNING by a kill names the
 * partial file to remove, and only SUCCESS rows are listed or restored.
 * `upgrade_restore` journals each `upgradectl restore`.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-journal-backups-private.h"
#include "upg-journal-private.h"

#define BACKUP_COLUMNS \
  "id, execution_id, site_id, component, version, step_id, database_name, provider, tables, path," \
  " status, size_bytes, sha256, row_counts, error, created_at, finished_at, removed_at, objects"

void
upg_backup_record_free (UpgBackupRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->execution_id);
  g_free (record->site_id);
  g_free (record->component);
  g_free (record->version);
  g_free (record->step_id);
  g_free (record->database);
  g_free (record->provider);
  g_free (record->tables);
  g_free (record->path);
  g_free (record->status);
  g_free (record->sha256);
  g_free (record->row_counts);
  g_free (record->objects);
  g_free (record->error);
  g_free (record);
}

static GPtrArray *
read_records (UpgRows *rows)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_backup_record_free);

  for (guint i = 0; i < upg_rows_get_n_rows (rows); i++)
    {
      UpgBackupRecord *r = g_new0 (UpgBackupRecord, 1);

      r->id = g_strdup (upg_rows_get_value (rows, i, 0));
      r->execution_id = g_strdup (upg_rows_get_value (rows, i, 1));
      r->site_id = g_strdup (upg_rows_get_value (rows, i, 2));
      r->component = g_strdup (upg_rows_get_value (rows, i, 3));
      r->version = g_strdup (upg_rows_get_value (rows, i, 4));
      r->step_id = g_strdup (upg_rows_get_value (rows, i, 5));
      r->database = g_strdup (upg_rows_get_value (rows, i, 6));
      r->provider = g_strdup (upg_rows_get_value (rows, i, 7));
      r->tables = g_strdup (upg_rows_get_value (rows, i, 8));
      r->path = g_strdup (upg_rows_get_value (rows, i, 9));
      r->status = g_strdup (upg_rows_get_value (rows, i, 10));
      r->size = upg_rows_get_int (rows, i, 11, 0);
      r->sha256 = g_strdup (upg_rows_get_value (rows, i, 12));
      r->row_counts = g_strdup (upg_rows_get_value (rows, i, 13));
      r->error = g_strdup (upg_rows_get_value (rows, i, 14));
      r->created_at = upg_rows_get_int (rows, i, 15, 0);
      r->finished_at = upg_rows_get_int (rows, i, 16, 0);
      r->removed_at = upg_rows_get_int (rows, i, 17, 0);
      r->objects = g_strdup (upg_rows_get_value (rows, i, 18));
      g_ptr_array_add (records, r);
    }
  return records;
}

static GPtrArray *
query_records (UpgJournal          *self,
               const char          *where,
               const char * const  *values,
               guint                n_values,
               GError             **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT " BACKUP_COLUMNS " FROM upgrade_backup WHERE %s", where);
  g_autoptr(UpgRows) rows = NULL;

  UPG_JOURNAL_LOCK (self);
  rows = upg_journal_sql_query (self->connection, sql, values, n_values, error);
  return rows != NULL ? read_records (rows) : NULL;
}

/*
 * upg_journal_begin_backup:
 * @record: the backup about to be dumped; its @id and @created_at are set
 *   here, its status is RUNNING
 *
 * Journals a dump before it starts (durably: the journal commits each
 * write), so that a kill during the dump leaves a row naming its file.
 */
gboolean
upg_journal_begin_backup (UpgJournal       *self,
                          UpgBackupRecord  *record,
                          GError          **error)
{
  g_autofree char *created = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_free (record->id);
  record->id = g_uuid_string_random ();
  record->created_at = upg_journal_get_now (self);
  g_free (record->status);
  record->status = g_strdup (UPG_BACKUP_RUNNING);
  created = upg_journal_int_text (record->created_at);
  {
    const char *values[] = { record->id, record->execution_id, record->site_id, record->component,
                             record->version, record->step_id, record->database, record->provider,
                             record->tables, record->path, record->status, created };

    UPG_JOURNAL_LOCK (self);
    return upg_journal_sql_exec (self->connection,
                                 "INSERT INTO upgrade_backup (id, execution_id, site_id, component, version,"
                                 " step_id, database_name, provider, tables, path, status, created_at)"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 values, G_N_ELEMENTS (values), error);
  }
}

/*
 * upg_journal_finish_backup:
 * @status: %UPG_BACKUP_SUCCESS, %UPG_BACKUP_FAILED or %UPG_BACKUP_REMOVED
 * @size: the file's size in bytes (SUCCESS), else ignored
 * @sha256: (nullable): the file's SHA-256 (SUCCESS)
 * @row_counts: (nullable): JSON object table → rows (SUCCESS)
 * @failure: (nullable): why it failed
 *
 * Ends a backup's row. %UPG_BACKUP_REMOVED keeps the other figures and
 * sets `removed_at`.
 */
gboolean
upg_journal_finish_backup (UpgJournal  *self,
                           const char  *id,
                           const char  *status,
                           gint64       size,
                           const char  *sha256,
                           const char  *row_counts,
                           const char  *failure,
                           GError     **error)
{
  g_autofree char *now = NULL;
  g_autofree char *size_text = upg_journal_int_text (size);

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  now = upg_journal_int_text (upg_journal_get_now (self));
  UPG_JOURNAL_LOCK (self);
  if (g_str_equal (status, UPG_BACKUP_REMOVED))
    {
      const char *values[] = { status, now, id };

      return upg_journal_sql_exec (self->connection,
                                   "UPDATE upgrade_backup SET status = ?, removed_at = ? WHERE id = ?",
                                   values, G_N_ELEMENTS (values), error);
    }
  {
    const char *values[] = { status, size_text, sha256, row_counts, failure, now, id };

    return upg_journal_sql_exec (self->connection,
                                 "UPDATE upgrade_backup SET status = ?, size_bytes = ?, sha256 = ?, row_counts = ?,"
                                 " error = ?, finished_at = ? WHERE id = ?",
                                 values, G_N_ELEMENTS (values), error);
  }
}

/*
 * upg_journal_set_backup_objects:
 * @objects: JSON object name → kind
 *
 * Records the kind of each object a backup holds, before it is finished
 * SUCCESS (a RUNNING row with it is still no backup).
 */
gboolean
upg_journal_set_backup_objects (UpgJournal  *self,
                                const char  *id,
                                const char  *objects,
                                GError     **error)
{
  const char *values[] = { objects, id };

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  UPG_JOURNAL_LOCK (self);
  return upg_journal_sql_exec (self->connection, "UPDATE upgrade_backup SET objects = ? WHERE id = ?", values,
                               G_N_ELEMENTS (values), error);
}

/*
 * upg_journal_find_step_backups:
 *
 * The backups of one step (site, component, version, step id) with
 * @status, oldest first.
 *
 * Returns: (transfer container) (element-type UpgBackupRecord): the rows
 */
GPtrArray *
upg_journal_find_step_backups (UpgJournal  *self,
                               const char  *site_id,
                               const char  *component,
                               const char  *version,
                               const char  *step_id,
                               const char  *status,
                               GError     **error)
{
  const char *values[] = { site_id, component, version, step_id, status };

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  return query_records (self, "site_id = ? AND component = ? AND version = ? AND step_id = ? AND status = ?"
                        " ORDER BY created_at, id", values, G_N_ELEMENTS (values), error);
}

/*
 * upg_journal_list_backups:
 * @site_id: (nullable): one site, or every site
 * @database: (nullable): one data source, or every one
 *
 * The backups that exist (SUCCESS, not removed), newest first.
 *
 * Returns: (transfer container) (element-type UpgBackupRecord): the rows
 */
GPtrArray *
upg_journal_list_backups (UpgJournal  *self,
                          const char  *site_id,
                          const char  *database,
                          GError     **error)
{
  const char *values[3] = { UPG_BACKUP_SUCCESS };
  g_autoptr(GString) where = g_string_new ("status = ?");
  guint n = 1;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  /* Conditions only for what is given: PostgreSQL cannot type "? IS NULL". */
  if (site_id != NULL)
    {
      g_string_append (where, " AND site_id = ?");
      values[n++] = site_id;
    }
  if (database != NULL)
    {
      g_string_append (where, " AND database_name = ?");
      values[n++] = database;
    }
  g_string_append (where, " ORDER BY created_at DESC, id DESC");
  return query_records (self, where->str, values, n, error);
}

/*
 * upg_journal_get_backup:
 *
 * Returns: (transfer full) (nullable): the backup @id, whatever its
 *   status; %NULL with %UPG_ERROR_NOT_FOUND when the journal has none
 */
UpgBackupRecord *
upg_journal_get_backup (UpgJournal  *self,
                        const char  *id,
                        GError     **error)
{
  const char *values[] = { id };
  g_autoptr(GPtrArray) records = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  records = query_records (self, "id = ?", values, 1, error);
  if (records == NULL)
    return NULL;
  if (records->len == 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("backup '%s' not found in the journal"), id);
      return NULL;
    }
  return g_ptr_array_steal_index (records, 0);
}

/*
 * upg_journal_begin_restore:
 * @table: (nullable): the one table restored, or %NULL for all
 * @who: user@host (or a token name) of the operator
 *
 * Returns: (transfer full) (nullable): the restore's id
 */
char *
upg_journal_begin_restore (UpgJournal  *self,
                           const char  *backup_id,
                           const char  *table,
                           const char  *who,
                           GError     **error)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *now = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  now = upg_journal_int_text (upg_journal_get_now (self));
  {
    const char *values[] = { id, backup_id, table, who, "RUNNING", now };

    UPG_JOURNAL_LOCK (self);
    if (!upg_journal_sql_exec (self->connection,
                               "INSERT INTO upgrade_restore (id, backup_id, table_name, who, status, started_at)"
                               " VALUES (?, ?, ?, ?, ?, ?)", values, G_N_ELEMENTS (values), error))
      return NULL;
  }
  return g_steal_pointer (&id);
}

gboolean
upg_journal_finish_restore (UpgJournal  *self,
                            const char  *restore_id,
                            gboolean     ok,
                            const char  *failure,
                            GError     **error)
{
  g_autofree char *now = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  now = upg_journal_int_text (upg_journal_get_now (self));
  {
    const char *values[] = { ok ? "SUCCESS" : "FAILED", now, failure, restore_id };

    UPG_JOURNAL_LOCK (self);
    return upg_journal_sql_exec (self->connection,
                                 "UPDATE upgrade_restore SET status = ?, finished_at = ?, error = ? WHERE id = ?",
                                 values, G_N_ELEMENTS (values), error);
  }
}
