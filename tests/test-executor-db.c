/* test-executor-db.c - the execution engine on real MariaDB and PostgreSQL:
 * breakpoints, continuing, procedural bodies, crash points, statements in
 * doubt and statements that cannot run in a transaction
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <sys/wait.h>

#include "db-site.h"
#include "upg-exit-code.h"
#include "upg-journal-write-private.h"

#define FROM "3.17.0"
#define TO "3.17.5"

static Db databases[] = DB_TARGETS_INIT;

/* Writes sql/001.sql (schema) and sql/002.sql (data, optionally with a
 * statement on a missing table at line 4, sequence 3) and the manifest. */
static void
write_counter_bundle (DbSite   *site,
                      gboolean  failing)
{
  const char *t = site->table;
  g_autofree char *schema = g_strdup_printf ("CREATE TABLE %s (n INTEGER);\n"
                                             "INSERT INTO %s VALUES (1);\n"
                                             "INSERT INTO %s VALUES (2);\n", t, t, t);
  g_autofree char *missing = g_strdup_printf ("-- needs a table created by hand\n"
                                              "INSERT INTO missing_%s VALUES (1);\n", t);
  g_autofree char *data = g_strdup_printf ("INSERT INTO %s VALUES (3);\n"
                                           "UPDATE %s SET n = n + 100 WHERE n = 3;\n"
                                           "%s"
                                           "INSERT INTO %s VALUES (4);\n", t, t, failing ? missing : "", t);

  exec_fixture_write (&site->fx, "bundle/sql/001.sql", schema);
  exec_fixture_write (&site->fx, "bundle/sql/002.sql", data);
  exec_fixture_write_manifest (&site->fx, TO,
                               "\"in_stop\": ["
                               " {\"id\": \"s1\", \"database\": \"db\", \"sql_scripts\": [\"sql/001.sql\"]},"
                               " {\"id\": \"s2\", \"database\": \"db\", \"sql_scripts\": [\"sql/002.sql\"]}]",
                               NULL);
}

/* One SQL step @id running @script (as sql/<id>.sql), with @extra step
 * members (e.g. `"timeout": 1, `) if any. */
static void
write_one_step (DbSite     *site,
                const char *id,
                const char *extra,
                const char *script)
{
  g_autofree char *relative = g_strdup_printf ("bundle/sql/%s.sql", id);
  g_autofree char *steps = g_strdup_printf ("\"in_stop\": [{\"id\": \"%s\", \"database\": \"db\", %s"
                                            "\"sql_scripts\": [\"sql/%s.sql\"]}]", id, extra, id);

  exec_fixture_write (&site->fx, relative, script);
  exec_fixture_write_manifest (&site->fx, TO, steps, NULL);
}

static void
assert_counter (DbSite     *site,
                const char *count,
                const char *sum)
{
  g_autofree char *sql_count = g_strdup_printf ("SELECT COUNT(*) FROM %s", site->table);
  g_autofree char *sql_sum = g_strdup_printf ("SELECT SUM(n) FROM %s", site->table);
  g_autofree char *got_count = exec_query_text (site->target, sql_count);
  g_autofree char *got_sum = exec_query_text (site->target, sql_sum);

  g_assert_cmpstr (got_count, ==, count);
  g_assert_cmpstr (got_sum, ==, sum);
}

