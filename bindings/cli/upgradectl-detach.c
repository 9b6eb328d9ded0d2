/* upgradectl-detach.c - `upgradectl run … --detach`: the run goes on in
 * the background, the command returns once it started
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The parent starts upgradectl again (the same program, not a fork: GLib
 * may have threads by then) as `run … --detached-child`, in a session of
 * its own, stdin from /dev/null once read, stdout and stderr appended to
 * `<state-dir>/logs/detached.log` with every line tagged by its execution.
 * The child takes the site's lock and starts the execution as any run
 * does; when the engine says so ("execution-started") it writes
 * `started ID SITE` on a pipe (fd 3) and closes it; a run that ends
 * before that writes `failed CODE NICK MESSAGE`. The parent reads the pipe
 * to its end — no sleep, no polling — and exits 0 with the execution id,
 * or with the child's exit code and error.
 *
 * Nothing secret goes through argv or the environment: the child gets the
 * parent's environment unchanged and `--env` (which may name clusters and
 * hosts) on its stdin, not in its argv where `ps` would show it for hours.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "upg-exit-code.h"
#include "upg-state-dir.h"
#include "upgradectl-commands.h"
#include "upgradectl-executor.h"

/* The child's end of the status pipe (upgradectl-detach-child.c). */
#define STATUS_FD 3

/* ---- the parent ------------------------------------------------------- */

static void
child_setup (gpointer user_data)
{
  /* No terminal, no job control: a closed shell leaves it running. */
  setsid ();
}

static char *
absolute (const char *path)
{
  return path != NULL ? g_canonicalize_filename (path, NULL) : NULL;
}

static int
open_log (const char  *state_dir,
          char       **path_out,
          GError     **error)
{
  g_autofree char *dir = g_build_filename (state_dir, "logs", NULL);
  g_autofree char *path = g_build_filename (dir, "detached.log", NULL);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      (fd = g_open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
    {
      int saved_errno = errno;

      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED, _("cannot open the log of the detached run '%s': %s"), path,
                   g_strerror (saved_errno));
      return -1;
    }
  *path_out = g_steal_pointer (&path);
  return fd;
}

/* What the child wrote on the status pipe: its one line, or NULL at once
 * when it closed the pipe without a word (it died). */
static char *
read_status (int       fd,
             GError  **error)
{
  g_autoptr(GInputStream) raw = g_unix_input_stream_new (fd, TRUE);
  g_autoptr(GDataInputStream) in = g_data_input_stream_new (raw);

  return g_data_input_stream_read_line_utf8 (in, NULL, NULL, error);
}

static int
report_started (UpgCtl      *ctl,
                const char  *line,
                const char  *pid,
                const char  *log_path)
{
  g_auto(GStrv) parts = g_strsplit (line, " ", 3);
  const char *id = parts[1];
  const char *site = parts[1] != NULL ? parts[2] : NULL;

  if (id == NULL || site == NULL)
    return -1;
  if (ctl->json)
    {
      g_autoptr(JsonObject) doc = json_object_new ();
      g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), doc);

      json_object_set_string_member (doc, "execution_id", id);
      json_object_set_string_member (doc, "status", "RUNNING");
      json_object_set_string_member (doc, "site", site);
      json_object_set_int_member (doc, "pid", g_ascii_strtoll (pid, NULL, 10));
      json_object_set_string_member (doc, "log", log_path);
      upgctl_print_json (ctl, root);
      return 0;
    }
  g_print (_("Execution %s started in the background (process %s, log %s).\n"), id, pid, log_path);
  g_print (_("Follow it:  upgradectl status %s\n"
             "            upgradectl migrations --site %s\n"
             "Control it: upgradectl migrations pause|resume|cancel MIGRATION_ID\n"), id, site);
  return 0;
}

/**
 * upgctl_detach_run:
 * @ctl: the invocation
 * @args: the options of `run` to give the child (`--from V` …), without
 *   the global ones and without `--env`
 * @env_text: (nullable): the value of `--env`
 *
 * Starts the run in a detached child and waits until it started (it holds
 * the site's lock and its execution exists) or failed to.
 *
 * Returns: 0 once it started, else the child's exit code
 */
