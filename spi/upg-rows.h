/* upg-rows.h - a query's result, as text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_SPI_INSIDE__) && !defined(UPGRADE_SPI_COMPILATION)
#error "Only <upgrade-spi.h> can be included directly."
#endif

#include <glib-object.h>

#include "upg-spi-version-macros.h"

G_BEGIN_DECLS

#define UPG_TYPE_ROWS (upg_rows_get_type ())

UPG_SPI_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgRows, upg_rows, UPG, ROWS, GObject)

UPG_SPI_AVAILABLE_IN_ALL
UpgRows     *upg_rows_new               (guint         n_columns,
                                         const char  **column_names);
UPG_SPI_AVAILABLE_IN_ALL
void         upg_rows_append            (UpgRows      *self,
                                         const char  **values);
UPG_SPI_AVAILABLE_IN_ALL
void         upg_rows_append_take       (UpgRows      *self,
                                         char        **values);

UPG_SPI_AVAILABLE_IN_ALL
guint        upg_rows_get_n_rows        (UpgRows      *self);
UPG_SPI_AVAILABLE_IN_ALL
guint        upg_rows_get_n_columns     (UpgRows      *self);
UPG_SPI_AVAILABLE_IN_ALL
const char  *upg_rows_get_column_name   (UpgRows      *self,
                                         guint         column);
UPG_SPI_AVAILABLE_IN_ALL
const char  *upg_rows_get_value         (UpgRows      *self,
                                         guint         row,
                                         guint         column);
UPG_SPI_AVAILABLE_IN_ALL
gint64       upg_rows_get_int           (UpgRows      *self,
                                         guint         row,
                                         guint         column,
                                         gint64        default_value);

G_END_DECLS
