/* upg-journal-private.h - what the journal's source files share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-journal.h"
#include "upg-journal-write-private.h"

G_BEGIN_DECLS

/* The statement records waiting to be written (upg-journal-batch.c). */
typedef struct _UpgJournalBatch UpgJournalBatch;

struct _UpgJournal
{
  GObject         parent_instance;

  UpgConnection  *connection;
  GRecMutex       mutex;          /* serialises every use of @connection */
  guint           schema_version;
  char           *host;
  guint           pid;
  gint64          now_override;   /* ms since the epoch; 0 = the real clock */
  guint           lock_timeout;   /* seconds */
  GHashTable     *lock_tokens;    /* site id → token of a lock we hold */
  UpgJournalBatch *batch;         /* owned, created on first use */
  GDestroyNotify  batch_free;     /* frees @batch: set with it, so that this
                                   * file needs no symbol of the batch's */
  gboolean        migrations_table_ready; /* upg-journal-migrations.c made sure of it */
};

/* How a column is turned into a JSON member. */
typedef enum {
  UPG_JOURNAL_COLUMN_TEXT,
  UPG_JOURNAL_COLUMN_INT,
  UPG_JOURNAL_COLUMN_TIME,        /* epoch ms → ISO 8601 text */
  UPG_JOURNAL_COLUMN_JSON,        /* JSON text → JSON node */
  UPG_JOURNAL_COLUMN_BOOL,
} UpgJournalColumnType;

typedef struct {
  const char           *column;
  const char           *member;
  UpgJournalColumnType  type;
} UpgJournalColumn;

/* One statement of a transaction run by upg_journal_sql_exec_all(). */
typedef struct {
  const char          *sql;
  const char * const  *values;
  guint                n_values;
} UpgJournalStatement;

/* How a step skipped for an earlier success is journaled: this prefix
 * and the execution's id (upg-executor-steps.c writes it, the reports
 * translate it, upg_report_skip_note()). */
#define UPG_JOURNAL_SKIP_ALREADY_SUCCEEDED "already succeeded in "

/* Holds the journal's mutex until the end of the scope. The locker is
 * never read, only freed: G_GNUC_UNUSED keeps clang's -Wunused-variable
 * quiet about it (gcc does not warn for variables with a cleanup). */
#define UPG_JOURNAL_LOCK(self) \
  G_GNUC_UNUSED g_autoptr(GRecMutexLocker) G_PASTE (journal_locker_, __LINE__) = \
    g_rec_mutex_locker_new (&(self)->mutex)

UpgRows    *upg_journal_sql_query      (UpgConnection            *connection,
                                        const char               *sql,
                                        const char * const       *values,
                                        guint                     n_values,
                                        GError                  **error);
gboolean    upg_journal_sql_exec       (UpgConnection            *connection,
                                        const char               *sql,
                                        const char * const       *values,
                                        guint                     n_values,
                                        GError                  **error);
gboolean    upg_journal_sql_exec_all   (UpgConnection             *connection,
                                        const UpgJournalStatement *statements,
                                        guint                      n_statements,
                                        GError                   **error);
gboolean    upg_journal_sql_begin      (UpgConnection            *connection,
                                        GError                  **error);
gboolean    upg_journal_sql_commit     (UpgConnection            *connection,
                                        GError                  **error);
void        upg_journal_sql_rollback   (UpgConnection            *connection);

char       *upg_journal_columns_list   (const UpgJournalColumn   *columns,
                                        guint                     n_columns);
JsonObject *upg_journal_row_to_object  (UpgRows                  *rows,
                                        guint                     row,
                                        const UpgJournalColumn   *columns,
                                        guint                     n_columns);
JsonArray  *upg_journal_rows_to_array  (UpgRows                  *rows,
                                        const UpgJournalColumn   *columns,
                                        guint                     n_columns);

char       *upg_journal_int_text       (gint64                    value);
/* Room for any gint64's text and its NUL. */
#define UPG_JOURNAL_INT_TEXT_SIZE 24
const char *upg_journal_format_int     (char                      buffer[UPG_JOURNAL_INT_TEXT_SIZE],
                                        gint64                    value);
gboolean    upg_journal_pid_is_alive   (guint                     pid);
gboolean    upg_journal_owner_is_dead  (UpgJournal               *self,
                                        const char               *host,
                                        gint64                    pid);
char       *upg_journal_site_of        (UpgJournal               *self,
                                        const char               *execution_id,
                                        GError                  **error);
GPtrArray  *upg_journal_rows_first_column (UpgRows              *rows);
GPtrArray  *upg_journal_list_step_executions (UpgJournal             *self,
                                              const char             *execution_id,
                                              const char             *component,
                                              const char             *version,
                                              const char             *step_id,
                                              GError                **error);

/* An execution's breakpoints and what was done about them (reports). */
JsonArray  *upg_journal_list_stops     (UpgJournal               *self,
                                        const char               *execution_id,
                                        GError                  **error);

/* The live calibration of an execution's running step (SPEC §3), as
 * upg_journal_set_rate_estimate() records it for `status` elsewhere. */
typedef struct {
  const char *step_id;
  const char *units;             /* "statements", "bytes" or "permille" */
  double      measured_rate;     /* units per second */
  double      configured_rate;   /* units per second, 0: none configured */
  gint        deviation_percent; /* measured vs configured */
  gint64      eta_seconds;       /* the execution's remaining time, -1: unknown */
  gint64      revised_at;        /* ms since the epoch: measured replaced configured */
  gint64      updated_at;        /* ms since the epoch: when @eta_seconds was computed */
} UpgJournalRateEstimate;

gboolean    upg_journal_set_rate_estimate (UpgJournal                   *self,
                                           const char                   *execution_id,
                                           const UpgJournalRateEstimate *estimate,
                                           GError                      **error);

/* The statement an execution has been executing for a while, as
 * upg_journal_set_current_statement() records it for `status` elsewhere. */
typedef struct {
  const char *step_id;
  const char *file;               /* NULL for a task */
  const char *task;               /* what runs if not a statement of a file, else NULL */
  guint       line;
  guint       sequence;           /* in @file, from 1 */
  gint64      started_at;         /* ms since the epoch */
  guint       statements_done;    /* of the stage */
  guint       statements_total;
  gint64      eta_seconds;        /* the execution's remaining time when it was sent, -1: unknown */
} UpgJournalCurrentStatement;

gboolean    upg_journal_set_current_statement (UpgJournal                       *self,
                                               const char                       *execution_id,
                                               const UpgJournalCurrentStatement *current,
                                               GError                          **error);

G_END_DECLS
