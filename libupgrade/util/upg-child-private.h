/* upg-child-private.h - child processes that die with their parent
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GSubprocessLauncher *upg_child_launcher_new (GSubprocessFlags flags);

G_END_DECLS
