/* sql-checks-rules.c - data-quality rules and middleware versions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "sql-checks-private.h"

/* Parses an optional version member; FALSE (and a failing item) when it
 * is present but not a version. */
static gboolean
optional_version (JsonObject      *entry,
                  const char      *member,
                  const SqlOrigin *origin,
                  const char      *id,
                  UpgVersion     **version,
                  GPtrArray       *results)
{
  const char *text = sql_entry_string (entry, member);
  g_autoptr(GError) error = NULL;

  *version = NULL;
  if (text == NULL)
    return TRUE;
  *version = upg_version_parse (text, &error);
  if (*version == NULL)
    {
      g_autofree char *problem = g_strdup_printf ("member '%s': %s", member, error->message);
      g_ptr_array_add (results, sql_invalid_entry (UPG_CHECK_KIND_DATA_QUALITY, id, origin,
                                                   problem));
      return FALSE;
    }
  return TRUE;
}

/* A rule runs only when `from` or `to` lies within [min_version,
 * max_version]; returns the reason it does not run, or NULL. */
static char *
not_run_reason (UpgContext       *ctx,
                const UpgVersion *min,
                const UpgVersion *max)
{
  const UpgVersion *from = upg_context_get_from_version (ctx);
  const UpgVersion *to = upg_context_get_to_version (ctx);
  g_autofree char *from_text = NULL, *to_text = NULL, *min_text = NULL, *max_text = NULL;

  if ((min == NULL && max == NULL) || (from == NULL && to == NULL))
    return NULL;
  if ((from != NULL && upg_version_in_range (from, min, max)) ||
      (to != NULL && upg_version_in_range (to, min, max)))
    return NULL;
  from_text = from ? upg_version_to_string (from) : g_strdup ("-");
  to_text = to ? upg_version_to_string (to) : g_strdup ("-");
  min_text = min ? upg_version_to_string (min) : g_strdup ("");
  max_text = max ? upg_version_to_string (max) : g_strdup ("");
  return g_strdup_printf ("not run: neither from %s nor to %s lies within [%s, %s]",
                          from_text, to_text, min_text, max_text);
}

static gboolean
rule_settings (JsonObject      *entry,
               const SqlOrigin *origin,
               const char      *id,
               gint64          *threshold,
               UpgVerdict      *severity,
               GPtrArray       *results)
{
  JsonNode *node = json_object_get_member (entry, "threshold");
  const char *text = sql_entry_string (entry, "severity");
  const char *problem = NULL;

  *threshold = 0;
  *severity = UPG_VERDICT_FAIL;
  if (node != NULL && (!JSON_NODE_HOLDS_VALUE (node) ||
                       json_node_get_value_type (node) != G_TYPE_INT64))
    problem = "member 'threshold': expected an integer";
  else if (node != NULL)
    *threshold = json_node_get_int (node);
  if (problem == NULL && text != NULL)
    {
      if (g_ascii_strcasecmp (text, "warn") == 0)
        *severity = UPG_VERDICT_WARN;
      else if (g_ascii_strcasecmp (text, "fail") != 0)
        problem = "member 'severity': expected \"fail\" or \"warn\"";
    }
  if (problem == NULL && sql_entry_string (entry, "sql") == NULL)
    problem = "member 'sql' is missing: expected a string";
  if (problem == NULL && sql_entry_string (entry, "database") == NULL)
    problem = "member 'database' is missing: expected a string";
  if (problem != NULL)
    g_ptr_array_add (results, sql_invalid_entry (UPG_CHECK_KIND_DATA_QUALITY, id, origin,
                                                 problem));
  return problem == NULL;
}

static void
record_sql_error (UpgCheckResult *result,
                  UpgConnection  *conn,
                  const char     *database,
                  const GError   *error)
{
  g_autofree char *message = g_strdup_printf ("database '%s': %s", database, error->message);

  upg_check_result_set_verdict (result, UPG_VERDICT_FAIL);
  upg_check_result_set_message (result, message);
  upg_check_result_set_figure_int (result, "error_code",
                                   upg_connection_get_last_error_code (conn));
  if (upg_connection_get_last_sqlstate (conn) != NULL)
    upg_check_result_set_figure_string (result, "sqlstate",
                                        upg_connection_get_last_sqlstate (conn));
}

static void
evaluate_count (UpgCheckResult *result,
                UpgRows        *rows,
                gint64          threshold,
                UpgVerdict      severity)
{
  const char *cell = upg_rows_get_n_rows (rows) > 0 && upg_rows_get_n_columns (rows) > 0
                       ? upg_rows_get_value (rows, 0, 0) : NULL;
  gint64 count;
  char *end = NULL;
  g_autofree char *message = NULL;

  count = cell ? g_ascii_strtoll (cell, &end, 10) : 0;
  if (cell == NULL || end == cell || *end != '\0')
    {
      message = g_strdup_printf ("the rule's query returned %s: expected one count",
                                 cell ? cell : "no value");
      upg_check_result_set_verdict (result, UPG_VERDICT_FAIL);
      upg_check_result_set_message (result, message);
      return;
    }
  upg_check_result_set_figure_int (result, "count", count);
  if (count <= threshold)
    message = g_strdup_printf ("%" G_GINT64_FORMAT " rows found (threshold %" G_GINT64_FORMAT ")",
                               count, threshold);
  else
    message = g_strdup_printf ("%" G_GINT64_FORMAT " rows found, above the threshold of %"
                               G_GINT64_FORMAT, count, threshold);
  upg_check_result_set_verdict (result, count <= threshold ? UPG_VERDICT_PASS : severity);
  upg_check_result_set_message (result, message);
}

