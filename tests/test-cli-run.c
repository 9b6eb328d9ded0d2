/* test-cli-run.c - upgradectl run/resume/rollback/status/history/unlock on
 * the example bundle with SQLite data sources: JSON forms and exit codes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "exec-test-util.h"

typedef struct {
  ExecFixture fx;
  char *mid_db;
} Demo;

static char *
load_text (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static void
demo_init (Demo *demo)
{
  const char *root = g_getenv ("UPGRADE_SOURCE_ROOT");
  g_autofree char *config = NULL;
  g_autofree char *ft_schema = NULL;
  g_autofree char *mid_schema = NULL;
  g_autofree char *ft_db = NULL;
  g_autofree char *path = NULL;

  g_assert_nonnull (root);
  exec_fixture_init (&demo->fx);
  g_free (demo->fx.bundle);
  demo->fx.bundle = g_build_filename (root, "examples", "bundle", NULL);

  /* The demo configuration: relative paths resolve next to it. */
  path = g_build_filename (root, "examples", "demo", "upgrade.json", NULL);
  config = load_text (path);
  g_assert_true (g_file_set_contents (demo->fx.config, config, -1, NULL));

  g_free (path);
  path = g_build_filename (root, "examples", "bundle", "schema", "ft_db.sql", NULL);
  ft_schema = load_text (path);
  g_free (path);
  path = g_build_filename (root, "examples", "bundle", "schema", "mid_db.sql", NULL);
  mid_schema = load_text (path);
  ft_db = exec_fixture_path (&demo->fx, "ft_db.sqlite");
  demo->mid_db = exec_fixture_path (&demo->fx, "mid_db.sqlite");
  exec_sqlite_exec (ft_db, ft_schema);
  exec_sqlite_exec (demo->mid_db, mid_schema);
}

static void
demo_clear (Demo *demo)
{
  /* The bundle is the source tree's: do not let the fixture delete it. */
  g_clear_pointer (&demo->fx.bundle, g_free);
  demo->fx.bundle = g_strdup ("");
  exec_fixture_clear (&demo->fx);
  g_free (demo->mid_db);
}

/* upgradectl --json ARGS…: checks the exit code, returns the object printed. */
#define ctl_json(demo, code, ...) exec_fixture_ctl_json (&(demo)->fx, NULL, (code), __VA_ARGS__, NULL)
#define ctl_json_env(demo, env, code, ...) exec_fixture_ctl_json (&(demo)->fx, (env), (code), __VA_ARGS__)

static void
assert_run_form (JsonObject *run,
                 const char *status,
                 const char *stage,
                 gboolean    with_steps)
{
  g_assert_nonnull (json_object_get_string_member (run, "execution_id"));
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, status);
  g_assert_cmpstr (json_object_get_string_member (run, "stage"), ==, stage);
  g_assert_true (json_object_has_member (run, "breakpoint"));
  g_assert_cmpint (json_object_has_member (run, "steps"), ==, with_steps);
  if (!with_steps)
    return;
  for (guint i = 0; i < json_array_get_length (json_object_get_array_member (run, "steps")); i++)
    {
      JsonObject *step = json_array_get_object_element (json_object_get_array_member (run, "steps"), i);

      g_assert_nonnull (json_object_get_string_member (step, "id"));
      g_assert_nonnull (json_object_get_string_member (step, "version"));
      g_assert_nonnull (json_object_get_string_member (step, "status"));
      g_assert_true (json_object_has_member (step, "duration_ms"));
    }
}

static const char *
step_status (JsonObject *run,
             const char *id)
{
  JsonArray *steps = json_object_get_array_member (run, "steps");

  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);

      if (g_str_equal (json_object_get_string_member (step, "id"), id))
        return json_object_get_string_member (step, "status");
    }
  return NULL;
}

static void
test_stages_status_history (void)
{
  Demo demo;
  g_autoptr(JsonObject) pre = NULL;
  g_autoptr(JsonObject) in = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonObject) latest = NULL;
  g_autoptr(JsonObject) by_id = NULL;
  g_autoptr(JsonObject) history = NULL;
  JsonArray *executions;

  demo_init (&demo);
  /* The example's legacy steps have no compatible_version: confirmed for
   * the whole plan by the first run, which holds for the later ones. */
  pre = ctl_json (&demo, 0, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "pre_stop", "--confirm");
  assert_run_form (pre, "SUCCESS", "pre_stop", TRUE);
  g_assert_cmpstr (step_status (pre, "ft_backup_orders"), ==, "SUCCESS");
  g_assert_true (json_object_get_null_member (pre, "breakpoint"));
  /* The example's backup step: one dump of ft_db's core tables, listed. */
  g_assert_cmpstr (step_status (pre, "ft_backup_core"), ==, "SUCCESS");
  {
    g_autoptr(JsonObject) listed = ctl_json (&demo, 0, "backups");
    JsonArray *backups = json_object_get_array_member (listed, "backups");
    JsonObject *backup;

    g_assert_cmpuint (json_array_get_length (backups), ==, 1);
    backup = json_array_get_object_element (backups, 0);
    g_assert_cmpstr (json_object_get_string_member (backup, "database"), ==, "ft_db");
    g_assert_cmpstr (json_object_get_string_member (backup, "execution"), ==,
                     json_object_get_string_member (pre, "execution_id"));
  }

  in = ctl_json (&demo, 0, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "startup_pre_process");
  assert_run_form (in, "SUCCESS", "in_stop", TRUE);
  g_assert_cmpstr (step_status (in, "legacy_create_audit"), ==, "SUCCESS");
  g_assert_cmpint (exec_sqlite_int (demo.mid_db, "SELECT COUNT(*) FROM audit_log"), >, 0);

  again = ctl_json (&demo, 0, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "in_stop");
  g_assert_cmpstr (step_status (again, "legacy_create_audit"), ==, "SKIPPED");

  latest = ctl_json (&demo, 0, "status");
  assert_run_form (latest, "SUCCESS", "in_stop", TRUE);
  g_assert_cmpstr (json_object_get_string_member (latest, "execution_id"), ==,
                   json_object_get_string_member (again, "execution_id"));
  by_id = ctl_json (&demo, 0, "status", json_object_get_string_member (pre, "execution_id"));
  assert_run_form (by_id, "SUCCESS", "pre_stop", TRUE);

  history = ctl_json (&demo, 0, "history");
  executions = json_object_get_array_member (history, "executions");
  g_assert_cmpuint (json_array_get_length (executions), ==, 3);
  assert_run_form (json_array_get_object_element (executions, 0), "SUCCESS", "in_stop", FALSE);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (executions, 0), "execution_id"),
                   ==, json_object_get_string_member (again, "execution_id"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (executions, 2), "execution_id"),
                   ==, json_object_get_string_member (pre, "execution_id"));
  demo_clear (&demo);
}

