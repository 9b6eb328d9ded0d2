/* upg-sql-client-commands.c - the client commands a script may hold
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The native clients act on some lines themselves instead of sending them
 * to the server. The splitter does what they do, before anything runs:
 *
 *  - `source FILE` and `\. FILE` (mysql), `\i FILE` and `\include FILE`
 *    (psql) read FILE, named relative to the client's working directory
 *    (here: the bundle), as if its text stood there; `\ir FILE` and
 *    `\include_relative FILE` name it relative to the including file.
 *    The file must stay inside the bundle; includes nest at most
 *    UPG_SQL_MAX_INCLUDE_DEPTH deep and never in a cycle. Its statements
 *    keep its own name and lines; the client's state (MySQL DELIMITER,
 *    the `-- @database:` target) carries over in both directions, as in
 *    the clients.
 *  - `use DB`, `connect` / `\u`, `\r` (mysql), `\c` / `\connect` (psql)
 *    would change the database behind the engine's back: refused, the
 *    script says `-- @database:` instead.
 *  - Shell escapes (`system`, `\!`) are refused: a script holds SQL.
 *
 * mysql (client/mysql.cc) recognises a named command in two places: a
 * whole line, when no statement is pending and the line holds neither
 * the delimiter nor `\g` (then the line is the command: `source x.sql`
 * and `use db` need no `;`); and a statement at its delimiter whose first
 * word (up to a space or tab) is a command's name (`use db;`). A command
 * taking no parameters matches only without any. psql's backslash
 * commands run to the end of the line.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "upg-config.h"
#include "upg-data-source.h"
#include "upg-path-private.h"
#include "upg-sql-scanner-private.h"
#include "upg-sql-statement-private.h"

typedef enum
{
  COMMAND_OTHER,
  COMMAND_INCLUDE,
  COMMAND_DATABASE,
  COMMAND_SHELL,
} CommandKind;

typedef struct
{
  const char *name;
  gboolean takes_params;
  CommandKind kind;
} MysqlCommand;

/* mysql.cc's commands[] with a function (DELIMITER is the scanner's). */
static const MysqlCommand mysql_commands[] = {
  { "?", TRUE, COMMAND_OTHER },
  { "clear", FALSE, COMMAND_OTHER },
  { "connect", TRUE, COMMAND_DATABASE },
  { "edit", FALSE, COMMAND_OTHER },
  { "ego", FALSE, COMMAND_OTHER },
  { "exit", FALSE, COMMAND_OTHER },
  { "go", FALSE, COMMAND_OTHER },
  { "help", TRUE, COMMAND_OTHER },
  { "nopager", FALSE, COMMAND_OTHER },
  { "notee", FALSE, COMMAND_OTHER },
  { "pager", TRUE, COMMAND_OTHER },
  { "print", FALSE, COMMAND_OTHER },
  { "prompt", TRUE, COMMAND_OTHER },
  { "quit", FALSE, COMMAND_OTHER },
  { "rehash", FALSE, COMMAND_OTHER },
  { "source", TRUE, COMMAND_INCLUDE },
  { "status", FALSE, COMMAND_OTHER },
  { "system", TRUE, COMMAND_SHELL },
  { "tee", TRUE, COMMAND_OTHER },
  { "use", TRUE, COMMAND_DATABASE },
  { "charset", TRUE, COMMAND_OTHER },
  { "warnings", FALSE, COMMAND_OTHER },
  { "nowarning", FALSE, COMMAND_OTHER },
};

static gboolean
refuse (Splitter    *s,
        guint        line,
        CommandKind  kind,
        const char  *command)
{
  if (kind == COMMAND_DATABASE)
    return upg_scan_fail (s, line, _("client command '%s' changes the database behind the engine's back: "
                                     "not supported; put a line '-- @database: <data source>' before "
                                     "the statements instead"), command);
  if (kind == COMMAND_SHELL)
    return upg_scan_fail (s, line, _("shell escape '%s' is not supported: scripts must contain SQL only "
                                     "(run programs in a command step)"), command);
  return upg_scan_fail (s, line, _("client command '%s' is not supported: scripts must contain SQL only"),
                        command);
}

/* ---- includes ------------------------------------------------------ */

