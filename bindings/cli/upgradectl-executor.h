/* upgradectl-executor.h - what run, resume, rollback, status, history and
 * unlock share: the configuration, the journal, the executor and the way
 * an execution is printed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-journal-backups-private.h"
#include "upg-journal-config-files-private.h"
#include "upgradectl-common.h"

G_BEGIN_DECLS

typedef struct {
  UpgCtl      *ctl;
  UpgConfig   *config;
  UpgJournal  *journal;
  UpgExecutor *executor;       /* NULL for the commands without a bundle */
  gboolean     progress_shown; /* a \r progress line is on stderr */
  char        *rate_message;   /* the running step's estimate revision */
} UpgCtlExec;

gboolean     upgctl_exec_init        (UpgCtlExec    *exec,
                                      UpgCtl        *ctl,
                                      gboolean       need_executor,
                                      GError       **error);
void         upgctl_exec_clear       (UpgCtlExec    *exec);
const char  *upgctl_exec_site        (UpgCtlExec    *exec,
                                      const char    *site_option,
                                      GError       **error);
JsonObject  *upgctl_exec_parse_env   (const char    *text,
                                      GError       **error);
int          upgctl_exec_run_stage   (UpgCtl        *ctl,
                                      int            argc,
                                      char         **argv,
                                      gboolean       rollback);
int          upgctl_exec_report      (UpgCtlExec    *exec,
                                      UpgExecution  *execution,
                                      const GError  *error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UpgCtlExec, upgctl_exec_clear)

/* upgradectl-backups.c: one backup as `backups` and `restore` print it. */
void         upgctl_backup_to_json   (JsonBuilder     *builder,
                                      UpgBackupRecord *record);
void         upgctl_config_file_to_json (JsonBuilder         *builder,
                                         UpgConfigFileRecord *record);

/* A run in a worker thread that SIGINT and SIGTERM cancel (upgradectl-run.c). */
typedef struct {
  GMainLoop    *loop;
  GCancellable *cancellable;
  GAsyncResult *result;
  int           signal;      /* the first SIGINT or SIGTERM received, 0: none */
  guint         sources[2];
} UpgCtlWait;

void          upgctl_wait_init       (UpgCtlWait    *wait);
void          upgctl_wait_done       (GObject       *source,
                                      GAsyncResult  *result,
                                      gpointer       user_data);
GAsyncResult *upgctl_wait_run        (UpgCtlWait    *wait);
int           upgctl_wait_exit_code  (UpgCtlWait    *wait,
                                      UpgExecution  *execution,
                                      int            code);
void          upgctl_wait_clear      (UpgCtlWait    *wait);
int           upgctl_exec_wait_report (UpgCtlExec   *exec,
                                       UpgCtlWait   *wait,
                                       UpgRun       *run,
                                       const GError *error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UpgCtlWait, upgctl_wait_clear)

/* Confirmation of steps that need it (upgradectl-run.c). */
char         *upgctl_confirm_who      (void);
int           upgctl_confirm_refused  (UpgCtlExec   *exec,
                                       UpgRun       *run,
                                       const GError *error);

/* upgradectl-detach.c */
int           upgctl_detach_run       (UpgCtl              *ctl,
                                       const char * const  *args,
                                       const char          *env_text);
gboolean      upgctl_detach_child_init (char               **env_text,
                                        GError             **error);
void          upgctl_detach_child_started (const char      *execution_id,
                                           const char      *site_id);
void          upgctl_detach_child_failed (int                code,
                                          const GError      *error);

G_END_DECLS
