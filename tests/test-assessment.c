/* test-assessment.c - every verdict path of an assessment, on SQLite
 *
 * Each test writes a one-manifest bundle (3.17.5) and a site configuration
 * into a temporary directory, with an SQLite database holding 3 orders of
 * which 2 have no user, and assesses 3.17.4 → 3.17.5.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <upgrade.h>

#include "test-assessment-util.h"

#include "upgradectl-spawn.h"
#include "upg-test-servers.h"

typedef struct
{
  char *dir;
  char *bundle;
  char *database;
  char *config_path;
} Site;

static void
site_setup (Site *site, gconstpointer data)
{
  sqlite3 *db = NULL;
  g_autofree char *config = NULL;
  g_autofree char *sql = NULL;

  site->dir = g_dir_make_tmp ("upg-assess-XXXXXX", NULL);
  site->bundle = g_build_filename (site->dir, "bundle", NULL);
  site->database = g_build_filename (site->dir, "ft.db", NULL);
  site->config_path = g_build_filename (site->dir, "upgrade.json", NULL);

  g_assert_cmpint (sqlite3_open (site->database, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, status TEXT);"
                                 "CREATE INDEX orders_status ON orders (status);"
                                 "INSERT INTO orders VALUES (1, 7, 'open'), (2, NULL, 'open'), (3, NULL, NULL);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  config = g_strdup_printf ("{\"site_id\": \"bj-01\", \"env\": {\"cluster_id\": \"bj-01\"}, \"datasources\": {"
                            "\"ft_db\": {\"provider\": \"SQLite\", \"path\": \"%s\"},"
                            "\"ghost_db\": {\"provider\": \"SQLite\", \"path\": \"%s/ghost.db\"}}}",
                            site->database, site->dir);
  assessment_test_write_file (site->config_path, config);
  sql = g_build_filename (site->bundle, "sql", "a.sql", NULL);
  assessment_test_write_file (sql, "UPDATE orders SET status = 'x';\n");
}

static void
site_teardown (Site *site, gconstpointer data)
{
  assessment_test_remove_dir (site->dir);
  g_free (site->dir);
  g_free (site->bundle);
  g_free (site->database);
  g_free (site->config_path);
}

#define COMPATIBLE_STEP \
  "{\"id\": \"sql_001\", \"name\": \"order status\", \"database\": \"ft_db\", " \
  "\"sql_scripts\": [\"sql/a.sql\"], \"compatible_version\": \"3.17.0\", \"estimated_duration\": 20}"

/* Writes the manifest with @checks (the `checks` object), @steps (the
 * `in_stop` array's elements) and @resources (`required_resources`). */
static void
write_manifest (Site *site, const char *checks, const char *steps, const char *resources)
{
  g_autofree char *path = g_build_filename (site->bundle, "manifests", "3.17.5.json", NULL);
  g_autofree char *manifest = g_strdup_printf (
    "{\"version\": \"3.17.5\", \"component\": \"ft\","
    " \"dependencies\": {\"min_source_version\": \"3.17.0\", \"required_resources\": %s},"
    " \"checks\": %s, \"upgrade_steps\": {\"in_stop\": [%s]}}",
    resources != NULL ? resources : "{\"memory\": \"1MB\", \"disk\": \"1KB\", \"cpu\": \"1cores\"}",
    checks != NULL ? checks : "{}", steps != NULL ? steps : COMPATIBLE_STEP);

  assessment_test_write_file (path, manifest);
}

static UpgAssessment *
assess (Site *site)
{
  g_autoptr(UpgAssessor) assessor = assessment_test_assessor (site->bundle, site->config_path, "3.17.4", "3.17.5");

  upg_assessor_set_disk_path (assessor, site->dir);
  return assessment_test_run (assessor);
}

static UpgCheckResult *
assert_verdict (UpgAssessment *assessment, const char *kind, const char *id, UpgVerdict verdict)
{
  UpgCheckResult *item = assessment_test_find_item (assessment, kind, id);

  g_assert_cmpstr (upg_verdict_to_string (upg_check_result_get_verdict (item)), ==, upg_verdict_to_string (verdict));
  return item;
}

/* The overall verdict and the exit code that goes with it. */
static void
assert_overall (UpgAssessment *assessment, UpgVerdict verdict)
{
  const int exit_codes[] = { [UPG_VERDICT_PASS] = 0, [UPG_VERDICT_WARN] = 4, [UPG_VERDICT_FAIL] = 1 };

  g_assert_cmpstr (upg_verdict_to_string (upg_assessment_get_verdict (assessment)), ==,
                   upg_verdict_to_string (verdict));
  g_assert_cmpint (upg_assessment_exit_code (assessment), ==, exit_codes[verdict]);
}

static gint64
figure (UpgCheckResult *item, const char *name)
{
  return json_object_get_int_member (upg_check_result_get_figures (item), name);
}

