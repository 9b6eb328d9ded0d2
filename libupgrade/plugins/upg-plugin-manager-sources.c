/* upg-plugin-manager-sources.c - the configuration's data sources, for hosts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "upg-data-source-private.h"
#include "upg-plugin-manager-private.h"

static void
set_string (JsonObject *object,
            const char *member,
            const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, member, value);
}

/* The definition in the configuration's form, so that the plugin host
 * rebuilds the same data source. Where the password is (an environment
 * variable, a file) is written, never the password. */
static JsonObject *
definition_of (UpgDataSource *source)
{
  JsonObject *object = json_object_new ();
  const char *provider = upg_data_source_get_provider (source);

  if (upg_data_source_get_cnc (source) != NULL)
    {
      set_string (object, "cnc", upg_data_source_get_cnc (source));
      set_string (object, "auth", upg_data_source_get_auth (source));
      return object;
    }
  set_string (object, "provider", provider);
  if (upg_data_source_is_redis (source))
    {
      /* Its own form (SPEC §7): a unix socket is "path", the logical
       * database "db" (the generic "database" is not read back). */
      set_string (object, "host", upg_data_source_get_host (source));
      if (upg_data_source_get_host (source) != NULL)
        json_object_set_int_member (object, "port", upg_data_source_get_port (source));
      set_string (object, "path", upg_data_source_get_socket (source));
      json_object_set_int_member (object, "db", upg_data_source_get_redis_db (source));
      json_object_set_int_member (object, "connect_timeout", upg_data_source_get_connect_timeout (source));
      set_string (object, "password_env", upg_data_source_get_password_env (source));
      set_string (object, "password_file", upg_data_source_get_password_file (source));
      return object;
    }
  if (upg_data_source_get_dialect (source) == UPG_DIALECT_SQLITE)
    {
      set_string (object, "path", upg_data_source_get_path (source));
      return object;
    }
  if (upg_data_source_get_dialect (source) == UPG_DIALECT_CLICKHOUSE)
    {
      const char * const *settings = upg_data_source_get_settings (source);
      JsonObject *values = json_object_new ();

      /* Host and port are the URL's. */
      set_string (object, "url", upg_data_source_get_url (source));
      for (guint i = 0; settings != NULL && settings[i] != NULL; i += 2)
        json_object_set_string_member (values, settings[i], settings[i + 1]);
      json_object_set_object_member (object, "settings", values);
    }
  else
    set_string (object, "host", upg_data_source_get_host (source));
  if (upg_data_source_get_port (source) != 0 && upg_data_source_get_dialect (source) != UPG_DIALECT_CLICKHOUSE)
    json_object_set_int_member (object, "port", upg_data_source_get_port (source));
  set_string (object, "socket", upg_data_source_get_socket (source));
  set_string (object, "database", upg_data_source_get_database (source));
  set_string (object, "user", upg_data_source_get_user (source));
  set_string (object, "password_env", upg_data_source_get_password_env (source));
  set_string (object, "password_file", upg_data_source_get_password_file (source));
  return object;
}

JsonObject *
upg_plugin_manager_data_sources_to_json (GPtrArray *sources)
{
  JsonObject *definitions = json_object_new ();

  for (guint i = 0; sources != NULL && i < sources->len; i++)
    json_object_set_object_member (definitions, upg_data_source_get_name (sources->pdata[i]),
                                   definition_of (sources->pdata[i]));
  return definitions;
}

static JsonObject *
object_member (JsonObject *object,
               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* The password of a raw libgda `auth` string (`USERNAME=u;PASSWORD=p`). */
static void
add_auth_password (GPtrArray  *secrets,
                   const char *auth)
{
  g_auto(GStrv) parts = auth != NULL ? g_strsplit (auth, ";", -1) : NULL;

  for (guint i = 0; parts != NULL && parts[i] != NULL; i++)
    if (g_ascii_strncasecmp (parts[i], "PASSWORD=", strlen ("PASSWORD=")) == 0 &&
        parts[i][strlen ("PASSWORD=")] != '\0')
      g_ptr_array_add (secrets, g_strdup (parts[i] + strlen ("PASSWORD=")));
}

/* The data sources @request gives the host, built as the host builds
 * them (those it could not build are left out: the host cannot either). */
static GPtrArray *
request_sources (JsonNode *request)
{
  GPtrArray *sources = g_ptr_array_new_with_free_func (g_object_unref);
  JsonObject *context = object_member (JSON_NODE_HOLDS_OBJECT (request)
                                       ? json_node_get_object (request) : NULL, "context");
  JsonObject *definitions = object_member (context, "data_sources");
  const char *base_dir = context != NULL
                         ? json_object_get_string_member_with_default (context, "data_sources_base_dir", NULL)
                         : NULL;
  g_autoptr(GList) names = definitions != NULL ? json_object_get_members (definitions) : NULL;

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *definition = object_member (definitions, l->data);
      UpgDataSource *source = definition != NULL
                              ? upg_data_source_new_from_json (l->data, definition, base_dir, NULL) : NULL;

      if (source != NULL)
        g_ptr_array_add (sources, source);
    }
  return sources;
}

/*
 * upg_plugin_manager_request_secrets:
 * @request: a request for the plugin host
 *
 * The passwords of the data sources @request gives the host. The host
 * gets them (upg_plugin_manager_request_passwords()) to open connections,
 * so the plugin knows them; what it says (errors, log lines, progress,
 * results, output) must not show them (SPEC §7).
 *
 * Returns: (transfer full): the values, %NULL-terminated (maybe empty)
 */
GStrv
upg_plugin_manager_request_secrets (JsonNode *request)
{
  g_autoptr(GPtrArray) secrets = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) sources = request_sources (request);

  for (guint i = 0; i < sources->len; i++)
    {
      /* A password that cannot be read is one the plugin cannot read either. */
      char *password = upg_data_source_dup_password (sources->pdata[i], NULL);

      if (password != NULL && *password != '\0')
        g_ptr_array_add (secrets, password);
      else
        g_free (password);
      add_auth_password (secrets, upg_data_source_get_auth (sources->pdata[i]));
    }
  g_ptr_array_add (secrets, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&secrets), FALSE);
}

/*
 * upg_plugin_manager_request_passwords:
 * @request: a request for the plugin host
 * @variables: (out) (transfer full): the environment variables they were
 *   read from (`password_env`), %NULL-terminated
 *
 * The passwords the engine read for the data sources of @request, by data
 * source name, for the host to get over its channel: the variables they
 * come from are removed from the host's environment, which the plugin's
 * own children would inherit (SPEC §7).
 *
 * Returns: (transfer full): the passwords
 */
JsonObject *
upg_plugin_manager_request_passwords (JsonNode   *request,
                                      GStrv      *variables)
{
  g_autoptr(GPtrArray) sources = request_sources (request);
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  JsonObject *passwords = json_object_new ();

  for (guint i = 0; i < sources->len; i++)
    {
      UpgDataSource *source = sources->pdata[i];
      g_autofree char *password = upg_data_source_dup_password (source, NULL);

      if (upg_data_source_get_password_env (source) != NULL)
        g_strv_builder_add (names, upg_data_source_get_password_env (source));
      if (password != NULL)
        json_object_set_string_member (passwords, upg_data_source_get_name (source), password);
    }
  *variables = g_strv_builder_end (names);
  return passwords;
}
