/* real-case.h - real upgrade scripts applied by upgradectl (database A)
 * and by the native client (database B) on one server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "exec-test-util.h"
#include "upg-test-servers.h"

G_BEGIN_DECLS

#define REAL_RUN_FROM "0.9.0"

/* A series of real scripts (tests/fixtures/sql/real) and its bundle
 * (tests/fixtures/real-bundles). */
typedef struct {
  const char *bundle;       /* under tests/fixtures/real-bundles */
  const char *real_dir;     /* under tests/fixtures/sql/real: the bundle's "sql/" */
  const char *upgrade_dir;  /* under real_dir: every upgrade script of the series */
  UpgDialect  dialect;
  const char *to;           /* the bundle's last version */
  const char *seed;         /* under tests/fixtures/real-bundles/seeds; NULL: none */
  gboolean    comments;     /* MySQL: the native client runs with --comments */
} RealSeries;

extern const RealSeries real_series[];
extern const guint real_n_series;

typedef struct {
  const RealSeries *series;
  ExecFixture       fx;
  UpgTestServer    *server;   /* NULL for SQLite */
  char             *db[2];    /* [0]: upgradectl (A), [1]: native client (B) */
  char             *json[2];  /* their data sources */
  char             *journal_json;
} RealCase;

char        *real_source_path            (const char *first,
                                          ...) G_GNUC_NULL_TERMINATED;
void         real_servers_stop           (void);

void         real_case_init              (RealCase         *rc,
                                          const RealSeries *series);
void         real_case_clear             (RealCase         *rc);
void         real_case_assemble_bundle   (RealCase         *rc);
void         real_case_copy_manifest     (RealCase         *rc,
                                          const char       *name);
void         real_case_add_manifest      (RealCase         *rc,
                                          const char       *version,
                                          const char       *step_id,
                                          const char       *script);
GPtrArray   *real_case_planned_scripts   (RealCase         *rc,
                                          const char       *to,
                                          GPtrArray       **step_ids,
                                          GPtrArray       **versions);
gboolean     real_case_native_apply      (RealCase         *rc,
                                          guint             which,
                                          const char       *script,
                                          char            **output);
JsonObject  *real_case_engine_run        (RealCase         *rc,
                                          const char       *to,
                                          int              *exit_code);
char        *real_case_dump              (RealCase         *rc,
                                          guint             which);
void         real_assert_same_dump       (const char       *context,
                                          const char       *engine,
                                          const char       *native);

G_END_DECLS
