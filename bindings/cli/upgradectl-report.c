/* upgradectl-report.c - `upgradectl report EXECUTION_ID [--format F] [-o FILE]
 *                       [--support-bundle OUT.tar.gz]` and
 *                       `upgradectl report --upgrade --from V --to V [--site ID]`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <glib/gi18n-lib.h>

#include "upgradectl-commands.h"
#include "upgradectl-executor.h"
#include "upg-support-bundle-private.h"

/* The bundle is optional for a support bundle: it only adds the plan. */
static UpgBundle *
optional_bundle (UpgCtl  *ctl,
                 GError **error)
{
  if (ctl->bundle_path == NULL)
    return NULL;
  return upgctl_get_bundle (ctl, error);
}

/* `report ID -b out.tar.gz` reads as the global `-b BUNDLE` (the upgrade
 * bundle): it used to print the report, write nothing and exit 0. A -b
 * that is not a directory is refused, naming the option meant. */
static gboolean
check_bundle_option (UpgCtl  *ctl,
                     GError **error)
{
  if (ctl->bundle_path == NULL || g_file_test (ctl->bundle_path, G_FILE_TEST_IS_DIR))
    return TRUE;
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               _("-b '%s' is not an upgrade bundle directory (-b names the bundle); "
                 "write a support bundle with --support-bundle FILE, the report with -o FILE"),
               ctl->bundle_path);
  return FALSE;
}

/* `{"assessed": false, "reason"}`: why the support bundle holds no
 * assessment (it is written all the same). */
static JsonNode *
not_assessed (const char *reason)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_boolean_member (object, "assessed", FALSE);
  json_object_set_string_member (object, "reason", reason);
  return json_node_init_object (json_node_alloc (), object);
}

/* The assessment of the execution's from/to/site as it stands now (SPEC
 * §3), for the support bundle: what support compares a failure with. A
 * data source it cannot reach is an item of it; when it cannot run at
 * all (no bundle or configuration, no plan), it says why instead of the
 * support bundle failing. */
static JsonNode *
execution_assessment (UpgCtl     *ctl,
                      UpgJournal *journal,
                      const char *execution_id,
                      UpgBundle  *bundle)
{
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(UpgVersion) from = NULL, to = NULL;
  g_autoptr(UpgPlan) plan = NULL;
  g_autoptr(UpgAssessor) assessor = NULL;
  g_autoptr(UpgPluginManager) plugins = NULL;
  g_autoptr(UpgAssessment) assessment = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  UpgConfig *config = upgctl_get_config (ctl, NULL);
  const char *site;
  JsonNode *env;

  if (bundle == NULL || config == NULL)
    return not_assessed (bundle == NULL ? "no bundle given (-b)" : "no configuration given (-c)");
  record = upg_journal_get_execution (journal, execution_id, &error);
  if (record == NULL)
    return not_assessed (error->message);
  from = upg_version_parse (json_object_get_string_member_with_default (record, "from", ""), NULL);
  to = upg_version_parse (json_object_get_string_member_with_default (record, "to", ""), NULL);
  site = json_object_get_string_member_with_default (record, "site", NULL);
  if (from == NULL || to == NULL || site == NULL)
    return not_assessed ("the execution names no valid from/to/site");
  plan = upg_plan_new_for_config (bundle, config, from, to, site, &error);
  if (plan == NULL)
    {
      reason = g_strdup_printf ("no plan: %s", error->message);
      return not_assessed (reason);
    }
  assessor = upg_assessor_new (plan, config);
  env = json_object_get_member (record, "env");
  if (env != NULL && JSON_NODE_HOLDS_OBJECT (env))
    upg_assessor_set_env (assessor, json_node_get_object (env));
  plugins = upg_plugin_manager_new_for_config (config);
  upg_assessor_set_plugin_manager (assessor, plugins);
  assessment = upg_assessor_run (assessor, NULL, &error);
  if (assessment == NULL)
    {
      reason = g_strdup_printf ("the assessment failed: %s", error->message);
      return not_assessed (reason);
    }
  return upg_assessment_to_json (assessment);
}

