/* bench-batched-migration.c - issue #17's figures: a keyset batched
 * migration of a large table (MariaDB InnoDB, PostgreSQL) through the
 * real upgradectl, with and without a throttle that trips half the time
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   ninja -C _build bench-batched-migration
 *   UPGRADECTL=_build/bindings/cli/upgradectl UPGRADE_BUILD_ROOT=_build \
 *     _build/bench/bench-batched-migration [--rows N] [--only mariadb|postgresql] [--no-throttle]
 *
 * For each server (started with its durable defaults: a flush per
 * commit): a table of N rows (10,000,000), then `run --stage
 * post_upgrade` of a step `UPDATE t SET n = n + 1 WHERE id BETWEEN :start
 * AND :end` with target_batch_seconds 0.5. Printed: rows/s over the
 * step, batches, final batch size. Then the same with a throttle query
 * that is above its max during every other 4 s of the clock: the
 * rate, and the ETA the migration showed at 25, 50 and 75 % of its keys
 * against the time it really took from there. Not a test: the figures
 * depend on the machine's disks and load (print `uptime` beside them).
 */
#include <stdio.h>
#include <sys/wait.h>

#include "exec-test-util.h"
#include "upg-test-servers.h"

static int n_rows = 10000000;
static char *only = NULL;
static gboolean no_throttle = FALSE;

static void
fill (UpgConnection     *conn,
      UpgTestServerKind  kind)
{
  g_autofree char *insert = NULL;

  exec_execute (conn, "DROP TABLE IF EXISTS bench_t");
  exec_execute (conn, "DROP TABLE IF EXISTS upgrade_migration_checkpoint");
  exec_execute (conn, "CREATE TABLE bench_t (id BIGINT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0,"
                      " pad VARCHAR(40) NOT NULL DEFAULT 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')");
  if (kind == UPG_TEST_SERVER_MARIADB)
    insert = g_strdup_printf ("INSERT INTO bench_t (id) SELECT seq FROM seq_1_to_%d", n_rows);
  else
    insert = g_strdup_printf ("INSERT INTO bench_t (id) SELECT generate_series(1, %d)", n_rows);
  exec_execute (conn, insert);
  if (kind == UPG_TEST_SERVER_POSTGRESQL)
    exec_execute (conn, "VACUUM ANALYZE bench_t");
}

static JsonObject *
migration (ExecFixture *fx)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *list;

  exec_fixture_cli (fx, NULL, &out, "--json", "migrations", NULL);
  node = json_from_string (out, NULL);
  if (node == NULL)
    return NULL;
  list = json_object_get_array_member (json_node_get_object (node), "migrations");
  return json_array_get_length (list) > 0 ? json_object_ref (json_array_get_object_element (list, 0)) : NULL;
}

/* The load average (1, 5, 15 min), to print beside the figures: the
 * machine may be shared. */
static const char *
load_average (void)
{
  static char text[128];
  g_autofree char *contents = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &contents, NULL, NULL))
    return "?\n";
  g_strlcpy (text, contents, sizeof text);
  return text;
}

typedef struct {
  double at_percent;
  gint64 when_us;
  gint64 eta_seconds;
} EtaSample;

