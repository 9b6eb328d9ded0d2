/* upg-sql-dialects.c - what mariadb, psql and sqlite3 look at when splitting
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One step function per dialect: each handles the token at the current
 * position (see upg-sql-splitter.c for the sources of the rules).
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "upg-sql-scanner-private.h"

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

      upg_scan_advance (s, at - s->pos);
      if (hit == NULL)
        break;
      if (upg_scan_starts_with (s, tag, tag_len))
        {
          s->pos += tag_len;
          return TRUE;
        }
      s->pos++;
    }
  return upg_scan_fail (s, start_line, _("unterminated dollar quote %.*s at end of file (it starts here)"),
                        (int) tag_len, tag);
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
  if (s->ident_count < sizeof s->idents)
    for (guint i = 0; i < G_N_ELEMENTS (tracked); i++)
      if (upg_scan_word_is (s, len, tracked[i]))
        s->idents[s->ident_count] = tracked[i][0];
  s->ident_count++;

  if (id[0] == 'c' &&
      (id[1] == 'f' || id[1] == 'p' ||
       (id[1] == 'o' && id[2] == 'r' && (id[3] == 'f' || id[3] == 'p'))) &&
      s->paren_depth == 0)
    {
      if (upg_scan_word_is (s, len, "begin"))
        s->begin_depth++;
      else if (upg_scan_word_is (s, len, "case") && s->begin_depth >= 1)
        s->begin_depth++;
      else if (upg_scan_word_is (s, len, "end") && s->begin_depth > 0)
        s->begin_depth--;
    }
}

static guint
sqlite_word_token (const Splitter *s,
                   gsize           len)
{
  if (upg_scan_word_is (s, len, "create"))
    return TK_CREATE;
  if (upg_scan_word_is (s, len, "temp") || upg_scan_word_is (s, len, "temporary"))
    return TK_TEMP;
  if (upg_scan_word_is (s, len, "trigger"))
    return TK_TRIGGER;
  if (upg_scan_word_is (s, len, "explain"))
    return TK_EXPLAIN;
  if (upg_scan_word_is (s, len, "end"))
    return TK_END;
  return TK_OTHER;
}

static void
sqlite_feed (Splitter *s,
             guint     token)
{
  s->trigger_state = sqlite_trans[s->trigger_state][token];
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

  if (!upg_scan_only_blanks_before (s))
    return upg_scan_fail (s, line, _("DELIMITER must start a line"));
  if (i >= end || s->text[i] != ' ')
    return upg_scan_fail (s, line, _("DELIMITER must be followed by a space and the new delimiter"));
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
    return upg_scan_fail (s, line, _("DELIMITER must be followed by a delimiter character or string"));
  if (memchr (s->text + arg_start, '\\', arg_end - arg_start) != NULL)
    return upg_scan_fail (s, line, _("DELIMITER cannot contain a backslash"));

  g_clear_pointer (&s->delimiter, g_ref_string_release);
  s->delimiter = g_ref_string_new_len (s->text + arg_start, arg_end - arg_start);
  s->delimiter_len = arg_end - arg_start;
  s->special[(guchar) *s->delimiter] = TRUE;
  s->pos = end;
  return TRUE;
}

static gboolean
mysql_backslash (Splitter *s)
{
  char c = peek (s, 1);
  gboolean ok;

  if (upg_scan_mysql_backslash_command (s, &ok))
    return ok;

  if (c == 'g' || c == 'G')
    {
      g_autoptr(GRefString) go = g_ref_string_new (c == 'g' ? "\\g" : "\\G");

      upg_scan_finish_statement (s, s->pos, go);
      s->pos += 2;
      return TRUE;
    }
  /* `\-`: the client's sandbox command (10.11.8+), which mariadb-dump
   * writes as `/ *M!999999\- enable the sandbox mode * /`. The client runs
   * it and sends the statement without it; sandbox mode refuses client
   * commands, as we always do, so it is a no-op. Between statements it
   * starts none; inside one, upg_scan_finish_statement() drops it. */
  if (c == '-')
    {
      if (s->in_stmt)
        {
          if (s->dropped == NULL)
            s->dropped = g_array_new (FALSE, FALSE, sizeof (gsize));
          g_array_append_val (s->dropped, s->pos);
        }
      s->pos += 2;
      return TRUE;
    }
  /* The client silently drops it: the text would differ from the file. */
  if (c == '\n' || c == '\r' || c == '\0')
    return upg_scan_fail (s, s->line, _("backslash at the end of a line outside quotes "
                            "(the mysql client drops it); remove it"));
  if (g_ascii_isalpha (c) && c != 'N')
    return upg_scan_fail (s, s->line, _("mysql client command \\%c is not supported: "
                            "scripts must contain SQL only"), c);
  upg_scan_begin_statement (s);
  upg_scan_advance (s, 2);   /* `\N` and the like are statement text */
  return TRUE;
}

