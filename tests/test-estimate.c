/* test-estimate.c - duration arithmetic and live rate calibration
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <upgrade.h>

#define GiB (G_GUINT64_CONSTANT (1024) * 1024 * 1024)
#define MiB (G_GUINT64_CONSTANT (1024) * 1024)

static void
assert_duration (guint64 seconds, const char *expected)
{
  g_autofree char *text = upg_format_seconds (seconds);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_format_duration (void)
{
  assert_duration (0, "0s");
  assert_duration (45, "45s");
  assert_duration (59, "59s");
  assert_duration (60, "1m00s");
  assert_duration (512, "8m32s");
  assert_duration (3599, "59m59s");
  assert_duration (3600, "1h00m");
  assert_duration (2 * 3600 + 5 * 60 + 59, "2h05m");
  assert_duration (30 * 3600, "30h00m");
}

static void
test_volume_seconds (void)
{
  /* The design documents' example: 100 GB at 50 MB/s with 4 workers. */
  guint64 seconds = upg_estimate_volume_seconds (100 * GiB, 50.0 * MiB, 4);
  g_autofree char *text = upg_format_seconds (seconds);

  g_assert_cmpuint (seconds, ==, 512);
  g_assert_cmpstr (text, ==, "8m32s");

  /* Parallelism 0 counts as one worker, partial seconds round up. */
  g_assert_cmpuint (upg_estimate_volume_seconds (100, 30.0, 0), ==, 4);
  g_assert_cmpuint (upg_estimate_volume_seconds (100, 30.0, 1), ==, 4);
  g_assert_cmpuint (upg_estimate_volume_seconds (90, 30.0, 1), ==, 3);
  /* No rate: no estimate rather than a division by zero. */
  g_assert_cmpuint (upg_estimate_volume_seconds (100, 0.0, 4), ==, 0);
  g_assert_cmpuint (upg_estimate_volume_seconds (100, -5.0, 4), ==, 0);
}

static void
test_tracker_within_tolerance (void)
{
  g_autoptr(UpgRateTracker) tracker = upg_rate_tracker_new (1000, 10.0);

  g_assert_cmpfloat (upg_rate_tracker_get_remaining_seconds (tracker), ==, 100.0);
  /* 11.5 units/s is +15 %: inside the 20 % band, configured rate kept. */
  g_assert_false (upg_rate_tracker_update (tracker, 115, 10.0));
  g_assert_false (upg_rate_tracker_is_revised (tracker));
  g_assert_cmpfloat_with_epsilon (upg_rate_tracker_get_measured_rate (tracker), 11.5, 1e-9);
  g_assert_cmpfloat (upg_rate_tracker_get_rate (tracker), ==, 10.0);
  g_assert_cmpfloat_with_epsilon (upg_rate_tracker_get_remaining_seconds (tracker), 88.5, 1e-9);
  g_assert_null (upg_rate_tracker_get_message (tracker));
  /* Exactly 20 % is not "more than 20 %". */
  g_assert_false (upg_rate_tracker_update (tracker, 240, 20.0));
  g_assert_false (upg_rate_tracker_is_revised (tracker));
}

static void
test_tracker_faster (void)
{
  g_autoptr(UpgRateTracker) tracker = upg_rate_tracker_new (10000, 10.0);
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 11, 21, 2, 0, 0);
  g_autoptr(GDateTime) eta = NULL;
  g_autofree char *message = NULL;

  /* 1250 units in 100 s: 12.5/s, +25 %. */
  g_assert_true (upg_rate_tracker_update (tracker, 1250, 100.0));
  g_assert_true (upg_rate_tracker_is_revised (tracker));
  g_assert_cmpint (upg_rate_tracker_get_deviation_percent (tracker), ==, 25);
  g_assert_cmpfloat_with_epsilon (upg_rate_tracker_get_rate (tracker), 12.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (upg_rate_tracker_get_remaining_seconds (tracker), 700.0, 1e-9);
  message = upg_rate_tracker_get_message (tracker);
  g_assert_cmpstr (message, ==, "actual rate +25 % vs estimate, remaining revised");
  eta = upg_rate_tracker_get_eta (tracker, now);
  g_assert_nonnull (eta);
  g_assert_cmpint (g_date_time_difference (eta, now), ==, 700 * G_TIME_SPAN_SECOND);

  /* Revision is announced once; later samples keep refining the rate. */
  g_assert_false (upg_rate_tracker_update (tracker, 2800, 200.0));
  g_assert_cmpfloat_with_epsilon (upg_rate_tracker_get_rate (tracker), 14.0, 1e-9);
  g_assert_cmpint (upg_rate_tracker_get_deviation_percent (tracker), ==, 40);
}

