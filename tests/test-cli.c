/* test-cli.c - upgradectl as an operator runs it: plan, validate, errors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs the built binary ($UPGRADECTL) with GSubprocess and checks its exit
 * codes, stdout and stderr. The expected plan of the example bundle is
 * written out by hand from SPEC §3, not computed.
 */
#include <string.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "upgradectl-log.h"

typedef struct {
  int   status;
  char *out;
  char *err;
} Result;

static void
result_clear (Result *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static char *
source_path (const char *relative)
{
  const char *root = g_getenv ("UPGRADE_SOURCE_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, relative, NULL);
}

static char *
bundle_path (void)
{
  return source_path ("examples/bundle");
}

static char *
fixture_path (const char *name)
{
  g_autofree char *relative = g_build_filename ("tests/fixtures/cli", name, NULL);

  return source_path (relative);
}

/* Runs upgradectl with @env (NAME=VALUE strings, or NAME to unset it; may
 * be NULL) added to a clean environment: the UPGRADE_* variables of the
 * caller must not leak into what a test checks. */
static void
run_ctl_env (Result *result, const char * const *env, const char * const *args)
{
  const char *ctl = g_getenv ("UPGRADECTL");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (ctl);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "UPGRADE_BUNDLE");
  g_subprocess_launcher_unsetenv (launcher, "UPGRADE_CONFIG");
  /* The state directory stays the build tree's (tests/meson.build): without
   * it, root's default /var/lib/upgrade would get the journal that `plan`
   * opens to read confirmations. */
  g_assert_nonnull (g_getenv ("UPGRADE_STATE_DIR"));
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_DEBUG", "fatal-criticals", TRUE);
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (env[i], "=", 2);

      if (pair[1] == NULL)
        g_subprocess_launcher_unsetenv (launcher, pair[0]);
      else
        g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }

  g_ptr_array_add (argv, (gpointer) ctl);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);
}

#define run_ctl(result, ...) \
  run_ctl_env ((result), NULL, (const char * const []) { __VA_ARGS__, NULL })

static JsonNode *
parse_single_document (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  /* json-glib refuses trailing garbage, so this also checks that stdout
   * holds exactly one document. */
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (json_parser_get_root (parser));

  return json_node_copy (json_parser_get_root (parser));
}

/* Checks that @out is exactly one {"error": {"code", "message"}} document. */
static void
assert_error_document (const char *out, const char *code, const char *in_message)
{
  g_autoptr(JsonNode) root = parse_single_document (out);
  JsonObject *error = json_object_get_object_member (json_node_get_object (root), "error");

  g_assert_nonnull (error);
  g_assert_cmpuint (json_object_get_size (json_node_get_object (root)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), in_message));
}

/* ---- the expected plan of examples/bundle, 3.16.0 → 3.18.0 ---- */

typedef struct {
  const char *stage;
  const char *id;
  const char *version;
  const char *component;
  const char *kind;
  gboolean    compatible;
} ExpectedStep;

/* Stage, then manifest version (3.17.0 < 3.17.0-P1 < 3.17.5 < 3.17.5-P1 <
 * 3.18.0), then declaration order, with depends_on moving ft_region_lookup
 * before ft_backfill_region; the orchestration override moves
 * legacy_backup_services from in_stop to pre_stop. Compatible iff
 * 3.16.0 >= compatible_version; properties steps never are. */
