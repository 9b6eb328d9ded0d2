/* real-case.c - real upgrade scripts applied by upgradectl (database A)
 * and by the native client (database B) on one server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A case owns a temporary site (exec-test-util.c: bundle, state directory,
 * upgrade.json whose data source "target" is database A) and two fresh
 * databases on a throwaway server of the series' kind (one server of each
 * kind per test program), or two SQLite files.
 */
#include "config.h"

#include <string.h>

#include "real-case.h"
#include "real-schema-dump.h"

const RealSeries real_series[] = {
  { "icinga2-ido-mysql", "icinga2-ido-mysql", "upgrade", UPG_DIALECT_MYSQL, "2.13.3", "icinga2-ido.sql" },
  { "icinga2-ido-pgsql", "icinga2-ido-pgsql", "upgrade", UPG_DIALECT_POSTGRESQL, "2.8.1", "icinga2-ido.sql" },
  { "roundcube-mysql", "roundcube-core/SQL", "mysql", UPG_DIALECT_MYSQL, "2022.812.0", "roundcube.sql" },
  { "roundcube-postgres", "roundcube-core/SQL", "postgres", UPG_DIALECT_POSTGRESQL, "2022.812.0", "roundcube.sql" },
  { "roundcube-sqlite", "roundcube-core/SQL", "sqlite", UPG_DIALECT_SQLITE, "2022.812.0", "roundcube.sql" },
  /* Dumps carry their data: no seed. The routine and trigger bodies of
   * the MariaDB dump hold comments, which the mariadb client strips unless
   * run with --comments, and which upgradectl keeps (see upg_sql_split):
   * path B runs `mariadb --comments`, so that both keep the source's. */
  { "mariadb-dump", "mariadb-dump", "upgrade", UPG_DIALECT_MYSQL, "1.2.0", NULL, TRUE },
  { "pg-dump", "pg-dump", "upgrade", UPG_DIALECT_POSTGRESQL, "1.2.0", NULL },
};
const guint real_n_series = G_N_ELEMENTS (real_series);

static UpgTestServer *servers[2];

/* Started at first use; a server that cannot start fails the test. */
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

void
real_servers_stop (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    g_clear_pointer (&servers[i], upg_test_server_stop);
}

/* A path under the source tree's tests/fixtures. */
char *
real_source_path (const char *first,
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

/* Copies the real script a manifest names `sql/<path>` into the bundle. */
static void
copy_script (RealCase   *rc,
             const char *script)
{
  g_autofree char *real = NULL;
  g_autofree char *copy = g_build_filename (rc->fx.bundle, script, NULL);

  g_assert_true (g_str_has_prefix (script, "sql/"));
  real = real_source_path ("sql", "real", rc->series->real_dir, script + strlen ("sql/"), NULL);
  copy_file (real, copy);
}

/* Copies one committed manifest of the series' bundle (@name: its file
 * name) and the scripts of its in_stop steps. */
void
real_case_copy_manifest (RealCase   *rc,
                         const char *name)
{
  g_autofree char *from = real_source_path ("real-bundles", rc->series->bundle, "manifests", name, NULL);
  g_autofree char *to = g_build_filename (rc->fx.bundle, "manifests", name, NULL);
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
        copy_script (rc, json_array_get_string_element (scripts, j));
    }
}

/* The series' committed bundle, in the case's temporary directory, with
 * copies of the real scripts (a bundle's paths may not leave it). */
