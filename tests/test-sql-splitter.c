/* test-sql-splitter.c - splitting scripts like mariadb, psql and sqlite3
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <upgrade.h>

#define MY UPG_DIALECT_MYSQL
#define PG UPG_DIALECT_POSTGRESQL
#define LITE UPG_DIALECT_SQLITE

static GPtrArray *
split_ok (const char *text,
          UpgDialect  dialect)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *statements = upg_sql_split (text, -1, "t.sql", dialect, &error);

  g_assert_no_error (error);
  g_assert_nonnull (statements);
  return statements;
}

static void
assert_split_error (const char *text,
                    UpgDialect  dialect,
                    const char *expected_prefix,
                    const char *expected_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) statements = upg_sql_split (text, -1, "t.sql", dialect, &error);

  g_assert_null (statements);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
  if (!g_str_has_prefix (error->message, expected_prefix) ||
      strstr (error->message, expected_part) == NULL)
    g_error ("error '%s' does not start with '%s' and mention '%s'",
             error->message, expected_prefix, expected_part);
}

/* Checks statement @index (0-based): its text, first line and delimiter
 * (NULL: ended by the end of the file), and that its sequence is index+1. */
static void
assert_statement (GPtrArray  *statements,
                  guint       index,
                  guint       line,
                  const char *text,
                  const char *delimiter)
{
  UpgSqlStatement *st;

  g_assert_cmpuint (index, <, statements->len);
  st = g_ptr_array_index (statements, index);
  g_assert_cmpstr (upg_sql_statement_get_text (st), ==, text);
  g_assert_cmpuint (upg_sql_statement_get_line (st), ==, line);
  g_assert_cmpuint (upg_sql_statement_get_sequence (st), ==, index + 1);
  g_assert_cmpstr (upg_sql_statement_get_delimiter (st), ==, delimiter);
}

static const char *
text_of (GPtrArray *statements,
         guint      index)
{
  g_assert_cmpuint (index, <, statements->len);
  return upg_sql_statement_get_text (g_ptr_array_index (statements, index));
}

/* ---- common rules ---------------------------------------------------- */

static void
test_basic (void)
{
  const UpgDialect dialects[] = { MY, PG, LITE, UPG_DIALECT_OTHER };

  for (guint i = 0; i < G_N_ELEMENTS (dialects); i++)
    {
      g_autoptr(GPtrArray) s = split_ok ("-- leading comment\n"
                                         "\n"
                                         "  SELECT 1;;  ;\n"
                                         "SELECT\n"
                                         "  2 -- inner comment\n"
                                         "  ; SELECT 3;\r\n"
                                         "/* ; */ ;\n",
                                         dialects[i]);
      UpgSqlStatement *st;
      g_autofree char *sha = NULL;

      g_assert_cmpuint (s->len, ==, 3);
      assert_statement (s, 0, 3, "SELECT 1", ";");
      assert_statement (s, 1, 4, "SELECT\n  2 -- inner comment", ";");
      assert_statement (s, 2, 6, "SELECT 3", ";");
      st = g_ptr_array_index (s, 1);
      g_assert_cmpstr (upg_sql_statement_get_file (st), ==, "t.sql");
      g_assert_null (upg_sql_statement_get_database (st));
      sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                           "SELECT\n  2 -- inner comment", -1);
      g_assert_cmpstr (upg_sql_statement_get_sha256 (st), ==, sha);
    }
}

static void
test_trailing_statement (void)
{
  g_autoptr(GPtrArray) my = split_ok ("SELECT 1;\nSELECT 2\n  \n", MY);
  g_autoptr(GPtrArray) pg = split_ok ("SELECT 1;\n\nSELECT 2 -- no end", PG);
  g_autoptr(GPtrArray) empty = split_ok ("  -- nothing\n/* at all */\n", PG);
  g_autoptr(GPtrArray) lite = split_ok ("SELECT 1;\n\nSELECT 2\n", LITE);

  g_assert_cmpuint (my->len, ==, 2);
  assert_statement (my, 1, 2, "SELECT 2", NULL);
  g_assert_cmpuint (pg->len, ==, 2);
  assert_statement (pg, 1, 3, "SELECT 2 -- no end", NULL);
  g_assert_cmpuint (empty->len, ==, 0);
  g_assert_cmpuint (lite->len, ==, 2);
  assert_statement (lite, 1, 3, "SELECT 2", NULL);
}

static void
test_block_comment_semicolon (void)
{
  const UpgDialect dialects[] = { MY, PG, LITE, UPG_DIALECT_OTHER };

  for (guint i = 0; i < G_N_ELEMENTS (dialects); i++)
    {
      g_autoptr(GPtrArray) s = split_ok ("SELECT 1 /* ; */ + 1;\nSELECT /* a\n; b */ 2;",
                                         dialects[i]);

      g_assert_cmpuint (s->len, ==, 2);
      assert_statement (s, 0, 1, "SELECT 1 /* ; */ + 1", ";");
      assert_statement (s, 1, 2, "SELECT /* a\n; b */ 2", ";");
    }
}

