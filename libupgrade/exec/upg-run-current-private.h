/* upg-run-current-private.h - the statement a run is executing, and its
 * watchdog
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-execution-update-private.h"
#include "upg-journal-private.h"

G_BEGIN_DECLS

typedef struct _UpgRunCurrent UpgRunCurrent;

/* Called by the watchdog's thread when a statement has been running a
 * while (and was journaled: @journaled), from that thread. */
typedef void (*UpgRunCurrentNotify) (gpointer                          user_data,
                                     const UpgJournalCurrentStatement *current,
                                     gint64                            running_ms,
                                     gboolean                          journaled);

UpgRunCurrent *upg_run_current_new    (void);
UpgRunCurrent *upg_run_current_ref    (UpgRunCurrent *self);
void           upg_run_current_unref  (UpgRunCurrent *self);

void           upg_run_current_begin  (UpgRunCurrent *self,
                                       const char    *step_id,
                                       const char    *file,
                                       guint          line,
                                       guint          sequence,
                                       gint64         started_at_ms,
                                       guint          statements_done,
                                       guint          statements_total,
                                       gint64         eta_seconds);
void           upg_run_current_begin_task (UpgRunCurrent *self,
                                           const char    *step_id,
                                           const char    *task,
                                           gint64         started_at_ms,
                                           guint          statements_done,
                                           guint          statements_total,
                                           gint64         eta_seconds);
void           upg_run_current_set_task (UpgRunCurrent *self,
                                         const char    *task);
void           upg_run_current_end    (UpgRunCurrent *self);
void           upg_run_current_apply  (UpgRunCurrent *self,
                                       UpgExecution  *execution);
gboolean       upg_run_current_get    (UpgRunCurrent *self,
                                       char         **step_id,
                                       char         **file,
                                       char         **task,
                                       guint         *line,
                                       guint         *sequence,
                                       gint64        *started_at_ms,
                                       gint64        *running_ms);

void           upg_run_current_watch   (UpgRunCurrent       *self,
                                        UpgJournal          *journal,
                                        const char          *execution_id,
                                        UpgRunCurrentNotify  notify,
                                        gpointer             user_data);
void           upg_run_current_unwatch (UpgRunCurrent       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgRunCurrent, upg_run_current_unref)

G_END_DECLS
