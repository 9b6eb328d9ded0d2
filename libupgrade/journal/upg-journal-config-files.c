/* upg-journal-config-files.c - the files `config` steps replaced
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `upgrade_config_file` (schema version 10) has one row per replacement a
 * `config` step started: written RUNNING once the previous file is kept
 * and before the rendered file is renamed over the target, APPLIED after
 * the rename, RESTORED when a rollback put the previous file back. A row
 * left RUNNING by a kill says which file was kept and which content was
 * being written, so that the next run can tell from the target's SHA-256
 * whether the rename happened.
 */
#include "config.h"

#include "upg-journal-config-files-private.h"
#include "upg-journal-private.h"

#define CONFIG_FILE_COLUMNS \
  "id, execution_id, site_id, component, version, step_id, target, kept_path, old_sha256, new_sha256," \
  " mode, uid, gid, status, created_at"

void
upg_config_file_record_free (UpgConfigFileRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->execution_id);
  g_free (record->site_id);
  g_free (record->component);
  g_free (record->version);
  g_free (record->step_id);
  g_free (record->target);
  g_free (record->kept_path);
  g_free (record->old_sha256);
  g_free (record->new_sha256);
  g_free (record->status);
  g_free (record);
}

static UpgConfigFileRecord *
record_from_row (UpgRows *rows,
                 guint    row)
{
  UpgConfigFileRecord *r;

  r = g_new0 (UpgConfigFileRecord, 1);
  r->id = g_strdup (upg_rows_get_value (rows, row, 0));
  r->execution_id = g_strdup (upg_rows_get_value (rows, row, 1));
  r->site_id = g_strdup (upg_rows_get_value (rows, row, 2));
  r->component = g_strdup (upg_rows_get_value (rows, row, 3));
  r->version = g_strdup (upg_rows_get_value (rows, row, 4));
  r->step_id = g_strdup (upg_rows_get_value (rows, row, 5));
  r->target = g_strdup (upg_rows_get_value (rows, row, 6));
  r->kept_path = g_strdup (upg_rows_get_value (rows, row, 7));
  r->old_sha256 = g_strdup (upg_rows_get_value (rows, row, 8));
  r->new_sha256 = g_strdup (upg_rows_get_value (rows, row, 9));
  r->mode = (guint32) upg_rows_get_int (rows, row, 10, 0);
  r->uid = (guint32) upg_rows_get_int (rows, row, 11, 0);
  r->gid = (guint32) upg_rows_get_int (rows, row, 12, 0);
  r->status = g_strdup (upg_rows_get_value (rows, row, 13));
  r->created_at = upg_rows_get_int (rows, row, 14, 0);
  return r;
}

/*
 * upg_journal_begin_config_file:
 * @record: the replacement about to be made; its @id is set here, its
 *   status is RUNNING
 *
 * Journals a replacement before the rename (durably: the journal commits
 * each write).
 */
gboolean
upg_journal_begin_config_file (UpgJournal           *self,
                               UpgConfigFileRecord  *record,
                               GError              **error)
{
  g_autofree char *created = NULL, *mode = NULL, *uid = NULL, *gid = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_free (record->id);
  record->id = g_uuid_string_random ();
  g_free (record->status);
  record->status = g_strdup (UPG_CONFIG_FILE_RUNNING);
  created = upg_journal_int_text (upg_journal_get_now (self));
  mode = upg_journal_int_text (record->mode);
  uid = upg_journal_int_text (record->uid);
  gid = upg_journal_int_text (record->gid);
  {
    const char *values[] = { record->id, record->execution_id, record->site_id, record->component,
                             record->version, record->step_id, record->target, record->kept_path,
                             record->old_sha256, record->new_sha256, mode, uid, gid, record->status, created };

    UPG_JOURNAL_LOCK (self);
    return upg_journal_sql_exec (self->connection,
                                 "INSERT INTO upgrade_config_file (" CONFIG_FILE_COLUMNS ")"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 values, G_N_ELEMENTS (values), error);
  }
}

/*
 * upg_journal_set_config_file_status:
 * @status: %UPG_CONFIG_FILE_APPLIED or %UPG_CONFIG_FILE_RESTORED
 *
 * Sets the status of @record's row (and @record's), with the rendered
 * SHA-256 of @record (a re-run may render another content than the
 * interrupted one).
 */
gboolean
upg_journal_set_config_file_status (UpgJournal           *self,
                                    UpgConfigFileRecord  *record,
                                    const char           *status,
                                    GError              **error)
{
  g_autofree char *now = NULL;
  gboolean restored = g_str_equal (status, UPG_CONFIG_FILE_RESTORED);

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  now = upg_journal_int_text (upg_journal_get_now (self));
  {
    const char *values[] = { status, record->new_sha256, now, record->id };
    UPG_JOURNAL_LOCK (self);

    if (!upg_journal_sql_exec (self->connection,
                               restored ? "UPDATE upgrade_config_file SET status = ?, new_sha256 = ?, restored_at = ?"
                                          " WHERE id = ?"
                                        : "UPDATE upgrade_config_file SET status = ?, new_sha256 = ?, finished_at = ?"
                                          " WHERE id = ?",
                               values, G_N_ELEMENTS (values), error))
      return FALSE;
  }
  g_free (record->status);
  record->status = g_strdup (status);
  return TRUE;
}

