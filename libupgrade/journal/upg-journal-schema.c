/* upg-journal-schema.c - the journal's tables, version by version, and migrations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-journal-batch-private.h"
#include "upg-journal-private.h"
#include "upg-journal-schema-private.h"

/*
 * Every table is written once with type tokens that render per dialect
 * (@ID@, @NAME@, @TEXT@, @INT@: upg-journal-schema-ddl.c, which creates
 * what these tables list).
 *
 * Each migration is idempotent on its own (CREATE TABLE IF NOT EXISTS,
 * columns and indexes added only when absent) because MariaDB commits DDL
 * implicitly: a migration interrupted there is simply applied again.
 */

typedef struct {
  const char *table;
  const char *columns;
} TableDef;

typedef struct {
  const char *table;
  const char *column;
  const char *type;
} ColumnDef;

typedef struct {
  const char *name;
  const char *table;
  const char *columns;
  gboolean    unique;
} IndexDef;

typedef struct {
  guint            version;
  const TableDef  *tables;
  const ColumnDef *columns;
  const IndexDef  *indexes;
  gboolean       (*rewrite) (UpgConnection  *connection,
                             GError        **error);   /* of the data, after the DDL; or NULL */
} Migration;

static const TableDef v1_tables[] = {
  { "upgrade_execution",
    "id @ID@ NOT NULL PRIMARY KEY, site_id @ID@ NOT NULL, component @ID@,"
    " from_version @ID@ NOT NULL, to_version @ID@ NOT NULL, stage @ID@ NOT NULL,"
    " kind @ID@ NOT NULL, status @ID@ NOT NULL, owner @NAME@, started_at @INT@ NOT NULL,"
    " finished_at @INT@, resume_count @INT@ NOT NULL DEFAULT 0, env @TEXT@, error @TEXT@" },
  { "step_execution",
    "execution_id @ID@ NOT NULL, component @ID@ NOT NULL, version @ID@ NOT NULL,"
    " step_id @NAME@ NOT NULL, site_id @ID@ NOT NULL, stage @ID@ NOT NULL,"
    " status @ID@ NOT NULL, position @INT@ NOT NULL, started_at @INT@, finished_at @INT@,"
    " duration_ms @INT@, attempt @INT@ NOT NULL DEFAULT 0, error @TEXT@, skipped_because @ID@,"
    " PRIMARY KEY (execution_id, component, version, step_id)" },
  { "sql_execution_record",
    "id @ID@ NOT NULL PRIMARY KEY, execution_id @ID@ NOT NULL, site_id @ID@ NOT NULL,"
    " component @ID@ NOT NULL, version @ID@ NOT NULL, step_id @NAME@ NOT NULL,"
    " file @NAME@ NOT NULL, line @INT@ NOT NULL, sequence @INT@ NOT NULL,"
    " stmt_key @ID@ NOT NULL, statement @TEXT@ NOT NULL, sha256 @ID@ NOT NULL,"
    " database_name @NAME@, status @ID@ NOT NULL, started_at @INT@ NOT NULL,"
    " finished_at @INT@, duration_ms @INT@, affected_rows @INT@, error_code @ID@,"
    " error_message @TEXT@" },
  { "upgrade_breakpoint",
    "id @ID@ NOT NULL PRIMARY KEY, execution_id @ID@ NOT NULL, step_id @NAME@,"
    " file @NAME@, line @INT@, sequence @INT@, statement @TEXT@, error_code @ID@,"
    " error @TEXT@, created_at @INT@ NOT NULL, expires_at @INT@ NOT NULL,"
    " resolved @INT@ NOT NULL DEFAULT 0" },
  { "upgrade_report",
    "execution_id @ID@ NOT NULL, format @ID@ NOT NULL, body @TEXT@ NOT NULL,"
    " created_at @INT@ NOT NULL, PRIMARY KEY (execution_id, format)" },
  { "upgrade_lock",
    "site_id @ID@ NOT NULL PRIMARY KEY, execution_id @ID@ NOT NULL, token @ID@ NOT NULL,"
    " owner @NAME@ NOT NULL, host @NAME@ NOT NULL, pid @INT@ NOT NULL,"
    " acquired_at @INT@ NOT NULL, heartbeat_at @INT@ NOT NULL" },
  { NULL, NULL }
};

static const ColumnDef no_columns[] = { { NULL, NULL, NULL } };