static const ExpectedStep common_plan[] = {
  { "business_check", "ft_check_deployment", "3.17.0", "ft", "command", TRUE },
  { "pre_stop", "ft_backup_orders", "3.17.0", "ft", "sql", TRUE },
  { "pre_stop", "ft_snapshot_note", "3.17.0", "ft", "command", TRUE },
  { "pre_stop", "ft_backup_core", "3.17.0", "ft", "backup", TRUE },
  { "pre_stop", "mid_backup_service_config", "3.17.0-P1", "mid", "sql", TRUE },
  { "pre_stop", "legacy_backup_services", "3.17.5", "platform", "sql", FALSE },
  { "pre_stop", "ft_archive_cancelled", "3.18.0", "ft", "sql", TRUE },
  { "pre_stop", "mid_copy_endpoints", "3.18.0", "mid", "sql", TRUE },
  { "pre_stop", "ft_render_config", "3.18.0", "ft", "config", TRUE },
  { "in_stop", "ft_orders_add_region", "3.17.0", "ft", "sql", FALSE },
  { "in_stop", "ft_orders_fix_status", "3.17.0", "ft", "sql", TRUE },
  { "in_stop", "mid_config_add_checksum", "3.17.0-P1", "mid", "sql", FALSE },
  { "in_stop", "legacy_create_audit", "3.17.5", "platform", "sql", FALSE },
  { "in_stop", "legacy_seed_audit", "3.17.5", "platform", "sql", FALSE },
  { "in_stop", "ft_region_lookup", "3.17.5-P1", "ft", "sql", FALSE },
  { "in_stop", "ft_backfill_region", "3.17.5-P1", "ft", "sql", FALSE },
  { "in_stop", "ft_register_regions", "3.17.5-P1", "ft", "sql", TRUE },
  { "in_stop", "ft_orders_add_priority", "3.18.0", "ft", "sql", TRUE },
  { "in_stop", "mid_services_add_owner", "3.18.0", "mid", "sql", FALSE },
  { "in_stop", "ft_verify_upgrade", "3.18.0", "ft", "verify", TRUE },
  { "post_start", "ft_users_email_index", "3.17.0", "ft", "sql", TRUE },
  { "post_start", "mid_rebuild_cache", "3.17.0-P1", "mid", "command", FALSE },
  { "post_start", "ft_orders_status_index", "3.18.0", "ft", "sql", TRUE },
  { "post_upgrade", "ft_task_store_migration", "3.17.0", "ft", "tool", TRUE },
  { "post_upgrade", "ft_purge_archived", "3.18.0", "ft", "sql", TRUE },
  { "post_upgrade", "ft_orders_priority_backfill", "3.18.0", "ft", "batched_migration", TRUE },
};

/* Site EU: the common plan plus two site-specific steps, each after the
 * step it is declared after in its manifest. */
static const struct {
  const char   *after;
  ExpectedStep  step;
} eu_additions[] = {
  { "ft_orders_fix_status", { "in_stop", "ft_eu_vat_code", "3.17.0", "ft", "sql", FALSE } },
  { "ft_orders_add_priority", { "in_stop", "ft_eu_gdpr_cleanup", "3.18.0", "ft", "sql", FALSE } },
};

static GArray *
expected_eu_plan (void)
{
  GArray *plan = g_array_new (FALSE, FALSE, sizeof (ExpectedStep));

  for (guint i = 0; i < G_N_ELEMENTS (common_plan); i++)
    {
      g_array_append_val (plan, common_plan[i]);
      for (guint k = 0; k < G_N_ELEMENTS (eu_additions); k++)
        if (g_str_equal (common_plan[i].id, eu_additions[k].after))
          g_array_append_val (plan, eu_additions[k].step);
    }
  g_assert_cmpuint (plan->len, ==, G_N_ELEMENTS (common_plan) + G_N_ELEMENTS (eu_additions));

  return plan;
}

static void
assert_step (JsonObject *step, const char *stage, const ExpectedStep *expected)
{
  g_assert_cmpstr (stage, ==, expected->stage);
  g_assert_cmpstr (json_object_get_string_member (step, "id"), ==, expected->id);
  g_assert_cmpstr (json_object_get_string_member (step, "version"), ==, expected->version);
  g_assert_cmpstr (json_object_get_string_member (step, "kind"), ==, expected->kind);
  g_assert_cmpint (json_object_get_boolean_member (step, "compatible"), ==, expected->compatible);
  g_assert_cmpstr (json_object_get_string_member (step, "component"), ==, expected->component);
}

/* Walks stages and steps of a plan document in order against @expected. */
static void
assert_plan_steps (JsonObject *plan, const ExpectedStep *expected, guint n_expected)
{
  JsonArray *stages = json_object_get_array_member (plan, "stages");
  const char *previous_stage = NULL;
  guint n = 0;

  for (guint s = 0; s < json_array_get_length (stages); s++)
    {
      JsonObject *stage = json_array_get_object_element (stages, s);
      const char *name = json_object_get_string_member (stage, "stage");
      JsonArray *steps = json_object_get_array_member (stage, "steps");

      /* Stages without steps are left out, and none appears twice. */
      g_assert_cmpuint (json_array_get_length (steps), >, 0);
      g_assert_cmpstr (name, !=, previous_stage);
      previous_stage = name;

      for (guint i = 0; i < json_array_get_length (steps); i++, n++)
        {
          g_assert_cmpuint (n, <, n_expected);
          assert_step (json_array_get_object_element (steps, i), name, &expected[n]);
        }
    }
  g_assert_cmpuint (n, ==, n_expected);
}

/* The incompatible list names exactly the expected steps, each once, with
 * a reason; SPEC fixes its members, not its order. */
