/* upg-sql-scanner.c - the scanning the splitter's dialects share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Positions, lines, statements, comments, quotes and words: what every
 * dialect's step (upg-sql-dialects.c) and the clients' commands
 * (upg-sql-client-commands.c) do to a #Splitter. The driver that picks
 * the steps is upg-sql-splitter.c.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "upg-sql-scanner-private.h"
#include "upg-sql-statement-private.h"

#define DATABASE_TAG "@database:"

gboolean
upg_scan_fail (Splitter   *s,
               guint       line,
               const char *format,
               ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (s->error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
               "%s:%u: %s", s->file, line, what);
  return FALSE;
}

/* Advances over @n bytes, counting lines. */
void
upg_scan_advance (Splitter *s,
                  gsize     n)
{
  gsize end = MIN (s->pos + n, s->len);

  for (; s->pos < end; s->pos++)
    if (s->text[s->pos] == '\n')
      {
        s->line++;
        s->line_begin = s->pos + 1;
      }
}

/* Advances over one byte, counting lines; inline for the inner loops. */
static inline void
next_byte (Splitter *s)
{
  if (s->text[s->pos] == '\n')
    {
      s->line++;
      s->line_begin = s->pos + 1;
    }
  s->pos++;
}

gboolean
upg_scan_starts_with (const Splitter *s,
                      const char     *prefix,
                      gsize           prefix_len)
{
  return s->len - s->pos >= prefix_len &&
         memcmp (s->text + s->pos, prefix, prefix_len) == 0;
}

/* ---- statements ------------------------------------------------------ */

static void
reset_statement (Splitter *s)
{
  s->in_stmt = FALSE;
  s->comment_start = -1;
  s->paren_depth = 0;
  s->begin_depth = 0;
  s->ident_count = 0;
  s->trigger_state = 1;
  if (s->dropped != NULL)
    g_array_set_size (s->dropped, 0);
}

void
upg_scan_drop_statement (Splitter *s)
{
  reset_statement (s);
}

void
upg_scan_begin_statement (Splitter *s)
{
  if (s->in_stmt)
    return;
  s->in_stmt = TRUE;
  s->stmt_start = s->comment_start >= 0 ? (gsize) s->comment_start : s->pos;
  s->stmt_line = s->line;
}

/* The text of the statement [@start, @end) as the client sends it:
 * without the MySQL `\-` sandbox commands the scan met in it (see
 * mysql_backslash()). */
static char *
statement_text (const Splitter *s,
                gsize           start,
                gsize           end)
{
  GString *out;
  gsize copied = start;

  if (s->dropped == NULL || s->dropped->len == 0)
    return g_strndup (s->text + start, end - start);
  out = g_string_sized_new (end - start);
  for (guint i = 0; i < s->dropped->len; i++)
    {
      gsize at = g_array_index (s->dropped, gsize, i);

      g_string_append_len (out, s->text + copied, at - copied);
      copied = at + 2;
    }
  g_string_append_len (out, s->text + copied, end - copied);
  while (out->len > 0 && is_space (out->str[out->len - 1]))
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}

/* Ends the current statement at @end (exclusive; the delimiter starts
 * there). Statements holding nothing but whitespace are dropped. */
void
upg_scan_finish_statement (Splitter   *s,
                           gsize       end,
                           char       *delimiter)
{
  gsize start = s->stmt_start;

  if (!s->in_stmt)
    {
      reset_statement (s);
      return;
    }
  while (end > start && is_space (s->text[end - 1]))
    end--;
  if (end > start)
    {
      char *text = statement_text (s, start, end);

      g_ptr_array_add (s->out,
                       upg_sql_statement_new_take (text,
                                                   s->file_ref, s->stmt_line,
                                                   s->out->len + 1, s->database,
                                                   delimiter));
    }
  reset_statement (s);
}

/* ---- comments and quotes -------------------------------------------- */

/* `-- @database: name` outside a statement changes the routing. */
gboolean
upg_scan_line_comment (Splitter *s,
                       gsize     skip)
{
  const char *start = s->text + s->pos + skip;
  const char *eol = memchr (start, '\n', s->len - (s->pos + skip));
  gsize n = (eol ? (gsize) (eol - start) : s->len - (s->pos + skip));
  g_autofree char *body = g_strstrip (g_strndup (start, n));

  if (skip == 2 && g_str_has_prefix (body, DATABASE_TAG))
    {
      char *name = g_strstrip (body + strlen (DATABASE_TAG));

      if (!upg_scan_only_blanks_before (s))
        return upg_scan_fail (s, s->line, _("'-- %s' must be on a line of its own"), DATABASE_TAG);
      if (s->in_stmt)
        return upg_scan_fail (s, s->line,
                              _("'-- %s' inside a statement (the statement "
                                "on line %u is not ended); put it between statements"),
                              DATABASE_TAG, s->stmt_line);
      if (*name == '\0' || strpbrk (name, " \t") != NULL)
        return upg_scan_fail (s, s->line,
                              _("'-- %s' expects one data source name, got '%s'"),
                              DATABASE_TAG, name);
      if (s->lookup != NULL)
        {
          UpgDialect dialect = s->dialect;

          if (!s->lookup (name, &dialect, s->lookup_data))
            return upg_scan_fail (s, s->line, _("'-- %s %s': data source '%s' is not configured"),
                                  DATABASE_TAG, name, name);
          /* The statements after it go to that database: split them
           * with its client's rules. */
          if (dialect != s->dialect)
            {
              s->dialect = dialect;
              upg_scan_mark_special (s);
            }
        }
      g_clear_pointer (&s->database, g_ref_string_release);
      s->database = g_ref_string_new (name);
      s->comment_start = -1;   /* the directive is part of no statement */
    }
  s->pos += skip + n;
  return TRUE;
}

