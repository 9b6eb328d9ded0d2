/* test-backup-db.c - `backup` steps and `upgradectl restore` on real
 * throwaway MariaDB and PostgreSQL servers: the dump is complete (schema
 * and data equal after a restore, whole or one table), kill -9 in the
 * middle of a dump, and the dump tools never see a password in argv
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "db-site.h"
#include "upg-data-source-private.h"
#include "upg-db-tool-private.h"

#define FROM "3.17.0"
#define TO "3.17.5"

static Db dbs[] = DB_TARGETS_INIT;

static gboolean
is_pg (DbSite *site)
{
  return upg_connection_get_dialect (site->target) == UPG_DIALECT_POSTGRESQL;
}

/* Two tables with what dumps most often lose: NULLs, unicode, quotes and
 * backslashes, a 200 KiB text, binary with NUL bytes, an index, a
 * foreign key. */
static void
create_data (DbSite *site)
{
  gboolean pg = is_pg (site);
  const char *text = pg ? "TEXT" : "LONGTEXT";
  const char *binary = pg ? "BYTEA" : "LONGBLOB";
  const char *engine = pg ? "" : " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

  db_site_execute (site, "CREATE TABLE %s_users (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL)%s",
                   site->table, engine);
  db_site_execute (site, "CREATE TABLE %s_orders (id INTEGER NOT NULL PRIMARY KEY, user_id INTEGER, note %s, "
                   "amount DECIMAL(12,2), raw %s, FOREIGN KEY (user_id) REFERENCES %s_users (id))%s",
                   site->table, text, binary, site->table, engine);
  db_site_execute (site, "CREATE INDEX %s_orders_note ON %s_orders (amount)", site->table, site->table);
  db_site_execute (site, "INSERT INTO %s_users (id, name) VALUES (1, 'ann'), (2, '张三 \"z\"')", site->table);
  db_site_execute (site, "INSERT INTO %s_orders (id, user_id, note, amount, raw) VALUES "
                   "(1, NULL, NULL, NULL, NULL), "
                   "(2, 1, '订单 ✓ naïve', 12.50, %s), "
                   "(3, 2, 'it''s \"quoted\" \\\\ back; -- not a comment', -3.00, %s), "
                   "(4, 2, %s, 0, NULL)",
                   site->table, pg ? "'\\x00ff00'::bytea" : "X'00FF00'", pg ? "''::bytea" : "X''",
                   pg ? "repeat('x', 200000)" : "REPEAT('x', 200000)");
}

/* Schema and rows of one table as text: what must survive a restore. */
static void
append_table (DbSite     *site,
              GString    *out,
              const char *table)
{
  gboolean pg = is_pg (site);
  g_autofree char *schema_sql = NULL, *rows_sql = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) schema = NULL, rows = NULL;

  if (pg)
    schema_sql = g_strdup_printf (
      "SELECT column_name || ' ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '') "
      "FROM information_schema.columns WHERE table_name = '%s' UNION ALL "
      "SELECT indexdef FROM pg_indexes WHERE tablename = '%s' UNION ALL "
      "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '%s'::regclass ORDER BY 1",
      table, table, table);
  else
    schema_sql = g_strdup_printf ("SHOW CREATE TABLE %s", table);
  schema = upg_connection_query (site->target, schema_sql, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < upg_rows_get_n_rows (schema); i++)
    g_string_append_printf (out, "%s\n", upg_rows_get_value (schema, i, pg ? 0 : 1));
  rows_sql = g_strdup_printf ("SELECT * FROM %s ORDER BY id", table);
  rows = upg_connection_query (site->target, rows_sql, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint r = 0; r < upg_rows_get_n_rows (rows); r++)
    {
      for (guint c = 0; c < upg_rows_get_n_columns (rows); c++)
        {
          const char *v = upg_rows_get_value (rows, r, c);
          g_autofree char *sum = v != NULL && strlen (v) > 100
                                 ? g_compute_checksum_for_string (G_CHECKSUM_SHA256, v, -1) : NULL;

          g_string_append_printf (out, "%s|", v == NULL ? "<NULL>" : sum != NULL ? sum : v);
        }
      g_string_append_c (out, '\n');
    }
}

