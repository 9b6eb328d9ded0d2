/* upg-plugin-info.c - what the plugin manager knows about one plugin file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-plugin-info.h"

/**
 * UpgPluginInfo:
 *
 * A plugin file as its host described it: the descriptor's name, version
 * and component, the file, and for every type it provides the SPI
 * interfaces it implements and, for a data migration, which actions
 * (migrate, rollback, cleanup) it supports.
 */
struct _UpgPluginInfo
{
  GObject     parent_instance;

  char       *path;
  JsonObject *description;   /* as the host sent it */
  GPtrArray  *type_names;    /* NULL-terminated */
  GHashTable *interfaces;    /* type name → GStrv */
  GHashTable *actions;       /* type name → GStrv */
};

G_DEFINE_FINAL_TYPE (UpgPluginInfo, upg_plugin_info, G_TYPE_OBJECT)

static void
upg_plugin_info_finalize (GObject *object)
{
  UpgPluginInfo *self = UPG_PLUGIN_INFO (object);

  g_free (self->path);
  g_clear_pointer (&self->description, json_object_unref);
  g_ptr_array_unref (self->type_names);
  g_hash_table_unref (self->interfaces);
  g_hash_table_unref (self->actions);

  G_OBJECT_CLASS (upg_plugin_info_parent_class)->finalize (object);
}

static void
upg_plugin_info_class_init (UpgPluginInfoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_plugin_info_finalize;
}

static void
upg_plugin_info_init (UpgPluginInfo *self)
{
  self->type_names = g_ptr_array_new_with_free_func (g_free);
  self->interfaces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_strfreev);
  self->actions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_strfreev);
}

static GStrv
string_array (JsonObject *object,
              const char *member)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *node = json_object_get_member (object, member);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) &&
              json_node_get_value_type (element) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (element));
        }
    }
  return g_strv_builder_end (builder);
}

static gboolean
read_types (UpgPluginInfo *self,
            JsonArray     *types,
            GError       **error)
{
  for (guint i = 0; i < json_array_get_length (types); i++)
    {
      JsonNode *node = json_array_get_element (types, i);
      JsonObject *type;
      const char *name;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                       _("plugin '%s': description of type %u is not an object"), self->path, i);
          return FALSE;
        }
      type = json_node_get_object (node);
      name = json_object_get_string_member_with_default (type, "name", NULL);
      if (name == NULL)
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                       _("plugin '%s': type %u has no name"), self->path, i);
          return FALSE;
        }
      g_ptr_array_add (self->type_names, g_strdup (name));
      g_hash_table_insert (self->interfaces, g_strdup (name), string_array (type, "interfaces"));
      g_hash_table_insert (self->actions, g_strdup (name), string_array (type, "actions"));
    }
  return TRUE;
}

/**
 * upg_plugin_info_new_from_json:
 * @path: the plugin file
 * @node: the description the plugin host sent
 * @error: return location for a #GError
 *
 * Creates a plugin description from what the plugin host reported.
 *
 * Returns: (transfer full): the info, or %NULL with @error set
 *   (%UPG_ERROR_PLUGIN)
 */
UpgPluginInfo *
upg_plugin_info_new_from_json (const char  *path,
                               JsonNode    *node,
                               GError     **error)
{
  g_autoptr(UpgPluginInfo) self = NULL;
  JsonObject *object;
  JsonNode *types;

  g_return_val_if_fail (path != NULL, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                   _("plugin '%s': the host sent no description"), path);
      return NULL;
    }
  object = json_node_get_object (node);
  self = g_object_new (UPG_TYPE_PLUGIN_INFO, NULL);
  self->path = g_strdup (path);
  self->description = json_object_ref (object);
  if (json_object_get_string_member_with_default (object, "name", NULL) == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN, _("plugin '%s' has no name"), path);
      return NULL;
    }
  types = json_object_get_member (object, "types");
  if (types != NULL && JSON_NODE_HOLDS_ARRAY (types) &&
      !read_types (self, json_node_get_array (types), error))
    return NULL;
  g_ptr_array_add (self->type_names, NULL);
  return g_steal_pointer (&self);
}

/**
 * upg_plugin_info_to_json:
 * @self: a plugin info
 *
 * Describes the plugin as JSON, in the form `upgradectl --json plugins`
 * prints.
 *
 * Returns: (transfer full): `{"name", "version", "component", "file",
 *   "abi_version", "types": [{"name", "interfaces", "actions"}]}`
 */
JsonNode *
upg_plugin_info_to_json (UpgPluginInfo *self)
{
  g_autoptr(JsonObject) copy = json_object_new ();
  JsonNode *node;
  GList *members;

  g_return_val_if_fail (UPG_IS_PLUGIN_INFO (self), NULL);

  members = json_object_get_members (self->description);
  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (copy, l->data,
                            json_node_copy (json_object_get_member (self->description, l->data)));
  g_list_free (members);
  json_object_set_string_member (copy, "file", self->path);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, copy);
  return node;
}

static const char *
member (UpgPluginInfo *self,
        const char    *name)
{
  return json_object_get_string_member_with_default (self->description, name, NULL);
}

