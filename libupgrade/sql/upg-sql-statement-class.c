/* upg-sql-statement-class.c - how each statement is made exactly-once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The executor commits a statement's effect together with a marker row in
 * the target itself (table `upgrade_statement_marker`, created and written
 * by upg_journal_ensure_marker_table()/upg_journal_write_marker()) whenever
 * the target allows it; see the protocol in upg-executor.c. This file
 * decides, from the statement's leading keywords and the dialect, which
 * statements can take part in that:
 *
 * - ATOMIC: can run inside BEGIN … COMMIT with the marker. SQLite and
 *   PostgreSQL: nearly everything, DDL included (PostgreSQL statements
 *   that refuse a transaction block are also caught at run time by their
 *   SQLSTATE 25001). MariaDB/MySQL: INSERT, UPDATE, DELETE, REPLACE and
 *   SELECT only; this assumes transactional (InnoDB) tables, which the
 *   product uses: DML on a MyISAM table is not covered.
 * - AUTOCOMMIT: commits on its own (MariaDB DDL, CALL; PostgreSQL
 *   CONCURRENTLY index work, VACUUM, CREATE DATABASE…; SQLite VACUUM). The
 *   marker is written right after it succeeds, so only a crash between the
 *   statement and its marker leaves it in doubt.
 * - SESSION: only changes the session (SET, USE, PRAGMA, ATTACH…). Its
 *   effect dies with the connection, so it is executed again on every
 *   resume before the statements that follow it, and never marked.
 * - A raw libgda data source (`cnc`) gets no marker table: its statements
 *   are AUTOCOMMIT without a marker, so a crash leaves the statement that
 *   was running in doubt.
 * - TRANSACTION_CONTROL: BEGIN, COMMIT, ROLLBACK, SAVEPOINT… in a script.
 *   A script's own BEGIN … COMMIT (or ROLLBACK) block is one unit with one
 *   marker (upg-sql-runner-blocks.c); what is left outside any block (a
 *   stray COMMIT, say) is recorded as SKIPPED, since the engine commits
 *   each statement with its marker.
 */
#include "config.h"

#include <string.h>

#include "upg-sql-statement-private.h"

/* Copies up to @n_words leading keywords of @text, upper-cased, skipping
 * whitespace and comments (`--`, `#`, C style). */
static void
leading_keywords (const char *text,
                  char        words[][24],
                  guint       n_words)
{
  const char *p = text;

  for (guint w = 0; w < n_words; w++)
    words[w][0] = '\0';

  for (guint w = 0; w < n_words && *p != '\0';)
    {
      if (g_ascii_isspace (*p) || *p == '(')
        p++;
      else if ((p[0] == '-' && p[1] == '-') || p[0] == '#')
        {
          while (*p != '\0' && *p != '\n')
            p++;
        }
      else if (p[0] == '/' && p[1] == '*')
        {
          const char *end = strstr (p + 2, "*/");
          p = end != NULL ? end + 2 : p + strlen (p);
        }
      else if (g_ascii_isalpha (*p) || *p == '_')
        {
          guint len = 0;

          while ((g_ascii_isalnum (*p) || *p == '_') && len < 23)
            words[w][len++] = g_ascii_toupper (*p++);
          words[w][len] = '\0';
          while (g_ascii_isalnum (*p) || *p == '_')
            p++;
          w++;
        }
      else
        return;
    }
}

static gboolean
word_in (const char         *word,
         const char * const *list)
{
  return g_strv_contains (list, word);
}

static gboolean
has_word (char         words[][24],
          guint        n_words,
          const char  *word)
{
  for (guint i = 0; i < n_words; i++)
    if (g_str_equal (words[i], word))
      return TRUE;
  return FALSE;
}

static const char * const transaction_words[] = {
  "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "ABORT", "XA", NULL
};

static UpgStatementClass
classify_sqlite (char words[][24])
{
  static const char * const session[] = { "PRAGMA", "ATTACH", "DETACH", NULL };

  if (word_in (words[0], session))
    return UPG_STATEMENT_CLASS_SESSION;
  if (g_str_equal (words[0], "VACUUM"))
    return UPG_STATEMENT_CLASS_AUTOCOMMIT;
  return UPG_STATEMENT_CLASS_ATOMIC;
}

