/* upg-spi-version-macros.h - which symbols libupgrade-spi exports, and
 * since when
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * In the manner of GLib's gversionmacros.h: a program (or plugin) defines
 * UPG_VERSION_MIN_REQUIRED (the oldest libupgrade it supports: what that
 * version already deprecated warns) and UPG_VERSION_MAX_ALLOWED (the
 * newest whose API it may use: newer symbols warn as unavailable), each
 * one of the UPG_VERSION_x_y values, before including <upgrade-spi.h> or
 * <upgrade.h>. Both libraries are versioned together, so one pair of
 * knobs covers both; both default to UPG_VERSION_CUR_STABLE.
 */
#pragma once

#if !defined(__UPGRADE_SPI_INSIDE__) && !defined(UPGRADE_SPI_COMPILATION)
#error "Only <upgrade-spi.h> can be included directly."
#endif

#include <glib.h>

/* libupgrade-spi is built with -fvisibility=hidden: a function is part of
 * the ABI only when its installed prototype carries one of these macros,
 * so a helper shared between two .c files cannot leak into the ABI by
 * forgetting `static` (tests/test-abi-symbols.py checks the result). */
#define _UPG_SPI_EXTERN __attribute__((visibility ("default"))) extern

/**
 * UPG_VERSION_1_0:
 *
 * The version number of the 1.0 API, the first of the `libupgrade-1` ABI
 * (which the 0.x releases prepare): a value for %UPG_VERSION_MIN_REQUIRED
 * and %UPG_VERSION_MAX_ALLOWED.
 */
#define UPG_VERSION_1_0 (G_ENCODE_VERSION (1, 0))

/**
 * UPG_VERSION_CUR_STABLE:
 *
 * The current stable API version: that of these headers with an odd
 * minor (a development series) rounded up to the next even one, and 1.0
 * while the project is at 0.x (tests/test-version-macros.py checks it
 * against meson.build's version).
 */
#define UPG_VERSION_CUR_STABLE UPG_VERSION_1_0

/**
 * UPG_VERSION_PREV_STABLE:
 *
 * The stable API version before %UPG_VERSION_CUR_STABLE; 1.0 is the
 * first, its own predecessor.
 */
#define UPG_VERSION_PREV_STABLE UPG_VERSION_1_0

/**
 * UPG_VERSION_MIN_REQUIRED:
 *
 * Define it before including the headers to the oldest libupgrade API the
 * program must build against (a UPG_VERSION_x_y value): symbols that
 * version already deprecated warn. Defaults to %UPG_VERSION_CUR_STABLE.
 */
#ifndef UPG_VERSION_MIN_REQUIRED
#define UPG_VERSION_MIN_REQUIRED UPG_VERSION_CUR_STABLE
#endif

/**
 * UPG_VERSION_MAX_ALLOWED:
 *
 * Define it before including the headers to the newest libupgrade API the
 * program may use (a UPG_VERSION_x_y value): symbols added after it warn
 * as unavailable. Defaults to %UPG_VERSION_MIN_REQUIRED when that is newer
 * than the current stable API, else to %UPG_VERSION_CUR_STABLE.
 */
#ifndef UPG_VERSION_MAX_ALLOWED
#if UPG_VERSION_MIN_REQUIRED > UPG_VERSION_CUR_STABLE
#define UPG_VERSION_MAX_ALLOWED UPG_VERSION_MIN_REQUIRED
#else
#define UPG_VERSION_MAX_ALLOWED UPG_VERSION_CUR_STABLE
#endif
#endif

#if UPG_VERSION_MAX_ALLOWED < UPG_VERSION_MIN_REQUIRED
#error "UPG_VERSION_MAX_ALLOWED must be >= UPG_VERSION_MIN_REQUIRED"
#endif
#if UPG_VERSION_MIN_REQUIRED < UPG_VERSION_1_0
#error "UPG_VERSION_MIN_REQUIRED must be >= UPG_VERSION_1_0, the first libupgrade-1 API"
#endif