static int
print_json (UpgCtl          *ctl,
            const char      *execution_id,
            UpgReportFormat  format,
            const char      *report,
            const char      *bundle_path)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  if (execution_id != NULL)
    json_object_set_string_member (root, "execution_id", execution_id);
  else
    json_object_set_null_member (root, "execution_id");
  json_object_set_string_member (root, "format", upg_report_format_to_string (format));
  if (format == UPG_REPORT_FORMAT_JSON)
    json_object_set_member (root, "report", json_from_string (report, NULL));
  else
    json_object_set_string_member (root, "report", report);
  if (bundle_path != NULL)
    json_object_set_string_member (root, "bundle", bundle_path);
  else
    json_object_set_null_member (root, "bundle");
  node = json_node_init_object (json_node_alloc (), root);
  upgctl_print_json (ctl, node);
  return 0;
}

/* `--upgrade` reports on a from/to/site, an id on one execution: the
 * options of one are refused with the other, naming what was meant. */
static gboolean
check_combination (int          argc,
                   char       **argv,
                   gboolean     upgrade,
                   const char  *from,
                   const char  *to,
                   const char  *site,
                   const char  *bundle_path,
                   GError     **error)
{
  if (!upgrade && argc != 2)
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           _("report needs exactly one EXECUTION_ID, or --upgrade --from V --to V [--site ID]"));
      return FALSE;
    }
  if (!upgrade && (from != NULL || to != NULL || site != NULL))
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           _("--from, --to and --site select a whole upgrade: add --upgrade (and no EXECUTION_ID)"));
      return FALSE;
    }
  if (upgrade && argc != 1)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("report --upgrade takes no EXECUTION_ID ('%s'): it reports every execution of --from/--to/--site"),
                   argv[argc - 1]);
      return FALSE;
    }
  if (upgrade && (from == NULL || to == NULL))
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           _("report --upgrade needs --from V and --to V"));
      return FALSE;
    }
  if (upgrade && bundle_path != NULL)
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           _("--support-bundle is written for one execution: pass its EXECUTION_ID, not --upgrade"));
      return FALSE;
    }
  return TRUE;
}

/* The folder @path (of @option) goes into exists: checked before the
 * report is built, so that a mistyped folder is said as such (exit 2),
 * not as a temporary file the write could not create. */
static gboolean
check_output_folder (const char  *option,
                     const char  *path,
                     GError     **error)
{
  g_autofree char *folder = path != NULL ? g_path_get_dirname (path) : NULL;

  if (folder == NULL || g_file_test (folder, G_FILE_TEST_IS_DIR))
    return TRUE;
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               _("%s %s: the folder '%s' does not exist"), option, path, folder);
  return FALSE;
}

/* Writes @report to @output_path, or prints it (or the JSON document). */
static int
emit (UpgCtl          *ctl,
      const char      *execution_id,
      UpgReportFormat  format,
      const char      *report,
      const char      *output_path,
      const char      *bundle_path)
{
  if (output_path != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!g_file_set_contents (output_path, report, -1, &error))
        {
          g_autoptr(GError) usage = g_error_new (UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT, "-o: %s",
                                                 error->message);

          return upgctl_fail (ctl, usage);
        }
      if (ctl->json)
        return print_json (ctl, execution_id, format, report, bundle_path);
      if (ctl->verbosity != UPGCTL_VERBOSITY_QUIET)
        g_printerr (_("report written to %s\n"), output_path);
    }
  else if (ctl->json)
    return print_json (ctl, execution_id, format, report, bundle_path);
  else
    fputs (report, stdout);
  if (bundle_path != NULL && ctl->verbosity != UPGCTL_VERBOSITY_QUIET)
    g_printerr (_("support bundle written to %s\n"), bundle_path);
  return 0;
}

static char *
upgrade_report (UpgCtl          *ctl,
                UpgCtlExec      *exec,
                const char      *from_text,
                const char      *to_text,
                const char      *site_option,
                UpgReportFormat  format,
                GError         **error)
{
  g_autoptr(UpgVersion) from = upgctl_parse_version ("--from", from_text, error);
  g_autoptr(UpgVersion) to = NULL;
  const char *site;

  if (from == NULL || (to = upgctl_parse_version ("--to", to_text, error)) == NULL ||
      (site = upgctl_exec_site (exec, site_option, error)) == NULL)
    return NULL;
  return upg_report_for_upgrade (exec->journal, site, from, to, format, error);
}

