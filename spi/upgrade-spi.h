/* upgrade-spi.h - the plugin-facing interface of libupgrade
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define __UPGRADE_SPI_INSIDE__

#include "upg-spi-version-macros.h"
#include "upg-spi-version.h"
#include "upg-error.h"
#include "upg-version.h"
#include "upg-stage.h"
#include "upg-rows.h"
#include "upg-connection.h"
#include "upg-check-result.h"
#include "upg-context.h"
#include "upg-redis.h"
#include "upg-compatibility.h"
#include "upg-data-migration.h"
#include "upg-data-quality.h"
#include "upg-duration-estimate.h"
#include "upg-plugin.h"
#include "upg-resource-check.h"
#include "upg-spi-enums.h"

#undef __UPGRADE_SPI_INSIDE__