static void
assert_incompatible (JsonObject *plan, const ExpectedStep *expected, guint n_expected)
{
  JsonArray *incompatible = json_object_get_array_member (plan, "incompatible");
  guint n_incompatible = 0;

  for (guint i = 0; i < n_expected; i++)
    {
      guint found = 0;

      if (expected[i].compatible)
        continue;
      n_incompatible++;
      for (guint k = 0; k < json_array_get_length (incompatible); k++)
        {
          JsonObject *item = json_array_get_object_element (incompatible, k);

          if (g_strcmp0 (json_object_get_string_member (item, "id"), expected[i].id) != 0)
            continue;
          found++;
          g_assert_cmpstr (json_object_get_string_member (item, "version"), ==, expected[i].version);
          g_assert_cmpstr (json_object_get_string_member (item, "reason"), !=, "");
        }
      g_assert_cmpuint (found, ==, 1);
    }
  g_assert_cmpuint (n_incompatible, ==, json_array_get_length (incompatible));
}

static void
test_plan_json_order (void)
{
  g_autofree char *bundle = bundle_path ();
  g_auto(Result) r = { 0 };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *plan;

  run_ctl (&r, "-b", bundle, "--json", "plan", "--from", "3.16.0", "--to", "3.18.0",
           "--site", "bj-01");
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);

  root = parse_single_document (r.out);
  plan = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (plan, "from"), ==, "3.16.0");
  g_assert_cmpstr (json_object_get_string_member (plan, "to"), ==, "3.18.0");
  g_assert_cmpstr (json_object_get_string_member (plan, "site"), ==, "bj-01");
  g_assert_cmpstr (json_object_get_string_member (plan, "mode"), ==, "stop-service");
  assert_plan_steps (plan, common_plan, G_N_ELEMENTS (common_plan));
  assert_incompatible (plan, common_plan, G_N_ELEMENTS (common_plan));
}

static void
test_plan_site_specific (void)
{
  g_autofree char *bundle = bundle_path ();
  g_autoptr(GArray) eu_plan = expected_eu_plan ();
  const ExpectedStep *expected = (const ExpectedStep *) eu_plan->data;
  g_auto(Result) r = { 0 };
  g_autoptr(JsonNode) root = NULL;

  /* Global options after the command name work too. */
  run_ctl (&r, "plan", "--from", "V3.16.0", "--to", "318000", "--site", "EU",
           "--json", "-b", bundle);
  g_assert_cmpint (r.status, ==, 0);

  root = parse_single_document (r.out);
  assert_plan_steps (json_node_get_object (root), expected, eu_plan->len);
  assert_incompatible (json_node_get_object (root), expected, eu_plan->len);
}

static void
test_plan_partial_range (void)
{
  g_autofree char *bundle = bundle_path ();
  g_auto(Result) r = { 0 };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *plan;
  JsonArray *stages;

  /* 3.17.5-P1 → 3.18.0 at bj-01: only 3.18.0 applies; of its steps only
   * mid_services_add_owner lacks a compatible_version. From 3.17.5-P1 the
   * others are compatible, that one is not: still stop-service. */
  run_ctl (&r, "-b", bundle, "--json", "plan", "--from", "3.17.5-P1", "--to", "3.18.0",
           "--site", "bj-01");
  g_assert_cmpint (r.status, ==, 0);
  root = parse_single_document (r.out);
  plan = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (plan, "mode"), ==, "stop-service");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (plan, "incompatible")), ==, 1);
  stages = json_object_get_array_member (plan, "stages");
  /* pre_stop, in_stop, post_start, post_upgrade: no business_check step. */
  g_assert_cmpuint (json_array_get_length (stages), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (stages, 0), "stage"),
                   ==, "pre_stop");
}

static void
test_plan_human (void)
{
  g_autofree char *bundle = bundle_path ();
  g_auto(Result) r = { 0 };
  const char *stages[] = { "business_check", "pre_stop", "in_stop", "post_start", "post_upgrade" };
  const char *last = NULL;

  run_ctl (&r, "-b", bundle, "plan", "--from", "3.16.0", "--to", "3.18.0", "--site", "bj-01");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Mode: stop-service (9 steps need manual confirmation)"));
  g_assert_nonnull (strstr (r.out, "needs manual confirmation"));
  g_assert_nonnull (strstr (r.out, "ft_task_store_migration"));
  g_assert_null (strstr (r.out, "ft_us_tax_code"));

  /* Stage headings in execution order, each on a line of its own. */
  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    {
      g_autofree char *heading = g_strdup_printf ("\n%s\n", stages[i]);
      const char *at = strstr (r.out, heading);

      g_assert_nonnull (at);
      g_assert_true (last == NULL || at > last);
      last = at;
    }
}

