/* upgradectl-assess.c - `upgradectl assess --from V --to V [--site ID] [--env JSON]`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <glib/gi18n-lib.h>

#include "upgradectl-commands.h"
#include "upgradectl-executor.h"

/* The configuration's plugin_dirs, when it names any. */
static UpgPluginManager *
plugin_manager (UpgConfig *config)
{
  const char * const *dirs = upg_config_get_plugin_dirs (config);
  UpgPluginManager *manager;

  if (dirs == NULL || dirs[0] == NULL)
    return NULL;
  manager = upg_plugin_manager_new ();
  for (guint i = 0; dirs[i] != NULL; i++)
    upg_plugin_manager_add_directory (manager, dirs[i]);
  return manager;
}

static UpgAssessor *
build_assessor (UpgCtl      *ctl,
                const char  *from_text,
                const char  *to_text,
                const char  *site_option,
                const char  *env_text,
                GError     **error)
{
  g_autoptr(UpgVersion) from = NULL, to = NULL;
  g_autoptr(JsonObject) env = NULL;
  g_autoptr(UpgPlan) plan = NULL;
  g_autoptr(UpgPluginManager) plugins = NULL;
  UpgConfig *config;
  UpgBundle *bundle;
  UpgAssessor *assessor;
  const char *site;

  if ((from = upgctl_parse_version ("--from", from_text, error)) == NULL ||
      (to = upgctl_parse_version ("--to", to_text, error)) == NULL)
    return NULL;
  env = upgctl_exec_parse_env (env_text, error);
  if (env_text != NULL && env == NULL)
    return NULL;
  if ((config = upgctl_get_config (ctl, error)) == NULL ||
      (site = upgctl_resolve_site (ctl, site_option, error)) == NULL ||
      (bundle = upgctl_get_bundle (ctl, error)) == NULL ||
      (plan = upg_plan_new_for_config (bundle, config, from, to, site, error)) == NULL)
    return NULL;

  assessor = upg_assessor_new (plan, config);
  if (env != NULL)
    upg_assessor_set_env (assessor, env);
  plugins = plugin_manager (config);
  upg_assessor_set_plugin_manager (assessor, plugins);
  /* Backups and double writes land in the state directory when it exists. */
  if (g_file_test (ctl->state_dir, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GError) journal_error = NULL;
      g_autoptr(UpgJournal) journal = NULL;

      upg_assessor_set_disk_path (assessor, ctl->state_dir);
      /* Earlier backups measure the dump rate; an assessment needs no
       * journal otherwise, so one that cannot be opened is left out. */
      journal = upg_journal_open_for_site (config, ctl->state_dir, &journal_error);
      if (journal != NULL)
        upg_assessor_set_journal (assessor, journal);
      else
        g_debug ("assess: no journal for measured backup rates: %s", journal_error->message);
    }
  return assessor;
}

/**
 * upgctl_cmd_assess:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"assess"`
 *
 * Assesses the upgrade from `--from` to `--to` for a site: resources, data
 * quality, middleware, compatibility and duration. Prints the report (text,
 * or `--format markdown|html`), or with `--json` the SPEC §9 assess form.
 *
 * Returns: 0 pass, 4 passed with warnings, 1 failed, 2 bad input
 */
int
upgctl_cmd_assess (UpgCtl *ctl, int argc, char **argv)
{
  g_autofree char *from = NULL, *to = NULL, *site = NULL, *env = NULL, *format_text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgAssessor) assessor = NULL;
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgReportFormat format = UPG_REPORT_FORMAT_TEXT;
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, N_("Version the site is at"), N_("V") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to, N_("Version to upgrade to"), N_("V") },
    { "site", 0, 0, G_OPTION_ARG_STRING, &site,
      N_("Site (default: the configuration's site_id)"), N_("ID") },
    { "env", 0, 0, G_OPTION_ARG_STRING, &env, N_("Environment for plugins, a JSON object"), N_("JSON") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text,
      N_("Report format: text, markdown or html (--json: the JSON form)"), N_("FORMAT") },
    G_OPTION_ENTRY_NULL
  };

  if (!upgctl_parse_options (ctl, entries, "assess", &argc, &argv, &error) ||
      !upgctl_expect_no_arguments (argc, argv, &error) ||
      (format_text != NULL && !upg_report_format_from_string (format_text, &format, &error)))
    return upgctl_fail (ctl, error);

  assessor = build_assessor (ctl, from, to, site, env, &error);
  if (assessor == NULL || (assessment = upg_assessor_run (assessor, NULL, &error)) == NULL)
    return upgctl_fail (ctl, error);

  if (ctl->json)
    {
      g_autoptr(JsonNode) node = upg_assessment_to_json (assessment);

      upgctl_print_json (ctl, node);
    }
  else
    {
      g_autofree char *report = upg_assessment_render (assessment, format);

      fputs (report, stdout);
    }
  return upg_assessment_exit_code (assessment);
}