static void
test_unicode (void)
{
  const UpgDialect dialects[] = { MY, PG, LITE };

  for (guint i = 0; i < G_N_ELEMENTS (dialects); i++)
    {
      g_autoptr(GPtrArray) s = split_ok ("INSERT INTO t VALUES ('😀;中文');\n"
                                         "-- コメント; 😀\n"
                                         "SELECT '表' AS 名前;",
                                         dialects[i]);

      g_assert_cmpuint (s->len, ==, 2);
      assert_statement (s, 0, 1, "INSERT INTO t VALUES ('😀;中文')", ";");
      assert_statement (s, 1, 3, "SELECT '表' AS 名前", ";");
    }
}

static void
test_byte_order_mark (void)
{
  g_autoptr(GPtrArray) s = split_ok ("\xef\xbb\xbfSELECT 1;\nSELECT 2;", PG);

  g_assert_cmpuint (s->len, ==, 2);
  assert_statement (s, 0, 1, "SELECT 1", ";");
  assert_statement (s, 1, 2, "SELECT 2", ";");
}

static void
test_database_routing (void)
{
  g_autoptr(GPtrArray) s = split_ok ("SELECT 1;\n"
                                     "-- @database: ft_db\n"
                                     "SELECT 2;\n"
                                     "SELECT 3;\n"
                                     "   --   @database:   audit   \n"
                                     "SELECT 4;\n",
                                     MY);
  const char *expected[] = { NULL, "ft_db", "ft_db", "audit" };

  g_assert_cmpuint (s->len, ==, 4);
  for (guint i = 0; i < s->len; i++)
    g_assert_cmpstr (upg_sql_statement_get_database (g_ptr_array_index (s, i)), ==,
                     expected[i]);
  assert_statement (s, 1, 3, "SELECT 2", ";");
  assert_statement (s, 3, 6, "SELECT 4", ";");

  assert_split_error ("SELECT 1,\n-- @database: x\n2;", PG, "t.sql:2:", "inside a statement");
  assert_split_error ("-- @database:\nSELECT 1;", PG, "t.sql:1:", "one data source name");
  assert_split_error ("-- @database: a b\nSELECT 1;", LITE, "t.sql:1:", "'a b'");
  assert_split_error ("SELECT 1; -- @database: x\nSELECT 2;", MY, "t.sql:1:", "line of its own");
}

static void
test_errors (void)
{
  assert_split_error ("SELECT 1;\n\nSELECT 'abc;\n\n", MY, "t.sql:3:", "unterminated '");
  assert_split_error ("SELECT \"abc;\n", PG, "t.sql:1:", "unterminated \"");
  assert_split_error ("SELECT 1;\nSELECT `a;\n", MY, "t.sql:2:", "unterminated `");
  assert_split_error ("SELECT [a;\n", LITE, "t.sql:1:", "unterminated [");
  assert_split_error ("SELECT 1;\n/* open\n;\n", LITE, "t.sql:2:", "unterminated /*");
  assert_split_error ("SELECT 1;\n\n/* a /* b */ ;\n", PG, "t.sql:3:", "unterminated /*");
  assert_split_error ("SELECT 1;\nSELECT $x$ a; $y$;\n", PG, "t.sql:2:",
                      "unterminated dollar quote $x$");
  assert_split_error ("SELECT 1;\nSELECT 'a\\';\n", MY, "t.sql:2:", "unterminated '");
}

static void
test_invalid_utf8 (void)
{
  const UpgDialect dialects[] = { MY, PG, LITE };

  for (guint i = 0; i < G_N_ELEMENTS (dialects); i++)
    {
      assert_split_error ("SELECT 1;\nSELECT 'caf\xe9';\n", dialects[i], "t.sql:2:",
                          "invalid UTF-8");
      assert_split_error ("SELECT 1;\n\n\n-- \xc3\n", dialects[i], "t.sql:4:",
                          "invalid UTF-8");
    }
}

static void
test_embedded_nul (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) s = upg_sql_split ("SELECT 1;\0SELECT 2;", 19, "t.sql", MY, &error);

  g_assert_null (s);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
}

/* ---- MySQL / MariaDB ------------------------------------------------- */

