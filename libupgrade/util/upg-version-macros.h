/* upg-version-macros.h - which symbols libupgrade exports, and since when
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The version numbers and the knobs (UPG_VERSION_MIN_REQUIRED,
 * UPG_VERSION_MAX_ALLOWED) are those of upg-spi-version-macros.h: both
 * libraries are versioned together.
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <upgrade-spi.h>

/* libupgrade is built with -fvisibility=hidden: a function is part of the
 * ABI only when its installed prototype carries one of these macros. The
 * programs of this tree that use private API (upgradectl, upgraded, the
 * plugin host, the tests) link the objects statically instead
 * (libupgrade_internal in libupgrade/meson.build). */
#define _UPG_EXTERN __attribute__((visibility ("default"))) extern

/**
 * UPG_AVAILABLE_IN_ALL:
 *
 * Marks a symbol of libupgrade that is part of its ABI in every version
 * (everything before the 1.0 freeze).
 */
#define UPG_AVAILABLE_IN_ALL _UPG_EXTERN

/**
 * UPG_AVAILABLE_IN_1_0:
 *
 * Marks a symbol of libupgrade added in 1.0: unavailable (a warning) to a
 * program whose %UPG_VERSION_MAX_ALLOWED is older.
 */
#define UPG_AVAILABLE_IN_1_0 _UPG_AVAILABLE_IN_1_0_ATTR _UPG_EXTERN

/**
 * UPG_DEPRECATED_IN_1_0:
 *
 * Marks a symbol of libupgrade deprecated in 1.0: a warning for a program
 * whose %UPG_VERSION_MIN_REQUIRED is 1.0 or newer.
 */
#define UPG_DEPRECATED_IN_1_0 _UPG_DEPRECATED_IN_1_0_ATTR _UPG_EXTERN

/**
 * UPG_DEPRECATED_IN_1_0_FOR:
 * @f: the symbol to use instead
 *
 * As %UPG_DEPRECATED_IN_1_0, naming the replacement.
 */
#define UPG_DEPRECATED_IN_1_0_FOR(f) _UPG_DEPRECATED_IN_1_0_FOR_ATTR (f) _UPG_EXTERN
