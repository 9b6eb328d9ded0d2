/* upg-journal-migrations.c - batched migrations: their checkpoint in the
 * target, their state and controls in the journal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The checkpoint of a batched migration lives in the database it changes
 * (`upgrade_migration_checkpoint`), like the statement markers: each batch
 * updates it in the batch's own transaction, so a batch is applied and
 * counted together or not at all, whatever happens to the process or the
 * journal. Its key range (min and max of the key when the migration first
 * started) is stored there too: rows inserted later above it belong to the
 * application, which writes them in the new form.
 *
 * The journal's `upgrade_migration` table shows the migrations (state,
 * progress, rate) to other processes and carries the operator's control
 * (`pause`, `resume`, `cancel`) to the running one, which reads it between
 * batches. Both tables are created when first needed (CREATE TABLE IF NOT
 * EXISTS), so neither needs a schema version of its own.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-journal-migrations-private.h"
#include "upg-journal-private.h"
#include "upg-journal-schema-private.h"

#define CHECKPOINT_TABLE "upgrade_migration_checkpoint"
#define MIGRATION_TABLE "upgrade_migration"

/**
 * upg_migration_id: (skip)
 *
 * Returns: (transfer full): the migration's id: 16 hex digits of the
 *   SHA-256 of its step's identity, the same in every execution, so that
 *   a re-run continues (and is controlled as) the same migration
 */
char *
upg_migration_id (const char *site_id,
                  const char *component,
                  const char *version,
                  const char *step_id)
{
  g_autofree char *identity = g_strjoin ("\n", site_id != NULL ? site_id : "", component != NULL ? component : "",
                                         version, step_id, NULL);
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, identity, -1);

  return g_strndup (sha, 16);
}

static gboolean
parse_key (const char  *text,
           const char  *table,
           const char  *key,
           gint64      *out,
           GError     **error)
{
  if (g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, out, NULL))
    return TRUE;
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST,
               _("batched migration of %s: key %s must be an integer column, found the value '%s'"),
               table, key, text);
  return FALSE;
}

static gboolean
ensure_checkpoint_table (UpgConnection  *target,
                         GError        **error)
{
  return upg_journal_schema_ensure_keyed_table (target, CHECKPOINT_TABLE,
                                                "migration_id @ID@ NOT NULL PRIMARY KEY, table_name @NAME@ NOT NULL,"
                                                " key_min @INT@ NOT NULL, key_max @INT@ NOT NULL,"
                                                " key_next @INT@ NOT NULL, rows_done @INT@ NOT NULL,"
                                                " batches @INT@ NOT NULL, execution_id @ID@,"
                                                " created_at @INT@ NOT NULL, updated_at @INT@ NOT NULL", error);
}

static gboolean
read_checkpoint (UpgConnection          *target,
                 const char             *id,
                 gboolean               *found,
                 UpgMigrationCheckpoint *out,
                 GError                **error)
{
  const char *values[] = { id };
  g_autoptr(UpgRows) rows = upg_journal_sql_query (target, "SELECT key_min, key_max, key_next, rows_done, batches"
                                                   " FROM " CHECKPOINT_TABLE " WHERE migration_id = ?",
                                                   values, 1, error);

  if (rows == NULL)
    return FALSE;
  *found = upg_rows_get_n_rows (rows) > 0;
  if (*found)
    {
      out->key_min = upg_rows_get_int (rows, 0, 0, 0);
      out->key_max = upg_rows_get_int (rows, 0, 1, 0);
      out->key_next = upg_rows_get_int (rows, 0, 2, 0);
      out->rows_done = upg_rows_get_int (rows, 0, 3, 0);
      out->batches = upg_rows_get_int (rows, 0, 4, 0);
    }
  return TRUE;
}

/**
 * upg_migration_checkpoint_open: (skip)
 * @target: the connection the migration's batches run on
 * @id: the migration's id (upg_migration_id())
 * @table: the table it walks
 * @key: its integer key column
 * @execution_id: the execution starting it
 * @now_ms: the time
 * @out: (out): where it stands
 * @error: return location for a #GError
 *
 * Finds the migration's checkpoint in @target, or reads the key range and
 * writes the first checkpoint (before any batch: an empty table is a
 * range with nothing to do).
 *
 * Returns: %TRUE on success
 */
