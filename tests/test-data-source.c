/* test-data-source.c - data source parsing, passwords and descriptions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <upgrade.h>

#include "upg-config.h"
#include "upg-data-source-private.h"

static UpgDataSource *
parse (const char *name,
       const char *json,
       GError    **error)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return upg_data_source_new_from_json (name, json_node_get_object (node), "/etc/upgrade", error);
}

static void
test_mysql_defaults (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgDataSource) ds = parse ("ft_db", "{\"provider\": \"mysql\", \"host\": \"127.0.0.1\", "
                                       "\"database\": \"ft\", \"user\": \"upgrade\", "
                                       "\"password_env\": \"UPG_TEST_PW\"}", &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (upg_data_source_get_name (ds), ==, "ft_db");
  g_assert_cmpstr (upg_data_source_get_provider (ds), ==, "MySQL");
  g_assert_cmpint (upg_data_source_get_dialect (ds), ==, UPG_DIALECT_MYSQL);
  g_assert_cmpuint (upg_data_source_get_port (ds), ==, 3306);
  g_assert_null (upg_data_source_get_socket (ds));
  g_assert_cmpstr (upg_data_source_get_password_env (ds), ==, "UPG_TEST_PW");
  text = upg_data_source_describe (ds);
  g_assert_cmpstr (text, ==, "ft_db (MySQL upgrade@127.0.0.1:3306/ft)");
}

static void
test_postgres_and_socket (void)
{
  g_autoptr(UpgDataSource) pg = parse ("mid", "{\"provider\": \"PostgreSQL\", \"host\": \"h\", "
                                       "\"database\": \"mid\"}", NULL);
  g_autoptr(UpgDataSource) sock = parse ("s", "{\"provider\": \"MariaDB\", \"socket\": "
                                         "\"/run/mysqld/mysqld.sock\", \"user\": \"root\", "
                                         "\"database\": \"ft\", \"port\": 3307}", NULL);
  g_autofree char *a = upg_data_source_describe (pg);
  g_autofree char *b = upg_data_source_describe (sock);

  g_assert_cmpuint (upg_data_source_get_port (pg), ==, 5432);
  g_assert_cmpint (upg_data_source_get_dialect (pg), ==, UPG_DIALECT_POSTGRESQL);
  g_assert_cmpstr (a, ==, "mid (PostgreSQL h:5432/mid)");
  g_assert_cmpstr (upg_data_source_get_provider (sock), ==, "MariaDB");
  g_assert_cmpstr (upg_data_source_get_socket (sock), ==, "/run/mysqld/mysqld.sock");
  g_assert_cmpuint (upg_data_source_get_port (sock), ==, 3307);
  g_assert_cmpstr (b, ==, "s (MariaDB root@unix:/run/mysqld/mysqld.sock/ft)");
}

static void
test_sqlite (void)
{
  g_autoptr(UpgDataSource) rel = parse ("local", "{\"provider\": \"SQLITE\", \"path\": \"data/l.db\"}", NULL);
  g_autoptr(UpgDataSource) made = upg_data_source_new_sqlite ("journal", "/tmp/j.db");
  g_autofree char *text = upg_data_source_describe (made);

  g_assert_cmpstr (upg_data_source_get_path (rel), ==, "/etc/upgrade/data/l.db");
  g_assert_cmpint (upg_data_source_get_dialect (rel), ==, UPG_DIALECT_SQLITE);
  g_assert_cmpuint (upg_data_source_get_port (rel), ==, 0);
  g_assert_cmpstr (text, ==, "journal (SQLite /tmp/j.db)");
}

/* A relative base directory starts at the current directory, like a
 * relative path without one (it used to give a NULL path). */
static void
test_relative_base_dir (void)
{
  g_autoptr(JsonNode) node = json_from_string ("{\"provider\": \"SQLite\", \"path\": "
                                               "\"l.db\"}", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgDataSource) ds = upg_data_source_new_from_json ("local", json_node_get_object (node),
                                                               "conf/../data", &error);
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *expected = g_build_filename (cwd, "data", "l.db", NULL);

  g_assert_no_error (error);
  g_assert_cmpstr (upg_data_source_get_path (ds), ==, expected);
}

static void
test_raw_cnc (void)
{
  g_autoptr(UpgDataSource) raw = parse ("raw", "{\"cnc\": \"MySQL://HOST=127.0.0.1;DB_NAME=x;"
                                        "PASSWORD=hunter2\", \"auth\": \"USERNAME=u;PASSWORD=p\"}", NULL);
  g_autoptr(UpgDataSource) other = parse ("o", "{\"cnc\": \"Oracle://DB_NAME=x\"}", NULL);
  g_autofree char *text = upg_data_source_describe (raw);

  g_assert_cmpstr (upg_data_source_get_provider (raw), ==, "libgda");
  g_assert_cmpint (upg_data_source_get_dialect (raw), ==, UPG_DIALECT_MYSQL);
  g_assert_cmpint (upg_data_source_get_dialect (other), ==, UPG_DIALECT_OTHER);
  g_assert_cmpstr (upg_data_source_get_cnc (raw), ==, "MySQL://HOST=127.0.0.1;DB_NAME=x;PASSWORD=hunter2");
  g_assert_cmpstr (upg_data_source_get_auth (raw), ==, "USERNAME=u;PASSWORD=p");
  g_assert_cmpstr (text, ==, "raw (libgda MySQL://HOST=127.0.0.1;DB_NAME=x)");
  g_assert_null (strstr (text, "hunter2"));
}