gboolean
upg_scan_block_comment (Splitter *s,
                        gboolean  nested)
{
  guint start_line = s->line;
  guint depth = 1;

  s->pos += 2;
  while (s->pos < s->len)
    {
      char c = s->text[s->pos];

      if (c == '*' && peek (s, 1) == '/')
        {
          s->pos += 2;
          if (--depth == 0)
            return TRUE;
          continue;
        }
      if (nested && c == '/' && peek (s, 1) == '*')
        {
          s->pos += 2;
          depth++;
          continue;
        }
      next_byte (s);
    }
  return upg_scan_fail (s, start_line, "unterminated /* comment at end of file (it starts here)");
}

/* Skips a quoted string, identifier or […] starting at the opening
 * character. A doubled closing character stays inside; @backslash makes
 * `\` escape the next character. */
gboolean
upg_scan_quoted (Splitter *s,
                 char      close,
                 gboolean  backslash)
{
  guint start_line = s->line;
  char open = s->text[s->pos];

  s->pos++;
  while (s->pos < s->len)
    {
      char c = s->text[s->pos];

      if (c == close)
        {
          s->pos++;
          if (peek (s, 0) == close && close != ']')
            {
              s->pos++;
              continue;
            }
          return TRUE;
        }
      if (backslash && c == '\\')
        upg_scan_advance (s, 2);
      else
        next_byte (s);
    }
  return upg_scan_fail (s, start_line, _("unterminated %c...%c at end of file (it starts here)"),
                        open, close);
}

/* ---- words ------------------------------------------------------------ */

gsize
upg_scan_word_length (const Splitter *s)
{
  gsize i = s->pos;

  while (i < s->len && is_ident_cont (s->text[i]))
    i++;
  return i - s->pos;
}

/* ---- plain text ------------------------------------------------------ */

void
upg_scan_mark_special (Splitter *s)
{
  const char *common = "\n;-/'\"";
  const char *extra = s->dialect == UPG_DIALECT_MYSQL ? "`\\#"
                    : s->dialect == UPG_DIALECT_POSTGRESQL ? "\\$()"
                    : s->dialect == UPG_DIALECT_SQLITE ? "`[$"
                    : s->dialect == UPG_DIALECT_CLICKHOUSE ? "`#()"
                    : "";

  memset (s->special, 0, sizeof s->special);
  for (const char *c = common; *c; c++)
    s->special[(guchar) *c] = TRUE;
  for (const char *c = extra; *c; c++)
    s->special[(guchar) *c] = TRUE;
  /* psql and sqlite3 look at words (BEGIN … END, CREATE TRIGGER),
   * clickhouse-client at INSERT … FORMAT. */
  if (s->dialect == UPG_DIALECT_POSTGRESQL || s->dialect == UPG_DIALECT_SQLITE
      || s->dialect == UPG_DIALECT_CLICKHOUSE)
    for (guint c = 0; c < G_N_ELEMENTS (s->special); c++)
      if (is_ident_cont ((char) c))
        s->special[c] = TRUE;
  if (s->dialect == UPG_DIALECT_MYSQL)
    s->special[(guchar) *s->delimiter] = TRUE;
}

/* Inside a statement, skips a run of bytes that mean nothing to the
 * dialect: keeps the split linear with a small constant. */
void
upg_scan_text_run (Splitter *s)
{
  do
    s->pos++;
  while (s->pos < s->len && !s->special[(guchar) s->text[s->pos]]);
}

/* ---- driver ---------------------------------------------------------- */

/* Starts splitting @text (@len bytes) of @file into @out; the caller
 * sets the dialect, the delimiter and what a bundle's script has. */
void
upg_scan_init (Splitter    *s,
               const char  *text,
               gsize        len,
               const char  *file,
               GPtrArray   *out,
               GError     **error)
{
  s->text = text;
  s->len = len;
  s->line = 1;
  s->file = file;
  s->error = error;
  s->out = out;
  s->file_ref = g_ref_string_new (file);
  s->semicolon = g_ref_string_new (";");
  reset_statement (s);
}

void
upg_scan_clear (Splitter *s)
{
  g_clear_pointer (&s->file_ref, g_ref_string_release);
  g_clear_pointer (&s->semicolon, g_ref_string_release);
  g_clear_pointer (&s->delimiter, g_ref_string_release);
  g_clear_pointer (&s->database, g_ref_string_release);
  g_clear_pointer (&s->dropped, g_array_unref);
}
