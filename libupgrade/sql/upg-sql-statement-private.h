/* upg-sql-statement-private.h - the splitter's private API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

#include "upg-sql-statement.h"

G_BEGIN_DECLS

/* A statement text above this many bytes is stored once, in its journal
 * record; elsewhere its first UPG_SQL_STATEMENT_EXCERPT bytes. */
#define UPG_SQL_STATEMENT_STORED_MAX (64 * 1024)
#define UPG_SQL_STATEMENT_EXCERPT 4096

UpgSqlStatement *upg_sql_statement_new_take (char  *text,
                                             char  *file,
                                             guint  line,
                                             guint  sequence,
                                             char  *database,
                                             char  *delimiter);
gboolean         upg_sql_is_one_statement   (const char  *text,
                                             UpgDialect   dialect);
char            *upg_sql_statement_dup_stored_text (const UpgSqlStatement *self);

/* The SHA-256 of a statement's text as lower-case hex, with its NUL. */
#define UPG_SQL_STATEMENT_SHA256_SIZE 65
void             upg_sql_statement_sha256_into (const UpgSqlStatement *self,
                                                char                   out[UPG_SQL_STATEMENT_SHA256_SIZE]);

/* upg-sql-statement-class.c: how one statement can be made exactly-once */
typedef enum {
  UPG_STATEMENT_CLASS_ATOMIC,     /* runs in a transaction with its marker */
  UPG_STATEMENT_CLASS_AUTOCOMMIT, /* commits on its own: in doubt after a crash */
  UPG_STATEMENT_CLASS_SESSION,    /* only changes session state: re-run on every resume */
  UPG_STATEMENT_CLASS_TRANSACTION_CONTROL, /* BEGIN/COMMIT…: the engine owns transactions */
} UpgStatementClass;

UpgStatementClass upg_statement_classify (const char *text,
                                          UpgDialect  dialect);

/* What a transaction-control statement does to a script's block. */
typedef enum {
  UPG_TRANSACTION_VERB_NONE,      /* not transaction control */
  UPG_TRANSACTION_VERB_BEGIN,     /* BEGIN, START TRANSACTION */
  UPG_TRANSACTION_VERB_COMMIT,    /* COMMIT, END */
  UPG_TRANSACTION_VERB_ROLLBACK,  /* ROLLBACK, ABORT */
  UPG_TRANSACTION_VERB_OTHER,     /* SAVEPOINT, RELEASE, ROLLBACK TO, XA… */
} UpgTransactionVerb;

UpgTransactionVerb upg_statement_transaction_verb (const char *text,
                                                   UpgDialect  dialect);
gboolean     upg_statement_chains        (const char *text,
                                          UpgDialect  dialect);
gboolean     upg_statement_sets_autocommit (const char *text,
                                            UpgDialect  dialect);
int          upg_statement_table_lock_change (const char *text,
                                              UpgDialect  dialect);
gboolean     upg_error_is_transient      (const GError  *error,
                                          UpgDialect     dialect,
                                          int            code,
                                          const char    *sqlstate);

G_END_DECLS