static void
test_fail_and_continue (gconstpointer data)
{
  Db *db = (Db *) data;
  DbSite site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autoptr(UpgExecution) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *create = NULL;

  db_site_init (&site, db, "db-1");
  write_counter_bundle (&site, TRUE);
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &failed, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_cmpstr (upg_breakpoint_get_file (upg_execution_get_breakpoint (failed)), ==, "sql/002.sql");
  g_assert_cmpuint (upg_breakpoint_get_line (upg_execution_get_breakpoint (failed)), ==, 4);
  g_assert_cmpuint (upg_breakpoint_get_sequence (upg_execution_get_breakpoint (failed)), ==, 3);
  g_assert_cmpstr (upg_breakpoint_get_error_code (upg_execution_get_breakpoint (failed)), ==,
                   db->kind == UPG_TEST_SERVER_MARIADB ? "1146" : "42P01");
  g_assert_nonnull (strstr (error->message, "missing_"));
  assert_counter (&site, "3", "106");
  g_clear_error (&error);

  create = g_strdup_printf ("CREATE TABLE missing_%s (x INTEGER)", site.table);
  exec_execute (site.target, create);
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &again, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (upg_execution_get_id (again), ==, upg_execution_get_id (failed));
  assert_counter (&site, "4", "110");
  db_site_clear (&site);
}

static void
test_procedural (gconstpointer data)
{
  Db *db = (Db *) data;
  DbSite site;
  g_autoptr(GError) error = NULL;
  g_autofree char *script = NULL;
  g_autofree char *check = NULL;
  g_autofree char *value = NULL;
  const char *t;

  db_site_init (&site, db, "db-1");
  t = site.table;
  if (db->kind == UPG_TEST_SERVER_POSTGRESQL)
    script = g_strdup_printf (
      "CREATE TABLE %s (n INTEGER);\n"
      "CREATE FUNCTION f_%s(x integer) RETURNS integer AS $$\n"
      "BEGIN\n  RETURN x * 2; -- a ; inside the body\nEND;\n$$ LANGUAGE plpgsql;\n"
      "DO $body$\nBEGIN\n  INSERT INTO %s VALUES (f_%s(21));\nEND\n$body$;\n", t, t, t, t);
  else
    script = g_strdup_printf (
      "CREATE TABLE %s (n INTEGER);\n"
      "DELIMITER //\n"
      "CREATE PROCEDURE p_%s(IN x INTEGER)\nBEGIN\n  INSERT INTO %s VALUES (x * 2);\nEND//\n"
      "DELIMITER ;\n"
      "CALL p_%s(21);\n", t, t, t, t);
  write_one_step (&site, "proc", "", script);
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_no_error (error);
  check = g_strdup_printf ("SELECT n FROM %s", t);
  value = exec_query_text (site.target, check);
  g_assert_cmpstr (value, ==, "42");
  db_site_clear (&site);
}

static int
cli_run (DbSite     *site,
         const char *hook,
         char      **out)
{
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", hook, NULL };

  return exec_fixture_cli (&site->fx, hook != NULL ? env : NULL, out, "--json", "run", "--confirm", "--from", FROM, "--to", TO,
                           "--stage", "in_stop", NULL);
}

/* DML (and PostgreSQL DDL) commits with its marker: whatever the crash
 * point, running again applies every statement exactly once. */
static void
test_crash_points (gconstpointer data)
{
  static const char *points[] = { "before-send", "after-execute-before-commit", "after-commit-before-journal" };
  Db *db = (Db *) data;

  for (guint p = 0; p < G_N_ELEMENTS (points); p++)
    for (guint n = 4; n <= 5; n++)
      {
        DbSite site;
        g_autofree char *hook = g_strdup_printf ("%u:%s", n, points[p]);

        db_site_init (&site, db, "db-1");
        write_counter_bundle (&site, FALSE);
        g_assert_true (exec_fixture_cli_killed (cli_run (&site, hook, NULL)));
        g_assert_cmpint (exec_exit_code (cli_run (&site, NULL, NULL)), ==, 0);
        assert_counter (&site, "4", "110");
        db_site_clear (&site);
      }
}

/* MariaDB DDL commits implicitly: a crash around it leaves it in doubt
 * (exit 5) until the operator, having looked at the database, chooses
 * --skip (it happened) or --retry (it did not). */
