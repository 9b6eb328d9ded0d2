/* upg-runtime.h - facts about the running library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

const char  *upg_get_version      (void);
guint        upg_get_spi_abi      (void);
void         upg_init_i18n        (void);

G_END_DECLS
