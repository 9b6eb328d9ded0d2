/* test-validate-typos.c - what a bundle author typed wrong, caught by `upgradectl validate`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each case copies examples/bundle, makes one mistake an author makes
 * (a misspelt member, a broken data-quality rule) and runs the built
 * upgradectl on the copy, as an operator would before an upgrade: exit 2
 * and a message naming the file, the JSON path, the value and, for a
 * misspelling, the member meant. The untouched copy and one carrying
 * annotations (members unknown but far from every known name, which
 * SPEC §4 keeps and ignores) stay valid.
 */
#include <string.h>
#include <glib/gstdio.h>

#include "upg-json-private.h"
#include "upgradectl-spawn.h"

typedef struct {
  char *dir;      /* the temporary directory holding the copy */
  char *bundle;   /* the copy of examples/bundle */
} Copy;

static void
copy_clear (Copy *copy)
{
  if (copy->dir != NULL)
    {
      const char *argv[] = { "rm", "-rf", copy->dir, NULL };

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                                   NULL));
    }
  g_clear_pointer (&copy->dir, g_free);
  g_clear_pointer (&copy->bundle, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Copy, copy_clear)

static void
copy_bundle (Copy *copy)
{
  g_autofree char *source = g_build_filename (g_getenv ("UPGRADE_SOURCE_ROOT"), "examples", "bundle", NULL);
  g_autoptr(GError) error = NULL;
  int status = 0;

  copy->dir = g_dir_make_tmp ("validate-typos-XXXXXX", &error);
  g_assert_no_error (error);
  copy->bundle = g_build_filename (copy->dir, "bundle", NULL);
  {
    const char *argv[] = { "cp", "-r", source, copy->bundle, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                                 &status, &error));
  }
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
}

/* Replaces the one occurrence of @needle in the copy's manifest @name. */
static void
edit_manifest (Copy       *copy,
               const char *name,
               const char *needle,
               const char *replacement)
{
  g_autofree char *path = g_build_filename (copy->bundle, "manifests", name, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) edited = NULL;
  const char *at;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  at = strstr (text, needle);
  g_assert_nonnull (at);
  g_assert_null (strstr (at + 1, needle));
  edited = g_string_new_len (text, at - text);
  g_string_append (edited, replacement);
  g_string_append (edited, at + strlen (needle));
  g_file_set_contents (path, edited->str, -1, &error);
  g_assert_no_error (error);
}

static int
validate (const char  *lang,
          Copy        *copy,
          const char  *config,
          char       **out)
{
  g_autofree char *state = g_build_filename (copy->dir, "state", NULL);

  if (config == NULL)
    return upgradectl_spawn (lang, out, "-b", copy->bundle, "--state-dir", state, "validate", NULL);
  return upgradectl_spawn (lang, out, "-b", copy->bundle, "-c", config, "--state-dir", state, "validate", NULL);
}

static void
assert_contains (const char *text,
                 const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("expected «%s» in:\n%s", part, text);
}

typedef struct {
  const char *manifest;
  const char *needle;
  const char *replacement;
  const char *expected;   /* after "<bundle>/manifests/" */
} Mistake;

static void
assert_refused (const Mistake *mistake)
{
  g_auto(Copy) copy = { NULL, NULL };
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;

  copy_bundle (&copy);
  edit_manifest (&copy, mistake->manifest, mistake->needle, mistake->replacement);
  g_assert_cmpint (validate (NULL, &copy, NULL, &out), ==, 2);
  expected = g_strdup_printf ("%s/manifests/%s", copy.bundle, mistake->expected);
  assert_contains (out, expected);
}

/* What the tests change must be the only problem: the example is valid. */
static void
test_example_valid (void)
{
  g_auto(Copy) copy = { NULL, NULL };
  g_autofree char *out = NULL;

  copy_bundle (&copy);
  g_assert_cmpint (validate (NULL, &copy, NULL, &out), ==, 0);
  assert_contains (out, ": valid (");
}

