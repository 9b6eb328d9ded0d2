/* host-resources.c - CPU, memory and disk of the host, before an upgrade
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * HostResourceCheck (UpgResourceCheck) reports one item per resource, with
 * its figures, against the design documents' default thresholds:
 *
 *   cpu      idle share over a short sampling interval ≥ 20 %
 *   memory   MemAvailable of /proc/meminfo ≥ 1 GiB
 *   disk:P   free space of the file system holding P ≥ 2 × backup size
 *            (≥ 1 × warns: the backup fits, with no margin)
 *
 * Settings are read from the step's params, then from the env (params win):
 *   min_cpu_idle_percent, min_free_memory_bytes   override the thresholds
 *   backup_size_bytes                             the backup to make room for
 *   paths (array of strings)                      more paths to check
 * The paths checked are those, plus the bundle directory, `state_dir` and
 * `data_dirs` (array) from env/params, and the directory of every SQLite
 * data source.
 */
#include <errno.h>
#include <sys/statvfs.h>
#include <glib/gi18n-lib.h>
#include <upgrade-spi.h>

#include "host-resources-private.h"

#define DEFAULT_MIN_CPU_IDLE_PERCENT 20.0
#define DEFAULT_MIN_FREE_MEMORY (G_GINT64_CONSTANT (1) << 30)
/* Long enough for a meaningful share: at the usual 100 ticks per second
 * a 250 ms sample counts 25 ticks per CPU (4 % steps on one CPU). */
#define CPU_SAMPLE_MS 250
G_STATIC_ASSERT (CPU_SAMPLE_MS >= 200);

#define HOST_TYPE_RESOURCE_CHECK (host_resource_check_get_type ())
G_DECLARE_FINAL_TYPE (HostResourceCheck, host_resource_check, HOST, RESOURCE_CHECK, GObject)

struct _HostResourceCheck
{
  GObject parent_instance;
};

/* A setting from params, else env; NULL if neither has it. */
static JsonNode *
setting (UpgContext *ctx,
         const char *name)
{
  JsonObject *sources[] = { upg_context_get_params (ctx), upg_context_get_env (ctx) };

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    if (json_object_has_member (sources[i], name))
      return json_object_get_member (sources[i], name);
  return NULL;
}

static double
setting_double (UpgContext *ctx,
                const char *name,
                double      fallback)
{
  JsonNode *node = setting (ctx, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_strtod (json_node_get_string (node), NULL);
  return json_node_get_double (node);
}

static UpgCheckResult *
check_cpu (UpgContext    *ctx,
           GCancellable  *cancellable,
           GError       **error)
{
  double min_idle = setting_double (ctx, "min_cpu_idle_percent", DEFAULT_MIN_CPU_IDLE_PERCENT);
  double idle, elapsed_ms;
  g_autofree char *message = NULL;
  UpgCheckResult *result;

  if (!host_sample_cpu ("/proc/stat", CPU_SAMPLE_MS, cancellable, &idle, &elapsed_ms, error))
    return NULL;
  message = g_strdup_printf (_("CPU idle %.1f %% (required ≥ %.0f %%)"), idle, min_idle);
  result = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, "cpu", _("CPU idle"),
                                 idle >= min_idle ? UPG_VERDICT_PASS : UPG_VERDICT_FAIL, message);
  upg_check_result_set_figure_double (result, "idle_percent", idle);
  upg_check_result_set_figure_double (result, "min_idle_percent", min_idle);
  upg_check_result_set_figure_int (result, "cpus", g_get_num_processors ());
  upg_check_result_set_figure_int (result, "sample_ms", (gint64) (elapsed_ms + 0.5));
  if (idle < min_idle)
    upg_check_result_set_suggestion (result, _("stop batch jobs or wait for a quieter period "
                                               "before upgrading"));
  return result;
}

static UpgCheckResult *
check_memory (UpgContext  *ctx,
              GError     **error)
{
  gint64 min_free = (gint64) setting_double (ctx, "min_free_memory_bytes",
                                             (double) DEFAULT_MIN_FREE_MEMORY);
  gint64 available = 0, total = 0;
  g_autofree char *message = NULL;
  g_autofree char *have = NULL, *need = NULL;
  UpgCheckResult *result;

  if (!host_read_meminfo ("/proc/meminfo", &available, &total, error))
    return NULL;
  have = g_format_size_full (available, G_FORMAT_SIZE_IEC_UNITS);
  need = g_format_size_full (min_free, G_FORMAT_SIZE_IEC_UNITS);
  message = g_strdup_printf (_("%s of memory available (required ≥ %s)"), have, need);
  result = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, "memory", _("free memory"),
                                 available >= min_free ? UPG_VERDICT_PASS : UPG_VERDICT_FAIL,
                                 message);
  upg_check_result_set_figure_int (result, "available_bytes", available);
  upg_check_result_set_figure_int (result, "total_bytes", total);
  upg_check_result_set_figure_int (result, "min_available_bytes", min_free);
  if (available < min_free)
    upg_check_result_set_suggestion (result, _("stop services that are not needed during the "
                                               "upgrade, or add memory"));
  return result;
}

