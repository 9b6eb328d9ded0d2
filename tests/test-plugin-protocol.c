/* test-plugin-protocol.c - what a misbehaving plugin says and leaves behind
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs the fixture plugin `misbehave` as a tool step through upgradectl,
 * as an operator does, with the mistake its step's params choose.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>

#include "exec-test-util.h"

#define PASSWORD "Pl9-s3cret-value"

/* A site whose one data source's password is in UPG_TEST_PLUGIN_PW, with
 * one in_stop tool step of @class_name taking @params. */
static void
site_init (ExecFixture *fx, const char *class_name, const char *params)
{
  g_autofree char *plugins = g_test_build_filename (G_TEST_BUILT, "fixtures", "plugins", NULL);
  g_autofree char *steps = g_strdup_printf (
    "\"in_stop\": [{\"id\": \"tool_001\", \"class_name\": \"%s\","
    " \"compatible_version\": \"1.0.0\", \"timeout\": 300, \"params\": %s}]", class_name, params);
  g_autofree char *extra = g_strdup_printf ("\"plugin_dirs\": [\"%s\"]", plugins);

  exec_fixture_init (fx);
  exec_fixture_write_manifest (fx, "1.0.1", steps, NULL);
  exec_fixture_write_config_extra (fx, "bj-01",
                                   "\"ft_db\": {\"provider\": \"MySQL\", \"host\": \"127.0.0.1\","
                                   " \"database\": \"ft\", \"user\": \"upgrade\","
                                   " \"password_env\": \"UPG_TEST_PLUGIN_PW\"}", extra);
}

/* `upgradectl --json run` of the step, with the password in the
 * environment; returns its exit status. */
static int
site_run (ExecFixture *fx, char **out, char **err)
{
  const char *env[] = { "UPG_TEST_PLUGIN_PW", PASSWORD, NULL };
  int status = exec_fixture_cli_both (fx, env, out, err, "--json", "run", "--from", "1.0.0",
                                      "--to", "1.0.1", "--stage", "in_stop", NULL);

  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

/* Runs the step with @params: upgradectl exits with @expected_exit and
 * prints its JSON document, which is returned. Neither its output nor
 * its errors ever hold the password. */
static JsonObject *
run_step (ExecFixture *fx, const char *params, int expected_exit)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  site_init (fx, "MisbehaveTool", params);
  g_assert_cmpint (site_run (fx, &out, &err), ==, expected_exit);
  g_assert_null (strstr (out, PASSWORD));
  g_assert_null (strstr (err, PASSWORD));
  return exec_parse_json_object (out);
}

static void
assert_tree_lacks (const char *path, const char *text)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        assert_tree_lacks (child, text);
      else if (g_file_get_contents (child, &contents, &length, NULL) &&
               memmem (contents, length, text, strlen (text)) != NULL)
        g_error ("%s holds '%s'", child, text);
    }
}

