/* test-redis-steps.c - `redis` and `redis_delete_pattern` steps run by
 * upgradectl on a real, throwaway redis-server: journaled commands, the
 * breakpoint on an error reply, resume, kill -9 during a pattern delete
 * and around a non-idempotent command, an unreachable server and a wrong
 * password, a plugin's command through its UpgContext, and what validate
 * refuses
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Kills are deterministic: the crash hook (UPGRADE_TEST_CRASH_AT =
 * "<n-th command sent>:<point>") counts each command and each UNLINK
 * batch, never time.
 */
#include "config.h"

#include <string.h>

#include "exec-test-util.h"
#include "upg-test-redis.h"

#define FROM "1.0.0"
#define TO "1.1.0"

static UpgTestRedis *server;
static GError *start_error;

/* The fixture of every test: a site whose data source "cache" is the
 * test server (db 0, emptied first) and "app" an SQLite file; @steps (the
 * test's data) is the post_start stage of the manifest. */
static void
site_init (ExecFixture   *fx,
           gconstpointer  steps)
{
  g_autofree char *redis = upg_test_redis_datasource_json (server, TRUE, 0);
  g_autofree char *app = NULL;
  g_autofree char *sources = NULL;
  g_autofree char *stages = g_strdup_printf ("\"post_start\": [%s]", (const char *) steps);

  g_assert_no_error (start_error);
  g_free (upg_test_redis_run (server, "FLUSHDB", NULL));
  exec_fixture_init (fx);
  app = exec_fixture_sqlite_source (fx, "app.db");
  sources = g_strdup_printf ("\"cache\": %s, \"app\": %s", redis, app);
  exec_fixture_write_config (fx, "site-1", sources);
  exec_fixture_write_manifest (fx, TO, stages, NULL);
}

static void
site_clear (ExecFixture   *fx,
            gconstpointer  steps)
{
  exec_fixture_clear (fx);
}

/* Runs post_start with @env (name, value pairs) added to upgradectl's
 * environment; the printed JSON goes to @doc unless the run was killed. */
static int
run_post_start_env (ExecFixture        *fx,
                    const char * const *env,
                    JsonNode          **doc)
{
  g_autofree char *out = NULL;
  /* The steps here declare no compatible_version: they need confirming. */
  int status = exec_fixture_cli (fx, env, &out, "--json", "run", "--from", FROM, "--to", TO,
                                 "--stage", "post_start", "--confirm", NULL);

  g_test_message ("run: %s", out);
  if (doc != NULL && !exec_fixture_cli_killed (status))
    {
      g_autoptr(GError) error = NULL;
      *doc = json_from_string (out, &error);
      g_assert_no_error (error);
    }
  return status;
}

/* @hook: the crash point (UPGRADE_TEST_CRASH_AT), or %NULL */
static int
run_post_start (ExecFixture *fx,
                const char  *hook,
                JsonNode   **doc)
{
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", hook, NULL };

  return run_post_start_env (fx, hook != NULL ? env : NULL, doc);
}

static int
resume (ExecFixture *fx,
        const char  *execution,
        const char  *action,
        JsonNode   **doc)
{
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = exec_fixture_cli (fx, NULL, &out, "--json", "resume", execution, action, NULL);

  g_test_message ("resume %s: %s", action, out);
  *doc = json_from_string (out, &error);
  g_assert_no_error (error);
  return status;
}

static char *
get (const char *key)
{
  return upg_test_redis_run (server, "GET", key, NULL);
}

static JsonObject *
breakpoint_of (JsonNode *doc)
{
  return json_object_get_object_member (json_node_get_object (doc), "breakpoint");
}

static const char *
execution_of (JsonNode *doc)
{
  return json_object_get_string_member (json_node_get_object (doc), "execution_id");
}