/**
 * upg_plugin_info_get_name:
 * @self: a plugin info
 *
 * Gets the plugin's name.
 *
 * Returns: (transfer none): the plugin's name
 */
const char *
upg_plugin_info_get_name (UpgPluginInfo *self)
{
  g_return_val_if_fail (UPG_IS_PLUGIN_INFO (self), NULL);
  return member (self, "name");
}

/**
 * upg_plugin_info_get_version:
 * @self: a plugin info
 *
 * Gets the plugin's own version.
 *
 * Returns: (transfer none) (nullable): the plugin's own version
 */
const char *
upg_plugin_info_get_version (UpgPluginInfo *self)
{
  g_return_val_if_fail (UPG_IS_PLUGIN_INFO (self), NULL);
  return member (self, "version");
}

/**
 * upg_plugin_info_get_component:
 * @self: a plugin info
 *
 * Gets the component the plugin belongs to.
 *
 * Returns: (transfer none) (nullable): the component the plugin belongs to
 */
const char *
upg_plugin_info_get_component (UpgPluginInfo *self)
{
  g_return_val_if_fail (UPG_IS_PLUGIN_INFO (self), NULL);
  return member (self, "component");
}

/**
 * upg_plugin_info_get_path:
 * @self: a plugin info
 *
 * Gets the plugin file.
 *
 * Returns: (transfer none): the plugin file
 */
const char *
upg_plugin_info_get_path (UpgPluginInfo *self)
{
  g_return_val_if_fail (UPG_IS_PLUGIN_INFO (self), NULL);
  return self->path;
}

/**
 * upg_plugin_info_get_abi_version:
 * @self: a plugin info
 *
 * Gets the SPI ABI version the plugin was built for.
 *
 * Returns: the SPI ABI version the plugin was built for
 */
guint
upg_plugin_info_get_abi_version (UpgPluginInfo *self)
{
  g_return_val_if_fail (UPG_IS_PLUGIN_INFO (self), 0);
  return (guint) json_object_get_int_member_with_default (self->description, "abi_version", 0);
}

/**
 * upg_plugin_info_get_type_names:
 * @self: a plugin info
 *
 * Gets the names of the types the plugin provides.
 *
 * Returns: (transfer none) (array zero-terminated=1): the names of the
 *   types the plugin provides
 */
const char * const *
upg_plugin_info_get_type_names (UpgPluginInfo *self)
{
  g_return_val_if_fail (UPG_IS_PLUGIN_INFO (self), NULL);
  return (const char * const *) self->type_names->pdata;
}

/**
 * upg_plugin_info_has_type:
 * @self: a plugin info
 * @type_name: a type name, e.g. `FtTaskStoreMigration`
 *
 * Tells whether the plugin provides a type.
 *
 * Returns: %TRUE if the plugin provides @type_name
 */
gboolean
upg_plugin_info_has_type (UpgPluginInfo *self,
                          const char    *type_name)
{
  g_return_val_if_fail (UPG_IS_PLUGIN_INFO (self), FALSE);
  return g_hash_table_contains (self->interfaces, type_name);
}

/**
 * upg_plugin_info_get_interfaces:
 * @self: a plugin info
 * @type_name: one of the plugin's types
 *
 * Gets the SPI interfaces @type_name implements (`UpgDataMigration`, …).
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): the SPI
 *   interfaces @type_name implements (`UpgDataMigration`, …), or %NULL if
 *   the plugin has no such type
 */
const char * const *
upg_plugin_info_get_interfaces (UpgPluginInfo *self,
                                const char    *type_name)
{
  g_return_val_if_fail (UPG_IS_PLUGIN_INFO (self), NULL);
  return g_hash_table_lookup (self->interfaces, type_name);
}

/**
 * upg_plugin_info_implements:
 * @self: a plugin info
 * @type_name: one of the plugin's types
 * @interface_name: an SPI interface name, e.g. `UpgResourceCheck`
 *
 * Tells whether one of the plugin's types implements an SPI interface.
 *
 * Returns: %TRUE if @type_name implements @interface_name
 */
gboolean
upg_plugin_info_implements (UpgPluginInfo *self,
                            const char    *type_name,
                            const char    *interface_name)
{
  const char * const *interfaces = upg_plugin_info_get_interfaces (self, type_name);

  return interfaces != NULL && g_strv_contains (interfaces, interface_name);
}

/**
 * upg_plugin_info_supports:
 * @self: a plugin info
 * @type_name: one of the plugin's types
 * @action: a migration action
 *
 * Tells whether one of the plugin's types supports a migration action.
 *
 * Returns: %TRUE if @type_name is a data migration that implements @action
 *   (a type without rollback reports it as unsupported)
 */
gboolean
upg_plugin_info_supports (UpgPluginInfo      *self,
                          const char         *type_name,
                          UpgMigrationAction  action)
{
  const char * const *actions;

  g_return_val_if_fail (UPG_IS_PLUGIN_INFO (self), FALSE);
  actions = g_hash_table_lookup (self->actions, type_name);
  return actions != NULL && g_strv_contains (actions, upg_migration_action_to_string (action));
}
