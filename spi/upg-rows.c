/* upg-rows.c - a query's result, as text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-rows.h"

/**
 * UpgRows:
 *
 * The rows a query returned, every value as text (or %NULL for SQL `NULL`),
 * as a database's text protocol delivers them. Checks and the journal read
 * small results only, so a simple table is enough.
 */
struct _UpgRows
{
  GObject    parent_instance;

  guint      n_columns;
  GStrv      column_names;
  GPtrArray *cells;        /* n_rows × n_columns, char* or NULL */
};

G_DEFINE_FINAL_TYPE (UpgRows, upg_rows, G_TYPE_OBJECT)

static void
upg_rows_finalize (GObject *object)
{
  UpgRows *self = UPG_ROWS (object);

  g_strfreev (self->column_names);
  g_ptr_array_unref (self->cells);

  G_OBJECT_CLASS (upg_rows_parent_class)->finalize (object);
}

static void
upg_rows_class_init (UpgRowsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_rows_finalize;
}

static void
upg_rows_init (UpgRows *self)
{
  self->cells = g_ptr_array_new_with_free_func (g_free);
}

/**
 * upg_rows_new:
 * @n_columns: the number of columns
 * @column_names: (array length=n_columns) (nullable): the names of the columns
 *
 * Creates an empty result with @n_columns columns.
 *
 * Returns: (transfer full): a new #UpgRows
 */
UpgRows *
upg_rows_new (guint        n_columns,
              const char **column_names)
{
  UpgRows *self = g_object_new (UPG_TYPE_ROWS, NULL);

  self->n_columns = n_columns;
  self->column_names = g_new0 (char *, n_columns + 1);
  for (guint i = 0; i < n_columns; i++)
    self->column_names[i] = g_strdup (column_names != NULL && column_names[i] != NULL
                                      ? column_names[i] : "");

  return self;
}

/**
 * upg_rows_append:
 * @self: a #UpgRows
 * @values: (array) (element-type utf8) (nullable): one value per column,
 *   %NULL entries for SQL `NULL`
 *
 * Appends a row, copying the values.
 */
void
upg_rows_append (UpgRows     *self,
                 const char **values)
{
  g_return_if_fail (UPG_IS_ROWS (self));

  for (guint i = 0; i < self->n_columns; i++)
    g_ptr_array_add (self->cells, values != NULL ? g_strdup (values[i]) : NULL);
}

/**
 * upg_rows_append_take: (skip)
 * @self: a #UpgRows
 * @values: (transfer full): one value per column, %NULL entries for SQL `NULL`
 *
 * Appends a row, taking the values and the array.
 */
void
upg_rows_append_take (UpgRows  *self,
                      char    **values)
{
  g_return_if_fail (UPG_IS_ROWS (self));

  for (guint i = 0; i < self->n_columns; i++)
    g_ptr_array_add (self->cells, values[i]);
  g_free (values);
}

/**
 * upg_rows_get_n_rows:
 * @self: a #UpgRows
 *
 * Gets the number of rows.
 *
 * Returns: the number of rows
 */
guint
upg_rows_get_n_rows (UpgRows *self)
{
  g_return_val_if_fail (UPG_IS_ROWS (self), 0);

  return self->n_columns == 0 ? 0 : self->cells->len / self->n_columns;
}

/**
 * upg_rows_get_n_columns:
 * @self: a #UpgRows
 *
 * Gets the number of columns.
 *
 * Returns: the number of columns
 */
guint
upg_rows_get_n_columns (UpgRows *self)
{
  g_return_val_if_fail (UPG_IS_ROWS (self), 0);

  return self->n_columns;
}

/**
 * upg_rows_get_column_name:
 * @self: a #UpgRows
 * @column: a column index
 *
 * Gets the column's name.
 *
 * Returns: (transfer none): the column's name
 */
const char *
upg_rows_get_column_name (UpgRows *self,
                          guint    column)
{
  g_return_val_if_fail (UPG_IS_ROWS (self), NULL);
  g_return_val_if_fail (column < self->n_columns, NULL);

  return self->column_names[column];
}

/**
 * upg_rows_get_value:
 * @self: a #UpgRows
 * @row: a row index
 * @column: a column index
 *
 * Gets the value as text.
 *
 * Returns: (transfer none) (nullable): the value as text, %NULL for SQL `NULL`
 */
const char *
upg_rows_get_value (UpgRows *self,
                    guint    row,
                    guint    column)
{
  g_return_val_if_fail (UPG_IS_ROWS (self), NULL);
  g_return_val_if_fail (column < self->n_columns, NULL);
  g_return_val_if_fail (row < upg_rows_get_n_rows (self), NULL);

  return g_ptr_array_index (self->cells, row * self->n_columns + column);
}

/**
 * upg_rows_get_int:
 * @self: a #UpgRows
 * @row: a row index
 * @column: a column index
 * @default_value: what to return for `NULL` or text that is not an integer
 *
 * Gets the value as an integer.
 *
 * Returns: the value as an integer
 */
gint64
upg_rows_get_int (UpgRows *self,
                  guint    row,
                  guint    column,
                  gint64   default_value)
{
  const char *text = upg_rows_get_value (self, row, column);
  gint64 value;

  if (text == NULL || !g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &value, NULL))
    return default_value;

  return value;
}
