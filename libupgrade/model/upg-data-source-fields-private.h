/* upg-data-source-fields-private.h - the fields of UpgDataSource, for its
 * own files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Shared by upg-data-source.c (the object, its accessors and its
 * password) and upg-data-source-read.c (reading it from the
 * configuration), and by no other file: the connectors go through the
 * accessors of upg-data-source-private.h.
 */
#pragma once

#include "upg-data-source-private.h"

G_BEGIN_DECLS

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
  char       *password;      /* given in memory (a plugin host's), else NULL */
  char       *path;
  char       *cnc;
  char       *auth;
  char       *url;        /* ClickHouse: the HTTP interface */
  GStrv       settings;   /* ClickHouse: name, value, …, NULL */
  gboolean    redis;
  guint       redis_db;
  guint       connect_timeout;
};

G_END_DECLS
