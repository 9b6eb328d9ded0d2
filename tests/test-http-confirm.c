/* test-http-confirm.c - `"confirm": true` of POST /api/v1/upgrade/execute
 * is journaled only for a run that starts: an execute refused (check gate,
 * a script the splitter refuses) leaves no confirmation, so the next
 * execute without it is still a 409 confirmation_required (SPEC §3, §10),
 * with a real upgraded
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "exec-test-util.h"
#include "http-test-util.h"

#define EXECUTE(stage, more) \
  "{\"fromVersion\": \"1.2.0\", \"toVersion\": \"1.3.0\", \"stage\": \"" stage "\"" more "}"

static void
wait_finished (HttpTestServer *server,
               const char     *id,
               const char     *expected_status)
{
  json_object_unref (http_test_wait_finished (server, id, expected_status));
}

/* No confirmation in the journal, and an execute without one is refused
 * for want of it, before the check gate is asked. */
static void
assert_nothing_confirmed (HttpTestServer *server,
                          const char     *journal,
                          const char     *flag)
{
  g_autoptr(JsonObject) refused = NULL;

  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_confirmation"), ==, 0);
  refused = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                    EXECUTE ("pre_stop", ", \"skip_checks\": true"), 409);
  http_test_assert_error (refused, "confirmation_required", "needs_confirm");
  g_assert_false (g_file_test (flag, G_FILE_TEST_EXISTS));
}

static void
test_refused_execute (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *manifest = http_test_server_path (server, "bundle/manifests/1.3.0.json");
  g_autofree char *script = http_test_server_path (server, "bundle/sql/1.3.0/index.sql");
  g_autofree char *db = http_test_server_path (server, "app.db");
  g_autofree char *journal = http_test_server_path (server, "journal.db");
  g_autofree char *flag = http_test_server_path (server, "bundle/pre.flag");
  g_autofree char *query = NULL;
  g_autoptr(JsonObject) answer = NULL, refused = NULL;

  exec_sqlite_exec (db, "CREATE TABLE amounts (id INTEGER PRIMARY KEY, amount INTEGER);"
                        "INSERT INTO amounts VALUES (1, 10), (2, -5);");
  g_assert_true (g_file_set_contents (manifest,
    "{\"version\": \"1.3.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"checks\": {\"data_quality\": [{\"id\": \"negative_amount\", \"name\": \"negative amounts\","
    "  \"database\": \"app_db\", \"sql\": \"SELECT COUNT(*) FROM amounts WHERE amount < 0\", \"threshold\": 0,"
    "  \"severity\": \"fail\", \"min_version\": \"1.0.0\", \"max_version\": \"1.3.0\"}]},\n"
    " \"upgrade_steps\": {\"pre_stop\": [\n"
    "  {\"id\": \"needs_confirm\", \"command\": [\"sh\", \"-c\", \"echo ran >> pre.flag\"]},\n"
    "  {\"id\": \"index\", \"compatible_version\": \"1.0.0\", \"database\": \"app_db\","
    "   \"sql_scripts\": [\"sql/1.3.0/index.sql\"]}]}}\n", -1, NULL));
  {
    g_autofree char *dir = g_path_get_dirname (script);

    g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  }
  g_assert_true (g_file_set_contents (script, "CREATE INDEX amounts_amount ON amounts (amount);\n"
                                              "INSERT INTO amounts (amount) VALUES ('open);\n", -1, NULL));
  http_test_server_start (server);

  /* business_check fails: pre_stop with "confirm": true is a 409
   * check-failed, and confirmed nothing. */
  answer = http_test_request_json (server, "POST", "/api/v1/upgrade/execute", EXECUTE ("business_check", ""), 202);
  wait_finished (server, json_object_get_string_member (answer, "execution_id"), "FAILED");
  g_clear_pointer (&answer, json_object_unref);
  refused = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                    EXECUTE ("pre_stop", ", \"confirm\": true"), 409);
  http_test_assert_error (refused, "check-failed", "business_check ended FAILED");
  assert_nothing_confirmed (server, journal, flag);

  /* Past the gate, a script of the service's bundle that the splitter
   * refuses (the service's fault, a 500): nothing confirmed. */
  g_clear_pointer (&refused, json_object_unref);
  refused = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                    EXECUTE ("pre_stop", ", \"confirm\": true, \"skip_checks\": true"), 500);
  http_test_assert_error (refused, "invalid-bundle", "sql/1.3.0/index.sql:2");
  assert_nothing_confirmed (server, journal, flag);

  /* Fixed: the run starts, and its confirmation names its execution. */
  g_assert_true (g_file_set_contents (script, "CREATE INDEX amounts_amount ON amounts (amount);\n", -1, NULL));
  answer = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                   EXECUTE ("pre_stop", ", \"confirm\": true, \"skip_checks\": true"), 202);
  wait_finished (server, json_object_get_string_member (answer, "execution_id"), "SUCCESS");
  query = g_strdup_printf ("SELECT COUNT(*) FROM upgrade_confirmation WHERE site_id = 'site-a'"
                           " AND step_id = 'needs_confirm' AND via = 'api' AND confirmed_by LIKE 'api@127.0.0.1%%'"
                           " AND execution_id = '%s'", json_object_get_string_member (answer, "execution_id"));
  g_assert_cmpint (exec_sqlite_int (journal, query), ==, 1);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_confirmation"), ==, 1);
  g_assert_true (g_file_test (flag, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/http/confirm/refused-execute", test_refused_execute);
  return g_test_run ();
}