static char *
execution_log (ExecFixture *fx)
{
  g_autofree char *logs = g_build_filename (fx->state, "logs", NULL);
  g_autoptr(GDir) dir = g_dir_open (logs, 0, NULL);
  g_autofree char *path = NULL;
  char *text = NULL;

  g_assert_nonnull (dir);
  path = g_build_filename (logs, g_dir_read_name (dir), NULL);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* The data source's password variable is not in the plugin host's
 * environment (SPEC §7: a program the plugin starts would inherit it); the
 * host gets the password over its channel. The plugin still learns it
 * (here from a file) and puts it in its error, a log line, a progress
 * message and its stdout. The operator sees the failure, with the
 * password cut out everywhere: the JSON output, stderr, the execution's
 * log, the journal (SPEC §7: never in logs, reports or error messages). */
static void
test_secret_cut (void)
{
  ExecFixture fx = { 0 };
  g_autofree char *log = NULL;
  g_autofree char *file = NULL;
  g_autofree char *params = NULL;
  g_autoptr(JsonObject) doc = NULL;
  JsonObject *breakpoint;

  file = g_build_filename (g_get_tmp_dir (), "upg-test-plugin-pw-XXXXXX", NULL);
  g_close (g_mkstemp (file), NULL);
  g_assert_true (g_file_set_contents (file, PASSWORD "\n", -1, NULL));
  params = g_strdup_printf ("{\"mode\": \"secret\", \"password_env\": \"UPG_TEST_PLUGIN_PW\","
                            " \"password_file\": \"%s\"}", file);
  doc = run_step (&fx, params, 1);
  g_unlink (file);
  breakpoint = json_object_get_object_member (doc, "breakpoint");
  g_assert_nonnull (strstr (json_object_get_string_member (breakpoint, "error"),
                            "login of user upgrade with password '***' refused"));
  assert_tree_lacks (fx.state, PASSWORD);
  /* The log still has what the plugin said, without the password. */
  log = execution_log (&fx);
  g_assert_nonnull (strstr (log, "variable UPG_TEST_PLUGIN_PW is unset"));
  g_assert_nonnull (strstr (log, "logging in with password ***"));
  g_assert_nonnull (strstr (log, "connecting to mysql://upgrade@db.example/ft"));
  exec_fixture_clear (&fx);
}

/* The plugin logs a file name in GBK: the bytes it sends on its channel
 * are not UTF-8. Its migration succeeded, and so does the step (it used
 * to fail as "exited with status 0 without reporting a result", and run
 * again on every retry); the log line is kept, the bytes replaced. */
static void
test_not_utf8 (void)
{
  ExecFixture fx = { 0 };
  g_autofree char *log = NULL;
  g_autoptr(JsonObject) doc = NULL;

  doc = run_step (&fx, "{\"mode\": \"gbk\"}", 0);
  g_assert_cmpstr (json_object_get_string_member (doc, "status"), ==, "SUCCESS");
  log = execution_log (&fx);
  g_assert_nonnull (strstr (log, "migrated task file \xef\xbf\xbd"));
  exec_fixture_clear (&fx);
}

/* The plugin prints a line of 8 MiB and logs one (a file dumped): the
 * log keeps 64 KiB of each and says so, instead of megabytes, and the
 * engine never holds the whole line. */
static void
test_flood (void)
{
  ExecFixture fx = { 0 };
  g_autofree char *log = NULL;
  g_autoptr(JsonObject) doc = NULL;
  const char *first, *second;

  doc = run_step (&fx, "{\"mode\": \"flood\"}", 0);
  g_assert_cmpstr (json_object_get_string_member (doc, "status"), ==, "SUCCESS");
  log = execution_log (&fx);
  g_assert_cmpuint (strlen (log), <, 1 << 20);
  first = strstr (log, "xxx […line cut at 64 KiB]");
  g_assert_nonnull (first);
  second = strstr (first + 1, "xxx […line cut at 64 KiB]");
  g_assert_nonnull (second);
  exec_fixture_clear (&fx);
}

/* A line of 17 MiB on the channel is not an event: the step fails
 * naming the plugin, the method and the limit (exit 1). */
static void
test_channel_flood (void)
{
  ExecFixture fx = { 0 };
  g_autoptr(JsonObject) doc = NULL;
  JsonObject *breakpoint;

  doc = run_step (&fx, "{\"mode\": \"channel-flood\"}", 1);
  breakpoint = json_object_get_object_member (doc, "breakpoint");
  g_assert_cmpstr (json_object_get_string_member (breakpoint, "error"), ==,
                   "step 'tool_001': plugin 'misbehave' in MisbehaveTool.migrate: "
                   "sent a line longer than 16 MiB on its channel");
  exec_fixture_clear (&fx);
}

/* The plugin the step names crashes while it is described (in its
 * class_init), so no plugin provides the step's class. The step's error
 * says why, naming the file, the signal and where, not only that the
 * class is missing (which sends the operator to look for a typo). */
static void
test_crash_in_init (void)
{
  ExecFixture fx = { 0 };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *plugin = g_test_build_filename (G_TEST_BUILT, "fixtures", "plugins",
                                                   "initcrash.so", NULL);
  g_autofree char *crash = NULL;
  g_autoptr(JsonObject) doc = NULL;
  const char *error;

  site_init (&fx, "InitCrashTool", "{}");
  g_assert_cmpint (site_run (&fx, &out, &err), ==, 1);
  doc = exec_parse_json_object (out);
  error = json_object_get_string_member (json_object_get_object_member (doc, "breakpoint"),
                                         "error");
  g_assert_nonnull (strstr (error, "no plugin provides type 'InitCrashTool'"));
  crash = g_strdup_printf ("plugin file '%s' crashed (signal %d) in load", plugin, SIGSEGV);
  if (strstr (error, crash) == NULL)
    g_error ("expected \"%s\" in the error: %s", crash, error);
  exec_fixture_clear (&fx);
}

/* The plugin starts a program in the background that keeps its stdout
 * open and outlives it (a service restarted with system ("… &")). The
 * step ends when the plugin returned and its host exited, not when that
 * program exits (an hour later, or never for a daemon): the run succeeds
 * while the program still runs. */
static void
test_background_child (void)
{
  ExecFixture fx = { 0 };
  g_autofree char *pid_file = g_build_filename (g_get_tmp_dir (), "upg-plugin-bg-XXXXXX", NULL);
  g_autofree char *params = NULL;
  g_autofree char *pid_text = NULL;
  g_autoptr(JsonObject) doc = NULL;
  gint64 pid;

  g_close (g_mkstemp (pid_file), NULL);
  params = g_strdup_printf ("{\"mode\": \"background\", \"pid_file\": \"%s\"}", pid_file);
  doc = run_step (&fx, params, 0);
  g_assert_cmpstr (json_object_get_string_member (doc, "status"), ==, "SUCCESS");
  g_assert_true (g_file_get_contents (pid_file, &pid_text, NULL, NULL));
  pid = g_ascii_strtoll (pid_text, NULL, 10);
  g_assert_cmpint (pid, >, 1);
  /* Still running: the run did not wait for it. */
  g_assert_cmpint (kill ((pid_t) pid, 0), ==, 0);
  kill ((pid_t) pid, SIGKILL);
  g_remove (pid_file);
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plugin-protocol/secret-cut", test_secret_cut);
  g_test_add_func ("/plugin-protocol/not-utf8", test_not_utf8);
  g_test_add_func ("/plugin-protocol/flood", test_flood);
  g_test_add_func ("/plugin-protocol/channel-flood", test_channel_flood);
  g_test_add_func ("/plugin-protocol/crash-in-init", test_crash_in_init);
  g_test_add_func ("/plugin-protocol/background-child", test_background_child);
  return g_test_run ();
}
