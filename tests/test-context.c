/* test-context.c - the context plugins receive: values, JSON, services
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <upgrade-spi.h>

static UpgContext *
make_context (void)
{
  g_autoptr(UpgVersion) from = upg_version_parse ("3.17.4", NULL);
  g_autoptr(UpgVersion) to = upg_version_parse ("3.17.5-P1", NULL);
  g_autoptr(JsonNode) env = json_from_string ("{\"cluster_id\":\"bj-01\"}", NULL);
  g_autoptr(JsonNode) params = json_from_string ("{\"root\":\"/data\"}", NULL);
  g_autoptr(JsonNode) checks = json_from_string ("[{\"version\":\"3.17.5\",\"checks\":{}}]", NULL);
  g_autoptr(JsonNode) sources =
    json_from_string ("{\"local\":{\"provider\":\"SQLite\",\"path\":\"l.db\"}}", NULL);
  UpgContext *ctx = upg_context_new ("0f8e1c9a-0000-4000-8000-000000000001");

  upg_context_set_from_version (ctx, from);
  upg_context_set_to_version (ctx, to);
  upg_context_set_site_id (ctx, "bj-01");
  upg_context_set_stage (ctx, UPG_STAGE_IN_STOP);
  upg_context_set_component (ctx, "ft");
  upg_context_set_step_id (ctx, "tool_001");
  upg_context_set_bundle_dir (ctx, "/srv/bundle");
  upg_context_set_env (ctx, json_node_get_object (env));
  upg_context_set_params (ctx, json_node_get_object (params));
  upg_context_set_checks (ctx, json_node_get_array (checks));
  upg_context_set_data_sources (ctx, json_node_get_object (sources), "/etc/upgrade");
  upg_context_set_checkpoint (ctx, "{\"done\":3}");
  return ctx;
}

static void
test_context_roundtrip (void)
{
  g_autoptr(UpgContext) ctx = make_context ();
  g_autoptr(JsonNode) node = upg_context_to_json (ctx);
  g_autofree char *text = json_to_string (node, FALSE);
  g_autoptr(JsonNode) parsed = json_from_string (text, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgContext) back = upg_context_new_from_json (parsed, &error);
  g_autofree char *from = NULL, *to = NULL;
  JsonObject *source;

  g_assert_no_error (error);
  g_assert_cmpstr (upg_context_get_execution_id (back), ==, "0f8e1c9a-0000-4000-8000-000000000001");
  from = upg_version_to_string (upg_context_get_from_version (back));
  to = upg_version_to_string (upg_context_get_to_version (back));
  g_assert_cmpstr (from, ==, "3.17.4");
  g_assert_cmpstr (to, ==, "3.17.5-P1");
  g_assert_cmpstr (upg_context_get_site_id (back), ==, "bj-01");
  g_assert_cmpint (upg_context_get_stage (back), ==, UPG_STAGE_IN_STOP);
  g_assert_cmpstr (upg_context_get_component (back), ==, "ft");
  g_assert_cmpstr (upg_context_get_step_id (back), ==, "tool_001");
  g_assert_cmpstr (upg_context_get_bundle_dir (back), ==, "/srv/bundle");
  g_assert_cmpstr (json_object_get_string_member (upg_context_get_env (back), "cluster_id"), ==, "bj-01");
  g_assert_cmpstr (json_object_get_string_member (upg_context_get_params (back), "root"), ==, "/data");
  g_assert_cmpuint (json_array_get_length (upg_context_get_checks (back)), ==, 1);
  source = json_object_get_object_member (upg_context_get_data_sources (back), "local");
  g_assert_cmpstr (json_object_get_string_member (source, "provider"), ==, "SQLite");
  g_assert_cmpstr (upg_context_get_data_sources_base_dir (back), ==, "/etc/upgrade");
  g_assert_cmpstr (upg_context_get_checkpoint (back), ==, "{\"done\":3}");
  g_assert_nonnull (upg_context_get_cancellable (back));
}

static void
test_context_minimal (void)
{
  g_autoptr(JsonNode) node = json_from_string ("{\"execution_id\":\"e1\"}", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgContext) ctx = upg_context_new_from_json (node, &error);

  g_assert_no_error (error);
  g_assert_null (upg_context_get_from_version (ctx));
  g_assert_null (upg_context_get_checkpoint (ctx));
  g_assert_cmpuint (json_object_get_size (upg_context_get_env (ctx)), ==, 0);
  g_assert_cmpuint (json_array_get_length (upg_context_get_checks (ctx)), ==, 0);
}

static void
test_context_bad_json (void)
{
  const struct { const char *json; GQuark domain; int code; const char *needle; } cases[] = {
    { "\"x\"", 0, UPG_ERROR_INVALID_ARGUMENT, "expected a JSON object" },
    { "{}", 0, UPG_ERROR_INVALID_ARGUMENT, "'execution_id'" },
    { "{\"execution_id\":\"e\",\"from\":\"x.y\"}", 0, UPG_ERROR_INVALID_VERSION, "'x.y'" },
    { "{\"execution_id\":\"e\",\"stage\":\"lunch\"}", 0, UPG_ERROR_INVALID_STAGE, "'lunch'" },
    { "{\"execution_id\":\"e\",\"env\":[]}", 0, UPG_ERROR_INVALID_ARGUMENT, "'env'" },
    { "{\"execution_id\":\"e\",\"checks\":{}}", 0, UPG_ERROR_INVALID_ARGUMENT, "'checks'" },
    { "{\"execution_id\":\"e\",\"site_id\":7}", 0, UPG_ERROR_INVALID_ARGUMENT, "'site_id'" },
    /* The host does not share the writer's current directory. */
    { "{\"execution_id\":\"e\",\"data_sources_base_dir\":\"conf/dir\"}", 0,
      UPG_ERROR_INVALID_ARGUMENT, "'data_sources_base_dir' is 'conf/dir': expected an absolute" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (cases[i].json, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(UpgContext) ctx = upg_context_new_from_json (node, &error);

      g_assert_null (ctx);
      g_assert_error (error, UPG_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].needle));
    }
}

