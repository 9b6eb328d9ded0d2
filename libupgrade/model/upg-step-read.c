/* upg-step-read.c - a step read from its object in a manifest
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The members every step has (id, texts, numbers, site selection,
 * transaction mode) and the one member that decides its kind, each
 * checked with the file and JSON path in the error. Separate from
 * upg-step.c, which holds the object and its accessors: this is the
 * manifest format's side of a step, the other what the rest of the
 * library reads back. The kinds' own members are read by
 * upg-step-kinds.c and upg-step-redis.c.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-backup-spec-private.h"
#include "upg-step-fields-private.h"
#include "upg-step-kinds-private.h"
#include "upg-units-private.h"

/* Exactly one kind member (sql_scripts, class_name, command or a
 * built-in kind of upg-step-kinds.c) decides the kind. */
static gboolean
read_action (UpgStep          *self,
             const UpgJsonCtx *ctx,
             JsonObject       *object,
             const char       *path,
             GError          **error)
{
  g_autoptr(GError) backup_error = NULL;
  const char *class_name = NULL;
  JsonObject *migration = NULL;
  guint n = 0;

  if (!upg_json_get_strv (ctx, object, path, "sql_scripts", TRUE, &self->sql_scripts, error)
      || !upg_json_get_string (ctx, object, path, "class_name", FALSE, &class_name, error)
      || !upg_json_get_strv (ctx, object, path, "command", TRUE, &self->command, error)
      || !upg_json_get_object (ctx, object, path, "batched_migration", &migration, error)
      || !upg_step_read_redis (ctx, object, path, &self->redis_commands, &self->redis_pattern, error))
    return FALSE;
  self->backup = upg_backup_spec_read (ctx, object, path, &backup_error);
  if (backup_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&backup_error));
      return FALSE;
    }
  n = (self->sql_scripts != NULL) + (class_name != NULL) + (self->command != NULL) + (migration != NULL)
      + (self->backup != NULL) + (self->redis_commands != NULL) + (self->redis_pattern != NULL);
  if (!upg_step_kinds_read (ctx, object, path, &n, &self->kind, error))
    return FALSE;
  if (n != 1)
    return upg_json_fail (ctx, path, error, _("expected exactly one of %s, found %u"),
                          "\"sql_scripts\", \"class_name\", \"command\", \"batched_migration\", \"backup\", "
                          "\"verify\", \"http_check\", \"config\", \"redis\", \"redis_delete_pattern\"", n);
  if (migration != NULL)
    {
      g_autofree char *where = upg_json_member_path (path, "batched_migration");

      self->batched_migration = upg_batched_migration_spec_parse (ctx, migration, where, self->database, error);
      if (self->batched_migration == NULL)
        return FALSE;
      self->kind = UPG_STEP_KIND_BATCHED_MIGRATION;
      return TRUE;
    }
  if (class_name != NULL && class_name[0] == '\0')
    {
      g_autofree char *where = upg_json_member_path (path, "class_name");
      return upg_json_fail (ctx, where, error, _("expected a type name, got \"\""));
    }
  self->class_name = g_strdup (class_name);
  if (self->sql_scripts != NULL || class_name != NULL || self->command != NULL || self->backup != NULL
      || self->redis_commands != NULL || self->redis_pattern != NULL)
    self->kind = self->sql_scripts != NULL ? UPG_STEP_KIND_SQL
               : class_name != NULL ? UPG_STEP_KIND_TOOL
               : self->backup != NULL ? UPG_STEP_KIND_BACKUP
               : self->redis_commands != NULL ? UPG_STEP_KIND_REDIS
               : self->redis_pattern != NULL ? UPG_STEP_KIND_REDIS_DELETE_PATTERN
               : UPG_STEP_KIND_COMMAND;
  if ((self->kind == UPG_STEP_KIND_REDIS || self->kind == UPG_STEP_KIND_REDIS_DELETE_PATTERN)
      && !json_object_has_member (object, "database"))
    return upg_json_fail (ctx, path, error, _("a \"%s\" step needs \"database\", a Redis data source"),
                          upg_step_kind_to_string (self->kind));
  return TRUE;
}

