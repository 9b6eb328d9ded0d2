/* test-step-verify.c - `verify` steps on real MariaDB, PostgreSQL and
 * SQLite databases: cross-database comparisons, values in the report, a
 * mismatch → breakpoint → fix → resume, a query with more than one value,
 * and upgradectl killed with SIGKILL in the middle of a verification
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <sys/wait.h>

#include "db-site.h"

#define FROM "3.17.0"
#define TO "3.17.5"

static Db databases[] = DB_TARGETS_INIT;

/* A site with "db" (the server) and "local" (a SQLite file): orders on
 * the server, their copy in SQLite, amounts in DECIMAL so that the
 * server prints "12.50" where SQLite prints 12.5. */
static void
site_init (DbSite     *site,
           Db         *db,
           guint       copied_rows)
{
  g_autofree char *sqlite = NULL, *sources = NULL, *local_path = NULL;

  db_site_init (site, db, "verify-site");
  sqlite = exec_fixture_sqlite_source (&site->fx, "local.db");
  sources = g_strdup_printf ("\"db\": %s, \"local\": %s", db->source_json, sqlite);
  exec_fixture_write_config (&site->fx, "verify-site", sources);
  db_site_execute (site, "CREATE TABLE %s (id INTEGER PRIMARY KEY, amount DECIMAL(10,2), region VARCHAR(8))",
                   site->table);
  db_site_execute (site, "INSERT INTO %s VALUES (1, 5.25, 'CN'), (2, 4.00, 'CN'), (3, 3.25, 'US')",
                   site->table);
  local_path = exec_fixture_path (&site->fx, "local.db");
  exec_sqlite_exec (local_path, "CREATE TABLE orders_copy (id INTEGER PRIMARY KEY, amount REAL)");
  for (guint i = 1; i <= copied_rows; i++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO orders_copy VALUES (%u, %s)", i,
                                              i == 1 ? "5.25" : i == 2 ? "4" : "3.25");
      exec_sqlite_exec (local_path, sql);
    }
}

/* One verify step comparing the server's orders with their SQLite copy:
 * count, sum, and a constant. */
static void
write_verify_manifest (DbSite *site)
{
  g_autofree char *steps = g_strdup_printf (
    "\"in_stop\": [{\"id\": \"v1\", \"compatible_version\": \"3.17.0\", \"verify\": ["
    " {\"database\": \"db\", \"sql\": \"SELECT COUNT(*) FROM %s\","
    "  \"equals\": {\"database\": \"local\", \"sql\": \"SELECT COUNT(*) FROM orders_copy\"}},"
    " {\"database\": \"db\", \"sql\": \"SELECT SUM(amount) FROM %s\","
    "  \"equals\": {\"database\": \"local\", \"sql\": \"SELECT SUM(amount) FROM orders_copy\"}},"
    " {\"database\": \"db\", \"sql\": \"SELECT COUNT(*) FROM %s WHERE region IS NULL\", \"expect\": 0}]}]",
    site->table, site->table, site->table);

  exec_fixture_write_manifest (&site->fx, TO, steps, NULL);
}

static char *
execution_id_of (const char *json_text)
{
  g_autoptr(JsonNode) node = json_from_string (json_text, NULL);

  g_assert_nonnull (node);
  return g_strdup (json_object_get_string_member (json_node_get_object (node), "execution_id"));
}

static void
test_success_report (gconstpointer data)
{
  DbSite site;
  g_autofree char *out = NULL, *report = NULL, *id = NULL;

  site_init (&site, (Db *) data, 3);
  write_verify_manifest (&site);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &out, "--json", "run", "--from", FROM,
                                                     "--to", TO, "--stage", "in_stop", NULL)), ==, 0);
  id = execution_id_of (out);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &report, "report", id, NULL)), ==, 0);
  /* The values verified are in the report, both sides of each check. */
  g_assert_nonnull (strstr (report, "[SUCCESS] v1"));
  g_assert_nonnull (strstr (report, "verify[0] db '3' = local '3'"));
  g_assert_nonnull (strstr (report, "verify[1] db '12.50' = local '12.5'"));
  g_assert_nonnull (strstr (report, "verify[2] db '0' = 0"));
  db_site_clear (&site);
}

/* The copy lacks a row: the step fails with both values at its
 * breakpoint; after the fix, resume --retry passes. */
