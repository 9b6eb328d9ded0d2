/* upg-verify-runner.c - runs a `verify` step: single-value queries compared
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each check runs a query that must return exactly one value (one row,
 * one column) and compares it with a constant (`expect`) or with the value
 * of a second query (`equals`), on the same or another data source. A
 * query returning no row, several rows or several columns is an error
 * naming it; a mismatch fails the step with both values, which the
 * breakpoint and the report show. On success the values go to the step's
 * result line (ctx->step_result), so the report shows what was verified.
 *
 * Verification only reads: after a kill -9 the step simply runs again.
 * Every query counts as a statement sent for the crash hook
 * (UPGRADE_TEST_CRASH_AT="<n>:before-send" stops before the n-th).
 *
 * Numbers compare as numbers, whatever their text: MariaDB's SUM of a
 * DECIMAL(10,2) column says "12.50" where PostgreSQL says "12.5" and a
 * COUNT may be compared with a constant written 12 or "12". Decimal
 * texts are compared exactly (digits, not doubles), so large sums and
 * counts never round to equal.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-executor-private.h"
#include "upg-step-kinds-private.h"

/* Values quoted in messages are cut to this many characters. */
#define VALUE_EXCERPT 120

/* "12.50" → "12.5", "-0.0" → "0", "007" → "7"; NULL unless @text is a
 * plain decimal number ([+-]digits[.digits]). */
static char *
canonical_decimal (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = text, *int_start, *frac_start = NULL;
  gsize int_len, frac_len = 0;
  gboolean negative = FALSE;

  while (g_ascii_isspace (*p))
    p++;
  if (*p == '+' || *p == '-')
    negative = *p++ == '-';
  int_start = p;
  while (g_ascii_isdigit (*p))
    p++;
  int_len = p - int_start;
  if (*p == '.')
    {
      frac_start = ++p;
      while (g_ascii_isdigit (*p))
        p++;
      frac_len = p - frac_start;
    }
  while (g_ascii_isspace (*p))
    p++;
  if (*p != '\0' || int_len + frac_len == 0)
    return NULL;

  while (int_len > 0 && *int_start == '0')
    int_start++, int_len--;
  while (frac_len > 0 && frac_start[frac_len - 1] == '0')
    frac_len--;
  if (negative && (int_len > 0 || frac_len > 0))
    g_string_append_c (out, '-');
  if (int_len > 0)
    g_string_append_len (out, int_start, int_len);
  else
    g_string_append_c (out, '0');
  if (frac_len > 0)
    {
      g_string_append_c (out, '.');
      g_string_append_len (out, frac_start, frac_len);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
parse_double (const char *text,
              double     *out)
{
  char *end = NULL;

  if (text == NULL || *text == '\0')
    return FALSE;
  *out = g_ascii_strtod (text, &end);
  return end != NULL && *end == '\0';
}

/* SQL booleans as the three servers print them. */
static int
parse_bool (const char *text)
{
  if (text == NULL)
    return -1;
  if (g_ascii_strcasecmp (text, "t") == 0 || g_ascii_strcasecmp (text, "true") == 0 || g_str_equal (text, "1"))
    return 1;
  if (g_ascii_strcasecmp (text, "f") == 0 || g_ascii_strcasecmp (text, "false") == 0 || g_str_equal (text, "0"))
    return 0;
  return -1;
}

/* Two query values (NULL: SQL NULL). */
static gboolean
values_equal (const char *a,
              const char *b)
{
  g_autofree char *ca = NULL, *cb = NULL;
  double da, db;

  if (a == NULL || b == NULL)
    return a == b;
  if (g_str_equal (a, b))
    return TRUE;
  ca = canonical_decimal (a);
  cb = canonical_decimal (b);
  if (ca != NULL && cb != NULL)
    return g_str_equal (ca, cb);
  /* Exponent forms ("1e3", PostgreSQL's float8 output). */
  if (parse_double (a, &da) && parse_double (b, &db) && (ca == NULL || cb == NULL))
    return da == db;
  return FALSE;
}

/* A query value and the manifest's constant. */
static gboolean
value_matches (const char *value,
               JsonNode   *expect)
{
  g_autofree char *text = NULL;

  if (JSON_NODE_HOLDS_NULL (expect))
    return value == NULL;
  if (value == NULL)
    return FALSE;
  switch (json_node_get_value_type (expect))
    {
    case G_TYPE_BOOLEAN:
      return parse_bool (value) == (json_node_get_boolean (expect) ? 1 : 0);
    case G_TYPE_STRING:
      return values_equal (value, json_node_get_string (expect));
    case G_TYPE_INT64:
      text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (expect));
      return values_equal (value, text);
    default:
      {
        double d;
        return parse_double (value, &d) && d == json_node_get_double (expect);
      }
    }
}

/* For messages: the value quoted and cut, or NULL. */
static char *
show_value (const char *value)
{
  g_autofree char *valid = NULL;

  if (value == NULL)
    return g_strdup ("NULL");
  valid = g_utf8_make_valid (value, -1);
  if (g_utf8_strlen (valid, -1) > VALUE_EXCERPT)
    {
      g_autofree char *cut = g_utf8_substring (valid, 0, VALUE_EXCERPT);
      return g_strdup_printf ("'%s…'", cut);
    }
  return g_strdup_printf ("'%s'", valid);
}

static char *
show_constant (JsonNode *expect)
{
  if (JSON_NODE_HOLDS_NULL (expect))
    return g_strdup ("NULL");
  if (json_node_get_value_type (expect) == G_TYPE_STRING)
    return show_value (json_node_get_string (expect));
  return json_to_string (expect, FALSE);
}

/* Runs @sql on @database; its single value (NULL for SQL NULL) goes to
 * @value. */
static gboolean
single_value (UpgRunContext *ctx,
              UpgStep       *step,
              guint          index,
              const char    *database,
              const char    *sql,
              char         **value,
              GError       **error)
{
  UpgConnection *connection;
  g_autoptr(UpgRows) rows = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *id = upg_step_get_id (step);

  connection = upg_sql_runner_get_connection (ctx, database, error);
  if (connection == NULL || !upg_sql_runner_apply_timeout (ctx, step, connection, database, error))
    return FALSE;

  ctx->statements_sent++;
  upg_run_context_maybe_crash (ctx, UPG_CRASH_BEFORE_SEND);
  upg_run_context_log (ctx, G_LOG_LEVEL_DEBUG, "%s verify[%u] %s: %s", id, index, database, sql);
  rows = upg_connection_query (connection, sql, NULL, ctx->cancellable, &local_error);
  if (rows == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("step '%s': verify[%u]: the query on '%s' was cancelled"),
                     id, index, database);
      else
        g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, _("step '%s': verify[%u]: the query on '%s' failed: %s"),
                     id, index, database, local_error->message);
      return FALSE;
    }
  if (upg_rows_get_n_rows (rows) != 1 || upg_rows_get_n_columns (rows) != 1)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED,
                   _("step '%s': verify[%u]: the query on '%s' returned %u rows of %u columns, "
                     "expected exactly one value: %s"),
                   id, index, database, upg_rows_get_n_rows (rows), upg_rows_get_n_columns (rows), sql);
      return FALSE;
    }
  *value = g_strdup (upg_rows_get_value (rows, 0, 0));
  return TRUE;
}