static void
test_mariadb_ddl_in_doubt (gconstpointer data)
{
  static const struct { const char *point; gboolean applied; } cases[] = {
    { "after-execute-before-commit", TRUE },
    { "before-send", FALSE },
  };
  Db *db = (Db *) data;

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      DbSite site;
      g_autofree char *hook = g_strdup_printf ("1:%s", cases[c].point);
      g_autofree char *out = NULL;
      g_autofree char *exists_sql = NULL;
      g_autofree char *exists = NULL;
      g_autoptr(JsonObject) doc = NULL;
      JsonObject *bp;
      const char *id;
      int status;

      db_site_init (&site, db, "db-1");
      write_counter_bundle (&site, FALSE);
      g_assert_true (exec_fixture_cli_killed (cli_run (&site, hook, NULL)));
      status = cli_run (&site, NULL, &out);
      g_assert_cmpint (exec_exit_code (status), ==, 5);
      doc = exec_parse_json_object (out);
      g_assert_cmpstr (json_object_get_string_member (doc, "status"), ==, "IN_DOUBT");
      bp = json_object_get_object_member (doc, "breakpoint");
      g_assert_cmpstr (json_object_get_string_member (bp, "file"), ==, "sql/001.sql");
      g_assert_cmpint (json_object_get_int_member (bp, "sequence"), ==, 1);
      id = json_object_get_string_member (doc, "execution_id");
      /* The same text reaches HTTP clients, which have no --retry. */
      g_assert_nonnull (strstr (json_object_get_string_member (doc, "message"),
                                "then resume with the action retry or skip"));
      g_assert_null (strstr (json_object_get_string_member (doc, "message"), "--retry"));

      /* Like an operator: look at the database, then decide. */
      exists_sql = g_strdup_printf ("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '%s'",
                                    site.table);
      exists = exec_query_text (site.target, exists_sql);
      g_assert_cmpstr (exists, ==, cases[c].applied ? "1" : "0");
      status = exec_fixture_cli (&site.fx, NULL, NULL, "resume", id, cases[c].applied ? "--skip" : "--retry", NULL);
      g_assert_cmpint (exec_exit_code (status), ==, 0);
      assert_counter (&site, "4", "110");
      db_site_clear (&site);
    }
}

/* After the DDL and its marker committed, nothing is in doubt. */
static void
test_mariadb_ddl_marker (gconstpointer data)
{
  Db *db = (Db *) data;
  DbSite site;

  db_site_init (&site, db, "db-1");
  write_counter_bundle (&site, FALSE);
  g_assert_true (exec_fixture_cli_killed (cli_run (&site, "1:after-commit-before-journal", NULL)));
  g_assert_cmpint (exec_exit_code (cli_run (&site, NULL, NULL)), ==, 0);
  assert_counter (&site, "4", "110");
  db_site_clear (&site);
}

/* Statements PostgreSQL refuses in a transaction block: known ones run on
 * their own; others are retried on their own after SQLSTATE 25001. */
static void
test_pg_outside_transaction (gconstpointer data)
{
  Db *db = (Db *) data;
  DbSite site;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgExecution) execution = NULL;
  g_autofree char *script = NULL;
  g_autofree char *check = NULL;
  g_autofree char *value = NULL;
  g_autofree char *reindex = NULL;

  db_site_init (&site, db, "db-1");
  script = g_strdup_printf ("CREATE TABLE %s (n INTEGER);\n"
                            "CREATE INDEX CONCURRENTLY i_%s ON %s (n);\n"
                            "REINDEX TABLE CONCURRENTLY %s;\n"
                            "REINDEX DATABASE %s;\n", site.table, site.table, site.table, site.table,
                            upg_test_server_get_database (db->server));
  write_one_step (&site, "idx", "", script);
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_no_error (error);
  check = g_strdup_printf ("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'i_%s'", site.table);
  value = exec_query_text (site.target, check);
  g_assert_cmpstr (value, ==, "1");

  /* REINDEX DATABASE was refused in the transaction (journaled with its
   * SQLSTATE) and then ran on its own. */
  reindex = exec_journal_statuses (&site.fx, upg_execution_get_id (execution), 4);
  g_assert_cmpstr (reindex, ==, "FAILED/25001 SUCCESS/- ");
  db_site_clear (&site);
}

