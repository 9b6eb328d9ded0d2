/* test-check-result.c - check items, verdicts and their JSON form
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <upgrade-spi.h>

static void
test_verdict_names (void)
{
  for (UpgVerdict v = UPG_VERDICT_PASS; v <= UPG_VERDICT_SKIPPED; v++)
    {
      UpgVerdict back = UPG_VERDICT_PASS;

      g_assert_true (upg_verdict_from_string (upg_verdict_to_string (v), &back, NULL));
      g_assert_cmpint (back, ==, v);
    }
}

static void
test_verdict_unknown (void)
{
  UpgVerdict v;
  g_autoptr(GError) error = NULL;

  g_assert_false (upg_verdict_from_string ("ok", &v, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'ok'"));
}

static void
test_verdict_worst (void)
{
  g_assert_cmpint (upg_verdict_worst (UPG_VERDICT_PASS, UPG_VERDICT_WARN), ==, UPG_VERDICT_WARN);
  g_assert_cmpint (upg_verdict_worst (UPG_VERDICT_FAIL, UPG_VERDICT_WARN), ==, UPG_VERDICT_FAIL);
  g_assert_cmpint (upg_verdict_worst (UPG_VERDICT_SKIPPED, UPG_VERDICT_PASS), ==, UPG_VERDICT_PASS);
  g_assert_cmpint (upg_verdict_worst (UPG_VERDICT_WARN, UPG_VERDICT_SKIPPED), ==, UPG_VERDICT_WARN);
  g_assert_cmpint (upg_verdict_worst (UPG_VERDICT_SKIPPED, UPG_VERDICT_SKIPPED), ==, UPG_VERDICT_SKIPPED);
}

static void
test_result_roundtrip (void)
{
  g_autoptr(UpgCheckResult) result = NULL;
  g_autoptr(UpgCheckResult) back = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonObject *figures;

  result = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, "memory", "free memory",
                                 UPG_VERDICT_WARN, "512 MiB available");
  upg_check_result_set_suggestion (result, "stop the cache");
  upg_check_result_set_figure_int (result, "available_bytes", 536870912);
  upg_check_result_set_figure_double (result, "ratio", 0.5);
  upg_check_result_set_figure_string (result, "source", "/proc/meminfo");

  node = upg_check_result_to_json (result);
  text = json_to_string (node, FALSE);
  g_assert_nonnull (strstr (text, "\"check\":\"resource\""));
  g_assert_nonnull (strstr (text, "\"verdict\":\"warn\""));

  back = upg_check_result_new_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (upg_check_result_get_kind (back), ==, "resource");
  g_assert_cmpstr (upg_check_result_get_id (back), ==, "memory");
  g_assert_cmpstr (upg_check_result_get_name (back), ==, "free memory");
  g_assert_cmpint (upg_check_result_get_verdict (back), ==, UPG_VERDICT_WARN);
  g_assert_cmpstr (upg_check_result_get_message (back), ==, "512 MiB available");
  g_assert_cmpstr (upg_check_result_get_suggestion (back), ==, "stop the cache");
  figures = upg_check_result_get_figures (back);
  g_assert_cmpint (json_object_get_int_member (figures, "available_bytes"), ==, 536870912);
  g_assert_cmpfloat (json_object_get_double_member (figures, "ratio"), ==, 0.5);
  g_assert_cmpstr (json_object_get_string_member (figures, "source"), ==, "/proc/meminfo");
}

static void
test_result_name_defaults_to_id (void)
{
  g_autoptr(UpgCheckResult) result =
    upg_check_result_new (UPG_CHECK_KIND_DURATION, "tool_001", NULL, UPG_VERDICT_PASS, NULL);

  g_assert_cmpstr (upg_check_result_get_name (result), ==, "tool_001");
  g_assert_null (upg_check_result_get_message (result));
  g_assert_cmpuint (json_object_get_size (upg_check_result_get_figures (result)), ==, 0);
}

static void
test_result_bad_json (void)
{
  const char *cases[][2] = {
    { "[1]", "expected a JSON object" },
    { "{\"id\":\"x\",\"verdict\":\"pass\"}", "'check'" },
    { "{\"check\":\"resource\",\"verdict\":\"pass\"}", "'id'" },
    { "{\"check\":\"resource\",\"id\":\"x\",\"verdict\":\"maybe\"}", "'maybe'" },
    { "{\"check\":\"resource\",\"id\":\"x\",\"verdict\":3}", "'verdict' is not a string" },
    { "{\"check\":\"resource\",\"id\":\"x\",\"verdict\":\"pass\",\"figures\":[]}", "'figures'" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (cases[i][0], NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(UpgCheckResult) result = upg_check_result_new_from_json (node, &error);

      g_assert_null (result);
      g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, cases[i][1]));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/check-result/verdict/names", test_verdict_names);
  g_test_add_func ("/check-result/verdict/unknown", test_verdict_unknown);
  g_test_add_func ("/check-result/verdict/worst", test_verdict_worst);
  g_test_add_func ("/check-result/roundtrip", test_result_roundtrip);
  g_test_add_func ("/check-result/name-defaults-to-id", test_result_name_defaults_to_id);
  g_test_add_func ("/check-result/bad-json", test_result_bad_json);
  return g_test_run ();
}
