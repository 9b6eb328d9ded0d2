/* upg-assessment-sources.c - the database-facing checks of an assessment
 *
 * Data-quality rules, middleware versions and the sizes of the tables to
 * back up, read from the manifests' `checks` and run against the site's
 * data sources.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/statvfs.h>
#include <glib/gi18n-lib.h>

#include "upg-assessment-private.h"
#include "upg-json-private.h"

struct _UpgCheckSources
{
  UpgConfig    *config;
  GCancellable *cancellable;
  GHashTable   *connections;   /* name → UpgConnection */
  GHashTable   *skipped;       /* name → reason the database is missing */
  GHashTable   *failures;      /* name → GError */
};

UpgCheckSources *
upg_check_sources_new (UpgConfig    *config,
                       GCancellable *cancellable)
{
  UpgCheckSources *sources = g_new0 (UpgCheckSources, 1);

  sources->config = config != NULL ? g_object_ref (config) : NULL;
  sources->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  sources->connections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  sources->skipped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sources->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_error_free);
  return sources;
}

void
upg_check_sources_free (UpgCheckSources *sources)
{
  if (sources == NULL)
    return;
  g_clear_object (&sources->config);
  g_clear_object (&sources->cancellable);
  g_hash_table_unref (sources->connections);
  g_hash_table_unref (sources->skipped);
  g_hash_table_unref (sources->failures);
  g_free (sources);
}

/* Whether an open error says the database itself does not exist: MySQL
 * error 1049 "Unknown database 'x'", PostgreSQL 3D000 `database "x" does
 * not exist (SQLSTATE 3D000)`. The connection error carries only the
 * server's text (after a description holding host and port, hence the
 * exact patterns); such a refusal comes after a single attempt. */
static gboolean
is_missing_database (const GError *error)
{
  const char *pg = strstr (error->message, "database \"");

  return strstr (error->message, "ERROR 1049 (") != NULL ||
         strstr (error->message, "(SQLSTATE 3D000)") != NULL ||
         strstr (error->message, "Unknown database '") != NULL ||
         (pg != NULL && strstr (pg, "\" does not exist") != NULL);
}

static char *
find_missing_reason (UpgCheckSources *sources,
                     const char      *name,
                     UpgDataSource   *source)
{
  const char *path;

  if (source == NULL)
    return g_strdup_printf (_("database '%s' is not configured for this site"), name);
  path = upg_data_source_get_path (source);
  /* Opening a missing SQLite file would create an empty database. */
  if (upg_data_source_get_dialect (source) == UPG_DIALECT_SQLITE && path != NULL &&
      !g_file_test (path, G_FILE_TEST_EXISTS))
    return g_strdup_printf (_("database '%s' does not exist (no file %s)"), name, path);
  return NULL;
}

/*
 * Returns the open connection to data source @name (transfer none), or
 * %NULL with either *@skip_reason set (the database does not exist here:
 * the check is skipped) or @error set (it exists but cannot be used: the
 * check fails).
 */