/* As the engine's backup items: free ≥ 2 × backup passes, ≥ 1 × warns (the
 * backup fits, with no margin), less fails; so that two items on the same
 * file system never disagree. */
static UpgVerdict
disk_verdict (gint64 free_bytes,
              gint64 backup_size)
{
  if (free_bytes >= 2 * backup_size)
    return UPG_VERDICT_PASS;
  if (free_bytes >= backup_size)
    return UPG_VERDICT_WARN;
  return UPG_VERDICT_FAIL;
}

static UpgCheckResult *
check_disk (const char *path,
            gint64      backup_size)
{
  struct statvfs st;
  g_autofree char *id = g_strconcat ("disk:", path, NULL);
  g_autofree char *message = NULL, *have = NULL, *need = NULL;
  gint64 free_bytes, required;
  UpgCheckResult *result;

  if (statvfs (path, &st) != 0)
    {
      int saved = errno;
      message = g_strdup_printf (_("cannot read the free space of '%s': %s"), path,
                                 g_strerror (saved));
      result = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, _("free disk"),
                                     UPG_VERDICT_FAIL, message);
      upg_check_result_set_figure_string (result, "path", path);
      return result;
    }
  free_bytes = (gint64) st.f_bavail * (gint64) st.f_frsize;
  required = backup_size > 0 ? 2 * backup_size : 0;
  have = g_format_size_full (free_bytes, G_FORMAT_SIZE_IEC_UNITS);
  need = g_format_size_full (required, G_FORMAT_SIZE_IEC_UNITS);
  if (backup_size > 0)
    message = g_strdup_printf (_("%s free on '%s' (required ≥ %s: twice the backup)"),
                               have, path, need);
  else
    message = g_strdup_printf (_("%s free on '%s' (backup size unknown: no requirement)"),
                               have, path);
  result = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, _("free disk"),
                                 disk_verdict (free_bytes, MAX (backup_size, 0)), message);
  upg_check_result_set_figure_string (result, "path", path);
  upg_check_result_set_figure_int (result, "free_bytes", free_bytes);
  upg_check_result_set_figure_int (result, "total_bytes",
                                   (gint64) st.f_blocks * (gint64) st.f_frsize);
  upg_check_result_set_figure_int (result, "backup_bytes", backup_size);
  upg_check_result_set_figure_int (result, "required_bytes", required);
  if (free_bytes < required)
    upg_check_result_set_suggestion (result, _("free space or move the backup to a larger "
                                               "file system"));
  return result;
}

static GPtrArray *
host_resource_check_check (UpgResourceCheck  *check,
                           UpgContext        *ctx,
                           GCancellable      *cancellable,
                           GError           **error)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) paths = host_collect_paths (ctx);
  gint64 backup_size = (gint64) setting_double (ctx, "backup_size_bytes", 0);
  UpgCheckResult *result;

  result = check_cpu (ctx, cancellable, error);
  if (result == NULL)
    return NULL;
  g_ptr_array_add (results, result);
  result = check_memory (ctx, error);
  if (result == NULL)
    return NULL;
  g_ptr_array_add (results, result);
  for (guint i = 0; i < paths->len; i++)
    g_ptr_array_add (results, check_disk (paths->pdata[i], backup_size));
  return g_steal_pointer (&results);
}

static void
host_resource_check_iface_init (UpgResourceCheckInterface *iface)
{
  iface->check = host_resource_check_check;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (HostResourceCheck, host_resource_check, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (UPG_TYPE_RESOURCE_CHECK,
                                                      host_resource_check_iface_init))

static void
host_resource_check_class_init (HostResourceCheckClass *klass)
{
}

static void
host_resource_check_init (HostResourceCheck *self)
{
}

UPG_PLUGIN_DEFINE ("host-resources", UPG_VERSION_STRING, NULL, HOST_TYPE_RESOURCE_CHECK)
