/* upg-connector.c - opening data sources; helpers shared by the backends
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-connector-private.h"
#include "upg-data-source-private.h"
#include "upg-mysql-connection-private.h"
#include "upg-pg-connection-private.h"
#include "upg-sqlite-connection-private.h"
#ifdef UPG_HAVE_LIBGDA
#include "upg-gda-connection-private.h"
#endif

/* Returns the end of the quoted text starting at @p (on the quote). @escapes
 * says whether a backslash escapes the next character (MySQL strings,
 * PostgreSQL E'' strings); a doubled quote is always an escaped quote. An
 * unterminated quote runs to the end of the text, as the server sees it. */
static const char *
skip_quoted (const char *p,
             gboolean    escapes)
{
  char quote = *p++;

  for (; *p != '\0'; p++)
    {
      if (escapes && *p == '\\' && p[1] != '\0')
        p++;
      else if (*p == quote && p[1] == quote)
        p++;
      else if (*p == quote)
        return p + 1;
    }

  return p;
}

static const char *
skip_line (const char *p)
{
  const char *eol = strchr (p, '\n');

  return eol != NULL ? eol + 1 : p + strlen (p);
}

/* PostgreSQL block comments nest; MySQL's do not. */
static const char *
skip_block_comment (const char *p,
                    gboolean    nested)
{
  int depth = 0;

  while (*p != '\0')
    {
      if (p[0] == '/' && p[1] == '*')
        {
          depth = nested || depth == 0 ? depth + 1 : depth;
          p += 2;
        }
      else if (p[0] == '*' && p[1] == '/')
        {
          p += 2;
          if (--depth == 0)
            return p;
        }
      else
        p++;
    }

  return p;
}

static gboolean
is_ident_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || (guchar) c >= 0x80;
}

/* A PostgreSQL dollar quote `$tag$…$tag$` starting at @p; returns %NULL
 * when the `$` does not open one (a parameter `$1`, or part of a name). */
static const char *
skip_dollar_quote (const char *start,
                   const char *p)
{
  const char *tag_end = p + 1;
  g_autofree char *tag = NULL;
  const char *close;

  if (p > start && is_ident_char (p[-1]))
    return NULL;
  if (g_ascii_isdigit (*tag_end))
    return NULL;
  while (is_ident_char (*tag_end) && *tag_end != '$')
    tag_end++;
  if (*tag_end != '$')
    return NULL;

  tag = g_strndup (p, tag_end - p + 1);
  close = strstr (tag_end + 1, tag);

  return close != NULL ? close + strlen (tag) : tag_end + strlen (tag_end);
}

/* Returns where the token at @p that can hide a `?` ends, or @p itself
 * when no quote or comment starts there. */
static const char *
skip_non_code (const char *start,
               const char *p,
               UpgDialect  dialect)
{
  gboolean pg = dialect == UPG_DIALECT_POSTGRESQL;
  gboolean mysql = dialect == UPG_DIALECT_MYSQL;

  switch (*p)
    {
    case '\'':
      return skip_quoted (p, mysql || (pg && p > start && (p[-1] == 'E' || p[-1] == 'e')
                                       && (p - 1 == start || !is_ident_char (p[-2]))));
    case '"':
      return skip_quoted (p, mysql);
    case '`':
      return mysql ? skip_quoted (p, FALSE) : p;
    case '#':
      return mysql ? skip_line (p) : p;
    case '-':
      /* MySQL wants whitespace after `--`; `1--1` is arithmetic there. */
      if (p[1] == '-' && (!mysql || p[2] == '\0' || g_ascii_isspace (p[2])))
        return skip_line (p);
      return p;
    case '/':
      return p[1] == '*' ? skip_block_comment (p, pg) : p;
    case '$':
      if (pg)
        {
          const char *end = skip_dollar_quote (start, p);
          return end != NULL ? end : p;
        }
      return p;
    default:
      return p;
    }
}

/**
 * upg_sql_replace_placeholders:
 * @sql: a statement
 * @dialect: how quotes and comments are written in @sql
 * @func: (scope call): returns the text of each placeholder
 * @data: data for @func
 * @n_placeholders: (out): the number of placeholders found
 *
 * Replaces each `?` outside quotes, quoted identifiers, comments and (for
 * PostgreSQL) dollar quotes by what @func returns; the rest of the text is
 * copied byte for byte.
 *
 * Returns: (transfer full): the new text
 */
