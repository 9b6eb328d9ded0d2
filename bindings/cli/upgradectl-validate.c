/* upgradectl-validate.c - `upgradectl validate`: lint the bundle
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-bundle-private.h"
#include "upg-bundle-scripts-private.h"
#include "upg-config-private.h"
#include "upg-journal-drift-private.h"
#include "upg-step-private.h"
#include "upgradectl-commands.h"

/* Manifests that loaded when the whole bundle loads; otherwise the
 * manifest files present, so that the count still says how much the
 * operator's bundle holds. */
static guint
count_manifests (UpgCtl *ctl)
{
  g_autofree char *dir_path = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint n = 0;

  if (upgctl_get_bundle (ctl, NULL) != NULL)
    return upg_bundle_get_manifests (ctl->bundle)->len;

  dir_path = g_build_filename (ctl->bundle_path, "manifests", NULL);
  dir = g_dir_open (dir_path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json") ||
        (g_str_has_prefix (name, "upgrade_tasks_") && g_str_has_suffix (name, ".properties")))
      n++;

  return n;
}

/* A configured SQLite journal whose file does not exist: opening it
 * would create it. */
static gboolean
journal_file_missing (UpgDataSource *journal)
{
  return journal != NULL && upg_data_source_get_dialect (journal) == UPG_DIALECT_SQLITE
         && upg_data_source_get_path (journal) != NULL
         && !g_file_test (upg_data_source_get_path (journal), G_FILE_TEST_EXISTS);
}

/* Drift (SPEC §5): the statements the site's journal has as applied
 * whose file changed since. Without a journal there is nothing applied
 * to compare with, and validate does not create one. */
static void
check_drift (UpgCtl    *ctl,
             GPtrArray *problems)
{
  const char *site = upg_config_get_site_id (ctl->config);
  g_autofree char *state_dir = upg_resolve_state_dir (ctl->state_dir);
  g_autofree char *default_journal = g_build_filename (state_dir, "journal.db", NULL);
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(GError) error = NULL;

  if (site == NULL ||
      (upg_config_get_journal (ctl->config) == NULL && !g_file_test (default_journal, G_FILE_TEST_IS_REGULAR)) ||
      journal_file_missing (upg_config_get_journal (ctl->config)))
    return;
  journal = upg_journal_open_for_site (ctl->config, state_dir, &error);
  if (journal == NULL || !upg_journal_check_bundle_drift (journal, ctl->bundle, ctl->config, site, problems, &error))
    g_ptr_array_add (problems, g_strdup (error->message));
}

/* Tool steps (SPEC §4 `class_name`) whose type no plugin of the
 * configuration's directories provides: `run` would create an execution,
 * run the stage's earlier steps and only then fail at the step. A
 * misspelt class name is a problem of the bundle for this site. The
 * plugins are described (one host process per file) only when the bundle
 * has tool steps. */
static void
check_tool_steps (UpgCtl     *ctl,
                  GPtrArray  *steps,
                  GPtrArray  *problems,
                  UpgPluginManager **manager)
{
  for (guint i = 0; i < steps->len; i++)
    {
      UpgStep *step = g_ptr_array_index (steps, i);
      g_autoptr(UpgPluginInfo) info = NULL;
      g_autoptr(GError) error = NULL;

      if (upg_step_get_kind (step) != UPG_STEP_KIND_TOOL)
        continue;
      if (*manager == NULL)
        *manager = upg_plugin_manager_new_for_config (ctl->config);
      info = upg_plugin_manager_find_type (*manager, upg_step_get_class_name (step), &error);
      if (info == NULL)
        /* TRANSLATORS: manifest file, JSON path of the step, why (names the type and the directories) */
        g_ptr_array_add (problems, g_strdup_printf (_("%s: %s.class_name: %s"), upg_step_get_source_file (step),
                                                    upg_step_get_json_path (step) != NULL
                                                      ? upg_step_get_json_path (step) : upg_step_get_id (step),
                                                    error->message));
    }
}