static void
test_tracker_slower (void)
{
  g_autoptr(UpgRateTracker) tracker = upg_rate_tracker_new_for_duration (600, 60.0);
  g_autofree char *message = NULL;

  g_assert_cmpfloat_with_epsilon (upg_rate_tracker_get_configured_rate (tracker), 10.0, 1e-9);
  /* 88 units in 10 s = 8.8/s: -12 %, kept. */
  g_assert_false (upg_rate_tracker_update (tracker, 88, 10.0));
  /* 150 in 25 s = 6/s: -40 %, revised. */
  g_assert_true (upg_rate_tracker_update (tracker, 150, 25.0));
  message = upg_rate_tracker_get_message (tracker);
  g_assert_cmpstr (message, ==, "actual rate -40 % vs estimate, remaining revised");
  g_assert_cmpfloat_with_epsilon (upg_rate_tracker_get_remaining_seconds (tracker), 75.0, 1e-9);
  /* Done: nothing remains whatever the rate. */
  upg_rate_tracker_update (tracker, 600, 90.0);
  g_assert_cmpfloat (upg_rate_tracker_get_remaining_seconds (tracker), ==, 0.0);
}

static void
test_tracker_unknowns (void)
{
  g_autoptr(UpgRateTracker) no_rate = upg_rate_tracker_new (500, 0.0);
  g_autoptr(UpgRateTracker) no_total = upg_rate_tracker_new (0, 5.0);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) eta = NULL;
  g_autofree char *message = NULL;

  g_assert_cmpfloat (upg_rate_tracker_get_remaining_seconds (no_rate), ==, -1.0);
  g_assert_null (upg_rate_tracker_get_eta (no_rate, now));
  /* Samples with no progress or no time say nothing. */
  g_assert_false (upg_rate_tracker_update (no_rate, 0, 10.0));
  g_assert_false (upg_rate_tracker_update (no_rate, 10, 0.0));
  g_assert_false (upg_rate_tracker_is_revised (no_rate));
  /* The first measurement replaces a missing configured rate. */
  g_assert_true (upg_rate_tracker_update (no_rate, 100, 10.0));
  g_assert_cmpfloat_with_epsilon (upg_rate_tracker_get_remaining_seconds (no_rate), 40.0, 1e-9);
  g_assert_cmpint (upg_rate_tracker_get_deviation_percent (no_rate), ==, 0);
  message = upg_rate_tracker_get_message (no_rate);
  g_assert_cmpstr (message, ==, "actual rate measured, remaining revised");
  eta = upg_rate_tracker_get_eta (no_rate, now);
  g_assert_nonnull (eta);

  upg_rate_tracker_update (no_total, 100, 10.0);
  g_assert_cmpfloat (upg_rate_tracker_get_remaining_seconds (no_total), ==, -1.0);
}

static UpgPlan *
load_plan (const char *from_text, const char *to_text)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "assess", "bundle", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgBundle) bundle = upg_bundle_new_for_path (path, &error);
  g_autoptr(UpgVersion) from = upg_version_parse (from_text, NULL);
  g_autoptr(UpgVersion) to = upg_version_parse (to_text, NULL);
  UpgPlan *plan;

  g_assert_no_error (error);
  plan = upg_plan_new (bundle, from, to, "bj-01", &error);
  g_assert_no_error (error);
  return plan;
}

static UpgStep *
plan_step (UpgPlan *plan, UpgStage stage, const char *id)
{
  GPtrArray *steps = upg_plan_get_steps (plan, stage);

  for (guint i = 0; steps != NULL && i < steps->len; i++)
    if (g_str_equal (upg_step_get_id (steps->pdata[i]), id))
      return steps->pdata[i];
  g_error ("no step %s", id);
  return NULL;
}

