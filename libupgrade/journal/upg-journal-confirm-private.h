/* upg-journal-confirm-private.h - confirmations of steps that need one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-journal.h"
#include "upg-step.h"

G_BEGIN_DECLS

gboolean    upg_journal_add_confirmations  (UpgJournal   *self,
                                            const char   *site_id,
                                            const char   *from_version,
                                            const char   *to_version,
                                            GPtrArray    *steps,
                                            const char   *confirmed_by,
                                            const char   *via,
                                            const char   *execution_id,
                                            GError      **error);
JsonArray  *upg_journal_list_confirmations (UpgJournal   *self,
                                            const char   *site_id,
                                            const char   *from_version,
                                            const char   *to_version,
                                            GError      **error);
gboolean    upg_journal_add_check_skip     (UpgJournal   *self,
                                            const char   *execution_id,
                                            const char   *site_id,
                                            const char   *from_version,
                                            const char   *to_version,
                                            UpgStage      stage,
                                            UpgStage      check_stage,
                                            const char   *reason,
                                            const char   *skipped_by,
                                            GError      **error);
JsonArray  *upg_journal_list_check_skips   (UpgJournal   *self,
                                            const char   *site_id,
                                            const char   *from_version,
                                            const char   *to_version,
                                            GError      **error);
gboolean    upg_journal_add_execution_approvals (UpgJournal  *self,
                                                 JsonObject  *record,
                                                 GError     **error);

G_END_DECLS
