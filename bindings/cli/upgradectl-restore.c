/* upgradectl-restore.c - `upgradectl restore BACKUP_ID [--table T] --yes`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-backup-restore-private.h"
#include "upgradectl-commands.h"
#include "upgradectl-executor.h"

/**
 * upgctl_cmd_restore:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"restore"`
 *
 * Restores a backup (one table with `--table`) into its data source,
 * after checking its SHA-256; journaled. Overwriting live data needs
 * `--yes`.
 *
 * Returns: 0; 2 on bad input (no `--yes`, unknown backup or table); 1
 *   when the restore failed
 */
int
upgctl_cmd_restore (UpgCtl *ctl, int argc, char **argv)
{
  g_autofree char *table = NULL;
  gboolean yes = FALSE;
  g_autoptr(GError) error = NULL;
  g_auto(UpgCtlExec) exec = { 0 };
  g_autoptr(UpgBackupRecord) restored = NULL;
  const GOptionEntry entries[] = {
    { "table", 0, 0, G_OPTION_ARG_STRING, &table, N_("Restore this table only"), N_("TABLE") },
    { "yes", 0, 0, G_OPTION_ARG_NONE, &yes, N_("Confirm: the data source's tables are replaced"), NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!upgctl_parse_options (ctl, entries, "restore BACKUP_ID", &argc, &argv, &error))
    return upgctl_fail (ctl, error);
  if (argc != 2)
    {
      g_set_error_literal (&error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           _("restore needs exactly one BACKUP_ID (see `upgradectl backups`)"));
      return upgctl_fail (ctl, error);
    }
  if (!yes)
    {
      g_set_error (&error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("restore replaces the tables of backup %s in its data source: add --yes to confirm"), argv[1]);
      return upgctl_fail (ctl, error);
    }
  if (!upgctl_exec_init (&exec, ctl, FALSE, &error) ||
      !upg_backup_restore (exec.journal, exec.config, argv[1], table, NULL, &restored, &error))
    return upgctl_fail (ctl, error);

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "restored");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_set_member_name (builder, "table");
      if (table != NULL)
        json_builder_add_string_value (builder, table);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "backup");
      upgctl_backup_to_json (builder, restored);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      upgctl_print_json (ctl, root);
    }
  else if (table != NULL)
    g_print (_("Table %s of data source %s restored from backup %s\n"), table, restored->database, restored->id);
  else
    g_print (_("Data source %s restored from backup %s\n"), restored->database, restored->id);
  return 0;
}