UpgConnection *
upg_check_sources_get (UpgCheckSources  *sources,
                       const char       *name,
                       char            **skip_reason,
                       GError          **error)
{
  UpgDataSource *source;
  UpgConnection *connection;
  g_autoptr(GError) local_error = NULL;
  const GError *failure;
  char *reason;

  if ((connection = g_hash_table_lookup (sources->connections, name)) != NULL)
    return connection;
  if ((reason = g_hash_table_lookup (sources->skipped, name)) != NULL)
    {
      *skip_reason = g_strdup (reason);
      return NULL;
    }
  if ((failure = g_hash_table_lookup (sources->failures, name)) != NULL)
    {
      g_propagate_error (error, g_error_copy (failure));
      return NULL;
    }

  source = sources->config != NULL ? upg_config_lookup_data_source (sources->config, name) : NULL;
  reason = find_missing_reason (sources, name, source);
  if (reason == NULL)
    {
      connection = upg_data_source_open (source, sources->cancellable, &local_error);
      if (connection == NULL && is_missing_database (local_error))
        reason = g_strdup (local_error->message);
    }
  if (reason != NULL)
    {
      g_message ("assessment: checks on database '%s' skipped: %s", name, reason);
      g_hash_table_insert (sources->skipped, g_strdup (name), reason);
      *skip_reason = g_strdup (reason);
      return NULL;
    }
  if (connection == NULL)
    {
      g_hash_table_insert (sources->failures, g_strdup (name), g_error_copy (local_error));
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_hash_table_insert (sources->connections, g_strdup (name), connection);
  return connection;
}

/* Host figures ----------------------------------------------------------- */

static guint64
read_available_memory (void)
{
  g_autofree char *meminfo = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/meminfo", &meminfo, NULL, NULL))
    return 0;
  line = strstr (meminfo, "MemAvailable:");
  if (line == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen ("MemAvailable:"), NULL, 10) * 1024;
}

/*
 * Measures what the resource items compare against: free disk space where
 * backups and double writes go (@disk_path), available memory and
 * processors. CPU idle needs sampling over time and comes from the
 * host-resources plugin instead.
 */
void
upg_host_figures_measure (UpgHostFigures *figures,
                          const char     *disk_path)
{
  struct statvfs fs;

  memset (figures, 0, sizeof *figures);
  if (disk_path != NULL && statvfs (disk_path, &fs) == 0)
    figures->free_disk = (guint64) fs.f_bavail * fs.f_frsize;
  figures->available_memory = read_available_memory ();
  figures->cpus = g_get_num_processors ();
}

/* Data quality ----------------------------------------------------------- */

static UpgCheckResult *
invalid_check (const char   *kind,
               const char   *id,
               const GError *error)
{
  UpgCheckResult *item = upg_check_result_new (kind, id, id, UPG_VERDICT_FAIL, error->message);

  upg_check_result_set_suggestion (item, _("fix the check in the manifest"));
  return item;
}

static gboolean
read_range (const UpgJsonCtx  *ctx,
            JsonObject        *rule,
            const char        *path,
            UpgVersion       **min,
            UpgVersion       **max,
            GError           **error)
{
  return upg_json_get_version (ctx, rule, path, "min_version", FALSE, min, error) &&
         upg_json_get_version (ctx, rule, path, "max_version", FALSE, max, error);
}

static gboolean
version_in (const UpgVersion *version,
            const UpgVersion *min,
            const UpgVersion *max)
{
  return (min == NULL || upg_version_compare (version, min) >= 0) &&
         (max == NULL || upg_version_compare (version, max) <= 0);
}

static UpgCheckResult *
skipped_item (const char *kind,
              const char *id,
              const char *name,
              const char *reason)
{
  return upg_check_result_new (kind, id, name, UPG_VERDICT_SKIPPED, reason);
}

/* Runs @sql and reads the single count it must return. */
static UpgCheckResult *
count_rule (UpgConnection *connection,
            const char    *id,
            const char    *name,
            const char    *sql,
            gint64         threshold,
            UpgVerdict     severity,
            GCancellable  *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = upg_connection_query (connection, sql, NULL, cancellable, &error);
  g_autofree char *message = NULL, *count_text = NULL, *threshold_text = NULL;
  gint64 count;

  if (rows == NULL)
    return upg_check_result_new (UPG_CHECK_KIND_DATA_QUALITY, id, name, UPG_VERDICT_FAIL, error->message);
  count = upg_rows_get_n_rows (rows) > 0 ? upg_rows_get_int (rows, 0, 0, -1) : -1;
  if (count < 0)
    {
      message = g_strdup_printf (_("rule %s must return one count, got '%s'"), id,
                                 upg_rows_get_n_rows (rows) > 0 ? upg_rows_get_value (rows, 0, 0) : "");
      return upg_check_result_new (UPG_CHECK_KIND_DATA_QUALITY, id, name, UPG_VERDICT_FAIL, message);
    }
  /* TRANSLATORS: the first %s is a count of rows, the second the rule's threshold */
  count_text = g_strdup_printf ("%" G_GINT64_FORMAT, count);
  threshold_text = g_strdup_printf ("%" G_GINT64_FORMAT, threshold);
  message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s row found, threshold %s", "%s rows found, threshold %s",
                                          (gulong) MIN (count, G_MAXLONG)),
                             count_text, threshold_text);
  return upg_check_result_new (UPG_CHECK_KIND_DATA_QUALITY, id, name,
                               count <= threshold ? UPG_VERDICT_PASS : severity, message);
}

static gboolean
read_severity (const UpgJsonCtx *ctx,
               JsonObject       *rule,
               const char       *path,
               UpgVerdict       *severity,
               GError          **error)
{
  const char *text = NULL;

  if (!upg_json_get_string (ctx, rule, path, "severity", FALSE, &text, error))
    return FALSE;
  if (text == NULL || g_str_equal (text, "fail"))
    *severity = UPG_VERDICT_FAIL;
  else if (g_str_equal (text, "warn"))
    *severity = UPG_VERDICT_WARN;
  else
    {
      g_autofree char *member = upg_json_member_path (path, "severity");

      return upg_json_fail (ctx, member, error, "'%s' is not a severity: expected \"fail\" or \"warn\"", text);
    }
  return TRUE;
}

