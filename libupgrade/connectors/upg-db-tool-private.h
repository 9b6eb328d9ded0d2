/* upg-db-tool-private.h - running a database's own client tools
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "upg-data-source.h"

G_BEGIN_DECLS

/*
 * UpgDbTool:
 *
 * One run of mariadb-dump / mariadb / pg_dump / psql for a data source.
 * The password never reaches argv: MariaDB tools read it from a 0600
 * option file (`--defaults-extra-file`, which must be their first
 * argument) in @work_dir, removed when the run is freed; PostgreSQL tools
 * get PGPASSWORD in their own environment only. The configuration's
 * secret variables are removed from the child's environment. stderr goes
 * to a file in @work_dir, whose end is quoted when the tool fails.
 */
typedef struct
{
  char        *program;       /* "mariadb-dump", for messages */
  GPtrArray   *argv;          /* what is spawned, NULL-terminated; never a secret */
  char       **env;
  char        *option_file;   /* nullable */
  char        *stderr_path;
  GSubprocess *process;
} UpgDbTool;

UpgDbTool *upg_db_tool_new          (UpgDataSource       *source,
                                     const char          *program,
                                     const char          *work_dir,
                                     const char * const  *secret_env,
                                     GError             **error);
void       upg_db_tool_add          (UpgDbTool           *tool,
                                     const char          *arg);
gboolean   upg_db_tool_spawn        (UpgDbTool           *tool,
                                     GSubprocessFlags     flags,
                                     GError             **error);
gboolean   upg_db_tool_wait         (UpgDbTool           *tool,
                                     GCancellable        *cancellable,
                                     GError             **error);
void       upg_db_tool_free         (UpgDbTool           *tool);

char      *upg_db_quote_mysql_name  (const char          *name);
char      *upg_db_quote_pg_name     (const char          *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgDbTool, upg_db_tool_free)

G_END_DECLS