static void
test_mysql_comments (void)
{
  g_autoptr(GPtrArray) s = split_ok ("SELECT 1 --1;\n"
                                     "SELECT 2 -- x;\n;\n"
                                     "# hash; comment\n"
                                     "SELECT 3 # c;\n;\n"
                                     "SELECT 4 --\t;\n;",
                                     MY);
  g_autoptr(GPtrArray) pg = split_ok ("SELECT 1 --1;\n;SELECT 2 # 3;", PG);

  g_assert_cmpuint (s->len, ==, 4);
  assert_statement (s, 0, 1, "SELECT 1 --1", ";");   /* 1 minus -1 */
  assert_statement (s, 1, 2, "SELECT 2 -- x;", ";");
  assert_statement (s, 2, 5, "SELECT 3 # c;", ";");
  assert_statement (s, 3, 7, "SELECT 4 --\t;", ";");
  /* psql: `--` needs no space; `#` is an operator. */
  g_assert_cmpuint (pg->len, ==, 2);
  assert_statement (pg, 0, 1, "SELECT 1 --1;", ";");
  assert_statement (pg, 1, 2, "SELECT 2 # 3", ";");
}

static void
test_mysql_quotes (void)
{
  g_autoptr(GPtrArray) s = split_ok ("SELECT 'a\\';b', \"c;\\\"d\", 'e'';f';\n"
                                     "CREATE TABLE `odd;name` (`x;y` INT);\n"
                                     "SELECT `a``;b`;\n"
                                     "SELECT `a\\`;\nSELECT 2;",
                                     MY);

  g_assert_cmpuint (s->len, ==, 5);
  /* No backslash escapes in backticks (what the mariadb client does). */
  assert_statement (s, 3, 4, "SELECT `a\\`", ";");
  assert_statement (s, 4, 5, "SELECT 2", ";");
  assert_statement (s, 0, 1, "SELECT 'a\\';b', \"c;\\\"d\", 'e'';f'", ";");
  assert_statement (s, 1, 2, "CREATE TABLE `odd;name` (`x;y` INT)", ";");
  assert_statement (s, 2, 3, "SELECT `a``;b`", ";");
}

static void
test_mysql_delimiter (void)
{
  g_autoptr(GPtrArray) s = split_ok ("SET @x = 1;\n"
                                     "DELIMITER //\n"
                                     "CREATE PROCEDURE p (IN n INT)\n"
                                     "BEGIN\n"
                                     "  IF n > 0 THEN\n"
                                     "    SELECT 'pos;itive';\n"
                                     "  END IF;\n"
                                     "END //\n"
                                     "SELECT 2; SELECT 3//\n"
                                     "  delimiter $$\n"
                                     "CREATE FUNCTION f () RETURNS INT RETURN 1$$ $$\n"
                                     "DELIMITER ;\n"
                                     "CALL p(1);\n"
                                     "DELIMITER ';;'\n"
                                     "SELECT 4;;\n",
                                     MY);

  g_assert_cmpuint (s->len, ==, 6);
  assert_statement (s, 0, 1, "SET @x = 1", ";");
  assert_statement (s, 1, 3,
                    "CREATE PROCEDURE p (IN n INT)\nBEGIN\n  IF n > 0 THEN\n"
                    "    SELECT 'pos;itive';\n  END IF;\nEND", "//");
  assert_statement (s, 2, 9, "SELECT 2; SELECT 3", "//");
  assert_statement (s, 3, 11, "CREATE FUNCTION f () RETURNS INT RETURN 1", "$$");
  assert_statement (s, 4, 13, "CALL p(1)", ";");
  assert_statement (s, 5, 15, "SELECT 4", ";;");
}

static void
test_crlf (void)
{
  g_autoptr(GPtrArray) s = split_ok ("SELECT 1;\r\n"
                                     "-- @database: audit\r\n"
                                     "DELIMITER //\r\n"
                                     "CREATE PROCEDURE p () BEGIN SELECT 2; END //\r\n"
                                     "DELIMITER ;\r\n"
                                     "SELECT 'a\r\nb';\r\n",
                                     MY);

  g_assert_cmpuint (s->len, ==, 3);
  assert_statement (s, 0, 1, "SELECT 1", ";");
  assert_statement (s, 1, 4, "CREATE PROCEDURE p () BEGIN SELECT 2; END", "//");
  assert_statement (s, 2, 6, "SELECT 'a\r\nb'", ";");
  g_assert_cmpstr (upg_sql_statement_get_database (g_ptr_array_index (s, 2)), ==, "audit");
}

static void
test_mysql_delimiter_errors (void)
{
  assert_split_error ("SELECT 1;\nDELIMITER\n", MY, "t.sql:2:", "DELIMITER");
  assert_split_error ("SELECT 1;\nDELIMITER   \n", MY, "t.sql:2:", "delimiter");
  assert_split_error ("SELECT 1; DELIMITER //\n", MY, "t.sql:1:", "must start a line");
  {
    /* Inside a statement the mariadb client sends it as text. */
    g_autoptr(GPtrArray) s = split_ok ("SELECT 1\n  delimiter //\nSELECT 3; SELECT 4//", MY);

    g_assert_cmpuint (s->len, ==, 2);
    assert_statement (s, 0, 1, "SELECT 1\n  delimiter //\nSELECT 3", ";");
    assert_statement (s, 1, 3, "SELECT 4//", NULL);
  }
  assert_split_error ("DELIMITER a\\b\n", MY, "t.sql:1:", "backslash");
  assert_split_error ("\n\nDELIMITER\t//\n", MY, "t.sql:3:", "space");
}

