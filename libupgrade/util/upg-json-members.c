/* upg-json-members.c - an object's members read by type
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * upg_json_get_string(), _uint(), _strv(), _version() and their kin: a
 * member absent or null counts as not given, a required one missing or a
 * value of the wrong type is an error naming the file and the member's
 * JSON path. Separate from upg-json.c, which turns text into a tree
 * (with the depth limit) and words the errors these use: this is what
 * the configuration, manifest and step readers call for each member.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-json-private.h"

/* A member that is absent or null counts as not given. */
static JsonNode *
lookup (JsonObject *object,
        const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

static gboolean
wrong_type (const UpgJsonCtx *ctx,
            const char       *path,
            const char       *member,
            JsonNode         *node,
            const char       *expected,
            GError          **error)
{
  g_autofree char *where = upg_json_member_path (path, member);

  return upg_json_fail (ctx, where, error,
                        /* TRANSLATORS: "expected a string, got a number" */
                        _("expected %s, got %s"),
                        expected, upg_json_type_name (node));
}

static gboolean
missing (const UpgJsonCtx *ctx,
         const char       *path,
         const char       *member,
         const char       *expected,
         GError          **error)
{
  g_autofree char *where = upg_json_member_path (path, member);

  return upg_json_fail (ctx, where, error, _("required member is missing: expected %s"),
                        expected);
}

/**
 * upg_json_require_object:
 * @ctx: the file
 * @node: a node
 * @path: its JSON path
 * @out: (out) (transfer none): the object
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @node is an object
 */
gboolean
upg_json_require_object (const UpgJsonCtx *ctx,
                         JsonNode         *node,
                         const char       *path,
                         JsonObject      **out,
                         GError          **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return upg_json_fail (ctx, path, error, _("expected an object, got %s"),
                          upg_json_type_name (node));
  *out = json_node_get_object (node);
  return TRUE;
}

/* An optional member that must be an object or an array. */
static gboolean
get_container (const UpgJsonCtx *ctx,
               JsonObject       *object,
               const char       *path,
               const char       *member,
               JsonNodeType      type,
               JsonNode        **out,
               GError          **error)
{
  JsonNode *node = lookup (object, member);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (JSON_NODE_TYPE (node) != type)
    return wrong_type (ctx, path, member, node,
                       type == JSON_NODE_OBJECT ? _("an object") : _("an array"), error);
  *out = node;
  return TRUE;
}

/**
 * upg_json_get_object:
 * @ctx: the file
 * @object: the enclosing object
 * @path: its JSON path
 * @member: the member to read (optional: @out untouched when absent)
 * @out: (out) (transfer none): the member's object
 * @error: return location for a #GError
 *
 * Returns: %FALSE if the member has another type
 */
gboolean
upg_json_get_object (const UpgJsonCtx *ctx,
                     JsonObject       *object,
                     const char       *path,
                     const char       *member,
                     JsonObject      **out,
                     GError          **error)
{
  JsonNode *node;

  if (!get_container (ctx, object, path, member, JSON_NODE_OBJECT, &node, error))
    return FALSE;
  if (node != NULL)
    *out = json_node_get_object (node);
  return TRUE;
}

/**
 * upg_json_get_array:
 * @ctx: the file
 * @object: the enclosing object
 * @path: its JSON path
 * @member: the member to read (optional)
 * @out: (out) (transfer none): the member's array
 * @error: return location for a #GError
 *
 * Returns: %FALSE if the member has another type
 */
gboolean
upg_json_get_array (const UpgJsonCtx *ctx,
                    JsonObject       *object,
                    const char       *path,
                    const char       *member,
                    JsonArray       **out,
                    GError          **error)
{
  JsonNode *node;

  if (!get_container (ctx, object, path, member, JSON_NODE_ARRAY, &node, error))
    return FALSE;
  if (node != NULL)
    *out = json_node_get_array (node);
  return TRUE;
}

/**
 * upg_json_get_string:
 * @ctx: the file
 * @object: the enclosing object
 * @path: its JSON path
 * @member: the member to read
 * @required: whether a missing member is an error
 * @out: (out) (transfer none): the string (untouched when absent)
 * @error: return location for a #GError
 *
 * Returns: %FALSE on a wrong type or a missing required member
 */
gboolean
upg_json_get_string (const UpgJsonCtx *ctx,
                     JsonObject       *object,
                     const char       *path,
                     const char       *member,
                     gboolean          required,
                     const char      **out,
                     GError          **error)
{
  JsonNode *node = lookup (object, member);

  if (node == NULL)
    return required ? missing (ctx, path, member, _("a string"), error) : TRUE;
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return wrong_type (ctx, path, member, node, _("a string"), error);
  *out = json_node_get_string (node);
  return TRUE;
}

/**
 * upg_json_get_name:
 * @ctx: the file
 * @object: the enclosing object
 * @path: its JSON path
 * @member: the member to read, required
 * @expected: what it names, for the message ("a data source name")
 * @out: (out) (transfer none): the string
 * @error: return location for a #GError
 *
 * upg_json_get_string() of a required member that names something: ""
 * is refused as "expected @expected, got """.
 *
 * Returns: %FALSE on a wrong type, a missing member or ""
 */
gboolean
upg_json_get_name (const UpgJsonCtx *ctx,
                   JsonObject       *object,
                   const char       *path,
                   const char       *member,
                   const char       *expected,
                   const char      **out,
                   GError          **error)
{
  g_autofree char *where = NULL;

  if (!upg_json_get_string (ctx, object, path, member, TRUE, out, error))
    return FALSE;
  if (**out != '\0')
    return TRUE;
  where = upg_json_member_path (path, member);
  /* TRANSLATORS: "expected a data source name, got """ */
  return upg_json_fail (ctx, where, error, _("expected %s, got \"\""), expected);
}

static gsize
count_while (const char *text,
             gboolean  (*is) (gchar))
{
  gsize n = 0;

  while (text[n] != '\0' && is (text[n]))
    n++;
  return n;
}

static gboolean
is_lower (gchar c)
{
  return g_ascii_islower (c);
}

static gboolean
is_upper (gchar c)
{
  return g_ascii_isupper (c);
}

static gboolean
is_alnum (gchar c)
{
  return g_ascii_isalnum (c);
}

static gboolean
is_word_char (gchar c)
{
  return g_ascii_isalnum (c) || c == '-';
}

/* A locale as in a desktop entry's `Name[ll_CC.encoding@modifier]`. */
static gboolean
is_locale_name (const char *text)
{
  gsize n = count_while (text, is_lower);

  if (n < 2 || n > 3)
    return FALSE;
  text += n;
  if (*text == '_')
    {
      if (count_while (text + 1, is_upper) != 2)
        return FALSE;
      text += 3;
    }
  if (*text == '.')
    {
      if ((n = count_while (text + 1, is_word_char)) == 0)
        return FALSE;
      text += n + 1;
    }
  if (*text == '@')
    {
      if ((n = count_while (text + 1, is_alnum)) == 0)
        return FALSE;
      text += n + 1;
    }
  return *text == '\0';
}

/**
 * upg_json_get_localized_string:
 * @ctx: the file
 * @object: the enclosing object
 * @path: its JSON path
 * @member: the plain member to read, e.g. `name`
 * @required: whether the plain member must be present
 * @out: (out) (transfer none): the text for the message locale (untouched when absent)
 * @error: return location for a #GError
 *
 * Reads @member as upg_json_get_string() does, but prefers a localized
 * `member[LOCALE]` variant (as in desktop entries): the first of
 * g_get_language_names() with such a member wins (`zh_CN.UTF-8`, then
 * `zh_CN`, then `zh`). Every `member[…]` must name a well-formed locale
 * and hold a string, whichever locale is current, so that a bundle fails
 * validation the same way on every machine.
 *
 * Returns: %FALSE on a malformed or mistyped member
 */
gboolean
upg_json_get_localized_string (const UpgJsonCtx *ctx,
                               JsonObject       *object,
                               const char       *path,
                               const char       *member,
                               gboolean          required,
                               const char      **out,
                               GError          **error)
{
  g_autofree char *prefix = g_strconcat (member, "[", NULL);
  g_autoptr(GList) members = json_object_get_members (object);
  const char * const *languages = g_get_language_names ();

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      const char *unused = NULL;
      g_autofree char *locale = NULL;

      if (!g_str_has_prefix (key, prefix))
        continue;
      locale = g_strndup (key + strlen (prefix), strlen (key) - strlen (prefix));
      if (!g_str_has_suffix (locale, "]") || (locale[strlen (locale) - 1] = '\0', !is_locale_name (locale)))
        {
          g_autofree char *where = upg_json_member_path (path, key);

          return upg_json_fail (ctx, where, error,
                                _("'%s' is not a locale: expected %s[ll], %s[ll_CC] or %s[ll_CC.encoding@modifier]"),
                                locale, member, member, member);
        }
      if (!upg_json_get_string (ctx, object, path, key, FALSE, &unused, error))
        return FALSE;
    }
  for (guint i = 0; languages[i] != NULL; i++)
    {
      g_autofree char *key = NULL;
      JsonNode *node;

      if (g_str_equal (languages[i], "C"))
        continue;
      key = g_strdup_printf ("%s[%s]", member, languages[i]);
      node = lookup (object, key);
      if (node != NULL)
        {
          *out = json_node_get_string (node);
          return TRUE;
        }
    }
  return upg_json_get_string (ctx, object, path, member, required, out, error);
}

