/* upgradectl-restore.c - `upgradectl restore BACKUP_ID [--table T] --yes`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-backup-restore-private.h"
#include "upgradectl-commands.h"
#include "upgradectl-executor.h"

/* `--json`: `{"restored": true, …}`, the rest added by the caller. */
static JsonBuilder *
begin_restored (void)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "restored");
  json_builder_add_boolean_value (builder, TRUE);
  return builder;
}

static void
print_restored (UpgCtl      *ctl,
                JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = NULL;

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  upgctl_print_json (ctl, root);
}

static int
restore_config_file (UpgCtl              *ctl,
                     UpgCtlExec          *exec,
                     UpgConfigFileRecord *file,
                     const char          *table,
                     gboolean             yes)
{
  g_autoptr(GError) error = NULL;

  if (table != NULL)
    {
      g_set_error (&error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("'%s' is a kept configuration file, not a database backup: --table does not apply"), file->id);
      return upgctl_fail (ctl, error);
    }
  if (file->kept_path == NULL)
    {
      g_set_error (&error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
                   _("'%s' created %s, which did not exist before: no previous file was kept"), file->id,
                   file->target);
      return upgctl_fail (ctl, error);
    }
  if (!yes)
    {
      g_set_error (&error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("restore replaces %s with the copy kept by execution %s: add --yes to confirm"), file->target,
                   file->execution_id);
      return upgctl_fail (ctl, error);
    }
  if (!upg_config_file_restore (exec->journal, file, &error))
    return upgctl_fail (ctl, error);
  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = begin_restored ();

      json_builder_set_member_name (builder, "config_file");
      upgctl_config_file_to_json (builder, file);
      print_restored (ctl, builder);
    }
  else
    g_print (_("%s put back as it was before execution %s (kept file %s)\n"), file->target, file->execution_id,
             file->id);
  return 0;
}

/**
 * upgctl_cmd_restore:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"restore"`
 *
 * Restores a backup (one table with `--table`) into its data source,
 * after checking its SHA-256, or a configuration file a `config` step
 * kept into its target; journaled. Overwriting live data needs
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
  g_autoptr(UpgConfigFileRecord) file = NULL;
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
  if (!upgctl_exec_init (&exec, ctl, FALSE, &error))
    return upgctl_fail (ctl, error);
  /* The id of a configuration file a `config` step kept (`backups`
   * lists them too): put back into its target. */
  file = upg_journal_get_config_file (exec.journal, argv[1], &error);
  if (file == NULL && error != NULL)
    return upgctl_fail (ctl, error);
  if (file != NULL)
    return restore_config_file (ctl, &exec, file, table, yes);
  if (!yes)
    {
      g_set_error (&error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("restore replaces the tables of backup %s in its data source: add --yes to confirm"), argv[1]);
      return upgctl_fail (ctl, error);
    }
  if (!upg_backup_restore (exec.journal, exec.config, argv[1], table, NULL, &restored, &error))
    return upgctl_fail (ctl, error);

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = begin_restored ();

      json_builder_set_member_name (builder, "table");
      if (table != NULL)
        json_builder_add_string_value (builder, table);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "backup");
      upgctl_backup_to_json (builder, restored);
      print_restored (ctl, builder);
    }
  else if (table != NULL)
    g_print (_("Table %s of data source %s restored from backup %s\n"), table, restored->database, restored->id);
  else
    g_print (_("Data source %s restored from backup %s\n"), restored->database, restored->id);
  return 0;
}
