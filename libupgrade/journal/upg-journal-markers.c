/* upg-journal-markers.c - the marker table in each target: what proves
 * that a statement committed, whatever journal asks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The target is the truth (SPEC §5): a statement's marker lives in the
 * database the statement changed, so a run whose journal does not know
 * the statement (journal lost, another state directory, another host)
 * still finds it. Columns of `upgrade_statement_marker`:
 *
 * - record_id: the marker id, `<prefix>:<sequence>`. The prefix is the
 *   statement's script identity (site, component, version, step, file:
 *   upg_journal_statement_key_prefix()), the same in every execution.
 *   Markers written before it was (48 hex digits derived from the
 *   execution too, or a journal record's id) stay valid as they are.
 * - file_key: the prefix again, indexed, so that the markers of a script
 *   come with one indexed equality lookup in every dialect (a LIKE on
 *   record_id uses no index on PostgreSQL or SQLite).
 * - execution_id, statement_sha256: the execution that wrote it and the
 *   SHA-256 of the statement's text then, to name it and to see drift.
 *
 * Old tables get the new columns added and file_key filled from their
 * record ids (every `<prefix>:<sequence>` marker), once, the first time a
 * run opens the target.
 */
#include "config.h"

#include <string.h>

#include "upg-journal-batch-private.h"
#include "upg-journal-private.h"
#include "upg-journal-schema-private.h"

#define MARKER_TABLE_KEY "upgrade-marker-table"
#define MARKER_NOTE_KEY "upgrade-marker-note"

/* What the next marker row says beside its id (upg_journal_note_marker()). */
typedef struct {
  char *marker_id;
  char *execution_id;
  char *sha256;
} MarkerNote;

static void
marker_note_free (gpointer data)
{
  MarkerNote *note = data;

  g_free (note->marker_id);
  g_free (note->execution_id);
  g_free (note->sha256);
  g_free (note);
}

/* Markers written before file_key existed: `<48 hex>:<sequence>` ones get
 * it from their id; record-named ones (no ':') keep NULL and are only
 * ever asked for by id. */
static gboolean
fill_file_keys (UpgConnection  *target,
                GError        **error)
{
  const char *sql;

  switch (upg_connection_get_dialect (target))
    {
    case UPG_DIALECT_MYSQL:
      sql = "UPDATE upgrade_statement_marker SET file_key = SUBSTRING_INDEX(record_id, ':', 1)"
            " WHERE file_key IS NULL AND record_id LIKE '%:%'";
      break;
    case UPG_DIALECT_POSTGRESQL:
      sql = "UPDATE upgrade_statement_marker SET file_key = split_part(record_id, ':', 1)"
            " WHERE file_key IS NULL AND record_id LIKE '%:%'";
      break;
    case UPG_DIALECT_SQLITE:
    case UPG_DIALECT_OTHER:
    default:
      sql = "UPDATE upgrade_statement_marker SET file_key = substr(record_id, 1, instr(record_id, ':') - 1)"
            " WHERE file_key IS NULL AND record_id LIKE '%:%'";
      break;
    }
  return upg_journal_sql_exec (target, sql, NULL, 0, error);
}

/*
 * upg_journal_ensure_marker_table:
 * @target: a connection to a statement's target database
 * @error: return location for a #GError
 *
 * Creates the table `upgrade_statement_marker` in @target's database
 * unless it exists, or brings an older one up to date (step 3 of the
 * exactly-once protocol).
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_ensure_marker_table (UpgConnection  *target,
                                 GError        **error)
{
  static const char * const columns[][2] = {
    { "file_key", "@ID@" }, { "execution_id", "@ID@" }, { "statement_sha256", "@ID@" },
  };
  gboolean had_file_key = TRUE;

  g_return_val_if_fail (UPG_IS_CONNECTION (target), FALSE);
  if (!upg_journal_schema_ensure_keyed_table (target, "upgrade_statement_marker",
                                              "record_id @ID@ NOT NULL PRIMARY KEY,"
                                              " created_at @INT@ NOT NULL", error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      gboolean added = FALSE;

      if (!upg_journal_schema_ensure_column_added (target, "upgrade_statement_marker", columns[i][0],
                                                   columns[i][1], &added, error))
        return FALSE;
      if (i == 0)
        had_file_key = !added;
    }
  if (!upg_journal_schema_ensure_index (target, "upgrade_statement_marker_file", "upgrade_statement_marker",
                                        "file_key", error))
    return FALSE;
  if (!had_file_key && !fill_file_keys (target, error))
    return FALSE;
  return upg_journal_marker_table (target, error) != NULL;
}

/* The schema (PostgreSQL) or database (MySQL) the connection's unqualified
 * names resolve to now, quoted; NULL if none. */