int
upgctl_detach_run (UpgCtl              *ctl,
                   const char * const  *args,
                   const char          *env_text)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *self = NULL, *state_dir = NULL, *log_path = NULL, *line = NULL;
  GOutputStream *in;
  int status_fds[2];
  int log_fd;

  self = g_file_read_link ("/proc/self/exe", &error);
  if (self == NULL)
    return upgctl_fail (ctl, error);
  state_dir = upg_resolve_state_dir (ctl->state_dir);
  if (!upg_ensure_state_dir (state_dir, &error) || (log_fd = open_log (state_dir, &log_path, &error)) < 0)
    return upgctl_fail (ctl, error);

  g_ptr_array_add (argv, g_strdup (self));
  /* Absolute paths: the child's life is not tied to this directory. */
  if (ctl->bundle_path != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("-b"));
      g_ptr_array_add (argv, absolute (ctl->bundle_path));
    }
  if (ctl->config_path != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("-c"));
      g_ptr_array_add (argv, absolute (ctl->config_path));
    }
  g_ptr_array_add (argv, g_strdup ("--state-dir"));
  g_ptr_array_add (argv, absolute (state_dir));
  if (ctl->verbosity == UPGCTL_VERBOSITY_VERBOSE)
    g_ptr_array_add (argv, g_strdup ("-v"));
  g_ptr_array_add (argv, g_strdup ("run"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, g_strdup ("--detached-child"));
  g_ptr_array_add (argv, NULL);

  if (!g_unix_open_pipe (status_fds, FD_CLOEXEC, &error))
    {
      close (log_fd);
      return upgctl_fail (ctl, error);
    }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_subprocess_launcher_take_stdout_fd (launcher, log_fd);
  g_subprocess_launcher_take_stderr_fd (launcher, dup (log_fd));
  g_subprocess_launcher_take_fd (launcher, status_fds[1], STATUS_FD);
  child = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  /* Our copies of the child's ends: the pipe reaches its end when the
   * child closes it (or dies), not later. */
  g_clear_object (&launcher);
  if (child == NULL)
    {
      close (status_fds[0]);
      return upgctl_fail (ctl, error);
    }

  in = g_subprocess_get_stdin_pipe (child);
  if ((env_text != NULL && !g_output_stream_write_all (in, env_text, strlen (env_text), NULL, NULL, &error)) ||
      !g_output_stream_close (in, NULL, error == NULL ? &error : NULL))
    g_clear_error (&error);   /* the child reports what it lacks */

  line = read_status (status_fds[0], &error);
  if (line != NULL && g_str_has_prefix (line, "started "))
    {
      int code = report_started (ctl, line, g_subprocess_get_identifier (child), log_path);

      if (code == 0)
        return 0;
    }
  /* It failed to start, or had nothing to do: it exits now. */
  g_subprocess_wait (child, NULL, NULL);
  if (g_strcmp0 (line, "finished") == 0)
    {
      g_autoptr(JsonObject) doc = json_object_new ();
      g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), doc);

      if (!ctl->json)
        g_print (_("The run finished before it went to the background (log %s).\n"), log_path);
      else
        {
          json_object_set_string_member (doc, "status", "SUCCESS");
          json_object_set_string_member (doc, "log", log_path);
          upgctl_print_json (ctl, root);
        }
      return 0;
    }
  if (line != NULL && g_str_has_prefix (line, "failed "))
    {
      g_auto(GStrv) parts = g_strsplit (line, " ", 4);
      g_autoptr(GError) child_error = NULL;
      UpgError code = UPG_ERROR_FAILED;

      if (g_strv_length (parts) == 4)
        {
          GEnumClass *klass = g_type_class_ref (UPG_TYPE_ERROR);
          GEnumValue *value = g_enum_get_value_by_nick (klass, parts[2]);

          if (value != NULL)
            code = value->value;
          g_type_class_unref (klass);
        }
      child_error = g_error_new (UPG_ERROR, code, _("the detached run did not start: %s (log %s)"),
                                 parts[3] != NULL ? parts[3] : line, log_path);
      upgctl_fail (ctl, child_error);
      return parts[1] != NULL ? (int) g_ascii_strtoll (parts[1], NULL, 10) : 1;
    }
  g_clear_error (&error);
  error = g_error_new (UPG_ERROR, UPG_ERROR_FAILED,
                       _("the detached run ended before it started (exit status %d); see its log %s"),
                       g_subprocess_get_status (child), log_path);
  upgctl_fail (ctl, error);
  return g_subprocess_get_if_exited (child) && g_subprocess_get_exit_status (child) != 0
         ? g_subprocess_get_exit_status (child) : 1;
}
