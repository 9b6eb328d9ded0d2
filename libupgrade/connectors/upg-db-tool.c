/* upg-db-tool.c - running a database's own client tools
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Backups and restores use the engines' own tools (mariadb-dump and
 * mariadb, pg_dump and psql): they know every object type and every
 * server version's quirks, which a dump written by hand would not.
 * Passwords reach them without argv (readable by any local user in
 * /proc/PID/cmdline): see UpgDbTool.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "upg-child-private.h"
#include "upg-data-source-private.h"
#include "upg-db-tool-private.h"

/* How much of a failed tool's stderr its error quotes. */
#define STDERR_EXCERPT_BYTES 2000

void
upg_db_tool_free (UpgDbTool *tool)
{
  if (tool == NULL)
    return;
  /* Still running (its reader failed): it is not left behind. */
  if (tool->process != NULL && g_subprocess_get_identifier (tool->process) != NULL)
    {
      g_subprocess_force_exit (tool->process);
      g_subprocess_wait (tool->process, NULL, NULL);
    }
  g_clear_object (&tool->process);
  if (tool->option_file != NULL)
    g_unlink (tool->option_file);
  if (tool->stderr_path != NULL)
    g_unlink (tool->stderr_path);
  g_free (tool->option_file);
  g_free (tool->stderr_path);
  g_free (tool->program);
  g_ptr_array_unref (tool->argv);
  g_strfreev (tool->env);
  g_free (tool);
}

/* An option file value: double-quoted, with \ and " escaped (MariaDB's
 * option file syntax), so that any password survives. */
static void
append_option (GString    *out,
               const char *key,
               const char *value)
{
  if (value == NULL)
    return;
  g_string_append_printf (out, "%s=\"", key);
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\\' || *p == '"')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append (out, "\"\n");
}

static char *
write_option_file (UpgDataSource  *source,
                   const char     *password,
                   const char     *work_dir,
                   GError        **error)
{
  g_autoptr(GString) text = g_string_new ("[client]\n");
  g_autofree char *path = g_build_filename (work_dir, ".client-XXXXXX.cnf", NULL);
  g_autofree char *port = NULL;
  int fd, saved;
  gssize written = 0;

  append_option (text, "user", upg_data_source_get_user (source));
  append_option (text, "password", password);
  if (upg_data_source_get_socket (source) != NULL)
    append_option (text, "socket", upg_data_source_get_socket (source));
  else
    {
      append_option (text, "host", upg_data_source_get_host (source));
      port = upg_data_source_get_port (source) > 0 ? g_strdup_printf ("%u", upg_data_source_get_port (source)) : NULL;
      append_option (text, "port", port);
      /* "localhost" would mean the default socket, not the TCP port. */
      append_option (text, "protocol", "TCP");
    }

  /* Created 0600 from the start: never readable by others, not even
   * between open() and chmod(). */
  fd = g_mkstemp_full (path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED, _("cannot create an option file in '%s': %s"),
                   work_dir, g_strerror (saved));
      return NULL;
    }
  while (written >= 0 && (gsize) written < text->len)
    {
      gssize n = write (fd, text->str + written, text->len - written);

      written = n < 0 ? n : written + n;
    }
  saved = errno;
  memset (text->str, 0, text->len);
  close (fd);
  if (written < 0)
    {
      g_unlink (path);
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED, _("cannot write the option file '%s': %s"), path,
                   g_strerror (saved));
      return NULL;
    }
  return g_steal_pointer (&path);
}

/*
 * upg_db_tool_new:
 * @source: a MySQL or PostgreSQL data source
 * @program: the tool, looked up in PATH
 * @work_dir: a private directory (0700) for the option file and stderr
 * @secret_env: (nullable) (array zero-terminated=1): variables removed
 *   from the child's environment
 *
 * Prepares a run: argv starts with the tool and its connection options;
 * upg_db_tool_add() appends the rest.
 */