static const Mistake misspellings[] = {
  /* The whole upgrade of 3.17.0 would be skipped. */
  { "3.17.0.json", "\"upgrade_steps\": {", "\"upgrade_step\": {",
    "3.17.0.json: $.upgrade_step: unknown member 'upgrade_step' is ignored: did you mean 'upgrade_steps'?" },
  /* The step loses its kind (the load error alone does not say why). */
  { "3.18.0.json", "\"sql_scripts\": [\"sql/3.18.0/010_orders_add_priority.sql\"]",
    "\"sql_script\": [\"sql/3.18.0/010_orders_add_priority.sql\"]",
    "3.18.0.json: $.upgrade_steps.in_stop[0].sql_script: unknown member 'sql_script' is ignored: "
    "did you mean 'sql_scripts'?" },
  /* The step would silently count as incompatible (stop-service mode). */
  { "3.18.0.json", "\"compatible_version\": \"3.17.0\", \"site_ids\"", "\"compatibe_version\": \"3.17.0\", \"site_ids\"",
    "3.18.0.json: $.upgrade_steps.in_stop[1].compatibe_version: unknown member 'compatibe_version' is ignored: "
    "did you mean 'compatible_version'?" },
  /* The design documents' camelCase is no alias in a manifest. */
  { "3.17.0.json", "\"rollback_steps\"", "\"rollbackSteps\"",
    "3.17.0.json: $.rollbackSteps: unknown member 'rollbackSteps' is ignored: did you mean 'rollback_steps'?" },
  { "3.18.0.json", "\"pause_seconds\": 5", "\"pause_second\": 5",
    "3.18.0.json: $.upgrade_steps.post_upgrade[1].batched_migration.throttle.pause_second: unknown member "
    "'pause_second' is ignored: did you mean 'pause_seconds'?" },
  { "3.18.0.json", "\"threshold\": 10,", "\"treshold\": 10,",
    "3.18.0.json: $.checks.data_quality[0].treshold: unknown member 'treshold' is ignored: did you mean 'threshold'?" },
  { "3.17.0.json", "\"data_quality\": [", "\"data_qualty\": [",
    "3.17.0.json: $.checks.data_qualty: unknown member 'data_qualty' is ignored: did you mean 'data_quality'?" },
  { "3.18.0.json", "\"min_source_version\": \"3.17.5\"", "\"min_source_versions\": \"3.17.5\"",
    "3.18.0.json: $.dependencies.min_source_versions: unknown member 'min_source_versions' is ignored: "
    "did you mean 'min_source_version'?" },
};

static void
test_misspelt_member (gconstpointer data)
{
  assert_refused (data);
}

/* SPEC §4: unknown members are kept and ignored; an annotation is not a
 * misspelling of anything. */
static void
test_annotations_kept (void)
{
  g_auto(Copy) copy = { NULL, NULL };
  g_autofree char *out = NULL;

  copy_bundle (&copy);
  edit_manifest (&copy, "3.18.0.json", "\"id\": \"ft_archive_cancelled\",",
                 "\"id\": \"ft_archive_cancelled\", \"x_owner\": \"team-ft\", \"notes\": \"reviewed by DBA\","
                 " \"ticket\": \"FT-1234\",");
  edit_manifest (&copy, "3.18.0.json", "\"component\": \"ft\",", "\"component\": \"ft\", \"x_release_train\": \"Q3\",");
  g_assert_cmpint (validate (NULL, &copy, NULL, &out), ==, 0);
  assert_contains (out, ": valid (");
}

/* The rule of 3.18.0.json, users_without_email, broken in the ways an
 * author breaks one: validate reports them, not the check stage. */
static const Mistake broken_rules[] = {
  { "3.18.0.json", "\"sql\": \"SELECT COUNT(*) FROM users WHERE email IS NULL\",", "",
    "3.18.0.json: $.checks.data_quality[0].sql: required member is missing: expected a string" },
  { "3.18.0.json", "\"sql\": \"SELECT COUNT(*) FROM users WHERE email IS NULL\",", "\"sql\": \"\",",
    "3.18.0.json: $.checks.data_quality[0].sql: expected a query that returns one count, got \"\"" },
  { "3.18.0.json", "\"threshold\": 10,", "\"threshold\": \"10\",",
    "3.18.0.json: $.checks.data_quality[0].threshold: expected an integer from 0 to 9223372036854775807, "
    "got a string" },
  { "3.18.0.json", "\"severity\": \"warn\",\n       \"min_version\": \"3.17.0\", \"max_version\": \"3.18.9\"",
    "\"severity\": \"warning\",\n       \"min_version\": \"3.17.0\", \"max_version\": \"3.18.9\"",
    "3.18.0.json: $.checks.data_quality[0].severity: 'warning' is not a severity: expected \"fail\" or \"warn\"" },
  { "3.18.0.json", "\"min_version\": \"3.17.0\", \"max_version\": \"3.18.9\"",
    "\"min_version\": \"3.17.0\", \"max_version\": \"3.18.x\"",
    "3.18.0.json: $.checks.data_quality[0].max_version: version '3.18.x' is not valid" },
  { "3.18.0.json", "\"min_version\": \"3.17.0\", \"max_version\": \"3.18.9\"",
    "\"min_version\": \"3.18.9\", \"max_version\": \"3.17.0\"",
    "3.18.0.json: $.checks.data_quality[0].min_version: 3.18.9 is above max_version 3.17.0: "
    "the rule would never run" },
  { "3.18.0.json", "\"database\": \"ft_db\",\n       \"sql\": \"SELECT COUNT(*) FROM users",
    "\"database\": 3,\n       \"sql\": \"SELECT COUNT(*) FROM users",
    "3.18.0.json: $.checks.data_quality[0].database: expected a string, got a number" },
  { "3.17.0.json", "\"id\": \"unknown_status\"", "\"id\": \"null_user\"",
    "3.17.0.json: $.checks.data_quality[1].id: rule id 'null_user' is already used by $.checks.data_quality[0]" },
  /* The other checks of the assessment, read the same way. */
  { "3.18.0.json", "{\"database\": \"mid_db\", \"min_version\": \"3.30\"}",
    "{\"database\": \"mid_db\", \"min_version\": \"v3.30\"}",
    "3.18.0.json: $.checks.middleware[1].min_version: expected a server version such as \"10.5\", got \"v3.30\"" },
  { "3.18.0.json", "{\"database\": \"ft_db\", \"min_version\": \"3.30\"}",
    "{\"min_version\": \"3.30\"}",
    "3.18.0.json: $.checks.middleware[0].database: required member is missing: expected a string" },
  { "3.18.0.json", "{\"database\": \"mid_db\", \"tables\": [\"services\"]}", "{\"database\": \"mid_db\"}",
    "3.18.0.json: $.checks.backup_tables[1].tables: required member is missing: expected a non-empty array of "
    "strings" },
};