/* The affected rows of the SUCCESS record of @sequence. */
static gint64
success_rows (ExecFixture *fx,
              const char  *execution_id,
              guint        sequence)
{
  g_autofree char *path = g_build_filename (fx->state, "journal.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (path, &error);
  g_autoptr(JsonArray) records = upg_journal_list_statements (journal, execution_id, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *r = json_array_get_object_element (records, i);

      if (json_object_get_int_member (r, "sequence") == sequence
          && g_strcmp0 (json_object_get_string_member (r, "status"), "SUCCESS") == 0)
        return json_object_get_int_member (r, "affected_rows");
    }
  g_assert_not_reached ();
}

#define STEPS_BASIC \
  "{\"id\": \"warm\", \"database\": \"cache\", \"redis\": [[\"SET\", \"v:k\", \"one two\"], " \
  "[\"HSET\", \"v:h\", \"f\", \"x\"], [\"DEL\", \"v:gone\"], [\"INCR\", \"v:n\"]]}, " \
  "{\"id\": \"purge\", \"database\": \"cache\", \"redis_delete_pattern\": \"ft:cache:*\"}, " \
  "{\"id\": \"none\", \"database\": \"cache\", \"redis_delete_pattern\": \"ft:nothing:*\"}"

/* Every command runs once and is journaled; the pattern delete removes
 * exactly the matching keys and journals the count; a pattern matching
 * nothing succeeds with 0; a second run sends nothing again; the plan
 * names the kinds. */
static void
test_run (ExecFixture   *fx,
          gconstpointer  steps)
{
  g_autoptr(JsonNode) doc = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autofree char *statuses = NULL;
  g_autofree char *plan = NULL;
  g_autofree char *value = NULL;
  g_autofree char *n = NULL;
  g_autofree char *field = NULL;

  upg_test_redis_populate (server, "ft:cache:", 1000);
  upg_test_redis_populate (server, "ft:keep:", 10);
  g_free (upg_test_redis_run (server, "SET", "v:gone", "x", NULL));

  g_assert_cmpint (exec_exit_code (run_post_start (fx, NULL, &doc)), ==, 0);
  value = get ("v:k");
  g_assert_cmpstr (value, ==, "one two");
  field = upg_test_redis_run (server, "HGET", "v:h", "f", NULL);
  g_assert_cmpstr (field, ==, "x");
  g_assert_cmpint (upg_test_redis_count_keys (server, "v:gone"), ==, 0);
  n = get ("v:n");
  g_assert_cmpstr (n, ==, "1");
  g_assert_cmpint (upg_test_redis_count_keys (server, "ft:cache:*"), ==, 0);
  g_assert_cmpint (upg_test_redis_count_keys (server, "ft:keep:*"), ==, 10);

  statuses = exec_journal_statuses (fx, execution_of (doc), 0);
  g_assert_cmpstr (statuses, ==, "SUCCESS/- SUCCESS/- SUCCESS/- SUCCESS/- SUCCESS/- SUCCESS/- ");
  g_assert_cmpint (success_rows (fx, execution_of (doc), 4), ==, 1);   /* INCR's reply */

  /* The second run: every step already succeeded; INCR is not sent again. */
  g_assert_cmpint (exec_exit_code (run_post_start (fx, NULL, &again)), ==, 0);
  g_free (n);
  n = get ("v:n");
  g_assert_cmpstr (n, ==, "1");

  g_assert_cmpint (exec_exit_code (exec_fixture_cli (fx, NULL, &plan, "--json", "plan", "--from", FROM, "--to",
                                                     TO, NULL)), ==, 0);
  g_assert_nonnull (strstr (plan, "\"kind\" : \"redis\""));
  g_assert_nonnull (strstr (plan, "\"kind\" : \"redis_delete_pattern\""));
}

/* The pattern counts: exactly the keys deleted are journaled, 0 for none. */
static void
test_counts (ExecFixture   *fx,
             gconstpointer  steps)
{
  g_autoptr(JsonNode) doc = NULL;
  g_autofree char *path = NULL;
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(JsonArray) records = NULL;
  g_autoptr(GError) error = NULL;
  gint64 purge = -1, none = -1;

  upg_test_redis_populate (server, "ft:cache:", 1234);
  g_assert_cmpint (exec_exit_code (run_post_start (fx, NULL, &doc)), ==, 0);
  path = g_build_filename (fx->state, "journal.db", NULL);
  journal = upg_journal_open_sqlite (path, &error);
  records = upg_journal_list_statements (journal, execution_of (doc), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *r = json_array_get_object_element (records, i);
      const char *step = json_object_get_string_member (r, "step_id");

      if (g_str_equal (step, "purge"))
        purge = json_object_get_int_member (r, "affected_rows");
      else if (g_str_equal (step, "none"))
        none = json_object_get_int_member (r, "affected_rows");
    }
  g_assert_cmpint (purge, ==, 1234);
  g_assert_cmpint (none, ==, 0);
}

#define STEPS_ERROR \
  "{\"id\": \"fill\", \"database\": \"cache\", \"redis\": [[\"INCR\", \"e:n\"], " \
  "[\"LPUSH\", \"e:s\", \"y\"], [\"SET\", \"e:after\", \"1\"]]}"

/* An error reply stops the step at that command: the breakpoint names
 * the step, the command's position and text, and Redis's error; after
 * the cause is fixed, resume --retry continues there; the commands
 * before it are not sent again. */
static void
test_error_resume (ExecFixture   *fx,
                   gconstpointer  steps)
{
  g_autoptr(JsonNode) doc = NULL;
  g_autoptr(JsonNode) resumed = NULL;
  JsonObject *bp;
  g_autofree char *after = NULL;
  g_autofree char *list = NULL;
  g_autofree char *n = NULL;

  g_free (upg_test_redis_run (server, "SET", "e:s", "a string", NULL));

  g_assert_cmpint (exec_exit_code (run_post_start (fx, NULL, &doc)), ==, 1);
  bp = breakpoint_of (doc);
  g_assert_cmpstr (json_object_get_string_member (bp, "step_id"), ==, "fill");
  g_assert_cmpstr (json_object_get_string_member (bp, "file"), ==, "redis");
  g_assert_cmpint (json_object_get_int_member (bp, "sequence"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (bp, "statement"), ==, "LPUSH e:s y");
  g_assert_cmpstr (json_object_get_string_member (bp, "error_code"), ==, "WRONGTYPE");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (bp, "error"), "WRONGTYPE"));
  g_assert_cmpint (upg_test_redis_count_keys (server, "e:after"), ==, 0);

  g_free (upg_test_redis_run (server, "DEL", "e:s", NULL));
  g_assert_cmpint (exec_exit_code (resume (fx, execution_of (doc), "--retry", &resumed)), ==, 0);
  after = get ("e:after");
  g_assert_cmpstr (after, ==, "1");
  list = upg_test_redis_run (server, "LRANGE", "e:s", "0", "-1", NULL);
  g_assert_cmpstr (list, ==, "y");
  n = get ("e:n");
  g_assert_cmpstr (n, ==, "1");
}

