/* upg-step-redis.c - the `redis` and `redis_delete_pattern` members of a step
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `"redis": [["SET", "k", "v"], ["DEL", "k"]]`: commands, each an array of
 * its words (strings only: a number would have to be rendered, and "1"
 * and 1.0 are different values to Redis). `"redis_delete_pattern":
 * "ft:cache:*"`: a SCAN MATCH pattern whose keys are removed.
 *
 * Limits, in the spirit of SPEC §10 (a manifest is read whole): at most
 * UPG_STEP_REDIS_MAX_COMMANDS commands per step, UPG_STEP_REDIS_MAX_WORDS
 * words per command, UPG_STEP_REDIS_MAX_WORD bytes per word. Bulk data
 * belongs in a file a tool step loads, not in a manifest.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-step-private.h"

/* A pattern that begins with a wildcard matches keys of every component:
 * refused, so that a typo cannot empty a shared cache. */
static gboolean
pattern_has_prefix (const char *pattern)
{
  return pattern[0] != '\0' && strchr ("*?[\\", pattern[0]) == NULL;
}

static gboolean
read_command (const UpgJsonCtx  *ctx,
              JsonNode          *node,
              const char        *where,
              GStrv             *out,
              GError           **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *words;
  guint n;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return upg_json_fail (ctx, where, error, _("expected a command as an array of strings "
                                              "such as [\"SET\", \"k\", \"v\"], got %s"),
                          upg_json_type_name (node));
  words = json_node_get_array (node);
  n = json_array_get_length (words);
  if (n == 0 || n > UPG_STEP_REDIS_MAX_WORDS)
    return upg_json_fail (ctx, where, error, _("expected a command of 1 to %u words, got %u"),
                          UPG_STEP_REDIS_MAX_WORDS, n);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *word = json_array_get_element (words, i);
      g_autofree char *at = g_strdup_printf ("%s[%u]", where, i);

      if (json_node_get_value_type (word) != G_TYPE_STRING || JSON_NODE_HOLDS_NULL (word))
        return upg_json_fail (ctx, at, error, _("expected a string (write numbers in quotes), got %s"),
                              upg_json_type_name (word));
      if (strlen (json_node_get_string (word)) > UPG_STEP_REDIS_MAX_WORD)
        return upg_json_fail (ctx, at, error, _("expected at most %u bytes"), UPG_STEP_REDIS_MAX_WORD);
      if (i == 0 && json_node_get_string (word)[0] == '\0')
        return upg_json_fail (ctx, at, error, _("expected a command name, got \"\""));
      g_strv_builder_add (builder, json_node_get_string (word));
    }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

/*
 * upg_step_read_redis:
 * @commands: (out): the `redis` commands (GStrv each), or %NULL
 * @pattern: (out): the `redis_delete_pattern`, or %NULL
 *
 * Reads both members when present; errors name the file and the JSON path
 * of the offending value.
 */
gboolean
upg_step_read_redis (const UpgJsonCtx  *ctx,
                     JsonObject        *object,
                     const char        *path,
                     GPtrArray        **commands,
                     char             **pattern,
                     GError           **error)
{
  g_autoptr(GPtrArray) list = NULL;
  JsonArray *array = NULL;
  const char *text = NULL;
  guint n;

  *commands = NULL;
  *pattern = NULL;
  if (!upg_json_get_array (ctx, object, path, "redis", &array, error)
      || !upg_json_get_string (ctx, object, path, "redis_delete_pattern", FALSE, &text, error))
    return FALSE;
  if (text != NULL && (!pattern_has_prefix (text) || strlen (text) > UPG_STEP_REDIS_MAX_WORD))
    {
      g_autofree char *where = upg_json_member_path (path, "redis_delete_pattern");
      return upg_json_fail (ctx, where, error, _("expected a pattern that starts with a literal key "
                                                 "prefix, such as \"ft:cache:*\", got \"%s\""), text);
    }
  if (array == NULL)
    {
      *pattern = g_strdup (text);
      return TRUE;
    }
  n = json_array_get_length (array);
  if (n == 0 || n > UPG_STEP_REDIS_MAX_COMMANDS)
    {
      g_autofree char *where = upg_json_member_path (path, "redis");
      return upg_json_fail (ctx, where, error, _("expected 1 to %u commands, got %u"),
                            UPG_STEP_REDIS_MAX_COMMANDS, n);
    }
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *where = g_strdup_printf ("%s.redis[%u]", path, i);
      GStrv command = NULL;

      if (!read_command (ctx, json_array_get_element (array, i), where, &command, error))
        return FALSE;
      g_ptr_array_add (list, command);
    }
  *commands = g_steal_pointer (&list);
  *pattern = g_strdup (text);
  return TRUE;
}
