/* test-sql-includes.c - a bundle's scripts: dialect switches, included
 * files and the client commands that are refused
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include <upgrade.h>
#include "upg-sql-splitter-private.h"
#include "upg-exit-code.h"

typedef struct {
  char *root;
} Bundle;

static void
bundle_init (Bundle *b)
{
  g_autoptr(GError) error = NULL;

  b->root = g_dir_make_tmp ("upg-includes-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
bundle_clear (Bundle *b)
{
  remove_tree (b->root);
  g_free (b->root);
}

static void
bundle_write (Bundle     *b,
              const char *relative,
              const char *text)
{
  g_autofree char *path = g_build_filename (b->root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* The configuration of the tests: "my" MariaDB, "pg" PostgreSQL, "lite"
 * SQLite. */
static gboolean
lookup (const char *database,
        UpgDialect *dialect,
        gpointer    user_data)
{
  g_assert_true (user_data == (gpointer) lookup);
  if (g_str_equal (database, "my"))
    *dialect = UPG_DIALECT_MYSQL;
  else if (g_str_equal (database, "pg"))
    *dialect = UPG_DIALECT_POSTGRESQL;
  else if (g_str_equal (database, "lite"))
    *dialect = UPG_DIALECT_SQLITE;
  else
    return FALSE;
  return TRUE;
}

static GPtrArray *
split (Bundle      *b,
       const char  *file,
       UpgDialect   dialect,
       GError     **error)
{
  g_autofree char *path = g_build_filename (b->root, file, NULL);

  return upg_sql_split_script (b->root, path, file, dialect, lookup, (gpointer) lookup, error);
}

static GPtrArray *
split_ok (Bundle     *b,
          const char *file,
          UpgDialect  dialect)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *statements = split (b, file, dialect, &error);

  g_assert_no_error (error);
  g_assert_nonnull (statements);
  return statements;
}

/* @file starts with "t.sql:LINE:" or the like and mentions @part. */
static void
assert_refused (Bundle     *b,
                const char *file,
                UpgDialect  dialect,
                const char *prefix,
                const char *part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) statements = split (b, file, dialect, &error);

  g_assert_null (statements);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
  g_assert_cmpint (upg_exit_code_for_error (error), ==, 2);
  if (!g_str_has_prefix (error->message, prefix) || strstr (error->message, part) == NULL)
    g_error ("error '%s' does not start with '%s' and mention '%s'", error->message, prefix, part);
}

static void
assert_statement (GPtrArray  *statements,
                  guint       index,
                  const char *file,
                  guint       line,
                  const char *database,
                  const char *text)
{
  UpgSqlStatement *st;

  g_assert_cmpuint (index, <, statements->len);
  st = g_ptr_array_index (statements, index);
  g_assert_cmpstr (upg_sql_statement_get_text (st), ==, text);
  g_assert_cmpstr (upg_sql_statement_get_file (st), ==, file);
  g_assert_cmpuint (upg_sql_statement_get_line (st), ==, line);
  g_assert_cmpuint (upg_sql_statement_get_sequence (st), ==, index + 1);
  g_assert_cmpstr (upg_sql_statement_get_database (st), ==, database);
}

/* ---- dialects ------------------------------------------------------- */

#define PG_FUNCTION "CREATE FUNCTION f() RETURNS integer AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql"

/* Each statement is split with the rules of the database it goes to:
 * with MySQL's, the `$$` body would end at its first `;` and `'C:\'`
 * would not end. */
