/* mig-test-util.c - a scratch site for batched_migration tests: a table
 * of ROWS rows with a counter column, the bundle of one migration step,
 * and the checks that every row was migrated exactly once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "mig-test-util.h"


/* A scratch site with table site.table of ROWS rows (n = 0) and a flag
 * table of one row (v = 0): on @db, or on an SQLite file. */
void
mig_init (Mig        *mig,
          Db         *db,
          const char *site_id)
{
  g_autoptr(GString) insert = NULL;

  memset (mig, 0, sizeof *mig);
  if (db != NULL)
    {
      db_site_init (&mig->site, db, site_id);
      mig->pg = db->kind == UPG_TEST_SERVER_POSTGRESQL;
    }
  else
    {
      g_autofree char *source = NULL, *sources = NULL;

      exec_fixture_init (&mig->site.fx);
      source = exec_fixture_sqlite_source (&mig->site.fx, "target.db");
      sources = g_strdup_printf ("\"db\": %s", source);
      exec_fixture_write_config (&mig->site.fx, site_id, sources);
      mig->site.target = exec_open_source ("db", source);
      mig->site.table = g_strdup ("t_mig");
      mig->sqlite = TRUE;
    }
  /* The tests share the servers' database and their site ids: no
   * checkpoint of an earlier test may count. */
  db_site_execute (&mig->site, "DROP TABLE IF EXISTS upgrade_migration_checkpoint");
  mig->flag = g_strdup_printf ("%s_flag", mig->site.table);
  db_site_execute (&mig->site, "CREATE TABLE %s (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0)",
                   mig->site.table);
  insert = g_string_new (NULL);
  g_string_printf (insert, "INSERT INTO %s (id) VALUES ", mig->site.table);
  for (guint i = 1; i <= ROWS; i++)
    g_string_append_printf (insert, "%s(%u)", i > 1 ? ", " : "", i);
  db_site_execute (&mig->site, "%s", insert->str);
  db_site_execute (&mig->site, "CREATE TABLE %s (v INTEGER NOT NULL)", mig->flag);
  db_site_execute (&mig->site, "INSERT INTO %s VALUES (0)", mig->flag);
}

void
mig_clear (Mig *mig)
{
  if (!mig->sqlite)
    {
      db_site_execute (&mig->site, "DROP TABLE IF EXISTS %s", mig->site.table);
      db_site_execute (&mig->site, "DROP TABLE IF EXISTS %s", mig->flag);
    }
  g_free (mig->flag);
  db_site_clear (&mig->site);
}

/* The manifest: one post_upgrade step "mig" with @sql (`@T@` = the
 * table) and @extra members of its batched_migration object. */
void
mig_write_bundle (Mig        *mig,
                  const char *sql_text,
                  const char *extra)
{
  g_autoptr(GString) sql_string = g_string_new (sql_text);
  const char *sql = (g_string_replace (sql_string, "@T@", mig->site.table, 0), sql_string->str);
  g_autofree char *steps = g_strdup_printf ("\"post_upgrade\": [{\"id\": \"mig\", \"database\": \"db\", "
                                            "\"compatible_version\": \"1.0.0\", %s\"batched_migration\": "
                                            "{\"table\": \"%s\", \"key\": \"id\", \"sql\": \"%s\"%s%s}}]",
                                            "", mig->site.table, sql, extra != NULL ? ", " : "",
                                            extra != NULL ? extra : "");

  exec_fixture_write_manifest (&mig->site.fx, TO, steps, NULL);
}


/* The throttle trips once @after rows are migrated, while the flag is 1. */
char *
throttle_json (Mig   *mig,
               guint  after)
{
  return g_strdup_printf ("\"throttle\": {\"sql\": \"SELECT CASE WHEN (SELECT COUNT(*) FROM %s WHERE n > 0) >= %u"
                          " THEN (SELECT v FROM %s) ELSE 0 END\", \"max\": 0, \"pause_seconds\": 0.1}",
                          mig->site.table, after, mig->flag);
}

gint64
count_where (Mig        *mig,
             const char *condition)
{
  g_autofree char *text = db_site_query (&mig->site, "SELECT COUNT(*) FROM %s WHERE %s", mig->site.table,
                                         condition);

  return g_ascii_strtoll (text, NULL, 10);
}

