/* upg-journal-schema-private.h - the journal's tables, per dialect
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

/* The schema version this library writes. */
#define UPG_JOURNAL_SCHEMA_VERSION 14

guint     upg_journal_schema_get_version  (UpgConnection  *connection,
                                           GError        **error);
gboolean  upg_journal_schema_migrate      (UpgConnection  *connection,
                                           guint           target_version,
                                           gint64          now_ms,
                                           guint          *version_out,
                                           GError        **error);

/* upg-journal-schema-ddl.c: each creates only what is absent. */
gboolean  upg_journal_schema_table_exists (UpgConnection  *connection,
                                           const char     *table,
                                           gboolean       *found,
                                           GError        **error);
gboolean  upg_journal_schema_ensure_table (UpgConnection  *connection,
                                           const char     *table,
                                           const char     *columns,
                                           GError        **error);
gboolean  upg_journal_schema_ensure_keyed_table (UpgConnection  *connection,
                                                 const char     *table,
                                                 const char     *columns,
                                                 GError        **error);

gboolean  upg_journal_schema_ensure_column_added (UpgConnection  *connection,
                                                 const char     *table,
                                                 const char     *column,
                                                 const char     *type,
                                                 gboolean       *added,
                                                 GError        **error);
gboolean  upg_journal_schema_ensure_index (UpgConnection  *connection,
                                           const char     *name,
                                           const char     *table,
                                           const char     *columns,
                                           gboolean        unique,
                                           GError        **error);

G_END_DECLS