static gboolean
read_texts (UpgStep          *self,
            const UpgJsonCtx *ctx,
            JsonObject       *object,
            const char       *path,
            const char       *default_component,
            GError          **error)
{
  const char *id = NULL, *name = NULL, *description = NULL;
  const char *component = default_component, *database = NULL;

  if (!upg_json_get_string (ctx, object, path, "id", TRUE, &id, error)
      || !upg_json_get_string (ctx, object, path, "name", FALSE, &name, error)
      || !upg_json_get_string (ctx, object, path, "description", FALSE, &description, error)
      || !upg_json_get_string (ctx, object, path, "component", FALSE, &component, error)
      || !upg_json_get_string (ctx, object, path, "database", FALSE, &database, error))
    return FALSE;
  if (id[0] == '\0')
    {
      g_autofree char *where = upg_json_member_path (path, "id");
      return upg_json_fail (ctx, where, error, _("expected a non-empty step id"));
    }
  self->id = g_strdup (id);
  self->name = g_strdup (name != NULL ? name : id);
  self->description = g_strdup (description);
  self->component = g_strdup (component);
  self->database = g_strdup (database);
  return TRUE;
}

/* Adapters with one signature, so read_unit() calls them without a cast. */
static gboolean
parse_size (const char *text,
            gpointer    out)
{
  return upg_units_parse_size (text, out);
}

static gboolean
parse_rate (const char *text,
            gpointer    out)
{
  return upg_units_parse_rate (text, out);
}

static gboolean
read_unit (const UpgJsonCtx *ctx,
           JsonObject       *object,
           const char       *path,
           const char       *member,
           const char       *expected,
           gboolean        (*parse) (const char *, gpointer),
           gpointer          out,
           GError          **error)
{
  const char *text = NULL;

  if (!upg_json_get_string (ctx, object, path, member, FALSE, &text, error))
    return FALSE;
  if (text != NULL && !parse (text, out))
    {
      g_autofree char *where = upg_json_member_path (path, member);
      return upg_json_fail (ctx, where, error, _("expected %s, got \"%s\""), expected, text);
    }
  return TRUE;
}

/* `double_write`: the step keeps old and new data side by side, which the
 * assessment's double-write space check counts; the size is its
 * `data_volume`, or, with `double_write_tables`, what those tables of its
 * `database` measure (ClickHouse: system.parts, on the server), so one
 * without the other is a mistake in the manifest. */
static gboolean
read_double_write (UpgStep          *self,
                   const UpgJsonCtx *ctx,
                   JsonObject       *object,
                   const char       *path,
                   GError          **error)
{
  if (!upg_json_get_bool (ctx, object, path, "double_write", &self->double_write, error)
      || !upg_json_get_strv (ctx, object, path, "double_write_tables", TRUE, &self->double_write_tables, error))
    return FALSE;
  if (self->double_write_tables != NULL && (!self->double_write || !json_object_has_member (object, "database")))
    {
      g_autofree char *where = upg_json_member_path (path, "double_write_tables");
      return upg_json_fail (ctx, where, error,
                            _("tables measured for the double-write space need \"double_write\": true and "
                              "the step's \"database\""));
    }
  if (self->double_write && self->data_volume == 0 && self->double_write_tables == NULL)
    {
      g_autofree char *where = upg_json_member_path (path, "double_write");
      return upg_json_fail (ctx, where, error,
                            _("a double-writing step needs \"data_volume\" (the size it writes twice) "
                              "or \"double_write_tables\" (tables whose size is measured)"));
    }
  return TRUE;
}

static gboolean
read_numbers (UpgStep          *self,
              const UpgJsonCtx *ctx,
              JsonObject       *object,
              const char       *path,
              GError          **error)
{
  guint64 timeout = 0, retry = 0, duration = 0, parallelism = 1;

  if (!upg_json_get_uint (ctx, object, path, "timeout", G_MAXUINT, &timeout, error)
      || !upg_json_get_uint (ctx, object, path, "retry_count", 100, &retry, error)
      || !upg_json_get_uint (ctx, object, path, "estimated_duration", G_MAXUINT, &duration, error)
      || !upg_json_get_uint (ctx, object, path, "parallelism", 1024, &parallelism, error))
    return FALSE;
  if (parallelism == 0)
    {
      g_autofree char *where = upg_json_member_path (path, "parallelism");
      return upg_json_fail (ctx, where, error, _("expected an integer from 1 to 1024, got 0"));
    }
  self->timeout = timeout;
  self->retry_count = retry;
  self->estimated_duration = duration;
  self->parallelism = parallelism;
  return read_unit (ctx, object, path, "data_volume", _("a size such as \"100GB\""),
                    parse_size, &self->data_volume, error)
      && read_unit (ctx, object, path, "rate", _("a rate such as \"50MB/s\""),
                    parse_rate, &self->rate, error)
      && read_double_write (self, ctx, object, path, error);
}

