/**
 * Bulk reading import (SPEC §4, §7), one implementation for JSON batches and CSV uploads of any
 * size: rows are checked one by one while streaming and COPYed into a temporary staging table;
 * everything that needs the database (meter and scope, the compound's time zone, installation
 * and retirement, duplicates and conflicts, monotonicity against stored readings and within the
 * batch) is then checked set-wise in SQL, and the valid batch is stored by one INSERT … SELECT.
 * All of it runs in one transaction on one pg client: a batch is all or nothing.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { audit } from '../audit/audit.js';
import { providerScope, type Principal } from '../auth/principal.js';
import { inTransaction } from '../db/sql.js';
import { HttpProblem, type FieldError } from '../http/problem.js';
import { FUTURE_SKEW_MS } from '../shared/time.js';
import { lockStagedCompounds } from '../db/locks.js';
import { describe, type ErrorRow } from './errors.js';
import { rowToCopyLine, type RawReading, type ReadingField, type RowError } from './rows.js';

/**
 * Listed errors are capped; the rest are counted in errorsOmitted. Reading stops at the first row
 * error the list has no room for (so after at most 1,000 invalid rows): the rest of a junk upload is
 * neither parsed nor checked, and the 422 says so.
 */
export const MAX_LISTED_ERRORS = 1000;
const CHUNK_CHARS = 256 * 1024;
/** Rows checked between two turns of the event loop, so that an import never holds it for long. */
const ROWS_PER_TURN = 500;

export interface ReadingRow extends RawReading {
  /** JSON: the 0-based index; CSV: the file line (the header is line 1). */
  line: number;
}

export interface ImportSource {
  rows: AsyncIterable<ReadingRow> | Iterable<ReadingRow>;
  /** How an error names a row's field: `readings[3].value` or `line 7: value`. */
  pathOf(line: number, field: ReadingField): string;
}

export interface ImportResult {
  accepted: number;
  duplicates: number;
}

export interface ImportOptions {
  actor: string;
  /** Where the batch came from, for the audit log ('json' | 'csv' | …). */
  format: string;
  now?: Date;
  /** Called after each stage with its duration (the benchmark prints them). */
  onStage?: (stage: string, ms: number) => void;
}

// The staging table: one row per syntactically valid input row.
const CREATE_STAGE = `
CREATE TEMP TABLE reading_import (
  line integer NOT NULL,
  serial text NOT NULL,
  ts_abs timestamptz,
  ts_local timestamp,
  value numeric(15, 3) NOT NULL,
  source text NOT NULL
) ON COMMIT DROP`;

const COPY_STAGE = 'COPY reading_import (line, serial, ts_abs, ts_local, value, source) FROM STDIN';

// Meter (within the caller's scope: unknown to them = unknown meter) and the instant, a local
// time being read in the meter's compound time zone. $1: provider scope (null = all).
const RESOLVE = `
CREATE TEMP TABLE reading_batch ON COMMIT DROP AS
SELECT i.line, i.serial, m.id AS meter_id, m.compound_id, c.time_zone,
       coalesce(i.ts_abs, i.ts_local AT TIME ZONE c.time_zone) AS read_at,
       i.value, i.source, m.installed_at, m.retired_at
  FROM reading_import i
  LEFT JOIN (meters m JOIN compounds c ON c.id = m.compound_id AND ($1::uuid IS NULL OR c.provider_id = $1::uuid))
    ON m.serial = i.serial`;

// Per-row status. $1: the latest acceptable instant (now + skew).
const CHECK = `
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
const ERRORS = `
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

/** The 422 of an import that stopped reading at `omitted`, the first row error with no room in the list. */
function stoppedEarly(errors: RowError[], found: number, omitted: RowError, pathOf: ImportSource['pathOf']): HttpProblem {
  const listed = errors.map((e) => ({ path: pathOf(e.line, e.field), message: e.message, code: e.code }));
  return new HttpProblem(
    422,
    `More than ${MAX_LISTED_ERRORS} errors: the first ${listed.length} are listed and more were omitted; reading stopped at ` +
      `${pathOf(omitted.line, omitted.field)} and the rest of the batch was not checked. Nothing was stored.`,
    listed,
    found - listed.length,
  );
}

