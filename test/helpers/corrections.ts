import { sql } from 'kysely';
import type pg from 'pg';
import { parseQuantity } from '../../src/core/index.js';
import type { Database } from '../../src/db/pool.js';
import { runBilling } from '../../src/billing/service.js';

/**
 * Corrections tests bill through the real monthly batch (src/billing, the code behind
 * POST /v1/billing-runs), every compound of the test database (or one), month by month.
 */
export async function runMonths(db: Database, pool: pg.Pool, periods: readonly string[], compound?: string) {
  for (const period of periods) {
    const run = await runBilling({ db, pool }, { period, actor: 'test', compound });
    if (run.status !== 'succeeded') throw new Error(`billing run ${period} ${run.status}: ${JSON.stringify(run)}`);
  }
}

/** Σ totalFen of an account's non-void invoices of a season (what it is charged overall). */
export async function seasonTotal(db: Database, accountId: string, season = '2025-26'): Promise<number> {
  const row = await db
    .selectFrom('invoices')
    .select(sql<number>`coalesce(sum(total_fen), 0)::bigint`.as('total'))
    .where('account_id', '=', accountId)
    .where('season_label', '=', season)
    .where('status', '<>', 'void')
    .executeTakeFirstOrThrow();
  return row.total;
}

export const SEASON_MONTHS = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-06', '2026-07', '2026-08', '2026-09'];

/** The last instant-ish of a month for a reading: the 28th at noon local (+08:00). */
export function monthReadAt(period: string, day = 28): string {
  return `${period}-${String(day).padStart(2, '0')}T12:00:00+08:00`;
}

export function units(value: string): bigint {
  return parseQuantity(value);
}