/* @arg joined to @dir (NULL: the bundle), with `.` and `..` resolved;
 * NULL if it leaves the bundle. */
static char *
bundle_relative (const char *dir,
                 const char *arg)
{
  g_autofree char *joined = dir != NULL ? g_build_filename (dir, arg, NULL) : g_strdup (arg);
  g_auto(GStrv) parts = g_strsplit (joined, "/", -1);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0' || g_str_equal (parts[i], "."))
        continue;
      if (!g_str_equal (parts[i], ".."))
        g_ptr_array_add (kept, parts[i]);
      else if (kept->len == 0)
        return NULL;
      else
        g_ptr_array_set_size (kept, kept->len - 1);
    }
  if (kept->len == 0)
    return NULL;
  g_ptr_array_add (kept, NULL);
  return g_strjoinv ("/", (char **) kept->pdata);
}

/* The chain of includes that leads to @real, for a cycle's message. */
static char *
include_chain (const Splitter *s,
               const char     *name)
{
  GString *chain = g_string_new (NULL);

  for (guint i = 0; i < s->including->len; i++)
    {
      const char *path = g_ptr_array_index (s->including, i);
      const char *base = strrchr (path, '/');

      g_string_append_printf (chain, "%s → ", base != NULL ? base + 1 : path);
    }
  g_string_append (chain, name);
  return g_string_free (chain, FALSE);
}

/* Splits the file into @s's statements with @s's state, then takes the
 * state it ends with back, as the clients do. */
static gboolean
split_included (Splitter   *s,
                guint       line,
                const char *name,
                char       *real)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) read_error = NULL;
  Splitter child = { 0 };
  gsize length = 0;
  gboolean ok;

  if (!g_file_get_contents (real, &contents, &length, &read_error))
    {
      g_free (real);
      return upg_scan_fail (s, line, _("cannot read included file '%s': %s"), name, read_error->message);
    }
  upg_scan_init (&child, contents, length, name, s->out, s->error);
  child.dialect = s->dialect;
  child.delimiter = g_ref_string_acquire (s->delimiter);
  child.delimiter_len = s->delimiter_len;
  child.database = s->database != NULL ? g_ref_string_acquire (s->database) : NULL;
  child.root = s->root;
  child.including = s->including;
  child.lookup = s->lookup;
  child.lookup_data = s->lookup_data;
  child.run = s->run;
  upg_scan_mark_special (&child);

  g_ptr_array_add (s->including, real);
  ok = child.run (&child);
  g_ptr_array_set_size (s->including, s->including->len - 1);
  if (ok)
    {
      s->dialect = child.dialect;
      g_clear_pointer (&s->delimiter, g_ref_string_release);
      s->delimiter = g_steal_pointer (&child.delimiter);
      s->delimiter_len = child.delimiter_len;
      g_clear_pointer (&s->database, g_ref_string_release);
      s->database = g_steal_pointer (&child.database);
      upg_scan_mark_special (s);
    }
  upg_scan_clear (&child);
  return ok;
}

gboolean
upg_scan_include (Splitter   *s,
                  guint       line,
                  const char *command,
                  const char *arg,
                  gsize       arg_len,
                  gboolean    relative)
{
  g_autofree char *file = g_strndup (arg, arg_len);
  g_autofree char *dir = relative ? g_path_get_dirname (s->file) : NULL;
  g_autofree char *name = NULL;
  g_autofree char *why = NULL;
  char *real;

  if (*file == '\0')
    return upg_scan_fail (s, line, _("client command '%s' expects a file name"), command);
  if (s->root == NULL)
    return upg_scan_fail (s, line, _("%s '%s': only the scripts of a bundle can include files"), command, file);
  if (g_path_is_absolute (file) || (name = bundle_relative (dir, file)) == NULL)
    return upg_scan_fail (s, line, _("%s '%s': the file must be inside the bundle, named relative to %s"),
                          command, file, relative ? _("the including file") : _("the bundle"));
  real = upg_path_resolve_inside (s->root, name, &why);
  if (real == NULL)
    return upg_scan_fail (s, line, "%s '%s': %s", command, name, why);
  for (guint i = 0; i < s->including->len; i++)
    if (g_str_equal (g_ptr_array_index (s->including, i), real))
      {
        g_autofree char *chain = include_chain (s, name);

        g_free (real);
        return upg_scan_fail (s, line, _("%s '%s': the file includes itself (%s)"), command, name, chain);
      }
  if (s->including->len >= UPG_SQL_MAX_INCLUDE_DEPTH)
    {
      g_free (real);
      return upg_scan_fail (s, line, _("%s '%s': includes nest more than %u deep"), command, name,
                            UPG_SQL_MAX_INCLUDE_DEPTH);
    }
  return split_included (s, line, name, real);
}