static void
test_plan_bad_version (void)
{
  g_autofree char *bundle = bundle_path ();
  g_auto(Result) r = { 0 };
  g_auto(Result) j = { 0 };

  run_ctl (&r, "-b", bundle, "plan", "--from", "x.y", "--to", "3.18.0", "--site", "bj-01");
  g_assert_cmpint (r.status, ==, 2);
  g_assert_cmpstr (r.out, ==, "");
  g_assert_nonnull (strstr (r.err, "version 'x.y' is not valid"));

  run_ctl (&j, "-b", bundle, "--json", "plan", "--from", "x.y", "--to", "3.18.0",
           "--site", "bj-01");
  g_assert_cmpint (j.status, ==, 2);
  assert_error_document (j.out, "invalid-version", "version 'x.y' is not valid");
}

/* `upgradectl help` lists the commands on stdout and exits 0, `help
 * COMMAND` shows that command's options, anything else is a usage error. */
static void
test_help (void)
{
  g_auto(Result) overview = { 0 };
  g_auto(Result) run_help = { 0 };
  g_auto(Result) unknown = { 0 };
  g_auto(Result) two = { 0 };

  run_ctl (&overview, "help");
  g_assert_cmpint (overview.status, ==, 0);
  g_assert_nonnull (strstr (overview.out, "Commands:"));
  g_assert_nonnull (strstr (overview.out, "  rollback  "));
  g_assert_nonnull (strstr (overview.out, "  help  "));

  run_ctl (&run_help, "help", "run");
  g_assert_cmpint (run_help.status, ==, 0);
  g_assert_nonnull (strstr (run_help.out, "--stage=STAGE"));
  g_assert_nonnull (strstr (run_help.out, "--new-execution"));

  run_ctl (&unknown, "help", "frobnicate");
  g_assert_cmpint (unknown.status, ==, 2);
  g_assert_nonnull (strstr (unknown.err, "frobnicate"));

  run_ctl (&two, "help", "run", "plan");
  g_assert_cmpint (two.status, ==, 2);
  g_assert_nonnull (strstr (two.err, "help"));
}

static void
test_plan_usage_errors (void)
{
  g_autofree char *bundle = bundle_path ();
  g_auto(Result) no_to = { 0 };
  g_auto(Result) no_site = { 0 };
  g_auto(Result) downwards = { 0 };
  g_auto(Result) stray = { 0 };
  g_auto(Result) bad_option = { 0 };

  run_ctl (&no_to, "-b", bundle, "plan", "--from", "3.16.0", "--site", "bj-01");
  g_assert_cmpint (no_to.status, ==, 2);
  g_assert_nonnull (strstr (no_to.err, "--to"));

  /* No --site and no configuration: refuse instead of planning for nobody. */
  run_ctl (&no_site, "-b", bundle, "plan", "--from", "3.16.0", "--to", "3.18.0");
  g_assert_cmpint (no_site.status, ==, 2);
  g_assert_nonnull (strstr (no_site.err, "site"));

  run_ctl (&downwards, "-b", bundle, "plan", "--from", "3.18.0", "--to", "3.16.0",
           "--site", "bj-01");
  g_assert_cmpint (downwards.status, ==, 2);
  g_assert_cmpstr (downwards.out, ==, "");
  g_assert_nonnull (strstr (downwards.err, "3.18.0"));

  run_ctl (&stray, "-b", bundle, "plan", "--from", "3.16.0", "--to", "3.18.0",
           "--site", "bj-01", "extra");
  g_assert_cmpint (stray.status, ==, 2);
  g_assert_nonnull (strstr (stray.err, "unexpected argument 'extra'"));

  run_ctl (&bad_option, "-b", bundle, "plan", "--frm", "3.16.0");
  g_assert_cmpint (bad_option.status, ==, 2);
  g_assert_nonnull (strstr (bad_option.err, "--frm"));
}

static void
test_plan_site_from_config (void)
{
  g_autofree char *bundle = bundle_path ();
  g_autofree char *config = fixture_path ("us-site.json");
  g_autofree char *bundle_env = g_strconcat ("UPGRADE_BUNDLE=", bundle, NULL);
  g_autofree char *config_env = g_strconcat ("UPGRADE_CONFIG=", config, NULL);
  const char *env[] = { bundle_env, config_env, NULL };
  const char *args[] = { "--json", "plan", "--from", "3.16.0", "--to", "3.18.0", NULL };
  const char *args_site[] = { "--json", "plan", "--from", "3.16.0", "--to", "3.18.0",
                              "--site", "EU", NULL };
  g_auto(Result) r = { 0 };
  g_auto(Result) overridden = { 0 };
  g_autoptr(JsonNode) root = NULL;

  /* -b and -c from the environment, the site from the configuration. */
  run_ctl_env (&r, env, args);
  g_assert_cmpint (r.status, ==, 0);
  root = parse_single_document (r.out);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "site"), ==, "US");
  g_assert_nonnull (strstr (r.out, "\"ft_us_tax_code\""));
  g_assert_null (strstr (r.out, "\"ft_eu_vat_code\""));

  /* --site wins over the configuration. */
  run_ctl_env (&overridden, env, args_site);
  g_assert_cmpint (overridden.status, ==, 0);
  g_assert_nonnull (strstr (overridden.out, "\"ft_eu_vat_code\""));
  g_assert_null (strstr (overridden.out, "\"ft_us_tax_code\""));
}

