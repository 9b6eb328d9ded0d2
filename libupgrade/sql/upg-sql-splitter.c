/* upg-sql-splitter.c - split SQL scripts the way the native clients do
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One linear pass over the script. The lexical rules follow the clients
 * that operators use to run the same scripts by hand:
 *
 *  - MySQL/MariaDB: `mariadb` (client/mysql.cc add_line): the current
 *    DELIMITER, `--␠`, `#` and `/ * * /` comments (`/ *!` executable
 *    comments are statement text), '…' and "…" with backslash escapes,
 *    `…` without, `\g` / `\G` terminators.
 *
 * The driver and the shared scanning are here; the dialects' steps are in
 * upg-sql-dialects.c.
 *  - PostgreSQL: `psql` (psqlscan.l): `--` and nested `/ * * /` comments,
 *    '…', E'…', "…", dollar quotes, parentheses and the BEGIN … END
 *    heuristic of CREATE FUNCTION/PROCEDURE bodies (SQL-standard bodies).
 *  - SQLite: the `sqlite3` shell (sqlite3_complete): '…', "…", `…`, […],
 *    CREATE TRIGGER … END; bodies.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "upg-sql-splitter.h"
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
                    : "";

  memset (s->special, 0, sizeof s->special);
  for (const char *c = common; *c; c++)
    s->special[(guchar) *c] = TRUE;
  for (const char *c = extra; *c; c++)
    s->special[(guchar) *c] = TRUE;
  /* psql and sqlite3 look at words (BEGIN … END, CREATE TRIGGER). */
  if (s->dialect == UPG_DIALECT_POSTGRESQL || s->dialect == UPG_DIALECT_SQLITE)
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

static gboolean
check_utf8 (Splitter *s)
{
  const char *bad = NULL;
  guint line = 1;

  if (g_utf8_validate_len (s->text, s->len, &bad))
    return TRUE;
  for (const char *p = s->text; p < bad; p++)
    if (*p == '\n')
      line++;
  {
    /* G_GSIZE_FORMAT glued into the message would hide it from xgettext. */
    g_autofree char *offset = g_strdup_printf ("%" G_GSIZE_FORMAT, (gsize) (bad - s->text));

    return upg_scan_fail (s, line, _("invalid UTF-8 (byte 0x%02x at offset %s); scripts must be UTF-8 "
                            "(binary data in a dump: dump with mariadb-dump --hex-blob)"),
                          (guchar) *bad, offset);
  }
}

static gboolean (*
step_of (UpgDialect dialect)) (Splitter *)
{
  return dialect == UPG_DIALECT_MYSQL ? upg_scan_mysql_step
       : dialect == UPG_DIALECT_POSTGRESQL ? upg_scan_pg_step
       : dialect == UPG_DIALECT_SQLITE ? upg_scan_sqlite_step
       : upg_scan_plain_step;
}

gboolean
upg_scan_run (Splitter *s)
{
  UpgDialect dialect = s->dialect;
  gboolean (*step) (Splitter *) = step_of (dialect);

  if (!check_utf8 (s))
    return FALSE;
  /* A UTF-8 byte order mark is not SQL; editors add it. */
  if (upg_scan_starts_with (s, "\xef\xbb\xbf", 3))
    s->pos = s->line_begin = 3;

  while (s->pos < s->len)
    {
      if (is_space (s->text[s->pos]))
        upg_scan_advance (s, 1);
      else if (!step (s))
        return FALSE;
      /* A `-- @database:` line switched to another kind of database. */
      if (G_UNLIKELY (s->dialect != dialect))
        step = step_of (dialect = s->dialect);
    }

  /* The clients run a last statement without delimiter, but SQLite
   * cannot run a trigger whose body lacks its END. */
  if (s->in_stmt && s->dialect == UPG_DIALECT_SQLITE &&
      (s->trigger_state == 5 || s->trigger_state == 6))
    return upg_scan_fail (s, s->stmt_line, _("CREATE TRIGGER without END; at end of file"));
  if (s->in_stmt && s->dialect == UPG_DIALECT_MYSQL)
    {
      gboolean ok;

      while (s->len > s->stmt_start && is_space (s->text[s->len - 1]))
        s->len--;
      if (upg_scan_mysql_statement_command (s, s->len, &ok))
        return ok;
    }
  upg_scan_finish_statement (s, s->len, NULL);
  return TRUE;
}

