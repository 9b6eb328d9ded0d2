/* upg-plugin-lines-private.h - lines of a plugin host, no longer than a limit
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _UpgPluginLines UpgPluginLines;

UpgPluginLines *upg_plugin_lines_new         (GInputStream        *stream,
                                              gsize                max_length);
void            upg_plugin_lines_free        (UpgPluginLines      *lines);
void            upg_plugin_lines_read_async  (UpgPluginLines      *lines,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
char           *upg_plugin_lines_read_finish (UpgPluginLines      *lines,
                                              GAsyncResult        *result,
                                              gsize               *length,
                                              gboolean            *cut,
                                              GError             **error);

G_END_DECLS