static void
test_plan_estimate (void)
{
  g_autoptr(UpgPlan) plan = load_plan ("3.17.4", "3.17.5");
  g_autoptr(UpgEstimate) estimate = upg_estimate_new_for_plan (plan);
  g_autoptr(GPtrArray) long_steps = upg_estimate_get_long_steps (estimate);
  UpgEstimateSource source = UPG_ESTIMATE_SOURCE_DEFAULT;

  /* Per step: volume figures, declared duration, documented defaults. */
  g_assert_cmpuint (upg_estimate_step_seconds (plan_step (plan, UPG_STAGE_PRE_STOP, "tool_001"), &source), ==, 512);
  g_assert_cmpint (source, ==, UPG_ESTIMATE_SOURCE_VOLUME);
  g_assert_cmpuint (upg_estimate_step_seconds (plan_step (plan, UPG_STAGE_IN_STOP, "sql_001"), &source), ==, 180);
  g_assert_cmpint (source, ==, UPG_ESTIMATE_SOURCE_DECLARED);
  g_assert_cmpuint (upg_estimate_step_seconds (plan_step (plan, UPG_STAGE_IN_STOP, "sql_002"), &source),
                    ==, UPG_ESTIMATE_DEFAULT_SQL_FILE_SECONDS);
  g_assert_cmpint (source, ==, UPG_ESTIMATE_SOURCE_DEFAULT);
  g_assert_cmpuint (upg_estimate_step_seconds (plan_step (plan, UPG_STAGE_POST_START, "cache"), NULL),
                    ==, UPG_ESTIMATE_DEFAULT_STEP_SECONDS);

  /* pre_stop is parallel: the longest step (512 s, not 100 + 512). */
  g_assert_cmpuint (upg_estimate_get_stage_seconds (estimate, UPG_STAGE_PRE_STOP), ==, 512);
  /* in_stop is serial: 180 + 30. */
  g_assert_cmpuint (upg_estimate_get_stage_seconds (estimate, UPG_STAGE_IN_STOP), ==, 210);
  g_assert_cmpuint (upg_estimate_get_stage_seconds (estimate, UPG_STAGE_POST_START), ==, 60);
  g_assert_cmpuint (upg_estimate_get_stage_seconds (estimate, UPG_STAGE_POST_UPGRADE), ==, 7500);
  g_assert_cmpuint (upg_estimate_get_stage_seconds (estimate, UPG_STAGE_BUSINESS_CHECK), ==, 0);
  /* The total stops when the service is open: post stages are apart. */
  g_assert_cmpuint (upg_estimate_get_total_seconds (estimate), ==, 722);
  g_assert_cmpuint (upg_estimate_get_downtime_seconds (estimate), ==, 210);

  /* Over five minutes: flagged with a suggestion. */
  g_assert_cmpuint (long_steps->len, ==, 2);
  g_assert_cmpstr (upg_step_get_id (long_steps->pdata[0]), ==, "tool_001");
  g_assert_cmpstr (upg_step_get_id (long_steps->pdata[1]), ==, "migrate_history");
}

static void
test_plan_estimate_json (void)
{
  g_autoptr(UpgPlan) plan = load_plan ("3.17.4", "3.17.5");
  g_autoptr(UpgEstimate) estimate = upg_estimate_new_for_plan (plan);
  g_autoptr(JsonNode) node = upg_estimate_to_json (estimate);
  JsonObject *root = json_node_get_object (node);
  JsonArray *stages = json_object_get_array_member (root, "stages");
  JsonArray *steps = json_object_get_array_member (root, "steps");
  JsonObject *tool = NULL, *sql = NULL;
  g_autofree char *suggestion = NULL;

  g_assert_cmpint (json_object_get_int_member (root, "total_seconds"), ==, 722);
  g_assert_cmpuint (json_array_get_length (stages), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (stages, 0), "stage"), ==, "pre_stop");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (stages, 0), "seconds"), ==, 512);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (stages, 3), "stage"), ==, "post_upgrade");
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);

      if (g_str_equal (json_object_get_string_member (step, "id"), "tool_001"))
        tool = step;
      if (g_str_equal (json_object_get_string_member (step, "id"), "sql_001"))
        sql = step;
    }
  g_assert_nonnull (tool);
  g_assert_nonnull (sql);
  g_assert_true (json_object_get_boolean_member (tool, "flagged"));
  g_assert_cmpstr (json_object_get_string_member (tool, "source"), ==, "volume");
  g_assert_nonnull (strstr (json_object_get_string_member (tool, "suggestion"), "8m32s"));
  g_assert_nonnull (strstr (json_object_get_string_member (tool, "suggestion"), "parallelism (now 4)"));
  g_assert_false (json_object_get_boolean_member (sql, "flagged"));
  g_assert_false (json_object_has_member (sql, "suggestion"));
  suggestion = upg_estimate_get_suggestion (estimate, plan_step (plan, UPG_STAGE_IN_STOP, "sql_001"));
  g_assert_null (suggestion);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/estimate/format-duration", test_format_duration);
  g_test_add_func ("/estimate/volume-seconds", test_volume_seconds);
  g_test_add_func ("/estimate/tracker/within-tolerance", test_tracker_within_tolerance);
  g_test_add_func ("/estimate/tracker/faster", test_tracker_faster);
  g_test_add_func ("/estimate/tracker/slower", test_tracker_slower);
  g_test_add_func ("/estimate/tracker/unknowns", test_tracker_unknowns);

  g_test_add_func ("/estimate/plan/stages", test_plan_estimate);
  g_test_add_func ("/estimate/plan/json", test_plan_estimate_json);

  return g_test_run ();
}
