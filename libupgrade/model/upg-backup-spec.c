/* upg-backup-spec.c - what a `backup` step asks for
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `"backup": {"database": "ft_db", "tables": ["orders"], "keep": 3}`
 * (SPEC §4). Read with the manifest, so that a wrong type or an empty
 * table list is an error naming the file and the JSON path before
 * anything runs; whether `database` is configured is known only with the
 * configuration (upg_backup_spec_problem(), used by `validate` and `run`).
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-backup-spec-private.h"
#include "upg-data-source-private.h"

void
upg_backup_spec_free (UpgBackupSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->database);
  g_strfreev (spec->tables);
  g_free (spec);
}

/* A table name goes into dump tool arguments and identifiers: it may not
 * be empty nor start with '-' (it would read as an option). */
static gboolean
check_tables (const UpgJsonCtx *ctx,
              const char       *where,
              GStrv             tables,
              GError          **error)
{
  for (guint i = 0; tables != NULL && tables[i] != NULL; i++)
    {
      g_autofree char *item = g_strdup_printf ("%s.tables[%u]", where, i);

      if (tables[i][0] == '\0' || tables[i][0] == '-')
        return upg_json_fail (ctx, item, error, _("expected a table name, got \"%s\""), tables[i]);
      for (guint j = 0; j < i; j++)
        if (g_str_equal (tables[i], tables[j]))
          return upg_json_fail (ctx, item, error, _("table \"%s\" is listed twice"), tables[i]);
    }
  return TRUE;
}

/*
 * upg_backup_spec_read:
 * @ctx: the manifest file
 * @step: the step object
 * @path: the step's JSON path
 * @error: return location for a #GError
 *
 * Reads the step's `backup` member: `database` (required string),
 * `tables` (optional non-empty array of strings), `keep` (optional
 * integer ≥ 1, default %UPG_BACKUP_DEFAULT_KEEP).
 *
 * Returns: (transfer full) (nullable): the backup, or %NULL with @error
 *   set (or %NULL without error when the step has no `backup` member)
 */
UpgBackupSpec *
upg_backup_spec_read (const UpgJsonCtx *ctx,
                      JsonObject       *step,
                      const char       *path,
                      GError          **error)
{
  g_autoptr(UpgBackupSpec) spec = NULL;
  g_autofree char *where = upg_json_member_path (path, "backup");
  JsonObject *object = NULL;
  const char *database = NULL;
  guint64 keep = UPG_BACKUP_DEFAULT_KEEP;

  if (!upg_json_get_object (ctx, step, path, "backup", &object, error) || object == NULL)
    return NULL;
  spec = g_new0 (UpgBackupSpec, 1);
  if (!upg_json_get_name (ctx, object, where, "database", _("a data source name"), &database, error)
      || !upg_json_get_strv (ctx, object, where, "tables", TRUE, &spec->tables, error)
      || !upg_json_get_uint (ctx, object, where, "keep", 1000, &keep, error)
      || !check_tables (ctx, where, spec->tables, error))
    return NULL;
  if (keep < 1)
    {
      g_autofree char *member = upg_json_member_path (where, "keep");
      upg_json_fail (ctx, member, error, _("expected an integer from 1 to 1000, got 0"));
      return NULL;
    }
  spec->database = g_strdup (database);
  spec->keep = (guint) keep;
  return g_steal_pointer (&spec);
}

/*
 * upg_backup_spec_problem:
 * @spec: a backup
 * @config: the site's configuration
 * @file: the manifest, for the message
 * @path: the step's JSON path, for the message
 *
 * What the configuration says against the backup: its data source is
 * not configured, or is one no dump tool serves (a raw libgda source).
 *
 * Returns: (transfer full) (nullable): the problem, naming the file, the
 *   JSON path and the value; %NULL if there is none
 */
char *
upg_backup_spec_problem (const UpgBackupSpec *spec,
                         UpgConfig           *config,
                         const char          *file,
                         const char          *path)
{
  UpgDataSource *source = upg_config_lookup_data_source (config, spec->database);

  if (source == NULL)
    return g_strdup_printf (_("%s: %s.backup.database: data source '%s' is not configured (see \"datasources\")"),
                            file, path, spec->database);
  if (upg_data_source_get_cnc (source) != NULL || upg_data_source_get_dialect (source) == UPG_DIALECT_OTHER)
    return g_strdup_printf (_("%s: %s.backup.database: data source '%s' cannot be backed up: expected a MySQL, "
                              "PostgreSQL, SQLite or ClickHouse provider"), file, path, spec->database);
  return NULL;
}
