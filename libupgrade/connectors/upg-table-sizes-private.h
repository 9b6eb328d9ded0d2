/* upg-table-sizes-private.h - how much room a database's tables take
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

/* SPEC §3: a backup needs about (data_length + index_length) × 1.5 (the
 * public UPG_ASSESSMENT_BACKUP_FACTOR says the same to the assessment's
 * callers). */
#define UPG_BACKUP_SPACE_FACTOR 1.5

typedef struct
{
  guint64  data;
  guint64  index;
  GString *missing;   /* tables not found, ", "-separated */
} UpgTableSizes;

gboolean  upg_table_sizes_measure (UpgConnection       *connection,
                                   const char * const  *tables,
                                   UpgTableSizes       *sizes,
                                   GCancellable        *cancellable,
                                   GError             **error);
GStrv     upg_table_list          (UpgConnection       *connection,
                                   GCancellable        *cancellable,
                                   GError             **error);

G_END_DECLS