static char *
current_namespace (UpgConnection  *target,
                   GError        **error)
{
  const char *sql;
  g_autoptr(UpgRows) rows = NULL;
  const char *name;

  switch (upg_connection_get_dialect (target))
    {
    case UPG_DIALECT_POSTGRESQL:
      sql = "SELECT quote_ident(current_schema())";
      break;
    case UPG_DIALECT_MYSQL:
      sql = "SELECT CONCAT('`', REPLACE(DATABASE(), '`', '``'), '`')";
      break;
    case UPG_DIALECT_SQLITE:
    case UPG_DIALECT_OTHER:
    default:
      return g_strdup ("");
    }
  rows = upg_journal_sql_query (target, sql, NULL, 0, error);
  if (rows == NULL)
    return NULL;
  name = upg_rows_get_n_rows (rows) > 0 ? upg_rows_get_value (rows, 0, 0) : NULL;
  return g_strdup (name != NULL ? name : "");
}

/**
 * upg_journal_marker_table: (skip)
 * @target: a connection to a statement's target database
 * @error: return location for a #GError
 *
 * The marker table's name for the statements of @target, qualified with
 * the schema (PostgreSQL) or database (MySQL) it had when it was first
 * asked — before any statement ran — so that a script changing
 * `search_path` (every pg_dump file empties it) or running `USE` does not
 * move the markers away.
 *
 * Returns: (transfer none): the name, or %NULL on error
 */
const char *
upg_journal_marker_table (UpgConnection  *target,
                          GError        **error)
{
  const char *table = g_object_get_data (G_OBJECT (target), MARKER_TABLE_KEY);
  g_autofree char *space = NULL;

  if (table != NULL)
    return table;
  space = current_namespace (target, error);
  if (space == NULL)
    return NULL;
  g_object_set_data_full (G_OBJECT (target), MARKER_TABLE_KEY,
                          g_strconcat (space, *space != '\0' ? "." : "", "upgrade_statement_marker", NULL), g_free);
  return g_object_get_data (G_OBJECT (target), MARKER_TABLE_KEY);
}

/**
 * upg_journal_note_marker: (skip)
 * @target: the statement's connection
 * @marker_id: the marker about to be written
 * @execution_id: the execution writing it
 * @sha256: (nullable): the SHA-256 of the statement's text
 *
 * Says what the row of @marker_id records beside its id when it is
 * written next on @target (by upg_journal_write_marker() or the text of
 * upg_journal_marker_insert_sql()), so that the writers keep their
 * signatures.
 */
void
upg_journal_note_marker (UpgConnection *target,
                         const char    *marker_id,
                         const char    *execution_id,
                         const char    *sha256)
{
  MarkerNote *note = g_new0 (MarkerNote, 1);

  note->marker_id = g_strdup (marker_id);
  note->execution_id = g_strdup (execution_id);
  note->sha256 = g_strdup (sha256);
  g_object_set_data_full (G_OBJECT (target), MARKER_NOTE_KEY, note, marker_note_free);
}

/* The values of a marker row beside its id and time: file key, execution,
 * text hash (each may be NULL). */
static void
marker_details (UpgConnection  *target,
                const char     *marker_id,
                char          **file_key,
                const char    **execution_id,
                const char    **sha256)
{
  MarkerNote *note = g_object_get_data (G_OBJECT (target), MARKER_NOTE_KEY);
  const char *colon = strrchr (marker_id, ':');

  *file_key = colon != NULL ? g_strndup (marker_id, colon - marker_id) : NULL;
  *execution_id = NULL;
  *sha256 = NULL;
  if (note != NULL && g_str_equal (note->marker_id, marker_id))
    {
      *execution_id = note->execution_id;
      *sha256 = note->sha256;
    }
}

