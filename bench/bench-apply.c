/* bench-apply.c - applying issue #11's scripts: libupgrade with full
 * journaling (SQLite journal, exactly-once markers) against the native
 * clients sqlite3, mariadb and psql
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   _build/bench/bench-apply [--shape autocommit|zabbix] [--statements N] [--rounds R] [--durable]
 *                            [--only sqlite|mariadb|postgresql]
 *
 * Prints the median wall-clock time of each over R rounds and the ratio
 * libupgrade / native (below 1: the engine is faster), as issue #11
 * states its targets. Native and engine runs alternate within a round,
 * so a machine whose load changes affects both alike. Not a test: the
 * figures depend on the machine's disks and load; run it on an otherwise
 * idle machine, several times.
 *
 * Shapes:
 * - autocommit (default): a table, then N (10,000) single-row INSERTs.
 *   The native client commits each; the engine commits them in groups of
 *   up to 1,000 with their markers (group commit,
 *   upg-sql-runner-groups.c), each group in one request on the servers,
 *   while keeping statement-level records, breakpoints and resume.
 * - zabbix: 100 tables, then one BEGIN … COMMIT holding N (130,000)
 *   statements in all, multi-row INSERTs shaped like zabbix 6.0's
 *   data.sql. Both sides run it as one transaction, statement by
 *   statement: the ratio is the engine's own cost per statement.
 *
 * --durable starts the throwaway servers with their own defaults (a disk
 * flush per commit), as a production server runs; without it they run
 * with relaxed fsync, which makes each commit nearly free and the
 * engine's per-statement work stand out.
 *
 * For the servers (autocommit shape) two more lines: the journal on the
 * server itself, and the protocol alone: the statements sent one by one
 * on one connection as they are ("native" column), then each with its
 * transaction and marker in one request ("libupgrade" column), without
 * the rest of the engine (and without group commit).
 */
#include <sys/wait.h>

#include "exec-test-util.h"
#include "upg-journal-batch-private.h"
#include "upg-test-servers.h"
#include "upg-transaction-pipeline-private.h"
#include "upg-journal-write-private.h"

static int n_statements = 0;
static int n_rounds = 5;
static gboolean durable = FALSE;
static char *only = NULL;
static char *shape = NULL;

#define ZABBIX_TABLES 100
#define ZABBIX_ROWS_PER_INSERT 2

static gboolean
zabbix (void)
{
  return g_strcmp0 (shape, "zabbix") == 0;
}

/* Issue #11's first script: a table, then N single-row INSERTs, each
 * committed on its own by the native client (autocommit). */
static char *
autocommit_script (const char *table)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "CREATE TABLE %s (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);\n", table);
  for (int i = 1; i <= n_statements; i++)
    g_string_append_printf (s, "INSERT INTO %s (id, n) VALUES (%d, %d);\n", table, i, i);
  return g_string_free (s, FALSE);
}

/* Issue #11's second script, shaped like zabbix 6.0's data.sql after its
 * schema.sql: ZABBIX_TABLES tables, then one BEGIN … COMMIT holding N
 * statements in all, multi-row INSERTs going round the tables. */
static char *
zabbix_script (const char *prefix)
{
  GString *s = g_string_new (NULL);
  int inserts = n_statements - 2;

  for (int t = 0; t < ZABBIX_TABLES; t++)
    g_string_append_printf (s, "CREATE TABLE %s_%d (id BIGINT NOT NULL, name VARCHAR(255) DEFAULT '' NOT NULL, "
                               "value VARCHAR(2048) DEFAULT '' NOT NULL, flags INTEGER DEFAULT '0' NOT NULL, "
                               "PRIMARY KEY (id));\n", prefix, t);
  g_string_append (s, "BEGIN;\n");
  for (int i = 0; i < inserts; i++)
    {
      int t = i % ZABBIX_TABLES;
      int id = (i / ZABBIX_TABLES) * ZABBIX_ROWS_PER_INSERT;

      g_string_append_printf (s, "INSERT INTO %s_%d (id,name,value,flags) values ", prefix, t);
      for (int r = 0; r < ZABBIX_ROWS_PER_INSERT; r++)
        g_string_append_printf (s, "%s('%d','Template item %d','system.cpu.util[,iowait] %d','%d')",
                                r > 0 ? "," : "", id + r, id + r, i, r);
      g_string_append (s, ";\n");
    }
  g_string_append (s, "COMMIT;\n");
  return g_string_free (s, FALSE);
}