static void
test_mysql_executable_comments (void)
{
  g_autoptr(GPtrArray) s = split_ok ("/*!40101 SET NAMES utf8 */;\n"
                                     "/*M!100100 SET x = 1 */;\n"
                                     "CREATE TABLE t (a INT) /*!40000 ENGINE=InnoDB */;",
                                     MY);

  g_assert_cmpuint (s->len, ==, 3);
  assert_statement (s, 0, 1, "/*!40101 SET NAMES utf8 */", ";");
  assert_statement (s, 1, 2, "/*M!100100 SET x = 1 */", ";");
  assert_statement (s, 2, 3, "CREATE TABLE t (a INT) /*!40000 ENGINE=InnoDB */", ";");
}

static void
test_mysql_go (void)
{
  g_autoptr(GPtrArray) s = split_ok ("SELECT 1\\G SELECT 2\\g\nSELECT \\N, '\\\n';\nSELECT 4;", MY);

  g_assert_cmpuint (s->len, ==, 4);
  assert_statement (s, 0, 1, "SELECT 1", "\\G");
  assert_statement (s, 1, 1, "SELECT 2", "\\g");
  assert_statement (s, 2, 2, "SELECT \\N, '\\\n'", ";");
  assert_statement (s, 3, 4, "SELECT 4", ";");
  assert_split_error ("SELECT 1;\nSELECT 3 \\\n;\n", MY, "t.sql:2:", "backslash");
  assert_split_error ("SELECT 1;\n\\c\n", MY, "t.sql:2:", "\\c");
}

/* `\-` is the mariadb client's sandbox command (10.5.25, 10.6.18,
 * 10.11.8 and later; mariadb-dump writes `/ *M!999999\- enable the sandbox
 * mode * /` as a dump's first line): wherever it appears outside quotes
 * and plain comments, the client runs it and drops it from the statement
 * (measured with the server's general log on 10.11.19: the dump's first
 * query is "/ *M!999999 enable the sandbox mode * / …SET…", and a `\-` of
 * its own sends nothing). In sandbox mode the client refuses its other
 * commands, which scripts may not hold anyway: so it is a no-op for us. */
static void
test_mysql_sandbox (void)
{
  g_autoptr(GPtrArray) s = split_ok ("/*M!999999\\- enable the sandbox mode */ \n"
                                     "-- MariaDB dump 10.19\n"
                                     "/*!40101 SET NAMES utf8mb4 */;\n"
                                     "\\-\n"
                                     "SELECT 1;\n"
                                     "SELECT 2 \\- + 3, '\\-', \"\\-\", `\\-` /* \\- */ -- \\-\n"
                                     "  \\-;\n"
                                     "\\-", MY);

  g_assert_cmpuint (s->len, ==, 3);
  assert_statement (s, 0, 1, "/*M!999999 enable the sandbox mode */ \n"
                             "-- MariaDB dump 10.19\n"
                             "/*!40101 SET NAMES utf8mb4 */", ";");
  assert_statement (s, 1, 5, "SELECT 1", ";");
  assert_statement (s, 2, 6, "SELECT 2  + 3, '\\-', \"\\-\", `\\-` /* \\- */ -- \\-", ";");
}

/* ---- PostgreSQL ------------------------------------------------------ */

static void
test_pg_dollar_quotes (void)
{
  g_autoptr(GPtrArray) s = split_ok ("CREATE FUNCTION f() RETURNS int AS $body$\n"
                                     "DECLARE r int; -- comment; with ' quote\n"
                                     "BEGIN\n"
                                     "  /* ; */ r := 1; PERFORM $$ $x$ ; $$;\n"
                                     "  RETURN r;\n"
                                     "END;\n"
                                     "$body$ LANGUAGE plpgsql;\n"
                                     "SELECT $$a;b$$, $_t1$c;$_t1$;\n"
                                     "PREPARE q AS SELECT $1; SELECT a$b$c FROM t;",
                                     PG);

  g_assert_cmpuint (s->len, ==, 4);
  assert_statement (s, 0, 1,
                    "CREATE FUNCTION f() RETURNS int AS $body$\n"
                    "DECLARE r int; -- comment; with ' quote\n"
                    "BEGIN\n"
                    "  /* ; */ r := 1; PERFORM $$ $x$ ; $$;\n"
                    "  RETURN r;\n"
                    "END;\n"
                    "$body$ LANGUAGE plpgsql", ";");
  assert_statement (s, 1, 8, "SELECT $$a;b$$, $_t1$c;$_t1$", ";");
  assert_statement (s, 2, 9, "PREPARE q AS SELECT $1", ";");
  assert_statement (s, 3, 9, "SELECT a$b$c FROM t", ";");
}

