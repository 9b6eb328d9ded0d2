/* upg-journal-keys.c - the identities of statements and journal records
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One home for the keys the journal records and the targets' markers are
 * found by (upg-journal-markers.c, upg-journal-batch.c and
 * upg-journal-statements.c all build them here).
 */
#include "config.h"

#include <string.h>

#include "upg-journal-batch-private.h"

/**
 * upg_journal_statement_key_prefix: (skip)
 *
 * The script's part of its statements' keys: 48 hex digits of the
 * SHA-256 of the site, component, version, step and file, so that a key
 * indexes in a fixed width on every dialect.
 *
 * Returns: (transfer full): the prefix
 */
char *
upg_journal_statement_key_prefix (const char *site,
                                  const char *component,
                                  const char *version,
                                  const char *step_id,
                                  const char *file)
{
  g_autofree char *text = g_strdup_printf ("%s\x1f%s\x1f%s\x1f%s\x1f%s", site, component, version, step_id, file);
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);

  return g_strndup (sha, 48);
}

/**
 * upg_journal_statement_key: (skip)
 *
 * The statement's identity across executions of a site (schema v5):
 * its script's prefix, `:` and its sequence in ten digits. The keys of a
 * script sort in the order its statements run, so that the two indexes
 * on them (stmt_key, success_key) take each batch as an append instead of
 * a page here and there (a whole SHA-256 per statement dirtied a page per
 * record at each commit).
 *
 * Returns: (transfer full): the key (59 characters)
 */
char *
upg_journal_statement_key (const char *site,
                           const char *component,
                           const char *version,
                           const char *step_id,
                           const char *file,
                           guint       sequence)
{
  g_autofree char *prefix = upg_journal_statement_key_prefix (site, component, version, step_id, file);

  return upg_journal_statement_key_for (prefix, sequence);
}

/**
 * upg_journal_statement_key_for: (skip)
 *
 * Returns: (transfer full): the key of statement @sequence of the script
 *   of @prefix (from upg_journal_statement_key_prefix())
 */
char *
upg_journal_statement_key_for (const char *prefix,
                               guint       sequence)
{
  return g_strdup_printf ("%s:%010u", prefix, sequence);
}

/**
 * upg_journal_new_record_id: (skip)
 *
 * A statement record's id: a UUID laid out as version 7 (RFC 9562), the
 * first 48 bits the time in ms, so that the ids of one run sort roughly
 * in the order they were made and their primary key index takes appends.
 *
 * Returns: (transfer full): the id
 */
char *
upg_journal_new_record_id (void)
{
  guint64 ms = (guint64) g_get_real_time () / 1000;
  char *id = g_uuid_string_random ();   /* xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx */
  char stamp[13];

  g_snprintf (stamp, sizeof stamp, "%012" G_GINT64_MODIFIER "x", ms & G_GUINT64_CONSTANT (0xffffffffffff));
  memcpy (id, stamp, 8);
  memcpy (id + 9, stamp + 8, 4);
  id[14] = '7';
  return id;
}
