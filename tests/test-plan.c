/* test-plan.c - the planner: order, filtering, compatibility, errors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <upgrade.h>

static UpgBundle *
load_bundle (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "bundles", name, NULL);
  g_autoptr(GError) error = NULL;
  UpgBundle *bundle = upg_bundle_new_for_path (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bundle);
  return bundle;
}

static UpgPlan *
plan_for (UpgBundle  *bundle,
          const char *from,
          const char *to,
          const char *site,
          GError    **error)
{
  g_autoptr(UpgVersion) f = upg_version_parse (from, NULL);
  g_autoptr(UpgVersion) t = upg_version_parse (to, NULL);

  g_assert_nonnull (f);
  g_assert_nonnull (t);
  return upg_plan_new (bundle, f, t, site, error);
}

/* "id@version" of each step, joined by spaces. */
static char *
ids_of (GPtrArray *steps)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < steps->len; i++)
    {
      g_autofree char *v = upg_version_to_string (upg_step_get_version (steps->pdata[i]));
      g_string_append_printf (out, "%s%s@%s", i > 0 ? " " : "",
                              upg_step_get_id (steps->pdata[i]), v);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
assert_stage (UpgPlan    *plan,
              UpgStage    stage,
              const char *expected)
{
  g_autofree char *got = ids_of (upg_plan_get_steps (plan, stage));

  g_assert_cmpstr (got, ==, expected);
}

/* The order a person derives by hand from fixtures/bundles/product:
 * manifests 3.17.5, 3.17.5-P1, 3.18.0 (3.17.0 is installed); by stage;
 * s1 waits for s2; eu_only is for EU; x180 names CN but is common. */
static void
test_plan_full_order (void)
{
  g_autoptr(UpgBundle) bundle = load_bundle ("product");
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgPlan) plan = plan_for (bundle, "3.17.0", "3.18.0", "US", &error);
  GPtrArray *manifests;

  g_assert_no_error (error);
  manifests = upg_plan_get_manifests (plan);
  g_assert_cmpuint (manifests->len, ==, 3);
  assert_stage (plan, UPG_STAGE_RESOURCE_CHECK, "");
  assert_stage (plan, UPG_STAGE_BUSINESS_CHECK, "check_null@3.17.5-P1");
  assert_stage (plan, UPG_STAGE_PRE_STOP, "backup_orders@3.17.5");
  assert_stage (plan, UPG_STAGE_IN_STOP,
                "s2@3.17.5 s1@3.17.5 us_only@3.17.5 tool1@3.17.5 p1_fix@3.17.5-P1 x180@3.18.0");
  assert_stage (plan, UPG_STAGE_POST_START, "cache@3.17.5");
  assert_stage (plan, UPG_STAGE_POST_UPGRADE, "migrate_big@3.18.0");
  g_assert_cmpint (upg_plan_get_mode (plan), ==, UPG_PLAN_MODE_STOP_SERVICE);
}

static void
test_plan_site_filter (void)
{
  g_autoptr(UpgBundle) bundle = load_bundle ("product");
  g_autoptr(UpgPlan) eu = plan_for (bundle, "3.17.0", "3.18.0", "EU", NULL);
  g_autoptr(UpgPlan) none = plan_for (bundle, "3.17.0", "3.18.0", NULL, NULL);

  assert_stage (eu, UPG_STAGE_IN_STOP,
                "s2@3.17.5 s1@3.17.5 eu_only@3.17.5 tool1@3.17.5 p1_fix@3.17.5-P1 x180@3.18.0");
  assert_stage (none, UPG_STAGE_IN_STOP,
                "s2@3.17.5 s1@3.17.5 tool1@3.17.5 p1_fix@3.17.5-P1 x180@3.18.0");
}

static void
test_plan_source_versions (void)
{
  g_autoptr(UpgBundle) bundle = load_bundle ("product");
  g_autoptr(UpgPlan) plan = plan_for (bundle, "3.17.0", "3.18.0", "US", NULL);
  GPtrArray *manifests = upg_plan_get_manifests (plan);
  const char *expected[] = { "3.17.0", "3.17.5", "3.17.5-P1" };

  for (guint i = 0; i < manifests->len; i++)
    {
      g_autofree char *at = upg_version_to_string (
        upg_plan_get_source_version_for (plan, manifests->pdata[i]));
      g_assert_cmpstr (at, ==, expected[i]);
    }
  g_assert_null (upg_plan_get_source_version_for (plan, upg_bundle_get_manifests (bundle)->pdata[0]));
}

