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
#include "upg-check-entries-private.h"
#include "upg-json-private.h"
#include "upg-quality-rule-private.h"
#include "upg-table-sizes-private.h"

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
  figures->disk_path = disk_path;
  if (disk_path != NULL && statvfs (disk_path, &fs) == 0)
    figures->free_disk = (guint64) fs.f_bavail * fs.f_frsize;
  figures->available_memory = read_available_memory ();
  figures->cpus = g_get_num_processors ();
}

/* Data quality ----------------------------------------------------------- */

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

static UpgCheckResult *
check_rule (UpgCheckSources  *sources,
            const UpgJsonCtx *ctx,
            JsonObject       *object,
            const char       *path,
            const UpgVersion *from,
            const UpgVersion *to)
{
  g_auto(UpgQualityRule) rule = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *skip = NULL;
  UpgConnection *connection;
  UpgCheckResult *item;

  if (!upg_quality_rule_read (ctx, object, path, &rule, &error))
    return upg_check_entry_invalid (UPG_CHECK_KIND_DATA_QUALITY, rule.id != NULL && *rule.id != '\0' ? rule.id : path, error);

  if (!version_in (from, rule.min_version, rule.max_version) && !version_in (to, rule.min_version, rule.max_version))
    {
      g_autofree char *from_text = upg_version_to_string (from), *to_text = upg_version_to_string (to);
      g_autofree char *min_text = rule.min_version != NULL ? upg_version_to_string (rule.min_version) : g_strdup ("…");
      g_autofree char *max_text = rule.max_version != NULL ? upg_version_to_string (rule.max_version) : g_strdup ("…");
      g_autofree char *reason = g_strdup_printf (_("not run: neither %s nor %s lies in [%s, %s]"),
                                                 from_text, to_text, min_text, max_text);

      return skipped_item (UPG_CHECK_KIND_DATA_QUALITY, rule.id, rule.name, reason);
    }

  connection = upg_check_sources_get (sources, rule.database, &skip, &error);
  if (skip != NULL)
    return skipped_item (UPG_CHECK_KIND_DATA_QUALITY, rule.id, rule.name, skip);
  if (connection == NULL)
    item = upg_check_result_new (UPG_CHECK_KIND_DATA_QUALITY, rule.id, rule.name, UPG_VERDICT_FAIL, error->message);
  else
    item = count_rule (connection, rule.id, rule.name, rule.sql, (gint64) rule.threshold, rule.severity,
                       sources->cancellable);
  upg_check_result_set_figure_string (item, "database", rule.database);
  upg_check_result_set_figure_int (item, "threshold", (gint64) rule.threshold);
  if (upg_check_result_get_verdict (item) != UPG_VERDICT_PASS && rule.suggestion != NULL)
    upg_check_result_set_suggestion (item, rule.suggestion);
  return item;
}

/*
 * Runs the `checks.data_quality` rules of @manifests, one item per rule id
 * (a rule repeated by several manifests runs once: the newest manifest's
 * definition): a rule runs only when @from or @to lies in its
 * [min_version, max_version] (otherwise it is a skipped item); its count ≤
 * threshold passes, above it the rule's severity is the verdict; an SQL
 * error fails the item with the database's message; a database that does
 * not exist skips it.
 */
