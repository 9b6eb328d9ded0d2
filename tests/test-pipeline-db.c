/* test-pipeline-db.c - a statement sent with its BEGIN, marker and COMMIT in
 * one request (upg-transaction-pipeline.c) on real MariaDB and PostgreSQL:
 * what commits, which part a failure is blamed on, and that the server's
 * own error comes back as it does for the statement sent alone
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "db-site.h"

#define FROM "3.17.0"
#define TO "3.17.5"

static Db databases[] = DB_TARGETS_INIT;

typedef DbSite Site;

/* A site whose step "s" runs @script (sql/s.sql) on the server; "@T" in
 * @script stands for the site's table. */
static void
site_init (Site       *site,
           Db         *db,
           const char *script)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *text = NULL;

  db_site_init (site, db, "pipeline-1");
  parts = g_strsplit (script, "@T", -1);
  text = g_strjoinv (site->table, parts);
  exec_fixture_write (&site->fx, "bundle/sql/s.sql", text);
  exec_fixture_write_manifest (&site->fx, TO,
                               "\"in_stop\": [{\"id\": \"s\", \"database\": \"db\", \"sql_scripts\": [\"sql/s.sql\"]}]",
                               NULL);
}

static void
ensure_marker_table (Site *site)
{
  exec_execute (site->target, "CREATE TABLE IF NOT EXISTS upgrade_statement_marker "
                              "(record_id VARCHAR(64) NOT NULL PRIMARY KEY, created_at BIGINT NOT NULL)");
}

/* Runs the site's step, which must succeed; returns how many markers it
 * left in the target. */
static gint64
run_counting_markers (Site          *site,
                      UpgExecution **execution)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  ensure_marker_table (site);
  before = db_site_query (site, "SELECT COUNT(*) FROM upgrade_statement_marker");
  g_assert_true (exec_fixture_run (&site->fx, FROM, TO, "in_stop", execution, &error));
  g_assert_no_error (error);
  after = db_site_query (site, "SELECT COUNT(*) FROM upgrade_statement_marker");
  return g_ascii_strtoll (after, NULL, 10) - g_ascii_strtoll (before, NULL, 10);
}

/* Every statement commits with its marker; the last one ends in a line
 * comment and has no `;`: were the marker appended on that line, the
 * comment would swallow it and the COMMIT. */
static void
test_commits_with_marker (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) execution = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *sum = NULL;
  gint64 markers;

  site_init (&site, (Db *) data,
             "CREATE TABLE @T (id INTEGER PRIMARY KEY, n INTEGER);\n"
             "INSERT INTO @T VALUES (1, 10);\n"
             "/* a block comment; with a semicolon */ INSERT INTO @T VALUES (2, 20);\n"
             "UPDATE @T SET n = n + 1 -- a comment; with a semicolon\n"
             "  WHERE id = 1;\n"
             "INSERT INTO @T VALUES (3, 30) -- the last line, no semicolon");
  markers = run_counting_markers (&site, &execution);
  rows = db_site_query (&site, "SELECT COUNT(*) FROM %s", site.table);
  sum = db_site_query (&site, "SELECT SUM(n) FROM %s", site.table);
  g_assert_cmpstr (rows, ==, "3");
  g_assert_cmpstr (sum, ==, "61");
  /* One per statement (MariaDB's CREATE TABLE writes its own after it). */
  g_assert_cmpint (markers, ==, 5);
  db_site_clear (&site);
}

/* What the statements before the failed one (line 4) left is complete:
 * the record, the log line (in order) and the progress of each. The last
 * success is completed while the failing request is on its way. */
static void
assert_complete_before_failure (Site         *site,
                                UpgExecution *failed,
                                const char   *code)
{
  g_autofree char *statuses = exec_journal_statuses (&site->fx, upg_execution_get_id (failed), 0);
  g_autofree char *expected = g_strdup_printf ("SUCCESS/- SUCCESS/- SUCCESS/- FAILED/%s ", code);
  g_autofree char *log_path = g_strdup_printf ("%s/logs/%s.log", site->fx.state, upg_execution_get_id (failed));
  g_autofree char *log = NULL;
  const char *at;

  g_assert_cmpstr (statuses, ==, expected);
  g_assert_cmpuint (upg_execution_get_statements_done (failed), ==, 3);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  at = log;
  for (guint line = 1; line <= 4; line++)
    {
      g_autofree char *position = g_strdup_printf ("] s.sql:%u db %s ", line, line < 4 ? "SUCCESS" : "FAILED");

      at = strstr (at, position);
      g_assert_nonnull (at);
    }
}

/* A statement that fails: the server's code and message, nothing of it or
 * of its marker committed, and the run continues there once fixed. */
