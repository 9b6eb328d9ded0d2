/* test-assessment-host.c - the CPU idle figure of the host-resources plugin
 *
 * The plugin's /proc/stat arithmetic is compiled in and run on written
 * samples; the sampling interval is checked on the real /proc/stat, with
 * signals arriving during the wait, and through the plugin as shipped.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <sys/time.h>
#include <glib/gstdio.h>
#include <upgrade.h>

#include "host-resources-private.h"

static HostCpuSample
read_sample (const char *line)
{
  g_autofree char *dir = g_dir_make_tmp ("upg-host-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "stat", NULL);
  g_autofree char *contents = g_strconcat (line, "\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 5\n", NULL);
  g_autoptr(GError) error = NULL;
  HostCpuSample sample = { 0, 0 };

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  g_assert_true (host_read_cpu_sample (path, &sample, &error));
  g_assert_no_error (error);
  g_remove (path);
  g_rmdir (dir);
  return sample;
}

static void
test_arithmetic (void)
{
  /* user nice system idle iowait irq softirq steal guest guest_nice */
  HostCpuSample first = read_sample ("cpu  100 0 50 800 50 0 0 0 30 0");
  HostCpuSample second = read_sample ("cpu  150 0 100 880 70 0 0 0 60 0");

  /* Guest time is already part of user time: not counted twice. */
  g_assert_cmpuint (first.total, ==, 1000);
  g_assert_cmpuint (first.idle, ==, 850);
  /* 200 ticks, of which 80 idle and 20 iowait. */
  g_assert_cmpfloat_with_epsilon (host_cpu_idle_percent (&first, &second), 50.0, 1e-9);
  /* A saturated host: every tick busy. */
  second = read_sample ("cpu  250 0 50 800 50 0 0 0 30 0");
  g_assert_cmpfloat_with_epsilon (host_cpu_idle_percent (&first, &second), 0.0, 1e-9);
  /* No tick elapsed: nothing ran. */
  g_assert_cmpfloat_with_epsilon (host_cpu_idle_percent (&first, &first), 100.0, 1e-9);
}

/* The kernel's iowait count can go backwards: the share stays in [0, 100]. */
static void
test_iowait_backwards (void)
{
  HostCpuSample first = read_sample ("cpu  100 0 50 800 50 0 0 0 0 0");
  HostCpuSample second = read_sample ("cpu  200 0 50 800 40 0 0 0 0 0");
  double idle = host_cpu_idle_percent (&first, &second);

  g_assert_cmpfloat (idle, >=, 0.0);
  g_assert_cmpfloat (idle, <=, 100.0);
  g_assert_cmpfloat_with_epsilon (idle, 0.0, 1e-9);
  /* Idle grows by 30 while iowait drops by 10, over 100 ticks. */
  second = read_sample ("cpu  180 0 50 830 40 0 0 0 0 0");
  g_assert_cmpfloat_with_epsilon (host_cpu_idle_percent (&first, &second), 20.0, 1e-9);
}

static volatile sig_atomic_t n_alarms;

static void
on_alarm (int signum)
{
  n_alarms++;
}

/* Signals during the wait (SIGALRM every 20 ms, without SA_RESTART) do not
 * shorten the sampling interval. */
static void
test_interval (void)
{
  struct sigaction action = { 0 }, old_action;
  struct itimerval timer = { { 0, 20000 }, { 0, 20000 } }, stop = { { 0, 0 }, { 0, 0 } };
  g_autoptr(GError) error = NULL;
  double idle = -1, elapsed_ms = 0;
  gint64 start, took_us;

  action.sa_handler = on_alarm;
  sigemptyset (&action.sa_mask);
  g_assert_cmpint (sigaction (SIGALRM, &action, &old_action), ==, 0);
  n_alarms = 0;
  g_assert_cmpint (setitimer (ITIMER_REAL, &timer, NULL), ==, 0);
  start = g_get_monotonic_time ();
  g_assert_true (host_sample_cpu ("/proc/stat", 250, NULL, &idle, &elapsed_ms, &error));
  took_us = g_get_monotonic_time () - start;
  g_assert_cmpint (setitimer (ITIMER_REAL, &stop, NULL), ==, 0);
  g_assert_cmpint (sigaction (SIGALRM, &old_action, NULL), ==, 0);
  g_assert_no_error (error);

  g_test_message ("CPU idle %.1f %% over %.1f ms, %d signals", idle, elapsed_ms, (int) n_alarms);
  g_assert_cmpint (n_alarms, >, 0);
  g_assert_cmpint (took_us, >=, 250000);
  g_assert_cmpfloat (elapsed_ms, >=, 250.0);
  g_assert_cmpfloat (idle, >=, 0.0);
  g_assert_cmpfloat (idle, <=, 100.0);
}

static void
test_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  double idle = -1, elapsed_ms = 0;
  gint64 start = g_get_monotonic_time ();

  g_cancellable_cancel (cancellable);
  g_assert_false (host_sample_cpu ("/proc/stat", 600000, cancellable, &idle, &elapsed_ms, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Not a sleep of the whole (10 min) interval, however slow the machine. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 60 * G_USEC_PER_SEC);
}

/* The shipped plugin reports the interval it measured over. */
static void
test_plugin_figures (void)
{
  g_autofree char *plugins = g_build_filename (g_getenv ("UPGRADE_BUILD_ROOT"), "plugins", NULL);
  g_autoptr(UpgPluginManager) manager = upg_plugin_manager_new ();
  g_autoptr(UpgContext) context = upg_context_new ("0d7e6f3c-aaaa-4bbb-8ccc-000000000044");
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *figures = NULL;

  upg_plugin_manager_add_directory (manager, plugins);
  results = upg_plugin_manager_run_checks (manager, UPG_TYPE_RESOURCE_CHECK, context, 60, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < results->len; i++)
    if (g_str_equal (upg_check_result_get_id (results->pdata[i]), "cpu"))
      figures = upg_check_result_get_figures (results->pdata[i]);
  g_assert_nonnull (figures);
  g_test_message ("plugin: CPU idle %.1f %% over %.1f ms",
                  json_object_get_double_member (figures, "idle_percent"),
                  json_object_get_double_member (figures, "sample_ms"));
  g_assert_cmpfloat (json_object_get_double_member (figures, "sample_ms"), >=, 200.0);
  g_assert_cmpfloat (json_object_get_double_member (figures, "min_idle_percent"), ==, 20.0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/assessment-host/cpu/arithmetic", test_arithmetic);
  g_test_add_func ("/assessment-host/cpu/iowait-backwards", test_iowait_backwards);
  g_test_add_func ("/assessment-host/cpu/interval", test_interval);
  g_test_add_func ("/assessment-host/cpu/cancelled", test_cancelled);
  g_test_add_func ("/assessment-host/plugin/figures", test_plugin_figures);

  return g_test_run ();
}