#define RULE(severity, sql) \
  "{\"data_quality\": [{\"id\": \"null_user\", \"name\": \"orders without user\", \"database\": \"ft_db\"," \
  " \"sql\": \"" sql "\", \"threshold\": 0, \"severity\": \"" severity "\"," \
  " \"min_version\": \"3.17.0\", \"max_version\": \"3.17.9\", \"suggestion\": \"UPDATE orders SET user_id=0;\"}]}"
#define NULL_USERS "SELECT COUNT(*) FROM orders WHERE user_id IS NULL"

static void
test_pass (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  g_autofree char *audit = NULL, *contents = NULL, *config = NULL, *disk_id = NULL;
  g_autofree char *canonical_dir = g_canonicalize_filename (site->dir, NULL);
  UpgCheckResult *item, *total;
  gsize length = 0;

  write_manifest (site,
                  "{\"data_quality\": [{\"id\": \"dup\", \"database\": \"ft_db\","
                  "  \"sql\": \"SELECT COUNT(*) FROM orders WHERE id > 100\", \"threshold\": 0}],"
                  " \"middleware\": [{\"database\": \"ft_db\", \"min_version\": \"3.0\"}],"
                  " \"backup_tables\": [{\"database\": \"ft_db\", \"tables\": [\"orders\"]},"
                  "  {\"database\": \"audit_db\", \"tables\": [\"orders\"]}]}",
                  NULL, NULL);
  /* A second database, a copy of the first. */
  audit = g_build_filename (site->dir, "audit.db", NULL);
  g_assert_true (g_file_get_contents (site->database, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (audit, contents, length, NULL));
  config = g_strdup_printf ("{\"site_id\": \"bj-01\", \"datasources\": {"
                            "\"ft_db\": {\"provider\": \"SQLite\", \"path\": \"%s\"},"
                            "\"audit_db\": {\"provider\": \"SQLite\", \"path\": \"%s\"}}}",
                            site->database, audit);
  assessment_test_write_file (site->config_path, config);
  assessment = assess (site);

  assert_overall (assessment, UPG_VERDICT_PASS);
  g_assert_cmpint (upg_assessment_get_mode (assessment), ==, UPG_PLAN_MODE_ROLLING);
  assert_verdict (assessment, "data_quality", "dup", UPG_VERDICT_PASS);
  assert_verdict (assessment, "middleware", "middleware:ft_db", UPG_VERDICT_PASS);
  assert_verdict (assessment, "compatibility", "mode", UPG_VERDICT_PASS);
  assert_verdict (assessment, "resource", "memory", UPG_VERDICT_PASS);
  assert_verdict (assessment, "resource", "cpus", UPG_VERDICT_PASS);

  /* Backup space: the table and its index measured, × 1.5, free ≥ 2 ×. */
  item = assert_verdict (assessment, "resource", "backup:ft_db", UPG_VERDICT_PASS);
  g_assert_cmpint (figure (item, "data_bytes"), >=, 4096);
  g_assert_cmpint (figure (item, "index_bytes"), >=, 4096);
  g_assert_cmpint (figure (item, "backup_bytes"), ==,
                   (gint64) ((figure (item, "data_bytes") + figure (item, "index_bytes")) * 1.5));
  g_assert_cmpint (figure (item, "required_free_bytes"), ==, 2 * figure (item, "backup_bytes"));
  /* Both backups share the disk: their sum is checked, by one item for
   * the disk path. */
  disk_id = g_strconcat ("disk:", canonical_dir, NULL);
  total = assert_verdict (assessment, "resource", disk_id, UPG_VERDICT_PASS);
  g_assert_cmpint (figure (total, "backup_bytes"), ==,
                   figure (item, "backup_bytes")
                   + figure (assessment_test_find_item (assessment, "resource", "backup:audit_db"), "backup_bytes"));
  g_assert_cmpint (figure (total, "required_bytes"), ==, 2 * figure (total, "backup_bytes"));
}

static void
test_rule_warn (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (site, RULE ("warn", NULL_USERS), NULL, NULL);
  assessment = assess (site);
  item = assert_verdict (assessment, "data_quality", "null_user", UPG_VERDICT_WARN);
  g_assert_cmpint (figure (item, "threshold"), ==, 0);
  g_assert_cmpstr (upg_check_result_get_message (item), ==, "2 rows found, threshold 0");
  g_assert_cmpstr (upg_check_result_get_suggestion (item), ==, "UPDATE orders SET user_id=0;");
  assert_overall (assessment, UPG_VERDICT_WARN);
}

static void
test_rule_fail (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;

  write_manifest (site, RULE ("fail", NULL_USERS), NULL, NULL);
  assessment = assess (site);

  assert_verdict (assessment, "data_quality", "null_user", UPG_VERDICT_FAIL);
  assert_overall (assessment, UPG_VERDICT_FAIL);
}

static void
test_rule_threshold (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;

  /* Two offending rows with threshold 2: count ≤ threshold passes. */
  write_manifest (site,
                  "{\"data_quality\": [{\"id\": \"null_user\", \"database\": \"ft_db\", \"sql\": \"" NULL_USERS "\","
                  " \"threshold\": 2, \"severity\": \"fail\"}]}", NULL, NULL);
  assessment = assess (site);
  assert_verdict (assessment, "data_quality", "null_user", UPG_VERDICT_PASS);
  assert_overall (assessment, UPG_VERDICT_PASS);
}

static void
test_rule_out_of_range (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  /* A failing rule for 2.x: not run, skipped, not a verdict. */
  write_manifest (site,
                  "{\"data_quality\": [{\"id\": \"old\", \"database\": \"ft_db\", \"sql\": \"" NULL_USERS "\","
                  " \"severity\": \"fail\", \"min_version\": \"2.0.0\", \"max_version\": \"2.9.9\"},"
                  " {\"id\": \"to_side\", \"database\": \"ft_db\", \"sql\": \"SELECT 0\","
                  " \"min_version\": \"3.17.5\", \"max_version\": \"3.18.0\"}]}", NULL, NULL);
  assessment = assess (site);
  item = assert_verdict (assessment, "data_quality", "old", UPG_VERDICT_SKIPPED);
  g_assert_cmpstr (upg_check_result_get_message (item), ==,
                   "not run: neither 3.17.4 nor 3.17.5 lies in [2.0.0, 2.9.9]");
  /* Only `to` in range is enough to run. */
  assert_verdict (assessment, "data_quality", "to_side", UPG_VERDICT_PASS);
  assert_overall (assessment, UPG_VERDICT_PASS);
}

static void
test_missing_database (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  g_autofree char *ghost = g_build_filename (site->dir, "ghost.db", NULL);
  UpgCheckResult *item;

  write_manifest (site,
                  "{\"data_quality\": [{\"id\": \"ghost\", \"database\": \"ghost_db\", \"sql\": \"SELECT 5\"},"
                  " {\"id\": \"elsewhere\", \"database\": \"not_here\", \"sql\": \"SELECT 5\"}],"
                  " \"middleware\": [{\"database\": \"ghost_db\", \"min_version\": \"3.0\"}]}", NULL, NULL);
  assessment = assess (site);

  item = assert_verdict (assessment, "data_quality", "ghost", UPG_VERDICT_SKIPPED);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "does not exist"));
  item = assert_verdict (assessment, "data_quality", "elsewhere", UPG_VERDICT_SKIPPED);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "not configured"));
  assert_verdict (assessment, "middleware", "middleware:ghost_db", UPG_VERDICT_SKIPPED);
  /* Checking must not create the database. */
  g_assert_false (g_file_test (ghost, G_FILE_TEST_EXISTS));
  assert_overall (assessment, UPG_VERDICT_PASS);
}

