/* upg-journal-statements.c - SQL statement records and exactly-once markers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "upg-journal-batch-private.h"
#include "upg-journal-private.h"
#include "upg-journal-schema-private.h"

/* How much of a statement a log line shows, in characters. */
#define LOG_STATEMENT_CHARS 60

static const UpgJournalColumn statement_columns[] = {
  { "id", "id", UPG_JOURNAL_COLUMN_TEXT },
  { "execution_id", "execution_id", UPG_JOURNAL_COLUMN_TEXT },
  { "step_id", "step_id", UPG_JOURNAL_COLUMN_TEXT },
  { "component", "component", UPG_JOURNAL_COLUMN_TEXT },
  { "version", "version", UPG_JOURNAL_COLUMN_TEXT },
  { "file", "file", UPG_JOURNAL_COLUMN_TEXT },
  { "line", "line", UPG_JOURNAL_COLUMN_INT },
  { "sequence", "sequence", UPG_JOURNAL_COLUMN_INT },
  { "statement", "statement", UPG_JOURNAL_COLUMN_TEXT },
  { "sha256", "sha256", UPG_JOURNAL_COLUMN_TEXT },
  { "database_name", "database", UPG_JOURNAL_COLUMN_TEXT },
  { "status", "status", UPG_JOURNAL_COLUMN_TEXT },
  { "started_at", "started_at", UPG_JOURNAL_COLUMN_TIME },
  { "finished_at", "finished_at", UPG_JOURNAL_COLUMN_TIME },
  { "duration_ms", "duration_ms", UPG_JOURNAL_COLUMN_INT },
  { "affected_rows", "affected_rows", UPG_JOURNAL_COLUMN_INT },
  { "error_code", "error_code", UPG_JOURNAL_COLUMN_TEXT },
  { "error_message", "error", UPG_JOURNAL_COLUMN_TEXT },
};

static gboolean
check_statement_key (const char  *component,
                     const char  *version,
                     const char  *step_id,
                     const char  *file,
                     GError     **error)
{
  const char *parts[] = { component, version, step_id, file };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (parts[i] == NULL || *parts[i] == '\0')
      {
        g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                             _("journal: a statement needs a component, a version, a step id and a file"));
        return FALSE;
      }
  return TRUE;
}

/* Writes the batched records (they come before whatever is written or
 * read next), then returns the site of @execution_id. Called with the
 * journal's lock held. */
static char *
flushed_site (UpgJournal  *self,
              const char  *execution_id,
              GError     **error)
{
  if (!upg_journal_flush_statements (self, error))
    return NULL;
  return upg_journal_site_of (self, execution_id, error);
}

/*
 * upg_journal_begin_statement:
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @component: the step's component
 * @version: the step's manifest version (canonical text)
 * @step_id: the step's id
 * @file: the script, relative to the bundle
 * @line: the statement's first line in @file
 * @sequence: the statement's position in @file, from 1
 * @statement: the statement's text, as sent
 * @database: (nullable): the target data source's name
 * @error: return location for a #GError
 *
 * Records that a statement is about to be sent: a RUNNING record with the
 * SHA-256 of its text. The record is durable when this returns (step 2 of
 * the exactly-once protocol).
 *
 * Returns: (transfer full): the record's id (a UUID), or %NULL
 */
