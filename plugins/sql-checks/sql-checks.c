/* sql-checks.c - the manifests' SQL checks: data quality, middleware, backup size
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * SqlDataQuality (UpgDataQuality) runs `checks.data_quality` rules and
 * `checks.middleware` version checks of every manifest in the context;
 * SqlBackupEstimate (UpgResourceCheck) estimates the space the tables in
 * `checks.backup_tables` need. A database the configuration does not
 * define gives a skipped item; an SQL error a failing item with the
 * database's message.
 */
#include "sql-checks-private.h"

SqlConnections *
sql_connections_new (UpgContext *ctx)
{
  SqlConnections *self = g_new0 (SqlConnections, 1);

  self->ctx = g_object_ref (ctx);
  self->connections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_error_free);
  return self;
}

void
sql_connections_free (SqlConnections *self)
{
  g_object_unref (self->ctx);
  g_hash_table_unref (self->connections);
  g_hash_table_unref (self->errors);
  g_free (self);
}

/* Returns the connection, or NULL after making @result a skipped item (the
 * database is not configured) or a failing one (it cannot be reached). */
UpgConnection *
sql_connections_get (SqlConnections *self,
                     const char     *database,
                     GCancellable   *cancellable,
                     UpgCheckResult *result)
{
  UpgConnection *conn = g_hash_table_lookup (self->connections, database);
  GError *error = g_hash_table_lookup (self->errors, database);
  g_autofree char *message = NULL;

  if (conn == NULL && error == NULL)
    {
      conn = upg_context_get_connection (self->ctx, database, &error);
      if (conn != NULL)
        g_hash_table_insert (self->connections, g_strdup (database), conn);
      else
        g_hash_table_insert (self->errors, g_strdup (database), error);
    }
  if (conn != NULL)
    return conn;
  upg_check_result_set_figure_string (result, "database", database);
  if (g_error_matches (error, UPG_ERROR, UPG_ERROR_NOT_FOUND))
    {
      message = g_strdup_printf ("not run: database '%s' is not in the configuration", database);
      upg_check_result_set_verdict (result, UPG_VERDICT_SKIPPED);
    }
  else
    {
      message = g_strdup_printf ("database '%s' cannot be reached: %s", database, error->message);
      upg_check_result_set_verdict (result, UPG_VERDICT_FAIL);
    }
  upg_check_result_set_message (result, message);
  return NULL;
}

char *
sql_origin_describe (const SqlOrigin *origin)
{
  return g_strdup_printf ("checks of %s: %s[%u]", origin->version, origin->section,
                          origin->index);
}

UpgCheckResult *
sql_invalid_entry (const char      *kind,
                   const char      *id,
                   const SqlOrigin *origin,
                   const char      *problem)
{
  g_autofree char *where = sql_origin_describe (origin);
  g_autofree char *message = g_strdup_printf ("%s: %s", where, problem);

  return upg_check_result_new (kind, id, NULL, UPG_VERDICT_FAIL, message);
}

const char *
sql_entry_string (JsonObject *entry,
                  const char *member)
{
  JsonNode *node = json_object_get_member (entry, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Calls @func for every object in the @section array of every manifest's
 * checks. Entries that are not objects become failing items. */
gboolean
sql_for_each_entry (UpgContext      *ctx,
                    const char      *section,
                    SqlConnections  *connections,
                    GPtrArray       *results,
                    SqlEntryFunc     func,
                    GCancellable    *cancellable,
                    GError         **error)
{
  JsonArray *manifests = upg_context_get_checks (ctx);

  for (guint m = 0; m < json_array_get_length (manifests); m++)
    {
      JsonNode *node = json_array_get_element (manifests, m);
      JsonObject *manifest, *checks;
      JsonArray *entries;
      SqlOrigin origin = { "?", section, 0 };

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      manifest = json_node_get_object (node);
      origin.version = json_object_get_string_member_with_default (manifest, "version", "?");
      node = json_object_get_member (manifest, "checks");
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        continue;
      checks = json_node_get_object (node);
      node = json_object_get_member (checks, section);
      if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
        continue;
      entries = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (entries); i++)
        {
          JsonNode *entry = json_array_get_element (entries, i);

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          origin.index = i;
          if (JSON_NODE_HOLDS_OBJECT (entry))
            func (json_node_get_object (entry), &origin, connections, results, cancellable);
          else
            g_ptr_array_add (results, sql_invalid_entry (section, section, &origin,
                                                         "expected an object"));
        }
    }
  return TRUE;
}

#define SQL_TYPE_DATA_QUALITY (sql_data_quality_get_type ())
G_DECLARE_FINAL_TYPE (SqlDataQuality, sql_data_quality, SQL, DATA_QUALITY, GObject)
struct _SqlDataQuality { GObject parent_instance; };

static GPtrArray *
sql_data_quality_check (UpgDataQuality  *check,
                        UpgContext      *ctx,
                        GCancellable    *cancellable,
                        GError         **error)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SqlConnections) connections = sql_connections_new (ctx);

  if (!sql_for_each_entry (ctx, "data_quality", connections, results, sql_check_rule,
                           cancellable, error) ||
      !sql_for_each_entry (ctx, "middleware", connections, results, sql_check_middleware,
                           cancellable, error))
    return NULL;
  return g_steal_pointer (&results);
}

static void
sql_data_quality_iface_init (UpgDataQualityInterface *iface)
{
  iface->check = sql_data_quality_check;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (SqlDataQuality, sql_data_quality, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (UPG_TYPE_DATA_QUALITY,
                                                      sql_data_quality_iface_init))
static void sql_data_quality_class_init (SqlDataQualityClass *klass) {}
static void sql_data_quality_init (SqlDataQuality *self) {}

#define SQL_TYPE_BACKUP_ESTIMATE (sql_backup_estimate_get_type ())
G_DECLARE_FINAL_TYPE (SqlBackupEstimate, sql_backup_estimate, SQL, BACKUP_ESTIMATE, GObject)
struct _SqlBackupEstimate { GObject parent_instance; };

static GPtrArray *
sql_backup_estimate_check (UpgResourceCheck  *check,
                           UpgContext        *ctx,
                           GCancellable      *cancellable,
                           GError           **error)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SqlConnections) connections = sql_connections_new (ctx);

  if (!sql_for_each_entry (ctx, "backup_tables", connections, results, sql_estimate_backup,
                           cancellable, error))
    return NULL;
  return g_steal_pointer (&results);
}

static void
sql_backup_estimate_iface_init (UpgResourceCheckInterface *iface)
{
  iface->check = sql_backup_estimate_check;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (SqlBackupEstimate, sql_backup_estimate, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (UPG_TYPE_RESOURCE_CHECK,
                                                      sql_backup_estimate_iface_init))
static void sql_backup_estimate_class_init (SqlBackupEstimateClass *klass) {}
static void sql_backup_estimate_init (SqlBackupEstimate *self) {}

UPG_PLUGIN_DEFINE ("sql-checks", UPG_VERSION_STRING, NULL,
                   SQL_TYPE_DATA_QUALITY, SQL_TYPE_BACKUP_ESTIMATE)
