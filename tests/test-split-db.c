/* test-split-db.c - a bundle's scripts on real MariaDB and PostgreSQL:
 * the dialect follows each `-- @database:` target, included files run
 * and resume under their own name, client commands are refused before
 * anything runs, and a statement above max_allowed_packet fails once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <sys/stat.h>
#include <mysql.h>

#include "db-site.h"
#include "upg-test-servers-private.h"

#define FROM "3.17.0"
#define TO "3.17.5"

static Db databases[] = DB_TARGETS_INIT;
#define MARIADB (&databases[0])
#define POSTGRESQL (&databases[1])

/* A site with data sources "my" (MariaDB) and "pg" (PostgreSQL). */
typedef struct {
  ExecFixture    fx;
  UpgConnection *my;
  UpgConnection *pg;
  char          *table;
} Site;

static void
site_init (Site *site)
{
  static guint serial;
  g_autofree char *sources = NULL;

  g_assert_no_error (MARIADB->start_error);
  g_assert_no_error (POSTGRESQL->start_error);
  exec_fixture_init (&site->fx);
  sources = g_strdup_printf ("\"my\": %s, \"pg\": %s", MARIADB->source_json, POSTGRESQL->source_json);
  exec_fixture_write_config (&site->fx, "split-1", sources);
  site->my = exec_open_source ("my", MARIADB->source_json);
  site->pg = exec_open_source ("pg", POSTGRESQL->source_json);
  site->table = g_strdup_printf ("s%u_%u", (guint) getpid (), ++serial);
}

static void
site_clear (Site *site)
{
  exec_fixture_clear (&site->fx);
  g_clear_object (&site->my);
  g_clear_object (&site->pg);
  g_clear_pointer (&site->table, g_free);
}

/* One step on "my" running the given scripts (a JSON array's members). */
static void
write_step (Site       *site,
            const char *scripts)
{
  g_autofree char *steps = g_strdup_printf ("\"in_stop\": [{\"id\": \"s1\", \"database\": \"my\","
                                            " \"sql_scripts\": [%s]}]", scripts);

  exec_fixture_write_manifest (&site->fx, TO, steps, NULL);
}

static char *
count_rows (UpgConnection *connection,
            const char    *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM %s", table);

  return exec_query_text (connection, sql);
}

/* A MariaDB step whose script switches to PostgreSQL: the function body
 * is split with psql's rules (MySQL's would cut it at its first `;`,
 * after the MariaDB statements before it committed). */
static void
test_switch_to_postgresql (void)
{
  Site site;
  g_autoptr(GError) error = NULL;
  g_autofree char *script = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *value = NULL;
  g_autofree char *count = NULL;
  const char *t;

  site_init (&site);
  t = site.table;
  script = g_strdup_printf ("CREATE TABLE %s (n INT);\n"
                            "INSERT INTO %s VALUES (1);\n"
                            "-- @database: pg\n"
                            "CREATE FUNCTION f_%s() RETURNS integer AS $$\n"
                            "BEGIN\n"
                            "  RETURN 42; -- a ; inside the body\n"
                            "END;\n"
                            "$$ LANGUAGE plpgsql;\n"
                            "CREATE TABLE %s AS SELECT f_%s() AS n, 'C:\\' AS path;\n"
                            "-- @database: my\n"
                            "INSERT INTO %s VALUES (2);\n", t, t, t, t, t, t);
  exec_fixture_write (&site.fx, "bundle/sql/mixed.sql", script);
  write_step (&site, "\"sql/mixed.sql\"");
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_no_error (error);

  sql = g_strdup_printf ("SELECT n || path FROM %s", t);
  value = exec_query_text (site.pg, sql);
  g_assert_cmpstr (value, ==, "42C:\\");
  count = count_rows (site.my, t);
  g_assert_cmpstr (count, ==, "2");
  site_clear (&site);
}

/* zoneminder's db/zm_create.sql includes files with `source` (no `;`):
 * their statements run in place, are journaled under their own file and
 * line, and a run after a failure in one continues there. */
