/* test-status-blocked.c - `status` while a statement waits for a lock
 * (issue #12): on MariaDB and PostgreSQL, a second session holds the row
 * lock the run's first statement needs; `upgradectl status --json` (another
 * process, from the journal) and the service's status (from memory) show
 * the statement, since when, the stage's progress and the ETA; once the
 * lock is released the run completes and the position is cleared. A
 * command step and a plugin's tool step that wait on a FIFO are shown as
 * the task that runs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "db-site.h"
#include "http-test-util.h"

static Db databases[] = DB_TARGETS_INIT;

#define SCRIPT_PATTERN "n = n + 1 WHERE"

/* The table the step updates, its one row, and the step's script: the
 * first statement needs the row's lock. */
static char *
script_for (const char *table)
{
  return g_strdup_printf ("UPDATE %s SET " SCRIPT_PATTERN " id = 1;\n"
                          "UPDATE %s SET n = n + 10 WHERE id = 1;\n", table, table);
}

static const char manifest[] =
  "{\"version\": \"1.1.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
  " \"upgrade_steps\": {\"in_stop\": [\n"
  "   {\"id\": \"s1\", \"database\": \"db\", \"compatible_version\": \"0.1.0\",\n"
  "    \"sql_scripts\": [\"sql/001.sql\"]}]}}\n";

/* Another session takes the row's lock and keeps it, in a transaction. */
static UpgConnection *
hold_row_lock (Db         *db,
               const char *table)
{
  UpgConnection *holder = exec_open_source ("db", db->source_json);
  g_autofree char *update = g_strdup_printf ("UPDATE %s SET n = n WHERE id = 1", table);

  exec_execute (holder, "BEGIN");
  exec_execute (holder, update);
  return holder;
}

static void
create_table (DbSite *site)
{
  db_site_execute (site, "CREATE TABLE %s (id INTEGER PRIMARY KEY, n INTEGER)", site->table);
  db_site_execute (site, "INSERT INTO %s VALUES (1, 0)", site->table);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    g_error ("no member '%s'", name);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* The status of a run whose first statement waits for the lock. */
static void
assert_blocked (JsonObject *status)
{
  JsonObject *current = member_object (status, "current_statement");

  g_assert_cmpstr (json_object_get_string_member (status, "status"), ==, "RUNNING");
  g_assert_nonnull (current);
  g_assert_cmpstr (json_object_get_string_member (current, "step_id"), ==, "s1");
  g_assert_cmpstr (json_object_get_string_member (current, "file"), ==, "sql/001.sql");
  g_assert_cmpint (json_object_get_int_member (current, "line"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (current, "sequence"), ==, 1);
  g_assert_nonnull (json_object_get_string_member (current, "started_at"));
  g_assert_cmpint (json_object_get_int_member (current, "running_seconds"), >=, 0);
  g_assert_cmpint (json_object_get_int_member (status, "statements_done"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (status, "statements_total"), ==, 2);
  /* The step's estimate (the default one) gives the remaining time. */
  g_assert_true (json_object_has_member (status, "eta_seconds"));
  g_assert_cmpint (json_object_get_int_member (status, "eta_seconds"), >=, 0);
}

static void
assert_row (DbSite     *site,
            const char *expected)
{
  g_autofree char *n = db_site_query (site, "SELECT n FROM %s WHERE id = 1", site->table);

  g_assert_cmpstr (n, ==, expected);
}

/* The watchdog journaled the statement before it logged this. */
static void
wait_still_running (GSubprocess *process)
{
  exec_wait_log_line (process, "sql/001.sql:1: statement 1 of step s1 still running after");
}

static void
test_cli_blocked (gconstpointer data)
{
  Db *db = (Db *) data;
  DbSite site;
  g_autoptr(UpgConnection) holder = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) blocked = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(JsonObject) result = NULL;
  g_autofree char *script = NULL;
  g_autofree char *text = NULL;
  g_autofree char *chinese = NULL;
  g_autofree char *out = NULL;
  g_autofree char *rest = NULL;
  const char *upgradectl = g_getenv ("UPGRADECTL");

  db_site_init (&site, db, "bj-01");
  create_table (&site);
  script = script_for (site.table);
  exec_fixture_write (&site.fx, "bundle/sql/001.sql", script);
  exec_fixture_write (&site.fx, "bundle/manifests/1.1.0.json", manifest);
  holder = hold_row_lock (db, site.table);

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error, upgradectl,
                              "-b", site.fx.bundle, "-c", site.fx.config, "--state-dir", site.fx.state, "--json",
                              "-v", "run", "--from", "1.0.0", "--to", "1.1.0", "--stage", "in_stop", NULL);
  g_assert_no_error (error);
  wait_still_running (process);

  /* Another process sees where the run waits, from the journal. */
  blocked = exec_fixture_ctl_json (&site.fx, NULL, 0, "status", NULL);
  assert_blocked (blocked);
  text = exec_fixture_ctl_lang (&site.fx, "C", 0, "status", NULL);
  g_assert_nonnull (strstr (text, "running: step s1, sql/001.sql:1 (statement 1 of its file), for "));
  g_assert_nonnull (strstr (text, "progress: 0/2 statements of the stage; remaining "));
  chinese = exec_fixture_ctl_lang (&site.fx, "zh_CN.UTF-8", 0, "status", NULL);
  g_assert_nonnull (strstr (chinese, "正在执行：步骤 s1，sql/001.sql:1（所在文件的第 1 条语句），已运行 "));
  g_assert_nonnull (strstr (chinese, "进度：本阶段 0/2 条语句；剩余约 "));

  /* Released, the run goes on and completes; nothing runs any more. */
  exec_execute (holder, "ROLLBACK");
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &rest, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  result = exec_parse_json_object (out);
  g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "SUCCESS");
  assert_row (&site, "11");

  done = exec_fixture_ctl_json (&site.fx, NULL, 0, "status", NULL);
  g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "SUCCESS");
  g_assert_null (member_object (done, "current_statement"));
  {
    g_autofree char *journal = g_build_filename (site.fx.state, "journal.db", NULL);

    g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_execution"
                                               " WHERE current_step_id IS NOT NULL"), ==, 0);
  }
  db_site_clear (&site);
}