static gboolean
read_selection (UpgStep          *self,
                const UpgJsonCtx *ctx,
                JsonObject       *object,
                const char       *path,
                GError          **error)
{
  JsonObject *params = NULL;

  if (!upg_json_get_strv (ctx, object, path, "site_ids", FALSE, &self->site_ids, error)
      || !upg_json_get_strv (ctx, object, path, "depends_on", FALSE, &self->depends_on, error)
      || !upg_json_get_object (ctx, object, path, "params", &params, error)
      || !upg_json_get_version (ctx, object, path, "compatible_version", FALSE,
                                &self->compatible_version, error))
    return FALSE;
  /* site_ids given: the step is site-specific unless it says otherwise. */
  self->is_common = self->site_ids == NULL;
  if (!upg_json_get_bool (ctx, object, path, "is_common", &self->is_common, error))
    return FALSE;
  self->params = params != NULL ? json_object_ref (params) : json_object_new ();
  return TRUE;
}

/* "transaction": "statement" (the default: each statement, or each of
 * the script's own BEGIN … COMMIT blocks, is a unit) or "script" (each
 * file is one unit). Whether the step's database allows "script" is
 * known only with the configuration: upg_sql_runner_prepare() checks. */
static gboolean
read_transaction (UpgStep          *self,
                  const UpgJsonCtx *ctx,
                  JsonObject       *object,
                  const char       *path,
                  GError          **error)
{
  const char *mode = NULL;

  if (!upg_json_get_string (ctx, object, path, "transaction", FALSE, &mode, error))
    return FALSE;
  if (mode != NULL && !g_str_equal (mode, "statement") && !g_str_equal (mode, "script"))
    {
      g_autofree char *where = upg_json_member_path (path, "transaction");
      return upg_json_fail (ctx, where, error, _("expected \"statement\" or \"script\", got \"%s\""), mode);
    }
  if (mode != NULL && g_str_equal (mode, "script") && self->kind != UPG_STEP_KIND_SQL)
    {
      g_autofree char *where = upg_json_member_path (path, "transaction");
      return upg_json_fail (ctx, where, error, _("\"script\" applies to a step with \"sql_scripts\" only"));
    }
  self->script_transaction = mode != NULL && g_str_equal (mode, "script");
  return TRUE;
}

/**
 * upg_step_new_from_json: (skip)
 * @ctx: the manifest file
 * @object: the step object
 * @path: its JSON path, e.g. `$.upgrade_steps.in_stop[1]`
 * @version: the manifest's version
 * @default_component: (nullable): the manifest's component
 * @stage: the stage it is listed under
 * @rollback: whether it is listed under `rollback_steps`
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the step
 */
UpgStep *
upg_step_new_from_json (const UpgJsonCtx *ctx,
                        JsonObject       *object,
                        const char       *path,
                        const UpgVersion *version,
                        const char       *default_component,
                        UpgStage          stage,
                        gboolean          rollback,
                        GError          **error)
{
  g_autoptr(UpgStep) self = g_object_new (UPG_TYPE_STEP, NULL);

  if (!read_texts (self, ctx, object, path, default_component, error)
      || !read_action (self, ctx, object, path, error)
      || !read_numbers (self, ctx, object, path, error)
      || !read_selection (self, ctx, object, path, error)
      || !read_transaction (self, ctx, object, path, error))
    return NULL;
  self->json_path = g_strdup (path);
  self->version = upg_version_copy (version);
  self->stage = stage;
  self->rollback = rollback;
  self->source_file = g_strdup (ctx->file);
  self->json = json_object_ref (object);
  return g_steal_pointer (&self);
}
