/* upg-journal-migrations-private.h - batched migrations: their checkpoint
 * in the target, their state and controls in the journal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-journal.h"

G_BEGIN_DECLS

/* Where a migration stands in its target (the truth: it commits with
 * each batch). Keys from @key_next to @key_max are still to do. */
typedef struct {
  gint64 key_min;
  gint64 key_max;
  gint64 key_next;
  gint64 rows_done;
  gint64 batches;
} UpgMigrationCheckpoint;

/* What the journal shows of a migration (`upgradectl migrations`). */
typedef struct {
  const char *id;
  const char *site_id;
  const char *execution_id;
  const char *component;
  const char *version;
  const char *step_id;
  const char *database;
  const char *table;
  const char *state;          /* running, paused, cancelled, interrupted, done, failed, reset */
  UpgMigrationCheckpoint checkpoint;
  gint64      batch_size;
  gint64      min_batch_size;
  gint64      max_batch_size;
  double      rows_per_second;
  gint64      eta_seconds;    /* -1: unknown */
  gint64      paused_ms;      /* by the operator and the throttle */
  gint64      pauses;
  gint64      throttle_pauses;
  const char *pause_reason;   /* the last one */
  gint64      started_at;     /* ms since the epoch */
  const char *error;
} UpgJournalMigration;

char      *upg_migration_id                   (const char             *site_id,
                                               const char             *component,
                                               const char             *version,
                                               const char             *step_id);
gboolean   upg_migration_checkpoint_open      (UpgConnection          *target,
                                               const char             *id,
                                               const char             *table,
                                               const char             *key,
                                               const char             *execution_id,
                                               gint64                  now_ms,
                                               UpgMigrationCheckpoint *out,
                                               GError                **error);
gboolean   upg_migration_checkpoint_reset     (UpgConnection          *target,
                                               const char             *id,
                                               GError                **error);
char      *upg_migration_checkpoint_advance_sql (const char           *id,
                                                 gint64                from_key,
                                                 gint64                next_key,
                                                 gint64                rows,
                                                 gint64                now_ms);

gboolean   upg_journal_migration_save         (UpgJournal             *self,
                                               const UpgJournalMigration *migration,
                                               GError                **error);
gboolean   upg_journal_migration_forget       (UpgJournal             *self,
                                               const char             *id,
                                               GError                **error);
gboolean   upg_journal_migration_get_control  (UpgJournal             *self,
                                               const char             *id,
                                               char                  **control,
                                               GError                **error);
gboolean   upg_journal_migration_clear_control (UpgJournal            *self,
                                                const char            *id,
                                                GError               **error);
JsonObject *upg_journal_migration_control     (UpgJournal             *self,
                                               const char             *id,
                                               const char             *action,
                                               GError                **error);
JsonArray *upg_journal_list_migrations        (UpgJournal             *self,
                                               const char             *site_id,
                                               GError                **error);
JsonArray *upg_journal_list_execution_migrations (UpgJournal          *self,
                                                  const char          *execution_id,
                                                  GError             **error);

G_END_DECLS
