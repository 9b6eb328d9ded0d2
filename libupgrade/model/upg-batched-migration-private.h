/* upg-batched-migration-private.h - the parameters of a batched_migration step
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-json-private.h"

G_BEGIN_DECLS

/* What a `batched_migration` step declares (SPEC §4), validated. */
typedef struct {
  char    *database;              /* the data source; the step's when omitted */
  char    *table;                 /* identifier, optionally schema-qualified */
  char    *key;                   /* integer key column walked in keyset batches */
  char    *sql;                   /* with :start and :end */
  guint64  batch_size;            /* keys in the first batch */
  double   target_batch_seconds;  /* what one batch should take */
  guint64  max_rows_per_second;   /* 0: no cap */
  char    *throttle_database;     /* NULL: no throttle */
  char    *throttle_sql;
  double   throttle_max;
  double   pause_seconds;
} UpgBatchedMigrationSpec;

#define UPG_BATCHED_MIGRATION_DEFAULT_BATCH_SIZE 1000
#define UPG_BATCHED_MIGRATION_DEFAULT_TARGET_SECONDS 0.5
#define UPG_BATCHED_MIGRATION_DEFAULT_PAUSE_SECONDS 5.0

UpgBatchedMigrationSpec *upg_batched_migration_spec_parse (const UpgJsonCtx  *ctx,
                                                           JsonObject        *object,
                                                           const char        *path,
                                                           const char        *step_database,
                                                           GError           **error);
void      upg_batched_migration_spec_free  (UpgBatchedMigrationSpec *spec);
char     *upg_batched_migration_bind       (const char  *sql,
                                            gint64       start,
                                            gint64       end);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgBatchedMigrationSpec, upg_batched_migration_spec_free)

G_END_DECLS