UpgDbTool *
upg_db_tool_new (UpgDataSource       *source,
                 const char          *program,
                 const char          *work_dir,
                 const char * const  *secret_env,
                 GError             **error)
{
  g_autoptr(UpgDbTool) tool = g_new0 (UpgDbTool, 1);
  g_autofree char *password = NULL;
  g_autofree char *found = g_find_program_in_path (program);
  GError *local_error = NULL;
  int fd;

  tool->program = g_strdup (program);
  tool->argv = g_ptr_array_new_with_free_func (g_free);
  tool->env = g_get_environ ();
  for (guint i = 0; secret_env != NULL && secret_env[i] != NULL; i++)
    tool->env = g_environ_unsetenv (tool->env, secret_env[i]);
  /* Whatever the operator's shell holds is not for this child either. */
  tool->env = g_environ_unsetenv (tool->env, "PGPASSWORD");
  tool->env = g_environ_unsetenv (tool->env, "MYSQL_PWD");
  if (found == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED,
                   _("'%s' was not found in PATH (install the database's client tools)"), program);
      return NULL;
    }
  g_ptr_array_add (tool->argv, g_steal_pointer (&found));

  tool->stderr_path = g_build_filename (work_dir, ".stderr-XXXXXX", NULL);
  fd = g_mkstemp_full (tool->stderr_path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED, _("cannot create a file in '%s': %s"), work_dir,
                   g_strerror (saved));
      g_clear_pointer (&tool->stderr_path, g_free);
      return NULL;
    }
  close (fd);

  password = upg_data_source_dup_password (source, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (upg_data_source_get_dialect (source) == UPG_DIALECT_MYSQL)
    {
      tool->option_file = write_option_file (source, password, work_dir, error);
      if (tool->option_file == NULL)
        return NULL;
      g_ptr_array_add (tool->argv, g_strconcat ("--defaults-extra-file=", tool->option_file, NULL));
    }
  else
    {
      if (password != NULL)
        tool->env = g_environ_setenv (tool->env, "PGPASSWORD", password, TRUE);
      if (upg_data_source_get_socket (source) != NULL || upg_data_source_get_host (source) != NULL)
        g_ptr_array_add (tool->argv, g_strconcat ("--host=", upg_data_source_get_socket (source) != NULL
                                                  ? upg_data_source_get_socket (source)
                                                  : upg_data_source_get_host (source), NULL));
      if (upg_data_source_get_port (source) > 0)
        g_ptr_array_add (tool->argv, g_strdup_printf ("--port=%u", upg_data_source_get_port (source)));
      if (upg_data_source_get_user (source) != NULL)
        g_ptr_array_add (tool->argv, g_strconcat ("--username=", upg_data_source_get_user (source), NULL));
      g_ptr_array_add (tool->argv, g_strdup ("--no-password"));
    }
  if (password != NULL)
    memset (password, 0, strlen (password));
  return g_steal_pointer (&tool);
}

void
upg_db_tool_add (UpgDbTool  *tool,
                 const char *arg)
{
  g_ptr_array_add (tool->argv, g_strdup (arg));
}

gboolean
upg_db_tool_spawn (UpgDbTool         *tool,
                   GSubprocessFlags   flags,
                   GError           **error)
{
  /* stdin is /dev/null unless piped; stderr goes to a file, quoted on failure. */
  g_autoptr(GSubprocessLauncher) launcher = upg_child_launcher_new (flags);
  g_autoptr(GError) local_error = NULL;

  g_subprocess_launcher_set_environ (launcher, tool->env);
  g_subprocess_launcher_set_stderr_file_path (launcher, tool->stderr_path);
  g_ptr_array_add (tool->argv, NULL);
  tool->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) tool->argv->pdata, &local_error);
  g_ptr_array_remove_index (tool->argv, tool->argv->len - 1);
  if (tool->process == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED, _("cannot start '%s': %s"), tool->program,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

static char *
stderr_excerpt (UpgDbTool *tool)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  const char *start;

  if (!g_file_get_contents (tool->stderr_path, &text, &length, NULL) || length == 0)
    return g_strdup (_("(nothing on stderr)"));
  start = length > STDERR_EXCERPT_BYTES ? text + length - STDERR_EXCERPT_BYTES : text;
  return g_strstrip (g_utf8_make_valid (start, -1));
}

/*
 * upg_db_tool_wait:
 *
 * Waits for the tool to exit. A non-zero exit or a signal is an error
 * (%UPG_ERROR_STEP_FAILED) naming the tool, the status and the end of
 * its stderr; a cancelled wait kills it (%G_IO_ERROR_CANCELLED).
 */
gboolean
upg_db_tool_wait (UpgDbTool     *tool,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *excerpt = NULL;

  if (!g_subprocess_wait (tool->process, cancellable, &local_error))
    {
      g_subprocess_force_exit (tool->process);
      g_subprocess_wait (tool->process, NULL, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("'%s' was stopped: %s"), tool->program,
                   local_error->message);
      return FALSE;
    }
  if (g_subprocess_get_successful (tool->process))
    return TRUE;
  excerpt = stderr_excerpt (tool);
  if (g_subprocess_get_if_signaled (tool->process))
    g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, _("'%s' was killed by signal %d: %s"), tool->program,
                 g_subprocess_get_term_sig (tool->process), excerpt);
  else
    g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, _("'%s' exited with status %d: %s"), tool->program,
                 g_subprocess_get_exit_status (tool->process), excerpt);
  return FALSE;
}

/* `name` as a MariaDB identifier. */
char *
upg_db_quote_mysql_name (const char *name)
{
  g_autoptr(GString) out = g_string_new ("`");

  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '`')
        g_string_append_c (out, '`');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '`');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* `name` as a PostgreSQL (and SQLite) identifier. */
char *
upg_db_quote_pg_name (const char *name)
{
  g_autoptr(GString) out = g_string_new ("\"");

  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (g_steal_pointer (&out), FALSE);
}
