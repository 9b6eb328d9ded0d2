/* upg-journal-config-files-private.h - the files `config` steps replaced
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-journal.h"

G_BEGIN_DECLS

/* RUNNING: the previous file is kept, the replacement may or may not
 * have happened (the target's SHA-256 tells); APPLIED: replaced;
 * RESTORED: a rollback put the previous file back. */
#define UPG_CONFIG_FILE_RUNNING  "RUNNING"
#define UPG_CONFIG_FILE_APPLIED  "APPLIED"
#define UPG_CONFIG_FILE_RESTORED "RESTORED"

/*
 * UpgConfigFileRecord:
 *
 * One row of `upgrade_config_file`. @kept_path and @old_sha256 are NULL
 * when the target did not exist (a rollback removes it).
 */
typedef struct
{
  char    *id;
  char    *execution_id;
  char    *site_id;
  char    *component;
  char    *version;
  char    *step_id;
  char    *target;
  char    *kept_path;
  char    *old_sha256;
  char    *new_sha256;
  guint32  mode;
  guint32  uid;
  guint32  gid;
  char    *status;
  gint64   created_at;   /* ms since the epoch */
} UpgConfigFileRecord;

void                 upg_config_file_record_free        (UpgConfigFileRecord  *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgConfigFileRecord, upg_config_file_record_free)

gboolean             upg_journal_begin_config_file      (UpgJournal           *self,
                                                         UpgConfigFileRecord  *record,
                                                         GError              **error);
gboolean             upg_journal_set_config_file_status (UpgJournal           *self,
                                                         UpgConfigFileRecord  *record,
                                                         const char           *status,
                                                         GError              **error);
UpgConfigFileRecord *upg_journal_find_config_file       (UpgJournal           *self,
                                                         const char           *site_id,
                                                         const char           *component,
                                                         const char           *version,
                                                         const char           *step_id,
                                                         GError              **error);
GPtrArray           *upg_journal_list_config_files      (UpgJournal           *self,
                                                         const char           *site_id,
                                                         GError              **error);
UpgConfigFileRecord *upg_journal_get_config_file        (UpgJournal           *self,
                                                         const char           *id,
                                                         GError              **error);
gint64               upg_journal_measure_config_steps   (UpgJournal           *self,
                                                         const char           *site_id,
                                                         guint                *n_steps,
                                                         GError              **error);

G_END_DECLS
