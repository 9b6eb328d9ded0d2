/* test-approvals-view.c - confirmations and skipped checks are shown:
 * `plan`, `status` (text and --json) and the reports (per stage and for
 * the whole upgrade, every format) say which steps needed confirmation,
 * whether, by whom and when they were confirmed, and who let a stage past
 * checks that had not passed, and why (SPEC §3, §9; issue #12), in
 * English and zh_CN, on SQLite with the real upgradectl
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "exec-test-util.h"

#define ZH "zh_CN.UTF-8"

static void
assert_has (const char *text,
            const char *part)
{
  if (text == NULL || strstr (text, part) == NULL)
    g_error ("expected \"%s\" in:\n%s", part, text);
}

static void
assert_lacks (const char *text,
              const char *part)
{
  if (text != NULL && strstr (text, part) != NULL)
    g_error ("did not expect \"%s\" in:\n%s", part, text);
}

#define ctl(fx, lang, code, ...) exec_fixture_ctl_lang ((fx), (lang), (code), __VA_ARGS__)
#define ctl_json(fx, code, ...) exec_fixture_ctl_json ((fx), NULL, (code), __VA_ARGS__, NULL)

/* 1.0.0 of "app" on app.sqlite: a fail-severity rule that fails, a
 * compatible copy in pre_stop, and in in_stop an index without
 * compatible_version (it needs confirmation) and a compatible one. */
static void
setup (ExecFixture *fx)
{
  g_autofree char *source = exec_fixture_sqlite_source (fx, "app.sqlite");
  g_autofree char *sources = g_strdup_printf ("\"db\": %s", source);
  g_autofree char *db = exec_fixture_path (fx, "app.sqlite");

  exec_sqlite_exec (db, "CREATE TABLE orders (id INTEGER PRIMARY KEY, code TEXT, amount INTEGER);"
                        "INSERT INTO orders VALUES (1, 'A-1', 10), (2, 'A-2', -5);");
  exec_fixture_write (fx, "bundle/manifests/1.0.0.json",
    "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"checks\": {\"data_quality\": [\n"
    "  {\"id\": \"negative_amount\", \"name\": \"orders with a negative amount\", \"database\": \"db\","
    "   \"sql\": \"SELECT COUNT(*) FROM orders WHERE amount < 0\", \"threshold\": 0, \"severity\": \"fail\","
    "   \"min_version\": \"0.1.0\", \"max_version\": \"1.0.0\"}]},\n"
    " \"upgrade_steps\": {\n"
    "  \"pre_stop\": [{\"id\": \"backup_copy\", \"compatible_version\": \"0.1.0\", \"database\": \"db\","
    "   \"sql_scripts\": [\"sql/pre.sql\"]}],\n"
    "  \"in_stop\": [{\"id\": \"code_index\", \"database\": \"db\", \"sql_scripts\": [\"sql/in.sql\"]},\n"
    "              {\"id\": \"amount_index\", \"compatible_version\": \"0.1.0\", \"database\": \"db\","
    "               \"sql_scripts\": [\"sql/in2.sql\"]}]}}\n");
  exec_fixture_write (fx, "bundle/sql/pre.sql", "CREATE TABLE orders_copy AS SELECT * FROM orders;\n");
  exec_fixture_write (fx, "bundle/sql/in.sql", "CREATE INDEX orders_code ON orders (code);\n");
  exec_fixture_write (fx, "bundle/sql/in2.sql", "CREATE INDEX orders_amount ON orders (amount);\n");
  exec_fixture_write_config (fx, "bj-01", sources);
}

static JsonObject *
plan_step (JsonObject *plan,
           const char *stage,
           const char *id)
{
  JsonArray *stages = json_object_get_array_member (plan, "stages");

  for (guint s = 0; s < json_array_get_length (stages); s++)
    {
      JsonObject *entry = json_array_get_object_element (stages, s);
      JsonArray *steps = json_object_get_array_member (entry, "steps");

      if (!g_str_equal (json_object_get_string_member (entry, "stage"), stage))
        continue;
      for (guint i = 0; i < json_array_get_length (steps); i++)
        if (g_str_equal (json_object_get_string_member (json_array_get_object_element (steps, i), "id"), id))
          return json_array_get_object_element (steps, i);
    }
  g_error ("no step %s in stage %s of the plan", id, stage);
  return NULL;
}

/* The one object of @array, which must have exactly one. */
static JsonObject *
only (JsonObject *object,
      const char *member)
{
  JsonArray *array = json_object_get_array_member (object, member);

  g_assert_nonnull (array);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  return json_array_get_object_element (array, 0);
}

