/* upg-assessment-merge.c - one item per (check, subject) across the plan's manifests
 *
 * Every manifest of a plan may repeat the checks of the one before it: the
 * same middleware requirement, the same table to back up, the same rule.
 * An operator wants one item per subject, so the entries of all manifests
 * are collected first and grouped by what they check (a rule's id, a
 * database) before anything runs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-assessment-private.h"
#include "upg-json-private.h"

void
upg_check_entry_free (UpgCheckEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->path);
  g_free (entry);
}

/* A failed item for an entry that cannot be read: names the manifest's
 * file and the JSON path in @error's message. */
UpgCheckResult *
upg_check_entry_invalid (const char   *kind,
                         const char   *id,
                         const GError *error)
{
  UpgCheckResult *item = upg_check_result_new (kind, id, id, UPG_VERDICT_FAIL, error->message);

  upg_check_result_set_suggestion (item, _("fix the check in the manifest"));
  return item;
}

static void
collect_manifest (UpgManifest *manifest,
                  const char  *member,
                  const char  *kind,
                  GPtrArray   *entries,
                  GPtrArray   *items)
{
  UpgJsonCtx ctx = { upg_manifest_get_path (manifest), UPG_ERROR_INVALID_MANIFEST };
  JsonObject *checks = upg_manifest_get_checks (manifest);
  g_autofree char *array_path = g_strdup_printf ("$.checks.%s", member);
  g_autoptr(GError) error = NULL;
  JsonArray *array = NULL;

  if (checks == NULL)
    return;
  if (!upg_json_get_array (&ctx, checks, "$.checks", member, &array, &error))
    {
      g_ptr_array_add (items, upg_check_entry_invalid (kind, array_path, error));
      return;
    }
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s[%u]", array_path, i);
      JsonObject *object = NULL;
      UpgCheckEntry *entry;

      if (!upg_json_require_object (&ctx, json_array_get_element (array, i), path, &object, &error))
        {
          g_ptr_array_add (items, upg_check_entry_invalid (kind, path, error));
          g_clear_error (&error);
          continue;
        }
      entry = g_new0 (UpgCheckEntry, 1);
      entry->manifest = manifest;
      entry->entry = object;
      entry->path = g_steal_pointer (&path);
      g_ptr_array_add (entries, entry);
    }
}

/*
 * Collects the objects of `checks.<member>` of every manifest in
 * @manifests (the plan's order), grouped by their string member @key: one
 * group (a #GPtrArray of #UpgCheckEntry) per distinct value, in the order
 * of first appearance. An entry without @key is a group of its own (its
 * check reports the missing member); a `checks.<member>` that is not an
 * array, or an element that is not an object, becomes a failed item of
 * @kind in @items.
 *
 * Returns: (transfer full) (element-type GPtrArray): the groups
 */
GPtrArray *
upg_check_entries_group (GPtrArray  *manifests,
                         const char *member,
                         const char *kind,
                         const char *key,
                         GPtrArray  *items)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new ();
  g_autoptr(GHashTable) by_key = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *groups = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; manifests != NULL && i < manifests->len; i++)
    collect_manifest (manifests->pdata[i], member, kind, entries, items);
  for (guint i = 0; i < entries->len; i++)
    {
      UpgCheckEntry *entry = entries->pdata[i];
      JsonNode *node = json_object_get_member (entry->entry, key);
      const char *value = node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
                          json_node_get_value_type (node) == G_TYPE_STRING
                            ? json_node_get_string (node) : NULL;
      GPtrArray *group = value != NULL ? g_hash_table_lookup (by_key, value) : NULL;

      if (group == NULL)
        {
          group = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_check_entry_free);
          g_ptr_array_add (groups, group);
          if (value != NULL)
            g_hash_table_insert (by_key, (gpointer) value, group);
        }
      g_ptr_array_add (group, entry);
    }
  return groups;
}

/* The version of the manifest that declares @entry, as text. */
char *
upg_check_entry_version (const UpgCheckEntry *entry)
{
  return upg_version_to_string (upg_manifest_get_version (entry->manifest));
}

/*
 * The entry of @group that counts for a rule id: the newest manifest's.
 * Two manifests that define the same id differently are worth a debug
 * line (the older definition is dropped, not run).
 */
UpgCheckEntry *
upg_check_entries_newest (GPtrArray  *group,
                          const char *what)
{
  UpgCheckEntry *newest = group->pdata[0];

  for (guint i = 1; i < group->len; i++)
    {
      UpgCheckEntry *entry = group->pdata[i];
      g_autofree char *old_version = NULL, *new_version = NULL;

      if (upg_version_compare (upg_manifest_get_version (entry->manifest),
                               upg_manifest_get_version (newest->manifest)) < 0)
        continue;
      if (!json_object_equal (entry->entry, newest->entry))
        {
          old_version = upg_check_entry_version (newest);
          new_version = upg_check_entry_version (entry);
          g_debug ("assessment: %s is defined differently by %s (%s) and %s (%s): keeping %s's",
                   what, old_version, newest->path, new_version, entry->path, new_version);
        }
      newest = entry;
    }
  return newest;
}
