/* upg-manifest.h - one version's manifest
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include "upg-step.h"

G_BEGIN_DECLS

#define UPG_TYPE_MANIFEST (upg_manifest_get_type ())

G_DECLARE_FINAL_TYPE (UpgManifest, upg_manifest, UPG, MANIFEST, GObject)

UpgManifest        *upg_manifest_new_from_file            (const char   *path,
                                                           const char   *bundle_dir,
                                                           GError      **error);
UpgManifest        *upg_manifest_new_from_properties      (const char   *tasks_path,
                                                           const char   *orchestration_path,
                                                           const char   *bundle_dir,
                                                           GError      **error);

const char         *upg_manifest_get_path                 (UpgManifest  *self);
const UpgVersion   *upg_manifest_get_version              (UpgManifest  *self);
gboolean            upg_manifest_is_patch                 (UpgManifest  *self);
const UpgVersion   *upg_manifest_get_base_version         (UpgManifest  *self);
const char         *upg_manifest_get_component            (UpgManifest  *self);
const char         *upg_manifest_get_description          (UpgManifest  *self);
const UpgVersion   *upg_manifest_get_min_source_version   (UpgManifest  *self);
const UpgVersion   *upg_manifest_get_max_source_version   (UpgManifest  *self);
const char * const *upg_manifest_get_required_components  (UpgManifest  *self);
guint64             upg_manifest_get_required_memory      (UpgManifest  *self);
guint64             upg_manifest_get_required_disk        (UpgManifest  *self);
guint               upg_manifest_get_required_cpus        (UpgManifest  *self);
JsonObject         *upg_manifest_get_checks               (UpgManifest  *self);
GPtrArray          *upg_manifest_get_steps                (UpgManifest  *self,
                                                           UpgStage      stage);
GPtrArray          *upg_manifest_get_rollback_steps       (UpgManifest  *self,
                                                           UpgStage      stage);
JsonObject         *upg_manifest_get_checksums            (UpgManifest  *self);
UpgStep            *upg_manifest_lookup_step              (UpgManifest  *self,
                                                           const char   *id);

G_END_DECLS