static gboolean
on_log (UpgContext *ctx, guint level, const char *message, GString *seen)
{
  g_string_append_printf (seen, "%u:%s;", level, message);
  return TRUE;
}

static void
on_progress (UpgContext *ctx, guint64 done, guint64 total, const char *message, GString *seen)
{
  g_string_append_printf (seen, "%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT ":%s;",
                          done, total, message);
}

static void
test_context_log_and_progress (void)
{
  g_autoptr(UpgContext) ctx = upg_context_new ("e1");
  g_autoptr(GString) logs = g_string_new (NULL);
  g_autoptr(GString) progress = g_string_new (NULL);

  g_signal_connect (ctx, "log", G_CALLBACK (on_log), logs);
  g_signal_connect (ctx, "progress", G_CALLBACK (on_progress), progress);
  upg_context_log (ctx, G_LOG_LEVEL_INFO, "moved %d tasks", 3);
  upg_context_log (ctx, G_LOG_LEVEL_ERROR, "broken");
  upg_context_report_progress (ctx, 2, 10, "task 2");
  g_assert_cmpstr (logs->str, ==, "64:moved 3 tasks;8:broken;");
  g_assert_cmpstr (progress->str, ==, "2/10:task 2;");
}

typedef struct {
  GPtrArray *saved;
  gboolean   fail;
} Store;

static gboolean
store_save (UpgContext *ctx, const char *checkpoint, gpointer user_data, GError **error)
{
  Store *store = user_data;

  if (store->fail)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_JOURNAL, "journal is read-only");
      return FALSE;
    }
  g_ptr_array_add (store->saved, g_strdup (checkpoint));
  return TRUE;
}

