/* upg-transaction-pipeline.c - one statement, its marker and the
 * transaction around them, sent to a server in one round trip
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The exactly-once protocol commits each statement together with its
 * marker: BEGIN, the statement, the marker INSERT, COMMIT. Sent one by one
 * that is four round trips where the native client needs one, which made
 * the engine 3–5× slower than `mariadb` or `psql` on a script of small
 * statements. Both servers accept the four in one request and answer each
 * in turn, stopping at the first failure; the backend tells which part
 * failed, so the runner reports the statement's own error, and the
 * server's rows and SQLSTATE, exactly as when it is sent alone.
 *
 * A group of statements (group commit, upg-sql-runner-groups.c) travels
 * the same way: BEGIN, the statements, their markers' INSERT, COMMIT, as
 * parts of one request; the answers tell which part failed.
 *
 * Only a statement that the dialect's splitter reads as exactly one
 * statement is carried: anything else (a DELIMITER block holding several
 * statements, say) could make the server run more than the parts counted.
 * The statement's bytes are sent unchanged; a newline is added after it
 * only when its last line holds a line comment, which would otherwise
 * swallow the marker.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-sql-statement-private.h"
#include "upg-transaction-pipeline-private.h"

G_DEFINE_INTERFACE (UpgTransactionPipeline, upg_transaction_pipeline, UPG_TYPE_CONNECTION)

static void
upg_transaction_pipeline_default_init (UpgTransactionPipelineInterface *iface)
{
}

/*
 * upg_transaction_pipeline_can_carry:
 * @connection: the statement's connection
 * @statement: the statement's text, as the splitter gave it
 *
 * Returns: whether @statement can be sent pipelined on @connection
 */
gboolean
upg_transaction_pipeline_can_carry (UpgConnection *connection,
                                    const char    *statement)
{
  return UPG_IS_TRANSACTION_PIPELINE (connection) &&
         upg_sql_is_one_statement (statement, upg_connection_get_dialect (connection));
}

static gboolean
ends_in_line_comment (const char *statement)
{
  const char *last_line = strrchr (statement, '\n');

  last_line = last_line != NULL ? last_line + 1 : statement;
  return strstr (last_line, "--") != NULL || strchr (last_line, '#') != NULL;
}

/*
 * upg_transaction_pipeline_send_parts:
 * @self: the connection
 * @parts: (array length=n_parts): statements, each one that
 *   upg_transaction_pipeline_can_carry() accepted (or the engine's own)
 * @n_parts: their number
 * @error: return location for a #GError
 *
 * Sends @parts as one request; upg_transaction_pipeline_receive_parts()
 * reads their outcome.
 *
 * Returns: %TRUE if the request was sent
 */
gboolean
upg_transaction_pipeline_send_parts (UpgTransactionPipeline  *self,
                                     const char * const      *parts,
                                     guint                    n_parts,
                                     GError                 **error)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < n_parts; i++)
    {
      if (i > 0)
        g_string_append_c (text, ';');
      g_string_append (text, parts[i]);
      if (i + 1 < n_parts && ends_in_line_comment (parts[i]))
        g_string_append_c (text, '\n');
    }
  upg_connection_set_last_error (UPG_CONNECTION (self), 0, NULL);
  return UPG_TRANSACTION_PIPELINE_GET_IFACE (self)->send (self, text->str, error);
}

/*
 * upg_transaction_pipeline_receive_parts:
 * @self: the connection
 * @n_parts: the number of parts sent
 * @last_is_commit: whether the last part is the COMMIT of the transaction
 * @rows: (element-type gint64): receives the rows each part changed, one
 *   element per part that succeeded
 * @unparsed: (out): on failure, whether the server refused the text of
 *   the failed part before running it
 * @cancellable: (nullable): cancels the running statement
 * @error: return location for a #GError
 *
 * Reads the answers to upg_transaction_pipeline_send_parts(). On failure
 * the part that failed is @rows->len, and the connection's last error is
 * its; a transaction the parts opened may still be open (in a failed
 * state): the caller rolls it back.
 *
 * Returns: %TRUE if every part succeeded
 */
gboolean
upg_transaction_pipeline_receive_parts (UpgTransactionPipeline  *self,
                                        guint                    n_parts,
                                        gboolean                 last_is_commit,
                                        GArray                  *rows,
                                        gboolean                *unparsed,
                                        GCancellable            *cancellable,
                                        GError                 **error)
{
  *unparsed = FALSE;
  g_array_set_size (rows, 0);
  if (!UPG_TRANSACTION_PIPELINE_GET_IFACE (self)->receive (self, rows, last_is_commit, unparsed, cancellable, error))
    return FALSE;
  /* Fewer answers than parts, without an error, would mean that the text
   * was read differently than the splitter read it (the COMMIT inside a
   * comment, say): the transaction is still open, nothing committed. */
  if (rows->len != n_parts)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_SQL,
                   _("data source '%s' answered %u of the %u parts of the request; nothing was committed"),
                   upg_connection_get_name (UPG_CONNECTION (self)), rows->len, n_parts);
      g_array_set_size (rows, n_parts - 1);
      return FALSE;
    }
  return TRUE;
}

/*
 * upg_transaction_pipeline_send:
 * @self: the connection
 * @statement: a statement upg_transaction_pipeline_can_carry() accepted
 * @trailer: the statement to run after it in the same transaction
 * @error: return location for a #GError
 *
 * Sends the transaction; upg_transaction_pipeline_receive() reads its
 * outcome.
 *
 * Returns: %TRUE if the request was sent
 */
gboolean
upg_transaction_pipeline_send (UpgTransactionPipeline  *self,
                               const char              *statement,
                               const char              *trailer,
                               GError                 **error)
{
  const char *parts[] = {
    upg_connection_get_dialect (UPG_CONNECTION (self)) == UPG_DIALECT_MYSQL ? "START TRANSACTION" : "BEGIN",
    statement, trailer, "COMMIT",
  };

  return upg_transaction_pipeline_send_parts (self, parts, G_N_ELEMENTS (parts), error);
}

/*
 * upg_transaction_pipeline_receive:
 * @self: the connection
 * @affected_rows: (out) (optional): rows the statement changed
 * @failed_part: (out): on failure, the part that failed
 * @cancellable: (nullable): cancels the running statement
 * @error: return location for a #GError
 *
 * Reads the answers to upg_transaction_pipeline_send(). On failure the
 * transaction may still be open (in a failed state): the caller rolls it
 * back. The connection's last error is that of the part that failed.
 *
 * Returns: %TRUE if every part succeeded and the transaction committed
 */
gboolean
upg_transaction_pipeline_receive (UpgTransactionPipeline  *self,
                                  gint64                  *affected_rows,
                                  UpgPipelinePart         *failed_part,
                                  GCancellable            *cancellable,
                                  GError                 **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (gint64));
  gboolean unparsed;

  if (upg_transaction_pipeline_receive_parts (self, UPG_PIPELINE_PART_COMMIT + 1, TRUE, rows, &unparsed,
                                              cancellable, error))
    {
      if (affected_rows != NULL)
        *affected_rows = g_array_index (rows, gint64, UPG_PIPELINE_PART_STATEMENT);
      return TRUE;
    }
  *failed_part = MIN (rows->len, UPG_PIPELINE_PART_COMMIT);
  if (unparsed && rows->len <= UPG_PIPELINE_PART_STATEMENT)
    *failed_part = UPG_PIPELINE_PART_UNPARSED;
  return FALSE;
}