static void
test_dialect_follows_target (void)
{
  Bundle b;
  g_autoptr(GPtrArray) s = NULL;

  bundle_init (&b);
  bundle_write (&b, "sql/mixed.sql",
                "DELIMITER //\n"
                "CREATE PROCEDURE p() BEGIN SELECT 1; END//\n"
                "-- @database: pg\n"
                PG_FUNCTION ";\n"
                "SELECT 'C:\\';\n"
                "-- @database: lite\n"
                "CREATE TRIGGER tr AFTER INSERT ON a BEGIN SELECT 1; END;\n"
                "-- @database: my\n"
                "SELECT 'it\\'s'//\n");
  s = split_ok (&b, "sql/mixed.sql", UPG_DIALECT_MYSQL);
  g_assert_cmpuint (s->len, ==, 5);
  assert_statement (s, 0, "sql/mixed.sql", 2, NULL, "CREATE PROCEDURE p() BEGIN SELECT 1; END");
  assert_statement (s, 1, "sql/mixed.sql", 4, "pg", PG_FUNCTION);
  assert_statement (s, 2, "sql/mixed.sql", 9, "pg", "SELECT 'C:\\'");
  assert_statement (s, 3, "sql/mixed.sql", 11, "lite", "CREATE TRIGGER tr AFTER INSERT ON a BEGIN SELECT 1; END");
  /* MySQL's DELIMITER is still // when the script comes back to it. */
  assert_statement (s, 4, "sql/mixed.sql", 13, "my", "SELECT 'it\\'s'");
  g_assert_cmpstr (upg_sql_statement_get_delimiter (g_ptr_array_index (s, 4)), ==, "//");

  bundle_write (&b, "sql/unknown.sql", "SELECT 1;\n\n-- @database: nowhere\nSELECT 2;\n");
  assert_refused (&b, "sql/unknown.sql", UPG_DIALECT_POSTGRESQL, "sql/unknown.sql:3:", "'nowhere' is not configured");
  bundle_clear (&b);
}

/* ---- includes ------------------------------------------------------- */

static void
test_mysql_source (void)
{
  Bundle b;
  g_autoptr(GPtrArray) s = NULL;

  bundle_init (&b);
  /* zoneminder's db/zm_create.sql ends with `source …` lines. */
  bundle_write (&b, "db/zm_create.sql",
                "CREATE TABLE a (x INT);\n"
                "source db/triggers.sql\n"
                "SOURCE  db/inc/two.sql ;\n"
                "  \\. db/inc/three.sql\n"
                "INSERT INTO a VALUES (9);\n");
  bundle_write (&b, "db/triggers.sql", "\n\nINSERT INTO a VALUES (1);\nINSERT INTO a VALUES (2)");
  bundle_write (&b, "db/inc/two.sql", "-- @database: pg\nSELECT 3;\n-- @database: my\n");
  bundle_write (&b, "db/inc/three.sql",
                "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\n");
  s = split_ok (&b, "db/zm_create.sql", UPG_DIALECT_MYSQL);
  g_assert_cmpuint (s->len, ==, 6);
  assert_statement (s, 0, "db/zm_create.sql", 1, NULL, "CREATE TABLE a (x INT)");
  assert_statement (s, 1, "db/triggers.sql", 3, NULL, "INSERT INTO a VALUES (1)");
  /* A last statement without `;` ends with its file, as in the client. */
  assert_statement (s, 2, "db/triggers.sql", 4, NULL, "INSERT INTO a VALUES (2)");
  assert_statement (s, 3, "db/inc/two.sql", 2, "pg", "SELECT 3");
  assert_statement (s, 4, "db/inc/three.sql", 2, "my", "CREATE PROCEDURE p() BEGIN SELECT 1; END");
  assert_statement (s, 5, "db/zm_create.sql", 5, "my", "INSERT INTO a VALUES (9)");

  /* Words that are commands only at a statement's start stay SQL. */
  bundle_write (&b, "db/columns.sql",
                "CREATE TABLE b (\nsource INT,\nstatus INT,\nuse INT);\nSELECT source FROM b;\n");
  g_clear_pointer (&s, g_ptr_array_unref);
  s = split_ok (&b, "db/columns.sql", UPG_DIALECT_MYSQL);
  g_assert_cmpuint (s->len, ==, 2);
  bundle_clear (&b);
}