/**
 * upg_sql_split:
 * @text: (array length=length) (element-type guint8): the script
 * @length: length of @text in bytes, or -1 if it is nul-terminated
 * @file: the script's name, used in statements and error messages
 * @dialect: the SQL dialect of the target database
 * @error: return location for a #GError
 *
 * Splits a SQL script into statements exactly as the dialect's native
 * client (`mariadb`, `psql`, `sqlite3`) would send them to the server.
 *
 * Each statement's text excludes its delimiter, the whitespace around it
 * and the comments before it (PostgreSQL: like psql, block comments before
 * it are kept); comments inside it are kept as written, so a statement
 * reaches the server byte for byte as the script has it. That is what
 * `mariadb --comments` sends; the client's default strips them, which
 * makes no difference to ordinary statements but does to the source the
 * server stores for procedures, functions and triggers (ours keeps the
 * author's comments). MySQL `/ *! … * /` executable comments are always
 * statement text. Empty and
 * comment-only statements (`;;`) are dropped. A last statement without a
 * delimiter runs to the end of the file, as the clients run it; a leading
 * UTF-8 byte order mark is skipped.
 *
 * A comment line `-- @database: <name>`, on a line of its own between
 * statements, routes the statements after it to data source `<name>`; it
 * belongs to no statement.
 *
 * MySQL `DELIMITER x` lines (case-insensitive, at the start of a line,
 * between statements) change the delimiter and are not statements; `\g`
 * and `\G` end a statement. The clients' sandbox commands, which dumps
 * carry, are no-ops as in the clients: MySQL `\-` (mariadb-dump's first
 * line) is dropped wherever it is outside quotes and comments, psql
 * `\restrict` / `\unrestrict` lines (pg_dump's) between statements are
 * skipped. Other client commands (mysql's named commands such as `use`
 * or `source` where the client reads them, other `\x` commands in MySQL,
 * psql meta-commands such as `\set` or `\i`, sqlite3 dot-commands) are
 * refused: scripts contain SQL only (the scripts of a bundle may include
 * files, see upg-sql-client-commands.c); so is PostgreSQL `COPY … FROM stdin`, whose
 * data lines psql reads from the script. The sqlite3 shell's `#` comment
 * lines are skipped like the shell does.
 *
 * Errors are %UPG_ERROR_INVALID_BUNDLE, their message starts with
 * `file:line:`: invalid UTF-8, unterminated quote, comment or dollar quote
 * (the line where it starts), bad DELIMITER line, client command, MySQL
 * backslash ending a line outside quotes (the client would drop it),
 * `COPY … FROM stdin` (the line of the COPY),
 * misplaced `-- @database:`, CREATE TRIGGER without END at end of file.
 *
 * Returns: (transfer container) (element-type UpgSqlStatement): the
 *   statements (the array owns them: it frees them with itself),
 *   or %NULL on error
 */
GPtrArray *
upg_sql_split (const char  *text,
               gssize       length,
               const char  *file,
               UpgDialect   dialect,
               GError     **error)
{
  g_autoptr(GPtrArray) out = NULL;
  Splitter s = { 0 };
  gboolean ok;

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (file != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_sql_statement_unref);
  upg_scan_init (&s, text ? text : "", length < 0 ? strlen (text ? text : "") : (gsize) length, file, out, error);
  s.dialect = dialect;
  s.delimiter = g_ref_string_new (";");
  s.delimiter_len = 1;
  upg_scan_mark_special (&s);

  ok = upg_scan_run (&s);
  upg_scan_clear (&s);
  return ok ? g_steal_pointer (&out) : NULL;
}

/*
 * upg_sql_is_one_statement:
 * @text: a statement as the splitter gave it
 * @dialect: its dialect
 *
 * Whether @text holds exactly one statement for the dialect's client: a
 * MySQL statement ended by a DELIMITER other than `;` may hold several.
 * The splitter's statements are lexically complete, so without a `;` the
 * answer is yes (the common case, spared a second scan).
 */
gboolean
upg_sql_is_one_statement (const char *text,
                          UpgDialect  dialect)
{
  g_autoptr(GPtrArray) parts = NULL;

  if (strchr (text, ';') == NULL)
    return TRUE;
  parts = upg_sql_split (text, -1, "statement", dialect, NULL);
  return parts != NULL && parts->len == 1 &&
         g_str_equal (upg_sql_statement_get_text (g_ptr_array_index (parts, 0)), text);
}

/**
 * upg_sql_split_file:
 * @path: (type filename): the script to read
 * @display_name: (nullable): the name statements and errors carry, e.g.
 *   the path inside the bundle; %NULL for @path
 * @dialect: the SQL dialect of the target database
 * @error: return location for a #GError
 *
 * Reads @path and splits it with [func@sql_split].
 *
 * Returns: (transfer container) (element-type UpgSqlStatement): the
 *   statements (the array owns them: it frees them with itself),
 *   or %NULL on error
 */
GPtrArray *
upg_sql_split_file (const char  *path,
                    const char  *display_name,
                    UpgDialect   dialect,
                    GError     **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;
  const char *name = display_name ? display_name : path;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                   _("%s: cannot read SQL script: %s"), name, local_error->message);
      return NULL;
    }
  return upg_sql_split (contents, length, name, dialect, error);
}
