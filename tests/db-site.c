/* db-site.c - the executor tests on real servers: one MariaDB and one
 * PostgreSQL server per test program, and a scratch site on either
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <unistd.h>

#include "db-site.h"

/* Starts @db's server; a server that cannot start fails each test that
 * needs it (db_site_init()), loudly, not the program's start. */
void
db_start (Db *db)
{
  db->server = upg_test_server_start (db->kind, &db->start_error);
  if (db->server != NULL)
    db->source_json = upg_test_server_datasource_json (db->server, UPG_TEST_PASSWORD_FILE, FALSE);
}

void
db_stop (Db *db)
{
  g_clear_pointer (&db->server, upg_test_server_stop);
  g_clear_error (&db->start_error);
  g_clear_pointer (&db->source_json, g_free);
}

/* Adds the test /<program>/<server>/<name>. */
void
db_add_test (Db            *db,
             const char    *program,
             const char    *name,
             GTestDataFunc  func)
{
  g_autofree char *path = g_strdup_printf ("/%s/%s/%s", program, db->name, name);

  g_test_add_data_func (path, db, func);
}

void
db_site_init (DbSite     *site,
              Db         *db,
              const char *site_id)
{
  static guint table_serial;
  g_autofree char *sources = NULL;

  g_assert_no_error (db->start_error);
  exec_fixture_init (&site->fx);
  sources = g_strdup_printf ("\"db\": %s", db->source_json);
  exec_fixture_write_config (&site->fx, site_id, sources);
  site->target = exec_open_source ("db", db->source_json);
  /* A scratch site starts from a target without markers: the tests of a
   * program share the server's database and their site name, and a
   * marker of an earlier test would rightly count as applied. */
  exec_execute (site->target, "DROP TABLE IF EXISTS upgrade_statement_marker");
  exec_execute (site->target, "DROP TABLE IF EXISTS upgrade_statement_intent");
  site->table = g_strdup_printf ("t%u_%u", (guint) getpid (), ++table_serial);
}

void
db_site_clear (DbSite *site)
{
  exec_fixture_clear (&site->fx);
  g_clear_object (&site->target);
  g_clear_pointer (&site->table, g_free);
}

/* The first value of the first row of the query @format on the site's
 * target. */
char *
db_site_query (DbSite     *site,
               const char *format,
               ...)
{
  g_autofree char *sql = NULL;
  va_list args;

  va_start (args, format);
  sql = g_strdup_vprintf (format, args);
  va_end (args);
  return exec_query_text (site->target, sql);
}

/* Runs the statement @format on the site's target; it must succeed. */
void
db_site_execute (DbSite     *site,
                 const char *format,
                 ...)
{
  g_autofree char *sql = NULL;
  va_list args;

  va_start (args, format);
  sql = g_strdup_vprintf (format, args);
  va_end (args);
  exec_execute (site->target, sql);
}