static const IndexDef v1_indexes[] = {
  { "upgrade_execution_site", "upgrade_execution", "site_id, started_at", FALSE },
  { "step_execution_key", "step_execution", "site_id, component, version, step_id", FALSE },
  { "sql_execution_record_key", "sql_execution_record", "stmt_key", FALSE },
  { "sql_execution_record_execution", "sql_execution_record", "execution_id", FALSE },
  { "upgrade_breakpoint_execution", "upgrade_breakpoint", "execution_id", FALSE },
  { NULL, NULL, NULL, FALSE }
};

/* Version 2: checkpoints of resumable tool steps, and exactly-once
 * enforced by the database (one SUCCESS/SKIPPED record per statement). */
static const TableDef no_tables[] = { { NULL, NULL } };

static const ColumnDef v2_columns[] = {
  { "step_execution", "checkpoint", "@TEXT@" },
  { "sql_execution_record", "success_key", "@ID@" },
  { NULL, NULL, NULL }
};

static const IndexDef v2_indexes[] = {
  { "sql_execution_record_success", "sql_execution_record", "success_key", TRUE },
  { NULL, NULL, NULL, FALSE }
};

/* Version 3: a rollback undoes the successes of the steps it reverts (and
 * a later run those of an earlier rollback): `undone_by` names the
 * execution that did, so they stop counting as done. */
static const ColumnDef v3_columns[] = {
  { "step_execution", "undone_by", "@ID@" },
  { "sql_execution_record", "undone_by", "@ID@" },
  { NULL, NULL, NULL }
};

static const IndexDef v3_indexes[] = {
  { "sql_execution_record_undone", "sql_execution_record", "undone_by", FALSE },
  { NULL, NULL, NULL, FALSE }
};

/* Version 4: the live calibration of the running step (SPEC §3), so that
 * `status` in another process shows it: the step measured, its units, the
 * measured and configured rates (in thousandths of a unit per second: an
 * integer type is portable, a rate of 0.2 statements/s is not lost), their
 * deviation, the execution's revised remaining seconds and when the
 * measured rate replaced the configured one / when that remaining time
 * was computed (ms since the epoch). All NULL while no estimate was
 * revised. */
static const ColumnDef v4_columns[] = {
  { "upgrade_execution", "rate_step_id", "@NAME@" },
  { "upgrade_execution", "rate_units", "@ID@" },
  { "upgrade_execution", "rate_measured_milli", "@INT@" },
  { "upgrade_execution", "rate_configured_milli", "@INT@" },
  { "upgrade_execution", "rate_deviation_percent", "@INT@" },
  { "upgrade_execution", "rate_eta_seconds", "@INT@" },
  { "upgrade_execution", "rate_revised_at", "@INT@" },
  { "upgrade_execution", "rate_updated_at", "@INT@" },
  { NULL, NULL, NULL }
};

static const IndexDef no_indexes[] = { { NULL, NULL, NULL, FALSE } };

/* Version 5: statement keys are "<script prefix>:<sequence>" instead of
 * one SHA-256 of the whole identity (upg_journal_statement_key()): the
 * keys of older records are rewritten, else their statements would not be
 * found done (stmt_key), nor kept from succeeding twice (success_key). */
static gboolean rewrite_statement_keys (UpgConnection  *connection,
                                        GError        **error);

/* Version 6: the dumps of `backup` steps (SPEC §4) and the restores made
 * from them. A backup row is written RUNNING before its dump starts, so
 * that a dump killed half-way is known (its partial file removed, the
 * dump redone) and never listed as a backup; `row_counts` is a JSON
 * object (table → rows), `tables` a JSON array or NULL (the whole
 * database); `removed_at` is set when retention deleted its file. */
static const TableDef v6_tables[] = {
  { "upgrade_backup",
    "id @ID@ NOT NULL PRIMARY KEY, execution_id @ID@ NOT NULL, site_id @ID@ NOT NULL,"
    " component @ID@ NOT NULL, version @ID@ NOT NULL, step_id @NAME@ NOT NULL,"
    " database_name @NAME@ NOT NULL, provider @ID@ NOT NULL, tables @TEXT@, path @TEXT@ NOT NULL,"
    " status @ID@ NOT NULL, size_bytes @INT@, sha256 @ID@, row_counts @TEXT@, error @TEXT@,"
    " created_at @INT@ NOT NULL, finished_at @INT@, removed_at @INT@" },
  { "upgrade_restore",
    "id @ID@ NOT NULL PRIMARY KEY, backup_id @ID@ NOT NULL, table_name @NAME@, who @NAME@ NOT NULL,"
    " status @ID@ NOT NULL, started_at @INT@ NOT NULL, finished_at @INT@, error @TEXT@" },
  { NULL, NULL }
};