#define STEPS_BIG_PURGE \
  "{\"id\": \"purge\", \"database\": \"cache\", \"redis_delete_pattern\": \"big:*\"}"

/* kill -9 in the middle of deleting 200,000 keys (before the 50th
 * UNLINK batch): the re-run continues, all keys are gone, the others
 * untouched, the count journaled is the whole 200,000, nothing in doubt. */
static void
test_kill_pattern (ExecFixture   *fx,
                   gconstpointer  steps)
{
  g_autoptr(JsonNode) doc = NULL;
  gint64 left;
  g_autofree char *statuses = NULL;

  upg_test_redis_populate (server, "big:", 200000);
  upg_test_redis_populate (server, "small:", 10);

  g_assert_true (exec_fixture_cli_killed (run_post_start (fx, "50:before-send", NULL)));
  left = upg_test_redis_count_keys (server, "big:*");
  g_test_message ("%" G_GINT64_FORMAT " keys left after the kill", left);
  g_assert_cmpint (left, >, 0);
  g_assert_cmpint (left, <, 200000);

  g_assert_cmpint (exec_exit_code (run_post_start (fx, NULL, &doc)), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (doc), "status"), ==, "SUCCESS");
  g_assert_cmpint (upg_test_redis_count_keys (server, "big:*"), ==, 0);
  g_assert_cmpint (upg_test_redis_count_keys (server, "small:*"), ==, 10);
  statuses = exec_journal_statuses (fx, execution_of (doc), 1);
  g_assert_cmpstr (statuses, ==, "FAILED/- SUCCESS/- ");
  g_assert_cmpint (success_rows (fx, execution_of (doc), 1), ==, 200000);
}

