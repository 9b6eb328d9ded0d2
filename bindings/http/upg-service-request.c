/* upg-service-request.c - request fields, with the CI/CD agent's names
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The CI/CD agent of the design documents sends `upgradeBeforeVersion`,
 * `tagVersion`, `stepType`, `envInfo`…; the service accepts those as
 * aliases of its own names (SPEC §10). Every error names the field the
 * caller sent, so a 400 says what to fix.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "upg-json-private.h"
#include "upg-service-private.h"

typedef enum {
  FIELD_FROM,
  FIELD_TO,
  FIELD_STAGE,
  FIELD_SITE,
  FIELD_COMPONENT,
  FIELD_ENV,
  FIELD_ACTION,
  FIELD_CONFIRM,
  FIELD_STEPS,
  FIELD_SKIP_CHECKS,
} Field;

typedef struct {
  const char *name;
  Field       field;
} FieldName;

/* Query parameters of GET /plan use the short names first. */
static const FieldName field_names[] = {
  { "fromVersion", FIELD_FROM },
  { "from", FIELD_FROM },
  { "upgradeBeforeVersion", FIELD_FROM },
  { "currentVersion", FIELD_FROM },
  { "toVersion", FIELD_TO },
  { "to", FIELD_TO },
  { "upgradeAfterVersion", FIELD_TO },
  { "tagVersion", FIELD_TO },
  { "stage", FIELD_STAGE },
  { "stepType", FIELD_STAGE },
  { "site", FIELD_SITE },
  { "siteId", FIELD_SITE },
  { "component", FIELD_COMPONENT },
  { "env", FIELD_ENV },
  { "environment", FIELD_ENV },
  { "envInfo", FIELD_ENV },
  { "action", FIELD_ACTION },
  { "confirm", FIELD_CONFIRM },
  { "steps", FIELD_STEPS },
  { "stepIds", FIELD_STEPS },
  { "skip_checks", FIELD_SKIP_CHECKS },
  { "skipChecks", FIELD_SKIP_CHECKS },
};

void
upg_service_request_clear (UpgServiceRequest *request)
{
  g_clear_pointer (&request->from, upg_version_free);
  g_clear_pointer (&request->to, upg_version_free);
  g_clear_pointer (&request->site, g_free);
  g_clear_pointer (&request->component, g_free);
  g_clear_pointer (&request->env, json_object_unref);
  g_clear_pointer (&request->action, g_free);
  g_clear_pointer (&request->steps, g_strfreev);
}

static gboolean
invalid (GError    **error,
         UpgError    code,
         const char *name,
         const char *message)
{
  g_set_error (error, UPG_ERROR, code, "%s: %s", name, message);
  return FALSE;
}

static gboolean
set_version (UpgVersion **slot,
             const char  *name,
             const char  *text,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  g_clear_pointer (slot, upg_version_free);
  *slot = upg_version_parse (text, &local_error);
  if (*slot == NULL)
    return invalid (error, UPG_ERROR_INVALID_VERSION, name, local_error->message);
  return TRUE;
}

static gboolean
set_env_text (UpgServiceRequest *request,
              const char        *name,
              const char        *text,
              GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = upg_json_load (text, -1, name, UPG_ERROR_INVALID_ARGUMENT, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return invalid (error, UPG_ERROR_INVALID_ARGUMENT, name, _("expected a JSON object"));
  g_clear_pointer (&request->env, json_object_unref);
  request->env = json_object_ref (json_node_get_object (root));
  return TRUE;
}

/* `steps`: the ids of the steps to confirm, a JSON array of strings. */
static gboolean
set_steps (UpgServiceRequest *request,
           const char        *name,
           JsonNode          *node,
           GError           **error)
{
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, UPG_ERROR_INVALID_ARGUMENT, name, _("expected an array of step ids"));
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        return invalid (error, UPG_ERROR_INVALID_ARGUMENT, name, _("expected an array of step ids"));
      g_strv_builder_add (ids, json_node_get_string (element));
    }
  g_clear_pointer (&request->steps, g_strfreev);
  request->steps = g_strv_builder_end (ids);
  return TRUE;
}

