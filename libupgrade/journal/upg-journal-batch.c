/* upg-journal-batch.c - statement records written in batches
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A statement that commits in the target together with its marker needs
 * no durable RUNNING record before it is sent: after a crash the marker
 * alone says whether it committed. Its records (RUNNING → SUCCESS/FAILED,
 * with timings and rows) are therefore kept in memory, complete, and
 * written together in one journal transaction: one durable commit for up
 * to UPG_JOURNAL_BATCH_MAX_RECORDS statements instead of two per
 * statement. The caller flushes at least every
 * UPG_JOURNAL_BATCH_MAX_AGE_MS, before anything that must be durable (a
 * RUNNING record of a statement without a marker, a breakpoint), at step
 * end and before it reports a failure. A record lost with a crash is
 * rebuilt from the marker on the next run.
 *
 * The pending records live on the journal object, under a lock of their
 * own, so that lookups see them (a lookup of a pending statement flushes
 * first). While a runner's flusher thread is running, a full or old batch
 * is written by that thread: the statement thread only queues, and does
 * not wait for the journal's disk (or server) between two statements. A
 * flush takes the pending records out and holds the journal's mutex (the
 * connection) while it writes them; they count as pending until they are
 * committed, and go back in front of the queue if the write fails.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "upg-journal-batch-private.h"
#include "upg-journal-private.h"

/* Rows per INSERT: 21 values each, under SQLite's historical limit of
 * 999 bound values. */
#define ROWS_PER_INSERT 40

enum {
  COL_ID, COL_EXECUTION, COL_SITE, COL_COMPONENT, COL_VERSION, COL_STEP, COL_FILE, COL_LINE,
  COL_SEQUENCE, COL_KEY, COL_STATEMENT, COL_SHA, COL_DATABASE, COL_STATUS, COL_STARTED,
  COL_FINISHED, COL_DURATION, COL_ROWS, COL_ERROR_CODE, COL_ERROR, COL_SUCCESS_KEY,
  N_COLUMNS
};

/* One allocation: the values (NULL, or pointing into text) and their
 * texts. A statement's record is made in the execution's thread and freed
 * in the flusher's; twenty-one strings each were a tenth of both. */
typedef struct
{
  const char *values[N_COLUMNS];
  char        text[];
} PendingRow;

/* An UPDATE of a durable record, written after the rows. */
typedef struct
{
  char  *sql;
  char **values;
  guint  n_values;
  char  *key;                  /* the statement's stmt_key */
} PendingUpdate;

typedef struct _UpgJournalBatch Batch;

struct _UpgJournalBatch
{
  GMutex      lock;            /* the members below; taken after the journal's */
  GPtrArray  *rows;            /* of PendingRow */
  GPtrArray  *updates;         /* of PendingUpdate */
  GHashTable *keys;            /* stmt_key → records pending or being written */
  guint       in_flight;       /* records a flush took out and is writing */
  gint64      oldest_us;       /* monotonic time the oldest row was queued */
  gint64      max_age_ms;      /* UPG_JOURNAL_BATCH_MAX_AGE_MS but in tests */
  char       *site_execution;  /* execution whose site is cached */
  char       *site;
  char      **key_script;      /* site, component, version, step, file of key_prefix */
  char       *key_prefix;      /* their statement key prefix, hashed once per script */
  UpgJournalFlusher *flusher;  /* running flusher thread, or NULL */
};

/* A queue this long waits for its flush even while a flusher runs: the
 * journal cannot keep up, and memory must stay bounded. */
#define BACKLOG_RECORDS (8 * UPG_JOURNAL_BATCH_MAX_RECORDS)

static void flusher_wake (UpgJournalFlusher *f);

