/* upg-check-result.h - one item a check reports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_SPI_INSIDE__) && !defined(UPGRADE_SPI_COMPILATION)
#error "Only <upgrade-spi.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

#include "upg-spi-version-macros.h"

G_BEGIN_DECLS

/**
 * UpgVerdict:
 * @UPG_VERDICT_PASS: the check passed
 * @UPG_VERDICT_WARN: the check passed with a warning; a person decides
 * @UPG_VERDICT_FAIL: the check failed; the upgrade must not go on
 * @UPG_VERDICT_SKIPPED: the check was not run (the message says why); not a verdict
 *
 * The outcome of one check item, from best to worst (skipped aside).
 */
typedef enum {
  UPG_VERDICT_PASS,
  UPG_VERDICT_WARN,
  UPG_VERDICT_FAIL,
  UPG_VERDICT_SKIPPED,
} UpgVerdict;

/**
 * UPG_CHECK_KIND_RESOURCE:
 *
 * The kind of items about CPU, memory and disk.
 */
#define UPG_CHECK_KIND_RESOURCE "resource"
/**
 * UPG_CHECK_KIND_DATA_QUALITY:
 *
 * The kind of items reporting a data-quality rule.
 */
#define UPG_CHECK_KIND_DATA_QUALITY "data_quality"
/**
 * UPG_CHECK_KIND_MIDDLEWARE:
 *
 * The kind of items comparing a server's version with the required one.
 */
#define UPG_CHECK_KIND_MIDDLEWARE "middleware"
/**
 * UPG_CHECK_KIND_COMPATIBILITY:
 *
 * The kind of items about rolling versus stop-service compatibility.
 */
#define UPG_CHECK_KIND_COMPATIBILITY "compatibility"
/**
 * UPG_CHECK_KIND_DURATION:
 *
 * The kind of items estimating how long steps take.
 */
#define UPG_CHECK_KIND_DURATION "duration"

UPG_SPI_AVAILABLE_IN_ALL
const char  *upg_verdict_to_string    (UpgVerdict   verdict);
UPG_SPI_AVAILABLE_IN_ALL
gboolean     upg_verdict_from_string  (const char  *text,
                                       UpgVerdict  *verdict,
                                       GError     **error);
UPG_SPI_AVAILABLE_IN_ALL
UpgVerdict   upg_verdict_worst        (UpgVerdict   a,
                                       UpgVerdict   b);

#define UPG_TYPE_CHECK_RESULT (upg_check_result_get_type ())

UPG_SPI_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgCheckResult, upg_check_result, UPG, CHECK_RESULT, GObject)

UPG_SPI_AVAILABLE_IN_ALL
UpgCheckResult  *upg_check_result_new              (const char      *kind,
                                                    const char      *id,
                                                    const char      *name,
                                                    UpgVerdict       verdict,
                                                    const char      *message);
UPG_SPI_AVAILABLE_IN_ALL
UpgCheckResult  *upg_check_result_new_from_json    (JsonNode        *node,
                                                    GError         **error);
UPG_SPI_AVAILABLE_IN_ALL
JsonNode        *upg_check_result_to_json          (UpgCheckResult  *self);

UPG_SPI_AVAILABLE_IN_ALL
const char      *upg_check_result_get_kind         (UpgCheckResult  *self);
UPG_SPI_AVAILABLE_IN_ALL
const char      *upg_check_result_get_id           (UpgCheckResult  *self);
UPG_SPI_AVAILABLE_IN_ALL
const char      *upg_check_result_get_name         (UpgCheckResult  *self);
UPG_SPI_AVAILABLE_IN_ALL
UpgVerdict       upg_check_result_get_verdict      (UpgCheckResult  *self);
UPG_SPI_AVAILABLE_IN_ALL
void             upg_check_result_set_verdict      (UpgCheckResult  *self,
                                                    UpgVerdict       verdict);
UPG_SPI_AVAILABLE_IN_ALL
const char      *upg_check_result_get_message      (UpgCheckResult  *self);
UPG_SPI_AVAILABLE_IN_ALL
void             upg_check_result_set_message      (UpgCheckResult  *self,
                                                    const char      *message);
UPG_SPI_AVAILABLE_IN_ALL
const char      *upg_check_result_get_suggestion   (UpgCheckResult  *self);
UPG_SPI_AVAILABLE_IN_ALL
void             upg_check_result_set_suggestion   (UpgCheckResult  *self,
                                                    const char      *suggestion);
UPG_SPI_AVAILABLE_IN_ALL
JsonObject      *upg_check_result_get_figures      (UpgCheckResult  *self);
UPG_SPI_AVAILABLE_IN_ALL
void             upg_check_result_set_figure_int   (UpgCheckResult  *self,
                                                    const char      *name,
                                                    gint64           value);
UPG_SPI_AVAILABLE_IN_ALL
void             upg_check_result_set_figure_double (UpgCheckResult *self,
                                                    const char      *name,
                                                    double           value);
UPG_SPI_AVAILABLE_IN_ALL
void             upg_check_result_set_figure_string (UpgCheckResult *self,
                                                    const char      *name,
                                                    const char      *value);

G_END_DECLS
