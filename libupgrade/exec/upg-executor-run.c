/* upg-executor-run.c - one run of a stage: lock, resume checks, steps
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The protocol is described at the top of upg-executor.c.
 */
#include "config.h"
#include <glib/gi18n-lib.h>

#include "upg-bundle-private.h"
#include "upg-executor-checks-private.h"
#include "upg-executor-confirm-private.h"
#include "upg-executor-notify-private.h"
#include "upg-executor-private.h"
#include "upg-executor-run-private.h"
#include "upg-run-private.h"
#include "upg-journal-drift-private.h"
#include "upg-target-lock-private.h"
#include "upg-execution-private.h"

/* ---- test-only crash hook ------------------------------------------- */

static void
parse_crash_hook (UpgRunContext *ctx)
{
  const char *hook = g_getenv ("UPGRADE_TEST_CRASH_AT");
  static const char *points[] = { "before-send", "after-execute-before-commit", "after-commit-before-journal" };
  g_auto(GStrv) parts = NULL;
  guint64 n;

  if (hook == NULL || *hook == '\0')
    return;
  parts = g_strsplit (hook, ":", 2);
  if (g_strv_length (parts) != 2 || !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXUINT, &n, NULL))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (points); i++)
    if (g_str_equal (parts[1], points[i]))
      {
        ctx->crash_at = (guint) n;
        ctx->crash_point = (UpgCrashPoint) i;
      }
}

/* ---- the run context ------------------------------------------------ */

static void
run_context_free (UpgRunContext *ctx)
{
  g_clear_object (&ctx->execution);
  g_clear_object (&ctx->run);
  g_clear_pointer (&ctx->current, upg_run_current_unref);
  upg_exec_log_free (ctx->log);
  g_clear_pointer (&ctx->owner_context, g_main_context_unref);
  /* The run's end goes to the owner context after this: its signals
   * first. */
  upg_signal_queue_flush (ctx->signals);
  g_clear_pointer (&ctx->signals, upg_signal_queue_unref);
  g_clear_object (&ctx->cancellable);
  g_free (ctx->site_id);
  g_free (ctx->from_text);
  g_free (ctx->to_text);
  g_clear_pointer (&ctx->env, json_object_unref);
  g_free (ctx->bp_step_id);
  g_free (ctx->bp_file);
  g_free (ctx->breakpoint_lost);
  g_free (ctx->step_result);
  g_hash_table_unref (ctx->targets);
  g_hash_table_unref (ctx->connections);
  g_hash_table_unref (ctx->scripts);
  g_clear_pointer (&ctx->reverted_steps, g_ptr_array_unref);
  g_clear_pointer (&ctx->check_skips, g_ptr_array_unref);
  g_free (ctx->skipped_by);
  g_clear_object (&ctx->confirm_plan);
  g_free (ctx->confirmed_by);
  g_free (ctx->confirm_via);
  g_free (ctx->forgotten);
  g_clear_object (&ctx->rate_tracker);
  g_free (ctx->rate_persisted);
  g_free (ctx);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgRunContext, run_context_free)

static void
run_target_free (UpgRunTarget *target)
{
  g_clear_pointer (&target->markers, g_hash_table_unref);
  g_free (target);
}

static UpgRunContext *
run_context_new (UpgExecutor   *self,
                 UpgRunRequest *request,
                 GCancellable  *cancellable)
{
  UpgRunContext *ctx = g_new0 (UpgRunContext, 1);

  ctx->hooks = &upg_executor_run_hooks;
  ctx->executor = self;
  ctx->run = g_object_ref (request->run);
  ctx->current = upg_run_current_ref (upg_run_get_current (request->run));
  ctx->accept_changed = request->accept_changed;
  ctx->journal = upg_executor_get_journal (self);
  ctx->owner_context = g_main_context_ref (request->owner_context);
  ctx->signals = upg_signal_queue_new ();
  ctx->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  ctx->connections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  ctx->targets = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                        (GDestroyNotify) run_target_free);
  ctx->scripts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_ptr_array_unref);
  ctx->action = request->action;
  ctx->checks_func = request->checks_func;
  ctx->checks_data = request->checks_data;
  ctx->skipped_by = g_strdup (request->skipped_by);
  parse_crash_hook (ctx);
  return ctx;
}