/* The attributes behind the versioned macros of both libraries. A program
 * that wants no deprecation warnings at all defines
 * UPG_DISABLE_DEPRECATION_WARNINGS, as with GLib. */
#ifdef UPG_DISABLE_DEPRECATION_WARNINGS
#define _UPG_DEPRECATED_ATTR
#define _UPG_DEPRECATED_FOR_ATTR(f)
#define _UPG_UNAVAILABLE_ATTR(maj, min)
#else
#define _UPG_DEPRECATED_ATTR G_DEPRECATED
#define _UPG_DEPRECATED_FOR_ATTR(f) G_DEPRECATED_FOR (f)
#define _UPG_UNAVAILABLE_ATTR(maj, min) G_UNAVAILABLE (maj, min)
#endif

/* Per version x.y: the attribute of a symbol added in it (empty, or
 * "unavailable" above UPG_VERSION_MAX_ALLOWED) and of one deprecated in it
 * (empty below UPG_VERSION_MIN_REQUIRED, else "deprecated"). */
#if UPG_VERSION_MAX_ALLOWED < UPG_VERSION_1_0
#define _UPG_AVAILABLE_IN_1_0_ATTR _UPG_UNAVAILABLE_ATTR (1, 0)
#else
#define _UPG_AVAILABLE_IN_1_0_ATTR
#endif
#if UPG_VERSION_MIN_REQUIRED >= UPG_VERSION_1_0
#define _UPG_DEPRECATED_IN_1_0_ATTR _UPG_DEPRECATED_ATTR
#define _UPG_DEPRECATED_IN_1_0_FOR_ATTR(f) _UPG_DEPRECATED_FOR_ATTR (f)
#else
#define _UPG_DEPRECATED_IN_1_0_ATTR
#define _UPG_DEPRECATED_IN_1_0_FOR_ATTR(f)
#endif

/**
 * UPG_SPI_AVAILABLE_IN_ALL:
 *
 * Marks a symbol of libupgrade-spi that is part of its ABI in every
 * version (everything before the 1.0 freeze).
 */
#define UPG_SPI_AVAILABLE_IN_ALL _UPG_SPI_EXTERN

/**
 * UPG_SPI_AVAILABLE_IN_1_0:
 *
 * Marks a symbol of libupgrade-spi added in 1.0: unavailable (a warning)
 * to a program whose %UPG_VERSION_MAX_ALLOWED is older.
 */
#define UPG_SPI_AVAILABLE_IN_1_0 _UPG_AVAILABLE_IN_1_0_ATTR _UPG_SPI_EXTERN

/**
 * UPG_SPI_DEPRECATED_IN_1_0:
 *
 * Marks a symbol of libupgrade-spi deprecated in 1.0: a warning for a
 * program whose %UPG_VERSION_MIN_REQUIRED is 1.0 or newer.
 */
#define UPG_SPI_DEPRECATED_IN_1_0 _UPG_DEPRECATED_IN_1_0_ATTR _UPG_SPI_EXTERN

/**
 * UPG_SPI_DEPRECATED_IN_1_0_FOR:
 * @f: the symbol to use instead
 *
 * As %UPG_SPI_DEPRECATED_IN_1_0, naming the replacement.
 */
#define UPG_SPI_DEPRECATED_IN_1_0_FOR(f) _UPG_DEPRECATED_IN_1_0_FOR_ATTR (f) _UPG_SPI_EXTERN

/**
 * UPG_DEPRECATED_ENUMERATOR_IN_1_0_FOR:
 * @f: the value to use instead
 *
 * Put after an enumeration value's name (of either library) deprecated in
 * 1.0, naming its replacement: using the value warns in a program whose
 * %UPG_VERSION_MIN_REQUIRED is 1.0 or newer.
 */
#define UPG_DEPRECATED_ENUMERATOR_IN_1_0_FOR(f) _UPG_DEPRECATED_IN_1_0_FOR_ATTR (f)