static void
test_demo_config (void)
{
  g_autofree char *bundle = bundle_path ();
  g_autofree char *source = source_path ("examples/demo/upgrade.json");
  g_autofree char *text = NULL;
  g_autofree char *config = g_build_filename (g_getenv ("UPGRADE_STATE_DIR"), "demo-upgrade.json", NULL);
  g_auto(Result) r = { 0 };

  /* A copy: its relative journal path resolves next to it, and no test
   * writes into the source tree. */
  g_assert_true (g_file_get_contents (source, &text, NULL, NULL));
  g_assert_true (g_mkdir_with_parents (g_getenv ("UPGRADE_STATE_DIR"), 0700) == 0);
  g_assert_true (g_file_set_contents (config, text, -1, NULL));
  run_ctl (&r, "-b", bundle, "-c", config, "plan", "--from", "3.16.0", "--to", "3.18.0");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "site bj-01:"));
}

static void
test_bad_config (void)
{
  g_autofree char *bundle = bundle_path ();
  g_autofree char *bad = fixture_path ("bad-config.json");
  g_auto(Result) missing = { 0 };
  g_auto(Result) malformed = { 0 };

  run_ctl (&missing, "--json", "-b", bundle, "-c", "/nonexistent/upgrade.json",
           "plan", "--from", "3.16.0", "--to", "3.18.0");
  g_assert_cmpint (missing.status, ==, 2);
  assert_error_document (missing.out, "invalid-config", "/nonexistent/upgrade.json");

  run_ctl (&malformed, "--json", "-b", bundle, "-c", bad,
           "plan", "--from", "3.16.0", "--to", "3.18.0");
  g_assert_cmpint (malformed.status, ==, 2);
  assert_error_document (malformed.out, "invalid-config", "site_id");
  g_assert_nonnull (strstr (malformed.out, "bad-config.json"));
}

static void
test_missing_bundle (void)
{
  g_auto(Result) r = { 0 };
  g_auto(Result) j = { 0 };
  g_auto(Result) none = { 0 };
  g_autoptr(JsonNode) root = NULL;

  run_ctl (&r, "-b", "/nonexistent/bundle", "plan", "--from", "3.16.0", "--to", "3.18.0",
           "--site", "bj-01");
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "/nonexistent/bundle"));

  run_ctl (&j, "--json", "-b", "/nonexistent/bundle", "validate");
  g_assert_cmpint (j.status, ==, 2);
  root = parse_single_document (j.out);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (root), "valid"));

  run_ctl (&none, "--json", "plan", "--from", "3.16.0", "--to", "3.18.0", "--site", "bj-01");
  g_assert_cmpint (none.status, ==, 2);
  assert_error_document (none.out, "invalid-argument", "UPGRADE_BUNDLE");
}

static void
test_validate_clean (void)
{
  g_autofree char *bundle = bundle_path ();
  g_auto(Result) r = { 0 };
  g_auto(Result) human = { 0 };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *result;

  run_ctl (&r, "-b", bundle, "--json", "validate");
  g_assert_cmpint (r.status, ==, 0);
  root = parse_single_document (r.out);
  result = json_node_get_object (root);
  g_assert_true (json_object_get_boolean_member (result, "valid"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "problems")), ==, 0);
  g_assert_cmpint (json_object_get_int_member (result, "manifests"), ==, 8);

  run_ctl (&human, "-b", bundle, "validate");
  g_assert_cmpint (human.status, ==, 0);
  g_assert_nonnull (strstr (human.out, "valid (8 manifests)"));
}

