/* test-cli-ops.c - the operator's workflow (issue #12): nothing runs by
 * mistake (a mistyped site or version, a manifest without component),
 * no secret reaches a command, nothing strands a site (unlock, signals,
 * resume counting), exit codes that say what happened
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec-test-util.h"

/* upgradectl --json ARGS… (NULL-terminated): checks the exit code,
 * returns the object printed. */
#define ctl_json(fx, code, ...) exec_fixture_ctl_json ((fx), NULL, (code), __VA_ARGS__)

/* `{"error": {"code", "message"}}` whose message contains @part. */
static void
assert_error (JsonObject *document,
              const char *part)
{
  JsonObject *error = json_object_get_object_member (document, "error");
  const char *message;

  g_assert_nonnull (error);
  message = json_object_get_string_member (error, "message");
  if (strstr (message, part) == NULL)
    g_error ("error message '%s' does not contain '%s'", message, part);
}

static gint64
execution_count (ExecFixture *fx)
{
  g_autofree char *journal = g_build_filename (fx->state, "journal.db", NULL);

  if (!g_file_test (journal, G_FILE_TEST_EXISTS))
    return 0;
  return exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_execution");
}

/* Two manifests (1.0.0, 1.2.0) whose post_start steps each leave a file:
 * whether a step ran is whether its file exists. */
static void
write_marking_bundle (ExecFixture *fx)
{
  exec_fixture_write (fx, "bundle/manifests/1.0.0.json",
                      "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
                      " \"upgrade_steps\": {\"post_start\": [{\"id\": \"m100\", \"compatible_version\": \"0.1.0\",\n"
                      "   \"command\": [\"sh\", \"-c\", \"touch ../ran-100\"]}]}}\n");
  exec_fixture_write (fx, "bundle/manifests/1.2.0.json",
                      "{\"version\": \"1.2.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
                      " \"upgrade_steps\": {\"post_start\": [{\"id\": \"m120\", \"compatible_version\": \"0.1.0\",\n"
                      "   \"command\": [\"sh\", \"-c\", \"touch ../ran-120\"]}]}}\n");
  exec_fixture_write_config_extra (fx, "bj-01", "", "\"sites\": [\"bj-02\"]");
}

static gboolean
ran (ExecFixture *fx,
     const char  *marker)
{
  g_autofree char *path = exec_fixture_path (fx, marker);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* `--site bj-1` (a typo of bj-01) is bad input for every command that
 * takes a site, before anything runs; bj-02 of "sites" is accepted. */
static void
test_site_typo (void)
{
  ExecFixture fx;
  const char *commands[][8] = {
    { "run", "--from", "0.9.0", "--to", "1.2.0", "--stage", "post_start" },
    { "rollback", "--from", "0.9.0", "--to", "1.2.0", "--stage", "post_start" },
    { "plan", "--from", "0.9.0", "--to", "1.2.0" },
    { "assess", "--from", "0.9.0", "--to", "1.2.0" },
    { "status" },
    { "history" },
    { "unlock", "--force" },
  };

  exec_fixture_init (&fx);
  write_marking_bundle (&fx);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autoptr(JsonObject) error = ctl_json (&fx, 2, commands[i][0], "--site", "bj-1",
                                              commands[i][1], commands[i][2], commands[i][3], commands[i][4],
                                              commands[i][5], commands[i][6], NULL);

      assert_error (error, "site 'bj-1' is not a site of this configuration");
      assert_error (error, "expected 'bj-01', 'bj-02'");
    }
  g_assert_false (ran (&fx, "ran-100"));
  g_assert_cmpint (execution_count (&fx), ==, 0);

  {
    g_autoptr(JsonObject) plan = ctl_json (&fx, 0, "plan", "--site", "bj-02", "--from", "0.9.0", "--to", "1.2.0",
                                           NULL);
    g_autoptr(JsonObject) run = ctl_json (&fx, 0, "run", "--site", "bj-02", "--from", "0.9.0", "--to", "1.2.0",
                                          "--stage", "post_start", NULL);

    g_assert_cmpstr (json_object_get_string_member (plan, "site"), ==, "bj-02");
    g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "SUCCESS");
    g_assert_true (ran (&fx, "ran-100") && ran (&fx, "ran-120"));
  }
  exec_fixture_clear (&fx);
}

