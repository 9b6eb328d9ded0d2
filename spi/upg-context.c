/* upg-context.c - what a plugin learns about the execution it works for
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-spi-i18n-private.h"

#include "upg-context.h"
#include "upg-error.h"

/**
 * UpgContext:
 *
 * The execution a plugin works for: its id, the versions, the site, the
 * stage, the environment, the step's parameters and the manifests' checks;
 * plus the services a plugin may use: named data sources, a logger that
 * tags every line with the execution id, a progress reporter, a
 * checkpoint store and a #GCancellable.
 *
 * The engine fills a context and installs the services; the plugin host
 * receives it as JSON (upg_context_to_json()) and installs its own
 * services, which forward to the engine's.
 */
struct _UpgContext
{
  GObject                parent_instance;

  char                  *execution_id;
  UpgVersion            *from;
  UpgVersion            *to;
  char                  *site_id;
  UpgStage               stage;
  char                  *component;
  char                  *step_id;
  char                  *bundle_dir;
  JsonObject            *env;
  JsonObject            *params;
  JsonArray             *checks;
  JsonObject            *data_sources;
  char                  *data_sources_base_dir;
  char                  *checkpoint;
  GCancellable          *cancellable;

  UpgConnectionResolver  resolver;
  gpointer               resolver_data;
  GDestroyNotify         resolver_destroy;
  UpgCheckpointSaver     saver;
  gpointer               saver_data;
  GDestroyNotify         saver_destroy;
};

enum {
  SIGNAL_LOG,
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (UpgContext, upg_context, G_TYPE_OBJECT)

static void
upg_context_finalize (GObject *object)
{
  UpgContext *self = UPG_CONTEXT (object);

  upg_context_set_connection_resolver (self, NULL, NULL, NULL);
  upg_context_set_checkpoint_saver (self, NULL, NULL, NULL);
  g_free (self->execution_id);
  g_clear_pointer (&self->from, upg_version_free);
  g_clear_pointer (&self->to, upg_version_free);
  g_free (self->site_id);
  g_free (self->component);
  g_free (self->step_id);
  g_free (self->bundle_dir);
  json_object_unref (self->env);
  json_object_unref (self->params);
  json_array_unref (self->checks);
  json_object_unref (self->data_sources);
  g_free (self->data_sources_base_dir);
  g_free (self->checkpoint);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (upg_context_parent_class)->finalize (object);
}

static void
upg_context_class_init (UpgContextClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_context_finalize;

  /**
   * UpgContext::log:
   * @self: the context
   * @level: the #GLogLevelFlags of the line
   * @message: the line
   *
   * Emitted for every line a plugin logs. A handler that returns %TRUE
   * takes the line over (the plugin host forwards it to the engine);
   * otherwise the line goes to the structured log with the field
   * `UPGRADE_EXECUTION_ID`.
   *
   * Returns: %TRUE if the line was handled
   */
  signals[SIGNAL_LOG] =
    g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 2, G_TYPE_UINT, G_TYPE_STRING);

  /**
   * UpgContext::progress:
   * @self: the context
   * @done: work done, in units the plugin chose (bytes, tasks, rows)
   * @total: all the work in the same units, 0 when unknown
   * @message: (nullable): what is being done
   *
   * Emitted when a plugin reports progress.
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_STRING);
}

static void
upg_context_init (UpgContext *self)
{
  self->stage = UPG_STAGE_RESOURCE_CHECK;
  self->env = json_object_new ();
  self->params = json_object_new ();
  self->checks = json_array_new ();
  self->data_sources = json_object_new ();
  self->cancellable = g_cancellable_new ();
}

/**
 * upg_context_new:
 * @execution_id: the execution's UUID
 *
 * Creates the context of one execution.
 *
 * Returns: (transfer full): a new context with an empty environment, no
 *   parameters, no checks and no data sources
 */
UpgContext *
upg_context_new (const char *execution_id)
{
  UpgContext *self;

  g_return_val_if_fail (execution_id != NULL, NULL);

  self = g_object_new (UPG_TYPE_CONTEXT, NULL);
  self->execution_id = g_strdup (execution_id);
  return self;
}

/**
 * upg_context_get_execution_id:
 * @self: a context
 *
 * Gets the execution's UUID.
 *
 * Returns: (transfer none): the execution's UUID
 */
const char *
upg_context_get_execution_id (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  return self->execution_id;
}

/**
 * upg_context_get_from_version:
 * @self: a context
 *
 * Gets the version the site upgrades from.
 *
 * Returns: (transfer none) (nullable): the version the site upgrades from
 */
UpgVersion *
upg_context_get_from_version (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  return self->from;
}

/**
 * upg_context_set_from_version:
 * @self: a context
 * @version: (nullable): the version the site upgrades from
 *
 * Sets the version the site upgrades from.
 */
void
upg_context_set_from_version (UpgContext       *self,
                              const UpgVersion *version)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  g_clear_pointer (&self->from, upg_version_free);
  self->from = version ? upg_version_copy (version) : NULL;
}