/* Whether the run's first statement is on the server (waiting for the
 * lock): asked of the server, the event itself. */
static gboolean
statement_on_server (DbSite *site,
                     Db     *db)
{
  g_autofree char *count = NULL;

  if (db->kind == UPG_TEST_SERVER_POSTGRESQL)
    count = db_site_query (site, "SELECT COUNT(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
                                 " AND state = 'active' AND query LIKE '%%%s%%'", SCRIPT_PATTERN);
  else
    count = db_site_query (site, "SELECT COUNT(*) FROM information_schema.processlist WHERE id <> CONNECTION_ID()"
                                 " AND info LIKE '%%%s%%'", SCRIPT_PATTERN);
  return g_strcmp0 (count, "0") != 0;
}

static void
write_http_site (HttpTestServer *server,
                 Db             *db,
                 const char     *table)
{
  g_autofree char *manifests = g_build_filename (server->bundle, "manifests", NULL);
  g_autofree char *sql_dir = g_build_filename (server->bundle, "sql", NULL);
  g_autofree char *manifest_path = g_build_filename (manifests, "1.1.0.json", NULL);
  g_autofree char *script_path = g_build_filename (sql_dir, "001.sql", NULL);
  g_autofree char *script = script_for (table);
  g_autofree char *config = g_strdup_printf (
    "{\"site_id\": \"site-a\",\n"
    " \"datasources\": {\"db\": %s},\n"
    " \"journal\": {\"provider\": \"SQLite\", \"path\": \"journal.db\"},\n"
    " \"service\": {\"listen\": \"127.0.0.1:0\", \"token_file\": \"token\"}}\n", db->source_json);
  g_autoptr(GDir) dir = g_dir_open (manifests, 0, NULL);
  const char *name;

  /* Only this manifest: the fixture's steps are not this test's. */
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (manifests, name, NULL);

      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_mkdir_with_parents (sql_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (manifest_path, manifest, -1, NULL));
  g_assert_true (g_file_set_contents (script_path, script, -1, NULL));
  g_assert_true (g_file_set_contents (server->config, config, -1, NULL));
}

