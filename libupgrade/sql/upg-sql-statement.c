/* upg-sql-statement.c - one statement of a migration script
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "upg-sql-statement-private.h"

struct _UpgSqlStatement
{
  gatomicrefcount ref_count;
  char *text;
  /* GRefStrings: a script's statements share them. */
  char *file;
  char *database;
  char *delimiter;
  guint line;
  guint sequence;
  char *sha256;             /* upg_sql_statement_get_sha256() only: the engine keeps none */
};

static void
release_ref_string (char *str)
{
  if (str != NULL)
    g_ref_string_release (str);
}

static char *
acquire_ref_string (char *str)
{
  return str != NULL ? g_ref_string_acquire (str) : NULL;
}

/* Takes @text; shares the ref-strings @file, @database and @delimiter. */
UpgSqlStatement *
upg_sql_statement_new_take (char  *text,
                            char  *file,
                            guint  line,
                            guint  sequence,
                            char  *database,
                            char  *delimiter)
{
  UpgSqlStatement *self = g_new0 (UpgSqlStatement, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->text = text;
  self->file = acquire_ref_string (file);
  self->database = acquire_ref_string (database);
  self->delimiter = acquire_ref_string (delimiter);
  self->line = line;
  self->sequence = sequence;
  return self;
}

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
  g_autoptr(GRefString) file_ref = NULL;
  g_autoptr(GRefString) database_ref = NULL;
  g_autoptr(GRefString) delimiter_ref = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (file != NULL, NULL);

  file_ref = g_ref_string_new (file);
  database_ref = database ? g_ref_string_new (database) : NULL;
  delimiter_ref = delimiter ? g_ref_string_new (delimiter) : NULL;
  return upg_sql_statement_new_take (g_strdup (text), file_ref, line, sequence,
                                     database_ref, delimiter_ref);
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
  release_ref_string (self->file);
  release_ref_string (self->database);
  release_ref_string (self->delimiter);
  g_free (self->sha256);
  g_free (self);
}

/**
 * upg_sql_statement_get_text:
 * @self: a statement
 *
 * The statement as the native client sends it: without its delimiter and
 * surrounding whitespace, without the comments that precede it (except
 * PostgreSQL block comments, which psql sends), with the comments inside
 * it kept as written.
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
 * Gets the script's name, as given to the splitter.
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
 * Gets the 1-based line of the statement's first character that is neither
 * whitespace nor part of a comment.
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
 * Gets the 1-based position of the statement in its file.
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
 * Gets the data source chosen by the last `-- @database: <name>` line before
 * the statement.
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
 * Gets the delimiter that ended the statement.
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

/*
 * upg_sql_statement_sha256_into:
 * @self: a statement
 * @out: where the hex text goes
 *
 * The SHA-256 of the text, lower-case hex, computed each time and kept by
 * the caller: what the engine uses. A script's statements live as long as
 * the run, so a hash cached in each statement it executes (80 bytes of
 * heap) made the run grow with every statement (issue #13).
 */
void
upg_sql_statement_sha256_into (const UpgSqlStatement *self,
                               char                   out[UPG_SQL_STATEMENT_SHA256_SIZE])
{
  static const char hex[] = "0123456789abcdef";
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  g_checksum_update (checksum, (const guchar *) self->text, strlen (self->text));
  g_checksum_get_digest (checksum, digest, &digest_len);
  for (gsize i = 0; i < sizeof digest; i++)
    {
      out[2 * i] = hex[digest[i] >> 4];
      out[2 * i + 1] = hex[digest[i] & 0xf];
    }
  out[2 * sizeof digest] = '\0';
}

/**
 * upg_sql_statement_get_sha256:
 * @self: a statement
 *
 * Gets the SHA-256 of the text, lower-case hex. The first call computes
 * it and keeps it in the statement for the statement's lifetime.
 *
 * Returns: (transfer none): the SHA-256 of the text, lower-case hex
 */
const char *
upg_sql_statement_get_sha256 (const UpgSqlStatement *self)
{
  /* The statement is immutable: the hash is a cache that a const getter
   * may fill; a racing thread's copy is dropped. */
  UpgSqlStatement *mutable_self = (UpgSqlStatement *) self;
  char *text;

  g_return_val_if_fail (self != NULL, NULL);

  if ((text = g_atomic_pointer_get (&mutable_self->sha256)) != NULL)
    return text;

  text = g_new (char, UPG_SQL_STATEMENT_SHA256_SIZE);
  upg_sql_statement_sha256_into (self, text);
  if (!g_atomic_pointer_compare_and_exchange (&mutable_self->sha256, NULL, text))
    {
      g_free (text);
      text = g_atomic_pointer_get (&mutable_self->sha256);
    }
  return text;
}

/*
 * upg_sql_statement_dup_stored_text:
 * @self: a statement
 *
 * The text to store where the statement is referred to after its own
 * journal record (breakpoint, report): the whole text up to
 * UPG_SQL_STATEMENT_STORED_MAX bytes; above, its beginning and a note
 * saying where the whole text is, so that a huge statement (a dump's
 * multi-megabyte INSERT) is stored once, in its record.
 *
 * Returns: (transfer full): the text to store
 */
char *
upg_sql_statement_dup_stored_text (const UpgSqlStatement *self)
{
  gsize length = strlen (self->text);
  const char *end;
  char sha256[UPG_SQL_STATEMENT_SHA256_SIZE];

  if (length <= UPG_SQL_STATEMENT_STORED_MAX)
    return g_strdup (self->text);
  upg_sql_statement_sha256_into (self, sha256);
  /* Cut at a character boundary: the journal holds UTF-8. */
  end = g_utf8_find_prev_char (self->text, self->text + UPG_SQL_STATEMENT_EXCERPT + 1);
  return g_strdup_printf ("%.*s\n… (%" G_GSIZE_FORMAT " bytes in all; the whole text is in the statement's "
                          "journal record, SHA-256 %s)", (int) (end - self->text), self->text, length,
                          sha256);
}