/* A port on 127.0.0.1 that accepts every connection and closes it at
 * once, counting them: a database server that never answers. */
typedef struct
{
  GSocket *listener;
  guint16  port;
  GThread *thread;
  gint     accepted;   /* atomic */
  gint     stop;       /* atomic */
} ClosingPort;

static gpointer
closing_port_main (gpointer data)
{
  ClosingPort *p = data;

  while (TRUE)
    {
      g_autoptr(GSocket) client = g_socket_accept (p->listener, NULL, NULL);

      if (client == NULL || g_atomic_int_get (&p->stop))
        return NULL;
      g_atomic_int_inc (&p->accepted);
      g_socket_close (client, NULL);
    }
}

static void
closing_port_start (ClosingPort *p)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  p->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (p->listener, any, TRUE, &error) && g_socket_listen (p->listener, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (p->listener, &error);
  g_assert_no_error (error);
  p->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  p->accepted = p->stop = 0;
  p->thread = g_thread_new ("closing-port", closing_port_main, p);
}

/* Stops the thread (a last connection wakes its accept) and returns how
 * many connections it had closed. */
static guint
closing_port_stop (ClosingPort *p)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) wake = NULL;

  /* A loopback port: no system proxy (http_proxy, libproxy) applies. */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_atomic_int_set (&p->stop, 1);
  wake = g_socket_client_connect_to_host (client, "127.0.0.1", p->port, NULL, NULL);
  g_thread_join (p->thread);
  g_socket_close (p->listener, NULL);
  g_clear_object (&p->listener);
  return (guint) g_atomic_int_get (&p->accepted);
}