static void
run_one (const char        *label,
         UpgTestServer     *server,
         UpgTestServerKind  kind,
         gboolean           throttled)
{
  ExecFixture fx;
  g_autofree char *source = upg_test_server_datasource_json (server, UPG_TEST_PASSWORD_FILE, FALSE);
  g_autofree char *sources = g_strdup_printf ("\"db\": %s", source);
  g_autoptr(UpgConnection) conn = exec_open_source ("db", source);
  g_autofree char *throttle = NULL;
  g_autofree char *steps = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(JsonObject) last = NULL;
  EtaSample samples[3] = { { 25, 0, -1 }, { 50, 0, -1 }, { 75, 0, -1 } };
  gint64 ended;
  double seconds;

  exec_fixture_init (&fx);
  exec_fixture_write_config (&fx, "bench", sources);
  fill (conn, kind);
  /* Up for 4 s, down for 4 s: a period long against a batch (0.5 s
   * targeted, over 1 s seen on MariaDB), which the throttle can only
   * stop between batches; with 1 s up / 1 s down, batches ran through the
   * throttled seconds and it held the migration a third of the time. */
  if (throttled)
    throttle = g_strdup_printf (", \"throttle\": {\"sql\": \"SELECT %s\", \"max\": 0, \"pause_seconds\": 0.25}",
                                kind == UPG_TEST_SERVER_MARIADB
                                  ? "MOD(FLOOR(UNIX_TIMESTAMP(NOW(6)) / 4), 2)"
                                  : "MOD(FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) / 4)::bigint, 2)");
  steps = g_strdup_printf ("\"post_upgrade\": [{\"id\": \"bench\", \"database\": \"db\", \"compatible_version\": "
                           "\"1.0.0\", \"batched_migration\": {\"table\": \"bench_t\", \"key\": \"id\", \"sql\": "
                           "\"UPDATE bench_t SET n = n + 1 WHERE id BETWEEN :start AND :end\", \"batch_size\": 1000,"
                           " \"target_batch_seconds\": 0.5%s}}]", throttle != NULL ? throttle : "");
  exec_fixture_write_manifest (&fx, "1.1.0", steps, NULL);

  process = g_subprocess_launcher_spawn (launcher, NULL, g_getenv ("UPGRADECTL"), "-b", fx.bundle, "-c", fx.config,
                                         "--state-dir", fx.state, "run", "--from", "1.0.0", "--to", "1.1.0",
                                         "--stage", "post_upgrade", NULL);
  g_assert_nonnull (process);
  for (;;)
    {
      g_autoptr(JsonObject) m = NULL;
      gboolean done = FALSE;

      g_usleep (G_USEC_PER_SEC);
      m = migration (&fx);
      if (m != NULL)
        {
          double percent = json_object_get_double_member_with_default (m, "progress_percent", 0);

          for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
            if (samples[i].when_us == 0 && percent >= samples[i].at_percent)
              {
                samples[i].when_us = g_get_monotonic_time ();
                samples[i].eta_seconds = json_object_get_int_member_with_default (m, "eta_seconds", -1);
                samples[i].at_percent = percent;
              }
          done = g_strcmp0 (json_object_get_string_member_with_default (m, "state", ""), "done") == 0 ||
                 g_strcmp0 (json_object_get_string_member_with_default (m, "state", ""), "failed") == 0;
        }
      if (done)
        {
          g_clear_pointer (&last, json_object_unref);
          last = g_steal_pointer (&m);
          break;
        }
    }
  g_subprocess_wait (process, NULL, NULL);
  ended = g_get_monotonic_time ();
  seconds = json_object_get_int_member_with_default (last, "duration_ms", 0) / 1000.0;
  printf ("%-11s %-10s %10" G_GINT64_FORMAT " rows  %7.1f s  %9.0f rows/s  %6" G_GINT64_FORMAT " batches"
          "  batch %7" G_GINT64_FORMAT "  paused %6.1f s  (%s)\n",
          label, throttled ? "throttled" : "plain", json_object_get_int_member (last, "rows_done"), seconds,
          seconds > 0 ? json_object_get_int_member (last, "rows_done") / seconds : 0,
          json_object_get_int_member (last, "batches"), json_object_get_int_member (last, "batch_size"),
          json_object_get_int_member (last, "paused_ms") / 1000.0,
          json_object_get_string_member (last, "state"));
  printf ("            load average after: %s", load_average ());
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    if (samples[i].when_us != 0 && samples[i].eta_seconds >= 0)
      {
        double real = (double) (ended - samples[i].when_us) / G_USEC_PER_SEC;

        printf ("            ETA at %4.1f %%: %5" G_GINT64_FORMAT " s, took %6.1f s (%+.0f %%)\n",
                samples[i].at_percent, samples[i].eta_seconds, real,
                real > 0 ? 100.0 * ((double) samples[i].eta_seconds - real) / real : 0);
      }
  exec_execute (conn, "DROP TABLE bench_t");
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "rows", 0, 0, G_OPTION_ARG_INT, &n_rows, "Rows in the table (10,000,000)", "N" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Only this server", "mariadb|postgresql" },
    { "no-throttle", 0, 0, G_OPTION_ARG_NONE, &no_throttle, "Skip the throttled runs", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  static const struct {
    const char *name;
    UpgTestServerKind kind;
  } servers[] = { { "mariadb", UPG_TEST_SERVER_MARIADB }, { "postgresql", UPG_TEST_SERVER_POSTGRESQL } };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  if (g_getenv ("UPGRADECTL") == NULL)
    g_error ("set UPGRADECTL to the built upgradectl and UPGRADE_BUILD_ROOT to the build directory,"
             " or run `ninja -C _build bench-batched-migration`");
  /* The durable defaults: a disk flush per commit, as in production;
   * a production-sized buffer pool (the tests' 32 MB one makes every
   * batch read the table from disk). */
  g_setenv ("UPGRADE_TEST_SERVER_DURABLE", "1", TRUE);
  g_setenv ("UPGRADE_TEST_SERVER_BUFFER_POOL", "1G", FALSE);
  printf ("buffer pool %s, durable commits; load average before: %s", g_getenv ("UPGRADE_TEST_SERVER_BUFFER_POOL"),
          load_average ());
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    {
      g_autoptr(UpgTestServer) server = NULL;

      if (only != NULL && !g_str_equal (only, servers[i].name))
        continue;
      server = upg_test_server_start (servers[i].kind, &error);
      if (server == NULL)
        g_error ("%s: %s", servers[i].name, error->message);
      run_one (servers[i].name, server, servers[i].kind, FALSE);
      if (!no_throttle)
        run_one (servers[i].name, server, servers[i].kind, TRUE);
    }
  return 0;
}
