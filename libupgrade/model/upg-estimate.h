/* upg-estimate.h - duration estimates and live rate calibration
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "upg-plan.h"

#include "upg-version-macros.h"

G_BEGIN_DECLS

/**
 * UPG_ESTIMATE_LONG_STEP_SECONDS:
 *
 * A step estimated above this many seconds (5 minutes) is flagged with a
 * suggestion to split or parallelise it.
 */
#define UPG_ESTIMATE_LONG_STEP_SECONDS 300

/**
 * UPG_ESTIMATE_DEFAULT_SQL_FILE_SECONDS:
 *
 * Seconds assumed for each SQL file of a step that declares neither
 * `estimated_duration` nor `data_volume`/`rate`. Counted per file (not per
 * statement) so that an estimate never needs to read and split the scripts.
 */
#define UPG_ESTIMATE_DEFAULT_SQL_FILE_SECONDS 30

/**
 * UPG_ESTIMATE_DEFAULT_STEP_SECONDS:
 *
 * Seconds assumed for a tool or command step that declares neither
 * `estimated_duration` nor `data_volume`/`rate`.
 */
#define UPG_ESTIMATE_DEFAULT_STEP_SECONDS 60

/**
 * UPG_ESTIMATE_DEFAULT_CONFIG_SECONDS:
 *
 * Seconds assumed for a `config` step, which renders one template and
 * replaces one file: a few milliseconds, rounded up to the estimate's
 * unit. The assessment replaces it with the duration its journal measured
 * for the site's earlier `config` steps, when there are any.
 */
#define UPG_ESTIMATE_DEFAULT_CONFIG_SECONDS 1

/**
 * UPG_RATE_TRACKER_DEVIATION:
 *
 * Relative deviation (0.20 = 20 %) between the measured and the configured
 * rate above which the measured rate replaces the configured one.
 */
#define UPG_RATE_TRACKER_DEVIATION 0.20

/**
 * UPG_RATE_TRACKER_MIN_SECONDS:
 *
 * The minimum sample: seconds a step must have been measured for before
 * its measured rate may replace the configured one. A first statement
 * done in 40 ms says nothing about a step estimated at an hour (it made
 * `configured 0.03/s (+81292 %)`).
 */
#define UPG_RATE_TRACKER_MIN_SECONDS 5.0

UPG_AVAILABLE_IN_ALL
char     *upg_format_seconds          (guint64  seconds);

UPG_AVAILABLE_IN_ALL
guint64   upg_estimate_volume_seconds  (guint64  data_volume,
                                        double   rate,
                                        guint    parallelism);

/**
 * UpgEstimateSource:
 * @UPG_ESTIMATE_SOURCE_VOLUME: from `data_volume / (rate × parallelism)`
 * @UPG_ESTIMATE_SOURCE_DECLARED: the step's `estimated_duration`
 * @UPG_ESTIMATE_SOURCE_DEFAULT: neither was given: the documented default
 *   (%UPG_ESTIMATE_DEFAULT_SQL_FILE_SECONDS per SQL file,
 *   %UPG_ESTIMATE_DEFAULT_CONFIG_SECONDS for a `config` step,
 *   %UPG_ESTIMATE_DEFAULT_STEP_SECONDS for a tool or command)
 * @UPG_ESTIMATE_SOURCE_JOURNAL: measured: the journal's durations of the
 *   site's earlier steps of the same kind
 *
 * Where a step's estimated duration comes from.
 */
typedef enum {
  UPG_ESTIMATE_SOURCE_VOLUME,
  UPG_ESTIMATE_SOURCE_DECLARED,
  UPG_ESTIMATE_SOURCE_DEFAULT,
  UPG_ESTIMATE_SOURCE_JOURNAL,
} UpgEstimateSource;

UPG_AVAILABLE_IN_ALL
guint64   upg_estimate_step_seconds    (UpgStep            *step,
                                        UpgEstimateSource  *source);

#define UPG_TYPE_ESTIMATE (upg_estimate_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgEstimate, upg_estimate, UPG, ESTIMATE, GObject)

UPG_AVAILABLE_IN_ALL
UpgEstimate  *upg_estimate_new_for_plan          (UpgPlan      *plan);
UPG_AVAILABLE_IN_ALL
guint64       upg_estimate_get_stage_seconds     (UpgEstimate  *self,
                                                  UpgStage      stage);
UPG_AVAILABLE_IN_ALL
guint64       upg_estimate_get_total_seconds     (UpgEstimate  *self);
UPG_AVAILABLE_IN_ALL
guint64       upg_estimate_get_downtime_seconds  (UpgEstimate  *self);
UPG_AVAILABLE_IN_ALL
GPtrArray    *upg_estimate_get_long_steps        (UpgEstimate  *self);
UPG_AVAILABLE_IN_ALL
char         *upg_estimate_get_suggestion        (UpgEstimate  *self,
                                                  UpgStep      *step);
UPG_AVAILABLE_IN_ALL
JsonNode     *upg_estimate_to_json               (UpgEstimate  *self);

#define UPG_TYPE_RATE_TRACKER (upg_rate_tracker_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgRateTracker, upg_rate_tracker, UPG, RATE_TRACKER, GObject)

UPG_AVAILABLE_IN_ALL
UpgRateTracker *upg_rate_tracker_new                    (guint64          total_units,
                                                         double           configured_rate);
UPG_AVAILABLE_IN_ALL
UpgRateTracker *upg_rate_tracker_new_for_duration       (guint64          total_units,
                                                         double           estimated_seconds);

UPG_AVAILABLE_IN_ALL
gboolean        upg_rate_tracker_update                 (UpgRateTracker  *self,
                                                         guint64          units_done,
                                                         double           elapsed_seconds);

UPG_AVAILABLE_IN_ALL
guint64         upg_rate_tracker_get_total_units        (UpgRateTracker  *self);
UPG_AVAILABLE_IN_ALL
guint64         upg_rate_tracker_get_units_done         (UpgRateTracker  *self);
UPG_AVAILABLE_IN_ALL
double          upg_rate_tracker_get_configured_rate    (UpgRateTracker  *self);
UPG_AVAILABLE_IN_ALL
double          upg_rate_tracker_get_measured_rate      (UpgRateTracker  *self);
UPG_AVAILABLE_IN_ALL
double          upg_rate_tracker_get_rate               (UpgRateTracker  *self);
UPG_AVAILABLE_IN_ALL
gboolean        upg_rate_tracker_is_revised             (UpgRateTracker  *self);
UPG_AVAILABLE_IN_ALL
int             upg_rate_tracker_get_deviation_percent  (UpgRateTracker  *self);
UPG_AVAILABLE_IN_ALL
double          upg_rate_tracker_get_remaining_seconds  (UpgRateTracker  *self);
UPG_AVAILABLE_IN_ALL
GDateTime      *upg_rate_tracker_get_eta                (UpgRateTracker  *self,
                                                         GDateTime       *now);
UPG_AVAILABLE_IN_ALL
char           *upg_rate_tracker_get_message            (UpgRateTracker  *self);

G_END_DECLS
