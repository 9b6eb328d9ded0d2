/* mig-test-util.h - a scratch site for batched_migration tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "db-site.h"

#define FROM "1.0.0"
#define TO "1.1.0"
#define ROWS 2000
#define COUNTER_SQL "UPDATE @T@ SET n = n + 1 WHERE id BETWEEN :start AND :end"

typedef struct {
  DbSite  site;
  gboolean sqlite;
  gboolean pg;
  char    *flag;     /* the throttle's table */
} Mig;

void mig_init (Mig *mig, Db *db, const char *site_id);
void mig_clear (Mig *mig);
void mig_write_bundle (Mig *mig, const char *sql_text, const char *extra);
char *throttle_json (Mig *mig, guint after);
gint64 count_where (Mig *mig, const char *condition);
void assert_all_once (Mig *mig);
gint64 assert_checkpoint_consistent (Mig *mig);
int run_stage (Mig *mig, const char *hook, char **out);
JsonObject *list_migration (Mig *mig);
gboolean has (JsonObject *m, const char *member, const char *value);
gboolean is_finished (JsonObject *m);
int control (Mig *mig, const char *action, const char *id);

typedef gboolean (*MigAliveFunc) (gpointer data);
JsonObject *mig_wait_for (Mig *mig, MigAliveFunc alive, gpointer data, const char *member, const char *value);
