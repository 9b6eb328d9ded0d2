/* upg-check-entries.c - the middleware and backup_tables entries of a manifest's checks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `checks.middleware`: `{"database", "name"?, "min_version"?, "max_version"?}`
 * (server versions such as "10.5"); `checks.backup_tables`: `{"database",
 * "tables"}` (SPEC §4). Read here for the assessment, which runs them, and
 * for `upgradectl validate`, which reports a broken entry before anything
 * runs, as it does for the data-quality rules (upg-quality-rule.c).
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-check-entries-private.h"
#include "upg-manifest.h"

/* The assessment compares the leading dotted numbers of the server's
 * version with the bound: a bound without one compares with nothing. */
static gboolean
check_server_version (const UpgJsonCtx *ctx,
                      const char       *path,
                      const char       *member,
                      const char       *value,
                      GError          **error)
{
  g_autofree char *where = NULL;

  if (value == NULL || g_ascii_isdigit (value[0]))
    return TRUE;
  where = upg_json_member_path (path, member);
  return upg_json_fail (ctx, where, error, _("expected a server version such as \"10.5\", got \"%s\""), value);
}

/*
 * upg_middleware_entry_read:
 * @entry: (out caller-allocates): the entry
 *
 * Returns: %FALSE with %UPG_ERROR_INVALID_MANIFEST naming the file, the
 *   JSON path and what was expected
 */
gboolean
upg_middleware_entry_read (const UpgJsonCtx    *ctx,
                           JsonObject          *object,
                           const char          *path,
                           UpgMiddlewareEntry  *entry,
                           GError             **error)
{
  *entry = (UpgMiddlewareEntry) { NULL };
  return upg_json_get_string (ctx, object, path, "database", TRUE, &entry->database, error)
      && upg_json_get_string (ctx, object, path, "name", FALSE, &entry->name, error)
      && upg_json_get_string (ctx, object, path, "min_version", FALSE, &entry->min_version, error)
      && upg_json_get_string (ctx, object, path, "max_version", FALSE, &entry->max_version, error)
      && check_server_version (ctx, path, "min_version", entry->min_version, error)
      && check_server_version (ctx, path, "max_version", entry->max_version, error);
}

/*
 * upg_backup_tables_entry_read:
 * @database: (out) (transfer none): the data source
 * @tables: (out) (transfer full): its tables, a non-empty list
 *
 * Returns: %FALSE with %UPG_ERROR_INVALID_MANIFEST naming the file, the
 *   JSON path and what was expected
 */
gboolean
upg_backup_tables_entry_read (const UpgJsonCtx  *ctx,
                              JsonObject        *object,
                              const char        *path,
                              const char       **database,
                              GStrv             *tables,
                              GError           **error)
{
  *database = NULL;
  *tables = NULL;
  if (upg_json_get_string (ctx, object, path, "database", TRUE, database, error)
      && upg_json_get_strv (ctx, object, path, "tables", TRUE, tables, error))
    {
      if (*tables != NULL)
        return TRUE;
      g_autofree char *where = upg_json_member_path (path, "tables");

      return upg_json_fail (ctx, where, error, _("required member is missing: expected %s"),
                            _("a non-empty array of strings"));
    }
  g_clear_pointer (tables, g_strfreev);
  return FALSE;
}

static gboolean
read_entry (const UpgJsonCtx *ctx,
            const char       *section,
            JsonObject       *object,
            const char       *path,
            GError          **error)
{
  UpgMiddlewareEntry middleware;
  g_auto(GStrv) tables = NULL;
  const char *database;

  if (g_str_equal (section, "middleware"))
    return upg_middleware_entry_read (ctx, object, path, &middleware, error);
  return upg_backup_tables_entry_read (ctx, object, path, &database, &tables, error);
}

static void
check_section (UpgManifest *manifest,
               const char  *section,
               GPtrArray   *problems)
{
  UpgJsonCtx ctx = { upg_manifest_get_path (manifest), UPG_ERROR_INVALID_MANIFEST };
  g_autoptr(GError) error = NULL;
  JsonArray *entries = NULL;

  if (!upg_json_get_array (&ctx, upg_manifest_get_checks (manifest), "$.checks", section, &entries, &error))
    {
      g_ptr_array_add (problems, g_strdup (error->message));
      return;
    }
  for (guint i = 0; entries != NULL && i < json_array_get_length (entries); i++)
    {
      g_autofree char *path = g_strdup_printf ("$.checks.%s[%u]", section, i);
      JsonObject *object = NULL;

      if (!upg_json_require_object (&ctx, json_array_get_element (entries, i), path, &object, &error)
          || !read_entry (&ctx, section, object, path, &error))
        {
          g_ptr_array_add (problems, g_strdup (error->message));
          g_clear_error (&error);
        }
    }
}

/*
 * upg_bundle_check_check_entries:
 * @self: a bundle
 * @problems: (element-type utf8): where the problems are added
 *
 * What is wrong with the `checks.middleware` and `checks.backup_tables`
 * entries of the bundle's manifests, as the assessment would find it.
 */
void
upg_bundle_check_check_entries (UpgBundle *self,
                                GPtrArray *problems)
{
  GPtrArray *manifests = upg_bundle_get_manifests (self);

  for (guint i = 0; i < manifests->len; i++)
    {
      check_section (manifests->pdata[i], "middleware", problems);
      check_section (manifests->pdata[i], "backup_tables", problems);
    }
}