void
upg_assessment_check_data_quality (UpgCheckSources  *sources,
                                   GPtrArray        *manifests,
                                   const UpgVersion *from,
                                   const UpgVersion *to,
                                   GPtrArray        *items)
{
  g_autoptr(GPtrArray) groups = upg_check_entries_group (manifests, "data_quality", UPG_CHECK_KIND_DATA_QUALITY,
                                                         "id", items);

  for (guint i = 0; i < groups->len; i++)
    {
      GPtrArray *group = groups->pdata[i];
      UpgCheckEntry *first = group->pdata[0];
      /* Only a group of several entries is keyed by a string id. */
      g_autofree char *what = group->len > 1
                                ? g_strdup_printf ("data-quality rule '%s'",
                                                   json_object_get_string_member (first->entry, "id"))
                                : NULL;
      UpgCheckEntry *entry = upg_check_entries_newest (group, what);
      UpgJsonCtx ctx = { upg_manifest_get_path (entry->manifest), UPG_ERROR_INVALID_MANIFEST };

      g_ptr_array_add (items, check_rule (sources, &ctx, entry->entry, entry->path, from, to));
    }
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

/* The strictest bound on a server version the manifests ask for, and the
 * manifests that ask for exactly it. */
typedef struct
{
  const char *value;
  GString    *versions;
} Bound;

/* @direction: 1 for a minimum (higher is stricter), -1 for a maximum. */
static void
tighten (Bound               *bound,
         const char          *value,
         const UpgCheckEntry *entry,
         int                  direction)
{
  g_autofree char *version = NULL;
  int order;

  if (value == NULL)
    return;
  order = bound->value == NULL ? 1 : compare_dotted (value, bound->value) * direction;
  if (order < 0)
    return;
  if (order > 0)
    {
      bound->value = value;
      g_string_truncate (bound->versions, 0);
    }
  version = upg_check_entry_version (entry);
  g_string_append_printf (bound->versions, "%s%s", bound->versions->len > 0 ? ", " : "", version);
}

/* "3.30 (asked by 3.17.0, 3.18.0)"; %NULL for no bound. */
static char *
describe_bound (const Bound *bound)
{
  if (bound->value == NULL)
    return NULL;
  return g_strdup_printf (_("%s (asked by %s)"), bound->value, bound->versions->str);
}

/* "mid_db runs 10.6; required: 10.5 (asked by 4.2.0) to 11 (…)", or
 * "at least …" / "at most …" when one bound is missing (not "to …"). */
static char *
describe_requirement (const char  *database,
                      const char  *version,
                      const Bound *min,
                      const Bound *max)
{
  g_autofree char *min_text = describe_bound (min), *max_text = describe_bound (max);

  if (min_text != NULL && max_text != NULL)
    return g_strdup_printf (_("%s runs %s; required: %s to %s"), database, version, min_text, max_text);
  if (min_text != NULL)
    return g_strdup_printf (_("%s runs %s; required: at least %s"), database, version, min_text);
  if (max_text != NULL)
    return g_strdup_printf (_("%s runs %s; required: at most %s"), database, version, max_text);
  return g_strdup_printf (_("%s runs %s; no version required"), database, version);
}

static void
set_bound_figures (UpgCheckResult *item,
                   const char     *name,
                   const Bound    *bound)
{
  g_autofree char *manifests = g_strconcat (name, "_manifests", NULL);

  if (bound->value == NULL)
    return;
  upg_check_result_set_figure_string (item, name, bound->value);
  upg_check_result_set_figure_string (item, manifests, bound->versions->str);
}

static UpgCheckResult *
middleware_item (UpgCheckSources *sources,
                 const char      *database,
                 const char      *name,
                 const Bound     *min,
                 const Bound     *max)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *skip = NULL, *version = NULL, *message = NULL;
  g_autofree char *id = g_strdup_printf ("middleware:%s", database);
  UpgConnection *connection;
  UpgCheckResult *item;
  gboolean ok;

  connection = upg_check_sources_get (sources, database, &skip, &error);
  if (skip != NULL)
    return skipped_item (UPG_CHECK_KIND_MIDDLEWARE, id, name, skip);
  if (connection != NULL)
    version = upg_connection_get_server_version (connection, &error);
  if (version == NULL)
    return upg_check_result_new (UPG_CHECK_KIND_MIDDLEWARE, id, name, UPG_VERDICT_FAIL, error->message);

  ok = (min->value == NULL || compare_dotted (version, min->value) >= 0) &&
       (max->value == NULL || compare_dotted (version, max->value) <= 0);
  message = describe_requirement (database, version, min, max);
  item = upg_check_result_new (UPG_CHECK_KIND_MIDDLEWARE, id, name,
                               ok ? UPG_VERDICT_PASS : UPG_VERDICT_FAIL, message);
  upg_check_result_set_figure_string (item, "version", version);
  set_bound_figures (item, "min_version", min);
  set_bound_figures (item, "max_version", max);
  if (!ok)
    upg_check_result_set_suggestion (item, _("upgrade (or downgrade) the database server into the required range first"));
  return item;
}

