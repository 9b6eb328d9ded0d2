/* upg-clickhouse-catalog-private.h - what a ClickHouse database holds,
 * for its backups
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include <upgrade-spi.h>

G_BEGIN_DECLS

/* In the order a restore creates them (the rank of upg_ch_object_rank()). */
typedef enum
{
  UPG_CH_OBJECT_TABLE,              /* rows of its own, kept */
  UPG_CH_OBJECT_DICTIONARY,         /* a DDL dictionary: definition only */
  UPG_CH_OBJECT_MATERIALIZED_VIEW,  /* definition, and its inner table's rows */
  UPG_CH_OBJECT_VIEW,               /* definition only */
  UPG_CH_OBJECT_DISTRIBUTED,        /* definition only */
  UPG_CH_OBJECT_EXTERNAL,           /* rows elsewhere (Merge, Buffer, Kafka…): definition only */
} UpgChObjectKind;

typedef struct
{
  char             *name;
  UpgChObjectKind   kind;
  char             *create;     /* its CREATE statement (SHOW CREATE) */
  char             *rows_from;  /* the table whose rows are kept, or NULL */
  GPtrArray        *needs;      /* names of the other objects it refers to */
} UpgChObject;

void         upg_ch_object_free            (UpgChObject         *object);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgChObject, upg_ch_object_free)

const char  *upg_ch_object_kind_to_string  (UpgChObjectKind      kind);
gboolean     upg_ch_object_kind_from_string (const char         *text,
                                             UpgChObjectKind    *kind);
const char  *upg_ch_object_kind_label      (const char          *kind);
char        *upg_ch_object_drop_sql        (const UpgChObject   *object);
UpgChObjectKind upg_ch_object_kind_for_engine (const char       *engine,
                                               gboolean          ddl_dictionary);

GPtrArray   *upg_clickhouse_catalog_list   (UpgConnection       *connection,
                                            const char * const  *only,
                                            GCancellable        *cancellable,
                                            GError             **error);
GPtrArray   *upg_clickhouse_catalog_needs  (const char          *create,
                                            const char          *self,
                                            const char          *database,
                                            GHashTable          *objects);
char        *upg_clickhouse_catalog_inner_table (const char     *name,
                                                 const char     *uuid,
                                                 GHashTable     *all);
void         upg_clickhouse_catalog_order  (GPtrArray           *objects);
GHashTable  *upg_clickhouse_catalog_names  (UpgConnection       *connection,
                                            GCancellable        *cancellable,
                                            GError             **error);
GStrv        upg_clickhouse_catalog_feeds  (UpgConnection       *connection,
                                            const char          *table,
                                            GCancellable        *cancellable,
                                            GError             **error);
gint64       upg_clickhouse_catalog_count  (UpgConnection       *connection,
                                            const char          *table,
                                            GCancellable        *cancellable,
                                            GError             **error);

char        *upg_clickhouse_quote_name     (const char          *name);

G_END_DECLS
