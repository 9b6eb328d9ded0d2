/* upg-sql-statement.c - one statement of a migration script
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-sql-statement.h"

struct _UpgSqlStatement
{
  gatomicrefcount ref_count;
  char *text;
  char *file;
  guint line;
  guint sequence;
  char *database;
  char *delimiter;
  char *sha256;
};

G_DEFINE_BOXED_TYPE (UpgSqlStatement, upg_sql_statement,
                     upg_sql_statement_ref, upg_sql_statement_unref)

/**
 * upg_sql_statement_new:
 * @text: the statement as sent to the server, without its delimiter
 * @file: the script it comes from, as given to the splitter
 * @line: 1-based line of the statement's first significant character
 * @sequence: 1-based position of the statement within @file
 * @database: (nullable): the data source named by the last
 *   `-- @database:` line before it, or %NULL for the step's database
 * @delimiter: (nullable): the delimiter that ended it (`;`, `$$`, `//`, …),
 *   or %NULL when the statement ran to the end of the file
 *
 * Creates a statement. The splitter creates them; this constructor serves
 * code that rebuilds a statement, e.g. from the journal.
 *
 * Returns: (transfer full): a new statement
 */
UpgSqlStatement *
upg_sql_statement_new (const char *text,
                       const char *file,
                       guint       line,
                       guint       sequence,
                       const char *database,
                       const char *delimiter)
{
  UpgSqlStatement *self;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (file != NULL, NULL);

  self = g_new0 (UpgSqlStatement, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->text = g_strdup (text);
  self->file = g_strdup (file);
  self->line = line;
  self->sequence = sequence;
  self->database = g_strdup (database);
  self->delimiter = g_strdup (delimiter);
  self->sha256 = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
  return self;
}

/**
 * upg_sql_statement_ref:
 * @self: a statement
 *
 * Takes a reference.
 *
 * Returns: (transfer full): @self
 */
UpgSqlStatement *
upg_sql_statement_ref (UpgSqlStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * upg_sql_statement_unref:
 * @self: (transfer full): a statement
 *
 * Drops a reference; the statement is freed with the last one.
 */
void
upg_sql_statement_unref (UpgSqlStatement *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->text);
  g_free (self->file);
  g_free (self->database);
  g_free (self->delimiter);
  g_free (self->sha256);
  g_free (self);
}

/**
 * upg_sql_statement_get_text:
 * @self: a statement
 *
 * The statement exactly as the native client sends it: without its
 * delimiter and surrounding whitespace, without the comments that precede
 * it, with the comments inside it kept as written.
 *
 * Returns: (transfer none): the text
 */
const char *
upg_sql_statement_get_text (const UpgSqlStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->text;
}

/**
 * upg_sql_statement_get_file:
 * @self: a statement
 *
 * Returns: (transfer none): the script's name, as given to the splitter
 */
const char *
upg_sql_statement_get_file (const UpgSqlStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->file;
}

/**
 * upg_sql_statement_get_line:
 * @self: a statement
 *
 * Returns: the 1-based line of the statement's first character that is
 *   neither whitespace nor part of a comment
 */
guint
upg_sql_statement_get_line (const UpgSqlStatement *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->line;
}

/**
 * upg_sql_statement_get_sequence:
 * @self: a statement
 *
 * Returns: the 1-based position of the statement in its file (empty
 *   statements are not counted)
 */
guint
upg_sql_statement_get_sequence (const UpgSqlStatement *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->sequence;
}

/**
 * upg_sql_statement_get_database:
 * @self: a statement
 *
 * Returns: (transfer none) (nullable): the data source chosen by the last
 *   `-- @database: <name>` line before the statement, or %NULL for the
 *   step's database
 */
const char *
upg_sql_statement_get_database (const UpgSqlStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->database;
}

/**
 * upg_sql_statement_get_delimiter:
 * @self: a statement
 *
 * Returns: (transfer none) (nullable): the delimiter that ended the
 *   statement, or %NULL if it ran to the end of the file
 */
const char *
upg_sql_statement_get_delimiter (const UpgSqlStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->delimiter;
}

/**
 * upg_sql_statement_get_sha256:
 * @self: a statement
 *
 * Returns: (transfer none): the SHA-256 of the text, lower-case hex
 */
const char *
upg_sql_statement_get_sha256 (const UpgSqlStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->sha256;
}
