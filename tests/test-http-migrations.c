/* test-http-migrations.c - a batched migration run by upgraded (SPEC §10):
 * execute of post_upgrade answers 202 while the batches go on; the
 * migration listed, paused, resumed and refused over HTTP; its progress
 * on the WebSocket; its figures in /metrics
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The throttle query trips once 500 rows are migrated while the test's
 * flag is 1: the test sees the migration held there, not at a moment.
 */
#include <string.h>

#include "exec-test-util.h"
#include "http-test-util.h"

#define ROWS 2000

static const char manifest[] =
  "{\"version\": \"1.1.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
  " \"upgrade_steps\": {\"post_upgrade\": [\n"
  "  {\"id\": \"mig\", \"database\": \"app_db\", \"compatible_version\": \"1.0.0\",\n"
  "   \"batched_migration\": {\"table\": \"items\", \"key\": \"id\",\n"
  "    \"sql\": \"UPDATE items SET n = n + 1 WHERE id BETWEEN :start AND :end\", \"batch_size\": 100,\n"
  "    \"throttle\": {\"sql\": \"SELECT CASE WHEN (SELECT COUNT(*) FROM items WHERE n > 0) >= 500"
  " THEN (SELECT v FROM flag) ELSE 0 END\", \"max\": 0, \"pause_seconds\": 0.1}}}]}}\n";

static JsonObject *
only_migration (HttpTestServer *server)
{
  g_autoptr(JsonObject) answer = http_test_request_json (server, "GET", "/api/v1/upgrade/migrations", NULL, 200);
  JsonArray *list = json_object_get_array_member (answer, "migrations");

  g_assert_cmpuint (json_array_get_length (list), <=, 1);
  return json_array_get_length (list) == 1 ? json_object_ref (json_array_get_object_element (list, 0)) : NULL;
}

/* Waits until the migration's @member starts with @value. No deadline:
 * under valgrind a batch may take seconds; a migration that finishes
 * first fails the test at once, meson's timeout bounds the rest. */
static const char *const finished_states[] = { "done", "cancelled", "failed", "interrupted", NULL };

static JsonObject *
wait_for (HttpTestServer *server,
          const char     *member,
          const char     *value)
{
  for (;;)
    {
      g_autoptr(JsonObject) m = only_migration (server);
      const char *actual = m != NULL ? json_object_get_string_member_with_default (m, member, NULL) : NULL;
      const char *state = m != NULL ? json_object_get_string_member_with_default (m, "state", "") : "";

      if (actual != NULL && g_str_has_prefix (actual, value))
        return g_steal_pointer (&m);
      if (g_strv_contains (finished_states, state))
        g_error ("the migration ended (%s) before its %s became %s", state, member, value);
      g_usleep (G_USEC_PER_SEC / 5);
    }
}

static char *
control_path (const char *id,
              const char *action)
{
  return g_strdup_printf ("/api/v1/upgrade/migrations/%s/%s", id, action);
}

