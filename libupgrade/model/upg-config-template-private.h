/* upg-config-template-private.h - `config` steps' templates and formats
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-config.h"
#include "upg-step-kinds-private.h"

G_BEGIN_DECLS

/* What a template's placeholders stand for (SPEC §4). */
typedef struct {
  const char *site_id;
  const char *from_version;
  const char *to_version;
  JsonObject *env;      /* nullable: the run's environment */
  UpgConfig  *config;   /* nullable: where data sources are looked up */
} UpgTemplateValues;

char     *upg_config_template_render  (const char              *text,
                                       gsize                    length,
                                       const char              *name,
                                       const UpgTemplateValues *values,
                                       GError                 **error);
char     *upg_config_template_problem (const char              *bundle_dir,
                                       const char              *template);
gboolean  upg_config_format_check     (UpgConfigFormat          format,
                                       const char              *text,
                                       gsize                    length,
                                       const char              *name,
                                       GError                 **error);

G_END_DECLS
