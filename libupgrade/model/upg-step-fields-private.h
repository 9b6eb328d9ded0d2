/* upg-step-fields-private.h - the fields of UpgStep, for its own files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Shared by upg-step.c (the object and its accessors) and
 * upg-step-read.c (reading a step from its manifest object), and by no
 * other file: everything else goes through the accessors.
 */
#pragma once

#include "upg-step-private.h"

G_BEGIN_DECLS

struct _UpgStep
{
  GObject      parent_instance;

  char        *id;
  char        *name;
  char        *description;
  char        *component;
  char        *database;
  UpgVersion  *version;
  UpgStage     stage;
  UpgStepKind  kind;
  gboolean     rollback;
  GStrv        sql_scripts;
  char        *class_name;
  JsonObject  *params;
  GStrv        command;
  UpgVersion  *compatible_version;
  guint        timeout;
  guint        retry_count;
  GStrv        site_ids;
  gboolean     is_common;
  GStrv        depends_on;
  guint        estimated_duration;
  guint64      data_volume;
  gboolean     double_write;
  GStrv        double_write_tables;  /* measured instead of data_volume */
  double       rate;
  guint        parallelism;
  char        *source_file;
  char        *json_path;
  gboolean     script_transaction;
  JsonObject  *json;
  UpgBatchedMigrationSpec *batched_migration;
  UpgBackupSpec *backup;      /* a backup step: its `backup` member */
  GPtrArray   *redis_commands;   /* of GStrv */
  char        *redis_pattern;
};

G_END_DECLS