static void
test_included_files_resume (void)
{
  Site site;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgExecution) failed = NULL;
  g_autofree char *main_sql = NULL;
  g_autofree char *included = NULL;
  g_autofree char *create = NULL;
  g_autofree char *count = NULL;
  g_autofree char *missing = NULL;
  const char *t;

  site_init (&site);
  t = site.table;
  missing = g_strdup_printf ("missing_%s", t);
  main_sql = g_strdup_printf ("CREATE TABLE %s (n INT);\n"
                              "source db/triggers.sql\n"
                              "INSERT INTO %s VALUES (4);\n", t, t);
  included = g_strdup_printf ("-- included\n"
                              "INSERT INTO %s VALUES (1);\n"
                              "INSERT INTO %s VALUES (2);\n"
                              "INSERT INTO %s VALUES (3);\n", t, missing, t);
  exec_fixture_write (&site.fx, "bundle/db/zm_create.sql", main_sql);
  exec_fixture_write (&site.fx, "bundle/db/triggers.sql", included);
  write_step (&site, "\"db/zm_create.sql\"");

  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &failed, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_cmpstr (upg_breakpoint_get_file (upg_execution_get_breakpoint (failed)), ==, "db/triggers.sql");
  g_assert_cmpuint (upg_breakpoint_get_line (upg_execution_get_breakpoint (failed)), ==, 3);
  g_assert_cmpuint (upg_breakpoint_get_sequence (upg_execution_get_breakpoint (failed)), ==, 3);
  g_assert_cmpstr (upg_breakpoint_get_error_code (upg_execution_get_breakpoint (failed)), ==, "1146");
  g_clear_error (&error);

  create = g_strdup_printf ("CREATE TABLE %s (n INT)", missing);
  exec_execute (site.my, create);
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_no_error (error);
  /* 1 and 3 once each, not twice. */
  count = count_rows (site.my, t);
  g_assert_cmpstr (count, ==, "3");
  site_clear (&site);
}

/* Two scripts of a step including one file would give its statements
 * the same journal keys twice: refused before anything runs. */
static void
test_included_twice (void)
{
  Site site;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *exists = NULL;
  g_autofree char *sql = NULL;

  site_init (&site);
  first = g_strdup_printf ("CREATE TABLE %s (n INT);\nsource db/common.sql\n", site.table);
  exec_fixture_write (&site.fx, "bundle/db/a.sql", first);
  exec_fixture_write (&site.fx, "bundle/db/b.sql", "source db/common.sql\n");
  exec_fixture_write (&site.fx, "bundle/db/common.sql", "SELECT 1;\n");
  write_step (&site, "\"db/a.sql\", \"db/b.sql\"");
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
  g_assert_nonnull (strstr (error->message, "'db/common.sql' is included by both 'db/a.sql' and 'db/b.sql'"));
  sql = g_strdup_printf ("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '%s'", site.table);
  exists = exec_query_text (site.my, sql);
  g_assert_cmpstr (exists, ==, "0");
  site_clear (&site);
}

/* `use`, `\c` and `\!` stop `validate` and `run` (exit 2) naming
 * file:line, and nothing runs. */
static void
test_client_commands_refused (void)
{
  static const struct {
    const char *database;
    const char *command;
    const char *expected;
  } cases[] = {
    { "my", "use other", "sql/bad.sql:3: client command 'use'" },
    { "my", "USE other;", "sql/bad.sql:3: client command 'use'" },
    { "my", "\\! touch /tmp/upg-split-shell", "sql/bad.sql:3: shell escape '\\!'" },
    { "pg", "\\c other", "sql/bad.sql:3: client command '\\c'" },
    { "pg", "\\! touch /tmp/upg-split-shell", "sql/bad.sql:3: shell escape '\\!'" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Site site;
      g_autofree char *script = NULL;
      g_autofree char *out = NULL;
      g_autofree char *sql = NULL;
      g_autofree char *exists = NULL;

      site_init (&site);
      script = g_strdup_printf ("-- @database: %s\n"
                                "CREATE TABLE %s (n INT);\n"
                                "%s\n"
                                "INSERT INTO %s VALUES (1);\n", cases[i].database, site.table, cases[i].command,
                                site.table);
      exec_fixture_write (&site.fx, "bundle/sql/bad.sql", script);
      write_step (&site, "\"sql/bad.sql\"");

      g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &out, "validate", NULL)), ==, 2);
      if (strstr (out, cases[i].expected) == NULL)
        g_error ("validate said '%s', expected '%s'", out, cases[i].expected);
      g_clear_pointer (&out, g_free);
      g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &out, "run", "--confirm", "--from", FROM, "--to", TO,
                                                         "--stage", "in_stop", NULL)), ==, 2);

      sql = g_strdup_printf ("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '%s'", site.table);
      exists = exec_query_text (g_str_equal (cases[i].database, "my") ? site.my : site.pg, sql);
      g_assert_cmpstr (exists, ==, "0");
      g_assert_false (g_file_test ("/tmp/upg-split-shell", G_FILE_TEST_EXISTS));
      site_clear (&site);
    }
}