/* A row holding copies of @values (each nullable). */
static PendingRow *
pending_row_new (const char * const values[N_COLUMNS])
{
  gsize sizes[N_COLUMNS];
  gsize total = 0;
  PendingRow *row;
  char *p;

  for (guint c = 0; c < N_COLUMNS; c++)
    total += sizes[c] = values[c] != NULL ? strlen (values[c]) + 1 : 0;
  row = g_malloc (sizeof (PendingRow) + total);
  p = row->text;
  for (guint c = 0; c < N_COLUMNS; c++)
    {
      row->values[c] = values[c] != NULL ? memcpy (p, values[c], sizes[c]) : NULL;
      p += sizes[c];
    }
  return row;
}

static void
pending_update_free (PendingUpdate *update)
{
  for (guint i = 0; i < update->n_values; i++)
    g_free (update->values[i]);
  g_free (update->values);
  g_free (update->sql);
  g_free (update->key);
  g_free (update);
}

/* From the journal's finalize (self->batch_free). */
static void
batch_free (Batch *batch)
{
  g_ptr_array_unref (batch->rows);
  g_ptr_array_unref (batch->updates);
  g_hash_table_unref (batch->keys);
  g_free (batch->site_execution);
  g_free (batch->site);
  g_strfreev (batch->key_script);
  g_free (batch->key_prefix);
  g_mutex_clear (&batch->lock);
  g_free (batch);
}

static Batch *
get_batch (UpgJournal *self)
{
  static GMutex create_lock;
  Batch *batch;

  g_mutex_lock (&create_lock);
  batch = self->batch;
  if (batch == NULL)
    {
      batch = g_new0 (Batch, 1);
      g_mutex_init (&batch->lock);
      batch->rows = g_ptr_array_new_with_free_func (g_free);
      batch->updates = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_update_free);
      batch->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      batch->max_age_ms = UPG_JOURNAL_BATCH_MAX_AGE_MS;
      self->batch = batch;
      self->batch_free = (GDestroyNotify) batch_free;
    }
  g_mutex_unlock (&create_lock);
  return batch;
}

/* Called with batch->lock held. */
static guint
n_pending (Batch *batch)
{
  return batch->rows->len + batch->updates->len;
}

/* Whether the pending records are to be written now: a full batch, or an
 * old one. Called with batch->lock held. */
static gboolean
is_due (Batch *batch)
{
  return n_pending (batch) >= UPG_JOURNAL_BATCH_MAX_RECORDS ||
         (n_pending (batch) > 0 && g_get_monotonic_time () - batch->oldest_us >= batch->max_age_ms * 1000);
}

/* Called with batch->lock held. */
static void
add_key (Batch      *batch,
         const char *key)
{
  gpointer count = g_hash_table_lookup (batch->keys, key);

  g_hash_table_insert (batch->keys, g_strdup (key), GUINT_TO_POINTER (GPOINTER_TO_UINT (count) + 1));
}

/* Called with batch->lock held. */
static void
remove_key (Batch      *batch,
            const char *key)
{
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (batch->keys, key));

  if (count <= 1)
    g_hash_table_remove (batch->keys, key);
  else
    g_hash_table_insert (batch->keys, g_strdup (key), GUINT_TO_POINTER (count - 1));
}

/* The site of @execution_id, asked once per execution. */
static char *
batch_site (UpgJournal  *self,
            Batch       *batch,
            const char  *execution_id,
            GError     **error)
{
  char *site = NULL;

  g_mutex_lock (&batch->lock);
  if (batch->site != NULL && g_strcmp0 (batch->site_execution, execution_id) == 0)
    site = g_strdup (batch->site);
  g_mutex_unlock (&batch->lock);
  if (site != NULL)
    return site;

  site = upg_journal_site_of (self, execution_id, error);
  if (site == NULL)
    return NULL;
  g_mutex_lock (&batch->lock);
  g_free (batch->site);
  g_free (batch->site_execution);
  batch->site = g_strdup (site);
  batch->site_execution = g_strdup (execution_id);
  g_mutex_unlock (&batch->lock);
  return site;
}

/* The key of the statement of @r in @site: its script's prefix is only
 * hashed when the script changes. */