gboolean
upg_migration_checkpoint_open (UpgConnection          *target,
                               const char             *id,
                               const char             *table,
                               const char             *key,
                               const char             *execution_id,
                               gint64                  now_ms,
                               UpgMigrationCheckpoint *out,
                               GError                **error)
{
  g_autofree char *range_sql = NULL;
  g_autoptr(UpgRows) rows = NULL;
  g_autofree char *min_text = NULL, *max_text = NULL, *now_text = NULL;
  gboolean found = FALSE;

  if (!ensure_checkpoint_table (target, error)
      || !read_checkpoint (target, id, &found, out, error))
    return FALSE;
  if (found)
    return TRUE;

  range_sql = g_strdup_printf ("SELECT MIN(%s), MAX(%s) FROM %s", key, key, table);
  rows = upg_journal_sql_query (target, range_sql, NULL, 0, error);
  if (rows == NULL)
    return FALSE;
  *out = (UpgMigrationCheckpoint) { 1, 0, 1, 0, 0 };
  if (upg_rows_get_n_rows (rows) > 0 && upg_rows_get_value (rows, 0, 0) != NULL)
    {
      if (!parse_key (upg_rows_get_value (rows, 0, 0), table, key, &out->key_min, error)
          || !parse_key (upg_rows_get_value (rows, 0, 1), table, key, &out->key_max, error))
        return FALSE;
      out->key_next = out->key_min;
    }
  min_text = upg_journal_int_text (out->key_min);
  max_text = upg_journal_int_text (out->key_max);
  now_text = upg_journal_int_text (now_ms);
  {
    const char *values[] = { id, table, min_text, max_text, min_text, execution_id, now_text, now_text };

    return upg_journal_sql_exec (target, "INSERT INTO " CHECKPOINT_TABLE " (migration_id, table_name, key_min,"
                                 " key_max, key_next, rows_done, batches, execution_id, created_at, updated_at)"
                                 " VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?, ?)",
                                 values, G_N_ELEMENTS (values), error);
  }
}

/**
 * upg_migration_checkpoint_reset: (skip)
 * @target: the migration's database
 * @id: the migration's id (upg_migration_id())
 * @error: return location for a #GError
 *
 * Deletes the migration's checkpoint, so that its next run reads the key
 * range again and migrates it from the start: what a rollback does to a
 * migration step it makes count as not done (`rollback --forget`, or a
 * rollback step that undid it). Without this the next run would find
 * the finished checkpoint and migrate nothing.
 *
 * Returns: %TRUE on success (also when there was none)
 */
gboolean
upg_migration_checkpoint_reset (UpgConnection  *target,
                                const char     *id,
                                GError        **error)
{
  const char *values[] = { id };

  return ensure_checkpoint_table (target, error)
      && upg_journal_sql_exec (target, "DELETE FROM " CHECKPOINT_TABLE " WHERE migration_id = ?", values, 1,
                               error);
}

/**
 * upg_migration_checkpoint_advance_sql: (skip)
 *
 * The statement that records a batch, run in the batch's transaction. It
 * changes one row only if the checkpoint is still at @from_key: a batch
 * that another process already committed changes none, and the caller
 * rolls back instead of applying it twice.
 *
 * Returns: (transfer full): the statement (only integers and the hex id
 *   are written into it)
 */
char *
upg_migration_checkpoint_advance_sql (const char *id,
                                      gint64      from_key,
                                      gint64      next_key,
                                      gint64      rows,
                                      gint64      now_ms)
{
  return g_strdup_printf ("UPDATE " CHECKPOINT_TABLE " SET key_next = %" G_GINT64_FORMAT
                          ", rows_done = rows_done + %" G_GINT64_FORMAT ", batches = batches + 1,"
                          " updated_at = %" G_GINT64_FORMAT " WHERE migration_id = '%s' AND key_next = %"
                          G_GINT64_FORMAT, next_key, rows, now_ms, id, from_key);
}

/* ---- the journal's table -------------------------------------------- */

static gboolean
ensure_table (UpgJournal  *self,
              GError     **error)
{
  if (self->migrations_table_ready)
    return TRUE;
  if (!upg_journal_schema_ensure_table (self->connection, MIGRATION_TABLE,
                                        "id @ID@ NOT NULL PRIMARY KEY, site_id @ID@ NOT NULL,"
                                        " execution_id @ID@ NOT NULL, component @ID@, version @ID@ NOT NULL,"
                                        " step_id @NAME@ NOT NULL, database_name @NAME@, table_name @NAME@,"
                                        " state @ID@ NOT NULL, control @ID@, key_min @INT@, key_max @INT@,"
                                        " key_next @INT@, rows_done @INT@, batches @INT@, batch_size @INT@,"
                                        " min_batch_size @INT@, max_batch_size @INT@, rows_per_second @INT@,"
                                        " eta_seconds @INT@, paused_ms @INT@, pauses @INT@, throttle_pauses @INT@,"
                                        " pause_reason @TEXT@, host @NAME@, pid @INT@, started_at @INT@,"
                                        " updated_at @INT@, error @TEXT@", error))
    return FALSE;
  self->migrations_table_ready = TRUE;
  return TRUE;
}