static void
test_unreachable (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  g_autofree char *config = NULL;
  ClosingPort port;
  gint64 start;
  double seconds;
  UpgCheckResult *item;

  closing_port_start (&port);
  config = g_strdup_printf ("{\"site_id\": \"bj-01\", \"datasources\": {\"down_db\": {\"provider\": \"MySQL\","
                            " \"host\": \"127.0.0.1\", \"port\": %u, \"database\": \"ft\","
                            " \"user\": \"upgrade\"}}}", port.port);
  assessment_test_write_file (site->config_path, config);
  write_manifest (site,
                  "{\"data_quality\": [{\"id\": \"a\", \"database\": \"down_db\", \"sql\": \"SELECT 0\"},"
                  " {\"id\": \"b\", \"database\": \"down_db\", \"sql\": \"SELECT 0\"}]}", NULL, NULL);
  start = g_get_monotonic_time ();
  assessment = assess (site);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  /* Retried 3 times with back-off (0.5 + 1 + 2 s), then both rules fail
   * with the connection error: the source is opened once (4 connections),
   * not once per rule (8). */
  item = assert_verdict (assessment, "data_quality", "a", UPG_VERDICT_FAIL);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "after 4 attempts"));
  item = assert_verdict (assessment, "data_quality", "b", UPG_VERDICT_FAIL);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "after 4 attempts"));
  g_assert_cmpuint (closing_port_stop (&port), ==, 4);
  g_test_message ("assessment with an unreachable database took %.1f s", seconds);
  g_assert_cmpfloat (seconds, >=, 3.5);
}

static void
test_sql_error (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (site, RULE ("warn", "SELECT COUNT(*) FROM no_such_table"), NULL, NULL);
  assessment = assess (site);
  /* Fails whatever the rule's severity, with the database's own message. */
  item = assert_verdict (assessment, "data_quality", "null_user", UPG_VERDICT_FAIL);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "no such table: no_such_table"));
  assert_overall (assessment, UPG_VERDICT_FAIL);
}

static void
test_invalid_rule (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (site,
                  "{\"data_quality\": [{\"id\": \"bad\", \"database\": \"ft_db\", \"sql\": \"SELECT 0\","
                  " \"severity\": \"maybe\"}, 42]}", NULL, NULL);
  assessment = assess (site);
  item = assert_verdict (assessment, "data_quality", "bad", UPG_VERDICT_FAIL);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "$.checks.data_quality[0].severity"));
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "'maybe'"));
  item = assert_verdict (assessment, "data_quality", "$.checks.data_quality[1]", UPG_VERDICT_FAIL);
}

static void
test_incompatible (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (site, NULL,
                  COMPATIBLE_STEP ", {\"id\": \"sql_002\", \"name\": \"order index\", \"database\": \"ft_db\","
                  " \"sql_scripts\": [\"sql/a.sql\"], \"estimated_duration\": 10},"
                  " {\"id\": \"sql_003\", \"database\": \"ft_db\", \"sql_scripts\": [\"sql/a.sql\"],"
                  " \"compatible_version\": \"3.17.5\", \"estimated_duration\": 10}", NULL);
  assessment = assess (site);

  g_assert_cmpint (upg_assessment_get_mode (assessment), ==, UPG_PLAN_MODE_STOP_SERVICE);
  item = assert_verdict (assessment, "compatibility", "sql_002", UPG_VERDICT_WARN);
  g_assert_cmpstr (upg_check_result_get_name (item), ==, "order index");
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "step sql_002 (3.17.5) needs the service stopped: "));
  g_assert_nonnull (upg_check_result_get_suggestion (item));
  assert_verdict (assessment, "compatibility", "sql_003", UPG_VERDICT_WARN);
  assert_overall (assessment, UPG_VERDICT_WARN);
}

static void
test_resources_insufficient (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (site, NULL, NULL, "{\"memory\": \"4096TB\", \"disk\": \"4096TB\", \"cpu\": \"100000cores\"}");
  assessment = assess (site);

  item = assert_verdict (assessment, "resource", "memory", UPG_VERDICT_FAIL);
  g_assert_cmpint (figure (item, "required"), ==, G_GINT64_CONSTANT (4096) << 40);
  g_assert_nonnull (upg_check_result_get_suggestion (item));
  assert_verdict (assessment, "resource", "disk", UPG_VERDICT_FAIL);
  assert_verdict (assessment, "resource", "cpus", UPG_VERDICT_FAIL);
  assert_overall (assessment, UPG_VERDICT_FAIL);
}

static void
test_middleware_old (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;
  const char *message;

  write_manifest (site, "{\"middleware\": [{\"database\": \"ft_db\", \"min_version\": \"99.1\"}]}", NULL, NULL);
  assessment = assess (site);
  item = assert_verdict (assessment, "middleware", "middleware:ft_db", UPG_VERDICT_FAIL);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (upg_check_result_get_figures (item), "version"), "3."));
  /* No maximum asked: the line says "at least", not "… to …". */
  message = upg_check_result_get_message (item);
  if (strstr (message, "; required: at least 99.1 (asked by ") == NULL || strstr (message, "…") != NULL)
    g_error ("the requirement reads '%s'", message);
}