char *
upg_sql_replace_placeholders (const char            *sql,
                              UpgDialect             dialect,
                              UpgSqlPlaceholderFunc  func,
                              gpointer               data,
                              guint                 *n_placeholders)
{
  GString *out = g_string_sized_new (strlen (sql) + 16);
  const char *p = sql;
  guint n = 0;

  while (*p != '\0')
    {
      const char *end = skip_non_code (sql, p, dialect);

      if (end != p)
        {
          g_string_append_len (out, p, end - p);
          p = end;
        }
      else if (*p == '?')
        {
          g_autofree char *value = func (n++, data);

          g_string_append (out, value);
          p++;
        }
      else
        g_string_append_c (out, *p++);
    }

  *n_placeholders = n;
  return g_string_free (out, FALSE);
}

/**
 * upg_sql_check_param_count:
 * @conn: the connection the query is for
 * @n_placeholders: the placeholders in the query
 * @params: (nullable) (array zero-terminated=1): the values given
 * @error: return location for a #GError
 *
 * Returns: %TRUE if there is one value per placeholder
 */
gboolean
upg_sql_check_param_count (UpgConnection  *conn,
                           guint           n_placeholders,
                           const char    **params,
                           GError        **error)
{
  guint n_params = params != NULL ? g_strv_length ((char **) params) : 0;

  if (n_params == n_placeholders)
    return TRUE;

  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               _("query on data source '%s' has %u placeholders but %u values were given"),
               upg_connection_get_name (conn), n_placeholders, n_params);
  return FALSE;
}

/* Connection attempts: the first, then one per back-off delay (SPEC §5:
 * connection failures are retried 3 times with back-off). */
static const guint retry_delays_ms[] = { 500, 1000, 2000 };

#define N_ATTEMPTS (G_N_ELEMENTS (retry_delays_ms) + 1)

/* Waits @ms milliseconds unless @cancellable fires first. */
static gboolean
wait_or_cancel (guint         ms,
                GCancellable *cancellable)
{
  GPollFD fd;

  if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &fd))
    {
      g_poll (&fd, 1, ms);
      g_cancellable_release_fd (cancellable);
    }
  else
    g_usleep ((gulong) ms * 1000);

  return !g_cancellable_is_cancelled (cancellable);
}

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
    case UPG_DIALECT_OTHER:
    default:
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                   _("data source '%s': provider '%s' has no native connector; "
                     "give a libgda \"cnc\" string instead"),
                   name, upg_data_source_get_provider (self));
      return NULL;
    }
}

/* Replaces every occurrence of @secret in @text by `***`. */
static char *
scrub (const char *text,
       const char *secret)
{
  g_auto(GStrv) parts = NULL;

  if (secret == NULL || *secret == '\0')
    return g_strdup (text);
  parts = g_strsplit (text, secret, -1);
  return g_strjoinv ("***", parts);
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
  g_autofree char *cleaner = NULL;

  /* The backend's own "cannot connect to … 'name': " would repeat what
   * the description says: keep only the reason. */
  reason = reason != NULL ? reason + strlen (quoted) : last->message;
  message = attempts > 1
            ? g_strdup_printf (_("cannot connect to data source %s after %u attempts: %s"),
                               description, attempts, reason)
            : g_strdup_printf (_("cannot connect to data source %s: %s"), description, reason);
  clean = scrub (message, password);
  cleaner = scrub (clean, auth_pw);
  g_set_error_literal (error, UPG_ERROR, last->code, cleaner);
  clear_secret (&auth_pw);
}

/**
 * upg_data_source_open:
 * @self: a data source
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects to the data source with its native backend (libmariadb, libpq or
 * sqlite3), or through libgda for a raw `cnc` string. The password is read
 * from `password_env` or `password_file` now and is kept only as long as
 * the connection needs it.
 *
 * A connection failure (refused, unreachable, timed out, server gone) is
 * retried 3 times, after 0.5 s, 1 s and 2 s; then the error is
 * %UPG_ERROR_DATASOURCE, naming the data source (see
 * upg_data_source_describe()) and the attempts, never the password.
 * A refusal by the server (wrong user or password, unknown database:
 * MariaDB 1044, 1045, 1049, 1698; PostgreSQL class 28, 3D000) is an
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
      if (!wait_or_cancel (retry_delays_ms[attempt], cancellable))
        break;
    }

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_autofree char *description = upg_data_source_describe (self);

      clear_secret (&password);
      g_set_error (error, UPG_ERROR, UPG_ERROR_CANCELLED,
                   _("connecting to data source %s was cancelled"), description);
      return NULL;
    }

  fail_open (self, last, MIN (attempt + 1, N_ATTEMPTS), password, error);
  clear_secret (&password);
  return NULL;
}
