/* upg-service-notify.c - systemd's readiness protocol, without libsystemd
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Under `Type=notify` systemd passes the path of a datagram socket in
 * $NOTIFY_SOCKET and waits for "READY=1" there before it starts the units
 * ordered after this one. The protocol is one datagram of
 * newline-separated assignments; a path starting with '@' names a socket
 * in the abstract namespace (a leading NUL byte). That is all sd_notify()
 * does for us, so the service does not depend on libsystemd.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "upg-service-private.h"

/**
 * upg_service_sd_notify:
 * @state: assignments, e.g. "READY=1\nSTATUS=listening"
 *
 * Sends @state to the service manager when there is one.
 *
 * Returns: %TRUE if sent; %FALSE without $NOTIFY_SOCKET or when it
 *   cannot be reached (logged: the service runs on regardless)
 */
gboolean
upg_service_sd_notify (const char *state)
{
  const char *path = g_getenv ("NOTIFY_SOCKET");
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  gsize length;
  int fd;
  gssize sent;

  if (path == NULL || *path == '\0')
    return FALSE;
  length = strlen (path);
  if ((path[0] != '/' && path[0] != '@') || length >= sizeof address.sun_path)
    {
      upg_service_log (NULL, G_LOG_LEVEL_WARNING, "NOTIFY_SOCKET '%s' is not a socket path; not notifying", path);
      return FALSE;
    }
  memcpy (address.sun_path, path, length);
  if (path[0] == '@')
    address.sun_path[0] = '\0';
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;
  /* The abstract name's length is exact: no terminating NUL counts. */
  sent = sendto (fd, state, strlen (state), MSG_NOSIGNAL, (struct sockaddr *) &address,
                 offsetof (struct sockaddr_un, sun_path) + length + (path[0] == '/' ? 1 : 0));
  if (sent < 0)
    upg_service_log (NULL, G_LOG_LEVEL_WARNING, "cannot notify the service manager at '%s': %s",
                     path, g_strerror (errno));
  close (fd);
  return sent >= 0;
}