/* ---- the heartbeat of the site lock ---------------------------------- */

typedef struct
{
  GMutex      mutex;
  GCond       cond;
  gboolean    stop;
  UpgJournal *journal;
  char       *site_id;
  GThread    *thread;
} Heartbeat;

static gpointer
heartbeat_thread (gpointer data)
{
  Heartbeat *hb = data;
  gint64 interval = MAX (1, upg_journal_get_lock_timeout (hb->journal) / 3) * G_TIME_SPAN_SECOND;

  g_mutex_lock (&hb->mutex);
  while (!hb->stop)
    {
      gint64 deadline = g_get_monotonic_time () + interval;

      while (!hb->stop && g_cond_wait_until (&hb->cond, &hb->mutex, deadline))
        ;
      if (hb->stop)
        break;
      g_mutex_unlock (&hb->mutex);
      {
        g_autoptr(GError) error = NULL;

        if (!upg_journal_heartbeat_lock (hb->journal, hb->site_id, &error))
          g_warning ("site '%s': cannot renew the lock: %s", hb->site_id, error->message);
      }
      g_mutex_lock (&hb->mutex);
    }
  g_mutex_unlock (&hb->mutex);
  return NULL;
}

static Heartbeat *
heartbeat_start (UpgJournal *journal,
                 const char *site_id)
{
  Heartbeat *hb = g_new0 (Heartbeat, 1);

  g_mutex_init (&hb->mutex);
  g_cond_init (&hb->cond);
  hb->journal = g_object_ref (journal);
  hb->site_id = g_strdup (site_id);
  hb->thread = g_thread_new ("upgrade-heartbeat", heartbeat_thread, hb);
  return hb;
}

static void
heartbeat_stop (Heartbeat *hb)
{
  g_mutex_lock (&hb->mutex);
  hb->stop = TRUE;
  g_cond_signal (&hb->cond);
  g_mutex_unlock (&hb->mutex);
  g_thread_join (hb->thread);
  g_mutex_clear (&hb->mutex);
  g_cond_clear (&hb->cond);
  g_object_unref (hb->journal);
  g_free (hb->site_id);
  g_free (hb);
}


/* ---- sites running in this process ------------------------------------ */

G_LOCK_DEFINE_STATIC (running_sites);
static GHashTable *running_sites;  /* "<journal>:<site>" → TRUE */

static char *
site_key (UpgRunContext *ctx)
{
  return g_strdup_printf ("%p:%s", (void *) ctx->journal, ctx->site_id);
}

static gboolean
claim_site (UpgRunContext *ctx,
            GError       **error)
{
  g_autofree char *key = site_key (ctx);
  gboolean claimed;

  G_LOCK (running_sites);
  if (running_sites == NULL)
    running_sites = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  claimed = !g_hash_table_contains (running_sites, key);
  if (claimed)
    g_hash_table_add (running_sites, g_steal_pointer (&key));
  G_UNLOCK (running_sites);

  if (!claimed)
    g_set_error (error, UPG_ERROR, UPG_ERROR_LOCKED,
                 _("site '%s' is locked: another upgrade of it is running in this process"), ctx->site_id);
  return claimed;
}

static void
release_site (UpgRunContext *ctx)
{
  g_autofree char *key = site_key (ctx);

  G_LOCK (running_sites);
  g_hash_table_remove (running_sites, key);
  G_UNLOCK (running_sites);
}

/* ---- what to run ------------------------------------------------------ */

static GPtrArray *
select_steps (UpgPlan    *plan,
              UpgStage    stage,
              gboolean    rollback,
              const char *component)
{
  GPtrArray *all = rollback ? upg_plan_get_rollback_steps (plan, stage) : upg_plan_get_steps (plan, stage);
  GPtrArray *steps = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; all != NULL && i < all->len; i++)
    {
      /* The plan orders rollback steps already: newest first, reversed. */
      UpgStep *step = g_ptr_array_index (all, i);

      if (component == NULL || g_strcmp0 (upg_step_get_component (step), component) == 0)
        g_ptr_array_add (steps, g_object_ref (step));
    }
  return steps;
}

