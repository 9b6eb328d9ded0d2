/* test-step-config.c - `config` steps: templates rendered into real files
 * through `upgradectl`: placeholders, formats, atomic replacement keeping
 * mode and owner, kill -9 around the rename, breakpoint → fix → resume,
 * rollback putting the previous file back
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "exec-test-util.h"
#include "upg-config-template-private.h"

#define FROM "3.17.0"
#define TO "3.17.5"

#define OLD_CONTENT "{\"old\": true}\n"

typedef struct {
  ExecFixture  fx;
  char        *target;     /* <root>/etc/app.json */
  char        *app_db;
} Site;

/* A site whose pre_stop renders config/app.json.in into etc/app.json, a
 * file that exists with OLD_CONTENT, mode 0640 (owned by nobody when the
 * tests run as root, to see the owner kept too). */
static void
site_init (Site       *site,
           const char *template,
           const char *format)
{
  g_autofree char *etc = NULL, *steps = NULL;

  site->app_db = exec_fixture_init_sqlite_app (&site->fx);
  etc = exec_fixture_path (&site->fx, "etc");
  g_assert_cmpint (g_mkdir_with_parents (etc, 0755), ==, 0);
  site->target = g_build_filename (etc, "app.json", NULL);
  g_assert_true (g_file_set_contents (site->target, OLD_CONTENT, -1, NULL));
  g_assert_cmpint (g_chmod (site->target, 0640), ==, 0);
  if (geteuid () == 0)
    g_assert_cmpint (chown (site->target, 65534, 65534), ==, 0);
  exec_fixture_write (&site->fx, "bundle/config/app.json.in", template);
  steps = g_strdup_printf ("\"pre_stop\": [{\"id\": \"cfg\", \"config\": {\"target\": \"%s\", "
                           "\"template\": \"config/app.json.in\", \"format\": \"%s\"}}]", site->target, format);
  exec_fixture_write_manifest (&site->fx, TO, steps, NULL);
}

static void
site_clear (Site *site)
{
  exec_fixture_clear (&site->fx);
  g_free (site->target);
  g_free (site->app_db);
}

static int
ctl (Site        *site,
     const char  *crash_hook,
     char       **out,
     const char  *command)
{
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", crash_hook, NULL };

  return exec_fixture_cli (&site->fx, crash_hook != NULL ? env : NULL, out, "--json", command, "--confirm", "--from",
                           FROM, "--to", TO, "--stage", "pre_stop", "--env", "{\"region\": \"cn-north\"}", NULL);
}

static int
rollback (Site        *site,
          const char  *crash_hook)
{
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", crash_hook, NULL };

  return exec_fixture_cli (&site->fx, crash_hook != NULL ? env : NULL, NULL, "--json", "rollback", "--from", FROM,
                           "--to", TO, "--stage", "pre_stop", NULL);
}

static gint64
journal_int (Site       *site,
             const char *sql)
{
  g_autofree char *path = g_build_filename (site->fx.state, "journal.db", NULL);

  return exec_sqlite_int (path, sql);
}

static char *
read_text (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static void
assert_file (const char *path,
             const char *content,
             guint       mode)
{
  g_autofree char *text = read_text (path);
  struct stat st;

  g_assert_cmpstr (text, ==, content);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, mode);
  if (geteuid () == 0 && mode == 0640)
    {
      g_assert_cmpuint (st.st_uid, ==, 65534);
      g_assert_cmpuint (st.st_gid, ==, 65534);
    }
}

/* The one file left in etc/: no temporary file stays behind. */
static void
assert_alone (Site *site)
{
  g_autofree char *etc = g_path_get_dirname (site->target);
  g_autoptr(GDir) dir = g_dir_open (etc, 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_assert_cmpstr (name, ==, "app.json");
      n++;
    }
  g_assert_cmpuint (n, ==, 1);
}