static gboolean
row_exists (UpgJournal  *self,
            const char  *id,
            gboolean    *found,
            GError     **error)
{
  const char *values[] = { id };
  g_autoptr(UpgRows) rows = upg_journal_sql_query (self->connection,
                                                   "SELECT id FROM " MIGRATION_TABLE " WHERE id = ?",
                                                   values, 1, error);

  if (rows == NULL)
    return FALSE;
  *found = upg_rows_get_n_rows (rows) > 0;
  return TRUE;
}

/**
 * upg_journal_migration_save: (skip)
 * @self: a #UpgJournal
 * @migration: what the running migration knows
 * @error: return location for a #GError
 *
 * Writes @migration's row (all but the operator's control).
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_migration_save (UpgJournal                *self,
                            const UpgJournalMigration *m,
                            GError                   **error)
{
  const UpgMigrationCheckpoint *c = &m->checkpoint;
  gint64 ints[] = { c->key_min, c->key_max, c->key_next, c->rows_done, c->batches, m->batch_size,
                    m->min_batch_size, m->max_batch_size, (gint64) (m->rows_per_second + 0.5), m->eta_seconds,
                    m->paused_ms, m->pauses, m->throttle_pauses, self->pid, m->started_at,
                    upg_journal_get_now (self) };
  /* g_autofree on an array frees its first element only: a GStrv. */
  g_auto(GStrv) texts = g_new0 (char *, G_N_ELEMENTS (ints) + 1);
  gboolean found = FALSE;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    texts[i] = upg_journal_int_text (ints[i]);

  UPG_JOURNAL_LOCK (self);
  if (!ensure_table (self, error) || !row_exists (self, m->id, &found, error))
    return FALSE;
  {
    const char *values[] = { m->site_id, m->execution_id, m->component, m->version, m->step_id, m->database,
                             m->table, m->state, texts[0], texts[1], texts[2], texts[3], texts[4], texts[5],
                             texts[6], texts[7], texts[8], texts[9], texts[10], texts[11], texts[12],
                             m->pause_reason, self->host, texts[13], texts[14], texts[15], m->error, m->id };
    const char *sql = found
      ? "UPDATE " MIGRATION_TABLE " SET site_id = ?, execution_id = ?, component = ?, version = ?,"
        " step_id = ?, database_name = ?, table_name = ?, state = ?, key_min = ?, key_max = ?, key_next = ?,"
        " rows_done = ?, batches = ?, batch_size = ?, min_batch_size = ?, max_batch_size = ?,"
        " rows_per_second = ?, eta_seconds = ?, paused_ms = ?, pauses = ?, throttle_pauses = ?,"
        " pause_reason = ?, host = ?, pid = ?, started_at = ?, updated_at = ?, error = ? WHERE id = ?"
      : "INSERT INTO " MIGRATION_TABLE " (site_id, execution_id, component, version, step_id, database_name,"
        " table_name, state, key_min, key_max, key_next, rows_done, batches, batch_size, min_batch_size,"
        " max_batch_size, rows_per_second, eta_seconds, paused_ms, pauses, throttle_pauses, pause_reason, host,"
        " pid, started_at, updated_at, error, id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    return upg_journal_sql_exec (self->connection, sql, values, G_N_ELEMENTS (values), error);
  }
}

/**
 * upg_journal_migration_get_control: (skip)
 * @control: (out) (transfer full) (nullable): `pause`, `resume`, `cancel`
 *   or %NULL when the operator asked nothing
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_migration_get_control (UpgJournal  *self,
                                   const char  *id,
                                   char       **control,
                                   GError     **error)
{
  const char *values[] = { id };
  g_autoptr(UpgRows) rows = NULL;

  UPG_JOURNAL_LOCK (self);
  *control = NULL;
  if (!ensure_table (self, error))
    return FALSE;
  rows = upg_journal_sql_query (self->connection, "SELECT control FROM " MIGRATION_TABLE " WHERE id = ?",
                                values, 1, error);
  if (rows == NULL)
    return FALSE;
  if (upg_rows_get_n_rows (rows) > 0)
    *control = g_strdup (upg_rows_get_value (rows, 0, 0));
  return TRUE;
}

/**
 * upg_journal_migration_clear_control: (skip)
 *
 * Forgets the operator's last control: a new run of the stage is the
 * operator's decision to run it.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_migration_clear_control (UpgJournal  *self,
                                     const char  *id,
                                     GError     **error)
{
  const char *values[] = { id };

  UPG_JOURNAL_LOCK (self);
  return ensure_table (self, error)
      && upg_journal_sql_exec (self->connection, "UPDATE " MIGRATION_TABLE " SET control = NULL WHERE id = ?",
                               values, 1, error);
}

/**
 * upg_journal_migration_forget: (skip)
 * @id: a migration id
 *
 * Marks the journal's row of migration @id `reset` (its checkpoint was
 * deleted by a rollback, upg_migration_checkpoint_reset()): `migrations`
 * no longer shows it done, and its next run starts from the first key.
 *
 * Returns: %TRUE on success (also when there is no such row)
 */
