/* upg-service-metrics.c - GET /metrics in the Prometheus text format
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Counters live in the process (they start at 0 with it, as Prometheus
 * expects of counters); the executions by status are read from the
 * journal at each scrape, so they count every process's executions.
 *
 *   upgraded_http_requests_total{method,route,code}    counter
 *   upgraded_http_connections_total                     counter
 *   upgraded_executions{status}                         gauge (journal)
 *   upgraded_executions_running                         gauge (this process)
 *   upgraded_executions_finished_total{status}          counter (this process)
 *   upgraded_statements_executed_total{status}          counter
 *   upgraded_step_duration_seconds{le}                  histogram
 *   upgraded_migration_*{id,step,table,state}           gauges (journal):
 *     rows_done, rows_per_second, paused_seconds, batch_size, progress_ratio
 */
#include "config.h"

#include <string.h>

#include "upg-journal-migrations-private.h"
#include "upg-service-private.h"

static const double step_buckets[] = { 0.1, 0.5, 1, 5, 30, 60, 300, 1800, 7200 };

struct _UpgServiceMetrics
{
  GHashTable *requests;    /* "method\troute\tcode" → count */
  GHashTable *finished;    /* status → count */
  GHashTable *statements;  /* status → count */
  guint64     step_buckets[G_N_ELEMENTS (step_buckets)];
  guint64     connections;
  guint64     step_count;
  double      step_sum;
};

UpgServiceMetrics *
upg_service_metrics_new (void)
{
  UpgServiceMetrics *metrics = g_new0 (UpgServiceMetrics, 1);

  metrics->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  metrics->finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  metrics->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return metrics;
}

void
upg_service_metrics_free (UpgServiceMetrics *metrics)
{
  g_hash_table_unref (metrics->requests);
  g_hash_table_unref (metrics->finished);
  g_hash_table_unref (metrics->statements);
  g_free (metrics);
}

static void
count (GHashTable *table,
       const char *key)
{
  guint64 *value = g_hash_table_lookup (table, key);

  if (value == NULL)
    {
      value = g_new0 (guint64, 1);
      g_hash_table_insert (table, g_strdup (key), value);
    }
  (*value)++;
}

void
upg_service_metrics_count_request (UpgServiceMetrics *metrics,
                                   const char        *method,
                                   const char        *route,
                                   guint              status)
{
  g_autofree char *key = g_strdup_printf ("%s\t%s\t%u", method != NULL ? method : "-", route, status);

  count (metrics->requests, key);
}

void
upg_service_metrics_count_connection (UpgServiceMetrics *metrics)
{
  metrics->connections++;
}

void
upg_service_metrics_count_statement (UpgServiceMetrics *metrics,
                                     const char        *status)
{
  count (metrics->statements, status);
}

void
upg_service_metrics_count_execution (UpgServiceMetrics *metrics,
                                     const char        *status)
{
  count (metrics->finished, status);
}

void
upg_service_metrics_observe_step (UpgServiceMetrics *metrics,
                                  const char        *status,
                                  gint64             duration_ms)
{
  double seconds = duration_ms / 1000.0;

  /* A skipped step did not run: its duration says nothing. */
  if (g_strcmp0 (status, "SKIPPED") == 0)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (step_buckets); i++)
    if (seconds <= step_buckets[i])
      metrics->step_buckets[i]++;
  metrics->step_count++;
  metrics->step_sum += seconds;
}

/* Label values escape \, " and newlines (exposition format). */
static void
append_label_value (GString    *out,
                    const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\\' || *p == '"')
        g_string_append_c (out, '\\');
      if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
}

static void
append_header (GString    *out,
               const char *name,
               const char *type,
               const char *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
append_by_status (GString    *out,
                  const char *name,
                  GHashTable *table)
{
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (table), (GCompareFunc) strcmp);

  for (GList *l = keys; l != NULL; l = l->next)
    {
      guint64 *value = g_hash_table_lookup (table, l->data);

      g_string_append_printf (out, "%s{status=\"", name);
      append_label_value (out, l->data);
      g_string_append_printf (out, "\"} %" G_GUINT64_FORMAT "\n", *value);
    }
}

