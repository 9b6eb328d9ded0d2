/* upg-batched-migration.c - the parameters of a batched_migration step
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `"batched_migration": {"database", "table", "key", "sql", "batch_size",
 * "target_batch_seconds", "max_rows_per_second", "throttle": {"database",
 * "sql", "max", "pause_seconds"}}` (SPEC §4). The table and key are
 * written into SQL the engine builds (min/max of the key), so they must
 * be plain identifiers; the step's SQL is bound per batch by replacing
 * `:start` and `:end` outside string literals and comments with the
 * batch's integer bounds.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "upg-batched-migration-private.h"

#define MAX_BATCH_SIZE G_GUINT64_CONSTANT (1000000000)
#define MAX_TARGET_SECONDS 3600.0

void
upg_batched_migration_spec_free (UpgBatchedMigrationSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->database);
  g_free (spec->table);
  g_free (spec->key);
  g_free (spec->sql);
  g_free (spec->throttle_database);
  g_free (spec->throttle_sql);
  g_free (spec);
}

static gboolean
is_identifier (const char *text,
               gboolean    qualified)
{
  gboolean start = TRUE;
  guint dots = 0;

  if (text == NULL || *text == '\0' || strlen (text) > 128)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '.' && qualified && !start && dots == 0)
        {
          dots++;
          start = TRUE;
          continue;
        }
      if (!(g_ascii_isalpha (*p) || *p == '_' || (!start && g_ascii_isdigit (*p))))
        return FALSE;
      start = FALSE;
    }
  return !start;
}

/* Calls @func for each `:start` / `:end` outside literals and comments
 * (name without the colon, offset of the colon, length); returns the
 * text with each replaced by what @func returns (NULL: kept). */
typedef char *(*ParamFunc) (const char *name, gpointer data);