static void
test_failure_and_resume (void)
{
  Demo demo;
  g_autoptr(JsonObject) failed = NULL;
  g_autoptr(JsonObject) rerun = NULL;
  g_autoptr(JsonObject) resumed = NULL;
  JsonObject *bp;
  const char *id;

  demo_init (&demo);
  /* The table legacy_create_audit creates is there already. */
  exec_sqlite_exec (demo.mid_db, "CREATE TABLE audit_log (id INTEGER)");
  failed = ctl_json (&demo, 1, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "in_stop", "--confirm");
  assert_run_form (failed, "FAILED", "in_stop", TRUE);
  id = json_object_get_string_member (failed, "execution_id");
  bp = json_object_get_object_member (failed, "breakpoint");
  g_assert_nonnull (bp);
  g_assert_cmpstr (json_object_get_string_member (bp, "step_id"), ==, "legacy_create_audit");
  g_assert_cmpstr (json_object_get_string_member (bp, "file"), ==, "sql/3.17.5/001_create_audit_log.sql");
  g_assert_cmpint (json_object_get_int_member (bp, "line"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (bp, "sequence"), ==, 1);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (bp, "statement"), "CREATE TABLE audit_log"));
  g_assert_nonnull (strstr (json_object_get_string_member (bp, "error"), "already exists"));
  g_assert_nonnull (json_object_get_string_member (bp, "error_code"));
  g_assert_cmpstr (json_object_get_string_member (failed, "message"), ==,
                   "sql/3.17.5/001_create_audit_log.sql:2: statement failed: CREATE TABLE audit_log ( — "
                   "mid_db: ERROR 1: table audit_log already exists");

  /* Same command again without a fix: same execution, same breakpoint. */
  rerun = ctl_json (&demo, 1, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "in_stop");
  g_assert_cmpstr (json_object_get_string_member (rerun, "execution_id"), ==, id);
  g_assert_cmpint (json_object_get_int_member (rerun, "resume_count"), ==, 1);

  exec_sqlite_exec (demo.mid_db, "DROP TABLE audit_log");
  resumed = ctl_json (&demo, 0, "resume", id);
  assert_run_form (resumed, "SUCCESS", "in_stop", TRUE);
  g_assert_cmpstr (json_object_get_string_member (resumed, "execution_id"), ==, id);
  g_assert_true (json_object_get_null_member (resumed, "breakpoint"));
  g_assert_cmpstr (step_status (resumed, "legacy_create_audit"), ==, "SUCCESS");

  /* history tells that the execution was taken up again twice. */
  {
    g_autofree char *history = NULL;
    g_autofree char *line = NULL;

    g_assert_cmpint (exec_exit_code (exec_fixture_cli (&demo.fx, NULL, &history, "history", NULL)), ==, 0);
    line = g_strdup_printf ("%s  SUCCESS", id);
    g_assert_nonnull (strstr (history, line));
    g_assert_nonnull (strstr (strstr (history, line), "(resumed 2 times)\n"));
  }
  demo_clear (&demo);
}

/* A failed run in text mode, as an operator reads it: the error once
 * (the summary's "Error:" line), not again from the engine's step and
 * execution lines and the command's own error line (it was 4 times). */
static void
test_failure_said_once (void)
{
  Demo demo;
  const char *upgradectl = g_getenv ("UPGRADECTL");
  g_autofree char *out = NULL, *err = NULL, *everything = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { upgradectl, "-b", NULL, "-c", NULL, "--state-dir", NULL, "run", "--from", "3.16.0",
                         "--to", "3.18.0", "--stage", "in_stop", "--confirm", NULL };
  int status;

  demo_init (&demo);
  exec_sqlite_exec (demo.mid_db, "CREATE TABLE audit_log (id INTEGER)");
  argv[2] = demo.fx.bundle;
  argv[4] = demo.fx.config;
  argv[6] = demo.fx.state;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                               &error));
  g_assert_no_error (error);
  g_assert_cmpint (exec_exit_code (status), ==, 1);
  g_assert_nonnull (strstr (out, "Error: ERROR 1: table audit_log already exists"));
  g_assert_null (strstr (err, "execution FAILED"));
  g_assert_null (strstr (err, "upgradectl run:"));
  everything = g_strconcat (out, err, NULL);
  g_assert_null (strstr (everything, "statement failed: CREATE TABLE audit_log"));
  demo_clear (&demo);
}

