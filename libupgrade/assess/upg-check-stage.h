/* upg-check-stage.h - the assessment's items as the checks of a check stage
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include "upg-executor.h"
#include "upg-run.h"

#include "upg-version-macros.h"

G_BEGIN_DECLS

UPG_AVAILABLE_IN_ALL
void      upg_check_stage_attach      (UpgExecutor  *executor,
                                       UpgRun       *run);
UPG_AVAILABLE_IN_ALL
gboolean  upg_check_stage_owns_item   (UpgStage      stage,
                                       const char   *kind);

G_END_DECLS
