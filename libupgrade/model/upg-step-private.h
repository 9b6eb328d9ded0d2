/* upg-step-private.h - building steps (manifest and properties loaders)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-step.h"
#include "upg-batched-migration-private.h"
#include "upg-backup-spec-private.h"
#include "upg-json-private.h"

G_BEGIN_DECLS

UpgStep  *upg_step_new_from_json  (const UpgJsonCtx  *ctx,
                                   JsonObject        *object,
                                   const char        *path,
                                   const UpgVersion  *version,
                                   const char        *default_component,
                                   UpgStage           stage,
                                   gboolean           rollback,
                                   GError           **error);
UpgStep  *upg_step_new_legacy     (const char        *id,
                                   const char        *description,
                                   UpgStepKind        kind,
                                   const char        *target,
                                   const char        *component,
                                   const char        *database,
                                   const UpgVersion  *version,
                                   UpgStage           stage,
                                   const char        *source_file);
const char *upg_step_get_json_path (UpgStep *self);
const char * const *upg_step_get_double_write_tables (UpgStep *self);
const UpgBatchedMigrationSpec *upg_step_get_batched_migration (UpgStep *self);
const UpgBackupSpec *upg_step_get_backup (UpgStep *self);
gboolean  upg_step_set_error      (GError           **error,
                                   UpgStep           *step,
                                   const char        *format,
                                   ...) G_GNUC_PRINTF (3, 4);

/* upg-step-redis.c */
#define UPG_STEP_REDIS_MAX_COMMANDS 10000
#define UPG_STEP_REDIS_MAX_WORDS 1024
#define UPG_STEP_REDIS_MAX_WORD (1024 * 1024)

gboolean  upg_step_read_redis     (const UpgJsonCtx  *ctx,
                                   JsonObject        *object,
                                   const char        *path,
                                   GPtrArray        **commands,
                                   char             **pattern,
                                   GError           **error);

G_END_DECLS
