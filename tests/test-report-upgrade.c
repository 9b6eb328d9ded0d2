/* test-report-upgrade.c - reports say what was retried or skipped, by whom
 * and why, with honest counts, and one report covers the whole upgrade
 * (issue #12), through upgradectl and upgraded
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <sys/wait.h>

#include "exec-test-util.h"
#include "http-test-util.h"

static void
assert_has (const char *text,
            const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("expected \"%s\" in:\n%s", part, text);
}

static void
assert_lacks (const char *text,
              const char *part)
{
  if (strstr (text, part) != NULL)
    g_error ("did not expect \"%s\" in:\n%s", part, text);
}

/* Initialises @fx: pre_stop creates t; in_stop step s1 fails on a missing table u (fixed,
 * then run again), s2 on a missing table v (skipped by the operator). */
static void
write_scenario (ExecFixture *fx)
{
  g_free (exec_fixture_init_sqlite_app (fx));

  exec_fixture_write_manifest (fx, "1.0.0",
                               "\"pre_stop\": [{\"id\": \"s0\", \"compatible_version\": \"0.1.0\", \"database\": \"app\","
                               " \"sql_scripts\": [\"sql/pre.sql\"]}],\n"
                               "\"in_stop\": [{\"id\": \"s1\", \"compatible_version\": \"0.1.0\", \"database\": \"app\","
                               " \"sql_scripts\": [\"sql/one.sql\"]},\n"
                               "  {\"id\": \"s2\", \"compatible_version\": \"0.1.0\", \"database\": \"app\","
                               " \"sql_scripts\": [\"sql/two.sql\"]}]", NULL);
  exec_fixture_write (fx, "bundle/sql/pre.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY);\nINSERT INTO t VALUES (1);\n");
  exec_fixture_write (fx, "bundle/sql/one.sql",
                      "INSERT INTO t VALUES (2);\nINSERT INTO u VALUES (1);\nINSERT INTO t VALUES (3);\n");
  exec_fixture_write (fx, "bundle/sql/two.sql", "INSERT INTO v VALUES (1);\nINSERT INTO t VALUES (4);\n");
}

/* Runs the scenario; returns the in_stop execution's id. */
static char *
run_scenario (ExecFixture *fx)
{
  g_autofree char *app = exec_fixture_path (fx, "app.db");
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) status = NULL;
  char *id;

  g_free (exec_fixture_ctl_lang (fx, NULL, 0, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "pre_stop",
                                 NULL));
  out = exec_fixture_ctl_lang (fx, NULL, 1, "--json", "run", "--from", "0.9.0", "--to", "1.0.0", "--stage",
                               "in_stop", NULL);
  status = exec_parse_json_object (out);
  id = g_strdup (json_object_get_string_member (status, "execution_id"));
  exec_sqlite_exec (app, "CREATE TABLE u (id INTEGER);");
  /* Run again: s1 goes through, s2 stops on v. */
  g_free (exec_fixture_ctl_lang (fx, NULL, 1, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop",
                                 NULL));
  g_free (exec_fixture_ctl_lang (fx, NULL, 0, "resume", id, "--skip", NULL));
  return id;
}

/* The per-execution report: SUCCESS says what qualifies it, every stop
 * names the statement, the error, who resumed and how; a statement that
 * failed and then succeeded is counted once, as retried. */