static char *
scan_params (const char *sql,
             ParamFunc   func,
             gpointer    data)
{
  g_autoptr(GString) out = g_string_sized_new (strlen (sql) + 32);
  const char *p = sql;

  while (*p != '\0')
    {
      if (*p == '\'' || *p == '"' || *p == '`')
        {
          char quote = *p;
          const char *q = p + 1;

          while (*q != '\0' && !(*q == quote && q[1] != quote))
            q += (*q == quote || *q == '\\') && q[1] != '\0' ? 2 : 1;
          q += *q != '\0';
          g_string_append_len (out, p, q - p);
          p = q;
        }
      else if (p[0] == '-' && p[1] == '-')
        {
          size_t n = strcspn (p, "\n");

          g_string_append_len (out, p, n);
          p += n;
        }
      else if (p[0] == '/' && p[1] == '*')
        {
          const char *end = strstr (p + 2, "*/");
          size_t n = end != NULL ? (size_t) (end + 2 - p) : strlen (p);

          g_string_append_len (out, p, n);
          p += n;
        }
      else if (p[0] == ':' && p[1] == ':')
        {
          g_string_append (out, "::");  /* a PostgreSQL cast, never a parameter */
          p += 2;
          while (g_ascii_isalnum (*p) || *p == '_')
            g_string_append_c (out, *p++);
        }
      else if (*p == ':' && (g_ascii_isalpha (p[1]) || p[1] == '_'))
        {
          const char *q = p + 1;
          g_autofree char *name = NULL;
          g_autofree char *value = NULL;

          while (g_ascii_isalnum (*q) || *q == '_')
            q++;
          name = g_strndup (p + 1, q - p - 1);
          value = func (name, data);
          if (value != NULL)
            g_string_append (out, value);
          else
            g_string_append_len (out, p, q - p);
          p = q;
        }
      else
        g_string_append_c (out, *p++);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct {
  gint64 start;
  gint64 end;
  guint  n_start;
  guint  n_end;
} Bounds;

static char *
bind_param (const char *name,
            gpointer    data)
{
  Bounds *bounds = data;

  if (g_str_equal (name, "start"))
    {
      bounds->n_start++;
      return g_strdup_printf ("%" G_GINT64_FORMAT, bounds->start);
    }
  if (g_str_equal (name, "end"))
    {
      bounds->n_end++;
      return g_strdup_printf ("%" G_GINT64_FORMAT, bounds->end);
    }
  return NULL;
}

/**
 * upg_batched_migration_bind: (skip)
 * @sql: the step's SQL
 * @start: the batch's first key
 * @end: the batch's last key
 *
 * Returns: (transfer full): @sql with `:start` and `:end` replaced by the
 *   integers (outside string literals and comments)
 */
char *
upg_batched_migration_bind (const char *sql,
                            gint64      start,
                            gint64      end)
{
  Bounds bounds = { start, end, 0, 0 };

  return scan_params (sql, bind_param, &bounds);
}

static gboolean
get_number (const UpgJsonCtx *ctx,
            JsonObject       *object,
            const char       *path,
            const char       *member,
            double            min,
            double            max,
            double           *out,
            GError          **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *where = NULL;
  GType type;
  double value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  where = upg_json_member_path (path, member);
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return upg_json_fail (ctx, where, error, _("expected a number, got %s"), upg_json_type_name (node));
  value = type == G_TYPE_INT64 ? (double) json_node_get_int (node) : json_node_get_double (node);
  if (!(value > min) || value > max)
    return upg_json_fail (ctx, where, error, _("expected a number above %g and at most %g, got %g"),
                          min, max, value);
  *out = value;
  return TRUE;
}

static gboolean
read_throttle (UpgBatchedMigrationSpec *spec,
               const UpgJsonCtx        *ctx,
               JsonObject              *object,
               const char              *path,
               GError                 **error)
{
  JsonObject *throttle = NULL;
  g_autofree char *where = upg_json_member_path (path, "throttle");
  const char *database = spec->database, *sql = NULL;

  if (!upg_json_get_object (ctx, object, path, "throttle", &throttle, error))
    return FALSE;
  if (throttle == NULL)
    return TRUE;
  if (!upg_json_get_string (ctx, throttle, where, "database", FALSE, &database, error)
      || !upg_json_get_string (ctx, throttle, where, "sql", TRUE, &sql, error)
      || !get_number (ctx, throttle, where, "pause_seconds", 0, 3600, &spec->pause_seconds, error))
    return FALSE;
  if (!json_object_has_member (throttle, "max"))
    {
      g_autofree char *max_path = upg_json_member_path (where, "max");
      return upg_json_fail (ctx, max_path, error, _("expected a number (the throttle's limit)"));
    }
  if (!get_number (ctx, throttle, where, "max", -G_MAXDOUBLE, G_MAXDOUBLE, &spec->throttle_max, error))
    return FALSE;
  spec->throttle_database = g_strdup (database);
  spec->throttle_sql = g_strdup (sql);
  return TRUE;
}

/**
 * upg_batched_migration_spec_parse: (skip)
 * @ctx: the manifest file
 * @object: the `batched_migration` object
 * @path: its JSON path
 * @step_database: (nullable): the step's `database`
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the parameters, or %NULL with an
 *   error naming the file, the JSON path and what was expected
 */
UpgBatchedMigrationSpec *
upg_batched_migration_spec_parse (const UpgJsonCtx *ctx,
                                  JsonObject       *object,
                                  const char       *path,
                                  const char       *step_database,
                                  GError          **error)
{
  g_autoptr(UpgBatchedMigrationSpec) spec = g_new0 (UpgBatchedMigrationSpec, 1);
  const char *database = step_database, *table = NULL, *key = NULL, *sql = NULL;
  guint64 batch_size = UPG_BATCHED_MIGRATION_DEFAULT_BATCH_SIZE, rate = 0;
  Bounds found = { 0, 0, 0, 0 };
  g_autofree char *bound = NULL;

  spec->target_batch_seconds = UPG_BATCHED_MIGRATION_DEFAULT_TARGET_SECONDS;
  spec->pause_seconds = UPG_BATCHED_MIGRATION_DEFAULT_PAUSE_SECONDS;
  if (!upg_json_get_string (ctx, object, path, "database", FALSE, &database, error)
      || !upg_json_get_string (ctx, object, path, "table", TRUE, &table, error)
      || !upg_json_get_string (ctx, object, path, "key", TRUE, &key, error)
      || !upg_json_get_string (ctx, object, path, "sql", TRUE, &sql, error)
      || !upg_json_get_uint (ctx, object, path, "batch_size", MAX_BATCH_SIZE, &batch_size, error)
      || !upg_json_get_uint (ctx, object, path, "max_rows_per_second", G_MAXUINT32, &rate, error)
      || !get_number (ctx, object, path, "target_batch_seconds", 0, MAX_TARGET_SECONDS,
                      &spec->target_batch_seconds, error))
    return NULL;
  if (database == NULL)
    {
      g_autofree char *where = upg_json_member_path (path, "database");
      upg_json_fail (ctx, where, error, _("expected the data source to migrate (here or in the step)"));
      return NULL;
    }
  if (!is_identifier (table, TRUE) || !is_identifier (key, FALSE))
    {
      gboolean bad_table = !is_identifier (table, TRUE);
      g_autofree char *where = upg_json_member_path (path, bad_table ? "table" : "key");
      upg_json_fail (ctx, where, error, _("expected an identifier (letters, digits, _), got \"%s\""),
                     bad_table ? table : key);
      return NULL;
    }
  if (batch_size == 0)
    {
      g_autofree char *where = upg_json_member_path (path, "batch_size");
      upg_json_fail (ctx, where, error, _("expected an integer from 1 to 1000000000, got 0"));
      return NULL;
    }
  bound = scan_params (sql, bind_param, &found);
  if (found.n_start == 0 || found.n_end == 0)
    {
      g_autofree char *where = upg_json_member_path (path, "sql");
      upg_json_fail (ctx, where, error, _("expected SQL with both :start and :end (the batch's key range)"));
      return NULL;
    }
  spec->database = g_strdup (database);
  spec->table = g_strdup (table);
  spec->key = g_strdup (key);
  spec->sql = g_strdup (sql);
  spec->batch_size = batch_size;
  spec->max_rows_per_second = rate;
  if (!read_throttle (spec, ctx, object, path, error))
    return NULL;
  return g_steal_pointer (&spec);
}
