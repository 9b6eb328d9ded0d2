/* upgradectl-backups.c - `upgradectl backups [--site ID]`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-backup-restore-private.h"
#include "upg-clickhouse-catalog-private.h"
#include "upg-journal-backups-private.h"
#include "upgradectl-commands.h"
#include "upgradectl-executor.h"

static char *
iso_time (gint64 ms)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (ms / 1000);

  return when != NULL ? g_date_time_format_iso8601 (when) : g_strdup ("");
}

/* What a backup and a kept configuration file both name first: the
 * record and the step of the execution that made it. */
static void
add_origin (JsonBuilder *builder,
            const char  *id,
            const char  *site_id,
            const char  *execution_id,
            const char  *step_id,
            const char  *version)
{
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "site");
  json_builder_add_string_value (builder, site_id);
  json_builder_set_member_name (builder, "execution");
  json_builder_add_string_value (builder, execution_id);
  json_builder_set_member_name (builder, "step_id");
  json_builder_add_string_value (builder, step_id);
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, version);
}

/* The members `restore` prints too: the same object in both. */
void
upgctl_backup_to_json (JsonBuilder     *builder,
                       UpgBackupRecord *r)
{
  g_auto(GStrv) tables = upg_backup_record_tables (r);
  g_autofree char *created = iso_time (r->created_at);
  g_autoptr(JsonNode) counts = r->row_counts != NULL ? json_from_string (r->row_counts, NULL) : NULL;
  g_autoptr(JsonNode) objects = r->objects != NULL ? json_from_string (r->objects, NULL) : NULL;

  json_builder_begin_object (builder);
  add_origin (builder, r->id, r->site_id, r->execution_id, r->step_id, r->version);
  json_builder_set_member_name (builder, "database");
  json_builder_add_string_value (builder, r->database);
  json_builder_set_member_name (builder, "provider");
  json_builder_add_string_value (builder, r->provider);
  json_builder_set_member_name (builder, "tables");
  if (tables == NULL)
    json_builder_add_null_value (builder);
  else
    {
      json_builder_begin_array (builder);
      for (guint i = 0; tables[i] != NULL; i++)
        json_builder_add_string_value (builder, tables[i]);
      json_builder_end_array (builder);
    }
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, r->size);
  json_builder_set_member_name (builder, "sha256");
  json_builder_add_string_value (builder, r->sha256);
  json_builder_set_member_name (builder, "row_counts");
  if (counts != NULL)
    json_builder_add_value (builder, g_steal_pointer (&counts));
  else
    json_builder_add_null_value (builder);
  /* Each object's kind (ClickHouse: views, materialized views…); null
   * when the backup holds tables only. */
  json_builder_set_member_name (builder, "objects");
  if (objects != NULL)
    json_builder_add_value (builder, g_steal_pointer (&objects));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, r->path);
  json_builder_set_member_name (builder, "created");
  json_builder_add_string_value (builder, created);
  json_builder_end_object (builder);
}

/* The members of a kept configuration file, in `backups` and `restore`. */
void
upgctl_config_file_to_json (JsonBuilder         *builder,
                            UpgConfigFileRecord *r)
{
  g_autofree char *created = iso_time (r->created_at);
  g_autofree char *mode = g_strdup_printf ("%04o", r->mode);

  json_builder_begin_object (builder);
  add_origin (builder, r->id, r->site_id, r->execution_id, r->step_id, r->version);
  json_builder_set_member_name (builder, "target");
  json_builder_add_string_value (builder, r->target);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, r->kept_path);
  json_builder_set_member_name (builder, "sha256");
  json_builder_add_string_value (builder, r->old_sha256);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, mode);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, r->status);
  /* Retention removes old executions' folders, kept files included. */
  json_builder_set_member_name (builder, "present");
  json_builder_add_boolean_value (builder, g_file_test (r->kept_path, G_FILE_TEST_IS_REGULAR));
  json_builder_set_member_name (builder, "created");
  json_builder_add_string_value (builder, created);
  json_builder_end_object (builder);
}

