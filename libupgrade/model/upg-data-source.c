/* upg-data-source.c - one configured data source: the object, its
 * accessors and its password
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Reading a data source from the configuration is upg-data-source-read.c;
 * the fields both share are in upg-data-source-fields-private.h.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-data-source-fields-private.h"

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
  if (self->password != NULL)
    explicit_bzero (self->password, strlen (self->password));
  g_free (self->password);
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
  if (self->password != NULL)
    return g_strdup (self->password);
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
 * upg_data_source_set_password: (skip)
 * @self: a data source
 * @password: its password, read by the engine from `password_env` or
 *   `password_file`
 *
 * Gives @self its password in memory, ahead of where the configuration
 * says it is: a plugin host gets the passwords over its channel, not in
 * its environment (SPEC §7), which the plugin's own children inherit.
 */
void
upg_data_source_set_password (UpgDataSource *self,
                              const char    *password)
{
  g_return_if_fail (UPG_IS_DATA_SOURCE (self));
  if (self->password != NULL)
    explicit_bzero (self->password, strlen (self->password));
  g_free (self->password);
  self->password = g_strdup (password);
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