static void
test_statement_fails (gconstpointer data)
{
  Db *db = (Db *) data;
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autoptr(UpgExecution) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *sum = NULL;

  site_init (&site, db,
             "CREATE TABLE @T (id INTEGER PRIMARY KEY, n INTEGER);\n"
             "INSERT INTO @T VALUES (1, 10);\n"
             "UPDATE @T SET n = n + 1 WHERE id = 1;\n"
             "INSERT INTO @T VALUES (2, 20), (1, 99);\n");
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &failed, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_cmpuint (upg_breakpoint_get_line (upg_execution_get_breakpoint (failed)), ==, 4);
  g_assert_cmpstr (upg_breakpoint_get_error_code (upg_execution_get_breakpoint (failed)), ==,
                   db->kind == UPG_TEST_SERVER_MARIADB ? "1062" : "23505");
  g_assert_null (strstr (error->message, "marker"));
  rows = db_site_query (&site, "SELECT COUNT(*) FROM %s", site.table);
  g_assert_cmpstr (rows, ==, "1");
  g_clear_error (&error);
  assert_complete_before_failure (&site, failed, db->kind == UPG_TEST_SERVER_MARIADB ? "1062" : "23505");

  /* Fixed by hand: the run goes on at the failed statement only. */
  {
    g_autofree char *fix = g_strdup_printf ("UPDATE %s SET id = 100 WHERE id = 1", site.table);

    exec_execute (site.target, fix);
  }
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &again, &error));
  g_assert_no_error (error);
  g_clear_pointer (&rows, g_free);
  rows = db_site_query (&site, "SELECT COUNT(*) FROM %s", site.table);
  sum = db_site_query (&site, "SELECT SUM(n) FROM %s", site.table);
  g_assert_cmpstr (rows, ==, "3");
  g_assert_cmpstr (sum, ==, "130");
  db_site_clear (&site);
}

/* A syntax error: in one request the server would quote (MariaDB) or
 * place (PostgreSQL) the error in the whole text; the operator must see
 * what the statement alone gives, as with the native client. */
static void
test_syntax_error (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) alone = NULL;
  g_autofree char *sql = NULL;

  site_init (&site, (Db *) data,
             "CREATE TABLE @T (id INTEGER PRIMARY KEY, n INTEGER);\n"
             "INSERT INTO @T VALUES;\n");
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &failed, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);

  sql = g_strdup_printf ("INSERT INTO %s VALUES", site.table);
  g_assert_false (upg_connection_execute (site.target, sql, NULL, NULL, &alone));
  g_assert_nonnull (strstr (error->message, alone->message));
  g_assert_null (strstr (error->message, "upgrade_statement_marker"));
  g_assert_null (strstr (error->message, "COMMIT"));
  db_site_clear (&site);
}

static void
refuse_markers (Site     *site,
                Db       *db,
                gboolean  refuse)
{
  ensure_marker_table (site);
  if (db->kind == UPG_TEST_SERVER_MARIADB)
    exec_execute (site->target, refuse ? "CREATE TRIGGER refuse_marker BEFORE INSERT ON upgrade_statement_marker "
                                         "FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'marker refused'"
                                       : "DROP TRIGGER refuse_marker");
  else if (refuse)
    {
      exec_execute (site->target, "CREATE FUNCTION refuse_marker() RETURNS trigger AS $$ "
                                  "BEGIN RAISE EXCEPTION 'marker refused'; END $$ LANGUAGE plpgsql");
      exec_execute (site->target, "CREATE TRIGGER refuse_marker BEFORE INSERT ON upgrade_statement_marker "
                                  "FOR EACH ROW EXECUTE FUNCTION refuse_marker()");
    }
  else
    exec_execute (site->target, "DROP FUNCTION refuse_marker() CASCADE");
}

/* The marker's INSERT fails (a trigger refuses it): the statement's effect
 * is rolled back with it, and the error says it was the marker. */
static void
test_marker_fails (gconstpointer data)
{
  Db *db = (Db *) data;
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *create = NULL;
  g_autofree char *rows = NULL;

  site_init (&site, db, "INSERT INTO @T VALUES (1, 10);\n");
  create = g_strdup_printf ("CREATE TABLE %s (id INTEGER PRIMARY KEY, n INTEGER)", site.table);
  exec_execute (site.target, create);
  refuse_markers (&site, db, TRUE);
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &failed, &error));
  refuse_markers (&site, db, FALSE);

  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_nonnull (strstr (error->message, "writing the statement's marker in 'db' failed"));
  g_assert_nonnull (strstr (error->message, "marker refused"));
  g_assert_cmpuint (upg_breakpoint_get_line (upg_execution_get_breakpoint (failed)), ==, 1);
  rows = db_site_query (&site, "SELECT COUNT(*) FROM %s", site.table);
  g_assert_cmpstr (rows, ==, "0");
  db_site_clear (&site);
}

/* MariaDB DDL commits on its own before its marker is written: the marker
 * failing does not undo it, so the statement succeeded (running it again
 * would fail), with a warning. */
