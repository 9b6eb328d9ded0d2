/* upg-assessment-private.h - the database-facing checks of an assessment
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upgrade.h"

G_BEGIN_DECLS

/* The configured data sources, each opened at most once per assessment:
 * a source that cannot be reached is retried (by upg_data_source_open())
 * once, not once per rule. */
typedef struct _UpgCheckSources UpgCheckSources;

UpgCheckSources *upg_check_sources_new              (UpgConfig         *config,
                                                     GCancellable      *cancellable);
void             upg_check_sources_free             (UpgCheckSources   *sources);
UpgConnection   *upg_check_sources_get              (UpgCheckSources   *sources,
                                                     const char        *name,
                                                     char             **skip_reason,
                                                     GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgCheckSources, upg_check_sources_free)

/* Host figures the resource items compare against. */
typedef struct
{
  guint64 free_disk;
  guint64 available_memory;
  guint   cpus;
} UpgHostFigures;

void     upg_host_figures_measure           (UpgHostFigures     *figures,
                                             const char         *disk_path);

void     upg_assessment_check_data_quality  (UpgCheckSources    *sources,
                                             UpgManifest        *manifest,
                                             const UpgVersion   *from,
                                             const UpgVersion   *to,
                                             GPtrArray          *items);
void     upg_assessment_check_middleware    (UpgCheckSources    *sources,
                                             UpgManifest        *manifest,
                                             GPtrArray          *items);
/* Running sum of the backup space the backup_tables need. */
typedef struct
{
  const UpgHostFigures *host;
  guint64               backup_bytes;
  guint                 n_databases;
} UpgBackupTotal;

void     upg_assessment_check_backup        (UpgCheckSources    *sources,
                                             UpgManifest        *manifest,
                                             UpgBackupTotal     *total,
                                             GPtrArray          *items);
UpgCheckResult *upg_assessment_backup_total_item (const UpgBackupTotal *total);

G_END_DECLS