/* The library refuses it too (Python, embedders). */
static void
test_site_typo_library (void)
{
  ExecFixture fx;
  g_autoptr(UpgExecutor) executor = NULL;
  g_autoptr(UpgRun) run = exec_run_new (UPG_RUN_KIND_RUN, "0.9.0", "1.2.0", "post_start");
  g_autoptr(GError) error = NULL;

  exec_fixture_init (&fx);
  write_marking_bundle (&fx);
  executor = exec_fixture_executor (&fx);
  upg_run_set_site_id (run, "bj-1");
  g_assert_false (upg_executor_run (executor, run, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_assert_false (ran (&fx, "ran-100"));
  g_clear_object (&executor);
  exec_fixture_clear (&fx);
}

/* `--to 9.9.9` above the newest manifest (1.2.0) is bad input naming it;
 * 1.1.0 between the manifests is a valid target. */
static void
test_to_above_newest (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) error = NULL;
  g_autoptr(JsonObject) run = NULL;

  exec_fixture_init (&fx);
  write_marking_bundle (&fx);
  error = ctl_json (&fx, 2, "run", "--from", "0.9.0", "--to", "9.9.9", "--stage", "post_start", NULL);
  assert_error (error, "'to' (9.9.9) is above the newest manifest of the bundle (1.2.0)");
  g_clear_pointer (&error, json_object_unref);
  error = ctl_json (&fx, 2, "plan", "--from", "0.9.0", "--to", "9.9.9", NULL);
  assert_error (error, "(1.2.0)");
  g_assert_false (ran (&fx, "ran-100") || ran (&fx, "ran-120"));
  g_assert_cmpint (execution_count (&fx), ==, 0);

  run = ctl_json (&fx, 0, "run", "--from", "0.9.0", "--to", "1.1.0", "--stage", "post_start", NULL);
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "SUCCESS");
  g_assert_true (ran (&fx, "ran-100"));
  g_assert_false (ran (&fx, "ran-120"));
  exec_fixture_clear (&fx);
}

/* A manifest without "component" whose step has none either: validate
 * names the file and the JSON path; plan and run refuse it before
 * anything runs. */
static void
test_missing_component (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) error = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *expected = NULL;

  exec_fixture_init (&fx);
  exec_fixture_write (&fx, "bundle/manifests/1.0.0.json",
                      "{\"version\": \"1.0.0\", \"version_type\": \"baseline\",\n"
                      " \"upgrade_steps\": {\"in_stop\": [\n"
                      "   {\"id\": \"own\", \"component\": \"app\", \"compatible_version\": \"0.1.0\", \"command\": [\"true\"]},\n"
                      "   {\"id\": \"none\", \"compatible_version\": \"0.1.0\", \"command\": [\"sh\", \"-c\", \"touch ../ran\"]}]}}\n");
  exec_fixture_write_config (&fx, "bj-01", "");
  manifest = exec_fixture_path (&fx, "bundle/manifests/1.0.0.json");
  expected = g_strdup_printf ("%s: $.upgrade_steps.in_stop[1].component: missing: step 'none'", manifest);

  error = ctl_json (&fx, 2, "validate", NULL);
  g_assert_false (json_object_get_boolean_member (error, "valid"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (error, "problems")), ==, 1);
  g_assert_nonnull (strstr (json_array_get_string_element (json_object_get_array_member (error, "problems"), 0),
                            expected));
  g_clear_pointer (&error, json_object_unref);
  error = ctl_json (&fx, 2, "plan", "--from", "0.9.0", "--to", "1.0.0", NULL);
  assert_error (error, expected);
  g_clear_pointer (&error, json_object_unref);
  error = ctl_json (&fx, 2, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop", NULL);
  assert_error (error, expected);
  g_assert_false (ran (&fx, "ran"));
  g_assert_cmpint (execution_count (&fx), ==, 0);
  exec_fixture_clear (&fx);
}

/* The variables holding a data source's password or a hook's token are not
 * in a command step's environment; the UPGRADE_* ones and others are. */
