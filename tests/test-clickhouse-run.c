/* test-clickhouse-run.c - SQL steps on a real ClickHouse: success, a
 * syntax error, an unreachable server, a wrong password, kill -9
 * during and after a statement (upgradectl run, as an operator runs it),
 * and a plugin's statement through its UpgContext
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "exec-test-util.h"
#include "upg-test-clickhouse.h"

#define FROM "3.17.0"
#define TO "3.17.5"
#define PASSWORD_ENV "UPG_TEST_CK_RUN_PASSWORD"

static UpgTestClickHouse *server;
static GError *start_error;

typedef struct {
  ExecFixture        fx;
  UpgTestClickHouse *ck;     /* unowned */
  char              *table;  /* unique per case: one server for all */
} Site;

static void
site_init (Site              *site,
           UpgTestClickHouse *ck)
{
  g_autofree char *source = NULL;
  g_autofree char *sources = NULL;

  /* A server that cannot start fails the test: never a skip. */
  g_assert_no_error (start_error);
  g_assert_nonnull (ck);
  site->ck = ck;
  site->table = g_strdup_printf ("logs_%08x", g_random_int ());
  g_setenv (PASSWORD_ENV, upg_test_clickhouse_get_password (ck), TRUE);
  source = upg_test_clickhouse_datasource_json (ck, PASSWORD_ENV);
  sources = g_strdup_printf ("\"logs_ck\": %s", source);
  exec_fixture_init (&site->fx);
  exec_fixture_write_config (&site->fx, "ck-site", sources);
}

static void
site_clear (Site *site)
{
  exec_fixture_clear (&site->fx);
  g_free (site->table);
}

/* sql/001.sql with @script (%s: the table), in one ClickHouse step. */
static void
write_step (Site       *site,
            const char *script)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) parts = g_strsplit (script, "%s", -1);

  text = g_strjoinv (site->table, parts);
  exec_fixture_write (&site->fx, "bundle/sql/001.sql", text);
  exec_fixture_write_manifest (&site->fx, TO,
                               "\"in_stop\": [{\"id\": \"ck1\", \"database\": \"logs_ck\","
                               " \"sql_scripts\": [\"sql/001.sql\"], \"compatible_version\": \"" FROM "\"}]", NULL);
}

#define admin_value(site, ...) upg_test_clickhouse_admin_printf ((site)->ck, __VA_ARGS__)

static int
run_cli (Site        *site,
         const char  *hook,
         char       **out)
{
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", hook, NULL };

  return exec_fixture_cli (&site->fx, hook != NULL ? env : NULL, out, "--json", "run", "--from", FROM, "--to", TO,
                           "--stage", "in_stop", NULL);
}

/* The journal records of statement @sequence of the run that printed
 * @json_out (`run --json`). */
static char *
statement_records (Site       *site,
                   const char *json_out,
                   guint       sequence)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json_out, &error);
  JsonObject *object;
  const char *id;

  g_assert_no_error (error);
  object = json_node_get_object (node);
  id = json_object_get_string_member_with_default (object, "execution_id", NULL);
  g_assert_nonnull (id);
  return exec_journal_statuses (&site->fx, id, sequence);
}

#define CREATE_AND_FILL \
  "CREATE TABLE upgtest.%s (d Date, id UInt32, msg String) ENGINE = MergeTree(d, id, 8192);\n" \
  "INSERT INTO upgtest.%s FORMAT CSV\n" \
  "2024-01-01,1,\"a;b\"\n" \
  "2024-01-01,2,c\n" \
  "\n" \
  "ALTER TABLE upgtest.%s ADD COLUMN level UInt8 DEFAULT 3;\n"

static void
test_sql_step (void)
{
  Site site;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(UpgExecution) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *level = NULL;

  site_init (&site, server);
  write_step (&site, CREATE_AND_FILL);
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_no_error (error);
  exec_assert_steps (execution, "ck1=SUCCESS");
  rows = admin_value (&site, "SELECT count() FROM upgtest.%s WHERE msg IN ('a;b', 'c')", site.table);
  g_assert_cmpstr (rows, ==, "2");
  level = admin_value (&site, "SELECT sum(level) FROM upgtest.%s", site.table);
  g_assert_cmpstr (level, ==, "6");

  /* Done once: a second run sends nothing. */
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &again, &error));
  g_assert_no_error (error);
  g_clear_pointer (&rows, g_free);
  rows = admin_value (&site, "SELECT count() FROM upgtest.%s", site.table);
  g_assert_cmpstr (rows, ==, "2");
  site_clear (&site);
}