gboolean
upg_journal_migration_forget (UpgJournal  *self,
                              const char  *id,
                              GError     **error)
{
  const char *values[] = { id };

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);

  UPG_JOURNAL_LOCK (self);
  return ensure_table (self, error)
      && upg_journal_sql_exec (self->connection, "UPDATE " MIGRATION_TABLE " SET state = 'reset', control = NULL,"
                               " key_next = key_min, rows_done = 0, batches = 0, eta_seconds = -1, error = NULL"
                               " WHERE id = ?", values, 1, error);
}

static const UpgJournalColumn columns[] = {
  { "id", "id", UPG_JOURNAL_COLUMN_TEXT },
  { "site_id", "site_id", UPG_JOURNAL_COLUMN_TEXT },
  { "execution_id", "execution_id", UPG_JOURNAL_COLUMN_TEXT },
  { "component", "component", UPG_JOURNAL_COLUMN_TEXT },
  { "version", "version", UPG_JOURNAL_COLUMN_TEXT },
  { "step_id", "step_id", UPG_JOURNAL_COLUMN_TEXT },
  { "database_name", "database", UPG_JOURNAL_COLUMN_TEXT },
  { "table_name", "table", UPG_JOURNAL_COLUMN_TEXT },
  { "state", "state", UPG_JOURNAL_COLUMN_TEXT },
  { "control", "control", UPG_JOURNAL_COLUMN_TEXT },
  { "key_min", "key_min", UPG_JOURNAL_COLUMN_INT },
  { "key_max", "key_max", UPG_JOURNAL_COLUMN_INT },
  { "key_next", "key_next", UPG_JOURNAL_COLUMN_INT },
  { "rows_done", "rows_done", UPG_JOURNAL_COLUMN_INT },
  { "batches", "batches", UPG_JOURNAL_COLUMN_INT },
  { "batch_size", "batch_size", UPG_JOURNAL_COLUMN_INT },
  { "min_batch_size", "min_batch_size", UPG_JOURNAL_COLUMN_INT },
  { "max_batch_size", "max_batch_size", UPG_JOURNAL_COLUMN_INT },
  { "rows_per_second", "rows_per_second", UPG_JOURNAL_COLUMN_INT },
  { "eta_seconds", "eta_seconds", UPG_JOURNAL_COLUMN_INT },
  { "paused_ms", "paused_ms", UPG_JOURNAL_COLUMN_INT },
  { "pauses", "pauses", UPG_JOURNAL_COLUMN_INT },
  { "throttle_pauses", "throttle_pauses", UPG_JOURNAL_COLUMN_INT },
  { "pause_reason", "pause_reason", UPG_JOURNAL_COLUMN_TEXT },
  { "host", "host", UPG_JOURNAL_COLUMN_TEXT },
  { "pid", "pid", UPG_JOURNAL_COLUMN_INT },
  { "started_at", "started_at", UPG_JOURNAL_COLUMN_TIME },
  { "updated_at", "updated_at", UPG_JOURNAL_COLUMN_TIME },
  { "error", "error", UPG_JOURNAL_COLUMN_TEXT },
  /* The time of its last run so far (the rate's clock includes the
   * throttle's waits and the operator's pauses). */
  { "(updated_at - started_at)", "duration_ms", UPG_JOURNAL_COLUMN_INT },
};

/* Adds `progress_percent` and says `interrupted` for a running or paused
 * migration whose process is gone (kill -9, a crash, a reboot). */
