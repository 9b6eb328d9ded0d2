/* upg-gda-connection.c - UpgConnection over libgda 5 (raw cnc strings)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <libgda/libgda.h>
#include <sql-parser/gda-sql-parser.h>

#include "upg-sql-placeholders-private.h"
#include "upg-gda-connection-private.h"

/* libgda 5 predates g_autoptr. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GdaConnection, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GdaDataModel, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GdaStatement, g_object_unref)

/**
 * UpgGdaConnection:
 *
 * A connection opened from a raw libgda `cnc` string (and optional `auth`
 * string), for providers the native backends do not cover.
 *
 * Limits, inherent to libgda: a statement is parsed by the provider's SQL
 * parser and rendered again before it reaches the server, so it is not
 * sent byte for byte and syntax the parser does not know may be refused
 * or altered (block comments inside a query, for one); texts are split by
 * that parser too. The server's SQLSTATE
 * and native error code are taken from libgda's connection events when the
 * provider reports them, and are otherwise lost (code 0, no SQLSTATE).
 * Statement timeouts are set with the server's own setting for MySQL and
 * PostgreSQL and are unsupported for other providers; cancellation is only
 * checked between statements. Use the `MySQL`, `PostgreSQL` or `SQLite`
 * providers of the configuration for exact execution.
 */
struct _UpgGdaConnection
{
  UpgConnection  parent_instance;

  GdaConnection *cnc;
  GdaSqlParser  *parser;
};

G_DEFINE_FINAL_TYPE (UpgGdaConnection, upg_gda_connection, UPG_TYPE_CONNECTION)

/* Reports @gda_error, enriched with the code and SQLSTATE of the last
 * error event the provider recorded, if any. */
static gboolean
set_gda_error (UpgGdaConnection  *self,
               GError            *gda_error,
               GError           **error)
{
  UpgConnection *conn = UPG_CONNECTION (self);
  GdaConnectionEvent *event = NULL;
  const char *sqlstate = NULL;
  glong code = 0;

  for (const GList *l = gda_connection_get_events (self->cnc); l != NULL; l = l->next)
    if (gda_connection_event_get_event_type (l->data) == GDA_CONNECTION_EVENT_ERROR)
      event = l->data;

  if (event != NULL)
    {
      code = gda_connection_event_get_code (event);
      sqlstate = gda_connection_event_get_sqlstate (event);
      /* libgda fills in a generic state when the server gave none. */
      if (sqlstate != NULL && (*sqlstate == '\0' || g_str_equal (sqlstate, "-")))
        sqlstate = NULL;
    }
  upg_connection_set_last_error (conn, (int) code, sqlstate);

  g_set_error (error, UPG_ERROR,
               gda_connection_is_opened (self->cnc) ? UPG_ERROR_SQL : UPG_ERROR_DATASOURCE,
               "ERROR %ld (%s): %s", code, sqlstate != NULL ? sqlstate : "no SQLSTATE",
               gda_error != NULL && gda_error->message != NULL ? gda_error->message : "unknown error");
  g_clear_error (&gda_error);
  return FALSE;
}

static gboolean
upg_gda_connection_execute (UpgConnection  *conn,
                            const char     *sql,
                            gint64         *affected_rows,
                            GCancellable   *cancellable,
                            GError        **error)
{
  UpgGdaConnection *self = UPG_GDA_CONNECTION (conn);
  const char *next = sql;
  gint64 affected = 0;

  while (next != NULL && *next != '\0')
    {
      g_autoptr(GdaStatement) stmt = NULL;
      g_autoptr(GObject) result = NULL;
      GError *gda_error = NULL;
      const char *remain = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      stmt = gda_sql_parser_parse_string (self->parser, next, &remain, &gda_error);
      if (stmt == NULL)
        {
          /* Nothing left but white space or comments. */
          if (gda_error == NULL)
            break;
          return set_gda_error (self, gda_error, error);
        }
      next = remain;

      result = gda_connection_statement_execute (self->cnc, stmt, NULL,
                                                 GDA_STATEMENT_MODEL_RANDOM_ACCESS, NULL, &gda_error);
      if (result == NULL)
        return set_gda_error (self, gda_error, error);
      if (GDA_IS_SET (result))
        {
          GdaHolder *holder = gda_set_get_holder (GDA_SET (result), "IMPACTED_ROWS");
          const GValue *value = holder != NULL ? gda_holder_get_value (holder) : NULL;

          if (value != NULL && G_VALUE_HOLDS_INT (value))
            affected += g_value_get_int (value);
        }
    }

  if (affected_rows != NULL)
    *affected_rows = affected;
  return TRUE;
}

typedef struct
{
  GdaDataHandler  *handler;
  const char     **params;
  guint            n_params;
} QuoteData;

static char *
quote_param (guint    index,
             gpointer data)
{
  QuoteData *quote = data;
  g_auto(GValue) value = G_VALUE_INIT;

  /* Extra placeholders are counted, then refused by the caller. */
  if (index >= quote->n_params)
    return g_strdup ("NULL");

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, quote->params[index]);
  return gda_data_handler_get_sql_from_value (quote->handler, &value);
}

