/* test-check-stages.c - `upgradectl run --stage business_check` runs the
 * assessment's checks of its stage, and the later stages wait for them
 * (SPEC §3, §9; issue #12), on SQLite with the real upgradectl
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "exec-test-util.h"

static void
assert_has (const char *text,
            const char *part)
{
  if (text == NULL || strstr (text, part) == NULL)
    g_error ("expected \"%s\" in:\n%s", part, text);
}

static const char * const c_locale[] = { "LANG", "C", "LC_ALL", "C", "LANGUAGE", "", NULL };

/* upgradectl ARGS… in the C locale; checks the exit code, returns stdout
 * (ctl), or the object `--json` printed (ctl_json). */
#define ctl(fx, expected_code, ...) exec_fixture_ctl_lang ((fx), NULL, (expected_code), __VA_ARGS__)
#define ctl_json(fx, expected_code, ...) exec_fixture_ctl_json ((fx), c_locale, (expected_code), __VA_ARGS__)
/* The arguments of a run of the upgrade every test makes, but its stage. */
#define RUN_STAGE "run", "--from", "0.9.0", "--to", "1.0.0", "--stage"

/* @member of step @id of @run, or NULL when it has no such step. */
static const char *
step_member (JsonObject *run,
             const char *id,
             const char *member)
{
  JsonArray *steps = json_object_get_array_member (run, "steps");

  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);

      if (g_str_equal (json_object_get_string_member (step, "id"), id))
        return json_object_get_string_member (step, member);
    }
  return NULL;
}

static const char *
step_status (JsonObject *run,
             const char *id)
{
  return step_member (run, id, "status");
}

/* Version 1.0.0 of "app" on app.sqlite: a fail-severity rule (no
 * negative amount), a warn-severity one (no empty code), SQLite ≥ 3.0, a
 * backup copy in pre_stop and an index in in_stop. */
static char *
setup (ExecFixture *fx)
{
  g_autofree char *source = exec_fixture_sqlite_source (fx, "app.sqlite");
  g_autofree char *sources = g_strdup_printf ("\"db\": %s", source);
  char *db = exec_fixture_path (fx, "app.sqlite");

  exec_sqlite_exec (db, "CREATE TABLE orders (id INTEGER PRIMARY KEY, code TEXT, amount INTEGER);"
                        "INSERT INTO orders VALUES (1, 'A-1', 10), (2, 'A-2', -5);");
  exec_fixture_write (fx, "bundle/manifests/1.0.0.json",
    "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"checks\": {\"data_quality\": [\n"
    "  {\"id\": \"negative_amount\", \"name\": \"orders with a negative amount\", \"database\": \"db\","
    "   \"sql\": \"SELECT COUNT(*) FROM orders WHERE amount < 0\", \"threshold\": 0, \"severity\": \"fail\","
    "   \"min_version\": \"0.1.0\", \"max_version\": \"1.0.0\", \"suggestion\": \"fix the amounts\"},\n"
    "  {\"id\": \"empty_code\", \"name\": \"orders without a code\", \"database\": \"db\","
    "   \"sql\": \"SELECT COUNT(*) FROM orders WHERE code = ''\", \"threshold\": 0, \"severity\": \"warn\","
    "   \"min_version\": \"0.1.0\", \"max_version\": \"1.0.0\"}],\n"
    "  \"middleware\": [{\"database\": \"db\", \"min_version\": \"3.0\"}]},\n"
    " \"upgrade_steps\": {\n"
    "  \"pre_stop\": [{\"id\": \"backup_copy\", \"compatible_version\": \"0.1.0\", \"database\": \"db\","
    "   \"sql_scripts\": [\"sql/pre.sql\"]}],\n"
    "  \"in_stop\": [{\"id\": \"code_index\", \"compatible_version\": \"0.1.0\", \"database\": \"db\","
    "   \"sql_scripts\": [\"sql/in.sql\"]}]}}\n");
  exec_fixture_write (fx, "bundle/sql/pre.sql", "CREATE TABLE orders_copy AS SELECT * FROM orders;\n");
  exec_fixture_write (fx, "bundle/sql/in.sql", "CREATE INDEX orders_code ON orders (code);\n");
  exec_fixture_write_config (fx, "bj-01", sources);
  return db;
}