/**
 * upg_json_get_uint:
 * @ctx: the file
 * @object: the enclosing object
 * @path: its JSON path
 * @member: the member to read (optional)
 * @max: the largest value accepted
 * @out: (out): the value (untouched when absent)
 * @error: return location for a #GError
 *
 * Returns: %FALSE unless the member is absent or an integer in [0, @max]
 */
gboolean
upg_json_get_uint (const UpgJsonCtx *ctx,
                   JsonObject       *object,
                   const char       *path,
                   const char       *member,
                   guint64           max,
                   guint64          *out,
                   GError          **error)
{
  JsonNode *node = lookup (object, member);
  g_autofree char *expected = NULL;
  g_autofree char *max_text = g_strdup_printf ("%" G_GUINT64_FORMAT, max);
  gint64 value;

  if (node == NULL)
    return TRUE;
  expected = g_strdup_printf (_("an integer from 0 to %s"), max_text);
  if (json_node_get_value_type (node) != G_TYPE_INT64)
    return wrong_type (ctx, path, member, node, expected, error);
  value = json_node_get_int (node);
  if (value < 0 || (guint64) value > max)
    {
      g_autofree char *where = upg_json_member_path (path, member);
      g_autofree char *value_text = g_strdup_printf ("%" G_GINT64_FORMAT, value);

      return upg_json_fail (ctx, where, error, _("expected %s, got %s"), expected, value_text);
    }
  *out = (guint64) value;
  return TRUE;
}

