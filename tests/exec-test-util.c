/* exec-test-util.c - bundles, configurations and runs for the executor tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "exec-test-util.h"
#include "upg-journal-batch-private.h"

void
exec_fixture_init (ExecFixture *fx)
{
  g_autoptr(GError) error = NULL;

  fx->root = g_dir_make_tmp ("upg-exec-XXXXXX", &error);
  g_assert_no_error (error);
  fx->bundle = g_build_filename (fx->root, "bundle", NULL);
  fx->state = g_build_filename (fx->root, "state", NULL);
  fx->config = g_build_filename (fx->root, "upgrade.json", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fx->bundle, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (fx->state, 0755), ==, 0);
}

static void
remove_tree (GFile *dir)
{
  g_autoptr(GFileEnumerator) children =
    g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                               G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autoptr(GFile) child = g_file_get_child (dir, g_file_info_get_name (info));

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_file_delete (child, NULL, NULL);
      g_object_unref (info);
    }
  g_file_delete (dir, NULL, NULL);
}

void
exec_fixture_clear (ExecFixture *fx)
{
  g_autoptr(GFile) root = g_file_new_for_path (fx->root);

  remove_tree (root);
  g_clear_pointer (&fx->root, g_free);
  g_clear_pointer (&fx->bundle, g_free);
  g_clear_pointer (&fx->state, g_free);
  g_clear_pointer (&fx->config, g_free);
}

char *
exec_fixture_path (ExecFixture *fx,
                   const char  *relative)
{
  return g_build_filename (fx->root, relative, NULL);
}

void
exec_fixture_write (ExecFixture *fx,
                    const char  *relative,
                    const char  *content)
{
  g_autofree char *path = exec_fixture_path (fx, relative);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, content, -1, &error);
  g_assert_no_error (error);
}

/* @upgrade_steps_json: the members of "upgrade_steps", e.g.
 * `"in_stop": [ … ]`. */
void
exec_fixture_write_manifest (ExecFixture *fx,
                             const char  *version,
                             const char  *upgrade_steps_json,
                             const char  *rollback_steps_json)
{
  g_autofree char *relative = g_strdup_printf ("bundle/manifests/%s.json", version);
  g_autofree char *text = g_strdup_printf (
    "{\"version\": \"%s\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"upgrade_steps\": {%s},\n \"rollback_steps\": {%s}}\n",
    version, upgrade_steps_json, rollback_steps_json != NULL ? rollback_steps_json : "");

  exec_fixture_write (fx, relative, text);
}

void
exec_fixture_write_config (ExecFixture *fx,
                           const char  *site,
                           const char  *datasources_json)
{
  exec_fixture_write_config_extra (fx, site, datasources_json, NULL);
}

/* @extra_json: more members of the configuration, e.g. `"plugin_dirs": […]`. */
void
exec_fixture_write_config_extra (ExecFixture *fx,
                                 const char  *site,
                                 const char  *datasources_json,
                                 const char  *extra_json)
{
  g_autofree char *text = g_strdup_printf ("{\"site_id\": \"%s\", \"env\": {\"cluster_id\": \"c-1\"},\n"
                                           " \"datasources\": {%s}%s%s}\n", site, datasources_json,
                                           extra_json != NULL ? ",\n " : "", extra_json != NULL ? extra_json : "");

  g_assert_true (g_file_set_contents (fx->config, text, -1, NULL));
}

/* `"name": {"provider": "SQLite", "path": "<root>/<file>"}` body. */
char *
exec_fixture_sqlite_source (ExecFixture *fx,
                            const char  *file)
{
  g_autofree char *path = exec_fixture_path (fx, file);

  return g_strdup_printf ("{\"provider\": \"SQLite\", \"path\": \"%s\"}", path);
}

