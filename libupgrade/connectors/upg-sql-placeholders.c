/* upg-sql-placeholders.c - `?` parameters in the backends' dialects
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-sql-placeholders-private.h"

/* Returns the end of the quoted text starting at @p (on the quote). @escapes
 * says whether a backslash escapes the next character (MySQL strings,
 * PostgreSQL E'' strings); a doubled quote is always an escaped quote. An
 * unterminated quote runs to the end of the text, as the server sees it. */
static const char *
skip_quoted (const char *p,
             gboolean    escapes)
{
  char quote = *p++;

  for (; *p != '\0'; p++)
    {
      if (escapes && *p == '\\' && p[1] != '\0')
        p++;
      else if (*p == quote && p[1] == quote)
        p++;
      else if (*p == quote)
        return p + 1;
    }

  return p;
}

static const char *
skip_line (const char *p)
{
  const char *eol = strchr (p, '\n');

  return eol != NULL ? eol + 1 : p + strlen (p);
}

/* PostgreSQL block comments nest; MySQL's do not. */
static const char *
skip_block_comment (const char *p,
                    gboolean    nested)
{
  int depth = 0;

  while (*p != '\0')
    {
      if (p[0] == '/' && p[1] == '*')
        {
          depth = nested || depth == 0 ? depth + 1 : depth;
          p += 2;
        }
      else if (p[0] == '*' && p[1] == '/')
        {
          p += 2;
          if (--depth == 0)
            return p;
        }
      else
        p++;
    }

  return p;
}

static gboolean
is_ident_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || (guchar) c >= 0x80;
}

/* A PostgreSQL dollar quote `$tag$…$tag$` starting at @p; returns %NULL
 * when the `$` does not open one (a parameter `$1`, or part of a name). */
static const char *
skip_dollar_quote (const char *start,
                   const char *p)
{
  const char *tag_end = p + 1;
  g_autofree char *tag = NULL;
  const char *close;

  if (p > start && is_ident_char (p[-1]))
    return NULL;
  if (g_ascii_isdigit (*tag_end))
    return NULL;
  while (is_ident_char (*tag_end) && *tag_end != '$')
    tag_end++;
  if (*tag_end != '$')
    return NULL;

  tag = g_strndup (p, tag_end - p + 1);
  close = strstr (tag_end + 1, tag);

  return close != NULL ? close + strlen (tag) : tag_end + strlen (tag_end);
}

/* Returns where the token at @p that can hide a `?` ends, or @p itself
 * when no quote or comment starts there. */
static const char *
skip_non_code (const char *start,
               const char *p,
               UpgDialect  dialect)
{
  gboolean pg = dialect == UPG_DIALECT_POSTGRESQL;
  gboolean mysql = dialect == UPG_DIALECT_MYSQL;
  /* ClickHouse: backslash escapes in every quote; `#!` and `# ` comments. */
  gboolean ch = dialect == UPG_DIALECT_CLICKHOUSE;

  switch (*p)
    {
    case '\'':
      return skip_quoted (p, mysql || ch || (pg && p > start && (p[-1] == 'E' || p[-1] == 'e')
                                       && (p - 1 == start || !is_ident_char (p[-2]))));
    case '"':
      return skip_quoted (p, mysql || ch);
    case '`':
      return mysql || ch ? skip_quoted (p, ch) : p;
    case '#':
      return mysql || (ch && (p[1] == '!' || p[1] == ' ')) ? skip_line (p) : p;
    case '-':
      /* MySQL wants whitespace after `--`; `1--1` is arithmetic there. */
      if (p[1] == '-' && (!mysql || p[2] == '\0' || g_ascii_isspace (p[2])))
        return skip_line (p);
      return p;
    case '/':
      return p[1] == '*' ? skip_block_comment (p, pg) : p;
    case '$':
      if (pg)
        {
          const char *end = skip_dollar_quote (start, p);
          return end != NULL ? end : p;
        }
      return p;
    default:
      return p;
    }
}

/**
 * upg_sql_replace_placeholders:
 * @sql: a statement
 * @dialect: how quotes and comments are written in @sql
 * @func: (scope call): returns the text of each placeholder
 * @data: data for @func
 * @n_placeholders: (out): the number of placeholders found
 *
 * Replaces each `?` outside quotes, quoted identifiers, comments and (for
 * PostgreSQL) dollar quotes by what @func returns; the rest of the text is
 * copied byte for byte.
 *
 * Returns: (transfer full): the new text
 */
char *
upg_sql_replace_placeholders (const char            *sql,
                              UpgDialect             dialect,
                              UpgSqlPlaceholderFunc  func,
                              gpointer               data,
                              guint                 *n_placeholders)
{
  GString *out = g_string_sized_new (strlen (sql) + 16);
  const char *p = sql;
  guint n = 0;

  while (*p != '\0')
    {
      const char *end = skip_non_code (sql, p, dialect);

      if (end != p)
        {
          g_string_append_len (out, p, end - p);
          p = end;
        }
      else if (*p == '?')
        {
          g_autofree char *value = func (n++, data);

          g_string_append (out, value);
          p++;
        }
      else
        g_string_append_c (out, *p++);
    }

  *n_placeholders = n;
  return g_string_free (out, FALSE);
}

/**
 * upg_sql_check_param_count:
 * @conn: the connection the query is for
 * @n_placeholders: the placeholders in the query
 * @params: (nullable) (array zero-terminated=1): the values given
 * @error: return location for a #GError
 *
 * Returns: %TRUE if there is one value per placeholder
 */
gboolean
upg_sql_check_param_count (UpgConnection  *conn,
                           guint           n_placeholders,
                           const char    **params,
                           GError        **error)
{
  guint n_params = params != NULL ? g_strv_length ((char **) params) : 0;

  if (n_params == n_placeholders)
    return TRUE;

  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               _("query on data source '%s' has %u placeholders but %u values were given"),
               upg_connection_get_name (conn), n_placeholders, n_params);
  return FALSE;
}
