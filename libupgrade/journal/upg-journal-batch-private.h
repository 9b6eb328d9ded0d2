/* upg-journal-batch-private.h - statement records written in batches, and
 * the markers that make that safe
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-journal-private.h"

G_BEGIN_DECLS

/* Pending records are written at the latest when this many wait … */
#define UPG_JOURNAL_BATCH_MAX_RECORDS 200
/* … or when the oldest waited this long (SPEC §11: ≤ 1 s). */
#define UPG_JOURNAL_BATCH_MAX_AGE_MS 250

/* A statement's complete record, as upg_journal_queue_statement() keeps
 * it until the next flush. */
typedef struct
{
  const char         *execution_id;
  const char         *component;
  const char         *version;
  const char         *step_id;
  const char         *file;
  guint               line;
  guint               sequence;
  const char         *statement;
  const char         *database;
  UpgStatementStatus  status;
  gint64              started_at;      /* ms since the epoch (journal clock) */
  gint64              affected_rows;   /* -1: unknown */
  const char         *error_code;
  const char         *error_message;
  gint64              finished_at;     /* ms since the epoch; 0: now */
} UpgJournalStatementRecord;

char       *upg_journal_statement_key_prefix (const char                       *site,
                                              const char                       *component,
                                              const char                       *version,
                                              const char                       *step_id,
                                              const char                       *file);
char       *upg_journal_statement_key_for    (const char                       *prefix,
                                              guint                             sequence);
char       *upg_journal_new_record_id        (void);
char       *upg_journal_statement_key        (const char                       *site,
                                              const char                       *component,
                                              const char                       *version,
                                              const char                       *step_id,
                                              const char                       *file,
                                              guint                             sequence);

char       *upg_journal_queue_statement      (UpgJournal                       *self,
                                              const UpgJournalStatementRecord  *record,
                                              GError                          **error);
gboolean    upg_journal_queue_update         (UpgJournal                       *self,
                                              const char                       *stmt_key,
                                              const UpgJournalStatement        *update,
                                              GError                          **error);
gboolean    upg_journal_finish_statement_full (UpgJournal                      *self,
                                              const char                       *record_id,
                                              UpgStatementStatus                status,
                                              gint64                            affected_rows,
                                              const char                       *error_code,
                                              const char                       *error_message,
                                              gboolean                          deferred,
                                              GError                          **error);
gboolean    upg_journal_flush_statements     (UpgJournal                       *self,
                                              GError                          **error);
gboolean    upg_journal_flush_statements_with (UpgJournal                      *self,
                                              const UpgJournalStatement       *then,
                                              GError                         **error);
gboolean    upg_journal_flush_if_due         (UpgJournal                       *self,
                                              GError                          **error);
void        upg_journal_batch_set_max_age    (UpgJournal                       *self,
                                              gint64                            max_age_ms);
gboolean    upg_journal_statement_pending    (UpgJournal                       *self,
                                              const char                       *stmt_key);

char       *upg_journal_marker_prefix        (const char                       *execution_id,
                                              const char                       *component,
                                              const char                       *version,
                                              const char                       *step_id,
                                              const char                       *file);
char       *upg_journal_marker_id            (const char                       *prefix,
                                              guint                             sequence);
/* What a marker row says beside its id (upg_journal_list_markers()). */
typedef struct {
  char *execution_id;   /* NULL: written before it was recorded */
  char *sha256;         /* of the statement's text; NULL: idem */
} UpgJournalMarkerRow;

void        upg_journal_marker_row_free      (UpgJournalMarkerRow              *row);
GHashTable *upg_journal_list_markers         (UpgConnection                    *target,
                                              GPtrArray                        *prefixes,
                                              GError                          **error);
char       *upg_journal_marker_insert_sql    (UpgConnection                    *target,
                                              const char                       *marker_id,
                                              const char                       *execution_id,
                                              const char                       *sha256);
char       *upg_journal_markers_insert_sql   (UpgConnection                    *target,
                                              const char * const               *marker_ids,
                                              const char * const               *sha256s,
                                              guint                             n,
                                              const char                       *execution_id);
char       *upg_journal_marker_table         (UpgConnection                    *target,
                                              GError                          **error);
char       *upg_journal_target_table         (UpgConnection                    *target,
                                              const char                       *name,
                                              GError                          **error);
GHashTable *upg_journal_lookup_file_statements (UpgJournal                     *self,
                                                const char                     *execution_id,
                                                const char                     *component,
                                                const char                     *version,
                                                const char                     *step_id,
                                                const char                     *file,
                                                GError                        **error);
GPtrArray  *upg_journal_unfinished_executions (UpgJournal                      *self,
                                              const char                       *site,
                                              GError                          **error);

typedef struct _UpgJournalFlusher UpgJournalFlusher;

UpgJournalFlusher *upg_journal_flusher_start (UpgJournal        *journal);
void               upg_journal_flusher_stop  (UpgJournalFlusher *flusher);

G_END_DECLS
