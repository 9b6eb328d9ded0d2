/* upg-plan.c - the ordered steps that take one site from one version to another
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"
#include <glib/gi18n-lib.h>

#include "upg-bundle-private.h"
#include "upg-plan.h"
#include "upg-plan-order-private.h"

/**
 * UpgPlan:
 *
 * The upgrade path `from → to` for one site (SPEC §3 Plan, Compatibility):
 * every manifest with from < version ≤ to in version order, their steps
 * filtered by site and ordered by stage, manifest, declaration and
 * `depends_on`.
 *
 * A `depends_on` id must be defined by some manifest of the bundle. A
 * dependency on a step that does not run in this plan (applied with an
 * earlier version, or meant for other sites) or that runs at an earlier
 * stage is already satisfied; one on a step of a later stage is an error.
 *
 * A step is compatible iff it declares `compatible_version` and `from` is
 * at or above it; this holds for every kind and every stage, check stages
 * included, so a manifest author states compatibility explicitly.
 */
struct _UpgPlan
{
  GObject      parent_instance;

  UpgBundle   *bundle;
  UpgVersion  *from;
  UpgVersion  *to;
  char        *site_id;
  UpgPlanMode  mode;
  GPtrArray   *manifests;
  GPtrArray   *source_versions;
  GPtrArray   *steps[UPG_N_STAGES];
  GPtrArray   *rollback_steps[UPG_N_STAGES];
  GPtrArray   *incompatible;
  GHashTable  *reasons;
};

G_DEFINE_FINAL_TYPE (UpgPlan, upg_plan, G_TYPE_OBJECT)

static void
upg_plan_finalize (GObject *object)
{
  UpgPlan *self = UPG_PLAN (object);

  g_clear_object (&self->bundle);
  g_clear_pointer (&self->from, upg_version_free);
  g_clear_pointer (&self->to, upg_version_free);
  g_free (self->site_id);
  g_ptr_array_unref (self->manifests);
  g_ptr_array_unref (self->source_versions);
  for (guint i = 0; i < UPG_N_STAGES; i++)
    {
      g_clear_pointer (&self->steps[i], g_ptr_array_unref);
      g_ptr_array_unref (self->rollback_steps[i]);
    }
  g_ptr_array_unref (self->incompatible);
  g_hash_table_unref (self->reasons);

  G_OBJECT_CLASS (upg_plan_parent_class)->finalize (object);
}

static void
upg_plan_class_init (UpgPlanClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_plan_finalize;
}

static void
upg_plan_init (UpgPlan *self)
{
  self->manifests = g_ptr_array_new_with_free_func (g_object_unref);
  self->source_versions = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_version_free);
  for (guint i = 0; i < UPG_N_STAGES; i++)
    self->rollback_steps[i] = g_ptr_array_new_with_free_func (g_object_unref);
  self->incompatible = g_ptr_array_new_with_free_func (g_object_unref);
  self->reasons = g_hash_table_new_full (NULL, NULL, NULL, g_free);
}

/* A patch applies on its base, which the site has or the plan brings. */
static gboolean
check_base (UpgPlan     *self,
            UpgManifest *manifest,
            GError     **error)
{
  const UpgVersion *base = upg_manifest_get_base_version (manifest);
  g_autofree char *version = NULL;
  g_autofree char *base_text = NULL;
  g_autofree char *from = NULL;

  if (base == NULL || upg_version_compare (base, self->from) <= 0)
    return TRUE;
  for (guint i = 0; i < self->manifests->len; i++)
    if (upg_version_equal (upg_manifest_get_version (self->manifests->pdata[i]), base))
      return TRUE;
  version = upg_version_to_string (upg_manifest_get_version (manifest));
  base_text = upg_version_to_string (base);
  from = upg_version_to_string (self->from);
  g_set_error (error, UPG_ERROR, UPG_ERROR_PLAN,
               _("%s: patch %s applies on %s, which is neither installed "
               "(the site is at %s) nor in the bundle's plan"),
               upg_manifest_get_path (manifest), version, base_text, from);
  return FALSE;
}