char *
upg_journal_begin_statement (UpgJournal  *self,
                             const char  *execution_id,
                             const char  *component,
                             const char  *version,
                             const char  *step_id,
                             const char  *file,
                             guint        line,
                             guint        sequence,
                             const char  *statement,
                             const char  *database,
                             GError     **error)
{
  g_autofree char *id = upg_journal_new_record_id ();
  g_autofree char *site = NULL;
  g_autofree char *key = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *line_text = g_strdup_printf ("%u", line);
  g_autofree char *sequence_text = g_strdup_printf ("%u", sequence);
  g_autofree char *now = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (statement != NULL, NULL);
  if (!check_statement_key (component, version, step_id, file, error))
    return NULL;

  UPG_JOURNAL_LOCK (self);
  site = upg_journal_site_of (self, execution_id, error);
  if (site == NULL)
    return NULL;
  key = upg_journal_statement_key (site, component, version, step_id, file, sequence);
  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, statement, -1);
  now = upg_journal_int_text (upg_journal_get_now (self));
  {
    const char *values[] = { id, execution_id, site, component, version, step_id, file,
                             line_text, sequence_text, key, statement, sha, database, now };
    const UpgJournalStatement insert = {
      "INSERT INTO sql_execution_record (id, execution_id, site_id, component,"
      " version, step_id, file, line, sequence, stmt_key, statement, sha256,"
      " database_name, status, started_at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'RUNNING', ?)",
      values, G_N_ELEMENTS (values)
    };

    /* Batched records of earlier statements come first, in the same
     * durable commit. */
    if (!upg_journal_flush_statements_with (self, &insert, error))
      return NULL;
  }
  return g_steal_pointer (&id);
}

/*
 * upg_journal_finish_statement:
 * @self: a #UpgJournal
 * @record_id: the record from upg_journal_begin_statement()
 * @status: SUCCESS, FAILED, SKIPPED or IN_DOUBT
 * @affected_rows: rows the statement changed, or -1 if unknown
 * @error_code: (nullable): the server's error code or SQLSTATE
 * @error_message: (nullable): the server's message
 * @error: return location for a #GError
 *
 * Records a statement's outcome and duration. SUCCESS and SKIPPED mark the
 * statement done for its site: a second such record of the same statement
 * is refused (%UPG_ERROR_JOURNAL), which is what exactly-once means.
 *
 * Returns: %TRUE on success; %UPG_ERROR_NOT_FOUND for an unknown record
 */
gboolean
upg_journal_finish_statement (UpgJournal          *self,
                              const char          *record_id,
                              UpgStatementStatus   status,
                              gint64               affected_rows,
                              const char          *error_code,
                              const char          *error_message,
                              GError             **error)
{
  return upg_journal_finish_statement_full (self, record_id, status, affected_rows, error_code, error_message,
                                            FALSE, error);
}

/**
 * upg_journal_finish_statement_full: (skip)
 * @deferred: whether the outcome may wait in the batch (the RUNNING
 *   record is durable and the target's marker proves the outcome)
 *
 * upg_journal_finish_statement(), written at once or with the batch.
 */
gboolean
upg_journal_finish_statement_full (UpgJournal          *self,
                                   const char          *record_id,
                                   UpgStatementStatus   status,
                                   gint64               affected_rows,
                                   const char          *error_code,
                                   const char          *error_message,
                                   gboolean             deferred,
                                   GError             **error)
{
  const char *key[] = { record_id };
  g_autoptr(UpgRows) rows = NULL;
  g_autofree char *now = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *affected = NULL;
  gboolean done = status == UPG_STATEMENT_STATUS_SUCCESS || status == UPG_STATEMENT_STATUS_SKIPPED;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  if (status == UPG_STATEMENT_STATUS_PENDING || status == UPG_STATEMENT_STATUS_RUNNING
      || upg_statement_status_to_string (status) == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("journal: a statement finishes as %s, %s, %s or %s"),
                   "SUCCESS", "FAILED", "SKIPPED", "IN_DOUBT");
      return FALSE;
    }

  UPG_JOURNAL_LOCK (self);
  rows = upg_journal_sql_query (self->connection,
                                "SELECT started_at, stmt_key FROM sql_execution_record WHERE id = ?",
                                key, 1, error);
  if (rows == NULL)
    return FALSE;
  if (upg_rows_get_n_rows (rows) == 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
                   _("statement record '%s' not found in the journal"), record_id);
      return FALSE;
    }
  now = upg_journal_int_text (upg_journal_get_now (self));
  duration = upg_journal_int_text (MAX (0, upg_journal_get_now (self) - upg_rows_get_int (rows, 0, 0, 0)));
  affected = affected_rows >= 0 ? upg_journal_int_text (affected_rows) : NULL;
  {
    const char *values[] = { upg_statement_status_to_string (status), now, duration, affected,
                             error_code, error_message,
                             done ? upg_rows_get_value (rows, 0, 1) : NULL, record_id };
    const UpgJournalStatement update = {
      "UPDATE sql_execution_record SET status = ?, finished_at = ?,"
      " duration_ms = ?, affected_rows = ?, error_code = ?, error_message = ?,"
      " success_key = ? WHERE id = ?",
      values, G_N_ELEMENTS (values)
    };

    if (deferred)
      return upg_journal_queue_update (self, upg_rows_get_value (rows, 0, 1), &update, error);
    return upg_journal_sql_exec (self->connection, update.sql, update.values, update.n_values, error);
  }
}