static void
append_requests (GString           *out,
                 UpgServiceMetrics *metrics)
{
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (metrics->requests), (GCompareFunc) strcmp);

  append_header (out, "upgraded_http_requests_total", "counter", "HTTP requests answered, by route and code.");
  for (GList *l = keys; l != NULL; l = l->next)
    {
      g_auto(GStrv) parts = g_strsplit (l->data, "\t", 3);
      guint64 *value = g_hash_table_lookup (metrics->requests, l->data);

      g_string_append (out, "upgraded_http_requests_total{method=\"");
      append_label_value (out, parts[0]);
      g_string_append (out, "\",route=\"");
      append_label_value (out, parts[1]);
      g_string_append_printf (out, "\",code=\"%s\"} %" G_GUINT64_FORMAT "\n", parts[2], *value);
    }
}

static void
append_journal (GString   *out,
                JsonArray *executions)
{
  g_autoptr(GHashTable) by_status = NULL;

  by_status = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* Every status appears, also at 0, so that a query sees the series. */
  for (UpgExecutionStatus s = UPG_EXECUTION_STATUS_RUNNING; s <= UPG_EXECUTION_STATUS_INTERRUPTED; s++)
    g_hash_table_insert (by_status, g_strdup (upg_execution_status_to_string (s)), g_new0 (guint64, 1));
  for (guint i = 0; i < json_array_get_length (executions); i++)
    {
      JsonObject *execution = json_array_get_object_element (executions, i);
      const char *status = json_object_get_string_member_with_default (execution, "status", "UNKNOWN");

      count (by_status, status);
    }
  append_header (out, "upgraded_executions", "gauge", "Executions in the journal, by status.");
  append_by_status (out, "upgraded_executions", by_status);
}

static void
append_steps (GString           *out,
              UpgServiceMetrics *metrics)
{
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  append_header (out, "upgraded_step_duration_seconds", "histogram",
                 "Duration of the steps run by this process.");
  for (guint i = 0; i < G_N_ELEMENTS (step_buckets); i++)
    g_string_append_printf (out, "upgraded_step_duration_seconds_bucket{le=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            g_ascii_formatd (number, sizeof number, "%g", step_buckets[i]),
                            metrics->step_buckets[i]);
  g_string_append_printf (out, "upgraded_step_duration_seconds_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT "\n",
                          metrics->step_count);
  g_string_append_printf (out, "upgraded_step_duration_seconds_sum %s\n",
                          g_ascii_formatd (number, sizeof number, "%.3f", metrics->step_sum));
  g_string_append_printf (out, "upgraded_step_duration_seconds_count %" G_GUINT64_FORMAT "\n",
                          metrics->step_count);
}

/* The batched migrations of every site (upgradectl migrations), one
 * series per migration and figure. */
static void
append_migrations (GString   *out,
                   JsonArray *migrations)
{
  static const struct {
    const char *name;
    const char *member;
    double      scale;
    const char *help;
  } gauges[] = {
    { "upgraded_migration_rows_done", "rows_done", 1, "Rows a batched migration changed so far." },
    { "upgraded_migration_rows_per_second", "rows_per_second", 1, "A batched migration's recent rate." },
    { "upgraded_migration_paused_seconds", "paused_ms", 0.001,
      "Seconds a batched migration waited for its throttle or its operator." },
    { "upgraded_migration_batch_size", "batch_size", 1, "A batched migration's current batch size, in keys." },
    { "upgraded_migration_progress_ratio", "progress_percent", 0.01, "Part of its key range done." },
  };
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  for (guint g = 0; g < G_N_ELEMENTS (gauges); g++)
    {
      append_header (out, gauges[g].name, "gauge", gauges[g].help);
      for (guint i = 0; i < json_array_get_length (migrations); i++)
        {
          JsonObject *m = json_array_get_object_element (migrations, i);
          JsonNode *value = json_object_get_member (m, gauges[g].member);
          static const char *labels[][2] = { { "id", "id" }, { "step", "step_id" }, { "table", "table" },
                                             { "state", "state" } };

          g_string_append_printf (out, "%s{", gauges[g].name);
          for (guint l = 0; l < G_N_ELEMENTS (labels); l++)
            {
              g_string_append_printf (out, "%s%s=\"", l > 0 ? "," : "", labels[l][0]);
              append_label_value (out, json_object_get_string_member_with_default (m, labels[l][1], ""));
              g_string_append_c (out, '"');
            }
          double figure = 0;

          if (value != NULL && JSON_NODE_HOLDS_VALUE (value))
            figure = json_node_get_value_type (value) == G_TYPE_INT64 ? (double) json_node_get_int (value)
                                                                      : json_node_get_double (value);
          g_string_append_printf (out, "} %s\n",
                                  g_ascii_formatd (number, sizeof number, "%.6g", figure * gauges[g].scale));
        }
    }
}

