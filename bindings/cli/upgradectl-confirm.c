/* upgradectl-confirm.c - `upgradectl confirm --from V --to V [--site ID]
 *                        [--step ID]…`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What `run --confirm` and a run refused for want of confirmation (exit 6)
 * print is in upgradectl-run.c, whose helpers this command uses.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upgradectl-commands.h"
#include "upgradectl-executor.h"

static void
print_steps (JsonArray *steps)
{
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);

      g_print ("  %s (%s, %s): %s\n", json_object_get_string_member (step, "id"),
               json_object_get_string_member (step, "version"), json_object_get_string_member (step, "stage"),
               json_object_get_string_member (step, "reason"));
    }
}

/**
 * upgctl_cmd_confirm:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"confirm"`
 *
 * Confirms steps of the plan that need manual confirmation (SPEC §3), all
 * of them or those of `--step`, journaled as the user at this host. Runs
 * of their stages then proceed.
 *
 * Returns: 0, or 2 (bad input: an unknown step, one that needs no
 *   confirmation, a bad version or site)
 */
int
upgctl_cmd_confirm (UpgCtl *ctl, int argc, char **argv)
{
  g_autofree char *from_text = NULL, *to_text = NULL, *site_option = NULL;
  g_auto(GStrv) step_ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgVersion) from = NULL;
  g_autoptr(UpgVersion) to = NULL;
  g_autoptr(JsonArray) confirmed = NULL;
  g_autoptr(JsonArray) unconfirmed = NULL;
  g_autofree char *who = upgctl_confirm_who ();
  g_auto(UpgCtlExec) exec = { 0 };
  g_autofree char *from_canonical = NULL, *to_canonical = NULL;
  const char *site;
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text, N_("Version the site is at"), N_("V") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to_text, N_("Version to upgrade to"), N_("V") },
    { "site", 0, 0, G_OPTION_ARG_STRING, &site_option,
      N_("Site (default: the configuration's site_id)"), N_("ID") },
    { "step", 0, 0, G_OPTION_ARG_STRING_ARRAY, &step_ids,
      N_("Confirm only this step (repeatable; default: every step that needs confirmation)"), N_("ID") },
    G_OPTION_ENTRY_NULL
  };

  if (!upgctl_parse_options (ctl, entries, "confirm", &argc, &argv, &error) ||
      !upgctl_expect_no_arguments (argc, argv, &error))
    return upgctl_fail (ctl, error);
  if ((from = upgctl_parse_version ("--from", from_text, &error)) == NULL ||
      (to = upgctl_parse_version ("--to", to_text, &error)) == NULL ||
      !upgctl_exec_init (&exec, ctl, TRUE, &error) ||
      (site = upgctl_exec_site (&exec, site_option, &error)) == NULL)
    return upgctl_fail (ctl, error);

  confirmed = upg_executor_confirm (exec.executor, from, to, site, (const char * const *) step_ids, who, "cli",
                                    &error);
  if (confirmed == NULL ||
      (unconfirmed = upg_executor_list_unconfirmed (exec.executor, from, to, site, &error)) == NULL)
    return upgctl_fail (ctl, error);
  from_canonical = upg_version_to_string (from);
  to_canonical = upg_version_to_string (to);

  if (ctl->json)
    {
      g_autoptr(JsonObject) doc = json_object_new ();
      g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), doc);

      json_object_set_string_member (doc, "site", site);
      json_object_set_string_member (doc, "from", from_canonical);
      json_object_set_string_member (doc, "to", to_canonical);
      json_object_set_string_member (doc, "confirmed_by", who);
      json_object_set_array_member (doc, "confirmed", json_array_ref (confirmed));
      json_object_set_array_member (doc, "unconfirmed", json_array_ref (unconfirmed));
      upgctl_print_json (ctl, root);
      return 0;
    }
  if (json_array_get_length (confirmed) == 0)
    g_print (_("Nothing to confirm: the steps asked for are confirmed already.\n"));
  else
    {
      g_print (g_dngettext (GETTEXT_PACKAGE, "Confirmed by %s for site %s, %s → %s (%u step):\n",
                            "Confirmed by %s for site %s, %s → %s (%u steps):\n",
                            json_array_get_length (confirmed)),
               who, site, from_canonical, to_canonical, json_array_get_length (confirmed));
      print_steps (confirmed);
    }
  if (json_array_get_length (unconfirmed) > 0)
    {
      g_print (_("Still to confirm:\n"));
      print_steps (unconfirmed);
    }
  return 0;
}