static void
test_http_blocked (gconstpointer data)
{
  Db *db = (Db *) data;
  DbSite site;
  g_autoptr(HttpTestServer) server = NULL;
  g_autoptr(HttpTestEvents) events = NULL;
  g_autoptr(UpgConnection) holder = NULL;
  g_autoptr(JsonObject) started = NULL;
  g_autoptr(JsonObject) blocked = NULL;
  g_autoptr(JsonObject) finished = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autofree char *path = NULL;
  const char *id;

  db_site_init (&site, db, "site-a");
  create_table (&site);
  server = http_test_server_new ();
  write_http_site (server, db, site.table);
  http_test_server_start (server);
  holder = hold_row_lock (db, site.table);

  started = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                    "{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\", \"stage\": \"in_stop\"}",
                                    202);
  id = json_object_get_string_member (started, "execution_id");
  path = g_strdup_printf ("/api/v1/upgrade/status/%s", id);
  events = http_test_events_connect (server, id);
  /* Until the server has the statement, the run must still be running:
   * one that stopped fails here at once. */
  while (!statement_on_server (&site, db))
    {
      g_autoptr(JsonObject) status = http_test_request_json (server, "GET", path, NULL, 200);

      g_assert_cmpstr (json_object_get_string_member (status, "status"), ==, "RUNNING");
      g_usleep (20 * 1000);  /* between two questions to the server, not a deadline */
    }

  /* From memory at once: no second of waiting, no journal. */
  blocked = http_test_request_json (server, "GET", path, NULL, 200);
  assert_blocked (blocked);
  g_assert_cmpstr (json_object_get_string_member (blocked, "position"), ==, "sql/001.sql:1");

  exec_execute (holder, "ROLLBACK");
  finished = http_test_events_until (events, "finished", NULL);
  g_assert_cmpstr (json_object_get_string_member (finished, "status"), ==, "SUCCESS");
  assert_row (&site, "11");
  done = http_test_request_json (server, "GET", path, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (done, "status"), ==, "SUCCESS");
  g_assert_null (member_object (done, "current_statement"));
  g_assert_cmpint (http_test_server_terminate (server), ==, 0);
  db_site_clear (&site);
}

/* What status shows of a command step that runs: its command line as
 * the task, no file, no position in one. */
static void
assert_task (JsonObject *status,
             const char *step_id,
             const char *task)
{
  JsonObject *current = member_object (status, "current_statement");

  g_assert_cmpstr (json_object_get_string_member (status, "status"), ==, "RUNNING");
  g_assert_nonnull (current);
  g_assert_cmpstr (json_object_get_string_member (current, "step_id"), ==, step_id);
  g_assert_cmpstr (json_object_get_string_member (current, "task"), ==, task);
  g_assert_true (json_object_get_null_member (current, "file"));
  g_assert_cmpint (json_object_get_int_member (current, "line"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (current, "sequence"), ==, 0);
  g_assert_nonnull (json_object_get_string_member (current, "started_at"));
  g_assert_cmpint (json_object_get_int_member (current, "running_seconds"), >=, 0);
}

/* Lets go what waits on @fifo. Written in place (g_file_set_contents()
 * would rename a file over the FIFO): opening it waits for the reader. */
static void
release_fifo (const char *fifo)
{
  int fd = open (fifo, O_WRONLY);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, "go\n", 3), ==, 3);
  g_assert_cmpint (close (fd), ==, 0);
}

/* The FIFO a step of @fx waits on until the test lets it go. */
static char *
make_fifo (ExecFixture *fx)
{
  char *fifo = exec_fixture_path (fx, "go.fifo");

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  return fifo;
}

/* Starts `upgradectl run` (another process, as the operator's) of a
 * bundle whose in_stop stage is @step_json, on a SQLite site with the
 * configuration members @config_extra. */
static GSubprocess *
start_run (ExecFixture *fx,
           const char  *step_json,
           const char  *config_extra)
{
  g_autofree char *manifest = NULL, *source = NULL, *sources = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  manifest = g_strdup_printf ("{\"version\": \"1.1.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
                              " \"upgrade_steps\": {\"in_stop\": [%s]}}\n", step_json);
  exec_fixture_write (fx, "bundle/manifests/1.1.0.json", manifest);
  source = exec_fixture_sqlite_source (fx, "app.sqlite");
  sources = g_strdup_printf ("\"db\": %s", source);
  exec_fixture_write_config_extra (fx, "bj-01", sources, config_extra);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                              g_getenv ("UPGRADECTL"), "-b", fx->bundle, "-c", fx->config, "--state-dir", fx->state,
                              "--json", "-v", "run", "--from", "1.0.0", "--to", "1.1.0", "--stage", "in_stop", NULL);
  g_assert_no_error (error);
  return process;
}

/* Lets the run's waiting step go: the run succeeds and `status` shows
 * nothing running any more. Returns: (transfer full): its log. */
