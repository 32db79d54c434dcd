/**
 * Meter data quality (SPEC §9), one set-wise query per kind over one compound and month.
 * Parameters of every query: $1 the compound id, $2 the period 'YYYY-MM'; the meter kinds also take
 * $3, the label of the season for which the period is a billable month (null: not billable, no
 * items), $4, $5 the instants the month starts and ends in the compound's zone, $6, $7 the local
 * dates of its first day and of the next month's first day. A reading belongs to month M when it is
 * after M's start and at or before its end (local, the compound's zone): the reading a month's
 * invoice ends at (SPEC §5 "endValue").
 * Each query answers rows of ExceptionRow (the service orders them).
 */

export interface ExceptionRow {
  kind: 'missing_reading' | 'zero_usage' | 'usage_spike' | 'billing_exception';
  household_no: number;
  household_id: string;
  account_id: string | null;
  meter_serial: string | null;
  building: string;
  unit: string;
  room: string;
  area_m2: string;
  /** the month's advance (numeric text), for zero_usage and usage_spike */
  units: string | null;
  /** units per m² of floor area, rounded to 3 decimals (numeric text), for zero_usage and usage_spike */
  per_m2: string | null;
  /** the compound's median units per m² of the month (numeric text), for zero_usage and usage_spike */
  median_per_m2: string | null;
  /** the batch's reason, for billing_exception */
  reason: string | null;
}

/**
 * The month: local dates d0 ≤ day < d1 ($6, $7) and instants t0 < readAt ≤ t1 ($4, $5), bound as
 * constants so that the planner can estimate and use them.
 */
const BOUNDS = `
b AS (
  SELECT c.id AS compound_id, $2::text AS period,
         $6::date AS d0,
         $7::date AS d1,
         $4::timestamptz AS t0,
         $5::timestamptz AS t1
    FROM compounds c
   WHERE c.id = $1 AND $3::text IS NOT NULL
)`;

/** The account whose occupancy covers the month's last day (openedOn counts, closedOn does not, SPEC §7). */
const ACCOUNT_AT_MONTH_END = `
LEFT JOIN LATERAL (
  SELECT a.id FROM accounts a
   WHERE a.household_id = h.id AND a.opened_on < b.d1 AND (a.closed_on IS NULL OR a.closed_on >= b.d1)
   ORDER BY a.opened_on DESC LIMIT 1
) acc ON true`;

/** The meter in service at the month's end. */
const METER_AT_MONTH_END = `
LEFT JOIN LATERAL (
  SELECT m.serial FROM meters m
   WHERE m.household_id = h.id AND m.installed_at < b.t1 AND (m.retired_at IS NULL OR m.retired_at >= b.t1)
   ORDER BY m.installed_at DESC LIMIT 1
) mt ON true`;

/**
 * missing_reading: an account open at the month's end, on the metered plan for the season (no
 * plan row = metered), whose household has no reading in the month on any of its meters.
 */
export const MISSING_READING_SQL = `
WITH ${BOUNDS}
SELECT 'missing_reading' AS kind, h.household_no, h.id AS household_id, a.id AS account_id, mt.serial AS meter_serial,
       h.building, h.unit, h.room, h.area_m2::text AS area_m2,
       NULL::text AS units, NULL::text AS per_m2, NULL::text AS median_per_m2, NULL::text AS reason
  FROM b
  JOIN accounts a ON a.compound_id = b.compound_id AND a.opened_on < b.d1 AND (a.closed_on IS NULL OR a.closed_on >= b.d1)
  JOIN households h ON h.id = a.household_id
  -- The households with a reading in the month: one pass over the month's readings, hashed.
  LEFT JOIN (SELECT DISTINCT m.household_id
               FROM readings r JOIN meters m ON m.id = r.meter_id
              WHERE r.compound_id = $1 AND r.read_at > $4::timestamptz AND r.read_at <= $5::timestamptz) seen
    ON seen.household_id = h.id
  ${METER_AT_MONTH_END}
 WHERE seen.household_id IS NULL
   AND NOT EXISTS (SELECT 1 FROM account_plans p WHERE p.account_id = a.id AND p.season_label = $3 AND p.plan = 'flat')`;