static void assert_error (JsonObject *doc, const char *code, const char *text);

/* The splitter's errors in zh_CN: Chinese, still after "file:line: ",
 * so editors and scripts find the place as before. */
static void
assert_splitter_error_chinese (const char * const *zh_env)
{
  Demo broken = { 0 };
  g_autoptr(JsonObject) zh = NULL;
  g_autoptr(JsonObject) c = NULL;

  g_free (exec_fixture_init_sqlite_app (&broken.fx));
  exec_fixture_write_manifest (&broken.fx, "1.0.0",
                               "\"in_stop\": [{\"id\": \"quote\", \"database\": \"app\","
                               " \"sql_scripts\": [\"sql/001_quote.sql\"]}]", NULL);
  exec_fixture_write (&broken.fx, "bundle/sql/001_quote.sql",
                      "CREATE TABLE t (a TEXT);\nINSERT INTO t VALUES ('open);\n");
  zh = ctl_json_env (&broken, zh_env, 2, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop",
                     "--confirm", NULL);
  assert_error (zh, "invalid-bundle", "sql/001_quote.sql:2: 到文件末尾 '...' 仍未闭合（起始位置在此）");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (json_object_get_object_member (zh, "error"),
                                                                  "message"), "sql/001_quote.sql:2: "));
  c = ctl_json (&broken, 2, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop", "--confirm");
  assert_error (c, "invalid-bundle", "sql/001_quote.sql:2: unterminated '...' at end of file (it starts here)");
  exec_fixture_clear (&broken.fx);
}

/* A script's BEGIN … COMMIT block that fails: the statements rolled back
 * with it say why in the report, in the operator's language. */
static void
assert_block_rollback_chinese (const char * const *zh_env)
{
  Demo block = { 0 };
  g_autoptr(JsonObject) failed = NULL;
  g_autoptr(JsonObject) report = NULL;
  const char *text;

  g_free (exec_fixture_init_sqlite_app (&block.fx));
  exec_fixture_write_manifest (&block.fx, "1.0.0",
                               "\"in_stop\": [{\"id\": \"block\", \"database\": \"app\","
                               " \"sql_scripts\": [\"sql/001_block.sql\"]}]", NULL);
  exec_fixture_write (&block.fx, "bundle/sql/001_block.sql",
                      "CREATE TABLE t (a INTEGER);\nBEGIN;\nINSERT INTO t VALUES (1);\n"
                      "INSERT INTO no_such_table VALUES (2);\nCOMMIT;\n");
  failed = ctl_json_env (&block, zh_env, 1, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop",
                         "--confirm", NULL);
  report = ctl_json_env (&block, zh_env, 0, "report", json_object_get_string_member (failed, "execution_id"),
                         "--format", "text", NULL);
  text = json_object_get_string_member (report, "report");
  g_assert_nonnull (strstr (text, "sql/001_block.sql:3"));
  g_assert_nonnull (strstr (text, "已回滚：其所在的事务块在 sql/001_block.sql:4 处失败"));
  g_assert_null (strstr (text, "rolled back"));
  exec_fixture_clear (&block.fx);
}

/* A data-quality rule with a misspelt severity fails the assessment
 * naming the manifest and the JSON path, in the operator's language. */
static void
assert_bad_severity_chinese (const char * const *zh_env)
{
  Demo rules = { 0 };
  g_autoptr(JsonObject) assessed = NULL;
  JsonArray *items;
  gboolean found = FALSE;

  g_free (exec_fixture_init_sqlite_app (&rules.fx));
  exec_fixture_write (&rules.fx, "bundle/manifests/1.0.0.json",
                      "{\"version\": \"1.0.0\", \"component\": \"app\",\n"
                      " \"checks\": {\"data_quality\": [{\"id\": \"r1\", \"database\": \"app\",\n"
                      "   \"sql\": \"SELECT 0\", \"severity\": \"warning\"}]},\n"
                      " \"upgrade_steps\": {}}\n");
  assessed = ctl_json_env (&rules, zh_env, 1, "assess", "--from", "0.9.0", "--to", "1.0.0", NULL);
  items = json_object_get_array_member (assessed, "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      const char *message = json_object_get_string_member_with_default (item, "message", "");

      if (g_strcmp0 (json_object_get_string_member (item, "check"), "data_quality") != 0)
        continue;
      g_assert_cmpstr (json_object_get_string_member (item, "verdict"), ==, "fail");
      g_assert_nonnull (strstr (message, "manifests/1.0.0.json: $.checks.data_quality[0].severity: "
                                         "“warning”不是有效的严重级别：应为 \"fail\" 或 \"warn\""));
      found = TRUE;
    }
  g_assert_true (found);
  exec_fixture_clear (&rules.fx);
}

/* In zh_CN the engine's own lines (the step and execution lines of the
 * execution log) come from the build tree's catalogue. */
