/* upg-runtime.h - facts about the running library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <glib.h>

#include "upg-version-macros.h"

G_BEGIN_DECLS

UPG_AVAILABLE_IN_ALL
const char  *upg_get_version      (void);
UPG_AVAILABLE_IN_ALL
guint        upg_get_spi_abi      (void);
UPG_AVAILABLE_IN_ALL
void         upg_init_i18n        (void);

G_END_DECLS
