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
  g_autofree char *text = upg_format_duration (seconds);

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
  g_autofree char *text = upg_format_duration (seconds);

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

  return g_test_run ();
}