/* The copy of the previous file the journal names. */
static char *
kept_path (Site *site)
{
  g_autofree char *db = g_build_filename (site->fx.state, "journal.db", NULL);
  g_autoptr(UpgConnection) journal = NULL;
  g_autofree char *json = g_strdup_printf ("{\"provider\": \"SQLite\", \"path\": \"%s\"}", db);

  journal = exec_open_source ("journal", json);
  return exec_query_text (journal, "SELECT kept_path FROM upgrade_config_file");
}

#define TEMPLATE \
  "{\"site\": \"${site_id}\", \"from\": \"${from_version}\", \"to\": \"${to_version}\",\n" \
  " \"cluster\": \"${env.cluster_id}\", \"region\": \"${env.region}\",\n" \
  " \"db\": \"${datasource.app.database}\", \"literal\": \"$${HOME}\"}\n"

static char *
expected_render (Site *site)
{
  return g_strdup_printf ("{\"site\": \"bj-01\", \"from\": \"%s\", \"to\": \"%s\",\n"
                          " \"cluster\": \"c-1\", \"region\": \"cn-north\",\n"
                          " \"db\": \"%s\", \"literal\": \"${HOME}\"}\n", FROM, TO, site->app_db);
}

/* Every placeholder of SPEC §4 rendered; the target keeps its mode and
 * owner; the previous file is kept (0600) where the journal says; the
 * step's line names what was rendered. */
static void
test_render (void)
{
  Site site;
  g_autofree char *out = NULL, *expected = NULL, *kept = NULL;
  struct stat st;

  site_init (&site, TEMPLATE, "json");
  expected = expected_render (&site);
  g_assert_cmpint (exec_exit_code (ctl (&site, NULL, &out, "run")), ==, 0);
  assert_file (site.target, expected, 0640);
  assert_alone (&site);
  g_assert_nonnull (strstr (out, "rendered (json, SHA-256 "));
  kept = kept_path (&site);
  g_assert_true (g_str_has_prefix (kept, site.fx.state));
  g_assert_nonnull (strstr (kept, "/backups/bj-01/"));
  g_assert_true (g_str_has_suffix (kept, "/config/cfg.app.json"));
  {
    g_autofree char *text = read_text (kept);

    g_assert_cmpstr (text, ==, OLD_CONTENT);
  }
  g_assert_cmpint (g_stat (kept, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (journal_int (&site, "SELECT COUNT(*) FROM upgrade_config_file WHERE status = 'APPLIED'"), ==, 1);
  site_clear (&site);
}

/* A typo in a placeholder: validate names it (exit 2, file, JSON path,
 * template:line); run stops at the step (exit 1) without touching the
 * target. */
static void
test_unknown_placeholder (void)
{
  Site site;
  g_autofree char *out = NULL, *expected = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *bp;

  site_init (&site, "{\n \"site\": \"${site_id}\",\n \"to\": \"${to_versoin}\"}\n", "json");
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &out, "validate", NULL)), ==, 2);
  expected = g_strdup_printf ("%s/manifests/%s.json: $.upgrade_steps.pre_stop[0].config.template: "
                              "config/app.json.in:3: unknown placeholder ${to_versoin}", site.fx.bundle, TO);
  if (strstr (out, expected) == NULL)
    g_error ("'%s' not in:\n%s", expected, out);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exec_exit_code (ctl (&site, NULL, &out, "run")), ==, 1);
  node = json_from_string (out, NULL);
  bp = json_object_get_object_member (json_node_get_object (node), "breakpoint");
  g_assert_cmpstr (json_object_get_string_member (bp, "step_id"), ==, "cfg");
  g_assert_nonnull (strstr (json_object_get_string_member (bp, "error"),
                            "config/app.json.in:3: unknown placeholder ${to_versoin}"));
  assert_file (site.target, OLD_CONTENT, 0640);
  assert_alone (&site);
  g_assert_cmpint (journal_int (&site, "SELECT COUNT(*) FROM upgrade_config_file"), ==, 0);
  site_clear (&site);
}