static void
test_pg_strings (void)
{
  g_autoptr(GPtrArray) s = split_ok ("SELECT E'a\\';b', e'\\\\';\n"
                                     "SELECT 'c\\';\n"
                                     "SELECT \"we\"\"ird;\" FROM t;\n"
                                     "SELECT the'x';",
                                     PG);
  g_autoptr(GPtrArray) my = split_ok ("SELECT $$a;b$$;", MY);

  g_assert_cmpuint (s->len, ==, 4);
  assert_statement (s, 0, 1, "SELECT E'a\\';b', e'\\\\'", ";");
  assert_statement (s, 1, 2, "SELECT 'c\\'", ";");   /* standard strings */
  assert_statement (s, 2, 3, "SELECT \"we\"\"ird;\" FROM t", ";");
  assert_statement (s, 3, 4, "SELECT the'x'", ";");
  /* MySQL has no dollar quoting. */
  g_assert_cmpuint (my->len, ==, 2);
}

static void
test_pg_nesting (void)
{
  g_autoptr(GPtrArray) s = split_ok ("/* a /* b; */ c; */ SELECT 1;\n"
                                     "CREATE RULE r AS ON INSERT TO t DO ALSO\n"
                                     "  (UPDATE t SET a = 1; UPDATE t SET b = 2);\n"
                                     "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql\n"
                                     "BEGIN ATOMIC\n"
                                     "  SELECT CASE WHEN true THEN 1 END;\n"
                                     "  SELECT 2;\n"
                                     "END;\n"
                                     "SELECT 'begin'; BEGIN; END;",
                                     PG);
  g_autoptr(GPtrArray) my = split_ok ("/* a /* b; */ c; */ SELECT 1;", MY);

  g_assert_cmpuint (s->len, ==, 6);
  /* psql sends leading block comments. */
  assert_statement (s, 0, 1, "/* a /* b; */ c; */ SELECT 1", ";");
  assert_statement (s, 1, 2, "CREATE RULE r AS ON INSERT TO t DO ALSO\n"
                    "  (UPDATE t SET a = 1; UPDATE t SET b = 2)", ";");
  assert_statement (s, 2, 4, "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql\n"
                    "BEGIN ATOMIC\n  SELECT CASE WHEN true THEN 1 END;\n  SELECT 2;\nEND", ";");
  assert_statement (s, 3, 9, "SELECT 'begin'", ";");
  assert_statement (s, 4, 9, "BEGIN", ";");
  assert_statement (s, 5, 9, "END", ";");
  /* MySQL comments do not nest. */
  g_assert_cmpuint (my->len, ==, 2);
  g_assert_cmpstr (text_of (my, 0), ==, "c");
  g_assert_cmpstr (text_of (my, 1), ==, "*/ SELECT 1");
}

static void
test_pg_meta_commands (void)
{
  assert_split_error ("SELECT 1;\n\\set ON_ERROR_STOP on\n", PG, "t.sql:2:", "\\set");
  assert_split_error ("SELECT 1 \\gset\n", PG, "t.sql:1:", "\\gset");
}

/* pg_dump 15.14 and later (Debian 12: 15.20) write `\restrict KEY` after
 * the header and `\unrestrict KEY` at the end of every plain dump; psql
 * sends nothing for them (its -L log of such a dump starts with the first
 * SET). Other meta-commands stay refused, inside a statement too. */
static void
test_pg_restrict (void)
{
  g_autoptr(GPtrArray) s = split_ok ("--\n-- PostgreSQL database dump\n--\n\n"
                                     "\\restrict 7caiLZLHHpsGghr51zd7l7lB7ryFHOfckJ49wfMm9k0MvqZv5\n\n"
                                     "SET statement_timeout = 0;\n"
                                     "SELECT '\\restrict x';\n"
                                     "\\unrestrict 7caiLZLHHpsGghr51zd7l7lB7ryFHOfckJ49wfMm9k0MvqZv5\n", PG);

  g_assert_cmpuint (s->len, ==, 2);
  assert_statement (s, 0, 7, "SET statement_timeout = 0", ";");
  assert_statement (s, 1, 8, "SELECT '\\restrict x'", ";");
  assert_split_error ("SELECT 1\n\\restrict k\n;", PG, "t.sql:2:", "\\restrict");
  assert_split_error ("\\restricted k\n", PG, "t.sql:1:", "\\restricted");
}

/* pg_dump's default output loads data with COPY … FROM stdin followed by
 * the rows and `\.`: psql sends those lines as COPY data. Refused at the
 * COPY, saying why and what to do, not at some later data line. */
