/* test-step-http-check.c - `http_check` steps against a real libsoup server
 * on 127.0.0.1 whose answers are scripted by request count: retries until
 * healthy, the bearer token sent and never logged, a failure with the
 * last status and a bounded body excerpt → breakpoint → fix → resume, a
 * body without the expected text, and upgradectl killed with SIGKILL
 * between two attempts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "exec-test-util.h"
#include "scripted-http-server.h"

#define FROM "3.17.0"
#define TO "3.17.5"
#define TOKEN "hc-secret-7f3a"

static void
write_site (ExecFixture    *fx,
            ScriptedServer *server,
            const char     *options)
{
  g_autofree char *url = scripted_server_url (server, "/actuator/health");
  g_autofree char *steps = g_strdup_printf ("\"post_start\": [{\"id\": \"health\", \"compatible_version\": \"3.17.0\", \"http_check\": "
                                            "{\"url\": \"%s\", \"interval\": 0, %s}}]", url, options);

  exec_fixture_init (fx);
  exec_fixture_write_config (fx, "hc-site", "");
  exec_fixture_write_manifest (fx, TO, steps, NULL);
}

static char *
read_log (ExecFixture  *fx,
          UpgExecution *execution)
{
  g_autofree char *name = g_strdup_printf ("%s.log", upg_execution_get_id (execution));
  g_autofree char *path = g_build_filename (fx->state, "logs", name, NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* Unhealthy twice, then healthy: the third attempt passes; the token
 * goes in the header and nowhere in the log. */
static void
test_retries_until_healthy (void)
{
  const ScriptedAnswer answers[] = { { 503, "DOWN" }, { 503, "DOWN" }, { 200, "{\"status\": \"UP\"}" } };
  g_autoptr(ScriptedServer) server = scripted_server_new (answers, G_N_ELEMENTS (answers));
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *auth = NULL, *log = NULL;
  ExecFixture fx;

  write_site (&fx, server, "\"expect_body\": \"UP\", \"retries\": 5, \"token_env\": \"HC_TOKEN\"");
  g_setenv ("HC_TOKEN", TOKEN, TRUE);
  g_assert_true (exec_fixture_run (&fx, FROM, TO, "post_start", &execution, &error));
  g_assert_no_error (error);
  g_unsetenv ("HC_TOKEN");
  exec_assert_steps (execution, "health=SUCCESS");
  g_assert_cmpuint (scripted_server_requests (server), ==, 3);
  auth = scripted_server_header (server, 2, "Authorization");
  g_assert_cmpstr (auth, ==, "Bearer " TOKEN);
  log = read_log (&fx, execution);
  g_assert_nonnull (strstr (log, "answered HTTP 503 (attempt 2 of 6)"));
  g_assert_nonnull (strstr (log, "answered HTTP 200 (attempt 3 of 6)"));
  g_assert_null (strstr (log, TOKEN));
  exec_fixture_clear (&fx);
}

/* Never healthy: exit 1 with the last status and a bounded excerpt of the
 * body at the breakpoint; the service fixed, resume --retry passes. */
static void
test_failure_resume (void)
{
  g_autoptr(GString) long_body = g_string_new ("DOWN: ");
  g_autoptr(ScriptedServer) server = NULL;
  const ScriptedAnswer healthy[] = { { 200, "UP" } };
  g_autofree char *out = NULL, *resumed = NULL, *id = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char *bp_error;
  ExecFixture fx;

  for (guint i = 0; i < 500; i++)
    g_string_append_c (long_body, 'x');
  server = scripted_server_new ((const ScriptedAnswer[]) { { 503, long_body->str } }, 1);
  write_site (&fx, server, "\"expect_body\": \"UP\", \"retries\": 1");
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "--json", "run", "--from", FROM, "--to", TO,
                                                     "--stage", "post_start", NULL)), ==, 1);
  g_assert_cmpuint (scripted_server_requests (server), ==, 2);
  node = json_from_string (out, NULL);
  g_assert_nonnull (node);
  bp_error = json_object_get_string_member (json_object_get_object_member (json_node_get_object (node),
                                                                           "breakpoint"), "error");
  g_assert_nonnull (strstr (bp_error, "/actuator/health answered HTTP 503, expected 200 (2 attempts); body: DOWN: xxx"));
  /* The excerpt stops at 200 characters. */
  g_assert_nonnull (strstr (bp_error, "xxx…"));
  g_assert_cmpuint (strlen (bp_error), <, 400);
  id = g_strdup (json_object_get_string_member (json_node_get_object (node), "execution_id"));

  scripted_server_set_answers (server, healthy, G_N_ELEMENTS (healthy));
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &resumed, "--json", "resume", id, "--retry", NULL)),
                   ==, 0);
  g_assert_nonnull (strstr (resumed, "\"SUCCESS\""));
  exec_fixture_clear (&fx);
}