static void
test_long_steps (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (site, NULL,
                  "{\"id\": \"big\", \"class_name\": \"X\", \"compatible_version\": \"3.17.0\","
                  " \"data_volume\": \"100GB\", \"rate\": \"50MB/s\", \"parallelism\": 4}", NULL);
  assessment = assess (site);

  /* A 512 s in_stop step delays the opening: a warning with a suggestion. */
  item = assert_verdict (assessment, "duration", "big", UPG_VERDICT_WARN);
  g_assert_cmpint (figure (item, "seconds"), ==, 512);
  g_assert_nonnull (strstr (upg_check_result_get_suggestion (item), "parallelism"));
  item = assessment_test_find_item (assessment, "duration", "total");
  g_assert_cmpint (figure (item, "total_seconds"), ==, 512);
  /* A step that converts 100 GB in place keeps no second copy: no
   * double-write item (it made a held-out assessment FAIL before). */
  g_assert_null (assessment_test_lookup_item (assessment, "resource", "double_write"));
}

/* Only `"double_write": true` steps count, and the item names them and the
 * disk it measured. */
static void
test_double_write (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;
  const char *steps;

  write_manifest (site, NULL,
                  "{\"id\": \"convert\", \"class_name\": \"X\", \"compatible_version\": \"3.17.0\","
                  " \"data_volume\": \"100GB\"},"
                  "{\"id\": \"copy_orders\", \"class_name\": \"Y\", \"compatible_version\": \"3.17.0\","
                  " \"data_volume\": \"2GB\", \"double_write\": true}", NULL);
  assessment = assess (site);

  item = assessment_test_find_item (assessment, "resource", "double_write");
  g_assert_nonnull (item);
  /* 2 GiB × 2 + 15 %: the 100 GB conversion is not counted. */
  g_assert_cmpint (figure (item, "required"), ==, (gint64) (G_GINT64_CONSTANT (2) * 1024 * 1024 * 1024 * 2 * 1.15));
  g_assert_cmpint (figure (item, "data_volume"), ==, G_GINT64_CONSTANT (2) * 1024 * 1024 * 1024);
  steps = json_object_get_string_member (upg_check_result_get_figures (item), "steps");
  g_assert_cmpstr (steps, ==, "copy_orders (3.17.5)");
  g_assert_cmpstr (json_object_get_string_member (upg_check_result_get_figures (item), "path"), ==, site->dir);
  g_assert_nonnull (strstr (upg_check_result_get_name (item), "copy_orders (3.17.5)"));
  g_assert_nonnull (strstr (upg_check_result_get_name (item), site->dir));
  g_assert_nonnull (strstr (upg_check_result_get_message (item), site->dir));
}

static void
test_json (Site *site, gconstpointer data)
{
  static const char * const item_members[] = {
    "check", "id", "name", "verdict", "message", "suggestion", "figures",
  };
  g_autoptr(UpgAssessment) assessment = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  JsonObject *root, *estimate;
  JsonArray *items, *stages;

  write_manifest (site, RULE ("warn", NULL_USERS), NULL, NULL);
  assessment = assess (site);
  node = upg_assessment_to_json (assessment);
  root = json_node_get_object (node);

  g_assert_cmpstr (json_object_get_string_member (root, "verdict"), ==, "warn");
  g_assert_cmpstr (json_object_get_string_member (root, "mode"), ==, "rolling");
  items = json_object_get_array_member (root, "items");
  g_assert_cmpuint (json_array_get_length (items), ==, upg_assessment_get_items (assessment)->len);
  for (guint i = 0; i < json_array_get_length (items); i++)
    for (guint m = 0; m < G_N_ELEMENTS (item_members); m++)
      g_assert_true (json_object_has_member (json_array_get_object_element (items, i), item_members[m]));
  /* Items come grouped by check, resource first. */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "check"), ==, "resource");
  estimate = json_object_get_object_member (root, "estimate");
  stages = json_object_get_array_member (estimate, "stages");
  g_assert_cmpuint (json_array_get_length (stages), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (stages, 0), "stage"), ==, "in_stop");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (stages, 0), "seconds"), ==, 20);
  g_assert_cmpint (json_object_get_int_member (estimate, "total_seconds"), ==, 20);

  text = upg_assessment_render (assessment, UPG_REPORT_FORMAT_TEXT);
  g_assert_nonnull (strstr (text, "[WARN] data_quality orders without user: 2 rows found, threshold 0\n"));
}

static void
on_assessed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  UpgAssessment **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = upg_assessor_run_finish (UPG_ASSESSOR (source), result, &error);
  g_assert_no_error (error);
}