static void
test_validate_problems (void)
{
  g_autofree char *bundle = fixture_path ("broken-bundle");
  g_auto(Result) r = { 0 };
  g_auto(Result) human = { 0 };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *result;
  JsonArray *problems;
  gboolean names_missing_file = FALSE;
  gboolean names_missing_tool = FALSE;

  run_ctl (&r, "-b", bundle, "--json", "validate");
  g_assert_cmpint (r.status, ==, 2);
  root = parse_single_document (r.out);
  result = json_node_get_object (root);
  g_assert_false (json_object_get_boolean_member (result, "valid"));
  problems = json_object_get_array_member (result, "problems");
  g_assert_cmpuint (json_array_get_length (problems), >, 0);
  for (guint i = 0; i < json_array_get_length (problems); i++)
    if (strstr (json_array_get_string_element (problems, i), "sql/2.0.0/missing.sql") != NULL)
      names_missing_file = TRUE;
  g_assert_true (names_missing_file);
  /* A command's program given as a bundle path must be there, as run
   * requires it (a PATH name or an absolute path is the site's). */
  for (guint i = 0; i < json_array_get_length (problems); i++)
    if (g_str_has_suffix (json_array_get_string_element (problems, i),
                          "manifests/1.5.0.json: $.upgrade_steps.pre_stop[0].command[0]: 'tools/notfy.sh': "
                          "the file does not exist in the bundle (No such file or directory)"))
      names_missing_tool = TRUE;
  g_assert_true (names_missing_tool);
  g_assert_cmpuint (json_array_get_length (problems), ==, 2);

  run_ctl (&human, "-b", bundle, "validate");
  g_assert_cmpint (human.status, ==, 2);
  g_assert_nonnull (strstr (human.out, "missing.sql"));
}

/* An operator with LANG=zh_CN.UTF-8 (and no LANGUAGE) reads the loaders'
 * errors in Chinese; each still names the manifest file and the JSON path
 * of the field, which are data and stay as they are. */
static void
test_validate_chinese (void)
{
  static const char * const zh_env[] = { "LANG=zh_CN.UTF-8", "LC_ALL", "LC_MESSAGES", "LANGUAGE", NULL };
  g_autofree char *bundle = fixture_path ("zh-broken-bundle");
  g_autofree char *stage_line = NULL;
  g_autofree char *type_line = NULL;
  g_autofree char *empty_line = NULL;
  g_autofree char *kinds_line = NULL;
  g_autofree char *rate_line = NULL;
  g_auto(Result) zh = { 0 };
  g_auto(Result) c = { 0 };

  g_assert_nonnull (g_getenv ("UPGRADE_LOCALEDIR"));
  run_ctl_env (&zh, zh_env, (const char * const []) { "-b", bundle, "validate", NULL });
  g_assert_cmpint (zh.status, ==, 2);
  stage_line = g_strdup_printf ("%s/manifests/1.0.0.json: $.upgrade_steps.in_stpo: "
                                "未知阶段“in_stpo”：应为 resource_check, business_check, "
                                "pre_stop, in_stop, post_start, post_upgrade 之一", bundle);
  type_line = g_strdup_printf ("%s/manifests/2.0.0.json: $.description: 应为字符串，实际为数字\n",
                               bundle);
  empty_line = g_strdup_printf ("%s/manifests/3.0.0.json:1:1：JSON 格式错误：文档为空\n", bundle);
  g_assert_nonnull (strstr (zh.out, stage_line));
  g_assert_nonnull (strstr (zh.out, type_line));
  /* A step's own errors (upg-step.c): the JSON path stays, the
   * member names and the operator's value are quoted as written. */
  kinds_line = g_strdup_printf ("%s/manifests/4.0.0.json: $.upgrade_steps.in_stop[0]: "
"\"sql_scripts\", \"class_name\", \"command\", \"batched_migration\", \"backup\", "
                                "\"verify\", \"http_check\", \"config\", \"redis\", \"redis_delete_pattern\" 必须有且只有一个，"
                                "实际有 2 个\n", bundle);
  rate_line = g_strdup_printf ("%s/manifests/5.0.0.json: $.upgrade_steps.in_stop[0].rate: "
                               "应为速率（如 \"50MB/s\"），实际为 \"fast\"\n", bundle);
  g_assert_nonnull (strstr (zh.out, empty_line));
  g_assert_nonnull (strstr (zh.out, kinds_line));
  g_assert_nonnull (strstr (zh.out, rate_line));
  g_assert_nonnull (strstr (zh.out, "：5 个问题"));
  g_assert_null (strstr (zh.out, "expected"));

  /* The C locale keeps the English source text. */
  run_ctl (&c, "-b", bundle, "validate");
  g_assert_cmpint (c.status, ==, 2);
  g_assert_nonnull (strstr (c.out, "$.upgrade_steps.in_stpo: stage 'in_stpo' is not known: "
                                   "expected one of resource_check,"));
  g_assert_nonnull (strstr (c.out, "$.description: expected a string, got a number\n"));
  g_assert_nonnull (strstr (c.out, "3.0.0.json:1:1: malformed JSON: the document is empty\n"));
  g_assert_nonnull (strstr (c.out, "4.0.0.json: $.upgrade_steps.in_stop[0]: expected exactly one of "
                                   "\"sql_scripts\", \"class_name\", \"command\", \"batched_migration\", \"backup\", "
                                   "\"verify\", \"http_check\", \"config\", \"redis\", \"redis_delete_pattern\", found 2\n"));
  g_assert_nonnull (strstr (c.out, "5.0.0.json: $.upgrade_steps.in_stop[0].rate: expected a rate such as "
                                   "\"50MB/s\", got \"fast\"\n"));
  g_assert_nonnull (strstr (c.out, ": 5 problems\n"));
}