/* A step's timeout limits each statement; past it the server cancels the
 * statement and the step fails at a breakpoint. */
static void
test_statement_timeout (gconstpointer data)
{
  Db *db = (Db *) data;
  DbSite site;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgExecution) execution = NULL;

  db_site_init (&site, db, "db-1");
  write_one_step (&site, "slow", "\"timeout\": 1, ",
                  db->kind == UPG_TEST_SERVER_POSTGRESQL ? "SELECT pg_sleep(30);\n" : "SELECT SLEEP(30);\n");
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_cmpstr (upg_breakpoint_get_step_id (upg_execution_get_breakpoint (execution)), ==, "slow");
  g_assert_cmpuint (upg_breakpoint_get_sequence (upg_execution_get_breakpoint (execution)), ==, 1);
  db_site_clear (&site);
}

/* A session variable set before a crash is set again when the run
 * continues: the statements after it see it. */
static void
test_mariadb_session_after_crash (gconstpointer data)
{
  Db *db = (Db *) data;
  DbSite site;
  g_autofree char *script = NULL;
  g_autofree char *check = NULL;
  g_autofree char *value = NULL;

  db_site_init (&site, db, "db-1");
  script = g_strdup_printf ("CREATE TABLE %s (n INTEGER);\n"
                            "SET @answer = 42;\n"
                            "INSERT INTO %s VALUES (@answer);\n", site.table, site.table);
  write_one_step (&site, "session", "", script);
  g_assert_true (exec_fixture_cli_killed (cli_run (&site, "3:before-send", NULL)));
  g_assert_cmpint (exec_exit_code (cli_run (&site, NULL, NULL)), ==, 0);
  check = g_strdup_printf ("SELECT n FROM %s", site.table);
  value = exec_query_text (site.target, check);
  g_assert_cmpstr (value, ==, "42");
  db_site_clear (&site);
}

/* The journal can live on the server too (the configuration's "journal"):
 * the CLI runs, fails, and continues with it there. */
static void
test_journal_on_server (gconstpointer data)
{
  Db *db = (Db *) data;
  DbSite site;
  g_autofree char *sources = NULL;
  g_autofree char *journal = NULL;
  g_autofree char *create = NULL;
  g_autofree char *count = NULL;
  g_autofree char *local = NULL;

  db_site_init (&site, db, "db-1");
  sources = g_strdup_printf ("\"db\": %s", db->source_json);
  journal = g_strdup_printf ("\"journal\": %s", db->source_json);
  exec_fixture_write_config_extra (&site.fx, "journal-site", sources, journal);
  write_counter_bundle (&site, TRUE);

  g_assert_cmpint (exec_exit_code (cli_run (&site, NULL, NULL)), ==, 1);
  create = g_strdup_printf ("CREATE TABLE missing_%s (x INTEGER)", site.table);
  exec_execute (site.target, create);
  g_assert_cmpint (exec_exit_code (cli_run (&site, NULL, NULL)), ==, 0);
  assert_counter (&site, "4", "110");

  count = exec_query_text (site.target, "SELECT COUNT(*) FROM upgrade_execution WHERE site_id = 'journal-site'"
                                        " AND status = 'SUCCESS' AND resume_count = 1");
  g_assert_cmpstr (count, ==, "1");
  local = g_build_filename (site.fx.state, "journal.db", NULL);
  g_assert_false (g_file_test (local, G_FILE_TEST_EXISTS));
  exec_execute (site.target, "DELETE FROM upgrade_execution WHERE site_id = 'journal-site'");
  db_site_clear (&site);
}

/* A statement whose connection dies under it (here it terminates its own
 * backend): the engine reconnects, finds no marker (the transaction died
 * with the connection), and retries it 3 times with back-off before the
 * step fails at a breakpoint; nothing was applied twice. */
