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
#include "upg-mysql-connection-private.h"
#include "upg-pg-connection-private.h"

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
                                        "file_key", FALSE, error))
    return FALSE;
  if (!had_file_key && !fill_file_keys (target, error))
    return FALSE;
  {
    g_autofree char *table = upg_journal_marker_table (target, error);

    return table != NULL;
  }
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

/* The namespace of @target's statements: the native backends keep the
 * one of the first time it was asked (upg_pg_connection_get_first_namespace());
 * another connection of those dialects is asked each time. */
static char *
marker_namespace (UpgConnection  *target,
                  GError        **error)
{
  const char *space;

  if (UPG_IS_PG_CONNECTION (target))
    space = upg_pg_connection_get_first_namespace (UPG_PG_CONNECTION (target), error);
  else if (UPG_IS_MYSQL_CONNECTION (target))
    space = upg_mysql_connection_get_first_namespace (UPG_MYSQL_CONNECTION (target), error);
  else
    return current_namespace (target, error);
  return g_strdup (space);
}

/**
 * upg_journal_marker_table: (skip)
 * @target: a connection to a statement's target database
 * @error: return location for a #GError
 *
 * The marker table's name for the statements of @target, qualified with
 * the schema (PostgreSQL) or database (MySQL) the connection had when it
 * was first asked — before any statement ran — so that a script changing
 * `search_path` (every pg_dump file empties it) or running `USE` does not
 * move the markers away.
 *
 * Returns: (transfer full): the name, or %NULL on error
 */
char *
upg_journal_marker_table (UpgConnection  *target,
                          GError        **error)
{
  return upg_journal_target_table (target, "upgrade_statement_marker", error);
}

/**
 * upg_journal_target_table: (skip)
 * @target: a connection to a statement's target database
 * @name: a table of the engine's in that database
 * @error: return location for a #GError
 *
 * @name qualified as upg_journal_marker_table() qualifies the marker
 * table: the engine's tables in a target stay together.
 *
 * Returns: (transfer full): the name, or %NULL on error
 */
char *
upg_journal_target_table (UpgConnection  *target,
                          const char     *name,
                          GError        **error)
{
  g_autofree char *space = marker_namespace (target, error);

  if (space == NULL)
    return NULL;
  return g_strconcat (space, *space != '\0' ? "." : "", name, NULL);
}

/* The file key of a marker id `<prefix>:<sequence>` (NULL for ids
 * without one). */
static char *
marker_file_key (const char *marker_id)
{
  const char *colon = strrchr (marker_id, ':');

  return colon != NULL ? g_strndup (marker_id, colon - marker_id) : NULL;
}

/*
 * upg_journal_write_marker:
 * @target: the statement's target connection, inside the transaction that
 *   ran the statement
 * @record_id: the statement's marker id (or, in journals before markers
 *   were named after their statement, its record)
 * @execution_id: (nullable): the execution writing it
 * @sha256: (nullable): the SHA-256 of the statement's text
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
                          const char     *execution_id,
                          const char     *sha256,
                          GError        **error)
{
  g_autofree char *now = upg_journal_int_text (g_get_real_time () / 1000);
  g_autofree char *file_key = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *table = NULL;

  g_return_val_if_fail (UPG_IS_CONNECTION (target), FALSE);
  g_return_val_if_fail (record_id != NULL, FALSE);
  table = upg_journal_marker_table (target, error);
  if (table == NULL)
    return FALSE;
  file_key = marker_file_key (record_id);
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
  g_autofree char *table = NULL;

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
 * @execution_id: (nullable): the execution writing it
 * @sha256: (nullable): the SHA-256 of the statement's text
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
                               const char    *marker_id,
                               const char    *execution_id,
                               const char    *sha256)
{
  g_autofree char *table = upg_journal_marker_table (target, NULL);
  g_autofree char *file_key = NULL;
  g_autofree char *file_key_sql = NULL, *execution_sql = NULL, *sha_sql = NULL;

  if (table == NULL)
    return NULL;
  file_key = marker_file_key (marker_id);
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
  g_autofree char *table = upg_journal_marker_table (target, NULL);
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
  g_autofree char *table = NULL;
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
