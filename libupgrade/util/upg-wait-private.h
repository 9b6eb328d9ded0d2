/* upg-wait-private.h - waiting that a cancellation cuts short
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean upg_wait_or_cancel (guint         ms,
                             GCancellable *cancellable);

G_END_DECLS