#define STEPS_INCR \
  "{\"id\": \"count\", \"database\": \"cache\", \"redis\": [[\"SET\", \"c:a\", \"1\"], " \
  "[\"INCR\", \"c:n\"], [\"SET\", \"c:b\", \"1\"]]}"

/* kill -9 after INCR ran, before its journal record: the re-run cannot
 * know and stops IN_DOUBT (exit 5) at that command; the operator sees it
 * took effect and resumes with --skip: it is never sent twice. */
static void
test_kill_incr_skip (ExecFixture   *fx,
                     gconstpointer  steps)
{
  g_autoptr(JsonNode) doc = NULL;
  g_autoptr(JsonNode) resumed = NULL;
  JsonObject *bp;
  g_autofree char *n = NULL;
  g_autofree char *b = NULL;

  g_assert_true (exec_fixture_cli_killed (run_post_start (fx, "2:after-commit-before-journal", NULL)));
  n = get ("c:n");
  g_assert_cmpstr (n, ==, "1");

  g_assert_cmpint (exec_exit_code (run_post_start (fx, NULL, &doc)), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (doc), "status"), ==, "IN_DOUBT");
  bp = breakpoint_of (doc);
  g_assert_cmpint (json_object_get_int_member (bp, "sequence"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (bp, "statement"), ==, "INCR c:n");
  g_assert_cmpint (upg_test_redis_count_keys (server, "c:b"), ==, 0);

  g_assert_cmpint (exec_exit_code (resume (fx, execution_of (doc), "--skip", &resumed)), ==, 0);
  g_free (n);
  n = get ("c:n");
  g_assert_cmpstr (n, ==, "1");
  b = get ("c:b");
  g_assert_cmpstr (b, ==, "1");
}

/* kill -9 before INCR was sent: in doubt too (the journal cannot tell);
 * the operator sees no effect and resumes with --retry: sent once. */
static void
test_kill_incr_retry (ExecFixture   *fx,
                      gconstpointer  steps)
{
  g_autoptr(JsonNode) doc = NULL;
  g_autoptr(JsonNode) resumed = NULL;
  g_autofree char *n = NULL;

  g_assert_true (exec_fixture_cli_killed (run_post_start (fx, "2:before-send", NULL)));
  g_assert_cmpint (upg_test_redis_count_keys (server, "c:n"), ==, 0);
  g_assert_cmpint (exec_exit_code (run_post_start (fx, NULL, &doc)), ==, 5);
  g_assert_cmpint (exec_exit_code (resume (fx, execution_of (doc), "--retry", &resumed)), ==, 0);
  n = get ("c:n");
  g_assert_cmpstr (n, ==, "1");
}

/* kill -9 after an idempotent SET ran, before its record: it is simply
 * sent again, nothing is in doubt. */