static void
test_psql_include (void)
{
  Bundle b;
  g_autoptr(GPtrArray) s = NULL;

  bundle_init (&b);
  bundle_write (&b, "sql/pg/main.sql",
                "SELECT 1;\n"
                "\\i sql/common/a.sql\n"
                "\\ir inc/b.sql\n"
                "\\include_relative 'inc/c d.sql'\n"
                "SELECT 5;\n");
  bundle_write (&b, "sql/common/a.sql", "SELECT 2;\n");
  bundle_write (&b, "sql/pg/inc/b.sql", "\n" PG_FUNCTION ";\n");
  bundle_write (&b, "sql/pg/inc/c d.sql", "\\ir ../../common/e.sql\n");
  bundle_write (&b, "sql/common/e.sql", "SELECT 4;\n");
  s = split_ok (&b, "sql/pg/main.sql", UPG_DIALECT_POSTGRESQL);
  g_assert_cmpuint (s->len, ==, 5);
  assert_statement (s, 0, "sql/pg/main.sql", 1, NULL, "SELECT 1");
  assert_statement (s, 1, "sql/common/a.sql", 1, NULL, "SELECT 2");
  assert_statement (s, 2, "sql/pg/inc/b.sql", 2, NULL, PG_FUNCTION);
  assert_statement (s, 3, "sql/common/e.sql", 1, NULL, "SELECT 4");
  assert_statement (s, 4, "sql/pg/main.sql", 5, NULL, "SELECT 5");
  bundle_clear (&b);
}

static void
test_include_outside_bundle (void)
{
  Bundle b;
  g_autofree char *outside = NULL;
  g_autofree char *link = NULL;

  bundle_init (&b);
  outside = g_strdup_printf ("%s-outside.sql", b.root);
  g_assert_true (g_file_set_contents (outside, "SELECT 666;\n", -1, NULL));
  link = g_build_filename (b.root, "sql", "link.sql", NULL);
  bundle_write (&b, "sql/dotdot.sql", "SELECT 1;\nsource ../x-outside.sql\n");
  bundle_write (&b, "sql/absolute.sql", "SELECT 1;\n\n\\i /etc/passwd\n");
  bundle_write (&b, "sql/relative.sql", "\\ir ../../x.sql\n");
  bundle_write (&b, "sql/missing.sql", "source sql/none.sql;\n");
  bundle_write (&b, "sql/symlink.sql", "\\. sql/link.sql\n");
  g_assert_cmpint (symlink (outside, link), ==, 0);

  assert_refused (&b, "sql/dotdot.sql", UPG_DIALECT_MYSQL, "sql/dotdot.sql:2:", "must be inside the bundle");
  assert_refused (&b, "sql/absolute.sql", UPG_DIALECT_POSTGRESQL, "sql/absolute.sql:3:", "must be inside the bundle");
  assert_refused (&b, "sql/relative.sql", UPG_DIALECT_POSTGRESQL, "sql/relative.sql:1:", "relative to the including file");
  assert_refused (&b, "sql/missing.sql", UPG_DIALECT_MYSQL, "sql/missing.sql:1:", "does not exist");
  assert_refused (&b, "sql/symlink.sql", UPG_DIALECT_MYSQL, "sql/symlink.sql:1:", "symbolic link");
  g_unlink (outside);
  bundle_clear (&b);
}

static void
test_include_cycle_and_depth (void)
{
  Bundle b;

  bundle_init (&b);
  bundle_write (&b, "a.sql", "SELECT 1;\nsource b.sql\n");
  bundle_write (&b, "b.sql", "SELECT 2;\n\n\\. a.sql\n");
  assert_refused (&b, "a.sql", UPG_DIALECT_MYSQL, "b.sql:3:", "includes itself (a.sql → b.sql → a.sql)");
  bundle_write (&b, "self.sql", "\\ir self.sql\n");
  assert_refused (&b, "self.sql", UPG_DIALECT_POSTGRESQL, "self.sql:1:", "includes itself");

  for (guint i = 0; i < UPG_SQL_MAX_INCLUDE_DEPTH + 1; i++)
    {
      g_autofree char *name = g_strdup_printf ("deep/%02u.sql", i);
      g_autofree char *text = g_strdup_printf ("SELECT %u;\n\\ir %02u.sql\n", i, i + 1);

      bundle_write (&b, name, text);
    }
  assert_refused (&b, "deep/00.sql", UPG_DIALECT_POSTGRESQL, "deep/15.sql:2:", "more than 16 deep");
  bundle_clear (&b);
}