static char *
script (const char *table)
{
  return zabbix () ? zabbix_script (table) : autocommit_script (table);
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

/* The journal: SQLite in the state directory, or (@on_server) the target
 * server itself, as "journal" in the configuration would put it. */
static UpgJournal *
open_journal (ExecFixture *fx,
              const char  *source_json,
              gboolean     on_server)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fx->state, "journal.db", NULL);
  g_autoptr(UpgConnection) connection = NULL;
  UpgJournal *journal;

  if (!on_server)
    journal = upg_journal_open_sqlite (path, &error);
  else
    {
      connection = exec_open_source ("journal", source_json);
      journal = upg_journal_new (connection, &error);
    }
  if (journal == NULL)
    g_error ("journal: %s", error->message);
  return journal;
}

/* libupgrade: one SQL step with the script, run through the executor. */
static double
engine_time (const char *source_json,
             const char *table,
             gboolean    journal_on_server)
{
  ExecFixture fx;
  g_autofree char *sources = g_strdup_printf ("\"db\": %s", source_json);
  g_autofree char *text = script (table);
  g_autoptr(GError) error = NULL;
  gint64 start;
  double took;

  exec_fixture_init (&fx);
  /* A site per run: with the journal on the server, an earlier round's
   * successful steps would be skipped. */
  exec_fixture_write_config (&fx, table, sources);
  exec_fixture_write (&fx, "bundle/sql/bench.sql", text);
  exec_fixture_write_manifest (&fx, "3.17.5",
                               "\"in_stop\": [{\"id\": \"bench\", \"database\": \"db\", \"sql_scripts\": [\"sql/bench.sql\"]}]",
                               NULL);
  {
    g_autoptr(UpgConfig) config = upg_config_new_from_file (fx.config, &error);
    g_autoptr(UpgBundle) bundle = upg_bundle_new_for_path (fx.bundle, &error);
    g_autoptr(UpgJournal) journal = open_journal (&fx, source_json, journal_on_server);
    g_autoptr(UpgExecutor) executor = upg_executor_new (config, bundle, journal, fx.state);
    g_autoptr(UpgRun) run = exec_run_new (UPG_RUN_KIND_RUN, "3.17.0", "3.17.5", "in_stop");

    upg_run_set_site_id (run, table);
    /* The bench's step has no compatible_version: an operator confirms
     * it, as `run --confirm` would, before the measured run. */
    exec_confirm_plan (executor, run);
    start = g_get_monotonic_time ();
    if (!upg_executor_run (executor, run, NULL, &error))
      g_error ("engine run failed: %s", error->message);
    took = seconds_since (start);
  }
  exec_fixture_clear (&fx);
  return took;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *times)
{
  g_array_sort (times, compare_doubles);
  if (times->len % 2 == 1)
    return g_array_index (times, double, times->len / 2);
  return (g_array_index (times, double, times->len / 2 - 1) + g_array_index (times, double, times->len / 2)) / 2;
}

static void
report (const char *name,
        const char *journal,
        GArray     *native_times,
        GArray     *engine_times)
{
  double native = median (native_times);
  double engine = median (engine_times);

  g_print ("%-11s %-17s %6d statements  native %7.2f s  libupgrade %7.2f s  ratio %5.2f  "
           "(%.0f vs %.0f statements/s; medians of %u rounds)\n", name, journal, n_statements, native, engine,
           engine / native, n_statements / native, n_statements / engine, native_times->len);
}

