/* test-properties.c - the Java properties reader and the legacy manifest form
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <upgrade.h>

#include "upg-manifest-private.h"
#include "upg-properties-private.h"

static void
test_reader_syntax (void)
{
  const char *text =
    "# comment \\\n"
    "a=1\n"
    "  ! bang comment\n"
    "b : two words  \n"
    "c three\n"
    "d=con\\\n"
    "     tinued\\\\\n"
    "e=\\u4e2d\\u53f0 \\t\\=x\\:y\n"
    "f\\ g=h\r\n"
    "empty=\n"
    "a=last wins\n"
    "bad=\\u12\n";
  g_autoptr(UpgProperties) p = upg_properties_parse (text, -1);

  g_assert_cmpuint (upg_properties_get_size (p), ==, 8);
  g_assert_cmpstr (upg_properties_key_at (p, 0), ==, "a");
  g_assert_cmpstr (upg_properties_get (p, "a"), ==, "last wins");
  g_assert_cmpstr (upg_properties_get (p, "b"), ==, "two words  ");
  g_assert_cmpstr (upg_properties_get (p, "c"), ==, "three");
  g_assert_cmpstr (upg_properties_get (p, "d"), ==, "continued\\");
  g_assert_cmpstr (upg_properties_get (p, "e"), ==, "中台 \t=x:y");
  g_assert_cmpstr (upg_properties_get (p, "f g"), ==, "h");
  g_assert_cmpstr (upg_properties_get (p, "empty"), ==, "");
  g_assert_null (upg_properties_get (p, "# comment"));
  /* A malformed \u escape is dropped, never a crash. */
  g_assert_cmpstr (upg_properties_get (p, "bad"), ==, "");
}

static void
test_reader_latin1 (void)
{
  const char text[] = { 'k', '=', (char) 0xe9, '\n', 0 };
  g_autoptr(UpgProperties) p = upg_properties_parse (text, -1);

  g_assert_cmpstr (upg_properties_get (p, "k"), ==, "é");
}

/* Found by fuzz-properties: a repeated key freed the listed key string. */
static void
test_reader_regression_duplicate_key (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "properties",
                                                 "crash-duplicate-key.properties", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgProperties) p = upg_properties_load (path, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < upg_properties_get_size (p); i++)
    g_assert_nonnull (upg_properties_get (p, upg_properties_key_at (p, i)));
  g_assert_cmpstr (upg_properties_get (p, "sql.20.id"), ==, "sql_orders");
}

static char *
legacy (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "bundles", "legacy", "manifests",
                                name, NULL);
}

static void
test_legacy_manifest (void)
{
  g_autofree char *tasks = legacy ("upgrade_tasks_V3.17.5.properties");
  g_autofree char *orch = legacy ("upgrade_orchestration_V3.17.5.properties");
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "fixtures", "bundles", "legacy", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgManifest) m = upg_manifest_new_from_properties (tasks, orch, dir, &error);
  g_autofree char *version = NULL;
  UpgStep *orders, *tool, *index;

  g_assert_no_error (error);
  version = upg_version_to_string (upg_manifest_get_version (m));
  g_assert_cmpstr (version, ==, "3.17.5");
  g_assert_cmpstr (upg_manifest_get_component (m), ==, "ft");

  orders = upg_manifest_get_steps (m, UPG_STAGE_IN_STOP)->pdata[0];
  g_assert_cmpstr (upg_step_get_id (orders), ==, "sql_orders");
  g_assert_cmpstr (upg_step_get_description (orders), ==, "订单 status fix");
  g_assert_cmpstr (upg_step_get_sql_scripts (orders)[0], ==, "sql/orders.sql");
  g_assert_cmpstr (upg_step_get_database (orders), ==, "ft_db");
  g_assert_null (upg_step_get_compatible_version (orders));
  g_assert_null (upg_step_get_json (orders));

  /* Overrides by step id win: sql_index moved from post_start to in_stop,
   * after sql_orders (first-appearance order of uids). */
  g_assert_cmpuint (upg_manifest_get_steps (m, UPG_STAGE_IN_STOP)->len, ==, 2);
  index = upg_manifest_get_steps (m, UPG_STAGE_IN_STOP)->pdata[1];
  g_assert_cmpstr (upg_step_get_id (index), ==, "sql_index");
  g_assert_cmpstr (upg_step_get_database (index), ==, "report_db");
  g_assert_cmpuint (upg_manifest_get_steps (m, UPG_STAGE_POST_START)->len, ==, 0);

  tool = upg_manifest_get_steps (m, UPG_STAGE_POST_UPGRADE)->pdata[0];
  g_assert_cmpint (upg_step_get_kind (tool), ==, UPG_STEP_KIND_TOOL);
  g_assert_cmpstr (upg_step_get_class_name (tool), ==, "com.example.FtTaskMigration");
  g_assert_cmpuint (upg_manifest_get_steps (m, UPG_STAGE_PRE_STOP)->len, ==, 0);
}

