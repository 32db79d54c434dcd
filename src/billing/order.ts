/**
 * When a month may be billed (SPEC §6 "Months in order"): only once it has ended in the
 * compound's time zone (before that, a dry run previews it), and only after the billable month
 * before it once the compound has billed a month of the season (core: unbilledMonthBefore).
 */
import { localDateOf, periodBounds, unbilledMonthBefore } from '../core/index.js';
import { queryRows, type Queryable } from '../db/sql.js';
import { conflict } from '../http/problem.js';
import type { BillingMonth } from './facts.js';

const BILLED_MONTHS_SQL = 'SELECT period FROM billed_months WHERE compound_id = $1 AND season_label = $2';

/** A compound's month that may not be billed now (SPEC §6 "Months in order"): the run lists it as refused. */
export class MonthRefused extends Error {}

/** Why `month` cannot be billed now, or null. `dryRun`: only the order applies. */
export async function refusalOf(q: Queryable, month: BillingMonth, dryRun: boolean, now: Date): Promise<string | null> {
  const { compound, period, season } = month;
  if (!dryRun) {
    const ends = periodBounds(period, compound.timeZone).end;
    if (ends.getTime() > now.getTime()) {
      const endsOn = localDateOf(ends, compound.timeZone);
      return `${compound.code}: ${period} has not ended in ${compound.timeZone} (it ends on ${endsOn}); only a dry run can preview it.`;
    }
  }
  if (!season) return null;
  const billed = new Set((await queryRows<{ period: string }>(q, BILLED_MONTHS_SQL, [compound.id, season.label])).map((r) => r.period));
  const missing = unbilledMonthBefore(season, period, billed);
  return missing === null ? null : `${compound.code}: ${missing} has not been billed; bill it before ${period}.`;
}

/**
 * The reason each compound refuses the month, by compound id. When every compound refuses, 409
 * naming them all: there is nothing to run. Otherwise the run bills the others (SPEC §7).
 */
export async function refusals(q: Queryable, months: readonly BillingMonth[], dryRun: boolean, now: Date): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  for (const month of months) {
    const refusal = await refusalOf(q, month, dryRun, now);
    if (refusal !== null) refused.set(month.compound.id, refusal);
  }
  if (refused.size > 0 && refused.size === months.length) throw conflict([...refused.values()].join(' '));
  return refused;
}

/** Records that the compound billed the month (in the compound's billing transaction). */
export async function recordBilledMonth(q: Queryable, month: BillingMonth, runId: string | null): Promise<void> {
  if (!month.season) return;
  await queryRows(
    q,
    `INSERT INTO billed_months (compound_id, period, season_label, billing_run_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (compound_id, period) DO NOTHING`,
    [month.compound.id, month.period, month.season.label, runId],
  );
}