static void
test_command_secrets (void)
{
  ExecFixture fx;
  const char *env[] = { "FT_DB_PASSWORD", "s3cret-db", "HOOK_TOKEN", "s3cret-hook",
                        "UNRELATED_SETTING", "kept", NULL };
  g_autoptr(JsonObject) run = NULL;
  g_autofree char *dump_path = NULL;
  g_autofree char *dump = NULL;

  exec_fixture_init (&fx);
  exec_fixture_write (&fx, "bundle/manifests/1.0.0.json",
                      "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
                      " \"upgrade_steps\": {\"in_stop\": [{\"id\": \"dump\", \"compatible_version\": \"0.1.0\",\n"
                      "   \"command\": [\"sh\", \"-c\", \"env > ../env.txt\"]}]}}\n");
  exec_fixture_write_config_extra (&fx, "bj-01",
                                   "\"ft_db\": {\"provider\": \"MySQL\", \"host\": \"127.0.0.1\", \"port\": 1,"
                                   " \"database\": \"ft\", \"user\": \"u\", \"password_env\": \"FT_DB_PASSWORD\"}",
                                   "\"notify\": [{\"url\": \"http://127.0.0.1:1/hook\", \"events\": [\"failed\"],"
                                   " \"token_env\": \"HOOK_TOKEN\"}]");
  run = exec_fixture_ctl_json (&fx, env, 0, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop", NULL);
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "SUCCESS");
  dump_path = exec_fixture_path (&fx, "env.txt");
  g_assert_true (g_file_get_contents (dump_path, &dump, NULL, NULL));
  g_assert_null (strstr (dump, "FT_DB_PASSWORD"));
  g_assert_null (strstr (dump, "s3cret"));
  g_assert_null (strstr (dump, "HOOK_TOKEN"));
  g_assert_nonnull (strstr (dump, "UNRELATED_SETTING=kept"));
  g_assert_nonnull (strstr (dump, "UPGRADE_SITE_ID=bj-01"));
  exec_fixture_clear (&fx);
}

/* `report ID -b out.tar.gz` is the global -b: refused (2) instead of
 * writing nothing; -o writes the report, --support-bundle the archive. */
static void
test_report_outputs (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) run = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) written = NULL;
  g_autofree char *archive = NULL;
  g_autofree char *report_path = NULL;
  g_autofree char *report = NULL;
  const char *id;

  exec_fixture_init (&fx);
  write_marking_bundle (&fx);
  run = ctl_json (&fx, 0, "run", "--from", "0.9.0", "--to", "1.2.0", "--stage", "post_start", NULL);
  id = json_object_get_string_member (run, "execution_id");
  archive = exec_fixture_path (&fx, "support.tar.gz");
  report_path = exec_fixture_path (&fx, "report.md");

  refused = ctl_json (&fx, 2, "report", id, "-b", archive, NULL);
  assert_error (refused, "--support-bundle FILE");
  g_assert_false (g_file_test (archive, G_FILE_TEST_EXISTS));

  /* A mistyped folder is said as such, before anything is written. */
  {
    g_autofree char *lost = exec_fixture_path (&fx, "no-such-folder/report.md");
    g_autoptr(JsonObject) no_folder = ctl_json (&fx, 2, "report", id, "-o", lost, NULL);
    g_autoptr(JsonObject) no_bundle_folder = NULL;

    assert_error (no_folder, "no-such-folder' does not exist");
    g_free (lost);
    lost = exec_fixture_path (&fx, "no-such-folder/support.tar.gz");
    no_bundle_folder = ctl_json (&fx, 2, "report", id, "--support-bundle", lost, NULL);
    assert_error (no_bundle_folder, "no-such-folder' does not exist");
  }

  written = ctl_json (&fx, 0, "report", id, "--format", "markdown", "-o", report_path,
                      "--support-bundle", archive, NULL);
  g_assert_cmpstr (json_object_get_string_member (written, "bundle"), ==, archive);
  g_assert_true (g_file_test (archive, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_get_contents (report_path, &report, NULL, NULL));
  g_assert_nonnull (strstr (report, id));
  exec_fixture_clear (&fx);
}

/* ---- signals, unlock and resume counting ----------------------------- */

/* in_stop: "gate" says it started through started.fifo, then blocks
 * reading gate.fifo until the test writes it; "after" marks that the run
 * went on. */
static void
write_gate_bundle (ExecFixture *fx)
{
  g_autofree char *started = exec_fixture_path (fx, "started.fifo");
  g_autofree char *gate = exec_fixture_path (fx, "gate.fifo");

  exec_fixture_write (fx, "bundle/manifests/1.0.0.json",
                      "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
                      " \"upgrade_steps\": {\"in_stop\": [\n"
                      "   {\"id\": \"gate\", \"compatible_version\": \"0.1.0\",\n"
                      "    \"command\": [\"sh\", \"-c\", \"echo started > ../started.fifo && exec cat ../gate.fifo\"]},\n"
                      "   {\"id\": \"after\", \"compatible_version\": \"0.1.0\",\n"
                      "    \"command\": [\"sh\", \"-c\", \"touch ../after\"]}]}}\n");
  exec_fixture_write_config (fx, "bj-01", "");
  g_assert_cmpint (mkfifo (started, 0600), ==, 0);
  g_assert_cmpint (mkfifo (gate, 0600), ==, 0);
}