/*
 * upg_journal_write_marker:
 * @target: the statement's target connection, inside the transaction that
 *   ran the statement
 * @record_id: the statement's marker id (or, in journals before markers
 *   were named after their statement, its record)
 * @error: return location for a #GError
 *
 * Writes the marker that commits together with the statement's effect, so
 * that after a crash upg_journal_has_marker() tells whether it took effect.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_write_marker (UpgConnection  *target,
                          const char     *record_id,
                          GError        **error)
{
  g_autofree char *now = upg_journal_int_text (g_get_real_time () / 1000);
  g_autofree char *file_key = NULL;
  const char *execution_id, *sha256;
  g_autofree char *sql = NULL;
  const char *table;

  g_return_val_if_fail (UPG_IS_CONNECTION (target), FALSE);
  g_return_val_if_fail (record_id != NULL, FALSE);
  table = upg_journal_marker_table (target, error);
  if (table == NULL)
    return FALSE;
  marker_details (target, record_id, &file_key, &execution_id, &sha256);
  {
    const char *values[] = { record_id, now, file_key, execution_id, sha256 };

    sql = g_strdup_printf ("INSERT INTO %s (record_id, created_at, file_key, execution_id, statement_sha256)"
                           " VALUES (?, ?, ?, ?, ?)", table);
    return upg_journal_sql_exec (target, sql, values, G_N_ELEMENTS (values), error);
  }
}

/*
 * upg_journal_has_marker:
 * @target: the statement's target connection
 * @record_id: the statement's marker id or record
 * @found: (out): whether the marker exists, i.e. the statement committed
 * @error: return location for a #GError
 *
 * Asks the target whether a statement's marker exists, i.e. whether the
 * statement committed there.
 *
 * Returns: %TRUE if the target could be asked
 */
gboolean
upg_journal_has_marker (UpgConnection  *target,
                        const char     *record_id,
                        gboolean       *found,
                        GError        **error)
{
  const char *values[] = { record_id };
  g_autoptr(UpgRows) rows = NULL;
  g_autofree char *sql = NULL;
  const char *table;

  g_return_val_if_fail (UPG_IS_CONNECTION (target), FALSE);
  g_return_val_if_fail (record_id != NULL && found != NULL, FALSE);
  table = upg_journal_marker_table (target, error);
  if (table == NULL)
    return FALSE;
  sql = g_strdup_printf ("SELECT record_id FROM %s WHERE record_id = ?", table);
  rows = upg_journal_sql_query (target, sql, values, 1, error);
  if (rows == NULL)
    return FALSE;
  *found = upg_rows_get_n_rows (rows) > 0;
  return TRUE;
}

/* A value safe to put between quotes in SQL text: letters, digits, `:._-`. */
static gboolean
plain_value (const char *value)
{
  for (const char *p = value; p != NULL && *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (":._-", *p) == NULL)
      return FALSE;
  return TRUE;
}

static char *
quoted_or_null (const char *value)
{
  return value != NULL ? g_strdup_printf ("'%s'", value) : g_strdup ("NULL");
}

/**
 * upg_journal_marker_insert_sql: (skip)
 * @target: the statement's connection
 * @marker_id: a marker id from upg_journal_marker_id()
 *
 * The INSERT upg_journal_write_marker() runs, as text with its values in
 * it, for a request that cannot bind parameters (a pipelined
 * transaction). Marker ids, execution ids and hashes hold letters,
 * digits and `:._-`; anything else is refused rather than quoted.
 *
 * Returns: (transfer full) (nullable): the statement, or %NULL if a value
 *   holds anything else (or the marker table's name is not known)
 */
char *
upg_journal_marker_insert_sql (UpgConnection *target,
                               const char    *marker_id)
{
  const char *table = upg_journal_marker_table (target, NULL);
  g_autofree char *file_key = NULL;
  const char *execution_id, *sha256;
  g_autofree char *file_key_sql = NULL, *execution_sql = NULL, *sha_sql = NULL;

  if (table == NULL)
    return NULL;
  marker_details (target, marker_id, &file_key, &execution_id, &sha256);
  if (!plain_value (marker_id) || !plain_value (file_key) || !plain_value (execution_id) || !plain_value (sha256))
    return NULL;
  file_key_sql = quoted_or_null (file_key);
  execution_sql = quoted_or_null (execution_id);
  sha_sql = quoted_or_null (sha256);
  return g_strdup_printf ("INSERT INTO %s (record_id, created_at, file_key, execution_id, statement_sha256)"
                          " VALUES ('%s', %" G_GINT64_FORMAT ", %s, %s, %s)",
                          table, marker_id, g_get_real_time () / 1000, file_key_sql, execution_sql, sha_sql);
}

