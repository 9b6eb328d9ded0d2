/* test-real-scripts.c - real upgrade scripts applied by `upgradectl run`
 * and by the native client give the same database
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For each series of real scripts shipped by Debian (tests/fixtures/sql/real:
 * icinga2-ido-mysql/pgsql 2.13.6, roundcube-core 1.6.5), a bundle from
 * tests/fixtures/real-bundles/<series> (one manifest per script, see its
 * README.md for which scripts and why) is assembled in a temporary
 * directory with copies of the scripts. Then:
 *
 * - path A: `upgradectl --json run --from 0.9.0 --to LAST --stage in_stop`
 *   applies them to database A;
 * - path B: the native client (`mariadb`, `psql -v ON_ERROR_STOP=1`,
 *   `sqlite3 -bail`) applies the same files, in the plan's order, to
 *   database B on the same server;
 * - the two databases' schemas, row counts and rows must be identical
 *   (real-schema-dump.c), the journal must hold every statement of every
 *   file (as many as the splitter finds and as the native client sent,
 *   per ../fixtures/sql/expected-counts.tsv; same SHA-256 in the same
 *   order; all SUCCESS), and running again must skip every step.
 *
 * A database server that cannot start fails the test.
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "exec-test-util.h"
#include "real-schema-dump.h"
#include "upg-test-servers.h"

#define RUN_FROM "0.9.0"

typedef struct {
  const char *bundle;    /* under tests/fixtures/real-bundles */
  const char *real_dir;  /* under tests/fixtures/sql/real; the bundle's "sql/" */
  UpgDialect  dialect;
  const char *to;        /* the last manifest's version */
} Series;

static const Series all_series[] = {
  { "icinga2-ido-mysql", "icinga2-ido-mysql", UPG_DIALECT_MYSQL, "2.13.3" },
  { "icinga2-ido-pgsql", "icinga2-ido-pgsql", UPG_DIALECT_POSTGRESQL, "2.8.1" },
  { "roundcube-mysql", "roundcube-core/SQL", UPG_DIALECT_MYSQL, "2022.812.0" },
  { "roundcube-postgres", "roundcube-core/SQL", UPG_DIALECT_POSTGRESQL, "2022.812.0" },
  { "roundcube-sqlite", "roundcube-core/SQL", UPG_DIALECT_SQLITE, "2022.812.0" },
};

/* One server of each kind for the whole program, stopped at the end. */
static UpgTestServer *servers[2];

static UpgTestServer *
server_for (UpgDialect dialect)
{
  UpgTestServerKind kind = dialect == UPG_DIALECT_MYSQL ? UPG_TEST_SERVER_MARIADB
                                                        : UPG_TEST_SERVER_POSTGRESQL;

  if (servers[kind] == NULL)
    {
      g_autoptr(GError) error = NULL;

      servers[kind] = upg_test_server_start (kind, &error);
      g_assert_no_error (error);
    }
  return servers[kind];
}

static char *
source_path (const char *first,
             ...) G_GNUC_NULL_TERMINATED;