static void
test_execution_report (void)
{
  ExecFixture fx;
  g_autofree char *id = NULL, *text = NULL, *json = NULL, *zh = NULL, *md = NULL, *html = NULL;
  g_autofree char *by = g_strdup_printf ("by %s@", g_get_user_name ());
  g_autoptr(JsonObject) root = NULL;
  JsonObject *report, *counts, *stop;
  JsonArray *stops, *notes;

  write_scenario (&fx);
  id = run_scenario (&fx);

  text = exec_fixture_ctl_lang (&fx, NULL, 0, "report", id, NULL);
  assert_has (text, ": SUCCESS, with 1 retried after failure and 1 skipped (listed below)\n");
  assert_has (text, "5 statements: 3 applied, 1 retried after failure, 1 skipped (1 by the operator), "
                    "0 failed, 0 in doubt\n");
  assert_has (text, "\nStops and resumes:\n");
  assert_has (text, " in step s1 at sql/one.sql:2 (statement 2): ");
  assert_has (text, "no such table: u → run again ");
  assert_has (text, "no such table: v → skipped (resume --skip) ");
  assert_has (text, by);
  assert_has (text, "\nStatements not simply applied:\n");
  assert_has (text, "  sql/one.sql:2 (step s1, statement 2): retried after 1 failed attempt (");
  assert_has (text, "  sql/two.sql:1 (step s2, statement 1): skipped: ");
  assert_lacks (text, "2 failed");

  json = exec_fixture_ctl_lang (&fx, NULL, 0, "--json", "report", id, NULL);
  root = exec_parse_json_object (json);
  report = json_object_get_object_member (root, "report");
  counts = json_object_get_object_member (report, "statements");
  g_assert_cmpint (json_object_get_int_member (counts, "total"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (counts, "success"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (counts, "retried"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (counts, "skipped"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (counts, "skipped_by_operator"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (counts, "failed"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (counts, "failed_attempts"), ==, 2);
  stops = json_object_get_array_member (report, "stops");
  g_assert_cmpuint (json_array_get_length (stops), ==, 2);
  stop = json_array_get_object_element (stops, 0);
  g_assert_cmpstr (json_object_get_string_member (stop, "step_id"), ==, "s1");
  g_assert_cmpstr (json_object_get_string_member (stop, "action"), ==, "continue");
  g_assert_cmpint (json_object_get_int_member (stop, "line"), ==, 2);
  assert_has (json_object_get_string_member (stop, "error"), "no such table: u");
  g_assert_nonnull (json_object_get_string_member (stop, "resumed_at"));
  stop = json_array_get_object_element (stops, 1);
  g_assert_cmpstr (json_object_get_string_member (stop, "action"), ==, "skip");
  assert_has (json_object_get_string_member (stop, "resumed_by"), g_get_user_name ());
  notes = json_object_get_array_member (report, "statement_notes");
  g_assert_cmpuint (json_array_get_length (notes), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (notes, 0), "outcome"), ==,
                   "retried");
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (notes, 1), "by_operator"));

  md = exec_fixture_ctl_lang (&fx, NULL, 0, "report", id, "--format", "markdown", NULL);
  assert_has (md, "| Status | **SUCCESS, with 1 retried after failure and 1 skipped (listed below)** |");
  assert_has (md, "\n## Stops and resumes\n\n- stopped ");
  html = exec_fixture_ctl_lang (&fx, NULL, 0, "report", id, "--format", "html", NULL);
  assert_has (html, "<ul class=\"stops\">");
  assert_has (html, "retried after 1 failed attempt");

  zh = exec_fixture_ctl_lang (&fx, "zh_CN.UTF-8", 0, "report", id, NULL);
  assert_has (zh, "SUCCESS，其中失败后重试成功 1 条、跳过 1 条（见下文）");
  assert_has (zh, "5 条语句：成功 3，失败后重试成功 1，跳过 1（其中操作员跳过 1），失败 0，存疑 0");
  assert_has (zh, "中断与续跑");
  assert_has (zh, "失败 1 次后重试成功");
  exec_fixture_clear (&fx);
}

/* `report --upgrade`: every execution of the from/to/site in stage order,
 * in each format; combinations that do not go together exit 2. */
static void
test_upgrade_report (void)
{
  ExecFixture fx;
  g_autofree char *id = NULL, *text = NULL, *json = NULL, *md = NULL, *html = NULL, *zh = NULL;
  g_autofree char *none = NULL, *refused = NULL, *output = NULL, *written = NULL;
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(JsonObject) empty = NULL;
  JsonObject *report;
  JsonArray *executions;
  const char *pre, *in;

  write_scenario (&fx);
  id = run_scenario (&fx);

  text = exec_fixture_ctl_lang (&fx, NULL, 0, "report", "--upgrade", "--from", "0.9.0", "--to", "1.0.0", NULL);
  assert_has (text, "Upgrade of site bj-01, 0.9.0 → 1.0.0: SUCCESS, with 1 retried after failure and 1 skipped");
  assert_has (text, "2 executions, ");
  assert_has (text, "7 statements: 5 applied, 1 retried after failure, 1 skipped (1 by the operator)");
  pre = strstr (text, "== pre_stop upgrade (");
  in = strstr (text, "== in_stop upgrade (");
  g_assert_nonnull (pre);
  g_assert_nonnull (in);
  g_assert_true (pre < in);
  assert_has (in, id);
  assert_has (in, "resumed 2 times");
  assert_has (in, "skipped (resume --skip) by ");

  json = exec_fixture_ctl_lang (&fx, NULL, 0, "--json", "report", "--upgrade", "--from", "0.9.0", "--to",
                                "V1.0.0", NULL);
  root = exec_parse_json_object (json);
  g_assert_true (json_object_get_null_member (root, "execution_id"));
  report = json_object_get_object_member (root, "report");
  g_assert_cmpstr (json_object_get_string_member (report, "status"), ==, "SUCCESS");
  g_assert_cmpstr (json_object_get_string_member (report, "site"), ==, "bj-01");
  executions = json_object_get_array_member (report, "executions");
  g_assert_cmpuint (json_array_get_length (executions), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (executions, 0), "stage"), ==,
                   "pre_stop");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (executions, 1), "execution_id"),
                   ==, id);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (report, "statements"), "retried"),
                   ==, 1);

  md = exec_fixture_ctl_lang (&fx, NULL, 0, "report", "--upgrade", "--from", "0.9.0", "--to", "1.0.0",
                              "--format", "md", NULL);
  assert_has (md, "# Upgrade of site bj-01, 0.9.0 → 1.0.0: ");
  assert_has (md, "\n## in_stop upgrade (");
  html = exec_fixture_ctl_lang (&fx, NULL, 0, "report", "--upgrade", "--from", "0.9.0", "--to", "1.0.0",
                                "--format", "html", NULL);
  assert_has (html, "<title>Upgrade of site bj-01, 0.9.0 → 1.0.0</title>");
  assert_has (html, "<section class=\"execution\" data-execution=\"");
  assert_has (html, id);
  output = exec_fixture_path (&fx, "upgrade.md");
  g_free (exec_fixture_ctl_lang (&fx, NULL, 0, "report", "--upgrade", "--from", "0.9.0", "--to", "1.0.0",
                                 "--format", "markdown", "-o", output, NULL));
  g_assert_true (g_file_get_contents (output, &written, NULL, NULL));
  assert_has (written, "## pre_stop upgrade (");

  zh = exec_fixture_ctl_lang (&fx, "zh_CN.UTF-8", 0, "report", "--upgrade", "--from", "0.9.0", "--to", "1.0.0",
                              NULL);
  assert_has (zh, "站点 bj-01 的升级 0.9.0 → 1.0.0：SUCCESS，其中");
  assert_has (zh, "共 2 次执行，总计 ");

  /* Nothing ran for another range: said, not an error. */
  none = exec_fixture_ctl_lang (&fx, NULL, 0, "--json", "report", "--upgrade", "--from", "0.8.0", "--to",
                                "1.0.0", NULL);
  empty = exec_parse_json_object (none);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (empty, "report"), "status"), ==,
                   "NOT_STARTED");

  /* Combinations that do not go together, and a mistyped site. */
  refused = exec_fixture_ctl_lang (&fx, NULL, 2, "--json", "report", "--upgrade", "--to", "1.0.0", NULL);
  assert_has (refused, "--upgrade needs --from V and --to V");
  g_free (refused);
  refused = exec_fixture_ctl_lang (&fx, NULL, 2, "--json", "report", id, "--from", "0.9.0", NULL);
  assert_has (refused, "add --upgrade");
  g_free (refused);
  refused = exec_fixture_ctl_lang (&fx, NULL, 2, "--json", "report", id, "--upgrade", "--from", "0.9.0",
                                   "--to", "1.0.0", NULL);
  assert_has (refused, "takes no EXECUTION_ID");
  g_free (refused);
  refused = exec_fixture_ctl_lang (&fx, NULL, 2, "--json", "report", "--upgrade", "--from", "0.9.0", "--to",
                                   "1.0.0", "--support-bundle", output, NULL);
  assert_has (refused, "--support-bundle");
  g_free (refused);
  refused = exec_fixture_ctl_lang (&fx, NULL, 2, "--json", "report", "--upgrade", "--from", "0.9.0", "--to",
                                   "1.0.0", "--site", "bj-1", NULL);
  assert_has (refused, "site 'bj-1'");
  g_free (refused);
  refused = exec_fixture_ctl_lang (&fx, NULL, 2, "--json", "report", NULL);
  assert_has (refused, "exactly one EXECUTION_ID");
  exec_fixture_clear (&fx);
}

