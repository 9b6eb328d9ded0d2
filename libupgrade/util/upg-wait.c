/* upg-wait.c - waiting that a cancellation cuts short
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Back-off between connection attempts and polls of a server: a
 * cancelled run must not sit out the delay.
 */
#include "config.h"

#include "upg-wait-private.h"

/*
 * upg_wait_or_cancel:
 * @ms: how long to wait, in milliseconds
 * @cancellable: (nullable): a #GCancellable
 *
 * Waits @ms milliseconds unless @cancellable fires first.
 *
 * Returns: %FALSE if @cancellable is cancelled
 */
gboolean
upg_wait_or_cancel (guint         ms,
                    GCancellable *cancellable)
{
  GPollFD fd;

  if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &fd))
    {
      g_poll (&fd, 1, ms);
      g_cancellable_release_fd (cancellable);
    }
  else
    g_usleep ((gulong) ms * 1000);

  return !g_cancellable_is_cancelled (cancellable);
}