static char *
finish_run (ExecFixture *fx,
            GSubprocess *process,
            const char  *fifo)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) result = NULL, done = NULL;
  g_autofree char *out = NULL;
  char *rest = NULL;

  release_fifo (fifo);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &rest, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  result = exec_parse_json_object (out);
  g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "SUCCESS");
  done = exec_fixture_ctl_json (fx, NULL, 0, "status", NULL);
  g_assert_null (member_object (done, "current_statement"));
  return rest;
}

/* A command step waits until the test writes to its FIFO: `status` of
 * another process shows it as what runs (its command line, the URL's
 * password cut), and nothing once it ended. On SQLite: no server. */
static void
test_cli_command (void)
{
  ExecFixture fx;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(JsonObject) running = NULL;
  g_autofree char *fifo = NULL, *step = NULL, *task = NULL, *text = NULL, *line = NULL, *rest = NULL;

  exec_fixture_init (&fx);
  fifo = make_fifo (&fx);
  step = g_strdup_printf ("{\"id\": \"wait\", \"compatible_version\": \"0.1.0\",\n"
                          " \"command\": [\"sh\", \"-c\", \"read answer < \\\"$1\\\"\", "
                          "\"http://probe:s3cret@health.example/up\", \"%s\"]}", fifo);
  task = g_strdup_printf ("sh -c 'read answer < \"$1\"' http://probe@health.example/up %s", fifo);
  process = start_run (&fx, step, NULL);
  /* The watchdog journals it before it logs this. */
  exec_wait_log_line (process, "step wait: sh -c ");

  running = exec_fixture_ctl_json (&fx, NULL, 0, "status", NULL);
  assert_task (running, "wait", task);
  text = exec_fixture_ctl_lang (&fx, "C", 0, "status", NULL);
  line = g_strdup_printf ("running: step wait, %s, for ", task);
  g_assert_nonnull (strstr (text, line));
  g_assert_null (strstr (text, "s3cret"));

  rest = finish_run (&fx, process, fifo);
  g_assert_null (strstr (rest, "s3cret"));
  exec_fixture_clear (&fx);
}

/* Waits until the step holding @fifo's other end has started: it opens
 * @fifo for writing once it runs. */
static void
wait_started (const char *fifo)
{
  char answer[8];
  int fd = open (fifo, O_RDONLY);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (read (fd, answer, sizeof answer), >, 0);
  g_assert_cmpint (close (fd), ==, 0);
}

/* While a step waits, the execution's log file already holds what came
 * before it: the statements' lines (DEBUG, which the log buffers a
 * moment) and the line of their step's end, so that an operator who
 * reads the file sees where the run is. */
static void
test_log_written_while_waiting (void)
{
  ExecFixture fx;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(JsonObject) running = NULL;
  g_autofree char *fifo = NULL, *started = NULL, *step = NULL, *path = NULL, *log = NULL, *rest = NULL;
  const char *statements[] = { "CREATE TABLE waiting_log (n INTEGER)", "INSERT INTO waiting_log VALUES (1)",
                               "INSERT INTO waiting_log VALUES (2)" };

  exec_fixture_init (&fx);
  fifo = make_fifo (&fx);
  started = exec_fixture_path (&fx, "started.fifo");
  g_assert_cmpint (mkfifo (started, 0600), ==, 0);
  exec_fixture_write (&fx, "bundle/sql/001.sql",
                      "CREATE TABLE waiting_log (n INTEGER);\n"
                      "INSERT INTO waiting_log VALUES (1);\nINSERT INTO waiting_log VALUES (2);\n");
  step = g_strdup_printf ("{\"id\": \"fill\", \"database\": \"db\", \"compatible_version\": \"0.1.0\",\n"
                          " \"sql_scripts\": [\"sql/001.sql\"]},\n"
                          "{\"id\": \"wait\", \"compatible_version\": \"0.1.0\",\n"
                          " \"command\": [\"sh\", \"-c\", \"echo go > \\\"$2\\\"; read answer < \\\"$1\\\"\", "
                          "\"wait\", \"%s\", \"%s\"]}", fifo, started);
  process = start_run (&fx, step, NULL);
  wait_started (started);

  running = exec_fixture_ctl_json (&fx, NULL, 0, "status", NULL);
  path = g_strdup_printf ("%s/logs/%s.log", fx.state, json_object_get_string_member (running, "execution_id"));
  g_assert_true (g_file_get_contents (path, &log, NULL, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (statements); i++)
    g_assert_nonnull (strstr (log, statements[i]));
  g_assert_nonnull (strstr (log, "[SUCCESS] fill"));

  rest = finish_run (&fx, process, fifo);
  exec_fixture_clear (&fx);
}

/* Reads @process's log until it has said both lines, in either order
 * (one reader: lines a first reader buffered would be lost to a second). */
static void
wait_log_lines (GSubprocess *process,
                const char  *first,
                const char  *second)
{
  g_autoptr(GDataInputStream) err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  gboolean seen_first = FALSE, seen_second = FALSE;

  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (err), FALSE);
  while (!seen_first || !seen_second)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line_utf8 (err, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        g_error ("the run ended before it logged \"%s\" and \"%s\"", first, second);
      g_test_message ("run: %s", line);
      seen_first = seen_first || strstr (line, first) != NULL;
      seen_second = seen_second || strstr (line, second) != NULL;
    }
}