/* Starts `upgradectl --json run … --stage in_stop`, its stdout piped. */
static GSubprocess *
spawn_in_stop_run (ExecFixture *fx)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, g_getenv ("UPGRADECTL"),
                              "-b", fx->bundle, "-c", fx->config, "--state-dir", fx->state, "--json",
                              "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop", NULL);
  g_assert_no_error (error);
  return process;
}

/* Starts the run and returns once its gate step runs (it wrote
 * started.fifo): no sleep, no polling. */
static GSubprocess *
spawn_gate_run (ExecFixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *started = exec_fixture_path (fx, "started.fifo");
  g_autofree char *said = NULL;
  GSubprocess *process = spawn_in_stop_run (fx);

  /* Blocks until the step opened the fifo, and reads to its EOF. */
  g_assert_true (g_file_get_contents (started, &said, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (said, ==, "started\n");
  return process;
}

/* Waits for @process; returns its exit code and its single JSON document. */
static int
finish_run (GSubprocess  *process,
            JsonObject  **document)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  *document = exec_parse_json_object (out);
  return g_subprocess_get_exit_status (process);
}

static void
open_gate (ExecFixture *fx)
{
  g_autofree char *gate = exec_fixture_path (fx, "gate.fifo");
  int fd = open (gate, O_WRONLY);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, "go\n", 3), ==, 3);
  close (fd);
}

static gint64
journal_int (ExecFixture *fx,
             const char  *sql)
{
  g_autofree char *journal = g_build_filename (fx->state, "journal.db", NULL);

  return exec_sqlite_int (journal, sql);
}

/* SIGTERM, then SIGINT, stop a run cleanly: exit 143 / 130, INTERRUPTED,
 * the lock released; `unlock --force` is refused while the run lives;
 * the third run continues, and none of the continuations counted as a
 * resume. */
static void
test_signals_interrupt (void)
{
  ExecFixture fx;
  const int signals[] = { SIGTERM, SIGINT };
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(GSubprocess) last = NULL;
  g_autofree char *id = NULL;

  exec_fixture_init (&fx);
  write_gate_bundle (&fx);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      g_autoptr(GSubprocess) process = spawn_gate_run (&fx);
      g_autoptr(JsonObject) refused = NULL;
      g_autoptr(JsonObject) status = NULL;

      /* The holder lives: unlock refuses (exit 3) and the lock stays. */
      refused = ctl_json (&fx, 3, "unlock", "--force", NULL);
      assert_error (refused, "which is alive: its process");
      g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM upgrade_lock"), ==, 1);

      g_subprocess_send_signal (process, signals[i]);
      g_assert_cmpint (finish_run (process, &result), ==, 128 + signals[i]);
      g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "INTERRUPTED");
      if (id == NULL)
        id = g_strdup (json_object_get_string_member (result, "execution_id"));
      g_assert_cmpstr (json_object_get_string_member (result, "execution_id"), ==, id);
      g_clear_pointer (&result, json_object_unref);

      g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM upgrade_lock"), ==, 0);
      g_assert_false (ran (&fx, "after"));
      status = ctl_json (&fx, 130, "status", id, NULL);
      g_assert_cmpstr (json_object_get_string_member (status, "status"), ==, "INTERRUPTED");
    }

  last = spawn_gate_run (&fx);
  open_gate (&fx);
  g_assert_cmpint (finish_run (last, &result), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "SUCCESS");
  g_assert_cmpstr (json_object_get_string_member (result, "execution_id"), ==, id);
  g_assert_true (ran (&fx, "after"));
  g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM upgrade_execution"), ==, 1);
  g_assert_cmpint (journal_int (&fx, "SELECT resume_count FROM upgrade_execution"), ==, 0);
  exec_fixture_clear (&fx);
}

/* upgradectl killed with SIGKILL while a command step runs (as the crash
 * tests kill it): the command dies with it (PR_SET_PDEATHSIG), so nothing
 * the run started lives on under init, holding what it inherited. The
 * step keeps hold.fifo open for writing; the test reads it to its end of
 * file, which comes once the last writer, the command, is gone. */