static void
test_failure_chinese (void)
{
  static const char * const zh_env[] = { "LANG", "zh_CN.UTF-8", "LANGUAGE", "zh_CN", NULL };
  Demo demo;
  g_autoptr(JsonObject) failed = NULL;
  g_autoptr(JsonObject) backwards = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *log = NULL;

  g_assert_nonnull (g_getenv ("UPGRADE_LOCALEDIR"));
  demo_init (&demo);
  exec_sqlite_exec (demo.mid_db, "CREATE TABLE audit_log (id INTEGER)");
  failed = ctl_json_env (&demo, zh_env, 1, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "in_stop",
                         "--confirm", NULL);
  assert_run_form (failed, "FAILED", "in_stop", TRUE);
  log_path = g_strdup_printf ("%s/logs/%s.log", demo.fx.state, json_object_get_string_member (failed, "execution_id"));
  log = load_text (log_path);
  g_assert_nonnull (strstr (log, "开始升级 3.16.0 → 3.18.0，阶段 in_stop，站点 bj-01"));
  g_assert_nonnull (strstr (log, "[FAILED] legacy_create_audit（"));
  g_assert_nonnull (strstr (log, "执行 FAILED："));
  g_assert_nonnull (strstr (log, "条语句）"));
  g_assert_null (strstr (log, "statements)"));
  /* The runner's wording is translated; the server's text is not. */
  g_assert_cmpstr (json_object_get_string_member (failed, "message"), ==,
                   "sql/3.17.5/001_create_audit_log.sql:2: 语句执行失败：CREATE TABLE audit_log ( — "
                   "mid_db：ERROR 1: table audit_log already exists");

  /* The planner's errors too. */
  backwards = ctl_json_env (&demo, zh_env, 2, "plan", "--from", "3.18.0", "--to", "3.16.0", NULL);
  assert_error (backwards, "plan", "“to”（3.16.0）必须高于“from”（3.18.0）；降级请使用回滚");
  demo_clear (&demo);

  assert_splitter_error_chinese (zh_env);
  assert_block_rollback_chinese (zh_env);
  assert_bad_severity_chinese (zh_env);
}

/* rollback runs the rollback steps of the stage, newest manifest first. */
static void
test_rollback (void)
{
  Demo demo;
  g_autoptr(JsonObject) pre = NULL;
  g_autoptr(JsonObject) in = NULL;
  g_autoptr(JsonObject) back = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(GString) order = g_string_new (NULL);
  JsonArray *steps;

  demo_init (&demo);
  pre = ctl_json (&demo, 0, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "pre_stop", "--confirm");
  in = ctl_json (&demo, 0, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "in_stop");
  /* The legacy tasks of 3.17.5 have no rollback steps: refused. */
  refused = ctl_json (&demo, 2, "rollback", "--from", "3.16.0", "--to", "3.18.0", "--stage", "in_stop");
  assert_error (refused, "invalid-argument", "legacy_create_audit (3.17.5)");
  back = ctl_json (&demo, 0, "rollback", "--from", "3.16.0", "--to", "3.18.0", "--stage", "in_stop", "--forget");
  assert_run_form (back, "SUCCESS", "in_stop", TRUE);
  g_assert_true (json_object_get_boolean_member (back, "rollback"));
  g_assert_cmpstr (json_object_get_string_member (back, "execution_id"), !=,
                   json_object_get_string_member (in, "execution_id"));
  steps = json_object_get_array_member (back, "steps");
  for (guint i = 0; i < json_array_get_length (steps); i++)
    g_string_append_printf (order, "%s ",
                            json_object_get_string_member (json_array_get_object_element (steps, i), "id"));
  g_assert_cmpstr (order->str, ==,
                   "mid_services_clear_owner ft_clear_region mid_config_clear_checksum ft_orders_restore_status ");
  demo_clear (&demo);
}

static void
assert_error (JsonObject *doc,
              const char *code,
              const char *text)
{
  exec_assert_json_error (doc, code, text);
}

/* A process id that no process has now: a child that exited and was reaped. */
static guint
dead_pid (void)
{
  pid_t pid = fork ();

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    _exit (0);
  g_assert_cmpint (waitpid (pid, NULL, 0), ==, pid);
  return (guint) pid;
}

static void
test_errors_lock_and_unlock (void)
{
  Demo demo;
  g_autoptr(JsonObject) bad_env = NULL;
  g_autoptr(JsonObject) bad_stage = NULL;
  g_autoptr(JsonObject) unknown = NULL;
  g_autoptr(JsonObject) locked = NULL;
  g_autoptr(JsonObject) no_force = NULL;
  g_autoptr(JsonObject) alive = NULL;
  g_autoptr(JsonObject) unlocked = NULL;
  g_autoptr(JsonObject) ran = NULL;
  g_autoptr(UpgJournal) holder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *journal = NULL;

  demo_init (&demo);
  bad_env = ctl_json (&demo, 2, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "in_stop",
                      "--env", "{not json");
  assert_error (bad_env, "invalid-argument", "--env");
  bad_stage = ctl_json (&demo, 2, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "nowhen");
  assert_error (bad_stage, "invalid-stage", "nowhen");
  unknown = ctl_json (&demo, 2, "resume", "0000-not-an-execution");
  assert_error (unknown, "not-found", "0000-not-an-execution");

  /* Another process holds the site's lock (this test process, through a
   * journal of its own). */
  journal = exec_fixture_path (&demo.fx, "journal.db");
  holder = upg_journal_open_sqlite (journal, &error);
  g_assert_no_error (error);
  g_assert_true (upg_journal_acquire_lock (holder, "bj-01", "held-by-test", NULL, &error));
  g_assert_no_error (error);
  locked = ctl_json (&demo, 3, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "pre_stop", "--confirm");
  assert_error (locked, "locked", "bj-01");

  no_force = ctl_json (&demo, 2, "unlock");
  assert_error (no_force, "invalid-argument", "--force");
  /* The holder lives (it is this process): refused. */
  alive = ctl_json (&demo, 3, "unlock", "--force");
  assert_error (alive, "locked", "which is alive");
  /* Once its process is gone, the lock is removed. */
  g_assert_true (upg_journal_release_lock (holder, "bj-01", &error));
  upg_journal_set_pid (holder, dead_pid ());
  g_assert_true (upg_journal_acquire_lock (holder, "bj-01", "held-by-test", NULL, &error));
  g_assert_no_error (error);
  unlocked = ctl_json (&demo, 0, "unlock", "--force");
  g_assert_true (json_object_get_boolean_member (unlocked, "unlocked"));
  g_assert_cmpstr (json_object_get_string_member (unlocked, "site"), ==, "bj-01");
  /* The run refused as locked confirmed nothing (test-cli-confirm.c). */
  ran = ctl_json (&demo, 0, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "pre_stop", "--confirm");
  assert_run_form (ran, "SUCCESS", "pre_stop", TRUE);
  demo_clear (&demo);
}


