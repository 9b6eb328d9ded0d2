/* upg-quality-rule-private.h - a data-quality rule of a manifest's checks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-bundle.h"
#include "upg-config.h"
#include "upg-json-private.h"

G_BEGIN_DECLS

/*
 * UpgQualityRule:
 * @id: the rule's id
 * @name: its name in the message locale (@id when it has none)
 * @database: the data source the query runs on
 * @sql: the query, which returns one count
 * @suggestion: (nullable): what to do when the rule does not pass
 * @threshold: the largest count that passes
 * @severity: %UPG_VERDICT_FAIL or %UPG_VERDICT_WARN, the verdict above @threshold
 * @min_version: (nullable): the rule runs when `from` or `to` is in
 *   [@min_version, @max_version]
 * @max_version: (nullable): see @min_version
 *
 * One object of `checks.data_quality` (SPEC §3, §4). The strings are the
 * JSON object's: the rule lives as long as the manifest does.
 */
typedef struct
{
  const char *id;
  const char *name;
  const char *database;
  const char *sql;
  const char *suggestion;
  guint64     threshold;
  UpgVerdict  severity;
  UpgVersion *min_version;
  UpgVersion *max_version;
} UpgQualityRule;

gboolean upg_quality_rule_read         (const UpgJsonCtx *ctx,
                                        JsonObject       *object,
                                        const char       *path,
                                        UpgQualityRule   *rule,
                                        GError          **error);
void     upg_quality_rule_clear        (UpgQualityRule   *rule);

void     upg_bundle_check_quality_rules (UpgBundle       *self,
                                         UpgConfig       *config,
                                         GPtrArray       *problems);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UpgQualityRule, upg_quality_rule_clear)

G_END_DECLS