void
sql_check_rule (JsonObject      *entry,
                const SqlOrigin *origin,
                SqlConnections  *connections,
                GPtrArray       *results,
                GCancellable    *cancellable)
{
  const char *id = sql_entry_string (entry, "id");
  const char *database = sql_entry_string (entry, "database");
  g_autoptr(UpgVersion) min = NULL, max = NULL;
  g_autoptr(UpgCheckResult) result = NULL;
  g_autoptr(UpgRows) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  UpgConnection *conn;
  UpgVerdict severity;
  gint64 threshold;

  if (id == NULL)
    {
      g_ptr_array_add (results, sql_invalid_entry (UPG_CHECK_KIND_DATA_QUALITY, "data_quality",
                                                   origin, "member 'id' is missing: expected a string"));
      return;
    }
  if (!rule_settings (entry, origin, id, &threshold, &severity, results) ||
      !optional_version (entry, "min_version", origin, id, &min, results) ||
      !optional_version (entry, "max_version", origin, id, &max, results))
    return;
  result = upg_check_result_new (UPG_CHECK_KIND_DATA_QUALITY, id,
                                 sql_entry_string (entry, "name"), UPG_VERDICT_PASS, NULL);
  upg_check_result_set_figure_string (result, "database", database);
  upg_check_result_set_figure_int (result, "threshold", threshold);
  upg_check_result_set_figure_string (result, "severity", upg_verdict_to_string (severity));
  reason = not_run_reason (connections->ctx, min, max);
  if (reason != NULL)
    {
      upg_check_result_set_verdict (result, UPG_VERDICT_SKIPPED);
      upg_check_result_set_message (result, reason);
    }
  else if ((conn = sql_connections_get (connections, database, cancellable, result)) != NULL)
    {
      rows = upg_connection_query (conn, sql_entry_string (entry, "sql"), NULL, cancellable,
                                   &error);
      if (rows == NULL)
        record_sql_error (result, conn, database, error);
      else
        evaluate_count (result, rows, threshold, severity);
    }
  if (upg_check_result_get_verdict (result) == UPG_VERDICT_WARN ||
      upg_check_result_get_verdict (result) == UPG_VERDICT_FAIL)
    upg_check_result_set_suggestion (result, sql_entry_string (entry, "suggestion"));
  g_ptr_array_add (results, g_steal_pointer (&result));
}

/* Compares the leading dotted numbers of a server's version text
 * ("10.11.6-MariaDB-1", "15.5 (Debian …)") with a required "10.5". */
int
sql_compare_server_version (const char *server_version,
                            const char *required)
{
  const char *a = server_version, *b = required;

  while (g_ascii_isdigit (*a) || g_ascii_isdigit (*b))
    {
      guint64 x = g_ascii_isdigit (*a) ? g_ascii_strtoull (a, (char **) &a, 10) : 0;
      guint64 y = g_ascii_isdigit (*b) ? g_ascii_strtoull (b, (char **) &b, 10) : 0;

      if (x != y)
        return x < y ? -1 : 1;
      a += (*a == '.' && g_ascii_isdigit (a[1])) ? 1 : 0;
      b += (*b == '.' && g_ascii_isdigit (b[1])) ? 1 : 0;
    }
  return 0;
}

void
sql_check_middleware (JsonObject      *entry,
                      const SqlOrigin *origin,
                      SqlConnections  *connections,
                      GPtrArray       *results,
                      GCancellable    *cancellable)
{
  const char *database = sql_entry_string (entry, "database");
  const char *min_version = sql_entry_string (entry, "min_version");
  g_autofree char *id = NULL, *server = NULL, *message = NULL;
  g_autoptr(UpgCheckResult) result = NULL;
  g_autoptr(GError) error = NULL;
  UpgConnection *conn;

  if (database == NULL || min_version == NULL || !g_ascii_isdigit (*min_version))
    {
      g_ptr_array_add (results, sql_invalid_entry (UPG_CHECK_KIND_MIDDLEWARE, "middleware",
                                                   origin, "members 'database' and "
                                                   "'min_version' (like \"10.5\") are required"));
      return;
    }
  id = g_strdup_printf ("middleware:%s", database);
  result = upg_check_result_new (UPG_CHECK_KIND_MIDDLEWARE, id, NULL, UPG_VERDICT_PASS, NULL);
  upg_check_result_set_figure_string (result, "database", database);
  upg_check_result_set_figure_string (result, "min_version", min_version);
  conn = sql_connections_get (connections, database, cancellable, result);
  if (conn != NULL)
    {
      server = upg_connection_get_server_version (conn, &error);
      if (server == NULL)
        record_sql_error (result, conn, database, error);
      else
        {
          gboolean ok = sql_compare_server_version (server, min_version) >= 0;

          message = g_strdup_printf ("database '%s' runs %s (required ≥ %s)", database, server,
                                     min_version);
          upg_check_result_set_figure_string (result, "server_version", server);
          upg_check_result_set_verdict (result, ok ? UPG_VERDICT_PASS : UPG_VERDICT_FAIL);
          upg_check_result_set_message (result, message);
          if (!ok)
            upg_check_result_set_suggestion (result, "upgrade the database server first");
        }
    }
  g_ptr_array_add (results, g_steal_pointer (&result));
}