/* Fills the request from the journal record of the execution to resume. */
static gboolean
load_resume_request (UpgExecutor   *self,
                     UpgRunRequest *request,
                     GError       **error)
{
  g_autoptr(JsonObject) record = NULL;
  UpgExecutionKind kind = UPG_EXECUTION_KIND_RUN;
  JsonNode *env;

  record = upg_journal_get_execution (upg_executor_get_journal (self), request->execution_id, error);
  if (record == NULL)
    return FALSE;
  request->from = upg_version_parse (json_object_get_string_member_with_default (record, "from", ""), error);
  request->to = request->from != NULL
                ? upg_version_parse (json_object_get_string_member_with_default (record, "to", ""), error)
                : NULL;
  if (request->to == NULL ||
      !upg_stage_from_string (json_object_get_string_member_with_default (record, "stage", ""),
                              &request->stage, error))
    return FALSE;
  upg_execution_kind_from_string (json_object_get_string_member_with_default (record, "kind", "run"), &kind);
  request->kind = kind == UPG_EXECUTION_KIND_ROLLBACK ? UPG_RUN_REQUEST_ROLLBACK : UPG_RUN_REQUEST_RUN;
  request->site_id = g_strdup (json_object_get_string_member_with_default (record, "site", NULL));
  request->component = g_strdup (json_object_get_string_member_with_default (record, "component", NULL));
  env = json_object_get_member (record, "env");
  if (env != NULL && JSON_NODE_HOLDS_OBJECT (env))
    request->env = json_object_ref (json_node_get_object (env));
  return TRUE;
}

/* The unfinished execution `run` continues, or NULL for a new one. */
static char *
find_unfinished (UpgRunContext *ctx,
                 const char    *component,
                 GError       **error)
{
  g_autoptr(JsonObject) last = NULL;
  g_autoptr(GError) local_error = NULL;
  UpgExecutionStatus status;

  last = upg_journal_find_last_execution (ctx->journal, ctx->site_id, ctx->from_text, ctx->to_text,
                                          ctx->stage, ctx->rollback ? UPG_EXECUTION_KIND_ROLLBACK
                                                                    : UPG_EXECUTION_KIND_RUN,
                                          &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (last == NULL ||
      g_strcmp0 (json_object_get_string_member_with_default (last, "component", NULL), component) != 0 ||
      !upg_execution_status_from_string (json_object_get_string_member_with_default (last, "status", NULL),
                                         &status) ||
      status == UPG_EXECUTION_STATUS_SUCCESS)
    return NULL;
  /* RUNNING too: we hold the site's lock, so its owner is gone. */
  return g_strdup (json_object_get_string_member_with_default (last, "execution_id", NULL));
}

/* Whether the execution stopped less than the breakpoints' lifetime ago:
 * one without a breakpoint then lost it when it was written (a full
 * disk), it did not expire; the journal's statement records and the
 * markers say where to continue. */
static gboolean
stopped_recently (JsonObject *record)
{
  const char *finished = json_object_get_string_member_with_default (record, "finished_at", NULL);
  g_autoptr(GDateTime) at = finished != NULL ? g_date_time_new_from_iso8601 (finished, NULL) : NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return at != NULL && g_date_time_difference (now, at) < UPG_JOURNAL_BREAKPOINT_LIFETIME_MS * G_TIME_SPAN_MILLISECOND;
}

/* Reads the breakpoint the resume starts from. A FAILED or IN_DOUBT
 * execution without one has an expired breakpoint (the journal keeps them
 * 7 days): refused, since the site may have changed meanwhile. */
static gboolean
load_breakpoint (UpgRunContext *ctx,
                 const char    *execution_id,
                 GError       **error)
{
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(JsonObject) bp = NULL;
  g_autoptr(GError) local_error = NULL;
  UpgExecutionStatus status = UPG_EXECUTION_STATUS_RUNNING;

  record = upg_journal_get_execution (ctx->journal, execution_id, error);
  if (record == NULL)
    return FALSE;
  upg_execution_status_from_string (json_object_get_string_member_with_default (record, "status", NULL), &status);
  bp = upg_journal_get_breakpoint (ctx->journal, execution_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (bp == NULL && (status == UPG_EXECUTION_STATUS_FAILED || status == UPG_EXECUTION_STATUS_IN_DOUBT) &&
      !stopped_recently (record))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_RESUME_LIMIT,
                   _("the breakpoint of execution '%s' (stopped %s) was saved more than 7 days ago and has "
                   "expired: check the site by hand and start a new execution with 'upgradectl run "
                   "--new-execution'"), execution_id,
                   json_object_get_string_member_with_default (record, "finished_at", "?"));
      return FALSE;
    }
  if (bp == NULL)
    return TRUE;
  ctx->bp_step_id = g_strdup (json_object_get_string_member_with_default (bp, "step_id", NULL));
  ctx->bp_file = g_strdup (json_object_get_string_member_with_default (bp, "file", NULL));
  ctx->bp_sequence = (guint) json_object_get_int_member_with_default (bp, "sequence", 0);
  return TRUE;
}