static char *
batch_statement_key (Batch                            *batch,
                     const char                       *site,
                     const UpgJournalStatementRecord  *r)
{
  const char *script[] = { site, r->component, r->version, r->step_id, r->file, NULL };
  char *key;

  g_mutex_lock (&batch->lock);
  if (batch->key_script == NULL || !g_strv_equal ((const char * const *) batch->key_script, script))
    {
      g_strfreev (batch->key_script);
      g_free (batch->key_prefix);
      batch->key_script = g_strdupv ((char **) script);
      batch->key_prefix = upg_journal_statement_key_prefix (site, r->component, r->version, r->step_id, r->file);
    }
  key = upg_journal_statement_key_for (batch->key_prefix, r->sequence);
  g_mutex_unlock (&batch->lock);
  return key;
}

/* Queues what batch->lock protects was just given, then flushes if due:
 * hands it to the running flusher, or (none, or a backlog) writes it. */
static gboolean
queued (UpgJournal  *self,
        Batch       *batch,
        GError     **error)
{
  gboolean due, inline_flush;

  g_mutex_lock (&batch->lock);
  due = is_due (batch);
  if (n_pending (batch) + batch->in_flight >= BACKLOG_RECORDS)
    inline_flush = TRUE;   /* waits for the flusher's write, if any, then writes */
  else if (due && batch->flusher != NULL)
    {
      flusher_wake (batch->flusher);
      inline_flush = FALSE;
    }
  else
    inline_flush = due;
  g_mutex_unlock (&batch->lock);
  return !inline_flush || upg_journal_flush_statements (self, error);
}

static gboolean
check_record (const UpgJournalStatementRecord  *r,
              GError                          **error)
{
  const char *parts[] = { r->execution_id, r->component, r->version, r->step_id, r->file, r->statement };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (parts[i] == NULL || *parts[i] == '\0')
      {
        g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                             _("journal: a statement record needs an execution, a component, a version,"
                               " a step id, a file and the statement"));
        return FALSE;
      }
  if (r->status == UPG_STATEMENT_STATUS_PENDING || r->status == UPG_STATEMENT_STATUS_RUNNING ||
      upg_statement_status_to_string (r->status) == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("journal: a queued statement record is %s, %s, %s or %s"),
                   "SUCCESS", "FAILED", "SKIPPED", "IN_DOUBT");
      return FALSE;
    }
  return TRUE;
}

/**
 * upg_journal_queue_statement: (skip)
 *
 * Keeps the complete record of a statement that already ran (or was
 * skipped) until the next flush; flushes when the batch is full or old.
 * Only for statements whose outcome the target's marker proves (or that
 * are harmless to repeat): a crash loses the record.
 *
 * Returns: (transfer full): the record's id, or %NULL (the flush it
 *   triggered failed; the record stays pending)
 */