gboolean
upg_scan_mysql_step (Splitter *s)
{
  char c = s->text[s->pos];
  gboolean ok;

  if (!s->in_stmt && g_ascii_tolower (c) == 'd')
    {
      gsize len = upg_scan_word_length (s);

      if (upg_scan_word_is (s, len, "delimiter"))
        return mysql_delimiter_command (s, len);
    }
  if (!s->in_stmt && (g_ascii_isalpha (c) || c == '?') && upg_scan_mysql_line_command (s, &ok))
    return ok;
  if (upg_scan_starts_with (s, s->delimiter, s->delimiter_len))
    {
      if (!s->in_stmt || !upg_scan_mysql_statement_command (s, s->pos, &ok))
        upg_scan_finish_statement (s, s->pos, s->delimiter);
      else if (!ok)
        return FALSE;
      s->pos += s->delimiter_len;
      return TRUE;
    }
  if (c == '\\')
    return mysql_backslash (s);
  if (c == '#')
    return upg_scan_line_comment (s, 1);
  if (c == '-' && peek (s, 1) == '-' && (guchar) peek (s, 2) <= ' ')
    return upg_scan_line_comment (s, 2);
  if (c == '/' && peek (s, 1) == '*' && peek (s, 2) != '!' &&
      !(peek (s, 2) == 'M' && peek (s, 3) == '!'))
    return upg_scan_block_comment (s, FALSE);

  upg_scan_begin_statement (s);
  /* The client honours backslash escapes in strings, not in `names`. */
  if (c == '\'' || c == '"' || c == '`')
    return upg_scan_quoted (s, c, c != '`');
  upg_scan_text_run (s);
  return TRUE;
}

/* A `;`: ends the statement unless the dialect's nesting says otherwise. */
static gboolean
semicolon (Splitter *s,
           gboolean  ends)
{
  if (ends)
    upg_scan_finish_statement (s, s->pos, s->semicolon);
  s->pos++;
  return TRUE;
}

/* SQL-standard `--` and (non-nested) block comments: returns TRUE if one
 * starts here, with the scan's result in @ok. */
static gboolean
standard_comment (Splitter *s,
                  gboolean *ok)
{
  char c = s->text[s->pos];

  if (c == '-' && peek (s, 1) == '-')
    *ok = upg_scan_line_comment (s, 2);
  else if (c == '/' && peek (s, 1) == '*')
    *ok = upg_scan_block_comment (s, FALSE);
  else
    return FALSE;
  return TRUE;
}

/* `\restrict KEY` and `\unrestrict KEY` between statements: pg_dump
 * (15.14+, 16.10+, 17.6+) wraps every plain dump in them. psql sends
 * nothing for them; restricted mode refuses meta-commands, as we always
 * do, so they are no-ops: skips the line. */
static gboolean
pg_restrict_command (Splitter *s,
                     gsize     len)
{
  const char *eol;

  s->pos++;
  if (!upg_scan_word_is (s, len - 1, "restrict") && !upg_scan_word_is (s, len - 1, "unrestrict"))
    {
      s->pos--;
      return FALSE;
    }
  eol = memchr (s->text + s->pos, '\n', s->len - s->pos);
  s->pos = eol != NULL ? (gsize) (eol - s->text) : s->len;
  return TRUE;
}

/* Whether the statement ending here is COPY … FROM STDIN, after which
 * psql reads the table's data from the script's next lines. */
static gboolean
pg_copy_from_stdin (const Splitter *s)
{
  g_autofree char *text = NULL;

  if (s->len - s->stmt_start < 5 || g_ascii_strncasecmp (s->text + s->stmt_start, "copy", 4) != 0
      || !is_space (s->text[s->stmt_start + 4]))
    return FALSE;
  text = g_strndup (s->text + s->stmt_start, s->pos - s->stmt_start);
  return g_regex_match_simple ("\\bfrom\\s+stdin\\b", text, G_REGEX_CASELESS, 0);
}