static void
test_kill_idempotent (ExecFixture   *fx,
                      gconstpointer  steps)
{
  g_autoptr(JsonNode) doc = NULL;
  g_autofree char *statuses = NULL;
  g_autofree char *n = NULL;

  g_assert_true (exec_fixture_cli_killed (run_post_start (fx, "1:after-commit-before-journal", NULL)));
  g_assert_cmpint (exec_exit_code (run_post_start (fx, NULL, &doc)), ==, 0);
  statuses = exec_journal_statuses (fx, execution_of (doc), 1);
  g_assert_cmpstr (statuses, ==, "FAILED/- SUCCESS/- ");
  n = get ("c:n");
  g_assert_cmpstr (n, ==, "1");
}

static JsonObject *
find_item (JsonNode   *doc,
           const char *id)
{
  JsonArray *items = json_object_get_array_member (json_node_get_object (doc), "items");

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (g_strcmp0 (json_object_get_string_member (item, "id"), id) == 0)
        return item;
    }
  g_error ("no assessment item %s", id);
}

static JsonNode *
assess (ExecFixture *fx)
{
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *doc;

  exec_fixture_cli (fx, NULL, &out, "--json", "assess", "--from", FROM, "--to", TO, NULL);
  g_test_message ("assess: %s", out);
  doc = json_from_string (out, &error);
  g_assert_no_error (error);
  return doc;
}

#define STEPS_PING "{\"id\": \"x\", \"database\": \"cache\", \"redis\": [[\"PING\"]]}"

/* The assessment checks the Redis server's version (INFO server) against
 * checks.middleware and its memory (INFO memory) as a resource item that
 * warns near maxmemory; the support bundle names the server's version. */
static void
test_assess_and_support_bundle (ExecFixture   *fx,
                                gconstpointer  steps)
{
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) near_limit = NULL;
  g_autoptr(JsonNode) doc = NULL;
  JsonObject *item, *figures;
  g_autofree char *used = NULL;
  g_autofree char *limit = NULL;
  g_autofree char *archive = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *manifest = g_strdup_printf (
    "{\"version\": \"%s\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"checks\": {\"middleware\": [{\"database\": \"cache\", \"min_version\": \"6.2\"}]},\n"
    " \"upgrade_steps\": {\"post_start\": [{\"id\": \"purge\", \"database\": \"cache\", "
    "\"redis_delete_pattern\": \"ft:cache:*\", \"compatible_version\": \"0.1.0\"}]}}\n", TO);

  exec_fixture_write (fx, "bundle/manifests/" TO ".json", manifest);

  first = assess (fx);
  item = find_item (first, "middleware:cache");
  g_assert_cmpstr (json_object_get_string_member (item, "verdict"), ==, "pass");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (json_object_get_object_member (item, "figures"),
                                                                  "version"), "7."));
  item = find_item (first, "redis_memory:cache");
  figures = json_object_get_object_member (item, "figures");
  g_assert_cmpstr (json_object_get_string_member (item, "check"), ==, "resource");
  g_assert_cmpstr (json_object_get_string_member (item, "verdict"), ==, "pass");
  g_assert_cmpint (json_object_get_int_member (figures, "used_memory"), >, 0);
  g_assert_cmpint (json_object_get_int_member (figures, "maxmemory"), ==, 0);

  /* maxmemory just above what is used: the item warns. */
  used = upg_test_redis_run (server, "EVAL", "return tonumber(string.match(redis.call('INFO', 'memory'), "
                             "'used_memory:(%d+)'))", "0", NULL);
  limit = g_strdup_printf ("%" G_GINT64_FORMAT, g_ascii_strtoll (used, NULL, 10) + 200 * 1024);
  g_free (upg_test_redis_run (server, "CONFIG", "SET", "maxmemory", limit, NULL));
  near_limit = assess (fx);
  g_free (upg_test_redis_run (server, "CONFIG", "SET", "maxmemory", "0", NULL));
  item = find_item (near_limit, "redis_memory:cache");
  g_assert_cmpstr (json_object_get_string_member (item, "verdict"), ==, "warn");
  g_assert_nonnull (json_object_get_string_member (item, "suggestion"));

  g_assert_cmpint (exec_exit_code (run_post_start (fx, NULL, &doc)), ==, 0);
  archive = exec_fixture_path (fx, "support.tar.gz");
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (fx, NULL, NULL, "report", execution_of (doc),
                                                     "--support-bundle", archive, NULL)), ==, 0);
  {
    const char *tar[] = { "tar", "-xzOf", archive, "--wildcards", "*datasources.json", NULL };
    g_autoptr(GError) error = NULL;

    g_assert_true (g_spawn_sync (NULL, (char **) tar, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &listing, NULL,
                                 NULL, &error));
    g_assert_no_error (error);
  }
  g_test_message ("datasources.json: %s", listing);
  g_assert_nonnull (strstr (listing, "\"provider\" : \"Redis\""));
  g_assert_nonnull (strstr (listing, "\"server_version\" : \"7."));
  g_assert_null (strstr (listing, upg_test_redis_get_password (server)));
}

