/* upg-connector.c - opening data sources with the backend of their dialect
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-clickhouse-connection-private.h"
#include "upg-data-source-private.h"
#include "upg-mysql-connection-private.h"
#include "upg-pg-connection-private.h"
#include "upg-redis-connection-private.h"
#include "upg-secret-private.h"
#include "upg-sqlite-connection-private.h"
#include "upg-wait-private.h"
#ifdef UPG_HAVE_LIBGDA
#include "upg-gda-connection-private.h"
#endif

/* Connection attempts: the first, then one per back-off delay (SPEC §5:
 * connection failures are retried 3 times with back-off). */
static const guint retry_delays_ms[] = { 500, 1000, 2000 };

#define N_ATTEMPTS (G_N_ELEMENTS (retry_delays_ms) + 1)

static UpgConnection *
open_gda (UpgDataSource  *self,
          gboolean       *refused,
          GError        **error)
{
#ifdef UPG_HAVE_LIBGDA
  return upg_gda_connection_new (upg_data_source_get_name (self), upg_data_source_get_cnc (self),
                                 upg_data_source_get_auth (self), refused, error);
#else
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
               _("data source '%s' is a raw libgda \"cnc\" string, but this libupgrade "
                 "was built without libgda (meson option libgda); use provider "
                 "MySQL, PostgreSQL or SQLite"),
               upg_data_source_get_name (self));
  return NULL;
#endif
}

/* One attempt, with the backend the data source's dialect asks for.
 * @refused tells that the server answered with a refusal (credentials,
 * unknown database), which no retry can change. */
static UpgConnection *
open_once (UpgDataSource  *self,
           const char     *password,
           gboolean       *refused,
           GError        **error)
{
  const char *name = upg_data_source_get_name (self);

  *refused = FALSE;
  if (upg_data_source_get_cnc (self) != NULL)
    return open_gda (self, refused, error);
  if (upg_data_source_is_redis (self))
    return upg_redis_connection_new (name, upg_data_source_get_host (self),
                                     upg_data_source_get_port (self),
                                     upg_data_source_get_socket (self),
                                     upg_data_source_get_redis_db (self), password,
                                     upg_data_source_get_connect_timeout (self), refused, error);

  switch (upg_data_source_get_dialect (self))
    {
    case UPG_DIALECT_SQLITE:
      return upg_sqlite_connection_new (name, upg_data_source_get_path (self), error);
    case UPG_DIALECT_MYSQL:
      return upg_mysql_connection_new (name, upg_data_source_get_host (self),
                                       upg_data_source_get_port (self),
                                       upg_data_source_get_socket (self),
                                       upg_data_source_get_user (self), password,
                                       upg_data_source_get_database (self), refused, error);
    case UPG_DIALECT_POSTGRESQL:
      return upg_pg_connection_new (name, upg_data_source_get_host (self),
                                    upg_data_source_get_port (self),
                                    upg_data_source_get_socket (self),
                                    upg_data_source_get_user (self), password,
                                    upg_data_source_get_database (self), refused, error);
    case UPG_DIALECT_CLICKHOUSE:
      return upg_clickhouse_connection_new (name, upg_data_source_get_url (self),
                                            upg_data_source_get_user (self), password,
                                            upg_data_source_get_database (self),
                                            upg_data_source_get_settings (self), refused, error);
    case UPG_DIALECT_OTHER:
    default:
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                   _("data source '%s': provider '%s' has no native connector; "
                     "give a libgda \"cnc\" string instead"),
                   name, upg_data_source_get_provider (self));
      return NULL;
    }
}

/* The password a libgda auth string holds (`…;PASSWORD=p;…`), if any. */
static char *
auth_password (const char *auth)
{
  g_auto(GStrv) pairs = auth != NULL ? g_strsplit (auth, ";", -1) : NULL;

  for (guint i = 0; pairs != NULL && pairs[i] != NULL; i++)
    {
      const char *value = strchr (pairs[i], '=');

      if (value != NULL && g_ascii_strncasecmp (g_strstrip (pairs[i]), "PASSWORD=", 9) == 0)
        return g_strdup (value + 1);
    }
  return NULL;
}

static void
clear_secret (char **secret)
{
  if (*secret != NULL)
    memset (*secret, 0, strlen (*secret));
  g_clear_pointer (secret, g_free);
}

/* Words the final error: which data source, how many attempts, what the
 * server said, with any secret blanked out. */