static UpgCheckResult *
check_rule (UpgCheckSources  *sources,
            const UpgJsonCtx *ctx,
            JsonObject       *rule,
            const char       *path,
            const UpgVersion *from,
            const UpgVersion *to)
{
  const char *id = NULL, *name = NULL, *database = NULL, *sql = NULL, *suggestion = NULL;
  g_autoptr(UpgVersion) min = NULL;
  g_autoptr(UpgVersion) max = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *skip = NULL;
  UpgVerdict severity = UPG_VERDICT_FAIL;
  guint64 threshold = 0;
  UpgConnection *connection;
  UpgCheckResult *item;

  if (!upg_json_get_string (ctx, rule, path, "id", TRUE, &id, &error) ||
      !upg_json_get_string (ctx, rule, path, "name", FALSE, &name, &error) ||
      !upg_json_get_string (ctx, rule, path, "database", TRUE, &database, &error) ||
      !upg_json_get_string (ctx, rule, path, "sql", TRUE, &sql, &error) ||
      !upg_json_get_string (ctx, rule, path, "suggestion", FALSE, &suggestion, &error) ||
      !upg_json_get_uint (ctx, rule, path, "threshold", G_MAXINT64, &threshold, &error) ||
      !read_severity (ctx, rule, path, &severity, &error) ||
      !read_range (ctx, rule, path, &min, &max, &error))
    return invalid_check (UPG_CHECK_KIND_DATA_QUALITY, id != NULL ? id : path, error);
  if (name == NULL)
    name = id;

  if (!version_in (from, min, max) && !version_in (to, min, max))
    {
      g_autofree char *from_text = upg_version_to_string (from), *to_text = upg_version_to_string (to);
      g_autofree char *min_text = min != NULL ? upg_version_to_string (min) : g_strdup ("…");
      g_autofree char *max_text = max != NULL ? upg_version_to_string (max) : g_strdup ("…");
      g_autofree char *reason = g_strdup_printf (_("not run: neither %s nor %s lies in [%s, %s]"),
                                                 from_text, to_text, min_text, max_text);

      return skipped_item (UPG_CHECK_KIND_DATA_QUALITY, id, name, reason);
    }

  connection = upg_check_sources_get (sources, database, &skip, &error);
  if (skip != NULL)
    return skipped_item (UPG_CHECK_KIND_DATA_QUALITY, id, name, skip);
  if (connection == NULL)
    item = upg_check_result_new (UPG_CHECK_KIND_DATA_QUALITY, id, name, UPG_VERDICT_FAIL, error->message);
  else
    item = count_rule (connection, id, name, sql, (gint64) threshold, severity, sources->cancellable);
  upg_check_result_set_figure_string (item, "database", database);
  upg_check_result_set_figure_int (item, "threshold", (gint64) threshold);
  if (upg_check_result_get_verdict (item) != UPG_VERDICT_PASS && suggestion != NULL)
    upg_check_result_set_suggestion (item, suggestion);
  return item;
}

/* Calls @func for each object of the array `checks.<member>` of @manifest;
 * an element that is not an object becomes a failed item. */
typedef UpgCheckResult *(*EntryFunc) (UpgCheckSources *sources, const UpgJsonCtx *ctx,
                                      JsonObject *entry, const char *path, gpointer data);

static void
foreach_entry (UpgCheckSources *sources,
               UpgManifest     *manifest,
               const char      *member,
               const char      *kind,
               EntryFunc        func,
               gpointer         data,
               GPtrArray       *items)
{
  UpgJsonCtx ctx = { upg_manifest_get_path (manifest), UPG_ERROR_INVALID_MANIFEST };
  JsonObject *checks = upg_manifest_get_checks (manifest);
  g_autofree char *array_path = g_strdup_printf ("$.checks.%s", member);
  g_autoptr(GError) error = NULL;
  JsonArray *entries = NULL;

  if (checks == NULL)
    return;
  if (!upg_json_get_array (&ctx, checks, "$.checks", member, &entries, &error))
    {
      g_ptr_array_add (items, invalid_check (kind, array_path, error));
      return;
    }
  for (guint i = 0; entries != NULL && i < json_array_get_length (entries); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s[%u]", array_path, i);
      JsonObject *entry = NULL;

      if (!upg_json_require_object (&ctx, json_array_get_element (entries, i), path, &entry, &error))
        {
          g_ptr_array_add (items, invalid_check (kind, path, error));
          g_clear_error (&error);
          continue;
        }
      g_ptr_array_add (items, func (sources, &ctx, entry, path, data));
    }
}

