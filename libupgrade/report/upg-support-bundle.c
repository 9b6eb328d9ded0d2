/* upg-support-bundle.c - a tar.gz of what support needs, secrets removed
 *
 * The archive is written here (POSIX ustar through GZlibCompressor) rather
 * than by running tar: no external program, no argv, and the bytes that go
 * in are exactly the scrubbed ones.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "upg-data-source.h"
#include "upg-path-private.h"
#include "upg-support-bundle-private.h"
#include "upg-json-private.h"

#define TAR_BLOCK 512
#define SCRUBBED "******"

UpgBundleEntry *
upg_bundle_entry_new (const char *name,
                      GBytes     *contents)
{
  UpgBundleEntry *entry = g_new0 (UpgBundleEntry, 1);

  entry->name = g_strdup (name);
  entry->contents = g_bytes_ref (contents);
  return entry;
}

void
upg_bundle_entry_free (UpgBundleEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  g_bytes_unref (entry->contents);
  g_free (entry);
}

/* Secrets ---------------------------------------------------------------- */

static void
add_secret (GPtrArray  *secrets,
            const char *value)
{
  g_autofree char *stripped = value != NULL ? g_strstrip (g_strdup (value)) : NULL;

  /* Very short values would scrub ordinary text ("a", "1") everywhere. */
  if (stripped == NULL || strlen (stripped) < 4)
    return;
  for (guint i = 0; i < secrets->len; i++)
    if (g_str_equal (secrets->pdata[i], stripped))
      return;
  g_ptr_array_add (secrets, g_steal_pointer (&stripped));
}

static void
add_secret_file (GPtrArray  *secrets,
                 const char *path,
                 const char *base_dir)
{
  g_autofree char *full = NULL;
  g_autofree char *contents = NULL;

  if (path == NULL)
    return;
  full = g_path_is_absolute (path) ? g_strdup (path) : g_build_filename (base_dir, path, NULL);
  if (g_file_get_contents (full, &contents, NULL, NULL))
    add_secret (secrets, contents);
}

typedef struct
{
  GPtrArray  *values;
  const char *base_dir;
} Collector;

static void collect_node (JsonNode *node, Collector *collector);

static void
collect_member (JsonObject  *object,
                const char  *name,
                JsonNode    *node,
                gpointer     user_data)
{
  Collector *collector = user_data;
  const char *text = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
                     ? json_node_get_string (node) : NULL;

  if (text != NULL && (g_str_equal (name, "password") || g_str_equal (name, "token") ||
                       g_str_equal (name, "auth")))
    add_secret (collector->values, text);
  else if (text != NULL && g_str_equal (name, "password_env"))
    add_secret (collector->values, g_getenv (text));
  else if (text != NULL && (g_str_equal (name, "password_file") || g_str_equal (name, "token_file")))
    add_secret_file (collector->values, text, collector->base_dir);
  else
    collect_node (node, collector);
}

static void
collect_node (JsonNode  *node,
              Collector *collector)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    json_object_foreach_member (json_node_get_object (node), collect_member, collector);
  else if (JSON_NODE_HOLDS_ARRAY (node))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
      collect_node (json_array_get_element (json_node_get_array (node), i), collector);
}

/*
 * Collects the secret values the configuration refers to: inline
 * `password`/`token`/`auth` values, the values of `password_env`
 * variables and the contents of `password_file`/`token_file` files, plus
 * the password variables the database clients read. Returns them so that
 * upg_support_bundle_scrub() can remove them wherever they appear.
 */
GStrv
upg_support_bundle_collect_secrets (const char *config_path)
{
  static const char * const client_variables[] = { "PGPASSWORD", "MYSQL_PWD", "UPGRADE_TOKEN" };
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  UpgJsonCtx ctx = { config_path, UPG_ERROR_INVALID_CONFIG };
  g_autoptr(JsonNode) root = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (client_variables); i++)
    add_secret (values, g_getenv (client_variables[i]));

  if (config_path != NULL && (root = upg_json_parse_file (&ctx, NULL)) != NULL)
    {
      g_autofree char *base_dir = g_path_get_dirname (config_path);
      Collector collector = { values, base_dir };

      collect_node (root, &collector);
    }
  g_ptr_array_add (values, NULL);
  return (GStrv) g_ptr_array_steal (values, NULL);
}

