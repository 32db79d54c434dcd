import { sql } from 'kysely';
import type { Database } from '../db/pool.js';
import { queryRows } from '../db/sql.js';
import { BILLING_EXCEPTION_SQL, MISSING_READING_SQL, USAGE_SPIKE_SQL, ZERO_USAGE_SQL, type ExceptionRow } from './queries.sql.js';

export type { ExceptionRow } from './queries.sql.js';

export interface ExceptionMonth {
  compoundId: string;
  period: string;
  /** the season for which the period is billable, or null (then only the batch's exceptions are listed) */
  seasonLabel: string | null;
  /** the instants the month starts and ends in the compound's zone */
  start: Date;
  end: Date;
  /** the local dates of the month's first day and of the next month's first day */
  firstDay: string;
  nextFirstDay: string;
}

/**
 * One query in a read-only transaction of its own, with JIT off (on a server with JIT enabled its
 * compilation alone took about as long as the query) and room to hash a compound's month (100,000
 * households: a few MiB per aggregate) instead of sorting on disk (bench/exceptions.ts).
 */
async function run(db: Database, text: string, params: readonly unknown[]) {
  return db.transaction().setAccessMode('read only').execute(async (tx) => {
    await sql`SET LOCAL jit = off`.execute(tx);
    await sql`SET LOCAL work_mem = '64MB'`.execute(tx);
    return queryRows<ExceptionRow>(tx, text, params);
  });
}

/** The month's exceptions of one compound, kind by kind, each kind one query, side by side on the pool. */
export async function exceptionRows(db: Database, month: ExceptionMonth) {
  const { compoundId, period } = month;
  const meter = [compoundId, period, month.seasonLabel, month.start, month.end, month.firstDay, month.nextFirstDay];
  return Promise.all([
    run(db, MISSING_READING_SQL, meter),
    run(db, ZERO_USAGE_SQL, meter),
    run(db, USAGE_SPIKE_SQL, meter),
    run(db, BILLING_EXCEPTION_SQL, [compoundId, period]),
  ]);
}
