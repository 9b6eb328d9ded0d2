/* test-clickhouse-catalog.c - what a ClickHouse backup makes of each
 * object, without a server: kinds by engine, the objects a CREATE
 * statement refers to (as 18.16 and 24.8 print them), the inner table of
 * a materialized view (Ordinary and Atomic databases) and the order a
 * restore creates them in. The db suite's clickhouse-backup runs them on
 * a real 18.16 server; the 24.8 forms are checked here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-clickhouse-catalog-private.h"

static GHashTable *
name_set (const char *first,
          ...)
{
  GHashTable *set = g_hash_table_new (g_str_hash, g_str_equal);
  va_list args;

  va_start (args, first);
  for (const char *name = first; name != NULL; name = va_arg (args, const char *))
    g_hash_table_add (set, (gpointer) name);
  va_end (args);
  return set;
}

/* The needs of @create as "a,b", in the order found. */
static char *
needs_text (const char *create,
            const char *self,
            GHashTable *objects)
{
  g_autoptr(GPtrArray) needs = upg_clickhouse_catalog_needs (create, self, "logs", objects);

  g_ptr_array_add (needs, NULL);
  return g_strjoinv (",", (char **) needs->pdata);
}

static void
test_kinds (void)
{
  g_assert_cmpint (upg_ch_object_kind_for_engine ("MergeTree", FALSE), ==, UPG_CH_OBJECT_TABLE);
  g_assert_cmpint (upg_ch_object_kind_for_engine ("ReplicatedReplacingMergeTree", FALSE), ==, UPG_CH_OBJECT_TABLE);
  g_assert_cmpint (upg_ch_object_kind_for_engine ("Log", FALSE), ==, UPG_CH_OBJECT_TABLE);
  g_assert_cmpint (upg_ch_object_kind_for_engine ("View", FALSE), ==, UPG_CH_OBJECT_VIEW);
  g_assert_cmpint (upg_ch_object_kind_for_engine ("MaterializedView", FALSE), ==,
                   UPG_CH_OBJECT_MATERIALIZED_VIEW);
  g_assert_cmpint (upg_ch_object_kind_for_engine ("Distributed", FALSE), ==, UPG_CH_OBJECT_DISTRIBUTED);
  /* Reading them would store other tables' rows, or consume a queue. */
  g_assert_cmpint (upg_ch_object_kind_for_engine ("Merge", FALSE), ==, UPG_CH_OBJECT_EXTERNAL);
  g_assert_cmpint (upg_ch_object_kind_for_engine ("Buffer", FALSE), ==, UPG_CH_OBJECT_EXTERNAL);
  g_assert_cmpint (upg_ch_object_kind_for_engine ("Kafka", FALSE), ==, UPG_CH_OBJECT_EXTERNAL);
  /* 24.8 lists a DDL dictionary with the engine of a Dictionary table. */
  g_assert_cmpint (upg_ch_object_kind_for_engine ("Dictionary", TRUE), ==, UPG_CH_OBJECT_DICTIONARY);
  g_assert_cmpint (upg_ch_object_kind_for_engine ("Dictionary", FALSE), ==, UPG_CH_OBJECT_EXTERNAL);
}

static void
test_kind_names (void)
{
  UpgChObjectKind kind;

  for (guint k = UPG_CH_OBJECT_TABLE; k <= UPG_CH_OBJECT_EXTERNAL; k++)
    {
      g_assert_true (upg_ch_object_kind_from_string (upg_ch_object_kind_to_string (k), &kind));
      g_assert_cmpint (kind, ==, k);
    }
  g_assert_false (upg_ch_object_kind_from_string ("MergeTree", &kind));
  g_assert_cmpstr (upg_ch_object_kind_label ("materialized-view"), ==, "materialized view");
  /* A kind a later version writes is shown as it is. */
  g_assert_cmpstr (upg_ch_object_kind_label ("window-view"), ==, "window-view");
}

