/* upg-connection.c - a connection to one data source
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-spi-i18n-private.h"

#include "upg-connection.h"
#include "upg-error.h"
#include "upg-spi-enums.h"

/**
 * UpgConnection:
 *
 * A connection to one named data source. Statements are sent to the server
 * byte for byte as given (no re-parsing, no re-rendering) and a refused
 * statement carries the server's error code and SQLSTATE, so that the
 * journal records what the database really said.
 *
 * The engine creates connections from the configuration; plugins receive
 * them from [method@Upgrade.Context.get_connection].
 */
typedef struct
{
  char       *name;
  UpgDialect  dialect;
  gboolean    transactional_ddl;
  int         last_error_code;
  char       *last_sqlstate;
} UpgConnectionPrivate;

enum {
  PROP_0,
  PROP_NAME,
  PROP_DIALECT,
  PROP_TRANSACTIONAL_DDL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (UpgConnection, upg_connection, G_TYPE_OBJECT)

static void
upg_connection_finalize (GObject *object)
{
  UpgConnectionPrivate *priv = upg_connection_get_instance_private (UPG_CONNECTION (object));

  g_free (priv->name);
  g_free (priv->last_sqlstate);

  G_OBJECT_CLASS (upg_connection_parent_class)->finalize (object);
}

static void
upg_connection_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  UpgConnectionPrivate *priv = upg_connection_get_instance_private (UPG_CONNECTION (object));

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, priv->name);
      break;
    case PROP_DIALECT:
      g_value_set_enum (value, priv->dialect);
      break;
    case PROP_TRANSACTIONAL_DDL:
      g_value_set_boolean (value, priv->transactional_ddl);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
upg_connection_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  UpgConnectionPrivate *priv = upg_connection_get_instance_private (UPG_CONNECTION (object));

  switch (prop_id)
    {
    case PROP_NAME:
      g_free (priv->name);
      priv->name = g_value_dup_string (value);
      break;
    case PROP_DIALECT:
      priv->dialect = g_value_get_enum (value);
      break;
    case PROP_TRANSACTIONAL_DDL:
      priv->transactional_ddl = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
upg_connection_real_unsupported (UpgConnection  *self,
                                 const char     *what,
                                 GError        **error)
{
  g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED,
               _("data source '%s' (%s) does not support %s"),
               upg_connection_get_name (self), G_OBJECT_TYPE_NAME (self), what);
  return FALSE;
}

/* Cancellation is reported in the UPG_ERROR domain, like a statement the
 * backend stopped half-way, so callers check one code. */
static gboolean
set_error_if_cancelled (UpgConnection  *self,
                        GCancellable   *cancellable,
                        GError        **error)
{
  if (!g_cancellable_is_cancelled (cancellable))
    return FALSE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
               _("statement on data source '%s' was cancelled"),
               upg_connection_get_name (self));
  return TRUE;
}

static gboolean
upg_connection_real_begin (UpgConnection  *self,
                           GError        **error)
{
  return upg_connection_execute (self, "BEGIN", NULL, NULL, error);
}

static gboolean
upg_connection_real_commit (UpgConnection  *self,
                            GError        **error)
{
  return upg_connection_execute (self, "COMMIT", NULL, NULL, error);
}

static gboolean
upg_connection_real_rollback (UpgConnection  *self,
                              GError        **error)
{
  return upg_connection_execute (self, "ROLLBACK", NULL, NULL, error);
}

static gboolean
upg_connection_real_ping (UpgConnection  *self,
                          GError        **error)
{
  g_autoptr(UpgRows) rows = upg_connection_query (self, "SELECT 1", NULL, NULL, error);

  return rows != NULL;
}