static const IndexDef v6_indexes[] = {
  { "upgrade_backup_site", "upgrade_backup", "site_id, created_at", FALSE },
  { "upgrade_backup_step", "upgrade_backup", "site_id, component, version, step_id", FALSE },
  { "upgrade_restore_backup", "upgrade_restore", "backup_id", FALSE },
  { NULL, NULL, NULL, FALSE }
};

/* Version 7: the confirmations of steps that need manual confirmation
 * (SPEC §3: no or an unmet `compatible_version`): who confirmed which step
 * of the plan (site, from, to), when, and how (`via`: "cli", "api"…). A
 * row is never updated: a step confirmed twice keeps both. */
static const TableDef v7_tables[] = {
  { "upgrade_confirmation",
    "id @ID@ NOT NULL PRIMARY KEY, site_id @ID@ NOT NULL, from_version @ID@ NOT NULL,"
    " to_version @ID@ NOT NULL, component @ID@ NOT NULL, version @ID@ NOT NULL,"
    " step_id @NAME@ NOT NULL, confirmed_by @NAME@ NOT NULL, via @ID@ NOT NULL,"
    " confirmed_at @INT@ NOT NULL, execution_id @ID@" },
  { NULL, NULL }
};

static const IndexDef v7_indexes[] = {
  { "upgrade_confirmation_plan", "upgrade_confirmation", "site_id, from_version, to_version", FALSE },
  { NULL, NULL, NULL, FALSE }
};

/* Version 8: what an operator did at each breakpoint (issue #12: reports
 * list what was retried or skipped, by whom and when): the resume's
 * action (`retry`, `skip`, `continue`), who (`user@host`) and when (ms
 * since the epoch). NULL while the breakpoint was not resumed from. */
static const ColumnDef v8_columns[] = {
  { "upgrade_breakpoint", "resume_action", "@ID@" },
  { "upgrade_breakpoint", "resumed_by", "@NAME@" },
  { "upgrade_breakpoint", "resumed_at", "@INT@" },
  { NULL, NULL, NULL }
};

/* Version 9: the deliveries of `notify` events (SPEC §7): one row per
 * event and webhook, written SENDING before the first attempt and
 * finished DELIVERED or FAILED with the number of attempts, the last HTTP
 * status (NULL: no answer) and the last error. `execution_id` is NULL
 * for `confirmation_required`, which stops a stage before any execution
 * exists; `url` is stored without its password. */
static const TableDef v9_tables[] = {
  { "upgrade_notification",
    "id @ID@ NOT NULL PRIMARY KEY, execution_id @ID@, site_id @ID@ NOT NULL,"
    " from_version @ID@, to_version @ID@, stage @ID@, event @ID@ NOT NULL, url @TEXT@ NOT NULL,"
    " status @ID@ NOT NULL, attempts @INT@ NOT NULL DEFAULT 0, http_status @INT@, error @TEXT@,"
    " created_at @INT@ NOT NULL, finished_at @INT@" },
  { NULL, NULL }
};

/* Version 10: the files `config` steps replaced (SPEC §4): where the
 * previous file is kept (NULL: there was none), the SHA-256 of the
 * previous and of the rendered content, the mode and owner to put back,
 * and whether the replacement is under way (RUNNING), done (APPLIED) or
 * undone by a rollback (RESTORED). */
static const TableDef v10_tables[] = {
  { "upgrade_config_file",
    "id @ID@ NOT NULL PRIMARY KEY, execution_id @ID@ NOT NULL, site_id @ID@ NOT NULL,"
    " component @ID@ NOT NULL, version @ID@ NOT NULL, step_id @NAME@ NOT NULL, target @TEXT@ NOT NULL,"
    " kept_path @TEXT@, old_sha256 @ID@, new_sha256 @ID@ NOT NULL, mode @INT@ NOT NULL, uid @INT@ NOT NULL,"
    " gid @INT@ NOT NULL, status @ID@ NOT NULL, created_at @INT@ NOT NULL, finished_at @INT@,"
    " restored_at @INT@" },
  { NULL, NULL }
};

/* Version 11: runs of a later stage that an operator let through although
 * a check stage had not passed (`run --skip-checks`, SPEC §3): which
 * check stage, why it had not passed, who decided and when. */
