/* upg-marker-reset.c - deleting the markers of statements a rollback undid
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A marker (table `upgrade_statement_marker` in the target, column
 * `record_id`) is named after the execution, step, file and sequence that
 * sent a statement (upg_journal_marker_id(); journals from before
 * batching named it after the statement's record). The runner's recovery
 * counts a marker of the current or an unfinished execution as "applied",
 * so once a rollback undid a step in the journal (upg_journal_undo_step(),
 * the intent) its markers must go too, or a run continuing that execution
 * would skip the statements: see "Rollback" in upg-executor.c. Deleting
 * may be repeated and is safe to interrupt: the rollback is journaled
 * SUCCESS only after it.
 */
#include "config.h"

#include "upg-journal-batch-private.h"
#include "upg-journal-private.h"
#include "upg-marker-reset-private.h"

/* How many record ids (or prefixes) one DELETE names: well under every
 * dialect's limit of bound parameters. */
#define MARKERS_PER_DELETE 100

/* How one DELETE matches its values: `record_id IN (?, ?)` for ids,
 * `record_id LIKE ? OR record_id LIKE ?` for prefixes. */
typedef struct {
  const char *open;
  const char *term;
  const char *separator;
  const char *close;
} MarkerMatch;

static const MarkerMatch match_ids = { "record_id IN (", "?", ", ", ")" };
static const MarkerMatch match_patterns = { "", "record_id LIKE ?", " OR ", "" };

static gboolean
delete_batch (UpgConnection       *target,
              const MarkerMatch   *match,
              const char * const  *values,
              guint                n_values,
              GError             **error)
{
  g_autofree char *table = upg_journal_marker_table (target, error);
  g_autoptr(GString) sql = NULL;

  if (table == NULL)
    return FALSE;
  sql = g_string_new (NULL);
  g_string_printf (sql, "DELETE FROM %s WHERE ", table);
  g_string_append (sql, match->open);
  for (guint i = 0; i < n_values; i++)
    {
      if (i > 0)
        g_string_append (sql, match->separator);
      g_string_append (sql, match->term);
    }
  g_string_append (sql, match->close);
  return upg_journal_sql_exec (target, sql->str, values, n_values, error);
}

/* Deletes in batches of MARKERS_PER_DELETE. */
static gboolean
delete_matching (UpgConnection       *target,
                 const MarkerMatch   *match,
                 const char * const  *values,
                 GError             **error)
{
  guint n_values = g_strv_length ((char **) values);

  if (n_values == 0)
    return TRUE;
  /* A target that never had a statement marked has no table to clean. */
  if (!upg_journal_ensure_marker_table (target, error))
    return FALSE;
  for (guint done = 0; done < n_values; done += MARKERS_PER_DELETE)
    if (!delete_batch (target, match, values + done, MIN (MARKERS_PER_DELETE, n_values - done), error))
      return FALSE;
  return TRUE;
}

/*
 * upg_journal_delete_markers:
 * @target: a connection to the statements' target database
 * @record_ids: (array zero-terminated=1): the ids of the markers to delete
 *   (the `record_id` column: a marker id, or for markers written before
 *   batching the id of a record from upg_journal_list_undone_statements())
 * @error: return location for a #GError
 *
 * Deletes the markers @record_ids from @target's
 * `upgrade_statement_marker`, if there are any; a missing marker (or a
 * missing marker table) is not an error, so this can be repeated.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_delete_markers (UpgConnection       *target,
                            const char * const  *record_ids,
                            GError             **error)
{
  g_return_val_if_fail (UPG_IS_CONNECTION (target), FALSE);
  g_return_val_if_fail (record_ids != NULL, FALSE);

  return delete_matching (target, &match_ids, record_ids, error);
}

/*
 * upg_journal_delete_marker_prefixes:
 * @target: a connection to the statements' target database
 * @prefixes: (array zero-terminated=1): marker prefixes
 *   (upg_journal_marker_prefix(): one script of one step in one execution)
 * @error: return location for a #GError
 *
 * Deletes every marker named `<prefix>:<sequence>` for any of @prefixes
 * from @target, MARKERS_PER_DELETE prefixes per statement: the rollback
 * does not need to know which statements committed (a crash may have
 * lost their records), only which scripts could have sent them. Like
 * upg_journal_delete_markers(), repeatable.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_delete_marker_prefixes (UpgConnection       *target,
                                    const char * const  *prefixes,
                                    GError             **error)
{
  g_autoptr(GPtrArray) patterns = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (UPG_IS_CONNECTION (target), FALSE);
  g_return_val_if_fail (prefixes != NULL, FALSE);

  /* A prefix is hex digits: nothing in it is a LIKE wildcard. */
  for (guint i = 0; prefixes[i] != NULL; i++)
    g_ptr_array_add (patterns, g_strdup_printf ("%s:%%", prefixes[i]));
  g_ptr_array_add (patterns, NULL);
  return delete_matching (target, &match_patterns, (const char * const *) patterns->pdata, error);
}
