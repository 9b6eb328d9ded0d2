/* upg-db-dump-private.h - consistent dumps and restores of a data source
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "upg-data-source.h"

G_BEGIN_DECLS

/* Called after each chunk written to the dump file, with the bytes read
 * from the database so far (the test crash hook is one). */
typedef void (*UpgDumpProgress) (guint64   bytes,
                                 gpointer  user_data);

typedef struct
{
  guint64     size;          /* of the compressed file */
  char       *sha256;        /* of the compressed file, hex */
  JsonObject *row_counts;    /* table → rows in the dump */
  JsonObject *objects;       /* object → its kind, or NULL (ClickHouse only) */
} UpgDumpResult;

void        upg_dump_result_clear  (UpgDumpResult       *result);

const char *upg_db_dump_suffix     (UpgDialect           dialect);
gboolean    upg_db_dump            (UpgDataSource       *source,
                                    const char * const  *tables,
                                    const char          *path,
                                    const char          *work_dir,
                                    const char * const  *secret_env,
                                    UpgDumpProgress      progress,
                                    gpointer             progress_data,
                                    GCancellable        *cancellable,
                                    UpgDumpResult       *result,
                                    GError             **error);
gboolean    upg_db_restore         (UpgDataSource       *source,
                                    const char          *path,
                                    const char * const  *backup_tables,
                                    const char          *table,
                                    const char          *work_dir,
                                    const char * const  *secret_env,
                                    GCancellable        *cancellable,
                                    GError             **error);

/* upg-db-dump-sqlite.c */
gboolean    upg_db_sqlite_copy     (const char          *from,
                                    const char          *to,
                                    UpgDumpProgress      progress,
                                    gpointer             progress_data,
                                    GCancellable        *cancellable,
                                    GError             **error);
JsonObject *upg_db_sqlite_count    (const char          *path,
                                    const char * const  *tables,
                                    GError             **error);
gboolean    upg_db_sqlite_restore_tables (const char         *target,
                                          const char         *copy,
                                          const char * const *tables,
                                          GError            **error);

/* upg-db-dump.c, shared with the restore */
GOutputStream *upg_db_create_gzip  (const char          *path,
                                    GError             **error);
gboolean    upg_db_sync_file       (const char          *path,
                                    GError             **error);

/* upg-db-dump-clickhouse.c */
JsonObject *upg_db_dump_clickhouse (UpgDataSource       *source,
                                    const char * const  *tables,
                                    const char          *path,
                                    const char          *work_dir,
                                    UpgDumpProgress      progress,
                                    gpointer             progress_data,
                                    JsonObject         **kinds,
                                    GCancellable        *cancellable,
                                    GError             **error);
gboolean    upg_db_restore_clickhouse (UpgDataSource    *source,
                                       const char       *path,
                                       const char       *table,
                                       GCancellable     *cancellable,
                                       GError          **error);

gboolean    upg_db_gzip_file       (const char          *from,
                                    const char          *to,
                                    gboolean             compress,
                                    GCancellable        *cancellable,
                                    GError             **error);

G_END_DECLS
