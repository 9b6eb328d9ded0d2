/* upg-data-source-read.c - a data source read from the configuration
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The `datasources` member's objects (SPEC §7), per provider: a server
 * (MariaDB/MySQL, PostgreSQL), an SQLite file, ClickHouse's HTTP
 * interface, Redis, or a raw libgda `cnc`; where the password comes from;
 * relative paths resolved against the configuration's directory. Every
 * error names the file and the JSON path. Separate from
 * upg-data-source.c, which holds the object the connectors read back:
 * this is the configuration format's side of a data source.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-data-source-fields-private.h"

static const struct {
  const char *name;
  const char *canonical;
  UpgDialect  dialect;
  guint       port;
} providers[] = {
  { "mysql", "MySQL", UPG_DIALECT_MYSQL, 3306 },
  { "mariadb", "MariaDB", UPG_DIALECT_MYSQL, 3306 },
  { "postgresql", "PostgreSQL", UPG_DIALECT_POSTGRESQL, 5432 },
  { "postgres", "PostgreSQL", UPG_DIALECT_POSTGRESQL, 5432 },
  { "sqlite", "SQLite", UPG_DIALECT_SQLITE, 0 },
  { "clickhouse", "ClickHouse", UPG_DIALECT_CLICKHOUSE, 8123 },
  /* Not SQL: "dialect" other; upg_data_source_is_redis() tells it apart. */
  { "redis", "Redis", UPG_DIALECT_OTHER, 6379 },
};

/* The default connect timeout of a Redis data source, in seconds. */
#define REDIS_CONNECT_TIMEOUT 10

/* A relative @base_dir starts at the current directory, as a relative
 * path does without one (g_canonicalize_filename() itself only takes an
 * absolute base and returns NULL for any other). */
static char *
resolve (const char *path,
         const char *base_dir)
{
  g_autofree char *base = base_dir != NULL ? g_canonicalize_filename (base_dir, NULL) : NULL;

  return g_canonicalize_filename (path, base);
}

static gboolean
read_password_source (UpgDataSource    *self,
                      const UpgJsonCtx *ctx,
                      JsonObject       *object,
                      const char       *path,
                      const char       *base_dir,
                      GError          **error)
{
  const char *env = NULL, *file = NULL;

  if (json_object_has_member (object, "password"))
    {
      g_autofree char *where = upg_json_member_path (path, "password");
      return upg_json_fail (ctx, where, error,
                            _("a password in clear is refused: use %s (an environment "
                              "variable's name) or %s"), "password_env", "password_file");
    }
  if (!upg_json_get_string (ctx, object, path, "password_env", FALSE, &env, error)
      || !upg_json_get_string (ctx, object, path, "password_file", FALSE, &file, error))
    return FALSE;
  if (env != NULL && file != NULL)
    return upg_json_fail (ctx, path, error,
                          _("expected at most one of %s and %s"), "password_env",
                          "password_file");
  self->password_env = g_strdup (env);
  self->password_file = file != NULL ? resolve (file, base_dir) : NULL;
  return TRUE;
}

static gboolean
read_server (UpgDataSource    *self,
             const UpgJsonCtx *ctx,
             JsonObject       *object,
             const char       *path,
             guint             default_port,
             GError          **error)
{
  const char *host = NULL, *socket = NULL, *database = NULL, *user = NULL;
  guint64 port = default_port;

  if (!upg_json_get_string (ctx, object, path, "host", FALSE, &host, error)
      || !upg_json_get_string (ctx, object, path, "socket", FALSE, &socket, error)
      || !upg_json_get_string (ctx, object, path, "database", FALSE, &database, error)
      || !upg_json_get_string (ctx, object, path, "user", FALSE, &user, error)
      || !upg_json_get_uint (ctx, object, path, "port", 65535, &port, error))
    return FALSE;
  if (host == NULL && socket == NULL)
    return upg_json_fail (ctx, path, error, _("expected \"host\" or \"socket\" for a %s server"),
                          self->provider);
  if (port == 0)
    {
      g_autofree char *where = upg_json_member_path (path, "port");
      return upg_json_fail (ctx, where, error, _("expected a port from 1 to 65535, got 0"));
    }
  self->host = g_strdup (host != NULL ? host : "localhost");
  self->socket = g_strdup (socket);
  self->database = g_strdup (database);
  self->user = g_strdup (user);
  self->port = port;
  return TRUE;
}

/* ClickHouse's `settings`: names and scalar values, sent with every
 * statement as URL parameters. */