static void
set_max_allowed_packet (guint64 bytes)
{
  g_autofree char *message = NULL;
  g_autofree char *sql = g_strdup_printf ("SET GLOBAL max_allowed_packet = %" G_GUINT64_FORMAT, bytes);
  MYSQL *admin = upg_test_server_admin_connect (MARIADB->server, &message);

  g_assert_nonnull (admin);
  g_assert_cmpint (mysql_query (admin, sql), ==, 0);
  upg_test_server_admin_disconnect (MARIADB->server, admin);
}

static gint64
file_size (const char *path)
{
  struct stat st;

  return stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

/* A statement above max_allowed_packet fails once with 1153 (no retries
 * as for a lost connection) and its text is stored once. */
static void
test_packet_too_large (void)
{
  const gsize size = 2 * 1024 * 1024;
  Site site;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgExecution) failed = NULL;
  g_autoptr(GString) script = g_string_new (NULL);
  g_autofree char *statuses = NULL;
  g_autofree char *journal = NULL;
  g_autofree char *wal = NULL;
  g_autofree char *original = NULL;
  g_autofree char *count = NULL;
  gint64 journal_bytes;

  site_init (&site);
  original = exec_query_text (site.my, "SELECT @@GLOBAL.max_allowed_packet");
  g_string_append_printf (script, "CREATE TABLE %s (v LONGTEXT);\nINSERT INTO %s VALUES ('", site.table, site.table);
  for (gsize i = 0; i < size; i++)
    g_string_append_c (script, 'a' + i % 26);
  g_string_append (script, "');\n");
  exec_fixture_write (&site.fx, "bundle/sql/big.sql", script->str);
  write_step (&site, "\"sql/big.sql\"");

  set_max_allowed_packet (1024 * 1024);
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &failed, &error));
  set_max_allowed_packet (g_ascii_strtoull (original, NULL, 10));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_nonnull (strstr (error->message, "max_allowed_packet of 1048576 bytes"));
  g_assert_cmpstr (upg_breakpoint_get_error_code (upg_execution_get_breakpoint (failed)), ==, "1153");
  g_assert_cmpuint (upg_breakpoint_get_line (upg_execution_get_breakpoint (failed)), ==, 2);
  statuses = exec_journal_statuses (&site.fx, upg_execution_get_id (failed), 2);
  g_assert_cmpstr (statuses, ==, "FAILED/1153 ");
  count = count_rows (site.my, site.table);
  g_assert_cmpstr (count, ==, "0");

  /* Its record holds the text; nothing else holds it again. */
  journal = g_build_filename (site.fx.state, "journal.db", NULL);
  journal_bytes = file_size (journal);
  wal = g_strconcat (journal, "-wal", NULL);
  journal_bytes += file_size (wal);
  g_test_message ("journal: %" G_GINT64_FORMAT " bytes for a %" G_GSIZE_FORMAT "-byte statement",
                  journal_bytes, size);
  g_assert_cmpint (journal_bytes, <, (gint64) (size + size / 2));
  site_clear (&site);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    db_start (&databases[i]);

  g_test_add_func ("/split-db/switch-to-postgresql", test_switch_to_postgresql);
  g_test_add_func ("/split-db/included-files-resume", test_included_files_resume);
  g_test_add_func ("/split-db/included-twice", test_included_twice);
  g_test_add_func ("/split-db/client-commands-refused", test_client_commands_refused);
  g_test_add_func ("/split-db/packet-too-large", test_packet_too_large);
  status = g_test_run ();

  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    db_stop (&databases[i]);
  return status;
}
