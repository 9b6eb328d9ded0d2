/* upg-bundle-private.h - loading a bundle while collecting every problem
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-bundle.h"
#include "upg-config.h"

G_BEGIN_DECLS

UpgBundle *upg_bundle_load_collecting (const char  *path,
                                       GPtrArray   *problems,
                                       GError     **error);

GHashTable *upg_bundle_collect_step_ids (UpgBundle   *self);
gboolean    upg_bundle_check_component  (UpgBundle   *self,
                                         const char  *component,
                                         GError     **error);

char       *upg_step_transaction_problem (UpgStep    *step,
                                          UpgConfig  *config);
char       *upg_step_data_source_problem (UpgStep    *step,
                                          UpgConfig  *config);

G_END_DECLS