static UpgStatementClass
classify_postgresql (char   words[][24],
                     guint  n_words)
{
  static const char * const session[] = { "SET", "RESET", "LISTEN", "UNLISTEN", "DISCARD", NULL };
  static const char * const autocommit[] = { "VACUUM", "CLUSTER", NULL };

  if (word_in (words[0], session) && !g_str_equal (words[1], "CONSTRAINTS"))
    return UPG_STATEMENT_CLASS_SESSION;
  if (word_in (words[0], autocommit) || has_word (words, n_words, "CONCURRENTLY"))
    return UPG_STATEMENT_CLASS_AUTOCOMMIT;
  if ((g_str_equal (words[0], "CREATE") || g_str_equal (words[0], "DROP")) &&
      (g_str_equal (words[1], "DATABASE") || g_str_equal (words[1], "TABLESPACE")))
    return UPG_STATEMENT_CLASS_AUTOCOMMIT;
  if (g_str_equal (words[0], "ALTER") && g_str_equal (words[1], "SYSTEM"))
    return UPG_STATEMENT_CLASS_AUTOCOMMIT;
  return UPG_STATEMENT_CLASS_ATOMIC;
}

static UpgStatementClass
classify_mysql (const char  *text,
                char         words[][24])
{
  static const char * const atomic[] = { "INSERT", "UPDATE", "DELETE", "REPLACE", "SELECT", NULL };
  static const char * const session[] = { "SET", "USE", "LOCK", "UNLOCK", NULL };

  /* Only a single DML statement is known to commit with its marker: the
   * next one in the same text could be DDL, which commits on its own. */
  if (word_in (words[0], atomic))
    return upg_sql_is_one_statement (text, UPG_DIALECT_MYSQL) ? UPG_STATEMENT_CLASS_ATOMIC
                                                             : UPG_STATEMENT_CLASS_AUTOCOMMIT;
  if (word_in (words[0], session) && !g_str_equal (words[1], "TRANSACTION"))
    return UPG_STATEMENT_CLASS_SESSION;
  return UPG_STATEMENT_CLASS_AUTOCOMMIT;
}

/*
 * upg_statement_transaction_verb:
 *
 * What a transaction-control statement does to a script's transaction
 * block: opens it (BEGIN, START TRANSACTION), ends it with its work
 * (COMMIT, END) or without (ROLLBACK, ABORT), or something else inside it
 * (SAVEPOINT, RELEASE, ROLLBACK TO, XA, COMMIT PREPARED…). MariaDB's
 * `BEGIN NOT ATOMIC` is a compound statement, `SET TRANSACTION` and
 * MySQL's `END` are not transaction control at all.
 */
UpgTransactionVerb
upg_statement_transaction_verb (const char *text,
                                UpgDialect  dialect)
{
  char words[6][24];

  leading_keywords (text, words, G_N_ELEMENTS (words));
  if (!word_in (words[0], transaction_words) ||
      (g_str_equal (words[0], "START") && !g_str_equal (words[1], "TRANSACTION")) ||
      (g_str_equal (words[0], "END") && dialect == UPG_DIALECT_MYSQL) ||
      (g_str_equal (words[0], "BEGIN") && g_str_equal (words[1], "NOT")))
    return UPG_TRANSACTION_VERB_NONE;
  if (g_str_equal (words[0], "BEGIN") || g_str_equal (words[0], "START"))
    return UPG_TRANSACTION_VERB_BEGIN;
  if (has_word (words, G_N_ELEMENTS (words), "TO") || g_str_equal (words[1], "PREPARED"))
    return UPG_TRANSACTION_VERB_OTHER;
  if (g_str_equal (words[0], "COMMIT") || g_str_equal (words[0], "END"))
    return UPG_TRANSACTION_VERB_COMMIT;
  if (g_str_equal (words[0], "ROLLBACK") || g_str_equal (words[0], "ABORT"))
    return UPG_TRANSACTION_VERB_ROLLBACK;
  return UPG_TRANSACTION_VERB_OTHER;
}

/*
 * upg_statement_chains:
 *
 * Whether a COMMIT or ROLLBACK opens the next transaction at once
 * (`COMMIT AND CHAIN`, `ROLLBACK WORK AND CHAIN`; MariaDB/MySQL and
 * PostgreSQL): the statements after it, up to the next COMMIT or
 * ROLLBACK, are then a transaction block of their own.
 */
gboolean
upg_statement_chains (const char *text,
                      UpgDialect  dialect)
{
  char words[5][24];
  UpgTransactionVerb verb = upg_statement_transaction_verb (text, dialect);

  if ((verb != UPG_TRANSACTION_VERB_COMMIT && verb != UPG_TRANSACTION_VERB_ROLLBACK) ||
      (dialect != UPG_DIALECT_MYSQL && dialect != UPG_DIALECT_POSTGRESQL))
    return FALSE;
  leading_keywords (text, words, G_N_ELEMENTS (words));
  return has_word (words, G_N_ELEMENTS (words), "CHAIN") && !has_word (words, G_N_ELEMENTS (words), "NO");
}