/* ---- mysql ------------------------------------------------------------ */

/* The command @text (@len bytes, from its first non-blank) invokes, as
 * mysql.cc's find_command() reads it; @arg: where its parameters start. */
static const MysqlCommand *
mysql_command_at (const char  *text,
                  gsize        len,
                  gsize       *arg)
{
  gsize word = 0, i;

  while (word < len && text[word] != ' ' && text[word] != '\t')
    word++;
  for (i = word; i < len && g_ascii_isspace (text[i]); i++)
    ;
  for (guint c = 0; c < G_N_ELEMENTS (mysql_commands); c++)
    if (strlen (mysql_commands[c].name) == word &&
        g_ascii_strncasecmp (text, mysql_commands[c].name, word) == 0)
      {
        if (i < len && !mysql_commands[c].takes_params)
          return NULL;
        *arg = i;
        return &mysql_commands[c];
      }
  return NULL;
}

/* Runs @command, found at @line with its parameters @arg (@arg_len). */
static gboolean
mysql_command (Splitter           *s,
               guint               line,
               const MysqlCommand *command,
               const char         *arg,
               gsize               arg_len)
{
  if (command->kind != COMMAND_INCLUDE)
    return refuse (s, line, command->kind, command->name);
  /* com_source(): trailing blanks and control characters are not part
   * of the name; nothing is unquoted. */
  while (arg_len > 0 && ((guchar) arg[arg_len - 1] <= ' '))
    arg_len--;
  return upg_scan_include (s, line, command->name, arg, arg_len, FALSE);
}

/*
 * upg_scan_mysql_line_command:
 *
 * At the start of a line between statements: whether the line is a
 * client command, which it runs (@ok: its result).
 */
gboolean
upg_scan_mysql_line_command (Splitter *s,
                             gboolean *ok)
{
  const char *line = s->text + s->pos;
  const char *eol = memchr (line, '\n', s->len - s->pos);
  gsize n = eol != NULL ? (gsize) (eol - line) : s->len - s->pos;
  const MysqlCommand *command;
  gsize arg = 0;

  if (!upg_scan_only_blanks_before (s) ||
      g_strstr_len (line, n, "\\g") != NULL || g_strstr_len (line, n, s->delimiter) != NULL ||
      (command = mysql_command_at (line, n, &arg)) == NULL)
    return FALSE;
  *ok = mysql_command (s, s->line, command, line + arg, n - arg);
  s->pos = eol != NULL ? (gsize) (eol - s->text) : s->len;
  return TRUE;
}

/*
 * upg_scan_mysql_statement_command:
 *
 * At the delimiter ending the statement at @end: whether the statement
 * is a client command, which it runs instead (@ok: its result). A
 * statement `USE …` that mysql would send to the server is refused too:
 * it would change the database as surely as the command.
 */
gboolean
upg_scan_mysql_statement_command (Splitter *s,
                                  gsize     end,
                                  gboolean *ok)
{
  const char *text = s->text + s->stmt_start;
  gsize n = end - s->stmt_start;
  const MysqlCommand *command;
  gsize arg = 0;
  guint line = s->stmt_line;

  command = mysql_command_at (text, n, &arg);
  if (command == NULL)
    {
      if (n < 4 || g_ascii_strncasecmp (text, "use", 3) != 0 || is_ident_cont (text[3]))
        return FALSE;
      *ok = refuse (s, line, COMMAND_DATABASE, "USE");
      return TRUE;
    }
  upg_scan_drop_statement (s);
  *ok = mysql_command (s, line, command, text + arg, n - arg);
  return TRUE;
}

/* The end of a backslash command's parameters: the delimiter or the end
 * of the line (mysql.cc add_line()). */