/**
 * upg_context_get_to_version:
 * @self: a context
 *
 * Gets the version the site upgrades to.
 *
 * Returns: (transfer none) (nullable): the version the site upgrades to
 */
UpgVersion *
upg_context_get_to_version (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  return self->to;
}

/**
 * upg_context_set_to_version:
 * @self: a context
 * @version: (nullable): the version the site upgrades to
 *
 * Sets the version the site upgrades to.
 */
void
upg_context_set_to_version (UpgContext       *self,
                            const UpgVersion *version)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  g_clear_pointer (&self->to, upg_version_free);
  self->to = version ? upg_version_copy (version) : NULL;
}

/**
 * upg_context_get_site_id:
 * @self: a context
 *
 * Gets the site being upgraded.
 *
 * Returns: (transfer none) (nullable): the site being upgraded
 */
const char *
upg_context_get_site_id (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  return self->site_id;
}

/**
 * upg_context_set_site_id:
 * @self: a context
 * @site_id: (nullable): the site being upgraded
 *
 * Sets the site being upgraded.
 */
void
upg_context_set_site_id (UpgContext *self,
                         const char *site_id)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  g_free (self->site_id);
  self->site_id = g_strdup (site_id);
}

/**
 * upg_context_get_component:
 * @self: a context
 *
 * Gets the component the current step belongs to.
 *
 * Returns: (transfer none) (nullable): the component the current step belongs to
 */
const char *
upg_context_get_component (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  return self->component;
}

/**
 * upg_context_set_component:
 * @self: a context
 * @component: (nullable): the component the current step belongs to
 *
 * Sets the component the current step belongs to.
 */
void
upg_context_set_component (UpgContext *self,
                         const char *component)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  g_free (self->component);
  self->component = g_strdup (component);
}

/**
 * upg_context_get_step_id:
 * @self: a context
 *
 * Gets the id of the current step.
 *
 * Returns: (transfer none) (nullable): the id of the current step
 */
const char *
upg_context_get_step_id (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  return self->step_id;
}

/**
 * upg_context_set_step_id:
 * @self: a context
 * @step_id: (nullable): the id of the current step
 *
 * Sets the id of the current step.
 */
void
upg_context_set_step_id (UpgContext *self,
                         const char *step_id)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  g_free (self->step_id);
  self->step_id = g_strdup (step_id);
}

/**
 * upg_context_get_bundle_dir:
 * @self: a context
 *
 * Gets the bundle directory.
 *
 * Returns: (transfer none) (nullable): the bundle directory
 */
const char *
upg_context_get_bundle_dir (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  return self->bundle_dir;
}

/**
 * upg_context_set_bundle_dir:
 * @self: a context
 * @bundle_dir: (nullable): the bundle directory
 *
 * Sets the bundle directory.
 */
void
upg_context_set_bundle_dir (UpgContext *self,
                         const char *bundle_dir)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  g_free (self->bundle_dir);
  self->bundle_dir = g_strdup (bundle_dir);
}


/**
 * upg_context_get_stage:
 * @self: a context
 *
 * Gets the stage being run.
 *
 * Returns: the stage being run
 */
