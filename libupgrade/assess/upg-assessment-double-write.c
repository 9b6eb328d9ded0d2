/* upg-assessment-double-write.c - double-write space measured on the
 * database server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A step with `"double_write": true` and `double_write_tables` writes
 * those tables of its `database` a second time, on that database's
 * server, which need not be the host the tool runs on (the design
 * document's ClickHouse log tables). Their size is measured there (for
 * ClickHouse, `system.parts` over HTTP), and the space needed,
 * data × 2 + 15 %, is compared with the server's own free disk when the
 * server tells it (ClickHouse 19.15 and later: `system.disks`); a server
 * that cannot tell (18.16) gives a warning naming the space to check.
 * Steps with only a `data_volume` stay in the host's double-write item.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-assessment-private.h"
#include "upg-plan.h"
#include "upg-step-private.h"
#include "upg-table-sizes-private.h"

/* The server's free disk in bytes, or 0 when it cannot tell. */
static guint64
server_free_disk (UpgConnection *connection)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = NULL;

  if (upg_connection_get_dialect (connection) != UPG_DIALECT_CLICKHOUSE)
    return 0;
  /* system.disks: ClickHouse 19.15 and later (24.8 has it, 18.16 not). */
  rows = upg_connection_query (connection, "SELECT sum(free_space) FROM system.disks", NULL, NULL, &error);
  if (rows == NULL)
    {
      g_debug ("assessment: free disk of '%s' unknown: %s", upg_connection_get_name (connection), error->message);
      return 0;
    }
  return upg_rows_get_n_rows (rows) > 0 ? (guint64) MAX (upg_rows_get_int (rows, 0, 0, 0), 0) : 0;
}

static UpgCheckResult *
measured_item (UpgStep       *step,
               const char    *id,
               const char    *name,
               UpgConnection *connection,
               guint64        data,
               const char    *missing)
{
  guint64 need = (guint64) (data * 2 * (1.0 + UPG_ASSESSMENT_DOUBLE_WRITE_BUFFER));
  guint64 free_disk = server_free_disk (connection);
  g_autofree char *data_text = g_format_size_full (data, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *need_text = g_format_size_full (need, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *free_text = g_format_size_full (free_disk, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *message = NULL;
  UpgVerdict verdict;
  UpgCheckResult *item;

  if (free_disk == 0)
    {
      verdict = UPG_VERDICT_WARN;
      message = g_strdup_printf (_("%s measures %s on %s: %s needed (data × 2 + 15 %%); the server does not "
                                   "report its free disk"), upg_step_get_id (step), data_text,
                                 upg_connection_get_name (connection), need_text);
    }
  else
    {
      verdict = free_disk >= need ? UPG_VERDICT_PASS : UPG_VERDICT_FAIL;
      message = g_strdup_printf (_("%s measures %s on %s: %s needed (data × 2 + 15 %%), %s free there"),
                                 upg_step_get_id (step), data_text, upg_connection_get_name (connection),
                                 need_text, free_text);
    }
  if (*missing != '\0')
    {
      g_autofree char *with_missing = g_strdup_printf (_("%s; tables not found: %s"), message, missing);

      g_free (message);
      message = g_steal_pointer (&with_missing);
      verdict = MAX (verdict, UPG_VERDICT_WARN);
    }
  item = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, name, verdict, message);
  upg_check_result_set_figure_int (item, "data_volume", (gint64) data);
  upg_check_result_set_figure_int (item, "required", (gint64) need);
  upg_check_result_set_figure_int (item, "available", (gint64) free_disk);
  if (verdict != UPG_VERDICT_PASS)
    upg_check_result_set_suggestion (item, *missing != '\0'
                                     ? _("check the table names listed in double_write_tables")
                                     : _("make sure the database server has the space free (data × 2 + 15 %) "
                                         "before the migration"));
  return item;
}

static UpgCheckResult *
step_item (UpgCheckSources *sources,
           UpgStep         *step)
{
  const char *database = upg_step_get_database (step);
  const char * const *tables = upg_step_get_double_write_tables (step);
  g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
  g_autofree char *id = g_strdup_printf ("double_write:%s", upg_step_get_id (step));
  g_autofree char *name = g_strdup_printf (_("double-write space on %s for %s (%s)"), database,
                                           upg_step_get_id (step), version);
  g_autofree char *table_list = g_strjoinv (", ", (char **) tables);
  g_autoptr(GString) missing = g_string_new (NULL);
  UpgTableSizes sizes = { 0, 0, missing };
  g_autoptr(GError) error = NULL;
  g_autofree char *skip = NULL;
  UpgConnection *connection;
  UpgCheckResult *item;

  connection = upg_check_sources_get (sources, database, &skip, &error);
  if (skip != NULL)
    item = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, name, UPG_VERDICT_SKIPPED, skip);
  else if (connection == NULL || !upg_table_sizes_measure (connection, tables, &sizes, NULL, &error))
    item = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, name, UPG_VERDICT_FAIL, error->message);
  else
    item = measured_item (step, id, name, connection, sizes.data + sizes.index, missing->str);
  upg_check_result_set_figure_string (item, "database", database);
  upg_check_result_set_figure_string (item, "tables", table_list);
  upg_check_result_set_figure_string (item, "steps", upg_step_get_id (step));
  return item;
}

/*
 * upg_assessment_check_measured_double_write:
 * @sources: the data sources
 * @plan: the plan
 * @items: the assessment's items, which get one per measured step
 */
void
upg_assessment_check_measured_double_write (UpgCheckSources *sources,
                                            UpgPlan         *plan,
                                            GPtrArray       *items)
{
  for (UpgStage stage = 0; stage < UPG_N_STAGES; stage++)
    {
      GPtrArray *steps = upg_plan_get_steps (plan, stage);

      for (guint i = 0; steps != NULL && i < steps->len; i++)
        {
          UpgStep *step = steps->pdata[i];

          if (upg_step_get_double_write (step) && upg_step_get_double_write_tables (step) != NULL)
            g_ptr_array_add (items, step_item (sources, step));
        }
    }
}