typedef struct {
  JsonArray *executions;
  JsonArray *migrations;
} JournalFigures;

static void
journal_figures_free (JournalFigures *figures)
{
  g_clear_pointer (&figures->executions, json_array_unref);
  g_clear_pointer (&figures->migrations, json_array_unref);
  g_free (figures);
}

static void
executions_read (GTask        *task,
                 gpointer      source,
                 gpointer      data,
                 GCancellable *cancellable)
{
  GError *error = NULL;
  UpgJournal *journal = ((UpgService *) source)->journal;
  JournalFigures *figures = g_new0 (JournalFigures, 1);

  figures->executions = upg_journal_list_executions (journal, NULL, 0, &error);
  if (figures->executions != NULL)
    figures->migrations = upg_journal_list_migrations (journal, NULL, &error);
  if (figures->migrations == NULL)
    {
      journal_figures_free (figures);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, figures, (GDestroyNotify) journal_figures_free);
}

/* One answer to @msg from @figures (NULL: the journal failed, @error). */
static void
answer (UpgService        *self,
        SoupServerMessage *msg,
        JournalFigures    *figures,
        const GError      *error)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (figures == NULL)
    {
      upg_service_reply_gerror (msg, error);
      soup_server_message_unpause (msg);
      return;
    }
  append_journal (out, figures->executions);
  append_migrations (out, figures->migrations);
  /* The version as a label of a constant 1, the Prometheus convention for
   * joining it onto the other series. */
  append_header (out, "upgrade_build_info", "gauge", "The version of upgraded that answers.");
  g_string_append (out, "upgrade_build_info{version=\"" PACKAGE_VERSION "\"} 1\n");
  append_header (out, "upgraded_executions_running", "gauge", "Executions running in this process.");
  g_string_append_printf (out, "upgraded_executions_running %u\n", g_hash_table_size (self->runs_by_site));
  append_header (out, "upgraded_executions_finished_total", "counter",
                 "Executions this process ran to their end, by final status.");
  append_by_status (out, "upgraded_executions_finished_total", self->metrics->finished);
  append_header (out, "upgraded_statements_executed_total", "counter",
                 "SQL statements finished by this process, by status.");
  append_by_status (out, "upgraded_statements_executed_total", self->metrics->statements);
  append_steps (out, self->metrics);
  append_requests (out, self->metrics);
  /* With the requests: how many came over a connection of their own. */
  append_header (out, "upgraded_http_connections_total", "counter", "HTTP connections accepted.");
  g_string_append_printf (out, "upgraded_http_connections_total %" G_GUINT64_FORMAT "\n",
                          self->metrics->connections);
  upg_service_reply_text (msg, SOUP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8", out->str);
  soup_server_message_unpause (msg);
}

static void read_journal (UpgService *self);

static void
executions_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  UpgService *self = ((UpgService *) source);
  /* Released here, in the main context, like every libsoup object. */
  g_autoptr(GPtrArray) scrapes = user_data;
  g_autoptr(GError) error = NULL;
  JournalFigures *figures = g_task_propagate_pointer (G_TASK (result), &error);

  for (guint i = 0; i < scrapes->len; i++)
    answer (self, g_ptr_array_index (scrapes, i), figures, error);
  if (figures != NULL)
    journal_figures_free (figures);
  self->metrics_reading = FALSE;
  if (self->metrics_waiting->len > 0)
    read_journal (self);
}

/* One read of the journal at a time answers every scrape that came before
 * it started: a Prometheus server, or many, scraping often costs the
 * running execution, which holds the journal's lock for each statement,
 * one read per read's duration at most. A scrape that comes during a read
 * waits for the next one: every answer is as recent as its request. */
static void
read_journal (UpgService *self)
{
  GPtrArray *scrapes = g_steal_pointer (&self->metrics_waiting);
  g_autoptr(GTask) task = g_task_new (self, NULL, executions_done, scrapes);

  self->metrics_waiting = g_ptr_array_new_with_free_func (g_object_unref);
  self->metrics_reading = TRUE;
  g_task_run_in_thread (task, executions_read);
}

/* GET /metrics: the journal's executions are counted in a worker thread
 * (a running execution holds the journal's lock for each statement it
 * records); the counters of this process are read in the main context. */
void
upg_service_handle_metrics (UpgService        *self,
                            SoupServerMessage *msg,
                            const char        *id)
{
  soup_server_message_pause (msg);
  g_ptr_array_add (self->metrics_waiting, g_object_ref (msg));
  if (!self->metrics_reading)
    read_journal (self);
}