static char *
source_path (const char *first,
             ...)
{
  const char *root = g_getenv ("UPGRADE_SOURCE_ROOT");
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  const char *part;
  va_list args;

  g_assert_nonnull (root);
  g_ptr_array_add (parts, (char *) root);
  g_ptr_array_add (parts, "tests");
  g_ptr_array_add (parts, "fixtures");
  va_start (args, first);
  for (part = first; part != NULL; part = va_arg (args, const char *))
    g_ptr_array_add (parts, (char *) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autoptr(GFile) source = g_file_new_for_path (from);
  g_autoptr(GFile) target = g_file_new_for_path (to);
  g_autoptr(GFile) parent = g_file_get_parent (target);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (g_file_peek_path (parent), 0755), ==, 0);
  g_file_copy (source, target, G_FILE_COPY_NONE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Copies one manifest into the bundle and the real scripts it names to
 * the paths it names them by (sql/… → the series' real directory). */
static void
copy_manifest (const Series *series,
               const char   *manifests_dir,
               const char   *name,
               const char   *bundle)
{
  g_autofree char *from = g_build_filename (manifests_dir, name, NULL);
  g_autofree char *to = g_build_filename (bundle, "manifests", name, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *steps;

  copy_file (from, to);
  json_parser_load_from_file (parser, from, &error);
  g_assert_no_error (error);
  steps = json_object_get_array_member (json_object_get_object_member (
    json_node_get_object (json_parser_get_root (parser)), "upgrade_steps"), "in_stop");
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonArray *scripts = json_object_get_array_member (json_array_get_object_element (steps, i),
                                                         "sql_scripts");

      for (guint j = 0; j < json_array_get_length (scripts); j++)
        {
          const char *script = json_array_get_string_element (scripts, j);
          g_autofree char *real = NULL;
          g_autofree char *copy = g_build_filename (bundle, script, NULL);

          g_assert_true (g_str_has_prefix (script, "sql/"));
          real = source_path ("sql", "real", series->real_dir, script + strlen ("sql/"), NULL);
          copy_file (real, copy);
        }
    }
}

/* The bundle, in @fx's temporary directory: the committed manifests and
 * copies of the real scripts (a bundle's paths may not leave it). */
static void
assemble_bundle (const Series *series,
                 ExecFixture  *fx)
{
  g_autofree char *manifests = source_path ("real-bundles", series->bundle, "manifests", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;

  dir = g_dir_open (manifests, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    copy_manifest (series, manifests, name, fx->bundle);
}

/* The scripts in the order the plan runs them (absolute paths). */
static GPtrArray *
planned_scripts (const Series *series,
                 ExecFixture  *fx,
                 GPtrArray   **step_ids)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgBundle) bundle = upg_bundle_new_for_path (fx->bundle, &error);
  g_autoptr(UpgVersion) from = upg_version_parse (RUN_FROM, NULL);
  g_autoptr(UpgVersion) to = upg_version_parse (series->to, NULL);
  g_autoptr(UpgPlan) plan = NULL;
  GPtrArray *steps;
  GPtrArray *scripts = g_ptr_array_new_with_free_func (g_free);
  const UpgVersion *previous = NULL;

  g_assert_no_error (error);
  plan = upg_plan_new (bundle, from, to, NULL, &error);
  g_assert_no_error (error);
  steps = upg_plan_get_steps (plan, UPG_STAGE_IN_STOP);
  g_assert_cmpuint (steps->len, ==, upg_bundle_get_manifests (bundle)->len);
  *step_ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < steps->len; i++)
    {
      UpgStep *step = g_ptr_array_index (steps, i);
      const char * const *files = upg_step_get_sql_scripts (step);

      /* The scripts must go in version order, whatever the planner does. */
      if (previous != NULL)
        g_assert_cmpint (upg_version_compare (previous, upg_step_get_version (step)), <, 0);
      previous = upg_step_get_version (step);
      g_ptr_array_add (*step_ids, g_strdup (upg_step_get_id (step)));
      for (guint j = 0; files != NULL && files[j] != NULL; j++)
        {
          char *path = upg_bundle_resolve_path (bundle, files[j], &error);

          g_assert_no_error (error);
          g_ptr_array_add (scripts, path);
        }
    }
  return scripts;
}

/* The target databases: names, data source JSON for the configuration. */
typedef struct {
  const Series *series;
  ExecFixture   fx;
  UpgTestServer *server;   /* NULL for SQLite */
  char          *db[2];    /* [0] engine (A), [1] native client (B) */
  char          *json[2];
  char          *journal_json;
} RealCase;

static void
admin_create_database (UpgTestServer *server,
                       const char    *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *socket = g_strdup_printf ("--socket=%s", upg_test_server_get_socket (server));
  g_autofree char *host = g_strdup_printf ("--host=%s", upg_test_server_get_socket (server));
  g_autofree char *port = g_strdup_printf ("--port=%u", upg_test_server_get_port (server));
  g_autofree char *sql = NULL;
  const char *user = upg_test_server_get_user (server);

  if (upg_test_server_get_kind (server) == UPG_TEST_SERVER_MARIADB)
    {
      /* As the fixture's own test database: utf8mb4, all rights to the user. */
      sql = g_strdup_printf ("CREATE DATABASE %s CHARACTER SET utf8mb4;"
                             " GRANT ALL ON %s.* TO '%s'@'localhost';"
                             " GRANT ALL ON %s.* TO '%s'@'127.0.0.1'",
                             name, name, user, name, user);
      upg_test_run_command ((const char *[]) { "mariadb", "--no-defaults", socket, "--user=root",
                                               "--execute", sql, NULL },
                            NULL, NULL, NULL, &error);
    }
  else
    {
      sql = g_strdup_printf ("CREATE DATABASE %s OWNER %s ENCODING 'UTF8' TEMPLATE template0",
                             name, user);
      upg_test_run_command ((const char *[]) { "psql", "--no-psqlrc", host, port, "--username=postgres",
                                               "--dbname=postgres", "--set=ON_ERROR_STOP=1",
                                               "--command", sql, NULL },
                            NULL, NULL, NULL, &error);
    }
  g_assert_no_error (error);
}

static char *
server_source_json (UpgTestServer *server,
                    const char    *database)
{
  g_autofree char *var = upg_test_server_get_password_env (server);

  /* Once per server: setenv() is not thread-safe once threads run. */
  if (g_strcmp0 (g_getenv (var), upg_test_server_get_password (server)) != 0)
    g_setenv (var, upg_test_server_get_password (server), TRUE);
  return g_strdup_printf ("{\"provider\": \"%s\", \"host\": \"127.0.0.1\", \"port\": %u,"
                          " \"database\": \"%s\", \"user\": \"%s\", \"password_env\": \"%s\"}",
                          upg_test_server_get_kind (server) == UPG_TEST_SERVER_MARIADB ? "MySQL"
                                                                                       : "PostgreSQL",
                          upg_test_server_get_port (server), database,
                          upg_test_server_get_user (server), var);
}

static void
real_case_init (RealCase     *rc,
                const Series *series)
{
  g_autofree char *config = NULL;
  g_autofree char *journal = NULL;

  rc->series = series;
  exec_fixture_init (&rc->fx);
  assemble_bundle (series, &rc->fx);
  for (guint i = 0; i < 2; i++)
    {
      const char *suffix = i == 0 ? "engine" : "native";

      if (series->dialect == UPG_DIALECT_SQLITE)
        {
          rc->db[i] = g_strdup_printf ("%s/%s.sqlite", rc->fx.root, suffix);
          rc->json[i] = g_strdup_printf ("{\"provider\": \"SQLite\", \"path\": \"%s\"}", rc->db[i]);
          continue;
        }
      rc->server = server_for (series->dialect);
      rc->db[i] = g_strdup_printf ("%s_%s", series->bundle, suffix);
      g_strdelimit (rc->db[i], "-", '_');
      admin_create_database (rc->server, rc->db[i]);
      rc->json[i] = server_source_json (rc->server, rc->db[i]);
    }
  config = g_strdup_printf ("\"target\": %s", rc->json[0]);
  exec_fixture_write_config (&rc->fx, "real", config);
  journal = g_build_filename (rc->fx.state, "journal.db", NULL);
  rc->journal_json = g_strdup_printf ("{\"provider\": \"SQLite\", \"path\": \"%s\"}", journal);
}

static void
real_case_clear (RealCase *rc)
{
  exec_fixture_clear (&rc->fx);
  for (guint i = 0; i < 2; i++)
    {
      g_free (rc->db[i]);
      g_free (rc->json[i]);
    }
  g_free (rc->journal_json);
}

/* Path B: the native client, as an operator would run the file. */
static void
native_apply (RealCase   *rc,
              const char *script)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  UpgTestServer *server = rc->server;

  if (rc->series->dialect == UPG_DIALECT_SQLITE)
    upg_test_run_command ((const char *[]) { "sqlite3", "-bail", rc->db[1], NULL },
                          script, NULL, &output, &error);
  else if (rc->series->dialect == UPG_DIALECT_MYSQL)
    {
      g_autofree char *socket = g_strdup_printf ("--socket=%s", upg_test_server_get_socket (server));
      g_autofree char *user = g_strdup_printf ("--user=%s", upg_test_server_get_user (server));

      upg_test_run_command ((const char *[]) { "mariadb", "--no-defaults", socket, user, "--batch",
                                               "--default-character-set=utf8mb4", rc->db[1], NULL },
                            script, (const char *[]) { "MYSQL_PWD", upg_test_server_get_password (server), NULL },
                            &output, &error);
    }
  else
    {
      g_autofree char *host = g_strdup_printf ("--host=%s", upg_test_server_get_socket (server));
      g_autofree char *port = g_strdup_printf ("--port=%u", upg_test_server_get_port (server));
      g_autofree char *user = g_strdup_printf ("--username=%s", upg_test_server_get_user (server));
      g_autofree char *dbname = g_strdup_printf ("--dbname=%s", rc->db[1]);
      g_autofree char *file = g_strdup_printf ("--file=%s", script);

      upg_test_run_command ((const char *[]) { "psql", "--no-psqlrc", "--set=ON_ERROR_STOP=1", host, port,
                                               user, dbname, "--quiet", file, NULL },
                            NULL, (const char *[]) { "PGPASSWORD", upg_test_server_get_password (server), NULL },
                            &output, &error);
    }
  if (error != NULL)
    g_error ("native client failed on %s: %s", script, error->message);
}

/* Path A: upgradectl; returns the run document after checking the exit
 * code, the execution status and that every step has @step_status, in
 * the plan's order. */
static JsonObject *
engine_run (RealCase   *rc,
            GPtrArray  *step_ids,
            const char *step_status)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *doc;
  JsonArray *steps;
  int status = exec_fixture_cli (&rc->fx, NULL, &out, "--json", "run", "--from", RUN_FROM,
                                 "--to", rc->series->to, "--stage", "in_stop", NULL);

  if (exec_exit_code (status) != 0)
    g_error ("upgradectl run exited with %d:\n%s", exec_exit_code (status), out);
  node = json_from_string (out, &error);
  g_assert_no_error (error);
  doc = json_object_ref (json_node_get_object (node));
  g_assert_cmpstr (json_object_get_string_member (doc, "status"), ==, "SUCCESS");
  g_assert_true (json_object_get_null_member (doc, "breakpoint"));
  steps = json_object_get_array_member (doc, "steps");
  g_assert_cmpuint (json_array_get_length (steps), ==, step_ids->len);
  for (guint i = 0; i < step_ids->len; i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);

      g_assert_cmpstr (json_object_get_string_member (step, "id"), ==, g_ptr_array_index (step_ids, i));
      g_assert_cmpstr (json_object_get_string_member (step, "status"), ==, step_status);
    }
  return doc;
}