/**
 * upgctl_cmd_report:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"report"`, then the execution id
 *
 * Prints the report of an execution from the journal (and stores it in the
 * journal's upgrade_report), or writes it to `-o FILE`.
 * `--support-bundle OUT.tar.gz` also writes a support bundle: record,
 * statements, reports, breakpoint, assessment, plan (with `-b`) and log,
 * secrets removed. `--upgrade --from V --to V [--site ID]` reports on
 * every execution of that upgrade instead. With `--json`:
 * `{"execution_id", "format", "report", "bundle"}`, the report being an
 * object for `--format json` (`execution_id` null with `--upgrade`).
 *
 * Returns: 0, or the exit code of the error (2 for an unknown execution
 *   or a combination of options that does not go together)
 */
int
upgctl_cmd_report (UpgCtl *ctl, int argc, char **argv)
{
  g_autofree char *format_text = NULL, *bundle_path = NULL, *report = NULL, *output_path = NULL;
  g_autofree char *from = NULL, *to = NULL, *site = NULL;
  gboolean upgrade = FALSE;
  g_autoptr(GError) error = NULL;
  g_auto(UpgCtlExec) exec = { 0 };
  UpgReportFormat format = ctl->json ? UPG_REPORT_FORMAT_JSON : UPG_REPORT_FORMAT_TEXT;
  UpgBundle *bundle = NULL;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text,
      N_("Report format: text, json, markdown or html"), N_("FORMAT") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output_path,
      N_("Write the report to this file instead of stdout"), N_("FILE") },
    { "support-bundle", 0, 0, G_OPTION_ARG_FILENAME, &bundle_path,
      N_("Also write a support bundle (tar.gz, secrets removed) to this file"), N_("OUT.tar.gz") },
    { "upgrade", 0, 0, G_OPTION_ARG_NONE, &upgrade,
      N_("Report on the whole upgrade (every stage) of --from/--to/--site"), NULL },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, N_("With --upgrade: the version the site was at"), N_("V") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to, N_("With --upgrade: the version upgraded to"), N_("V") },
    { "site", 0, 0, G_OPTION_ARG_STRING, &site,
      N_("With --upgrade: the site (default: the configuration's site_id)"), N_("ID") },
    G_OPTION_ENTRY_NULL
  };

  if (!upgctl_parse_options (ctl, entries, "EXECUTION_ID | --upgrade --from V --to V [--site ID]",
                             &argc, &argv, &error))
    return upgctl_fail (ctl, error);
  if (!check_combination (argc, argv, upgrade, from, to, site, bundle_path, &error) ||
      (format_text != NULL && !upg_report_format_from_string (format_text, &format, &error)) ||
      !check_output_folder ("-o", output_path, &error) ||
      !check_output_folder ("--support-bundle", bundle_path, &error) ||
      !check_bundle_option (ctl, &error) || !upgctl_exec_init (&exec, ctl, FALSE, &error))
    return upgctl_fail (ctl, error);

  if (upgrade)
    {
      report = upgrade_report (ctl, &exec, from, to, site, format, &error);
      if (report == NULL)
        return upgctl_fail (ctl, error);
      return emit (ctl, NULL, format, report, output_path, NULL);
    }

  report = upg_report_for_execution (exec.journal, argv[1], format, &error);
  if (report == NULL)
    return upgctl_fail (ctl, error);
  if (bundle_path != NULL)
    {
      g_autoptr(JsonNode) assessment = NULL;

      if ((bundle = optional_bundle (ctl, &error)) == NULL && error != NULL)
        return upgctl_fail (ctl, error);
      assessment = execution_assessment (ctl, exec.journal, argv[1], bundle);
      if (!upg_support_bundle_create (exec.journal, argv[1], ctl->state_dir, ctl->config_path,
                                      upgctl_get_config (ctl, NULL), bundle, assessment,
                                      bundle_path, &error))
        return upgctl_fail (ctl, error);
    }
  return emit (ctl, argv[1], format, report, output_path, bundle_path);
}