/* plan: the step that needs confirmation says whether and by whom it was
 * confirmed, before and after `confirm`; a compatible step says nothing. */
static void
test_plan (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) before = NULL, after = NULL;
  g_autofree char *who = g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
  g_autofree char *text = NULL, *zh = NULL, *line = NULL;
  JsonObject *step, *confirmation;

  exec_fixture_init (&fx);
  setup (&fx);
  before = ctl_json (&fx, 0, "plan", "--from", "0.9.0", "--to", "1.0.0");
  step = plan_step (before, "in_stop", "code_index");
  g_assert_false (json_object_get_boolean_member (step, "confirmed"));
  g_assert_true (json_object_get_null_member (step, "confirmation"));
  g_assert_false (json_object_has_member (plan_step (before, "in_stop", "amount_index"), "confirmed"));
  g_assert_false (json_object_get_boolean_member (only (before, "incompatible"), "confirmed"));
  text = ctl (&fx, NULL, 0, "plan", "--from", "0.9.0", "--to", "1.0.0", NULL);
  assert_has (text, "needs manual confirmation: no compatible_version declared\n        not confirmed yet\n");
  g_free (text);

  g_free (ctl (&fx, NULL, 0, "confirm", "--from", "0.9.0", "--to", "1.0.0", "--step", "code_index", NULL));
  after = ctl_json (&fx, 0, "plan", "--from", "0.9.0", "--to", "1.0.0");
  step = plan_step (after, "in_stop", "code_index");
  g_assert_true (json_object_get_boolean_member (step, "confirmed"));
  confirmation = json_object_get_object_member (step, "confirmation");
  g_assert_cmpstr (json_object_get_string_member (confirmation, "confirmed_by"), ==, who);
  g_assert_cmpstr (json_object_get_string_member (confirmation, "via"), ==, "cli");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (confirmation, "confirmed_at"), "20"));
  confirmation = json_object_get_object_member (only (after, "incompatible"), "confirmation");
  g_assert_cmpstr (json_object_get_string_member (confirmation, "confirmed_by"), ==, who);

  text = ctl (&fx, NULL, 0, "plan", "--from", "0.9.0", "--to", "1.0.0", NULL);
  line = g_strdup_printf ("        confirmed by %s at ", who);
  assert_has (text, line);
  assert_has (text, " (via cli)\n");
  assert_lacks (text, "not confirmed yet");
  zh = ctl (&fx, ZH, 0, "plan", "--from", "0.9.0", "--to", "1.0.0", NULL);
  g_free (line);
  line = g_strdup_printf ("        已由 %s 于 ", who);
  assert_has (zh, line);
  assert_lacks (zh, "confirmed by");
  exec_fixture_clear (&fx);
}

/* status and the reports of pre_stop (run past a failed business_check
 * with --skip-checks) and of in_stop (its step confirmed). */
