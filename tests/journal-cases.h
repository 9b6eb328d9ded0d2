/* journal-cases.h - journal and lock tests shared by every dialect
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade.h>

#include "upg-journal-write-private.h"

G_BEGIN_DECLS

/* 2024-01-01 10:00:01 UTC, in ms: the clock the tests set. */
#define T0 G_GINT64_CONSTANT (1704103201000)

typedef struct _JournalBackend JournalBackend;

/* A database the tests may wipe: every connect() reaches the same one. */
struct _JournalBackend
{
  const char     *name;
  UpgConnection *(*connect) (JournalBackend  *backend,
                             GError         **error);
  gpointer        data;
};

UpgConnection *journal_backend_connect (JournalBackend *backend);
void           journal_backend_reset   (JournalBackend *backend);
UpgConnection *journal_backend_connect_at (JournalBackend *backend,
                                        guint           version,
                                        const char     *execution_id);
UpgJournal    *journal_backend_open    (JournalBackend *backend);
void           journal_backend_exec    (UpgConnection  *connection,
                                        const char     *sql);

void           journal_remove_tree     (const char     *path);
guint          journal_dead_pid        (void);
char          *journal_new_execution   (UpgJournal     *journal,
                                        const char     *site);
void           journal_cases_add       (JournalBackend *backend,
                                        const char     *prefix,
                                        const char     *path,
                                        GTestDataFunc   func);

void           journal_cases_register  (JournalBackend *backend);
void           record_cases_register   (JournalBackend *backend);
void           lock_cases_register     (JournalBackend *backend);
void           rate_cases_register     (JournalBackend *backend);
void           undo_cases_register     (JournalBackend *backend);

G_END_DECLS
