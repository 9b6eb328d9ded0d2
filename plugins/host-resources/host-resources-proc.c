/* host-resources-proc.c - reading /proc and choosing the paths to check
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "host-resources-private.h"

gboolean
host_read_cpu_sample (const char     *path,
                      HostCpuSample  *sample,
                      GError        **error)
{
  g_autofree char *contents = NULL;
  guint64 v[8] = { 0 };

  if (!g_file_get_contents (path, &contents, NULL, error))
    return FALSE;
  /* cpu user nice system idle iowait irq softirq steal */
  if (sscanf (contents, "cpu %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
              &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 4)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED,
                   "'%s' does not start with a 'cpu' line of counters", path);
      return FALSE;
    }
  sample->idle = v[3] + v[4];
  sample->total = 0;
  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    sample->total += v[i];
  return TRUE;
}

/*
 * The idle share between two samples: (idle + iowait) delta over the total
 * delta. Each delta is clamped at 0: the kernel's iowait count can go
 * backwards (Documentation/filesystems/proc.rst), and so can the sum when
 * a CPU goes offline; unsigned subtraction would then give a huge share.
 */
double
host_cpu_idle_percent (const HostCpuSample *first,
                       const HostCpuSample *second)
{
  guint64 total = second->total > first->total ? second->total - first->total : 0;
  guint64 idle = second->idle > first->idle ? second->idle - first->idle : 0;

  /* No tick elapsed: nothing ran, so the CPU was idle. */
  if (total == 0)
    return 100.0;
  return 100.0 * (double) MIN (idle, total) / (double) total;
}

/*
 * Reads @path twice, @interval_ms apart (at least: a signal interrupting
 * the wait does not shorten it), and returns the idle share in between.
 * *@elapsed_ms is the interval actually measured. Cancelling @cancellable
 * ends the wait with %G_IO_ERROR_CANCELLED.
 */
gboolean
host_sample_cpu (const char    *path,
                 guint          interval_ms,
                 GCancellable  *cancellable,
                 double        *idle_percent,
                 double        *elapsed_ms,
                 GError       **error)
{
  HostCpuSample first, second;
  struct pollfd pfd = { -1, POLLIN, 0 };
  gint64 start, deadline, now;

  if (!host_read_cpu_sample (path, &first, error))
    return FALSE;
  start = g_get_monotonic_time ();
  deadline = start + (gint64) interval_ms * 1000;
  pfd.fd = g_cancellable_get_fd (cancellable);
  /* poll() returns early on a signal (EINTR): wait again for the rest. */
  while ((now = g_get_monotonic_time ()) < deadline && !g_cancellable_is_cancelled (cancellable))
    poll (&pfd, pfd.fd >= 0 ? 1 : 0, (int) ((deadline - now + 999) / 1000));
  g_cancellable_release_fd (cancellable);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!host_read_cpu_sample (path, &second, error))
    return FALSE;
  *elapsed_ms = (double) (g_get_monotonic_time () - start) / 1000.0;
  *idle_percent = host_cpu_idle_percent (&first, &second);
  return TRUE;
}

static gint64
meminfo_value (const char *contents,
               const char *key)
{
  g_autofree char *needle = g_strconcat ("\n", key, ":", NULL);
  const char *line = strstr (contents, needle);

  if (line == NULL && g_str_has_prefix (contents, needle + 1))
    line = contents - 1;
  if (line == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen (needle), NULL, 10) * 1024;
}

gboolean
host_read_meminfo (const char  *path,
                   gint64      *available,
                   gint64      *total,
                   GError     **error)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return FALSE;
  *available = meminfo_value (contents, "MemAvailable");
  *total = meminfo_value (contents, "MemTotal");
  if (*available < 0 || *total < 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED,
                   "'%s' has no MemAvailable or MemTotal line", path);
      return FALSE;
    }
  return TRUE;
}

/* Paths are made canonical (absolute, without "." and ".."): one item per
 * directory however it is spelt, and the same `disk:<path>` id as the
 * engine's own item for the directory it measures. */
static void
add_path (GPtrArray  *paths,
          const char *path)
{
  g_autofree char *canonical = NULL;

  if (path == NULL || *path == '\0')
    return;
  canonical = g_canonicalize_filename (path, NULL);
  for (guint i = 0; i < paths->len; i++)
    if (g_str_equal (paths->pdata[i], canonical))
      return;
  g_ptr_array_add (paths, g_steal_pointer (&canonical));
}

static void
add_setting_paths (GPtrArray  *paths,
                   JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    return;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    add_path (paths, json_node_get_string (node));
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) &&
              json_node_get_value_type (element) == G_TYPE_STRING)
            add_path (paths, json_node_get_string (element));
        }
    }
}

static void
add_sqlite_dirs (GPtrArray  *paths,
                 UpgContext *ctx)
{
  JsonObject *sources = upg_context_get_data_sources (ctx);
  const char *base = upg_context_get_data_sources_base_dir (ctx);
  g_autoptr(GList) names = json_object_get_members (sources);

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (sources, l->data);
      JsonObject *source;
      const char *provider, *file;
      g_autofree char *absolute = NULL, *dir = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      source = json_node_get_object (node);
      provider = json_object_get_string_member_with_default (source, "provider", "");
      file = json_object_get_string_member_with_default (source, "path", NULL);
      if (g_ascii_strcasecmp (provider, "SQLite") != 0 || file == NULL)
        continue;
      absolute = g_path_is_absolute (file) || base == NULL
                   ? g_strdup (file) : g_build_filename (base, file, NULL);
      dir = g_path_get_dirname (absolute);
      add_path (paths, dir);
    }
}

/* The paths whose file systems the upgrade writes to. */
GPtrArray *
host_collect_paths (UpgContext *ctx)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  JsonObject *sources[] = { upg_context_get_params (ctx), upg_context_get_env (ctx) };

  add_path (paths, upg_context_get_bundle_dir (ctx));
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      add_setting_paths (paths, sources[i], "state_dir");
      add_setting_paths (paths, sources[i], "data_dirs");
      add_setting_paths (paths, sources[i], "paths");
    }
  add_sqlite_dirs (paths, ctx);
  return paths;
}