static void
test_plan_rollback_order (void)
{
  g_autoptr(UpgBundle) bundle = load_bundle ("product");
  g_autoptr(UpgPlan) plan = plan_for (bundle, "3.17.0", "3.18.0", "US", NULL);
  g_autofree char *got = ids_of (upg_plan_get_rollback_steps (plan, UPG_STAGE_IN_STOP));

  g_assert_cmpstr (got, ==, "rbp1@3.17.5-P1 rb2@3.17.5 rb1@3.17.5");
  g_assert_cmpuint (upg_plan_get_rollback_steps (plan, UPG_STAGE_PRE_STOP)->len, ==, 0);
}

static void
test_plan_compatibility (void)
{
  g_autoptr(UpgBundle) bundle = load_bundle ("product");
  g_autoptr(UpgPlan) plan = plan_for (bundle, "3.17.0", "3.18.0", "US", NULL);
  g_autoptr(UpgPlan) rolling = plan_for (bundle, "3.17.5-P1", "3.18.0", "US", NULL);
  GPtrArray *bad = upg_plan_get_incompatible_steps (plan);
  g_autofree char *ids = ids_of (bad);

  /* From 3.17.0: no compatible_version → needs confirmation; x180 needs 3.17.5. */
  g_assert_cmpstr (ids, ==, "check_null@3.17.5-P1 s1@3.17.5 tool1@3.17.5 "
                   "p1_fix@3.17.5-P1 x180@3.18.0 cache@3.17.5");
  g_assert_nonnull (strstr (upg_plan_get_incompatible_reason (plan, bad->pdata[0]),
                            "needs manual confirmation"));
  g_assert_cmpstr (upg_plan_get_incompatible_reason (plan, bad->pdata[4]), ==,
                   "compatible only from 3.17.5; upgrading from 3.17.0");
  g_assert_null (upg_plan_get_incompatible_reason (plan,
                   upg_plan_get_steps (plan, UPG_STAGE_IN_STOP)->pdata[0]));

  g_assert_cmpint (upg_plan_get_mode (rolling), ==, UPG_PLAN_MODE_ROLLING);
  g_assert_cmpuint (upg_plan_get_incompatible_steps (rolling)->len, ==, 0);
  assert_stage (rolling, UPG_STAGE_IN_STOP, "x180@3.18.0");
}

static void
test_plan_json (void)
{
  g_autoptr(UpgBundle) bundle = load_bundle ("product");
  g_autoptr(UpgPlan) plan = plan_for (bundle, "3.17.5", "3.18.0", "US", NULL);
  g_autoptr(JsonNode) node = upg_plan_to_json (plan);
  g_autofree char *text = json_to_string (node, FALSE);
  const char *expected =
    "{\"from\":\"3.17.5\",\"to\":\"3.18.0\",\"site\":\"US\",\"mode\":\"stop-service\","
    "\"stages\":["
    "{\"stage\":\"business_check\",\"steps\":[{\"id\":\"check_null\",\"version\":\"3.17.5-P1\","
    "\"component\":\"ft\",\"kind\":\"sql\",\"compatible\":false,\"name\":\"check_null\","
    "\"database\":\"ft_db\",\"stage\":\"business_check\"}]},"
    "{\"stage\":\"in_stop\",\"steps\":["
    "{\"id\":\"p1_fix\",\"version\":\"3.17.5-P1\",\"component\":\"ft\",\"kind\":\"sql\","
    "\"compatible\":false,\"name\":\"p1_fix\",\"database\":\"ft_db\",\"stage\":\"in_stop\"},"
    "{\"id\":\"x180\",\"version\":\"3.18.0\",\"component\":\"ft\",\"kind\":\"sql\","
    "\"compatible\":true,\"name\":\"x180\",\"database\":\"ft_db\",\"stage\":\"in_stop\"}]},"
    "{\"stage\":\"post_upgrade\",\"steps\":[{\"id\":\"migrate_big\",\"version\":\"3.18.0\","
    "\"component\":\"ft\",\"kind\":\"tool\",\"compatible\":true,\"name\":\"migrate_big\","
    "\"database\":null,\"stage\":\"post_upgrade\"}]}],"
    "\"incompatible\":["
    "{\"id\":\"check_null\",\"version\":\"3.17.5-P1\",\"reason\":\"no compatible_version declared: "
    "needs manual confirmation\",\"stage\":\"business_check\"},"
    "{\"id\":\"p1_fix\",\"version\":\"3.17.5-P1\",\"reason\":\"no compatible_version declared: "
    "needs manual confirmation\",\"stage\":\"in_stop\"}]}";

  g_assert_cmpstr (text, ==, expected);
}