/* Every row of the original range was migrated exactly once. */
void
assert_all_once (Mig *mig)
{
  g_assert_cmpint (count_where (mig, "id <= " G_STRINGIFY (ROWS) " AND n = 1"), ==, ROWS);
  g_assert_cmpint (count_where (mig, "n > 1"), ==, 0);
}

/* What the target's checkpoint says was done; the data must agree: the
 * rows below key_next were migrated once, the others not at all. */
gint64
assert_checkpoint_consistent (Mig *mig)
{
  g_autofree char *next_text = db_site_query (&mig->site, "SELECT key_next FROM upgrade_migration_checkpoint");
  g_autofree char *rows_text = db_site_query (&mig->site, "SELECT rows_done FROM upgrade_migration_checkpoint");
  g_autofree char *below = NULL, *above = NULL;
  gint64 next, rows;

  if (next_text == NULL)
    return 0;  /* killed before the first checkpoint */
  next = g_ascii_strtoll (next_text, NULL, 10);
  rows = g_ascii_strtoll (rows_text, NULL, 10);
  below = g_strdup_printf ("id < %" G_GINT64_FORMAT " AND n = 1", next);
  above = g_strdup_printf ("id >= %" G_GINT64_FORMAT " AND id <= " G_STRINGIFY (ROWS) " AND n = 0", next);
  g_assert_cmpint (count_where (mig, below), ==, next - 1);
  g_assert_cmpint (count_where (mig, above), ==, ROWS - (next - 1));
  g_assert_cmpint (rows, ==, next - 1);
  return rows;
}

int
run_stage (Mig         *mig,
           const char  *hook,
           char       **out)
{
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", hook, NULL };

  return exec_fixture_cli (&mig->site.fx, hook != NULL ? env : NULL, out, "--json", "run", "--from", FROM, "--to",
                           TO, "--stage", "post_upgrade", NULL);
}

/* The site's only migration, as `upgradectl migrations --json` shows it
 * (NULL while there is none). */
JsonObject *
list_migration (Mig *mig)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) doc = NULL;
  JsonArray *list;
  int status = exec_fixture_cli (&mig->site.fx, NULL, &out, "--json", "migrations", NULL);

  g_assert_cmpint (exec_exit_code (status), ==, 0);
  doc = exec_parse_json_object (out);
  list = json_object_get_array_member (doc, "migrations");
  g_assert_cmpuint (json_array_get_length (list), <=, 1);
  if (json_array_get_length (list) == 0)
    return NULL;
  return json_object_ref (json_array_get_object_element (list, 0));
}

gboolean
has (JsonObject *m,
     const char *member,
     const char *value)
{
  const char *actual = m != NULL ? json_object_get_string_member_with_default (m, member, NULL) : NULL;

  return actual != NULL && g_str_has_prefix (actual, value);
}

gboolean
is_finished (JsonObject *m)
{
  return has (m, "state", "done") || has (m, "state", "cancelled") || has (m, "state", "failed")
         || has (m, "state", "interrupted");
}

int
control (Mig        *mig,
         const char *action,
         const char *id)
{
  g_autofree char *out = NULL;

  return exec_exit_code (exec_fixture_cli (&mig->site.fx, NULL, &out, "migrations", action, id, NULL));
}


/* Waits until the migration's @member starts with @value, as long as
 * @alive says the run goes on: no deadline, since under valgrind on a
 * loaded machine a batch may take seconds; a run that ends first fails
 * the test at once, and meson's timeout bounds the rest. */
JsonObject *
mig_wait_for (Mig          *mig,
              MigAliveFunc  alive,
              gpointer      data,
              const char   *member,
              const char   *value)
{
  for (;;)
    {
      g_autoptr(JsonObject) m = list_migration (mig);

      if (has (m, member, value))
        return g_steal_pointer (&m);
      if (is_finished (m) || !alive (data))
        g_error ("the run ended before the migration's %s became %s (state %s)", member, value,
                 m != NULL ? json_object_get_string_member_with_default (m, "state", "?") : "not started");
      g_usleep (G_USEC_PER_SEC / 5);
    }
}
