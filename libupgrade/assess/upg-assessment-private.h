/* upg-assessment-private.h - the database-facing checks of an assessment
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

#include "upg-assessment.h"
#include "upg-config.h"
#include "upg-data-source.h"
#include "upg-estimate.h"
#include "upg-manifest.h"
#include "upg-plan.h"

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
  const char *disk_path;   /* unowned: where backups go, canonical */
  guint64 free_disk;
  guint64 available_memory;
  guint   cpus;
} UpgHostFigures;

void     upg_host_figures_measure           (UpgHostFigures     *figures,
                                             const char         *disk_path);

/* One object of `checks.<member>` of one manifest of the plan. */
typedef struct
{
  UpgManifest *manifest;   /* unowned: the plan holds it */
  JsonObject  *entry;      /* unowned: the manifest holds it */
  char        *path;       /* "$.checks.<member>[i]", for messages */
} UpgCheckEntry;

void            upg_check_entry_free        (UpgCheckEntry       *entry);
char           *upg_check_entry_version     (const UpgCheckEntry *entry);
UpgCheckResult *upg_check_entry_invalid     (const char          *kind,
                                             const char          *id,
                                             const GError        *error);
GPtrArray      *upg_check_entries_group     (GPtrArray           *manifests,
                                             const char          *member,
                                             const char          *kind,
                                             const char          *key,
                                             GPtrArray           *items);
UpgCheckEntry  *upg_check_entries_newest    (GPtrArray           *group,
                                             const char          *what);

/* The checks of all the plan's manifests (@manifests), one item per rule
 * id, per database for middleware and per database for backups. */
void     upg_assessment_check_data_quality  (UpgCheckSources    *sources,
                                             GPtrArray          *manifests,
                                             const UpgVersion   *from,
                                             const UpgVersion   *to,
                                             GPtrArray          *items);
/* upg-assessment-redis.c */
void     upg_assessment_check_redis_memory  (UpgCheckSources    *sources,
                                             UpgPlan            *plan,
                                             GPtrArray          *items);
void     upg_assessment_check_middleware    (UpgCheckSources    *sources,
                                             GPtrArray          *manifests,
                                             GPtrArray          *items);
/* Running sum of the backup space the backup_tables need. */
typedef struct
{
  const UpgHostFigures *host;
  guint64               backup_bytes;
  guint                 n_databases;
  guint                 n_steps;     /* backup steps */
  GHashTable           *sized;       /* "database\x1ftable" the backup_tables sized */
} UpgBackupTotal;

void     upg_assessment_check_backup        (UpgCheckSources    *sources,
                                             GPtrArray          *manifests,
                                             UpgBackupTotal     *total,
                                             GPtrArray          *items);
UpgCheckResult *upg_assessment_backup_total_item (const UpgBackupTotal *total);
UpgVerdict      upg_assessment_backup_verdict    (guint64               free_disk,
                                                  guint64               backup);
/* upg-assessment-backup-steps.c: the plan's `backup` steps, one item
 * each, added to @total; their estimates revised from the sizes. */
void            upg_assessment_check_backup_steps (UpgCheckSources     *sources,
                                                   UpgPlan             *plan,
                                                   UpgJournal          *journal,
                                                   UpgEstimate         *estimate,
                                                   UpgBackupTotal      *total,
                                                   GPtrArray           *items);

/* upg-assessment-config-steps.c: the plan's `config` steps' estimates,
 * from the journal's earlier ones. */
void            upg_assessment_estimate_config_steps (UpgPlan     *plan,
                                                      UpgJournal  *journal,
                                                      UpgEstimate *estimate);

/* upg-assessment-double-write.c: steps whose double-written size is
 * measured (`double_write_tables`), one item each. */
void     upg_assessment_check_measured_double_write (UpgCheckSources *sources,
                                                     UpgPlan         *plan,
                                                     GPtrArray       *items);

/* upg-assessment-plugins.c: the checks of @plugins (none when %NULL),
 * run with a context of @plan, @config's data sources and @env, and
 * @backup_bytes measured; an item repeating one of @items is dropped. */
void     upg_assessment_add_plugin_items    (UpgPluginManager   *plugins,
                                             UpgPlan            *plan,
                                             UpgConfig          *config,
                                             JsonObject         *env,
                                             guint64             backup_bytes,
                                             GCancellable       *cancellable,
                                             GPtrArray          *items);

G_END_DECLS