char *
upg_journal_queue_statement (UpgJournal                       *self,
                             const UpgJournalStatementRecord  *r,
                             GError                          **error)
{
  g_autofree char *id = NULL;
  g_autofree char *site = NULL;
  g_autofree char *key = NULL;
  g_autofree char *sha = NULL;
  char line[UPG_JOURNAL_INT_TEXT_SIZE], sequence[UPG_JOURNAL_INT_TEXT_SIZE];
  char started[UPG_JOURNAL_INT_TEXT_SIZE], finished[UPG_JOURNAL_INT_TEXT_SIZE];
  char duration[UPG_JOURNAL_INT_TEXT_SIZE], rows[UPG_JOURNAL_INT_TEXT_SIZE];
  const char *values[N_COLUMNS];
  PendingRow *row;
  Batch *batch;
  gint64 now;
  gboolean done = r->status == UPG_STATEMENT_STATUS_SUCCESS || r->status == UPG_STATEMENT_STATUS_SKIPPED;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  if (!check_record (r, error))
    return NULL;

  batch = get_batch (self);
  site = batch_site (self, batch, r->execution_id, error);
  if (site == NULL)
    return NULL;
  now = r->finished_at > 0 ? r->finished_at : upg_journal_get_now (self);
  id = upg_journal_new_record_id ();
  key = batch_statement_key (batch, site, r);
  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, r->statement, -1);
  values[COL_ID] = id;
  values[COL_EXECUTION] = r->execution_id;
  values[COL_SITE] = site;
  values[COL_COMPONENT] = r->component;
  values[COL_VERSION] = r->version;
  values[COL_STEP] = r->step_id;
  values[COL_FILE] = r->file;
  values[COL_LINE] = upg_journal_format_int (line, r->line);
  values[COL_SEQUENCE] = upg_journal_format_int (sequence, r->sequence);
  values[COL_KEY] = key;
  values[COL_STATEMENT] = r->statement;
  values[COL_SHA] = sha;
  values[COL_DATABASE] = r->database;
  values[COL_STATUS] = upg_statement_status_to_string (r->status);
  values[COL_STARTED] = upg_journal_format_int (started, r->started_at);
  values[COL_FINISHED] = upg_journal_format_int (finished, MAX (now, r->started_at));
  values[COL_DURATION] = upg_journal_format_int (duration, MAX (0, now - r->started_at));
  values[COL_ROWS] = r->affected_rows >= 0 ? upg_journal_format_int (rows, r->affected_rows) : NULL;
  values[COL_ERROR_CODE] = r->error_code;
  values[COL_ERROR] = r->error_message;
  values[COL_SUCCESS_KEY] = done ? key : NULL;
  row = pending_row_new (values);

  g_mutex_lock (&batch->lock);
  if (n_pending (batch) == 0)
    batch->oldest_us = g_get_monotonic_time ();
  add_key (batch, row->values[COL_KEY]);
  g_ptr_array_add (batch->rows, row);  /* a flush frees it */
  g_mutex_unlock (&batch->lock);
  if (!queued (self, batch, error))
    return NULL;
  return g_steal_pointer (&id);
}

/**
 * upg_journal_queue_update: (skip)
 * @stmt_key: the statement the update is about
 * @update: the UPDATE of a record already in the journal (copied)
 *
 * Keeps @update for the next flush, after the pending records.
 *
 * Returns: %FALSE if the flush it triggered failed
 */
gboolean
upg_journal_queue_update (UpgJournal                 *self,
                          const char                 *stmt_key,
                          const UpgJournalStatement  *update,
                          GError                    **error)
{
  PendingUpdate *u = g_new0 (PendingUpdate, 1);
  Batch *batch;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  batch = get_batch (self);
  u->sql = g_strdup (update->sql);
  u->n_values = update->n_values;
  u->values = g_new0 (char *, update->n_values + 1);
  for (guint i = 0; i < update->n_values; i++)
    u->values[i] = g_strdup (update->values[i]);
  g_mutex_lock (&batch->lock);
  if (n_pending (batch) == 0)
    batch->oldest_us = g_get_monotonic_time ();
  add_key (batch, stmt_key);
  u->key = g_strdup (stmt_key);
  g_ptr_array_add (batch->updates, u);
  g_mutex_unlock (&batch->lock);
  return queued (self, batch, error);
}

/* One multi-row INSERT of rows [@from, @to). */
static gboolean
insert_rows (UpgJournal  *self,
             GPtrArray   *rows,
             guint        from,
             guint        to,
             GError     **error)
{
  g_autoptr(GString) sql = g_string_new ("INSERT INTO sql_execution_record (id, execution_id, site_id,"
                                         " component, version, step_id, file, line, sequence, stmt_key,"
                                         " statement, sha256, database_name, status, started_at,"
                                         " finished_at, duration_ms, affected_rows, error_code,"
                                         " error_message, success_key) VALUES ");
  g_autofree const char **values = g_new0 (const char *, (gsize) (to - from) * N_COLUMNS);

  for (guint i = from; i < to; i++)
    {
      PendingRow *row = g_ptr_array_index (rows, i);

      g_string_append (sql, i > from ? ", (" : "(");
      for (guint c = 0; c < N_COLUMNS; c++)
        {
          g_string_append (sql, c > 0 ? ", ?" : "?");
          values[(i - from) * N_COLUMNS + c] = row->values[c];
        }
      g_string_append_c (sql, ')');
    }
  return upg_journal_sql_exec (self->connection, sql->str, values, (to - from) * N_COLUMNS, error);
}

