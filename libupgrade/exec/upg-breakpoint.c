/* upg-breakpoint.c - where an execution stopped, as a value
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A plain boxed value, copied rather than shared: it is small, immutable
 * once made, and a binding's copy must not change under it when the
 * execution it came from goes on past its breakpoint.
 */
#include "config.h"

#include "upg-breakpoint-private.h"

/**
 * UpgBreakpoint:
 *
 * Where an execution stopped: the step, and for a SQL step the statement
 * (file, first line, sequence number, text) with the database's error.
 * Get it with upg_execution_get_breakpoint(); resume the execution with
 * upg_run_new_resume().
 */
struct _UpgBreakpoint
{
  char  *step_id;
  char  *file;
  guint  line;
  guint  sequence;
  char  *statement;
  char  *error_code;
  char  *error;
};

G_DEFINE_BOXED_TYPE (UpgBreakpoint, upg_breakpoint, upg_breakpoint_copy, upg_breakpoint_free)

/*
 * upg_breakpoint_new:
 * @step_id: the step that stopped
 * @file: (nullable): the SQL file, relative to the bundle
 * @line: the statement's first line in @file
 * @sequence: the statement's sequence number in @file (from 1)
 * @statement: (nullable): the statement's text
 * @error_code: (nullable): the database's error code or SQLSTATE
 * @error: (nullable): the error message
 *
 * Returns: (transfer full): a new breakpoint
 */
UpgBreakpoint *
upg_breakpoint_new (const char *step_id,
                    const char *file,
                    guint       line,
                    guint       sequence,
                    const char *statement,
                    const char *error_code,
                    const char *error)
{
  UpgBreakpoint *self = g_new0 (UpgBreakpoint, 1);

  self->step_id = g_strdup (step_id);
  self->file = g_strdup (file);
  self->line = line;
  self->sequence = sequence;
  self->statement = g_strdup (statement);
  self->error_code = g_strdup (error_code);
  self->error = g_strdup (error);
  return self;
}

/**
 * upg_breakpoint_copy:
 * @self: a breakpoint
 *
 * Copies @self.
 *
 * Returns: (transfer full): a copy of @self, to free with
 *   upg_breakpoint_free()
 */
UpgBreakpoint *
upg_breakpoint_copy (const UpgBreakpoint *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return upg_breakpoint_new (self->step_id, self->file, self->line, self->sequence, self->statement,
                             self->error_code, self->error);
}

/**
 * upg_breakpoint_free:
 * @self: (nullable): a breakpoint
 *
 * Frees @self (nothing for %NULL).
 */
void
upg_breakpoint_free (UpgBreakpoint *self)
{
  if (self == NULL)
    return;
  g_free (self->step_id);
  g_free (self->file);
  g_free (self->statement);
  g_free (self->error_code);
  g_free (self->error);
  g_free (self);
}

/**
 * upg_breakpoint_get_step_id:
 * @self: a breakpoint
 *
 * Gets the id of the step that stopped.
 *
 * Returns: (transfer none) (nullable): the step's id
 */
const char *
upg_breakpoint_get_step_id (const UpgBreakpoint *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->step_id;
}

/**
 * upg_breakpoint_get_file:
 * @self: a breakpoint
 *
 * Gets the SQL file of the statement that stopped, relative to the
 * bundle.
 *
 * Returns: (transfer none) (nullable): the file, or %NULL when the step
 *   that stopped runs no SQL file
 */
const char *
upg_breakpoint_get_file (const UpgBreakpoint *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->file;
}

/**
 * upg_breakpoint_get_line:
 * @self: a breakpoint
 *
 * Gets the first line of the statement that stopped, in its file.
 *
 * Returns: the line (from 1), or 0 without a statement
 */
guint
upg_breakpoint_get_line (const UpgBreakpoint *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->line;
}

/**
 * upg_breakpoint_get_sequence:
 * @self: a breakpoint
 *
 * Gets the sequence number of the statement that stopped, in its file.
 *
 * Returns: the sequence number (from 1), or 0 without a statement
 */
guint
upg_breakpoint_get_sequence (const UpgBreakpoint *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->sequence;
}

/**
 * upg_breakpoint_get_statement:
 * @self: a breakpoint
 *
 * Gets the text of the statement that stopped.
 *
 * Returns: (transfer none) (nullable): the statement
 */
const char *
upg_breakpoint_get_statement (const UpgBreakpoint *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->statement;
}

/**
 * upg_breakpoint_get_error_code:
 * @self: a breakpoint
 *
 * Gets the database's error code (MariaDB's number, PostgreSQL's SQLSTATE)
 * or the engine's code for the stop.
 *
 * Returns: (transfer none) (nullable): the error code
 */
const char *
upg_breakpoint_get_error_code (const UpgBreakpoint *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->error_code;
}

/**
 * upg_breakpoint_get_error:
 * @self: a breakpoint
 *
 * Gets the error message of the stop.
 *
 * Returns: (transfer none) (nullable): the error message
 */
const char *
upg_breakpoint_get_error (const UpgBreakpoint *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->error;
}