static void
complete (UpgJournal *self,
          JsonObject *m)
{
  gint64 min = json_object_get_int_member_with_default (m, "key_min", 1);
  gint64 max = json_object_get_int_member_with_default (m, "key_max", 0);
  gint64 next = json_object_get_int_member_with_default (m, "key_next", min);
  const char *state = json_object_get_string_member_with_default (m, "state", "");
  double percent = max >= min ? 100.0 * (double) (next - min) / ((double) max - (double) min + 1) : 100.0;

  json_object_set_double_member (m, "progress_percent", CLAMP (percent, 0.0, 100.0));
  if ((g_str_equal (state, "running") || g_str_equal (state, "paused"))
      && upg_journal_owner_is_dead (self, json_object_get_string_member_with_default (m, "host", ""),
                                    json_object_get_int_member_with_default (m, "pid", 0)))
    json_object_set_string_member (m, "state", "interrupted");
}

static JsonArray *
select_migrations (UpgJournal  *self,
                   const char  *where,
                   const char  *value,
                   GError     **error)
{
  g_autofree char *list = upg_journal_columns_list (columns, G_N_ELEMENTS (columns));
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM " MIGRATION_TABLE "%s ORDER BY started_at DESC, id",
                                          list, where);
  const char *values[] = { value };
  g_autoptr(UpgRows) rows = NULL;
  JsonArray *array;
  gboolean found = self->migrations_table_ready;

  /* Listing writes nothing: no table yet means no migration yet. */
  if (!found && !upg_journal_schema_table_exists (self->connection, MIGRATION_TABLE, &found, error))
    return NULL;
  if (!found)
    return json_array_new ();
  rows = upg_journal_sql_query (self->connection, sql, values, value != NULL ? 1 : 0, error);
  if (rows == NULL)
    return NULL;
  array = upg_journal_rows_to_array (rows, columns, G_N_ELEMENTS (columns));
  for (guint i = 0; i < json_array_get_length (array); i++)
    complete (self, json_array_get_object_element (array, i));
  return array;
}

/**
 * upg_journal_list_migrations: (skip)
 * @site_id: (nullable): only this site's
 *
 * Returns: (transfer full) (nullable): the migrations, newest first
 */
JsonArray *
upg_journal_list_migrations (UpgJournal  *self,
                             const char  *site_id,
                             GError     **error)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);

  UPG_JOURNAL_LOCK (self);
  return select_migrations (self, site_id != NULL ? " WHERE site_id = ?" : "", site_id, error);
}

/**
 * upg_journal_list_execution_migrations: (skip)
 * @execution_id: the execution that ran them last
 *
 * Returns: (transfer full) (nullable): the migrations, for its report
 */
JsonArray *
upg_journal_list_execution_migrations (UpgJournal  *self,
                                       const char  *execution_id,
                                       GError     **error)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);

  UPG_JOURNAL_LOCK (self);
  return select_migrations (self, " WHERE execution_id = ?", execution_id, error);
}

/**
 * upg_journal_migration_control: (skip)
 * @id: a migration id
 * @action: `pause`, `resume` or `cancel`
 *
 * Asks the running migration @id to pause, resume or cancel; it reads the
 * request between batches. Only a running or paused migration takes one.
 *
 * Returns: (transfer full) (nullable): the migration, with `control`
 *   set; %UPG_ERROR_NOT_FOUND for an unknown id, %UPG_ERROR_INVALID_ARGUMENT
 *   for a migration in another state
 */
JsonObject *
upg_journal_migration_control (UpgJournal  *self,
                               const char  *id,
                               const char  *action,
                               GError     **error)
{
  g_autoptr(JsonArray) found = NULL;
  JsonObject *m;
  const char *state;
  const char *values[] = { action, id };

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (g_strv_contains ((const char *[]) { "pause", "resume", "cancel", NULL }, action), NULL);

  UPG_JOURNAL_LOCK (self);
  found = select_migrations (self, " WHERE id = ?", id, error);
  if (found == NULL)
    return NULL;
  if (json_array_get_length (found) == 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("no migration '%s' (see `upgradectl migrations`)"), id);
      return NULL;
    }
  m = json_array_get_object_element (found, 0);
  state = json_object_get_string_member (m, "state");
  if (!g_str_equal (state, "running") && !g_str_equal (state, "paused"))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("migration '%s' is %s: only a running or paused migration can be paused, resumed or"
                     " cancelled (run its stage again to continue it)"), id, state);
      return NULL;
    }
  if (!upg_journal_sql_exec (self->connection, "UPDATE " MIGRATION_TABLE " SET control = ? WHERE id = ?",
                             values, G_N_ELEMENTS (values), error))
    return NULL;
  json_object_set_string_member (m, "control", action);
  return json_object_ref (m);
}