static void
test_pg_connection_lost (gconstpointer data)
{
  Db *db = (Db *) data;
  DbSite site;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgExecution) execution = NULL;
  g_autofree char *script = NULL;
  g_autofree char *statuses = NULL;

  db_site_init (&site, db, "db-1");
  script = g_strdup_printf ("CREATE TABLE %s (n INTEGER);\n"
                            "INSERT INTO %s VALUES (1);\n"
                            "SELECT pg_terminate_backend(pg_backend_pid());\n", site.table, site.table);
  write_one_step (&site, "lost", "", script);
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_cmpuint (upg_breakpoint_get_sequence (upg_execution_get_breakpoint (execution)), ==, 3);
  statuses = exec_journal_statuses (&site.fx, upg_execution_get_id (execution), 3);
  g_assert_cmpstr (statuses, ==, "FAILED/- FAILED/- FAILED/- FAILED/- ");
  assert_counter (&site, "1", "1");
  db_site_clear (&site);
}

/* MariaDB: a statement that commits on its own loses its connection (it
 * kills it): whether it took effect cannot be known, so the run stops in
 * doubt; --skip goes on after it. */
static void
test_mariadb_connection_lost (gconstpointer data)
{
  Db *db = (Db *) data;
  DbSite site;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(UpgExecution) resumed = NULL;
  g_autofree char *script = NULL;

  db_site_init (&site, db, "db-1");
  script = g_strdup_printf ("CREATE TABLE %s (n INTEGER);\n"
                            "INSERT INTO %s VALUES (1);\n"
                            "KILL CONNECTION_ID();\n"
                            "INSERT INTO %s VALUES (2);\n", site.table, site.table, site.table);
  write_one_step (&site, "lost", "", script);
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_IN_DOUBT);
  g_assert_cmpint (upg_exit_code_for_error (error), ==, 5);
  g_assert_cmpint (upg_execution_get_status (execution), ==, UPG_EXECUTION_STATUS_IN_DOUBT);
  g_assert_cmpuint (upg_breakpoint_get_sequence (upg_execution_get_breakpoint (execution)), ==, 3);
  g_clear_error (&error);

  g_assert_true (exec_fixture_resume (&site.fx, upg_execution_get_id (execution), UPG_RESUME_ACTION_SKIP,
                                      &resumed, &error));
  g_assert_no_error (error);
  assert_counter (&site, "2", "3");
  db_site_clear (&site);
}

/* The columns @site's table has (0: it does not exist). */
static gint64
table_columns (DbSite *site)
{
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM information_schema.columns"
                                          " WHERE table_name = '%s'", site->table);
  g_autofree char *count = exec_query_text (site->target, sql);

  return g_ascii_strtoll (count, NULL, 10);
}

/* How many statements of @execution_id still have a marker in the target. */
static guint
markers_left (DbSite     *site,
              const char *execution_id)
{
  g_autofree char *path = g_build_filename (site->fx.state, "journal.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (path, &error);
  g_autoptr(JsonArray) records = upg_journal_list_statements (journal, execution_id, &error);
  guint left = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (records), >, 0);
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *record = json_array_get_object_element (records, i);
      g_autofree char *marker = exec_record_marker ("db-1", record);
      gboolean found = FALSE;

      g_assert_true (upg_journal_has_marker (site->target, marker, &found, &error));
      g_assert_no_error (error);
      left += found ? 1 : 0;
    }
  return left;
}

/* run → rollback → run: the rollback (DDL: autocommit on MariaDB,
 * transactional on PostgreSQL) removes the run's markers, and the second
 * run executes every step again and ends on the upgraded schema. */