static const TableDef v11_tables[] = {
  { "upgrade_check_skip",
    "id @ID@ NOT NULL PRIMARY KEY, execution_id @ID@ NOT NULL, site_id @ID@ NOT NULL,"
    " from_version @ID@ NOT NULL, to_version @ID@ NOT NULL, stage @ID@ NOT NULL,"
    " check_stage @ID@ NOT NULL, reason @TEXT@ NOT NULL, skipped_by @NAME@ NOT NULL,"
    " skipped_at @INT@ NOT NULL" },
  { NULL, NULL }
};

/* Version 12: the statement the running execution has been executing for
 * a while (issue #12: a statement blocked by a lock left `status` of
 * another process without a position): its step, file, line and sequence
 * in the file, when it was sent (ms since the epoch), the statements of
 * the stage done and in all, and the remaining seconds estimated when it
 * was sent (NULL: unknown). Written once per statement that runs longer
 * than a second, cleared when it ends; all NULL otherwise. */
static const ColumnDef v12_columns[] = {
  { "upgrade_execution", "current_step_id", "@NAME@" },
  { "upgrade_execution", "current_file", "@NAME@" },
  { "upgrade_execution", "current_line", "@INT@" },
  { "upgrade_execution", "current_sequence", "@INT@" },
  { "upgrade_execution", "current_started_at", "@INT@" },
  { "upgrade_execution", "current_done", "@INT@" },
  { "upgrade_execution", "current_total", "@INT@" },
  { "upgrade_execution", "current_eta_seconds", "@INT@" },
  { NULL, NULL, NULL }
};

/* Version 13: what kind of object each one a backup holds is (a JSON
 * object name → "table", "view", "materialized-view"…; NULL: tables
 * only, as the dumps of MariaDB, PostgreSQL and SQLite are), so that the
 * views and dictionaries of a ClickHouse backup are listed as what they
 * are. */
static const ColumnDef v13_columns[] = {
  { "upgrade_backup", "objects", "@TEXT@" },
  { NULL, NULL, NULL }
};

/* Version 14: what an execution is running when it is not a statement
 * of a file (NULL then, current_file set): a command step's command line
 * (secrets cut), a batched migration's batch (table and key range), for
 * `status` of another process. */
static const ColumnDef v14_columns[] = {
  { "upgrade_execution", "current_task", "@TEXT@" },
  { NULL, NULL, NULL }
};

static const IndexDef v9_indexes[] = {
  { "upgrade_notification_execution", "upgrade_notification", "execution_id", FALSE },
  { "upgrade_notification_site", "upgrade_notification", "site_id, created_at", FALSE },
  { NULL, NULL, NULL, FALSE }
};

static const IndexDef v10_indexes[] = {
  { "upgrade_config_file_step", "upgrade_config_file", "site_id, component, version, step_id", FALSE },
  { NULL, NULL, NULL, FALSE }
};

static const IndexDef v11_indexes[] = {
  { "upgrade_check_skip_plan", "upgrade_check_skip", "site_id, from_version, to_version", FALSE },
  { NULL, NULL, NULL, FALSE }
};

static const Migration migrations[] = {
  { 1, v1_tables, no_columns, v1_indexes, NULL },
  { 2, no_tables, v2_columns, v2_indexes, NULL },
  { 3, no_tables, v3_columns, v3_indexes, NULL },
  { 4, no_tables, v4_columns, no_indexes, NULL },
  { 5, no_tables, no_columns, no_indexes, rewrite_statement_keys },
  { 6, v6_tables, no_columns, v6_indexes, NULL },
  { 7, v7_tables, no_columns, v7_indexes, NULL },
  { 8, no_tables, v8_columns, no_indexes, NULL },
  { 9, v9_tables, no_columns, v9_indexes, NULL },
  { 10, v10_tables, no_columns, v10_indexes, NULL },
  { 11, v11_tables, no_columns, v11_indexes, NULL },
  { 12, no_tables, v12_columns, no_indexes, NULL },
  { 13, no_tables, v13_columns, no_indexes, NULL },
  { 14, no_tables, v14_columns, no_indexes, NULL },
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == UPG_JOURNAL_SCHEMA_VERSION);

