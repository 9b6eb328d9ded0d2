/* upg-journal-intents.c - what a target knows of a statement that commits
 * on its own before it is sent
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A statement that commits on its own (MariaDB DDL, SQLite VACUUM,
 * PostgreSQL CREATE INDEX CONCURRENTLY) cannot commit with its marker: the
 * marker follows it. A crash between the two leaves the statement's effect
 * without its proof. The journal's RUNNING record says "in doubt" then —
 * but a run whose journal does not know the statement (journal lost,
 * another state directory) found neither record nor marker and sent the
 * statement again.
 *
 * So the target keeps the intent too (SPEC §5, the target is the truth):
 * `upgrade_statement_intent` has a row, named like the statement's marker,
 * committed before the statement is sent and deleted once its marker is
 * written or the server refused it. An intent without a marker is a
 * statement in doubt, whichever journal asks.
 */
#include "config.h"

#include "upg-journal-batch-private.h"
#include "upg-journal-private.h"
#include "upg-journal-schema-private.h"
#include "upg-journal-write-private.h"

#define INTENT_TABLE "upgrade_statement_intent"

/* @head, the intent table's qualified name, then @tail. */
static char *
intent_sql (UpgConnection  *target,
            const char     *head,
            const char     *tail,
            GError        **error)
{
  g_autofree char *table = upg_journal_target_table (target, INTENT_TABLE, error);

  return table != NULL ? g_strconcat (head, table, tail, NULL) : NULL;
}

/*
 * upg_journal_ensure_intent_table:
 * @target: a connection to a statement's target database, before any
 *   statement ran on it (see upg_journal_marker_table())
 *
 * Creates the intent table beside the marker table unless it exists.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_ensure_intent_table (UpgConnection  *target,
                                 GError        **error)
{
  g_autofree char *table = NULL;

  g_return_val_if_fail (UPG_IS_CONNECTION (target), FALSE);
  if (!upg_journal_schema_ensure_keyed_table (target, INTENT_TABLE,
                                              "record_id @ID@ NOT NULL PRIMARY KEY, execution_id @ID@,"
                                              " created_at @INT@ NOT NULL", error))
    return FALSE;
  table = upg_journal_target_table (target, INTENT_TABLE, error);
  return table != NULL;
}

/*
 * upg_journal_clear_intent:
 * @target: the statement's target connection, outside a transaction
 * @marker_id: the statement's marker id
 *
 * Deletes the intent of the statement of @marker_id (none is fine).
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_clear_intent (UpgConnection  *target,
                          const char     *marker_id,
                          GError        **error)
{
  const char *values[] = { marker_id };
  g_autofree char *sql = intent_sql (target, "DELETE FROM ", " WHERE record_id = ?", error);

  return sql != NULL && upg_journal_sql_exec (target, sql, values, G_N_ELEMENTS (values), error);
}

/*
 * upg_journal_write_intent:
 * @target: the statement's target connection, outside a transaction (each
 *   statement here commits on its own)
 * @marker_id: the statement's marker id
 * @execution_id: the execution about to send it
 *
 * Says in the target that the statement of @marker_id is about to be
 * sent, replacing an earlier intent of it (an operator's `resume --retry`).
 *
 * Returns: %TRUE once the intent is committed
 */
gboolean
upg_journal_write_intent (UpgConnection  *target,
                          const char     *marker_id,
                          const char     *execution_id,
                          GError        **error)
{
  g_autofree char *now = upg_journal_int_text (g_get_real_time () / 1000);
  g_autofree char *sql = NULL;
  const char *values[] = { marker_id, execution_id, now };

  g_return_val_if_fail (UPG_IS_CONNECTION (target), FALSE);
  g_return_val_if_fail (marker_id != NULL, FALSE);
  if (!upg_journal_clear_intent (target, marker_id, error))
    return FALSE;
  sql = intent_sql (target, "INSERT INTO ", " (record_id, execution_id, created_at) VALUES (?, ?, ?)", error);
  return sql != NULL && upg_journal_sql_exec (target, sql, values, G_N_ELEMENTS (values), error);
}

/*
 * upg_journal_find_intent:
 * @target: the statement's target connection
 * @marker_id: the statement's marker id
 * @execution_id: (out) (transfer full) (nullable): the execution that
 *   meant to send it, %NULL if there is no intent
 *
 * Returns: %TRUE if the target could be asked
 */
gboolean
upg_journal_find_intent (UpgConnection  *target,
                         const char     *marker_id,
                         char          **execution_id,
                         GError        **error)
{
  const char *values[] = { marker_id };
  g_autofree char *sql = intent_sql (target, "SELECT execution_id FROM ", " WHERE record_id = ?", error);
  g_autoptr(UpgRows) rows = NULL;

  *execution_id = NULL;
  if (sql == NULL)
    return FALSE;
  rows = upg_journal_sql_query (target, sql, values, G_N_ELEMENTS (values), error);
  if (rows == NULL)
    return FALSE;
  if (upg_rows_get_n_rows (rows) > 0)
    *execution_id = g_strdup (upg_rows_get_value (rows, 0, 0) != NULL ? upg_rows_get_value (rows, 0, 0) : "");
  return TRUE;
}