static void
test_async (Site *site, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgBundle) bundle = NULL;
  g_autoptr(UpgConfig) config = NULL;
  g_autoptr(UpgVersion) from = upg_version_parse ("3.17.4", NULL);
  g_autoptr(UpgVersion) to = upg_version_parse ("3.17.5", NULL);
  g_autoptr(UpgPlan) plan = NULL;
  g_autoptr(UpgAssessor) assessor = NULL;
  g_autoptr(UpgAssessment) assessment = NULL;

  write_manifest (site, RULE ("fail", NULL_USERS), NULL, NULL);
  bundle = upg_bundle_new_for_path (site->bundle, &error);
  g_assert_no_error (error);
  config = upg_config_new_from_file (site->config_path, &error);
  g_assert_no_error (error);
  plan = upg_plan_new (bundle, from, to, NULL, &error);
  g_assert_no_error (error);
  assessor = upg_assessor_new (plan, config);
  upg_assessor_run_async (assessor, NULL, on_assessed, &assessment);
  while (assessment == NULL)
    g_main_context_iteration (NULL, TRUE);
  assert_overall (assessment, UPG_VERDICT_FAIL);
}

static void
test_cli (Site *site, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  int status;

  write_manifest (site, RULE ("fail", NULL_USERS), NULL, NULL);
  status = upgradectl_spawn (NULL, &out, "-b", site->bundle, "-c", site->config_path, "--json",
                             "assess", "--from", "3.17.4", "--to", "3.17.5", "--env", "{\"k\": 1}", NULL);
  g_assert_cmpint (status, ==, 1);
  node = json_from_string (out, &error);
  g_assert_no_error (error);
  root = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (root, "verdict"), ==, "fail");
  g_assert_cmpstr (json_object_get_string_member (root, "mode"), ==, "rolling");
  g_assert_true (json_object_has_member (json_object_get_object_member (root, "estimate"), "total_seconds"));
  g_clear_pointer (&out, g_free);

  /* Human output, and the exit code of a warning. */
  write_manifest (site, RULE ("warn", NULL_USERS), NULL, NULL);
  status = upgradectl_spawn (NULL, &out, "-b", site->bundle, "-c", site->config_path,
                             "assess", "--from", "3.17.4", "--to", "3.17.5", NULL);
  g_assert_cmpint (status, ==, 4);
  g_assert_true (g_str_has_prefix (out, "Upgrade assessment 3.17.4 → 3.17.5: WARN (mode: rolling upgrade)\n"));
  g_assert_nonnull (strstr (out, "[WARN] data_quality orders without user: 2 rows found, threshold 0\n"));
  g_clear_pointer (&out, g_free);

  write_manifest (site, NULL, NULL, NULL);
  g_assert_cmpint (upgradectl_spawn (NULL, &out, "-b", site->bundle, "-c", site->config_path,
                                     "assess", "--from", "3.17.4", "--to", "3.17.5", "--format", "html", NULL),
                   ==, 0);
  g_assert_true (g_str_has_prefix (out, "<!DOCTYPE html>"));
  g_clear_pointer (&out, g_free);

  /* Bad input is exit 2 with the JSON error document. */
  g_assert_cmpint (upgradectl_spawn (NULL, &out, "-b", site->bundle, "-c", site->config_path, "--json",
                                     "assess", "--from", "x.y", "--to", "3.17.5", NULL), ==, 2);
  g_assert_nonnull (strstr (out, "\"error\""));
}

static void
test_cli_chinese (Site *site, gconstpointer data)
{
  g_autofree char *out = NULL;
  int status;

  write_manifest (site, RULE ("warn", NULL_USERS), NULL, NULL);
  status = upgradectl_spawn ("zh_CN.UTF-8", &out, "-b", site->bundle, "-c", site->config_path,
                             "assess", "--from", "3.17.4", "--to", "3.17.5", NULL);
  g_assert_cmpint (status, ==, 4);
  /* The mode as `plan` names it, Chinese punctuation throughout. */
  g_assert_true (g_str_has_prefix (out, "升级评估 3.17.4 → 3.17.5：WARN（模式：滚动升级）\n"));
  g_assert_nonnull (strstr (out, "[WARN] data_quality orders without user：发现 2 行，阈值 0\n"));
  g_assert_null (strstr (out, "rolling"));
  g_assert_nonnull (strstr (out, "预估："));
}

/* A rule's `name[zh_CN]` and `suggestion[zh_CN]` are read under zh_CN, in
 * the text and the JSON output alike; other locales keep the plain texts;
 * a `name[…]` that names no locale fails validation, naming the field. */
#define ZH_RULE(key) \
  "{\"data_quality\": [{\"id\": \"null_user\", \"name\": \"orders without user\"," \
  " \"" key "\": \"没有用户的订单\", \"database\": \"ft_db\", \"sql\": \"" NULL_USERS "\"," \
  " \"severity\": \"warn\", \"suggestion\": \"fix them\", \"suggestion[zh_CN]\": \"请修正\"}]}"