static gboolean
mask_value (const GMatchInfo *match,
            GString          *result,
            gpointer          user_data)
{
  g_autofree char *key = g_match_info_fetch (match, 1);
  g_autofree char *value = g_match_info_fetch (match, 2);
  char quote = value[0] == '"' || value[0] == '\'' ? value[0] : '\0';

  g_string_append (result, key);
  if (quote != '\0')
    g_string_append_printf (result, "%c%s%c", quote, SCRUBBED, quote);
  else
    g_string_append (result, SCRUBBED);
  return FALSE;
}

/*
 * Removes secrets from @text: every known value in @secrets, and any value
 * following a password-like key (`password=…`, `PGPASSWORD=…`,
 * `"password": "…"`, `token: …`, `Authorization: Bearer …`).
 */
char *
upg_support_bundle_scrub (const char         *text,
                          const char * const *secrets)
{
  static gsize initialised;
  static GRegex *key_value, *bearer;
  g_autoptr(GString) out = g_string_new (text);
  g_autofree char *masked = NULL;

  if (g_once_init_enter (&initialised))
    {
      bearer = g_regex_new ("(?i)(bearer\\s+)([A-Za-z0-9._~+/=-]+)", 0, 0, NULL);
      /* A key ending in password/pwd/token/secret/api_key (so
       * PGPASSWORD, MYSQL_PWD, FT_DB_PASSWORD too) or SQL's
       * IDENTIFIED BY, then a quoted or bare value. */
      key_value = g_regex_new ("(?i)(\\b\\w*(?:password|passwd|pwd|token|secret|api[_-]?key)"
                               "\"?\\s*[=:]\\s*|\\bidentified\\s+by\\s+)"
                               "(\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|[^\\s;,&\"'}]+)",
                               0, 0, NULL);
      g_once_init_leave (&initialised, 1);
    }

  for (guint i = 0; secrets != NULL && secrets[i] != NULL; i++)
    if (*secrets[i] != '\0')
      g_string_replace (out, secrets[i], SCRUBBED, 0);
  masked = g_regex_replace_eval (key_value, out->str, -1, 0, 0, mask_value, NULL, NULL);
  return g_regex_replace (bearer, masked, -1, 0, "\\1" SCRUBBED, 0, NULL);
}

/* ustar ----------------------------------------------------------------- */

static void
octal_field (char    *field,
             gsize    width,
             guint64  value)
{
  /* width - 1 octal digits, zero padded, then NUL. */
  g_snprintf (field, width, "%0*" G_GINT64_MODIFIER "o", (int) width - 1, value);
}

static gboolean
tar_header (guchar          block[TAR_BLOCK],
            UpgBundleEntry *entry,
            gint64          mtime,
            GError        **error)
{
  gsize name_len = strlen (entry->name);
  guint checksum = 0;

  memset (block, 0, TAR_BLOCK);
  if (name_len == 0 || name_len > 100)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   "support bundle member name '%s' must be 1 to 100 bytes long", entry->name);
      return FALSE;
    }
  memcpy (block, entry->name, name_len);
  octal_field ((char *) block + 100, 8, 0644);
  octal_field ((char *) block + 108, 8, 0);
  octal_field ((char *) block + 116, 8, 0);
  octal_field ((char *) block + 124, 12, g_bytes_get_size (entry->contents));
  octal_field ((char *) block + 136, 12, (guint64) MAX (mtime, 0));
  block[156] = '0';
  memcpy (block + 257, "ustar", 6);
  memcpy (block + 263, "00", 2);
  memcpy (block + 265, "root", 4);
  memcpy (block + 297, "root", 4);

  /* The checksum is computed with its own field read as spaces. */
  memset (block + 148, ' ', 8);
  for (guint i = 0; i < TAR_BLOCK; i++)
    checksum += block[i];
  g_snprintf ((char *) block + 148, 7, "%06o", checksum);
  block[155] = ' ';
  return TRUE;
}