typedef struct
{
  const UpgVersion *from;
  const UpgVersion *to;
} Range;

static UpgCheckResult *
rule_entry (UpgCheckSources  *sources,
            const UpgJsonCtx *ctx,
            JsonObject       *entry,
            const char       *path,
            gpointer          data)
{
  Range *range = data;

  return check_rule (sources, ctx, entry, path, range->from, range->to);
}

/*
 * Runs the `checks.data_quality` rules of @manifest: a rule runs only when
 * @from or @to lies in its [min_version, max_version] (otherwise it is a
 * skipped item); its count ≤ threshold passes, above it the rule's
 * severity is the verdict; an SQL error fails the item with the database's
 * message; a database that does not exist skips it.
 */
void
upg_assessment_check_data_quality (UpgCheckSources  *sources,
                                   UpgManifest      *manifest,
                                   const UpgVersion *from,
                                   const UpgVersion *to,
                                   GPtrArray        *items)
{
  Range range = { from, to };

  foreach_entry (sources, manifest, "data_quality", UPG_CHECK_KIND_DATA_QUALITY,
                 rule_entry, &range, items);
}

/* Middleware ------------------------------------------------------------- */

/* Compares the leading dotted numbers of two version texts: server
 * versions ("10.11.6-MariaDB-0+deb12u1", "15.5 (Debian …)") are not
 * product versions and UpgVersion does not parse them. */
static int
compare_dotted (const char *a,
                const char *b)
{
  while (g_ascii_isdigit (*a) || g_ascii_isdigit (*b))
    {
      char *end_a, *end_b;
      guint64 x = g_ascii_strtoull (a, &end_a, 10);
      guint64 y = g_ascii_strtoull (b, &end_b, 10);

      if (x != y)
        return x < y ? -1 : 1;
      a = *end_a == '.' && g_ascii_isdigit (end_a[1]) ? end_a + 1 : end_a + strlen (end_a);
      b = *end_b == '.' && g_ascii_isdigit (end_b[1]) ? end_b + 1 : end_b + strlen (end_b);
    }
  return 0;
}

static UpgCheckResult *
middleware_entry (UpgCheckSources  *sources,
                  const UpgJsonCtx *ctx,
                  JsonObject       *entry,
                  const char       *path,
                  gpointer          data)
{
  const char *database = NULL, *min = NULL, *max = NULL, *name = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *skip = NULL, *id = NULL, *version = NULL, *message = NULL;
  UpgConnection *connection;
  UpgCheckResult *item;
  gboolean ok;

  if (!upg_json_get_string (ctx, entry, path, "database", TRUE, &database, &error) ||
      !upg_json_get_string (ctx, entry, path, "name", FALSE, &name, &error) ||
      !upg_json_get_string (ctx, entry, path, "min_version", FALSE, &min, &error) ||
      !upg_json_get_string (ctx, entry, path, "max_version", FALSE, &max, &error))
    return invalid_check (UPG_CHECK_KIND_MIDDLEWARE, path, error);
  id = g_strdup_printf ("middleware:%s", database);
  if (name == NULL)
    name = database;

  connection = upg_check_sources_get (sources, database, &skip, &error);
  if (skip != NULL)
    return skipped_item (UPG_CHECK_KIND_MIDDLEWARE, id, name, skip);
  if (connection != NULL)
    version = upg_connection_get_server_version (connection, &error);
  if (version == NULL)
    return upg_check_result_new (UPG_CHECK_KIND_MIDDLEWARE, id, name, UPG_VERDICT_FAIL, error->message);

  ok = (min == NULL || compare_dotted (version, min) >= 0) &&
       (max == NULL || compare_dotted (version, max) <= 0);
  message = g_strdup_printf (_("%s runs %s; required: %s to %s"), database, version,
                             min != NULL ? min : "…", max != NULL ? max : "…");
  item = upg_check_result_new (UPG_CHECK_KIND_MIDDLEWARE, id, name,
                               ok ? UPG_VERDICT_PASS : UPG_VERDICT_FAIL, message);
  upg_check_result_set_figure_string (item, "version", version);
  if (min != NULL)
    upg_check_result_set_figure_string (item, "min_version", min);
  if (max != NULL)
    upg_check_result_set_figure_string (item, "max_version", max);
  if (!ok)
    upg_check_result_set_suggestion (item, _("upgrade (or downgrade) the database server into the required range first"));
  return item;
}