static void
test_context_checkpoint (void)
{
  g_autoptr(UpgContext) ctx = upg_context_new ("e1");
  g_autoptr(GPtrArray) saved = g_ptr_array_new_with_free_func (g_free);
  Store store = { saved, FALSE };
  g_autoptr(GError) error = NULL;

  upg_context_set_step_id (ctx, "tool_001");
  g_assert_false (upg_context_save_checkpoint (ctx, "{\"n\":1}", &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_JOURNAL);
  g_clear_error (&error);

  upg_context_set_checkpoint_saver (ctx, store_save, &store, NULL);
  g_assert_true (upg_context_save_checkpoint (ctx, "{\"n\":1}", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (upg_context_get_checkpoint (ctx), ==, "{\"n\":1}");
  g_assert_cmpuint (saved->len, ==, 1);

  g_assert_false (upg_context_save_checkpoint (ctx, "{n:", &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'tool_001'"));
  g_clear_error (&error);

  store.fail = TRUE;
  g_assert_false (upg_context_save_checkpoint (ctx, "{\"n\":2}", &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_JOURNAL);
  g_assert_cmpstr (upg_context_get_checkpoint (ctx), ==, "{\"n\":1}");
  g_assert_cmpuint (saved->len, ==, 1);
}

static UpgConnection *
resolve_none (UpgContext *ctx, const char *name, gpointer user_data, GError **error)
{
  (*(guint *) user_data)++;
  g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, "data source '%s' is not configured", name);
  return NULL;
}

/* Breaks the contract: fails without an error. */
static UpgConnection *
resolve_silently (UpgContext *ctx, const char *name, gpointer user_data, GError **error)
{
  return NULL;
}

static void
test_context_connection (void)
{
  g_autoptr(UpgContext) ctx = upg_context_new ("e1");
  g_autoptr(GError) error = NULL;
  guint calls = 0;

  g_assert_null (upg_context_get_connection (ctx, "ft_db", &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_nonnull (strstr (error->message, "'ft_db'"));
  g_clear_error (&error);

  upg_context_set_connection_resolver (ctx, resolve_none, &calls, NULL);
  g_assert_null (upg_context_get_connection (ctx, "ft_db", &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND);
  g_assert_cmpuint (calls, ==, 1);
  g_clear_error (&error);

  /* The caller always gets a reason to report (a plugin reading
   * error->message used to crash). */
  upg_context_set_connection_resolver (ctx, resolve_silently, NULL, NULL);
  g_assert_null (upg_context_get_connection (ctx, "ft_db", &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_nonnull (strstr (error->message, "data source 'ft_db' cannot be opened"));
}

static GString *structured;

/* Records the plugin lines (domain upgrade-plugin) with their fields. */
static GLogWriterOutput
record_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  gboolean plugin = FALSE;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN") &&
        g_strcmp0 (fields[i].value, "upgrade-plugin") == 0)
      plugin = TRUE;
  if (!plugin)
    return g_log_writer_default (level, fields, n_fields, data);
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_has_prefix (fields[i].key, "UPGRADE_") || g_str_equal (fields[i].key, "MESSAGE"))
      g_string_append_printf (structured, "%s=%s;", fields[i].key, (const char *) fields[i].value);
  return G_LOG_WRITER_HANDLED;
}

static void
test_context_structured_log (void)
{
  g_autoptr(UpgContext) ctx = upg_context_new ("6a1b");

  upg_context_set_step_id (ctx, "tool_001");
  upg_context_log (ctx, G_LOG_LEVEL_INFO, "moved %d tasks", 4);
  g_assert_cmpstr (structured->str, ==,
                   "MESSAGE=moved 4 tasks;UPGRADE_EXECUTION_ID=6a1b;UPGRADE_STEP_ID=tool_001;");
}

int
main (int argc, char **argv)
{
  structured = g_string_new (NULL);
  g_log_set_writer_func (record_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/context/structured-log", test_context_structured_log);
  g_test_add_func ("/context/roundtrip", test_context_roundtrip);
  g_test_add_func ("/context/minimal", test_context_minimal);
  g_test_add_func ("/context/bad-json", test_context_bad_json);
  g_test_add_func ("/context/log-and-progress", test_context_log_and_progress);
  g_test_add_func ("/context/checkpoint", test_context_checkpoint);
  g_test_add_func ("/context/connection", test_context_connection);
  return g_test_run ();
}