/**
 * upg_journal_flush_statements: (skip)
 *
 * Writes every pending statement record in one journal transaction
 * (durable when it returns). On failure the records stay pending.
 *
 * Returns: %TRUE on success (also when nothing was pending)
 */
gboolean
upg_journal_flush_statements (UpgJournal  *self,
                              GError     **error)
{
  return upg_journal_flush_statements_with (self, NULL, error);
}

/* Takes the pending records out of @batch (they stay counted in its keys
 * until settle() says how the write ended). Returns FALSE, taking
 * nothing, when none is pending. */
static gboolean
take_pending (Batch      *batch,
              GPtrArray **rows,
              GPtrArray **updates)
{
  gboolean any;

  g_mutex_lock (&batch->lock);
  any = n_pending (batch) > 0;
  if (any)
    {
      *rows = g_steal_pointer (&batch->rows);
      *updates = g_steal_pointer (&batch->updates);
      batch->rows = g_ptr_array_new_with_free_func (g_free);
      batch->updates = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_update_free);
      batch->in_flight = (*rows)->len + (*updates)->len;
    }
  g_mutex_unlock (&batch->lock);
  return any;
}

/* After the write of @rows and @updates: written, they are no longer
 * pending; not written, they go back in front of what was queued since. */
static void
settle (Batch     *batch,
        GPtrArray *rows,
        GPtrArray *updates,
        gboolean   written)
{
  g_mutex_lock (&batch->lock);
  batch->in_flight = 0;
  if (written)
    {
      for (guint i = 0; i < rows->len; i++)
        remove_key (batch, ((PendingRow *) g_ptr_array_index (rows, i))->values[COL_KEY]);
      for (guint i = 0; i < updates->len; i++)
        remove_key (batch, ((PendingUpdate *) g_ptr_array_index (updates, i))->key);
      if (n_pending (batch) > 0)
        batch->oldest_us = g_get_monotonic_time ();
    }
  else
    {
      g_ptr_array_extend_and_steal (rows, g_steal_pointer (&batch->rows));
      g_ptr_array_extend_and_steal (updates, g_steal_pointer (&batch->updates));
      batch->rows = g_ptr_array_ref (rows);
      batch->updates = g_ptr_array_ref (updates);
    }
  g_mutex_unlock (&batch->lock);
  g_ptr_array_unref (rows);
  g_ptr_array_unref (updates);
}

/* Writes @rows, @updates and @then in one journal transaction. Called
 * with the journal's lock held. */
static gboolean
write_pending (UpgJournal                 *self,
               GPtrArray                  *rows,
               GPtrArray                  *updates,
               const UpgJournalStatement  *then,
               GError                    **error)
{
  if (!upg_journal_sql_begin (self->connection, error))
    return FALSE;
  for (guint i = 0; i < rows->len; i += ROWS_PER_INSERT)
    if (!insert_rows (self, rows, i, MIN (i + ROWS_PER_INSERT, rows->len), error))
      goto failed;
  for (guint i = 0; i < updates->len; i++)
    {
      PendingUpdate *u = g_ptr_array_index (updates, i);

      if (!upg_journal_sql_exec (self->connection, u->sql, (const char * const *) u->values, u->n_values, error))
        goto failed;
    }
  if (then != NULL && !upg_journal_sql_exec (self->connection, then->sql, then->values, then->n_values, error))
    goto failed;
  return upg_journal_sql_commit (self->connection, error);

failed:
  upg_journal_sql_rollback (self->connection);
  return FALSE;
}

