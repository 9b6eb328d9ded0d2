/* test-real-pdns.c - an operator's bundle of real PowerDNS upgrade
 * scripts on MariaDB and PostgreSQL, run the way a site runs it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tests/fixtures/pdns-bundle (see its README: two components, three
 * versions, the upgrade scripts of Debian's pdns-backend-mysql and
 * pdns-backend-pgsql 4.7.3) is taken through `upgradectl` as an operator
 * would at 2 a.m.: business_check stops on a negative notified_serial
 * (which the 4.2.0 ALTER would refuse) and says why on its own line; the
 * operator fixes the rows by hand and the check passes; in_stop stops at
 * the 4.7.0 script's CREATE INDEX, whose name an index the operator once
 * added by hand already has; the operator drops that index and, the
 * journal being lost meanwhile, runs the stage again: the markers in the
 * two targets are the truth, so the statements applied before the
 * breakpoint are not sent again (the MySQL script's DROP COLUMN would
 * fail the second time) and both schemas end as PowerDNS 4.7 has them.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "db-site.h"

static Db dbs[] = DB_TARGETS_INIT;

/* @relative (or NULL) in the fixture bundle of the source tree. */
static char *
fixture_path (const char *relative)
{
  return g_build_filename (g_getenv ("UPGRADE_SOURCE_ROOT"), "tests", "fixtures", "pdns-bundle", relative, NULL);
}

/* The site as it was before its first upgrade: the 4.1 schema, loaded by
 * the native client, and the rows of a running name server. */
static UpgConnection *
load_site (Db         *db,
           const char *name,
           const char *base,
           const char *rows)
{
  g_autofree char *relative = g_build_filename ("base", base, NULL);
  g_autofree char *path = fixture_path (relative);
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  UpgConnection *connection;

  if (db->server == NULL)
    g_error ("%s: %s", db->name, db->start_error->message);
  if (!upg_test_server_run_client (db->server, path, &output, &error))
    g_error ("%s: %s\n%s", base, error->message, output != NULL ? output : "");
  connection = exec_open_source (name, db->source_json);
  exec_execute (connection, rows);
  return connection;
}

static int
ctl (ExecFixture  *fx,
     char        **out,
     const char   *stage)
{
  const char *env[] = { "LANG", "C", "LC_ALL", "C", "LANGUAGE", "", NULL };
  g_autofree char *err = NULL;
  g_autofree char *stdout_text = NULL;
  int status;

  status = exec_fixture_cli_both (fx, env, &stdout_text, &err, "run", "--from", "4.1.0", "--to", "4.7.0",
                                  "--stage", stage, "--confirm", NULL);
  g_test_message ("%s:\n%s%s", stage, stdout_text, err);
  if (out != NULL)
    *out = g_strconcat (stdout_text, err, NULL);
  return exec_exit_code (status);
}

static void
assert_value (UpgConnection *connection,
              const char    *sql,
              const char    *expected)
{
  g_autofree char *value = exec_query_text (connection, sql);

  if (g_strcmp0 (value, expected) != 0)
    g_error ("%s: '%s', expected '%s'", sql, value, expected);
}