static void
test_pg_copy_from_stdin (void)
{
  g_autoptr(GPtrArray) s = split_ok ("COPY t TO STDOUT;\nSELECT 'COPY t FROM stdin';\n", PG);

  g_assert_cmpuint (s->len, ==, 2);
  assert_split_error ("SET x = 1;\n\nCOPY public.t (id, note) FROM stdin;\n1\tit's; here\n\\.\n", PG,
                      "t.sql:3: COPY … FROM stdin is not supported", "pg_dump --inserts");
  assert_split_error ("copy t\n  from STDIN with (format csv);\n1,2\n\\.\n", PG, "t.sql:1:", "--column-inserts");
}

/* ---- SQLite ---------------------------------------------------------- */

static void
test_sqlite_triggers (void)
{
  g_autoptr(GPtrArray) s = split_ok ("CREATE TRIGGER tr AFTER INSERT ON t\n"
                                     "BEGIN\n"
                                     "  INSERT INTO log VALUES ('x;');\n"
                                     "  UPDATE log SET n = n + 1;\n"
                                     "END;\n"
                                     "create temporary trigger t2 before delete on [a;b] "
                                     "begin select 1; end ; SELECT \"end\";\n"
                                     "EXPLAIN CREATE TRIGGER t3 AFTER UPDATE ON t BEGIN SELECT 1; END;\n"
                                     "CREATE TABLE trigger_log (`end;` TEXT);\n",
                                     LITE);

  g_assert_cmpuint (s->len, ==, 5);
  assert_statement (s, 0, 1, "CREATE TRIGGER tr AFTER INSERT ON t\nBEGIN\n"
                    "  INSERT INTO log VALUES ('x;');\n  UPDATE log SET n = n + 1;\nEND", ";");
  assert_statement (s, 1, 6, "create temporary trigger t2 before delete on [a;b] "
                    "begin select 1; end", ";");
  assert_statement (s, 2, 6, "SELECT \"end\"", ";");
  assert_statement (s, 3, 7, "EXPLAIN CREATE TRIGGER t3 AFTER UPDATE ON t BEGIN SELECT 1; END", ";");
  assert_statement (s, 4, 8, "CREATE TABLE trigger_log (`end;` TEXT)", ";");
  assert_split_error ("SELECT 1;\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;\n", LITE,
                      "t.sql:2:", "END;");
  assert_split_error ("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1", LITE,
                      "t.sql:1:", "END;");
}

static void
test_sqlite_shell_lines (void)
{
  g_autoptr(GPtrArray) s = split_ok ("# shell comment; line\nSELECT 1 # 2;\n", LITE);

  g_assert_cmpuint (s->len, ==, 1);
  assert_statement (s, 0, 2, "SELECT 1 # 2", ";");
  assert_split_error ("SELECT 1;\n.echo on\n", LITE, "t.sql:2:", "dot-command");
}

/* ---- files: real upgrade scripts and handmade fixtures --------------- */

static UpgDialect
dialect_of (const char *rel)
{
  if (strstr (rel, "mysql") != NULL)
    return MY;
  if (strstr (rel, "pgsql") != NULL || strstr (rel, "postgres") != NULL)
    return PG;
  g_assert_nonnull (strstr (rel, "sqlite"));
  return LITE;
}

static GPtrArray *
split_fixture (const char *rel)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "sql", rel, NULL);
  g_autoptr(GError) error = NULL;
  GPtrArray *statements = upg_sql_split_file (path, rel, dialect_of (rel), &error);

  g_assert_no_error (error);
  g_assert_nonnull (statements);
  return statements;
}

/* expected-counts.tsv: what the native clients sent, measured by
 * fixtures/sql/measure-with-clients.py against real servers. */
static void
test_expected_counts (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "sql",
                                                 "expected-counts.tsv", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  guint checked = 0, total = 0;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;
      g_autoptr(GPtrArray) statements = NULL;
      guint64 expected;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      fields = g_strsplit (lines[i], "\t", 2);
      g_assert_cmpuint (g_strv_length (fields), ==, 2);
      g_assert_true (g_ascii_string_to_unsigned (fields[1], 10, 0, G_MAXUINT, &expected, NULL));
      statements = split_fixture (fields[0]);
      if (statements->len != expected)
        g_error ("%s: %u statements, the native client sent %" G_GUINT64_FORMAT,
                 fields[0], statements->len, expected);
      checked++;
      total += statements->len;
    }
  /* 125 real scripts from icinga2 and roundcube, 3 handmade ones; 4
   * dumps (mariadb-dump, pg_dump) and their 2 handmade upgrades. */
  g_assert_cmpuint (checked, ==, 134);
  g_assert_cmpuint (total, ==, 1464 + 246 + 161 + 12 + 122 + 92 + 14);
}

typedef struct
{
  const char *file;
  guint sequence;
  guint line;
  const char *prefix;
  const char *delimiter;
} SpotCheck;

