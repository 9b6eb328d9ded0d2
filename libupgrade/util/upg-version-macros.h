/* upg-version-macros.h - which symbols libupgrade exports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

/* libupgrade is built with -fvisibility=hidden: a function is part of the
 * ABI only when its installed prototype carries one of these macros. The
 * programs of this tree that use private API (upgradectl, upgraded, the
 * plugin host, the tests) link the objects statically instead
 * (libupgrade_internal in libupgrade/meson.build). */
#define _UPG_EXTERN __attribute__((visibility ("default"))) extern

/**
 * UPG_AVAILABLE_IN_ALL:
 *
 * Marks a symbol of libupgrade that is part of its ABI in every version.
 */
#define UPG_AVAILABLE_IN_ALL _UPG_EXTERN