static void
test_syntax_error (void)
{
  Site site;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;

  site_init (&site, server);
  write_step (&site, "CREATE TABLE upgtest.%s (d Date, id UInt32) ENGINE = MergeTree(d, id, 8192);\n"
                     "-- the next one is broken\n"
                     "SELECT FROM upgtest.%s WHERE;\n");
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "sql/001.sql:3: statement failed: "));
  g_assert_nonnull (strstr (error->message, "logs_ck: ClickHouse error 62: Syntax error"));
  g_assert_cmpstr (upg_breakpoint_get_file (upg_execution_get_breakpoint (execution)), ==, "sql/001.sql");
  g_assert_cmpuint (upg_breakpoint_get_line (upg_execution_get_breakpoint (execution)), ==, 3);
  g_assert_cmpstr (upg_breakpoint_get_error_code (upg_execution_get_breakpoint (execution)), ==, "62");
  site_clear (&site);
}

static void
test_unreachable (void)
{
  Site site;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *sources = NULL;

  site_init (&site, server);
  /* Bound, not listening: connections to it are refused. */
  g_assert_true (g_socket_bind (probe, any, TRUE, &error));
  bound = g_socket_get_local_address (probe, &error);
  g_assert_no_error (error);
  sources = g_strdup_printf ("\"logs_ck\": {\"provider\": \"ClickHouse\", \"url\": \"http://127.0.0.1:%u\","
                             " \"user\": \"upgrade\", \"password_env\": \"" PASSWORD_ENV "\"}",
                             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  exec_fixture_write_config (&site.fx, "ck-site", sources);
  write_step (&site, "SELECT 1;\n");
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "logs_ck (ClickHouse upgrade@http://127.0.0.1:"));
  g_assert_nonnull (strstr (error->message, "after 4 attempts"));
  g_assert_null (strstr (error->message, upg_test_clickhouse_get_password (server)));
  site_clear (&site);
}

static void
test_wrong_password (void)
{
  Site site;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;

  site_init (&site, server);
  write_step (&site, "SELECT 1;\n");
  g_setenv (PASSWORD_ENV, "not-the-password", TRUE);
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "logs_ck (ClickHouse upgrade@"));
  g_assert_nonnull (strstr (error->message, "ClickHouse error 193"));
  g_assert_null (strstr (error->message, "attempts"));
  g_assert_null (strstr (error->message, "not-the-password"));
  site_clear (&site);
}

/* Killed after the server ran the INSERT, before the journal knew: the
 * query log tells, and the run again does not insert twice. */
static void
test_kill_after_execute (void)
{
  Site site;
  g_autofree char *out = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *records = NULL;
  int status;

  site_init (&site, server);
  write_step (&site, CREATE_AND_FILL);
  /* The 2nd statement sent is the INSERT. */
  status = run_cli (&site, "2:after-execute-before-commit", NULL);
  g_assert_true (exec_fixture_cli_killed (status));
  rows = admin_value (&site, "SELECT count() FROM upgtest.%s", site.table);
  g_assert_cmpstr (rows, ==, "2");

  status = run_cli (&site, NULL, &out);
  g_test_message ("%s", out);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
  /* Its RUNNING record completed from the query log: one record, no second attempt. */
  records = statement_records (&site, out, 2);
  g_assert_cmpstr (records, ==, "SUCCESS/- ");
  g_clear_pointer (&rows, g_free);
  rows = admin_value (&site, "SELECT count() FROM upgtest.%s", site.table);
  g_assert_cmpstr (rows, ==, "2");
  site_clear (&site);
}

/* kill -9 while the server runs a long INSERT … SELECT: the run again
 * finds it still running, waits for it, and does not send it again. */
static void
test_kill_during_statement (void)
{
  Site site;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) run = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autofree char *bundle = NULL;
  g_autofree char *out = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *records = NULL;
  int status;

  site_init (&site, server);
  /* 500 blocks of 1000 rows, 10 ms each: about 5 s on the server, long
   * enough to be seen running however busy the test machine is. */
  write_step (&site, "CREATE TABLE upgtest.%s (d Date, id UInt64) ENGINE = MergeTree(d, id, 8192);\n"
                     "INSERT INTO upgtest.%s SELECT toDate('2024-01-01'), number FROM system.numbers"
                     " WHERE NOT ignore(sleep(0.01)) LIMIT 500000 SETTINGS max_block_size = 1000;\n");
  bundle = g_strdup (site.fx.bundle);
  run = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("UPGRADECTL"), "-b", site.fx.bundle,
                                     "-c", site.fx.config, "--state-dir", site.fx.state, "run", "--from", FROM,
                                     "--to", TO, "--stage", "in_stop", NULL);
  g_assert_no_error (error);
  /* Kill it once the server lists the INSERT (the test's timeout bounds the wait). */
  for (;;)
    {
      g_autofree char *running = admin_value (&site, "SELECT count() FROM system.processes"
                                                     " WHERE query LIKE 'INSERT INTO upgtest.%s %%'", site.table);

      if (g_strcmp0 (running, "1") == 0)
        break;
      g_assert_nonnull (g_subprocess_get_identifier (run));
      g_usleep (20 * 1000);
    }
  g_subprocess_send_signal (run, SIGKILL);
  g_subprocess_wait (run, NULL, NULL);

  status = run_cli (&site, NULL, &out);
  g_test_message ("%s", out);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
  records = statement_records (&site, out, 2);
  g_assert_cmpstr (records, ==, "SUCCESS/- ");
  rows = admin_value (&site, "SELECT count() FROM upgtest.%s", site.table);
  g_assert_cmpstr (rows, ==, "500000");
  site_clear (&site);
}

