/* upgradectl-unlock.c - `upgradectl unlock --force [--site ID]`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-data-source-private.h"
#include "upg-target-lock-private.h"
#include "upgradectl-commands.h"
#include "upgradectl-executor.h"

/* The holder rows a dead run left in the targets (upgrade_target_lock):
 * on SQLite they are the lock itself. A target that cannot be reached is
 * only named: the journal's lock is what unlock is asked for. */
static gboolean
clear_target_locks (UpgCtlExec  *exec,
                    const char  *site,
                    GPtrArray   *cleared_sources,
                    GPtrArray   *cleared_holders,
                    GError     **error)
{
  GPtrArray *sources = upg_config_get_data_sources (exec->config);

  for (guint i = 0; sources != NULL && i < sources->len; i++)
    {
      UpgDataSource *source = g_ptr_array_index (sources, i);
      UpgDialect dialect = upg_data_source_get_dialect (source);
      g_autoptr(UpgConnection) target = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *cleared = NULL;

      if (upg_data_source_get_cnc (source) != NULL ||
          (dialect != UPG_DIALECT_MYSQL && dialect != UPG_DIALECT_POSTGRESQL && dialect != UPG_DIALECT_SQLITE))
        continue;
      target = upg_data_source_open (source, NULL, &local_error);
      if (target == NULL)
        {
          g_warning (_("data source '%s' not reached, its lock not checked: %s"),
                     upg_data_source_get_name (source), local_error->message);
          continue;
        }
      if (!upg_target_lock_clear_stale (target, site, &cleared, error))
        return FALSE;
      if (cleared == NULL)
        continue;
      g_warning ("site '%s': the lock of %s in data source '%s' removed by unlock --force", site, cleared,
                 upg_data_source_get_name (source));
      g_ptr_array_add (cleared_sources, g_strdup (upg_data_source_get_name (source)));
      g_ptr_array_add (cleared_holders, g_steal_pointer (&cleared));
    }
  return TRUE;
}

static void
print_result (UpgCtl     *ctl,
              const char *site,
              const char *previous,
              GPtrArray  *sources,
              GPtrArray  *holders)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (!ctl->json)
    {
      if (previous != NULL)
        g_print (_("Site %s unlocked (it was held by %s)\n"), site, previous);
      else
        g_print (_("Site %s was not locked\n"), site);
      for (guint i = 0; i < sources->len; i++)
        g_print (_("Data source %s unlocked (it was held by %s)\n"), (char *) sources->pdata[i],
                 (char *) holders->pdata[i]);
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
  json_builder_set_member_name (builder, "data_sources_unlocked");
  json_builder_begin_array (builder);
  for (guint i = 0; i < sources->len; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "data_source");
      json_builder_add_string_value (builder, sources->pdata[i]);
      json_builder_set_member_name (builder, "previous_holder");
      json_builder_add_string_value (builder, holders->pdata[i]);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
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
 * the holder may still be running. The rows a dead run left in the
 * targets' `upgrade_target_lock` go too (upg_target_lock_clear_stale()).
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
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) holders = g_ptr_array_new_with_free_func (g_free);
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
      !upg_journal_force_unlock (exec.journal, site, &previous, &error) ||
      !clear_target_locks (&exec, site, sources, holders, &error))
    return upgctl_fail (ctl, error);
  if (previous != NULL)
    g_warning ("site '%s': lock held by %s removed by unlock --force", site, previous);
  print_result (ctl, site, previous, sources, holders);
  return 0;
}
