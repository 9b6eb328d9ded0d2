/* upg-json.c - typed JSON reading with JSON-path error messages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-json-private.h"

/*
 * json-glib names the position as "<data>:LINE:COL: Parse error: …";
 * an operator needs the file, so replace the placeholder with it.
 */
static void
set_parse_error (const UpgJsonCtx *ctx,
                 const GError     *parse_error,
                 GError          **error)
{
  const char *msg = parse_error->message;

  if (g_str_has_prefix (msg, "<data>:"))
    msg += strlen ("<data>:");
  g_set_error (error, UPG_ERROR, ctx->code, "%s:%s", ctx->file, msg);
}

/*
 * json-glib's parser recurses once per array or object, so a document
 * nested a few hundred thousand deep overflows the stack (SIGSEGV) before
 * it can report anything. The depth is therefore counted on the bytes
 * before any parse: one linear pass, no allocation. Strings (both quote
 * kinds json-glib's scanner knows) and comments (`#`, `//`, slash-star)
 * are skipped, so brackets inside them do not count. Treating every such
 * region as skipped is safe even where json-glib would not accept it: it
 * then stops with a syntax error at the region's first byte, before
 * reaching any bracket the scan did not count.
 */
static gsize
skip_until (const char *data,
            gsize       length,
            gsize       i,
            const char *end)
{
  gsize end_length = strlen (end);

  for (; i < length; i++)
    if (data[i] == end[0] && (end_length == 1 || (i + 1 < length && data[i + 1] == end[1])))
      return i + end_length - 1;
  return length;
}

static gsize
skip_string (const char *data,
             gsize       length,
             gsize       i)
{
  char quote = data[i];

  for (i++; i < length; i++)
    {
      /* GScanner's single-quoted strings have no escapes. */
      if (quote == '"' && data[i] == '\\')
        i++;
      else if (data[i] == quote)
        return i;
    }
  return length;
}

/**
 * upg_json_check_depth:
 * @data: (array length=length): JSON text
 * @length: length of @data, or -1 if nul-terminated
 * @what: what the text is (a file name, "body", a column), named in the error
 * @code: the #UpgError code of the error
 * @error: return location for a #GError
 *
 * Checks, without parsing, that @data nests arrays and objects at most
 * %UPG_JSON_MAX_DEPTH deep. Every JSON text the project reads goes
 * through this before json-glib sees it (see above for why).
 *
 * Returns: %FALSE with "WHAT: JSON nested deeper than 64 levels …" set
 */
gboolean
upg_json_check_depth (const char  *data,
                      gssize       length,
                      const char  *what,
                      UpgError     code,
                      GError     **error)
{
  gsize size = length < 0 ? strlen (data) : (gsize) length;
  guint depth = 0;

  for (gsize i = 0; i < size; i++)
    switch (data[i])
      {
      case '[':
      case '{':
        if (++depth > UPG_JSON_MAX_DEPTH)
          {
            g_set_error (error, UPG_ERROR, code,
                         _("%s: JSON nested deeper than the limit of %u levels (at byte %lu)"),
                         what, (guint) UPG_JSON_MAX_DEPTH, (gulong) i);
            return FALSE;
          }
        break;
      case ']':
      case '}':
        /* Unbalanced closers are the parser's to report. */
        if (depth > 0)
          depth--;
        break;
      case '"':
      case '\'':
        i = skip_string (data, size, i);
        break;
      case '#':
        i = skip_until (data, size, i, "\n");
        break;
      case '/':
        if (i + 1 < size && data[i + 1] == '/')
          i = skip_until (data, size, i, "\n");
        else if (i + 1 < size && data[i + 1] == '*')
          i = skip_until (data, size, i + 2, "*/");
        break;
      default:
        break;
      }
  return TRUE;
}

/**
 * upg_json_load:
 * @data: (array length=length): JSON text
 * @length: length of @data, or -1 if nul-terminated
 * @what: what the text is, named in errors
 * @code: the #UpgError code of errors
 * @error: return location for a #GError
 *
 * json_from_string() with the depth checked first: for the texts the
 * project reads that are not files with JSON-path errors (journal
 * columns, plugin protocol lines, request fields).
 *
 * Returns: (transfer full) (nullable): the root node; %NULL with @error
 *   set when the text is too deep or malformed, %NULL without an error for
 *   an empty text (like json_from_string())
 */