static UpgRows *
rows_from_model (GdaDataModel  *model,
                 GError       **error)
{
  int n_columns = gda_data_model_get_n_columns (model);
  int n_rows = gda_data_model_get_n_rows (model);
  g_autofree const char **names = g_new0 (const char *, n_columns + 1);
  g_autoptr(UpgRows) rows = NULL;

  for (int i = 0; i < n_columns; i++)
    names[i] = gda_data_model_get_column_title (model, i);
  rows = upg_rows_new (n_columns, names);

  for (int row = 0; row < n_rows; row++)
    {
      char **values = g_new0 (char *, n_columns + 1);

      for (int i = 0; i < n_columns; i++)
        {
          const GValue *value = gda_data_model_get_value_at (model, i, row, error);

          if (value == NULL)
            {
              g_strfreev (values);
              return NULL;
            }
          values[i] = gda_value_is_null (value) ? NULL
                      : G_VALUE_HOLDS_STRING (value) ? g_value_dup_string (value)
                      : gda_value_stringify (value);
        }
      upg_rows_append_take (rows, values);
    }

  return g_steal_pointer (&rows);
}

static UpgRows *
upg_gda_connection_query (UpgConnection  *conn,
                          const char     *sql,
                          const char    **params,
                          GCancellable   *cancellable,
                          GError        **error)
{
  UpgGdaConnection *self = UPG_GDA_CONNECTION (conn);
  GdaServerProvider *provider = gda_connection_get_provider (self->cnc);
  QuoteData quote = { gda_server_provider_get_data_handler_g_type (provider, self->cnc, G_TYPE_STRING),
                      params, params != NULL ? g_strv_length ((char **) params) : 0 };
  g_autoptr(GdaDataModel) model = NULL;
  g_autofree char *text = NULL;
  GError *gda_error = NULL;
  guint n_placeholders;

  /* libgda's own placeholders are `##name::type`; `?` values are quoted
   * by the provider's data handler instead. */
  text = upg_sql_replace_placeholders (sql, upg_connection_get_dialect (conn), quote_param, &quote,
                                       &n_placeholders);
  if (!upg_sql_check_param_count (conn, n_placeholders, params, error))
    return NULL;

  model = gda_connection_execute_select_command (self->cnc, text, &gda_error);
  if (model == NULL)
    return set_gda_error (self, gda_error, error), NULL;

  return rows_from_model (model, error);
}

static gboolean
upg_gda_connection_begin (UpgConnection  *conn,
                          GError        **error)
{
  UpgGdaConnection *self = UPG_GDA_CONNECTION (conn);
  GError *gda_error = NULL;

  if (gda_connection_begin_transaction (self->cnc, NULL, GDA_TRANSACTION_ISOLATION_UNKNOWN, &gda_error))
    return TRUE;
  return set_gda_error (self, gda_error, error);
}

static gboolean
upg_gda_connection_commit (UpgConnection  *conn,
                           GError        **error)
{
  UpgGdaConnection *self = UPG_GDA_CONNECTION (conn);
  GError *gda_error = NULL;

  if (gda_connection_commit_transaction (self->cnc, NULL, &gda_error))
    return TRUE;
  return set_gda_error (self, gda_error, error);
}

static gboolean
upg_gda_connection_rollback (UpgConnection  *conn,
                             GError        **error)
{
  UpgGdaConnection *self = UPG_GDA_CONNECTION (conn);
  GError *gda_error = NULL;

  if (gda_connection_rollback_transaction (self->cnc, NULL, &gda_error))
    return TRUE;
  return set_gda_error (self, gda_error, error);
}

static char *
upg_gda_connection_get_server_version (UpgConnection  *conn,
                                       GError        **error)
{
  GdaConnection *cnc = UPG_GDA_CONNECTION (conn)->cnc;

  return g_strdup (gda_server_provider_get_server_version (gda_connection_get_provider (cnc), cnc));
}

static gboolean
upg_gda_connection_set_statement_timeout (UpgConnection  *conn,
                                          guint           seconds,
                                          GError        **error)
{
  g_autofree char *sql = NULL;

  switch (upg_connection_get_dialect (conn))
    {
    case UPG_DIALECT_MYSQL:
      sql = g_strdup_printf ("SET SESSION max_statement_time = %u", seconds);
      break;
    case UPG_DIALECT_POSTGRESQL:
      sql = g_strdup_printf ("SET statement_timeout = '%us'", seconds);
      break;
    case UPG_DIALECT_SQLITE:
    case UPG_DIALECT_OTHER:
    default:
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED,
                   _("data source '%s' (libgda provider %s) does not support statement timeouts"),
                   upg_connection_get_name (conn),
                   gda_connection_get_provider_name (UPG_GDA_CONNECTION (conn)->cnc));
      return FALSE;
    }

  return upg_connection_execute (conn, sql, NULL, NULL, error);
}