static void
test_kill_takes_child (void)
{
  ExecFixture fx;
  g_autofree char *hold = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  char buffer[64];
  gssize n;
  int fd;

  exec_fixture_init (&fx);
  exec_fixture_write (&fx, "bundle/manifests/1.0.0.json",
                      "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
                      " \"upgrade_steps\": {\"in_stop\": [\n"
                      "   {\"id\": \"hold\", \"compatible_version\": \"0.1.0\",\n"
                      "    \"command\": [\"sh\", \"-c\", \"exec 3> ../hold.fifo && echo started >&3 && "
                      "exec sleep 3600\"]}]}}\n");
  exec_fixture_write_config (&fx, "bj-01", "");
  hold = exec_fixture_path (&fx, "hold.fifo");
  g_assert_cmpint (mkfifo (hold, 0600), ==, 0);

  process = spawn_in_stop_run (&fx);
  /* Blocks until the command opened the fifo; then its line. */
  fd = open (hold, O_RDONLY);
  g_assert_cmpint (fd, >=, 0);
  n = read (fd, buffer, sizeof buffer);
  g_assert_cmpint (n, ==, strlen ("started\n"));
  g_assert_cmpmem (buffer, n, "started\n", n);

  g_subprocess_force_exit (process);
  /* upgradectl's own stdout reaches its end: no child inherited it. */
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (process));
  g_assert_cmpint (g_subprocess_get_term_sig (process), ==, SIGKILL);
  /* The command's end of the fifo closes: it died with upgradectl. On
   * a regression this read waits for `sleep 3600`, and the test's
   * timeout fails it. */
  while ((n = read (fd, buffer, sizeof buffer)) > 0)
    ;
  g_assert_cmpint (n, ==, 0);
  close (fd);
  exec_fixture_clear (&fx);
}

/* Re-running after a failure is an operator resume: the 10th is the last;
 * then `run --new-execution` starts a new execution that still skips what
 * succeeded. */
static void
test_resume_limit_new_execution (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) fresh = NULL;
  g_autofree char *fixed = NULL;
  JsonArray *steps;

  exec_fixture_init (&fx);
  exec_fixture_write (&fx, "bundle/manifests/1.0.0.json",
                      "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
                      " \"upgrade_steps\": {\"in_stop\": [\n"
                      "   {\"id\": \"once\", \"compatible_version\": \"0.1.0\", \"command\": [\"true\"]},\n"
                      "   {\"id\": \"needs_fix\", \"compatible_version\": \"0.1.0\",\n"
                      "    \"command\": [\"test\", \"-e\", \"../fixed\"]}]}}\n");
  exec_fixture_write_config (&fx, "bj-01", "");
  first = ctl_json (&fx, 1, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop", NULL);
  for (guint i = 1; i <= 10; i++)
    {
      g_autoptr(JsonObject) again = ctl_json (&fx, 1, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage",
                                              "in_stop", NULL);

      g_assert_cmpstr (json_object_get_string_member (again, "execution_id"), ==,
                       json_object_get_string_member (first, "execution_id"));
    }
  refused = ctl_json (&fx, 1, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop", NULL);
  assert_error (refused, "already resumed 10 times");
  /* The message says the way on. */
  assert_error (refused, "upgradectl run --new-execution");
  g_assert_cmpint (journal_int (&fx, "SELECT resume_count FROM upgrade_execution"), ==, 10);

  fixed = exec_fixture_path (&fx, "fixed");
  g_assert_true (g_file_set_contents (fixed, "", 0, NULL));
  fresh = ctl_json (&fx, 0, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop", "--new-execution",
                    NULL);
  g_assert_cmpstr (json_object_get_string_member (fresh, "status"), ==, "SUCCESS");
  g_assert_cmpstr (json_object_get_string_member (fresh, "execution_id"), !=,
                   json_object_get_string_member (first, "execution_id"));
  steps = json_object_get_array_member (fresh, "steps");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (steps, 0), "status"), ==,
                   "SKIPPED");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (steps, 1), "status"), ==,
                   "SUCCESS");
  g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM upgrade_execution"), ==, 2);
  exec_fixture_clear (&fx);
}

/* A configuration whose "sites" repeats its site_id, as one is often
 * written: a mistyped site is refused naming each accepted site once,
 * each in quotes of its own in Chinese too. */