static void
add_time (GArray *times,
          double  seconds)
{
  g_array_append_val (times, seconds);
}

static GArray *
new_times (void)
{
  return g_array_new (FALSE, FALSE, sizeof (double));
}

static double
sqlite_native_time (const char *dir,
                    guint       round)
{
  g_autofree char *name = g_strdup_printf ("native-%u.db", round);
  g_autofree char *db = g_build_filename (dir, name, NULL);
  g_autofree char *path = g_build_filename (dir, "bench.sql", NULL);
  g_autofree char *text = script ("bench_native");
  const char *argv[] = { "sqlite3", "-bail", db, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  gint64 start;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_subprocess_launcher_set_stdin_file_path (launcher, path);
  start = g_get_monotonic_time ();
  child = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (child == NULL || !g_subprocess_wait_check (child, NULL, &error))
    g_error ("sqlite3 -bail %s: %s", db, error->message);
  return seconds_since (start);
}

static void
bench_sqlite (void)
{
  g_autofree char *dir = g_dir_make_tmp ("upg-bench-XXXXXX", NULL);
  g_autoptr(GArray) native = new_times ();
  g_autoptr(GArray) engine = new_times ();

  for (int round = 0; round < n_rounds; round++)
    {
      g_autofree char *name = g_strdup_printf ("engine-%d.db", round);
      g_autofree char *engine_db = g_build_filename (dir, name, NULL);
      g_autofree char *source = g_strdup_printf ("{\"provider\": \"SQLite\", \"path\": \"%s\"}", engine_db);

      add_time (native, sqlite_native_time (dir, round));
      add_time (engine, engine_time (source, "bench_engine", FALSE));
    }
  report ("SQLite", "SQLite journal", native, engine);
}

/* The exactly-once protocol alone, without the engine: the script's
 * statements sent one by one on a connection, either as they are
 * (autocommit, as the client sends them) or each in its transaction with
 * its marker, in one request (what the engine sends). The difference is
 * what the server spends on the protocol; the rest of the engine's time is
 * the engine's own (journal, log, progress). */
static double
protocol_time (const char *source_json,
               const char *table,
               gboolean    marked)
{
  g_autoptr(UpgConnection) connection = exec_open_source ("db", source_json);
  g_autofree char *text = script (table);
  g_autoptr(GPtrArray) statements = upg_sql_split (text, -1, "bench.sql", upg_connection_get_dialect (connection), NULL);
  g_autoptr(GError) error = NULL;
  gint64 start;

  g_assert_nonnull (statements);
  g_assert_true (upg_journal_ensure_marker_table (connection, &error));
  start = g_get_monotonic_time ();
  for (guint i = 0; i < statements->len; i++)
    {
      const char *sql = upg_sql_statement_get_text (g_ptr_array_index (statements, i));
      g_autofree char *marker = g_strdup_printf ("bench-%s:%u", table, i);
      g_autofree char *trailer = upg_journal_marker_insert_sql (connection, marker, NULL, NULL);
      UpgPipelinePart part;
      gboolean ok;

      if (!marked || i == 0)   /* the CREATE TABLE: as it is */
        ok = upg_connection_execute (connection, sql, NULL, NULL, &error);
      else
        ok = upg_transaction_pipeline_send (UPG_TRANSACTION_PIPELINE (connection), sql, trailer, &error) &&
             upg_transaction_pipeline_receive (UPG_TRANSACTION_PIPELINE (connection), NULL, &part, NULL, &error);
      if (!ok)
        g_error ("%s: %s", sql, error->message);
    }
  return seconds_since (start);
}

static double
server_native_time (UpgTestServer *server,
                    const char    *dir,
                    guint          round)
{
  g_autofree char *table = g_strdup_printf ("bench_native_%u", round);
  g_autofree char *path = g_build_filename (dir, "bench.sql", NULL);
  g_autofree char *text = script (table);
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  start = g_get_monotonic_time ();
  if (!upg_test_server_run_client (server, path, &output, &error))
    g_error ("native client: %s", error->message);
  return seconds_since (start);
}

static void
bench_server (UpgTestServerKind kind,
              const char       *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgTestServer) server = upg_test_server_start (kind, &error);
  g_autofree char *dir = g_dir_make_tmp ("upg-bench-XXXXXX", NULL);
  g_autofree char *source = NULL;
  g_autoptr(GArray) native = new_times ();
  g_autoptr(GArray) engine = new_times ();
  g_autoptr(GArray) engine_on_server = new_times ();
  g_autoptr(GArray) plain = new_times ();
  g_autoptr(GArray) marked = new_times ();

  if (server == NULL)
    g_error ("%s: cannot start a server: %s", name, error->message);
  source = upg_test_server_datasource_json (server, UPG_TEST_PASSWORD_FILE, TRUE);
  for (int round = 0; round < n_rounds; round++)
    {
      g_autofree char *table = g_strdup_printf ("bench_engine_%d", round);
      g_autofree char *table_on_server = g_strdup_printf ("bench_engine_server_%d", round);

      add_time (native, server_native_time (server, dir, round));
      add_time (engine, engine_time (source, table, FALSE));
      g_autofree char *table_plain = g_strdup_printf ("bench_plain_%d", round);
      g_autofree char *table_marked = g_strdup_printf ("bench_marked_%d", round);

      if (zabbix ())
        continue;
      add_time (engine_on_server, engine_time (source, table_on_server, TRUE));
      add_time (plain, protocol_time (source, table_plain, FALSE));
      add_time (marked, protocol_time (source, table_marked, TRUE));
    }
  report (name, "SQLite journal", native, engine);
  if (zabbix ())
    return;
  report (name, "journal on server", native, engine_on_server);
  report (name, "protocol alone", plain, marked);
}

