/* upg-journal-sql.c - small helpers the journal's queries share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>

#include "upg-journal-private.h"
#include "upg-json-private.h"

/* UpgConnection binds text values only and its parameter array is
 * zero-terminated, so a NULL value cannot be bound: the matching `?` is
 * replaced by the literal NULL instead (the journal's own SQL has no `?`
 * inside quotes). */
static char *
substitute_nulls (const char          *sql,
                  const char * const  *values,
                  guint                n_values,
                  GPtrArray           *bound)
{
  g_autoptr(GString) out = g_string_sized_new (strlen (sql) + 16);
  guint index = 0;

  for (const char *p = sql; *p != '\0'; p++)
    {
      if (*p != '?')
        {
          g_string_append_c (out, *p);
          continue;
        }
      g_assert (index < n_values);
      if (values[index] == NULL)
        g_string_append (out, "NULL");
      else
        {
          g_string_append_c (out, '?');
          g_ptr_array_add (bound, (gpointer) values[index]);
        }
      index++;
    }
  g_assert (index == n_values);
  g_ptr_array_add (bound, NULL);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
journal_error (UpgConnection  *connection,
               GError         *cause,
               GError        **error)
{
  g_set_error (error, UPG_ERROR, UPG_ERROR_JOURNAL, _("journal '%s': %s"),
               upg_connection_get_name (connection), cause->message);
  g_error_free (cause);
}

/**
 * upg_journal_sql_query: (skip)
 *
 * Runs @sql with @n_values text values (entries may be %NULL for SQL NULL);
 * failures are reported as %UPG_ERROR_JOURNAL.
 */
UpgRows *
upg_journal_sql_query (UpgConnection       *connection,
                       const char          *sql,
                       const char * const  *values,
                       guint                n_values,
                       GError             **error)
{
  g_autoptr(GPtrArray) bound = g_ptr_array_new ();
  g_autofree char *text = substitute_nulls (sql, values, n_values, bound);
  GError *local_error = NULL;
  UpgRows *rows;

  rows = upg_connection_query (connection, text, (const char **) bound->pdata, NULL, &local_error);
  if (rows == NULL)
    journal_error (connection, local_error, error);
  return rows;
}

/**
 * upg_journal_sql_exec: (skip)
 *
 * Like upg_journal_sql_query() for statements whose rows do not matter.
 */
gboolean
upg_journal_sql_exec (UpgConnection       *connection,
                      const char          *sql,
                      const char * const  *values,
                      guint                n_values,
                      GError             **error)
{
  g_autoptr(UpgRows) rows = upg_journal_sql_query (connection, sql, values, n_values, error);

  return rows != NULL;
}

/**
 * upg_journal_sql_begin: (skip)
 *
 * Starts a write transaction (the SQLite backend takes the write lock at
 * once, BEGIN IMMEDIATE, so two processes never deadlock upgrading a read).
 */
gboolean
upg_journal_sql_begin (UpgConnection  *connection,
                       GError        **error)
{
  GError *local_error = NULL;

  if (upg_connection_begin (connection, &local_error))
    return TRUE;
  journal_error (connection, local_error, error);
  return FALSE;
}

/**
 * upg_journal_sql_commit: (skip)
 */
gboolean
upg_journal_sql_commit (UpgConnection  *connection,
                        GError        **error)
{
  GError *local_error = NULL;

  if (upg_connection_commit (connection, &local_error))
    return TRUE;
  journal_error (connection, local_error, error);
  upg_journal_sql_rollback (connection);
  return FALSE;
}

/**
 * upg_journal_sql_rollback: (skip)
 *
 * Rolls back after an earlier failure, which is what gets reported.
 */
void
upg_journal_sql_rollback (UpgConnection *connection)
{
  g_autoptr(GError) ignored = NULL;

  upg_connection_rollback (connection, &ignored);
}

/**
 * upg_journal_sql_exec_all: (skip)
 *
 * Runs @statements in one transaction: all take effect or none.
 */
gboolean
upg_journal_sql_exec_all (UpgConnection              *connection,
                          const UpgJournalStatement  *statements,
                          guint                       n_statements,
                          GError                    **error)
{
  if (!upg_journal_sql_begin (connection, error))
    return FALSE;
  for (guint i = 0; i < n_statements; i++)
    if (!upg_journal_sql_exec (connection, statements[i].sql, statements[i].values,
                               statements[i].n_values, error))
      {
        upg_journal_sql_rollback (connection);
        return FALSE;
      }
  return upg_journal_sql_commit (connection, error);
}

/**
 * upg_journal_columns_list: (skip)
 *
 * Returns: the column names of @columns as a SELECT list
 */
char *
upg_journal_columns_list (const UpgJournalColumn *columns,
                          guint                   n_columns)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < n_columns; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", columns[i].column);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
set_number_member (JsonObject              *object,
                   const UpgJournalColumn  *column,
                   gint64                   number)
{
  g_autofree char *iso = NULL;

  switch (column->type)
    {
    case UPG_JOURNAL_COLUMN_BOOL:
      json_object_set_boolean_member (object, column->member, number != 0);
      break;
    case UPG_JOURNAL_COLUMN_TIME:
      iso = upg_journal_format_timestamp (number);
      json_object_set_string_member (object, column->member, iso);
      break;
    default:
      json_object_set_int_member (object, column->member, number);
    }
}

static void
set_member (JsonObject              *object,
            const UpgJournalColumn  *column,
            const char              *value)
{
  gint64 number = 0;
  JsonNode *node = NULL;

  if (value == NULL)
    json_object_set_null_member (object, column->member);
  else if (column->type == UPG_JOURNAL_COLUMN_TEXT)
    json_object_set_string_member (object, column->member, value);
  else if (column->type == UPG_JOURNAL_COLUMN_JSON)
    {
      /* Stored by us, so it parses; a hand-edited value (also one nested
       * too deep to parse safely) stays visible as text. */
      node = upg_json_load (value, -1, column->member, UPG_ERROR_JOURNAL, NULL);
      if (node != NULL)
        json_object_set_member (object, column->member, node);
      else
        json_object_set_string_member (object, column->member, value);
    }
  else if (g_ascii_string_to_signed (value, 10, G_MININT64, G_MAXINT64, &number, NULL))
    set_number_member (object, column, number);
  else
    json_object_set_null_member (object, column->member);
}

/**
 * upg_journal_row_to_object: (skip)
 *
 * Returns: (transfer full): row @row of @rows (selected with
 *   upg_journal_columns_list()) as a JSON object
 */
JsonObject *
upg_journal_row_to_object (UpgRows                 *rows,
                           guint                    row,
                           const UpgJournalColumn  *columns,
                           guint                    n_columns)
{
  JsonObject *object = json_object_new ();

  g_assert (upg_rows_get_n_columns (rows) >= n_columns);
  for (guint i = 0; i < n_columns; i++)
    set_member (object, &columns[i], upg_rows_get_value (rows, row, i));
  return object;
}

/**
 * upg_journal_rows_to_array: (skip)
 *
 * Returns: (transfer full): every row of @rows as a JSON object
 */
JsonArray *
upg_journal_rows_to_array (UpgRows                 *rows,
                           const UpgJournalColumn  *columns,
                           guint                    n_columns)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < upg_rows_get_n_rows (rows); i++)
    json_array_add_object_element (array, upg_journal_row_to_object (rows, i, columns, n_columns));
  return array;
}

