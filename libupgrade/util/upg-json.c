/* upg-json.c - JSON loading with depth limits, and JSON-path error messages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Reading an object's members by type is upg-json-members.c.
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