UpgStage
upg_context_get_stage (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), UPG_STAGE_RESOURCE_CHECK);
  return self->stage;
}

/**
 * upg_context_set_stage:
 * @self: a context
 * @stage: the stage being run
 *
 * Sets the stage being run.
 */
void
upg_context_set_stage (UpgContext *self,
                       UpgStage    stage)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  g_return_if_fail (stage < UPG_N_STAGES);
  self->stage = stage;
}

/**
 * upg_context_get_env:
 * @self: a context
 *
 * Gets the site environment (`--env` and the config's `env`).
 *
 * Returns: (transfer none): the site environment (`--env` and the config's `env`) (an empty object when none)
 */
JsonObject *
upg_context_get_env (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  return self->env;
}

/**
 * upg_context_set_env:
 * @self: a context
 * @env: (nullable): the site environment (`--env` and the config's `env`); %NULL for an empty object
 *
 * Sets the site environment (`--env` and the config's `env`).
 */
void
upg_context_set_env (UpgContext *self,
                         JsonObject *env)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  json_object_unref (self->env);
  self->env = env ? json_object_ref (env) : json_object_new ();
}

/**
 * upg_context_get_params:
 * @self: a context
 *
 * Gets the current step's `params`.
 *
 * Returns: (transfer none): the current step's `params` (an empty object when none)
 */
JsonObject *
upg_context_get_params (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  return self->params;
}

/**
 * upg_context_set_params:
 * @self: a context
 * @params: (nullable): the current step's `params`; %NULL for an empty object
 *
 * Sets the current step's `params`.
 */
void
upg_context_set_params (UpgContext *self,
                         JsonObject *params)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  json_object_unref (self->params);
  self->params = params ? json_object_ref (params) : json_object_new ();
}


/**
 * upg_context_get_checks:
 * @self: a context
 *
 * The `checks` of the manifests in the plan, one element per manifest:
 * `{"version": "3.17.5", "checks": {"data_quality": […], "middleware": […],
 * "backup_tables": […]}}`.
 *
 * Returns: (transfer none): the checks (an empty array when none)
 */
JsonArray *
upg_context_get_checks (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  return self->checks;
}

/**
 * upg_context_set_checks:
 * @self: a context
 * @checks: (nullable): the manifests' checks, see upg_context_get_checks()
 *
 * Sets the manifests' checks, see upg_context_get_checks().
 */
void
upg_context_set_checks (UpgContext *self,
                        JsonArray  *checks)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  json_array_unref (self->checks);
  self->checks = checks ? json_array_ref (checks) : json_array_new ();
}

/**
 * upg_context_get_data_sources:
 * @self: a context
 *
 * Gets the data source definitions by name, in the form of the
 * configuration's `datasources` (never with passwords.
 *
 * Returns: (transfer none): the data source definitions by name, in the
 *   form of the configuration's `datasources` (never with passwords: only
 *   `password_env` / `password_file`)
 */
JsonObject *
upg_context_get_data_sources (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  return self->data_sources;
}

/**
 * upg_context_get_data_sources_base_dir:
 * @self: a context
 *
 * Gets the directory relative paths in the data source definitions are
 * relative to.
 *
 * Returns: (transfer none) (nullable): the directory relative paths in the
 *   data source definitions are relative to
 */
const char *
upg_context_get_data_sources_base_dir (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  return self->data_sources_base_dir;
}

/**
 * upg_context_set_data_sources:
 * @self: a context
 * @definitions: (nullable): the data source definitions by name, as the
 *   configuration's `datasources`
 * @base_dir: (nullable): the directory relative paths are relative to; a
 *   relative one is taken from the current directory now
 *
 * Records the definitions so that a plugin host in another process can
 * open the same data sources. They carry no password: a password comes
 * from the environment variable or file the definition names. The base
 * directory is stored absolute, because the plugin host does not share
 * the caller's current directory.
 */
