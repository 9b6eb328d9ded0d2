/* upg-journal-drift-private.h - applied statements whose file changed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-bundle.h"
#include "upg-journal.h"
#include "upg-sql-statement.h"
#include "upg-step.h"

G_BEGIN_DECLS

/* An applied statement whose text in the file is not the one applied. */
typedef struct {
  char            *record_id;       /* the applied record */
  char            *execution_id;    /* that applied it */
  char            *applied_sha256;
  UpgSqlStatement *statement;       /* as the file has it now */
} UpgDrift;

void      upg_drift_free          (UpgDrift    *drift);
gboolean  upg_journal_find_drift  (UpgJournal  *self,
                                   const char  *site,
                                   UpgStep     *step,
                                   GHashTable  *scripts,
                                   GPtrArray   *drifts,
                                   GError     **error);
gboolean  upg_journal_check_bundle_drift (UpgJournal *self,
                                          UpgBundle  *bundle,
                                          UpgConfig  *config,
                                          const char *site,
                                          GPtrArray  *problems,
                                          GError    **error);
void      upg_drift_error         (GPtrArray   *drifts,
                                   GError     **error);
gboolean  upg_journal_accept_drift (UpgJournal *self,
                                    UpgDrift   *drift,
                                    const char *execution_id,
                                    GError    **error);

G_END_DECLS
