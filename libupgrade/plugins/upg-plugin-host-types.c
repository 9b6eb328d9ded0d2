/* upg-plugin-host-types.c - what the plugin host learns from a plugin's types
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-plugin-host-private.h"

/* The interfaces a plugin type may implement, with the method that runs a
 * check (NULL for UpgDataMigration, which is run by action). */
static const struct {
  GType     (*get_type) (void);
  const char *method;
} known_interfaces[] = {
  { upg_resource_check_get_type, "check" },
  { upg_data_quality_get_type, "check" },
  { upg_compatibility_get_type, "check" },
  { upg_duration_estimate_get_type, "estimate" },
  { upg_data_migration_get_type, NULL },
};

gboolean
upg_plugin_host_owns_type (const GType *types,
                           guint        n_types,
                           GType        type)
{
  for (guint i = 0; i < n_types; i++)
    if (types[i] == type)
      return TRUE;
  return FALSE;
}

const char *
upg_plugin_host_check_method (GType iface)
{
  for (guint i = 0; i < G_N_ELEMENTS (known_interfaces); i++)
    if (known_interfaces[i].get_type () == iface)
      return known_interfaces[i].method;
  return NULL;
}

GPtrArray *
upg_plugin_host_call_check (GObject       *object,
                            GType          iface,
                            UpgContext    *context,
                            GCancellable  *cancellable,
                            GError       **error)
{
  if (iface == UPG_TYPE_RESOURCE_CHECK)
    return upg_resource_check_check (UPG_RESOURCE_CHECK (object), context, cancellable, error);
  if (iface == UPG_TYPE_DATA_QUALITY)
    return upg_data_quality_check (UPG_DATA_QUALITY (object), context, cancellable, error);
  if (iface == UPG_TYPE_COMPATIBILITY)
    return upg_compatibility_check (UPG_COMPATIBILITY (object), context, cancellable, error);
  if (iface == UPG_TYPE_DURATION_ESTIMATE)
    return upg_duration_estimate_estimate (UPG_DURATION_ESTIMATE (object), context,
                                           cancellable, error);
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               _("'%s' is not a check interface"), g_type_name (iface));
  return NULL;
}

static void
describe_type (JsonBuilder *builder,
               GType        type)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, g_type_name (type));
  json_builder_set_member_name (builder, "interfaces");
  json_builder_begin_array (builder);
  for (guint i = 0; i < G_N_ELEMENTS (known_interfaces); i++)
    if (g_type_is_a (type, known_interfaces[i].get_type ()))
      json_builder_add_string_value (builder, g_type_name (known_interfaces[i].get_type ()));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "actions");
  json_builder_begin_array (builder);
  if (g_type_is_a (type, UPG_TYPE_DATA_MIGRATION) && G_TYPE_IS_INSTANTIATABLE (type) &&
      !G_TYPE_IS_ABSTRACT (type))
    {
      g_autoptr(GObject) object = g_object_new (type, NULL);

      for (UpgMigrationAction a = UPG_MIGRATION_ACTION_MIGRATE; a <= UPG_MIGRATION_ACTION_CLEANUP; a++)
        if (upg_data_migration_supports (UPG_DATA_MIGRATION (object), a))
          json_builder_add_string_value (builder, upg_migration_action_to_string (a));
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

JsonNode *
upg_plugin_host_describe (const UpgPluginDescriptor *descriptor,
                          const GType               *types,
                          guint                      n_types)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, descriptor->name);
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, descriptor->version);
  json_builder_set_member_name (builder, "component");
  json_builder_add_string_value (builder, descriptor->component);
  json_builder_set_member_name (builder, "abi_version");
  json_builder_add_int_value (builder, descriptor->abi_version);
  json_builder_set_member_name (builder, "types");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_types; i++)
    if (G_TYPE_IS_OBJECT (types[i]))
      describe_type (builder, types[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