static char *
snapshot (DbSite *site)
{
  GString *out = g_string_new (NULL);
  g_autofree char *users = g_strdup_printf ("%s_users", site->table);
  g_autofree char *orders = g_strdup_printf ("%s_orders", site->table);

  append_table (site, out, users);
  append_table (site, out, orders);
  return g_string_free (out, FALSE);
}

static void
write_backup_step (DbSite *site)
{
  g_autofree char *steps = g_strdup_printf ("\"pre_stop\": [{\"id\": \"bk\", \"backup\": {\"database\": \"db\", "
                                            "\"tables\": [\"%s_users\", \"%s_orders\"]}, \"compatible_version\": \"3.16.0\"}]", site->table,
                                            site->table);

  exec_fixture_write_manifest (&site->fx, TO, steps, NULL);
}

static int
run_pre_stop (DbSite     *site,
              const char *crash_hook)
{
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", crash_hook, NULL };

  return exec_fixture_cli (&site->fx, crash_hook != NULL ? env : NULL, NULL, "run", "--from", FROM, "--to", TO,
                           "--stage", "pre_stop", NULL);
}

/* The only listed backup: its id (and its row counts). */
static char *
only_backup (DbSite      *site,
             JsonObject **row_counts)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *backups;
  JsonObject *b;

  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site->fx, NULL, &out, "--json", "backups", NULL)), ==, 0);
  node = json_from_string (out, NULL);
  g_assert_nonnull (node);
  backups = json_object_get_array_member (json_node_get_object (node), "backups");
  g_assert_cmpuint (json_array_get_length (backups), ==, 1);
  b = json_array_get_object_element (backups, 0);
  if (row_counts != NULL)
    *row_counts = json_object_ref (json_object_get_object_member (b, "row_counts"));
  return g_strdup (json_object_get_string_member (b, "id"));
}

static int
restore (DbSite     *site,
         const char *id,
         const char *table)
{
  g_autofree char *out = NULL;
  int code;

  if (table != NULL)
    code = exec_exit_code (exec_fixture_cli (&site->fx, NULL, &out, "restore", id, "--table", table, "--yes",
                                             NULL));
  else
    code = exec_exit_code (exec_fixture_cli (&site->fx, NULL, &out, "restore", id, "--yes", NULL));
  if (code != 0)
    g_test_message ("restore exited %d: %s", code, out);
  return code;
}

static void
test_restore (gconstpointer data)
{
  Db *db = (Db *) data;
  DbSite site;
  g_autofree char *before = NULL, *after = NULL, *id = NULL;
  g_autofree char *orders = NULL, *users = NULL;
  g_autoptr(JsonObject) counts = NULL;

  db_site_init (&site, db, "bj-01");
  create_data (&site);
  write_backup_step (&site);
  orders = g_strdup_printf ("%s_orders", site.table);
  users = g_strdup_printf ("%s_users", site.table);
  before = snapshot (&site);
  g_assert_cmpint (exec_exit_code (run_pre_stop (&site, NULL)), ==, 0);
  id = only_backup (&site, &counts);
  g_assert_cmpint (json_object_get_int_member (counts, orders), ==, 4);
  g_assert_cmpint (json_object_get_int_member (counts, users), ==, 2);

  /* Everything back, after changes, deletions and a dropped table. */
  db_site_execute (&site, "UPDATE %s SET note = 'changed', amount = 1", orders);
  db_site_execute (&site, "DELETE FROM %s WHERE id = 4", orders);
  db_site_execute (&site, "DROP TABLE %s", orders);
  db_site_execute (&site, "UPDATE %s SET name = 'x'", users);
  g_assert_cmpint (restore (&site, id, NULL), ==, 0);
  after = snapshot (&site);
  exec_assert_same_lines (before, after);

  /* One table: dropped, then restored alone; the other is left as is. */
  db_site_execute (&site, "DROP TABLE %s", orders);
  db_site_execute (&site, "UPDATE %s SET name = 'kept' WHERE id = 1", users);
  g_assert_cmpint (restore (&site, id, orders), ==, 0);
  g_free (after);
  after = db_site_query (&site, "SELECT name FROM %s WHERE id = 1", users);
  g_assert_cmpstr (after, ==, "kept");
  db_site_execute (&site, "UPDATE %s SET name = 'ann' WHERE id = 1", users);
  g_free (after);
  after = snapshot (&site);
  exec_assert_same_lines (before, after);

  /* A table the backup does not hold: bad input, nothing changed. */
  g_assert_cmpint (restore (&site, id, "not_in_it"), ==, 2);
  db_site_execute (&site, "DROP TABLE %s", orders);
  db_site_execute (&site, "DROP TABLE %s", users);
  db_site_clear (&site);
}

