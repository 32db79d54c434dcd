/**
 * The reading import's SQL (see service.ts), raw on its measured hot path: a staging table filled
 * by COPY, checked set-wise, stored by one INSERT … SELECT, all on one pg client in one transaction.
 */
// The staging table: one row per syntactically valid input row.
export const CREATE_STAGE = `
CREATE TEMP TABLE reading_import (
  line integer NOT NULL,
  serial text NOT NULL,
  ts_abs timestamptz,
  ts_local timestamp,
  value numeric(15, 3) NOT NULL,
  source text NOT NULL
) ON COMMIT DROP`;

export const COPY_STAGE = 'COPY reading_import (line, serial, ts_abs, ts_local, value, source) FROM STDIN';

// Meter (within the caller's scope: unknown to them = unknown meter) and the instant, a local
// time being read in the meter's compound time zone. $1: provider scope (null = all).
export const RESOLVE = `
CREATE TEMP TABLE reading_batch ON COMMIT DROP AS
SELECT i.line, i.serial, m.id AS meter_id, m.compound_id, c.time_zone,
       coalesce(i.ts_abs, i.ts_local AT TIME ZONE c.time_zone) AS read_at,
       i.value, i.source, m.installed_at, m.retired_at
  FROM reading_import i
  LEFT JOIN (meters m JOIN compounds c ON c.id = m.compound_id AND ($1::uuid IS NULL OR c.provider_id = $1::uuid))
    ON m.serial = i.serial`;

// Per-row status. $1: the latest acceptable instant (now + skew).
export const CHECK = `
CREATE TEMP TABLE reading_checked ON COMMIT DROP AS
SELECT b.line, b.serial, b.meter_id, b.compound_id, b.time_zone, b.read_at, b.value, b.source,
       b.installed_at, b.retired_at, b.vmin, b.vmax, r.value AS stored_value,
       CASE
         WHEN b.meter_id IS NULL THEN 'unknown_meter'
         WHEN b.read_at > $1::timestamptz THEN 'future'
         WHEN b.read_at <= b.installed_at THEN 'before_install'
         WHEN b.retired_at IS NOT NULL AND b.read_at > b.retired_at THEN 'after_retire'
         WHEN b.vmin <> b.vmax THEN 'batch_conflict'
         WHEN r.value IS NOT NULL AND r.value <> b.value THEN 'stored_conflict'
         WHEN r.value IS NOT NULL OR b.rn > 1 THEN 'duplicate'
         ELSE 'ok'
       END AS status
  FROM (SELECT rb.*,
               min(rb.value) OVER w AS vmin,
               max(rb.value) OVER w AS vmax,
               row_number() OVER (w ORDER BY rb.line) AS rn
          FROM reading_batch rb
        WINDOW w AS (PARTITION BY rb.meter_id, rb.read_at)) b
  LEFT JOIN readings r ON r.meter_id = b.meter_id AND r.read_at = b.read_at`;

// Everything wrong with the batch, one row per error. Monotonicity: the new readings merged with
// the stored ones (and the meter's initial reading at its installation) must not decrease; each
// new reading is compared with its neighbours in that sequence.
export const ERRORS = `
CREATE TEMP TABLE reading_errors ON COMMIT DROP AS
SELECT line, status, serial, read_at, value, time_zone,
       CASE status WHEN 'before_install' THEN installed_at WHEN 'after_retire' THEN retired_at END AS at2,
       CASE status WHEN 'stored_conflict' THEN stored_value
                   WHEN 'batch_conflict' THEN CASE WHEN value = vmin THEN vmax ELSE vmin END END AS value2,
       NULL::integer AS line2
  FROM reading_checked
 WHERE status NOT IN ('ok', 'duplicate')
UNION ALL
SELECT line, status, serial, read_at, value, time_zone, at2, value2, line2
  FROM (
    WITH touched AS (
      SELECT meter_id, min(read_at) AS lo, max(read_at) AS hi FROM reading_checked WHERE status = 'ok' GROUP BY meter_id
    ),
    seq AS (
      SELECT c.meter_id, c.read_at, c.value, c.line, 'batch' AS kind, c.serial, c.time_zone
        FROM reading_checked c WHERE c.status = 'ok'
      UNION ALL
      -- Only the stored readings that can neighbour a new one: those between the meter's first
      -- and last new reading, and the nearest one on either side.
      SELECT r.meter_id, r.read_at, r.value, NULL, 'stored', NULL, NULL
        FROM touched t JOIN readings r ON r.meter_id = t.meter_id AND r.read_at BETWEEN t.lo AND t.hi
      UNION ALL
      SELECT t.meter_id, p.read_at, p.value, NULL, 'stored', NULL, NULL
        FROM touched t
       CROSS JOIN LATERAL (SELECT r.read_at, r.value FROM readings r
                            WHERE r.meter_id = t.meter_id AND r.read_at < t.lo ORDER BY r.read_at DESC LIMIT 1) p
      UNION ALL
      SELECT t.meter_id, n.read_at, n.value, NULL, 'stored', NULL, NULL
        FROM touched t
       CROSS JOIN LATERAL (SELECT r.read_at, r.value FROM readings r
                            WHERE r.meter_id = t.meter_id AND r.read_at > t.hi ORDER BY r.read_at LIMIT 1) n
      UNION ALL
      SELECT m.id, m.installed_at, m.initial_reading, NULL, 'initial', NULL, NULL
        FROM meters m JOIN touched t ON t.meter_id = m.id
    ),
    w AS (
      SELECT s.*,
             lag(value) OVER o AS prev_value, lag(read_at) OVER o AS prev_at, lag(line) OVER o AS prev_line, lag(kind) OVER o AS prev_kind,
             lead(value) OVER o AS next_value, lead(read_at) OVER o AS next_at, lead(kind) OVER o AS next_kind
        FROM seq s
      WINDOW o AS (PARTITION BY meter_id ORDER BY read_at, kind = 'batch')
    )
    SELECT line, 'lower_' || prev_kind AS status, serial, read_at, value, time_zone,
           prev_at AS at2, prev_value AS value2, prev_line AS line2
      FROM w WHERE kind = 'batch' AND value < prev_value
    UNION ALL
    SELECT line, 'higher', serial, read_at, value, time_zone, next_at, next_value, NULL
      FROM w WHERE kind = 'batch' AND next_kind <> 'batch' AND value > next_value
  ) monotonic`;

const CONFLICTS = '(\'stored_conflict\', \'batch_conflict\')';

// How many errors, and how many of them are conflicts (a batch of conflicts only is a 409).
export const COUNT_ERRORS = `
SELECT count(*)::int AS total, (count(*) FILTER (WHERE status IN ${CONFLICTS}))::int AS conflicts FROM reading_errors`;

// The listed errors. $1: how many.
export const LIST_ERRORS = 'SELECT * FROM reading_errors ORDER BY line, status LIMIT $1';

// Per compound, for its audit entry.
export const PER_COMPOUND = `
SELECT compound_id, (count(*) FILTER (WHERE status = 'ok'))::int AS accepted,
       (count(*) FILTER (WHERE status = 'duplicate'))::int AS duplicates
  FROM reading_checked GROUP BY compound_id ORDER BY compound_id`;

export const INSERT_OK = `
INSERT INTO readings (compound_id, meter_id, read_at, value, source)
SELECT compound_id, meter_id, read_at, value, source FROM reading_checked WHERE status = 'ok'`;