static void
test_migration_over_http (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autoptr(HttpTestEvents) events = NULL;
  g_autoptr(JsonObject) m = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonObject) progress = NULL;
  g_autoptr(JsonObject) finished = NULL;
  g_autoptr(GString) insert = g_string_new ("INSERT INTO items (id) VALUES ");
  g_autofree char *manifest_path = http_test_server_path (server, "bundle/manifests/1.1.0.json");
  g_autofree char *db = http_test_server_path (server, "app.db");
  g_autofree char *path = NULL;
  g_autofree char *metrics = NULL;
  g_autofree char *series = NULL;
  g_autofree char *id = NULL;
  g_autofree char *execution = NULL;

  g_assert_true (g_file_set_contents (manifest_path, manifest, -1, NULL));
  exec_sqlite_exec (db, "CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0);"
                        " CREATE TABLE flag (v INTEGER); INSERT INTO flag VALUES (1);");
  for (guint i = 1; i <= ROWS; i++)
    g_string_append_printf (insert, "%s(%u)", i > 1 ? ", " : "", i);
  exec_sqlite_exec (db, insert->str);
  http_test_server_start (server);

  /* 202 at once; the batches go on in the service. */
  execution = http_test_execute (server, "post_upgrade");
  events = http_test_events_connect (server, execution);
  m = wait_for (server, "pause_reason", "throttle");
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "paused");
  g_assert_cmpstr (json_object_get_string_member (m, "execution_id"), ==, execution);
  id = g_strdup (json_object_get_string_member (m, "id"));
  g_assert_cmpint (json_object_get_int_member (m, "rows_done"), >=, 500);

  /* The progress of the batches, on the WebSocket, without asking. */
  progress = http_test_events_until (events, "progress", NULL);
  g_assert_nonnull (strstr (json_object_get_string_member (progress, "position"), "% of keys"));

  /* The migration's own event per batch window: its figures as members;
   * held by the throttle, a window says paused and why. */
  for (;;)
    {
      g_autoptr(JsonObject) window = http_test_events_until (events, "migration-progress", NULL);

      g_assert_cmpstr (json_object_get_string_member (window, "migration_id"), ==, id);
      g_assert_cmpstr (json_object_get_string_member (window, "step_id"), ==, "mig");
      g_assert_cmpstr (json_object_get_string_member (window, "table"), ==, "items");
      g_assert_cmpint (json_object_get_int_member (window, "keys_total"), ==, ROWS);
      g_assert_true (json_object_has_member (window, "rows_per_second"));
      g_assert_true (json_object_has_member (window, "eta_seconds"));
      g_assert_cmpint (json_object_get_int_member (window, "batch_size"), >=, 1);
      if (!json_object_get_boolean_member (window, "paused"))
        continue;
      g_assert_cmpstr (json_object_get_string_member (window, "state"), ==, "paused");
      g_assert_true (g_str_has_prefix (json_object_get_string_member (window, "pause_reason"), "throttle"));
      g_assert_cmpint (json_object_get_int_member (window, "rows_done"), >=, 500);
      break;
    }

  /* The operator's pause holds it once the throttle lets go. */
  path = control_path (id, "pause");
  answer = http_test_request_json (server, "POST", path, NULL, 202);
  g_assert_cmpstr (json_object_get_string_member (answer, "control"), ==, "pause");
  exec_sqlite_exec (db, "UPDATE flag SET v = 0");
  g_clear_pointer (&m, json_object_unref);
  m = wait_for (server, "pause_reason", "operator");
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "paused");

  metrics = NULL;
  {
    guint status = http_test_request (server, "GET", "/metrics", HTTP_TEST_TOKEN, NULL, &metrics, NULL);

    g_assert_cmpuint (status, ==, 200);
  }
  series = g_strdup_printf ("upgraded_migration_rows_done{id=\"%s\",step=\"mig\",table=\"items\",state=\"paused\"} ",
                            id);
  g_assert_nonnull (strstr (metrics, series));
  g_assert_nonnull (strstr (metrics, "# TYPE upgraded_migration_rows_per_second gauge\n"));
  g_assert_nonnull (strstr (metrics, "# TYPE upgraded_migration_paused_seconds gauge\n"));
  g_assert_nonnull (strstr (metrics, "# TYPE upgraded_migration_batch_size gauge\n"));

  g_free (path);
  path = control_path (id, "resume");
  g_clear_pointer (&answer, json_object_unref);
  answer = http_test_request_json (server, "POST", path, NULL, 202);
  finished = http_test_events_until (events, "finished", NULL);
  g_assert_cmpstr (json_object_get_string_member (finished, "status"), ==, "SUCCESS");
  g_clear_pointer (&m, json_object_unref);
  m = only_migration (server);
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "done");
  g_assert_cmpint (json_object_get_int_member (m, "pauses"), ==, 1);
  g_assert_cmpint (exec_sqlite_int (db, "SELECT COUNT(*) FROM items WHERE n = 1"), ==, ROWS);

  /* Done: it takes no control (409); an unknown id is a 404. */
  g_free (path);
  path = control_path (id, "pause");
  g_clear_pointer (&answer, json_object_unref);
  answer = http_test_request_json (server, "POST", path, NULL, 409);
  http_test_assert_error (answer, "migration_not_running", "is done");
  g_clear_pointer (&answer, json_object_unref);
  answer = http_test_request_json (server, "POST", "/api/v1/upgrade/migrations/0123456789abcdef/cancel", NULL, 404);
  http_test_assert_error (answer, "not-found", "0123456789abcdef");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/http/migrations", test_migration_over_http);
  return g_test_run ();
}