static void
test_site_typo_listed_once (void)
{
  const char *zh[] = { "LANG", "zh_CN.UTF-8", "LANGUAGE", "zh_CN", "LC_ALL", "zh_CN.UTF-8", NULL };
  const char *c[] = { "LANG", "C", "LC_ALL", "C", "LANGUAGE", "", NULL };
  ExecFixture fx;
  g_autofree char *err = NULL, *zh_err = NULL;

  g_assert_nonnull (g_getenv ("UPGRADE_LOCALEDIR"));
  exec_fixture_init (&fx);
  exec_fixture_write_manifest (&fx, "1.0.0", "", NULL);
  exec_fixture_write_config_extra (&fx, "dc1", "", "\"sites\": [\"dc1\", \"dc2\"]");

  g_assert_cmpint (exec_exit_code (exec_fixture_cli_stderr (&fx, c, &err, "plan", "--site", "dc3", "--from", "0.9.0",
                                                            "--to", "1.0.0", NULL)), ==, 2);
  if (strstr (err, "expected 'dc1', 'dc2' (its") == NULL)
    g_error ("the accepted sites are not listed once each:\n%s", err);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli_stderr (&fx, zh, &zh_err, "plan", "--site", "dc3", "--from",
                                                            "0.9.0", "--to", "1.0.0", NULL)), ==, 2);
  if (strstr (zh_err, "：应为 'dc1', 'dc2'（其") == NULL)
    g_error ("the accepted sites are not quoted one by one:\n%s", zh_err);
  exec_fixture_clear (&fx);
}

/* A statement that commits on its own (SQLite's VACUUM here, MariaDB's
 * DDL at a site) interrupted by a kill between its end and its marker is
 * in doubt: the breakpoint's error, which the operator reads before
 * choosing --retry or --skip, is in their language like the rest. */
static void
test_in_doubt_chinese (void)
{
  const char *crash[] = { "UPGRADE_TEST_CRASH_AT", "1:after-execute-before-commit", NULL };
  const char *zh[] = { "LANG", "zh_CN.UTF-8", "LANGUAGE", "zh_CN", "LC_ALL", "zh_CN.UTF-8", NULL };
  ExecFixture fx;
  g_autofree char *source = NULL, *sources = NULL, *out = NULL, *err = NULL;
  int status;

  g_assert_nonnull (g_getenv ("UPGRADE_LOCALEDIR"));
  exec_fixture_init (&fx);
  source = exec_fixture_sqlite_source (&fx, "app.sqlite");
  sources = g_strdup_printf ("\"db\": %s", source);
  exec_fixture_write (&fx, "bundle/manifests/1.0.0.json",
    "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"upgrade_steps\": {\"in_stop\": [{\"id\": \"compact\", \"compatible_version\": \"0.1.0\","
    "  \"database\": \"db\", \"sql_scripts\": [\"sql/compact.sql\"]}]}}\n");
  exec_fixture_write (&fx, "bundle/sql/compact.sql", "VACUUM;\n");
  exec_fixture_write_config (&fx, "bj-01", sources);

  status = exec_fixture_cli (&fx, crash, NULL, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop", NULL);
  g_assert_true (exec_fixture_cli_killed (status));

  status = exec_fixture_cli_both (&fx, zh, &out, &err, "run", "--from", "0.9.0", "--to", "1.0.0",
                                  "--stage", "in_stop", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 5);
  if (strstr (out, "执行过程中被中断；该语句会自行提交，因此无法确定它是否已生效") == NULL ||
      strstr (out, "interrupted while it ran") != NULL)
    g_error ("the statement in doubt is not explained in Chinese:\n%s%s", out, err);
  g_clear_pointer (&out, g_free);

  /* Its step reads as the execution does: in doubt, not failed. */
  status = exec_fixture_cli (&fx, NULL, &out, "status", NULL);
  g_assert_nonnull (strstr (out, "[IN_DOUBT] compact"));
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-ops/site/typo", test_site_typo);
  g_test_add_func ("/cli-ops/site/typo-library", test_site_typo_library);
  g_test_add_func ("/cli-ops/site/typo-listed-once", test_site_typo_listed_once);
  g_test_add_func ("/cli-ops/to/above-newest", test_to_above_newest);
  g_test_add_func ("/cli-ops/validate/missing-component", test_missing_component);
  g_test_add_func ("/cli-ops/env/command-secrets", test_command_secrets);
  g_test_add_func ("/cli-ops/signals/interrupt", test_signals_interrupt);
  g_test_add_func ("/cli-ops/signals/kill-takes-child", test_kill_takes_child);
  g_test_add_func ("/cli-ops/report/outputs", test_report_outputs);
  g_test_add_func ("/cli-ops/resume/limit-new-execution", test_resume_limit_new_execution);
  g_test_add_func ("/cli-ops/in-doubt/chinese", test_in_doubt_chinese);
  return g_test_run ();
}