/* The native client's statement count for @script, measured
 * independently (see tests/fixtures/sql/real/README.md). */
static guint
expected_count (const Series *series,
                const char   *relative)
{
  g_autofree char *tsv_path = source_path ("sql", "expected-counts.tsv", NULL);
  g_autofree char *text = NULL;
  g_autofree char *key = g_strdup_printf ("real/%s/%s\t", series->real_dir, relative);
  const char *line;

  g_assert_true (g_file_get_contents (tsv_path, &text, NULL, NULL));
  line = strstr (text, key);
  if (line == NULL)
    g_error ("%s has no count for %s", tsv_path, key);
  return (guint) g_ascii_strtoull (line + strlen (key), NULL, 10);
}

/* The journal holds, for @script, exactly the splitter's statements, in
 * order, all SUCCESS; returns their number. */
static guint
check_journal (RealCase      *rc,
               UpgConnection *journal,
               const char    *execution_id,
               const char    *script)
{
  g_autoptr(GError) error = NULL;
  const char *relative = script + strlen (rc->fx.bundle) + 1;
  g_autoptr(GPtrArray) statements = upg_sql_split_file (script, relative, rc->series->dialect, &error);
  const char *params[] = { execution_id, relative, NULL };
  g_autoptr(UpgRows) rows = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (statements->len, ==,
                    expected_count (rc->series, relative + strlen ("sql/")));
  rows = upg_connection_query (journal,
                               "SELECT sequence, sha256, status, database_name, statement"
                               " FROM sql_execution_record WHERE execution_id = ? AND file = ?"
                               " ORDER BY sequence", params, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_rows (rows), ==, statements->len);
  for (guint i = 0; i < statements->len; i++)
    {
      UpgSqlStatement *statement = g_ptr_array_index (statements, i);

      g_assert_cmpint (upg_rows_get_int (rows, i, 0, -1), ==, upg_sql_statement_get_sequence (statement));
      g_assert_cmpstr (upg_rows_get_value (rows, i, 1), ==, upg_sql_statement_get_sha256 (statement));
      g_assert_cmpstr (upg_rows_get_value (rows, i, 2), ==, "SUCCESS");
      g_assert_cmpstr (upg_rows_get_value (rows, i, 3), ==, "target");
      g_assert_cmpstr (upg_rows_get_value (rows, i, 4), ==, upg_sql_statement_get_text (statement));
    }
  return statements->len;
}