static void
fail_open (UpgDataSource  *self,
           GError         *last,
           guint           attempts,
           const char     *password,
           GError        **error)
{
  g_autofree char *description = upg_data_source_describe (self);
  g_autofree char *auth_pw = auth_password (upg_data_source_get_auth (self));
  /* TRANSLATORS: how the connectors' "cannot connect to … data source '%s': "
   * quote the data source's name before the reason; translate it exactly as
   * those messages do, so that the repeated part is dropped. */
  g_autofree char *quoted = g_strdup_printf (_("'%s': "), upg_data_source_get_name (self));
  const char *reason = strstr (last->message, quoted);
  g_autofree char *message = NULL;
  g_autofree char *clean = NULL;

  /* The backend's own "cannot connect to … 'name': " would repeat what
   * the description says: keep only the reason. */
  reason = reason != NULL ? reason + strlen (quoted) : last->message;
  message = attempts > 1
            ? g_strdup_printf (_("cannot connect to data source %s after %u attempts: %s"),
                               description, attempts, reason)
            : g_strdup_printf (_("cannot connect to data source %s: %s"), description, reason);
  {
    /* Empty values hide nothing; a NULL auth password ends the list. */
    const char *secrets[] = { password != NULL ? password : "", auth_pw, NULL };

    clean = upg_secret_scrub (message, secrets);
  }
  g_set_error_literal (error, UPG_ERROR, last->code, clean);
  clear_secret (&auth_pw);
}

/**
 * upg_data_source_open:
 * @self: a data source
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects to the data source with its native backend (libmariadb, libpq,
 * sqlite3, or ClickHouse's HTTP interface through libsoup; for Redis, hiredis: an
 * #UpgRedisClient), or through
 * libgda for a raw `cnc` string. The password is read
 * from `password_env` or `password_file` now and is kept only as long as
 * the connection needs it.
 *
 * A connection failure (refused, unreachable, timed out, server gone) is
 * retried 3 times, after 0.5 s, 1 s and 2 s; then the error is
 * %UPG_ERROR_DATASOURCE, naming the data source (see
 * upg_data_source_describe()) and the attempts, never the password.
 * A refusal by the server (wrong user or password, unknown database:
 * MariaDB 1044, 1045, 1049, 1698; PostgreSQL class 28, 3D000; ClickHouse
 * 81, 192–195, 516; Redis's error reply to AUTH, PING or SELECT) is an
 * answer, not a connection failure, and fails at once with
 * %UPG_ERROR_DATASOURCE. Configuration errors (an unset password
 * variable, a provider without a connector, a raw `cnc` string when
 * libgda is disabled) and SQLite files, which are local, are not retried
 * either.
 *
 * Returns: (transfer full): the connection, or %NULL on error
 */
UpgConnection *
upg_data_source_open (UpgDataSource  *self,
                      GCancellable   *cancellable,
                      GError        **error)
{
  g_autoptr(GError) last = NULL;
  char *password = NULL;
  gboolean retry, refused = FALSE;
  guint attempt = 0;

  g_return_val_if_fail (UPG_IS_DATA_SOURCE (self), NULL);

  if (upg_data_source_get_cnc (self) == NULL
      && upg_data_source_get_dialect (self) != UPG_DIALECT_SQLITE)
    {
      password = upg_data_source_dup_password (self, &last);
      if (last != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&last));
          return NULL;
        }
    }
  retry = upg_data_source_get_cnc (self) != NULL
          || upg_data_source_get_dialect (self) != UPG_DIALECT_SQLITE;

  for (attempt = 0; attempt < N_ATTEMPTS; attempt++)
    {
      UpgConnection *conn;

      if (g_cancellable_is_cancelled (cancellable))
        break;

      g_clear_error (&last);
      conn = open_once (self, password, &refused, &last);
      if (conn != NULL)
        {
          clear_secret (&password);
          return conn;
        }
      if (!retry || refused || !g_error_matches (last, UPG_ERROR, UPG_ERROR_DATASOURCE)
          || attempt + 1 == N_ATTEMPTS)
        break;

      g_debug ("data source '%s': attempt %u failed, retrying in %u ms",
               upg_data_source_get_name (self), attempt + 1, retry_delays_ms[attempt]);
      if (!upg_wait_or_cancel (retry_delays_ms[attempt], cancellable))
        break;
    }

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_autofree char *description = upg_data_source_describe (self);

      clear_secret (&password);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                   _("connecting to data source %s was cancelled"), description);
      return NULL;
    }

  fail_open (self, last, MIN (attempt + 1, N_ATTEMPTS), password, error);
  clear_secret (&password);
  return NULL;
}