#define STEPS_PLUGIN \
  "{\"id\": \"tool\", \"class_name\": \"GoodMigration\", \"timeout\": 60, \"params\": {\"units\": 1, " \
  "\"redis\": {\"database\": \"sock\", \"command\": [\"SET\", \"plugin:k\", \"from the plugin\"]}}}"

/* A component's plugin reaches the site's Redis through its UpgContext
 * (upg_context_get_redis()): the plugin host opens the data source as the
 * configuration defines it, here a unix socket and logical database 2,
 * with the password from password_env. */
static void
test_plugin_context (ExecFixture   *fx,
                     gconstpointer  steps)
{
  g_autofree char *extra = exec_fixture_install_good_plugin (fx);
  g_autofree char *tcp = upg_test_redis_datasource_json (server, FALSE, 0);
  g_autofree char *sock = upg_test_redis_datasource_json (server, TRUE, 2);
  g_autofree char *app = exec_fixture_sqlite_source (fx, "app.db");
  g_autofree char *sources = g_strdup_printf ("\"cache\": %s, \"sock\": %s, \"app\": %s", tcp, sock, app);
  g_autoptr(JsonNode) doc = NULL;
  g_autofree char *in_db2 = NULL;

  exec_fixture_write_config_extra (fx, "site-1", sources, extra);
  g_assert_cmpint (exec_exit_code (run_post_start (fx, NULL, &doc)), ==, 0);
  in_db2 = upg_test_redis_run (server, "EVAL", "redis.call('SELECT', 2) return redis.call('GET', KEYS[1])", "1",
                               "plugin:k", NULL);
  g_assert_cmpstr (in_db2, ==, "from the plugin");
  g_assert_cmpint (upg_test_redis_count_keys (server, "plugin:k"), ==, 0);   /* not in db 0 */
  g_free (upg_test_redis_run (server, "EVAL", "redis.call('SELECT', 2) return redis.call('DEL', KEYS[1])", "1",
                              "plugin:k", NULL));
}

/* The run's breakpoint error, after checking that neither it nor the
 * rest of the run's output holds @secret. */
static const char *
failure_without (JsonNode   *doc,
                 const char *secret)
{
  g_autofree char *text = json_to_string (doc, FALSE);
  JsonObject *bp = breakpoint_of (doc);

  g_assert_null (strstr (text, secret));
  g_assert_cmpstr (json_object_get_string_member (bp, "step_id"), ==, "warm");
  return json_object_get_string_member (bp, "error");
}

/* An unreachable server (bound, not listening: refused): tried 4 times
 * (3 retries), then the step stops with an error naming the data source,
 * never its password. */