static void
test_password_env (void)
{
  g_autoptr(UpgDataSource) ds = parse ("ft_db", "{\"provider\": \"MySQL\", \"host\": \"h\", "
                                       "\"password_env\": \"UPG_TEST_PW_VAR\"}", NULL);
  g_autoptr(UpgDataSource) none = parse ("n", "{\"provider\": \"MySQL\", \"host\": \"h\"}", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *pw = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *nothing = NULL;

  g_unsetenv ("UPG_TEST_PW_VAR");
  missing = upg_data_source_dup_password (ds, &error);
  g_assert_null (missing);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_cmpstr (error->message, ==, "data source 'ft_db': environment variable "
                   "UPG_TEST_PW_VAR (password_env) is not set");
  g_clear_error (&error);

  g_setenv ("UPG_TEST_PW_VAR", "pa55", TRUE);
  pw = upg_data_source_dup_password (ds, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pw, ==, "pa55");
  g_unsetenv ("UPG_TEST_PW_VAR");

  nothing = upg_data_source_dup_password (none, &error);
  g_assert_no_error (error);
  g_assert_null (nothing);
}

static void
test_password_file (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "fixtures", "config", NULL);
  g_autoptr(JsonNode) node = json_from_string ("{\"provider\": \"PostgreSQL\", \"host\": \"h\", "
                                               "\"password_file\": \"secrets/mid.pw\"}", NULL);
  g_autoptr(JsonNode) gone = json_from_string ("{\"provider\": \"PostgreSQL\", \"host\": \"h\", "
                                               "\"password_file\": \"secrets/none.pw\"}", NULL);
  g_autoptr(UpgDataSource) ds = upg_data_source_new_from_json ("mid", json_node_get_object (node), dir, NULL);
  g_autoptr(UpgDataSource) bad = upg_data_source_new_from_json ("mid", json_node_get_object (gone), dir, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *pw = upg_data_source_dup_password (ds, &error);
  g_autofree char *none = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (pw, ==, "s3cret-from-file");
  none = upg_data_source_dup_password (bad, &error);
  g_assert_null (none);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_nonnull (strstr (error->message, "secrets/none.pw"));
}

static void
assert_refused (const char *json,
                const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgDataSource) ds = parse ("ft_db", json, &error);

  g_assert_null (ds);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_errors (void)
{
  assert_refused ("{\"provider\": \"MySQL\", \"host\": \"h\", \"password\": \"hunter2\"}",
                  "data source 'ft_db': $.password: a password in clear is refused: use "
                  "password_env (an environment variable's name) or password_file");
  assert_refused ("{\"provider\": \"Oracle\", \"host\": \"h\"}",
                  "data source 'ft_db': $.provider: expected MySQL, MariaDB, PostgreSQL, "
                  "SQLite, ClickHouse or Redis (or a raw \"cnc\"), got \"Oracle\"");
  assert_refused ("{\"host\": \"h\"}",
                  "data source 'ft_db': $.provider: required member is missing: expected a string");
  assert_refused ("{\"provider\": \"MySQL\", \"host\": \"h\", \"port\": \"3306\"}",
                  "data source 'ft_db': $.port: expected an integer from 0 to 65535, got a string");
  assert_refused ("{\"provider\": \"MySQL\", \"host\": \"h\", \"port\": 70000}",
                  "data source 'ft_db': $.port: expected an integer from 0 to 65535, got 70000");
  assert_refused ("{\"provider\": \"MySQL\", \"database\": \"x\"}",
                  "data source 'ft_db': $: expected \"host\" or \"socket\" for a MySQL server");
  assert_refused ("{\"provider\": \"SQLite\"}",
                  "data source 'ft_db': $.path: required member is missing: expected a string");
  assert_refused ("{\"provider\": \"MySQL\", \"host\": \"h\", \"password_env\": \"A\", "
                  "\"password_file\": \"b\"}",
                  "data source 'ft_db': $: expected at most one of password_env and password_file");
  assert_refused ("{\"cnc\": \"no-scheme\"}",
                  "data source 'ft_db': $.cnc: expected a libgda connection string such as "
                  "\"MySQL://HOST=127.0.0.1;DB_NAME=x\"");
  assert_refused ("{\"cnc\": \"MySQL://HOST=h\", \"provider\": \"MySQL\"}",
                  "data source 'ft_db': $.provider: a raw \"cnc\" data source has provider "
                  "\"libgda\" or none, got \"MySQL\"");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/data-source/mysql-defaults", test_mysql_defaults);
  g_test_add_func ("/data-source/postgres-and-socket", test_postgres_and_socket);
  g_test_add_func ("/data-source/sqlite", test_sqlite);
  g_test_add_func ("/data-source/relative-base-dir", test_relative_base_dir);
  g_test_add_func ("/data-source/raw-cnc", test_raw_cnc);
  g_test_add_func ("/data-source/password-env", test_password_env);
  g_test_add_func ("/data-source/password-file", test_password_file);
  g_test_add_func ("/data-source/errors", test_errors);
  return g_test_run ();
}
