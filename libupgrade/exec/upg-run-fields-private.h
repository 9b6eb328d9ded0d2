/* upg-run-fields-private.h - the fields of UpgRun, for its own files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Shared by upg-run.c (the object: its properties and signals, its
 * options set before it starts, its execution) and upg-run-getters.c
 * (what the executor and the bindings read of it), and by no other
 * file: everything else goes through the accessors.
 */
#pragma once

#include "upg-run-private.h"

G_BEGIN_DECLS

struct _UpgRun
{
  GObject          parent_instance;

  UpgRunKind       kind;
  UpgVersion      *from;
  UpgVersion      *to;
  UpgStage         stage;
  char            *resume_id;
  UpgResumeAction  action;

  char            *site_id;
  char            *component;
  JsonObject      *env;
  gboolean         accept_changed;
  gboolean         new_execution;
  gboolean         forget;
  gboolean         skip_checks;
  char            *checks_by;
  gboolean         confirm;
  char            *confirmed_by;
  char            *confirm_via;
  UpgRunChecksFunc checks_func;
  gpointer         checks_data;
  GDestroyNotify   checks_destroy;

  gboolean         started;
  UpgExecution    *execution;
  UpgRunCurrent   *current;       /* the statement its stage is executing */
};

G_END_DECLS