static void
check_tool_classes (UpgCtl    *ctl,
                    GPtrArray *problems)
{
  GPtrArray *manifests = upg_bundle_get_manifests (ctl->bundle);
  g_autoptr(UpgPluginManager) manager = NULL;

  for (guint m = 0; m < manifests->len; m++)
    for (guint s = 0; s < UPG_N_STAGES; s++)
      {
        check_tool_steps (ctl, upg_manifest_get_steps (manifests->pdata[m], s), problems, &manager);
        check_tool_steps (ctl, upg_manifest_get_rollback_steps (manifests->pdata[m], s), problems, &manager);
      }
}

/* A bundle that does not even load is reported like one that loads with
 * problems: the operator asked "what is wrong with this bundle?", and
 * every broken file is part of the answer. Only "no bundle given" is a
 * usage error. */
static GPtrArray *
lint_bundle (UpgCtl  *ctl,
             guint   *n_manifests,
             GError **error)
{
  GPtrArray *problems = NULL;

  if (ctl->bundle_path == NULL)
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           _("no bundle given: pass -b BUNDLE or set UPGRADE_BUNDLE"));
      return NULL;
    }

  /* The problems say it all; the summary error would repeat the first. */
  upg_bundle_validate_path (ctl->bundle_path, &problems, NULL);
  *n_manifests = count_manifests (ctl);
  /* With a configuration, what `run` would refuse for its data sources
   * ("transaction": "script" on MariaDB) is a problem of the bundle too. */
  if (ctl->config_path != NULL && upgctl_get_bundle (ctl, NULL) != NULL && upgctl_get_config (ctl, NULL) != NULL)
    {
      upg_config_check_members (ctl->config, problems);
      upg_bundle_check_with_config (ctl->bundle, ctl->config, problems);
      check_tool_classes (ctl, problems);
      check_drift (ctl, problems);
    }

  return problems;
}

static JsonNode *
result_to_json (GPtrArray *problems, guint n_manifests)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "valid");
  json_builder_add_boolean_value (builder, problems->len == 0);
  json_builder_set_member_name (builder, "problems");
  json_builder_begin_array (builder);
  for (guint i = 0; i < problems->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (problems, i));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "manifests");
  json_builder_add_int_value (builder, n_manifests);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static void
print_result (UpgCtl *ctl, GPtrArray *problems, guint n_manifests)
{
  if (problems->len == 0)
    {
      g_print (g_dngettext (GETTEXT_PACKAGE,
                            "%s: valid (%u manifest)\n",
                            "%s: valid (%u manifests)\n", n_manifests),
               ctl->bundle_path, n_manifests);
      return;
    }

  for (guint i = 0; i < problems->len; i++)
    g_print ("%s\n", (const char *) g_ptr_array_index (problems, i));
  g_print (g_dngettext (GETTEXT_PACKAGE,
                        "%s: %u problem\n", "%s: %u problems\n", problems->len),
           ctl->bundle_path, problems->len);
}

/**
 * upgctl_cmd_validate:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"validate"`
 *
 * Lints the bundle with upg_bundle_validate_path() and prints its problems.
 *
 * Returns: 0 if the bundle is clean, 2 if it has problems or cannot be read
 */
int
upgctl_cmd_validate (UpgCtl *ctl, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  guint n_manifests = 0;

  if (!upgctl_parse_options (ctl, NULL, "validate", &argc, &argv, &error) ||
      !upgctl_expect_no_arguments (argc, argv, &error))
    return upgctl_fail (ctl, error);

  problems = lint_bundle (ctl, &n_manifests, &error);
  if (problems == NULL)
    return upgctl_fail (ctl, error);

  if (ctl->json)
    {
      g_autoptr(JsonNode) node = result_to_json (problems, n_manifests);

      upgctl_print_json (ctl, node);
    }
  else
    {
      print_result (ctl, problems, n_manifests);
    }

  return problems->len == 0 ? 0 : 2;
}