/* The rendered text is not JSON: breakpoint, target untouched; the
 * template fixed, resume --retry renders it. */
static void
test_invalid_format_resume (void)
{
  Site site;
  g_autofree char *out = NULL, *resumed = NULL, *expected = NULL, *template = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *run, *bp;

  site_init (&site, "{\"site\": \"${site_id}\",}\n", "json");
  g_assert_cmpint (exec_exit_code (ctl (&site, NULL, &out, "run")), ==, 1);
  node = json_from_string (out, NULL);
  run = json_node_get_object (node);
  bp = json_object_get_object_member (run, "breakpoint");
  g_assert_cmpstr (json_object_get_string_member (bp, "step_id"), ==, "cfg");
  expected = g_strdup_printf ("%s rendered from config/app.json.in: not valid JSON", site.target);
  if (strstr (json_object_get_string_member (bp, "error"), expected) == NULL)
    g_error ("'%s' not in '%s'", expected, json_object_get_string_member (bp, "error"));
  assert_file (site.target, OLD_CONTENT, 0640);
  assert_alone (&site);

  exec_fixture_write (&site.fx, "bundle/config/app.json.in", TEMPLATE);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &resumed, "--json", "resume",
                                                     json_object_get_string_member (run, "execution_id"),
                                                     "--retry", NULL)), ==, 0);
  template = expected_render (&site);
  /* --env belongs to the run it was given to; the resume reads it back. */
  assert_file (site.target, template, 0640);
  site_clear (&site);
}

/* kill -9 at each point around the replacement: the target is the old
 * file or the new one, whole; the re-run finishes with one row, APPLIED,
 * and the kept copy is the previous file, never the rendered one. */
static void
test_kill (gconstpointer data)
{
  const char *hook = data;
  gboolean renamed = g_str_has_suffix (hook, "after-commit-before-journal");
  Site site;
  g_autofree char *expected = NULL, *kept = NULL, *kept_text = NULL;

  site_init (&site, TEMPLATE, "json");
  expected = expected_render (&site);
  g_assert_true (exec_fixture_cli_killed (ctl (&site, hook, NULL, "run")));
  assert_file (site.target, renamed ? expected : OLD_CONTENT, 0640);
  g_assert_cmpint (journal_int (&site, "SELECT COUNT(*) FROM upgrade_config_file WHERE status = 'RUNNING'"), ==, 1);

  g_assert_cmpint (exec_exit_code (ctl (&site, NULL, NULL, "run")), ==, 0);
  assert_file (site.target, expected, 0640);
  assert_alone (&site);
  g_assert_cmpint (journal_int (&site, "SELECT COUNT(*) FROM upgrade_config_file"), ==, 1);
  g_assert_cmpint (journal_int (&site, "SELECT COUNT(*) FROM upgrade_config_file WHERE status = 'APPLIED'"), ==, 1);
  kept = kept_path (&site);
  kept_text = read_text (kept);
  g_assert_cmpstr (kept_text, ==, OLD_CONTENT);

  /* What the rollback puts back is therefore the previous file. */
  g_assert_cmpint (exec_exit_code (rollback (&site, NULL)), ==, 0);
  assert_file (site.target, OLD_CONTENT, 0640);
  site_clear (&site);
}

/* rollback puts the previous file back with its mode (and owner), and
 * removes a file that did not exist; killed in the middle, it is run
 * again; the next run renders again. */