void
real_case_assemble_bundle (RealCase *rc)
{
  g_autofree char *manifests = real_source_path ("real-bundles", rc->series->bundle, "manifests", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;

  dir = g_dir_open (manifests, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    real_case_copy_manifest (rc, name);
}

/* Adds a manifest of its own to the case's bundle: one in_stop step
 * running @script (`sql/<path under the series' directory>`). */
void
real_case_add_manifest (RealCase   *rc,
                        const char *version,
                        const char *step_id,
                        const char *script)
{
  g_autofree char *steps = g_strdup_printf ("\"in_stop\": [{\"id\": \"%s\", \"database\": \"target\","
                                            " \"sql_scripts\": [\"%s\"]}]", step_id, script);

  exec_fixture_write_manifest (&rc->fx, version, steps, NULL);
  copy_script (rc, script);
}

/**
 * real_case_planned_scripts:
 * @step_ids: (out): the in_stop step ids, in the plan's order
 * @versions: (out) (optional): their manifests' versions, as text
 *
 * Returns: the scripts (absolute paths) in the order the plan from
 *   %REAL_RUN_FROM to @to runs them, asserting that is version order
 */
GPtrArray *
real_case_planned_scripts (RealCase   *rc,
                           const char *to,
                           GPtrArray **step_ids,
                           GPtrArray **versions)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgBundle) bundle = upg_bundle_new_for_path (rc->fx.bundle, &error);
  g_autoptr(UpgVersion) from_version = upg_version_parse (REAL_RUN_FROM, NULL);
  g_autoptr(UpgVersion) to_version = upg_version_parse (to, NULL);
  g_autoptr(UpgPlan) plan = NULL;
  GPtrArray *steps;
  GPtrArray *scripts = g_ptr_array_new_with_free_func (g_free);
  const UpgVersion *previous = NULL;

  g_assert_no_error (error);
  plan = upg_plan_new (bundle, from_version, to_version, NULL, &error);
  g_assert_no_error (error);
  steps = upg_plan_get_steps (plan, UPG_STAGE_IN_STOP);
  g_assert_cmpuint (steps->len, ==, upg_plan_get_manifests (plan)->len);
  *step_ids = g_ptr_array_new_with_free_func (g_free);
  if (versions != NULL)
    *versions = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < steps->len; i++)
    {
      UpgStep *step = g_ptr_array_index (steps, i);
      const char * const *files = upg_step_get_sql_scripts (step);

      if (previous != NULL)
        g_assert_cmpint (upg_version_compare (previous, upg_step_get_version (step)), <, 0);
      previous = upg_step_get_version (step);
      g_ptr_array_add (*step_ids, g_strdup (upg_step_get_id (step)));
      if (versions != NULL)
        g_ptr_array_add (*versions, upg_version_to_string (upg_step_get_version (step)));
      for (guint j = 0; files != NULL && files[j] != NULL; j++)
        {
          char *path = upg_bundle_resolve_path (bundle, files[j], &error);

          g_assert_no_error (error);
          g_ptr_array_add (scripts, path);
        }
    }
  return scripts;
}

/* As the fixture makes its own test database: MariaDB utf8mb4 with all
 * rights for the test user; PostgreSQL owned by the test user. */
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
      /* SET USER: dumps create routines, triggers, views and events with
       * DEFINER=`root`@`localhost`; SELECT on mysql.proc: the comparison
       * sees the bodies of routines the user did not define. */
      sql = g_strdup_printf ("CREATE DATABASE %s CHARACTER SET utf8mb4;"
                             " GRANT ALL ON %s.* TO '%s'@'localhost';"
                             " GRANT ALL ON %s.* TO '%s'@'127.0.0.1';"
                             " GRANT SET USER ON *.* TO '%s'@'127.0.0.1';"
                             " GRANT SELECT ON mysql.proc TO '%s'@'127.0.0.1'",
                             name, name, user, name, user, user, user);
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

/* Databases are numbered, so that several cases of a series can share
 * the program's server. */
void
real_case_init (RealCase         *rc,
                const RealSeries *series)
{
  static guint n_cases;
  g_autofree char *config = NULL;
  g_autofree char *journal = NULL;
  g_autofree char *base = g_strdup_printf ("%s_%u", series->bundle, ++n_cases);

  rc->series = series;
  exec_fixture_init (&rc->fx);
  g_strdelimit (base, "-", '_');
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
      rc->db[i] = g_strdup_printf ("%s_%s", base, suffix);
      admin_create_database (rc->server, rc->db[i]);
      rc->json[i] = server_source_json (rc->server, rc->db[i]);
    }
  config = g_strdup_printf ("\"target\": %s", rc->json[0]);
  exec_fixture_write_config (&rc->fx, "real", config);
  journal = g_build_filename (rc->fx.state, "journal.db", NULL);
  rc->journal_json = g_strdup_printf ("{\"provider\": \"SQLite\", \"path\": \"%s\"}", journal);
}

void
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