static void
upg_gda_connection_finalize (GObject *object)
{
  UpgGdaConnection *self = UPG_GDA_CONNECTION (object);

  g_clear_object (&self->parser);
  if (self->cnc != NULL)
    gda_connection_close (self->cnc);
  g_clear_object (&self->cnc);

  G_OBJECT_CLASS (upg_gda_connection_parent_class)->finalize (object);
}

static void
upg_gda_connection_class_init (UpgGdaConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  UpgConnectionClass *conn_class = UPG_CONNECTION_CLASS (klass);

  object_class->finalize = upg_gda_connection_finalize;

  conn_class->execute = upg_gda_connection_execute;
  conn_class->query = upg_gda_connection_query;
  conn_class->begin = upg_gda_connection_begin;
  conn_class->commit = upg_gda_connection_commit;
  conn_class->rollback = upg_gda_connection_rollback;
  conn_class->get_server_version = upg_gda_connection_get_server_version;
  conn_class->set_statement_timeout = upg_gda_connection_set_statement_timeout;
}

static void
upg_gda_connection_init (UpgGdaConnection *self)
{
}

static UpgDialect
dialect_of (const char *provider)
{
  if (g_ascii_strcasecmp (provider, "SQLite") == 0)
    return UPG_DIALECT_SQLITE;
  if (g_ascii_strcasecmp (provider, "MySQL") == 0)
    return UPG_DIALECT_MYSQL;
  if (g_ascii_strcasecmp (provider, "PostgreSQL") == 0)
    return UPG_DIALECT_POSTGRESQL;
  return UPG_DIALECT_OTHER;
}

/* libgda keeps neither the server's error number nor its SQLSTATE for a
 * failed open, so a refusal (credentials, unknown database) is told by the
 * server's words, in English. A server answering in another language is
 * taken for an unreachable one: retried, as before. */
static gboolean
is_refusal (const char *message)
{
  static const char *const answers[] = {
    "Access denied for user",          /* MySQL 1044, 1045, 1698 */
    "Unknown database",                /* MySQL 1049 */
    "password authentication failed",  /* PostgreSQL 28P01 */
    "no pg_hba.conf entry",            /* PostgreSQL 28000 */
    "does not exist",                  /* PostgreSQL 3D000, 28000 (role) */
  };

  for (guint i = 0; message != NULL && i < G_N_ELEMENTS (answers); i++)
    if (strstr (message, answers[i]) != NULL)
      return TRUE;
  return FALSE;
}

/**
 * upg_gda_connection_new:
 * @name: the data source's name
 * @cnc: a libgda connection string, provider first
 *   (`MySQL://HOST=127.0.0.1;PORT=3306;DB_NAME=x`)
 * @auth: (nullable): a libgda authentication string (`USERNAME=u;PASSWORD=p`)
 * @refused: (out) (optional): set to %TRUE when the server refused the
 *   connection (credentials, unknown database; told by the server's English words): unlike a failure to reach it, retrying cannot help
 * @error: return location for a #GError
 *
 * Opens a connection through libgda. @auth may hold a password: it is
 * never logged nor quoted in an error message.
 *
 * Returns: (transfer full): the connection, or %NULL with
 *   %UPG_ERROR_DATASOURCE
 */
UpgConnection *
upg_gda_connection_new (const char  *name,
                        const char  *cnc,
                        const char  *auth,
                        gboolean    *refused,
                        GError     **error)
{
  static gsize initialised;
  g_autoptr(GdaConnection) gda = NULL;
  g_autoptr(GError) gda_error = NULL;
  UpgGdaConnection *self;
  UpgDialect dialect;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (cnc != NULL, NULL);

  if (g_once_init_enter (&initialised))
    {
      gda_init ();
      g_once_init_leave (&initialised, 1);
    }

  gda = gda_connection_open_from_string (NULL, cnc, auth, GDA_CONNECTION_OPTIONS_NONE, &gda_error);
  if (refused != NULL)
    *refused = gda == NULL && gda_error != NULL && is_refusal (gda_error->message);
  if (gda == NULL)
    {
      /* libgda's messages name the provider and host, never the auth. */
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("cannot open libgda data source '%s': %s"), name,
                   gda_error != NULL ? gda_error->message : _("unknown error"));
      return NULL;
    }

  dialect = dialect_of (gda_connection_get_provider_name (gda));
  self = g_object_new (UPG_TYPE_GDA_CONNECTION,
                       "name", name,
                       "dialect", dialect,
                       "transactional-ddl", dialect == UPG_DIALECT_SQLITE || dialect == UPG_DIALECT_POSTGRESQL,
                       NULL);
  self->cnc = g_steal_pointer (&gda);
  self->parser = gda_connection_create_parser (self->cnc);
  if (self->parser == NULL)
    self->parser = gda_sql_parser_new ();

  return UPG_CONNECTION (self);
}

