/* upgradectl-detach-child.c - the detached child of `upgradectl run
 * --detach` (upgradectl-detach.c): it reads `--env` on stdin and tells its
 * parent on fd 3 whether its run started
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Apart from upgradectl-detach.c because upgctl_fail() (upgradectl-common.c)
 * reports through it, and the parent side uses upgctl_fail().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "upgradectl-executor.h"

/* The child's end of the status pipe. */
#define STATUS_FD 3

/* The status pipe until the child said started or failed. */
static int child_status_fd = -1;

/**
 * upgctl_detach_child_init:
 * @env_text: (out) (transfer full) (nullable): `--env`, read from stdin
 * @error: return location for an error
 *
 * Prepares the detached child: keeps the status pipe from the processes
 * it starts, reads `--env` from stdin and puts /dev/null there, tags its
 * output with the execution.
 *
 * Returns: %TRUE on success
 */
gboolean
upgctl_detach_child_init (char    **env_text,
                          GError  **error)
{
  g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  guint8 buffer[4096];
  gssize n;
  int null_fd;

  child_status_fd = STATUS_FD;
  if (fcntl (STATUS_FD, F_SETFD, FD_CLOEXEC) != 0)
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           _("--detached-child is for upgradectl run --detach only"));
      child_status_fd = -1;
      return FALSE;
    }
  upgctl_log_set_detached (NULL);
  g_set_print_handler (upgctl_log_detached_print_handler ());
  while ((n = g_input_stream_read (in, buffer, sizeof buffer, NULL, error)) > 0)
    g_byte_array_append (bytes, buffer, (guint) n);
  if (n < 0)
    return FALSE;
  null_fd = g_open ("/dev/null", O_RDONLY | O_CLOEXEC, 0);
  if (null_fd >= 0)
    {
      dup2 (null_fd, STDIN_FILENO);
      close (null_fd);
    }
  *env_text = bytes->len > 0 ? g_strndup ((const char *) bytes->data, bytes->len) : NULL;
  return TRUE;
}

static void
say (const char *line)
{
  gsize len = strlen (line);
  const char *p = line;

  while (len > 0)
    {
      gssize n = write (child_status_fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      p += n;
      len -= (gsize) n;
    }
  close (child_status_fd);
  child_status_fd = -1;
}

/**
 * upgctl_detach_child_started:
 * @execution_id: the execution the child started (it holds the lock)
 * @site_id: its site
 *
 * Tells the waiting parent that the run started; from now on every line
 * of the child names @execution_id.
 */
void
upgctl_detach_child_started (const char *execution_id,
                             const char *site_id)
{
  g_autofree char *line = NULL;

  if (child_status_fd < 0)
    return;
  upgctl_log_set_detached (execution_id);
  line = g_strdup_printf ("started %s %s\n", execution_id, site_id);
  say (line);
}

/**
 * upgctl_detach_child_failed:
 * @code: the exit code
 * @error: (nullable): why; %NULL: the log says
 *
 * Tells the waiting parent, if it still waits, that the run did not start.
 */
void
upgctl_detach_child_failed (int           code,
                            const GError *error)
{
  g_autofree char *line = NULL;
  g_autofree char *message = NULL;

  if (child_status_fd < 0)
    return;
  if (code == 0)
    {
      say ("finished\n");
      return;
    }
  message = error != NULL ? g_strdup (error->message)
                          : g_strdup_printf (_("it exited with code %d"), code);
  g_strdelimit (message, "\n", ' ');
  line = g_strdup_printf ("failed %d %s %s\n", code,
                          error != NULL && error->domain == UPG_ERROR ? upg_error_code_nick (error) : "failed",
                          message);
  say (line);
}