static guint
count_steps_named (JsonArray  *steps,
                   const char *id)
{
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (steps); i++)
    n += g_str_equal (json_object_get_string_member (json_array_get_object_element (steps, i), "id"), id);
  return n;
}

/* Steps without (or with an unmet) compatible_version need a person's
 * confirmation (SPEC §3): refused with exit 6 listing them, nothing ran;
 * `confirm` and `run --confirm` journal who confirmed, and it holds for
 * later runs of the plan. */
static void
test_confirmation (void)
{
  static const char * const zh_env[] = { "LANG", "zh_CN.UTF-8", "LANGUAGE", "zh_CN", NULL };
  Demo demo;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) history = NULL;
  g_autoptr(JsonObject) compatible = NULL;
  g_autoptr(JsonObject) unknown = NULL;
  g_autoptr(JsonObject) confirmed = NULL;
  g_autoptr(JsonObject) pre = NULL;
  g_autoptr(JsonObject) in_refused = NULL;
  g_autoptr(JsonObject) in = NULL;
  g_autoptr(JsonObject) post = NULL;
  g_autofree char *err = NULL, *zh_err = NULL;
  g_autofree char *journal = NULL;
  g_autofree char *ft_db = NULL;
  g_autofree char *who = g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
  g_autofree char *by_who = NULL;
  JsonObject *error;
  JsonArray *steps;

  demo_init (&demo);
  journal = exec_fixture_path (&demo.fx, "journal.db");
  ft_db = exec_fixture_path (&demo.fx, "ft_db.sqlite");

  /* pre_stop has the properties step legacy_backup_services (no
   * compatible_version): nothing runs, not the compatible steps first. */
  refused = ctl_json (&demo, 6, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "pre_stop");
  assert_error (refused, "confirmation_required", "legacy_backup_services");
  error = json_object_get_object_member (refused, "error");
  steps = json_object_get_array_member (error, "steps");
  g_assert_cmpuint (json_array_get_length (steps), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (steps, 0), "id"), ==,
                   "legacy_backup_services");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (steps, 0), "reason"), ==,
                   "no compatible_version declared: needs manual confirmation");
  history = ctl_json (&demo, 0, "history");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (history, "executions")), ==, 0);
  g_assert_cmpint (exec_sqlite_int (ft_db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'orders_bak_3170'"),
                   ==, 0);

  /* Text, in English and in Chinese: the steps and how to confirm. */
  g_assert_cmpint (exec_exit_code (exec_fixture_cli_stderr (&demo.fx, NULL, &err, "run", "--from", "3.16.0",
                                                            "--to", "3.18.0", "--stage", "pre_stop", NULL)), ==, 6);
  g_assert_nonnull (strstr (err, "1 step needs manual confirmation before it runs; nothing ran:\n"
                                 "  legacy_backup_services (3.17.5): no compatible_version declared"));
  g_assert_nonnull (strstr (err, "upgradectl confirm --from 3.16.0 --to 3.18.0 --site bj-01"));
  g_assert_cmpint (exec_exit_code (exec_fixture_cli_stderr (&demo.fx, zh_env, &zh_err, "run", "--from", "3.16.0",
                                                            "--to", "3.18.0", "--stage", "pre_stop", NULL)), ==, 6);
  g_assert_nonnull (strstr (zh_err, "需要人工确认"));
  g_assert_nonnull (strstr (zh_err, "legacy_backup_services"));
  g_assert_null (strstr (zh_err, "nothing ran"));

  /* Only steps that need it, of this plan. */
  compatible = ctl_json (&demo, 2, "confirm", "--from", "3.16.0", "--to", "3.18.0", "--step", "ft_backup_orders");
  assert_error (compatible, "invalid-argument", "--step ft_backup_orders: this step is compatible");
  unknown = ctl_json (&demo, 2, "confirm", "--from", "3.16.0", "--to", "3.18.0", "--step", "no_such_step");
  assert_error (unknown, "invalid-argument", "--step no_such_step: no step of the plan has this id: expected one "
                "of the steps that need confirmation: ");
  /* The operator's typo gets the ids that were meant. */
  assert_error (unknown, "invalid-argument", "legacy_backup_services, ");
  assert_error (unknown, "invalid-argument", ", legacy_create_audit, ");

  confirmed = ctl_json (&demo, 0, "confirm", "--from", "3.16.0", "--to", "3.18.0", "--site", "bj-01",
                        "--step", "legacy_backup_services");
  g_assert_cmpstr (json_object_get_string_member (confirmed, "confirmed_by"), ==, who);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (confirmed, "confirmed")), ==, 1);
  g_assert_cmpuint (count_steps_named (json_object_get_array_member (confirmed, "unconfirmed"),
                                       "legacy_create_audit"), ==, 1);
  g_assert_cmpuint (count_steps_named (json_object_get_array_member (confirmed, "unconfirmed"),
                                       "legacy_backup_services"), ==, 0);
  by_who = g_strdup_printf ("SELECT COUNT(*) FROM upgrade_confirmation WHERE site_id = 'bj-01'"
                            " AND from_version = '3.16.0' AND to_version = '3.18.0'"
                            " AND step_id = 'legacy_backup_services' AND confirmed_by = '%s' AND via = 'cli'"
                            " AND confirmed_at > 0", who);
  g_assert_cmpint (exec_sqlite_int (journal, by_who), ==, 1);

  pre = ctl_json (&demo, 0, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "pre_stop");
  assert_run_form (pre, "SUCCESS", "pre_stop", TRUE);
  g_assert_cmpstr (step_status (pre, "legacy_backup_services"), ==, "SUCCESS");

  /* in_stop lists its own steps; --confirm confirms the whole plan. */
  in_refused = ctl_json (&demo, 6, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "in_stop");
  steps = json_object_get_array_member (json_object_get_object_member (in_refused, "error"), "steps");
  g_assert_cmpuint (count_steps_named (steps, "legacy_create_audit"), ==, 1);
  g_assert_cmpuint (count_steps_named (steps, "ft_orders_add_region"), ==, 1);
  g_assert_cmpuint (count_steps_named (steps, "ft_orders_fix_status"), ==, 0);
  g_assert_cmpuint (count_steps_named (steps, "mid_rebuild_cache"), ==, 0);
  g_assert_cmpint (exec_sqlite_int (demo.mid_db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_log'"),
                   ==, 0);
  in = ctl_json (&demo, 0, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "in_stop", "--confirm");
  assert_run_form (in, "SUCCESS", "in_stop", TRUE);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_confirmation WHERE via = 'run'"
                                             " AND step_id = 'mid_rebuild_cache'"), ==, 1);
  /* post_start's mid_rebuild_cache was confirmed with the plan. */
  post = ctl_json (&demo, 0, "run", "--from", "3.16.0", "--to", "3.18.0", "--stage", "post_start");
  assert_run_form (post, "SUCCESS", "post_start", TRUE);
  /* Another plan of the site is not confirmed by it. */
  g_clear_pointer (&refused, json_object_unref);
  refused = ctl_json (&demo, 6, "run", "--from", "3.16.0", "--to", "3.17.5", "--stage", "in_stop");
  assert_error (refused, "confirmation_required", "legacy_create_audit");
  demo_clear (&demo);
}