static void
test_unreachable (ExecFixture   *fx,
                  gconstpointer  steps)
{
  g_autoptr(GSocket) probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) doc = NULL;
  g_autofree char *app = exec_fixture_sqlite_source (fx, "app.db");
  g_autofree char *sources = NULL;
  const char *message;

  g_assert_true (g_socket_bind (probe, any, TRUE, &error));
  bound = g_socket_get_local_address (probe, &error);
  g_assert_no_error (error);
  sources = g_strdup_printf ("\"cache\": {\"provider\": \"Redis\", \"host\": \"127.0.0.1\", \"port\": %u, "
                             "\"password_env\": \"%s\"}, \"app\": %s",
                             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)),
                             upg_test_redis_get_password_env (server), app);
  exec_fixture_write_config (fx, "site-1", sources);
  g_assert_cmpint (exec_exit_code (run_post_start (fx, NULL, &doc)), ==, 1);
  message = failure_without (doc, upg_test_redis_get_password (server));
  g_test_message ("%s", message);
  g_assert_nonnull (strstr (message, "cache (Redis 127.0.0.1:"));
  g_assert_nonnull (strstr (message, "after 4 attempts"));
}

/* A wrong password is the server's answer: one attempt, an error naming
 * the data source and neither the wrong password nor the right one. */
static void
test_wrong_password (ExecFixture   *fx,
                     gconstpointer  steps)
{
  g_autofree char *wrong = g_strconcat ("wrong-", upg_test_redis_get_password (server), NULL);
  const char *env[] = { upg_test_redis_get_password_env (server), wrong, NULL };
  g_autoptr(JsonNode) doc = NULL;
  const char *message;

  g_assert_cmpint (exec_exit_code (run_post_start_env (fx, env, &doc)), ==, 1);
  message = failure_without (doc, wrong);
  g_test_message ("%s", message);
  g_assert_null (strstr (message, upg_test_redis_get_password (server)));
  g_assert_nonnull (strstr (message, "data source cache (Redis unix:"));
  g_assert_nonnull (strstr (message, "WRONGPASS"));
  g_assert_null (strstr (message, "attempts"));
  g_assert_cmpint (upg_test_redis_count_keys (server, "v:*"), ==, 0);
}

static char *
validate (ExecFixture *fx,
          int         *status)
{
  char *out = NULL;

  *status = exec_exit_code (exec_fixture_cli (fx, NULL, &out, "validate", NULL));
  g_test_message ("validate: %s", out);
  return out;
}

#define STEPS_WRONG_SOURCES \
  "{\"id\": \"r\", \"database\": \"app\", \"redis\": [[\"SET\", \"k\", \"v\"]]}, " \
  "{\"id\": \"s\", \"database\": \"cache\", \"sql_scripts\": [\"sql/a.sql\"]}, " \
  "{\"id\": \"rc\", \"database\": \"ck\", \"redis\": [[\"SET\", \"k\", \"v\"]]}, " \
  "{\"id\": \"pc\", \"database\": \"ck\", \"redis_delete_pattern\": \"ft:cache:*\"}"

/* A redis step on a SQL source (SQLite, ClickHouse) and SQL scripts on a
 * Redis source are bad input (exit 2) naming the file, the JSON path and
 * the kind of data source the step needs. validate does not connect: the
 * ClickHouse source is only read from the configuration. */
static void
test_validate_sources (ExecFixture   *fx,
                       gconstpointer  steps)
{
  g_autofree char *redis = upg_test_redis_datasource_json (server, TRUE, 0);
  g_autofree char *app = exec_fixture_sqlite_source (fx, "app.db");
  g_autofree char *sources = g_strdup_printf ("\"cache\": %s, \"app\": %s, \"ck\": {\"provider\": \"ClickHouse\", "
                                              "\"url\": \"http://127.0.0.1:8123\", \"database\": \"logs\", "
                                              "\"user\": \"default\"}", redis, app);
  g_autofree char *out = NULL;
  int status;

  exec_fixture_write_config (fx, "site-1", sources);
  exec_fixture_write (fx, "bundle/sql/a.sql", "SELECT 1;\n");
  out = validate (fx, &status);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (out, "1.1.0.json: $.upgrade_steps.post_start[0].database: a \"redis\" step needs a "
                                 "Redis data source; 'app' is SQLite"));
  g_assert_nonnull (strstr (out, "1.1.0.json: $.upgrade_steps.post_start[1].database: data source 'cache' is a "
                                 "Redis server: SQL scripts need a SQL database"));
  g_assert_nonnull (strstr (out, "1.1.0.json: $.upgrade_steps.post_start[2].database: a \"redis\" step needs a "
                                 "Redis data source; 'ck' is ClickHouse"));
  g_assert_nonnull (strstr (out, "1.1.0.json: $.upgrade_steps.post_start[3].database: a \"redis_delete_pattern\" "
                                 "step needs a Redis data source; 'ck' is ClickHouse"));
}