static JsonObject *
wait_finished (HttpTestServer *server,
               const char     *id,
               const char     *expected_status)
{
  return http_test_wait_finished (server, id, expected_status);
}

/* Over HTTP: GET /api/v1/upgrade/report?from=&to=&site=&format=, and the
 * per-execution report lists the resume (action, who, when). */
static void
test_http_upgrade_report (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *pre = NULL, *post = NULL, *path = NULL, *db = NULL, *text = NULL, *type = NULL;
  g_autoptr(JsonObject) ignored = NULL;
  g_autoptr(JsonObject) resumed = NULL;
  g_autoptr(JsonObject) report = NULL;
  g_autoptr(JsonObject) single = NULL;
  g_autoptr(JsonObject) error = NULL;
  JsonArray *executions, *stops;

  http_test_server_start (server);
  pre = http_test_execute (server, "pre_stop");
  ignored = wait_finished (server, pre, "SUCCESS");
  g_clear_pointer (&ignored, json_object_unref);
  post = http_test_execute (server, "post_start");
  ignored = wait_finished (server, post, "FAILED");
  g_clear_pointer (&ignored, json_object_unref);
  db = http_test_server_path (server, "app.db");
  exec_sqlite_exec (db, "CREATE TABLE fix_me (id INTEGER);");
  path = g_strdup_printf ("/api/v1/upgrade/resume/%s", post);
  resumed = http_test_request_json (server, "POST", path, "{\"action\": \"retry\"}", 202);
  ignored = wait_finished (server, post, "SUCCESS");

  report = http_test_request_json (server, "GET", "/api/v1/upgrade/report?from=1.0.0&to=1.1.0", NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (report, "status"), ==, "SUCCESS");
  g_assert_cmpstr (json_object_get_string_member (report, "site"), ==, "site-a");
  executions = json_object_get_array_member (report, "executions");
  g_assert_cmpuint (json_array_get_length (executions), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (executions, 0), "execution_id"),
                   ==, pre);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (executions, 1), "execution_id"),
                   ==, post);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (report, "statements"), "retried"),
                   ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (report, "statements"), "failed"),
                   ==, 0);

  g_assert_cmpuint (http_test_request (server, "GET", "/api/v1/upgrade/report?fromVersion=1.0.0&toVersion=1.1.0"
                                       "&siteId=site-a&format=text", HTTP_TEST_TOKEN, NULL, &text, &type), ==, 200);
  g_assert_cmpstr (type, ==, "text/plain");
  assert_has (text, "Upgrade of site site-a, 1.0.0 → 1.1.0: SUCCESS, with 1 retried after failure");
  assert_has (text, "retried (resume --retry) by ");

  error = http_test_request_json (server, "GET", "/api/v1/upgrade/report?from=1.0.0&to=1.1.0&siteId=sh-02",
                                  NULL, 400);
  http_test_assert_error (error, "invalid-argument", "site 'sh-02'");
  g_clear_pointer (&error, json_object_unref);
  error = http_test_request_json (server, "GET", "/api/v1/upgrade/report?to=1.1.0", NULL, 400);
  http_test_assert_error (error, "invalid-argument", "fromVersion");

  g_free (path);
  path = g_strdup_printf ("/api/v1/upgrade/report/%s", post);
  single = http_test_request_json (server, "GET", path, NULL, 200);
  stops = json_object_get_array_member (single, "stops");
  g_assert_cmpuint (json_array_get_length (stops), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (stops, 0), "action"), ==, "retry");
  g_assert_cmpint (http_test_server_terminate (server), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/report-upgrade/execution", test_execution_report);
  g_test_add_func ("/report-upgrade/upgrade", test_upgrade_report);
  g_test_add_func ("/report-upgrade/http", test_http_upgrade_report);
  return g_test_run ();
}