/* Without a component key the bundle directory names it; id defaults to uid. */
static void
test_legacy_defaults (void)
{
  g_autofree char *tasks = legacy ("upgrade_tasks_V3.17.5-P1.properties");
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgManifest) m = upg_manifest_new_from_properties (tasks, NULL, NULL, &error);
  UpgStep *step;

  g_assert_no_error (error);
  g_assert_true (upg_manifest_is_patch (m));
  g_assert_cmpstr (upg_manifest_get_component (m), ==, "legacy");
  step = upg_manifest_get_steps (m, UPG_STAGE_IN_STOP)->pdata[0];
  g_assert_cmpstr (upg_step_get_id (step), ==, "1");
  g_assert_cmpstr (upg_step_get_component (step), ==, "legacy");
}

static void
assert_legacy_fails (const char *tasks_text,
                     const char *orch_text,
                     const char *fragment)
{
  g_autofree char *dir = g_dir_make_tmp ("upg-props-XXXXXX", NULL);
  g_autofree char *tasks = g_build_filename (dir, "upgrade_tasks_V3.17.5.properties", NULL);
  g_autofree char *orch = g_build_filename (dir, "upgrade_orchestration_V3.17.5.properties", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgManifest) m = NULL;

  g_assert_true (g_file_set_contents (tasks, tasks_text, -1, NULL));
  if (orch_text != NULL)
    g_assert_true (g_file_set_contents (orch, orch_text, -1, NULL));
  m = upg_manifest_new_from_properties (tasks, orch_text != NULL ? orch : NULL, NULL, &error);
  g_assert_null (m);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST);
  if (strstr (error->message, fragment) == NULL)
    g_error ("'%s' does not contain '%s'", error->message, fragment);
  g_unlink (tasks);
  g_unlink (orch);
  g_rmdir (dir);
}

static void
test_legacy_errors (void)
{
  assert_legacy_fails ("sql.1.file=a.sql\n", NULL,
                       "key 'sql.1.stage': missing: expected a stage such as in_stop");
  assert_legacy_fails ("sql.1.file=a.sql\nsql.1.stage=later\n", NULL,
                       "key 'sql.1.stage': stage 'later' is not known");
  assert_legacy_fails ("sql.1.stage=in_stop\n", NULL, "key 'sql.1.file': missing");
  assert_legacy_fails ("tool.1.stage=in_stop\n", NULL, "key 'tool.1.package': missing");
  assert_legacy_fails ("sql.1.file=../a.sql\nsql.1.stage=in_stop\n", NULL,
                       "key 'sql.1.file': '../a.sql': expected a relative path that stays inside");
  assert_legacy_fails ("sql.1.id=x\nsql.1.file=a.sql\nsql.1.stage=in_stop\n"
                       "sql.2.id=x\nsql.2.file=b.sql\nsql.2.stage=in_stop\n", NULL,
                       "step id 'x' is used twice");
  assert_legacy_fails ("sql.1.id=x\nsql.1.file=a.sql\nsql.1.stage=in_stop\n",
                       "sql.y.stage=in_stop\n", "key 'sql.y.stage': no sql step has id 'y'");
  assert_legacy_fails ("sql.1.id=x\nsql.1.file=a.sql\nsql.1.stage=in_stop\n",
                       "sql.x.stage=soon\n", "upgrade_orchestration_V3.17.5.properties: key "
                       "'sql.x.stage': stage 'soon' is not known");
}

static void
test_legacy_bad_name (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgManifest) m = upg_manifest_new_from_properties ("/x/upgrade_tasks_Vx.y.properties",
                                                               NULL, NULL, &error);

  g_assert_null (m);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST);
  g_assert_true (g_str_has_prefix (error->message,
                                   "/x/upgrade_tasks_Vx.y.properties: version 'Vx.y' is not valid"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/properties/reader/syntax", test_reader_syntax);
  g_test_add_func ("/properties/reader/latin1", test_reader_latin1);
  g_test_add_func ("/properties/reader/regression-duplicate-key", test_reader_regression_duplicate_key);
  g_test_add_func ("/properties/legacy/manifest", test_legacy_manifest);
  g_test_add_func ("/properties/legacy/defaults", test_legacy_defaults);
  g_test_add_func ("/properties/legacy/errors", test_legacy_errors);
  g_test_add_func ("/properties/legacy/bad-name", test_legacy_bad_name);
  return g_test_run ();
}