/**
 * Each household's advance in the month, over the households with a reading in it: per meter, its
 * last reading of the month minus its last reading before the month (else its initial reading),
 * summed over the household's meters (a replaced meter's final reading is a reading). Readings are
 * monotonic per meter (SPEC §4), so a meter's last reading up to an instant is its greatest: one
 * aggregate over the compound's readings up to the month's end, no lookup per meter.
 */
const MONTH_UNITS = `
mu AS (
  SELECT m.household_id, sum(r.month_max - coalesce(r.before_max, m.initial_reading)) AS units
    FROM (SELECT r.meter_id,
                 max(r.value) FILTER (WHERE r.read_at > $4::timestamptz) AS month_max,
                 max(r.value) FILTER (WHERE r.read_at <= $4::timestamptz) AS before_max
            FROM readings r
           WHERE r.compound_id = $1 AND r.read_at <= $5::timestamptz AND $3::text IS NOT NULL
           GROUP BY r.meter_id) r
    JOIN meters m ON m.id = r.meter_id
   WHERE r.month_max IS NOT NULL
   GROUP BY m.household_id
),
per AS (
  SELECT mu.household_id, mu.units, mu.units / h.area_m2 AS per_m2
    FROM mu JOIN households h ON h.id = mu.household_id
),
-- The median of the month's units per m² (the lower middle value when the count is even).
med AS (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY per.per_m2) AS per_m2 FROM per)`;

const unitsQuery = (kind: string, condition: string) => `
WITH ${BOUNDS}, ${MONTH_UNITS}
SELECT '${kind}' AS kind, h.household_no, h.id AS household_id, acc.id AS account_id, mt.serial AS meter_serial,
       h.building, h.unit, h.room, h.area_m2::text AS area_m2, per.units::text AS units, round(per.per_m2, 3)::text AS per_m2,
       round(med.per_m2, 3)::text AS median_per_m2, NULL::text AS reason
  FROM b
  CROSS JOIN med
  JOIN per ON ${condition}
  JOIN households h ON h.id = per.household_id
  ${ACCOUNT_AT_MONTH_END}
  ${METER_AT_MONTH_END}`;

/** zero_usage: readings in the month but no advance, while the compound's median per m² is above 0. */
export const ZERO_USAGE_SQL = unitsQuery('zero_usage', 'per.units = 0 AND med.per_m2 > 0');

/** usage_spike: units per m² above 3× the compound's median per m² of the month (a median above 0). */
export const USAGE_SPIKE_SQL = unitsQuery('usage_spike', 'med.per_m2 > 0 AND per.per_m2 > 3 * med.per_m2');

/**
 * billing_exception: the accounts the latest run of the compound and month left unbilled (the run
 * record's exceptions, SPEC §6), dry or real, unless the account has been billed for the month since.
 * Parameters: $1, $2 only.
 */
export const BILLING_EXCEPTION_SQL = `
WITH latest AS (
  SELECT r.id FROM billing_runs r
   WHERE r.period = $2 AND r.status <> 'running'
     AND (r.compound_id = $1
          OR EXISTS (SELECT 1 FROM billing_run_compounds rc
                      WHERE rc.billing_run_id = r.id AND rc.compound_id = $1 AND rc.status = 'succeeded'))
   ORDER BY r.started_at DESC LIMIT 1
)
SELECT 'billing_exception' AS kind, h.household_no, h.id AS household_id, e.account_id, NULL::text AS meter_serial,
       h.building, h.unit, h.room, h.area_m2::text AS area_m2,
       NULL::text AS units, NULL::text AS per_m2, NULL::text AS median_per_m2, e.reason
  FROM latest
  JOIN billing_run_exceptions e ON e.billing_run_id = latest.id AND e.compound_id = $1
  JOIN households h ON h.id = e.household_id
 WHERE NOT EXISTS (SELECT 1 FROM invoices i
                    WHERE i.account_id = e.account_id AND i.period = $2 AND i.kind = 'monthly' AND i.status <> 'void')`;