static gint64
copies (const char *db)
{
  return exec_sqlite_int (db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'orders_copy'");
}

/* A fail-severity rule fails business_check (exit 1) and keeps pre_stop
 * from running until the data is fixed and business_check passes. */
static void
test_fail_then_fix (void)
{
  ExecFixture fx;
  g_autofree char *db = NULL, *out = NULL;
  g_autoptr(JsonObject) run = NULL;

  exec_fixture_init (&fx);
  db = setup (&fx);

  run = ctl_json (&fx, 1, RUN_STAGE, "business_check", NULL);
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "FAILED");
  g_assert_cmpstr (json_object_get_string_member (run, "verdict"), ==, "fail");
  g_assert_cmpstr (step_status (run, "data_quality:negative_amount"), ==, "FAILED");
  g_assert_cmpstr (step_status (run, "data_quality:empty_code"), ==, "SUCCESS");
  /* The middleware item is named middleware:db already: not prefixed twice. */
  g_assert_cmpstr (step_status (run, "middleware:db"), ==, "SUCCESS");
  g_clear_pointer (&run, json_object_unref);
  /* The same in text, for the operator. */
  out = ctl (&fx, 1, RUN_STAGE, "business_check", NULL);
  assert_has (out, "[FAILED] data_quality:negative_amount");
  g_assert_null (strstr (out, "middleware:middleware"));
  assert_has (out, "Checks of business_check: fail");
  g_clear_pointer (&out, g_free);

  /* pre_stop is refused, naming the check stage and the way on; nothing ran. */
  run = ctl_json (&fx, 1, RUN_STAGE, "pre_stop", NULL);
  {
    JsonObject *error = json_object_get_object_member (run, "error");

    g_assert_nonnull (error);
    g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "check-failed");
    assert_has (json_object_get_string_member (error, "message"), "business_check ended FAILED");
    assert_has (json_object_get_string_member (error, "message"), "data_quality:negative_amount");
    assert_has (json_object_get_string_member (error, "message"), "--stage business_check");
    assert_has (json_object_get_string_member (error, "message"), "--skip-checks");
  }
  g_clear_pointer (&run, json_object_unref);
  g_assert_cmpint (copies (db), ==, 0);

  /* Fixed: business_check passes (0) and pre_stop, in_stop run. */
  exec_sqlite_exec (db, "UPDATE orders SET amount = 5 WHERE id = 2");
  run = ctl_json (&fx, 0, RUN_STAGE, "business_check", NULL);
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "SUCCESS");
  g_assert_cmpstr (json_object_get_string_member (run, "verdict"), ==, "pass");
  g_assert_cmpstr (step_status (run, "data_quality:negative_amount"), ==, "SUCCESS");
  g_clear_pointer (&run, json_object_unref);
  g_free (ctl (&fx, 0, RUN_STAGE, "pre_stop", NULL));
  g_assert_cmpint (copies (db), ==, 1);
  g_free (ctl (&fx, 0, RUN_STAGE, "in_stop", NULL));
  exec_fixture_clear (&fx);
}

/* A rule that 0.9.5's manifest declares is a check of version 0.9.5 in
 * the run's steps, not of the plan's 1.0.0; those of 1.0.0 stay 1.0.0. */
static void
test_check_versions (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) run = NULL;

  exec_fixture_init (&fx);
  g_free (setup (&fx));
  exec_fixture_write (&fx, "bundle/manifests/0.9.5.json",
    "{\"version\": \"0.9.5\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"checks\": {\"data_quality\": [\n"
    "  {\"id\": \"positive_id\", \"name\": \"orders with an id ≤ 0\", \"database\": \"db\","
    "   \"sql\": \"SELECT COUNT(*) FROM orders WHERE id <= 0\", \"threshold\": 0, \"severity\": \"fail\","
    "   \"min_version\": \"0.1.0\", \"max_version\": \"1.0.0\"}]}}\n");
  run = ctl_json (&fx, 1, RUN_STAGE, "business_check", NULL);
  g_assert_cmpstr (step_status (run, "data_quality:positive_id"), ==, "SUCCESS");
  g_assert_cmpstr (step_member (run, "data_quality:positive_id", "version"), ==, "0.9.5");
  g_assert_cmpstr (step_member (run, "data_quality:negative_amount", "version"), ==, "1.0.0");
  g_assert_cmpstr (step_member (run, "middleware:db", "version"), ==, "1.0.0");
  exec_fixture_clear (&fx);
}