/*
 * upg_journal_find_config_file:
 *
 * The newest replacement of one step (site, component, version, step id)
 * that is RUNNING or APPLIED, whichever execution made it: the one whose
 * previous file a rollback puts back.
 *
 * Returns: (transfer full) (nullable): the row, or %NULL (@error unset
 *   when there is none)
 */
UpgConfigFileRecord *
upg_journal_find_config_file (UpgJournal  *self,
                              const char  *site_id,
                              const char  *component,
                              const char  *version,
                              const char  *step_id,
                              GError     **error)
{
  const char *values[] = { site_id, component, version, step_id, UPG_CONFIG_FILE_RUNNING,
                           UPG_CONFIG_FILE_APPLIED };
  g_autoptr(UpgRows) rows = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  {
    UPG_JOURNAL_LOCK (self);
    rows = upg_journal_sql_query (self->connection,
                                  "SELECT " CONFIG_FILE_COLUMNS " FROM upgrade_config_file"
                                  " WHERE site_id = ? AND component = ? AND version = ? AND step_id = ?"
                                  " AND status IN (?, ?) ORDER BY created_at DESC, id DESC",
                                  values, G_N_ELEMENTS (values), error);
  }
  if (rows == NULL || upg_rows_get_n_rows (rows) == 0)
    return NULL;
  return record_from_row (rows, 0);
}

/*
 * upg_journal_list_config_files:
 *
 * The previous files `config` steps kept at @site_id (replacements of a
 * target that existed), newest first, whatever their status.
 *
 * Returns: (transfer container) (element-type UpgConfigFileRecord)
 *   (nullable): the rows, or %NULL on error
 */
GPtrArray *
upg_journal_list_config_files (UpgJournal  *self,
                               const char  *site_id,
                               GError     **error)
{
  const char *values[] = { site_id };
  g_autoptr(UpgRows) rows = NULL;
  GPtrArray *records;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  {
    UPG_JOURNAL_LOCK (self);
    rows = upg_journal_sql_query (self->connection,
                                  "SELECT " CONFIG_FILE_COLUMNS " FROM upgrade_config_file"
                                  " WHERE site_id = ? AND kept_path IS NOT NULL ORDER BY created_at DESC, id DESC",
                                  values, G_N_ELEMENTS (values), error);
  }
  if (rows == NULL)
    return NULL;
  records = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_config_file_record_free);
  for (guint i = 0; i < upg_rows_get_n_rows (rows); i++)
    g_ptr_array_add (records, record_from_row (rows, i));
  return records;
}

/*
 * upg_journal_measure_config_steps:
 * @n_steps: (out): how many steps the mean is of
 *
 * The mean duration of the site's last 20 `config` steps that succeeded
 * (the steps that journaled a replacement), for the assessment's estimate.
 *
 * Returns: milliseconds, or -1 when there is none (or on error)
 */
gint64
upg_journal_measure_config_steps (UpgJournal  *self,
                                  const char  *site_id,
                                  guint       *n_steps,
                                  GError     **error)
{
  const char *values[] = { site_id };
  g_autoptr(UpgRows) rows = NULL;
  gint64 sum = 0;
  guint n;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), -1);
  *n_steps = 0;
  {
    UPG_JOURNAL_LOCK (self);
    rows = upg_journal_sql_query (self->connection,
                                  "SELECT s.duration_ms FROM step_execution s JOIN upgrade_config_file c"
                                  " ON c.execution_id = s.execution_id AND c.component = s.component"
                                  " AND c.version = s.version AND c.step_id = s.step_id"
                                  " WHERE s.site_id = ? AND s.status = 'SUCCESS' AND s.duration_ms IS NOT NULL"
                                  " ORDER BY s.finished_at DESC LIMIT 20",
                                  values, G_N_ELEMENTS (values), error);
  }
  if (rows == NULL || (n = upg_rows_get_n_rows (rows)) == 0)
    return -1;
  for (guint i = 0; i < n; i++)
    sum += upg_rows_get_int (rows, i, 0, 0);
  *n_steps = n;
  return sum / n;
}

/*
 * upg_journal_get_config_file:
 *
 * Returns: (transfer full) (nullable): the replacement @id, or %NULL
 *   (@error unset) when the journal has none of that id
 */
UpgConfigFileRecord *
upg_journal_get_config_file (UpgJournal  *self,
                             const char  *id,
                             GError     **error)
{
  const char *values[] = { id };
  g_autoptr(UpgRows) rows = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  {
    UPG_JOURNAL_LOCK (self);
    rows = upg_journal_sql_query (self->connection,
                                  "SELECT " CONFIG_FILE_COLUMNS " FROM upgrade_config_file WHERE id = ?",
                                  values, G_N_ELEMENTS (values), error);
  }
  if (rows == NULL || upg_rows_get_n_rows (rows) == 0)
    return NULL;
  return record_from_row (rows, 0);
}