static void
test_rollback_then_run (gconstpointer data)
{
  DbSite site;
  g_autoptr(UpgExecution) first = NULL;
  g_autoptr(UpgExecution) back = NULL;
  g_autoptr(UpgExecution) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *s1 = NULL, *s2 = NULL, *r1 = NULL, *r2 = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *sum_sql = NULL;

  db_site_init (&site, (Db *) data, "db-1");
  s1 = g_strdup_printf ("CREATE TABLE %s (n INTEGER);\nINSERT INTO %s VALUES (1);\n", site.table, site.table);
  s2 = g_strdup_printf ("ALTER TABLE %s ADD COLUMN note VARCHAR(20);\n"
                        "UPDATE %s SET n = n + 10;\n", site.table, site.table);
  r2 = g_strdup_printf ("ALTER TABLE %s DROP COLUMN note;\n", site.table);
  r1 = g_strdup_printf ("DROP TABLE %s;\n", site.table);
  exec_fixture_write (&site.fx, "bundle/sql/s1.sql", s1);
  exec_fixture_write (&site.fx, "bundle/sql/s2.sql", s2);
  exec_fixture_write (&site.fx, "bundle/sql/r1.sql", r1);
  exec_fixture_write (&site.fx, "bundle/sql/r2.sql", r2);
  exec_fixture_write_manifest (&site.fx, TO,
                               "\"in_stop\": ["
                               " {\"id\": \"s1\", \"database\": \"db\", \"sql_scripts\": [\"sql/s1.sql\"]},"
                               " {\"id\": \"s2\", \"database\": \"db\", \"sql_scripts\": [\"sql/s2.sql\"]}]",
                               "\"in_stop\": ["
                               " {\"id\": \"r1\", \"database\": \"db\", \"sql_scripts\": [\"sql/r1.sql\"]},"
                               " {\"id\": \"r2\", \"database\": \"db\", \"sql_scripts\": [\"sql/r2.sql\"]}]");

  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &first, &error));
  g_assert_no_error (error);
  g_assert_cmpint (table_columns (&site), ==, 2);
  g_assert_cmpuint (markers_left (&site, upg_execution_get_id (first)), ==, 4);

  g_assert_true (exec_fixture_rollback (&site.fx, FROM, TO, "in_stop", &back, &error));
  g_assert_no_error (error);
  g_assert_cmpint (table_columns (&site), ==, 0);
  g_assert_cmpuint (markers_left (&site, upg_execution_get_id (first)), ==, 0);

  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &again, &error));
  g_assert_no_error (error);
  exec_assert_steps (again, "s1=SUCCESS s2=SUCCESS");
  g_assert_cmpint (table_columns (&site), ==, 2);
  sum_sql = g_strdup_printf ("SELECT SUM(n) FROM %s", site.table);
  sum = exec_query_text (site.target, sum_sql);
  g_assert_cmpstr (sum, ==, "11");
  g_assert_cmpuint (markers_left (&site, upg_execution_get_id (back)), ==, 0);
  db_site_clear (&site);
}

static void
add_test (Db            *db,
          const char    *name,
          GTestDataFunc  func)
{
  db_add_test (db, "executor-db", name, func);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    {
      Db *db = &databases[i];

      db_start (db);
      add_test (db, "fail-and-continue", test_fail_and_continue);
      add_test (db, "procedural", test_procedural);
      add_test (db, "crash-points", test_crash_points);
      add_test (db, "statement-timeout", test_statement_timeout);
      add_test (db, "journal-on-server", test_journal_on_server);
      add_test (db, "rollback-then-run", test_rollback_then_run);
      if (db->kind == UPG_TEST_SERVER_MARIADB)
        {
          add_test (db, "ddl-in-doubt", test_mariadb_ddl_in_doubt);
          add_test (db, "ddl-marker", test_mariadb_ddl_marker);
          add_test (db, "session-after-crash", test_mariadb_session_after_crash);
          add_test (db, "connection-lost", test_mariadb_connection_lost);
        }
      else
        {
          add_test (db, "outside-transaction", test_pg_outside_transaction);
          add_test (db, "connection-lost", test_pg_connection_lost);
        }
    }

  status = g_test_run ();

  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    db_stop (&databases[i]);
  return status;
}