/* A rule of severity warn: business_check exits 4 and counts as passed. */
static void
test_warn (void)
{
  ExecFixture fx;
  g_autofree char *db = NULL;
  g_autoptr(JsonObject) run = NULL;

  exec_fixture_init (&fx);
  db = setup (&fx);
  exec_sqlite_exec (db, "UPDATE orders SET amount = 5, code = '' WHERE id = 2");
  run = ctl_json (&fx, 4, RUN_STAGE, "business_check", NULL);
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "SUCCESS");
  g_assert_cmpstr (json_object_get_string_member (run, "verdict"), ==, "warn");
  g_free (ctl (&fx, 0, RUN_STAGE, "pre_stop", NULL));
  g_assert_cmpint (copies (db), ==, 1);
  exec_fixture_clear (&fx);
}

/* --skip-checks walks past a failed business_check: pre_stop runs, and
 * its execution's log says who skipped what and why. */
static void
test_skip (void)
{
  ExecFixture fx;
  g_autofree char *db = NULL, *err = NULL, *who = NULL;
  int status;

  exec_fixture_init (&fx);
  db = setup (&fx);
  g_free (ctl (&fx, 1, RUN_STAGE, "business_check", NULL));
  status = exec_fixture_cli_stderr (&fx, c_locale, &err, RUN_STAGE, "pre_stop", "--skip-checks", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
  who = g_strdup_printf ("checks skipped by %s@%s (--skip-checks): business_check ended FAILED in execution ",
                         g_get_user_name (), g_get_host_name ());
  assert_has (err, who);
  assert_has (err, "(failed: data_quality:negative_amount)");
  g_assert_cmpint (copies (db), ==, 1);
  exec_fixture_clear (&fx);
}

/* The JSON error code of a failed run, or NULL when it has none. */
static const char *
error_code (JsonObject *run)
{
  JsonNode *node = json_object_get_member (run, "error");

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_get_string_member_with_default (json_node_get_object (node), "code", NULL);
}

/* pre_stop's copy, then an audit row into a table the operator has to
 * create: the run stops at a breakpoint until then. */
static void
write_failing_pre (ExecFixture *fx)
{
  exec_fixture_write (fx, "bundle/sql/pre.sql",
                      "CREATE TABLE orders_copy AS SELECT * FROM orders;\n"
                      "INSERT INTO audit (note) VALUES ('copied');\n");
}

static gint64
check_skips (ExecFixture *fx,
             const char  *execution_id)
{
  g_autofree char *journal = exec_fixture_path (fx, "state/journal.db");
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM upgrade_check_skip WHERE execution_id = '%s'",
                                          execution_id);

  return exec_sqlite_int (journal, sql);
}

/* `run --stage pre_stop --skip-checks` stops at a breakpoint; what the
 * operator does next continues that execution without repeating
 * --skip-checks: the same command again, `resume ID`, `resume ID
 * --retry` (the skip was decided and journaled when it started). A new
 * execution, of pre_stop or another stage, is still refused. */
static void
test_resume_after_skip (void)
{
  ExecFixture fx;
  g_autofree char *db = NULL, *id = NULL;
  g_autoptr(JsonObject) run = NULL;

  exec_fixture_init (&fx);
  db = setup (&fx);
  write_failing_pre (&fx);
  g_free (ctl (&fx, 1, RUN_STAGE, "business_check", NULL));

  run = ctl_json (&fx, 1, RUN_STAGE, "pre_stop", "--skip-checks", NULL);
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "FAILED");
  g_assert_nonnull (json_object_get_object_member (run, "breakpoint"));
  id = g_strdup (json_object_get_string_member (run, "execution_id"));
  g_assert_cmpint (copies (db), ==, 1);
  g_assert_cmpint (check_skips (&fx, id), ==, 1);
  g_clear_pointer (&run, json_object_unref);

  /* The same command again, not fixed yet: the same execution stops at
   * the same statement, not at the gate. */
  run = ctl_json (&fx, 1, RUN_STAGE, "pre_stop", NULL);
  g_assert_cmpstr (error_code (run), !=, "check-failed");
  g_assert_cmpstr (json_object_get_string_member (run, "execution_id"), ==, id);
  g_assert_nonnull (json_object_get_object_member (run, "breakpoint"));
  g_clear_pointer (&run, json_object_unref);

  /* resume --retry, still not fixed: the breakpoint again. */
  run = ctl_json (&fx, 1, "resume", id, "--retry", NULL);
  g_assert_cmpstr (error_code (run), !=, "check-failed");
  g_assert_cmpstr (json_object_get_string_member (run, "execution_id"), ==, id);
  g_assert_nonnull (json_object_get_object_member (run, "breakpoint"));
  g_clear_pointer (&run, json_object_unref);

  /* Fixed: resume finishes it; the skip stays journaled once. */
  exec_sqlite_exec (db, "CREATE TABLE audit (note TEXT)");
  run = ctl_json (&fx, 0, "resume", id, NULL);
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "SUCCESS");
  g_assert_cmpstr (json_object_get_string_member (run, "execution_id"), ==, id);
  g_assert_cmpint (exec_sqlite_int (db, "SELECT COUNT(*) FROM audit"), ==, 1);
  g_assert_cmpint (check_skips (&fx, id), ==, 1);
  g_clear_pointer (&run, json_object_unref);

  /* in_stop was never allowed: refused. */
  run = ctl_json (&fx, 1, RUN_STAGE, "in_stop", NULL);
  g_assert_cmpstr (error_code (run), ==, "check-failed");
  g_clear_pointer (&run, json_object_unref);
  /* Nor is a new execution of pre_stop. */
  run = ctl_json (&fx, 1, RUN_STAGE, "pre_stop", "--new-execution", NULL);
  g_assert_cmpstr (error_code (run), ==, "check-failed");
  exec_fixture_clear (&fx);
}