static void
test_cli_localized_rule (Site *site, gconstpointer data)
{
  const char *base[] = { "-b", site->bundle, "-c", site->config_path };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *item = NULL;
  JsonArray *items;

  write_manifest (site, ZH_RULE ("name[zh_CN]"), NULL, NULL);
  g_assert_cmpint (upgradectl_spawn ("zh_CN.UTF-8", &out, base[0], base[1], base[2], base[3],
                                     "assess", "--from", "3.17.4", "--to", "3.17.5", NULL), ==, 4);
  g_assert_nonnull (strstr (out, "[WARN] data_quality 没有用户的订单：发现 2 行，阈值 0\n"));
  g_assert_nonnull (strstr (out, "请修正"));
  g_assert_null (strstr (out, "orders without user"));
  g_assert_null (strstr (out, "fix them"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (upgradectl_spawn ("zh_CN.UTF-8", &out, base[0], base[1], base[2], base[3], "--json",
                                     "assess", "--from", "3.17.4", "--to", "3.17.5", NULL), ==, 4);
  node = json_from_string (out, NULL);
  g_assert_nonnull (node);
  items = json_object_get_array_member (json_node_get_object (node), "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (items, i), "id"), "null_user"))
      item = json_array_get_object_element (items, i);
  g_assert_nonnull (item);
  g_assert_cmpstr (json_object_get_string_member (item, "name"), ==, "没有用户的订单");
  g_assert_cmpstr (json_object_get_string_member (item, "suggestion"), ==, "请修正");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (upgradectl_spawn (NULL, &out, base[0], base[1], base[2], base[3],
                                     "assess", "--from", "3.17.4", "--to", "3.17.5", NULL), ==, 4);
  g_assert_nonnull (strstr (out, "[WARN] data_quality orders without user: 2 rows found, threshold 0\n"));
  g_assert_nonnull (strstr (out, "fix them"));
  g_assert_null (strstr (out, "没有用户的订单"));
  g_clear_pointer (&out, g_free);

  write_manifest (site, ZH_RULE ("name[zh-CN]"), NULL, NULL);
  g_assert_cmpint (upgradectl_spawn_stderr (NULL, &out, &err, base[0], base[1], "validate", NULL), ==, 2);
  g_test_message ("validate: %s", out);
  g_assert_nonnull (strstr (out, "3.17.5.json: $.checks.data_quality[0].name[zh-CN]: 'zh-CN' is not a locale"));
}

/* Real servers ------------------------------------------------------------ */

/* Lets the test user see every database, as an upgrade account usually
 * can: MariaDB then answers 1049 "Unknown database" for one that does not
 * exist, instead of 1044 "Access denied" (which hides whether it does). */
static void
grant_global (UpgTestServer *server)
{
  g_autofree char *socket = g_strconcat ("--socket=", upg_test_server_get_socket (server), NULL);
  const char *argv[] = { "mariadb", "--no-defaults", socket, "--user=root", "-e",
                         "GRANT ALL ON *.* TO 'upgrade'@'127.0.0.1'; GRANT ALL ON *.* TO 'upgrade'@'localhost'",
                         NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &err,
                               &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("cannot grant as root: %s", err);
}

/* The server's data source with another database name. */
static char *
data_source_for (UpgTestServer *server, const char *database)
{
  g_autofree char *json = upg_test_server_datasource_json (server, UPG_TEST_PASSWORD_ENV, FALSE);
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  if (database != NULL)
    json_object_set_string_member (json_node_get_object (node), "database", database);
  return json_to_string (node, FALSE);
}

static void
assess_server (Site *site, UpgTestServerKind kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgTestServer) server = upg_test_server_start (kind, &error);
  g_autofree char *ft = NULL, *ghost = NULL, *config = NULL;
  g_autoptr(UpgDataSource) source = NULL;
  g_autoptr(UpgConnection) conn = NULL;
  g_autoptr(UpgAssessment) assessment = NULL;
  gboolean mariadb = kind == UPG_TEST_SERVER_MARIADB;
  UpgCheckResult *item;

  g_assert_no_error (error);
  if (mariadb)
    grant_global (server);
  ft = data_source_for (server, NULL);
  ghost = data_source_for (server, "no_such_database");
  source = upg_test_data_source_from_json ("ft_db", ft);
  conn = upg_data_source_open (source, NULL, &error);
  g_assert_no_error (error);
  upg_test_exec_ok (conn, "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, status VARCHAR(20))", 0);
  upg_test_exec_ok (conn, "CREATE INDEX orders_status ON orders (status)", 0);
  upg_test_exec_ok (conn, "INSERT INTO orders VALUES (1, 7, 'open'), (2, NULL, 'open'), (3, NULL, NULL)", 3);

  config = g_strdup_printf ("{\"site_id\": \"bj-01\", \"datasources\": {\"ft_db\": %s, \"ghost_db\": %s}}",
                            ft, ghost);
  assessment_test_write_file (site->config_path, config);
  write_manifest (site,
                  mariadb
                  ? "{\"data_quality\": ["
                    " {\"id\": \"null_user\", \"database\": \"ft_db\", \"sql\": \"" NULL_USERS "\", \"severity\": \"warn\"},"
                    " {\"id\": \"broken\", \"database\": \"ft_db\", \"sql\": \"SELECT COUNT(*) FROM no_such_table\"},"
                    " {\"id\": \"ghost\", \"database\": \"ghost_db\", \"sql\": \"SELECT 1\"}],"
                    " \"middleware\": [{\"database\": \"ft_db\", \"min_version\": \"10.5\"}],"
                    " \"backup_tables\": [{\"database\": \"ft_db\", \"tables\": [\"orders\", \"gone\"]}]}"
                  : "{\"data_quality\": ["
                    " {\"id\": \"null_user\", \"database\": \"ft_db\", \"sql\": \"" NULL_USERS "\", \"severity\": \"warn\"},"
                    " {\"id\": \"broken\", \"database\": \"ft_db\", \"sql\": \"SELECT COUNT(*) FROM no_such_table\"},"
                    " {\"id\": \"ghost\", \"database\": \"ghost_db\", \"sql\": \"SELECT 1\"}],"
                    " \"middleware\": [{\"database\": \"ft_db\", \"min_version\": \"13\", \"max_version\": \"99\"}],"
                    " \"backup_tables\": [{\"database\": \"ft_db\", \"tables\": [\"orders\", \"gone\"]}]}",
                  NULL, NULL);
  assessment = assess (site);

  item = assert_verdict (assessment, "data_quality", "null_user", UPG_VERDICT_WARN);
  g_assert_cmpstr (upg_check_result_get_message (item), ==, "2 rows found, threshold 0");
  /* The server's own error text, whatever the rule's severity. */
  item = assert_verdict (assessment, "data_quality", "broken", UPG_VERDICT_FAIL);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), mariadb ? "doesn't exist" : "does not exist"));
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "no_such_table"));
  item = assert_verdict (assessment, "data_quality", "ghost", UPG_VERDICT_SKIPPED);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "no_such_database"));
  item = assert_verdict (assessment, "middleware", "middleware:ft_db", UPG_VERDICT_PASS);
  /* Table and index sizes from the server's catalogue; a missing table warns. */
  item = assert_verdict (assessment, "resource", "backup:ft_db", UPG_VERDICT_WARN);
  g_assert_cmpint (figure (item, "data_bytes"), >, 0);
  g_assert_cmpint (figure (item, "index_bytes"), >, 0);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "tables not found: gone"));
  assert_overall (assessment, UPG_VERDICT_FAIL);
}