static gboolean
read_clickhouse_settings (UpgDataSource    *self,
                          const UpgJsonCtx *ctx,
                          JsonObject       *object,
                          const char       *path,
                          GError          **error)
{
  g_autofree char *where = upg_json_member_path (path, "settings");
  g_autoptr(GStrvBuilder) pairs = g_strv_builder_new ();
  JsonObject *settings = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (!upg_json_get_object (ctx, object, path, "settings", &settings, error))
    return FALSE;
  if (settings == NULL)
    return TRUE;
  json_object_iter_init (&iter, settings);
  while (json_object_iter_next (&iter, &name, &value))
    {
      g_autofree char *text = NULL;

      if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        text = g_strdup (json_node_get_string (value));
      else if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_INT64)
        text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
      else if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN)
        text = g_strdup (json_node_get_boolean (value) ? "1" : "0");
      else
        {
          g_autofree char *member = upg_json_member_path (where, name);
          return upg_json_fail (ctx, member, error, _("expected a string, an integer or a boolean, got %s"),
                                upg_json_type_name (value));
        }
      g_strv_builder_add (pairs, name);
      g_strv_builder_add (pairs, text);
    }
  self->settings = g_strv_builder_end (pairs);
  return TRUE;
}

/* ClickHouse: `url` (its HTTP interface), `database`, `user`, `settings`;
 * host and port come from the URL (for `${datasource.NAME.host}`). */