static void
test_rollback (void)
{
  Site site;
  g_autofree char *expected = NULL, *created = NULL, *steps = NULL;

  site_init (&site, TEMPLATE, "json");
  expected = expected_render (&site);
  /* Relative: beside the configuration, its folder created. */
  created = exec_fixture_path (&site.fx, "conf.d/new.ini");
  exec_fixture_write (&site.fx, "bundle/config/new.ini.in", "[app]\nsite=${site_id}\n");
  steps = g_strdup_printf ("\"pre_stop\": [{\"id\": \"cfg\", \"config\": {\"target\": \"%s\", "
                           "\"template\": \"config/app.json.in\", \"format\": \"json\"}},"
                           " {\"id\": \"ini\", \"config\": {\"target\": \"conf.d/new.ini\", "
                           "\"template\": \"config/new.ini.in\", \"format\": \"ini\"}}]", site.target);
  exec_fixture_write_manifest (&site.fx, TO, steps, NULL);

  g_assert_cmpint (exec_exit_code (ctl (&site, NULL, NULL, "run")), ==, 0);
  assert_file (site.target, expected, 0640);
  assert_file (created, "[app]\nsite=bj-01\n", 0644);

  /* Killed after putting back the first file (newest first: new.ini),
   * before journaling it: run again, it finishes. */
  g_assert_true (exec_fixture_cli_killed (rollback (&site, "1:after-commit-before-journal")));
  g_assert_false (g_file_test (created, G_FILE_TEST_EXISTS));
  g_assert_cmpint (exec_exit_code (rollback (&site, NULL)), ==, 0);
  assert_file (site.target, OLD_CONTENT, 0640);
  g_assert_false (g_file_test (created, G_FILE_TEST_EXISTS));
  g_assert_cmpint (journal_int (&site, "SELECT COUNT(*) FROM upgrade_config_file WHERE status = 'RESTORED'"), ==, 2);

  /* Undone: the next run renders again. */
  g_assert_cmpint (exec_exit_code (ctl (&site, NULL, NULL, "run")), ==, 0);
  assert_file (site.target, expected, 0640);
  g_assert_true (g_file_test (created, G_FILE_TEST_EXISTS));
  site_clear (&site);
}

/* Under zh_CN a target that is not a file stops the step in Chinese,
 * from the step's name to the cause. */
static void
test_not_a_file_chinese (void)
{
  static const char * const zh_env[] = { "LANG", "zh_CN.UTF-8", "LANGUAGE", "zh_CN", NULL };
  Site site;
  g_autofree char *out = NULL, *expected = NULL;
  g_autoptr(JsonObject) run = NULL;

  site_init (&site, "plain\n", "text");
  g_assert_cmpint (g_unlink (site.target), ==, 0);
  g_assert_cmpint (g_mkdir (site.target, 0755), ==, 0);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, zh_env, &out, "--json", "run", "--confirm", "--from",
                                                     FROM, "--to", TO, "--stage", "pre_stop", NULL)), ==, 1);
  run = exec_parse_json_object (out);
  expected = g_strdup_printf ("步骤“cfg”：“%s”不是普通文件", site.target);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (run, "breakpoint"), "error"), ==,
                   expected);
  g_assert_true (g_file_test (site.target, G_FILE_TEST_IS_DIR));
  site_clear (&site);
}

/* Each format's parser refuses what is not that format, naming the line
 * where the parser tells it. */
