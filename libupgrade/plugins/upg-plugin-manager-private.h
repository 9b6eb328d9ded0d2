/* upg-plugin-manager-private.h - shared by the manager's scan and run halves
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-plugin-manager.h"
#include "upg-plugin-run-private.h"

G_BEGIN_DECLS

UpgPluginRunSpec *upg_plugin_manager_new_spec    (UpgPluginManager *self,
                                                  const char       *label,
                                                  const char       *what,
                                                  JsonNode         *request,
                                                  UpgContext       *context,
                                                  guint             timeout_seconds);
JsonObject       *upg_plugin_manager_data_sources_to_json (GPtrArray *sources);
GStrv             upg_plugin_manager_request_secrets (JsonNode *request);
JsonObject       *upg_plugin_manager_request_passwords (JsonNode  *request,
                                                        GStrv     *variables);
JsonNode         *upg_plugin_manager_new_request (UpgPluginManager *self,
                                                  const char       *op,
                                                  const char       *plugin_path,
                                                  UpgContext       *context,
                                                  const char       *member,
                                                  const char       *value);

G_END_DECLS