/* Splits every script and opens (pings) every data source the steps use,
 * before anything changes. */
static gboolean
prepare_steps (UpgRunContext *ctx,
               GPtrArray     *steps,
               GError       **error)
{
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < steps->len; i++)
    {
      UpgStep *step = g_ptr_array_index (steps, i);

      if (upg_step_get_kind (step) == UPG_STEP_KIND_SQL && !upg_sql_runner_prepare (ctx, step, error))
        return FALSE;
      if (upg_step_get_kind (step) == UPG_STEP_KIND_BATCHED_MIGRATION &&
          !upg_batched_migration_runner_prepare (ctx, step, error))
        return FALSE;
      if (!upg_sql_runner_check_sources (ctx, step, error))
        return FALSE;
    }

  g_hash_table_iter_init (&iter, ctx->scripts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *statements = value;

      for (guint s = 0; s < statements->len; s++)
        {
          UpgSqlStatement *statement = g_ptr_array_index (statements, s);
          const char *name = upg_sql_statement_get_database (statement);

          if (name != NULL && upg_sql_runner_get_connection (ctx, name, error) == NULL)
            return FALSE;
        }
    }
  for (guint i = 0; i < steps->len; i++)
    {
      UpgStep *step = g_ptr_array_index (steps, i);

      if (upg_step_get_kind (step) == UPG_STEP_KIND_SQL &&
          upg_sql_runner_get_connection (ctx, upg_step_get_database (step), error) == NULL)
        return FALSE;
    }
  return TRUE;
}

/* ---- one run ---------------------------------------------------------- */

/* The configuration's "env", overridden member by member by the caller's. */
static JsonObject *
merged_env (UpgConfig  *config,
            JsonObject *overrides)
{
  JsonObject *base = upg_config_get_env (config);
  JsonObject *env = json_object_new ();
  JsonObject *sources[] = { base, overrides };

  for (guint s = 0; s < G_N_ELEMENTS (sources); s++)
    {
      g_autoptr(GList) members = sources[s] != NULL ? json_object_get_members (sources[s]) : NULL;

      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (env, l->data, json_node_copy (json_object_get_member (sources[s], l->data)));
    }
  return env;
}

static gboolean
setup_context (UpgExecutor   *self,
               UpgRunContext *ctx,
               UpgRunRequest *request,
               GError       **error)
{
  const char *site = request->site_id != NULL ? request->site_id
                     : upg_config_get_site_id (upg_executor_get_config (self));

  if (request->kind == UPG_RUN_REQUEST_RESUME && !load_resume_request (self, request, error))
    return FALSE;
  if (request->site_id != NULL)
    site = request->site_id;
  if (site == NULL || *site == '\0')
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("no site: pass --site or set \"site_id\" in the configuration"));
      return FALSE;
    }
  /* Before anything is read or locked: a mistyped site must not run the
   * steps of another (or of this one, as "bj-1" would). */
  if (!upg_config_check_site (upg_executor_get_config (self), site, error))
    return FALSE;
  ctx->site_id = g_strdup (site);
  ctx->from_text = upg_version_to_string (request->from);
  ctx->to_text = upg_version_to_string (request->to);
  ctx->stage = request->stage;
  ctx->rollback = request->kind == UPG_RUN_REQUEST_ROLLBACK;
  ctx->env = merged_env (upg_executor_get_config (self), request->env);
  return TRUE;
}

