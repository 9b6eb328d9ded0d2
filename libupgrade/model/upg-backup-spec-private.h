/* upg-backup-spec-private.h - what a `backup` step asks for
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-config.h"
#include "upg-json-private.h"

G_BEGIN_DECLS

/* How many upgrades' backups a `backup` step keeps when it does not say
 * (the design documents: "keep the last 3 upgrades' backups"). */
#define UPG_BACKUP_DEFAULT_KEEP 3

/*
 * UpgBackupSpec:
 * @database: the data source to dump
 * @tables: (nullable): the tables to dump; %NULL: the whole database
 * @keep: how many upgrades' backups of this step stay (≥ 1)
 *
 * The object of a step's `"backup"` member.
 */
typedef struct
{
  char   *database;
  GStrv   tables;
  guint   keep;
} UpgBackupSpec;

UpgBackupSpec *upg_backup_spec_read     (const UpgJsonCtx  *ctx,
                                         JsonObject        *step,
                                         const char        *path,
                                         GError           **error);
void           upg_backup_spec_free     (UpgBackupSpec     *spec);
char          *upg_backup_spec_problem  (const UpgBackupSpec *spec,
                                         UpgConfig         *config,
                                         const char        *file,
                                         const char        *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgBackupSpec, upg_backup_spec_free)

G_END_DECLS