UpgExecutor *
exec_fixture_executor (ExecFixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConfig) config = upg_config_new_from_file (fx->config, &error);
  g_autoptr(UpgBundle) bundle = NULL;
  g_autoptr(UpgJournal) journal = NULL;
  g_autofree char *journal_path = g_build_filename (fx->state, "journal.db", NULL);

  g_assert_no_error (error);
  bundle = upg_bundle_new_for_path (fx->bundle, &error);
  g_assert_no_error (error);
  journal = upg_journal_open_sqlite (journal_path, &error);
  g_assert_no_error (error);
  return upg_executor_new (config, bundle, journal, fx->state);
}

/* Runs @run synchronously; *@execution gets the run's execution whether
 * it succeeded or not: the tests look at the breakpoint of failed runs. */
gboolean
exec_run (UpgExecutor   *executor,
          UpgRun        *run,
          UpgExecution **execution,
          GError       **error)
{
  gboolean ok;

  exec_confirm_plan (executor, run);
  ok = upg_executor_run (executor, run, NULL, error);

  if (execution != NULL)
    {
      UpgExecution *result = upg_run_get_execution (run);

      *execution = result != NULL ? g_object_ref (result) : NULL;
    }
  return ok;
}

/* The executor tests' manifests rarely declare compatible_version: their
 * steps need a confirmation (SPEC §3), given here as an operator would
 * with `run --confirm` for a run (not a resume or rollback). A plan that
 * cannot be made is left to the run, whose error the test checks. */
void
exec_confirm_plan (UpgExecutor *executor,
                   UpgRun      *run)
{
  g_autoptr(JsonArray) confirmed = NULL;

  if (upg_run_get_kind (run) != UPG_RUN_KIND_RUN)
    return;
  confirmed = upg_executor_confirm (executor, upg_run_get_from (run), upg_run_get_to (run),
                                    upg_run_get_site_id (run), NULL, "tester@exec-test-util", "test", NULL);
}

/* A run of @stage_text from @from to @to. */
UpgRun *
exec_run_new (UpgRunKind  kind,
              const char *from,
              const char *to,
              const char *stage_text)
{
  g_autoptr(UpgVersion) f = upg_version_parse (from, NULL);
  g_autoptr(UpgVersion) t = upg_version_parse (to, NULL);
  UpgStage stage;

  g_assert_nonnull (f);
  g_assert_nonnull (t);
  g_assert_true (upg_stage_from_string (stage_text, &stage, NULL));
  return upg_run_new (kind, f, t, stage);
}

static gboolean
run_stage (ExecFixture   *fx,
           const char    *from,
           const char    *to,
           const char    *stage_text,
           gboolean       rollback,
           UpgExecution **execution,
           GError       **error)
{
  g_autoptr(UpgExecutor) executor = exec_fixture_executor (fx);
  g_autoptr(UpgRun) run = exec_run_new (rollback ? UPG_RUN_KIND_ROLLBACK : UPG_RUN_KIND_RUN, from, to,
                                        stage_text);

  return exec_run (executor, run, execution, error);
}

gboolean
exec_fixture_run (ExecFixture   *fx,
                  const char    *from,
                  const char    *to,
                  const char    *stage_text,
                  UpgExecution **execution,
                  GError       **error)
{
  return run_stage (fx, from, to, stage_text, FALSE, execution, error);
}

gboolean
exec_fixture_rollback (ExecFixture   *fx,
                       const char    *from,
                       const char    *to,
                       const char    *stage_text,
                       UpgExecution **execution,
                       GError       **error)
{
  return run_stage (fx, from, to, stage_text, TRUE, execution, error);
}

/* Asserts the steps of @execution as "id=STATUS id=STATUS…". */
void
exec_assert_steps (UpgExecution *execution,
                   const char   *expected)
{
  g_autoptr(GString) got = g_string_new (NULL);

  for (guint i = 0; i < upg_execution_get_n_steps (execution); i++)
    g_string_append_printf (got, "%s%s=%s", i > 0 ? " " : "", upg_execution_get_step_id (execution, i),
                            upg_step_status_to_string (upg_execution_get_step_status (execution, i)));
  g_assert_cmpstr (got->str, ==, expected);
}