void
upg_context_set_data_sources (UpgContext *self,
                              JsonObject *definitions,
                              const char *base_dir)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  json_object_unref (self->data_sources);
  self->data_sources = definitions ? json_object_ref (definitions) : json_object_new ();
  g_free (self->data_sources_base_dir);
  self->data_sources_base_dir = base_dir ? g_canonicalize_filename (base_dir, NULL) : NULL;
}

/**
 * upg_context_set_connection_resolver:
 * @self: a context
 * @resolver: (nullable) (scope notified): opens a data source by name
 * @user_data: (closure): data for @resolver
 * @destroy: (destroy user_data): frees @user_data
 *
 * Installs what upg_context_get_connection() calls.
 */
void
upg_context_set_connection_resolver (UpgContext            *self,
                                     UpgConnectionResolver  resolver,
                                     gpointer               user_data,
                                     GDestroyNotify         destroy)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  if (self->resolver_destroy != NULL)
    self->resolver_destroy (self->resolver_data);
  self->resolver = resolver;
  self->resolver_data = user_data;
  self->resolver_destroy = destroy;
}

/* A resolver that fails without saying why (a data source library
 * returning NULL from a g_return_val_if_fail()) must not leave a plugin,
 * which reads the error's message, with nothing to read. */
static UpgConnection *
resolve_connection (UpgContext  *self,
                    const char  *name,
                    GError     **error)
{
  GError *local_error = NULL;
  UpgConnection *conn = self->resolver (self, name, self->resolver_data, &local_error);

  if (conn != NULL)
    return conn;
  if (local_error == NULL)
    local_error = g_error_new (UPG_ERROR, UPG_ERROR_DATASOURCE,
                               _("data source '%s' cannot be opened: the connection resolver "
                                 "failed without an error"), name);
  g_propagate_error (error, local_error);
  return NULL;
}

/**
 * upg_context_get_connection:
 * @self: a context
 * @name: a data source's name, as in the configuration
 * @error: return location for a #GError
 *
 * Opens the named data source.
 *
 * Returns: (transfer full): a connection, or %NULL with @error set:
 *   %UPG_ERROR_NOT_FOUND for a name the configuration does not define,
 *   %UPG_ERROR_DATASOURCE when it cannot be reached
 */
UpgConnection *
upg_context_get_connection (UpgContext  *self,
                            const char  *name,
                            GError     **error)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (self->resolver == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("data source '%s' cannot be opened: no connection resolver is "
                     "installed in this context"), name);
      return NULL;
    }
  return resolve_connection (self, name, error);
}

/**
 * upg_context_get_cancellable:
 * @self: a context
 *
 * Gets the cancellable of the execution.
 *
 * Returns: (transfer none): the cancellable of the execution
 */
GCancellable *
upg_context_get_cancellable (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  return self->cancellable;
}

/**
 * upg_context_set_cancellable:
 * @self: a context
 * @cancellable: (nullable): the cancellable of the execution; %NULL for a
 *   new one
 *
 * Sets the cancellable of the execution.
 */
void
upg_context_set_cancellable (UpgContext   *self,
                             GCancellable *cancellable)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  g_clear_object (&self->cancellable);
  self->cancellable = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();
}

/**
 * upg_context_log_literal:
 * @self: a context
 * @level: the line's level (%G_LOG_LEVEL_ERROR is logged as critical: a
 *   plugin must not abort the process)
 * @message: the line
 *
 * Logs a line tagged with the execution id.
 */
void
upg_context_log_literal (UpgContext     *self,
                         GLogLevelFlags  level,
                         const char     *message)
{
  gboolean handled = FALSE;

  g_return_if_fail (UPG_IS_CONTEXT (self));
  g_return_if_fail (message != NULL);

  level &= G_LOG_LEVEL_MASK;
  if (level & G_LOG_LEVEL_ERROR)
    level = G_LOG_LEVEL_CRITICAL;
  g_signal_emit (self, signals[SIGNAL_LOG], 0, (guint) level, message, &handled);
  if (!handled)
    {
      const GLogField fields[] = {
        { "GLIB_DOMAIN", "upgrade-plugin", -1 },
        { "MESSAGE", message, -1 },
        { "UPGRADE_EXECUTION_ID", self->execution_id, -1 },
        { "UPGRADE_STEP_ID", self->step_id ? self->step_id : "", -1 },
      };
      g_log_structured_array (level, fields, G_N_ELEMENTS (fields));
    }
}

