/* upg-units-private.h - "100GB", "50MB/s", "2cores"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  upg_units_parse_size   (const char  *text,
                                  guint64     *bytes);
gboolean  upg_units_parse_rate   (const char  *text,
                                  double      *bytes_per_second);
gboolean  upg_units_parse_cpus   (const char  *text,
                                  guint       *cpus);

G_END_DECLS