/**
 * upg_journal_format_int: (skip)
 * @buffer: where the text goes
 *
 * The decimal text of @value, as "%" G_GINT64_FORMAT prints it, at the
 * end of @buffer. Written out by hand: a statement's record has five of
 * them, and printf's machinery was a twentieth of the execution thread's
 * time.
 *
 * Returns: (transfer none): the text, inside @buffer
 */
const char *
upg_journal_format_int (char   buffer[UPG_JOURNAL_INT_TEXT_SIZE],
                        gint64 value)
{
  char *p = buffer + UPG_JOURNAL_INT_TEXT_SIZE;
  /* Negated as unsigned: G_MININT64 has no positive counterpart. */
  guint64 magnitude = value < 0 ? - (guint64) value : (guint64) value;

  *--p = '\0';
  do
    *--p = (char) ('0' + magnitude % 10);
  while ((magnitude /= 10) != 0);
  if (value < 0)
    *--p = '-';
  return p;
}

/**
 * upg_journal_int_text: (skip)
 *
 * Returns: (transfer full): the decimal text of @value
 */
char *
upg_journal_int_text (gint64 value)
{
  char buffer[UPG_JOURNAL_INT_TEXT_SIZE];

  return g_strdup (upg_journal_format_int (buffer, value));
}

/**
 * upg_journal_pid_is_alive: (skip)
 *
 * Returns: whether process @pid exists on this host (EPERM means it
 *   exists but belongs to someone else)
 */
gboolean
upg_journal_pid_is_alive (guint pid)
{
  if (pid == 0 || pid > G_MAXINT)
    return FALSE;
  return kill ((pid_t) pid, 0) == 0 || errno == EPERM;
}

/**
 * upg_journal_owner_is_dead: (skip)
 *
 * Returns: whether an owner recorded as (@host, @pid) is known to be gone:
 *   only decidable on this same host
 */
gboolean
upg_journal_owner_is_dead (UpgJournal *self,
                           const char *host,
                           gint64      pid)
{
  if (g_strcmp0 (host, self->host) != 0)
    return FALSE;
  if (pid <= 0 || pid > G_MAXINT)
    return TRUE;
  return !upg_journal_pid_is_alive ((guint) pid);
}

/* The first column of @rows, as a list of strings (ids). */
GPtrArray *
upg_journal_rows_first_column (UpgRows *rows)
{
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < upg_rows_get_n_rows (rows); i++)
    g_ptr_array_add (values, g_strdup (upg_rows_get_value (rows, i, 0)));
  return values;
}

/*
 * upg_journal_format_timestamp:
 * @ms: milliseconds since the Unix epoch
 *
 * Formats a journal timestamp the way reports and JSON output show it.
 *
 * Returns: (transfer full): @ms as ISO 8601 UTC text, `2024-01-01T10:00:01.250Z`
 */
char *
upg_journal_format_timestamp (gint64 ms)
{
  g_autoptr(GDateTime) seconds = NULL;
  g_autofree char *text = NULL;

  if (ms < 0)
    return g_strdup ("");
  seconds = g_date_time_new_from_unix_utc (ms / 1000);
  if (seconds == NULL)
    return g_strdup ("");
  text = g_date_time_format (seconds, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%03dZ", text, (int) (ms % 1000));
}

/*
 * upg_journal_date_time_from_ms:
 * @ms: a journal timestamp, milliseconds since the epoch
 *
 * Returns: (transfer full) (nullable): @ms in UTC, to the millisecond;
 *   %NULL when out of GDateTime's range
 */
GDateTime *
upg_journal_date_time_from_ms (gint64 ms)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (ms / 1000);

  return seconds != NULL ? g_date_time_add (seconds, (ms % 1000) * 1000) : NULL;
}