/**
 * upg_journal_lookup_statement:
 * @self: a #UpgJournal
 * @execution_id: the execution asking (its site is used)
 * @component: the step's component
 * @version: the step's manifest version (canonical text)
 * @step_id: the step's id
 * @file: the script, relative to the bundle
 * @sequence: the statement's position in @file, from 1
 * @error: return location for a #GError
 *
 * Finds what is known of a statement at this site, across executions: its
 * SUCCESS or SKIPPED record if there is one, else its newest record.
 * Compare the record's `sha256` with the statement's text to notice a
 * script changed since.
 *
 * Returns: (transfer full) (nullable): the record (members `id`,
 *   `execution_id`, `status`, `sha256`, `file`, `line`, `sequence`, …), or
 *   %NULL (error unset) if the statement was never recorded
 */
JsonObject *
upg_journal_lookup_statement (UpgJournal  *self,
                              const char  *execution_id,
                              const char  *component,
                              const char  *version,
                              const char  *step_id,
                              const char  *file,
                              guint        sequence,
                              GError     **error)
{
  g_autofree char *columns = upg_journal_columns_list (statement_columns, G_N_ELEMENTS (statement_columns));
  g_autofree char *sql = NULL;
  g_autofree char *site = NULL;
  g_autofree char *key = NULL;
  g_autoptr(UpgRows) rows = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  if (!check_statement_key (component, version, step_id, file, error))
    return NULL;

  UPG_JOURNAL_LOCK (self);
  site = upg_journal_site_of (self, execution_id, error);
  if (site == NULL)
    return NULL;
  key = upg_journal_statement_key (site, component, version, step_id, file, sequence);
  /* Its newest record may still wait in the batch. */
  if (upg_journal_statement_pending (self, key) && !upg_journal_flush_statements (self, error))
    return NULL;
  sql = g_strdup_printf ("SELECT %s FROM sql_execution_record WHERE stmt_key = ?"
                         " ORDER BY CASE WHEN success_key IS NULL THEN 1 ELSE 0 END,"
                         " started_at DESC, finished_at DESC LIMIT 1", columns);
  {
    const char *values[] = { key };

    rows = upg_journal_sql_query (self->connection, sql, values, 1, error);
  }
  if (rows == NULL || upg_rows_get_n_rows (rows) == 0)
    return NULL;
  return upg_journal_row_to_object (rows, 0, statement_columns, G_N_ELEMENTS (statement_columns));
}

/**
 * upg_journal_lookup_file_statements: (skip)
 * @self: a #UpgJournal
 * @execution_id: the execution asking (its site is used)
 * @component: the step's component
 * @version: the step's manifest version (canonical text)
 * @step_id: the step's id
 * @file: the script, relative to the bundle
 * @error: return location for a #GError
 *
 * upg_journal_lookup_statement() for every statement of @file at once:
 * one query instead of two per statement. Pending batched records are
 * written first, so the answer is complete.
 *
 * Returns: (transfer full) (element-type guint JsonObject): sequence →
 *   the record upg_journal_lookup_statement() returns, for the statements
 *   ever recorded; %NULL on error
 */