/*
 * Checks the server versions `checks.middleware` of @manifest requires:
 * `{"database", "min_version"?, "max_version"?}`, compared on their leading
 * dotted numbers.
 */
void
upg_assessment_check_middleware (UpgCheckSources *sources,
                                 UpgManifest     *manifest,
                                 GPtrArray       *items)
{
  foreach_entry (sources, manifest, "middleware", UPG_CHECK_KIND_MIDDLEWARE,
                 middleware_entry, NULL, items);
}

/* Backup space ----------------------------------------------------------- */

/* One row: whether the table exists, its data bytes, its index bytes. */
static const char *
table_size_sql (UpgDialect dialect)
{
  switch (dialect)
    {
    case UPG_DIALECT_MYSQL:
      return "SELECT COUNT(*), COALESCE(SUM(data_length), 0), COALESCE(SUM(index_length), 0) "
             "FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?";
    case UPG_DIALECT_POSTGRESQL:
      return "SELECT COUNT(*), COALESCE(SUM(pg_table_size(c.oid)), 0), "
             "COALESCE(SUM(pg_indexes_size(c.oid)), 0) FROM pg_class c WHERE c.oid = to_regclass(?)";
    case UPG_DIALECT_SQLITE:
      return "SELECT COUNT(*), (SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = ?), "
             "(SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name IN "
             "(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?)) "
             "FROM sqlite_master WHERE type = 'table' AND name = ?";
    case UPG_DIALECT_OTHER:
    default:
      return NULL;
    }
}

typedef struct
{
  guint64  data;
  guint64  index;
  GString *missing;
} TableSizes;

static gboolean
measure_tables (UpgConnection       *connection,
                const char * const  *tables,
                TableSizes          *sizes,
                GCancellable        *cancellable,
                GError             **error)
{
  UpgDialect dialect = upg_connection_get_dialect (connection);
  const char *sql = table_size_sql (dialect);

  if (sql == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("table sizes cannot be measured on data source '%s' (not MySQL, PostgreSQL or SQLite)"),
                   upg_connection_get_name (connection));
      return FALSE;
    }
  for (guint i = 0; tables[i] != NULL; i++)
    {
      const char *params[] = { tables[i], tables[i], tables[i], NULL };
      g_autoptr(UpgRows) rows = NULL;

      /* The SQLite form names the table three times, the others once. */
      if (dialect != UPG_DIALECT_SQLITE)
        params[1] = NULL;
      rows = upg_connection_query (connection, sql, params, cancellable, error);
      if (rows == NULL)
        return FALSE;
      if (upg_rows_get_n_rows (rows) == 0 || upg_rows_get_int (rows, 0, 0, 0) == 0)
        {
          g_string_append_printf (sizes->missing, "%s%s", sizes->missing->len > 0 ? ", " : "", tables[i]);
          continue;
        }
      sizes->data += (guint64) MAX (upg_rows_get_int (rows, 0, 1, 0), 0);
      sizes->index += (guint64) MAX (upg_rows_get_int (rows, 0, 2, 0), 0);
    }
  return TRUE;
}

/* Free disk ≥ 2 × backup passes, ≥ 1 × warns (the backup fits, with no
 * margin), less fails. */
static UpgVerdict
backup_verdict (guint64 free_disk,
                guint64 backup)
{
  if (free_disk >= 2 * backup)
    return UPG_VERDICT_PASS;
  if (free_disk >= backup)
    return UPG_VERDICT_WARN;
  return UPG_VERDICT_FAIL;
}