static void
print_config_files (GPtrArray *files)
{
  for (guint i = 0; i < files->len; i++)
    {
      UpgConfigFileRecord *r = files->pdata[i];
      g_autofree char *created = iso_time (r->created_at);

      /* TRANSLATORS: kept file id, execution, step, target path, SHA-256, creation time, and
       * " (removed)" when retention removed it */
      g_print (_("%s  execution %s  config %s: %s  sha256 %s  %s%s\n"), r->id, r->execution_id, r->step_id,
               r->target, r->old_sha256, created,
               g_file_test (r->kept_path, G_FILE_TEST_IS_REGULAR) ? "" : _(" (removed)"));
    }
}

/* "src (table), v (view)" from a record's objects, or NULL. */
static char *
objects_text (const char *json)
{
  g_autoptr(JsonNode) node = json != NULL ? json_from_string (json, NULL) : NULL;
  g_autoptr(GString) out = NULL;
  g_autoptr(GList) names = NULL;
  JsonObject *objects;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  objects = json_node_get_object (node);
  out = g_string_new (NULL);
  names = json_object_get_members (objects);
  for (GList *l = names; l != NULL; l = l->next)
    {
      if (out->len > 0)
        g_string_append (out, ", ");
      /* TRANSLATORS: an object of a backup and its kind, e.g. "daily (materialized view)" */
      g_string_append_printf (out, _("%s (%s)"), (char *) l->data,
                              upg_ch_object_kind_label (json_object_get_string_member (objects, l->data)));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
print_text (GPtrArray  *backups,
            GPtrArray  *files,
            const char *site)
{
  if (backups->len == 0 && files->len == 0)
    {
      g_print (_("No backups of site %s\n"), site);
      return;
    }
  for (guint i = 0; i < backups->len; i++)
    {
      UpgBackupRecord *r = backups->pdata[i];
      g_auto(GStrv) tables = upg_backup_record_tables (r);
      g_autofree char *table_text = tables != NULL ? g_strjoinv (",", tables) : g_strdup (_("(whole database)"));
      g_autofree char *created = iso_time (r->created_at);
      g_autofree char *size = g_format_size_full ((guint64) r->size, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *objects = objects_text (r->objects);

      /* TRANSLATORS: backup id, site, execution, data source, tables, size, SHA-256, creation time */
      g_print (_("%s  site %s  execution %s  %s: %s  %s  sha256 %s  %s\n"), r->id, r->site_id, r->execution_id,
               r->database, table_text, size, r->sha256, created);
      if (objects != NULL)
        /* TRANSLATORS: the objects of a backup with their kinds */
        g_print (_("    objects: %s\n"), objects);
    }
  print_config_files (files);
}

/**
 * upgctl_cmd_backups:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"backups"`
 *
 * Lists the site's backups (made by `backup` steps and not removed by
 * retention), newest first, then the previous configuration files that
 * `config` steps kept (each restorable by its id).
 *
 * Returns: 0, or 2 on bad input
 */
int
upgctl_cmd_backups (UpgCtl *ctl, int argc, char **argv)
{
  g_autofree char *site_option = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(UpgCtlExec) exec = { 0 };
  g_autoptr(GPtrArray) backups = NULL, files = NULL;
  const char *site;
  const GOptionEntry entries[] = {
    { "site", 0, 0, G_OPTION_ARG_STRING, &site_option,
      N_("Site (default: the configuration's site_id)"), N_("ID") },
    G_OPTION_ENTRY_NULL
  };

  if (!upgctl_parse_options (ctl, entries, "backups", &argc, &argv, &error) ||
      !upgctl_expect_no_arguments (argc, argv, &error) ||
      !upgctl_exec_init (&exec, ctl, FALSE, &error) ||
      (site = upgctl_exec_site (&exec, site_option, &error)) == NULL ||
      (backups = upg_journal_list_backups (exec.journal, site, NULL, &error)) == NULL ||
      (files = upg_journal_list_config_files (exec.journal, site, &error)) == NULL)
    return upgctl_fail (ctl, error);

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "site");
      json_builder_add_string_value (builder, site);
      json_builder_set_member_name (builder, "backups");
      json_builder_begin_array (builder);
      for (guint i = 0; i < backups->len; i++)
        upgctl_backup_to_json (builder, backups->pdata[i]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "config_files");
      json_builder_begin_array (builder);
      for (guint i = 0; i < files->len; i++)
        upgctl_config_file_to_json (builder, files->pdata[i]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      upgctl_print_json (ctl, root);
    }
  else
    print_text (backups, files, site);
  return 0;
}