static void
test_broken_rule (gconstpointer data)
{
  assert_refused (data);
}

static char *
write_config (Copy *copy)
{
  g_autofree char *path = g_build_filename (copy->dir, "upgrade.json", NULL);
  g_autoptr(GError) error = NULL;
  const char *text =
    "{\"site_id\": \"bj-01\",\n"
    " \"datasources\": {\"ft_db\": {\"provider\": \"SQLite\", \"path\": \"ft_db.sqlite\"},\n"
    "                 \"mid_db\": {\"provider\": \"SQLite\", \"path\": \"mid_db.sqlite\"},\n"
    "                 \"ft_cache\": {\"provider\": \"Redis\", \"host\": \"127.0.0.1\", \"port\": 6379}},\n"
    " \"journal\": {\"provider\": \"SQLite\", \"path\": \"journal.db\"},\n"
    " \"plugin_dirs\": []}\n";

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static const char rule_database[] = "\"database\": \"ft_db\",\n       \"sql\": \"SELECT COUNT(*) FROM users";

/* With the site's configuration: a misspelt data source would skip the
 * rule ("not configured for this site") without a word; a Redis one
 * cannot run its query. A data source the site does not have and that
 * no configured name resembles is another component's (the rule is
 * skipped by design), as logs_ck in 3.18.0-P1. */
static void
test_rule_data_source (void)
{
  g_auto(Copy) copy = { NULL, NULL };
  g_autofree char *config = NULL;
  g_autofree char *out = NULL;
  g_autofree char *typo = NULL;
  g_autofree char *redis = NULL;
  g_autofree char *journal = NULL;

  copy_bundle (&copy);
  config = write_config (&copy);
  /* The tool step's plugin is not in plugin_dirs: a problem of its own. */
  g_assert_cmpint (validate (NULL, &copy, config, &out), ==, 2);
  g_assert_null (strstr (out, "data_quality"));
  /* validate reads the configured journal if there is one; it never
   * creates it. */
  journal = g_build_filename (copy.dir, "journal.db", NULL);
  g_assert_false (g_file_test (journal, G_FILE_TEST_EXISTS));
  g_clear_pointer (&out, g_free);

  edit_manifest (&copy, "3.18.0.json", rule_database, "\"database\": \"ft_bd\",\n       \"sql\": \"SELECT COUNT(*) FROM users");
  g_assert_cmpint (validate (NULL, &copy, config, &out), ==, 2);
  typo = g_strdup_printf ("%s/manifests/3.18.0.json: $.checks.data_quality[0].database: data source 'ft_bd' is not "
                          "configured (the rule would be skipped): did you mean 'ft_db'?", copy.bundle);
  assert_contains (out, typo);
  g_clear_pointer (&out, g_free);

  edit_manifest (&copy, "3.18.0.json", "\"database\": \"ft_bd\",", "\"database\": \"ft_cache\",");
  g_assert_cmpint (validate (NULL, &copy, config, &out), ==, 2);
  redis = g_strdup_printf ("%s/manifests/3.18.0.json: $.checks.data_quality[0].database: data source 'ft_cache' is a "
                           "Redis server: a data-quality rule's query needs a SQL database", copy.bundle);
  assert_contains (out, redis);
}

/* The operator's side: upgrade.json. A misspelt "datasources" leaves the
 * site without data sources (every rule skipped), "plugin_dir" a run
 * without plugins; an annotation stays allowed. */
static void
test_config_misspelt (void)
{
  g_auto(Copy) copy = { NULL, NULL };
  g_autofree char *config = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  static const char * const expected[] = {
    "upgrade.json: $.plugin_dir: unknown member 'plugin_dir' is ignored: did you mean 'plugin_dirs'?",
    "upgrade.json: $.datasources.ft_db.pasword_env: unknown member 'pasword_env' is ignored: "
    "did you mean 'password_env'?",
    "upgrade.json: $.service.metric_public: unknown member 'metric_public' is ignored: "
    "did you mean 'metrics_public'?",
    "upgrade.json: $.notify[0].event: unknown member 'event' is ignored: did you mean 'events'?",
  };

  copy_bundle (&copy);
  config = g_build_filename (copy.dir, "upgrade.json", NULL);
  g_file_set_contents (config,
                       "{\"site_id\": \"bj-01\", \"x_owner\": \"ops\",\n"
                       " \"datasources\": {\"ft_db\": {\"provider\": \"SQLite\", \"path\": \"ft_db.sqlite\",\n"
                       "                             \"pasword_env\": \"FT_PW\"},\n"
                       "                 \"mid_db\": {\"provider\": \"SQLite\", \"path\": \"mid_db.sqlite\"}},\n"
                       " \"plugin_dir\": [\"plugins\"],\n"
                       " \"service\": {\"metric_public\": true},\n"
                       " \"notify\": [{\"url\": \"http://127.0.0.1:9/hook\", \"event\": [\"failed\"]}]}\n",
                       -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (validate (NULL, &copy, config, &out), ==, 2);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *line = g_strdup_printf ("%s/%s", copy.dir, expected[i]);

      assert_contains (out, line);
    }
  g_assert_null (strstr (out, "x_owner"));
}

static void
test_message_zh_cn (void)
{
  g_auto(Copy) copy = { NULL, NULL };
  g_autofree char *out = NULL;

  copy_bundle (&copy);
  edit_manifest (&copy, "3.17.0.json", "\"upgrade_steps\": {", "\"upgrade_step\": {");
  g_assert_cmpint (validate ("zh_CN.UTF-8", &copy, NULL, &out), ==, 2);
  assert_contains (out, "$.upgrade_step：未知成员“upgrade_step”将被忽略：是否应为“upgrade_steps”？");
}

/* What counts as a misspelling, and what does not. */
static void
test_closest_name (void)
{
  static const char * const step[] = { "id", "name", "database", "sql_scripts", "class_name", "command", "timeout",
                                       "retry_count", "compatible_version", "site_ids", "is_common", "params", NULL };
  static const struct { const char *written, *meant; } cases[] = {
    { "sql_script", "sql_scripts" }, { "sqlScripts", "sql_scripts" }, { "SQL_SCRIPTS", "sql_scripts" },
    { "scripts", "sql_scripts" }, { "compatibe_version", "compatible_version" },
    { "compatibleVersion", "compatible_version" }, { "version", "compatible_version" },
    { "retry", "retry_count" }, { "timout", "timeout" }, { "site_id", "site_ids" }, { "databse", "database" },
    { "classname", "class_name" },
    /* Annotations and short words are nobody's typo. */
    { "x_owner", NULL }, { "notes", NULL }, { "ticket", NULL }, { "owner", NULL }, { "ip", NULL },
    { "comment", NULL }, { "_comment", NULL }, { "author", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (upg_json_closest_name (cases[i].written, step), ==, cases[i].meant);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/validate-typos/closest-name", test_closest_name);
  g_test_add_func ("/validate-typos/example-valid", test_example_valid);
  g_test_add_func ("/validate-typos/annotations-kept", test_annotations_kept);
  for (guint i = 0; i < G_N_ELEMENTS (misspellings); i++)
    {
      g_autofree char *name = g_strdup_printf ("/validate-typos/misspelt/%u", i);

      g_test_add_data_func (name, &misspellings[i], test_misspelt_member);
    }
  for (guint i = 0; i < G_N_ELEMENTS (broken_rules); i++)
    {
      g_autofree char *name = g_strdup_printf ("/validate-typos/data-quality/%u", i);

      g_test_add_data_func (name, &broken_rules[i], test_broken_rule);
    }
  g_test_add_func ("/validate-typos/data-quality-data-source", test_rule_data_source);
  g_test_add_func ("/validate-typos/config-misspelt", test_config_misspelt);
  g_test_add_func ("/validate-typos/zh-cn", test_message_zh_cn);
  return g_test_run ();
}
