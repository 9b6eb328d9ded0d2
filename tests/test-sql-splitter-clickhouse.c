/* test-sql-splitter-clickhouse.c - splitting scripts like clickhouse-client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <upgrade.h>

#include "upg-sql-splitter-private.h"

#define CH UPG_DIALECT_CLICKHOUSE

static GPtrArray *
split_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *statements = upg_sql_split (text, -1, "t.sql", CH, &error);

  g_assert_no_error (error);
  g_assert_nonnull (statements);
  return statements;
}

static void
assert_statement (GPtrArray  *statements,
                  guint       index,
                  guint       line,
                  const char *text)
{
  UpgSqlStatement *st;

  g_assert_cmpuint (index, <, statements->len);
  st = g_ptr_array_index (statements, index);
  g_assert_cmpstr (upg_sql_statement_get_text (st), ==, text);
  g_assert_cmpuint (upg_sql_statement_get_line (st), ==, line);
  g_assert_cmpuint (upg_sql_statement_get_sequence (st), ==, index + 1);
}

static void
test_comments (void)
{
  g_autoptr(GPtrArray) s = split_ok ("-- a; comment\n"
                                     "SELECT 1; # not a comment in 18.16, one since 20.x; hides this\n"
                                     "#! shebang-style; too\n"
                                     "SELECT /* ; */ 2 -- ;\n;\n"
                                     "SELECT 3#4;\n");

  g_assert_cmpuint (s->len, ==, 3);
  assert_statement (s, 0, 2, "SELECT 1");
  assert_statement (s, 1, 4, "SELECT /* ; */ 2 -- ;");
  /* `#` without a space or `!` after it is no comment. */
  assert_statement (s, 2, 6, "SELECT 3#4");
}

static void
test_quotes (void)
{
  g_autoptr(GPtrArray) s = split_ok ("SELECT 'a;\\'b', 'it''s;' ;\n"
                                     "SELECT `we;ird\\`name`, \"x;\\\"y\" FROM t;\n"
                                     "SELECT '-- not a comment; ' AS c");

  g_assert_cmpuint (s->len, ==, 3);
  assert_statement (s, 0, 1, "SELECT 'a;\\'b', 'it''s;'");
  assert_statement (s, 1, 2, "SELECT `we;ird\\`name`, \"x;\\\"y\" FROM t");
  assert_statement (s, 2, 3, "SELECT '-- not a comment; ' AS c");
}

/* INSERT … FORMAT <not Values>: the data runs to the first empty line,
 * `;` included (clickhouse-client's rule). */
static void
test_insert_format (void)
{
  g_autoptr(GPtrArray) s = split_ok ("INSERT INTO logs FORMAT CSV\n"
                                     "1,\"a;b\"\n"
                                     "2,'it''s'\n"
                                     "\n"
                                     "INSERT INTO logs FORMAT TabSeparated\n"
                                     "3\tc;\n"
                                     "\n"
                                     "INSERT INTO logs FORMAT Values (4, 'd;'), (5, 'e');\n"
                                     "INSERT INTO logs VALUES (6, 'f');\n"
                                     "SELECT count() FROM logs FORMAT TabSeparated;\n"
                                     "INSERT INTO logs FORMAT JSONEachRow {\"id\": 7}");

  g_assert_cmpuint (s->len, ==, 6);
  assert_statement (s, 0, 1, "INSERT INTO logs FORMAT CSV\n1,\"a;b\"\n2,'it''s'");
  assert_statement (s, 1, 5, "INSERT INTO logs FORMAT TabSeparated\n3\tc;");
  assert_statement (s, 2, 8, "INSERT INTO logs FORMAT Values (4, 'd;'), (5, 'e')");
  assert_statement (s, 3, 9, "INSERT INTO logs VALUES (6, 'f')");
  /* FORMAT in a SELECT is the output's: no data follows. */
  assert_statement (s, 4, 10, "SELECT count() FROM logs FORMAT TabSeparated");
  assert_statement (s, 5, 11, "INSERT INTO logs FORMAT JSONEachRow {\"id\": 7}");
}

static void
test_unterminated (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) s = upg_sql_split ("SELECT 1;\nSELECT 'open;\n", -1, "t.sql", CH, &error);

  g_assert_null (s);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
  g_assert_true (g_str_has_prefix (error->message, "t.sql:2: "));
}

static gboolean
lookup (const char *database,
        UpgDialect *dialect,
        gpointer    data)
{
  if (g_str_equal (database, "logs_ck"))
    *dialect = CH;
  else if (g_str_equal (database, "ft_db"))
    *dialect = UPG_DIALECT_MYSQL;
  else
    return FALSE;
  return TRUE;
}

/* `-- @database:` to a ClickHouse source switches to its rules, and back. */
static void
test_routing (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("upg-ch-split-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "mixed.sql", NULL);
  g_autoptr(GPtrArray) s = NULL;
  const char *text = "UPDATE t SET a = 1 # MySQL comment; hidden\n;\n"
                     "-- @database: logs_ck\n"
                     "INSERT INTO logs FORMAT CSV\n1,x;y\n\n"
                     "ALTER TABLE logs ADD COLUMN c String;\n"
                     "-- @database: ft_db\n"
                     "SELECT 1 # again; hidden\n;\n";

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  s = upg_sql_split_script (dir, path, "mixed.sql", UPG_DIALECT_MYSQL, lookup, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s->len, ==, 4);
  assert_statement (s, 0, 1, "UPDATE t SET a = 1 # MySQL comment; hidden");
  g_assert_null (upg_sql_statement_get_database (g_ptr_array_index (s, 0)));
  assert_statement (s, 1, 4, "INSERT INTO logs FORMAT CSV\n1,x;y");
  g_assert_cmpstr (upg_sql_statement_get_database (g_ptr_array_index (s, 1)), ==, "logs_ck");
  assert_statement (s, 2, 7, "ALTER TABLE logs ADD COLUMN c String");
  assert_statement (s, 3, 9, "SELECT 1 # again; hidden");
  g_assert_cmpstr (upg_sql_statement_get_database (g_ptr_array_index (s, 3)), ==, "ft_db");
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sql-splitter/clickhouse/comments", test_comments);
  g_test_add_func ("/sql-splitter/clickhouse/quotes", test_quotes);
  g_test_add_func ("/sql-splitter/clickhouse/insert-format", test_insert_format);
  g_test_add_func ("/sql-splitter/clickhouse/unterminated", test_unterminated);
  g_test_add_func ("/sql-splitter/clickhouse/routing", test_routing);

  return g_test_run ();
}