static void
test_status_and_reports (void)
{
  ExecFixture fx;
  g_autofree char *who = g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
  g_autoptr(JsonObject) pre = NULL, in = NULL, status = NULL, report = NULL, upgrade = NULL;
  g_autofree char *pre_id = NULL, *in_id = NULL, *text = NULL, *line = NULL;
  static const char * const formats[] = { "text", "markdown", "html" };
  JsonObject *skip, *confirmation;

  exec_fixture_init (&fx);
  setup (&fx);
  g_free (ctl (&fx, NULL, 1, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "business_check", NULL));
  pre = ctl_json (&fx, 0, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "pre_stop", "--skip-checks");
  pre_id = g_strdup (json_object_get_string_member (pre, "execution_id"));

  /* status --json of the latest execution: who skipped which checks, why. */
  status = ctl_json (&fx, 0, "status");
  g_assert_cmpstr (json_object_get_string_member (status, "execution_id"), ==, pre_id);
  skip = only (status, "check_skips");
  g_assert_cmpstr (json_object_get_string_member (skip, "check_stage"), ==, "business_check");
  g_assert_cmpstr (json_object_get_string_member (skip, "skipped_by"), ==, who);
  assert_has (json_object_get_string_member (skip, "reason"), "business_check ended FAILED");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (status, "confirmations")), ==, 0);
  text = ctl (&fx, NULL, 0, "status", pre_id, NULL);
  line = g_strdup_printf ("  checks skipped (--skip-checks): business_check by %s at ", who);
  assert_has (text, line);
  assert_has (text, "(failed: data_quality:negative_amount)");
  g_clear_pointer (&text, g_free);
  text = ctl (&fx, ZH, 0, "status", pre_id, NULL);
  assert_has (text, "跳过检查（--skip-checks）：business_check");
  g_clear_pointer (&text, g_free);

  /* Data fixed, business_check passes; in_stop with --confirm: its
   * confirmed step, who, how, and no skipped check. */
  {
    g_autofree char *db = exec_fixture_path (&fx, "app.sqlite");

    exec_sqlite_exec (db, "UPDATE orders SET amount = 5 WHERE id = 2");
  }
  g_free (ctl (&fx, NULL, 0, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "business_check", NULL));
  in = ctl_json (&fx, 0, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop", "--confirm");
  in_id = g_strdup (json_object_get_string_member (in, "execution_id"));
  g_clear_pointer (&status, json_object_unref);
  status = ctl_json (&fx, 0, "status", in_id);
  confirmation = only (status, "confirmations");
  g_assert_cmpstr (json_object_get_string_member (confirmation, "step_id"), ==, "code_index");
  g_assert_cmpstr (json_object_get_string_member (confirmation, "version"), ==, "1.0.0");
  g_assert_cmpstr (json_object_get_string_member (confirmation, "confirmed_by"), ==, who);
  g_assert_cmpstr (json_object_get_string_member (confirmation, "via"), ==, "run");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (status, "check_skips")), ==, 0);
  text = ctl (&fx, NULL, 0, "status", in_id, NULL);
  g_free (line);
  line = g_strdup_printf ("  confirmed: step code_index (1.0.0) by %s at ", who);
  assert_has (text, line);
  assert_has (text, " (via run)\n");
  g_clear_pointer (&text, g_free);
  text = ctl (&fx, ZH, 0, "status", in_id, NULL);
  assert_has (text, "已确认：步骤 code_index (1.0.0)");
  g_clear_pointer (&text, g_free);

  /* Reports of one stage, every format. */
  /* With --json, the report is the member "report". */
  report = ctl_json (&fx, 0, "report", in_id, "--format", "json");
  confirmation = only (json_object_get_object_member (report, "report"), "confirmations");
  g_assert_cmpstr (json_object_get_string_member (confirmation, "confirmed_by"), ==, who);
  g_clear_pointer (&report, json_object_unref);
  report = ctl_json (&fx, 0, "report", pre_id, "--format", "json");
  g_assert_cmpstr (json_object_get_string_member (only (json_object_get_object_member (report, "report"),
                                                        "check_skips"), "skipped_by"), ==, who);
  g_free (line);
  line = g_strdup_printf ("step code_index (1.0.0) confirmed by %s at ", who);
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      g_autofree char *skip_line = g_strdup_printf ("business_check skipped by %s at ", who);

      text = ctl (&fx, NULL, 0, "report", in_id, "--format", formats[f], NULL);
      assert_has (text, line);
      assert_lacks (text, "skipped by");
      g_clear_pointer (&text, g_free);
      text = ctl (&fx, NULL, 0, "report", pre_id, "--format", formats[f], NULL);
      assert_has (text, skip_line);
      assert_lacks (text, "confirmed by");
      g_clear_pointer (&text, g_free);

      /* The whole upgrade's report has both, with its executions. */
      text = ctl (&fx, NULL, 0, "report", "--upgrade", "--from", "0.9.0", "--to", "1.0.0", "--format", formats[f],
                  NULL);
      assert_has (text, line);
      assert_has (text, skip_line);
      g_clear_pointer (&text, g_free);
    }
  text = ctl (&fx, NULL, 0, "report", in_id, NULL);
  assert_has (text, "\nConfirmations:\n  step code_index");
  g_clear_pointer (&text, g_free);
  text = ctl (&fx, ZH, 0, "report", "--upgrade", "--from", "0.9.0", "--to", "1.0.0", NULL);
  assert_has (text, "步骤 code_index (1.0.0) 已由 ");
  assert_has (text, "business_check 已由 ");
  assert_lacks (text, "confirmed by");
  assert_lacks (text, "skipped by");
  g_clear_pointer (&text, g_free);

  upgrade = ctl_json (&fx, 0, "report", "--upgrade", "--from", "0.9.0", "--to", "1.0.0", "--format", "json");
  {
    JsonObject *whole = json_object_get_object_member (upgrade, "report");

    g_assert_cmpstr (json_object_get_string_member (only (whole, "confirmations"), "step_id"), ==, "code_index");
    g_assert_cmpstr (json_object_get_string_member (only (whole, "check_skips"), "execution_id"), ==, pre_id);
  }
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/approvals-view/plan", test_plan);
  g_test_add_func ("/approvals-view/status-and-reports", test_status_and_reports);

  return g_test_run ();
}