/* One item for the requirements of all manifests on one database. */
static void
check_middleware_group (UpgCheckSources *sources,
                        GPtrArray       *group,
                        GPtrArray       *items)
{
  const char *database = NULL, *name = NULL;
  g_autoptr(GString) min_versions = g_string_new (NULL);
  g_autoptr(GString) max_versions = g_string_new (NULL);
  Bound min = { NULL, min_versions }, max = { NULL, max_versions };

  for (guint i = 0; i < group->len; i++)
    {
      UpgCheckEntry *entry = group->pdata[i];
      UpgJsonCtx ctx = { upg_manifest_get_path (entry->manifest), UPG_ERROR_INVALID_MANIFEST };
      UpgMiddlewareEntry read;
      g_autoptr(GError) error = NULL;

      if (!upg_middleware_entry_read (&ctx, entry->entry, entry->path, &read, &error))
        {
          g_ptr_array_add (items, upg_check_entry_invalid (UPG_CHECK_KIND_MIDDLEWARE, entry->path, error));
          continue;
        }
      database = read.database;
      if (name == NULL)
        name = read.name;
      tighten (&min, read.min_version, entry, 1);
      tighten (&max, read.max_version, entry, -1);
    }
  if (database != NULL)
    g_ptr_array_add (items, middleware_item (sources, database, name != NULL ? name : database, &min, &max));
}

/*
 * Checks the server versions `checks.middleware` of @manifests require:
 * `{"database", "min_version"?, "max_version"?}`, compared on their leading
 * dotted numbers. One item per database: the highest minimum and the
 * lowest maximum any manifest asks for, naming the manifests that ask.
 */
void
upg_assessment_check_middleware (UpgCheckSources *sources,
                                 GPtrArray       *manifests,
                                 GPtrArray       *items)
{
  g_autoptr(GPtrArray) groups = upg_check_entries_group (manifests, "middleware", UPG_CHECK_KIND_MIDDLEWARE,
                                                         "database", items);

  for (guint i = 0; i < groups->len; i++)
    check_middleware_group (sources, groups->pdata[i], items);
}

/* Backup space ----------------------------------------------------------- */

/* Free disk ≥ 2 × backup passes, ≥ 1 × warns (the backup fits, with no
 * margin), less fails. */
UpgVerdict
upg_assessment_backup_verdict (guint64 free_disk,
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
             UpgTableSizes           *sizes,
             const UpgHostFigures *host)
{
  guint64 backup = (guint64) ((sizes->data + sizes->index) * UPG_ASSESSMENT_BACKUP_FACTOR);
  g_autofree char *backup_text = g_format_size_full (backup, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *free_text = g_format_size_full (host->free_disk, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *message = NULL;
  UpgVerdict verdict = upg_assessment_backup_verdict (host->free_disk, backup);
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
backup_database (UpgCheckSources    *sources,
                 const char         *database,
                 GPtrArray          *tables,
                 const char         *versions,
                 UpgBackupTotal     *total)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *skip = NULL;
  g_autofree char *id = g_strdup_printf ("backup:%s", database);
  g_autofree char *name = g_strdup_printf (_("backup space for %s"), database);
  g_autofree char *table_list = g_strjoinv (", ", (char **) tables->pdata);
  g_autoptr(GString) missing = g_string_new (NULL);
  UpgTableSizes sizes = { 0, 0, missing };
  UpgConnection *connection;
  UpgCheckResult *item;

  connection = upg_check_sources_get (sources, database, &skip, &error);
  if (skip != NULL)
    item = skipped_item (UPG_CHECK_KIND_RESOURCE, id, name, skip);
  else if (connection == NULL ||
           !upg_table_sizes_measure (connection, (const char * const *) tables->pdata, &sizes, sources->cancellable, &error))
    item = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, name, UPG_VERDICT_FAIL, error->message);
  else
    {
      total->backup_bytes += (guint64) ((sizes.data + sizes.index) * UPG_ASSESSMENT_BACKUP_FACTOR);
      total->n_databases++;
      for (guint t = 0; tables->pdata[t] != NULL; t++)
        g_hash_table_add (total->sized, g_strdup_printf ("%s\x1f%s", database, (char *) tables->pdata[t]));
      item = backup_item (id, name, database, &sizes, total->host);
    }
  upg_check_result_set_figure_string (item, "tables", table_list);
  upg_check_result_set_figure_string (item, "manifests", versions);
  return item;
}

/* One item for the tables all manifests back up in one database: the
 * union of their lists, each table sized once. */
static void
check_backup_group (UpgCheckSources *sources,
                    GPtrArray       *group,
                    UpgBackupTotal  *total,
                    GPtrArray       *items)
{
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) versions = g_string_new (NULL);
  const char *database = NULL;

  for (guint i = 0; i < group->len; i++)
    {
      UpgCheckEntry *entry = group->pdata[i];
      UpgJsonCtx ctx = { upg_manifest_get_path (entry->manifest), UPG_ERROR_INVALID_MANIFEST };
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) entry_tables = NULL;
      g_autofree char *version = NULL;
      const char *entry_database = NULL;

      if (!upg_backup_tables_entry_read (&ctx, entry->entry, entry->path, &entry_database, &entry_tables, &error))
        {
          g_ptr_array_add (items, upg_check_entry_invalid (UPG_CHECK_KIND_RESOURCE, entry->path, error));
          continue;
        }
      database = entry_database;
      for (guint t = 0; entry_tables[t] != NULL; t++)
        if (!g_ptr_array_find_with_equal_func (tables, entry_tables[t], g_str_equal, NULL))
          g_ptr_array_add (tables, g_strdup (entry_tables[t]));
      /* A manifest listing the database twice is named once. */
      version = upg_check_entry_version (entry);
      if (!g_str_has_suffix (versions->str, version))
        g_string_append_printf (versions, "%s%s", versions->len > 0 ? ", " : "", version);
    }
  if (database == NULL)
    return;
  g_ptr_array_add (tables, NULL);
  g_ptr_array_add (items, backup_database (sources, database, tables, versions->str, total));
}