static gboolean
open_log (UpgRunContext *ctx,
          GError       **error)
{
  g_autofree char *path = upg_executor_get_log_path (ctx->executor, upg_execution_get_id (ctx->execution));

  ctx->log = upg_exec_log_open (path, upg_execution_get_id (ctx->execution), error);
  return ctx->log != NULL;
}

/* Creates the execution record and its PENDING steps. */
static char *
create_execution (UpgRunContext *ctx,
                  const char    *component,
                  GPtrArray     *steps,
                  GError       **error)
{
  g_autofree char *id = NULL;

  id = upg_journal_create_execution (ctx->journal, ctx->site_id, component, ctx->from_text, ctx->to_text,
                                     ctx->stage, ctx->rollback ? UPG_EXECUTION_KIND_ROLLBACK
                                                               : UPG_EXECUTION_KIND_RUN,
                                     ctx->env, error);
  for (guint i = 0; id != NULL && i < steps->len; i++)
    {
      UpgStep *step = g_ptr_array_index (steps, i);
      g_autofree char *version = upg_version_to_string (upg_step_get_version (step));

      if (!upg_journal_add_step (ctx->journal, id, upg_step_get_component (step), version,
                                 upg_step_get_id (step), upg_step_get_stage (step), error))
        return NULL;
    }
  return g_steal_pointer (&id);
}

/* Drift (upg-journal-drift.c): the applied statements of @steps whose
 * file changed since; refused unless the executor accepts them. */
static gboolean
check_drift (UpgRunContext *ctx,
             GPtrArray     *steps,
             GPtrArray     *drifts,
             GError       **error)
{
  if (ctx->rollback)
    return TRUE;
  for (guint i = 0; i < steps->len; i++)
    {
      UpgStep *step = g_ptr_array_index (steps, i);

      if (upg_step_get_kind (step) == UPG_STEP_KIND_SQL &&
          !upg_journal_find_drift (ctx->journal, ctx->site_id, step, ctx->scripts, drifts, error))
        return FALSE;
    }
  if (drifts->len == 0 || ctx->accept_changed)
    return TRUE;
  upg_drift_error (drifts, error);
  return FALSE;
}

/* Journals the changes --accept-changed accepted, in execution @id. */
static gboolean
accept_drift (UpgRunContext *ctx,
              GPtrArray     *drifts,
              const char    *id,
              GError       **error)
{
  for (guint i = 0; i < drifts->len; i++)
    {
      UpgDrift *d = g_ptr_array_index (drifts, i);
      char sha256[UPG_SQL_STATEMENT_SHA256_SIZE];

      upg_sql_statement_sha256_into (d->statement, sha256);
      if (!upg_journal_accept_drift (ctx->journal, d, id, error))
        return FALSE;
      upg_run_context_log (ctx, G_LOG_LEVEL_WARNING,
                           _("%s:%u: changed after it was applied in execution %s (sha256 %s, now %s);"
                             " accepted by %s@%s (--accept-changed)"),
                           upg_sql_statement_get_file (d->statement), upg_sql_statement_get_line (d->statement),
                           d->execution_id, d->applied_sha256, sha256,
                           g_get_user_name (), g_get_host_name ());
    }
  return TRUE;
}

/* The targets were locked (upg-target-lock.c) when prepare_steps()
 * opened them, before the execution was chosen: now their holder rows
 * name it too. */
