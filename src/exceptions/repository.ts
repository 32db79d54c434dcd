import { queryRows, type Queryable } from '../db/sql.js';
import { BILLING_EXCEPTION_SQL, MISSING_READING_SQL, USAGE_SPIKE_SQL, ZERO_USAGE_SQL, type ExceptionRow } from './queries.sql.js';

export type { ExceptionRow } from './queries.sql.js';

/**
 * The month's exceptions of one compound, kind by kind, each kind one query (run side by side on
 * the pool). `seasonLabel`: the season for which the period is billable, or null (then only the
 * batch's exceptions can be listed).
 */
export async function exceptionRows(db: Queryable, compoundId: string, period: string, seasonLabel: string | null) {
  const meter = [compoundId, period, seasonLabel];
  const kinds = await Promise.all([
    queryRows<ExceptionRow>(db, MISSING_READING_SQL, meter),
    queryRows<ExceptionRow>(db, ZERO_USAGE_SQL, meter),
    queryRows<ExceptionRow>(db, USAGE_SPIKE_SQL, meter),
    queryRows<ExceptionRow>(db, BILLING_EXCEPTION_SQL, [compoundId, period]),
  ]);
  return kinds;
}