/* Runs check @index; on success appends what it found to @summary. */
static gboolean
run_check (UpgRunContext  *ctx,
           UpgStep        *step,
           guint           index,
           UpgVerifyCheck *check,
           GString        *summary,
           GError        **error)
{
  g_autofree char *value = NULL, *other = NULL, *shown = NULL, *other_shown = NULL, *line = NULL;
  const char *id = upg_step_get_id (step);

  if (!single_value (ctx, step, index, check->database, check->sql, &value, error))
    return FALSE;
  shown = show_value (value);
  if (check->expect != NULL)
    {
      other_shown = show_constant (check->expect);
      if (!value_matches (value, check->expect))
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED,
                       _("step '%s': verify[%u]: %s on '%s' is %s, expected %s"),
                       id, index, check->sql, check->database, shown, other_shown);
          return FALSE;
        }
      line = g_strdup_printf ("%s %s = %s", check->database, shown, other_shown);
    }
  else
    {
      if (!single_value (ctx, step, index, check->equals_database, check->equals_sql, &other, error))
        return FALSE;
      other_shown = show_value (other);
      if (!values_equal (value, other))
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED,
                       _("step '%s': verify[%u]: %s on '%s' is %s but %s on '%s' is %s"),
                       id, index, check->sql, check->database, shown, check->equals_sql,
                       check->equals_database, other_shown);
          return FALSE;
        }
      line = g_strdup_printf ("%s %s = %s %s", check->database, shown, check->equals_database, other_shown);
    }
  g_string_append_printf (summary, "%sverify[%u] %s", summary->len > 0 ? "; " : "", index, line);
  upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("%s: verification %u passed: %s"), id, index, line);
  return TRUE;
}

/*
 * upg_verify_runner_run_step:
 *
 * Runs every check of a `verify` step in order, stopping at the first
 * that fails; the whole step is tried again up to its `retry_count`
 * (a count read while another process still writes may settle).
 */
gboolean
upg_verify_runner_run_step (UpgRunContext *ctx,
                            UpgStep       *step,
                            GError       **error)
{
  g_autoptr(GPtrArray) checks = upg_step_get_verify_checks (step);
  guint retries = upg_step_get_retry_count (step);

  g_return_val_if_fail (checks != NULL, FALSE);
  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(GString) summary = g_string_new (NULL);
      g_autoptr(GError) local_error = NULL;
      gboolean ok = TRUE;

      for (guint i = 0; i < checks->len && ok; i++)
        ok = run_check (ctx, step, i, g_ptr_array_index (checks, i), summary, &local_error);
      if (ok)
        {
          g_free (ctx->step_result);
          ctx->step_result = g_string_free (g_steal_pointer (&summary), FALSE);
          return TRUE;
        }
      if (attempt >= retries || !g_error_matches (local_error, UPG_ERROR, UPG_ERROR_STEP_FAILED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, _("%s; retrying (%u/%u)"), local_error->message,
                           attempt + 1, retries);
    }
}