static void
assert_plan_error (const char *bundle_name,
                   const char *from,
                   const char *to,
                   int         code,
                   const char *fragment)
{
  g_autoptr(UpgBundle) bundle = load_bundle (bundle_name);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgPlan) plan = plan_for (bundle, from, to, "US", &error);

  g_assert_null (plan);
  g_assert_error (error, UPG_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("'%s' does not contain '%s'", error->message, fragment);
}

static void
test_plan_errors (void)
{
  assert_plan_error ("product", "3.18.0", "3.17.5", UPG_ERROR_PLAN,
                     "'to' (3.17.5) must be above 'from' (3.18.0); going down is rollback");
  assert_plan_error ("product", "3.17.5", "3.17.5", UPG_ERROR_PLAN, "must be above");
  assert_plan_error ("gap", "3.16.0", "3.17.5", UPG_ERROR_PLAN,
                     "gap between 3.17.0 and 3.17.2");
  assert_plan_error ("max-gap", "3.17.0", "3.18.0", UPG_ERROR_PLAN,
                     "gap between 3.17.0 and 3.17.5");
  assert_plan_error ("orphan-patch", "3.16.0", "3.17.5-P1", UPG_ERROR_PLAN,
                     "patch 3.17.5-P1 applies on 3.17.5, which is neither installed");
  assert_plan_error ("cycle", "3.17.0", "3.17.5", UPG_ERROR_INVALID_BUNDLE,
                     "dependency cycle between steps: b -> c -> b");
  assert_plan_error ("unknown-dep", "3.17.0", "3.17.5", UPG_ERROR_INVALID_BUNDLE,
                     "step 'a' depends on 'nope', which no manifest defines");
  assert_plan_error ("later-dep", "3.17.0", "3.17.5", UPG_ERROR_INVALID_BUNDLE,
                     "depends on 'b', which runs at a later stage (post_start)");
}

/* A patch whose base is installed applies alone; gaps checked per manifest. */
static void
test_plan_patch_on_installed_base (void)
{
  g_autoptr(UpgBundle) bundle = load_bundle ("orphan-patch");
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgPlan) plan = plan_for (bundle, "3.17.5", "3.17.5-P1", NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (upg_plan_get_manifests (plan)->len, ==, 1);
  g_assert_cmpint (upg_plan_get_mode (plan), ==, UPG_PLAN_MODE_ROLLING);
}

/* Legacy properties steps plan like JSON ones and are all incompatible. */
static void
test_plan_legacy (void)
{
  g_autoptr(UpgBundle) bundle = load_bundle ("legacy");
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgPlan) plan = plan_for (bundle, "3.17.0", "3.17.5-P1", "US", &error);

  g_assert_no_error (error);
  assert_stage (plan, UPG_STAGE_IN_STOP, "sql_orders@3.17.5 sql_index@3.17.5 1@3.17.5-P1");
  assert_stage (plan, UPG_STAGE_POST_UPGRADE, "tool_tasks@3.17.5");
  g_assert_cmpint (upg_plan_get_mode (plan), ==, UPG_PLAN_MODE_STOP_SERVICE);
  g_assert_cmpuint (upg_plan_get_incompatible_steps (plan)->len, ==, 4);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plan/full-order", test_plan_full_order);
  g_test_add_func ("/plan/site-filter", test_plan_site_filter);
  g_test_add_func ("/plan/source-versions", test_plan_source_versions);
  g_test_add_func ("/plan/rollback-order", test_plan_rollback_order);
  g_test_add_func ("/plan/compatibility", test_plan_compatibility);
  g_test_add_func ("/plan/json", test_plan_json);
  g_test_add_func ("/plan/errors", test_plan_errors);
  g_test_add_func ("/plan/patch-on-installed-base", test_plan_patch_on_installed_base);
  g_test_add_func ("/plan/legacy", test_plan_legacy);
  return g_test_run ();
}
