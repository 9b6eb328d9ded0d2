/* upg-properties-reader.c - Java .properties files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The format of java.util.Properties.load(): `key=value`, `key: value` or
 * `key value`; `#` and `!` comment lines; a line ending in an odd number of
 * backslashes continues on the next one (its leading blanks dropped);
 * escapes `\t \n \r \f \uXXXX` and `\x` for any other x. Text is read as
 * UTF-8 when valid, else as ISO-8859-1 (the Java default).
 */
#include "config.h"

#include "upg-json-private.h"
#include "upg-properties-private.h"

struct _UpgProperties
{
  GPtrArray  *keys;     /* first-appearance order */
  GHashTable *values;   /* key → value; a later line wins, as in Java */
};

static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\f';
}

/* Reads one logical line (continuations joined) starting at *pos. */
static char *
next_logical_line (const char *text,
                   gsize      *pos)
{
  GString *line = g_string_new (NULL);
  gsize i = *pos;
  gboolean continuing = FALSE;

  do
    {
      gboolean first = !continuing;
      gsize start, end, backslashes = 0, lead;

      if (continuing)
        while (text[i] != '\0' && is_blank (text[i]))
          i++;
      start = i;
      while (text[i] != '\0' && text[i] != '\n' && text[i] != '\r')
        i++;
      end = i;
      if (text[i] == '\r' && text[i + 1] == '\n')
        i++;
      if (text[i] != '\0')
        i++;
      while (end - backslashes > start && text[end - backslashes - 1] == '\\')
        backslashes++;
      continuing = (backslashes % 2) == 1;
      for (lead = start; lead < end && is_blank (text[lead]); lead++)
        ;
      /* A comment line never continues. */
      if (first && lead < end && (text[lead] == '#' || text[lead] == '!'))
        continuing = FALSE;
      if (continuing)
        end--;
      g_string_append_len (line, text + start, end - start);
    }
  while (continuing && text[i] != '\0');
  *pos = i;
  return g_string_free (line, FALSE);
}

/* Decodes escapes of s[*i..] up to a terminator (when @key) or the end. */
static char *
unescape (const char *s,
          gsize      *i,
          gboolean    key)
{
  GString *out = g_string_new (NULL);

  while (s[*i] != '\0')
    {
      char c = s[*i];

      if (key && (c == '=' || c == ':' || is_blank (c)))
        break;
      (*i)++;
      if (c != '\\' || s[*i] == '\0')
        {
          g_string_append_c (out, c);
          continue;
        }
      c = s[(*i)++];
      switch (c)
        {
        case 't': g_string_append_c (out, '\t'); break;
        case 'n': g_string_append_c (out, '\n'); break;
        case 'r': g_string_append_c (out, '\r'); break;
        case 'f': g_string_append_c (out, '\f'); break;
        case 'u':
          {
            gunichar u = 0;
            guint n = 0;

            for (; n < 4 && g_ascii_isxdigit (s[*i]); n++, (*i)++)
              u = u * 16 + g_ascii_xdigit_value (s[*i]);
            /* Malformed \u: Java throws; keep what was read, never crash. */
            if (n == 4 && g_unichar_validate (u))
              g_string_append_unichar (out, u);
            break;
          }
        default: g_string_append_c (out, c); break;
        }
    }
  return g_string_free (out, FALSE);
}

static void
add_line (UpgProperties *self,
          const char    *line)
{
  gsize i = 0;
  char *key, *value;

  while (is_blank (line[i]))
    i++;
  if (line[i] == '\0' || line[i] == '#' || line[i] == '!')
    return;
  key = unescape (line, &i, TRUE);
  while (is_blank (line[i]))
    i++;
  if (line[i] == '=' || line[i] == ':')
    i++;
  while (is_blank (line[i]))
    i++;
  value = unescape (line, &i, FALSE);
  /* insert() keeps the first key string (the one in self->keys) and frees
   * the new one; replace() would free the listed one. */
  if (!g_hash_table_contains (self->values, key))
    g_ptr_array_add (self->keys, key);
  g_hash_table_insert (self->values, key, value);
}

/**
 * upg_properties_parse:
 * @data: (array length=length): the file's bytes
 * @length: their length, or -1 when nul-terminated
 *
 * Returns: (transfer full): the properties; never fails
 */
UpgProperties *
upg_properties_parse (const char *data,
                      gssize      length)
{
  UpgProperties *self = g_new0 (UpgProperties, 1);
  g_autofree char *text = NULL;
  gsize pos = 0;

  if (length < 0)
    length = strlen (data);
  if (g_utf8_validate_len (data, length, NULL))
    text = g_strndup (data, length);
  else
    text = g_convert (data, length, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
  self->keys = g_ptr_array_new ();
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* Embedded NULs end the text: properties files are text. */
  while (text != NULL && text[pos] != '\0')
    {
      g_autofree char *line = next_logical_line (text, &pos);

      add_line (self, line);
    }
  return self;
}

/**
 * upg_properties_load:
 * @path: a .properties file
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the properties
 */
UpgProperties *
upg_properties_load (const char *path,
                     GError    **error)
{
  UpgJsonCtx ctx = { path, UPG_ERROR_INVALID_MANIFEST };
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!upg_json_read_file (&ctx, &contents, &length, error))
    return NULL;
  return upg_properties_parse (contents, length);
}

/**
 * upg_properties_free:
 * @self: (transfer full): properties
 */
void
upg_properties_free (UpgProperties *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->keys);
  g_hash_table_unref (self->values);
  g_free (self);
}

/**
 * upg_properties_get:
 * @self: properties
 * @key: a key
 *
 * Returns: (transfer none) (nullable): its value (the last one given)
 */
const char *
upg_properties_get (UpgProperties *self,
                    const char    *key)
{
  return g_hash_table_lookup (self->values, key);
}

/**
 * upg_properties_get_size:
 * @self: properties
 *
 * Returns: the number of distinct keys
 */
guint
upg_properties_get_size (UpgProperties *self)
{
  return self->keys->len;
}

/**
 * upg_properties_key_at:
 * @self: properties
 * @index: below upg_properties_get_size()
 *
 * Returns: (transfer none): the @index-th distinct key in order of first appearance
 */
const char *
upg_properties_key_at (UpgProperties *self,
                       guint          index)
{
  g_return_val_if_fail (index < self->keys->len, NULL);
  return self->keys->pdata[index];
}