/*
 * Sizes the `checks.backup_tables` of @manifests, once per database (the
 * union of the tables all manifests list for it), and compares the backup
 * space they need, (data_length + index_length) × 1.5, with the free disk:
 * at least 2 × that passes, at least 1 × warns, less fails.
 */
void
upg_assessment_check_backup (UpgCheckSources *sources,
                             GPtrArray       *manifests,
                             UpgBackupTotal  *total,
                             GPtrArray       *items)
{
  g_autoptr(GPtrArray) groups = upg_check_entries_group (manifests, "backup_tables", UPG_CHECK_KIND_RESOURCE,
                                                         "database", items);

  for (guint i = 0; i < groups->len; i++)
    check_backup_group (sources, groups->pdata[i], total, items);
}

/*
 * The one item that compares the free disk with twice the backups of all
 * databases together (they share the file system of the disk path). Its id
 * is `disk:<path>`, the id the host-resources plugin gives its own item
 * for that path, which the assessor then drops as a repeat: one verdict
 * per path. Returns %NULL when no database was sized.
 */
UpgCheckResult *
upg_assessment_backup_total_item (const UpgBackupTotal *total)
{
  const UpgHostFigures *host = total->host;
  g_autofree char *backup_text = g_format_size_full (total->backup_bytes, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *free_text = g_format_size_full (host->free_disk, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *id = g_strconcat ("disk:", host->disk_path, NULL);
  g_autofree char *message = NULL;
  UpgVerdict verdict = upg_assessment_backup_verdict (host->free_disk, total->backup_bytes);
  UpgCheckResult *item;

  if (total->n_databases == 0 && total->n_steps == 0)
    return NULL;
  if (total->n_steps == 0)
    /* TRANSLATORS: free space, path, number of databases, backup size */
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%s free on '%s'; the backup of %u database needs about %s: "
                                            "2 × backup required",
                                            "%s free on '%s'; the backups of %u databases need about %s: "
                                            "2 × backup required", total->n_databases),
                               free_text, host->disk_path, total->n_databases, backup_text);
  else
    /* TRANSLATORS: free space, path, backup size, number of databases in
     * backup_tables, number of backup steps */
    message = g_strdup_printf (_("%s free on '%s'; the backups need about %s (backup_tables of %u databases; "
                                 "backup steps: %u): 2 × backup required"),
                               free_text, host->disk_path, backup_text, total->n_databases, total->n_steps);
  item = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, _("free disk"), verdict, message);
  upg_check_result_set_figure_string (item, "path", host->disk_path);
  upg_check_result_set_figure_int (item, "free_bytes", (gint64) host->free_disk);
  upg_check_result_set_figure_int (item, "backup_bytes", (gint64) total->backup_bytes);
  upg_check_result_set_figure_int (item, "required_bytes", (gint64) (2 * total->backup_bytes));
  if (verdict != UPG_VERDICT_PASS)
    upg_check_result_set_suggestion (item, _("free disk space (at least twice the backup size) before the upgrade"));
  return item;
}
