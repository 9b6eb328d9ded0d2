/* upg-sql-scanner-private.h - the splitter's scanner, shared by its dialects
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <string.h>

#include <upgrade-spi.h>

#include "upg-sql-splitter-private.h"

G_BEGIN_DECLS

typedef struct _Splitter Splitter;

struct _Splitter
{
  const char *text;
  gsize len;
  gsize pos;
  guint line;
  const char *file;
  char *file_ref;           /* GRefString of file, shared by statements */
  UpgDialect dialect;
  guint8 special[256];      /* bytes a step must look at; others are text */
  GError **error;

  GPtrArray *out;
  char *delimiter;          /* GRefString: MySQL's DELIMITER, `;` by default */
  char *semicolon;          /* GRefString `;`: the other dialects' delimiter */
  gsize delimiter_len;
  char *database;           /* GRefString: last `-- @database:` target */
  gsize line_begin;         /* offset of the current line's first byte */

  /* The statement being collected. */
  gboolean in_stmt;
  gsize stmt_start;
  guint stmt_line;
  gssize comment_start;     /* psql: leading block comment, or -1 */
  GArray *dropped;          /* MySQL: offsets of its `\-` commands (gsize), or NULL */

  /* psql's heuristics. */
  guint paren_depth;
  guint begin_depth;
  guint ident_count;
  char idents[4];

  /* sqlite3_complete's state. */
  guint trigger_state;

  /* A bundle's script (upg_sql_split_script()): where included files
   * are, the files being split (real paths, outermost first: cycles and
   * depth), and the dialects `-- @database:` switches to. */
  const char *root;
  GPtrArray *including;
  UpgSqlDialectLookup lookup;
  gpointer lookup_data;

  /* The driver (upg-sql-splitter.c), which included files are split
   * with: a pointer, so that the commands that include them need not
   * depend on the driver that depends on them. */
  gboolean (*run) (Splitter *s);
};

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

/* Whether only blanks precede the current position on its line. */
static inline gboolean
upg_scan_only_blanks_before (const Splitter *s)
{
  for (gsize i = s->line_begin; i < s->pos; i++)
    if (s->text[i] != ' ' && s->text[i] != '\t')
      return FALSE;
  return TRUE;
}

/* Whether the word of @len bytes at the current position is @keyword
 * (ASCII case-insensitively); inline so that strlen() of a literal folds. */
static inline gboolean
upg_scan_word_is (const Splitter *s,
                  gsize           len,
                  const char     *keyword)
{
  return strlen (keyword) == len &&
         g_ascii_strncasecmp (s->text + s->pos, keyword, len) == 0;
}

/* Sets the error "file:line: …" and returns FALSE. */
G_GNUC_INTERNAL
gboolean upg_scan_fail (Splitter *s,
                        guint line,
                        const char *format,
                        ...) G_GNUC_PRINTF (3, 4);
G_GNUC_INTERNAL
void upg_scan_advance (Splitter *s,
                       gsize n);
G_GNUC_INTERNAL
gboolean upg_scan_starts_with (const Splitter *s,
                               const char *prefix,
                               gsize prefix_len);
G_GNUC_INTERNAL
void upg_scan_begin_statement (Splitter *s);
G_GNUC_INTERNAL
void upg_scan_finish_statement (Splitter *s,
                                gsize end,
                                char *delimiter);
G_GNUC_INTERNAL
gboolean upg_scan_line_comment (Splitter *s,
                                gsize skip);
G_GNUC_INTERNAL
gboolean upg_scan_block_comment (Splitter *s,
                                 gboolean nested);
G_GNUC_INTERNAL
gboolean upg_scan_quoted (Splitter *s,
                          char close,
                          gboolean backslash);
G_GNUC_INTERNAL
gsize upg_scan_word_length (const Splitter *s);
G_GNUC_INTERNAL
void upg_scan_text_run (Splitter *s);
G_GNUC_INTERNAL
void upg_scan_mark_special (Splitter *s);
/* Dialect steps: handle the token at the current position, which is not
 * whitespace (upg-sql-dialects.c). */
G_GNUC_INTERNAL
gboolean upg_scan_mysql_step (Splitter *s);
G_GNUC_INTERNAL
gboolean upg_scan_pg_step (Splitter *s);
G_GNUC_INTERNAL
gboolean upg_scan_sqlite_step (Splitter *s);
/* upg-sql-dialect-clickhouse.c */
G_GNUC_INTERNAL
gboolean upg_scan_clickhouse_step (Splitter *s);
/* The files a `source FILE`, `\. FILE`, `\i FILE` or `\ir FILE` command
 * names (@arg, @arg_len bytes; @relative: to the including file instead
 * of the bundle) split into the same statements (upg-sql-include.c). */
G_GNUC_INTERNAL
gboolean upg_scan_include (Splitter *s,
                           guint line,
                           const char *command,
                           const char *arg,
                           gsize arg_len,
                           gboolean relative);
/* Client commands (upg-sql-client-commands.c): each returns whether
 * it handled the text at the current position, with @ok its result. */
G_GNUC_INTERNAL
gboolean upg_scan_mysql_line_command (Splitter *s,
                                      gboolean *ok);
G_GNUC_INTERNAL
gboolean upg_scan_mysql_statement_command (Splitter *s,
                                           gsize end,
                                           gboolean *ok);
G_GNUC_INTERNAL
gboolean upg_scan_mysql_backslash_command (Splitter *s,
                                           gboolean *ok);
G_GNUC_INTERNAL
gboolean upg_scan_psql_command (Splitter *s,
                                gsize len);
/* Forgets the statement being collected. */
G_GNUC_INTERNAL
void upg_scan_drop_statement (Splitter *s);
/* Sets up and frees a Splitter; splits the rest of the text
 * (upg-sql-splitter.c). */
G_GNUC_INTERNAL
void upg_scan_init (Splitter *s,
                    const char *text,
                    gsize len,
                    const char *file,
                    GPtrArray *out,
                    GError **error);
G_GNUC_INTERNAL
void upg_scan_clear (Splitter *s);
G_GNUC_INTERNAL
gboolean upg_scan_run (Splitter *s);
G_GNUC_INTERNAL
gboolean upg_scan_plain_step (Splitter *s);

G_END_DECLS