/* pre_stop started after business_check passed stops at a breakpoint;
 * business_check is run again and fails. `resume ID` continues the
 * execution (it was allowed when it started), but the same run command
 * again is a new request of the operator, gated on today's verdict. */
static void
test_resume_after_pass (void)
{
  ExecFixture fx;
  g_autofree char *db = NULL, *id = NULL;
  g_autoptr(JsonObject) run = NULL;

  exec_fixture_init (&fx);
  db = setup (&fx);
  write_failing_pre (&fx);
  exec_sqlite_exec (db, "UPDATE orders SET amount = 5 WHERE id = 2");
  g_free (ctl (&fx, 0, RUN_STAGE, "business_check", NULL));
  run = ctl_json (&fx, 1, RUN_STAGE, "pre_stop", NULL);
  id = g_strdup (json_object_get_string_member (run, "execution_id"));
  g_assert_nonnull (json_object_get_object_member (run, "breakpoint"));
  g_clear_pointer (&run, json_object_unref);

  exec_sqlite_exec (db, "UPDATE orders SET amount = -5 WHERE id = 2");
  g_free (ctl (&fx, 1, RUN_STAGE, "business_check", NULL));
  run = ctl_json (&fx, 1, RUN_STAGE, "pre_stop", NULL);
  g_assert_cmpstr (error_code (run), ==, "check-failed");
  g_clear_pointer (&run, json_object_unref);

  exec_sqlite_exec (db, "CREATE TABLE audit (note TEXT)");
  run = ctl_json (&fx, 0, "resume", id, NULL);
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "SUCCESS");
  g_assert_cmpstr (json_object_get_string_member (run, "execution_id"), ==, id);
  g_assert_cmpint (check_skips (&fx, id), ==, 0);
  exec_fixture_clear (&fx);
}

/* A business_check never run does not hold the later stages back: the
 * CI/CD hook and library users assess instead. */
static void
test_nothing_to_check (void)
{
  ExecFixture fx;
  g_autofree char *source = NULL, *sources = NULL;

  exec_fixture_init (&fx);
  source = exec_fixture_sqlite_source (&fx, "app.sqlite");
  sources = g_strdup_printf ("\"db\": %s", source);
  exec_fixture_write (&fx, "bundle/manifests/1.0.0.json",
    "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"upgrade_steps\": {\"pre_stop\": [{\"id\": \"t\", \"compatible_version\": \"0.1.0\", \"database\": \"db\","
    "  \"sql_scripts\": [\"sql/pre.sql\"]}]}}\n");
  exec_fixture_write (&fx, "bundle/sql/pre.sql", "CREATE TABLE t (id INTEGER);\n");
  exec_fixture_write_config (&fx, "bj-01", sources);
  g_free (ctl (&fx, 0, RUN_STAGE, "pre_stop", NULL));
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/check-stages/fail-then-fix", test_fail_then_fix);
  g_test_add_func ("/check-stages/warn", test_warn);
  g_test_add_func ("/check-stages/check-versions", test_check_versions);
  g_test_add_func ("/check-stages/skip", test_skip);
  g_test_add_func ("/check-stages/not-run", test_nothing_to_check);
  g_test_add_func ("/check-stages/resume-after-skip", test_resume_after_skip);
  g_test_add_func ("/check-stages/resume-after-pass", test_resume_after_pass);
  return g_test_run ();
}