static gboolean
name_target_locks (UpgRunContext *ctx,
                   const char    *execution_id,
                   GError       **error)
{
  GHashTableIter iter;
  gpointer connection;

  g_hash_table_iter_init (&iter, ctx->connections);
  while (g_hash_table_iter_next (&iter, NULL, &connection))
    if (!upg_run_context_target (ctx, connection)->no_marker &&
        !upg_target_lock_name_execution (connection, ctx->site_id, execution_id, error))
      return FALSE;
  return TRUE;
}

static void
release_target_locks (UpgRunContext *ctx)
{
  GHashTableIter iter;
  gpointer connection;

  g_hash_table_iter_init (&iter, ctx->connections);
  while (g_hash_table_iter_next (&iter, NULL, &connection))
    if (!upg_run_context_target (ctx, connection)->no_marker)
      upg_target_lock_release (connection, ctx->site_id);
}

/* Only an operator's decision counts towards the resume limit: `resume`,
 * or running again what stopped FAILED or IN_DOUBT at a breakpoint.
 * Continuing what a crash, a kill or Ctrl-C interrupted (INTERRUPTED, or
 * RUNNING with its owner gone) is not a resume (SPEC §5). */
static gboolean
is_operator_resume (UpgRunContext *ctx,
                    const char    *execution_id)
{
  g_autoptr(JsonObject) record = NULL;
  UpgExecutionStatus status = UPG_EXECUTION_STATUS_FAILED;

  record = upg_journal_get_execution (ctx->journal, execution_id, NULL);
  if (record != NULL)
    upg_execution_status_from_string (json_object_get_string_member_with_default (record, "status", NULL),
                                      &status);
  return status != UPG_EXECUTION_STATUS_INTERRUPTED && status != UPG_EXECUTION_STATUS_RUNNING;
}

/* The watchdog's word (its own thread: the log is thread-safe) about a
 * statement that has been running a while: an operator watching the log
 * learns where the run waits without asking `status`. */
static void
statement_noticed (gpointer                          user_data,
                   const UpgJournalCurrentStatement *current,
                   gint64                            running_ms,
                   gboolean                          journaled)
{
  UpgRunContext *ctx = user_data;
  g_autofree char *running = upg_format_duration (running_ms);

  if (current->task != NULL)
    /* TRANSLATORS: step, what it runs (a command line, a batch), duration, then maybe " (not recorded…)" */
    upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("step %s: %s still running after %s%s"), current->step_id,
                         current->task, running, journaled ? "" : _(" (not recorded in the journal)"));
  else
    upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("%s:%u: statement %u of step %s still running after %s%s"),
                         current->file, current->line, current->sequence, current->step_id, running,
                         journaled ? "" : _(" (not recorded in the journal)"));
}

/* Everything after the lock: pick or create the execution, check and
 * count a resume, then run the steps. */