/* A server whose query log lost the entry (retention, or no log at all)
 * cannot tell: in doubt (exit 5), nothing sent again, until the operator
 * decides. */
static void
test_kill_in_doubt (void)
{
  g_autoptr(GError) error = NULL;
  Site site;
  g_autofree char *out = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *skipped = NULL;
  g_autofree char *records = NULL;
  g_autofree char *id = NULL;
  int status;

  site_init (&site, server);
  write_step (&site, CREATE_AND_FILL);
  status = run_cli (&site, "2:after-execute-before-commit", NULL);
  g_assert_true (exec_fixture_cli_killed (status));
  g_assert_true (upg_test_clickhouse_forget_queries (server, &error));
  g_assert_no_error (error);

  status = run_cli (&site, NULL, &out);
  g_test_message ("%s", out);
  g_assert_cmpint (exec_exit_code (status), ==, 5);
  g_assert_nonnull (strstr (out, "sql/001.sql:2: statement in doubt"));
  records = statement_records (&site, out, 2);
  g_assert_cmpstr (records, ==, "IN_DOUBT/- ");
  rows = admin_value (&site, "SELECT count() FROM upgtest.%s", site.table);
  g_assert_cmpstr (rows, ==, "2");

  /* The operator saw the rows: skip it; the ALTER runs. */
  {
    g_autoptr(JsonNode) node = json_from_string (out, NULL);

    id = g_strdup (json_object_get_string_member (json_node_get_object (node), "execution_id"));
  }
  g_clear_pointer (&out, g_free);
  status = exec_fixture_cli (&site.fx, NULL, &out, "resume", id, "--skip", NULL);
  g_test_message ("%s", out);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
  skipped = admin_value (&site, "SELECT count() FROM upgtest.%s", site.table);
  g_assert_cmpstr (skipped, ==, "2");
  g_clear_pointer (&rows, g_free);
  rows = admin_value (&site, "SELECT count() FROM system.columns WHERE database = 'upgtest'"
                             " AND table = '%s' AND name = 'level'", site.table);
  g_assert_cmpstr (rows, ==, "1");
  site_clear (&site);
}

/* A component's plugin reaches ClickHouse through its UpgContext
 * (upg_context_get_connection()), as it asks for SQL databases: the
 * plugin host opens the data source from the configuration's definition,
 * the password from password_env. */
static void
test_plugin_context (void)
{
  Site site;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *extra = NULL;
  g_autofree char *source = NULL;
  g_autofree char *sources = NULL;
  g_autofree char *steps = NULL;
  g_autofree char *created = NULL;
  g_autofree char *sum = NULL;

  site_init (&site, server);
  extra = exec_fixture_install_good_plugin (&site.fx);
  source = upg_test_clickhouse_datasource_json (server, PASSWORD_ENV);
  sources = g_strdup_printf ("\"logs_ck\": %s", source);
  exec_fixture_write_config_extra (&site.fx, "ck-site", sources, extra);
  created = admin_value (&site, "CREATE TABLE upgtest.%s (d Date, id UInt32) ENGINE = MergeTree(d, id, 8192)",
                         site.table);
  steps = g_strdup_printf ("\"in_stop\": [{\"id\": \"tool\", \"class_name\": \"GoodMigration\", \"timeout\": 60,"
                           " \"compatible_version\": \"" FROM "\", \"params\": {\"units\": 1, \"sql\": {\"database\":"
                           " \"logs_ck\", \"statement\": \"INSERT INTO upgtest.%s VALUES ('2024-01-01', 7)\"}}}]",
                           site.table);
  exec_fixture_write_manifest (&site.fx, TO, steps, NULL);
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_no_error (error);
  exec_assert_steps (execution, "tool=SUCCESS");
  sum = admin_value (&site, "SELECT sum(id) FROM upgtest.%s", site.table);
  g_assert_cmpstr (sum, ==, "7");
  site_clear (&site);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  server = upg_test_clickhouse_start (&start_error);

  g_test_add_func ("/clickhouse-run/sql-step", test_sql_step);
  g_test_add_func ("/clickhouse-run/syntax-error", test_syntax_error);
  g_test_add_func ("/clickhouse-run/unreachable", test_unreachable);
  g_test_add_func ("/clickhouse-run/wrong-password", test_wrong_password);
  g_test_add_func ("/clickhouse-run/kill-after-execute", test_kill_after_execute);
  g_test_add_func ("/clickhouse-run/kill-during-statement", test_kill_during_statement);
  g_test_add_func ("/clickhouse-run/kill-in-doubt", test_kill_in_doubt);
  g_test_add_func ("/clickhouse-run/plugin-context", test_plugin_context);

  status = g_test_run ();
  upg_test_clickhouse_stop (server);
  g_clear_error (&start_error);
  return status;
}