/* A script split without a bundle (upg_sql_split()) cannot include. */
static void
test_include_needs_bundle (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) s = upg_sql_split ("SELECT 1;\nsource x.sql\n", -1, "t.sql", UPG_DIALECT_MYSQL, &error);

  g_assert_null (s);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
  g_assert_true (g_str_has_prefix (error->message, "t.sql:2:"));
}

/* ---- refused commands ------------------------------------------------ */

static void
test_database_commands_refused (void)
{
  static const struct {
    UpgDialect dialect;
    const char *text;
    const char *prefix;
    const char *part;
  } cases[] = {
    { UPG_DIALECT_MYSQL, "SELECT 1;\nuse other\nSELECT 2;\n", "t.sql:2:", "'use'" },
    { UPG_DIALECT_MYSQL, "SELECT 1;\n\nUSE other;\n", "t.sql:3:", "'use'" },
    /* The client sends these to the server, which would switch. */
    { UPG_DIALECT_MYSQL, "SELECT 1;\nUSE`other`;\n", "t.sql:2:", "'USE'" },
    { UPG_DIALECT_MYSQL, "SELECT 1;\n\nuse\n  other;\n", "t.sql:3:", "'use'" },
    { UPG_DIALECT_MYSQL, "connect other host\n", "t.sql:1:", "'connect'" },
    { UPG_DIALECT_MYSQL, "SELECT 1;\n\\u other\n", "t.sql:2:", "'\\u'" },
    { UPG_DIALECT_MYSQL, "\\r other\n", "t.sql:1:", "'\\r'" },
    { UPG_DIALECT_POSTGRESQL, "SELECT 1;\n\\c other\n", "t.sql:2:", "'\\c'" },
    { UPG_DIALECT_POSTGRESQL, "\\connect other\n", "t.sql:1:", "'\\connect'" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Bundle b;

      bundle_init (&b);
      bundle_write (&b, "t.sql", cases[i].text);
      assert_refused (&b, "t.sql", cases[i].dialect, cases[i].prefix, cases[i].part);
      assert_refused (&b, "t.sql", cases[i].dialect, cases[i].prefix, "-- @database:");
      bundle_clear (&b);
    }
}

static void
test_shell_escapes_refused (void)
{
  static const struct {
    UpgDialect dialect;
    const char *text;
    const char *prefix;
  } cases[] = {
    { UPG_DIALECT_MYSQL, "SELECT 1;\n\\! rm -rf /tmp/x\n", "t.sql:2:" },
    { UPG_DIALECT_MYSQL, "SELECT 1;\nsystem rm -rf /tmp/x\n", "t.sql:2:" },
    { UPG_DIALECT_MYSQL, "SELECT 1;\n\n\nSYSTEM ls;\n", "t.sql:4:" },
    { UPG_DIALECT_POSTGRESQL, "SELECT 1;\n\\! ls\n", "t.sql:2:" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Bundle b;

      bundle_init (&b);
      bundle_write (&b, "t.sql", cases[i].text);
      assert_refused (&b, "t.sql", cases[i].dialect, cases[i].prefix, "shell escape");
      bundle_clear (&b);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sql-includes/dialect-follows-target", test_dialect_follows_target);
  g_test_add_func ("/sql-includes/mysql-source", test_mysql_source);
  g_test_add_func ("/sql-includes/psql-include", test_psql_include);
  g_test_add_func ("/sql-includes/outside-bundle", test_include_outside_bundle);
  g_test_add_func ("/sql-includes/cycle-and-depth", test_include_cycle_and_depth);
  g_test_add_func ("/sql-includes/needs-bundle", test_include_needs_bundle);
  g_test_add_func ("/sql-includes/database-commands-refused", test_database_commands_refused);
  g_test_add_func ("/sql-includes/shell-escapes-refused", test_shell_escapes_refused);
  return g_test_run ();
}
