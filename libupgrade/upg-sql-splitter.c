/* upg-sql-splitter.c - split SQL scripts the way the native clients do
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One linear pass over the script. The lexical rules follow the clients
 * that operators use to run the same scripts by hand:
 *
 *  - MySQL/MariaDB: `mariadb` (client/mysql.cc add_line): the current
 *    DELIMITER, `--␠`, `#` and `/ * * /` comments (`/ *!` executable
 *    comments are statement text), '…', "…" and `…` quotes with backslash
 *    escapes, `\g` / `\G` terminators.
 *  - PostgreSQL: `psql` (psqlscan.l): `--` and nested `/ * * /` comments,
 *    '…', E'…', "…", dollar quotes, parentheses and the BEGIN … END
 *    heuristic of CREATE FUNCTION/PROCEDURE bodies (SQL-standard bodies).
 *  - SQLite: the `sqlite3` shell (sqlite3_complete): '…', "…", `…`, […],
 *    CREATE TRIGGER … END; bodies.
 */
#include "config.h"

#include <string.h>

#include "upg-sql-splitter.h"

#define DATABASE_TAG "@database:"

typedef struct
{
  const char *text;
  gsize len;
  gsize pos;
  guint line;
  const char *file;
  UpgDialect dialect;
  GError **error;

  GPtrArray *out;
  char *delimiter;          /* MySQL: current DELIMITER */
  char *database;           /* last `-- @database:` target */
  gsize line_begin;         /* offset of the current line's first byte */

  /* The statement being collected. */
  gboolean in_stmt;
  gsize stmt_start;
  guint stmt_line;

  /* psql's heuristics. */
  guint paren_depth;
  guint begin_depth;
  guint ident_count;
  char idents[4];

  /* sqlite3_complete's state. */
  guint trigger_state;
} Splitter;

/* sqlite3_complete() tokens and transitions (sqlite/src/complete.c). */
enum { TK_SEMI, TK_WS, TK_OTHER, TK_EXPLAIN, TK_CREATE, TK_TEMP, TK_TRIGGER, TK_END };

static const guint8 sqlite_trans[8][8] = {
  /*              SEMI WS OTHER EXPLAIN CREATE TEMP TRIGGER END */
  /* 0 INVALID */ { 1,  0,  2,    3,      4,     2,   2,      2 },
  /* 1 START   */ { 1,  1,  2,    3,      4,     2,   2,      2 },
  /* 2 NORMAL  */ { 1,  2,  2,    2,      2,     2,   2,      2 },
  /* 3 EXPLAIN */ { 1,  3,  3,    2,      4,     2,   2,      2 },
  /* 4 CREATE  */ { 1,  4,  2,    2,      2,     4,   5,      2 },
  /* 5 TRIGGER */ { 6,  5,  5,    5,      5,     5,   5,      5 },
  /* 6 SEMI    */ { 6,  6,  5,    5,      5,     5,   5,      7 },
  /* 7 END     */ { 1,  7,  5,    5,      5,     5,   5,      5 },
};

