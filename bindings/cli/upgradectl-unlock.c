/* upgradectl-unlock.c - `upgradectl unlock --force [--site ID]`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upgradectl-commands.h"
#include "upgradectl-executor.h"

static void
print_result (UpgCtl     *ctl,
              const char *site,
              const char *previous)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (!ctl->json)
    {
      if (previous != NULL)
        g_print (_("Site %s unlocked (it was held by %s)\n"), site, previous);
      else
        g_print (_("Site %s was not locked\n"), site);
      return;
    }
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "site");
  json_builder_add_string_value (builder, site);
  json_builder_set_member_name (builder, "unlocked");
  json_builder_add_boolean_value (builder, previous != NULL);
  json_builder_set_member_name (builder, "previous_holder");
  if (previous != NULL)
    json_builder_add_string_value (builder, previous);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  upgctl_print_json (ctl, root);
}

/**
 * upgctl_cmd_unlock:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"unlock"`
 *
 * Removes the site's lock whoever holds it; `--force` is required, since
 * the holder may still be running.
 *
 * Returns: 0, or 2 without `--force`
 */
int
upgctl_cmd_unlock (UpgCtl *ctl, int argc, char **argv)
{
  gboolean force = FALSE;
  g_autofree char *site_option = NULL;
  g_autofree char *previous = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(UpgCtlExec) exec = { 0 };
  const char *site;
  const GOptionEntry entries[] = {
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Remove the lock even if its holder may be alive"), NULL },
    { "site", 0, 0, G_OPTION_ARG_STRING, &site_option,
      N_("Site (default: the configuration's site_id)"), N_("ID") },
    G_OPTION_ENTRY_NULL
  };

  if (!upgctl_parse_options (ctl, entries, "unlock", &argc, &argv, &error) ||
      !upgctl_expect_no_arguments (argc, argv, &error))
    return upgctl_fail (ctl, error);
  if (!force)
    {
      g_set_error_literal (&error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           _("unlock needs --force: the holder of the lock may still be running"));
      return upgctl_fail (ctl, error);
    }
  if (!upgctl_exec_init (&exec, ctl, FALSE, &error) ||
      (site = upgctl_exec_site (&exec, site_option, &error)) == NULL ||
      !upg_journal_force_unlock (exec.journal, site, &previous, &error))
    return upgctl_fail (ctl, error);
  if (previous != NULL)
    g_warning ("site '%s': lock held by %s removed by unlock --force", site, previous);
  print_result (ctl, site, previous);
  return 0;
}