static UpgCheckResult *
backup_item (const char           *id,
             const char           *name,
             const char           *database,
             TableSizes           *sizes,
             const UpgHostFigures *host)
{
  guint64 backup = (guint64) ((sizes->data + sizes->index) * UPG_ASSESSMENT_BACKUP_FACTOR);
  g_autofree char *backup_text = g_format_size_full (backup, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *free_text = g_format_size_full (host->free_disk, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *message = NULL;
  UpgVerdict verdict = backup_verdict (host->free_disk, backup);
  UpgCheckResult *item;

  if (sizes->missing->len > 0)
    verdict = MAX (verdict, UPG_VERDICT_WARN);
  message = g_strdup_printf (_("backup of %s needs about %s ((data + index) × 1.5); %s free, 2 × backup required"),
                             database, backup_text, free_text);
  if (sizes->missing->len > 0)
    {
      g_autofree char *with_missing = g_strdup_printf (_("%s; tables not found: %s"), message, sizes->missing->str);

      g_free (message);
      message = g_steal_pointer (&with_missing);
    }
  item = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, name, verdict, message);
  upg_check_result_set_figure_int (item, "data_bytes", (gint64) sizes->data);
  upg_check_result_set_figure_int (item, "index_bytes", (gint64) sizes->index);
  upg_check_result_set_figure_int (item, "backup_bytes", (gint64) backup);
  upg_check_result_set_figure_int (item, "free_disk_bytes", (gint64) host->free_disk);
  upg_check_result_set_figure_int (item, "required_free_bytes", (gint64) (2 * backup));
  if (verdict != UPG_VERDICT_PASS)
    upg_check_result_set_suggestion (item, sizes->missing->len > 0
                                     ? _("check the table names listed in backup_tables")
                                     : _("free disk space (at least twice the backup size) before the upgrade"));
  return item;
}

static UpgCheckResult *
backup_entry (UpgCheckSources  *sources,
              const UpgJsonCtx *ctx,
              JsonObject       *entry,
              const char       *path,
              gpointer          data)
{
  const char *database = NULL;
  g_auto(GStrv) tables = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *skip = NULL, *id = NULL, *name = NULL;
  g_autoptr(GString) missing = g_string_new (NULL);
  TableSizes sizes = { 0, 0, missing };
  UpgBackupTotal *total = data;
  UpgConnection *connection;

  if (!upg_json_get_string (ctx, entry, path, "database", TRUE, &database, &error) ||
      !upg_json_get_strv (ctx, entry, path, "tables", TRUE, &tables, &error))
    return invalid_check (UPG_CHECK_KIND_RESOURCE, path, error);
  id = g_strdup_printf ("backup:%s", database);
  name = g_strdup_printf (_("backup space for %s"), database);

  connection = upg_check_sources_get (sources, database, &skip, &error);
  if (skip != NULL)
    return skipped_item (UPG_CHECK_KIND_RESOURCE, id, name, skip);
  if (connection == NULL ||
      !measure_tables (connection, (const char * const *) tables, &sizes, sources->cancellable, &error))
    return upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, name, UPG_VERDICT_FAIL, error->message);
  total->backup_bytes += (guint64) ((sizes.data + sizes.index) * UPG_ASSESSMENT_BACKUP_FACTOR);
  total->n_databases++;
  return backup_item (id, name, database, &sizes, total->host);
}

/*
 * Sizes the `checks.backup_tables` of @manifest and compares the backup
 * space they need, (data_length + index_length) × 1.5, with the free disk:
 * at least 2 × that passes, at least 1 × warns, less fails.
 */
void
upg_assessment_check_backup (UpgCheckSources *sources,
                             UpgManifest     *manifest,
                             UpgBackupTotal  *total,
                             GPtrArray       *items)
{
  foreach_entry (sources, manifest, "backup_tables", UPG_CHECK_KIND_RESOURCE,
                 backup_entry, total, items);
}

/*
 * The backups of several databases share the free disk: their sum is
 * compared as each one is. Returns %NULL for fewer than two databases
 * (the per-database item says it all).
 */
UpgCheckResult *
upg_assessment_backup_total_item (const UpgBackupTotal *total)
{
  g_autofree char *backup_text = g_format_size_full (total->backup_bytes, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *free_text = g_format_size_full (total->host->free_disk, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *message = NULL;
  UpgVerdict verdict = backup_verdict (total->host->free_disk, total->backup_bytes);
  UpgCheckResult *item;

  if (total->n_databases < 2)
    return NULL;
  message = g_strdup_printf (_("the backups of %u databases need about %s together; %s free, 2 × backup required"),
                             total->n_databases, backup_text, free_text);
  item = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, "backup", _("backup space, all databases"),
                               verdict, message);
  upg_check_result_set_figure_int (item, "backup_bytes", (gint64) total->backup_bytes);
  upg_check_result_set_figure_int (item, "free_disk_bytes", (gint64) total->host->free_disk);
  upg_check_result_set_figure_int (item, "required_free_bytes", (gint64) (2 * total->backup_bytes));
  if (verdict != UPG_VERDICT_PASS)
    upg_check_result_set_suggestion (item, _("free disk space (at least twice the backup size) before the upgrade"));
  return item;
}
