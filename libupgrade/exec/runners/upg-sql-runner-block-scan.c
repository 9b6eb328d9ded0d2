/* upg-sql-runner-block-scan.c - where a script's own transaction blocks
 * begin and end, checked before anything runs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A block opens at BEGIN / START TRANSACTION, or right after a COMMIT AND
 * CHAIN / ROLLBACK AND CHAIN (the server opened the next transaction),
 * and ends at the COMMIT or ROLLBACK that closes it; a step with
 * "transaction": "script" makes each file one block. What cannot be one
 * unit is bad input, refused at split time (upg-sql-runner-blocks.c runs
 * the blocks).
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-bundle-private.h"
#include "upg-data-source-private.h"
#include "upg-sql-runner-private.h"
#include "upg-step-private.h"

typedef enum {
  FOUND_NONE,
  FOUND_BLOCK,
  FOUND_ERROR,
} Found;

static UpgDataSource *
statement_source (UpgRunContext   *ctx,
                  UpgStep         *step,
                  UpgSqlStatement *statement)
{
  return upg_config_lookup_data_source (upg_executor_get_config (ctx->executor),
                                        upg_sql_runner_statement_database (statement, step));
}

/* The dialect of the data source @statement goes to; OTHER for a raw
 * libgda source, which has no markers and so no blocks. */
UpgDialect
upg_sql_runner_statement_dialect (UpgRunContext   *ctx,
                   UpgStep         *step,
                   UpgSqlStatement *statement)
{
  UpgDataSource *source = statement_source (ctx, step, statement);

  if (source == NULL || upg_data_source_get_cnc (source) != NULL)
    return UPG_DIALECT_OTHER;
  return upg_data_source_get_dialect (source);
}

UpgTransactionVerb
upg_sql_runner_statement_verb (UpgRunContext   *ctx,
         UpgStep         *step,
         UpgSqlStatement *statement)
{
  UpgDialect dialect = upg_sql_runner_statement_dialect (ctx, step, statement);

  if (dialect == UPG_DIALECT_OTHER)
    return UPG_TRANSACTION_VERB_NONE;
  return upg_statement_transaction_verb (upg_sql_statement_get_text (statement), dialect);
}

/* Whether statement @first follows a `COMMIT AND CHAIN` or `ROLLBACK AND
 * CHAIN` on its data source: the server opened a transaction for it, so
 * it starts a block as a BEGIN would (the engine opens it; the chaining
 * statement itself ends the block before as a plain COMMIT or ROLLBACK). */
static gboolean
chained_after (UpgRunContext *ctx,
               UpgStep       *step,
               GPtrArray     *statements,
               guint          first)
{
  UpgSqlStatement *before = first > 0 ? g_ptr_array_index (statements, first - 1) : NULL;
  UpgSqlStatement *s = g_ptr_array_index (statements, first);

  return before != NULL &&
         g_strcmp0 (upg_sql_runner_statement_database (before, step),
                    upg_sql_runner_statement_database (s, step)) == 0 &&
         upg_statement_chains (upg_sql_statement_get_text (before), upg_sql_runner_statement_dialect (ctx, step, before));
}

/* A file of a "transaction": "script" step: its database must have
 * transactional DDL, and nothing in it may end the transaction or leave
 * its database. */
static Found
check_script (UpgRunContext *ctx,
              UpgStep       *step,
              GPtrArray     *statements,
              GError       **error)
{
  g_autofree char *problem = upg_step_transaction_problem (step, upg_executor_get_config (ctx->executor));

  if (problem != NULL)
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST, problem);
      return FOUND_ERROR;
    }
  for (guint i = 0; i < statements->len; i++)
    {
      UpgSqlStatement *s = g_ptr_array_index (statements, i);

      if (g_strcmp0 (upg_sql_runner_statement_database (s, step), upg_step_get_database (step)) != 0)
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                       _("%s:%u: step '%s' runs each file as one transaction (\"transaction\": \"script\") on "
                         "'%s'; a statement routed to '%s' cannot be part of it"),
                       upg_sql_statement_get_file (s), upg_sql_statement_get_line (s), upg_step_get_id (step),
                       upg_step_get_database (step), upg_sql_runner_statement_database (s, step));
          return FOUND_ERROR;
        }
      if (upg_sql_runner_statement_verb (ctx, step, s) == UPG_TRANSACTION_VERB_ROLLBACK)
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                       _("%s:%u: ROLLBACK in a file that runs as one transaction (\"transaction\": \"script\" "
                         "in step '%s'): it would undo the whole file; remove it or the option"),
                       upg_sql_statement_get_file (s), upg_sql_statement_get_line (s), upg_step_get_id (step));
          return FOUND_ERROR;
        }
    }
  return FOUND_BLOCK;
}