/*
 * upg_statement_sets_autocommit:
 *
 * MariaDB/MySQL: whether the statement sets the session's autocommit
 * (`SET autocommit = 0`, `SET SESSION autocommit=1`, `SET @@autocommit:=0`
 * …), which commits an open transaction or leaves the session without
 * commits.
 */
gboolean
upg_statement_sets_autocommit (const char *text,
                               UpgDialect  dialect)
{
  static gsize once;
  static GRegex *pattern;
  char words[1][24];

  if (dialect != UPG_DIALECT_MYSQL)
    return FALSE;
  leading_keywords (text, words, 1);
  if (!g_str_equal (words[0], "SET"))
    return FALSE;
  if (g_once_init_enter (&once))
    {
      pattern = g_regex_new ("\\bSET\\s+(?:(?:SESSION|LOCAL)\\s+)?(?:@@(?:SESSION\\.|LOCAL\\.)?)?"
                             "`?AUTOCOMMIT`?\\s*:?=", G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&once, 1);
    }
  return g_regex_match (pattern, text, 0, NULL);
}

UpgStatementClass
upg_statement_classify (const char *text,
                        UpgDialect  dialect)
{
  char words[6][24];

  leading_keywords (text, words, G_N_ELEMENTS (words));

  /* "START TRANSACTION" / "SET TRANSACTION …" differ: the latter only sets
   * the next transaction's characteristics (session). */
  if (upg_statement_transaction_verb (text, dialect) != UPG_TRANSACTION_VERB_NONE)
    return UPG_STATEMENT_CLASS_TRANSACTION_CONTROL;

  switch (dialect)
    {
    case UPG_DIALECT_SQLITE:
      return classify_sqlite (words);
    case UPG_DIALECT_POSTGRESQL:
      return classify_postgresql (words, G_N_ELEMENTS (words));
    case UPG_DIALECT_MYSQL:
      return classify_mysql (text, words);
    case UPG_DIALECT_OTHER:
    default:
      /* A libgda data source: no reliable transaction semantics known. */
      return UPG_STATEMENT_CLASS_AUTOCOMMIT;
    }
}

/*
 * upg_statement_table_lock_change:
 *
 * MySQL's LOCK TABLES keeps a session's tables locked until UNLOCK TABLES
 * (or a transaction starts, which releases them). Returns 1 for a
 * LOCK TABLE(S) statement, -1 for UNLOCK TABLE(S), 0 for anything else.
 */
int
upg_statement_table_lock_change (const char *text,
                                 UpgDialect  dialect)
{
  char words[2][24];

  if (dialect != UPG_DIALECT_MYSQL)
    return 0;
  leading_keywords (text, words, G_N_ELEMENTS (words));
  if (!g_str_equal (words[1], "TABLE") && !g_str_equal (words[1], "TABLES"))
    return 0;
  return g_str_equal (words[0], "LOCK") ? 1 : g_str_equal (words[0], "UNLOCK") ? -1 : 0;
}

/*
 * upg_error_is_transient:
 *
 * Whether running the same statement again may succeed: a lost connection
 * (the caller reconnects first) or a lock conflict (deadlock, lock wait
 * timeout, SQLite busy). A statement the server refused for what it says
 * (syntax, constraint, missing table) fails the same way every time, so it
 * is never retried: the operator fixes the cause and resumes.
 */
gboolean
upg_error_is_transient (const GError *error,
                        UpgDialect    dialect,
                        int           code,
                        const char   *sqlstate)
{
  if (error == NULL || error->domain != UPG_ERROR)
    return FALSE;
  if (error->code == UPG_ERROR_DATASOURCE)
    return TRUE;
  if (error->code != UPG_ERROR_SQL)
    return FALSE;

  switch (dialect)
    {
    case UPG_DIALECT_MYSQL:
      return code == 1205 || code == 1213;
    case UPG_DIALECT_POSTGRESQL:
      return g_strcmp0 (sqlstate, "40001") == 0 || g_strcmp0 (sqlstate, "40P01") == 0 ||
             g_strcmp0 (sqlstate, "55P03") == 0;
    case UPG_DIALECT_SQLITE:
      return (code & 0xff) == 5 || (code & 0xff) == 6;
    case UPG_DIALECT_OTHER:
    default:
      return FALSE;
    }
}
