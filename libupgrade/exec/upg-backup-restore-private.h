/* upg-backup-restore-private.h - restoring a backup a `backup` step made
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-config.h"
#include "upg-journal.h"
#include "upg-journal-backups-private.h"
#include "upg-journal-config-files-private.h"

G_BEGIN_DECLS

gboolean  upg_backup_restore      (UpgJournal       *journal,
                                   UpgConfig        *config,
                                   const char       *backup_id,
                                   const char       *table,
                                   GCancellable     *cancellable,
                                   UpgBackupRecord **restored,
                                   GError          **error);
GStrv     upg_backup_record_tables (const UpgBackupRecord *record);

/* In runners/upg-config-runner.c: a kept configuration file put back. */
gboolean  upg_config_file_restore  (UpgJournal          *journal,
                                    UpgConfigFileRecord *record,
                                    GError             **error);

G_END_DECLS