static void
test_body_mismatch (void)
{
  const ScriptedAnswer answers[] = { { 200, "{\"status\": \"STARTING\"}" } };
  g_autoptr(ScriptedServer) server = scripted_server_new (answers, 1);
  g_autoptr(GError) error = NULL;
  ExecFixture fx;

  write_site (&fx, server, "\"expect_body\": \"UP\"");
  g_assert_false (exec_fixture_run (&fx, FROM, TO, "post_start", NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_nonnull (strstr (error->message, "answered HTTP 200 without \"UP\" in its body (1 attempt); "
                                            "body: {\"status\": \"STARTING\"}"));
  exec_fixture_clear (&fx);
}

/* A password in the URL stays out of the failure (it once was shown:
 * the URL was parsed without splitting its user info). */
static void
test_url_password_hidden (void)
{
  const ScriptedAnswer answers[] = { { 503, "DOWN" } };
  g_autoptr(ScriptedServer) server = scripted_server_new (answers, 1);
  g_autofree char *url = scripted_server_url (server, "/actuator/health");
  g_autoptr(GString) with_password = g_string_new (url);
  g_autofree char *steps = NULL;
  g_autoptr(GError) error = NULL;
  ExecFixture fx;

  g_string_replace (with_password, "http://", "http://probe:pw-77c1e@", 1);
  steps = g_strdup_printf ("\"post_start\": [{\"id\": \"health\", \"compatible_version\": \"3.17.0\", "
                           "\"http_check\": {\"url\": \"%s\", \"interval\": 0, \"retries\": 0}}]",
                           with_password->str);
  exec_fixture_init (&fx);
  exec_fixture_write_config (&fx, "hc-site", "");
  exec_fixture_write_manifest (&fx, TO, steps, NULL);
  g_assert_false (exec_fixture_run (&fx, FROM, TO, "post_start", NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_nonnull (strstr (error->message, "answered HTTP 503"));
  g_assert_nonnull (strstr (error->message, "probe@127.0.0.1"));
  g_assert_null (strstr (error->message, "pw-77c1e"));
  exec_fixture_clear (&fx);
}

/* A token variable that is not set fails the step naming the variable. */
static void
test_token_missing (void)
{
  const ScriptedAnswer answers[] = { { 200, "UP" } };
  g_autoptr(ScriptedServer) server = scripted_server_new (answers, 1);
  g_autoptr(GError) error = NULL;
  ExecFixture fx;

  write_site (&fx, server, "\"token_env\": \"HC_TOKEN_UNSET_UPG\"");
  g_assert_false (exec_fixture_run (&fx, FROM, TO, "post_start", NULL, &error));
  g_assert_nonnull (strstr (error->message, "HC_TOKEN_UNSET_UPG is not set"));
  g_assert_cmpuint (scripted_server_requests (server), ==, 0);
  exec_fixture_clear (&fx);
}

/* Killed before the second attempt: the run again checks again and
 * passes; nothing counts the killed check as done. */
static void
test_killed_between_attempts (void)
{
  const ScriptedAnswer answers[] = { { 503, "DOWN" }, { 200, "UP" } };
  g_autoptr(ScriptedServer) server = scripted_server_new (answers, G_N_ELEMENTS (answers));
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", "2:before-send", NULL };
  g_autofree char *out = NULL;
  ExecFixture fx;

  write_site (&fx, server, "\"expect_body\": \"UP\", \"retries\": 3");
  g_assert_true (exec_fixture_cli_killed (exec_fixture_cli (&fx, env, &out, "--json", "run", "--from", FROM,
                                                            "--to", TO, "--stage", "post_start", NULL)));
  g_assert_cmpuint (scripted_server_requests (server), ==, 1);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "--json", "run", "--from", FROM, "--to", TO,
                                                     "--stage", "post_start", NULL)), ==, 0);
  g_assert_cmpuint (scripted_server_requests (server), ==, 2);
  g_assert_nonnull (strstr (out, "\"SUCCESS\""));
  exec_fixture_clear (&fx);
}

/* The URL names the site's port (`${env.health_port}`, from the
 * configuration's env): rendered at run time; a placeholder SPEC §4 does
 * not know is a manifest error naming it. */
static void
test_url_placeholder (void)
{
  const ScriptedAnswer answers[] = { { 200, "UP" } };
  g_autoptr(ScriptedServer) server = scripted_server_new (answers, 1);
  g_autofree char *url = scripted_server_url (server, "/");
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL, *out = NULL;
  ExecFixture fx;

  exec_fixture_init (&fx);
  config = g_strdup_printf ("{\"site_id\": \"hc-site\", \"env\": {\"health_port\": %d}, \"datasources\": {}}",
                            g_uri_get_port (uri));
  g_assert_true (g_file_set_contents (fx.config, config, -1, NULL));
  exec_fixture_write_manifest (&fx, TO, "\"post_start\": [{\"id\": \"health\", \"compatible_version\": \"3.17.0\", "
                               "\"http_check\": {\"url\": \"http://127.0.0.1:${env.health_port}/actuator/health\", "
                               "\"expect_body\": \"UP\"}}]", NULL);
  g_assert_true (exec_fixture_run (&fx, FROM, TO, "post_start", &execution, &error));
  g_assert_no_error (error);
  exec_assert_steps (execution, "health=SUCCESS");
  g_assert_cmpuint (scripted_server_requests (server), ==, 1);

  exec_fixture_write_manifest (&fx, TO, "\"post_start\": [{\"id\": \"health\", \"http_check\": "
                               "{\"url\": \"http://127.0.0.1:${env_port}/\"}}]", NULL);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "validate", NULL)), ==, 2);
  g_assert_nonnull (strstr (out, "$.upgrade_steps.post_start[0].http_check.url: url:1: unknown placeholder ${env_port}"));
  exec_fixture_clear (&fx);
}