static gboolean
apply (UpgConnection    *connection,
       const Migration  *migration,
       gint64            now_ms,
       GError          **error)
{
  g_autofree char *version = upg_journal_int_text (migration->version);
  g_autofree char *now = upg_journal_int_text (now_ms);
  const char *values[] = { version, now };
  gboolean added;

  for (const TableDef *t = migration->tables; t->table != NULL; t++)
    if (!upg_journal_schema_ensure_table (connection, t->table, t->columns, error))
      return FALSE;
  for (const ColumnDef *c = migration->columns; c->table != NULL; c++)
    if (!upg_journal_schema_ensure_column_added (connection, c->table, c->column, c->type, &added, error))
      return FALSE;
  for (const IndexDef *i = migration->indexes; i->name != NULL; i++)
    if (!upg_journal_schema_ensure_index (connection, i->name, i->table, i->columns, i->unique, error))
      return FALSE;
  if (migration->rewrite != NULL && !migration->rewrite (connection, error))
    return FALSE;

  return upg_journal_sql_exec (connection,
                               "INSERT INTO upgrade_schema_version (version, applied_at) VALUES (?, ?)",
                               values, 2, error);
}

/* The new key of a row, from its script's prefix (a parameter) and its
 * sequence in ten digits, in each dialect's words. */
static const char *
new_key_sql (UpgDialect dialect)
{
  switch (dialect)
    {
    case UPG_DIALECT_MYSQL:
      return "CONCAT(?, ':', LPAD(sequence, 10, '0'))";
    case UPG_DIALECT_POSTGRESQL:
      return "CAST(? AS TEXT) || ':' || LPAD(CAST(sequence AS TEXT), 10, '0')";
    default:
      return "CAST(? AS TEXT) || ':' || printf('%010d', sequence)";
    }
}

/* One UPDATE per script. A key already rewritten holds a ':' (a SHA-256
 * in hex never does) and is left: on MariaDB, whose DDL keeps this out of
 * one transaction, an interrupted rewrite is simply done again. */
static gboolean
rewrite_statement_keys (UpgConnection  *connection,
                        GError        **error)
{
  const char *key = new_key_sql (upg_connection_get_dialect (connection));
  g_autofree char *sql = g_strdup_printf ("UPDATE sql_execution_record SET stmt_key = %s,"
                                          " success_key = CASE WHEN success_key IS NULL THEN NULL ELSE %s END"
                                          " WHERE site_id = ? AND component = ? AND version = ? AND step_id = ?"
                                          " AND file = ? AND stmt_key NOT LIKE '%%:%%'", key, key);
  g_autoptr(UpgRows) scripts =
    upg_journal_sql_query (connection, "SELECT DISTINCT site_id, component, version, step_id, file"
                                       " FROM sql_execution_record WHERE stmt_key NOT LIKE '%:%'",
                           NULL, 0, error);

  if (scripts == NULL)
    return FALSE;
  for (guint i = 0; i < upg_rows_get_n_rows (scripts); i++)
    {
      const char *site = upg_rows_get_value (scripts, i, 0), *component = upg_rows_get_value (scripts, i, 1);
      const char *version = upg_rows_get_value (scripts, i, 2), *step = upg_rows_get_value (scripts, i, 3);
      const char *file = upg_rows_get_value (scripts, i, 4);
      g_autofree char *prefix = upg_journal_statement_key_prefix (site, component, version, step, file);
      const char *values[] = { prefix, prefix, site, component, version, step, file };

      if (!upg_journal_sql_exec (connection, sql, values, G_N_ELEMENTS (values), error))
        return FALSE;
    }
  return TRUE;
}

/**
 * upg_journal_schema_get_version: (skip)
 *
 * Returns: the journal schema version in @connection's database, 0 when
 *   it has none yet, or %G_MAXUINT on error
 */
guint
upg_journal_schema_get_version (UpgConnection  *connection,
                                GError        **error)
{
  gboolean found = FALSE;
  g_autoptr(UpgRows) rows = NULL;

  if (!upg_journal_schema_table_exists (connection, "upgrade_schema_version", &found, error))
    return G_MAXUINT;
  if (!found)
    return 0;
  rows = upg_journal_sql_query (connection, "SELECT MAX(version) FROM upgrade_schema_version",
                                NULL, 0, error);
  if (rows == NULL)
    return G_MAXUINT;
  return (guint) upg_rows_get_int (rows, 0, 0, 0);
}

/* Serialises migrations between processes: a write transaction on SQLite,
 * a transaction-scoped advisory lock on PostgreSQL, a named lock on
 * MariaDB (whose DDL cannot be inside a transaction). */