/**
 * upg_context_log:
 * @self: a context
 * @level: the line's level
 * @format: a printf() format
 * @...: its arguments
 *
 * Logs a formatted line tagged with the execution id, see
 * upg_context_log_literal().
 */
void
upg_context_log (UpgContext     *self,
                 GLogLevelFlags  level,
                 const char     *format,
                 ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  upg_context_log_literal (self, level, message);
}

/**
 * upg_context_report_progress:
 * @self: a context
 * @done: work done, in units the plugin chooses (bytes, tasks, rows)
 * @total: all the work in the same units, 0 when unknown
 * @message: (nullable): what is being done
 *
 * Reports progress; emits #UpgContext::progress.
 */
void
upg_context_report_progress (UpgContext *self,
                             guint64     done,
                             guint64     total,
                             const char *message)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, done, total, message);
}

/**
 * upg_context_get_checkpoint:
 * @self: a context
 *
 * Gets the checkpoint the plugin saved in an earlier, interrupted run of this
 * step.
 *
 * Returns: (transfer none) (nullable): the checkpoint the plugin saved in
 *   an earlier, interrupted run of this step, or %NULL for a first run
 */
const char *
upg_context_get_checkpoint (UpgContext *self)
{
  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);
  return self->checkpoint;
}

/**
 * upg_context_set_checkpoint:
 * @self: a context
 * @checkpoint: (nullable): the stored checkpoint the plugin will find
 *
 * Sets the checkpoint without storing it: the engine calls this with what
 * the journal holds before running a step.
 */
void
upg_context_set_checkpoint (UpgContext *self,
                            const char *checkpoint)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  g_free (self->checkpoint);
  self->checkpoint = g_strdup (checkpoint);
}

/**
 * upg_context_set_checkpoint_saver:
 * @self: a context
 * @saver: (nullable) (scope notified): stores a checkpoint durably
 * @user_data: (closure): data for @saver
 * @destroy: (destroy user_data): frees @user_data
 *
 * Installs the store upg_context_save_checkpoint() writes to.
 */
void
upg_context_set_checkpoint_saver (UpgContext         *self,
                                  UpgCheckpointSaver  saver,
                                  gpointer            user_data,
                                  GDestroyNotify      destroy)
{
  g_return_if_fail (UPG_IS_CONTEXT (self));
  if (self->saver_destroy != NULL)
    self->saver_destroy (self->saver_data);
  self->saver = saver;
  self->saver_data = user_data;
  self->saver_destroy = destroy;
}

/**
 * upg_context_save_checkpoint:
 * @self: a context
 * @checkpoint: a JSON text describing how far the plugin got
 * @error: return location for a #GError
 *
 * Stores the checkpoint through the installed store; once this returned
 * %TRUE, a re-run of the step finds @checkpoint in
 * upg_context_get_checkpoint().
 *
 * Returns: %TRUE once stored; %FALSE with @error set when @checkpoint is
 *   not valid JSON, when no store is installed or when the store failed
 */
gboolean
upg_context_save_checkpoint (UpgContext  *self,
                             const char  *checkpoint,
                             GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (UPG_IS_CONTEXT (self), FALSE);
  g_return_val_if_fail (checkpoint != NULL, FALSE);

  if (!json_parser_load_from_data (parser, checkpoint, -1, &local_error))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("checkpoint of step '%s' is not valid JSON: %s"),
                   self->step_id ? self->step_id : "(none)", local_error->message);
      return FALSE;
    }
  if (self->saver == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_JOURNAL,
                   _("checkpoint of step '%s' cannot be saved: no checkpoint store "
                     "is installed in this context"),
                   self->step_id ? self->step_id : "(none)");
      return FALSE;
    }
  if (!self->saver (self, checkpoint, self->saver_data, error))
    return FALSE;
  upg_context_set_checkpoint (self, checkpoint);
  return TRUE;
}