/**
 * upg_json_get_bool:
 * @ctx: the file
 * @object: the enclosing object
 * @path: its JSON path
 * @member: the member to read (optional)
 * @out: (out): the value (untouched when absent)
 * @error: return location for a #GError
 *
 * Returns: %FALSE if the member is not a boolean
 */
gboolean
upg_json_get_bool (const UpgJsonCtx *ctx,
                   JsonObject       *object,
                   const char       *path,
                   const char       *member,
                   gboolean         *out,
                   GError          **error)
{
  JsonNode *node = lookup (object, member);

  if (node == NULL)
    return TRUE;
  if (json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return wrong_type (ctx, path, member, node, _("true or false"), error);
  *out = json_node_get_boolean (node);
  return TRUE;
}

/**
 * upg_json_get_strv:
 * @ctx: the file
 * @object: the enclosing object
 * @path: its JSON path
 * @member: the member to read (optional)
 * @non_empty: whether an empty array is refused
 * @out: (out) (transfer full): the strings (untouched when absent)
 * @error: return location for a #GError
 *
 * Returns: %FALSE unless the member is absent or an array of strings
 */
gboolean
upg_json_get_strv (const UpgJsonCtx *ctx,
                   JsonObject       *object,
                   const char       *path,
                   const char       *member,
                   gboolean          non_empty,
                   char           ***out,
                   GError          **error)
{
  JsonArray *array = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  guint n;

  if (!upg_json_get_array (ctx, object, path, member, &array, error))
    return FALSE;
  if (array == NULL)
    return TRUE;
  n = json_array_get_length (array);
  if (n == 0 && non_empty)
    {
      g_autofree char *where = upg_json_member_path (path, member);
      return upg_json_fail (ctx, where, error, _("expected a non-empty array of strings"));
    }
  builder = g_strv_builder_new ();
  for (guint i = 0; i < n; i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (json_node_get_value_type (item) != G_TYPE_STRING || JSON_NODE_HOLDS_NULL (item))
        {
          g_autofree char *where = g_strdup_printf ("%s.%s[%u]", path, member, i);
          return upg_json_fail (ctx, where, error, _("expected a string, got %s"),
                                upg_json_type_name (item));
        }
      g_strv_builder_add (builder, json_node_get_string (item));
    }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

/**
 * upg_json_get_version:
 * @ctx: the file
 * @object: the enclosing object
 * @path: its JSON path
 * @member: the member to read
 * @required: whether a missing member is an error
 * @out: (out) (transfer full): the version (untouched when absent)
 * @error: return location for a #GError
 *
 * Reads a version given as text (`"3.17.5-P1"`, `"317501"`) or as a JSON
 * integer (`317501`), since the code form is commonly written unquoted.
 *
 * Returns: %FALSE if the member is not a valid version
 */
gboolean
upg_json_get_version (const UpgJsonCtx *ctx,
                      JsonObject       *object,
                      const char       *path,
                      const char       *member,
                      gboolean          required,
                      UpgVersion      **out,
                      GError          **error)
{
  JsonNode *node = lookup (object, member);
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  UpgVersion *version;

  if (node == NULL)
    return required ? missing (ctx, path, member, _("a version such as \"3.17.5\""), error)
                    : TRUE;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    text = g_strdup (json_node_get_string (node));
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  else
    return wrong_type (ctx, path, member, node, _("a version such as \"3.17.5\""), error);
  version = upg_version_parse (text, &local_error);
  if (version == NULL)
    {
      g_autofree char *where = upg_json_member_path (path, member);
      return upg_json_fail (ctx, where, error, "%s", local_error->message);
    }
  *out = version;
  return TRUE;
}
