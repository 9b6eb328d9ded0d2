/* upg-properties-private.h - Java .properties files (legacy bundle form)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _UpgProperties UpgProperties;

UpgProperties *upg_properties_parse     (const char     *data,
                                         gssize          length);
UpgProperties *upg_properties_load      (const char     *path,
                                         GError        **error);
void           upg_properties_free      (UpgProperties  *self);
const char    *upg_properties_get       (UpgProperties  *self,
                                         const char     *key);
guint          upg_properties_get_size  (UpgProperties  *self);
const char    *upg_properties_key_at    (UpgProperties  *self,
                                         guint           index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgProperties, upg_properties_free)

G_END_DECLS
