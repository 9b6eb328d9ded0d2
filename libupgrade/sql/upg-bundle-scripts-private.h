/* upg-bundle-scripts-private.h - a bundle's SQL scripts against a site
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-bundle.h"
#include "upg-config.h"

G_BEGIN_DECLS

void       upg_bundle_check_with_config (UpgBundle   *self,
                                         UpgConfig   *config,
                                         GPtrArray   *problems);
void       upg_bundle_check_scripts     (UpgBundle   *self,
                                         UpgConfig   *config,
                                         GPtrArray   *problems);
gboolean   upg_sql_check_includes       (UpgStep     *step,
                                         GHashTable  *scripts,
                                         GError     **error);

G_END_DECLS