/** Stores a batch of readings or throws 422 (invalid rows), 409 (only conflicts), or the source's own 400/413. */
export async function importReadings(
  pool: pg.Pool,
  principal: Principal,
  source: ImportSource,
  options: ImportOptions,
): Promise<ImportResult> {
  const now = options.now ?? new Date();
  const rowErrors: RowError[] = [];
  let rowErrorCount = 0;
  let rows = 0;
  /** The first row error the list had no room for: reading stops there. */
  let firstOmitted: RowError | undefined;
  const onError = (e: RowError) => {
    rowErrorCount += 1;
    if (rowErrors.length < MAX_LISTED_ERRORS) rowErrors.push(e);
    else firstOmitted ??= e;
  };

  let mark = Date.now();
  const stage = (name: string) => {
    const at = Date.now();
    options.onStage?.(name, at - mark);
    mark = at;
  };
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const tx = await inTransaction(client);
    await client.query("SET LOCAL work_mem = '256MB'");
    await client.query(CREATE_STAGE);
    async function * chunks(): AsyncGenerator<string> {
      let buffer = '';
      for await (const row of source.rows) {
        rows += 1;
        if (rows % ROWS_PER_TURN === 0) await nextTurn();
        const line = rowToCopyLine(row, row.line, onError);
        if (firstOmitted !== undefined) break;
        if (line !== undefined) {
          buffer += line;
          if (buffer.length >= CHUNK_CHARS) {
            yield buffer;
            buffer = '';
          }
        }
      }
      if (buffer.length > 0) yield buffer;
    }
    await pipeline(Readable.from(chunks(), { objectMode: false }), client.query(copyFrom(COPY_STAGE)));
    stage('parse + row checks + COPY to staging');
    if (firstOmitted !== undefined) throw stoppedEarly(rowErrors, rowErrorCount, firstOmitted, source.pathOf);

    await client.query(RESOLVE, [providerScope(principal) ?? null]);
    await client.query('ANALYZE reading_batch');
    stage('resolve meters and time zones');
    await lockStagedCompounds(tx);
    await client.query(CHECK, [new Date(now.getTime() + FUTURE_SKEW_MS)]);
    await client.query('ANALYZE reading_checked');
    stage('duplicates, conflicts, installation and retirement');
    await client.query(ERRORS);
    stage('monotonicity');
    const counts = await client.query<{ total: number; conflicts: number }>(
      `SELECT count(*)::int AS total, (count(*) FILTER (WHERE status IN ${CONFLICTS}))::int AS conflicts FROM reading_errors`,
    );
    const sqlTotal = counts.rows[0]?.total ?? 0;
    const sqlConflicts = counts.rows[0]?.conflicts ?? 0;
    const total = rowErrorCount + sqlTotal;
    if (total > 0) {
      const listed = await client.query<ErrorRow>('SELECT * FROM reading_errors ORDER BY line, status LIMIT $1', [MAX_LISTED_ERRORS]);
      const all = [...rowErrors, ...listed.rows.map((row) => describe(row, source.pathOf))]
        .sort((a, b) => a.line - b.line)
        .slice(0, MAX_LISTED_ERRORS);
      const errors: FieldError[] = all.map((e) => ({ path: source.pathOf(e.line, e.field), message: e.message, code: e.code }));
      const onlyConflicts = sqlConflicts === total;
      const invalidRows = new Set(all.map((e) => e.line)).size;
      throw new HttpProblem(
        onlyConflicts ? 409 : 422,
        onlyConflicts
          ? `${total} reading(s) conflict with another value for the same meter and instant; nothing was stored.`
          : `${total} error(s) in ${invalidRows}${total > all.length ? '+' : ''} of ${rows} readings; nothing was stored.`,
        errors,
        total - errors.length,
      );
    }

    const perCompound = await client.query<{ compound_id: string; accepted: number; duplicates: number }>(
      `SELECT compound_id, (count(*) FILTER (WHERE status = 'ok'))::int AS accepted,
              (count(*) FILTER (WHERE status = 'duplicate'))::int AS duplicates
         FROM reading_checked GROUP BY compound_id ORDER BY compound_id`,
    );
    const inserted = await client.query(
      `INSERT INTO readings (compound_id, meter_id, read_at, value, source)
       SELECT compound_id, meter_id, read_at, value, source FROM reading_checked WHERE status = 'ok'`,
    );
    stage('INSERT … SELECT into readings');
    for (const c of perCompound.rows) {
      await audit(tx, {
        actor: options.actor,
        action: 'readings.import',
        entity: 'readings',
        compoundId: c.compound_id,
        details: { format: options.format, accepted: c.accepted, duplicates: c.duplicates },
      });
    }
    await client.query('COMMIT');
    stage('audit + COMMIT');
    const duplicates = perCompound.rows.reduce((sum, c) => sum + c.duplicates, 0);
    return { accepted: inserted.rowCount ?? 0, duplicates };
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    if ((error as { code?: string }).code === '23505') {
      throw new HttpProblem(409, 'A reading for the same meter and instant was stored concurrently; nothing was stored. Retry the batch.');
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
