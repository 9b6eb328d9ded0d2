/* host-resources-private.h - reading /proc and choosing paths
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

typedef struct {
  guint64 idle;    /* idle + iowait jiffies */
  guint64 total;   /* all jiffies */
} HostCpuSample;

gboolean   host_read_cpu_sample   (const char          *path,
                                   HostCpuSample       *sample,
                                   GError             **error);
double     host_cpu_idle_percent  (const HostCpuSample *first,
                                   const HostCpuSample *second);
gboolean   host_sample_cpu        (const char          *path,
                                   guint                interval_ms,
                                   GCancellable        *cancellable,
                                   double              *idle_percent,
                                   double              *elapsed_ms,
                                   GError             **error);
gboolean   host_read_meminfo      (const char          *path,
                                   gint64              *available,
                                   gint64              *total,
                                   GError             **error);
GPtrArray *host_collect_paths     (UpgContext          *ctx);

G_END_DECLS