static void
test_mariadb (Site *site, gconstpointer data)
{
  assess_server (site, UPG_TEST_SERVER_MARIADB);
}

static void
test_postgresql (Site *site, gconstpointer data)
{
  assess_server (site, UPG_TEST_SERVER_POSTGRESQL);
}

int
main (int argc, char *argv[])
{
  /* `--db` selects the cases that start database servers (suite "db");
   * g_test_init() leaves the unknown option alone. */
  gboolean db = g_strv_contains ((const char * const *) argv, "--db");

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Site, NULL, site_setup, func, site_teardown)
  if (db)
    {
      ADD ("/assessment/mariadb", test_mariadb);
      ADD ("/assessment/postgresql", test_postgresql);
      return g_test_run ();
    }
  ADD ("/assessment/pass", test_pass);
  ADD ("/assessment/rule/warn", test_rule_warn);
  ADD ("/assessment/rule/fail", test_rule_fail);
  ADD ("/assessment/rule/threshold", test_rule_threshold);
  ADD ("/assessment/rule/out-of-range", test_rule_out_of_range);
  ADD ("/assessment/rule/missing-database", test_missing_database);
  ADD ("/assessment/rule/sql-error", test_sql_error);
  ADD ("/assessment/rule/unreachable", test_unreachable);
  ADD ("/assessment/rule/invalid", test_invalid_rule);
  ADD ("/assessment/incompatible", test_incompatible);
  ADD ("/assessment/resources-insufficient", test_resources_insufficient);
  ADD ("/assessment/middleware-old", test_middleware_old);
  ADD ("/assessment/long-steps", test_long_steps);
  ADD ("/assessment/double-write", test_double_write);
  ADD ("/assessment/json", test_json);
  ADD ("/assessment/async", test_async);
  ADD ("/assessment/cli", test_cli);
  ADD ("/assessment/cli/zh_CN", test_cli_chinese);
  ADD ("/assessment/cli/localized-rule", test_cli_localized_rule);
#undef ADD

  return g_test_run ();
}