int
main (int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "statements", 'n', 0, G_OPTION_ARG_INT, &n_statements,
      "Statements: INSERTs (default 10,000), or in all with --shape zabbix (default 130,000)", "N" },
    { "shape", 0, 0, G_OPTION_ARG_STRING, &shape,
      "autocommit (single-row INSERTs) or zabbix (multi-row INSERTs in one BEGIN … COMMIT)", "SHAPE" },
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &n_rounds, "Rounds (the medians are printed)", "R" },
    { "durable", 0, 0, G_OPTION_ARG_NONE, &durable, "Servers flush to disk at each commit (their defaults)", NULL },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Only this database: sqlite, mariadb, postgresql", "DB" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- libupgrade vs native clients");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (shape != NULL && !g_str_equal (shape, "autocommit") && !zabbix ())
    {
      g_printerr ("--shape must be autocommit or zabbix\n");
      return 2;
    }
  if (n_statements == 0)
    n_statements = zabbix () ? 130000 : 10000;
  if (n_statements < 3 || n_rounds < 1)
    {
      g_printerr ("--statements must be at least 3 and --rounds at least 1\n");
      return 2;
    }
  if (durable)
    g_setenv ("UPGRADE_TEST_SERVER_DURABLE", "1", TRUE);
  /* The executor logs every step; keep the output to the figures. */
  g_log_set_writer_func (g_log_writer_default, NULL, NULL);
  g_setenv ("G_MESSAGES_DEBUG", "", TRUE);

  if (only == NULL || g_str_equal (only, "sqlite"))
    bench_sqlite ();
  if (only == NULL || g_str_equal (only, "mariadb"))
    bench_server (UPG_TEST_SERVER_MARIADB, "MariaDB");
  if (only == NULL || g_str_equal (only, "postgresql"))
    bench_server (UPG_TEST_SERVER_POSTGRESQL, "PostgreSQL");
  return 0;
}