/* A failing statement on SQLite: its error reaches the operator once, in
 * the breakpoint, not also in the group-commit notice and not with its
 * code repeated ("ERROR 1: …" then "(1)"). */
static void
test_error_once (void)
{
  ExecFixture fx;
  g_autofree char *source = NULL, *sources = NULL, *out = NULL, *err = NULL, *all = NULL;
  const char *env[] = { "LANG", "C", "LC_ALL", "C", "LANGUAGE", "", NULL };
  int status;
  guint count = 0;

  exec_fixture_init (&fx);
  source = exec_fixture_sqlite_source (&fx, "app.sqlite");
  sources = g_strdup_printf ("\"db\": %s", source);
  exec_fixture_write (&fx, "bundle/manifests/1.0.0.json",
    "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"upgrade_steps\": {\"in_stop\": [{\"id\": \"bad\", \"compatible_version\": \"0.1.0\","
    "  \"database\": \"db\", \"sql_scripts\": [\"sql/bad.sql\"]}]}}\n");
  exec_fixture_write (&fx, "bundle/sql/bad.sql", "CREATE TABLE t (id INTEGER);\nINSERT INTO nosuch VALUES (1);\n");
  exec_fixture_write_config (&fx, "bj-01", sources);

  status = exec_fixture_cli_both (&fx, env, &out, &err, "run", "--from", "0.9.0", "--to", "1.0.0",
                                  "--stage", "in_stop", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 1);
  all = g_strconcat (out, err, NULL);
  for (const char *p = all; (p = strstr (p, "no such table: nosuch")) != NULL; p++)
    count++;
  if (count != 1)
    g_error ("the error appears %u times in:\n%s", count, all);
  g_assert_nonnull (strstr (out, "Error: ERROR 1: no such table: nosuch\n"));
  exec_fixture_clear (&fx);
}

/* A verify step naming a data source the site's configuration lacks (a
 * typo): refused before the stage's first step runs, naming the step, its
 * manifest and the name, not after the SQL step before it changed the
 * site. */
static void
test_unknown_source_before_any_step (void)
{
  ExecFixture fx;
  g_autofree char *source = NULL, *sources = NULL, *out = NULL, *err = NULL, *app = NULL;
  const char *env[] = { "LANG", "C", "LC_ALL", "C", "LANGUAGE", "", NULL };
  int status;

  exec_fixture_init (&fx);
  source = exec_fixture_sqlite_source (&fx, "app.sqlite");
  sources = g_strdup_printf ("\"app_db\": %s", source);
  exec_fixture_write (&fx, "bundle/manifests/1.0.0.json",
    "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"upgrade_steps\": {\"in_stop\": [\n"
    "  {\"id\": \"fill\", \"compatible_version\": \"0.1.0\", \"database\": \"app_db\","
    "   \"sql_scripts\": [\"sql/fill.sql\"]},\n"
    "  {\"id\": \"count_rows\", \"compatible_version\": \"0.1.0\", \"depends_on\": [\"fill\"],"
    "   \"verify\": [{\"database\": \"app_bd\", \"sql\": \"SELECT COUNT(*) FROM t\", \"expect\": 1}]}]}}\n");
  exec_fixture_write (&fx, "bundle/sql/fill.sql", "CREATE TABLE t (id INTEGER);\nINSERT INTO t VALUES (1);\n");
  exec_fixture_write_config (&fx, "bj-01", sources);
  app = exec_fixture_path (&fx, "app.sqlite");
  exec_sqlite_exec (app, "CREATE TABLE installed (id INTEGER)");

  status = exec_fixture_cli_both (&fx, env, &out, &err, "run", "--from", "0.9.0", "--to", "1.0.0",
                                  "--stage", "in_stop", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 2);
  g_assert_nonnull (strstr (err, "step 'count_rows'"));
  g_assert_nonnull (strstr (err, "1.0.0.json"));
  g_assert_nonnull (strstr (err, "data source 'app_bd' is not configured"));
  /* fill did not run: its table does not exist. */
  g_assert_cmpint (exec_sqlite_int (app, "SELECT COUNT(*) FROM sqlite_master WHERE name = 't'"), ==, 0);
  exec_fixture_clear (&fx);
}

