/* upg-target-lock-private.h - a lock in each target data source, so that
 * runs with separate journals exclude each other
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

gboolean  upg_target_lock_acquire       (UpgConnection  *target,
                                         const char     *site_id,
                                         const char     *execution_id,
                                         GError        **error);
gboolean  upg_target_lock_name_execution (UpgConnection  *target,
                                          const char     *site_id,
                                          const char     *execution_id,
                                          GError        **error);
void      upg_target_lock_release       (UpgConnection  *target,
                                         const char     *site_id);
gboolean  upg_target_lock_clear_stale   (UpgConnection  *target,
                                         const char     *site_id,
                                         char          **cleared,
                                         GError        **error);

G_END_DECLS