/* Wherever a URL with a password is named, the password is not: in
 * validate's problems (a URL refused for its scheme, with and without a
 * placeholder) and in the breakpoint of a URL whose rendered form is not
 * a URL, its password coming from the configuration's env. */
static void
test_url_password_hidden_everywhere (void)
{
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *placeholder_out = NULL;
  ExecFixture fx;

  exec_fixture_init (&fx);
  g_assert_true (g_file_set_contents (fx.config, "{\"site_id\": \"hc-site\", \"env\": {\"hc_pw\": \"pw-5be0d\", "
                                      "\"hc_host\": \"[::1\"}, \"datasources\": {}}", -1, NULL));
  exec_fixture_write_manifest (&fx, TO, "\"post_start\": [{\"id\": \"health\", \"http_check\": "
                               "{\"url\": \"ftp://probe:pw-9d2e1@127.0.0.1/health\"}}]", NULL);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "validate", NULL)), ==, 2);
  g_assert_nonnull (strstr (out, "$.upgrade_steps.post_start[0].http_check.url: expected an http:// or https:// URL, "
                                 "got \"ftp://probe@127.0.0.1/health\""));
  g_assert_null (strstr (out, "pw-9d2e1"));

  exec_fixture_write_manifest (&fx, TO, "\"post_start\": [{\"id\": \"health\", \"http_check\": "
                               "{\"url\": \"ftp://probe:pw-9d2e1@${env.hc_host}/health\"}}]", NULL);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &placeholder_out, "validate", NULL)), ==, 2);
  g_assert_nonnull (strstr (placeholder_out, "got \"ftp://probe@${env.hc_host}/health\""));
  g_assert_null (strstr (placeholder_out, "pw-9d2e1"));

  exec_fixture_write_manifest (&fx, TO, "\"post_start\": [{\"id\": \"health\", \"compatible_version\": \"3.17.0\", "
                               "\"http_check\": {\"url\": \"http://probe:${env.hc_pw}@${env.hc_host}/health\"}}]",
                               NULL);
  g_assert_false (exec_fixture_run (&fx, FROM, TO, "post_start", &execution, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_nonnull (strstr (error->message, "is not an http:// or https:// URL: http://probe@[::1/health"));
  g_assert_null (strstr (error->message, "pw-5be0d"));
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/step-http-check/retries-until-healthy", test_retries_until_healthy);
  g_test_add_func ("/step-http-check/failure-resume", test_failure_resume);
  g_test_add_func ("/step-http-check/body-mismatch", test_body_mismatch);
  g_test_add_func ("/step-http-check/token-missing", test_token_missing);
  g_test_add_func ("/step-http-check/url-password-hidden", test_url_password_hidden);
  g_test_add_func ("/step-http-check/killed-between-attempts", test_killed_between_attempts);
  g_test_add_func ("/step-http-check/url-placeholder", test_url_placeholder);
  g_test_add_func ("/step-http-check/url-password-hidden-everywhere", test_url_password_hidden_everywhere);
  return g_test_run ();
}