gboolean
upg_scan_pg_step (Splitter *s)
{
  char c = s->text[s->pos];
  gsize len;

  switch (c)
    {
    case ';':
      if (s->in_stmt && s->paren_depth == 0 && s->begin_depth == 0 && pg_copy_from_stdin (s))
        return upg_scan_fail (s, s->stmt_line, _("COPY … FROM stdin is not supported: psql sends the lines "
                                                 "after it, up to \\., as the table's data, which is not SQL "
                                                 "(pg_dump's default output); dump with pg_dump --inserts "
                                                 "or --column-inserts"));
      return semicolon (s, s->paren_depth == 0 && s->begin_depth == 0);
    case '-':
      if (peek (s, 1) == '-')
        return upg_scan_line_comment (s, 2);
      break;
    case '/':
      /* psql drops leading `--` comments but sends leading block
       * comments (pg_hint_plan reads hints there): keep them too. */
      if (peek (s, 1) == '*')
        {
          if (!s->in_stmt && s->comment_start < 0)
            s->comment_start = s->pos;
          return upg_scan_block_comment (s, TRUE);
        }
      break;
    case '\\':
      for (len = 1; len < 20 && (g_ascii_isalnum (peek (s, len)) || peek (s, len) == '_'); len++)
        ;
      if (!s->in_stmt && pg_restrict_command (s, len))
        return TRUE;
      return upg_scan_psql_command (s, len);
    default:
      break;
    }

  upg_scan_begin_statement (s);
  if (c == '\'' || c == '"')
    return upg_scan_quoted (s, c, FALSE);
  if (c == '$' && (len = dollar_tag_length (s)) > 0)
    return dollar_quoted (s, len);
  if (c == '(')
    s->paren_depth++;
  else if (c == ')' && s->paren_depth > 0)
    s->paren_depth--;
  if (is_ident_start (c))
    {
      len = upg_scan_word_length (s);
      pg_word (s, len);
      s->pos += len;
      /* E'…' escape strings: the only ones where backslash escapes. */
      if (len == 1 && (c == 'e' || c == 'E') && peek (s, 0) == '\'')
        return upg_scan_quoted (s, '\'', TRUE);
      return TRUE;
    }
  if (g_ascii_isdigit (c))
    s->pos += upg_scan_word_length (s);
  else
    upg_scan_text_run (s);
  return TRUE;
}

gboolean
upg_scan_sqlite_step (Splitter *s)
{
  char c = s->text[s->pos];
  gboolean ok;
  gsize len;

  if (s->pos == s->line_begin && !s->in_stmt && c == '.')
    return upg_scan_fail (s, s->line, _("sqlite3 dot-command is not supported: "
                            "scripts must contain SQL only"));
  if (s->pos == s->line_begin && !s->in_stmt && c == '#')
    return upg_scan_line_comment (s, 1);   /* the sqlite3 shell ignores these lines */
  if (c == ';')
    {
      sqlite_feed (s, TK_SEMI);
      return semicolon (s, s->trigger_state == 1);
    }
  if (standard_comment (s, &ok))
    return ok;

  upg_scan_begin_statement (s);
  if (c == '\'' || c == '"' || c == '`' || c == '[')
    {
      sqlite_feed (s, TK_OTHER);
      return upg_scan_quoted (s, c == '[' ? ']' : c, FALSE);
    }
  if (is_ident_cont (c))
    {
      len = upg_scan_word_length (s);
      /* In NORMAL (2) only `;` matters: skip the keyword look-up. */
      sqlite_feed (s, s->trigger_state == 2 ? TK_OTHER : sqlite_word_token (s, len));
      s->pos += len;
      return TRUE;
    }
  sqlite_feed (s, TK_OTHER);   /* idempotent: a run feeds it once */
  upg_scan_text_run (s);
  return TRUE;
}

gboolean
upg_scan_plain_step (Splitter *s)
{
  char c = s->text[s->pos];
  gboolean ok;

  if (c == ';')
    return semicolon (s, TRUE);
  if (standard_comment (s, &ok))
    return ok;
  upg_scan_begin_statement (s);
  if (c == '\'' || c == '"')
    return upg_scan_quoted (s, c, FALSE);
  upg_scan_text_run (s);
  return TRUE;
}

