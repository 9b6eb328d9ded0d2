/* exec-test-util.h - bundles, configurations and runs for the executor tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade.h>

#include "upg-journal-write-private.h"

G_BEGIN_DECLS

/* One scratch site: a bundle, a configuration and a state directory under
 * a temporary directory removed at the end. */
typedef struct {
  char *root;
  char *bundle;
  char *state;
  char *config;
} ExecFixture;

void          exec_fixture_init          (ExecFixture  *fx);
void          exec_fixture_clear         (ExecFixture  *fx);
char         *exec_fixture_path          (ExecFixture  *fx,
                                          const char   *relative);
void          exec_fixture_write         (ExecFixture  *fx,
                                          const char   *relative,
                                          const char   *content);
void          exec_fixture_write_manifest (ExecFixture *fx,
                                           const char  *version,
                                           const char  *upgrade_steps_json,
                                           const char  *rollback_steps_json);
void          exec_fixture_write_config  (ExecFixture  *fx,
                                          const char   *site,
                                          const char   *datasources_json);
void          exec_fixture_write_config_extra (ExecFixture *fx,
                                               const char  *site,
                                               const char  *datasources_json,
                                               const char  *extra_json);
char         *exec_fixture_sqlite_source (ExecFixture  *fx,
                                          const char   *file);

UpgExecutor  *exec_fixture_executor      (ExecFixture  *fx);
void          exec_confirm_plan          (UpgExecutor  *executor,
                                          UpgRun       *run);
gboolean      exec_run                   (UpgExecutor  *executor,
                                          UpgRun       *run,
                                          UpgExecution **execution,
                                          GError      **error);
UpgRun       *exec_run_new               (UpgRunKind    kind,
                                          const char   *from,
                                          const char   *to,
                                          const char   *stage_text);
gboolean      exec_fixture_run           (ExecFixture  *fx,
                                          const char   *from,
                                          const char   *to,
                                          const char   *stage,
                                          UpgExecution **execution,
                                          GError      **error);
gboolean      exec_fixture_rollback      (ExecFixture  *fx,
                                          const char   *from,
                                          const char   *to,
                                          const char   *stage,
                                          UpgExecution **execution,
                                          GError      **error);
void          exec_assert_steps          (UpgExecution *execution,
                                          const char   *expected);
gboolean      exec_fixture_resume        (ExecFixture  *fx,
                                          const char   *id,
                                          UpgResumeAction action,
                                          UpgExecution **execution,
                                          GError      **error);

int           exec_fixture_cli           (ExecFixture  *fx,
                                          const char * const *extra_env,
                                          char        **out,
                                          ...) G_GNUC_NULL_TERMINATED;
char         *exec_fixture_install_good_plugin (ExecFixture *fx);
int           exec_fixture_cli_stderr    (ExecFixture  *fx,
                                          const char * const *extra_env,
                                          char        **err,
                                          ...) G_GNUC_NULL_TERMINATED;
int           exec_fixture_cli_both      (ExecFixture  *fx,
                                          const char * const *extra_env,
                                          char        **out,
                                          char        **err,
                                          ...) G_GNUC_NULL_TERMINATED;
gboolean      exec_fixture_cli_killed    (int           wait_status);
char         *exec_fixture_ctl_lang      (ExecFixture  *fx,
                                          const char   *lang,
                                          int           expected_code,
                                          ...) G_GNUC_NULL_TERMINATED;
JsonObject   *exec_fixture_ctl_json      (ExecFixture  *fx,
                                          const char * const *extra_env,
                                          int           expected_code,
                                          ...) G_GNUC_NULL_TERMINATED;
JsonObject   *exec_parse_json_object     (const char   *text);
void          exec_assert_json_error     (JsonObject   *doc,
                                          const char   *code,
                                          const char   *text);

gint64        exec_sqlite_int            (const char   *db_path,
                                          const char   *sql);
void          exec_sqlite_exec           (const char   *db_path,
                                          const char   *sql);

void          exec_wait_log_line         (GSubprocess  *process,
                                          const char   *needle);
UpgConnection *exec_open_source          (const char   *name,
                                          const char   *json);
char         *exec_query_text            (UpgConnection *connection,
                                          const char   *sql);
void          exec_execute               (UpgConnection *connection,
                                          const char   *sql);
int           exec_exit_code             (int           wait_status);

char         *exec_journal_statuses      (ExecFixture  *fx,
                                          const char   *execution_id,
                                          guint         sequence);
char         *exec_fixture_init_sqlite_app (ExecFixture *fx);
char         *exec_record_marker         (const char   *site,
                                          JsonObject   *record);

void          exec_assert_same_lines     (const char   *before,
                                          const char   *after);

G_END_DECLS