static void
test_ddl_marker_fails (gconstpointer data)
{
  Db *db = (Db *) data;
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *log = NULL;
  g_autofree char *count = NULL;

  site_init (&site, db, "CREATE TABLE @T (id INTEGER);\nINSERT INTO @T VALUES (7);\n");
  refuse_markers (&site, db, TRUE);
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &failed, &error));
  refuse_markers (&site, db, FALSE);
  log_path = g_strdup_printf ("%s/logs/%s.log", site.fx.state, upg_execution_get_id (failed));
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_true (g_pattern_match_simple ("*sql/s.sql:1: the statement took effect, but its marker could not be "
                                         "written in 'db'*marker refused*", log));
  g_assert_cmpuint (upg_breakpoint_get_line (upg_execution_get_breakpoint (failed)), ==, 2);
  /* The INSERT after it stops the run: it commits with its marker. */
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_clear_error (&error);
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_no_error (error);
  count = db_site_query (&site, "SELECT COUNT(*) FROM %s", site.table);
  g_assert_cmpstr (count, ==, "1");
  db_site_clear (&site);
}

/* MariaDB: a DELIMITER block holding two statements runs both, as the
 * `mariadb` client runs them; it is not one atomic statement, so it is
 * journaled like DDL (in doubt after a crash), not pipelined. */
static void
test_delimiter_block (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ids = NULL;

  site_init (&site, (Db *) data,
             "CREATE TABLE @T (id INTEGER PRIMARY KEY);\n"
             "DELIMITER //\n"
             "INSERT INTO @T VALUES (1); INSERT INTO @T VALUES (2)//\n"
             "DELIMITER ;\n"
             "INSERT INTO @T VALUES (3);\n");
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_no_error (error);
  ids = db_site_query (&site, "SELECT GROUP_CONCAT(id ORDER BY id) FROM %s", site.table);
  g_assert_cmpstr (ids, ==, "1,2,3");
  db_site_clear (&site);
}

/* MariaDB: inside LOCK TABLES … UNLOCK TABLES (every mysqldump file) the
 * statements run on their own as the client runs them: no transaction
 * (starting one would release the locks) and no marker (the marker table
 * is not locked); outside the block they commit with their markers again. */
static void
test_lock_tables (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) execution = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *log = NULL;

  site_init (&site, (Db *) data,
             "CREATE TABLE @T (id INTEGER PRIMARY KEY) ENGINE=InnoDB;\n"
             "LOCK TABLES @T WRITE;\n"
             "/*!40000 ALTER TABLE @T DISABLE KEYS */;\n"
             "INSERT INTO @T VALUES (1);\n"
             "INSERT INTO @T VALUES (2);\n"
             "/*!40000 ALTER TABLE @T ENABLE KEYS */;\n"
             "UNLOCK TABLES;\n"
             "INSERT INTO @T VALUES (3);\n");
  /* CREATE TABLE and the last INSERT: nothing inside the block. */
  g_assert_cmpint (run_counting_markers (&site, &execution), ==, 2);
  ids = db_site_query (&site, "SELECT GROUP_CONCAT(id ORDER BY id) FROM %s", site.table);
  g_assert_cmpstr (ids, ==, "1,2,3");
  log_path = g_strdup_printf ("%s/logs/%s.log", site.fx.state, upg_execution_get_id (execution));
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_null (strstr (log, "marker could not be written"));
  db_site_clear (&site);
}

/* PostgreSQL: a script that empties search_path (as every pg_dump file
 * does) still commits each statement with its marker: the marker table is
 * named with the schema it was created in. */
static void
test_search_path_emptied (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) execution = NULL;
  g_autofree char *rows = NULL;

  site_init (&site, (Db *) data,
             "SELECT pg_catalog.set_config('search_path', '', false);\n"
             "CREATE TABLE public.@T (id integer PRIMARY KEY);\n"
             "INSERT INTO public.@T VALUES (1), (2);\n");
  g_assert_cmpint (run_counting_markers (&site, &execution), ==, 3);
  rows = db_site_query (&site, "SELECT COUNT(*) FROM %s", site.table);
  g_assert_cmpstr (rows, ==, "2");
  db_site_clear (&site);
}

static void
add_test (Db            *db,
          const char    *name,
          GTestDataFunc  func)
{
  db_add_test (db, "pipeline", name, func);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    {
      Db *db = &databases[i];

      db_start (db);
      add_test (db, "commits-with-marker", test_commits_with_marker);
      add_test (db, "statement-fails", test_statement_fails);
      add_test (db, "syntax-error", test_syntax_error);
      add_test (db, "marker-fails", test_marker_fails);
      if (db->kind == UPG_TEST_SERVER_MARIADB)
        {
          add_test (db, "delimiter-block", test_delimiter_block);
          add_test (db, "ddl-marker-fails", test_ddl_marker_fails);
          add_test (db, "lock-tables", test_lock_tables);
        }
      else
        add_test (db, "search-path-emptied", test_search_path_emptied);
    }

  status = g_test_run ();

  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    db_stop (&databases[i]);
  return status;
}
