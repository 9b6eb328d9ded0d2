/* upg-context-json.c - UpgContext to and from JSON, for the plugin host
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-spi-i18n-private.h"

#include "upg-context.h"
#include "upg-error.h"

static void
add_string (JsonBuilder *builder,
            const char  *member,
            const char  *value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
}

static void
add_version (JsonBuilder      *builder,
             const char       *member,
             const UpgVersion *version)
{
  g_autofree char *text = version ? upg_version_to_string (version) : NULL;

  add_string (builder, member, text);
}

static void
add_object (JsonBuilder *builder,
            const char  *member,
            JsonObject  *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  json_builder_set_member_name (builder, member);
  json_builder_add_value (builder, node);
}

/**
 * upg_context_to_json:
 * @self: a context
 *
 * Writes the context's values (not its services: resolver, checkpoint
 * store, cancellable) so that a plugin host can rebuild it with
 * upg_context_new_from_json().
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
upg_context_to_json (UpgContext *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  JsonNode *checks;

  g_return_val_if_fail (UPG_IS_CONTEXT (self), NULL);

  json_builder_begin_object (builder);
  add_string (builder, "execution_id", upg_context_get_execution_id (self));
  add_version (builder, "from", upg_context_get_from_version (self));
  add_version (builder, "to", upg_context_get_to_version (self));
  add_string (builder, "site_id", upg_context_get_site_id (self));
  add_string (builder, "stage", upg_stage_to_string (upg_context_get_stage (self)));
  add_string (builder, "component", upg_context_get_component (self));
  add_string (builder, "step_id", upg_context_get_step_id (self));
  add_string (builder, "bundle_dir", upg_context_get_bundle_dir (self));
  add_object (builder, "env", upg_context_get_env (self));
  add_object (builder, "params", upg_context_get_params (self));
  checks = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (checks, upg_context_get_checks (self));
  json_builder_set_member_name (builder, "checks");
  json_builder_add_value (builder, checks);
  add_object (builder, "data_sources", upg_context_get_data_sources (self));
  add_string (builder, "data_sources_base_dir",
              upg_context_get_data_sources_base_dir (self));
  add_string (builder, "checkpoint", upg_context_get_checkpoint (self));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* Returns the member if it has the expected node type (or is null/absent,
 * then NULL without error). */
static JsonNode *
get_member (JsonObject  *object,
            const char  *member,
            JsonNodeType type,
            GType        value_type,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (JSON_NODE_TYPE (node) != type ||
      (type == JSON_NODE_VALUE && json_node_get_value_type (node) != value_type))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("context: member '%s' has the wrong type: expected %s"), member,
                   type == JSON_NODE_OBJECT ? _("an object") :
                   type == JSON_NODE_ARRAY ? _("an array") : _("a string"));
      return NULL;
    }
  return node;
}

static const char *
get_string (JsonObject  *object,
            const char  *member,
            GError     **error)
{
  JsonNode *node = get_member (object, member, JSON_NODE_VALUE, G_TYPE_STRING, error);

  return node ? json_node_get_string (node) : NULL;
}

static JsonObject *
get_object (JsonObject  *object,
            const char  *member,
            GError     **error)
{
  JsonNode *node = get_member (object, member, JSON_NODE_OBJECT, G_TYPE_INVALID, error);

  return node ? json_node_get_object (node) : NULL;
}

static gboolean
read_versions (UpgContext  *self,
               JsonObject  *object,
               GError     **error)
{
  const char *members[] = { "from", "to" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      GError *local_error = NULL;
      const char *text = get_string (object, members[i], &local_error);
      g_autoptr(UpgVersion) version = NULL;

      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      if (text == NULL)
        continue;
      version = upg_version_parse (text, error);
      if (version == NULL)
        return FALSE;
      if (i == 0)
        upg_context_set_from_version (self, version);
      else
        upg_context_set_to_version (self, version);
    }
  return TRUE;
}

static gboolean
read_strings (UpgContext  *self,
              JsonObject  *object,
              GError     **error)
{
  static const struct {
    const char *member;
    void      (*set) (UpgContext *, const char *);
  } setters[] = {
    { "site_id", upg_context_set_site_id },
    { "component", upg_context_set_component },
    { "step_id", upg_context_set_step_id },
    { "bundle_dir", upg_context_set_bundle_dir },
    { "checkpoint", upg_context_set_checkpoint },
  };
  GError *local_error = NULL;
  const char *stage_text;
  UpgStage stage;

  for (guint i = 0; i < G_N_ELEMENTS (setters); i++)
    {
      const char *value = get_string (object, setters[i].member, &local_error);

      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      setters[i].set (self, value);
    }
  stage_text = get_string (object, "stage", &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (stage_text != NULL)
    {
      if (!upg_stage_from_string (stage_text, &stage, error))
        return FALSE;
      upg_context_set_stage (self, stage);
    }
  return TRUE;
}

/* The JSON form crosses into the plugin host, whose current directory is
 * not the writer's: a relative base directory there would silently name
 * other files, so it is refused (upg_context_set_data_sources() resolves
 * one before it gets here). */
static const char *
get_base_dir (JsonObject  *object,
              GError     **error)
{
  GError *local_error = NULL;
  const char *base_dir = get_string (object, "data_sources_base_dir", &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (base_dir != NULL && !g_path_is_absolute (base_dir))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("context: member '%s' is '%s': expected an absolute directory"),
                   "data_sources_base_dir", base_dir);
      return NULL;
    }
  return base_dir;
}

static gboolean
read_objects (UpgContext  *self,
              JsonObject  *object,
              GError     **error)
{
  GError *local_error = NULL;
  JsonObject *env, *params = NULL, *sources = NULL;
  JsonNode *checks = NULL;
  const char *base_dir = NULL;

  env = get_object (object, "env", &local_error);
  if (local_error == NULL)
    params = get_object (object, "params", &local_error);
  if (local_error == NULL)
    sources = get_object (object, "data_sources", &local_error);
  if (local_error == NULL)
    base_dir = get_base_dir (object, &local_error);
  if (local_error == NULL)
    checks = get_member (object, "checks", JSON_NODE_ARRAY, G_TYPE_INVALID, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  upg_context_set_env (self, env);
  upg_context_set_params (self, params);
  upg_context_set_data_sources (self, sources, base_dir);
  upg_context_set_checks (self, checks ? json_node_get_array (checks) : NULL);
  return TRUE;
}

/**
 * upg_context_new_from_json:
 * @node: a JSON object as upg_context_to_json() writes it
 * @error: return location for a #GError
 *
 * Rebuilds a context from its JSON form. The services (connection
 * resolver, checkpoint store) are not part of it: the caller installs
 * them.
 *
 * Returns: (transfer full): the context, or %NULL with @error
 *   set (%UPG_ERROR_INVALID_ARGUMENT naming the member, or a version or
 *   stage error)
 */
UpgContext *
upg_context_new_from_json (JsonNode  *node,
                           GError   **error)
{
  JsonObject *object;
  const char *execution_id;
  GError *local_error = NULL;
  g_autoptr(UpgContext) self = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("context: expected a JSON object"));
      return NULL;
    }
  object = json_node_get_object (node);
  execution_id = get_string (object, "execution_id", &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (execution_id == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("context: member '%s' is missing: expected a string"), "execution_id");
      return NULL;
    }
  self = upg_context_new (execution_id);
  if (!read_versions (self, object, error) ||
      !read_strings (self, object, error) ||
      !read_objects (self, object, error))
    return NULL;
  return g_steal_pointer (&self);
}
