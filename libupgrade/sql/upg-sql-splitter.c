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
 * The driver is here, the shared scanning in upg-sql-scanner.c, the
 * dialects' steps in upg-sql-dialects.c and the clients' own commands in
 * upg-sql-client-commands.c.
 *  - PostgreSQL: `psql` (psqlscan.l): `--` and nested `/ * * /` comments,
 *    '…', E'…', "…", dollar quotes, parentheses and the BEGIN … END
 *    heuristic of CREATE FUNCTION/PROCEDURE bodies (SQL-standard bodies).
 *  - SQLite: the `sqlite3` shell (sqlite3_complete): '…', "…", `…`, […],
 *    CREATE TRIGGER … END; bodies.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "upg-config.h"
#include "upg-data-source.h"
#include "upg-sql-splitter.h"
#include "upg-sql-splitter-private.h"
#include "upg-sql-scanner-private.h"
#include "upg-sql-statement-private.h"

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
       : dialect == UPG_DIALECT_CLICKHOUSE ? upg_scan_clickhouse_step
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
  s.run = upg_scan_run;
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

/**
 * upg_sql_config_dialect: (skip)
 * @database: a data source's name
 * @dialect: (out): its dialect
 * @config: (type UpgConfig): the configuration
 *
 * An #UpgSqlDialectLookup over the data sources of a configuration.
 *
 * Returns: whether @config has the data source
 */
gboolean
upg_sql_config_dialect (const char *database,
                        UpgDialect *dialect,
                        gpointer    config)
{
  UpgDataSource *source = upg_config_lookup_data_source (config, database);

  if (source == NULL)
    return FALSE;
  *dialect = upg_data_source_get_dialect (source);
  return TRUE;
}

/**
 * upg_sql_split_script: (skip)
 * @root: (type filename): the bundle directory
 * @path: (type filename): the script, resolved inside @root
 * @file: its name relative to @root, which statements and errors carry
 * @dialect: the dialect of the step's data source
 * @lookup: (nullable) (scope call): gives the dialect of each data source
 *   a `-- @database:` line names; %NULL keeps the dialect
 * @lookup_data: its data
 * @error: return location for a #GError
 *
 * Like upg_sql_split_file(), for a script of a bundle: a `-- @database:`
 * line that names a data source of another kind switches the rules to
 * that database's client, and one naming an unknown data source is an
 * error at its line; the client commands that include files are run,
 * the others refused (see upg-sql-client-commands.c).
 *
 * Returns: (transfer container) (element-type UpgSqlStatement) (nullable):
 *   the statements, or %NULL with %UPG_ERROR_INVALID_BUNDLE naming
 *   file:line
 */
GPtrArray *
upg_sql_split_script (const char           *root,
                      const char           *path,
                      const char           *file,
                      UpgDialect            dialect,
                      UpgSqlDialectLookup   lookup,
                      gpointer              lookup_data,
                      GError              **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) out = NULL;
  g_autoptr(GPtrArray) including = g_ptr_array_new_with_free_func (g_free);
  char *real = realpath (path, NULL);
  Splitter s = { 0 };
  gsize length = 0;
  gboolean ok;

  g_return_val_if_fail (root != NULL && path != NULL && file != NULL, NULL);

  g_ptr_array_add (including, real != NULL ? real : g_strdup (path));
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                   _("%s: cannot read SQL script: %s"), file, local_error->message);
      return NULL;
    }
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_sql_statement_unref);
  upg_scan_init (&s, contents, length, file, out, error);
  s.dialect = dialect;
  s.delimiter = g_ref_string_new (";");
  s.delimiter_len = 1;
  s.root = root;
  s.including = including;
  s.lookup = lookup;
  s.lookup_data = lookup_data;
  s.run = upg_scan_run;
  upg_scan_mark_special (&s);
  ok = upg_scan_run (&s);
  upg_scan_clear (&s);
  return ok ? g_steal_pointer (&out) : NULL;
}
