/* upg-connection.h - a connection to one data source
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_SPI_INSIDE__) && !defined(UPGRADE_SPI_COMPILATION)
#error "Only <upgrade-spi.h> can be included directly."
#endif

#include <gio/gio.h>

#include "upg-rows.h"

#include "upg-spi-version-macros.h"

G_BEGIN_DECLS

/**
 * UpgDialect:
 * @UPG_DIALECT_SQLITE: SQLite 3
 * @UPG_DIALECT_MYSQL: MySQL or MariaDB
 * @UPG_DIALECT_POSTGRESQL: PostgreSQL
 * @UPG_DIALECT_OTHER: another database reached through libgda
 * @UPG_DIALECT_CLICKHOUSE: ClickHouse, over its HTTP interface (no
 *   transactions; every statement takes effect on its own)
 *
 * The SQL dialect a connection speaks; it decides how scripts are split
 * and how the journal writes its tables.
 */
typedef enum {
  UPG_DIALECT_SQLITE,
  UPG_DIALECT_MYSQL,
  UPG_DIALECT_POSTGRESQL,
  UPG_DIALECT_OTHER,
  UPG_DIALECT_CLICKHOUSE,
} UpgDialect;

#define UPG_TYPE_CONNECTION (upg_connection_get_type ())

UPG_SPI_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (UpgConnection, upg_connection, UPG, CONNECTION, GObject)

/**
 * UpgConnectionClass:
 * @parent_class: the parent class
 * @execute: runs one statement exactly as given, reports the affected rows
 * @query: runs a query with `?` placeholders bound to text values
 * @begin: starts a transaction
 * @commit: commits the transaction
 * @rollback: rolls the transaction back
 * @ping: checks that the server still answers
 * @get_server_version: the server's version text
 * @set_statement_timeout: limits how long one statement may run
 *
 * The virtual methods a native backend implements. Every method reports a
 * refused statement as %UPG_ERROR_SQL after calling
 * upg_connection_set_last_error() with the server's own code and SQLSTATE,
 * and a lost or refused connection as %UPG_ERROR_DATASOURCE.
 */
struct _UpgConnectionClass
{
  GObjectClass parent_class;

  gboolean  (*execute)               (UpgConnection  *self,
                                      const char     *sql,
                                      gint64         *affected_rows,
                                      GCancellable   *cancellable,
                                      GError        **error);
  UpgRows  *(*query)                 (UpgConnection  *self,
                                      const char     *sql,
                                      const char    **params,
                                      GCancellable   *cancellable,
                                      GError        **error);
  gboolean  (*begin)                 (UpgConnection  *self,
                                      GError        **error);
  gboolean  (*commit)                (UpgConnection  *self,
                                      GError        **error);
  gboolean  (*rollback)              (UpgConnection  *self,
                                      GError        **error);
  gboolean  (*ping)                  (UpgConnection  *self,
                                      GError        **error);
  char     *(*get_server_version)    (UpgConnection  *self,
                                      GError        **error);
  gboolean  (*set_statement_timeout) (UpgConnection  *self,
                                      guint           seconds,
                                      GError        **error);

  /*< private >*/
  gpointer padding[8];
};

UPG_SPI_AVAILABLE_IN_ALL
const char  *upg_connection_get_name               (UpgConnection  *self);
UPG_SPI_AVAILABLE_IN_ALL
UpgDialect   upg_connection_get_dialect            (UpgConnection  *self);
UPG_SPI_AVAILABLE_IN_ALL
gboolean     upg_connection_has_transactional_ddl  (UpgConnection  *self);

UPG_SPI_AVAILABLE_IN_ALL
gboolean     upg_connection_execute                (UpgConnection  *self,
                                                    const char     *sql,
                                                    gint64         *affected_rows,
                                                    GCancellable   *cancellable,
                                                    GError        **error);
UPG_SPI_AVAILABLE_IN_ALL
UpgRows     *upg_connection_query                  (UpgConnection  *self,
                                                    const char     *sql,
                                                    const char    **params,
                                                    GCancellable   *cancellable,
                                                    GError        **error);
UPG_SPI_AVAILABLE_IN_ALL
gboolean     upg_connection_begin                  (UpgConnection  *self,
                                                    GError        **error);
UPG_SPI_AVAILABLE_IN_ALL
gboolean     upg_connection_commit                 (UpgConnection  *self,
                                                    GError        **error);
UPG_SPI_AVAILABLE_IN_ALL
gboolean     upg_connection_rollback               (UpgConnection  *self,
                                                    GError        **error);
UPG_SPI_AVAILABLE_IN_ALL
gboolean     upg_connection_ping                   (UpgConnection  *self,
                                                    GError        **error);
UPG_SPI_AVAILABLE_IN_ALL
char        *upg_connection_get_server_version     (UpgConnection  *self,
                                                    GError        **error);
UPG_SPI_AVAILABLE_IN_ALL
gboolean     upg_connection_set_statement_timeout  (UpgConnection  *self,
                                                    guint           seconds,
                                                    GError        **error);

UPG_SPI_AVAILABLE_IN_ALL
const char  *upg_connection_get_last_sqlstate      (UpgConnection  *self);
UPG_SPI_AVAILABLE_IN_ALL
int          upg_connection_get_last_error_code    (UpgConnection  *self);
UPG_SPI_AVAILABLE_IN_ALL
void         upg_connection_set_last_error         (UpgConnection  *self,
                                                    int             code,
                                                    const char     *sqlstate);

G_END_DECLS