static void
test_formats (void)
{
  struct {
    UpgConfigFormat format;
    const char *good;
    const char *bad;
    const char *why;
  } cases[] = {
    { UPG_CONFIG_FORMAT_JSON, "{\"a\": [1, 2]}", "{\"a\": [1, 2}", "not valid JSON" },
    { UPG_CONFIG_FORMAT_YAML, "a:\n  - 1\n  - 2\n", "a: [1, 2\nb: 3\n", "not valid YAML" },
    { UPG_CONFIG_FORMAT_INI, "[g]\nk=v\n", "[g]\nnot a pair\n", "not valid INI" },
    { UPG_CONFIG_FORMAT_XML, "<?xml version=\"1.0\"?>\n<a><b/></a>\n", "<a>\n<b></a>\n", "t.conf:3: not valid XML" },
    { UPG_CONFIG_FORMAT_PROPERTIES, "a=b\\u00e9\nc=d\n", "a=b\nc=\\u00g1\n", "t.conf:2: malformed \\uXXXX" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (upg_config_format_check (cases[i].format, cases[i].good, strlen (cases[i].good), "t.conf",
                                              &error));
      g_assert_no_error (error);
      g_assert_false (upg_config_format_check (cases[i].format, cases[i].bad, strlen (cases[i].bad), "t.conf",
                                               &error));
      g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
      if (strstr (error->message, cases[i].why) == NULL)
        g_error ("'%s' not in '%s'", cases[i].why, error->message);
    }
  g_assert_true (upg_config_format_check (UPG_CONFIG_FORMAT_TEXT, "{", 1, "t.conf", NULL));
}

/* A target that is a symbolic link stays one: the file it names is
 * replaced (mode and owner kept, no temporary file left beside it), and
 * rollback puts the old content back into that file. It once renamed the
 * rendered file over the link, leaving a regular file. */
static void
test_symlink (void)
{
  Site site;
  g_autofree char *expected = NULL, *opt = NULL, *real = NULL, *link = NULL;
  g_autoptr(GDir) dir = NULL;

  site_init (&site, TEMPLATE, "json");
  expected = expected_render (&site);
  opt = exec_fixture_path (&site.fx, "opt");
  g_assert_cmpint (g_mkdir_with_parents (opt, 0755), ==, 0);
  real = g_build_filename (opt, "app.json", NULL);
  g_assert_cmpint (g_rename (site.target, real), ==, 0);
  g_assert_cmpint (symlink ("../opt/app.json", site.target), ==, 0);

  g_assert_cmpint (exec_exit_code (ctl (&site, NULL, NULL, "run")), ==, 0);
  g_assert_true (g_file_test (site.target, G_FILE_TEST_IS_SYMLINK));
  link = g_file_read_link (site.target, NULL);
  g_assert_cmpstr (link, ==, "../opt/app.json");
  assert_file (real, expected, 0640);
  assert_alone (&site);
  dir = g_dir_open (opt, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (dir), ==, "app.json");
  g_assert_null (g_dir_read_name (dir));

  g_assert_cmpint (exec_exit_code (rollback (&site, NULL)), ==, 0);
  g_assert_true (g_file_test (site.target, G_FILE_TEST_IS_SYMLINK));
  assert_file (real, OLD_CONTENT, 0640);
  assert_file (site.target, OLD_CONTENT, 0640);
  site_clear (&site);
}

/* `backups` lists the previous file the step kept (text and --json:
 * execution, target, SHA-256 of the kept content); `restore ID --yes`
 * puts it back into the target with its mode, journaled; without --yes
 * nothing changes. */
static void
test_backups_restore (void)
{
  Site site;
  g_autofree char *run_out = NULL, *text = NULL, *expected = NULL, *line = NULL, *refused = NULL;
  g_autofree char *old_sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, OLD_CONTENT, -1);
  g_autoptr(JsonObject) run = NULL, listed = NULL, restored = NULL;
  JsonArray *files;
  JsonObject *file;
  const char *id;

  site_init (&site, TEMPLATE, "json");
  expected = expected_render (&site);
  g_assert_cmpint (exec_exit_code (ctl (&site, NULL, &run_out, "run")), ==, 0);
  run = exec_parse_json_object (run_out);
  listed = exec_fixture_ctl_json (&site.fx, NULL, 0, "backups", NULL);
  files = json_object_get_array_member (listed, "config_files");
  g_assert_cmpuint (json_array_get_length (files), ==, 1);
  file = json_array_get_object_element (files, 0);
  id = json_object_get_string_member (file, "id");
  g_assert_cmpstr (json_object_get_string_member (file, "execution"), ==,
                   json_object_get_string_member (run, "execution_id"));
  g_assert_cmpstr (json_object_get_string_member (file, "target"), ==, site.target);
  g_assert_cmpstr (json_object_get_string_member (file, "sha256"), ==, old_sha);
  g_assert_cmpstr (json_object_get_string_member (file, "step_id"), ==, "cfg");
  g_assert_true (json_object_get_boolean_member (file, "present"));

  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &text, "backups", NULL)), ==, 0);
  line = g_strdup_printf ("%s  execution %s  config cfg: %s  sha256 %s  ", id,
                          json_object_get_string_member (run, "execution_id"), site.target, old_sha);
  g_assert_nonnull (strstr (text, line));

  g_assert_cmpint (exec_exit_code (exec_fixture_cli_stderr (&site.fx, NULL, &refused, "restore", id, NULL)), ==, 2);
  g_assert_nonnull (strstr (refused, "add --yes to confirm"));
  assert_file (site.target, expected, 0640);

  restored = exec_fixture_ctl_json (&site.fx, NULL, 0, "restore", id, "--yes", NULL);
  g_assert_true (json_object_get_boolean_member (restored, "restored"));
  assert_file (site.target, OLD_CONTENT, 0640);
  assert_alone (&site);
  g_assert_cmpint (journal_int (&site, "SELECT COUNT(*) FROM upgrade_restore WHERE status = 'SUCCESS'"), ==, 1);
  site_clear (&site);
}