/* A check of `run --stage business_check` that fails because its data
 * source cannot be reached (the password variable is not exported in
 * this shell): the operator reads why on the check's line, not only
 * "[FAILED] data_quality:… (0ms)" and the names of the failed checks. */
static void
test_failed_check_says_why (void)
{
  ExecFixture fx;
  g_autofree char *out = NULL, *err = NULL;
  const char *env[] = { "LANG", "C", "LC_ALL", "C", "LANGUAGE", "", NULL };
  int status;

  g_unsetenv ("UPG_TEST_UNSET_DB_PW");
  exec_fixture_init (&fx);
  exec_fixture_write (&fx, "bundle/manifests/1.0.0.json",
    "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"checks\": {\"data_quality\": [{\"id\": \"orphans\", \"name\": \"rows without owner\","
    "  \"database\": \"app_db\", \"sql\": \"SELECT COUNT(*) FROM t\", \"threshold\": 0,"
    "  \"severity\": \"fail\"}]},\n"
    " \"upgrade_steps\": {}}\n");
  exec_fixture_write_config (&fx, "bj-01",
                             "\"app_db\": {\"provider\": \"MySQL\", \"host\": \"127.0.0.1\", \"port\": 1,"
                             " \"database\": \"app\", \"user\": \"u\", \"password_env\": \"UPG_TEST_UNSET_DB_PW\"}");

  status = exec_fixture_cli_both (&fx, env, &out, &err, "run", "--from", "0.9.0", "--to", "1.0.0",
                                  "--stage", "business_check", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 1);
  if (strstr (out, "[FAILED] data_quality:orphans") == NULL ||
      strstr (strstr (out, "[FAILED] data_quality:orphans"), "UPG_TEST_UNSET_DB_PW") == NULL)
    g_error ("the failed check does not say why:\n%s%s", out, err);
  exec_fixture_clear (&fx);
}

/* `status` after the process that ran the stage was killed (kill -9 from
 * a command step, as an OOM killer or an operator would): the execution
 * is INTERRUPTED with its exit code, as the next `run` takes it, not
 * "RUNNING … for 5s" with exit 0 for a process that is gone. */
static void
test_status_after_kill (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) doc = NULL;
  g_autofree char *out = NULL;
  int status;

  exec_fixture_init (&fx);
  exec_fixture_write (&fx, "bundle/manifests/1.0.0.json",
    "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"upgrade_steps\": {\"in_stop\": [{\"id\": \"killer\", \"compatible_version\": \"0.1.0\","
    "  \"command\": [\"sh\", \"-c\", \"kill -9 $PPID\"]}]}}\n");
  exec_fixture_write_config (&fx, "bj-01", "");

  status = exec_fixture_cli (&fx, NULL, NULL, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop", NULL);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);

  status = exec_fixture_cli (&fx, NULL, &out, "--json", "status", NULL);
  doc = exec_parse_json_object (out);
  g_assert_cmpstr (json_object_get_string_member (doc, "status"), ==, "INTERRUPTED");
  g_assert_cmpint (exec_exit_code (status), ==, 130);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&doc, json_object_unref);

  /* No process runs its step any more: the text says so too. */
  status = exec_fixture_cli (&fx, NULL, &out, "status", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 130);
  g_assert_nonnull (strstr (out, "[INTERRUPTED] killer"));
  g_assert_null (strstr (out, "[RUNNING]"));
  g_clear_pointer (&out, g_free);

  status = exec_fixture_cli (&fx, NULL, &out, "--json", "history", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
  doc = exec_parse_json_object (out);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (doc, "executions"), 0), "status"), ==, "INTERRUPTED");
  exec_fixture_clear (&fx);
}

/* `status` of a stage stopped by a command step, whose steps were
 * confirmed by one `run --confirm`: the breakpoint names the step and its
 * error, without the "-:0 (statement 0)" of a file it does not have, and
 * the confirmations (one time for all) come sorted, not in plan order:
 * the same status reads the same twice. */