/* dependencies.min/max_source_version against the version the site is at. */
static gboolean
check_source (UpgManifest      *manifest,
              const UpgVersion *at,
              GError          **error)
{
  const UpgVersion *min = upg_manifest_get_min_source_version (manifest);
  const UpgVersion *max = upg_manifest_get_max_source_version (manifest);
  gboolean low = min != NULL && upg_version_compare (at, min) < 0;
  g_autofree char *at_text = NULL;
  g_autofree char *version = NULL;
  g_autofree char *bound = NULL;

  if (!low && (max == NULL || upg_version_compare (at, max) <= 0))
    return TRUE;
  at_text = upg_version_to_string (at);
  version = upg_version_to_string (upg_manifest_get_version (manifest));
  bound = upg_version_to_string (low ? min : max);
  g_set_error (error, UPG_ERROR, UPG_ERROR_PLAN,
               _("%s: version %s needs the site at %s %s, but it is at %s "
               "when this manifest applies: gap between %s and %s"),
               upg_manifest_get_path (manifest), version,
               low ? _("at least") : _("at most"), bound, at_text,
               low ? at_text : bound, low ? bound : at_text);
  return FALSE;
}

static gboolean
check_components (UpgManifest *manifest,
                  GError     **error)
{
  g_autofree char *problem = upg_plan_component_problem (manifest);

  if (problem == NULL)
    return TRUE;
  g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST, problem);
  return FALSE;
}

static gboolean
select_manifests (UpgPlan *self,
                  GError **error)
{
  GPtrArray *all = upg_bundle_get_manifests (self->bundle);

  for (guint i = 0; i < all->len; i++)
    {
      UpgManifest *manifest = all->pdata[i];
      const UpgVersion *version = upg_manifest_get_version (manifest);
      const UpgVersion *at = self->manifests->len > 0
        ? upg_manifest_get_version (g_ptr_array_index (self->manifests, self->manifests->len - 1))
        : self->from;

      if (upg_version_compare (version, self->from) <= 0
          || upg_version_compare (version, self->to) > 0)
        continue;
      if (!check_base (self, manifest, error) || !check_source (manifest, at, error)
          || !check_components (manifest, error))
        return FALSE;
      g_ptr_array_add (self->source_versions, upg_version_copy (at));
      g_ptr_array_add (self->manifests, g_object_ref (manifest));
    }
  return TRUE;
}

static GPtrArray *
candidates_of (UpgPlan  *self,
               UpgStage  stage)
{
  GPtrArray *candidates = g_ptr_array_new ();

  for (guint i = 0; i < self->manifests->len; i++)
    {
      GPtrArray *steps = upg_manifest_get_steps (self->manifests->pdata[i], stage);

      for (guint j = 0; j < steps->len; j++)
        if (upg_step_applies_to_site (steps->pdata[j], self->site_id))
          g_ptr_array_add (candidates, steps->pdata[j]);
    }
  return candidates;
}