static gboolean
write_entry (GOutputStream   *stream,
             UpgBundleEntry  *entry,
             gint64           mtime,
             GError         **error)
{
  static const guchar zeros[TAR_BLOCK] = { 0 };
  guchar header[TAR_BLOCK];
  gsize size = g_bytes_get_size (entry->contents);
  gsize padding = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;

  return tar_header (header, entry, mtime, error) &&
         g_output_stream_write_all (stream, header, TAR_BLOCK, NULL, NULL, error) &&
         g_output_stream_write_all (stream, g_bytes_get_data (entry->contents, NULL), size,
                                    NULL, NULL, error) &&
         g_output_stream_write_all (stream, zeros, padding, NULL, NULL, error);
}

/*
 * Writes @entries (UpgBundleEntry) as a gzip-compressed POSIX ustar
 * archive at @path, replacing it atomically. Members are regular files,
 * mode 0644, owned by root, dated @mtime (seconds since the epoch).
 */
gboolean
upg_support_bundle_write_tar_gz (const char  *path,
                                 GPtrArray   *entries,
                                 gint64       mtime,
                                 GError     **error)
{
  static const guchar zeros[2 * TAR_BLOCK] = { 0 };
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) file_stream = NULL;
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autoptr(GOutputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;

  file_stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, &local_error);
  if (file_stream == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED,
                   _("cannot write support bundle '%s': %s"), path, local_error->message);
      return FALSE;
    }
  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  stream = g_converter_output_stream_new (G_OUTPUT_STREAM (file_stream), G_CONVERTER (compressor));

  for (guint i = 0; i < entries->len; i++)
    if (!write_entry (stream, entries->pdata[i], mtime, &local_error))
      break;
  /* The end of the archive: two zero blocks. */
  if (local_error == NULL)
    g_output_stream_write_all (stream, zeros, sizeof zeros, NULL, NULL, &local_error);
  if (local_error == NULL)
    g_output_stream_close (stream, NULL, &local_error);
  if (local_error != NULL)
    {
      /* Closing the replace stream would install a truncated file. */
      g_autoptr(GCancellable) abandon = g_cancellable_new ();

      g_cancellable_cancel (abandon);
      g_output_stream_close (G_OUTPUT_STREAM (file_stream), abandon, NULL);
      if (local_error->domain == UPG_ERROR)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED,
                     _("cannot write support bundle '%s': %s"), path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* The bundle ------------------------------------------------------------ */

typedef struct
{
  GPtrArray *entries;
  char      *prefix;
  GStrv      secrets;
} Collection;

static void
add_text (Collection *collection,
          const char *name,
          const char *text)
{
  g_autofree char *member = g_strconcat (collection->prefix, "/", name, NULL);
  g_autofree char *scrubbed = upg_support_bundle_scrub (text, (const char * const *) collection->secrets);
  gsize length = strlen (scrubbed);
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&scrubbed), length);

  g_ptr_array_add (collection->entries, upg_bundle_entry_new (member, bytes));
}

static void
add_json (Collection *collection,
          const char *name,
          JsonNode   *node)
{
  g_autofree char *text = json_to_string (node, TRUE);

  add_text (collection, name, text);
}

/* The plan the execution followed, rebuilt from the bundle; %NULL (and a
 * note in the README) when there is no bundle or it no longer plans. */
static JsonNode *
execution_plan (UpgBundle  *bundle,
                JsonObject *execution,
                GString    *readme)
{
  const char *from_text = json_object_get_string_member_with_default (execution, "from", NULL);
  const char *to_text = json_object_get_string_member_with_default (execution, "to", NULL);
  g_autoptr(UpgVersion) from = from_text != NULL ? upg_version_parse (from_text, NULL) : NULL;
  g_autoptr(UpgVersion) to = to_text != NULL ? upg_version_parse (to_text, NULL) : NULL;
  g_autoptr(UpgPlan) plan = NULL;
  g_autoptr(GError) error = NULL;

  if (bundle == NULL || from == NULL || to == NULL)
    {
      g_string_append (readme, "plan.json: not included (no bundle given)\n");
      return NULL;
    }
  plan = upg_plan_new (bundle, from, to, json_object_get_string_member_with_default (execution, "site", NULL),
                       &error);
  if (plan == NULL)
    {
      g_string_append_printf (readme, "plan.json: not included (%s)\n", error->message);
      return NULL;
    }
  return upg_plan_to_json (plan);
}