static gboolean
run_locked (UpgRunContext *ctx,
            UpgRunRequest *request,
            GPtrArray     *steps,
            GError       **error)
{
  g_autofree char *id = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GPtrArray) drifts = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_drift_free);
  guint resume_count = 0;
  gboolean continuing;
  gboolean ok;

  /* A resume names its execution (load_resume_request() has made the
   * request a run or rollback of it): it continues that one, in a check
   * stage too, whose declared steps may have left a statement in doubt. */
  if (request->execution_id != NULL)
    id = g_strdup (request->execution_id);
  /* A check stage's run evaluates its checks afresh each time
   * (upg-executor-checks.c), it never continues an execution. */
  else if (!request->new_execution && !upg_executor_is_check_stage (ctx->stage))
    {
      g_autoptr(GError) local_error = NULL;

      id = find_unfinished (ctx, request->component, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  continuing = id != NULL;
  if (id != NULL && !load_breakpoint (ctx, id, error))
    return FALSE;
  if (!prepare_steps (ctx, steps, error) || !check_drift (ctx, steps, drifts, error))
    return FALSE;

  if (id != NULL)
    {
      g_autoptr(JsonObject) record = NULL;

      /* What is done at the breakpoint is journaled for the reports. */
      if (!upg_journal_reopen_execution (ctx->journal, id, is_operator_resume (ctx, id),
                                         &resume_count, error) ||
          !upg_journal_note_resume (ctx->journal, id,
                                    ctx->action == UPG_RESUME_ACTION_RETRY ? "retry"
                                    : ctx->action == UPG_RESUME_ACTION_SKIP ? "skip" : "continue", error))
        return FALSE;
      record = upg_journal_get_execution (ctx->journal, id, error);
      if (record == NULL)
        return FALSE;
      ctx->execution = upg_execution_new_from_journal (record, error);
      if (ctx->execution == NULL)
        return FALSE;
      upg_execution_clear_breakpoint (ctx->execution);
      upg_execution_set_status (ctx->execution, UPG_EXECUTION_STATUS_RUNNING);
      upg_execution_set_finished (ctx->execution, NULL);
    }
  else
    {
      id = create_execution (ctx, request->component, steps, error);
      if (id == NULL)
        return FALSE;
      ctx->execution = upg_execution_new (id, ctx->stage, request->from, request->to, ctx->site_id);
      upg_execution_set_rollback (ctx->execution, ctx->rollback);
      upg_execution_set_started (ctx->execution, now);
    }
  /* The lock now names the execution it protects. */
  if (!upg_journal_acquire_lock (ctx->journal, ctx->site_id, id, NULL, error) || !open_log (ctx, error) ||
      !name_target_locks (ctx, id, error) || !accept_drift (ctx, drifts, id, error) ||
      !upg_executor_journal_confirmations (ctx, error) || !upg_executor_journal_check_skips (ctx, error))
    return FALSE;

  upg_execution_set_progress (ctx->execution, 0, ctx->statements_total, -1);
  upg_executor_emit_execution_started (ctx);
  upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("%s %s %s → %s, stage %s, site %s%s: %u steps, %u statements%s"),
                       continuing ? _("resuming") : _("starting"), ctx->rollback ? _("rollback") : _("upgrade"),
                       ctx->from_text, ctx->to_text, upg_stage_to_string (ctx->stage), ctx->site_id,
                       request->component != NULL ? _(" (component only)") : "", steps->len,
                       ctx->statements_total,
                       ctx->action == UPG_RESUME_ACTION_RETRY ? _(" (retry at the breakpoint)")
                       : ctx->action == UPG_RESUME_ACTION_SKIP ? _(" (skip at the breakpoint)") : "");
  upg_run_current_watch (ctx->current, ctx->journal, id, statement_noticed, ctx);
  ok = upg_executor_run_steps (ctx, steps, error);
  upg_run_current_unwatch (ctx->current);
  return ok;
}

/* The check gate of a `run` request (SPEC §3). The gate decides once per
 * execution, when it starts: a resume names an execution such a run
 * started, which passed the gate then or had its --skip-checks
 * journaled, so it is not asked again (the operator fixed the cause of
 * a failed statement and continues; repeating --skip-checks would only
 * journal the same decision twice). The same `run` command again is the
 * operator's new request and is gated like any run, on today's verdicts:
 * a check stage run again since and failed must not be walked past by
 * accident (`resume ID` remains, naming the execution on purpose).
 * Except when the execution that run continues was started with
 * --skip-checks: that decision is journaled for the execution and covers
 * it to its end, whichever way the operator continues it. */