/**
 * real_case_native_apply:
 * @which: 1 for database B (path B); 0 for A (to load the same rows)
 * @output: (out): what the client printed (its error, on failure)
 *
 * The native client applies @script to a database as an operator would,
 * stopping at the first error.
 *
 * Returns: whether the client succeeded
 */
gboolean
real_case_native_apply (RealCase   *rc,
                        guint       which,
                        const char *script,
                        char      **output)
{
  g_autoptr(GError) error = NULL;
  UpgTestServer *server = rc->server;
  gboolean ok;

  *output = NULL;
  if (rc->series->dialect == UPG_DIALECT_SQLITE)
    ok = upg_test_run_command ((const char *[]) { "sqlite3", "-bail", rc->db[which], NULL },
                               script, NULL, output, &error);
  else if (rc->series->dialect == UPG_DIALECT_MYSQL)
    {
      g_autofree char *port = g_strdup_printf ("--port=%u", upg_test_server_get_port (server));
      g_autofree char *user = g_strdup_printf ("--user=%s", upg_test_server_get_user (server));

      /* Over TCP like upgradectl: the same account, so the same DEFINER
       * for the routines, triggers, views and events it creates. */
      ok = upg_test_run_command ((const char *[]) { "mariadb", "--no-defaults", "--host=127.0.0.1", port,
                                                    user, "--batch", "--default-character-set=utf8mb4",
                                                    rc->series->comments ? "--comments" : "--skip-comments",
                                                    rc->db[which], NULL },
                                 script,
                                 (const char *[]) { "MYSQL_PWD", upg_test_server_get_password (server), NULL },
                                 output, &error);
    }
  else
    {
      g_autofree char *host = g_strdup_printf ("--host=%s", upg_test_server_get_socket (server));
      g_autofree char *port = g_strdup_printf ("--port=%u", upg_test_server_get_port (server));
      g_autofree char *user = g_strdup_printf ("--username=%s", upg_test_server_get_user (server));
      g_autofree char *dbname = g_strdup_printf ("--dbname=%s", rc->db[which]);
      g_autofree char *file = g_strdup_printf ("--file=%s", script);

      /* VERBOSITY=verbose: errors carry their SQLSTATE. */
      ok = upg_test_run_command ((const char *[]) { "psql", "--no-psqlrc", "--set=ON_ERROR_STOP=1",
                                                    "--set=VERBOSITY=verbose", host, port, user, dbname,
                                                    "--quiet", file, NULL },
                                 NULL,
                                 (const char *[]) { "PGPASSWORD", upg_test_server_get_password (server), NULL },
                                 output, &error);
    }
  if (!ok)
    *output = g_strdup (error->message);
  return ok;
}

/* Path A: `upgradectl --json run` from %REAL_RUN_FROM to @to; returns its
 * one JSON document. */
JsonObject *
real_case_engine_run (RealCase   *rc,
                      const char *to,
                      int        *exit_code)
{
  g_autofree char *out = NULL;
  int status = exec_fixture_cli (&rc->fx, NULL, &out, "--json", "run", "--confirm", "--from", REAL_RUN_FROM,
                                 "--to", to, "--stage", "in_stop", NULL);

  *exit_code = exec_exit_code (status);
  return exec_parse_json_object (out);
}

/* @which: 0 for database A, 1 for B. */
char *
real_case_dump (RealCase *rc,
                guint     which)
{
  g_autoptr(UpgConnection) connection = exec_open_source (which == 0 ? "engine" : "native", rc->json[which]);

  return real_schema_dump (connection, rc->series->dialect == UPG_DIALECT_SQLITE ? NULL : rc->db[which]);
}

/* Fails at the first differing line, showing both; @context says when. */
void
real_assert_same_dump (const char *context,
                       const char *engine,
                       const char *native)
{
  g_auto(GStrv) a = g_strsplit (engine, "\n", -1);
  g_auto(GStrv) b = g_strsplit (native, "\n", -1);

  for (guint i = 0; a[i] != NULL || b[i] != NULL; i++)
    if (a[i] == NULL || b[i] == NULL || strcmp (a[i], b[i]) != 0)
      g_error ("databases differ %s, at dump line %u:\n  upgradectl: %s\n  native:     %s",
               context, i + 1, a[i] != NULL ? a[i] : "(end)", b[i] != NULL ? b[i] : "(end)");
}