gboolean
exec_fixture_resume (ExecFixture     *fx,
                     const char      *id,
                     UpgResumeAction  action,
                     UpgExecution   **execution,
                     GError         **error)
{
  g_autoptr(UpgExecutor) executor = exec_fixture_executor (fx);
  g_autoptr(UpgRun) run = upg_run_new_resume (id, action);

  return exec_run (executor, run, execution, error);
}

/* Runs the built upgradectl with -b/-c/--state-dir of @fx, @first (unless
 * NULL) and the NULL-terminated arguments; returns the raw wait status. */
static int
fixture_cli_v (ExecFixture        *fx,
               const char * const *extra_env,
               char              **out,
               char              **err,
               const char         *first,
               va_list             args)
{
  const char *upgradectl = g_getenv ("UPGRADECTL");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GError) error = NULL;
  GSpawnFlags flags = G_SPAWN_DEFAULT;
  int status = -1;
  const char *arg;

  g_assert_nonnull (upgradectl);
  g_ptr_array_add (argv, (char *) upgradectl);
  g_ptr_array_add (argv, "-b");
  g_ptr_array_add (argv, fx->bundle);
  g_ptr_array_add (argv, "-c");
  g_ptr_array_add (argv, fx->config);
  g_ptr_array_add (argv, "--state-dir");
  g_ptr_array_add (argv, fx->state);
  if (first != NULL)
    g_ptr_array_add (argv, (char *) first);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  g_ptr_array_add (argv, NULL);

  for (guint i = 0; extra_env != NULL && extra_env[i] != NULL; i += 2)
    env = g_environ_setenv (env, extra_env[i], extra_env[i + 1], TRUE);

  /* Whatever it prints must not mix with this test's TAP output. */
  if (out == NULL)
    flags |= G_SPAWN_STDOUT_TO_DEV_NULL;
  g_spawn_sync (NULL, (char **) argv->pdata, env, flags, NULL, NULL, out, err, &status, &error);
  g_assert_no_error (error);
  return status;
}

int
exec_fixture_cli (ExecFixture        *fx,
                  const char * const *extra_env,
                  char              **out,
                  ...)
{
  va_list args;
  int status;

  va_start (args, out);
  status = fixture_cli_v (fx, extra_env, out, NULL, NULL, args);
  va_end (args);
  return status;
}

/* exec_fixture_cli() keeping stderr (in *@err) instead of stdout. */
int
exec_fixture_cli_stderr (ExecFixture        *fx,
                         const char * const *extra_env,
                         char              **err,
                         ...)
{
  va_list args;
  int status;

  va_start (args, err);
  status = fixture_cli_v (fx, extra_env, NULL, err, NULL, args);
  va_end (args);
  return status;
}

/* exec_fixture_cli() keeping both stdout and stderr, all an operator
 * sees of one command. */
int
exec_fixture_cli_both (ExecFixture        *fx,
                       const char * const *extra_env,
                       char              **out,
                       char              **err,
                       ...)
{
  va_list args;
  int status;

  va_start (args, err);
  status = fixture_cli_v (fx, extra_env, out, err, NULL, args);
  va_end (args);
  return status;
}

/* upgradectl --json's error document @doc (SPEC §9) has @code and a
 * message containing @text. */
void
exec_assert_json_error (JsonObject *doc,
                        const char *code,
                        const char *text)
{
  JsonObject *error = json_object_get_object_member (doc, "error");
  const char *message;

  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  message = json_object_get_string_member (error, "message");
  if (strstr (message, text) == NULL)
    g_error ("expected \"%s\" in the error: %s", text, message);
}

