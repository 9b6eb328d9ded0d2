/* upg-data-source.c - one configured data source
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-data-source-private.h"

/**
 * UpgDataSource:
 *
 * A database the upgrade reaches (SPEC §7): `provider` MySQL, MariaDB,
 * PostgreSQL or SQLite (case-insensitive) with `host`, `port` (default
 * 3306 / 5432), `socket` (a unix socket path, instead of or besides the
 * host), `database`, `user`, and the password from `password_env` (an
 * environment variable's name) or `password_file` (a file whose first line
 * is the password); or a raw libgda data source `{"cnc", "auth"}`, provider
 * "libgda". SQLite takes a `path`. ClickHouse takes a `url` (its HTTP
 * interface, without user, password or query), `database`, `user`, the
 * password as above, and `settings` sent with every statement.
 * Relative `path` and `password_file` are
 * resolved against the configuration file's directory.
 *
 * A `password` member is refused: a password in clear in a config file
 * ends up in backups and tickets. The password is read only when a
 * connection is opened and never appears in a message.
 */
struct _UpgDataSource
{
  GObject     parent_instance;

  char       *name;
  char       *provider;
  UpgDialect  dialect;
  char       *host;
  guint       port;
  char       *socket;
  char       *database;
  char       *user;
  char       *password_env;
  char       *password_file;
  char       *path;
  char       *cnc;
  char       *auth;
  char       *url;        /* ClickHouse: the HTTP interface */
  GStrv       settings;   /* ClickHouse: name, value, …, NULL */
  gboolean    redis;
  guint       redis_db;
  guint       connect_timeout;
};

G_DEFINE_FINAL_TYPE (UpgDataSource, upg_data_source, G_TYPE_OBJECT)

static void
upg_data_source_finalize (GObject *object)
{
  UpgDataSource *self = UPG_DATA_SOURCE (object);

  g_free (self->name);
  g_free (self->provider);
  g_free (self->host);
  g_free (self->socket);
  g_free (self->database);
  g_free (self->user);
  g_free (self->password_env);
  g_free (self->password_file);
  g_free (self->path);
  g_free (self->cnc);
  g_free (self->auth);
  g_free (self->url);
  g_strfreev (self->settings);

  G_OBJECT_CLASS (upg_data_source_parent_class)->finalize (object);
}

static void
upg_data_source_class_init (UpgDataSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_data_source_finalize;
}

static void
upg_data_source_init (UpgDataSource *self)
{
}

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

/**
 * upg_data_source_new_sqlite:
 * @name: the data source's name
 * @path: the database file
 *
 * Creates a data source for an SQLite database file.
 *
 * Returns: (transfer full): an SQLite data source (e.g. the default journal)
 */
UpgDataSource *
upg_data_source_new_sqlite (const char *name,
                            const char *path)
{
  UpgDataSource *self = g_object_new (UPG_TYPE_DATA_SOURCE, NULL);

  g_return_val_if_fail (name != NULL && path != NULL, NULL);
  self->name = g_strdup (name);
  self->provider = g_strdup ("SQLite");
  self->dialect = UPG_DIALECT_SQLITE;
  self->path = g_strdup (path);
  return self;
}

/* The first line of a password file, without its line break. */
static char *
read_password_file (UpgDataSource *self,
                    GError       **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_file_get_contents (self->password_file, &contents, NULL, &local_error))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("data source '%s': cannot read %s: %s"),
                   self->name, "password_file", local_error->message);
      return NULL;
    }
  contents[strcspn (contents, "\r\n")] = '\0';
  return g_steal_pointer (&contents);
}

/**
 * upg_data_source_dup_password: (skip)
 * @self: a data source
 * @error: return location for a #GError
 *
 * Reads the password from `password_env` or `password_file`. Errors name
 * the variable or the file, never a value.
 *
 * Returns: (transfer full) (nullable): the password (free it with
 *   g_free() after clearing it); %NULL without error when none is configured
 */
char *
upg_data_source_dup_password (UpgDataSource *self,
                              GError       **error)
{
  const char *value;

  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  if (self->password_file != NULL)
    return read_password_file (self, error);
  if (self->password_env == NULL)
    return NULL;
  value = g_getenv (self->password_env);
  if (value == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("data source '%s': environment variable %s (%s) is not set"),
                   self->name, self->password_env, "password_env");
      return NULL;
    }
  return g_strdup (value);
}

/**
 * upg_data_source_get_name:
 * @self: a data source
 *
 * Gets the data source's name (its key under `datasources`).
 *
 * Returns: (transfer none): its name (its key under `datasources`)
 */
const char *
upg_data_source_get_name (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  return self->name;
}

/**
 * upg_data_source_get_provider:
 * @self: a data source
 *
 * Gets the name of the database provider.
 *
 * Returns: (transfer none): "MySQL", "MariaDB", "PostgreSQL", "SQLite" or "libgda"
 */
const char *
upg_data_source_get_provider (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  return self->provider;
}

/**
 * upg_data_source_get_host:
 * @self: a data source
 *
 * Gets the server's host.
 *
 * Returns: (transfer none) (nullable): the server's host
 */
const char *
upg_data_source_get_host (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  return self->host;
}

/**
 * upg_data_source_get_socket:
 * @self: a data source
 *
 * Gets the unix socket path.
 *
 * Returns: (transfer none) (nullable): the unix socket path
 */
const char *
upg_data_source_get_socket (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  return self->socket;
}

/**
 * upg_data_source_get_database:
 * @self: a data source
 *
 * Gets the database name.
 *
 * Returns: (transfer none) (nullable): the database name
 */