static gboolean
read_clickhouse (UpgDataSource    *self,
                 const UpgJsonCtx *ctx,
                 JsonObject       *object,
                 const char       *path,
                 GError          **error)
{
  const char *url = NULL, *database = NULL, *user = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *where = upg_json_member_path (path, "url");

  if (!upg_json_get_string (ctx, object, path, "url", TRUE, &url, error)
      || !upg_json_get_string (ctx, object, path, "database", FALSE, &database, error)
      || !upg_json_get_string (ctx, object, path, "user", FALSE, &user, error))
    return FALSE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL
      || (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
    return upg_json_fail (ctx, where, error, _("expected the HTTP interface's URL, such as %s"),
                          "\"http://127.0.0.1:8123\"");
  /* The URL is named in messages and logs: no secret may be in it. */
  if (g_uri_get_userinfo (uri) != NULL || g_uri_get_query (uri) != NULL)
    return upg_json_fail (ctx, where, error, _("a user, password or query in the URL is refused: use %s, "
                                                 "%s or %s, and %s"),
                          "user", "password_env", "password_file", "settings");
  self->url = g_strdup (url);
  self->host = g_strdup (g_uri_get_host (uri));
  self->port = g_uri_get_port (uri) > 0 ? (guint) g_uri_get_port (uri)
             : g_str_equal (g_uri_get_scheme (uri), "https") ? 8443 : 8123;
  self->database = g_strdup (database);
  self->user = g_strdup (user);
  return read_clickhouse_settings (self, ctx, object, path, error);
}

/* Redis (SPEC §7): `host`/`port` or `path` (a unix socket), `db` (the
 * logical database, default 0), `connect_timeout` (seconds). */
static gboolean
read_redis (UpgDataSource    *self,
            const UpgJsonCtx *ctx,
            JsonObject       *object,
            const char       *path,
            const char       *base_dir,
            GError          **error)
{
  const char *host = NULL, *socket = NULL;
  guint64 port = 6379, db = 0, timeout = REDIS_CONNECT_TIMEOUT;

  if (!upg_json_get_string (ctx, object, path, "host", FALSE, &host, error)
      || !upg_json_get_string (ctx, object, path, "path", FALSE, &socket, error)
      || !upg_json_get_uint (ctx, object, path, "port", 65535, &port, error)
      || !upg_json_get_uint (ctx, object, path, "db", 1000000, &db, error)
      || !upg_json_get_uint (ctx, object, path, "connect_timeout", 3600, &timeout, error))
    return FALSE;
  if ((host == NULL) == (socket == NULL))
    return upg_json_fail (ctx, path, error, _("expected exactly one of \"host\" and \"path\" "
                                              "(a unix socket) for a Redis server"));
  if (port == 0 || timeout == 0)
    {
      g_autofree char *where = upg_json_member_path (path, port == 0 ? "port" : "connect_timeout");
      return upg_json_fail (ctx, where, error, _("expected a positive number, got 0"));
    }
  self->redis = TRUE;
  self->host = g_strdup (host);
  self->socket = socket != NULL ? resolve (socket, base_dir) : NULL;
  self->port = host != NULL ? port : 0;
  self->redis_db = db;
  self->database = g_strdup_printf ("%u", (guint) db);
  self->connect_timeout = timeout;
  return TRUE;
}

static gboolean
read_raw (UpgDataSource    *self,
          const UpgJsonCtx *ctx,
          JsonObject       *object,
          const char       *path,
          GError          **error)
{
  const char *cnc = NULL, *auth = NULL, *provider = NULL;
  const char *sep;

  if (!upg_json_get_string (ctx, object, path, "cnc", TRUE, &cnc, error)
      || !upg_json_get_string (ctx, object, path, "auth", FALSE, &auth, error)
      || !upg_json_get_string (ctx, object, path, "provider", FALSE, &provider, error))
    return FALSE;
  if (provider != NULL && g_ascii_strcasecmp (provider, "libgda") != 0)
    {
      g_autofree char *where = upg_json_member_path (path, "provider");
      return upg_json_fail (ctx, where, error, _("a raw \"cnc\" data source has provider "
                              "\"libgda\" or none, got \"%s\""), provider);
    }
  sep = strstr (cnc, "://");
  if (sep == NULL || sep == cnc)
    {
      g_autofree char *where = upg_json_member_path (path, "cnc");
      return upg_json_fail (ctx, where, error,
                            _("expected a libgda connection string such as %s"),
                            "\"MySQL://HOST=127.0.0.1;DB_NAME=x\"");
    }
  self->provider = g_strdup ("libgda");
  self->cnc = g_strdup (cnc);
  self->auth = g_strdup (auth);
  self->dialect = UPG_DIALECT_OTHER;
  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    if (strlen (providers[i].name) == (gsize) (sep - cnc)
        && g_ascii_strncasecmp (cnc, providers[i].name, sep - cnc) == 0)
      self->dialect = providers[i].dialect;
  return TRUE;
}

static gboolean
read_native (UpgDataSource    *self,
             const UpgJsonCtx *ctx,
             JsonObject       *object,
             const char       *path,
             const char       *base_dir,
             GError          **error)
{
  const char *provider = NULL, *file = NULL;
  guint i = 0;

  if (!upg_json_get_string (ctx, object, path, "provider", TRUE, &provider, error))
    return FALSE;
  while (i < G_N_ELEMENTS (providers) && g_ascii_strcasecmp (provider, providers[i].name) != 0)
    i++;
  if (i == G_N_ELEMENTS (providers))
    {
      g_autofree char *where = upg_json_member_path (path, "provider");
      return upg_json_fail (ctx, where, error, _("expected MySQL, MariaDB, PostgreSQL, "
                              "SQLite, ClickHouse or Redis (or a raw \"cnc\"), got \"%s\""), provider);
    }
  self->provider = g_strdup (providers[i].canonical);
  self->dialect = providers[i].dialect;
  if (g_str_equal (providers[i].name, "redis"))
    return read_redis (self, ctx, object, path, base_dir, error)
        && read_password_source (self, ctx, object, path, base_dir, error);
  if (self->dialect == UPG_DIALECT_CLICKHOUSE)
    return read_clickhouse (self, ctx, object, path, error)
        && read_password_source (self, ctx, object, path, base_dir, error);
  if (self->dialect != UPG_DIALECT_SQLITE)
    return read_server (self, ctx, object, path, providers[i].port, error)
        && read_password_source (self, ctx, object, path, base_dir, error);
  if (!upg_json_get_string (ctx, object, path, "path", TRUE, &file, error))
    return FALSE;
  self->path = resolve (file, base_dir);
  return TRUE;
}

/**
 * upg_data_source_new_from_json_at: (skip)
 * @ctx: the configuration file
 * @path: the JSON path of @object, e.g. `$.datasources.ft_db`
 * @name: the data source's name
 * @object: its object
 * @base_dir: (nullable): where relative paths start (default, and for a
 *   relative @base_dir, from the current directory)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the data source; errors name the
 *   file and the JSON path
 */
UpgDataSource *
upg_data_source_new_from_json_at (const UpgJsonCtx *ctx,
                                  const char       *path,
                                  const char       *name,
                                  JsonObject       *object,
                                  const char       *base_dir,
                                  GError          **error)
{
  g_autoptr(UpgDataSource) self = g_object_new (UPG_TYPE_DATA_SOURCE, NULL);
  gboolean ok;

  self->name = g_strdup (name);
  if (json_object_has_member (object, "cnc"))
    ok = read_raw (self, ctx, object, path, error);
  else
    ok = read_native (self, ctx, object, path, base_dir, error);
  return ok ? g_steal_pointer (&self) : NULL;
}

/**
 * upg_data_source_new_from_json:
 * @name: the data source's name (its key under `datasources`)
 * @object: its configuration object
 * @base_dir: (nullable): where relative `path` / `password_file` start;
 *   %NULL or a relative directory start from the current directory
 * @error: return location for a #GError
 *
 * Errors are %UPG_ERROR_INVALID_CONFIG naming the data source, the JSON
 * path and what was expected; a `password` member is refused.
 *
 * Returns: (transfer full): the data source
 */
UpgDataSource *
upg_data_source_new_from_json (const char *name,
                               JsonObject *object,
                               const char *base_dir,
                               GError    **error)
{
  g_autofree char *file = g_strdup_printf (_("data source '%s'"), name);
  UpgJsonCtx ctx = { file, UPG_ERROR_INVALID_CONFIG };

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (object != NULL, NULL);
  return upg_data_source_new_from_json_at (&ctx, "$", name, object, base_dir, error);
}