/* A tool step's plugin reports progress, then waits until the test
 * writes to its FIFO: `status` of another process shows the plugin, its
 * class and its last progress as what runs, and nothing once it ended. */
static void
test_cli_tool (void)
{
  ExecFixture fx;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(JsonObject) running = NULL;
  g_autofree char *fifo = NULL, *step = NULL, *plugins = NULL, *text = NULL, *chinese = NULL, *rest = NULL;

  exec_fixture_init (&fx);
  fifo = make_fifo (&fx);
  step = g_strdup_printf ("{\"id\": \"convert\", \"compatible_version\": \"0.1.0\",\n"
                          " \"class_name\": \"GoodMigration\", \"params\": {\"units\": 2, \"wait_fifo\": \"%s\"}}", fifo);
  plugins = exec_fixture_install_good_plugin (&fx);
  process = start_run (&fx, step, plugins);
  /* The watchdog journals the task before it logs the first line; the
   * progress is journaled before the runner logs the second: whichever
   * came first, the journal has both once the log said both. */
  wait_log_lines (process, "step convert: plugin good tool GoodMigration", "convert progress 1/2");

  running = exec_fixture_ctl_json (&fx, NULL, 0, "status", NULL);
  assert_task (running, "convert", "plugin good tool GoodMigration (1/2)");
  text = exec_fixture_ctl_lang (&fx, "C", 0, "status", NULL);
  g_assert_nonnull (strstr (text, "running: step convert, plugin good tool GoodMigration (1/2), for "));
  chinese = exec_fixture_ctl_lang (&fx, "zh_CN.UTF-8", 0, "status", NULL);
  g_assert_nonnull (strstr (chinese,
                            "正在执行：步骤 convert，plugin good tool GoodMigration (1/2)，已运行 "));

  rest = finish_run (&fx, process, fifo);
  exec_fixture_clear (&fx);
}

/* The service's status of a run whose command step waits (the fixture's
 * gate): from memory at once, the command line as task and position. */
static void
test_http_command (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autoptr(HttpTestEvents) events = NULL;
  g_autoptr(JsonObject) running = NULL, finished = NULL, done = NULL;
  g_autofree char *id = NULL, *path = NULL;
  const char *gate = "sh -c 'echo started > started.fifo && exec cat gate.fifo'";

  http_test_server_start (server);
  id = http_test_execute (server, "in_stop");
  events = http_test_events_connect (server, id);
  http_test_gate_wait_started (server);
  path = g_strdup_printf ("/api/v1/upgrade/status/%s", id);
  running = http_test_request_json (server, "GET", path, NULL, 200);
  assert_task (running, "gate", gate);
  g_assert_cmpstr (json_object_get_string_member (running, "position"), ==, gate);

  http_test_gate_open (server);
  finished = http_test_events_until (events, "finished", NULL);
  g_assert_cmpstr (json_object_get_string_member (finished, "status"), ==, "SUCCESS");
  done = http_test_request_json (server, "GET", path, NULL, 200);
  g_assert_null (member_object (done, "current_statement"));
  g_assert_cmpint (http_test_server_terminate (server), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/status-blocked/command/cli", test_cli_command);
  g_test_add_func ("/status-blocked/command/http", test_http_command);
  g_test_add_func ("/status-blocked/tool/cli", test_cli_tool);
  g_test_add_func ("/status-blocked/log-written-while-waiting", test_log_written_while_waiting);
  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    {
      db_start (&databases[i]);
      db_add_test (&databases[i], "status-blocked", "cli", test_cli_blocked);
      db_add_test (&databases[i], "status-blocked", "http", test_http_blocked);
    }
  {
    int status = g_test_run ();

    for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
      db_stop (&databases[i]);
    return status;
  }
}