/* kill -9 while the dump tool writes: the re-run redoes the dump; one
 * backup, with the right counts. */
static void
test_kill_mid_dump (gconstpointer data)
{
  Db *db = (Db *) data;
  DbSite site;
  g_autofree char *id = NULL, *orders = NULL;
  g_autoptr(JsonObject) counts = NULL;
  g_autofree char *journal = NULL;

  db_site_init (&site, db, "bj-01");
  create_data (&site);
  write_backup_step (&site);
  orders = g_strdup_printf ("%s_orders", site.table);
  journal = g_build_filename (site.fx.state, "journal.db", NULL);
  g_assert_true (exec_fixture_cli_killed (run_pre_stop (&site, "1:after-execute-before-commit")));
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_backup WHERE status = 'RUNNING'"), ==,
                   1);
  g_assert_cmpint (exec_exit_code (run_pre_stop (&site, NULL)), ==, 0);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_backup WHERE status = 'FAILED'"), ==, 1);
  id = only_backup (&site, &counts);
  g_assert_cmpint (json_object_get_int_member (counts, orders), ==, 4);
  db_site_execute (&site, "DROP TABLE %s", orders);
  db_site_execute (&site, "DROP TABLE %s_users", site.table);
  db_site_clear (&site);
}

/* The argv a dump tool gets never holds the password: MariaDB tools read
 * it from a 0600 option file, PostgreSQL tools from PGPASSWORD in their
 * own environment. */
static void
test_credentials (gconstpointer data)
{
  Db *db = (Db *) data;
  g_autoptr(UpgDataSource) source = NULL;
  g_autoptr(UpgDbTool) tool = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  const char *password;
  const char *secrets[] = { "SOME_SECRET_VAR", NULL };

  g_assert_no_error (db->start_error);
  password = upg_test_server_get_password (db->server);
  g_assert_true (strlen (password) >= 8);
  source = upg_test_data_source_from_json ("db", db->source_json);
  dir = g_dir_make_tmp ("upgrade-cred-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("SOME_SECRET_VAR", "s3cr3t", TRUE);
  tool = upg_db_tool_new (source, db->kind == UPG_TEST_SERVER_MARIADB ? "mariadb-dump" : "pg_dump", dir, secrets,
                          &error);
  g_assert_no_error (error);
  for (guint i = 0; i < tool->argv->len; i++)
    g_assert_null (strstr (tool->argv->pdata[i], password));
  g_assert_null (g_environ_getenv (tool->env, "SOME_SECRET_VAR"));
  if (db->kind == UPG_TEST_SERVER_MARIADB)
    {
      g_autofree char *text = NULL;
      struct stat st;

      g_assert_nonnull (tool->option_file);
      g_assert_true (g_str_has_prefix (tool->argv->pdata[1], "--defaults-extra-file="));
      g_assert_cmpint (g_stat (tool->option_file, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
      g_assert_true (g_file_get_contents (tool->option_file, &text, NULL, NULL));
      g_assert_nonnull (strstr (text, password));
      g_assert_null (g_environ_getenv (tool->env, "PGPASSWORD"));
    }
  else
    {
      g_assert_null (tool->option_file);
      g_assert_cmpstr (g_environ_getenv (tool->env, "PGPASSWORD"), ==, password);
    }
  /* The option file goes with the run. */
  {
    g_autofree char *option_file = g_strdup (tool->option_file);

    g_clear_pointer (&tool, upg_db_tool_free);
    if (option_file != NULL)
      g_assert_false (g_file_test (option_file, G_FILE_TEST_EXISTS));
  }
  g_unsetenv ("SOME_SECRET_VAR");
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (dbs); i++)
    {
      db_start (&dbs[i]);
      db_add_test (&dbs[i], "backup-db", "restore", test_restore);
      db_add_test (&dbs[i], "backup-db", "kill-mid-dump", test_kill_mid_dump);
      db_add_test (&dbs[i], "backup-db", "credentials", test_credentials);
    }
  status = g_test_run ();
  for (guint i = 0; i < G_N_ELEMENTS (dbs); i++)
    db_stop (&dbs[i]);
  return status;
}