static void
test_mismatch_resume (gconstpointer data)
{
  DbSite site;
  g_autofree char *out = NULL, *resumed = NULL, *id = NULL, *local_path = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *bp;

  site_init (&site, (Db *) data, 2);
  write_verify_manifest (&site);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &out, "--json", "run", "--from", FROM,
                                                     "--to", TO, "--stage", "in_stop", NULL)), ==, 1);
  node = json_from_string (out, NULL);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "status"), ==, "FAILED");
  bp = json_object_get_object_member (json_node_get_object (node), "breakpoint");
  g_assert_nonnull (bp);
  g_assert_cmpstr (json_object_get_string_member (bp, "step_id"), ==, "v1");
  g_assert_nonnull (strstr (json_object_get_string_member (bp, "error"), "is '3' but SELECT COUNT(*) FROM orders_copy "
                                                                          "on 'local' is '2'"));
  id = execution_id_of (out);

  local_path = exec_fixture_path (&site.fx, "local.db");
  exec_sqlite_exec (local_path, "INSERT INTO orders_copy VALUES (3, 3.25)");
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &resumed, "--json", "resume", id, "--retry",
                                                     NULL)), ==, 0);
  g_assert_nonnull (strstr (resumed, "\"SUCCESS\""));
  db_site_clear (&site);
}

/* A query must return exactly one value: two rows are an error naming
 * the query, not a comparison of the first row. */
static void
test_not_one_value (gconstpointer data)
{
  DbSite site;
  g_autofree char *steps = NULL;
  g_autoptr(GError) error = NULL;

  site_init (&site, (Db *) data, 3);
  steps = g_strdup_printf ("\"in_stop\": [{\"id\": \"v1\", \"compatible_version\": \"3.17.0\", \"verify\": [{\"database\": \"db\","
                           " \"sql\": \"SELECT id FROM %s WHERE id < 3\", \"expect\": 1}]}]", site.table);
  exec_fixture_write_manifest (&site.fx, TO, steps, NULL);
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_nonnull (strstr (error->message, "returned 2 rows of 1 columns, expected exactly one value"));
  g_assert_nonnull (strstr (error->message, "WHERE id < 3"));
  db_site_clear (&site);
}

/* Killed with SIGKILL before the second query of the verification, after
 * a non-idempotent SQL step: the run again does not repeat the SQL step
 * and verifies the data it left (n incremented exactly once). */
static void
test_killed_in_verify (gconstpointer data)
{
  DbSite site;
  g_autofree char *steps = NULL, *sql = NULL, *out = NULL, *n = NULL;
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", NULL, NULL };
  int status;

  site_init (&site, (Db *) data, 3);
  sql = g_strdup_printf ("UPDATE %s SET amount = amount + 1 WHERE id = 1;\n", site.table);
  exec_fixture_write (&site.fx, "bundle/sql/bump.sql", sql);
  steps = g_strdup_printf ("\"in_stop\": [{\"id\": \"s1\", \"compatible_version\": \"3.17.0\", \"database\": \"db\", \"sql_scripts\": [\"sql/bump.sql\"]},"
                           " {\"id\": \"v1\", \"compatible_version\": \"3.17.0\", \"verify\": ["
                           "  {\"database\": \"db\", \"sql\": \"SELECT COUNT(*) FROM %s\", \"expect\": 3},"
                           "  {\"database\": \"db\", \"sql\": \"SELECT amount FROM %s WHERE id = 1\","
                           "   \"expect\": \"6.25\"}]}]", site.table, site.table);
  exec_fixture_write_manifest (&site.fx, TO, steps, NULL);

  /* Statement 1 is the UPDATE; 2 and 3 are the verification's queries. */
  env[1] = "3:before-send";
  status = exec_fixture_cli (&site.fx, env, &out, "--json", "run", "--from", FROM, "--to", TO,
                             "--stage", "in_stop", NULL);
  g_assert_true (exec_fixture_cli_killed (status));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &out, "--json", "run", "--from", FROM,
                                                     "--to", TO, "--stage", "in_stop", NULL)), ==, 0);
  g_assert_nonnull (strstr (out, "\"SUCCESS\""));
  n = db_site_query (&site, "SELECT amount FROM %s WHERE id = 1", site.table);
  g_assert_cmpstr (n, ==, "6.25");
  db_site_clear (&site);
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
      db_add_test (db, "step-verify", "success-report", test_success_report);
      db_add_test (db, "step-verify", "mismatch-resume", test_mismatch_resume);
      db_add_test (db, "step-verify", "not-one-value", test_not_one_value);
      db_add_test (db, "step-verify", "killed-in-verify", test_killed_in_verify);
    }
  status = g_test_run ();
  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    db_stop (&databases[i]);
  return status;
}