static void
test_spot_checks (void)
{
  static const SpotCheck checks[] = {
    { "real/icinga2-ido-mysql/mysql.sql", 1, 9, "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */", ";" },
    { "real/icinga2-ido-mysql/mysql.sql", 199, 1663, "INSERT INTO icinga_dbversion (name, version,", ";" },
    { "real/icinga2-ido-mysql/upgrade/2.8.0.sql", 1, 10, "SET SQL_MODE=\"NO_AUTO_VALUE_ON_ZERO\"", ";" },
    { "real/icinga2-ido-mysql/upgrade/2.8.0.sql", 2, 17, "DROP FUNCTION IF EXISTS ido_index_exists", "//" },
    { "real/icinga2-ido-mysql/upgrade/2.8.0.sql", 3, 18, "CREATE FUNCTION ido_index_exists(\n  f_table_name varchar(64),", "//" },
    { "real/icinga2-ido-mysql/upgrade/2.8.0.sql", 5, 38, "CREATE PROCEDURE ido_drop_index_if_exists (", "//" },
    { "real/icinga2-ido-pgsql/pgsql.sql", 1, 13, "DROP FUNCTION IF EXISTS from_unixtime(bigint)", ";" },
    { "real/icinga2-ido-pgsql/pgsql.sql", 2, 14, "CREATE FUNCTION from_unixtime(bigint) RETURNS timestamp AS $$", ";" },
    { "real/icinga2-ido-pgsql/pgsql.sql", 229, 1732, "SELECT updatedbversion('1.14.3')", ";" },
    { "real/roundcube-core/SQL/postgres.initial.sql", 1, 8, "CREATE SEQUENCE users_seq", ";" },
    { "real/roundcube-core/SQL/postgres.initial.sql", 39, 378, "INSERT INTO \"system\" (name, value) VALUES ('roundcube-version', '2022081200')", ";" },
    { "real/roundcube-core/SQL/mysql/2020020101.sql", 55, 69, "ALTER TABLE `searches`", ";" },
    { "real/roundcube-core/SQL/sqlite/2021100300.sql", 1, 3, "DELETE FROM contacts WHERE user_id NOT IN (SELECT user_id FROM users)", ";" },
    { "real/roundcube-core/SQL/sqlite/2021100300.sql", 78, 211, "CREATE INDEX ix_cache_messages_expires ON cache_messages (expires)", ";" },
    { "handmade/mysql-procedure.sql", 3, 9, "INSERT INTO `odd;name` VALUES (1, 'back\\\\slash\\';', 'x'), (2, '😀 emoji; 中文 テキスト', \"y\")", ";" },
    { "handmade/mysql-procedure.sql", 4, 11, "CREATE PROCEDURE bump (IN n INT)\nBEGIN", "//" },
    { "handmade/mysql-procedure.sql", 5, 21, "CREATE FUNCTION twice (x INT)", "$$" },
    { "handmade/mysql-procedure.sql", 9, 30, "SELECT 'tail without delimiter'", NULL },
    { "handmade/postgres-function.sql", 2, 3, "CREATE FUNCTION bump(n int) RETURNS int AS $body$\nDECLARE", ";" },
    { "handmade/postgres-function.sql", 7, 16, "/* nested /* comment; */ still; comment */ SELECT 2", ";" },
    { "handmade/postgres-function.sql", 9, 18, "CREATE FUNCTION atomic_one()", ";" },
    { "handmade/sqlite-trigger.sql", 3, 4, "CREATE TRIGGER odd_ai AFTER INSERT ON [odd;name]\nBEGIN", ";" },
    { "handmade/sqlite-trigger.sql", 6, 11, "SELECT count(*) FROM log", ";" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (checks); i++)
    {
      const SpotCheck *c = &checks[i];
      g_autoptr(GPtrArray) statements = split_fixture (c->file);
      UpgSqlStatement *st;

      g_assert_cmpuint (c->sequence, <=, statements->len);
      st = g_ptr_array_index (statements, c->sequence - 1);
      g_assert_cmpuint (upg_sql_statement_get_sequence (st), ==, c->sequence);
      g_assert_cmpstr (upg_sql_statement_get_file (st), ==, c->file);
      g_assert_cmpstr (upg_sql_statement_get_delimiter (st), ==, c->delimiter);
      if (upg_sql_statement_get_line (st) != c->line ||
          !g_str_has_prefix (upg_sql_statement_get_text (st), c->prefix))
        g_error ("%s #%u: line %u, text '%.60s'; expected line %u, text '%s…'",
                 c->file, c->sequence, upg_sql_statement_get_line (st),
                 upg_sql_statement_get_text (st), c->line, c->prefix);
    }
}

static void
test_unreadable_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) s = upg_sql_split_file ("/nonexistent/v1.sql", "sql/v1.sql", PG, &error);

  g_assert_null (s);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
  g_assert_true (g_str_has_prefix (error->message, "sql/v1.sql: cannot read"));
}

