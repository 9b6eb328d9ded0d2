/* upg-assessment-redis.c - the memory of the Redis servers a plan writes to
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One resource item per Redis data source that a step of the plan targets
 * (`redis`, `redis_delete_pattern`), from `INFO memory`: used_memory and
 * maxmemory. A cache rebuild writes while the old keys may still be
 * there; a server near its maxmemory then evicts keys, or refuses writes
 * (policy noeviction), in the middle of the upgrade.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-assessment-private.h"

/* Above this share of maxmemory the item warns. */
#define REDIS_MEMORY_WARN_PERCENT 80

static guint64
info_bytes (GHashTable *info,
            const char *name)
{
  const char *text = g_hash_table_lookup (info, name);

  return text != NULL ? g_ascii_strtoull (text, NULL, 10) : 0;
}

static UpgCheckResult *
memory_item (UpgCheckSources *sources,
             const char      *database)
{
  g_autofree char *id = g_strdup_printf ("redis_memory:%s", database);
  g_autofree char *name = g_strdup_printf (_("Redis memory of %s"), database);
  g_autofree char *skip = NULL;
  g_autofree char *message = NULL;
  g_autofree char *used_text = NULL;
  g_autofree char *max_text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) info = NULL;
  UpgConnection *connection = upg_check_sources_get (sources, database, &skip, &error);
  UpgCheckResult *item;
  guint64 used, max;
  gboolean high;

  if (connection == NULL)
    return upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, name, UPG_VERDICT_FAIL,
                                 skip != NULL ? skip : error->message);
  if (!UPG_IS_REDIS_CLIENT (connection))
    return NULL;  /* validate reports a redis step on a SQL source */
  info = upg_redis_client_info (UPG_REDIS_CLIENT (connection), "memory", &error);
  if (info == NULL)
    return upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, name, UPG_VERDICT_FAIL, error->message);

  used = info_bytes (info, "used_memory");
  max = info_bytes (info, "maxmemory");
  used_text = g_format_size_full (used, G_FORMAT_SIZE_IEC_UNITS);
  max_text = g_format_size_full (max, G_FORMAT_SIZE_IEC_UNITS);
  high = max > 0 && used * 100 > max * REDIS_MEMORY_WARN_PERCENT;
  if (max == 0)
    message = g_strdup_printf (_("%s uses %s; no maxmemory limit"), database, used_text);
  else
    message = g_strdup_printf (_("%s uses %s of its maxmemory %s"), database, used_text, max_text);
  item = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, name, high ? UPG_VERDICT_WARN : UPG_VERDICT_PASS,
                               message);
  upg_check_result_set_figure_int (item, "used_memory", (gint64) used);
  upg_check_result_set_figure_int (item, "maxmemory", (gint64) max);
  if (high)
    upg_check_result_set_suggestion (item, _("free memory on the Redis server or raise its maxmemory before the "
                                             "upgrade: near the limit it evicts keys or refuses writes"));
  return item;
}

/*
 * upg_assessment_check_redis_memory:
 *
 * Adds the memory item of each Redis data source the steps of @plan
 * (every stage) write to.
 */
void
upg_assessment_check_redis_memory (UpgCheckSources *sources,
                                   UpgPlan         *plan,
                                   GPtrArray       *items)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint stage = 0; stage < UPG_N_STAGES; stage++)
    {
      GPtrArray *steps = upg_plan_get_steps (plan, stage);

      for (guint i = 0; steps != NULL && i < steps->len; i++)
        {
          UpgStep *step = g_ptr_array_index (steps, i);
          UpgStepKind kind = upg_step_get_kind (step);
          const char *database = upg_step_get_database (step);
          UpgCheckResult *item;

          if ((kind != UPG_STEP_KIND_REDIS && kind != UPG_STEP_KIND_REDIS_DELETE_PATTERN) || database == NULL
              || !g_hash_table_add (seen, (gpointer) database))
            continue;
          if ((item = memory_item (sources, database)) != NULL)
            g_ptr_array_add (items, item);
        }
    }
}