static void
test_operator_night (void)
{
  ExecFixture fx;
  g_autoptr(UpgConnection) mysql = NULL;
  g_autoptr(UpgConnection) pg = NULL;
  g_autofree char *sources = NULL, *out = NULL, *journal = NULL;
  const char *line;

  mysql = load_site (&dbs[0], "dns_db", "pdns-4.1.mysql.sql",
                     "INSERT INTO domains (name, type, notified_serial) VALUES"
                     " ('example.org', 'NATIVE', -1), ('bücher.de', 'MASTER', 7)");
  exec_execute (mysql, "INSERT INTO records (domain_id, name, type, content, ttl, change_date) VALUES"
                       " (1, 'example.org', 'SOA', 'a.example.org. h.example.org. 1 3600 600 86400 3600', 3600, 5)");
  pg = load_site (&dbs[1], "dns_pg", "pdns-4.1.pgsql.sql",
                  "INSERT INTO domains (name, type) VALUES ('example.org', 'NATIVE'), ('bücher.de', 'MASTER')");
  exec_execute (pg, "INSERT INTO cryptokeys (domain_id, flags, active, content) VALUES (1, 257, true, 'key')");

  exec_fixture_init (&fx);
  g_free (fx.bundle);
  fx.bundle = fixture_path (NULL);
  sources = g_strdup_printf ("\"dns_db\": %s, \"dns_pg\": %s", dbs[0].source_json, dbs[1].source_json);
  exec_fixture_write_config (&fx, "dc1", sources);

  /* The check says why it failed, on its line. */
  g_assert_cmpint (ctl (&fx, &out, "business_check"), ==, 1);
  line = strstr (out, "[FAILED] data_quality:negative_serial");
  if (line == NULL || strstr (line, "threshold 0") == NULL || strchr (line, '\n') < strstr (line, "threshold 0"))
    g_error ("the failed check does not say why:\n%s", out);
  g_clear_pointer (&out, g_free);
  exec_execute (mysql, "UPDATE domains SET notified_serial = NULL WHERE notified_serial < 0");
  g_assert_cmpint (ctl (&fx, NULL, "business_check"), ==, 0);

  /* An index of the operator's stops the 4.7.0 script's CREATE INDEX. */
  exec_execute (mysql, "CREATE INDEX catalog_idx ON domains (name)");
  g_assert_cmpint (ctl (&fx, &out, "in_stop"), ==, 1);
  g_assert_nonnull (strstr (out, "Breakpoint: step mysql_schema, sql/mysql/4.3.0_to_4.7.0_schema.mysql.sql:5"));
  g_assert_nonnull (strstr (out, "Duplicate key name 'catalog_idx'"));
  g_clear_pointer (&out, g_free);

  /* Fixed by hand; the journal is lost meanwhile (another host, a wiped
   * state directory): the targets' markers say what was applied. */
  exec_execute (mysql, "DROP INDEX catalog_idx ON domains");
  journal = g_build_filename (fx.state, "journal.db", NULL);
  g_assert_cmpint (g_unlink (journal), ==, 0);
  g_assert_cmpint (ctl (&fx, &out, "in_stop"), ==, 0);
  g_assert_nonnull (strstr (out, "sql/mysql/4.1.0_to_4.2.0_schema.mysql.sql:3: applied in execution"));
  g_assert_nonnull (strstr (out, "sql/pgsql/4.2.0_to_4.3.0_schema.pgsql.sql:1: applied in execution"));

  assert_value (mysql, "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()"
                       " AND table_name = 'records' AND column_name = 'change_date'", "0");
  assert_value (mysql, "SELECT column_type FROM information_schema.columns WHERE table_schema = DATABASE()"
                       " AND table_name = 'domains' AND column_name = 'notified_serial'", "int(10) unsigned");
  assert_value (mysql, "SELECT column_name FROM information_schema.statistics WHERE table_schema = DATABASE()"
                       " AND table_name = 'domains' AND index_name = 'catalog_idx'", "catalog");
  assert_value (mysql, "SELECT COUNT(*) FROM domains", "2");
  assert_value (pg, "SELECT data_type FROM information_schema.columns WHERE table_name = 'domains'"
                    " AND column_name = 'type'", "text");
  assert_value (pg, "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns"
                    " WHERE table_name = 'cryptokeys'", "id,domain_id,flags,active,published,content");
  assert_value (pg, "SELECT content FROM cryptokeys", "key");

  /* Both databases still hold the same domains. */
  g_assert_cmpint (ctl (&fx, NULL, "post_start"), ==, 0);

  g_clear_pointer (&fx.bundle, g_free);
  fx.bundle = g_strdup ("");
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (dbs); i++)
    db_start (&dbs[i]);
  g_test_add_func ("/real-pdns/operator-night", test_operator_night);
  status = g_test_run ();
  for (guint i = 0; i < G_N_ELEMENTS (dbs); i++)
    db_stop (&dbs[i]);
  return status;
}