/**
 * upg_journal_flush_statements_with: (skip)
 *
 * Like upg_journal_flush_statements(), and runs @then (nullable) in the
 * same journal transaction after the pending records: one durable commit
 * for both (a RUNNING record after the batch before it).
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_flush_statements_with (UpgJournal                 *self,
                                   const UpgJournalStatement  *then,
                                   GError                    **error)
{
  GPtrArray *rows, *updates;
  Batch *batch;
  gboolean ok;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  batch = get_batch (self);
  UPG_JOURNAL_LOCK (self);
  if (!take_pending (batch, &rows, &updates))
    return then == NULL || upg_journal_sql_exec (self->connection, then->sql, then->values, then->n_values, error);
  ok = write_pending (self, rows, updates, then, error);
  settle (batch, rows, updates, ok);
  return ok;
}

/**
 * upg_journal_flush_if_due: (skip)
 *
 * Flushes when UPG_JOURNAL_BATCH_MAX_RECORDS records wait or the oldest
 * waited UPG_JOURNAL_BATCH_MAX_AGE_MS.
 */
gboolean
upg_journal_flush_if_due (UpgJournal  *self,
                          GError     **error)
{
  Batch *batch;
  gboolean due;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  batch = get_batch (self);
  g_mutex_lock (&batch->lock);
  due = is_due (batch);
  g_mutex_unlock (&batch->lock);
  return !due || upg_journal_flush_statements (self, error);
}

/**
 * upg_journal_batch_set_max_age: (skip)
 *
 * How long a record may wait (tests: a batch that only fills up).
 */
void
upg_journal_batch_set_max_age (UpgJournal *self,
                               gint64      max_age_ms)
{
  Batch *batch;

  g_return_if_fail (UPG_IS_JOURNAL (self));
  batch = get_batch (self);
  g_mutex_lock (&batch->lock);
  batch->max_age_ms = max_age_ms;
  g_mutex_unlock (&batch->lock);
}

/**
 * upg_journal_statement_pending: (skip)
 *
 * Returns: whether a record of statement @stmt_key waits to be written
 */
gboolean
upg_journal_statement_pending (UpgJournal *self,
                               const char *stmt_key)
{
  Batch *batch;
  gboolean pending;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  batch = get_batch (self);
  g_mutex_lock (&batch->lock);
  pending = g_hash_table_contains (batch->keys, stmt_key);
  g_mutex_unlock (&batch->lock);
  return pending;
}

/**
 * upg_journal_marker_prefix: (skip)
 *
 * The markers of one script of one step in one execution share this
 * prefix (48 hex digits), so that one query finds all of them. A marker's
 * id is derived from the execution and the statement, not from a journal
 * record, so that it still answers when the record was lost with a crash;
 * the execution is part of it so that another journal's run against the
 * same database (same site name) never takes it for its own.
 *
 * Returns: (transfer full): the prefix
 */
char *
upg_journal_marker_prefix (const char *execution_id,
                           const char *component,
                           const char *version,
                           const char *step_id,
                           const char *file)
{
  g_autofree char *text = g_strdup_printf ("marker\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", execution_id, component,
                                           version, step_id, file);
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);

  return g_strndup (sha, 48);
}

/**
 * upg_journal_marker_id: (skip)
 *
 * Returns: (transfer full): the marker id of statement @sequence of the
 *   script of @prefix (at most 59 characters: it fits an id column)
 */
char *
upg_journal_marker_id (const char *prefix,
                       guint       sequence)
{
  return g_strdup_printf ("%s:%u", prefix, sequence);
}