/* The re-run's journal records (if any) are all SKIPPED. */
static void
check_nothing_ran (UpgConnection *journal,
                   const char    *execution_id)
{
  g_autoptr(GError) error = NULL;
  const char *params[] = { execution_id, NULL };
  g_autoptr(UpgRows) rows = upg_connection_query (journal,
                                                  "SELECT COUNT(*) FROM sql_execution_record"
                                                  " WHERE execution_id = ? AND status <> 'SKIPPED'",
                                                  params, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (upg_rows_get_int (rows, 0, 0, -1), ==, 0);
}

static char *
dump_database (RealCase *rc,
               guint     which)
{
  g_autoptr(UpgConnection) connection = exec_open_source (which == 0 ? "engine" : "native", rc->json[which]);

  return real_schema_dump (connection, rc->series->dialect == UPG_DIALECT_SQLITE ? NULL : rc->db[which]);
}

/* Fails at the first differing line, showing both. */
static void
assert_same_dump (const char *engine,
                  const char *native)
{
  g_auto(GStrv) a = g_strsplit (engine, "\n", -1);
  g_auto(GStrv) b = g_strsplit (native, "\n", -1);

  for (guint i = 0; a[i] != NULL || b[i] != NULL; i++)
    if (a[i] == NULL || b[i] == NULL || strcmp (a[i], b[i]) != 0)
      g_error ("databases differ at dump line %u:\n  upgradectl: %s\n  native:     %s",
               i + 1, a[i] != NULL ? a[i] : "(end)", b[i] != NULL ? b[i] : "(end)");
}

static void
test_series (gconstpointer data)
{
  const Series *series = data;
  RealCase rc = { 0 };
  g_autoptr(GPtrArray) step_ids = NULL;
  g_autoptr(GPtrArray) scripts = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(UpgConnection) journal = NULL;
  g_autofree char *engine_dump = NULL;
  g_autofree char *native_dump = NULL;
  g_autofree char *after_rerun = NULL;
  guint total = 0;

  real_case_init (&rc, series);
  scripts = planned_scripts (series, &rc.fx, &step_ids);

  first = engine_run (&rc, step_ids, "SUCCESS");
  for (guint i = 0; i < scripts->len; i++)
    native_apply (&rc, g_ptr_array_index (scripts, i));

  journal = exec_open_source ("journal", rc.journal_json);
  for (guint i = 0; i < scripts->len; i++)
    total += check_journal (&rc, journal, json_object_get_string_member (first, "execution_id"),
                            g_ptr_array_index (scripts, i));

  engine_dump = dump_database (&rc, 0);
  native_dump = dump_database (&rc, 1);
  assert_same_dump (engine_dump, native_dump);
  g_test_message ("%s: %u files, %u statements, schemas and data identical (%zu bytes of dump)",
                  series->bundle, scripts->len, total, strlen (engine_dump));

  /* Again: every step already succeeded, nothing runs, nothing changes. */
  second = engine_run (&rc, step_ids, "SKIPPED");
  g_assert_cmpstr (json_object_get_string_member (second, "execution_id"), !=,
                   json_object_get_string_member (first, "execution_id"));
  check_nothing_ran (journal, json_object_get_string_member (second, "execution_id"));
  after_rerun = dump_database (&rc, 0);
  assert_same_dump (after_rerun, engine_dump);

  real_case_clear (&rc);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (all_series); i++)
    {
      g_autofree char *path = g_strdup_printf ("/real-scripts/%s", all_series[i].bundle);

      g_test_add_data_func (path, &all_series[i], test_series);
    }
  status = g_test_run ();
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    g_clear_pointer (&servers[i], upg_test_server_stop);
  return status;
}