JsonNode *
upg_json_load (const char  *data,
               gssize       length,
               const char  *what,
               UpgError     code,
               GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;

  if (!upg_json_check_depth (data, length, what, code, error))
    return NULL;
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, UPG_ERROR, code, "%s: %s", what, local_error->message);
      return NULL;
    }
  return json_parser_steal_root (parser);
}

/**
 * upg_json_parse:
 * @data: (array length=length): JSON text
 * @length: length of @data, or -1 if nul-terminated
 * @ctx: the file the text comes from
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the root node, never %NULL on success
 */
JsonNode *
upg_json_parse (const char       *data,
                gssize            length,
                const UpgJsonCtx *ctx,
                GError          **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (length < 0)
    length = strlen (data);
  if (!g_utf8_validate (data, length, NULL))
    {
      g_set_error (error, UPG_ERROR, ctx->code,
                   _("%s: malformed JSON: the file is not valid UTF-8"), ctx->file);
      return NULL;
    }
  if (!upg_json_check_depth (data, length, ctx->file, ctx->code, error))
    return NULL;
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      set_parse_error (ctx, local_error, error);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error (error, UPG_ERROR, ctx->code,
                   _("%s:1:1: malformed JSON: the document is empty"), ctx->file);
      return NULL;
    }
  return json_node_ref (root);
}

/**
 * upg_json_read_file:
 * @ctx: names the file to read and the error code
 * @contents: (out) (transfer full): its bytes, nul-terminated
 * @length: (out): their length
 * @error: return location for a #GError
 *
 * Returns: %FALSE with "FILE: cannot read: …" in @ctx's code
 */
gboolean
upg_json_read_file (const UpgJsonCtx *ctx,
                    char            **contents,
                    gsize            *length,
                    GError          **error)
{
  g_autoptr(GError) local_error = NULL;

  if (g_file_get_contents (ctx->file, contents, length, &local_error))
    return TRUE;
  g_set_error (error, UPG_ERROR, ctx->code, _("%s: cannot read: %s"),
               ctx->file, local_error->message);
  return FALSE;
}

/**
 * upg_json_parse_file:
 * @ctx: names the file to read
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the root node of @ctx->file
 */
JsonNode *
upg_json_parse_file (const UpgJsonCtx *ctx,
                     GError          **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!upg_json_read_file (ctx, &contents, &length, error))
    return NULL;
  return upg_json_parse (contents, length, ctx, error);
}

/**
 * upg_json_fail:
 * @ctx: the file
 * @path: the JSON path of the offending value, e.g. `$.upgrade_steps.in_stop[1]`
 * @error: return location for a #GError
 * @format: what was expected, printf-style
 *
 * Sets @error to "FILE: PATH: message" in @ctx's error code.
 *
 * Returns: %FALSE, so callers can `return upg_json_fail (…)`
 */
gboolean
upg_json_fail (const UpgJsonCtx *ctx,
               const char       *path,
               GError          **error,
               const char       *format,
               ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, UPG_ERROR, ctx->code, "%s: %s: %s", ctx->file, path, msg);
  return FALSE;
}

/**
 * upg_json_type_name:
 * @node: (nullable): a node
 *
 * Returns: (transfer none): "a string", "a number", "an object"… for messages
 */
const char *
upg_json_type_name (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return "null";
  /* TRANSLATORS: what a JSON value is, completing "expected %s, got %s". */
  if (JSON_NODE_HOLDS_OBJECT (node))
    return _("an object");
  if (JSON_NODE_HOLDS_ARRAY (node))
    return _("an array");
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return _("a string");
    case G_TYPE_BOOLEAN:
      return _("a boolean");
    case G_TYPE_DOUBLE:
      return _("a fractional number");
    default:
      return _("a number");
    }
}

/**
 * upg_json_member_path:
 * @path: the path of an object
 * @member: one of its members
 *
 * Returns: (transfer full): `PATH.member`
 */
char *
upg_json_member_path (const char *path,
                      const char *member)
{
  return g_strdup_printf ("%s.%s", path, member);
}

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
