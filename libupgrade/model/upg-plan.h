/* upg-plan.h - the ordered steps that take one site from one version to another
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include "upg-bundle.h"
#include "upg-config.h"

#include "upg-version-macros.h"

G_BEGIN_DECLS

/**
 * UpgPlanMode:
 * @UPG_PLAN_MODE_ROLLING: every step is compatible: no downtime
 * @UPG_PLAN_MODE_STOP_SERVICE: at least one step needs the service stopped
 *
 * How an upgrade must be carried out.
 */
typedef enum {
  UPG_PLAN_MODE_ROLLING,
  UPG_PLAN_MODE_STOP_SERVICE,
} UpgPlanMode;

#define UPG_TYPE_PLAN (upg_plan_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgPlan, upg_plan, UPG, PLAN, GObject)

UPG_AVAILABLE_IN_ALL
UpgPlan           *upg_plan_new                     (UpgBundle         *bundle,
                                                     const UpgVersion  *from,
                                                     const UpgVersion  *to,
                                                     const char        *site_id,
                                                     GError           **error);
UPG_AVAILABLE_IN_ALL
UpgPlan           *upg_plan_new_for_config          (UpgBundle         *bundle,
                                                     UpgConfig         *config,
                                                     const UpgVersion  *from,
                                                     const UpgVersion  *to,
                                                     const char        *site_id,
                                                     GError           **error);

UPG_AVAILABLE_IN_ALL
UpgBundle         *upg_plan_get_bundle              (UpgPlan           *self);
UPG_AVAILABLE_IN_ALL
const UpgVersion  *upg_plan_get_from                (UpgPlan           *self);
UPG_AVAILABLE_IN_ALL
const UpgVersion  *upg_plan_get_to                  (UpgPlan           *self);
UPG_AVAILABLE_IN_ALL
const char        *upg_plan_get_site_id             (UpgPlan           *self);
UPG_AVAILABLE_IN_ALL
UpgPlanMode        upg_plan_get_mode                (UpgPlan           *self);
UPG_AVAILABLE_IN_ALL
GPtrArray         *upg_plan_get_manifests           (UpgPlan           *self);
UPG_AVAILABLE_IN_ALL
GPtrArray         *upg_plan_get_steps               (UpgPlan           *self,
                                                     UpgStage           stage);
UPG_AVAILABLE_IN_ALL
GPtrArray         *upg_plan_get_rollback_steps      (UpgPlan           *self,
                                                     UpgStage           stage);
UPG_AVAILABLE_IN_ALL
GPtrArray         *upg_plan_get_incompatible_steps  (UpgPlan           *self);
UPG_AVAILABLE_IN_ALL
const char        *upg_plan_get_incompatible_reason (UpgPlan           *self,
                                                     UpgStep           *step);
UPG_AVAILABLE_IN_ALL
const UpgVersion  *upg_plan_get_source_version_for  (UpgPlan           *self,
                                                     UpgManifest       *manifest);
UPG_AVAILABLE_IN_ALL
JsonNode          *upg_plan_to_json                 (UpgPlan           *self);

G_END_DECLS