/* The text of a JSON object (asserted), for checks: a new reference. */
JsonObject *
exec_parse_json_object (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (text, &error);

  g_assert_no_error (error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    g_error ("expected a JSON object, got: %s", text);
  return json_object_ref (json_node_get_object (node));
}

/* fixture_cli_v() that g_error()s, naming the command, the language and
 * what it printed, unless upgradectl exits with @expected_code. */
static char *
fixture_ctl_v (ExecFixture        *fx,
               const char * const *extra_env,
               int                 expected_code,
               const char         *first,
               va_list             args)
{
  g_autoptr(GString) command = g_string_new ("upgradectl");
  const char *lang = NULL;
  char *out = NULL;
  const char *arg;
  va_list copy;
  int status;

  va_copy (copy, args);
  status = fixture_cli_v (fx, extra_env, &out, NULL, first, copy);
  va_end (copy);
  if (WIFEXITED (status) && WEXITSTATUS (status) == expected_code)
    return out;

  if (first != NULL)
    g_string_append_printf (command, " %s", first);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_string_append_printf (command, " %s", arg);
  for (guint i = 0; extra_env != NULL && extra_env[i] != NULL; i += 2)
    if (g_str_equal (extra_env[i], "LANG"))
      lang = extra_env[i + 1];
  if (WIFEXITED (status))
    g_error ("%s (LANG=%s) exited %d, expected %d; stdout: %s", command->str, lang != NULL ? lang : "unchanged",
             WEXITSTATUS (status), expected_code, out);
  g_error ("%s (LANG=%s) did not exit (wait status %d), expected exit %d; stdout: %s", command->str,
           lang != NULL ? lang : "unchanged", status, expected_code, out);
}

/* upgradectl ARGS… (NULL-terminated) under the locale @lang (NULL: C),
 * messages untranslated only by that: g_error()s unless it exits with
 * @expected_code; returns its stdout. */
char *
exec_fixture_ctl_lang (ExecFixture *fx,
                       const char  *lang,
                       int          expected_code,
                       ...)
{
  const char *locale = lang != NULL ? lang : "C";
  const char *env[] = { "LANG", locale, "LC_ALL", locale, "LANGUAGE", "", NULL };
  va_list args;
  char *out;

  va_start (args, expected_code);
  out = fixture_ctl_v (fx, env, expected_code, NULL, args);
  va_end (args);
  return out;
}

/* upgradectl --json ARGS… (NULL-terminated) with @extra_env
 * (NULL-terminated name/value pairs, or NULL): g_error()s unless it exits
 * with @expected_code; returns the object it printed. */
JsonObject *
exec_fixture_ctl_json (ExecFixture        *fx,
                       const char * const *extra_env,
                       int                 expected_code,
                       ...)
{
  g_autofree char *out = NULL;
  va_list args;

  va_start (args, expected_code);
  out = fixture_ctl_v (fx, extra_env, expected_code, "--json", args);
  va_end (args);
  return exec_parse_json_object (out);
}

gboolean
exec_fixture_cli_killed (int wait_status)
{
  return WIFSIGNALED (wait_status) && WTERMSIG (wait_status) == SIGKILL;
}

gint64
exec_sqlite_int (const char *db_path,
                 const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

void
exec_sqlite_exec (const char *db_path,
                  const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  /* A journal may be writing (a flusher thread, another process): wait
   * for its lock as the library's own connections do. */
  sqlite3_busy_timeout (db, 10000);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

/* Opens a data source given as `upgrade.json` JSON text, for checks. */
UpgConnection *
exec_open_source (const char *name,
                  const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);
  g_autoptr(UpgDataSource) source = NULL;
  UpgConnection *connection;

  g_assert_no_error (error);
  source = upg_data_source_new_from_json (name, json_node_get_object (node), "/", &error);
  g_assert_no_error (error);
  connection = upg_data_source_open (source, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

/* The first column of the first row of @sql, as text ("" for NULL, NULL
 * without rows). */
char *
exec_query_text (UpgConnection *connection,
                 const char    *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = upg_connection_query (connection, sql, NULL, NULL, &error);

  g_assert_no_error (error);
  if (upg_rows_get_n_rows (rows) == 0)
    return NULL;
  return g_strdup (upg_rows_get_value (rows, 0, 0) != NULL ? upg_rows_get_value (rows, 0, 0) : "");
}

void
exec_execute (UpgConnection *connection,
              const char    *sql)
{
  g_autoptr(GError) error = NULL;

  upg_connection_execute (connection, sql, NULL, NULL, &error);
  g_assert_no_error (error);
}

int
exec_exit_code (int wait_status)
{
  g_assert_true (WIFEXITED (wait_status));
  return WEXITSTATUS (wait_status);
}

/* "STATUS/error_code " of each journal record of @execution_id (of
 * statement @sequence only, unless 0), in journal order. */
char *
exec_journal_statuses (ExecFixture *fx,
                       const char  *execution_id,
                       guint        sequence)
{
  g_autofree char *path = g_build_filename (fx->state, "journal.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (path, &error);
  g_autoptr(JsonArray) records = NULL;
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  records = upg_journal_list_statements (journal, execution_id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *r = json_array_get_object_element (records, i);

      if (sequence == 0 || json_object_get_int_member (r, "sequence") == sequence)
        g_string_append_printf (out, "%s/%s ", json_object_get_string_member (r, "status"),
                                json_object_get_string_member_with_default (r, "error_code", "-"));
    }
  return g_string_free (out, FALSE);
}

/* A site with one SQLite data source "app" (at <root>/app.db, returned). */
char *
exec_fixture_init_sqlite_app (ExecFixture *fx)
{
  g_autofree char *app = NULL;
  g_autofree char *sources = NULL;

  exec_fixture_init (fx);
  app = exec_fixture_sqlite_source (fx, "app.db");
  sources = g_strdup_printf ("\"app\": %s", app);
  exec_fixture_write_config (fx, "bj-01", sources);
  return exec_fixture_path (fx, "app.db");
}

/* The id of the marker the statement of @record (from the journal's
 * statement listings) committed with in its target. */
char *
exec_record_marker (const char *site,
                    JsonObject *record)
{
  g_autofree char *prefix =
    upg_journal_statement_key_prefix (site, json_object_get_string_member (record, "component"),
                                      json_object_get_string_member (record, "version"),
                                      json_object_get_string_member (record, "step_id"),
                                      json_object_get_string_member (record, "file"));

  return upg_journal_marker_id (prefix, (guint) json_object_get_int_member (record, "sequence"));
}

/* Copies the test plugin tests/fixtures/plugins/good.so (GoodMigration…)
 * into @fx's plugins directory. Returns the configuration members that
 * load it, for exec_fixture_write_config_extra(). */
char *
exec_fixture_install_good_plugin (ExecFixture *fx)
{
  g_autofree char *good = g_build_filename (g_getenv ("UPGRADE_BUILD_ROOT"), "tests", "fixtures", "plugins",
                                            "good.so", NULL);
  g_autofree char *plugins = exec_fixture_path (fx, "plugins");
  g_autofree char *installed = g_build_filename (plugins, "good.so", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_cmpint (g_mkdir_with_parents (plugins, 0755), ==, 0);
  g_assert_true (g_file_get_contents (good, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (installed, contents, length, NULL));
  return g_strdup_printf ("\"plugin_dirs\": [\"%s\"]", plugins);
}

/* Equal texts; else the first line that differs, shortened: a dump of a
 * database is too long to print whole. */
void
exec_assert_same_lines (const char *before,
                        const char *after)
{
  g_auto(GStrv) a = g_strsplit (before, "\n", -1);
  g_auto(GStrv) b = g_strsplit (after, "\n", -1);

  for (guint i = 0; a[i] != NULL || b[i] != NULL; i++)
    if (a[i] == NULL || b[i] == NULL || !g_str_equal (a[i], b[i]))
      g_error ("line %u differs: before '%.300s', after '%.300s'", i + 1, a[i] != NULL ? a[i] : "(end)",
               b[i] != NULL ? b[i] : "(end)");
}

/* Reads @process's stderr (a pipe) up to a line holding @needle: the
 * run got there. EOF first means it ended without: fail at once. The
 * rest stays in the pipe for g_subprocess_communicate_utf8(). */
void
exec_wait_log_line (GSubprocess *process,
                    const char  *needle)
{
  g_autoptr(GDataInputStream) err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  g_autoptr(GError) error = NULL;

  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (err), FALSE);
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (err, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        g_error ("the run ended before it logged \"%s\"", needle);
      g_test_message ("run: %s", line);
      if (strstr (line, needle) != NULL)
        return;
    }
}