/* Malformed commands and patterns: exit 2 naming the file and the JSON
 * path of the offending value. */
static void
test_validate_malformed (void)
{
  const struct { const char *step; const char *expected; } cases[] = {
    { "\"redis\": [[\"SET\", \"k\", 1]]", "$.upgrade_steps.post_start[0].redis[0][2]: expected a string" },
    { "\"redis\": [[]]", "$.upgrade_steps.post_start[0].redis[0]: expected a command of 1 to 1024 words, got 0" },
    { "\"redis\": []", "$.upgrade_steps.post_start[0].redis: expected 1 to 10000 commands, got 0" },
    { "\"redis\": [\"SET k v\"]", "$.upgrade_steps.post_start[0].redis[0]: expected a command as an array" },
    { "\"redis_delete_pattern\": \"*\"", "$.upgrade_steps.post_start[0].redis_delete_pattern: expected a pattern "
                                          "that starts with a literal key prefix" },
    { "\"redis_delete_pattern\": \"a:*\", \"redis\": [[\"PING\"]]", "found 2" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ExecFixture fx = { 0 };
      g_autofree char *step = g_strdup_printf ("{\"id\": \"r\", \"database\": \"cache\", %s}", cases[i].step);
      g_autofree char *out = NULL;
      int status;

      site_init (&fx, step);
      out = validate (&fx, &status);
      g_assert_cmpint (status, ==, 2);
      g_assert_nonnull (strstr (out, "1.1.0.json: "));
      g_assert_nonnull (strstr (out, cases[i].expected));
      exec_fixture_clear (&fx);
    }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  server = upg_test_redis_start (&start_error);

#define ADD(path, steps, func) g_test_add (path, ExecFixture, steps, site_init, func, site_clear)
  ADD ("/redis-steps/run", STEPS_BASIC, test_run);
  ADD ("/redis-steps/counts", STEPS_BASIC, test_counts);
  ADD ("/redis-steps/error-resume", STEPS_ERROR, test_error_resume);
  ADD ("/redis-steps/kill-pattern", STEPS_BIG_PURGE, test_kill_pattern);
  ADD ("/redis-steps/kill-incr-skip", STEPS_INCR, test_kill_incr_skip);
  ADD ("/redis-steps/kill-incr-retry", STEPS_INCR, test_kill_incr_retry);
  ADD ("/redis-steps/kill-idempotent", STEPS_INCR, test_kill_idempotent);
  ADD ("/redis-steps/assess-and-support-bundle", STEPS_PING, test_assess_and_support_bundle);
  ADD ("/redis-steps/plugin-context", STEPS_PLUGIN, test_plugin_context);
  ADD ("/redis-steps/unreachable", STEPS_BASIC, test_unreachable);
  ADD ("/redis-steps/wrong-password", STEPS_BASIC, test_wrong_password);
  ADD ("/redis-steps/validate-sources", STEPS_WRONG_SOURCES, test_validate_sources);
#undef ADD
  g_test_add_func ("/redis-steps/validate-malformed", test_validate_malformed);

  status = g_test_run ();

  upg_test_redis_stop (server);
  g_clear_error (&start_error);
  return status;
}