static gboolean
serialise_begin (UpgConnection  *connection,
                 GError        **error)
{
  g_autoptr(UpgRows) rows = NULL;

  switch (upg_connection_get_dialect (connection))
    {
    case UPG_DIALECT_MYSQL:
      rows = upg_journal_sql_query (connection, "SELECT GET_LOCK('libupgrade_journal_schema', 60)",
                                    NULL, 0, error);
      if (rows == NULL)
        return FALSE;
      if (upg_rows_get_int (rows, 0, 0, 0) != 1)
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_JOURNAL,
                       _("journal '%s': another process kept the schema migration lock for 60 s"),
                       upg_connection_get_name (connection));
          return FALSE;
        }
      return TRUE;
    case UPG_DIALECT_POSTGRESQL:
      if (!upg_journal_sql_begin (connection, error))
        return FALSE;
      rows = upg_journal_sql_query (connection, "SELECT pg_advisory_xact_lock(1970300786)",
                                    NULL, 0, error);
      if (rows == NULL)
        upg_journal_sql_rollback (connection);
      return rows != NULL;
    default:
      return upg_journal_sql_begin (connection, error);
    }
}

static gboolean
serialise_end (UpgConnection  *connection,
               gboolean        ok,
               GError        **error)
{
  if (upg_connection_get_dialect (connection) == UPG_DIALECT_MYSQL)
    {
      g_autoptr(UpgRows) rows =
        upg_journal_sql_query (connection, "SELECT RELEASE_LOCK('libupgrade_journal_schema')",
                               NULL, 0, ok ? error : NULL);
      return ok && rows != NULL;
    }
  if (!ok)
    {
      upg_journal_sql_rollback (connection);
      return FALSE;
    }
  return upg_journal_sql_commit (connection, error);
}

static gboolean
check_not_foreign (UpgConnection  *connection,
                   GError        **error)
{
  gboolean versioned = FALSE;
  gboolean foreign = FALSE;

  if (!upg_journal_schema_table_exists (connection, "upgrade_schema_version", &versioned, error)
      || !upg_journal_schema_table_exists (connection, "upgrade_execution", &foreign, error))
    return FALSE;
  if (!versioned && foreign)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_JOURNAL,
                   _("journal '%s': table upgrade_execution exists but upgrade_schema_version "
                     "does not; these tables were not created by libupgrade"),
                   upg_connection_get_name (connection));
      return FALSE;
    }
  return TRUE;
}

static gboolean
migrate_locked (UpgConnection  *connection,
                guint           target_version,
                gint64          now_ms,
                guint          *version_out,
                GError        **error)
{
  guint current;

  if (!check_not_foreign (connection, error)
      || !upg_journal_schema_ensure_table (connection, "upgrade_schema_version",
                                           "version @INT@ NOT NULL PRIMARY KEY,"
                                           " applied_at @INT@ NOT NULL", error))
    return FALSE;
  /* Read again under the lock: another process may have migrated meanwhile. */
  current = upg_journal_schema_get_version (connection, error);
  if (current == G_MAXUINT)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (migrations); i++)
    if (migrations[i].version > current && migrations[i].version <= target_version
        && !apply (connection, &migrations[i], now_ms, error))
      return FALSE;
  *version_out = MAX (current, target_version);
  return TRUE;
}

/**
 * upg_journal_schema_migrate: (skip)
 *
 * Brings the journal tables in @connection's database to @target_version
 * (normally %UPG_JOURNAL_SCHEMA_VERSION; tests ask for older ones). Safe
 * when several processes open the same journal at once.
 */
gboolean
upg_journal_schema_migrate (UpgConnection  *connection,
                            guint           target_version,
                            gint64          now_ms,
                            guint          *version_out,
                            GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  guint current;
  gboolean ok;

  g_return_val_if_fail (target_version <= UPG_JOURNAL_SCHEMA_VERSION, FALSE);

  current = upg_journal_schema_get_version (connection, error);
  if (current == G_MAXUINT)
    return FALSE;
  if (current > UPG_JOURNAL_SCHEMA_VERSION)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_JOURNAL,
                   _("journal '%s' has schema version %u, newer than the %u this libupgrade "
                     "knows; use a newer libupgrade"),
                   upg_connection_get_name (connection), current, UPG_JOURNAL_SCHEMA_VERSION);
      return FALSE;
    }
  if (current >= target_version)
    {
      *version_out = current;
      return TRUE;
    }

  if (!serialise_begin (connection, error))
    return FALSE;
  ok = migrate_locked (connection, target_version, now_ms, version_out, &local_error);
  ok = serialise_end (connection, ok, local_error == NULL ? &local_error : NULL);
  if (!ok)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "migrating the journal schema to version %u: ", target_version);
      return FALSE;
    }
  return TRUE;
}