static gboolean
fail (Splitter   *s,
      guint       line,
      const char *format,
      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (Splitter   *s,
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

static inline char
peek (const Splitter *s,
      gsize           offset)
{
  return s->pos + offset < s->len ? s->text[s->pos + offset] : '\0';
}

static inline gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline gboolean
is_ident_start (char c)
{
  return g_ascii_isalpha (c) || c == '_' || (guchar) c >= 0x80;
}

static inline gboolean
is_ident_cont (char c)
{
  return is_ident_start (c) || g_ascii_isdigit (c) || c == '$';
}

/* Advances over @n bytes, counting lines. */
static void
advance (Splitter *s,
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

static gboolean
starts_with (const Splitter *s,
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
  s->paren_depth = 0;
  s->begin_depth = 0;
  s->ident_count = 0;
  s->trigger_state = 1;
}

static void
begin_statement (Splitter *s)
{
  if (s->in_stmt)
    return;
  s->in_stmt = TRUE;
  s->stmt_start = s->pos;
  s->stmt_line = s->line;
}

/* Ends the current statement at @end (exclusive; the delimiter starts
 * there). Statements holding nothing but whitespace are dropped. */
static void
finish_statement (Splitter   *s,
                  gsize       end,
                  const char *delimiter)
{
  gsize start = s->stmt_start;
  g_autofree char *text = NULL;

  if (!s->in_stmt)
    {
      reset_statement (s);
      return;
    }
  while (end > start && is_space (s->text[end - 1]))
    end--;
  if (end > start)
    {
      text = g_strndup (s->text + start, end - start);
      g_ptr_array_add (s->out,
                       upg_sql_statement_new (text, s->file, s->stmt_line,
                                              s->out->len + 1, s->database,
                                              delimiter));
    }
  reset_statement (s);
}

/* ---- comments and quotes -------------------------------------------- */

/* `-- @database: name` outside a statement changes the routing. */
static gboolean
line_comment (Splitter *s,
              gsize     skip)
{
  const char *start = s->text + s->pos + skip;
  const char *eol = memchr (start, '\n', s->len - (s->pos + skip));
  gsize n = (eol ? (gsize) (eol - start) : s->len - (s->pos + skip));
  g_autofree char *body = g_strstrip (g_strndup (start, n));

  if (skip == 2 && g_str_has_prefix (body, DATABASE_TAG))
    {
      char *name = g_strstrip (body + strlen (DATABASE_TAG));

      if (s->in_stmt)
        return fail (s, s->line,
                     "'-- " DATABASE_TAG "' inside a statement (the statement "
                     "on line %u is not ended); put it between statements",
                     s->stmt_line);
      if (*name == '\0' || strpbrk (name, " \t") != NULL)
        return fail (s, s->line,
                     "'-- " DATABASE_TAG "' expects one data source name, got '%s'",
                     name);
      g_free (s->database);
      s->database = g_strdup (name);
    }
  s->pos += skip + n;
  return TRUE;
}

static gboolean
block_comment (Splitter *s,
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
      advance (s, 1);
    }
  return fail (s, start_line, "unterminated /* comment at end of file (it starts here)");
}

/* Skips a quoted string, identifier or […] starting at the opening
 * character. A doubled closing character stays inside; @backslash makes
 * `\` escape the next character. */
static gboolean
quoted (Splitter *s,
        char      close,
        gboolean  backslash)
{
  guint start_line = s->line;
  char open = s->text[s->pos];

  s->pos++;
  while (s->pos < s->len)
    {
      char c = s->text[s->pos];

      if (backslash && c == '\\')
        {
          advance (s, 2);
          continue;
        }
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
      advance (s, 1);
    }
  return fail (s, start_line, "unterminated %c…%c at end of file (it starts here)",
               open, close);
}

/* PostgreSQL `$tag$`: returns the delimiter's length, or 0 if the `$` at
 * the current position does not open a dollar quote (e.g. `$1`). */
static gsize
dollar_tag_length (const Splitter *s)
{
  gsize i = s->pos + 1;

  if (s->pos > 0 && is_ident_cont (s->text[s->pos - 1]))
    return 0;
  if (i < s->len && is_ident_start (s->text[i]))
    for (i++; i < s->len && is_ident_cont (s->text[i]) && s->text[i] != '$'; i++)
      ;
  return i < s->len && s->text[i] == '$' ? i + 1 - s->pos : 0;
}

static gboolean
dollar_quoted (Splitter *s,
               gsize     tag_len)
{
  const char *tag = s->text + s->pos;
  guint start_line = s->line;

  s->pos += tag_len;
  while (s->pos < s->len)
    {
      const char *hit = memchr (s->text + s->pos, '$', s->len - s->pos);
      gsize at = hit ? (gsize) (hit - s->text) : s->len;

      advance (s, at - s->pos);
      if (hit == NULL)
        break;
      if (starts_with (s, tag, tag_len))
        {
          s->pos += tag_len;
          return TRUE;
        }
      s->pos++;
    }
  return fail (s, start_line, "unterminated dollar quote %.*s at end of file (it starts here)",
               (int) tag_len, tag);
}

/* ---- words ------------------------------------------------------------ */

static gsize
word_length (const Splitter *s)
{
  gsize i = s->pos;

  while (i < s->len && is_ident_cont (s->text[i]))
    i++;
  return i - s->pos;
}

static gboolean
word_is (const Splitter *s,
         gsize           len,
         const char     *keyword)
{
  return strlen (keyword) == len &&
         g_ascii_strncasecmp (s->text + s->pos, keyword, len) == 0;
}

/* psql: tracks CREATE [OR REPLACE] FUNCTION|PROCEDURE … BEGIN … END so
 * that semicolons in SQL-standard bodies do not end the statement. */
static void
pg_word (Splitter *s,
         gsize     len)
{
  static const char *const tracked[] = { "create", "function", "procedure", "or", "replace" };
  const char *id = s->idents;

  if (s->ident_count == 0)
    memset (s->idents, 0, sizeof s->idents);
  for (guint i = 0; i < G_N_ELEMENTS (tracked); i++)
    if (word_is (s, len, tracked[i]) && s->ident_count < sizeof s->idents)
      s->idents[s->ident_count] = tracked[i][0];
  s->ident_count++;

  if (id[0] == 'c' &&
      (id[1] == 'f' || id[1] == 'p' ||
       (id[1] == 'o' && id[2] == 'r' && (id[3] == 'f' || id[3] == 'p'))) &&
      s->paren_depth == 0)
    {
      if (word_is (s, len, "begin"))
        s->begin_depth++;
      else if (word_is (s, len, "case") && s->begin_depth >= 1)
        s->begin_depth++;
      else if (word_is (s, len, "end") && s->begin_depth > 0)
        s->begin_depth--;
    }
}

static guint
sqlite_word_token (const Splitter *s,
                   gsize           len)
{
  if (word_is (s, len, "create"))
    return TK_CREATE;
  if (word_is (s, len, "temp") || word_is (s, len, "temporary"))
    return TK_TEMP;
  if (word_is (s, len, "trigger"))
    return TK_TRIGGER;
  if (word_is (s, len, "explain"))
    return TK_EXPLAIN;
  if (word_is (s, len, "end"))
    return TK_END;
  return TK_OTHER;
}

static void
sqlite_feed (Splitter *s,
             guint     token)
{
  s->trigger_state = sqlite_trans[s->trigger_state][token];
}

/* ---- MySQL / MariaDB ------------------------------------------------- */

static gboolean
only_blanks_before (const Splitter *s)
{
  for (gsize i = s->line_begin; i < s->pos; i++)
    if (s->text[i] != ' ' && s->text[i] != '\t')
      return FALSE;
  return TRUE;
}

/* `DELIMITER x`: a mysql client command taking the rest of the line; the
 * first argument, optionally quoted, becomes the delimiter. */
static gboolean
mysql_delimiter_command (Splitter *s,
                         gsize     word_len)
{
  guint line = s->line;
  const char *eol = memchr (s->text + s->pos, '\n', s->len - s->pos);
  gsize end = eol ? (gsize) (eol - s->text) : s->len;
  gsize i = s->pos + word_len;
  gsize arg_start, arg_end;

  if (!only_blanks_before (s))
    return fail (s, line, "DELIMITER must start a line");
  if (i >= end || s->text[i] != ' ')
    return fail (s, line, "DELIMITER must be followed by a space and the new delimiter");
  while (i < end && is_space (s->text[i]))
    i++;
  if (i < end && strchr ("'\"`", s->text[i]) != NULL)
    {
      char q = s->text[i];

      arg_start = ++i;
      while (i < end && s->text[i] != q)
        i++;
      arg_end = i;
    }
  else
    {
      arg_start = i;
      while (i < end && !is_space (s->text[i]))
        i++;
      arg_end = i;
    }
  if (arg_end == arg_start)
    return fail (s, line, "DELIMITER must be followed by a delimiter character or string");
  if (memchr (s->text + arg_start, '\\', arg_end - arg_start) != NULL)
    return fail (s, line, "DELIMITER cannot contain a backslash");

  g_free (s->delimiter);
  s->delimiter = g_strndup (s->text + arg_start, arg_end - arg_start);
  s->pos = end;
  return TRUE;
}

static gboolean
mysql_backslash (Splitter *s)
{
  char c = peek (s, 1);

  if (c == 'g' || c == 'G')
    {
      finish_statement (s, s->pos, c == 'g' ? "\\g" : "\\G");
      s->pos += 2;
      return TRUE;
    }
  if (g_ascii_isalpha (c) && c != 'N')
    return fail (s, s->line, "mysql client command \\%c is not supported: "
                 "scripts must contain SQL only", c);
  begin_statement (s);
  s->pos += c == '\0' ? 1 : 2;
  return TRUE;
}

static gboolean
mysql_step (Splitter *s)
{
  char c = s->text[s->pos];
  gsize delim_len = strlen (s->delimiter);

  if (!s->in_stmt && g_ascii_tolower (c) == 'd')
    {
      gsize len = word_length (s);

      if (word_is (s, len, "delimiter"))
        return mysql_delimiter_command (s, len);
    }
  if (starts_with (s, s->delimiter, delim_len))
    {
      finish_statement (s, s->pos, s->delimiter);
      s->pos += delim_len;
      return TRUE;
    }
  if (c == '\\')
    return mysql_backslash (s);
  if (c == '#')
    return line_comment (s, 1);
  if (c == '-' && peek (s, 1) == '-' && (guchar) peek (s, 2) <= ' ')
    return line_comment (s, 2);
  if (c == '/' && peek (s, 1) == '*' && peek (s, 2) != '!' &&
      !(peek (s, 2) == 'M' && peek (s, 3) == '!'))
    return block_comment (s, FALSE);

  begin_statement (s);
  if (c == '\'' || c == '"' || c == '`')
    return quoted (s, c, TRUE);
  s->pos++;
  return TRUE;
}

/* ---- PostgreSQL ------------------------------------------------------ */

static gboolean
pg_step (Splitter *s)
{
  char c = s->text[s->pos];
  gsize len;

  switch (c)
    {
    case ';':
      if (s->paren_depth == 0 && s->begin_depth == 0)
        finish_statement (s, s->pos, ";");
      s->pos++;
      return TRUE;
    case '-':
      if (peek (s, 1) == '-')
        return line_comment (s, 2);
      break;
    case '/':
      if (peek (s, 1) == '*')
        return block_comment (s, TRUE);
      break;
    case '\\':
      for (len = 1; len < 20 && g_ascii_isalnum (peek (s, len)); len++)
        ;
      return fail (s, s->line, "psql meta-command %.*s is not supported: "
                   "scripts must contain SQL only", (int) len, s->text + s->pos);
    default:
      break;
    }

  begin_statement (s);
  if (c == '\'' || c == '"')
    return quoted (s, c, FALSE);
  if (c == '$' && (len = dollar_tag_length (s)) > 0)
    return dollar_quoted (s, len);
  if (c == '(')
    s->paren_depth++;
  else if (c == ')' && s->paren_depth > 0)
    s->paren_depth--;
  if (is_ident_start (c))
    {
      len = word_length (s);
      pg_word (s, len);
      s->pos += len;
      /* E'…' escape strings: the only ones where backslash escapes. */
      if (len == 1 && (c == 'e' || c == 'E') && peek (s, 0) == '\'')
        return quoted (s, '\'', TRUE);
      return TRUE;
    }
  s->pos += g_ascii_isdigit (c) ? word_length (s) : 1;
  return TRUE;
}

/* ---- SQLite ---------------------------------------------------------- */

static gboolean
sqlite_step (Splitter *s)
{
  char c = s->text[s->pos];
  gsize len;

  if (s->pos == s->line_begin && !s->in_stmt && c == '.')
    return fail (s, s->line, "sqlite3 dot-command is not supported: "
                 "scripts must contain SQL only");
  if (s->pos == s->line_begin && !s->in_stmt && c == '#')
    return line_comment (s, 1);   /* the sqlite3 shell ignores these lines */
  if (c == ';')
    {
      sqlite_feed (s, TK_SEMI);
      if (s->trigger_state == 1)
        finish_statement (s, s->pos, ";");
      s->pos++;
      return TRUE;
    }
  if (c == '-' && peek (s, 1) == '-')
    return line_comment (s, 2);
  if (c == '/' && peek (s, 1) == '*')
    return block_comment (s, FALSE);

  begin_statement (s);
  if (c == '\'' || c == '"' || c == '`' || c == '[')
    {
      sqlite_feed (s, TK_OTHER);
      return quoted (s, c == '[' ? ']' : c, FALSE);
    }
  if (is_ident_cont (c))
    {
      len = word_length (s);
      sqlite_feed (s, sqlite_word_token (s, len));
      s->pos += len;
      return TRUE;
    }
  sqlite_feed (s, TK_OTHER);
  s->pos++;
  return TRUE;
}

/* ---- other databases (libgda): plain SQL ------------------------------ */

static gboolean
plain_step (Splitter *s)
{
  char c = s->text[s->pos];

  if (c == ';')
    {
      finish_statement (s, s->pos, ";");
      s->pos++;
      return TRUE;
    }
  if (c == '-' && peek (s, 1) == '-')
    return line_comment (s, 2);
  if (c == '/' && peek (s, 1) == '*')
    return block_comment (s, FALSE);
  begin_statement (s);
  if (c == '\'' || c == '"')
    return quoted (s, c, FALSE);
  s->pos++;
  return TRUE;
}

/* ---- driver ---------------------------------------------------------- */

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
  return fail (s, line, "invalid UTF-8 (byte 0x%02x at offset %" G_GSIZE_FORMAT "); "
               "scripts must be UTF-8", (guchar) *bad, (gsize) (bad - s->text));
}

static gboolean
run (Splitter *s)
{
  gboolean (*step) (Splitter *) = s->dialect == UPG_DIALECT_MYSQL ? mysql_step
                                : s->dialect == UPG_DIALECT_POSTGRESQL ? pg_step
                                : s->dialect == UPG_DIALECT_SQLITE ? sqlite_step
                                : plain_step;

  if (!check_utf8 (s))
    return FALSE;
  /* A UTF-8 byte order mark is not SQL; editors add it. */
  if (starts_with (s, "\xef\xbb\xbf", 3))
    s->pos = s->line_begin = 3;

  while (s->pos < s->len)
    {
      if (is_space (s->text[s->pos]))
        advance (s, 1);
      else if (!step (s))
        return FALSE;
    }

  if (s->in_stmt && s->dialect == UPG_DIALECT_SQLITE)
    return fail (s, s->stmt_line, "incomplete statement at end of file: the sqlite3 "
                 "shell does not run it; end it with ';'%s",
                 s->trigger_state >= 5 ? " (CREATE TRIGGER bodies end with END;)" : "");
  finish_statement (s, s->len, NULL);
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
 * and the comments before it; comments inside it are kept as written.
 * Empty statements (`;;`) are dropped. A last statement without a
 * delimiter runs to the end of the file (MySQL, PostgreSQL); the sqlite3
 * shell refuses such a statement, and so does this function for SQLite.
 * A comment line `-- @database: <name>` between statements routes the
 * statements after it to data source `<name>`.
 *
 * MySQL `DELIMITER` lines change the delimiter and are not statements;
 * `\g` and `\G` end a statement. Client commands (other `\x` commands in
 * MySQL, psql meta-commands, sqlite3 dot-commands) are refused: scripts
 * contain SQL only.
 *
 * Errors are %UPG_ERROR_INVALID_BUNDLE, their message starts with
 * `file:line:`: invalid UTF-8, unterminated quote, comment or dollar quote
 * (the line where it starts), bad DELIMITER line, client command.
 *
 * Returns: (transfer full) (element-type UpgSqlStatement): the statements,
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
  s.text = text ? text : "";
  s.len = length < 0 ? strlen (s.text) : (gsize) length;
  s.line = 1;
  s.file = file;
  s.dialect = dialect;
  s.error = error;
  s.out = out;
  s.delimiter = g_strdup (";");
  reset_statement (&s);

  ok = run (&s);
  g_free (s.delimiter);
  g_free (s.database);
  return ok ? g_steal_pointer (&out) : NULL;
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
 * Returns: (transfer full) (element-type UpgSqlStatement): the statements,
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
                   "%s: cannot read SQL script: %s", name, local_error->message);
      return NULL;
    }
  return upg_sql_split (contents, length, name, dialect, error);
}
