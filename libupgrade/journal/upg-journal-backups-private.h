/* upg-journal-backups-private.h - the journal's record of backups and restores
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-journal.h"

G_BEGIN_DECLS

/* A backup's status: RUNNING while its dump is written (a RUNNING row
 * found later is an interrupted dump), SUCCESS, FAILED; REMOVED once
 * retention deleted its file. */
#define UPG_BACKUP_RUNNING "RUNNING"
#define UPG_BACKUP_SUCCESS "SUCCESS"
#define UPG_BACKUP_FAILED  "FAILED"
#define UPG_BACKUP_REMOVED "REMOVED"

/*
 * UpgBackupRecord:
 *
 * One row of `upgrade_backup`. @tables is a JSON array (NULL: the whole
 * database), @row_counts a JSON object table → rows, @objects a JSON
 * object name → kind (NULL: tables only); times are ms since
 * the epoch, 0 when not set.
 */
typedef struct
{
  char   *id;
  char   *execution_id;
  char   *site_id;
  char   *component;
  char   *version;
  char   *step_id;
  char   *database;
  char   *provider;
  char   *tables;
  char   *path;
  char   *status;
  gint64  size;
  char   *sha256;
  char   *row_counts;
  char   *error;
  gint64  created_at;
  gint64  finished_at;
  gint64  removed_at;
  char   *objects;
} UpgBackupRecord;

void             upg_backup_record_free          (UpgBackupRecord  *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgBackupRecord, upg_backup_record_free)

gboolean         upg_journal_begin_backup        (UpgJournal       *self,
                                                  UpgBackupRecord  *record,
                                                  GError          **error);
gboolean         upg_journal_finish_backup       (UpgJournal       *self,
                                                  const char       *id,
                                                  const char       *status,
                                                  gint64            size,
                                                  const char       *sha256,
                                                  const char       *row_counts,
                                                  const char       *failure,
                                                  GError          **error);
gboolean         upg_journal_set_backup_objects  (UpgJournal       *self,
                                                  const char       *id,
                                                  const char       *objects,
                                                  GError          **error);
GPtrArray       *upg_journal_find_step_backups   (UpgJournal       *self,
                                                  const char       *site_id,
                                                  const char       *component,
                                                  const char       *version,
                                                  const char       *step_id,
                                                  const char       *status,
                                                  GError          **error);
GPtrArray       *upg_journal_list_backups        (UpgJournal       *self,
                                                  const char       *site_id,
                                                  const char       *database,
                                                  GError          **error);
UpgBackupRecord *upg_journal_get_backup          (UpgJournal       *self,
                                                  const char       *id,
                                                  GError          **error);
char            *upg_journal_begin_restore       (UpgJournal       *self,
                                                  const char       *backup_id,
                                                  const char       *table,
                                                  const char       *who,
                                                  GError          **error);
gboolean         upg_journal_finish_restore      (UpgJournal       *self,
                                                  const char       *restore_id,
                                                  gboolean          ok,
                                                  const char       *failure,
                                                  GError          **error);

G_END_DECLS
