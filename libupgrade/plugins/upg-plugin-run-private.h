/* upg-plugin-run-private.h - one plugin host process, from start to result
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

typedef struct {
  char       *host_path;
  char       *label;            /* "plugin 'x'" or "plugin file '/p'" for messages */
  char       *what;             /* "Type.method", until the host says otherwise */
  JsonNode   *request;
  UpgContext *context;          /* nullable: receives logs, progress, checkpoints */
  guint       timeout_seconds;  /* 0: no limit */
  guint       kill_grace_ms;    /* between SIGTERM and SIGKILL on cancellation */
  char      **secrets;          /* values cut out of what the plugin says */
} UpgPluginRunSpec;

typedef struct {
  JsonNode  *description;       /* the "describe" answer, or NULL */
  GPtrArray *results;           /* UpgCheckResult */
} UpgPluginRunOutput;

void                upg_plugin_run_spec_free    (UpgPluginRunSpec   *spec);
void                upg_plugin_run_output_free  (UpgPluginRunOutput *output);

void                upg_plugin_run_async        (UpgPluginRunSpec   *spec,
                                                 GCancellable       *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
UpgPluginRunOutput *upg_plugin_run_finish       (GAsyncResult       *result,
                                                 GError            **error);
UpgPluginRunOutput *upg_plugin_run_sync         (UpgPluginRunSpec   *spec,
                                                 GCancellable       *cancellable,
                                                 GError            **error);

void                upg_plugin_sync_done        (GObject            *source,
                                                 GAsyncResult       *result,
                                                 gpointer            user_data);
GAsyncResult       *upg_plugin_sync_wait        (GMainContext       *context,
                                                 GAsyncResult      **result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgPluginRunSpec, upg_plugin_run_spec_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgPluginRunOutput, upg_plugin_run_output_free)

G_END_DECLS
