/* upg-step.h - one step of a manifest
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <json-glib/json-glib.h>
#include <upgrade-spi.h>

#include "upg-version-macros.h"

G_BEGIN_DECLS

/**
 * UpgStepKind:
 * @UPG_STEP_KIND_SQL: runs SQL files statement by statement (`sql_scripts`)
 * @UPG_STEP_KIND_TOOL: runs a plugin's #UpgDataMigration (`class_name`)
 * @UPG_STEP_KIND_COMMAND: runs an external program (`command`)
 * @UPG_STEP_KIND_BATCHED_MIGRATION: walks a table's key range in keyset
 *   batches, each committed with its checkpoint (`batched_migration`)
 * @UPG_STEP_KIND_BACKUP: dumps a data source with its engine's tools (`backup`)
 * @UPG_STEP_KIND_VERIFY: compares single-value queries (`verify`)
 * @UPG_STEP_KIND_HTTP_CHECK: checks an HTTP URL's answer (`http_check`)
 * @UPG_STEP_KIND_CONFIG: renders a configuration file from a template (`config`)
 * @UPG_STEP_KIND_REDIS: sends Redis commands (`redis`)
 * @UPG_STEP_KIND_REDIS_DELETE_PATTERN: removes the Redis keys matching a
 *   pattern (`redis_delete_pattern`)
 *
 * What a step executes.
 */
typedef enum {
  UPG_STEP_KIND_SQL,
  UPG_STEP_KIND_TOOL,
  UPG_STEP_KIND_COMMAND,
  UPG_STEP_KIND_BATCHED_MIGRATION,
  UPG_STEP_KIND_BACKUP,
  UPG_STEP_KIND_VERIFY,
  UPG_STEP_KIND_HTTP_CHECK,
  UPG_STEP_KIND_CONFIG,
  UPG_STEP_KIND_REDIS,
  UPG_STEP_KIND_REDIS_DELETE_PATTERN,
} UpgStepKind;

#define UPG_TYPE_STEP (upg_step_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgStep, upg_step, UPG, STEP, GObject)

UPG_AVAILABLE_IN_ALL
const char         *upg_step_get_id                  (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_step_get_name                (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_step_get_description         (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_step_get_component           (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
const UpgVersion   *upg_step_get_version             (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
UpgStage            upg_step_get_stage               (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
UpgStepKind         upg_step_get_kind                (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
gboolean            upg_step_is_rollback             (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_step_get_database            (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
const char * const *upg_step_get_sql_scripts         (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_step_get_class_name          (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
JsonObject         *upg_step_get_params              (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
const char * const *upg_step_get_command             (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
GPtrArray          *upg_step_get_redis_commands      (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_step_get_redis_pattern       (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
const UpgVersion   *upg_step_get_compatible_version  (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
guint               upg_step_get_timeout             (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
guint               upg_step_get_retry_count         (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
gboolean            upg_step_get_script_transaction  (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
const char * const *upg_step_get_site_ids            (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
gboolean            upg_step_get_is_common           (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
const char * const *upg_step_get_depends_on          (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
guint               upg_step_get_estimated_duration  (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
guint64             upg_step_get_data_volume         (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
gboolean            upg_step_get_double_write        (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
double              upg_step_get_rate                (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
guint               upg_step_get_parallelism         (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_step_get_source_file         (UpgStep     *self);

UPG_AVAILABLE_IN_ALL
gboolean            upg_step_applies_to_site         (UpgStep     *self,
                                                      const char  *site_id);
UPG_AVAILABLE_IN_ALL
gboolean            upg_step_is_compatible_from      (UpgStep     *self,
                                                      const UpgVersion *from);
UPG_AVAILABLE_IN_ALL
JsonObject         *upg_step_get_json                (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
double              upg_step_estimate_seconds        (UpgStep     *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_step_kind_to_string          (UpgStepKind  kind);

G_END_DECLS
