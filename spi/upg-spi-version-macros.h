/* upg-spi-version-macros.h - which symbols libupgrade-spi exports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_SPI_INSIDE__) && !defined(UPGRADE_SPI_COMPILATION)
#error "Only <upgrade-spi.h> can be included directly."
#endif

/* libupgrade-spi is built with -fvisibility=hidden: a function is part of
 * the ABI only when its installed prototype carries one of these macros,
 * so a helper shared between two .c files cannot leak into the ABI by
 * forgetting `static` (tests/test-abi-symbols.py checks the result). */
#define _UPG_SPI_EXTERN __attribute__((visibility ("default"))) extern

/**
 * UPG_SPI_AVAILABLE_IN_ALL:
 *
 * Marks a symbol of libupgrade-spi that is part of its ABI in every
 * version.
 */
#define UPG_SPI_AVAILABLE_IN_ALL _UPG_SPI_EXTERN