static gsize
mysql_parameters_end (const Splitter *s,
                      gsize           from)
{
  const char *eol = memchr (s->text + from, '\n', s->len - from);
  gsize end = eol != NULL ? (gsize) (eol - s->text) : s->len;
  const char *delimiter = g_strstr_len (s->text + from, end - from, s->delimiter);

  return delimiter != NULL ? (gsize) (delimiter - s->text) : end;
}

/*
 * upg_scan_mysql_backslash_command:
 *
 * At a backslash: runs `\.`, refuses `\!`, `\u` and `\r`; returns FALSE
 * (with @ok untouched) for other backslashes.
 */
gboolean
upg_scan_mysql_backslash_command (Splitter *s,
                                  gboolean *ok)
{
  char c = peek (s, 1);
  gsize end;
  char command[3] = { '\\', c, '\0' };

  if (c == '!')
    *ok = refuse (s, s->line, COMMAND_SHELL, command);
  else if (c == 'u' || c == 'r')
    *ok = refuse (s, s->line, COMMAND_DATABASE, command);
  else if (c != '.')
    return FALSE;
  else if (s->in_stmt)
    *ok = upg_scan_fail (s, s->line, _("client command '%s' inside a statement (the statement on line %u "
                                       "is not ended)"), command, s->stmt_line);
  else
    {
      gsize from = s->pos + 2;
      guint line = s->line;

      end = mysql_parameters_end (s, from);
      while (from < end && g_ascii_isspace (s->text[from]))
        from++;
      s->pos = end < s->len && s->text[end] != '\n' ? end + s->delimiter_len : end;
      *ok = mysql_command (s, line, &(MysqlCommand) { command, TRUE, COMMAND_INCLUDE },
                           s->text + from, end - from);
    }
  return TRUE;
}

/* ---- psql ------------------------------------------------------------- */

/* psql's argument of `\i`: one word, or a '…' string ('' for a quote). */
static char *
psql_argument (const Splitter *s,
               gsize           from,
               gsize           end)
{
  GString *arg = g_string_new (NULL);

  while (from < end && (s->text[from] == ' ' || s->text[from] == '\t'))
    from++;
  if (from < end && s->text[from] == '\'')
    {
      for (from++; from < end; from++)
        {
          if (s->text[from] == '\'' && (from + 1 >= end || s->text[from + 1] != '\''))
            break;
          if (s->text[from] == '\'')
            from++;
          g_string_append_c (arg, s->text[from]);
        }
    }
  else
    while (from < end && !g_ascii_isspace (s->text[from]) && s->text[from] != '\\')
      g_string_append_c (arg, s->text[from++]);
  return g_string_free (arg, FALSE);
}

/*
 * upg_scan_psql_command:
 *
 * At a psql meta-command whose name is the @len - 1 letters after the
 * backslash: runs the includes and refuses everything else.
 */
gboolean
upg_scan_psql_command (Splitter *s,
                       gsize     len)
{
  g_autofree char *command = g_strndup (s->text + s->pos, len);
  const char *name = command + 1;
  gboolean relative = g_str_equal (name, "ir") || g_str_equal (name, "include_relative");
  const char *eol;
  gsize end;
  guint line = s->line;
  g_autofree char *arg = NULL;

  if (len == 1 && peek (s, 1) == '!')
    return refuse (s, line, COMMAND_SHELL, "\\!");
  if (g_str_equal (name, "c") || g_str_equal (name, "connect"))
    return refuse (s, line, COMMAND_DATABASE, command);
  if (!relative && !g_str_equal (name, "i") && !g_str_equal (name, "include"))
    return upg_scan_fail (s, line, _("psql meta-command %s is not supported: scripts must contain SQL only"),
                          command);
  if (s->in_stmt)
    return upg_scan_fail (s, line, _("client command '%s' inside a statement (the statement on line %u "
                                     "is not ended)"), command, s->stmt_line);
  eol = memchr (s->text + s->pos, '\n', s->len - s->pos);
  end = eol != NULL ? (gsize) (eol - s->text) : s->len;
  arg = psql_argument (s, s->pos + len, end);
  s->pos = end;
  return upg_scan_include (s, line, command, arg, strlen (arg), relative);
}

/* ---- bundles ------------------------------------------------------------ */
