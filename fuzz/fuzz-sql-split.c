/* fuzz-sql-split.c - libFuzzer target for the SQL splitter
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Splits the input as each dialect's client would and checks what every
 * caller relies on: a result or an UPG_ERROR_INVALID_BUNDLE error naming
 * the file, never both; statements numbered 1…n in order, each non-empty,
 * valid UTF-8, starting on a line of the input at or after the previous
 * one's, and routed to a data source only by a non-empty name.
 */
#include <string.h>

#include <upgrade.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
check_split (const char *text,
             gsize       size,
             guint       n_lines,
             UpgDialect  dialect)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) statements = upg_sql_split (text, size, "fuzz.sql", dialect, &error);
  guint last_line = 1;

  if (statements == NULL)
    {
      g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
      g_assert_true (g_str_has_prefix (error->message, "fuzz.sql:"));
      return;
    }
  g_assert_no_error (error);
  for (guint i = 0; i < statements->len; i++)
    {
      const UpgSqlStatement *st = statements->pdata[i];
      const char *statement = upg_sql_statement_get_text (st);
      const char *database = upg_sql_statement_get_database (st);

      g_assert_cmpuint (upg_sql_statement_get_sequence (st), ==, i + 1);
      g_assert_nonnull (statement);
      g_assert_cmpuint (strlen (statement), >, 0);
      g_assert_true (g_utf8_validate (statement, -1, NULL));
      g_assert_cmpstr (upg_sql_statement_get_file (st), ==, "fuzz.sql");
      g_assert_cmpuint (upg_sql_statement_get_line (st), >=, last_line);
      g_assert_cmpuint (upg_sql_statement_get_line (st), <=, n_lines);
      g_assert_true (database == NULL || database[0] != '\0');
      last_line = upg_sql_statement_get_line (st);
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const UpgDialect dialects[] = { UPG_DIALECT_SQLITE, UPG_DIALECT_MYSQL, UPG_DIALECT_POSTGRESQL };
  /* A copy without a terminating NUL after it: the splitter must keep to
   * the length it was given. */
  g_autofree char *text = g_memdup2 (data, size);
  guint n_lines = 1;

  for (gsize i = 0; i < size; i++)
    n_lines += data[i] == '\n';
  for (guint i = 0; i < G_N_ELEMENTS (dialects); i++)
    check_split (text, size, n_lines, dialects[i]);
  return 0;
}