/* The config step's estimate in the assessment: a file takes a few ms,
 * so one second (the estimate's unit), not the minute of an unknown
 * step; once the journal has the site's config steps, their measured
 * duration ("journal"). */
static JsonObject *
assessed_step (Site       *site,
               const char *step_id)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) assessment = NULL;
  JsonArray *steps;

  exec_fixture_cli (&site->fx, NULL, &out, "--json", "assess", "--from", FROM, "--to", TO, NULL);
  assessment = exec_parse_json_object (out);
  steps = json_object_get_array_member (json_object_get_object_member (assessment, "estimate"), "steps");
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);

      if (g_strcmp0 (json_object_get_string_member (step, "id"), step_id) == 0)
        return json_object_ref (step);
    }
  g_assert_not_reached ();
}

static void
test_estimate (void)
{
  Site site;
  g_autoptr(JsonObject) before = NULL, after = NULL;
  gint64 ms;

  site_init (&site, TEMPLATE, "json");
  before = assessed_step (&site, "cfg");
  g_assert_cmpint (json_object_get_int_member (before, "seconds"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (before, "source"), ==, "default");

  g_assert_cmpint (exec_exit_code (ctl (&site, NULL, NULL, "run")), ==, 0);
  ms = journal_int (&site, "SELECT duration_ms FROM step_execution WHERE step_id = 'cfg' AND status = 'SUCCESS'");
  after = assessed_step (&site, "cfg");
  /* The measured milliseconds, rounded up to whole seconds. */
  g_assert_cmpint (json_object_get_int_member (after, "seconds"), ==, MAX ((ms + 999) / 1000, 1));
  g_assert_cmpstr (json_object_get_string_member (after, "source"), ==, "journal");
  site_clear (&site);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/step-config/render", test_render);
  g_test_add_func ("/step-config/unknown-placeholder", test_unknown_placeholder);
  g_test_add_func ("/step-config/invalid-format-resume", test_invalid_format_resume);
  g_test_add_data_func ("/step-config/kill/before-send", "1:before-send", test_kill);
  g_test_add_data_func ("/step-config/kill/before-rename", "1:after-execute-before-commit", test_kill);
  g_test_add_data_func ("/step-config/kill/after-rename", "1:after-commit-before-journal", test_kill);
  g_test_add_func ("/step-config/rollback", test_rollback);
  g_test_add_func ("/step-config/formats", test_formats);
  g_test_add_func ("/step-config/not-a-file-chinese", test_not_a_file_chinese);
  g_test_add_func ("/step-config/symlink", test_symlink);
  g_test_add_func ("/step-config/backups-restore", test_backups_restore);
  g_test_add_func ("/step-config/estimate", test_estimate);
  return g_test_run ();
}
