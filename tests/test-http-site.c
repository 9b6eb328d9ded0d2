/* test-http-site.c - upgraded refuses a site that is not the
 * configuration's (its site_id or one of its sites) with 400, before
 * anything is planned or run (SPEC §3 Site and range, issue #12)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "exec-test-util.h"
#include "http-test-util.h"

/* Plan, assess and execute for "sh-02" (not site-a, not in "sites"). */
static void
test_unknown_site (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autoptr(JsonObject) error = NULL;
  g_autoptr(JsonObject) plan = NULL;
  g_autofree char *journal = http_test_server_path (server, "journal.db");

  http_test_server_start (server);

  error = http_test_request_json (server, "GET", "/api/v1/upgrade/plan?from=1.0.0&to=1.1.0&siteId=sh-02",
                                  NULL, 400);
  http_test_assert_error (error, "invalid-argument", "site 'sh-02'");
  g_clear_pointer (&error, json_object_unref);

  error = http_test_request_json (server, "POST", "/api/v1/upgrade/assess",
                                  "{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\", \"siteId\": \"sh-02\"}",
                                  400);
  http_test_assert_error (error, "invalid-argument", "site 'sh-02'");
  g_clear_pointer (&error, json_object_unref);

  /* in_stop would block on the gate: a 202 here ran it. */
  error = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                  "{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\", "
                                  "\"stage\": \"in_stop\", \"siteId\": \"sh-02\"}", 400);
  http_test_assert_error (error, "invalid-argument", "expected 'site-a', 'site-b'");
  g_clear_pointer (&error, json_object_unref);
  /* Nothing was recorded for it. */
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_execution"), ==, 0);

  /* The configuration's other site is accepted. */
  plan = http_test_request_json (server, "GET", "/api/v1/upgrade/plan?from=1.0.0&to=1.1.0&siteId=site-b",
                                 NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (plan, "site"), ==, "site-b");
  g_assert_cmpint (http_test_server_terminate (server), ==, 0);
}

/* A `to` above the bundle's newest manifest is bad input naming it. */
static void
test_to_above_newest (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autoptr(JsonObject) error = NULL;

  http_test_server_start (server);
  error = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                  "{\"fromVersion\": \"1.0.0\", \"toVersion\": \"9.9.9\", \"stage\": \"pre_stop\"}",
                                  400);
  http_test_assert_error (error, "plan", "newest manifest of the bundle (1.1.0)");
  g_assert_cmpint (http_test_server_terminate (server), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/http/site/unknown", test_unknown_site);
  g_test_add_func ("/http/site/to-above-newest", test_to_above_newest);
  return g_test_run ();
}