static void
test_unknown_command (void)
{
  g_auto(Result) r = { 0 };
  g_auto(Result) j = { 0 };

  run_ctl (&r, "frobnicate");
  g_assert_cmpint (r.status, ==, 2);
  g_assert_cmpstr (r.out, ==, "");
  g_assert_nonnull (strstr (r.err, "unknown command 'frobnicate'"));
  g_assert_nonnull (strstr (r.err, "\n  plan "));
  g_assert_nonnull (strstr (r.err, "\n  validate "));

  run_ctl (&j, "--json", "frobnicate");
  g_assert_cmpint (j.status, ==, 2);
  assert_error_document (j.out, "invalid-argument", "frobnicate");
}

static void
test_help_and_usage (void)
{
  g_auto(Result) help = { 0 };
  g_auto(Result) bare = { 0 };
  g_auto(Result) bare_json = { 0 };
  g_auto(Result) both = { 0 };
  g_auto(Result) version = { 0 };
  g_auto(Result) version_json = { 0 };
  g_autoptr(JsonNode) versions = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  run_ctl (&help, "--help");
  g_assert_cmpint (help.status, ==, 0);
  g_assert_nonnull (strstr (help.out, "\n  plan "));
  g_assert_nonnull (strstr (help.out, "\n  validate "));
  g_assert_nonnull (strstr (help.out, "--state-dir"));

  /* No command: usage on stderr, exit 2. */
  run_ctl_env (&bare, NULL, (const char * const []) { NULL });
  g_assert_cmpint (bare.status, ==, 2);
  g_assert_nonnull (strstr (bare.err, "Commands:"));

  run_ctl (&bare_json, "--json");
  g_assert_cmpint (bare_json.status, ==, 2);
  assert_error_document (bare_json.out, "invalid-argument", "no command given");

  run_ctl (&both, "-q", "-v", "validate");
  g_assert_cmpint (both.status, ==, 2);
  g_assert_nonnull (strstr (both.err, "-q and -v"));

  run_ctl (&version, "--version");
  g_assert_cmpint (version.status, ==, 0);
  g_assert_true (g_str_has_prefix (version.out, "upgradectl "));

  /* --json: exactly one JSON document, --version included. */
  run_ctl (&version_json, "--json", "--version");
  g_assert_cmpint (version_json.status, ==, 0);
  versions = json_from_string (version_json.out, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (versions));
  /* The same figures as the text line. */
  text = g_strdup_printf ("upgradectl %s (libupgrade %s, SPI ABI %" G_GINT64_FORMAT ")\n",
                          json_object_get_string_member (json_node_get_object (versions), "upgradectl"),
                          json_object_get_string_member (json_node_get_object (versions), "libupgrade"),
                          json_object_get_int_member (json_node_get_object (versions), "spi_abi"));
  g_assert_cmpstr (version.out, ==, text);
}

static void
test_verbosity_options (void)
{
  g_autofree char *bundle = bundle_path ();
  g_auto(Result) normal = { 0 };
  g_auto(Result) verbose = { 0 };
  g_auto(Result) verbose_after = { 0 };

  run_ctl (&normal, "-b", bundle, "validate");
  g_assert_cmpint (normal.status, ==, 0);
  g_assert_cmpstr (normal.err, ==, "");

  /* -v shows upgradectl's debug lines on stderr, one line, no pid. */
  run_ctl (&verbose, "-v", "-b", bundle, "validate");
  g_assert_cmpint (verbose.status, ==, 0);
  g_assert_true (g_str_has_prefix (verbose.err, "debug: upgradectl: bundle "));
  g_assert_nonnull (strstr (verbose.err, ": 8 manifests\n"));

  run_ctl (&verbose_after, "-b", bundle, "validate", "--verbose");
  g_assert_cmpint (verbose_after.status, ==, 0);
  g_assert_nonnull (strstr (verbose_after.err, "debug: upgradectl: bundle "));
}

/* ---- the log writer (linked in from bindings/cli) ---- */