/* ---- the statement type and speed ------------------------------------- */

static void
test_statement_boxed (void)
{
  g_autoptr(UpgSqlStatement) st = upg_sql_statement_new ("SELECT 1", "a.sql", 3, 2, "db", NULL);
  UpgSqlStatement *copy = g_boxed_copy (UPG_TYPE_SQL_STATEMENT, st);

  g_assert_true (copy == st);
  g_assert_cmpstr (upg_sql_statement_get_database (copy), ==, "db");
  g_assert_null (upg_sql_statement_get_delimiter (copy));
  g_assert_cmpuint (upg_sql_statement_get_line (copy), ==, 3);
  g_assert_cmpuint (upg_sql_statement_get_sequence (copy), ==, 2);
  g_assert_cmpstr (upg_sql_statement_get_sha256 (copy), ==,
                   "e004ebd5b5532a4b85984a62f8ad48a81aa3460c1ca07701f386135d72cdecf5");
  g_boxed_free (UPG_TYPE_SQL_STATEMENT, copy);
}

static void
test_ten_thousand_statements (void)
{
  const UpgDialect dialects[] = { MY, PG, LITE };
  g_autoptr(GString) script = g_string_new (NULL);

  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (script,
                            "-- statement %u\nINSERT INTO t (id, note) VALUES (%u, 'n;%u');\n",
                            i, i, i);
  for (guint i = 0; i < G_N_ELEMENTS (dialects); i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GPtrArray) s = split_ok (script->str, dialects[i]);
      gint64 elapsed = g_get_monotonic_time () - start;

      g_test_message ("dialect %d: 10000 statements (%" G_GSIZE_FORMAT " bytes) in %.2f ms",
                      dialects[i], script->len, elapsed / 1000.0);
      g_assert_cmpuint (s->len, ==, 10000);
      assert_statement (s, 9999, 20000,
                        "INSERT INTO t (id, note) VALUES (9999, 'n;9999')", ";");
    }
}

static void
add_file_tests (void)
{
  g_test_add_func ("/sql-splitter/files/expected-counts", test_expected_counts);
  g_test_add_func ("/sql-splitter/files/spot-checks", test_spot_checks);
  g_test_add_func ("/sql-splitter/files/unreadable", test_unreadable_file);
  g_test_add_func ("/sql-splitter/statement/boxed", test_statement_boxed);
  g_test_add_func ("/sql-splitter/ten-thousand-statements", test_ten_thousand_statements);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sql-splitter/basic", test_basic);
  g_test_add_func ("/sql-splitter/trailing-statement", test_trailing_statement);
  g_test_add_func ("/sql-splitter/block-comment-semicolon", test_block_comment_semicolon);
  g_test_add_func ("/sql-splitter/unicode", test_unicode);
  g_test_add_func ("/sql-splitter/byte-order-mark", test_byte_order_mark);
  g_test_add_func ("/sql-splitter/database-routing", test_database_routing);
  g_test_add_func ("/sql-splitter/errors/unterminated", test_errors);
  g_test_add_func ("/sql-splitter/errors/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/sql-splitter/errors/embedded-nul", test_embedded_nul);
  g_test_add_func ("/sql-splitter/mysql/comments", test_mysql_comments);
  g_test_add_func ("/sql-splitter/mysql/quotes", test_mysql_quotes);
  g_test_add_func ("/sql-splitter/mysql/delimiter", test_mysql_delimiter);
  g_test_add_func ("/sql-splitter/mysql/delimiter-errors", test_mysql_delimiter_errors);
  g_test_add_func ("/sql-splitter/mysql/crlf", test_crlf);
  g_test_add_func ("/sql-splitter/mysql/executable-comments", test_mysql_executable_comments);
  g_test_add_func ("/sql-splitter/mysql/go", test_mysql_go);
  g_test_add_func ("/sql-splitter/mysql/sandbox", test_mysql_sandbox);
  g_test_add_func ("/sql-splitter/postgresql/dollar-quotes", test_pg_dollar_quotes);
  g_test_add_func ("/sql-splitter/postgresql/strings", test_pg_strings);
  g_test_add_func ("/sql-splitter/postgresql/nesting", test_pg_nesting);
  g_test_add_func ("/sql-splitter/postgresql/meta-commands", test_pg_meta_commands);
  g_test_add_func ("/sql-splitter/postgresql/restrict", test_pg_restrict);
  g_test_add_func ("/sql-splitter/postgresql/copy-from-stdin", test_pg_copy_from_stdin);
  g_test_add_func ("/sql-splitter/sqlite/triggers", test_sqlite_triggers);
  g_test_add_func ("/sql-splitter/sqlite/shell-lines", test_sqlite_shell_lines);
  add_file_tests ();

  return g_test_run ();
}
