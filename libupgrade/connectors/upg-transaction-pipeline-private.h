/* upg-transaction-pipeline-private.h - one statement, its marker and the
 * transaction around them, sent to a server in one round trip
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

/*
 * UpgPipelinePart:
 * @UPG_PIPELINE_PART_BEGIN: the statement that opens the transaction
 * @UPG_PIPELINE_PART_STATEMENT: the migration statement
 * @UPG_PIPELINE_PART_TRAILER: the statement written after it (the marker)
 * @UPG_PIPELINE_PART_COMMIT: the commit
 * @UPG_PIPELINE_PART_UNPARSED: the server refused the text as a whole
 *   before running any of it (a syntax error): nothing took effect, and
 *   the statement sent on its own tells the exact error
 *
 * Which part of a pipelined transaction failed.
 */
typedef enum {
  UPG_PIPELINE_PART_BEGIN,
  UPG_PIPELINE_PART_STATEMENT,
  UPG_PIPELINE_PART_TRAILER,
  UPG_PIPELINE_PART_COMMIT,
  UPG_PIPELINE_PART_UNPARSED,
} UpgPipelinePart;

#define UPG_TYPE_TRANSACTION_PIPELINE (upg_transaction_pipeline_get_type ())

G_DECLARE_INTERFACE (UpgTransactionPipeline, upg_transaction_pipeline, UPG, TRANSACTION_PIPELINE, UpgConnection)

/*
 * UpgTransactionPipelineInterface:
 * @send: sends statements joined by `;` as one request
 * @receive: reads the answers to what @send sent: appends the rows each
 *   part changed to @rows, one element per part that succeeded, and stops
 *   at the first failure (whose part is then @rows->len); @unparsed tells
 *   that the server refused the failed part's text before running it (a
 *   syntax error); with @last_is_commit, a last part answered ROLLBACK
 *   (PostgreSQL, after a failure) is a failure
 *
 * Implemented by the server backends whose protocol carries several
 * statements in one request (libpq's simple query, libmariadb with
 * CLIENT_MULTI_STATEMENTS). Sending and receiving are apart so that the
 * crash hook can stop the process between them, when the request is on
 * its way and its outcome unknown.
 */
struct _UpgTransactionPipelineInterface
{
  GTypeInterface g_iface;

  gboolean (*send)    (UpgTransactionPipeline  *self,
                       const char              *text,
                       GError                 **error);
  gboolean (*receive) (UpgTransactionPipeline  *self,
                       GArray                  *rows,
                       gboolean                 last_is_commit,
                       gboolean                *unparsed,
                       GCancellable            *cancellable,
                       GError                 **error);
};

gboolean  upg_transaction_pipeline_can_carry (UpgConnection           *connection,
                                              const char              *statement);
gboolean  upg_transaction_pipeline_send      (UpgTransactionPipeline  *self,
                                              const char              *statement,
                                              const char              *trailer,
                                              GError                 **error);
gboolean  upg_transaction_pipeline_receive   (UpgTransactionPipeline  *self,
                                              gint64                  *affected_rows,
                                              UpgPipelinePart         *failed_part,
                                              GCancellable            *cancellable,
                                              GError                 **error);
gboolean  upg_transaction_pipeline_send_parts    (UpgTransactionPipeline  *self,
                                                  const char * const      *parts,
                                                  guint                    n_parts,
                                                  GError                 **error);
gboolean  upg_transaction_pipeline_receive_parts (UpgTransactionPipeline  *self,
                                                  guint                    n_parts,
                                                  gboolean                 last_is_commit,
                                                  GArray                  *rows,
                                                  gboolean                *unparsed,
                                                  GCancellable            *cancellable,
                                                  GError                 **error);

G_END_DECLS