/* Whether statement @first opens a block, and where it ends: at the
 * COMMIT or ROLLBACK that closes it. A block that is never closed, that
 * opens another, or whose statements go to another data source is bad
 * input: the native client would leave it to the server's mercy
 * (rolled back at disconnect, a warning, a commit), never what the
 * author meant. */
static Found
find_block (UpgRunContext *ctx,
            UpgStep       *step,
            GPtrArray     *statements,
            guint          first,
            guint         *last,
            GError       **error)
{
  UpgSqlStatement *begin = g_ptr_array_index (statements, first);
  const char *database = upg_sql_runner_statement_database (begin, step);
  UpgTransactionVerb first_verb;

  if (upg_step_get_script_transaction (step))
    {
      *last = statements->len - 1;
      return first == 0 ? check_script (ctx, step, statements, error) : FOUND_NONE;
    }
  first_verb = upg_sql_runner_statement_verb (ctx, step, begin);
  if (first_verb != UPG_TRANSACTION_VERB_BEGIN)
    {
      if (!chained_after (ctx, step, statements, first))
        return FOUND_NONE;
      /* `COMMIT AND CHAIN; COMMIT;`: an empty transaction. */
      if (first_verb == UPG_TRANSACTION_VERB_COMMIT || first_verb == UPG_TRANSACTION_VERB_ROLLBACK)
        {
          *last = first;
          return FOUND_BLOCK;
        }
    }
  for (guint k = first + 1; k < statements->len; k++)
    {
      UpgSqlStatement *s = g_ptr_array_index (statements, k);
      UpgTransactionVerb verb;

      if (upg_sql_runner_statement_dialect (ctx, step, s) == UPG_DIALECT_MYSQL &&
          upg_statement_sets_autocommit (upg_sql_statement_get_text (s), UPG_DIALECT_MYSQL))
        {
          /* Natively the server would commit the block there (0 → 1) or
           * leave the session committing nothing after it (1 → 0): never
           * the unit the block reads as. */
          g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                       _("%s:%u: SET autocommit inside the transaction block opened at line %u: the server would "
                         "commit the block there or stop committing after it; end the block (COMMIT) before it, "
                         "or remove it"),
                       upg_sql_statement_get_file (s), upg_sql_statement_get_line (s),
                       upg_sql_statement_get_line (begin));
          return FOUND_ERROR;
        }
      if (g_strcmp0 (upg_sql_runner_statement_database (s, step), database) != 0)
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                       _("%s:%u: the transaction block opened at line %u on '%s' goes on to '%s'; end it "
                         "(COMMIT) before switching data sources"),
                       upg_sql_statement_get_file (s), upg_sql_statement_get_line (s),
                       upg_sql_statement_get_line (begin), database, upg_sql_runner_statement_database (s, step));
          return FOUND_ERROR;
        }
      verb = upg_sql_runner_statement_verb (ctx, step, s);
      if (verb == UPG_TRANSACTION_VERB_BEGIN)
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                       _("%s:%u: a transaction is opened inside the one opened at line %u; end that one first "
                         "(COMMIT or ROLLBACK)"),
                       upg_sql_statement_get_file (s), upg_sql_statement_get_line (s),
                       upg_sql_statement_get_line (begin));
          return FOUND_ERROR;
        }
      if (verb == UPG_TRANSACTION_VERB_COMMIT || verb == UPG_TRANSACTION_VERB_ROLLBACK)
        {
          *last = k;
          return FOUND_BLOCK;
        }
    }
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
               _("%s:%u: the transaction block opened here has no COMMIT or ROLLBACK before the end of the file"),
               upg_sql_statement_get_file (begin), upg_sql_statement_get_line (begin));
  return FOUND_ERROR;
}

/*
 * upg_sql_runner_check_blocks:
 *
 * Refuses, before anything runs, a file of @step whose transaction blocks
 * cannot be units (see find_block()), and "transaction": "script" where
 * the database has no transactional DDL.
 */
gboolean
upg_sql_runner_check_blocks (UpgRunContext *ctx,
                             UpgStep       *step,
                             GPtrArray     *statements,
                             GError       **error)
{
  for (guint i = 0; i < statements->len; i++)
    {
      guint last;

      switch (find_block (ctx, step, statements, i, &last, error))
        {
        case FOUND_ERROR:
          return FALSE;
        case FOUND_BLOCK:
          i = last;
          break;
        case FOUND_NONE:
        default:
          break;
        }
    }
  return TRUE;
}

/*
 * upg_file_run_block_end:
 *
 * Returns: whether statement @first of @file opens a unit of several
 *   statements, ending at *@last (the files were checked when prepared)
 */
gboolean
upg_file_run_block_end (FileRun *file,
                        guint    first,
                        guint   *last)
{
  return find_block (file->ctx, file->step, file->statements, first, last, NULL) == FOUND_BLOCK;
}