const char *
upg_data_source_get_database (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  return self->database;
}

/**
 * upg_data_source_get_user:
 * @self: a data source
 *
 * Gets the user name.
 *
 * Returns: (transfer none) (nullable): the user name
 */
const char *
upg_data_source_get_user (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  return self->user;
}

/**
 * upg_data_source_get_path:
 * @self: a data source
 *
 * Gets the SQLite file.
 *
 * Returns: (transfer none) (nullable): the SQLite file (absolute when read from a config)
 */
const char *
upg_data_source_get_path (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  return self->path;
}

/**
 * upg_data_source_get_cnc: (skip)
 * @self: a data source
 *
 * Returns: (transfer none) (nullable): the raw libgda connection string
 */
const char *
upg_data_source_get_cnc (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  return self->cnc;
}

/**
 * upg_data_source_get_auth: (skip)
 * @self: a data source
 *
 * Returns: (transfer none) (nullable): the raw libgda auth string; it may hold a password: never log it
 */
const char *
upg_data_source_get_auth (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  return self->auth;
}

/**
 * upg_data_source_get_password_env: (skip)
 * @self: a data source
 *
 * Returns: (transfer none) (nullable): the name of the variable holding the password
 */
const char *
upg_data_source_get_password_env (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  return self->password_env;
}

/**
 * upg_data_source_get_password_file: (skip)
 * @self: a data source
 *
 * Returns: (transfer none) (nullable): the file holding the password
 */
const char *
upg_data_source_get_password_file (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  return self->password_file;
}

/**
 * upg_data_source_is_redis: (skip)
 * @self: a data source
 *
 * Returns: whether it is a Redis server (it takes `redis` steps, not SQL)
 */
gboolean
upg_data_source_is_redis (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), FALSE);
  return self->redis;
}

/**
 * upg_data_source_get_redis_db: (skip)
 * @self: a Redis data source
 *
 * Returns: its logical database (`db`, default 0)
 */
guint
upg_data_source_get_redis_db (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), 0);
  return self->redis_db;
}

/**
 * upg_data_source_get_connect_timeout: (skip)
 * @self: a Redis data source
 *
 * Returns: how long connecting may take, in seconds
 */
guint
upg_data_source_get_connect_timeout (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), 0);
  return self->connect_timeout;
}

/**
 * upg_data_source_get_dialect:
 * @self: a data source
 *
 * Gets the SQL dialect it speaks.
 *
 * Returns: the SQL dialect it speaks (%UPG_DIALECT_OTHER for a raw cnc of
 *   another provider)
 */
UpgDialect
upg_data_source_get_dialect (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), UPG_DIALECT_OTHER);
  return self->dialect;
}

/**
 * upg_data_source_get_port:
 * @self: a data source
 *
 * Gets the server's port.
 *
 * Returns: the server's port (default 3306 for MySQL/MariaDB, 5432 for
 *   PostgreSQL), 0 for SQLite and raw sources
 */
guint
upg_data_source_get_port (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), 0);
  return self->port;
}

/* The cnc without any PASSWORD/PWD parameter someone may have put in it. */
static char *
cnc_without_secrets (const char *cnc)
{
  const char *params = strstr (cnc, "://") + 3;
  g_auto(GStrv) parts = g_strsplit (params, ";", -1);
  g_autoptr(GString) out = g_string_new_len (cnc, params - cnc);
  gboolean first = TRUE;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *upper = g_ascii_strup (parts[i], -1);

      if (strstr (upper, "PASSWORD") != NULL || strstr (upper, "PWD") != NULL
          || parts[i][0] == '\0')
        continue;
      g_string_append_printf (out, "%s%s", first ? "" : ";", parts[i]);
      first = FALSE;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * upg_data_source_describe:
 * @self: a data source
 *
 * A one-line description for logs and reports, never with a password:
 * `ft_db (MySQL upgrade@127.0.0.1:3306/ft)`, `local (SQLite /var/lib/app/local.db)`,
 * `raw (libgda MySQL://HOST=127.0.0.1;DB_NAME=x)`.
 *
 * Returns: (transfer full): the description
 */
char *
upg_data_source_describe (UpgDataSource *self)
{
  g_autofree char *where = NULL;

  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  if (self->cnc != NULL)
    {
      g_autofree char *cnc = cnc_without_secrets (self->cnc);
      return g_strdup_printf ("%s (libgda %s)", self->name, cnc);
    }
  if (self->dialect == UPG_DIALECT_SQLITE)
    return g_strdup_printf ("%s (SQLite %s)", self->name, self->path);
  if (self->url != NULL)
    where = g_strdup (self->url);
  else if (self->socket != NULL)
    where = g_strdup_printf ("unix:%s", self->socket);
  else
    where = g_strdup_printf ("%s:%u", self->host, self->port);
  return g_strdup_printf ("%s (%s %s%s%s/%s)", self->name, self->provider,
                          self->user != NULL ? self->user : "",
                          self->user != NULL ? "@" : "", where,
                          self->database != NULL ? self->database : "");
}

/**
 * upg_data_source_get_url: (skip)
 * @self: a data source
 *
 * Returns: (nullable): a ClickHouse data source's HTTP interface URL
 */
const char *
upg_data_source_get_url (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  return self->url;
}

/**
 * upg_data_source_get_settings: (skip)
 * @self: a data source
 *
 * Returns: (nullable) (array zero-terminated=1): a ClickHouse data
 *   source's settings, as name, value pairs
 */
const char * const *
upg_data_source_get_settings (UpgDataSource *self)
{
  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);
  return (const char * const *) self->settings;
}
