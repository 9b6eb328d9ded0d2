/* upg-sql-dialect-clickhouse.c - how clickhouse-client splits a script
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ClickHouse's lexer (src/Parsers/Lexer.cpp) and clickhouse-client's
 * multi-query split:
 *
 * - comments: `--` and `/ * … * /` (not nested: 18.16 ends the comment at the
 *   first `* /`), and since 20.x `#!` and `# ` (hash and a space) to the end
 *   of the line; 18.16 refuses those, so a script meant for both does not
 *   use them, but they never hide a `;` from the split;
 * - '…' strings, "…" and `…` identifiers, each with backslash escapes and
 *   a doubled quote;
 * - `INSERT … FORMAT <name>` followed by inline data: for any format but
 *   Values the data runs to the first empty line (or the end of the file),
 *   and a `;` in it is data (clickhouse-client test 03156); `FORMAT Values`
 *   and `VALUES (…)` end at `;` like any statement.
 */
#include "config.h"

#include <string.h>

#include "upg-sql-scanner-private.h"

/* Whether the statement being collected is an INSERT. */
static gboolean
is_insert (const Splitter *s)
{
  return s->len - s->stmt_start >= 6 && g_ascii_strncasecmp (s->text + s->stmt_start, "insert", 6) == 0
         && (s->len - s->stmt_start == 6 || !is_ident_cont (s->text[s->stmt_start + 6]));
}

/* After `FORMAT`: the format's name, then, unless it is Values, the
 * inline data up to the first empty line, which ends the statement. */
static gboolean
inline_data (Splitter *s)
{
  gsize len;
  const char *blank;

  while (s->pos < s->len && (s->text[s->pos] == ' ' || s->text[s->pos] == '\t'))
    s->pos++;
  len = upg_scan_word_length (s);
  if (len == 0 || upg_scan_word_is (s, len, "values"))
    return TRUE;
  s->pos += len;
  blank = g_strstr_len (s->text + s->pos, s->len - s->pos, "\n\n");
  upg_scan_advance (s, (blank != NULL ? (gsize) (blank - s->text) : s->len) - s->pos);
  upg_scan_finish_statement (s, s->pos, s->semicolon);
  return TRUE;
}

gboolean
upg_scan_clickhouse_step (Splitter *s)
{
  char c = s->text[s->pos];
  gsize len;

  switch (c)
    {
    case ';':
      upg_scan_finish_statement (s, s->pos, s->semicolon);
      s->pos++;
      return TRUE;
    case '-':
      if (peek (s, 1) == '-')
        return upg_scan_line_comment (s, 2);
      break;
    case '#':
      if (peek (s, 1) == '!' || peek (s, 1) == ' ')
        return upg_scan_line_comment (s, 1);
      break;
    case '/':
      if (peek (s, 1) == '*')
        return upg_scan_block_comment (s, FALSE);
      break;
    default:
      break;
    }

  upg_scan_begin_statement (s);
  if (c == '\'' || c == '"' || c == '`')
    return upg_scan_quoted (s, c, TRUE);
  if (c == '(')
    s->paren_depth++;
  else if (c == ')' && s->paren_depth > 0)
    s->paren_depth--;
  if (is_ident_start (c))
    {
      len = upg_scan_word_length (s);
      if (s->paren_depth == 0 && upg_scan_word_is (s, len, "format") && is_insert (s))
        {
          s->pos += len;
          return inline_data (s);
        }
      s->pos += len;
      return TRUE;
    }
  if (g_ascii_isdigit (c))
    s->pos += upg_scan_word_length (s);
  else
    upg_scan_text_run (s);
  return TRUE;
}