static void
upg_connection_class_init (UpgConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = upg_connection_finalize;
  object_class->get_property = upg_connection_get_property;
  object_class->set_property = upg_connection_set_property;

  klass->begin = upg_connection_real_begin;
  klass->commit = upg_connection_real_commit;
  klass->rollback = upg_connection_real_rollback;
  klass->ping = upg_connection_real_ping;

  /**
   * UpgConnection:name:
   *
   * The name of the data source in the configuration (e.g. `ft_db`).
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * UpgConnection:dialect:
   *
   * The SQL dialect of the server.
   */
  properties[PROP_DIALECT] =
    g_param_spec_enum ("dialect", NULL, NULL, UPG_TYPE_DIALECT, UPG_DIALECT_OTHER,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * UpgConnection:transactional-ddl:
   *
   * Whether DDL statements take part in transactions. MySQL and MariaDB
   * commit implicitly around DDL, so a DDL statement interrupted there is
   * in doubt; PostgreSQL and SQLite roll it back with the transaction.
   */
  properties[PROP_TRANSACTIONAL_DDL] =
    g_param_spec_boolean ("transactional-ddl", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
upg_connection_init (UpgConnection *self)
{
}

/**
 * upg_connection_get_name:
 * @self: a #UpgConnection
 *
 * Gets the data source's name.
 *
 * Returns: (transfer none): the data source's name
 */
const char *
upg_connection_get_name (UpgConnection *self)
{
  UpgConnectionPrivate *priv = upg_connection_get_instance_private (self);

  g_return_val_if_fail (UPG_IS_CONNECTION (self), NULL);

  return priv->name != NULL ? priv->name : "";
}

/**
 * upg_connection_get_dialect:
 * @self: a #UpgConnection
 *
 * Gets the server's SQL dialect.
 *
 * Returns: the server's SQL dialect
 */
UpgDialect
upg_connection_get_dialect (UpgConnection *self)
{
  UpgConnectionPrivate *priv = upg_connection_get_instance_private (self);

  g_return_val_if_fail (UPG_IS_CONNECTION (self), UPG_DIALECT_OTHER);

  return priv->dialect;
}

/**
 * upg_connection_has_transactional_ddl:
 * @self: a #UpgConnection
 *
 * Tells whether the server can roll DDL statements back (PostgreSQL and
 * SQLite can, MariaDB cannot), which decides how a failed script is
 * recovered.
 *
 * Returns: %TRUE if DDL statements can be rolled back on this server
 */
gboolean
upg_connection_has_transactional_ddl (UpgConnection *self)
{
  UpgConnectionPrivate *priv = upg_connection_get_instance_private (self);

  g_return_val_if_fail (UPG_IS_CONNECTION (self), FALSE);

  return priv->transactional_ddl;
}

/**
 * upg_connection_execute:
 * @self: a #UpgConnection
 * @sql: one statement, sent to the server exactly as given
 * @affected_rows: (out) (optional): return location for the number of
 *   affected rows
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Runs one statement. Result sets are read and discarded. A cancelled
 * statement fails with %G_IO_ERROR_CANCELLED, one that exceeded the
 * statement timeout with %UPG_ERROR_TIMEOUT.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_connection_execute (UpgConnection  *self,
                        const char     *sql,
                        gint64         *affected_rows,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_return_val_if_fail (UPG_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (sql != NULL, FALSE);

  if (affected_rows != NULL)
    *affected_rows = 0;

  upg_connection_set_last_error (self, 0, NULL);
  if (set_error_if_cancelled (self, cancellable, error))
    return FALSE;

  return UPG_CONNECTION_GET_CLASS (self)->execute (self, sql, affected_rows, cancellable, error);
}

/**
 * upg_connection_query:
 * @self: a #UpgConnection
 * @sql: a query; each `?` outside quotes is a placeholder
 * @params: (array zero-terminated=1) (nullable): one text value per
 *   placeholder, in order
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Runs a query and returns its rows as text. Values are bound by the
 * backend (never pasted into the text unescaped).
 *
 * Returns: (transfer full): the rows, or %NULL on error
 */
UpgRows *
upg_connection_query (UpgConnection  *self,
                      const char     *sql,
                      const char    **params,
                      GCancellable   *cancellable,
                      GError        **error)
{
  g_return_val_if_fail (UPG_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (sql != NULL, NULL);

  upg_connection_set_last_error (self, 0, NULL);
  if (set_error_if_cancelled (self, cancellable, error))
    return NULL;

  return UPG_CONNECTION_GET_CLASS (self)->query (self, sql, params, cancellable, error);
}

/**
 * upg_connection_begin:
 * @self: a #UpgConnection
 * @error: return location for a #GError
 *
 * Starts a transaction.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_connection_begin (UpgConnection  *self,
                      GError        **error)
{
  g_return_val_if_fail (UPG_IS_CONNECTION (self), FALSE);

  return UPG_CONNECTION_GET_CLASS (self)->begin (self, error);
}

/**
 * upg_connection_commit:
 * @self: a #UpgConnection
 * @error: return location for a #GError
 *
 * Commits the current transaction. Fails if the server did not commit
 * (for example, PostgreSQL rolls back a transaction in which a statement
 * failed, even when asked to commit).
 *
 * Returns: %TRUE if the transaction was committed
 */
gboolean
upg_connection_commit (UpgConnection  *self,
                       GError        **error)
{
  g_return_val_if_fail (UPG_IS_CONNECTION (self), FALSE);

  return UPG_CONNECTION_GET_CLASS (self)->commit (self, error);
}

/**
 * upg_connection_rollback:
 * @self: a #UpgConnection
 * @error: return location for a #GError
 *
 * Rolls the current transaction back.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_connection_rollback (UpgConnection  *self,
                         GError        **error)
{
  g_return_val_if_fail (UPG_IS_CONNECTION (self), FALSE);

  return UPG_CONNECTION_GET_CLASS (self)->rollback (self, error);
}

/**
 * upg_connection_ping:
 * @self: a #UpgConnection
 * @error: return location for a #GError
 *
 * Checks that the server answers.
 *
 * Returns: %TRUE if it does
 */
gboolean
upg_connection_ping (UpgConnection  *self,
                     GError        **error)
{
  g_return_val_if_fail (UPG_IS_CONNECTION (self), FALSE);

  return UPG_CONNECTION_GET_CLASS (self)->ping (self, error);
}

/**
 * upg_connection_get_server_version:
 * @self: a #UpgConnection
 * @error: return location for a #GError
 *
 * Gets the server's version text (e.g.
 *
 * Returns: (transfer full): the server's version text (e.g.
 *   `10.11.6-MariaDB-0+deb12u1`), or %NULL on error
 */
char *
upg_connection_get_server_version (UpgConnection  *self,
                                   GError        **error)
{
  g_return_val_if_fail (UPG_IS_CONNECTION (self), NULL);

  if (UPG_CONNECTION_GET_CLASS (self)->get_server_version == NULL)
    {
      /* TRANSLATORS: completes "data source '%s' (%s) does not support %s" */
      upg_connection_real_unsupported (self, _("reading the server version"), error);
      return NULL;
    }

  return UPG_CONNECTION_GET_CLASS (self)->get_server_version (self, error);
}

/**
 * upg_connection_set_statement_timeout:
 * @self: a #UpgConnection
 * @seconds: the limit, 0 for none
 * @error: return location for a #GError
 *
 * Limits how long one statement may run on the server.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_connection_set_statement_timeout (UpgConnection  *self,
                                      guint           seconds,
                                      GError        **error)
{
  g_return_val_if_fail (UPG_IS_CONNECTION (self), FALSE);

  if (UPG_CONNECTION_GET_CLASS (self)->set_statement_timeout == NULL)
    /* TRANSLATORS: completes "data source '%s' (%s) does not support %s" */
    return upg_connection_real_unsupported (self, _("statement timeouts"), error);

  return UPG_CONNECTION_GET_CLASS (self)->set_statement_timeout (self, seconds, error);
}

/**
 * upg_connection_get_last_sqlstate:
 * @self: a #UpgConnection
 *
 * Gets the SQLSTATE of the last refused statement.
 *
 * Returns: (transfer none) (nullable): the SQLSTATE of the last refused
 *   statement, %NULL if the last call succeeded
 */
const char *
upg_connection_get_last_sqlstate (UpgConnection *self)
{
  UpgConnectionPrivate *priv = upg_connection_get_instance_private (self);

  g_return_val_if_fail (UPG_IS_CONNECTION (self), NULL);

  return priv->last_sqlstate;
}

/**
 * upg_connection_get_last_error_code:
 * @self: a #UpgConnection
 *
 * Gets the server's native error code of the last refused statement.
 *
 * Returns: the server's native error code of the last refused statement
 *   (e.g. 1064 on MariaDB), 0 if the last call succeeded or the server
 *   has no numeric codes
 */
int
upg_connection_get_last_error_code (UpgConnection *self)
{
  UpgConnectionPrivate *priv = upg_connection_get_instance_private (self);

  g_return_val_if_fail (UPG_IS_CONNECTION (self), 0);

  return priv->last_error_code;
}

/**
 * upg_connection_set_last_error:
 * @self: a #UpgConnection
 * @code: the server's native error code, 0 for none
 * @sqlstate: (nullable): the SQLSTATE, %NULL for none
 *
 * Records what the server said about the last statement; for backends.
 */
void
upg_connection_set_last_error (UpgConnection *self,
                               int            code,
                               const char    *sqlstate)
{
  UpgConnectionPrivate *priv = upg_connection_get_instance_private (self);

  g_return_if_fail (UPG_IS_CONNECTION (self));

  priv->last_error_code = code;
  g_free (priv->last_sqlstate);
  priv->last_sqlstate = g_strdup (sqlstate);
}
