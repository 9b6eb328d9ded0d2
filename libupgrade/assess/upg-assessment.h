/* upg-assessment.h - resources, data quality, compatibility and duration of a plan
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <upgrade-spi.h>

#include "upg-config.h"
#include "upg-estimate.h"
#include "upg-journal.h"
#include "upg-plan.h"
#include "upg-plugin-manager.h"
#include "upg-report.h"

#include "upg-version-macros.h"

G_BEGIN_DECLS

/**
 * UPG_ASSESSMENT_MIN_FREE_MEMORY:
 *
 * Free memory every host needs (1 GiB, the design documents' default),
 * whatever the manifests require.
 */
#define UPG_ASSESSMENT_MIN_FREE_MEMORY (G_GUINT64_CONSTANT (1) << 30)

/**
 * UPG_ASSESSMENT_BACKUP_FACTOR:
 *
 * Backup space = (data_length + index_length) × 1.5.
 */
#define UPG_ASSESSMENT_BACKUP_FACTOR 1.5

/**
 * UPG_ASSESSMENT_DOUBLE_WRITE_BUFFER:
 *
 * Double-write space = data × 2, plus this buffer (15 %, the middle of the
 * design documents' 10–20 %): (data × 2) × 1.15.
 */
#define UPG_ASSESSMENT_DOUBLE_WRITE_BUFFER 0.15

#define UPG_TYPE_ASSESSMENT (upg_assessment_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgAssessment, upg_assessment, UPG, ASSESSMENT, GObject)

UPG_AVAILABLE_IN_ALL
UpgVerdict    upg_assessment_get_verdict    (UpgAssessment    *self);
UPG_AVAILABLE_IN_ALL
UpgPlanMode   upg_assessment_get_mode       (UpgAssessment    *self);
UPG_AVAILABLE_IN_ALL
GPtrArray    *upg_assessment_get_items      (UpgAssessment    *self);
UPG_AVAILABLE_IN_ALL
UpgEstimate  *upg_assessment_get_estimate   (UpgAssessment    *self);
UPG_AVAILABLE_IN_ALL
JsonNode     *upg_assessment_to_json        (UpgAssessment    *self);
UPG_AVAILABLE_IN_ALL
char         *upg_assessment_render         (UpgAssessment    *self,
                                             UpgReportFormat   format);
UPG_AVAILABLE_IN_ALL
int           upg_assessment_exit_code      (UpgAssessment    *self);

#define UPG_TYPE_ASSESSOR (upg_assessor_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgAssessor, upg_assessor, UPG, ASSESSOR, GObject)

UPG_AVAILABLE_IN_ALL
UpgAssessor    *upg_assessor_new                 (UpgPlan              *plan,
                                                  UpgConfig            *config);
UPG_AVAILABLE_IN_ALL
void            upg_assessor_set_env             (UpgAssessor          *self,
                                                  JsonObject           *env);
UPG_AVAILABLE_IN_ALL
void            upg_assessor_set_plugin_manager  (UpgAssessor          *self,
                                                  UpgPluginManager     *manager);
UPG_AVAILABLE_IN_ALL
void            upg_assessor_set_disk_path       (UpgAssessor          *self,
                                                  const char           *path);
UPG_AVAILABLE_IN_ALL
void            upg_assessor_set_journal         (UpgAssessor          *self,
                                                  UpgJournal           *journal);
UPG_AVAILABLE_IN_ALL
UpgAssessment  *upg_assessor_run                 (UpgAssessor          *self,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
UPG_AVAILABLE_IN_ALL
void            upg_assessor_run_async           (UpgAssessor          *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
UPG_AVAILABLE_IN_ALL
UpgAssessment  *upg_assessor_run_finish          (UpgAssessor          *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

G_END_DECLS