static void
test_needs (void)
{
  g_autoptr(GHashTable) objects = name_set ("src", "tgt", "mv", "v", "my table", NULL);
  struct { const char *create, *self, *needs; } cases[] = {
    /* 18.16 */
    { "CREATE VIEW logs.v ( id UInt32,  s String) AS SELECT id, s FROM logs.src  WHERE id > 1", "v", "src" },
    { "CREATE MATERIALIZED VIEW logs.mv TO logs.tgt ( id UInt32,  r String) AS SELECT id, reverse(s) AS r "
      "FROM logs.src", "mv", "tgt,src" },
    { "CREATE TABLE logs.d ( id UInt32) ENGINE = Distributed(test_shard_localhost, logs, src)", "d", "src" },
    /* 24.8: engine arguments as strings, names in backquotes */
    { "CREATE TABLE logs.d\n(\n    `id` UInt32\n)\nENGINE = Distributed('test_shard_localhost', 'logs', 'src', "
      "rand())", "d", "src" },
    { "CREATE VIEW logs.v2\n(\n    `id` UInt32\n)\nAS SELECT id\nFROM logs.`my table`", "v2", "my table" },
    { "CREATE DICTIONARY logs.dict (`id` UInt64, `s` String) PRIMARY KEY id "
      "SOURCE(CLICKHOUSE(TABLE 'src' DB 'logs')) LIFETIME(MIN 0 MAX 300) LAYOUT(FLAT())", "dict", "src" },
    /* Unqualified names are the database's own; another database's are not. */
    { "CREATE VIEW v3 AS SELECT * FROM src JOIN other.tgt USING (id)", "v3", "src" },
    { "CREATE VIEW v4 AS SELECT 'src' AS label, v.x FROM v", "v4", "src,v" },
    { "CREATE VIEW logs.v AS SELECT * FROM logs.v", "v", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *needs = needs_text (cases[i].create, cases[i].self, objects);

      g_assert_cmpstr (needs, ==, cases[i].needs);
    }
}

static void
test_inner_table (void)
{
  g_autoptr(GHashTable) ordinary = name_set (".inner.mv", "mv", "mvto", "tgt", NULL);
  g_autoptr(GHashTable) atomic = name_set (".inner_id.6a1c3bd2-09a5-4a2c-a2f5-0a6e5e1f7c11", "mv", NULL);
  g_autofree char *a = upg_clickhouse_catalog_inner_table ("mv", NULL, ordinary);
  g_autofree char *b = upg_clickhouse_catalog_inner_table ("mvto", NULL, ordinary);
  g_autofree char *c = upg_clickhouse_catalog_inner_table ("mv", "6a1c3bd2-09a5-4a2c-a2f5-0a6e5e1f7c11", atomic);
  g_autofree char *d = upg_clickhouse_catalog_inner_table ("mv", "6a1c3bd2-09a5-4a2c-a2f5-0a6e5e1f7c11", ordinary);

  g_assert_cmpstr (a, ==, ".inner.mv");
  /* TO a table: the view keeps no rows of its own. */
  g_assert_null (b);
  g_assert_cmpstr (c, ==, ".inner_id.6a1c3bd2-09a5-4a2c-a2f5-0a6e5e1f7c11");
  /* A view with a uuid whose inner table still has the old name
   * (an Ordinary database on 24.8). */
  g_assert_cmpstr (d, ==, ".inner.mv");
}

static void
add_object (GPtrArray       *objects,
            const char      *name,
            UpgChObjectKind  kind,
            const char      *needs)
{
  UpgChObject *object = g_new0 (UpgChObject, 1);
  g_auto(GStrv) names = g_strsplit (needs, ",", -1);

  object->name = g_strdup (name);
  object->kind = kind;
  object->needs = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; names[i] != NULL; i++)
    if (*names[i] != '\0')
      g_ptr_array_add (object->needs, g_strdup (names[i]));
  g_ptr_array_add (objects, object);
}

static char *
order_text (GPtrArray *objects)
{
  GString *out = g_string_new (NULL);

  upg_clickhouse_catalog_order (objects);
  for (guint i = 0; i < objects->len; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? " " : "", ((UpgChObject *) objects->pdata[i])->name);
  return g_string_free (out, FALSE);
}

static void
test_order (void)
{
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_ch_object_free);
  g_autoptr(GPtrArray) cycle = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_ch_object_free);
  g_autofree char *order = NULL, *cycle_order = NULL;

  /* Names in the opposite order of what they need. */
  add_object (objects, "a_dist", UPG_CH_OBJECT_DISTRIBUTED, "z_src");
  add_object (objects, "b_view", UPG_CH_OBJECT_VIEW, "c_view");
  add_object (objects, "c_view", UPG_CH_OBJECT_VIEW, "d_mv");
  add_object (objects, "d_mv", UPG_CH_OBJECT_MATERIALIZED_VIEW, "y_tgt,z_src");
  add_object (objects, "e_view", UPG_CH_OBJECT_VIEW, "a_dist");
  add_object (objects, "y_tgt", UPG_CH_OBJECT_TABLE, "");
  add_object (objects, "z_src", UPG_CH_OBJECT_TABLE, "");
  order = order_text (objects);
  g_assert_cmpstr (order, ==, "y_tgt z_src d_mv c_view b_view a_dist e_view");

  /* A cycle the server would not have accepted: kinds, then names. */
  add_object (cycle, "v2", UPG_CH_OBJECT_VIEW, "v1");
  add_object (cycle, "v1", UPG_CH_OBJECT_VIEW, "v2");
  add_object (cycle, "t", UPG_CH_OBJECT_TABLE, "");
  cycle_order = order_text (cycle);
  g_assert_cmpstr (cycle_order, ==, "t v1 v2");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/clickhouse-catalog/kinds", test_kinds);
  g_test_add_func ("/clickhouse-catalog/kind-names", test_kind_names);
  g_test_add_func ("/clickhouse-catalog/needs", test_needs);
  g_test_add_func ("/clickhouse-catalog/inner-table", test_inner_table);
  g_test_add_func ("/clickhouse-catalog/order", test_order);
  return g_test_run ();
}