GHashTable *
upg_journal_lookup_file_statements (UpgJournal  *self,
                                    const char  *execution_id,
                                    const char  *component,
                                    const char  *version,
                                    const char  *step_id,
                                    const char  *file,
                                    GError     **error)
{
  g_autofree char *columns = upg_journal_columns_list (statement_columns, G_N_ELEMENTS (statement_columns));
  g_autofree char *sql = NULL;
  g_autofree char *site = NULL;
  g_autoptr(UpgRows) rows = NULL;
  GHashTable *records;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  if (!check_statement_key (component, version, step_id, file, error))
    return NULL;

  UPG_JOURNAL_LOCK (self);
  site = flushed_site (self, execution_id, error);
  if (site == NULL)
    return NULL;
  /* Through the site's executions: execution_id is indexed. Same order
   * as upg_journal_lookup_statement(): the first row of a sequence wins. */
  sql = g_strdup_printf ("SELECT %s FROM sql_execution_record WHERE execution_id IN"
                         " (SELECT id FROM upgrade_execution WHERE site_id = ?) AND site_id = ?"
                         " AND component = ? AND version = ? AND step_id = ? AND file = ?"
                         " ORDER BY sequence, CASE WHEN success_key IS NULL THEN 1 ELSE 0 END,"
                         " started_at DESC, finished_at DESC", columns);
  {
    const char *values[] = { site, site, component, version, step_id, file };

    rows = upg_journal_sql_query (self->connection, sql, values, G_N_ELEMENTS (values), error);
  }
  if (rows == NULL)
    return NULL;
  records = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) json_object_unref);
  for (guint i = 0; i < upg_rows_get_n_rows (rows); i++)
    {
      gint64 sequence = upg_rows_get_int (rows, i, 7, -1);

      if (sequence > 0 && sequence <= G_MAXUINT &&
          !g_hash_table_contains (records, GUINT_TO_POINTER ((guint) sequence)))
        g_hash_table_insert (records, GUINT_TO_POINTER ((guint) sequence),
                             upg_journal_row_to_object (rows, i, statement_columns,
                                                        G_N_ELEMENTS (statement_columns)));
    }
  return records;
}

/**
 * upg_journal_list_statements:
 * @self: a #UpgJournal
 * @execution_id: the execution
 * @error: return location for a #GError
 *
 * Lists the statements one execution sent.
 *
 * Returns: (transfer full): the execution's statement records in the order
 *   they ran, or %NULL on error
 */
JsonArray *
upg_journal_list_statements (UpgJournal  *self,
                             const char  *execution_id,
                             GError     **error)
{
  g_autofree char *columns = upg_journal_columns_list (statement_columns, G_N_ELEMENTS (statement_columns));
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM sql_execution_record WHERE execution_id = ?"
                                          " ORDER BY started_at, file, sequence", columns);
  const char *values[] = { execution_id };
  g_autoptr(UpgRows) rows = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (execution_id != NULL, NULL);

  UPG_JOURNAL_LOCK (self);
  if (!upg_journal_flush_statements (self, error))
    return NULL;
  rows = upg_journal_sql_query (self->connection, sql, values, 1, error);
  if (rows == NULL)
    return NULL;
  return upg_journal_rows_to_array (rows, statement_columns, G_N_ELEMENTS (statement_columns));
}

/*
 * upg_journal_recover_statement:
 * @self: a #UpgJournal
 * @record_id: a RUNNING record left by a crash (from
 *   upg_journal_lookup_statement())
 * @target: (nullable): the statement's target connection if the statement
 *   ran with a marker (transactional target), %NULL if it did not
 *   (implicit-commit DDL)
 * @error: return location for a #GError
 *
 * Settles a statement whose process died while it ran (step 5 of the
 * exactly-once protocol) and records the outcome:
 * SUCCESS if its marker committed in @target; FAILED ("interrupted before
 * it committed": run it again) if @target has no marker; IN_DOUBT when
 * there was no marker to ask (the operator chooses retry or skip).
 *
 * Returns: the status now recorded, or %UPG_STATEMENT_STATUS_PENDING with
 *   @error set (the record or the target could not be read or written)
 */
