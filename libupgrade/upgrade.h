/* upgrade.h - libupgrade, the upgrade engine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define __UPGRADE_INSIDE__

#include <upgrade-spi.h>

#include "upg-version-macros.h"
#include "upg-assessment.h"
#include "upg-breakpoint.h"
#include "upg-current-statement.h"
#include "upg-bundle.h"
#include "upg-check-stage.h"
#include "upg-config.h"
#include "upg-data-source.h"
#include "upg-enums.h"
#include "upg-estimate.h"
#include "upg-execution.h"
#include "upg-executor.h"
#include "upg-journal.h"
#include "upg-manifest.h"
#include "upg-plan.h"
#include "upg-plugin-info.h"
#include "upg-plugin-manager.h"
#include "upg-rate-estimate.h"
#include "upg-report.h"
#include "upg-run.h"
#include "upg-runtime.h"
#include "upg-state-dir.h"
#include "upg-sql-splitter.h"
#include "upg-sql-statement.h"
#include "upg-step.h"

#undef __UPGRADE_INSIDE__