static void
test_log_format (void)
{
  const GLogField with_exec[] = {
    { "MESSAGE", "statement 3 done", -1 },
    { "GLIB_DOMAIN", "upgrade", -1 },
    { UPGCTL_LOG_FIELD_EXECUTION_ID, "1b2c3d4e-0000-4000-8000-000000000001", -1 },
  };
  const GLogField without_exec[] = {
    { "MESSAGE", "disk almost full", -1 },
    { "GLIB_DOMAIN", "upgrade", -1 },
  };
  g_autofree char *tagged = upgctl_log_format_line (G_LOG_LEVEL_MESSAGE, with_exec,
                                                    G_N_ELEMENTS (with_exec));
  g_autofree char *warning = upgctl_log_format_line (G_LOG_LEVEL_WARNING, without_exec,
                                                     G_N_ELEMENTS (without_exec));
  g_autofree char *debug = upgctl_log_format_line (G_LOG_LEVEL_DEBUG, with_exec,
                                                   G_N_ELEMENTS (with_exec));

  g_assert_cmpstr (tagged, ==,
                   "[exec 1b2c3d4e-0000-4000-8000-000000000001] statement 3 done\n");
  g_assert_cmpstr (warning, ==, "warning: disk almost full\n");
  g_assert_cmpstr (debug, ==,
                   "[exec 1b2c3d4e-0000-4000-8000-000000000001] debug: upgrade: statement 3 done\n");
}

static void
test_log_verbosity (void)
{
  upgctl_log_set_verbosity (UPGCTL_VERBOSITY_QUIET);
  g_assert_true (upgctl_log_would_print (G_LOG_LEVEL_CRITICAL, "upgrade"));
  g_assert_false (upgctl_log_would_print (G_LOG_LEVEL_WARNING, "upgrade"));
  g_assert_false (upgctl_log_would_print (G_LOG_LEVEL_MESSAGE, "upgrade"));

  upgctl_log_set_verbosity (UPGCTL_VERBOSITY_NORMAL);
  g_assert_true (upgctl_log_would_print (G_LOG_LEVEL_WARNING, "GLib-GIO"));
  g_assert_true (upgctl_log_would_print (G_LOG_LEVEL_MESSAGE, "upgrade"));
  g_assert_false (upgctl_log_would_print (G_LOG_LEVEL_DEBUG, "upgrade"));
  g_assert_false (upgctl_log_would_print (G_LOG_LEVEL_INFO, "upgrade"));

  upgctl_log_set_verbosity (UPGCTL_VERBOSITY_VERBOSE);
  g_assert_true (upgctl_log_would_print (G_LOG_LEVEL_DEBUG, "upgrade"));
  g_assert_true (upgctl_log_would_print (G_LOG_LEVEL_DEBUG, "upgrade-spi"));
  g_assert_true (upgctl_log_would_print (G_LOG_LEVEL_DEBUG, "upgradectl"));
  g_assert_false (upgctl_log_would_print (G_LOG_LEVEL_DEBUG, "GLib-GIO"));
}

int
main (int argc, char **argv)
{
  /* The verbosity test relies on GLib's own debug filter being off. */
  g_unsetenv ("G_MESSAGES_DEBUG");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/help-command", test_help);
  g_test_add_func ("/cli/plan/json-order", test_plan_json_order);
  g_test_add_func ("/cli/plan/site-specific", test_plan_site_specific);
  g_test_add_func ("/cli/plan/partial-range", test_plan_partial_range);
  g_test_add_func ("/cli/plan/human", test_plan_human);
  g_test_add_func ("/cli/plan/bad-version", test_plan_bad_version);
  g_test_add_func ("/cli/plan/usage-errors", test_plan_usage_errors);
  g_test_add_func ("/cli/plan/site-from-config", test_plan_site_from_config);
  g_test_add_func ("/cli/plan/demo-config", test_demo_config);
  g_test_add_func ("/cli/errors/missing-bundle", test_missing_bundle);
  g_test_add_func ("/cli/errors/bad-config", test_bad_config);
  g_test_add_func ("/cli/errors/unknown-command", test_unknown_command);
  g_test_add_func ("/cli/help", test_help_and_usage);
  g_test_add_func ("/cli/verbosity", test_verbosity_options);
  g_test_add_func ("/cli/validate/clean", test_validate_clean);
  g_test_add_func ("/cli/validate/problems", test_validate_problems);
  g_test_add_func ("/cli/validate/chinese", test_validate_chinese);
  g_test_add_func ("/cli/log/format", test_log_format);
  g_test_add_func ("/cli/log/verbosity", test_log_verbosity);

  return g_test_run ();
}