UpgStatementStatus
upg_journal_recover_statement (UpgJournal     *self,
                               const char     *record_id,
                               UpgConnection  *target,
                               GError        **error)
{
  UpgStatementStatus status = UPG_STATEMENT_STATUS_IN_DOUBT;
  const char *message = "interrupted while it ran on a database that commits it implicitly;"
                        " whether it took effect is unknown";
  gboolean found = FALSE;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), UPG_STATEMENT_STATUS_PENDING);
  g_return_val_if_fail (record_id != NULL, UPG_STATEMENT_STATUS_PENDING);
  g_return_val_if_fail (target == NULL || UPG_IS_CONNECTION (target), UPG_STATEMENT_STATUS_PENDING);

  if (target != NULL)
    {
      if (!upg_journal_has_marker (target, record_id, &found, error))
        return UPG_STATEMENT_STATUS_PENDING;
      status = found ? UPG_STATEMENT_STATUS_SUCCESS : UPG_STATEMENT_STATUS_FAILED;
      message = found ? NULL : "interrupted before it committed; nothing took effect";
    }
  /* The affected rows of a statement that committed without us are unknown. */
  if (!upg_journal_finish_statement (self, record_id, status, -1, NULL, message, error))
    return UPG_STATEMENT_STATUS_PENDING;
  return status;
}

/* Collapses whitespace runs and cuts the text to @max characters. */
static char *
one_line (const char *text,
          guint       max)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean space = FALSE;
  guint n_chars = 0;
  const char *p;

  for (p = text; *p != '\0' && n_chars < max; p = g_utf8_next_char (p))
    {
      if (g_ascii_isspace (*p))
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        {
          /* No room for the space and a character after it. */
          if (n_chars + 2 > max)
            break;
          g_string_append_c (out, ' ');
          n_chars++;
          space = FALSE;
        }
      g_string_append_len (out, p, g_utf8_next_char (p) - p);
      n_chars++;
    }
  while (*p != '\0' && g_ascii_isspace (*p))
    p++;
  if (*p != '\0')
    g_string_append (out, " …");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/*
 * upg_journal_format_statement_line:
 * @started_at_ms: when the statement started, ms since the epoch; or -1
 *   for a line without the time stamp (a log that stamps lines itself)
 * @file: the script (only its base name is shown)
 * @line: the statement's first line
 * @database: (nullable): the target data source
 * @status: the statement's status
 * @duration_ms: how long it ran
 * @affected_rows: rows changed, or -1 if unknown (then not shown)
 * @statement: the statement (shown on one line, cut to 60 characters)
 *
 * Formats a statement's log line (SPEC §5), time in UTC:
 * `[2024-01-01 10:00:01] upgrade_v3.17.5.sql:15 ft_db SUCCESS 1.2s rows=0 ALTER TABLE orders …`
 *
 * Returns: (transfer full): the line, without a newline
 */
char *
upg_journal_format_statement_line (gint64               started_at_ms,
                                   const char          *file,
                                   guint                line,
                                   const char          *database,
                                   UpgStatementStatus   status,
                                   gint64               duration_ms,
                                   gint64               affected_rows,
                                   const char          *statement)
{
  g_autofree char *stamp = NULL;
  g_autofree char *base = g_path_get_basename (file != NULL ? file : "-");
  g_autofree char *text = one_line (statement != NULL ? statement : "", LOG_STATEMENT_CHARS);
  g_autofree char *rows = affected_rows >= 0
                          ? g_strdup_printf (" rows=%" G_GINT64_FORMAT, affected_rows) : g_strdup ("");
  char seconds[G_ASCII_DTOSTR_BUF_SIZE];

  if (started_at_ms >= 0)
    {
      g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (started_at_ms / 1000);
      g_autofree char *text_stamp = time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");

      stamp = g_strdup_printf ("[%s] ", text_stamp);
    }
  g_ascii_formatd (seconds, sizeof seconds, "%.1f", MAX (0, duration_ms) / 1000.0);
  return g_strdup_printf ("%s%s:%u %s %s %ss%s %s", stamp != NULL ? stamp : "", base, line,
                          database != NULL && *database != '\0' ? database : "-",
                          upg_statement_status_to_string (status) != NULL
                          ? upg_statement_status_to_string (status) : "?",
                          seconds, rows, text);
}