static void
add_log (Collection *collection,
         const char *state_dir,
         const char *execution_id,
         GString    *readme)
{
  g_autofree char *name = g_strconcat (execution_id, ".log", NULL);
  g_autofree char *path = g_build_filename (state_dir, "logs", name, NULL);
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    {
      g_string_append_printf (readme, "%s: not included (no log at %s)\n", name, path);
      return;
    }
  add_text (collection, name, contents);
}

/* The configuration as support needs it: every member that holds a
 * secret's value (not where it comes from: `password_env`, `…_file` stay)
 * replaced, before the text scrub removes the values it knows. */
static gboolean
names_secret (const char *member)
{
  g_autofree char *lower = g_ascii_strdown (member, -1);

  if (g_str_has_suffix (lower, "_env") || g_str_has_suffix (lower, "_file"))
    return FALSE;
  return strstr (lower, "password") != NULL || strstr (lower, "secret") != NULL ||
         strstr (lower, "token") != NULL;
}

static void
mask_secret_members (JsonNode *node)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        mask_secret_members (json_array_get_element (array, i));
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *value = json_object_get_member (object, l->data);

          if (names_secret (l->data) && JSON_NODE_HOLDS_VALUE (value))
            json_object_set_string_member (object, l->data, SCRUBBED);
          else
            mask_secret_members (value);
        }
    }
}

static void
add_config (Collection *collection,
            const char *config_path,
            GString    *readme)
{
  UpgJsonCtx ctx = { config_path, UPG_ERROR_INVALID_CONFIG };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (config_path == NULL)
    {
      g_string_append (readme, "config.json: not included (no configuration given)\n");
      return;
    }
  root = upg_json_parse_file (&ctx, &error);
  if (root == NULL)
    {
      g_string_append_printf (readme, "config.json: not included (%s)\n", error->message);
      return;
    }
  mask_secret_members (root);
  add_json (collection, "config.json", root);
}

/* Each configured data source: its kind, where it is, and the version its
 * server gives now (or why it could not be asked). */
static JsonNode *
data_sources_json (UpgConfig *config)
{
  GPtrArray *sources = upg_config_get_data_sources (config);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < sources->len; i++)
    {
      UpgDataSource *source = sources->pdata[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(UpgConnection) connection = upg_data_source_open (source, NULL, &error);
      g_autofree char *version = connection != NULL ? upg_connection_get_server_version (connection, &error)
                                                    : NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, upg_data_source_get_name (source));
      json_builder_set_member_name (builder, "provider");
      json_builder_add_string_value (builder, upg_data_source_get_provider (source));
      json_builder_set_member_name (builder, "host");
      json_builder_add_string_value (builder, upg_data_source_get_host (source));
      json_builder_set_member_name (builder, "port");
      json_builder_add_int_value (builder, upg_data_source_get_port (source));
      json_builder_set_member_name (builder, "database");
      json_builder_add_string_value (builder, upg_data_source_get_database (source));
      json_builder_set_member_name (builder, version != NULL ? "server_version" : "unreachable");
      json_builder_add_string_value (builder, version != NULL ? version : error->message);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

/* At most this many files of a bundle are hashed: a bundle is scripts and
 * manifests, not data. */
#define MAX_BUNDLE_FILES 10000

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
hash_tree (const char *root,
           const char *relative,
           GString    *out,
           guint      *count,
           GError    **error)
{
  g_autofree char *dir_path = g_build_filename (root, relative, NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = *relative != '\0' ? g_build_filename (relative, names->pdata[i], NULL)
                                                  : g_strdup (names->pdata[i]);
      g_autofree char *path = g_build_filename (root, child, NULL);
      g_autofree char *sha = NULL;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (!hash_tree (root, child, out, count, error))
            return FALSE;
          continue;
        }
      if (++*count > MAX_BUNDLE_FILES)
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                       "more than %d files", MAX_BUNDLE_FILES);
          return FALSE;
        }
      if ((sha = upg_path_sha256 (path, error)) == NULL)
        return FALSE;
      /* sha256sum's format: `sha256sum -c` checks a copy of the bundle. */
      g_string_append_printf (out, "%s  %s\n", sha, child);
    }
  return TRUE;
}