/* One field given as text (a query parameter, or a JSON string). */
static gboolean
set_field_text (UpgServiceRequest *request,
                Field              field,
                const char        *name,
                const char        *text,
                GError           **error)
{
  switch (field)
    {
    case FIELD_FROM:
      return set_version (&request->from, name, text, error);
    case FIELD_TO:
      return set_version (&request->to, name, text, error);
    case FIELD_STAGE:
      {
        g_autoptr(GError) local_error = NULL;

        if (!upg_stage_from_string (text, &request->stage, &local_error))
          return invalid (error, UPG_ERROR_INVALID_STAGE, name, local_error->message);
        request->has_stage = TRUE;
        return TRUE;
      }
    case FIELD_SITE:
      g_free (request->site);
      request->site = g_strdup (text);
      return TRUE;
    case FIELD_COMPONENT:
      g_free (request->component);
      request->component = g_strdup (text);
      return TRUE;
    case FIELD_ENV:
      return set_env_text (request, name, text, error);
    case FIELD_ACTION:
      if (g_strv_contains ((const char *[]) { "retry", "skip", "continue", NULL }, text))
        {
          g_free (request->action);
          request->action = g_strdup (text);
          return TRUE;
        }
      return invalid (error, UPG_ERROR_INVALID_ARGUMENT, name,
                      _("expected \"retry\", \"skip\" or \"continue\""));
    case FIELD_CONFIRM:
    case FIELD_SKIP_CHECKS:
      if (g_strcmp0 (text, "true") != 0 && g_strcmp0 (text, "false") != 0)
        return invalid (error, UPG_ERROR_INVALID_ARGUMENT, name, _("expected true or false"));
      *(field == FIELD_CONFIRM ? &request->confirm : &request->skip_checks) = g_str_equal (text, "true");
      return TRUE;
    case FIELD_STEPS:
      g_clear_pointer (&request->steps, g_strfreev);
      request->steps = g_strsplit (text, ",", -1);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
set_field_node (UpgServiceRequest *request,
                Field              field,
                const char        *name,
                JsonNode          *node,
                GError           **error)
{
  g_autofree char *number = NULL;

  if (field == FIELD_ENV && JSON_NODE_HOLDS_OBJECT (node))
    {
      g_clear_pointer (&request->env, json_object_unref);
      request->env = json_object_ref (json_node_get_object (node));
      return TRUE;
    }
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (field == FIELD_CONFIRM || field == FIELD_SKIP_CHECKS)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return invalid (error, UPG_ERROR_INVALID_ARGUMENT, name, _("expected true or false"));
      *(field == FIELD_CONFIRM ? &request->confirm : &request->skip_checks) = json_node_get_boolean (node);
      return TRUE;
    }
  if (field == FIELD_STEPS)
    return set_steps (request, name, node, error);
  /* A version in code form may come as a number: 317500. */
  if ((field == FIELD_FROM || field == FIELD_TO) && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_INT64)
    {
      number = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      return set_field_text (request, field, name, number, error);
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid (error, UPG_ERROR_INVALID_ARGUMENT, name,
                    field == FIELD_ENV ? _("expected a JSON object") : _("expected a string"));
  return set_field_text (request, field, name, json_node_get_string (node), error);
}

static const FieldName *
lookup_field (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (field_names); i++)
    if (strcmp (field_names[i].name, name) == 0)
      return &field_names[i];
  return NULL;
}

/* Where @data (valid JSON) has a string holding an escaped NUL: json-glib
 * keeps the NUL in the string, and every reader of it stops there, so
 * that `"site": "site-a\u0000x"` would run on site-a. Returns the name
 * of the member it is in ("body" if none can be named), %NULL if none. */
static char *
escaped_nul_member (const char *data,
                    gsize       size)
{
  g_autofree char *member = NULL;

  for (gsize i = 0; i < size; i++)
    {
      gsize start = i + 1;
      gboolean nul = FALSE;
      gsize next;

      if (data[i] != '"')
        continue;
      for (i = start; i < size && data[i] != '"'; i++)
        if (data[i] == '\\')
          {
            /* An escape: the character after the backslash ends nothing. */
            nul = nul || (size - i > 5 && strncmp (data + i + 1, "u0000", 5) == 0);
            i++;
          }
      for (next = i + 1; next < size && g_ascii_isspace (data[next]); next++)
        ;
      if (next < size && data[next] == ':')
        {
          g_free (member);
          member = nul ? NULL : g_strndup (data + start, i - start);
        }
      if (nul)
        return g_strdup (member != NULL ? member : "body");
    }
  return NULL;
}

/**
 * upg_service_request_parse_body:
 * @msg: a request
 * @object: (out) (transfer full): its JSON object, %NULL for an empty body
 * @error: return location for an error
 *
 * Returns: %FALSE if the body is not a JSON object
 */
static gboolean
upg_service_request_parse_body (SoupServerMessage *msg,
                                JsonObject       **object,
                                GError           **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr(GError) local_error = NULL;
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *member = NULL;

  *object = NULL;
  if (size == 0)
    return TRUE;
  if (!g_utf8_validate_len (data, size, NULL))
    return invalid (error, UPG_ERROR_INVALID_ARGUMENT, "body", _("not UTF-8"));
  root = upg_json_load (data, size, "body", UPG_ERROR_INVALID_ARGUMENT, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return invalid (error, UPG_ERROR_INVALID_ARGUMENT, "body", _("expected a JSON object"));
  if ((member = escaped_nul_member (data, size)) != NULL)
    return invalid (error, UPG_ERROR_INVALID_ARGUMENT, member, _("a string holds a NUL character (\\u0000)"));
  *object = json_object_ref (json_node_get_object (root));
  return TRUE;
}

/**
 * upg_service_request_read_object:
 * @request: the fields to fill
 * @object: (nullable): the request's JSON object
 * @error: return location for an error naming the field
 *
 * Unknown members are ignored (the agent sends more than the service needs).
 *
 * Returns: %FALSE if a known member has a wrong type or value
 */
static gboolean
upg_service_request_read_object (UpgServiceRequest *request,
                                 JsonObject        *object,
                                 GError           **error)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (object == NULL)
    return TRUE;
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    {
      const FieldName *field = lookup_field (name);

      if (field != NULL && !set_field_node (request, field->field, name, node, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * upg_service_request_read_query:
 * @request: the fields to fill
 * @msg: a request
 * @error: return location for an error naming the parameter
 *
 * Returns: %FALSE if a known parameter has a wrong value
 */
static gboolean
upg_service_request_read_query (UpgServiceRequest *request,
                                SoupServerMessage *msg,
                                GError           **error)
{
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autoptr(GHashTable) params = NULL;
  GHashTableIter iter;
  gpointer key, value;

  if (query == NULL)
    return TRUE;
  params = soup_form_decode (query);
  g_hash_table_iter_init (&iter, params);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const FieldName *field = lookup_field (key);

      if (field != NULL && !set_field_text (request, field->field, key, value, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * upg_service_request_require:
 * @self: the service
 * @request: the fields read
 * @need_stage: whether `stage` is required
 * @error: return location for an error naming the missing field
 *
 * Checks the required fields and fills the site from the configuration.
 *
 * Returns: %FALSE if one is missing
 */
gboolean
upg_service_request_require (UpgService        *self,
                             UpgServiceRequest *request,
                             gboolean           need_stage,
                             GError           **error)
{
  if (request->from == NULL)
    return invalid (error, UPG_ERROR_INVALID_ARGUMENT, "fromVersion", _("missing (the version the site is at)"));
  if (request->to == NULL)
    return invalid (error, UPG_ERROR_INVALID_ARGUMENT, "toVersion", _("missing (the version to upgrade to)"));
  if (need_stage && !request->has_stage)
    return invalid (error, UPG_ERROR_INVALID_ARGUMENT, "stage", _("missing (the stage to run)"));
  if (request->site == NULL || *request->site == '\0')
    {
      const char *site = upg_config_get_site_id (self->config);

      if (site == NULL || *site == '\0')
        return invalid (error, UPG_ERROR_INVALID_ARGUMENT, "site",
                        _("missing, and the configuration has no site_id"));
      g_free (request->site);
      request->site = g_strdup (site);
    }
  return TRUE;
}

/**
 * upg_service_request_read:
 * @msg: a request
 * @request: the fields to fill
 * @error: return location for an error naming the field
 *
 * Reads the query of a GET (or of a HEAD, answered as a GET), the JSON
 * body of anything else.
 *
 * Returns: %FALSE if a known field is wrong or the body is not JSON
 */
gboolean
upg_service_request_read (SoupServerMessage *msg,
                          UpgServiceRequest *request,
                          GError           **error)
{
  g_autoptr(JsonObject) body = NULL;

  if (g_strcmp0 (soup_server_message_get_method (msg), "GET") == 0
      || g_strcmp0 (soup_server_message_get_method (msg), "HEAD") == 0)
    return upg_service_request_read_query (request, msg, error);
  return upg_service_request_parse_body (msg, &body, error)
         && upg_service_request_read_object (request, body, error);
}

/**
 * upg_service_request_plan:
 * @self: the service
 * @msg: a request naming versions (and a stage if @need_stage)
 * @request: the fields to fill
 * @need_stage: whether `stage` is required
 *
 * Reads the request and plans it; answers @msg with the error if either
 * fails (400 naming the field, or the planner's error).
 *
 * Returns: (transfer full) (nullable): the plan, %NULL if @msg was answered
 */
UpgPlan *
upg_service_request_plan (UpgService        *self,
                          SoupServerMessage *msg,
                          UpgServiceRequest *request,
                          gboolean           need_stage)
{
  g_autoptr(GError) error = NULL;
  UpgPlan *plan = NULL;

  if (!upg_service_request_read (msg, request, &error)
      || !upg_service_request_require (self, request, need_stage, &error)
      || (plan = upg_plan_new_for_config (self->bundle, self->config, request->from, request->to,
                                               request->site, &error)) == NULL)
    upg_service_reply_gerror (msg, error);
  return plan;
}