static void
test_status_text (void)
{
  ExecFixture fx;
  g_autofree char *out = NULL, *err = NULL;
  const char *env[] = { "LANG", "C", "LC_ALL", "C", "LANGUAGE", "", NULL };
  const char *alpha, *mid, *zeta;
  int status;

  exec_fixture_init (&fx);
  exec_fixture_write (&fx, "bundle/manifests/1.0.0.json",
    "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"upgrade_steps\": {\"in_stop\": [\n"
    "  {\"id\": \"zeta\", \"command\": [\"true\"]},\n"
    "  {\"id\": \"alpha\", \"command\": [\"true\"]},\n"
    "  {\"id\": \"mid\", \"command\": [\"true\"]},\n"
    "  {\"id\": \"fails\", \"compatible_version\": \"0.1.0\", \"command\": [\"false\"]}]}}\n");
  exec_fixture_write_config (&fx, "bj-01", "");
  status = exec_fixture_cli (&fx, NULL, NULL, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop",
                             "--confirm", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 1);

  status = exec_fixture_cli_both (&fx, env, &out, &err, "status", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 1);
  alpha = strstr (out, "  confirmed: step alpha (1.0.0)");
  mid = strstr (out, "  confirmed: step mid (1.0.0)");
  zeta = strstr (out, "  confirmed: step zeta (1.0.0)");
  if (strstr (out, "  breakpoint: step fails: ") == NULL || strstr (out, "-:0") != NULL
      || alpha == NULL || mid == NULL || zeta == NULL || !(alpha < mid && mid < zeta))
    g_error ("unexpected status:\n%s%s", out, err);
  exec_fixture_clear (&fx);
}

/* A journal.db damaged on disk (here: pages, then the header, written
 * over): `run` and `status` name the file, say that moving it aside is
 * safe (the targets' markers are the truth, SPEC §5) and exit 2 like any
 * bad environment, not 1 ("a step failed") with SQLite's bare "ERROR 11"
 * for a breakpoint that does not exist. Moved aside as said, a new journal
 * is created and the run goes on. */
static void
test_damaged_journal (void)
{
  const char *env[] = { "LANG", "C", "LC_ALL", "C", "LANGUAGE", "", NULL };
  const struct {
    goffset offset;
    const char *sqlite_says;
  } damages[] = {
    { 4096, "malformed" },
    { 0, "not a database" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (damages); i++)
    {
      ExecFixture fx;
      g_autofree char *journal = NULL, *aside = NULL, *garbage = g_malloc (3 * 4096);
      g_autoptr(GFile) file = NULL;
      g_autoptr(GFileIOStream) stream = NULL;
      g_autoptr(GError) error = NULL;
      int status;

      exec_fixture_init (&fx);
      exec_fixture_write (&fx, "bundle/manifests/1.0.0.json",
        "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
        " \"upgrade_steps\": {\"in_stop\": [{\"id\": \"hello\", \"compatible_version\": \"0.1.0\","
        "  \"command\": [\"true\"]}]}}\n");
      exec_fixture_write_config (&fx, "bj-01", "");
      status = exec_fixture_cli (&fx, NULL, NULL, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop",
                                 NULL);
      g_assert_cmpint (exec_exit_code (status), ==, 0);

      journal = g_build_filename (fx.state, "journal.db", NULL);
      /* Its pages in the file itself, not in the write-ahead log that
       * the run may leave, so that the garbage lands on them. */
      exec_sqlite_exec (journal, "PRAGMA wal_checkpoint(TRUNCATE)");
      memset (garbage, 0xa5, 3 * 4096);
      file = g_file_new_for_path (journal);
      stream = g_file_open_readwrite (file, NULL, &error);
      g_assert_no_error (error);
      g_seekable_seek (G_SEEKABLE (stream), damages[i].offset, G_SEEK_SET, NULL, &error);
      g_assert_no_error (error);
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (stream)), garbage, 3 * 4096, NULL,
                                 NULL, &error);
      g_assert_no_error (error);
      g_io_stream_close (G_IO_STREAM (stream), NULL, &error);
      g_assert_no_error (error);

      for (guint j = 0; j < 2; j++)
        {
          g_autofree char *out = NULL, *err = NULL;

          status = j == 0 ? exec_fixture_cli_both (&fx, env, &out, &err, "run", "--from", "0.9.0", "--to", "1.0.0",
                                                   "--stage", "in_stop", NULL)
                          : exec_fixture_cli_both (&fx, env, &out, &err, "status", NULL);
          g_assert_cmpint (exec_exit_code (status), ==, 2);
          if (strstr (err, journal) == NULL || strstr (err, "is damaged") == NULL
              || strstr (err, "Move it aside") == NULL || strstr (err, "markers") == NULL
              || strstr (err, damages[i].sqlite_says) == NULL)
            g_error ("the damaged journal is not explained:\n%s%s", out, err);
        }

      aside = g_strconcat (journal, ".damaged", NULL);
      g_assert_cmpint (g_rename (journal, aside), ==, 0);
      status = exec_fixture_cli (&fx, NULL, NULL, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop",
                                 NULL);
      g_assert_cmpint (exec_exit_code (status), ==, 0);
      exec_fixture_clear (&fx);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli-run/stages-status-history", test_stages_status_history);
  g_test_add_func ("/cli-run/failure-and-resume", test_failure_and_resume);
  g_test_add_func ("/cli-run/failure-said-once", test_failure_said_once);
  g_test_add_func ("/cli-run/failure-chinese", test_failure_chinese);
  g_test_add_func ("/cli-run/rollback", test_rollback);
  g_test_add_func ("/cli-run/errors-lock-and-unlock", test_errors_lock_and_unlock);
  g_test_add_func ("/cli-run/confirmation", test_confirmation);
  g_test_add_func ("/cli-run/error-once", test_error_once);
  g_test_add_func ("/cli-run/unknown-source-before-any-step", test_unknown_source_before_any_step);
  g_test_add_func ("/cli-run/failed-check-says-why", test_failed_check_says_why);
  g_test_add_func ("/cli-run/status-after-kill", test_status_after_kill);
  g_test_add_func ("/cli-run/damaged-journal", test_damaged_journal);
  g_test_add_func ("/cli-run/status-text", test_status_text);

  return g_test_run ();
}