static void
add_bundle_hashes (Collection *collection,
                   UpgBundle  *bundle,
                   GString    *readme)
{
  g_autoptr(GString) sums = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  guint count = 0;

  if (bundle == NULL)
    {
      g_string_append (readme, "bundle.sha256: not included (no bundle given)\n");
      return;
    }
  if (!hash_tree (upg_bundle_get_path (bundle), "", sums, &count, &error))
    {
      g_string_append_printf (readme, "bundle.sha256: not included (%s)\n", error->message);
      return;
    }
  add_text (collection, "bundle.sha256", sums->str);
}

/*
 * Writes @out_path, a tar.gz for support: the execution's record and
 * statements, its report (text, JSON, HTML, with its stops and resumes),
 * breakpoint, plan (rebuilt from @bundle), @assessment (the caller's
 * assessment of its from/to/site, or why there is none: the assessment
 * is above the reports), the SHA-256 of every file of @bundle, the configuration
 * with its secret values masked, each data source of @config with its
 * server's version, and the log file (<state-dir>/logs/<id>.log). Every
 * member is
 * scrubbed of the secrets @config_path refers to and of password-like
 * values. A README lists what is missing and why.
 */
gboolean
upg_support_bundle_create (UpgJournal  *journal,
                           const char  *execution_id,
                           const char  *state_dir,
                           const char  *config_path,
                           UpgConfig   *config,
                           UpgBundle   *bundle,
                           JsonNode    *assessment,
                           const char  *out_path,
                           GError     **error)
{
  g_autoptr(JsonObject) execution = NULL;
  g_autoptr(JsonArray) statements = NULL;
  g_autoptr(GString) readme = g_string_new (NULL);
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_bundle_entry_free);
  g_autoptr(JsonNode) execution_node = NULL, statements_node = NULL, plan = NULL, sources = NULL;
  g_autofree char *prefix = g_strconcat ("upgrade-support-", execution_id, NULL);
  g_auto(GStrv) secrets = upg_support_bundle_collect_secrets (config_path);
  Collection collection = { entries, prefix, secrets };
  static const UpgReportFormat formats[] = {
    UPG_REPORT_FORMAT_TEXT, UPG_REPORT_FORMAT_JSON, UPG_REPORT_FORMAT_HTML,
  };
  static const char * const names[] = { "report.txt", "report.json", "report.html" };

  g_return_val_if_fail (UPG_IS_JOURNAL (journal), FALSE);

  execution = upg_report_load_execution (journal, execution_id, &statements, error);
  if (execution == NULL)
    return FALSE;

  g_string_append_printf (readme, "libupgrade %s support bundle for execution %s\n"
                          "Secrets (configured passwords and tokens, password=… values) are replaced by "
                          SCRUBBED ".\n\n", PACKAGE_VERSION, execution_id);
  execution_node = json_node_init_object (json_node_alloc (), execution);
  statements_node = json_node_init_array (json_node_alloc (), statements);
  add_json (&collection, "execution.json", execution_node);
  add_json (&collection, "statements.json", statements_node);
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *report = upg_report_render_execution (execution, statements, formats[i]);

      add_text (&collection, names[i], report);
    }
  if (json_object_get_member (execution, "breakpoint") != NULL &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (execution, "breakpoint")))
    add_json (&collection, "breakpoint.json", json_object_get_member (execution, "breakpoint"));
  else
    g_string_append (readme, "breakpoint.json: not included (the execution has no breakpoint)\n");
  plan = execution_plan (bundle, execution, readme);
  if (plan != NULL)
    add_json (&collection, "plan.json", plan);
  if (assessment != NULL)
    add_json (&collection, "assessment.json", assessment);
  else
    g_string_append (readme, "assessment.json: not included (not assessed)\n");
  add_bundle_hashes (&collection, bundle, readme);
  add_config (&collection, config_path, readme);
  if (config != NULL)
    {
      sources = data_sources_json (config);
      add_json (&collection, "datasources.json", sources);
    }
  else
    g_string_append (readme, "datasources.json: not included (no configuration given)\n");
  add_log (&collection, state_dir, execution_id, readme);
  add_text (&collection, "README", readme->str);
  return upg_support_bundle_write_tar_gz (out_path, entries, g_get_real_time () / G_USEC_PER_SEC, error);
}