/**
 * upg_journal_markers_insert_sql: (skip)
 * @target: the statements' connection
 * @marker_ids: (array length=n): marker ids from upg_journal_marker_id()
 * @sha256s: (array length=n): the SHA-256 of each statement's text
 * @n: the number of markers
 * @execution_id: the execution writing them
 *
 * One INSERT of the markers of several statements that commit in one
 * transaction (group commit): one statement for the server, and still a
 * marker per statement, so that each statement is judged by its own
 * after a crash or a lost journal, however the statements were grouped.
 * Values as for upg_journal_marker_insert_sql().
 *
 * Returns: (transfer full) (nullable): the statement, or %NULL if a value
 *   holds anything else (or the marker table's name is not known)
 */
char *
upg_journal_markers_insert_sql (UpgConnection      *target,
                                const char * const *marker_ids,
                                const char * const *sha256s,
                                guint               n,
                                const char         *execution_id)
{
  const char *table = upg_journal_marker_table (target, NULL);
  g_autoptr(GString) sql = NULL;
  g_autofree char *execution_sql = NULL;
  gint64 now = g_get_real_time () / 1000;

  if (table == NULL || !plain_value (execution_id))
    return NULL;
  execution_sql = quoted_or_null (execution_id);
  sql = g_string_new (NULL);
  g_string_printf (sql, "INSERT INTO %s (record_id, created_at, file_key, execution_id, statement_sha256) VALUES ",
                   table);
  for (guint i = 0; i < n; i++)
    {
      const char *colon = strrchr (marker_ids[i], ':');
      g_autofree char *file_key = colon != NULL ? g_strndup (marker_ids[i], colon - marker_ids[i]) : NULL;
      g_autofree char *file_key_sql = NULL, *sha_sql = NULL;

      if (!plain_value (marker_ids[i]) || !plain_value (file_key) || !plain_value (sha256s[i]))
        return NULL;
      file_key_sql = quoted_or_null (file_key);
      sha_sql = quoted_or_null (sha256s[i]);
      g_string_append_printf (sql, "%s('%s', %" G_GINT64_FORMAT ", %s, %s, %s)", i > 0 ? ", " : "",
                              marker_ids[i], now, file_key_sql, execution_sql, sha_sql);
    }
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

void
upg_journal_marker_row_free (UpgJournalMarkerRow *row)
{
  if (row == NULL)
    return;
  g_free (row->execution_id);
  g_free (row->sha256);
  g_free (row);
}

/**
 * upg_journal_list_markers: (skip)
 * @target: a statement's target connection
 * @prefixes: the marker prefixes of one script (its identity first, then
 *   those of older, execution-named markers)
 * @error: return location for a #GError
 *
 * Reads the markers of one script in one indexed lookup.
 *
 * Returns: (transfer full) (element-type utf8 UpgJournalMarkerRow): marker
 *   id → what its row says, or %NULL on error
 */
GHashTable *
upg_journal_list_markers (UpgConnection  *target,
                          GPtrArray      *prefixes,
                          GError        **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(UpgRows) rows = NULL;
  const char *table;
  GHashTable *markers;

  table = upg_journal_marker_table (target, error);
  if (table == NULL)
    return NULL;
  g_string_printf (sql, "SELECT record_id, execution_id, statement_sha256 FROM %s WHERE file_key IN (", table);
  for (guint i = 0; i < prefixes->len; i++)
    g_string_append (sql, i > 0 ? ", ?" : "?");
  g_string_append_c (sql, ')');
  rows = upg_journal_sql_query (target, sql->str, (const char **) prefixes->pdata, prefixes->len, error);
  if (rows == NULL)
    return NULL;
  markers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) upg_journal_marker_row_free);
  for (guint i = 0; i < upg_rows_get_n_rows (rows); i++)
    {
      UpgJournalMarkerRow *row = g_new0 (UpgJournalMarkerRow, 1);

      row->execution_id = g_strdup (upg_rows_get_value (rows, i, 1));
      row->sha256 = g_strdup (upg_rows_get_value (rows, i, 2));
      g_hash_table_insert (markers, g_strdup (upg_rows_get_value (rows, i, 0)), row);
    }
  return markers;
}