static gboolean
order_steps (UpgPlan *self,
             GError **error)
{
  g_autoptr(GHashTable) known = upg_bundle_collect_step_ids (self->bundle);
  g_autoptr(GHashTable) stage_of_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  for (guint s = 0; s < UPG_N_STAGES; s++)
    {
      GPtrArray *list = candidates_of (self, s);

      g_ptr_array_add (candidates, list);
      for (guint j = 0; j < list->len; j++)
        {
          const char *id = upg_step_get_id (list->pdata[j]);

          if (!g_hash_table_contains (stage_of_id, id))
            g_hash_table_insert (stage_of_id, (gpointer) id, GUINT_TO_POINTER (s));
        }
    }
  for (guint s = 0; s < UPG_N_STAGES; s++)
    {
      self->steps[s] = upg_plan_order_steps (candidates->pdata[s], stage_of_id, known, error);
      if (self->steps[s] == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
collect_rollback (UpgPlan *self)
{
  for (guint s = 0; s < UPG_N_STAGES; s++)
    for (guint i = self->manifests->len; i-- > 0;)
      {
        GPtrArray *steps = upg_manifest_get_rollback_steps (self->manifests->pdata[i], s);

        for (guint j = steps->len; j-- > 0;)
          if (upg_step_applies_to_site (steps->pdata[j], self->site_id))
            g_ptr_array_add (self->rollback_steps[s], g_object_ref (steps->pdata[j]));
      }
}

static char *
incompatibility_reason (UpgPlan *self,
                        UpgStep *step)
{
  const UpgVersion *needed = upg_step_get_compatible_version (step);
  g_autofree char *needed_text = NULL;
  g_autofree char *from = NULL;

  if (needed == NULL)
    return g_strdup (_("no compatible_version declared: needs manual confirmation"));
  needed_text = upg_version_to_string (needed);
  from = upg_version_to_string (self->from);
  return g_strdup_printf (_("compatible only from %s; upgrading from %s"), needed_text, from);
}

static void
assess_compatibility (UpgPlan *self)
{
  self->mode = UPG_PLAN_MODE_ROLLING;
  for (guint s = 0; s < UPG_N_STAGES; s++)
    for (guint i = 0; i < self->steps[s]->len; i++)
      {
        UpgStep *step = self->steps[s]->pdata[i];

        if (upg_step_is_compatible_from (step, self->from))
          continue;
        self->mode = UPG_PLAN_MODE_STOP_SERVICE;
        g_ptr_array_add (self->incompatible, g_object_ref (step));
        g_hash_table_insert (self->reasons, step, incompatibility_reason (self, step));
      }
}

/* A `to` above every manifest is a typo or the wrong bundle (SPEC §3 Site
 * and range): planning up to the newest would run steps the operator did
 * not ask for. A `to` between two manifests is a release without changes
 * of its own and stays valid. */
static gboolean
check_newest (UpgBundle        *bundle,
              const UpgVersion *to,
              GError          **error)
{
  GPtrArray *all = upg_bundle_get_manifests (bundle);
  const UpgVersion *newest = NULL;
  g_autofree char *to_text = NULL;
  g_autofree char *newest_text = NULL;

  for (guint i = 0; i < all->len; i++)
    {
      const UpgVersion *version = upg_manifest_get_version (all->pdata[i]);

      if (newest == NULL || upg_version_compare (version, newest) > 0)
        newest = version;
    }
  if (newest == NULL || upg_version_compare (to, newest) <= 0)
    return TRUE;
  to_text = upg_version_to_string (to);
  newest_text = upg_version_to_string (newest);
  g_set_error (error, UPG_ERROR, UPG_ERROR_PLAN,
               _("'to' (%s) is above the newest manifest of the bundle (%s): no such version to upgrade to"),
               to_text, newest_text);
  return FALSE;
}

/**
 * upg_plan_new:
 * @bundle: the bundle
 * @from: the version the site is at
 * @to: the version to reach; must be above @from
 * @site_id: (nullable): the site; %NULL keeps only steps meant for every site
 * @error: return location for a #GError
 *
 * Plans the upgrade. Errors: %UPG_ERROR_PLAN when @to is not above @from
 * or above the newest manifest of @bundle (naming it), a patch's base is neither installed nor planned, or a manifest's
 * min/max_source_version leaves a gap (both versions named);
 * %UPG_ERROR_INVALID_BUNDLE on an unknown `depends_on` id or a cycle.
 *
 * Returns: (transfer full): the plan
 */
UpgPlan *
upg_plan_new (UpgBundle        *bundle,
              const UpgVersion *from,
              const UpgVersion *to,
              const char       *site_id,
              GError          **error)
{
  g_autoptr(UpgPlan) self = NULL;

  g_return_val_if_fail (UPG_IS_BUNDLE (bundle), NULL);
  g_return_val_if_fail (from != NULL && to != NULL, NULL);
  if (upg_version_compare (to, from) <= 0)
    {
      g_autofree char *to_text = upg_version_to_string (to);
      g_autofree char *from_text = upg_version_to_string (from);

      g_set_error (error, UPG_ERROR, UPG_ERROR_PLAN,
                   _("'to' (%s) must be above 'from' (%s); going down is rollback"),
                   to_text, from_text);
      return NULL;
    }
  if (!check_newest (bundle, to, error))
    return NULL;
  self = g_object_new (UPG_TYPE_PLAN, NULL);
  self->bundle = g_object_ref (bundle);
  self->from = upg_version_copy (from);
  self->to = upg_version_copy (to);
  self->site_id = g_strdup (site_id);
  if (!select_manifests (self, error) || !order_steps (self, error))
    return NULL;
  collect_rollback (self);
  assess_compatibility (self);
  return g_steal_pointer (&self);
}

/**
 * upg_plan_new_for_config:
 * @bundle: the bundle
 * @config: the site configuration
 * @from: the version the site is at
 * @to: the version to reach; must be above @from
 * @site_id: (nullable): the site; %NULL for the configuration's `site_id`
 * @error: return location for a #GError
 *
 * Like upg_plan_new(), for a site of @config: a site that is neither its
 * `site_id` nor one of its `sites` is refused with
 * %UPG_ERROR_INVALID_ARGUMENT before anything is planned (see
 * upg_config_check_site()). This is what the CLI and the HTTP service plan
 * with, so that `plan`, `assess` and `execute` refuse a mistyped site alike.
 *
 * Returns: (transfer full): the plan
 */
UpgPlan *
upg_plan_new_for_config (UpgBundle        *bundle,
                         UpgConfig        *config,
                         const UpgVersion *from,
                         const UpgVersion *to,
                         const char       *site_id,
                         GError          **error)
{
  g_return_val_if_fail (UPG_IS_CONFIG (config), NULL);

  if (site_id == NULL || *site_id == '\0')
    site_id = upg_config_get_site_id (config);
  if (!upg_config_check_site (config, site_id, error))
    return NULL;
  return upg_plan_new (bundle, from, to, site_id, error);
}

/**
 * upg_plan_get_bundle:
 * @self: a plan
 *
 * Gets the plan's bundle.
 *
 * Returns: (transfer none): its bundle
 */
UpgBundle *
upg_plan_get_bundle (UpgPlan *self)
{
  g_return_val_if_fail (UPG_IS_PLAN (self), NULL);
  return self->bundle;
}

/**
 * upg_plan_get_from:
 * @self: a plan
 *
 * Gets the version the site is at.
 *
 * Returns: (transfer none): the version the site is at
 */
const UpgVersion *
upg_plan_get_from (UpgPlan *self)
{
  g_return_val_if_fail (UPG_IS_PLAN (self), NULL);
  return self->from;
}

/**
 * upg_plan_get_to:
 * @self: a plan
 *
 * Gets the version to reach.
 *
 * Returns: (transfer none): the version to reach
 */
const UpgVersion *
upg_plan_get_to (UpgPlan *self)
{
  g_return_val_if_fail (UPG_IS_PLAN (self), NULL);
  return self->to;
}

/**
 * upg_plan_get_site_id:
 * @self: a plan
 *
 * Gets the site.
 *
 * Returns: (transfer none) (nullable): the site
 */
const char *
upg_plan_get_site_id (UpgPlan *self)
{
  g_return_val_if_fail (UPG_IS_PLAN (self), NULL);
  return self->site_id;
}

/**
 * upg_plan_get_mode:
 * @self: a plan
 *
 * Tells whether the plan can roll or must stop the service.
 *
 * Returns: %UPG_PLAN_MODE_ROLLING iff every step is compatible
 */
UpgPlanMode
upg_plan_get_mode (UpgPlan *self)
{
  g_return_val_if_fail (UPG_IS_PLAN (self), UPG_PLAN_MODE_STOP_SERVICE);
  return self->mode;
}

/**
 * upg_plan_get_manifests:
 * @self: a plan
 *
 * Gets the manifests applied, in order.
 *
 * Returns: (transfer none) (element-type UpgManifest): the manifests applied,
 *   in order
 */
GPtrArray *
upg_plan_get_manifests (UpgPlan *self)
{
  g_return_val_if_fail (UPG_IS_PLAN (self), NULL);
  return self->manifests;
}

/**
 * upg_plan_get_steps:
 * @self: a plan
 * @stage: a stage
 *
 * Gets the steps of @stage in execution order.
 *
 * Returns: (transfer none) (element-type UpgStep): the steps of @stage in
 *   execution order
 */
GPtrArray *
upg_plan_get_steps (UpgPlan  *self,
                    UpgStage  stage)
{
  g_return_val_if_fail (UPG_IS_PLAN (self), NULL);
  g_return_val_if_fail (stage < UPG_N_STAGES, NULL);
  return self->steps[stage];
}

/**
 * upg_plan_get_rollback_steps:
 * @self: a plan
 * @stage: a stage
 *
 * The `rollback_steps` of the plan's manifests that apply to the site, in
 * the order they run: newest manifest first and, within a manifest, last
 * declared first (undoing in reverse).
 *
 * Returns: (transfer none) (element-type UpgStep): the rollback steps of @stage
 */
GPtrArray *
upg_plan_get_rollback_steps (UpgPlan  *self,
                             UpgStage  stage)
{
  g_return_val_if_fail (UPG_IS_PLAN (self), NULL);
  g_return_val_if_fail (stage < UPG_N_STAGES, NULL);
  return self->rollback_steps[stage];
}

/**
 * upg_plan_get_incompatible_steps:
 * @self: a plan
 *
 * Gets the steps that force %UPG_PLAN_MODE_STOP_SERVICE, in execution order.
 *
 * Returns: (transfer none) (element-type UpgStep): the steps that force
 *   %UPG_PLAN_MODE_STOP_SERVICE, in execution order
 */
GPtrArray *
upg_plan_get_incompatible_steps (UpgPlan *self)
{
  g_return_val_if_fail (UPG_IS_PLAN (self), NULL);
  return self->incompatible;
}

/**
 * upg_plan_get_incompatible_reason:
 * @self: a plan
 * @step: one of its steps
 *
 * Gets why @step is incompatible.
 *
 * Returns: (transfer none) (nullable): why @step is incompatible; %NULL if it is not
 */
const char *
upg_plan_get_incompatible_reason (UpgPlan *self,
                                  UpgStep *step)
{
  g_return_val_if_fail (UPG_IS_PLAN (self), NULL);
  return g_hash_table_lookup (self->reasons, step);
}

/**
 * upg_plan_get_source_version_for:
 * @self: a plan
 * @manifest: one of its manifests
 *
 * Gets the version the site is at when @manifest applies (the previous
 * manifest's, or `from`).
 *
 * Returns: (transfer none) (nullable): the version the site is at when
 *   @manifest applies (the previous manifest's, or `from`)
 */
const UpgVersion *
upg_plan_get_source_version_for (UpgPlan     *self,
                                 UpgManifest *manifest)
{
  guint index;

  g_return_val_if_fail (UPG_IS_PLAN (self), NULL);
  if (!g_ptr_array_find (self->manifests, manifest, &index))
    return NULL;
  return self->source_versions->pdata[index];
}

static void
add_version (JsonBuilder      *builder,
             const char       *member,
             const UpgVersion *version)
{
  g_autofree char *text = upg_version_to_string (version);

  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, text);
}

static void
add_nullable (JsonBuilder *builder,
              const char  *member,
              const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_step (UpgPlan     *self,
          JsonBuilder *builder,
          UpgStep     *step)
{
  json_builder_begin_object (builder);
  add_nullable (builder, "id", upg_step_get_id (step));
  add_version (builder, "version", upg_step_get_version (step));
  add_nullable (builder, "component", upg_step_get_component (step));
  add_nullable (builder, "kind", upg_step_kind_to_string (upg_step_get_kind (step)));
  json_builder_set_member_name (builder, "compatible");
  json_builder_add_boolean_value (builder,
                                  upg_plan_get_incompatible_reason (self, step) == NULL);
  add_nullable (builder, "name", upg_step_get_name (step));
  add_nullable (builder, "database", upg_step_get_database (step));
  add_nullable (builder, "stage", upg_stage_to_string (upg_step_get_stage (step)));
  json_builder_end_object (builder);
}

static void
add_stages (UpgPlan     *self,
            JsonBuilder *builder)
{
  json_builder_set_member_name (builder, "stages");
  json_builder_begin_array (builder);
  for (guint s = 0; s < UPG_N_STAGES; s++)
    {
      if (self->steps[s]->len == 0)
        continue;
      json_builder_begin_object (builder);
      add_nullable (builder, "stage", upg_stage_to_string (s));
      json_builder_set_member_name (builder, "steps");
      json_builder_begin_array (builder);
      for (guint i = 0; i < self->steps[s]->len; i++)
        add_step (self, builder, self->steps[s]->pdata[i]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_incompatible (UpgPlan     *self,
                  JsonBuilder *builder)
{
  json_builder_set_member_name (builder, "incompatible");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->incompatible->len; i++)
    {
      UpgStep *step = self->incompatible->pdata[i];

      json_builder_begin_object (builder);
      add_nullable (builder, "id", upg_step_get_id (step));
      add_version (builder, "version", upg_step_get_version (step));
      add_nullable (builder, "reason", upg_plan_get_incompatible_reason (self, step));
      add_nullable (builder, "stage", upg_stage_to_string (upg_step_get_stage (step)));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

/**
 * upg_plan_to_json:
 * @self: a plan
 *
 * The plan document of SPEC §9: `from`, `to`, `site`, `mode`
 * (`"rolling"`|`"stop-service"`), `stages` (execution order, empty stages
 * left out; each step has `id`, `version`, `component`, `kind`,
 * `compatible`, plus `name`, `database`, `stage`) and `incompatible`
 * (`id`, `version`, `reason`, plus `stage`).
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
upg_plan_to_json (UpgPlan *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (UPG_IS_PLAN (self), NULL);
  json_builder_begin_object (builder);
  add_version (builder, "from", self->from);
  add_version (builder, "to", self->to);
  add_nullable (builder, "site", self->site_id);
  add_nullable (builder, "mode",
                self->mode == UPG_PLAN_MODE_ROLLING ? "rolling" : "stop-service");
  add_stages (self, builder);
  add_incompatible (self, builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
