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
import { CHECK, COPY_STAGE, COUNT_ERRORS, CREATE_STAGE, ERRORS, INSERT_OK, LIST_ERRORS, PER_COMPOUND, RESOLVE } from './import.sql.js';

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
      COUNT_ERRORS,
    );
    const sqlTotal = counts.rows[0]?.total ?? 0;
    const sqlConflicts = counts.rows[0]?.conflicts ?? 0;
    const total = rowErrorCount + sqlTotal;
    if (total > 0) {
      const listed = await client.query<ErrorRow>(LIST_ERRORS, [MAX_LISTED_ERRORS]);
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
      PER_COMPOUND,
    );
    const inserted = await client.query(
      INSERT_OK,
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
