/* upg-stage.h - upgrade cut-points
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_SPI_INSIDE__) && !defined(UPGRADE_SPI_COMPILATION)
#error "Only <upgrade-spi.h> can be included directly."
#endif

#include <glib.h>

#include "upg-spi-version-macros.h"

G_BEGIN_DECLS

/**
 * UpgStage:
 * @UPG_STAGE_RESOURCE_CHECK: during assessment, before anything changes
 * @UPG_STAGE_BUSINESS_CHECK: data quality, middleware versions, deployment checks
 * @UPG_STAGE_PRE_STOP: work possible while the old version still serves;
 *   steps may run in parallel
 * @UPG_STAGE_IN_STOP: the main upgrade while stopped; serial
 * @UPG_STAGE_POST_START: after all components started
 * @UPG_STAGE_POST_UPGRADE: background migration and clean-up once the site
 *   is open again
 *
 * The cut-points at which the CI/CD agent calls the engine, in the order
 * they run.
 */
typedef enum {
  UPG_STAGE_RESOURCE_CHECK,
  UPG_STAGE_BUSINESS_CHECK,
  UPG_STAGE_PRE_STOP,
  UPG_STAGE_IN_STOP,
  UPG_STAGE_POST_START,
  UPG_STAGE_POST_UPGRADE,
} UpgStage;

/**
 * UPG_N_STAGES:
 *
 * The number of stages, for arrays indexed by [enum@Upgrade.Stage].
 */
#define UPG_N_STAGES (UPG_STAGE_POST_UPGRADE + 1)

UPG_SPI_AVAILABLE_IN_ALL
gboolean     upg_stage_from_string  (const char  *text,
                                     UpgStage    *stage,
                                     GError     **error);
UPG_SPI_AVAILABLE_IN_ALL
const char  *upg_stage_to_string    (UpgStage     stage);

G_END_DECLS
