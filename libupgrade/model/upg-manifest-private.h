/* upg-manifest-private.h - building manifests (JSON bytes, properties form)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-manifest.h"

G_BEGIN_DECLS

UpgManifest  *upg_manifest_new_from_data  (const char        *data,
                                           gssize             length,
                                           const char        *file,
                                           const char        *bundle_dir,
                                           GError           **error);
UpgManifest  *upg_manifest_new_legacy     (const char        *path,
                                           const UpgVersion  *version,
                                           const char        *component,
                                           const char        *description);
gboolean      upg_manifest_add_step       (UpgManifest       *self,
                                           UpgStep           *step,
                                           GError           **error);
JsonObject   *upg_manifest_get_json       (UpgManifest       *self);

/* upg-manifest-members.c */
void          upg_manifest_check_members  (UpgManifest       *self,
                                           GPtrArray         *problems);
void          upg_manifest_check_file_members (const char    *path,
                                               GPtrArray     *problems);

G_END_DECLS