static gboolean
gate_run (UpgRunContext *ctx,
          UpgPlan       *plan,
          UpgRunRequest *request,
          GError       **error)
{
  g_autofree char *continued = NULL;
  gboolean skipped = FALSE;

  /* What run_locked() will continue (it looks again under the lock). */
  if (!request->new_execution && !upg_executor_is_check_stage (ctx->stage))
    {
      g_autoptr(GError) local_error = NULL;

      continued = find_unfinished (ctx, request->component, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  if (continued != NULL &&
      !upg_executor_execution_skipped_checks (ctx->executor, ctx->site_id, ctx->from_text, ctx->to_text,
                                              continued, &skipped, error))
    return FALSE;
  if (skipped)
    return TRUE;
  return upg_executor_check_gate (ctx->executor, plan, ctx->site_id, ctx->stage, request->skip_checks,
                                  &ctx->check_skips, error);
}

gboolean
upg_executor_execute (UpgExecutor    *self,
                      UpgRunRequest  *request,
                      GCancellable   *cancellable,
                      UpgExecution  **execution,
                      GError        **error)
{
  g_autoptr(UpgRunContext) ctx = run_context_new (self, request, cancellable);
  g_autoptr(UpgPlan) plan = NULL;
  g_autoptr(GPtrArray) steps = NULL;
  g_autofree char *takeover = NULL;
  Heartbeat *heartbeat;
  gboolean ok;

  if (!setup_context (self, ctx, request, error))
    return FALSE;
  if (request->component != NULL && !upg_bundle_check_component (upg_executor_get_bundle (self), request->component,
                                                                 error))
    return FALSE;
  plan = upg_plan_new (upg_executor_get_bundle (self), request->from, request->to, ctx->site_id, error);
  if (plan == NULL)
    return FALSE;
  steps = select_steps (plan, ctx->stage, ctx->rollback, request->component);
  ctx->reverted_steps = select_steps (plan, ctx->stage, !ctx->rollback, request->component);
  /* Before the lock and any execution: an unconfirmed step stops the
   * whole stage, the steps before it included (SPEC §3). A rollback runs
   * rollback steps, which need no confirmation. A run that confirms them
   * itself journals that only once it starts (run_locked()): a request
   * refused on the way there must leave nothing confirmed. */
  if (!ctx->rollback && request->kind == UPG_RUN_REQUEST_RUN && request->execution_id == NULL &&
      request->confirm)
    upg_executor_defer_confirmations (ctx, plan, request->confirmed_by, request->confirm_via);
  else if (!ctx->rollback)
    {
      g_autoptr(GError) refusal = NULL;

      if (!upg_executor_check_confirmed (self, plan, ctx->site_id, ctx->stage, steps, &refusal))
        {
          if (g_error_matches (refusal, UPG_ERROR, UPG_ERROR_CONFIRMATION_REQUIRED))
            upg_executor_notify_confirmation (ctx, plan, steps, refusal->message);
          g_propagate_error (error, g_steal_pointer (&refusal));
          return FALSE;
        }
    }
  /* Likewise a stage after the check stages while they have not passed
   * (SPEC §3), for a run; a resume (request->execution_id) is not asked:
   * see gate_run(). */
  if (request->kind == UPG_RUN_REQUEST_RUN && request->execution_id == NULL &&
      !gate_run (ctx, plan, request, error))
    return FALSE;
  /* A rollback undoes only what its steps revert (SPEC §9). */
  if (ctx->rollback && !upg_executor_select_reverted (ctx, steps, request->forget, error))
    return FALSE;

  /* The journal's lock is per process (a journal takes its own lock again),
   * so runs in this process (the HTTP service) exclude each other here. */
  if (!claim_site (ctx, error))
    return FALSE;
  /* The lock comes before anything is read to decide: the execution id is
   * not known yet, so the lock first names the request. */
  if (!upg_journal_acquire_lock (ctx->journal, ctx->site_id,
                                 request->execution_id != NULL ? request->execution_id : "starting",
                                 &takeover, error))
    {
      release_site (ctx);
      return FALSE;
    }
  /* The message is a whole translated sentence that names the site. */
  if (takeover != NULL)
    g_warning ("%s", takeover);
  heartbeat = heartbeat_start (ctx->journal, ctx->site_id);

  ok = run_locked (ctx, request, steps, error);
  release_target_locks (ctx);

  heartbeat_stop (heartbeat);
  {
    g_autoptr(GError) release_error = NULL;

    if (!upg_journal_release_lock (ctx->journal, ctx->site_id, &release_error))
      g_warning (_("cannot release the lock of site '%s': %s"), ctx->site_id, release_error->message);
  }
  release_site (ctx);
  /* Once the site is free: a slow webhook holds no lock (bounded by
   * UPG_NOTIFY_MAX_SECONDS, upg-notify.c). */
  upg_executor_notify_execution (ctx);
  if (execution != NULL && ctx->execution != NULL)
    *execution = g_object_ref (ctx->execution);
  return ok;
}

