/**
 * What an estimate is computed from (SPEC §9 "Estimated readings"), read set-wise for a chunk's
 * accounts without a reading, and once per compound for its median. A month billed on an
 * estimate (an estimated interval) or with no reading is no history: only real usage is.
 */

/** $1 account ids: each account's last (at most 3) monthly invoices billed on a real reading, newest first. */
export const USAGE_HISTORY_SQL = `
SELECT a.id AS account_id, h.period, h.usage_units::text AS units
FROM unnest($1::uuid[]) AS a(id)
JOIN LATERAL (
  SELECT i.period, i.usage_units FROM invoices i
  WHERE i.account_id = a.id AND i.kind = 'monthly' AND i.plan = 'metered' AND NOT i.no_reading AND i.status <> 'void'
    AND NOT EXISTS (SELECT 1 FROM invoice_intervals v WHERE v.invoice_id = i.id AND v.estimated)
  ORDER BY i.account_seq DESC LIMIT 3
) h ON true`;

/**
 * $1 compound, $2 period: the compound's latest month before $2 with metered invoices billed on
 * real readings, and their median units per m² (thousandths, rounded).
 */
export const MEDIAN_PER_M2_SQL = `
WITH latest AS (
  SELECT max(i.period) AS period FROM invoices i
  WHERE i.compound_id = $1 AND i.kind = 'monthly' AND i.plan = 'metered' AND NOT i.no_reading AND i.period < $2
)
SELECT l.period,
       round(percentile_disc(0.5) WITHIN GROUP (ORDER BY i.usage_units / h.area_m2), 3)::text AS per_m2
FROM latest l
JOIN invoices i ON i.compound_id = $1 AND i.period = l.period
JOIN households h ON h.id = i.household_id
WHERE i.kind = 'monthly' AND i.plan = 'metered' AND NOT i.no_reading AND i.status <> 'void' AND i.usage_units >= 0
  AND h.area_m2 > 0
  AND NOT EXISTS (SELECT 1 FROM invoice_intervals v WHERE v.invoice_id = i.id AND v.estimated)
GROUP BY l.period`;

/** $1 account ids, $2 season: each account's usage lines of the season so far, as priced (a true-up's credit is measured on them). */
export const SEASON_USAGE_GROSS_SQL = `
SELECT i.account_id, sum(l.amount_fen)::bigint::text AS fen
FROM invoices i
JOIN invoice_lines l ON l.invoice_id = i.id
WHERE i.account_id = ANY($1::uuid[]) AND i.status <> 'void' AND l.kind = 'usage' AND l.season_label = $2
GROUP BY i.account_id`;