/**
 * upg_journal_unfinished_executions: (skip)
 *
 * The executions of @site that did not succeed: only those can have run
 * statements whose batched records were lost with a crash (a successful
 * execution flushed every record before it finished).
 *
 * Returns: (transfer full) (element-type utf8): their ids, or %NULL on error
 */
GPtrArray *
upg_journal_unfinished_executions (UpgJournal  *self,
                                   const char  *site,
                                   GError     **error)
{
  const char *values[] = { site };
  g_autoptr(UpgRows) rows = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  UPG_JOURNAL_LOCK (self);
  rows = upg_journal_sql_query (self->connection,
                                "SELECT id FROM upgrade_execution WHERE site_id = ? AND status <> 'SUCCESS'",
                                values, 1, error);
  return rows != NULL ? upg_journal_rows_first_column (rows) : NULL;
}

/* Writes batched statement records that waited too long while the
 * runner is busy in a long statement (SPEC §11: the statement log is
 * written at most 1 s after the statement). */
struct _UpgJournalFlusher
{
  UpgJournal *journal;
  GMutex      lock;
  GCond       cond;
  gboolean    stop;
  gboolean    wake;          /* a batch is full: flush now */
  GThread    *thread;
};

/* Called with the batch's lock held (which keeps @f alive: stopping
 * unregisters it under that lock first). */
static void
flusher_wake (UpgJournalFlusher *f)
{
  g_mutex_lock (&f->lock);
  f->wake = TRUE;
  g_cond_signal (&f->cond);
  g_mutex_unlock (&f->lock);
}

static gpointer
flusher_main (gpointer data)
{
  UpgJournalFlusher *f = data;

  g_mutex_lock (&f->lock);
  while (!f->stop)
    {
      gint64 until = g_get_monotonic_time () + UPG_JOURNAL_BATCH_MAX_AGE_MS * G_TIME_SPAN_MILLISECOND / 2;

      while (!f->wake && !f->stop && g_cond_wait_until (&f->cond, &f->lock, until))
        ;
      if (f->stop)
        break;
      f->wake = FALSE;
      g_mutex_unlock (&f->lock);
      {
        /* A failure here is met again, and reported, by the runner's own
         * flush at the latest at the step's end. */
        g_autoptr(GError) ignored = NULL;

        upg_journal_flush_if_due (f->journal, &ignored);
      }
      g_mutex_lock (&f->lock);
    }
  g_mutex_unlock (&f->lock);
  return NULL;
}

/**
 * upg_journal_flusher_start: (skip)
 *
 * Starts a thread that writes the pending records once they are due,
 * until upg_journal_flusher_stop().
 *
 * Returns: (transfer full): the flusher
 */
UpgJournalFlusher *
upg_journal_flusher_start (UpgJournal *journal)
{
  UpgJournalFlusher *f = g_new0 (UpgJournalFlusher, 1);
  Batch *batch;

  f->journal = g_object_ref (journal);
  f->stop = FALSE;
  g_mutex_init (&f->lock);
  g_cond_init (&f->cond);
  f->thread = g_thread_new ("upg-journal-flush", flusher_main, f);
  batch = get_batch (journal);
  g_mutex_lock (&batch->lock);
  batch->flusher = f;
  g_mutex_unlock (&batch->lock);
  return f;
}

/**
 * upg_journal_flusher_stop: (skip)
 *
 * Stops and frees @f; what is still pending stays for the caller's flush.
 */
void
upg_journal_flusher_stop (UpgJournalFlusher *f)
{
  Batch *batch = get_batch (f->journal);

  g_mutex_lock (&batch->lock);
  if (batch->flusher == f)
    batch->flusher = NULL;
  g_mutex_unlock (&batch->lock);
  g_mutex_lock (&f->lock);
  f->stop = TRUE;
  g_cond_signal (&f->cond);
  g_mutex_unlock (&f->lock);
  g_thread_join (f->thread);
  g_mutex_clear (&f->lock);
  g_cond_clear (&f->cond);
  g_object_unref (f->journal);
  g_free (f);
}
